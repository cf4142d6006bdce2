//! The first-person rehearsal on the twin (`sitetwin --patrol daily --rehearse`, or the patrol
//! window's button): the user walks the planned patrol in the patrol's own rapier3d world, with
//! the core's character controller (collisions, steps, slopes), while the site plays on at real
//! time from the patrol's moment; the hazard zones follow the cranes' loads and the scenario's
//! pours. At each stand point the checklist opens; at the end (back at the office, or Esc) the
//! walk is compared with the plan, and the items found wanting can be raised into the site's
//! rectification register. Headless-safe: the keys become a [`RehearsalControl`] (tests set it
//! directly), and the camera follows the [`EyeView`] this writes.

use std::path::PathBuf;
use std::sync::Arc;

use bevy::input::mouse::AccumulatedMouseMotion;
use bevy::prelude::*;
use chrono::{DateTime, Utc};
use sitetwin_core::patrol::live::{LiveSite, crane_now, pours_at};
use sitetwin_core::patrol::rehearse::{Guide, Moment, Rehearsal, RehearsalOptions, RehearsalReport, Stride, Verdict};
use sitetwin_core::patrol::{ZoneRules, report, zones};

use super::PatrolState;
use crate::TwinSet;
use crate::findings::SiteFindings;
use crate::motion::CranePose;
use crate::site::{Site, SiteObject, SiteSpawned};
use crate::source::SeekRequested;
use crate::telemetry::TwinClock;
use crate::view::camera::EyeView;

/// How often the zones are rebuilt from the site's state, s of rehearsal time.
const ZONE_REFRESH_S: f64 = 1.0;

/// How often the guide is re-planned from where the user stands, s of rehearsal time (and at
/// once after the zones change or a point is reached).
const GUIDE_REFRESH_S: f64 = 0.5;

/// What the user (or a test) asks of the rehearsal.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum RehearsalAsked {
    /// Start one of the planned patrol, from its moment.
    Start,
    /// Judge item `item` of stop `point`.
    Judge {
        /// The stop, in the plan's order.
        point: usize,
        /// The item, in the stop's order.
        item: usize,
        /// OK, or not with a note.
        verdict: Verdict,
    },
    /// End it where the user stands and compare with the plan.
    End,
    /// Raise the items found wanting into the site's register.
    RaiseFindings,
    /// Write the comparison as JSON into this folder.
    Save(PathBuf),
    /// Close the comparison and go back to the orbiting view.
    Close,
}

/// The stride and turn asked for this frame (from the keys and the mouse; tests set it).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct RehearsalControl {
    /// Keys held.
    pub stride: Stride,
    /// Turn asked since the last step: heading clockwise, pitch up, rad (used up by the step).
    pub turn_rad: [f64; 2],
}

/// A rehearsal under way, or ended with its comparison shown.
#[derive(Resource, Debug)]
pub struct Rehearsing {
    /// The walk.
    pub walk: Rehearsal,
    /// The data time it started at (the patrol's moment).
    pub started: DateTime<Utc>,
    /// The comparison, once ended.
    pub report: Option<RehearsalReport>,
    /// What the last request said back (a refused judgement, the findings raised, the file saved).
    pub said: Option<Result<String, String>>,
    /// The stop just arrived at, whose checklist is open.
    pub checklist: Option<usize>,
    /// The way on from where the user stands, around the zones closed now (drawn on the ground;
    /// the bar's arrow follows it). `None` when the way is cut.
    pub guide: Option<Guide>,
    next_zones_s: f64,
    next_guide_s: f64,
}

/// Starts, steps and ends rehearsals.
pub struct RehearsalPlugin;

impl Plugin for RehearsalPlugin {
    fn build(&self, app: &mut App) {
        crate::configure(app);
        app.add_message::<RehearsalAsked>().init_resource::<RehearsalControl>().add_systems(
            Update,
            (
                keys.run_if(resource_exists::<ButtonInput<KeyCode>>).in_set(TwinSet::Input),
                (requests, step, forget_on_new_site).chain().in_set(TwinSet::Update).after(super::follow),
            ),
        );
    }
}

