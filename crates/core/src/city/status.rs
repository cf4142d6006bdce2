//! Each site's standing as the bureau sees it: status and stoppage category, days stopped, the
//! major-hazard works present, a stopped site's duties judged from telemetry, stopped-but-active
//! and dark-sensor findings, open alarms, and the core's risk score with its reasons. The
//! non-operating sites come riskiest first.
//!
//! Telemetry: a stopped site's last day is simulated from its scene (full or light) under its
//! stoppage, with the lapses the registry gives it ([`super::Lapse`]) and the city's weather of
//! that day (a gust front in the small hours, so a crane whose slew brake is locked shows it).
//! The last 12 hours before 10:00 on the registry's day are played.
//! A city served by the gateway judges the gateway's readings instead.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use super::{City, CitySite, GeoPoint, Lapse};
use crate::i18n::{self, Lang};
use crate::patrol::live::LiveSim;
use crate::rules::hazard::{self, Classification, HazardClass};
use crate::rules::stoppage::{
    self, DutyCheck, DutyStatus, Finding, FindingKind, RiskBand, RiskInputs, RiskWeights, Status, StopReason,
};
use crate::rules::{Level, RuleSet};
use crate::scene::{self, ModelChecks, SensorGroup, SiteScene};
use crate::sim::{EventKind, Scenario, ScenarioStoppage, TimedEvent};
use crate::telemetry::CHINA_STANDARD_TIME_S;

/// The stoppage categories a housing bureau tracks (standards doc §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Heavy-pollution alert.
    Pollution,
    /// Rectification order.
    Rectification,
    /// Abnormal stoppage (funding, disputes).
    Abnormal,
    /// Spring Festival, winter.
    Seasonal,
    /// Epidemic control.
    Epidemic,
    /// A major event.
    Event,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 6] = [
        Category::Pollution,
        Category::Rectification,
        Category::Abnormal,
        Category::Seasonal,
        Category::Epidemic,
        Category::Event,
    ];

    /// The category of a stop reason.
    pub fn of(reason: &StopReason) -> Category {
        match reason {
            StopReason::PollutionAlert { .. } => Category::Pollution,
            StopReason::Rectification { .. } => Category::Rectification,
            StopReason::Abnormal { .. } => Category::Abnormal,
            StopReason::Seasonal => Category::Seasonal,
            StopReason::Epidemic => Category::Epidemic,
            StopReason::Event { .. } => Category::Event,
        }
    }

    /// Its name in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Category::Pollution => ("重污染天气停工", "pollution alert"),
            Category::Rectification => ("整改停工", "rectification"),
            Category::Abnormal => ("中止施工", "abnormal"),
            Category::Seasonal => ("季节性停工", "seasonal"),
            Category::Epidemic => ("疫情停工", "epidemic"),
            Category::Event => ("重大活动停工", "major event"),
        };
        if lang == Lang::Zh { zh } else { en }
    }
}

/// Where a row's telemetry verdicts come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Telemetry {
    /// The site works: its duties are not judged.
    NotJudged,
    /// Not judged yet: the score so far has only the site's works, days and reports.
    Pending,
    /// A gateway's stored readings (this many, of the duty checks' sensors) and open alarms.
    Gateway {
        /// Readings judged.
        readings: usize,
    },
    /// The simulator played its last `hours`.
    Simulated {
        /// Hours simulated.
        hours: f64,
    },
    /// It could not be judged, and why (its scene did not load, say).
    Failed(String),
}

/// One major-hazard work of a site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HazardWork {
    /// Object id.
    pub object: String,
    /// Its name.
    pub name: String,
    /// Major hazard or over the scale.
    pub class: HazardClass,
}

