//! `sitetwin gateway bench`: the gateway's throughput and latency on loopback, with Mosquitto
//! beside it in the same run. An in-process gateway (its own temporary data folder, the demo
//! site, rate limits lifted) is fed by client threads: durable ingest over HTTP batches and over
//! HJ 212 TCP, and the fan-out latency of its live stream to 100 subscribers; then a Mosquitto
//! broker (Debian's, started on a free port) relays the same readings as QoS 1 MQTT messages
//! between two local clients. Prints a Markdown table for `docs/benchmarks.md`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};

use crate::config::{GatewayConfig, SiteConfig};
use crate::store::{Role, TokenGrant};

/// What to measure.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// The scene to serve.
    #[arg(long, default_value = "scenes/demo.ron")]
    pub scene: PathBuf,
    /// Readings to push over HTTP.
    #[arg(long, default_value_t = 200_000)]
    pub http_readings: usize,
    /// Readings per HTTP request.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    /// Client threads pushing over HTTP.
    #[arg(long, default_value_t = 8)]
    pub http_clients: usize,
    /// HJ 212 packets to send (six readings each).
    #[arg(long, default_value_t = 20_000)]
    pub hj212_packets: usize,
    /// HJ 212 stations (connections) sending at once.
    #[arg(long, default_value_t = 32)]
    pub stations: usize,
    /// Live-stream subscribers.
    #[arg(long, default_value_t = 100)]
    pub subscribers: usize,
    /// Readings sent one by one for the fan-out latency.
    #[arg(long, default_value_t = 300)]
    pub fanout_readings: usize,
    /// MQTT messages Mosquitto relays.
    #[arg(long, default_value_t = 100_000)]
    pub mqtt_messages: usize,
    /// Store in this PostgreSQL database (an empty one: the readings stay in it) instead of a
    /// temporary SQLite folder.
    #[arg(long)]
    pub db: Option<String>,
}

/// A minimal HTTP/1.1 keep-alive client (the benchmark measures the server, not a client library).
pub(crate) struct Http {
    r: BufReader<TcpStream>,
}

impl Http {
    pub(crate) fn connect(addr: SocketAddr) -> std::io::Result<Http> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        Ok(Http { r: BufReader::new(s) })
    }

    pub(crate) fn post(&mut self, path: &str, token: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\nContent-Type: application/x-ndjson\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let s = self.r.get_mut();
        s.write_all(head.as_bytes())?;
        s.write_all(body)?;
        read_response(&mut self.r)
    }
}

