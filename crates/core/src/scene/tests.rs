//! Scene loading tests: the demo site, and bad scenes of every kind reported all at once with
//! file, line, column and field path.

use std::path::Path;

use glam::DVec3;

use super::*;
use crate::geom;
use crate::testutil::repo;

fn demo_path() -> PathBuf {
    repo().join("scenes/demo.ron")
}

fn demo_text() -> String {
    std::fs::read_to_string(demo_path()).unwrap()
}

/// Loads scene text as if it were `scenes/bad.ron` (so model paths resolve like the demo's).
fn load_text(text: &str, checks: ModelChecks) -> Result<LoadedScene, SceneErrors> {
    load_str(text, Path::new("scenes/bad.ron"), &repo().join("scenes"), checks)
}

fn errors_of(text: &str) -> Vec<String> {
    load_text(text, ModelChecks::Import).unwrap_err().errors().map(|i| i.to_string()).collect()
}

fn has(errors: &[String], needle: &str) -> bool {
    errors.iter().any(|e| e.contains(needle))
}

#[test]
fn demo_site_loads_with_every_model_imported() {
    let d = load(&demo_path(), ModelChecks::Import).unwrap_or_else(|e| panic!("{e}"));
    let s = &d.scene;
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    assert_eq!(s.site.city, "南通市");
    assert_eq!((s.cranes.len(), s.hoists.len(), s.pits.len(), s.formwork.len()), (2, 1, 1, 1));
    assert_eq!((s.scaffolds.len(), s.gates.len(), s.distribution_boxes.len()), (1, 2, 6));
    assert!((40..=65).contains(&s.sensors.len()), "{} sensors", s.sensors.len());
    assert_eq!(d.models.len(), s.models.len(), "every model imported");
    assert_eq!(s.pits[0].depth_m, 6.0);
    let kinds: std::collections::BTreeSet<_> = s.facilities.iter().map(|f| f.kind).collect();
    for k in [FacilityKind::SiteOffice, FacilityKind::Dormitory, FacilityKind::WheelWash, FacilityKind::DustMonitorMast]
    {
        assert!(kinds.contains(&k), "{k:?} missing");
    }
    // Every sensor is on an existing object, every object with sensors is in `objects()`.
    for sensor in &s.sensors {
        assert!(s.object(&sensor.anchor.object).is_some(), "{}", sensor.id);
    }
    assert!(s.params("TC1").iter().any(|p| p.key == "param.jib_length"));
}

#[test]
fn demo_cranes_form_an_anti_collision_pair() {
    let s = load(&demo_path(), ModelChecks::Skip).unwrap().scene;
    let (a, b) = (&s.cranes[0], &s.cranes[1]);
    let d = geom::dist(geom::plan(a.position_m), geom::plan(b.position_m));
    assert!(d < a.jib_length_m + b.jib_length_m, "swing circles overlap");
    // The lower crane's jib clears the higher crane's mast by the 2 m the rules ask for.
    let (low, high) = if a.mast_height_m < b.mast_height_m { (a, b) } else { (b, a) };
    assert!(d - low.jib_length_m >= 2.0, "low jib tip to high mast {} m", d - low.jib_length_m);
    assert!(high.mast_height_m - 2.4 - (low.mast_height_m + 2.0) >= 2.0, "vertical clearance");
}

#[test]
fn many_problems_are_reported_in_one_run_with_positions() {
    let text = demo_text()
        .replacen("jib_length_m: 50.0", "jib_length_m: -5.0", 1)
        .replacen("mast_height_m: 45.0,", "mast_height_m: 45.0, colour: \"red\",", 1)
        .replacen("(id: \"DB2\"", "(id: \"DB1\"", 1)
        .replacen("anchor: (object: \"HF1\"), position_m: (17.0", "anchor: (object: \"HF9\"), position_m: (17.0", 1)
        .replacen("../assets/models/demo/w3.glb", "../assets/models/demo/missing.glb", 1)
        .replacen("depth_m: 6.0", "depth_m: NaN", 1)
        .replacen("unit: \"dB(A)\"", "unit: \"dB\"", 1)
        .replacen("anchor: (object: \"TC1\", node: \"trolley\")", "anchor: (object: \"TC1\", node: \"carriage\")", 1);
    let errors = errors_of(&text);
    let jib = errors.iter().find(|e| e.contains("cranes[1].jib_length_m")).expect("jib error");
    assert!(jib.contains("expected a positive number, found -5"), "{jib}");
    assert!(jib.starts_with("scenes/bad.ron:"), "{jib}");
    let line = demo_text().lines().position(|l| l.contains("jib_length_m: 50.0")).unwrap() + 1;
    assert!(jib.starts_with(&format!("scenes/bad.ron:{line}:")), "{jib} (expected line {line})");
    assert!(has(&errors, "cranes[0].colour: unknown field `colour`"), "{errors:#?}");
    assert!(has(&errors, "duplicate id `DB1`"), "{errors:#?}");
    assert!(has(&errors, "anchor.object: no object with id `HF9`"), "{errors:#?}");
    assert!(has(&errors, "missing.glb` does not exist"), "{errors:#?}");
    assert!(has(&errors, "pits[0].depth_m: expected a positive number, found NaN"), "{errors:#?}");
    assert!(has(&errors, "unit `dB` does not fit Noise"), "{errors:#?}");
    assert!(has(&errors, "has no node named `carriage`"), "{errors:#?}");
    assert!(errors.len() >= 8, "{errors:#?}");
}

