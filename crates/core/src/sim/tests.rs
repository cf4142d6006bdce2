//! The simulator against the real scenes and scenario files: determinism, the batch format,
//! realistic signals, the hoist cage's trips, every alarm family of the default scenario through
//! the rule engine, the quiet scenario raising nothing, the stopped site's duties, and positioned
//! errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, FixedOffset};

use super::*;
use crate::rules::stoppage::{self, Duty, DutyStatus, FindingKind, Status, StoppedSiteRules};
use crate::rules::{Engine, Event, Level, RuleSet};
use crate::scene::{CraneRating, ModelChecks};
use crate::telemetry::{Format, parse_readings};
use crate::testutil::repo;

fn scenes() -> PathBuf {
    repo().join("scenes")
}

fn scene(file: &str) -> SiteScene {
    crate::scene::load(&scenes().join(file), ModelChecks::Skip).unwrap().scene
}

fn scenario(name: &str) -> Scenario {
    Scenario::load(&scenario_file(&scenes(), name)).unwrap()
}

fn run(scene: &SiteScene, scenario: &Scenario, seed: u64) -> Vec<Reading> {
    let mut sim = Simulator::new(scene, scenario, seed).unwrap();
    let mut out = Vec::new();
    sim.advance_to(sim.end(), &mut out);
    out
}

fn jsonl(readings: &[Reading]) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_jsonl(readings, &mut bytes).unwrap();
    bytes
}

fn hours(sim_start: DateTime<Utc>, t: DateTime<Utc>) -> f64 {
    (t - sim_start).num_seconds() as f64 / 3600.0
}

/// The twin holds a simulator in a Bevy resource and the gateway in a task.
#[test]
fn a_simulator_can_move_between_threads() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Simulator>();
    send_sync::<Scenario>();
    send_sync::<SimError>();
}

#[test]
fn the_scenarios_are_listed_and_read() {
    assert_eq!(builtin_names(&scenes()), ["default", "quiet", "stopped-pollution"]);
    for name in builtin_names(&scenes()) {
        let s = scenario(&name);
        assert_eq!(s.name, name);
        assert_eq!(s.start, Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap(), "{name} starts at midnight CST");
        assert_eq!(s.duration_h, 72.0);
    }
    assert!(scenario("quiet").events.is_empty());
    let stopped = scenario("stopped-pollution").site_stoppage();
    assert_eq!(stopped.status, Status::Stopped);
    assert_eq!(scenario("default").site_stoppage().status, Status::Operating);
}

#[test]
fn one_call_or_many_give_the_same_readings_and_bytes_and_another_seed_others() {
    let demo = scene("demo.ron");
    let mut sc = scenario("default");
    sc.duration_h = 18.0;
    let wall = Instant::now();
    let whole = run(&demo, &sc, 7);
    let speed = sc.duration_h / wall.elapsed().as_secs_f64();
    println!("speed: the demo site runs {speed:.0} simulated hours per wall second (this build's profile)");

    let mut sim = Simulator::new(&demo, &sc, 7).unwrap();
    let mut pieces = Vec::new();
    let steps = [1, 7, 3599, 13 * 60, 0, 2, 86_400];
    let mut k = 0;
    while sim.clock() < sim.end() {
        let t = sim.clock() + Duration::seconds(steps[k % steps.len()]);
        sim.advance_to(t, &mut pieces);
        assert_eq!(sim.clock(), t.min(sim.end()));
        k += 1;
    }
    assert_eq!(pieces, whole, "split into {k} calls");
    assert_eq!(jsonl(&pieces), jsonl(&whole));
    assert_ne!(jsonl(&run(&demo, &sc, 8)), jsonl(&whole), "another seed, other values");

    // Past the end, nothing more.
    let mut more = Vec::new();
    sim.advance_to(sim.end() + Duration::hours(5), &mut more);
    assert!(more.is_empty());
    assert_eq!(sim.clock(), sim.end());
}

