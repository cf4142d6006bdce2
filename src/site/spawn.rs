//! Spawning a read site: one entity per object (with its parameters and hazard class) and per
//! sensor (with its live state, empty until a source speaks), the id index, and the object tree
//! the panel lists, built once here rather than every frame. Every entity is scoped to the site:
//! it despawns when the next site starts loading.

use bevy::prelude::*;
use sitetwin_core::rules::hazard;
use sitetwin_core::scene::{ObjectKind, SensorKind};

use super::{
    LabelAnchor, ObjectBounds, ObjectInfo, ObjectSensors, Prop, SensorLive, Site, SiteIndex, SiteObject, SiteSensor,
    SiteSpawned,
};
use crate::LoadPhase;
use crate::frame::{site_point, site_transform};

/// The object tree of the site, grouped by kind in the order the panel lists them.
#[derive(Resource, Debug, Clone, Default)]
pub struct ObjectTree {
    /// Groups, in display order; empty groups are left out.
    pub groups: Vec<TreeGroup>,
}

/// One kind of object in the tree.
#[derive(Debug, Clone)]
pub struct TreeGroup {
    /// The kind of its first member (facilities of every kind share one group).
    pub kind: ObjectKind,
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

/// The tree's group of a kind (all facilities together), in display order.
fn group_rank(k: ObjectKind) -> usize {
    match k {
        ObjectKind::TowerCrane => 0,
        ObjectKind::Hoist => 1,
        ObjectKind::FoundationPit => 2,
        ObjectKind::FormworkZone => 3,
        ObjectKind::Scaffold => 4,
        ObjectKind::Structure => 5,
        ObjectKind::DistributionBox => 6,
        ObjectKind::Facility(_) => 7,
        ObjectKind::Gate | ObjectKind::Walkway => 8,
    }
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
    let loaded = &site.0;
    let scene = &loaded.scene;
    let scoped = DespawnOnEnter(LoadPhase::Reading);
    let mut hazards = hazard::classify(scene);
    let mut groups: Vec<(usize, TreeGroup)> = Vec::new();
    for o in scene.objects() {
        let anchor = site_point(o.label_at_m);
        let bounds = o
            .model
            .and_then(|m| Some((scene.model(m)?, loaded.models.get(m)?.bounds_m?)))
            .map(|(inst, b)| {
                let t = site_transform(inst);
                let (mut min, mut max) = (Vec3::splat(f32::MAX), Vec3::splat(f32::MIN));
                for k in 0..8 {
                    let p = Vec3::new(
                        if k & 1 == 0 { b.min[0] } else { b.max[0] },
                        if k & 2 == 0 { b.min[1] } else { b.max[1] },
                        if k & 4 == 0 { b.min[2] } else { b.max[2] },
                    );
                    let c = t.transform_point(p);
                    min = min.min(c);
                    max = max.max(c);
                }
                ObjectBounds { min, max }
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
                scoped.clone(),
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
        let rank = group_rank(o.kind);
        match groups.iter_mut().find(|(r, _)| *r == rank) {
            Some((_, g)) => g.items.push(item),
            None => groups.push((rank, TreeGroup { kind: o.kind, items: vec![item] })),
        }
    }
    groups.sort_by_key(|(r, _)| *r);
    tree.groups = groups.into_iter().map(|(_, g)| g).collect();
    // Models no object draws (the site ground, scenery) are props.
    let used: Vec<&str> = scene.objects().iter().filter_map(|o| o.model).collect();
    for m in scene.models.iter().filter(|m| !used.contains(&m.id.as_str())) {
        commands.spawn((
            Prop { model: m.id.clone() },
            Name::new(m.id.clone()),
            Transform::IDENTITY,
            Visibility::default(),
            scoped.clone(),
        ));
    }
    let (objects, sensors) = (index.objects.len(), index.sensors.len());
    info!("site {} spawned: {objects} objects, {sensors} sensors", scene.site.name);
    spawned.write(SiteSpawned { objects, sensors });
    phase.set(LoadPhase::Assets);
}