fn read_response(r: &mut BufReader<TcpStream>) -> std::io::Result<(u16, Vec<u8>)> {
    let mut line = String::new();
    r.read_line(&mut line)?;
    let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut len = 0usize;
    loop {
        line.clear();
        r.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    Ok((status, body))
}

/// Client threads pushing batches, each a device with its own sensors in time order.
struct HttpPush {
    http: SocketAddr,
    dev: String,
    sensors: Vec<String>,
    clients: usize,
    batch: usize,
}

impl HttpPush {
    /// Pushes `total` readings from `base` (s since the epoch), values from `value(sensor, i)`;
    /// returns (readings, seconds).
    fn run(
        &self,
        total: usize,
        base: i64,
        value: &(dyn Fn(&str, usize) -> f64 + Sync),
    ) -> anyhow::Result<(usize, f64)> {
        let per_client = total / self.clients;
        let t0 = Instant::now();
        let sent = std::thread::scope(|scope| -> anyhow::Result<usize> {
            let handles: Vec<_> = (0..self.clients)
                .map(|c| {
                    let mut own: Vec<&String> = self.sensors.iter().skip(c).step_by(self.clients).collect();
                    if own.is_empty() {
                        own = self.sensors.iter().collect();
                    }
                    scope.spawn(move || -> anyhow::Result<usize> {
                        let mut h = Http::connect(self.http)?;
                        let base = base + c as i64 * 2_000_000;
                        let mut done = 0;
                        while done < per_client {
                            let n = self.batch.min(per_client - done);
                            let body: String = (0..n)
                                .map(|k| {
                                    let i = done + k;
                                    let sensor = own[i % own.len()];
                                    line(sensor, base + (i / own.len()) as i64, value(sensor, i))
                                })
                                .collect();
                            let (s, b) = h.post("/api/v1/readings", &self.dev, body.as_bytes())?;
                            anyhow::ensure!(s == 200, "HTTP {s}: {}", String::from_utf8_lossy(&b[..b.len().min(400)]));
                            done += n;
                        }
                        Ok(done)
                    })
                })
                .collect();
            let mut sent = 0;
            for h in handles {
                sent += h.join().map_err(|_| anyhow::anyhow!("client panicked"))??;
            }
            Ok(sent)
        })?;
        Ok((sent, t0.elapsed().as_secs_f64()))
    }
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn line(sensor: &str, t_s: i64, value: f64) -> String {
    let t = Utc.timestamp_opt(t_s, 0).single().unwrap_or_default().to_rfc3339();
    format!("{{\"sensor\":\"{sensor}\",\"time\":\"{t}\",\"value\":{value}}}\n")
}

/// Runs the benchmark and prints its table.
pub fn run(a: BenchArgs) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("sitetwin-gateway-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut cfg = GatewayConfig {
        data_dir: dir.join("data"),
        db: a.db.clone(),
        http: Some("127.0.0.1:0".parse()?),
        hj212: Some("127.0.0.1:0".parse()?),
        sites: vec![SiteConfig::scene(&a.scene)],
        ..GatewayConfig::default()
    };
    cfg.retention.raw_days = 36_500.0;
    cfg.limits.http_token_rate_per_s = 1e9;
    cfg.limits.http_token_burst = 1e9;
    cfg.limits.hj212_device_rate_per_s = 1e9;
    cfg.limits.hj212_device_burst = 1e9;
    cfg.limits.sse_buffer = 1 << 16;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let running = rt.block_on(crate::server::start(cfg.clone()))?;
    let http = running.http_addr.ok_or_else(|| anyhow::anyhow!("no http address"))?;
    let hj212 = running.hj212_addr.ok_or_else(|| anyhow::anyhow!("no hj212 address"))?;
    let site = running.hub().sites[0].clone();
    let store = crate::store::open(&cfg.data_dir, cfg.db.as_deref())?;
    let grant = |role| TokenGrant { role, site: Some(site.id.clone()), sensors: vec![], label: "bench".into() };
    let dev = crate::auth::issue(store.as_ref(), &grant(Role::Device))?;
    let viewer = crate::auth::issue(store.as_ref(), &grant(Role::Viewer))?;
    let sensors: Vec<String> = site.sensors.keys().cloned().collect();
    // A quiet site: each sensor steady at 5 % of its range (normal by every rule), so that the run
    // measures the path of ordinary readings, not a storm of alarms.
    let quiet: std::collections::HashMap<String, f64> = site
        .scene
        .sensors
        .iter()
        .map(|s| (s.id.clone(), s.range.map_or(1.0, |[lo, hi]| lo + 0.05 * (hi - lo))))
        .collect();

    let mut rows: Vec<(String, String)> = Vec::new();

    // 1. HTTP batches: each client its own sensors' time range, so nothing is a duplicate. Once
    // on a quiet site, once in an alarm storm (every value jumping, so levels, pit rates and
    // alarms change all the time).
    let push = HttpPush {
        http,
        dev: dev.clone(),
        sensors: sensors.clone(),
        clients: a.http_clients.max(1),
        batch: a.batch.max(1),
    };
    let (sent, secs) =
        push.run(a.http_readings, 1_577_836_800, &|sensor, _| quiet.get(sensor).copied().unwrap_or(1.0))?;
    rows.push((
        format!("gateway, HTTP batches of {} ({} clients), durable, quiet site", a.batch, a.http_clients),
        format!("{:.0} readings/s ({sent} in {secs:.2} s)", sent as f64 / secs),
    ));
    let storm = a.http_readings / 4;
    let (sent, secs) = push.run(storm, 1_600_000_000, &|_, i| 1.0 + (i % 7) as f64 * 13.0)?;
    rows.push((
        format!("gateway, HTTP batches of {} ({} clients), durable, alarm storm", a.batch, a.http_clients),
        format!("{:.0} readings/s ({sent} in {secs:.2} s)", sent as f64 / secs),
    ));

    // 2. HJ 212: stations each send 2011 packets and wait for the 9014 reply (as stations do).
    let mn =
        site.registry.devices().find(|d| d.factors.len() >= 4).map(|d| {
            (d.mn.clone(), d.password.clone().unwrap_or_default(), d.factors.keys().cloned().collect::<Vec<_>>())
        });
    if let Some((mn, pw, codes)) = mn {
        let per = a.hj212_packets / a.stations.max(1);
        let t0 = Instant::now();
        let handles: Vec<_> = (0..a.stations)
            .map(|k| {
                let (mn, pw, codes) = (mn.clone(), pw.clone(), codes.clone());
                std::thread::spawn(move || -> anyhow::Result<usize> {
                    let s = TcpStream::connect(hj212)?;
                    s.set_nodelay(true)?;
                    let mut r = BufReader::new(s);
                    let base = Utc.timestamp_opt(1_640_995_200 + k as i64 * 2_000_000, 0).single().unwrap_or_default();
                    for i in 0..per {
                        let t = (base + chrono::Duration::seconds(i as i64)).format("%Y%m%d%H%M%S");
                        let cp: Vec<String> =
                            codes.iter().map(|c| format!("{c}-Rtd={}.5,{c}-Flag=N", 40 + i % 9)).collect();
                        let seg = format!(
                            "QN={t}000;ST=39;CN=2011;PW={pw};MN={mn};Flag=5;CP=&&DataTime={t};{}&&",
                            cp.join(";")
                        );
                        let pkt =
                            format!("##{:04}{seg}{:04X}\r\n", seg.len(), sitetwin_core::hj212::crc16(seg.as_bytes()));
                        r.get_mut().write_all(pkt.as_bytes())?;
                        let mut reply = String::new();
                        r.read_line(&mut reply)?;
                        anyhow::ensure!(reply.contains("CN=9014"), "no data reply: {reply:?}");
                    }
                    Ok(per * codes.len())
                })
            })
            .collect();
        let mut readings = 0;
        for h in handles {
            readings += h.join().map_err(|_| anyhow::anyhow!("station panicked"))??;
        }
        let secs = t0.elapsed().as_secs_f64();
        rows.push((
            format!("gateway, HJ 212 over TCP ({} stations, reply after commit), durable", a.stations),
            format!(
                "{:.0} readings/s, {:.0} packets/s ({readings} readings in {secs:.2} s)",
                readings as f64 / secs,
                (per * a.stations) as f64 / secs
            ),
        ));
    }

    // 3. SSE fan-out: subscribers read the stream; readings are sent one at a time, each value
    // its sequence number, and the latency is from the POST to each subscriber's receipt.
    let sent_at: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; a.fanout_readings]));
    let ready = Arc::new(std::sync::Barrier::new(a.subscribers + 1));
    let subs: Vec<_> = (0..a.subscribers)
        .map(|_| {
            let (viewer, id, ready, n) = (viewer.clone(), site.id.clone(), Arc::clone(&ready), a.fanout_readings);
            std::thread::spawn(move || -> anyhow::Result<Vec<(usize, Instant)>> {
                let s = TcpStream::connect(http)?;
                s.set_read_timeout(Some(Duration::from_secs(30)))?;
                let mut r = BufReader::new(s);
                let req = format!("GET /api/v1/sites/{id}/events HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {viewer}\r\nAccept: text/event-stream\r\n\r\n");
                r.get_mut().write_all(req.as_bytes())?;
                let mut l = String::new();
                loop {
                    l.clear();
                    r.read_line(&mut l)?;
                    if l == "\r\n" || l.is_empty() {
                        break;
                    }
                }
                ready.wait();
                let mut got = Vec::with_capacity(n);
                let mut reading = false;
                while got.len() < n {
                    l.clear();
                    if r.read_line(&mut l)? == 0 {
                        break;
                    }
                    if l.starts_with("event: reading") || l.starts_with("event:reading") {
                        reading = true;
                    } else if let Some(d) = l.strip_prefix("data:").filter(|_| reading) {
                        reading = false;
                        let v: serde_json::Value = serde_json::from_str(d.trim())?;
                        if let Some(k) = v["value"].as_f64() {
                            got.push((k as usize, Instant::now()));
                        }
                    }
                }
                Ok(got)
            })
        })
        .collect();
    ready.wait();
    std::thread::sleep(Duration::from_millis(300));
    let mut h = Http::connect(http)?;
    let base = 1_735_689_600; // 2025-01-01
    for k in 0..a.fanout_readings {
        let body = line(&sensors[0], base + k as i64, k as f64);
        if let Ok(mut s) = sent_at.lock() {
            s[k] = Some(Instant::now());
        }
        let (st, b) = h.post("/api/v1/readings", &dev, body.as_bytes())?;
        anyhow::ensure!(st == 200, "HTTP {st}: {}", String::from_utf8_lossy(&b[..b.len().min(400)]));
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut lat_ms = Vec::new();
    let sent_at = sent_at.lock().map(|s| s.clone()).unwrap_or_default();
    for s in subs {
        for (k, at) in s.join().map_err(|_| anyhow::anyhow!("subscriber panicked"))?? {
            if let Some(Some(t)) = sent_at.get(k) {
                lat_ms.push(at.duration_since(*t).as_secs_f64() * 1000.0);
            }
        }
    }
    lat_ms.sort_by(f64::total_cmp);
    rows.push((
        format!("gateway, live stream to {} subscribers (POST → event, commit included)", a.subscribers),
        format!(
            "p50 {:.1} ms, p99 {:.1} ms ({} deliveries of {} expected)",
            percentile(&lat_ms, 0.5),
            percentile(&lat_ms, 0.99),
            lat_ms.len(),
            a.subscribers * a.fanout_readings
        ),
    ));
    rt.block_on(running.shutdown())?;

    // 4. Mosquitto relaying the same readings between two local clients, QoS 1, no persistence.
    match mosquitto_relay(&dir, &sensors, a.mqtt_messages, &rt) {
        Ok(row) => rows.push(row),
        Err(e) => rows.push(("Mosquitto relay".into(), format!("not measured: {e:#}"))),
    }
    let _ = std::fs::remove_dir_all(&dir);
    print_table(&rows);
    Ok(())
}

