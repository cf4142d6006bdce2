//! Overlays drawn on the twin: a marker per sensor coloured by monitoring group, crane swing
//! circles (the anti-collision picture), and the selection highlight.

use std::f32::consts::FRAC_PI_2;

use bevy::prelude::*;
use sitetwin_core::scene::SensorGroup;

use crate::TwinSet;
use crate::frame::site_point;
use crate::selection::Selection;
use crate::site::{ObjectBounds, Site, SiteSensor};
use crate::view::models::ModelMissing;

/// Display colour of a sensor group (also used by the legend).
pub fn group_color(g: SensorGroup) -> Color {
    match g {
        SensorGroup::Crane => Color::srgb(1.0, 0.45, 0.0),
        SensorGroup::Hoist => Color::srgb(0.2, 0.55, 1.0),
        SensorGroup::Pit => Color::srgb(0.95, 0.15, 0.75),
        SensorGroup::Formwork => Color::srgb(0.6, 0.3, 1.0),
        SensorGroup::Environment => Color::srgb(0.0, 0.85, 0.85),
        SensorGroup::Electricity => Color::srgb(1.0, 0.9, 0.1),
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
        app.init_resource::<OverlaySettings>()
            .add_systems(Update, add_sensor_markers.in_set(TwinSet::Update))
            .add_systems(
                Update,
                (draw_swing_circles, draw_selection, show_markers, outline_missing_models).in_set(TwinSet::Overlay),
            );
    }
}

/// The marker sphere and one material per sensor group, made once.
struct MarkerAssets {
    mesh: Handle<Mesh>,
    materials: Vec<(SensorGroup, Handle<StandardMaterial>)>,
}

fn add_sensor_markers(
    mut commands: Commands,
    new: Query<(Entity, &SiteSensor), Added<SiteSensor>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut cache: Local<Option<MarkerAssets>>,
) {
    if new.is_empty() {
        return;
    }
    let MarkerAssets { mesh, materials: mats } = cache.get_or_insert_with(|| {
        let mesh = meshes.add(Sphere::new(0.45).mesh().ico(2).unwrap_or_else(|_| Sphere::new(0.45).mesh().uv(12, 8)));
        let mats = SensorGroup::ALL
            .iter()
            .map(|g| {
                let c = group_color(*g);
                (
                    *g,
                    materials.add(StandardMaterial {
                        base_color: c,
                        emissive: c.to_linear() * 2.0,
                        unlit: true,
                        ..default()
                    }),
                )
            })
            .collect();
        MarkerAssets { mesh, materials: mats }
    });
    for (e, s) in &new {
        let group = s.kind.group();
        let mat = mats.iter().find(|(g, _)| *g == group).map(|(_, m)| m.clone()).unwrap_or_default();
        commands.entity(e).insert((Mesh3d(mesh.clone()), MeshMaterial3d(mat)));
    }
}

#[allow(clippy::type_complexity)]
fn show_markers(
    settings: Res<OverlaySettings>,
    mut markers: ParamSet<(Query<&mut Visibility, Added<SiteSensor>>, Query<&mut Visibility, With<SiteSensor>>)>,
) {
    let shown = if settings.sensor_markers { Visibility::Inherited } else { Visibility::Hidden };
    if settings.is_changed() {
        markers.p1().iter_mut().for_each(|mut v| *v = shown);
    } else {
        markers.p0().iter_mut().for_each(|mut v| *v = shown);
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
