//! Machines move with their telemetry: each tower crane's pose (slew, trolley radius, hook height,
//! load) and each hoist's cage heights are kept on their object entities from their sensors'
//! latest valid readings, so the view can pose the model's own nodes and draw the fall zone under
//! a lifted load. Headless-safe: the pose is data; `view::motion` applies it to the model.
//!
//! The slew angle is the jib's true bearing, degrees clockwise from north (the slewing encoder
//! calibrated to north, as the black boxes report it, and as the simulator writes it); the scene's
//! `north_deg` turns it to the site grid, where grid north is −z and east +x.

use bevy::prelude::*;
use chrono::{DateTime, Utc};
use sitetwin_core::scene::{ObjectKind, SensorKind};

use crate::TwinSet;
use crate::site::{ObjectSensors, SensorLive, SiteObject, SiteSensor};

/// A tower crane's pose as its sensors last reported it (each part `None` until reported).
#[derive(Component, Debug, Clone, Copy, PartialEq, Default)]
pub struct CranePose {
    /// Jib heading, true bearing in degrees.
    pub slew_deg: Option<f64>,
    /// Trolley distance from the mast axis, metres.
    pub trolley_radius_m: Option<f64>,
    /// Hook height above the crane's base, metres.
    pub hook_height_m: Option<f64>,
    /// Load on the hook, % of rated at the radius.
    pub load_pct: Option<f64>,
    /// The newest reading that went into the pose.
    pub at: Option<DateTime<Utc>>,
}

impl CranePose {
    /// A load is up: the area under the hook is a fall zone.
    pub fn load_up(&self, unloaded_pct: f64) -> bool {
        self.load_pct.is_some_and(|l| l > unloaded_pct)
    }
}

/// A construction hoist's cages as their height sensors last reported them: the model node of
/// each cage (the node its sensor is anchored to, else the hoist's `cage_node`) and the height of
/// its floor above the ground landing, metres.
#[derive(Component, Debug, Clone, PartialEq, Default)]
pub struct HoistPose {
    /// (cage node, height m), in the order of the hoist's sensors.
    pub cages: Vec<(String, f64)>,
    /// The newest reading that went into the pose.
    pub at: Option<DateTime<Utc>>,
}

impl HoistPose {
    /// The reported height of the cage drawn by node `node`.
    pub fn height_of(&self, node: &str) -> Option<f64> {
        self.cages.iter().find(|(n, _)| n == node).map(|(_, h)| *h)
    }
}

/// The hoist's own cage node name, for a hoist object's pose.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct HoistCageNode(pub String);

/// The jib's heading on the site grid, degrees clockwise from grid north, for a slew angle (a
/// true bearing) on a site whose grid is turned `north_deg` from true north.
pub fn grid_heading_deg(slew_deg: f64, north_deg: f64) -> f64 {
    slew_deg - north_deg
}

/// The jib's horizontal direction in the site frame (x east, z south) for a grid heading.
pub fn jib_direction(grid_heading_deg: f64) -> Vec3 {
    let d = sitetwin_core::geom::heading_dir(grid_heading_deg);
    Vec3::new(d.x as f32, 0.0, d.y as f32)
}

/// The rotation about the mast that turns a model whose jib rests along its own +x, placed with
/// `model_yaw_deg` (counter-clockwise seen from above), to a grid heading.
pub fn slew_rotation(grid_heading_deg: f64, model_yaw_deg: f64) -> Quat {
    Quat::from_rotation_y((90.0 - grid_heading_deg - model_yaw_deg).to_radians() as f32)
}

/// Keeps the poses of the site's machines.
pub struct MotionPlugin;

impl Plugin for MotionPlugin {
    fn build(&self, app: &mut App) {
        crate::configure(app);
        app.add_systems(
            Update,
            (add_poses, (update_crane_poses, update_hoist_poses))
                .chain()
                .after(crate::telemetry::TelemetrySet)
                .in_set(TwinSet::Update),
        );
    }
}

