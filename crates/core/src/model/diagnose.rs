//! Says what a file that is not readable glTF 2.0 is, and what to do about it, instead of passing
//! on a parser's words ("invalid type: map, expected a sequence"): other 3D and CAD formats by
//! their signature, glTF 1.0 by its version or its name-keyed objects, JSON errors by the glTF
//! property they are in, and the `gltf` reader's validation findings in plain words.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::ImportCause;

/// What sitetwin reads, for messages.
const WANT: &str = "sitetwin reads glTF 2.0 (.glb or .gltf)";

/// How to get glTF 2.0 out of a mesh format that Blender imports.
const VIA_BLENDER: &str = "export it as glTF 2.0 (.glb) from the program that made it, or import it in Blender and \
                           export glTF 2.0";

/// A known non-glTF format recognised by its first bytes: what it is and what to do.
pub(super) fn other_format(bytes: &[u8]) -> Option<String> {
    let text_start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let head = &bytes[text_start..bytes.len().min(text_start + 4096)];
    let starts = |sig: &[u8]| bytes.starts_with(sig);
    let text_starts = |sig: &str| head.starts_with(sig.as_bytes());
    let found = |what: &str, todo: &str| Some(format!("it is {what}; {WANT}: {todo}"));
    if starts(b"Kaydara FBX Binary") || text_starts("; FBX") || text_starts("FBXHeaderExtension") {
        return found("an FBX model", VIA_BLENDER);
    }
    if starts(b"BLENDER") {
        return found("a Blender file (.blend)", "open it in Blender and export glTF 2.0 (.glb)");
    }
    if starts(b"ISO-10303-21") {
        return found(
            "an IFC (BIM) or STEP file",
            "export glTF 2.0 from the BIM program, or convert it with IfcConvert (IfcOpenShell), which writes .glb",
        );
    }
    if bytes.len() >= 6 && starts(b"AC10") && bytes[4..6].iter().all(u8::is_ascii_digit) {
        return found("an AutoCAD drawing (.dwg)", "export the 3D model as glTF 2.0 (.glb) from the CAD program");
    }
    if is_dxf(head) {
        return found("a DXF drawing", "export the 3D model as glTF 2.0 (.glb) from the CAD program");
    }
    if starts(b"PK\x03\x04") {
        return found(
            "a ZIP archive (a zipped model, 3MF, KMZ or USDZ)",
            "unpack it, or open it in the program that made it, and give sitetwin the .glb or .gltf",
        );
    }
    if starts(b"\x1f\x8b") {
        return found("gzip-compressed data (a compressed .blend or a .gz archive)", "decompress it first");
    }
    if starts(b"\x89PNG") || starts(b"\xff\xd8\xff") {
        return found("an image, not a model", "point the scene at the model's .glb or .gltf");
    }
    if starts(b"DRACO") {
        return found("a bare Draco mesh (.drc)", "export the model as glTF 2.0 without Draco compression");
    }
    if starts(b"PXR-USDC") || text_starts("#usda") {
        return found("a USD file", VIA_BLENDER);
    }
    if bytes.len() >= 8 && starts(b"MM") && bytes[6..8] == [0x02, 0x00] {
        return found("a 3DS model", VIA_BLENDER);
    }
    if text_starts("ply") && head.get(3).is_some_and(|b| *b == b'\n' || *b == b'\r') {
        return found("a PLY model", VIA_BLENDER);
    }
    if text_starts("solid ") || is_binary_stl(bytes) {
        return found("an STL model", VIA_BLENDER);
    }
    if text_starts("<") {
        let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
        return if lower.contains("<collada") {
            found("a COLLADA model (.dae)", VIA_BLENDER)
        } else if lower.contains("<x3d") {
            found("an X3D model", VIA_BLENDER)
        } else if lower.contains("<html") || lower.contains("<!doctype html") {
            found("a web page (a failed download?)", "download the model file itself")
        } else {
            found("an XML file, not a model sitetwin knows", VIA_BLENDER)
        };
    }
    if text_starts("OFF") && head.get(3).is_some_and(u8::is_ascii_whitespace) {
        return found("an OFF model", VIA_BLENDER);
    }
    if is_obj(head) {
        return found("a Wavefront OBJ model", VIA_BLENDER);
    }
    None
}

/// A DXF file starts with group code 0 and `SECTION` on the next line.
fn is_dxf(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines().map(str::trim);
    lines.next() == Some("0") && lines.next() == Some("SECTION")
}

