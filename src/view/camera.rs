//! The orbit camera: orbit, pan and zoom within limits set by the site's size, "fit site", and
//! preset views (overview, top, each crane, each pit) reached by a short smooth flight.

use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::prelude::*;
use bevy_egui::input::EguiWantsInput;

use crate::frame::site_point;
use crate::site::{ObjectBounds, Site, SiteIndex, SiteObject};
use crate::{AppMode, LoadPhase, TwinSet};

/// Where the camera looks from: a focus point, yaw and pitch around it, and a distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrbitPose {
    /// The point looked at, site frame, metres.
    pub focus: Vec3,
    /// Heading of the camera around the focus, radians; 0 looks from the south (+z) towards north.
    pub yaw_rad: f32,
    /// Elevation above the horizon, radians.
    pub pitch_rad: f32,
    /// Distance from the focus, metres.
    pub distance_m: f32,
}

impl OrbitPose {
    /// The camera transform for this pose.
    pub fn transform(&self) -> Transform {
        let dir = Vec3::new(
            self.pitch_rad.cos() * self.yaw_rad.sin(),
            self.pitch_rad.sin(),
            self.pitch_rad.cos() * self.yaw_rad.cos(),
        );
        let eye = self.focus + dir * self.distance_m;
        // Looking straight down, "up" on screen is north (−z).
        let up = if self.pitch_rad > 1.55 { Vec3::NEG_Z } else { Vec3::Y };
        Transform::from_translation(eye).looking_at(self.focus, up)
    }

    /// Moves part of the way to `to` (`t` in 0..1), turning the short way round.
    pub fn lerp(&self, to: &OrbitPose, t: f32) -> OrbitPose {
        let mut dyaw = (to.yaw_rad - self.yaw_rad) % std::f32::consts::TAU;
        if dyaw > std::f32::consts::PI {
            dyaw -= std::f32::consts::TAU;
        } else if dyaw < -std::f32::consts::PI {
            dyaw += std::f32::consts::TAU;
        }
        OrbitPose {
            focus: self.focus.lerp(to.focus, t),
            yaw_rad: self.yaw_rad + dyaw * t,
            pitch_rad: self.pitch_rad + (to.pitch_rad - self.pitch_rad) * t,
            // Zoom geometrically so that long flights do not rush at the end.
            distance_m: self.distance_m * (to.distance_m / self.distance_m).powf(t),
        }
    }
}

/// Limits that keep the camera useful: never under ground level looking up, never so far that
/// the site is a dot, never so close that it is inside a crane.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct OrbitLimits {
    /// Closest approach, metres.
    pub min_distance_m: f32,
    /// Farthest distance, metres.
    pub max_distance_m: f32,
    /// Lowest elevation, radians.
    pub min_pitch_rad: f32,
    /// Highest elevation, radians.
    pub max_pitch_rad: f32,
    /// The focus stays inside this box (the site with a margin).
    pub focus_min: Vec3,
    /// See `focus_min`.
    pub focus_max: Vec3,
}

impl OrbitLimits {
    /// Limits for a site whose plan bounds are `[min_x, min_z, max_x, max_z]`.
    pub fn for_site(b: [f64; 4]) -> Self {
        let size = ((b[2] - b[0]).max(b[3] - b[1]) as f32).max(20.0);
        let margin = size * 0.5;
        OrbitLimits {
            min_distance_m: 3.0,
            max_distance_m: size * 6.0,
            min_pitch_rad: 2f32.to_radians(),
            max_pitch_rad: 89.5f32.to_radians(),
            focus_min: Vec3::new(b[0] as f32 - margin, -30.0, b[1] as f32 - margin),
            focus_max: Vec3::new(b[2] as f32 + margin, 120.0, b[3] as f32 + margin),
        }
    }

    /// The pose moved inside the limits.
    pub fn clamp(&self, p: OrbitPose) -> OrbitPose {
        OrbitPose {
            focus: p.focus.clamp(self.focus_min, self.focus_max),
            yaw_rad: p.yaw_rad,
            pitch_rad: p.pitch_rad.clamp(self.min_pitch_rad, self.max_pitch_rad),
            distance_m: p.distance_m.clamp(self.min_distance_m, self.max_distance_m),
        }
    }
}