#[test]
fn the_batch_parses_back_in_time_order_with_the_values_written() {
    let demo = scene("demo.ron");
    let mut sc = scenario("default");
    sc.duration_h = 12.0;
    let readings = run(&demo, &sc, 1);
    let text = String::from_utf8(jsonl(&readings)).unwrap();
    // The first reading comes one interval after the start: the cage height's, every 5 s.
    assert!(
        text.starts_with("{\"sensor\": \"HS1-HEIGHT\", \"time\": \"2026-12-01T00:00:05+08:00\", \"value\": 0.0}\n"),
        "{}",
        &text[..90]
    );
    let (good, bad) = parse_readings(&text, Format::JsonLines, 0);
    assert!(bad.is_empty(), "{bad:?}");
    let back: Vec<Reading> = good.into_iter().map(|(_, r)| r).collect();
    assert_eq!(back, readings);
    assert!(readings.windows(2).all(|w| w[0].time <= w[1].time));
    // Ties in scene order.
    let order: BTreeMap<&str, usize> = demo.sensors.iter().enumerate().map(|(k, s)| (s.id.as_str(), k)).collect();
    assert!(
        readings.windows(2).filter(|w| w[0].time == w[1].time).all(|w| order[&*w[0].sensor] < order[&*w[1].sensor])
    );
    // A fraction of a second and a flag survive too.
    let r = Reading {
        sensor: "A \"quoted\"".into(),
        time: Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 1).unwrap() + Duration::milliseconds(250),
        value: f64::NAN,
        flag: Some(crate::telemetry::DataFlag::M),
    };
    let text = String::from_utf8(jsonl(std::slice::from_ref(&r))).unwrap();
    assert_eq!(
        text,
        "{\"sensor\": \"A \\\"quoted\\\"\", \"time\": \"2026-12-01T08:00:01.250+08:00\", \"value\": null, \"flag\": \"M\"}\n"
    );
    let (good, _) = parse_readings(&text, Format::JsonLines, 0);
    assert_eq!((good[0].1.time, good[0].1.flag), (r.time, r.flag));
}

/// Rated load of a crane at a radius, t, and its rated moment, t·m, from the scene alone.
fn chart(rating: &CraneRating) -> (impl Fn(f64) -> f64 + '_, f64) {
    let CraneRating::LoadChart(points) = rating else { panic!("the demo cranes have charts") };
    let moment = points.iter().map(|p| p.radius_m * p.load_t).fold(0.0, f64::max);
    let rated = move |r: f64| {
        let mut out = points[0].load_t;
        for w in points.windows(2) {
            if r >= w[0].radius_m {
                out = w[0].load_t
                    + (w[1].load_t - w[0].load_t) * ((r - w[0].radius_m) / (w[1].radius_m - w[0].radius_m)).min(1.0);
            }
        }
        out
    };
    (rated, moment)
}

