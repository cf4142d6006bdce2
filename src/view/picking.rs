//! Mouse picking: a click on any part of an object's model selects the object; a click on a
//! sensor marker selects the sensor; a click on the ground clears the selection. Clicks that end
//! a camera drag are ignored. Each object, sensor and prop watches the clicks that bubble up to it
//! from its meshes (observers on the entity, which propagation reaches hop by hop).

use bevy::picking::pointer::PointerButton;
use bevy::prelude::*;

use crate::selection::Selection;
use crate::site::{Prop, SiteObject, SiteSensor};
use crate::view::camera::PointerDrag;

/// Attaches the click observers to the site's entities as they appear.
pub struct PickingPlugin;

impl Plugin for PickingPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Update, watch_clicks.in_set(crate::TwinSet::Update));
    }
}

#[allow(clippy::type_complexity)]
fn watch_clicks(
    mut commands: Commands,
    objects: Query<Entity, Added<SiteObject>>,
    sensors: Query<Entity, Added<SiteSensor>>,
    props: Query<Entity, Added<Prop>>,
) {
    for e in &objects {
        commands.entity(e).observe(select_object);
    }
    for e in &sensors {
        commands.entity(e).observe(select_sensor);
    }
    for e in &props {
        commands.entity(e).observe(clear_selection);
    }
}

/// A primary-button click that did not end a drag; stops the bubbling either way once handled.
fn is_selecting(click: &On<Pointer<Click>>, drag: &PointerDrag) -> bool {
    click.event.button == PointerButton::Primary && !drag.was_drag()
}

fn select_object(mut click: On<Pointer<Click>>, drag: Res<PointerDrag>, mut selection: ResMut<Selection>) {
    click.propagate(false);
    if is_selecting(&click, &drag) {
        *selection = Selection::Object(click.entity);
    }
}

fn select_sensor(mut click: On<Pointer<Click>>, drag: Res<PointerDrag>, mut selection: ResMut<Selection>) {
    // A sensor rides on its object's model: the click is the sensor's, not the crane's.
    click.propagate(false);
    if is_selecting(&click, &drag) {
        *selection = Selection::Sensor(click.entity);
    }
}

fn clear_selection(mut click: On<Pointer<Click>>, drag: Res<PointerDrag>, mut selection: ResMut<Selection>) {
    click.propagate(false);
    if is_selecting(&click, &drag) {
        *selection = Selection::None;
    }
}
