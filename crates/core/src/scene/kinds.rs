//! The object-kind table: the one place that says, for each kind of semantic object, which scene
//! list holds it, what it is called (zh-CN and English, with its own vocabulary), where the object
//! tree lists it, whether its label shows by default, how a camera preset frames it, and — in its
//! [`SceneObject`] impl — how its label anchor, parameters, checks and generated model follow from
//! its fields.
//!
//! Everything per kind reads this table: loading (each row decodes its list), validation,
//! [`SiteScene::objects`], [`SiteScene::object`], [`SiteScene::params`], the i18n labels, the
//! model generator, and the twin's object tree, preset views and label filter.
//!
//! # Adding a kind
//!
//! 1. In `schema.rs`: the struct, its list in [`SiteScene`], and its [`ObjectKind`] variant (and,
//!    if sensors mount on it, the variant in [`SensorKind::anchors`](super::SensorKind::anchors)).
//! 2. Here: `impl SceneObject for TheStruct` (id, name, model, kind, label anchor, parameters,
//!    checks, generated model; optionally the point it stands on and the sphere a preset frames)
//!    and one [`KindSpec`] row in [`KINDS`] (list name, label and vocabulary, tree group, label
//!    default, preset). Parameters reuse the shared vocabulary of `i18n`; a label only this kind
//!    uses goes into the row's `vocabulary`.
//!
//! No other code changes. `kinds_tests` checks each row against every scene under `scenes/` (its
//! list is decoded and listed under its name, its labels exist) and asks that some scene hold an
//! object of every kind, so give one of them (not the demo, whose counts many tests pin) one.

use std::fmt;
use std::mem::discriminant;

use glam::{DAffine3, DVec2, DVec3};

use super::objects::{Param, ParamValue};
use super::schema::*;
use super::validate::{CheckContext, Validator, fmt_num};
use crate::geom;
use crate::modelgen::{Node, site as generator};
use crate::rondoc::{DocDecoder, FieldPath};

/// A label in both languages, under its i18n key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    /// The i18n key (`kind.TowerCrane`, `param.jib_length`).
    pub key: &'static str,
    /// Simplified Chinese.
    pub zh: &'static str,
    /// English.
    pub en: &'static str,
}

const fn label(key: &'static str, zh: &'static str, en: &'static str) -> Label {
    Label { key, zh, en }
}

/// A group of the object tree (and legend): objects of the kinds that share it are listed
/// together under its title, groups in ascending `order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TreeGroup {
    /// Place in the tree, smallest first.
    pub order: u8,
    /// The i18n key of its title (a kind's own label key when the group holds one kind).
    pub title_key: &'static str,
}

/// Gates and walkways share one group: both are how people come and go.
const ACCESS: TreeGroup = TreeGroup { order: 12, title_key: "tree.access" };

/// How the twin's preset views frame an object of this kind (kinds without one get no preset).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PresetView {
    /// Order among the object presets, smallest first (then by id).
    pub rank: u8,
    /// Heading of the camera around the focus, degrees; 0 looks from the south (+z) to the north.
    pub yaw_deg: f32,
    /// Elevation above the horizon, degrees.
    pub pitch_deg: f32,
    /// Multiplies the framed radius: the object's view sphere ([`ObjectRef::view_sphere_m`]),
    /// else its bounds' half diagonal.
    pub radius_scale: f32,
}

/// One row of the object-kind table.
pub struct KindSpec {
    /// The scene file's list holding objects of this kind (`cranes`).
    pub list: &'static str,
    /// An [`ObjectKind`] of this row; objects match it by variant (a facility's sub-kind is not
    /// compared).
    pub kind: ObjectKind,
    /// The kind's name, also the title of its tree group when it has one of its own.
    pub label: Label,
    /// Parameter and term labels only this kind uses (shared ones live in `i18n`).
    pub vocabulary: &'static [Label],
    /// Where the object tree lists it.
    pub tree: TreeGroup,
    /// Whether its objects' names float over the twin by default (small, numerous objects don't).
    pub label_shown: bool,
    /// Its preset view, if it has one.
    pub preset: Option<PresetView>,
    objects: fn(&SiteScene) -> &dyn ObjectList,
    decode: fn(&mut DocDecoder<'_>, &'static str, &mut SiteScene),
}

impl fmt::Debug for KindSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KindSpec").field("list", &self.list).field("kind", &self.kind).finish_non_exhaustive()
    }
}

impl PartialEq for KindSpec {
    fn eq(&self, other: &Self) -> bool {
        self.list == other.list
    }
}

impl KindSpec {
    /// True when `kind` is of this row.
    pub fn holds(&self, kind: ObjectKind) -> bool {
        discriminant(&self.kind) == discriminant(&kind)
    }

    /// Number of objects of this kind in `scene`.
    pub fn count(&self, scene: &SiteScene) -> usize {
        (self.objects)(scene).len()
    }

    pub(crate) fn get<'s>(&self, scene: &'s SiteScene, i: usize) -> Option<&'s dyn SceneObject> {
        (self.objects)(scene).get(i)
    }

    /// Decodes this row's list from the scene document into `scene`.
    pub(super) fn decode(&self, d: &mut DocDecoder<'_>, scene: &mut SiteScene) {
        (self.decode)(d, self.list, scene)
    }
}

impl ObjectKind {
    /// This kind's row of [`KINDS`] (every variant has one; a test checks it).
    pub fn spec(self) -> Option<&'static KindSpec> {
        KINDS.iter().find(|k| k.holds(self))
    }
}

/// The groups of the object tree, in order.
pub fn tree_groups() -> Vec<TreeGroup> {
    let mut v: Vec<TreeGroup> = KINDS.iter().map(|k| k.tree).collect();
    v.sort();
    v.dedup();
    v
}

/// What the scene structs of semantic objects provide; see the module doc.
pub(crate) trait SceneObject: fmt::Debug {
    /// Unique object id.
    fn id(&self) -> &str;
    /// Display name.
    fn name(&self) -> &str;
    /// The model instance drawing it.
    fn model(&self) -> Option<&str>;
    /// Its kind.
    fn kind(&self) -> ObjectKind;
    /// Where its label goes (top centre), site frame, metres.
    fn label_at_m(&self) -> DVec3;
    /// Its parameters for the info panel.
    fn params(&self) -> Vec<Param>;
    /// Checks its own fields (`path` is its place in the scene file, `cranes[1]`).
    fn check(&self, v: &mut Validator<'_>, path: &FieldPath, cx: &CheckContext<'_>);
    /// Builds its generated model; `model_from_site` is the inverse of its instance's placement.
    fn build_model(&self, scene: &SiteScene, model_from_site: &DAffine3) -> Node;
    /// The point it stands on, for objects that must stand inside the site boundary.
    fn stands_at_m(&self) -> Option<DVec3> {
        None
    }
    /// The field of the scene file that gives [`Self::stands_at_m`].
    fn stands_at_field(&self) -> &'static str {
        "position_m"
    }
    /// The sphere (centre, radius; metres) its preset view frames, when its bounds would not do.
    fn view_sphere_m(&self) -> Option<(DVec3, f64)> {
        None
    }
}