/// A binary STL: an 80-byte header, a triangle count, and 50 bytes per triangle.
fn is_binary_stl(bytes: &[u8]) -> bool {
    let Some(n) = bytes.get(80..84) else { return false };
    let n = u32::from_le_bytes([n[0], n[1], n[2], n[3]]) as u64;
    n > 0 && bytes.len() as u64 == 84 + 50 * n
}

/// OBJ: its first statements (after `#` comments) are vertex, face, group or material lines.
fn is_obj(head: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(head) else { return false };
    let mut statements =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).take(5).peekable();
    statements.peek().is_some()
        && statements.all(|l| {
            let word = l.split_whitespace().next().unwrap_or("");
            ["v", "vn", "vt", "vp", "f", "o", "g", "s", "l", "p", "mtllib", "usemtl"].contains(&word)
        })
}

/// The top level of a glTF document, only as far as telling what kind of document it is.
#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(borrow)]
    asset: Option<&'a RawValue>,
    #[serde(borrow, rename = "geometricError")]
    geometric_error: Option<&'a RawValue>,
    #[serde(borrow)]
    accessors: Option<&'a RawValue>,
    #[serde(borrow)]
    buffers: Option<&'a RawValue>,
    #[serde(borrow, rename = "bufferViews")]
    buffer_views: Option<&'a RawValue>,
    #[serde(borrow)]
    materials: Option<&'a RawValue>,
    #[serde(borrow)]
    meshes: Option<&'a RawValue>,
    #[serde(borrow)]
    nodes: Option<&'a RawValue>,
    #[serde(borrow)]
    scenes: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct AssetProbe<'a> {
    #[serde(borrow)]
    version: Option<&'a RawValue>,
}

/// Reads just enough of the JSON to refuse, in words, what is not glTF 2.0: not JSON, JSON that
/// is not glTF, glTF 1.0, another version. Cheap: it skips every value it does not look at.
pub(super) fn document_kind(json: &[u8]) -> Result<(), ImportCause> {
    let probe: Probe = serde_json::from_slice(json).map_err(|e| match e.classify() {
        serde_json::error::Category::Data if e.to_string().starts_with("invalid type") => ImportCause::NotGltf(
            format!("it is JSON, but its top level is not an object `{{...}}`, so it is no glTF document; {WANT}"),
        ),
        serde_json::error::Category::Data => schema(&e, json),
        _ => syntax(&e),
    })?;
    let collections = [
        ("accessors", probe.accessors),
        ("buffers", probe.buffers),
        ("bufferViews", probe.buffer_views),
        ("materials", probe.materials),
        ("meshes", probe.meshes),
        ("nodes", probe.nodes),
        ("scenes", probe.scenes),
    ];
    // glTF 1.0 keyed its objects by name; 2.0 lists them.
    let keyed = collections.iter().find(|(_, v)| v.is_some_and(|v| v.get().starts_with('{'))).map(|(k, _)| *k);
    if probe.geometric_error.is_some() {
        return Err(ImportCause::NotGltf(
            "it is a 3D Tiles tileset (tileset.json), not a model; give sitetwin the .glb of the model itself".into(),
        ));
    }
    let Some(asset) = probe.asset else {
        if let Some(k) = keyed {
            return Err(ImportCause::Gltf1(format!("it has no `asset`, and its `{k}` is an object keyed by name")));
        }
        if collections.iter().all(|(_, v)| v.is_none()) {
            return Err(ImportCause::NotGltf(format!(
                "it is JSON, but has none of glTF's top-level properties (`asset`, `scenes`, `nodes`, `meshes`...); \
                 {WANT}"
            )));
        }
        return Err(ImportCause::Schema {
            at: None,
            path: String::new(),
            message: "the required property `asset` is missing (every glTF file names its version there, \
                      `\"asset\": {\"version\": \"2.0\"}`); export the model again"
                .into(),
        });
    };
    let version = serde_json::from_str::<AssetProbe>(asset.get()).ok().and_then(|a| a.version);
    let Some(version) = version else {
        if let Some(k) = keyed {
            return Err(ImportCause::Gltf1(format!(
                "it has no `asset.version`, and its `{k}` is an object keyed by name"
            )));
        }
        return Err(ImportCause::Schema {
            at: None,
            path: "asset".into(),
            message: "the required property `version` is missing (glTF 2.0 files say `\"version\": \"2.0\"`); \
                      export the model again"
                .into(),
        });
    };
    let written = version.get().trim();
    let v = written.trim_matches('"');
    let major = v.split('.').next().unwrap_or("");
    if major == "0" || major == "1" {
        return Err(ImportCause::Gltf1(format!("its `asset.version` is {written}")));
    }
    match major {
        "2" if written.starts_with('"') => Ok(()),
        "2" => Err(ImportCause::Schema {
            at: None,
            path: "asset.version".into(),
            message: format!("must be a string such as \"2.0\", found {written}"),
        }),
        _ => Err(ImportCause::Version(written.to_string())),
    }
}

