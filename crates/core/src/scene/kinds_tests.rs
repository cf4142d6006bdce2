//! The object-kind table holds every kind once, and what reads it (loading, `objects()`,
//! `object()`, labels, the tree, presets) agrees with the scene file itself.

use super::*;
use crate::i18n::{self, Lang};
use crate::rondoc::{self, PathIndex};
use crate::scene::{self, ModelChecks};
use crate::testutil::repo;

fn demo() -> SiteScene {
    scene::load(&repo().join("scenes/demo.ron"), ModelChecks::Skip).unwrap().scene
}

fn rugao() -> SiteScene {
    scene::load(&repo().join("scenes/rugao-warehouse.ron"), ModelChecks::Skip).unwrap().scene
}

/// Every scene under `scenes/`, with its text.
fn scenes() -> Vec<(std::path::PathBuf, String, SiteScene)> {
    let files = crate::modelgen::scene_files(&repo().join("scenes")).unwrap();
    assert!(files.len() >= 2, "{files:?}");
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            let s = scene::load(&f, ModelChecks::Skip).unwrap_or_else(|e| panic!("{e}")).scene;
            (f, text, s)
        })
        .collect()
}

/// The text of the value that starts at `pos` (1-based line, column in characters), up to the
/// next `,` or `)`.
fn value_at(text: &str, pos: rondoc::Pos) -> String {
    let line = text.lines().nth(pos.line as usize - 1).unwrap();
    let rest: String = line.chars().skip(pos.column as usize - 1).collect();
    rest.split([',', ')']).next().unwrap().trim().to_string()
}

#[test]
fn each_row_decodes_and_lists_the_objects_each_scene_holds_under_its_name() {
    let mut seen: Vec<&str> = Vec::new();
    for (file, text, s) in scenes() {
        let index = PathIndex::build(&rondoc::parse(&text).unwrap());
        let objects = s.objects();
        for spec in &KINDS {
            let mine: Vec<_> = objects.iter().filter(|o| o.spec == spec).collect();
            assert_eq!(mine.len(), spec.count(&s), "{}: {}", file.display(), spec.list);
            if !mine.is_empty() {
                seen.push(spec.list);
            }
            for (i, o) in mine.iter().enumerate() {
                assert_eq!(o.index, i, "{}: file order", o.id);
                assert!(spec.holds(o.kind), "{} in {} is a {:?}", o.id, spec.list, o.kind);
                assert_eq!(o.kind.spec(), Some(spec), "{}", o.id);
                // The path names the list in the file, and the id written there is this object's.
                let at = index.find(&o.path().field("id")).unwrap();
                assert_eq!(value_at(&text, at), format!("\"{}\"", o.id), "{}: {} at {at}", file.display(), o.path());
            }
        }
        // Listed by kind in table order, and nothing else.
        let order: Vec<&str> = objects.iter().map(|o| o.spec.list).collect();
        let mut sorted = order.clone();
        sorted.sort_by_key(|l| KINDS.iter().position(|k| k.list == *l));
        assert_eq!(order, sorted, "{}", file.display());
    }
    // Every row is exercised by some real scene.
    for spec in &KINDS {
        assert!(seen.contains(&spec.list), "no scene under scenes/ has {}", spec.list);
    }
    assert_eq!(demo().objects().len(), 24);
    assert_eq!(rugao().objects().len(), 25);
}

#[test]
fn the_table_has_one_row_per_kind_and_every_label_it_names() {
    for (i, spec) in KINDS.iter().enumerate() {
        assert_eq!(spec.kind.spec(), Some(spec), "row {i} does not map back to itself");
        assert!(KINDS.iter().filter(|k| k.list == spec.list).count() == 1, "{} twice", spec.list);
        for lang in [Lang::Zh, Lang::En] {
            assert_ne!(i18n::tr(lang, spec.label.key), spec.label.key, "{}", spec.label.key);
            assert_ne!(i18n::tr(lang, spec.tree.title_key), spec.tree.title_key, "{}", spec.tree.title_key);
        }
    }
    assert_eq!(i18n::object_kind(Lang::En, ObjectKind::Facility(FacilityKind::WheelWash)), "Wheel wash");
    assert_eq!(i18n::object_kind(Lang::Zh, ObjectKind::Walkway), "安全通道");
    assert_eq!(i18n::tr(Lang::En, "kind.Facility"), "Facilities");
    assert_eq!(i18n::tr(Lang::Zh, "support.RetainingPiles"), "排桩");
}

#[test]
fn object_finds_the_first_object_with_the_id_without_listing_all() {
    let mut s = demo();
    for o in s.objects() {
        let found = s.object(o.id).unwrap();
        assert_eq!((found.id, found.kind, found.index, found.spec.list), (o.id, o.kind, o.index, o.spec.list));
        assert_eq!(found.label_at_m, o.label_at_m);
        assert_eq!(s.params(o.id), o.params());
    }
    assert!(s.object("NO-SUCH").is_none());
    assert!(s.params("NO-SUCH").is_empty());
    // With an id used twice (an error validation reports), the first in table order wins.
    let mut h = s.hoists[0].clone();
    h.id = "TC1".into();
    s.hoists.push(h);
    assert_eq!(s.object("TC1").unwrap().kind, ObjectKind::TowerCrane);
}

