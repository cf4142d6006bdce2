//! Stoppage state machine, alert bans, duties, stopped-but-active detection and the risk score.

use chrono::{Duration, TimeZone};

use super::*;
use crate::telemetry::CHINA_STANDARD_TIME_S;
use crate::testutil::demo_scene;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Local (UTC+8) time on 2026-12-01 plus `h` hours.
fn at(h: f64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap() + Duration::seconds((h * 3600.0) as i64)
}

fn r(sensor: &str, h: f64, value: f64) -> Reading {
    Reading { sensor: sensor.into(), time: at(h), value, flag: None }
}

fn cst() -> FixedOffset {
    FixedOffset::east_opt(CHINA_STANDARD_TIME_S).unwrap()
}

#[test]
fn rectification_stop_review_and_resume() {
    let mut s = SiteStoppage::default();
    s.stop(
        StopReason::Rectification { order: "监停〔2026〕17号".into() },
        d(2026, 11, 1),
        "总监 陈",
        "scaffold ties missing",
    )
    .unwrap();
    assert_eq!(s.status, Status::Stopped);
    s.request_resumption(d(2026, 11, 8), "项目经理 刘").unwrap();
    s.reject_resumption(d(2026, 11, 9), "总监 陈", "ties on floors 5–7 still missing").unwrap();
    assert_eq!(s.status, Status::Stopped);
    s.request_resumption(d(2026, 11, 12), "项目经理 刘").unwrap();
    s.approve_resumption(d(2026, 11, 13), "总监 陈", false, "rectification report accepted").unwrap();
    assert_eq!(s.status, Status::Operating);
    assert_eq!(s.past[0].ended, Some(d(2026, 11, 13)));
    assert_eq!(s.history.len(), 5);
    assert!(s.history.iter().all(|t| !t.who.is_empty()));
}

#[test]
fn illegal_transitions_are_refused_and_leave_the_state_alone() {
    let mut s = SiteStoppage::default();
    let before = s.clone();
    assert!(matches!(s.request_resumption(d(2026, 1, 1), "a"), Err(StoppageError::Illegal { .. })));
    assert!(matches!(s.approve_resumption(d(2026, 1, 1), "a", true, ""), Err(StoppageError::Illegal { .. })));
    assert!(matches!(s.reject_resumption(d(2026, 1, 1), "a", ""), Err(StoppageError::Illegal { .. })));
    assert_eq!(s.lift_alert(d(2026, 1, 1), "a"), Err(StoppageError::NotPollution));
    assert_eq!(s, before);

    s.stop(StopReason::PollutionAlert { level: AlertLevel::III, exemptions: vec![] }, d(2026, 1, 5), "市住建局", "")
        .unwrap();
    let stopped = s.clone();
    assert!(matches!(s.stop(StopReason::Seasonal, d(2026, 1, 6), "a", ""), Err(StoppageError::Illegal { .. })));
    assert_eq!(s.request_resumption(d(2026, 1, 6), "a"), Err(StoppageError::PollutionEndsWithAlert));
    assert_eq!(
        s.stop(StopReason::Seasonal, d(2026, 1, 4), "a", "").unwrap_err(),
        StoppageError::DateGoesBack { at: d(2026, 1, 4), last: d(2026, 1, 5) }
    );
    assert_eq!(s.change_alert(AlertLevel::I, d(2026, 1, 6), " "), Err(StoppageError::NoName));
    assert_eq!(s, stopped);
    s.change_alert(AlertLevel::I, d(2026, 1, 6), "市住建局").unwrap();
    s.lift_alert(d(2026, 1, 8), "市住建局").unwrap();
    assert_eq!(s.status, Status::Operating);
    assert_eq!(s.change_alert(AlertLevel::II, d(2026, 1, 9), "a"), Err(StoppageError::NotPollution));
}

