//! `sitetwin simulate`: the embedded simulator without the twin. It writes a scenario's readings in
//! the core's batch format (the same seed gives the same bytes), posts them to a gateway's HTTP
//! ingest as the site's devices would (data-hour batches, honouring 429 Retry-After), and sends
//! the HJ 212 stations' readings (the scene's devices with an MN, as the core's registry maps
//! them) as real-time packets over TCP, each waiting for the gateway's 9014 reply; optionally
//! paced to a speed.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration as StdDuration, Instant};

use anyhow::{Context, bail};
use chrono::Duration;
use sitetwin_core::hj212::{
    CommandCode, ConcentrationUnit, Cp, CpField, DeviceRegistry, FieldKey, FrameLimits, Packet, PacketFlag, Param,
    ProtocolVersion, Qn, Suffix, SystemCode,
};
use sitetwin_core::scene::{self, ModelChecks, SensorKind};
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
    /// Pacing for `to` and `hj212`, data seconds per wall second.
    pub speed: Option<f64>,
    /// A gateway's HJ 212 listener.
    pub hj212: Option<String>,
}

/// Data time per batch (posted or written at once).
const BATCH_S: i64 = 3600;

/// Runs the simulator as asked.
pub fn run(a: SimulateArgs) -> anyhow::Result<ExitCode> {
    if a.out.is_none() && a.to.is_none() && a.hj212.is_none() {
        bail!("say where the readings go: --out FILE (or -), --to http://HOST:PORT and/or --hj212 HOST:PORT");
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
    let mut stations = match &a.hj212 {
        Some(addr) => Some(Stations::connect(&loaded.scene, addr)?),
        None => None,
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
        if let Some(speed) = a.speed.filter(|s| *s > 0.0 && (post.is_some() || stations.is_some())) {
            let due = (t - sim.start()).num_milliseconds() as f64 / 1000.0 / speed;
            let wait = due - started.elapsed().as_secs_f64();
            if wait > 0.0 {
                std::thread::sleep(StdDuration::from_secs_f64(wait));
            }
        }
        if let Some(p) = post.as_mut() {
            p.send(&batch)?;
        }
        if let Some(s) = stations.as_mut() {
            s.send(&batch)?;
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
    if let Some(s) = &stations {
        eprintln!(
            "HJ 212: {} packets ({} readings) from {} stations, each answered 9014",
            s.packets,
            s.readings,
            s.mns()
        );
    }
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

/// Sends one packet and reads the reply line (empty if the gateway closed the connection).
fn exchange(w: &mut TcpStream, r: &mut BufReader<TcpStream>, packet: &str) -> std::io::Result<String> {
    w.write_all(packet.as_bytes())?;
    let mut reply = String::new();
    r.read_line(&mut reply)?;
    Ok(reply)
}

/// A station's password and its (pollutant code, value) pairs of one measuring time.
type PacketValues = (String, Vec<(String, f64)>);

/// Packets one station sends at once before it keeps to [`STATION_RATE_PER_S`].
const STATION_BURST: f64 = 50.0;

/// Packets per second one station sends after its burst (under the gateway's default 5/s).
const STATION_RATE_PER_S: f64 = 4.0;

/// The scene's HJ 212 stations on one connection each, sending real-time data (CN 2011) and
/// waiting for each packet's 9014 reply.
struct Stations {
    /// Sensor id → (MN, password, pollutant code, divisor to the station's unit).
    by_sensor: HashMap<String, (String, String, String, f64)>,
    conns: HashMap<String, (TcpStream, BufReader<TcpStream>)>,
    /// Each station's send budget: (packets it may send now, when it was counted).
    budget: HashMap<String, (f64, Instant)>,
    addr: String,
    zone: chrono::FixedOffset,
    packets: u64,
    readings: u64,
}

impl Stations {
    fn connect(scene: &sitetwin_core::scene::SiteScene, addr: &str) -> anyhow::Result<Self> {
        let registry = DeviceRegistry::from_scene(scene, &[]).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut by_sensor = HashMap::new();
        // Real stations only: devices the scene names by their MN (the registry also makes a
        // device of every other sensor, which no station sends as).
        let declared = |mn: &str| scene.sensors.iter().any(|s| s.device_id.as_deref() == Some(mn));
        for d in registry.devices().filter(|d| declared(&d.mn)) {
            // Particulates go in the station's unit (the scene's are µg/m³).
            let divisor = if d.concentration_unit == ConcentrationUnit::MilligramPerCubicMetre { 1000.0 } else { 1.0 };
            for (code, target) in &d.factors {
                let particulate = matches!(target.kind, SensorKind::Pm25 | SensorKind::Pm10 | SensorKind::Tsp);
                let pw = d.password.clone().unwrap_or_else(|| "123456".into());
                by_sensor.insert(
                    target.sensor.clone(),
                    (d.mn.clone(), pw, code.clone(), if particulate { divisor } else { 1.0 }),
                );
            }
        }
        if by_sensor.is_empty() {
            bail!("the scene has no HJ 212 station (a sensor with a `device_id` MN and a pollutant code)");
        }
        Ok(Self {
            by_sensor,
            conns: HashMap::new(),
            budget: HashMap::new(),
            addr: addr.into(),
            zone: registry.zone(),
            packets: 0,
            readings: 0,
        })
    }

    /// The station's connection, opened if need be.
    fn open(&mut self, mn: &str) -> anyhow::Result<&mut (TcpStream, BufReader<TcpStream>)> {
        if !self.conns.contains_key(mn) {
            let s = TcpStream::connect(&self.addr).with_context(|| format!("connecting to HJ 212 at {}", self.addr))?;
            s.set_read_timeout(Some(StdDuration::from_secs(30)))?;
            let reader = BufReader::new(s.try_clone()?);
            self.conns.insert(mn.to_string(), (s, reader));
        }
        self.conns.get_mut(mn).context("the station's connection")
    }

    /// A station sends no faster than the gateway lets one MN (its default: bursts of 60, then
    /// 5 packets/s): bursts of [`STATION_BURST`], then [`STATION_RATE_PER_S`].
    fn wait_for_budget(&mut self, mn: &str) {
        let now = Instant::now();
        let (tokens, at) = self.budget.entry(mn.to_string()).or_insert((STATION_BURST, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * STATION_RATE_PER_S).min(STATION_BURST);
        *at = now;
        if *tokens < 1.0 {
            std::thread::sleep(StdDuration::from_secs_f64((1.0 - *tokens) / STATION_RATE_PER_S));
            *tokens = 1.0;
            *at = Instant::now();
        }
        *tokens -= 1.0;
    }

    fn mns(&self) -> usize {
        self.by_sensor.values().map(|v| &v.0).collect::<std::collections::BTreeSet<_>>().len()
    }

    /// One packet per station and measuring time, in time order.
    fn send(&mut self, readings: &[sitetwin_core::telemetry::Reading]) -> anyhow::Result<()> {
        let mut packets: BTreeMap<(chrono::DateTime<chrono::Utc>, String), PacketValues> = BTreeMap::new();
        for r in readings.iter().filter(|r| r.value.is_finite()) {
            if let Some((mn, pw, code, div)) = self.by_sensor.get(&r.sensor) {
                let e = packets.entry((r.time, mn.clone())).or_insert_with(|| (pw.clone(), Vec::new()));
                e.1.push((code.clone(), r.value / div));
            }
        }
        let limits = FrameLimits::default();
        for ((time, mn), (pw, values)) in packets {
            let local = time.with_timezone(&self.zone).naive_local();
            let cp = values.iter().fold(
                Cp::new().with_param(Param::DataTime, local.format("%Y%m%d%H%M%S").to_string()),
                |cp, (code, v)| {
                    cp.with_item(vec![
                        CpField::new(FieldKey::factor(code, Suffix::Rtd), format!("{}", (v * 1000.0).round() / 1000.0)),
                        CpField::new(FieldKey::factor(code, Suffix::Flag), "N"),
                    ])
                },
            );
            let packet = Packet {
                qn: Qn::from_time(local),
                st: SystemCode::SITE_DUST,
                cn: CommandCode::REALTIME_DATA,
                pw,
                mn: mn.clone(),
                flag: Some(PacketFlag::new(ProtocolVersion::Hj212_2017, true, false)),
                split: None,
                cp,
            };
            let text = packet.encode(&limits).map_err(|e| anyhow::anyhow!("encoding a packet of {mn}: {e}"))?;
            self.wait_for_budget(&mn);
            let (w, r) = self.open(&mn)?;
            let mut reply = exchange(w, r, &text);
            if reply.as_ref().is_err() || reply.as_ref().is_ok_and(|r| r.is_empty()) {
                // The gateway closed a connection left idle (between paced batches): a station
                // reconnects and sends again.
                self.conns.remove(&mn);
                let (w, r) = self.open(&mn)?;
                reply = exchange(w, r, &text);
            }
            let reply = reply.with_context(|| format!("station {mn}: sending a packet and waiting for its reply"))?;
            if !reply.contains("CN=9014") {
                bail!("station {mn}: the gateway answered {:?} instead of 9014", reply.trim_end());
            }
            self.packets += 1;
            self.readings += values.len() as u64;
        }
        Ok(())
    }
}
