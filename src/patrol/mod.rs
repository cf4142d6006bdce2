//! The twin's patrol playback (`sitetwin --patrol daily`): when a site opens, the core plans and
//! walks the patrol on a worker thread from the twin's start moment, then the inspector follows
//! the walk's trace at the twin's clock, so the time bar plays, pauses and scrubs the patrol with
//! the rest of the site. Headless-safe: the inspector is an entity with a transform, and
//! [`PatrolProgress`] says where the walk is; `view` draws it and `panel` lists its points.

pub mod panel;
pub mod rehearse;
pub mod rehearse_ui;
pub mod view;

use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use chrono::{DateTime, Utc};
use sitetwin_core::patrol::report::{self, DeductionRules, PatrolReport, PatrolRequest as CoreRequest};
use sitetwin_core::patrol::walk::{Doing, Sample};
use sitetwin_core::patrol::{Body, PatrolKind, PatrolSite, PlanOptions, PointRules, WalkOptions, ZoneRules};
use sitetwin_core::rules::RuleSet;
use sitetwin_core::sim::Scenario;

use crate::TwinSet;
use crate::site::{Site, SiteScoped, SiteSpawned};
use crate::source::{DataSource, PlayOptions, SeekRequested};
use crate::telemetry::{SiteRuleSet, TwinClock};

/// The patrol the twin plays (from `--patrol`).
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct PatrolRequest {
    /// The patrol type.
    pub kind: PatrolKind,
    /// Once planned, move the clock this far into the patrol, s (snapshots of a moment of it).
    pub seek_s: Option<f64>,
    /// Once planned, start a first-person rehearsal of it.
    pub rehearse: bool,
}

/// A planned and walked patrol, and the data time it starts at.
#[derive(Debug)]
pub struct PatrolPlayback {
    /// The core's report: plan, walk, findings, score.
    pub report: PatrolReport,
    /// The data time the walk starts at.
    pub start: DateTime<Utc>,
    /// The site's collision world and walking grid (a rehearsal walks in it).
    pub site: Arc<PatrolSite>,
    /// The scenario the patrol's moment is of (its pours close zones during a rehearsal).
    pub scenario: Arc<Scenario>,
}

/// Where the patrol stands.
#[derive(Resource, Debug, Default)]
pub enum PatrolState {
    /// No patrol asked for.
    #[default]
    Off,
    /// Being planned and walked on a worker thread.
    Planning(Mutex<Receiver<Result<PatrolPlayback, String>>>),
    /// Ready to play.
    Ready(Arc<PatrolPlayback>),
    /// It could not be planned, and why.
    Failed(String),
}

impl PatrolState {
    /// The playback, once ready.
    pub fn playback(&self) -> Option<&Arc<PatrolPlayback>> {
        match self {
            PatrolState::Ready(p) => Some(p),
            _ => None,
        }
    }
}

/// The patrol at the twin's clock.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct PatrolProgress {
    /// Seconds since the patrol started (negative before it, past the end after it).
    pub elapsed_s: f64,
    /// Points checked by now.
    pub checked: usize,
    /// The inspector's feet, site frame, m.
    pub feet_m: Option<[f64; 3]>,
    /// What they are doing.
    pub doing: Option<Doing>,
    /// The point they walk to or check.
    pub at: Option<String>,
}

/// The walking inspector.
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct Inspector;

/// Plans patrols when sites open and moves the inspector with the clock.
pub struct PatrolPlugin;

impl Plugin for PatrolPlugin {
    fn build(&self, app: &mut App) {
        crate::configure(app);
        app.init_resource::<PatrolState>()
            .init_resource::<PatrolProgress>()
            .add_systems(Update, (start_planning, receive, follow).chain().in_set(TwinSet::Update))
            .add_plugins(rehearse::RehearsalPlugin);
    }
}

/// The trace's position at `t_s`, interpolated between samples, with the later sample's state.
pub fn sample_at(trace: &[Sample], t_s: f64) -> Option<([f64; 3], &Sample)> {
    let i = trace.partition_point(|s| s.t_s < t_s);
    let b = trace.get(i).or_else(|| trace.last())?;
    let Some(a) = i.checked_sub(1).and_then(|j| trace.get(j)) else { return Some((b.feet_m, b)) };
    if b.t_s <= a.t_s {
        return Some((b.feet_m, b));
    }
    let k = ((t_s - a.t_s) / (b.t_s - a.t_s)).clamp(0.0, 1.0);
    let p = std::array::from_fn(|n| a.feet_m[n] + (b.feet_m[n] - a.feet_m[n]) * k);
    Some((p, b))
}