/// A scene list of one kind, seen through [`SceneObject`].
pub(crate) trait ObjectList {
    fn len(&self) -> usize;
    fn get(&self, i: usize) -> Option<&dyn SceneObject>;
}

impl<T: SceneObject> ObjectList for Vec<T> {
    fn len(&self) -> usize {
        self.as_slice().len()
    }

    fn get(&self, i: usize) -> Option<&dyn SceneObject> {
        self.as_slice().get(i).map(|x| x as &dyn SceneObject)
    }
}

/// The table, in the order objects are listed (and checked): by kind, then file order.
pub static KINDS: [KindSpec; 14] = [
    KindSpec {
        list: "cranes",
        kind: ObjectKind::TowerCrane,
        label: label("kind.TowerCrane", "塔式起重机", "Tower crane"),
        vocabulary: &[
            label("param.jib_length", "起重臂长度", "Jib length"),
            label("param.counter_jib_length", "平衡臂长度", "Counter-jib length"),
            label("param.max_load", "最大起重量", "Maximum load"),
            label("param.rated_moment", "额定起重力矩", "Rated load moment"),
            label("param.tip_load", "臂端起重量", "Tip load"),
            label("param.type_code", "型号", "Type"),
        ],
        tree: TreeGroup { order: 0, title_key: "kind.TowerCrane" },
        label_shown: true,
        preset: Some(PresetView { rank: 0, yaw_deg: 210.0, pitch_deg: 18.0, radius_scale: 1.0 }),
        objects: |s| &s.cranes,
        decode: |d, list, s| s.cranes = d.list(list),
    },
    KindSpec {
        list: "hoists",
        kind: ObjectKind::Hoist,
        label: label("kind.Hoist", "施工升降机", "Construction hoist"),
        vocabulary: &[label("param.rated_load", "额定载重量", "Rated load"), label("param.cages", "吊笼数", "Cages")],
        tree: TreeGroup { order: 1, title_key: "kind.Hoist" },
        label_shown: true,
        preset: None,
        objects: |s| &s.hoists,
        decode: |d, list, s| s.hoists = d.list(list),
    },
    KindSpec {
        list: "lifts",
        kind: ObjectKind::LiftingOperation,
        label: label("kind.LiftingOperation", "非常规起重吊装", "Non-standard lift"),
        vocabulary: &[
            label("param.single_lift", "单件起吊重量", "Single lift"),
            label("param.method", "吊装方法", "Method"),
            label("param.crane", "起重机械", "Crane"),
            label("param.planned_date", "计划吊装日期", "Planned date"),
            label("param.set_down_elevation", "就位标高", "Set-down elevation"),
            label("param.travel", "水平运距", "Horizontal travel"),
        ],
        tree: TreeGroup { order: 2, title_key: "kind.LiftingOperation" },
        label_shown: true,
        preset: Some(PresetView { rank: 4, yaw_deg: 240.0, pitch_deg: 25.0, radius_scale: 1.4 }),
        objects: |s| &s.lifts,
        decode: |d, list, s| s.lifts = d.list(list),
    },
    KindSpec {
        list: "pits",
        kind: ObjectKind::FoundationPit,
        label: label("kind.FoundationPit", "基坑", "Foundation pit"),
        vocabulary: &[
            label("param.depth", "开挖深度", "Excavation depth"),
            label("param.perimeter", "周长", "Perimeter"),
            label("param.support", "支护形式", "Retaining system"),
            label("param.safety_grade", "安全等级", "Safety grade"),
            label("param.struts", "内支撑数", "Struts"),
            label("param.pile_diameter", "桩径", "Pile diameter"),
            label("param.pile_spacing", "桩间距", "Pile spacing"),
            label("support.RetainingPiles", "排桩", "Bored piles"),
            label("support.DiaphragmWall", "地下连续墙", "Diaphragm wall"),
            label("support.SoilNailWall", "土钉墙", "Soil-nailed wall"),
            label("support.Slope", "放坡", "Open cut slope"),
            label("support.SheetPiles", "钢板桩", "Sheet piles"),
            label("support.CementSoilWall", "水泥土墙", "Cement-soil wall"),
        ],
        tree: TreeGroup { order: 3, title_key: "kind.FoundationPit" },
        label_shown: true,
        preset: Some(PresetView { rank: 1, yaw_deg: 20.0, pitch_deg: 50.0, radius_scale: 1.0 }),
        objects: |s| &s.pits,
        decode: |d, list, s| s.pits = d.list(list),
    },
    KindSpec {
        list: "formwork",
        kind: ObjectKind::FormworkZone,
        label: label("kind.FormworkZone", "高支模", "High formwork"),
        vocabulary: &[
            label("param.max_span", "最大跨度", "Largest span"),
            label("param.area_load", "施工总荷载", "Total area load"),
            label("param.line_load", "集中线荷载", "Line load"),
        ],
        tree: TreeGroup { order: 4, title_key: "kind.FormworkZone" },
        label_shown: true,
        preset: Some(PresetView { rank: 2, yaw_deg: 160.0, pitch_deg: 30.0, radius_scale: 1.6 }),
        objects: |s| &s.formwork,
        decode: |d, list, s| s.formwork = d.list(list),
    },
    KindSpec {
        list: "tool_formwork",
        kind: ObjectKind::ToolFormwork,
        label: label("kind.ToolFormwork", "工具式模板", "Tool-type formwork"),
        vocabulary: &[
            label("param.tool_formwork_kind", "模板类型", "Formwork type"),
            label("toolform.Sliding", "滑模", "Slipform"),
            label("toolform.Climbing", "爬模", "Climbing formwork"),
            label("toolform.Flying", "飞模", "Flying (table) formwork"),
            label("toolform.Tunnel", "隧道模", "Tunnel formwork"),
        ],
        tree: TreeGroup { order: 5, title_key: "kind.ToolFormwork" },
        label_shown: true,
        preset: Some(PresetView { rank: 5, yaw_deg: 200.0, pitch_deg: 30.0, radius_scale: 2.2 }),
        objects: |s| &s.tool_formwork,
        decode: |d, list, s| s.tool_formwork = d.list(list),
    },
    KindSpec {
        list: "full_hall_supports",
        kind: ObjectKind::FullHallSupport,
        label: label("kind.FullHallSupport", "满堂承重支撑体系", "Full-hall load-bearing support"),
        vocabulary: &[
            label("param.max_point_load", "最大单点集中荷载", "Largest point load"),
            label("param.post_spacing", "立杆间距", "Post spacing"),
        ],
        tree: TreeGroup { order: 6, title_key: "kind.FullHallSupport" },
        label_shown: true,
        preset: Some(PresetView { rank: 3, yaw_deg: 150.0, pitch_deg: 30.0, radius_scale: 1.4 }),
        objects: |s| &s.full_hall_supports,
        decode: |d, list, s| s.full_hall_supports = d.list(list),
    },
    KindSpec {
        list: "scaffolds",
        kind: ObjectKind::Scaffold,
        label: label("kind.Scaffold", "脚手架", "Scaffold"),
        vocabulary: &[
            label("param.scaffold_kind", "脚手架类型", "Scaffold type"),
            label("scaffold.GroundFastener", "落地式扣件钢管", "Ground-based tube and coupler"),
            label("scaffold.GroundDiscLock", "落地式盘扣", "Ground-based disc-lock"),
            label("scaffold.Cantilevered", "悬挑式", "Cantilevered"),
            label("scaffold.AttachedLifting", "附着式升降", "Attached lifting"),
            label("scaffold.Gondola", "高处作业吊篮", "Gondola"),
        ],
        tree: TreeGroup { order: 7, title_key: "kind.Scaffold" },
        label_shown: true,
        preset: None,
        objects: |s| &s.scaffolds,
        decode: |d, list, s| s.scaffolds = d.list(list),
    },
    KindSpec {
        list: "platforms",
        kind: ObjectKind::Platform,
        label: label("kind.Platform", "卸料平台与操作平台", "Discharge and operating platforms"),
        vocabulary: &[
            label("param.platform_kind", "平台类型", "Platform type"),
            label("platform.Discharge", "卸料平台", "Discharge platform"),
            label("platform.Operating", "操作平台", "Operating platform"),
            label("param.load_limit", "限载", "Load limit"),
            label("param.deck_elevation", "平台面标高", "Deck elevation"),
            label("param.floor", "所在楼层", "Floor"),
        ],
        tree: TreeGroup { order: 8, title_key: "kind.Platform" },
        label_shown: true,
        preset: None,
        objects: |s| &s.platforms,
        decode: |d, list, s| s.platforms = d.list(list),
    },
    KindSpec {
        list: "structures",
        kind: ObjectKind::Structure,
        label: label("kind.Structure", "在建建筑", "Building under construction"),
        vocabulary: &[
            label("param.floors_total", "总层数", "Storeys planned"),
            label("param.floors_built", "已施工层数", "Storeys cast"),
            label("param.floor_height", "层高", "Storey height"),
        ],
        tree: TreeGroup { order: 9, title_key: "kind.Structure" },
        label_shown: true,
        preset: None,
        objects: |s| &s.structures,
        decode: |d, list, s| s.structures = d.list(list),
    },
    KindSpec {
        list: "distribution_boxes",
        kind: ObjectKind::DistributionBox,
        label: label("kind.DistributionBox", "配电箱", "Distribution box"),
        vocabulary: &[
            label("param.box_level", "配电级别", "Distribution level"),
            label("param.rcd_rated", "漏保额定动作电流", "RCD rated residual current"),
            label("param.rcd_trip_time", "漏保额定动作时间", "RCD rated break time"),
            label("param.feeds_from", "上级配电箱", "Fed from"),
            label("param.serves", "所供设备", "Serves"),
            label("box.Main", "总配电箱", "Main box"),
            label("box.Sub", "分配电箱", "Sub-distribution box"),
            label("box.Switch", "开关箱", "Switch box"),
        ],
        tree: TreeGroup { order: 10, title_key: "kind.DistributionBox" },
        label_shown: false,
        preset: None,
        objects: |s| &s.distribution_boxes,
        decode: |d, list, s| s.distribution_boxes = d.list(list),
    },
    KindSpec {
        list: "gates",
        kind: ObjectKind::Gate,
        label: label("kind.Gate", "大门", "Gate"),
        vocabulary: &[],
        tree: ACCESS,
        label_shown: true,
        preset: None,
        objects: |s| &s.gates,
        decode: |d, list, s| s.gates = d.list(list),
    },
    KindSpec {
        list: "facilities",
        kind: ObjectKind::Facility(FacilityKind::SiteOffice),
        label: label("kind.Facility", "临建设施", "Facilities"),
        vocabulary: &[
            label("kind.SiteOffice", "项目部办公室", "Site office"),
            label("kind.Dormitory", "宿舍", "Dormitory"),
            label("kind.Canteen", "食堂", "Canteen"),
            label("kind.WheelWash", "洗车台", "Wheel wash"),
            label("kind.MaterialYard", "材料堆场", "Material yard"),
            label("kind.DustMonitorMast", "扬尘噪声监测站", "Dust & noise monitor"),
            label("kind.Transformer", "变压器", "Transformer"),
            label("kind.Toilet", "厕所", "Toilet"),
        ],
        tree: TreeGroup { order: 11, title_key: "kind.Facility" },
        label_shown: true,
        preset: None,
        objects: |s| &s.facilities,
        decode: |d, list, s| s.facilities = d.list(list),
    },
    KindSpec {
        list: "walkways",
        kind: ObjectKind::Walkway,
        label: label("kind.Walkway", "安全通道", "Walkway"),
        vocabulary: &[],
        tree: ACCESS,
        label_shown: false,
        preset: None,
        objects: |s| &s.walkways,
        decode: |d, list, s| s.walkways = d.list(list),
    },
];

