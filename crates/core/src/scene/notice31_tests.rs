//! The four Notice 31 works as scene objects (non-standard lifts, tool-type formwork, full-hall
//! load-bearing supports, platforms), on the real Rugao site and on snippets of it: they decode,
//! bad values and references are errors at their field with line and column, geometric slips are
//! warnings, and their parameters have labels and units.

use std::path::Path;

use chrono::NaiveDate;
use glam::DVec3;

use super::*;
use crate::i18n::{self, Lang};
use crate::scene::{self, LoadedScene, ModelChecks, SceneErrors, SceneIssue, Severity};
use crate::testutil::repo;

fn rugao_path() -> std::path::PathBuf {
    repo().join("scenes/rugao-warehouse.ron")
}

fn rugao_text() -> String {
    std::fs::read_to_string(rugao_path()).unwrap()
}

/// Loads scene text as if it were `scenes/bad.ron` (so model paths resolve like the scene's).
fn load_text(text: &str) -> Result<LoadedScene, SceneErrors> {
    scene::load_str(text, Path::new("scenes/bad.ron"), &repo().join("scenes"), ModelChecks::Skip)
}

/// `text` with `from` replaced once; panics when `from` is not in it (a stale snippet).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` is not in the scene");
    text.replacen(from, to, 1)
}

/// The 1-based line of the one line containing `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    let lines: Vec<usize> = text.lines().enumerate().filter(|(_, l)| l.contains(needle)).map(|(i, _)| i + 1).collect();
    assert_eq!(lines.len(), 1, "`{needle}` on lines {lines:?}");
    lines[0] as u32
}

/// The issue at `path`, checked to be of `severity`, to sit on the line holding `needle`, and to
/// say `message`.
fn issue_at<'a>(issues: &'a [SceneIssue], text: &str, path: &str, needle: &str, message: &str) -> &'a SceneIssue {
    let i =
        issues.iter().find(|i| i.path.to_string() == path).unwrap_or_else(|| panic!("no issue at {path}: {issues:#?}"));
    let pos = i.pos.unwrap_or_else(|| panic!("{path}: no position"));
    assert_eq!(pos.line, line_of(text, needle), "{i}");
    assert!(i.message.contains(message), "{i}");
    i
}

fn errors(text: &str) -> Vec<SceneIssue> {
    load_text(text).unwrap_err().issues.into_iter().filter(|i| i.severity == Severity::Error).collect()
}

fn warnings(text: &str) -> Vec<SceneIssue> {
    load_text(text).unwrap_or_else(|e| panic!("{e}")).warnings
}

#[test]
fn the_rugao_site_loads_with_every_model_imported_and_no_warnings() {
    let d = scene::load(&rugao_path(), ModelChecks::Import).unwrap_or_else(|e| panic!("{e}"));
    let s = &d.scene;
    assert!(d.warnings.is_empty(), "{:#?}", d.warnings);
    assert!(d.model_problems.is_empty(), "{:#?}", d.model_problems);
    assert_eq!(d.models.len(), s.models.len(), "every model imported");
    assert_eq!((s.site.city.as_str(), s.site.district.as_str()), ("南通市", "如皋市"));
    assert_eq!((s.lifts.len(), s.tool_formwork.len(), s.full_hall_supports.len(), s.platforms.len()), (1, 1, 1, 1));
    assert_eq!((s.cranes.len(), s.pits.len(), s.structures.len(), s.sensors.len()), (1, 1, 2, 34));
    let lift = &s.lifts[0];
    assert_eq!(lift.planned_date, NaiveDate::from_ymd_opt(2026, 9, 18).unwrap());
    assert_eq!((lift.single_lift_kn, lift.crane.as_deref()), (125.0, None));
    assert_eq!(lift.set_down_m, DVec3::new(-50.0, 13.75, -30.0));
    assert_eq!((s.tool_formwork[0].kind, s.tool_formwork[0].structure.as_str()), (ToolFormworkKind::Climbing, "OF1"));
    let fh = &s.full_hall_supports[0];
    assert_eq!(
        (fh.max_point_load_kn, fh.system, fh.structure.as_deref()),
        (37.5, SupportSystem::DiscLock, Some("WH1"))
    );
    let xl = &s.platforms[0];
    assert_eq!((xl.kind, xl.floor, xl.size_m, xl.rated_load_kg), (PlatformKind::Discharge, 4, [2.5, 4.0], 1000.0));
    // The support's monitoring points are formwork-group sensors mounted on it.
    let on_fh: Vec<SensorKind> = s.sensors_on("FH1").iter().map(|x| x.kind).collect();
    assert_eq!(on_fh.len(), 7);
    assert!(
        on_fh.iter().all(|k| k.group() == SensorGroup::Formwork && k.anchors().contains(&ObjectKind::FullHallSupport))
    );
    // The dust monitor's readings all come from one HJ 212 station, addressed by its MN.
    let registry = crate::hj212::DeviceRegistry::from_scene(s, &[]).unwrap();
    assert!(registry.device("JS320682DM000301").is_some());
    // The planned date is written back as the scene writes it.
    assert_eq!(serde_json::to_value(lift).unwrap()["planned_date"], "2026-09-18");
}

