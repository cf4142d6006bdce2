//! Poses the machines' models from their telemetry: each crane's `slewing` node turns to its slew
//! angle, its `trolley` runs out to the trolley radius and its `hook` (with the rope) hangs at the
//! hook height, easing towards each new reading so that a 10-second black box reads as motion; a
//! hoist's cage nodes ride to their reported heights the same way (the sensors mounted on a cage
//! ride with it). Draws the fall zone under a lifted load and the anti-collision gap between two cranes' jibs.

use std::f32::consts::FRAC_PI_2;

use bevy::prelude::*;
use bevy::world_serialization::WorldInstanceReady;
use sitetwin_core::rules::stoppage::StoppedSiteRules;
use sitetwin_core::rules::zones;
use sitetwin_core::scene::ObjectKind;

use crate::TwinSet;
use crate::frame::site_point;
use crate::motion::{CranePose, HoistPose, grid_heading_deg, jib_direction, slew_rotation};
use crate::site::{Site, SiteObject};
use crate::telemetry::SiteRuleSet;
use crate::view::models::ModelOf;

/// The model nodes of a crane that move, with the rest poses they move from.
#[derive(Component, Debug, Clone)]
pub struct CraneRig {
    slewing: Entity,
    trolley: Entity,
    hook: Entity,
    rope: Option<Entity>,
    /// Rest pose of the slewing node, translation of the trolley (the radius is along its x)
    /// and of the hook, and the rope's rest scale.
    slewing_rest: Quat,
    trolley_rest: Vec3,
    hook_rest: Vec3,
    rope_rest: Vec3,
    /// The model's yaw in the site and its mast height (where the slewing node sits).
    yaw_deg: f64,
    pivot_m: f32,
    /// Where the pose shown has got to (eased towards the reported one), and the time of the
    /// pose it eases towards.
    shown: Option<(f64, f32, f32)>,
    shown_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The cage nodes of a hoist's model: each one's name, entity, rest translation, and the height
/// shown (eased towards the reported one).
#[derive(Component, Debug, Clone)]
pub struct HoistRig {
    cages: Vec<CageNode>,
    shown_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone)]
struct CageNode {
    name: String,
    node: Entity,
    rest: Vec3,
    shown_m: Option<f32>,
}

/// Poses machines and draws their live zones.
pub struct MotionViewPlugin;

impl Plugin for MotionViewPlugin {
    fn build(&self, app: &mut App) {
        app.add_observer(rig_machine)
            .add_systems(Update, (pose_cranes, pose_hoists).in_set(TwinSet::Camera))
            .add_systems(Update, draw_live_zones.in_set(TwinSet::Overlay));
    }
}

/// Finds a machine model's moving nodes once its instance is in the world: a crane's slewing
/// part, trolley, hook and rope, a hoist's cages.
fn rig_machine(
    ready: On<WorldInstanceReady>,
    mut commands: Commands,
    site: Option<Res<Site>>,
    models: Query<&ModelOf>,
    objects: Query<&SiteObject>,
    children: Query<&Children>,
    nodes: Query<(&Name, &Transform)>,
) {
    let Ok(of) = models.get(ready.entity) else { return };
    let (Some(site), Ok(object)) = (site, objects.get(of.owner)) else { return };
    let scene = &site.loaded.scene;
    let find = |name: &str| {
        children.iter_descendants(ready.entity).find(|e| nodes.get(*e).is_ok_and(|(n, _)| n.as_str() == name))
    };
    match object.kind {
        ObjectKind::TowerCrane => {
            let (Some(crane), Some(inst)) = (scene.cranes.iter().find(|c| c.id == object.id), scene.model(&of.model))
            else {
                return;
            };
            if let Some(rig) = crane_rig(crane, inst.yaw_deg, &find, &nodes) {
                commands.entity(of.owner).insert(rig);
            }
        }
        ObjectKind::Hoist => {
            let Some(hoist) = scene.hoists.iter().find(|h| h.id == object.id) else { return };
            if let Some(rig) = hoist_rig(hoist, &find, &nodes) {
                commands.entity(of.owner).insert(rig);
            }
        }
        _ => {}
    }
}

