//! The client against a real gateway started in-process on loopback (the demo site, a temporary
//! data folder, or a fresh PostgreSQL database when `SITETWIN_TEST_PG` names a server: the same
//! tests on either store), and the parts that need no gateway.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sitetwin_core::findings::{Action, Escalation, FindingInput, FindingRules, Severity, Source, State};
use sitetwin_core::rules::Level;
use sitetwin_core::rules::alarm::AlarmStatus;
use sitetwin_core::rules::jgj59::SubTable;
use sitetwin_core::rules::stoppage::Status;

use super::*;
use crate::config::{GatewayConfig, SiteConfig};
use crate::server::Running;
use crate::store::{FeedItem, PostgresStore, Role, Store, TokenGrant};

const DEMO_SITE: &str = "3206022026051701";

/// A gateway serving the demo site; stopped when dropped.
struct Gateway {
    rt: tokio::runtime::Runtime,
    running: Option<Running>,
    data: PathBuf,
    /// The PostgreSQL database, when the tests run on one.
    db: Option<String>,
    addr: SocketAddr,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sitetwin-gw-client-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn start(rt: &tokio::runtime::Runtime, data: &Path, db: Option<&str>, addr: SocketAddr) -> Running {
    let cfg = GatewayConfig {
        data_dir: data.to_path_buf(),
        db: db.map(String::from),
        http: Some(addr),
        sites: vec![SiteConfig::scene(repo().join("scenes/demo.ron"))],
        tick_s: 1.0,
        ..GatewayConfig::default()
    };
    rt.block_on(crate::server::start(cfg)).unwrap()
}

impl Gateway {
    fn new(name: &str) -> Gateway {
        Gateway::on(name, PostgresStore::test_database(&format!("client_{name}")).unwrap())
    }

    /// A gateway on this PostgreSQL database (another gateway may share it), or on a data folder.
    fn on(name: &str, db: Option<String>) -> Gateway {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let data = scratch(name).join("data");
        let running = start(&rt, &data, db.as_deref(), "127.0.0.1:0".parse().unwrap());
        let addr = running.http_addr.unwrap();
        Gateway { rt, running: Some(running), data, db, addr }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The gateway's store, opened beside it (as `gateway token` does).
    fn store(&self) -> std::sync::Arc<dyn Store> {
        crate::store::open(&self.data, self.db.as_deref()).unwrap()
    }

    fn token(&self, role: Role) -> String {
        let store = self.store();
        let site = (role != Role::Bureau).then(|| DEMO_SITE.to_string());
        crate::auth::issue(
            store.as_ref(),
            &TokenGrant { role, site, sensors: vec![], label: format!("test {}", role.name()) },
        )
        .unwrap()
    }

    fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            self.rt.block_on(r.shutdown()).unwrap();
        }
    }

    /// Starts again on the same data folder, at `addr`.
    fn restart_at(&mut self, addr: SocketAddr) -> SocketAddr {
        assert!(self.running.is_none());
        let r = start(&self.rt, &self.data, self.db.as_deref(), addr);
        let bound = r.http_addr.unwrap();
        self.running = Some(r);
        bound
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.stop();
    }
}

fn line(sensor: &str, time: DateTime<Utc>, value: f64) -> String {
    format!("{{\"sensor\": \"{sensor}\", \"time\": \"{}\", \"value\": {value}}}\n", time.to_rfc3339())
}

/// Posts readings through the ingest API; every one must be accepted.
fn post(base: &str, token: &str, lines: &[String]) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let body = lines.concat();
    let (status, text) = rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{base}/api/v1/readings"))
            .bearer_auth(token)
            .body(body)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    });
    assert_eq!(status, 200, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["accepted"].as_u64(), Some(lines.len() as u64), "{text}");
}

fn post_status(base: &str, token: &str, body: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (status, text) = rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{base}/api/v1/sites/{DEMO_SITE}/status"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    });
    assert_eq!(status, 200, "{text}");
}

fn config(base: &str, token: &str) -> ClientConfig {
    ClientConfig {
        history_s: 0,
        backoff_min_ms: 50,
        backoff_max_ms: 400,
        channel_capacity: 64,
        connect_timeout_ms: 2_000,
        request_timeout_ms: 5_000,
        ..ClientConfig::new(base, token, DEMO_SITE)
    }
}

/// A short name of an event, for failure messages.
fn name(e: &ClientEvent) -> String {
    match e {
        ClientEvent::Reading(r) => format!("Reading#{} {}={:?}", r.id, r.sensor, r.value),
        ClientEvent::Alarm(a) => format!("Alarm#{} {:?} {:?}", a.feed_id, a.action, a.alarm.status),
        ClientEvent::Event(f) => format!("Event#{:?} {}", f.id, f.kind),
        ClientEvent::Connected { resumed_from, .. } => format!("Connected {resumed_from:?}"),
        ClientEvent::History { readings } => format!("History({})", readings.len()),
        other => format!("{other:?}"),
    }
}

/// Takes events (keeping them in `seen`) until `f` picks one.
fn wait_for<T>(
    c: &GatewayClient,
    seen: &mut Vec<ClientEvent>,
    within: Duration,
    what: &str,
    mut f: impl FnMut(&ClientEvent) -> Option<T>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(ev) = c.recv_timeout(left.min(Duration::from_millis(100))) else {
            if left.is_zero() {
                let names: Vec<_> = seen.iter().rev().take(30).map(name).collect();
                panic!("no {what} within {within:?}; the last events (newest first): {names:#?}");
            }
            continue;
        };
        let hit = f(&ev);
        seen.push(ev);
        if let Some(t) = hit {
            return t;
        }
    }
}

