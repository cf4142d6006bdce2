//! `sitetwin simulate`: the embedded simulator without the twin. It writes a scenario's readings in
//! the core's batch format (the same seed gives the same bytes), or posts them to a gateway's HTTP
//! ingest as the site's devices would, in data-hour batches, honouring the gateway's 429
//! Retry-After, optionally paced to a speed.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration as StdDuration, Instant};

use anyhow::{Context, bail};
use chrono::Duration;
use sitetwin_core::scene::{self, ModelChecks};
use sitetwin_core::sim::{Scenario, Simulator, write_jsonl};

use crate::app::resolve_scenario;

/// What `simulate` was asked.
#[derive(Debug, Clone)]
pub struct SimulateArgs {
    /// Scene file.
    pub scene: PathBuf,
    /// Scenario name or file.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// How much of the scenario, seconds.
    pub duration: Option<f64>,
    /// JSON-lines output (`-`: standard output).
    pub out: Option<PathBuf>,
    /// A gateway's base URL.
    pub to: Option<String>,
    /// The device token for `to`.
    pub token: Option<String>,
    /// Pacing for `to`, data seconds per wall second.
    pub speed: Option<f64>,
}

/// Data time per batch (posted or written at once).
const BATCH_S: i64 = 3600;

/// Runs the simulator as asked.
pub fn run(a: SimulateArgs) -> anyhow::Result<ExitCode> {
    if a.out.is_none() && a.to.is_none() {
        bail!("say where the readings go: --out FILE (or -) and/or --to http://HOST:PORT");
    }
    let loaded = scene::load(&a.scene, ModelChecks::Skip).map_err(|e| anyhow::anyhow!("{e}"))?;
    let scenario = Scenario::load(&resolve_scenario(&a.scenario)?)?;
    let mut sim = Simulator::new(&loaded.scene, &scenario, a.seed)?;
    for s in sim.skipped() {
        eprintln!("note: {s}");
    }
    let end = match a.duration {
        Some(d) => (sim.start() + Duration::milliseconds((d * 1000.0) as i64)).min(sim.end()),
        None => sim.end(),
    };
    let mut out: Option<Box<dyn Write>> = match a.out.as_deref() {
        None => None,
        Some(p) if p.as_os_str() == "-" => Some(Box::new(BufWriter::new(std::io::stdout().lock()))),
        Some(p) => Some(Box::new(BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        ))),
    };
    let mut post = match (&a.to, &a.token) {
        (Some(url), Some(token)) => Some(Poster::new(url, token)?),
        (Some(_), None) => bail!("--to needs a device token: --token or $SITETWIN_DEVICE_TOKEN"),
        _ => None,
    };
    let started = Instant::now();
    let (mut batch, mut written) = (Vec::new(), 0usize);
    let mut t = sim.start();
    while t < end {
        t = (t + Duration::seconds(BATCH_S)).min(end);
        batch.clear();
        sim.advance_to(t, &mut batch);
        written += batch.len();
        if let Some(w) = out.as_mut() {
            write_jsonl(&batch, w).context("writing the readings")?;
        }
        if let Some(p) = post.as_mut() {
            if let Some(speed) = a.speed.filter(|s| *s > 0.0) {
                let due = (t - sim.start()).num_milliseconds() as f64 / 1000.0 / speed;
                let wait = due - started.elapsed().as_secs_f64();
                if wait > 0.0 {
                    std::thread::sleep(StdDuration::from_secs_f64(wait));
                }
            }
            p.send(&batch)?;
        }
    }
    if let Some(mut w) = out {
        w.flush().context("writing the readings")?;
    }
    eprintln!(
        "simulated {} of scenario `{}` (seed {}): {written} readings in {:.1} s",
        span_text(end - sim.start()),
        scenario.name,
        a.seed,
        started.elapsed().as_secs_f64()
    );
    if let Some(p) = post {
        eprintln!("gateway took {} readings ({} duplicates, {} refused)", p.accepted, p.duplicates, p.refused);
        if p.refused > 0 {
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn span_text(d: Duration) -> String {
    format!("{:.1} h", d.num_seconds() as f64 / 3600.0)
}

/// Posts batches to a gateway's ingest, counting what it answered.
struct Poster {
    client: reqwest::blocking::Client,
    url: String,
    token: String,
    accepted: u64,
    duplicates: u64,
    refused: u64,
}

/// The gateway's answer to a batch (docs/gateway.md).
#[derive(serde::Deserialize)]
struct Answer {
    accepted: u64,
    duplicates: u64,
    #[serde(default)]
    refused: Vec<serde_json::Value>,
}

/// Readings per request: under the gateway's default burst, so one batch is never refused whole.
const READINGS_PER_POST: usize = 5_000;

impl Poster {
    fn new(base: &str, token: &str) -> anyhow::Result<Self> {
        let client = reqwest::blocking::Client::builder()
            .timeout(StdDuration::from_secs(60))
            .build()
            .context("building the HTTP client")?;
        let url = format!("{}/api/v1/readings", base.trim_end_matches('/'));
        Ok(Self { client, url, token: token.into(), accepted: 0, duplicates: 0, refused: 0 })
    }

    fn send(&mut self, readings: &[sitetwin_core::telemetry::Reading]) -> anyhow::Result<()> {
        for chunk in readings.chunks(READINGS_PER_POST) {
            let mut body = Vec::new();
            write_jsonl(chunk, &mut body)?;
            let mut tries = 0;
            loop {
                let r = self
                    .client
                    .post(&self.url)
                    .bearer_auth(&self.token)
                    .header("content-type", "application/x-ndjson")
                    .body(body.clone())
                    .send()
                    .with_context(|| format!("POST {}", self.url))?;
                let status = r.status();
                if status.as_u16() == 429 && tries < 100 {
                    tries += 1;
                    let wait = r
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<f64>().ok())
                        .unwrap_or(1.0);
                    std::thread::sleep(StdDuration::from_secs_f64(wait.clamp(0.05, 60.0)));
                    continue;
                }
                let text = r.text().unwrap_or_default();
                if !(status.is_success() || status.as_u16() == 422) {
                    bail!("POST {}: {status}: {}", self.url, text.chars().take(300).collect::<String>());
                }
                let a: Answer = serde_json::from_str(&text).with_context(|| {
                    format!(
                        "POST {}: not the gateway's answer: {}",
                        self.url,
                        text.chars().take(300).collect::<String>()
                    )
                })?;
                for r in a.refused.iter().take(5) {
                    eprintln!("refused: {r}");
                }
                self.accepted += a.accepted;
                self.duplicates += a.duplicates;
                self.refused += a.refused.len() as u64;
                break;
            }
        }
        Ok(())
    }
}