#[test]
fn bad_values_of_the_new_kinds_are_errors_at_their_fields() {
    let text = rugao_text();
    let text = edit(&text, "single_lift_kn: 125.0", "single_lift_kn: 0.0");
    let method = "method: \"两台50 t汽车起重机双机抬吊，分段吊装至满堂支撑架顶就位\"";
    let text = edit(&text, method, "method: \" \"");
    let text = edit(&text, "height_m: 9.0,", "height_m: -9.0,");
    let text = edit(&text, "max_point_load_kn: 37.5", "max_point_load_kn: -1.0");
    let text = edit(&text, "post_spacing_m: 1.2", "post_spacing_m: 0.0");
    let text = edit(&text, "size_m: (2.5, 4.0)", "size_m: (2.5, NaN)");
    let text = edit(&text, "rated_load_kg: 1000.0", "rated_load_kg: 0.0");
    let text = edit(
        &text,
        "outline_m: [(66.0, -38.5), (72.0, -38.5), (72.0, -33.5), (66.0, -33.5)]",
        "outline_m: [(66.0, -38.5), (72.0, -33.5), (72.0, -38.5), (66.0, -33.5)]",
    );
    let e = errors(&text);
    let positive = "expected a positive number";
    issue_at(&e, &text, "lifts[0].single_lift_kn", "single_lift_kn: 0.0", &format!("{positive}, found 0"));
    issue_at(&e, &text, "lifts[0].method", "method: \" \"", "the method must not be empty");
    issue_at(&e, &text, "tool_formwork[0].height_m", "height_m: -9.0", &format!("{positive}, found -9"));
    issue_at(&e, &text, "tool_formwork[0].outline_m", "outline_m: [(66.0, -38.5), (72.0, -33.5)", "crosses itself");
    issue_at(&e, &text, "full_hall_supports[0].max_point_load_kn", "max_point_load_kn: -1.0", positive);
    issue_at(&e, &text, "full_hall_supports[0].post_spacing_m", "post_spacing_m: 0.0", positive);
    issue_at(&e, &text, "platforms[0].size_m[1]", "size_m: (2.5, NaN)", &format!("{positive}, found NaN"));
    issue_at(&e, &text, "platforms[0].rated_load_kg", "rated_load_kg: 0.0", positive);
    assert_eq!(e.len(), 8, "{e:#?}");
}

