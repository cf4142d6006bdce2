//! Telemetry sources: where the twin's readings come from and how its clock moves. The embedded
//! simulator is the default (the core's, deterministic for a seed, played at a chosen speed); a
//! recording is replayed the same way; a gateway is followed live (`gateway`). Every source writes
//! [`ReadingArrived`] before the rules judge it, and the flight recorder writes every reading the
//! twin received to a file that `--replay` plays back, with the site's stoppage status beside it
//! and, from a gateway, every state of its alarms as it came (`FILE.alarms.jsonl`): a replay shows
//! the gateway's alarm list, acknowledgements and all, as it was at each moment.
//!
//! A played source (simulator, replay) can be paused, sped up and scrubbed: going back rebuilds
//! the site's state from the start of the period to the chosen moment, so the whole twin (levels,
//! alarms, cranes) shows that moment exactly as it was. A gateway's feed is kept the same way, in
//! the order and at the moment each reading arrived, so a live twin can be paused and sent back
//! through what it received, and returned to live: it then shows exactly what it showed live.

pub mod gateway;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use bevy::prelude::*;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sitetwin_core::rules::alarm::Alarm;
use sitetwin_core::rules::stoppage::SiteStoppage;
use sitetwin_core::sim::{Scenario, Simulator, write_jsonl};
use sitetwin_core::telemetry::{self, Format, Reading};

use crate::TwinSet;
use crate::site::{SensorLive, Site, SiteSpawned};
use crate::telemetry::{ReadingArrived, SiteAlarms, SiteRuleSet, SiteRules, TelemetrySet, TwinClock};

/// Where the twin's telemetry comes from (the command line sets it; the status bar shows it).
#[derive(Resource, Debug, Clone, PartialEq, Default)]
pub enum DataSource {
    /// No telemetry: the scene as designed.
    #[default]
    StaticScene,
    /// The embedded simulator playing a scenario.
    Simulator {
        /// The scenario file.
        scenario: PathBuf,
        /// Its seed.
        seed: u64,
    },
    /// A recording played back.
    Replay {
        /// The recording (readings as JSON lines, the core's batch format).
        file: PathBuf,
    },
    /// A telemetry gateway followed live.
    Gateway(gateway::GatewaySource),
}

/// Where a played source starts in its period, how fast, and whether it waits.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct PlayOptions {
    /// Seconds into the period to start at.
    pub at_s: f64,
    /// Data seconds per wall second.
    pub speed: f64,
    /// Start paused (snapshots of a chosen moment).
    pub paused: bool,
}

impl Default for PlayOptions {
    fn default() -> Self {
        Self { at_s: 0.0, speed: 60.0, paused: false }
    }
}

/// How the source is doing (the status bar shows it).
#[derive(Resource, Debug, Clone, PartialEq, Default)]
pub struct SourceHealth {
    /// In words.
    pub state: Health,
    /// Readings received from it since the site opened.
    pub received: u64,
    /// Measuring time of the newest reading received.
    pub newest: Option<DateTime<Utc>>,
    /// The period a played source covers (a live feed's ends now).
    pub period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// A live feed: `Some(true)` while the twin follows it, `Some(false)` while the user looks
    /// back (paused or scrubbed); `None` for a played source.
    pub following: Option<bool>,
}

/// The states of a source.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Health {
    /// No source, or not started.
    #[default]
    Idle,
    /// Playing (or paused within) its period.
    Playing,
    /// Played to the end of its period.
    Ended,
    /// Connecting, or reconnecting after a failure (with the failure).
    Connecting(Option<String>),
    /// Connected and receiving.
    Live,
    /// Cannot work: the reason.
    Failed(String),
}

impl Health {
    /// Whether the source is delivering, or could.
    pub fn healthy(&self) -> bool {
        matches!(self, Health::Idle | Health::Playing | Health::Ended | Health::Live)
    }
}

/// The site's stoppage status as its source reports it (a scenario's, or the gateway's).
#[derive(Resource, Debug, Clone, PartialEq, Default)]
pub struct ReportedStoppage(pub Option<SiteStoppage>);

/// Go to a moment of a played source's period (the timeline).
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub struct SeekRequested(pub DateTime<Utc>);

/// What a gateway said of its alarms at moment `at` (when the twin received it).
#[derive(Message, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteAlarm {
    /// When the twin received it.
    pub at: DateTime<Utc>,
    /// What it said.
    #[serde(flatten)]
    pub change: AlarmChange,
}

