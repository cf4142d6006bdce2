//! Snapshots: the twin renders into an image instead of a window (Mesa lavapipe works on
//! machines without a GPU), or captures its real window, once the requested screen is ready (the
//! twin with every model loaded, the loading screen at its end, the error screen, a window open
//! over the twin) and two consecutive frames come out identical (pipelines compiled, shadows
//! settled); then it writes the PNG, and a machine-readable report if asked, and exits.
//! Readiness, never a fixed number of frames.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bevy::camera::RenderTarget;
use bevy::prelude::*;
use bevy::render::render_resource::{TextureFormat, TextureUsages};
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use serde::Serialize;

use crate::site::{HoldLoading, LoadFailure, LoadReadiness, Site, SiteIndex, SiteProblems};
use crate::ui::{FileBrowser, UiCamera, UiState};
use crate::view::camera::{OrbitCamera, ViewPresets, ViewRequested};
use crate::{AppMode, LoadPhase};

/// Which screen to capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Screen {
    /// The twin, every model loaded.
    #[default]
    Twin,
    /// The loading screen, held at the end of loading.
    Loading,
    /// The error screen of a scene that cannot be read.
    Error,
    /// The site picker over the twin.
    Picker,
    /// The problems window over the twin.
    Problems,
    /// File → Open over the twin.
    Files,
    /// Bureau mode's city, once its sites are judged.
    Bureau,
}

/// What to render.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct SnapshotRequest {
    /// The PNG to write.
    pub out: PathBuf,
    /// Size in pixels.
    pub size: UVec2,
    /// A preset key (`overview`, `top`) or an object id.
    pub view: String,
    /// The screen to capture.
    pub screen: Screen,
    /// Give up after this many captures without two identical ones.
    pub max_captures: u32,
    /// Give up if the screen is not ready after this many seconds, naming what it waits for (a
    /// watchdog against a load that never ends, not a timer that moves loading on).
    pub ready_within_s: f64,
    /// Capture the primary window (a real window, e.g. under Xvfb) instead of rendering offscreen.
    pub window: bool,
}

/// What a finished snapshot reports (`sitetwin snapshot --report FILE` writes it as JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotReport {
    /// The PNG written.
    pub path: PathBuf,
    /// From launch (`since_launch_ms`) to the first frame captured with the screen ready.
    pub first_frame_ms: f64,
    /// From launch to the frame that was written (the picture had settled).
    pub settled_ms: f64,
    /// Frames captured.
    pub captures: u32,
    /// Peak resident memory of the process when the frame was written, bytes (Linux).
    pub peak_rss_bytes: Option<u64>,
    /// Models the site opened without and other site problems, one line each.
    pub problems: Vec<String>,
}

/// How the snapshot ended. Shared with the caller, because running the app consumes its world.
#[derive(Resource, Debug, Clone, Default)]
pub struct SnapshotOutcome(pub Arc<Mutex<Option<Result<SnapshotReport, String>>>>);

impl SnapshotOutcome {
    /// The result, once there is one.
    pub fn get(&self) -> Option<Result<SnapshotReport, String>> {
        self.0.lock().ok().and_then(|g| g.clone())
    }

    fn set(&self, r: Result<SnapshotReport, String>) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some(r);
        }
    }
}

/// Both cameras render into the snapshot image: the 3D view and the panels over it.
type TwinCameras = Or<(With<OrbitCamera>, With<UiCamera>)>;

#[derive(Resource, Debug, Default)]
struct Progress {
    image: Handle<Image>,
    staged: bool,
    settle_frames: u32,
    in_flight: bool,
    captures: u32,
    previous: Option<Vec<u8>>,
    first_frame_ms: Option<f64>,
}

/// Renders the requested screen to an image target (or captures the window) and writes the PNG.
pub struct SnapshotPlugin;

impl Plugin for SnapshotPlugin {
    fn build(&self, app: &mut App) {
        if app.world().get_resource::<SnapshotRequest>().is_some_and(|r| r.screen == Screen::Loading) {
            app.insert_resource(HoldLoading);
        }
        app.init_resource::<SnapshotOutcome>()
            .init_resource::<Progress>()
            .add_systems(PostStartup, target_image)
            .add_systems(Update, drive.after(crate::TwinSet::Overlay))
            .add_observer(on_captured);
    }
}

fn target_image(
    mut commands: Commands,
    req: Res<SnapshotRequest>,
    mut images: ResMut<Assets<Image>>,
    mut progress: ResMut<Progress>,
    cams: Query<Entity, TwinCameras>,
) {
    if req.window {
        return;
    }
    let mut image = Image::new_target_texture(
        req.size.x,
        req.size.y,
        TextureFormat::Rgba8Unorm,
        Some(TextureFormat::Rgba8UnormSrgb),
    );
    image.texture_descriptor.usage |= TextureUsages::COPY_SRC;
    let handle = images.add(image);
    for cam in &cams {
        commands.entity(cam).insert(RenderTarget::Image(handle.clone().into()));
    }
    progress.image = handle;
}

/// What `drive` reads of the app's state.
#[derive(bevy::ecs::system::SystemParam)]
struct Screens<'w> {
    mode: Res<'w, State<AppMode>>,
    phase: Option<Res<'w, State<LoadPhase>>>,
    readiness: Res<'w, LoadReadiness>,
    failure: Option<Res<'w, LoadFailure>>,
    site: Option<Res<'w, Site>>,
    index: Res<'w, SiteIndex>,
    presets: Res<'w, ViewPresets>,
    ui: Option<ResMut<'w, UiState>>,
    patrol: Option<Res<'w, crate::patrol::PatrolState>>,
    bureau: Option<Res<'w, crate::bureau::CityView>>,
}

