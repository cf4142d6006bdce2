//! Tests of the city registry, the demo city, alerts, judging and the consultation report.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::alert::{self, Effect};
use super::report::{self, Month};
use super::status::{self, Category, Judging, Telemetry};
use super::*;
use crate::i18n::Lang;
use crate::rules::stoppage::{Duty, DutyStatus, FindingKind, PollutionRules, StopReason};

fn scenes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenes")
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn demo() -> City {
    demo::city(&scenes())
}

/// The demo city judged once for every test that reads the judged rows (simulating 30 sites'
/// day is the slow part).
fn judged() -> &'static (City, Vec<status::SiteRow>) {
    static J: std::sync::OnceLock<(City, Vec<status::SiteRow>)> = std::sync::OnceLock::new();
    J.get_or_init(|| {
        let c = demo();
        let rows = status::judge_city(&c, &Judging::default());
        (c, rows)
    })
}

#[test]
fn the_demo_city_is_deterministic_valid_and_round_trips_through_its_file() {
    let a = demo();
    let b = demo();
    assert_eq!(a, b);
    assert_eq!(a.sites.len(), 30);
    assert_eq!(a.today, d(2026, 12, 2));
    assert_eq!(a.alert, Some(AlertLevel::II));
    let json = serde_json::to_string_pretty(&a).unwrap();
    let back = City::parse(&json, Path::new("city.json"), &scenes()).unwrap();
    assert_eq!(back, a);
    // Mixed statuses, every category a bureau sees in winter, and resumption under review.
    let count = |s: Status| a.sites.iter().filter(|x| x.stoppage.status == s).count();
    assert!(count(Status::Operating) >= 8, "{}", count(Status::Operating));
    assert!(count(Status::Stopped) >= 8, "{}", count(Status::Stopped));
    assert!(count(Status::ResumptionReview) >= 1);
    let cats: std::collections::BTreeSet<Category> =
        a.sites.iter().filter_map(|s| s.stoppage.current.as_ref()).map(|c| Category::of(&c.reason)).collect();
    for c in [Category::Pollution, Category::Rectification, Category::Abnormal] {
        assert!(cats.contains(&c), "{c:?} missing from {cats:?}");
    }
    // Two full twins, the rest light.
    assert_eq!(a.sites.iter().filter(|s| s.scene.is_some()).count(), 2);
    assert!(!a.reviews.is_empty());
}

#[test]
fn every_month_of_2026_has_stoppages_in_its_report() {
    let c = demo();
    for m in 1..=12 {
        let month = Month::parse(&format!("2026-{m:02}")).unwrap();
        let r = report::consultation(&c, month, None, Lang::Zh).unwrap();
        assert!(!r.rows.is_empty(), "2026-{m:02} has no stoppage");
        for row in &r.rows {
            // A stop from the registry's day itself has no full day yet.
            let min = if row.from == c.today { 0 } else { 1 };
            assert!(row.days >= min && row.days <= 31, "{row:?}");
            assert!(row.from >= month.first && row.from <= month.last());
        }
    }
}

#[test]
fn light_sites_become_valid_scenes_with_the_sensors_the_duties_read() {
    let c = demo();
    for s in c.sites.iter().filter(|s| s.light.is_some()) {
        let scene = status::site_scene(&c, s).unwrap_or_else(|e| panic!("{e}"));
        let l = s.light.unwrap();
        assert_eq!(scene.cranes.len(), usize::from(l.cranes));
        assert_eq!(scene.hoists.len(), usize::from(l.hoists));
        assert_eq!(scene.pits.len(), usize::from(l.pit_depth_m > 0.0));
        assert!(scene.sensors.iter().any(|x| x.kind == crate::scene::SensorKind::PersonnelOnSite));
    }
}

