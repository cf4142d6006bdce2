//! The client the twin follows a gateway with: it loads a site's recent history, then follows the
//! site's live stream (`GET /api/v1/sites/{site}/events`), reconnecting with `Last-Event-ID` so
//! that nothing is missed or seen twice, and works alarms and the findings register through the
//! API.
//!
//! The twin is synchronous, so none of this shows it tokio: [`GatewayClient::spawn`] starts a
//! thread that owns a single-threaded tokio runtime, and the two talk through bounded std
//! channels. Events come out in the order the gateway committed them; when the caller does not
//! drain them, the client waits (and so does the stream, through TCP), it never drops one and never
//! buffers without bound. `docs/gateway.md` ("Client") describes the behaviour.

pub mod sse;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sitetwin_core::findings::{Item, Step};
use sitetwin_core::rules::Level;
use sitetwin_core::rules::alarm::{Alarm, AlarmSource, AlarmStatus, AuditEntry};
use sitetwin_core::rules::stoppage::{SiteStoppage, Transition};
use sitetwin_core::telemetry::Reading;
use tokio::sync::Notify;
use tokio::task::{JoinError, JoinSet};

use self::sse::{SseEvent, SseParser};
use crate::site::SensorInfo;
use crate::store::{FindingsList, StoredReading};

/// What the client connects to and how it behaves.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// The gateway's HTTP API, e.g. `http://127.0.0.1:8080` (a path prefix is kept).
    pub base_url: String,
    /// A token that may read the site (viewer, operator or bureau; operator or bureau to work
    /// alarms).
    pub token: String,
    /// The site id (the scene's `site.id`).
    pub site: String,
    /// How much history to load on the first connect, seconds back from now (0: none).
    pub history_s: u64,
    /// The first reconnect waits about this long, milliseconds ...
    pub backoff_min_ms: u64,
    /// ... doubling with each failure up to this (each wait is jittered down by up to a half).
    pub backoff_max_ms: u64,
    /// Events held for the caller, and commands held for the client, at most.
    pub channel_capacity: usize,
    /// Opening a TCP connection may take this long, milliseconds.
    pub connect_timeout_ms: u64,
    /// A request (and the live stream's first answer) may take this long, milliseconds.
    pub request_timeout_ms: u64,
    /// The live stream is taken for dead after this long without a byte, milliseconds (the
    /// gateway sends a keep-alive every 15 s).
    pub idle_timeout_ms: u64,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("token", &"(hidden)")
            .field("site", &self.site)
            .field("history_s", &self.history_s)
            .field("backoff_min_ms", &self.backoff_min_ms)
            .field("backoff_max_ms", &self.backoff_max_ms)
            .field("channel_capacity", &self.channel_capacity)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("request_timeout_ms", &self.request_timeout_ms)
            .field("idle_timeout_ms", &self.idle_timeout_ms)
            .finish()
    }
}

impl ClientConfig {
    /// A configuration with the defaults: three days of history, reconnects from 0.5 s backing
    /// off to 30 s, 4096 events held, 5 s to connect, 30 s a request, 45 s of silence.
    pub fn new(base_url: impl Into<String>, token: impl Into<String>, site: impl Into<String>) -> ClientConfig {
        ClientConfig {
            base_url: base_url.into(),
            token: token.into(),
            site: site.into(),
            history_s: 3 * 86_400,
            backoff_min_ms: 500,
            backoff_max_ms: 30_000,
            channel_capacity: 4096,
            connect_timeout_ms: 5_000,
            request_timeout_ms: 30_000,
            idle_timeout_ms: 45_000,
        }
    }

    /// Refuses what cannot work, naming the field; the base URL, parsed.
    fn check(&self) -> Result<Url, ClientError> {
        let bad = |m: String| Err(ClientError(format!("client configuration: {m}")));
        let mut url = match Url::parse(&self.base_url) {
            Ok(u) => u,
            Err(e) => return bad(format!("base_url {:?} is not a URL: {e}", self.base_url)),
        };
        if url.scheme() != "http" {
            return bad(format!(
                "base_url {:?}: only http:// is supported (the client is built without TLS)",
                self.base_url
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return bad(format!("base_url {:?} names no host", self.base_url));
        }
        url.set_query(None);
        url.set_fragment(None);
        if self.token.trim().is_empty() {
            return bad("token is empty".into());
        }
        if self.site.trim().is_empty() {
            return bad("site is empty".into());
        }
        if self.channel_capacity == 0 {
            return bad("channel_capacity must be at least 1".into());
        }
        if self.backoff_min_ms == 0 || self.backoff_min_ms > self.backoff_max_ms {
            return bad(format!(
                "backoff_min_ms ({}) must be at least 1 and at most backoff_max_ms ({})",
                self.backoff_min_ms, self.backoff_max_ms
            ));
        }
        for (name, v) in [
            ("connect_timeout_ms", self.connect_timeout_ms),
            ("request_timeout_ms", self.request_timeout_ms),
            ("idle_timeout_ms", self.idle_timeout_ms),
        ] {
            if v == 0 {
                return bad(format!("{name} must be at least 1"));
            }
        }
        Ok(url)
    }
}

/// A site as `GET /api/v1/sites/{site}` gives it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SiteInfo {
    /// Site id.
    pub id: String,
    /// Project name.
    pub name: String,
    /// City.
    pub city: String,
    /// District.
    pub district: String,
    /// `Operating`, `Stopped` or `ResumptionReview`.
    pub status: String,
    /// Alarms not closed.
    pub open_alarms: usize,
    /// Sensors at their highest level now: (level name → count).
    pub levels: BTreeMap<String, usize>,
    /// Sensors that went silent.
    pub stale_sensors: usize,
    /// Its sensors.
    pub sensors: Vec<SensorInfo>,
}

/// What happened to an alarm, as the live stream's `alarm` events say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlarmAction {
    /// Raised.
    Raised,
    /// Its level changed.
    Level,
    /// Its condition went back to normal.
    Cleared,
    /// Acknowledged.
    Acknowledged,
    /// Dispatched to a person.
    Dispatched,
    /// Closed.
    Closed,
    /// Not acknowledged in time.
    Escalated,
    /// An action this client does not know (a newer gateway).
    #[serde(other)]
    Other,
}

