//! `sitetwin gateway bench-city`: the gateway at a city's scale. Two measurements, on the store
//! named by `--db` (PostgreSQL) or a temporary SQLite folder:
//!
//! - `--summary`: the bureau's city summary (`Store::city_summary`, one query) over N sites with
//!   statuses, open and closed alarms and arrivals;
//! - `--load`: N sites (copies of a scene with their own ids) served by one in-process gateway,
//!   each site's device posting one reading of each of its sensors every period over HTTP, for a
//!   while; then what arrived, what the store holds, and the live stream's latency to a few
//!   subscribers (from a reading's measuring time, set when it is sent, to its SSE event).
//!
//! Prints Markdown rows for `docs/benchmarks.md`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, SecondsFormat, Utc};
use sitetwin_core::rules::Level;
use sitetwin_core::rules::alarm::{Alarm, AlarmStatus};
use sitetwin_core::rules::stoppage::{SiteStoppage, StopReason};

use crate::bench::{Http, percentile};
use crate::config::{GatewayConfig, SiteConfig};
use crate::store::{Batch, Role, Source, Store, StoredReading, TokenGrant};

/// What to measure.
#[derive(Debug, Clone, clap::Args)]
pub struct CityBenchArgs {
    /// Sites in the city.
    #[arg(long, default_value_t = 5_000)]
    pub sites: usize,
    /// Measure the city summary query.
    #[arg(long)]
    pub summary: bool,
    /// Measure the city load through one gateway.
    #[arg(long)]
    pub load: bool,
    /// The scene each site is a copy of (load).
    #[arg(long, default_value = "scenes/demo.ron")]
    pub scene: PathBuf,
    /// Sensors of each site that report (load).
    #[arg(long, default_value_t = 30)]
    pub sensors: usize,
    /// Seconds between two readings of a sensor (load).
    #[arg(long, default_value_t = 10.0)]
    pub period_s: f64,
    /// Seconds the load runs.
    #[arg(long, default_value_t = 300.0)]
    pub duration_s: f64,
    /// Client threads posting (load).
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// Live-stream subscribers, each on its own site (load).
    #[arg(long, default_value_t = 20)]
    pub subscribers: usize,
    /// Store in this PostgreSQL database (an empty one) instead of a temporary SQLite folder.
    #[arg(long)]
    pub db: Option<String>,
}

fn site_id(i: usize) -> String {
    format!("CITY{i:05}")
}