#[test]
fn a_type_error_in_one_element_does_not_hide_the_others() {
    let text = demo_text().replacen("mast_height_m: 45.0", "mast_height_m: \"tall\"", 1).replacen(
        "width_m: 6.0",
        "width_m: 0.0",
        1,
    );
    let errors = errors_of(&text);
    assert!(has(&errors, "cranes[0].mast_height_m: expected a number, found the string \"tall\""), "{errors:#?}");
    assert!(has(&errors, "gates[1].width_m: expected a positive number, found 0"), "{errors:#?}");
}

#[test]
fn syntax_errors_stop_with_a_position() {
    let text = demo_text().replacen("version: 1,", "version: 1,,", 1);
    let e = load_text(&text, ModelChecks::Skip).unwrap_err();
    assert_eq!(e.issues.len(), 1);
    let s = e.issues[0].to_string();
    assert!(s.starts_with("scenes/bad.ron:") && s.contains("expected a field name"), "{s}");
}

#[test]
fn an_unknown_version_is_refused_before_anything_else() {
    let text = demo_text().replacen("version: 1,", "version: 7,", 1);
    let e = load_text(&text, ModelChecks::Skip).unwrap_err();
    assert_eq!(e.issues.len(), 1, "{e}");
    assert!(e.to_string().contains("scene version 7 is not supported; this sitetwin reads version 1"), "{e}");
}

#[test]
fn references_between_objects_are_checked() {
    let text = demo_text()
        .replacen("feeds_from: \"DB1\", serves: \"TC1\"", "feeds_from: \"DB0\", serves: \"TC9\"", 1)
        .replacen(
            "structure: \"S1\",\n        ),\n    ],\n    scaffolds",
            "structure: \"S7\",\n        ),\n    ],\n    scaffolds",
            1,
        )
        .replacen("(id: \"tc2\", file", "(id: \"tc2b\", file", 1);
    let errors = errors_of(&text);
    assert!(has(&errors, "`DB0` is a Main box; a Switch box is fed from a Sub box"), "{errors:#?}");
    assert!(has(&errors, "serves: no object with id `TC9`"), "{errors:#?}");
    assert!(has(&errors, "formwork[0].structure: no structure with id `S7`"), "{errors:#?}");
    assert!(has(&errors, "cranes[1].model: no model with id `tc2`"), "{errors:#?}");
}

#[test]
fn geometry_problems_are_named() {
    let text = demo_text()
        .replacen(
            "outline_m: [(-52.0, -32.0), (-18.0, -32.0), (-18.0, -2.0), (-46.0, -2.0), (-52.0, -8.0)]",
            "outline_m: [(-52.0, -32.0), (-18.0, -2.0), (-18.0, -32.0), (-52.0, -2.0)]",
            1,
        )
        .replacen("(radius_m: 20.0, load_t: 4.57)", "(radius_m: 20.0, load_t: 7.0)", 1)
        .replacen("floors_built: 7", "floors_built: 12", 1);
    let errors = errors_of(&text);
    assert!(has(&errors, "pits[0].outline_m: the polygon crosses itself"), "{errors:#?}");
    assert!(has(&errors, "a load chart never rises"), "{errors:#?}");
    assert!(has(&errors, "12 storeys built but only 11 planned"), "{errors:#?}");
}

