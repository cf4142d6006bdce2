//! Opening a site: the request (from the command line, the site picker or File → Open), reading
//! and validating its scene on a worker thread so frames keep coming, and the catalog the picker
//! lists: the scenes under `scenes/` and every site opened before (remembered in a small JSON
//! file when the app is given one), scanned off the frame too.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bevy::prelude::*;
use bevy::tasks::futures_lite::future;
use bevy::tasks::{AsyncComputeTaskPool, IoTaskPool, Task, poll_once};
use serde::{Deserialize, Serialize};
use sitetwin_core::rondoc::FieldPath;
use sitetwin_core::scene::{self, LoadedScene, ModelChecks, SceneErrors, SceneIssue, Severity};

use super::{LoadFailure, Site, SiteProblems};
use crate::{AppMode, LoadPhase};

/// The user (or the command line) asked for a site to be opened; the current one stays until
/// the new scene has been read.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub struct SiteOpenRequested {
    /// The scene file.
    pub path: PathBuf,
}

/// The site being opened or shown: its scene file, and a generation that grows with every open
/// (so that the view can tell one opening's assets from the next, even of the same file).
#[derive(Resource, Debug, Clone, PartialEq, Eq)]
pub struct SiteRequest {
    /// The scene file.
    pub path: PathBuf,
    /// 1 for the first site opened, then 2, 3 ...
    pub generation: u64,
}

/// The scene being read off the frame, for the request of `generation`.
#[derive(Resource)]
pub(super) struct ReadingTask {
    generation: u64,
    task: Task<Result<LoadedScene, SceneErrors>>,
}

/// The scene folders being scanned off the frame.
#[derive(Resource)]
pub(super) struct CatalogScan(Task<Vec<CatalogEntry>>);

/// One entry of the site picker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// The scene file (absolute).
    pub path: PathBuf,
    /// The site's name, or the file name when the scene cannot be read.
    pub name: String,
    /// City and district, when known.
    pub place: String,
    /// Why the scene cannot be opened, if it cannot (the first error).
    #[serde(default)]
    pub problem: Option<String>,
    /// Opened before (remembered), rather than found under `scenes/`.
    #[serde(default)]
    pub recent: bool,
}

/// The sites the picker offers: scenes found in the scene folders, then sites opened before.
#[derive(Resource, Debug, Clone, Default)]
pub struct SiteCatalog {
    /// Folders searched for `*.ron` scenes.
    pub folders: Vec<PathBuf>,
    /// Where the sites opened before are remembered; `None` keeps them in memory only (tests,
    /// snapshots).
    pub recent_file: Option<PathBuf>,
    /// Sites opened before, most recent first.
    pub recent: Vec<CatalogEntry>,
    /// The folders' scenes as last scanned.
    pub found: Vec<CatalogEntry>,
    /// A scan is asked for (or running, with `scanning`).
    pub rescan: bool,
    /// A scan is running.
    pub scanning: bool,
}

/// How many opened sites are remembered.
const RECENT_MAX: usize = 12;

impl SiteCatalog {
    /// A catalog over `folders`, remembering opened sites in `recent_file` (read now); the
    /// folders are scanned by the app, off the frame.
    pub fn new(folders: Vec<PathBuf>, recent_file: Option<PathBuf>) -> Self {
        let recent = recent_file
            .as_deref()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .and_then(|t| serde_json::from_str::<Vec<CatalogEntry>>(&t).ok())
            .unwrap_or_default();
        SiteCatalog { folders, recent_file, recent, found: Vec::new(), rescan: true, scanning: false }
    }

    /// Every entry: the folders' scenes, then remembered ones not among them.
    pub fn entries(&self) -> impl Iterator<Item = &CatalogEntry> {
        self.found.iter().chain(self.recent.iter().filter(|r| !self.found.iter().any(|f| f.path == r.path)))
    }

    /// Remembers an opened site at the top of the recent list, and saves the list (off the
    /// frame) if it has a file.
    pub fn remember(&mut self, path: &Path, loaded: &LoadedScene) {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        self.recent.retain(|e| e.path != path);
        let site = &loaded.scene.site;
        self.recent.insert(
            0,
            CatalogEntry {
                path,
                name: site.name.clone(),
                place: format!("{} {}", site.city, site.district),
                problem: None,
                recent: true,
            },
        );
        self.recent.truncate(RECENT_MAX);
        let Some(file) = self.recent_file.clone() else { return };
        let json = serde_json::to_vec_pretty(&self.recent).unwrap_or_default();
        let save = move || {
            let saved =
                file.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&file, json));
            if let Err(e) = saved {
                warn!("cannot remember the sites opened in {}: {e}", file.display());
            }
        };
        match IoTaskPool::try_get() {
            Some(pool) => pool.spawn(async move { save() }).detach(),
            None => save(),
        }
    }
}

/// Reads every scene of `folders` (without its models) for the picker; remembered sites whose
/// file has gone are marked.
fn scan(folders: &[PathBuf]) -> Vec<CatalogEntry> {
    let mut found: Vec<CatalogEntry> = Vec::new();
    for dir in folders {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("ron")))
            .collect();
        files.sort();
        for f in files {
            let f = std::path::absolute(&f).unwrap_or(f);
            if !found.iter().any(|e| e.path == f) {
                found.push(describe(&f));
            }
        }
    }
    found
}

