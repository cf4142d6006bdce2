//! Following a telemetry gateway live: the gateway's own client (`sitetwin_gateway::client`,
//! reqwest on a tokio runtime on its own thread, a bounded channel, reconnecting with backoff and
//! `Last-Event-ID`) delivers the recent history, the live readings, the site's alarms and its
//! stoppage status and its rectification register; the twin judges the readings with the same
//! rules for its markers and shows the gateway's alarms and register items, whose lifecycle steps
//! go back to the gateway. The readings go into the live
//! feed ([`Playback::feed`]) the timeline plays: followed, they are shown as they come.

use bevy::prelude::*;
use chrono::Utc;
use sitetwin_core::rules::alarm::{Alarm, AuditEntry};
use sitetwin_core::telemetry::Reading;
use sitetwin_gateway::client::{AlarmState, ClientCommand, ClientConfig, ClientEvent, GatewayClient};

use super::{AlarmChange, DataSource, Health, Playback, RemoteAlarm, ReportedStoppage, SourceHealth};
use crate::TwinSet;
use crate::findings::SiteFindings;
use crate::site::{Site, SiteSpawned};
use crate::telemetry::{AlarmActionRequested, AlarmStep, SiteAlarms};

/// A gateway to follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewaySource {
    /// `http://HOST:PORT`.
    pub url: String,
    /// A viewer (or operator, to take alarm steps) token.
    pub token: String,
}

/// The running client of the current site.
#[derive(Resource)]
struct Link(GatewayClient);

/// The most client events taken in one frame (the rest wait in the bounded channel).
const EVENTS_PER_FRAME: usize = 20_000;

/// Follows a gateway.
pub struct GatewayPlugin;

impl Plugin for GatewayPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(
            Update,
            (connect.after(super::start_source), (take_events, send_steps, send_findings))
                .chain()
                .before(super::play)
                .in_set(TwinSet::Input),
        );
    }
}

/// Once a site is spawned, a client for it (the site id is the scene's).
fn connect(
    mut commands: Commands,
    mut spawned: MessageReader<SiteSpawned>,
    site: Option<Res<Site>>,
    source: Res<DataSource>,
    mut alarms: ResMut<SiteAlarms>,
    mut health: ResMut<SourceHealth>,
    mut clock: ResMut<crate::telemetry::TwinClock>,
) {
    if spawned.read().last().is_none() {
        return;
    }
    commands.remove_resource::<Link>();
    let (DataSource::Gateway(g), Some(site)) = (&*source, site) else { return };
    alarms.remote = true;
    let cfg = ClientConfig::new(g.url.clone(), g.token.clone(), site.loaded.scene.site.id.clone());
    match GatewayClient::spawn(cfg) {
        Ok(client) => {
            commands.insert_resource(Link(client));
            commands.insert_resource(Playback::feed(Utc::now()));
            // A new site's feed is followed from now, whatever the last site's clock did.
            *clock = crate::telemetry::TwinClock { now: Some(Utc::now()), ..default() };
            health.state = Health::Connecting(None);
            health.following = Some(true);
        }
        Err(e) => health.state = Health::Failed(e.to_string()),
    }
}