#[test]
fn abnormal_stoppage_deadlines() {
    let mut s = SiteStoppage::default();
    s.stop(StopReason::Abnormal { cause: "funding".into() }, d(2026, 1, 31), "建设单位", "").unwrap();
    // One calendar month, clamped to the month's end.
    assert_eq!(s.report_due(), Some(d(2026, 2, 28)));
    assert!(!s.report_overdue(d(2026, 2, 28)));
    assert!(s.report_overdue(d(2026, 3, 1)));
    s.report(d(2026, 3, 2), "建设单位").unwrap();
    assert!(!s.report_overdue(d(2026, 3, 3)));
    s.request_resumption(d(2027, 1, 30), "建设单位").unwrap();
    assert_eq!(s.days_stopped(d(2027, 1, 30)), 364);
    // Approval on day 365 needs the permit re-verified.
    let mut late = s.clone();
    assert_eq!(
        late.approve_resumption(d(2027, 1, 31), "住建局", false, ""),
        Err(StoppageError::PermitReverificationNeeded { days: 365 })
    );
    late.approve_resumption(d(2027, 1, 31), "住建局", true, "permit re-verified").unwrap();
    s.approve_resumption(d(2027, 1, 30), "住建局", false, "").unwrap();
}

#[test]
fn default_alert_measures_are_nanjing_yellow_and_suzhou_red() {
    use Activity::*;
    let p = PollutionRules::default();
    // Ⅲ: Nanjing's yellow list, floor-rubbish clearing included; piling is not on it.
    assert!(!p.allowed(AlertLevel::III, Earthworks, &[]));
    assert!(!p.allowed(AlertLevel::III, RubbishClearing, &[]));
    assert!(p.allowed(AlertLevel::III, Piling, &[]));
    assert!(p.allowed(AlertLevel::III, ContinuousPour, &[]));
    // Its exemptions: canopy, differentiated control, the exemption list lift every ban; clean
    // trucks lift only the haulage ban. Emergency works are not on Nanjing's list.
    assert!(p.allowed(AlertLevel::III, Earthworks, &[Exemption::Canopy]));
    assert!(p.allowed(AlertLevel::III, Earthworks, &[Exemption::DifferentiatedControl]));
    assert!(p.allowed(AlertLevel::III, Demolition, &[Exemption::ExemptionList]));
    assert!(p.allowed(AlertLevel::III, Haulage, &[Exemption::CleanHaulage]));
    assert!(!p.allowed(AlertLevel::III, Earthworks, &[Exemption::CleanHaulage]));
    assert!(!p.allowed(AlertLevel::III, Demolition, &[Exemption::EmergencyWorks]));
    // Ⅱ: no orange list found, so the yellow one.
    assert_eq!(p.measures(AlertLevel::II), LevelMeasures::nanjing_yellow());
    // Ⅰ: Suzhou red — everything open-air stops, whatever the exemption; pours go on.
    for a in [Earthworks, Piling, FacadeWork, OpenAirWork, Haulage] {
        assert!(!p.allowed(AlertLevel::I, a, &[Exemption::Canopy, Exemption::EmergencyWorks, Exemption::CleanHaulage]));
    }
    assert!(p.allowed(AlertLevel::I, ContinuousPour, &[]));
    // A higher level stops at least what a lower one does.
    for a in p.banned(AlertLevel::III) {
        assert!(p.measures(AlertLevel::II).bans(a) && p.measures(AlertLevel::I).bans(a), "{a:?}");
    }
    assert_eq!(p.origin(AlertLevel::I), "Suzhou red (Ⅰ) list");
}

#[test]
fn the_suzhou_list_and_a_sites_own_measures() {
    use Activity::*;
    let p = PollutionRules { list: AlertList::Suzhou, ..PollutionRules::default() };
    for a in [Piling, FacadeWork, AsphaltPaving, Anticorrosion, Earthworks, Haulage] {
        assert!(!p.allowed(AlertLevel::III, a, &[]), "{a:?}");
    }
    // Blasting and floor-rubbish clearing are on Nanjing's list, not Suzhou's.
    assert!(p.allowed(AlertLevel::III, Blasting, &[]));
    assert!(p.allowed(AlertLevel::III, RubbishClearing, &[]));
    assert!(p.allowed(AlertLevel::III, Piling, &[Exemption::EmergencyWorks]));
    assert!(!p.allowed(AlertLevel::III, Piling, &[Exemption::DifferentiatedControl]));
    assert!(p.allowed(AlertLevel::III, ContinuousPour, &[]));
    assert_eq!(p.origin(AlertLevel::II), "no orange list found: Suzhou's Ⅲ list");
    let r = crate::rules::RuleSet::parse(
        "Rules(pollution: (list: Suzhou, ii: (banned: [OpenAirWork], exemptions: [EmergencyWorks], continues: [ContinuousPour])))",
    )
    .unwrap();
    assert!(!r.pollution.allowed(AlertLevel::II, Blasting, &[]));
    assert!(r.pollution.allowed(AlertLevel::II, Blasting, &[Exemption::EmergencyWorks]));
    assert_eq!(r.pollution.origin(AlertLevel::II), "set by the site");
    assert!(r.describe("pollution.iii").starts_with("Suzhou Ⅲ list: stop Piling"), "{}", r.describe("pollution.iii"));
    let e = crate::rules::RuleSet::parse("Rules(pollution: (iii: (banned: [Dancing])))").unwrap_err();
    assert!(e.iter().any(|m| m.contains("pollution.iii.banned[0]")), "{e:?}");
}

