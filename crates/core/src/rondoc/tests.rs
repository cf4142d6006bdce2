//! Differential test: the `ron` crate (0.12, the reader Bevy uses) and rondoc decode every scene
//! and example file of the repository to equal values, and agree on the syntax corners those
//! files may use. rondoc exists for positions and all-errors-at-once (docs/rondoc.md), not to
//! read RON differently.

use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::rules::jgj59::{self, FilledTable, Sheet};
use crate::rules::stoppage::PollutionRules;
use crate::rules::{
    CraneRules, DustRules, EdgeRules, FormworkRules, GeneralRules, HoistRules, NoiseRules, PitRules, PowerRules,
    RuleSet,
};
use crate::scene::{self, ModelChecks, SiteScene};
use crate::testutil::{files_with, repo};

use super::{FieldPath, Sink, from_node, parse};

/// The `ron` crate as sitetwin's files are written for it: a bare value where an `Option` is
/// expected means `Some` (rondoc always reads it so).
fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

fn ron_decode<T: DeserializeOwned>(path: &Path) -> T {
    let text = std::fs::read_to_string(path).unwrap();
    ron_options().from_str(&text).unwrap_or_else(|e| panic!("ron: {}:{e}", path.display()))
}

// The top level of each document is decoded field by field by `DocDecoder` (lists and groups may
// be left out). For `ron` these mirror that top level with serde attributes; each converts into the
// real type by an exhaustive struct literal, so a field added to the real type breaks this test.

#[derive(Deserialize)]
#[serde(rename = "SiteScene", deny_unknown_fields)]
struct SceneDoc {
    version: u32,
    site: scene::SiteInfo,
    #[serde(default)]
    models: Vec<scene::ModelInstance>,
    #[serde(default)]
    boundary: Option<scene::Boundary>,
    #[serde(default)]
    cranes: Vec<scene::TowerCrane>,
    #[serde(default)]
    hoists: Vec<scene::Hoist>,
    #[serde(default)]
    lifts: Vec<scene::LiftingOperation>,
    #[serde(default)]
    pits: Vec<scene::FoundationPit>,
    #[serde(default)]
    formwork: Vec<scene::FormworkZone>,
    #[serde(default)]
    tool_formwork: Vec<scene::ToolFormwork>,
    #[serde(default)]
    full_hall_supports: Vec<scene::FullHallSupport>,
    #[serde(default)]
    scaffolds: Vec<scene::Scaffold>,
    #[serde(default)]
    platforms: Vec<scene::Platform>,
    #[serde(default)]
    structures: Vec<scene::Structure>,
    #[serde(default)]
    distribution_boxes: Vec<scene::DistributionBox>,
    #[serde(default)]
    gates: Vec<scene::Gate>,
    #[serde(default)]
    facilities: Vec<scene::Facility>,
    #[serde(default)]
    walkways: Vec<scene::Walkway>,
    #[serde(default)]
    sensors: Vec<scene::Sensor>,
}

impl From<SceneDoc> for SiteScene {
    fn from(d: SceneDoc) -> Self {
        SiteScene {
            version: d.version,
            site: d.site,
            models: d.models,
            boundary: d.boundary,
            cranes: d.cranes,
            hoists: d.hoists,
            lifts: d.lifts,
            pits: d.pits,
            formwork: d.formwork,
            tool_formwork: d.tool_formwork,
            full_hall_supports: d.full_hall_supports,
            scaffolds: d.scaffolds,
            platforms: d.platforms,
            structures: d.structures,
            distribution_boxes: d.distribution_boxes,
            gates: d.gates,
            facilities: d.facilities,
            walkways: d.walkways,
            sensors: d.sensors,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename = "Rules", default, deny_unknown_fields)]
#[derive(Default)]
struct RulesDoc {
    general: GeneralRules,
    crane: CraneRules,
    hoist: HoistRules,
    edge: EdgeRules,
    pit: PitRules,
    formwork: FormworkRules,
    dust: DustRules,
    noise: NoiseRules,
    power: PowerRules,
    pollution: PollutionRules,
}

#[derive(Deserialize)]
#[serde(rename = "Jgj59Sheet", deny_unknown_fields)]
struct SheetDoc {
    #[serde(default)]
    site: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    inspector: String,
    #[serde(default)]
    tables: Vec<FilledTable>,
}

/// Where two serialised values first differ, as a JSON path.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value::{Array, Object};
    match (a, b) {
        (Object(x), Object(y)) => x
            .keys()
            .chain(y.keys())
            .find_map(|k| first_difference(x.get(k)?, y.get(k)?, &format!("{at}.{k}")))
            .or_else(|| (x.len() != y.len()).then(|| format!("{at}: fields differ"))),
        (Array(x), Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}[{i}]")))
        }
        _ => (a != b).then(|| format!("{at}: rondoc {a}, ron {b}")),
    }
}

