//! The PostgreSQL store (`--db postgres://...`): the same [`Store`] as SQLite's, on a server that
//! several gateways can share. Migrations are versioned SQL applied at open (`schema_version`).
//!
//! Raw readings live in a table partitioned by day of measuring time (`readings_pYYYYMMDD`,
//! created on demand), keyed by small integer ids of the site and of the sensor series, so that a
//! city's readings stay small and retention drops whole days instead of deleting rows. A group
//! commit is one transaction of a few statements whatever its size: the readings go in as arrays
//! (`unnest`), and their minute and hour aggregates are summed by the same statement.
//!
//! The trait is synchronous and called from the writer's thread, from `spawn_blocking` threads
//! and, at start, from async tasks. The connections are driven by the store's own small tokio
//! runtime; a call hands its query to a connection and parks its thread until the answer comes
//! ([`block_on`]), so it never enters the caller's runtime and cannot panic there. One writer
//! connection takes the commits; readers take connections from a small pool and never wait for it.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sitetwin_core::rules::alarm::Alarm;
use sitetwin_core::rules::stoppage::SiteStoppage;
use sitetwin_core::telemetry::DataFlag;
use tokio_postgres::{Client, NoTls, Row};

use super::{
    Aggregate, Batch, CityRow, CitySite, FeedItem, PruneBefore, Pruned, Resolution, Role, Source, Store, StoreError,
    StoreResult, StoredEvent, StoredReading, StoredReview, TokenGrant, finding_key, level_code, level_from,
    status_name,
};

/// Reader connections open at most; a reader beyond them waits for one to come back.
const MAX_READERS: usize = 16;

/// Advisory lock keys (the first of the two 32-bit keys is the store's: "ST").
const LOCK_SPACE: i32 = 0x5354;
const LOCK_MIGRATIONS: i32 = 1;
const LOCK_PARTITIONS: i32 = 2;
/// The key space of site claims (the second key is the site's key).
const LOCK_SITES: i32 = 0x5355;

/// The migrations, in order: (version, what it does, SQL). A database records the versions it
/// has in `schema_version`; opening applies the missing ones in one transaction.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "sites and sensor series, readings partitioned by day, aggregates, events, alarms, status, tokens",
        "
CREATE TABLE meta (key text PRIMARY KEY, value bigint NOT NULL);
CREATE TABLE sites (
    key integer GENERATED ALWAYS AS IDENTITY UNIQUE,
    site text PRIMARY KEY,
    name text,
    sensors jsonb
);
CREATE TABLE series (
    key integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_key integer NOT NULL REFERENCES sites (key),
    sensor text NOT NULL,
    UNIQUE (site_key, sensor)
);
CREATE TABLE readings (
    series integer NOT NULL,
    t timestamptz NOT NULL,
    id bigint NOT NULL,
    site_key integer NOT NULL,
    level smallint NOT NULL,
    value double precision,
    arrived timestamptz NOT NULL,
    flag text,
    quality text NOT NULL,
    rule text,
    source text NOT NULL,
    PRIMARY KEY (series, t)
) PARTITION BY RANGE (t);
CREATE INDEX readings_by_feed ON readings (site_key, id);
CREATE INDEX readings_by_arrival ON readings (site_key, arrived);
CREATE TABLE aggregates (
    series integer NOT NULL,
    res_s integer NOT NULL,
    t timestamptz NOT NULL,
    n bigint NOT NULL,
    sum double precision NOT NULL,
    min double precision NOT NULL,
    max double precision NOT NULL,
    PRIMARY KEY (series, res_s, t)
);
CREATE INDEX aggregates_by_age ON aggregates (res_s, t);
CREATE TABLE events (
    id bigint PRIMARY KEY,
    site_key integer NOT NULL,
    at timestamptz NOT NULL,
    kind text NOT NULL,
    body jsonb NOT NULL
);
CREATE INDEX events_by_site ON events (site_key, id);
CREATE INDEX events_by_age ON events (at);
CREATE TABLE alarms (
    site text NOT NULL,
    id bigint NOT NULL,
    sensor text NOT NULL,
    status text NOT NULL,
    body jsonb NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (site, id)
);
CREATE TABLE site_status (site text PRIMARY KEY, body jsonb NOT NULL);
CREATE TABLE tokens (
    hash text PRIMARY KEY,
    role text NOT NULL,
    site text,
    sensors jsonb NOT NULL,
    label text NOT NULL,
    created timestamptz NOT NULL,
    revoked timestamptz
);
",
    ),
    (
        2,
        "districts, review records, each site's latest arrival, an index of open alarms",
        "
ALTER TABLE sites ADD COLUMN district text NOT NULL DEFAULT '';
CREATE TABLE reviews (
    id bigint PRIMARY KEY,
    site text NOT NULL,
    date date NOT NULL,
    recorded timestamptz NOT NULL,
    body jsonb NOT NULL
);
CREATE INDEX reviews_by_site ON reviews (site, date, id);
CREATE TABLE site_activity (site_key integer PRIMARY KEY, last_arrived timestamptz NOT NULL);
INSERT INTO site_activity (site_key, last_arrived) SELECT site_key, max(arrived) FROM readings GROUP BY site_key;
CREATE INDEX alarms_open ON alarms (site) WHERE status <> 'closed';
",
    ),
    (
        3,
        "feed ids reserved in blocks, requests forwarded between gateways",
        "
INSERT INTO meta (key, value)
SELECT 'feed_reserved', greatest(coalesce((SELECT value FROM meta WHERE key = 'last_feed_id'), 0),
                                 coalesce((SELECT max(id) FROM events), 0))
ON CONFLICT (key) DO NOTHING;
CREATE TABLE requests (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site text NOT NULL,
    body jsonb NOT NULL,
    asked timestamptz NOT NULL DEFAULT now(),
    taken timestamptz,
    answer jsonb
);
CREATE INDEX requests_open ON requests (site, id) WHERE taken IS NULL;
",
    ),
    (
        4,
        "each site's findings register (rectification items)",
        "
CREATE TABLE findings (
    site text NOT NULL,
    id bigint NOT NULL,
    state text NOT NULL,
    body jsonb NOT NULL,
    PRIMARY KEY (site, id)
);
",
    ),
];

/// The newest schema this gateway knows.
pub const SCHEMA_VERSION: i32 = MIGRATIONS[MIGRATIONS.len() - 1].0;

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError(describe(&e))
    }
}

/// A PostgreSQL error with the server's message (its `Display` alone says only "db error").
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("postgres: {} ({})", db.message(), db.code().code()),
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(c) = src {
                let more = c.to_string();
                if !s.contains(&more) {
                    s.push_str(": ");
                    s.push_str(&more);
                }
                src = c.source();
            }
            s
        }
    }
}

