//! The site feature: opens a site (its scene read and validated off the frame), turns it into
//! entities that own their state, one per semantic object and one per sensor, and keeps the one
//! index from ids to entities. Headless-safe: no rendering, no assets; the view adds models.
//!
//! Opening goes through the [`LoadPhase`](crate::LoadPhase)s: `Reading` (the old site stays until
//! the new scene is known to be good) → `Spawning` (the old site's entities go, the new ones
//! come) → `Assets` (whatever the view registered in [`LoadReadiness`]) → the `Twin` mode. A
//! scene that cannot be read leaves the site that was open as it was, with the problems in
//! [`LoadFailure`]; with no site open, it ends in `Failed`, the error screen.

mod open;
mod spawn;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use bevy::math::DVec3;
use bevy::prelude::*;
use chrono::{DateTime, Utc};
use sitetwin_core::rules::hazard::Classification;
use sitetwin_core::rules::{Level, Quality};
use sitetwin_core::scene::{LoadedScene, ModelProblem, ObjectKind, Param, SceneErrors, SceneIssue, SensorKind};

pub use open::{CatalogEntry, SiteCatalog, SiteOpenRequested, SiteRequest};
pub use spawn::{ObjectTree, TreeGroup, TreeItem, TreeSensor};

use crate::{AppMode, LoadPhase, TwinSet};

/// The site being shown (or spawned): its scene, shared and immutable, and the opening it came
/// from.
#[derive(Resource, Debug, Clone)]
pub struct Site {
    /// The validated scene, with its models' summaries and problems.
    pub loaded: Arc<LoadedScene>,
    /// The [`SiteRequest::generation`] that opened it.
    pub generation: u64,
}

/// Marks every entity that belongs to the site shown (objects, sensors by inheritance, props);
/// they are despawned, with their children, when the next site is spawned.
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct SiteScoped;

/// A semantic object of the site (crane, pit, gate...). Its entity sits at the site origin; its
/// model and sensors are children placed in site coordinates.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct SiteObject {
    /// The scene id.
    pub id: String,
    /// Display name (from the scene, e.g. 1#塔吊).
    pub name: String,
    /// What it is.
    pub kind: ObjectKind,
    /// The model instance drawing it, if any.
    pub model: Option<String>,
}

/// What the info panel and the reports say about an object, computed once when it spawns: its
/// parameters (with units) and, for works the rules classify, its major-hazard class.
#[derive(Component, Debug, Clone, PartialEq, Default)]
pub struct ObjectInfo {
    /// Parameters in display order.
    pub params: Vec<Param>,
    /// Order 37 / Notice 31 classification, for classified works.
    pub hazard: Option<Classification>,
}

/// The sensors mounted on an object, in scene order.
#[derive(Component, Debug, Clone, PartialEq, Default)]
pub struct ObjectSensors(pub Vec<Entity>);

/// Where an object's label and camera presets aim, site frame.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct LabelAnchor(pub Vec3);

/// World-space bounds of an object (from its model when imported, else a box at its anchor).
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct ObjectBounds {
    /// Smallest corner.
    pub min: Vec3,
    /// Largest corner.
    pub max: Vec3,
}

impl ObjectBounds {
    /// Centre of the box.
    pub fn center(&self) -> Vec3 {
        (self.min + self.max) / 2.0
    }

    /// Half the diagonal.
    pub fn radius(&self) -> f32 {
        (self.max - self.min).length() / 2.0
    }
}

/// A sensor or monitoring point: what it is, from the scene.
#[derive(Component, Debug, Clone, PartialEq)]
pub struct SiteSensor {
    /// The scene id.
    pub id: String,
    /// Display name, when the scene gives one.
    pub name: Option<String>,
    /// What it measures.
    pub kind: SensorKind,
    /// Unit of its readings.
    pub unit: String,
    /// The object entity it is mounted on.
    pub object: Entity,
    /// The model node it follows, if any.
    pub node: Option<String>,
    /// Device id in telemetry, when it differs from `id`.
    pub device_id: Option<String>,
    /// Expected interval between readings, seconds.
    pub interval_s: Option<f64>,
    /// Measuring range in `unit`.
    pub range: Option<[f64; 2]>,
    /// Surveyed position at rest, site frame, metres.
    pub position_m: DVec3,
}

/// How far back a sensor keeps its readings for its chart: three days.
pub const HISTORY_SPAN_S: i64 = 3 * 86_400;

/// The most readings a sensor keeps (three days of a 10-second interval).
pub const HISTORY_CAPACITY: usize = 26_000;