/// Everything the client delivered, into the twin.
fn take_events(
    link: Option<Res<Link>>,
    feed: Option<ResMut<Playback>>,
    mut health: ResMut<SourceHealth>,
    mut alarms: ResMut<SiteAlarms>,
    mut stoppage: ResMut<ReportedStoppage>,
    mut findings: ResMut<SiteFindings>,
    mut changed: MessageWriter<RemoteAlarm>,
) {
    let (Some(link), Some(mut feed)) = (link, feed) else { return };
    let now = Utc::now();
    for ev in link.0.drain(EVENTS_PER_FRAME) {
        match ev {
            // What is open now is what the gateway says (alarms closed while away drop off).
            ClientEvent::Connected { stoppage: s, open_alarms, findings: register, .. } => {
                health.state = Health::Live;
                stoppage.0 = Some(*s);
                let register = *register;
                findings.adopt(register.items, register.rules);
                let change = AlarmChange::OpenNow(open_alarms);
                alarms.apply(&change);
                changed.write(RemoteAlarm { at: now, change });
            }
            // The history arrived at the gateway when it was measured, as far as the twin knows.
            ClientEvent::History { readings } => {
                for r in readings {
                    let at = r.time.min(now);
                    receive(&mut health, &mut feed, at, r);
                }
            }
            ClientEvent::Reading(r) => {
                health.state = Health::Live;
                let reading =
                    Reading { sensor: r.sensor, time: r.time, value: r.value.unwrap_or(f64::NAN), flag: r.flag };
                receive(&mut health, &mut feed, r.arrived, reading);
            }
            ClientEvent::Alarm(u) => {
                let alarm = merged(alarms.get(u.alarm.id), &u.alarm, u.entry);
                changed.write(RemoteAlarm { at: now, change: AlarmChange::State(alarm.clone()) });
                alarms.upsert(alarm);
            }
            ClientEvent::Status(u) => stoppage.0 = Some(u.state),
            // A register item changed at the gateway (by the twin or by anyone else).
            ClientEvent::Finding(u) => findings.upsert(u.item),
            ClientEvent::FindingResult { result } => findings.answered(result),
            ClientEvent::ActionResult { result, .. } => match result {
                Ok(a) => {
                    alarms.last_error = None;
                    changed.write(RemoteAlarm { at: now, change: AlarmChange::State(a.clone()) });
                    alarms.upsert(a);
                }
                Err(e) => alarms.last_error = Some(e),
            },
            ClientEvent::Disconnected { error, .. } => health.state = Health::Connecting(Some(error)),
            ClientEvent::Revoked => health.state = Health::Failed("the token was revoked".into()),
            ClientEvent::Stopped { error } => health.state = Health::Failed(error),
            ClientEvent::Malformed { kind, error, .. } => {
                warn!("gateway sent a {kind} event the twin cannot read: {error}")
            }
            // The gateway's store is not the one the twin followed: its alarms start afresh (the
            // client reconnects and sends the open ones).
            ClientEvent::Reset { .. } => alarms.reset(),
            ClientEvent::Event(_) => {}
        }
    }
}

/// A reading received, into the feed (the timeline delivers it).
fn receive(health: &mut SourceHealth, feed: &mut Playback, at: chrono::DateTime<Utc>, r: Reading) {
    health.received += 1;
    health.newest = health.newest.max(Some(r.time));
    feed.receive(at, r);
}

/// The gateway's new state of an alarm, with the audit the twin has seen of it.
fn merged(known: Option<&Alarm>, s: &AlarmState, entry: Option<AuditEntry>) -> Alarm {
    let mut audit = known.map(|a| a.audit.clone()).unwrap_or_default();
    // The step may be known already (the answer to the twin's own step brought the whole alarm).
    if let Some(e) = entry.filter(|e| !audit.contains(e)) {
        audit.push(e);
    }
    Alarm {
        id: s.id,
        sensor: s.sensor.clone(),
        rule: s.rule.clone(),
        level: s.level,
        peak: s.peak,
        raised_at: s.raised_at,
        status: s.status,
        assignee: s.assignee.clone(),
        condition_active: s.condition_active,
        escalations: s.escalations,
        source: s.source,
        audit,
    }
}

/// The user's alarm steps, to the gateway.
fn send_steps(link: Option<Res<Link>>, mut steps: MessageReader<AlarmActionRequested>, mut alarms: ResMut<SiteAlarms>) {
    let Some(link) = link else { return };
    for req in steps.read() {
        let (alarm, who) = (req.id, req.who.clone());
        let cmd = match &req.step {
            AlarmStep::Acknowledge => ClientCommand::Acknowledge { alarm, who },
            AlarmStep::Dispatch { to } => ClientCommand::Dispatch { alarm, who, to: to.clone() },
            AlarmStep::Close { note } => ClientCommand::Close { alarm, who, note: note.clone() },
        };
        if let Err(e) = link.0.send(cmd) {
            alarms.last_error = Some(e.to_string());
        }
    }
}

/// The register steps taken on the twin, to the gateway (in order, after any alarm step before).
fn send_findings(link: Option<Res<Link>>, mut findings: ResMut<SiteFindings>) {
    // Looked at without marking the register changed (its pins are placed again on a change).
    let (Some(link), true) = (link, findings.has_outbox()) else { return };
    for (by, step) in findings.take_outbox() {
        if let Err(e) = link.0.send(ClientCommand::Finding { by, step }) {
            findings.said = Some(Err(e.to_string()));
        }
    }
}
