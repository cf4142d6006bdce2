//! The site scene file schema (`scenes/*.ron`, version 1): the site, its glTF models with their
//! transforms, and the semantic objects and sensors the rules reason about.
//!
//! Frames and units: the site frame has x east, y up, z south (so grid north is −z), in metres,
//! with the origin at the geodetic point in `site.origin`. Points are glam `DVec3` (written
//! `(x, y, z)`); plan points `(x, z)` are in the same frame, held as `DVec2 { x, y: z }`. Angles
//! are degrees; `yaw_deg` turns counter-clockwise seen from above (about +y).

use chrono::NaiveDate;
use glam::{DAffine3, DMat3, DVec2, DVec3};
use serde::{Deserialize, Serialize};

use crate::model::Aabb;

/// The scene file version this build reads and writes.
pub const SCENE_VERSION: u32 = 1;

/// A whole site scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SiteScene {
    /// File format version; must be [`SCENE_VERSION`].
    pub version: u32,
    /// Who, where and how the site frame sits on the earth.
    pub site: SiteInfo,
    /// glTF model instances with their transforms.
    pub models: Vec<ModelInstance>,
    /// The hoarding line, which also owns the site ground.
    pub boundary: Option<Boundary>,
    /// Tower cranes.
    pub cranes: Vec<TowerCrane>,
    /// Construction hoists.
    pub hoists: Vec<Hoist>,
    /// Lifts by non-standard equipment or method (非常规起重吊装).
    pub lifts: Vec<LiftingOperation>,
    /// Foundation pits.
    pub pits: Vec<FoundationPit>,
    /// High-formwork (formwork support) zones.
    pub formwork: Vec<FormworkZone>,
    /// Tool-type formwork: slipform, climbing, flying and tunnel forms (工具式模板).
    pub tool_formwork: Vec<ToolFormwork>,
    /// Full-hall load-bearing supports, e.g. under steel being erected (满堂承重支撑体系).
    pub full_hall_supports: Vec<FullHallSupport>,
    /// Scaffolds.
    pub scaffolds: Vec<Scaffold>,
    /// Discharge and operating platforms (卸料平台、操作平台).
    pub platforms: Vec<Platform>,
    /// Buildings under construction.
    pub structures: Vec<Structure>,
    /// Temporary-electricity distribution boxes (main, sub, switch).
    pub distribution_boxes: Vec<DistributionBox>,
    /// Gates in the hoarding.
    pub gates: Vec<Gate>,
    /// Site office, dormitory, wheel wash, monitor mast, material yard and other facilities.
    pub facilities: Vec<Facility>,
    /// Walkways (safety passages).
    pub walkways: Vec<Walkway>,
    /// Sensors and monitoring points.
    pub sensors: Vec<Sensor>,
}

/// Identity and location of the site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SiteInfo {
    /// The bureau's project id (e.g. the construction permit number).
    pub id: String,
    /// Project name.
    pub name: String,
    /// City (e.g. 南通市).
    pub city: String,
    /// District or county.
    pub district: String,
    /// Street address.
    pub address: String,
    /// Geodetic position of the site-frame origin.
    pub origin: GeoOrigin,
    /// Bearing of grid north (−z) from true north, degrees clockwise.
    #[serde(default)]
    pub north_deg: f64,
    /// Contractor, for the info panel.
    #[serde(default)]
    pub contractor: Option<String>,
    /// Supervising company (监理), for the info panel.
    #[serde(default)]
    pub supervisor: Option<String>,
}

/// A WGS-84 point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct GeoOrigin {
    /// Latitude, degrees north.
    pub lat_deg: f64,
    /// Longitude, degrees east.
    pub lon_deg: f64,
    /// Height of the site-frame origin above sea level, metres.
    #[serde(default)]
    pub elevation_m: f64,
}

/// One placed glTF model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelInstance {
    /// Unique model id, referenced by objects' `model` fields.
    pub id: String,
    /// The `.glb`/`.gltf` file, relative to the scene file's folder.
    pub file: String,
    /// Where the model's origin sits in the site frame, metres.
    #[serde(default, with = "crate::serde_glam::dvec3")]
    pub position_m: DVec3,
    /// Rotation about +y, degrees counter-clockwise from above.
    #[serde(default)]
    pub yaw_deg: f64,
    /// Uniform scale.
    #[serde(default = "one")]
    pub scale: f64,
    /// True when `sitetwin-modelgen` writes this file from the scene (do not edit it by hand).
    #[serde(default)]
    pub generated: bool,
}

