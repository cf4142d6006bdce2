//! The telemetry bridge under `MinimalPlugins`: readings that arrive go through the core's
//! streaming engine onto the sensor entities, and agree with the batch evaluation of the same
//! readings (`sitetwin rules evaluate`).

use std::sync::Arc;

use bevy::prelude::*;
use chrono::{DateTime, Utc};
use sitetwin::site::{SensorLive, SiteIndex, SiteRequest};
use sitetwin::telemetry::{LevelChanged, ReadingArrived, RulesNoticed, SiteRules};
use sitetwin::{AppMode, SimulationPlugins};
use sitetwin_core::rules::{Event, Level, Quality, RuleSet, evaluate_batch};
use sitetwin_core::scene::{self, ModelChecks};
use sitetwin_core::telemetry::{self, CHINA_STANDARD_TIME_S, Format};

use crate::repo;

#[derive(Resource, Default)]
struct Heard {
    events: Vec<Event>,
    changes: Vec<LevelChanged>,
}

fn listen(
    mut noticed: MessageReader<RulesNoticed>,
    mut changed: MessageReader<LevelChanged>,
    mut heard: ResMut<Heard>,
) {
    heard.events.extend(noticed.read().map(|n| n.0.clone()));
    heard.changes.extend(changed.read().copied());
}

#[test]
fn readings_that_arrive_are_judged_onto_their_sensors_as_the_batch_judges_them() {
    let demo = repo().join("scenes/demo.ron");
    let text = std::fs::read_to_string(repo().join("docs/examples/demo-readings.jsonl")).unwrap();
    let (readings, _bad) = telemetry::parse_readings(&text, Format::JsonLines, CHINA_STANDARD_TIME_S);
    assert!(readings.len() > 100, "{}", readings.len());
    let arrived_at: DateTime<Utc> = readings.iter().map(|(_, r)| r.time).max().unwrap();

    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(SiteRequest { path: demo.clone(), generation: 1 })
        .add_plugins(SimulationPlugins)
        .init_resource::<Heard>()
        .add_systems(Update, listen.after(sitetwin::TwinSet::Update));
    for _ in 0..2000 {
        app.update();
        if *app.world().resource::<State<AppMode>>().get() == AppMode::Twin {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    // A source delivers the readings a few per frame.
    for chunk in readings.chunks(7) {
        for (_, r) in chunk {
            app.world_mut().write_message(ReadingArrived { reading: r.clone(), arrived_at, replayed: false });
        }
        app.update();
    }
    app.update();

    let loaded = scene::load(&demo, ModelChecks::Skip).unwrap();
    let batch = evaluate_batch(&loaded.scene, Arc::new(RuleSet::default()), &readings, arrived_at);
    let index = app.world().resource::<SiteIndex>().clone();
    let engine = &app.world().resource::<SiteRules>().engine;
    let mut judged = 0;
    for s in &loaded.scene.sensors {
        let lines: Vec<_> = batch.judgements.iter().filter(|j| j.judgement.sensor == s.id).collect();
        let live = app.world().get::<SensorLive>(index.sensor(&s.id).unwrap()).unwrap();
        let Some(last) = lines.last() else {
            assert!(live.latest.is_none() && live.history.is_empty(), "{} never reported", s.id);
            continue;
        };
        judged += 1;
        // The level and rule in force are the engine's, and the batch ends on the same level.
        let status = engine.status(&s.id).unwrap();
        assert_eq!((live.level, &live.rule), (status.level, &status.rule), "{}", s.id);
        assert_eq!(live.level, last.judgement.level, "{}", s.id);
        let latest = live.latest.as_ref().unwrap();
        assert_eq!(latest.time, last.judgement.time, "{}", s.id);
        assert!(latest.value == last.judgement.value || (latest.value.is_nan() && last.judgement.value.is_nan()));
        // The chart holds every usable reading, in time order.
        let usable: Vec<f64> = lines
            .iter()
            .filter(|j| !matches!(j.judgement.quality, Quality::Invalid(_)) && j.judgement.value.is_finite())
            .map(|j| j.judgement.value)
            .collect();
        let charted: Vec<f64> = live.history.iter().map(|(_, v)| *v).collect();
        assert_eq!(charted, usable, "{}", s.id);
        assert!(live.history.iter().zip(live.history.iter().skip(1)).all(|(a, b)| a.0 < b.0), "{}", s.id);
    }
    assert!(judged > 10, "{judged} sensors reported");

    // What the rules noticed as the readings came is what the batch noticed (before its final
    // tick, which the twin leaves to its clock).
    let heard = app.world().resource::<Heard>();
    let raised = |events: &[Event]| events.iter().filter(|e| matches!(e, Event::AlarmRaised { .. })).count();
    assert!(raised(&heard.events) >= 3, "{:?}", heard.events);
    assert_eq!(raised(&heard.events), raised(&batch.events));
    // Every level change reached the sensors' entities, and the alarms are among them.
    assert!(heard.changes.iter().any(|c| c.to >= Level::Alarm));
    let alarmed: Vec<Entity> = heard.changes.iter().filter(|c| c.to >= Level::Warning).map(|c| c.sensor).collect();
    assert!(alarmed.contains(&index.sensor("TC1-LOAD").unwrap()), "the crane overload reached TC1-LOAD");
}

#[test]
fn a_reading_the_rules_cannot_judge_leaves_the_alarm_in_force() {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(SiteRequest { path: repo().join("scenes/demo.ron"), generation: 1 })
        .add_plugins(SimulationPlugins);
    for _ in 0..2000 {
        app.update();
        if *app.world().resource::<State<AppMode>>().get() == AppMode::Twin {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let t0 = telemetry::parse_time("2026-12-01 09:00:00", CHINA_STANDARD_TIME_S).unwrap();
    let reading = |s: i64, value: f64| ReadingArrived {
        reading: telemetry::Reading {
            sensor: "TC1-LOAD".into(),
            time: t0 + chrono::Duration::seconds(s),
            value,
            flag: None,
        },
        arrived_at: t0 + chrono::Duration::seconds(60),
        replayed: false,
    };
    app.world_mut().write_message(reading(0, 105.0));
    app.update();
    let e = app.world().resource::<SiteIndex>().sensor("TC1-LOAD").unwrap();
    let live = app.world().get::<SensorLive>(e).unwrap().clone();
    assert_eq!((live.level, live.rule.as_deref()), (Level::Alarm, Some("crane.load.alarm")));
    // The load cell sends nothing usable: the alarm and its rule stay, the reading is the latest.
    app.world_mut().write_message(reading(8, f64::NAN));
    app.update();
    let live = app.world().get::<SensorLive>(e).unwrap().clone();
    assert_eq!((live.level, live.rule.as_deref()), (Level::Alarm, Some("crane.load.alarm")));
    assert!(matches!(live.latest.unwrap().quality, Quality::Invalid(_)));
    assert_eq!(live.history.len(), 1, "nothing to chart");
}
