//! Stoppage (停工) and resumption (复工): the state machine of a site, the activities each
//! heavy-pollution alert level bans, the duties of a stopped site checked from telemetry, the
//! detection of a stopped site that is still working or whose monitoring has gone dark, and the
//! risk score the bureau view ranks non-operating sites by.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset, Months, NaiveDate, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::Level;
use super::hazard::{Classification, HazardClass, WorkCategory};
use crate::i18n::Bilingual;
use crate::scene::{BoxLevel, SensorGroup, SensorKind, SiteScene};
use crate::telemetry::Reading;

/// Heavy-pollution weather alert levels: yellow Ⅲ, orange Ⅱ, red Ⅰ (standards doc §4.1 [S]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AlertLevel {
    /// Yellow, response Ⅲ.
    III,
    /// Orange, response Ⅱ.
    II,
    /// Red, response Ⅰ.
    I,
}

/// Site activities a pollution alert may ban.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Activity {
    /// Earth excavation and earthworks.
    Earthworks,
    /// Demolition.
    Demolition,
    /// Concrete mixing outside an enclosure.
    OpenMixing,
    /// Spraying, painting and slope shotcrete.
    Spraying,
    /// Haulage of earth, construction waste and bulk materials.
    Haulage,
    /// Blasting.
    Blasting,
    /// Cutting, and mechanical cutting, sawing and planing.
    Cutting,
    /// Road excavation, cutting and milling.
    RoadMilling,
    /// Clearing rubbish from the floors (楼层垃圾清理).
    RubbishClearing,
    /// Piling.
    Piling,
    /// Façade work.
    FacadeWork,
    /// Asphalt paving.
    AsphaltPaving,
    /// Anticorrosion coating (防腐).
    Anticorrosion,
    /// Any other open-air site work. In a ban list it stops all open-air site work.
    OpenAirWork,
    /// A continuous concrete pour already under way.
    ContinuousPour,
}

/// What may exempt a site or a task from an alert's bans, where the level's list names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Exemption {
    /// The site works under a canopy enclosure (天幕).
    Canopy,
    /// A differentiated-control site (差异化管控工地).
    DifferentiatedControl,
    /// The firm is on the city's exemption list (豁免清单).
    ExemptionList,
    /// Emergency (rescue) works.
    EmergencyWorks,
    /// Clean haul trucks (Nanjing: closed new-energy; Suzhou: closed, new-energy or China V and
    /// above). Lifts only the haulage ban.
    CleanHaulage,
}

/// What one alert level stops on a site and what lets work go on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelMeasures {
    /// Activities that stop; [`Activity::OpenAirWork`] stops all open-air site work.
    pub banned: Vec<Activity>,
    /// Exemptions that lift this level's bans for a site that has them (`CleanHaulage` lifts
    /// only the haulage ban).
    #[serde(default)]
    pub exemptions: Vec<Exemption>,
    /// Activities that may go on whatever the bans (continuous pours).
    #[serde(default)]
    pub continues: Vec<Activity>,
}

impl LevelMeasures {
    /// Nanjing, yellow (Ⅲ) [S] (standards doc §4.2): blasting, cutting, demolition, unenclosed
    /// mixing, spraying/painting/shotcrete, earth and road excavation and milling, floor-rubbish
    /// clearing, mechanical cutting, earth and waste haulage. Exempt: differentiated-control
    /// sites, canopy sites, closed new-energy haul trucks, firms on the exemption list.
    pub fn nanjing_yellow() -> Self {
        use Activity::*;
        Self {
            banned: vec![
                Blasting,
                Cutting,
                Demolition,
                OpenMixing,
                Spraying,
                Earthworks,
                RoadMilling,
                RubbishClearing,
                Haulage,
            ],
            exemptions: vec![
                Exemption::DifferentiatedControl,
                Exemption::Canopy,
                Exemption::CleanHaulage,
                Exemption::ExemptionList,
            ],
            continues: Vec::new(),
        }
    }

    /// Suzhou, Ⅲ [S] (§4.2): piling, earthwork, open-air demolition, façade work,
    /// spraying/painting, shotcrete, road cutting, unenclosed mixing, asphalt paving,
    /// anticorrosion, bulk-material trucks. Exempt: emergency work, canopy sites, clean trucks;
    /// works whose continuous process may not stop (continuous pours) go on.
    pub fn suzhou_iii() -> Self {
        use Activity::*;
        Self {
            banned: vec![
                Piling,
                Earthworks,
                Demolition,
                FacadeWork,
                Spraying,
                RoadMilling,
                OpenMixing,
                AsphaltPaving,
                Anticorrosion,
                Haulage,
            ],
            exemptions: vec![Exemption::EmergencyWorks, Exemption::Canopy, Exemption::CleanHaulage],
            continues: vec![ContinuousPour],
        }
    }

    /// Suzhou, red (Ⅰ) [S] (§4.2): all open-air demolition and site work stops; continuous
    /// concrete pours may go on. No other exemption is given.
    pub fn suzhou_red() -> Self {
        Self { banned: vec![Activity::OpenAirWork], exemptions: Vec::new(), continues: vec![Activity::ContinuousPour] }
    }

    /// Whether the level stops `activity` (before exemptions).
    pub fn bans(&self, activity: Activity) -> bool {
        !self.continues.contains(&activity)
            && (self.banned.contains(&activity) || self.banned.contains(&Activity::OpenAirWork))
    }

