//! The embedded telemetry simulator: readings for every sensor of a scene over a scenario's
//! period, deterministic for a seed. Cranes work lift cycles in the working day and weathervane
//! at night, the hoist makes trips, pits creep, the weather turns; a scenario's events add the
//! overloads, gusts, pours and faults the rules should catch. docs/simulator.md describes each
//! signal and event.
//!
//! ```text
//! let mut sim = Simulator::new(&scene, &Scenario::load(&scenario_file(scenes, "default"))?, 7)?;
//! let mut batch = Vec::new();
//! sim.advance_to(sim.end(), &mut batch);
//! write_jsonl(&batch, &mut std::io::stdout())?;
//! ```
//!
//! The state advances one simulated second at a time, however the period is split into
//! `advance_to` calls, so one call or many give the same readings. Randomness comes from
//! SplitMix64 and hashed noise keyed by object names, and the trigonometry is written out in
//! `+ − × ÷ √` (`num`), so a seed gives the same values on every platform.

mod machines;
pub(crate) mod num;
mod probes;
mod scenario;
mod signals;
mod supervision;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};

use self::machines::{Crane, CraneEnv, Hoist, Jib, Terrain};
use self::num::{key, wrap_deg};
use self::probes::{Change, Effect, Load, Mount, PowerBox, Probe};
pub use self::scenario::{
    EventKind, Scenario, ScenarioErrors, ScenarioIssue, ScenarioStoppage, TimedEvent, builtin_names, scenario_file,
};
use self::signals::{Gust, World, height_factor};
use self::supervision::{Crowd, SprayRequests, crew_key};
use crate::rondoc::did_you_mean;
use crate::rules;
use crate::scene::{SensorKind, SiteScene};
use crate::telemetry::{CHINA_STANDARD_TIME_S, Reading};

/// Why a scenario cannot run on a scene: each issue names the scenario file, the position and
/// the field (an unknown target id, a target of the wrong kind).
pub type SimError = ScenarioErrors;

/// An event of the scenario that the scene has nothing to show it on (a hoist limit trip on a
/// site whose hoist has no limit sensor), left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// Index in the scenario's `events`.
    pub event: usize,
    /// The event's kind.
    pub kind: &'static str,
    /// Why, in words.
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "events[{}] {}: skipped, {}", self.event, self.kind, self.reason)
    }
}

/// Readings for every sensor of a scene over a scenario, one simulated second at a time.
pub struct Simulator {
    world: World,
    terrain: Terrain,
    cranes: Vec<Crane>,
    hoists: Vec<Hoist>,
    boxes: Vec<PowerBox>,
    probes: Vec<Probe>,
    /// Every crane's jib now.
    jibs: Vec<Jib>,
    start_s: i64,
    end_s: i64,
    clock_s: i64,
    /// Every probe's interval is a multiple of this, s.
    grid_s: i64,
    skipped: Vec<Skipped>,
    /// The crews of `CrewOnStoppedSite` events.
    crowds: Vec<Crowd>,
    /// The key of the daily crew's size.
    crew_key: u64,
    /// The spray requests of each PM10 probe a spray follows, by probe index.
    requests: BTreeMap<usize, SprayRequests>,
}

/// The event being fitted to the scene: which it is, and how many untargeted events of its kind
/// came before it (the n-th takes the n-th fitting object, so that two leakage events without
/// targets fall on two boxes).
struct Ask<'a> {
    sc: &'a Scenario,
    i: usize,
    e: &'a TimedEvent,
    nth: usize,
}

impl Ask<'_> {
    /// The target id at `k`, if given.
    fn target(&self, k: usize) -> Option<&str> {
        self.e.targets.get(k).map(String::as_str)
    }

    /// The `nth` of the fitting candidates, if there are any.
    fn pick<T: Copy>(&self, candidates: &[T]) -> Option<T> {
        (!candidates.is_empty()).then(|| candidates[self.nth % candidates.len()])
    }

    /// A wrong target, positioned at `targets[k]`.
    fn bad(&self, k: usize, message: String) -> Misfit {
        Misfit::Bad(self.sc.event_issue(self.i, &format!("targets[{k}]"), message))
    }
}

