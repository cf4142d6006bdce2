//! The command line: `view` (the default) opens the twin, `snapshot` renders it offscreen to a
//! PNG, `validate` checks a scene or a single glTF model and reports every problem, `rules` runs
//! the standards' rules in batch, `bench` measures.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use bevy::prelude::*;
use clap::{Parser, Subcommand};
use sitetwin_core::i18n::Lang;
use sitetwin_core::model;
use sitetwin_core::scene::{self, LoadedScene, ModelChecks};

use crate::app::{DEMO_SCENE, TwinOptions, resolve_scenario, twin_app};
use crate::snapshot::{Screen, SnapshotOutcome, SnapshotRequest};
use crate::source::gateway::GatewaySource;
use crate::source::{DataSource, PlayOptions};
use crate::ui::UiConfig;

/// sitetwin: a 3D digital twin for construction-site safety supervision.
#[derive(Parser, Debug)]
#[command(version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    view: ViewArgs,
}

#[derive(clap::Args, Debug, Clone)]
struct ViewArgs {
    /// Scene file to open (default: the Nantong demo site). Others open from the site picker or
    /// File → Open without restarting.
    scene: Option<PathBuf>,
    /// Interface language: zh (default) or en.
    #[arg(long, default_value = "zh", value_parser = parse_lang)]
    lang: Lang,
    /// Once the site has loaded, save a screenshot of the window to this PNG and exit
    /// (for bug reports and for testing the real window under Xvfb).
    #[arg(long)]
    screenshot: Option<PathBuf>,
    #[command(flatten)]
    source: SourceArgs,
}

/// Where the twin's telemetry comes from: the embedded simulator (the default), a gateway, a
/// recording, or none.
#[derive(clap::Args, Debug, Clone)]
struct SourceArgs {
    /// The simulator's scenario: a name from scenes/scenarios/ (default, stopped-pollution,
    /// quiet) or a scenario file.
    #[arg(long, default_value = crate::app::DEFAULT_SCENARIO)]
    scenario: String,
    /// The simulator's seed: the same seed gives the same readings.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Data seconds per wall second for the simulator and replays (1, 60, 3600...).
    #[arg(long, default_value_t = 60.0)]
    speed: f64,
    /// Where in the scenario or recording to start, e.g. 8h, 36h, 90m (default: 8h into the
    /// simulator's period, the start of a recording).
    #[arg(long, value_parser = parse_span_s)]
    at: Option<f64>,
    /// Follow a telemetry gateway instead of the simulator, e.g. http://127.0.0.1:8080.
    #[arg(long, conflicts_with_all = ["replay", "no_telemetry"])]
    source: Option<String>,
    /// The viewer or operator token for --source (or $SITETWIN_TOKEN).
    #[arg(long, env = "SITETWIN_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Play back a recording (--record writes one).
    #[arg(long, conflicts_with = "no_telemetry")]
    replay: Option<PathBuf>,
    /// Record every reading the twin receives to this file (JSON lines).
    #[arg(long)]
    record: Option<PathBuf>,
    /// No telemetry: the scene as designed.
    #[arg(long = "static")]
    no_telemetry: bool,
    /// Play an inspection patrol from the start moment: daily, special, bureau, stopped or
    /// resumption (planned and walked by the core, then followed at the twin's clock).
    #[arg(long, value_parser = crate::patrol_cli::parse_kind)]
    patrol: Option<sitetwin_core::patrol::PatrolKind>,
    /// With --patrol: once planned, move the clock this far into the patrol, e.g. 40m.
    #[arg(long, value_parser = parse_span_s, requires = "patrol")]
    patrol_at: Option<f64>,
    /// With --patrol: walk it yourself in first person once it is planned (WASD and the mouse).
    #[arg(long, requires = "patrol")]
    rehearse: bool,
    /// The site's rectification register (JSON, created if missing), opened in its window:
    /// alarms and a rehearsal's findings are raised into it, and its items worked there.
    /// Without it, each site keeps its own in sitetwin's configuration folder.
    #[arg(long)]
    findings: Option<PathBuf>,
}