#[test]
fn a_model_that_is_not_gltf_is_refused_with_the_cause() {
    let dir = std::env::temp_dir().join(format!("sitetwin-scene-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.glb"), b"glTF\x02\0\0\0\xff\xff\0\0").unwrap();
    let text = demo_text().replacen("../assets/models/demo/w3.glb", &dir.join("broken.glb").display().to_string(), 1);
    let errors = errors_of(&text);
    assert!(has(&errors, "models[24].file: model") && has(&errors, "broken GLB container"), "{errors:#?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_missing_scene_file_is_one_clear_error() {
    let e = load(Path::new("scenes/nope.ron"), ModelChecks::Skip).unwrap_err();
    assert_eq!(e.issues.len(), 1);
    assert!(e.to_string().starts_with("scenes/nope.ron: error: (document): cannot read the scene file"), "{e}");
}

#[test]
fn a_lenient_open_keeps_the_site_and_lists_missing_and_broken_models() {
    let dir = std::env::temp_dir().join(format!("sitetwin-lenient-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.glb"), b"glTF\x02\x00\x00\x00garbage").unwrap();
    let text = demo_text()
        .replace("../assets/models/demo/tc2.glb", "../assets/models/demo/no-such-crane.glb")
        .replace("../assets/models/demo/dorm.glb", &dir.join("broken.glb").display().to_string());
    // Strict: both are errors, each at its `file` field.
    let errors = errors_of(&text);
    assert!(
        has(&errors, "models[2].file: model file `../assets/models/demo/no-such-crane.glb` does not exist"),
        "{errors:?}"
    );
    assert!(has(&errors, "cannot be imported"), "{errors:?}");
    // Lenient: the scene opens with every other model, and the two are listed with the cause.
    let d = load_text(&text, ModelChecks::Lenient).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.models.len(), d.scene.models.len() - 2);
    let listed: Vec<(String, String)> =
        d.model_problems.iter().map(|p| (p.model.clone(), p.issue.path.to_string())).collect();
    let want = [("tc2", "models[2].file"), ("dorm", "models[18].file")].map(|(a, b)| (a.to_string(), b.to_string()));
    assert_eq!(listed, want);
    assert!(d.model_problems[0].issue.message.contains("does not exist"));
    assert!(d.model_problems[0].issue.pos.is_some(), "positioned like validate");
    assert!(d.model_problems[1].issue.message.contains("cannot be imported"));
    assert!(d.model_problems[1].file.ends_with("broken.glb"));
    // Strict loads never report problems: they fail instead.
    assert!(load(&demo_path(), ModelChecks::Import).unwrap().model_problems.is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_point_of_the_wrong_length_is_an_error_at_that_point() {
    let text = demo_text().replacen("position_m: (12.0, 0.0, -10.0),\n", "position_m: (12.0, 0.0),\n", 1);
    let errors = errors_of(&text);
    let line = demo_text().lines().position(|l| l.trim() == "position_m: (12.0, 0.0, -10.0),").unwrap() + 1;
    let e = errors.iter().find(|e| e.contains("cranes[0].position_m")).unwrap_or_else(|| panic!("{errors:#?}"));
    // The tuple's own position and rondoc's message, exactly as for the `[f64; 3]` it was.
    assert_eq!(e, &format!("scenes/bad.ron:{line}:25: error: cranes[0].position_m: expected 3 values, found 2"));
}

fn instance(position_m: DVec3, yaw_deg: f64, scale: f64) -> ModelInstance {
    ModelInstance { id: "m".into(), file: "m.glb".into(), position_m, yaw_deg, scale, generated: false }
}

#[test]
fn a_placement_scales_then_turns_counter_clockwise_from_above_then_moves() {
    // 90° counter-clockwise seen from above turns east (+x) to north (−z).
    let m = instance(DVec3::new(10.0, 1.0, -5.0), 90.0, 2.0);
    let t = m.site_from_model();
    assert!(t.transform_point3(DVec3::X).abs_diff_eq(DVec3::new(10.0, 1.0, -7.0), 1e-12));
    assert!(t.transform_point3(DVec3::Z).abs_diff_eq(DVec3::new(12.0, 1.0, -5.0), 1e-12));
    assert!(t.transform_point3(DVec3::Y).abs_diff_eq(DVec3::new(10.0, 3.0, -5.0), 1e-12));
    // A negative yaw turns the other way: east to south (+z).
    let cw = instance(DVec3::ZERO, -90.0, 1.0).site_from_model();
    assert!(cw.transform_point3(DVec3::X).abs_diff_eq(DVec3::Z, 1e-12));
    // The inverse takes a site point back into the model.
    let p = DVec3::new(3.0, 1.0, 7.0);
    assert!(t.inverse().transform_point3(t.transform_point3(p)).abs_diff_eq(p, 1e-12));
    // No yaw, no scale, no offset: exactly the identity (the generator relies on it).
    let id = instance(DVec3::ZERO, 0.0, 1.0).site_from_model();
    assert_eq!(id.inverse().transform_point3(p), p);
}

#[test]
fn bounds_of_a_placed_model_hold_its_turned_corners() {
    let m = instance(DVec3::new(10.0, 0.0, 0.0), 90.0, 2.0);
    let (min, max) = m.site_bounds_m(&crate::model::Aabb { min: [0.0; 3], max: [1.0, 1.0, 3.0] });
    // Model x (0..1) runs north to z −2..0; model z (0..3) runs east to x 10..16.
    assert!(min.abs_diff_eq(DVec3::new(10.0, 0.0, -2.0), 1e-12), "{min}");
    assert!(max.abs_diff_eq(DVec3::new(16.0, 2.0, 0.0), 1e-12), "{max}");
}