/// How an event fits the scene.
enum Misfit {
    /// Nothing to show it on: left out.
    Skip(String),
    /// A target id that is wrong.
    Bad(ScenarioIssue),
}

impl Simulator {
    /// A simulator of `scene` over `scenario` with `seed`. Event targets are resolved against the
    /// scene: a wrong id is an error naming the event; an event the scene cannot show (no such
    /// object or sensor, and no target given) is left out and listed in [`Self::skipped`].
    pub fn new(scene: &SiteScene, scenario: &Scenario, seed: u64) -> Result<Simulator, SimError> {
        let zone_s = i64::from(CHINA_STANDARD_TIME_S);
        let start_s = scenario.start.timestamp();
        let stopped_from = scenario
            .stoppage
            .as_ref()
            .and_then(|s| s.since.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc().timestamp() - zone_s);
        let world = World::new(seed, zone_s, stopped_from);
        let downwind = wrap_deg(world.wind_from_deg(start_s) + 180.0);
        let north = scene.site.north_deg;
        let mut cranes: Vec<Crane> =
            scene.cranes.iter().map(|c| Crane::new(c, north, key(seed, &c.id), downwind)).collect();
        Crane::share_sectors(&mut cranes);
        let hoists: Vec<Hoist> = scene.hoists.iter().map(|h| Hoist::new(h, key(seed, &h.id))).collect();
        let boxes = scene
            .distribution_boxes
            .iter()
            .map(|b| PowerBox {
                level: b.level,
                trip_s: if b.rcd_trip_time_s > 0.0 { b.rcd_trip_time_s } else { 0.1 },
                key: key(seed, &b.id),
                load: b
                    .serves
                    .as_deref()
                    .and_then(|id| {
                        let crane = scene.cranes.iter().position(|c| c.id == id).map(Load::Crane);
                        crane.or_else(|| scene.hoists.iter().position(|h| h.id == id).map(Load::Hoist))
                    })
                    .unwrap_or(Load::Machine),
                feeds: scene
                    .distribution_boxes
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.feeds_from.as_deref() == Some(b.id.as_str()))
                    .map(|(k, _)| k)
                    .collect(),
            })
            .collect();
        let mut probes = scene.sensors.iter().map(|s| Probe::new(s, scene, seed)).collect::<Vec<_>>();
        // The gates share the people coming and going equally.
        let mut gates: Vec<&str> = Vec::new();
        for s in scene.sensors.iter().filter(|s| matches!(s.kind, SensorKind::PersonnelIn | SensorKind::PersonnelOut)) {
            if !gates.contains(&s.anchor.object.as_str()) {
                gates.push(&s.anchor.object);
            }
        }
        // A spray follows the PM10 monitors on its object, else every PM10 monitor of the site.
        let pm10: Vec<usize> = (0..probes.len()).filter(|&k| scene.sensors[k].kind == SensorKind::Pm10).collect();
        let mut requests = BTreeMap::new();
        for (k, s) in scene.sensors.iter().enumerate() {
            match s.kind {
                SensorKind::PersonnelIn | SensorKind::PersonnelOut => probes[k].share = 1.0 / gates.len() as f64,
                SensorKind::SprayState => {
                    let own: Vec<usize> =
                        pm10.iter().copied().filter(|&d| scene.sensors[d].anchor.object == s.anchor.object).collect();
                    probes[k].dust_from = if own.is_empty() { pm10.clone() } else { own };
                    for &d in &probes[k].dust_from {
                        requests.insert(d, SprayRequests { level: rules::Level::Normal, until: i64::MIN });
                    }
                }
                _ => {}
            }
        }
        let grid_s = probes.iter().map(|p| p.every_s).reduce(gcd).unwrap_or(60);
        let jibs = cranes.iter().map(|c| c.jib(c.slew_deg)).collect();
        let mut sim = Simulator {
            world,
            terrain: Terrain::of(scene),
            cranes,
            hoists,
            boxes,
            probes,
            jibs,
            start_s,
            end_s: start_s + (scenario.duration_h * 3600.0).round() as i64,
            clock_s: start_s,
            grid_s,
            skipped: Vec::new(),
            crowds: Vec::new(),
            crew_key: crew_key(seed),
            requests,
        };
        let mut issues = Vec::new();
        let mut untargeted: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, e) in scenario.events.iter().enumerate() {
            let nth = if e.targets.is_empty() {
                let n = untargeted.entry(e.event.name()).or_default();
                *n += 1;
                *n - 1
            } else {
                0
            };
            match sim.fit(scene, &Ask { sc: scenario, i, e, nth }) {
                Ok(()) => {}
                Err(Misfit::Skip(reason)) => sim.skipped.push(Skipped { event: i, kind: e.event.name(), reason }),
                Err(Misfit::Bad(issue)) => issues.push(issue),
            }
        }
        if !issues.is_empty() {
            return Err(ScenarioErrors { issues });
        }
        for c in &mut sim.cranes {
            c.overloads.sort_by_key(|o| o.0);
        }
        for h in &mut sim.hoists {
            h.overloads.sort_by_key(|o| o.0);
        }
        Ok(sim)
    }

    /// When the period starts (no reading is timed at it: the first come one interval later).
    pub fn start(&self) -> DateTime<Utc> {
        utc(self.start_s)
    }

    /// When the period ends.
    pub fn end(&self) -> DateTime<Utc> {
        utc(self.end_s)
    }

    /// Readings up to this time have been produced.
    pub fn clock(&self) -> DateTime<Utc> {
        utc(self.clock_s)
    }

    /// The scenario's events the scene could not show.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// Appends every reading timed in `(clock, t]` (`t` held to the end) to `out`, in time
    /// order, readings of the same second in scene sensor order, and moves the clock to `t`.
    /// Each sensor reports on its `interval_s` grid (whole seconds, counted from the Unix
    /// epoch; 60 s when the scene gives none), unless an event has it dark.
    pub fn advance_to(&mut self, t: DateTime<Utc>, out: &mut Vec<Reading>) {
        let target = t.timestamp().min(self.end_s);
        while self.clock_s < target {
            let now = self.clock_s + 1;
            self.step(now);
            self.clock_s = now;
            if now.rem_euclid(self.grid_s) != 0 {
                continue;
            }
            for p in &self.probes {
                if now.rem_euclid(p.every_s) == 0 && !p.dark.iter().any(|w| (w.0..w.1).contains(&now)) {
                    out.push(Reading { sensor: p.id.clone(), time: utc(now), value: self.value(p, now), flag: None });
                }
            }
        }
    }

    /// One second of the machines.
    fn step(&mut self, t: i64) {
        let work = self.world.working(t);
        let powered = !self.world.stopped(t);
        let u10 = self.world.u10(t);
        let downwind_deg = wrap_deg(self.world.wind_from_deg(t) + 180.0);
        for i in 0..self.cranes.len() {
            let env = CraneEnv {
                t,
                work,
                powered,
                wind_m_s: u10 * height_factor(self.cranes[i].mast_m + 2.0),
                downwind_deg,
                jibs: &self.jibs,
                terrain: &self.terrain,
            };
            self.cranes[i].step(i, &env);
        }
        for (j, c) in self.jibs.iter_mut().zip(&self.cranes) {
            *j = c.jib(c.slew_deg);
        }
        for h in &mut self.hoists {
            h.step(t, work, powered);
        }
        self.step_sprays(t);
    }

    /// Resolves event `i` against the scene and records what it changes.
    fn fit(&mut self, scene: &SiteScene, ask: &Ask) -> Result<(), Misfit> {
        use SensorKind::*;
        let e = ask.e;
        let (start_s, end_s) = (self.start_s, self.end_s);
        let from = start_s + (e.at_h * 3600.0).round() as i64;
        // Open-ended: past the end, so that the last reading is inside too.
        let until = |u: Option<f64>| u.map_or(end_s + 1, |h| start_s.saturating_add((h * 3600.0).round() as i64));
        let effect = |len_s: f64, change| Effect { from, len_s, change };
        match e.event {
            EventKind::CraneOverload { peak_pct } => {
                let c = self.crane(ask, 0, None)?;
                self.cranes[c].overloads.push((from, peak_pct));
            }
            EventKind::Gust { peak_m_s, duration_min } => {
                let p = self.sensor(ask, &[WindSpeed])?;
                let peak_u10_m_s = peak_m_s / height_factor(self.probes[p].height_m);
                self.world.gusts.push(Gust { from, len_s: duration_min * 60.0, peak_u10_m_s });
            }
            EventKind::CloseApproach { duration_min } => {
                let a = self.crane(ask, 0, None)?;
                let b = self.crane(ask, 1, Some(a))?;
                let w = (from, from.saturating_add((duration_min * 60.0).round() as i64));
                let (to_b, to_a) = (
                    self.cranes[a].bearing_to(self.cranes[b].base()),
                    self.cranes[b].bearing_to(self.cranes[a].base()),
                );
                self.cranes[a].approaches.push((w, b, to_b));
                self.cranes[b].approaches.push((w, a, to_a));
            }
            EventKind::CraneTilt { peak_deg, duration_min } => {
                let c = self.crane(ask, 0, None)?;
                let on = self.on_machine(Mount::Crane(c), &self.cranes[c].id, CraneTilt)?;
                self.affect(on, effect(duration_min * 60.0, Change::Lean { peak_deg }));
            }
            EventKind::SlewBrakeLocked { until_h } => {
                let c = self.crane(ask, 0, None)?;
                self.cranes[c].brake_locked.push((from, until(until_h)));
            }
            EventKind::HoistOverload { peak_pct } => {
                let h = self.hoist(ask)?;
                self.hoists[h].overloads.push((from, peak_pct));
            }
            EventKind::HoistDoorOpen { duration_min } | EventKind::HoistLimitTrip { duration_min } => {
                let h = self.hoist(ask)?;
                let (kind, change) = match e.event {
                    EventKind::HoistDoorOpen { .. } => (HoistDoor, Change::DoorOpen),
                    _ => (HoistLimit, Change::LimitTripped),
                };
                let on = self.on_machine(Mount::Hoist(h), &self.hoists[h].id, kind)?;
                self.affect(on, effect(duration_min * 60.0, change));
            }
            EventKind::PitCreep { to_mm, duration_h } => {
                let p = self.sensor(ask, &[PitHorizontalDisplacement, PitVerticalDisplacement, PitDeepDisplacement])?;
                self.probes[p].effects.push(effect(duration_h * 3600.0, Change::Creep { to_mm }));
            }
            EventKind::Drawdown { drop_mm, duration_h } => {
                let p = self.sensor(ask, &[GroundwaterLevel])?;
                self.probes[p].effects.push(effect(duration_h * 3600.0, Change::Drawdown { drop_mm }));
            }
            EventKind::StrutForceRise { peak_pct, duration_h } => {
                let p = self.sensor(ask, &[StrutForce])?;
                self.probes[p].effects.push(effect(duration_h * 3600.0, Change::Strut { peak_pct }));
            }
            EventKind::Pour { duration_h, exceed } => {
                let kinds = [FormworkSettlement, FormworkHorizontalDisplacement, FormworkTilt, PostAxialForce];
                let on = self.on_object(scene, ask, &kinds)?;
                self.affect(on, effect(duration_h * 3600.0, Change::Pour { exceed }));
            }
            EventKind::DustSpike { peak_pm10_ug_m3, duration_min } => {
                let on = self.on_object(scene, ask, &[Pm10, Pm25, Tsp])?;
                let change = Change::Dust { peak_ug_m3: peak_pm10_ug_m3 };
                self.affect(on, effect(duration_min * 60.0, change));
            }
            EventKind::NoisyWork { leq_db, duration_min, peak_db } => {
                let on = self.on_object(scene, ask, &[Noise])?;
                self.affect(on, effect(duration_min * 60.0, Change::Noise { leq_db, peak_db }));
            }
            EventKind::Leakage { peak_ma, duration_min } => {
                let on = self.on_object(scene, ask, &[LeakageCurrent])?;
                self.affect(on, effect(duration_min * 60.0, Change::Leak { peak_ma }));
            }
            EventKind::RcdSlowTrip { trip_s } => {
                let on = self.on_object(scene, ask, &[RcdTripTime])?;
                self.affect(on, effect(0.0, Change::SlowTrip { trip_s }));
            }
            EventKind::CabinetHeat { peak_c, duration_min } => {
                let on = self.on_object(scene, ask, &[CabinetTemperature])?;
                self.affect(on, effect(duration_min * 60.0, Change::Heat { peak_c }));
            }
            EventKind::EdgeRemoved { duration_min } => {
                let on = self.on_object(scene, ask, &[EdgeProtection])?;
                self.affect(on, effect(duration_min * 60.0, Change::EdgeRemoved));
            }
            EventKind::SprayFault { duration_min } => {
                let on = self.on_object(scene, ask, &[SprayState])?;
                self.affect(on, effect(duration_min * 60.0, Change::SprayFault));
            }
            EventKind::CrewOnStoppedSite { people, duration_h } => {
                if !self.probes.iter().any(|p| p.kind.group() == crate::scene::SensorGroup::Personnel) {
                    return Err(Misfit::Skip("the scene has no personnel sensor".into()));
                }
                self.crowds.push(Crowd::event(from, duration_h * 3600.0, people));
            }
            EventKind::SensorDark { until_h } => {
                let p = self.sensor(ask, &[])?;
                self.probes[p].dark.push((from, until(until_h)));
            }
        }
        Ok(())
    }

    /// The sensors of `kind` on a crane or hoist (`name`); none: the event is left out.
    fn on_machine(&self, mount: Mount, name: &str, kind: SensorKind) -> Result<Vec<usize>, Misfit> {
        let on: Vec<usize> =
            (0..self.probes.len()).filter(|&k| self.probes[k].mount == mount && self.probes[k].kind == kind).collect();
        if on.is_empty() { Err(Misfit::Skip(format!("{name} has no {kind:?} sensor"))) } else { Ok(on) }
    }

    fn affect(&mut self, on: Vec<usize>, effect: Effect) {
        for k in on {
            self.probes[k].effects.push(effect);
        }
    }

    /// The crane named by target `k`, or the fitting one other than `not`.
    fn crane(&self, ask: &Ask, k: usize, not: Option<usize>) -> Result<usize, Misfit> {
        let ids: Vec<&str> = self.cranes.iter().map(|c| c.id.as_str()).collect();
        match ask.target(k) {
            Some(id) => match ids.iter().position(|c| *c == id) {
                Some(c) if Some(c) != not => Ok(c),
                Some(_) => Err(ask.bad(k, format!("`{id}` is named twice"))),
                None => Err(ask.bad(k, unknown("tower crane", id, &ids))),
            },
            None => {
                let free: Vec<usize> = (0..ids.len()).filter(|c| Some(*c) != not).collect();
                ask.pick(&free).ok_or_else(|| {
                    let why =
                        if not.is_some() { "the scene has one tower crane" } else { "the scene has no tower crane" };
                    Misfit::Skip(why.into())
                })
            }
        }
    }

    fn hoist(&self, ask: &Ask) -> Result<usize, Misfit> {
        let ids: Vec<&str> = self.hoists.iter().map(|h| h.id.as_str()).collect();
        match ask.target(0) {
            Some(id) => ids.iter().position(|h| *h == id).ok_or_else(|| ask.bad(0, unknown("hoist", id, &ids))),
            None => ask
                .pick(&(0..ids.len()).collect::<Vec<_>>())
                .ok_or_else(|| Misfit::Skip("the scene has no hoist".into())),
        }
    }

    /// The sensor named by the first target, which must be of one of `kinds` (any when empty),
    /// or the fitting one.
    fn sensor(&self, ask: &Ask, kinds: &[SensorKind]) -> Result<usize, Misfit> {
        let fits = |p: &Probe| kinds.is_empty() || kinds.contains(&p.kind);
        let wanted = || kinds.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(" or ");
        let fitting: Vec<usize> = (0..self.probes.len()).filter(|&k| fits(&self.probes[k])).collect();
        match ask.target(0) {
            Some(id) => match self.probes.iter().position(|p| p.id == id) {
                Some(k) if fits(&self.probes[k]) => Ok(k),
                Some(k) => Err(ask.bad(
                    0,
                    format!(
                        "`{id}` is a {:?} sensor; {} needs a {} sensor",
                        self.probes[k].kind,
                        ask.e.event.name(),
                        wanted()
                    ),
                )),
                None => {
                    let ids: Vec<&str> = fitting.iter().map(|&k| self.probes[k].id.as_str()).collect();
                    Err(ask.bad(0, unknown("sensor", id, &ids)))
                }
            },
            None => ask.pick(&fitting).ok_or_else(|| {
                Misfit::Skip(if kinds.is_empty() {
                    "the scene has no sensors".into()
                } else {
                    format!("the scene has no {} sensor", wanted())
                })
            }),
        }
    }

    /// The sensors of `kinds` on the object named by the first target, or on the fitting object
    /// (one with such sensors).
    fn on_object(&self, scene: &SiteScene, ask: &Ask, kinds: &[SensorKind]) -> Result<Vec<usize>, Misfit> {
        let wanted = kinds.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(" or ");
        let mut objects: Vec<&str> = Vec::new();
        for s in scene.sensors.iter().filter(|s| kinds.contains(&s.kind)) {
            if !objects.contains(&s.anchor.object.as_str()) {
                objects.push(&s.anchor.object);
            }
        }
        let object = match ask.target(0) {
            Some(id) if scene.object(id).is_some() => id,
            Some(id) => return Err(ask.bad(0, unknown("object", id, &objects))),
            None => ask.pick(&objects).ok_or_else(|| Misfit::Skip(format!("the scene has no {wanted} sensor")))?,
        };
        let on: Vec<usize> = (0..scene.sensors.len())
            .filter(|&k| scene.sensors[k].anchor.object == object && kinds.contains(&scene.sensors[k].kind))
            .collect();
        if on.is_empty() { Err(Misfit::Skip(format!("{object} has no {wanted} sensor"))) } else { Ok(on) }
    }
}

