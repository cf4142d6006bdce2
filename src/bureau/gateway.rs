//! The city through a telemetry gateway: its city summary (which sites it serves, their open
//! alarms), each served stopped site's readings of the last day (the duty checks' sensors), and
//! the bureau's review records kept in its store. A blocking client, used off the frame.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sitetwin_core::city::status::{self, Evidence, Judging, SiteRow};
use sitetwin_core::city::{City, CitySite, Review};
use sitetwin_core::rules::Level;
use sitetwin_core::rules::stoppage::duty_input;
use sitetwin_core::telemetry::{DataFlag, Reading};

/// A gateway and the bureau token it is read with.
#[derive(Debug, Clone)]
pub struct CityGateway {
    base: String,
    token: String,
    http: reqwest::blocking::Client,
}

/// One site of the gateway's city summary.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GatewaySite {
    /// Site id.
    pub site: String,
    /// `Operating`, `Stopped` or `ResumptionReview`.
    pub status: String,
    /// Open alarms by level name (`Warning`, `Alarm`, `Control`).
    #[serde(default)]
    pub open_alarms: BTreeMap<String, u64>,
    /// When its latest reading arrived.
    #[serde(default)]
    pub last_arrival: Option<DateTime<Utc>>,
}

impl GatewaySite {
    /// The levels of its open alarms, one per alarm.
    pub fn alarm_levels(&self) -> Vec<Level> {
        let mut v = Vec::new();
        for (name, n) in &self.open_alarms {
            let level = match name.as_str() {
                "Warning" => Level::Warning,
                "Alarm" => Level::Alarm,
                "Control" => Level::Control,
                _ => continue,
            };
            v.extend(std::iter::repeat_n(level, usize::try_from(*n).unwrap_or(0)));
        }
        v
    }
}

#[derive(Deserialize)]
struct StoredReading {
    sensor: String,
    time: DateTime<Utc>,
    value: Option<f64>,
    flag: Option<DataFlag>,
}

#[derive(Deserialize)]
struct StoredReview {
    id: i64,
    review: Review,
}

impl CityGateway {
    /// A client of the gateway at `base` (`http://127.0.0.1:8080`) with a bureau `token`.
    pub fn new(base: &str, token: &str) -> anyhow::Result<CityGateway> {
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("--source {base}: expected an http:// or https:// URL");
        }
        let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build()?;
        Ok(CityGateway { base: base.trim_end_matches('/').to_string(), token: token.to_string(), http })
    }

    fn check(&self, what: &str, resp: reqwest::blocking::Response) -> anyhow::Result<reqwest::blocking::Response> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body = resp.text().unwrap_or_default();
        let why = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(String::from))
            .unwrap_or(body);
        bail!("gateway {}: {what}: {status}: {why}", self.base)
    }

    fn get<T: serde::de::DeserializeOwned>(&self, path: &str, what: &str) -> anyhow::Result<T> {
        let url = format!("{}{path}", self.base);
        let resp = self
            .http
            .get(&url)
            .bearer_auth(&self.token)
            .send()
            .with_context(|| format!("gateway {}: {what}: cannot reach it", self.base))?;
        self.check(what, resp)?.json().with_context(|| format!("gateway {}: {what}: unreadable answer", self.base))
    }

    /// The city summary: every site the gateway's store serves.
    pub fn summary(&self) -> anyhow::Result<Vec<GatewaySite>> {
        self.get("/api/v1/city", "the city summary")
    }

    /// A sensor's stored readings measured in `[from, to]`.
    pub fn readings(
        &self,
        site: &str,
        sensor: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> anyhow::Result<Vec<Reading>> {
        let q = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let path = format!("/api/v1/sites/{site}/sensors/{sensor}/readings?from={}&to={}&limit=100000", q(from), q(to));
        let rows: Vec<StoredReading> = self.get(&path, &format!("readings of {sensor}"))?;
        Ok(rows
            .into_iter()
            .map(|r| Reading { sensor: r.sensor, time: r.time, value: r.value.unwrap_or(f64::NAN), flag: r.flag })
            .collect())
    }

    /// A site's review records, oldest first.
    pub fn reviews(&self, site: &str) -> anyhow::Result<Vec<Review>> {
        let rows: Vec<StoredReview> = self.get(&format!("/api/v1/sites/{site}/reviews"), "the reviews")?;
        Ok(rows.into_iter().map(|r| r.review).collect())
    }

    /// Records a review; its id in the gateway's store.
    pub fn post_review(&self, review: &Review) -> anyhow::Result<i64> {
        let url = format!("{}/api/v1/sites/{}/reviews", self.base, review.site);
        let resp = self
            .http
            .post(&url)
            .bearer_auth(&self.token)
            .json(review)
            .send()
            .with_context(|| format!("gateway {}: recording the review: cannot reach it", self.base))?;
        let stored: StoredReview = self.check("recording the review", resp)?.json()?;
        Ok(stored.id)
    }
}

/// The city judged with the gateway's telemetry for the stopped sites it serves (their readings
/// of the last day up to `at`, their open alarms), the others simulated as without a gateway.
pub fn judge_city(city: &City, j: &Judging, gw: &CityGateway, at: DateTime<Utc>) -> anyhow::Result<Vec<SiteRow>> {
    let served: BTreeMap<String, GatewaySite> = gw.summary()?.into_iter().map(|s| (s.site.clone(), s)).collect();
    let mut rows = Vec::with_capacity(city.sites.len());
    for site in &city.sites {
        match served.get(&site.id).map(|g| judge_site(city, site, j, gw, g, at)) {
            Some(Ok(row)) => rows.push(row),
            // One site the gateway cannot give (a sensor it lacks): that row says why, the rest go on.
            Some(Err(e)) => {
                let mut row = status::judge_with(city, site, j, false);
                row.telemetry = status::Telemetry::Failed(format!("{e:#}"));
                rows.push(row);
            }
            None => rows.push(status::judge(city, site, j)),
        }
    }
    Ok(rows)
}

/// One site the gateway serves: a stopped one from its readings of the last day up to `at`.
pub fn judge_site(
    city: &City,
    site: &CitySite,
    j: &Judging,
    gw: &CityGateway,
    g: &GatewaySite,
    at: DateTime<Utc>,
) -> anyhow::Result<SiteRow> {
    if !site.non_operating() {
        return Ok(status::judge(city, site, j));
    }
    let scene = status::site_scene(city, site).map_err(anyhow::Error::msg)?;
    let mut readings = Vec::new();
    for s in scene.sensors.iter().filter(|s| duty_input(s.kind)) {
        readings.extend(gw.readings(&site.id, &s.id, at - chrono::Duration::days(1), at)?);
    }
    let levels = g.alarm_levels();
    Ok(status::judge_on(city, site, j, &Evidence::Readings { readings: &readings, open_alarms: &levels, at }))
}