fn num(key: &'static str, v: f64, unit: &'static str) -> Param {
    Param { key, value: ParamValue::Number(v, unit) }
}

fn count(key: &'static str, v: u64) -> Param {
    Param { key, value: ParamValue::Count(v) }
}

fn text(key: &'static str, v: &str) -> Param {
    Param { key, value: ParamValue::Text(v.to_string()) }
}

fn term(key: &'static str, v: String) -> Param {
    Param { key, value: ParamValue::Term(v) }
}

fn centroid_at(points: &[DVec2], y: f64) -> DVec3 {
    geom::at_height(geom::centroid(points), y)
}

/// The structure a formwork zone, scaffold or support names must exist.
fn structure_exists(v: &mut Validator<'_>, path: &FieldPath, r: &Option<String>, cx: &CheckContext<'_>) {
    if let Some(r) = r {
        structure_named(v, path, r, cx);
    }
}

/// The structure with id `r` (the last of that id, as a map by id would hold), or an error at
/// `path` when there is none.
fn structure_named<'s>(
    v: &mut Validator<'_>,
    path: &FieldPath,
    r: &str,
    cx: &CheckContext<'s>,
) -> Option<&'s Structure> {
    let found = cx.scene.structures.iter().rev().find(|x| x.id == r);
    if found.is_none() {
        v.error(path, format!("no structure with id `{r}`"));
    }
    found
}

