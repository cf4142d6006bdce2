//! The city a housing bureau watches: its registry of sites, each site's status by the stoppage
//! rules, the non-operating sites ranked by risk, city-wide pollution alerts, the bureau's review
//! records and the monthly housing–environment consultation report.
//!
//! A city file is JSON (a registry is exchanged between systems and written by tools): one
//! [`City`] with its sites, each with a scene file (a full twin) or a [`LightSite`] the core turns
//! into a small scene (footprint, cranes, hoists, pit). [`City::load`] checks every field and
//! names the one that is wrong (`sites[3].location.lat_deg`), or the line and column of a syntax
//! error. [`demo::city`] is the embedded demo city; [`demo::generate`] makes cities for scale.

pub mod alert;
pub mod demo;
pub mod light;
pub mod report;
pub mod review;
pub mod status;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::rules::stoppage::{Activity, AlertLevel, Exemption, PollutionRules, RiskWeights, SiteStoppage, Status};

pub use light::LightSite;
pub use review::{Decision, Review, ReviewError};

/// The version of the city file this module reads and writes.
pub const FILE_VERSION: u32 = 1;

/// A city's registry of construction sites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct City {
    /// File version ([`FILE_VERSION`]).
    pub version: u32,
    /// The city (南通市).
    pub name: String,
    /// The registry's day: statuses, days stopped and overdue reports are as of this day.
    pub today: NaiveDate,
    /// The heavy-pollution alert in force city-wide, if any.
    #[serde(default)]
    pub alert: Option<AlertLevel>,
    /// The sites.
    pub sites: Vec<CitySite>,
    /// The bureau's review records, oldest first (when no gateway keeps them).
    #[serde(default)]
    pub reviews: Vec<Review>,
    /// The city's rules: what each alert level bans, and the risk score's weights.
    #[serde(default)]
    pub rules: CityRules,
    /// The folder relative scene paths resolve against (the city file's folder).
    #[serde(skip)]
    pub dir: PathBuf,
}

/// The rules a city's bureau works by. Both default to sitetwin's values: the pollution measures
/// of Nanjing's yellow list (Ⅱ borrowing it, no Jiangsu orange list having been found [?]) and
/// Suzhou's red list, and the risk weights documented in the standards reference [R]; a city file
/// sets its own.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CityRules {
    /// What each heavy-pollution alert level bans and exempts.
    pub pollution: PollutionRules,
    /// Weights of the risk score.
    pub weights: RiskWeights,
}

/// A point on the map, WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeoPoint {
    /// Latitude, degrees north.
    pub lat_deg: f64,
    /// Longitude, degrees east.
    pub lon_deg: f64,
}

/// How a stopped site keeps its duties, as its simulated telemetry shows: the lapses a demo
/// city's site is given (a real city judges the gateway's telemetry instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Lapse {
    /// The first crane's slew brake is left locked: its jib cannot weathervane.
    SlewBrakeLocked,
    /// A pit monitoring point goes dark.
    PitPointDark,
    /// A crew comes in although only the duty crew should be on site.
    CrewOnSite,
    /// Noisy work by day.
    NoisyWork,
}

/// One site of the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitySite {
    /// Site id (the construction permit number).
    pub id: String,
    /// Project name.
    pub name: String,
    /// District or county (崇川区, 如皋市 ...).
    pub district: String,
    /// Where it is.
    pub location: GeoPoint,
    /// The general contractor.
    pub contractor: String,
    /// Its scene file (a full twin), relative to the city file.
    #[serde(default)]
    pub scene: Option<PathBuf>,
    /// A light description for a site without a scene file.
    #[serde(default)]
    pub light: Option<LightSite>,
    /// What it is doing while it works (what a pollution alert may ban).
    #[serde(default)]
    pub works: Vec<Activity>,
    /// Its exemptions from pollution bans.
    #[serde(default)]
    pub exemptions: Vec<Exemption>,
    /// Status, the current stoppage and the history.
    #[serde(default)]
    pub stoppage: SiteStoppage,
    /// The lapses its simulated telemetry shows while it is stopped.
    #[serde(default)]
    pub lapses: Vec<Lapse>,
}

impl CitySite {
    /// Whether the site is not operating (stopped, or stopped with resumption under review).
    pub fn non_operating(&self) -> bool {
        self.stoppage.status != Status::Operating
    }
}

