//! A site the gateway serves: what does not change (its scene, rules and HJ 212 device registry)
//! and what the writer keeps live (the rules engine, the alarm book, the stoppage state).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use sitetwin_core::hj212::{DeviceOverride, DeviceRegistry};
use sitetwin_core::rules::alarm::AlarmBook;
use sitetwin_core::rules::stoppage::SiteStoppage;
use sitetwin_core::rules::{Engine, RuleSet};
use sitetwin_core::scene::{self, ModelChecks, SensorKind, SiteScene};

use crate::config::SiteConfig;
use crate::store::{Store, StoreResult};

/// A scene sensor as the API describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SensorInfo {
    /// Sensor id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it measures (the scene's kind).
    pub kind: String,
    /// Its unit.
    pub unit: String,
    /// The object it is mounted on.
    pub object: String,
    /// Its HJ 212 MN or vendor device id, if any.
    pub device_id: Option<String>,
}

/// The fixed part of a served site.
#[derive(Debug)]
pub struct SiteDef {
    /// Site id (the scene's `site.id`).
    pub id: String,
    /// Project name.
    pub name: String,
    /// City.
    pub city: String,
    /// District.
    pub district: String,
    /// The scene.
    pub scene: SiteScene,
    /// Its rules.
    pub rules: Arc<RuleSet>,
    /// Its HJ 212 devices.
    pub registry: DeviceRegistry,
    /// Its sensors, by id.
    pub sensors: BTreeMap<String, SensorInfo>,
}

fn kind_name(k: SensorKind) -> String {
    format!("{k:?}")
}

impl SiteDef {
    /// Loads a site: its scene (models are not looked at: the gateway draws nothing), its rules
    /// and its device registry.
    pub fn load(cfg: &SiteConfig) -> anyhow::Result<SiteDef> {
        let loaded = scene::load(&cfg.scene, ModelChecks::Skip).map_err(|e| anyhow::anyhow!("{e}"))?;
        let rules = match &cfg.rules {
            Some(p) => RuleSet::load(p).map_err(|e| anyhow::anyhow!("{e}"))?,
            None => RuleSet::default(),
        };
        let overrides: Vec<DeviceOverride> = match cfg.devices_file() {
            Some(p) => {
                let text = std::fs::read_to_string(&p).with_context(|| format!("{}: cannot read", p.display()))?;
                ron::from_str(&text).map_err(|e| anyhow::anyhow!("{}:{e}", p.display()))?
            }
            None => Vec::new(),
        };
        let zone = FixedOffset::east_opt(rules.general.local_offset_s)
            .with_context(|| format!("rules: local_offset_s {} is not a UTC offset", rules.general.local_offset_s))?;
        let scene = loaded.scene;
        let registry = DeviceRegistry::from_scene(&scene, &overrides)
            .map_err(|e| anyhow::anyhow!("{}: device registry: {e}", cfg.scene.display()))?
            .with_zone(zone);
        anyhow::ensure!(!scene.site.id.trim().is_empty(), "{}: the scene's site has no id", cfg.scene.display());
        let sensors = scene
            .sensors
            .iter()
            .map(|s| {
                let info = SensorInfo {
                    id: s.id.clone(),
                    name: s.name.clone().unwrap_or_else(|| s.id.clone()),
                    kind: kind_name(s.kind),
                    unit: s.unit.clone(),
                    object: s.anchor.object.clone(),
                    device_id: s.device_id.clone(),
                };
                (s.id.clone(), info)
            })
            .collect();
        Ok(SiteDef {
            id: scene.site.id.clone(),
            name: scene.site.name.clone(),
            city: scene.site.city.clone(),
            district: scene.site.district.clone(),
            rules: Arc::new(rules),
            registry,
            sensors,
            scene,
        })
    }

    /// The site-local wall-clock zone of its rules.
    pub fn zone(&self) -> FixedOffset {
        self.registry.zone()
    }
}

/// What the writer keeps live for a site.
pub struct SiteRuntime {
    /// The rules engine, fed every reading in arrival order.
    pub engine: Engine,
    /// The alarm book.
    pub alarms: AlarmBook,
    /// The stoppage state.
    pub status: SiteStoppage,
    /// Each sensor's latest stored measuring time: a reading at or before it may be a resend of
    /// one already stored, and is looked up.
    pub stored_latest: HashMap<String, DateTime<Utc>>,
}

impl SiteRuntime {
    /// Brings a site back to where the store left it: alarms and status as stored, and the rules
    /// engine fed the readings that arrived in the last `replay_h` hours (their events were
    /// stored when they happened, so the replayed ones are dropped).
    pub fn restore(def: &SiteDef, store: &dyn Store, now: DateTime<Utc>, replay_h: f64) -> StoreResult<SiteRuntime> {
        let mut engine = Engine::new(&def.scene, Arc::clone(&def.rules));
        let since = now - Duration::milliseconds((replay_h * 3_600_000.0) as i64);
        for r in store.readings_since(&def.id, since)? {
            // Time passed between arrivals as it did then, so that silences and closed dust
            // hours already reported are not reported again after the restart.
            let _ = engine.tick(r.arrived);
            // A stored reading is of a scene sensor unless the scene changed since: skip those.
            let _ = engine.ingest(&r.reading(), r.arrived);
        }
        let acknowledge_within = Duration::milliseconds((def.rules.general.acknowledge_within_min * 60_000.0) as i64);
        // Only the open alarms: closed ones stay in the store, their ids are not reused.
        let alarms =
            AlarmBook::restore(store.alarms(&def.id, true)?, store.last_alarm_id(&def.id)?, acknowledge_within);
        let status = store.status(&def.id)?.unwrap_or_default();
        let stored_latest = store.latest_times(&def.id)?.into_iter().collect();
        Ok(SiteRuntime { engine, alarms, status, stored_latest })
    }
}
