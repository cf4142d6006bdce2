//! The demo city: about 30 sites around Nantong and Rugao with mixed statuses and histories from
//! June 2025 to the registry's day (2 December 2026), generated deterministically, so every
//! month of 2026 has a consultation report; and [`generate`] for cities of thousands of sites.
//!
//! The history is played day by day through the core's own rules: the city's heavy-pollution
//! alerts stop and resume sites by their works and exemptions ([`super::alert::issue`]), the
//! Spring Festival stops most sites, supervisors order rectification and approve resumption,
//! and a few owners stop abnormally for lack of funds (some reporting it late, or not at all).
//! Projects, companies and people are invented; the districts and the practice are real.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate};

use super::{City, CitySite, Decision, FILE_VERSION, GeoPoint, Lapse, LightSite, Review, alert};
use crate::rules::stoppage::{Activity, AlertLevel, Exemption, SiteStoppage, Status, StopReason};
use crate::sim::num::{Rng, key};

/// The demo city's registry day.
pub fn demo_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default()
}

/// Districts of Nantong: name, administrative code, centre (lat, lon), weight in the draw.
const DISTRICTS: [(&str, &str, f64, f64, f64); 7] = [
    ("崇川区", "320602", 32.010, 120.875, 5.0),
    ("通州区", "320612", 32.066, 121.073, 3.0),
    ("海门区", "320614", 31.871, 121.181, 2.0),
    ("如皋市", "320682", 32.371, 120.574, 4.0),
    ("海安市", "320685", 32.533, 120.467, 2.0),
    ("如东县", "320623", 32.331, 121.186, 1.5),
    ("启东市", "320681", 31.808, 121.657, 1.5),
];

const PLACES: [&str; 20] = [
    "紫琅", "濠河", "星湖", "钟秀", "五山", "城北", "江海", "通吕", "金沙", "开沙", "龙游", "如城", "水绘", "白蒲",
    "长江", "雉水", "掘港", "汇龙", "三厂", "滨江",
];
const KINDS: [(&str, u32, u32); 8] = [
    ("花园住宅项目", 11, 33),
    ("雅苑安置房项目", 11, 26),
    ("商务中心项目", 18, 40),
    ("学校教学楼项目", 4, 6),
    ("人民医院门诊楼项目", 8, 16),
    ("产业园厂房项目", 1, 4),
    ("城市综合体项目", 20, 45),
    ("物流仓储中心项目", 1, 3),
];
const PHASES: [&str; 3] = ["一期", "二期", "三期"];
const CONTRACTORS: [&str; 8] = [
    "南通通安建设集团有限公司",
    "江苏南通二建集团有限公司",
    "南通四建集团有限公司",
    "江苏南通三建集团股份有限公司",
    "龙信建设集团有限公司",
    "中天建设集团有限公司南通分公司",
    "如皋市安通建设工程有限公司",
    "江苏江中集团有限公司",
];
const REVIEWERS: [&str; 5] = ["张伟", "李静", "王磊", "陈晨", "刘洋"];
const BUREAU: &str = "南通市住房和城乡建设局";

/// The city's heavy-pollution alerts of the period: (day, level; `None` lifts it).
fn alerts() -> Vec<(NaiveDate, Option<AlertLevel>)> {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
    vec![
        (d(2025, 12, 9), Some(AlertLevel::III)),
        (d(2025, 12, 11), None),
        (d(2026, 1, 8), Some(AlertLevel::III)),
        (d(2026, 1, 9), Some(AlertLevel::II)),
        (d(2026, 1, 12), None),
        (d(2026, 1, 24), Some(AlertLevel::III)),
        (d(2026, 1, 26), None),
        (d(2026, 2, 27), Some(AlertLevel::III)),
        (d(2026, 3, 1), None),
        (d(2026, 3, 20), Some(AlertLevel::III)),
        (d(2026, 3, 21), None),
        (d(2026, 11, 14), Some(AlertLevel::III)),
        (d(2026, 11, 16), None),
        (d(2026, 11, 30), Some(AlertLevel::II)),
    ]
}

/// The first day of a generated history: June 2025 (or `today`, if earlier).
fn history_start(today: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).unwrap_or(today).min(today)
}

