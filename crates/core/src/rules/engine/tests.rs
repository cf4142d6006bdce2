//! The streaming rule engine on the demo site: every threshold at its boundary, on both sides and
//! in the wording of the reference (≥ vs >, signed vs absolute), raising and clearing with
//! hysteresis one reading at a time, data quality, staleness on ticks, and the demo readings
//! streamed one by one agreeing with the batch evaluation.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::rules::alarm::{AlarmBook, AlarmStatus};
use crate::rules::{EdgeRules, evaluate_batch};
use crate::scene::{Anchor, Sensor};
use crate::telemetry::{self, CHINA_STANDARD_TIME_S, DataFlag, Format};
use crate::testutil::{demo_scene, repo};

/// 2026-12-01 00:00 site time (UTC+8) plus `h` hours.
fn t(h: f64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap() + Duration::milliseconds((h * 3_600_000.0).round() as i64)
}

/// Hours for a site-local clock time on 2026-12-01 (`day` days later).
fn hm(day: i64, hour: i64, minute: i64) -> f64 {
    (day * 24 + hour) as f64 + minute as f64 / 60.0
}

fn reading(sensor: &str, h: f64, value: f64) -> Reading {
    Reading { sensor: sensor.into(), time: t(h), value, flag: None }
}

struct Run {
    scene: SiteScene,
    rules: Arc<RuleSet>,
}

impl Run {
    fn new() -> Self {
        Run { scene: demo_scene(), rules: Arc::new(RuleSet::default()) }
    }

    fn with_rules(rules: RuleSet) -> Self {
        Run { scene: demo_scene(), rules: Arc::new(rules) }
    }

    fn with_scene(scene: SiteScene) -> Self {
        Run { scene, rules: Arc::new(RuleSet::default()) }
    }

    fn engine(&self) -> Engine {
        Engine::new(&self.scene, Arc::clone(&self.rules))
    }

    /// Feeds `values` of one sensor, one per `step_h` hours from `start_h`, each arriving a second
    /// after it was measured; returns the levels and rules.
    fn levels(&self, sensor: &str, start_h: f64, step_h: f64, values: &[f64]) -> Vec<(Level, Option<String>)> {
        let mut e = self.engine();
        values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let j = feed(&mut e, sensor, start_h + step_h * i as f64, *v).judgement;
                (j.level, j.rule)
            })
            .collect()
    }

    /// Each value judged on a fresh engine (no hysteresis carried over).
    fn each(&self, sensor: &str, h: f64, values: &[f64]) -> Vec<Level> {
        values.iter().map(|v| feed(&mut self.engine(), sensor, h, *v).judgement.level).collect()
    }
}

/// Ingests one reading that arrives a second after it was measured.
fn feed(e: &mut Engine, sensor: &str, h: f64, value: f64) -> Ingested {
    let r = reading(sensor, h, value);
    let arrived = r.time + Duration::seconds(1);
    e.ingest(&r, arrived).unwrap()
}

fn kind(e: &Event) -> &'static str {
    match e {
        Event::AlarmRaised { .. } => "raised",
        Event::AlarmLevelChanged { .. } => "changed",
        Event::AlarmCleared { .. } => "cleared",
        Event::DataQuality { .. } => "quality",
        Event::Stale { .. } => "stale",
        Event::HourlyMean { .. } => "hourly",
        Event::SprayRequested { .. } => "spray",
    }
}

fn only_levels(l: &[(Level, Option<String>)]) -> Vec<Level> {
    l.iter().map(|x| x.0).collect()
}

#[test]
fn the_engine_can_live_in_a_task_or_a_resource() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<Engine>();
    // A clone carries the state: both judge the next reading alike.
    let run = Run::new();
    let mut a = run.engine();
    feed(&mut a, "TC1-LOAD", 1.0, 95.0);
    let mut b = a.clone();
    let next = 1.0 + 10.0 / 3600.0;
    assert_eq!(feed(&mut a, "TC1-LOAD", next, 89.0), feed(&mut b, "TC1-LOAD", next, 89.0));
    assert_eq!(b.status("TC1-LOAD").unwrap().level, Level::Warning, "held by hysteresis in the clone too");
}

#[test]
fn crane_load_and_moment_boundaries() {
    let run = Run::new();
    use Level::*;
    assert_eq!(
        run.each("TC1-LOAD", 10.0, &[89.9, 90.0, 99.9, 100.0, 109.9, 110.0]),
        [Normal, Warning, Warning, Alarm, Alarm, Control]
    );
    assert_eq!(run.each("TC2-MOM", 10.0, &[89.9, 90.0, 100.0, 110.0]), [Normal, Warning, Alarm, Control]);
    let mut e = run.engine();
    let got = feed(&mut e, "TC1-LOAD", 1.0, 100.0);
    assert_eq!(got.judgement.rule.as_deref(), Some("crane.load.alarm"));
    assert!(got.judgement.message.contains("100 % of rated ≥ 100 % of rated"), "{}", got.judgement.message);
    assert!(matches!(&got.events[..], [Event::AlarmRaised { level: Level::Alarm, .. }]));
}

#[test]
fn crane_load_raises_and_clears_through_each_threshold_with_hysteresis() {
    let run = Run::new();
    let mut e = run.engine();
    let mut levels = Vec::new();
    let mut events = Vec::new();
    // Ten seconds apart, as the black box reports: no staleness in between.
    let values = [50.0, 89.9, 90.0, 100.0, 110.0, 107.9, 107.7, 98.1, 97.9, 88.3, 88.1];
    for (k, v) in values.into_iter().enumerate() {
        let got = feed(&mut e, "TC1-LOAD", 1.0 + k as f64 * 10.0 / 3600.0, v);
        levels.push(got.judgement.level);
        events.extend(got.events);
    }
    use Level::*;
    // 2 % bands: control holds to 107.8, alarm to 98, warning to 88.2.
    assert_eq!(levels, [Normal, Normal, Warning, Alarm, Control, Control, Alarm, Alarm, Warning, Warning, Normal]);
    let kinds: Vec<&str> = events.iter().map(kind).collect();
    assert_eq!(kinds, ["raised", "changed", "changed", "changed", "changed", "cleared"]);
    assert!(
        matches!(&events[4], Event::AlarmLevelChanged { from: Alarm, to: Warning, rule, .. } if rule == "crane.load.warning")
    );
    assert!(matches!(&events[5], Event::AlarmCleared { rule, .. } if rule == "crane.load.warning"));
    let s = e.status("TC1-LOAD").unwrap();
    assert_eq!((s.level, s.rule.as_deref(), s.value), (Normal, None, Some(88.1)));
}

