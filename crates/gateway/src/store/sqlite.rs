//! The SQLite store: one file in the data folder, WAL journal, `synchronous = FULL` so that a
//! committed batch survives a crash of the process or the machine. One writer connection (the
//! pipeline's) and a small pool of readers, which WAL lets run beside the writer.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use sitetwin_core::rules::alarm::Alarm;
use sitetwin_core::rules::stoppage::SiteStoppage;
use sitetwin_core::telemetry::DataFlag;

use super::{
    Aggregate, Batch, CityRow, CitySite, FeedItem, PruneBefore, Pruned, Resolution, Role, Source, Store, StoreError,
    StoreResult, StoredEvent, StoredReading, StoredReview, TokenGrant, finding_key, flag_name, level_code, level_from,
    status_name,
};

/// The schema; `meta.schema` says which version a file holds. Version 1 is [`SCHEMA`]; each
/// later one is a step of [`MIGRATIONS`], applied in a transaction when the file is opened.
const SCHEMA_VERSION: i64 = 3;

/// (version, SQL) of each step after version 1.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        2,
        "
ALTER TABLE sites ADD COLUMN district TEXT NOT NULL DEFAULT '';
CREATE TABLE reviews (id INTEGER PRIMARY KEY, site TEXT NOT NULL, date TEXT NOT NULL, recorded_ms INTEGER NOT NULL,
                      body TEXT NOT NULL);
