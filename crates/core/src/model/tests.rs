//! Tests of the guarded importer on generated models, hand-made bad files, the Khronos validator
//! corpus and the Kenney kit.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine;

use super::*;
use crate::testutil::{assimp_models, corpora, files_with, repo};

/// Imports on a worker thread so that a hang fails the test instead of stalling it.
fn import_with_timeout(path: &Path) -> Result<ImportedModel, ImportError> {
    let (tx, rx) = mpsc::channel();
    let p = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(import_file(&p));
    });
    rx.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| panic!("import of {} hung", path.display()))
}

/// A one-triangle glTF with the given extra top-level JSON and index data.
fn triangle_gltf(indices: [u16; 3], extra: serde_json::Value) -> Vec<u8> {
    let mut bin = Vec::new();
    for v in [[0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]] {
        for c in v {
            bin.extend_from_slice(&c.to_le_bytes());
        }
    }
    for i in indices {
        bin.extend_from_slice(&i.to_le_bytes());
    }
    bin.extend_from_slice(&[0, 0]);
    let uri =
        format!("data:application/octet-stream;base64,{}", base64::engine::general_purpose::STANDARD.encode(&bin));
    let mut doc = serde_json::json!({
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"name": "tri", "mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3", "min": [0.0, 0.0, 0.0], "max": [1.0, 1.0, 0.0]},
            {"bufferView": 1, "componentType": 5123, "count": 3, "type": "SCALAR"}
        ],
        "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": 36}, {"buffer": 0, "byteOffset": 36, "byteLength": 6}],
        "buffers": [{"byteLength": 44, "uri": uri}]
    });
    if let (Some(d), Some(e)) = (doc.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            d.insert(k.clone(), v.clone());
        }
    }
    serde_json::to_vec(&doc).unwrap()
}

fn import_mem(bytes: &[u8]) -> Result<ImportedModel, ImportError> {
    import_bytes(bytes, Path::new("test.gltf"), Path::new("."))
}

#[test]
fn a_minimal_triangle_imports() {
    let m = import_mem(&triangle_gltf([0, 1, 2], serde_json::json!({}))).unwrap();
    assert_eq!(m.summary.triangles, 1);
    assert_eq!(m.summary.vertices, 3);
    assert_eq!(m.summary.bounds_m.unwrap().max, [1.0, 1.0, 0.0]);
    assert_eq!(m.meshes[0].indices, vec![0, 1, 2]);
}

#[test]
fn out_of_range_vertex_indices_are_refused() {
    let e = import_mem(&triangle_gltf([0, 1, 7], serde_json::json!({}))).unwrap_err();
    assert_eq!(e.file, Path::new("test.gltf"));
    assert!(e.to_string().contains("vertex index 7 but only 3 vertices"), "{e}");
}

