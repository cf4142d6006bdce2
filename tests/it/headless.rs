//! The simulation plugins under `MinimalPlugins`: no window, no renderer. Sites open through the
//! loading phases, own their state on their entities, and switch without leaving anything behind.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use sitetwin::selection::{PendingSelection, Selection};
use sitetwin::site::{
    LabelAnchor, LoadFailure, ObjectBounds, ObjectInfo, ObjectSensors, ObjectTree, Prop, SensorLive, SiteIndex,
    SiteObject, SiteOpenRequested, SiteProblems, SiteRequest, SiteSensor, SiteSpawned,
};
use sitetwin::{AppMode, LoadPhase, SimulationPlugins};
use sitetwin_core::scene::{self, ModelChecks, ObjectKind, SensorKind};

use crate::{repo, scratch};

fn demo() -> PathBuf {
    repo().join("scenes/demo.ron")
}

fn kenney() -> PathBuf {
    repo().join("tests/it/scenes/kenney-yard.ron")
}

fn phase(app: &App) -> Option<LoadPhase> {
    app.world().get_resource::<State<LoadPhase>>().map(|s| *s.get())
}

fn mode(app: &App) -> AppMode {
    *app.world().resource::<State<AppMode>>().get()
}

/// Runs frames until the site is open (or failed); the scene is read on a worker thread.
fn settle(app: &mut App) {
    for _ in 0..2000 {
        app.update();
        if mode(app) == AppMode::Twin || phase(app) == Some(LoadPhase::Failed) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    panic!("the site did not open: mode {:?}, phase {:?}", mode(app), phase(app));
}

fn headless_app(scene: &Path) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(SiteRequest { path: scene.to_path_buf(), generation: 1 })
        .add_plugins(SimulationPlugins);
    settle(&mut app);
    app
}

fn open(app: &mut App, scene: &Path) {
    app.world_mut().write_message(SiteOpenRequested { path: scene.to_path_buf() });
    // The request is taken this frame; the mode changes at the next frame's state transition.
    app.update();
    app.update();
    assert_eq!(mode(app), AppMode::Loading, "opening starts loading");
    settle(app);
}

/// Every entity but the resources' (which are entities too).
fn entities(app: &mut App) -> usize {
    app.world_mut().query_filtered::<Entity, Without<bevy::ecs::resource::IsResource>>().iter(app.world()).count()
}

fn ids<C: Component>(app: &mut App, f: impl Fn(&C) -> String) -> Vec<String> {
    let world = app.world_mut();
    let mut v: Vec<String> = world.query::<&C>().iter(world).map(f).collect();
    v.sort();
    v
}

#[test]
fn every_object_and_sensor_of_the_demo_becomes_an_entity_with_its_state() {
    let mut app = headless_app(&demo());
    assert_eq!(mode(&app), AppMode::Twin);
    let loaded = scene::load(&demo(), ModelChecks::Skip).unwrap();
    let world = app.world_mut();
    let objects: Vec<(SiteObject, ObjectInfo)> =
        world.query::<(&SiteObject, &ObjectInfo)>().iter(world).map(|(o, i)| (o.clone(), i.clone())).collect();
    let expected = loaded.scene.objects();
    assert_eq!(objects.len(), expected.len());
    for o in &expected {
        let (found, info) = objects.iter().find(|x| x.0.id == o.id).unwrap_or_else(|| panic!("{} has no entity", o.id));
        assert_eq!((found.kind, found.name.as_str(), found.model.as_deref()), (o.kind, o.name, o.model));
        assert_eq!(info.params, loaded.scene.params(o.id), "{}", o.id);
    }
    let sensors: Vec<SiteSensor> = world.query::<&SiteSensor>().iter(world).cloned().collect();
    assert_eq!(sensors.len(), 62);
    let rad = sensors.iter().find(|s| s.id == "TC1-RAD").unwrap();
    assert_eq!((rad.kind, rad.unit.as_str()), (SensorKind::TrolleyRadius, "m"));
    assert_eq!(rad.node.as_deref(), Some("trolley"));
    assert_eq!(world.get::<SiteObject>(rad.object).unwrap().id, "TC1");
    // Sensors start with no reading: the twin shows a static scene until a source speaks.
    assert!(world.query::<&SensorLive>().iter(world).all(|l| l.latest.is_none() && l.history.is_empty()));
    // The ground is a prop (drawn, but no semantic object).
    let props: Vec<String> = world.query::<&Prop>().iter(world).map(|p| p.model.clone()).collect();
    assert_eq!(props, vec!["ground".to_string()]);
}

