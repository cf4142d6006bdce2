//! The streaming rule engine: judges each reading of a scene's sensors as it arrives, keeping
//! per-sensor state (levels with hysteresis, pit displacement history for rates, hourly dust
//! means, the noise Leq window, the time of the last reading for staleness), and reports what time
//! passing without readings means (stale sensors, closed dust hours) when ticked. One engine per
//! site; the gateway holds it in a task, the twin in a resource, the batch command replays a file
//! through it.

use std::collections::{BTreeMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::Arc;

use chrono::{DateTime, Days, Duration, FixedOffset, NaiveDate, Offset, TimeZone, Timelike, Utc};
use serde::Serialize;

pub(crate) use self::words::Num;
pub use self::words::Words;
use self::words::{Compared, LeakageBasis, Then};
use super::levels::{Threshold, level_with_hysteresis};
use super::{Event, Judgement, Level, PitLimit, PitRules, Quality, RuleSet};
use crate::scene::{BoxLevel, Sensor, SensorKind, SiteScene};
use crate::telemetry::{FlagValidity, Reading};

/// Why a reading could not be judged at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// The sensor is not in the scene.
    #[error("unknown sensor `{0}` (not in the scene)")]
    UnknownSensor(String),
}

/// A reading judged by [`Engine::judge`]: the sensor's position in scene order (as
/// [`Engine::statuses`] gives them), the reading's quality, and the sensor's state after it. The
/// verdict's words are not given: what the rules noticed comes with its words in the events.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged<'a> {
    /// The sensor's position among [`Engine::statuses`].
    pub index: usize,
    /// The reading's data quality.
    pub quality: Quality,
    /// The sensor's state now.
    pub status: &'a SensorStatus,
}

/// What one reading gave: its verdict and the events it caused (level changes, a data-quality
/// finding, a silence it ended, an hour of dust it closed, a spray request).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ingested {
    /// The verdict on the reading.
    pub judgement: Judgement,
    /// What happened because of it, in order.
    pub events: Vec<Event>,
}

/// The live state of one sensor: what the twin colours it by and the gateway reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensorStatus {
    /// Sensor id.
    pub sensor: String,
    /// Current level (Normal before its first judged reading).
    pub level: Level,
    /// The rule that set the level, while above normal.
    pub rule: Option<String>,
    /// The latest accepted (valid or suspect) value, in the sensor's unit.
    pub value: Option<f64>,
    /// When that value was measured.
    pub value_at: Option<DateTime<Utc>>,
    /// The measuring time of the latest reading taken in order, whatever its quality: the sensor
    /// was talking then (staleness and the order check count from it).
    pub last_seen: Option<DateTime<Utc>>,
    /// A silence (or no first report) was reported and has not ended yet.
    pub stale: bool,
}

/// The distribution box a power sensor sits on, as declared in the scene.
#[derive(Debug, Clone, Copy)]
pub(super) struct PowerBox {
    level: BoxLevel,
    rcd_rated_ma: f64,
    rcd_trip_time_s: f64,
    damp: bool,
}

/// What the rules need to know of a sensor beyond its readings: from the scene, once.
#[derive(Debug, Clone)]
pub(super) struct SensorInfo {
    pub(super) kind: SensorKind,
    pub(super) unit: String,
    /// The unit as the kind's list spells it (a validated scene's unit is one of them), for
    /// messages kept in parts.
    unit_word: &'static str,
    pub(super) range: Option<[f64; 2]>,
    interval_s: Option<f64>,
    strut_design_kn: Option<f64>,
    power_box: Option<PowerBox>,
    /// Spray state sensors: the engine's indices of the PM10 sensors whose spray requests it
    /// must follow (those on its object, else all the site's); filled by [`Engine::new`].
    spray_sources: Vec<usize>,
}

impl SensorInfo {
    /// The rules' view of scene sensor `s`: its strut's design force (anchored to node
    /// `strut_<id>` of a pit), the distribution box it sits on.
    pub(super) fn of(scene: &SiteScene, s: &Sensor) -> SensorInfo {
        let strut_design_kn = s.anchor.node.as_deref().and_then(|n| n.strip_prefix("strut_")).and_then(|id| {
            scene
                .pits
                .iter()
                .find(|p| p.id == s.anchor.object)?
                .struts
                .iter()
                .find(|x| x.id == id)
                .map(|x| x.design_force_kn)
        });
        let power_box = scene.distribution_boxes.iter().find(|b| b.id == s.anchor.object).map(|b| PowerBox {
            level: b.level,
            rcd_rated_ma: b.rcd_rated_ma,
            rcd_trip_time_s: b.rcd_trip_time_s,
            damp: b.damp,
        });
        SensorInfo {
            kind: s.kind,
            unit: s.unit.clone(),
            unit_word: s.kind.units().iter().copied().find(|u| *u == s.unit).unwrap_or(""),
            range: s.range,
            interval_s: s.interval_s,
            strut_design_kn,
            power_box,
            spray_sources: Vec::new(),
        }
    }
}

/// How the value a rule judges comes from a reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Convert {
    /// The reading as it is.
    AsRead,
    /// The reading times a factor (m → mm, mg/m³ → µg/m³).
    Times(f64),
    /// The reading as a percentage of a design value (a strut force in kN).
    PercentOf(f64),
}

impl Convert {
    /// The judged value of reading `raw`.
    pub(super) fn apply(self, raw: f64) -> f64 {
        match self {
            Convert::AsRead => raw,
            Convert::Times(k) => raw * k,
            Convert::PercentOf(design) => raw / design * 100.0,
        }
    }
}

/// The thresholds one quantity of a sensor is judged on, as the engine compares them and a chart
/// draws them (`rules::chart`): one source for both.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Limits {
    /// Rule group: reaching the threshold of level `l` fires rule `<group>.<l>`.
    pub(super) group: &'static str,
    /// In the unit of the judged value.
    pub(super) thresholds: Vec<Threshold>,
    /// The judged value from a reading.
    pub(super) convert: Convert,
    /// Judged on the size of the converted value, either sign.
    pub(super) magnitude: bool,
    /// Hysteresis band, a fraction of each threshold (0: none).
    pub(super) band: f64,
}

impl Limits {
    /// The judged value of reading `raw`.
    pub(super) fn judged(&self, raw: f64) -> f64 {
        let v = self.convert.apply(raw);
        if self.magnitude { v.abs() } else { v }
    }

    /// The level of judged value `v` for a sensor now at `current`.
    fn level(&self, v: f64, current: Level) -> Level {
        level_with_hysteresis(v, &self.thresholds, current, self.band)
    }
}

/// Accumulates one clock hour of a dust sensor.
#[derive(Debug, Clone)]
struct HourAcc {
    start: DateTime<Utc>,
    sum_ug_m3: f64,
    readings: usize,
    /// How many of the hour's expected-interval slots hold a valid reading.
    slots: usize,
    /// The slot of the latest reading (readings come in time order: slots only rise).
    last_slot: Option<i64>,
    slot_s: f64,
}

