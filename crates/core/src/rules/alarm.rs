//! The alarm lifecycle: raised → acknowledged → dispatched (to a named person) → closed (with a
//! note), with an audit trail of who did what and when, escalation of alarms nobody acknowledges
//! in time, and a new alarm when a closed condition returns. A pure state machine: the gateway and
//! the viewer drive it; an illegal step is refused with the state left as it was.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Event, Level};

/// Where an alarm is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlarmStatus {
    /// Raised, nobody has acknowledged it.
    Raised,
    /// Someone has seen it.
    Acknowledged,
    /// Sent to a named person to deal with.
    Dispatched,
    /// Dealt with, with a note.
    Closed,
}

/// What happened to an alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AuditAction {
    /// The rule fired.
    Raised {
        /// Level.
        level: Level,
    },
    /// The level changed while open.
    LevelChanged {
        /// Old level.
        from: Level,
        /// New level.
        to: Level,
    },
    /// The measured condition went back to normal.
    ConditionCleared,
    /// Acknowledged.
    Acknowledged,
    /// Dispatched to someone.
    Dispatched {
        /// The person responsible.
        to: String,
    },
    /// Not acknowledged in time: escalated (1 = first escalation).
    Escalated {
        /// Escalation step.
        step: u32,
    },
    /// Closed.
    Closed,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (`system` for the rules and escalation).
    pub who: String,
    /// What.
    pub action: AuditAction,
    /// A note, where one was given.
    pub note: Option<String>,
}

/// One alarm.
/// What raised an alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AlarmSource {
    /// A sensor's level: later level changes and the clearing of the condition belong to it.
    #[default]
    Level,
    /// A closed hour's mean (dust): a verdict on the past, with no condition to clear.
    HourlyMean,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// Unique in its book.
    pub id: u64,
    /// Sensor id.
    pub sensor: String,
    /// Rule id that raised it.
    pub rule: String,
    /// Current level.
    pub level: Level,
    /// Highest level reached.
    pub peak: Level,
    /// When it was raised.
    pub raised_at: DateTime<Utc>,
    /// Where it is in its life.
    pub status: AlarmStatus,
    /// Who it is dispatched to.
    pub assignee: Option<String>,
    /// The condition is still measured.
    pub condition_active: bool,
    /// Escalations so far.
    pub escalations: u32,
    /// What raised it (stored alarms without the field were raised by a level).
    #[serde(default)]
    pub source: AlarmSource,
    /// Everything that happened, in order.
    pub audit: Vec<AuditEntry>,
}

/// Why a lifecycle step was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlarmError {
    /// No such alarm.
    #[error("no alarm #{0}")]
    NotFound(u64),
    /// The step is not allowed from the alarm's status.
    #[error("alarm #{id} is {status:?}: it cannot be {action}")]
    Illegal {
        /// Alarm id.
        id: u64,
        /// Its status (unchanged).
        status: AlarmStatus,
        /// The refused step.
        action: &'static str,
    },
    /// Closing while the sensor still measures the condition.
    #[error("alarm #{0}: the condition is still measured; it can be closed once it has cleared")]
    StillActive(u64),
    /// A person's name is needed.
    #[error("a person's name is required")]
    NoName,
    /// Closing needs a note.
    #[error("closing an alarm requires a note saying what was done")]
    NoNote,
    /// Steps must not go back in time.
    #[error("alarm #{id}: {at} is before its last entry ({last})")]
    TimeGoesBack {
        /// Alarm id.
        id: u64,
        /// The refused time.
        at: DateTime<Utc>,
        /// Its last audit time.
        last: DateTime<Utc>,
    },
}

/// All alarms of a site.
#[derive(Debug, Clone, Serialize)]
pub struct AlarmBook {
    alarms: Vec<Alarm>,
    next_id: u64,
    #[serde(skip)]
    acknowledge_within: Duration,
    /// Indices (into `alarms`) of each sensor's alarms not closed, oldest first: what events and
    /// escalation look at, so that a long history of closed alarms costs nothing.
    #[serde(skip)]
    open: HashMap<String, Vec<usize>>,
}

impl AlarmBook {
    /// An empty book; alarms not acknowledged within `acknowledge_within` escalate.
    pub fn new(acknowledge_within: Duration) -> Self {
        Self { alarms: Vec::new(), next_id: 1, acknowledge_within, open: HashMap::new() }
    }

