//! The gateway's storage, behind one trait: readings (raw, then minute and hour aggregates),
//! the feed of events the live stream replays, alarms with their audit trails, each site's
//! stoppage state with its history, the bureau's review records, each site's findings register,
//! and device tokens. [`SqliteStore`] is the default;
//! [`PostgresStore`] implements the same trait on a server that several gateways share.
//!
//! Every row the live stream shows has an id from one sequence (readings and events alike), so a
//! client resuming with `Last-Event-ID` gets exactly what it missed, in commit order.

mod postgres;
mod sqlite;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sitetwin_core::rules::Level;
use sitetwin_core::rules::alarm::{Alarm, AlarmStatus};
use sitetwin_core::rules::stoppage::SiteStoppage;
use sitetwin_core::telemetry::{DataFlag, Reading};

pub use postgres::{PostgresStore, redact};
pub use sqlite::SqliteStore;

/// Opens the store a gateway is told to use: the PostgreSQL database at `db` when given,
/// otherwise the SQLite file in the data folder `data`.
pub fn open(data: &std::path::Path, db: Option<&str>) -> StoreResult<std::sync::Arc<dyn Store>> {
    Ok(match db {
        Some(url) => std::sync::Arc::new(PostgresStore::open(url)?),
        None => std::sync::Arc::new(SqliteStore::open(data)?),
    })
}

/// Where a reading came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// `POST /api/v1/readings`.
    Http,
    /// An HJ 212 station over TCP.
    Hj212,
    /// An MQTT message.
    Mqtt,
}

impl Source {
    /// Stored name.
    pub fn name(self) -> &'static str {
        match self {
            Source::Http => "http",
            Source::Hj212 => "hj212",
            Source::Mqtt => "mqtt",
        }
    }

    fn parse(s: &str) -> Source {
        match s {
            "hj212" => Source::Hj212,
            "mqtt" => Source::Mqtt,
            _ => Source::Http,
        }
    }
}

/// A reading as stored, with the verdict the rules gave it when it arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredReading {
    /// Feed id (the live stream's event id).
    pub id: i64,
    /// Site id.
    #[serde(skip)]
    pub site: String,
    /// Sensor id.
    pub sensor: String,
    /// Measuring time.
    pub time: DateTime<Utc>,
    /// Value in the sensor's unit; `None` when the station sent none (an instrument that was not
    /// measuring).
    pub value: Option<f64>,
    /// HJ 212 data flag, if given.
    pub flag: Option<DataFlag>,
    /// `valid`, `suspect` or `invalid` (not used for alarms).
    pub quality: String,
    /// The level the rules set on arrival.
    pub level: Level,
    /// The rule that set it.
    pub rule: Option<String>,
    /// When the gateway took it.
    pub arrived: DateTime<Utc>,
    /// How it came.
    pub source: Source,
}

impl StoredReading {
    /// The reading itself, as the rules take it.
    pub fn reading(&self) -> Reading {
        Reading { sensor: self.sensor.clone(), time: self.time, value: self.value.unwrap_or(f64::NAN), flag: self.flag }
    }
}

/// A stored event of a site: a level change, a data-quality finding, an alarm's new state, a
/// status change, ...
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    /// Feed id.
    pub id: i64,
    /// Site id.
    #[serde(skip)]
    pub site: String,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Its kind: the live stream's event name (`level`, `quality`, `stale`, `hourly`, `spray`,
    /// `alarm`, `status`, `review`, `finding`).
    pub kind: String,
    /// Its body (JSON).
    pub body: serde_json::Value,
}

/// One row of the live feed.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedItem {
    /// A reading.
    Reading(StoredReading),
    /// Anything else.
    Event(StoredEvent),
}

impl FeedItem {
    /// Its feed id.
    pub fn id(&self) -> i64 {
        match self {
            FeedItem::Reading(r) => r.id,
            FeedItem::Event(e) => e.id,
        }
    }