impl HourAcc {
    /// A valid reading in slot `k`.
    fn slot(&mut self, k: i64) {
        if self.last_slot != Some(k) {
            self.slots += 1;
            self.last_slot = Some(k);
        }
    }
}

/// Per-sensor memory the rules need beyond the status.
#[derive(Debug, Clone, Default)]
struct Track {
    /// The current silence (or the wait for a first report) has been reported.
    silence_reported: bool,
    /// Pit: signed canonical values (mm, or % of design), a few days back.
    history: VecDeque<(DateTime<Utc>, f64)>,
    /// Pit: the last signed value of each local calendar day.
    day_close: BTreeMap<NaiveDate, f64>,
    /// Dust: the open clock hour.
    hour: Option<HourAcc>,
    /// Dust: the running spray ends then.
    spraying_until: Option<DateTime<Utc>>,
    /// Dust: the running spray was requested then.
    spray_requested_at: Option<DateTime<Utc>>,
    /// Noise: readings of the Leq window, dB(A).
    noise: VecDeque<(DateTime<Utc>, f64)>,
}

/// What the rules make of a sensor that does not change while the engine runs: worked out once,
/// not for every reading.
#[derive(Debug, Clone, Default)]
struct Fixed {
    /// The thresholds its readings are judged on: [`reading_limits`], a pit point's cumulative
    /// ones, a PM10 monitor's spray trigger.
    limits: Option<Limits>,
    /// A pit point's alarm values.
    pit: Option<PitLimit>,
    /// Where a residual-current sensor's limit comes from.
    basis: Option<LeakageBasis>,
    /// A noise monitor's limits (boxed: three limits' worth of bytes every other sensor's entry
    /// would carry between its hot fields).
    noise: Option<Box<NoiseLimits>>,
}

impl Fixed {
    fn of(rules: &RuleSet, id: &str, info: &SensorInfo) -> Fixed {
        use SensorKind::*;
        match info.kind {
            PitHorizontalDisplacement
            | PitVerticalDisplacement
            | PitDeepDisplacement
            | GroundwaterLevel
            | StrutForce => {
                let limits = pit_cumulative_limits(rules, id, info);
                let pit = limits.is_some().then(|| pit_limit(&rules.pit, id, info.kind));
                Fixed { limits, pit, ..Fixed::default() }
            }
            Pm10 | Tsp | Pm25 => Fixed { limits: spray_limits(rules, info), ..Fixed::default() },
            Noise => Fixed { noise: Some(Box::new(NoiseLimits::of(rules))), ..Fixed::default() },
            LeakageCurrent => Fixed {
                limits: reading_limits(rules, id, info),
                basis: Some(leakage_limit(&rules.power, info.power_box).2),
                ..Fixed::default()
            },
            _ => Fixed { limits: reading_limits(rules, id, info), ..Fixed::default() },
        }
    }
}

/// The Leq limits of the day and the night, and the night maximum.
#[derive(Debug, Clone)]
struct NoiseLimits {
    day: Limits,
    night: Limits,
    night_max: Limits,
}

impl NoiseLimits {
    fn of(rules: &RuleSet) -> NoiseLimits {
        NoiseLimits {
            day: leq_limits(rules, false),
            night: leq_limits(rules, true),
            night_max: night_max_limits(rules),
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    info: SensorInfo,
    fixed: Fixed,
    status: SensorStatus,
    track: Track,
}

/// Sensor id → position in the engine's sensors. The table holds positions alone, and a lookup
/// compares the id with the entry's own: with thousands of sensors reporting every frame a table
/// of positions stays in cache, where one of (id, position) pairs cost a cache miss per reading
/// (a quarter of the engine's time on 10,000 sensors). Seeded at random: ids come from the network.
#[derive(Debug, Clone, Default)]
struct SensorIndex {
    table: hashbrown::HashTable<usize>,
    hasher: foldhash::fast::RandomState,
}

impl SensorIndex {
    /// The position of sensor `id` among `sensors`.
    fn find(&self, sensors: &[Entry], id: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        self.table.find(hash, |&i| sensors[i].status.sensor == id).copied()
    }

    /// Indexes `sensors[i]`, an id not indexed yet.
    fn insert(&mut self, sensors: &[Entry], i: usize) {
        let hasher = &self.hasher;
        self.table.insert_unique(hasher.hash_one(sensors[i].status.sensor.as_str()), i, |&j| {
            hasher.hash_one(sensors[j].status.sensor.as_str())
        });
    }
}

/// Judges the readings of one scene's sensors against a shared rule set, one at a time as they
/// arrive, and reports what time passing means when ticked. `Send + Sync + Clone + 'static`: it
/// lives in a tokio task or a Bevy resource.
#[derive(Debug, Clone)]
pub struct Engine {
    rules: Arc<RuleSet>,
    zone: FixedOffset,
    /// Scene order: ticks and queries report in it.
    sensors: Vec<Entry>,
    /// Sensor id → position in `sensors`.
    index: SensorIndex,
    started_at: Option<DateTime<Utc>>,
}

/// Result of one evaluation: level, rule id and what was found.
type Found = (Level, Option<String>, Words);

/// The engine's verdict on one reading, with its message kept in parts ([`Words`]): what
/// [`Engine::judge`] gives a caller that reads the words of few readings (the live twin).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Level (the sensor's level, unchanged, for a reading that could not be judged).
    pub level: Level,
    /// Data quality.
    pub quality: Quality,
    /// The rule that set the level, if any.
    pub rule: Option<String>,
    /// What was found.
    pub words: Words,
}

/// The slot length (s) a reading covers for coverage counts: its expected interval, or a minute.
fn slot_s(info: &SensorInfo, span_s: f64) -> f64 {
    info.interval_s.filter(|iv| iv.is_finite() && *iv > 0.0).unwrap_or(60.0).min(span_s)
}

fn seconds(d: Duration) -> f64 {
    d.num_milliseconds() as f64 / 1000.0
}

fn duration_s(s: f64) -> Duration {
    Duration::milliseconds((s * 1000.0).round() as i64)
}

impl Engine {
    /// An engine for `scene`'s sensors judged by `rules`. Its clock starts at the first reading's
    /// arrival or the first tick, whichever comes first.
    pub fn new(scene: &SiteScene, rules: Arc<RuleSet>) -> Engine {
        let mut sensors = Vec::new();
        let mut index = SensorIndex::default();
        for s in &scene.sensors {
            if index.find(&sensors, &s.id).is_some() {
                continue;
            }
            let info = SensorInfo::of(scene, s);
            sensors.push(Entry {
                fixed: Fixed::of(&rules, &s.id, &info),
                info,
                status: SensorStatus {
                    sensor: s.id.clone(),
                    level: Level::Normal,
                    rule: None,
                    value: None,
                    value_at: None,
                    last_seen: None,
                    stale: false,
                },
                track: Track::default(),
            });
            index.insert(&sensors, sensors.len() - 1);
        }
        // A spray follows the PM10 monitors on its own object, else every PM10 monitor of the site.
        let pm10: Vec<(usize, &str)> = scene
            .sensors
            .iter()
            .filter(|s| s.kind == SensorKind::Pm10)
            .filter_map(|s| Some((index.find(&sensors, &s.id)?, s.anchor.object.as_str())))
            .collect();
        for s in scene.sensors.iter().filter(|s| s.kind == SensorKind::SprayState) {
            let own: Vec<usize> = pm10.iter().filter(|(_, o)| *o == s.anchor.object).map(|(i, _)| *i).collect();
            let sources = if own.is_empty() { pm10.iter().map(|(i, _)| *i).collect() } else { own };
            if let Some(i) = index.find(&sensors, &s.id) {
                sensors[i].info.spray_sources = sources;
            }
        }
        let zone = FixedOffset::east_opt(rules.general.local_offset_s).unwrap_or_else(|| Utc.fix());
        Engine { rules, zone, sensors, index, started_at: None }
    }

