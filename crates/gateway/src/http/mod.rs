//! The HTTP API: readings in (`POST /api/v1/readings`, the core's JSON-lines or CSV), and out
//! (latest values, history with downsampling, alarms and their lifecycle, site status, the
//! bureau's reviews, the findings register and its steps, the live event stream), `/healthz` and
//! `/openapi.json`. Every write is answered only after the writer
//! has committed it.

mod sse;

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sitetwin_core::findings::{FindingInput, Item, Register, Severity, State as FindingState, Step};
use sitetwin_core::rules::alarm::Alarm;
use sitetwin_core::rules::stoppage::SiteStoppage;
use sitetwin_core::telemetry::{Format, parse_readings};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::Caller;
use crate::limits::{LogOnce, RateLimiter};
use crate::pipeline::{AlarmStep, Hub, IngestReport, PipelineError, Refusal, SiteView, StatusChange};
use crate::site::SensorInfo;
use crate::store::{Aggregate, CitySite, FindingsList, Resolution, Role, Source, StoredReading, StoredReview};

/// What the handlers share.
pub struct ApiState {
    /// The writer's hub.
    pub hub: Arc<Hub>,
    /// Readings per second per token.
    pub limiter: RateLimiter,
    /// Log-once memory.
    pub log: Arc<LogOnce>,
    /// Tokens looked up lately (hash → caller, when), so that a request does not always read the store.
    tokens: Mutex<HashMap<String, (Option<Caller>, Instant)>>,
    /// Live-stream subscribers per site.
    subscribers: Vec<Arc<AtomicUsize>>,
    /// Most subscribers per site.
    max_subscribers: usize,
    /// Turns true when the gateway shuts down: live streams end.
    shutdown: tokio::sync::watch::Receiver<bool>,
}

/// How long a looked-up token is trusted before the store is asked again (a revoked token stops
/// working within this).
const TOKEN_CACHE: Duration = Duration::from_secs(10);

impl ApiState {
    /// State for `hub` with these limits.
    pub fn new(
        hub: Arc<Hub>,
        limits: &crate::config::Limits,
        log: Arc<LogOnce>,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> ApiState {
        let subscribers = hub.sites.iter().map(|_| Arc::new(AtomicUsize::new(0))).collect();
        ApiState {
            hub,
            limiter: RateLimiter::new(limits.http_token_rate_per_s, limits.http_token_burst),
            log,
            tokens: Mutex::new(HashMap::new()),
            subscribers,
            max_subscribers: limits.sse_max_subscribers,
            shutdown,
        }
    }
}

/// An error answer: `{"error": "...", "field": "..."}` with its status.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    /// What is wrong.
    error: String,
    /// The field or parameter at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(skip)]
    retry_after_s: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, error: impl Into<String>) -> Self {
        ApiError { status, error: error.into(), field: None, retry_after_s: None }
    }

    fn field(status: StatusCode, field: &str, error: impl Into<String>) -> Self {
        ApiError { status, error: error.into(), field: Some(field.into()), retry_after_s: None }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(&self)).into_response();
        if let Some(s) = self.retry_after_s
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

impl From<PipelineError> for ApiError {
    fn from(e: PipelineError) -> Self {
        let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        ApiError { field: e.field().map(String::from), ..ApiError::new(status, e.to_string()) }
    }
}

type ApiResult<T> = Result<T, ApiError>;
type Shared = Arc<ApiState>;

/// Runs a store read off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::store::StoreError> + Send + 'static,
) -> ApiResult<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())),
        Err(e) => Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("read failed: {e}"))),
    }
}

/// The caller of a request, from its bearer token.
async fn caller(state: &Shared, headers: &HeaderMap) -> ApiResult<Caller> {
    let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, m);
    let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        unauthorized("no token: send `Authorization: Bearer TOKEN` (`sitetwin gateway token` makes one)")
    })?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized("the Authorization header must be `Bearer TOKEN`"))?;
    let hash = crate::auth::hash(token);
    let cached =
        state.tokens.lock().ok().and_then(|m| m.get(&hash).filter(|(_, at)| at.elapsed() < TOKEN_CACHE).cloned());
    let found = match cached {
        Some((c, _)) => c,
        None => {
            let store = Arc::clone(&state.hub.store);
            let t = token.to_string();
            let c = blocking(move || Caller::find(store.as_ref(), &t)).await?;
            if let Ok(mut m) = state.tokens.lock() {
                if m.len() > 10_000 {
                    m.clear();
                }
                m.insert(hash, (c.clone(), Instant::now()));
            }
            c
        }
    };
    found.ok_or_else(|| unauthorized("unknown or revoked token"))
}

