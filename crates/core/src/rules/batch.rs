//! A batch of readings (a vendor's export) replayed through the streaming engine: every reading
//! arrives at the batch's arrival time, in file order, and the engine is ticked once at the end of
//! the recording. `sitetwin rules evaluate` prints this report; nothing here re-implements a rule.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Engine, EngineError, Event, Judgement, Level, Quality, RuleSet};
use crate::scene::SiteScene;
use crate::telemetry::Reading;

/// One judged reading and the line it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgedLine {
    /// 1-based line of the readings file.
    pub line: usize,
    /// The verdict.
    pub judgement: Judgement,
}

/// A reading the engine could not judge at all, and its line.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedLine {
    /// 1-based line of the readings file.
    pub line: usize,
    /// Why.
    pub error: EngineError,
}

/// The outcome of a batch: judgements in file order, every event, the sensors that sent nothing,
/// and the readings refused.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchReport {
    /// One per judged reading, in file order.
    pub judgements: Vec<JudgedLine>,
    /// Every event, in the order the engine reported them (the end-of-recording tick last).
    pub events: Vec<Event>,
    /// Scene sensors without a single reading in the batch, in scene order. They are listed here,
    /// not as stale events: the recording's clock starts at its arrival, so no grace has passed.
    pub never_reported: Vec<String>,
    /// Readings of sensors the scene does not have.
    pub rejected: Vec<RejectedLine>,
    /// The end of the recording (the latest reading taken in order), where the engine was ticked.
    pub end: Option<DateTime<Utc>>,
}

/// Counts of a batch for its summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct BatchSummary {
    /// Readings judged (any quality).
    pub judged: usize,
    /// Of them invalid (not judged against a rule).
    pub invalid: usize,
    /// Of them suspect (judged, doubtful).
    pub suspect: usize,
    /// Valid or suspect readings at each level.
    pub normal: usize,
    /// Valid or suspect readings at warning.
    pub warning: usize,
    /// Valid or suspect readings at alarm.
    pub alarm: usize,
    /// Valid or suspect readings at control.
    pub control: usize,
    /// Events reported.
    pub events: usize,
}

/// Replays `readings` (with their file lines, in file order) through a fresh engine for `scene`:
/// each arrives at `arrived_at` (so timestamps after it, beyond the tolerance, are invalid), and
/// the engine is ticked at the latest reading time, the end of the recording, to report the
/// silences and dust hours complete by then.
pub fn evaluate_batch(
    scene: &SiteScene,
    rules: Arc<RuleSet>,
    readings: &[(usize, Reading)],
    arrived_at: DateTime<Utc>,
) -> BatchReport {
    let mut engine = Engine::new(scene, rules);
    let mut judgements = Vec::new();
    let mut events = Vec::new();
    let mut rejected = Vec::new();
    for (line, r) in readings {
        match engine.ingest(r, arrived_at) {
            Ok(ingested) => {
                judgements.push(JudgedLine { line: *line, judgement: ingested.judgement });
                events.extend(ingested.events);
            }
            Err(error) => rejected.push(RejectedLine { line: *line, error }),
        }
    }
    let end = engine.statuses().filter_map(|s| s.last_seen).max();
    if let Some(end) = end {
        events.extend(engine.tick(end));
    }
    let never_reported = engine.never_reported().into_iter().map(String::from).collect();
    BatchReport { judgements, events, never_reported, rejected, end }
}

impl BatchReport {
    /// The counts for a summary line.
    pub fn summary(&self) -> BatchSummary {
        let mut s = BatchSummary { judged: self.judgements.len(), events: self.events.len(), ..Default::default() };
        for j in &self.judgements {
            match &j.judgement.quality {
                Quality::Invalid(_) => {
                    s.invalid += 1;
                    continue;
                }
                Quality::Suspect(_) => s.suspect += 1,
                Quality::Valid => {}
            }
            match j.judgement.level {
                Level::Normal => s.normal += 1,
                Level::Warning => s.warning += 1,
                Level::Alarm => s.alarm += 1,
                Level::Control => s.control += 1,
            }
        }
        s
    }
}
