//! sitetwin: the Bevy twin and command line around `sitetwin-core`.
//!
//! Two plugin groups: [`SimulationPlugins`] run headless under `MinimalPlugins` (tests, tools) and
//! build the site's entities from a validated scene; [`ViewPlugins`] need a renderer and draw the
//! twin (models, camera, picking, overlays, panels).

/// `println!` for command output that ends quietly when the reader goes away (`| head`), where
/// `println!` would panic on the broken pipe.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}

pub mod bench;
pub mod cli;
pub mod rules_cli;
pub mod site;
pub mod snapshot;
pub mod ui;
pub mod view;

use bevy::app::{PluginGroup, PluginGroupBuilder};
use bevy::prelude::*;

pub use sitetwin_core as core;

/// The order of per-frame work, declared once here; features only say `.in_set(...)`.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub enum TwinSet {
    /// Read input (camera controls, shortcuts) and UI commands.
    Input,
    /// Update the site's state from what arrived (selection, loading progress).
    Update,
    /// Move the camera and anything that follows it.
    Camera,
    /// Draw overlays (gizmos, markers) from the updated state.
    Overlay,
}

/// Headless-safe plugins: the site's entities and their components.
pub struct SimulationPlugins;

impl PluginGroup for SimulationPlugins {
    fn build(self) -> PluginGroupBuilder {
        PluginGroupBuilder::start::<Self>().add(site::SitePlugin)
    }
}

/// Plugins that need a renderer: models, camera, picking, overlays and the egui panels.
pub struct ViewPlugins;

impl PluginGroup for ViewPlugins {
    fn build(self) -> PluginGroupBuilder {
        PluginGroupBuilder::start::<Self>().add(view::ViewPlugin).add(ui::UiPlugin)
    }
}

/// Configures the set order; called by both groups' plugins (idempotent).
pub(crate) fn configure_sets(app: &mut App) {
    app.configure_sets(Update, (TwinSet::Input, TwinSet::Update, TwinSet::Camera, TwinSet::Overlay).chain());
}