impl ModelInstance {
    /// Where the model stands in the site: site-frame point = `site_from_model` × model point.
    /// Uniform `scale`, then `yaw_deg` about +y (counter-clockwise seen from above), then
    /// `position_m`. The one definition of the placement: the generator (its inverse), an
    /// object's bounds and the twin's `Transform` all come from it.
    pub fn site_from_model(&self) -> DAffine3 {
        let rotation = DMat3::from_rotation_y(self.yaw_deg.to_radians());
        DAffine3::from_mat3_translation(rotation * self.scale, self.position_m)
    }

    /// Site-frame bounds `(min, max)`, metres, of the model's own bounds (the importer's
    /// `bounds_m`, model frame): its eight corners placed by [`Self::site_from_model`].
    pub fn site_bounds_m(&self, model: &Aabb) -> (DVec3, DVec3) {
        let t = self.site_from_model();
        let (lo, hi) = (DVec3::from_array(model.min.map(f64::from)), DVec3::from_array(model.max.map(f64::from)));
        let mut min = DVec3::splat(f64::INFINITY);
        let mut max = DVec3::splat(f64::NEG_INFINITY);
        for k in 0..8 {
            let corner = DVec3::select(glam::BVec3::new(k & 1 == 0, k & 2 == 0, k & 4 == 0), lo, hi);
            let p = t.transform_point3(corner);
            min = min.min(p);
            max = max.max(p);
        }
        (min, max)
    }
}

fn one() -> f64 {
    1.0
}

/// The site boundary (hoarding line). Its model holds the site ground and the hoarding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Boundary {
    /// Closed polygon in plan, `[x, z]` metres.
    #[serde(with = "crate::serde_glam::dvec2_list")]
    pub polygon_m: Vec<DVec2>,
    /// Height of the hoarding panels, metres.
    pub hoarding_height_m: f64,
    /// The model that draws ground and hoarding.
    #[serde(default)]
    pub model: Option<String>,
}

/// How a tower crane's rated load is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CraneRating {
    /// Rated load limited by a maximum load and a constant rated moment.
    MaxLoadMoment {
        /// Maximum rated load, tonnes.
        max_load_t: f64,
        /// Rated load moment, kN·m.
        rated_moment_kn_m: f64,
    },
    /// The manufacturer's load chart: rated load at increasing radii (interpolated linearly).
    LoadChart(Vec<LoadPoint>),
}

/// One point of a load chart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadPoint {
    /// Trolley radius from the slewing axis, metres.
    pub radius_m: f64,
    /// Rated load at that radius, tonnes.
    pub load_t: f64,
}

/// Node names inside a crane model that telemetry moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CraneNodes {
    /// Everything that slews (jib, counter-jib, cab).
    pub slewing: String,
    /// The trolley on the jib.
    pub trolley: String,
    /// The hook block.
    pub hook: String,
}

impl Default for CraneNodes {
    fn default() -> Self {
        Self { slewing: "slewing".into(), trolley: "trolley".into(), hook: "hook".into() }
    }
}

/// A tower crane (塔式起重机).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TowerCrane {
    /// Unique object id.
    pub id: String,
    /// Display name (e.g. 1#塔吊).
    pub name: String,
    /// Model id drawing it.
    #[serde(default)]
    pub model: Option<String>,
    /// Centre of the mast at the foundation top, site frame, metres.
    #[serde(with = "crate::serde_glam::dvec3")]
    pub position_m: DVec3,
    /// Height of the jib pivot above `position_m`, metres.
    pub mast_height_m: f64,
    /// Jib length from the slewing axis, metres.
    pub jib_length_m: f64,
    /// Counter-jib length from the slewing axis, metres.
    pub counter_jib_length_m: f64,
    /// Rated load.
    pub rating: CraneRating,
    /// Manufacturer's type code (e.g. QTZ80 / TC5610).
    #[serde(default)]
    pub type_code: Option<String>,
    /// The monitoring black box's device id.
    #[serde(default)]
    pub device_id: Option<String>,
    /// Whether an obstacle light (障碍指示灯) is fitted at the top: `Some(false)` none,
    /// `None` not known (the compliance check then asks for a look on site).
    #[serde(default)]
    pub obstacle_light: Option<bool>,
    /// Node names in the model.
    #[serde(default)]
    pub nodes: CraneNodes,
}

