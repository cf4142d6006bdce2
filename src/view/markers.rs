//! A marker per sensor at its anchor, coloured by its monitoring group while normal and by its
//! level once the rules raise it (amber warning, red alarm, magenta control, pulsing while raised;
//! grey when it has gone silent). Only markers whose sensor changed look are touched, so a frame
//! swaps materials only for what changed. Needs only the mesh and material assets (the overlay benchmark runs it
//! without a renderer).

use std::collections::HashMap;

use bevy::prelude::*;
use sitetwin_core::rules::Level;
use sitetwin_core::scene::SensorGroup;

use crate::TwinSet;
use crate::site::{SensorLive, SiteSensor};
use crate::telemetry::{TelemetrySet, TwinClock};
use crate::view::overlay::{OverlaySettings, group_color};

/// Marker colour of a level above normal, and of a silent sensor.
pub fn level_color(level: Level) -> Color {
    match level {
        Level::Normal => Color::srgb(0.35, 0.75, 0.43),
        Level::Warning => Color::srgb(1.0, 0.67, 0.0),
        Level::Alarm => Color::srgb(1.0, 0.1, 0.08),
        Level::Control => Color::srgb(0.85, 0.1, 0.85),
    }
}

/// Marker colour of a sensor gone silent.
pub const STALE_COLOR: Color = Color::srgb(0.45, 0.45, 0.48);

/// What a marker shows: its group while normal, else its level, or that it is silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MarkerLook {
    /// Normal (or no reading yet): the group's colour.
    Group(SensorGroup),
    /// Raised by the rules.
    Level(Level),
    /// Silent for longer than the rules allow.
    Stale,
}

impl MarkerLook {
    /// The look of a sensor of `group` in state `live`.
    pub fn of(group: SensorGroup, live: &SensorLive) -> Self {
        if live.stale {
            MarkerLook::Stale
        } else if live.level > Level::Normal {
            MarkerLook::Level(live.level)
        } else {
            MarkerLook::Group(group)
        }
    }

    fn color(self) -> Color {
        match self {
            MarkerLook::Group(g) => group_color(g),
            MarkerLook::Level(l) => level_color(l),
            MarkerLook::Stale => STALE_COLOR,
        }
    }
}

/// The marker sphere and one material per look, made once.
#[derive(Resource)]
struct MarkerAssets {
    mesh: Handle<Mesh>,
    materials: HashMap<MarkerLook, Handle<StandardMaterial>>,
}

impl FromWorld for MarkerAssets {
    fn from_world(world: &mut World) -> Self {
        world.resource_scope(|world, mut meshes: Mut<Assets<Mesh>>| {
            let mut materials = world.resource_mut::<Assets<StandardMaterial>>();
            Self::new(&mut meshes, &mut materials)
        })
    }
}

impl MarkerAssets {
    fn new(meshes: &mut Assets<Mesh>, materials: &mut Assets<StandardMaterial>) -> Self {
        let mesh = meshes.add(Sphere::new(0.45).mesh().ico(2).unwrap_or_else(|_| Sphere::new(0.45).mesh().uv(12, 8)));
        let looks = SensorGroup::ALL
            .iter()
            .map(|g| MarkerLook::Group(*g))
            .chain([Level::Warning, Level::Alarm, Level::Control].map(MarkerLook::Level))
            .chain([MarkerLook::Stale]);
        let materials = looks
            .map(|look| {
                let c = look.color();
                let m = StandardMaterial { base_color: c, emissive: c.to_linear() * 2.0, unlit: true, ..default() };
                (look, materials.add(m))
            })
            .collect();
        Self { mesh, materials }
    }

    fn material(&self, look: MarkerLook) -> Handle<StandardMaterial> {
        self.materials.get(&look).cloned().unwrap_or_default()
    }
}

/// The look a marker has now (its material is swapped only when this changes).
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkerShown(pub MarkerLook);

/// Adds, recolours and shows the sensors' markers.
pub struct MarkerPlugin;

impl Plugin for MarkerPlugin {
    fn build(&self, app: &mut App) {
        crate::configure(app);
        app.init_resource::<OverlaySettings>()
            .init_resource::<MarkerAssets>()
            .add_systems(Update, add_sensor_markers.in_set(TwinSet::Update).before(TelemetrySet))
            .add_systems(Update, (show_markers, recolour_markers).in_set(TwinSet::Overlay));
    }
}

fn add_sensor_markers(
    mut commands: Commands,
    new: Query<(Entity, &SiteSensor, &SensorLive), Added<SiteSensor>>,
    assets: Res<MarkerAssets>,
) {
    for (e, s, live) in &new {
        let look = MarkerLook::of(s.kind.group(), live);
        commands.entity(e).insert((
            Mesh3d(assets.mesh.clone()),
            MeshMaterial3d(assets.material(look)),
            MarkerShown(look),
        ));
    }
}

/// Recolours the markers whose sensors changed look; raised ones pulse.
#[allow(clippy::type_complexity)]
fn recolour_markers(
    time: Res<Time>,
    clock: Res<TwinClock>,
    assets: Res<MarkerAssets>,
    mut markers: Query<(
        &SiteSensor,
        Ref<SensorLive>,
        &mut MarkerShown,
        &mut MeshMaterial3d<StandardMaterial>,
        &mut Transform,
    )>,
) {
    // Raised markers pulse while time runs; a still moment (paused, a snapshot) holds them.
    let pulse = if clock.paused { 1.5 } else { 1.5 + 0.35 * (time.elapsed_secs() * 6.0).sin() };
    for (s, live, mut shown, mut material, mut t) in &mut markers {
        if live.is_changed() {
            let look = MarkerLook::of(s.kind.group(), &live);
            if shown.0 != look {
                shown.0 = look;
                material.0 = assets.material(look);
            }
        }
        let scale = match shown.0 {
            MarkerLook::Level(Level::Alarm | Level::Control) => pulse,
            MarkerLook::Level(_) => 1.3,
            _ => 1.0,
        };
        if t.scale.x != scale {
            t.scale = Vec3::splat(scale);
        }
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
