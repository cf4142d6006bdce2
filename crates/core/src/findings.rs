//! The findings loop (隐患排查治理), the smart-supervision standard's hazard self-inspection module:
//! every finding of a patrol, an alarm, a duty check or an inspector becomes a rectification item
//! placed at its object, with a severity, an owner and a deadline; it is rectified with evidence
//! (a note, a photo's path), then verified or reopened by the inspector; an item left open past its
//! deadline is overdue and escalates. The [`Register`] keeps the items in a versioned JSON file,
//! written atomically, lists and filters them, and exports them as CSV.
//!
//! Nothing here reads the wall clock or checks a photo on disk: every operation takes its time
//! (`at`, `now`), so the same calls give the same register, and the caller checks the files it
//! names. The default deadlines and the escalation period are sitetwin defaults [R], not a
//! standard's: [`FindingRules`] configures them.

#![warn(missing_docs)]

use std::cmp::Reverse;
use std::ffi::OsString;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::i18n::{Bilingual, Lang};
use crate::rules::jgj59::SubTable;

#[cfg(test)]
mod tests;

/// The version of the register file this module reads and writes.
pub const FILE_VERSION: u32 = 1;

/// Where a finding came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// An inspection patrol.
    Patrol {
        /// The patrol's id (`daily@2026-12-02T01:00Z`).
        patrol: String,
    },
    /// A monitoring alarm.
    Alarm {
        /// The sensor that alarmed.
        sensor: String,
        /// The rule that fired (`crane.wind.alarm`), when known.
        rule: Option<String>,
    },
    /// A duty check of a stopped site (the duty goes in [`FindingInput::item`]).
    Duty,
    /// Entered by hand.
    Manual,
}

impl Source {
    /// The kind's lower-case name: `patrol`, `alarm`, `duty`, `manual`.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Patrol { .. } => "patrol",
            Source::Alarm { .. } => "alarm",
            Source::Duty => "duty",
            Source::Manual => "manual",
        }
    }

    /// In words, for output: `patrol daily@…`, `alarm T1-wind (crane.wind.alarm)`, `duty`, `manual`.
    pub fn describe(&self) -> String {
        match self {
            Source::Patrol { patrol } => format!("patrol {patrol}"),
            Source::Alarm { sensor, rule: Some(rule) } => format!("alarm {sensor} ({rule})"),
            Source::Alarm { sensor, rule: None } => format!("alarm {sensor}"),
            Source::Duty => "duty".into(),
            Source::Manual => "manual".into(),
        }
    }

    /// In Chinese, for the UI: `巡检 daily@…`, `报警 T1-wind（crane.wind.alarm）`, `职责检查`, `人工`.
    pub fn describe_zh(&self) -> String {
        match self {
            Source::Patrol { patrol } => format!("巡检 {patrol}"),
            Source::Alarm { sensor, rule: Some(rule) } => format!("报警 {sensor}（{rule}）"),
            Source::Alarm { sensor, rule: None } => format!("报警 {sensor}"),
            Source::Duty => "职责检查".into(),
            Source::Manual => "人工".into(),
        }
    }
}

/// How serious a finding is. Ordered: `Minor < Major < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    /// 一般隐患.
    Minor,
    /// 较大隐患.
    Major,
    /// 重大隐患: a major hazard.
    Critical,
}

impl Severity {
    /// Lower-case English name for output.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Critical => "critical",
        }
    }

    /// English name.
    pub fn en(self) -> &'static str {
        match self {
            Severity::Minor => "minor hazard",
            Severity::Major => "major hazard",
            Severity::Critical => "critical hazard",
        }
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Minor => "一般隐患",
            Severity::Major => "较大隐患",
            Severity::Critical => "重大隐患",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A finding as it is raised: what, where, how serious, from where and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
    /// Where it came from.
    pub source: Source,
    /// The scene object it is on (crane, zone, box, sensor id).
    pub object: String,
    /// Where on the site, scene coordinates in metres, when more precise than the object.
    pub at_m: Option<[f64; 3]>,
    /// The JGJ 59 sub-table it belongs to, when known.
    pub table: Option<SubTable>,
    /// The check item (载荷限制装置), or the duty, when known.
    pub item: Option<String>,
    /// How serious.
    pub severity: Severity,
    /// What was found, in Chinese.
    pub zh: String,
    /// What was found, in English.
    pub en: String,
    /// When it was found (the deadline counts from here).
    pub found_at: DateTime<Utc>,
}

/// Where an item stands. An item is open until it is rectified, and closed once verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum State {
    /// Raised, awaiting rectification (待整改).
    Open,
    /// Rectified with evidence, awaiting the inspector (待复查).
    Rectified,
    /// Verified by the inspector: closed (已销项).
    Verified,
    /// Sent back by the inspector, awaiting rectification again (复查不合格).
    Reopened,
}

impl State {
    /// Lower-case English name for output.
    pub fn name(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Rectified => "rectified",
            State::Verified => "verified",
            State::Reopened => "reopened",
        }
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            State::Open => "待整改",
            State::Rectified => "待复查",
            State::Verified => "已销项",
            State::Reopened => "复查不合格",
        }
    }

    /// Awaiting rectification (open or reopened): the state in which a deadline can pass.
    pub fn awaits_rectification(self) -> bool {
        matches!(self, State::Open | State::Reopened)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a change of an item did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// The item was raised.
    Raised,
    /// The same finding was raised again while the item was not yet verified.
    Repeated,
    /// An owner (and a deadline) was assigned.
    Assigned,
    /// Rectified, with evidence.
    Rectified,
    /// Verified by the inspector.
    Verified,
    /// Reopened by the inspector.
    Reopened,
    /// Found further past its deadline than last recorded (overdue, then each escalation level):
    /// recorded by the register's keeper, never asked for ([`Register::escalate`]).
    Escalated,
}

