//! The telemetry bridge: readings that arrive (from whatever source the twin is given) go through
//! the core's streaming rules engine, the one that also runs in the batch CLI and the gateway, and
//! their verdicts land on the sensor entities' [`SensorLive`]; what the rules noticed goes out as
//! [`RulesNoticed`] messages and into the site's alarm list ([`SiteAlarms`]). Headless-safe. The
//! sources (simulator, gateway, replay: `crate::source`) write [`ReadingArrived`] and move the
//! [`TwinClock`]; until one does, the twin is a static scene.
//!
//! Time passing is judged on a fixed grid of [`TICK_S`] seconds of data time, each grid point
//! after every reading up to it and before any later one, so the same readings give the same
//! events however they are split into frames (a replay is bit-identical to the run it recorded).

use std::collections::BTreeMap;
use std::sync::Arc;

use bevy::prelude::*;
use chrono::{DateTime, Duration, Utc};
use sitetwin_core::rules::alarm::{Alarm, AlarmBook, AlarmStatus};
use sitetwin_core::rules::{Engine, Event, Judged, Level, RuleSet};
use sitetwin_core::telemetry::Reading;

use crate::site::{SensorLive, Site, SiteIndex};
use crate::{LoadPhase, TwinSet};

/// Seconds of data time between two judgements of time passing (silences, closed dust hours).
pub const TICK_S: i64 = 10;

/// The rule set sites are judged by: the defaults (a rules file will set it once the twin takes
/// one).
#[derive(Resource, Debug, Clone, Default)]
pub struct SiteRuleSet(pub Arc<RuleSet>);

/// The current site's streaming rules engine, built when the site is spawned, and the next grid
/// point at which time passing is judged.
#[derive(Resource, Clone)]
pub struct SiteRules {
    /// The engine.
    pub engine: Engine,
    next_tick: Option<DateTime<Utc>>,
    /// The sensor entity of each of the engine's sensors, in its order, found at its first
    /// reading (the engine is built before the sensors are spawned).
    entities: Vec<Option<Entity>>,
}

/// The moment the twin shows, in data time, and how fast it moves. Sources that play time (the
/// simulator, a replay) advance it by the frame's time × `speed`; a gateway keeps it at the wall
/// clock while live.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct TwinClock {
    /// The moment shown; `None` until a source sets it.
    pub now: Option<DateTime<Utc>>,
    /// Data seconds per wall second.
    pub speed: f64,
    /// Time stands still.
    pub paused: bool,
}

impl Default for TwinClock {
    fn default() -> Self {
        Self { now: None, speed: 1.0, paused: false }
    }
}

impl TwinClock {
    /// The speeds offered to the user, data seconds per wall second.
    pub const SPEEDS: [f64; 4] = [1.0, 60.0, 600.0, 3600.0];
}

/// A reading a source delivered, with the time it arrived (future timestamps are judged
/// against it).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct ReadingArrived {
    /// The reading.
    pub reading: Reading,
    /// When it reached the twin.
    pub arrived_at: DateTime<Utc>,
    /// Played again after going back in time (the flight recorder has it already).
    pub replayed: bool,
}

/// Something the rules noticed: an alarm raised, changed or cleared, a data-quality finding, a
/// silence, an hourly mean, a spray request (the core's event, as it happened).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct RulesNoticed(pub Event);

/// A sensor's level changed (the twin recolours it; the alarm list will follow it).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelChanged {
    /// The sensor entity.
    pub sensor: Entity,
    /// The level before.
    pub from: Level,
    /// The level now.
    pub to: Level,
}

/// A step in an alarm's life the user asked for.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub struct AlarmActionRequested {
    /// The alarm.
    pub id: u64,
    /// Who asks.
    pub who: String,
    /// The step.
    pub step: AlarmStep,
}

/// The steps of an alarm's life a person takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlarmStep {
    /// Raised → acknowledged.
    Acknowledge,
    /// → dispatched to someone.
    Dispatch {
        /// To whom.
        to: String,
    },
    /// → closed, saying what was done.
    Close {
        /// What was done.
        note: String,
    },
}