/// Runs what was asked and prints its rows.
pub fn run(a: CityBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(a.summary || a.load, "say what to measure: --summary and/or --load");
    let dir = std::env::temp_dir().join(format!("sitetwin-city-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let store_name = if a.db.is_some() { "PostgreSQL" } else { "SQLite" };
    let mut rows = Vec::new();
    if a.summary {
        let store = crate::store::open(&dir.join("summary"), a.db.as_deref())?;
        rows.push(summary(&a, store.as_ref(), store_name)?);
    }
    if a.load {
        rows.extend(load(&a, &dir, store_name)?);
    }
    let _ = std::fs::remove_dir_all(&dir);
    crate::bench::print_table(&rows);
    Ok(())
}

/// Fills the store with a city and times its summary.
fn summary(a: &CityBenchArgs, store: &dyn Store, store_name: &str) -> anyhow::Result<(String, String)> {
    let t0 = Utc::now();
    let sensors: Vec<String> = (0..30).map(|k| format!("S{k:02}")).collect();
    let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
    let districts = ["崇川区", "通州区", "海门区", "如皋市", "如东县", "启东市", "海安市", "开发区"];
    let mut batch = Batch::default();
    let mut open_alarms = 0;
    for i in 0..a.sites {
        let id = site_id(i);
        store.register_site(&id, &format!("项目 {i}"), districts[i % districts.len()], &sensors)?;
        if i % 3 == 0 {
            let mut st = SiteStoppage::default();
            let reason = match i % 4 {
                0 => StopReason::Seasonal,
                1 => StopReason::Rectification { order: format!("R-{i}") },
                _ => StopReason::Abnormal { cause: "欠薪".into() },
            };
            st.stop(reason, day, "监督站", "").map_err(|e| anyhow::anyhow!("{e}"))?;
            batch.statuses.push((id.clone(), st));
        }
        // Every site has a closed alarm history; one in five has open ones.
        for k in 0..4u64 {
            let open = i % 5 == 0 && k < 2;
            open_alarms += usize::from(open);
            let level = if k % 2 == 0 { Level::Warning } else { Level::Alarm };
            batch.alarms.push((
                id.clone(),
                Alarm {
                    id: k + 1,
                    sensor: sensors[k as usize].clone(),
                    rule: "bench".into(),
                    level,
                    peak: level,
                    raised_at: t0,
                    status: if open { AlarmStatus::Raised } else { AlarmStatus::Closed },
                    assignee: None,
                    condition_active: open,
                    escalations: 0,
                    source: Default::default(),
                    audit: Vec::new(),
                },
            ));
        }
        batch.readings.push(StoredReading {
            id: i as i64 + 1,
            site: id,
            sensor: sensors[0].clone(),
            time: t0,
            value: Some(1.0),
            flag: None,
            quality: "valid".into(),
            level: Level::Normal,
            rule: None,
            arrived: t0,
            source: Source::Http,
        });
    }
    store.commit(&batch)?;
    let mut ms = Vec::new();
    let mut n = 0;
    for _ in 0..21 {
        let t = Instant::now();
        n = store.city_summary()?.len();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    // The first is a cold one.
    let cold = ms.remove(0);
    ms.sort_by(f64::total_cmp);
    anyhow::ensure!(n == a.sites, "the summary has {n} rows for {} sites", a.sites);
    Ok((
        format!(
            "city summary, {store_name}: {} sites ({} stopped, {open_alarms} open and {} closed alarms), one query",
            a.sites,
            a.sites.div_ceil(3),
            a.sites * 4 - open_alarms
        ),
        format!(
            "median {:.1} ms, slowest {:.1} ms of 20 (first, cold: {cold:.1} ms)",
            percentile(&ms, 0.5),
            ms.last().copied().unwrap_or(f64::NAN)
        ),
    ))
}

/// The city load through one gateway.
fn load(a: &CityBenchArgs, dir: &std::path::Path, store_name: &str) -> anyhow::Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(&a.scene)
        .map_err(|e| anyhow::anyhow!("{}: cannot read the scene: {e}", a.scene.display()))?;
    let original = sitetwin_core::scene::load(&a.scene, sitetwin_core::scene::ModelChecks::Skip)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .scene;
    let old_id = format!("id: \"{}\"", original.site.id);
    anyhow::ensure!(text.contains(&old_id), "the scene's site id is not written as `{old_id}`");
    let scenes = dir.join("scenes");
    std::fs::create_dir_all(&scenes)?;
    let mut sites = Vec::new();
    for i in 0..a.sites {
        let f = scenes.join(format!("{}.ron", site_id(i)));
        std::fs::write(&f, text.replacen(&old_id, &format!("id: \"{}\"", site_id(i)), 1))?;
        sites.push(SiteConfig::scene(f));
    }
    // Quiet values: 5 % of each sensor's range, normal by every rule.
    let sensors: Vec<(String, f64)> = original
        .sensors
        .iter()
        .take(a.sensors)
        .map(|s| (s.id.clone(), s.range.map_or(1.0, |[lo, hi]| lo + 0.05 * (hi - lo))))
        .collect();
    let mut cfg = GatewayConfig {
        data_dir: dir.join("data"),
        db: a.db.clone(),
        http: Some("127.0.0.1:0".parse()?),
        sites,
        ..GatewayConfig::default()
    };
    cfg.limits.sse_buffer = 1 << 14;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let t_start = Instant::now();
    let running = rt.block_on(crate::server::start(cfg.clone()))?;
    let start_s = t_start.elapsed().as_secs_f64();
    let http = running.http_addr.ok_or_else(|| anyhow::anyhow!("no http address"))?;
    let store = Arc::clone(&running.hub().store);
    let mut devs = Vec::new();
    for i in 0..a.sites {
        let g = TokenGrant { role: Role::Device, site: Some(site_id(i)), sensors: vec![], label: "bench".into() };
        devs.push(crate::auth::issue(store.as_ref(), &g)?);
    }
    let bureau = crate::auth::issue(
        store.as_ref(),
        &TokenGrant { role: Role::Bureau, site: None, sensors: vec![], label: "bench".into() },
    )?;
    let stop = Arc::new(AtomicBool::new(false));
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    // Subscribers on sites spread over the city.
    let subs: Vec<_> = (0..a.subscribers.min(a.sites))
        .map(|k| {
            let site = site_id(k * a.sites / a.subscribers.max(1));
            let (token, stop, lat) = (bureau.clone(), Arc::clone(&stop), Arc::clone(&latencies));
            std::thread::spawn(move || -> anyhow::Result<u64> {
                let s = TcpStream::connect(http)?;
                s.set_read_timeout(Some(Duration::from_secs(5)))?;
                let mut r = BufReader::new(s);
                let req = format!(
                    "GET /api/v1/sites/{site}/events HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
                );
                r.get_mut().write_all(req.as_bytes())?;
                let (mut l, mut reading, mut n) = (String::new(), false, 0u64);
                while !stop.load(Ordering::Relaxed) {
                    l.clear();
                    match r.read_line(&mut l) {
                        Ok(0) => break,
                        Ok(_) => {}
                        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => continue,
                        Err(e) => return Err(e.into()),
                    }
                    if l.starts_with("event: reading") {
                        reading = true;
                    } else if let Some(d) = l.strip_prefix("data:").filter(|_| reading) {
                        reading = false;
                        let v: serde_json::Value = serde_json::from_str(d.trim())?;
                        let sent = v["time"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
                        if let Some(sent) = sent {
                            let ms = (Utc::now() - sent.with_timezone(&Utc)).num_microseconds().unwrap_or(0) as f64 / 1000.0;
                            if let Ok(mut v) = lat.lock() {
                                v.push(ms);
                            }
                            n += 1;
                        }
                    }
                }
                Ok(n)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));

    // Each site posts its sensors once per period, the sites' slots spread evenly over it.
    let sent = Arc::new(AtomicU64::new(0));
    let accepted = Arc::new(AtomicU64::new(0));
    let late = Arc::new(AtomicU64::new(0));
    let request_ms = Arc::new(Mutex::new(Vec::<f64>::new()));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let period = Duration::from_secs_f64(a.period_s);
    let t0 = Instant::now();
    let until = t0 + Duration::from_secs_f64(a.duration_s);
    let clients = a.clients.max(1);
    let pushers: Vec<_> = (0..clients)
        .map(|c| {
            let own: Vec<usize> = (c..a.sites).step_by(clients).collect();
            let (devs, sensors) = (devs.clone(), sensors.clone());
            let (sent, accepted, late) = (Arc::clone(&sent), Arc::clone(&accepted), Arc::clone(&late));
            let (request_ms, failures) = (Arc::clone(&request_ms), Arc::clone(&failures));
            let n_sites = a.sites;
            std::thread::spawn(move || -> anyhow::Result<()> {
                let mut h = Http::connect(http)?;
                let mut round = 0u32;
                loop {
                    for &i in &own {
                        let due = t0 + period * round + period.mul_f64(i as f64 / n_sites as f64);
                        if due >= until {
                            return Ok(());
                        }
                        let now = Instant::now();
                        if due > now {
                            std::thread::sleep(due - now);
                        } else if now - due > period / 10 {
                            late.fetch_add(1, Ordering::Relaxed);
                        }
                        let time = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
                        let body: String = sensors
                            .iter()
                            .map(|(s, v)| format!("{{\"sensor\":\"{s}\",\"time\":\"{time}\",\"value\":{v}}}\n"))
                            .collect();
                        let t = Instant::now();
                        let (st, b) = h.post("/api/v1/readings", &devs[i], body.as_bytes())?;
                        let took = t.elapsed().as_secs_f64() * 1000.0;
                        sent.fetch_add(sensors.len() as u64, Ordering::Relaxed);
                        if st == 200 {
                            let v: serde_json::Value = serde_json::from_slice(&b).unwrap_or_default();
                            accepted.fetch_add(v["accepted"].as_u64().unwrap_or(0), Ordering::Relaxed);
                        } else if let Ok(mut f) = failures.lock()
                            && f.len() < 5
                        {
                            f.push(format!("HTTP {st}: {}", String::from_utf8_lossy(&b[..b.len().min(200)])));
                        }
                        if let Ok(mut r) = request_ms.lock() {
                            r.push(took);
                        }
                    }
                    round += 1;
                }
            })
        })
        .collect();
    for p in pushers {
        p.join().map_err(|_| anyhow::anyhow!("a pusher panicked"))??;
    }
    let secs = t0.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_secs(1));
    stop.store(true, Ordering::Relaxed);
    let mut delivered = 0;
    for s in subs {
        delivered += s.join().map_err(|_| anyhow::anyhow!("a subscriber panicked"))??;
    }
    let mut stored = 0u64;
    for i in 0..a.sites {
        stored += store.count_readings(&site_id(i))?;
    }
    rt.block_on(running.shutdown())?;
    let (sent, accepted, late) =
        (sent.load(Ordering::Relaxed), accepted.load(Ordering::Relaxed), late.load(Ordering::Relaxed));
    let mut req = request_ms.lock().map(|v| v.clone()).unwrap_or_default();
    req.sort_by(f64::total_cmp);
    let mut lat = latencies.lock().map(|v| v.clone()).unwrap_or_default();
    lat.sort_by(f64::total_cmp);
    let failures = failures.lock().map(|v| v.clone()).unwrap_or_default();
    let what = format!(
        "city load, {store_name}: {} sites × {} sensors, one reading each per {} s, over HTTP ({} clients), {:.0} s",
        a.sites,
        sensors.len(),
        a.period_s,
        clients,
        secs
    );
    Ok(vec![
        (format!("{what}: gateway start ({} scenes)", a.sites), format!("{start_s:.1} s")),
        (
            format!("{what}: readings"),
            format!(
                "{:.0} readings/s sustained; sent {sent}, accepted {accepted}, stored {stored}; {late} posts more than {:.1} s late{}",
                accepted as f64 / secs,
                a.period_s / 10.0,
                if failures.is_empty() { String::new() } else { format!("; failures: {}", failures.join(" / ")) }
            ),
        ),
        (
            format!("{what}: one site's post of {} readings, answered after its commit", sensors.len()),
            format!("p50 {:.1} ms, p99 {:.1} ms", percentile(&req, 0.5), percentile(&req, 0.99)),
        ),
        (
            format!("{what}: live stream, {} subscribers on as many sites (measuring time → event)", a.subscribers),
            format!("p50 {:.1} ms, p99 {:.1} ms ({delivered} readings)", percentile(&lat, 0.5), percentile(&lat, 0.99)),
        ),
    ])
}