/// A site's own plan: what happens to it, on which day, whatever the city does.
#[derive(Debug, Clone)]
enum Plan {
    /// A rectification order, then resumption applied for after `apply_after` days and approved
    /// `approve_after` days later (a first application rejected when `rejected`).
    Rectify { order: String, apply_after: i64, approve_after: i64, rejected: bool },
    /// An abnormal stop, reported after `report_after` days (never: `None`).
    Abnormal { cause: &'static str, report_after: Option<i64> },
}

/// What the generator decided for one site, before the history is played.
struct Draft {
    site: CitySite,
    seasonal: bool,
    plans: Vec<(NaiveDate, Plan)>,
}

/// The embedded demo city: 30 sites, two of them with a full twin (the scenes `demo.ron` and
/// `rugao-warehouse.ron` in `scenes_dir`), the others light.
pub fn city(scenes_dir: &Path) -> City {
    let today = demo_today();
    let mut drafts = drafts(28, 2026, today);
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default();
    // The demo site: the pit open, earthworks and haulage under way, stopped by the orange alert
    // of 30 November; its telemetry shows the lapses of the `stopped-pollution` scenario.
    drafts.insert(
        0,
        Draft {
            site: CitySite {
                id: "3206022026051701".into(),
                name: "紫琅湖畔花园二期住宅项目".into(),
                district: "崇川区".into(),
                location: GeoPoint { lat_deg: 32.0098, lon_deg: 120.8945 },
                contractor: "南通通安建设集团有限公司".into(),
                scene: Some(PathBuf::from("demo.ron")),
                light: None,
                works: vec![Activity::Earthworks, Activity::Haulage, Activity::Cutting],
                exemptions: vec![],
                stoppage: SiteStoppage::default(),
                lapses: vec![Lapse::SlewBrakeLocked, Lapse::PitPointDark, Lapse::CrewOnSite],
            },
            seasonal: true,
            plans: vec![(
                d(6, 3),
                Plan::Rectify { order: "JL-2026-031".into(), apply_after: 9, approve_after: 3, rejected: false },
            )],
        },
    );
    // The Rugao logistics park: a rectification order after the truss lift's inspection, its
    // resumption under review on the registry's day.
    drafts.insert(
        1,
        Draft {
            site: CitySite {
                id: "3206822026081901".into(),
                name: "如皋经济技术开发区智慧物流园一期项目".into(),
                district: "如皋市".into(),
                location: GeoPoint { lat_deg: 32.3415, lon_deg: 120.5932 },
                contractor: "如皋市安通建设工程有限公司".into(),
                scene: Some(PathBuf::from("rugao-warehouse.ron")),
                light: None,
                works: vec![Activity::OpenAirWork],
                exemptions: vec![Exemption::DifferentiatedControl],
                stoppage: SiteStoppage::default(),
                lapses: vec![Lapse::NoisyWork],
            },
            seasonal: false,
            plans: vec![(
                d(11, 18),
                Plan::Rectify { order: "RG-JL-2026-118".into(), apply_after: 12, approve_after: 30, rejected: false },
            )],
        },
    );
    // An owner out of funds since October 2025 who never reported it: the report is overdue and,
    // past a year, the permit must be re-verified before any resumption.
    let tongl = &mut drafts[2];
    tongl.plans = vec![(
        NaiveDate::from_ymd_opt(2025, 10, 20).unwrap_or(today),
        Plan::Abnormal { cause: "建设资金未到位", report_after: None },
    )];
    tongl.site.lapses = vec![Lapse::PitPointDark];
    if let Some(l) = tongl.site.light.as_mut() {
        l.pit_depth_m = l.pit_depth_m.max(7.5);
    }
    let mut c = play(drafts, "南通市", today);
    c.dir = scenes_dir.to_path_buf();
    c
}

/// A city of `n` light sites around Nantong, from `seed`, with its history to `today`.
pub fn generate(n: usize, seed: u64, today: NaiveDate) -> City {
    play(drafts(n, seed, today), "南通市", today)
}

fn drafts(n: usize, seed: u64, today: NaiveDate) -> Vec<Draft> {
    let mut rng = Rng::new(key(seed, "city"));
    let total: f64 = DISTRICTS.iter().map(|d| d.4).sum();
    let start = history_start(today);
    let span = (today - start).num_days().max(1) as f64;
    let mut ids = BTreeSet::new();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut pick = rng.range(0.0, total);
        let &(district, code, lat, lon, _) = DISTRICTS
            .iter()
            .find(|d| {
                pick -= d.4;
                pick < 0.0
            })
            .unwrap_or(&DISTRICTS[0]);
        let permit = start - Duration::days(rng.range(30.0, 600.0) as i64);
        let mut seq = 1 + (rng.unit() * 20.0) as u32;
        let mut id = String::new();
        while id.is_empty() || ids.contains(&id) {
            id = format!("{code}{}{seq:02}", permit.format("%Y%m%d"));
            seq += 1;
        }
        ids.insert(id.clone());
        let (kind, lo, hi) = KINDS[(rng.unit() * KINDS.len() as f64) as usize % KINDS.len()];
        let place = PLACES[(rng.unit() * PLACES.len() as f64) as usize % PLACES.len()];
        let phase = PHASES[(rng.unit() * 3.0) as usize % 3];
        let name =
            if n > 200 { format!("{place}{kind}{phase}（{}）", i + 1) } else { format!("{place}{phase}{kind}") };
        let storeys = lo + ((rng.unit() * f64::from(hi - lo + 1)) as u32).min(hi - lo);
        // The stage the works are at decides what an alert bans.
        let stage = rng.unit();
        let (pit_depth_m, works) = if stage < 0.35 {
            let depth = (rng.range(3.0, 12.0) * 10.0).round() / 10.0;
            (depth, vec![Activity::Earthworks, Activity::Haulage, Activity::Piling])
        } else if stage < 0.8 {
            let cutting = rng.unit() < 0.35;
            (
                0.0,
                if cutting { vec![Activity::Cutting, Activity::RubbishClearing] } else { vec![Activity::OpenAirWork] },
            )
        } else if rng.unit() < 0.5 {
            (0.0, vec![Activity::Spraying, Activity::FacadeWork, Activity::OpenAirWork])
        } else {
            (0.0, vec![Activity::FacadeWork, Activity::OpenAirWork])
        };
        let cranes = if storeys <= 3 { 1 } else { 1 + (rng.unit() * 3.0) as u8 % 3 };
        let hoists = if storeys >= 8 && pit_depth_m == 0.0 { 1 + (rng.unit() * 2.0) as u8 % 2 } else { 0 };
        let side = |r: &mut Rng| (r.range(90.0, 260.0) / 5.0).round() * 5.0;
        let light = LightSite { plot_m: [side(&mut rng), side(&mut rng)], storeys, cranes, hoists, pit_depth_m };
        let e = rng.unit();
        let exemptions = if e < 0.14 {
            vec![Exemption::Canopy]
        } else if e < 0.28 {
            vec![Exemption::DifferentiatedControl]
        } else if e < 0.32 {
            vec![Exemption::ExemptionList]
        } else {
            vec![]
        };
        let mut lapses = Vec::new();
        for (lapse, p) in [
            (Lapse::SlewBrakeLocked, 0.2),
            (Lapse::PitPointDark, 0.25),
            (Lapse::CrewOnSite, 0.15),
            (Lapse::NoisyWork, 0.1),
        ] {
            if rng.unit() < p {
                lapses.push(lapse);
            }
        }
        let mut plans = Vec::new();
        let r = rng.unit();
        if r < 0.1 {
            const CAUSES: [&str; 3] = ["建设资金未到位", "工程款纠纷", "规划调整"];
            let cause = CAUSES[(rng.unit() * 3.0) as usize % 3];
            let at = start + Duration::days(rng.range(0.0, span - 5.0) as i64);
            let report_after = (rng.unit() < 0.7).then(|| rng.range(5.0, 40.0) as i64);
            plans.push((at, Plan::Abnormal { cause, report_after }));
        }
        let orders = (rng.unit() * 2.6) as usize;
        for k in 0..orders {
            let at = start + Duration::days(rng.range(0.0, span) as i64);
            let order = format!("JL-{}-{:03}", at.year(), 1 + (key(seed, &format!("{id}/{k}")) % 300));
            plans.push((
                at,
                Plan::Rectify {
                    order,
                    apply_after: rng.range(4.0, 30.0) as i64,
                    approve_after: rng.range(1.0, 8.0) as i64,
                    rejected: rng.unit() < 0.2,
                },
            ));
        }
        plans.sort_by_key(|(d, _)| *d);
        let site = CitySite {
            id,
            name,
            district: district.into(),
            location: GeoPoint {
                lat_deg: ((lat + rng.range(-0.045, 0.045)) * 1e5).round() / 1e5,
                lon_deg: ((lon + rng.range(-0.055, 0.055)) * 1e5).round() / 1e5,
            },
            contractor: CONTRACTORS[(rng.unit() * CONTRACTORS.len() as f64) as usize % CONTRACTORS.len()].into(),
            scene: None,
            light: Some(light),
            works,
            exemptions,
            stoppage: SiteStoppage::default(),
            lapses,
        };
        out.push(Draft { site, seasonal: rng.unit() < 0.8, plans });
    }
    out
}