impl SourceArgs {
    /// The source and how it plays; `snapshot` plays nothing unless asked and stands still.
    fn resolve(&self, options: &mut TwinOptions, default_static: bool) -> anyhow::Result<()> {
        let asked = self.source.is_some() || self.replay.is_some();
        options.source = if self.no_telemetry || (default_static && !asked && !self.scenario_given()) {
            DataSource::StaticScene
        } else if let Some(url) = &self.source {
            let token = self.token.clone().context("--source needs a viewer token: --token or $SITETWIN_TOKEN")?;
            DataSource::Gateway(GatewaySource { url: url.clone(), token })
        } else if let Some(file) = &self.replay {
            DataSource::Replay { file: file.clone() }
        } else {
            let scenario = resolve_scenario(&self.scenario)?;
            // Read it now so a bad scenario is an error here, with its positions, not in the twin.
            sitetwin_core::sim::Scenario::load(&scenario)?;
            DataSource::Simulator { scenario, seed: self.seed }
        };
        let default_at = if matches!(options.source, DataSource::Simulator { .. }) { 8.0 * 3600.0 } else { 0.0 };
        if !(self.speed.is_finite() && self.speed > 0.0) {
            bail!("--speed must be a positive number of data seconds per second, not {}", self.speed);
        }
        options.play = PlayOptions { at_s: self.at.unwrap_or(default_at), speed: self.speed, paused: default_static };
        options.record = self.record.clone();
        options.patrol = self.patrol.map(|kind| crate::patrol::PatrolRequest {
            kind,
            seek_s: self.patrol_at,
            rehearse: self.rehearse,
        });
        options.findings = self.findings.clone();
        Ok(())
    }

    fn scenario_given(&self) -> bool {
        self.scenario != crate::app::DEFAULT_SCENARIO || self.at.is_some() || self.patrol.is_some()
    }
}