    /// The rules this engine judges by.
    pub fn rules(&self) -> &Arc<RuleSet> {
        &self.rules
    }

    /// When the engine's clock started (first arrival or tick), if it has.
    pub fn started_at(&self) -> Option<DateTime<Utc>> {
        self.started_at
    }

    /// The live state of a scene sensor; `None` for a sensor not in the scene.
    pub fn status(&self, sensor: &str) -> Option<&SensorStatus> {
        self.index.find(&self.sensors, sensor).map(|i| &self.sensors[i].status)
    }

    /// Every sensor's state, in scene order.
    pub fn statuses(&self) -> impl Iterator<Item = &SensorStatus> {
        self.sensors.iter().map(|e| &e.status)
    }

    /// Sensors of the scene that have sent no reading at all (in scene order).
    pub fn never_reported(&self) -> Vec<&str> {
        self.sensors.iter().filter(|e| e.status.last_seen.is_none()).map(|e| e.status.sensor.as_str()).collect()
    }

    /// Judges one reading that arrived at `arrived_at`. Readings must come in time order per
    /// sensor: one at or before the sensor's previous reading is judged invalid, not reordered;
    /// one timed more than `general.future_tolerance_s` after its arrival is invalid too. An
    /// invalid reading leaves the sensor's level as it was.
    pub fn ingest(&mut self, reading: &Reading, arrived_at: DateTime<Utc>) -> Result<Ingested, EngineError> {
        let mut events = Vec::new();
        let (i, v) = self.judge_at(reading, arrived_at, &mut events)?;
        let judgement = Judgement {
            sensor: reading.sensor.clone(),
            time: reading.time,
            value: reading.value,
            unit: self.sensors[i].info.unit.clone(),
            level: v.level,
            message: v.words.to_string(),
            quality: v.quality,
            rule: v.rule,
        };
        Ok(Ingested { judgement, events })
    }

    /// Judges one reading as [`Engine::ingest`] does, adding what it caused to `events`, and
    /// gives its quality and the sensor's state after it, without writing the verdict's words:
    /// for a caller judging many readings and reading the words of few (the live twin).
    pub fn judge(
        &mut self,
        reading: &Reading,
        arrived_at: DateTime<Utc>,
        events: &mut Vec<Event>,
    ) -> Result<Judged<'_>, EngineError> {
        let (index, Verdict { quality, .. }) = self.judge_at(reading, arrived_at, events)?;
        Ok(Judged { index, quality, status: &self.sensors[index].status })
    }

    /// [`Engine::judge`], with the sensor's index. Inlined: its verdict (a few hundred bytes)
    /// is then built where it is used rather than copied out (a tenth of the overlay's time).
    #[inline]
    fn judge_at(
        &mut self,
        reading: &Reading,
        arrived_at: DateTime<Utc>,
        events: &mut Vec<Event>,
    ) -> Result<(usize, Verdict), EngineError> {
        let r = reading;
        let i =
            self.index.find(&self.sensors, &r.sensor).ok_or_else(|| EngineError::UnknownSensor(r.sensor.clone()))?;
        self.started_at.get_or_insert(arrived_at);
        // Borrowed, not cloned: a shared count touched twice a reading is a locked operation each.
        let Engine { rules, zone, sensors, .. } = self;
        let (rules, zone): (&RuleSet, FixedOffset) = (rules, *zone);
        // A spray sensor: the earliest spray request still running at the reading's time.
        let requested = sensors[i]
            .info
            .spray_sources
            .iter()
            .filter_map(|&k| {
                let t = &sensors[k].track;
                let (at, until) = (t.spray_requested_at?, t.spraying_until?);
                (at <= r.time && r.time < until).then_some(at)
            })
            .min();
        let Entry { info, fixed, status, track } = &mut sensors[i];
        let g = &rules.general;
        let mut finding: Option<(Quality, &'static str)> = None;
        if let Some(why) = g.from_the_future(r.time, arrived_at) {
            finding = Some((Quality::Invalid(why), "quality.future"));
        } else if let Some(last) = status.last_seen.filter(|l| r.time <= *l) {
            finding = Some((
                Quality::Invalid(format!(
                    "timestamp {} is {} the previous reading ({})",
                    r.time.to_rfc3339(),
                    if r.time == last { "the same as" } else { "before" },
                    last.to_rfc3339()
                )),
                "quality.order",
            ));
        } else {
            // The sensor spoke: a silence before this reading that no tick reported is reported now.
            if let (Some(last), Some(iv)) = (status.last_seen, info.interval_s) {
                let gap = seconds(r.time - last);
                if gap > iv * g.stale_after_intervals && !track.silence_reported {
                    events.push(Event::Stale {
                        sensor: r.sensor.clone(),
                        last: Some(last),
                        noticed: r.time,
                        silent_s: gap,
                    });
                }
            }
            track.silence_reported = false;
            status.stale = false;
            status.last_seen = Some(r.time);
            match r.flag.map(|f| (f, f.validity())) {
                Some((f, FlagValidity::Invalid)) => {
                    finding =
                        Some((Quality::Invalid(format!("HJ 212 flag {f:?}: {}", f.meaning())), "quality.flag.invalid"));
                }
                Some((f, FlagValidity::Suspect)) => {
                    finding =
                        Some((Quality::Suspect(format!("HJ 212 flag {f:?}: {}", f.meaning())), "quality.flag.suspect"));
                }
                _ => {}
            }
            if !matches!(finding, Some((Quality::Invalid(_), _))) {
                if !r.value.is_finite() {
                    finding = Some((Quality::Invalid(format!("value is {}", r.value)), "quality.not-a-number"));
                } else if let Some([lo, hi]) = info.range
                    && (r.value < lo || r.value > hi)
                {
                    finding = Some((
                        Quality::Invalid(format!("{} is outside the sensor's range {lo}…{hi} {}", r.value, info.unit)),
                        "quality.range",
                    ));
                } else if info.kind.is_count() && (r.value < 0.0 || r.value.fract() != 0.0) {
                    finding = Some((
                        Quality::Invalid(format!("{} is not a count of people (a whole number ≥ 0)", r.value)),
                        "quality.count",
                    ));
                }
            }
        }
        let quality = match finding {
            Some((quality, rule)) => {
                events.push(Event::DataQuality {
                    sensor: r.sensor.clone(),
                    time: r.time,
                    value: r.value,
                    quality: quality.clone(),
                    rule: rule.into(),
                });
                quality
            }
            None => Quality::Valid,
        };
        if let Quality::Invalid(why) = &quality {
            let words = Words::Written(format!("not judged: {why}; level stays {}", status.level.name()));
            return Ok((i, Verdict { level: status.level, quality, rule: None, words }));
        }
        let (level, rule, words) = match info.kind {
            SensorKind::SprayState => spray_state(&rules.dust, requested, r.time, r.value),
            _ => evaluate(rules, zone, &r.sensor, fixed, info, status.level, track, r.time, r.value, events),
        };
        if let Some(e) = transition(status, level, rule.as_deref(), r.time, &words) {
            events.push(e);
        }
        status.level = level;
        if level == Level::Normal {
            status.rule = None;
        } else if status.rule != rule {
            status.rule.clone_from(&rule);
        }
        status.value = Some(r.value);
        status.value_at = Some(r.time);
        Ok((i, Verdict { level, quality, rule, words }))
    }

    /// Time passing without readings, up to `now` (the wall clock of the readings' arrival):
    /// reports each sensor that has been silent for more than `general.stale_after_intervals`
    /// of its interval, once per silence, and each sensor that has never reported once
    /// `general.first_report_grace_s` (or that many intervals, if longer) has passed since the
    /// engine started; closes the dust hours that ended `dust.hour_close_delay_s` ago. Levels do
    /// not change: a silent sensor keeps its last level.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Event> {
        let started = *self.started_at.get_or_insert(now);
        let rules = Arc::clone(&self.rules);
        let g = &rules.general;
        let mut events = Vec::new();
        for Entry { info, status, track, .. } in &mut self.sensors {
            if !track.silence_reported {
                let (silent_s, limit_s) = match status.last_seen {
                    Some(last) => (seconds(now - last), info.interval_s.map(|iv| iv * g.stale_after_intervals)),
                    None => (
                        seconds(now - started),
                        Some(info.interval_s.map_or(g.first_report_grace_s, |iv| {
                            (iv * g.stale_after_intervals).max(g.first_report_grace_s)
                        })),
                    ),
                };
                if let Some(limit_s) = limit_s
                    && silent_s > limit_s
                {
                    events.push(Event::Stale {
                        sensor: status.sensor.clone(),
                        last: status.last_seen,
                        noticed: now,
                        silent_s,
                    });
                    track.silence_reported = true;
                    status.stale = true;
                }
            }
            if track
                .hour
                .as_ref()
                .is_some_and(|h| now >= h.start + Duration::hours(1) + duration_s(rules.dust.hour_close_delay_s))
                && let Some(hour) = track.hour.take()
                && let Some(e) = hourly_event(&rules, &status.sensor, info, &hour)
            {
                events.push(e);
            }
        }
        events
    }
}