impl Action {
    /// Lower-case English name (a past participle) for output.
    pub fn name(self) -> &'static str {
        match self {
            Action::Raised => "raised",
            Action::Repeated => "repeated",
            Action::Assigned => "assigned",
            Action::Rectified => "rectified",
            Action::Verified => "verified",
            Action::Reopened => "reopened",
            Action::Escalated => "escalated",
        }
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Action::Raised => "登记",
            Action::Repeated => "重复发现",
            Action::Assigned => "指派",
            Action::Rectified => "整改",
            Action::Verified => "复查通过",
            Action::Reopened => "退回整改",
            Action::Escalated => "逾期升级",
        }
    }

    /// The states an item must be in for this action.
    pub fn allowed_from(self) -> &'static [State] {
        match self {
            Action::Raised => &[],
            Action::Repeated => &[State::Open, State::Rectified, State::Reopened],
            Action::Assigned | Action::Rectified | Action::Escalated => &[State::Open, State::Reopened],
            Action::Verified => &[State::Rectified],
            Action::Reopened => &[State::Rectified, State::Verified],
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One change in an item's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub by: String,
    /// What.
    pub action: Action,
    /// The evidence of a rectification, the reason of a reopening, the owner and deadline of an
    /// assignment, the repeat of a finding; empty for a raise or a verification.
    pub note: String,
    /// The photo of a rectification (a path the caller checked), if one.
    pub photo: Option<String>,
    /// How far past its deadline an [`Action::Escalated`] change found the item; `None` for every
    /// other change (and absent from its JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<Escalation>,
    /// The note in both languages where the register words it (an assignment, a repeat); `None`
    /// for notes a person wrote (and absent from its JSON). `note` is its English side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub said: Option<Bilingual>,
}

impl Change {
    /// A change with a note a person wrote (or none), without a photo or an escalation.
    fn new(at: DateTime<Utc>, by: String, action: Action, note: String) -> Change {
        Change { at, by, action, note, photo: None, escalation: None, said: None }
    }

    /// A change with a note the register words in both languages.
    fn said(at: DateTime<Utc>, by: String, action: Action, said: Bilingual) -> Change {
        Change { said: Some(said.clone()), ..Change::new(at, by, action, said.en) }
    }

    /// Its note in `lang`: the register's words in that language, or the note as written.
    pub fn note_in(&self, lang: Lang) -> &str {
        self.said.as_ref().map_or(&self.note, |s| s.get(lang))
    }
}

/// How far past its deadline an item is. [`Escalation::rank`] orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Escalation {
    /// Not overdue (within its deadline, without one, rectified or verified).
    None,
    /// Overdue, not yet escalated.
    Overdue {
        /// Whole days past the deadline (0 in the first day).
        days: i64,
    },
    /// Overdue for longer than [`EscalationRules::escalate_after_days`], once or more.
    Escalated {
        /// 1 after one period past the deadline, 2 after two, up to the rules' `max_level`.
        level: u8,
    },
}

impl Escalation {
    /// 0 not overdue, 1 overdue, 1 + level escalated: the higher, the more urgent.
    pub fn rank(self) -> u16 {
        match self {
            Escalation::None => 0,
            Escalation::Overdue { .. } => 1,
            Escalation::Escalated { level } => 1 + u16::from(level),
        }
    }

    /// For output: `none`, `overdue`, `level 2`.
    pub fn name(self) -> String {
        match self {
            Escalation::None => "none".into(),
            Escalation::Overdue { .. } => "overdue".into(),
            Escalation::Escalated { level } => format!("level {level}"),
        }
    }
}

/// The default rectification deadline of each severity, in days from the finding [R]: sitetwin
/// defaults (critical 1, major 3, minor 7), not from a standard; set the site's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeadlineRules {
    /// Days to rectify a critical hazard (重大隐患) [R]: 1.
    pub critical_days: u32,
    /// Days to rectify a major hazard [R]: 3.
    pub major_days: u32,
    /// Days to rectify a minor hazard [R]: 7.
    pub minor_days: u32,
}

impl Default for DeadlineRules {
    fn default() -> Self {
        DeadlineRules { critical_days: 1, major_days: 3, minor_days: 7 }
    }
}

impl DeadlineRules {
    /// The days allowed for a severity.
    pub fn days(&self, severity: Severity) -> u32 {
        match severity {
            Severity::Critical => self.critical_days,
            Severity::Major => self.major_days,
            Severity::Minor => self.minor_days,
        }
    }

    /// The default deadline of a finding of `severity` found at `found_at`; `None` past the end of
    /// the calendar.
    pub fn deadline(&self, severity: Severity, found_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        found_at.checked_add_signed(TimeDelta::try_days(i64::from(self.days(severity)))?)
    }
}

/// When an overdue item escalates [R]: sitetwin defaults (one level per 3 days past the deadline,
/// up to level 3), not from a standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EscalationRules {
    /// An overdue item escalates one level each time this many days pass beyond its deadline
    /// (strictly: at exactly 3 days past it is still level 0) [R]: 3. 0 turns escalation off.
    pub escalate_after_days: u32,
    /// The highest level [R]: 3. 0 turns escalation off.
    pub max_level: u8,
}

