//! Spawning a read site: one entity per object (with its parameters and hazard class) and per
//! sensor (with its live state, empty until a source speaks), the id index, and the object tree
//! the panel lists, built once here rather than every frame. Every entity is scoped to the site:
//! it despawns when the next site is spawned.

use bevy::prelude::*;
use sitetwin_core::rules::hazard;
use sitetwin_core::scene::{self, ObjectKind, SensorKind};

use super::{
    LabelAnchor, LoadReadiness, ObjectBounds, ObjectInfo, ObjectSensors, Prop, SensorLive, Site, SiteIndex, SiteObject,
    SiteScoped, SiteSensor, SiteSpawned,
};
use crate::LoadPhase;
use crate::frame::site_point;

/// The object tree of the site, grouped by kind in the order the panel lists them.
#[derive(Resource, Debug, Clone, Default)]
pub struct ObjectTree {
    /// Groups, in display order; empty groups are left out.
    pub groups: Vec<TreeGroup>,
}

/// One group of the tree (the core's object-kind table says which kinds share one).
#[derive(Debug, Clone)]
pub struct TreeGroup {
    /// Its place and title.
    pub group: scene::TreeGroup,
    /// Its members in scene order.
    pub items: Vec<TreeItem>,
}

/// An object in the tree.
#[derive(Debug, Clone)]
pub struct TreeItem {
    /// Its entity.
    pub entity: Entity,
    /// Scene id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Kind.
    pub kind: ObjectKind,
    /// Its sensors.
    pub sensors: Vec<TreeSensor>,
}

/// A sensor under its object in the tree.
#[derive(Debug, Clone)]
pub struct TreeSensor {
    /// Its entity.
    pub entity: Entity,
    /// Scene id.
    pub id: String,
    /// Display name, if any.
    pub name: Option<String>,
    /// What it measures.
    pub kind: SensorKind,
}

/// The site shown so far goes: its entities (with their children: models, sensors, markers)
/// and what was derived from it.
pub(super) fn despawn_old_site(
    mut commands: Commands,
    scoped: Query<Entity, With<SiteScoped>>,
    mut index: ResMut<SiteIndex>,
    mut tree: ResMut<ObjectTree>,
    mut readiness: ResMut<LoadReadiness>,
) {
    for e in &scoped {
        commands.entity(e).despawn();
    }
    *index = SiteIndex::default();
    *tree = ObjectTree::default();
    *readiness = LoadReadiness::default();
}

/// Spawns the site of [`Site`] and moves on to waiting for its assets.
pub(super) fn spawn_site(
    mut commands: Commands,
    site: Option<Res<Site>>,
    mut index: ResMut<SiteIndex>,
    mut tree: ResMut<ObjectTree>,
    mut spawned: MessageWriter<SiteSpawned>,
    mut phase: ResMut<NextState<LoadPhase>>,
) {
    let Some(site) = site else {
        warn!("no site read: nothing to spawn");
        return;
    };
    let loaded = &site.loaded;
    let scene = &loaded.scene;
    let mut hazards = hazard::classify(scene);
    let mut groups: Vec<TreeGroup> = Vec::new();
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
        let hazard = hazards.iter().position(|c| c.object == o.id).map(|i| hazards.swap_remove(i));
        let object = commands
            .spawn((
                SiteObject {
                    id: o.id.to_string(),
                    name: o.name.to_string(),
                    kind: o.kind,
                    model: o.model.map(str::to_string),
                },
                ObjectInfo { params: scene.params(o.id), hazard },
                Name::new(format!("{} {}", o.id, o.name)),
                LabelAnchor(anchor),
                bounds,
                Transform::IDENTITY,
                Visibility::default(),
                SiteScoped,
            ))
            .id();
        index.objects.insert(o.id.to_string(), object);
        let mut item = TreeItem {
            entity: object,
            id: o.id.to_string(),
            name: o.name.to_string(),
            kind: o.kind,
            sensors: Vec::new(),
        };
        for s in scene.sensors_on(o.id) {
            let sensor = commands
                .spawn((
                    SiteSensor {
                        id: s.id.clone(),
                        name: s.name.clone(),
                        kind: s.kind,
                        unit: s.unit.clone(),
                        object,
                        node: s.anchor.node.clone(),
                        device_id: s.device_id.clone(),
                        interval_s: s.interval_s,
                        range: s.range,
                        position_m: s.position_m,
                    },
                    SensorLive::default(),
                    Name::new(s.id.clone()),
                    Transform::from_translation(site_point(s.position_m)),
                    Visibility::default(),
                    ChildOf(object),
                ))
                .id();
            index.sensors.insert(s.id.clone(), sensor);
            item.sensors.push(TreeSensor { entity: sensor, id: s.id.clone(), name: s.name.clone(), kind: s.kind });
        }
        commands.entity(object).insert(ObjectSensors(item.sensors.iter().map(|s| s.entity).collect()));
        match groups.iter_mut().find(|g| g.group == o.spec.tree) {
            Some(g) => g.items.push(item),
            None => groups.push(TreeGroup { group: o.spec.tree, items: vec![item] }),
        }
    }
    groups.sort_by_key(|g| g.group.order);
    tree.groups = groups;
    // Models no object draws (the site ground, scenery) are props.
    let used: Vec<&str> = scene.objects().iter().filter_map(|o| o.model).collect();
    for m in scene.models.iter().filter(|m| !used.contains(&m.id.as_str())) {
        commands.spawn((
            Prop { model: m.id.clone() },
            Name::new(m.id.clone()),
            Transform::IDENTITY,
            Visibility::default(),
            SiteScoped,
        ));
    }
    let (objects, sensors) = (index.objects.len(), index.sensors.len());
    info!("site {} spawned: {objects} objects, {sensors} sensors", scene.site.name);
    spawned.write(SiteSpawned { objects, sensors });
    phase.set(LoadPhase::Assets);
}
