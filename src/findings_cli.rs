//! `sitetwin findings ...`: the site's rectification register from the command line. Findings
//! come in from `patrol simulate --findings FILE` (or `raise` by hand); each is assigned an owner
//! and a deadline, rectified with evidence, then verified or reopened by the inspector; `list`
//! filters and orders them (escalated and overdue first) and `export` writes the CSV.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use sitetwin_core::findings::{Filter, FindingInput, Register, Severity, Source, State};
use sitetwin_core::telemetry::{CHINA_STANDARD_TIME_S, parse_time};

/// The register file and when the action happens.
#[derive(Args, Debug)]
pub struct RegisterArgs {
    /// The register (JSON).
    #[arg(long)]
    pub file: PathBuf,
    /// When, as `2026-12-02 09:30` (China standard time) or RFC 3339; default: now.
    #[arg(long, value_parser = parse_when)]
    pub at: Option<DateTime<Utc>>,
}

/// The register's commands.
#[derive(Subcommand, Debug)]
pub enum FindingsCommand {
    /// List the items, escalated and overdue first.
    List {
        #[command(flatten)]
        reg: RegisterArgs,
        /// Only items in this state: open, rectified, verified, reopened.
        #[arg(long, value_parser = parse_state)]
        state: Option<State>,
        /// Only items on this object.
        #[arg(long)]
        object: Option<String>,
        /// Only items overdue at `--at`.
        #[arg(long)]
        overdue: bool,
        /// Only items at least this severe: minor, major, critical.
        #[arg(long, value_parser = parse_severity)]
        severity: Option<Severity>,
        /// Only items of this owner.
        #[arg(long)]
        owner: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Raise a finding by hand.
    Raise {
        #[command(flatten)]
        reg: RegisterArgs,
        /// The object it is at.
        #[arg(long)]
        object: String,
        /// minor, major or critical.
        #[arg(long, value_parser = parse_severity)]
        severity: Severity,
        /// What was found, in Chinese.
        #[arg(long, default_value = "")]
        zh: String,
        /// In English.
        #[arg(long, default_value = "")]
        en: String,
        /// Who found it.
        #[arg(long)]
        by: String,
    },
    /// Give an item its owner (and a deadline other than the severity's default).
    Assign {
        /// Item id.
        id: u64,
        #[command(flatten)]
        reg: RegisterArgs,
        /// Who rectifies it.
        #[arg(long)]
        owner: String,
        /// Deadline, as `--at` reads times.
        #[arg(long, value_parser = parse_when)]
        deadline: Option<DateTime<Utc>>,
        /// Who assigns it.
        #[arg(long)]
        by: String,
    },
    /// Record the rectification with its evidence.
    Rectify {
        /// Item id.
        id: u64,
        #[command(flatten)]
        reg: RegisterArgs,
        /// What was done.
        #[arg(long)]
        note: String,
        /// A photo of the result (the file must exist).
        #[arg(long)]
        photo: Option<PathBuf>,
        /// Who rectified it.
        #[arg(long)]
        by: String,
    },
    /// The inspector accepts the rectification: the item is closed.
    Verify {
        /// Item id.
        id: u64,
        #[command(flatten)]
        reg: RegisterArgs,
        /// The inspector.
        #[arg(long)]
        by: String,
    },
    /// The inspector sends it back.
    Reopen {
        /// Item id.
        id: u64,
        #[command(flatten)]
        reg: RegisterArgs,
        /// Why.
        #[arg(long)]
        note: String,
        /// The inspector.
        #[arg(long)]
        by: String,
    },
    /// Write every item as CSV (UTF-8 with a byte-order mark, so spreadsheets read the Chinese).
    Export {
        #[command(flatten)]
        reg: RegisterArgs,
        /// The CSV file (`-` for standard output).
        #[arg(long)]
        csv: PathBuf,
    },
}

fn parse_when(s: &str) -> Result<DateTime<Utc>, String> {
    parse_time(s, CHINA_STANDARD_TIME_S).ok_or_else(|| format!("`{s}` is not a time like 2026-12-02 09:30"))
}

fn parse_state(s: &str) -> Result<State, String> {
    [State::Open, State::Rectified, State::Verified, State::Reopened]
        .into_iter()
        .find(|st| st.name() == s)
        .ok_or_else(|| format!("unknown state `{s}`; use open, rectified, verified or reopened"))
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    [Severity::Minor, Severity::Major, Severity::Critical]
        .into_iter()
        .find(|v| v.name() == s)
        .ok_or_else(|| format!("unknown severity `{s}`; use minor, major or critical"))
}

fn now(reg: &RegisterArgs) -> DateTime<Utc> {
    reg.at.unwrap_or_else(Utc::now)
}

fn change(
    reg: &RegisterArgs,
    f: impl FnOnce(&mut Register, DateTime<Utc>) -> anyhow::Result<String>,
) -> anyhow::Result<ExitCode> {
    let mut r = Register::load(&reg.file)?;
    let said = f(&mut r, now(reg))?;
    r.save(&reg.file)?;
    say!("{said}");
    Ok(ExitCode::SUCCESS)
}

/// Runs a findings command.
pub fn run(cmd: FindingsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        FindingsCommand::List { reg, state, object, overdue, severity, owner, json } => {
            let r = Register::load(&reg.file)?;
            let at = now(&reg);
            let filter = Filter { state, object, severity_at_least: severity, overdue, owner, table: None };
            let items = r.list(&filter, at);
            if json {
                say!("{}", serde_json::to_string_pretty(&items)?);
                return Ok(ExitCode::SUCCESS);
            }
            for i in &items {
                let esc = r.escalation(i, at).name();
                say!(
                    "#{:<4} {:<8} {:<10} {:<9} {:<10} {:<12} {}",
                    i.id,
                    i.input.object,
                    i.input.severity.zh(),
                    i.state.zh(),
                    i.owner.as_deref().unwrap_or("-"),
                    esc,
                    if i.input.zh.is_empty() { &i.input.en } else { &i.input.zh }
                );
            }
            say!("{} of {} items", items.len(), r.len());
            Ok(ExitCode::SUCCESS)
        }
        FindingsCommand::Raise { reg, object, severity, zh, en, by } => change(&reg, |r, at| {
            let input = FindingInput {
                source: Source::Manual,
                object,
                at_m: None,
                table: None,
                item: None,
                severity,
                zh,
                en,
                found_at: at,
            };
            Ok(format!("item {}", r.raise(input, &by, at)?))
        }),
        FindingsCommand::Assign { id, reg, owner, deadline, by } => change(&reg, |r, at| {
            r.assign(id, &owner, deadline, &by, at)?;
            Ok(format!("item {id} assigned to {owner}"))
        }),
        FindingsCommand::Rectify { id, reg, note, photo, by } => change(&reg, |r, at| {
            let photo = photo.as_deref().map(check_photo).transpose()?;
            r.rectify(id, &note, photo.as_deref(), &by, at)?;
            Ok(format!("item {id} rectified"))
        }),
        FindingsCommand::Verify { id, reg, by } => change(&reg, |r, at| {
            r.verify(id, &by, at)?;
            Ok(format!("item {id} verified"))
        }),
        FindingsCommand::Reopen { id, reg, note, by } => change(&reg, |r, at| {
            r.reopen(id, &note, &by, at)?;
            Ok(format!("item {id} reopened"))
        }),
        FindingsCommand::Export { reg, csv } => {
            let r = Register::load(&reg.file)?;
            let mut bytes = vec![0xEF, 0xBB, 0xBF];
            r.to_csv(now(&reg), &mut bytes)?;
            if csv == Path::new("-") {
                use std::io::Write;
                std::io::stdout().write_all(&bytes)?;
            } else {
                std::fs::write(&csv, &bytes).with_context(|| format!("cannot write {}", csv.display()))?;
                eprintln!("{} items written to {}", r.len(), csv.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The photo's path as recorded, after checking that it is a file (the twin's steps check it
/// here too).
pub(crate) fn check_photo(p: &Path) -> anyhow::Result<String> {
    if !p.is_file() {
        bail!("photo {} is not a file", p.display());
    }
    Ok(p.display().to_string())
}