impl Default for EscalationRules {
    fn default() -> Self {
        EscalationRules { escalate_after_days: 3, max_level: 3 }
    }
}

/// The configurable rules of the findings loop.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FindingRules {
    /// Default deadlines.
    pub deadlines: DeadlineRules,
    /// Escalation of overdue items.
    pub escalation: EscalationRules,
}

/// One rectification item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Its number in the register, from 1.
    pub id: u64,
    /// The finding as first raised.
    pub input: FindingInput,
    /// Who must rectify it, once assigned.
    pub owner: Option<String>,
    /// When it must be rectified by; the rules' default from the finding until assigned.
    pub deadline: Option<DateTime<Utc>>,
    /// Where it stands.
    pub state: State,
    /// Every change, oldest first; the first is its raise.
    pub history: Vec<Change>,
}

impl Item {
    /// It awaits rectification and `now` is strictly after its deadline (at the deadline itself
    /// it is not yet overdue).
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.state.awaits_rectification() && self.deadline.is_some_and(|d| now > d)
    }

    /// Whole days past the deadline (0 in the first day) when overdue at `now`.
    pub fn overdue_days(&self, now: DateTime<Utc>) -> Option<i64> {
        let deadline = self.deadline.filter(|_| self.overdue(now))?;
        Some(now.signed_duration_since(deadline).num_days())
    }

    /// How far past its deadline it is at `now`: overdue, then one level more each time
    /// `escalate_after_days` pass beyond the deadline (strictly), up to `max_level`.
    pub fn escalation(&self, now: DateTime<Utc>, rules: &EscalationRules) -> Escalation {
        let (Some(deadline), Some(days)) = (self.deadline, self.overdue_days(now)) else {
            return Escalation::None;
        };
        let past = now.signed_duration_since(deadline);
        let mut level = 0u8;
        if let Some(period) = TimeDelta::try_days(i64::from(rules.escalate_after_days)) {
            while level < rules.max_level && !period.is_zero() {
                match period.checked_mul(i32::from(level) + 1) {
                    Some(next) if past > next => level += 1,
                    _ => break,
                }
            }
        }
        if level == 0 { Escalation::Overdue { days } } else { Escalation::Escalated { level } }
    }

    /// How far past its current deadline the item was last recorded to be
    /// ([`Action::Escalated`]), or `None` when nothing recorded applies: no escalation recorded
    /// since it was last reopened, or the deadline moved past the last one recorded (a new
    /// deadline starts afresh).
    pub fn recorded_escalation(&self) -> Option<Escalation> {
        let change = self
            .history
            .iter()
            .rev()
            .take_while(|c| c.action != Action::Reopened)
            .find(|c| c.action == Action::Escalated)?;
        // Recorded overdue at `change.at`: its deadline then was before it. A deadline not before
        // it now is a later one, given since.
        self.deadline.filter(|d| *d < change.at).and(change.escalation)
    }

    /// The latest change of `action`.
    pub fn last(&self, action: Action) -> Option<&Change> {
        self.history.iter().rev().find(|c| c.action == action)
    }

    /// The latest rectification while it stands rectified or verified (the evidence the
    /// verification rests on); `None` while it awaits rectification.
    pub fn evidence(&self) -> Option<&Change> {
        matches!(self.state, State::Rectified | State::Verified).then(|| self.last(Action::Rectified)).flatten()
    }
}

/// Which items to list. Every field that is set must match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    /// In this state.
    pub state: Option<State>,
    /// On this object (exact id).
    pub object: Option<String>,
    /// At least this severe.
    pub severity_at_least: Option<Severity>,
    /// Only items overdue at the list's `now`.
    pub overdue: bool,
    /// Assigned to this owner (exact name).
    pub owner: Option<String>,
    /// In this JGJ 59 sub-table.
    pub table: Option<SubTable>,
}

impl Filter {
    /// Whether `item` passes, judged at `now`.
    pub fn matches(&self, item: &Item, now: DateTime<Utc>) -> bool {
        self.state.is_none_or(|s| item.state == s)
            && self.object.as_ref().is_none_or(|o| &item.input.object == o)
            && self.severity_at_least.is_none_or(|s| item.input.severity >= s)
            && (!self.overdue || item.overdue(now))
            && self.owner.as_ref().is_none_or(|o| item.owner.as_ref() == Some(o))
            && self.table.is_none_or(|t| item.input.table == Some(t))
    }
}

/// One change of the register as data, for a caller that carries it elsewhere to be done (the
/// gateway's API and its client): [`Register::apply`] does it. In JSON it is tagged by `action`:
/// `{"action": "assign", "id": 3, "owner": "李班长", "deadline": "2026-12-04T18:00:00Z"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase", deny_unknown_fields)]
pub enum Step {
    /// Raise a finding ([`Register::raise`]).
    Raise {
        /// The finding.
        finding: FindingInput,
    },
    /// Assign an item ([`Register::assign`]).
    Assign {
        /// The item.
        id: u64,
        /// Who must rectify it.
        owner: String,
        /// Its new deadline (after the step's time); `None` keeps the one it has.
        #[serde(default)]
        deadline: Option<DateTime<Utc>>,
    },
    /// Record a rectification ([`Register::rectify`]).
    Rectify {
        /// The item.
        id: u64,
        /// What was done.
        note: String,
        /// A photo's path (the caller checks the file).
        #[serde(default)]
        photo: Option<String>,
    },
    /// Verify a rectified item ([`Register::verify`]).
    Verify {
        /// The item.
        id: u64,
    },
    /// Reopen a rectified or verified item ([`Register::reopen`]).
    Reopen {
        /// The item.
        id: u64,
        /// Why.
        note: String,
    },
}

