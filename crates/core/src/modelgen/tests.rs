//! The generator is deterministic, the committed models of every scene are exactly its output,
//! and each kind's geometry follows its parameters.

use super::*;
use crate::model::import_bytes;
use crate::scene::{self, ModelChecks};
use crate::testutil::repo;

fn demo() -> scene::LoadedScene {
    scene::load(&repo().join("scenes/demo.ron"), ModelChecks::Skip).unwrap()
}

fn rugao() -> scene::LoadedScene {
    scene::load(&repo().join("scenes/rugao-warehouse.ron"), ModelChecks::Skip).unwrap()
}

#[test]
fn committed_models_of_every_scene_are_byte_identical_to_a_fresh_run() {
    let scenes = scene_files(&repo().join("scenes")).unwrap();
    let names: Vec<_> = scenes.iter().filter_map(|p| p.file_name()?.to_str()).collect();
    assert!(names.contains(&"demo.ron") && names.contains(&"rugao-warehouse.ron"), "{names:?}");
    for path in &scenes {
        let d = scene::load(path, ModelChecks::Skip).unwrap_or_else(|e| panic!("{e}"));
        let models = generate(&d.scene, &d.dir).unwrap();
        assert_eq!(models.len(), d.scene.models.iter().filter(|m| m.generated).count());
        for m in &models {
            let on_disk = std::fs::read(&m.path).unwrap_or_else(|e| panic!("{}: {e}", m.path.display()));
            assert!(
                on_disk == m.bytes,
                "{} differs from the generator's output: run `cargo run -p sitetwin-core --bin sitetwin-modelgen`",
                m.path.display()
            );
        }
    }
}

#[test]
fn two_runs_give_the_same_bytes() {
    let d = demo();
    let a = generate(&d.scene, &d.dir).unwrap();
    let b = generate(&d.scene, &d.dir).unwrap();
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.bytes, y.bytes, "{}", x.model_id);
    }
}

#[test]
fn geometry_follows_the_semantic_parameters() {
    let mut d = demo();
    d.scene.cranes[0].jib_length_m = 40.0;
    let models = generate(&d.scene, &d.dir).unwrap();
    let tc1 = models.iter().find(|m| m.model_id == "tc1").unwrap();
    let imported = import_bytes(&tc1.bytes, &tc1.path, &d.dir).unwrap();
    let b = imported.summary.bounds_m.unwrap();
    assert!(b.max[0] > 39.9 && b.max[0] < 40.5, "jib tip at {}", b.max[0]);

    // The pit model sits in site coordinates: its floor is 6 m down inside the outline.
    let pit = models.iter().find(|m| m.model_id == "pit1").unwrap();
    let imported = import_bytes(&pit.bytes, &pit.path, &d.dir).unwrap();
    let b = imported.summary.bounds_m.unwrap();
    assert!(b.min[1] < -6.0 && b.min[0] < -51.0 && b.max[2] > -3.0, "{b:?}");
}

/// The imported model `id` of `d` (generated afresh): its bounds and node names.
fn model_of(d: &scene::LoadedScene, id: &str) -> crate::model::ModelSummary {
    let models = generate(&d.scene, &d.dir).unwrap();
    let m = models.iter().find(|m| m.model_id == id).unwrap_or_else(|| panic!("no model {id}"));
    assert!(m.triangles > 0, "{id} is empty");
    import_bytes(&m.bytes, &m.path, &d.dir).unwrap().summary
}

fn near(a: f32, b: f64, tol: f64) -> bool {
    (f64::from(a) - b).abs() <= tol
}