/// A construction hoist (施工升降机).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hoist {
    /// Unique object id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Model id drawing it.
    #[serde(default)]
    pub model: Option<String>,
    /// Centre of the mast base, site frame, metres.
    #[serde(with = "crate::serde_glam::dvec3")]
    pub position_m: DVec3,
    /// Mast height, metres.
    pub mast_height_m: f64,
    /// Rated load per cage, kg.
    pub rated_load_kg: f64,
    /// Number of cages (1 or 2).
    pub cages: u8,
    /// The monitoring black box's device id.
    #[serde(default)]
    pub device_id: Option<String>,
    /// Name of the cage node in the model.
    #[serde(default = "cage")]
    pub cage_node: String,
}

fn cage() -> String {
    "cage".into()
}

/// How a pit's sides are retained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PitSupport {
    /// Bored retaining piles (排桩).
    RetainingPiles {
        /// Pile diameter, metres.
        pile_diameter_m: f64,
        /// Centre-to-centre spacing, metres.
        pile_spacing_m: f64,
    },
    /// Diaphragm wall (地下连续墙).
    DiaphragmWall {
        /// Wall thickness, metres.
        thickness_m: f64,
    },
    /// Soil-nailed wall (土钉墙).
    SoilNailWall,
    /// Open cut with slopes (放坡), horizontal run per metre of depth.
    Slope {
        /// Run over rise, e.g. 1.0 for 1:1.
        run_per_rise: f64,
    },
    /// Steel sheet piles (钢板桩).
    SheetPiles,
    /// Cement-soil gravity wall (水泥土墙).
    CementSoilWall {
        /// Wall thickness, metres.
        thickness_m: f64,
    },
}

/// An internal strut across a pit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strut {
    /// Id unique within the pit (e.g. ZC1).
    pub id: String,
    /// One end in plan, metres.
    #[serde(with = "crate::serde_glam::dvec2")]
    pub from_m: DVec2,
    /// The other end in plan, metres.
    #[serde(with = "crate::serde_glam::dvec2")]
    pub to_m: DVec2,
    /// Depth of the strut axis below the pit top, metres.
    pub depth_m: f64,
    /// Design axial force, kN.
    pub design_force_kn: f64,
}

/// A foundation pit (基坑).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoundationPit {
    /// Unique object id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Model id drawing it.
    #[serde(default)]
    pub model: Option<String>,
    /// Top edge outline in plan, `[x, z]` metres, a simple polygon.
    #[serde(with = "crate::serde_glam::dvec2_list")]
    pub outline_m: Vec<DVec2>,
    /// Elevation of the pit top (ground), metres.
    #[serde(default)]
    pub top_elevation_m: f64,
    /// Excavation depth, metres.
    pub depth_m: f64,
    /// Retaining system.
    pub support: PitSupport,
    /// Safety grade of the pit works (1 = most demanding, 3 = least), per GB 50497.
    pub safety_grade: u8,
    /// Complex geology, surroundings or buried services nearby (makes a shallow pit a major hazard).
    #[serde(default)]
    pub complex_conditions: bool,
    /// Internal struts.
    #[serde(default)]
    pub struts: Vec<Strut>,
}

/// Formwork support system type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupportSystem {
    /// Steel tube and coupler (扣件式).
    FastenerTube,
    /// Disc-lock (盘扣式).
    DiscLock,
    /// Bowl-buckle (碗扣式).
    BowlBuckle,
    /// Portal frame (门式).
    Portal,
}

/// A high-formwork zone (高支模区).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormworkZone {
    /// Unique object id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Model id drawing it.
    #[serde(default)]
    pub model: Option<String>,
    /// Zone outline in plan, `[x, z]` metres.
    #[serde(with = "crate::serde_glam::dvec2_list")]
    pub outline_m: Vec<DVec2>,
    /// Elevation of the slab the support stands on, metres.
    pub base_elevation_m: f64,
    /// Support height (erection height), metres.
    pub support_height_m: f64,
    /// Largest span of the supported members, metres.
    pub max_span_m: f64,
    /// Total construction load per area, kN/m².
    pub area_load_kn_m2: f64,
    /// Largest line load, kN/m.
    pub line_load_kn_m: f64,
    /// Support system.
    pub system: SupportSystem,
    /// Post grid spacing, metres.
    #[serde(default = "post_spacing")]
    pub post_spacing_m: f64,
    /// The structure it belongs to.
    #[serde(default)]
    pub structure: Option<String>,
}

fn post_spacing() -> f64 {
    0.9
}