impl Step {
    /// The item it changes; `None` for a raise (the register gives the id).
    pub fn id(&self) -> Option<u64> {
        match self {
            Step::Raise { .. } => None,
            Step::Assign { id, .. } | Step::Rectify { id, .. } | Step::Verify { id } | Step::Reopen { id, .. } => {
                Some(*id)
            }
        }
    }

    /// Its action's lower-case name, as tagged in JSON: `raise`, `assign`, `rectify`, `verify`,
    /// `reopen`.
    pub fn name(&self) -> &'static str {
        match self {
            Step::Raise { .. } => "raise",
            Step::Assign { .. } => "assign",
            Step::Rectify { .. } => "rectify",
            Step::Verify { .. } => "verify",
            Step::Reopen { .. } => "reopen",
        }
    }
}

/// Why an operation on the register failed. The register is unchanged by a failed operation.
#[derive(Debug, thiserror::Error)]
pub enum FindingsError {
    /// No item has this id.
    #[error("no finding item {0} in the register")]
    NoSuchItem(u64),
    /// The item's state does not allow the action.
    #[error("item {id} is {from}: it cannot be {action}; {}", allowed(*.action))]
    Transition {
        /// The item.
        id: u64,
        /// Its state.
        from: State,
        /// What was asked.
        action: Action,
    },
    /// A change dated before the item's last change.
    #[error("item {id}: {} is before its last change at {}; an item's times must not go backwards", rfc(*.at), rfc(*.last))]
    TimeBackwards {
        /// The item.
        id: u64,
        /// Its last change.
        last: DateTime<Utc>,
        /// The time given.
        at: DateTime<Utc>,
    },
    /// A required text is empty (or only spaces).
    #[error("{}: the {field} is empty", subject(*.id))]
    Blank {
        /// The item, `None` for a finding being raised.
        id: Option<u64>,
        /// Which text (`rectification note`, `owner`).
        field: &'static str,
    },
    /// An assigned deadline not after the assignment.
    #[error("item {id}: the deadline {} is not after the assignment at {}", rfc(*.deadline), rfc(*.at))]
    DeadlineNotAfter {
        /// The item.
        id: u64,
        /// The deadline given.
        deadline: DateTime<Utc>,
        /// The assignment's time.
        at: DateTime<Utc>,
    },
    /// A position with a coordinate that is not a finite number.
    #[error("finding on {object}: the position {at_m:?} is not finite")]
    BadPosition {
        /// The object.
        object: String,
        /// The position given.
        at_m: [f64; 3],
    },
    /// The default deadline falls past the end of the calendar.
    #[error("finding on {object}: found at {}, its deadline would be past the end of the calendar", rfc(*.found_at))]
    OutOfRange {
        /// The object.
        object: String,
        /// The finding's time.
        found_at: DateTime<Utc>,
    },
    /// Every id is taken (the register's last id is the largest `u64`).
    #[error("the register has no id left for a new item")]
    IdsExhausted,
    /// The register file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The register file is not valid JSON or not a register.
    #[error("{}:{line}:{column}: not a findings register: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
        /// What serde_json found.
        message: String,
    },
    /// The register file has a version this module does not read.
    #[error("{}: findings register version {found}; this sitetwin reads version {supported}", path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: u64,
        /// The version read here.
        supported: u32,
    },
    /// The register file parses but does not hold together (two items with one id).
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The CSV export failed to write.
    #[error("CSV export: {0}")]
    Csv(#[from] csv::Error),
}

fn allowed(action: Action) -> String {
    let states: Vec<&str> = action.allowed_from().iter().map(|s| s.name()).collect();
    match states.as_slice() {
        [] => "it is only done once, when the item is raised".into(),
        [one] => format!("only {} {one} item can be", article(one)),
        [head @ .., last] => format!("only {} {} or {last} item can be", article(head[0]), head.join(", ")),
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}

fn subject(id: Option<u64>) -> String {
    id.map_or_else(|| "new finding".into(), |id| format!("item {id}"))
}

/// A time in RFC 3339, UTC, with a `Z` (and fractional seconds only when there are some).
fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A trimmed text, or a [`FindingsError::Blank`].
fn text(s: &str, id: Option<u64>, field: &'static str) -> Result<String, FindingsError> {
    let s = s.trim();
    if s.is_empty() { Err(FindingsError::Blank { id, field }) } else { Ok(s.to_owned()) }
}

/// What makes two findings the same hazard: the object, the sub-table and item, the source's
/// kind and its sensor for an alarm (not the patrol's id nor the alarm's rule, so that the next
/// patrol or the next level of the same alarm repeats the item), and, for a finding with no item
/// that is not an alarm, its text (so that two different findings on one object stay apart).
#[derive(PartialEq)]
struct Key<'a> {
    object: &'a str,
    table: Option<SubTable>,
    item: Option<&'a str>,
    kind: &'static str,
    sensor: Option<&'a str>,
    text: Option<(&'a str, &'a str)>,
}

