//! Overlays drawn on the twin: crane swing circles (the anti-collision picture), the selection
//! highlight, and boxes where models are missing; the sensors' markers are `markers`'.

use std::f32::consts::FRAC_PI_2;

use bevy::prelude::*;
use sitetwin_core::scene::SensorGroup;

use crate::TwinSet;
use crate::frame::site_point;
use crate::selection::Selection;
use crate::site::{ObjectBounds, SensorLive, Site, SiteIndex, SiteSensor};
use crate::stoppage::SiteDuties;
use crate::telemetry::TwinClock;
use crate::view::models::ModelMissing;
use sitetwin_core::geom;
use sitetwin_core::rules::stoppage::DutyStatus;
use sitetwin_core::rules::{Level, zones};

/// Display colour of a sensor group (also used by the legend).
pub fn group_color(g: SensorGroup) -> Color {
    match g {
        SensorGroup::Crane => Color::srgb(1.0, 0.45, 0.0),
        SensorGroup::Hoist => Color::srgb(0.2, 0.55, 1.0),
        SensorGroup::Pit => Color::srgb(0.95, 0.15, 0.75),
        SensorGroup::Formwork => Color::srgb(0.6, 0.3, 1.0),
        SensorGroup::Environment => Color::srgb(0.0, 0.85, 0.85),
        SensorGroup::Electricity => Color::srgb(1.0, 0.9, 0.1),
        SensorGroup::Personnel => Color::srgb(0.55, 0.85, 0.25),
        SensorGroup::HeightWork => Color::srgb(0.95, 0.95, 0.95),
    }
}

/// Highlight colour of the selection.
pub const SELECTION_COLOR: Color = Color::srgb(0.1, 1.0, 0.3);

/// Which overlays are shown.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverlaySettings {
    /// Crane swing circles.
    pub swing_circles: bool,
    /// Sensor markers.
    pub sensor_markers: bool,
}

impl Default for OverlaySettings {
    fn default() -> Self {
        Self { swing_circles: true, sensor_markers: true }
    }
}

/// Draws the overlays.
pub struct OverlayPlugin;

impl Plugin for OverlayPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<OverlaySettings>().add_systems(
            Update,
            (draw_swing_circles, draw_selection, outline_missing_models, draw_findings, draw_spray, draw_zones)
                .in_set(TwinSet::Overlay),
        );
    }
}

fn draw_swing_circles(settings: Res<OverlaySettings>, site: Option<Res<Site>>, mut gizmos: Gizmos) {
    let Some(site) = site else { return };
    if !settings.swing_circles {
        return;
    }
    for c in &site.loaded.scene.cranes {
        let centre = site_point(c.position_m) + Vec3::Y * c.mast_height_m as f32;
        let flat = Isometry3d::new(centre, Quat::from_rotation_x(FRAC_PI_2));
        gizmos.circle(flat, c.jib_length_m as f32, Color::srgb(1.0, 0.55, 0.0)).resolution(160);
        gizmos.circle(flat, c.counter_jib_length_m as f32, Color::srgb(0.9, 0.9, 0.9)).resolution(64);
        // The same circle on the ground shows where loads can fall.
        let ground = Isometry3d::new(site_point(c.position_m) + Vec3::Y * 0.15, Quat::from_rotation_x(FRAC_PI_2));
        gizmos.circle(ground, c.jib_length_m as f32, Color::srgba(1.0, 0.55, 0.0, 0.6)).resolution(160);
    }
}

fn draw_selection(
    selection: Res<Selection>,
    objects: Query<&ObjectBounds>,
    sensors: Query<&GlobalTransform, With<SiteSensor>>,
    mut gizmos: Gizmos,
) {
    match *selection {
        Selection::None => {}
        Selection::Object(e) => {
            if let Ok(b) = objects.get(e) {
                let size = (b.max - b.min).max(Vec3::splat(0.5));
                gizmos.cube(Transform::from_translation(b.center()).with_scale(size), SELECTION_COLOR);
            }
        }
        Selection::Sensor(e) => {
            if let Ok(t) = sensors.get(e) {
                gizmos.sphere(Isometry3d::from_translation(t.translation()), 1.2, SELECTION_COLOR);
            }
        }
    }
}

/// Colour of the box standing in for an object whose model could not be loaded.
const MISSING_COLOR: Color = Color::srgb(1.0, 0.7, 0.1);