/// A crane's rig, from its model's nodes.
fn crane_rig(
    crane: &sitetwin_core::scene::TowerCrane,
    yaw_deg: f64,
    find: &dyn Fn(&str) -> Option<Entity>,
    nodes: &Query<(&Name, &Transform)>,
) -> Option<CraneRig> {
    let (Some(slewing), Some(trolley), Some(hook)) =
        (find(&crane.nodes.slewing), find(&crane.nodes.trolley), find(&crane.nodes.hook))
    else {
        warn!(
            "crane {}: its model has no {}/{}/{} nodes: it will not move",
            crane.id, crane.nodes.slewing, crane.nodes.trolley, crane.nodes.hook
        );
        return None;
    };
    let rest = |e: Entity| nodes.get(e).map(|(_, t)| t.translation).unwrap_or_default();
    let rope = find("rope");
    Some(CraneRig {
        slewing,
        trolley,
        hook,
        rope,
        slewing_rest: nodes.get(slewing).map(|(_, t)| t.rotation).unwrap_or_default(),
        trolley_rest: rest(trolley),
        hook_rest: rest(hook),
        rope_rest: rope.and_then(|r| nodes.get(r).ok()).map_or(Vec3::ONE, |(_, t)| t.scale),
        yaw_deg,
        pivot_m: crane.mast_height_m as f32 + rest(trolley).y,
        shown: None,
        shown_at: None,
    })
}

/// A hoist's rig: its model's cage nodes (`cage_node`, and `<cage_node>_2` for a second cage).
fn hoist_rig(
    hoist: &sitetwin_core::scene::Hoist,
    find: &dyn Fn(&str) -> Option<Entity>,
    nodes: &Query<(&Name, &Transform)>,
) -> Option<HoistRig> {
    let cages: Vec<CageNode> = [hoist.cage_node.clone(), format!("{}_2", hoist.cage_node)]
        .into_iter()
        .filter_map(|name| {
            let node = find(&name)?;
            let rest = nodes.get(node).map(|(_, t)| t.translation).unwrap_or_default();
            Some(CageNode { name, node, rest, shown_m: None })
        })
        .collect();
    if cages.is_empty() {
        warn!("hoist {}: its model has no {} node: its cage will not move", hoist.id, hoist.cage_node);
        return None;
    }
    Some(HoistRig { cages, shown_at: None })
}

/// Each cage node at its reported height above its rest place (the ground landing), eased; a cage
/// without a reading rests where the model has it.
fn pose_hoists(time: Res<Time>, mut hoists: Query<(&HoistPose, &mut HoistRig)>, mut transforms: Query<&mut Transform>) {
    let k = 1.0 - (-EASE_PER_S * time.delta_secs()).exp();
    for (pose, mut rig) in &mut hoists {
        // Time went back (the timeline): show the cages at once, no easing from the future.
        let snap = pose.at < rig.shown_at;
        rig.shown_at = pose.at;
        for cage in &mut rig.cages {
            let target = pose.height_of(&cage.name).map(|h| h as f32);
            let shown = match (target, cage.shown_m) {
                (Some(t), Some(y)) if !snap => Some(y + (t - y) * k),
                (t, _) => t,
            };
            if shown == cage.shown_m {
                continue;
            }
            cage.shown_m = shown;
            if let Ok(mut t) = transforms.get_mut(cage.node) {
                t.translation = cage.rest + Vec3::Y * shown.unwrap_or(0.0);
            }
        }
    }
}

/// How quickly the shown pose catches up with the reported one, per second of wall time.
const EASE_PER_S: f32 = 2.5;

