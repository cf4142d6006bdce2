//! The one writer: every change (readings from any protocol, alarm steps, status changes, review
//! records, findings steps, the clock's ticks, retention sweeps) goes through one thread that
//! judges it with the site's rules, writes it, and only then answers the sender and tells the live
//! stream. While a commit runs,
//! new requests queue; the next commit takes them all (group commit), so durability costs one
//! sync per batch of batches, not one per reading.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use sitetwin_core::findings::{FindingRules, FindingsError, Item, Register, Step};
use sitetwin_core::rules::alarm::{Alarm, AlarmError, AlarmStatus};
use sitetwin_core::rules::stoppage::{AlertLevel, SiteStoppage, StopReason, StoppageError};
use sitetwin_core::rules::{Event, SensorStatus};
use sitetwin_core::telemetry::{FlagValidity, Reading};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::config::GatewayConfig;
use crate::site::{SiteDef, SiteRuntime};
use crate::store::{
    Batch, FeedItem, PruneBefore, Source, Store, StoreError, StoredEvent, StoredFinding, StoredReading, StoredReview,
};

#[cfg(test)]
mod tests;

/// A reading line refused, with the field at fault.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Refusal {
    /// 1-based line of the request body (or item of the packet).
    pub line: usize,
    /// The sensor, when the line named one.
    pub sensor: Option<String>,
    /// The field at fault (`sensor`, `time`, `value`, `flag`, or `line` for a line that is not JSON).
    pub field: String,
    /// Why.
    pub reason: String,
}

/// What became of a batch of readings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IngestReport {
    /// Readings stored (committed to disk before this answer).
    pub accepted: usize,
    /// Readings already stored (same sensor, same time): kept once, not an error.
    pub duplicates: usize,
    /// Lines refused, each with its reason.
    pub refused: Vec<Refusal>,
}

/// A step of an alarm's life, asked through the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum AlarmStep {
    /// Someone has seen it.
    Acknowledge {
        /// Who.
        who: String,
    },
    /// Sent to a person to deal with.
    Dispatch {
        /// Who sends it.
        who: String,
        /// To whom.
        to: String,
    },
    /// Dealt with.
    Close {
        /// Who.
        who: String,
        /// What was done.
        note: String,
    },
}

/// A change of a site's stoppage state, asked through the API. `at` is the site-local date
/// (today when left out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum StatusChange {
    /// The site stops.
    Stop {
        /// Why (the core's `StopReason`, e.g. `{"PollutionAlert": {"level": "II", "exemptions": []}}`).
        #[schema(value_type = Object)]
        reason: StopReason,
        /// Who ordered it.
        by: String,
        /// Notes.
        #[serde(default)]
        note: String,
        /// Date.
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Date)]
        at: Option<NaiveDate>,
    },
    /// The pollution alert level changes.
    ChangeAlert {
        /// New level: `III` (yellow), `II` (orange), `I` (red).
        #[schema(value_type = String)]
        level: AlertLevel,
        /// Who.
        by: String,
        /// Date.
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Date)]
        at: Option<NaiveDate>,
    },
    /// The pollution alert is lifted: the site operates again.
    LiftAlert {
        /// Who.
        by: String,
        /// Date.
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Date)]
        at: Option<NaiveDate>,
    },
    /// An abnormal stoppage is reported to the permit authority.
    Report {
        /// Who.
        by: String,
        /// Date.
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Date)]
        at: Option<NaiveDate>,
    },
    /// The site applies to resume.
    RequestResumption {
        /// Who.
        by: String,
        /// Date.
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Date)]
        at: Option<NaiveDate>,
    },
    /// The bureau approves resumption.
    ApproveResumption {
        /// Who.
        by: String,
        /// Whether the construction permit was re-verified (needed after a year stopped).
        #[serde(default)]
        permit_reverified: bool,
        /// Notes.
        #[serde(default)]
        note: String,
        /// Date.
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Date)]
        at: Option<NaiveDate>,
    },
    /// The bureau rejects the application.
    RejectResumption {
        /// Who.
        by: String,
        /// Why.
        note: String,
        /// Date.
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Date)]
        at: Option<NaiveDate>,
    },
}