/// Equal values, or a panic naming the first field where they differ.
fn assert_same<T: PartialEq + serde::Serialize>(ours: &T, theirs: &T, path: &Path) {
    if ours != theirs {
        let (a, b) = (serde_json::to_value(ours).unwrap(), serde_json::to_value(theirs).unwrap());
        let at = first_difference(&a, &b, "").unwrap_or_else(|| "(a NaN or a value JSON cannot show)".into());
        panic!("{}: rondoc and ron disagree at {at}", path.display());
    }
}

fn assert_scene_agrees(path: &Path) {
    let ours = scene::load(path, ModelChecks::Skip).unwrap_or_else(|e| panic!("rondoc: {e}")).scene;
    let theirs: SiteScene = ron_decode::<SceneDoc>(path).into();
    assert_same(&ours, &theirs, path);
    assert!(!ours.sensors.is_empty() && !ours.models.is_empty(), "{}: an empty scene proves little", path.display());
}

#[test]
fn ron_and_rondoc_read_every_scene_and_example_alike() {
    let r = repo();
    // The scenes themselves, not the device registries in `scenes/devices/`.
    let scenes: Vec<_> = [r.join("scenes"), r.join("tests/it/scenes")]
        .iter()
        .flat_map(|d| crate::modelgen::scene_files(d).unwrap_or_default())
        .collect();
    assert!(scenes.len() >= 2, "{scenes:?}");
    for path in &scenes {
        assert_scene_agrees(path);
    }
    let examples = files_with(&r.join("docs/examples"), &[".ron"]);
    assert!(examples.len() >= 2, "{examples:?}");
    for path in &examples {
        let text = std::fs::read_to_string(path).unwrap();
        let top = match parse(&text).unwrap().value {
            super::Value::Struct { name, .. } => name,
            other => panic!("{}: {other:?}", path.display()),
        };
        match top.as_deref() {
            Some("Rules") => {
                let ours = RuleSet::load(path).unwrap();
                let d: RulesDoc = ron_decode(path);
                let theirs = RuleSet {
                    general: d.general,
                    crane: d.crane,
                    hoist: d.hoist,
                    edge: d.edge,
                    pit: d.pit,
                    formwork: d.formwork,
                    dust: d.dust,
                    noise: d.noise,
                    power: d.power,
                    pollution: d.pollution,
                    // Which groups the file names is not a decoded value.
                    configured: ours.configured.clone(),
                };
                assert_same(&ours, &theirs, path);
                assert_ne!(ours, RuleSet { configured: ours.configured.clone(), ..RuleSet::default() });
            }
            Some("Jgj59Sheet") => {
                let ours = jgj59::load_sheet(path).unwrap();
                let d: SheetDoc = ron_decode(path);
                let theirs = Sheet { site: d.site, date: d.date, inspector: d.inspector, tables: d.tables };
                assert_same(&ours, &theirs, path);
                assert!(!ours.tables.is_empty(), "{}", path.display());
            }
            other => panic!("{}: no decoder for a `{other:?}` document", path.display()),
        }
    }
}

/// One value through rondoc, as the scene loader decodes a field.
fn rondoc_value<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let node = parse(text).map_err(|e| e.to_string())?;
    from_node::<T>(&node, &FieldPath::root(), &Sink::default()).map_err(|e| e.to_string())
}

/// Both readers accept `text` as a `T` and agree on the value.
fn agree<T: DeserializeOwned + PartialEq + std::fmt::Debug>(text: &str) -> T {
    let theirs: T = ron_options().from_str(text).unwrap_or_else(|e| panic!("ron refuses {text}: {e}"));
    let ours: T = rondoc_value(text).unwrap_or_else(|e| panic!("rondoc refuses {text}: {e}"));
    assert_eq!(ours, theirs, "{text}");
    ours
}

/// `ron` refuses `text` as a `T`, and so does rondoc.
fn both_refuse<T: DeserializeOwned + std::fmt::Debug>(text: &str) {
    let theirs: Result<T, _> = ron_options().from_str(text);
    assert!(theirs.is_err(), "ron accepts {text}: {theirs:?}");
    let ours: Result<T, String> = rondoc_value(text);
    assert!(ours.is_err(), "rondoc accepts {text}: {ours:?}");
}

