//! Scenario files (`scenes/scenarios/<name>.ron`): when the simulated period starts and how long
//! it runs, whether the site is stopped, and the timed events that disturb the normal signals.
//! Read through `rondoc`, so every problem names the file, its line and column and the field.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::rondoc::{self, DocDecoder, FieldPath, PathIndex, Pos, Sink};
use crate::rules::stoppage::{SiteStoppage, StopReason};
use crate::telemetry::{CHINA_STANDARD_TIME_S, parse_time};

/// The longest period a scenario may run, hours.
const MAX_DURATION_H: f64 = 87_600.0;

/// A simulated period of a site: the normal working rhythm plus the events of the scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name (the file's stem by convention).
    pub name: String,
    /// What it shows, in words.
    pub description: String,
    /// When the period starts.
    pub start: DateTime<Utc>,
    /// How long it runs, hours.
    pub duration_h: f64,
    /// The site is stopped (停工) during the period, from the stoppage's date.
    pub stoppage: Option<ScenarioStoppage>,
    /// Events, in file order.
    pub events: Vec<TimedEvent>,
    /// The file it was read from (messages name it).
    pub file: PathBuf,
    /// Positions of its values, for messages about events that do not fit a scene.
    index: PathIndex,
}

/// The stoppage a scenario's site is under.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioStoppage {
    /// Why, e.g. `PollutionAlert(level: II, exemptions: [])`.
    pub reason: StopReason,
    /// Since when, `"YYYY-MM-DD"`; the site stops at local midnight of that day.
    #[serde(with = "iso_date")]
    pub since: NaiveDate,
    /// Who ordered it.
    pub ordered_by: String,
    /// Notes.
    #[serde(default)]
    pub note: String,
}

/// One event of a scenario.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimedEvent {
    /// When it starts, hours after the scenario's start.
    pub at_h: f64,
    /// What happens.
    pub event: EventKind,
    /// Ids of what it happens to (cranes, hoists, sensors or boxes, see [`EventKind`]); empty:
    /// the first fitting one of the scene (the n-th untargeted event of a kind: the n-th).
    #[serde(default)]
    pub targets: Vec<String>,
}