#[test]
fn every_demo_sensor_reports_on_its_grid_within_range_and_the_cranes_add_up() {
    let demo = scene("demo.ron");
    let sc = scenario("quiet");
    let readings = run(&demo, &sc, 3);
    let span_s = (sc.duration_h * 3600.0) as i64;
    let mut by: BTreeMap<&str, Vec<&Reading>> = BTreeMap::new();
    for r in &readings {
        by.entry(&r.sensor).or_default().push(r);
    }
    for s in &demo.sensors {
        let iv = s.interval_s.unwrap_or(60.0) as i64;
        let got = &by[s.id.as_str()];
        assert_eq!(got.len() as i64, span_s / iv, "{} every {iv} s", s.id);
        assert!(got.iter().all(|r| r.time.timestamp() % iv == 0), "{} on its grid", s.id);
        if let Some([lo, hi]) = s.range {
            assert!(got.iter().all(|r| (lo..=hi).contains(&r.value)), "{} within {lo}…{hi}", s.id);
        }
        let values: Vec<f64> = got.iter().map(|r| r.value).collect();
        // A door interlock, an edge switch and a spray nobody asks for hold one state on a quiet site.
        let steady = matches!(s.kind, SensorKind::HoistDoor | SensorKind::EdgeProtection | SensorKind::SprayState);
        assert!(values.iter().any(|v| *v != values[0]) || steady, "{} varies", s.id);
    }
    let at = |id: &str| -> BTreeMap<i64, f64> { by[id].iter().map(|r| (r.time.timestamp(), r.value)).collect() };
    for c in &demo.cranes {
        let (rated, moment) = chart(&c.rating);
        let (load, mom, rad, hook, slew) = (
            at(&format!("{}-LOAD", c.id)),
            at(&format!("{}-MOM", c.id)),
            at(&format!("{}-RAD", c.id)),
            at(&format!("{}-HOOK", c.id)),
            at(&format!("{}-SLEW", c.id)),
        );
        let mut lifts = 0;
        for (t, l) in &load {
            let r = rad[t];
            assert!((0.0..=c.jib_length_m).contains(&r), "{} radius {r} within the jib", c.id);
            assert!(hook[t] < c.mast_height_m - 1.0, "{} hook {} below the jib", c.id, hook[t]);
            assert!((0.0..360.0).contains(&slew[t]));
            // Moment % = load × radius ÷ rated moment; load % = load ÷ rated load at the radius.
            let want = l * rated(r) * r / moment;
            assert!(
                (mom[t] - want).abs() < 0.8,
                "{} at {t}: load {l} % at {r} m gives moment {want}, read {}",
                c.id,
                mom[t]
            );
            assert!(*l <= 85.5, "{} quiet loads stay within 30–85 %: {l}", c.id);
            if *l > 25.0 {
                lifts += 1;
            }
        }
        assert!(lifts > 500, "{} lifts by day", c.id);
        // Parked at night: hook within 5 m of the jib, no load.
        let night = sc.start.timestamp() + 3 * 3600;
        assert!(hook[&night] >= c.mast_height_m - 5.0 && load[&night] == 0.0, "{} parked at 03:00", c.id);
    }
    let clear = at("TC1-CLR");
    assert!(
        clear.values().all(|v| *v >= 5.0),
        "the working sectors keep the jibs apart: {:?}",
        clear.values().fold(f64::MAX, |a, b| a.min(*b))
    );
    let (ws_crane, ws_mast) = (at("TC1-WIND"), at("DM1-WS"));
    let mean = |m: &BTreeMap<i64, f64>| m.values().sum::<f64>() / m.len() as f64;
    assert!(mean(&ws_crane) > 1.4 * mean(&ws_mast), "more wind at the jib than on the 5.8 m mast");
    let (pm10, pm25, tsp) = (at("DM1-PM10"), at("DM1-PM25"), at("DM1-TSP"));
    for (t, v) in &pm10 {
        assert!((0.45..0.65).contains(&(pm25[t] / v)) && (1.35..1.65).contains(&(tsp[t] / v)), "dust ratios at {t}");
    }
    let noise = at("DM1-NOISE");
    let local_h = |t: i64| (t + 8 * 3600).rem_euclid(86_400) / 3600;
    let (day, night): (Vec<f64>, Vec<f64>) = (
        noise.iter().filter(|(t, _)| (8..11).contains(&local_h(**t))).map(|(_, v)| *v).collect(),
        noise.iter().filter(|(t, _)| (0..5).contains(&local_h(**t))).map(|(_, v)| *v).collect(),
    );
    assert!(day.iter().sum::<f64>() / day.len() as f64 > night.iter().sum::<f64>() / night.len() as f64 + 12.0);
    let kb1 = at("KB1-I");
    let working: Vec<f64> = kb1.iter().filter(|(t, _)| (8..11).contains(&local_h(**t))).map(|(_, v)| *v).collect();
    assert!(working.iter().any(|a| (20.0..=96.0).contains(a)) && kb1.values().any(|a| *a == 0.3), "crane current");
    let trips = at("KB1-TRIP");
    assert_eq!(trips.len(), 3);
    assert!(trips.values().all(|s| (0.03..=0.06).contains(s)), "{trips:?}");
}