/// Distance at which a sphere of `radius_m` fills the view with vertical field of view `fov_rad`
/// and the given aspect ratio (width / height).
pub fn fit_distance(radius_m: f32, fov_rad: f32, aspect: f32) -> f32 {
    let half_v = fov_rad / 2.0;
    let half_h = (half_v.tan() * aspect.max(0.1)).atan();
    radius_m / half_v.min(half_h).sin()
}

/// The camera's orbit state: the pose shown and, during a flight, the pose it flies to.
#[derive(Component, Debug, Clone, Copy)]
pub struct OrbitCamera {
    /// Current pose.
    pub pose: OrbitPose,
    /// Pose being flown to, if any.
    pub target: Option<OrbitPose>,
}

/// A named view the user can jump to.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewPreset {
    /// Stable key: `overview`, `top`, or an object id.
    pub key: String,
    /// The i18n key of its label, or `None` when the label is the object's name.
    pub label_key: Option<&'static str>,
    /// Object name for object presets.
    pub name: String,
    /// The pose.
    pub pose: OrbitPose,
}

/// The site's preset views, built from the scene once the site is spawned.
#[derive(Resource, Debug, Clone, Default)]
pub struct ViewPresets(pub Vec<ViewPreset>);

impl ViewPresets {
    /// The preset with this key.
    pub fn get(&self, key: &str) -> Option<&ViewPreset> {
        self.0.iter().find(|p| p.key == key)
    }
}

/// Asks the camera to fly to a preset (`overview`, `top`, an object id) or to an object's bounds.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct ViewRequested {
    /// Preset key or object id.
    pub key: String,
    /// Jump without a flight (snapshots, tests).
    pub instant: bool,
}

/// A first-person view (a patrol rehearsal): while it is set, the camera stands at `eye` looking
/// along `look` (Bevy frame) and the orbit controls wait.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct EyeView {
    /// The eye, m.
    pub eye: Vec3,
    /// The unit direction looked along.
    pub look: Vec3,
}

/// True while a mouse drag is moving the camera, so that releasing it is not taken as a click.
#[derive(Resource, Debug, Default, Clone, Copy)]
pub struct PointerDrag {
    /// Pixels moved since the button went down.
    pub moved_px: f32,
}

impl PointerDrag {
    /// A click should be ignored: the press was the start of a drag.
    pub fn was_drag(&self) -> bool {
        self.moved_px > 5.0
    }
}

/// Aspect ratio assumed for presets (the viewport's may differ; fitting uses the smaller FOV).
const PRESET_ASPECT: f32 = 16.0 / 9.0;
/// Bevy's default perspective vertical field of view.
const FOV_RAD: f32 = std::f32::consts::FRAC_PI_4;

/// Builds the presets of a site: overview, top, then one per object whose kind has a preset
/// view in the core's object-kind table (cranes, pits, formwork zones), in the order given.
pub fn site_presets(site: &Site, objects: &[(SiteObject, ObjectBounds)]) -> ViewPresets {
    let b = site.loaded.scene.plan_bounds_m();
    let center = Vec3::new(((b[0] + b[2]) / 2.0) as f32, 6.0, ((b[1] + b[3]) / 2.0) as f32);
    let radius = (((b[2] - b[0]).powi(2) + (b[3] - b[1]).powi(2)).sqrt() / 2.0) as f32;
    let fit = fit_distance(radius, FOV_RAD, PRESET_ASPECT);
    let mut v = vec![
        ViewPreset {
            key: "overview".into(),
            label_key: Some("ui.view.overview"),
            name: String::new(),
            pose: OrbitPose {
                focus: center,
                yaw_rad: 35f32.to_radians(),
                pitch_rad: 38f32.to_radians(),
                distance_m: fit * 1.05,
            },
        },
        ViewPreset {
            key: "top".into(),
            label_key: Some("ui.view.top"),
            name: String::new(),
            pose: OrbitPose {
                focus: center.with_y(0.0),
                yaw_rad: 0.0,
                pitch_rad: 89.5f32.to_radians(),
                distance_m: fit * 1.1,
            },
        },
    ];
    let scene = &site.loaded.scene;
    for (o, bounds) in objects {
        let Some(object) = scene.object(&o.id) else { continue };
        let Some(view) = object.spec.preset else { continue };
        let (focus, radius) = object
            .view_sphere_m()
            .map(|(c, r)| (site_point(c), r as f32))
            .unwrap_or((bounds.center(), bounds.radius()));
        let pose = OrbitPose {
            focus,
            yaw_rad: view.yaw_deg.to_radians(),
            pitch_rad: view.pitch_deg.to_radians(),
            distance_m: fit_distance(radius * view.radius_scale, FOV_RAD, PRESET_ASPECT),
        };
        v.push(ViewPreset { key: o.id.clone(), label_key: None, name: o.name.clone(), pose });
    }
    ViewPresets(v)
}

