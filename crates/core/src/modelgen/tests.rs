//! The generator is deterministic and the committed demo models are exactly its output.

use super::*;
use crate::model::import_bytes;
use crate::scene::{self, ModelChecks};
use crate::testutil::repo;

fn demo() -> scene::LoadedScene {
    scene::load(&repo().join("scenes/demo.ron"), ModelChecks::Skip).unwrap()
}

#[test]
fn committed_demo_models_are_byte_identical_to_a_fresh_run() {
    let d = demo();
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

#[test]
fn orphan_generated_models_are_an_error() {
    let mut d = demo();
    d.scene.cranes[0].model = None;
    let e = generate(&d.scene, &d.dir).unwrap_err();
    assert_eq!(e, GenError::Orphan("tc1".into()));
}

#[test]
fn stress_model_has_the_requested_size() {
    let bytes = stress_model(100_000);
    let m = import_bytes(&bytes, std::path::Path::new("stress.glb"), std::path::Path::new(".")).unwrap();
    assert!((99_000..=101_000).contains(&m.summary.triangles), "{}", m.summary.triangles);
}