/// HS1-HEIGHT's readings: (Unix seconds, metres).
fn cage_heights(scene: &SiteScene, sc: &Scenario, seed: u64) -> Vec<(i64, f64)> {
    run(scene, sc, seed).iter().filter(|r| r.sensor == "HS1-HEIGHT").map(|r| (r.time.timestamp(), r.value)).collect()
}

#[test]
fn the_hoist_cage_rides_to_its_top_landing_and_back_by_day_and_rests_at_the_ground_otherwise() {
    let demo = scene("demo.ron");
    let hs1 = demo.hoists.iter().find(|h| h.id == "HS1").unwrap();
    let s = demo.sensors.iter().find(|s| s.id == "HS1-HEIGHT").unwrap();
    assert_eq!((s.kind, s.unit.as_str(), s.interval_s), (SensorKind::HoistHeight, "m", Some(5.0)));
    assert_eq!(s.range, Some([0.0, hs1.mast_height_m]));
    // The top landing: 3 m below the top of the 30.2 m mast.
    let top = hs1.mast_height_m - 3.0;
    let mut sc = scenario("default");
    sc.duration_h = 24.0;
    let h = cage_heights(&demo, &sc, 7);
    assert_eq!(h.len(), 24 * 3600 / 5, "every 5 s");
    assert!(h.iter().all(|(_, m)| (0.0..=top).contains(m)), "within the landings");
    // 0.6 m/s: at most 3 m between readings 5 s apart (each rounded to the centimetre).
    let steps: Vec<f64> = h.windows(2).map(|w| (w[1].1 - w[0].1).abs()).collect();
    assert!(steps.iter().all(|d| *d <= 3.0 + 0.011), "{}", steps.iter().fold(0.0, |a: f64, b| a.max(*b)));
    assert!(steps.iter().any(|d| (d - 3.0).abs() < 0.011), "travelling at 0.6 m/s");
    // Trips: from the ground landing up to the top landing and back down.
    let (mut ups, mut downs, mut at) = (0, 0, 0.0);
    for (_, m) in &h {
        if *m == top && at == 0.0 {
            ups += 1;
            at = top;
        } else if *m == 0.0 && at == top {
            downs += 1;
            at = 0.0;
        }
    }
    assert!(ups > 60 && downs >= ups - 1, "{ups} trips up, {downs} down");
    // Only in working hours (07:00–12:00, 13:00–18:00), back at the ground a minute after.
    let local_min = |t: i64| (t + 8 * 3600).rem_euclid(86_400) / 60;
    let working =
        |t: i64| (7 * 60..12 * 60 + 1).contains(&local_min(t)) || (13 * 60..18 * 60 + 1).contains(&local_min(t));
    let idle: Vec<&(i64, f64)> = h.iter().filter(|(t, m)| !working(*t) && *m != 0.0).collect();
    assert!(idle.is_empty(), "at rest at the ground landing out of hours: {idle:?}");
    assert!(h.iter().any(|(t, m)| local_min(*t) < 12 * 60 && *m > 0.0), "the morning shift rides");
    assert!(h.iter().any(|(t, m)| local_min(*t) >= 13 * 60 && *m > 0.0), "the afternoon shift rides");

    // A stopped site: the cage never leaves the ground landing.
    let stopped = cage_heights(&demo, &scenario("stopped-pollution"), 5);
    assert_eq!(stopped.len(), 72 * 3600 / 5);
    assert!(stopped.iter().all(|(_, m)| *m == 0.0), "{:?}", stopped.iter().find(|(_, m)| *m != 0.0));
}

/// The rule family of a rule id: `crane.load.alarm` → `crane.load`.
fn family(rule: &str) -> String {
    rule.rsplit_once('.').map_or(rule, |(f, _)| f).to_string()
}