/// Warns when a work that belongs to a structure has its plan centroid outside the structure's
/// footprint (a slip in coordinates, or the wrong structure named).
fn within_footprint(v: &mut Validator<'_>, path: &FieldPath, outline: &[DVec2], s: &Structure) {
    let finite = |p: &[DVec2]| p.len() >= 3 && p.iter().all(|q| q.is_finite());
    if finite(outline) && finite(&s.footprint_m) && !geom::point_in_polygon(geom::centroid(outline), &s.footprint_m) {
        v.warn(path, format!("lies outside the footprint of `{}`, the structure it names", s.id));
    }
}

impl SceneObject for TowerCrane {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::TowerCrane
    }
    fn label_at_m(&self) -> DVec3 {
        let p = self.position_m;
        DVec3::new(p.x, p.y + self.mast_height_m + 3.0, p.z)
    }
    fn params(&self) -> Vec<Param> {
        let mut p = vec![
            num("param.mast_height", self.mast_height_m, "m"),
            num("param.jib_length", self.jib_length_m, "m"),
            num("param.counter_jib_length", self.counter_jib_length_m, "m"),
        ];
        match &self.rating {
            CraneRating::MaxLoadMoment { max_load_t, rated_moment_kn_m } => {
                p.push(num("param.max_load", *max_load_t, "t"));
                p.push(num("param.rated_moment", *rated_moment_kn_m, "kN·m"));
            }
            CraneRating::LoadChart(points) => {
                let max = points.iter().map(|x| x.load_t).fold(0.0, f64::max);
                p.push(num("param.max_load", max, "t"));
                if let Some(tip) = points.last() {
                    p.push(num("param.tip_load", tip.load_t, "t"));
                }
            }
        }
        if let Some(t) = &self.type_code {
            p.push(text("param.type_code", t));
        }
        if let Some(d) = &self.device_id {
            p.push(text("param.device_id", d));
        }
        p
    }
    fn check(&self, v: &mut Validator<'_>, p: &FieldPath, cx: &CheckContext<'_>) {
        v.point(&p.field("position_m"), &self.position_m.to_array());
        v.positive(&p.field("mast_height_m"), self.mast_height_m);
        v.positive(&p.field("jib_length_m"), self.jib_length_m);
        v.positive(&p.field("counter_jib_length_m"), self.counter_jib_length_m);
        check_rating(v, &p.field("rating"), &self.rating, self.jib_length_m);
        let n = p.field("nodes");
        v.node_exists(&n.field("slewing"), &self.model, &self.nodes.slewing, cx.models);
        v.node_exists(&n.field("trolley"), &self.model, &self.nodes.trolley, cx.models);
        v.node_exists(&n.field("hook"), &self.model, &self.nodes.hook, cx.models);
    }
    fn build_model(&self, _: &SiteScene, _: &DAffine3) -> Node {
        generator::tower_crane(self)
    }
    fn stands_at_m(&self) -> Option<DVec3> {
        Some(self.position_m)
    }
    /// The mast 60 % up, and room for the longer of mast and jib.
    fn view_sphere_m(&self) -> Option<(DVec3, f64)> {
        let focus = self.position_m + DVec3::Y * (self.mast_height_m * 0.6);
        Some((focus, self.jib_length_m.max(self.mast_height_m) * 0.75))
    }
}

fn check_rating(v: &mut Validator<'_>, p: &FieldPath, r: &CraneRating, jib_length_m: f64) {
    match r {
        CraneRating::MaxLoadMoment { max_load_t, rated_moment_kn_m } => {
            v.positive(&p.field("max_load_t"), *max_load_t);
            v.positive(&p.field("rated_moment_kn_m"), *rated_moment_kn_m);
        }
        CraneRating::LoadChart(points) => {
            if points.len() < 2 {
                v.error(p, format!("a load chart needs at least 2 points, found {}", points.len()));
            }
            let mut prev: Option<LoadPoint> = None;
            for (i, pt) in points.iter().enumerate() {
                let q = p.index(0).index(i);
                v.positive(&q.field("radius_m"), pt.radius_m);
                v.positive(&q.field("load_t"), pt.load_t);
                if jib_length_m.is_finite() && jib_length_m > 0.0 && pt.radius_m > jib_length_m + 1e-6 {
                    v.error(
                        &q.field("radius_m"),
                        format!("radius {} m is beyond the {} m jib", pt.radius_m, jib_length_m),
                    );
                }
                if let Some(pr) = prev {
                    if pt.radius_m <= pr.radius_m {
                        v.error(
                            &q.field("radius_m"),
                            format!("radii must increase: {} m follows {} m", pt.radius_m, pr.radius_m),
                        );
                    }
                    if pt.load_t > pr.load_t {
                        v.error(
                            &q.field("load_t"),
                            format!(
                                "rated load rises from {} t to {} t further out; a load chart never rises",
                                pr.load_t, pt.load_t
                            ),
                        );
                    }
                }
                prev = Some(*pt);
            }
        }
    }
}

impl SceneObject for Hoist {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::Hoist
    }
    fn label_at_m(&self) -> DVec3 {
        let p = self.position_m;
        DVec3::new(p.x, p.y + self.mast_height_m + 1.0, p.z)
    }
    fn params(&self) -> Vec<Param> {
        let mut p = vec![
            num("param.mast_height", self.mast_height_m, "m"),
            num("param.rated_load", self.rated_load_kg, "kg"),
            count("param.cages", self.cages as u64),
        ];
        if let Some(d) = &self.device_id {
            p.push(text("param.device_id", d));
        }
        p
    }
    fn check(&self, v: &mut Validator<'_>, p: &FieldPath, cx: &CheckContext<'_>) {
        v.point(&p.field("position_m"), &self.position_m.to_array());
        v.positive(&p.field("mast_height_m"), self.mast_height_m);
        v.positive(&p.field("rated_load_kg"), self.rated_load_kg);
        if !(1..=2).contains(&self.cages) {
            v.error(&p.field("cages"), format!("expected 1 or 2 cages, found {}", self.cages));
        }
        v.node_exists(&p.field("cage_node"), &self.model, &self.cage_node, cx.models);
    }
    fn build_model(&self, _: &SiteScene, _: &DAffine3) -> Node {
        generator::hoist(self)
    }
    fn stands_at_m(&self) -> Option<DVec3> {
        Some(self.position_m)
    }
}