#[test]
fn a_held_level_says_it_is_held() {
    let run = Run::new();
    let mut e = run.engine();
    feed(&mut e, "TC1-LOAD", 1.0, 100.0);
    let j = feed(&mut e, "TC1-LOAD", 1.01, 98.5).judgement;
    assert_eq!(j.level, Level::Alarm);
    assert!(j.message.contains("hysteresis band: alarm held"), "{}", j.message);
}

#[test]
fn wind_stop_work_at_force_six() {
    let run = Run::new();
    use Level::*;
    assert_eq!(run.each("TC1-WIND", 10.0, &[7.9, 8.0, 10.7, 10.8]), [Normal, Warning, Warning, Alarm]);
    // Falling back: the alarm holds down to 10.584 m/s.
    let l = run.levels("TC1-WIND", 10.0, 10.0 / 3600.0, &[10.8, 10.6, 10.5]);
    assert_eq!(only_levels(&l), [Alarm, Alarm, Warning]);
    let mut e = run.engine();
    assert_eq!(feed(&mut e, "DM1-WS", 1.0, 10.8).judgement.rule.as_deref(), Some("crane.wind.alarm"));
}

#[test]
fn anti_collision_clearance_of_exactly_two_metres_complies() {
    let run = Run::new();
    use Level::*;
    // "At least 2 m": 2.0 m complies (a warning only, inside the 5 m pre-warning band), 1.99 alarms.
    assert_eq!(
        run.each("TC1-CLR", 10.0, &[5.0, 4.99, 2.01, 2.0, 1.99, 0.5]),
        [Normal, Warning, Warning, Warning, Alarm, Alarm]
    );
    // Opening up again: the alarm holds below 2.04 m, the warning below 5.1 m.
    let mut e = run.engine();
    let mut kinds = Vec::new();
    let mut levels = Vec::new();
    for (k, v) in [1.99, 2.03, 2.04, 5.09, 5.1].into_iter().enumerate() {
        let got = feed(&mut e, "TC1-CLR", 10.0 + k as f64 * 10.0 / 3600.0, v);
        levels.push(got.judgement.level);
        kinds.extend(got.events.iter().map(kind));
    }
    assert_eq!(levels, [Alarm, Alarm, Warning, Warning, Normal]);
    assert_eq!(kinds, ["raised", "changed", "cleared"]);
    let j = feed(&mut run.engine(), "TC1-CLR", 10.0, 1.99).judgement;
    assert_eq!(j.rule.as_deref(), Some("crane.clearance.alarm"));
    assert!(j.message.contains("1.99 m < 2 m"), "{}", j.message);
}

/// Feeds DM1-NOISE one reading a minute from `from_h` for `minutes` minutes, `value(minute)` each;
/// returns the judgements.
fn noise_run(e: &mut Engine, from_h: f64, minutes: usize, value: impl Fn(usize) -> f64) -> Vec<Judgement> {
    (0..minutes).map(|m| feed(e, "DM1-NOISE", from_h + m as f64 / 60.0, value(m)).judgement).collect()
}

#[test]
fn noise_leq_is_an_energy_mean_judged_once_the_window_is_covered() {
    let run = Run::new();
    // 60 and 80 dB(A) alternating from 09:00: the arithmetic mean stays below 70, the energy mean
    // (10·log10 of the mean of 10^(L/10)) is far above it.
    let js = noise_run(&mut run.engine(), 9.0, 20, |m| if m % 2 == 0 { 60.0 } else { 80.0 });
    // 14 readings cover 14 of 20 min (< 75 %): not judged; the 15th covers 75 %.
    assert_eq!(js[13].level, Level::Normal);
    assert!(js[13].message.contains("not judged yet: readings cover 14 of 20 min"), "{}", js[13].message);
    let leq = 10.0 * ((8.0 * 1e6 + 7.0 * 1e8) / 15.0f64).log10();
    assert!((leq - 76.7).abs() < 0.05, "{leq}");
    assert_eq!((js[14].level, js[14].rule.as_deref()), (Level::Alarm, Some("noise.day.alarm")));
    assert!(js[14].message.contains("day Leq (20 min) 76.7 dB(A) > 70 dB(A)"), "{}", js[14].message);
    // The limit itself complies (Leq > 70 exceeds it); 67 (3 dB below) warns.
    let steady = |v: f64| noise_run(&mut run.engine(), 9.0, 15, |_| v)[14].level;
    assert_eq!(
        [steady(66.9), steady(67.0), steady(70.0), steady(70.1)],
        [Level::Normal, Level::Warning, Level::Warning, Level::Alarm]
    );
}

#[test]
fn noise_window_is_configurable() {
    let mut rules = RuleSet::default();
    rules.noise.leq_window_min = 10.0;
    let run = Run::with_rules(rules);
    let js = noise_run(&mut run.engine(), 9.0, 12, |_| 72.0);
    // 10-min window: 7 readings cover 7 min (< 7.5), 8 cover it.
    assert_eq!((js[6].level, js[7].level), (Level::Normal, Level::Alarm));
    // Loud until 09:11: at 09:20 a 10-min window holds one loud minute (Leq 65.1), a 20-min one
    // all twelve.
    let loud = |m: usize| if m < 12 { 75.0 } else { 50.0 };
    assert_eq!(noise_run(&mut run.engine(), 9.0, 21, loud)[20].level, Level::Normal);
    assert_eq!(noise_run(&mut Run::new().engine(), 9.0, 21, loud)[20].level, Level::Alarm);
}