/// A change to a gateway's alarm list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmChange {
    /// One alarm as the gateway has it now.
    State(Alarm),
    /// The alarms open now, all of them (on connecting: the open ones it no longer lists were
    /// closed meanwhile).
    OpenNow(Vec<Alarm>),
}

impl SiteAlarms {
    /// Takes a gateway's change into the list.
    pub fn apply(&mut self, change: &AlarmChange) {
        match change {
            AlarmChange::State(a) => self.upsert(a.clone()),
            AlarmChange::OpenNow(open) => self.replace_open(open.clone()),
        }
    }
}

/// Write every reading the twin receives to this file (JSON lines, the core's batch format).
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct RecordTo(pub PathBuf);

/// A played source: its readings, from the start of its period.
enum Player {
    Sim {
        sim: Box<Simulator>,
        scenario: Box<Scenario>,
        seed: u64,
    },
    Replay {
        readings: Vec<Reading>,
        next: usize,
        alarms: Vec<RemoteAlarm>,
        next_alarm: usize,
    },
    /// A live feed: what was received, each with the moment it arrived (never earlier than the
    /// one before: the feed's own order), its history at the moments it was measured.
    Feed {
        received: Vec<(DateTime<Utc>, Reading)>,
        next: usize,
        /// How many of `received` have been delivered at least once.
        furthest: usize,
        /// How many of `received` the flight recorder has written (it writes what is received,
        /// shown yet or not).
        recorded: usize,
    },
}

/// How much of a live feed the twin keeps to go back through (the sensors' chart span).
const FEED_KEPT_S: i64 = crate::site::HISTORY_SPAN_S;

/// The played source of the current site.
#[derive(Resource)]
pub(super) struct Playback {
    player: Player,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// The furthest moment played so far: readings up to it are played again after going back
    /// (the recorder has them already).
    played_until: Option<DateTime<Utc>>,
    buf: Vec<Reading>,
    /// A live feed's arrival moments of `buf` (empty for played sources: a reading arrives when
    /// it was measured).
    arrivals: Vec<DateTime<Utc>>,
    /// A live feed followed at its live edge (off while the user looks back).
    live: bool,
    /// A live feed: how many of `buf`'s first readings were delivered before (going back plays
    /// them again; the recorder has them).
    replays: usize,
}

impl Playback {
    /// Back to the start of the period.
    fn rewind(&mut self, site: &Site) -> Result<(), String> {
        match &mut self.player {
            Player::Sim { sim, scenario, seed } => {
                **sim = Simulator::new(&site.loaded.scene, scenario, *seed).map_err(|e| e.to_string())?;
            }
            Player::Replay { next, next_alarm, .. } => (*next, *next_alarm) = (0, 0),
            Player::Feed { next, .. } => *next = 0,
        }
        Ok(())
    }

    /// A live feed, empty, opened at `now`.
    pub(super) fn feed(now: DateTime<Utc>) -> Playback {
        Playback {
            player: Player::Feed { received: Vec::new(), next: 0, furthest: 0, recorded: 0 },
            start: now,
            end: now,
            played_until: None,
            buf: Vec::new(),
            arrivals: Vec::new(),
            live: true,
            replays: 0,
        }
    }

    /// A reading a live feed delivered at `at` (history at its measuring time): kept in the
    /// feed's order, and what is older than [`FEED_KEPT_S`] before it is let go.
    pub(super) fn receive(&mut self, at: DateTime<Utc>, reading: Reading) {
        let Player::Feed { received, next, furthest, recorded } = &mut self.player else { return };
        let at = received.last().map_or(at, |(last, _)| at.max(*last));
        if received.is_empty() {
            self.start = at;
        }
        received.push((at, reading));
        self.end = self.end.max(at);
        // Let go of the oldest tenth at a time (not one by one: the front of a Vec).
        let keep_from = at - Duration::seconds(FEED_KEPT_S);
        let old = received.partition_point(|(t, _)| *t < keep_from);
        if old > 0 && old * 10 >= received.len() && old <= *next && old <= *recorded {
            received.drain(..old);
            *next -= old;
            *furthest -= old;
            *recorded -= old;
            self.start = received.first().map_or(at, |(t, _)| *t);
        }
    }