/// rondoc accepts `text`, which `ron` refuses (a documented leniency, docs/rondoc.md).
fn only_rondoc_reads<T: DeserializeOwned + std::fmt::Debug>(text: &str) -> T {
    let theirs: Result<T, _> = ron_options().from_str(text);
    assert!(theirs.is_err(), "ron now accepts {text}: {theirs:?}; update docs/rondoc.md");
    rondoc_value(text).unwrap_or_else(|e| panic!("rondoc refuses {text}: {e}"))
}

#[test]
fn strings_escapes_and_comments_read_alike() {
    assert_eq!(agree::<String>(r#""a\"b\\c\n\t\u{4e2d}""#), "a\"b\\c\n\t中");
    assert_eq!(agree::<String>(r#""\x41\x7e \xe4\xb8\xad""#), "A~ 中");
    assert_eq!(agree::<char>(r"'\x41'"), 'A');
    both_refuse::<char>(r"'\xe4\xb8\xad'");
    both_refuse::<String>(r#""\xe4""#);
    both_refuse::<String>(r#""\q""#);
    assert_eq!(agree::<String>(r####"r##"raw "# still"##"####), "raw \"# still");
    assert_eq!(agree::<String>("/* a /* nested */ comment */ \"x\" // trailing"), "x");
    assert_eq!(agree::<char>(r"'\''"), '\'');
    assert_eq!(agree::<String>("\"南通 紫琅\""), "南通 紫琅");
}

#[test]
fn numbers_read_alike() {
    assert_eq!(
        agree::<Vec<f64>>("[1, -2.5, 3e2, 1.5E-3, +4, .5, 1_000.5]"),
        [1.0, -2.5, 300.0, 0.0015, 4.0, 0.5, 1000.5]
    );
    assert_eq!(agree::<Vec<i64>>("[0, -7, 1_000]"), [0, -7, 1000]);
    assert_eq!(agree::<u8>("255"), 255);
    // NaN is not equal to itself: compare by kind.
    for text in ["NaN", "-NaN", "+NaN"] {
        let theirs: f64 = ron_options().from_str(text).unwrap();
        let ours: f64 = rondoc_value(text).unwrap();
        assert!(theirs.is_nan() && ours.is_nan(), "{text}");
    }
    assert_eq!(agree::<(f64, f64)>("(inf, -inf)"), (f64::INFINITY, f64::NEG_INFINITY));
    assert_eq!(agree::<Vec<i64>>("[0x1F, 0b101, 0o17, -0x10, 0x1f32, 0xFF_FF]"), [31, 5, 15, -16, 7986, 65535]);
    assert_eq!(agree::<u64>("0xFFFF_FFFF_FFFF_FFFF"), u64::MAX);
    assert_eq!(agree::<i64>("-0x8000000000000000"), i64::MIN);
    assert_eq!(agree::<Vec<u8>>("[1u8, 2_u8, 0x10u8]"), [1, 2, 16]);
    assert_eq!(agree::<(f32, f64, f64)>("(2.5f32, 3f64, 1e3f64)"), (2.5, 3.0, 1000.0));
    assert_eq!(agree::<Vec<f64>>("[1., 1.e3, 1E3, 007]"), [1.0, 1000.0, 1000.0, 7.0]);
    assert_eq!(agree::<f64>("1e400"), f64::INFINITY);
    // A suffix fixes the type; the value must fit the type it names.
    both_refuse::<i64>("1u8");
    both_refuse::<u8>("1i32");
    both_refuse::<u8>("300u16");
    both_refuse::<f64>("2.5f32");
    both_refuse::<f64>("1u8");
    both_refuse::<u8>("256");
    both_refuse::<u32>("1.0");
    both_refuse::<i64>("9223372036854775808");
    both_refuse::<i64>("0x_1");
    both_refuse::<i64>("_1");
    both_refuse::<u8>("1abc");
}

#[test]
fn options_structs_and_enums_read_alike() {
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inst {
        id: String,
        #[serde(default)]
        note: Option<String>,
        #[serde(default)]
        scale: Option<f64>,
        pos: [f64; 3],
        kind: Kind,
        tags: Vec<(String, u32)>,
    }
    #[derive(Debug, PartialEq, Deserialize)]
    enum Kind {
        Flat,
        Luffing { max_angle_deg: f64 },
        Chart(Vec<f64>),
        Pair(u8, u8),
    }
    let a = agree::<Inst>("Inst(id: \"tc1\", note: \"north\", scale: Some(2.0), pos: (1, 2, 3), kind: Flat, tags: [])");
    assert_eq!((a.note.as_deref(), a.scale), (Some("north"), Some(2.0)));
    let b = agree::<Inst>(
        "(id: \"tc1\", note: None, pos: (0, 0, 0), kind: Luffing(max_angle_deg: 85), tags: [(\"a\", 1),],)",
    );
    assert_eq!(b.kind, Kind::Luffing { max_angle_deg: 85.0 });
    agree::<Vec<Kind>>("[Chart([1, 2.5]), Pair(1, 2)]");
    agree::<std::collections::BTreeMap<String, (f64, f64)>>("{\"ZQS2\": (20.0, 2.0), \"ZQC2\": (20, 2),}");
    both_refuse::<std::collections::BTreeMap<String, u8>>("{a: 1}");

    #[derive(Debug, PartialEq, Deserialize)]
    struct Raw {
        r#type: u8,
        r#true: bool,
    }
    assert_eq!(agree::<Raw>("(r#type: 1, r#true: false)"), Raw { r#type: 1, r#true: false });
    assert_eq!(agree::<Kind>("r#Flat"), Kind::Flat);
}

#[test]
fn rondoc_reads_a_few_things_ron_refuses() {
    #[derive(Debug, PartialEq, Deserialize)]
    enum Kind {
        Flat,
    }
    #[derive(Debug, PartialEq, Deserialize)]
    struct Metres(f64);
    #[derive(Debug, PartialEq, Deserialize)]
    struct Held {
        n: Metres,
    }
    // Brackets for a fixed-size array, parentheses for a list.
    assert_eq!(only_rondoc_reads::<[f64; 3]>("[1, 2, 3]"), [1.0, 2.0, 3.0]);
    assert_eq!(only_rondoc_reads::<Vec<f64>>("(1, 2)"), [1.0, 2.0]);
    // A unit variant with empty parentheses or in quotes.
    assert_eq!(only_rondoc_reads::<Kind>("Flat()"), Kind::Flat);
    assert_eq!(only_rondoc_reads::<Kind>("\"Flat\""), Kind::Flat);
    // Newtypes are always unwrapped, as with `#![enable(unwrap_newtypes)]`.
    assert_eq!(only_rondoc_reads::<Held>("(n: 2.0)"), Held { n: Metres(2.0) });
    assert_eq!(agree::<Held>("#![enable(unwrap_newtypes)] (n: 2.0)"), Held { n: Metres(2.0) });
    // Radix integers become plain numbers, so a float field takes one.
    assert_eq!(only_rondoc_reads::<f64>("0x10"), 16.0);
}

#[test]
fn rondoc_refuses_byte_literals_and_strings() {
    let theirs: u8 = ron_options().from_str("b'a'").unwrap();
    assert_eq!(theirs, 97);
    for text in ["b'a'", "b\"ab\""] {
        let e = rondoc_value::<Vec<u8>>(text).unwrap_err();
        assert!(e.starts_with("1:1: byte literals") && e.contains("not supported"), "{e}");
    }
}

/// What rondoc is for: every problem at once, each at its value's line and column, with a
/// suggestion for a misspelt field. `ron` stops at the first problem.
#[test]
fn rondoc_reports_every_problem_where_ron_reports_the_first() {
    let text = "SiteScene(\n    version: 1,\n    site: (id: \"x\", name: \"y\", city: \"c\", district: \"d\", addres: \"a\"),\n    cranes: [(id: \"TC1\", jib_length_m: \"long\")],\n)";
    let e = match ron_options().from_str::<SceneDoc>(text) {
        Ok(_) => panic!("ron accepts a broken scene"),
        Err(e) => e,
    };
    assert_eq!(e.span.start.line, 3, "{e}");
    let ours = scene::load_str(text, Path::new("t.ron"), Path::new("."), ModelChecks::Skip).unwrap_err();
    let msgs: Vec<String> = ours.errors().map(ToString::to_string).collect();
    assert!(msgs.iter().any(|m| m.starts_with("t.ron:3:") && m.contains("did you mean `address`")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.starts_with("t.ron:4:") && m.contains("cranes[0]")), "{msgs:?}");
}