/// The event for a change of level or rule, if any.
fn transition(
    status: &SensorStatus,
    level: Level,
    rule: Option<&str>,
    time: DateTime<Utc>,
    words: &Words,
) -> Option<Event> {
    match (status.level, level, rule) {
        (Level::Normal, l, Some(rule)) if l > Level::Normal => Some(Event::AlarmRaised {
            sensor: status.sensor.clone(),
            rule: rule.into(),
            level: l,
            time,
            message: words.to_string(),
        }),
        (p, Level::Normal, _) if p > Level::Normal => Some(Event::AlarmCleared {
            sensor: status.sensor.clone(),
            rule: status.rule.clone().unwrap_or_default(),
            time,
        }),
        (p, l, Some(rule)) if p != l => Some(Event::AlarmLevelChanged {
            sensor: status.sensor.clone(),
            rule: rule.into(),
            from: p,
            to: l,
            time,
            message: words.to_string(),
        }),
        _ => None,
    }
}

fn hour_start(zone: FixedOffset, t: DateTime<Utc>) -> DateTime<Utc> {
    let local = t.with_timezone(&zone);
    let trunc = local.with_minute(0).and_then(|x| x.with_second(0)).and_then(|x| x.with_nanosecond(0)).unwrap_or(local);
    trunc.with_timezone(&Utc)
}

/// The hourly-mean event of a closed dust hour (none for a quantity without an hourly limit).
fn hourly_event(rules: &RuleSet, sensor: &str, info: &SensorInfo, hour: &HourAcc) -> Option<Event> {
    let d = &rules.dust;
    let limits = hourly_limits(rules, info)?;
    if hour.readings == 0 {
        return None;
    }
    let mean = hour.sum_ug_m3 / hour.readings as f64;
    // An hourly value needs enough of the hour behind it (HJ 663-style validity): count the
    // interval slots holding a valid reading, so a sensor reporting faster than declared does
    // not count twice.
    let covered_s = (hour.slots as f64 * hour.slot_s).min(3600.0);
    let complete = covered_s >= 3600.0 * d.min_hour_coverage;
    // An hourly mean is judged on its own: no hysteresis.
    let level =
        if complete { level_with_hysteresis(mean, &limits.thresholds, Level::Normal, 0.0) } else { Level::Normal };
    Some(Event::HourlyMean {
        sensor: sensor.to_string(),
        hour: hour.start,
        mean,
        readings: hour.readings,
        coverage: covered_s / 3600.0,
        complete,
        level,
        rule: format!("{}.{}", limits.group, Level::Alarm.suffix()),
    })
}

/// The limit on the hourly mean of a dust sensor (µg/m³ as the mean is, converted from the
/// sensor's unit), or `None` for a quantity without one (TSP by default, non-dust kinds).
pub(super) fn hourly_limits(rules: &RuleSet, info: &SensorInfo) -> Option<Limits> {
    let d = &rules.dust;
    let (limit, group) = match info.kind {
        SensorKind::Pm10 => (Some(d.pm10_hourly_limit), "dust.pm10-hourly"),
        SensorKind::Pm25 => (d.pm25_hourly_limit, "dust.pm25-hourly"),
        SensorKind::Tsp => (d.tsp_hourly_limit, "dust.tsp-hourly"),
        _ => return None,
    };
    Some(Limits {
        group,
        thresholds: vec![Threshold::above(Level::Alarm, limit?)],
        convert: dust_convert(info),
        magnitude: false,
        band: 0.0,
    })
}

/// Dust limits are in µg/m³; the scene allows ug/m3, µg/m³ and mg/m3.
fn dust_convert(info: &SensorInfo) -> Convert {
    if info.unit == "mg/m3" { Convert::Times(1000.0) } else { Convert::AsRead }
}