/// An object whose model is missing is still on the site: a box where it stands shows where.
fn outline_missing_models(objects: Query<&ObjectBounds, With<ModelMissing>>, mut gizmos: Gizmos) {
    for b in &objects {
        let size = (b.max - b.min).max(Vec3::splat(1.0));
        gizmos.cube(Transform::from_translation(b.center()).with_scale(size), MISSING_COLOR);
    }
}

/// Colour of a stopped site's findings and unmet duties on the twin.
const FINDING_COLOR: Color = Color::srgb(1.0, 0.3, 0.9);

/// A stopped site's findings (lifting, power drawn, noise, a dark pit point) ringed at their
/// sensors, and the objects whose duty is unmet boxed, so the banner's list has places.
fn draw_findings(
    time: Res<Time>,
    clock: Res<TwinClock>,
    duties: Res<SiteDuties>,
    index: Res<SiteIndex>,
    sensors: Query<&GlobalTransform, With<SiteSensor>>,
    objects: Query<&ObjectBounds>,
    mut gizmos: Gizmos,
) {
    if duties.checks.is_empty() && duties.findings.is_empty() {
        return;
    }
    // The rings breathe while time runs; a still moment (paused, a snapshot) holds them.
    let r = if clock.paused { 1.8 } else { 1.6 + 0.4 * (time.elapsed_secs() * 4.0).sin() };
    for f in &duties.findings {
        if let Some(t) = index.sensor(&f.sensor).and_then(|e| sensors.get(e).ok()) {
            gizmos.sphere(Isometry3d::from_translation(t.translation()), r, FINDING_COLOR);
        }
    }
    for c in duties.checks.iter().filter(|c| matches!(c.status, DutyStatus::Unmet(_))) {
        if let Some(b) = c.object.as_deref().and_then(|o| index.object(o)).and_then(|e| objects.get(e).ok()) {
            let size = (b.max - b.min).max(Vec3::splat(1.0)) * 1.04;
            gizmos.cube(Transform::from_translation(b.center()).with_scale(size), FINDING_COLOR);
        }
    }
}

/// Mist around a dust monitor while the dust rules have spraying on.
fn draw_spray(clock: Res<TwinClock>, sensors: Query<(&GlobalTransform, &SensorLive)>, mut gizmos: Gizmos) {
    for (t, live) in &sensors {
        if live.spraying(clock.now) {
            let ground = Vec3::new(t.translation().x, 0.3, t.translation().z);
            for (k, r) in [4.0, 7.0, 10.0].into_iter().enumerate() {
                let c = Color::srgba(0.45, 0.85, 1.0, 0.9 - 0.25 * k as f32);
                gizmos.circle(Isometry3d::new(ground, Quat::from_rotation_x(FRAC_PI_2)), r, c).resolution(48);
            }
        }
    }
}

/// The pit's edge band and the high-formwork zone's deck outline, in the worst level of their
/// monitoring points (green while all normal), once telemetry has arrived.
fn draw_zones(
    site: Option<Res<Site>>,
    clock: Res<TwinClock>,
    index: Res<SiteIndex>,
    objects: Query<&crate::site::ObjectSensors>,
    sensors: Query<&SensorLive>,
    mut gizmos: Gizmos,
) {
    let (Some(site), Some(_)) = (site, clock.now) else { return };
    let worst = |id: &str| {
        let mounted = index.object(id).and_then(|e| objects.get(e).ok());
        mounted.map_or(Level::Normal, |m| {
            m.0.iter().filter_map(|e| sensors.get(*e).ok()).map(|l| l.level).max().unwrap_or_default()
        })
    };
    let colour =
        |l: Level| if l == Level::Normal { Color::srgb(0.3, 0.85, 0.4) } else { crate::view::markers::level_color(l) };
    for pit in &site.loaded.scene.pits {
        let y = pit.top_elevation_m as f32 + 0.12;
        let c = colour(worst(&pit.id));
        let inner = &pit.outline_m;
        let outer = geom::offset_outward(inner, zones::PIT_EDGE_BAND_M);
        for ring in [inner, &outer] {
            gizmos.linestrip(ring.iter().chain(ring.first()).map(|p| Vec3::new(p.x as f32, y, p.y as f32)), c);
        }
    }
    for f in &site.loaded.scene.formwork {
        let y = (f.base_elevation_m + f.support_height_m) as f32 + 0.15;
        let c = colour(worst(&f.id));
        gizmos
            .linestrip(f.outline_m.iter().chain(f.outline_m.first()).map(|p| Vec3::new(p.x as f32, y, p.y as f32)), c);
    }
}