fn key(input: &FindingInput) -> Key<'_> {
    let sensor = match &input.source {
        Source::Alarm { sensor, .. } => Some(sensor.as_str()),
        _ => None,
    };
    let text = (input.item.is_none() && sensor.is_none()).then_some((input.zh.as_str(), input.en.as_str()));
    Key {
        object: &input.object,
        table: input.table,
        item: input.item.as_deref(),
        kind: input.source.kind(),
        sensor,
        text,
    }
}

/// Trims the texts of a finding and checks it: an object, a text in one language at least, no
/// empty item, patrol or sensor, a finite position.
fn clean(mut input: FindingInput) -> Result<FindingInput, FindingsError> {
    input.object = text(&input.object, None, "object")?;
    input.zh = input.zh.trim().to_owned();
    input.en = input.en.trim().to_owned();
    if input.zh.is_empty() && input.en.is_empty() {
        return Err(FindingsError::Blank { id: None, field: "finding text (zh and en)" });
    }
    if let Some(item) = &input.item {
        input.item = Some(text(item, None, "check item")?);
    }
    match &mut input.source {
        Source::Patrol { patrol } => *patrol = text(patrol, None, "patrol id")?,
        Source::Alarm { sensor, rule } => {
            *sensor = text(sensor, None, "alarm sensor")?;
            if let Some(r) = rule {
                *rule = Some(text(r, None, "alarm rule")?);
            }
        }
        Source::Duty | Source::Manual => {}
    }
    if let Some(at_m) = input.at_m
        && !at_m.iter().all(|c| c.is_finite())
    {
        return Err(FindingsError::BadPosition { object: input.object, at_m });
    }
    Ok(input)
}

/// The register file as written.
#[derive(Serialize)]
struct FileOut<'a> {
    version: u32,
    items: &'a [Item],
}

/// The register file as read (after its version was checked).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    #[serde(rename = "version")]
    _version: u64,
    items: Vec<Item>,
}

/// Only the version, read first so that a newer file is refused by its version, not by a field.
#[derive(Deserialize)]
struct Probe {
    version: u64,
}

fn malformed(path: &Path, e: &serde_json::Error) -> FindingsError {
    let (line, column) = (e.line(), e.column());
    let full = e.to_string();
    let message = full.strip_suffix(&format!(" at line {line} column {column}")).unwrap_or(&full).to_owned();
    FindingsError::Malformed { path: path.to_owned(), line, column, message }
}

/// The register of rectification items, with the rules it raises and escalates them by (the
/// rules are configuration: they are not saved in the file).
#[derive(Debug, Clone, PartialEq)]
pub struct Register {
    items: Vec<Item>,
    next_id: u64,
    rules: FindingRules,
}

impl Default for Register {
    fn default() -> Self {
        Register::new(FindingRules::default())
    }
}

/// Refuses an item no register can hold: the id 0, an empty history.
fn check_item(item: &Item) -> Result<(), String> {
    if item.id == 0 {
        return Err("an item has the id 0; ids start at 1".into());
    }
    if item.history.is_empty() {
        return Err(format!("item {} has no history; its first change is its raise", item.id));
    }
    Ok(())
}

/// The id after `id`, or why there is none.
fn id_after(id: u64) -> Result<u64, String> {
    id.checked_add(1).ok_or_else(|| format!("item id {id} leaves no id for a new item"))
}

impl Register {
    /// An empty register.
    pub fn new(rules: FindingRules) -> Self {
        Register { items: Vec::new(), next_id: 1, rules }
    }

