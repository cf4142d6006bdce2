//! The site's collision world in rapier3d, built from the scene's glTF meshes through the guarded
//! import: where the floor is, whether a standing person fits at a spot, what a sight line hits,
//! and the inspector's kinematic character controller.
//!
//! rapier3d 0.36 does its math in glam 0.33 (`f32`) while the core and Bevy use glam 0.32 (`f64`
//! here): the conversions live in this file only, as `v3`/`d3`.

use std::path::Path;

use glam::{DVec2, DVec3};
use rapier3d::control::{CharacterAutostep, CharacterLength, KinematicCharacterController};
use rapier3d::prelude::{
    BroadPhaseBvh, Capsule, Collider, ColliderBuilder, ColliderSet, Cuboid, IntegrationParameters, NarrowPhase, Pose,
    QueryFilter, QueryPipeline, Ray, RigidBodySet, Vector,
};

use crate::scene::SiteScene;

/// A site-frame point as rapier's vector.
fn v3(p: DVec3) -> Vector {
    Vector::new(p.x as f32, p.y as f32, p.z as f32)
}

/// A rapier vector as a site-frame point.
fn d3(v: Vector) -> DVec3 {
    DVec3::new(f64::from(v.x), f64::from(v.y), f64::from(v.z))
}

/// The person the world is queried for: a standing inspector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Body {
    /// Capsule radius, m.
    pub radius_m: f64,
    /// Standing height, m.
    pub height_m: f64,
    /// Eye height above the floor, m.
    pub eye_m: f64,
    /// The highest step (kerb, plank, stair) walked over without climbing, m.
    pub step_m: f64,
    /// The steepest slope walked up, degrees.
    pub max_slope_deg: f64,
}

impl Default for Body {
    fn default() -> Self {
        Body { radius_m: 0.3, height_m: 1.75, eye_m: 1.6, step_m: 0.3, max_slope_deg: 30.0 }
    }
}

/// What a collider is part of: the model and, when the scene says, the object the model draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    /// Model instance id.
    pub model: String,
    /// The semantic object drawn by the model, if any.
    pub object: Option<String>,
}

/// A model that could not be put in the world (its file would not import): the patrol is planned
/// without it, and the report says so.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SkippedModel {
    /// Model instance id.
    pub model: String,
    /// Why, naming the file.
    pub reason: String,
}

/// What a sight line from an eye to a target meets.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Sight {
    /// Nothing in between, or the first thing hit is the target object itself.
    Clear,
    /// Something else is in the way, at this distance from the eye (m).
    Blocked {
        /// The object (or model, when it draws no object) in the way.
        by: String,
        /// Distance from the eye, m.
        at_m: f64,
    },
}

/// The static collision world of one site.
pub struct SiteWorld {
    bodies: RigidBodySet,
    colliders: ColliderSet,
    broad: BroadPhaseBvh,
    narrow: NarrowPhase,
    owners: Vec<Owner>,
    /// Models left out, with why.
    pub skipped: Vec<SkippedModel>,
    /// Triangles in the world.
    pub triangles: usize,
}

impl std::fmt::Debug for SiteWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteWorld")
            .field("colliders", &self.colliders.len())
            .field("triangles", &self.triangles)
            .field("skipped", &self.skipped)
            .finish()
    }
}