/// Tool-type formwork systems (工具式模板), the four Notice 31 names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToolFormworkKind {
    /// Slipform (滑模): forms the walls while climbing continuously on jacks.
    Sliding,
    /// Climbing formwork (爬模): climbs storey by storey on the walls it has cast.
    Climbing,
    /// Flying (table) formwork (飞模): slab tables moved whole by crane.
    Flying,
    /// Tunnel formwork (隧道模): walls and slab of a bay cast in one.
    Tunnel,
}

/// A tool-type formwork system on a structure (工具式模板).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolFormwork {
    /// Unique object id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Model id drawing it.
    #[serde(default)]
    pub model: Option<String>,
    /// Which system.
    pub kind: ToolFormworkKind,
    /// In plan, `[x, z]` metres: the outline of the walls it forms (slipform, climbing) or of the
    /// slab bay it forms (flying, tunnel).
    #[serde(with = "crate::serde_glam::dvec2_list")]
    pub outline_m: Vec<DVec2>,
    /// Elevation of its lowest part now (the bottom working platform, or the slab it stands on),
    /// metres.
    pub base_elevation_m: f64,
    /// Height of the whole system from `base_elevation_m` (all its working platforms), metres.
    pub height_m: f64,
    /// The structure it forms.
    pub structure: String,
}

/// A full-hall load-bearing support system (满堂承重支撑体系), e.g. under a roof truss while it
/// is erected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FullHallSupport {
    /// Unique object id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Model id drawing it.
    #[serde(default)]
    pub model: Option<String>,
    /// Outline in plan, `[x, z]` metres.
    #[serde(with = "crate::serde_glam::dvec2_list")]
    pub outline_m: Vec<DVec2>,
    /// Elevation of the floor or ground it stands on, metres.
    pub base_elevation_m: f64,
    /// Height from its base to the top of its head jacks, metres.
    pub support_height_m: f64,
    /// The largest single concentrated load it carries (from the special scheme), kN.
    pub max_point_load_kn: f64,
    /// Support system.
    pub system: SupportSystem,
    /// Post grid spacing, metres.
    pub post_spacing_m: f64,
    /// The structure whose members it carries.
    #[serde(default)]
    pub structure: Option<String>,
}

/// Scaffold type, with the parameters the major-hazard rules need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ScaffoldKind {
    /// Ground-based steel tube and coupler, double row (落地式扣件钢管脚手架).
    GroundFastener,
    /// Ground-based disc-lock.
    GroundDiscLock,
    /// Cantilevered (悬挑式).
    Cantilevered {
        /// Height of one cantilevered section, metres.
        section_height_m: f64,
    },
    /// Attached lifting scaffold (附着式升降脚手架).
    AttachedLifting {
        /// Total lift height, metres.
        lift_height_m: f64,
    },
    /// Suspended gondola (高处作业吊篮).
    Gondola,
}

/// A scaffold (脚手架).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scaffold {
    /// Unique object id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Model id drawing it.
    #[serde(default)]
    pub model: Option<String>,
    /// Type.
    pub kind: ScaffoldKind,
    /// Erection height, metres.
    pub height_m: f64,
    /// Elevation of its base, metres.
    #[serde(default)]
    pub base_elevation_m: f64,
    /// Path of its inner row in plan, `[x, z]` metres; closed if first and last are equal.
    #[serde(with = "crate::serde_glam::dvec2_list")]
    pub path_m: Vec<DVec2>,
    /// The structure it serves.
    #[serde(default)]
    pub structure: Option<String>,
}

/// Which of the two platform kinds of Notice 31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlatformKind {
    /// Discharge (unloading) platform (卸料平台): cantilevered from a floor slab, tied back to the
    /// slab above.
    Discharge,
    /// Operating platform (操作平台): a deck on its own frame, standing on a floor.
    Operating,
}

/// A discharge or operating platform on a structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    /// Unique object id.
    pub id: String,
    /// Display name (e.g. 1#卸料平台).
    pub name: String,
    /// Model id drawing it.
    #[serde(default)]
    pub model: Option<String>,
    /// Which kind.
    pub kind: PlatformKind,
    /// Centre of the deck's top surface, site frame, metres.
    #[serde(with = "crate::serde_glam::dvec3")]
    pub position_m: DVec3,
    /// Orientation: the deck's local x runs along the building face, local +z points away from
    /// the building (where a discharge platform projects to).
    #[serde(default)]
    pub yaw_deg: f64,
    /// Deck size: width along its local x, length along its local z, metres.
    pub size_m: [f64; 2],
    /// The load limit posted on it (限载), kg.
    pub rated_load_kg: f64,
    /// The structure it hangs from or stands in.
    pub structure: String,
    /// The storey whose floor slab it hangs from or stands on; 1 is the ground floor.
    pub floor: u32,
}