/// A pose framing any object's bounds (used when a preset does not exist for it).
pub fn object_pose(bounds: &ObjectBounds) -> OrbitPose {
    OrbitPose {
        focus: bounds.center(),
        yaw_rad: 30f32.to_radians(),
        pitch_rad: 35f32.to_radians(),
        distance_m: fit_distance(bounds.radius().max(4.0) * 1.8, FOV_RAD, PRESET_ASPECT),
    }
}

/// Spawns the camera and handles controls, presets and flights.
pub struct CameraPlugin;

impl Plugin for CameraPlugin {
    fn build(&self, app: &mut App) {
        app.add_message::<ViewRequested>()
            .init_resource::<ViewPresets>()
            .init_resource::<PointerDrag>()
            .add_systems(Startup, spawn_camera)
            .add_systems(OnEnter(LoadPhase::Assets), fit_to_site)
            .add_systems(OnEnter(AppMode::Twin), |mut cams: Query<&mut Camera, With<OrbitCamera>>| {
                cams.iter_mut().for_each(|mut c| c.is_active = true);
            })
            .add_systems(OnEnter(AppMode::Loading), |mut cams: Query<&mut Camera, With<OrbitCamera>>| {
                cams.iter_mut().for_each(|mut c| c.is_active = false);
            })
            .add_systems(
                Update,
                (orbit_controls, shortcut_keys)
                    .in_set(TwinSet::Input)
                    .run_if(in_state(AppMode::Twin).and_then(not(resource_exists::<EyeView>))),
            )
            .add_systems(Update, (apply_view_requests, fly_and_place).chain().in_set(TwinSet::Camera));
    }
}

/// The one twin camera; it lives across sites (each site sets its limits and presets) and does
/// not render while a site is loading.
fn spawn_camera(mut commands: Commands) {
    let pose = OrbitPose { focus: Vec3::ZERO, yaw_rad: 0.6, pitch_rad: 0.6, distance_m: 150.0 };
    commands.insert_resource(OrbitLimits::for_site([-50.0, -50.0, 50.0, 50.0]));
    commands.spawn((
        Camera3d::default(),
        Camera { is_active: false, ..default() },
        Msaa::Sample4,
        OrbitCamera { pose, target: None },
        pose.transform(),
        Name::new("twin camera"),
    ));
}

/// A new site: its limits and presets, and the overview without a flight.
fn fit_to_site(
    mut commands: Commands,
    site: Option<Res<Site>>,
    objects: Query<(&SiteObject, &ObjectBounds)>,
    mut requests: MessageWriter<ViewRequested>,
) {
    let Some(site) = site else { return };
    commands.insert_resource(OrbitLimits::for_site(site.loaded.scene.plan_bounds_m()));
    // Objects whose kind has a preset, by the kind's rank and then by id.
    let mut list: Vec<_> =
        objects.iter().filter_map(|(o, b)| Some((o.kind.spec()?.preset?.rank, (o.clone(), *b)))).collect();
    list.sort_by(|a, b| (a.0, &a.1.0.id).cmp(&(b.0, &b.1.0.id)));
    let list: Vec<_> = list.into_iter().map(|(_, x)| x).collect();
    commands.insert_resource(site_presets(&site, &list));
    requests.write(ViewRequested { key: "overview".into(), instant: true });
}

