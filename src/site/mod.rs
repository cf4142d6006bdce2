//! The site feature: turns a validated scene (`sitetwin_core::scene::LoadedScene`) into entities,
//! one per semantic object and one per sensor, with the components the rest of the twin queries.
//! Headless-safe: no rendering, no assets.

use bevy::prelude::*;
use sitetwin_core::scene::{LoadedScene, ObjectKind, SensorKind};

use crate::view::convert::site_point;

/// The scene the twin shows.
#[derive(Resource, Debug, Clone)]
pub struct Site(pub LoadedScene);

/// A semantic object of the site (crane, pit, gate...). Its entity sits at the site origin; its
/// model and sensors are children placed in site coordinates.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct SiteObject {
    /// The scene id.
    pub id: String,
    /// What it is.
    pub kind: ObjectKind,
    /// The model instance drawing it, if any.
    pub model: Option<String>,
}

/// Where an object's label and camera presets aim, site frame.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct LabelAnchor(pub Vec3);

/// World-space bounds of an object (from its model when imported, else a box at its anchor).
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct ObjectBounds {
    /// Smallest corner.
    pub min: Vec3,
    /// Largest corner.
    pub max: Vec3,
}

impl ObjectBounds {
    /// Centre of the box.
    pub fn center(&self) -> Vec3 {
        (self.min + self.max) / 2.0
    }

    /// Half the diagonal.
    pub fn radius(&self) -> f32 {
        (self.max - self.min).length() / 2.0
    }
}

/// A sensor or monitoring point.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct SiteSensor {
    /// The scene id.
    pub id: String,
    /// What it measures.
    pub kind: SensorKind,
    /// Unit of its readings.
    pub unit: String,
    /// The object id it is mounted on.
    pub object: String,
    /// The model node it follows, if any.
    pub node: Option<String>,
}

/// A placed model that no object uses (scenery from a model kit).
#[derive(Component, Debug, Clone, PartialEq)]
pub struct Prop {
    /// The model instance id.
    pub model: String,
}

/// The major-hazard class of each work of the site (Order 37 / Notice 31), computed once by the
/// core's rules for the info panel and the reports.
#[derive(Resource, Debug, Clone, Default)]
pub struct Hazards(pub Vec<sitetwin_core::rules::hazard::Classification>);

impl Hazards {
    /// The classification of an object, if it is a work the rules classify.
    pub fn of(&self, id: &str) -> Option<&sitetwin_core::rules::hazard::Classification> {
        self.0.iter().find(|c| c.object == id)
    }
}

/// Fired once the site's entities exist.
#[derive(Message, Debug, Clone, Copy)]
pub struct SiteSpawned {
    /// Objects spawned.
    pub objects: usize,
    /// Sensors spawned.
    pub sensors: usize,
}

/// Spawns the site's objects and sensors from the [`Site`] resource at startup.
pub struct SitePlugin;

impl Plugin for SitePlugin {
    fn build(&self, app: &mut App) {
        crate::configure_sets(app);
        app.add_message::<SiteSpawned>().add_systems(Startup, spawn_site);
    }
}

fn spawn_site(mut commands: Commands, site: Option<Res<Site>>, mut spawned: MessageWriter<SiteSpawned>) {
    let Some(site) = site else {
        warn!("no site loaded: nothing to show");
        return;
    };
    let loaded = &site.0;
    let scene = &loaded.scene;
    commands.insert_resource(Hazards(sitetwin_core::rules::hazard::classify(scene)));
    let mut objects = 0;
    let mut sensors = 0;
    for o in scene.objects() {
        let anchor = site_point(o.label_at_m);
        let bounds = o
            .model
            .and_then(|m| Some((scene.model(m)?, loaded.models.get(m)?.bounds_m?)))
            .map(|(inst, b)| {
                let (min, max) = inst.site_bounds_m(&b);
                ObjectBounds { min: site_point(min), max: site_point(max) }
            })
            .unwrap_or(ObjectBounds { min: anchor - Vec3::splat(1.5), max: anchor + Vec3::splat(1.5) });
        let object = commands
            .spawn((
                SiteObject { id: o.id.to_string(), kind: o.kind, model: o.model.map(str::to_string) },
                Name::new(format!("{} {}", o.id, o.name)),
                LabelAnchor(anchor),
                bounds,
                Transform::IDENTITY,
                Visibility::default(),
            ))
            .id();
        objects += 1;
        for s in scene.sensors_on(o.id) {
            commands.spawn((
                SiteSensor {
                    id: s.id.clone(),
                    kind: s.kind,
                    unit: s.unit.clone(),
                    object: s.anchor.object.clone(),
                    node: s.anchor.node.clone(),
                },
                Name::new(s.id.clone()),
                Transform::from_translation(site_point(s.position_m)),
                Visibility::default(),
                ChildOf(object),
            ));
            sensors += 1;
        }
    }
    // Models no object draws (the site ground, scenery) are props.
    let used: Vec<&str> = scene.objects().iter().filter_map(|o| o.model).collect();
    for m in scene.models.iter().filter(|m| !used.contains(&m.id.as_str())) {
        commands.spawn((
            Prop { model: m.id.clone() },
            Name::new(m.id.clone()),
            Transform::IDENTITY,
            Visibility::default(),
        ));
    }
    info!("site {} ready: {objects} objects, {sensors} sensors", scene.site.name);
    spawned.write(SiteSpawned { objects, sensors });
}