#[test]
fn the_new_kinds_geometry_follows_their_parameters() {
    let mut d = rugao();
    // The support's distribution beams top out at its top, 1.3 + 11.2 m; its posts stand on 1.3.
    let fh = model_of(&d, "fh1");
    let b = fh.bounds_m.unwrap();
    assert!(near(b.max[1], 12.5, 0.01) && near(b.min[1], 1.3, 0.05), "{b:?}");
    assert!(fh.node_named("posts").is_some() && fh.node_named("head").is_some());
    // The climbing form spans 13 to 22 m, its decks 1.2 m outside the 6 m × 5 m core.
    let pm = model_of(&d, "pm1");
    let b = pm.bounds_m.unwrap();
    assert!(near(b.min[1], 12.94, 0.01) && near(b.max[1], 22.0, 0.01), "{b:?}");
    assert!(near(b.min[0], 66.0 - 1.25, 0.01) && near(b.max[0], 72.0 + 1.25, 0.01), "{b:?}");
    for n in ["decks", "forms", "enclosure", "rails"] {
        assert!(pm.node_named(n).is_some(), "{n}");
    }
    // The discharge platform: deck out to z −23, main beams 1.5 m back over the slab (z −28.5),
    // ropes up to rings 0.3 m over the floor-5 slab (16.05 m).
    let xl = model_of(&d, "xl1");
    let b = xl.bounds_m.unwrap();
    assert!(near(b.min[2], -28.5, 0.05) && near(b.max[2], -23.0, 0.05), "{b:?}");
    assert!(near(b.max[1], 16.35, 0.03) && near(b.min[0], 78.75, 0.06) && near(b.max[0], 81.25, 0.06), "{b:?}");
    for n in ["deck", "frame", "guardrail", "ropes"] {
        assert!(xl.node_named(n).is_some(), "{n}");
    }
    // The lift's hook path rises 3 m over the higher end (the set-down at 13.75 m).
    let lf = model_of(&d, "lf1");
    let b = lf.bounds_m.unwrap();
    assert!(near(b.max[1], 16.75, 0.05) && near(b.min[0], -63.5, 0.11) && near(b.max[0], -48.5, 0.11), "{b:?}");
    for n in ["pick_up", "set_down", "path"] {
        assert!(lf.node_named(n).is_some(), "{n}");
    }
    // Turned 90°, the platform projects east: its long side runs along x.
    d.scene.platforms[0].yaw_deg = 90.0;
    let b = model_of(&d, "xl1").bounds_m.unwrap();
    assert!(b.max[0] - b.min[0] > b.max[2] - b.min[2], "{b:?}");
}

#[test]
fn every_tool_formwork_and_platform_kind_builds_a_valid_model() {
    use crate::scene::{PlatformKind, ToolFormworkKind};
    let mut d = rugao();
    for (kind, part) in [
        (ToolFormworkKind::Sliding, "yokes"),
        (ToolFormworkKind::Climbing, "rails"),
        (ToolFormworkKind::Flying, "frame"),
        (ToolFormworkKind::Tunnel, "frame"),
    ] {
        d.scene.tool_formwork[0].kind = kind;
        let m = model_of(&d, "pm1");
        assert!(m.node_named(part).is_some(), "{kind:?}: no {part}");
        let top = m.bounds_m.unwrap().max[1];
        // Slipform jack rods stand 1.5 m proud; the other systems end at their top.
        let want = if kind == ToolFormworkKind::Sliding { 23.5 } else { 22.0 };
        assert!(near(top, want, 0.03), "{kind:?}: top {top}");
    }
    // An operating platform on floor 5 stands on the 16.05 m slab, its deck 2 m up.
    let p = &mut d.scene.platforms[0];
    (p.kind, p.floor, p.position_m.y) = (PlatformKind::Operating, 5, 18.05);
    let m = model_of(&d, "xl1");
    let b = m.bounds_m.unwrap();
    assert!(near(b.min[1], 16.05, 0.01) && near(b.max[1], 19.25, 0.03), "{b:?}");
    assert!(m.node_named("ropes").is_none(), "an operating platform is not tied back");
}

#[test]
fn a_structure_with_no_storey_cast_has_its_slab_and_no_core() {
    let d = rugao();
    let b = model_of(&d, "wh1").bounds_m.unwrap();
    // The warehouse floor slab (0.2 m thick at 1.3 m) and the 1.2 m column starters on it.
    assert!(near(b.min[1], 1.1, 0.01) && near(b.max[1], 2.5, 0.03), "{b:?}");
}

#[test]
fn orphan_generated_models_are_an_error() {
    let mut d = demo();
    d.scene.cranes[0].model = None;
    let e = generate(&d.scene, &d.dir).unwrap_err();
    assert_eq!(e, GenError::Orphan("tc1".into()));
}

#[test]
fn stress_model_has_the_requested_size() {
    let bytes = stress_model(100_000).unwrap();
    let m = import_bytes(&bytes, std::path::Path::new("stress.glb"), std::path::Path::new(".")).unwrap();
    assert!((99_000..=101_000).contains(&m.summary.triangles), "{}", m.summary.triangles);
}

/// The JSON document of a GLB, read back with the `gltf` crate's own types.
fn document(glb: &[u8]) -> gltf::json::Root {
    let g = gltf::Glb::from_slice(glb).unwrap();
    gltf::json::Root::from_slice(&g.json).unwrap()
}

/// A fan of `n` vertices on the unit circle (n − 2 triangles), the last index being `n − 1`.
fn fan(n: usize) -> MeshData {
    let mut m = MeshData::default();
    for k in 0..n {
        let a = k as f32 / n as f32 * std::f32::consts::TAU;
        m.positions.push([a.cos(), 0.0, a.sin()]);
        m.normals.push([0.0, 1.0, 0.0]);
    }
    for k in 1..n as u32 - 1 {
        m.indices.extend([0, k + 1, k]);
    }
    m
}