    /// A register of these items (in the order given), under `rules`, with the checks a file's
    /// items pass ([`Register::load`]): no two items with one id, no id 0, no item without its
    /// history, and an id left for a new item. The next item's id is one more than the largest.
    pub fn from_items(items: Vec<Item>, rules: FindingRules) -> Result<Register, String> {
        let mut ids: Vec<u64> = items.iter().map(|i| i.id).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("two items have the id {}", w[0]));
        }
        items.iter().try_for_each(check_item)?;
        let next_id = match ids.last() {
            Some(&max) => id_after(max)?,
            None => 1,
        };
        Ok(Register { items, next_id, rules })
    }

    /// Puts an item in as it is: it replaces the item with its id, or, new, goes in before the
    /// first item with a larger id (so a register in id order stays so). Refuses the id 0, an
    /// empty history, and the largest id (no id would be left for a new item); the next new
    /// item's id stays above every item's.
    pub fn upsert(&mut self, item: Item) -> Result<(), String> {
        check_item(&item)?;
        let next = id_after(item.id)?;
        match self.items.iter().position(|i| i.id == item.id) {
            Some(pos) => self.items[pos] = item,
            None => {
                let pos = self.items.iter().position(|i| i.id > item.id).unwrap_or(self.items.len());
                self.items.insert(pos, item);
            }
        }
        self.next_id = self.next_id.max(next);
        Ok(())
    }

    /// Does `step`, recorded by `by` at `at` ([`Register::raise`], [`Register::assign`],
    /// [`Register::rectify`], [`Register::verify`] or [`Register::reopen`]), and returns the id of
    /// the item it changed or raised (for a repeat, the existing item's).
    pub fn apply(&mut self, step: &Step, by: &str, at: DateTime<Utc>) -> Result<u64, FindingsError> {
        match step {
            Step::Raise { finding } => self.raise(finding.clone(), by, at),
            Step::Assign { id, owner, deadline } => self.assign(*id, owner, *deadline, by, at).map(|()| *id),
            Step::Rectify { id, note, photo } => self.rectify(*id, note, photo.as_deref(), by, at).map(|()| *id),
            Step::Verify { id } => self.verify(*id, by, at).map(|()| *id),
            Step::Reopen { id, note } => self.reopen(*id, note, by, at).map(|()| *id),
        }
    }

    /// The same register under other rules (a loaded one comes with the defaults).
    pub fn with_rules(mut self, rules: FindingRules) -> Self {
        self.rules = rules;
        self
    }

    /// Its rules.
    pub fn rules(&self) -> &FindingRules {
        &self.rules
    }

    /// Every item, in the order raised.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The item with this id.
    pub fn get(&self, id: u64) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// How many items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// No item yet.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many items await rectification, and how many of them are overdue at `now`.
    pub fn outstanding(&self, now: DateTime<Utc>) -> (usize, usize) {
        let waiting = self.items.iter().filter(|i| i.state.awaits_rectification());
        waiting.fold((0, 0), |(n, late), i| (n + 1, late + usize::from(i.overdue(now))))
    }

    /// How far past its deadline `item` is at `now`, under this register's rules.
    pub fn escalation(&self, item: &Item, now: DateTime<Utc>) -> Escalation {
        item.escalation(now, &self.rules.escalation)
    }

    /// Records, by `by` at `at`, each item awaiting rectification found further past its deadline
    /// than last recorded ([`Item::recorded_escalation`]): one [`Action::Escalated`] change on it
    /// naming how far (overdue, or the escalation level) and the deadline. Returns the ids changed,
    /// in the register's order; a second call at the same moment changes nothing. An item whose
    /// last change is timed after `at` gets it at that change's time (a clock set back must not
    /// refuse the record).
    pub fn escalate(&mut self, by: &str, at: DateTime<Utc>) -> Result<Vec<u64>, FindingsError> {
        let by = text(by, None, "name of who records escalations")?;
        let rules = self.rules.escalation.clone();
        let mut changed = Vec::new();
        for item in self.items.iter_mut().filter(|i| i.state.awaits_rectification()) {
            let now = item.escalation(at, &rules);
            let before = item.recorded_escalation().map_or(0, Escalation::rank);
            let Some(deadline) = item.deadline.filter(|_| now.rank() > before) else { continue };
            let note = match now {
                Escalation::Escalated { level } => format!("escalated to level {level}, deadline {}", rfc(deadline)),
                _ => format!("overdue, deadline {}", rfc(deadline)),
            };
            let at = item.history.last().map_or(at, |c| c.at.max(at));
            let change = Change { escalation: Some(now), ..Change::new(at, by.clone(), Action::Escalated, note) };
            item.history.push(change);
            changed.push(item.id);
        }
        Ok(changed)
    }

    /// Raises a finding, recorded by `by` at `at`, and returns its item's id.
    ///
    /// The same hazard (see below) on an item not yet verified does not make a second item: the
    /// repeat is appended to that item's history (an [`Action::Repeated`] change naming its source,
    /// time, severity and text) and its id returned; a verified item raised again opens a new one.
    /// The same hazard is the same object, sub-table and item, and the same source kind (with the
    /// same sensor for an alarm); a finding with no item that is not an alarm must also have the
    /// same text. A new item's deadline is the rules' default from `found_at`.
    pub fn raise(&mut self, input: FindingInput, by: &str, at: DateTime<Utc>) -> Result<u64, FindingsError> {
        let input = clean(input)?;
        let by = text(by, None, "name of who raised it")?;
        let k = key(&input);
        if let Some(pos) = self.items.iter().position(|i| i.state != State::Verified && key(&i.input) == k) {
            let id = self.items[pos].id;
            self.check_time(pos, at)?;
            let first = &self.items[pos].input;
            let mut en = format!("{} at {}", input.source.describe(), rfc(input.found_at));
            let mut zh = format!("{} 于 {} 再次发现", input.source.describe_zh(), rfc(input.found_at));
            if input.severity != first.severity {
                en.push_str(&format!(", severity {}", input.severity));
                zh.push_str(&format!("，等级{}", input.severity.zh()));
            }
            en.push_str(&format!(": {} / {}", input.zh, input.en));
            zh.push_str(&format!("：{}", input.zh));
            self.items[pos].history.push(Change::said(at, by, Action::Repeated, Bilingual::new(zh, en)));
            return Ok(id);
        }
        let deadline = self
            .rules
            .deadlines
            .deadline(input.severity, input.found_at)
            .ok_or_else(|| FindingsError::OutOfRange { object: input.object.clone(), found_at: input.found_at })?;
        let id = self.next_id;
        let next_id = id.checked_add(1).ok_or(FindingsError::IdsExhausted)?;
        self.items.push(Item {
            id,
            input,
            owner: None,
            deadline: Some(deadline),
            state: State::Open,
            history: vec![Change::new(at, by, Action::Raised, String::new())],
        });
        self.next_id = next_id;
        Ok(id)
    }

    /// Assigns an open or reopened item to `owner`, with a new `deadline` (after `at`) or, with
    /// `None`, the one it has.
    pub fn assign(
        &mut self,
        id: u64,
        owner: &str,
        deadline: Option<DateTime<Utc>>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), FindingsError> {
        let pos = self.ready(id, Action::Assigned, at)?;
        let owner = text(owner, Some(id), "owner")?;
        let by = text(by, Some(id), "name of who assigned it")?;
        if let Some(d) = deadline
            && d <= at
        {
            return Err(FindingsError::DeadlineNotAfter { id, deadline: d, at });
        }
        let item = &mut self.items[pos];
        let deadline = deadline.or(item.deadline);
        let said = match deadline {
            Some(d) => Bilingual::new(
                format!("责任人 {owner}，整改期限 {}", rfc(d)),
                format!("owner {owner}, deadline {}", rfc(d)),
            ),
            None => Bilingual::new(format!("责任人 {owner}，无整改期限"), format!("owner {owner}, no deadline")),
        };
        item.owner = Some(owner);
        item.deadline = deadline;
        item.history.push(Change::said(at, by, Action::Assigned, said));
        Ok(())
    }

    /// Records the rectification of an open or reopened item, with its evidence: a note (required)
    /// and a photo's path (optional; the caller checks the file).
    pub fn rectify(
        &mut self,
        id: u64,
        note: &str,
        photo: Option<&str>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), FindingsError> {
        let pos = self.ready(id, Action::Rectified, at)?;
        let note = text(note, Some(id), "rectification note")?;
        let photo = photo.map(|p| text(p, Some(id), "photo path")).transpose()?;
        let by = text(by, Some(id), "name of who rectified it")?;
        let item = &mut self.items[pos];
        item.state = State::Rectified;
        item.history.push(Change { photo, ..Change::new(at, by, Action::Rectified, note) });
        Ok(())
    }

    /// The inspector verifies a rectified item: it is closed.
    pub fn verify(&mut self, id: u64, by: &str, at: DateTime<Utc>) -> Result<(), FindingsError> {
        let pos = self.ready(id, Action::Verified, at)?;
        let by = text(by, Some(id), "name of who verified it")?;
        let item = &mut self.items[pos];
        item.state = State::Verified;
        item.history.push(Change::new(at, by, Action::Verified, String::new()));
        Ok(())
    }

    /// The inspector reopens a rectified or verified item, saying why: it awaits rectification
    /// again, under its deadline (assign it again to set a new one).
    pub fn reopen(&mut self, id: u64, note: &str, by: &str, at: DateTime<Utc>) -> Result<(), FindingsError> {
        let pos = self.ready(id, Action::Reopened, at)?;
        let note = text(note, Some(id), "reason for reopening")?;
        let by = text(by, Some(id), "name of who reopened it")?;
        let item = &mut self.items[pos];
        item.state = State::Reopened;
        item.history.push(Change::new(at, by, Action::Reopened, note));
        Ok(())
    }

    /// The position of item `id` if it exists, its state allows `action` and `at` is not before
    /// its last change.
    fn ready(&self, id: u64, action: Action, at: DateTime<Utc>) -> Result<usize, FindingsError> {
        let pos = self.items.iter().position(|i| i.id == id).ok_or(FindingsError::NoSuchItem(id))?;
        let from = self.items[pos].state;
        if !action.allowed_from().contains(&from) {
            return Err(FindingsError::Transition { id, from, action });
        }
        self.check_time(pos, at)?;
        Ok(pos)
    }

    fn check_time(&self, pos: usize, at: DateTime<Utc>) -> Result<(), FindingsError> {
        let item = &self.items[pos];
        match item.history.last() {
            Some(last) if at < last.at => Err(FindingsError::TimeBackwards { id: item.id, last: last.at, at }),
            _ => Ok(()),
        }
    }

    /// The items that pass `filter` at `now`, the most urgent first: by escalation (most
    /// escalated first), severity (most severe first), deadline (earliest first, none last), id.
    pub fn list(&self, filter: &Filter, now: DateTime<Utc>) -> Vec<&Item> {
        let mut out: Vec<&Item> = self.items.iter().filter(|i| filter.matches(i, now)).collect();
        out.sort_by_key(|i| {
            (Reverse(self.escalation(i, now).rank()), Reverse(i.input.severity), i.deadline.is_none(), i.deadline, i.id)
        });
        out
    }

    /// Reads a register file: a missing file is an empty register; a file that is not a register
    /// is an error naming it, with the line and column. The register comes with the default
    /// rules ([`Register::with_rules`] sets the site's).
    pub fn load(path: &Path) -> Result<Register, FindingsError> {
        let json = match std::fs::read_to_string(path) {
            Ok(json) => json,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Register::default()),
            Err(source) => return Err(FindingsError::Io { path: path.to_owned(), source }),
        };
        let probe: Probe = serde_json::from_str(&json).map_err(|e| malformed(path, &e))?;
        if probe.version != u64::from(FILE_VERSION) {
            return Err(FindingsError::Version {
                path: path.to_owned(),
                found: probe.version,
                supported: FILE_VERSION,
            });
        }
        let file: FileIn = serde_json::from_str(&json).map_err(|e| malformed(path, &e))?;
        Register::from_items(file.items, FindingRules::default())
            .map_err(|message| FindingsError::Invalid { path: path.to_owned(), message })
    }

    /// The register file's bytes: pretty JSON with its version, and a final newline.
    fn json(&self) -> serde_json::Result<String> {
        let mut json = serde_json::to_string_pretty(&FileOut { version: FILE_VERSION, items: &self.items })?;
        json.push('\n');
        Ok(json)
    }

    /// Writes the register file atomically: to `path` + `.tmp`, synced, then renamed over `path`,
    /// so that a crash leaves the old file or the new one, never half of one.
    pub fn save(&self, path: &Path) -> Result<(), FindingsError> {
        let mut tmp = OsString::from(path.as_os_str());
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let write = || -> io::Result<()> {
            let json = self.json().map_err(io::Error::other)?;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(json.as_bytes())?;
            f.sync_all()
        };
        if let Err(source) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(FindingsError::Io { path: tmp, source });
        }
        std::fs::rename(&tmp, path).map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            FindingsError::Io { path: path.to_owned(), source }
        })
    }

    /// Writes every item, in id order, as CSV ([`write_csv`]), judged at `now`.
    pub fn to_csv<W: Write>(&self, now: DateTime<Utc>, writer: W) -> Result<(), FindingsError> {
        let mut items: Vec<&Item> = self.items.iter().collect();
        items.sort_by_key(|i| i.id);
        write_csv(items, &self.rules.escalation, now, writer)
    }
}