impl Platform {
    /// The deck's local x (along the building face) and z (away from the building) in plan,
    /// unit vectors `(x, z)`: `yaw_deg` turns them as it turns a model instance.
    pub fn plan_axes(&self) -> (DVec2, DVec2) {
        let r = DMat3::from_rotation_y(self.yaw_deg.to_radians());
        let (x, z) = (r * DVec3::X, r * DVec3::Z);
        (DVec2::new(x.x, x.z), DVec2::new(z.x, z.z))
    }

    /// The middle of the deck's edge on the building side (its local −z edge), in plan, metres.
    pub fn inner_edge_mid_m(&self) -> DVec2 {
        let (_, z) = self.plan_axes();
        DVec2::new(self.position_m.x, self.position_m.z) - z * (self.size_m[1] / 2.0)
    }
}

/// A lift by non-standard equipment or method (非常规起重吊装): tandem lifts, jacking, gin poles,
/// or a single piece beyond what the site's machines lift in ordinary use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiftingOperation {
    /// Unique object id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Model id drawing it.
    #[serde(default)]
    pub model: Option<String>,
    /// Where the piece is picked up (its centre at rest), site frame, metres.
    #[serde(with = "crate::serde_glam::dvec3")]
    pub pick_up_m: DVec3,
    /// Where it is set down (its centre in place), site frame, metres.
    #[serde(with = "crate::serde_glam::dvec3")]
    pub set_down_m: DVec3,
    /// Weight of the heaviest single lift, rigging included, kN.
    pub single_lift_kn: f64,
    /// The method and equipment in words, as the special scheme names them.
    pub method: String,
    /// The site's tower crane that makes the lift, if one does (mobile cranes are not scene
    /// objects: name them in `method`).
    #[serde(default)]
    pub crane: Option<String>,
    /// The day it is planned for, written `"YYYY-MM-DD"`.
    #[serde(with = "iso_date")]
    pub planned_date: NaiveDate,
}

/// A calendar date as the string `"YYYY-MM-DD"`, with an error that says so.
mod iso_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer, de};

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&d.format("%Y-%m-%d"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(d)?;
        NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
            de::Error::custom(format!("expected a calendar date written \"YYYY-MM-DD\", found \"{text}\""))
        })
    }
}

/// A building under construction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Structure {
    /// Unique object id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Model id drawing it.
    #[serde(default)]
    pub model: Option<String>,
    /// Footprint in plan, `[x, z]` metres.
    #[serde(with = "crate::serde_glam::dvec2_list")]
    pub footprint_m: Vec<DVec2>,
    /// Storeys when finished.
    pub floors_total: u32,
    /// Storeys whose structure is cast.
    pub floors_built: u32,
    /// Storey height, metres.
    pub floor_height_m: f64,
    /// Elevation of the ground floor, metres.
    #[serde(default)]
    pub base_elevation_m: f64,
}

impl Structure {
    /// Elevation of the floor slab of storey `floor` (1 is the ground floor, so storey 1 stands
    /// on `base_elevation_m`), metres.
    pub fn slab_elevation_m(&self, floor: u32) -> f64 {
        self.base_elevation_m + f64::from(floor.saturating_sub(1)) * self.floor_height_m
    }

    /// Elevation of the top of the cast structure (the slab over the last storey cast), metres.
    pub fn cast_top_m(&self) -> f64 {
        self.base_elevation_m + self.floors_built as f64 * self.floor_height_m
    }
}

/// Distribution level in the three-level system (三级配电).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BoxLevel {
    /// Main distribution box (总配电箱).
    Main,
    /// Sub-distribution box (分配电箱).
    Sub,
    /// Switch box (开关箱), one per machine.
    Switch,
}