/// The real-time PM10 spray trigger (PM10 sensors only), µg/m³.
pub(super) fn spray_limits(rules: &RuleSet, info: &SensorInfo) -> Option<Limits> {
    (info.kind == SensorKind::Pm10).then(|| Limits {
        group: "dust.spray",
        thresholds: vec![Threshold::at_least(Level::Warning, rules.dust.spray_trigger_pm10)],
        convert: dust_convert(info),
        magnitude: false,
        band: rules.general.hysteresis_fraction,
    })
}

/// The Leq limits of the day or the night period, dB(A).
pub(super) fn leq_limits(rules: &RuleSet, night: bool) -> Limits {
    let n = &rules.noise;
    let (limit, group) = if night { (n.night_limit_db, "noise.night") } else { (n.day_limit_db, "noise.day") };
    Limits {
        group,
        thresholds: vec![
            Threshold::at_least(Level::Warning, limit - n.warning_margin_db),
            Threshold::above(Level::Alarm, limit),
        ],
        convert: Convert::AsRead,
        magnitude: false,
        band: rules.general.hysteresis_fraction,
    }
}

/// The night maximum, judged on each reading at night without hysteresis, dB(A).
pub(super) fn night_max_limits(rules: &RuleSet) -> Limits {
    let n = &rules.noise;
    Limits {
        group: "noise.night-max",
        thresholds: vec![Threshold::above(Level::Alarm, n.night_limit_db + n.night_max_margin_db)],
        convert: Convert::AsRead,
        magnitude: false,
        band: 0.0,
    }
}

/// The alarm values of pit point `id` of `kind`: the designer's for the point, else its
/// quantity's.
pub(super) fn pit_limit(p: &PitRules, id: &str, kind: SensorKind) -> PitLimit {
    let base = match kind {
        SensorKind::PitHorizontalDisplacement => p.horizontal,
        SensorKind::PitVerticalDisplacement if p.ground_points.contains(id) => p.ground_settlement,
        SensorKind::PitVerticalDisplacement => p.vertical,
        SensorKind::PitDeepDisplacement => p.deep,
        SensorKind::GroundwaterLevel => p.groundwater,
        _ => p.strut,
    };
    p.points.get(id).copied().unwrap_or(base)
}

/// The cumulative thresholds of a pit point, on its signed canonical value (mm for
/// displacements and water, judged on its size; % of design for struts, judged on compression);
/// `None` for a strut force in kN without the strut's design force (not judged).
pub(super) fn pit_cumulative_limits(rules: &RuleSet, id: &str, info: &SensorInfo) -> Option<Limits> {
    let p = &rules.pit;
    let limit = pit_limit(p, id, info.kind);
    let strut = info.kind == SensorKind::StrutForce;
    let convert = match (info.kind, info.unit.as_str()) {
        (SensorKind::StrutForce, "kN") => Convert::PercentOf(info.strut_design_kn?),
        (SensorKind::StrutForce, _) => Convert::AsRead,
        (_, "m") => Convert::Times(1000.0),
        _ => Convert::AsRead,
    };
    Some(Limits {
        group: if strut { "pit.strut" } else { "pit.cumulative" },
        thresholds: vec![
            Threshold::at_least(Level::Warning, limit.cumulative_alarm * p.warning_fraction),
            Threshold::at_least(Level::Alarm, limit.cumulative_alarm),
        ],
        convert,
        magnitude: !strut,
        band: rules.general.hysteresis_fraction,
    })
}

/// The thresholds of the quantities judged on each reading alone (cranes, hoist load,
/// formwork, power); `None` for the kinds judged otherwise (pits, dust, noise: see their own
/// limits) or by state or not at all.
pub(super) fn reading_limits(rules: &RuleSet, id: &str, info: &SensorInfo) -> Option<Limits> {
    use Level::{Alarm, Control, Warning};
    use SensorKind::*;
    let band = rules.general.hysteresis_fraction;
    let (c, h, w) = (&rules.crane, &rules.hoist, &rules.power);
    let at_least = Threshold::at_least;
    let on_reading =
        |group, thresholds, magnitude| Limits { group, thresholds, convert: Convert::AsRead, magnitude, band };
    Some(match info.kind {
        CraneLoad => on_reading(
            "crane.load",
            vec![
                at_least(Warning, c.load_warning_pct),
                at_least(Alarm, c.load_alarm_pct),
                at_least(Control, c.load_control_pct),
            ],
            false,
        ),
        CraneMoment => on_reading(
            "crane.moment",
            vec![
                at_least(Warning, c.moment_warning_pct),
                at_least(Alarm, c.moment_alarm_pct),
                at_least(Control, c.moment_control_pct),
            ],
            false,
        ),
        WindSpeed => on_reading(
            "crane.wind",
            vec![at_least(Warning, c.wind_warning_m_s), at_least(Alarm, c.wind_alarm_m_s)],
            false,
        ),
        CraneTilt => on_reading(
            "crane.tilt",
            vec![at_least(Warning, c.tilt_warning_deg), at_least(Alarm, c.tilt_alarm_deg)],
            true,
        ),
        // "At least 2 m" between cranes: exactly the required clearance complies.
        CraneClearance => on_reading(
            "crane.clearance",
            vec![Threshold::below(Warning, c.clearance_warning_m), Threshold::below(Alarm, c.clearance_alarm_m)],
            false,
        ),
        HoistLoad => on_reading(
            "hoist.load",
            vec![
                at_least(Warning, h.load_warning_pct),
                at_least(Alarm, h.load_alarm_pct),
                at_least(Control, h.load_control_pct),
            ],
            false,
        ),
        FormworkSettlement | FormworkHorizontalDisplacement | FormworkTilt | PostAxialForce => {
            let f = &rules.formwork;
            let default = match info.kind {
                FormworkSettlement => f.settlement_alarm_mm,
                FormworkHorizontalDisplacement => f.horizontal_alarm_mm,
                FormworkTilt => f.tilt_alarm_deg,
                _ => f.axial_alarm_kn,
            };
            let alarm = f.points.get(id).copied().unwrap_or(default);
            on_reading(
                "formwork.point",
                vec![at_least(Warning, alarm * f.warning_fraction), at_least(Alarm, alarm)],
                true,
            )
        }
        LeakageCurrent => {
            let (alarm, group, _) = leakage_limit(w, info.power_box);
            on_reading(
                group,
                vec![at_least(Warning, alarm * w.leakage_warning_fraction), at_least(Alarm, alarm)],
                false,
            )
        }
        // A trip time is a test result, not a signal: no hysteresis.
        RcdTripTime => {
            let (limit, group) = match info.power_box {
                // I_Δn × t ≤ 30 mA·s, judged as the trip time against 30 mA·s ÷ I_Δn (dividing
                // the limit keeps 100 mA × 0.3 s exactly at it, where the product rounds above).
                Some(b) if b.level == BoxLevel::Main => (w.main_rcd_max_ma_s / b.rcd_rated_ma, "power.trip-time-main"),
                Some(b) if b.level == BoxLevel::Sub => (b.rcd_trip_time_s, "power.trip-time-sub"),
                _ => (w.switch_rcd_max_s, "power.trip-time"),
            };
            Limits { band: 0.0, ..on_reading(group, vec![Threshold::above(Alarm, limit)], false) }
        }
        CabinetTemperature => on_reading(
            "power.cabinet-temp",
            vec![at_least(Warning, w.cabinet_warning_c), at_least(Alarm, w.cabinet_alarm_c)],
            false,
        ),
        PitHorizontalDisplacement
        | PitVerticalDisplacement
        | PitDeepDisplacement
        | GroundwaterLevel
        | StrutForce
        | Pm10
        | Tsp
        | Pm25
        | Noise
        | HoistLimit
        | HoistDoor
        | HoistHeight
        | WindDirection
        | SlewAngle
        | TrolleyRadius
        | HookHeight
        | LoadCurrent
        | PersonnelIn
        | PersonnelOut
        | PersonnelOnSite
        | EdgeProtection
        | SprayState => return None,
    })
}