#[test]
fn city_files_name_the_field_that_is_wrong() {
    let c = demo();
    let json = serde_json::to_value(&c).unwrap();
    let bad = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = json.clone();
        edit(&mut v);
        City::parse(&v.to_string(), Path::new("bad.json"), Path::new(".")).unwrap_err().to_string()
    };
    let e = bad(&|v| v["sites"][3]["location"]["lat_deg"] = 123.0.into());
    assert!(e.contains("bad.json: sites[3].location.lat_deg: latitude 123"), "{e}");
    let e = bad(&|v| v["sites"][4]["id"] = v["sites"][2]["id"].clone());
    assert!(e.contains("sites[4].id") && e.contains("used twice"), "{e}");
    let e = bad(&|v| v["sites"][5]["light"]["cranes"] = 9.into());
    assert!(e.contains("sites[5].light.cranes"), "{e}");
    let e = bad(&|v| {
        v["sites"][0]["light"] =
            serde_json::json!({"plot_m": [100.0, 100.0], "storeys": 3, "cranes": 1, "hoists": 0, "pit_depth_m": 0.0})
    });
    assert!(e.contains("sites[0].light: a site has a scene file or a light description, not both"), "{e}");
    let e = bad(&|v| v["sites"][6]["id"] = "../../etc".into());
    assert!(e.contains("sites[6].id") && e.contains("use letters, digits"), "{e}");
    let e = bad(&|v| v["version"] = 2.into());
    assert!(e.contains("version: city file version 2"), "{e}");
    let e = bad(&|v| v["reviews"][0]["site"] = "nope".into());
    assert!(e.contains("reviews[0].site: no site nope"), "{e}");
    let e = bad(&|v| v["sites"][1]["oops"] = 1.into());
    assert!(e.contains("unknown field `oops`") && e.contains("line 1, column"), "{e}");
    let e = City::parse("{\n  \"version\": 1,\n  \"name\": \n}", Path::new("x.json"), Path::new(".")).unwrap_err();
    assert_eq!(e.at.as_deref(), Some("line 4, column 1"), "{e}");
}

