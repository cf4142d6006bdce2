//! A stopped site's duties, judged from its telemetry: while the source reports the site stopped,
//! the core's stopped-site checks run over the last day of the sensors' readings (since the stop,
//! if later) and list each duty met, unmet or unknown, and what was found (lifting, power drawn,
//! daytime noise, pit points gone dark). Headless-safe; the banner and the twin show them.

use bevy::prelude::*;
use chrono::{Duration, FixedOffset, Offset, TimeZone, Utc};
use sitetwin_core::rules::stoppage::{self, DutyCheck, Finding, Status, StoppedSiteRules};
use sitetwin_core::telemetry::{CHINA_STANDARD_TIME_S, Reading};

use crate::TwinSet;
use crate::site::{SensorLive, Site, SiteSensor};
use crate::source::ReportedStoppage;
use crate::telemetry::{SiteRuleSet, TelemetrySet, TwinClock};

/// The duties of the stopped site and the findings, as of `at` (empty while operating).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct SiteDuties {
    /// Each duty's verdict.
    pub checks: Vec<DutyCheck>,
    /// Stopped-but-active and dark-sensor findings.
    pub findings: Vec<Finding>,
    /// The data time they were judged at.
    pub at: Option<chrono::DateTime<Utc>>,
}

/// How often the duties are judged again, in wall time (they read a day of readings).
const EVERY_S: f32 = 2.0;

/// Judges a stopped site's duties.
pub struct StoppagePlugin;

impl Plugin for StoppagePlugin {
    fn build(&self, app: &mut App) {
        crate::configure(app);
        app.init_resource::<SiteDuties>().add_systems(Update, judge_duties.after(TelemetrySet).in_set(TwinSet::Update));
    }
}

/// The site's zone (China Standard Time).
fn zone() -> FixedOffset {
    FixedOffset::east_opt(CHINA_STANDARD_TIME_S).unwrap_or(Utc.fix())
}

#[allow(clippy::too_many_arguments)]
fn judge_duties(
    time: Res<Time>,
    mut since_last: Local<Option<f32>>,
    site: Option<Res<Site>>,
    reported: Res<ReportedStoppage>,
    clock: Res<TwinClock>,
    rules: Res<SiteRuleSet>,
    sensors: Query<(&SiteSensor, &SensorLive)>,
    mut duties: ResMut<SiteDuties>,
) {
    let stop = reported.0.as_ref().filter(|s| s.status != Status::Operating).and_then(|s| s.current.as_ref());
    let (Some(site), Some(stop), Some(now)) = (site, stop, clock.now) else {
        if *duties != SiteDuties::default() {
            *duties = SiteDuties::default();
        }
        return;
    };
    // Again every EVERY_S of wall time when data time has moved, or at once after a jump of an
    // hour or more.
    let waited = since_last.map_or(f32::INFINITY, |s| s + time.delta_secs());
    if duties.at == Some(now) || (waited < EVERY_S && duties.at.is_some_and(|t| (now - t).abs() < Duration::hours(1))) {
        *since_last = Some(waited);
        return;
    }
    *since_last = Some(0.0);
    let stopped_at = zone()
        .from_local_datetime(&stop.since.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now);
    let from = stopped_at.max(now - Duration::days(1));
    let read = stoppage::duty_input;
    let readings: Vec<Reading> = sensors
        .iter()
        .filter(|(s, _)| read(s.kind))
        .flat_map(|(s, live)| {
            live.history.since(from).filter(|(t, _)| *t <= now).map(|(t, v)| Reading {
                sensor: s.id.clone(),
                time: *t,
                value: *v,
                flag: None,
            })
        })
        .collect();
    let scene = &site.loaded.scene;
    let k = rules.0.general.stale_after_intervals;
    let checks_rules = StoppedSiteRules::default();
    duties.checks = stoppage::check_duties(scene, &readings, &checks_rules, k, now);
    duties.findings = stoppage::detect_activity(scene, &readings, &checks_rules, k, zone(), now);
    duties.at = Some(now);
}