#[allow(clippy::too_many_arguments)]
fn evaluate(
    rules: &RuleSet,
    zone: FixedOffset,
    id: &str,
    fixed: &Fixed,
    info: &SensorInfo,
    current: Level,
    track: &mut Track,
    t: DateTime<Utc>,
    raw: f64,
    events: &mut Vec<Event>,
) -> Found {
    use Level::{Alarm, Warning};
    use SensorKind::*;
    match info.kind {
        HoistLimit if raw >= 0.5 => {
            (Alarm, Some("hoist.limit.alarm".into()), Words::Fixed("a limit switch is tripped"))
        }
        HoistDoor if raw < 0.5 && rules.hoist.door_open_warning => {
            (Warning, Some("hoist.door.warning".into()), Words::Fixed("the cage door is not locked"))
        }
        EdgeProtection if raw < 0.5 && rules.edge.removed_alarm => {
            (Alarm, Some("edge.removed.alarm".into()), Words::Fixed("the edge or opening protection is removed"))
        }
        PitHorizontalDisplacement | PitVerticalDisplacement | PitDeepDisplacement | GroundwaterLevel | StrutForce => {
            pit(rules, zone, fixed, info, current, track, t, raw)
        }
        Pm10 | Tsp | Pm25 => dust(rules, zone, id, fixed, info, current, track, t, raw, events),
        Noise => noise(rules, zone, fixed, info, current, track, t, raw),
        _ => match &fixed.limits {
            Some(limits) => on_reading(rules, info, limits, fixed.basis, current, raw),
            None => (Level::Normal, None, Words::Fixed("recorded (no alarm rule for this quantity)")),
        },
    }
}

/// The verdict on a quantity judged on each reading alone, on its [`reading_limits`].
fn on_reading(
    rules: &RuleSet,
    info: &SensorInfo,
    limits: &Limits,
    basis: Option<LeakageBasis>,
    current: Level,
    raw: f64,
) -> Found {
    use SensorKind::*;
    let w = &rules.power;
    let (what, unit) = match (info.kind, limits.group) {
        (CraneLoad, _) => ("load", "% of rated"),
        (CraneMoment, _) => ("load moment", "% of rated"),
        (WindSpeed, _) => ("wind", "m/s"),
        (CraneTilt, _) => ("tilt", "°"),
        (CraneClearance, _) => ("clearance to the neighbouring crane", "m"),
        (HoistLoad, _) => ("cage load", "% of rated"),
        (LeakageCurrent, _) => ("residual current", "mA"),
        (RcdTripTime, "power.trip-time-main") => ("main-box RCD trip time", "s"),
        (RcdTripTime, "power.trip-time-sub") => ("sub-box RCD trip time (declared break time)", "s"),
        (RcdTripTime, _) => ("switch-box RCD trip time", "s"),
        (CabinetTemperature, _) => ("cabinet temperature", "°C"),
        _ => ("formwork monitoring value", info.unit_word),
    };
    let v = limits.judged(raw);
    let (level, rule, mut said) = verdict(limits.level(v, current), limits.group, &limits.thresholds, v, what, unit);
    said.then = match (info.kind, info.power_box, basis) {
        (LeakageCurrent, _, Some(basis)) => Then::Basis(basis),
        (RcdTripTime, Some(b), _) if b.level == BoxLevel::Main => {
            Then::TripProduct { rated_ma: b.rcd_rated_ma, trip_s: raw, max_ma_s: w.main_rcd_max_ma_s }
        }
        _ => Then::Nothing,
    };
    (level, rule, Words::Compared(said))
}

/// The residual-current alarm (mA) for the box a sensor is on, its rule group and why.
/// JGJ 46-2005: a switch box's RCD trips at ≤ 30 mA (≤ 15 mA damp); a main box's has
/// I_Δn > 30 mA with I_Δn × t ≤ 30 mA·s; sub boxes need none.
fn leakage_limit(w: &super::PowerRules, power_box: Option<PowerBox>) -> (f64, &'static str, LeakageBasis) {
    let declared = |b: &PowerBox| Some(b.rcd_rated_ma).filter(|x| x.is_finite() && *x > 0.0);
    match power_box {
        Some(b) if b.level == BoxLevel::Main => {
            let cap = Some(w.main_rcd_max_ma_s / b.rcd_trip_time_s).filter(|x| x.is_finite() && *x > 0.0);
            let alarm = match (declared(&b), cap) {
                (Some(d), Some(c)) => d.min(c),
                (Some(x), None) | (None, Some(x)) => x,
                (None, None) => w.switch_rcd_max_ma,
            };
            let basis = LeakageBasis::Main {
                rated_ma: b.rcd_rated_ma,
                max_ma_s: w.main_rcd_max_ma_s,
                trip_s: b.rcd_trip_time_s,
            };
            (alarm, "power.leakage-main", basis)
        }
        Some(b) if b.level == BoxLevel::Sub => (
            declared(&b).unwrap_or(w.switch_rcd_max_ma),
            "power.leakage-sub",
            LeakageBasis::Sub { rated_ma: b.rcd_rated_ma },
        ),
        Some(b) => {
            let standard = if b.damp { w.switch_rcd_damp_max_ma } else { w.switch_rcd_max_ma };
            let alarm = declared(&b).map_or(standard, |d| d.min(standard));
            (
                alarm,
                "power.leakage",
                LeakageBasis::Switch { damp: b.damp, standard_ma: standard, rated_ma: b.rcd_rated_ma },
            )
        }
        None => (w.switch_rcd_max_ma, "power.leakage", LeakageBasis::Unknown { limit_ma: w.switch_rcd_max_ma }),
    }
}