/// A problem with a city file: where, and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {}{}", file.display(), at.as_deref().map(|a| format!("{a}: ")).unwrap_or_default(), message)]
pub struct CityError {
    /// The file.
    pub file: PathBuf,
    /// The field (`sites[3].id`) or `line L, column C`.
    pub at: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl City {
    /// Reads and checks a city file.
    pub fn load(path: &Path) -> Result<City, CityError> {
        let text = std::fs::read_to_string(path).map_err(|e| CityError {
            file: path.into(),
            at: None,
            message: format!("cannot read the city file: {e}"),
        })?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        City::parse(&text, path, &dir)
    }

    /// Parses and checks city JSON; `file` names it in messages, `dir` resolves scene paths.
    pub fn parse(text: &str, file: &Path, dir: &Path) -> Result<City, CityError> {
        let mut city: City = serde_json::from_str(text).map_err(|e| CityError {
            file: file.into(),
            at: Some(format!("line {}, column {}", e.line(), e.column())),
            message: e.to_string().split(" at line ").next().unwrap_or_default().to_string(),
        })?;
        city.dir = dir.to_path_buf();
        city.check().map_err(|(at, message)| CityError { file: file.into(), at: Some(at), message })?;
        Ok(city)
    }

    /// Writes the city as pretty JSON, atomically (a temporary file renamed over the old one).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, path)
    }

    /// The site with this id.
    pub fn site(&self, id: &str) -> Option<&CitySite> {
        self.sites.iter().find(|s| s.id == id)
    }

    /// Where a site's scene file is, if it has one.
    pub fn scene_path(&self, site: &CitySite) -> Option<PathBuf> {
        site.scene.as_ref().map(|p| self.dir.join(p))
    }

    /// Adds a review record after checking it names a known site and a reviewer.
    pub fn add_review(&mut self, review: Review) -> Result<(), String> {
        review.validate().map_err(|e| e.to_string())?;
        if self.site(&review.site).is_none() {
            return Err(format!("review: no site {} in the city", review.site));
        }
        self.reviews.push(review);
        Ok(())
    }

    /// The reviews of one site, oldest first.
    pub fn reviews_of<'a>(&'a self, site: &'a str) -> impl Iterator<Item = &'a Review> + 'a {
        self.reviews.iter().filter(move |r| r.site == site)
    }

    /// Checks what serde cannot: a field path and a message for the first problem.
    fn check(&self) -> Result<(), (String, String)> {
        if self.version != FILE_VERSION {
            return Err((
                "version".into(),
                format!(
                    "city file version {} is not supported; this sitetwin reads version {FILE_VERSION}",
                    self.version
                ),
            ));
        }
        if self.name.trim().is_empty() {
            return Err(("name".into(), "the city must be named".into()));
        }
        let mut ids = BTreeSet::new();
        for (i, s) in self.sites.iter().enumerate() {
            let at = |f: &str| format!("sites[{i}].{f}");
            if s.id.trim().is_empty() {
                return Err((at("id"), "empty site id".into()));
            }
            if let Some(c) = s.id.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
                return Err((at("id"), format!("site id {:?} has {c:?}: use letters, digits, - and _", s.id)));
            }
            if !ids.insert(s.id.as_str()) {
                return Err((at("id"), format!("site id {} is used twice", s.id)));
            }
            if s.name.trim().is_empty() {
                return Err((at("name"), "the site must be named".into()));
            }
            let GeoPoint { lat_deg, lon_deg } = s.location;
            if !(-90.0..=90.0).contains(&lat_deg) {
                return Err((at("location.lat_deg"), format!("latitude {lat_deg} is not in -90..90")));
            }
            if !(-180.0..=180.0).contains(&lon_deg) {
                return Err((at("location.lon_deg"), format!("longitude {lon_deg} is not in -180..180")));
            }
            match (&s.scene, &s.light) {
                (Some(_), Some(_)) => {
                    return Err((at("light"), "a site has a scene file or a light description, not both".into()));
                }
                (None, None) => return Err((at("scene"), "a site needs a scene file or a light description".into())),
                (None, Some(l)) => l.check().map_err(|(f, m)| (at(&format!("light.{f}")), m))?,
                (Some(_), None) => {}
            }
            let st = &s.stoppage;
            if (st.status == Status::Operating) != st.current.is_none() {
                return Err((
                    at("stoppage.current"),
                    format!(
                        "status {:?} does not match the current stoppage ({})",
                        st.status,
                        if st.current.is_some() { "set" } else { "none" }
                    ),
                ));
            }
            if let Some(t) = st.history.iter().find(|t| t.at > self.today) {
                return Err((
                    at("stoppage.history"),
                    format!("a transition on {} is after the registry's day {}", t.at, self.today),
                ));
            }
            if let Some(w) = st.history.windows(2).find(|w| w[1].at < w[0].at) {
                return Err((
                    at("stoppage.history"),
                    format!("transitions go back in time ({} after {})", w[1].at, w[0].at),
                ));
            }
        }
        for (i, r) in self.reviews.iter().enumerate() {
            r.validate().map_err(|e| (format!("reviews[{i}]"), e.to_string()))?;
            if !ids.contains(r.site.as_str()) {
                return Err((format!("reviews[{i}].site"), format!("no site {} in the city", r.site)));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