/// A site as the bureau's table shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteRow {
    /// Site id.
    pub site: String,
    /// Project name.
    pub name: String,
    /// District.
    pub district: String,
    /// Where it is.
    pub location: GeoPoint,
    /// Status.
    pub status: Status,
    /// The stoppage category, while not operating.
    pub category: Option<Category>,
    /// The stop reason in words (the UI's language).
    pub reason: String,
    /// Stopped since.
    pub since: Option<NaiveDate>,
    /// Days stopped at the registry's day.
    pub days_stopped: i64,
    /// Major-hazard and over-scale works.
    pub hazards: Vec<HazardWork>,
    /// The duty checklist (stopped sites).
    pub duties: Vec<DutyCheck>,
    /// Dark sensors.
    pub dark_sensors: Vec<String>,
    /// Stopped-but-active and dark-sensor findings.
    pub findings: Vec<Finding>,
    /// Levels of the open alarms.
    pub open_alarms: Vec<Level>,
    /// An abnormal stoppage's report is overdue.
    pub report_overdue: bool,
    /// Stopped a year or more: the permit must be re-verified before resuming.
    pub permit_reverification: bool,
    /// Risk score, 0–100 (0 for an operating site).
    pub risk_score: f64,
    /// Its band.
    pub band: RiskBand,
    /// Why, one line per scoring part with its points.
    pub reasons: Vec<String>,
    /// Where the telemetry verdicts come from.
    pub telemetry: Telemetry,
}

impl SiteRow {
    /// Unmet duties.
    pub fn unmet_duties(&self) -> usize {
        self.duties.iter().filter(|d| matches!(d.status, DutyStatus::Unmet(_))).count()
    }

    /// Sensors that went dark: silent in the engine's view or found dark by the stopped-site
    /// checks (one count everywhere the row is shown).
    pub fn dark_count(&self) -> usize {
        let mut ids: std::collections::BTreeSet<&str> = self.dark_sensors.iter().map(String::as_str).collect();
        ids.extend(self.findings.iter().filter(|f| f.kind == FindingKind::DarkSensor).map(|f| f.sensor.as_str()));
        ids.len()
    }

    /// Stopped-but-active findings (dark sensors not counted).
    pub fn activity_findings(&self) -> usize {
        self.findings.iter().filter(|f| f.kind != FindingKind::DarkSensor).count()
    }
}

/// The rules a city is judged by.
#[derive(Debug, Clone)]
pub struct Judging {
    /// Alarm rules the simulated telemetry is judged by.
    pub rules: Arc<RuleSet>,
    /// Risk-score weights.
    pub weights: RiskWeights,
    /// Seed of the simulated telemetry.
    pub seed: u64,
    /// Hours of telemetry judged before 10:00 on the registry's day: the night's wind and the
    /// morning's work (at least 12, which the events of the day assume).
    pub hours: f64,
    /// The display language of the words in a row.
    pub lang: Lang,
}

impl Default for Judging {
    fn default() -> Self {
        Self {
            rules: Arc::new(RuleSet::default()),
            weights: RiskWeights::default(),
            seed: 1,
            hours: 12.0,
            lang: Lang::Zh,
        }
    }
}

/// The local hour of the registry's day at which a city is judged.
const JUDGED_AT_LOCAL_H: u32 = 10;

/// The moment the city is judged: 10:00 China Standard Time on the registry's day.
pub fn judged_at(today: NaiveDate) -> DateTime<Utc> {
    let local = today.and_hms_opt(JUDGED_AT_LOCAL_H, 0, 0).unwrap_or_default();
    Utc.from_utc_datetime(&(local - Duration::seconds(i64::from(CHINA_STANDARD_TIME_S))))
}

/// The scene of a site: its file (models not checked) or its light description.
pub fn site_scene(city: &City, site: &CitySite) -> Result<SiteScene, String> {
    if let Some(path) = city.scene_path(site) {
        return scene::load(&path, ModelChecks::Skip).map(|l| l.scene).map_err(|e| e.to_string());
    }
    match &site.light {
        Some(l) => l.scene(site, &city.name),
        None => Err(format!("site {} has no scene", site.id)),
    }
}