    /// The site it belongs to.
    pub fn site(&self) -> &str {
        match self {
            FeedItem::Reading(r) => &r.site,
            FeedItem::Event(e) => &e.site,
        }
    }
}

/// One aggregation bucket of a sensor (valid and suspect readings only).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Aggregate {
    /// Start of the bucket.
    #[schema(value_type = String, format = DateTime)]
    pub time: DateTime<Utc>,
    /// Readings in it.
    pub count: u64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Mean value.
    pub mean: f64,
}

/// Aggregate resolutions kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// One-minute buckets.
    Minute,
    /// One-hour buckets.
    Hour,
}

impl Resolution {
    /// Bucket length, seconds.
    pub fn seconds(self) -> i64 {
        match self {
            Resolution::Minute => 60,
            Resolution::Hour => 3600,
        }
    }
}

/// Who a token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Pushes readings for its site (optionally only some sensors); reads nothing.
    Device,
    /// Reads its site.
    Viewer,
    /// Reads its site, works its alarms and sets its status.
    Operator,
    /// Operator rights on every site (the housing bureau).
    Bureau,
}

impl Role {
    /// Stored name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Device => "device",
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Bureau => "bureau",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "device" => Role::Device,
            "viewer" => Role::Viewer,
            "operator" => Role::Operator,
            "bureau" => Role::Bureau,
            _ => return None,
        })
    }
}

/// A token's grant, as stored (the token itself is not: only its SHA-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// Role.
    pub role: Role,
    /// Its site (`None` for the bureau).
    pub site: Option<String>,
    /// For a device token: the sensors it may push (empty: all of its site's).
    pub sensors: Vec<String>,
    /// A label for logs and the audit trail.
    pub label: String,
}

/// A review record as stored: the bureau's review with the id the store gave it (its feed id: the
/// live stream's `review` event carries the same) and when it was recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredReview {
    /// Its id (the feed id of its `review` event).
    pub id: i64,
    /// When the gateway recorded it.
    #[schema(value_type = String, format = DateTime)]
    pub recorded: DateTime<Utc>,
    /// The record.
    #[schema(value_type = Object)]
    pub review: sitetwin_core::city::Review,
}

/// A rectification item of a site's findings register, as a batch writes it: the whole item,
/// keyed by (site, item id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredFinding {
    /// Site id.
    pub site: String,
    /// The item as it now is.
    pub item: sitetwin_core::findings::Item,
}

/// A site's findings register as `GET /api/v1/sites/{site}/findings` gives it: the items that
/// pass the query's filters, the most urgent first ([`Register::list`]), judged at `now` under
/// the gateway's rules.
///
/// [`Register::list`]: sitetwin_core::findings::Register::list
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FindingsList {
    /// When the list was judged (overdue and escalation are as of then).
    #[schema(value_type = String, format = DateTime)]
    pub now: DateTime<Utc>,
    /// The gateway's rules: default deadlines and escalation.
    #[schema(value_type = Object)]
    pub rules: sitetwin_core::findings::FindingRules,
    /// The items, the most urgent first.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<sitetwin_core::findings::Item>,
}

/// One site of the city summary ([`Store::city_summary`]).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CitySite {
    /// Site id.
    pub site: String,
    /// Project name.
    pub name: String,
    /// District.
    pub district: String,
    /// `Operating`, `Stopped` or `ResumptionReview` (`Operating` when never set).
    pub status: String,
    /// The current stoppage's reason category (`PollutionAlert`, `Rectification`, `Abnormal`,
    /// `Seasonal`, ...), while stopped or under review.
    pub stop_category: Option<String>,
    /// Since when it is stopped.
    #[schema(value_type = Option<String>, format = Date)]
    pub stopped_since: Option<chrono::NaiveDate>,
    /// Alarms not closed, by current level name (`Warning`, `Alarm`, `Control`).
    pub open_alarms: std::collections::BTreeMap<String, u64>,
    /// When its latest reading arrived.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_arrival: Option<DateTime<Utc>>,
}