fn json_err(e: serde_json::Error) -> StoreError {
    StoreError(format!("a stored row does not decode: {e}"))
}

/// A connection URL with its password replaced by `***`, for messages and logs.
pub fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, tail) = match rest.find(['/', '?']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let authority = match authority.rsplit_once('@') {
            Some((user, host)) => match user.split_once(':') {
                Some((name, _)) => format!("{name}:***@{host}"),
                None => format!("{user}@{host}"),
            },
            None => authority.to_string(),
        };
        // A password may also come as a query parameter.
        let tail = tail
            .split('&')
            .map(|p| match p.split_once("password=") {
                Some((head, _)) => format!("{head}password=***"),
                None => p.to_string(),
            })
            .collect::<Vec<_>>()
            .join("&");
        return format!("{scheme}://{authority}{tail}");
    }
    // Key-value form: `host=... password=...`.
    url.split_whitespace()
        .map(|kv| if kv.starts_with("password=") { "password=***".to_string() } else { kv.to_string() })
        .collect::<Vec<_>>()
        .join(" ")
}

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on this thread, parking between polls. The futures given here
/// only talk to connections over channels (the connections themselves run on the store's
/// runtime), so this works on any thread: the writer's, a `spawn_blocking` one, or a runtime's
/// worker at start-up, where tokio's own `block_on` would panic.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

/// What the writer connection keeps: the connection and the keys it has resolved.
struct WriterState {
    client: Client,
    /// Site id → key.
    sites: HashMap<String, i32>,
    /// (site key, sensor) → series key.
    series: HashMap<(i32, String), i32>,
    /// Days that have a readings partition.
    partitions: HashSet<NaiveDate>,
    /// Keys of the sites this gateway writes (held as advisory locks of this connection).
    claims: Vec<i32>,
}

struct Pool {
    idle: Vec<Client>,
    open: usize,
}

/// The PostgreSQL store of a database.
pub struct PostgresStore {
    /// Drives the connections; shut down in the background when the store is dropped (dropping a
    /// runtime from async code would panic).
    rt: Option<tokio::runtime::Runtime>,
    config: tokio_postgres::Config,
    url: String,
    writer: Mutex<WriterState>,
    readers: Mutex<Pool>,
    returned: Condvar,
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// A reader connection, back to the pool when dropped.
struct Lease<'a> {
    store: &'a PostgresStore,
    client: Option<Client>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let Ok(mut pool) = self.store.readers.lock() else { return };
        match self.client.take() {
            Some(c) if !c.is_closed() => pool.idle.push(c),
            _ => pool.open = pool.open.saturating_sub(1),
        }
        self.store.returned.notify_one();
    }
}

fn poisoned<T>(_: std::sync::PoisonError<T>) -> StoreError {
    StoreError("a store lock is poisoned".into())
}

fn partition_name(day: NaiveDate) -> String {
    format!("readings_p{}", day.format("%Y%m%d"))
}

fn partition_day(name: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(name.strip_prefix("readings_p")?, "%Y%m%d").ok()
}

fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

const READING_COLUMNS: &str = "r.id, se.sensor, r.t, r.value, r.flag, r.quality, r.level, r.rule, r.arrived, r.source FROM readings r \
     JOIN series se ON se.key = r.series";

/// The key of a site id, in SQL (NULL when the store never saw it, which matches nothing).
const SITE_KEY: &str = "(SELECT key FROM sites WHERE site = $1)";

