//! The telemetry bridge: readings that arrive (from whatever source the twin is given) go through
//! the core's streaming rules engine, the one that also runs in the batch CLI and the gateway, and
//! their verdicts land on the sensor entities' [`SensorLive`]; what the rules noticed goes out as
//! [`RulesNoticed`] messages. Headless-safe. The sources themselves (simulator, gateway, replay)
//! write [`ReadingArrived`]; until one does, the twin is a static scene.

use std::sync::Arc;

use bevy::prelude::*;
use chrono::{DateTime, Utc};
use sitetwin_core::rules::{Engine, Event, Level, RuleSet};
use sitetwin_core::telemetry::Reading;

use crate::site::{SensorLive, Site, SiteIndex};
use crate::{LoadPhase, TwinSet};

/// The rule set sites are judged by: the defaults (a rules file will set it once the twin takes
/// one).
#[derive(Resource, Debug, Clone, Default)]
pub struct SiteRuleSet(pub Arc<RuleSet>);

/// The current site's streaming rules engine, built when the site is spawned.
#[derive(Resource, Clone)]
pub struct SiteRules(pub Engine);

/// A reading a source delivered, with the time it arrived (future timestamps are judged
/// against it).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct ReadingArrived {
    /// The reading.
    pub reading: Reading,
    /// When it reached the twin.
    pub arrived_at: DateTime<Utc>,
}

/// Something the rules noticed: an alarm raised, changed or cleared, a data-quality finding, a
/// silence, an hourly mean, a spray request (the core's event, as it happened).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct RulesNoticed(pub Event);

/// A sensor's level changed (the twin recolours it; the alarm list will follow it).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelChanged {
    /// The sensor entity.
    pub sensor: Entity,
    /// The level before.
    pub from: Level,
    /// The level now.
    pub to: Level,
}

/// Judges arriving readings and keeps the sensors' live state.
pub struct TelemetryPlugin;

impl Plugin for TelemetryPlugin {
    fn build(&self, app: &mut App) {
        crate::configure(app);
        app.init_resource::<SiteRuleSet>()
            .add_message::<ReadingArrived>()
            .add_message::<RulesNoticed>()
            .add_message::<LevelChanged>()
            .add_systems(OnEnter(LoadPhase::Spawning), build_engine)
            .add_systems(Update, judge_readings.in_set(TwinSet::Update));
    }
}

fn build_engine(mut commands: Commands, site: Option<Res<Site>>, rules: Res<SiteRuleSet>) {
    if let Some(site) = site {
        commands.insert_resource(SiteRules(Engine::new(&site.loaded.scene, rules.0.clone())));
    }
}

/// Every reading that arrived this frame, in order, through the engine onto its sensor.
fn judge_readings(
    mut arrived: MessageReader<ReadingArrived>,
    engine: Option<ResMut<SiteRules>>,
    index: Res<SiteIndex>,
    mut sensors: Query<&mut SensorLive>,
    mut noticed: MessageWriter<RulesNoticed>,
    mut changed: MessageWriter<LevelChanged>,
) {
    let Some(mut engine) = engine else {
        arrived.clear();
        return;
    };
    for a in arrived.read() {
        let ingested = match engine.0.ingest(&a.reading, a.arrived_at) {
            Ok(i) => i,
            Err(e) => {
                warn!("reading refused: {e}");
                continue;
            }
        };
        let j = ingested.judgement;
        if let Some(entity) = index.sensor(&j.sensor)
            && let Ok(mut live) = sensors.get_mut(entity)
        {
            let from = live.level;
            live.record(j.time, j.value, j.quality);
            // The engine's state, not the verdict: a reading it could not judge leaves the
            // level and the rule in force as they were.
            if let Some(status) = engine.0.status(&j.sensor) {
                live.level = status.level;
                live.rule = status.rule.clone();
            }
            if from != live.level {
                changed.write(LevelChanged { sensor: entity, from, to: live.level });
            }
        }
        noticed.write_batch(ingested.events.into_iter().map(RulesNoticed));
    }
}