impl SceneObject for FoundationPit {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::FoundationPit
    }
    fn label_at_m(&self) -> DVec3 {
        centroid_at(&self.outline_m, self.top_elevation_m + 2.0)
    }
    fn params(&self) -> Vec<Param> {
        let support = match &self.support {
            PitSupport::RetainingPiles { .. } => "RetainingPiles",
            PitSupport::DiaphragmWall { .. } => "DiaphragmWall",
            PitSupport::SoilNailWall => "SoilNailWall",
            PitSupport::Slope { .. } => "Slope",
            PitSupport::SheetPiles => "SheetPiles",
            PitSupport::CementSoilWall { .. } => "CementSoilWall",
        };
        let mut p = vec![
            num("param.depth", self.depth_m, "m"),
            num("param.area", geom::polygon_area(&self.outline_m).abs(), "m²"),
            num("param.perimeter", geom::perimeter(&self.outline_m, true), "m"),
            term("param.support", format!("support.{support}")),
            count("param.safety_grade", self.safety_grade as u64),
            count("param.struts", self.struts.len() as u64),
        ];
        if let PitSupport::RetainingPiles { pile_diameter_m, pile_spacing_m } = self.support {
            p.push(num("param.pile_diameter", pile_diameter_m, "m"));
            p.push(num("param.pile_spacing", pile_spacing_m, "m"));
        }
        p
    }
    fn check(&self, v: &mut Validator<'_>, p: &FieldPath, _: &CheckContext<'_>) {
        v.polygon(&p.field("outline_m"), &self.outline_m);
        v.finite(&p.field("top_elevation_m"), self.top_elevation_m);
        v.positive(&p.field("depth_m"), self.depth_m);
        if !(1..=3).contains(&self.safety_grade) {
            v.error(&p.field("safety_grade"), format!("expected safety grade 1, 2 or 3, found {}", self.safety_grade));
        }
        let sp = p.field("support");
        match self.support {
            PitSupport::RetainingPiles { pile_diameter_m, pile_spacing_m } => {
                v.positive(&sp.field("pile_diameter_m"), pile_diameter_m);
                v.positive(&sp.field("pile_spacing_m"), pile_spacing_m);
                if pile_spacing_m.is_finite() && pile_diameter_m.is_finite() && pile_spacing_m < pile_diameter_m {
                    v.error(
                        &sp.field("pile_spacing_m"),
                        format!("piles of {pile_diameter_m} m at {pile_spacing_m} m centres would overlap"),
                    );
                }
            }
            PitSupport::DiaphragmWall { thickness_m } | PitSupport::CementSoilWall { thickness_m } => {
                v.positive(&sp.field("thickness_m"), thickness_m)
            }
            PitSupport::Slope { run_per_rise } => v.positive(&sp.field("run_per_rise"), run_per_rise),
            PitSupport::SoilNailWall | PitSupport::SheetPiles => {}
        }
        let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (i, st) in self.struts.iter().enumerate() {
            let q = p.field("struts").index(i);
            if let Some(first) = seen.get(st.id.as_str()) {
                v.error(&q.field("id"), format!("duplicate strut id `{}` (first used by struts[{first}])", st.id));
            } else {
                seen.insert(&st.id, i);
            }
            v.point(&q.field("from_m"), &st.from_m.to_array());
            v.point(&q.field("to_m"), &st.to_m.to_array());
            v.positive(&q.field("design_force_kn"), st.design_force_kn);
            if !(st.depth_m.is_finite() && st.depth_m >= 0.0 && st.depth_m < self.depth_m) {
                v.error(
                    &q.field("depth_m"),
                    format!("expected a depth from 0 to the pit's {} m, found {}", self.depth_m, fmt_num(st.depth_m)),
                );
            }
        }
    }
    fn build_model(&self, _: &SiteScene, model_from_site: &DAffine3) -> Node {
        generator::pit(self, model_from_site)
    }
}

impl SceneObject for FormworkZone {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::FormworkZone
    }
    fn label_at_m(&self) -> DVec3 {
        centroid_at(&self.outline_m, self.base_elevation_m + self.support_height_m + 1.0)
    }
    fn params(&self) -> Vec<Param> {
        vec![
            num("param.support_height", self.support_height_m, "m"),
            num("param.max_span", self.max_span_m, "m"),
            num("param.area_load", self.area_load_kn_m2, "kN/m²"),
            num("param.line_load", self.line_load_kn_m, "kN/m"),
            num("param.area", geom::polygon_area(&self.outline_m).abs(), "m²"),
            num("param.base_elevation", self.base_elevation_m, "m"),
            term("param.system", format!("system.{:?}", self.system)),
        ]
    }
    fn check(&self, v: &mut Validator<'_>, p: &FieldPath, cx: &CheckContext<'_>) {
        v.polygon(&p.field("outline_m"), &self.outline_m);
        v.finite(&p.field("base_elevation_m"), self.base_elevation_m);
        v.positive(&p.field("support_height_m"), self.support_height_m);
        v.positive(&p.field("max_span_m"), self.max_span_m);
        v.non_negative(&p.field("area_load_kn_m2"), self.area_load_kn_m2);
        v.non_negative(&p.field("line_load_kn_m"), self.line_load_kn_m);
        v.positive(&p.field("post_spacing_m"), self.post_spacing_m);
        structure_exists(v, &p.field("structure"), &self.structure, cx);
    }
    fn build_model(&self, _: &SiteScene, model_from_site: &DAffine3) -> Node {
        generator::formwork(self, model_from_site)
    }
}