#[test]
fn references_of_the_new_kinds_are_checked() {
    let text = rugao_text();
    let text = edit(
        &text,
        "structure: \"OF1\",\n        ),\n    ],\n    full_hall",
        "structure: \"OF9\",\n        ),\n    ],\n    full_hall",
    );
    let text = edit(&text, "structure: \"WH1\",", "structure: \"WH9\",");
    let text = edit(&text, "structure: \"OF1\",\n            floor: 4,", "structure: \"S9\",\n            floor: 4,");
    let text = edit(&text, "planned_date: \"2026-09-18\",", "planned_date: \"2026-09-18\", crane: \"KB1\",");
    // A formwork-group sensor may go on a support, not on a platform.
    let text = edit(
        &text,
        "anchor: (object: \"FH1\"), position_m: (-50.0, 12.5, -37.5)",
        "anchor: (object: \"XL1\"), position_m: (-50.0, 12.5, -37.5)",
    );
    let e = errors(&text);
    issue_at(&e, &text, "tool_formwork[0].structure", "structure: \"OF9\"", "no structure with id `OF9`");
    issue_at(&e, &text, "full_hall_supports[0].structure", "structure: \"WH9\"", "no structure with id `WH9`");
    issue_at(&e, &text, "platforms[0].structure", "structure: \"S9\"", "no structure with id `S9`");
    // KB1 is an object, but not a tower crane.
    issue_at(&e, &text, "lifts[0].crane", "crane: \"KB1\"", "no tower crane with id `KB1`");
    issue_at(
        &e,
        &text,
        "sensors[14].anchor.object",
        "object: \"XL1\"",
        "cannot be mounted on `XL1`, which is a Platform",
    );
    assert_eq!(e.len(), 5, "{e:#?}");
}