/// Prints measurement rows as the Markdown table docs/benchmarks.md takes.
pub(crate) fn print_table(rows: &[(String, String)]) {
    println!("| measurement | result |");
    println!("|---|---|");
    for (k, v) in rows {
        println!("| {k} | {v} |");
    }
}

fn mosquitto_relay(
    dir: &Path,
    sensors: &[String],
    n: usize,
    rt: &tokio::runtime::Runtime,
) -> anyhow::Result<(String, String)> {
    use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let conf = dir.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\n"),
    )?;
    let bin = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("mosquitto");
    let mut child = std::process::Command::new(bin)
        .arg("-c")
        .arg(&conf)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start mosquitto ({e}); install Debian's `mosquitto`"))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(Instant::now() < deadline, "mosquitto did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let payloads: Vec<String> =
        (0..n).map(|i| line(&sensors[i % sensors.len()], 1_767_225_600 + i as i64, 1.0)).collect();
    let result = rt.block_on(async {
        let mut so = MqttOptions::new("bench-sub", "127.0.0.1", port);
        so.set_keep_alive(Duration::from_secs(30));
        so.set_inflight(1000);
        let (sub, mut sub_loop) = AsyncClient::new(so, 10_000);
        sub.subscribe("bench/readings", QoS::AtLeastOnce).await?;
        // Wait for the subscription before publishing.
        loop {
            if let Event::Incoming(Packet::SubAck(_)) = sub_loop.poll().await? {
                break;
            }
        }
        let receiver = tokio::spawn(async move {
            let mut got = 0usize;
            let mut first = None;
            while got < n {
                match tokio::time::timeout(Duration::from_secs(30), sub_loop.poll()).await {
                    Ok(Ok(Event::Incoming(Packet::Publish(_)))) => {
                        first.get_or_insert_with(Instant::now);
                        got += 1;
                    }
                    Ok(Ok(_)) => {}
                    _ => break,
                }
            }
            (got, Instant::now())
        });
        let mut po = MqttOptions::new("bench-pub", "127.0.0.1", port);
        po.set_keep_alive(Duration::from_secs(30));
        po.set_inflight(1000);
        let (publisher, mut pub_loop) = AsyncClient::new(po, 10_000);
        let driver = tokio::spawn(async move { while pub_loop.poll().await.is_ok() {} });
        let t0 = Instant::now();
        for p in payloads {
            publisher.publish("bench/readings", QoS::AtLeastOnce, false, p).await?;
        }
        let (got, end) = receiver.await?;
        driver.abort();
        anyhow::Ok((got, end.duration_since(t0).as_secs_f64()))
    });
    let _ = child.kill();
    let _ = child.wait();
    let (got, secs) = result?;
    Ok((
        "Mosquitto 2.0 relaying the same readings, one QoS 1 message each, publisher → broker → subscriber, not persisted"
            .into(),
        format!("{:.0} messages/s ({got} of {n} in {secs:.2} s)", got as f64 / secs),
    ))
}