    /// The recorded states of a gateway's alarms up to `t` not shown yet (a replay of a
    /// gateway's recording), in the order they came.
    fn alarms_until(&mut self, t: DateTime<Utc>) -> &[RemoteAlarm] {
        let Player::Replay { alarms, next_alarm, .. } = &mut self.player else { return &[] };
        let from = *next_alarm;
        *next_alarm += alarms[from..].partition_point(|a| a.at <= t);
        &alarms[from..*next_alarm]
    }

    /// A live feed's readings received and not yet recorded (marked recorded now).
    fn unrecorded(&mut self) -> &[(DateTime<Utc>, Reading)] {
        let Player::Feed { received, recorded, .. } = &mut self.player else { return &[] };
        let from = *recorded;
        *recorded = received.len();
        &received[from..]
    }

    /// A live feed (its readings arrive when they did, and it has no end but now).
    fn is_feed(&self) -> bool {
        matches!(self.player, Player::Feed { .. })
    }

    /// Every reading up to `t`, in time order.
    fn advance(&mut self, t: DateTime<Utc>) -> &[Reading] {
        self.buf.clear();
        self.arrivals.clear();
        match &mut self.player {
            Player::Sim { sim, .. } => sim.advance_to(t.min(self.end), &mut self.buf),
            Player::Replay { readings, next, .. } => {
                let n = readings[*next..].partition_point(|r| r.time <= t);
                self.buf.extend_from_slice(&readings[*next..*next + n]);
                *next += n;
            }
            Player::Feed { received, next, furthest, .. } => {
                let n = received[*next..].partition_point(|(at, _)| *at <= t);
                self.replays = furthest.saturating_sub(*next).min(n);
                *furthest = (*furthest).max(*next + n);
                for (at, r) in &received[*next..*next + n] {
                    self.arrivals.push(*at);
                    self.buf.push(r.clone());
                }
                *next += n;
            }
        }
        &self.buf
    }
}

/// The open flight-recorder file.
#[derive(Resource)]
struct Recorder {
    file: PathBuf,
    out: BufWriter<File>,
    /// `FILE.alarms.jsonl`, opened at the first gateway alarm.
    alarms: Option<BufWriter<File>>,
}

/// Runs the twin's telemetry source.
pub struct SourcePlugin;

impl Plugin for SourcePlugin {
    fn build(&self, app: &mut App) {
        crate::configure(app);
        app.init_resource::<DataSource>()
            .init_resource::<PlayOptions>()
            .init_resource::<SourceHealth>()
            .init_resource::<ReportedStoppage>()
            .add_message::<SeekRequested>()
            .add_message::<RemoteAlarm>()
            .add_systems(Update, start_source.in_set(TwinSet::Input))
            .add_systems(Update, (seek, play).chain().after(start_source).in_set(TwinSet::Input))
            .add_systems(Update, record.after(TelemetrySet).in_set(TwinSet::Update))
            .add_plugins(gateway::GatewayPlugin);
    }
}

/// The simulator of a site: its scenario, the seed as given.
fn make_sim(site: &Site, source: &DataSource) -> Result<Player, String> {
    let DataSource::Simulator { scenario, seed } = source else { return Err("not a simulator".into()) };
    let scenario = Scenario::load(scenario).map_err(|e| e.to_string())?;
    let sim = Simulator::new(&site.loaded.scene, &scenario, *seed).map_err(|e| e.to_string())?;
    for s in sim.skipped() {
        info!("scenario {}: {s}", scenario.name);
    }
    Ok(Player::Sim { sim: Box::new(sim), scenario: Box::new(scenario), seed: *seed })
}

/// A recording, read whole: its good lines in time order (lines it cannot read are named once).
fn make_replay(_site: &Site, source: &DataSource) -> Result<Player, String> {
    let DataSource::Replay { file } = source else { return Err("not a replay".into()) };
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let (lines, errors) = telemetry::parse_readings(&text, Format::sniff(&text), telemetry::CHINA_STANDARD_TIME_S);
    for e in &errors {
        warn!("{}: {e}", file.display());
    }
    let mut readings: Vec<Reading> = lines.into_iter().map(|(_, r)| r).collect();
    readings.sort_by_key(|r| r.time);
    if readings.is_empty() {
        return Err(format!("{}: no readings in the recording", file.display()));
    }
    Ok(Player::Replay { readings, next: 0, alarms: read_alarms(file), next_alarm: 0 })
}