/// Runs a scenario through the rule engine, ingesting each reading as it is measured and
/// ticking every simulated minute; returns each raised family with the hour it first fired,
/// and every data-quality finding.
fn judge(scene: &SiteScene, sc: &Scenario, seed: u64) -> (BTreeMap<String, f64>, Vec<Event>) {
    let mut sim = Simulator::new(scene, sc, seed).unwrap();
    let mut engine = Engine::new(scene, Arc::new(RuleSet::default()));
    let mut first = BTreeMap::new();
    let mut quality = Vec::new();
    let start = sim.start();
    let mut note = |e: Event| {
        let raised = match &e {
            Event::AlarmRaised { rule, time, .. } | Event::AlarmLevelChanged { rule, time, .. } => {
                Some((family(rule), *time))
            }
            Event::HourlyMean { rule, hour, level, .. } if *level > Level::Normal => {
                Some((family(rule), *hour + Duration::hours(1)))
            }
            Event::SprayRequested { time, .. } => Some(("dust.spray".into(), *time)),
            Event::Stale { noticed, .. } => Some(("quality.stale".into(), *noticed)),
            Event::DataQuality { .. } => {
                quality.push(e.clone());
                None
            }
            Event::AlarmCleared { .. } | Event::HourlyMean { .. } => None,
        };
        if let Some((f, t)) = raised {
            first.entry(f).or_insert(hours(start, t));
        }
    };
    let mut batch = Vec::new();
    while sim.clock() < sim.end() {
        let t = sim.clock() + Duration::minutes(1);
        batch.clear();
        sim.advance_to(t, &mut batch);
        for r in &batch {
            engine.ingest(r, r.time).unwrap().events.into_iter().for_each(&mut note);
        }
        engine.tick(t).into_iter().for_each(&mut note);
    }
    (first, quality)
}

#[test]
fn the_default_scenario_raises_every_family_the_demo_sensors_can_raise() {
    let demo = scene("demo.ron");
    let sc = scenario("default");
    let sim = Simulator::new(&demo, &sc, 7).unwrap();
    let skipped: Vec<&str> = sim.skipped().iter().map(|s| s.kind).collect();
    assert_eq!(skipped, ["HoistLimitTrip"], "the demo hoist has no limit-switch sensor: {:?}", sim.skipped());
    let (first, quality) = judge(&demo, &sc, 7);
    let mut table: Vec<(&String, &f64)> = first.iter().collect();
    table.sort_by(|a, b| a.1.total_cmp(b.1));
    for (f, h) in &table {
        println!("{h:6.2} h  {f}");
    }
    let expected = [
        "crane.load",
        "crane.moment",
        "crane.wind",
        "crane.clearance",
        "crane.tilt",
        "hoist.load",
        "hoist.door",
        "edge.removed",
        "pit.cumulative",
        "pit.rate",
        "pit.strut",
        "formwork.point",
        "dust.spray",
        "dust.spray.not-running",
        "dust.pm10-hourly",
        "dust.pm25-hourly",
        "noise.day",
        "noise.night",
        "noise.night-max",
        "power.leakage-main",
        "power.leakage-sub",
        "power.trip-time",
        "power.cabinet-temp",
        "quality.stale",
    ];
    let raised: Vec<&str> = first.keys().map(String::as_str).collect();
    let mut want = expected.to_vec();
    want.sort_unstable();
    assert_eq!(raised, want, "the families raised, and only they");
    assert!(quality.is_empty(), "no reading outside its range: {quality:?}");
}

#[test]
fn the_quiet_scenario_raises_nothing() {
    let demo = scene("demo.ron");
    let (first, quality) = judge(&demo, &scenario("quiet"), 11);
    assert!(first.is_empty(), "{first:?}");
    assert!(quality.is_empty(), "{quality:?}");
}