/// A JSON syntax error, said as one.
fn syntax(e: &serde_json::Error) -> ImportCause {
    let what = e.to_string();
    let what = what.split(" at line ").next().unwrap_or_default();
    let message = match e.classify() {
        serde_json::error::Category::Eof if e.line() == 1 && e.column() == 0 => "the JSON is empty".to_string(),
        serde_json::error::Category::Eof => format!("the JSON ends early ({what}): the file is cut short"),
        _ => match what {
            "number out of range" => "a number is too large (glTF numbers must be finite)",
            "key must be a string" => "an object key is not in double quotes",
            "expected value" => "expected a JSON value (an object, list, string, number, true, false or null)",
            "trailing comma" => "a comma before `}` or `]`, which JSON does not allow",
            "trailing characters" => "there is more text after the end of the JSON",
            other => other,
        }
        .to_string(),
    };
    ImportCause::Syntax { line: e.line(), column: e.column(), message }
}

/// A typed-parse error of the glTF JSON, in glTF's terms: the property it is in and what was
/// expected there, in words.
pub(super) fn schema(e: &serde_json::Error, json: &[u8]) -> ImportCause {
    if !matches!(e.classify(), serde_json::error::Category::Data) {
        return syntax(e);
    }
    let raw = e.to_string();
    let raw = raw.split(" at line ").next().unwrap_or_default();
    let path = json_path_at(json, e.line(), e.column());
    let message = if let Some(field) = raw.strip_prefix("missing field `").and_then(|r| r.strip_suffix('`')) {
        missing_property(&path, field)
    } else if let Some(rest) = raw.strip_prefix("invalid type: ").or_else(|| raw.strip_prefix("invalid value: ")) {
        match rest.split_once(", expected ") {
            Some((found, expected)) => format!("expected {}, found {}", words(expected), words(found)),
            None => rest.to_string(),
        }
    } else if let Some(rest) = raw.strip_prefix("invalid length ") {
        match rest.split_once(", expected ") {
            Some((n, expected)) => format!("has {n} elements, expected {}", words(expected)),
            None => raw.to_string(),
        }
    } else if let Some(field) = raw.strip_prefix("duplicate field `").and_then(|r| r.strip_suffix('`')) {
        format!("the property `{field}` is given twice")
    } else if raw == "number out of range" {
        "the number is too large (glTF numbers must be finite)".to_string()
    } else {
        raw.to_string()
    };
    ImportCause::Schema { at: Some((e.line(), e.column())), path, message }
}

/// A required property that is absent, with why it matters where that is known.
fn missing_property(path: &str, field: &str) -> String {
    let base = format!("the required property `{field}` is missing");
    let in_target = path.starts_with("animations[") && path.ends_with(".target");
    if in_target && field == "node" {
        // glTF 2.0 allows a target without a node; gltf 1.4 (Bevy's reader) does not.
        return format!(
            "{base}: the glTF reader Bevy uses (gltf 1.4) needs every animation channel to name its node \
             (channels for KHR_animation_pointer or without a target are not read); remove the animation or export \
             the model without it"
        );
    }
    format!("{base}; export the model again, or find the cause with the Khronos glTF validator")
}