#[test]
fn noise_day_and_night_at_2159_and_2200() {
    let run = Run::new();
    // Steady 60 dB(A) from 21:30, with one reading changed at minute `at`.
    let judge_at = |at: usize, v: f64| {
        let js = noise_run(&mut run.engine(), hm(0, 21, 30), 60, |m| if m == at { v } else { 60.0 });
        js[at].clone()
    };
    // 21:59 is day: a 71 dB(A) reading only nudges the 20-min Leq (no maximum rule by day).
    let j = judge_at(29, 71.0);
    assert_eq!(j.level, Level::Normal, "{}", j.message);
    // 22:00 is night: the same reading is over the night maximum 55 + 15 = 70.
    let j = judge_at(30, 71.0);
    assert_eq!((j.level, j.rule.as_deref()), (Level::Alarm, Some("noise.night-max.alarm")));
    // At the maximum itself it complies; the night Leq starts afresh at 22:00 and is not judged yet.
    let j = judge_at(30, 70.0);
    assert_eq!(j.level, Level::Normal);
    assert!(j.message.contains("night Leq over 20 min not judged yet: readings cover 1 of 20 min"), "{}", j.message);
    // 60 dB(A) is fine by day; at night its Leq over 55 alarms once 15 min of night are covered.
    let js = noise_run(&mut run.engine(), hm(0, 21, 30), 60, |_| 60.0);
    assert_eq!(js[29].level, Level::Normal, "21:59");
    assert_eq!(js[43].level, Level::Normal, "22:13: 14 min of night");
    assert_eq!((js[44].level, js[44].rule.as_deref()), (Level::Alarm, Some("noise.night.alarm")), "22:14");
    // 05:59 is still night, 06:00 is day again: the night Leq alarm ends with the night.
    let mut e = run.engine();
    let js = noise_run(&mut e, hm(1, 5, 30), 31, |_| 60.0);
    assert_eq!(js[29].rule.as_deref(), Some("noise.night.alarm"), "05:59");
    assert_eq!(js[30].level, Level::Normal, "06:00");
}

#[test]
fn pit_cumulative_values() {
    let run = Run::new();
    use Level::*;
    // ZQS1 wall-top horizontal: alarm 30 mm, warning 70 % = 21 mm; the sign does not matter.
    assert_eq!(run.each("ZQS1", 10.0, &[20.9, 21.0, 29.9, 30.0, -30.0]), [Normal, Warning, Warning, Alarm, Alarm]);
    // Wall-top vertical (the example project): 20 mm, warning 14 mm.
    assert_eq!(run.each("ZQC1", 10.0, &[13.9, 14.0, 19.9, -20.0]), [Normal, Warning, Warning, Alarm]);
    // Groundwater in metres is converted to millimetres: 1.0 m = 1000 mm alarm.
    let mut scene = run.scene.clone();
    scene.sensors.iter_mut().find(|s| s.id == "SW1").unwrap().unit = "m".into();
    assert_eq!(Run::with_scene(scene).each("SW1", 10.0, &[0.69, 0.7, 1.0]), [Normal, Warning, Alarm]);
}

#[test]
fn pit_rate_uses_the_signed_change_of_the_point() {
    let run = Run::new();
    // CX1 deep horizontal: 3 mm/d alarm (no days qualifier), warning 2.1 mm/d. A point moving
    // from −1.6 to +1.6 mm in a day moved 3.2 mm, though its size did not change.
    let day = |a: f64, b: f64| run.levels("CX1", 8.0, 24.0, &[a, b])[1].clone();
    assert_eq!(day(-1.6, 1.6), (Level::Alarm, Some("pit.rate.alarm".into())));
    assert_eq!(day(-1.5, 1.5), (Level::Alarm, Some("pit.rate.alarm".into())), "3.0 mm/d reaches the alarm");
    assert_eq!(day(-1.4, 1.5), (Level::Warning, Some("pit.rate.warning".into())), "2.9 mm/d");
    assert_eq!(day(-1.0, 1.0), (Level::Normal, None), "2.0 mm/d is below the 2.1 warning");
    assert_eq!(day(5.0, 8.0), (Level::Alarm, Some("pit.rate.alarm".into())));
    // With less than 12 h of history there is no rate yet.
    assert_eq!(run.levels("CX1", 0.0, 6.0, &[5.0, 10.0])[1].0, Level::Normal);
}

#[test]
fn pit_rate_alarm_waits_for_two_days_where_the_table_says_so() {
    let run = Run::new();
    // ZQS2 wall-top horizontal: "3 mm/d for 2+ days". Evening readings, 24 h apart.
    let l = run.levels("ZQS2", 20.0, 24.0, &[0.0, 3.2, 6.4]);
    assert_eq!(l[1], (Level::Warning, Some("pit.rate.warning".into())), "the first day at the rate is a warning");
    assert_eq!(l[2], (Level::Alarm, Some("pit.rate.alarm".into())), "the second day raises the alarm");
    assert_eq!(run.levels("ZQS2", 20.0, 24.0, &[0.0, 3.0, 6.0])[2].0, Level::Alarm, "exactly 3 mm each day");
    assert_eq!(
        run.levels("ZQS2", 20.0, 24.0, &[0.0, 3.2, 6.1])[2],
        (Level::Warning, Some("pit.rate.warning".into())),
        "2.9 mm on day 2 breaks it"
    );
    // The next morning the alarm holds: the last two complete days both reached the rate.
    let mut e = run.engine();
    for (h, v) in [(20.0, 0.0), (44.0, 3.2), (68.0, 6.4)] {
        feed(&mut e, "ZQS2", h, v);
    }
    let j = feed(&mut e, "ZQS2", 80.0, 7.9).judgement;
    assert_eq!(j.rule.as_deref(), Some("pit.rate.alarm"), "{}", j.message);
    // Where the designer sets a single day, the first day alarms.
    let mut rules = RuleSet::default();
    rules.pit.horizontal.rate_alarm_days = 1;
    assert_eq!(Run::with_rules(rules).levels("ZQS2", 20.0, 24.0, &[0.0, 3.2])[1].0, Level::Alarm);
}