fn site_index(state: &Shared, site: &str) -> ApiResult<usize> {
    state
        .hub
        .site_index(site)
        .ok_or_else(|| ApiError::field(StatusCode::NOT_FOUND, "site", format!("no site `{site}`")))
}

/// The site, if the caller may read it.
async fn readable(state: &Shared, headers: &HeaderMap, site: &str) -> ApiResult<usize> {
    Ok(reader(state, headers, site).await?.0)
}

/// The site and the caller, if it may read the site.
async fn reader(state: &Shared, headers: &HeaderMap, site: &str) -> ApiResult<(usize, Caller)> {
    let c = caller(state, headers).await?;
    // Refused before looked up: a token learns nothing of sites it may not read.
    if !c.may_read(site) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, format!("this token may not read site {site}")));
    }
    Ok((site_index(state, site)?, c))
}

/// The site, if the caller may operate it.
async fn operable(state: &Shared, headers: &HeaderMap, site: &str) -> ApiResult<usize> {
    let c = caller(state, headers).await?;
    if !c.may_operate(site) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, format!("this token may not change site {site}")));
    }
    site_index(state, site)
}

/// The router of the whole API.
pub fn router(state: Shared, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi))
        .route("/api/v1/readings", post(post_readings))
        .route("/api/v1/sites", get(list_sites))
        .route("/api/v1/sites/{site}", get(get_site))
        .route("/api/v1/sites/{site}/readings", post(post_site_readings))
        .route("/api/v1/sites/{site}/latest", get(latest))
        .route("/api/v1/sites/{site}/sensors/{sensor}/readings", get(history))
        .route("/api/v1/sites/{site}/alarms", get(list_alarms))
        .route("/api/v1/sites/{site}/alarms/{id}", get(get_alarm).post(step_alarm))
        .route("/api/v1/sites/{site}/status", get(get_status).post(change_status))
        .route("/api/v1/sites/{site}/events", get(sse::events))
        .route("/api/v1/sites/{site}/reviews", get(list_reviews).post(post_review))
        .route("/api/v1/sites/{site}/findings", get(list_findings).post(raise_finding))
        .route("/api/v1/sites/{site}/findings.csv", get(findings_csv))
        .route("/api/v1/sites/{site}/findings/{id}", post(step_finding))
        .route("/api/v1/city", get(city))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// `/healthz`'s answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    status: String,
    /// How many sites are served (their ids are for tokens that may read them: `/api/v1/sites`).
    sites: usize,
    /// The last feed id committed.
    last_id: i64,
}

/// Ready: the store answers and the writer runs.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health), (status = 503, body = ApiError)))]
async fn healthz(State(state): State<Shared>) -> ApiResult<Json<Health>> {
    if state.hub.tx.is_closed() {
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the writer has stopped"));
    }
    let store = Arc::clone(&state.hub.store);
    let last_id = blocking(move || store.last_feed_id()).await?;
    Ok(Json(Health { status: "ok".into(), sites: state.hub.sites.len(), last_id }))
}

async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

/// Reads a body of readings and hands it to the writer.
async fn ingest_body(state: &Shared, c: &Caller, site: usize, headers: &HeaderMap, body: Bytes) -> ApiResult<Response> {
    let def = Arc::clone(&state.hub.sites[site]);
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "body", format!("the body is not UTF-8: {e}")))?;
    let csv =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/csv"));
    let format = if csv { Format::Csv } else { Format::JsonLines };
    let (good, bad) = parse_readings(text, format, def.rules.general.local_offset_s);
    let lines = good.len() + bad.len();
    if lines == 0 {
        return Err(ApiError::field(StatusCode::BAD_REQUEST, "body", "no readings: the body is empty"));
    }
    if good.len() as f64 > state.limiter.burst() {
        return Err(ApiError::field(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body",
            format!(
                "{} readings in one request: this token may send at most {} at once",
                good.len(),
                state.limiter.burst()
            ),
        ));
    }
    if let Err(wait) = state.limiter.take(&c.key, good.len() as f64) {
        if state.log.first("http rate limit", &c.key) {
            tracing::warn!(token = %c.grant.label, readings = good.len(), "rate limit: readings refused");
        }
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("{} readings exceed this token's rate; retry after {:.1} s", good.len(), wait.as_secs_f64()),
        );
        e.retry_after_s = Some(wait.as_secs_f64().ceil() as u64);
        return Err(e);
    }
    let mut refused: Vec<Refusal> = bad
        .into_iter()
        .map(|e| Refusal {
            line: e.line,
            sensor: None,
            field: e.field().unwrap_or("line").to_string(),
            reason: e.message,
        })
        .collect();
    let mut report = if good.is_empty() {
        IngestReport::default()
    } else {
        state.hub.ingest(site, Source::Http, good, c.sensors.clone()).await?
    };
    refused.append(&mut report.refused);
    refused.sort_by_key(|r| r.line);
    if !refused.is_empty() && state.log.first("http refused lines", &c.key) {
        tracing::warn!(token = %c.grant.label, site = %def.id, refused = refused.len(), first = %refused[0].reason, "readings refused");
    }
    report.refused = refused;
    let status =
        if report.accepted + report.duplicates == 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, Json(report)).into_response())
}