/// An alarm's state without its audit trail, as the live stream carries it (the whole alarm is
/// at `GET .../alarms/{id}`, and in [`ClientEvent::ActionResult`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AlarmState {
    /// Alarm id (unique in its site).
    pub id: u64,
    /// Sensor id.
    pub sensor: String,
    /// The rule that raised it.
    pub rule: String,
    /// Current level.
    pub level: Level,
    /// Highest level reached.
    pub peak: Level,
    /// When it was raised.
    pub raised_at: DateTime<Utc>,
    /// Raised, Acknowledged, Dispatched or Closed.
    pub status: AlarmStatus,
    /// Who it is dispatched to.
    pub assignee: Option<String>,
    /// The condition is still measured.
    pub condition_active: bool,
    /// Escalations so far.
    pub escalations: u32,
    /// What raised it.
    #[serde(default)]
    pub source: AlarmSource,
}

impl From<&Alarm> for AlarmState {
    fn from(a: &Alarm) -> AlarmState {
        AlarmState {
            id: a.id,
            sensor: a.sensor.clone(),
            rule: a.rule.clone(),
            level: a.level,
            peak: a.peak,
            raised_at: a.raised_at,
            status: a.status,
            assignee: a.assignee.clone(),
            condition_active: a.condition_active,
            escalations: a.escalations,
            source: a.source,
        }
    }
}

/// A live `alarm` event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AlarmUpdate {
    /// Its feed id (the stream's event id).
    #[serde(skip)]
    pub feed_id: i64,
    /// What happened.
    pub action: AlarmAction,
    /// The alarm as it now is.
    pub alarm: AlarmState,
    /// The audit entry just added (who, when, what, note).
    pub entry: Option<AuditEntry>,
}

/// A live `status` event: the site's stoppage state changed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StatusUpdate {
    /// Its feed id.
    #[serde(skip)]
    pub feed_id: i64,
    /// The transition just made.
    pub transition: Option<Transition>,
    /// The whole state (status, current and past stoppages, history).
    pub state: SiteStoppage,
}

/// A live `finding` event: an item of the site's findings register was raised or changed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FindingUpdate {
    /// Its feed id.
    #[serde(skip)]
    pub feed_id: i64,
    /// The site's id.
    pub site: String,
    /// The item as it now is, whole (its history with the change just made last).
    pub item: Item,
}

/// Any other live event: `level`, `quality`, `stale`, `hourly`, `spray`, `review`
/// (`docs/gateway.md`, "The live stream"), with its JSON as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEvent {
    /// Its feed id.
    pub id: Option<i64>,
    /// The event's name.
    pub kind: String,
    /// Its data (a JSON string when the data was not JSON).
    pub data: serde_json::Value,
}