#[test]
fn pit_rate_streak_fires_on_the_third_day_with_signed_changes() {
    let run = Run::new();
    let mut e = run.engine();
    // ZQC1 swings ±0.8 mm each evening: its size never changes, yet it moves 1.6 mm a day, above
    // 50 % of the 3 mm/d alarm rate (1.5) and below the 2.1 mm/d warning.
    let mut last = None;
    for (day, v) in [(0.0, -0.8), (1.0, 0.8), (2.0, -0.8)] {
        last = Some(feed(&mut e, "ZQC1", 20.0 + 24.0 * day, v).judgement);
    }
    assert_eq!(last.unwrap().level, Level::Normal, "two days in a row is not enough");
    // Day 3 morning: only 0.5 mm so far today, not yet above 1.5.
    let j = feed(&mut e, "ZQC1", 20.0 + 48.0 + 12.0, -0.3).judgement;
    assert_eq!(j.level, Level::Normal, "{}", j.message);
    // Day 3 evening: 1.6 mm today: the third day in a row.
    let j = feed(&mut e, "ZQC1", 20.0 + 72.0, 0.8).judgement;
    assert_eq!((j.level, j.rule.as_deref()), (Level::Alarm, Some("pit.rate-streak.alarm")), "{}", j.message);
    // Exactly 50 % each day does not exceed it.
    let l = run.levels("ZQC1", 20.0, 24.0, &[-0.75, 0.75, -0.75, 0.75]);
    assert_eq!(l[3].0, Level::Normal);
}

#[test]
fn ground_settlement_points_use_their_own_limit() {
    let mut rules = RuleSet::default();
    rules.pit.ground_points.insert("ZQC3".into());
    let run = Run::with_rules(rules);
    // Ground settlement: 2 mm/d, at once; the wall-top point beside it: 3 mm/d, warning 2.1.
    assert_eq!(run.levels("ZQC3", 20.0, 24.0, &[0.0, 2.0])[1], (Level::Alarm, Some("pit.rate.alarm".into())));
    assert_eq!(run.levels("ZQC3", 20.0, 24.0, &[0.0, 1.3])[1].0, Level::Normal, "1.3 < 1.4 warning");
    assert_eq!(run.levels("ZQC4", 20.0, 24.0, &[0.0, 2.0])[1].0, Level::Normal);
}

#[test]
fn strut_force_in_kn_uses_the_struts_design_force() {
    let mut scene = demo_scene();
    scene.sensors.iter_mut().find(|s| s.id == "ZL1").unwrap().unit = "kN".into();
    let run = Run::with_scene(scene);
    // ZC1 design 2400 kN: 70 % alarm = 1680 kN, warning 49 % = 1176 kN.
    assert_eq!(run.each("ZL1", 1.0, &[1175.0, 1176.0, 1680.0]), [Level::Normal, Level::Warning, Level::Alarm]);
}