/// Push readings for the token's site. The body is the core's JSON lines
/// (`{"sensor": "TC1-LOAD", "time": "2026-11-28T09:30:00+08:00", "value": 62.5}` per line; `flag`
/// optional) or CSV with `Content-Type: text/csv`. Answered once every accepted reading is on disk.
#[utoipa::path(post, path = "/api/v1/readings", request_body(content = String, content_type = "application/x-ndjson"),
    responses((status = 200, body = IngestReport), (status = 422, body = IngestReport, description = "nothing accepted"),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 413), (status = 429, body = ApiError)),
    security(("bearer" = [])))]
async fn post_readings(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let c = caller(&state, &headers).await?;
    let Some(site) = c.grant.site.clone().filter(|s| c.may_push(s)) else {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "only a device token may push readings"));
    };
    let i = site_index(&state, &site)?;
    ingest_body(&state, &c, i, &headers, body).await
}

/// Push readings for a named site (it must be the token's).
#[utoipa::path(post, path = "/api/v1/sites/{site}/readings", params(("site" = String, Path)),
    request_body(content = String, content_type = "application/x-ndjson"),
    responses((status = 200, body = IngestReport), (status = 403, body = ApiError)), security(("bearer" = [])))]
async fn post_site_readings(
    State(state): State<Shared>,
    Path(site): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let c = caller(&state, &headers).await?;
    if !c.may_push(&site) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, format!("this token may not push readings for site {site}")));
    }
    let i = site_index(&state, &site)?;
    ingest_body(&state, &c, i, &headers, body).await
}

/// A site in lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteSummary {
    /// Site id.
    id: String,
    /// Project name.
    name: String,
    /// City.
    city: String,
    /// District.
    district: String,
    /// `Operating`, `Stopped` or `ResumptionReview`.
    status: String,
    /// Alarms not closed.
    open_alarms: usize,
    /// Sensors at their highest level now: (level name → count).
    levels: HashMap<String, usize>,
    /// Sensors that went silent.
    stale_sensors: usize,
}

fn summary(state: &Shared, i: usize) -> SiteSummary {
    let def = &state.hub.sites[i];
    let view = state.hub.view(i);
    let mut levels = HashMap::new();
    for s in &view.sensors {
        *levels.entry(s.level.name().to_string()).or_insert(0) += 1;
    }
    SiteSummary {
        id: def.id.clone(),
        name: def.name.clone(),
        city: def.city.clone(),
        district: def.district.clone(),
        status: format!("{:?}", view.status.status),
        open_alarms: view.open_alarms,
        levels,
        stale_sensors: view.sensors.iter().filter(|s| s.stale).count(),
    }
}

/// The sites this token may read.
#[utoipa::path(get, path = "/api/v1/sites", responses((status = 200, body = Vec<SiteSummary>)), security(("bearer" = [])))]
async fn list_sites(State(state): State<Shared>, headers: HeaderMap) -> ApiResult<Json<Vec<SiteSummary>>> {
    let c = caller(&state, &headers).await?;
    let out = (0..state.hub.sites.len())
        .filter(|&i| c.may_read(&state.hub.sites[i].id))
        .map(|i| summary(&state, i))
        .collect();
    Ok(Json(out))
}

/// A site with its sensors.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteDetail {
    /// The summary.
    #[serde(flatten)]
    summary: SiteSummary,
    /// Its sensors.
    sensors: Vec<SensorInfo>,
}

/// One site and its sensors.
#[utoipa::path(get, path = "/api/v1/sites/{site}", params(("site" = String, Path)),
    responses((status = 200, body = SiteDetail), (status = 404, body = ApiError)), security(("bearer" = [])))]