#[test]
fn the_tree_lists_groups_in_order_and_gates_with_walkways() {
    let groups = tree_groups();
    let titles: Vec<&str> = groups.iter().map(|g| g.title_key).collect();
    assert_eq!(
        titles,
        [
            "kind.TowerCrane",
            "kind.Hoist",
            "kind.LiftingOperation",
            "kind.FoundationPit",
            "kind.FormworkZone",
            "kind.ToolFormwork",
            "kind.FullHallSupport",
            "kind.Scaffold",
            "kind.Platform",
            "kind.Structure",
            "kind.DistributionBox",
            "kind.Facility",
            "tree.access",
        ]
    );
    let access: Vec<&str> = KINDS.iter().filter(|k| k.tree.title_key == "tree.access").map(|k| k.list).collect();
    assert_eq!(access, ["gates", "walkways"]);
    let hidden: Vec<&str> = KINDS.iter().filter(|k| !k.label_shown).map(|k| k.list).collect();
    assert_eq!(hidden, ["distribution_boxes", "walkways"]);
}

#[test]
fn presets_frame_cranes_pits_formwork_supports_lifts_and_tool_formwork_in_that_order() {
    let mut ranked: Vec<(u8, &str)> = KINDS.iter().filter_map(|k| Some((k.preset?.rank, k.list))).collect();
    ranked.sort();
    assert_eq!(
        ranked,
        [(0, "cranes"), (1, "pits"), (2, "formwork"), (3, "full_hall_supports"), (4, "lifts"), (5, "tool_formwork")]
    );
    // A lift frames both of its ends: LF1 picks up at (−62, 3.15, −30) and sets down 12 m east
    // and 10.6 m up, so half the distance (8.0 m) is less than the 10 m the view keeps at least.
    let r = rugao();
    let (focus, radius) = r.object("LF1").unwrap().view_sphere_m().unwrap();
    assert!((focus - DVec3::new(-56.0, 8.45, -30.0)).length() < 1e-9, "{focus}");
    assert_eq!(radius, 10.0);
    let mut far = r.lifts[0].clone();
    far.set_down_m = DVec3::new(-22.0, 3.15, -30.0);
    assert_eq!(far.view_sphere_m().unwrap().1, 20.0);
    // Supports and tool formwork are framed by their models' bounds, like formwork zones.
    assert!(r.object("FH1").unwrap().view_sphere_m().is_none() && r.object("PM1").unwrap().view_sphere_m().is_none());
    let s = demo();
    // TC1: mast base (12, 0, −10), 45 m mast, 60 m jib: the view looks 60 % up the mast and
    // leaves room for the jib.
    let (focus, radius) = s.object("TC1").unwrap().view_sphere_m().unwrap();
    assert_eq!(focus, DVec3::new(12.0, 27.0, -10.0));
    assert_eq!(radius, 45.0);
    assert!(s.object("PIT1").unwrap().view_sphere_m().is_none(), "a pit is framed by its bounds");
}

#[test]
fn label_anchors_sit_above_each_kind_as_documented() {
    let s = demo();
    let at = |id: &str| s.object(id).unwrap().label_at_m;
    // Crane: 3 m above the jib pivot (45 m mast on the foundation top at y 0).
    assert_eq!(at("TC1"), DVec3::new(12.0, 48.0, -10.0));
    // Pit: 2 m above the top edge at the outline's area centroid.
    let pit = &s.pits[0];
    let c = geom::centroid(&pit.outline_m);
    assert_eq!(at(&pit.id), DVec3::new(c.x, pit.top_elevation_m + 2.0, c.y));
    // Structure: 2 m above the last cast storey.
    let b = &s.structures[0];
    let top = b.base_elevation_m + b.floors_built as f64 * b.floor_height_m;
    assert_eq!(at(&b.id).y, top + 2.0);
    // Walkway: 1 m up at its middle point.
    let w = &s.walkways[0];
    let mid = w.points_m[w.points_m.len() / 2];
    assert_eq!(at(&w.id), DVec3::new(mid.x, 1.0, mid.y));
    let r = rugao();
    let at = |id: &str| r.object(id).unwrap().label_at_m;
    let near = |id: &str, want: DVec3| assert!((at(id) - want).length() < 1e-9, "{id}: {} not {want}", at(id));
    // Platform: 2.5 m over the deck centre, above its 1.5 m guardrail.
    near("XL1", DVec3::new(80.0, 14.65, -25.0));
    // Lift: 3 m above where the piece is set down.
    near("LF1", DVec3::new(-50.0, 16.75, -30.0));
    // Tool formwork and full-hall support: 1 m above their tops at the outline's centroid.
    near("PM1", DVec3::new(69.0, 23.0, -36.0));
    near("FH1", DVec3::new(-50.0, 13.5, -30.0));
    // A structure with no storey cast: 2 m above its floor slab.
    near("WH1", DVec3::new(-50.0, 3.3, -30.0));
}