fn hourly(events: &[Event]) -> Vec<(String, f64, usize, f64, bool, Level, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::HourlyMean { sensor, mean, readings, coverage, complete, level, rule, .. } => {
                Some((sensor.clone(), *mean, *readings, *coverage, *complete, *level, rule.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn dust_spray_trigger_and_hourly_mean_closed_by_reading_or_tick() {
    let run = Run::new();
    let mut e = run.engine();
    let mut events = Vec::new();
    let mut levels = Vec::new();
    // One reading a minute from 09:00: 85 µg/m³, with a 100 at 09:20.
    for m in 0..=60 {
        let v = match m {
            20 => 100.0,
            60 => 60.0,
            _ => 85.0,
        };
        let got = feed(&mut e, "DM1-PM10", 9.0 + m as f64 / 60.0, v);
        levels.push(got.judgement.level);
        events.extend(got.events);
    }
    // The level follows the value: the trigger at 09:20 only; the spray runs its 30 min.
    assert_eq!(levels.iter().filter(|l| **l == Level::Warning).count(), 1);
    assert_eq!(levels[20], Level::Warning);
    assert_eq!(
        events.iter().filter(|e| matches!(e, Event::SprayRequested { minutes, .. } if *minutes == 30.0)).count(),
        1
    );
    // 09:00–10:00: (59 × 85 + 100) / 60 = 85.25 > 80, judged when the 10:00 reading arrives.
    let h = hourly(&events);
    assert_eq!(h.len(), 1);
    let (_, mean, n, coverage, complete, level, rule) = h[0].clone();
    assert!((mean - 85.25).abs() < 1e-9);
    assert_eq!((n, coverage, complete, level, rule.as_str()), (60, 1.0, true, Level::Alarm, "dust.pm10-hourly.alarm"));
    // The 10:00 hour has one reading: a tick closes it 5 min after it ends, too thin to judge.
    assert!(hourly(&e.tick(t(hm(0, 11, 4)))).is_empty());
    let closing = hourly(&e.tick(t(hm(0, 11, 5))));
    assert_eq!(closing.len(), 1);
    assert_eq!((closing[0].1, closing[0].4, closing[0].5), (60.0, false, Level::Normal));
    assert!(hourly(&e.tick(t(hm(0, 12, 0)))).is_empty(), "closed once");
}

/// One hour of `sensor` from 09:00, a reading every `step_s` seconds, `n` readings of `value`;
/// the hour closed by a tick at 10:05.
fn one_hour(
    run: &Run,
    sensor: &str,
    n: usize,
    step_s: f64,
    value: f64,
) -> Vec<(String, f64, usize, f64, bool, Level, String)> {
    let mut e = run.engine();
    let mut events = Vec::new();
    for k in 0..n {
        events.extend(feed(&mut e, sensor, 9.0 + k as f64 * step_s / 3600.0, value).events);
    }
    events.extend(e.tick(t(hm(0, 10, 5))));
    hourly(&events)
}

#[test]
fn hourly_pm25_is_judged_and_needs_three_quarters_of_the_hour() {
    let run = Run::new();
    // 45 one-minute readings cover 75 % of the hour: judged; 44 do not.
    let h = one_hour(&run, "DM1-PM25", 45, 60.0, 80.0);
    assert_eq!((h[0].4, h[0].5, h[0].6.as_str()), (true, Level::Alarm, "dust.pm25-hourly.alarm"));
    let h = one_hour(&run, "DM1-PM25", 44, 60.0, 80.0);
    assert_eq!((h[0].4, h[0].5), (false, Level::Normal));
    // The 75 µg/m³ placeholder limit: at it complies, above it alarms.
    assert_eq!(one_hour(&run, "DM1-PM25", 60, 60.0, 75.0)[0].5, Level::Normal);
    assert_eq!(one_hour(&run, "DM1-PM25", 60, 60.0, 75.1)[0].5, Level::Alarm);
    // 60 readings 30 s apart cover only 30 min of a sensor that reports every 60 s.
    let h = one_hour(&run, "DM1-PM25", 60, 30.0, 90.0);
    assert_eq!((h[0].2, h[0].3, h[0].4), (60, 0.5, false));
    // PM2.5 never requests spraying: the trigger stays on PM10.
    let mut e = run.engine();
    assert!(feed(&mut e, "DM1-PM25", 9.0, 300.0).events.is_empty());
}

#[test]
fn dust_in_mg_per_cubic_metre_is_converted() {
    let mut scene = demo_scene();
    scene.sensors.iter_mut().find(|s| s.id == "DM1-PM10").unwrap().unit = "mg/m3".into();
    scene.sensors.iter_mut().find(|s| s.id == "DM1-PM10").unwrap().range = Some([0.0, 1.0]);
    let run = Run::with_scene(scene);
    let h = one_hour(&run, "DM1-PM10", 60, 60.0, 0.081);
    assert!((h[0].1 - 81.0).abs() < 1e-9);
    assert_eq!(h[0].5, Level::Alarm);
    assert_eq!(run.each("DM1-PM10", 9.0, &[0.099, 0.1]), [Level::Normal, Level::Warning], "spray at 100 µg/m³");
}

fn power_sensor(id: &str, kind: SensorKind, unit: &str, on: &str) -> Sensor {
    Sensor {
        id: id.into(),
        name: None,
        kind,
        unit: unit.into(),
        anchor: Anchor { object: on.into(), node: None },
        position_m: glam::DVec3::new(0.0, 1.0, 0.0),
        device_id: None,
        interval_s: None,
        range: None,
    }
}

#[test]
fn residual_current_is_judged_against_the_box_it_is_on() {
    let run = Run::new();
    use Level::*;
    // DB1 is a sub box with a 75 mA RCD: 30 mA (the switch-box limit) is normal there.
    assert_eq!(run.each("DB1-LEAK", 1.0, &[30.0, 37.4, 37.5, 74.9, 75.0]), [Normal, Normal, Warning, Warning, Alarm]);
    let j = feed(&mut run.engine(), "DB1-LEAK", 1.0, 75.0).judgement;
    assert_eq!(j.rule.as_deref(), Some("power.leakage-sub.alarm"));
    // DB0 is the main box: 100 mA × 0.2 s = 20 mA·s ≤ 30: its 100 mA rating is the alarm.
    assert_eq!(run.each("DB0-LEAK", 1.0, &[49.9, 50.0, 99.9, 100.0]), [Normal, Warning, Warning, Alarm]);
    assert_eq!(
        feed(&mut run.engine(), "DB0-LEAK", 1.0, 100.0).judgement.rule.as_deref(),
        Some("power.leakage-main.alarm")
    );
    // A main box rated 200 mA at 0.2 s may not exceed 30 mA·s: the alarm is 150 mA.
    let mut scene = demo_scene();
    scene.distribution_boxes.iter_mut().find(|b| b.id == "DB0").unwrap().rcd_rated_ma = 200.0;
    assert_eq!(Run::with_scene(scene).each("DB0-LEAK", 1.0, &[149.9, 150.0]), [Warning, Alarm]);
    // Switch boxes: 30 mA, 15 mA in a damp place, or the box's lower rating.
    let mut scene = demo_scene();
    scene.sensors.push(power_sensor("KB1-LEAK", SensorKind::LeakageCurrent, "mA", "KB1"));
    scene.sensors.push(power_sensor("KB2-LEAK", SensorKind::LeakageCurrent, "mA", "KB2"));
    scene.sensors.push(power_sensor("KB3-LEAK", SensorKind::LeakageCurrent, "mA", "KB3"));
    scene.distribution_boxes.iter_mut().find(|b| b.id == "KB2").unwrap().damp = true;
    scene.distribution_boxes.iter_mut().find(|b| b.id == "KB3").unwrap().rcd_rated_ma = 10.0;
    let run = Run::with_scene(scene);
    assert_eq!(run.each("KB1-LEAK", 1.0, &[14.9, 15.0, 29.9, 30.0]), [Normal, Warning, Warning, Alarm]);
    assert_eq!(run.each("KB2-LEAK", 1.0, &[7.4, 7.5, 14.9, 15.0]), [Normal, Warning, Warning, Alarm]);
    assert_eq!(run.each("KB3-LEAK", 1.0, &[4.9, 5.0, 9.9, 10.0]), [Normal, Warning, Warning, Alarm]);
    assert_eq!(feed(&mut run.engine(), "KB1-LEAK", 1.0, 30.0).judgement.rule.as_deref(), Some("power.leakage.alarm"));
}

#[test]
fn rcd_trip_time_is_judged_against_the_box_it_is_on() {
    let mut scene = demo_scene();
    scene.sensors.push(power_sensor("DB0-TRIP", SensorKind::RcdTripTime, "s", "DB0"));
    scene.sensors.push(power_sensor("DB1-TRIP", SensorKind::RcdTripTime, "s", "DB1"));
    let run = Run::with_scene(scene);
    use Level::*;
    // Switch box: ≤ 0.1 s.
    assert_eq!(run.each("KB1-TRIP", 1.0, &[0.1, 0.11]), [Normal, Alarm]);
    // Main box 100 mA: 100 mA × 0.3 s = 30 mA·s complies, 0.31 s does not.
    assert_eq!(run.each("DB0-TRIP", 1.0, &[0.2, 0.3, 0.31]), [Normal, Normal, Alarm]);
    let j = feed(&mut run.engine(), "DB0-TRIP", 1.0, 0.31).judgement;
    assert_eq!(j.rule.as_deref(), Some("power.trip-time-main.alarm"), "{}", j.message);
    // Sub box: its declared break time, 0.15 s.
    assert_eq!(run.each("DB1-TRIP", 1.0, &[0.15, 0.16]), [Normal, Alarm]);
}

#[test]
fn data_quality_findings_are_events_naming_their_rule() {
    let run = Run::new();
    let mut e = run.engine();
    feed(&mut e, "TC1-LOAD", 1.0, 95.0);
    let quality = |got: &Ingested| -> Vec<String> {
        got.events
            .iter()
            .filter_map(|e| match e {
                Event::DataQuality { rule, .. } => Some(rule.clone()),
                _ => None,
            })
            .collect()
    };
    let at = |e: &mut Engine, r: Reading| {
        let arrived = r.time;
        e.ingest(&r, arrived).unwrap()
    };
    // NaN: invalid, the warning is held, not cleared.
    let got = at(&mut e, reading("TC1-LOAD", 1.1, f64::NAN));
    assert_eq!((got.judgement.quality.name(), got.judgement.level), ("invalid", Level::Warning));
    assert_eq!(quality(&got), ["quality.not-a-number"]);
    // Outside the sensor's 0–150 % range.
    let got = at(&mut e, reading("TC1-LOAD", 1.2, 151.0));
    assert!(matches!(&got.judgement.quality, Quality::Invalid(m) if m.contains("outside the sensor's range")));
    assert_eq!(quality(&got), ["quality.range"]);
    // HJ 212 flags: M invalid, T suspect but still judged.
    let got = at(&mut e, Reading { flag: Some(DataFlag::M), ..reading("TC1-LOAD", 1.3, 120.0) });
    assert!(matches!(&got.judgement.quality, Quality::Invalid(m) if m.contains("maintenance")));
    assert_eq!((got.judgement.level, quality(&got)), (Level::Warning, vec!["quality.flag.invalid".to_string()]));
    let got = at(&mut e, Reading { flag: Some(DataFlag::T), ..reading("TC1-LOAD", 1.4, 120.0) });
    assert_eq!((got.judgement.quality.name(), got.judgement.level), ("suspect", Level::Control));
    assert_eq!(quality(&got), ["quality.flag.suspect"]);
    assert!(got.events.iter().any(|e| matches!(e, Event::AlarmLevelChanged { to: Level::Control, .. })));
    // Going back in time, or repeating a timestamp.
    let got = at(&mut e, reading("TC1-LOAD", 1.0, 50.0));
    assert!(matches!(&got.judgement.quality, Quality::Invalid(m) if m.contains("before the previous")));
    assert_eq!(quality(&got), ["quality.order"]);
    let got = at(&mut e, reading("TC1-LOAD", 1.4, 50.0));
    assert!(matches!(&got.judgement.quality, Quality::Invalid(m) if m.contains("same as")));
    // Timed after its arrival: up to the 5-minute tolerance is accepted, beyond it is not.
    let r = reading("TC1-LOAD", 2.0, 50.0);
    let got = e.ingest(&r, r.time - Duration::seconds(300) - Duration::milliseconds(1)).unwrap();
    assert!(matches!(&got.judgement.quality, Quality::Invalid(m) if m.contains("in the future")));
    assert_eq!(quality(&got), ["quality.future"]);
    let got = e.ingest(&r, r.time - Duration::seconds(300)).unwrap();
    assert_eq!(got.judgement.quality, Quality::Valid);
    // The latest accepted value is the last valid or suspect one.
    let s = e.status("TC1-LOAD").unwrap();
    assert_eq!((s.value, s.value_at, s.last_seen), (Some(50.0), Some(t(2.0)), Some(t(2.0))));
    assert_eq!(e.ingest(&reading("NOPE", 1.0, 1.0), t(1.0)).unwrap_err(), EngineError::UnknownSensor("NOPE".into()));
    assert!(e.status("NOPE").is_none());
}

fn stale_of<'a>(events: &'a [Event], sensor: &str) -> Vec<&'a Event> {
    events.iter().filter(|e| matches!(e, Event::Stale { sensor: s, .. } if s == sensor)).collect()
}

#[test]
fn a_tick_reports_staleness_once_per_silence() {
    let run = Run::new();
    let mut e = run.engine();
    // ZQS1 reports hourly: silent for 3 h is tolerated, 3 h + 1 s is stale.
    e.ingest(&reading("ZQS1", 0.0, 1.0), t(0.0)).unwrap();
    assert!(stale_of(&e.tick(t(3.0)), "ZQS1").is_empty());
    let ev = e.tick(t(3.0) + Duration::seconds(1));
    assert!(
        matches!(stale_of(&ev, "ZQS1")[..], [Event::Stale { last: Some(_), silent_s, .. }] if *silent_s == 10_801.0)
    );
    assert!(e.status("ZQS1").unwrap().stale);
    assert!(stale_of(&e.tick(t(4.0)), "ZQS1").is_empty(), "once per silence");
    // It speaks again: no second report of the same silence.
    let got = e.ingest(&reading("ZQS1", 5.0, 1.0), t(5.0)).unwrap();
    assert!(stale_of(&got.events, "ZQS1").is_empty());
    assert!(!e.status("ZQS1").unwrap().stale);
    // A silence no tick saw is reported by the reading that ends it.
    let got = e.ingest(&reading("ZQS1", 8.0 + 1.0 / 3600.0, 1.0), t(8.1)).unwrap();
    assert!(
        matches!(stale_of(&got.events, "ZQS1")[..], [Event::Stale { noticed, .. }] if *noticed == t(8.0 + 1.0 / 3600.0))
    );
    // Never reported: after the 10-min grace (or 3 intervals, if longer) since the engine started.
    let started = e.started_at().unwrap();
    assert_eq!(started, t(0.0));
    let mut e = run.engine();
    e.tick(t(0.0));
    assert!(stale_of(&e.tick(t(0.0) + Duration::seconds(600)), "TC1-LOAD").is_empty());
    let ev = e.tick(t(0.0) + Duration::seconds(601));
    assert!(matches!(stale_of(&ev, "TC1-LOAD")[..], [Event::Stale { last: None, .. }]));
    assert!(stale_of(&ev, "ZQS2").is_empty(), "hourly points get 3 h");
    assert!(stale_of(&e.tick(t(1.0)), "TC1-LOAD").is_empty(), "once");
    assert_eq!(stale_of(&e.tick(t(3.0) + Duration::seconds(1)), "ZQS2").len(), 1);
    assert!(e.never_reported().contains(&"ZQS2"));
    assert_eq!(e.never_reported().len(), run.scene.sensors.len());
}

#[test]
fn the_alarm_book_follows_the_engine() {
    let run = Run::new();
    let mut e = run.engine();
    let mut book = AlarmBook::new(Duration::minutes(15));
    for (k, v) in [95.0, 105.0, 40.0].into_iter().enumerate() {
        for ev in feed(&mut e, "TC1-LOAD", 1.0 + k as f64 * 10.0 / 3600.0, v).events {
            book.on_event(&ev);
        }
    }
    let a = &book.all()[0];
    assert_eq!(book.all().len(), 1);
    assert_eq!(
        (a.peak, a.level, a.condition_active, a.rule.as_str()),
        (Level::Alarm, Level::Normal, false, "crane.load.alarm")
    );
    book.acknowledge(a.id, "王工", t(1.1)).unwrap();
    book.close(1, "王工", "load restacked", t(1.2)).unwrap();
    assert_eq!(book.get(1).unwrap().status, AlarmStatus::Closed);
}

fn demo_batch() -> (Vec<(usize, Reading)>, DateTime<Utc>) {
    let text = std::fs::read_to_string(repo().join("docs/examples/demo-readings.jsonl")).unwrap();
    let (good, bad) = telemetry::parse_readings(&text, Format::JsonLines, CHINA_STANDARD_TIME_S);
    assert_eq!(bad.len(), 1, "the demo has one unreadable line: {bad:?}");
    (good, Utc.with_ymd_and_hms(2026, 12, 1, 16, 0, 0).unwrap())
}

#[test]
fn the_batch_report_on_the_demo_readings() {
    let run = Run::new();
    let (good, now) = demo_batch();
    let report = evaluate_batch(&run.scene, Arc::clone(&run.rules), &good, now);
    let s = report.summary();
    assert_eq!((s.judged, s.invalid, s.suspect), (good.len() - 1, 1, 1));
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].error, EngineError::UnknownSensor("TC9-LOAD".into()));
    let rules: std::collections::BTreeSet<&str> =
        report.judgements.iter().filter_map(|j| j.judgement.rule.as_deref()).collect();
    for rule in [
        "crane.load.alarm",
        "crane.wind.alarm",
        "crane.clearance.alarm",
        "pit.cumulative.warning",
        "noise.day.alarm",
        "noise.day.warning",
        "power.leakage-sub.warning",
        "power.trip-time.alarm",
        "dust.spray.warning",
    ] {
        assert!(rules.contains(rule), "{rule} missing from {rules:?}");
    }
    let tc1 = report
        .judgements
        .iter()
        .find(|j| j.judgement.sensor == "TC1-LOAD" && j.judgement.time == t(hm(0, 8, 30)) + Duration::seconds(24))
        .unwrap();
    assert_eq!(tc1.judgement.level, Level::Alarm);
    let h = hourly(&report.events);
    assert_eq!(h.len(), 1);
    assert_eq!((format!("{:.1}", h[0].1), h[0].2, h[0].5), ("83.1".to_string(), 60, Level::Alarm));
    // The recording ends at its latest reading (10:00): DB1-LEAK has been silent since 09:01.
    assert_eq!(report.end, Some(t(10.0)));
    assert!(stale_of(&report.events, "DB1-LEAK").len() == 1);
    // Sensors without a reading are listed, not reported stale.
    assert_eq!(report.never_reported.len(), 49);
    assert!(!report.events.iter().any(|e| matches!(e, Event::Stale { last: None, .. })));
    // The noise alarm of the breaker at 09:10–09:17 rises, is held, and falls back by 09:37.
    let noise: Vec<Level> =
        report.judgements.iter().filter(|j| j.judgement.sensor == "DM1-NOISE").map(|j| j.judgement.level).collect();
    use Level::*;
    assert_eq!(noise[13..16], [Normal, Alarm, Alarm]);
    assert_eq!(noise[34..], [Alarm, Warning, Warning, Normal, Normal, Normal]);
}