/// A city summary row as a store's query gives it, with the stored JSON's parts.
struct CityRow {
    site: String,
    name: Option<String>,
    district: String,
    status: Option<String>,
    reason: Option<serde_json::Value>,
    since: Option<String>,
    levels: Option<serde_json::Value>,
    last_arrival: Option<DateTime<Utc>>,
}

impl From<CityRow> for CitySite {
    fn from(r: CityRow) -> CitySite {
        // The category of a stored `StopReason` is its variant's name.
        let stop_category = match &r.reason {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Object(m)) => m.keys().next().cloned(),
            _ => None,
        };
        let open_alarms = match r.levels {
            Some(serde_json::Value::Object(m)) => m.into_iter().map(|(k, v)| (k, v.as_u64().unwrap_or(0))).collect(),
            _ => Default::default(),
        };
        CitySite {
            name: r.name.unwrap_or_else(|| r.site.clone()),
            site: r.site,
            district: r.district,
            status: r.status.unwrap_or_else(|| "Operating".into()),
            stop_category,
            stopped_since: r.since.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            open_alarms,
            last_arrival: r.last_arrival,
        }
    }
}

/// Everything one group commit writes.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    /// New readings.
    pub readings: Vec<StoredReading>,
    /// New events.
    pub events: Vec<StoredEvent>,
    /// Alarms whose state changed (site, alarm), written whole.
    pub alarms: Vec<(String, Alarm)>,
    /// Sites whose status changed (site, state), written whole.
    pub statuses: Vec<(String, SiteStoppage)>,
    /// New review records (append-only).
    pub reviews: Vec<StoredReview>,
    /// Findings items that changed or were raised, written whole (by site and item id).
    pub findings: Vec<StoredFinding>,
}

impl Batch {
    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.readings.is_empty()
            && self.events.is_empty()
            && self.alarms.is_empty()
            && self.statuses.is_empty()
            && self.reviews.is_empty()
            && self.findings.is_empty()
    }
}

/// What a retention sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pruned {
    /// Raw readings.
    pub readings: u64,
    /// Aggregate buckets.
    pub aggregates: u64,
    /// Events.
    pub events: u64,
}