/// A temporary-electricity distribution box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionBox {
    /// Unique object id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Model id drawing it.
    #[serde(default)]
    pub model: Option<String>,
    /// Position, site frame, metres.
    #[serde(with = "crate::serde_glam::dvec3")]
    pub position_m: DVec3,
    /// Level in the distribution tree.
    pub level: BoxLevel,
    /// The box that feeds it (none for the main box).
    #[serde(default)]
    pub feeds_from: Option<String>,
    /// Rated residual operating current of its RCD, mA.
    pub rcd_rated_ma: f64,
    /// Rated break time of its RCD, seconds.
    pub rcd_trip_time_s: f64,
    /// The object (crane, hoist) a switch box serves.
    #[serde(default)]
    pub serves: Option<String>,
    /// Installed in a damp or corrosive place.
    #[serde(default)]
    pub damp: bool,
}

/// A gate in the hoarding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// Unique object id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Model id drawing it.
    #[serde(default)]
    pub model: Option<String>,
    /// Centre of the opening, site frame, metres.
    #[serde(with = "crate::serde_glam::dvec3")]
    pub position_m: DVec3,
    /// Clear width, metres.
    pub width_m: f64,
    /// Orientation: the gate's local x runs along the hoarding.
    #[serde(default)]
    pub yaw_deg: f64,
}

/// Kinds of site facility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum FacilityKind {
    /// Site office (项目部办公室).
    SiteOffice,
    /// Workers' dormitory (宿舍).
    Dormitory,
    /// Canteen.
    Canteen,
    /// Wheel-wash station at a gate (洗车台).
    WheelWash,
    /// Material yard (材料堆场).
    MaterialYard,
    /// Dust and noise monitor mast (扬尘噪声监测站).
    DustMonitorMast,
    /// Transformer.
    Transformer,
    /// Toilet block.
    Toilet,
}

/// A site facility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facility {
    /// Unique object id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What it is.
    pub kind: FacilityKind,
    /// Model id drawing it.
    #[serde(default)]
    pub model: Option<String>,
    /// Centre of its footprint, site frame, metres.
    #[serde(with = "crate::serde_glam::dvec3")]
    pub position_m: DVec3,
    /// Footprint size along its local x and z, metres.
    pub size_m: [f64; 2],
    /// Height, metres.
    #[serde(default)]
    pub height_m: Option<f64>,
    /// Orientation.
    #[serde(default)]
    pub yaw_deg: f64,
}

/// A walkway (safety passage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Walkway {
    /// Unique object id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Model id drawing it.
    #[serde(default)]
    pub model: Option<String>,
    /// Centre line in plan, `[x, z]` metres.
    #[serde(with = "crate::serde_glam::dvec2_list")]
    pub points_m: Vec<DVec2>,
    /// Width, metres.
    pub width_m: f64,
}

/// What a sensor measures. Units are checked against [`SensorKind::units`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SensorKind {
    /// Tower crane load, % of the rated load at the current radius.
    CraneLoad,
    /// Tower crane load moment, % of rated.
    CraneMoment,
    /// Wind speed (anemometer), m/s.
    WindSpeed,
    /// Wind direction, degrees from north.
    WindDirection,
    /// Crane slew angle, degrees.
    SlewAngle,
    /// Trolley radius, metres.
    TrolleyRadius,
    /// Hook height, metres.
    HookHeight,
    /// Crane tilt, degrees.
    CraneTilt,
    /// Distance to the nearest part of a neighbouring crane, metres.
    CraneClearance,
    /// Hoist cage load, % of rated.
    HoistLoad,
    /// Hoist door interlock, 1 = closed and locked.
    HoistDoor,
    /// Hoist limit switches, 1 = a limit is tripped.
    HoistLimit,
    /// Hoist cage height: the cage floor above the ground landing, metres.
    HoistHeight,
    /// Pit wall horizontal displacement (cumulative), mm.
    PitHorizontalDisplacement,
    /// Pit wall or ground vertical displacement (cumulative), mm.
    PitVerticalDisplacement,
    /// Deep horizontal displacement (inclinometer), mm.
    PitDeepDisplacement,
    /// Strut axial force, % of design or kN.
    StrutForce,
    /// Groundwater level change, mm (or level in m).
    GroundwaterLevel,
    /// Formwork support settlement, mm.
    FormworkSettlement,
    /// Formwork post tilt, degrees.
    FormworkTilt,
    /// Formwork post axial force, kN.
    PostAxialForce,
    /// Formwork support horizontal displacement, mm.
    FormworkHorizontalDisplacement,
    /// PM2.5, µg/m³.
    Pm25,
    /// PM10, µg/m³.
    Pm10,
    /// Total suspended particulates, µg/m³.
    Tsp,
    /// A-weighted sound level, dB(A).
    Noise,
    /// Residual (leakage) current, mA.
    LeakageCurrent,
    /// RCD trip time from the last test, seconds.
    RcdTripTime,
    /// Cabinet temperature, °C.
    CabinetTemperature,
    /// Load current through a distribution box, A (power draw; a stopped site draws none).
    LoadCurrent,
    /// People entering at a gate (real-name system), a count per report interval.
    PersonnelIn,
    /// People leaving at a gate, a count per report interval.
    PersonnelOut,
    /// People on site now (real-name system), a count.
    PersonnelOnSite,
    /// Edge or opening protection switch (a guard rail, an opening cover), 1 = in place.
    EdgeProtection,
    /// Dust-suppression spraying (fence spray, fog cannon, wheel-wash spray), 1 = spraying.
    SprayState,
}