/// What a site's plan still has to do, day by day.
#[derive(Debug, Clone)]
enum Pending {
    Apply(NaiveDate, i64, bool),
    Approve(NaiveDate),
    Report(NaiveDate),
}

/// Plays the history from June 2025 to `today` through the rules.
fn play(drafts: Vec<Draft>, name: &str, today: NaiveDate) -> City {
    let start = history_start(today);
    let spring_stop = NaiveDate::from_ymd_opt(2026, 2, 9).unwrap_or(today);
    let spring_apply = NaiveDate::from_ymd_opt(2026, 2, 24).unwrap_or(today);
    let spring_back = NaiveDate::from_ymd_opt(2026, 2, 26).unwrap_or(today);
    let seasonal: Vec<bool> = drafts.iter().map(|d| d.seasonal).collect();
    let mut plans: Vec<Vec<(NaiveDate, Plan)>> = drafts.iter().map(|d| d.plans.clone()).collect();
    let mut city = City {
        version: FILE_VERSION,
        name: name.into(),
        today,
        alert: None,
        sites: drafts.into_iter().map(|d| d.site).collect(),
        reviews: Vec::new(),
        rules: super::CityRules::default(),
        dir: PathBuf::new(),
    };
    let alerts = alerts();
    let rules = city.rules.pollution.clone();
    let mut pending: Vec<Vec<Pending>> = vec![Vec::new(); city.sites.len()];
    let mut day = start;
    while day <= today {
        for (at, level) in alerts.iter().filter(|(d, _)| *d == day) {
            // Every transition is dated today or later than the last: an alert cannot fail here.
            let _ = alert::issue(&mut city, *level, *at, BUREAU, &rules);
        }
        let reviewer =
            |i: usize| format!("{}（市住建局安监站）", REVIEWERS[(i + day.ordinal() as usize) % REVIEWERS.len()]);
        for (i, s) in city.sites.iter_mut().enumerate() {
            let st = &mut s.stoppage;
            if day == spring_stop && seasonal[i] && st.status == Status::Operating {
                let _ = st.stop(StopReason::Seasonal, day, &s.contractor, "春节停工");
            }
            if matches!(st.current.as_ref().map(|c| &c.reason), Some(StopReason::Seasonal)) {
                if day == spring_apply {
                    let _ = st.request_resumption(day, &s.contractor);
                } else if day == spring_back {
                    let _ = st.approve_resumption(day, "总监理工程师", false, "节后复工检查合格");
                }
            }
            let mut still = Vec::new();
            for p in std::mem::take(&mut pending[i]) {
                match p {
                    Pending::Apply(d, approve_after, rejected) if d == day => {
                        if st.request_resumption(day, &s.contractor).is_ok() {
                            let at = day + Duration::days(approve_after);
                            if rejected {
                                still.push(Pending::Apply(at + Duration::days(5), approve_after, false));
                            }
                            still.push(Pending::Approve(at));
                        }
                    }
                    Pending::Approve(d) if d == day => {
                        if st.status == Status::ResumptionReview {
                            let rejected = still.iter().any(|p| matches!(p, Pending::Apply(..)));
                            let by = reviewer(i);
                            if rejected {
                                let _ = st.reject_resumption(day, &by, "整改报告不完整");
                                city.reviews.push(review(
                                    &s.id,
                                    &by,
                                    day,
                                    Decision::OrderRectification,
                                    "整改报告缺少复查记录",
                                ));
                            } else if st.approve_resumption(day, &by, false, "整改完成，复查合格").is_ok() {
                                city.reviews.push(review(
                                    &s.id,
                                    &by,
                                    day,
                                    Decision::ApproveResumption,
                                    "整改完成，复查合格",
                                ));
                            }
                        }
                    }
                    Pending::Report(d) if d == day => {
                        let _ = st.report(day, &s.contractor);
                    }
                    other => still.push(other),
                }
            }
            pending[i] = still;
            while plans[i].first().is_some_and(|(d, _)| *d <= day) {
                let (_, plan) = plans[i].remove(0);
                if st.status != Status::Operating {
                    continue;
                }
                match plan {
                    Plan::Rectify { order, apply_after, approve_after, rejected } => {
                        if st
                            .stop(
                                StopReason::Rectification { order },
                                day,
                                "总监理工程师",
                                "存在重大事故隐患，停工整改",
                            )
                            .is_ok()
                        {
                            pending[i].push(Pending::Apply(day + Duration::days(apply_after), approve_after, rejected));
                        }
                    }
                    Plan::Abnormal { cause, report_after } => {
                        if st.stop(StopReason::Abnormal { cause: cause.into() }, day, &s.contractor, cause).is_ok()
                            && let Some(after) = report_after
                        {
                            pending[i].push(Pending::Report(day + Duration::days(after)));
                        }
                    }
                }
            }
            // The bureau looks at every long abnormal stop once a month.
            if day.day() == 25
                && let Some(c) = st.current.as_ref().filter(|c| matches!(c.reason, StopReason::Abnormal { .. }))
                && (day - c.since).num_days() >= 20
            {
                let finding = if s.lapses.is_empty() { "现场封闭，值守到岗" } else { "值守记录不全" };
                city.reviews.push(review(&s.id, &reviewer(i), day, Decision::KeepStopped, finding));
            }
        }
        day += Duration::days(1);
    }
    city
}

fn review(site: &str, by: &str, date: NaiveDate, decision: Decision, finding: &str) -> Review {
    Review {
        site: site.into(),
        reviewer: by.into(),
        date,
        findings: vec![finding.into()],
        decision,
        note: String::new(),
    }
}