#[test]
fn lookups_go_through_one_index_and_objects_list_their_sensors() {
    let app = headless_app(&demo());
    let index = app.world().resource::<SiteIndex>().clone();
    assert_eq!((index.objects(), index.sensors()), (24, 62));
    let tc1 = index.object("TC1").unwrap();
    assert_eq!(app.world().get::<SiteObject>(tc1).unwrap().id, "TC1");
    let sensors = app.world().get::<ObjectSensors>(tc1).unwrap().0.clone();
    let names: Vec<String> = sensors.iter().map(|e| app.world().get::<SiteSensor>(*e).unwrap().id.clone()).collect();
    assert!(names.contains(&"TC1-RAD".to_string()) && names.contains(&"TC1-LOAD".to_string()), "{names:?}");
    let rad = index.sensor("TC1-RAD").unwrap();
    assert!(sensors.contains(&rad));
    assert_eq!(app.world().get::<SiteSensor>(rad).unwrap().id, "TC1-RAD");
    assert!(index.object("NOPE").is_none());
    // The tree the panel lists is built once, in display order: cranes first, every object once.
    let tree = app.world().resource::<ObjectTree>();
    assert!(tree.groups[0].items.iter().all(|i| i.kind == ObjectKind::TowerCrane));
    assert_eq!(tree.groups.iter().map(|g| g.items.len()).sum::<usize>(), 24);
    assert_eq!(tree.groups.iter().flat_map(|g| &g.items).map(|i| i.sensors.len()).sum::<usize>(), 62);
}

#[test]
fn sensors_are_children_of_their_objects_at_their_surveyed_positions() {
    let mut app = headless_app(&demo());
    let world = app.world_mut();
    let mut q = world.query::<(&SiteSensor, &ChildOf, &Transform)>();
    let rows: Vec<(SiteSensor, Entity, Vec3)> =
        q.iter(world).map(|(s, c, t)| (s.clone(), c.parent(), t.translation)).collect();
    assert_eq!(rows.len(), 62);
    for (s, parent, at) in rows {
        assert_eq!(parent, s.object, "{}", s.id);
        if s.id == "ZL1" {
            assert_eq!(at, Vec3::new(-35.0, -1.0, -17.0));
        }
    }
}

#[test]
fn object_bounds_come_from_the_imported_models() {
    let mut app = headless_app(&demo());
    let world = app.world_mut();
    let mut q = world.query::<(&SiteObject, &ObjectBounds, &LabelAnchor)>();
    let tc1 = q.iter(world).find(|(o, _, _)| o.id == "TC1").map(|(_, b, a)| (*b, *a)).unwrap();
    // Mast base at (12, 0, -10), 45 m pivot, 60 m jib along +x.
    assert!(tc1.0.max.x > 71.5 && tc1.0.max.y > 45.0 && tc1.0.min.x < -3.0, "{:?}", tc1.0);
    assert!((tc1.1.0 - Vec3::new(12.0, 48.0, -10.0)).length() < 1e-4);
    let pit = q.iter(world).find(|(o, _, _)| o.kind == ObjectKind::FoundationPit).map(|(_, b, _)| *b).unwrap();
    assert!(pit.min.y < -6.0 && pit.min.x <= -52.5 && pit.max.x >= -18.0, "{pit:?}");
}

#[derive(Resource, Default)]
struct Spawns(Vec<(usize, usize)>);