impl SiteWorld {
    /// Imports every model of `scene` (files relative to `scene_dir`) through the guard and puts
    /// its triangles, placed by its instance transform, in the world as fixed trimesh colliders.
    /// A model that does not import is skipped and listed in [`SiteWorld::skipped`].
    pub fn build(scene: &SiteScene, scene_dir: &Path) -> SiteWorld {
        let mut world = SiteWorld::empty();
        let objects = scene.objects();
        for m in &scene.models {
            let path = scene_dir.join(&m.file);
            let imported = match crate::model::import_file(&path) {
                Ok(i) => i,
                Err(e) => {
                    world.skipped.push(SkippedModel { model: m.id.clone(), reason: e.to_string() });
                    continue;
                }
            };
            let object = objects.iter().find(|o| o.model == Some(m.id.as_str())).map(|o| o.id.to_string());
            let site_from_model = m.site_from_model();
            let mut vertices = Vec::new();
            let mut indices = Vec::new();
            for mesh in &imported.meshes {
                let base = vertices.len() as u32;
                vertices.extend(
                    mesh.positions_m
                        .iter()
                        .map(|p| v3(site_from_model.transform_point3(DVec3::from_array(p.map(f64::from))))),
                );
                indices.extend(mesh.indices.chunks_exact(3).map(|t| [base + t[0], base + t[1], base + t[2]]));
            }
            world.add_mesh(Owner { model: m.id.clone(), object }, vertices, indices);
        }
        world
    }

    /// A world with nothing in it.
    pub fn empty() -> SiteWorld {
        SiteWorld {
            bodies: RigidBodySet::new(),
            colliders: ColliderSet::new(),
            broad: BroadPhaseBvh::new(),
            narrow: NarrowPhase::new(),
            owners: Vec::new(),
            skipped: Vec::new(),
            triangles: 0,
        }
    }

    /// Colliders in the world.
    pub fn len(&self) -> usize {
        self.colliders.len()
    }

    /// True for a world with no collider.
    pub fn is_empty(&self) -> bool {
        self.colliders.is_empty()
    }

    /// Adds one fixed triangle mesh (site frame, metres) owned by `owner`. Degenerate meshes (no
    /// triangle, out-of-range indices) are skipped and listed.
    pub fn add_mesh(&mut self, owner: Owner, vertices: Vec<Vector>, indices: Vec<[u32; 3]>) {
        let n = vertices.len() as u32;
        let indices: Vec<[u32; 3]> = indices.into_iter().filter(|t| t.iter().all(|&i| i < n)).collect();
        if indices.is_empty() {
            return;
        }
        let count = indices.len();
        match ColliderBuilder::trimesh(vertices, indices) {
            Ok(b) => {
                self.insert(owner, b.build());
                self.triangles += count;
            }
            Err(e) => self.skipped.push(SkippedModel { model: owner.model, reason: format!("no collision mesh: {e}") }),
        }
    }

    /// Adds an axis-aligned box (centre and half extents, metres) owned by `owner`: for tests and
    /// for objects the scene describes without a model.
    pub fn add_box(&mut self, owner: Owner, centre_m: DVec3, half_m: DVec3) {
        let c = ColliderBuilder::cuboid(half_m.x as f32, half_m.y as f32, half_m.z as f32)
            .translation(v3(centre_m))
            .build();
        self.insert(owner, c);
    }

    fn insert(&mut self, owner: Owner, mut c: Collider) {
        c.user_data = self.owners.len() as u128;
        self.owners.push(owner);
        let aabb = c.compute_aabb();
        let h = self.colliders.insert(c);
        self.broad.set_aabb(&IntegrationParameters::default(), h, aabb);
    }