/// Once a site is spawned, its played source starts at the chosen moment, and the recorder
/// opens its file (the first site's as named, a later site's with its opening's number).
#[allow(clippy::too_many_arguments)]
pub(super) fn start_source(
    mut commands: Commands,
    mut spawned: MessageReader<SiteSpawned>,
    site: Option<Res<Site>>,
    source: Res<DataSource>,
    options: Res<PlayOptions>,
    record: Option<Res<RecordTo>>,
    mut rules: Option<ResMut<SiteRules>>,
    mut clock: ResMut<TwinClock>,
    mut health: ResMut<SourceHealth>,
    mut stoppage: ResMut<ReportedStoppage>,
    mut alarms: ResMut<SiteAlarms>,
    mut opened: Local<u32>,
) {
    if spawned.read().last().is_none() {
        return;
    }
    let Some(site) = site else { return };
    *health = SourceHealth::default();
    stoppage.0 = None;
    commands.remove_resource::<Playback>();
    commands.remove_resource::<Recorder>();
    if let Some(RecordTo(file)) = record.as_deref() {
        *opened += 1;
        let file = match *opened {
            1 => file.clone(),
            n => file.with_extension(format!("{n}.jsonl")),
        };
        match File::create(&file) {
            Ok(f) => {
                info!("recording the readings to {}", file.display());
                // A gateway's alarms of an earlier recording to the same name are not this one's.
                let _ = std::fs::remove_file(alarms_file(&file));
                commands.insert_resource(Recorder { file, out: BufWriter::new(f), alarms: None });
            }
            Err(e) => error!("cannot record to {}: {e}", file.display()),
        }
    }
    let made = match *source {
        DataSource::Simulator { .. } => make_sim(&site, &source),
        DataSource::Replay { .. } => make_replay(&site, &source),
        DataSource::StaticScene | DataSource::Gateway(_) => return,
    };
    match made {
        Ok(player) => {
            // A recording of a gateway shows the gateway's alarms as recorded.
            alarms.remote = matches!(&player, Player::Replay { alarms, .. } if !alarms.is_empty());
            stoppage.0 = match (&player, &*source) {
                (Player::Sim { scenario, .. }, _) => Some(scenario.site_stoppage()),
                (Player::Replay { .. }, DataSource::Replay { file }) => read_status(file),
                _ => None,
            };
            let (start, end) = match &player {
                Player::Sim { sim, .. } => (sim.start(), sim.end()),
                // A gateway's last alarm state may come after its last reading.
                Player::Replay { readings, alarms, .. } => {
                    let last = readings[readings.len() - 1].time;
                    (readings[0].time, alarms.last().map_or(last, |a| a.at.max(last)))
                }
                Player::Feed { received, .. } => {
                    let now = Utc::now();
                    (received.first().map_or(now, |(t, _)| *t), received.last().map_or(now, |(t, _)| *t))
                }
            };
            let at = (start + Duration::milliseconds((options.at_s * 1000.0) as i64)).min(end);
            // The rules start with the period (sensors that never report are noticed from here).
            *clock = TwinClock { now: Some(start), speed: options.speed, paused: options.paused };
            if let Some(rules) = rules.as_deref_mut() {
                rules.start_at(start);
            }
            commands.insert_resource(Playback {
                player,
                start,
                end,
                played_until: None,
                buf: Vec::new(),
                arrivals: Vec::new(),
                live: false,
                replays: 0,
            });
            commands.write_message(SeekRequested(at));
            health.state = Health::Playing;
            health.period = Some((start, end));
        }
        Err(e) => {
            error!("telemetry source: {e}");
            health.state = Health::Failed(e);
        }
    }
}