/// The CSV export's header.
pub const CSV_HEADER: [&str; 22] = [
    "id",
    "object",
    "x_m",
    "y_m",
    "z_m",
    "severity",
    "state",
    "owner",
    "deadline",
    "overdue_days",
    "escalation",
    "table",
    "item",
    "finding_zh",
    "finding_en",
    "source",
    "found_at",
    "raised_at",
    "rectified_at",
    "verified_at",
    "evidence",
    "photo",
];

/// Writes `items` as CSV (UTF-8, no BOM, quoted where needed), one row each after the
/// [`CSV_HEADER`], judged at `now`: times in RFC 3339 UTC; an empty field for what is not set;
/// `overdue_days` only for an overdue item; `rectified_at`, `evidence` and `photo` from the latest
/// rectification while it stands rectified or verified, `verified_at` while verified; `table` is
/// the JGJ 59 sub-table's name (`TowerCrane`); severity, state and escalation in English
/// ([`Severity::name`], [`State::name`], [`Escalation::name`]).
pub fn write_csv<'a, W: Write>(
    items: impl IntoIterator<Item = &'a Item>,
    rules: &EscalationRules,
    now: DateTime<Utc>,
    writer: W,
) -> Result<(), FindingsError> {
    let mut w = csv::Writer::from_writer(writer);
    w.write_record(CSV_HEADER)?;
    for i in items {
        let time = |t: Option<DateTime<Utc>>| t.map(rfc).unwrap_or_default();
        let coord = |k: usize| i.input.at_m.map(|p| p[k].to_string()).unwrap_or_default();
        let evidence = i.evidence();
        let verified = (i.state == State::Verified).then(|| i.last(Action::Verified)).flatten();
        let record = [
            i.id.to_string(),
            i.input.object.clone(),
            coord(0),
            coord(1),
            coord(2),
            i.input.severity.name().into(),
            i.state.name().into(),
            i.owner.clone().unwrap_or_default(),
            time(i.deadline),
            i.overdue_days(now).map(|d| d.to_string()).unwrap_or_default(),
            i.escalation(now, rules).name(),
            i.input.table.map(|t| format!("{t:?}")).unwrap_or_default(),
            i.input.item.clone().unwrap_or_default(),
            i.input.zh.clone(),
            i.input.en.clone(),
            i.input.source.describe(),
            rfc(i.input.found_at),
            time(i.history.first().map(|c| c.at)),
            time(evidence.map(|c| c.at)),
            time(verified.map(|c| c.at)),
            evidence.map(|c| c.note.clone()).unwrap_or_default(),
            evidence.and_then(|c| c.photo.clone()).unwrap_or_default(),
        ];
        w.write_record(&record)?;
    }
    w.flush().map_err(csv::Error::from)?;
    Ok(())
}