#[allow(clippy::too_many_arguments)]
fn dust(
    rules: &RuleSet,
    zone: FixedOffset,
    id: &str,
    fixed: &Fixed,
    info: &SensorInfo,
    current: Level,
    track: &mut Track,
    t: DateTime<Utc>,
    raw: f64,
    events: &mut Vec<Event>,
) -> Found {
    let d = &rules.dust;
    // The scene allows ug/m3, µg/m³ and mg/m3; limits are in µg/m³.
    let ug = dust_convert(info).apply(raw);
    let hour = hour_start(zone, t);
    // The sensor's first reading of a later hour closes the previous one: no later reading can
    // join it (readings come in order per sensor).
    if track.hour.as_ref().is_some_and(|h| h.start < hour)
        && let Some(closed) = track.hour.take()
        && let Some(e) = hourly_event(rules, id, info, &closed)
    {
        events.push(e);
    }
    let acc = track.hour.get_or_insert_with(|| HourAcc {
        start: hour,
        sum_ug_m3: 0.0,
        readings: 0,
        slots: 0,
        last_slot: None,
        slot_s: slot_s(info, 3600.0),
    });
    acc.sum_ug_m3 += ug;
    acc.readings += 1;
    acc.slot((seconds(t - acc.start) / acc.slot_s).floor() as i64);
    let name = match info.kind {
        SensorKind::Pm10 => "PM10",
        SensorKind::Pm25 => "PM2.5",
        _ => "TSP",
    };
    // The spray trigger stays on real-time PM10.
    let Some(spray) = &fixed.limits else {
        return (Level::Normal, None, Words::DustRecorded { name, ug_m3: ug });
    };
    let level = spray.level(spray.judged(raw), current);
    if level == Level::Warning && track.spraying_until.is_none_or(|u| t >= u) {
        track.spraying_until = Some(t + duration_s(d.spray_minutes * 60.0));
        track.spray_requested_at = Some(t);
        events.push(Event::SprayRequested { sensor: id.to_string(), time: t, minutes: d.spray_minutes });
    }
    let reached = level == Level::Warning;
    let words = Words::Spray {
        ug_m3: ug,
        trigger_ug_m3: d.spray_trigger_pm10,
        minutes: d.spray_minutes,
        hourly_limit_ug_m3: d.pm10_hourly_limit,
        reached,
    };
    if reached { (Level::Warning, Some("dust.spray.warning".into()), words) } else { (Level::Normal, None, words) }
}

/// The verdict on a spray state reading `raw` at `t` (1 = spraying), given the earliest spray
/// request still running then: off for more than `spray_start_delay_min` after it is a warning.
/// Spraying that nobody asked for is not judged.
fn spray_state(d: &super::DustRules, requested: Option<DateTime<Utc>>, t: DateTime<Utc>, raw: f64) -> Found {
    let delay_s = d.spray_start_delay_min * 60.0;
    match requested {
        Some(at) if raw < 0.5 && seconds(t - at) > delay_s => (
            Level::Warning,
            Some("dust.spray.not-running.warning".into()),
            Words::Written(format!(
                "spraying was requested at {} and is still off {} min later (allowed {} min)",
                at.to_rfc3339(),
                Num(seconds(t - at) / 60.0),
                Num(d.spray_start_delay_min)
            )),
        ),
        Some(_) if raw < 0.5 => (Level::Normal, None, Words::Fixed("spraying requested; starting")),
        Some(_) => (Level::Normal, None, Words::Fixed("spraying as requested")),
        None if raw >= 0.5 => (Level::Normal, None, Words::Fixed("spraying (not requested by the dust rule)")),
        None => (Level::Normal, None, Words::Fixed("not spraying; no spray request")),
    }
}

/// Whether local time `local` is at night, and when its day or night period began.
fn noise_period(n: &super::NoiseRules, zone: FixedOffset, t: DateTime<Utc>) -> (bool, Option<DateTime<Utc>>) {
    let local = t.with_timezone(&zone);
    let hour = local.hour();
    let night = if n.night_start_hour > n.night_end_hour {
        hour >= n.night_start_hour || hour < n.night_end_hour
    } else {
        hour >= n.night_start_hour && hour < n.night_end_hour
    };
    let today = local.date_naive();
    let start = [Some(today), today.pred_opt()]
        .into_iter()
        .flatten()
        .flat_map(|d| [n.night_start_hour, n.night_end_hour].map(move |h| d.and_hms_opt(h, 0, 0)))
        .flatten()
        .filter_map(|naive| zone.from_local_datetime(&naive).single())
        .map(|x| x.with_timezone(&Utc))
        .filter(|x| *x <= t)
        .max();
    (night, start)
}

/// GB 12523: the day and night limits apply to the equivalent continuous level over the
/// measurement period, the night maximum to each reading. The Leq is the energy mean
/// 10·log10(mean(10^(L/10))) of the readings of the last `leq_window_min` within the current
/// period, judged once they cover `min_window_coverage` of the window.
#[allow(clippy::too_many_arguments)]
fn noise(
    rules: &RuleSet,
    zone: FixedOffset,
    fixed: &Fixed,
    info: &SensorInfo,
    current: Level,
    track: &mut Track,
    t: DateTime<Utc>,
    raw: f64,
) -> Found {
    let n = &rules.noise;
    let window_s = n.leq_window_min * 60.0;
    let window = duration_s(window_s);
    let (night, period_start) = noise_period(n, zone, t);
    track.noise.push_back((t, raw));
    while track.noise.front().is_some_and(|(rt, _)| *rt <= t - window) {
        track.noise.pop_front();
    }
    let slot = slot_s(info, window_s);
    let in_period = || track.noise.iter().filter(|(rt, _)| period_start.is_none_or(|s| *rt >= s));
    // The readings come in time order, so their slots (counted back from now) only fall: the
    // distinct ones are the changes.
    let mut slots = 0usize;
    let mut last_slot = None;
    for (rt, _) in in_period() {
        let k = (seconds(t - *rt) / slot).floor() as i64;
        if last_slot != Some(k) {
            slots += 1;
            last_slot = Some(k);
        }
    }
    let covered_s = (slots as f64 * slot).min(window_s);
    let of_rules;
    let NoiseLimits { day, night: night_limits, night_max } = match &fixed.noise {
        Some(limits) => limits,
        None => {
            of_rules = NoiseLimits::of(rules);
            &of_rules
        }
    };
    let limits = if night { night_limits } else { day };
    let what = if night { "night Leq" } else { "day Leq" };
    let leq_verdict = if covered_s >= window_s * n.min_window_coverage {
        let (sum, count) = in_period().fold((0.0, 0usize), |(s, c), (_, l)| (s + 10f64.powf(l / 10.0), c + 1));
        let energy = sum / count as f64;
        // To 0.1 dB, the resolution of the readings (HJ 212 `LA` is N3.1): a steady level
        // gives itself back, not itself ± rounding.
        let leq = (100.0 * energy.log10()).round() / 10.0;
        let th = &limits.thresholds;
        let level = limits.level(leq, current);
        let (level, rule, mut said) = verdict(level, limits.group, th, leq, what, "dB(A)");
        said.over_min = Some(n.leq_window_min);
        said.then = Then::ThisReading(raw);
        (level, rule, Words::Compared(said))
    } else {
        (
            Level::Normal,
            None,
            Words::NoiseNotYet { db: raw, what, window_min: n.leq_window_min, covered_min: covered_s / 60.0 },
        )
    };
    if night {
        let max = night_max.thresholds[0].value;
        // Each reading is its own maximum: no hysteresis.
        if night_max.level(raw, Level::Normal) == Level::Alarm {
            return (
                Level::Alarm,
                Some("noise.night-max.alarm".into()),
                Words::Written(format!(
                    "night noise {} dB(A) > the night maximum {} dB(A) (limit + {})",
                    Num(raw),
                    Num(max),
                    Num(n.night_max_margin_db)
                )),
            );
        }
    }
    leq_verdict
}