#[test]
fn the_stopped_site_keeps_its_duties_but_one_brake_and_one_pit_point() {
    let demo = scene("demo.ron");
    let sc = scenario("stopped-pollution");
    let readings = run(&demo, &sc, 5);
    let end = sc.start + Duration::hours(72);
    let rules = StoppedSiteRules::default();
    let duties = stoppage::check_duties(&demo, &readings, &rules, 3.0, end);
    let status = |duty: Duty, object: Option<&str>| {
        duties
            .iter()
            .find(|d| d.duty == duty && d.object.as_deref() == object)
            .map(|d| d.status.clone())
            .unwrap_or_else(|| panic!("{duty:?} {object:?} in {duties:#?}"))
    };
    assert!(matches!(status(Duty::CraneWeathervaning, Some("TC1")), DutyStatus::Unmet(_)), "{duties:#?}");
    assert!(matches!(status(Duty::CraneWeathervaning, Some("TC2")), DutyStatus::Met(_)), "{duties:#?}");
    for c in ["TC1", "TC2"] {
        assert!(matches!(status(Duty::CranePowerOff, Some(c)), DutyStatus::Met(_)), "{duties:#?}");
        assert!(matches!(status(Duty::CraneHookRaised, Some(c)), DutyStatus::Met(_)), "{duties:#?}");
    }
    assert!(matches!(status(Duty::BoxesLocked, None), DutyStatus::Met(_)), "{duties:#?}");
    // HS1's measured cage is down; its second cage has no height sensor.
    assert!(
        matches!(status(Duty::HoistsLowered, Some("HS1")), DutyStatus::Unknown(m) if m.en.contains("HS1-HEIGHT 0 m")),
        "{duties:#?}"
    );
    match status(Duty::PitMonitoring, Some("PIT1")) {
        DutyStatus::Unmet(why) => assert!(why.en.contains("ZQS3") && why.en.starts_with("1 of"), "{why:?}"),
        other => panic!("{other:?}"),
    }
    let local = FixedOffset::east_opt(CHINA_STANDARD_TIME_S).unwrap();
    let found = stoppage::detect_activity(&demo, &readings, &rules, 3.0, local, end);
    let kinds: Vec<(&FindingKind, &str)> = found.iter().map(|f| (&f.kind, f.sensor.as_str())).collect();
    assert_eq!(
        kinds,
        [(&FindingKind::DarkSensor, "ZQS3"), (&FindingKind::CrewOnSite, "G1-ONSITE")],
        "no lifting, power or working noise; the crew of the event: {found:#?}"
    );
    let crew = &found[1];
    assert_eq!(hours(sc.start, crew.time), 33.0 + 5.0 / 60.0, "the first 5-min count above the duty crew");
    assert!(crew.evidence.en.contains("up to 15 people"), "3 on duty and the 12: {:?}", crew.evidence);
}

#[test]
fn the_default_scenario_runs_on_the_warehouse_site_skipping_what_it_lacks() {
    let rugao = scene("rugao-warehouse.ron");
    let mut sc = scenario("default");
    sc.duration_h = 6.0;
    let sim = Simulator::new(&rugao, &sc, 2).unwrap();
    let skipped: Vec<&str> = sim.skipped().iter().map(|s| s.kind).collect();
    assert_eq!(
        skipped,
        [
            "HoistOverload",
            "CloseApproach",
            "HoistDoorOpen",
            "HoistLimitTrip",
            "StrutForceRise",
            "EdgeRemoved",
            "SprayFault"
        ]
    );
    assert_eq!(sim.skipped()[1].to_string(), "events[6] CloseApproach: skipped, the scene has one tower crane");
    let readings = run(&rugao, &sc, 2);
    for s in &rugao.sensors {
        let mine: Vec<&Reading> = readings.iter().filter(|r| r.sensor == s.id).collect();
        assert!(!mine.is_empty() || s.interval_s == Some(86_400.0), "{}", s.id);
        if let Some([lo, hi]) = s.range {
            assert!(mine.iter().all(|r| (lo..=hi).contains(&r.value)), "{}", s.id);
        }
    }
}

/// Parses `text` as a scenario named `bad.ron`; the error lines.
fn errors(text: &str) -> Vec<String> {
    let e = Scenario::parse(text, Path::new("scenes/scenarios/bad.ron")).unwrap_err();
    e.issues.iter().map(ToString::to_string).collect()
}