/// What an event does. Durations run from the event's `at_h`; "the target" is the event's first
/// target id, or the first fitting object of the scene.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum EventKind {
    /// The target crane's next lift after `at_h` hangs a load of `peak_pct` of the rated load,
    /// at the radius of the crane's rated moment (so load and moment both reach it).
    CraneOverload {
        /// Load, % of rated.
        peak_pct: f64,
    },
    /// A gust front: the wind rises to `peak_m_s` at the target anemometer (a WindSpeed
    /// sensor) and falls again; every anemometer sees it scaled by its height.
    Gust {
        /// Peak at the target anemometer, m/s.
        peak_m_s: f64,
        /// How long, minutes.
        duration_min: f64,
    },
    /// Two cranes (targets: two ids) slew their jibs towards each other until they are less
    /// than 1.5 m apart in plan, hold there for `duration_min`, then work on.
    CloseApproach {
        /// How long they stay that close, minutes.
        duration_min: f64,
    },
    /// The target crane's mast leans to `peak_deg` and back.
    CraneTilt {
        /// Tilt, degrees.
        peak_deg: f64,
        /// How long, minutes.
        duration_min: f64,
    },
    /// The target crane's slew brake is locked while parked: it cannot weathervane.
    SlewBrakeLocked {
        /// Until when (hours after the start); absent: to the end.
        #[serde(default)]
        until_h: Option<f64>,
    },
    /// The target hoist's next trip after `at_h` carries `peak_pct` of the rated load.
    HoistOverload {
        /// Load, % of rated.
        peak_pct: f64,
    },
    /// The target hoist's door interlock reads 0 (not locked).
    HoistDoorOpen {
        /// How long, minutes.
        duration_min: f64,
    },
    /// The target hoist's limit switch reads 1 (tripped).
    HoistLimitTrip {
        /// How long, minutes.
        duration_min: f64,
    },
    /// The target pit point (a displacement sensor) creeps to `to_mm` over `duration_h`, its
    /// rate climbing steadily, and keeps moving at the rate it reached.
    PitCreep {
        /// The size of the cumulative value reached, mm.
        to_mm: f64,
        /// How long the rate climbs, hours.
        duration_h: f64,
    },
    /// Groundwater outside the pit falls steadily by `drop_mm` over `duration_h` (water
    /// leaking through the retaining wall), and keeps falling at that rate. The target is a
    /// GroundwaterLevel sensor.
    Drawdown {
        /// How far it falls over the duration, mm.
        drop_mm: f64,
        /// How long, hours.
        duration_h: f64,
    },
    /// The target strut's axial force rises to `peak_pct` of its design force over
    /// `duration_h` and stays.
    StrutForceRise {
        /// Force, % of design.
        peak_pct: f64,
        /// How long it rises, hours.
        duration_h: f64,
    },
    /// Concrete is poured on the target formwork (a high-formwork zone or full-hall support):
    /// settlement, displacement, tilt and post force rise over the pour and stay. With
    /// `exceed`, they end past the default alarm values.
    Pour {
        /// How long the pour takes, hours.
        duration_h: f64,
        /// End past the alarm values.
        #[serde(default)]
        exceed: bool,
    },
    /// Dust from earthworks at the target dust monitor: PM10 rises to `peak_pm10_ug_m3` (PM2.5
    /// and TSP in proportion) and falls again.
    DustSpike {
        /// Peak PM10, µg/m³.
        peak_pm10_ug_m3: f64,
        /// How long, minutes.
        duration_min: f64,
    },
    /// Loud work at the target noise monitor (by night: work at night): the level holds about
    /// `leq_db`, with one reading of `peak_db` in the middle.
    NoisyWork {
        /// The level while it lasts, dB(A).
        leq_db: f64,
        /// How long, minutes.
        duration_min: f64,
        /// One reading this loud in the middle, dB(A).
        #[serde(default)]
        peak_db: Option<f64>,
    },
    /// An insulation fault: the target box's residual current rises to `peak_ma` and falls.
    Leakage {
        /// Residual current, mA.
        peak_ma: f64,
        /// How long, minutes.
        duration_min: f64,
    },
    /// The target box's first RCD test at or after `at_h` takes `trip_s`.
    RcdSlowTrip {
        /// Trip time, seconds.
        trip_s: f64,
    },
    /// The target box's cabinet heats to `peak_c` and cools again (a loose terminal).
    CabinetHeat {
        /// Temperature, °C.
        peak_c: f64,
        /// How long, minutes.
        duration_min: f64,
    },
    /// The target object's edge or opening protection (its EdgeProtection switches) is taken
    /// away for a while: the switches read 0.
    EdgeRemoved {
        /// How long, minutes.
        duration_min: f64,
    },
    /// The target object's sprays (its SprayState sensors) fail: they stay off whatever the dust
    /// rule asks.
    SprayFault {
        /// How long, minutes.
        duration_min: f64,
    },
    /// A crew of `people` comes in through the gates (on a stopped site: more than its duty
    /// crew), stays and leaves; arriving and leaving take 15 min each.
    CrewOnStoppedSite {
        /// People, on top of those on site.
        people: f64,
        /// How long they stay, hours (from the first arrival to the last departure).
        duration_h: f64,
    },
    /// The target sensor sends nothing from `at_h`.
    SensorDark {
        /// Until when (hours after the start); absent: to the end.
        #[serde(default)]
        until_h: Option<f64>,
    },
}