/// Cut-offs of a retention sweep: rows older than these go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PruneBefore {
    /// Raw readings measured before this.
    pub raw: DateTime<Utc>,
    /// Minute buckets starting before this.
    pub minute: DateTime<Utc>,
    /// Hour buckets starting before this.
    pub hour: DateTime<Utc>,
    /// Events recorded before this.
    pub events: DateTime<Utc>,
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[error("store: {0}")]
pub struct StoreError(pub String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// The gateway's storage. Writes come from one writer (the pipeline) and are atomic per
/// [`Store::commit`]; reads may come from any thread at any time and see only committed data.
pub trait Store: Send + Sync + 'static {
    /// Writes a batch in one transaction, durably, before returning.
    fn commit(&self, batch: &Batch) -> StoreResult<()>;
    /// The highest feed id used so far (0 for an empty store).
    fn last_feed_id(&self) -> StoreResult<i64>;
    /// Whether a reading of this sensor at exactly this time is stored.
    fn has_reading(&self, site: &str, sensor: &str, time: DateTime<Utc>) -> StoreResult<bool>;
    /// Stored readings of a sensor measured in `[from, to]`, in time order, at most `limit`.
    fn readings(
        &self,
        site: &str,
        sensor: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<StoredReading>>;
    /// Aggregates of a sensor whose buckets start in `[from, to]`, in time order.
    fn aggregates(
        &self,
        site: &str,
        sensor: &str,
        resolution: Resolution,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Aggregate>>;
    /// The latest measuring time stored for each sensor of a site (what a resend may duplicate).
    fn latest_times(&self, site: &str) -> StoreResult<Vec<(String, DateTime<Utc>)>>;
    /// Readings of a site that arrived at or after `since`, in arrival (feed) order: what the
    /// rules replay on start.
    fn readings_since(&self, site: &str, since: DateTime<Utc>) -> StoreResult<Vec<StoredReading>>;
    /// Rows of a site's feed after `after`, in id order, at most `limit`.
    fn feed_after(&self, site: &str, after: i64, limit: usize) -> StoreResult<Vec<FeedItem>>;
    /// Readings stored for a site (every sensor), for counts.
    fn count_readings(&self, site: &str) -> StoreResult<u64>;
    /// A site's alarms, oldest first; only open ones when `open_only`.
    fn alarms(&self, site: &str, open_only: bool) -> StoreResult<Vec<Alarm>>;
    /// One alarm of a site.
    fn alarm(&self, site: &str, id: u64) -> StoreResult<Option<Alarm>>;
    /// The highest alarm id a site has used (0 if none).
    fn last_alarm_id(&self, site: &str) -> StoreResult<u64>;
    /// A site's stored status, if it was ever set.
    fn status(&self, site: &str) -> StoreResult<Option<SiteStoppage>>;
    /// Records a served site, its district and its sensor ids (so that `gateway token` can check
    /// what it is given while the gateway is not running, and the city summary lists it).
    fn register_site(&self, site: &str, name: &str, district: &str, sensors: &[String]) -> StoreResult<()>;
    /// The sensor ids of a site the store has served, if it has.
    fn site_sensors(&self, site: &str) -> StoreResult<Option<Vec<String>>>;
    /// Stores a token's grant under the token's hash.
    fn add_token(&self, hash: &str, grant: &TokenGrant) -> StoreResult<()>;
    /// The grant of a token hash, unless unknown or revoked.
    fn token(&self, hash: &str) -> StoreResult<Option<TokenGrant>>;
    /// Revokes a token by hash; whether it existed.
    fn revoke_token(&self, hash: &str) -> StoreResult<bool>;
    /// A site's review records, oldest first (by review date, then as recorded).
    fn reviews(&self, site: &str) -> StoreResult<Vec<StoredReview>>;
    /// A site's findings register: every item, in id order.
    fn findings(&self, site: &str) -> StoreResult<Vec<sitetwin_core::findings::Item>>;
    /// One row per site the store has served (every gateway's, on a shared store), by site id:
    /// its status, open alarms by level and latest arrival, in one query.
    fn city_summary(&self) -> StoreResult<Vec<CitySite>>;
    /// Whether several gateways may share this store (then each site has one writing gateway, and
    /// the others forward its changes through the store: [`Store::forward`]).
    fn shared(&self) -> bool {
        false
    }
    /// Reserves `n` consecutive feed ids for this gateway alone and returns the first, on a
    /// shared store; `None` when this gateway is the store's only writer (its ids follow
    /// [`Store::last_feed_id`]). Each reservation starts after every id reserved before it.
    fn reserve_feed_ids(&self, n: i64) -> StoreResult<Option<i64>> {
        let _ = n;
        Ok(None)
    }
    /// Claims the writing of `site` for this gateway while it runs: `false` when another gateway
    /// holds it. A store with one writer always says yes.
    fn claim_site(&self, site: &str) -> StoreResult<bool> {
        let _ = site;
        Ok(true)
    }
    /// Hands a request for `site` to the gateway that writes it and waits up to `timeout` for its
    /// answer (a shared store only).
    fn forward(
        &self,
        site: &str,
        request: &serde_json::Value,
        timeout: std::time::Duration,
    ) -> StoreResult<serde_json::Value> {
        let _ = (site, request, timeout);
        Err(StoreError("this store has one gateway: nothing to forward to".into()))
    }
    /// Requests forwarded to this gateway's sites and not yet taken: (id, site, request).
    fn take_requests(&self, sites: &[String]) -> StoreResult<Vec<(i64, String, serde_json::Value)>> {
        let _ = sites;
        Ok(Vec::new())
    }
    /// Answers a forwarded request.
    fn answer_request(&self, id: i64, answer: &serde_json::Value) -> StoreResult<()> {
        let _ = (id, answer);
        Ok(())
    }
    /// Removes what retention no longer keeps, at most `max_rows` of each table per call; the
    /// caller repeats while something was removed.
    fn prune(&self, before: &PruneBefore, max_rows: usize) -> StoreResult<Pruned>;
}

// Stored codes, shared by the stores.

fn flag_name(f: DataFlag) -> &'static str {
    match f {
        DataFlag::N => "N",
        DataFlag::F => "F",
        DataFlag::M => "M",
        DataFlag::S => "S",
        DataFlag::D => "D",
        DataFlag::C => "C",
        DataFlag::T => "T",
        DataFlag::B => "B",
    }
}

fn level_code(l: Level) -> i64 {
    match l {
        Level::Normal => 0,
        Level::Warning => 1,
        Level::Alarm => 2,
        Level::Control => 3,
    }
}

fn level_from(code: i64) -> Level {
    match code {
        1 => Level::Warning,
        2 => Level::Alarm,
        3 => Level::Control,
        _ => Level::Normal,
    }
}

/// A finding item's id as stored (a signed 64-bit column), or why it cannot be.
fn finding_key(f: &StoredFinding) -> StoreResult<i64> {
    i64::try_from(f.item.id).map_err(|_| {
        StoreError(format!(
            "site {}: finding item id {} is beyond what the store keeps ({})",
            f.site,
            f.item.id,
            i64::MAX
        ))
    })
}

fn status_name(s: AlarmStatus) -> &'static str {
    match s {
        AlarmStatus::Raised => "raised",
        AlarmStatus::Acknowledged => "acknowledged",
        AlarmStatus::Dispatched => "dispatched",
        AlarmStatus::Closed => "closed",
    }
}