impl SensorKind {
    /// Every kind, in declaration order.
    pub const ALL: [SensorKind; 35] = [
        SensorKind::CraneLoad,
        SensorKind::CraneMoment,
        SensorKind::WindSpeed,
        SensorKind::WindDirection,
        SensorKind::SlewAngle,
        SensorKind::TrolleyRadius,
        SensorKind::HookHeight,
        SensorKind::CraneTilt,
        SensorKind::CraneClearance,
        SensorKind::HoistLoad,
        SensorKind::HoistDoor,
        SensorKind::HoistLimit,
        SensorKind::HoistHeight,
        SensorKind::PitHorizontalDisplacement,
        SensorKind::PitVerticalDisplacement,
        SensorKind::PitDeepDisplacement,
        SensorKind::StrutForce,
        SensorKind::GroundwaterLevel,
        SensorKind::FormworkSettlement,
        SensorKind::FormworkTilt,
        SensorKind::PostAxialForce,
        SensorKind::FormworkHorizontalDisplacement,
        SensorKind::Pm25,
        SensorKind::Pm10,
        SensorKind::Tsp,
        SensorKind::Noise,
        SensorKind::LeakageCurrent,
        SensorKind::RcdTripTime,
        SensorKind::CabinetTemperature,
        SensorKind::LoadCurrent,
        SensorKind::PersonnelIn,
        SensorKind::PersonnelOut,
        SensorKind::PersonnelOnSite,
        SensorKind::EdgeProtection,
        SensorKind::SprayState,
    ];

    /// Units a scene may give for this kind; the first is the canonical one.
    pub fn units(self) -> &'static [&'static str] {
        use SensorKind::*;
        match self {
            CraneLoad | CraneMoment | HoistLoad => &["%"],
            WindSpeed => &["m/s"],
            WindDirection | SlewAngle | CraneTilt | FormworkTilt => &["deg"],
            TrolleyRadius | HookHeight | CraneClearance | HoistHeight => &["m"],
            HoistDoor | HoistLimit | EdgeProtection | SprayState => &["state"],
            PersonnelIn | PersonnelOut | PersonnelOnSite => &["people"],
            PitHorizontalDisplacement
            | PitVerticalDisplacement
            | PitDeepDisplacement
            | FormworkSettlement
            | FormworkHorizontalDisplacement => &["mm"],
            StrutForce => &["%", "kN"],
            GroundwaterLevel => &["mm", "m"],
            PostAxialForce => &["kN"],
            Pm25 | Pm10 | Tsp => &["ug/m3", "µg/m³", "mg/m3"],
            Noise => &["dB(A)"],
            LeakageCurrent => &["mA"],
            RcdTripTime => &["s"],
            CabinetTemperature => &["degC", "°C"],
            LoadCurrent => &["A"],
        }
    }

    /// A count of people (whole numbers, never negative).
    pub fn is_count(self) -> bool {
        matches!(self, SensorKind::PersonnelIn | SensorKind::PersonnelOut | SensorKind::PersonnelOnSite)
    }

    /// The monitoring group it belongs to (for colours, legends and filters).
    pub fn group(self) -> SensorGroup {
        use SensorKind::*;
        match self {
            CraneLoad | CraneMoment | SlewAngle | TrolleyRadius | HookHeight | CraneTilt | CraneClearance => {
                SensorGroup::Crane
            }
            HoistLoad | HoistDoor | HoistLimit | HoistHeight => SensorGroup::Hoist,
            PitHorizontalDisplacement
            | PitVerticalDisplacement
            | PitDeepDisplacement
            | StrutForce
            | GroundwaterLevel => SensorGroup::Pit,
            FormworkSettlement | FormworkTilt | PostAxialForce | FormworkHorizontalDisplacement => {
                SensorGroup::Formwork
            }
            WindSpeed | WindDirection | Pm25 | Pm10 | Tsp | Noise | SprayState => SensorGroup::Environment,
            LeakageCurrent | RcdTripTime | CabinetTemperature | LoadCurrent => SensorGroup::Electricity,
            PersonnelIn | PersonnelOut | PersonnelOnSite => SensorGroup::Personnel,
            EdgeProtection => SensorGroup::HeightWork,
        }
    }

    /// The object kinds this sensor may be anchored to (empty = any).
    pub fn anchors(self) -> &'static [ObjectKind] {
        use ObjectKind as O;
        use SensorKind::*;
        match self {
            CraneLoad | CraneMoment | SlewAngle | TrolleyRadius | HookHeight | CraneTilt | CraneClearance => {
                &[O::TowerCrane]
            }
            HoistLoad | HoistDoor | HoistLimit | HoistHeight => &[O::Hoist],
            PitHorizontalDisplacement
            | PitVerticalDisplacement
            | PitDeepDisplacement
            | StrutForce
            | GroundwaterLevel => &[O::FoundationPit],
            FormworkSettlement | FormworkTilt | PostAxialForce | FormworkHorizontalDisplacement => {
                &[O::FormworkZone, O::FullHallSupport]
            }
            LeakageCurrent | RcdTripTime | CabinetTemperature | LoadCurrent => &[O::DistributionBox],
            PersonnelIn | PersonnelOut | PersonnelOnSite => &[O::Gate],
            WindSpeed | WindDirection | Pm25 | Pm10 | Tsp | Noise | EdgeProtection | SprayState => &[],
        }
    }
}