/// Goes to a moment: forward plays up to it at once; back starts the period again (a new
/// engine, empty sensors and alarms) and plays up to it.
#[allow(clippy::too_many_arguments)]
fn seek(
    mut requests: MessageReader<SeekRequested>,
    playback: Option<ResMut<Playback>>,
    site: Option<Res<Site>>,
    rules: Res<SiteRuleSet>,
    mut engine: Option<ResMut<SiteRules>>,
    mut alarms: ResMut<SiteAlarms>,
    mut clock: ResMut<TwinClock>,
    mut sensors: Query<&mut SensorLive>,
    mut health: ResMut<SourceHealth>,
    mut arrived: MessageWriter<ReadingArrived>,
) {
    let Some(SeekRequested(to)) = requests.read().last().copied() else { return };
    let (Some(mut playback), Some(site)) = (playback, site) else { return };
    let feed = playback.is_feed();
    if feed {
        // A live feed's end is now; going there is going back to live.
        playback.end = playback.end.max(Utc::now());
    }
    let mut to = to.clamp(playback.start, playback.end);
    if feed {
        // The end of the bar (whole seconds) or any later moment is the live edge.
        playback.live = to >= playback.end - Duration::seconds(1);
        if playback.live {
            to = playback.end;
        }
        clock.paused = clock.paused && !playback.live;
        health.following = Some(playback.live);
    }
    if clock.now.is_some_and(|now| to < now) {
        if let Err(e) = playback.rewind(&site) {
            health.state = Health::Failed(e);
            return;
        }
        if let Some(engine) = engine.as_deref_mut() {
            *engine = SiteRules::new(&site, &rules);
            engine.start_at(playback.start);
        }
        // A gateway's alarms are the gateway's: the list stays as it has them (a recording of
        // one shows its recorded states again, from the start).
        if !feed {
            alarms.reset();
        }
        sensors.iter_mut().for_each(|mut s| *s = SensorLive::default());
        if !feed {
            health.received = 0;
            health.newest = None;
        }
        clock.now = Some(playback.start);
    }
    let replay_until = playback.played_until;
    playback.advance(to);
    let Playback { buf, arrivals, replays, .. } = &*playback;
    let replayed = if feed { Replayed::First(*replays) } else { Replayed::Until(replay_until) };
    deliver(buf, arrivals, replayed, (!feed).then_some(&mut *health), &mut arrived);
    playback.alarms_until(to).iter().for_each(|a| alarms.apply(&a.change));
    playback.played_until = playback.played_until.max(Some(to));
    clock.now = Some(to);
    if !feed {
        health.state = if to >= playback.end { Health::Ended } else { Health::Playing };
    }
}

/// Moves the clock by the frame's time at the chosen speed and delivers what was measured.
pub(super) fn play(
    time: Res<Time>,
    playback: Option<ResMut<Playback>>,
    mut clock: ResMut<TwinClock>,
    mut health: ResMut<SourceHealth>,
    mut alarms: ResMut<SiteAlarms>,
    mut arrived: MessageWriter<ReadingArrived>,
) {
    let Some(mut playback) = playback else { return };
    let feed = playback.is_feed();
    if feed {
        // A live feed ends now: followed, the twin shows now and everything received; paused,
        // the user looks back; played on, it catches up and follows again.
        let wall = Utc::now();
        playback.end = playback.end.max(wall);
        if clock.paused {
            playback.live = false;
        }
        if playback.live {
            clock.now = Some(wall);
        }
        health.period = Some((playback.start, playback.end));
    }
    let Some(now) = clock.now else { return };
    let to = if feed && playback.live {
        DateTime::<Utc>::MAX_UTC
    } else {
        if clock.paused || now >= playback.end {
            health.following = feed.then_some(false);
            return;
        }
        let step = Duration::microseconds((time.delta_secs_f64() * clock.speed * 1e6) as i64);
        (now + step).min(playback.end)
    };
    let replay_until = playback.played_until;
    playback.advance(to);
    let Playback { buf, arrivals, replays, .. } = &*playback;
    let replayed = if feed { Replayed::First(*replays) } else { Replayed::Until(replay_until) };
    deliver(buf, arrivals, replayed, (!feed).then_some(&mut *health), &mut arrived);
    let to = to.min(playback.end);
    playback.alarms_until(to).iter().for_each(|a| alarms.apply(&a.change));
    playback.played_until = playback.played_until.max(Some(to));
    clock.now = Some(to);
    if feed {
        playback.live = playback.live || to >= playback.end;
        health.following = Some(playback.live);
    } else if to >= playback.end {
        health.state = Health::Ended;
    }
}

/// Readings of a played source arrive when they were measured (its clock is theirs), a live
/// feed's when they did (`arrivals`); `replayed` says which were played before (the period
/// started again). A played source counts them in its health (a feed counts what it receives).
fn deliver(
    readings: &[Reading],
    arrivals: &[DateTime<Utc>],
    replayed: Replayed,
    health: Option<&mut SourceHealth>,
    arrived: &mut MessageWriter<ReadingArrived>,
) {
    if let Some(health) = health {
        health.received += readings.len() as u64;
        if let Some(last) = readings.last() {
            health.newest = health.newest.max(Some(last.time));
        }
    }
    arrived.write_batch(readings.iter().enumerate().map(|(i, r)| {
        let at = arrivals.get(i).copied().unwrap_or(r.time);
        let replayed = match replayed {
            Replayed::Until(u) => u.is_some_and(|u| at <= u),
            Replayed::First(n) => i < n,
        };
        ReadingArrived { reading: r.clone(), arrived_at: at, replayed }
    }));
}