#[allow(clippy::too_many_arguments)]
fn drive(
    mut commands: Commands,
    req: Res<SnapshotRequest>,
    time: Res<Time<Real>>,
    mut progress: ResMut<Progress>,
    mut screens: Screens,
    mut requests: MessageWriter<ViewRequested>,
    outcome: Res<SnapshotOutcome>,
    mut exit: MessageWriter<AppExit>,
) {
    if outcome.get().is_some() {
        return;
    }
    let phase = screens.phase.as_ref().map(|p| *p.get());
    let mut fail = |msg: String| {
        outcome.set(Err(msg));
        exit.write(AppExit::error());
    };
    // 1. The requested screen is there.
    if phase == Some(LoadPhase::Failed) && req.screen != Screen::Error {
        let why = screens.failure.as_ref().map(|f| f.errors.to_string()).unwrap_or_default();
        return fail(why);
    }
    let twin = *screens.mode.get() == AppMode::Twin;
    let ready = match req.screen {
        Screen::Error if twin => return fail("the scene opened, so there is no error screen to capture".into()),
        Screen::Error => phase == Some(LoadPhase::Failed),
        Screen::Loading => phase == Some(LoadPhase::Assets) && screens.readiness.ready(),
        Screen::Bureau => *screens.mode.get() == AppMode::Bureau && screens.bureau.as_ref().is_some_and(|b| b.ready()),
        // A patrol asked for is planned (or has failed, which the window shows) before the shot.
        _ => twin && !matches!(screens.patrol.as_deref(), Some(crate::patrol::PatrolState::Planning(_))),
    };
    if !ready {
        if time.elapsed_secs_f64() > req.ready_within_s {
            let (done, total) = screens.readiness.progress();
            return fail(format!(
                "the {:?} screen was not ready after {} s (mode {:?}, phase {phase:?}, {done} of {total} assets done)",
                req.screen,
                req.ready_within_s,
                screens.mode.get()
            ));
        }
        return;
    }
    // 2. Stage it: the requested view without a flight, the requested window open.
    if !progress.staged {
        progress.staged = true;
        if twin {
            let known = screens.presets.get(&req.view).is_some() || screens.index.object(&req.view).is_some();
            if !known {
                let ids: Vec<&str> = screens.site.iter().flat_map(|s| s.loaded.scene.objects()).map(|o| o.id).collect();
                return fail(format!(
                    "unknown view `{}`: use overview, top or an object id ({})",
                    req.view,
                    ids.join(", ")
                ));
            }
            requests.write(ViewRequested { key: req.view.clone(), instant: true });
        }
        if let Some(ui) = screens.ui.as_mut() {
            match req.screen {
                Screen::Picker => ui.picker = true,
                Screen::Problems => ui.problems = true,
                Screen::Files => {
                    let dir = screens.site.as_ref().map(|s| s.loaded.dir.clone());
                    ui.files = Some(FileBrowser::new(dir));
                }
                _ => {}
            }
        }
        return;
    }
    // Let transforms propagate and the view settle for a couple of frames before judging frames.
    if progress.settle_frames < 2 {
        progress.settle_frames += 1;
        return;
    }
    // 3. Capture until two frames in a row are the same picture.
    if !progress.in_flight {
        if progress.captures >= req.max_captures {
            return fail(format!("the picture did not settle after {} captures", progress.captures));
        }
        progress.in_flight = true;
        progress.captures += 1;
        commands.spawn(if req.window {
            Screenshot::primary_window()
        } else {
            Screenshot::image(progress.image.clone())
        });
    }
}

fn same_picture(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).filter(|(x, y)| x.abs_diff(**y) > 2).count() <= a.len() / 20_000
}

fn on_captured(
    captured: On<ScreenshotCaptured>,
    req: Res<SnapshotRequest>,
    mut progress: ResMut<Progress>,
    problems: Res<SiteProblems>,
    outcome: Res<SnapshotOutcome>,
    mut exit: MessageWriter<AppExit>,
) {
    progress.in_flight = false;
    let now_ms = crate::since_launch_ms();
    progress.first_frame_ms.get_or_insert(now_ms);
    let Some(data) = captured.image.data.clone() else { return };
    let settled = progress.previous.as_deref().is_some_and(|p| same_picture(p, &data));
    if !settled {
        progress.previous = Some(data);
        return;
    }
    let result = captured
        .image
        .clone()
        .try_into_dynamic()
        .map_err(|e| format!("cannot convert the frame: {e}"))
        .and_then(|img| {
            if let Some(dir) = req.out.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            img.to_rgb8().save(&req.out).map_err(|e| format!("cannot write {}: {e}", req.out.display()))
        })
        .map(|()| SnapshotReport {
            path: req.out.clone(),
            first_frame_ms: progress.first_frame_ms.unwrap_or(now_ms),
            settled_ms: now_ms,
            captures: progress.captures,
            peak_rss_bytes: crate::peak_rss(),
            problems: problems
                .models
                .iter()
                .map(|p| format!("model {} not loaded: {}", p.model, p.issue))
                .chain(problems.runtime.iter().map(|r| format!("model {} failed to render: {}", r.model, r.cause)))
                .collect(),
        });
    let ok = result.is_ok();
    info!("snapshot after {} captures: {result:?}", progress.captures);
    outcome.set(result);
    exit.write(if ok { AppExit::Success } else { AppExit::error() });
}