/// WASD or the arrows walk, Shift runs, Q/E or a right-button drag turn, Esc ends.
#[allow(clippy::too_many_arguments)]
fn keys(
    keys: Res<ButtonInput<KeyCode>>,
    buttons: Option<Res<ButtonInput<MouseButton>>>,
    motion: Option<Res<AccumulatedMouseMotion>>,
    egui_input: Option<Res<bevy_egui::input::EguiWantsInput>>,
    time: Res<Time>,
    rehearsing: Option<Res<Rehearsing>>,
    mut control: ResMut<RehearsalControl>,
    mut asked: MessageWriter<RehearsalAsked>,
) {
    if rehearsing.is_none_or(|r| r.report.is_some()) {
        return;
    }
    if egui_input.as_ref().is_some_and(|e| e.wants_keyboard_input()) {
        control.stride = Stride::default();
        return;
    }
    let axis = |plus: [KeyCode; 2], minus: [KeyCode; 2]| {
        f64::from(u8::from(keys.any_pressed(plus))) - f64::from(u8::from(keys.any_pressed(minus)))
    };
    control.stride = Stride {
        forward: axis([KeyCode::KeyW, KeyCode::ArrowUp], [KeyCode::KeyS, KeyCode::ArrowDown]),
        right: axis([KeyCode::KeyD, KeyCode::ArrowRight], [KeyCode::KeyA, KeyCode::ArrowLeft]),
        run: keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]),
    };
    // Q/E turn at 90° a second; a right-button drag turns with the mouse (not over a panel).
    let dt = time.delta_secs_f64();
    control.turn_rad[0] += axis([KeyCode::KeyE, KeyCode::KeyE], [KeyCode::KeyQ, KeyCode::KeyQ]) * dt * 1.5;
    let over_panel = egui_input.as_ref().is_some_and(|e| e.wants_pointer_input() || e.is_pointer_over_area());
    if let (Some(b), Some(m)) = (buttons, motion)
        && b.pressed(MouseButton::Right)
        && !over_panel
    {
        control.turn_rad[0] += f64::from(m.delta.x) * 0.004;
        control.turn_rad[1] -= f64::from(m.delta.y) * 0.004;
    }
    if keys.just_pressed(KeyCode::Escape) {
        asked.write(RehearsalAsked::End);
    }
}

#[allow(clippy::too_many_arguments)]
fn requests(
    mut commands: Commands,
    mut asked: MessageReader<RehearsalAsked>,
    state: Res<PatrolState>,
    site: Option<Res<Site>>,
    mut findings: ResMut<SiteFindings>,
    mut rehearsing: Option<ResMut<Rehearsing>>,
    mut clock: ResMut<TwinClock>,
    mut seek: MessageWriter<SeekRequested>,
    mut control: ResMut<RehearsalControl>,
    snapshot: Option<Res<crate::snapshot::SnapshotRequest>>,
) {
    for a in asked.read() {
        match (a, rehearsing.as_deref_mut()) {
            (RehearsalAsked::Start, _) => {
                let Some(p) = state.playback() else {
                    warn!("a rehearsal needs a planned patrol");
                    continue;
                };
                let plan = Arc::new(p.report.plan.clone());
                let walk = Rehearsal::new(p.site.clone(), plan.clone(), RehearsalOptions::for_plan(&plan));
                info!("rehearsal of {} points from {}", plan.stops.len(), p.start);
                commands.insert_resource(eye_of(&walk));
                commands.insert_resource(Rehearsing {
                    started: p.start,
                    report: None,
                    said: None,
                    checklist: walk.at_point(),
                    guide: walk.guide(),
                    walk,
                    next_zones_s: 0.0,
                    next_guide_s: 0.0,
                });
                *control = RehearsalControl::default();
                // The site plays on at real time from the patrol's moment; a snapshot pictures
                // that moment, so its clock stays as it was (standing still unless asked).
                seek.write(SeekRequested(p.start));
                if snapshot.is_none() {
                    clock.speed = 1.0;
                    clock.paused = false;
                }
            }
            (RehearsalAsked::Judge { point, item, verdict }, Some(r)) => {
                r.said = r.walk.judge(*point, *item, verdict.clone()).err().map(|e| Err(e.to_string()));
            }
            (RehearsalAsked::End, Some(r)) => {
                r.walk.end();
            }
            (RehearsalAsked::RaiseFindings, Some(r)) => {
                let (Some(rep), Some(site)) = (&r.report, &site) else { continue };
                let patrol = format!("rehearsal {}@{}", rep.kind.name(), r.started.to_rfc3339());
                let at = |t_s: f64| r.started + chrono::Duration::milliseconds((t_s * 1000.0).round() as i64);
                let inputs = rep
                    .findings
                    .iter()
                    .map(|f| report::finding_input(&site.loaded.scene, &patrol, f, at(f.t_s)))
                    .collect();
                r.said = Some(findings.raise(inputs, "rehearsal", at(r.walk.t_s())));
            }
            (RehearsalAsked::Save(dir), Some(r)) => {
                let Some(rep) = &r.report else { continue };
                r.said = Some(save(dir, rep, r.started).map_err(|e| format!("{e:#}")));
            }
            (RehearsalAsked::Close, Some(_)) => {
                commands.remove_resource::<Rehearsing>();
                commands.remove_resource::<EyeView>();
            }
            (_, None) => {}
        }
    }
}

