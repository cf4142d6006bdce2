//! `sitetwin patrol plan|simulate <scene> --type T --out DIR`: plans an inspection patrol of a
//! site at a moment of a scenario (and walks it with the physics inspector), writing the JSON
//! report, the site map PNG and, for a walk, the JGJ 59 sheet its findings fill; `--findings FILE`
//! raises what the walk found into the site's rectification register.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use sitetwin_core::canvas::Font;
use sitetwin_core::findings::Register;
use sitetwin_core::patrol::report::{self, DeductionRules, PatrolReport, PatrolRequest};
use sitetwin_core::patrol::{Body, PatrolKind, PatrolSite, PlanOptions, PointRules, WalkOptions, ZoneRules};
use sitetwin_core::rules::RuleSet;
use sitetwin_core::scene::{self, ModelChecks};
use sitetwin_core::sim::Scenario;

/// The patrol commands.
#[derive(Subcommand, Debug)]
pub enum PatrolCommand {
    /// Plan a patrol: its points, stand points, order, paths and time; no walking.
    Plan(PatrolArgs),
    /// Plan and walk a patrol with the physics inspector, record its findings and fill the
    /// JGJ 59 sheet.
    Simulate(PatrolArgs),
}

/// What a patrol is planned for.
#[derive(Args, Debug)]
pub struct PatrolArgs {
    /// Scene file.
    pub scene: PathBuf,
    /// Patrol type: daily, special, bureau, stopped or resumption.
    #[arg(long = "type", value_parser = parse_kind)]
    pub kind: PatrolKind,
    /// Folder for report.json, map.png and (simulate) jgj59-sheet.ron.
    #[arg(long)]
    pub out: PathBuf,
    /// The scenario the site's state comes from (a name in scenes/scenarios/ or a file).
    #[arg(long, default_value = crate::app::DEFAULT_SCENARIO)]
    pub scenario: String,
    /// The simulator's seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// When the patrol starts, as a span from the scenario's start (33h: 09:00 of its second day).
    #[arg(long, default_value = "33h", value_parser = parse_span_h)]
    pub at: f64,
    /// Walking pace, m/s.
    #[arg(long, default_value_t = 1.2)]
    pub pace: f64,
    /// Time budget as a span (90m, 2h); default: the patrol type's [R].
    #[arg(long, value_parser = parse_span_h)]
    pub budget: Option<f64>,
    /// Rules file (RON) the readings are judged by; default: the built-in rules.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Raise the walk's findings into this rectification register (JSON; created if missing).
    #[arg(long)]
    pub findings: Option<PathBuf>,
    /// Print the report as JSON instead of the summary.
    #[arg(long)]
    pub json: bool,
}

pub(crate) fn parse_kind(s: &str) -> Result<PatrolKind, String> {
    PatrolKind::parse(s).ok_or_else(|| {
        let names: Vec<&str> = PatrolKind::ALL.iter().map(|k| k.name()).collect();
        format!("unknown patrol type `{s}`; use one of {}", names.join(", "))
    })
}

/// A span (`36h`, `90m`, `1h30m`, seconds when bare) in hours.
fn parse_span_h(s: &str) -> Result<f64, String> {
    crate::cli::parse_span_s(s).map(|x| x / 3600.0)
}

/// The font the map's labels are drawn in: the app's Chinese subset.
fn map_font() -> anyhow::Result<Font> {
    Font::from_bytes(crate::ui::CJK_FONT.to_vec()).context("the app's font")
}