    /// A book holding alarms read back from a store (any order, closed ones may be left out);
    /// new alarms are numbered after `last_id` and the highest id among them.
    pub fn restore(mut alarms: Vec<Alarm>, last_id: u64, acknowledge_within: Duration) -> Self {
        alarms.sort_by_key(|a| a.id);
        alarms.dedup_by_key(|a| a.id);
        let next_id = alarms.last().map_or(1, |a| a.id + 1).max(last_id + 1);
        let mut open: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, a) in alarms.iter().enumerate().filter(|(_, a)| a.status != AlarmStatus::Closed) {
            open.entry(a.sensor.clone()).or_default().push(i);
        }
        Self { alarms, next_id, acknowledge_within, open }
    }

    /// Every alarm, oldest first.
    pub fn all(&self) -> &[Alarm] {
        &self.alarms
    }

    /// Alarms not closed.
    pub fn open(&self) -> impl Iterator<Item = &Alarm> {
        let mut at: Vec<usize> = self.open.values().flatten().copied().collect();
        at.sort_unstable();
        at.into_iter().map(|i| &self.alarms[i])
    }

    /// Forgets the closed alarms (a store keeps them): what the book holds stays the size of
    /// what is open, however long it runs.
    pub fn forget_closed(&mut self) {
        self.alarms.retain(|a| a.status != AlarmStatus::Closed);
        self.open.clear();
        for (i, a) in self.alarms.iter().enumerate() {
            self.open.entry(a.sensor.clone()).or_default().push(i);
        }
    }

    /// How many alarms are not closed.
    pub fn open_count(&self) -> usize {
        self.open.values().map(Vec::len).sum()
    }

    /// Where alarm `id` is (ids rise with the index).
    fn index_of(&self, id: u64) -> Option<usize> {
        self.alarms.binary_search_by_key(&id, |a| a.id).ok()
    }

    /// One alarm.
    pub fn get(&self, id: u64) -> Option<&Alarm> {
        self.index_of(id).map(|i| &self.alarms[i])
    }

    /// The sensor's newest open alarm raised by its level (hourly-mean alarms are verdicts of
    /// their own: level changes and clearing never reach them).
    fn open_for(&mut self, sensor: &str) -> Option<&mut Alarm> {
        let alarms = &self.alarms;
        let i = *self.open.get(sensor)?.iter().rev().find(|&&i| alarms[i].source == AlarmSource::Level)?;
        Some(&mut self.alarms[i])
    }

    fn raise(
        &mut self,
        sensor: &str,
        rule: &str,
        level: Level,
        at: DateTime<Utc>,
        source: AlarmSource,
        note: Option<String>,
    ) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.open.entry(sensor.to_string()).or_default().push(self.alarms.len());
        self.alarms.push(Alarm {
            id,
            sensor: sensor.to_string(),
            rule: rule.to_string(),
            level,
            peak: level,
            raised_at: at,
            status: AlarmStatus::Raised,
            assignee: None,
            condition_active: source == AlarmSource::Level,
            escalations: 0,
            source,
            audit: vec![AuditEntry { at, who: "system".into(), action: AuditAction::Raised { level }, note }],
        });
        id
    }

    /// Feeds a rule-engine event; returns the ids of alarms raised or changed. Level events
    /// drive the open alarm of their sensor; an hourly mean over its limit raises an alarm whose
    /// condition is already over (the hour has passed); data-quality, stale and spray events are
    /// not alarms.
    pub fn on_event(&mut self, ev: &Event) -> Vec<u64> {
        match ev {
            Event::AlarmRaised { sensor, rule, level, time, message } => match self.open_for(sensor) {
                // The condition came back before anyone closed the alarm: same alarm.
                Some(a) => {
                    let from = a.level;
                    a.level = *level;
                    a.peak = a.peak.max(*level);
                    a.rule = rule.clone();
                    a.condition_active = true;
                    a.audit.push(AuditEntry {
                        at: *time,
                        who: "system".into(),
                        action: AuditAction::LevelChanged { from, to: *level },
                        note: Some(message.clone()),
                    });
                    vec![a.id]
                }
                None => vec![self.raise(sensor, rule, *level, *time, AlarmSource::Level, Some(message.clone()))],
            },
            Event::AlarmLevelChanged { sensor, rule, from, to, time, message } => match self.open_for(sensor) {
                Some(a) => {
                    a.level = *to;
                    a.peak = a.peak.max(*to);
                    a.rule = rule.clone();
                    a.audit.push(AuditEntry {
                        at: *time,
                        who: "system".into(),
                        action: AuditAction::LevelChanged { from: *from, to: *to },
                        note: Some(message.clone()),
                    });
                    vec![a.id]
                }
                None => vec![self.raise(sensor, rule, *to, *time, AlarmSource::Level, Some(message.clone()))],
            },
            Event::AlarmCleared { sensor, time, .. } => match self.open_for(sensor) {
                Some(a) => {
                    a.condition_active = false;
                    a.level = Level::Normal;
                    a.audit.push(AuditEntry {
                        at: *time,
                        who: "system".into(),
                        action: AuditAction::ConditionCleared,
                        note: None,
                    });
                    vec![a.id]
                }
                None => Vec::new(),
            },
            Event::HourlyMean { sensor, hour, mean, level, rule, .. } if *level > Level::Normal => {
                let note = format!("hourly mean {mean:.1}");
                vec![self.raise(sensor, rule, *level, *hour + Duration::hours(1), AlarmSource::HourlyMean, Some(note))]
            }
            Event::HourlyMean { .. }
            | Event::DataQuality { .. }
            | Event::Stale { .. }
            | Event::SprayRequested { .. } => Vec::new(),
        }
    }

    fn step(&mut self, id: u64, at: DateTime<Utc>) -> Result<&mut Alarm, AlarmError> {
        let i = self.index_of(id).ok_or(AlarmError::NotFound(id))?;
        let a = &mut self.alarms[i];
        if let Some(last) = a.audit.last().map(|e| e.at)
            && at < last
        {
            return Err(AlarmError::TimeGoesBack { id, at, last });
        }
        Ok(a)
    }

    /// Raised → acknowledged.
    pub fn acknowledge(&mut self, id: u64, who: &str, at: DateTime<Utc>) -> Result<(), AlarmError> {
        if who.trim().is_empty() {
            return Err(AlarmError::NoName);
        }
        let a = self.step(id, at)?;
        if a.status != AlarmStatus::Raised {
            return Err(AlarmError::Illegal { id, status: a.status, action: "acknowledged" });
        }
        a.status = AlarmStatus::Acknowledged;
        a.audit.push(AuditEntry { at, who: who.into(), action: AuditAction::Acknowledged, note: None });
        Ok(())
    }

    /// Acknowledged (or dispatched, to hand over) → dispatched to `to`.
    pub fn dispatch(&mut self, id: u64, who: &str, to: &str, at: DateTime<Utc>) -> Result<(), AlarmError> {
        if who.trim().is_empty() || to.trim().is_empty() {
            return Err(AlarmError::NoName);
        }
        let a = self.step(id, at)?;
        if !matches!(a.status, AlarmStatus::Acknowledged | AlarmStatus::Dispatched) {
            return Err(AlarmError::Illegal { id, status: a.status, action: "dispatched" });
        }
        a.status = AlarmStatus::Dispatched;
        a.assignee = Some(to.into());
        a.audit.push(AuditEntry { at, who: who.into(), action: AuditAction::Dispatched { to: to.into() }, note: None });
        Ok(())
    }

    /// Acknowledged or dispatched → closed, with a note; only once the condition has cleared.
    pub fn close(&mut self, id: u64, who: &str, note: &str, at: DateTime<Utc>) -> Result<(), AlarmError> {
        if who.trim().is_empty() {
            return Err(AlarmError::NoName);
        }
        if note.trim().is_empty() {
            return Err(AlarmError::NoNote);
        }
        let a = self.step(id, at)?;
        if !matches!(a.status, AlarmStatus::Acknowledged | AlarmStatus::Dispatched) {
            return Err(AlarmError::Illegal { id, status: a.status, action: "closed" });
        }
        if a.condition_active {
            return Err(AlarmError::StillActive(id));
        }
        a.status = AlarmStatus::Closed;
        a.audit.push(AuditEntry { at, who: who.into(), action: AuditAction::Closed, note: Some(note.into()) });
        let sensor = a.sensor.clone();
        if let Some(i) = self.index_of(id)
            && let Some(list) = self.open.get_mut(&sensor)
        {
            list.retain(|&k| k != i);
            if list.is_empty() {
                self.open.remove(&sensor);
            }
        }
        Ok(())
    }

    /// Escalates every alarm still unacknowledged after the deadline (again after each further
    /// deadline); returns the ids escalated now.
    pub fn escalate_overdue(&mut self, now: DateTime<Utc>) -> Vec<u64> {
        let within = self.acknowledge_within;
        let mut out = Vec::new();
        let mut at: Vec<usize> = self.open.values().flatten().copied().collect();
        at.sort_unstable();
        for i in at {
            let a = &mut self.alarms[i];
            if a.status != AlarmStatus::Raised {
                continue;
            }
            let due = a.raised_at + within * (a.escalations as i32 + 1);
            if now >= due {
                a.escalations += 1;
                a.audit.push(AuditEntry {
                    at: now.max(a.audit.last().map(|e| e.at).unwrap_or(now)),
                    who: "system".into(),
                    action: AuditAction::Escalated { step: a.escalations },
                    note: None,
                });
                out.push(a.id);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 1, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn raised(min: i64) -> Event {
        Event::AlarmRaised {
            sensor: "TC1-LOAD".into(),
            rule: "crane.load.alarm".into(),
            level: Level::Alarm,
            time: t(min),
            message: "load 102 %".into(),
        }
    }

    fn cleared(min: i64) -> Event {
        Event::AlarmCleared { sensor: "TC1-LOAD".into(), rule: "crane.load.alarm".into(), time: t(min) }
    }

    #[test]
    fn events_reach_the_latest_open_alarm_of_their_sensor_however_long_the_history() {
        let mut b = AlarmBook::new(Duration::minutes(15));
        // A long history of closed alarms of the same sensor.
        for k in 0..200 {
            let id = b.on_event(&raised(k * 10))[0];
            b.acknowledge(id, "a", t(k * 10 + 1)).unwrap();
            b.on_event(&cleared(k * 10 + 2));
            b.close(id, "a", "done", t(k * 10 + 3)).unwrap();
        }
        assert_eq!(b.open_count(), 0);
        let first = b.on_event(&raised(3000))[0];
        let hourly = Event::HourlyMean {
            sensor: "TC1-LOAD".into(),
            hour: t(3000),
            mean: 1.0,
            readings: 60,
            coverage: 1.0,
            complete: true,
            level: Level::Alarm,
            rule: "dust.pm10.hourly.alarm".into(),
        };
        let second = b.on_event(&hourly)[0];
        assert_eq!((first, second), (201, 202));
        assert_eq!(b.open_count(), 2);
        assert_eq!(b.open().map(|a| a.id).collect::<Vec<_>>(), [201, 202]);
        // The level's clearing reaches the level's alarm, not the newer hourly verdict.
        assert_eq!(b.on_event(&cleared(3072)), vec![first]);
        assert!(!b.get(first).unwrap().condition_active);
        assert_eq!(b.get(second).unwrap().source, AlarmSource::HourlyMean);
        b.acknowledge(second, "a", t(3073)).unwrap();
        b.close(second, "a", "sprayed", t(3074)).unwrap();
        assert_eq!(b.open_count(), 1);
        assert!(b.get(999).is_none());
    }

    #[test]
    fn a_restored_book_goes_on_where_the_stored_one_stopped() {
        let mut b = AlarmBook::new(Duration::minutes(15));
        let id = b.on_event(&raised(0))[0];
        b.acknowledge(id, "王工", t(2)).unwrap();
        let json = serde_json::to_string(b.all()).unwrap();
        let alarms: Vec<Alarm> = serde_json::from_str(&json).unwrap();
        let mut r = AlarmBook::restore(alarms, 0, Duration::minutes(15));
        assert_eq!(r.all(), b.all());
        // The open alarm is still the sensor's: clearing reaches it, and a new one gets the next id.
        assert_eq!(r.on_event(&cleared(5)), vec![id]);
        r.close(id, "王工", "checked", t(6)).unwrap();
        assert_eq!(r.on_event(&raised(7)), vec![id + 1]);
        // Closed alarms forgotten (the store has them): ids still go on after the last one.
        r.forget_closed();
        assert_eq!(r.all().iter().map(|a| a.id).collect::<Vec<_>>(), [id + 1]);
        assert_eq!(r.on_event(&cleared(8)), vec![id + 1]);
        let open_only = AlarmBook::restore(vec![r.get(id + 1).unwrap().clone()], id + 5, Duration::minutes(15));
        let mut open_only = open_only;
        assert_eq!(open_only.on_event(&raised(9)), vec![id + 1], "the open one is still the sensor's");
        open_only.acknowledge(id + 1, "a", t(10)).unwrap();
        open_only.on_event(&cleared(11));
        open_only.close(id + 1, "a", "ok", t(12)).unwrap();
        assert_eq!(open_only.on_event(&raised(13)), vec![id + 6]);
    }

    #[test]
    fn full_life_with_audit_trail() {
        let mut b = AlarmBook::new(Duration::minutes(15));
        let id = b.on_event(&raised(0))[0];
        b.acknowledge(id, "王工", t(2)).unwrap();
        b.dispatch(id, "王工", "李师傅", t(3)).unwrap();
        b.on_event(&cleared(10));
        b.close(id, "李师傅", "restacked the load; limiter checked", t(20)).unwrap();
        let a = b.get(id).unwrap();
        assert_eq!(a.status, AlarmStatus::Closed);
        assert_eq!(a.assignee.as_deref(), Some("李师傅"));
        let who: Vec<&str> = a.audit.iter().map(|e| e.who.as_str()).collect();
        assert_eq!(who, ["system", "王工", "王工", "system", "李师傅"]);
        assert!(b.open().next().is_none());
    }

    #[test]
    fn illegal_steps_are_refused_and_change_nothing() {
        let mut b = AlarmBook::new(Duration::minutes(15));
        let id = b.on_event(&raised(0))[0];
        let before = b.get(id).unwrap().clone();
        assert!(matches!(b.dispatch(id, "a", "b", t(1)), Err(AlarmError::Illegal { .. })));
        assert!(matches!(b.close(id, "a", "done", t(1)), Err(AlarmError::Illegal { .. })));
        assert_eq!(b.acknowledge(id, " ", t(1)), Err(AlarmError::NoName));
        assert_eq!(b.get(id).unwrap(), &before);
        b.acknowledge(id, "a", t(1)).unwrap();
        assert!(matches!(b.acknowledge(id, "a", t(2)), Err(AlarmError::Illegal { .. })));
        assert_eq!(b.close(id, "a", "done", t(2)), Err(AlarmError::StillActive(id)));
        b.on_event(&cleared(3));
        assert_eq!(b.close(id, "a", "", t(4)), Err(AlarmError::NoNote));
        assert!(matches!(b.close(id, "a", "ok", t(0)), Err(AlarmError::TimeGoesBack { .. })));
        assert_eq!(b.acknowledge(99, "a", t(5)), Err(AlarmError::NotFound(99)));
        b.close(id, "a", "ok", t(5)).unwrap();
        assert!(matches!(b.acknowledge(id, "a", t(6)), Err(AlarmError::Illegal { status: AlarmStatus::Closed, .. })));
    }

    #[test]
    fn unacknowledged_alarms_escalate_each_deadline() {
        let mut b = AlarmBook::new(Duration::minutes(15));
        let id = b.on_event(&raised(0))[0];
        assert!(b.escalate_overdue(t(14)).is_empty());
        assert_eq!(b.escalate_overdue(t(15)), vec![id]);
        assert!(b.escalate_overdue(t(20)).is_empty());
        assert_eq!(b.escalate_overdue(t(30)), vec![id]);
        assert_eq!(b.get(id).unwrap().escalations, 2);
        b.acknowledge(id, "a", t(31)).unwrap();
        assert!(b.escalate_overdue(t(120)).is_empty());
    }

    #[test]
    fn a_condition_that_returns_after_close_raises_a_new_alarm() {
        let mut b = AlarmBook::new(Duration::minutes(15));
        let first = b.on_event(&raised(0))[0];
        b.acknowledge(first, "a", t(1)).unwrap();
        b.on_event(&cleared(2));
        b.close(first, "a", "ok", t(3)).unwrap();
        let second = b.on_event(&raised(10))[0];
        assert_ne!(first, second);
        assert_eq!(b.open().count(), 1);
        // Returning before close keeps the same alarm open.
        b.on_event(&cleared(11));
        assert_eq!(b.on_event(&raised(12)), vec![second]);
        assert!(b.get(second).unwrap().condition_active);
    }
}