#[allow(clippy::too_many_arguments)]
fn start_planning(
    mut commands: Commands,
    request: Option<Res<PatrolRequest>>,
    site: Option<Res<Site>>,
    source: Option<Res<DataSource>>,
    play: Option<Res<PlayOptions>>,
    rules: Option<Res<SiteRuleSet>>,
    mut spawned: MessageReader<SiteSpawned>,
    mut progress: ResMut<PatrolProgress>,
) {
    if spawned.read().last().is_none() {
        return;
    }
    let (Some(request), Some(site)) = (request, site) else { return };
    let (scenario, seed) = match source.as_deref() {
        Some(DataSource::Simulator { scenario, seed }) => (scenario.clone(), *seed),
        _ => match crate::app::resolve_scenario(crate::app::DEFAULT_SCENARIO) {
            Ok(p) => (p, 1),
            Err(e) => {
                commands.insert_resource(PatrolState::Failed(format!("{e:#}")));
                return;
            }
        },
    };
    let at_s = play.map_or(0.0, |p| p.at_s);
    let loaded = site.loaded.clone();
    let kind = request.kind;
    // The site's own rules (its configuration's thresholds), as the twin judges its readings.
    let rules = rules.map_or_else(|| Arc::new(RuleSet::default()), |r| r.0.clone());
    let (tx, rx) = channel();
    std::thread::Builder::new()
        .name("patrol planner".into())
        .spawn(move || {
            let run = || -> anyhow::Result<PatrolPlayback> {
                let scenario = Scenario::load(&scenario)?;
                let site = PatrolSite::build(&loaded.scene, &loaded.dir, Body::default())?;
                let req = CoreRequest {
                    scene: &loaded.scene,
                    scenario: &scenario,
                    seed,
                    kind,
                    at_h: at_s / 3600.0,
                    rules,
                    plan: PlanOptions::default(),
                    walk: Some(WalkOptions::default()),
                    zones: ZoneRules::default(),
                    points: PointRules::default(),
                    deductions: DeductionRules::default(),
                };
                let report = report::run(&site, &req)?;
                let start = DateTime::parse_from_rfc3339(&report.at)?.to_utc();
                Ok(PatrolPlayback { report, start, site: Arc::new(site), scenario: Arc::new(scenario) })
            };
            let _ = tx.send(run().map_err(|e| format!("{e:#}")));
        })
        .ok();
    commands.insert_resource(PatrolState::Planning(Mutex::new(rx)));
    *progress = PatrolProgress::default();
    commands.spawn((Inspector, SiteScoped, Transform::default(), Visibility::Hidden, Name::new("inspector")));
}

fn receive(
    mut state: ResMut<PatrolState>,
    request: Option<Res<PatrolRequest>>,
    mut seek: MessageWriter<SeekRequested>,
    mut rehearse: MessageWriter<rehearse::RehearsalAsked>,
) {
    let PatrolState::Planning(rx) = &*state else { return };
    let got = match rx.lock() {
        Ok(rx) => match rx.try_recv() {
            Ok(got) => got,
            Err(std::sync::mpsc::TryRecvError::Empty) => return,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => Err("the patrol planner stopped".into()),
        },
        Err(_) => Err("the patrol planner's channel is poisoned".into()),
    };
    *state = match got {
        Ok(p) => {
            if let Some(s) = request.as_ref().and_then(|r| r.seek_s) {
                seek.write(SeekRequested(p.start + chrono::Duration::milliseconds((s * 1000.0).round() as i64)));
            }
            if request.is_some_and(|r| r.rehearse) {
                rehearse.write(rehearse::RehearsalAsked::Start);
            }
            info!("patrol planned: {} points, {:.0} m", p.report.plan.stops.len(), p.report.plan.walk_m);
            PatrolState::Ready(Arc::new(p))
        }
        Err(e) => {
            error!("patrol: {e}");
            PatrolState::Failed(e)
        }
    };
}

fn follow(
    state: Res<PatrolState>,
    clock: Res<TwinClock>,
    rehearsing: Option<Res<rehearse::Rehearsing>>,
    mut progress: ResMut<PatrolProgress>,
    mut inspector: Query<(&mut Transform, &mut Visibility), With<Inspector>>,
) {
    let (Some(p), Some(now)) = (state.playback(), clock.now) else { return };
    let Some(walk) = &p.report.walk else { return };
    let elapsed_s = (now - p.start).num_milliseconds() as f64 / 1000.0;
    let Some((feet, sample)) = sample_at(&walk.trace, elapsed_s) else { return };
    let checked = walk.visits.iter().filter(|v| v.leave_s <= elapsed_s).count();
    let next = PatrolProgress {
        elapsed_s,
        checked,
        feet_m: Some(feet),
        doing: Some(sample.doing),
        at: Some(sample.at.clone()).filter(|a| !a.is_empty()),
    };
    if *progress != next {
        *progress = next;
    }
    // During a rehearsal the person at the keys is the inspector: the simulated one steps aside.
    let on = elapsed_s >= 0.0 && rehearsing.is_none();
    for (mut t, mut v) in &mut inspector {
        t.translation = crate::frame::site_point(bevy::math::DVec3::from_array(feet));
        *v = if on { Visibility::Inherited } else { Visibility::Hidden };
    }
}