fn readings(seen: &[ClientEvent]) -> Vec<&StoredReading> {
    seen.iter()
        .filter_map(|e| match e {
            ClientEvent::Reading(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// The highest feed id among the events seen.
fn last_feed_id(seen: &[ClientEvent]) -> Option<i64> {
    seen.iter()
        .filter_map(|e| match e {
            ClientEvent::Reading(r) => Some(r.id),
            ClientEvent::Alarm(a) => Some(a.feed_id),
            ClientEvent::Status(s) => Some(s.feed_id),
            ClientEvent::Event(f) => f.id,
            _ => None,
        })
        .max()
}

#[test]
fn follows_a_gateway_live_and_resumes_after_a_restart_without_gaps_or_repeats() {
    let mut gw = Gateway::new("follow");
    let (dev, op) = (gw.token(Role::Device), gw.token(Role::Operator));
    let now = Utc::now();
    let h = |hours: f64| now - chrono::Duration::milliseconds((hours * 3_600_000.0) as i64);
    // History, posted out of time order; the oldest is outside the five hours asked for.
    post(
        &gw.url(),
        &dev,
        &[
            line("TC1-WIND", h(1.0), 4.0),
            line("TC1-SLEW", h(2.0), 10.0),
            line("TC1-WIND", h(3.0), 2.0),
            line("TC1-WIND", h(10.0), 1.0),
        ],
    );

    // A small channel, so that the client has to wait for the caller (back-pressure).
    let cfg = ClientConfig { history_s: 5 * 3600, channel_capacity: 4, ..config(&gw.url(), &op) };
    let client = GatewayClient::spawn(cfg).unwrap();
    let mut seen = Vec::new();
    let t = Duration::from_secs(20);
    let (site, resumed) = wait_for(&client, &mut seen, t, "Connected", |e| match e {
        ClientEvent::Connected { site, resumed_from, stoppage, open_alarms, findings } => {
            assert_eq!(stoppage.status, Status::Operating);
            assert!(open_alarms.is_empty() && findings.items.is_empty());
            Some((site.clone(), *resumed_from))
        }
        _ => None,
    });
    assert_eq!((site.id.as_str(), resumed), (DEMO_SITE, None));
    assert_eq!(site.sensors.len(), 62);
    assert!(site.sensors.iter().any(|s| s.id == "TC1-LOAD" && s.unit == "%"));
    // The history comes next, in time order, and only the window asked for.
    let history = match client.recv_timeout(t) {
        Some(ClientEvent::History { readings }) => readings,
        other => panic!("History after Connected, not {other:?}"),
    };
    let got: Vec<_> = history.iter().map(|r| (r.sensor.as_str(), r.value, r.time)).collect();
    let near = |a: DateTime<Utc>, b: DateTime<Utc>| (a - b).num_milliseconds().abs() <= 1;
    assert_eq!(got.len(), 3, "{got:?}");
    for ((s, v, time), (ws, wv, wt)) in
        got.iter().zip([("TC1-WIND", 2.0, h(3.0)), ("TC1-SLEW", 10.0, h(2.0)), ("TC1-WIND", 4.0, h(1.0))])
    {
        assert!(*s == ws && *v == wv && near(*time, wt), "{got:?}");
    }

    // Live readings, in three batches, while nobody drains: the client waits, drops nothing.
    let slew = |from: i32, n: i32| -> Vec<String> {
        (from..from + n)
            .map(|i| line("TC1-SLEW", now - chrono::Duration::seconds(600 - i64::from(i)), f64::from(i)))
            .collect()
    };
    for b in 0..3 {
        post(&gw.url(), &dev, &slew(b * 10, 10));
    }
    std::thread::sleep(Duration::from_millis(300));
    let mut n = 0;
    wait_for(&client, &mut seen, t, "30 live readings", |e| {
        n += usize::from(matches!(e, ClientEvent::Reading(_)));
        (n == 30).then_some(())
    });
    let live = readings(&seen);
    let values: Vec<f64> = live.iter().map(|r| r.value.unwrap()).collect();
    assert_eq!(values, (0..30).map(f64::from).collect::<Vec<_>>());
    assert!(live.windows(2).all(|w| w[0].id < w[1].id), "feed ids increase");
    assert!(live.iter().all(|r| r.site == DEMO_SITE && r.sensor == "TC1-SLEW"));

    // An overload raises an alarm; acknowledging it through the client gives its new state.
    post(&gw.url(), &dev, &[line("TC1-LOAD", now, 104.0)]);
    let alarm = wait_for(&client, &mut seen, t, "the overload's alarm", |e| match e {
        ClientEvent::Alarm(a) if a.action == AlarmAction::Raised && a.alarm.sensor == "TC1-LOAD" => {
            Some(a.alarm.clone())
        }
        _ => None,
    });
    assert_eq!(alarm.status, AlarmStatus::Raised);
    assert!(alarm.level >= Level::Alarm && alarm.condition_active, "{alarm:?}");
    client.send(ClientCommand::Acknowledge { alarm: alarm.id, who: "王工".into() }).unwrap();
    let result = |id: u64| {
        move |e: &ClientEvent| match e {
            ClientEvent::ActionResult { alarm, result } if *alarm == id => Some(result.clone()),
            _ => None,
        }
    };
    let acked = wait_for(&client, &mut seen, t, "the acknowledgement's answer", result(alarm.id)).unwrap();
    assert_eq!(acked.status, AlarmStatus::Acknowledged);
    assert_eq!(acked.audit.last().map(|e| e.who.as_str()), Some("王工"));
    let streamed = |e: &ClientEvent| {
        matches!(e, ClientEvent::Alarm(a) if a.action == AlarmAction::Acknowledged
            && a.alarm.status == AlarmStatus::Acknowledged && a.entry.as_ref().is_some_and(|x| x.who == "王工"))
    };
    if !seen.iter().any(streamed) {
        wait_for(&client, &mut seen, t, "the acknowledgement on the stream", |e| streamed(e).then_some(()));
    }
    // Closing it while the overload is still measured is refused, with the gateway's reason.
    client.send(ClientCommand::Close { alarm: alarm.id, who: "李师傅".into(), note: "卸载".into() }).unwrap();
    let refused = wait_for(&client, &mut seen, t, "the close's answer", result(alarm.id)).unwrap_err();
    assert!(refused.contains("409") && refused.contains(&format!("/alarms/{}", alarm.id)), "{refused}");
    // A status change comes as Status.
    post_status(
        &gw.url(),
        &op,
        r#"{"action": "stop", "reason": {"Abnormal": {"cause": "资金不足"}}, "by": "市住建局"}"#,
    );
    wait_for(&client, &mut seen, t, "the stoppage", |e| match e {
        ClientEvent::Status(s) if s.state.status == Status::Stopped && s.transition.is_some() => Some(()),
        _ => None,
    });

    // The gateway stops mid-stream: the client says so, naming the stream.
    gw.stop();
    let disconnected = |e: &ClientEvent| match e {
        ClientEvent::Disconnected { error, retry_in_ms } => Some((error.clone(), *retry_in_ms)),
        _ => None,
    };
    let (error, _) = wait_for(&client, &mut seen, t, "Disconnected", disconnected);
    assert!(error.contains(&format!("{}/api/v1/sites/{DEMO_SITE}/events", gw.url())), "{error}");
    // Everything the client had sent came before that.
    let resume_after = last_feed_id(&seen).unwrap();
    let before = readings(&seen).len();

    // While it is down here, readings come in through another port of the same data folder: the
    // client misses them.
    let other = gw.restart_at("127.0.0.1:0".parse().unwrap());
    post(&format!("http://{other}"), &dev, &slew(100, 10));
    gw.stop();
    // The client keeps trying, backing off, and says why each time.
    let (error, retry) = wait_for(&client, &mut seen, t, "a failed reconnect", disconnected);
    assert!(error.contains(&gw.url()) && error.contains("cannot connect"), "{error}");
    assert!(retry <= 400, "{retry}");

    // Back on its port: the client resumes after the last event it had, gets exactly what it
    // missed, then the live feed.
    let addr = gw.addr;
    gw.restart_at(addr);
    post(&gw.url(), &dev, &slew(200, 5));
    let resumed = wait_for(&client, &mut seen, t, "the reconnection", |e| match e {
        ClientEvent::Connected { resumed_from, .. } => Some(*resumed_from),
        _ => None,
    });
    assert_eq!(resumed, Some(resume_after));
    let mut n = 0;
    wait_for(&client, &mut seen, t, "15 more readings", |e| {
        n += usize::from(matches!(e, ClientEvent::Reading(_)));
        (n == 15).then_some(())
    });
    std::thread::sleep(Duration::from_millis(500));
    seen.extend(client.drain(usize::MAX));
    let all = readings(&seen);
    let after: Vec<f64> = all[before..].iter().map(|r| r.value.unwrap()).collect();
    let want: Vec<f64> = (100..110).chain(200..205).map(f64::from).collect();
    assert_eq!(after, want, "exactly the missed readings, then the new ones");
    let mut ids: Vec<i64> = all.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "no reading twice");
    // The history was taken above, right after the first Connected; it never comes again.
    assert!(!seen.iter().any(|e| matches!(e, ClientEvent::History { .. })), "history once");
    client.shutdown().unwrap();
}

#[test]
fn a_wrong_token_stops_the_client_with_a_clear_error_and_no_retries() {
    let gw = Gateway::new("wrong-token");
    let stopped = |cfg: ClientConfig| -> String {
        let client = GatewayClient::spawn(cfg).unwrap();
        let error = match client.recv_timeout(Duration::from_secs(10)) {
            Some(ClientEvent::Stopped { error }) => error,
            other => panic!("Stopped first, not {other:?}"),
        };
        let deadline = Instant::now() + Duration::from_secs(2);
        while client.is_running() {
            assert!(Instant::now() < deadline, "the client thread ends");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(client.drain(100), vec![], "nothing after Stopped: no retries");
        assert!(client.send(ClientCommand::Shutdown).is_err());
        client.shutdown().unwrap();
        error
    };
    let site_url = format!("{}/api/v1/sites/{DEMO_SITE}", gw.url());
    let e = stopped(config(&gw.url(), "st_not-a-token"));
    assert!(e.contains(&site_url) && e.contains("401") && e.contains("unknown or revoked token"), "{e}");
    // A device token may not read the site.
    let e = stopped(config(&gw.url(), &gw.token(Role::Device)));
    assert!(e.contains(&site_url) && e.contains("403") && e.contains("may not read"), "{e}");
    // A site the gateway does not serve.
    let e = stopped(ClientConfig { site: "NOPE".into(), ..config(&gw.url(), &gw.token(Role::Bureau)) });
    assert!(e.contains("/api/v1/sites/NOPE") && e.contains("404") && e.contains("no site"), "{e}");
}

#[test]
fn revocation_ends_the_stream() {
    let gw = Gateway::new("revoked");
    let viewer = gw.token(Role::Viewer);
    let client = GatewayClient::spawn(config(&gw.url(), &viewer)).unwrap();
    let mut seen = Vec::new();
    wait_for(&client, &mut seen, Duration::from_secs(20), "Connected", |e| {
        matches!(e, ClientEvent::Connected { .. }).then_some(())
    });
    let store = gw.store();
    assert!(store.revoke_token(&crate::auth::hash(&viewer)).unwrap());
    // The gateway looks at a stream's token every 10 s.
    wait_for(&client, &mut seen, Duration::from_secs(25), "Revoked", |e| {
        assert!(!matches!(e, ClientEvent::Disconnected { .. } | ClientEvent::Stopped { .. }), "{e:?}");
        matches!(e, ClientEvent::Revoked).then_some(())
    });
    let deadline = Instant::now() + Duration::from_secs(2);
    while client.is_running() {
        assert!(Instant::now() < deadline, "the client stops after Revoked");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(client.drain(100), vec![], "no retries after Revoked");
}

#[test]
fn a_slow_caller_loses_nothing_and_shutdown_does_not_wait_for_it() {
    let gw = Gateway::new("slow-caller");
    let (dev, viewer) = (gw.token(Role::Device), gw.token(Role::Viewer));
    let client = GatewayClient::spawn(ClientConfig { channel_capacity: 1, ..config(&gw.url(), &viewer) }).unwrap();
    let mut seen = Vec::new();
    let t = Duration::from_secs(20);
    wait_for(&client, &mut seen, t, "Connected", |e| matches!(e, ClientEvent::Connected { .. }).then_some(()));
    let now = Utc::now();
    let batch = |from: i64| -> Vec<String> {
        (from..from + 200)
            .map(|i| line("TC1-RAD", now - chrono::Duration::seconds(3000 - i), (i % 50) as f64))
            .collect()
    };
    post(&gw.url(), &dev, &batch(0));
    std::thread::sleep(Duration::from_millis(300));
    // One event at a time, slowly at first.
    let mut n = 0;
    wait_for(&client, &mut seen, t, "200 readings", |e| {
        if n < 5 {
            std::thread::sleep(Duration::from_millis(20));
        }
        n += usize::from(matches!(e, ClientEvent::Reading(_)));
        (n == 200).then_some(())
    });
    let got: Vec<f64> = readings(&seen).iter().map(|r| r.value.unwrap()).collect();
    assert_eq!(got, (0..200).map(|i| f64::from(i % 50)).collect::<Vec<_>>());
    // Nobody drains now: the client waits on its full channel, and still stops at once.
    post(&gw.url(), &dev, &batch(200));
    std::thread::sleep(Duration::from_millis(300));
    assert!(client.is_running());
    let t0 = Instant::now();
    client.shutdown().unwrap();
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
}

#[test]
fn a_gateway_that_never_answers_times_out_and_backs_off() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts connections and holds them without a word.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    let cfg = ClientConfig {
        request_timeout_ms: 300,
        backoff_min_ms: 100,
        backoff_max_ms: 400,
        ..config(&format!("http://{addr}"), "st_whatever")
    };
    let t0 = Instant::now();
    let client = GatewayClient::spawn(cfg).unwrap();
    let mut waits = Vec::new();
    for _ in 0..4 {
        match client.recv_timeout(Duration::from_secs(5)) {
            Some(ClientEvent::Disconnected { error, retry_in_ms }) => {
                assert!(
                    error.contains(&format!("GET http://{addr}/healthz")) && error.contains("timed out"),
                    "{error}"
                );
                waits.push(retry_in_ms);
            }
            other => panic!("Disconnected, not {other:?}"),
        }
    }
    // Four timeouts of 300 ms, and the waits between them.
    assert!(t0.elapsed() >= Duration::from_millis(1200), "{:?}", t0.elapsed());
    assert!((50..=100).contains(&waits[0]) && (100..=200).contains(&waits[1]), "{waits:?}");
    assert!((200..=400).contains(&waits[2]) && (200..=400).contains(&waits[3]), "{waits:?}");
    // Stopping does not wait for the request that hangs.
    let t1 = Instant::now();
    client.shutdown().unwrap();
    assert!(t1.elapsed() < Duration::from_secs(2), "{:?}", t1.elapsed());
}

#[test]
fn the_backoff_doubles_to_its_cap_with_jitter() {
    for failures in 0..70 {
        let base = (100u64 << failures.min(20)).min(30_000);
        for random in [0, 1, 7, 12_345, u64::MAX / 3, u64::MAX] {
            let w = backoff_ms(100, 30_000, failures, random);
            assert!(w >= base / 2 && w <= base, "{failures} failures: {w} not in {}..={base}", base / 2);
        }
    }
    assert_eq!(backoff_ms(1, 1, 0, 0), 0);
    // No overflow at the extremes.
    assert!(backoff_ms(u64::MAX, u64::MAX, 63, u64::MAX) >= u64::MAX / 2);
}

#[test]
fn alarm_commands_are_the_apis_alarm_steps() {
    use crate::pipeline::AlarmStep;
    let step = |c: ClientCommand| -> (u64, AlarmStep) {
        let (id, body) = c.alarm_step().unwrap();
        (id, serde_json::from_value(body).unwrap())
    };
    assert_eq!(
        step(ClientCommand::Acknowledge { alarm: 3, who: "王工".into() }),
        (3, AlarmStep::Acknowledge { who: "王工".into() })
    );
    assert_eq!(
        step(ClientCommand::Dispatch { alarm: 4, who: "王工".into(), to: "李师傅".into() }),
        (4, AlarmStep::Dispatch { who: "王工".into(), to: "李师傅".into() })
    );
    assert_eq!(
        step(ClientCommand::Close { alarm: 5, who: "李师傅".into(), note: "卸载".into() }),
        (5, AlarmStep::Close { who: "李师傅".into(), note: "卸载".into() })
    );
    assert!(ClientCommand::Shutdown.alarm_step().is_none());
}

#[test]
fn findings_commands_are_the_apis_findings_requests() {
    use crate::http::FindingStep;
    let request = |step: Step| ClientCommand::Finding { by: "王工".into(), step }.finding_request().unwrap();
    let (path, body) = request(Step::Raise { finding: crane_finding(Utc::now()) });
    assert_eq!(path, ["findings"]);
    assert_eq!((body["by"].as_str(), body["finding"]["object"].as_str()), (Some("王工"), Some("TC1")), "{body}");
    let deadline: DateTime<Utc> = "2026-12-04T18:00:00Z".parse().unwrap();
    for (step, want) in [
        (
            Step::Assign { id: 3, owner: "李班长".into(), deadline: Some(deadline) },
            serde_json::json!({"by": "王工", "action": "assign", "owner": "李班长", "deadline": "2026-12-04T18:00:00Z"}),
        ),
        (
            Step::Rectify { id: 3, note: "done".into(), photo: None },
            serde_json::json!({"by": "王工", "action": "rectify", "note": "done", "photo": null}),
        ),
        (Step::Verify { id: 3 }, serde_json::json!({"by": "王工", "action": "verify"})),
        (
            Step::Reopen { id: 3, note: "why".into() },
            serde_json::json!({"by": "王工", "action": "reopen", "note": "why"}),
        ),
    ] {
        let (path, body) = request(step.clone());
        assert_eq!((path, &body), (vec!["findings".to_string(), "3".into()], &want));
        // And the gateway reads it back as the same step.
        let back: FindingStep = serde_json::from_value(body).unwrap();
        assert_eq!(back.step(3).ok(), Some(step));
    }
    assert!(ClientCommand::Shutdown.finding_request().is_none());
    assert!(ClientCommand::Acknowledge { alarm: 1, who: "w".into() }.finding_request().is_none());
}

#[test]
fn the_configuration_is_checked_and_its_token_not_shown() {
    let ok = ClientConfig::new("http://127.0.0.1:8080", "st_secret", DEMO_SITE);
    assert!(ok.check().is_ok());
    assert!(!format!("{ok:?}").contains("st_secret"));
    let refused = |c: ClientConfig, what: &str| {
        let e = GatewayClient::spawn(c).unwrap_err().to_string();
        assert!(e.contains(what), "{e}");
    };
    refused(ClientConfig { base_url: "https://gw.example".into(), ..ok.clone() }, "only http://");
    refused(ClientConfig { base_url: "127.0.0.1:8080".into(), ..ok.clone() }, "base_url");
    refused(ClientConfig { channel_capacity: 0, ..ok.clone() }, "channel_capacity");
    refused(ClientConfig { backoff_min_ms: 5_000, backoff_max_ms: 10, ..ok.clone() }, "backoff_min_ms");
    refused(ClientConfig { token: " ".into(), ..ok.clone() }, "token");
    refused(ClientConfig { request_timeout_ms: 0, ..ok }, "request_timeout_ms");
}

#[test]
fn urls_keep_a_path_prefix_and_escape_ids() {
    let api = Api {
        http: reqwest::Client::new(),
        base: ClientConfig::new("http://gw.local:8080/twin/", "t", "a b/c").check().unwrap(),
        token: "t".into(),
        site: "a b/c".into(),
        timeout: Duration::from_secs(1),
    };
    assert_eq!(api.url(&["healthz"]).as_str(), "http://gw.local:8080/twin/healthz");
    assert_eq!(api.site_url(&["events"]).as_str(), "http://gw.local:8080/twin/api/v1/sites/a%20b%2Fc/events");
}

#[test]
fn the_client_can_live_in_a_bevy_resource() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<GatewayClient>();
    send_sync::<ClientEvent>();
}

/// A stand-in gateway that answers the connect requests with canned bodies and then streams
/// `events` and falls silent (a dead peer that sends no FIN); it reports each stream request's
/// `Last-Event-ID`.
fn silent_gateway(events: &'static str) -> (SocketAddr, std::sync::mpsc::Receiver<Option<String>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let mut last_event_id = None;
            loop {
                let mut l = String::new();
                if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                    break;
                }
                if let Some(v) = l.to_ascii_lowercase().strip_prefix("last-event-id:") {
                    last_event_id = Some(v.trim().to_string());
                }
                if request.is_empty() {
                    request = l;
                }
            }
            let path = request.split(' ').nth(1).unwrap_or("").to_string();
            let json = |body: String| {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            let site = format!("/api/v1/sites/{DEMO_SITE}");
            let answer = match path.as_str() {
                "/healthz" => json(r#"{"status": "ok", "sites": 1, "last_id": 2}"#.into()),
                p if p == site => json(format!(
                    r#"{{"id": "{DEMO_SITE}", "name": "n", "city": "c", "district": "d", "status": "Operating",
                        "open_alarms": 0, "levels": {{}}, "stale_sensors": 0, "sensors": []}}"#
                )),
                p if p == format!("{site}/status") => {
                    json(serde_json::json!({ "state": SiteStoppage::default(), "days_stopped": 0 }).to_string())
                }
                p if p == format!("{site}/alarms?open=true") => json("[]".into()),
                p if p == format!("{site}/findings") => json(
                    serde_json::json!({ "now": Utc::now(), "rules": FindingRules::default(), "items": [] }).to_string(),
                ),
                p if p == format!("{site}/events") => {
                    let _ = tx.send(last_event_id);
                    format!("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n{events}")
                }
                _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(),
            };
            let _ = stream.write_all(answer.as_bytes());
            // Kept open: the stream falls silent rather than ending.
            held.push(stream);
        }
    });
    (addr, rx)
}

