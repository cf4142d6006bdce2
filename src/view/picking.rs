//! Mouse picking: a click on any part of an object's model selects the object; a click on a
//! sensor marker selects the sensor; a click on the ground clears the selection. Clicks that end
//! a camera drag are ignored.

use bevy::picking::pointer::PointerButton;
use bevy::prelude::*;

use crate::site::{Prop, SiteObject, SiteSensor};
use crate::view::Selection;
use crate::view::camera::PointerDrag;

/// Installs the click observer.
pub struct PickingPlugin;

impl Plugin for PickingPlugin {
    fn build(&self, app: &mut App) {
        app.add_observer(on_click);
    }
}

fn on_click(
    mut click: On<Pointer<Click>>,
    drag: Res<PointerDrag>,
    objects: Query<&SiteObject>,
    sensors: Query<&SiteSensor>,
    props: Query<(), With<Prop>>,
    mut selection: ResMut<Selection>,
) {
    if click.event.button != PointerButton::Primary || drag.was_drag() {
        click.propagate(false);
        return;
    }
    // The event bubbles from the mesh hit up through the model to its owner; stop at the first
    // entity that means something.
    let e = click.entity;
    if let Ok(s) = sensors.get(e) {
        *selection = Selection::Sensor(s.id.clone());
        click.propagate(false);
    } else if let Ok(o) = objects.get(e) {
        *selection = Selection::Object(o.id.clone());
        click.propagate(false);
    } else if props.get(e).is_ok() {
        *selection = Selection::None;
        click.propagate(false);
    }
}
