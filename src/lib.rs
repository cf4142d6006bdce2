//! sitetwin: the Bevy twin and command line around `sitetwin-core`.
//!
//! Two plugin groups: [`SimulationPlugins`] run headless under `MinimalPlugins` (tests, tools):
//! they open a site off the frame and give each object and sensor an entity that owns its state;
//! [`ViewPlugins`] need a renderer and draw the twin (models, camera, picking, overlays, panels).
//! The app's modes are Bevy states declared here, with the system sets, once.

/// `println!` for command output that ends quietly when the reader goes away (`| head`), where
/// `println!` would panic on the broken pipe.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}

pub mod app;
pub mod bench;
pub mod bench_bureau;
pub mod bench_live;
pub mod bench_patrol;
pub mod bureau;
pub mod bureau_cli;
pub mod cli;
pub mod findings;
pub mod findings_cli;
pub mod frame;
pub mod motion;
pub mod patrol;
pub mod patrol_cli;
pub mod route_cli;
pub mod rules_cli;
pub mod selection;
pub mod simulate;
pub mod site;
pub mod snapshot;
pub mod source;
pub mod stoppage;
pub mod telemetry;
pub mod ui;
pub mod view;

use std::sync::OnceLock;
use std::time::Instant;

use bevy::app::{PluginGroup, PluginGroupBuilder};
use bevy::prelude::*;
use bevy::state::app::StatesPlugin;

pub use sitetwin_core as core;

/// The order of per-frame work, declared once here; features only say `.in_set(...)`.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub enum TwinSet {
    /// Read input (camera controls, shortcuts) and UI commands.
    Input,
    /// Update the site's state from what arrived (selection, loading progress, readings).
    Update,
    /// Move the camera and anything that follows it.
    Camera,
    /// Draw overlays (gizmos, markers) from the updated state.
    Overlay,
}

/// What the app is doing. Each mode owns its screens; the site's entities live from the moment a
/// site is spawned (during `Loading`) until the next site starts loading.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AppMode {
    /// Opening a site: reading its scene, spawning it, loading its models (see [`LoadPhase`]).
    #[default]
    Loading,
    /// The site's twin, ready to use.
    Twin,
    /// The housing bureau's city: its non-operating sites on a map and in a table; a site's twin
    /// opens from it (`Loading`, then `Twin`) and returns to it.
    Bureau,
}

/// The phases of opening a site, in order; each advances when its work is done, never on a timer.
#[derive(SubStates, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[source(AppMode = AppMode::Loading)]
pub enum LoadPhase {
    /// Reading and validating the scene file on a worker thread. Entering it despawns the
    /// previous site's entities.
    #[default]
    Reading,
    /// Spawning the site's objects and sensors from the scene.
    Spawning,
    /// Waiting for what the site needs to be shown (the view's models, with their textures).
    Assets,
    /// The scene could not be read: the error screen lists its problems.
    Failed,
}

/// Headless-safe plugins: opening sites, the entities of the site's objects and sensors, and the
/// rules engine that judges arriving readings onto them.
pub struct SimulationPlugins;

impl PluginGroup for SimulationPlugins {
    fn build(self) -> PluginGroupBuilder {
        PluginGroupBuilder::start::<Self>()
            .add(site::SitePlugin)
            .add(selection::SelectionPlugin)
            .add(telemetry::TelemetryPlugin)
            .add(motion::MotionPlugin)
            .add(source::SourcePlugin)
            .add(stoppage::StoppagePlugin)
            .add(patrol::PatrolPlugin)
            .add(findings::FindingsPlugin)
    }
}

/// Plugins that need a renderer: models, camera, picking, overlays and the egui panels.
pub struct ViewPlugins;

impl PluginGroup for ViewPlugins {
    fn build(self) -> PluginGroupBuilder {
        PluginGroupBuilder::start::<Self>()
            .add(view::ViewPlugin)
            .add(patrol::view::PatrolViewPlugin)
            .add(ui::UiPlugin)
            .add(patrol::rehearse_ui::RehearsalUiPlugin)
            .add(findings::panel::FindingsUiPlugin)
    }
}

/// Declares the set order and the modes; called by every plugin that uses them (idempotent).
pub(crate) fn configure(app: &mut App) {
    if !app.is_plugin_added::<StatesPlugin>() {
        app.add_plugins(StatesPlugin);
    }
    if app.world().get_resource::<State<AppMode>>().is_none() {
        app.init_state::<AppMode>().add_sub_state::<LoadPhase>();
        app.configure_sets(Update, (TwinSet::Input, TwinSet::Update, TwinSet::Camera, TwinSet::Overlay).chain());
    }
}

static LAUNCH: OnceLock<Instant> = OnceLock::new();

/// Milliseconds since the process started its clock (the benchmarks' "launch"; the command line
/// starts it first thing).
pub fn since_launch_ms() -> f64 {
    LAUNCH.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

/// Peak resident memory of this process, bytes (Linux `VmHWM`; `None` elsewhere).
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