/// "no tower crane `TC9` in the scene (it has `TC1`, `TC2`) (did you mean `TC1`?)"
fn unknown(what: &str, id: &str, ids: &[&str]) -> String {
    let list = if ids.is_empty() {
        "none".into()
    } else {
        ids.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
    };
    format!("no {what} `{id}` in the scene (it has {list}){}", did_you_mean(id, ids))
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn utc(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(s, 0).single().unwrap_or_default()
}

/// Writes readings as the core's JSON-lines batch format, times in China standard time with
/// their offset: `{"sensor": "TC1-LOAD", "time": "2026-12-01T08:30:00+08:00", "value": 22.1}`.
/// `telemetry::parse_readings` reads it back; the same readings give the same bytes.
pub fn write_jsonl(readings: &[Reading], w: &mut impl Write) -> io::Result<()> {
    let zone = FixedOffset::east_opt(CHINA_STANDARD_TIME_S).unwrap_or_else(|| Utc.fix());
    for r in readings {
        let sensor = serde_json::to_string(&r.sensor).map_err(io::Error::other)?;
        let value = serde_json::to_string(&r.value).map_err(io::Error::other)?;
        let time = r.time.with_timezone(&zone).format("%Y-%m-%dT%H:%M:%S%.f%:z");
        write!(w, "{{\"sensor\": {sensor}, \"time\": \"{time}\", \"value\": {value}")?;
        if let Some(f) = r.flag {
            write!(w, ", \"flag\": \"{f:?}\"")?;
        }
        writeln!(w, "}}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