/// Writes the comparison as `rehearsal-<type>-<start>.json` into `dir`.
fn save(dir: &std::path::Path, rep: &RehearsalReport, started: DateTime<Utc>) -> anyhow::Result<String> {
    use anyhow::Context;
    let path = dir.join(format!("rehearsal-{}-{}.json", rep.kind.name(), started.format("%Y%m%dT%H%MZ")));
    let json = serde_json::to_vec_pretty(rep)?;
    std::fs::write(&path, json).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path.display().to_string())
}

fn eye_of(walk: &Rehearsal) -> EyeView {
    EyeView {
        eye: crate::frame::site_point(walk.eye_m()),
        look: crate::frame::site_point(walk.look_dir()).normalize_or(Vec3::NEG_Z),
    }
}

/// One frame of the walk: the turn and stride asked, the zones from the cranes and pours, the
/// checklist of the point arrived at, and the comparison once back.
#[allow(clippy::too_many_arguments)]
fn step(
    mut commands: Commands,
    time: Res<Time>,
    clock: Res<TwinClock>,
    state: Res<PatrolState>,
    site: Option<Res<Site>>,
    cranes: Query<(&SiteObject, &CranePose)>,
    rehearsing: Option<ResMut<Rehearsing>>,
    mut control: ResMut<RehearsalControl>,
) {
    let Some(mut r) = rehearsing else { return };
    if r.report.is_some() {
        return;
    }
    let [h, p] = std::mem::take(&mut control.turn_rad);
    r.walk.turn(h, p);
    if r.walk.t_s() >= r.next_zones_s
        && let (Some(site), Some(pb)) = (&site, state.playback())
    {
        let scene = &site.loaded.scene;
        let live = LiveSite {
            cranes: scene
                .cranes
                .iter()
                .map(|c| {
                    let pose = cranes.iter().find(|(o, _)| o.id == c.id).map(|(_, p)| *p).unwrap_or_default();
                    crane_now(
                        c,
                        scene.site.north_deg,
                        pose.slew_deg,
                        pose.trolley_radius_m,
                        pose.hook_height_m,
                        pose.load_pct,
                    )
                })
                .collect(),
            pours: clock.now.map_or_else(Vec::new, |now| {
                let since_h = (now - pb.scenario.start).num_milliseconds() as f64 / 3.6e6;
                pours_at(scene, &pb.scenario, since_h)
            }),
            ..LiveSite::default()
        };
        let zones = zones::zones(scene, &live, &ZoneRules::default());
        if zones != r.walk.zones() {
            r.next_guide_s = 0.0;
        }
        r.walk.set_zones(zones);
        r.next_zones_s = r.walk.t_s() + ZONE_REFRESH_S;
    }
    // A paused twin stands still, and so does the walk (its clock, dwell and guide with it).
    if clock.paused {
        return;
    }
    let stride = control.stride;
    for m in r.walk.advance(stride, time.delta_secs_f64()) {
        match m {
            Moment::Arrived(i) => {
                r.checklist = Some(i);
                r.next_guide_s = 0.0;
            }
            Moment::Left(i) if r.checklist == Some(i) => r.checklist = None,
            _ => {}
        }
    }
    if r.walk.t_s() >= r.next_guide_s {
        r.guide = r.walk.guide();
        r.next_guide_s = r.walk.t_s() + GUIDE_REFRESH_S;
    }
    if r.walk.ended() {
        let rep = r.walk.report();
        info!(
            "rehearsal ended: {} of {} points, {} missed, {:.0} s of {:.0} planned",
            rep.points.iter().filter(|p| p.arrive_s.is_some()).count(),
            rep.points.len(),
            rep.missed.len(),
            rep.duration_s,
            rep.planned_s
        );
        r.report = Some(rep);
        r.checklist = None;
        commands.remove_resource::<EyeView>();
    } else {
        commands.insert_resource(eye_of(&r.walk));
    }
}

/// A new site ends what was rehearsed on the old one.
fn forget_on_new_site(mut commands: Commands, mut spawned: MessageReader<SiteSpawned>) {
    if spawned.read().last().is_some() {
        commands.remove_resource::<Rehearsing>();
        commands.remove_resource::<EyeView>();
    }
}
