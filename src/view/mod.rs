//! The view feature group: lighting, the glTF models (read through the `site://` asset source),
//! the orbit camera, picking and overlays. Everything here needs a renderer; the site's entities
//! come from `site`.

pub mod assets;
pub mod camera;
pub mod markers;
pub mod models;
pub mod motion;
pub mod overlay;
pub mod picking;

use bevy::light::CascadeShadowConfigBuilder;
use bevy::picking::mesh_picking::MeshPickingPlugin;
use bevy::prelude::*;

/// Adds the view plugins.
pub struct ViewPlugin;

impl Plugin for ViewPlugin {
    fn build(&self, app: &mut App) {
        crate::configure(app);
        if app.world().get_resource::<assets::SiteRoots>().is_none() {
            error!("add SiteAssetsPlugin before DefaultPlugins (the app builder does): without it no model can load");
            app.init_resource::<assets::SiteRoots>();
        }
        if !app.is_plugin_added::<MeshPickingPlugin>() {
            app.add_plugins(MeshPickingPlugin);
        }
        app.insert_resource(ClearColor(Color::srgb(0.62, 0.74, 0.86)))
            .insert_resource(GlobalAmbientLight {
                color: Color::srgb(0.85, 0.9, 1.0),
                brightness: 900.0,
                affects_lightmapped_meshes: true,
            })
            .add_plugins((
                camera::CameraPlugin,
                markers::MarkerPlugin,
                models::ModelsPlugin,
                motion::MotionViewPlugin,
                overlay::OverlayPlugin,
                picking::PickingPlugin,
            ))
            .add_systems(Startup, spawn_sun);
    }
}

/// A low afternoon sun from the south-west, so that masts and frames cast readable shadows.
fn spawn_sun(mut commands: Commands) {
    commands.spawn((
        DirectionalLight { illuminance: 9_000.0, shadow_maps_enabled: true, ..default() },
        Transform::from_xyz(-80.0, 120.0, 90.0).looking_at(Vec3::ZERO, Vec3::Y),
        CascadeShadowConfigBuilder {
            num_cascades: 3,
            minimum_distance: 0.5,
            first_cascade_far_bound: 80.0,
            maximum_distance: 600.0,
            ..default()
        }
        .build(),
        Name::new("sun"),
    ));
}