#[test]
fn bad_scenarios_name_the_file_the_position_and_the_field() {
    let e = errors(
        "Scenario(\n    name: \"bad\",\n    start: \"2026-12-01 00:00\",\n    duration_h: 72.0,\n    events: [\n        (at_h: 1.0, event: Gustt(peak_m_s: 12.0, duration_min: 5.0)),\n        (at_h: -1.0, event: Gust(peak_m_s: 12.0, duration_min: 5.0)),\n        (at_h: NaN, event: Pour(duration_h: 2.0)),\n        (at_h: 80.0, event: Pour(duration_h: 2.0)),\n        (at_h: 2.0, event: CraneOverload(peak_pct: -5.0)),\n        (at_h: 2.0, event: SensorDark(until_h: 1.0)),\n        (at_h: 2.0, event: Gust(peak_m_s: 12.0, duraton_min: 5.0)),\n        (at_h: 2.0, event: CraneTilt(peak_deg: 0.3, duration_min: 5.0), targets: [\"TC1\", \"TC2\"]),\n    ],\n    stoppage: (reason: Seasonal, since: \"2026-12-41\", ordered_by: \"x\"),\n    colour: \"red\",\n)",
    );
    let want = [
        "scenes/scenarios/bad.ron:6:28: error: events[0].event: unknown EventKind `Gustt`",
        "scenes/scenarios/bad.ron:7:16: error: events[1].at_h: must be a number of hours ≥ 0, found -1",
        "scenes/scenarios/bad.ron:8:16: error: events[2].at_h: must be a number of hours ≥ 0, found NaN",
        "scenes/scenarios/bad.ron:9:16: error: events[3].at_h: 80 h is past the scenario's end (duration_h: 72)",
        "scenes/scenarios/bad.ron:10:52: error: events[4].event.peak_pct: must be a positive number, found -5",
        "scenes/scenarios/bad.ron:11:48: error: events[5].event.until_h: must be a time after the event's at_h (2 h), found 1",
        "scenes/scenarios/bad.ron:12:28: error: events[6].event: missing field `duration_min`",
        "scenes/scenarios/bad.ron:12:49: error: events[6].event.duraton_min: unknown field `duraton_min`",
        "scenes/scenarios/bad.ron:13:90: error: events[7].targets[1]: CraneTilt takes 1 target, found 2",
        "scenes/scenarios/bad.ron:15:41: error: stoppage.since: expected a calendar date written \"YYYY-MM-DD\", found \"2026-12-41\"",
        "scenes/scenarios/bad.ron:16:5: error: colour: unknown field `colour`",
    ];
    assert_eq!(e.len(), want.len(), "{e:#?}");
    for (got, want) in e.iter().zip(want) {
        assert!(got.starts_with(want), "{got}\n  does not start with\n{want}");
    }
    assert!(e[0].contains("(did you mean `Gust`?)"), "{}", e[0]);
    assert!(e[7].contains("(did you mean `duration_min`?)"), "{}", e[7]);
    assert!(
        e[10].contains("expected one of `name`, `description`, `start`, `duration_h`, `stoppage`, `events`"),
        "{}",
        e[10]
    );

    let e = errors(
        "Scenario(name: \"x\", start: \"2026-13-01 00:00\", duration_h: 0.0, stoppage: (reason: Seasonal, since: \"2026-12-01\", ordered_by: \" \"))",
    );
    assert!(e[0].starts_with("scenes/scenarios/bad.ron:1:28: error: start: expected a time written"), "{e:?}");
    assert!(e[1].starts_with("scenes/scenarios/bad.ron:1:60: error: duration_h: must be a positive number"), "{e:?}");
    assert!(e[2].contains("stoppage.ordered_by: who ordered the stoppage must be named"), "{e:?}");
    let e = errors(
        "Scenario(name: \"x\", start: \"2026-12-01 00:00\", duration_h: 1e9, events: [(at_h: 1.0, event: SensorDark(until_h: 1e300))])",
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("duration_h: must be a positive number of hours up to 87600 (ten years), found 1000000000"),
        "{e:?}"
    );
    let sc = Scenario::parse(
        "Scenario(name: \"x\", start: \"2026-12-01 00:00\", duration_h: 1.0, events: [(at_h: 0.5, event: SensorDark(until_h: 1e300))])",
        Path::new("x.ron"),
    )
    .unwrap();
    let mut out = Vec::new();
    let mut sim = Simulator::new(&scene("demo.ron"), &sc, 1).unwrap();
    sim.advance_to(sim.end(), &mut out);
    assert!(out.iter().filter(|r| r.sensor == "TC1-LOAD").all(|r| r.time <= sim.start() + Duration::minutes(30)));
    let e = errors("Scenario(name: \"x\",\n  duration_h: 1.0)");
    assert_eq!(e, ["scenes/scenarios/bad.ron:1:1: error: (document): missing field `start`"]);
    let e = errors("Scenario(name: \"x\", start: \"2026-12-01 00:00\", duration_h: 1.0, events: [(at_h: 0.5)])");
    assert!(e[0].contains("events[0]: missing field `event`"), "{e:?}");
    let e = Scenario::load(Path::new("/nonexistent/x.ron")).unwrap_err();
    assert!(e.to_string().starts_with("/nonexistent/x.ron: error: (document): cannot read the scenario file"), "{e}");
}

