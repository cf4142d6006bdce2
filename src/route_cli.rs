//! `sitetwin route tsp FILE.tsp`: solves a TSPLIB instance with the core's patrol-route solver and
//! prints the tour and its length (TSPLIB distances), or one JSON object with `--json`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Subcommand;
use sitetwin_core::route::{solve, tsplib};

/// The route planner's commands.
#[derive(Subcommand, Debug)]
pub enum RouteCommand {
    /// Solve a TSPLIB instance (EUC_2D, CEIL_2D, ATT, GEO, EXPLICIT in every edge-weight format).
    Tsp {
        /// The `.tsp` file.
        file: PathBuf,
        /// How long to search, ms.
        #[arg(long, default_value_t = 1000)]
        time_limit_ms: u64,
        /// Seed of the search's kicks.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print one JSON object: `name`, `dimension`, `length`, `tour` (1-based node ids),
        /// `elapsed_ms`.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a route command.
pub fn run(cmd: RouteCommand) -> anyhow::Result<ExitCode> {
    let RouteCommand::Tsp { file, time_limit_ms, seed, json } = cmd;
    let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let instance = tsplib::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let started = Instant::now();
    let tour = solve::solve(&instance.matrix, Duration::from_millis(time_limit_ms), seed);
    let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
    let ids: Vec<usize> = tour.order.iter().map(|i| i + 1).collect();
    if json {
        let out = serde_json::json!({
            "name": instance.name,
            "dimension": instance.matrix.dimension(),
            "length": tour.length,
            "tour": ids,
            "elapsed_ms": elapsed_ms,
        });
        println!("{out}");
    } else {
        let name = if instance.name.is_empty() { file.display().to_string() } else { instance.name.clone() };
        println!("{name}: {} nodes, tour length {} ({elapsed_ms:.0} ms)", ids.len(), tour.length);
        let list: Vec<String> = ids.iter().map(usize::to_string).collect();
        println!("{}", list.join(" "));
    }
    Ok(ExitCode::SUCCESS)
}