/// What the client tells the twin, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    /// The live stream is open. Sent on every (re)connection, with the site, its stoppage state,
    /// its open alarms and its findings register as the gateway gave them just before.
    Connected {
        /// The site and its sensors.
        site: Box<SiteInfo>,
        /// The site's stoppage state.
        stoppage: Box<SiteStoppage>,
        /// Alarms not closed, with their audit trails, oldest first.
        open_alarms: Vec<Alarm>,
        /// The site's findings register: every item, the most urgent first, with the gateway's
        /// rules and clock.
        findings: Box<FindingsList>,
        /// `Some(id)` when this connection resumed after the event `id` (a reconnect): what
        /// happened meanwhile follows, then the live feed.
        resumed_from: Option<i64>,
    },
    /// The site's readings of the last `history_s` seconds, raw, in measuring-time order: sent
    /// once, right after the first `Connected`. The live readings that follow are those committed
    /// after it (no gap, none twice).
    History {
        /// The readings.
        readings: Vec<Reading>,
    },
    /// A reading as stored (its `id` is its feed id), with the gateway's verdict.
    Reading(StoredReading),
    /// An alarm changed.
    Alarm(AlarmUpdate),
    /// The site's stoppage state changed.
    Status(StatusUpdate),
    /// An item of the site's findings register was raised or changed (by anyone).
    Finding(FindingUpdate),
    /// Another live event.
    Event(FeedEvent),
    /// A live event this client could not read (it is skipped; the stream goes on).
    Malformed {
        /// Its feed id, if it had a readable one.
        id: Option<i64>,
        /// The event's name.
        kind: String,
        /// What was wrong, with an excerpt.
        error: String,
    },
    /// The answer to an alarm command: the alarm as it now is, or why the gateway refused (the
    /// URL, the status, the gateway's reason).
    ActionResult {
        /// The alarm id the command named.
        alarm: u64,
        /// The alarm, or the error.
        result: Result<Alarm, String>,
    },
    /// The answer to a [`ClientCommand::Finding`]: the item it raised or changed as the gateway
    /// stored it (for a repeat, the existing item), or why the gateway refused (the URL, the
    /// status, the gateway's reason).
    FindingResult {
        /// The item, or the error.
        result: Result<Item, String>,
    },
    /// Not connected: a connection attempt failed or the stream broke (`error` names the URL
    /// and what went wrong). The client tries again in `retry_in_ms`.
    Disconnected {
        /// What failed.
        error: String,
        /// When the next attempt is, milliseconds from now.
        retry_in_ms: u64,
    },
    /// The gateway's store is behind the id the client resumed from (a store since replaced):
    /// the stream goes on after `last_id`; the twin may want to reload.
    Reset {
        /// The id the client asked to resume after.
        resume_after: i64,
        /// The store's last id, where the stream resumes.
        last_id: i64,
    },
    /// The token was revoked: the stream ended and the client has stopped.
    Revoked,
    /// The client has stopped for good: the gateway refused it (a wrong token, a site the token
    /// may not read or that is not served, an answer the client cannot read). No retries.
    Stopped {
        /// What failed: the URL, the status and the gateway's reason.
        error: String,
    },
}

/// What the twin asks of the gateway. Alarm and findings commands are carried out one at a time,
/// in order; each alarm command is answered with [`ClientEvent::ActionResult`], each findings one
/// with [`ClientEvent::FindingResult`].
#[derive(Debug, Clone, PartialEq)]
pub enum ClientCommand {
    /// Acknowledge an alarm (`{"action": "acknowledge", "who": ...}`).
    Acknowledge {
        /// Alarm id.
        alarm: u64,
        /// Who.
        who: String,
    },
    /// Dispatch it to a person.
    Dispatch {
        /// Alarm id.
        alarm: u64,
        /// Who dispatches it.
        who: String,
        /// To whom.
        to: String,
    },
    /// Close it, with a note (refused while its condition is still measured).
    Close {
        /// Alarm id.
        alarm: u64,
        /// Who.
        who: String,
        /// What was done.
        note: String,
    },
    /// A step of the site's findings register, recorded at the gateway's clock: a raise is
    /// `POST .../findings`, the others `POST .../findings/{id}` (an operator or bureau token).
    Finding {
        /// Who asks it.
        by: String,
        /// The step.
        step: Step,
    },
    /// Stop the client (what is in flight is abandoned).
    Shutdown,
}

impl ClientCommand {
    /// The alarm id and the request body of an alarm command (the API's `AlarmStep`).
    fn alarm_step(&self) -> Option<(u64, serde_json::Value)> {
        Some(match self {
            ClientCommand::Acknowledge { alarm, who } => {
                (*alarm, serde_json::json!({ "action": "acknowledge", "who": who }))
            }
            ClientCommand::Dispatch { alarm, who, to } => {
                (*alarm, serde_json::json!({ "action": "dispatch", "who": who, "to": to }))
            }
            ClientCommand::Close { alarm, who, note } => {
                (*alarm, serde_json::json!({ "action": "close", "who": who, "note": note }))
            }
            ClientCommand::Finding { .. } | ClientCommand::Shutdown => return None,
        })
    }

    /// The path under the site and the request body of a findings command (the API's
    /// `RaiseFinding` or `FindingStep`).
    fn finding_request(&self) -> Option<(Vec<String>, serde_json::Value)> {
        use serde_json::json;
        let ClientCommand::Finding { by, step } = self else { return None };
        let body = match step {
            Step::Raise { finding } => json!({ "by": by, "finding": finding }),
            Step::Assign { owner, deadline, .. } => {
                json!({ "by": by, "action": "assign", "owner": owner, "deadline": deadline })
            }
            Step::Rectify { note, photo, .. } => json!({ "by": by, "action": "rectify", "note": note, "photo": photo }),
            Step::Verify { .. } => json!({ "by": by, "action": "verify" }),
            Step::Reopen { note, .. } => json!({ "by": by, "action": "reopen", "note": note }),
        };
        let path = std::iter::once("findings".to_string()).chain(step.id().map(|id| id.to_string())).collect();
        Some((path, body))
    }
}

/// The client could not be started or stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("gateway client: {0}")]
pub struct ClientError(pub String);

/// A command that was not queued, given back (boxed: a findings raise carries a whole finding).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendError {
    /// `channel_capacity` commands are waiting already.
    #[error("the client's command queue is full")]
    Full(Box<ClientCommand>),
    /// The client has stopped.
    #[error("the client has stopped")]
    Stopped(Box<ClientCommand>),
}