impl SceneObject for Scaffold {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::Scaffold
    }
    fn label_at_m(&self) -> DVec3 {
        let first = self.path_m.first().copied().unwrap_or(DVec2::ZERO);
        geom::at_height(first, self.base_elevation_m + self.height_m + 1.0)
    }
    fn params(&self) -> Vec<Param> {
        let kind = match &self.kind {
            ScaffoldKind::GroundFastener => "GroundFastener",
            ScaffoldKind::GroundDiscLock => "GroundDiscLock",
            ScaffoldKind::Cantilevered { .. } => "Cantilevered",
            ScaffoldKind::AttachedLifting { .. } => "AttachedLifting",
            ScaffoldKind::Gondola => "Gondola",
        };
        vec![
            term("param.scaffold_kind", format!("scaffold.{kind}")),
            num("param.height", self.height_m, "m"),
            num("param.length", geom::perimeter(&self.path_m, false), "m"),
        ]
    }
    fn check(&self, v: &mut Validator<'_>, p: &FieldPath, cx: &CheckContext<'_>) {
        v.polyline(&p.field("path_m"), &self.path_m);
        v.positive(&p.field("height_m"), self.height_m);
        v.finite(&p.field("base_elevation_m"), self.base_elevation_m);
        match self.kind {
            ScaffoldKind::Cantilevered { section_height_m } => {
                v.positive(&p.field("kind").field("section_height_m"), section_height_m)
            }
            ScaffoldKind::AttachedLifting { lift_height_m } => {
                v.positive(&p.field("kind").field("lift_height_m"), lift_height_m)
            }
            _ => {}
        }
        structure_exists(v, &p.field("structure"), &self.structure, cx);
    }
    fn build_model(&self, scene: &SiteScene, model_from_site: &DAffine3) -> Node {
        let structure = self.structure.as_ref().and_then(|s| scene.structures.iter().find(|t| &t.id == s));
        generator::scaffold(self, model_from_site, structure)
    }
}

impl SceneObject for Structure {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::Structure
    }
    fn label_at_m(&self) -> DVec3 {
        centroid_at(&self.footprint_m, self.cast_top_m() + 2.0)
    }
    fn params(&self) -> Vec<Param> {
        vec![
            count("param.floors_total", self.floors_total as u64),
            count("param.floors_built", self.floors_built as u64),
            num("param.floor_height", self.floor_height_m, "m"),
            num("param.area", geom::polygon_area(&self.footprint_m).abs(), "m²"),
        ]
    }
    fn check(&self, v: &mut Validator<'_>, p: &FieldPath, _: &CheckContext<'_>) {
        v.polygon(&p.field("footprint_m"), &self.footprint_m);
        if self.floors_total == 0 {
            v.error(&p.field("floors_total"), "expected at least 1 storey, found 0");
        }
        if self.floors_built > self.floors_total {
            v.error(
                &p.field("floors_built"),
                format!("{} storeys built but only {} planned", self.floors_built, self.floors_total),
            );
        }
        v.positive(&p.field("floor_height_m"), self.floor_height_m);
        v.finite(&p.field("base_elevation_m"), self.base_elevation_m);
    }
    fn build_model(&self, _: &SiteScene, model_from_site: &DAffine3) -> Node {
        generator::structure(self, model_from_site)
    }
}

impl SceneObject for DistributionBox {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::DistributionBox
    }
    fn label_at_m(&self) -> DVec3 {
        let p = self.position_m;
        DVec3::new(p.x, p.y + 2.0, p.z)
    }
    fn params(&self) -> Vec<Param> {
        let mut p = vec![
            term("param.box_level", format!("box.{:?}", self.level)),
            num("param.rcd_rated", self.rcd_rated_ma, "mA"),
            num("param.rcd_trip_time", self.rcd_trip_time_s, "s"),
        ];
        if let Some(f) = &self.feeds_from {
            p.push(text("param.feeds_from", f));
        }
        if let Some(s) = &self.serves {
            p.push(text("param.serves", s));
        }
        p
    }
    fn check(&self, v: &mut Validator<'_>, p: &FieldPath, cx: &CheckContext<'_>) {
        v.point(&p.field("position_m"), &self.position_m.to_array());
        v.positive(&p.field("rcd_rated_ma"), self.rcd_rated_ma);
        v.positive(&p.field("rcd_trip_time_s"), self.rcd_trip_time_s);
        let expected_parent = match self.level {
            BoxLevel::Main => None,
            BoxLevel::Sub => Some(BoxLevel::Main),
            BoxLevel::Switch => Some(BoxLevel::Sub),
        };
        // The last box of that id, as a map by id would hold (a duplicate id is its own error).
        let level_of = |id: &str| cx.scene.distribution_boxes.iter().rev().find(|b| b.id == id).map(|b| b.level);
        let fp = p.field("feeds_from");
        match (&self.feeds_from, expected_parent) {
            (Some(_), None) => v.error(&fp, "a main box is fed by the supply, not by another box"),
            (None, Some(want)) => {
                v.error(&fp, format!("a {:?} box must name the {want:?} box that feeds it", self.level))
            }
            (Some(f), Some(want)) => match level_of(f) {
                None => v.error(&fp, format!("no distribution box with id `{f}`")),
                Some(l) if l != want => v.error(
                    &fp,
                    format!(
                        "`{f}` is a {l:?} box; a {:?} box is fed from a {want:?} box (three-level distribution)",
                        self.level
                    ),
                ),
                Some(_) => {}
            },
            (None, None) => {}
        }
        if let Some(sv) = &self.serves
            && !cx.ids.contains_key(sv)
        {
            v.error(&p.field("serves"), format!("no object with id `{sv}`"));
        }
    }
    fn build_model(&self, _: &SiteScene, _: &DAffine3) -> Node {
        generator::distribution_box(self)
    }
    fn stands_at_m(&self) -> Option<DVec3> {
        Some(self.position_m)
    }
}

impl SceneObject for Gate {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::Gate
    }
    fn label_at_m(&self) -> DVec3 {
        let p = self.position_m;
        DVec3::new(p.x, p.y + 5.0, p.z)
    }
    fn params(&self) -> Vec<Param> {
        vec![num("param.width", self.width_m, "m")]
    }
    fn check(&self, v: &mut Validator<'_>, p: &FieldPath, _: &CheckContext<'_>) {
        v.point(&p.field("position_m"), &self.position_m.to_array());
        v.positive(&p.field("width_m"), self.width_m);
        v.finite(&p.field("yaw_deg"), self.yaw_deg);
    }
    fn build_model(&self, _: &SiteScene, _: &DAffine3) -> Node {
        generator::gate(self)
    }
}