#[test]
fn a_silent_stream_is_taken_for_dead_and_resumed_after_the_last_id() {
    let events = concat!(
        ": keep-alive\n\n",
        "id: 3\r\nevent: spray\r\ndata: {\"type\": \"SprayRequested\",\r\ndata:  \"zone\": \"east\"}\r\n\r\n",
        "id: 4\nevent: reading\ndata: {\"not\": \"a reading\"}\n\n",
        "id: 5\nevent: finding\ndata: {\"site\": \"x\", \"item\": {\"id\": 1}}\n\n",
        "event: reset\ndata: {\"resume_after\": 4, \"last_id\": 9}\n\n",
    );
    let (addr, streams) = silent_gateway(events);
    let cfg = ClientConfig { idle_timeout_ms: 400, ..config(&format!("http://{addr}"), "st_x") };
    let client = GatewayClient::spawn(cfg).unwrap();
    let t = Duration::from_secs(10);
    let mut seen = Vec::new();
    let (error, _) = wait_for(&client, &mut seen, t, "Disconnected", |e| match e {
        ClientEvent::Disconnected { error, retry_in_ms } => Some((error.clone(), *retry_in_ms)),
        _ => None,
    });
    assert!(error.contains("/events") && error.contains("nothing received for 400 ms"), "{error}");
    let got: Vec<_> = seen.iter().map(name).collect();
    assert!(matches!(&seen[0], ClientEvent::Connected { resumed_from: None, .. }), "{got:?}");
    match &seen[1] {
        ClientEvent::Event(FeedEvent { id: Some(3), kind, data }) => {
            assert_eq!((kind.as_str(), data["zone"].as_str()), ("spray", Some("east")));
        }
        other => panic!("the spray event, not {other:?}"),
    }
    assert!(
        matches!(&seen[2], ClientEvent::Malformed { id: Some(4), kind, error } if kind == "reading" && error.contains("a reading")),
        "{got:?}"
    );
    assert!(
        matches!(&seen[3], ClientEvent::Malformed { id: Some(5), kind, error } if kind == "finding" && error.contains("item")),
        "{got:?}"
    );
    assert!(matches!(&seen[4], ClientEvent::Reset { resume_after: 4, last_id: 9 }), "{got:?}");
    assert_eq!(seen.len(), 6, "{got:?}");
    // The first stream resumed after the last id committed; the next after the reset's.
    assert_eq!(streams.recv_timeout(t).unwrap().as_deref(), Some("2"));
    assert_eq!(streams.recv_timeout(t).unwrap().as_deref(), Some("9"));
    wait_for(&client, &mut seen, t, "the reconnection", |e| match e {
        ClientEvent::Connected { resumed_from: Some(9), .. } => Some(()),
        _ => None,
    });
    client.shutdown().unwrap();
}

