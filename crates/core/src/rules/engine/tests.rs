//! The rule engine on the demo site: every threshold at its boundary, data quality, staleness,
//! hysteresis and the events an alarm book consumes.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::telemetry::DataFlag;
use crate::testutil::demo_scene;

/// 2026-12-01 00:00 site time (UTC+8) plus `h` hours.
fn t(h: f64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap() + Duration::milliseconds((h * 3_600_000.0) as i64)
}

fn reading(sensor: &str, h: f64, value: f64) -> Reading {
    Reading { sensor: sensor.into(), time: t(h), value, flag: None }
}

struct Run {
    scene: SiteScene,
    rules: RuleSet,
}

impl Run {
    fn new() -> Self {
        Run { scene: demo_scene(), rules: RuleSet::default() }
    }

    /// Judges `values` of one sensor, one per `step_h` hours from `start_h`; returns the levels.
    fn levels(&self, sensor: &str, start_h: f64, step_h: f64, values: &[f64]) -> Vec<(Level, Option<String>)> {
        let mut e = Engine::new(&self.scene, &self.rules, t(1000.0));
        values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let (j, _) = e.judge(&reading(sensor, start_h + step_h * i as f64, *v)).unwrap();
                (j.level, j.rule)
            })
            .collect()
    }

    /// Each value judged on a fresh engine (no hysteresis carried over).
    fn each(&self, sensor: &str, h: f64, values: &[f64]) -> Vec<Level> {
        values
            .iter()
            .map(|v| {
                let mut e = Engine::new(&self.scene, &self.rules, t(1000.0));
                e.judge(&reading(sensor, h, *v)).unwrap().0.level
            })
            .collect()
    }
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
    let mut e = Engine::new(&run.scene, &run.rules, t(100.0));
    let (j, ev) = e.judge(&reading("TC1-LOAD", 1.0, 100.0)).unwrap();
    assert_eq!(j.rule.as_deref(), Some("crane.load.alarm"));
    assert!(j.message.contains("100 % of rated >= 100 % of rated"), "{}", j.message);
    assert!(matches!(&ev[..], [Event::Raised { level: Level::Alarm, .. }]));
}

#[test]
fn wind_stop_work_at_force_six() {
    let run = Run::new();
    assert_eq!(
        run.each("TC1-WIND", 10.0, &[7.9, 8.0, 10.7, 10.8]),
        [Level::Normal, Level::Warning, Level::Warning, Level::Alarm]
    );
    let mut e = Engine::new(&run.scene, &run.rules, t(100.0));
    let (j, _) = e.judge(&reading("DM1-WS", 1.0, 10.8)).unwrap();
    assert_eq!(j.rule.as_deref(), Some("crane.wind.alarm"));
}

#[test]
fn anti_collision_clearance_is_low_is_worse() {
    let run = Run::new();
    assert_eq!(
        run.each("TC1-CLR", 10.0, &[5.1, 5.0, 2.01, 2.0, 0.5]),
        [Level::Normal, Level::Warning, Level::Warning, Level::Alarm, Level::Alarm]
    );
}

#[test]
fn hysteresis_holds_a_level_until_the_value_is_clearly_back() {
    let run = Run::new();
    let l = run.levels("TC1-LOAD", 1.0, 0.01, &[90.0, 89.0, 90.5, 88.5, 88.1, 91.0]);
    let levels: Vec<Level> = l.iter().map(|x| x.0).collect();
    assert_eq!(levels, [Level::Warning, Level::Warning, Level::Warning, Level::Warning, Level::Normal, Level::Warning]);
}