    /// May `activity` go on at this level for a site with `exemptions`?
    pub fn allows(&self, activity: Activity, exemptions: &[Exemption]) -> bool {
        if !self.bans(activity) {
            return true;
        }
        exemptions.iter().filter(|e| self.exemptions.contains(e)).any(|e| match e {
            Exemption::CleanHaulage => activity == Activity::Haulage,
            _ => true,
        })
    }
}

/// Which city's published list supplies the default measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AlertList {
    /// Nanjing's yellow list for Ⅲ (and, none being found, for Ⅱ); Suzhou's red list for Ⅰ.
    #[default]
    Nanjing,
    /// Suzhou's Ⅲ list for Ⅲ (and Ⅱ); Suzhou's red list for Ⅰ.
    Suzhou,
}

/// Heavy-pollution measures on sites per alert level, from a Jiangsu city's list (§4.2), each
/// level replaceable by the site's rules file (`pollution: (list: Suzhou, ii: (banned: [...]))`).
/// No Jiangsu orange (Ⅱ) list was found: by default Ⅱ applies the city's Ⅲ list, the least an
/// orange alert stops ([?]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PollutionRules {
    /// The city list the defaults come from.
    pub list: AlertList,
    /// Ⅲ (yellow), if the site sets it.
    pub iii: Option<LevelMeasures>,
    /// Ⅱ (orange), if the site sets it.
    pub ii: Option<LevelMeasures>,
    /// Ⅰ (red), if the site sets it.
    pub i: Option<LevelMeasures>,
}

impl PollutionRules {
    /// The measures in force at `level`.
    pub fn measures(&self, level: AlertLevel) -> LevelMeasures {
        let set = match level {
            AlertLevel::III => &self.iii,
            AlertLevel::II => &self.ii,
            AlertLevel::I => &self.i,
        };
        if let Some(m) = set {
            return m.clone();
        }
        match (level, self.list) {
            (AlertLevel::I, _) => LevelMeasures::suzhou_red(),
            (_, AlertList::Nanjing) => LevelMeasures::nanjing_yellow(),
            (_, AlertList::Suzhou) => LevelMeasures::suzhou_iii(),
        }
    }

    /// Where the measures at `level` come from, in words.
    pub fn origin(&self, level: AlertLevel) -> &'static str {
        let set = match level {
            AlertLevel::III => self.iii.is_some(),
            AlertLevel::II => self.ii.is_some(),
            AlertLevel::I => self.i.is_some(),
        };
        match (set, level, self.list) {
            (true, ..) => "set by the site",
            (false, AlertLevel::I, _) => "Suzhou red (Ⅰ) list",
            (false, AlertLevel::III, AlertList::Nanjing) => "Nanjing yellow (Ⅲ) list",
            (false, AlertLevel::III, AlertList::Suzhou) => "Suzhou Ⅲ list",
            (false, AlertLevel::II, AlertList::Nanjing) => "no orange list found: Nanjing's yellow (Ⅲ) list",
            (false, AlertLevel::II, AlertList::Suzhou) => "no orange list found: Suzhou's Ⅲ list",
        }
    }

    /// The activities stopped at `level` (before exemptions).
    pub fn banned(&self, level: AlertLevel) -> Vec<Activity> {
        self.measures(level).banned
    }

    /// May `activity` go on at `level` given the site's exemptions?
    pub fn allowed(&self, level: AlertLevel, activity: Activity, exemptions: &[Exemption]) -> bool {
        self.measures(level).allows(activity, exemptions)
    }
}

/// Why a site stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StopReason {
    /// A heavy-pollution alert (resumes when the alert is lifted).
    PollutionAlert {
        /// Current level.
        level: AlertLevel,
        /// The site's exemptions.
        exemptions: Vec<Exemption>,
    },
    /// A rectification order (停工整改) by the chief supervising engineer or an authority.
    Rectification {
        /// The order's number.
        order: String,
    },
    /// Abnormal stoppage (中止施工): funding, disputes...
    Abnormal {
        /// Cause in words.
        cause: String,
    },
    /// Spring Festival, winter.
    Seasonal,
    /// Epidemic control.
    Epidemic,
    /// A major event.
    Event {
        /// Its name.
        name: String,
    },
}

/// The site's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Working.
    Operating,
    /// Stopped.
    Stopped,
    /// Resumption applied for, under review.
    ResumptionReview,
}

/// One stoppage, current or past.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stoppage {
    /// Why.
    pub reason: StopReason,
    /// Since when.
    pub since: NaiveDate,
    /// Who ordered or reported it.
    pub ordered_by: String,
    /// Notes.
    pub note: String,
    /// When the owner reported an abnormal stoppage to the permit authority.
    pub reported: Option<NaiveDate>,
    /// When it ended.
    pub ended: Option<NaiveDate>,
}

/// One recorded transition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// When.
    pub at: NaiveDate,
    /// Who.
    pub who: String,
    /// From.
    pub from: Status,
    /// To.
    pub to: Status,
    /// What, in words.
    pub what: String,
}

/// Why a transition was refused (the state is unchanged).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoppageError {
    /// Not allowed from the current status.
    #[error("the site is {status:?}: cannot {action}")]
    Illegal {
        /// Current status.
        status: Status,
        /// The refused action.
        action: &'static str,
    },
    /// Pollution stoppages end with the alert, not with a review.
    #[error("a pollution stoppage ends when the alert is lifted, not by a resumption review")]
    PollutionEndsWithAlert,
    /// Only pollution stoppages have an alert.
    #[error("the site is not stopped for a pollution alert")]
    NotPollution,
    /// A stop of a year or more needs the permit re-verified.
    #[error("stopped {days} days (≥ 1 year): the construction permit must be re-verified before resuming")]
    PermitReverificationNeeded {
        /// Days stopped.
        days: i64,
    },
    /// Dates go forward.
    #[error("{at} is before the last transition ({last})")]
    DateGoesBack {
        /// Refused date.
        at: NaiveDate,
        /// Last transition.
        last: NaiveDate,
    },
    /// A person is needed.
    #[error("who ordered or approved it must be named")]
    NoName,
}