/// One request with a bearer token; the status and the JSON answer.
fn request(
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mut r = reqwest::Client::new().request(method, url).bearer_auth(token);
        if let Some(b) = body {
            r = r.header("content-type", "application/json").body(b.to_string());
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    })
}

/// One GET; the status, the `Content-Type` and the body as text.
fn get_text(url: String, token: &str) -> (u16, String, String) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap();
        let kind = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        (r.status().as_u16(), kind, r.text().await.unwrap())
    })
}

/// A finding on the demo's crane 1, its load limiter, entered by hand.
fn crane_finding(found_at: DateTime<Utc>) -> FindingInput {
    FindingInput {
        source: Source::Manual,
        object: "TC1".into(),
        at_m: Some([12.5, 44.0, -10.0]),
        table: Some(SubTable::TowerCrane),
        item: Some("载荷限制装置".into()),
        severity: Severity::Major,
        zh: "起重量限制器失效".into(),
        en: "load limiter not working".into(),
        found_at,
    }
}

/// Stops the gateway, sees the client lose it, restarts it on the same address and store, and
/// returns the findings register the client's resumed connection came with.
fn restart_and_reconnect(
    gw: &mut Gateway,
    client: &GatewayClient,
    seen: &mut Vec<ClientEvent>,
    within: Duration,
) -> Box<FindingsList> {
    gw.stop();
    wait_for(client, seen, within, "Disconnected", |e| matches!(e, ClientEvent::Disconnected { .. }).then_some(()));
    let addr = gw.addr;
    gw.restart_at(addr);
    wait_for(client, seen, within, "the reconnection", |e| match e {
        ClientEvent::Connected { findings, resumed_from: Some(_), .. } => Some(findings.clone()),
        _ => None,
    })
}

