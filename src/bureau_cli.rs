//! `sitetwin bureau list|report|alert|review|generate`: the housing bureau's city work from the
//! command line. `list` ranks the non-operating sites by risk with the bureau table's columns;
//! `report` writes the monthly housing–environment consultation report (CSV and a PNG chart);
//! `alert` issues or lifts a city-wide heavy-pollution alert and shows what it changed; `review`
//! records a review of a site; `generate` writes a city file (the demo city, or thousands of
//! sites for scale); `twin` writes a light site's twin. Without `--city` the embedded demo city is
//! used; with `--source` a gateway's readings and store serve the sites it serves.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use sitetwin_core::city::alert::{self, Effect};
use sitetwin_core::city::report::{self, Month};
use sitetwin_core::city::status::{self, Category, Judging, SiteRow};
use sitetwin_core::city::{City, Decision, Review, demo};
use sitetwin_core::i18n::{self, Lang};
use sitetwin_core::rules::stoppage::{AlertLevel, Status};

/// The folder the embedded demo city's scene files are in.
pub const SCENES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenes");

/// Which city, and in which language.
#[derive(Args, Debug, Clone)]
pub struct CityArgs {
    /// The city file (JSON; `sitetwin bureau generate` writes one). Default: the embedded demo
    /// city of 30 sites around Nantong and Rugao.
    #[arg(long)]
    pub city: Option<PathBuf>,
    /// Language of the words in the output: zh (default) or en.
    #[arg(long, default_value = "zh", value_parser = parse_lang)]
    pub lang: Lang,
    /// Seed of the simulated telemetry the duties are judged from.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// A telemetry gateway serving some of the city's sites, e.g. http://127.0.0.1:8080: their
    /// duties are judged from its readings, their open alarms are its own, and reviews are
    /// recorded in its store.
    #[arg(long)]
    pub source: Option<String>,
    /// A bureau token of the gateway (`sitetwin gateway token --role bureau`), or $SITETWIN_TOKEN.
    #[arg(long, env = "SITETWIN_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

impl CityArgs {
    /// Loads the city.
    pub fn load(&self) -> anyhow::Result<City> {
        match &self.city {
            Some(p) => Ok(City::load(p)?),
            None => Ok(demo::city(Path::new(SCENES_DIR))),
        }
    }

    fn judging(&self, c: &City) -> Judging {
        Judging { lang: self.lang, seed: self.seed, weights: c.rules.weights.clone(), ..Judging::default() }
    }

    /// The gateway, when `--source` is given.
    pub fn gateway(&self) -> anyhow::Result<Option<crate::bureau::gateway::CityGateway>> {
        let Some(url) = &self.source else { return Ok(None) };
        let token = self.token.as_deref().context("--source needs a bureau --token (or $SITETWIN_TOKEN)")?;
        Ok(Some(crate::bureau::gateway::CityGateway::new(url, token)?))
    }

