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

use crate::app::{DEMO_SCENE, TwinOptions, twin_app};
use crate::snapshot::{Screen, SnapshotOutcome, SnapshotRequest};
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
    },
    /// The standards' rules in batch: evaluate readings, classify major-hazard works, score a
    /// JGJ 59 sheet, show every rule and its source.
    Rules {
        #[command(subcommand)]
        cmd: crate::rules_cli::RulesCommand,
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
    },
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
        Some(Command::Snapshot { scene, view, out, size, ui, lang, select, screen, report }) => {
            let req =
                SnapshotRequest { out, size, view, screen, max_captures: 300, ready_within_s: 300.0, window: false };
            let mut options = TwinOptions::new(scene);
            options.ui = UiConfig { lang, panels: ui };
            options.select = select;
            snapshot(options, req, report.as_deref())
        }
        Some(Command::Rules { cmd }) => crate::rules_cli::run(cmd),
        Some(Command::Gateway { cmd }) => {
            sitetwin_gateway::cli::run(sitetwin_gateway::cli::GatewayArgs { command: cmd }).map(|()| ExitCode::SUCCESS)
        }
        Some(Command::Bench { runs, triangles, no_render }) => crate::bench::run(runs.max(1), triangles, !no_render),
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
}