async fn get_site(
    State(state): State<Shared>,
    Path(site): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<SiteDetail>> {
    let i = readable(&state, &headers, &site).await?;
    let sensors = state.hub.sites[i].sensors.values().cloned().collect();
    Ok(Json(SiteDetail { summary: summary(&state, i), sensors }))
}

/// Every sensor's latest value, level, rule and staleness, as of the last commit.
#[utoipa::path(get, path = "/api/v1/sites/{site}/latest", params(("site" = String, Path)),
    responses((status = 200, body = SiteView)), security(("bearer" = [])))]
async fn latest(
    State(state): State<Shared>,
    Path(site): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<SiteView>> {
    let i = readable(&state, &headers, &site).await?;
    Ok(Json((*state.hub.view(i)).clone()))
}

/// History query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// Start (RFC 3339), inclusive; default 24 h before `to`.
    from: Option<String>,
    /// End (RFC 3339), inclusive; default now.
    to: Option<String>,
    /// `raw` (stored readings), `minute` or `hour` (aggregates), or `auto` (raw up to 6 h, minutes
    /// up to 7 days, hours beyond). Default `raw`.
    step: Option<String>,
    /// Rows at most (default 10 000, at most 100 000).
    limit: Option<usize>,
}

/// History rows: raw readings or aggregates.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum History {
    /// Stored readings.
    Raw(Vec<StoredReading>),
    /// Buckets.
    Buckets(Vec<Aggregate>),
}

fn parse_rfc3339(v: &str, name: &str) -> ApiResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v).map(|t| t.with_timezone(&Utc)).map_err(|e| {
        ApiError::field(StatusCode::BAD_REQUEST, name, format!("{name}: {v:?} is not an RFC 3339 time ({e})"))
    })
}

/// A sensor's readings in a time range, in time order (raw, or downsampled to minute or hour
/// buckets of valid readings).
#[utoipa::path(get, path = "/api/v1/sites/{site}/sensors/{sensor}/readings",
    params(("site" = String, Path), ("sensor" = String, Path), HistoryQuery),
    responses((status = 200, body = Vec<Object>,
        description = "step=raw: readings `{id, sensor, time, value, flag, quality, level, rule, arrived, source}`; \
            otherwise buckets (`Aggregate`)"), (status = 400, body = ApiError), (status = 404, body = ApiError)),
    security(("bearer" = [])))]
async fn history(
    State(state): State<Shared>,
    Path((site, sensor)): Path<(String, String)>,
    Query(q): Query<HistoryQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<History>> {
    let i = readable(&state, &headers, &site).await?;
    if !state.hub.sites[i].sensors.contains_key(&sensor) {
        return Err(ApiError::field(StatusCode::NOT_FOUND, "sensor", format!("no sensor `{sensor}` at site {site}")));
    }
    let to = q.to.as_deref().map(|v| parse_rfc3339(v, "to")).transpose()?.unwrap_or_else(Utc::now);
    let from =
        q.from.as_deref().map(|v| parse_rfc3339(v, "from")).transpose()?.unwrap_or(to - chrono::Duration::hours(24));
    if from > to {
        return Err(ApiError::field(StatusCode::BAD_REQUEST, "from", "from is after to"));
    }
    let limit = q.limit.unwrap_or(10_000).clamp(1, 100_000);
    let span = to - from;
    let step = match q.step.as_deref().unwrap_or("raw") {
        "raw" => None,
        "minute" => Some(Resolution::Minute),
        "hour" => Some(Resolution::Hour),
        "auto" if span <= chrono::Duration::hours(6) => None,
        "auto" if span <= chrono::Duration::days(7) => Some(Resolution::Minute),
        "auto" => Some(Resolution::Hour),
        other => {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "step",
                format!("step: {other:?} is not raw, minute, hour or auto"),
            ));
        }
    };
    let store = Arc::clone(&state.hub.store);
    let site_id = state.hub.sites[i].id.clone();
    let rows = match step {
        None => History::Raw(blocking(move || store.readings(&site_id, &sensor, from, to, limit)).await?),
        Some(res) => {
            History::Buckets(blocking(move || store.aggregates(&site_id, &sensor, res, from, to, limit)).await?)
        }
    };
    Ok(Json(rows))
}

/// Alarm list query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AlarmQuery {
    /// Only alarms not closed (default false: all, oldest first).
    open: Option<bool>,
}

/// A site's alarms with their audit trails.
#[utoipa::path(get, path = "/api/v1/sites/{site}/alarms", params(("site" = String, Path), AlarmQuery),
    responses((status = 200, body = Vec<Object>)), security(("bearer" = [])))]
