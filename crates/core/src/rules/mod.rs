//! The safety rules of the standards, as tested, configurable code: alarm levels for every
//! monitored quantity, data quality, the alarm lifecycle, major-hazard classification, JGJ 59
//! scoring and stoppage. The viewer, the gateway, the patrol planner and the bureau view all judge
//! a site through this module, so they agree. `compliance` checks what a scene declares (static
//! rules) before any reading arrives.

pub mod alarm;
mod batch;
/// Threshold lines for a sensor's history chart, from the limits the engine judges by.
pub mod chart;
pub mod compliance;
mod config;
mod engine;
pub(crate) use engine::Num;
pub mod hazard;
pub mod jgj59;
mod levels;
pub mod stoppage;
/// The danger zones drawn around live work (fall radius, pit edge band).
pub mod zones;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use batch::{BatchReport, BatchSummary, JudgedLine, RejectedLine, evaluate_batch};
pub use config::{
    Confidence, CraneRules, DustRules, EdgeRules, FormworkRules, GeneralRules, HoistRules, NoiseRules, PitLimit,
    PitRules, PowerRules, RULE_SOURCES, RuleSet, RuleSource,
};
pub use engine::{Engine, EngineError, Ingested, Judged, SensorStatus, Verdict, Words};
pub use levels::{Bound, Threshold, level_with_hysteresis};

/// How serious a judgement is. Ordered: `Normal < Warning < Alarm < Control`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub enum Level {
    /// Within limits.
    #[default]
    Normal,
    /// Pre-warning (预警).
    Warning,
    /// Alarm (报警).
    Alarm,
    /// Control / cut-off (控制): the machine must already have stopped.
    Control,
}

impl Level {
    /// Lower-case name for output.
    pub fn name(self) -> &'static str {
        match self {
            Level::Normal => "normal",
            Level::Warning => "warning",
            Level::Alarm => "alarm",
            Level::Control => "control",
        }
    }

    /// The rule-id suffix of this level.
    pub fn suffix(self) -> &'static str {
        self.name()
    }
}

/// Whether a reading can be trusted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Quality {
    /// Use it.
    Valid,
    /// Used, but doubtful (HJ 212 flags T and B).
    Suspect(String),
    /// Not used for alarms (NaN, out of range, bad flag, out of order, in the future).
    Invalid(String),
}

impl Quality {
    /// Output name: `valid`, `suspect` or `invalid`.
    pub fn name(&self) -> &'static str {
        match self {
            Quality::Valid => "valid",
            Quality::Suspect(_) => "suspect",
            Quality::Invalid(_) => "invalid",
        }
    }
}

/// The verdict on one reading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgement {
    /// Sensor id.
    pub sensor: String,
    /// Reading time.
    pub time: DateTime<Utc>,
    /// The value as read.
    pub value: f64,
    /// The sensor's unit.
    pub unit: String,
    /// Level (Normal for invalid readings: they are not judged).
    pub level: Level,
    /// Data quality.
    pub quality: Quality,
    /// The rule that set the level (`crane.load.alarm`), if any.
    pub rule: Option<String>,
    /// What was found, in words.
    pub message: String,
}

/// What happened, as past-tense facts: the engine reports them as readings arrive and as time
/// passes; the alarm book, the gateway and the twin consume them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Event {
    /// A sensor's level rose from normal.
    AlarmRaised {
        /// Sensor id.
        sensor: String,
        /// Rule id.
        rule: String,
        /// New level.
        level: Level,
        /// Measuring time of the reading that raised it.
        time: DateTime<Utc>,
        /// What was found.
        message: String,
    },
    /// A raised level changed (up or down) while still above normal.
    AlarmLevelChanged {
        /// Sensor id.
        sensor: String,
        /// Rule id now in force.
        rule: String,
        /// Old level.
        from: Level,
        /// New level.
        to: Level,
        /// Measuring time of the reading that changed it.
        time: DateTime<Utc>,
        /// What was found.
        message: String,
    },
    /// The condition went back to normal.
    AlarmCleared {
        /// Sensor id.
        sensor: String,
        /// The rule that had been in force.
        rule: String,
        /// Measuring time of the reading that cleared it.
        time: DateTime<Utc>,
    },
    /// A reading was found invalid (not judged) or suspect (judged, doubtful).
    DataQuality {
        /// Sensor id.
        sensor: String,
        /// The reading's measuring time.
        time: DateTime<Utc>,
        /// The value as read (null in JSON when it was missing or NaN).
        value: f64,
        /// The finding, with its reason.
        quality: Quality,
        /// The data-quality rule that found it (`quality.flag.invalid`, `quality.range`, ...).
        rule: String,
    },
    /// A sensor went silent for longer than its stale threshold, or never reported within the
    /// grace period after the engine started. Reported once per silence.
    Stale {
        /// Sensor id.
        sensor: String,
        /// Measuring time of its last reading, if it ever sent one.
        last: Option<DateTime<Utc>>,
        /// When the silence was noticed: the tick, or the reading that ended an unreported one.
        noticed: DateTime<Utc>,
        /// How long it had been silent (or the engine running, if it never reported), seconds.
        silent_s: f64,
    },
    /// A clock hour of a dust sensor was closed and its mean judged.
    HourlyMean {
        /// Sensor id.
        sensor: String,
        /// Start of the hour.
        hour: DateTime<Utc>,
        /// Mean of the valid readings, µg/m³.
        mean: f64,
        /// Valid readings in the hour.
        readings: usize,
        /// Share of the hour the valid readings cover (0–1), one expected interval each.
        coverage: f64,
        /// Enough of the hour was covered for the mean to count.
        complete: bool,
        /// Level (Normal when incomplete).
        level: Level,
        /// Rule id.
        rule: String,
    },
    /// Dust suppression spraying was requested.
    SprayRequested {
        /// Sensor id.
        sensor: String,
        /// Measuring time of the reading that triggered it.
        time: DateTime<Utc>,
        /// For how long, minutes.
        minutes: f64,
    },
}
