//! `sitetwin bench --patrol`: the patrol simulator's numbers on the demo site: preparing the
//! site (rapier world from the glTF meshes, walking grid), planning each patrol type, and walking
//! it with the physics inspector, as simulated time per wall time.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use sitetwin_core::patrol::{
    self, Body, LiveSim, PatrolKind, PatrolSite, PlanOptions, PointRules, WalkOptions, ZoneRules,
};
use sitetwin_core::rules::RuleSet;
use sitetwin_core::scene::{self, ModelChecks};
use sitetwin_core::sim::Scenario;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs the patrol benchmarks `runs` times each and prints their table rows.
pub fn run(runs: usize) -> anyhow::Result<ExitCode> {
    let demo = Path::new(crate::app::DEMO_SCENE);
    let loaded = scene::load(demo, ModelChecks::Exists).map_err(|e| anyhow::anyhow!("{e}"))?;
    let scene = &loaded.scene;
    let dir = demo.parent().context("the demo's folder")?;
    let scenario = Scenario::load(&crate::app::resolve_scenario(crate::app::DEFAULT_SCENARIO)?)?;
    let mut build = Vec::new();
    let mut site = None;
    for _ in 0..runs {
        let t = Instant::now();
        site = Some(PatrolSite::build(scene, dir, Body::default())?);
        build.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let site = site.context("at least one run")?;
    say!(
        "| prepare the demo site: {} triangles, grid {} x {} at {} m ({} walkable) | {:.0} ms |",
        site.world.triangles,
        site.grid.cols,
        site.grid.rows,
        site.grid.cell_m,
        site.grid.walkable_count(),
        median(build)
    );
    say!("\n| patrol (at 33 h) | points | walk m | simulated | plan ms | walk ms | x real time | steps | µs/step |");
    say!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let rules = Arc::new(RuleSet::default());
    for kind in PatrolKind::ALL {
        let (mut plan_ms, mut walk_ms) = (Vec::new(), Vec::new());
        let mut last = None;
        for _ in 0..runs {
            let mut live = LiveSim::new(scene, &scenario, 1, rules.clone())?;
            live.advance_to(live.start() + chrono::Duration::hours(33));
            let t = Instant::now();
            let now = live.now();
            let points = patrol::points::checkpoints(scene, kind, &now, &PointRules::default());
            let zones = patrol::zones::zones(scene, &now, &ZoneRules::default());
            let cost = patrol::zones::cost_field(&site.grid, &zones);
            let plan = patrol::plan::plan(&site, kind, points, zones, &cost, &PlanOptions::default())?;
            plan_ms.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let w = patrol::walk::walk(&site, scene, &plan, &mut live, &ZoneRules::default(), &WalkOptions::default());
            walk_ms.push(t.elapsed().as_secs_f64() * 1e3);
            last = Some((plan, w));
        }
        let (plan, w) = last.context("at least one run")?;
        let walk = median(walk_ms);
        say!(
            "| {} | {} | {:.0} | {:.0} min | {:.0} | {:.0} | {:.0} | {} | {:.1} |",
            kind.name(),
            plan.stops.len(),
            w.walked_m,
            w.duration_s / 60.0,
            median(plan_ms),
            walk,
            w.duration_s / (walk / 1e3),
            w.steps,
            walk * 1e3 / w.steps as f64
        );
    }
    Ok(ExitCode::SUCCESS)
}