/// A site's stoppage state machine with its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteStoppage {
    /// Current status.
    pub status: Status,
    /// The current stoppage (while stopped or under review).
    pub current: Option<Stoppage>,
    /// Past stoppages.
    pub past: Vec<Stoppage>,
    /// Every transition.
    pub history: Vec<Transition>,
}

impl Default for SiteStoppage {
    fn default() -> Self {
        Self { status: Status::Operating, current: None, past: Vec::new(), history: Vec::new() }
    }
}

impl SiteStoppage {
    fn guard(&self, at: NaiveDate, who: &str) -> Result<(), StoppageError> {
        if who.trim().is_empty() {
            return Err(StoppageError::NoName);
        }
        if let Some(last) = self.history.last().map(|t| t.at)
            && at < last
        {
            return Err(StoppageError::DateGoesBack { at, last });
        }
        Ok(())
    }

    fn record(&mut self, at: NaiveDate, who: &str, to: Status, what: String) {
        self.history.push(Transition { at, who: who.into(), from: self.status, to, what });
        self.status = to;
    }

    /// Operating → stopped.
    pub fn stop(&mut self, reason: StopReason, at: NaiveDate, by: &str, note: &str) -> Result<(), StoppageError> {
        self.guard(at, by)?;
        if self.status != Status::Operating {
            return Err(StoppageError::Illegal { status: self.status, action: "stop (already stopped)" });
        }
        let what = format!("stopped: {reason:?}");
        self.current =
            Some(Stoppage { reason, since: at, ordered_by: by.into(), note: note.into(), reported: None, ended: None });
        self.record(at, by, Status::Stopped, what);
        Ok(())
    }

    /// Raises or lowers the alert level of a pollution stoppage.
    pub fn change_alert(&mut self, level: AlertLevel, at: NaiveDate, by: &str) -> Result<(), StoppageError> {
        self.guard(at, by)?;
        match self.current.as_mut().map(|c| &mut c.reason) {
            Some(StopReason::PollutionAlert { level: l, .. }) if self.status == Status::Stopped => {
                let from = *l;
                *l = level;
                self.record(at, by, Status::Stopped, format!("alert {from:?} → {level:?}"));
                Ok(())
            }
            _ => Err(StoppageError::NotPollution),
        }
    }

    /// A lifted pollution alert ends the stoppage.
    pub fn lift_alert(&mut self, at: NaiveDate, by: &str) -> Result<(), StoppageError> {
        self.guard(at, by)?;
        if !matches!(self.current.as_ref().map(|c| &c.reason), Some(StopReason::PollutionAlert { .. })) {
            return Err(StoppageError::NotPollution);
        }
        self.end(at, by, "alert lifted".into());
        Ok(())
    }

    fn end(&mut self, at: NaiveDate, by: &str, what: String) {
        if let Some(mut c) = self.current.take() {
            c.ended = Some(at);
            self.past.push(c);
        }
        self.record(at, by, Status::Operating, what);
    }

    /// Records the owner's report of an abnormal stoppage to the permit authority.
    pub fn report(&mut self, at: NaiveDate, by: &str) -> Result<(), StoppageError> {
        self.guard(at, by)?;
        match self.current.as_mut() {
            Some(c) if matches!(c.reason, StopReason::Abnormal { .. }) => {
                c.reported = Some(at);
                let status = self.status;
                self.record(at, by, status, "abnormal stoppage reported to the permit authority".into());
                Ok(())
            }
            _ => Err(StoppageError::Illegal { status: self.status, action: "report an abnormal stoppage" }),
        }
    }

    /// Stopped → resumption review (self-check passed, application filed).
    pub fn request_resumption(&mut self, at: NaiveDate, by: &str) -> Result<(), StoppageError> {
        self.guard(at, by)?;
        if self.status != Status::Stopped {
            return Err(StoppageError::Illegal { status: self.status, action: "apply to resume" });
        }
        if matches!(self.current.as_ref().map(|c| &c.reason), Some(StopReason::PollutionAlert { .. })) {
            return Err(StoppageError::PollutionEndsWithAlert);
        }
        self.record(at, by, Status::ResumptionReview, "resumption applied for".into());
        Ok(())
    }

    /// Review → operating. After a stop of a calendar year or more the permit must have been
    /// re-verified.
    pub fn approve_resumption(
        &mut self,
        at: NaiveDate,
        by: &str,
        permit_reverified: bool,
        note: &str,
    ) -> Result<(), StoppageError> {
        self.guard(at, by)?;
        if self.status != Status::ResumptionReview {
            return Err(StoppageError::Illegal { status: self.status, action: "approve resumption" });
        }
        if self.stopped_a_year(at) && !permit_reverified {
            return Err(StoppageError::PermitReverificationNeeded { days: self.days_stopped(at) });
        }
        self.end(at, by, format!("resumption approved: {note}"));
        Ok(())
    }

    /// Review → stopped again.
    pub fn reject_resumption(&mut self, at: NaiveDate, by: &str, note: &str) -> Result<(), StoppageError> {
        self.guard(at, by)?;
        if self.status != Status::ResumptionReview {
            return Err(StoppageError::Illegal { status: self.status, action: "reject resumption" });
        }
        self.record(at, by, Status::Stopped, format!("resumption rejected: {note}"));
        Ok(())
    }