/// Which of the readings delivered were delivered before.
#[derive(Debug, Clone, Copy)]
enum Replayed {
    /// Those measured up to then (a played source's readings come once per moment).
    Until(Option<DateTime<Utc>>),
    /// The first so many (a live feed: several readings may share a moment).
    First(usize),
}

/// A file kept beside a recording: its name with `suffix` added.
fn beside(recording: &std::path::Path, suffix: &str) -> PathBuf {
    let mut name = recording.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Where a recording of a gateway keeps its alarms' states: beside it, `FILE.alarms.jsonl`.
pub fn alarms_file(recording: &std::path::Path) -> PathBuf {
    beside(recording, ".alarms.jsonl")
}

/// The gateway alarm states recorded beside a recording, in the order they came (none for a
/// recording of a local source; a line that cannot be read is named and left out).
fn read_alarms(recording: &std::path::Path) -> Vec<RemoteAlarm> {
    let file = alarms_file(recording);
    let Ok(text) = std::fs::read_to_string(&file) else { return Vec::new() };
    let mut alarms: Vec<RemoteAlarm> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .filter_map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| warn!("{}:{}: not an alarm state: {e}", file.display(), i + 1)).ok()
        })
        .collect();
    alarms.sort_by_key(|a| a.at);
    alarms
}

/// Where a recording keeps the site's stoppage status: beside it, `FILE.status.json`.
pub fn status_file(recording: &std::path::Path) -> PathBuf {
    beside(recording, ".status.json")
}

/// The stoppage status recorded beside a recording, if any (a bad one is named and left out).
fn read_status(recording: &std::path::Path) -> Option<SiteStoppage> {
    let file = status_file(recording);
    let text = std::fs::read_to_string(&file).ok()?;
    serde_json::from_str(&text).map_err(|e| warn!("{}: not a stoppage status: {e}", file.display())).ok()
}

/// The flight recorder: every reading that arrived, as it arrived, and the site's stoppage status
/// whenever it changes.
fn record(
    mut arrived: MessageReader<ReadingArrived>,
    mut remote: MessageReader<RemoteAlarm>,
    recorder: Option<ResMut<Recorder>>,
    playback: Option<ResMut<Playback>>,
    stoppage: Res<ReportedStoppage>,
    mut batch: Local<Vec<Reading>>,
) {
    let Some(mut recorder) = recorder else {
        arrived.clear();
        remote.clear();
        return;
    };
    let mut states = remote.read().peekable();
    if states.peek().is_some() {
        let Recorder { file, alarms, .. } = &mut *recorder;
        let path = alarms_file(file);
        let opened = match alarms {
            Some(out) => Ok(out),
            None => File::create(&path).map(|f| alarms.insert(BufWriter::new(f))),
        };
        let written = opened.and_then(|out| {
            for a in states {
                serde_json::to_writer(&mut *out, a).map_err(std::io::Error::other)?;
                out.write_all(b"\n")?;
            }
            out.flush()
        });
        if let Err(e) = written {
            error!("recording the gateway's alarms to {}: {e}", path.display());
        }
    }
    if stoppage.is_changed() || recorder.is_added() {
        let file = status_file(&recorder.file);
        let written = match &stoppage.0 {
            Some(s) => {
                serde_json::to_string_pretty(s).map_err(std::io::Error::other).and_then(|j| std::fs::write(&file, j))
            }
            None => std::fs::remove_file(&file)
                .or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) }),
        };
        if let Err(e) = written {
            error!("recording the stoppage status to {}: {e}", file.display());
        }
    }
    batch.clear();
    match playback {
        // A live feed is recorded as it is received (readings waiting while the user looks back
        // are not lost if the twin closes before showing them).
        Some(mut feed) if feed.is_feed() => {
            arrived.clear();
            batch.extend(feed.unrecorded().iter().map(|(_, r)| r.clone()));
        }
        _ => batch.extend(arrived.read().filter(|a| !a.replayed).map(|a| a.reading.clone())),
    }
    if batch.is_empty() {
        return;
    }
    let Recorder { file, out, .. } = &mut *recorder;
    if let Err(e) = write_jsonl(&batch, out).and_then(|_| out.flush()) {
        error!("recording to {}: {e}", file.display());
    }
}
