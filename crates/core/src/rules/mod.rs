//! The safety rules of the standards, as tested, configurable code: alarm levels for every
//! monitored quantity, data quality, the alarm lifecycle, major-hazard classification, JGJ 59
//! scoring and stoppage. The viewer, the gateway, the patrol planner and the bureau view all judge
//! a site through this module, so they agree. `compliance` checks what a scene declares (static
//! rules) before any reading arrives.

pub mod alarm;
pub mod compliance;
mod config;
mod engine;
pub mod hazard;
pub mod jgj59;
mod levels;
pub mod stoppage;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use config::{
    Confidence, CraneRules, DustRules, FormworkRules, GeneralRules, HoistRules, NoiseRules, PitLimit, PitRules,
    PowerRules, RULE_SOURCES, RuleSet, RuleSource,
};
pub use engine::{Engine, EngineError};
pub use levels::{Direction, level_with_hysteresis};

/// How serious a judgement is. Ordered: `Normal < Warning < Alarm < Control`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
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

/// Things that happen as readings arrive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Event {
    /// A sensor's level rose from normal.
    Raised {
        /// Sensor id.
        sensor: String,
        /// Rule id.
        rule: String,
        /// New level.
        level: Level,
        /// When.
        time: DateTime<Utc>,
        /// What was found.
        message: String,
    },
    /// A raised level changed (up or down) while still above normal.
    LevelChanged {
        /// Sensor id.
        sensor: String,
        /// Rule id now in force.
        rule: String,
        /// Old level.
        from: Level,
        /// New level.
        to: Level,
        /// When.
        time: DateTime<Utc>,
    },
    /// The condition went back to normal.
    Cleared {
        /// Sensor id.
        sensor: String,
        /// The rule that had been in force.
        rule: String,
        /// When.
        time: DateTime<Utc>,
    },
    /// A sensor went silent for longer than its stale threshold.
    Stale {
        /// Sensor id.
        sensor: String,
        /// Its last reading, if it ever sent one.
        last: Option<DateTime<Utc>>,
        /// When the silence was noticed (a later reading, or the end of the batch).
        noticed: DateTime<Utc>,
        /// How long it was silent, seconds.
        silent_s: f64,
    },
    /// An hourly mean was judged (dust).
    HourlyMean {
        /// Sensor id.
        sensor: String,
        /// Start of the hour.
        hour: DateTime<Utc>,
        /// Mean of the valid readings.
        mean: f64,
        /// Valid readings in the hour.
        readings: usize,
        /// Enough of the hour was covered for the mean to count.
        complete: bool,
        /// Level.
        level: Level,
        /// Rule id.
        rule: String,
    },
    /// Dust suppression spraying should start.
    SprayRequested {
        /// Sensor id.
        sensor: String,
        /// When.
        time: DateTime<Utc>,
        /// For how long, minutes.
        minutes: f64,
    },
}