    /// The current stoppage has lasted a calendar year or more at `today` (the permit rule is
    /// "≥ 1 year", not 365 days: a stop across 29 February needs 366).
    pub fn stopped_a_year(&self, today: NaiveDate) -> bool {
        self.current
            .as_ref()
            .and_then(|c| c.since.checked_add_months(Months::new(12)))
            .is_some_and(|anniversary| today >= anniversary)
    }

    /// Days in the current stoppage at `today` (0 when operating).
    pub fn days_stopped(&self, today: NaiveDate) -> i64 {
        self.current.as_ref().map(|c| (today - c.since).num_days().max(0)).unwrap_or(0)
    }

    /// For an abnormal stoppage: the date the report to the permit authority is due (one month
    /// after the stop; Construction Law art. 10 / 施工许可管理办法 art. 9 [S]).
    pub fn report_due(&self) -> Option<NaiveDate> {
        let c = self.current.as_ref()?;
        matches!(c.reason, StopReason::Abnormal { .. }).then(|| c.since.checked_add_months(Months::new(1)))?
    }

    /// The report is overdue at `today`.
    pub fn report_overdue(&self, today: NaiveDate) -> bool {
        self.report_due().is_some_and(|due| today > due && self.current.as_ref().is_some_and(|c| c.reported.is_none()))
    }
}

/// A duty of a stopped site (standards doc §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Duty {
    /// Tower crane hook raised near the jib, nothing hung on it.
    CraneHookRaised,
    /// Tower crane unloaded and its power off.
    CranePowerOff,
    /// Tower crane free to weathervane (slew brake released).
    CraneWeathervaning,
    /// Hoists and gondolas lowered to the ground.
    HoistsLowered,
    /// Distribution boxes locked, no load current.
    BoxesLocked,
    /// Pit monitoring continues.
    PitMonitoring,
    /// Duty staff patrols done.
    DutyPatrols,
}

/// Whether a duty is met.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum DutyStatus {
    /// Met, with the evidence.
    Met(Bilingual),
    /// Not met, with the evidence.
    Unmet(Bilingual),
    /// No sensor tells: check it on the patrol.
    Unknown(Bilingual),
}

impl DutyStatus {
    /// The evidence, whichever the status.
    pub fn evidence(&self) -> &Bilingual {
        match self {
            DutyStatus::Met(w) | DutyStatus::Unmet(w) | DutyStatus::Unknown(w) => w,
        }
    }
}

/// One line of the duty checklist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DutyCheck {
    /// The duty.
    pub duty: Duty,
    /// The object it concerns, if one.
    pub object: Option<String>,
    /// Status.
    pub status: DutyStatus,
}

/// Something a stopped site should not show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FindingKind {
    /// Crane load cycles or slewing under load.
    LiftingActivity,
    /// Machines drawing power.
    PowerDraw,
    /// Construction noise by day.
    DaytimeNoise,
    /// Monitoring that must continue has gone silent.
    DarkSensor,
    /// More people on site than the duty crew (real-name on-site count).
    CrewOnSite,
}

/// A finding with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// What.
    pub kind: FindingKind,
    /// Sensor.
    pub sensor: String,
    /// Object.
    pub object: String,
    /// When (the first evidence).
    pub time: DateTime<Utc>,
    /// In words.
    pub evidence: Bilingual,
}

/// Thresholds of the stopped-site checks (sitetwin's defaults, not from a standard).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoppedSiteRules {
    /// A crane load above this (% of rated) is a lift.
    pub lift_load_pct: f64,
    /// Below this the crane is unloaded.
    pub unloaded_pct: f64,
    /// Hook within this distance below the jib counts as raised (one procedure says ≤ 5 m [S]).
    pub hook_below_jib_m: f64,
    /// A hoist cage at most this high above the ground landing counts as lowered, m [R]: sitetwin's
    /// allowance for the sensor's zero and the landing sill, not from a standard.
    pub cage_lowered_m: f64,
    /// Load current (A) above which a switch box powers a machine.
    pub power_draw_a: f64,
    /// Daytime noise (dB(A)) above which a stopped site is judged to be working.
    pub working_noise_db: f64,
    /// Wind above which a weathervaning jib should turn, m/s.
    pub weathervane_wind_m_s: f64,
    /// People a stopped site keeps on duty (guards, patrols); more on site is activity [default].
    pub duty_crew_people: f64,
}

impl Default for StoppedSiteRules {
    fn default() -> Self {
        Self {
            lift_load_pct: 10.0,
            unloaded_pct: 5.0,
            hook_below_jib_m: 5.0,
            cage_lowered_m: 0.5,
            power_draw_a: 0.5,
            working_noise_db: 60.0,
            weathervane_wind_m_s: 5.0,
            duty_crew_people: 6.0,
        }
    }
}

/// One valid reading: when, and the value.
type Sample = (DateTime<Utc>, f64);

/// The readings of a stopped period, by sensor, in time order (valid values only).
fn by_sensor(readings: &[Reading]) -> HashMap<&str, Vec<Sample>> {
    let mut m: HashMap<&str, Vec<Sample>> = HashMap::new();
    for r in readings.iter().filter(|r| r.value.is_finite()) {
        let invalid = r.flag.is_some_and(|f| f.validity() == crate::telemetry::FlagValidity::Invalid);
        if !invalid {
            m.entry(r.sensor.as_str()).or_default().push((r.time, r.value));
        }
    }
    for v in m.values_mut() {
        v.sort_by_key(|(t, _)| *t);
    }
    m
}

