//! Bureau mode headless: the city is judged off the frame, a light site's twin opens from it
//! through the loading phases (its scene and models written for it), and the way back leads to
//! the city with its state kept.

use bevy::prelude::*;
use sitetwin::bureau::{BureauAction, BureauOptions, BureauPlugin, CityView};
use sitetwin::site::Site;
use sitetwin::{AppMode, SimulationPlugins};
use sitetwin_core::city::demo;
use sitetwin_core::i18n::Lang;
use sitetwin_core::rules::stoppage::AlertLevel;

use crate::{repo, scratch};

fn mode(app: &App) -> AppMode {
    *app.world().resource::<State<AppMode>>().get()
}

fn run_until(app: &mut App, what: &str, done: impl Fn(&App) -> bool) {
    for _ in 0..20_000 {
        app.update();
        if done(app) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    panic!("{what} did not happen: mode {:?}", mode(app));
}

#[test]
fn a_light_sites_twin_opens_from_the_city_and_the_city_comes_back() {
    let twins = scratch("bureau-twins");
    let city = demo::city(&repo().join("scenes"));
    let light = city.sites.iter().find(|s| s.light.is_some() && s.non_operating()).unwrap().id.clone();
    let mut app = App::new();
    app.add_plugins(MinimalPlugins).add_plugins(SimulationPlugins);
    app.insert_resource(CityView::new(BureauOptions {
        city,
        file: None,
        seed: 1,
        twins_dir: twins.clone(),
        gateway: None,
    }))
    .add_plugins(BureauPlugin)
    .insert_state(AppMode::Bureau);
    run_until(&mut app, "judging the city", |a| a.world().resource::<CityView>().ready());
    assert_eq!(mode(&app), AppMode::Bureau);
    let v = app.world().resource::<CityView>();
    assert_eq!(v.rows.len(), 30);
    // The riskiest stopped site is selected first.
    assert_eq!(v.selected.as_deref(), Some("3206022026051701"));
    app.world_mut().write_message(BureauAction::OpenTwin(light.clone()));
    run_until(&mut app, "opening the light site's twin", |a| mode(a) == AppMode::Twin);
    let site = app.world().resource::<Site>();
    assert_eq!(site.loaded.scene.site.id, light);
    assert!(site.loaded.file.starts_with(twins.join(&light)), "{}", site.loaded.file.display());
    assert!(twins.join(&light).join("models/ground.glb").is_file());
    assert_eq!(app.world().resource::<CityView>().selected.as_deref(), Some(light.as_str()));
    app.world_mut().write_message(BureauAction::BackToCity);
    run_until(&mut app, "going back to the city", |a| mode(a) == AppMode::Bureau);
    assert_eq!(app.world().resource::<CityView>().rows.len(), 30);
    // A site not in the city opens nothing and says so.
    app.world_mut().write_message(BureauAction::OpenTwin("nope".into()));
    app.update();
    app.update();
    assert_eq!(mode(&app), AppMode::Bureau);
    let msg = app.world().resource::<CityView>().message.clone();
    assert_eq!(msg, Some((false, "no site nope in the city".into())));
}

#[test]
fn an_alert_issued_in_the_view_moves_sites_and_a_review_is_kept_in_the_city_file() {
    let dir = scratch("bureau-view-file");
    let file = dir.join("city.json");
    let city = demo::city(&repo().join("scenes"));
    city.save(&file).unwrap();
    let mut app = App::new();
    app.add_plugins(MinimalPlugins).add_plugins(SimulationPlugins);
    app.insert_resource(CityView::new(BureauOptions {
        city,
        file: Some(file.clone()),
        seed: 1,
        twins_dir: dir.clone(),
        gateway: None,
    }))
    .add_plugins(BureauPlugin)
    .insert_state(AppMode::Bureau);
    run_until(&mut app, "judging the city", |a| a.world().resource::<CityView>().ready());
    let before = app.world().resource::<CityView>().table().len();
    sitetwin::bureau::issue_alert(&mut app.world_mut().resource_mut::<CityView>(), Some(AlertLevel::I), Lang::Zh);
    run_until(&mut app, "judging after the alert", |a| a.world().resource::<CityView>().ready());
    let v = app.world().resource::<CityView>();
    let (level, changes) = v.changes.clone().unwrap();
    assert_eq!(level, Some(AlertLevel::I));
    assert!(!changes.is_empty());
    assert!(v.table().len() > before, "{before} → {}", v.table().len());
    assert_eq!(sitetwin_core::city::City::load(&file).unwrap().alert, Some(AlertLevel::I));
    // A review without a reviewer is refused; with one it is saved to the file.
    let mut v = app.world_mut().resource_mut::<CityView>();
    v.selected = Some("3206022026051701".into());
    v.review.findings = "TC1 回转制动未松开\n\n".into();
    sitetwin::bureau::record_review(&mut v);
    assert!(v.message.as_ref().is_some_and(|(ok, m)| !ok && m.contains("reviewer must be named")), "{:?}", v.message);
    v.review.reviewer = "张伟".into();
    sitetwin::bureau::record_review(&mut v);
    assert!(v.message.as_ref().is_some_and(|(ok, _)| *ok), "{:?}", v.message);
    let saved = sitetwin_core::city::City::load(&file).unwrap();
    let last = saved.reviews.last().unwrap();
    assert_eq!((last.reviewer.as_str(), last.findings.len()), ("张伟", 1));
}