#[test]
fn streaming_the_demo_readings_one_by_one_gives_the_batch_levels() {
    let run = Run::new();
    let (good, now) = demo_batch();
    let batch = evaluate_batch(&run.scene, Arc::clone(&run.rules), &good, now);
    // As a gateway sees them: in time order, each arriving 2 s after it was measured, the engine
    // ticked every 10 s in between and at each arrival.
    let mut sorted = good.clone();
    sorted.sort_by_key(|(_, r)| r.time);
    let mut e = run.engine();
    let mut streamed = std::collections::BTreeMap::new();
    let mut events = Vec::new();
    let mut clock = sorted[0].1.time;
    for (line, r) in &sorted {
        let arrival = r.time + Duration::seconds(2);
        while clock + Duration::seconds(10) < arrival {
            clock += Duration::seconds(10);
            events.extend(e.tick(clock));
        }
        events.extend(e.tick(arrival));
        clock = arrival;
        match e.ingest(r, arrival) {
            Ok(got) => {
                events.extend(got.events);
                streamed.insert(*line, got.judgement);
            }
            Err(err) => assert_eq!(err, EngineError::UnknownSensor("TC9-LOAD".into())),
        }
    }
    assert_eq!(streamed.len(), batch.judgements.len());
    for j in &batch.judgements {
        let s = &streamed[&j.line];
        assert_eq!(
            (s.level, &s.rule, s.quality.name()),
            (j.judgement.level, &j.judgement.rule, j.judgement.quality.name()),
            "line {}",
            j.line
        );
    }
    // The same alarms rise, change and clear, and the same hour is judged.
    let alarms = |events: &[Event]| {
        let mut v: Vec<String> = events
            .iter()
            .filter(|e| {
                matches!(e, Event::AlarmRaised { .. } | Event::AlarmLevelChanged { .. } | Event::AlarmCleared { .. })
            })
            .map(|e| format!("{e:?}"))
            .collect();
        v.sort();
        v
    };
    assert_eq!(alarms(&events), alarms(&batch.events));
    assert!(!alarms(&events).is_empty());
    assert_eq!(hourly(&events), hourly(&batch.events));
    // Streaming also reports the silences as they happen: TC1-LOAD's first report came after the
    // grace period (the clock started at 07:00), and it went silent after 08:30:48.
    assert!(matches!(
        stale_of(&events, "TC1-LOAD")[..],
        [Event::Stale { last: None, .. }, Event::Stale { last: Some(_), .. }]
    ));
}