/// Whether every cage of hoist `h` rests at the ground landing: each cage's height sensor's last
/// reading at most `cage_lowered_m` up. A cage left up is unmet whatever the others; a cage
/// without a sensor or a reading cannot be told.
fn hoist_lowered(
    scene: &SiteScene,
    h: &crate::scene::Hoist,
    last: &dyn Fn(&str) -> Option<Sample>,
    rules: &StoppedSiteRules,
) -> DutyStatus {
    let cages = usize::from(h.cages.max(1));
    let sensors = sensors_of(scene, &h.id, SensorKind::HoistHeight);
    let read: Vec<(&str, Sample)> = sensors.iter().filter_map(|id| Some((*id, last(id)?))).collect();
    if let Some((id, (t, z))) = read.iter().find(|(_, (_, z))| *z > rules.cage_lowered_m) {
        return DutyStatus::Unmet(Bilingual::new(
            format!("吊笼停在首层以上 {z} m（{id}，{t}）"),
            format!("cage left at {z} m above the ground landing ({id}, {t})"),
        ));
    }
    let down = read.iter().map(|(id, (t, z))| format!("{id} {z} m ({t})")).collect::<Vec<_>>().join(", ");
    match (sensors.len(), read.len()) {
        (0, _) => DutyStatus::Unknown(Bilingual::new(
            "无吊笼高度传感器：巡查时核实",
            "no cage-height sensor: check on the patrol",
        )),
        (_, 0) => DutyStatus::Unknown(Bilingual::new(
            "无吊笼高度读数：巡查时核实",
            "no cage-height reading: check on the patrol",
        )),
        (_, n) if n >= cages => {
            DutyStatus::Met(Bilingual::new(format!("已降至首层：{down}"), format!("at the ground landing: {down}")))
        }
        (_, n) => DutyStatus::Unknown(Bilingual::new(
            format!("{cages} 个吊笼中 {n} 个报告已降至首层（{down}）；其余巡查时核实"),
            format!("{n} of {cages} cages reported at the ground landing ({down}); check the other on the patrol"),
        )),
    }
}

fn sensors_of<'a>(scene: &'a SiteScene, object: &str, kind: SensorKind) -> Vec<&'a str> {
    scene.sensors.iter().filter(|s| s.anchor.object == object && s.kind == kind).map(|s| s.id.as_str()).collect()
}

/// Whether [`check_duties`] and [`detect_activity`] read sensors of this kind: hooks, loads,
/// slews, wind, hoist cages, power, noise, people on site and the pit points (the last day of these is all a
/// stopped site's checks need).
pub fn duty_input(k: SensorKind) -> bool {
    matches!(
        k,
        SensorKind::HookHeight
            | SensorKind::CraneLoad
            | SensorKind::SlewAngle
            | SensorKind::WindSpeed
            | SensorKind::HoistHeight
            | SensorKind::LoadCurrent
            | SensorKind::Noise
            | SensorKind::PersonnelOnSite
    ) || k.group() == SensorGroup::Pit
}