/// How long [`GatewayClient::shutdown`] waits for the thread.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(5);

/// A connection that delivered an event, or stayed open this long, was healthy: the backoff
/// starts again from its minimum.
const HEALTHY_AFTER: Duration = Duration::from_secs(10);

/// Readings per history request.
const HISTORY_PAGE: usize = 20_000;

/// A live gateway client: a thread of its own, events out, commands in.
pub struct GatewayClient {
    events: Mutex<Receiver<ClientEvent>>,
    commands: SyncSender<ClientCommand>,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for GatewayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayClient").field("running", &self.is_running()).finish_non_exhaustive()
    }
}

/// What the caller and the client thread share besides the channels.
#[derive(Default)]
struct Shared {
    /// Stop now.
    stop: AtomicBool,
    /// The caller took events: a full channel has room.
    drained: Notify,
    /// A command was queued, or stop was asked.
    wake: Notify,
}

impl GatewayClient {
    /// Starts a client: checks the configuration, then connects in the background (the first
    /// events are `Connected` and `History`, or `Disconnected` while the gateway cannot be reached).
    pub fn spawn(cfg: ClientConfig) -> Result<GatewayClient, ClientError> {
        let base = cfg.check()?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClientError(format!("cannot start the client's runtime: {e}")))?;
        let http = {
            let _in_runtime = rt.enter();
            reqwest::Client::builder()
                .connect_timeout(Duration::from_millis(cfg.connect_timeout_ms))
                .user_agent(concat!("sitetwin-gateway-client/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| ClientError(format!("cannot build the HTTP client: {}", chain(&e))))?
        };
        let (events_tx, events_rx) = sync_channel(cfg.channel_capacity);
        let (commands_tx, commands_rx) = sync_channel(cfg.channel_capacity);
        let shared = Arc::new(Shared::default());
        let api = Api {
            http,
            base,
            token: cfg.token.clone(),
            site: cfg.site.clone(),
            timeout: Duration::from_millis(cfg.request_timeout_ms),
        };
        let worker = Worker {
            api,
            out: Out { tx: events_tx, shared: Arc::clone(&shared) },
            commands: commands_rx,
            shared: Arc::clone(&shared),
            actions: JoinSet::new(),
            last_id: None,
            failures: 0,
            cfg,
        };
        let thread = std::thread::Builder::new()
            .name("sitetwin-gateway-client".into())
            .spawn(move || {
                rt.block_on(worker.run());
                // A DNS lookup still running on the blocking pool is not waited for long.
                rt.shutdown_timeout(Duration::from_millis(500));
            })
            .map_err(|e| ClientError(format!("cannot start the client thread: {e}")))?;
        Ok(GatewayClient { events: Mutex::new(events_rx), commands: commands_tx, shared, thread: Some(thread) })
    }

    fn receiver(&self) -> MutexGuard<'_, Receiver<ClientEvent>> {
        self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next event, if one is waiting.
    pub fn try_recv(&self) -> Option<ClientEvent> {
        let ev = self.receiver().try_recv().ok();
        if ev.is_some() {
            self.shared.drained.notify_one();
        }
        ev
    }

    /// The next event, waiting up to `timeout` for one (`None` on timeout, or when the client
    /// has stopped and every event was taken).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<ClientEvent> {
        let ev = self.receiver().recv_timeout(timeout).ok();
        if ev.is_some() {
            self.shared.drained.notify_one();
        }
        ev
    }

    /// Up to `max` waiting events, without waiting (a frame's worth, say).
    pub fn drain(&self, max: usize) -> Vec<ClientEvent> {
        let mut out = Vec::new();
        {
            let rx = self.receiver();
            while out.len() < max {
                match rx.try_recv() {
                    Ok(ev) => out.push(ev),
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                }
            }
        }
        if !out.is_empty() {
            self.shared.drained.notify_one();
        }
        out
    }

    /// Queues a command without waiting; a full queue or a stopped client gives it back.
    pub fn send(&self, cmd: ClientCommand) -> Result<(), SendError> {
        match self.commands.try_send(cmd) {
            Ok(()) => {
                self.shared.wake.notify_one();
                Ok(())
            }
            Err(TrySendError::Full(c)) => Err(SendError::Full(Box::new(c))),
            Err(TrySendError::Disconnected(c)) => Err(SendError::Stopped(Box::new(c))),
        }
    }