impl EventKind {
    /// The variant's name, as written in files.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::CraneOverload { .. } => "CraneOverload",
            EventKind::Gust { .. } => "Gust",
            EventKind::CloseApproach { .. } => "CloseApproach",
            EventKind::CraneTilt { .. } => "CraneTilt",
            EventKind::SlewBrakeLocked { .. } => "SlewBrakeLocked",
            EventKind::HoistOverload { .. } => "HoistOverload",
            EventKind::HoistDoorOpen { .. } => "HoistDoorOpen",
            EventKind::HoistLimitTrip { .. } => "HoistLimitTrip",
            EventKind::PitCreep { .. } => "PitCreep",
            EventKind::Drawdown { .. } => "Drawdown",
            EventKind::StrutForceRise { .. } => "StrutForceRise",
            EventKind::Pour { .. } => "Pour",
            EventKind::DustSpike { .. } => "DustSpike",
            EventKind::NoisyWork { .. } => "NoisyWork",
            EventKind::Leakage { .. } => "Leakage",
            EventKind::RcdSlowTrip { .. } => "RcdSlowTrip",
            EventKind::CabinetHeat { .. } => "CabinetHeat",
            EventKind::SensorDark { .. } => "SensorDark",
            EventKind::EdgeRemoved { .. } => "EdgeRemoved",
            EventKind::SprayFault { .. } => "SprayFault",
            EventKind::CrewOnStoppedSite { .. } => "CrewOnStoppedSite",
        }
    }

    /// How many target ids it takes.
    pub fn max_targets(&self) -> usize {
        match self {
            EventKind::CloseApproach { .. } => 2,
            EventKind::CrewOnStoppedSite { .. } => 0,
            _ => 1,
        }
    }

    /// Its numeric parameters with their field names and what each must be.
    fn params(&self) -> Vec<(&'static str, f64, Check)> {
        use Check::*;
        use EventKind::*;
        match self {
            CraneOverload { peak_pct } | HoistOverload { peak_pct } => vec![("peak_pct", *peak_pct, Positive)],
            Gust { peak_m_s, duration_min } => {
                vec![("peak_m_s", *peak_m_s, Positive), ("duration_min", *duration_min, Positive)]
            }
            CloseApproach { duration_min }
            | HoistDoorOpen { duration_min }
            | HoistLimitTrip { duration_min }
            | EdgeRemoved { duration_min }
            | SprayFault { duration_min } => vec![("duration_min", *duration_min, Positive)],
            CrewOnStoppedSite { people, duration_h } => {
                vec![("people", *people, Positive), ("duration_h", *duration_h, Positive)]
            }
            CraneTilt { peak_deg, duration_min } => {
                vec![("peak_deg", *peak_deg, Finite), ("duration_min", *duration_min, Positive)]
            }
            SlewBrakeLocked { until_h } | SensorDark { until_h } => {
                until_h.iter().map(|u| ("until_h", *u, AfterStart)).collect()
            }
            PitCreep { to_mm, duration_h } => vec![("to_mm", *to_mm, Positive), ("duration_h", *duration_h, Positive)],
            Drawdown { drop_mm, duration_h } => {
                vec![("drop_mm", *drop_mm, Positive), ("duration_h", *duration_h, Positive)]
            }
            StrutForceRise { peak_pct, duration_h } => {
                vec![("peak_pct", *peak_pct, Positive), ("duration_h", *duration_h, Positive)]
            }
            Pour { duration_h, .. } => vec![("duration_h", *duration_h, Positive)],
            DustSpike { peak_pm10_ug_m3, duration_min } => {
                vec![("peak_pm10_ug_m3", *peak_pm10_ug_m3, Positive), ("duration_min", *duration_min, Positive)]
            }
            NoisyWork { leq_db, duration_min, peak_db } => {
                let mut v = vec![("leq_db", *leq_db, Positive), ("duration_min", *duration_min, Positive)];
                v.extend(peak_db.iter().map(|p| ("peak_db", *p, Positive)));
                v
            }
            Leakage { peak_ma, duration_min } => {
                vec![("peak_ma", *peak_ma, Positive), ("duration_min", *duration_min, Positive)]
            }
            RcdSlowTrip { trip_s } => vec![("trip_s", *trip_s, Positive)],
            CabinetHeat { peak_c, duration_min } => {
                vec![("peak_c", *peak_c, Finite), ("duration_min", *duration_min, Positive)]
            }
        }
    }
}

/// What a numeric parameter must be.
#[derive(Clone, Copy)]
enum Check {
    Finite,
    Positive,
    /// A time after the event's `at_h`.
    AfterStart,
}

