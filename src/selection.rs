//! What the user has selected: an object or a sensor entity of the current site. Headless-safe
//! app state (picking, the panels, the camera and the command line all set or read it); a
//! selection given by id before the site exists (`--select TC1`) waits until the site is spawned.

use bevy::prelude::*;

use crate::site::{SiteIndex, SiteSpawned};

/// The current selection.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Selection {
    /// Nothing.
    #[default]
    None,
    /// An object entity (it has a `SiteObject`).
    Object(Entity),
    /// A sensor entity (it has a `SiteSensor`).
    Sensor(Entity),
}

impl Selection {
    /// The selected entity, if any.
    pub fn entity(&self) -> Option<Entity> {
        match self {
            Selection::None => None,
            Selection::Object(e) | Selection::Sensor(e) => Some(*e),
        }
    }
}

/// An object or sensor id to select once the site has been spawned.
#[derive(Resource, Debug, Clone, PartialEq, Eq)]
pub struct PendingSelection(pub String);

/// Keeps the selection valid: resolves a pending id when a site spawns, and clears a selection
/// whose entity went away with its site.
pub struct SelectionPlugin;

impl Plugin for SelectionPlugin {
    fn build(&self, app: &mut App) {
        crate::configure(app);
        app.init_resource::<Selection>()
            .add_systems(Update, (resolve_pending, drop_stale).chain().in_set(crate::TwinSet::Update))
            // Asked of a site that could not be opened: not to be made on the next one.
            .add_systems(OnEnter(crate::LoadPhase::Failed), |mut commands: Commands| {
                commands.remove_resource::<PendingSelection>();
            });
    }
}

fn resolve_pending(
    mut commands: Commands,
    mut spawned: MessageReader<SiteSpawned>,
    pending: Option<Res<PendingSelection>>,
    index: Res<SiteIndex>,
    mut selection: ResMut<Selection>,
) {
    if spawned.read().last().is_none() {
        return;
    }
    *selection = Selection::None;
    let Some(p) = pending else { return };
    if let Some(e) = index.object(&p.0) {
        *selection = Selection::Object(e);
    } else if let Some(e) = index.sensor(&p.0) {
        *selection = Selection::Sensor(e);
    } else {
        warn!("nothing called `{}` on this site to select", p.0);
    }
    commands.remove_resource::<PendingSelection>();
}

fn drop_stale(mut selection: ResMut<Selection>, entities: Query<()>) {
    if let Some(e) = selection.entity()
        && entities.get(e).is_err()
    {
        *selection = Selection::None;
    }
}