#[test]
fn a_removed_edge_or_opening_protection_is_an_alarm() {
    let run = Run::new();
    // 1 = in place, 0 = removed; the switch is judged on its state, below 0.5 is removed.
    let got = run.levels("EP-PIT1-N", 9.0, 0.1, &[1.0, 0.0, 0.0, 1.0]);
    assert_eq!(only_levels(&got), [Level::Normal, Level::Alarm, Level::Alarm, Level::Normal]);
    assert_eq!(got[1].1.as_deref(), Some("edge.removed.alarm"));
    assert_eq!(run.each("EP-S1-OPEN", 9.0, &[0.49, 0.5]), [Level::Alarm, Level::Normal]);
    let off = Run::with_rules(RuleSet { edge: EdgeRules { removed_alarm: false }, ..RuleSet::default() });
    assert_eq!(off.each("EP-S1-EDGE", 9.0, &[0.0]), [Level::Normal]);
}

/// Feeds spray-state readings `(minutes after 10:00, value)` after one PM10 reading `pm10` on
/// DM1 at 10:00; the levels and rules of the spray sensor `spray`.
fn spray_run(run: &Run, pm10: f64, spray: &str, at: &[(f64, f64)]) -> Vec<(Level, Option<String>)> {
    let mut e = run.engine();
    feed(&mut e, "DM1-PM10", hm(0, 10, 0), pm10);
    at.iter()
        .map(|(min, v)| {
            let j = feed(&mut e, spray, hm(0, 10, 0) + min / 60.0, *v).judgement;
            (j.level, j.rule)
        })
        .collect()
}

