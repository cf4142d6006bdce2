//! A uniform view of a scene's semantic objects: id, kind, name, model, where to put a label, and
//! the parameters an info panel lists (with units). The viewer and reports read this, not the
//! per-kind structs.

use serde::Serialize;

use super::schema::*;
use crate::geom;
use crate::rondoc::FieldPath;

/// A parameter value with its unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ParamValue {
    /// A number and its unit symbol (`m`, `t`, `kN/m²`).
    Number(f64, &'static str),
    /// A whole count.
    Count(u64),
    /// Free text (names, ids, type codes).
    Text(String),
    /// A value from a fixed vocabulary, given by its i18n key (e.g. `support.RetainingPiles`).
    Term(String),
}

/// One named parameter of an object; `key` is an i18n key (`param.jib_length`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    /// The i18n key of the parameter's label.
    pub key: &'static str,
    /// Its value.
    pub value: ParamValue,
}

fn num(key: &'static str, v: f64, unit: &'static str) -> Param {
    Param { key, value: ParamValue::Number(v, unit) }
}

fn text(key: &'static str, v: &str) -> Param {
    Param { key, value: ParamValue::Text(v.to_string()) }
}

fn term(key: &'static str, v: String) -> Param {
    Param { key, value: ParamValue::Term(v) }
}

/// A semantic object of any kind, borrowed from the scene.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectRef<'a> {
    /// Unique id.
    pub id: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Kind.
    pub kind: ObjectKind,
    /// Model id drawing it.
    pub model: Option<&'a str>,
    /// Where its label goes (top centre), site frame, metres.
    pub label_at_m: [f64; 3],
    /// Its field path in the scene file (`cranes[1]`).
    #[serde(skip)]
    pub path: FieldPath,
}

fn centroid3(points: &[[f64; 2]], y: f64) -> [f64; 3] {
    let c = geom::centroid(points);
    [c[0], y, c[1]]
}