/// One problem with a scenario file, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioIssue {
    /// The scenario file.
    pub file: PathBuf,
    /// Line and column, when known.
    pub pos: Option<Pos>,
    /// The field path (`events[3].event.peak_pct`).
    pub path: FieldPath,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScenarioIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(p) = self.pos {
            write!(f, ":{}:{}", p.line, p.column)?;
        }
        write!(f, ": error: {}: {}", self.path, self.message)
    }
}

/// Every problem found in a scenario, or in fitting it to a scene.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ScenarioErrors {
    /// The problems, in file order.
    pub issues: Vec<ScenarioIssue>,
}

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in &self.issues {
            writeln!(f, "{i}")?;
        }
        let n = self.issues.len();
        write!(f, "{n} error{} in the scenario", if n == 1 { "" } else { "s" })
    }
}

/// `scenes/scenarios/<name>.ron` under the scenes folder.
pub fn scenario_file(scenes_dir: &Path, name: &str) -> PathBuf {
    scenes_dir.join("scenarios").join(format!("{name}.ron"))
}

/// The names of the scenarios in `scenes/scenarios/`, sorted (for `--help` and errors).
pub fn builtin_names(scenes_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(scenes_dir.join("scenarios")) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

impl Scenario {
    /// Reads a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioErrors {
            issues: vec![ScenarioIssue {
                file: path.to_path_buf(),
                pos: None,
                path: FieldPath::root(),
                message: format!("cannot read the scenario file: {e}"),
            }],
        })?;
        Scenario::parse(&text, path)
    }

    /// Parses scenario text; `file` names it in messages. Reports every problem at once.
    pub fn parse(text: &str, file: &Path) -> Result<Scenario, ScenarioErrors> {
        let issue = |pos, path, message| ScenarioIssue { file: file.to_path_buf(), pos, path, message };
        let fail = |issues| Err(ScenarioErrors { issues });
        let root = match rondoc::parse(text) {
            Ok(r) => r,
            Err(e) => return fail(vec![issue(Some(e.pos), FieldPath::root(), e.message)]),
        };
        let mut d = match DocDecoder::new(&root, "Scenario") {
            Ok(d) => d,
            Err(e) => return fail(vec![issue(e.pos, e.path, e.message)]),
        };
        let name: Option<String> = d.required("name");
        let description: String = d.optional("description");
        let start: Option<String> = d.required("start");
        let duration_h: Option<f64> = d.required("duration_h");
        let stoppage: Option<ScenarioStoppage> = d.optional("stoppage");
        // Marks `events` as read and checks it is a list; its elements are decoded below, each
        // with its index, so that a bad one does not shift the paths of those after it.
        let _: Vec<IgnoredAny> = d.list("events");
        let root_path = FieldPath::root();
        let sink = Sink::default();
        let mut errors = d.finish();
        let mut events = Vec::new();
        for (i, node) in event_nodes(&root).iter().enumerate() {
            match rondoc::from_node::<TimedEvent>(node, &root_path.field("events").index(i), &sink) {
                Ok(e) => events.push((i, e)),
                Err(e) => errors.push(e),
            }
        }
        errors.extend(sink.borrow().iter().cloned());
        let mut issues: Vec<ScenarioIssue> = errors.into_iter().map(|e| issue(e.pos, e.path, e.message)).collect();
        let index = PathIndex::build(&root);
        let mut at = |path: FieldPath, message: String| {
            issues.push(issue(index.find(&path), path, message));
        };
        let start = start.and_then(|s| {
            let t = parse_time(&s, CHINA_STANDARD_TIME_S);
            if t.is_none() {
                at(
                    root_path.field("start"),
                    format!(
                        "expected a time written \"YYYY-MM-DD HH:MM[:SS]\" (China standard time) or RFC 3339, found \"{s}\""
                    ),
                );
            }
            t
        });
        if let Some(h) = duration_h
            && !(h > 0.0 && h <= MAX_DURATION_H)
        {
            at(
                root_path.field("duration_h"),
                format!("must be a positive number of hours up to {MAX_DURATION_H} (ten years), found {h}"),
            );
        }
        if let Some(s) = &stoppage
            && s.ordered_by.trim().is_empty()
        {
            at(root_path.field("stoppage").field("ordered_by"), "who ordered the stoppage must be named".into());
        }
        for (i, e) in &events {
            let i = *i;
            let path = root_path.field("events").index(i);
            if !(e.at_h.is_finite() && e.at_h >= 0.0) {
                at(path.field("at_h"), format!("must be a number of hours ≥ 0, found {}", e.at_h));
            } else if let Some(h) = duration_h.filter(|h| e.at_h >= *h) {
                at(path.field("at_h"), format!("{} h is past the scenario's end (duration_h: {h})", e.at_h));
            }
            for (field, v, check) in e.event.params() {
                let bad = match check {
                    Check::Finite => (!v.is_finite()).then(|| format!("must be a number, found {v}")),
                    Check::Positive => {
                        (!(v.is_finite() && v > 0.0)).then(|| format!("must be a positive number, found {v}"))
                    }
                    Check::AfterStart => (!(v.is_finite() && v > e.at_h))
                        .then(|| format!("must be a time after the event's at_h ({} h), found {v}", e.at_h)),
                };
                if let Some(message) = bad {
                    at(path.field("event").field(field), message);
                }
            }
            let max = e.event.max_targets();
            if e.targets.len() > max {
                at(
                    path.field("targets").index(max),
                    format!(
                        "{} takes {max} target{}, found {}",
                        e.event.name(),
                        if max == 1 { "" } else { "s" },
                        e.targets.len()
                    ),
                );
            }
        }
        issues.sort_by_key(|i| i.pos);
        match (name, start, duration_h) {
            (Some(name), Some(start), Some(duration_h)) if issues.is_empty() => Ok(Scenario {
                name,
                description,
                start,
                duration_h,
                stoppage,
                events: events.into_iter().map(|(_, e)| e).collect(),
                file: file.to_path_buf(),
                index,
            }),
            _ => fail(issues),
        }
    }

    /// A scenario made in code rather than read from a file (a city's generated day for one
    /// site): `origin` names it in messages. The simulator checks its events against the scene
    /// as it does a file's; the parameter checks of [`Scenario::parse`] are the caller's.
    pub fn built(
        name: &str,
        start: DateTime<Utc>,
        duration_h: f64,
        stoppage: Option<ScenarioStoppage>,
        events: Vec<TimedEvent>,
        origin: &Path,
    ) -> Scenario {
        Scenario {
            name: name.into(),
            description: String::new(),
            start,
            duration_h: duration_h.clamp(0.0, MAX_DURATION_H),
            stoppage,
            events,
            file: origin.to_path_buf(),
            index: PathIndex::default(),
        }
    }

    /// The site's stoppage state: operating, or stopped as the scenario says.
    pub fn site_stoppage(&self) -> SiteStoppage {
        let mut s = SiteStoppage::default();
        if let Some(st) = &self.stoppage {
            // `parse` checked the name, the one thing `stop` refuses on an operating site.
            let stopped = s.stop(st.reason.clone(), st.since, &st.ordered_by, &st.note);
            debug_assert!(stopped.is_ok(), "{stopped:?}");
        }
        s
    }

    /// An issue about event `i`'s value at `field` (`targets[1]`, `event.peak_pct`), positioned.
    pub(crate) fn event_issue(&self, i: usize, field: &str, message: String) -> ScenarioIssue {
        let mut path = FieldPath::root().field("events").index(i);
        path.0.extend(FieldPath::parse(field).0);
        ScenarioIssue { file: self.file.clone(), pos: self.index.find(&path), path, message }
    }
}

/// The written elements of the document's `events` list (none when it is absent or not a list).
fn event_nodes(root: &rondoc::Node) -> &[rondoc::Node] {
    let rondoc::Value::Struct { fields, .. } = &root.value else { return &[] };
    match fields.iter().find(|(k, _)| k.name == "events").map(|(_, v)| &v.value) {
        Some(rondoc::Value::List(items)) => items,
        _ => &[],
    }
}

/// A calendar date as the string `"YYYY-MM-DD"`.
mod iso_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, de};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(d)?;
        NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
            de::Error::custom(format!("expected a calendar date written \"YYYY-MM-DD\", found \"{text}\""))
        })
    }
}