CREATE INDEX reviews_by_site ON reviews (site, date, id);
CREATE TABLE site_activity (site TEXT PRIMARY KEY, last_arrived_ms INTEGER NOT NULL);
INSERT INTO site_activity (site, last_arrived_ms) SELECT site, max(arrived_ms) FROM readings GROUP BY site;
CREATE INDEX alarms_open ON alarms (site) WHERE status != 'closed';
",
    ),
    (
        3,
        "
CREATE TABLE findings (site TEXT NOT NULL, id INTEGER NOT NULL, state TEXT NOT NULL, body TEXT NOT NULL,
                       PRIMARY KEY (site, id));
",
    ),
];

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS readings (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    sensor TEXT NOT NULL,
    t_ms INTEGER NOT NULL,
    value REAL,
    flag TEXT,
    quality TEXT NOT NULL,
    level INTEGER NOT NULL,
    rule TEXT,
    arrived_ms INTEGER NOT NULL,
    source TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS readings_by_time ON readings (site, sensor, t_ms);
CREATE INDEX IF NOT EXISTS readings_by_arrival ON readings (site, arrived_ms);
CREATE INDEX IF NOT EXISTS readings_by_feed ON readings (site, id);
CREATE INDEX IF NOT EXISTS readings_by_age ON readings (t_ms);
CREATE TABLE IF NOT EXISTS aggregates (
    site TEXT NOT NULL,
    sensor TEXT NOT NULL,
    res_s INTEGER NOT NULL,
    t_ms INTEGER NOT NULL,
    n INTEGER NOT NULL,
    sum REAL NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    PRIMARY KEY (site, sensor, res_s, t_ms)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS aggregates_by_age ON aggregates (res_s, t_ms);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_site ON events (site, id);
CREATE INDEX IF NOT EXISTS events_by_age ON events (at_ms);
CREATE TABLE IF NOT EXISTS alarms (
    site TEXT NOT NULL,
    id INTEGER NOT NULL,
    sensor TEXT NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (site, id)
);
CREATE TABLE IF NOT EXISTS sites (site TEXT PRIMARY KEY, name TEXT NOT NULL, sensors TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS site_status (site TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    site TEXT,
    sensors TEXT NOT NULL,
    label TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);
";

/// The SQLite store of a data folder.
pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    path: std::path::PathBuf,
}

/// One aggregate bucket's share of a batch.
struct Bucket {
    n: i64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Default for Bucket {
    fn default() -> Self {
        Bucket { n: 0, sum: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY }
    }
}

impl Bucket {
    fn add(&mut self, v: f64) {
        self.n += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(v: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(v).single().unwrap_or_default()
}

fn json_err(e: serde_json::Error) -> StoreError {
    StoreError(format!("a stored row does not decode: {e}"))
}

const READING_COLUMNS: &str = "id, site, sensor, t_ms, value, flag, quality, level, rule, arrived_ms, source";

fn reading_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredReading> {
    let flag: Option<String> = row.get(5)?;
    let source: String = row.get(10)?;
    Ok(StoredReading {
        id: row.get(0)?,
        site: row.get(1)?,
        sensor: row.get(2)?,
        time: from_ms(row.get(3)?),
        value: row.get(4)?,
        flag: flag.as_deref().and_then(DataFlag::parse),
        quality: row.get(6)?,
        level: level_from(row.get(7)?),
        rule: row.get(8)?,
        arrived: from_ms(row.get(9)?),
        source: Source::parse(&source),
    })
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open(dir: &Path) -> StoreResult<SqliteStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError(format!("cannot create the data folder {}: {e}", dir.display())))?;
        let path = dir.join("gateway.sqlite3");
        let conn = Self::connect(&path, false)?;
        conn.execute_batch(SCHEMA)?;
        let version: Option<String> =
            conn.query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| r.get(0)).optional()?;
        let from = match version.as_deref().map(str::parse::<i64>) {
            None => {
                conn.execute("INSERT INTO meta (key, value) VALUES ('schema', '1')", [])?;
                1
            }
            Some(Ok(v)) if (1..=SCHEMA_VERSION).contains(&v) => v,
            Some(v) => {
                return Err(StoreError(format!(
                    "{} holds schema version {v:?}; this gateway reads versions up to {SCHEMA_VERSION}",
                    path.display()
                )));
            }
        };
        let mut conn = conn;
        for (v, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > from) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql).map_err(|e| StoreError(format!("{}: migration {v} failed: {e}", path.display())))?;
            tx.execute("UPDATE meta SET value = ?1 WHERE key = 'schema'", [v.to_string()])?;
            tx.commit()?;
        }
        Ok(SqliteStore { writer: Mutex::new(conn), readers: Mutex::new(Vec::new()), path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connect(path: &Path, read_only: bool) -> StoreResult<Connection> {
        let flags = if read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
        // Another process (`gateway token`) may write tokens while the gateway runs.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        if !read_only {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
        }
        Ok(conn)
    }

    /// Runs `f` on a reader connection from the pool.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> StoreResult<T> {
        let conn = self.readers.lock().map_err(|_| StoreError("reader pool poisoned".into()))?.pop();
        let conn = match conn {
            Some(c) => c,
            None => Self::connect(&self.path, true)?,
        };
        let out = f(&conn);
        if let Ok(mut pool) = self.readers.lock()
            && pool.len() < 8
        {
            pool.push(conn);
        }
        Ok(out?)
    }

    fn write<T>(&self, f: impl FnOnce(&mut Connection) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.writer.lock().map_err(|_| StoreError("writer poisoned".into()))?;
        f(&mut conn)
    }
}

impl Store for SqliteStore {
    fn commit(&self, batch: &Batch) -> StoreResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        self.write(|conn| {
            let tx = conn.transaction()?;
            {
                let mut put = tx.prepare_cached(
                    // The writer refuses duplicates before they get here; should one slip through
                    // (its original older than the rules' replay), it must not fail the batch.
                    "INSERT INTO readings (id, site, sensor, t_ms, value, flag, quality, level, rule, arrived_ms, source)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                     ON CONFLICT (site, sensor, t_ms) DO NOTHING",
                )?;
                // Buckets are summed here first, so a batch writes each bucket once.
                let mut buckets: HashMap<(&str, &str, i64, i64), Bucket> = HashMap::new();
                let mut arrivals: HashMap<&str, i64> = HashMap::new();
                for r in &batch.readings {
                    let value = r.value.filter(|v| v.is_finite());
                    let inserted = put.execute(params![
                        r.id,
                        r.site,
                        r.sensor,
                        ms(r.time),
                        value,
                        r.flag.map(flag_name),
                        r.quality,
                        level_code(r.level),
                        r.rule,
                        ms(r.arrived),
                        r.source.name(),
                    ])?;
                    if inserted == 1 {
                        let last = arrivals.entry(&r.site).or_insert(ms(r.arrived));
                        *last = (*last).max(ms(r.arrived));
                    }
                    if let Some(v) = value
                        && inserted == 1
                        && r.quality != "invalid"
                    {
                        for res in [Resolution::Minute, Resolution::Hour] {
                            let start = ms(r.time).div_euclid(res.seconds() * 1000) * res.seconds() * 1000;
                            buckets.entry((&r.site, &r.sensor, res.seconds(), start)).or_default().add(v);
                        }
                    }
                }
                let mut agg = tx.prepare_cached(
                    "INSERT INTO aggregates (site, sensor, res_s, t_ms, n, sum, min, max) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (site, sensor, res_s, t_ms) DO UPDATE SET
                       n = n + excluded.n, sum = sum + excluded.sum, min = min(min, excluded.min), max = max(max, excluded.max)",
                )?;
                for ((site, sensor, res_s, start), b) in &buckets {
                    agg.execute(params![site, sensor, res_s, start, b.n, b.sum, b.min, b.max])?;
                }
                let mut act = tx.prepare_cached(
                    "INSERT INTO site_activity (site, last_arrived_ms) VALUES (?1, ?2)
                     ON CONFLICT (site) DO UPDATE SET last_arrived_ms = max(last_arrived_ms, excluded.last_arrived_ms)",
                )?;
                for (site, at) in &arrivals {
                    act.execute(params![site, at])?;
                }
                let mut rv = tx.prepare_cached(
                    "INSERT INTO reviews (id, site, date, recorded_ms, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for r in &batch.reviews {
                    let body = serde_json::to_string(&r.review).map_err(json_err)?;
                    rv.execute(params![r.id, r.review.site, r.review.date.to_string(), ms(r.recorded), body])?;
                }
                let mut ev =
                    tx.prepare_cached("INSERT INTO events (id, site, at_ms, kind, body) VALUES (?1, ?2, ?3, ?4, ?5)")?;
                for e in &batch.events {
                    ev.execute(params![e.id, e.site, ms(e.at), e.kind, e.body.to_string()])?;
                }
                let mut al = tx.prepare_cached(
                    "INSERT INTO alarms (site, id, sensor, status, body) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (site, id) DO UPDATE SET status = excluded.status, body = excluded.body",
                )?;
                for (site, a) in &batch.alarms {
                    let body = serde_json::to_string(a).map_err(json_err)?;
                    al.execute(params![site, a.id as i64, a.sensor, status_name(a.status), body])?;
                }
                let mut st = tx.prepare_cached(
                    "INSERT INTO site_status (site, body) VALUES (?1, ?2)
                     ON CONFLICT (site) DO UPDATE SET body = excluded.body",
                )?;
                for (site, s) in &batch.statuses {
                    st.execute(params![site, serde_json::to_string(s).map_err(json_err)?])?;
                }
                let mut fi = tx.prepare_cached(
                    "INSERT INTO findings (site, id, state, body) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (site, id) DO UPDATE SET state = excluded.state, body = excluded.body",
                )?;
                for f in &batch.findings {
                    let body = serde_json::to_string(&f.item).map_err(json_err)?;
                    fi.execute(params![f.site, finding_key(f)?, f.item.state.name(), body])?;
                }
                // The highest feed id handed out, kept apart from the rows: retention may delete
                // the newest rows, and an id must never be handed out twice.
                let top = batch.readings.iter().map(|r| r.id).chain(batch.events.iter().map(|e| e.id)).max();
                if let Some(top) = top {
                    tx.prepare_cached(
                        "INSERT INTO meta (key, value) VALUES ('last_feed_id', ?1)
                         ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
                    )?
                    .execute([top])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn last_feed_id(&self) -> StoreResult<i64> {
        self.read(|c| {
            c.query_row(
                "SELECT max(coalesce((SELECT max(id) FROM readings), 0), coalesce((SELECT max(id) FROM events), 0),
                            coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'last_feed_id'), 0))",
                [],
                |r| r.get(0),
            )
        })
    }

    fn has_reading(&self, site: &str, sensor: &str, time: DateTime<Utc>) -> StoreResult<bool> {
        self.read(|c| {
            c.prepare_cached("SELECT 1 FROM readings WHERE site = ?1 AND sensor = ?2 AND t_ms = ?3")?.exists(params![
                site,
                sensor,
                ms(time)
            ])
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
        self.read(|c| {
            let sql = format!(
                "SELECT {READING_COLUMNS} FROM readings WHERE site = ?1 AND sensor = ?2 AND t_ms BETWEEN ?3 AND ?4
                 ORDER BY t_ms LIMIT ?5"
            );
            let mut q = c.prepare_cached(&sql)?;
            let rows = q.query_map(params![site, sensor, ms(from), ms(to), limit as i64], reading_row)?;
            rows.collect()
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
        self.read(|c| {
            let mut q = c.prepare_cached(
                "SELECT t_ms, n, sum, min, max FROM aggregates
                 WHERE site = ?1 AND sensor = ?2 AND res_s = ?3 AND t_ms BETWEEN ?4 AND ?5 ORDER BY t_ms LIMIT ?6",
            )?;
            let rows =
                q.query_map(params![site, sensor, resolution.seconds(), ms(from), ms(to), limit as i64], |r| {
                    let n: i64 = r.get(1)?;
                    let sum: f64 = r.get(2)?;
                    Ok(Aggregate {
                        time: from_ms(r.get(0)?),
                        count: n as u64,
                        min: r.get(3)?,
                        max: r.get(4)?,
                        mean: sum / n.max(1) as f64,
                    })
                })?;
            rows.collect()
        })
    }

    fn latest_times(&self, site: &str) -> StoreResult<Vec<(String, DateTime<Utc>)>> {
        self.read(|c| {
            let mut q = c.prepare("SELECT sensor, max(t_ms) FROM readings WHERE site = ?1 GROUP BY sensor")?;
            let rows = q.query_map([site], |r| Ok((r.get::<_, String>(0)?, from_ms(r.get(1)?))))?;
            rows.collect()
        })
    }

    fn readings_since(&self, site: &str, since: DateTime<Utc>) -> StoreResult<Vec<StoredReading>> {
        self.read(|c| {
            let sql =
                format!("SELECT {READING_COLUMNS} FROM readings WHERE site = ?1 AND arrived_ms >= ?2 ORDER BY id");
            let mut q = c.prepare(&sql)?;
            let rows = q.query_map(params![site, ms(since)], reading_row)?;
            rows.collect()
        })
    }

    fn feed_after(&self, site: &str, after: i64, limit: usize) -> StoreResult<Vec<FeedItem>> {
        let (readings, events) = self.read(|c| {
            // Both tables in one snapshot (a read transaction): read apart, a commit landing
            // between the two reads would give its events without its readings, and a stream
            // resuming after the last id given would never see those readings.
            let tx = c.unchecked_transaction()?;
            let sql =
                format!("SELECT {READING_COLUMNS} FROM readings WHERE site = ?1 AND id > ?2 ORDER BY id LIMIT ?3");
            let readings: Vec<StoredReading> = tx
                .prepare_cached(&sql)?
                .query_map(params![site, after, limit as i64], reading_row)?
                .collect::<Result<_, _>>()?;
            let events: Vec<(i64, String, i64, String, String)> = tx
                .prepare_cached(
                    "SELECT id, site, at_ms, kind, body FROM events WHERE site = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
                )?
                .query_map(params![site, after, limit as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<Result<_, _>>()?;
            tx.commit()?;
            Ok((readings, events))
        })?;
        let mut items: Vec<FeedItem> = readings.into_iter().map(FeedItem::Reading).collect();
        for (id, site, at, kind, body) in events {
            let body = serde_json::from_str(&body).map_err(json_err)?;
            items.push(FeedItem::Event(StoredEvent { id, site, at: from_ms(at), kind, body }));
        }
        items.sort_by_key(FeedItem::id);
        items.truncate(limit);
        Ok(items)
    }

    fn count_readings(&self, site: &str) -> StoreResult<u64> {
        self.read(|c| c.query_row("SELECT count(*) FROM readings WHERE site = ?1", [site], |r| r.get::<_, i64>(0)))
            .map(|n| n as u64)
    }

    fn alarms(&self, site: &str, open_only: bool) -> StoreResult<Vec<Alarm>> {
        let bodies: Vec<String> = self.read(|c| {
            let sql = if open_only {
                "SELECT body FROM alarms WHERE site = ?1 AND status != 'closed' ORDER BY id"
            } else {
                "SELECT body FROM alarms WHERE site = ?1 ORDER BY id"
            };
            c.prepare_cached(sql)?.query_map([site], |r| r.get(0))?.collect()
        })?;
        bodies.iter().map(|b| serde_json::from_str(b).map_err(json_err)).collect()
    }

    fn alarm(&self, site: &str, id: u64) -> StoreResult<Option<Alarm>> {
        let body: Option<String> = self.read(|c| {
            c.query_row("SELECT body FROM alarms WHERE site = ?1 AND id = ?2", params![site, id as i64], |r| r.get(0))
                .optional()
        })?;
        body.map(|b| serde_json::from_str(&b).map_err(json_err)).transpose()
    }

    fn last_alarm_id(&self, site: &str) -> StoreResult<u64> {
        self.read(|c| {
            c.query_row("SELECT coalesce(max(id), 0) FROM alarms WHERE site = ?1", [site], |r| r.get::<_, i64>(0))
        })
        .map(|n| n as u64)
    }

    fn status(&self, site: &str) -> StoreResult<Option<SiteStoppage>> {
        let body: Option<String> = self
            .read(|c| c.query_row("SELECT body FROM site_status WHERE site = ?1", [site], |r| r.get(0)).optional())?;
        body.map(|b| serde_json::from_str(&b).map_err(json_err)).transpose()
    }

    fn register_site(&self, site: &str, name: &str, district: &str, sensors: &[String]) -> StoreResult<()> {
        let sensors = serde_json::to_string(sensors).map_err(json_err)?;
        self.write(|c| {
            c.execute(
                "INSERT INTO sites (site, name, district, sensors) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (site) DO UPDATE SET name = excluded.name, district = excluded.district,
                   sensors = excluded.sensors",
                params![site, name, district, sensors],
            )?;
            Ok(())
        })
    }

    fn site_sensors(&self, site: &str) -> StoreResult<Option<Vec<String>>> {
        let body: Option<String> =
            self.read(|c| c.query_row("SELECT sensors FROM sites WHERE site = ?1", [site], |r| r.get(0)).optional())?;
        body.map(|b| serde_json::from_str(&b).map_err(json_err)).transpose()
    }

    fn add_token(&self, hash: &str, grant: &TokenGrant) -> StoreResult<()> {
        let sensors = serde_json::to_string(&grant.sensors).map_err(json_err)?;
        self.write(|c| {
            c.execute(
                "INSERT INTO tokens (hash, role, site, sensors, label, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![hash, grant.role.name(), grant.site, sensors, grant.label, ms(Utc::now())],
            )?;
            Ok(())
        })
    }

    fn token(&self, hash: &str) -> StoreResult<Option<TokenGrant>> {
        let row: Option<(String, Option<String>, String, String)> = self.read(|c| {
            c.query_row(
                "SELECT role, site, sensors, label FROM tokens WHERE hash = ?1 AND revoked_ms IS NULL",
                [hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
        })?;
        let Some((role, site, sensors, label)) = row else { return Ok(None) };
        let role = Role::parse(&role).ok_or_else(|| StoreError(format!("token with unknown role {role:?}")))?;
        let sensors = serde_json::from_str(&sensors).map_err(json_err)?;
        Ok(Some(TokenGrant { role, site, sensors, label }))
    }

    fn revoke_token(&self, hash: &str) -> StoreResult<bool> {
        self.write(|c| {
            let n = c.execute(
                "UPDATE tokens SET revoked_ms = ?2 WHERE hash = ?1 AND revoked_ms IS NULL",
                params![hash, ms(Utc::now())],
            )?;
            Ok(n > 0)
        })
    }

    fn reviews(&self, site: &str) -> StoreResult<Vec<StoredReview>> {
        let rows: Vec<(i64, i64, String)> = self.read(|c| {
            c.prepare_cached("SELECT id, recorded_ms, body FROM reviews WHERE site = ?1 ORDER BY date, id")?
                .query_map([site], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })?;
        rows.into_iter()
            .map(|(id, at, body)| {
                Ok(StoredReview { id, recorded: from_ms(at), review: serde_json::from_str(&body).map_err(json_err)? })
            })
            .collect()
    }

    fn findings(&self, site: &str) -> StoreResult<Vec<sitetwin_core::findings::Item>> {
        let bodies: Vec<String> = self.read(|c| {
            c.prepare_cached("SELECT body FROM findings WHERE site = ?1 ORDER BY id")?
                .query_map([site], |r| r.get(0))?
                .collect()
        })?;
        bodies.iter().map(|b| serde_json::from_str(b).map_err(json_err)).collect()
    }

    fn city_summary(&self) -> StoreResult<Vec<CitySite>> {
        let rows = self.read(|c| {
            let mut q = c.prepare_cached(
                "SELECT s.site, s.name, s.district, json_extract(st.body, '$.status'),
                        json_extract(st.body, '$.current.reason'), json_extract(st.body, '$.current.since'),
                        a.levels, act.last_arrived_ms
                 FROM sites s
                 LEFT JOIN site_status st ON st.site = s.site
                 LEFT JOIN (SELECT site, json_group_object(level, n) AS levels
                            FROM (SELECT site, json_extract(body, '$.level') AS level, count(*) AS n
                                  FROM alarms WHERE status != 'closed' GROUP BY site, level)
                            GROUP BY site) a ON a.site = s.site
                 LEFT JOIN site_activity act ON act.site = s.site
                 ORDER BY s.site",
            )?;
            let rows = q.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                ))
            })?;
            rows.collect::<Result<Vec<_>, _>>()
        })?;
        // json_extract gives an object as JSON text and a string as itself.
        let json = |t: Option<String>| t.map(|t| serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t)));
        Ok(rows
            .into_iter()
            .map(|(site, name, district, status, reason, since, levels, last)| {
                CitySite::from(CityRow {
                    site,
                    name: Some(name),
                    district,
                    status,
                    reason: json(reason),
                    since,
                    levels: json(levels),
                    last_arrival: last.map(from_ms),
                })
            })
            .collect())
    }

    fn prune(&self, before: &PruneBefore, max_rows: usize) -> StoreResult<Pruned> {
        self.write(|c| {
            let tx = c.transaction()?;
            let n = max_rows as i64;
            let readings = tx.execute(
                "DELETE FROM readings WHERE id IN (SELECT id FROM readings WHERE t_ms < ?1 LIMIT ?2)",
                params![ms(before.raw), n],
            )?;
            // A WITHOUT ROWID table: delete by key.
            let minute = tx.execute(
                "DELETE FROM aggregates WHERE (site, sensor, res_s, t_ms) IN
                   (SELECT site, sensor, res_s, t_ms FROM aggregates WHERE res_s = 60 AND t_ms < ?1 LIMIT ?2)",
                params![ms(before.minute), n],
            )?;
            let hour = tx.execute(
                "DELETE FROM aggregates WHERE (site, sensor, res_s, t_ms) IN
                   (SELECT site, sensor, res_s, t_ms FROM aggregates WHERE res_s = 3600 AND t_ms < ?1 LIMIT ?2)",
                params![ms(before.hour), n],
            )?;
            let events = tx.execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at_ms < ?1 LIMIT ?2)",
                params![ms(before.events), n],
            )?;
            tx.commit()?;
            Ok(Pruned { readings: readings as u64, aggregates: (minute + hour) as u64, events: events as u64 })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::PruneBefore;

    fn store(name: &str) -> SqliteStore {
        let dir = std::env::temp_dir().join(format!("sitetwin-gw-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        SqliteStore::open(&dir).unwrap()
    }

    use crate::store::test_support::{reading, t};

    #[test]
    fn a_batch_round_trips_and_the_feed_merges_readings_and_events_in_id_order() {
        crate::store::test_support::check_round_trip(&store("roundtrip"));
    }

    #[test]
    fn a_duplicate_that_slips_through_is_ignored_not_fatal_and_ids_never_come_back() {
        let s = store("dup");
        s.commit(&Batch { readings: vec![reading(1, "A", 0, 1.0)], ..Batch::default() }).unwrap();
        s.commit(&Batch { readings: vec![reading(2, "A", 0, 7.0), reading(3, "A", 60, 2.0)], ..Batch::default() })
            .unwrap();
        let rows = s.readings("S", "A", t(0), t(100), 10).unwrap();
        assert_eq!(rows.iter().map(|r| r.value).collect::<Vec<_>>(), [Some(1.0), Some(2.0)]);
        // The ignored one did not reach the aggregates either.
        let m = s.aggregates("S", "A", Resolution::Minute, t(0), t(0), 10).unwrap();
        assert_eq!(m[0].count, 1);
        // Retention removes every row; the next id is still after the last one handed out.
        let far = t(1_000_000);
        let p = s.prune(&PruneBefore { raw: far, minute: far, hour: far, events: far }, 1000).unwrap();
        assert_eq!((p.readings, p.aggregates), (2, 3));
        assert!(s.readings("S", "A", t(0), t(100), 10).unwrap().is_empty());
        assert_eq!(s.last_feed_id().unwrap(), 3);
        // In slices: a second call finds nothing left.
        assert_eq!(
            s.prune(&PruneBefore { raw: far, minute: far, hour: far, events: far }, 1000).unwrap(),
            Pruned::default()
        );
    }

    #[test]
    fn reviews_and_the_city_summary() {
        crate::store::test_support::check_reviews_and_city_summary(&store("city"));
    }

    #[test]
    fn findings_are_upserted_per_site_and_survive_reopening() {
        let s = store("findings");
        let dir = s.path().parent().unwrap().to_path_buf();
        crate::store::test_support::check_findings(Box::new(s), &|| Box::new(SqliteStore::open(&dir).unwrap()));
    }

    #[test]
    fn a_version_2_file_gains_the_findings_table_in_place() {
        let dir = std::env::temp_dir().join(format!("sitetwin-gw-store-{}-v2", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let c = Connection::open(dir.join("gateway.sqlite3")).unwrap();
        c.execute_batch(SCHEMA).unwrap();
        c.execute_batch(MIGRATIONS[0].1).unwrap();
        c.execute_batch(
            "INSERT INTO meta VALUES ('schema', '2');
             INSERT INTO sites VALUES ('S', 'Site', '[\"A\"]', '崇川区');
             INSERT INTO reviews VALUES (5, 'S', '2026-12-02', 0, '{}');",
        )
        .unwrap();
        drop(c);
        let s = SqliteStore::open(&dir).unwrap();
        assert_eq!(s.city_summary().unwrap()[0].district, "崇川区", "the older data is kept");
        let f = crate::store::test_support::finding("S", 1, "T1", 0);
        s.commit(&Batch { findings: vec![f.clone()], ..Batch::default() }).unwrap();
        assert_eq!(s.findings("S").unwrap(), vec![f.item]);
        let version: String =
            s.read(|c| c.query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| r.get(0))).unwrap();
        assert_eq!(version, SCHEMA_VERSION.to_string());
    }

    #[test]
    fn a_version_1_file_is_migrated_and_keeps_its_data() {
        let dir = std::env::temp_dir().join(format!("sitetwin-gw-store-{}-v1", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let c = Connection::open(dir.join("gateway.sqlite3")).unwrap();
        c.execute_batch(SCHEMA).unwrap();
        c.execute_batch(
            "INSERT INTO meta VALUES ('schema', '1');
             INSERT INTO sites VALUES ('S', 'Site', '[\"A\"]');
             INSERT INTO readings VALUES (1, 'S', 'A', 0, 1.0, NULL, 'valid', 0, NULL, 7000, 'http');",
        )
        .unwrap();
        drop(c);
        let s = SqliteStore::open(&dir).unwrap();
        let city = s.city_summary().unwrap();
        assert_eq!((city.len(), city[0].district.as_str()), (1, ""));
        assert_eq!(city[0].last_arrival, Some(from_ms(7000)));
        assert_eq!(s.count_readings("S").unwrap(), 1);
        drop(s);
        // Opening again applies nothing.
        assert_eq!(SqliteStore::open(&dir).unwrap().count_readings("S").unwrap(), 1);
    }

    #[test]
    fn tokens_are_found_by_hash_until_revoked_and_a_newer_schema_is_refused() {
        let s = store("tokens");
        let g = TokenGrant { role: Role::Device, site: Some("S".into()), sensors: vec!["A".into()], label: "d".into() };
        s.add_token("h1", &g).unwrap();
        assert_eq!(s.token("h1").unwrap(), Some(g));
        assert!(s.revoke_token("h1").unwrap());
        assert_eq!(s.token("h1").unwrap(), None);
        assert!(!s.revoke_token("h1").unwrap());
        let dir = s.path().parent().unwrap().to_path_buf();
        drop(s);
        let c = Connection::open(dir.join("gateway.sqlite3")).unwrap();
        c.execute("UPDATE meta SET value = '99' WHERE key = 'schema'", []).unwrap();
        drop(c);
        let e = SqliteStore::open(&dir).err().unwrap().to_string();
        assert!(e.contains("schema version") && e.contains("99"), "{e}");
    }
}
