//! A uniform view of a scene's semantic objects: id, kind, name, model, where to put a label, and
//! the parameters an info panel lists (with units). The viewer and reports read this, not the
//! per-kind structs; what each kind contributes is in `kinds.rs`.

use glam::{DVec2, DVec3};
use serde::Serialize;

use super::kinds::{KINDS, KindSpec, SceneObject};
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
    #[serde(with = "crate::serde_glam::dvec3")]
    pub label_at_m: DVec3,
    /// Its kind's row of the object-kind table.
    #[serde(skip)]
    pub spec: &'static KindSpec,
    /// Its index in its scene list (`spec.list`).
    #[serde(skip)]
    pub index: usize,
    #[serde(skip)]
    object: &'a dyn SceneObject,
}

impl<'a> ObjectRef<'a> {
    fn new(spec: &'static KindSpec, index: usize, object: &'a dyn SceneObject) -> Self {
        ObjectRef {
            id: object.id(),
            name: object.name(),
            kind: object.kind(),
            model: object.model(),
            label_at_m: object.label_at_m(),
            spec,
            index,
            object,
        }
    }

    /// Its field path in the scene file (`cranes[1]`).
    pub fn path(&self) -> FieldPath {
        FieldPath::root().field(self.spec.list).index(self.index)
    }

    /// The parameters of the object for its info panel.
    pub fn params(&self) -> Vec<Param> {
        self.object.params()
    }

    /// The sphere (centre, radius; site frame, metres) its preset view frames, when the kind
    /// says where to look; `None` means: frame the object's bounds.
    pub fn view_sphere_m(&self) -> Option<(DVec3, f64)> {
        self.object.view_sphere_m()
    }

    pub(crate) fn object(&self) -> &'a dyn SceneObject {
        self.object
    }

    /// Builds its generated model; `model_from_site` is the inverse of its instance's placement.
    pub(crate) fn build_model(&self, scene: &SiteScene, model_from_site: &glam::DAffine3) -> crate::modelgen::Node {
        self.object.build_model(scene, model_from_site)
    }
}

impl SiteScene {
    /// Every semantic object, in file order by kind (the order of [`KINDS`]).
    pub fn objects(&self) -> Vec<ObjectRef<'_>> {
        KINDS
            .iter()
            .flat_map(|spec| {
                (0..spec.count(self)).filter_map(move |i| Some(ObjectRef::new(spec, i, spec.get(self, i)?)))
            })
            .collect()
    }

    /// The first object with this id (found without building the whole list).
    pub fn object(&self, id: &str) -> Option<ObjectRef<'_>> {
        KINDS.iter().find_map(|spec| {
            (0..spec.count(self))
                .find_map(|i| spec.get(self, i).filter(|o| o.id() == id).map(|o| ObjectRef::new(spec, i, o)))
        })
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
        let points: Vec<DVec2> = match &self.boundary {
            Some(b) if !b.polygon_m.is_empty() => b.polygon_m.clone(),
            _ => self.objects().iter().map(|o| geom::plan(o.label_at_m)).collect(),
        };
        let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for p in points.iter().filter(|p| p.is_finite()) {
            b = [b[0].min(p.x), b[1].min(p.y), b[2].max(p.x), b[3].max(p.y)];
        }
        if b[0].is_finite() { b } else { [-50.0, -50.0, 50.0, 50.0] }
    }

    /// The parameters of an object for its info panel (none for an unknown id).
    pub fn params(&self, id: &str) -> Vec<Param> {
        self.object(id).map(|o| o.params()).unwrap_or_default()
    }
}