async fn list_alarms(
    State(state): State<Shared>,
    Path(site): Path<String>,
    Query(q): Query<AlarmQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<Alarm>>> {
    let i = readable(&state, &headers, &site).await?;
    let store = Arc::clone(&state.hub.store);
    let id = state.hub.sites[i].id.clone();
    Ok(Json(blocking(move || store.alarms(&id, q.open.unwrap_or(false))).await?))
}

/// One alarm.
#[utoipa::path(get, path = "/api/v1/sites/{site}/alarms/{id}", params(("site" = String, Path), ("id" = u64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ApiError)), security(("bearer" = [])))]
async fn get_alarm(
    State(state): State<Shared>,
    Path((site, id)): Path<(String, u64)>,
    headers: HeaderMap,
) -> ApiResult<Json<Alarm>> {
    let i = readable(&state, &headers, &site).await?;
    let store = Arc::clone(&state.hub.store);
    let sid = state.hub.sites[i].id.clone();
    blocking(move || store.alarm(&sid, id))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::field(StatusCode::NOT_FOUND, "id", format!("no alarm #{id} at site {site}")))
}

fn json_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::field(StatusCode::BAD_REQUEST, "body", format!("line {} column {}: {e}", e.line(), e.column()))
    })
}

/// A step of an alarm's life: `{"action": "acknowledge", "who": "王工"}`,
/// `{"action": "dispatch", "who": "王工", "to": "李师傅"}`, `{"action": "close", "who": "李师傅", "note": "..."}`.
#[utoipa::path(post, path = "/api/v1/sites/{site}/alarms/{id}", params(("site" = String, Path), ("id" = u64, Path)),
    request_body = AlarmStep,
    responses((status = 200, body = Object), (status = 409, body = ApiError, description = "not allowed in its state"),
        (status = 403, body = ApiError)), security(("bearer" = [])))]
async fn step_alarm(
    State(state): State<Shared>,
    Path((site, id)): Path<(String, u64)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Alarm>> {
    let i = operable(&state, &headers, &site).await?;
    let step: AlarmStep = json_body(&body)?;
    Ok(Json(state.hub.alarm(i, id, step).await?))
}

/// A site's stoppage state with what follows from it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusReport {
    /// The state (status, current stoppage, past ones, history of transitions).
    #[schema(value_type = Object)]
    state: SiteStoppage,
    /// Days stopped so far (site-local today).
    days_stopped: i64,
    /// Stopped a year or more: the permit must be re-verified before resuming.
    stopped_a_year: bool,
    /// When an abnormal stoppage's report is due.
    #[schema(value_type = Option<String>, format = Date)]
    report_due: Option<NaiveDate>,
    /// That report is overdue.
    report_overdue: bool,
}

/// The site's stoppage state.
#[utoipa::path(get, path = "/api/v1/sites/{site}/status", params(("site" = String, Path)),
    responses((status = 200, body = StatusReport)), security(("bearer" = [])))]
async fn get_status(
    State(state): State<Shared>,
    Path(site): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<StatusReport>> {
    let i = readable(&state, &headers, &site).await?;
    let today = Utc::now().with_timezone(&state.hub.sites[i].zone()).date_naive();
    let st = if state.hub.owned[i] {
        state.hub.view(i).status.clone()
    } else {
        // Another gateway writes it: the store has its state.
        let store = Arc::clone(&state.hub.store);
        let id = state.hub.sites[i].id.clone();
        blocking(move || store.status(&id)).await?.unwrap_or_default()
    };
    Ok(Json(StatusReport {
        days_stopped: st.days_stopped(today),
        stopped_a_year: st.stopped_a_year(today),
        report_due: st.report_due(),
        report_overdue: st.report_overdue(today),
        state: st,
    }))
}

/// Changes the site's stoppage state: `{"action": "stop", "reason": {"Abnormal": {"cause": "欠薪"}}, "by": "..."}`,
/// `change_alert`, `lift_alert`, `report`, `request_resumption`, `approve_resumption`, `reject_resumption`.
#[utoipa::path(post, path = "/api/v1/sites/{site}/status", params(("site" = String, Path)), request_body = StatusChange,
    responses((status = 200, body = Object), (status = 409, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
async fn change_status(
    State(state): State<Shared>,
    Path(site): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<SiteStoppage>> {
    let i = operable(&state, &headers, &site).await?;
    let change: StatusChange = json_body(&body)?;
    Ok(Json(state.hub.status(i, change).await?))
}

/// The caller, if it is the bureau.
async fn bureau(state: &Shared, headers: &HeaderMap) -> ApiResult<Caller> {
    let c = caller(state, headers).await?;
    if c.grant.role != Role::Bureau {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "only a bureau token may do this"));
    }
    Ok(c)
}

/// Records the bureau's review of a site (append-only): `{"site": "...", "reviewer": "王工",
/// "date": "2026-12-02", "findings": ["..."], "decision": "keep_stopped", "note": "..."}`. The
/// live stream carries it as a `review` event with the same id.
#[utoipa::path(post, path = "/api/v1/sites/{site}/reviews", params(("site" = String, Path)),
    request_body(content = Object, description = "the core's `Review`"),
    responses((status = 200, body = StoredReview), (status = 422, body = ApiError, description = "the record is refused; `field` names why"),
        (status = 403, body = ApiError)), security(("bearer" = [])))]