#[test]
fn a_planned_date_must_be_a_calendar_day() {
    let text = edit(&rugao_text(), "planned_date: \"2026-09-18\"", "planned_date: \"2026-02-30\"");
    let e = errors(&text);
    issue_at(
        &e,
        &text,
        "lifts[0].planned_date",
        "\"2026-02-30\"",
        "expected a calendar date written \"YYYY-MM-DD\", found \"2026-02-30\"",
    );
    let text = edit(&rugao_text(), "planned_date: \"2026-09-18\"", "planned_date: \"18/09/2026\"");
    issue_at(&errors(&text), &text, "lifts[0].planned_date", "\"18/09/2026\"", "found \"18/09/2026\"");
    // The leap day of a leap year is a day.
    let text = edit(&rugao_text(), "planned_date: \"2026-09-18\"", "planned_date: \"2028-02-29\"");
    assert_eq!(load_text(&text).unwrap().scene.lifts[0].planned_date, NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
}

/// The Rugao scene with XL1's deck at `y` (and `floor`, `kind`).
fn platform_variant(y: &str, floor: u32, kind: &str) -> String {
    let text = edit(&rugao_text(), "position_m: (80.0, 12.15, -25.0)", &format!("position_m: (80.0, {y}, -25.0)"));
    let text = edit(
        &text,
        "structure: \"OF1\",\n            floor: 4,",
        &format!("structure: \"OF1\",\n            floor: {floor},"),
    );
    edit(&text, "kind: Discharge,", &format!("kind: {kind},"))
}

#[test]
fn a_discharge_platform_hangs_from_a_cast_slab_with_a_cast_slab_above() {
    // OF1 has 4 of 10 storeys cast: slabs up to floor 5's (16.05 m). A discharge platform ties
    // back to the slab above its own, so floor 4 (12.15 m) is the highest it can hang from.
    assert!(load_text(&platform_variant("12.15", 4, "Discharge")).is_ok());
    for floor in [0, 5] {
        let text = platform_variant("12.15", floor, "Discharge");
        let e = errors(&text);
        issue_at(
            &e,
            &text,
            "platforms[0].floor",
            &format!("floor: {floor},"),
            "`OF1` has 4 of 10 storeys cast, so floors 1 to 4 can carry it",
        );
        assert_eq!(e.len(), 1, "{e:#?}");
    }
    // The deck is within 0.5 m of the slab, above or below (absolute): 0.45 m is, 0.55 m is not.
    for y in ["12.6", "11.7"] {
        assert!(load_text(&platform_variant(y, 4, "Discharge")).is_ok(), "deck at {y}");
    }
    for y in ["12.7", "11.6"] {
        let text = platform_variant(y, 4, "Discharge");
        let e = errors(&text);
        let needle = format!("position_m: (80.0, {y}, -25.0)");
        let i = issue_at(&e, &text, "platforms[0].position_m[1]", &needle, "is not at the slab of floor 4 of `OF1`");
        assert!(i.message.starts_with(&format!("the deck at {y} m")), "{i}");
        // Reported on the position's second value.
        assert_eq!(
            i.pos.unwrap().column as usize,
            text.lines().nth(i.pos.unwrap().line as usize - 1).unwrap().find(y).unwrap() + 1
        );
    }
}

#[test]
fn an_operating_platform_stands_on_a_cast_slab_with_its_deck_above_it() {
    // Floor 5's slab (16.05 m) is the top of the cast structure: an operating platform may stand
    // on it; floor 6's is not cast.
    assert!(load_text(&platform_variant("18.0", 5, "Operating")).is_ok());
    assert!(load_text(&platform_variant("16.05", 5, "Operating")).is_ok(), "a deck at the slab");
    let text = platform_variant("21.0", 6, "Operating");
    issue_at(&errors(&text), &text, "platforms[0].floor", "floor: 6,", "so floors 1 to 5 can carry it");
    let text = platform_variant("15.9", 5, "Operating");
    let e = errors(&text);
    assert!(
        e.iter().any(|i| i.path.to_string() == "platforms[0].position_m[1]"
            && i.message.contains("the deck at 15.9 m is below the slab of floor 5 of `OF1` (16.05 m)")),
        "{e:#?}"
    );
    // An operating platform stands in the building: it is not checked against the face.
    assert!(warnings(&platform_variant("12.15", 4, "Operating")).is_empty());
}

#[test]
fn a_discharge_platform_starts_at_its_structures_face() {
    // XL1 is 4 m long, centred 2 m out from the south face (z −27): its inner edge is on it.
    let at =
        |z: &str| edit(&rugao_text(), "position_m: (80.0, 12.15, -25.0)", &format!("position_m: (80.0, 12.15, {z})"));
    // 1.0 m off the face is within the tolerance; 1.1 m is not.
    assert!(warnings(&at("-24.0")).is_empty());
    let text = at("-23.9");
    let w = warnings(&text);
    issue_at(&w, &text, "platforms[0].position_m", "-23.9)", "the deck's inner edge is 1.10 m from the face of `OF1`");
    assert_eq!(w.len(), 1, "{w:#?}");
    let text = at("-29.0");
    issue_at(&warnings(&text), &text, "platforms[0].position_m", "-29.0)", "the deck's centre is inside `OF1`");
    // Turned to face east, the same deck no longer meets the south face.
    let text =
        edit(&rugao_text(), "position_m: (80.0, 12.15, -25.0),", "position_m: (80.0, 12.15, -25.0), yaw_deg: 90.0,");
    assert!(warnings(&text).iter().any(|i| i.message.contains("inner edge is")), "{:#?}", warnings(&text));
}

#[test]
fn tool_formwork_works_at_the_top_of_what_is_cast() {
    let s = scene::load(&rugao_path(), ModelChecks::Skip).unwrap().scene;
    let cast = s.structures.iter().find(|x| x.id == "OF1").unwrap().cast_top_m();
    assert!((cast - 16.05).abs() < 1e-9);
    // `{cast}` writes the exact double back; the system must span the cast top, ends included.
    let with = |base: String, height: &str| {
        let t = edit(&rugao_text(), "base_elevation_m: 13.0,", &format!("base_elevation_m: {base},"));
        edit(&t, "height_m: 9.0,", &format!("height_m: {height},"))
    };
    assert!(warnings(&with(format!("{cast}"), "9.0")).is_empty(), "base at the cast top");
    let reach = cast - 13.0;
    assert_eq!(13.0 + reach, cast, "a height that ends exactly at the cast top");
    let t = edit(&rugao_text(), "height_m: 9.0,", &format!("height_m: {reach},"));
    assert!(warnings(&t).is_empty(), "top at the cast top");
    let below = cast - 9.0 - 0.01;
    for (base, height) in [(format!("{}", cast + 0.01), "9.0"), (format!("{below}"), "9.0")] {
        let text = with(base.clone(), height);
        let w = warnings(&text);
        issue_at(
            &w,
            &text,
            "tool_formwork[0].base_elevation_m",
            &format!("base_elevation_m: {base},"),
            "but `OF1` is cast to 16.05 m",
        );
    }
    // Outside the structure's footprint (the core moved 40 m east, off the building).
    let text = edit(
        &rugao_text(),
        "outline_m: [(66.0, -38.5), (72.0, -38.5), (72.0, -33.5), (66.0, -33.5)]",
        "outline_m: [(106.0, -38.5), (112.0, -38.5), (112.0, -33.5), (106.0, -33.5)]",
    );
    issue_at(&warnings(&text), &text, "tool_formwork[0].outline_m", "(106.0, -38.5)", "outside the footprint of `OF1`");
    // A full-hall support likewise, moved out of the warehouse.
    let text = edit(
        &rugao_text(),
        "outline_m: [(-53.6, -45.0), (-46.4, -45.0), (-46.4, -15.0), (-53.6, -15.0)]",
        "outline_m: [(-53.6, 5.0), (-46.4, 5.0), (-46.4, 35.0), (-53.6, 35.0)]",
    );
    issue_at(
        &warnings(&text),
        &text,
        "full_hall_supports[0].outline_m",
        "(-53.6, 5.0)",
        "outside the footprint of `WH1`",
    );
}

#[test]
fn a_lift_by_a_site_crane_stays_under_its_jib_and_inside_the_site() {
    // TC1 stands at (69, −14) with a 56 m jib. LF1's ends are 132 and 120 m away (in plan).
    let text = edit(&rugao_text(), "planned_date: \"2026-09-18\",", "planned_date: \"2026-09-18\", crane: \"TC1\",");
    let w = warnings(&text);
    issue_at(
        &w,
        &text,
        "lifts[0].pick_up_m",
        "pick_up_m: (-62.0",
        "is 132.0 m from the mast of `TC1`, beyond its 56 m jib",
    );
    issue_at(
        &w,
        &text,
        "lifts[0].set_down_m",
        "set_down_m: (-50.0",
        "is 120.1 m from the mast of `TC1`, beyond its 56 m jib",
    );
    // At exactly the jib length it is in reach; 0.1 m further it is not.
    let ends = |set_x: &str| {
        let t = edit(&text, "pick_up_m: (-62.0, 3.15, -30.0)", "pick_up_m: (40.0, 1.0, -14.0)");
        edit(&t, "set_down_m: (-50.0, 13.75, -30.0)", &format!("set_down_m: ({set_x}, 5.0, -14.0)"))
    };
    assert!(warnings(&ends("125.0")).is_empty(), "{:#?}", warnings(&ends("125.0")));
    let t = ends("125.1");
    let w = warnings(&t);
    issue_at(&w, &t, "lifts[0].set_down_m", "set_down_m: (125.1", "is 56.1 m from the mast");
    assert_eq!(w.len(), 1, "{w:#?}");
    // Picking up outside the hoarding is a slip, reported at the pick-up point.
    let t = edit(&rugao_text(), "pick_up_m: (-62.0, 3.15, -30.0)", "pick_up_m: (-140.0, 3.15, -30.0)");
    issue_at(&warnings(&t), &t, "lifts[0].pick_up_m", "pick_up_m: (-140.0", "stands outside the site boundary");
}

#[test]
fn the_new_kinds_list_their_parameters_with_units_and_labels() {
    let s = scene::load(&rugao_path(), ModelChecks::Skip).unwrap().scene;
    let value = |id: &str, key: &str| {
        s.params(id).into_iter().find(|p| p.key == key).unwrap_or_else(|| panic!("{id} has no {key}")).value
    };
    assert_eq!(value("LF1", "param.single_lift"), ParamValue::Number(125.0, "kN"));
    assert_eq!(value("LF1", "param.travel"), ParamValue::Number(12.0, "m"));
    assert_eq!(value("LF1", "param.set_down_elevation"), ParamValue::Number(13.75, "m"));
    assert_eq!(value("LF1", "param.planned_date"), ParamValue::Text("2026-09-18".into()));
    assert!(s.params("LF1").iter().all(|p| p.key != "param.crane"), "no crane named, none listed");
    assert_eq!(value("PM1", "param.tool_formwork_kind"), ParamValue::Term("toolform.Climbing".into()));
    assert_eq!(value("PM1", "param.height"), ParamValue::Number(9.0, "m"));
    assert_eq!(value("PM1", "param.area"), ParamValue::Number(30.0, "m²"));
    assert_eq!(value("PM1", "param.structure"), ParamValue::Text("OF1".into()));
    assert_eq!(value("FH1", "param.max_point_load"), ParamValue::Number(37.5, "kN"));
    assert_eq!(value("FH1", "param.system"), ParamValue::Term("system.DiscLock".into()));
    assert_eq!(value("FH1", "param.post_spacing"), ParamValue::Number(1.2, "m"));
    assert_eq!(value("XL1", "param.platform_kind"), ParamValue::Term("platform.Discharge".into()));
    assert_eq!(value("XL1", "param.load_limit"), ParamValue::Number(1000.0, "kg"));
    assert_eq!(value("XL1", "param.floor"), ParamValue::Count(4));
    assert_eq!(value("XL1", "param.deck_elevation"), ParamValue::Number(12.15, "m"));
    for id in ["LF1", "PM1", "FH1", "XL1"] {
        for p in s.params(id) {
            for lang in [Lang::Zh, Lang::En] {
                assert_ne!(i18n::tr(lang, p.key), p.key, "{id}: {}", p.key);
                if let ParamValue::Term(t) = &p.value {
                    assert_ne!(i18n::tr(lang, t), t, "{id}: {t}");
                }
            }
        }
    }
    assert_eq!(i18n::tr(Lang::Zh, "toolform.Climbing"), "爬模");
    assert_eq!(i18n::object_kind(Lang::Zh, ObjectKind::FullHallSupport), "满堂承重支撑体系");
    assert_eq!(i18n::object_kind(Lang::En, ObjectKind::LiftingOperation), "Non-standard lift");
    assert_eq!(i18n::object_kind(Lang::Zh, ObjectKind::Platform), "卸料平台与操作平台");
    // Every term of the two kind enums has its label, not only the ones the scene uses.
    for k in [ToolFormworkKind::Sliding, ToolFormworkKind::Climbing, ToolFormworkKind::Flying, ToolFormworkKind::Tunnel]
    {
        let mut t = s.tool_formwork[0].clone();
        t.kind = k;
        let ParamValue::Term(key) = &t.params()[0].value else { panic!("{k:?}: no term") };
        assert!(i18n::has(key) && key.ends_with(&format!("{k:?}")), "{key}");
    }
}

#[test]
fn storeys_stand_on_the_slab_cast_over_the_storey_below() {
    let s = scene::load(&rugao_path(), ModelChecks::Skip).unwrap().scene;
    let of1 = s.structures.iter().find(|x| x.id == "OF1").unwrap();
    assert_eq!(of1.slab_elevation_m(1), 0.45, "the ground floor is the structure's base");
    assert!((of1.slab_elevation_m(4) - 12.15).abs() < 1e-9);
    assert!((of1.slab_elevation_m(5) - of1.cast_top_m()).abs() < 1e-9, "storey 5 stands on the cast top");
    assert_eq!(of1.slab_elevation_m(0), 0.45, "floor 0 is read as the ground floor, not below it");
}