#[test]
fn the_permit_rule_counts_a_calendar_year_not_365_days() {
    // 2027-03-01 to 2028-02-29 is 365 days but not yet a year (2028 is a leap year).
    let mut s = SiteStoppage::default();
    s.stop(StopReason::Abnormal { cause: "funding".into() }, d(2027, 3, 1), "建设单位", "").unwrap();
    s.request_resumption(d(2028, 2, 20), "建设单位").unwrap();
    assert_eq!(s.days_stopped(d(2028, 2, 29)), 365);
    assert!(!s.stopped_a_year(d(2028, 2, 29)));
    assert!(s.stopped_a_year(d(2028, 3, 1)));
    let mut next_day = s.clone();
    assert_eq!(
        next_day.approve_resumption(d(2028, 3, 1), "住建局", false, ""),
        Err(StoppageError::PermitReverificationNeeded { days: 366 })
    );
    s.approve_resumption(d(2028, 2, 29), "住建局", false, "").unwrap();
}

#[test]
fn a_jib_turning_across_north_is_measured_the_short_way() {
    let scene = demo_scene();
    let rules = StoppedSiteRules::default();
    let duty = |slew: &[(f64, f64)], wind: f64| {
        let mut readings: Vec<Reading> = slew.iter().map(|(h, v)| r("TC1-SLEW", *h, *v)).collect();
        readings.push(r("TC1-WIND", 0.5, wind));
        check_duties(&scene, &readings, &rules, 3.0, at(6.0))
            .into_iter()
            .find(|x| x.duty == Duty::CraneWeathervaning && x.object.as_deref() == Some("TC1"))
            .unwrap()
            .status
    };
    // 356° → 2° is a 6° swing, not 354°: with 9 m/s of wind the slew brake may be locked.
    assert!(matches!(duty(&[(1.0, 356.0), (2.0, 2.0)], 9.0), DutyStatus::Unmet(m) if m.en.contains("only 6°")));
    // 350° → 10° → 40° swept 50°.
    assert!(matches!(duty(&[(1.0, 350.0), (2.0, 10.0), (3.0, 40.0)], 9.0), DutyStatus::Met(m) if m.en.contains("50°")));
}

