//! The MQTT subscriber: many smart-site vendors publish to a broker. The gateway subscribes to
//! `{prefix}/+/readings` at QoS 1 with a persistent session, reads each message as the core's
//! JSON-lines readings of the site its topic names, and acknowledges (PUBACK) only once they are
//! committed: a message the gateway had not stored when it died is delivered again.

use std::sync::Arc;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use sitetwin_core::telemetry::{Format, parse_readings};
use tokio::sync::watch;

use crate::config::MqttConfig;
use crate::limits::LogOnce;
use crate::pipeline::Hub;
use crate::store::Source;

/// The site id a topic names, if it has the `{prefix}/{site}/readings` shape.
pub fn topic_site<'a>(topic: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = topic.strip_prefix(prefix)?.strip_prefix('/')?;
    let site = rest.strip_suffix("/readings")?;
    (!site.is_empty() && !site.contains('/')).then_some(site)
}

/// Subscribes and ingests until `shutdown` turns true; reconnects when the broker goes away.
pub async fn run(cfg: MqttConfig, hub: Arc<Hub>, log: Arc<LogOnce>, mut shutdown: watch::Receiver<bool>) {
    let mut opts = MqttOptions::new(cfg.client_id.clone(), cfg.host.clone(), cfg.port);
    opts.set_keep_alive(Duration::from_secs(cfg.keep_alive_s.max(1)));
    opts.set_clean_session(false);
    opts.set_manual_acks(true);
    opts.set_max_packet_size(1 << 20, 1 << 20);
    if let (Some(u), Some(p)) = (&cfg.username, &cfg.password) {
        opts.set_credentials(u.clone(), p.clone());
    }
    let (client, mut events) = AsyncClient::new(opts, 1024);
    let filter = format!("{}/+/readings", cfg.topic_prefix);
    // One worker takes the messages in the order they came and acknowledges them in that order
    // (MQTT 3.1.1 §4.6), each only once stored; the event loop keeps polling meanwhile.
    let (work, mut queue) = tokio::sync::mpsc::channel::<rumqttc::Publish>(1024);
    let worker = {
        let (client, hub, log, prefix, mut stop) =
            (client.clone(), Arc::clone(&hub), Arc::clone(&log), cfg.topic_prefix.clone(), shutdown.clone());
        tokio::spawn(async move {
            while let Some(p) = queue.recv().await {
                let mut wait = Duration::from_millis(200);
                loop {
                    if handle(&hub, &log, &prefix, &p).await {
                        let _ = client.ack(&p).await;
                        break;
                    }
                    // Not stored: try again (the message stays unacknowledged until it is).
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.changed() => return,
                    }
                    wait = (wait * 2).min(Duration::from_secs(30));
                }
            }
        })
    };
    loop {
        let polled = tokio::select! {
            e = events.poll() => e,
            _ = shutdown.changed() => {
                // Let the worker finish what it holds while the event loop still runs (its acks
                // go out through it), then say goodbye.
                drop(work);
                let mut worker = worker;
                let deadline = tokio::time::sleep(Duration::from_secs(5));
                tokio::pin!(deadline);
                loop {
                    tokio::select! {
                        _ = &mut worker => break,
                        _ = &mut deadline => {
                            worker.abort();
                            break;
                        }
                        e = events.poll() => if e.is_err() { break },
                    }
                }
                let _ = client.disconnect().await;
                let _ = tokio::time::timeout(Duration::from_secs(1), async {
                    while let Ok(e) = events.poll().await {
                        if matches!(e, Event::Outgoing(rumqttc::Outgoing::Disconnect)) {
                            break;
                        }
                    }
                })
                .await;
                return;
            }
        };
        match polled {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                tracing::info!(broker = %format!("{}:{}", cfg.host, cfg.port), topics = %filter, "mqtt: connected");
                if let Err(e) = client.subscribe(filter.clone(), QoS::AtLeastOnce).await {
                    tracing::error!(error = %e, "mqtt: cannot subscribe");
                }
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                if work.send(p).await.is_err() {
                    return;
                }
            }
            Ok(_) => {}
            Err(e) => {
                if log.first("mqtt connection", &e.to_string()) {
                    tracing::warn!(error = %e, "mqtt: connection lost; retrying");
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = shutdown.changed() => return,
                }
            }
        }
    }
}

/// Ingests one message; whether to acknowledge it (yes once stored, and yes for a message that
/// can never be stored, so that the broker does not redeliver it forever; no when the store
/// failed, to be tried again).
async fn handle(hub: &Hub, log: &LogOnce, prefix: &str, p: &rumqttc::Publish) -> bool {
    let Some(site_id) = topic_site(&p.topic, prefix) else {
        if log.first("mqtt topic without a site", &p.topic) {
            tracing::warn!(topic = %p.topic, "mqtt: topic is not {prefix}/SITE/readings; dropped");
        }
        return true;
    };
    let Some(site) = hub.site_index(site_id) else {
        if log.first("mqtt unknown site", site_id) {
            tracing::warn!(topic = %p.topic, "mqtt: no such site; dropped");
        }
        return true;
    };
    let Ok(text) = std::str::from_utf8(&p.payload) else {
        if log.first("mqtt payload not UTF-8", &p.topic) {
            tracing::warn!(topic = %p.topic, "mqtt: payload is not UTF-8; dropped");
        }
        return true;
    };
    let (good, bad) = parse_readings(text, Format::JsonLines, hub.sites[site].rules.general.local_offset_s);
    for b in &bad {
        if log.first("mqtt unreadable line", &p.topic) {
            tracing::warn!(topic = %p.topic, error = %b, "mqtt: line refused");
        }
    }
    if good.is_empty() {
        return true;
    }
    match hub.ingest(site, Source::Mqtt, good, None).await {
        Ok(report) => {
            for r in &report.refused {
                if log.first(&format!("mqtt reading refused: {}", r.field), &p.topic) {
                    tracing::warn!(topic = %p.topic, line = r.line, reason = %r.reason, "mqtt: reading refused");
                }
            }
            true
        }
        Err(e) => {
            tracing::error!(topic = %p.topic, error = %e, "mqtt: not stored; not acknowledged, the broker will redeliver");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::topic_site;

    #[test]
    fn topics_name_their_site() {
        assert_eq!(topic_site("sitetwin/320602-001/readings", "sitetwin"), Some("320602-001"));
        assert_eq!(topic_site("sitetwin//readings", "sitetwin"), None);
        assert_eq!(topic_site("sitetwin/a/b/readings", "sitetwin"), None);
        assert_eq!(topic_site("other/a/readings", "sitetwin"), None);
        assert_eq!(topic_site("sitetwinx/a/readings", "sitetwin"), None);
    }
}