/// A sensor's live state: its latest reading, its level and the rule that set it, and a bounded
/// history. The one place this state lives; telemetry sources write it, panels read it.
#[derive(Component, Debug, Clone, PartialEq, Default)]
pub struct SensorLive {
    /// The latest reading accepted from a source.
    pub latest: Option<LatestReading>,
    /// The level the rules give it now.
    pub level: Level,
    /// The rule in force when `level` is above normal.
    pub rule: Option<String>,
    /// Recent readings, oldest first, at most [`HISTORY_CAPACITY`].
    pub history: History,
    /// Silent for longer than the rules allow (until its next reading).
    pub stale: bool,
    /// The dust rules asked for spraying until then (the mist cannons follow the trigger).
    pub spraying_until: Option<DateTime<Utc>>,
}

impl SensorLive {
    /// Spraying was asked for and has not ended at `now`.
    pub fn spraying(&self, now: Option<DateTime<Utc>>) -> bool {
        matches!((self.spraying_until, now), (Some(until), Some(now)) if now < until)
    }

    /// Records a reading: a usable value joins the history (kept in time order; readings older
    /// than [`HISTORY_SPAN_S`] before it, or beyond [`HISTORY_CAPACITY`], are dropped), and any
    /// reading not older than the latest becomes the latest.
    pub fn record(&mut self, time: DateTime<Utc>, value: f64, quality: Quality) {
        if matches!(quality, Quality::Valid | Quality::Suspect(_)) && value.is_finite() {
            self.history.push(time, value);
        }
        if self.latest.as_ref().is_none_or(|l| time >= l.time) {
            self.latest = Some(LatestReading { time, value, quality });
        }
    }
}

/// A sensor's charted readings, oldest first: (measuring time, value in the sensor's unit), in
/// strictly rising time, spanning at most [`HISTORY_SPAN_S`] and holding at most
/// [`HISTORY_CAPACITY`]. Written by [`SensorLive::record`].
///
/// Laid out for thousands of sensors recording every frame: the readings sit in chunks that are
/// never moved once written (a ring that doubles copies all it holds into fresh memory, a tenth
/// of the overlay's time at 10,000 sensors), and the times of the two ends are kept beside them,
/// so a reading is recorded by looking at these and writing at the end, without reaching into the
/// oldest chunk (a cache line per sensor per frame).
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The older chunks, full (bar what has been let go from the first).
    full: VecDeque<Vec<(DateTime<Utc>, f64)>>,
    /// The chunk being written.
    tail: Vec<(DateTime<Utc>, f64)>,
    /// Readings let go from the front of the first chunk (`full`'s, or `tail` while it is alone).
    head: usize,
    /// Readings held.
    len: usize,
    /// When the oldest reading held falls out of the span (its time + [`HISTORY_SPAN_S`]), and
    /// the time of the newest; `None` while empty. Kept so that recording compares times only.
    ends: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// The most readings one chunk of a [`History`] holds; the first chunks are smaller (a sensor
/// with a few readings holds a few readings' memory).
const HISTORY_CHUNK: usize = 1024;

impl PartialEq for History {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl History {
    /// Readings held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The oldest reading held.
    pub fn front(&self) -> Option<&(DateTime<Utc>, f64)> {
        self.full.front().unwrap_or(&self.tail).get(self.head)
    }

    /// The newest reading held.
    pub fn back(&self) -> Option<&(DateTime<Utc>, f64)> {
        self.tail.last()
    }

    /// The readings, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &(DateTime<Utc>, f64)> + '_ {
        self.slices().flatten()
    }

    /// The readings measured at or after `from`, oldest first.
    pub fn since(&self, from: DateTime<Utc>) -> impl Iterator<Item = &(DateTime<Utc>, f64)> + '_ {
        self.slices().flat_map(move |s| &s[s.partition_point(|(t, _)| *t < from)..])
    }

    /// The chunks' readings held, oldest first.
    fn slices(&self) -> impl Iterator<Item = &[(DateTime<Utc>, f64)]> + '_ {
        let alone = self.full.is_empty();
        let full = self.full.iter().enumerate().map(|(i, c)| &c[if i == 0 { self.head } else { 0 }..]);
        full.chain(std::iter::once(&self.tail[if alone { self.head } else { 0 }..]))
    }

    /// Lets go of the oldest reading.
    fn pop_front(&mut self) {
        if self.len == 0 {
            return;
        }
        self.len -= 1;
        self.head += 1;
        match self.full.front() {
            Some(c) if self.head == c.len() => {
                self.full.pop_front();
                self.head = 0;
            }
            Some(_) => {}
            None if self.head == self.tail.len() => {
                self.tail.clear();
                self.head = 0;
            }
            None => {}
        }
    }

    /// Appends a reading newer than the newest held (an older or equal one is not charted),
    /// letting go of what falls out of the span or the capacity.
    fn push(&mut self, time: DateTime<Utc>, value: f64) {
        let span = chrono::Duration::seconds(HISTORY_SPAN_S);
        let mut expiry = match self.ends {
            Some((_, last)) if time <= last => return,
            Some((expiry, _)) => expiry,
            None => time + span,
        };
        // The oldest goes once it is more than the span before this reading.
        if self.len == HISTORY_CAPACITY || expiry < time {
            if self.len == HISTORY_CAPACITY {
                self.pop_front();
            }
            while self.front().is_some_and(|(t, _)| *t + span < time) {
                self.pop_front();
            }
            expiry = self.front().map_or(time, |(t, _)| *t) + span;
        }
        if self.tail.len() == self.tail.capacity() && !self.tail.is_empty() {
            let size = (self.tail.len() * 2).min(HISTORY_CHUNK);
            let written = std::mem::replace(&mut self.tail, Vec::with_capacity(size));
            self.full.push_back(written);
        } else if self.tail.capacity() == 0 {
            self.tail.reserve_exact(16);
        }
        self.tail.push((time, value));
        self.len += 1;
        self.ends = Some((expiry, time));
    }
}