    fn queries(&self) -> QueryPipeline<'_> {
        self.broad.as_query_pipeline(
            self.narrow.query_dispatcher(),
            &self.bodies,
            &self.colliders,
            QueryFilter::default(),
        )
    }

    fn owner_of(&self, c: &Collider) -> Option<&Owner> {
        self.owners.get(c.user_data as usize)
    }

    /// The name of what a collider is part of: its object, else its model.
    fn name_of(&self, c: &Collider) -> String {
        self.owner_of(c).map(|o| o.object.clone().unwrap_or_else(|| o.model.clone())).unwrap_or_default()
    }

    /// The highest surface at plan point `p` at or below `from_y` (m), if any, within `depth_m`.
    pub fn floor_below(&self, p: DVec2, from_y: f64, depth_m: f64) -> Option<f64> {
        let ray = Ray::new(v3(DVec3::new(p.x, from_y, p.y)), Vector::new(0.0, -1.0, 0.0));
        let (_, toi) = self.queries().cast_ray(&ray, depth_m as f32, true)?;
        Some(from_y - f64::from(toi))
    }

    /// True when a person standing on the floor at `(p, floor_y)` would overlap anything: an
    /// upright box as wide as the body, from the step height to the head.
    pub fn body_blocked(&self, p: DVec2, floor_y: f64, body: &Body) -> bool {
        let half_h = (body.height_m - body.step_m) / 2.0;
        let centre = DVec3::new(p.x, floor_y + body.step_m + half_h, p.y);
        let shape = Cuboid::new(Vector::new(body.radius_m as f32, half_h as f32, body.radius_m as f32));
        let q = self.queries();
        q.intersect_shape(Pose::from_translation(v3(centre)), &shape).next().is_some()
    }

    /// What the line from `eye` to `target` (site frame, metres) meets first. Hitting the target
    /// object's own colliders, or anything within `reach_m` of the target (the item is on or in
    /// it), counts as seeing it.
    pub fn sight(&self, eye: DVec3, target: DVec3, target_object: &str, reach_m: f64) -> Sight {
        let d = target - eye;
        let len = d.length();
        if len < 1e-6 {
            return Sight::Clear;
        }
        let ray = Ray::new(v3(eye), v3(d / len));
        let q = self.queries();
        let mut first: Option<(f64, String)> = None;
        for (_, c, hit) in q.intersect_ray(ray, len as f32, true) {
            let at = f64::from(hit.time_of_impact);
            if first.as_ref().is_none_or(|(t, _)| at < *t) {
                first = Some((at, self.name_of(c)));
            }
        }
        match first {
            Some((at, by)) if by != target_object && at < len - reach_m => Sight::Blocked { by, at_m: at },
            _ => Sight::Clear,
        }
    }

    /// The inspector's controller: a capsule that slides along walls, steps over `step_m` and
    /// climbs slopes up to `max_slope_deg`, kept on the ground.
    pub fn walker(&self, body: &Body) -> Walker {
        let half = ((body.height_m / 2.0) - body.radius_m).max(0.05);
        Walker {
            controller: KinematicCharacterController {
                offset: CharacterLength::Absolute(0.02),
                slide: true,
                autostep: Some(CharacterAutostep {
                    max_height: CharacterLength::Absolute(body.step_m as f32),
                    min_width: CharacterLength::Absolute(0.2),
                    include_dynamic_bodies: false,
                }),
                max_slope_climb_angle: (body.max_slope_deg as f32).to_radians(),
                min_slope_slide_angle: (body.max_slope_deg as f32).to_radians(),
                snap_to_ground: Some(CharacterLength::Absolute(body.step_m as f32)),
                ..Default::default()
            },
            shape: Capsule::new_y(half as f32, body.radius_m as f32),
            centre_above_floor_m: body.height_m / 2.0,
        }
    }
}

/// The inspector's kinematic character controller and capsule.
#[derive(Debug, Clone, Copy)]
pub struct Walker {
    controller: KinematicCharacterController,
    shape: Capsule,
    /// The capsule centre's height above the feet, m.
    pub centre_above_floor_m: f64,
}

/// One controller step: where the feet are now and whether they touch the ground.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stepped {
    /// Feet position, site frame, m.
    pub feet_m: DVec3,
    /// Standing on the ground after the step.
    pub grounded: bool,
}

impl Walker {
    /// Moves the inspector standing with feet at `feet_m` by `wish_m` (plus gravity's fall of
    /// `fall_m` when airborne) through `world` over `dt_s`: the controller slides along what it
    /// hits, so the result is never inside a wall.
    pub fn step(&self, world: &SiteWorld, feet_m: DVec3, wish_m: DVec3, dt_s: f64) -> Stepped {
        let centre = feet_m + DVec3::Y * self.centre_above_floor_m;
        let pose = Pose::from_translation(v3(centre));
        let moved = self.controller.move_shape(dt_s as f32, &world.queries(), &self.shape, &pose, v3(wish_m), |_| {});
        Stepped { feet_m: feet_m + d3(moved.translation), grounded: moved.grounded }
    }
}
