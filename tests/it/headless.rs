//! The simulation plugins under `MinimalPlugins`: no window, no renderer.

use bevy::prelude::*;
use sitetwin::SimulationPlugins;
use sitetwin::site::{LabelAnchor, ObjectBounds, Prop, Site, SiteObject, SiteSensor, SiteSpawned};
use sitetwin_core::scene::{self, ModelChecks, ObjectKind, SensorKind};

use crate::repo;

fn headless_app(checks: ModelChecks) -> (App, scene::LoadedScene) {
    let loaded = scene::load(&repo().join("scenes/demo.ron"), checks).unwrap();
    let mut app = App::new();
    app.add_plugins(MinimalPlugins).insert_resource(Site(loaded.clone())).add_plugins(SimulationPlugins);
    app.update();
    (app, loaded)
}

#[test]
fn every_object_and_sensor_of_the_demo_becomes_an_entity() {
    let (mut app, loaded) = headless_app(ModelChecks::Import);
    let world = app.world_mut();
    let objects: Vec<SiteObject> = world.query::<&SiteObject>().iter(world).cloned().collect();
    let expected = loaded.scene.objects();
    assert_eq!(objects.len(), expected.len());
    for o in &expected {
        let found = objects.iter().find(|x| x.id == o.id).unwrap_or_else(|| panic!("{} has no entity", o.id));
        assert_eq!(found.kind, o.kind);
        assert_eq!(found.model.as_deref(), o.model);
    }
    let sensors: Vec<SiteSensor> = world.query::<&SiteSensor>().iter(world).cloned().collect();
    assert_eq!(sensors.len(), loaded.scene.sensors.len());
    assert_eq!(sensors.len(), 48);
    let rad = sensors.iter().find(|s| s.id == "TC1-RAD").unwrap();
    assert_eq!((rad.kind, rad.unit.as_str(), rad.object.as_str()), (SensorKind::TrolleyRadius, "m", "TC1"));
    assert_eq!(rad.node.as_deref(), Some("trolley"));
    // The ground is a prop (drawn, but no semantic object).
    let props: Vec<String> = world.query::<&Prop>().iter(world).map(|p| p.model.clone()).collect();
    assert_eq!(props, vec!["ground".to_string()]);
}

#[test]
fn sensors_are_children_of_their_objects_at_their_surveyed_positions() {
    let (mut app, _) = headless_app(ModelChecks::Skip);
    let world = app.world_mut();
    let mut q = world.query::<(&SiteSensor, &ChildOf, &Transform)>();
    let rows: Vec<(SiteSensor, Entity, Vec3)> =
        q.iter(world).map(|(s, c, t)| (s.clone(), c.parent(), t.translation)).collect();
    for (s, parent, at) in rows {
        let owner = world.get::<SiteObject>(parent).unwrap();
        assert_eq!(owner.id, s.object, "{}", s.id);
        if s.id == "ZL1" {
            assert_eq!(at, Vec3::new(-35.0, -1.0, -17.0));
        }
    }
}

#[test]
fn object_bounds_come_from_the_imported_models() {
    let (mut app, _) = headless_app(ModelChecks::Import);
    let world = app.world_mut();
    let mut q = world.query::<(&SiteObject, &ObjectBounds, &LabelAnchor)>();
    let tc1 = q.iter(world).find(|(o, _, _)| o.id == "TC1").map(|(_, b, a)| (*b, *a)).unwrap();
    // Mast base at (12, 0, -10), 45 m pivot, 60 m jib along +x.
    assert!(tc1.0.max.x > 71.5 && tc1.0.max.y > 45.0 && tc1.0.min.x < -3.0, "{:?}", tc1.0);
    assert!((tc1.1.0 - Vec3::new(12.0, 48.0, -10.0)).length() < 1e-4);
    let pit = q.iter(world).find(|(o, _, _)| o.kind == ObjectKind::FoundationPit).map(|(_, b, _)| *b).unwrap();
    assert!(pit.min.y < -6.0 && pit.min.x <= -52.5 && pit.max.x >= -18.0, "{pit:?}");
}

#[test]
fn the_site_announces_what_it_spawned() {
    let (mut app, _) = headless_app(ModelChecks::Skip);
    let messages = app.world().resource::<Messages<SiteSpawned>>();
    let mut reader = messages.get_cursor();
    let all: Vec<_> = reader.read(messages).collect();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].objects, all[0].sensors), (24, 48));
    app.update();
    assert_eq!(app.world_mut().query::<&SiteObject>().iter(app.world()).count(), 24, "no double spawn");
}

#[test]
fn the_site_knows_its_major_hazard_works() {
    let (app, _) = headless_app(ModelChecks::Skip);
    let hazards = app.world().resource::<sitetwin::site::Hazards>();
    let pit = hazards.of("PIT1").unwrap();
    assert_eq!(pit.class, sitetwin_core::rules::hazard::HazardClass::OverScale);
    assert_eq!(pit.rule, "hazard.pit.depth-5m");
    assert!(hazards.of("DORM").is_none(), "a dormitory is not a classified work");
}