/// One reading as a sensor last received it.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestReading {
    /// When it was measured.
    pub time: DateTime<Utc>,
    /// The value in the sensor's unit.
    pub value: f64,
    /// Whether it could be used.
    pub quality: Quality,
}

/// A placed model that no object uses (scenery from a model kit).
#[derive(Component, Debug, Clone, PartialEq)]
pub struct Prop {
    /// The model instance id.
    pub model: String,
}

/// Ids to entities for the current site: every lookup by id goes through here.
#[derive(Resource, Debug, Clone, Default)]
pub struct SiteIndex {
    objects: HashMap<String, Entity>,
    sensors: HashMap<String, Entity>,
}

impl SiteIndex {
    /// The entity of an object.
    pub fn object(&self, id: &str) -> Option<Entity> {
        self.objects.get(id).copied()
    }

    /// The entity of a sensor.
    pub fn sensor(&self, id: &str) -> Option<Entity> {
        self.sensors.get(id).copied()
    }

    /// Objects indexed.
    pub fn objects(&self) -> usize {
        self.objects.len()
    }

    /// Sensors indexed.
    pub fn sensors(&self) -> usize {
        self.sensors.len()
    }
}

/// What is wrong with the current site that does not stop it from opening: models it opened
/// without (lenient open), warnings from validation, and models the renderer failed to load.
#[derive(Resource, Debug, Clone, Default)]
pub struct SiteProblems {
    /// Models missing or refused by the guarded import, with where the scene names them.
    pub models: Vec<ModelProblem>,
    /// Validation warnings.
    pub warnings: Vec<SceneIssue>,
    /// Models that passed the guard but that the renderer could not load (or a texture of).
    pub runtime: Vec<RuntimeProblem>,
}

/// A model the renderer could not load, or could load only without one of its files.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeProblem {
    /// The model instance id.
    pub model: String,
    /// The model file.
    pub file: PathBuf,
    /// What went wrong, with the files named as they are on disk.
    pub cause: String,
}

impl SiteProblems {
    /// How many problems there are in all.
    pub fn count(&self) -> usize {
        self.models.len() + self.warnings.len() + self.runtime.len()
    }
}

/// Why the last site asked for could not be opened: on the error screen (`LoadPhase::Failed`)
/// when no site was open, else in a window over the site that stayed open.
#[derive(Resource, Debug, Clone)]
pub struct LoadFailure {
    /// The scene file.
    pub path: PathBuf,
    /// Every problem, positioned as `sitetwin validate` prints them.
    pub errors: SceneErrors,
}

/// Work the `Assets` phase waits for, by name (the view registers its models here): loading
/// advances to the twin once every entry is done. Reset when a site starts loading.
#[derive(Resource, Debug, Clone, Default)]
pub struct LoadReadiness {
    /// (done, total) per kind of work.
    pub work: BTreeMap<&'static str, (usize, usize)>,
}

impl LoadReadiness {
    /// Every registered piece of work is done.
    pub fn ready(&self) -> bool {
        self.work.values().all(|(done, total)| done >= total)
    }

    /// Done and total over all work.
    pub fn progress(&self) -> (usize, usize) {
        self.work.values().fold((0, 0), |(d, t), (dd, tt)| (d + dd.min(tt), t + tt))
    }
}

/// Written once a site's entities exist.
#[derive(Message, Debug, Clone, Copy)]
pub struct SiteSpawned {
    /// Objects spawned.
    pub objects: usize,
    /// Sensors spawned.
    pub sensors: usize,
}