fn count_spawns(mut spawned: MessageReader<SiteSpawned>, mut spawns: ResMut<Spawns>) {
    spawns.0.extend(spawned.read().map(|m| (m.objects, m.sensors)));
}

#[test]
fn the_site_announces_what_it_spawned_once() {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(SiteRequest { path: demo(), generation: 1 })
        .add_plugins(SimulationPlugins)
        .init_resource::<Spawns>()
        .add_systems(Update, count_spawns);
    settle(&mut app);
    for _ in 0..5 {
        app.update();
    }
    assert_eq!(app.world().resource::<Spawns>().0, vec![(24, 62)]);
    assert_eq!(app.world_mut().query::<&SiteObject>().iter(app.world()).count(), 24, "no double spawn");
}

#[test]
fn works_carry_their_major_hazard_class() {
    let app = headless_app(&demo());
    let index = app.world().resource::<SiteIndex>().clone();
    let pit = app.world().get::<ObjectInfo>(index.object("PIT1").unwrap()).unwrap().hazard.clone().unwrap();
    assert_eq!(pit.class, sitetwin_core::rules::hazard::HazardClass::OverScale);
    assert_eq!(pit.rule, "hazard.pit.depth-5m");
    let dorm = app.world().get::<ObjectInfo>(index.object("DORM").unwrap()).unwrap();
    assert!(dorm.hazard.is_none(), "a dormitory is not a classified work");
}

#[test]
fn switching_sites_replaces_everything_and_coming_back_restores_it() {
    let mut app = headless_app(&demo());
    let count_all = |app: &mut App| entities(app);
    let demo_objects = ids::<SiteObject>(&mut app, |o| o.id.clone());
    let demo_sensors = ids::<SiteSensor>(&mut app, |s| s.id.clone());
    let demo_entities = count_all(&mut app);
    let tc1 = app.world().resource::<SiteIndex>().object("TC1").unwrap();
    *app.world_mut().resource_mut::<Selection>() = Selection::Object(tc1);

    open(&mut app, &kenney());
    assert_eq!(mode(&app), AppMode::Twin);
    let k = scene::load(&kenney(), ModelChecks::Skip).unwrap();
    let objects = ids::<SiteObject>(&mut app, |o| o.id.clone());
    let mut want: Vec<String> = k.scene.objects().iter().map(|o| o.id.to_string()).collect();
    want.sort();
    assert_eq!(objects, want, "exactly the Kenney yard's objects");
    assert_eq!(ids::<SiteSensor>(&mut app, |s| s.id.clone()).len(), k.scene.sensors.len());
    let used: Vec<&str> = k.scene.objects().iter().filter_map(|o| o.model).collect();
    assert_eq!(
        ids::<Prop>(&mut app, |p| p.model.clone()).len(),
        k.scene.models.iter().filter(|m| !used.contains(&m.id.as_str())).count()
    );
    assert!(app.world().get_entity(tc1).is_err(), "the demo's crane entity is gone");
    assert_eq!(*app.world().resource::<Selection>(), Selection::None, "the selection went with its site");
    let index = app.world().resource::<SiteIndex>();
    assert!(index.object("TC1").is_none() && index.sensor("TC1-RAD").is_none());
    assert_eq!(app.world().resource::<SiteRequest>().generation, 2);

    open(&mut app, &demo());
    assert_eq!(ids::<SiteObject>(&mut app, |o| o.id.clone()), demo_objects);
    assert_eq!(ids::<SiteSensor>(&mut app, |s| s.id.clone()), demo_sensors);
    assert_eq!(count_all(&mut app), demo_entities, "nothing of either site is left over");
    assert_eq!(app.world().resource::<SiteRequest>().generation, 3);
}