/// Checks the duties of a stopped site at `at` from the readings since the stop.
pub fn check_duties(
    scene: &SiteScene,
    readings: &[Reading],
    rules: &StoppedSiteRules,
    stale_after_intervals: f64,
    at: DateTime<Utc>,
) -> Vec<DutyCheck> {
    let data = by_sensor(readings);
    let last = |id: &str| data.get(id).and_then(|v| v.last()).copied();
    let mut out = Vec::new();
    let unknown = |d: Duty, o: Option<&str>, zh: &str, en: &str| DutyCheck {
        duty: d,
        object: o.map(str::to_string),
        status: DutyStatus::Unknown(Bilingual::new(zh, en)),
    };
    for c in &scene.cranes {
        let hook = sensors_of(scene, &c.id, SensorKind::HookHeight).into_iter().find_map(last);
        out.push(match hook {
            Some((t, h)) => {
                let need = c.mast_height_m - rules.hook_below_jib_m;
                let s = if h >= need {
                    DutyStatus::Met(Bilingual::new(
                        format!("吊钩高度 {h} m ≥ {need} m（{t}）"),
                        format!("hook at {h} m ≥ {need} m ({t})"),
                    ))
                } else {
                    DutyStatus::Unmet(Bilingual::new(
                        format!("吊钩高度 {h} m，低于 {need} m（{t}）"),
                        format!("hook at {h} m, below {need} m ({t})"),
                    ))
                };
                DutyCheck { duty: Duty::CraneHookRaised, object: Some(c.id.clone()), status: s }
            }
            None => unknown(
                Duty::CraneHookRaised,
                Some(&c.id),
                "无吊钩高度读数：巡查时核实",
                "no hook-height reading: check on the patrol",
            ),
        });
        let load = sensors_of(scene, &c.id, SensorKind::CraneLoad).into_iter().find_map(last);
        let switch = scene
            .distribution_boxes
            .iter()
            .find(|b| b.serves.as_deref() == Some(c.id.as_str()))
            .and_then(|b| sensors_of(scene, &b.id, SensorKind::LoadCurrent).into_iter().find_map(last));
        out.push(match (load, switch) {
            (_, Some((t, a))) if a > rules.power_draw_a => DutyCheck {
                duty: Duty::CranePowerOff,
                object: Some(c.id.clone()),
                status: DutyStatus::Unmet(Bilingual::new(
                    format!("开关箱仍有电流 {a} A（{t}）"),
                    format!("switch box draws {a} A ({t})"),
                )),
            },
            (Some((t, l)), _) if l > rules.unloaded_pct => DutyCheck {
                duty: Duty::CranePowerOff,
                object: Some(c.id.clone()),
                status: DutyStatus::Unmet(Bilingual::new(
                    format!("吊钩仍有载荷，为额定起重量的 {l} %（{t}）"),
                    format!("load {l} % of rated on the hook ({t})"),
                )),
            },
            (_, Some((t, a))) => DutyCheck {
                duty: Duty::CranePowerOff,
                object: Some(c.id.clone()),
                status: DutyStatus::Met(Bilingual::new(
                    format!("开关箱电流 {a} A（{t}）"),
                    format!("switch box draws {a} A ({t})"),
                )),
            },
            (Some((t, l)), None) => DutyCheck {
                duty: Duty::CranePowerOff,
                object: Some(c.id.clone()),
                status: DutyStatus::Unknown(Bilingual::new(
                    format!("已空载（{l} %，{t}），但其开关箱无电流传感器"),
                    format!("unloaded ({l} %, {t}) but no current sensor on its switch box"),
                )),
            },
            (None, None) => unknown(Duty::CranePowerOff, Some(&c.id), "无载荷或电流读数", "no load or current reading"),
        });
        // Weathervaning: with the jib free, a windy day turns it.
        let slew = sensors_of(scene, &c.id, SensorKind::SlewAngle).into_iter().find_map(|id| data.get(id));
        let wind = scene
            .sensors
            .iter()
            .filter(|s| s.kind == SensorKind::WindSpeed)
            .filter_map(|s| data.get(s.id.as_str()))
            .flatten()
            .map(|(_, v)| *v)
            .fold(f64::NAN, f64::max);
        out.push(match slew {
            Some(v) if v.len() >= 2 => {
                let turned = turned_deg(v);
                let status = if turned >= 10.0 {
                    DutyStatus::Met(Bilingual::new(
                        format!("起重臂随风转动 {turned:.0}°"),
                        format!("jib turned {turned:.0}° with the wind"),
                    ))
                } else if wind > rules.weathervane_wind_m_s {
                    DutyStatus::Unmet(Bilingual::new(
                        format!("风速达 {wind} m/s，起重臂仅转动 {turned:.0}°：回转制动可能被锁死"),
                        format!(
                            "jib turned only {turned:.0}° though wind reached {wind} m/s: slew brake may be locked"
                        ),
                    ))
                } else {
                    DutyStatus::Unknown(Bilingual::new(
                        format!("起重臂转动 {turned:.0}°；风力太小，无法判断"),
                        format!("jib turned {turned:.0}°; too little wind to tell"),
                    ))
                };
                DutyCheck { duty: Duty::CraneWeathervaning, object: Some(c.id.clone()), status }
            }
            _ => unknown(Duty::CraneWeathervaning, Some(&c.id), "无回转角度历史数据", "no slew-angle history"),
        });
    }
    for h in &scene.hoists {
        out.push(DutyCheck {
            duty: Duty::HoistsLowered,
            object: Some(h.id.clone()),
            status: hoist_lowered(scene, h, &last, rules),
        });
    }
    let currents: Vec<(String, Option<Sample>)> = scene
        .distribution_boxes
        .iter()
        .filter(|b| b.level != BoxLevel::Main)
        .flat_map(|b| sensors_of(scene, &b.id, SensorKind::LoadCurrent).into_iter().map(move |id| (b.id.clone(), id)))
        .map(|(b, id)| (b, last(id)))
        .collect();
    out.push(if currents.is_empty() {
        unknown(
            Duty::BoxesLocked,
            None,
            "分配电箱、开关箱无负荷电流传感器",
            "no load-current sensors on sub or switch boxes",
        )
    } else {
        let live: Vec<String> = currents
            .iter()
            .filter_map(|(b, r)| r.filter(|(_, a)| *a > rules.power_draw_a).map(|(_, a)| format!("{b} {a} A")))
            .collect();
        DutyCheck {
            duty: Duty::BoxesLocked,
            object: None,
            status: if live.is_empty() {
                DutyStatus::Met(Bilingual::new("各配电箱均无电流", "no box draws current"))
            } else {
                DutyStatus::Unmet(Bilingual::new(
                    format!("仍有电流的配电箱：{}", live.join("，")),
                    format!("boxes drawing current: {}", live.join(", ")),
                ))
            },
        }
    });
    let pit: Vec<&crate::scene::Sensor> = scene.sensors.iter().filter(|s| s.kind.group() == SensorGroup::Pit).collect();
    if !pit.is_empty() {
        let dark: Vec<String> = pit
            .iter()
            .filter(|s| is_dark(s, last(&s.id).map(|(t, _)| t), stale_after_intervals, at))
            .map(|s| s.id.clone())
            .collect();
        out.push(DutyCheck {
            duty: Duty::PitMonitoring,
            object: pit.first().map(|s| s.anchor.object.clone()),
            status: if dark.is_empty() {
                DutyStatus::Met(Bilingual::new(
                    format!("{} 个基坑监测点均在上报", pit.len()),
                    format!("all {} pit points reporting", pit.len()),
                ))
            } else {
                DutyStatus::Unmet(Bilingual::new(
                    format!("{} 个基坑监测点中 {} 个无数据：{}", pit.len(), dark.len(), dark.join("，")),
                    format!("{} of {} pit points silent: {}", dark.len(), pit.len(), dark.join(", ")),
                ))
            },
        });
    }
    out.push(unknown(
        Duty::DutyPatrols,
        None,
        "尚未接入巡查记录：请查阅值班记录",
        "patrol records are not connected yet: check the duty log",
    ));
    out
}