#[test]
fn events_follow_the_level() {
    let run = Run::new();
    let mut e = Engine::new(&run.scene, &run.rules, t(100.0));
    let mut all = Vec::new();
    // Ten seconds apart, as the black box reports: no staleness in between.
    for (k, v) in [50.0, 95.0, 105.0, 96.0, 40.0].into_iter().enumerate() {
        all.extend(e.judge(&reading("TC1-LOAD", 1.0 + k as f64 * 10.0 / 3600.0, v)).unwrap().1);
    }
    let kinds: Vec<&str> = all
        .iter()
        .map(|e| match e {
            Event::Raised { .. } => "raised",
            Event::LevelChanged { .. } => "changed",
            Event::Cleared { .. } => "cleared",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["raised", "changed", "changed", "cleared"]);
}

#[test]
fn noise_day_and_night_at_2159_and_2200() {
    let run = Run::new();
    // 21:59 is day: 60 dB(A) is fine, 70 is a warning (within 3 dB), 70.1 exceeds.
    let day = 21.0 + 59.0 / 60.0;
    assert_eq!(
        run.each("DM1-NOISE", day, &[60.0, 67.0, 70.0, 70.1]),
        [Level::Normal, Level::Warning, Level::Warning, Level::Alarm]
    );
    // 22:00 is night: 55 is at the limit (warning), 55.1 exceeds.
    assert_eq!(
        run.each("DM1-NOISE", 22.0, &[51.9, 52.0, 55.0, 55.1]),
        [Level::Normal, Level::Warning, Level::Warning, Level::Alarm]
    );
    // 05:59 is still night, 06:00 is day again.
    assert_eq!(run.each("DM1-NOISE", 5.0 + 59.0 / 60.0, &[60.0]), [Level::Alarm]);
    assert_eq!(run.each("DM1-NOISE", 6.0, &[60.0]), [Level::Normal]);
    // Night maximum: above 55 + 15 = 70 names its own rule.
    let mut e = Engine::new(&run.scene, &run.rules, t(100.0));
    let (j, _) = e.judge(&reading("DM1-NOISE", 23.0, 70.5)).unwrap();
    assert_eq!(j.rule.as_deref(), Some("noise.night-max.alarm"));
    let (j, _) = e.judge(&reading("DM1-NOISE", 23.1, 70.0)).unwrap();
    assert_eq!(j.rule.as_deref(), Some("noise.night.alarm"));
}

#[test]
fn pit_cumulative_values() {
    let run = Run::new();
    // ZQS1 wall-top horizontal: alarm 30 mm, warning 70 % = 21 mm; the sign does not matter.
    assert_eq!(
        run.each("ZQS1", 10.0, &[20.9, 21.0, 29.9, 30.0, -30.0]),
        [Level::Normal, Level::Warning, Level::Warning, Level::Alarm, Level::Alarm]
    );
    // Groundwater in metres is converted to millimetres: 1.0 m = 1000 mm alarm.
    let mut scene = run.scene.clone();
    scene.sensors.iter_mut().find(|s| s.id == "SW1").unwrap().unit = "m".into();
    let r2 = Run { scene, rules: RuleSet::default() };
    assert_eq!(r2.each("SW1", 10.0, &[0.69, 0.7, 1.0]), [Level::Normal, Level::Warning, Level::Alarm]);
}

#[test]
fn pit_rate_over_a_day() {
    let run = Run::new();
    // 3 mm/d alarm, 2.1 mm/d warning: 2.0 mm in 24 h is fine, 3.0 mm is an alarm.
    let l = run.levels("ZQS2", 0.0, 24.0, &[5.0, 7.0]);
    assert_eq!(l[1].0, Level::Normal);
    let l = run.levels("ZQS2", 0.0, 24.0, &[5.0, 8.0]);
    assert_eq!(l[1], (Level::Alarm, Some("pit.rate.alarm".into())));
    let l = run.levels("ZQS2", 0.0, 24.0, &[5.0, 7.2]);
    assert_eq!(l[1], (Level::Warning, Some("pit.rate.warning".into())));
    // With less than 12 h of history there is no rate yet.
    let l = run.levels("ZQS2", 0.0, 6.0, &[5.0, 10.0]);
    assert_eq!(l[1].0, Level::Normal);
}

#[test]
fn pit_rate_streak_fires_on_the_third_day() {
    let run = Run::new();
    let mut e = Engine::new(&run.scene, &run.rules, t(1000.0));
    // Evening readings: day 0 at 0 mm, then +1.6 mm/d (above 50 % of 3 mm/d, below the 2.1 warning).
    let mut last = None;
    for (day, v) in [(0.0, 0.0), (1.0, 1.6), (2.0, 3.2)] {
        last = Some(e.judge(&reading("ZQC1", 20.0 + 24.0 * day, v)).unwrap().0);
    }
    assert_eq!(last.unwrap().level, Level::Normal, "two days in a row is not enough");
    // Day 3 morning: only 0.5 mm so far today, not yet above 1.5.
    let j = e.judge(&reading("ZQC1", 20.0 + 48.0 + 12.0, 3.7)).unwrap().0;
    assert_eq!(j.level, Level::Normal);
    // Day 3 evening: 1.6 mm today: the third day in a row.
    let j = e.judge(&reading("ZQC1", 20.0 + 72.0, 4.8)).unwrap().0;
    assert_eq!(j.rule.as_deref(), Some("pit.rate-streak.alarm"), "{}", j.message);
    assert_eq!(j.level, Level::Alarm);
}

#[test]
fn strut_force_in_kn_uses_the_struts_design_force() {
    let mut scene = demo_scene();
    scene.sensors.iter_mut().find(|s| s.id == "ZL1").unwrap().unit = "kN".into();
    let run = Run { scene, rules: RuleSet::default() };
    // ZC1 design 2400 kN: 70 % alarm = 1680 kN, warning 49 % = 1176 kN.
    assert_eq!(run.each("ZL1", 1.0, &[1175.0, 1176.0, 1680.0]), [Level::Normal, Level::Warning, Level::Alarm]);
}

#[test]
fn dust_spray_trigger_and_hourly_mean() {
    let run = Run::new();
    let mut e = Engine::new(&run.scene, &run.rules, t(100.0));
    let mut events = Vec::new();
    let mut levels = Vec::new();
    // One reading a minute from 09:00: 85 µg/m³, with a 100 at 09:20.
    for m in 0..=60 {
        let v = match m {
            20 => 100.0,
            60 => 60.0,
            _ => 85.0,
        };
        let (j, ev) = e.judge(&reading("DM1-PM10", 9.0 + m as f64 / 60.0, v)).unwrap();
        levels.push(j.level);
        events.extend(ev);
    }
    // The level follows the value: the trigger at 09:20 only; the spray runs its 30 min.
    assert_eq!(levels.iter().filter(|l| **l == Level::Warning).count(), 1);
    assert_eq!(levels[20], Level::Warning);
    assert_eq!(
        events.iter().filter(|e| matches!(e, Event::SprayRequested { minutes, .. } if *minutes == 30.0)).count(),
        1
    );
    // 09:00–10:00: (59 × 85 + 100) / 60 = 85.25 > 80, judged when the 10:00 reading arrives.
    let hourly = events.iter().find_map(|e| match e {
        Event::HourlyMean { mean, level, readings, complete, rule, .. } => {
            Some((*mean, *level, *readings, *complete, rule.clone()))
        }
        _ => None,
    });
    let (mean, level, n, complete, rule) = hourly.unwrap();
    assert!((mean - 85.25).abs() < 1e-9);
    assert_eq!((level, n, complete, rule.as_str()), (Level::Alarm, 60, true, "dust.pm10-hourly.alarm"));
    // The 10:00 hour has one reading: closed by `finish`, but too thin to judge.
    let closing = e.finish(t(11.5), &run.scene);
    assert!(
        closing.iter().any(
            |e| matches!(e, Event::HourlyMean { mean, level: Level::Normal, complete: false, .. } if *mean == 60.0)
        )
    );
}

#[test]
fn electricity_leakage_and_trip_time() {
    let run = Run::new();
    assert_eq!(
        run.each("DB1-LEAK", 1.0, &[14.9, 15.0, 29.9, 30.0]),
        [Level::Normal, Level::Warning, Level::Warning, Level::Alarm]
    );
    assert_eq!(run.each("KB1-TRIP", 1.0, &[0.1, 0.11]), [Level::Normal, Level::Alarm]);
    let mut scene = demo_scene();
    let kb1 = scene.distribution_boxes.iter_mut().find(|b| b.id == "KB1").unwrap();
    kb1.damp = true;
    scene.sensors.push(crate::scene::Sensor {
        id: "KB1-LEAK".into(),
        name: None,
        kind: SensorKind::LeakageCurrent,
        unit: "mA".into(),
        anchor: crate::scene::Anchor { object: "KB1".into(), node: None },
        position_m: glam::DVec3::new(12.0, 1.0, -7.2),
        device_id: None,
        interval_s: None,
        range: None,
    });
    let damp = Run { scene, rules: RuleSet::default() };
    assert_eq!(damp.each("KB1-LEAK", 1.0, &[14.9, 15.0]), [Level::Warning, Level::Alarm]);
}

#[test]
fn data_quality_is_part_of_every_judgement() {
    let run = Run::new();
    let mut e = Engine::new(&run.scene, &run.rules, t(100.0));
    e.judge(&reading("TC1-LOAD", 1.0, 95.0)).unwrap();
    let q = |e: &mut Engine, r: Reading| e.judge(&r).unwrap().0;
    // NaN: invalid, the warning is held, not cleared.
    let j = q(&mut e, reading("TC1-LOAD", 1.1, f64::NAN));
    assert_eq!((j.quality.name(), j.level), ("invalid", Level::Warning));
    // Outside the sensor's 0–150 % range.
    let j = q(&mut e, reading("TC1-LOAD", 1.2, 151.0));
    assert!(matches!(&j.quality, Quality::Invalid(m) if m.contains("outside the sensor's range")));
    // HJ 212 flags: M invalid, T suspect but still judged.
    let j = q(&mut e, Reading { flag: Some(DataFlag::M), ..reading("TC1-LOAD", 1.3, 120.0) });
    assert!(matches!(&j.quality, Quality::Invalid(m) if m.contains("maintenance")));
    assert_eq!(j.level, Level::Warning);
    let j = q(&mut e, Reading { flag: Some(DataFlag::T), ..reading("TC1-LOAD", 1.4, 120.0) });
    assert_eq!((j.quality.name(), j.level), ("suspect", Level::Control));
    // Going back in time, or repeating a timestamp.
    let j = q(&mut e, reading("TC1-LOAD", 1.0, 50.0));
    assert!(matches!(&j.quality, Quality::Invalid(m) if m.contains("before the previous")));
    let j = q(&mut e, reading("TC1-LOAD", 1.4, 50.0));
    assert!(matches!(&j.quality, Quality::Invalid(m) if m.contains("same as")));
    // In the future of the wall clock (100 h) beyond the 5-minute tolerance.
    let j = q(&mut e, reading("TC1-LOAD", 100.2, 50.0));
    assert!(matches!(&j.quality, Quality::Invalid(m) if m.contains("in the future")));
    assert_eq!(e.judge(&reading("NOPE", 1.0, 1.0)).unwrap_err(), EngineError::UnknownSensor("NOPE".into()));
}

#[test]
fn stale_sensors_are_reported_when_they_come_back_and_at_the_end() {
    let run = Run::new();
    let mut e = Engine::new(&run.scene, &run.rules, t(100.0));
    // ZQS1 reports hourly: a 3 h gap is tolerated, 3 h + 1 s is stale.
    e.judge(&reading("ZQS1", 0.0, 1.0)).unwrap();
    let (_, ev) = e.judge(&reading("ZQS1", 3.0, 1.0)).unwrap();
    assert!(ev.is_empty());
    let (_, ev) = e.judge(&reading("ZQS1", 6.0 + 1.0 / 3600.0, 1.0)).unwrap();
    assert!(matches!(&ev[..], [Event::Stale { silent_s, .. }] if (*silent_s - 10_801.0).abs() < 1.0));
    let end = e.finish(t(8.0), &run.scene);
    let stale: Vec<&str> = end
        .iter()
        .filter_map(|e| match e {
            Event::Stale { sensor, .. } => Some(sensor.as_str()),
            _ => None,
        })
        .collect();
    // ZQS1 spoke 2 h before the end: not stale. Sensors that never reported are listed apart.
    assert!(stale.is_empty(), "{stale:?}");
    let never = e.never_reported(&run.scene);
    assert!(never.contains(&"ZQS2") && never.contains(&"TC1-LOAD") && !never.contains(&"ZQS1"));
    assert_eq!(never.len(), run.scene.sensors.len() - 1);
    // Silent for more than three intervals at the end of the batch: stale.
    let end = e.finish(t(9.5), &run.scene);
    assert!(end.iter().any(|e| matches!(e, Event::Stale { sensor, .. } if sensor == "ZQS1")));
}