/// The finding an alarm makes, for the register: on the object its sensor is mounted on, at the
/// sensor, under the JGJ 59 item its kind is checked by, as severe as the worst level it reached
/// (warning minor, alarm major, control critical [R]: the patrol's judgement of alarms), found when
/// it was raised, in both languages with the rule's title and the rule's own note. `None` for a
/// sensor the scene does not have, or an alarm that never passed normal.
pub fn from_alarm(scene: &crate::scene::SiteScene, alarm: &crate::rules::alarm::Alarm) -> Option<FindingInput> {
    use crate::i18n::{Lang, level_name, rule_title};
    use crate::rules::Level;
    let sensor = scene.sensors.iter().find(|s| s.id == alarm.sensor)?;
    let severity = match alarm.peak {
        Level::Normal => return None,
        Level::Warning => Severity::Minor,
        Level::Alarm => Severity::Major,
        Level::Control => Severity::Critical,
    };
    let (items, table) = crate::patrol::points::alarm_items(sensor.kind);
    let note = alarm.audit.first().and_then(|e| e.note.as_deref()).map(|n| format!(" ({n})")).unwrap_or_default();
    let text = |lang| {
        let sep = if lang == Lang::Zh { "：" } else { ": " };
        format!("{} {}{sep}{}", alarm.sensor, level_name(lang, alarm.peak), rule_title(lang, &alarm.rule))
    };
    Some(FindingInput {
        source: Source::Alarm { sensor: alarm.sensor.clone(), rule: Some(alarm.rule.clone()) },
        object: sensor.anchor.object.clone(),
        at_m: Some(sensor.position_m.to_array()),
        table,
        item: items.first().map(|s| s.to_string()),
        severity,
        zh: text(Lang::Zh),
        en: text(Lang::En) + &note,
        found_at: alarm.raised_at,
    })
}