    /// Whether the client thread still runs (it ends after `Revoked`, `Stopped` or a shutdown).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    fn signal_stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.drained.notify_one();
        self.shared.wake.notify_one();
    }

    /// Stops the client and joins its thread, waiting 5 s at most (requests in flight are
    /// abandoned). Events not taken yet are dropped with the client.
    pub fn shutdown(mut self) -> Result<(), ClientError> {
        self.signal_stop();
        let _ = self.commands.try_send(ClientCommand::Shutdown);
        let Some(thread) = self.thread.take() else { return Ok(()) };
        let deadline = Instant::now() + SHUTDOWN_WAIT;
        while !thread.is_finished() {
            if Instant::now() >= deadline {
                return Err(ClientError(format!(
                    "the client thread did not stop within {} s",
                    SHUTDOWN_WAIT.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        thread.join().map_err(|_| ClientError("the client thread panicked".into()))
    }
}

impl Drop for GatewayClient {
    /// Asks the thread to stop, without waiting for it ([`GatewayClient::shutdown`] waits).
    fn drop(&mut self) {
        self.signal_stop();
    }
}

/// The client thread's side of the event channel.
struct Out {
    tx: SyncSender<ClientEvent>,
    shared: Arc<Shared>,
}

/// The client is stopping: nothing more is sent.
struct Gone;

impl Out {
    /// Sends an event, waiting while the channel is full (back-pressure: the stream is not read
    /// meanwhile). Fails only when the client is stopping or the caller is gone.
    async fn send(&self, mut ev: ClientEvent) -> Result<(), Gone> {
        loop {
            if self.shared.stop.load(Ordering::SeqCst) {
                return Err(Gone);
            }
            match self.tx.try_send(ev) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Disconnected(_)) => return Err(Gone),
                Err(TrySendError::Full(back)) => {
                    ev = back;
                    // The caller notifies after each take (a notification before this wait is
                    // kept, so none is missed); stopping notifies too.
                    self.shared.drained.notified().await;
                }
            }
        }
    }
}

/// The HTTP side: the gateway's address, the token, the site.
#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: Url,
    token: String,
    site: String,
    timeout: Duration,
}

/// Why an attempt failed.
enum Fail {
    /// Worth trying again (the gateway is down, busy, or the network failed).
    Retry(String),
    /// Not worth it (refused, or an answer that is not the API's).
    Fatal(String),
}

/// `healthz`'s answer (what the client needs of it).
#[derive(Deserialize)]
struct HealthBody {
    last_id: i64,
}

/// `GET .../status`'s answer (the state; the rest follows from it with the core's methods).
#[derive(Deserialize)]
struct StatusBody {
    state: SiteStoppage,
}

/// The gateway's error answer.
#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    field: Option<String>,
}

/// The `reset` event's data.
#[derive(Deserialize)]
struct ResetBody {
    resume_after: i64,
    last_id: i64,
}

/// An error and its sources, one after the other.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(c) = source {
        let text = c.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = c.source();
    }
    s
}

/// A request error in words, without the URL (the caller names it).
fn describe(e: reqwest::Error, timeout: Duration) -> String {
    let timed_out = e.is_timeout();
    let connect = e.is_connect();
    let s = chain(&e.without_url());
    if timed_out {
        format!("timed out after {} ms ({s})", timeout.as_millis())
    } else if connect {
        format!("cannot connect ({s})")
    } else {
        s
    }
}