/// The arc a slewing jib swept over a series of slew angles, degrees: consecutive readings are
/// unwrapped across 0°/360° (taking the shorter way round, so readings must be less than half a
/// turn apart), and the span of the unwrapped angle is returned. 359° then 1° is 2°, not 358°.
fn turned_deg(series: &[Sample]) -> f64 {
    let (mut at, mut lo, mut hi) = (0.0_f64, 0.0_f64, 0.0_f64);
    for w in series.windows(2) {
        at += (w[1].1 - w[0].1 + 180.0).rem_euclid(360.0) - 180.0;
        lo = lo.min(at);
        hi = hi.max(at);
    }
    hi - lo
}

fn is_dark(s: &crate::scene::Sensor, last: Option<DateTime<Utc>>, k: f64, at: DateTime<Utc>) -> bool {
    let Some(iv) = s.interval_s else { return false };
    match last {
        Some(t) => (at - t).num_milliseconds() as f64 / 1000.0 > iv * k,
        None => true,
    }
}

/// Looks for a stopped site still working (lifting, power, daytime noise, more people on site
/// than its duty crew) and for monitoring that
/// must continue but has gone dark, in the readings from `since` to `at`.
pub fn detect_activity(
    scene: &SiteScene,
    readings: &[Reading],
    rules: &StoppedSiteRules,
    stale_after_intervals: f64,
    local: FixedOffset,
    at: DateTime<Utc>,
) -> Vec<Finding> {
    let data = by_sensor(readings);
    let mut out = Vec::new();
    for s in &scene.sensors {
        let Some(series) = data.get(s.id.as_str()) else {
            if s.kind.group() == SensorGroup::Pit && is_dark(s, None, stale_after_intervals, at) {
                out.push(Finding {
                    kind: FindingKind::DarkSensor,
                    sensor: s.id.clone(),
                    object: s.anchor.object.clone(),
                    time: at,
                    evidence: Bilingual::new("停工期间无任何读数", "no reading during the stoppage"),
                });
            }
            continue;
        };
        match s.kind {
            SensorKind::CraneLoad => {
                // A lift cycle: load above the lift threshold, then back below the unloaded one.
                let mut cycles = 0;
                let mut first = None;
                let mut lifting = false;
                let mut peak: f64 = 0.0;
                for (t, v) in series {
                    if *v > rules.lift_load_pct && !lifting {
                        lifting = true;
                        first.get_or_insert(*t);
                    }
                    if lifting {
                        peak = peak.max(*v);
                    }
                    if *v < rules.unloaded_pct && lifting {
                        lifting = false;
                        cycles += 1;
                    }
                }
                if let Some(t) = first {
                    out.push(Finding {
                        kind: FindingKind::LiftingActivity,
                        sensor: s.id.clone(),
                        object: s.anchor.object.clone(),
                        time: t,
                        evidence: Bilingual::new(
                            format!("{cycles} 次吊装循环，最大为额定起重量的 {peak} %"),
                            format!("{cycles} load cycle(s), up to {peak} % of rated load"),
                        ),
                    });
                }
            }
            SensorKind::LoadCurrent => {
                let is_switch =
                    scene.distribution_boxes.iter().any(|b| b.id == s.anchor.object && b.level == BoxLevel::Switch);
                if let Some((t, a)) = series.iter().find(|(_, a)| *a > rules.power_draw_a)
                    && is_switch
                {
                    out.push(Finding {
                        kind: FindingKind::PowerDraw,
                        sensor: s.id.clone(),
                        object: s.anchor.object.clone(),
                        time: *t,
                        evidence: Bilingual::new(format!("开关箱电流 {a} A"), format!("switch box drew {a} A")),
                    });
                }
            }
            SensorKind::Noise => {
                let day = |t: &DateTime<Utc>| {
                    let h = t.with_timezone(&local).hour();
                    (6..22).contains(&h)
                };
                let loud: Vec<&(DateTime<Utc>, f64)> =
                    series.iter().filter(|(t, v)| day(t) && *v > rules.working_noise_db).collect();
                if let Some((t, v)) = loud.first() {
                    out.push(Finding {
                        kind: FindingKind::DaytimeNoise,
                        sensor: s.id.clone(),
                        object: s.anchor.object.clone(),
                        time: *t,
                        evidence: Bilingual::new(
                            format!("昼间 {} 个读数超过 {} dB(A)，首个 {v} dB(A)", loud.len(), rules.working_noise_db),
                            format!(
                                "{} daytime readings above {} dB(A), first {v} dB(A)",
                                loud.len(),
                                rules.working_noise_db
                            ),
                        ),
                    });
                }
            }
            SensorKind::PersonnelOnSite => {
                let crowd: Vec<&Sample> = series.iter().filter(|(_, n)| *n > rules.duty_crew_people).collect();
                if let Some((t, _)) = crowd.first() {
                    let most = crowd.iter().map(|(_, n)| *n).fold(0.0, f64::max);
                    out.push(Finding {
                        kind: FindingKind::CrewOnSite,
                        sensor: s.id.clone(),
                        object: s.anchor.object.clone(),
                        time: *t,
                        evidence: Bilingual::new(
                            format!(
                                "{} 个读数超过值守人数 {}，在场最多 {most} 人",
                                crowd.len(),
                                rules.duty_crew_people
                            ),
                            format!(
                                "{} readings above the duty crew of {}, up to {most} people on site",
                                crowd.len(),
                                rules.duty_crew_people
                            ),
                        ),
                    });
                }
            }
            _ => {}
        }
        if s.kind.group() == SensorGroup::Pit {
            let last = series.last().map(|(t, _)| *t);
            if is_dark(s, last, stale_after_intervals, at) {
                out.push(Finding {
                    kind: FindingKind::DarkSensor,
                    sensor: s.id.clone(),
                    object: s.anchor.object.clone(),
                    time: last.unwrap_or(at),
                    evidence: {
                        let since = last.map(|t| t.to_rfc3339()).unwrap_or_default();
                        let every = s.interval_s.unwrap_or(0.0);
                        Bilingual::new(
                            format!("自 {since} 起无数据（应每 {every} s 上报）"),
                            format!("silent since {since} (expected every {every} s)"),
                        )
                    },
                });
            }
        }
    }
    out.sort_by_key(|f| f.time);
    out
}