/// Runs a patrol command.
pub fn run(cmd: PatrolCommand) -> anyhow::Result<ExitCode> {
    let (args, walk) = match cmd {
        PatrolCommand::Plan(a) => (a, false),
        PatrolCommand::Simulate(a) => (a, true),
    };
    if args.findings.is_some() && !walk {
        bail!("--findings needs `patrol simulate`: a plan walks nowhere and finds nothing");
    }
    let loaded = scene::load(&args.scene, ModelChecks::Exists).map_err(|e| anyhow::anyhow!("{e}"))?;
    let scene = &loaded.scene;
    let scene_dir = args.scene.parent().map(Path::to_path_buf).unwrap_or_default();
    let scenario = Scenario::load(&crate::app::resolve_scenario(&args.scenario)?)?;
    let rules = match &args.rules {
        Some(p) => RuleSet::load(p).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => RuleSet::default(),
    };
    let site = PatrolSite::build(scene, &scene_dir, Body::default())
        .with_context(|| format!("preparing {} for patrols", args.scene.display()))?;
    for s in &site.world.skipped {
        eprintln!("warning: model {} left out of the collision world: {}", s.model, s.reason);
    }
    let req = PatrolRequest {
        scene,
        scenario: &scenario,
        seed: args.seed,
        kind: args.kind,
        at_h: args.at,
        rules: Arc::new(rules),
        plan: PlanOptions { pace_m_s: args.pace, budget_s: args.budget.map(|h| h * 3600.0), ..PlanOptions::default() },
        walk: walk.then(WalkOptions::default),
        zones: ZoneRules::default(),
        points: PointRules::default(),
        deductions: DeductionRules::default(),
    };
    let r = report::run(&site, &req)?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let json = serde_json::to_string_pretty(&r)?;
    write(&args.out.join("report.json"), json.as_bytes())?;
    let map = report::draw_map(scene, &site, &r, Some(map_font()?))?;
    map.save_png(&args.out.join("map.png")).context("writing map.png")?;
    if let Some(sheet) = &r.sheet {
        write(&args.out.join("jgj59-sheet.ron"), sheet.to_ron().as_bytes())?;
    }
    if let Some(path) = &args.findings {
        raise_findings(path, scene, &r)?;
    }
    if args.json {
        say!("{json}");
    } else {
        print_summary(&r, &args.out);
    }
    Ok(ExitCode::SUCCESS)
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Raises the walk's findings into the register at `path`, placed at their objects.
fn raise_findings(path: &Path, scene: &sitetwin_core::scene::SiteScene, r: &PatrolReport) -> anyhow::Result<()> {
    let mut reg = Register::load(path)?;
    let start = chrono::DateTime::parse_from_rfc3339(&r.at).context("the report's start time")?.to_utc();
    let patrol = format!("{}@{}", r.kind.name(), r.at);
    let before = reg.len();
    for f in &r.findings {
        let found_at = start + chrono::Duration::milliseconds((f.t_s * 1000.0).round() as i64);
        reg.raise(
            report::finding_input(scene, &patrol, f, found_at),
            &format!("sitetwin {}", r.kind.name()),
            found_at,
        )?;
    }
    reg.save(path)?;
    eprintln!(
        "{} findings raised into {} ({} new items, {} in all)",
        r.findings.len(),
        path.display(),
        reg.len() - before,
        reg.len()
    );
    Ok(())
}

fn print_summary(r: &PatrolReport, out: &Path) {
    let p = &r.plan;
    say!(
        "{} ({}) at {}: {} points, {:.0} m, {:.0} min walking + {:.0} min at the points = {:.0} min of {:.0}",
        r.kind.zh(),
        r.kind.en(),
        r.at,
        p.stops.len(),
        p.walk_m,
        p.walk_s / 60.0,
        p.dwell_s / 60.0,
        p.total_s / 60.0,
        p.budget_s / 60.0
    );
    if p.over_budget_s > 0.0 {
        say!("  over budget by {:.0} min with the required points alone", p.over_budget_s / 60.0);
    }
    for (i, s) in p.stops.iter().enumerate() {
        let seen = match &s.sight {
            sitetwin_core::patrol::world::Sight::Clear => String::new(),
            sitetwin_core::patrol::world::Sight::Blocked { by, at_m } => {
                format!("  NOT SEEN: {by} in the way at {at_m:.1} m")
            }
        };
        say!(
            "  {:>2}. {:<6} {:<12} {:?} arrive {:>5.1} min, {} checks{seen}",
            i + 1,
            s.point.object,
            s.point.name,
            s.point.priority,
            s.arrive_s / 60.0,
            s.point.checks.len()
        );
    }
    for o in &p.omitted {
        say!("  left out: {} ({:?})", o.point.object, o.why);
    }
    if let Some(w) = &r.walk {
        say!(
            "walked {:.0} m in {:.0} min, {} events, {} findings{}",
            w.walked_m,
            w.duration_s / 60.0,
            w.events.len(),
            r.findings.len(),
            if w.finished { "" } else { ", NOT back at the start" }
        );
        for f in &r.findings {
            say!("  finding at {}: {}", f.object, f.zh);
        }
    }
    if let Some(s) = &r.score {
        say!("JGJ 59: {:.1} ({})", s.total, s.grade.zh());
    }
    say!("wrote {}", out.display());
}