/// The simulated day of a stopped site: its stoppage, its lapses and the city's weather.
fn scenario(site: &CitySite, scene: &SiteScene, at: DateTime<Utc>, hours: f64) -> Option<Scenario> {
    let current = site.stoppage.current.as_ref()?;
    // The day's events are placed up to 11 h back: fewer hours would fold them onto the start.
    let hours = hours.max(12.0);
    let start = at - Duration::milliseconds((hours * 3.6e6) as i64);
    // Events are placed back from the judged moment (10:00): a monitoring point goes dark at
    // 23:00, the gust front passes at 02:00, a crew or noisy work comes in at 08:00.
    let back = |h: f64| (hours - h).max(0.0);
    let ev = |at_h: f64, event: EventKind, targets: Vec<String>| TimedEvent { at_h, event, targets };
    let mut events = vec![ev(back(8.0), EventKind::Gust { peak_m_s: 11.0, duration_min: 120.0 }, vec![])];
    for lapse in &site.lapses {
        match lapse {
            Lapse::SlewBrakeLocked => {
                if let Some(c) = scene.cranes.first() {
                    events.push(ev(0.0, EventKind::SlewBrakeLocked { until_h: None }, vec![c.id.clone()]));
                }
            }
            Lapse::PitPointDark => {
                if let Some(s) = scene.sensors.iter().find(|s| s.kind.group() == SensorGroup::Pit) {
                    events.push(ev(back(11.0), EventKind::SensorDark { until_h: None }, vec![s.id.clone()]));
                }
            }
            Lapse::CrewOnSite => {
                events.push(ev(back(2.0), EventKind::CrewOnStoppedSite { people: 12.0, duration_h: 3.0 }, vec![]));
            }
            Lapse::NoisyWork => {
                if scene.sensors.iter().any(|s| s.kind == crate::scene::SensorKind::Noise) {
                    events.push(ev(
                        back(2.0),
                        EventKind::NoisyWork { leq_db: 75.0, duration_min: 90.0, peak_db: None },
                        vec![],
                    ));
                }
            }
        }
    }
    let stoppage = ScenarioStoppage {
        reason: current.reason.clone(),
        since: current.since,
        ordered_by: current.ordered_by.clone(),
        note: current.note.clone(),
    };
    let origin = format!("<the simulated day of site {}>", site.id);
    Some(Scenario::built("city-day", start, hours, Some(stoppage), events, Path::new(&origin)))
}

/// What the telemetry says of a stopped site.
#[derive(Debug, Default)]
struct Verdicts {
    duties: Vec<DutyCheck>,
    findings: Vec<Finding>,
    dark: Vec<String>,
    alarms: Vec<Level>,
}

fn simulate(site: &CitySite, scene: &SiteScene, at: DateTime<Utc>, j: &Judging) -> Result<Verdicts, String> {
    let Some(sc) = scenario(site, scene, at, j.hours) else { return Ok(Verdicts::default()) };
    let seed = crate::sim::num::key(j.seed, &site.id);
    let mut live = LiveSim::new(scene, &sc, seed, j.rules.clone()).map_err(|e| e.to_string())?;
    live.advance_to(at);
    let now = live.now();
    let (duties, findings) = now.stoppage.map(|s| (s.duties, s.findings)).unwrap_or_default();
    Ok(Verdicts { duties, findings, dark: now.dark, alarms: now.alarms.iter().map(|a| a.level).collect() })
}

/// Judges one site at the registry's day.
pub fn judge(city: &City, site: &CitySite, j: &Judging) -> SiteRow {
    judge_with(city, site, j, true)
}

/// Judges one site at the registry's day; with `telemetry` false a stopped site's day is not
/// simulated (its row says [`Telemetry::Pending`]), for a first look at a large city.
pub fn judge_with(city: &City, site: &CitySite, j: &Judging, telemetry: bool) -> SiteRow {
    let evidence = if telemetry { Evidence::Simulate } else { Evidence::None };
    judge_on(city, site, j, &evidence)
}

/// What a stopped site's duties are judged from.
#[derive(Debug, Clone, Copy)]
pub enum Evidence<'a> {
    /// Nothing yet ([`Telemetry::Pending`]).
    None,
    /// Its day simulated.
    Simulate,
    /// A gateway's readings of the site (the duty checks' sensors, the last day) up to `at`, and
    /// the levels of its open alarms.
    Readings {
        /// The readings.
        readings: &'a [crate::telemetry::Reading],
        /// Levels of the open alarms.
        open_alarms: &'a [Level],
        /// The moment judged.
        at: DateTime<Utc>,
    },
}