/// Why a request could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The step is not allowed in the alarm's state (the state is unchanged).
    #[error("{0}")]
    Alarm(#[from] AlarmError),
    /// The change is not allowed in the site's state (the state is unchanged).
    #[error("{0}")]
    Status(#[from] StoppageError),
    /// The findings register refused the step (it is unchanged).
    #[error("{0}")]
    Finding(#[from] FindingsError),
    /// Writing failed: nothing of the request is stored.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The gateway is shutting down.
    #[error("the gateway is shutting down")]
    Closed,
    /// Another gateway on the shared store writes this site (readings go to that one).
    #[error("site {0} is written by another gateway on this store: send its readings there")]
    NotWriter(String),
    /// The gateway that writes the site refused or failed a forwarded request.
    #[error("{message}")]
    Forwarded {
        /// The HTTP status it answered with.
        status: u16,
        /// Why.
        message: String,
        /// The request's field at fault, when it named one.
        field: Option<String>,
    },
}

/// A change asked of a site that another gateway writes, forwarded to it through the store.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Forward {
    /// An alarm step.
    Alarm {
        /// Alarm id.
        id: u64,
        /// The step.
        step: AlarmStep,
    },
    /// A status change.
    Status {
        /// The change.
        change: StatusChange,
    },
    /// A review record.
    Review {
        /// The record.
        review: sitetwin_core::city::Review,
    },
    /// A step of the findings register.
    Finding {
        /// Who asks it.
        by: String,
        /// The step.
        step: Step,
    },
}

/// Who records a findings item's escalation in its history.
pub const ESCALATED_BY: &str = "gateway";

/// How long a forwarded request waits for the writing gateway.
const FORWARD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl PipelineError {
    /// The HTTP status that says it: 404 for an alarm or findings item that is not there, 409 for
    /// a step its state refuses, 422 for a findings step that is malformed in itself (a blank
    /// text, a deadline not after now, ...), 503 when the store failed.
    pub fn http_status(&self) -> u16 {
        match self {
            PipelineError::Alarm(AlarmError::NotFound(_)) | PipelineError::Finding(FindingsError::NoSuchItem(_)) => 404,
            PipelineError::Alarm(_)
            | PipelineError::Status(_)
            | PipelineError::NotWriter(_)
            | PipelineError::Finding(FindingsError::Transition { .. }) => 409,
            PipelineError::Finding(_) => 422,
            PipelineError::Store(_) | PipelineError::Closed => 503,
            PipelineError::Forwarded { status, .. } => *status,
        }
    }

    /// The request's field at fault, when the error names one (a findings step's).
    pub fn field(&self) -> Option<&str> {
        match self {
            PipelineError::Finding(e) => finding_field(e),
            PipelineError::Forwarded { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

/// The field of the API's findings requests a refused step names: `by`, `owner`, `deadline`,
/// `note`, `photo`, or `finding.object` and the like for a finding being raised.
fn finding_field(e: &FindingsError) -> Option<&'static str> {
    Some(match e {
        FindingsError::Blank { field, .. } => match *field {
            "object" => "finding.object",
            "finding text (zh and en)" => "finding.zh",
            "check item" => "finding.item",
            "patrol id" | "alarm sensor" | "alarm rule" => "finding.source",
            "owner" => "owner",
            "rectification note" | "reason for reopening" => "note",
            "photo path" => "photo",
            f if f.starts_with("name of who") => "by",
            _ => return None,
        },
        FindingsError::DeadlineNotAfter { .. } => "deadline",
        FindingsError::BadPosition { .. } => "finding.at_m",
        FindingsError::OutOfRange { .. } => "finding.found_at",
        _ => return None,
    })
}

/// A request to the writer.
pub enum Command {
    /// Readings for a site.
    Ingest {
        /// Site index.
        site: usize,
        /// How they came.
        source: Source,
        /// (line, reading).
        readings: Vec<(usize, Reading)>,
        /// The sensors the sender may push for (`None`: all of the site's).
        allowed: Option<Arc<HashSet<String>>>,
        /// Answer.
        reply: oneshot::Sender<Result<IngestReport, PipelineError>>,
    },
    /// An alarm step.
    Alarm {
        /// Site index.
        site: usize,
        /// Alarm id.
        id: u64,
        /// The step.
        step: AlarmStep,
        /// Answer: the alarm as it now is.
        reply: oneshot::Sender<Result<Alarm, PipelineError>>,
    },
    /// A status change.
    Status {
        /// Site index.
        site: usize,
        /// The change.
        change: StatusChange,
        /// Answer: the state as it now is.
        reply: oneshot::Sender<Result<SiteStoppage, PipelineError>>,
    },
    /// A review record of the bureau (already validated).
    Review {
        /// Site index.
        site: usize,
        /// The record.
        review: sitetwin_core::city::Review,
        /// Answer: the record as stored.
        reply: oneshot::Sender<Result<StoredReview, PipelineError>>,
    },
    /// A step of the site's findings register, recorded at the gateway's clock.
    Finding {
        /// Site index.
        site: usize,
        /// Who asks it.
        by: String,
        /// The step.
        step: Step,
        /// Answer: the item it changed or raised, as stored.
        reply: oneshot::Sender<Result<Item, PipelineError>>,
    },
    /// Time has passed: staleness and escalation.
    Tick,
    /// A retention sweep.
    Prune,
    /// Commit what is queued before this, then stop.
    Shutdown,
}

/// What the API reads of a site without asking the writer: its state as of the last commit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SiteView {
    /// Every sensor's live state, in scene order.
    #[schema(value_type = Vec<Object>)]
    pub sensors: Vec<SensorStatus>,
    /// Alarms not closed.
    pub open_alarms: usize,
    /// The stoppage state.
    #[schema(value_type = Object)]
    pub status: SiteStoppage,
}

/// What the writer shares with the API and the listeners.
pub struct Hub {
    /// The sites, in configuration order.
    pub sites: Vec<Arc<SiteDef>>,
    /// Site id → index.
    pub index: std::collections::HashMap<String, usize>,
    /// Each site's state as of the last commit.
    pub views: Vec<RwLock<Arc<SiteView>>>,
    /// Each site's live feed: one message per commit, its rows in id order.
    pub feeds: Vec<broadcast::Sender<Arc<Vec<FeedItem>>>>,
    /// The store (reads from any thread).
    pub store: Arc<dyn Store>,
    /// Per site: whether this gateway writes it (on a shared store, another gateway may).
    pub owned: Vec<bool>,
    /// The findings register's rules (the configuration's), for every site.
    pub finding_rules: FindingRules,
    /// The writer's queue.
    pub tx: mpsc::Sender<Command>,
}

impl Hub {
    /// The index of a site id.
    pub fn site_index(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// A site's state as of the last commit.
    pub fn view(&self, site: usize) -> Arc<SiteView> {
        match self.views[site].read() {
            Ok(v) => Arc::clone(&v),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }

    /// Queues readings and waits until they are committed.
    pub async fn ingest(
        &self,
        site: usize,
        source: Source,
        readings: Vec<(usize, Reading)>,
        allowed: Option<Arc<HashSet<String>>>,
    ) -> Result<IngestReport, PipelineError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Ingest { site, source, readings, allowed, reply }).await?;
        rx.await.map_err(|_| PipelineError::Closed)?
    }

    /// Asks an alarm step and waits until it is committed (by the gateway that writes the site).
    pub async fn alarm(&self, site: usize, id: u64, step: AlarmStep) -> Result<Alarm, PipelineError> {
        if !self.owned[site] {
            return self.forward(site, Forward::Alarm { id, step }).await;
        }
        let (reply, rx) = oneshot::channel();
        self.send(Command::Alarm { site, id, step, reply }).await?;
        rx.await.map_err(|_| PipelineError::Closed)?
    }

    /// Asks a status change and waits until it is committed.
    pub async fn status(&self, site: usize, change: StatusChange) -> Result<SiteStoppage, PipelineError> {
        if !self.owned[site] {
            return self.forward(site, Forward::Status { change }).await;
        }
        let (reply, rx) = oneshot::channel();
        self.send(Command::Status { site, change, reply }).await?;
        rx.await.map_err(|_| PipelineError::Closed)?
    }

    /// Records a review and waits until it is committed (by the gateway that writes the site, so
    /// that its live stream carries it).
    pub async fn review(
        &self,
        site: usize,
        review: sitetwin_core::city::Review,
    ) -> Result<StoredReview, PipelineError> {
        if !self.owned[site] {
            return self.forward(site, Forward::Review { review }).await;
        }
        let (reply, rx) = oneshot::channel();
        self.send(Command::Review { site, review, reply }).await?;
        rx.await.map_err(|_| PipelineError::Closed)?
    }

    /// Asks a step of the site's findings register and waits until it is committed (by the
    /// gateway that writes the site): the item it changed or raised.
    pub async fn finding(&self, site: usize, by: String, step: Step) -> Result<Item, PipelineError> {
        if !self.owned[site] {
            return self.forward(site, Forward::Finding { by, step }).await;
        }
        let (reply, rx) = oneshot::channel();
        self.send(Command::Finding { site, by, step, reply }).await?;
        rx.await.map_err(|_| PipelineError::Closed)?
    }

    /// Hands a request to the gateway that writes the site and decodes its answer
    /// (`{"ok": ...}` or `{"error": ..., "status": ..., "field": ...}`).
    async fn forward<T: serde::de::DeserializeOwned>(&self, site: usize, req: Forward) -> Result<T, PipelineError> {
        let body = serde_json::to_value(&req).map_err(|e| StoreError(e.to_string()))?;
        let store = Arc::clone(&self.store);
        let id = self.sites[site].id.clone();
        let answer = tokio::task::spawn_blocking(move || store.forward(&id, &body, FORWARD_TIMEOUT))
            .await
            .map_err(|e| StoreError(e.to_string()))??;
        if let Some(ok) = answer.get("ok") {
            return serde_json::from_value(ok.clone())
                .map_err(|e| StoreError(format!("a forwarded answer: {e}")).into());
        }
        Err(PipelineError::Forwarded {
            status: answer.get("status").and_then(|s| s.as_u64()).unwrap_or(503) as u16,
            message: answer.get("error").and_then(|e| e.as_str()).unwrap_or("no answer").to_string(),
            field: answer.get("field").and_then(|f| f.as_str()).map(String::from),
        })
    }

    /// Carries out the requests other gateways forwarded to the sites this one writes, and
    /// answers each with what the API would have (`status` is the HTTP status of a refusal).
    pub async fn serve_forwarded(&self) -> Result<usize, StoreError> {
        let mine: Vec<String> =
            self.sites.iter().zip(&self.owned).filter(|(_, o)| **o).map(|(s, _)| s.id.clone()).collect();
        let store = Arc::clone(&self.store);
        let taken = tokio::task::spawn_blocking(move || store.take_requests(&mine))
            .await
            .map_err(|e| StoreError(e.to_string()))??;
        let n = taken.len();
        for (id, site, body) in taken {
            let answer = match (self.site_index(&site), serde_json::from_value::<Forward>(body)) {
                (Some(i), Ok(req)) => {
                    let done = match req {
                        Forward::Alarm { id, step } => self.alarm(i, id, step).await.map(serde_json::to_value),
                        Forward::Status { change } => self.status(i, change).await.map(serde_json::to_value),
                        Forward::Review { review } => self.review(i, review).await.map(serde_json::to_value),
                        Forward::Finding { by, step } => self.finding(i, by, step).await.map(serde_json::to_value),
                    };
                    match done {
                        Ok(Ok(v)) => serde_json::json!({ "ok": v }),
                        Ok(Err(e)) => serde_json::json!({ "error": e.to_string(), "status": 500 }),
                        Err(e) => {
                            serde_json::json!({ "error": e.to_string(), "status": e.http_status(), "field": e.field() })
                        }
                    }
                }
                (None, _) => serde_json::json!({ "error": format!("no site `{site}` here"), "status": 404 }),
                (_, Err(e)) => serde_json::json!({ "error": format!("a forwarded request: {e}"), "status": 400 }),
            };
            let store = Arc::clone(&self.store);
            tokio::task::spawn_blocking(move || store.answer_request(id, &answer))
                .await
                .map_err(|e| StoreError(e.to_string()))??;
        }
        Ok(n)
    }

    /// Queues a command without waiting for it.
    pub async fn send(&self, cmd: Command) -> Result<(), PipelineError> {
        self.tx.send(cmd).await.map_err(|_| PipelineError::Closed)
    }
}

/// An answer held until its batch is committed.
enum Pending {
    Ingest(oneshot::Sender<Result<IngestReport, PipelineError>>, IngestReport),
    Alarm(oneshot::Sender<Result<Alarm, PipelineError>>, Alarm),
    Status(oneshot::Sender<Result<SiteStoppage, PipelineError>>, SiteStoppage),
    Review(oneshot::Sender<Result<StoredReview, PipelineError>>, StoredReview),
    Finding(oneshot::Sender<Result<Item, PipelineError>>, Item),
}

/// The writer's state (lives on its own thread).
pub struct Writer {
    hub: Arc<Hub>,
    runtimes: Vec<SiteRuntime>,
    next_id: i64,
    /// On a shared store: the end of the block of feed ids reserved for this gateway.
    id_end: Option<i64>,
    /// Reserving more ids failed: the group is not committed.
    id_failed: Option<StoreError>,
    config: GatewayConfig,
    rx: mpsc::Receiver<Command>,
    /// Each site's findings register, read from the store on its first step (`None` until then,
    /// and again after a commit that failed, so that it is read back as stored).
    findings: Vec<Option<Register>>,
}

/// Feed ids reserved at a time on a shared store.
const ID_BLOCK: i64 = 100_000;

/// Rows per message of the live feed.
pub const FEED_CHUNK: usize = 256;

/// The name of an engine event in the live stream and the store.
fn event_kind(ev: &Event) -> &'static str {
    match ev {
        Event::AlarmRaised { .. } | Event::AlarmLevelChanged { .. } | Event::AlarmCleared { .. } => "level",
        Event::DataQuality { .. } => "quality",
        Event::Stale { .. } => "stale",
        Event::HourlyMean { .. } => "hourly",
        Event::SprayRequested { .. } => "spray",
    }
}

/// An engine event as a flat JSON object with its variant in `type`.
fn event_body(ev: &Event) -> serde_json::Value {
    match serde_json::to_value(ev) {
        Ok(serde_json::Value::Object(outer)) if outer.len() == 1 => {
            let Some((name, inner)) = outer.into_iter().next() else { return serde_json::Value::Null };
            match inner {
                serde_json::Value::Object(mut m) => {
                    m.insert("type".into(), serde_json::Value::String(name));
                    serde_json::Value::Object(m)
                }
                other => serde_json::json!({ "type": name, "value": other }),
            }
        }
        Ok(v) => v,
        Err(e) => serde_json::json!({ "error": e.to_string() }),
    }
}

/// The days of a fractional day count as a duration.
fn days(d: f64) -> Duration {
    Duration::milliseconds((d * 86_400_000.0) as i64)
}

struct Group<'a> {
    batch: Batch,
    pending: Vec<Pending>,
    /// (site, sensor, time ms) of readings in this batch, for duplicates within it.
    keys: HashSet<(usize, String, i64)>,
    /// (site, alarm id) of alarms changed in this batch.
    alarms: HashSet<(usize, u64)>,
    /// Sites where an alarm was closed: their books forget closed alarms after the commit.
    closed: HashSet<usize>,
    /// A store read failed while the group was gathered: it is not committed.
    failed: Option<StoreError>,
    touched: Vec<bool>,
    /// Sites whose findings register changed in this group.
    findings: HashSet<usize>,
    store: &'a dyn Store,
}

impl Writer {
    /// A writer over restored runtimes.
    pub fn new(
        hub: Arc<Hub>,
        runtimes: Vec<SiteRuntime>,
        config: GatewayConfig,
        rx: mpsc::Receiver<Command>,
    ) -> anyhow::Result<Writer> {
        let (next_id, id_end) = match hub.store.reserve_feed_ids(ID_BLOCK)? {
            Some(first) => (first, Some(first + ID_BLOCK)),
            None => (hub.store.last_feed_id()? + 1, None),
        };
        let findings = runtimes.iter().map(|_| None).collect();
        let w = Writer { hub, runtimes, next_id, id_end, id_failed: None, config, rx, findings };
        for i in 0..w.runtimes.len() {
            w.publish_view(i);
        }
        Ok(w)
    }

    /// The first view of each site, before the writer runs.
    pub fn view_of(rt: &SiteRuntime) -> SiteView {
        SiteView {
            sensors: rt.engine.statuses().cloned().collect(),
            open_alarms: rt.alarms.open_count(),
            status: rt.status.clone(),
        }
    }

    fn publish_view(&self, site: usize) {
        let view = Arc::new(Self::view_of(&self.runtimes[site]));
        match self.hub.views[site].write() {
            Ok(mut v) => *v = view,
            Err(p) => *p.into_inner() = view,
        }
    }

    /// Runs until every sender is gone, then commits what is queued and returns.
    pub fn run(mut self) {
        while let Some(first) = self.rx.blocking_recv() {
            let store = Arc::clone(&self.hub.store);
            let mut g = Group {
                batch: Batch::default(),
                pending: Vec::new(),
                keys: HashSet::new(),
                alarms: HashSet::new(),
                closed: HashSet::new(),
                failed: None,
                touched: vec![false; self.runtimes.len()],
                findings: HashSet::new(),
                store: store.as_ref(),
            };
            let mut stop = matches!(first, Command::Shutdown);
            self.apply(first, &mut g);
            while !stop && g.batch.readings.len() < self.config.commit.max_readings {
                match self.rx.try_recv() {
                    Ok(cmd) => {
                        stop = matches!(cmd, Command::Shutdown);
                        self.apply(cmd, &mut g);
                    }
                    Err(_) => break,
                }
            }
            self.finish(g);
            if stop {
                return;
            }
        }
    }

    fn id(&mut self) -> i64 {
        if self.id_end.is_some_and(|end| self.next_id >= end) {
            match self.hub.store.reserve_feed_ids(ID_BLOCK) {
                Ok(Some(first)) => {
                    self.next_id = first;
                    self.id_end = Some(first + ID_BLOCK);
                }
                Ok(None) => self.id_end = None,
                // Ids past the block may be another gateway's: this group must not be stored.
                Err(e) => {
                    self.id_failed.get_or_insert(e);
                }
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn push_event(&mut self, g: &mut Group<'_>, site: usize, at: DateTime<Utc>, kind: &str, body: serde_json::Value) {
        let id = self.id();
        g.batch.events.push(StoredEvent { id, site: self.hub.sites[site].id.clone(), at, kind: kind.into(), body });
    }

    /// An alarm changed: it is written whole once per commit, and the live feed gets its state
    /// with the entry just added (not its whole audit trail, which a flapping alarm makes long).
    fn push_alarm(&mut self, g: &mut Group<'_>, site: usize, id: u64, action: &str, now: DateTime<Utc>) {
        let Some(a) = self.runtimes[site].alarms.get(id) else { return };
        let body = serde_json::json!({
            "action": action,
            "alarm": {
                "id": a.id, "sensor": a.sensor, "rule": a.rule, "level": a.level, "peak": a.peak,
                "raised_at": a.raised_at, "status": a.status, "assignee": a.assignee,
                "condition_active": a.condition_active, "escalations": a.escalations, "source": a.source,
            },
            "entry": a.audit.last(),
        });
        g.alarms.insert((site, id));
        self.push_event(g, site, now, "alarm", body);
    }

    /// Engine events: stored, fed to the alarm book, and the alarms they touched stored too.
    fn on_events(&mut self, g: &mut Group<'_>, site: usize, events: Vec<Event>, now: DateTime<Utc>) {
        for ev in events {
            self.push_event(g, site, now, event_kind(&ev), event_body(&ev));
            let action = match &ev {
                Event::AlarmRaised { .. } | Event::HourlyMean { .. } => "raised",
                Event::AlarmLevelChanged { .. } => "level",
                Event::AlarmCleared { .. } => "cleared",
                _ => "",
            };
            for id in self.runtimes[site].alarms.on_event(&ev) {
                self.push_alarm(g, site, id, action, now);
            }
        }
    }

    fn apply(&mut self, cmd: Command, g: &mut Group<'_>) {
        let now = Utc::now();
        match cmd {
            Command::Ingest { reply, site, .. } if !self.hub.owned[site] => {
                let _ = reply.send(Err(PipelineError::NotWriter(self.hub.sites[site].id.clone())));
            }
            Command::Ingest { site, source, readings, allowed, reply } => {
                g.touched[site] = true;
                let report = self.ingest(g, site, source, readings, allowed.as_deref(), now);
                g.pending.push(Pending::Ingest(reply, report));
            }
            Command::Alarm { site, id, step, reply } => {
                let book = &mut self.runtimes[site].alarms;
                // A step is recorded now, or just after the alarm's last entry if that is timed
                // ahead (a reading may be timed a little in the future).
                let at = book.get(id).and_then(|a| a.audit.last()).map_or(now, |e| e.at.max(now));
                let (result, action) = match &step {
                    AlarmStep::Acknowledge { who } => (book.acknowledge(id, who, at), "acknowledged"),
                    AlarmStep::Dispatch { who, to } => (book.dispatch(id, who, to, at), "dispatched"),
                    AlarmStep::Close { who, note } => (book.close(id, who, note, at), "closed"),
                };
                match result.map(|()| book.get(id).cloned()) {
                    Ok(Some(a)) => {
                        g.touched[site] = true;
                        if a.status == AlarmStatus::Closed {
                            g.closed.insert(site);
                        }
                        self.push_alarm(g, site, id, action, now);
                        g.pending.push(Pending::Alarm(reply, a));
                    }
                    Ok(None) => {
                        let _ = reply.send(Err(AlarmError::NotFound(id).into()));
                    }
                    Err(AlarmError::NotFound(_)) => {
                        // Not in memory: closed and forgotten (the store has it), or never raised.
                        let action = match &step {
                            AlarmStep::Acknowledge { .. } => "acknowledged",
                            AlarmStep::Dispatch { .. } => "dispatched",
                            AlarmStep::Close { .. } => "closed",
                        };
                        let stored = g.store.alarm(&self.hub.sites[site].id, id);
                        let e = match stored {
                            Ok(Some(a)) => PipelineError::Alarm(AlarmError::Illegal { id, status: a.status, action }),
                            Ok(None) => PipelineError::Alarm(AlarmError::NotFound(id)),
                            Err(e) => PipelineError::Store(e),
                        };
                        let _ = reply.send(Err(e));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Command::Status { site, change, reply } => {
                let today = now.with_timezone(&self.hub.sites[site].zone()).date_naive();
                // The core's state machine leaves the state as it was when it refuses a change.
                let st = &mut self.runtimes[site].status;
                let result = match change {
                    StatusChange::Stop { reason, by, note, at } => st.stop(reason, at.unwrap_or(today), &by, &note),
                    StatusChange::ChangeAlert { level, by, at } => st.change_alert(level, at.unwrap_or(today), &by),
                    StatusChange::LiftAlert { by, at } => st.lift_alert(at.unwrap_or(today), &by),
                    StatusChange::Report { by, at } => st.report(at.unwrap_or(today), &by),
                    StatusChange::RequestResumption { by, at } => st.request_resumption(at.unwrap_or(today), &by),
                    StatusChange::ApproveResumption { by, permit_reverified, note, at } => {
                        st.approve_resumption(at.unwrap_or(today), &by, permit_reverified, &note)
                    }
                    StatusChange::RejectResumption { by, note, at } => {
                        st.reject_resumption(at.unwrap_or(today), &by, &note)
                    }
                };
                match result {
                    Ok(()) => {
                        let state = st.clone();
                        g.touched[site] = true;
                        let site_id = self.hub.sites[site].id.clone();
                        g.batch.statuses.retain(|(s, _)| s != &site_id);
                        g.batch.statuses.push((site_id, state.clone()));
                        let last = state.history.last().cloned();
                        self.push_event(
                            g,
                            site,
                            now,
                            "status",
                            serde_json::json!({ "transition": last, "state": state }),
                        );
                        g.pending.push(Pending::Status(reply, state));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Command::Review { site, review, reply } => {
                // Its id is its feed event's: unique in the store, and the live stream's too.
                let id = self.next_id;
                let stored = StoredReview { id, recorded: now, review };
                let body = serde_json::to_value(&stored).unwrap_or_default();
                self.push_event(g, site, now, "review", body);
                g.batch.reviews.push(stored.clone());
                g.pending.push(Pending::Review(reply, stored));
            }
            Command::Finding { reply, site, .. } if !self.hub.owned[site] => {
                let _ = reply.send(Err(PipelineError::NotWriter(self.hub.sites[site].id.clone())));
            }
            Command::Finding { site, by, step, reply } => {
                let result = self.finding(g, site, &by, &step, now);
                match result {
                    Ok(item) => g.pending.push(Pending::Finding(reply, item)),
                    Err(e) => drop(reply.send(Err(e))),
                }
            }
            Command::Tick => {
                // Only the sites this gateway writes: another's alarms are not ours to escalate.
                let hub = Arc::clone(&self.hub);
                for site in (0..self.runtimes.len()).filter(|&i| hub.owned[i]) {
                    let events = self.runtimes[site].engine.tick(now);
                    let escalated = self.runtimes[site].alarms.escalate_overdue(now);
                    self.escalate_findings(g, site, now);
                    if events.is_empty() && escalated.is_empty() {
                        continue;
                    }
                    g.touched[site] = true;
                    self.on_events(g, site, events, now);
                    for id in escalated {
                        self.push_alarm(g, site, id, "escalated", now);
                    }
                }
            }
            Command::Shutdown => {}
            Command::Prune => {
                let r = &self.config.retention;
                let before = PruneBefore {
                    raw: now - days(r.raw_days),
                    minute: now - days(r.minute_days),
                    hour: now - days(r.hour_days),
                    events: now - days(r.event_days),
                };
                // In slices, so that ingest waits for one slice at a time, never for the sweep.
                let store = Arc::clone(&self.hub.store);
                match store.prune(&before, 10_000) {
                    Ok(p) if p.readings + p.aggregates + p.events > 0 => {
                        tracing::info!(
                            readings = p.readings,
                            aggregates = p.aggregates,
                            events = p.events,
                            "retention"
                        );
                        let tx = self.hub.tx.clone();
                        // More may remain: sweep again after this group.
                        let _ = tx.try_send(Command::Prune);
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "retention sweep failed"),
                }
            }
        }
    }

    fn ingest(
        &mut self,
        g: &mut Group<'_>,
        site: usize,
        source: Source,
        readings: Vec<(usize, Reading)>,
        allowed: Option<&HashSet<String>>,
        now: DateTime<Utc>,
    ) -> IngestReport {
        let def = Arc::clone(&self.hub.sites[site]);
        let oldest = now - days(self.config.retention.raw_days);
        let mut report = IngestReport::default();
        for (line, mut r) in readings {
            // The store keeps milliseconds: judge and compare what will be stored.
            r.time = r.time.trunc_subsecs(3);
            let refuse = |field: &str, reason: String| Refusal {
                line,
                sensor: Some(r.sensor.clone()),
                field: field.into(),
                reason,
            };
            let Some(status) = self.runtimes[site].engine.status(&r.sensor) else {
                report.refused.push(refuse("sensor", format!("no sensor `{}` at site {}", r.sensor, def.id)));
                continue;
            };
            if allowed.is_some_and(|a| !a.contains(&r.sensor)) {
                report.refused.push(refuse("sensor", format!("this token may not push for sensor `{}`", r.sensor)));
                continue;
            }
            let not_measuring = r.flag.is_some_and(|f| f.validity() == FlagValidity::Invalid);
            if !r.value.is_finite() && !not_measuring {
                report.refused.push(refuse(
                    "value",
                    format!("{} is not a number (only a reading flagged as not measuring may lack a value)", r.value),
                ));
                continue;
            }
            if let Some(why) = def.rules.general.from_the_future(r.time, now) {
                report.refused.push(refuse("time", why));
                continue;
            }
            if r.time < oldest {
                report.refused.push(refuse(
                    "time",
                    format!(
                        "{} is older than the {} days raw readings are kept",
                        r.time.to_rfc3339(),
                        self.config.retention.raw_days
                    ),
                ));
                continue;
            }
            let key = (site, r.sensor.clone(), r.time.timestamp_millis());
            if g.keys.contains(&key) {
                report.duplicates += 1;
                continue;
            }
            // Stored already? Only a reading not after the sensor's latest stored or judged one
            // can be: those are looked up.
            let latest = self.runtimes[site].stored_latest.get(&r.sensor).copied().max(status.last_seen);
            if latest.is_some_and(|t| r.time <= t) {
                match g.store.has_reading(&def.id, &r.sensor, r.time) {
                    Ok(true) => {
                        report.duplicates += 1;
                        continue;
                    }
                    Ok(false) => {}
                    Err(e) => {
                        // Whether it is a resend cannot be known: the whole group fails, so that
                        // every sender hears "not stored" and sends again.
                        g.failed.get_or_insert(e);
                        return report;
                    }
                }
            }
            let Ok(judged) = self.runtimes[site].engine.ingest(&r, now) else {
                // Unreachable: the sensor was found above.
                report.refused.push(refuse("sensor", format!("no sensor `{}` at site {}", r.sensor, def.id)));
                continue;
            };
            g.keys.insert(key);
            let latest = self.runtimes[site].stored_latest.entry(r.sensor.clone()).or_insert(r.time);
            *latest = (*latest).max(r.time);
            let id = self.id();
            let j = judged.judgement;
            g.batch.readings.push(StoredReading {
                id,
                site: def.id.clone(),
                sensor: r.sensor.clone(),
                time: r.time,
                value: r.value.is_finite().then_some(r.value),
                flag: r.flag,
                quality: j.quality.name().into(),
                level: j.level,
                rule: j.rule,
                arrived: now,
                source,
            });
            report.accepted += 1;
            self.on_events(g, site, judged.events, now);
        }
        report
    }

    /// The site's register, taken out of the pipeline's copy (read from the store on first use);
    /// the caller puts it, or its successor, back.
    fn take_register(&mut self, g: &Group<'_>, site: usize) -> Result<Register, PipelineError> {
        if let Some(r) = self.findings[site].take() {
            return Ok(r);
        }
        let site_id = &self.hub.sites[site].id;
        Register::from_items(g.store.findings(site_id)?, self.config.findings.clone()).map_err(|m| {
            StoreError(format!("site {site_id}: the stored findings register does not hold together: {m}")).into()
        })
    }

    /// A changed item into the batch and the live feed.
    fn record_finding(&mut self, g: &mut Group<'_>, site: usize, item: &Item, now: DateTime<Utc>) {
        let site_id = self.hub.sites[site].id.clone();
        g.findings.insert(site);
        g.batch.findings.retain(|f| f.site != site_id || f.item.id != item.id);
        g.batch.findings.push(StoredFinding { site: site_id.clone(), item: item.clone() });
        self.push_event(g, site, now, "finding", serde_json::json!({ "site": site_id, "item": item }));
    }

    /// A findings step on a copy of the site's register: the changed item goes into the batch and
    /// the live feed, and the copy becomes the register. A step on an item is recorded now, or at
    /// the item's last change if that is timed ahead (a clock set back must not refuse the step).
    fn finding(
        &mut self,
        g: &mut Group<'_>,
        site: usize,
        by: &str,
        step: &Step,
        now: DateTime<Utc>,
    ) -> Result<Item, PipelineError> {
        let register = self.take_register(g, site)?;
        let at =
            step.id().and_then(|id| register.get(id)).and_then(|i| i.history.last()).map_or(now, |c| c.at.max(now));
        let mut next = register.clone();
        let done = next.apply(step, by, at).map(|id| next.get(id).cloned());
        let item = match done {
            Ok(Some(item)) => item,
            Ok(None) => {
                self.findings[site] = Some(register);
                let site_id = &self.hub.sites[site].id;
                return Err(StoreError(format!("site {site_id}: a findings step lost its item")).into());
            }
            Err(e) => {
                self.findings[site] = Some(register);
                return Err(e.into());
            }
        };
        self.findings[site] = Some(next);
        self.record_finding(g, site, &item, now);
        Ok(item)
    }

    /// Records on the site's register each item found further past its deadline than recorded
    /// ([`Register::escalate`]), into the batch and the feed like any step.
    fn escalate_findings(&mut self, g: &mut Group<'_>, site: usize, now: DateTime<Utc>) {
        let mut register = match self.take_register(g, site) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(site = %self.hub.sites[site].id, error = %e, "findings escalation skipped");
                return;
            }
        };
        let changed = match register.escalate(ESCALATED_BY, now) {
            Ok(ids) => ids,
            Err(e) => {
                tracing::error!(error = %e, "findings escalation refused");
                Vec::new()
            }
        };
        let items: Vec<Item> = changed.iter().filter_map(|&id| register.get(id).cloned()).collect();
        self.findings[site] = Some(register);
        for item in &items {
            self.record_finding(g, site, item, now);
        }
    }

    fn finish(&mut self, g: Group<'_>) {
        let Group { mut batch, pending, touched, alarms, closed, failed, findings, .. } = g;
        for (site, id) in alarms {
            if let Some(a) = self.runtimes[site].alarms.get(id) {
                batch.alarms.push((self.hub.sites[site].id.clone(), a.clone()));
            }
        }
        let committed = match failed.or_else(|| self.id_failed.take()) {
            Some(e) => Err(e),
            None => self.hub.store.commit(&batch),
        };
        match committed {
            Ok(()) => {
                // Closed alarms are in the store now; the books keep what is open.
                for site in closed {
                    self.runtimes[site].alarms.forget_closed();
                }
                for (site, t) in touched.iter().enumerate() {
                    if *t {
                        self.publish_view(site);
                    }
                }
                for p in pending {
                    match p {
                        Pending::Ingest(tx, r) => drop(tx.send(Ok(r))),
                        Pending::Alarm(tx, a) => drop(tx.send(Ok(a))),
                        Pending::Status(tx, s) => drop(tx.send(Ok(s))),
                        Pending::Review(tx, r) => drop(tx.send(Ok(r))),
                        Pending::Finding(tx, i) => drop(tx.send(Ok(i))),
                    }
                }
                let mut per_site: Vec<Vec<FeedItem>> = vec![Vec::new(); self.runtimes.len()];
                let items = batch
                    .readings
                    .into_iter()
                    .map(FeedItem::Reading)
                    .chain(batch.events.into_iter().map(FeedItem::Event));
                for item in items {
                    if let Some(site) = self.hub.site_index(item.site()) {
                        per_site[site].push(item);
                    }
                }
                for (site, mut items) in per_site.into_iter().enumerate() {
                    items.sort_by_key(FeedItem::id);
                    // In chunks, so that what a slow subscriber holds back is bounded in rows.
                    while !items.is_empty() {
                        let rest = items.split_off(items.len().min(FEED_CHUNK));
                        // No subscriber is not an error.
                        let _ = self.hub.feeds[site].send(Arc::new(std::mem::replace(&mut items, rest)));
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, readings = batch.readings.len(), "commit failed; nothing of this batch is stored");
                for p in pending {
                    let err = || PipelineError::Store(StoreError(e.0.clone()));
                    match p {
                        Pending::Ingest(tx, _) => drop(tx.send(Err(err()))),
                        Pending::Alarm(tx, _) => drop(tx.send(Err(err()))),
                        Pending::Status(tx, _) => drop(tx.send(Err(err()))),
                        Pending::Review(tx, _) => drop(tx.send(Err(err()))),
                        Pending::Finding(tx, _) => drop(tx.send(Err(err()))),
                    }
                }
                // The registers hold steps that were not stored: read them back from the store on
                // their next step.
                for site in findings {
                    self.findings[site] = None;
                }
                // The rules saw what was not stored: bring every touched site back to the store.
                let now = Utc::now();
                for (site, t) in touched.iter().enumerate() {
                    if !*t {
                        continue;
                    }
                    match SiteRuntime::restore(
                        &self.hub.sites[site],
                        self.hub.store.as_ref(),
                        now,
                        self.config.replay_h,
                    ) {
                        Ok(rt) => self.runtimes[site] = rt,
                        Err(e) => {
                            tracing::error!(site = %self.hub.sites[site].id, error = %e, "cannot restore the site after a failed commit")
                        }
                    }
                    self.publish_view(site);
                }
                if let Ok(last) = self.hub.store.last_feed_id() {
                    self.next_id = self.next_id.max(last + 1);
                }
            }
        }
    }
}