fn apply_view_requests(
    mut requests: MessageReader<ViewRequested>,
    presets: Res<ViewPresets>,
    index: Res<SiteIndex>,
    bounds: Query<&ObjectBounds>,
    mut cams: Query<&mut OrbitCamera>,
    limits: Option<Res<OrbitLimits>>,
) {
    for r in requests.read() {
        let pose = match presets.get(&r.key) {
            Some(p) => p.pose,
            None => match index.object(&r.key).and_then(|e| bounds.get(e).ok()) {
                Some(b) => object_pose(b),
                None => {
                    warn!("no view or object called `{}`", r.key);
                    continue;
                }
            },
        };
        let pose = limits.as_ref().map(|l| l.clamp(pose)).unwrap_or(pose);
        for mut cam in &mut cams {
            if r.instant {
                cam.pose = pose;
                cam.target = None;
            } else {
                cam.target = Some(pose);
            }
        }
    }
}

fn fly_and_place(time: Res<Time>, eye: Option<Res<EyeView>>, mut cams: Query<(&mut OrbitCamera, &mut Transform)>) {
    let t = 1.0 - (-time.delta_secs() * 6.0).exp();
    for (mut cam, mut transform) in &mut cams {
        if let Some(eye) = &eye {
            let want = Transform::from_translation(eye.eye).looking_to(eye.look, Vec3::Y);
            if *transform != want {
                *transform = want;
            }
            continue;
        }
        if let Some(target) = cam.target {
            let next = cam.pose.lerp(&target, t);
            let close = next.focus.distance(target.focus) < 0.01
                && (next.distance_m - target.distance_m).abs() < 0.01
                && (next.pitch_rad - target.pitch_rad).abs() < 1e-4;
            cam.pose = if close { target } else { next };
            if close {
                cam.target = None;
            }
        }
        let want = cam.pose.transform();
        if *transform != want {
            *transform = want;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn orbit_controls(
    buttons: Res<ButtonInput<MouseButton>>,
    keys: Res<ButtonInput<KeyCode>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    egui_input: Option<Res<EguiWantsInput>>,
    limits: Option<Res<OrbitLimits>>,
    mut drag: ResMut<PointerDrag>,
    mut cams: Query<&mut OrbitCamera>,
) {
    let any_down = buttons.any_pressed([MouseButton::Left, MouseButton::Right, MouseButton::Middle]);
    if buttons.any_just_pressed([MouseButton::Left, MouseButton::Right, MouseButton::Middle]) {
        drag.moved_px = 0.0;
    }
    if any_down {
        drag.moved_px += motion.delta.length();
    }
    // A drag that started over a panel belongs to the panel.
    if egui_input.as_ref().is_some_and(|e| e.wants_pointer_input() || e.is_pointer_over_area()) {
        return;
    }
    let Some(limits) = limits else { return };
    for mut cam in &mut cams {
        let mut pose = cam.target.take().unwrap_or(cam.pose);
        let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
        let d = motion.delta;
        if buttons.pressed(MouseButton::Left) && !shift && d != Vec2::ZERO {
            pose.yaw_rad -= d.x * 0.006;
            pose.pitch_rad += d.y * 0.006;
        } else if (buttons.pressed(MouseButton::Right)
            || buttons.pressed(MouseButton::Middle)
            || (buttons.pressed(MouseButton::Left) && shift))
            && d != Vec2::ZERO
        {
            // Pan on the ground plane, scaled so the ground follows the pointer.
            let right = Vec3::new(pose.yaw_rad.cos(), 0.0, -pose.yaw_rad.sin());
            let forward = Vec3::new(-pose.yaw_rad.sin(), 0.0, -pose.yaw_rad.cos());
            let k = pose.distance_m * 0.0015;
            pose.focus += (-right * d.x + forward * d.y) * k;
        }
        let lines = match scroll.unit {
            MouseScrollUnit::Line => scroll.delta.y,
            MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
        };
        if lines != 0.0 {
            pose.distance_m *= (1.0 - 0.12 * lines.clamp(-5.0, 5.0)).max(0.2);
        }
        cam.pose = limits.clamp(pose);
    }
}

fn shortcut_keys(
    keys: Res<ButtonInput<KeyCode>>,
    egui_input: Option<Res<EguiWantsInput>>,
    presets: Res<ViewPresets>,
    mut requests: MessageWriter<ViewRequested>,
) {
    if egui_input.is_some_and(|e| e.wants_keyboard_input()) {
        return;
    }
    if keys.just_pressed(KeyCode::KeyF) || keys.just_pressed(KeyCode::Home) {
        requests.write(ViewRequested { key: "overview".into(), instant: false });
    }
    if keys.just_pressed(KeyCode::KeyT) {
        requests.write(ViewRequested { key: "top".into(), instant: false });
    }
    let digits = [
        KeyCode::Digit1,
        KeyCode::Digit2,
        KeyCode::Digit3,
        KeyCode::Digit4,
        KeyCode::Digit5,
        KeyCode::Digit6,
        KeyCode::Digit7,
        KeyCode::Digit8,
        KeyCode::Digit9,
    ];
    for (i, k) in digits.iter().enumerate() {
        if keys.just_pressed(*k)
            && let Some(p) = presets.0.get(i)
        {
            requests.write(ViewRequested { key: p.key.clone(), instant: false });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pose_looks_at_its_focus_from_its_distance() {
        let p = OrbitPose { focus: Vec3::new(5.0, 2.0, -3.0), yaw_rad: 0.7, pitch_rad: 0.4, distance_m: 50.0 };
        let t = p.transform();
        assert!((t.translation.distance(p.focus) - 50.0).abs() < 1e-3);
        let ahead = t.translation + t.forward() * 50.0;
        assert!(ahead.distance(p.focus) < 1e-3);
        // Straight down still has a usable up vector.
        let top = OrbitPose { pitch_rad: 89.5f32.to_radians(), ..p }.transform();
        assert!(top.translation.is_finite() && top.rotation.is_finite());
    }

    #[test]
    fn limits_keep_the_camera_above_ground_and_near_the_site() {
        let l = OrbitLimits::for_site([-60.0, -45.0, 60.0, 45.0]);
        let wild = OrbitPose { focus: Vec3::new(1e6, -50.0, 0.0), yaw_rad: 0.0, pitch_rad: -1.0, distance_m: 1e7 };
        let c = l.clamp(wild);
        assert!(c.pitch_rad > 0.0 && c.distance_m <= 720.0 && c.focus.x <= 120.0 && c.focus.y >= -30.0);
        assert_eq!(l.clamp(OrbitPose { distance_m: 0.1, ..c }).distance_m, 3.0);
    }

    #[test]
    fn fit_distance_frames_the_sphere() {
        let d = fit_distance(10.0, FOV_RAD, 1.0);
        assert!((d - 10.0 / (FOV_RAD / 2.0).sin()).abs() < 1e-4);
        // A narrow view (portrait) needs more distance than a wide one.
        assert!(fit_distance(10.0, FOV_RAD, 0.5) > fit_distance(10.0, FOV_RAD, 2.0));
    }

    #[test]
    fn flights_take_the_short_way_round() {
        let a = OrbitPose { focus: Vec3::ZERO, yaw_rad: 0.1, pitch_rad: 0.5, distance_m: 10.0 };
        let b = OrbitPose { yaw_rad: std::f32::consts::TAU - 0.1, distance_m: 40.0, ..a };
        let mid = a.lerp(&b, 0.5);
        assert!(mid.yaw_rad.abs() < 1e-4, "{}", mid.yaw_rad);
        assert!((mid.distance_m - 20.0).abs() < 1e-3);
    }
}