#[test]
fn indices_are_16_bit_up_to_65535_vertices_and_32_bit_above() {
    use gltf::json::accessor::ComponentType;
    use gltf::json::validation::Checked::Valid;
    for (vertices, want) in [(65_535, ComponentType::U16), (65_536, ComponentType::U32)] {
        let mut root = Node::new("fan");
        *root.part(&palette::CONCRETE) = fan(vertices);
        let bytes = write_glb(&root, GENERATOR).unwrap();
        let doc = document(&bytes);
        let prim = &doc.meshes[0].primitives[0];
        let ix = &doc.accessors[prim.indices.unwrap().value()];
        assert!(matches!(ix.component_type, Valid(c) if c.0 == want), "{vertices} vertices: {:?}", ix.component_type);
        // The largest index is vertices − 1, never the 16-bit restart value 65535.
        let m = import_bytes(&bytes, std::path::Path::new("fan.glb"), std::path::Path::new(".")).unwrap();
        assert_eq!(m.meshes[0].indices.iter().max().copied(), Some(vertices as u32 - 1));
        assert_eq!(m.summary.triangles, vertices as u64 - 2);
    }
}

#[test]
fn materials_are_shared_by_name_and_blend_only_when_translucent() {
    use gltf::json::material::AlphaMode;
    use gltf::json::validation::Checked::Valid;
    let mut root = Node::new("site");
    root.part(&palette::CONCRETE).aabb([0.0; 3], [1.0; 3]);
    let mut child = Node::new("net").at([0.0, 2.0, 0.0]);
    child.part(&palette::CONCRETE).aabb([0.0; 3], [1.0; 3]);
    child.part(&palette::NET_GREEN).aabb([0.0; 3], [1.0, 1.0, 0.01]);
    root.children.push(child);
    let doc = document(&write_glb(&root, GENERATOR).unwrap());
    let names: Vec<_> = doc.materials.iter().map(|m| m.name.clone().unwrap()).collect();
    assert_eq!(names, ["concrete", "net_green"]);
    let mode = |k: usize| doc.materials[k].alpha_mode;
    const { assert!(palette::CONCRETE.color[3] == 1.0) };
    assert!(matches!(mode(0), Valid(AlphaMode::Opaque)));
    const { assert!(palette::NET_GREEN.color[3] < 1.0) };
    assert!(matches!(mode(1), Valid(AlphaMode::Blend)));
    assert_eq!(doc.materials[1].double_sided, palette::NET_GREEN.double_sided);
    // Both nodes' concrete parts draw material 0; the child is node 1, placed by translation only.
    assert_eq!(doc.meshes[1].primitives[0].material.unwrap().value(), 0);
    assert_eq!(doc.nodes[1].translation, Some([0.0, 2.0, 0.0]));
    assert!(doc.nodes[1].rotation.is_none() && doc.nodes[1].scale.is_none() && doc.nodes[0].translation.is_none());
}

#[test]
fn a_tree_without_geometry_writes_no_buffer() {
    let mut root = Node::new("empty");
    root.children.push(Node::new("anchor").at([1.0, 0.0, 0.0]));
    let bytes = write_glb(&root, GENERATOR).unwrap();
    assert!(gltf::Glb::from_slice(&bytes).unwrap().bin.is_none());
    let doc = document(&bytes);
    assert!(doc.buffers.is_empty() && doc.buffer_views.is_empty() && doc.accessors.is_empty());
    assert_eq!(doc.asset.generator.as_deref(), Some(GENERATOR));
    assert_eq!(doc.nodes[0].children.as_ref().map(Vec::len), Some(1));
    let m = import_bytes(&bytes, std::path::Path::new("empty.glb"), std::path::Path::new(".")).unwrap();
    assert_eq!((m.summary.nodes.len(), m.summary.triangles), (2, 0));
}

#[test]
fn glb_lengths_stop_at_the_32_bit_limit() {
    // 12-byte header, two 8-byte chunk headers, chunks padded to 4: the largest GLB is 2^32 − 4.
    assert_eq!(glb::glb_length(5, None), Ok(12 + 8 + 8));
    assert_eq!(glb::glb_length(4, Some(4_294_967_260)), Ok(4_294_967_292));
    assert_eq!(glb::glb_length(4, Some(4_294_967_261)), Err(GlbError::TooLarge { bytes: 4_294_967_296 }));
}
