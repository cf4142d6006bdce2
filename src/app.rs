//! Builds the twin App: in a window, or rendering offscreen with no window at all (snapshots),
//! with the site to open first, the language, the site picker's folders and memory, and the
//! selection to make once the site is there. The command line and the benchmarks call this.

use std::path::PathBuf;
use std::time::Duration;

use bevy::app::ScheduleRunnerPlugin;
use bevy::prelude::*;
use bevy::window::{ExitCondition, WindowResolution};
use bevy::winit::WinitPlugin;

use crate::selection::PendingSelection;
use crate::site::{SiteCatalog, SiteRequest};
use crate::snapshot::{SnapshotOutcome, SnapshotPlugin, SnapshotRequest};
use crate::source::{DataSource, PlayOptions, RecordTo};
use crate::ui::UiConfig;
use crate::view::assets::SiteAssetsPlugin;
use crate::{SimulationPlugins, ViewPlugins};

/// The demo site, as checked out with the source. `sitetwin` with no scene opens it.
pub const DEMO_SCENE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenes/demo.ron");

/// How to build the twin.
#[derive(Debug, Clone)]
pub struct TwinOptions {
    /// The scene to open first.
    pub scene: PathBuf,
    /// Interface language and whether the panels show.
    pub ui: UiConfig,
    /// An object or sensor id to select once the site is spawned.
    pub select: Option<String>,
    /// Capture a picture and exit instead of running interactively.
    pub snapshot: Option<SnapshotRequest>,
    /// Remember opened sites for the picker in the user's configuration folder.
    pub remember_sites: bool,
    /// Where telemetry comes from.
    pub source: DataSource,
    /// Where a played source starts, how fast.
    pub play: PlayOptions,
    /// Record every reading received to this file.
    pub record: Option<PathBuf>,
    /// Play an inspection patrol.
    pub patrol: Option<crate::patrol::PatrolRequest>,
    /// The rectification register file (else each site's own in the configuration folder, when
    /// sites are remembered).
    pub findings: Option<std::path::PathBuf>,
    /// Open in bureau mode, on this city (the scene is then opened only when a site is).
    pub bureau: Option<crate::bureau::BureauOptions>,
}

impl TwinOptions {
    /// An interactive twin of `scene`.
    pub fn new(scene: PathBuf) -> Self {
        TwinOptions {
            scene,
            ui: UiConfig::default(),
            select: None,
            snapshot: None,
            remember_sites: false,
            source: DataSource::StaticScene,
            play: PlayOptions::default(),
            record: None,
            patrol: None,
            findings: None,
            bureau: None,
        }
    }
}

/// The scenario the simulator plays when none is named.
pub const DEFAULT_SCENARIO: &str = "default";

/// A scenario by name (`scenes/scenarios/NAME.ron` of the checkout) or by path (anything with a
/// `/` or ending in `.ron`); an unknown name is an error listing the ones there are.
pub fn resolve_scenario(name: &str) -> anyhow::Result<PathBuf> {
    let scenes = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scenes"));
    if name.ends_with(".ron") || name.contains(std::path::MAIN_SEPARATOR) || name.contains('/') {
        return Ok(PathBuf::from(name));
    }
    let file = sitetwin_core::sim::scenario_file(&scenes, name);
    if file.is_file() {
        return Ok(file);
    }
    let known = sitetwin_core::sim::builtin_names(&scenes);
    anyhow::bail!("no scenario named `{name}`; the scenarios are: {}", known.join(", "))
}

/// Folders the site picker lists scenes from: the checkout's `scenes/`, and `scenes/` under the
/// working folder when it is another.
pub fn scene_folders() -> Vec<PathBuf> {
    let mut v = vec![PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scenes"))];
    if let Ok(cwd) = std::env::current_dir() {
        let here = cwd.join("scenes");
        if here.is_dir() && !v.iter().any(|d| same_dir(d, &here)) {
            v.push(here);
        }
    }
    v
}

fn same_dir(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Where sitetwin keeps its own small files: `$SITETWIN_CONFIG_DIR`, else the platform's
/// configuration folder (`$XDG_CONFIG_HOME/sitetwin`, `~/.config/sitetwin`, `%APPDATA%\sitetwin`).
pub fn config_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("SITETWIN_CONFIG_DIR") {
        return Some(PathBuf::from(d));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("sitetwin"))
}

/// The twin App, ready to run. With a snapshot request it renders offscreen (or captures the
/// window, if the request says so) and exits once the picture is written; the outcome is in the
/// [`SnapshotOutcome`] resource, cloned before running.
pub fn twin_app(options: TwinOptions) -> App {
    let mut app = App::new();
    // The `site://` asset source must exist before the asset server does.
    app.add_plugins(SiteAssetsPlugin);
    match &options.snapshot {
        Some(req) if !req.window => {
            app.add_plugins(
                DefaultPlugins
                    .set(WindowPlugin {
                        primary_window: None,
                        exit_condition: ExitCondition::DontExit,
                        close_when_requested: false,
                        ..default()
                    })
                    .disable::<WinitPlugin>(),
            )
            .add_plugins(ScheduleRunnerPlugin::run_loop(Duration::ZERO));
        }
        _ => {
            app.add_plugins(DefaultPlugins.set(WindowPlugin {
                primary_window: Some(Window {
                    title: "sitetwin".into(),
                    resolution: WindowResolution::new(1600, 900),
                    ..default()
                }),
                ..default()
            }));
        }
    }
    let recent = options.remember_sites.then(config_dir).flatten().map(|d| d.join("recent-sites.json"));
    app.insert_resource(options.ui)
        .insert_resource(SiteCatalog::new(scene_folders(), recent))
        .insert_resource(options.source)
        .insert_resource(options.play);
    if options.bureau.is_none() {
        app.insert_resource(SiteRequest { path: options.scene.clone(), generation: 1 });
    }
    if let Some(p) = options.patrol {
        app.insert_resource(p);
    }
    match (options.findings, options.remember_sites.then(config_dir).flatten()) {
        (Some(file), _) => {
            app.insert_resource(crate::findings::FindingsFile(file));
        }
        (None, Some(dir)) => {
            app.insert_resource(crate::findings::FindingsFolder(dir.join("findings")));
        }
        (None, None) => {}
    }
    if let Some(file) = options.record {
        app.insert_resource(RecordTo(file));
    }
    if let Some(id) = options.select {
        app.insert_resource(PendingSelection(id));
    }
    app.add_plugins((SimulationPlugins, ViewPlugins));
    if let Some(b) = options.bureau {
        app.insert_resource(crate::bureau::CityView::new(b)).add_plugins(crate::bureau::BureauPlugin);
        app.insert_state(crate::AppMode::Bureau);
    }
    if let Some(req) = options.snapshot {
        app.insert_resource(req).insert_resource(SnapshotOutcome::default()).add_plugins(SnapshotPlugin);
    }
    app
}