    /// Every site judged: through the gateway for the sites it serves, when there is one.
    fn judge(&self, c: &City) -> anyhow::Result<Vec<SiteRow>> {
        match self.gateway()? {
            Some(gw) => {
                // The gateway's readings are of now: a registry whose day is not today mixes two days.
                let now =
                    chrono::Utc::now().with_timezone(&sitetwin_core::telemetry::china_standard_time()).date_naive();
                if c.today != now {
                    eprintln!(
                        "warning: the registry's day is {} but the gateway's readings are judged at today's date {now}",
                        c.today
                    );
                }
                crate::bureau::gateway::judge_city(c, &self.judging(c), &gw, chrono::Utc::now())
            }
            None => Ok(status::judge_city(c, &self.judging(c))),
        }
    }
}

/// The bureau's commands.
#[derive(Subcommand, Debug)]
pub enum BureauCommand {
    /// The non-operating sites, riskiest first, with the bureau table's columns.
    List {
        #[command(flatten)]
        city: CityArgs,
        /// Only this district (崇川区 ...).
        #[arg(long)]
        district: Option<String>,
        /// Only this category: pollution, rectification, abnormal, seasonal, epidemic, event.
        #[arg(long, value_parser = parse_category)]
        category: Option<Category>,
        /// Only sites whose id or name contains this.
        #[arg(long)]
        search: Option<String>,
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// The monthly housing–environment consultation report as CSV and a PNG chart.
    Report {
        #[command(flatten)]
        city: CityArgs,
        /// The month, YYYY-MM.
        #[arg(long, value_parser = Month::parse)]
        month: Month,
        /// Folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Issue a city-wide heavy-pollution alert (III, II, I) or lift it (lift), and show what
    /// changed; `--save` writes the city file.
    Alert {
        /// III (yellow), II (orange), I (red) or lift.
        #[arg(value_parser = parse_alert)]
        level: AlertChoice,
        #[command(flatten)]
        city: CityArgs,
        /// The day it takes effect (default: the registry's day).
        #[arg(long)]
        at: Option<NaiveDate>,
        /// Who issues it.
        #[arg(long, default_value = "南通市住房和城乡建设局")]
        by: String,
        /// Write the changed city back to its file.
        #[arg(long)]
        save: bool,
    },
    /// Record a review of a site in the city file.
    Review {
        /// The site id.
        site: String,
        #[command(flatten)]
        city: CityArgs,
        /// Who reviewed it.
        #[arg(long)]
        reviewer: String,
        /// keep_stopped, approve_resumption or order_rectification.
        #[arg(long, value_parser = parse_decision)]
        decision: Decision,
        /// A finding (repeat for several).
        #[arg(long = "finding")]
        findings: Vec<String>,
        /// Notes.
        #[arg(long, default_value = "")]
        note: String,
        /// The day (default: the registry's day).
        #[arg(long)]
        date: Option<NaiveDate>,
    },
    /// Write a site's twin to a folder: a light site's scene with its generated models (a full
    /// site's scene file is named instead), to open with `sitetwin` or `sitetwin snapshot`.
    Twin {
        /// The site id.
        site: String,
        #[command(flatten)]
        city: CityArgs,
        /// The folder for a light site's twin.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a city file: the demo city, or `--sites N` generated sites for scale.
    Generate {
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// Generated light sites instead of the demo city.
        #[arg(long)]
        sites: Option<usize>,
        /// Seed of the generated city.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// An alert to issue, or none.
#[derive(Debug, Clone, Copy)]
pub struct AlertChoice(pub Option<AlertLevel>);

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("unknown language `{s}`; use zh or en"))
}

fn parse_alert(s: &str) -> Result<AlertChoice, String> {
    Ok(AlertChoice(match s.to_ascii_uppercase().as_str() {
        "III" | "3" | "YELLOW" => Some(AlertLevel::III),
        "II" | "2" | "ORANGE" => Some(AlertLevel::II),
        "I" | "1" | "RED" => Some(AlertLevel::I),
        "LIFT" | "NONE" => None,
        _ => return Err(format!("unknown alert `{s}`; use III, II, I or lift")),
    }))
}

fn parse_decision(s: &str) -> Result<Decision, String> {
    Decision::parse(s)
        .ok_or_else(|| format!("unknown decision `{s}`; use keep_stopped, approve_resumption or order_rectification"))
}

/// Parses a category's file name (`pollution` ...).
pub fn parse_category(s: &str) -> Result<Category, String> {
    Category::ALL
        .into_iter()
        .find(|c| serde_json::to_value(c).ok().and_then(|v| v.as_str().map(|v| v == s)).unwrap_or(false))
        .ok_or_else(|| {
            format!("unknown category `{s}`; use pollution, rectification, abnormal, seasonal, epidemic or event")
        })
}

/// Runs a bureau command.
pub fn run(cmd: BureauCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BureauCommand::List { city, district, category, search, json } => {
            let c = city.load()?;
            let rows = city.judge(&c)?;
            let list: Vec<&SiteRow> = status::non_operating(&rows)
                .into_iter()
                .filter(|r| district.as_ref().is_none_or(|d| &r.district == d))
                .filter(|r| category.is_none_or(|k| r.category == Some(k)))
                .filter(|r| search.as_ref().is_none_or(|s| r.site.contains(s.as_str()) || r.name.contains(s.as_str())))
                .collect();
            if json {
                say!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                print_table(&c, &list, city.lang);
            }
            Ok(ExitCode::SUCCESS)
        }
        BureauCommand::Report { city, month, out } => {
            let c = city.load()?;
            let rows = (month.first <= c.today && month.last() >= c.today).then(|| city.judge(&c)).transpose()?;
            let r = report::consultation(&c, month, rows.as_deref(), city.lang).map_err(anyhow::Error::msg)?;
            std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
            let m = month.label();
            let write = |name: String, f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| -> anyhow::Result<PathBuf> {
                let p = out.join(name);
                let mut buf = Vec::new();
                f(&mut buf)?;
                std::fs::write(&p, buf).with_context(|| format!("cannot write {}", p.display()))?;
                Ok(p)
            };
            let rows_csv = write(format!("consultation-{m}.csv"), &|b| r.write_csv(b, city.lang))?;
            let sum_csv = write(format!("consultation-{m}-summary.csv"), &|b| r.write_summary_csv(b, city.lang))?;
            let font =
                sitetwin_core::canvas::Font::from_bytes(crate::ui::CJK_FONT.to_vec()).context("the app's font")?;
            let png = out.join(format!("consultation-{m}.png"));
            r.draw_chart(Some(font), city.lang)?.save_png(&png)?;
            say!("{} stoppages in {m} (to {})", r.rows.len(), r.until);
            for p in [rows_csv, sum_csv, png] {
                say!("wrote {}", p.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        BureauCommand::Alert { level, city, at, by, save } => {
            let mut c = city.load()?;
            if save && city.city.is_none() {
                bail!("--save needs --city FILE: the embedded demo city has no file to write");
            }
            let at = at.unwrap_or(c.today);
            let rules = c.rules.pollution.clone();
            let changes = alert::issue(&mut c, level.0, at, &by, &rules)?;
            let lang = city.lang;
            let zh = lang == Lang::Zh;
            let what = level
                .0
                .map(|l| i18n::alert_level_name(lang, l).to_string())
                .unwrap_or_else(|| if zh { "解除预警".into() } else { "alert lifted".into() });
            say!("{what} ({at}): {} sites changed", changes.iter().filter(|ch| ch.moved()).count());
            if let Some(l) = level.0 {
                // Which list the measures come from: Ⅱ borrows Ⅲ's unless the city sets its own [?].
                say!("{}: {}", if zh { "管控措施" } else { "measures" }, rules.origin(l));
            }
            for ch in &changes {
                let name = c.site(&ch.site).map(|s| s.name.as_str()).unwrap_or("");
                let effect = match &ch.effect {
                    Effect::Stopped { banned } => {
                        let b: Vec<&str> = banned.iter().map(|a| i18n::activity_name(lang, *a)).collect();
                        format!("{}: {}", if zh { "停工，禁止作业" } else { "stopped, banned" }, b.join(", "))
                    }
                    Effect::Exempt { exemptions, .. } => {
                        let e: Vec<&str> = exemptions.iter().map(|x| i18n::exemption_name(lang, *x)).collect();
                        format!("{}: {}", if zh { "豁免，继续施工" } else { "exempt, works on" }, e.join(", "))
                    }
                    Effect::LevelChanged { from } => format!(
                        "{} {} → {}",
                        if zh { "预警级别" } else { "alert level" },
                        i18n::alert_level_name(lang, *from),
                        level.0.map(|l| i18n::alert_level_name(lang, l)).unwrap_or("-")
                    ),
                    Effect::Resumed => (if zh { "复工" } else { "resumed" }).to_string(),
                };
                say!("  {} {}  {}", ch.site, name, effect);
            }
            if let (true, Some(p)) = (save, &city.city) {
                c.save(p).with_context(|| format!("cannot write {}", p.display()))?;
                say!("wrote {}", p.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        BureauCommand::Review { site, city, reviewer, decision, findings, note, date } => {
            let mut c = city.load()?;
            let date = date.unwrap_or(c.today);
            let review = Review { site: site.clone(), reviewer, date, findings, decision, note };
            if let Some(gw) = city.gateway()? {
                review.validate()?;
                let id = gw.post_review(&review)?;
                say!("recorded the review of {site} ({}) in the gateway's store as #{id}", decision.name());
                return Ok(ExitCode::SUCCESS);
            }
            let Some(path) = &city.city else {
                bail!("review needs --city FILE (or --source URL): the embedded demo city has no file to record it in");
            };
            c.add_review(review).map_err(anyhow::Error::msg)?;
            c.save(path).with_context(|| format!("cannot write {}", path.display()))?;
            say!("recorded the review of {site} ({}) in {}", decision.name(), path.display());
            Ok(ExitCode::SUCCESS)
        }
        BureauCommand::Twin { site, city, out } => {
            let c = city.load()?;
            let s = c.site(&site).with_context(|| format!("no site {site} in the city"))?;
            let scene = twin_scene(&c, s, &out)?;
            say!("{}", scene.display());
            Ok(ExitCode::SUCCESS)
        }
        BureauCommand::Generate { out, sites, seed } => {
            let mut c = match sites {
                Some(n) => demo::generate(n, seed, demo::demo_today()),
                None => demo::city(Path::new(SCENES_DIR)),
            };
            // Scene paths are written relative to the file's folder, as a city file's are read.
            if sites.is_none() {
                let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
                std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
                let dir = parent.canonicalize().with_context(|| format!("cannot resolve {}", parent.display()))?;
                let dir = dir.as_path();
                for s in &mut c.sites {
                    if let Some(scene) = &s.scene {
                        let target = Path::new(SCENES_DIR).join(scene);
                        s.scene = Some(relative_to(&target.canonicalize().unwrap_or(target), dir));
                    }
                }
            }
            c.save(&out).with_context(|| format!("cannot write {}", out.display()))?;
            say!("wrote {} ({} sites)", out.display(), c.sites.len());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The scene file of a site's twin: its own scene, or a light site's twin written into `dir`.
pub fn twin_scene(city: &City, site: &sitetwin_core::city::CitySite, dir: &Path) -> anyhow::Result<PathBuf> {
    if let Some(p) = city.scene_path(site) {
        return Ok(p);
    }
    let light = site.light.with_context(|| format!("site {} has neither a scene nor a light description", site.id))?;
    light.write_twin(site, &city.name, dir).map_err(anyhow::Error::msg)
}

/// `target` as seen from `dir` (absolute when they share nothing but the root).
fn relative_to(target: &Path, dir: &Path) -> PathBuf {
    let (Ok(t), Ok(d)) = (std::path::absolute(target), std::path::absolute(dir)) else { return target.to_path_buf() };
    let (tc, dc): (Vec<_>, Vec<_>) = (t.components().collect(), d.components().collect());
    let common = tc.iter().zip(&dc).take_while(|(a, b)| a == b).count();
    if common <= 1 {
        return t;
    }
    let mut p = PathBuf::new();
    for _ in common..dc.len() {
        p.push("..");
    }
    for c in &tc[common..] {
        p.push(c);
    }
    p
}

/// Display width of a string in a terminal (CJK and full-width characters take two columns).
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if ('\u{1100}'..='\u{FFEF}').contains(&c) && !('\u{2000}'..='\u{2BFF}').contains(&c) { 2 } else { 1 })
        .sum()
}

fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_string();
    for _ in width(s)..w {
        out.push(' ');
    }
    out
}

fn print_table(c: &City, list: &[&SiteRow], lang: Lang) {
    let zh = lang == Lang::Zh;
    let head: [&str; 12] = if zh {
        ["#", "工地编号", "项目名称", "区县", "状态", "停工类别", "停工起", "天数", "危大", "未落实", "离线", "风险分"]
    } else {
        ["#", "site", "name", "district", "status", "category", "since", "days", "hazards", "unmet", "dark", "risk"]
    };
    let cells: Vec<[String; 12]> = list
        .iter()
        .enumerate()
        .map(|(i, r)| {
            [
                (i + 1).to_string(),
                r.site.clone(),
                r.name.clone(),
                r.district.clone(),
                i18n::stoppage_status_name(lang, r.status).to_string(),
                r.category.map(|k| k.label(lang).to_string()).unwrap_or_default(),
                r.since.map(|d| d.to_string()).unwrap_or_default(),
                r.days_stopped.to_string(),
                r.hazards.len().to_string(),
                r.unmet_duties().to_string(),
                r.dark_count().to_string(),
                format!("{:.1}", r.risk_score),
            ]
        })
        .collect();
    let mut w = head.map(width);
    for row in &cells {
        for (k, cell) in row.iter().enumerate() {
            w[k] = w[k].max(width(cell));
        }
    }
    let line = |row: &[String]| row.iter().enumerate().map(|(k, s)| pad(s, w[k])).collect::<Vec<_>>().join("  ");
    say!("{}", line(&head.map(String::from)));
    for (row, r) in cells.iter().zip(list) {
        say!("{}", line(row));
        for reason in &r.reasons {
            say!("      {reason}");
        }
    }
    let stopped = c.sites.iter().filter(|s| s.stoppage.status != Status::Operating).count();
    let alert = c.alert.map(|l| i18n::alert_level_name(lang, l)).unwrap_or(if zh { "无" } else { "none" });
    if zh {
        say!(
            "{}：{} 个工地，{} 个未施工（列出 {}）；截至 {}；重污染天气预警：{alert}",
            c.name,
            c.sites.len(),
            stopped,
            list.len(),
            c.today
        );
    } else {
        say!(
            "{}: {} sites, {} not operating ({} listed); as of {}; pollution alert: {alert}",
            c.name,
            c.sites.len(),
            stopped,
            list.len(),
            c.today
        );
    }
}