/// The site's alarms as the alarm list shows them. With a local source the twin keeps its own
/// alarm book (the core's, as the gateway does) and shows it as it is; with a gateway the
/// gateway's alarms and their lifecycle are kept and shown instead (`remote`).
#[derive(Resource, Debug, Clone)]
pub struct SiteAlarms {
    book: AlarmBook,
    acknowledge_within: Duration,
    shown: BTreeMap<u64, Alarm>,
    /// The alarms come from a gateway: lifecycle steps go to it.
    pub remote: bool,
    /// The newest alarm id the user has seen in the list.
    seen_through: u64,
    /// Why the last step asked for was refused.
    pub last_error: Option<String>,
}

impl Default for SiteAlarms {
    fn default() -> Self {
        Self::new(Duration::minutes(15))
    }
}

impl SiteAlarms {
    /// An empty list; local alarms not acknowledged within `acknowledge_within` escalate.
    pub fn new(acknowledge_within: Duration) -> Self {
        Self {
            book: AlarmBook::new(acknowledge_within),
            acknowledge_within,
            shown: BTreeMap::new(),
            remote: false,
            seen_through: 0,
            last_error: None,
        }
    }

    /// Forgets every alarm (the period starts again), keeping where alarms come from and which
    /// the user has seen (a replayed period numbers its alarms as before).
    pub fn reset(&mut self) {
        *self = SiteAlarms {
            remote: self.remote,
            seen_through: self.seen_through,
            ..SiteAlarms::new(self.acknowledge_within)
        };
    }

    /// Alarms raised after the newest one the user has seen.
    pub fn unseen(&self) -> usize {
        self.newest_first().take_while(|a| a.id > self.seen_through).count()
    }

    /// The user looked at the list: every alarm so far is seen.
    pub fn mark_seen(&mut self) {
        self.seen_through = self.seen_through.max(self.newest_first().map(|a| a.id).max().unwrap_or(0));
    }

    /// Every alarm, newest first.
    pub fn newest_first(&self) -> Box<dyn Iterator<Item = &Alarm> + '_> {
        if self.remote { Box::new(self.shown.values().rev()) } else { Box::new(self.book.all().iter().rev()) }
    }

    /// One alarm.
    pub fn get(&self, id: u64) -> Option<&Alarm> {
        if self.remote { self.shown.get(&id) } else { self.book.get(id) }
    }

    /// Alarms not closed.
    pub fn open_count(&self) -> usize {
        if self.remote {
            self.shown.values().filter(|a| a.status != AlarmStatus::Closed).count()
        } else {
            self.book.open_count()
        }
    }

    /// The open alarm of a sensor at the highest level, if any.
    pub fn open_for(&self, sensor: &str) -> Option<&Alarm> {
        let open = |a: &&Alarm| a.sensor == sensor && a.status != AlarmStatus::Closed;
        if self.remote {
            self.shown.values().filter(open).max_by_key(|a| a.level)
        } else {
            self.book.open().filter(open).max_by_key(|a| a.level)
        }
    }

    /// An alarm as the gateway has it now (remote lists).
    pub fn upsert(&mut self, alarm: Alarm) {
        self.shown.insert(alarm.id, alarm);
    }

    /// The gateway's open alarms as they are now: open ones it no longer lists are dropped.
    pub fn replace_open(&mut self, open: Vec<Alarm>) {
        self.shown.retain(|_, a| a.status == AlarmStatus::Closed);
        open.into_iter().for_each(|a| self.upsert(a));
    }

    /// Feeds the rules' events to the local book (a gateway's list has its own).
    fn on_events(&mut self, events: &[Event]) {
        if self.remote {
            return;
        }
        for ev in events {
            self.book.on_event(ev);
        }
    }

    /// Escalates the local alarms left unacknowledged past their deadline (judged with time
    /// passing, on the grid, so it does not depend on the frames).
    fn escalate(&mut self, now: DateTime<Utc>) {
        if self.remote {
            return;
        }
        self.book.escalate_overdue(now);
    }

    /// Takes a lifecycle step in the local book.
    fn step(&mut self, req: &AlarmActionRequested, at: DateTime<Utc>) {
        let r = match &req.step {
            AlarmStep::Acknowledge => self.book.acknowledge(req.id, &req.who, at),
            AlarmStep::Dispatch { to } => self.book.dispatch(req.id, &req.who, to, at),
            AlarmStep::Close { note } => self.book.close(req.id, &req.who, note, at),
        };
        self.last_error = r.err().map(|e| e.to_string());
    }
}