/// The first event `f` picks among those seen already, else the next one it picks.
fn seen_or_wait<T>(
    c: &GatewayClient,
    seen: &mut Vec<ClientEvent>,
    within: Duration,
    what: &str,
    mut f: impl FnMut(&ClientEvent) -> Option<T>,
) -> T {
    match seen.iter().find_map(&mut f) {
        Some(t) => t,
        None => wait_for(c, seen, within, what, f),
    }
}

/// Picks the answer of a findings command.
fn finding_result(e: &ClientEvent) -> Option<Result<Item, String>> {
    match e {
        ClientEvent::FindingResult { result } => Some(result.clone()),
        _ => None,
    }
}

/// Picks the live `finding` event of item `id` whose last change is `action`.
fn finding_event(id: u64, action: Action) -> impl FnMut(&ClientEvent) -> Option<FindingUpdate> {
    move |e| match e {
        ClientEvent::Finding(f) if f.item.id == id && f.item.history.last().map(|c| c.action) == Some(action) => {
            Some(f.clone())
        }
        _ => None,
    }
}

#[test]
fn the_findings_register_is_kept_by_the_gateway_changed_through_it_streamed_and_survives_a_restart() {
    use reqwest::Method;
    use serde_json::json;
    let mut gw = Gateway::new("findings");
    let (op, bureau, viewer) = (gw.token(Role::Operator), gw.token(Role::Bureau), gw.token(Role::Viewer));
    let client = GatewayClient::spawn(config(&gw.url(), &op)).unwrap();
    let mut seen = Vec::new();
    let t = Duration::from_secs(20);
    let first = wait_for(&client, &mut seen, t, "Connected", |e| match e {
        ClientEvent::Connected { findings, .. } => Some(findings.clone()),
        _ => None,
    });
    assert!(first.items.is_empty());
    assert_eq!(first.rules, FindingRules::default());
    assert!((Utc::now() - first.now).num_seconds().abs() < 60, "the gateway's clock: {}", first.now);

    // Raised through the client: answered with the item once stored, and carried live.
    let found = Utc::now() - chrono::Duration::minutes(1);
    let raise = Step::Raise { finding: crane_finding(found) };
    client.send(ClientCommand::Finding { by: "王工".into(), step: raise }).unwrap();
    let raised = wait_for(&client, &mut seen, t, "the raise's answer", finding_result).unwrap();
    assert_eq!((raised.id, raised.state, raised.input.object.as_str()), (1, State::Open, "TC1"));
    assert_eq!(raised.deadline, Some(found + chrono::Duration::days(3)), "a major hazard's default 3 days [R]");
    assert_eq!(raised.history[0].by, "王工");
    let live = seen_or_wait(&client, &mut seen, t, "the raise on the stream", finding_event(1, Action::Raised));
    assert_eq!((live.site.as_str(), &live.item), (DEMO_SITE, &raised));
    assert!(live.feed_id > 0);

    // Listed over HTTP to a viewer, with filters; a filter's unknown value is 422 naming it.
    let findings = format!("{}/api/v1/sites/{DEMO_SITE}/findings", gw.url());
    let list = |query: &str| request(Method::GET, format!("{findings}{query}"), &viewer, None);
    let (s, body) = list("");
    assert_eq!(s, 200, "{body}");
    let listed: FindingsList = serde_json::from_value(body).unwrap();
    assert_eq!(listed.items, vec![raised.clone()]);
    for (query, n) in [
        ("?state=open", 1),
        ("?state=verified", 0),
        ("?severity=minor", 1),
        ("?severity=major", 1),
        ("?severity=critical", 0),
        ("?object=TC1", 1),
        ("?object=TC2", 0),
        ("?overdue=true", 0),
        ("?overdue=false&state=open", 1),
    ] {
        let (s, body) = list(query);
        assert_eq!((s, body["items"].as_array().map(Vec::len)), (200, Some(n)), "{query}: {body}");
    }
    for (query, field) in [
        ("?state=closed", "state"),
        ("?severity=Major", "severity"),
        ("?overdue=yes", "overdue"),
        ("?object=", "object"),
    ] {
        let (s, body) = list(query);
        assert_eq!((s, body["field"].as_str()), (422, Some(field)), "{query}: {body}");
    }
    // The same open hazard again is the same item, with the repeat in its history.
    let post =
        |token: &str, url: &str, body: serde_json::Value| request(Method::POST, url.to_string(), token, Some(body));
    let (s, again) = post(&op, &findings, json!({"by": "李工", "finding": crane_finding(found)}));
    assert_eq!(
        (s, again["id"].as_u64(), again["history"][1]["action"].as_str()),
        (200, Some(1), Some("Repeated")),
        "{again}"
    );

    // Assigned over HTTP with another token: the client hears it live.
    let item = format!("{findings}/1");
    let deadline = (Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let assign = json!({"by": "市住建局", "action": "assign", "owner": "李班长", "deadline": deadline});
    let (s, assigned) = post(&bureau, &item, assign);
    assert_eq!((s, assigned["owner"].as_str()), (200, Some("李班长")), "{assigned}");
    let heard = seen_or_wait(&client, &mut seen, t, "the assignment on the stream", finding_event(1, Action::Assigned));
    assert_eq!((heard.item.owner.as_deref(), heard.item.history.len()), (Some("李班长"), 3));
    assert_eq!(heard.item.history[2].by, "市住建局");

    // Refused: a viewer's change, an item that is not there, a step or a finding malformed.
    assert_eq!(post(&viewer, &item, json!({"by": "v", "action": "verify"})).0, 403);
    assert_eq!(post(&viewer, &findings, json!({"by": "v", "finding": crane_finding(found)})).0, 403);
    for path in ["9", "x"] {
        let (s, e) = post(&op, &format!("{findings}/{path}"), json!({"by": "w", "action": "verify"}));
        assert_eq!(s, 404, "{path}: {e}");
    }
    for (body, field) in [
        (json!({"by": "w", "action": "rectify", "note": " "}), "note"),
        (json!({"by": " ", "action": "rectify", "note": "done"}), "by"),
        (json!({"by": "w", "action": "rectify"}), "note"),
        (json!({"by": "w", "action": "rectify", "note": "done", "photo": ""}), "photo"),
        (json!({"by": "w", "action": "assign", "owner": "o", "deadline": "2020-01-01T00:00:00Z"}), "deadline"),
        (json!({"by": "w", "action": "assign", "owner": "o", "deadline": "tomorrow"}), "deadline"),
        (json!({"by": "w", "action": "assign", "owner": " "}), "owner"),
        (json!({"by": "w", "action": "assign"}), "owner"),
        (json!({"by": "w", "action": "verify", "note": "n"}), "note"),
        (json!({"by": "w", "action": "close"}), "action"),
        (json!({"by": "w", "action": "verify", "colour": 1}), "colour"),
        (json!({"action": "verify"}), "by"),
        (json!(["verify"]), "body"),
    ] {
        let (s, e) = post(&op, &item, body.clone());
        assert_eq!((s, e["field"].as_str()), (422, Some(field)), "{body}: {e}");
    }
    let finding = serde_json::to_value(crane_finding(found)).unwrap();
    let mut blank = finding.clone();
    blank["object"] = " ".into();
    let mut no_severity = finding.clone();
    no_severity.as_object_mut().unwrap().remove("severity");
    let mut odd = finding.clone();
    odd["severity"] = "Huge".into();
    for (body, field) in [
        (json!({"by": "w", "finding": blank}), "finding.object"),
        (json!({"by": "w", "finding": no_severity}), "finding.severity"),
        (json!({"by": "w", "finding": odd}), "finding"),
        (json!({"finding": finding}), "by"),
        (json!({"by": "w", "finding": finding, "extra": 1}), "extra"),
    ] {
        let (s, e) = post(&op, &findings, body.clone());
        assert_eq!((s, e["field"].as_str()), (422, Some(field)), "{body}: {e}");
    }
    // Verifying the open item through the client: refused with 409, naming the URL.
    client.send(ClientCommand::Finding { by: "王工".into(), step: Step::Verify { id: 1 } }).unwrap();
    let refused = wait_for(&client, &mut seen, t, "the verify's answer", finding_result).unwrap_err();
    assert!(refused.contains("409") && refused.contains(&format!("{findings}/1")), "{refused}");
    assert!(refused.contains("only a rectified item can be"), "the gateway's reason: {refused}");
    // Rectified through the client, with a photo.
    let rectify =
        Step::Rectify { id: 1, note: "更换限制器并试吊合格".into(), photo: Some("photos/t1.jpg".into()) };
    client.send(ClientCommand::Finding { by: "李班长".into(), step: rectify }).unwrap();
    let rectified = wait_for(&client, &mut seen, t, "the rectification's answer", finding_result).unwrap();
    assert_eq!(
        (rectified.state, rectified.evidence().and_then(|c| c.photo.as_deref())),
        (State::Rectified, Some("photos/t1.jpg"))
    );

    // The CSV export: the core's header and one row.
    let (s, kind, csv) = get_text(format!("{findings}.csv"), &viewer);
    assert_eq!((s, kind.as_str()), (200, "text/csv; charset=utf-8"), "{csv}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0].starts_with("id,object,x_m,") && lines[1].starts_with("1,TC1,12.5,44,-10,major,rectified,李班长,"),
        "{csv}"
    );

    // The gateway restarts on the same store: the register is what it was when the client
    // connects again, and the gateway carries on from it.
    let after = restart_and_reconnect(&mut gw, &client, &mut seen, t);
    assert_eq!(after.items, vec![rectified.clone()]);
    client.send(ClientCommand::Finding { by: "王工".into(), step: Step::Verify { id: 1 } }).unwrap();
    let verified = wait_for(&client, &mut seen, t, "the verification's answer", finding_result).unwrap();
    let kept: Vec<Action> = verified.history.iter().map(|c| c.action).collect();
    assert_eq!(kept, [Action::Raised, Action::Repeated, Action::Assigned, Action::Rectified, Action::Verified]);
    // A verified hazard found again is a new item, numbered after the stored ones.
    client
        .send(ClientCommand::Finding { by: "王工".into(), step: Step::Raise { finding: crane_finding(Utc::now()) } })
        .unwrap();
    assert_eq!(wait_for(&client, &mut seen, t, "the new raise's answer", finding_result).unwrap().id, 2);
    client.shutdown().unwrap();
}

#[test]
fn an_overdue_item_escalates_on_the_gateways_tick_once_per_level_and_not_again_after_a_restart() {
    let mut gw = Gateway::new("escalation");
    let (op, viewer) = (gw.token(Role::Operator), gw.token(Role::Viewer));
    let client = GatewayClient::spawn(config(&gw.url(), &op)).unwrap();
    let mut seen = Vec::new();
    let t = Duration::from_secs(20);
    wait_for(&client, &mut seen, t, "Connected", |e| matches!(e, ClientEvent::Connected { .. }).then_some(()));
    // Found 8 days ago, a major hazard: its default deadline (3 days [R]) passed 5 days ago,
    // more than the 3 days [R] after which an overdue item escalates a level.
    let found = Utc::now() - chrono::Duration::days(8);
    client
        .send(ClientCommand::Finding { by: "王工".into(), step: Step::Raise { finding: crane_finding(found) } })
        .unwrap();
    let raised = wait_for(&client, &mut seen, t, "the raise's answer", finding_result).unwrap();
    let escalated = seen_or_wait(
        &client,
        &mut seen,
        t,
        "the escalation on the stream",
        finding_event(raised.id, Action::Escalated),
    );
    let change = escalated.item.history.last().unwrap();
    assert_eq!(change.by, crate::pipeline::ESCALATED_BY);
    assert_eq!(change.escalation, Some(Escalation::Escalated { level: 1 }));
    assert_eq!(escalated.item.state, State::Open, "escalation does not change the state");
    assert!(change.note.starts_with("escalated to level 1, deadline "), "{}", change.note);

    // Listed with it; the ticks that follow record nothing more.
    let findings = format!("{}/api/v1/sites/{DEMO_SITE}/findings", gw.url());
    std::thread::sleep(Duration::from_secs(3));
    let (s, body) = request(reqwest::Method::GET, findings.clone(), &viewer, None);
    assert_eq!(s, 200, "{body}");
    let listed: FindingsList = serde_json::from_value(body).unwrap();
    assert_eq!(listed.items, vec![escalated.item.clone()], "one escalation, recorded once");
    let escalations =
        |seen: &[ClientEvent]| seen.iter().filter_map(finding_event(raised.id, Action::Escalated)).count();
    assert_eq!(escalations(&seen), 1);

    // After a restart the record stands: nothing is escalated again.
    let after = restart_and_reconnect(&mut gw, &client, &mut seen, t);
    assert_eq!(after.items, vec![escalated.item.clone()]);
    std::thread::sleep(Duration::from_secs(3));
    let (_, body) = request(reqwest::Method::GET, findings, &viewer, None);
    let listed: FindingsList = serde_json::from_value(body).unwrap();
    assert_eq!(listed.items, vec![escalated.item], "no second record after the restart");
    client.shutdown().unwrap();
}

#[test]
fn the_bureau_records_reviews_the_feed_carries_them_and_the_city_summary_shows_each_site() {
    let gw = Gateway::new("reviews");
    let (bureau, op, viewer) = (gw.token(Role::Bureau), gw.token(Role::Operator), gw.token(Role::Viewer));
    let reviews = format!("{}/api/v1/sites/{DEMO_SITE}/reviews", gw.url());
    let review = serde_json::json!({"site": DEMO_SITE, "reviewer": "王工", "date": "2026-12-02",
        "findings": ["塔吊回转制动未松开"], "decision": "keep_stopped"});
    let (s, _) = request(reqwest::Method::POST, reviews.clone(), &op, Some(review.clone()));
    assert_eq!(s, 403, "only the bureau records reviews");
    let (s, stored) = request(reqwest::Method::POST, reviews.clone(), &bureau, Some(review.clone()));
    assert_eq!(s, 200, "{stored}");
    let id = stored["id"].as_i64().unwrap();
    assert_eq!(stored["review"]["reviewer"], "王工");
    let mut anonymous = review.clone();
    anonymous["reviewer"] = " ".into();
    let (s, e) = request(reqwest::Method::POST, reviews.clone(), &bureau, Some(anonymous));
    assert_eq!((s, e["field"].as_str()), (422, Some("reviewer")), "{e}");
    let mut elsewhere = review.clone();
    elsewhere["site"] = "OTHER".into();
    let (s, e) = request(reqwest::Method::POST, reviews.clone(), &bureau, Some(elsewhere));
    assert_eq!((s, e["field"].as_str()), (422, Some("site")), "{e}");
    let (s, list) = request(reqwest::Method::GET, reviews.clone(), &viewer, None);
    assert_eq!(s, 200);
    assert_eq!(list.as_array().map(|l| l.iter().map(|r| r["id"].as_i64()).collect::<Vec<_>>()), Some(vec![Some(id)]));
    // The live feed has it, as a `review` event with the record's id.
    let feed = gw.store().feed_after(DEMO_SITE, 0, 1000).unwrap();
    assert!(feed.iter().any(|f| matches!(f, FeedItem::Event(e) if e.kind == "review" && e.id == id)), "{feed:?}");

    let city = format!("{}/api/v1/city", gw.url());
    assert_eq!(request(reqwest::Method::GET, city.clone(), &op, None).0, 403);
    post_status(
        &gw.url(),
        &op,
        r#"{"action": "stop", "reason": {"Abnormal": {"cause": "欠薪"}}, "by": "项目部", "at": "2026-11-20"}"#,
    );
    post(&gw.url(), &gw.token(Role::Device), &[line("TC1-WIND", Utc::now(), 3.0)]);
    let (s, rows) = request(reqwest::Method::GET, city, &bureau, None);
    assert_eq!(s, 200, "{rows}");
    let row = rows.as_array().and_then(|r| r.iter().find(|r| r["site"] == DEMO_SITE)).cloned().unwrap();
    assert_eq!(row["status"], "Stopped", "{row}");
    assert_eq!(row["stop_category"], "Abnormal", "{row}");
    assert_eq!(row["stopped_since"], "2026-11-20", "{row}");
    assert!(row["last_arrival"].is_string() && !row["district"].as_str().unwrap().is_empty(), "{row}");
}

#[test]
fn two_gateways_on_one_database_serve_one_site_and_an_acknowledgement_through_either_holds() {
    // PostgreSQL only: two gateways cannot share a SQLite folder.
    let Some(db) = PostgresStore::test_database("client_two_gateways").unwrap() else { return };
    let a = Gateway::on("two-a", Some(db.clone()));
    // B starts second: A has claimed the site, so B forwards its changes to A.
    let b = Gateway::on("two-b", Some(db));
    let (dev, op) = (a.token(Role::Device), b.token(Role::Operator));
    let now = Utc::now();
    post(&a.url(), &dev, &[line("TC1-LOAD", now - chrono::Duration::seconds(3), 104.0)]);
    let alarm_url = |gw: &Gateway, id: i64| format!("{}/api/v1/sites/{DEMO_SITE}/alarms/{id}", gw.url());
    let (s, list) = request(reqwest::Method::GET, format!("{}/api/v1/sites/{DEMO_SITE}/alarms", b.url()), &op, None);
    assert_eq!(s, 200);
    let id =
        list.as_array().and_then(|l| l.iter().find(|x| x["sensor"] == "TC1-LOAD")).map(|x| x["id"].as_i64().unwrap());
    let id = id.unwrap_or_else(|| panic!("B reads the alarm A raised: {list}"));

    // B refuses readings of the site A writes, saying so.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let refused = rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/readings", b.url()))
            .bearer_auth(&dev)
            .body(line("TC1-WIND", now, 2.0))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    });
    assert_eq!(refused.0, 409, "{}", refused.1);
    assert!(refused.1.contains("another gateway"), "{}", refused.1);

    // Acknowledged through B: carried out by A, the site's writer.
    let ack = serde_json::json!({"action": "acknowledge", "who": "B 值班员"});
    let (s, acked) = request(reqwest::Method::POST, alarm_url(&b, id), &op, Some(ack.clone()));
    assert_eq!((s, acked["status"].as_str()), (200, Some("Acknowledged")), "{acked}");
    for gw in [&a, &b] {
        let (_, x) = request(reqwest::Method::GET, alarm_url(gw, id), &op, None);
        assert_eq!(x["status"], "Acknowledged", "{x}");
    }
    // A's own later write of the alarm (its condition clears) keeps the acknowledgement.
    post(&a.url(), &dev, &[line("TC1-LOAD", now - chrono::Duration::seconds(1), 10.0)]);
    let (_, x) = request(reqwest::Method::GET, alarm_url(&b, id), &op, None);
    assert_eq!((x["status"].as_str(), x["condition_active"].as_bool()), (Some("Acknowledged"), Some(false)), "{x}");
    assert!(x["audit"].as_array().unwrap().iter().any(|e| e["who"] == "B 值班员"), "{x}");
    // A step the alarm's state refuses is refused through B with A's answer.
    let (s, e) = request(reqwest::Method::POST, alarm_url(&b, id), &op, Some(ack));
    assert_eq!(s, 409, "{e}");
    // A status change through B is A's state, read back through either.
    post_status(&b.url(), &op, r#"{"action": "stop", "reason": {"Abnormal": {"cause": "欠薪"}}, "by": "项目部"}"#);
    for gw in [&a, &b] {
        let (_, st) = request(reqwest::Method::GET, format!("{}/api/v1/sites/{DEMO_SITE}/status", gw.url()), &op, None);
        assert_eq!(st["state"]["status"], "Stopped", "{st}");
    }
    // A review and a findings step through B are carried out by A: A's live stream has them.
    let follower = GatewayClient::spawn(config(&a.url(), &op)).unwrap();
    let mut seen = Vec::new();
    let t = Duration::from_secs(20);
    wait_for(&follower, &mut seen, t, "Connected to A", |e| matches!(e, ClientEvent::Connected { .. }).then_some(()));
    let review = serde_json::json!({"site": DEMO_SITE, "reviewer": "王工", "date": "2026-12-02",
        "findings": ["塔吊回转制动未松开"], "decision": "keep_stopped"});
    let reviews = format!("{}/api/v1/sites/{DEMO_SITE}/reviews", b.url());
    let (s, stored) = request(reqwest::Method::POST, reviews, &b.token(Role::Bureau), Some(review));
    assert_eq!(s, 200, "{stored}");
    let rid = stored["id"].as_i64();
    wait_for(&follower, &mut seen, t, "the review on A's stream", |e| match e {
        ClientEvent::Event(f) if f.kind == "review" && f.id == rid => Some(()),
        _ => None,
    });
    let findings = format!("{}/api/v1/sites/{DEMO_SITE}/findings", b.url());
    let raise = serde_json::json!({"by": "B 值班员", "finding": crane_finding(now)});
    let (s, item) = request(reqwest::Method::POST, findings.clone(), &op, Some(raise));
    assert_eq!((s, item["id"].as_u64()), (200, Some(1)), "{item}");
    let live = wait_for(&follower, &mut seen, t, "the finding on A's stream", finding_event(1, Action::Raised));
    assert_eq!(live.item.history[0].by, "B 值班员");
    // Refusals through B are A's, with their status and field.
    let (s, e) = request(
        reqwest::Method::POST,
        format!("{findings}/1"),
        &op,
        Some(serde_json::json!({"by": "w", "action": "verify"})),
    );
    assert_eq!(s, 409, "{e}");
    let blank = serde_json::json!({"by": "w", "action": "rectify", "note": " "});
    let (s, e) = request(reqwest::Method::POST, format!("{findings}/1"), &op, Some(blank));
    assert_eq!((s, e["field"].as_str()), (422, Some("note")), "{e}");
    let (s, e) = request(
        reqwest::Method::POST,
        format!("{findings}/7"),
        &op,
        Some(serde_json::json!({"by": "w", "action": "verify"})),
    );
    assert_eq!(s, 404, "{e}");
    // Either gateway lists it from the store.
    for gw in [&a, &b] {
        let (_, l) =
            request(reqwest::Method::GET, format!("{}/api/v1/sites/{DEMO_SITE}/findings", gw.url()), &op, None);
        assert_eq!(l["items"].as_array().map(Vec::len), Some(1), "{l}");
    }
    follower.shutdown().unwrap();
    // Both gateways' feed ids come from one reservation: no collision in the shared feed.
    let ids: Vec<i64> = a.store().feed_after(DEMO_SITE, 0, 10_000).unwrap().iter().map(FeedItem::id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}
