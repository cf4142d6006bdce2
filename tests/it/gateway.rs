//! The telemetry gateway run for real: `sitetwin gateway serve` on loopback, fed over HTTP, HJ 212
//! TCP and MQTT (a real Mosquitto), killed with SIGKILL and restarted on the same data folder. On
//! a PostgreSQL database instead of the data folder when `SITETWIN_TEST_PG` names a server (see
//! `store_args`): the same tests on either store.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::Value;

use crate::{repo, scratch};

const DEMO_SITE: &str = "3206022026051701";

/// A gateway process; killed when dropped.
struct Gateway {
    child: Child,
    http: String,
    hj212: SocketAddr,
    data: PathBuf,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The store flags for a test's data folder: `--data DIR`, or, when the tests run on PostgreSQL
/// (`SITETWIN_TEST_PG`), `--db URL` of a database made for that folder the first time it is asked.
fn store_args(data: &Path) -> Vec<std::ffi::OsString> {
    static DBS: std::sync::Mutex<std::collections::BTreeMap<PathBuf, Option<String>>> =
        std::sync::Mutex::new(std::collections::BTreeMap::new());
    let mut dbs = DBS.lock().unwrap_or_else(|p| p.into_inner());
    let n = dbs.len();
    let db = dbs.entry(data.to_path_buf()).or_insert_with(|| {
        let prefix = format!("sitetwin-it-{}-", std::process::id());
        let dir = data.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned());
        let name = dir.as_deref().map(|d| d.trim_start_matches(&prefix).to_string()).unwrap_or_default();
        sitetwin_gateway::store::PostgresStore::test_database(&format!("it{n}_{name}")).unwrap()
    });
    match db {
        Some(url) => vec!["--db".into(), url.clone().into()],
        None => vec!["--data".into(), data.into()],
    }
}

fn sitetwin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sitetwin"))
}

/// Writes a configuration with these extra fields (RON) and returns its path.
fn config(dir: &Path, sites: &str, extra: &str) -> PathBuf {
    let f = dir.join("gateway.ron");
    let text = format!("(sites: [{sites}], retention: (raw_days: 36500.0), tick_s: 0.2, {extra})");
    std::fs::write(&f, text).unwrap();
    f
}

/// A test's folder, its gateway configuration and its data folder.
struct Setup {
    dir: PathBuf,
    data: PathBuf,
    cfg: PathBuf,
}

/// A fresh folder with a configuration serving `sites(dir)`, plus `extra` fields.
fn setup(name: &str, sites: impl FnOnce(&Path) -> String, extra: &str) -> Setup {
    let dir = scratch(name);
    let data = dir.join("data");
    let cfg = config(&dir, &sites(&dir), extra);
    Setup { dir, data, cfg }
}

/// A device token and an operator token of the demo site.
fn demo_tokens(data: &Path) -> (String, String) {
    (token(data, &["--site", DEMO_SITE]), token(data, &["--site", DEMO_SITE, "--role", "operator"]))
}

fn demo_site() -> String {
    format!("(scene: {:?})", repo().join("scenes/demo.ron"))
}

impl Gateway {
    fn start(data: &Path, config: &Path) -> Gateway {
        Self::start_with(data, config, &[])
    }

    fn start_with(data: &Path, config: &Path, extra: &[&str]) -> Gateway {
        let mut child = sitetwin()
            .args(["gateway", "serve", "--config"])
            .arg(config)
            .args(store_args(data))
            .args(if extra.contains(&"--http") {
                &["--hj212", "127.0.0.1:0"][..]
            } else {
                &["--http", "127.0.0.1:0", "--hj212", "127.0.0.1:0"][..]
            })
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // Keep stderr drained (the logs) so the child never blocks on a full pipe.
        let log = data.with_extension("log");
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
            let mut r = BufReader::new(stderr);
            let mut buf = [0u8; 4096];
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let _ = f.write_all(&buf[..n]);
            }
        });
        let (mut http, mut hj212) = (None, None);
        let deadline = Instant::now() + Duration::from_secs(60);
        while http.is_none() || hj212.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).unwrap_or_else(|_| {
                let log = std::fs::read_to_string(data.with_extension("log")).unwrap_or_default();
                panic!("the gateway did not say where it listens; its log:\n{log}")
            });
            if let Some(a) = line.strip_prefix("http: listening on ") {
                http = Some(format!("http://{a}"));
            } else if let Some(a) = line.strip_prefix("hj212: listening on ") {
                hj212 = Some(a.parse().unwrap());
            }
        }
        Gateway { child, http: http.unwrap(), hj212: hj212.unwrap(), data: data.to_path_buf() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.http)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.data.with_extension("log")).unwrap_or_default()
    }
}

/// `sitetwin gateway token ...`: the token, alone on stdout.
fn token(data: &Path, args: &[&str]) -> String {
    let out = sitetwin().args(["gateway", "token"]).args(store_args(data)).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = String::from_utf8(out.stdout).unwrap();
    assert_eq!(s.lines().count(), 1, "the token alone on stdout: {s:?}");
    s.trim().to_string()
}

fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