fn pose_cranes(
    time: Res<Time>,
    site: Option<Res<Site>>,
    mut cranes: Query<(&CranePose, &mut CraneRig)>,
    mut transforms: Query<&mut Transform>,
) {
    let Some(site) = site else { return };
    let north = site.loaded.scene.site.north_deg;
    let k = 1.0 - (-EASE_PER_S * time.delta_secs()).exp();
    for (pose, mut rig) in &mut cranes {
        let Some(slew) = pose.slew_deg else {
            // No slew reading (yet, or any more after going back in time): the model at rest.
            if rig.shown.take().is_some() {
                rig.shown_at = None;
                rest_pose(&rig, &mut transforms);
            }
            continue;
        };
        let target = (
            grid_heading_deg(slew, north),
            pose.trolley_radius_m.map_or(rig.trolley_rest.x, |r| r as f32),
            pose.hook_height_m.map_or(rig.pivot_m + rig.hook_rest.y, |h| h as f32),
        );
        // Time went back (the timeline): show the pose at once, no easing from the future.
        if pose.at < rig.shown_at {
            rig.shown = None;
        }
        rig.shown_at = pose.at;
        let shown = match rig.shown {
            // Ease the shorter way round.
            Some((h, r, y)) => {
                let dh = (target.0 - h + 180.0).rem_euclid(360.0) - 180.0;
                (h + dh * f64::from(k), r + (target.1 - r) * k, y + (target.2 - y) * k)
            }
            None => target,
        };
        rig.shown = Some(shown);
        if let Ok(mut t) = transforms.get_mut(rig.slewing) {
            t.rotation = slew_rotation(shown.0, rig.yaw_deg);
        }
        if let Ok(mut t) = transforms.get_mut(rig.trolley) {
            t.translation.x = shown.1;
        }
        // The hook hangs below the trolley: its drop is the pivot height less the hook height.
        let drop = (rig.pivot_m - shown.2).max(0.5);
        if let Ok(mut t) = transforms.get_mut(rig.hook) {
            t.translation.y = -drop;
        }
        if let Some(rope) = rig.rope
            && let Ok(mut t) = transforms.get_mut(rope)
        {
            t.scale.y = drop;
        }
    }
}

/// Puts a crane's moving nodes back as its model has them.
fn rest_pose(rig: &CraneRig, transforms: &mut Query<&mut Transform>) {
    if let Ok(mut t) = transforms.get_mut(rig.slewing) {
        t.rotation = rig.slewing_rest;
    }
    if let Ok(mut t) = transforms.get_mut(rig.trolley) {
        t.translation = rig.trolley_rest;
    }
    if let Ok(mut t) = transforms.get_mut(rig.hook) {
        t.translation = rig.hook_rest;
    }
    if let Some(rope) = rig.rope
        && let Ok(mut t) = transforms.get_mut(rope)
    {
        t.scale = rig.rope_rest;
    }
}

/// Red: a fall zone or a clearance under the alarm line; amber: the warning gap.
const ZONE_RED: Color = Color::srgb(1.0, 0.15, 0.1);
const ZONE_AMBER: Color = Color::srgb(1.0, 0.65, 0.0);

/// Under a lifted load, the circle a falling load can reach; between two cranes whose jibs come
/// within the rules' clearance warning in plan, a line across the gap (red under the alarm line).
fn draw_live_zones(
    site: Option<Res<Site>>,
    rules: Res<SiteRuleSet>,
    cranes: Query<(&SiteObject, &CranePose)>,
    mut gizmos: Gizmos,
) {
    let Some(site) = site else { return };
    let (warn_m, alarm_m) = (rules.0.crane.clearance_warning_m as f32, rules.0.crane.clearance_alarm_m as f32);
    let scene = &site.loaded.scene;
    let stopped = StoppedSiteRules::default();
    let mut jibs = Vec::new();
    for (o, pose) in &cranes {
        let (Some(c), Some(slew)) = (scene.cranes.iter().find(|c| c.id == o.id), pose.slew_deg) else { continue };
        let dir = jib_direction(grid_heading_deg(slew, scene.site.north_deg));
        let base = site_point(c.position_m);
        if pose.load_up(stopped.unloaded_pct)
            && let Some(r) = pose.trolley_radius_m
        {
            let under = base + dir * r as f32 + Vec3::Y * 0.2;
            let fall_m = zones::fall_radius_m(pose.hook_height_m.unwrap_or(c.mast_height_m)) as f32;
            gizmos.circle(Isometry3d::new(under, Quat::from_rotation_x(FRAC_PI_2)), fall_m, ZONE_RED).resolution(48);
            gizmos.line(under, under + Vec3::Y * pose.hook_height_m.unwrap_or(0.0) as f32, ZONE_RED);
        }
        let top = base + Vec3::Y * c.mast_height_m as f32;
        jibs.push((top - dir * c.counter_jib_length_m as f32, top + dir * c.jib_length_m as f32));
    }
    for i in 0..jibs.len() {
        for j in i + 1..jibs.len() {
            let (p, q) = closest_points_flat(jibs[i], jibs[j]);
            let gap = Vec2::new(p.x - q.x, p.z - q.z).length();
            if gap < warn_m {
                gizmos.line(p, q, if gap < alarm_m { ZONE_RED } else { ZONE_AMBER });
                gizmos.sphere(Isometry3d::from_translation(p), 0.6, ZONE_AMBER);
                gizmos.sphere(Isometry3d::from_translation(q), 0.6, ZONE_AMBER);
            }
        }
    }
}