/// A picker entry for a scene file: its name and place, or why it cannot be opened.
fn describe(path: &Path) -> CatalogEntry {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    match scene::load(path, ModelChecks::Skip) {
        Ok(l) => CatalogEntry {
            path: path.to_path_buf(),
            name: l.scene.site.name.clone(),
            place: format!("{} {}", l.scene.site.city, l.scene.site.district),
            problem: None,
            recent: false,
        },
        Err(e) => CatalogEntry {
            path: path.to_path_buf(),
            name: file_name,
            place: String::new(),
            problem: e.errors().next().map(|i| i.message.clone()),
            recent: false,
        },
    }
}

/// Turns a [`SiteOpenRequested`] into a new [`SiteRequest`] and (re)starts loading.
pub(super) fn request_open(
    mut commands: Commands,
    mut asks: MessageReader<SiteOpenRequested>,
    current: Option<Res<SiteRequest>>,
    mode: Res<State<AppMode>>,
    mut next_mode: ResMut<NextState<AppMode>>,
    mut next_phase: ResMut<NextState<LoadPhase>>,
) {
    let Some(ask) = asks.read().last() else { return };
    let generation = current.map_or(1, |c| c.generation + 1);
    info!("opening {}", ask.path.display());
    commands.insert_resource(SiteRequest { path: ask.path.clone(), generation });
    if *mode.get() == AppMode::Loading {
        next_phase.set(LoadPhase::Reading);
    } else {
        next_mode.set(AppMode::Loading);
    }
}

/// Entering `Reading`: starts reading the requested scene on a worker thread. The site shown
/// so far stays (under the loading screen) until the new scene is known to be good.
pub(super) fn begin_reading(
    mut commands: Commands,
    request: Option<Res<SiteRequest>>,
    mut phase: ResMut<NextState<LoadPhase>>,
) {
    commands.remove_resource::<LoadFailure>();
    let Some(request) = request else {
        let errors = SceneErrors {
            issues: vec![SceneIssue {
                severity: Severity::Error,
                file: PathBuf::new(),
                pos: None,
                path: FieldPath::root(),
                message: "no scene was given to open".into(),
            }],
        };
        commands.insert_resource(LoadFailure { path: PathBuf::new(), errors });
        phase.set(LoadPhase::Failed);
        return;
    };
    let path = request.path.clone();
    let task = AsyncComputeTaskPool::get().spawn(async move { scene::load(&path, ModelChecks::Lenient) });
    commands.insert_resource(ReadingTask { generation: request.generation, task });
}

/// Takes the read scene when it is ready: on to spawning it; or, when it cannot be opened, back
/// to the site that was open (with the problems in [`LoadFailure`]) or to the error screen.
pub(super) fn poll_reading(
    mut commands: Commands,
    task: Option<ResMut<ReadingTask>>,
    request: Option<Res<SiteRequest>>,
    shown: Option<Res<Site>>,
    mut catalog: ResMut<SiteCatalog>,
    mut phase: ResMut<NextState<LoadPhase>>,
    mut mode: ResMut<NextState<AppMode>>,
) {
    let (Some(mut task), Some(request)) = (task, request) else { return };
    let Some(result) = future::block_on(poll_once(&mut task.task)) else { return };
    let generation = task.generation;
    commands.remove_resource::<ReadingTask>();
    if generation != request.generation {
        // A newer request is being read: this result is for nobody.
        return;
    }
    match result {
        Ok(loaded) => {
            for p in &loaded.model_problems {
                warn!("{}", p.issue);
            }
            catalog.remember(&request.path, &loaded);
            commands.insert_resource(SiteProblems {
                models: loaded.model_problems.clone(),
                warnings: loaded.warnings.clone(),
                runtime: Vec::new(),
            });
            commands.insert_resource(Site { loaded: Arc::new(loaded), generation });
            phase.set(LoadPhase::Spawning);
        }
        Err(errors) => {
            error!("{} cannot be opened:\n{errors}", request.path.display());
            commands.insert_resource(LoadFailure { path: request.path.clone(), errors });
            if shown.is_some() {
                mode.set(AppMode::Twin);
            } else {
                phase.set(LoadPhase::Failed);
            }
        }
    }
}

/// Scans the scene folders off the frame when the picker asks, and takes the result.
pub(super) fn scan_catalog(
    mut commands: Commands,
    mut catalog: ResMut<SiteCatalog>,
    task: Option<ResMut<CatalogScan>>,
) {
    match task {
        None if catalog.rescan => {
            catalog.rescan = false;
            catalog.scanning = true;
            let folders = catalog.folders.clone();
            commands.insert_resource(CatalogScan(AsyncComputeTaskPool::get().spawn(async move { scan(&folders) })));
        }
        Some(mut t) => {
            if let Some(found) = future::block_on(poll_once(&mut t.0)) {
                catalog.found = found;
                catalog.scanning = false;
                for r in &mut catalog.recent {
                    r.problem = (!r.path.is_file()).then(|| "the scene file is no longer there".to_string());
                }
                commands.remove_resource::<CatalogScan>();
            }
        }
        None => {}
    }
}