fn add_poses(
    mut commands: Commands,
    site: Option<Res<crate::site::Site>>,
    new: Query<(Entity, &SiteObject), Added<SiteObject>>,
) {
    for (e, o) in &new {
        match o.kind {
            ObjectKind::TowerCrane => {
                commands.entity(e).insert(CranePose::default());
            }
            ObjectKind::Hoist => {
                let node = site
                    .as_ref()
                    .and_then(|s| s.loaded.scene.hoists.iter().find(|h| h.id == o.id))
                    .map_or_else(|| "cage".to_string(), |h| h.cage_node.clone());
                commands.entity(e).insert((HoistPose::default(), HoistCageNode(node)));
            }
            _ => {}
        }
    }
}

/// A hoist's cage heights from its height sensors, afresh whenever one of them changed.
fn update_hoist_poses(
    mut hoists: Query<(&mut HoistPose, &HoistCageNode, &ObjectSensors)>,
    sensors: Query<(&SiteSensor, Ref<SensorLive>)>,
) {
    for (mut pose, own, mounted) in &mut hoists {
        let heights =
            || mounted.0.iter().filter_map(|e| sensors.get(*e).ok()).filter(|(s, _)| s.kind == SensorKind::HoistHeight);
        if !heights().any(|(_, live)| live.is_changed()) {
            continue;
        }
        let mut next = HoistPose::default();
        for (s, live) in heights() {
            let Some(&(time, value)) = live.history.back() else { continue };
            let node = s.node.clone().unwrap_or_else(|| own.0.clone());
            if next.height_of(&node).is_none() {
                next.cages.push((node, value));
                next.at = next.at.max(Some(time));
            }
        }
        if next != *pose {
            *pose = next;
        }
    }
}

/// A crane's pose from its sensors, afresh whenever one of them changed (so a twin sent back in
/// time forgets the later pose).
fn update_crane_poses(
    mut cranes: Query<(&mut CranePose, &ObjectSensors)>,
    sensors: Query<(&SiteSensor, Ref<SensorLive>)>,
) {
    for (mut pose, mounted) in &mut cranes {
        let mine = || mounted.0.iter().filter_map(|e| sensors.get(*e).ok());
        if !mine().any(|(_, live)| live.is_changed()) {
            continue;
        }
        let mut next = CranePose::default();
        for (s, live) in mine() {
            // The newest usable reading (the history keeps only those): a bad reading or a
            // repeated timestamp does not take a part of the pose away.
            let Some(&(time, value)) = live.history.back() else { continue };
            let slot = match s.kind {
                SensorKind::SlewAngle => &mut next.slew_deg,
                SensorKind::TrolleyRadius => &mut next.trolley_radius_m,
                SensorKind::HookHeight => &mut next.hook_height_m,
                SensorKind::CraneLoad => &mut next.load_pct,
                _ => continue,
            };
            *slot = Some(value);
            next.at = next.at.max(Some(time));
        }
        if next != *pose {
            *pose = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_point_where_a_compass_says() {
        let close = |a: Vec3, b: Vec3| (a - b).length() < 1e-5;
        assert!(close(jib_direction(grid_heading_deg(30.0, 30.0)), Vec3::NEG_Z), "grid north is −z");
        assert!(close(jib_direction(90.0), Vec3::X), "east is +x");
        assert!(close(jib_direction(180.0), Vec3::Z));
        // A model at rest along +x (east) with no yaw needs no turn to point east...
        assert!(close(slew_rotation(90.0, 0.0) * Vec3::X, Vec3::X));
        // ...and a model yawed 150° turned to head north points north in the site frame.
        let placed = Quat::from_rotation_y(150f32.to_radians());
        assert!(close(placed * slew_rotation(0.0, 150.0) * Vec3::X, Vec3::NEG_Z));
        assert!(close(placed * slew_rotation(237.0, 150.0) * Vec3::X, jib_direction(237.0)));
    }
}
