//! `sitetwin rules …`: the core's rules in batch, for vendors' exports and inspectors' sheets.
//! `evaluate` judges a readings file against a scene, `classify` lists major-hazard works,
//! `check` lists the scene's static compliance findings, `jgj59` scores an inspection sheet,
//! `show` prints every rule with its source.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::{DateTime, FixedOffset, Utc};
use clap::Subcommand;
use sitetwin_core::rules::{self, Event, JudgedLine, Quality, RuleSet, compliance, hazard, jgj59};
use sitetwin_core::scene::{self, ModelChecks};
use sitetwin_core::telemetry::{self, Format};

/// The `rules` subcommands.
#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Judge every reading of a file (JSON lines or CSV: sensor, time, value, optional HJ 212 flag)
    /// against the scene's sensors, replayed through the streaming engine: one line per reading,
    /// then the events (alarms, data quality, silences, hourly dust means, spray requests).
    Evaluate {
        /// Scene file.
        #[arg(long)]
        scene: PathBuf,
        /// Readings file (.jsonl / .csv; the format is sniffed).
        #[arg(long)]
        readings: PathBuf,
        /// Site rules file overriding the defaults.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// The batch's arrival time (RFC 3339) for the future-timestamp check (default: the clock).
        #[arg(long)]
        now: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List each work's major-hazard class (Order 37 / Notice 31) and the rule that fired.
    Classify {
        /// Scene file.
        #[arg(long)]
        scene: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check the scene's declared equipment, boxes and monitoring points against the static rules
    /// (anemometers, obstacle lights, high-formwork points and sensor ranges, RCD ratings, box
    /// distances) and list each work's major-hazard class. Exits 1 when anything is a violation.
    Check {
        /// Scene file.
        #[arg(long)]
        scene: PathBuf,
        /// Site rules file overriding the defaults.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Score a filled JGJ 59-2011 inspection sheet and print the grade.
    Jgj59 {
        /// The sheet (RON, see docs/examples/jgj59-sheet.ron).
        sheet: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print every rule, the value it applies, its source, and whether that is confirmed.
    Show {
        /// Site rules file overriding the defaults.
        #[arg(long)]
        rules: Option<PathBuf>,
    },
}

/// Runs a `rules` subcommand.
pub fn run(cmd: RulesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RulesCommand::Evaluate { scene, readings, rules, now, json } => {
            evaluate(&scene, &readings, rules.as_deref(), now.as_deref(), json)
        }
        RulesCommand::Classify { scene, json } => classify(&scene, json),
        RulesCommand::Check { scene, rules, json } => check(&scene, rules.as_deref(), json),
        RulesCommand::Jgj59 { sheet, json } => score_sheet(&sheet, json),
        RulesCommand::Show { rules } => show(rules.as_deref()),
    }
}

fn load_rules(path: Option<&Path>) -> anyhow::Result<RuleSet> {
    match path {
        Some(p) => RuleSet::load(p).map_err(|e| anyhow::anyhow!("{e}")),
        None => Ok(RuleSet::default()),
    }
}

fn caveat(rules: &RuleSet, id: &str) -> String {
    match rules.source(id) {
        Some(s) if !s.confidence.confirmed() => format!(" (unconfirmed {})", s.confidence.tag()),
        _ => String::new(),
    }
}

fn evaluate(
    scene_path: &Path,
    readings: &Path,
    rules_path: Option<&Path>,
    now: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let loaded = scene::load(scene_path, ModelChecks::Skip).map_err(|e| anyhow::anyhow!("{e}"))?;
    let rules = Arc::new(load_rules(rules_path)?);
    let now: DateTime<Utc> = match now {
        Some(s) => DateTime::parse_from_rfc3339(s).with_context(|| format!("--now {s}: not an RFC 3339 time"))?.into(),
        None => Utc::now(),
    };
    let text = std::fs::read_to_string(readings).with_context(|| format!("reading {}", readings.display()))?;
    let (good, bad) = telemetry::parse_readings(&text, Format::sniff(&text), rules.general.local_offset_s);
    let zone = FixedOffset::east_opt(rules.general.local_offset_s).context("bad local offset")?;
    let report = rules::evaluate_batch(&loaded.scene, Arc::clone(&rules), &good, now);
    let errors: Vec<String> = bad
        .iter()
        .map(|e| format!("{}:{e}", readings.display()))
        .chain(report.rejected.iter().map(|r| format!("{}:line {}: {}", readings.display(), r.line, r.error)))
        .collect();
    if json {
        let v = serde_json::json!({
            "judgements": report.judgements,
            "events": report.events,
            "never_reported": report.never_reported,
            "errors": errors,
        });
        say!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let local = |t: DateTime<Utc>| t.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S").to_string();
        say!("# {} — {} readings from {}", loaded.scene.site.name, good.len(), readings.display());
        say!(
            "{:<19}  {:<10}  {:>14}  {:<8}  {:<8}  {:<26}  message",
            format!("time ({zone})"),
            "sensor",
            "value",
            "level",
            "quality",
            "rule"
        );
        for JudgedLine { judgement: j, .. } in &report.judgements {
            let rule = j.rule.clone().unwrap_or_else(|| "-".into());
            let note = match &j.quality {
                Quality::Suspect(why) => format!(" [suspect: {why}]"),
                _ => String::new(),
            };
            say!(
                "{:<19}  {:<10}  {:>14}  {:<8}  {:<8}  {:<26}  {}{}{}",
                local(j.time),
                j.sensor,
                format!("{} {}", j.value, j.unit),
                j.level.name(),
                j.quality.name(),
                rule,
                j.message,
                j.rule.as_deref().map(|r| caveat(&rules, r)).unwrap_or_default(),
                note
            );
        }
        say!("\nevents");
        for e in &report.events {
            say!("  {}", describe_event(e, &local, &rules));
        }
        if !report.never_reported.is_empty() {
            say!(
                "\n{} sensors sent no reading in this file: {}",
                report.never_reported.len(),
                report.never_reported.join(", ")
            );
        }
        let s = report.summary();
        say!(
            "\nsummary: {} readings judged ({} invalid, {} suspect); {} normal, {} warning, {} alarm, {} control; {} events; {} lines not read",
            s.judged,
            s.invalid,
            s.suspect,
            s.normal,
            s.warning,
            s.alarm,
            s.control,
            s.events,
            errors.len()
        );
    }
    for e in &errors {
        eprintln!("{e}");
    }
    Ok(if errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn describe_event(e: &Event, local: &dyn Fn(DateTime<Utc>) -> String, rules: &RuleSet) -> String {
    match e {
        Event::AlarmRaised { sensor, rule, level, time, message } => {
            format!("{}  RAISED    {sensor}  {rule}  {}: {message}{}", local(*time), level.name(), caveat(rules, rule))
        }
        Event::AlarmLevelChanged { sensor, rule, from, to, time, .. } => {
            format!("{}  CHANGED   {sensor}  {rule}  {} → {}", local(*time), from.name(), to.name())
        }
        Event::AlarmCleared { sensor, rule, time } => format!("{}  CLEARED   {sensor}  {rule}", local(*time)),
        Event::DataQuality { sensor, time, quality, rule, .. } => {
            let why = match quality {
                Quality::Invalid(why) | Quality::Suspect(why) => why.as_str(),
                Quality::Valid => "",
            };
            format!("{}  QUALITY   {sensor}  {rule}  {}: {why}", local(*time), quality.name())
        }
        Event::Stale { sensor, last, noticed, silent_s } => format!(
            "{}  STALE     {sensor}  silent {:.0} min{}",
            local(*noticed),
            silent_s / 60.0,
            last.map(|l| format!(" since {}", local(l))).unwrap_or_else(|| ", never reported".into())
        ),
        Event::HourlyMean { sensor, hour, mean, readings, coverage, complete, level, rule } => format!(
            "{}  HOURLY    {sensor}  {rule}  mean {mean:.1} over {readings} readings: {}{}",
            local(*hour),
            if *complete {
                level.name().to_string()
            } else {
                format!("not judged (readings cover {:.0} % of the hour)", coverage * 100.0)
            },
            caveat(rules, rule)
        ),
        Event::SprayRequested { sensor, time, minutes } => {
            format!("{}  SPRAY     {sensor}  start spraying for {minutes} min", local(*time))
        }
    }
}

fn classify(scene_path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let loaded = scene::load(scene_path, ModelChecks::Skip).map_err(|e| anyhow::anyhow!("{e}"))?;
    let list = hazard::classify(&loaded.scene);
    if json {
        say!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    say!("# {} — major-hazard works ({})", loaded.scene.site.name, hazard::SOURCE);
    for c in &list {
        // No language option here: the reasons in Chinese, then in English, as the class.
        let r = hazard::joined(&c.reasons);
        say!(
            "{:<6} {:<22} {:<16} {} ({})  {}  {} ({})",
            c.object,
            c.name,
            format!("{:?}", c.category),
            c.class.zh(),
            c.class.en(),
            c.rule,
            r.zh,
            r.en
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn check(scene_path: &Path, rules_path: Option<&Path>, json: bool) -> anyhow::Result<ExitCode> {
    let loaded = scene::load(scene_path, ModelChecks::Skip).map_err(|e| anyhow::anyhow!("{e}"))?;
    let rules = load_rules(rules_path)?;
    let findings = compliance::check(&loaded.scene, &rules);
    let count = |s: compliance::Severity| findings.iter().filter(|f| f.severity == s).count();
    let violations = count(compliance::Severity::Violation);
    if json {
        say!("{}", serde_json::to_string_pretty(&findings)?);
    } else {
        say!(
            "# {} — static compliance: {violations} violation(s), {} to check on site, {} ok, {} major-hazard notes",
            loaded.scene.site.name,
            count(compliance::Severity::Unknown),
            count(compliance::Severity::Ok),
            count(compliance::Severity::Info)
        );
        say!("{:<9}  {:<7}  {:<38}  message [source]", "level", "object", "rule");
        for f in &findings {
            let unconfirmed = if f.confirmed { "" } else { " (unconfirmed)" };
            // No language option here: the message in Chinese, then in English, as `classify`.
            say!(
                "{:<9}  {:<7}  {:<38}  {} ({}) [{}]{unconfirmed}",
                f.severity.name().to_uppercase(),
                f.object,
                f.rule,
                f.message.zh,
                f.message.en,
                f.source
            );
        }
    }
    Ok(if violations == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn score_sheet(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let sheet = jgj59::load_sheet(path).map_err(|e| anyhow::anyhow!("{e}"))?;
    let r = jgj59::score(&sheet).with_context(|| format!("scoring {}", path.display()))?;
    if json {
        say!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(ExitCode::SUCCESS);
    }
    say!("# JGJ 59-2011 — {} — {} — {}", sheet.site, sheet.date, sheet.inspector);
    say!("sub-tables (exact scores; \"…\" marks a value rounded down)");
    for t in &r.tables {
        let label = t.label.as_deref().map(|l| format!(" ({l})")).unwrap_or_default();
        say!(
            "  {:<26} {:>7}   guarantee {}/{}{}",
            format!("{:?}{label}", t.table),
            t.score_exact.display(),
            t.guarantee.0,
            t.guarantee.1,
            t.zeroed.as_deref().map(|z| format!("   ZERO: {z}")).unwrap_or_default()
        );
    }
    say!("summary (A = B × C / 100)");
    for i in &r.items {
        say!(
            "  {:<22} B {:>4}  C {:>7}  A {:>7}",
            i.item.zh(),
            i.item.weight(),
            i.c_exact.display(),
            i.a_exact.display()
        );
    }
    say!("total {} → {} ({:?}): {}", r.total_exact.display(), r.grade.zh(), r.grade, r.reason);
    Ok(ExitCode::SUCCESS)
}

fn show(rules_path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let rules = load_rules(rules_path)?;
    let n = rules::RULE_SOURCES.len();
    if n == 0 {
        bail!("no rules");
    }
    say!("{:<38} {:<11} {:<60} source", "rule", "status", "applies");
    for s in rules::RULE_SOURCES {
        let s = rules.source(s.id).unwrap_or(*s);
        let status = if s.confidence.confirmed() { "confirmed" } else { "UNCONFIRMED" };
        say!("{:<38} {:<11} {:<60} {} {}", s.id, status, rules.describe(s.id), s.confidence.tag(), s.citation);
    }
    say!("\nmajor-hazard works (not configurable: {} [S])", hazard::SOURCE);
    for r in hazard::RULES {
        say!("{:<34} {:<22} {}", r.id, r.class.zh(), r.criterion);
    }
    say!("\nHJ 212 protocol choices (docs/hj212.md; the frame limit is the gateway's hj212_max_segment)");
    for s in sitetwin_core::hj212::PROTOCOL_SOURCES {
        let status = if s.confidence.confirmed() { "confirmed" } else { "UNCONFIRMED" };
        say!("{:<38} {:<11} {} {}", s.id, status, s.confidence.tag(), s.citation);
    }
    Ok(ExitCode::SUCCESS)
}
