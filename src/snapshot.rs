//! Offscreen snapshots: the twin renders into an image instead of a window (Mesa lavapipe works
//! on machines without a GPU), waits until every model has loaded and two consecutive frames come
//! out identical (pipelines compiled, shadows settled), then writes the PNG and exits. Readiness,
//! never a fixed number of frames.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bevy::camera::RenderTarget;
use bevy::prelude::*;
use bevy::render::render_resource::{TextureFormat, TextureUsages};
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::world_serialization::WorldAssetRoot;

use crate::ui::UiCamera;
use crate::view::camera::{OrbitCamera, ViewPresets, ViewRequested};
use crate::view::models::ModelLoading;

/// What to render.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct SnapshotRequest {
    /// The PNG to write.
    pub out: PathBuf,
    /// Size in pixels.
    pub size: UVec2,
    /// A preset key (`overview`, `top`) or an object id.
    pub view: String,
    /// Give up after this many captures without two identical ones.
    pub max_captures: u32,
    /// Capture the primary window (a real window, e.g. under Xvfb) instead of rendering offscreen.
    pub window: bool,
}

/// What a finished snapshot reports.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotReport {
    /// The PNG written.
    pub path: PathBuf,
    /// From launch (`cli::launched`) to the first frame captured with every model loaded.
    pub first_frame_ms: f64,
    /// From launch to the frame that was written (the picture had settled).
    pub settled_ms: f64,
    /// Frames captured.
    pub captures: u32,
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
    view_set: bool,
    settle_frames: u32,
    in_flight: bool,
    captures: u32,
    previous: Option<Vec<u8>>,
    first_frame_ms: Option<f64>,
}

/// Renders the twin to an image target and writes the PNG.
pub struct SnapshotPlugin;

impl Plugin for SnapshotPlugin {
    fn build(&self, app: &mut App) {
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

#[allow(clippy::too_many_arguments)]
fn drive(
    mut commands: Commands,
    req: Res<SnapshotRequest>,
    mut progress: ResMut<Progress>,
    loading: Res<ModelLoading>,
    assets: Res<AssetServer>,
    roots: Query<&WorldAssetRoot>,
    presets: Res<ViewPresets>,
    mut requests: MessageWriter<ViewRequested>,
    outcome: Res<SnapshotOutcome>,
    mut exit: MessageWriter<AppExit>,
) {
    if outcome.get().is_some() {
        return;
    }
    // 1. Every model spawned (or failed, which the scene validator makes rare) with its textures.
    let loaded = loading.done() && roots.iter().all(|r| assets.is_loaded_with_dependencies(r.id()));
    if !loaded || presets.0.is_empty() {
        return;
    }
    // 2. The requested view, without a flight.
    if !progress.view_set {
        requests.write(ViewRequested { key: req.view.clone(), instant: true });
        progress.view_set = true;
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
            let msg = format!("the picture did not settle after {} captures", progress.captures);
            outcome.set(Err(msg));
            exit.write(AppExit::error());
            return;
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
    outcome: Res<SnapshotOutcome>,
    mut exit: MessageWriter<AppExit>,
) {
    progress.in_flight = false;
    let now_ms = crate::cli::since_launch_ms();
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
        });
    let ok = result.is_ok();
    info!("snapshot after {} captures: {result:?}", progress.captures);
    outcome.set(result);
    exit.write(if ok { AppExit::Success } else { AppExit::error() });
}