async fn post_review(
    State(state): State<Shared>,
    Path(site): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<StoredReview>> {
    bureau(&state, &headers).await?;
    let i = site_index(&state, &site)?;
    let review: sitetwin_core::city::Review = json_body(&body)?;
    if let Err(e) = review.validate() {
        use sitetwin_core::city::ReviewError;
        let field = match &e {
            ReviewError::NoSite => "site",
            ReviewError::NoReviewer { .. } => "reviewer",
            ReviewError::EmptyFinding { .. } => "findings",
        };
        return Err(ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, field, e.to_string()));
    }
    if review.site != site {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "site",
            format!("the record is of site {}, posted to site {site}", review.site),
        ));
    }
    Ok(Json(state.hub.review(i, review).await?))
}

/// A site's review records, oldest first.
#[utoipa::path(get, path = "/api/v1/sites/{site}/reviews", params(("site" = String, Path)),
    responses((status = 200, body = Vec<StoredReview>)), security(("bearer" = [])))]
async fn list_reviews(
    State(state): State<Shared>,
    Path(site): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<StoredReview>>> {
    let i = readable(&state, &headers, &site).await?;
    let store = Arc::clone(&state.hub.store);
    let id = state.hub.sites[i].id.clone();
    Ok(Json(blocking(move || store.reviews(&id)).await?))
}

/// Findings list query: each filter given must match.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FindingsQuery {
    /// In this state: `open`, `rectified`, `verified` or `reopened`.
    state: Option<String>,
    /// At least this severe: `minor`, `major` or `critical`.
    severity: Option<String>,
    /// `true`: only the items overdue now (`false`: every item).
    overdue: Option<String>,
    /// On this object (its exact id).
    object: Option<String>,
}

/// A findings request refused as it is, naming the field (422).
fn unprocessable(field: &str, error: impl Into<String>) -> ApiError {
    ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, field, error)
}

impl FindingsQuery {
    /// The core's filter, or 422 naming the parameter whose value is not one it takes.
    fn filter(&self) -> ApiResult<sitetwin_core::findings::Filter> {
        let bad = |field: &str, v: &str, takes: &str| unprocessable(field, format!("{field}: {v:?} is not {takes}"));
        let state = match self.state.as_deref() {
            None => None,
            Some("open") => Some(FindingState::Open),
            Some("rectified") => Some(FindingState::Rectified),
            Some("verified") => Some(FindingState::Verified),
            Some("reopened") => Some(FindingState::Reopened),
            Some(v) => return Err(bad("state", v, "open, rectified, verified or reopened")),
        };
        let severity = match self.severity.as_deref() {
            None => None,
            Some("minor") => Some(Severity::Minor),
            Some("major") => Some(Severity::Major),
            Some("critical") => Some(Severity::Critical),
            Some(v) => return Err(bad("severity", v, "minor, major or critical")),
        };
        let overdue = match self.overdue.as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(v) => return Err(bad("overdue", v, "true or false")),
        };
        let object = match self.object.as_deref().map(str::trim) {
            Some("") => return Err(unprocessable("object", "object: the object id is empty")),
            o => o.map(String::from),
        };
        Ok(sitetwin_core::findings::Filter {
            state,
            object,
            severity_at_least: severity,
            overdue,
            ..Default::default()
        })
    }
}

/// A site's findings register as stored, under the gateway's rules.
async fn stored_register(state: &Shared, site: usize) -> ApiResult<Register> {
    let store = Arc::clone(&state.hub.store);
    let id = state.hub.sites[site].id.clone();
    let items = {
        let id = id.clone();
        blocking(move || store.findings(&id)).await?
    };
    Register::from_items(items, state.hub.finding_rules.clone()).map_err(|m| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("site {id}: the stored findings register does not hold together: {m}"),
        )
    })
}