/// At most 300 characters of a body, for error messages.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".into();
    }
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// The gateway's reason in an error body (`error`, and `field` when named), else an excerpt.
fn reason(body: &[u8]) -> String {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody { error, field: Some(f) }) => format!("{error} (field `{f}`)"),
        Ok(ErrorBody { error, field: None }) => error,
        Err(_) => excerpt(body),
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Api {
    /// The base URL with these path segments added (each one escaped).
    fn url(&self, segments: &[&str]) -> Url {
        let mut u = self.base.clone();
        if let Ok(mut p) = u.path_segments_mut() {
            p.pop_if_empty().extend(segments);
        }
        u
    }

    /// `/api/v1/sites/{site}/...`.
    fn site_url(&self, segments: &[&str]) -> Url {
        let mut all = vec!["api", "v1", "sites", self.site.as_str()];
        all.extend_from_slice(segments);
        self.url(&all)
    }

    /// What a non-success answer means: retry on 5xx, 408 and 429, give up on the rest.
    async fn failure(&self, method: &str, url: &Url, resp: reqwest::Response) -> Fail {
        let status = resp.status();
        let body = match tokio::time::timeout(self.timeout, resp.bytes()).await {
            Ok(Ok(b)) => reason(&b),
            _ => "(the body could not be read)".into(),
        };
        let msg = format!("{method} {url}: {status}: {body}");
        if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::TOO_MANY_REQUESTS
        {
            Fail::Retry(msg)
        } else {
            Fail::Fatal(msg)
        }
    }

    /// A GET answered with JSON.
    async fn get_json<T: DeserializeOwned>(&self, url: Url, auth: bool) -> Result<T, Fail> {
        let mut req = self.http.get(url.clone()).timeout(self.timeout);
        if auth {
            req = req.bearer_auth(&self.token);
        }
        let resp = req.send().await.map_err(|e| Fail::Retry(format!("GET {url}: {}", describe(e, self.timeout))))?;
        if !resp.status().is_success() {
            return Err(self.failure("GET", &url, resp).await);
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| Fail::Retry(format!("GET {url}: reading the answer: {}", describe(e, self.timeout))))?;
        serde_json::from_slice(&body).map_err(|e| {
            Fail::Fatal(format!("GET {url}: the answer is not what the gateway's API gives ({e}): {}", excerpt(&body)))
        })
    }

    /// The site's raw readings measured in the last `history_s` seconds and committed at or
    /// before feed id `upto`, in measuring-time order.
    async fn history(&self, site: &SiteInfo, upto: i64, history_s: u64) -> Result<Vec<Reading>, Fail> {
        let now = Utc::now();
        let back = chrono::Duration::try_seconds(i64::try_from(history_s).unwrap_or(i64::MAX))
            .unwrap_or(chrono::Duration::MAX);
        let start = now.checked_sub_signed(back).unwrap_or(DateTime::UNIX_EPOCH).max(DateTime::UNIX_EPOCH);
        // Readings may be timed a little ahead of their arrival; the id bound is what counts.
        let to = now + chrono::Duration::days(1);
        let mut rows: Vec<StoredReading> = Vec::new();
        for sensor in &site.sensors {
            let mut from = start;
            loop {
                let mut url = self.site_url(&["sensors", &sensor.id, "readings"]);
                url.query_pairs_mut()
                    .append_pair("from", &rfc3339(from))
                    .append_pair("to", &rfc3339(to))
                    .append_pair("step", "raw")
                    .append_pair("limit", &HISTORY_PAGE.to_string());
                let page: Vec<StoredReading> = self.get_json(url, true).await?;
                let full = page.len() >= HISTORY_PAGE;
                let last = page.last().map(|r| r.time);
                rows.extend(page.into_iter().filter(|r| r.id <= upto));
                match last {
                    // The store keeps times to the millisecond, one reading per sensor and time.
                    Some(t) if full => from = t + chrono::Duration::milliseconds(1),
                    _ => break,
                }
            }
        }
        rows.sort_by(|a, b| a.time.cmp(&b.time).then(a.id.cmp(&b.id)));
        Ok(rows.iter().map(StoredReading::reading).collect())
    }

    /// An alarm step; the alarm as it now is, or the error in words.
    async fn step(self, alarm: u64, body: serde_json::Value) -> Result<Alarm, String> {
        self.post(self.site_url(&["alarms", &alarm.to_string()]), body, "an alarm").await
    }

    /// A findings step; the item as the gateway stored it, or the error in words.
    async fn finding(self, path: Vec<String>, body: serde_json::Value) -> Result<Item, String> {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        self.post(self.site_url(&path), body, "a findings item").await
    }

    /// A POST of `body` answered with `what`; the error in words names the URL, and for an answer
    /// its status and the gateway's reason.
    async fn post<T: DeserializeOwned>(&self, url: Url, body: serde_json::Value, what: &str) -> Result<T, String> {
        let resp = self
            .http
            .post(url.clone())
            .timeout(self.timeout)
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("POST {url}: {}", describe(e, self.timeout)))?;
        if !resp.status().is_success() {
            return Err(match self.failure("POST", &url, resp).await {
                Fail::Retry(m) | Fail::Fatal(m) => m,
            });
        }
        let bytes =
            resp.bytes().await.map_err(|e| format!("POST {url}: reading the answer: {}", describe(e, self.timeout)))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("POST {url}: the answer is not {what} ({e}): {}", excerpt(&bytes)))
    }

    /// Everything up to the open live stream: the site, its state, (the first time) its history,
    /// then `GET .../events` resuming after `after`, or after the last id committed when the
    /// history was read.
    async fn open(self, after: Option<i64>, history_s: u64) -> Result<Opened, Fail> {
        // The last id first: the history is cut there and the stream resumes there, so a reading
        // committed meanwhile comes once, live.
        let resume = match after {
            Some(a) => a,
            None => self.get_json::<HealthBody>(self.url(&["healthz"]), false).await?.last_id,
        };
        let site: SiteInfo = self.get_json(self.site_url(&[]), true).await?;
        let status: StatusBody = self.get_json(self.site_url(&["status"]), true).await?;
        let mut alarms = self.site_url(&["alarms"]);
        alarms.query_pairs_mut().append_pair("open", "true");
        let open_alarms: Vec<Alarm> = self.get_json(alarms, true).await?;
        let findings: FindingsList = self.get_json(self.site_url(&["findings"]), true).await?;
        let history = match (after, history_s) {
            (None, 1..) => Some(self.history(&site, resume, history_s).await?),
            _ => None,
        };
        let url = self.site_url(&["events"]);
        let req = self
            .http
            .get(url.clone())
            .bearer_auth(&self.token)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .header("Last-Event-ID", resume.to_string());
        let resp = match tokio::time::timeout(self.timeout, req.send()).await {
            Err(_) => {
                return Err(Fail::Retry(format!("GET {url}: timed out after {} ms", self.timeout.as_millis())));
            }
            Ok(Err(e)) => return Err(Fail::Retry(format!("GET {url}: {}", describe(e, self.timeout)))),
            Ok(Ok(r)) => r,
        };
        if !resp.status().is_success() {
            return Err(self.failure("GET", &url, resp).await);
        }
        let kind = resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !kind.starts_with("text/event-stream") {
            return Err(Fail::Fatal(format!("GET {url}: not an event stream (Content-Type {kind:?})")));
        }
        Ok(Opened {
            site,
            stoppage: status.state,
            open_alarms,
            findings,
            history,
            resume,
            resumed: after.is_some(),
            response: resp,
            url,
        })
    }
}

