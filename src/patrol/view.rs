//! The patrol on the twin: the planned route on the ground (blue), the part walked by the clock's
//! moment (green), each point's stand (ringed in its priority's colour, green once checked, with
//! its eye line while it is being checked), and the inspector as an orange figure.

use std::f32::consts::FRAC_PI_2;

use bevy::prelude::*;
use sitetwin_core::patrol::Priority;
use sitetwin_core::patrol::walk::Doing;
use sitetwin_core::patrol::world::Sight;

use super::{Inspector, PatrolProgress, PatrolState};
use crate::TwinSet;

const ROUTE: Color = Color::srgb(0.15, 0.45, 0.95);
const WALKED: Color = Color::srgb(0.1, 0.8, 0.35);
const URGENT: Color = Color::srgb(0.95, 0.15, 0.12);
const REQUIRED: Color = Color::srgb(0.15, 0.45, 0.95);
const ROUTINE: Color = Color::srgb(0.6, 0.62, 0.68);
const CHECKED: Color = Color::srgb(0.1, 0.8, 0.35);
const NOT_SEEN: Color = Color::srgb(1.0, 0.6, 0.0);
/// The rehearsal's guide: the way on from where the user stands.
const GUIDE: Color = Color::srgb(0.1, 0.95, 1.0);
/// Lines float this far above the ground so they are not lost in it, m.
const LIFT_M: f32 = 0.15;

/// Draws the patrol and gives the inspector a body.
pub struct PatrolViewPlugin;

impl Plugin for PatrolViewPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Update, (dress_inspector, draw_patrol, draw_guide).in_set(TwinSet::Overlay));
    }
}

fn dress_inspector(
    mut commands: Commands,
    added: Query<Entity, Added<Inspector>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    for e in &added {
        let body = meshes.add(Capsule3d::new(0.3, 1.15));
        let vest = materials.add(StandardMaterial {
            base_color: Color::srgb(1.0, 0.45, 0.0),
            emissive: LinearRgba::rgb(0.6, 0.2, 0.0),
            ..default()
        });
        commands.entity(e).with_child((Mesh3d(body), MeshMaterial3d(vest), Transform::from_xyz(0.0, 0.875, 0.0)));
    }
}

/// The rehearsal's way on: a bright line on the ground from the user's feet to the next point,
/// round what is closed now, and a ring where it ends.
fn draw_guide(rehearsing: Option<Res<super::rehearse::Rehearsing>>, mut gizmos: Gizmos) {
    let Some(r) = rehearsing.filter(|r| r.report.is_none()) else { return };
    let Some(g) = &r.guide else { return };
    let grid = &r.walk.site().grid;
    // On the ground where it is known (ramps, stairs), a little higher than the plan's route.
    let ground = |x: f64, z: f64| {
        let y = grid.cell_of(bevy::math::DVec2::new(x, z)).map_or(0.0, |c| grid.floor(c));
        crate::frame::site_point(bevy::math::DVec3::new(x, y, z)) + Vec3::Y * (LIFT_M * 2.0)
    };
    let feet = r.walk.feet_m();
    let corners = g.leg.waypoints_m.iter().map(|w| ground(w[0], w[1]));
    gizmos.linestrip(std::iter::once(ground(feet.x, feet.z)).chain(corners.skip(1)), GUIDE);
    if let Some(end) = g.leg.waypoints_m.last() {
        gizmos.circle(Isometry3d::new(ground(end[0], end[1]), Quat::from_rotation_x(FRAC_PI_2)), 1.2, GUIDE);
    }
}

fn priority_colour(p: Priority) -> Color {
    match p {
        Priority::Urgent => URGENT,
        Priority::Required => REQUIRED,
        Priority::Routine => ROUTINE,
    }
}

fn flat(x: f64, z: f64) -> Vec3 {
    Vec3::new(x as f32, LIFT_M, z as f32)
}

fn draw_patrol(state: Res<PatrolState>, progress: Res<PatrolProgress>, mut gizmos: Gizmos) {
    let Some(p) = state.playback() else { return };
    let plan = &p.report.plan;
    for leg in plan.stops.iter().map(|s| &s.leg).chain(std::iter::once(&plan.back)) {
        gizmos.linestrip(leg.waypoints_m.iter().map(|w| flat(w[0], w[1])), ROUTE);
    }
    let Some(walk) = &p.report.walk else { return };
    let upto = walk.trace.partition_point(|s| s.t_s <= progress.elapsed_s);
    let mut walked: Vec<Vec3> =
        walk.trace[..upto].iter().map(|s| flat(s.feet_m[0], s.feet_m[2]) + Vec3::Y * 0.05).collect();
    if let Some(f) = progress.feet_m.filter(|_| upto > 0) {
        walked.push(flat(f[0], f[2]) + Vec3::Y * 0.05);
    }
    gizmos.linestrip(walked, WALKED);
    let ring = |c: Vec3| Isometry3d::new(c, Quat::from_rotation_x(FRAC_PI_2));
    for s in &plan.stops {
        let visit = walk.visits.iter().find(|v| v.object == s.point.object);
        let done = visit.is_some_and(|v| v.leave_s <= progress.elapsed_s);
        let here = flat(s.stand_m[0], s.stand_m[2]);
        let colour = if done { CHECKED } else { priority_colour(s.point.priority) };
        gizmos.circle(ring(here), 0.9, colour).resolution(24);
        gizmos.circle(ring(here), 0.6, colour).resolution(24);
        let checking =
            progress.doing == Some(Doing::Checking) && progress.at.as_deref() == Some(s.point.object.as_str());
        if checking {
            let eye = Vec3::new(s.stand_m[0] as f32, s.stand_m[1] as f32 + 1.6, s.stand_m[2] as f32);
            let look = Vec3::from_array(s.point.look_at_m.map(|v| v as f32));
            let seen = visit.is_none_or(|v| matches!(v.sight, Sight::Clear));
            gizmos.line(eye, look, if seen { CHECKED } else { NOT_SEEN });
        }
    }
}