fn reading_row(site: &str, row: &Row) -> StoreResult<StoredReading> {
    let flag: Option<String> = row.try_get(4)?;
    let source: String = row.try_get(9)?;
    let level: i16 = row.try_get(6)?;
    Ok(StoredReading {
        id: row.try_get(0)?,
        site: site.to_string(),
        sensor: row.try_get(1)?,
        time: row.try_get(2)?,
        value: row.try_get(3)?,
        flag: flag.as_deref().and_then(DataFlag::parse),
        quality: row.try_get(5)?,
        level: level_from(i64::from(level)),
        rule: row.try_get(7)?,
        arrived: row.try_get(8)?,
        source: Source::parse(&source),
    })
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`), applies the
    /// migrations it lacks, and refuses a database whose schema is newer than this gateway's.
    pub fn open(url: &str) -> StoreResult<PostgresStore> {
        let shown = redact(url);
        let mut config: tokio_postgres::Config =
            url.parse().map_err(|e| StoreError(format!("{shown} is not a PostgreSQL URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        config.application_name("sitetwin-gateway");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sitetwin-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError(format!("cannot start the PostgreSQL client runtime: {e}")))?;
        let client = Self::connect_with(&rt, &config, &shown)?;
        let mut state = WriterState {
            client,
            sites: HashMap::new(),
            series: HashMap::new(),
            partitions: HashSet::new(),
            claims: Vec::new(),
        };
        block_on(Self::migrate(&mut state.client, &shown))?;
        let store = PostgresStore {
            rt: Some(rt),
            config,
            url: shown,
            writer: Mutex::new(state),
            readers: Mutex::new(Pool { idle: Vec::new(), open: 0 }),
            returned: Condvar::new(),
        };
        Ok(store)
    }

    /// The database's URL, password hidden.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn connect_with(rt: &tokio::runtime::Runtime, config: &tokio_postgres::Config, shown: &str) -> StoreResult<Client> {
        let config = config.clone();
        let task = rt.spawn(async move {
            let (client, conn) = config.connect(NoTls).await?;
            tokio::spawn(async move {
                if let Err(e) = conn.await {
                    tracing::warn!(error = %describe(&e), "a PostgreSQL connection ended");
                }
            });
            Ok::<_, tokio_postgres::Error>(client)
        });
        match block_on(task) {
            Ok(Ok(c)) => Ok(c),
            Ok(Err(e)) => Err(StoreError(format!("cannot connect to {shown}: {}", describe(&e)))),
            Err(e) => Err(StoreError(format!("cannot connect to {shown}: {e}"))),
        }
    }

    fn connect(&self) -> StoreResult<Client> {
        let rt = self.rt.as_ref().ok_or_else(|| StoreError("the store is closed".into()))?;
        Self::connect_with(rt, &self.config, &self.url)
    }

    async fn migrate(client: &mut Client, shown: &str) -> StoreResult<()> {
        let tx = client.transaction().await?;
        // Gateways starting together on one database migrate it one at a time.
        tx.execute("SELECT pg_advisory_xact_lock($1, $2)", &[&LOCK_SPACE, &LOCK_MIGRATIONS]).await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (
                version integer PRIMARY KEY, what text NOT NULL, applied timestamptz NOT NULL DEFAULT now())",
        )
        .await?;
        let current: i32 = tx.query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[]).await?.get(0);
        if current > SCHEMA_VERSION {
            return Err(StoreError(format!(
                "{shown} holds schema version {current}; this gateway knows versions up to {SCHEMA_VERSION}: \
                 run a newer gateway"
            )));
        }
        for (version, what, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > current) {
            tx.batch_execute(sql)
                .await
                .map_err(|e| StoreError(format!("{shown}: migration {version} ({what}) failed: {}", describe(&e))))?;
            tx.execute("INSERT INTO schema_version (version, what) VALUES ($1, $2)", &[version, what]).await?;
            tracing::info!(db = %shown, version, what, "database migrated");
        }
        tx.commit().await?;
        Ok(())
    }

    /// Runs `f` on a reader connection from the pool.
    fn read<T>(&self, f: impl AsyncFnOnce(&Client) -> StoreResult<T>) -> StoreResult<T> {
        let lease = self.lease()?;
        let Some(client) = lease.client.as_ref() else { return Err(StoreError("no connection".into())) };
        block_on(f(client))
    }

    fn lease(&self) -> StoreResult<Lease<'_>> {
        let mut pool = self.readers.lock().map_err(poisoned)?;
        loop {
            if let Some(c) = pool.idle.pop() {
                if c.is_closed() {
                    pool.open = pool.open.saturating_sub(1);
                    continue;
                }
                return Ok(Lease { store: self, client: Some(c) });
            }
            if pool.open < MAX_READERS {
                pool.open += 1;
                drop(pool);
                return match self.connect() {
                    Ok(c) => Ok(Lease { store: self, client: Some(c) }),
                    Err(e) => {
                        // Give the slot back.
                        drop(Lease { store: self, client: None });
                        Err(e)
                    }
                };
            }
            pool = self.returned.wait(pool).map_err(poisoned)?;
        }
    }

    /// Runs `f` with the writer connection (reconnecting it if it was lost).
    fn write<T>(&self, f: impl AsyncFnOnce(&mut WriterState) -> StoreResult<T>) -> StoreResult<T> {
        let mut w: MutexGuard<'_, WriterState> = self.writer.lock().map_err(poisoned)?;
        if w.client.is_closed() {
            w.client = self.connect()?;
            // The claims went with the old connection: take them again, or write nothing.
            for key in w.claims.clone() {
                let held: bool =
                    block_on(w.client.query_one("SELECT pg_try_advisory_lock($1, $2)", &[&LOCK_SITES, &key]))?
                        .try_get(0)?;
                if !held {
                    return Err(StoreError(format!(
                        "the connection to {} was lost and another gateway now writes site key {key}",
                        self.url
                    )));
                }
            }
        }
        block_on(f(&mut w))
    }

    /// Creates (or empties) database `name` on the server of `admin_url` and returns its URL: for
    /// tests and set-up scripts, each of which wants a database of its own.
    pub fn create_database(admin_url: &str, name: &str) -> StoreResult<String> {
        check_db_name(name)?;
        let shown = redact(admin_url);
        let config: tokio_postgres::Config =
            admin_url.parse().map_err(|e| StoreError(format!("{shown} is not a PostgreSQL URL: {e}")))?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError(format!("cannot start a runtime: {e}")))?;
        let out = rt.block_on(async {
            let (client, conn) = config.connect(NoTls).await?;
            let conn = tokio::spawn(conn);
            client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await?;
            client.batch_execute(&format!("CREATE DATABASE \"{name}\"")).await?;
            drop(client);
            let _ = conn.await;
            Ok::<_, tokio_postgres::Error>(())
        });
        out.map_err(|e| StoreError(format!("{shown}: cannot create database {name}: {}", describe(&e))))?;
        // postgres://user@host:port/db?params → the same with /name.
        let (base, query) = match admin_url.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (admin_url, String::new()),
        };
        let Some((scheme, rest)) = base.split_once("://") else {
            return Err(StoreError(format!("{shown}: give the server as a postgres:// URL")));
        };
        let authority = rest.split_once('/').map_or(rest, |(a, _)| a);
        Ok(format!("{scheme}://{authority}/{name}{query}"))
    }
}

/// Database names made by [`PostgresStore::create_database`] are plain: letters, digits, `_`.
fn check_db_name(name: &str) -> StoreResult<()> {
    if name.is_empty() || name.len() > 63 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError(format!("{name:?} is not a plain database name (letters, digits, _; at most 63)")));
    }
    Ok(())
}

impl WriterState {
    /// The keys of these sites, created when new.
    async fn site_keys<'a>(&mut self, sites: impl Iterator<Item = &'a str>) -> StoreResult<()> {
        let missing: Vec<&str> = {
            let mut seen = HashSet::new();
            sites.filter(|s| !self.sites.contains_key(*s) && seen.insert(*s)).collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        self.client
            .execute(
                "INSERT INTO sites (site) SELECT * FROM unnest($1::text[]) ON CONFLICT (site) DO NOTHING",
                &[&missing],
            )
            .await?;
        for row in self.client.query("SELECT site, key FROM sites WHERE site = ANY($1)", &[&missing]).await? {
            self.sites.insert(row.try_get(0)?, row.try_get(1)?);
        }
        Ok(())
    }

    fn site_key(&self, site: &str) -> StoreResult<i32> {
        self.sites.get(site).copied().ok_or_else(|| StoreError(format!("site {site} has no key")))
    }

    /// The series keys of these (site, sensor) pairs, created when new.
    async fn series_keys<'a>(&mut self, pairs: impl Iterator<Item = (&'a str, &'a str)>) -> StoreResult<()> {
        let mut sites = Vec::new();
        let mut sensors = Vec::new();
        let mut seen = HashSet::new();
        for (site, sensor) in pairs {
            let k = self.site_key(site)?;
            if !self.series.contains_key(&(k, sensor.to_string())) && seen.insert((k, sensor)) {
                sites.push(k);
                sensors.push(sensor);
            }
        }
        if sites.is_empty() {
            return Ok(());
        }
        self.client
            .execute(
                "INSERT INTO series (site_key, sensor) SELECT * FROM unnest($1::integer[], $2::text[])
                 ON CONFLICT (site_key, sensor) DO NOTHING",
                &[&sites, &sensors],
            )
            .await?;
        let rows = self
            .client
            .query(
                "SELECT se.site_key, se.sensor, se.key FROM series se
                 JOIN unnest($1::integer[], $2::text[]) AS w (site_key, sensor)
                   ON w.site_key = se.site_key AND w.sensor = se.sensor",
                &[&sites, &sensors],
            )
            .await?;
        for row in rows {
            self.series.insert((row.try_get(0)?, row.try_get(1)?), row.try_get(2)?);
        }
        Ok(())
    }

    /// Makes sure each of these days has its readings partition.
    async fn partitions(&mut self, days: impl Iterator<Item = NaiveDate>) -> StoreResult<()> {
        let mut missing: Vec<NaiveDate> = days.filter(|d| !self.partitions.contains(d)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        missing.sort();
        missing.dedup();
        // What exists now (another gateway may have made some).
        self.partitions = existing_partitions(&self.client).await?.into_iter().collect();
        missing.retain(|d| !self.partitions.contains(d));
        if missing.is_empty() {
            return Ok(());
        }
        let tx = self.client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1, $2)", &[&LOCK_SPACE, &LOCK_PARTITIONS]).await?;
        for day in &missing {
            let next = day.succ_opt().unwrap_or(*day);
            tx.batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {} PARTITION OF readings FOR VALUES FROM ('{}') TO ('{}')",
                partition_name(*day),
                day_start(*day).to_rfc3339(),
                day_start(next).to_rfc3339(),
            ))
            .await?;
        }
        tx.commit().await?;
        self.partitions.extend(missing);
        Ok(())
    }
}

async fn existing_partitions(c: &Client) -> StoreResult<Vec<NaiveDate>> {
    let rows = c
        .query(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'readings'::regclass",
            &[],
        )
        .await?;
    let mut days = Vec::new();
    for r in rows {
        let name: String = r.try_get(0)?;
        if let Some(d) = partition_day(&name) {
            days.push(d);
        }
    }
    Ok(days)
}

impl Store for PostgresStore {
    fn commit(&self, batch: &Batch) -> StoreResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        self.write(async |w| {
            // Keys and partitions first, each committed on its own: harmless if the batch fails.
            let sites = batch.readings.iter().map(|r| r.site.as_str()).chain(batch.events.iter().map(|e| e.site.as_str()));
            w.site_keys(sites).await?;
            w.series_keys(batch.readings.iter().map(|r| (r.site.as_str(), r.sensor.as_str()))).await?;
            w.partitions(batch.readings.iter().map(|r| r.time.date_naive())).await?;

            let n = batch.readings.len();
            let mut series = Vec::with_capacity(n);
            let mut site_keys = Vec::with_capacity(n);
            let mut times = Vec::with_capacity(n);
            let mut ids = Vec::with_capacity(n);
            let mut levels = Vec::with_capacity(n);
            let mut values = Vec::with_capacity(n);
            let mut arrived = Vec::with_capacity(n);
            let mut flags = Vec::with_capacity(n);
            let mut qualities = Vec::with_capacity(n);
            let mut rules = Vec::with_capacity(n);
            let mut sources = Vec::with_capacity(n);
            for r in &batch.readings {
                let k = w.site_key(&r.site)?;
                let s = w
                    .series
                    .get(&(k, r.sensor.clone()))
                    .copied()
                    .ok_or_else(|| StoreError(format!("sensor {} of site {} has no key", r.sensor, r.site)))?;
                series.push(s);
                site_keys.push(k);
                times.push(r.time);
                ids.push(r.id);
                levels.push(level_code(r.level) as i16);
                values.push(r.value.filter(|v| v.is_finite()));
                arrived.push(r.arrived);
                flags.push(r.flag.map(super::flag_name));
                qualities.push(r.quality.as_str());
                rules.push(r.rule.as_deref());
                sources.push(r.source.name());
            }
            let mut e_ids = Vec::new();
            let mut e_sites = Vec::new();
            let mut e_at = Vec::new();
            let mut e_kinds = Vec::new();
            let mut e_bodies = Vec::new();
            for e in &batch.events {
                e_ids.push(e.id);
                e_sites.push(w.site_key(&e.site)?);
                e_at.push(e.at);
                e_kinds.push(e.kind.as_str());
                e_bodies.push(&e.body);
            }
            let mut alarm_rows = Vec::new();
            for (site, a) in &batch.alarms {
                alarm_rows.push((site, a.id as i64, a.sensor.as_str(), status_name(a.status), serde_json::to_value(a).map_err(json_err)?));
            }
            let mut status_rows = Vec::new();
            for (site, s) in &batch.statuses {
                status_rows.push((site, serde_json::to_value(s).map_err(json_err)?));
            }
            let mut finding_rows = Vec::new();
            for f in &batch.findings {
                finding_rows.push((&f.site, finding_key(f)?, f.item.state.name(), serde_json::to_value(&f.item).map_err(json_err)?));
            }
            let top = batch.readings.iter().map(|r| r.id).chain(batch.events.iter().map(|e| e.id)).max();

            let tx = w.client.transaction().await?;
            if n > 0 {
                // One statement: the readings, and the aggregates of those that were new (a
                // duplicate that slipped through is skipped, and counted nowhere).
                tx.execute(
                    "WITH ins AS (
                        INSERT INTO readings (series, site_key, t, id, level, value, arrived, flag, quality, rule, source)
                        SELECT * FROM unnest($1::integer[], $2::integer[], $3::timestamptz[], $4::bigint[],
                            $5::smallint[], $6::double precision[], $7::timestamptz[], $8::text[], $9::text[],
                            $10::text[], $11::text[])
                        ON CONFLICT (series, t) DO NOTHING
                        RETURNING series, site_key, t, value, quality, arrived),
                     activity AS (
                        INSERT INTO site_activity AS sa (site_key, last_arrived)
                        SELECT site_key, max(arrived) FROM ins GROUP BY site_key
                        ON CONFLICT (site_key) DO UPDATE SET last_arrived = greatest(sa.last_arrived, excluded.last_arrived))
                     INSERT INTO aggregates AS a (series, res_s, t, n, sum, min, max)
                     SELECT series, res.s, date_bin(make_interval(secs => res.s), t, timestamptz '1970-01-01 00:00+00'),
                            count(*), sum(value), min(value), max(value)
                     FROM ins CROSS JOIN (VALUES (60), (3600)) AS res (s)
                     WHERE value IS NOT NULL AND quality <> 'invalid'
                     GROUP BY 1, 2, 3
                     ON CONFLICT (series, res_s, t) DO UPDATE SET
                       n = a.n + excluded.n, sum = a.sum + excluded.sum,
                       min = least(a.min, excluded.min), max = greatest(a.max, excluded.max)",
                    &[&series, &site_keys, &times, &ids, &levels, &values, &arrived, &flags, &qualities, &rules, &sources],
                )
                .await?;
            }
            if !e_ids.is_empty() {
                tx.execute(
                    "INSERT INTO events (id, site_key, at, kind, body)
                     SELECT * FROM unnest($1::bigint[], $2::integer[], $3::timestamptz[], $4::text[], $5::jsonb[])",
                    &[&e_ids, &e_sites, &e_at, &e_kinds, &e_bodies],
                )
                .await?;
            }
            for (site, id, sensor, status, body) in &alarm_rows {
                tx.execute(
                    "INSERT INTO alarms (site, id, sensor, status, body) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (site, id) DO UPDATE SET status = excluded.status, body = excluded.body,
                       version = alarms.version + 1",
                    &[site, id, sensor, status, body],
                )
                .await?;
            }
            for (site, body) in &status_rows {
                tx.execute(
                    "INSERT INTO site_status (site, body) VALUES ($1, $2)
                     ON CONFLICT (site) DO UPDATE SET body = excluded.body",
                    &[site, body],
                )
                .await?;
            }
            for (site, id, state, body) in &finding_rows {
                tx.execute(
                    "INSERT INTO findings (site, id, state, body) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (site, id) DO UPDATE SET state = excluded.state, body = excluded.body",
                    &[site, id, state, body],
                )
                .await?;
            }
            for r in &batch.reviews {
                let body = serde_json::to_value(&r.review).map_err(json_err)?;
                tx.execute(
                    "INSERT INTO reviews (id, site, date, recorded, body) VALUES ($1, $2, $3, $4, $5)",
                    &[&r.id, &r.review.site, &r.review.date, &r.recorded, &body],
                )
                .await?;
            }
            if let Some(top) = top {
                // The highest feed id handed out, kept apart from the rows (retention may drop the
                // newest ones, and an id must never come back).
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('last_feed_id', $1)
                     ON CONFLICT (key) DO UPDATE SET value = greatest(meta.value, excluded.value)",
                    &[&top],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn last_feed_id(&self) -> StoreResult<i64> {
        self.read(async |c| {
            let row = c
                .query_one(
                    "SELECT greatest(coalesce((SELECT value FROM meta WHERE key = 'last_feed_id'), 0),
                                     coalesce((SELECT max(id) FROM events), 0))::bigint",
                    &[],
                )
                .await?;
            Ok(row.try_get(0)?)
        })
    }

    fn has_reading(&self, site: &str, sensor: &str, time: DateTime<Utc>) -> StoreResult<bool> {
        self.read(async |c| {
            let rows = c
                .query(
                    "SELECT 1 FROM readings r JOIN series se ON se.key = r.series
                     WHERE se.site_key = (SELECT key FROM sites WHERE site = $1) AND se.sensor = $2 AND r.t = $3",
                    &[&site, &sensor, &time],
                )
                .await?;
            Ok(!rows.is_empty())
        })
    }

    fn readings(
        &self,
        site: &str,
        sensor: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<StoredReading>> {
        self.read(async |c| {
            let sql = format!(
                "SELECT {READING_COLUMNS} WHERE se.site_key = {SITE_KEY} AND se.sensor = $2 AND r.t BETWEEN $3 AND $4
                 ORDER BY r.t LIMIT $5"
            );
            let rows = c.query(&sql, &[&site, &sensor, &from, &to, &(limit as i64)]).await?;
            rows.iter().map(|r| reading_row(site, r)).collect()
        })
    }

    fn aggregates(
        &self,
        site: &str,
        sensor: &str,
        resolution: Resolution,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Aggregate>> {
        let res_s = resolution.seconds() as i32;
        self.read(async |c| {
            let sql = format!(
                "SELECT a.t, a.n, a.sum, a.min, a.max FROM aggregates a JOIN series se ON se.key = a.series
                 WHERE se.site_key = {SITE_KEY} AND se.sensor = $2 AND a.res_s = $3 AND a.t BETWEEN $4 AND $5
                 ORDER BY a.t LIMIT $6"
            );
            let rows = c.query(&sql, &[&site, &sensor, &res_s, &from, &to, &(limit as i64)]).await?;
            rows.iter()
                .map(|r| {
                    let n: i64 = r.try_get(1)?;
                    let sum: f64 = r.try_get(2)?;
                    Ok(Aggregate {
                        time: r.try_get(0)?,
                        count: n as u64,
                        min: r.try_get(3)?,
                        max: r.try_get(4)?,
                        mean: sum / n.max(1) as f64,
                    })
                })
                .collect()
        })
    }

    fn latest_times(&self, site: &str) -> StoreResult<Vec<(String, DateTime<Utc>)>> {
        self.read(async |c| {
            // Per series, the newest row of its primary key: the newest partition answers.
            let sql = format!(
                "SELECT se.sensor, m.t FROM series se
                 CROSS JOIN LATERAL (SELECT max(r.t) AS t FROM readings r WHERE r.series = se.key) m
                 WHERE se.site_key = {SITE_KEY} AND m.t IS NOT NULL"
            );
            let rows = c.query(&sql, &[&site]).await?;
            rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
        })
    }

    fn readings_since(&self, site: &str, since: DateTime<Utc>) -> StoreResult<Vec<StoredReading>> {
        self.read(async |c| {
            let sql =
                format!("SELECT {READING_COLUMNS} WHERE r.site_key = {SITE_KEY} AND r.arrived >= $2 ORDER BY r.id");
            let rows = c.query(&sql, &[&site, &since]).await?;
            rows.iter().map(|r| reading_row(site, r)).collect()
        })
    }

    fn feed_after(&self, site: &str, after: i64, limit: usize) -> StoreResult<Vec<FeedItem>> {
        let mut items = self.read(async |c| {
            // Both tables in one snapshot: read apart, a commit landing between the two reads
            // would give its events without its readings, and a stream resuming after the last
            // id given would never see those readings.
            c.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
            let read = async {
                let lim = limit as i64;
                let sql = format!(
                    "SELECT {READING_COLUMNS} WHERE r.site_key = {SITE_KEY} AND r.id > $2 ORDER BY r.id LIMIT $3"
                );
                let mut items = Vec::new();
                for r in c.query(&sql, &[&site, &after, &lim]).await? {
                    items.push(FeedItem::Reading(reading_row(site, &r)?));
                }
                let sql = format!(
                    "SELECT id, at, kind, body FROM events WHERE site_key = {SITE_KEY} AND id > $2 ORDER BY id LIMIT $3"
                );
                for r in c.query(&sql, &[&site, &after, &lim]).await? {
                    items.push(FeedItem::Event(StoredEvent {
                        id: r.try_get(0)?,
                        site: site.to_string(),
                        at: r.try_get(1)?,
                        kind: r.try_get(2)?,
                        body: r.try_get(3)?,
                    }));
                }
                Ok::<_, StoreError>(items)
            }
            .await;
            c.batch_execute(if read.is_ok() { "COMMIT" } else { "ROLLBACK" }).await?;
            read
        })?;
        items.sort_by_key(FeedItem::id);
        items.truncate(limit);
        Ok(items)
    }

    fn count_readings(&self, site: &str) -> StoreResult<u64> {
        self.read(async |c| {
            let sql = format!("SELECT count(*) FROM readings WHERE site_key = {SITE_KEY}");
            let n: i64 = c.query_one(&sql, &[&site]).await?.try_get(0)?;
            Ok(n as u64)
        })
    }

    fn alarms(&self, site: &str, open_only: bool) -> StoreResult<Vec<Alarm>> {
        self.read(async |c| {
            let sql = if open_only {
                "SELECT body FROM alarms WHERE site = $1 AND status <> 'closed' ORDER BY id"
            } else {
                "SELECT body FROM alarms WHERE site = $1 ORDER BY id"
            };
            let rows = c.query(sql, &[&site]).await?;
            rows.iter()
                .map(|r| serde_json::from_value(r.try_get::<_, serde_json::Value>(0)?).map_err(json_err))
                .collect()
        })
    }

    fn alarm(&self, site: &str, id: u64) -> StoreResult<Option<Alarm>> {
        self.read(async |c| {
            let row =
                c.query_opt("SELECT body FROM alarms WHERE site = $1 AND id = $2", &[&site, &(id as i64)]).await?;
            row.map(|r| serde_json::from_value(r.try_get::<_, serde_json::Value>(0)?).map_err(json_err)).transpose()
        })
    }

    fn last_alarm_id(&self, site: &str) -> StoreResult<u64> {
        self.read(async |c| {
            let n: i64 =
                c.query_one("SELECT coalesce(max(id), 0) FROM alarms WHERE site = $1", &[&site]).await?.try_get(0)?;
            Ok(n as u64)
        })
    }

    fn status(&self, site: &str) -> StoreResult<Option<SiteStoppage>> {
        self.read(async |c| {
            let row = c.query_opt("SELECT body FROM site_status WHERE site = $1", &[&site]).await?;
            row.map(|r| serde_json::from_value(r.try_get::<_, serde_json::Value>(0)?).map_err(json_err)).transpose()
        })
    }

    fn register_site(&self, site: &str, name: &str, district: &str, sensors: &[String]) -> StoreResult<()> {
        let list = serde_json::to_value(sensors).map_err(json_err)?;
        self.write(async |w| {
            w.client
                .execute(
                    "INSERT INTO sites (site, name, district, sensors) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (site) DO UPDATE SET name = excluded.name, district = excluded.district,
                       sensors = excluded.sensors",
                    &[&site, &name, &district, &list],
                )
                .await?;
            w.site_keys(std::iter::once(site)).await?;
            w.series_keys(sensors.iter().map(|s| (site, s.as_str()))).await?;
            Ok(())
        })
    }

    fn site_sensors(&self, site: &str) -> StoreResult<Option<Vec<String>>> {
        self.read(async |c| {
            let row =
                c.query_opt("SELECT sensors FROM sites WHERE site = $1 AND sensors IS NOT NULL", &[&site]).await?;
            row.map(|r| serde_json::from_value(r.try_get::<_, serde_json::Value>(0)?).map_err(json_err)).transpose()
        })
    }

    fn add_token(&self, hash: &str, grant: &TokenGrant) -> StoreResult<()> {
        let sensors = serde_json::to_value(&grant.sensors).map_err(json_err)?;
        self.write(async |w| {
            w.client
                .execute(
                    "INSERT INTO tokens (hash, role, site, sensors, label, created) VALUES ($1, $2, $3, $4, $5, now())",
                    &[&hash, &grant.role.name(), &grant.site, &sensors, &grant.label],
                )
                .await?;
            Ok(())
        })
    }

    fn token(&self, hash: &str) -> StoreResult<Option<TokenGrant>> {
        let row = self.read(async |c| {
            let row = c
                .query_opt(
                    "SELECT role, site, sensors, label FROM tokens WHERE hash = $1 AND revoked IS NULL",
                    &[&hash],
                )
                .await?;
            row.map(|r| {
                Ok::<_, StoreError>((
                    r.try_get::<_, String>(0)?,
                    r.try_get::<_, Option<String>>(1)?,
                    r.try_get::<_, serde_json::Value>(2)?,
                    r.try_get::<_, String>(3)?,
                ))
            })
            .transpose()
        })?;
        let Some((role, site, sensors, label)) = row else { return Ok(None) };
        let role = Role::parse(&role).ok_or_else(|| StoreError(format!("token with unknown role {role:?}")))?;
        let sensors = serde_json::from_value(sensors).map_err(json_err)?;
        Ok(Some(TokenGrant { role, site, sensors, label }))
    }

    fn revoke_token(&self, hash: &str) -> StoreResult<bool> {
        self.write(async |w| {
            let n = w
                .client
                .execute("UPDATE tokens SET revoked = now() WHERE hash = $1 AND revoked IS NULL", &[&hash])
                .await?;
            Ok(n > 0)
        })
    }

    fn reviews(&self, site: &str) -> StoreResult<Vec<StoredReview>> {
        self.read(async |c| {
            let rows =
                c.query("SELECT id, recorded, body FROM reviews WHERE site = $1 ORDER BY date, id", &[&site]).await?;
            rows.iter()
                .map(|r| {
                    Ok(StoredReview {
                        id: r.try_get(0)?,
                        recorded: r.try_get(1)?,
                        review: serde_json::from_value(r.try_get(2)?).map_err(json_err)?,
                    })
                })
                .collect()
        })
    }

    fn findings(&self, site: &str) -> StoreResult<Vec<sitetwin_core::findings::Item>> {
        self.read(async |c| {
            let rows = c.query("SELECT body FROM findings WHERE site = $1 ORDER BY id", &[&site]).await?;
            rows.iter()
                .map(|r| serde_json::from_value(r.try_get::<_, serde_json::Value>(0)?).map_err(json_err))
                .collect()
        })
    }

    fn city_summary(&self) -> StoreResult<Vec<CitySite>> {
        self.read(async |c| {
            let rows = c
                .query(
                    "SELECT s.site, s.name, s.district, st.body->>'status', st.body->'current'->'reason',
                            st.body->'current'->>'since', a.levels, act.last_arrived
                     FROM sites s
                     LEFT JOIN site_status st ON st.site = s.site
                     LEFT JOIN (SELECT site, jsonb_object_agg(level, n) AS levels
                                FROM (SELECT site, body->>'level' AS level, count(*) AS n
                                      FROM alarms WHERE status <> 'closed' GROUP BY 1, 2) x
                                GROUP BY site) a ON a.site = s.site
                     LEFT JOIN site_activity act ON act.site_key = s.key
                     WHERE s.sensors IS NOT NULL
                     ORDER BY s.site",
                    &[],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(CitySite::from(CityRow {
                        site: r.try_get(0)?,
                        name: r.try_get(1)?,
                        district: r.try_get(2)?,
                        status: r.try_get(3)?,
                        reason: r.try_get(4)?,
                        since: r.try_get(5)?,
                        levels: r.try_get(6)?,
                        last_arrival: r.try_get(7)?,
                    }))
                })
                .collect()
        })
    }

    fn shared(&self) -> bool {
        true
    }

    fn reserve_feed_ids(&self, n: i64) -> StoreResult<Option<i64>> {
        self.write(async |w| {
            let first: i64 = w
                .client
                .query_one(
                    "UPDATE meta SET value = value + $1 WHERE key = 'feed_reserved' RETURNING value - $1 + 1",
                    &[&n],
                )
                .await?
                .try_get(0)?;
            Ok(Some(first))
        })
    }

    fn claim_site(&self, site: &str) -> StoreResult<bool> {
        self.write(async |w| {
            w.site_keys(std::iter::once(site)).await?;
            let key = w.site_key(site)?;
            if w.claims.contains(&key) {
                return Ok(true);
            }
            let held: bool =
                w.client.query_one("SELECT pg_try_advisory_lock($1, $2)", &[&LOCK_SITES, &key]).await?.try_get(0)?;
            if held {
                w.claims.push(key);
            }
            Ok(held)
        })
    }

    fn forward(
        &self,
        site: &str,
        request: &serde_json::Value,
        timeout: std::time::Duration,
    ) -> StoreResult<serde_json::Value> {
        let id: i64 = self.read(async |c| {
            Ok(c.query_one("INSERT INTO requests (site, body) VALUES ($1, $2) RETURNING id", &[&site, request])
                .await?
                .try_get(0)?)
        })?;
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let answer: Option<serde_json::Value> = self.read(async |c| {
                let row = c
                    .query_opt("DELETE FROM requests WHERE id = $1 AND answer IS NOT NULL RETURNING answer", &[&id])
                    .await?;
                Ok(row.map(|r| r.try_get(0)).transpose()?)
            })?;
            if let Some(a) = answer {
                return Ok(a);
            }
            if std::time::Instant::now() >= deadline {
                // Withdrawn, unless it was taken meanwhile (then its answer is lost: said so).
                let _ = self.read(async |c| Ok(c.execute("DELETE FROM requests WHERE id = $1", &[&id]).await?));
                return Err(StoreError(format!(
                    "the gateway that writes site {site} did not answer within {:.0} s",
                    timeout.as_secs_f64()
                )));
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn take_requests(&self, sites: &[String]) -> StoreResult<Vec<(i64, String, serde_json::Value)>> {
        if sites.is_empty() {
            return Ok(Vec::new());
        }
        self.read(async |c| {
            let rows = c
                .query(
                    "UPDATE requests SET taken = now() WHERE id IN (
                       SELECT id FROM requests WHERE taken IS NULL AND site = ANY($1) ORDER BY id
                       FOR UPDATE SKIP LOCKED)
                     RETURNING id, site, body",
                    &[&sites],
                )
                .await?;
            let mut out: Vec<(i64, String, serde_json::Value)> = Vec::new();
            for r in rows {
                out.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
            }
            out.sort_by_key(|r| r.0);
            Ok(out)
        })
    }

    fn answer_request(&self, id: i64, answer: &serde_json::Value) -> StoreResult<()> {
        self.read(async |c| {
            c.execute("UPDATE requests SET answer = $2 WHERE id = $1", &[&id, answer]).await?;
            Ok(())
        })
    }

    fn prune(&self, before: &PruneBefore, max_rows: usize) -> StoreResult<Pruned> {
        let n = max_rows as i64;
        self.write(async |w| {
            // Raw readings go a whole day at a time: the oldest partition that ends at or before
            // the cut-off (so a reading is kept up to a day longer than asked, never shorter).
            let mut days = existing_partitions(&w.client).await?;
            days.retain(|d| day_start(*d) + Duration::days(1) <= before.raw);
            let mut readings = 0u64;
            let tx = w.client.transaction().await?;
            for day in &days {
                let name = partition_name(*day);
                // The planner's row count when the partition has been analysed; counted otherwise.
                let est: f32 = tx
                    .query_one("SELECT reltuples FROM pg_class WHERE oid = $1::text::regclass", &[&name])
                    .await?
                    .try_get(0)?;
                readings += if est >= 0.0 {
                    est as u64
                } else {
                    let c: i64 = tx.query_one(&format!("SELECT count(*) FROM {name}"), &[]).await?.try_get(0)?;
                    c as u64
                };
                // A whole day at a time, whatever its size (a reading is kept up to a day longer
                // than asked, never shorter).
                tx.batch_execute(&format!("DROP TABLE {name}")).await?;
            }
            let mut aggregates = 0;
            for (res_s, cut) in
                [(Resolution::Minute.seconds() as i32, before.minute), (Resolution::Hour.seconds() as i32, before.hour)]
            {
                aggregates += tx
                    .execute(
                        "DELETE FROM aggregates WHERE ctid = ANY(ARRAY(
                           SELECT ctid FROM aggregates WHERE res_s = $3 AND t < $1 LIMIT $2))",
                        &[&cut, &n, &res_s],
                    )
                    .await?;
            }
            let events = tx
                .execute(
                    "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < $1 LIMIT $2)",
                    &[&before.events, &n],
                )
                .await?;
            tx.commit().await?;
            for day in &days {
                w.partitions.remove(day);
            }
            Ok(Pruned { readings, aggregates, events })
        })
    }
}

impl PostgresStore {
    /// A fresh database for a test named `name`, on the server that `SITETWIN_TEST_PG` names (a
    /// superuser's URL; `scripts/with-postgres.sh` starts one). `Ok(None)` when that variable is
    /// not set, unless `SITETWIN_REQUIRE_PG=1` says the PostgreSQL tests must run: then it is an
    /// error, so that CI cannot pass by skipping them.
    pub fn test_database(name: &str) -> StoreResult<Option<String>> {
        let admin = std::env::var("SITETWIN_TEST_PG").ok().filter(|v| !v.trim().is_empty());
        let Some(admin) = admin else {
            if std::env::var("SITETWIN_REQUIRE_PG").is_ok_and(|v| v == "1") {
                return Err(StoreError(
                    "SITETWIN_REQUIRE_PG=1 but SITETWIN_TEST_PG is not set: the PostgreSQL tests cannot run".into(),
                ));
            }
            return Ok(None);
        };
        let mut db: String = format!("t{}_{name}", std::process::id())
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
            .collect();
        db.truncate(63);
        Self::create_database(&admin, &db).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store on a fresh database, or `None` (the test is skipped) without a server.
    fn store(name: &str) -> Option<(PostgresStore, String)> {
        let url = PostgresStore::test_database(&format!("store_{name}")).unwrap()?;
        Some((PostgresStore::open(&url).unwrap(), url))
    }

    use crate::store::test_support::{reading, t};

    #[test]
    fn a_batch_round_trips_and_the_feed_merges_readings_and_events_in_id_order() {
        let Some((s, _)) = store("roundtrip") else { return };
        crate::store::test_support::check_round_trip(&s);
        let mut parts = block_on(existing_partitions(&s.writer.lock().unwrap().client)).unwrap();
        parts.sort();
        assert_eq!(parts, [t(0).date_naive(), t(86_400).date_naive()]);
    }

    #[test]
    fn a_duplicate_that_slips_through_is_ignored_and_retention_drops_whole_days() {
        let Some((s, _)) = store("dup") else { return };
        s.commit(&Batch { readings: vec![reading(1, "A", 0, 1.0)], ..Batch::default() }).unwrap();
        s.commit(&Batch { readings: vec![reading(2, "A", 0, 7.0), reading(3, "A", 60, 2.0)], ..Batch::default() })
            .unwrap();
        let rows = s.readings("S", "A", t(0), t(100), 10).unwrap();
        assert_eq!(rows.iter().map(|r| r.value).collect::<Vec<_>>(), [Some(1.0), Some(2.0)]);
        let m = s.aggregates("S", "A", Resolution::Minute, t(0), t(0), 10).unwrap();
        assert_eq!(m[0].count, 1);
        // A cut-off inside the day keeps the whole day.
        let mid = t(3_600);
        let p = s.prune(&PruneBefore { raw: mid, minute: mid, hour: t(0), events: mid }, 1000).unwrap();
        assert_eq!((p.readings, p.aggregates), (0, 2));
        assert_eq!(s.count_readings("S").unwrap(), 2);
        let far = t(1_000_000);
        let p = s.prune(&PruneBefore { raw: far, minute: far, hour: far, events: far }, 1000).unwrap();
        assert_eq!((p.readings, p.aggregates), (2, 1));
        assert!(s.readings("S", "A", t(0), t(100), 10).unwrap().is_empty());
        assert_eq!(s.last_feed_id().unwrap(), 3);
        assert_eq!(
            s.prune(&PruneBefore { raw: far, minute: far, hour: far, events: far }, 1000).unwrap(),
            Pruned::default()
        );
        // The day comes back when a reading of it does.
        s.commit(&Batch { readings: vec![reading(4, "A", 10, 3.0)], ..Batch::default() }).unwrap();
        assert_eq!(s.count_readings("S").unwrap(), 1);
    }

    #[test]
    fn reviews_and_the_city_summary() {
        let Some((s, _)) = store("city") else { return };
        crate::store::test_support::check_reviews_and_city_summary(&s);
    }

    #[test]
    fn findings_are_upserted_per_site_and_survive_reopening() {
        let Some((s, url)) = store("findings") else { return };
        crate::store::test_support::check_findings(Box::new(s), &|| Box::new(PostgresStore::open(&url).unwrap()));
    }

    #[test]
    fn tokens_by_hash_migrations_idempotent_and_a_newer_schema_is_refused() {
        let Some((s, url)) = store("tokens") else { return };
        let g = TokenGrant { role: Role::Device, site: Some("S".into()), sensors: vec!["A".into()], label: "d".into() };
        s.add_token("h1", &g).unwrap();
        assert_eq!(s.token("h1").unwrap(), Some(g));
        assert!(s.revoke_token("h1").unwrap());
        assert_eq!(s.token("h1").unwrap(), None);
        assert!(!s.revoke_token("h1").unwrap());
        s.register_site("S", "Site", "崇川区", &["A".into(), "B".into()]).unwrap();
        assert_eq!(s.site_sensors("S").unwrap(), Some(vec!["A".to_string(), "B".to_string()]));
        assert_eq!(s.site_sensors("T").unwrap(), None);
        // Opening again applies nothing and loses nothing.
        let again = PostgresStore::open(&url).unwrap();
        assert_eq!(again.site_sensors("S").unwrap().map(|v| v.len()), Some(2));
        let w = s.writer.lock().unwrap();
        let c = &w.client;
        block_on(async {
            let n: i64 = c.query_one("SELECT count(*) FROM schema_version", &[]).await.unwrap().get(0);
            assert_eq!(n, MIGRATIONS.len() as i64);
            c.batch_execute("INSERT INTO schema_version (version, what) VALUES (99, 'future')").await.unwrap();
        });
        let e = PostgresStore::open(&url).err().unwrap().to_string();
        assert!(e.contains("schema version 99") && e.contains(&redact(&url)), "{e}");
    }

    #[test]
    fn calls_work_from_async_tasks_and_spawn_blocking_threads_and_readers_do_not_wait_for_the_writer() {
        let Some((s, _)) = store("threads") else { return };
        let s = Arc::new(s);
        s.commit(&Batch { readings: vec![reading(1, "A", 0, 1.0)], ..Batch::default() }).unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let s2 = Arc::clone(&s);
        rt.block_on(async move {
            // On a worker thread (as the server's start does) ...
            assert_eq!(s2.last_feed_id().unwrap(), 1);
            // ... and on blocking threads, many at once (as the HTTP handlers do).
            let tasks: Vec<_> = (0..40)
                .map(|_| {
                    let s = Arc::clone(&s2);
                    tokio::task::spawn_blocking(move || s.readings("S", "A", t(0), t(10), 10).unwrap().len())
                })
                .collect();
            for task in tasks {
                assert_eq!(task.await.unwrap(), 1);
            }
        });
        // A reader is answered while the writer's connection is held by a long transaction.
        let held = s.writer.lock().unwrap();
        block_on(held.client.batch_execute("BEGIN; SELECT pg_sleep(0.01);")).unwrap();
        let t0 = std::time::Instant::now();
        assert_eq!(s.count_readings("S").unwrap(), 1);
        assert!(t0.elapsed() < std::time::Duration::from_secs(5));
        block_on(held.client.batch_execute("ROLLBACK")).unwrap();
        drop(held);
        // Dropping the store inside async code does not panic.
        rt.block_on(async move { drop(s) });
    }

    #[test]
    fn a_bad_url_and_an_unreachable_server_are_named_without_the_password() {
        let e = PostgresStore::open("postgres://u:secret@127.0.0.1:1/x").err().unwrap().to_string();
        assert!(e.contains("postgres://u:***@127.0.0.1:1/x") && !e.contains("secret"), "{e}");
        let e = PostgresStore::open("postgres://u:secret@[::1/x").err().unwrap().to_string();
        assert!(!e.contains("secret"), "{e}");
        assert_eq!(redact("host=h password=p user=u"), "host=h password=*** user=u");
        assert_eq!(redact("postgres://h/db?password=p&x=1"), "postgres://h/db?password=***&x=1");
    }
}