impl SceneObject for Facility {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::Facility(self.kind)
    }
    fn label_at_m(&self) -> DVec3 {
        let p = self.position_m;
        DVec3::new(p.x, p.y + self.height_m.unwrap_or(3.0) + 1.0, p.z)
    }
    fn params(&self) -> Vec<Param> {
        let mut p = vec![num("param.area", self.size_m[0] * self.size_m[1], "m²")];
        if let Some(h) = self.height_m {
            p.push(num("param.height", h, "m"));
        }
        p
    }
    fn check(&self, v: &mut Validator<'_>, p: &FieldPath, _: &CheckContext<'_>) {
        v.point(&p.field("position_m"), &self.position_m.to_array());
        v.positive(&p.field("size_m").index(0), self.size_m[0]);
        v.positive(&p.field("size_m").index(1), self.size_m[1]);
        if let Some(h) = self.height_m {
            v.positive(&p.field("height_m"), h);
        }
        v.finite(&p.field("yaw_deg"), self.yaw_deg);
    }
    fn build_model(&self, _: &SiteScene, _: &DAffine3) -> Node {
        generator::facility(self)
    }
    fn stands_at_m(&self) -> Option<DVec3> {
        Some(self.position_m)
    }
}

impl SceneObject for Walkway {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::Walkway
    }
    fn label_at_m(&self) -> DVec3 {
        let mid = self.points_m.get(self.points_m.len() / 2).copied().unwrap_or(DVec2::ZERO);
        geom::at_height(mid, 1.0)
    }
    fn params(&self) -> Vec<Param> {
        vec![num("param.length", geom::perimeter(&self.points_m, false), "m"), num("param.width", self.width_m, "m")]
    }
    fn check(&self, v: &mut Validator<'_>, p: &FieldPath, _: &CheckContext<'_>) {
        v.polyline(&p.field("points_m"), &self.points_m);
        v.positive(&p.field("width_m"), self.width_m);
    }
    fn build_model(&self, _: &SiteScene, model_from_site: &DAffine3) -> Node {
        generator::walkway(self, model_from_site)
    }
}

/// How far a discharge platform's deck may sit from the slab it hangs from, metres: its main
/// beams rest on the slab and the deck on them (a modelling tolerance, not a standard's figure).
pub const DISCHARGE_DECK_TOLERANCE_M: f64 = 0.5;

/// How far a discharge platform's inner edge may be from its structure's face, metres (a
/// modelling tolerance).
pub const PLATFORM_FACE_TOLERANCE_M: f64 = 1.0;

impl SceneObject for LiftingOperation {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::LiftingOperation
    }
    fn label_at_m(&self) -> DVec3 {
        self.set_down_m + DVec3::Y * 3.0
    }
    fn params(&self) -> Vec<Param> {
        let travel = geom::dist(geom::plan(self.pick_up_m), geom::plan(self.set_down_m));
        let mut p = vec![
            num("param.single_lift", self.single_lift_kn, "kN"),
            text("param.method", &self.method),
            num("param.set_down_elevation", self.set_down_m.y, "m"),
            num("param.travel", travel, "m"),
            text("param.planned_date", &self.planned_date.format("%Y-%m-%d").to_string()),
        ];
        if let Some(c) = &self.crane {
            p.push(text("param.crane", c));
        }
        p
    }
    fn check(&self, v: &mut Validator<'_>, p: &FieldPath, cx: &CheckContext<'_>) {
        let pick = v.point(&p.field("pick_up_m"), &self.pick_up_m.to_array());
        let set = v.point(&p.field("set_down_m"), &self.set_down_m.to_array());
        v.positive(&p.field("single_lift_kn"), self.single_lift_kn);
        v.text(&p.field("method"), &self.method, "the method");
        let Some(id) = &self.crane else { return };
        let Some(crane) = cx.scene.cranes.iter().rev().find(|c| &c.id == id) else {
            v.error(&p.field("crane"), format!("no tower crane with id `{id}`"));
            return;
        };
        // Both ends must be under the jib of the crane that makes the lift.
        let jib = crane.jib_length_m;
        for (field, at, ok) in [("pick_up_m", self.pick_up_m, pick), ("set_down_m", self.set_down_m, set)] {
            let r = geom::dist(geom::plan(at), geom::plan(crane.position_m));
            if ok && jib.is_finite() && r > jib {
                v.warn(&p.field(field), format!("is {r:.1} m from the mast of `{id}`, beyond its {jib} m jib"));
            }
        }
    }
    fn build_model(&self, _: &SiteScene, model_from_site: &DAffine3) -> Node {
        generator::lift(self, model_from_site)
    }
    fn stands_at_m(&self) -> Option<DVec3> {
        Some(self.pick_up_m)
    }
    fn stands_at_field(&self) -> &'static str {
        "pick_up_m"
    }
    /// Both ends of the lift, and room around them.
    fn view_sphere_m(&self) -> Option<(DVec3, f64)> {
        let centre = (self.pick_up_m + self.set_down_m) * 0.5;
        Some((centre, (self.pick_up_m.distance(self.set_down_m) * 0.5).max(10.0)))
    }
}

impl SceneObject for ToolFormwork {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::ToolFormwork
    }
    fn label_at_m(&self) -> DVec3 {
        centroid_at(&self.outline_m, self.base_elevation_m + self.height_m + 1.0)
    }
    fn params(&self) -> Vec<Param> {
        let kind = match self.kind {
            ToolFormworkKind::Sliding => "toolform.Sliding",
            ToolFormworkKind::Climbing => "toolform.Climbing",
            ToolFormworkKind::Flying => "toolform.Flying",
            ToolFormworkKind::Tunnel => "toolform.Tunnel",
        };
        vec![
            term("param.tool_formwork_kind", kind.to_string()),
            num("param.height", self.height_m, "m"),
            num("param.base_elevation", self.base_elevation_m, "m"),
            num("param.area", geom::polygon_area(&self.outline_m).abs(), "m²"),
            text("param.structure", &self.structure),
        ]
    }
    fn check(&self, v: &mut Validator<'_>, p: &FieldPath, cx: &CheckContext<'_>) {
        v.polygon(&p.field("outline_m"), &self.outline_m);
        v.finite(&p.field("base_elevation_m"), self.base_elevation_m);
        v.positive(&p.field("height_m"), self.height_m);
        let Some(s) = structure_named(v, &p.field("structure"), &self.structure, cx) else { return };
        within_footprint(v, &p.field("outline_m"), &self.outline_m, s);
        // It works at the top of what is cast: on the walls it climbs, or on the slab it forms
        // the next one from.
        let (base, top, cast) = (self.base_elevation_m, self.base_elevation_m + self.height_m, s.cast_top_m());
        if base.is_finite() && top.is_finite() && cast.is_finite() && !(base <= cast && cast <= top) {
            v.warn(
                &p.field("base_elevation_m"),
                format!(
                    "spans {base} to {top} m, but `{}` is cast to {cast} m: it works at the top of the cast structure",
                    s.id
                ),
            );
        }
    }
    fn build_model(&self, _: &SiteScene, model_from_site: &DAffine3) -> Node {
        generator::tool_formwork(self, model_from_site)
    }
}