#[test]
fn a_scene_with_a_missing_model_opens_with_the_rest_and_reports_it() {
    let dir = scratch("missing-model");
    let text = std::fs::read_to_string(demo())
        .unwrap()
        .replace("../assets/", &format!("{}/assets/", repo().display()))
        .replace("models/demo/hs1.glb", "models/demo/hs1-was-deleted.glb");
    let path = dir.join("site.ron");
    std::fs::write(&path, text).unwrap();
    let app = headless_app(&path);
    assert_eq!(mode(&app), AppMode::Twin, "the site opens");
    assert_eq!(app.world().resource::<SiteIndex>().objects(), 24, "with every object, the hoist included");
    let problems = app.world().resource::<SiteProblems>();
    assert_eq!(problems.models.len(), 1);
    let p = &problems.models[0];
    assert_eq!(p.model, "hs1");
    assert!(p.file.ends_with("hs1-was-deleted.glb"), "{}", p.file.display());
    assert!(p.issue.message.contains("does not exist") && p.issue.pos.is_some(), "{}", p.issue);
    assert_eq!(problems.count(), 1);
}

fn broken_scene(name: &str) -> PathBuf {
    let path = scratch(name).join("broken.ron");
    std::fs::write(&path, "SiteScene(\n    version: 1,\n    site: (id: \"X\", name: 5),\n    cranes: [oops],\n)\n")
        .unwrap();
    path
}

#[test]
fn a_scene_that_cannot_be_read_lands_on_the_error_screen_with_positioned_problems() {
    let path = broken_scene("unreadable");
    let mut app = headless_app(&path);
    assert_eq!(mode(&app), AppMode::Loading);
    assert_eq!(phase(&app), Some(LoadPhase::Failed));
    let failure = app.world().resource::<LoadFailure>().clone();
    assert_eq!(failure.path, path);
    let text = failure.errors.to_string();
    let first = failure.errors.errors().next().unwrap();
    assert!(first.pos.is_some(), "{text}");
    assert!(text.contains("broken.ron:"), "{text}");
    assert_eq!(app.world_mut().query::<&SiteObject>().iter(app.world()).count(), 0, "nothing half-built");
    // The user fixes nothing and opens the demo instead: it opens.
    open(&mut app, &demo());
    assert_eq!(mode(&app), AppMode::Twin);
    assert!(app.world().get_resource::<LoadFailure>().is_none());
}

#[test]
fn a_scene_that_cannot_be_read_leaves_the_open_site_as_it_was() {
    let mut app = headless_app(&demo());
    let count_all = |app: &mut App| entities(app);
    let before = count_all(&mut app);
    let tc1 = app.world().resource::<SiteIndex>().object("TC1").unwrap();
    let broken = broken_scene("kept");
    open(&mut app, &broken);
    assert_eq!(mode(&app), AppMode::Twin, "back to the twin of the site that was open");
    assert_eq!(app.world().resource::<LoadFailure>().path, broken, "with the problems for a window");
    assert_eq!(app.world().resource::<SiteIndex>().object("TC1"), Some(tc1), "the same entities");
    assert_eq!(count_all(&mut app), before);
    assert_eq!(app.world().resource::<sitetwin::site::Site>().loaded.scene.site.id, "3206022026051701");
    // Retrying the demo itself reads it afresh: new generation, new entities, same counts.
    open(&mut app, &demo());
    let site = app.world().resource::<sitetwin::site::Site>();
    assert_eq!(site.generation, app.world().resource::<SiteRequest>().generation);
    assert_eq!(site.generation, 3);
    assert_ne!(app.world().resource::<SiteIndex>().object("TC1"), Some(tc1), "replaced, not kept");
    assert!(app.world().get_entity(tc1).is_err());
    assert_eq!(count_all(&mut app), before);
    assert!(app.world().get_resource::<LoadFailure>().is_none());
}

