//! The live twin, headless: the embedded simulator's readings reach the sensors' levels, the
//! cranes' poses and the hoist's cage, a stopped site's broken duty is found, going back in time shows exactly what
//! was shown then, and a recording replays to the same alarm events.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use chrono::{DateTime, Utc};
use sitetwin::motion::{CranePose, HoistPose};
use sitetwin::site::{SensorLive, SiteIndex, SiteObject, SiteRequest};
use sitetwin::source::{DataSource, Health, PlayOptions, RecordTo, SeekRequested, SourceHealth};
use sitetwin::stoppage::SiteDuties;
use sitetwin::telemetry::{RulesNoticed, SiteAlarms, TwinClock};
use sitetwin::{AppMode, SimulationPlugins};
use sitetwin_core::rules::stoppage::{Duty, DutyStatus};
use sitetwin_core::rules::{Event, Level};

use crate::{repo, scratch};

fn demo() -> PathBuf {
    repo().join("scenes/demo.ron")
}

fn scenario(name: &str) -> PathBuf {
    repo().join(format!("scenes/scenarios/{name}.ron"))
}

/// Every event the rules noticed, in order.
#[derive(Resource, Default)]
struct Noticed(Vec<Event>);

fn collect(mut r: MessageReader<RulesNoticed>, mut log: ResMut<Noticed>) {
    log.0.extend(r.read().map(|n| n.0.clone()));
}

