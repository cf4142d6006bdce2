//! Clicks select what a user means: a hit on any mesh deep inside a model selects its object, a
//! hit on a sensor marker selects the sensor, a hit on the ground clears, and the release that
//! ends a camera drag selects nothing. Pointer events are triggered as the picking backend would.

use std::time::Duration;

use bevy::camera::NormalizedRenderTarget;
use bevy::picking::backend::HitData;
use bevy::picking::events::{Click, Pointer};
use bevy::picking::pointer::{Location, PointerButton, PointerId};
use bevy::prelude::*;
use sitetwin::selection::Selection;
use sitetwin::site::{Prop, SiteObject, SiteSensor};
use sitetwin::view::camera::PointerDrag;
use sitetwin::view::picking::PickingPlugin;
use sitetwin_core::scene::{ObjectKind, SensorKind};

struct Scene {
    app: App,
    crane: Entity,
    crane_part: Entity,
    sensor: Entity,
    ground_part: Entity,
}

fn world() -> Scene {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .init_resource::<Selection>()
        .init_resource::<PointerDrag>()
        .add_plugins(PickingPlugin);
    // Pointer events bubble through a traversal that also looks for windows; without the window
    // plugin the component must still be known for the bubbling to run.
    app.world_mut().register_component::<Window>();
    let w = app.world_mut();
    let crane = w
        .spawn(SiteObject {
            id: "TC1".into(),
            name: "1#塔吊".into(),
            kind: ObjectKind::TowerCrane,
            model: Some("tc1".into()),
        })
        .id();
    // Model root → slewing → trolley → hook mesh, as a glTF scene spawns it.
    let model = w.spawn(ChildOf(crane)).id();
    let slewing = w.spawn(ChildOf(model)).id();
    let crane_part = w.spawn(ChildOf(slewing)).id();
    let sensor = w
        .spawn((
            SiteSensor {
                id: "TC1-RAD".into(),
                name: None,
                kind: SensorKind::TrolleyRadius,
                unit: "m".into(),
                object: crane,
                node: Some("trolley".into()),
                device_id: None,
                interval_s: Some(10.0),
                range: None,
                position_m: bevy::math::DVec3::new(40.0, 45.0, -10.0),
            },
            ChildOf(slewing),
        ))
        .id();
    let ground = w.spawn(Prop { model: "ground".into() }).id();
    let ground_part = w.spawn(ChildOf(ground)).id();
    app.update();
    Scene { app, crane, crane_part, sensor, ground_part }
}

fn click(app: &mut App, on: Entity, button: PointerButton) {
    let camera = app.world_mut().spawn_empty().id();
    let location = Location {
        target: NormalizedRenderTarget::None { width: 800, height: 600 },
        position: Vec2::new(400.0, 300.0),
    };
    let hit = HitData::new(camera, 10.0, Some(Vec3::ZERO), None);
    let event = Click { button, hit, duration: Duration::from_millis(120), count: 1 };
    app.world_mut().trigger(Pointer::new(PointerId::Mouse, location, event, on));
    app.update();
}

fn selection(app: &App) -> Selection {
    *app.world().resource::<Selection>()
}

#[test]
fn a_click_anywhere_on_a_model_selects_its_object() {
    let mut s = world();
    click(&mut s.app, s.crane_part, PointerButton::Primary);
    assert_eq!(selection(&s.app), Selection::Object(s.crane));
}

#[test]
fn a_click_on_a_sensor_marker_selects_the_sensor_not_the_crane_it_rides() {
    let mut s = world();
    click(&mut s.app, s.sensor, PointerButton::Primary);
    assert_eq!(selection(&s.app), Selection::Sensor(s.sensor));
}

#[test]
fn the_ground_clears_and_other_buttons_and_drags_do_nothing() {
    let mut s = world();
    click(&mut s.app, s.crane_part, PointerButton::Primary);
    click(&mut s.app, s.sensor, PointerButton::Secondary);
    assert_eq!(selection(&s.app), Selection::Object(s.crane), "right button ignored");
    s.app.world_mut().resource_mut::<PointerDrag>().moved_px = 40.0;
    click(&mut s.app, s.sensor, PointerButton::Primary);
    assert_eq!(selection(&s.app), Selection::Object(s.crane), "the end of an orbit drag is not a click");
    s.app.world_mut().resource_mut::<PointerDrag>().moved_px = 0.0;
    click(&mut s.app, s.ground_part, PointerButton::Primary);
    assert_eq!(selection(&s.app), Selection::None);
}