fn post(c: &Client, url: &str, token: Option<&str>, body: impl Into<reqwest::blocking::Body>) -> (u16, Value) {
    let mut r = c.post(url).body(body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let resp = r.send().unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn get(c: &Client, url: &str, token: &str) -> (u16, Value) {
    let resp = c.get(url).bearer_auth(token).send().unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn line(sensor: &str, time: &str, value: f64) -> String {
    format!("{{\"sensor\": \"{sensor}\", \"time\": \"{time}\", \"value\": {value}}}\n")
}

#[test]
fn http_readings_are_stored_judged_and_served_back() {
    let Setup { data, cfg, .. } = setup("gw-http", |_| demo_site(), "");
    let gw = Gateway::start(&data, &cfg);
    let (dev, op) = demo_tokens(&data);
    let c = client();

    let (s, h) = get(&c, &gw.url("/healthz"), "none");
    assert_eq!(s, 200, "{h}");
    assert_eq!(h["sites"], 1);

    let body = std::fs::read_to_string(repo().join("docs/examples/demo-readings.jsonl")).unwrap();
    let (s, r) = post(&c, &gw.url("/api/v1/readings"), Some(&dev), body.clone());
    assert_eq!(s, 200, "{r}");
    // The example's 133 lines: 131 readings, 2 lines that are not (each refused with its line).
    assert_eq!(r["accepted"], 131, "{r}");
    let refused = r["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 2, "{r}");
    assert!(refused.iter().all(|x| x["line"].as_u64().unwrap() > 0 && !x["reason"].as_str().unwrap().is_empty()));

    // Sent again: nothing is stored twice.
    let (s, r) = post(&c, &gw.url("/api/v1/readings"), Some(&dev), body);
    assert_eq!(s, 200, "{r}");
    assert_eq!((r["accepted"].as_u64(), r["duplicates"].as_u64()), (Some(0), Some(131)), "{r}");

    // History in time order, with the values sent.
    let url = gw.url(&format!(
        "/api/v1/sites/{DEMO_SITE}/sensors/TC1-LOAD/readings?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z"
    ));
    let (s, rows) = get(&c, &url, &op);
    assert_eq!(s, 200, "{rows}");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.first().unwrap()["value"], 22.0);
    assert_eq!(rows.first().unwrap()["time"], "2026-12-01T00:30:00Z");
    let times: Vec<&str> = rows.iter().map(|r| r["time"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    // The example's eight TC1-LOAD lines, less the one whose value is "overload".
    let sent = 7;
    assert_eq!(rows.len(), sent);
    // The rules judged them on arrival: the crane's overload is an alarm, stored with the reading.
    assert!(
        rows.iter().any(|r| r["level"] == "Alarm" && r["rule"].as_str().is_some_and(|x| x.starts_with("crane.load")))
    );

    // Downsampled: minute buckets of the same readings.
    let (s, buckets) = get(&c, &format!("{url}&step=minute"), &op);
    assert_eq!(s, 200);
    let n: u64 = buckets.as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).sum();
    assert_eq!(n as usize, sent);

    // Latest state and alarms.
    let (s, latest) = get(&c, &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/latest")), &op);
    assert_eq!(s, 200);
    assert_eq!(latest["sensors"].as_array().unwrap().len(), 62);
    let (s, alarms) = get(&c, &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/alarms")), &op);
    assert_eq!(s, 200);
    assert!(!alarms.as_array().unwrap().is_empty(), "the example raises alarms: {alarms}");

    // The contract is described.
    let (s, api) = get(&c, &gw.url("/openapi.json"), "none");
    assert_eq!(s, 200);
    for p in ["/api/v1/readings", "/api/v1/sites/{site}/sensors/{sensor}/readings", "/api/v1/sites/{site}/events"] {
        assert!(api["paths"].get(p).is_some(), "openapi lacks {p}");
    }
}

#[test]
fn bad_http_input_is_refused_with_the_field_and_good_data_flows() {
    let Setup { data, cfg, .. } =
        setup("gw-bad-http", |_| demo_site(), "limits: (http_max_body_bytes: 65536, http_token_burst: 100.0)");
    let gw = Gateway::start(&data, &cfg);
    let dev = token(&data, &["--site", DEMO_SITE]);
    let c = client();
    let url = gw.url("/api/v1/readings");

    let (s, r) = post(&c, &url, None, line("TC1-LOAD", "2026-12-01T08:00:00+08:00", 10.0));
    assert_eq!(s, 401, "{r}");
    let (s, _) = post(&c, &url, Some("st_not-a-token"), line("TC1-LOAD", "2026-12-01T08:00:00+08:00", 10.0));
    assert_eq!(s, 401);

    let future = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let body = [
        "{not json\n".to_string(),
        line("NO-SUCH-SENSOR", "2026-12-01T08:00:00+08:00", 1.0),
        "{\"sensor\": \"TC1-LOAD\", \"time\": \"2026-12-01T08:00:00+08:00\", \"value\": \"NaN\"}\n".to_string(),
        line("TC1-LOAD", &future, 10.0),
        "{\"sensor\": \"TC1-LOAD\", \"time\": \"yesterday\", \"value\": 1}\n".to_string(),
        line("TC1-LOAD", "2026-12-01T08:00:01+08:00", 12.5),
    ]
    .concat();
    let (s, r) = post(&c, &url, Some(&dev), body);
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["accepted"], 1, "only the good line: {r}");
    let fields: Vec<(u64, &str)> = r["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["line"].as_u64().unwrap(), x["field"].as_str().unwrap()))
        .collect();
    // Lines: 1 not JSON; 2 unknown sensor; 3 NaN; 4 in the future; 5 a time that is not one.
    assert_eq!(fields.len(), 5, "{r}");
    assert_eq!(fields[0].0, 1);
    assert!(fields.contains(&(2, "sensor")), "{r}");
    assert!(fields.contains(&(3, "value")), "{r}");
    assert!(fields.contains(&(4, "time")), "{r}");
    assert!(fields.contains(&(5, "time")), "{r}");

    // Nothing good at all: 422, with the reasons.
    let (s, r) = post(&c, &url, Some(&dev), "garbage\n");
    assert_eq!(s, 422, "{r}");
    // Not UTF-8, empty, oversize.
    let (s, r) = post(&c, &url, Some(&dev), vec![0xff, 0xfe, 0x00]);
    assert_eq!(s, 400, "{r}");
    assert_eq!(r["field"], "body");
    let (s, _) = post(&c, &url, Some(&dev), "");
    assert_eq!(s, 400);
    let big = line("TC1-LOAD", "2026-12-01T08:00:00+08:00", 1.0).repeat(2000);
    let (s, _) = post(&c, &url, Some(&dev), big);
    assert_eq!(s, 413);
    // More readings in one request than the token may ever send at once: 413, not a 429 that
    // could never succeed.
    let many: String =
        (0..150).map(|k| line("TC1-LOAD", &format!("2026-12-01T07:{:02}:{:02}+08:00", k / 60, k % 60), 1.0)).collect();
    let (s, r) = post(&c, &url, Some(&dev), many);
    assert_eq!((s, r["field"].as_str()), (413, Some("body")), "{r}");

    // Still serving, and what was accepted is there.
    let (s, r) = post(&c, &url, Some(&dev), line("TC1-LOAD", "2026-12-01T08:00:02+08:00", 13.0));
    assert_eq!((s, r["accepted"].as_u64()), (200, Some(1)), "{r}");
    let op = token(&data, &["--site", DEMO_SITE, "--role", "viewer"]);
    let (_, rows) = get(
        &c,
        &gw.url(&format!(
            "/api/v1/sites/{DEMO_SITE}/sensors/TC1-LOAD/readings?from=2026-12-01T00:00:00Z&to=2026-12-01T01:00:00Z"
        )),
        &op,
    );
    assert_eq!(rows.as_array().unwrap().len(), 2, "{rows}");
    let (s, r) = get(&c, &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/sensors/TC1-LOAD/readings?from=yesterday")), &op);
    assert_eq!((s, r["field"].as_str()), (400, Some("from")), "{r}");
}

#[test]
fn a_token_reaches_only_its_site_and_sensors() {
    let rugao = repo().join("scenes/rugao-warehouse.ron");
    let Setup { data, cfg, .. } = setup("gw-tokens", |_| format!("{}, (scene: {rugao:?})", demo_site()), "");
    let gw = Gateway::start(&data, &cfg);
    let c = client();
    let other = "3206822026081901".to_string();
    let dev_a = token(&data, &["--site", DEMO_SITE]);
    let only_load = token(&data, &["--site", DEMO_SITE, "--sensor", "TC1-LOAD"]);
    let op_a = token(&data, &["--site", DEMO_SITE, "--role", "operator"]);
    let bureau = token(&data, &["--role", "bureau"]);

    // A device of site A pushing to site B.
    let (s, _) = post(
        &c,
        &gw.url(&format!("/api/v1/sites/{other}/readings")),
        Some(&dev_a),
        line("X", "2026-12-01T08:00:00Z", 1.0),
    );
    assert_eq!(s, 403);
    // A sensor-restricted token pushing another sensor of its site.
    let body =
        line("TC1-LOAD", "2026-12-01T08:00:00+08:00", 20.0) + &line("TC1-WIND", "2026-12-01T08:00:00+08:00", 3.0);
    let (s, r) = post(&c, &gw.url("/api/v1/readings"), Some(&only_load), body);
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["accepted"], 1);
    assert_eq!(r["refused"][0]["field"], "sensor");
    // Devices do not read; operators of A neither read nor change B.
    let (s, _) = get(&c, &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/alarms")), &dev_a);
    assert_eq!(s, 403);
    let (s, _) = get(&c, &gw.url(&format!("/api/v1/sites/{other}/status")), &op_a);
    assert_eq!(s, 403);
    let stop = r#"{"action": "stop", "reason": {"Abnormal": {"cause": "欠薪"}}, "by": "op"}"#;
    let (s, _) = post(&c, &gw.url(&format!("/api/v1/sites/{other}/status")), Some(&op_a), stop);
    assert_eq!(s, 403);
    let (s, _) = post(&c, &gw.url(&format!("/api/v1/sites/{other}/status")), None, stop);
    assert_eq!(s, 401);
    // The bureau reaches both; an operator sees only its own site in the list.
    let (s, list) = get(&c, &gw.url("/api/v1/sites"), &bureau);
    assert_eq!((s, list.as_array().unwrap().len()), (200, 2));
    let (_, list) = get(&c, &gw.url("/api/v1/sites"), &op_a);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (s, _) = get(&c, &gw.url(&format!("/api/v1/sites/{other}/status")), &bureau);
    assert_eq!(s, 200);
    // A revoked token stops working, and its open live streams end.
    let viewer = token(&data, &["--site", DEMO_SITE, "--role", "viewer"]);
    let stream = {
        let (url, viewer) = (gw.url(&format!("/api/v1/sites/{DEMO_SITE}/events")), viewer.clone());
        std::thread::spawn(move || {
            let c = Client::builder().timeout(Duration::from_secs(40)).build().unwrap();
            c.get(url).bearer_auth(viewer).send().unwrap().text().unwrap_or_default()
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    for t in [&dev_a, &viewer] {
        let out = sitetwin().args(["gateway", "revoke"]).args(store_args(&data)).arg(t).output().unwrap();
        assert!(out.status.success());
    }
    assert!(stream.join().unwrap().contains("event: revoked"), "the stream ends with `revoked`");
    std::thread::sleep(Duration::from_secs(1));
    let (s, _) =
        post(&c, &gw.url("/api/v1/readings"), Some(&dev_a), line("TC1-LOAD", "2026-12-01T08:01:00+08:00", 20.0));
    assert_eq!(s, 401);
    // A token for a sensor the site lacks is not made.
    let out = sitetwin()
        .args(["gateway", "token"])
        .args(store_args(&data))
        .args(["--site", DEMO_SITE, "--sensor", "NOPE"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOPE"));
}

/// The §5.7 example station of the standards doc, added to the demo site's registry.
fn doc_station_site(dir: &Path) -> String {
    let devices = dir.join("devices.ron");
    std::fs::write(
        &devices,
        r#"[
            (mn: "JS320602DM000101", password: Some("123456")),
            (mn: "JS320100TEST0001", password: Some("123456"), codes: {
                "a34001": "DM1-TSP", "a34002": "DM1-PM10", "a34004": "DM1-PM25", "LA": "DM1-NOISE",
                "a01007": "DM1-WS", "a01008": "DM1-WD",
            }),
        ]"#,
    )
    .unwrap();
    format!("(scene: {:?}, devices: Some({devices:?}))", repo().join("scenes/demo.ron"))
}

/// The standards doc's §5.7 packets.
const DOC_2011: &str = "##0333QN=20240315093000123;ST=39;CN=2011;PW=123456;MN=JS320100TEST0001;Flag=5;CP=&&DataTime=20240315093000;a34001-Rtd=152.0,a34001-Flag=N;a34002-Rtd=86.0,a34002-Flag=N;a34004-Rtd=41.0,a34004-Flag=N;LA-Rtd=62.3,LA-Flag=N;a01007-Rtd=3.2,a01007-Flag=N;a01008-Rtd=135,a01008-Flag=N;a01001-Rtd=14.6,a01001-Flag=N;a01002-Rtd=58.0,a01002-Flag=N&&8201\r\n";
const DOC_9014: &str = "##0079QN=20240315093000123;ST=91;CN=9014;PW=123456;MN=JS320100TEST0001;Flag=4;CP=&&&&9D41\r\n";
const DOC_2051: &str = "##0272QN=20240315094000456;ST=39;CN=2051;PW=123456;MN=JS320100TEST0001;Flag=5;CP=&&DataTime=20240315093000;a34002-Min=71.0,a34002-Avg=84.5,a34002-Max=97.0,a34002-Flag=N;a34004-Min=35.0,a34004-Avg=40.2,a34004-Max=44.0,a34004-Flag=N;LA-Min=55.1,LA-Avg=61.8,LA-Max=73.4,LA-Flag=N&&C5C1\r\n";

/// Reads one CR LF-terminated reply, or `None` if none comes within `wait`.
fn reply(s: &mut TcpStream, wait: Duration) -> Option<String> {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    while !out.ends_with(b"\r\n") {
        match s.read(&mut b) {
            Ok(1) => out.push(b[0]),
            _ => return None,
        }
    }
    Some(String::from_utf8(out).unwrap())
}

#[test]
fn hj212_packets_of_the_standards_doc_are_stored_and_answered() {
    let Setup { data, cfg, .. } = setup("gw-hj212", doc_station_site, "");
    let gw = Gateway::start(&data, &cfg);
    let viewer = token(&data, &["--site", DEMO_SITE, "--role", "viewer"]);
    let c = client();
    let mut s = TcpStream::connect(gw.hj212).unwrap();

    // The real-time packet: stored, then answered with exactly the doc's 9014.
    s.write_all(DOC_2011.as_bytes()).unwrap();
    assert_eq!(reply(&mut s, Duration::from_secs(10)).as_deref(), Some(DOC_9014));
    let at = "from=2024-03-15T01:30:00Z&to=2024-03-15T01:30:00Z";
    for (sensor, value) in [("DM1-PM10", 86.0), ("DM1-PM25", 41.0), ("DM1-TSP", 152.0), ("DM1-NOISE", 62.3)] {
        let (_, rows) = get(&c, &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/sensors/{sensor}/readings?{at}")), &viewer);
        assert_eq!(rows[0]["value"], value, "{sensor}: {rows}");
        assert_eq!(rows[0]["source"], "hj212");
        assert_eq!(rows[0]["flag"], "N");
    }

    // HJ 212-2025 framing (Flag version 8, unconfirmed in the standards doc): read the same way
    // and answered in kind.
    let seg_2025 = "QN=20240315093100123;ST=39;CN=2011;PW=123456;MN=JS320100TEST0001;Flag=9;CP=&&DataTime=20240315093100;a34002-Rtd=90.0,a34002-Flag=N&&";
    s.write_all(framed(seg_2025).as_bytes()).unwrap();
    let r = reply(&mut s, Duration::from_secs(10)).expect("a 2025 packet is answered");
    assert!(r.contains("CN=9014") && r.contains("Flag=8;"), "{r}");
    let q = "from=2024-03-15T01:31:00Z&to=2024-03-15T01:31:00Z";
    let (_, rows) = get(&c, &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/sensors/DM1-PM10/readings?{q}")), &viewer);
    assert_eq!(rows[0]["value"], 90.0, "{rows}");

    // A broken CRC: 9011 QnRtn=9 and nothing stored; a lying length: no answer at all.
    let bad_crc = DOC_2051.replace("C5C1", "C5C2");
    s.write_all(bad_crc.as_bytes()).unwrap();
    let r = reply(&mut s, Duration::from_secs(10)).expect("a CRC error is answered");
    assert!(r.contains("CN=9011") && r.contains("QnRtn=9"), "{r}");
    let lying = DOC_2051.replacen("##0272", "##0270", 1);
    s.write_all(lying.as_bytes()).unwrap();
    assert_eq!(reply(&mut s, Duration::from_millis(500)), None);
    // Garbage, then a wrong password, then an unknown MN: the connection keeps working.
    s.write_all(b"\x00\x01GET / HTTP/1.1\r\n\r\n").unwrap();
    let seg_pw = "QN=20240315094000456;ST=39;CN=2051;PW=999999;MN=JS320100TEST0001;Flag=5;CP=&&DataTime=20240315094000;a34002-Avg=84.5,a34002-Flag=N&&";
    s.write_all(framed(seg_pw).as_bytes()).unwrap();
    let r = reply(&mut s, Duration::from_secs(10)).expect("a wrong PW is answered");
    assert!(r.contains("QnRtn=3"), "{r}");
    let seg_mn = seg_pw.replace("PW=999999;MN=JS320100TEST0001", "PW=123456;MN=JS999999NOBODY01");
    s.write_all(framed(&seg_mn).as_bytes()).unwrap();
    let r = reply(&mut s, Duration::from_secs(10)).expect("an unknown MN is answered");
    assert!(r.contains("QnRtn=4"), "{r}");
    // And the minute packet itself: its averages cover a minute whose real-time values are
    // stored, so they are not stored again as readings; it is still answered, so the station does
    // not resend.
    s.write_all(DOC_2051.as_bytes()).unwrap();
    let r = reply(&mut s, Duration::from_secs(10)).expect("answered");
    assert!(r.contains("CN=9014"), "{r}");
    let (_, rows) = get(&c, &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/sensors/DM1-PM10/readings?{at}")), &viewer);
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["value"], 86.0);
    // A minute no real-time value reached: its average is the station's reading of it.
    let seg_avg = "QN=20240315094100456;ST=39;CN=2051;PW=123456;MN=JS320100TEST0001;Flag=5;CP=&&DataTime=20240315094000;a34002-Min=70.0,a34002-Avg=77.0,a34002-Max=81.0,a34002-Flag=N&&";
    s.write_all(framed(seg_avg).as_bytes()).unwrap();
    assert!(reply(&mut s, Duration::from_secs(10)).is_some_and(|r| r.contains("CN=9014")));
    let q = "from=2024-03-15T01:40:00Z&to=2024-03-15T01:40:00Z";
    let (_, rows) = get(&c, &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/sensors/DM1-PM10/readings?{q}")), &viewer);
    assert_eq!(rows[0]["value"], 77.0, "{rows}");
    // Each cause is logged, once per sender.
    std::thread::sleep(Duration::from_millis(300));
    let log = gw.log();
    assert!(log.contains("refused (PwWrong)") && log.contains("unknown MN"), "{log}");
    assert_eq!(log.matches("unknown MN").count(), 1, "{log}");
}

/// A segment framed with its length and the standard's CRC.
fn framed(segment: &str) -> String {
    format!("##{:04}{segment}{:04X}\r\n", segment.len(), sitetwin_core::hj212::crc16(segment.as_bytes()))
}

#[test]
fn hj212_abuse_never_takes_the_gateway_down() {
    let limits = "limits: (hj212_max_connections: 40, hj212_idle_timeout_s: 1.0, hj212_frame_timeout_s: 1.0, \
                  hj212_device_rate_per_s: 0.2, hj212_device_burst: 3.0, hj212_max_segment: 512)";
    let Setup { data, cfg, .. } = setup("gw-abuse", doc_station_site, limits);
    let gw = Gateway::start(&data, &cfg);

    // Hogs: 500 connections that send nothing (40 are let in, the rest closed at once).
    let hogs: Vec<TcpStream> = (0..500).filter_map(|_| TcpStream::connect(gw.hj212).ok()).collect();
    assert!(hogs.len() >= 400, "only {} connections could be opened", hogs.len());
    // A byte a second (of a packet, and of garbage), an oversize frame.
    let mut slow = TcpStream::connect(gw.hj212).unwrap();
    let mut trickle = TcpStream::connect(gw.hj212).unwrap();
    let mut big = TcpStream::connect(gw.hj212).unwrap();
    let _ = big.write_all(format!("##0999{}", "x".repeat(1200)).as_bytes());
    for b in DOC_2011.as_bytes().iter().take(3) {
        let _ = slow.write_all(&[*b]);
        let _ = trickle.write_all(b"x");
        std::thread::sleep(Duration::from_millis(600));
    }
    // The idle and slow ones are cut off after a second: a good station gets in and is answered.
    std::thread::sleep(Duration::from_millis(1500));
    let mut good = TcpStream::connect(gw.hj212).unwrap();
    let seg = |sec: u32| {
        format!(
            "QN=202403150930{sec:02}123;ST=39;CN=2011;PW=123456;MN=JS320100TEST0001;Flag=5;CP=&&DataTime=202403150930{sec:02};a34002-Rtd=80.0,a34002-Flag=N&&"
        )
    };
    good.write_all(framed(&seg(1)).as_bytes()).unwrap();
    assert!(reply(&mut good, Duration::from_secs(10)).is_some_and(|r| r.contains("CN=9014")));
    assert!(slow.read(&mut [0u8; 16]).map(|n| n == 0).unwrap_or(true), "the slow sender is closed");
    let _ = trickle.write_all(b"x");
    trickle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert!(trickle.read(&mut [0u8; 16]).map(|n| n == 0).unwrap_or(true), "the garbage trickler is closed");
    // A flood from one device: the burst is answered, the rest is not (the station resends later).
    for sec in 2..12 {
        good.write_all(framed(&seg(sec)).as_bytes()).unwrap();
    }
    let mut answered = 0;
    while reply(&mut good, Duration::from_millis(700)).is_some() {
        answered += 1;
    }
    assert!((2..=4).contains(&answered), "answered {answered} of a flood of 10");
    drop(hogs);
    let c = client();
    let (s, _) = get(&c, &gw.url("/healthz"), "");
    assert_eq!(s, 200);
    let log = gw.log();
    assert!(log.contains("connection limit"), "{log}");
    assert!(log.contains("packet rate over the limit"), "{log}");
    assert_eq!(log.matches("packet rate over the limit").count(), 1, "logged once: {log}");
}

#[test]
fn sigkill_loses_no_acknowledged_reading() {
    // No replay: after the restart the rules know nothing, and resends are found in the store.
    let Setup { data, cfg, .. } = setup("gw-kill", |_| demo_site(), "replay_h: 0.0");
    let gw = Gateway::start(&data, &cfg);
    let dev = token(&data, &["--site", DEMO_SITE]);
    let viewer = token(&data, &["--site", DEMO_SITE, "--role", "viewer"]);
    let url = gw.url("/api/v1/readings");
    let base = chrono::DateTime::parse_from_rfc3339("2026-11-30T00:00:00Z").unwrap().to_utc();
    let (tx, rx) = mpsc::channel::<usize>();
    // Four senders in parallel; each batch is 50 readings of its own sensors, a second apart.
    let senders: Vec<_> = ["TC1-LOAD", "TC1-WIND", "TC2-LOAD", "HS1-LOAD"]
        .into_iter()
        .map(|sensor| {
            let (url, dev, tx) = (url.clone(), dev.clone(), tx.clone());
            std::thread::spawn(move || {
                let c = client();
                let mut acked = 0usize;
                for b in 0.. {
                    let body: String = (0..50)
                        .map(|k| line(sensor, &(base + chrono::Duration::seconds(b * 50 + k)).to_rfc3339(), 10.0))
                        .collect();
                    match c.post(&url).bearer_auth(&dev).body(body).send() {
                        Ok(r) if r.status().is_success() => {
                            let v: Value = r.json().unwrap();
                            assert_eq!(v["accepted"], 50, "{v}");
                            acked += 50;
                            let _ = tx.send(acked);
                        }
                        _ => return (sensor, acked),
                    }
                }
                (sensor, acked)
            })
        })
        .collect();
    drop(tx);
    // Kill it mid-stream, once some thousands are acknowledged.
    let mut total = 0;
    while total < 4 * 1500 {
        rx.recv_timeout(Duration::from_secs(60)).unwrap();
        total += 50;
    }
    let mut gw = gw;
    gw.child.kill().unwrap();
    gw.child.wait().unwrap();
    let acked: Vec<(&str, usize)> = senders.into_iter().map(|h| h.join().unwrap()).collect();
    drop(gw);

    let gw = Gateway::start(&data, &cfg);
    let c = client();
    for (sensor, n) in acked {
        let to = (base + chrono::Duration::days(1)).to_rfc3339();
        let q = format!(
            "/api/v1/sites/{DEMO_SITE}/sensors/{sensor}/readings?from=2026-11-30T00:00:00Z&to={}",
            to.replace('+', "%2B")
        );
        let (s, rows) = get(&c, &gw.url(&q), &viewer);
        assert_eq!(s, 200, "{rows}");
        let rows = rows.as_array().unwrap();
        // Every acknowledged reading is there (the batch in flight at the kill may be too).
        assert!(rows.len() >= n && rows.len() <= n + 50, "{sensor}: {} stored, {n} acknowledged", rows.len());
        for (k, r) in rows.iter().enumerate().take(n) {
            let t = chrono::DateTime::parse_from_rfc3339(r["time"].as_str().unwrap()).unwrap().to_utc();
            assert_eq!(t, base + chrono::Duration::seconds(k as i64), "{sensor}: reading {k}");
        }
        // A client resending its first batch (it never knows which answer it lost) stores nothing twice.
        let body: String =
            (0..50).map(|k| line(sensor, &(base + chrono::Duration::seconds(k)).to_rfc3339(), 10.0)).collect();
        let (s, r) = post(&c, &gw.url("/api/v1/readings"), Some(&dev), body);
        assert_eq!((s, r["accepted"].as_u64(), r["duplicates"].as_u64()), (200, Some(0), Some(50)), "{r}");
    }
}

/// Reads server-sent events `(id, event, data)` from a stream until `n` arrived or `wait` passed;
/// `stale` events (the clock noticing silent sensors, which the test's past timestamps make
/// likely) are left out.
fn sse(url: &str, token: &str, last_id: Option<i64>, n: usize, wait: Duration) -> Vec<(i64, String, Value)> {
    let c = Client::builder().timeout(wait).build().unwrap();
    let mut r = c.get(url).bearer_auth(token);
    if let Some(id) = last_id {
        r = r.header("Last-Event-ID", id.to_string());
    }
    let resp = r.send().unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let mut out = Vec::new();
    let (mut id, mut event, mut data) = (None, String::new(), String::new());
    for l in BufReader::new(resp).lines() {
        let Ok(l) = l else { break };
        if l.is_empty() {
            if let Some(i) = id.take()
                && event != "stale"
            {
                out.push((i, std::mem::take(&mut event), serde_json::from_str(&data).unwrap()));
                if out.len() >= n {
                    break;
                }
            }
            data.clear();
            event.clear();
        } else if let Some(v) = l.strip_prefix("id:") {
            id = Some(v.trim().parse().unwrap());
        } else if let Some(v) = l.strip_prefix("event:") {
            event = v.trim().to_string();
        } else if let Some(v) = l.strip_prefix("data:") {
            data.push_str(v.trim_start());
        }
    }
    out
}

#[test]
fn the_live_stream_shows_readings_alarms_and_resumes_where_it_left() {
    let Setup { data, cfg, .. } = setup("gw-sse", |_| demo_site(), "");
    let gw = Gateway::start(&data, &cfg);
    let (dev, op) = demo_tokens(&data);
    let c = client();
    let events = gw.url(&format!("/api/v1/sites/{DEMO_SITE}/events"));

    let listener = {
        let (events, op) = (events.clone(), op.clone());
        std::thread::spawn(move || sse(&events, &op, None, 4, Duration::from_secs(20)))
    };
    std::thread::sleep(Duration::from_millis(500));
    // Readings of a minute ago: the alarm stays within its 15 minutes to be acknowledged, so no
    // tick escalates it while the operator works it (a fixed date would be overdue at once).
    let now = chrono::Utc::now();
    let at = |ago_s: i64| (now - chrono::Duration::seconds(ago_s)).to_rfc3339();
    // A normal load, then an overload: readings, a level change and a raised alarm.
    let body = line("TC1-LOAD", &at(60), 40.0) + &line("TC1-LOAD", &at(52), 105.0);
    let (s, r) = post(&c, &gw.url("/api/v1/readings"), Some(&dev), body);
    assert_eq!(s, 200, "{r}");
    let got = listener.join().unwrap();
    let kinds: Vec<&str> = got.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["reading", "reading", "level", "alarm"], "{got:?}");
    assert_eq!(got[1].2["value"], 105.0);
    assert_eq!(got[2].2["type"], "AlarmRaised");
    assert_eq!(got[3].2["action"], "raised");
    let alarm_id = got[3].2["alarm"]["id"].as_u64().unwrap();
    let last = got[3].0;

    // While nobody listens: the operator works the alarm, the load comes back down.
    let alarm = gw.url(&format!("/api/v1/sites/{DEMO_SITE}/alarms/{alarm_id}"));
    let (s, r) = post(&c, &alarm, Some(&op), r#"{"action": "close", "who": "王工", "note": "x"}"#);
    assert_eq!(s, 409, "not acknowledged yet: {r}");
    let (s, _) = post(&c, &alarm, Some(&op), r#"{"action": "acknowledge", "who": "王工"}"#);
    assert_eq!(s, 200);
    let (s, _) = post(&c, &alarm, Some(&op), r#"{"action": "dispatch", "who": "王工", "to": "李师傅"}"#);
    assert_eq!(s, 200);
    let (s, r) = post(&c, &alarm, Some(&op), r#"{"action": "close", "who": "李师傅", "note": "卸载"}"#);
    assert_eq!(s, 409, "the overload is still measured: {r}");
    let (s, _) = post(&c, &gw.url("/api/v1/readings"), Some(&dev), line("TC1-LOAD", &at(44), 30.0));
    assert_eq!(s, 200);
    let (s, r) = post(&c, &alarm, Some(&op), r#"{"action": "close", "who": "李师傅", "note": "卸载，限位器已检"}"#);
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["status"], "Closed");
    let who: Vec<&str> = r["audit"].as_array().unwrap().iter().map(|e| e["who"].as_str().unwrap()).collect();
    assert_eq!(who, ["system", "王工", "王工", "system", "李师傅"]);
    // Closed is final (the book forgets it; the store answers for it).
    let (s, r) = post(&c, &alarm, Some(&op), r#"{"action": "acknowledge", "who": "王工"}"#);
    assert_eq!(s, 409, "{r}");
    assert!(r["error"].as_str().unwrap().contains("Closed"), "{r}");
    let (s, _) = post(
        &c,
        &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/alarms/424242")),
        Some(&op),
        r#"{"action": "acknowledge", "who": "王工"}"#,
    );
    assert_eq!(s, 404);
    let (s, r) = post(&c, &alarm, Some(&op), r#"{"action": "bogus"}"#);
    assert_eq!((s, r["field"].as_str()), (400, Some("body")));

    // Resuming from the last id seen gives exactly what was missed, in order.
    let missed = sse(&events, &op, Some(last), 6, Duration::from_secs(5));
    let kinds: Vec<&str> = missed.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["alarm", "alarm", "reading", "level", "alarm", "alarm"], "{missed:?}");
    assert!(missed.windows(2).all(|w| w[0].0 < w[1].0) && missed[0].0 > last);
    let actions: Vec<&str> = missed.iter().filter_map(|(_, _, d)| d["action"].as_str()).collect();
    assert_eq!(actions, ["acknowledged", "dispatched", "cleared", "closed"]);

    // An id from a store that is not this one: the stream says so and goes on from now.
    let resp = Client::new().get(&events).bearer_auth(&op).header("Last-Event-ID", "999999").send().unwrap();
    let mut first = String::new();
    for l in BufReader::new(resp).lines().map_while(Result::ok) {
        if l.is_empty() {
            break;
        }
        first.push_str(&l);
        first.push('\n');
    }
    assert!(first.contains("event: reset") && first.contains("\"resume_after\":999999"), "{first}");

    // Status changes go the same way, and everything survives a restart.
    let st = gw.url(&format!("/api/v1/sites/{DEMO_SITE}/status"));
    let (s, r) = post(
        &c,
        &st,
        Some(&op),
        r#"{"action": "stop", "reason": {"Abnormal": {"cause": "资金不足"}}, "by": "住建局", "at": "2026-11-01"}"#,
    );
    assert_eq!(s, 200, "{r}");
    let (s, r) = post(&c, &st, Some(&op), r#"{"action": "approve_resumption", "by": "住建局", "at": "2026-11-02"}"#);
    assert_eq!(s, 409, "no application yet: {r}");
    let (s, _) = post(&c, &st, Some(&op), r#"{"action": "request_resumption", "by": "项目部", "at": "2026-11-20"}"#);
    assert_eq!(s, 200);
    drop(gw);
    let gw = Gateway::start(&data, &cfg);
    let st = gw.url(&format!("/api/v1/sites/{DEMO_SITE}/status"));
    let (s, r) = get(&c, &st, &op);
    assert_eq!(s, 200);
    assert_eq!(r["state"]["status"], "ResumptionReview", "{r}");
    assert_eq!(r["state"]["history"].as_array().unwrap().len(), 2);
    let (_, alarms) = get(&c, &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/alarms/{alarm_id}")), &op);
    assert_eq!(alarms["status"], "Closed");
}

/// Mosquitto on a free loopback port, with a throwaway persistence folder.
struct Mosquitto {
    child: Child,
    port: u16,
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mosquitto(dir: &Path) -> Mosquitto {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let conf = dir.join("mosquitto.conf");
    std::fs::write(&conf, format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")).unwrap();
    let child = Command::new("mosquitto")
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto (Debian package `mosquitto`; scripts/test.sh installs it)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "mosquitto did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Mosquitto { child, port }
}

fn publish(port: u16, topic: &str, message: &str) {
    let out = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-q", "1", "-t", topic, "-m", message])
        .output()
        .expect("mosquitto_pub (Debian package `mosquitto-clients`)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn mqtt_readings_arrive_through_a_real_broker_and_wait_there_while_the_gateway_is_down() {
    let Setup { dir, data, cfg } = setup("gw-mqtt", |_| demo_site(), "");
    let broker = mosquitto(&dir);
    let mqtt = format!("127.0.0.1:{}", broker.port);
    let gw = Gateway::start_with(&data, &cfg, &["--mqtt", &mqtt]);
    let viewer = token(&data, &["--site", DEMO_SITE, "--role", "viewer"]);
    let c = client();
    let topic = format!("sitetwin/{DEMO_SITE}/readings");
    let history = |gw: &Gateway| {
        let q = format!(
            "/api/v1/sites/{DEMO_SITE}/sensors/TC1-LOAD/readings?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z"
        );
        get(&c, &gw.url(&q), &viewer).1.as_array().unwrap().len()
    };
    let wait_for = |gw: &Gateway, n: usize| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while history(gw) < n {
            assert!(Instant::now() < deadline, "only {} of {n} readings arrived; log:\n{}", history(gw), gw.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    // The subscription is made once connected.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !gw.log().contains("mqtt: connected") {
        assert!(Instant::now() < deadline, "{}", gw.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    let two =
        line("TC1-LOAD", "2026-12-01T10:00:00+08:00", 20.0) + &line("TC1-LOAD", "2026-12-01T10:00:08+08:00", 21.0);
    publish(broker.port, &topic, &two);
    wait_for(&gw, 2);
    // Down: the broker keeps the gateway's QoS 1 messages for its persistent session.
    drop(gw);
    publish(broker.port, &topic, &line("TC1-LOAD", "2026-12-01T10:00:16+08:00", 22.0));
    let gw = Gateway::start_with(&data, &cfg, &["--mqtt", &mqtt]);
    wait_for(&gw, 3);
    // A message for no site, or not readings, does not stop the others.
    publish(broker.port, "sitetwin/NO-SITE/readings", &line("TC1-LOAD", "2026-12-01T10:00:20+08:00", 1.0));
    publish(broker.port, &topic, "not json");
    publish(broker.port, &topic, &line("TC1-LOAD", "2026-12-01T10:00:24+08:00", 23.0));
    wait_for(&gw, 4);
}

#[test]
fn sigterm_stops_cleanly_and_unacknowledged_alarms_escalate() {
    // Alarms escalate after 0.6 s unacknowledged (the rules' acknowledge_within_min).
    let with_rules = |dir: &Path| {
        let rules = dir.join("rules.ron");
        std::fs::write(&rules, "Rules(general: (acknowledge_within_min: 0.01))").unwrap();
        format!("(scene: {:?}, rules: Some({rules:?}))", repo().join("scenes/demo.ron"))
    };
    let Setup { data, cfg, .. } = setup("gw-term", with_rules, "");
    let mut gw = Gateway::start(&data, &cfg);
    let (dev, op) = demo_tokens(&data);
    let c = client();
    let (s, _) =
        post(&c, &gw.url("/api/v1/readings"), Some(&dev), line("TC1-LOAD", "2026-12-01T09:00:00+08:00", 105.0));
    assert_eq!(s, 200);
    std::thread::sleep(Duration::from_millis(1500));
    let (_, alarms) = get(&c, &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/alarms?open=true")), &op);
    let a = &alarms[0];
    assert!(a["escalations"].as_u64().unwrap() >= 1, "{a}");
    assert!(a["audit"].as_array().unwrap().iter().any(|e| e["action"].get("Escalated").is_some()), "{a}");

    // SIGTERM: the gateway says it stops, commits and exits 0.
    let pid = gw.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = gw.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM: {}", gw.log());
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}: {}", gw.log());
    std::thread::sleep(Duration::from_millis(200));
    assert!(gw.log().contains("stopped"), "{}", gw.log());
    drop(gw);
    let gw = Gateway::start(&data, &cfg);
    let (_, alarms) = get(&c, &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/alarms?open=true")), &op);
    assert_eq!(alarms.as_array().unwrap().len(), 1, "{alarms}");
}

/// Runs the headless twin's frames until `done` holds (or panics after `secs`, saying `what`).
fn frames_until(
    app: &mut bevy::prelude::App,
    secs: u64,
    what: &str,
    mut done: impl FnMut(&mut bevy::prelude::App) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        app.update();
        if done(app) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("{what}: not within {secs} s");
}

#[test]
fn the_twin_follows_a_gateway_live_and_catches_up_after_it_restarts() {
    use bevy::prelude::*;
    use sitetwin::findings::{FindingAsked, FindingStep, Keeper, SiteFindings};
    use sitetwin::site::{SensorLive, SiteIndex, SiteRequest};
    use sitetwin::source::gateway::GatewaySource;
    use sitetwin::source::{DataSource, Health, SourceHealth};
    use sitetwin::telemetry::{AlarmActionRequested, AlarmStep, SiteAlarms};
    use sitetwin_core::findings::State as ItemState;
    use sitetwin_core::rules::Level;
    use sitetwin_core::rules::alarm::AlarmStatus;

    let Setup { dir, data, cfg } = setup("gw-twin", |_| demo_site(), "");
    let (device, _) = demo_tokens(&data);
    let viewer = token(&data, &["--site", DEMO_SITE, "--role", "operator"]);
    let recording = dir.join("gw-twin.jsonl");
    let gw = Gateway::start(&data, &cfg);
    let c = client();
    let at = |ago_s: i64| (chrono::Utc::now() - chrono::Duration::seconds(ago_s)).to_rfc3339();
    // History from before the twin opened.
    let body: String = (0..5).map(|i| line("TC1-LOAD", &at(600 - i * 60), 20.0 + i as f64)).collect();
    assert_eq!(post(&c, &gw.url("/api/v1/readings"), Some(&device), body).0, 200);

    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(SiteRequest { path: repo().join("scenes/demo.ron"), generation: 1 })
        .insert_resource(DataSource::Gateway(GatewaySource { url: gw.http.clone(), token: viewer.clone() }))
        .insert_resource(sitetwin::source::RecordTo(recording.clone()))
        .add_plugins(sitetwin::SimulationPlugins);
    let latest = |app: &mut App, sensor: &str| {
        let e = app.world().resource::<SiteIndex>().sensor(sensor);
        e.and_then(|e| app.world().get::<SensorLive>(e)).and_then(|l| l.latest.as_ref().map(|r| (r.value, l.level)))
    };
    frames_until(&mut app, 60, "history reaches the twin", |app| {
        latest(app, "TC1-LOAD") == Some((24.0, Level::Normal))
    });
    assert_eq!(app.world().resource::<SourceHealth>().state, Health::Live);

    // A live overload: the marker's level and the gateway's alarm.
    assert_eq!(post(&c, &gw.url("/api/v1/readings"), Some(&device), line("TC1-LOAD", &at(1), 104.0)).0, 200);
    frames_until(&mut app, 30, "the overload reaches the twin", |app| {
        latest(app, "TC1-LOAD") == Some((104.0, Level::Alarm))
    });
    frames_until(&mut app, 30, "the gateway's alarm is listed", |app| {
        app.world().resource::<SiteAlarms>().open_for("TC1-LOAD").is_some()
    });
    let id = app.world().resource::<SiteAlarms>().open_for("TC1-LOAD").unwrap().id;
    assert!(app.world().resource::<SiteAlarms>().remote);
    app.world_mut().write_message(AlarmActionRequested { id, who: "张工".into(), step: AlarmStep::Acknowledge });
    frames_until(&mut app, 30, "the acknowledgement comes back from the gateway", |app| {
        app.world().resource::<SiteAlarms>().get(id).is_some_and(|a| a.status == AlarmStatus::Acknowledged)
    });
    let (_, listed) = get(&c, &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/alarms")), &viewer);
    assert!(listed.to_string().contains("Acknowledged"), "the gateway has it acknowledged: {listed}");

    // The alarm into the register: kept in the gateway's store, not in a file of the twin's.
    fn register(app: &App) -> &SiteFindings {
        app.world().resource::<SiteFindings>()
    }
    assert_eq!(register(&app).keeper, Keeper::Gateway(gw.http.clone()));
    app.world_mut().write_message(FindingAsked { by: "张工".into(), step: FindingStep::FromAlarm(id) });
    frames_until(&mut app, 30, "the gateway answers the raise", |app| register(app).register.len() == 1);
    let findings_url = gw.url(&format!("/api/v1/sites/{DEMO_SITE}/findings"));
    let (_, listed) = get(&c, &findings_url, &viewer);
    assert_eq!(listed["items"][0]["input"]["object"], "TC1", "{listed}");
    assert_eq!(listed["items"][0]["history"][0]["by"], "张工", "{listed}");
    let item = listed["items"][0]["id"].as_u64().unwrap();
    // Assigned at the gateway by someone else: the twin shows it live.
    let assign = serde_json::json!({"by": "李工", "action": "assign", "owner": "机械班"}).to_string();
    let (status, body) = post(&c, &format!("{findings_url}/{item}"), Some(&viewer), assign);
    assert_eq!(status, 200, "{body}");
    frames_until(&mut app, 30, "the assignment reaches the twin", |app| {
        register(app).register.get(item).is_some_and(|i| i.owner.as_deref() == Some("机械班"))
    });
    // Verifying what is not rectified: the gateway refuses, the twin says why, nothing changes.
    app.world_mut().write_message(FindingAsked { by: "张工".into(), step: FindingStep::Verify(item) });
    frames_until(
        &mut app,
        30,
        "the refusal comes back",
        |app| matches!(&register(app).said, Some(Err(e)) if e.contains("409")),
    );
    assert_eq!(register(&app).register.get(item).unwrap().state, ItemState::Open);

    // Kill it: the twin says so; bring it back on the same port: the twin catches up.
    let http = gw.http.trim_start_matches("http://").to_string();
    drop(gw);
    frames_until(&mut app, 60, "the twin shows the source unhealthy", |app| {
        matches!(app.world().resource::<SourceHealth>().state, Health::Connecting(Some(_)))
    });
    let gw = Gateway::start_with(&data, &cfg, &["--http", &http]);
    let body: String = [line("TC1-LOAD", &at(0), 30.0), line("DM1-PM10", &at(0), 55.0)].concat();
    assert_eq!(post(&c, &gw.url("/api/v1/readings"), Some(&device), body).0, 200);
    frames_until(&mut app, 90, "the twin reconnects and catches up", |app| {
        app.world().resource::<SourceHealth>().state == Health::Live
            && latest(app, "TC1-LOAD").is_some_and(|(v, _)| v == 30.0)
            && latest(app, "DM1-PM10").is_some_and(|(v, _)| v == 55.0)
    });
    let shown = app.world().resource::<SiteAlarms>().get(id).cloned().unwrap();
    assert!(shown.audit.windows(2).all(|w| w[0] != w[1]), "each step once in the trail: {:#?}", shown.audit);
    // The register came back with the reconnection, as the gateway's store kept it.
    let kept = register(&app).register.get(item).expect("the item survives the gateway's restart");
    assert_eq!((kept.owner.as_deref(), kept.state), (Some("机械班"), ItemState::Open));
    drop(app);

    // The flight recorder kept the gateway's alarms beside the readings: a replay lists the alarm
    // as the gateway had it, acknowledged, with its trail; before it was raised, nothing.
    let alarms_file = sitetwin::source::alarms_file(&recording);
    assert!(std::fs::read_to_string(&alarms_file).unwrap().contains("Acknowledged"));
    let mut replay = App::new();
    replay
        .add_plugins(MinimalPlugins)
        .insert_resource(SiteRequest { path: repo().join("scenes/demo.ron"), generation: 1 })
        .insert_resource(DataSource::Replay { file: recording.clone() })
        .insert_resource(sitetwin::source::PlayOptions { at_s: 1e9, speed: 1.0, paused: true })
        .add_plugins(sitetwin::SimulationPlugins);
    frames_until(&mut replay, 60, "the replay lists the gateway's alarm", |app| {
        app.world().resource::<SiteAlarms>().get(id).is_some()
    });
    let replayed = replay.world().resource::<SiteAlarms>();
    assert!(replayed.remote, "a recording of a gateway shows the gateway's alarms");
    assert_eq!(replayed.get(id), Some(&shown), "as the twin showed it live");
    assert_eq!(latest(&mut replay, "TC1-LOAD").map(|(v, _)| v), Some(30.0));
    let start = replay.world().resource::<SourceHealth>().period.unwrap().0;
    replay.world_mut().write_message(sitetwin::source::SeekRequested(start));
    replay.update();
    assert!(replay.world().resource::<SiteAlarms>().get(id).is_none(), "not raised yet at the start");
}

#[test]
fn a_live_twin_looks_back_through_what_it_received_and_returns_to_live() {
    use bevy::prelude::*;
    use sitetwin::site::{SensorLive, SiteIndex, SiteRequest};
    use sitetwin::source::gateway::GatewaySource;
    use sitetwin::source::{DataSource, SeekRequested, SourceHealth};
    use sitetwin::telemetry::TwinClock;
    use sitetwin_core::rules::Level;

    let Setup { dir, data, cfg } = setup("gw-timeline", |_| demo_site(), "");
    let recording = dir.join("timeline.jsonl");
    let recorded = || std::fs::read_to_string(&recording).unwrap_or_default().lines().count();
    let (device, _) = demo_tokens(&data);
    let viewer = token(&data, &["--site", DEMO_SITE, "--role", "viewer"]);
    let gw = Gateway::start(&data, &cfg);
    let c = client();
    let now = chrono::Utc::now();
    let at = |ago_s: i64| (now - chrono::Duration::seconds(ago_s)).to_rfc3339();
    // History: 20, 21, 22, 23, 24 % at 600, 540, 480, 420, 360 s ago.
    let body: String = (0..5).map(|i| line("TC1-LOAD", &at(600 - i * 60), 20.0 + i as f64)).collect();
    assert_eq!(post(&c, &gw.url("/api/v1/readings"), Some(&device), body).0, 200);

    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(SiteRequest { path: repo().join("scenes/demo.ron"), generation: 1 })
        .insert_resource(DataSource::Gateway(GatewaySource { url: gw.http.clone(), token: viewer }))
        .insert_resource(sitetwin::source::RecordTo(recording.clone()))
        .add_plugins(sitetwin::SimulationPlugins);
    let load = |app: &mut App| {
        let e = app.world().resource::<SiteIndex>().sensor("TC1-LOAD");
        e.and_then(|e| app.world().get::<SensorLive>(e)).cloned().unwrap_or_default()
    };
    let following = |app: &App| app.world().resource::<SourceHealth>().following;
    frames_until(&mut app, 60, "history reaches the twin", |app| load(app).latest.is_some_and(|l| l.value == 24.0));
    assert_eq!(following(&app), Some(true), "a gateway is followed live");
    assert_eq!(post(&c, &gw.url("/api/v1/readings"), Some(&device), line("TC1-LOAD", &at(1), 104.0)).0, 200);
    frames_until(&mut app, 30, "the live overload", |app| load(app).level == Level::Alarm);
    let live_then = load(&mut app);

    // Paused, and back to 450 s ago: the twin shows what it had then (20, 21, 22), the overload
    // not yet.
    app.world_mut().resource_mut::<TwinClock>().paused = true;
    let back = now - chrono::Duration::seconds(450);
    app.world_mut().write_message(SeekRequested(back));
    app.update();
    let then = load(&mut app);
    assert_eq!(then.history.iter().map(|(_, v)| *v).collect::<Vec<_>>(), [20.0, 21.0, 22.0]);
    assert_eq!(then.level, Level::Normal);
    assert_eq!(app.world().resource::<TwinClock>().now, Some(back));
    assert_eq!(following(&app), Some(false), "looking back");

    // A reading arrives meanwhile: it is received, not shown.
    let received = app.world().resource::<SourceHealth>().received;
    assert_eq!(post(&c, &gw.url("/api/v1/readings"), Some(&device), line("TC1-LOAD", &at(0), 50.0)).0, 200);
    frames_until(&mut app, 30, "the new reading is received", |app| {
        app.world().resource::<SourceHealth>().received > received
    });
    assert_eq!(load(&mut app), then, "the moment looked at stays as it was");
    assert_eq!(app.world().resource::<TwinClock>().now, Some(back), "and the clock stands");
    app.update();
    assert_eq!(recorded(), 7, "the recorder has what was received, shown yet or not");

    // Back to live: everything received, in the order it came, the new reading last.
    app.world_mut().resource_mut::<TwinClock>().paused = false;
    app.world_mut().write_message(SeekRequested(chrono::Utc::now()));
    app.update();
    assert_eq!(following(&app), Some(true));
    let live_now = load(&mut app);
    assert_eq!(
        live_now.history.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
        [20.0, 21.0, 22.0, 23.0, 24.0, 104.0, 50.0]
    );
    assert!(live_now.history.iter().take(6).eq(live_then.history.iter()), "the live part is what was shown live");
    assert_eq!(live_now.level, Level::Normal, "50 % is back below the load lines");
    app.update();
    assert_eq!(recorded(), 7, "and each reading once");
}

#[test]
fn simulate_acts_as_the_sites_devices_against_a_gateway() {
    let Setup { dir, data, cfg } = setup("gw-simulate", |_| demo_site(), "");
    let (device, operator) = demo_tokens(&data);
    let gw = Gateway::start(&data, &cfg);
    let out = dir.join("sim.jsonl");
    let run = sitetwin()
        .args(["simulate", "scenes/demo.ron", "--duration", "2h", "--seed", "5", "--out"])
        .arg(&out)
        .args(["--to", &gw.http, "--token", &device])
        .current_dir(repo())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let written = std::fs::read_to_string(&out).unwrap().lines().count();
    assert!(written > 1000, "two hours of the demo site: {written} readings");
    assert!(stderr.contains(&format!("gateway took {written} readings (0 duplicates, 0 refused)")), "{stderr}");
    let (code, latest) = get(&client(), &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/latest")), &operator);
    assert_eq!(code, 200);
    assert!(latest.to_string().contains("TC1-SLEW"), "{latest}");
}

#[test]
fn simulate_acts_as_the_sites_hj212_station() {
    let Setup { dir, data, cfg } = setup("gw-simulate-hj212", |_| demo_site(), "");
    let (_, operator) = demo_tokens(&data);
    let gw = Gateway::start(&data, &cfg);
    let out = dir.join("sim.jsonl");
    let run = sitetwin()
        .args(["simulate", "scenes/demo.ron", "--duration", "1h", "--seed", "2", "--out"])
        .arg(&out)
        .args(["--hj212", &gw.hj212.to_string()])
        .current_dir(repo())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    // One packet a minute for the hour, each answered 9014 after commit.
    assert!(stderr.contains("HJ 212: 60 packets"), "{stderr}");
    // The station's last values are the gateway's latest.
    let text = std::fs::read_to_string(&out).unwrap();
    let last = |sensor: &str| {
        let line = text.lines().rev().find(|l| l.contains(&format!("\"{sensor}\""))).unwrap();
        serde_json::from_str::<Value>(line).unwrap()["value"].as_f64().unwrap()
    };
    let (code, latest) = get(&client(), &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/latest")), &operator);
    assert_eq!(code, 200);
    for sensor in ["DM1-PM10", "DM1-NOISE", "DM1-WS"] {
        let row = latest["sensors"].as_array().unwrap().iter().find(|s| s["sensor"] == sensor).unwrap();
        assert_eq!(row["value"].as_f64(), Some(last(sensor)), "{sensor}: {row}");
    }
}

/// The bureau through a real gateway: the demo site's last day of the `stopped-pollution`
/// scenario is pushed to it (times moved to end now, the duty checks' sensors, one reading a
/// minute), and `bureau list --source` judges that site's duties from the gateway's readings
/// while the city's other sites stay simulated; a review goes into the gateway's store.
#[test]
fn the_bureau_judges_a_served_stopped_site_from_the_gateways_readings_and_records_reviews_there() {
    let Setup { dir, data, cfg } = setup("gw-bureau", |_| demo_site(), "");
    let gw = Gateway::start(&data, &cfg);
    let (dev, _) = demo_tokens(&data);
    let bureau = token(&data, &["--role", "bureau"]);
    let file = dir.join("stopped.jsonl");
    let o = sitetwin()
        .args(["simulate", "scenes/demo.ron", "--scenario", "stopped-pollution", "--duration", "40h", "--out"])
        .arg(&file)
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let scene =
        sitetwin_core::scene::load(&repo().join("scenes/demo.ron"), sitetwin_core::scene::ModelChecks::Skip).unwrap();
    let duty: std::collections::BTreeSet<String> = scene
        .scene
        .sensors
        .iter()
        .filter(|s| sitetwin_core::rules::stoppage::duty_input(s.kind))
        .map(|s| s.id.clone())
        .collect();
    let lines: Vec<Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| duty.contains(v["sensor"].as_str().unwrap()))
        .collect();
    let time = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v["time"].as_str().unwrap()).unwrap().with_timezone(&chrono::Utc)
    };
    let last = lines.iter().map(time).max().unwrap();
    let shift = chrono::Utc::now() - chrono::Duration::seconds(60) - last;
    let mut body = String::new();
    for v in &lines {
        let t = time(v);
        // The last 23 hours, a reading a minute (the pit's hourly ones all): well inside the day
        // both judges read back from now, so the minute that passes between them drops nothing
        // (with the whole day, the oldest minute's readings left the window in between).
        if last - t > chrono::Duration::hours(23) || (chrono::Timelike::second(&t) != 0) {
            continue;
        }
        let mut v = v.clone();
        v["time"] = Value::String((t + shift).to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        body.push_str(&v.to_string());
        body.push('\n');
    }
    let c = client();
    let sent = body.lines().count();
    for chunk in body.lines().collect::<Vec<_>>().chunks(4000) {
        let (s, r) = post(&c, &gw.url("/api/v1/readings"), Some(&dev), chunk.join("\n"));
        assert_eq!(s, 200, "{r}");
    }
    let o = sitetwin()
        .args(["bureau", "list", "--json", "--source", &gw.http, "--token", &bureau])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    let demo = rows.iter().find(|r| r["site"] == DEMO_SITE).unwrap();
    let n = demo["telemetry"]["gateway"]["readings"].as_u64().unwrap();
    assert!(n > 1000 && n as usize <= sent, "{n} of {sent}");
    let duty = |name: &str, object: &str| {
        demo["duties"].as_array().unwrap().iter().find(|d| d["duty"] == name && d["object"] == object).unwrap()["status"].clone()
    };
    assert!(duty("CraneWeathervaning", "TC1").get("Unmet").is_some(), "{demo}");
    assert!(duty("CraneWeathervaning", "TC2").get("Met").is_some(), "{demo}");
    let kinds: Vec<&str> = demo["findings"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"DarkSensor") && kinds.contains(&"CrewOnSite"), "{kinds:?}");
    // The sites the gateway does not serve are simulated as before.
    assert!(rows.iter().filter(|r| r["site"] != DEMO_SITE).all(|r| r["telemetry"].get("simulated").is_some()));
    // Bureau mode judges the same way.
    {
        use bevy::prelude::*;
        use sitetwin::bureau::{BureauOptions, BureauPlugin, CityView, gateway::CityGateway};
        let mut app = App::new();
        app.add_plugins(MinimalPlugins).add_plugins(sitetwin::SimulationPlugins);
        app.insert_resource(CityView::new(BureauOptions {
            city: sitetwin_core::city::demo::city(&repo().join("scenes")),
            file: None,
            seed: 1,
            twins_dir: dir.clone(),
            gateway: Some(CityGateway::new(&gw.http, &bureau).unwrap()),
        }))
        .add_plugins(BureauPlugin)
        .insert_state(sitetwin::AppMode::Bureau);
        let deadline = Instant::now() + Duration::from_secs(120);
        while !app.world().resource::<CityView>().ready() {
            assert!(Instant::now() < deadline, "bureau mode did not judge the city");
            app.update();
            std::thread::sleep(Duration::from_millis(5));
        }
        let v = app.world().resource::<CityView>();
        let row = v.row(DEMO_SITE).unwrap();
        assert!(
            matches!(row.telemetry, sitetwin_core::city::status::Telemetry::Gateway { readings } if readings as u64 == n),
            "{:?}",
            row.telemetry
        );
        assert_eq!(v.message, None);
    }
    // A review through the gateway lands in its store; a wrong token is named.
    let o = sitetwin()
        .args(["bureau", "review", DEMO_SITE, "--reviewer", "张伟", "--decision", "keep_stopped"])
        .args(["--finding", "TC1 回转制动未松开", "--source", &gw.http, "--token", &bureau])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (s, list) = get(&c, &gw.url(&format!("/api/v1/sites/{DEMO_SITE}/reviews")), &bureau);
    assert_eq!(s, 200, "{list}");
    assert_eq!(list[0]["review"]["findings"][0], "TC1 回转制动未松开", "{list}");
    let o = sitetwin()
        .args(["bureau", "list", "--source", &gw.http, "--token", "wrong"])
        .current_dir(repo())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("the city summary") && err.contains("401"), "{err}");
}