/// A headless twin of `scene` with `source`, paused `at_s` into its period.
fn live_app(scene: &Path, source: DataSource, at_s: f64, record: Option<PathBuf>) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(SiteRequest { path: scene.to_path_buf(), generation: 1 })
        .insert_resource(source)
        .insert_resource(PlayOptions { at_s, speed: 60.0, paused: true })
        .init_resource::<Noticed>()
        .add_plugins(SimulationPlugins)
        .add_systems(Last, collect);
    if let Some(f) = record {
        app.insert_resource(RecordTo(f));
    }
    for _ in 0..3000 {
        app.update();
        let mode = *app.world().resource::<State<AppMode>>().get();
        if mode == AppMode::Twin && app.world().resource::<SourceHealth>().state != Health::Idle {
            // One more frame: the seek to the start moment is taken.
            app.update();
            return app;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    panic!("the twin did not open with its source");
}

fn sim(name: &str, seed: u64) -> DataSource {
    DataSource::Simulator { scenario: scenario(name), seed }
}

fn live(app: &mut App, sensor: &str) -> SensorLive {
    let e = app.world().resource::<SiteIndex>().sensor(sensor).unwrap();
    app.world().get::<SensorLive>(e).unwrap().clone()
}

fn now(app: &App) -> DateTime<Utc> {
    app.world().resource::<TwinClock>().now.unwrap()
}

fn seek(app: &mut App, to: DateTime<Utc>) {
    app.world_mut().write_message(SeekRequested(to));
    app.update();
    assert_eq!(now(app), to);
}

fn all_live(app: &mut App) -> Vec<(String, SensorLive)> {
    let world = app.world_mut();
    let mut v: Vec<(String, SensorLive)> = world
        .query::<(&sitetwin::site::SiteSensor, &SensorLive)>()
        .iter(world)
        .map(|(s, l)| (s.id.clone(), l.clone()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn simulated_readings_raise_the_sensors_levels_and_move_the_cranes() {
    let mut app = live_app(&demo(), sim("default", 1), 8.0 * 3600.0, None);
    let start = app.world().resource::<SourceHealth>().period.unwrap().0;
    assert_eq!(now(&app), start + chrono::Duration::hours(8), "starts where it was asked, paused");
    assert!(app.world().resource::<SourceHealth>().received > 10_000, "eight hours of 62 sensors arrived");
    let calm = live(&mut app, "TC1-LOAD");
    assert!(calm.latest.is_some() && calm.history.len() > 100);
    // The overload at 9 h: the crane's load reaches its alarm line within the hour.
    let mut peak = Level::Normal;
    for m in 0..90 {
        seek(&mut app, start + chrono::Duration::hours(9) + chrono::Duration::minutes(m));
        peak = peak.max(live(&mut app, "TC1-LOAD").level);
    }
    assert!(peak >= Level::Alarm, "the overload raised TC1-LOAD to {peak:?}");
    let alarms = app.world().resource::<SiteAlarms>();
    assert!(
        alarms.newest_first().any(|a| a.sensor == "TC1-LOAD" && a.rule.starts_with("crane.load")),
        "and its alarm is listed"
    );

    // The crane's pose is its sensors' latest readings.
    let slew = live(&mut app, "TC1-SLEW").latest.unwrap().value;
    let radius = live(&mut app, "TC1-RAD").latest.unwrap().value;
    let pose = crane_pose(&mut app, "TC1");
    assert_eq!(pose.slew_deg, Some(slew));
    assert_eq!(pose.trolley_radius_m, Some(radius));
    // A later moment turns the jib.
    let before = pose.slew_deg;
    seek(&mut app, start + chrono::Duration::hours(11));
    let after = crane_pose(&mut app, "TC1").slew_deg;
    assert_ne!(before, after, "working cranes slew");
    // An encoder glitch (a reading without a value) does not take the jib away.
    let glitch = start + chrono::Duration::hours(11) + chrono::Duration::seconds(5);
    let reading =
        sitetwin_core::telemetry::Reading { sensor: "TC1-SLEW".into(), time: glitch, value: f64::NAN, flag: None };
    app.world_mut().write_message(sitetwin::telemetry::ReadingArrived { reading, arrived_at: glitch, replayed: false });
    app.update();
    assert!(live(&mut app, "TC1-SLEW").latest.unwrap().value.is_nan(), "the glitch is the latest reading");
    let kept = crane_pose(&mut app, "TC1").slew_deg;
    assert_eq!(kept, after, "the pose keeps the last usable slew");
}

fn crane_pose(app: &mut App, id: &str) -> CranePose {
    let world = app.world_mut();
    world.query::<(&SiteObject, &CranePose)>().iter(world).find(|(o, _)| o.id == id).map(|(_, p)| *p).unwrap()
}

fn hoist_pose(app: &mut App, id: &str) -> HoistPose {
    let world = app.world_mut();
    world.query::<(&SiteObject, &HoistPose)>().iter(world).find(|(o, _)| o.id == id).map(|(_, p)| p.clone()).unwrap()
}

#[test]
fn the_hoist_cage_rides_with_its_height_readings() {
    let mut app = live_app(&demo(), sim("default", 1), 3.0 * 3600.0, None);
    let start = app.world().resource::<SourceHealth>().period.unwrap().0;
    // At night the cage rests at the ground landing.
    assert_eq!(hoist_pose(&mut app, "HS1").height_of("cage"), Some(0.0));
    // Through a working morning it rides up and down: its pose is the sensor's latest reading.
    let mut heights = Vec::new();
    for m in 0..120 {
        seek(&mut app, start + chrono::Duration::hours(9) + chrono::Duration::seconds(37 * m));
        let pose = hoist_pose(&mut app, "HS1");
        let reading = live(&mut app, "HS1-HEIGHT").history.back().copied().unwrap();
        assert_eq!(pose.height_of("cage"), Some(reading.1), "the cage node follows HS1-HEIGHT");
        assert_eq!(pose.at, Some(reading.0));
        heights.push(reading.1);
    }
    let top = heights.iter().copied().fold(0.0, f64::max);
    assert!(top > 20.0 && top <= 30.2 - 3.0 + 1e-9, "the cage reached the top landing: {top} m");
    assert!(heights.iter().any(|h| *h > 0.5 && *h < top - 0.5), "and was seen between landings");
    // The second cage has no height sensor: nothing is reported for it, so it stays where the
    // model has it.
    assert_eq!(hoist_pose(&mut app, "HS1").height_of("cage_2"), None);
}

fn crane_poses(app: &mut App) -> Vec<(String, CranePose)> {
    let world = app.world_mut();
    let mut v: Vec<(String, CranePose)> =
        world.query::<(&SiteObject, &CranePose)>().iter(world).map(|(o, p)| (o.id.clone(), *p)).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn going_back_in_time_shows_exactly_what_was_shown_then() {
    let t = |m: i64| chrono::Duration::minutes(m);
    // Played straight to 20 h in half-hour steps, frame by frame...
    let mut straight = live_app(&demo(), sim("default", 3), 0.0, None);
    let start = straight.world().resource::<SourceHealth>().period.unwrap().0;
    for k in 1..=40 {
        seek(&mut straight, start + t(30 * k));
    }
    straight.update();
    let then = (all_live(&mut straight), crane_poses(&mut straight));
    let alarms_then: Vec<_> = straight.world().resource::<SiteAlarms>().newest_first().cloned().collect();
    let events_then = straight.world().resource::<Noticed>().0.clone();
    assert!(alarms_then.len() > 3, "alarms by 20 h: {}", alarms_then.len());
    // ...and sent to 40 h, then back to 20 h.
    let mut wandering = live_app(&demo(), sim("default", 3), 5.0 * 3600.0, None);
    seek(&mut wandering, start + t(40 * 60));
    seek(&mut wandering, start + t(20 * 60));
    wandering.update();
    assert_eq!((all_live(&mut wandering), crane_poses(&mut wandering)), then, "every sensor and crane as at 20 h");
    let alarms: Vec<_> = wandering.world().resource::<SiteAlarms>().newest_first().cloned().collect();
    assert_eq!(alarms, alarms_then, "and the alarm list");
    // The rules noticed the same things on the way to 20 h the second time.
    let log = &wandering.world().resource::<Noticed>().0;
    let since_back = &log[log.len() - events_then.len()..];
    assert_eq!(since_back, &events_then[..], "the same events, in the same order");
    // Back before the cranes' first reading: no pose is left from later.
    seek(&mut wandering, start);
    wandering.update();
    assert!(crane_poses(&mut wandering).iter().all(|(_, p)| p.slew_deg.is_none()), "{:?}", crane_poses(&mut wandering));
}

#[test]
fn the_recorder_keeps_each_reading_once_whatever_the_timeline_does() {
    let dir = scratch("recorder");
    let file = dir.join("flight.jsonl");
    let mut app = live_app(&demo(), sim("default", 9), 3.0 * 3600.0, Some(file.clone()));
    let start = app.world().resource::<SourceHealth>().period.unwrap().0;
    seek(&mut app, start + chrono::Duration::hours(1));
    seek(&mut app, start + chrono::Duration::hours(4));
    app.update();
    drop(app);
    // Exactly what the simulator gives for the first four hours, byte for byte.
    let scene = sitetwin_core::scene::load(&demo(), sitetwin_core::scene::ModelChecks::Skip).unwrap();
    let scen = sitetwin_core::sim::Scenario::load(&scenario("default")).unwrap();
    let mut sim = sitetwin_core::sim::Simulator::new(&scene.scene, &scen, 9).unwrap();
    let mut want = Vec::new();
    sim.advance_to(start + chrono::Duration::hours(4), &mut want);
    let mut bytes = Vec::new();
    sitetwin_core::sim::write_jsonl(&want, &mut bytes).unwrap();
    let got = std::fs::read(&file).unwrap();
    assert_eq!(
        got.len(),
        bytes.len(),
        "{} readings recorded, {} simulated",
        got.iter().filter(|b| **b == b'\n').count(),
        want.len()
    );
    assert!(got == bytes, "the recording is the simulator's readings, once each, in order");
}

#[test]
fn the_stopped_site_scenario_finds_the_locked_slew_brake_and_the_dark_pit_point() {
    let mut app = live_app(&demo(), sim("stopped-pollution", 1), 60.0 * 3600.0, None);
    // The duties are judged after the frame that played the readings.
    app.update();
    let duties = app.world().resource::<SiteDuties>().clone();
    let find = |d: Duty, o: Option<&str>| {
        duties.checks.iter().find(|c| c.duty == d && c.object.as_deref() == o).map(|c| c.status.clone())
    };
    assert!(matches!(find(Duty::CraneWeathervaning, Some("TC1")), Some(DutyStatus::Unmet(_))), "{:#?}", duties.checks);
    assert!(matches!(find(Duty::CraneWeathervaning, Some("TC2")), Some(DutyStatus::Met(_))), "{:#?}", duties.checks);
    assert!(matches!(find(Duty::BoxesLocked, None), Some(DutyStatus::Met(_))), "{:#?}", duties.checks);
    match find(Duty::PitMonitoring, Some("PIT1")) {
        Some(DutyStatus::Unmet(why)) => assert!(why.en.contains("ZQS3"), "{why:?}"),
        other => panic!("pit monitoring: {other:?}"),
    }
    assert!(duties.findings.iter().any(|f| f.sensor == "ZQS3"), "the dark point is a finding: {:#?}", duties.findings);
    let stoppage = app.world().resource::<sitetwin::source::ReportedStoppage>().0.clone().unwrap();
    assert_ne!(stoppage.status, sitetwin_core::rules::stoppage::Status::Operating);
}

#[test]
fn a_recording_of_a_stopped_site_replays_stopped_with_its_duties() {
    let dir = scratch("replay-stopped");
    let file = dir.join("stopped.jsonl");
    let mut recorded = live_app(&demo(), sim("stopped-pollution", 1), 40.0 * 3600.0, Some(file.clone()));
    recorded.update();
    let duties = recorded.world().resource::<SiteDuties>().checks.clone();
    let stoppage = recorded.world().resource::<sitetwin::source::ReportedStoppage>().0.clone();
    drop(recorded);
    assert!(sitetwin::source::status_file(&file).is_file(), "the status is recorded beside the readings");
    let mut replayed = live_app(&demo(), DataSource::Replay { file }, 0.0, None);
    let end = replayed.world().resource::<SourceHealth>().period.unwrap().1;
    seek(&mut replayed, end);
    replayed.update();
    assert_eq!(replayed.world().resource::<sitetwin::source::ReportedStoppage>().0, stoppage);
    assert_eq!(replayed.world().resource::<SiteDuties>().checks, duties, "the same duties, judged again");
}

#[test]
fn a_recording_replays_to_the_same_alarm_events_twice() {
    let dir = scratch("replay");
    let file = dir.join("flight.jsonl");
    let recorded = live_app(&demo(), sim("default", 7), 30.0 * 3600.0, Some(file.clone()));
    let original = recorded.world().resource::<Noticed>().0.clone();
    drop(recorded);
    assert!(original.iter().any(|e| matches!(e, Event::AlarmRaised { .. })));
    let replay = |file: &Path| {
        let mut app = live_app(&demo(), DataSource::Replay { file: file.to_path_buf() }, 0.0, None);
        let end = app.world().resource::<SourceHealth>().period.unwrap().1;
        seek(&mut app, end);
        app.update();
        (app.world().resource::<Noticed>().0.clone(), all_live(&mut app))
    };
    let (first, state1) = replay(&file);
    let (second, state2) = replay(&file);
    assert_eq!(first, second, "two replays give the same alarm events");
    assert_eq!(state1, state2, "and the same sensors");
    // The replay saw what the twin saw when it recorded (the recorded run stood at 30 h, where
    // its last readings are; the replay ends there too).
    assert_eq!(first, original, "the replay noticed exactly what the recorded run did");
}

#[test]
fn a_patrol_is_planned_when_the_site_opens_and_the_inspector_walks_it_with_the_clock() {
    use sitetwin::patrol::{Inspector, PatrolProgress, PatrolRequest, PatrolState};
    use sitetwin_core::patrol::PatrolKind;
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(SiteRequest { path: demo(), generation: 1 })
        .insert_resource(sim("default", 1))
        .insert_resource(PlayOptions { at_s: 33.0 * 3600.0, speed: 60.0, paused: true })
        .insert_resource(PatrolRequest { kind: PatrolKind::Daily, seek_s: None, rehearse: false })
        .add_plugins(SimulationPlugins);
    let mut ready = None;
    for _ in 0..20_000 {
        app.update();
        match app.world().resource::<PatrolState>() {
            PatrolState::Ready(p) => {
                ready = Some(p.clone());
                break;
            }
            PatrolState::Failed(e) => panic!("the patrol failed: {e}"),
            _ => std::thread::sleep(std::time::Duration::from_millis(5)),
        }
    }
    let p = ready.expect("the patrol was planned");
    let walk = p.report.walk.as_ref().unwrap();
    assert!(walk.visits.len() >= 5);
    // The clock stands at the patrol's start: the inspector is at the office.
    app.update();
    let feet = |app: &mut App| {
        let mut q = app.world_mut().query_filtered::<&Transform, With<Inspector>>();
        q.single(app.world()).unwrap().translation
    };
    let start = Vec3::from_array(p.report.plan.start_m.map(|v| v as f32));
    assert!(feet(&mut app).distance(start) < 0.5, "{} vs {start}", feet(&mut app));
    // Half way through the third visit, the inspector stands at its point and two are checked.
    let v = &walk.visits[2];
    let mid = (v.arrive_s + v.leave_s) / 2.0;
    seek(&mut app, p.start + chrono::Duration::milliseconds((mid * 1000.0) as i64));
    app.update();
    let at = feet(&mut app);
    let stood = Vec3::from_array(v.stood_m.map(|x| x as f32));
    assert!(at.distance(stood) < 0.05, "{at} vs {stood}");
    let progress = app.world().resource::<PatrolProgress>().clone();
    assert_eq!(progress.checked, 2);
    assert_eq!(progress.at.as_deref(), Some(v.object.as_str()));
    // After the end, every point is checked.
    seek(&mut app, p.start + chrono::Duration::seconds(walk.duration_s as i64 + 60));
    app.update();
    assert_eq!(app.world().resource::<PatrolProgress>().checked, walk.visits.len());
}

#[test]
fn a_rehearsal_walks_with_the_keys_in_the_patrols_world_and_its_findings_reach_the_register() {
    use bevy::time::TimeUpdateStrategy;
    use sitetwin::findings::FindingsFile;
    use sitetwin::patrol::PatrolRequest;
    use sitetwin::patrol::rehearse::{RehearsalAsked, RehearsalControl, Rehearsing};
    use sitetwin::view::camera::EyeView;
    use sitetwin_core::patrol::PatrolKind;
    use sitetwin_core::patrol::rehearse::Verdict;
    use sitetwin_core::patrol::walk::Gravity;
    let register = scratch("rehearsal").join("findings.json");
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .add_plugins(bevy::input::InputPlugin)
        .insert_resource(TimeUpdateStrategy::ManualDuration(std::time::Duration::from_millis(50)))
        .insert_resource(SiteRequest { path: demo(), generation: 1 })
        .insert_resource(sim("stopped-pollution", 1))
        .insert_resource(PlayOptions { at_s: 33.0 * 3600.0, speed: 60.0, paused: true })
        .insert_resource(PatrolRequest { kind: PatrolKind::Stopped, seek_s: None, rehearse: true })
        .insert_resource(FindingsFile(register.clone()))
        .add_plugins(SimulationPlugins);
    for _ in 0..20_000 {
        app.update();
        if app.world().contains_resource::<Rehearsing>() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(app.world().contains_resource::<Rehearsing>(), "--rehearse starts one once the patrol is planned");
    app.update();
    let feet = |app: &App| app.world().resource::<Rehearsing>().walk.feet_m();
    let start = feet(&app);
    let clock0 = app.world().resource::<TwinClock>().clone();
    assert!(!clock0.paused && clock0.speed == 1.0, "the site plays on at real time: {clock0:?}");
    // W held for two seconds: forward at the plan's pace, the camera at the eye.
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(KeyCode::KeyW);
    for _ in 0..40 {
        app.update();
    }
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().release(KeyCode::KeyW);
    app.update();
    let moved = (feet(&app) - start).length();
    assert!(moved > 1.5 && moved < 2.6, "walked {moved} m in 2 s at 1.2 m/s");
    let eye = app.world().resource::<EyeView>().eye;
    let f = feet(&app);
    assert!((eye - Vec3::new(f.x as f32, f.y as f32 + 1.6, f.z as f32)).length() < 0.01, "{eye} vs {f}");
    let t0 = app.world().resource::<TwinClock>().now.unwrap();
    assert!(t0 > clock0.now.unwrap(), "the clock moved on");
    // Paused, the walk stands still with the site (W held changes nothing), and goes on after.
    app.world_mut().resource_mut::<TwinClock>().paused = true;
    let (t_walk, at) = (app.world().resource::<Rehearsing>().walk.t_s(), feet(&app));
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().press(KeyCode::KeyW);
    for _ in 0..10 {
        app.update();
    }
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().release(KeyCode::KeyW);
    app.update();
    assert_eq!(app.world().resource::<Rehearsing>().walk.t_s(), t_walk, "a paused walk's time stands still");
    assert_eq!(feet(&app), at, "and so does the walker");
    app.world_mut().resource_mut::<TwinClock>().paused = false;
    // To the first point by the guide the twin re-plans as the user goes (the core's steering
    // stands in for the keys).
    let plan = app.world().resource::<Rehearsing>().walk.plan().clone();
    let first = &plan.stops[0];
    for _ in 0..20_000 {
        let r = app.world().resource::<Rehearsing>();
        if r.checklist == Some(0) {
            break;
        }
        let g = r.guide.as_ref().expect("a way on to the first point");
        assert_eq!(g.to, Some(0), "the guide leads to the first point");
        let to = g.heading_for(feet(&app), 0.3).unwrap();
        let stride = app.world_mut().resource_mut::<Rehearsing>().walk.steer_to(to);
        app.world_mut().resource_mut::<RehearsalControl>().stride = stride;
        app.update();
    }
    app.world_mut().resource_mut::<RehearsalControl>().stride = Default::default();
    app.update();
    assert_eq!(app.world().resource::<Rehearsing>().checklist, Some(0), "the first point's checklist opens");
    // Its checklist: the first item not in order, the rest OK; an item from afar is refused.
    let items = first.point.checks.len();
    let note = "锚固螺栓松动".to_string();
    app.world_mut().write_message(RehearsalAsked::Judge {
        point: 0,
        item: 0,
        verdict: Verdict::NotOk { gravity: Gravity::Major, note: note.clone() },
    });
    for item in 1..items {
        app.world_mut().write_message(RehearsalAsked::Judge { point: 0, item, verdict: Verdict::Ok });
    }
    app.world_mut().write_message(RehearsalAsked::Judge { point: 1, item: 0, verdict: Verdict::Ok });
    app.update();
    let said = app.world().resource::<Rehearsing>().said.clone();
    assert!(matches!(&said, Some(Err(e)) if e.contains("walk there first")), "{said:?}");
    // Ending it with Esc (or the bar's button): the comparison says what was missed, the camera
    // goes back to orbiting.
    // (As the window sends it: a key message, which the input plugin turns into a fresh press.)
    let esc = |state| bevy::input::keyboard::KeyboardInput {
        key_code: KeyCode::Escape,
        logical_key: bevy::input::keyboard::Key::Escape,
        state,
        text: None,
        repeat: false,
        window: Entity::PLACEHOLDER,
    };
    app.world_mut().write_message(esc(bevy::input::ButtonState::Pressed));
    app.update();
    app.world_mut().write_message(esc(bevy::input::ButtonState::Released));
    app.update();
    app.update();
    let rep = app.world().resource::<Rehearsing>().report.clone().expect("ended with a comparison");
    assert!(!app.world().contains_resource::<EyeView>());
    assert_eq!(rep.points[0].judged, items);
    assert_eq!(rep.missed.len(), plan.stops.len() - 1);
    assert!(!rep.back_at_start && !rep.complete());
    assert_eq!(rep.findings.len(), 1);
    // Raised into the register, placed at its object, from the rehearsal.
    app.world_mut().write_message(RehearsalAsked::RaiseFindings);
    app.update();
    let said = app.world().resource::<Rehearsing>().said.clone();
    assert!(matches!(&said, Some(Ok(s)) if s.contains("1 new")), "{said:?}");
    let reg = sitetwin_core::findings::Register::load(&register).unwrap();
    assert_eq!(reg.len(), 1);
    let item = &reg.items()[0];
    assert_eq!(item.input.object, first.point.object);
    assert!(item.input.zh.contains(&note), "{}", item.input.zh);
    assert!(format!("{:?}", item.input.source).contains("rehearsal stopped@"), "{:?}", item.input.source);
    app.world_mut().write_message(RehearsalAsked::Close);
    app.update();
    assert!(!app.world().contains_resource::<Rehearsing>());
}