/// serde's names for JSON kinds and Rust types, in a modeller's words.
fn words(s: &str) -> String {
    let s = s.trim();
    match s {
        "a sequence" | "sequence" => return "a list `[...]`".into(),
        "map" | "a map" => return "an object `{...}`".into(),
        "index into child of root" => return "an index (a whole number from 0)".into(),
        "u8" | "u16" | "u32" | "u64" | "usize" => return "a whole number from 0".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => return "a whole number".into(),
        "f32" | "f64" => return "a number".into(),
        "a string" => return "a string `\"...\"`".into(),
        "unit value" | "null" => return "`null`".into(),
        _ => {}
    }
    if s.starts_with("struct ") || s.starts_with("a struct") {
        return "an object `{...}`".into();
    }
    if let Some(n) = s.strip_prefix("an array of length ") {
        return format!("a list of {n} values");
    }
    for (prefix, kind) in [("integer `", "the number "), ("floating point `", "the number "), ("boolean `", "`")] {
        if let Some(v) = s.strip_prefix(prefix).and_then(|r| r.strip_suffix('`')) {
            return if kind == "`" { format!("`{v}`") } else { format!("{kind}{v}") };
        }
    }
    if let Some(v) = s.strip_prefix("string ") {
        return format!("the string {v}");
    }
    if let Some(v) = s.strip_prefix("any of: ") {
        return format!("one of {v}");
    }
    s.to_string()
}

/// The path (`meshes[0].primitives[1].attributes`) of the JSON value being read at serde_json's
/// error position: 1-based `line`, and `column` bytes into it.
pub(super) fn json_path_at(json: &[u8], line: usize, column: usize) -> String {
    enum Frame {
        Object { key: Option<String>, want_key: bool },
        Array { index: usize },
    }
    let mut line_start = 0;
    let mut l = 1;
    for (i, b) in json.iter().enumerate() {
        if l >= line {
            break;
        }
        if *b == b'\n' {
            l += 1;
            line_start = i + 1;
        }
    }
    let end = (line_start + column).min(json.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match json[i] {
            b'{' => stack.push(Frame::Object { key: None, want_key: true }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { key, want_key }) => (*key, *want_key) = (None, true),
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            b':' => {
                if let Some(Frame::Object { want_key, .. }) = stack.last_mut() {
                    *want_key = false;
                }
            }
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < json.len() && json[i] != b'"' {
                    i += if json[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object { key, want_key: true }) = stack.last_mut() {
                    *key = Some(String::from_utf8_lossy(&json[start..i.min(json.len())]).into_owned());
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(k), .. } if path.is_empty() => path.push_str(k),
            Frame::Object { key: Some(k), .. } => {
                path.push('.');
                path.push_str(k);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

/// The `gltf` reader's validation findings in words, grouped so that forty accessors without a
/// buffer view make one sentence, with what to do where it is known.
pub(super) fn validation_findings(found: &[(String, gltf::json::validation::Error)]) -> Vec<String> {
    use gltf::json::validation::Error;
    // (what the subjects share, subjects) in order of first appearance.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (path, error) in found {
        let (subject, finding) = match (error, path.rsplit_once('.')) {
            (Error::Missing, Some((owner, "bufferView"))) if owner.starts_with("accessors[") => (
                owner.to_string(),
                "no bufferView: glTF allows that (the accessor reads as zeros), but the glTF reader Bevy uses \
                 (gltf 1.4) does not; export the model again with its data written out"
                    .to_string(),
            ),
            (Error::Missing, Some((owner, "source"))) if owner.starts_with("textures[") => (
                owner.to_string(),
                "no `source` image (its image may come from an extension such as KHR_texture_basisu or \
                 EXT_texture_webp, which sitetwin does not read); export the model with PNG or JPEG textures"
                    .to_string(),
            ),
            (Error::Missing, Some((owner, "min" | "max"))) if owner.ends_with("[\"POSITION\"]") => (
                owner.to_string(),
                "a POSITION accessor without min and max bounds, which glTF requires; export the model again"
                    .to_string(),
            ),
            (Error::Missing, _) => (path.clone(), "required but missing".to_string()),
            (Error::IndexOutOfBounds, _) => (path.clone(), "names an item that does not exist".to_string()),
            (Error::Invalid, _) => (path.clone(), "a value glTF 2.0 does not allow".to_string()),
            (Error::Unsupported, _) => (path.clone(), "an extension sitetwin does not support".to_string()),
            (Error::Oversize, _) => (path.clone(), "too large for this computer".to_string()),
        };
        match groups.iter_mut().find(|(f, _)| *f == finding) {
            Some((_, subjects)) => {
                if !subjects.contains(&subject) {
                    subjects.push(subject);
                }
            }
            None => groups.push((finding, vec![subject])),
        }
    }
    groups
        .into_iter()
        .map(|(finding, subjects)| {
            let shown = subjects.iter().take(4).cloned().collect::<Vec<_>>().join(", ");
            let more = subjects.len().saturating_sub(4);
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            format!("{shown}{more}: {finding}")
        })
        .collect()
}
