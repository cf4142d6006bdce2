//! The findings loop on the twin, headless: an alarm raised into the site's register lands in its
//! file and as a pin at its sensor; the twin assigns and rectifies it, refuses a missing photo and
//! a step back in time without losing anything; the command line verifies it in the same file and
//! the twin shows that within a second; a file broken elsewhere is reported and never overwritten;
//! the register exports as CSV; without `--findings` each site keeps its own file.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use bevy::prelude::*;
use sitetwin::findings::{FindingAsked, FindingPin, FindingStep, FindingsFile, FindingsFolder, SiteFindings};
use sitetwin::site::SiteRequest;
use sitetwin::source::{DataSource, Health, PlayOptions, SourceHealth};
use sitetwin::telemetry::{SiteAlarms, TwinClock};
use sitetwin::{AppMode, SimulationPlugins};
use sitetwin_core::findings::{Register, Severity, Source, State as ItemState};

use crate::{repo, scratch};

fn twin(source: DataSource, at_s: f64, register: impl FnOnce(&mut App)) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(SiteRequest { path: repo().join("scenes/demo.ron"), generation: 1 })
        .insert_resource(source.clone())
        .insert_resource(PlayOptions { at_s, speed: 60.0, paused: true });
    register(&mut app);
    app.add_plugins(SimulationPlugins);
    for _ in 0..3000 {
        app.update();
        let open = *app.world().resource::<State<AppMode>>().get() == AppMode::Twin;
        if open && (source == DataSource::StaticScene || app.world().resource::<SourceHealth>().state != Health::Idle) {
            app.update();
            return app;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("the twin did not open");
}

fn ask(app: &mut App, by: &str, step: FindingStep) -> Result<String, String> {
    app.world_mut().write_message(FindingAsked { by: by.into(), step });
    app.update();
    app.world().resource::<SiteFindings>().said.clone().expect("every step says how it went")
}

fn register(app: &App) -> &Register {
    &app.world().resource::<SiteFindings>().register
}

fn pins(app: &mut App) -> Vec<(u64, Vec3)> {
    let world = app.world_mut();
    world.query::<(&FindingPin, &Transform)>().iter(world).map(|(p, t)| (p.id, t.translation)).collect()
}

#[test]
fn the_register_is_worked_on_the_twin_and_shares_its_file_with_the_command_line() {
    let dir = scratch("findings");
    let file = dir.join("site-findings.json");
    let scenario = repo().join("scenes/scenarios/default.ron");
    // 16:05 of the first day: the default scenario's cranes have raised alarms.
    let mut app = twin(DataSource::Simulator { scenario, seed: 1 }, 16.0 * 3600.0 + 300.0, |app| {
        app.insert_resource(FindingsFile(file.clone()));
    });
    assert_eq!(app.world().resource::<SiteFindings>().file(), Some(file.as_path()));
    assert!(register(&app).is_empty() && !file.exists(), "a register not yet written is empty");
    let now = app.world().resource::<TwinClock>().now.unwrap();

    // An alarm of the list becomes an item: on its sensor's object, at the sensor, in the file.
    let alarm = app.world().resource::<SiteAlarms>().newest_first().find(|a| a.sensor.starts_with("TC")).cloned();
    let alarm = alarm.expect("a crane alarm is open at 16:05");
    let said = ask(&mut app, "王工", FindingStep::FromAlarm(alarm.id)).unwrap();
    assert!(said.contains("(1 new)"), "{said}");
    let item = register(&app).items()[0].clone();
    let sensor = sitetwin_core::scene::load(&repo().join("scenes/demo.ron"), sitetwin_core::scene::ModelChecks::Skip)
        .unwrap()
        .scene
        .sensors
        .into_iter()
        .find(|s| s.id == alarm.sensor)
        .unwrap();
    assert_eq!(item.input.object, sensor.anchor.object);
    assert_eq!(item.input.source, Source::Alarm { sensor: alarm.sensor.clone(), rule: Some(alarm.rule.clone()) });
    assert!(item.input.severity >= Severity::Minor && item.state == ItemState::Open);
    assert_eq!(Register::load(&file).unwrap().items(), register(&app).items(), "the file holds what is shown");
    assert_eq!(pins(&mut app), [(item.id, sensor.position_m.as_vec3())], "its pin stands at the sensor");
    // The same alarm again is a repeat of the item, not a second one.
    assert!(ask(&mut app, "王工", FindingStep::FromAlarm(alarm.id)).unwrap().contains("(0 new)"));
    assert_eq!(register(&app).len(), 1);
    let err = ask(&mut app, "王工", FindingStep::FromAlarm(999_999)).unwrap_err();
    assert!(err.contains("alarm 999999"), "{err}");

    // Assigned with a deadline two days on, then rectified: a photo that is not there is refused
    // and changes nothing; with one, the item awaits the inspector.
    let deadline = now + chrono::Duration::days(2);
    let step = FindingStep::Assign { id: item.id, owner: "李师傅".into(), deadline: Some(deadline) };
    ask(&mut app, "王工", step).unwrap();
    let photo = dir.join("限位器.jpg");
    let rectify = |photo: &Path| FindingStep::Rectify {
        id: item.id,
        note: "更换起重量限制器".into(),
        photo: Some(photo.to_path_buf()),
    };
    let err = ask(&mut app, "李师傅", rectify(&photo)).unwrap_err();
    assert!(err.contains("限位器.jpg") && err.contains("not a file"), "{err}");
    assert_eq!(register(&app).items()[0].state, ItemState::Open);
    std::fs::write(&photo, b"jpeg").unwrap();
    ask(&mut app, "李师傅", rectify(&photo)).unwrap();
    let kept = Register::load(&file).unwrap();
    assert_eq!(kept.items()[0].state, ItemState::Rectified);
    assert_eq!(kept.items()[0].owner.as_deref(), Some("李师傅"));
    assert_eq!(kept.items()[0].deadline, Some(deadline));
    assert_eq!(kept.items()[0].evidence().unwrap().photo.as_deref(), Some(photo.to_str().unwrap()));

    // The inspector verifies it on the command line, an hour on; the twin shows it within a second
    // and takes its pin away.
    let later = (now + chrono::Duration::hours(1)).to_rfc3339();
    let out = Command::new(env!("CARGO_BIN_EXE_sitetwin"))
        .args(["findings", "verify", "1", "--by", "张监理", "--at", &later, "--file"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::thread::sleep(Duration::from_millis(1100));
    app.update();
    assert_eq!(register(&app).items()[0].state, ItemState::Verified, "the change made elsewhere shows");
    app.update();
    assert!(pins(&mut app).is_empty(), "a verified item has no pin");

    // Reopening at the twin's moment, before the verification, is refused: nothing is lost.
    let before = std::fs::read(&file).unwrap();
    let err = ask(&mut app, "张监理", FindingStep::Reopen { id: 1, note: "复查未通过".into() }).unwrap_err();
    assert!(err.contains("item 1"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), before);

    // Exported as CSV: the header and the one item.
    let csv = dir.join("site-findings.csv");
    let said = ask(&mut app, "王工", FindingStep::Export(csv.clone())).unwrap();
    assert!(said.contains("1 items"), "{said}");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("李师傅") && text.contains("verified"), "{text}");

    // A file broken elsewhere: the twin says where, keeps showing what it had, and refuses to
    // write over it.
    std::fs::write(&file, "{\n  \"version\": 1,\n  \"items\": [ oops ]\n}\n").unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    app.update();
    let said = app.world().resource::<SiteFindings>().said.clone();
    assert!(matches!(&said, Some(Err(e)) if e.contains("site-findings.json:3:")), "{said:?}");
    assert_eq!(register(&app).len(), 1, "what was shown stays");
    let err = ask(&mut app, "王工", FindingStep::FromAlarm(alarm.id)).unwrap_err();
    assert!(err.contains("site-findings.json:3:"), "{err}");
    assert!(std::fs::read_to_string(&file).unwrap().contains("oops"), "the broken file is not written over");
}

#[test]
fn without_a_register_file_each_site_keeps_its_own() {
    let dir = scratch("findings-folder");
    let folder = dir.join("findings");
    let app = twin(DataSource::StaticScene, 0.0, |app| {
        app.insert_resource(FindingsFolder(folder.clone()));
    });
    let scene =
        sitetwin_core::scene::load(&repo().join("scenes/demo.ron"), sitetwin_core::scene::ModelChecks::Skip).unwrap();
    let expected = folder.join(format!("{}.json", scene.scene.site.id));
    assert_eq!(app.world().resource::<SiteFindings>().file(), Some(expected.as_path()));
}