impl SceneObject for FullHallSupport {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::FullHallSupport
    }
    fn label_at_m(&self) -> DVec3 {
        centroid_at(&self.outline_m, self.base_elevation_m + self.support_height_m + 1.0)
    }
    fn params(&self) -> Vec<Param> {
        let mut p = vec![
            num("param.max_point_load", self.max_point_load_kn, "kN"),
            num("param.support_height", self.support_height_m, "m"),
            num("param.base_elevation", self.base_elevation_m, "m"),
            num("param.area", geom::polygon_area(&self.outline_m).abs(), "m²"),
            num("param.post_spacing", self.post_spacing_m, "m"),
            term("param.system", format!("system.{:?}", self.system)),
        ];
        if let Some(s) = &self.structure {
            p.push(text("param.structure", s));
        }
        p
    }
    fn check(&self, v: &mut Validator<'_>, p: &FieldPath, cx: &CheckContext<'_>) {
        v.polygon(&p.field("outline_m"), &self.outline_m);
        v.finite(&p.field("base_elevation_m"), self.base_elevation_m);
        v.positive(&p.field("support_height_m"), self.support_height_m);
        v.positive(&p.field("max_point_load_kn"), self.max_point_load_kn);
        v.positive(&p.field("post_spacing_m"), self.post_spacing_m);
        if let Some(r) = &self.structure
            && let Some(s) = structure_named(v, &p.field("structure"), r, cx)
        {
            within_footprint(v, &p.field("outline_m"), &self.outline_m, s);
        }
    }
    fn build_model(&self, _: &SiteScene, model_from_site: &DAffine3) -> Node {
        generator::full_hall_support(self, model_from_site)
    }
}

impl SceneObject for Platform {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::Platform
    }
    fn label_at_m(&self) -> DVec3 {
        self.position_m + DVec3::Y * 2.5
    }
    fn params(&self) -> Vec<Param> {
        let kind = match self.kind {
            PlatformKind::Discharge => "platform.Discharge",
            PlatformKind::Operating => "platform.Operating",
        };
        vec![
            term("param.platform_kind", kind.to_string()),
            num("param.load_limit", self.rated_load_kg, "kg"),
            num("param.width", self.size_m[0], "m"),
            num("param.length", self.size_m[1], "m"),
            num("param.deck_elevation", self.position_m.y, "m"),
            text("param.structure", &self.structure),
            count("param.floor", u64::from(self.floor)),
        ]
    }
    fn check(&self, v: &mut Validator<'_>, p: &FieldPath, cx: &CheckContext<'_>) {
        let placed = v.point(&p.field("position_m"), &self.position_m.to_array());
        v.finite(&p.field("yaw_deg"), self.yaw_deg);
        v.positive(&p.field("size_m").index(0), self.size_m[0]);
        v.positive(&p.field("size_m").index(1), self.size_m[1]);
        v.positive(&p.field("rated_load_kg"), self.rated_load_kg);
        let Some(s) = structure_named(v, &p.field("structure"), &self.structure, cx) else { return };
        // Storey N stands on the slab cast over storey N − 1. A discharge platform is tied back to
        // the slab above its own, so that one must be cast too.
        let (highest, why) = match self.kind {
            PlatformKind::Discharge => (s.floors_built, "its ropes tie back to the slab above, which must be cast"),
            PlatformKind::Operating => (s.floors_built + 1, "the slab it stands on must be cast"),
        };
        if self.floor == 0 || self.floor > highest {
            let can = if highest == 0 {
                "none of its floors can carry it yet".into()
            } else {
                format!("floors 1 to {highest} can carry it")
            };
            v.error(
                &p.field("floor"),
                format!(
                    "floor {}: `{}` has {} of {} storeys cast, so {can} ({why}; 1 is the ground floor)",
                    self.floor, s.id, s.floors_built, s.floors_total
                ),
            );
            return;
        }
        let (slab, y) = (s.slab_elevation_m(self.floor), self.position_m.y);
        if !(placed && slab.is_finite()) {
            return;
        }
        let deck = p.field("position_m").index(1);
        match self.kind {
            PlatformKind::Discharge if (y - slab).abs() > DISCHARGE_DECK_TOLERANCE_M => {
                let (floor, tol) = (self.floor, DISCHARGE_DECK_TOLERANCE_M);
                let hangs = format!("the slab of floor {floor} of `{}` ({slab} m) that it hangs from", s.id);
                v.error(&deck, format!("the deck at {y} m is not at {hangs} (within {tol} m)"))
            }
            PlatformKind::Operating if y < slab => {
                let stands = format!("the slab of floor {} of `{}` ({slab} m) that it stands on", self.floor, s.id);
                v.error(&deck, format!("the deck at {y} m is below {stands}"))
            }
            _ => {}
        }
        let fp = &s.footprint_m;
        if self.kind == PlatformKind::Discharge
            && fp.len() >= 3
            && fp.iter().all(|q| q.is_finite())
            && self.size_m.iter().all(|x| x.is_finite())
        {
            let centre = geom::plan(self.position_m);
            let gap = geom::distance_to_ring(self.inner_edge_mid_m(), fp);
            if geom::point_in_polygon(centre, fp) {
                v.warn(
                    &p.field("position_m"),
                    format!(
                        "the deck's centre is inside `{}`: a discharge platform projects out of the building",
                        s.id
                    ),
                );
            } else if gap > PLATFORM_FACE_TOLERANCE_M {
                let tol = PLATFORM_FACE_TOLERANCE_M;
                v.warn(
                    &p.field("position_m"),
                    format!("the deck's inner edge is {gap:.2} m from the face of `{}` (more than {tol} m)", s.id),
                );
            }
        }
    }
    fn build_model(&self, scene: &SiteScene, model_from_site: &DAffine3) -> Node {
        let structure = scene.structures.iter().rev().find(|t| t.id == self.structure);
        generator::platform(self, model_from_site, structure)
    }
    fn stands_at_m(&self) -> Option<DVec3> {
        Some(self.position_m)
    }
}

#[cfg(test)]
#[path = "kinds_tests.rs"]
mod kinds_tests;

#[cfg(test)]
#[path = "notice31_tests.rs"]
mod notice31_tests;