/// An open live stream and what was read before it.
struct Opened {
    site: SiteInfo,
    stoppage: SiteStoppage,
    open_alarms: Vec<Alarm>,
    findings: FindingsList,
    history: Option<Vec<Reading>>,
    resume: i64,
    resumed: bool,
    response: reqwest::Response,
    url: Url,
}

/// Why a connection ended.
enum End {
    /// The client is stopping.
    Stop,
    /// Give up with this error.
    Fatal(String),
    /// The token was revoked (`Revoked` was sent).
    Revoked,
    /// Try again.
    Lost {
        /// What failed.
        error: String,
        /// The connection was healthy for a while: the backoff starts again.
        healthy: bool,
    },
}

impl From<Gone> for End {
    fn from(_: Gone) -> End {
        End::Stop
    }
}

/// A finished command: its answer (`ActionResult` or `FindingResult`), or how its task failed.
type ActionDone = Result<ClientEvent, JoinError>;

/// The client thread's state.
struct Worker {
    api: Api,
    cfg: ClientConfig,
    out: Out,
    commands: Receiver<ClientCommand>,
    shared: Arc<Shared>,
    /// The alarm or findings command in flight (one at a time, so they reach the gateway in
    /// order), answering with its event.
    actions: JoinSet<ClientEvent>,
    /// The last feed id received (`None` before the first connection).
    last_id: Option<i64>,
    /// Failed attempts since the last healthy connection.
    failures: u32,
}

/// The reconnect wait after `failures` failures: `min · 2^failures` capped at `max`, jittered
/// down by up to a half with `random`.
fn backoff_ms(min: u64, max: u64, failures: u32, random: u64) -> u64 {
    let base = min.saturating_mul(1u64.checked_shl(failures.min(63)).unwrap_or(u64::MAX)).min(max);
    let half = base / 2;
    half + random % (base - half + 1)
}

impl Worker {
    async fn run(mut self) {
        loop {
            match self.connection().await {
                End::Stop | End::Revoked => return,
                End::Fatal(error) => {
                    let _ = self.out.send(ClientEvent::Stopped { error }).await;
                    return;
                }
                End::Lost { error, healthy } => {
                    if healthy {
                        self.failures = 0;
                    }
                    let random =
                        std::collections::hash_map::RandomState::new().hash_one((self.failures, Instant::now()));
                    let wait = backoff_ms(self.cfg.backoff_min_ms, self.cfg.backoff_max_ms, self.failures, random);
                    self.failures = self.failures.saturating_add(1);
                    if self.out.send(ClientEvent::Disconnected { error, retry_in_ms: wait }).await.is_err()
                        || !self.pause(Duration::from_millis(wait)).await
                    {
                        return;
                    }
                }
            }
        }
    }

    fn stopping(&self) -> bool {
        self.shared.stop.load(Ordering::SeqCst)
    }

    /// Takes queued commands while none is in flight; false when the client is to stop.
    fn take_commands(&mut self) -> bool {
        while !self.stopping() && self.actions.is_empty() {
            match self.commands.try_recv() {
                Ok(ClientCommand::Shutdown) | Err(TryRecvError::Disconnected) => return false,
                Ok(cmd) => {
                    let api = self.api.clone();
                    if let Some((alarm, body)) = cmd.alarm_step() {
                        self.actions.spawn(async move {
                            ClientEvent::ActionResult { alarm, result: api.step(alarm, body).await }
                        });
                    } else if let Some((path, body)) = cmd.finding_request() {
                        self.actions
                            .spawn(async move { ClientEvent::FindingResult { result: api.finding(path, body).await } });
                    }
                }
                Err(TryRecvError::Empty) => return true,
            }
        }
        !self.stopping()
    }

    /// Reports a finished command and starts the next.
    async fn action_done(&mut self, done: ActionDone) -> Result<(), End> {
        let ev = match done {
            Ok(ev) => ev,
            // Only a panic (aborts happen on shutdown, when nothing is reported).
            Err(e) => ClientEvent::Stopped { error: format!("a command failed inside the client: {e}") },
        };
        self.out.send(ev).await?;
        if self.take_commands() { Ok(()) } else { Err(End::Stop) }
    }