#[test]
fn compressed_geometry_is_refused_by_name() {
    for (ext, name) in [("KHR_draco_mesh_compression", "Draco"), ("EXT_meshopt_compression", "meshopt")] {
        let bytes = triangle_gltf([0, 1, 2], serde_json::json!({"extensionsUsed": [ext], "extensionsRequired": [ext]}));
        let e = import_mem(&bytes).unwrap_err();
        assert!(matches!(e.cause, ImportCause::Compressed { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains(ext) && msg.contains(name) && msg.contains("re-export"), "{msg}");
    }
    // Merely *using* an extension we cannot decode (with a fallback) is not an error.
    let bytes = triangle_gltf([0, 1, 2], serde_json::json!({"extensionsUsed": ["EXT_meshopt_compression"]}));
    let m = import_mem(&bytes).unwrap();
    assert!(m.summary.notes.iter().any(|n| n.contains("EXT_meshopt_compression")), "{:?}", m.summary.notes);
}

#[test]
fn node_cycles_and_shared_children_are_refused() {
    let cyc = triangle_gltf(
        [0, 1, 2],
        serde_json::json!({"nodes": [{"mesh": 0, "children": [1]}, {"children": [2]}, {"children": [1]}]}),
    );
    let e = import_mem(&cyc).unwrap_err();
    assert!(e.to_string().contains("child of both") || e.to_string().contains("cycle"), "{e}");
    let loop3 = triangle_gltf(
        [0, 1, 2],
        serde_json::json!({"scenes": [{"nodes": [3]}], "nodes": [{"mesh": 0, "children": [1]}, {"children": [2]}, {"children": [0]}, {}]}),
    );
    let e = import_mem(&loop3).unwrap_err();
    assert!(e.to_string().contains("cycle"), "{e}");
}

#[test]
fn garbage_and_truncated_files_get_clear_errors() {
    let e = import_mem(b"").unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
    let e = import_mem(b"PK\x03\x04zip").unwrap_err();
    assert!(e.to_string().contains("not a glTF file"), "{e}");
    let e = import_mem(b"{\"asset\": {\"version\": \"2.0\"}, \"nodes\": [").unwrap_err();
    assert!(matches!(e.cause, ImportCause::Syntax { line: 1, .. }), "{e}");
    assert!(e.to_string().contains("the file is cut short"), "{e}");
    let glb = crate::modelgen::stress_model(100).unwrap();
    let e = import_mem(&glb[..glb.len() / 2]).unwrap_err();
    assert!(e.to_string().contains("GLB"), "{e}");
    let e = import_mem(&triangle_gltf([0, 1, 2], serde_json::json!({"asset": {"version": "1.0"}}))).unwrap_err();
    assert!(matches!(e.cause, ImportCause::Gltf1(_)), "{e}");
    let e = import_mem(&triangle_gltf([0, 1, 2], serde_json::json!({"asset": {"version": "3.0"}}))).unwrap_err();
    assert!(e.to_string().contains("`asset.version` is \"3.0\"; sitetwin reads glTF 2.0"), "{e}");
    let e = import_file(Path::new("/nonexistent/model.glb")).unwrap_err();
    assert!(e.to_string().starts_with("/nonexistent/model.glb: cannot read"), "{e}");
}

#[test]
fn generated_crane_has_movable_nodes_in_order() {
    let m = import_file(&repo().join("assets/models/demo/tc1.glb")).unwrap();
    let s = &m.summary;
    let slewing = s.node_named("slewing").unwrap();
    let trolley = s.node_named("trolley").unwrap();
    let hook = s.node_named("hook").unwrap();
    assert_eq!(trolley.parent, Some(slewing.index));
    assert_eq!(hook.parent, Some(trolley.index));
    // The jib reaches its 60 m: the model's x extent covers the jib tip.
    let b = s.bounds_m.unwrap();
    assert!(b.max[0] > 59.9 && b.max[0] < 60.5, "{b:?}");
    assert!((slewing.model_from_node.w_axis.y - 45.0).abs() < 1e-4, "jib pivot at 45 m");
    assert_eq!(s.generator.as_deref(), Some(crate::modelgen::GENERATOR));
}

/// Validator error codes of files the importer accepts, and why accepting them is safe. Every
/// invalid corpus file that imports must be explained by this table (docs/gltf-import.md).
const SAFE_WHEN_ACCEPTED: &[(&str, &str)] = &[
    ("EMPTY_ENTITY", "an empty list or object is read as absent"),
    ("UNEXPECTED_EXTENSION_OBJECT", "an extension object where it does not apply is ignored"),
    (
        "VALUE_NOT_IN_RANGE",
        "out-of-range material factors are drawn as given; zero-length buffers nothing reads are never read",
    ),
    (
        "ACCESSOR_ELEMENT_OUT_OF_MAX_BOUND",
        "accessors no mesh draws are not read; a drawn POSITION outside its bounds is refused",
    ),
    ("ACCESSOR_ELEMENT_OUT_OF_MIN_BOUND", "as above"),
    ("ACCESSOR_MAX_MISMATCH", "as above"),
    ("ACCESSOR_MIN_MISMATCH", "as above"),
    ("ACCESSOR_INVALID_FLOAT", "accessors no mesh draws are not read; a drawn POSITION with NaN is refused"),
    ("UNDEFINED_PROPERTY", "schema detail the glTF reader tolerates; nothing drawn depends on it"),
    ("TYPE_MISMATCH", "schema detail the glTF reader tolerates; nothing drawn depends on it"),
    ("DUPLICATE_ELEMENTS", "a repeated extension name is harmless"),
    ("ONE_OF_MISMATCH", "glTF cameras are removed by the twin, which has its own camera"),
    ("ASSET_MIN_VERSION_GREATER_THAN_VERSION", "the version that matters (2.x) is checked"),
    ("INVALID_URI", "data URIs are decoded by content; images must still decode as PNG or JPEG"),
    ("BUFFER_DATA_URI_MIME_TYPE_INVALID", "data URIs are decoded by content"),
    ("IMAGE_MIME_TYPE_INVALID", "images are sniffed by content and must decode as PNG or JPEG"),
    ("BUFFER_MISSING_GLB_DATA", "a buffer with no data is a placeholder; any view reading it is refused"),
    ("BUFFER_VIEW_TOO_BIG_BYTE_STRIDE", "the view is unused; every accessor read is bounds-checked"),
    ("CAMERA_ZFAR_LEQUAL_ZNEAR", "glTF cameras are removed by the twin"),
    ("CAMERA_XMAG_YMAG_ZERO", "glTF cameras are removed by the twin"),
    ("UNSATISFIED_DEPENDENCY", "a skin or weights on a node without a mesh have nothing to deform"),
    ("SKIN_NO_COMMON_ROOT", "the twin does not animate skins; the mesh is drawn in its bind pose"),
    ("SKIN_SKELETON_INVALID", "the twin does not animate skins"),
    ("ACCESSOR_INVALID_IBM", "the twin does not animate skins"),
    ("KHR_LIGHTS_PUNCTUAL_LIGHT_SPOT_ANGLES", "a spot light's cone is drawn as given"),
];

#[test]
fn validator_corpus_never_panics_hangs_or_slips_through() {
    let dir = corpora().join("gltf-validator/test");
    let files = files_with(&dir, &[".gltf", ".glb"]);
    assert!(files.len() >= 370, "expected the 372 validator files, found {}", files.len());
    let safe: BTreeMap<&str, &str> = SAFE_WHEN_ACCEPTED.iter().copied().collect();
    let (mut accepted, mut refused) = (0, 0);
    let mut unexplained = Vec::new();
    for f in &files {
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(format!("{}.report.json", f.display())).unwrap()).unwrap();
        match import_with_timeout(f) {
            Ok(_) => {
                accepted += 1;
                for m in report["issues"]["messages"].as_array().unwrap() {
                    let code = m["code"].as_str().unwrap();
                    if m["severity"] == 0 && !safe.contains_key(code) {
                        unexplained.push(format!("{}: {code}", f.display()));
                    }
                }
            }
            Err(e) => {
                refused += 1;
                let msg = e.to_string();
                assert!(msg.starts_with(&f.display().to_string()), "error does not name the file: {msg}");
                assert!(!matches!(e.cause, ImportCause::Internal(_)), "the importer panicked inside: {msg}");
                assert!(msg.len() > f.display().to_string().len() + 10, "error gives no cause: {msg}");
            }
        }
    }
    assert!(unexplained.is_empty(), "accepted files with unexplained validator errors:\n{}", unexplained.join("\n"));
    assert!(accepted > 100 && refused > 150, "accepted {accepted}, refused {refused}");
}

#[test]
fn known_crate_panics_are_plain_errors() {
    let dir = corpora().join("gltf-validator/test/base/data");
    let e = import_file(&dir.join("image/empty_object.gltf")).unwrap_err();
    assert!(e.to_string().contains("image 0 has neither a uri nor a bufferView"), "{e}");
    let e = import_file(&dir.join("mesh/unresolved_positions.gltf")).unwrap_err();
    assert!(e.to_string().contains("POSITION names accessor 0, but there are 0"), "{e}");
    let e = import_file(&dir.join("node/node_loop.gltf")).unwrap_err();
    assert!(e.to_string().contains("cycle"), "{e}");
}

#[test]
fn every_kenney_model_imports_with_its_external_texture() {
    let dir = corpora().join("kenney-retro-urban-kit/glb");
    let files = files_with(&dir, &[".glb"]);
    assert_eq!(files.len(), 124, "the kit ships 124 GLB models");
    let mut with_transform = 0;
    for f in &files {
        let m = import_with_timeout(f).unwrap_or_else(|e| panic!("{e}"));
        assert!(m.summary.triangles > 0, "{} draws nothing", f.display());
        assert!(m.summary.external_files.iter().any(|p| p.starts_with(dir.join("Textures"))), "{}", f.display());
        if m.summary.extensions_used.iter().any(|e| e == "KHR_texture_transform") {
            with_transform += 1;
        }
    }
    assert!(with_transform > 0, "expected KHR_texture_transform in the kit");
}

#[test]
fn gltf_1_files_are_refused_as_gltf_1_with_the_way_to_convert() {
    let files = files_with(&assimp_models().join("glTF"), &[".gltf", ".glb"]);
    assert!(files.len() >= 7, "expected the package's glTF 1.0 models, found {files:?}");
    for f in &files {
        let e = import_with_timeout(f).unwrap_err();
        assert!(matches!(e.cause, ImportCause::Gltf1(_)), "{e}");
        let msg = e.to_string();
        assert!(msg.starts_with(&format!("{}: glTF 1.0 (", f.display())), "{msg}");
        assert!(msg.contains("convert it to glTF 2.0") && msg.contains("gltf-pipeline"), "{msg}");
    }
    // The evidence differs: a version string, a version number, the binary container.
    let why = |p: &str| import_file(&assimp_models().join(p)).unwrap_err().to_string();
    assert!(why("glTF/TwoBoxes/TwoBoxes.gltf").contains("its `asset.version` is \"1.0\""));
    assert!(why("glTF/CesiumMilkTruck/CesiumMilkTruck.gltf").contains("its `asset.version` is 1)"));
    assert!(why("glTF/BoxTextured-glTF-Binary/BoxTextured.glb").contains("GLB container version 1"));
    // Without `asset`, objects keyed by name still give glTF 1.0 away.
    let e = import_mem(br#"{"meshes": {"box": {"primitives": []}}}"#).unwrap_err();
    assert!(e.to_string().contains("glTF 1.0 (it has no `asset`, and its `meshes` is an object keyed by name)"), "{e}");
}

#[test]
fn other_formats_named_gltf_are_named_with_what_to_do() {
    let cases = [
        ("OBJ/WusonOBJ.obj", "a Wavefront OBJ model"),
        ("OBJ/box.obj", "a Wavefront OBJ model"),
        ("FBX/box.fbx", "an FBX model"),
        ("FBX/cubes_nonames.fbx", "an FBX model"),
        ("BLEND/BlenderDefault_269.blend", "a Blender file"),
        ("BLEND/BlenderDefault_250_Compressed.blend", "gzip-compressed"),
        ("Collada/COLLADA.dae", "a COLLADA model"),
        ("STL/Spider_ascii.stl", "an STL model"),
        ("STL/Spider_binary.stl", "an STL model"),
        ("PLY/cube.ply", "a PLY model"),
        ("3DS/RotatingCube.3DS", "a 3DS model"),
        ("IFC/AC14-FZK-Haus.ifc", "an IFC (BIM) or STEP file"),
        ("DXF/wuson.dxf", "a DXF drawing"),
        ("3MF/box.3mf", "a ZIP archive"),
        ("X3D/HelloX3dTrademark.x3d", "an X3D model"),
        ("OFF/Cube.off", "an OFF model"),
    ];
    for (file, kind) in cases {
        let bytes = std::fs::read(assimp_models().join(file)).unwrap();
        // Renamed, as a modeller might: the content decides, not the name.
        for name in ["site.gltf", "site.glb"] {
            let e = import_bytes(&bytes, Path::new(name), Path::new(".")).unwrap_err();
            assert!(matches!(e.cause, ImportCause::NotGltf(_)), "{file}: {e}");
            let msg = e.to_string();
            assert!(msg.starts_with(&format!("{name}: not a glTF file: it is {kind}")), "{file}: {msg}");
            assert!(msg.contains("sitetwin reads glTF 2.0"), "{file}: {msg}");
        }
    }
    let e = import_mem(b"hello, I am a text file").unwrap_err();
    assert!(e.to_string().contains("no 3D format sitetwin recognises"), "{e}");
    let e = import_mem(br#"{"asset": {"version": "1.0"}, "geometricError": 500, "root": {}}"#).unwrap_err();
    assert!(e.to_string().contains("a 3D Tiles tileset"), "{e}");
    let e = import_mem(br#"{"type": "FeatureCollection", "features": []}"#).unwrap_err();
    assert!(e.to_string().contains("none of glTF's top-level properties"), "{e}");
}

#[test]
fn a_glb_named_gltf_and_a_gltf_named_glb_are_read_with_a_note() {
    let glb = std::fs::read(repo().join("assets/models/demo/w3.glb")).unwrap();
    let m = import_bytes(&glb, Path::new("w3.gltf"), Path::new(".")).unwrap();
    assert_eq!(m.summary.format, ModelFormat::Glb);
    assert!(m.summary.notes.iter().any(|n| n.contains("binary glTF (GLB) but named .gltf; rename it to .glb")));
    let gltf = triangle_gltf([0, 1, 2], serde_json::json!({}));
    let m = import_bytes(&gltf, Path::new("tri.GLB"), Path::new(".")).unwrap();
    assert!(m.summary.notes.iter().any(|n| n.contains("JSON glTF but named .glb; rename it to .gltf")));
    let m = import_bytes(&gltf, Path::new("tri.gltf"), Path::new(".")).unwrap();
    assert!(m.summary.notes.is_empty(), "{:?}", m.summary.notes);
}

#[test]
fn files_cut_short_say_so() {
    let glb = std::fs::read(repo().join("assets/models/demo/tc1.glb")).unwrap();
    for cut in [glb.len() - 1, glb.len() / 2, 13] {
        let e = import_mem(&glb[..cut]).unwrap_err();
        assert!(matches!(e.cause, ImportCause::Glb(_)), "{e}");
        assert!(e.to_string().contains("cut short"), "{cut} bytes: {e}");
    }
    let e = import_mem(&glb[..8]).unwrap_err();
    assert!(e.to_string().contains("the file is cut short: 8 bytes, less than the 12-byte header"), "{e}");
    let gltf = std::fs::read(assimp_models().join("glTF2/BoxTextured-glTF/BoxTextured.gltf")).unwrap();
    let e = import_mem(&gltf[..gltf.len() / 2]).unwrap_err();
    assert!(matches!(e.cause, ImportCause::Syntax { .. }), "{e}");
    assert!(e.to_string().contains("the JSON ends early") && e.to_string().contains("cut short"), "{e}");
}

#[test]
fn a_missing_or_unreadable_asset_version_is_named() {
    let e = import_mem(br#"{"scenes": [{"nodes": []}], "nodes": []}"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        "test.gltf: the top level: the required property `asset` is missing (every glTF file names its version \
         there, `\"asset\": {\"version\": \"2.0\"}`); export the model again"
    );
    let e = import_mem(br#"{"asset": {"generator": "x"}, "nodes": []}"#).unwrap_err();
    assert!(e.to_string().starts_with("test.gltf: asset: the required property `version` is missing"), "{e}");
    let e = import_mem(br#"{"asset": {"version": 2.0}}"#).unwrap_err();
    assert!(e.to_string().contains("asset.version: must be a string such as \"2.0\", found 2.0"), "{e}");
    // 2.x is read; its minor version does not matter to the reader.
    import_mem(&triangle_gltf([0, 1, 2], serde_json::json!({"asset": {"version": "2.1"}}))).unwrap();
}

#[test]
fn schema_errors_name_the_property_and_what_it_needs() {
    let base = corpora().join("gltf-validator/test/base/data");
    let why = |p: &Path| import_file(p).unwrap_err().to_string();
    let a = assimp_models().join("glTF2");
    let cases = [
        (
            a.join("wrongTypes/badArray.gltf"),
            "meshes[0].primitives (line 44, column 26): expected a list `[...]`, found an object `{...}`",
        ),
        (
            a.join("wrongTypes/badString.gltf"),
            "scenes[0].name (line 12, column 14): expected a string `\"...\"`, found the number 42",
        ),
        (
            a.join("wrongTypes/badUint.gltf"),
            "baseColorTexture.index (line 128, column 31): expected an index (a whole number from 0), found the number -1",
        ),
        (
            a.join("SchemaFailures/sceneWrongType.gltf"),
            "scene (line 6, column 20): expected an index (a whole number from 0), found the string \"hello\"",
        ),
        (
            a.join("TestNoRootNode/SceneWithoutNodes.gltf"),
            "scenes[0] (line 8, column 9): the required property `nodes` is missing",
        ),
        (
            base.join("root/invalid_collection_type.gltf"),
            "samplers (line 5, column 16): expected a list `[...]`, found an object `{...}`",
        ),
        (
            base.join("json/integer_written_as_float.gltf"),
            "bufferViews[0].byteLength (line 22, column 29): expected a whole number from 0, found the number 1.0",
        ),
        (
            base.join("animation/channel_duplicate_targets.gltf"),
            "animations[1].channels[0].target (line 41, column 21): the required property `node` is missing: the glTF reader Bevy uses (gltf 1.4) needs every animation channel to name its node",
        ),
        (base.join("camera/infinite_znear.gltf"), "a number is too large (glTF numbers must be finite)"),
        (
            base.join("json/invalid_syntax.gltf"),
            "not valid JSON at line 1, column 2: an object key is not in double quotes",
        ),
        (base.join("glb/empty_json_chunk.glb"), "not valid JSON at line 1, column 0: the JSON is empty"),
        (base.join("glb/bom.glb"), "not a glTF file: its JSON starts with a UTF-8 byte-order mark"),
    ];
    for (file, want) in &cases {
        let msg = why(file);
        assert!(msg.contains(want), "{}:\n  got  {msg}\n  want {want}", file.display());
    }
}

/// Wording of serde, serde_json and the `gltf` crate's validation that a modeller cannot act on.
const PARSER_WORDS: &[&str] = &[
    "invalid type:",
    "invalid value:",
    "missing field",
    "a sequence",
    "expected struct",
    "index into child of root",
    "expected u64",
    "expected u32",
    "expected f32",
    "EOF while parsing",
    "key must be a string",
    "expected value",
    "Missing data",
    "Index out of bounds",
    "Invalid value",
];

/// serde_json's position suffix, `... at line 3 column 7`.
fn has_serde_position(msg: &str) -> bool {
    msg.match_indices(" at line ").any(|(i, m)| {
        let rest = &msg[i + m.len()..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with(" column ")
    })
}

#[test]
fn no_refusal_reads_like_a_parser_message() {
    let mut files = files_with(&corpora().join("gltf-validator/test"), &[".gltf", ".glb"]);
    files.extend(files_with(&assimp_models().join("glTF"), &[".gltf", ".glb"]));
    files.extend(files_with(&assimp_models().join("glTF2"), &[".gltf", ".glb"]));
    let mut refused = 0;
    let mut parser_speak = Vec::new();
    for f in &files {
        if let Err(e) = import_with_timeout(f) {
            refused += 1;
            let msg = e.to_string();
            if let Some(w) = PARSER_WORDS.iter().find(|w| msg.contains(**w)) {
                parser_speak.push(format!("{msg}  [{w}]"));
            } else if has_serde_position(&msg) {
                parser_speak.push(format!("{msg}  [serde's position]"));
            }
        }
    }
    assert!(refused > 200, "refused only {refused}");
    assert!(has_serde_position("x at line 3 column 7") && !has_serde_position("at line 3, column 7"));
    assert!(parser_speak.is_empty(), "refusals in a parser's words:\n{}", parser_speak.join("\n"));
}