/// A span written with its units: `36h`, `90m`, `16h30m`, `45s`, `3d` (a bare number is seconds).
pub(crate) fn parse_span_s(s: &str) -> Result<f64, String> {
    let bad = || format!("`{s}` is not a span like 36h, 16h30m, 90m or 45s");
    let t = s.trim();
    if let Ok(n) = t.parse::<f64>() {
        return if n.is_finite() && n >= 0.0 { Ok(n) } else { Err(format!("`{s}` must not be negative")) };
    }
    let (mut total, mut rest) = (0.0, t);
    while !rest.is_empty() {
        let split = rest.find(|c: char| c.is_ascii_alphabetic()).ok_or_else(bad)?;
        let n: f64 = rest[..split].trim().parse().map_err(|_| bad())?;
        let unit_end = rest[split..].find(|c: char| !c.is_ascii_alphabetic()).map_or(rest.len(), |i| split + i);
        let k = match &rest[split..unit_end] {
            "s" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            u => return Err(format!("`{s}`: unknown unit `{u}`; use s, m, h or d")),
        };
        if !(n.is_finite() && n >= 0.0) {
            return Err(format!("`{s}` must not be negative"));
        }
        total += n * k;
        rest = &rest[unit_end..];
    }
    Ok(total)
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Open the twin in a window (the default command).
    View(ViewArgs),
    /// Check a scene file (every problem, with line and column) or a single .gltf/.glb model
    /// (what the twin would import from it, or exactly why it cannot).
    Validate {
        /// A `.ron` scene or a `.gltf`/`.glb` model.
        path: PathBuf,
        /// Print the model report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Render the twin offscreen (no window needed) and write a PNG. The scene opens as in the
    /// twin: models that are missing or cannot be imported are left out and named on stderr.
    Snapshot {
        /// Scene file.
        scene: PathBuf,
        /// View: overview, top, or an object id such as TC1 or PIT1.
        #[arg(long, default_value = "overview")]
        view: String,
        /// Output PNG.
        #[arg(long, default_value = "snapshot.png")]
        out: PathBuf,
        /// Image size, WIDTHxHEIGHT.
        #[arg(long, default_value = "1600x900", value_parser = parse_size)]
        size: UVec2,
        /// Include the panels (object tree, legend) as a user sees them.
        #[arg(long)]
        ui: bool,
        /// Interface language for `--ui`: zh or en.
        #[arg(long, default_value = "zh", value_parser = parse_lang)]
        lang: Lang,
        /// Select an object or sensor id first (its info panel shows with `--ui`).
        #[arg(long)]
        select: Option<String>,
        /// The screen to capture: the twin, the loading screen (held at its end), the error
        /// screen of a scene that cannot be read, or a window over the twin.
        #[arg(long, value_enum, default_value_t = Screen::Twin)]
        screen: Screen,
        /// Also write the timings and problems as JSON to this file.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Telemetry to show: none unless a scenario (`--scenario NAME --at 36h`), a recording
        /// or a gateway is given; the picture is taken at that moment, time standing still.
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Run the simulator without the twin: write a scenario's readings in the core's batch format
    /// (same seed, same bytes), or send them to a gateway as its devices would.
    Simulate {
        /// Scene file.
        scene: PathBuf,
        /// A scenario name from scenes/scenarios/ or a scenario file.
        #[arg(long, default_value = crate::app::DEFAULT_SCENARIO)]
        scenario: String,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How much of the scenario, e.g. 72h (default: all of it).
        #[arg(long, value_parser = parse_span_s)]
        duration: Option<f64>,
        /// Write the readings here as JSON lines (`-` for standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Post the readings to a gateway's HTTP ingest, e.g. http://127.0.0.1:8080.
        #[arg(long)]
        to: Option<String>,
        /// The device token for --to (or $SITETWIN_DEVICE_TOKEN).
        #[arg(long, env = "SITETWIN_DEVICE_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// With --to or --hj212: data seconds per wall second (default: as fast as the gateway
        /// takes them).
        #[arg(long)]
        speed: Option<f64>,
        /// Send the scene's HJ 212 stations' readings (the dust and noise monitor) as real-time
        /// packets to a gateway's HJ 212 listener, e.g. 127.0.0.1:9212, each waiting for its reply.
        #[arg(long)]
        hj212: Option<String>,
    },
    /// The standards' rules in batch: evaluate readings, classify major-hazard works, score a
    /// JGJ 59 sheet, show every rule and its source.
    Rules {
        #[command(subcommand)]
        cmd: crate::rules_cli::RulesCommand,
    },
    /// Inspection routes: solve a TSPLIB instance with the patrol planner's solver.
    Route {
        #[command(subcommand)]
        cmd: crate::route_cli::RouteCommand,
    },
    /// Inspection patrols by the standard: plan one (points, stand points, order, paths, time) or
    /// walk it with the physics inspector, its findings filling the JGJ 59 sheet.
    Patrol {
        #[command(subcommand)]
        cmd: crate::patrol_cli::PatrolCommand,
    },
    /// The site's rectification register: findings from patrols and alarms, assigned, rectified
    /// with evidence, verified or reopened; listed and exported as CSV.
    Findings {
        #[command(subcommand)]
        cmd: crate::findings_cli::FindingsCommand,
    },
    /// The housing bureau's city: the non-operating sites ranked by risk, the monthly
    /// housing–environment consultation report, city-wide pollution alerts and site reviews.
    #[command(args_conflicts_with_subcommands = true)]
    Bureau {
        #[command(subcommand)]
        cmd: Option<crate::bureau_cli::BureauCommand>,
        #[command(flatten)]
        view: BureauViewArgs,
    },
    /// The telemetry gateway: serve sites (HJ 212, HTTP and MQTT in; store, rules and a live API
    /// out), and make device and user tokens. See docs/gateway.md.
    Gateway {
        #[command(subcommand)]
        cmd: sitetwin_gateway::cli::GatewayCommand,
    },
    /// Measure glTF import (the demo's models and a generated site) and the time from launch to
    /// the first rendered frame of the demo; prints a Markdown table for docs/benchmarks.md.
    Bench {
        /// Repetitions of each measurement (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Triangles in the generated site.
        #[arg(long, default_value_t = 1_000_000)]
        triangles: usize,
        /// Skip the first-frame measurement (it needs a Vulkan driver).
        #[arg(long)]
        no_render: bool,
        /// Measure the live twin instead: the telemetry-to-marker path with `--sensors` sensors
        /// changing every frame, and the simulator's speed.
        #[arg(long)]
        live: bool,
        /// Sensors for `--live`.
        #[arg(long, default_value_t = 10_000)]
        sensors: usize,
        /// Frames for `--live`.
        #[arg(long, default_value_t = 300)]
        frames: usize,
        /// Measure the patrol simulator instead: preparing the demo site, planning and walking
        /// each patrol type (simulated time per wall second).
        #[arg(long)]
        patrol: bool,
        /// Measure bureau mode instead: a generated city of `--sites` sites read, judged, and
        /// one frame of the bureau screen (`--frames` of them).
        #[arg(long)]
        bureau: bool,
        /// Sites for `--bureau`.
        #[arg(long, default_value_t = 5_000)]
        sites: usize,
    },
}

/// `sitetwin bureau` with no subcommand: the city in bureau mode.
#[derive(clap::Args, Debug, Clone)]
struct BureauViewArgs {
    #[command(flatten)]
    city: crate::bureau_cli::CityArgs,
    /// Render the city view offscreen to this PNG once its sites are judged, and exit.
    #[arg(long)]
    snapshot: Option<PathBuf>,
    /// Size of `--snapshot`, WIDTHxHEIGHT.
    #[arg(long, default_value = "1600x900", value_parser = parse_size)]
    size: UVec2,
}

/// Opens the city in bureau mode (in a window, or offscreen to a PNG).
fn bureau(args: BureauViewArgs) -> anyhow::Result<ExitCode> {
    let city = args.city.load()?;
    let gateway = args.city.gateway()?;
    let twins_dir = crate::app::config_dir().unwrap_or_else(std::env::temp_dir).join("city-twins");
    let mut options = TwinOptions::new(PathBuf::from(DEMO_SCENE));
    options.ui = UiConfig { lang: args.city.lang, panels: true };
    options.remember_sites = args.snapshot.is_none();
    options.bureau = Some(crate::bureau::BureauOptions {
        city,
        file: args.city.city.clone(),
        seed: args.city.seed,
        twins_dir,
        gateway,
    });
    match args.snapshot {
        Some(out) => {
            let req = SnapshotRequest {
                out,
                size: args.size,
                view: "overview".into(),
                screen: Screen::Bureau,
                max_captures: 300,
                ready_within_s: 300.0,
                window: false,
            };
            snapshot(options, req, None)
        }
        None => Ok(exit_code(twin_app(options).run())),
    }
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("unknown language `{s}`; use zh or en"))
}

fn parse_size(s: &str) -> Result<UVec2, String> {
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(|| format!("`{s}` is not WIDTHxHEIGHT"))?;
    let w: u32 = w.trim().parse().map_err(|_| format!("bad width in `{s}`"))?;
    let h: u32 = h.trim().parse().map_err(|_| format!("bad height in `{s}`"))?;
    if !(16..=8192).contains(&w) || !(16..=8192).contains(&h) {
        return Err(format!("size {w}x{h} is outside 16..8192 pixels"));
    }
    Ok(UVec2::new(w, h))
}

/// Parses the command line and runs it; errors print with their causes.
pub fn run() -> ExitCode {
    crate::since_launch_ms();
    let cli = Cli::parse();
    let result = match cli.command {
        None => view(&cli.view),
        Some(Command::View(v)) => view(&v),
        Some(Command::Validate { path, json }) => validate(&path, json),
        Some(Command::Snapshot { screen: Screen::Bureau, .. }) => Err(anyhow::anyhow!(
            "the bureau's city is pictured with `sitetwin bureau --snapshot FILE.png [--city FILE]`"
        )),
        Some(Command::Snapshot { scene, view, out, size, ui, lang, select, screen, report, source }) => {
            let req =
                SnapshotRequest { out, size, view, screen, max_captures: 300, ready_within_s: 300.0, window: false };
            let mut options = TwinOptions::new(scene);
            options.ui = UiConfig { lang, panels: ui };
            options.select = select;
            match source.resolve(&mut options, true) {
                Ok(()) => snapshot(options, req, report.as_deref()),
                Err(e) => Err(e),
            }
        }
        Some(Command::Simulate { scene, scenario, seed, duration, out, to, token, speed, hj212 }) => {
            crate::simulate::run(crate::simulate::SimulateArgs {
                scene,
                scenario,
                seed,
                duration,
                out,
                to,
                token,
                speed,
                hj212,
            })
        }
        Some(Command::Rules { cmd }) => crate::rules_cli::run(cmd),
        Some(Command::Route { cmd }) => crate::route_cli::run(cmd),
        Some(Command::Patrol { cmd }) => crate::patrol_cli::run(cmd),
        Some(Command::Findings { cmd }) => crate::findings_cli::run(cmd),
        Some(Command::Bureau { cmd: Some(cmd), .. }) => crate::bureau_cli::run(cmd),
        Some(Command::Bureau { cmd: None, view }) => bureau(view),
        Some(Command::Gateway { cmd }) => {
            sitetwin_gateway::cli::run(sitetwin_gateway::cli::GatewayArgs { command: cmd }).map(|()| ExitCode::SUCCESS)
        }
        Some(Command::Bench { patrol: true, runs, .. }) => crate::bench_patrol::run(runs.max(1)),
        Some(Command::Bench { bureau: true, sites, frames, .. }) => {
            crate::bench_bureau::run(sites.max(1), frames.max(2))
        }
        Some(Command::Bench { live: true, sensors, frames, .. }) => {
            crate::bench_live::run(sensors.max(1), frames.max(2))
        }
        Some(Command::Bench { runs, triangles, no_render, .. }) => {
            crate::bench::run(runs.max(1), triangles, !no_render)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn view(args: &ViewArgs) -> anyhow::Result<ExitCode> {
    let mut options = TwinOptions::new(args.scene.clone().unwrap_or_else(|| PathBuf::from(DEMO_SCENE)));
    options.ui = UiConfig { lang: args.lang, panels: true };
    args.source.resolve(&mut options, false)?;
    // A screenshot is of one moment: time stands still for it.
    options.play.paused |= args.screenshot.is_some();
    match &args.screenshot {
        None => {
            options.remember_sites = true;
            Ok(exit_code(twin_app(options).run()))
        }
        Some(out) => {
            let req = SnapshotRequest {
                out: out.clone(),
                size: UVec2::new(1600, 900),
                view: "overview".into(),
                screen: Screen::Twin,
                max_captures: 300,
                ready_within_s: 300.0,
                window: true,
            };
            snapshot(options, req, None)
        }
    }
}

fn exit_code(exit: AppExit) -> ExitCode {
    match exit {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

/// Runs the twin until the snapshot is written; prints where and how long it took, names the
/// models the site opened without, and writes the report if asked.
fn snapshot(mut options: TwinOptions, req: SnapshotRequest, report: Option<&Path>) -> anyhow::Result<ExitCode> {
    options.snapshot = Some(req);
    let mut app = twin_app(options);
    let outcome = app.world().resource::<SnapshotOutcome>().clone();
    let exit = app.run();
    match outcome.get() {
        Some(Ok(r)) => {
            for p in &r.problems {
                eprintln!("warning: {p}");
            }
            say!(
                "wrote {} (first complete frame {:.0} ms after launch; settled after {} captures at {:.0} ms; peak memory {})",
                r.path.display(),
                r.first_frame_ms,
                r.captures,
                r.settled_ms,
                r.peak_rss_bytes.map(|b| format!("{:.0} MiB", b as f64 / 1048576.0)).unwrap_or_else(|| "?".into())
            );
            if let Some(file) = report {
                let json = serde_json::to_string_pretty(&r).context("serialising the report")?;
                std::fs::write(file, json).with_context(|| format!("writing {}", file.display()))?;
            }
            Ok(exit_code(exit))
        }
        Some(Err(e)) => bail!("{e}"),
        None => {
            bail!("the twin stopped before a frame was captured (is a Vulkan driver such as Mesa lavapipe installed?)")
        }
    }
}

fn validate(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "gltf" | "glb" => validate_model(path, json),
        "ron" => match scene::load(path, ModelChecks::Import) {
            Ok(s) => {
                for w in &s.warnings {
                    say!("{w}");
                }
                print_scene_summary(&s);
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                say!("{e}");
                Ok(ExitCode::FAILURE)
            }
        },
        _ => bail!("{}: expected a .ron scene or a .gltf/.glb model", path.display()),
    }
}

fn print_scene_summary(s: &LoadedScene) {
    let sc = &s.scene;
    let triangles: u64 = s.models.values().map(|m| m.triangles).sum();
    say!("{}: ok", s.file.display());
    say!("  site      {} ({} {}), id {}", sc.site.name, sc.site.city, sc.site.district, sc.site.id);
    say!("  models    {} ({} triangles)", sc.models.len(), triangles);
    say!(
        "  objects   {} tower cranes, {} hoists, {} pits, {} formwork zones, {} scaffolds, {} structures",
        sc.cranes.len(),
        sc.hoists.len(),
        sc.pits.len(),
        sc.formwork.len(),
        sc.scaffolds.len(),
        sc.structures.len()
    );
    say!(
        "            {} distribution boxes, {} gates, {} facilities, {} walkways",
        sc.distribution_boxes.len(),
        sc.gates.len(),
        sc.facilities.len(),
        sc.walkways.len()
    );
    say!("  sensors   {}", sc.sensors.len());
}

fn validate_model(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let m = match model::import_file(path) {
        Ok(m) => m,
        Err(e) => {
            say!("{e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let s = &m.summary;
    if json {
        say!("{}", serde_json::to_string_pretty(s).context("serialising the report")?);
        return Ok(ExitCode::SUCCESS);
    }
    say!("{}: importable", path.display());
    say!("  format      {:?}{}", s.format, s.generator.as_ref().map(|g| format!(" (by {g})")).unwrap_or_default());
    let named: Vec<&str> = s.nodes.iter().filter_map(|n| n.name.as_deref()).collect();
    let shown = named.iter().take(12).copied().collect::<Vec<_>>().join(", ");
    let more = if named.len() > 12 { format!(", … {} more", named.len() - 12) } else { String::new() };
    say!("  nodes       {} ({}{more})", s.nodes.len(), if shown.is_empty() { "unnamed".into() } else { shown });
    say!("  meshes      {} ({} primitives drawn)", s.meshes, s.primitives);
    say!("  triangles   {} ({} vertices)", s.triangles, s.vertices);
    say!("  materials   {} ({})", s.materials.len(), s.materials.join(", "));
    say!("  images      {}", s.images);
    for f in &s.external_files {
        say!("  uses file   {}", f.display());
    }
    let list = |v: &[String]| if v.is_empty() { "none".to_string() } else { v.join(", ") };
    say!("  extensions  used: {}; required: {}", list(&s.extensions_used), list(&s.extensions_required));
    if let Some(b) = s.bounds_m {
        let sz = b.size();
        say!("  size        {:.2} × {:.2} × {:.2} m (x × y × z)", sz[0], sz[1], sz[2]);
    }
    for n in &s.notes {
        say!("  note        {n}");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_languages_parse() {
        assert_eq!(parse_size("1600x900"), Ok(UVec2::new(1600, 900)));
        assert!(parse_size("1600").is_err());
        assert!(parse_size("0x10").is_err());
        assert_eq!(parse_lang("en-US"), Ok(Lang::En));
        assert!(parse_lang("de").is_err());
    }

    #[test]
    fn spans_parse_with_their_units() {
        assert_eq!(parse_span_s("36h"), Ok(129_600.0));
        assert_eq!(parse_span_s("90m"), Ok(5_400.0));
        assert_eq!(parse_span_s("3d"), Ok(259_200.0));
        assert_eq!(parse_span_s("45"), Ok(45.0));
        assert_eq!(parse_span_s("16h30m"), Ok(59_400.0));
        assert!(parse_span_s("-1h").is_err());
        assert!(parse_span_s("3w").unwrap_err().contains("unknown unit"));
        assert!(parse_span_s("h").is_err());
    }
}