#[test]
fn duties_are_checked_from_telemetry_where_a_sensor_exists() {
    let scene = demo_scene();
    let rules = StoppedSiteRules::default();
    let readings = vec![
        r("TC1-HOOK", 1.0, 42.0), // 45 m mast: raised
        r("TC2-HOOK", 1.0, 12.0), // 32 m mast: left low
        r("TC1-LOAD", 1.0, 0.0),
        r("KB1-I", 1.0, 0.0),
        r("KB2-I", 1.0, 3.2), // the hoist's switch box is live
        r("TC1-SLEW", 1.0, 10.0),
        r("TC1-SLEW", 5.0, 95.0), // turned with the wind
        r("TC2-SLEW", 1.0, 150.0),
        r("TC2-SLEW", 5.0, 152.0),
        r("TC1-WIND", 3.0, 9.0),
    ];
    let duties = check_duties(&scene, &readings, &rules, 3.0, at(6.0));
    let get = |duty: Duty, object: Option<&str>| {
        duties.iter().find(|x| x.duty == duty && x.object.as_deref() == object).unwrap().status.clone()
    };
    assert!(matches!(get(Duty::CraneHookRaised, Some("TC1")), DutyStatus::Met(_)));
    assert!(matches!(get(Duty::CraneHookRaised, Some("TC2")), DutyStatus::Unmet(_)));
    assert!(matches!(get(Duty::CranePowerOff, Some("TC1")), DutyStatus::Met(_)));
    assert!(matches!(get(Duty::CraneWeathervaning, Some("TC1")), DutyStatus::Met(_)));
    assert!(matches!(get(Duty::CraneWeathervaning, Some("TC2")), DutyStatus::Unmet(m) if m.en.contains("slew brake")));
    assert!(matches!(get(Duty::BoxesLocked, None), DutyStatus::Unmet(m) if m.en.contains("KB2")));
    // HS1 has a cage-height sensor but sent nothing while stopped.
    assert!(
        matches!(get(Duty::HoistsLowered, Some("HS1")), DutyStatus::Unknown(m) if m.en.contains("no cage-height reading"))
    );
    // No pit readings at all during six hours: the pit monitoring duty is unmet.
    assert!(matches!(get(Duty::PitMonitoring, Some("PIT1")), DutyStatus::Unmet(m) if m.en.contains("14 of 14")));
    // The evidence in Chinese says the same, numbers and ids included.
    assert_eq!(
        get(Duty::CraneHookRaised, Some("TC2")).evidence().zh,
        format!("吊钩高度 12 m，低于 27 m（{}）", at(1.0))
    );
    assert!(get(Duty::CraneWeathervaning, Some("TC2")).evidence().zh.contains("仅转动 2°：回转制动可能被锁死"));
    assert_eq!(get(Duty::BoxesLocked, None).evidence().zh, "仍有电流的配电箱：KB2 3.2 A");
    assert!(get(Duty::PitMonitoring, Some("PIT1")).evidence().zh.starts_with("14 个基坑监测点中 14 个无数据："));
    for d in &duties {
        let e = d.status.evidence();
        assert!(e.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{:?} {:?}: no Chinese", d.duty, e);
        assert!(!e.en.is_empty() && e.zh != e.en, "{d:?}");
    }
}

#[test]
fn a_hoist_is_lowered_when_every_cage_rests_at_the_ground_landing() {
    let rules = StoppedSiteRules::default();
    let lowered = |scene: &SiteScene, z: f64| {
        let duties = check_duties(scene, &[r("HS1-HEIGHT", 1.0, 20.0), r("HS1-HEIGHT", 2.0, z)], &rules, 3.0, at(3.0));
        duties.into_iter().find(|x| x.duty == Duty::HoistsLowered).unwrap().status
    };
    // A one-cage hoist: the last reading counts; up to `cage_lowered_m` (0.5 m) is at the landing.
    let mut one = demo_scene();
    one.hoists[0].cages = 1;
    assert!(matches!(lowered(&one, 0.0), DutyStatus::Met(_)));
    assert!(matches!(lowered(&one, 0.5), DutyStatus::Met(_)));
    assert!(matches!(lowered(&one, 0.51), DutyStatus::Unmet(m) if m.en.contains("0.51 m")));
    // The demo's twin-cage hoist has one height sensor: a cage left up is unmet, both down cannot
    // be told.
    let demo = demo_scene();
    assert!(matches!(lowered(&demo, 12.0), DutyStatus::Unmet(_)));
    assert!(matches!(lowered(&demo, 0.0), DutyStatus::Unknown(m) if m.en.contains("1 of 2 cages")));
    // A hoist without a cage-height sensor cannot be told.
    let mut bare = demo_scene();
    bare.sensors.retain(|s| s.id != "HS1-HEIGHT");
    let duties = check_duties(&bare, &[], &rules, 3.0, at(3.0));
    let d = duties.iter().find(|x| x.duty == Duty::HoistsLowered).unwrap();
    assert!(matches!(&d.status, DutyStatus::Unknown(m) if m.en.contains("no cage-height sensor")));
}

#[test]
fn a_stopped_site_that_still_works_is_found() {
    let scene = demo_scene();
    let rules = StoppedSiteRules::default();
    let mut readings = vec![
        r("TC2-LOAD", 9.0, 2.0),
        r("TC2-LOAD", 9.2, 45.0),
        r("TC2-LOAD", 9.4, 3.0),
        r("TC2-LOAD", 10.0, 60.0),
        r("TC2-LOAD", 10.2, 1.0),
        r("KB3-I", 9.1, 12.5),
        r("DM1-NOISE", 21.98, 66.0), // 21:59 local: day
        r("DM1-NOISE", 22.0, 68.0),  // 22:00: night, not counted as daytime work
    ];
    // Pit points report hourly for the first four hours, then go silent.
    for s in scene.sensors.iter().filter(|s| s.kind.group() == SensorGroup::Pit) {
        for h in 0..4 {
            readings.push(r(&s.id, h as f64, 1.0));
        }
    }
    let findings = detect_activity(&scene, &readings, &rules, 3.0, cst(), at(23.0));
    let lift = findings.iter().find(|f| f.kind == FindingKind::LiftingActivity).unwrap();
    assert_eq!(lift.sensor, "TC2-LOAD");
    assert!(lift.evidence.en.starts_with("2 load cycle(s), up to 60"), "{:?}", lift.evidence);
    assert!(findings.iter().any(|f| f.kind == FindingKind::PowerDraw && f.object == "KB3"));
    let noise = findings.iter().find(|f| f.kind == FindingKind::DaytimeNoise).unwrap();
    assert!(noise.evidence.en.starts_with("1 daytime readings"), "{:?}", noise.evidence);
    assert!(noise.evidence.zh.starts_with("昼间 1 个读数超过"), "{:?}", noise.evidence);
    assert!(lift.evidence.zh.starts_with("2 次吊装循环，最大为额定起重量的 60"), "{:?}", lift.evidence);
    assert_eq!(findings.iter().filter(|f| f.kind == FindingKind::DarkSensor).count(), 14);
    // A quiet, monitored stop has no findings.
    let quiet: Vec<Reading> = scene
        .sensors
        .iter()
        .filter(|s| s.kind.group() == SensorGroup::Pit)
        .flat_map(|s| (0..24).map(move |h| r(&s.id, h as f64, 1.0)))
        .collect();
    assert!(detect_activity(&scene, &quiet, &rules, 3.0, cst(), at(23.5)).is_empty());
}

#[test]
fn the_risk_score_adds_up_and_rises_with_each_concern() {
    let scene = demo_scene();
    let hazards = crate::rules::hazard::classify(&scene);
    let w = RiskWeights::default();
    let base = RiskInputs {
        hazards: &hazards,
        days_stopped: 0,
        duties: &[],
        findings: &[],
        open_alarms: &[],
        report_overdue: false,
    };
    let s0 = risk_score(&base, &w);
    // Pit over-scale 18 + formwork over-scale 12 + scaffold 6 + two cranes 12 + hoist 6 = 54, capped at 36.
    assert_eq!(s0.parts["hazards"], 36.0);
    assert_eq!(s0.score, 36.0);
    assert_eq!(s0.band, RiskBand::Yellow);
    let unmet = [DutyCheck {
        duty: Duty::PitMonitoring,
        object: None,
        status: DutyStatus::Unmet(crate::i18n::Bilingual::new("x", "x")),
    }];
    let s1 = risk_score(&RiskInputs { days_stopped: 183, duties: &unmet, ..base }, &w);
    assert!((s1.score - (36.0 + 183.0 / 365.0 * 15.0 + 8.0)).abs() < 1e-9);
    let s2 = risk_score(&RiskInputs { open_alarms: &[Level::Alarm, Level::Control], report_overdue: true, ..base }, &w);
    assert_eq!(s2.score, 36.0 + 16.0 + 8.0);
    assert_eq!(s2.band, RiskBand::Orange);
    assert!(s1.score > s0.score && s2.score > s0.score);
}

#[test]
fn more_people_on_a_stopped_site_than_its_duty_crew_is_activity() {
    let scene = demo_scene();
    let rules = StoppedSiteRules::default();
    let found = |n: f64| detect_activity(&scene, &[r("G1-ONSITE", 9.0, n)], &rules, 3.0, cst(), at(10.0));
    // The duty crew (6 by default) may stay; one more is a finding.
    assert!(found(6.0).iter().all(|f| f.kind != FindingKind::CrewOnSite));
    let crew: Vec<Finding> = found(7.0).into_iter().filter(|f| f.kind == FindingKind::CrewOnSite).collect();
    assert_eq!(crew.len(), 1);
    assert_eq!((crew[0].sensor.as_str(), crew[0].object.as_str(), crew[0].time), ("G1-ONSITE", "G1", at(9.0)));
    assert!(crew[0].evidence.en.contains("duty crew of 6, up to 7 people"), "{:?}", crew[0].evidence);
    let larger = StoppedSiteRules { duty_crew_people: 8.0, ..StoppedSiteRules::default() };
    let found = detect_activity(&scene, &[r("G1-ONSITE", 9.0, 7.0)], &larger, 3.0, cst(), at(10.0));
    assert!(found.iter().all(|f| f.kind != FindingKind::CrewOnSite));
}