/// Opens sites and spawns their entities.
pub struct SitePlugin;

impl Plugin for SitePlugin {
    fn build(&self, app: &mut App) {
        crate::configure(app);
        app.add_message::<SiteSpawned>()
            .add_message::<SiteOpenRequested>()
            .init_resource::<SiteIndex>()
            .init_resource::<SiteProblems>()
            .init_resource::<LoadReadiness>()
            .init_resource::<SiteCatalog>()
            .init_resource::<ObjectTree>()
            .add_systems(Update, (open::request_open, open::scan_catalog).in_set(TwinSet::Input))
            .add_systems(OnEnter(LoadPhase::Reading), open::begin_reading)
            .add_systems(
                Update,
                open::poll_reading
                    .run_if(in_state(LoadPhase::Reading))
                    .run_if(not(on_message::<SiteOpenRequested>))
                    .in_set(TwinSet::Update),
            )
            .add_systems(OnEnter(LoadPhase::Spawning), (spawn::despawn_old_site, spawn::spawn_site).chain())
            .add_systems(
                Update,
                finish_when_ready
                    .run_if(in_state(LoadPhase::Assets))
                    .run_if(not(on_message::<SiteOpenRequested>))
                    .in_set(TwinSet::Update),
            );
    }
}

/// Keeps a site on its loading screen once its assets are ready, instead of opening the twin
/// (for pictures of the loading screen: `sitetwin snapshot --screen loading`).
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct HoldLoading;

fn finish_when_ready(
    readiness: Res<LoadReadiness>,
    hold: Option<Res<HoldLoading>>,
    mut mode: ResMut<NextState<AppMode>>,
) {
    if readiness.ready() && hold.is_none() {
        mode.set(AppMode::Twin);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use chrono::{DateTime, Duration, Utc};

    use super::{HISTORY_CAPACITY, HISTORY_SPAN_S, History};

    /// The history against the plain ring it replaces, through chunk boundaries, the capacity, the
    /// span, gaps, readings out of order, and emptying.
    #[test]
    fn a_history_keeps_what_a_plain_ring_would() {
        let t0 = DateTime::<Utc>::from_timestamp(1_790_000_000, 0).unwrap_or_default();
        let mut history = History::default();
        let mut ring: VecDeque<(DateTime<Utc>, f64)> = VecDeque::new();
        let push = |h: &mut History, ring: &mut VecDeque<(DateTime<Utc>, f64)>, t: DateTime<Utc>, v: f64| {
            h.push(t, v);
            if ring.back().is_none_or(|(b, _)| t > *b) {
                if ring.len() == HISTORY_CAPACITY {
                    ring.pop_front();
                }
                let oldest = t - Duration::seconds(HISTORY_SPAN_S);
                while ring.front().is_some_and(|(f, _)| *f < oldest) {
                    ring.pop_front();
                }
                ring.push_back((t, v));
            }
        };
        let mut t = t0;
        for i in 0..(HISTORY_CAPACITY + 3000) {
            t += Duration::seconds(1);
            push(&mut history, &mut ring, t, i as f64);
            if i % 997 == 0 {
                // Same time again, and earlier: not charted.
                push(&mut history, &mut ring, t, -1.0);
                push(&mut history, &mut ring, t - Duration::seconds(5), -2.0);
            }
        }
        assert_eq!(history.len(), HISTORY_CAPACITY);
        assert!(history.iter().eq(ring.iter()), "at the capacity");
        // A gap: most of the span falls out at once.
        t += Duration::seconds(HISTORY_SPAN_S - 600);
        push(&mut history, &mut ring, t, 1.0);
        assert_eq!((history.len(), ring.len()), (602, 602), "the 601 s at or after the span's start, and the new one");
        assert!(history.iter().eq(ring.iter()), "after a gap");
        assert_eq!(history.front(), ring.front());
        assert_eq!(history.back(), ring.back());
        let from = t - Duration::seconds(100);
        assert!(history.since(from).eq(ring.iter().filter(|(x, _)| *x >= from)), "since a time");
        assert_eq!(history.since(t + Duration::seconds(1)).count(), 0);
        // A gap longer than the span: only the new reading stays.
        t += Duration::seconds(HISTORY_SPAN_S + 1);
        push(&mut history, &mut ring, t, 2.0);
        assert_eq!(history.iter().collect::<Vec<_>>(), [&(t, 2.0)]);
        assert!(history.iter().eq(ring.iter()));
        for _ in 0..40 {
            t += Duration::seconds(1);
            push(&mut history, &mut ring, t, 3.0);
        }
        assert!(history.iter().eq(ring.iter()), "growing again");
        assert!(History::default().is_empty() && History::default().front().is_none());
    }
}