/// Judges a stopped site's duties and findings from real readings (a gateway's).
fn from_readings(
    scene: &SiteScene,
    readings: &[crate::telemetry::Reading],
    open_alarms: &[Level],
    at: DateTime<Utc>,
    j: &Judging,
) -> Verdicts {
    let rules = stoppage::StoppedSiteRules::default();
    let k = j.rules.general.stale_after_intervals;
    let findings = stoppage::detect_activity(scene, readings, &rules, k, crate::telemetry::china_standard_time(), at);
    let dark = findings.iter().filter(|f| f.kind == FindingKind::DarkSensor).map(|f| f.sensor.clone()).collect();
    Verdicts {
        duties: stoppage::check_duties(scene, readings, &rules, k, at),
        findings,
        dark,
        alarms: open_alarms.to_vec(),
    }
}

/// Judges one site at the registry's day from `evidence`.
pub fn judge_on(city: &City, site: &CitySite, j: &Judging, evidence: &Evidence<'_>) -> SiteRow {
    let today = city.today;
    let st = &site.stoppage;
    let scene = site_scene(city, site);
    let hazards: Vec<Classification> = scene
        .as_ref()
        .map(|s| hazard::classify(s).into_iter().filter(|c| c.class != HazardClass::Ordinary).collect())
        .unwrap_or_default();
    let (verdicts, telemetry) = match (&scene, site.non_operating()) {
        (_, false) => (Verdicts::default(), Telemetry::NotJudged),
        (Ok(_), true) if matches!(evidence, Evidence::None) => (Verdicts::default(), Telemetry::Pending),
        (Err(e), true) => (Verdicts::default(), Telemetry::Failed(e.clone())),
        (Ok(scene), true) => match evidence {
            Evidence::Readings { readings, open_alarms, at } => {
                (from_readings(scene, readings, open_alarms, *at, j), Telemetry::Gateway { readings: readings.len() })
            }
            _ => match simulate(site, scene, judged_at(today), j) {
                Ok(v) => (v, Telemetry::Simulated { hours: j.hours }),
                Err(e) => (Verdicts::default(), Telemetry::Failed(e)),
            },
        },
    };
    let days_stopped = st.days_stopped(today);
    let report_overdue = st.report_overdue(today);
    let (risk_score, band, reasons) = if site.non_operating() {
        let risk = stoppage::risk_score(
            &RiskInputs {
                hazards: &hazards,
                days_stopped,
                duties: &verdicts.duties,
                findings: &verdicts.findings,
                open_alarms: &verdicts.alarms,
                report_overdue,
            },
            &j.weights,
        );
        let reasons = reasons(&risk.parts, &hazards, days_stopped, &verdicts, st.report_due(), j.lang);
        (round1(risk.score), risk.band, reasons)
    } else {
        (0.0, RiskBand::Blue, Vec::new())
    };
    let lang = j.lang;
    SiteRow {
        site: site.id.clone(),
        name: site.name.clone(),
        district: site.district.clone(),
        location: site.location,
        status: st.status,
        category: st.current.as_ref().map(|c| Category::of(&c.reason)),
        reason: st.current.as_ref().map(|c| i18n::stop_reason_text(lang, &c.reason)).unwrap_or_default(),
        since: st.current.as_ref().map(|c| c.since),
        days_stopped,
        hazards: hazards
            .iter()
            .map(|c| HazardWork { object: c.object.clone(), name: c.name.clone(), class: c.class })
            .collect(),
        duties: verdicts.duties,
        dark_sensors: verdicts.dark,
        findings: verdicts.findings,
        open_alarms: verdicts.alarms,
        report_overdue,
        permit_reverification: st.stopped_a_year(today),
        risk_score,
        band,
        reasons,
        telemetry,
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// One line per scoring part that scored, in `lang`, largest first.
fn reasons(
    parts: &std::collections::BTreeMap<&'static str, f64>,
    hazards: &[Classification],
    days: i64,
    v: &Verdicts,
    report_due: Option<NaiveDate>,
    lang: Lang,
) -> Vec<String> {
    let zh = lang == Lang::Zh;
    let mut lines: Vec<(f64, String)> = Vec::new();
    for (part, points) in parts.iter().filter(|(_, p)| **p > 0.0) {
        let detail = match *part {
            "hazards" => hazards
                .iter()
                .map(|c| {
                    let class = match (c.class, zh) {
                        (HazardClass::OverScale, true) => "超过一定规模的危大工程",
                        (HazardClass::OverScale, false) => "over-scale",
                        (_, true) => "危大工程",
                        (_, false) => "major hazard",
                    };
                    format!("{} {} ({class})", c.object, c.name)
                })
                .collect::<Vec<_>>()
                .join(if zh { "、" } else { ", " }),
            "days stopped" => {
                if zh {
                    format!("停工 {days} 天")
                } else {
                    format!("stopped {days} days")
                }
            }
            "unmet duties" | "unchecked duties" => {
                let unmet = *part == "unmet duties";
                v.duties
                    .iter()
                    .filter(|d| {
                        matches!(d.status, DutyStatus::Unmet(_)) == unmet && !matches!(d.status, DutyStatus::Met(_))
                    })
                    .map(|d| {
                        let name = i18n::duty_name(lang, d.duty);
                        d.object.as_ref().map(|o| format!("{o} {name}")).unwrap_or_else(|| name.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(if zh { "、" } else { ", " })
            }
            "dark sensors" => v
                .findings
                .iter()
                .filter(|f| f.kind == FindingKind::DarkSensor)
                .map(|f| f.sensor.clone())
                .collect::<Vec<_>>()
                .join(", "),
            "working while stopped" => v
                .findings
                .iter()
                .filter(|f| f.kind != FindingKind::DarkSensor)
                .map(|f| format!("{} ({})", i18n::finding_name(lang, &f.kind), f.sensor))
                .collect::<Vec<_>>()
                .join(if zh { "、" } else { ", " }),
            "open alarms" => {
                let n = v.alarms.iter().filter(|l| **l != Level::Normal).count();
                if zh { format!("{n} 条未关闭报警") } else { format!("{n} open alarm(s)") }
            }
            "overdue report" => {
                let due = report_due.map(|d| d.to_string()).unwrap_or_default();
                if zh {
                    format!("中止施工报告逾期 (应于 {due} 前报告)")
                } else {
                    format!("abnormal-stoppage report overdue (due {due})")
                }
            }
            _ => String::new(),
        };
        let title = part_title(part, lang);
        lines.push((*points, format!("{title} +{}: {detail}", round1(*points))));
    }
    lines.sort_by(|a, b| b.0.total_cmp(&a.0));
    lines.into_iter().map(|(_, l)| l).collect()
}

/// The title of a risk-score part.
pub fn part_title(part: &str, lang: Lang) -> &str {
    let zh = lang == Lang::Zh;
    match part {
        "hazards" if zh => "危大工程",
        "days stopped" if zh => "停工时长",
        "unmet duties" if zh => "停工职责未落实",
        "unchecked duties" if zh => "停工职责无法核实",
        "dark sensors" if zh => "监测离线",
        "working while stopped" if zh => "停而未停",
        "open alarms" if zh => "未关闭报警",
        "overdue report" if zh => "报告逾期",
        other => other,
    }
}

/// Judges every site of the city, on all cores, in registry order.
pub fn judge_city(city: &City, j: &Judging) -> Vec<SiteRow> {
    judge_city_with(city, j, true)
}

/// Every site of the city, on all cores, in registry order; without `telemetry`, the first look
/// of [`judge_with`].
pub fn judge_city_with(city: &City, j: &Judging, telemetry: bool) -> Vec<SiteRow> {
    let n = city.sites.len();
    let threads = std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1).clamp(1, 16).min(n.max(1));
    let chunk = n.div_ceil(threads).max(1);
    let mut rows: Vec<SiteRow> = Vec::with_capacity(n);
    std::thread::scope(|s| {
        let handles: Vec<_> = city
            .sites
            .chunks(chunk)
            .map(|sites| {
                s.spawn(move || sites.iter().map(|site| judge_with(city, site, j, telemetry)).collect::<Vec<_>>())
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(part) => rows.extend(part),
                Err(p) => std::panic::resume_unwind(p),
            }
        }
    });
    rows
}

/// The non-operating sites, riskiest first (then the longest stopped, then by id).
pub fn non_operating(rows: &[SiteRow]) -> Vec<&SiteRow> {
    let mut v: Vec<&SiteRow> = rows.iter().filter(|r| r.status != Status::Operating).collect();
    v.sort_by(|a, b| {
        b.risk_score.total_cmp(&a.risk_score).then(b.days_stopped.cmp(&a.days_stopped)).then(a.site.cmp(&b.site))
    });
    v
}