/// Monitoring groups, matching the smart-supervision subsystems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SensorGroup {
    /// Tower crane black box.
    Crane,
    /// Construction hoist black box.
    Hoist,
    /// Foundation pit monitoring.
    Pit,
    /// High-formwork monitoring.
    Formwork,
    /// Dust, noise and weather.
    Environment,
    /// Temporary electricity.
    Electricity,
    /// Personnel at the gates (real-name system).
    Personnel,
    /// Work at height: edge and opening protection.
    HeightWork,
}

impl SensorGroup {
    /// Every group, in legend order.
    pub const ALL: [SensorGroup; 8] = [
        SensorGroup::Crane,
        SensorGroup::Hoist,
        SensorGroup::Pit,
        SensorGroup::Formwork,
        SensorGroup::Environment,
        SensorGroup::Electricity,
        SensorGroup::Personnel,
        SensorGroup::HeightWork,
    ];
}

/// The kinds of semantic object in a scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ObjectKind {
    /// Tower crane.
    TowerCrane,
    /// Construction hoist.
    Hoist,
    /// Non-standard lifting operation.
    LiftingOperation,
    /// Foundation pit.
    FoundationPit,
    /// High-formwork zone.
    FormworkZone,
    /// Tool-type formwork.
    ToolFormwork,
    /// Full-hall load-bearing support.
    FullHallSupport,
    /// Scaffold.
    Scaffold,
    /// Discharge or operating platform.
    Platform,
    /// Building under construction.
    Structure,
    /// Distribution box.
    DistributionBox,
    /// Gate.
    Gate,
    /// Facility of some kind.
    Facility(FacilityKind),
    /// Walkway.
    Walkway,
}

/// Where a sensor is mounted: an object, and optionally a node of that object's model (so that it
/// moves with, say, the crane trolley).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// The object id.
    pub object: String,
    /// A node name in the object's model.
    #[serde(default)]
    pub node: Option<String>,
}

/// A sensor or monitoring point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sensor {
    /// Unique sensor id (the point code on the monitoring plan, e.g. ZQS1).
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// What it measures.
    pub kind: SensorKind,
    /// Unit of its readings; one of [`SensorKind::units`].
    pub unit: String,
    /// What it is mounted on.
    pub anchor: Anchor,
    /// Position at rest, site frame, metres.
    #[serde(with = "crate::serde_glam::dvec3")]
    pub position_m: DVec3,
    /// Device id as sent in telemetry (HJ 212 MN, black-box id), if it differs from `id`.
    #[serde(default)]
    pub device_id: Option<String>,
    /// Expected interval between readings, seconds.
    #[serde(default)]
    pub interval_s: Option<f64>,
    /// Measuring range `[min, max]` in `unit`.
    #[serde(default)]
    pub range: Option<[f64; 2]>,
}