/// Where readings are judged in the frame: sources write before it, what shows them runs after.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct TelemetrySet;

/// Judges arriving readings and keeps the sensors' live state and the alarm list.
pub struct TelemetryPlugin;

impl Plugin for TelemetryPlugin {
    fn build(&self, app: &mut App) {
        crate::configure(app);
        app.init_resource::<SiteRuleSet>()
            .init_resource::<TwinClock>()
            .init_resource::<SiteAlarms>()
            .add_message::<ReadingArrived>()
            .add_message::<RulesNoticed>()
            .add_message::<LevelChanged>()
            .add_message::<AlarmActionRequested>()
            .add_systems(OnEnter(LoadPhase::Spawning), build_engine)
            .add_systems(Update, (judge_readings, keep_alarms).chain().in_set(TelemetrySet).in_set(TwinSet::Update));
    }
}

impl SiteRules {
    /// A fresh engine for a site.
    pub fn new(site: &Site, rules: &SiteRuleSet) -> Self {
        let engine = Engine::new(&site.loaded.scene, rules.0.clone());
        let entities = vec![None; engine.statuses().count()];
        SiteRules { engine, next_tick: None, entities }
    }

    /// Starts the engine's period at `t` (a played source's start): sensors that never report
    /// are counted from here, and time is judged on the grid from here, however the readings
    /// come (straight, after going back, or replayed).
    pub fn start_at(&mut self, t: DateTime<Utc>) {
        if self.engine.started_at().is_none() {
            let events = self.engine.tick(t);
            debug_assert!(events.is_empty(), "nothing can be silent at the start: {events:?}");
            self.next_tick = Some(grid_at_or_after(t));
        }
    }
}

/// A new site starts with a new engine and an empty alarm list (kept remote if its source is).
fn build_engine(mut commands: Commands, site: Option<Res<Site>>, rules: Res<SiteRuleSet>, alarms: Res<SiteAlarms>) {
    if let Some(site) = site {
        let within = Duration::milliseconds((rules.0.general.acknowledge_within_min * 60_000.0) as i64);
        commands.insert_resource(SiteRules::new(&site, &rules));
        commands.insert_resource(SiteAlarms { remote: alarms.remote, ..SiteAlarms::new(within) });
    }
}

/// The first grid point at or after `t`.
fn grid_at_or_after(t: DateTime<Utc>) -> DateTime<Utc> {
    let s = t.timestamp();
    let up = s.div_euclid(TICK_S) * TICK_S
        + if s.rem_euclid(TICK_S) == 0 && t.timestamp_subsec_nanos() == 0 { 0 } else { TICK_S };
    DateTime::from_timestamp(up, 0).unwrap_or(t)
}