/// A site's findings register (隐患整改): the items that pass the filters, the most urgent first
/// (most escalated, most severe, earliest deadline), judged now under the gateway's rules.
#[utoipa::path(get, path = "/api/v1/sites/{site}/findings", params(("site" = String, Path), FindingsQuery),
    responses((status = 200, body = FindingsList),
        (status = 422, body = ApiError, description = "a filter's value is not one it takes; `field` names it"),
        (status = 403, body = ApiError)), security(("bearer" = [])))]
async fn list_findings(
    State(state): State<Shared>,
    Path(site): Path<String>,
    Query(q): Query<FindingsQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<FindingsList>> {
    let i = readable(&state, &headers, &site).await?;
    let filter = q.filter()?;
    let register = stored_register(&state, i).await?;
    let now = Utc::now();
    let items = register.list(&filter, now).into_iter().cloned().collect();
    Ok(Json(FindingsList { now, rules: register.rules().clone(), items }))
}

/// Every findings item of the site as CSV (the core's export: one row per item in id order,
/// judged now), UTF-8.
#[utoipa::path(get, path = "/api/v1/sites/{site}/findings.csv", params(("site" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
async fn findings_csv(
    State(state): State<Shared>,
    Path(site): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let i = readable(&state, &headers, &site).await?;
    let register = stored_register(&state, i).await?;
    let mut csv = Vec::new();
    register
        .to_csv(Utc::now(), &mut csv)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("site {site}: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}

/// The field serde names in a refusal of a body (a missing or unknown one).
fn serde_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `").or_else(|| message.strip_prefix("unknown field `"))?;
    rest.split('`').next()
}

/// A findings request's body, or 422 naming the field serde found wrong (else `fallback`).
fn findings_body<T: serde::de::DeserializeOwned>(body: &[u8], fallback: &str) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        let message = e.to_string();
        let field = serde_field(&message).unwrap_or(fallback).to_string();
        unprocessable(&field, format!("the body: {message}"))
    })
}

/// A finding to raise: `{"by": "王工", "finding": {...}}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseFinding {
    /// Who raises it.
    pub by: String,
    /// The core's `FindingInput`: `{"source": "Manual", "object": "TC1", "at_m": null, "table":
    /// null, "item": null, "severity": "Major", "zh": "...", "en": "...", "found_at": "..."}`.
    #[schema(value_type = Object)]
    pub finding: serde_json::Value,
}

/// Raises a finding in the site's register (operators and the bureau). The same hazard on an item
/// not yet verified is not a second item: the answer is that item, with the repeat in its history.
/// The live stream carries the item as a `finding` event.
#[utoipa::path(post, path = "/api/v1/sites/{site}/findings", params(("site" = String, Path)), request_body = RaiseFinding,
    responses((status = 200, body = Object, description = "the item (the core's `Item`)"),
        (status = 422, body = ApiError, description = "the finding is refused; `field` names why"),
        (status = 403, body = ApiError)), security(("bearer" = [])))]
async fn raise_finding(
    State(state): State<Shared>,
    Path(site): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Item>> {
    let i = operable(&state, &headers, &site).await?;
    let RaiseFinding { by, finding } = findings_body(&body, "body")?;
    let finding: FindingInput = serde_json::from_value(finding).map_err(|e| {
        let message = e.to_string();
        let field = serde_field(&message).map_or_else(|| "finding".to_string(), |f| format!("finding.{f}"));
        unprocessable(&field, format!("the finding: {message}"))
    })?;
    Ok(Json(state.hub.finding(i, by, Step::Raise { finding }).await?))
}

/// A step of a findings item: the core's `Step` without its `id` (the path's), with who asks it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingStep {
    /// Who asks it.
    pub by: String,
    /// `assign`, `rectify`, `verify` or `reopen`.
    pub action: String,
    /// `assign`: who must rectify it.
    #[serde(default)]
    pub owner: Option<String>,
    /// `assign`: a new deadline (RFC 3339), after now; left out, the item keeps its own.
    #[serde(default)]
    #[schema(format = DateTime)]
    pub deadline: Option<String>,
    /// `rectify`: what was done; `reopen`: why.
    #[serde(default)]
    pub note: Option<String>,
    /// `rectify`: a photo's path.
    #[serde(default)]
    pub photo: Option<String>,
}