    /// Waits `wait`, carrying out commands meanwhile; false when the client is to stop.
    async fn pause(&mut self, wait: Duration) -> bool {
        let shared = Arc::clone(&self.shared);
        let sleep = tokio::time::sleep(wait);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = &mut sleep => return !self.stopping(),
                _ = shared.wake.notified() => if !self.take_commands() { return false },
                Some(done) = self.actions.join_next(), if !self.actions.is_empty() => {
                    if self.action_done(done).await.is_err() {
                        return false;
                    }
                }
            }
        }
    }

    /// One connection: open it, then follow the stream until it ends.
    async fn connection(&mut self) -> End {
        let shared = Arc::clone(&self.shared);
        let history_s = if self.last_id.is_none() { self.cfg.history_s } else { 0 };
        let open = self.api.clone().open(self.last_id, history_s);
        tokio::pin!(open);
        let opened = loop {
            tokio::select! {
                r = &mut open => break r,
                _ = shared.wake.notified() => if !self.take_commands() { return End::Stop },
                Some(done) = self.actions.join_next(), if !self.actions.is_empty() => {
                    if let Err(end) = self.action_done(done).await {
                        return end;
                    }
                }
            }
        };
        let o = match opened {
            Ok(o) => o,
            Err(Fail::Fatal(error)) => return End::Fatal(error),
            Err(Fail::Retry(error)) => return End::Lost { error, healthy: false },
        };
        let Opened { site, stoppage, open_alarms, findings, history, resume, resumed, mut response, url } = o;
        let connected = ClientEvent::Connected {
            site: Box::new(site),
            stoppage: Box::new(stoppage),
            open_alarms,
            findings: Box::new(findings),
            resumed_from: resumed.then_some(resume),
        };
        if self.out.send(connected).await.is_err() {
            return End::Stop;
        }
        if let Some(readings) = history
            && self.out.send(ClientEvent::History { readings }).await.is_err()
        {
            return End::Stop;
        }
        self.last_id = Some(resume);

        let mut parser = SseParser::default();
        let opened_at = Instant::now();
        let mut delivered = false;
        let idle = Duration::from_millis(self.cfg.idle_timeout_ms);
        let mut last_byte = tokio::time::Instant::now();
        let healthy = |delivered: bool| delivered || opened_at.elapsed() >= HEALTHY_AFTER;
        loop {
            tokio::select! {
                _ = shared.wake.notified() => if !self.take_commands() { return End::Stop },
                Some(done) = self.actions.join_next(), if !self.actions.is_empty() => {
                    if let Err(end) = self.action_done(done).await {
                        return end;
                    }
                }
                _ = tokio::time::sleep_until(last_byte + idle) => {
                    return End::Lost {
                        error: format!("GET {url}: nothing received for {} ms", idle.as_millis()),
                        healthy: healthy(delivered),
                    };
                }
                chunk = response.chunk() => match chunk {
                    Ok(Some(bytes)) => {
                        last_byte = tokio::time::Instant::now();
                        let events = match parser.feed(&bytes) {
                            Ok(evs) => evs,
                            Err(e) => return End::Lost { error: format!("GET {url}: {e}"), healthy: healthy(delivered) },
                        };
                        for ev in events {
                            delivered = true;
                            if let Err(end) = self.on_event(ev).await {
                                return end;
                            }
                        }
                    }
                    Ok(None) => {
                        return End::Lost {
                            error: format!("GET {url}: the gateway ended the stream"),
                            healthy: healthy(delivered),
                        };
                    }
                    Err(e) => {
                        return End::Lost {
                            error: format!("GET {url}: the stream broke: {}", describe(e, idle)),
                            healthy: healthy(delivered),
                        };
                    }
                },
            }
        }
    }

    /// One event of the stream, passed on.
    async fn on_event(&mut self, ev: SseEvent) -> Result<(), End> {
        let SseEvent { id, event: kind, data } = ev;
        let malformed = |id: Option<i64>, kind: &str, e: &dyn std::fmt::Display| ClientEvent::Malformed {
            id,
            kind: kind.to_string(),
            error: format!("{kind} event: {e}: {}", excerpt(data.as_bytes())),
        };
        let id = match id.as_deref().map(|s| s.trim().parse::<i64>()) {
            None => None,
            Some(Ok(v)) => Some(v),
            Some(Err(e)) => {
                self.out.send(malformed(None, &kind, &format!("the id is not a feed id ({e})"))).await?;
                None
            }
        };
        let out = match kind.as_str() {
            "reading" => match serde_json::from_str::<StoredReading>(&data) {
                Ok(mut r) => {
                    r.site = self.api.site.clone();
                    ClientEvent::Reading(r)
                }
                Err(e) => malformed(id, &kind, &e),
            },
            "alarm" => match serde_json::from_str::<AlarmUpdate>(&data) {
                Ok(mut a) => {
                    a.feed_id = id.unwrap_or_default();
                    ClientEvent::Alarm(a)
                }
                Err(e) => malformed(id, &kind, &e),
            },
            "status" => match serde_json::from_str::<StatusUpdate>(&data) {
                Ok(mut s) => {
                    s.feed_id = id.unwrap_or_default();
                    ClientEvent::Status(s)
                }
                Err(e) => malformed(id, &kind, &e),
            },
            "finding" => match serde_json::from_str::<FindingUpdate>(&data) {
                Ok(mut f) => {
                    f.feed_id = id.unwrap_or_default();
                    ClientEvent::Finding(f)
                }
                Err(e) => malformed(id, &kind, &e),
            },
            "reset" => match serde_json::from_str::<ResetBody>(&data) {
                Ok(r) => {
                    // The stream goes on after the store's last id.
                    self.last_id = Some(r.last_id);
                    ClientEvent::Reset { resume_after: r.resume_after, last_id: r.last_id }
                }
                Err(e) => malformed(id, &kind, &e),
            },
            "revoked" => {
                self.out.send(ClientEvent::Revoked).await?;
                return Err(End::Revoked);
            }
            _ => {
                let data = serde_json::from_str(&data).unwrap_or(serde_json::Value::String(data));
                ClientEvent::Event(FeedEvent { id, kind, data })
            }
        };
        self.out.send(out).await?;
        if let Some(id) = id {
            self.last_id = Some(id);
        }
        Ok(())
    }
}