/// What both stores' tests build their rows from.
#[cfg(test)]
pub(crate) mod test_support {
    use chrono::{DateTime, TimeZone, Utc};
    use sitetwin_core::rules::Level;
    use sitetwin_core::telemetry::DataFlag;

    use super::*;

    /// `s` seconds after 2025-12-01T00:00:00Z.
    pub fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_764_547_200 + s, 0).unwrap()
    }

    /// A judged reading of site `S`, arrived a second after it was measured.
    pub fn reading(id: i64, sensor: &str, time: i64, value: f64) -> StoredReading {
        StoredReading {
            id,
            site: "S".into(),
            sensor: sensor.into(),
            time: t(time),
            value: Some(value),
            flag: Some(DataFlag::N),
            quality: "valid".into(),
            level: Level::Warning,
            rule: Some("crane.load.warning".into()),
            arrived: t(time + 1),
            source: Source::Http,
        }
    }

    /// Checks both stores run against: a batch's readings and events, read back.
    pub fn check_round_trip(s: &dyn Store) {
        use std::collections::HashMap;
        let ev =
            StoredEvent { id: 2, site: "S".into(), at: t(5), kind: "level".into(), body: serde_json::json!({"a": 1}) };
        let batch = Batch {
            // B a day later: across midnight (two partitions on PostgreSQL).
            readings: vec![reading(1, "A", 0, 1.5), reading(3, "A", 30, 2.5), reading(4, "B", 86_400, 9.0)],
            events: vec![ev],
            ..Batch::default()
        };
        s.commit(&batch).unwrap();
        assert_eq!(s.last_feed_id().unwrap(), 4);
        let rows = s.readings("S", "A", t(0), t(60), 100).unwrap();
        assert_eq!(rows, vec![reading(1, "A", 0, 1.5), reading(3, "A", 30, 2.5)]);
        let ids: Vec<i64> = s.feed_after("S", 0, 100).unwrap().iter().map(FeedItem::id).collect();
        assert_eq!(ids, [1, 2, 3, 4]);
        let ids: Vec<i64> = s.feed_after("S", 2, 1).unwrap().iter().map(FeedItem::id).collect();
        assert_eq!(ids, [3]);
        assert!(s.has_reading("S", "A", t(30)).unwrap() && !s.has_reading("S", "A", t(31)).unwrap());
        assert!(!s.has_reading("nowhere", "A", t(30)).unwrap());
        let latest: HashMap<String, DateTime<Utc>> = s.latest_times("S").unwrap().into_iter().collect();
        assert_eq!((latest["A"], latest["B"]), (t(30), t(86_400)));
        // Minute buckets: 1.5 at :00 and 2.5 at :30 share one.
        let m = s.aggregates("S", "A", Resolution::Minute, t(0), t(60), 10).unwrap();
        assert_eq!((m.len(), m[0].count, m[0].min, m[0].max, m[0].mean), (1, 2, 1.5, 2.5, 2.0));
        let since: Vec<i64> = s.readings_since("S", t(20)).unwrap().iter().map(|r| r.id).collect();
        assert_eq!(since, [3, 4]);
        assert_eq!(s.count_readings("S").unwrap(), 3);
    }

    /// Checks both stores run against: review records and the city summary.
    pub fn check_reviews_and_city_summary(s: &dyn Store) {
        use chrono::{NaiveDate, TimeZone};
        use sitetwin_core::city::{Decision, Review};
        use sitetwin_core::rules::stoppage::StopReason;
        let t = |s: i64| Utc.timestamp_opt(1_764_547_200 + s, 0).unwrap();
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        s.register_site("A", "工地 A", "崇川区", &["X".into()]).unwrap();
        s.register_site("B", "工地 B", "如皋市", &["Y".into()]).unwrap();
        let review = |id: i64, date: NaiveDate, who: &str| StoredReview {
            id,
            recorded: t(id),
            review: Review {
                site: "A".into(),
                reviewer: who.into(),
                date,
                findings: vec!["塔吊回转制动未松开".into()],
                decision: Decision::KeepStopped,
                note: String::new(),
            },
        };
        let mut stopped = SiteStoppage::default();
        stopped.stop(StopReason::Rectification { order: "NT-2026-17".into() }, day(1), "监督站", "").unwrap();
        let alarm = |id: u64, level: Level, status: AlarmStatus| Alarm {
            id,
            sensor: "X".into(),
            rule: "r".into(),
            level,
            peak: level,
            raised_at: t(0),
            status,
            assignee: None,
            condition_active: true,
            escalations: 0,
            source: Default::default(),
            audit: Vec::new(),
        };
        let reading = StoredReading {
            id: 1,
            site: "A".into(),
            sensor: "X".into(),
            time: t(0),
            value: Some(1.0),
            flag: None,
            quality: "valid".into(),
            level: Level::Normal,
            rule: None,
            arrived: t(5),
            source: Source::Http,
        };
        s.commit(&Batch {
            readings: vec![reading],
            alarms: vec![
                ("A".into(), alarm(1, Level::Alarm, AlarmStatus::Raised)),
                ("A".into(), alarm(2, Level::Alarm, AlarmStatus::Acknowledged)),
                ("A".into(), alarm(3, Level::Warning, AlarmStatus::Raised)),
                ("A".into(), alarm(4, Level::Control, AlarmStatus::Closed)),
            ],
            statuses: vec![("A".into(), stopped)],
            // Recorded out of review-date order: listed by date.
            reviews: vec![review(3, day(2), "王工"), review(2, day(1), "李工")],
            ..Batch::default()
        })
        .unwrap();
        let got: Vec<(i64, String)> = s.reviews("A").unwrap().into_iter().map(|r| (r.id, r.review.reviewer)).collect();
        assert_eq!(got, [(2, "李工".to_string()), (3, "王工".to_string())]);
        assert!(s.reviews("B").unwrap().is_empty());
        let city = s.city_summary().unwrap();
        assert_eq!(city.len(), 2);
        let a = &city[0];
        assert_eq!((a.site.as_str(), a.name.as_str(), a.district.as_str()), ("A", "工地 A", "崇川区"));
        assert_eq!(
            (a.status.as_str(), a.stop_category.as_deref(), a.stopped_since),
            ("Stopped", Some("Rectification"), Some(day(1)))
        );
        let levels: Vec<(&str, u64)> = a.open_alarms.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(levels, [("Alarm", 2), ("Warning", 1)]);
        assert_eq!(a.last_arrival, Some(t(5)));
        let b = &city[1];
        assert_eq!(
            (b.status.as_str(), b.stop_category.as_deref(), b.open_alarms.len(), b.last_arrival),
            ("Operating", None, 0, None)
        );
    }

    /// A findings item of site `site`: raised with id `id` on object `object`, `changes` more
    /// assignments after its raise.
    pub fn finding(site: &str, id: u64, object: &str, changes: usize) -> StoredFinding {
        use sitetwin_core::findings::{Register, Severity, Source, Step};
        let mut r = Register::default();
        let finding = sitetwin_core::findings::FindingInput {
            source: Source::Manual,
            object: object.into(),
            at_m: Some([1.5, 0.0, -2.25]),
            table: None,
            item: Some("临边防护".into()),
            severity: Severity::Major,
            zh: "临边防护缺失".into(),
            en: "edge protection missing".into(),
            found_at: t(0),
        };
        r.apply(&Step::Raise { finding }, "王工", t(1)).unwrap();
        for n in 0..changes {
            let step = Step::Assign { id: 1, owner: format!("班长{n}"), deadline: None };
            r.apply(&step, "王工", t(2 + n as i64)).unwrap();
        }
        let mut item = r.items()[0].clone();
        item.id = id;
        StoredFinding { site: site.into(), item }
    }

    /// Checks both stores run against: findings items are upserted by (site, id) in the batch's
    /// transaction, kept apart per site, listed in id order, and still there when the store is
    /// opened again (`reopen`; `first` is dropped before).
    pub fn check_findings(first: Box<dyn Store>, reopen: &dyn Fn() -> Box<dyn Store>) {
        let s = first;
        assert!(s.findings("A").unwrap().is_empty());
        let (a1, a2, b1) = (finding("A", 1, "T1", 0), finding("A", 2, "T2", 0), finding("B", 1, "东侧临边", 0));
        // Written out of id order, with another site's item of the same id.
        s.commit(&Batch { findings: vec![a2.clone(), b1.clone(), a1.clone()], ..Batch::default() }).unwrap();
        assert_eq!(s.findings("A").unwrap(), vec![a1.item.clone(), a2.item.clone()]);
        assert_eq!(s.findings("B").unwrap(), vec![b1.item.clone()]);
        assert!(s.findings("C").unwrap().is_empty());
        // The same item again replaces it; the other site's is untouched. Nothing else is
        // needed in the batch for it to be written.
        let a1b = finding("A", 1, "T1", 2);
        assert!(!Batch { findings: vec![a1b.clone()], ..Batch::default() }.is_empty());
        s.commit(&Batch { findings: vec![a1b.clone()], ..Batch::default() }).unwrap();
        let got = s.findings("A").unwrap();
        assert_eq!(got, vec![a1b.item.clone(), a2.item.clone()]);
        assert_eq!(got[0].history.len(), 3, "the whole item, history and all");
        assert_eq!(s.findings("B").unwrap(), vec![b1.item.clone()]);
        // An id beyond the store's column is refused, naming it, and nothing of that batch is
        // written.
        let mut huge = finding("A", 3, "T3", 0);
        huge.item.id = u64::MAX;
        let e = s.commit(&Batch { findings: vec![finding("A", 4, "T4", 0), huge], ..Batch::default() }).unwrap_err();
        assert!(e.to_string().contains(&u64::MAX.to_string()), "{e}");
        assert_eq!(s.findings("A").unwrap().len(), 2);
        drop(s);
        let s = reopen();
        assert_eq!(s.findings("A").unwrap(), vec![a1b.item, a2.item]);
        assert_eq!(s.findings("B").unwrap(), vec![b1.item]);
    }
}