impl FindingStep {
    /// The core's step on item `id`, or 422 naming the field that is missing, malformed or not
    /// one of the action's.
    pub(crate) fn step(self, id: u64) -> ApiResult<Step> {
        let FindingStep { action, owner, deadline, note, photo, .. } = self;
        let not_for = |field: &str, given: bool| match given {
            true => Err(unprocessable(field, format!("{field} does not go with action {action}"))),
            false => Ok(()),
        };
        let needed = |field: &str, v: Option<String>| {
            v.ok_or_else(|| unprocessable(field, format!("action {action} needs {field}")))
        };
        Ok(match action.as_str() {
            "assign" => {
                not_for("note", note.is_some())?;
                not_for("photo", photo.is_some())?;
                let deadline = deadline
                    .map(|d| {
                        DateTime::parse_from_rfc3339(&d).map(|t| t.with_timezone(&Utc)).map_err(|e| {
                            unprocessable("deadline", format!("deadline: {d:?} is not an RFC 3339 time ({e})"))
                        })
                    })
                    .transpose()?;
                Step::Assign { id, owner: needed("owner", owner)?, deadline }
            }
            "rectify" => {
                not_for("owner", owner.is_some())?;
                not_for("deadline", deadline.is_some())?;
                Step::Rectify { id, note: needed("note", note)?, photo }
            }
            "verify" => {
                not_for("owner", owner.is_some())?;
                not_for("deadline", deadline.is_some())?;
                not_for("note", note.is_some())?;
                not_for("photo", photo.is_some())?;
                Step::Verify { id }
            }
            "reopen" => {
                not_for("owner", owner.is_some())?;
                not_for("deadline", deadline.is_some())?;
                not_for("photo", photo.is_some())?;
                Step::Reopen { id, note: needed("note", note)? }
            }
            other => {
                return Err(unprocessable(
                    "action",
                    format!(
                        "action {other:?} is not assign, rectify, verify or reopen (a finding is raised by POST \
                         .../findings)"
                    ),
                ));
            }
        })
    }
}

/// A step of a findings item (operators and the bureau): `{"by": "王工", "action": "assign",
/// "owner": "李班长", "deadline": "2026-12-04T18:00:00Z"}`, `{"by": ..., "action": "rectify",
/// "note": "...", "photo": "..."}`, `{"by": ..., "action": "verify"}`, `{"by": ..., "action":
/// "reopen", "note": "..."}`. Recorded at the gateway's clock; the live stream carries the item as
/// a `finding` event.
#[utoipa::path(post, path = "/api/v1/sites/{site}/findings/{id}", params(("site" = String, Path), ("id" = u64, Path)),
    request_body = FindingStep,
    responses((status = 200, body = Object, description = "the item as it now is (the core's `Item`)"),
        (status = 404, body = ApiError, description = "no such item"),
        (status = 409, body = ApiError, description = "its state does not allow the step"),
        (status = 422, body = ApiError, description = "the step is refused as it is; `field` names why"),
        (status = 403, body = ApiError)), security(("bearer" = [])))]
async fn step_finding(
    State(state): State<Shared>,
    Path((site, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Item>> {
    let i = operable(&state, &headers, &site).await?;
    let id: u64 = id.parse().map_err(|_| {
        ApiError::field(
            StatusCode::NOT_FOUND,
            "id",
            format!("no finding item `{id}` at site {site}: ids are 1, 2, ..."),
        )
    })?;
    let body: FindingStep = findings_body(&body, "body")?;
    let by = body.by.clone();
    let step = body.step(id)?;
    Ok(Json(state.hub.finding(i, by, step).await?))
}

/// The whole city at a glance (bureau only): every site the store has served, by every gateway
/// on it, with its status, stop category and date, open alarms by level and latest arrival.
#[utoipa::path(get, path = "/api/v1/city", responses((status = 200, body = Vec<CitySite>), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
async fn city(State(state): State<Shared>, headers: HeaderMap) -> ApiResult<Json<Vec<CitySite>>> {
    bureau(&state, &headers).await?;
    let store = Arc::clone(&state.hub.store);
    Ok(Json(blocking(move || store.city_summary()).await?))
}

/// The OpenAPI description served at `/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(title = "sitetwin gateway", description = "Construction-site telemetry: readings in, alarms and live state out."),
    paths(healthz, post_readings, post_site_readings, list_sites, get_site, latest, history, list_alarms, get_alarm,
        step_alarm, get_status, change_status, sse::events, post_review, list_reviews, list_findings, findings_csv,
        raise_finding, step_finding, city),
    components(schemas(IngestReport, Refusal, ApiError, Health, SiteSummary, SiteDetail, SensorInfo, SiteView,
        Aggregate, AlarmStep, StatusChange, StatusReport, StoredReview, CitySite, FindingsList, RaiseFinding,
        FindingStep)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