/// Every reading that arrived this frame, in order, through the engine onto its sensor, with time
/// judged at each grid point passed; then time up to the clock.
#[allow(clippy::too_many_arguments)]
fn judge_readings(
    mut arrived: MessageReader<ReadingArrived>,
    rules: Option<ResMut<SiteRules>>,
    clock: Res<TwinClock>,
    site_index: Res<SiteIndex>,
    mut sensors: Query<&mut SensorLive>,
    mut alarms: ResMut<SiteAlarms>,
    mut noticed: MessageWriter<RulesNoticed>,
    mut changed: MessageWriter<LevelChanged>,
) {
    let Some(mut rules) = rules else {
        arrived.clear();
        return;
    };
    let SiteRules { engine, next_tick, entities } = &mut *rules;
    let mut events = Vec::new();
    for a in arrived.read() {
        let r = &a.reading;
        tick_until(engine, next_tick, r.time, true, &mut alarms, &mut noticed);
        // The verdict's words are not written: the twin words an alarm (its event has them) and
        // what the user points at, not every reading.
        let Judged { index, quality, status } = match engine.judge(r, a.arrived_at, &mut events) {
            Ok(v) => v,
            Err(e) => {
                warn!("reading refused: {e}");
                continue;
            }
        };
        let entity = match entities.get_mut(index) {
            Some(Some(e)) => Some(*e),
            Some(slot) => {
                *slot = site_index.sensor(&r.sensor);
                *slot
            }
            None => None,
        };
        if let Some(entity) = entity
            && let Ok(mut live) = sensors.get_mut(entity)
        {
            let from = live.level;
            live.record(r.time, r.value, quality);
            // The engine's state, not the verdict: a reading it could not judge leaves the
            // level and the rule in force as they were.
            live.level = status.level;
            if live.rule != status.rule {
                live.rule.clone_from(&status.rule);
            }
            live.stale = status.stale;
            if from != live.level {
                changed.write(LevelChanged { sensor: entity, from, to: live.level });
            }
        }
        if !events.is_empty() {
            alarms.on_events(&events);
            noticed.write_batch(events.drain(..).map(RulesNoticed));
        }
    }
    if let Some(now) = clock.now {
        tick_until(engine, next_tick, now, false, &mut alarms, &mut noticed);
    }
}

/// Judges time passing at every grid point before `t` (`strict`: a reading at `t` comes first)
/// or up to and including it.
fn tick_until(
    engine: &mut Engine,
    next: &mut Option<DateTime<Utc>>,
    t: DateTime<Utc>,
    strict: bool,
    alarms: &mut SiteAlarms,
    noticed: &mut MessageWriter<RulesNoticed>,
) {
    let n = next.get_or_insert_with(|| grid_at_or_after(t));
    while if strict { *n < t } else { *n <= t } {
        let events = engine.tick(*n);
        alarms.on_events(&events);
        alarms.escalate(*n);
        noticed.write_batch(events.into_iter().map(RulesNoticed));
        *n += Duration::seconds(TICK_S);
    }
}

/// The rules' events into the local alarm book, silences onto the sensors, and the user's
/// lifecycle steps (local lists; a gateway source takes them for remote ones).
fn keep_alarms(
    mut noticed: MessageReader<RulesNoticed>,
    mut steps: MessageReader<AlarmActionRequested>,
    mut alarms: ResMut<SiteAlarms>,
    clock: Res<TwinClock>,
    rules: Option<Res<SiteRules>>,
    index: Res<SiteIndex>,
    mut sensors: Query<&mut SensorLive>,
) {
    for RulesNoticed(ev) in noticed.read() {
        match ev {
            // Silent now only if still silent after the whole frame (a reading may have ended it).
            Event::Stale { sensor, .. } => {
                let stale = rules.as_ref().and_then(|r| r.engine.status(sensor)).is_some_and(|s| s.stale);
                if let Some(mut live) = index.sensor(sensor).and_then(|e| sensors.get_mut(e).ok()) {
                    live.stale = stale;
                }
            }
            Event::SprayRequested { sensor, time, minutes } => {
                if let Some(mut live) = index.sensor(sensor).and_then(|e| sensors.get_mut(e).ok()) {
                    let until = *time + Duration::milliseconds((minutes * 60_000.0) as i64);
                    live.spraying_until = live.spraying_until.max(Some(until));
                }
            }
            _ => {}
        }
    }
    if alarms.remote {
        return;
    }
    for req in steps.read() {
        let at = clock.now.unwrap_or_else(Utc::now);
        alarms.step(req, at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tick_grid_starts_at_or_after_a_time() {
        let t = |s: i64, ns: u32| DateTime::from_timestamp(s, ns).unwrap_or_default();
        assert_eq!(grid_at_or_after(t(100, 0)), t(100, 0));
        assert_eq!(grid_at_or_after(t(100, 1)), t(110, 0));
        assert_eq!(grid_at_or_after(t(101, 0)), t(110, 0));
        assert_eq!(grid_at_or_after(t(-5, 0)), t(0, 0));
    }
}