#[test]
fn a_request_made_while_another_site_loads_wins() {
    let mut app = headless_app(&demo());
    // Ask for the Kenney yard, and before it has been read, for the demo again.
    app.world_mut().write_message(SiteOpenRequested { path: kenney() });
    app.update();
    app.update();
    assert_eq!(phase(&app), Some(LoadPhase::Reading));
    app.world_mut().write_message(SiteOpenRequested { path: demo() });
    settle(&mut app);
    for _ in 0..5 {
        app.update();
    }
    let site = app.world().resource::<sitetwin::site::Site>();
    assert_eq!(site.loaded.file, demo(), "the last request is the site shown");
    assert_eq!(site.generation, app.world().resource::<SiteRequest>().generation);
    assert!(app.world().resource::<SiteIndex>().object("TC1").is_some());
    // And one that arrives in the very frame the demo's assets are ready (headless, `Assets` is
    // one frame: entered right after `Spawning`).
    app.world_mut().write_message(SiteOpenRequested { path: demo() });
    for _ in 0..2000 {
        app.update();
        if phase(&app) == Some(LoadPhase::Spawning) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert_eq!(phase(&app), Some(LoadPhase::Spawning));
    app.world_mut().write_message(SiteOpenRequested { path: kenney() });
    app.update();
    app.update();
    settle(&mut app);
    for _ in 0..5 {
        app.update();
    }
    assert_eq!(app.world().resource::<sitetwin::site::Site>().loaded.file, kenney());
    assert!(app.world().resource::<SiteIndex>().object("TC1").is_none());
}

#[test]
fn a_selection_whose_entity_goes_is_dropped() {
    let mut app = headless_app(&demo());
    let stray = app.world_mut().spawn_empty().id();
    *app.world_mut().resource_mut::<Selection>() = Selection::Object(stray);
    app.update();
    assert_eq!(*app.world().resource::<Selection>(), Selection::Object(stray));
    app.world_mut().despawn(stray);
    app.update();
    assert_eq!(*app.world().resource::<Selection>(), Selection::None);
}

#[test]
fn each_site_gets_its_own_rules_engine() {
    let mut app = headless_app(&demo());
    let engine = app.world().resource::<sitetwin::telemetry::SiteRules>();
    assert!(engine.engine.status("TC1-LOAD").is_some());
    open(&mut app, &kenney());
    let engine = app.world().resource::<sitetwin::telemetry::SiteRules>();
    assert!(engine.engine.status("TC1-LOAD").is_none(), "the Kenney yard's engine knows only its sensors");
}

#[test]
fn a_selection_given_by_id_is_made_once_the_site_exists() {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(SiteRequest { path: demo(), generation: 1 })
        .insert_resource(PendingSelection("TC1-LOAD".into()))
        .add_plugins(SimulationPlugins);
    settle(&mut app);
    app.update();
    let want = app.world().resource::<SiteIndex>().sensor("TC1-LOAD").unwrap();
    assert_eq!(*app.world().resource::<Selection>(), Selection::Sensor(want));
    assert!(app.world().get_resource::<PendingSelection>().is_none());
}

#[test]
fn a_sensor_keeps_a_bounded_history() {
    use sitetwin_core::rules::Quality;
    let mut live = SensorLive::default();
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-12-01T08:00:00+08:00").unwrap().to_utc();
    for i in 0..(sitetwin::site::HISTORY_CAPACITY + 10) {
        live.record(t0 + chrono::Duration::seconds(5 * i as i64), i as f64, Quality::Valid);
    }
    assert_eq!(live.history.len(), sitetwin::site::HISTORY_CAPACITY);
    assert_eq!(live.history.front().unwrap().1, 10.0, "the oldest went first");
    live.record(t0 + chrono::Duration::days(2), f64::NAN, Quality::Invalid("value is NaN".into()));
    assert_eq!(live.history.len(), sitetwin::site::HISTORY_CAPACITY, "an invalid reading is not charted");
    assert!(live.latest.as_ref().unwrap().value.is_nan(), "but it is the latest thing the sensor said");
    // Minute readings over four days: the chart keeps the last three.
    let mut live = SensorLive::default();
    for i in 0..(4 * 1440) {
        live.record(t0 + chrono::Duration::minutes(i), i as f64, Quality::Valid);
    }
    let (first, last) = (live.history.front().unwrap().0, live.history.back().unwrap().0);
    assert_eq!((last - first).num_seconds(), sitetwin::site::HISTORY_SPAN_S, "exactly three days back");
}