#[test]
fn a_city_alert_stops_the_sites_its_level_bans_unless_exempt_and_lifting_it_resumes_them() {
    let mut c = demo::generate(60, 7, d(2025, 10, 1));
    // The registry moves on to the end of the year; the alerts below are in December.
    c.today = d(2025, 12, 31);
    assert_eq!(c.alert, None);
    let rules = PollutionRules::default();
    let before: Vec<Status> = c.sites.iter().map(|s| s.stoppage.status).collect();
    let changes = alert::issue(&mut c, Some(AlertLevel::III), d(2025, 12, 20), "市住建局", &rules).unwrap();
    assert_eq!(c.alert, Some(AlertLevel::III));
    let mut stopped = 0;
    let mut exempt = 0;
    for ch in &changes {
        let s = c.site(&ch.site).unwrap();
        match &ch.effect {
            Effect::Stopped { banned } => {
                stopped += 1;
                assert!(!banned.is_empty());
                assert!(banned.iter().all(|a| !rules.allowed(AlertLevel::III, *a, &s.exemptions)));
                assert_eq!(ch.to, Status::Stopped);
                assert!(matches!(
                    s.stoppage.current.as_ref().unwrap().reason,
                    StopReason::PollutionAlert { level: AlertLevel::III, .. }
                ));
            }
            Effect::Exempt { exemptions, .. } => {
                exempt += 1;
                assert!(!exemptions.is_empty());
                assert_eq!(ch.to, Status::Operating);
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(stopped > 10 && exempt > 0, "stopped {stopped}, exempt {exempt}");
    // Sites whose works the level does not ban (finishing indoors, open-air work under Ⅲ) go on.
    let untouched = c.sites.iter().zip(&before).filter(|(s, b)| s.stoppage.status == **b).count();
    assert!(untouched > 0);
    // Ⅰ stops all open-air work: more sites stop, those stopped follow the level.
    let up = alert::issue(&mut c, Some(AlertLevel::I), d(2025, 12, 21), "市住建局", &rules).unwrap();
    assert!(up.iter().any(|ch| matches!(ch.effect, Effect::LevelChanged { from: AlertLevel::III })));
    assert!(up.iter().any(|ch| matches!(ch.effect, Effect::Stopped { .. })));
    // Lifting resumes every pollution stop and nothing else.
    let n_poll = c
        .sites
        .iter()
        .filter(|s| matches!(s.stoppage.current.as_ref().map(|x| &x.reason), Some(StopReason::PollutionAlert { .. })))
        .count();
    let lifted = alert::issue(&mut c, None, d(2025, 12, 23), "市住建局", &rules).unwrap();
    assert_eq!(lifted.len(), n_poll);
    assert!(lifted.iter().all(|ch| ch.effect == Effect::Resumed && ch.to == Status::Operating));
    assert_eq!(c.alert, None);
}

#[test]
fn an_alert_after_the_registrys_day_is_refused_so_the_file_stays_loadable() {
    let mut c = demo();
    let snapshot = c.clone();
    let e =
        alert::issue(&mut c, Some(AlertLevel::I), d(2026, 12, 3), "市住建局", &PollutionRules::default()).unwrap_err();
    assert_eq!(e.to_string(), "an alert on 2026-12-03 is after the registry's day 2026-12-02");
    assert_eq!(c, snapshot);
    // On the registry's day it applies, and the city still reads back.
    alert::issue(&mut c, Some(AlertLevel::I), d(2026, 12, 2), "市住建局", &PollutionRules::default()).unwrap();
    let json = serde_json::to_string(&c).unwrap();
    City::parse(&json, Path::new("c.json"), &scenes()).unwrap();
}

#[test]
fn an_alert_dated_before_a_sites_last_transition_changes_nothing() {
    let mut c = demo();
    let snapshot = c.clone();
    let e =
        alert::issue(&mut c, Some(AlertLevel::I), d(2026, 1, 1), "市住建局", &PollutionRules::default()).unwrap_err();
    assert!(e.to_string().contains("before the last transition"), "{e}");
    assert_eq!(c, snapshot);
}

#[test]
fn the_demo_site_stopped_for_pollution_shows_its_lapses_from_simulated_telemetry() {
    let (c, rows) = judged();
    let site = c.site("3206022026051701").unwrap();
    let row = rows.iter().find(|r| r.site == site.id).unwrap().clone();
    assert_eq!(row.status, Status::Stopped);
    assert_eq!(row.category, Some(Category::Pollution));
    assert_eq!(row.since, Some(d(2026, 11, 30)));
    assert_eq!(row.days_stopped, 2);
    assert_eq!(row.telemetry, Telemetry::Simulated { hours: 12.0 });
    let weathervane =
        row.duties.iter().find(|x| x.duty == Duty::CraneWeathervaning && x.object.as_deref() == Some("TC1")).unwrap();
    assert!(matches!(weathervane.status, DutyStatus::Unmet(_)), "{weathervane:?}");
    let tc2 =
        row.duties.iter().find(|x| x.duty == Duty::CraneWeathervaning && x.object.as_deref() == Some("TC2")).unwrap();
    assert!(matches!(tc2.status, DutyStatus::Met(_)), "{tc2:?}");
    assert!(row.findings.iter().any(|f| f.kind == FindingKind::DarkSensor), "{:?}", row.findings);
    assert!(row.findings.iter().any(|f| f.kind == FindingKind::CrewOnSite), "{:?}", row.findings);
    assert!(!row.hazards.is_empty());
    assert!(row.risk_score > 25.0, "{}", row.risk_score);
    assert!(row.reasons.iter().any(|r| r.starts_with("停工职责未落实") && r.contains("TC1")), "{:?}", row.reasons);
    assert!(row.reasons.iter().any(|r| r.starts_with("危大工程")), "{:?}", row.reasons);
    // Same inputs, same row.
    assert_eq!(status::judge(c, site, &Judging::default()), row);
    let en = status::judge(c, site, &Judging { lang: Lang::En, ..Judging::default() });
    assert!(en.reasons.iter().any(|r| r.starts_with("unmet duties")), "{:?}", en.reasons);
}

#[test]
fn the_non_operating_list_is_riskiest_first_and_holds_only_stopped_sites() {
    let (c, rows) = judged();
    assert_eq!(rows.len(), c.sites.len());
    let list = status::non_operating(rows);
    assert!(list.len() >= 9);
    assert!(list.iter().all(|r| r.status != Status::Operating));
    assert!(list.windows(2).all(|w| w[0].risk_score >= w[1].risk_score));
    assert!(list.iter().all(|r| r.telemetry != Telemetry::NotJudged));
    assert!(
        list.iter().all(|r| !matches!(r.telemetry, Telemetry::Failed(_))),
        "{:?}",
        list.iter().map(|r| &r.telemetry).collect::<Vec<_>>()
    );
    // Some light site keeps every duty its sensors can tell, and scores lower than the demo site.
    assert!(rows.iter().filter(|r| r.status == Status::Operating).all(|r| r.risk_score == 0.0 && r.duties.is_empty()));
    let overdue = rows.iter().filter(|r| r.report_overdue).count();
    assert!(overdue >= 1, "no abnormal stop with an overdue report");
    for r in rows.iter().filter(|r| r.report_overdue) {
        assert_eq!(r.category, Some(Category::Abnormal));
        assert!(r.reasons.iter().any(|x| x.starts_with("报告逾期")), "{:?}", r.reasons);
    }
}

#[test]
fn the_consultation_report_counts_days_in_the_month_and_writes_csv_and_a_chart() {
    let (c, rows) = judged();
    let nov = report::consultation(c, Month::parse("2026-11").unwrap(), Some(rows), Lang::Zh).unwrap();
    // The 14–16 November yellow alert: stopped on the 14th, resumed on the 16th is two days.
    let short: Vec<_> =
        nov.rows.iter().filter(|r| r.category == Category::Pollution && r.from == d(2026, 11, 14)).collect();
    assert!(!short.is_empty());
    assert!(short.iter().all(|r| r.resumed == Some(d(2026, 11, 16)) && r.days == 2), "{short:?}");
    // The orange alert of the 30th: one day in November, still stopped.
    let orange: Vec<_> = nov.rows.iter().filter(|r| r.from == d(2026, 11, 30)).collect();
    assert!(!orange.is_empty());
    assert!(orange.iter().all(|r| r.resumed.is_none() && r.days == 1 && r.alert_level == Some(AlertLevel::II)));
    // Pollution rows first.
    let first_other = nov.rows.iter().position(|r| r.category != Category::Pollution).unwrap_or(nov.rows.len());
    assert!(nov.rows[first_other..].iter().all(|r| r.category != Category::Pollution));
    // December is the registry's month: it runs to the 2nd and carries the judged risks.
    let dec = report::consultation(c, Month::parse("2026-12").unwrap(), Some(rows), Lang::Zh).unwrap();
    assert_eq!(dec.until, d(2026, 12, 2));
    let demo_row = dec.rows.iter().find(|r| r.site == "3206022026051701").unwrap();
    // 30 November in November, 1 December in December: the two days `days_stopped` counts.
    assert_eq!(demo_row.days, 1);
    let site_row = rows.iter().find(|r| r.site == "3206022026051701").unwrap();
    let nov_days: i64 =
        nov.rows.iter().filter(|r| r.site == site_row.site && r.resumed.is_none()).map(|r| r.days).sum();
    assert_eq!(nov_days + demo_row.days, site_row.days_stopped);
    assert!(demo_row.risks.iter().any(|r| r.contains("TC1")), "{:?}", demo_row.risks);
    assert!(demo_row.risk_score.is_some());
    let mut csv = Vec::new();
    nov.write_csv(&mut csv, Lang::Zh).unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with("\u{feff}工地编号,项目名称,区县,停工类别"));
    assert_eq!(text.lines().count(), nov.rows.len() + 1);
    let mut sum = Vec::new();
    nov.write_summary_csv(&mut sum, Lang::En).unwrap();
    let sum = String::from_utf8(sum).unwrap();
    let total: i64 = sum.lines().skip(1).map(|l| l.rsplit(',').next().unwrap().parse::<i64>().unwrap()).sum();
    assert_eq!(total, nov.rows.iter().map(|r| r.days).sum::<i64>());
    let chart = nov.draw_chart(None, Lang::Zh).unwrap();
    assert_eq!((chart.width(), chart.height()), (1280, 760));
    // Bars are drawn: the chart is not blank white.
    let coloured = chart.image().pixels().filter(|p| p.0 == report::colour(Category::Pollution)).count();
    assert!(coloured > 500, "{coloured}");
    assert!(
        report::consultation(c, Month::parse("2027-01").unwrap(), None, Lang::Zh)
            .unwrap_err()
            .contains("after the registry's day")
    );
    for bad in ["2026-13", "2026-1", "26-11", "november", ""] {
        assert!(Month::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_generated_city_of_thousands_is_valid_and_unique() {
    let c = demo::generate(2000, 42, d(2026, 12, 2));
    assert_eq!(c.sites.len(), 2000);
    let json = serde_json::to_string(&c).unwrap();
    let back = City::parse(&json, Path::new("big.json"), Path::new(".")).unwrap();
    assert_eq!(back.sites.len(), 2000);
    let stopped = c.sites.iter().filter(|s| s.non_operating()).count();
    assert!(stopped > 200 && stopped < 1800, "{stopped}");
}

#[test]
fn reviews_are_checked_before_they_join_the_city() {
    let mut c = demo();
    let n = c.reviews.len();
    let r = Review {
        site: "nope".into(),
        reviewer: "张伟".into(),
        date: d(2026, 12, 2),
        findings: vec![],
        decision: Decision::KeepStopped,
        note: String::new(),
    };
    assert!(c.add_review(r.clone()).unwrap_err().contains("no site nope"));
    let r = Review { site: "3206022026051701".into(), reviewer: "".into(), ..r };
    assert!(c.add_review(r.clone()).is_err());
    c.add_review(Review { reviewer: "张伟".into(), ..r }).unwrap();
    assert_eq!(c.reviews.len(), n + 1);
    assert_eq!(c.reviews_of("3206022026051701").last().unwrap().reviewer, "张伟");
}

#[test]
#[ignore]
fn dump_demo_city() {
    let (_, rows) = judged();
    for r in rows {
        println!(
            "{} {:<28} {:<6} {:?} {:?} {:?} d={} risk={} {:?}",
            r.site, r.name, r.district, r.status, r.category, r.since, r.days_stopped, r.risk_score, r.reasons
        );
    }
}

#[test]
fn a_light_site_writes_a_twin_whose_models_import_through_the_guard() {
    let c = demo();
    let site = c.sites.iter().find(|s| s.light.is_some_and(|l| l.pit_depth_m > 0.0 && l.hoists == 0)).unwrap();
    let dir = std::env::temp_dir().join(format!("sitetwin-light-twin-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let file = site.light.unwrap().write_twin(site, &c.name, &dir).unwrap();
    let loaded = crate::scene::load(&file, crate::scene::ModelChecks::Import).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.scene.site.id, site.id);
    assert!(loaded.models.len() >= 8, "{:?}", loaded.models.keys().collect::<Vec<_>>());
    assert!(loaded.model_problems.is_empty());
    // Written twice, the same bytes (the generator is deterministic).
    let first = std::fs::read(dir.join("models/tc1.glb")).unwrap();
    site.light.unwrap().write_twin(site, &c.name, &dir).unwrap();
    assert_eq!(std::fs::read(dir.join("models/tc1.glb")).unwrap(), first);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_first_look_without_telemetry_scores_only_works_days_and_reports() {
    let (c, rows) = judged();
    for (site, full) in c.sites.iter().zip(rows) {
        let quick = status::judge_with(c, site, &Judging::default(), false);
        if site.non_operating() {
            assert_eq!(quick.telemetry, Telemetry::Pending);
            assert!(quick.duties.is_empty() && quick.findings.is_empty());
            assert!(quick.risk_score <= full.risk_score, "{}: {} > {}", site.id, quick.risk_score, full.risk_score);
            assert_eq!((quick.days_stopped, quick.report_overdue), (full.days_stopped, full.report_overdue));
        } else {
            assert_eq!(&quick, full);
        }
    }
}