impl SiteScene {
    /// Every semantic object, in file order by kind.
    pub fn objects(&self) -> Vec<ObjectRef<'_>> {
        let root = FieldPath::root();
        let mut v: Vec<ObjectRef<'_>> = Vec::new();
        for (i, c) in self.cranes.iter().enumerate() {
            let p = c.position_m;
            v.push(ObjectRef {
                id: &c.id,
                name: &c.name,
                kind: ObjectKind::TowerCrane,
                model: c.model.as_deref(),
                label_at_m: [p[0], p[1] + c.mast_height_m + 3.0, p[2]],
                path: root.field("cranes").index(i),
            });
        }
        for (i, h) in self.hoists.iter().enumerate() {
            let p = h.position_m;
            v.push(ObjectRef {
                id: &h.id,
                name: &h.name,
                kind: ObjectKind::Hoist,
                model: h.model.as_deref(),
                label_at_m: [p[0], p[1] + h.mast_height_m + 1.0, p[2]],
                path: root.field("hoists").index(i),
            });
        }
        for (i, x) in self.pits.iter().enumerate() {
            v.push(ObjectRef {
                id: &x.id,
                name: &x.name,
                kind: ObjectKind::FoundationPit,
                model: x.model.as_deref(),
                label_at_m: centroid3(&x.outline_m, x.top_elevation_m + 2.0),
                path: root.field("pits").index(i),
            });
        }
        for (i, x) in self.formwork.iter().enumerate() {
            v.push(ObjectRef {
                id: &x.id,
                name: &x.name,
                kind: ObjectKind::FormworkZone,
                model: x.model.as_deref(),
                label_at_m: centroid3(&x.outline_m, x.base_elevation_m + x.support_height_m + 1.0),
                path: root.field("formwork").index(i),
            });
        }
        for (i, x) in self.scaffolds.iter().enumerate() {
            let first = x.path_m.first().copied().unwrap_or([0.0, 0.0]);
            v.push(ObjectRef {
                id: &x.id,
                name: &x.name,
                kind: ObjectKind::Scaffold,
                model: x.model.as_deref(),
                label_at_m: [first[0], x.base_elevation_m + x.height_m + 1.0, first[1]],
                path: root.field("scaffolds").index(i),
            });
        }
        for (i, x) in self.structures.iter().enumerate() {
            let top = x.base_elevation_m + x.floors_built as f64 * x.floor_height_m;
            v.push(ObjectRef {
                id: &x.id,
                name: &x.name,
                kind: ObjectKind::Structure,
                model: x.model.as_deref(),
                label_at_m: centroid3(&x.footprint_m, top + 2.0),
                path: root.field("structures").index(i),
            });
        }
        for (i, x) in self.distribution_boxes.iter().enumerate() {
            let p = x.position_m;
            v.push(ObjectRef {
                id: &x.id,
                name: &x.name,
                kind: ObjectKind::DistributionBox,
                model: x.model.as_deref(),
                label_at_m: [p[0], p[1] + 2.0, p[2]],
                path: root.field("distribution_boxes").index(i),
            });
        }
        for (i, x) in self.gates.iter().enumerate() {
            let p = x.position_m;
            v.push(ObjectRef {
                id: &x.id,
                name: &x.name,
                kind: ObjectKind::Gate,
                model: x.model.as_deref(),
                label_at_m: [p[0], p[1] + 5.0, p[2]],
                path: root.field("gates").index(i),
            });
        }
        for (i, x) in self.facilities.iter().enumerate() {
            let p = x.position_m;
            v.push(ObjectRef {
                id: &x.id,
                name: &x.name,
                kind: ObjectKind::Facility(x.kind),
                model: x.model.as_deref(),
                label_at_m: [p[0], p[1] + x.height_m.unwrap_or(3.0) + 1.0, p[2]],
                path: root.field("facilities").index(i),
            });
        }
        for (i, x) in self.walkways.iter().enumerate() {
            let mid = x.points_m.get(x.points_m.len() / 2).copied().unwrap_or([0.0, 0.0]);
            v.push(ObjectRef {
                id: &x.id,
                name: &x.name,
                kind: ObjectKind::Walkway,
                model: x.model.as_deref(),
                label_at_m: [mid[0], 1.0, mid[1]],
                path: root.field("walkways").index(i),
            });
        }
        v
    }

    /// The object with this id.
    pub fn object(&self, id: &str) -> Option<ObjectRef<'_>> {
        self.objects().into_iter().find(|o| o.id == id)
    }

    /// The model instance with this id.
    pub fn model(&self, id: &str) -> Option<&ModelInstance> {
        self.models.iter().find(|m| m.id == id)
    }

    /// Sensors anchored to an object.
    pub fn sensors_on(&self, object_id: &str) -> Vec<&Sensor> {
        self.sensors.iter().filter(|s| s.anchor.object == object_id).collect()
    }

    /// Plan bounds `[min_x, min_z, max_x, max_z]` of the site: the boundary if there is one,
    /// else every object's label point.
    pub fn plan_bounds_m(&self) -> [f64; 4] {
        let points: Vec<[f64; 2]> = match &self.boundary {
            Some(b) if !b.polygon_m.is_empty() => b.polygon_m.clone(),
            _ => self.objects().iter().map(|o| [o.label_at_m[0], o.label_at_m[2]]).collect(),
        };
        let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for p in points.iter().filter(|p| p[0].is_finite() && p[1].is_finite()) {
            b = [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])];
        }
        if b[0].is_finite() { b } else { [-50.0, -50.0, 50.0, 50.0] }
    }

    /// The parameters of an object for its info panel.
    pub fn params(&self, id: &str) -> Vec<Param> {
        if let Some(c) = self.cranes.iter().find(|x| x.id == id) {
            let mut p = vec![
                num("param.mast_height", c.mast_height_m, "m"),
                num("param.jib_length", c.jib_length_m, "m"),
                num("param.counter_jib_length", c.counter_jib_length_m, "m"),
            ];
            match &c.rating {
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
            if let Some(t) = &c.type_code {
                p.push(text("param.type_code", t));
            }
            if let Some(d) = &c.device_id {
                p.push(text("param.device_id", d));
            }
            return p;
        }
        if let Some(h) = self.hoists.iter().find(|x| x.id == id) {
            let mut p = vec![
                num("param.mast_height", h.mast_height_m, "m"),
                num("param.rated_load", h.rated_load_kg, "kg"),
                Param { key: "param.cages", value: ParamValue::Count(h.cages as u64) },
            ];
            if let Some(d) = &h.device_id {
                p.push(text("param.device_id", d));
            }
            return p;
        }
        if let Some(x) = self.pits.iter().find(|x| x.id == id) {
            let support = match &x.support {
                PitSupport::RetainingPiles { .. } => "RetainingPiles",
                PitSupport::DiaphragmWall { .. } => "DiaphragmWall",
                PitSupport::SoilNailWall => "SoilNailWall",
                PitSupport::Slope { .. } => "Slope",
                PitSupport::SheetPiles => "SheetPiles",
                PitSupport::CementSoilWall { .. } => "CementSoilWall",
            };
            let mut p = vec![
                num("param.depth", x.depth_m, "m"),
                num("param.area", geom::polygon_area(&x.outline_m).abs(), "m²"),
                num("param.perimeter", geom::perimeter(&x.outline_m, true), "m"),
                term("param.support", format!("support.{support}")),
                Param { key: "param.safety_grade", value: ParamValue::Count(x.safety_grade as u64) },
                Param { key: "param.struts", value: ParamValue::Count(x.struts.len() as u64) },
            ];
            if let PitSupport::RetainingPiles { pile_diameter_m, pile_spacing_m } = x.support {
                p.push(num("param.pile_diameter", pile_diameter_m, "m"));
                p.push(num("param.pile_spacing", pile_spacing_m, "m"));
            }
            return p;
        }
        if let Some(x) = self.formwork.iter().find(|x| x.id == id) {
            return vec![
                num("param.support_height", x.support_height_m, "m"),
                num("param.max_span", x.max_span_m, "m"),
                num("param.area_load", x.area_load_kn_m2, "kN/m²"),
                num("param.line_load", x.line_load_kn_m, "kN/m"),
                num("param.area", geom::polygon_area(&x.outline_m).abs(), "m²"),
                num("param.base_elevation", x.base_elevation_m, "m"),
                term("param.system", format!("system.{:?}", x.system)),
            ];
        }
        if let Some(x) = self.scaffolds.iter().find(|x| x.id == id) {
            let kind = match &x.kind {
                ScaffoldKind::GroundFastener => "GroundFastener",
                ScaffoldKind::GroundDiscLock => "GroundDiscLock",
                ScaffoldKind::Cantilevered { .. } => "Cantilevered",
                ScaffoldKind::AttachedLifting { .. } => "AttachedLifting",
                ScaffoldKind::Gondola => "Gondola",
            };
            return vec![
                term("param.scaffold_kind", format!("scaffold.{kind}")),
                num("param.height", x.height_m, "m"),
                num("param.length", geom::perimeter(&x.path_m, false), "m"),
            ];
        }
        if let Some(x) = self.structures.iter().find(|x| x.id == id) {
            return vec![
                Param { key: "param.floors_total", value: ParamValue::Count(x.floors_total as u64) },
                Param { key: "param.floors_built", value: ParamValue::Count(x.floors_built as u64) },
                num("param.floor_height", x.floor_height_m, "m"),
                num("param.area", geom::polygon_area(&x.footprint_m).abs(), "m²"),
            ];
        }
        if let Some(x) = self.distribution_boxes.iter().find(|x| x.id == id) {
            let mut p = vec![
                term("param.box_level", format!("box.{:?}", x.level)),
                num("param.rcd_rated", x.rcd_rated_ma, "mA"),
                num("param.rcd_trip_time", x.rcd_trip_time_s, "s"),
            ];
            if let Some(f) = &x.feeds_from {
                p.push(text("param.feeds_from", f));
            }
            if let Some(s) = &x.serves {
                p.push(text("param.serves", s));
            }
            return p;
        }
        if let Some(x) = self.gates.iter().find(|x| x.id == id) {
            return vec![num("param.width", x.width_m, "m")];
        }
        if let Some(x) = self.facilities.iter().find(|x| x.id == id) {
            let mut p = vec![num("param.area", x.size_m[0] * x.size_m[1], "m²")];
            if let Some(h) = x.height_m {
                p.push(num("param.height", h, "m"));
            }
            return p;
        }
        if let Some(x) = self.walkways.iter().find(|x| x.id == id) {
            return vec![
                num("param.length", geom::perimeter(&x.points_m, false), "m"),
                num("param.width", x.width_m, "m"),
            ];
        }
        Vec::new()
    }
}