/// The closest points of two segments in plan (x, z), each keeping its own height.
fn closest_points_flat(a: (Vec3, Vec3), b: (Vec3, Vec3)) -> (Vec3, Vec3) {
    let flat = |v: Vec3| Vec2::new(v.x, v.z);
    let (p1, q1, p2, q2) = (flat(a.0), flat(a.1), flat(b.0), flat(b.1));
    let at = |p: Vec2, q: Vec2, x: Vec2| ((x - p).dot(q - p) / (q - p).length_squared().max(1e-6)).clamp(0.0, 1.0);
    // The closest pair of two segments that do not cross lies at an end of one of them.
    let mut best = (f32::INFINITY, 0.0, 0.0);
    for (s, t) in [(0.0, at(p2, q2, p1)), (1.0, at(p2, q2, q1)), (at(p1, q1, p2), 0.0), (at(p1, q1, q2), 1.0)] {
        let d = (p1.lerp(q1, s) - p2.lerp(q2, t)).length();
        if d < best.0 {
            best = (d, s, t);
        }
    }
    if crosses(p1, q1, p2, q2) {
        // Crossing in plan: the gap is zero where they cross (the heights differ).
        let (s, t) = crossing(p1, q1, p2, q2);
        best = (0.0, s, t);
    }
    (a.0.lerp(a.1, best.1), b.0.lerp(b.1, best.2))
}

fn cross(a: Vec2, b: Vec2) -> f32 {
    a.x * b.y - a.y * b.x
}

fn crosses(p1: Vec2, q1: Vec2, p2: Vec2, q2: Vec2) -> bool {
    let d1 = cross(q1 - p1, p2 - p1);
    let d2 = cross(q1 - p1, q2 - p1);
    let d3 = cross(q2 - p2, p1 - p2);
    let d4 = cross(q2 - p2, q1 - p2);
    d1 * d2 < 0.0 && d3 * d4 < 0.0
}

fn crossing(p1: Vec2, q1: Vec2, p2: Vec2, q2: Vec2) -> (f32, f32) {
    let (r, s) = (q1 - p1, q2 - p2);
    let den = cross(r, s);
    if den.abs() < 1e-9 {
        return (0.0, 0.0);
    }
    (cross(p2 - p1, s) / den, cross(p2 - p1, r) / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gap_between_jibs_is_found_in_plan() {
        let seg = |a: [f32; 3], b: [f32; 3]| (Vec3::from(a), Vec3::from(b));
        // Parallel jibs 3 m apart in plan, at different heights.
        let (p, q) =
            closest_points_flat(seg([0.0, 40.0, 0.0], [10.0, 40.0, 0.0]), seg([0.0, 30.0, 3.0], [10.0, 30.0, 3.0]));
        assert!((Vec2::new(p.x - q.x, p.z - q.z).length() - 3.0).abs() < 1e-4);
        // Crossing in plan: no gap, at the crossing point.
        let (p, q) =
            closest_points_flat(seg([-5.0, 40.0, 0.0], [5.0, 40.0, 0.0]), seg([0.0, 30.0, -5.0], [0.0, 30.0, 5.0]));
        assert!(p.xz().distance(Vec2::ZERO) < 1e-4 && q.xz().distance(Vec2::ZERO) < 1e-4);
        assert_eq!((p.y, q.y), (40.0, 30.0), "each keeps its height");
    }
}