#[test]
fn targets_the_scene_lacks_are_errors_naming_the_event() {
    let demo = scene("demo.ron");
    let text = "Scenario(\n  name: \"t\",\n  start: \"2026-12-01 00:00\",\n  duration_h: 24.0,\n  events: [\n    (at_h: 1.0, event: CraneOverload(peak_pct: 104.0), targets: [\"TC9\"]),\n    (at_h: 1.0, event: PitCreep(to_mm: 30.0, duration_h: 10.0), targets: [\"ZL1\"]),\n    (at_h: 1.0, event: Leakage(peak_ma: 50.0, duration_min: 10.0), targets: [\"DB7\"]),\n    (at_h: 1.0, event: CloseApproach(duration_min: 5.0), targets: [\"TC1\", \"TC1\"]),\n    (at_h: 1.0, event: Leakage(peak_ma: 50.0, duration_min: 10.0), targets: [\"KB2\"]),\n  ],\n)";
    let sc = Scenario::parse(text, Path::new("scenes/scenarios/t.ron")).unwrap();
    let e = Simulator::new(&demo, &sc, 1).err().unwrap();
    let lines: Vec<String> = e.issues.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "scenes/scenarios/t.ron:6:66: error: events[0].targets[0]: no tower crane `TC9` in the scene (it has `TC1`, `TC2`) (did you mean `TC1`?)",
            "scenes/scenarios/t.ron:7:75: error: events[1].targets[0]: `ZL1` is a StrutForce sensor; PitCreep needs a PitHorizontalDisplacement or PitVerticalDisplacement or PitDeepDisplacement sensor",
            "scenes/scenarios/t.ron:8:78: error: events[2].targets[0]: no object `DB7` in the scene (it has `DB0`, `DB1`) (did you mean `DB0`?)",
            "scenes/scenarios/t.ron:9:75: error: events[3].targets[1]: `TC1` is named twice",
        ]
    );
    assert!(e.to_string().ends_with("4 errors in the scenario"));
    // KB2 exists but has no leakage sensor: that event is left out, not an error.
    let fine = text
        .replace("[\"TC9\"]", "[\"TC2\"]")
        .replace("[\"ZL1\"]", "[\"ZQS1\"]")
        .replace("DB7", "DB1")
        .replace("[\"TC1\", \"TC1\"]", "[]");
    let sc = Scenario::parse(&fine, Path::new("t.ron")).unwrap();
    let sim = Simulator::new(&demo, &sc, 1).unwrap();
    assert_eq!(
        sim.skipped().iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["events[4] Leakage: skipped, KB2 has no LeakageCurrent sensor"]
    );
}
