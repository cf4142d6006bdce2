//! `sitetwin bench --live`: the live twin's numbers. The telemetry-to-marker path (readings judged
//! by the site's rules engine onto the sensors, the crane poses, and the markers recoloured) with
//! thousands of sensors all changing level every frame, run headless with the real plugins; and
//! the embedded simulator's speed on the demo site.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use bevy::prelude::*;
use chrono::Duration;
use sitetwin_core::scene::{self, ModelChecks};
use sitetwin_core::sim::{Scenario, Simulator};
use sitetwin_core::telemetry::Reading;

use crate::site::SiteRequest;
use crate::telemetry::ReadingArrived;

/// The demo site with `extra` leakage-current sensors on its sub box DB1, written to `dir` with
/// its model paths made absolute.
fn scene_with_sensors(dir: &Path, extra: usize) -> anyhow::Result<std::path::PathBuf> {
    let demo = Path::new(crate::app::DEMO_SCENE);
    let text = std::fs::read_to_string(demo).context("reading the demo scene")?;
    let root = demo.parent().and_then(Path::parent).context("the checkout")?;
    let mut text = text.replace("\"../assets/", &format!("\"{}/assets/", root.display()));
    let end = text.rfind("    ],\n)").context("the demo's sensor list")?;
    let mut more = String::new();
    for i in 0..extra {
        more.push_str(&format!(
            "        (id: \"BX{i:05}\", kind: LeakageCurrent, unit: \"mA\", anchor: (object: \"DB1\"), position_m: ({:.1}, 1.2, {:.1}), interval_s: 1.0, range: (0.0, 1000.0)),\n",
            (i % 100) as f64 - 50.0,
            (i / 100) as f64 - 50.0
        ));
    }
    text.insert_str(end, &more);
    let file = dir.join("bench-live.ron");
    std::fs::write(&file, text).context("writing the benchmark scene")?;
    Ok(file)
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Runs the live benchmarks and prints their table rows.
pub fn run(sensors: usize, frames: usize) -> anyhow::Result<ExitCode> {
    let dir = std::env::temp_dir().join(format!("sitetwin-bench-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = scene_with_sensors(&dir, sensors)?;
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default()))
        .init_asset::<Mesh>()
        .init_asset::<StandardMaterial>()
        .insert_resource(SiteRequest { path: file.clone(), generation: 1 })
        .add_plugins((crate::SimulationPlugins, crate::view::markers::MarkerPlugin));
    for _ in 0..5000 {
        app.update();
        if *app.world().resource::<State<crate::AppMode>>().get() == crate::AppMode::Twin {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let ids: Vec<String> = (0..sensors).map(|i| format!("BX{i:05}")).collect();
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-12-01T08:00:00+08:00")?.to_utc();
    // Frames without readings: what the rest of the frame costs.
    let mut idle = Vec::new();
    for _ in 0..frames.min(100) {
        let t = Instant::now();
        app.update();
        idle.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let idle_ms = percentile(idle, 0.5);
    // Every sensor's value changes every frame, within its normal band; then every sensor crosses
    // its warning line one frame and falls back below its band the next (an alarm storm: each
    // reading raises or clears an alarm, and every marker changes colour).
    let mut second = 0;
    for (name, values) in [("values changing", [5.0, 6.0]), ("levels changing (alarm storm)", [45.0, 5.0])] {
        let mut busy = Vec::new();
        for f in 0..frames {
            second += 1;
            let value = values[f % 2];
            let time = t0 + Duration::seconds(second);
            let batch: Vec<ReadingArrived> = ids
                .iter()
                .map(|id| ReadingArrived {
                    reading: Reading { sensor: id.clone(), time, value, flag: None },
                    arrived_at: time,
                    replayed: false,
                })
                .collect();
            // Time passes with the readings: the silences are judged too.
            app.world_mut().resource_mut::<crate::telemetry::TwinClock>().now = Some(time);
            let t = Instant::now();
            app.world_mut().write_message_batch(batch);
            app.update();
            busy.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let (p50, p95) = (percentile(busy.clone(), 0.5), percentile(busy, 0.95));
        let per = (p50 - idle_ms).max(0.0);
        say!(
            "| telemetry → markers: {sensors} sensors, {name} every frame ({frames} frames) | frame p50 {p50:.2} ms, p95 {p95:.2} ms; idle frame {idle_ms:.2} ms | path {per:.2} ms/frame, {:.0} ns per reading |",
            per * 1e6 / sensors as f64
        );
    }

    // The core's engine alone on the same readings: what the twin's path costs above it, with
    // the words kept in parts (`judge`, the twin's) and written for every reading (`ingest`,
    // the gateway's and the batch command's).
    let loaded = scene::load(&file, ModelChecks::Skip).map_err(|e| anyhow::anyhow!("{e}"))?;
    for (name, words) in
        [("judge, words kept in parts (the twin)", false), ("ingest, words written (the gateway)", true)]
    {
        let mut engine = sitetwin_core::rules::Engine::new(&loaded.scene, std::sync::Arc::default());
        let mut events = Vec::new();
        let mut times = Vec::new();
        for f in 0..frames.min(100) {
            let time = t0 + Duration::seconds(f as i64 + 1);
            let batch: Vec<Reading> = ids
                .iter()
                .map(|id| Reading { sensor: id.clone(), time, value: [5.0, 6.0][f % 2], flag: None })
                .collect();
            let t = Instant::now();
            for r in &batch {
                if words {
                    let _ = std::hint::black_box(engine.ingest(r, time));
                } else {
                    let _ = std::hint::black_box(engine.judge(r, time, &mut events));
                    events.clear();
                }
            }
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let engine_ms = percentile(times, 0.5);
        say!(
            "| the core's engine alone, {name}: {sensors} readings, values changing | {engine_ms:.2} ms per batch | {:.0} ns per reading |",
            engine_ms * 1e6 / sensors as f64
        );
    }

    let demo = scene::load(Path::new(crate::app::DEMO_SCENE), ModelChecks::Skip).map_err(|e| anyhow::anyhow!("{e}"))?;
    let scenario = Scenario::load(&crate::app::resolve_scenario(crate::app::DEFAULT_SCENARIO)?)?;
    let mut sim = Simulator::new(&demo.scene, &scenario, 1)?;
    let (start, end) = (sim.start(), sim.end());
    let mut out = Vec::new();
    let t = Instant::now();
    sim.advance_to(end, &mut out);
    let s = t.elapsed().as_secs_f64();
    let hours = (end - start).num_seconds() as f64 / 3600.0;
    say!(
        "| simulator: demo site, scenario `default`, {hours:.0} h ({} sensors) | {:.2} s, {} readings | {:.0} simulated h per s ({:.0}× real time) |",
        demo.scene.sensors.len(),
        s,
        out.len(),
        hours / s,
        hours * 3600.0 / s
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExitCode::SUCCESS)
}