/// Weights of the risk score (sitetwin's own; see docs/standards.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskWeights {
    /// Per over-scale work (a pit counts 1.5×: it stays dangerous while nobody works).
    pub over_scale: f64,
    /// Per major-hazard work.
    pub major_hazard: f64,
    /// Cap of the hazard part.
    pub hazard_cap: f64,
    /// Points for a full year stopped (linear).
    pub per_year_stopped: f64,
    /// Per unmet duty.
    pub unmet_duty: f64,
    /// Per duty nobody can check from telemetry.
    pub unknown_duty: f64,
    /// Per dark sensor.
    pub dark_sensor: f64,
    /// Per open warning / alarm / control-level alarm.
    pub open_alarm: [f64; 3],
    /// Per stopped-but-active finding.
    pub activity: f64,
    /// Points for an overdue abnormal-stoppage report.
    pub overdue_report: f64,
}

impl Default for RiskWeights {
    fn default() -> Self {
        Self {
            over_scale: 12.0,
            major_hazard: 6.0,
            hazard_cap: 36.0,
            per_year_stopped: 15.0,
            unmet_duty: 8.0,
            unknown_duty: 1.0,
            dark_sensor: 4.0,
            open_alarm: [2.0, 6.0, 10.0],
            activity: 10.0,
            overdue_report: 8.0,
        }
    }
}

/// Risk band (the 4-colour scheme: red / orange / yellow / blue) [S for the scheme].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum RiskBand {
    /// Low (blue): under 25.
    Blue,
    /// General (yellow): 25–49.
    Yellow,
    /// Large (orange): 50–74.
    Orange,
    /// Major (red): 75 and over.
    Red,
}

/// A risk score with its parts, so a reviewer sees why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskScore {
    /// 0–100.
    pub score: f64,
    /// Band.
    pub band: RiskBand,
    /// Each part and its points.
    pub parts: BTreeMap<&'static str, f64>,
}

/// What the score is computed from.
#[derive(Debug, Clone, Copy)]
pub struct RiskInputs<'a> {
    /// Major-hazard classification of the site's works.
    pub hazards: &'a [Classification],
    /// Days stopped.
    pub days_stopped: i64,
    /// Duty checklist.
    pub duties: &'a [DutyCheck],
    /// Stopped-but-active and dark-sensor findings.
    pub findings: &'a [Finding],
    /// Levels of open alarms.
    pub open_alarms: &'a [Level],
    /// The abnormal-stoppage report is overdue.
    pub report_overdue: bool,
}

/// The documented risk score of a non-operating site.
pub fn risk_score(i: &RiskInputs<'_>, w: &RiskWeights) -> RiskScore {
    let mut parts = BTreeMap::new();
    let hazard: f64 = i
        .hazards
        .iter()
        .map(|c| {
            let base = match c.class {
                HazardClass::OverScale => w.over_scale,
                HazardClass::MajorHazard => w.major_hazard,
                HazardClass::Ordinary => 0.0,
            };
            if c.category == WorkCategory::FoundationPit { base * 1.5 } else { base }
        })
        .sum();
    parts.insert("hazards", hazard.min(w.hazard_cap));
    parts.insert(
        "days stopped",
        (i.days_stopped.max(0) as f64 / 365.0 * w.per_year_stopped).min(w.per_year_stopped * 2.0),
    );
    let unmet = i.duties.iter().filter(|d| matches!(d.status, DutyStatus::Unmet(_))).count() as f64;
    let unknown = i.duties.iter().filter(|d| matches!(d.status, DutyStatus::Unknown(_))).count() as f64;
    parts.insert("unmet duties", unmet * w.unmet_duty);
    parts.insert("unchecked duties", unknown * w.unknown_duty);
    let dark = i.findings.iter().filter(|f| f.kind == FindingKind::DarkSensor).count() as f64;
    let active = i.findings.iter().filter(|f| f.kind != FindingKind::DarkSensor).count() as f64;
    parts.insert("dark sensors", (dark * w.dark_sensor).min(20.0));
    parts.insert("working while stopped", (active * w.activity).min(30.0));
    let alarms: f64 = i
        .open_alarms
        .iter()
        .map(|l| match l {
            Level::Warning => w.open_alarm[0],
            Level::Alarm => w.open_alarm[1],
            Level::Control => w.open_alarm[2],
            Level::Normal => 0.0,
        })
        .sum();
    parts.insert("open alarms", alarms.min(20.0));
    parts.insert("overdue report", if i.report_overdue { w.overdue_report } else { 0.0 });
    let score = parts.values().sum::<f64>().clamp(0.0, 100.0);
    let band = match score {
        s if s >= 75.0 => RiskBand::Red,
        s if s >= 50.0 => RiskBand::Orange,
        s if s >= 25.0 => RiskBand::Yellow,
        _ => RiskBand::Blue,
    };
    RiskScore { score, band, parts }
}

#[cfg(test)]
mod tests;