#[test]
fn a_spray_still_off_more_than_five_minutes_after_the_request_is_a_warning() {
    use Level::{Normal, Warning};
    let run = Run::new();
    let s = 1.0 / 60.0;
    // Requested at 10:00 for 30 min: off at exactly 5 min is still starting, a second later not.
    let got = spray_run(&run, 100.0, "DM1-SPRAY", &[(0.0, 0.0), (5.0, 0.0), (5.0 + s, 0.0), (6.0, 1.0)]);
    assert_eq!(only_levels(&got), [Normal, Normal, Warning, Normal]);
    assert_eq!(got[2].1.as_deref(), Some("dust.spray.not-running.warning"));
    // Off again inside the request is a warning; once the 30 min have run, off is fine.
    let got = spray_run(&run, 100.0, "DM1-SPRAY", &[(30.0 - s, 0.0), (30.0, 0.0)]);
    assert_eq!(only_levels(&got), [Warning, Normal]);
    // Below the trigger nothing is requested: off is fine, and so is spraying unasked.
    let got = spray_run(&run, 99.0, "DM1-SPRAY", &[(10.0, 0.0), (11.0, 1.0)]);
    assert_eq!(only_levels(&got), [Normal, Normal]);
    // The wheel wash has no dust monitor of its own: it follows the site's (DM1).
    let got = spray_run(&run, 150.0, "WW1-SPRAY", &[(5.0, 0.0), (5.0 + s, 0.0)]);
    assert_eq!(only_levels(&got), [Normal, Warning]);
    // The delay is configurable.
    let mut rules = RuleSet::default();
    rules.dust.spray_start_delay_min = 10.0;
    let got = spray_run(&Run::with_rules(rules), 100.0, "DM1-SPRAY", &[(10.0, 0.0), (10.0 + s, 0.0)]);
    assert_eq!(only_levels(&got), [Normal, Warning]);
}

#[test]
fn a_people_count_below_zero_or_fractional_is_invalid() {
    // Without a declared range (the demo's counts have one, which finds a negative count first).
    let mut scene = demo_scene();
    scene.sensors.iter_mut().filter(|s| s.id == "G1-ONSITE").for_each(|s| s.range = None);
    let run = Run::with_scene(scene);
    let mut e = run.engine();
    let rule = |got: &Ingested| {
        got.events.iter().find_map(|e| match e {
            Event::DataQuality { rule, .. } => Some(rule.clone()),
            _ => None,
        })
    };
    for (i, (v, want)) in
        [(0.0, None), (-1.0, Some("quality.count")), (2.5, Some("quality.count")), (15.0, None)].into_iter().enumerate()
    {
        let got = feed(&mut e, "G1-ONSITE", 8.0 + i as f64 / 12.0, v);
        assert_eq!(rule(&got).as_deref(), want, "{v}");
        assert_eq!(got.judgement.level, Level::Normal, "a count raises no alarm");
    }
}