/// The changes between consecutive local calendar days' closing values, for the `days` days
/// ending today if each `pass`es (today counts once its change so far passes), else for the
/// `days` complete days ending yesterday (a streak holds through the next day until that day
/// breaks it). Oldest first.
fn daily_streak(
    closes: &BTreeMap<NaiveDate, f64>,
    today: NaiveDate,
    days: u32,
    pass: impl Fn(f64) -> bool,
) -> Option<Vec<f64>> {
    let run = |last: NaiveDate| -> Option<Vec<f64>> {
        let mut changes = Vec::new();
        for k in 0..days {
            let d = last.checked_sub_days(Days::new(u64::from(k)))?;
            let prev = d.pred_opt()?;
            let change = (closes.get(&d)? - closes.get(&prev)?).abs();
            if !pass(change) {
                return None;
            }
            changes.push(change);
        }
        changes.reverse();
        Some(changes)
    };
    run(today).or_else(|| run(today.pred_opt()?))
}

/// GB 50497 via the example project's set: a point is judged on its cumulative value (its size,
/// either sign) and on its rate, the **signed** change over the last day (a wall moving from
/// −1.6 mm to +1.6 mm moved 3.2 mm), with the "for N days" qualifier and the 3-day streak rule.
#[allow(clippy::too_many_arguments)]
fn pit(
    rules: &RuleSet,
    zone: FixedOffset,
    fixed: &Fixed,
    info: &SensorInfo,
    current: Level,
    track: &mut Track,
    t: DateTime<Utc>,
    raw: f64,
) -> Found {
    let p = &rules.pit;
    let band = rules.general.hysteresis_fraction;
    let Some((limit, cum)) = fixed.pit.as_ref().zip(fixed.limits.as_ref()) else {
        return (
            Level::Normal,
            None,
            Words::Fixed(
                "not judged: strut force in kN needs the strut's design force (anchor the sensor to node strut_<id>)",
            ),
        );
    };
    // Signed canonical value: mm for displacements and water, % of design for struts.
    let signed = cum.convert.apply(raw);
    // Struts are judged on compression (signed); displacements and water on their size.
    let cumulative = cum.judged(raw);
    let unit = if info.kind == SensorKind::StrutForce { "% of design" } else { "mm" };
    let l_cum = cum.level(cumulative, current);
    let (l, rule, said) = verdict(l_cum, cum.group, &cum.thresholds, cumulative, "cumulative value", unit);
    let mut best = (l, rule, Words::Compared(said));

    let keep_days = i64::from(limit.rate_alarm_days.max(p.streak_days)) + 2;
    track.history.push_back((t, signed));
    while track.history.front().is_some_and(|(ht, _)| t - *ht > Duration::days(keep_days.max(5))) {
        track.history.pop_front();
    }
    let today = t.with_timezone(&zone).date_naive();
    track.day_close.insert(today, signed);
    while track.day_close.len() > (keep_days.max(8) as usize) {
        track.day_close.pop_first();
    }
    let Some(rate_alarm) = limit.rate_alarm_per_day else { return best };
    // Rate over the last day: against the reading nearest 24 h back (at least 12 h back).
    let target = t - Duration::hours(24);
    let older = track
        .history
        .iter()
        .rev()
        .find(|(ht, _)| *ht <= target)
        .or_else(|| track.history.front().filter(|(ht, _)| t - *ht >= Duration::hours(12)));
    if let Some(&(t0, v0)) = older {
        let days = seconds(t - t0) / 86_400.0;
        let rate = (signed - v0).abs() / days;
        let th_r = [
            Threshold::at_least(Level::Warning, rate_alarm * p.warning_fraction),
            Threshold::at_least(Level::Alarm, rate_alarm),
        ];
        let l_rate = level_with_hysteresis(rate, &th_r, current, band);
        let (l, rule, said) = verdict(l_rate, "pit.rate", &th_r, rate, "rate", "mm/d");
        let mut v = (l, rule, Words::Compared(said));
        let need = limit.rate_alarm_days;
        if l_rate == Level::Alarm && need > 1 {
            v = match daily_streak(&track.day_close, today, need, |c| c >= rate_alarm) {
                Some(changes) => (
                    Level::Alarm,
                    Some("pit.rate.alarm".into()),
                    Words::Written(format!(
                        "rate {} mm/d ≥ {} mm/d, and the daily change reached it {need} days in a row: {} mm",
                        Num(rate),
                        Num(rate_alarm),
                        changes.iter().map(|c| Num(*c).to_string()).collect::<Vec<_>>().join(", ")
                    )),
                ),
                None => (
                    Level::Warning,
                    Some("pit.rate.warning".into()),
                    Words::Written(format!(
                        "rate {} mm/d ≥ {} mm/d, not yet for {need} days in a row (the alarm needs {need}): warning",
                        Num(rate),
                        Num(rate_alarm)
                    )),
                ),
            };
        }
        if v.0 > best.0 {
            best = v;
        }
    }
    // The streak rule: the daily change exceeded `streak_fraction` of the alarm rate on each of
    // the last `streak_days` calendar days.
    let over = rate_alarm * p.streak_fraction;
    if best.0 < Level::Alarm
        && let Some(changes) = daily_streak(&track.day_close, today, p.streak_days, |c| c > over)
    {
        best = (
            Level::Alarm,
            Some("pit.rate-streak.alarm".into()),
            Words::Written(format!(
                "daily change above {} mm/d ({} % of the {} mm/d alarm rate) for {} days in a row: {} mm",
                Num(over),
                Num(p.streak_fraction * 100.0),
                Num(rate_alarm),
                p.streak_days,
                changes.iter().map(|c| Num(*c).to_string()).collect::<Vec<_>>().join(", ")
            )),
        );
    }
    best
}

/// The verdict for `level` reached on thresholds `th` by value `v`, with its rule id
/// `<group>.<level>` and the comparison it names (or the hysteresis holding a level).
fn verdict(
    level: Level,
    group: &str,
    th: &[Threshold],
    v: f64,
    what: &'static str,
    unit: &'static str,
) -> (Level, Option<String>, Compared) {
    let rule = (level != Level::Normal).then(|| format!("{group}.{}", level.suffix()));
    let threshold = th.iter().find(|t| t.level == level).copied();
    (level, rule, Compared { what, over_min: None, value: v, unit, level, threshold, then: Then::Nothing })
}

mod words;

#[cfg(test)]
mod tests;
