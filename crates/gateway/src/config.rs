//! The gateway's configuration: where it listens, which sites it serves, its limits, its
//! retention and the findings register's rules. Read from a RON file (`--config`), with the command line's flags on top; every field
//! has a default, so `serve --data DIR --scene FILE` is a whole configuration.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Everything `serve` needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewayConfig {
    /// Folder of the store (`gateway.sqlite3` and its WAL), unless `db` is given.
    pub data_dir: PathBuf,
    /// A PostgreSQL database (`postgres://user:password@host:port/db`) to use instead of the
    /// SQLite file in `data_dir`; several gateways may share one.
    pub db: Option<String>,
    /// HTTP API address (`127.0.0.1:0` picks a free port; the bound one is printed).
    pub http: Option<SocketAddr>,
    /// HJ 212 TCP address.
    pub hj212: Option<SocketAddr>,
    /// The sites served.
    pub sites: Vec<SiteConfig>,
    /// MQTT subscription, if any.
    pub mqtt: Option<MqttConfig>,
    /// Limits on what a client may send.
    pub limits: Limits,
    /// How long readings are kept, raw and aggregated.
    pub retention: Retention,
    /// How commits are grouped.
    pub commit: CommitConfig,
    /// Seconds between ticks of the rules (staleness, alarm escalation).
    pub tick_s: f64,
    /// On start, the rules are brought back to where they were by replaying this many hours of
    /// stored readings (the pit rules look three days back).
    pub replay_h: f64,
    /// The findings register's rules, for every site served: each severity's default
    /// rectification deadline (critical 1 day, major 3, minor 7 [R]) and the escalation of overdue
    /// items (a level each 3 days past the deadline, up to 3 [R]); sitetwin defaults, not a
    /// standard's.
    pub findings: sitetwin_core::findings::FindingRules,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            data_dir: PathBuf::from("gateway-data"),
            db: None,
            http: None,
            hj212: None,
            sites: Vec::new(),
            mqtt: None,
            limits: Limits::default(),
            retention: Retention::default(),
            commit: CommitConfig::default(),
            tick_s: 5.0,
            replay_h: 72.0,
            findings: sitetwin_core::findings::FindingRules::default(),
        }
    }
}

/// One site: its scene, and optionally its rules and device registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The scene file (its `site.id` is the site's id in the API).
    pub scene: PathBuf,
    /// A rules file (`sitetwin rules` format); the built-in rules when absent.
    #[serde(default)]
    pub rules: Option<PathBuf>,
    /// The HJ 212 device registry (passwords, units, extra codes): a RON list of devices. When
    /// absent, `devices/<scene stem>.ron` in the scene's folder is used if it exists.
    #[serde(default)]
    pub devices: Option<PathBuf>,
}

impl SiteConfig {
    /// A site from its scene alone.
    pub fn scene(path: impl Into<PathBuf>) -> Self {
        SiteConfig { scene: path.into(), rules: None, devices: None }
    }

    /// The device registry file in force: the one named, or the one beside the scene.
    pub fn devices_file(&self) -> Option<PathBuf> {
        if let Some(d) = &self.devices {
            return Some(d.clone());
        }
        let stem = self.scene.file_stem()?.to_string_lossy().into_owned();
        let beside = self.scene.with_file_name("devices").join(format!("{stem}.ron"));
        beside.is_file().then_some(beside)
    }
}

/// The MQTT broker to subscribe to. Readings arrive on `{topic_prefix}/{site id}/readings` in the
/// core's JSON-lines format; the broker's ACLs decide who may publish there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MqttConfig {
    /// Broker host.
    pub host: String,
    /// Broker port.
    pub port: u16,
    /// Client id (a persistent session: QoS 1 messages wait at the broker while the gateway is down).
    pub client_id: String,
    /// First topic level.
    pub topic_prefix: String,
    /// Broker user, if it asks for one.
    pub username: Option<String>,
    /// Broker password.
    pub password: Option<String>,
    /// MQTT keep-alive, seconds.
    pub keep_alive_s: u64,
}

impl Default for MqttConfig {
    fn default() -> Self {
        MqttConfig {
            host: "127.0.0.1".into(),
            port: 1883,
            client_id: "sitetwin-gateway".into(),
            topic_prefix: "sitetwin".into(),
            username: None,
            password: None,
            keep_alive_s: 30,
        }
    }
}

/// Limits on clients. The defaults suit a city's sites on one machine; each is a knob.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Longest HJ 212 data segment accepted, characters (the standard's 1024 is recalled, not read).
    pub hj212_max_segment: usize,
    /// Open HJ 212 connections at most; more are closed at once.
    pub hj212_max_connections: usize,
    /// Open HJ 212 connections from one address at most (a site's stations often share one
    /// router's address).
    pub hj212_max_connections_per_ip: usize,
    /// An HJ 212 connection that sends nothing for this long is closed, seconds.
    pub hj212_idle_timeout_s: f64,
    /// A packet must arrive whole within this many seconds of its first byte (a byte-a-second
    /// sender is cut off), seconds.
    pub hj212_frame_timeout_s: f64,
    /// Packets per second one HJ 212 device (MN) may send, sustained.
    pub hj212_device_rate_per_s: f64,
    /// Packets one HJ 212 device may send in a burst.
    pub hj212_device_burst: f64,
    /// Largest HTTP request body, bytes.
    pub http_max_body_bytes: usize,
    /// Readings per second one token may push, sustained.
    pub http_token_rate_per_s: f64,
    /// Readings one token may push in a burst (a batch larger than this is refused whole).
    pub http_token_burst: f64,
    /// Live-stream subscribers at most, per site.
    pub sse_max_subscribers: usize,
    /// Rows of the live feed held for slow subscribers: `sse_buffer / 256` commits (at least
    /// 64), each in chunks of at most 256 rows. A subscriber further behind catches up from the
    /// store instead.
    pub sse_buffer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            hj212_max_segment: sitetwin_core::hj212::DEFAULT_MAX_SEGMENT_LEN,
            hj212_max_connections: 512,
            hj212_max_connections_per_ip: 64,
            hj212_idle_timeout_s: 600.0,
            hj212_frame_timeout_s: 30.0,
            hj212_device_rate_per_s: 5.0,
            hj212_device_burst: 60.0,
            http_max_body_bytes: 8 << 20,
            http_token_rate_per_s: 2_000.0,
            http_token_burst: 20_000.0,
            sse_max_subscribers: 1_000,
            sse_buffer: 4_096,
        }
    }
}

/// How long data is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Retention {
    /// Raw readings, days.
    pub raw_days: f64,
    /// Minute aggregates, days.
    pub minute_days: f64,
    /// Hour aggregates, days.
    pub hour_days: f64,
    /// Stored events (level changes, data quality, alarm and status changes), days.
    pub event_days: f64,
    /// Seconds between retention sweeps.
    pub sweep_every_s: f64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { raw_days: 90.0, minute_days: 400.0, hour_days: 3_660.0, event_days: 400.0, sweep_every_s: 3_600.0 }
    }
}

/// Group commit: the writer takes whatever has queued while the last commit ran, up to these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommitConfig {
    /// Readings per transaction at most.
    pub max_readings: usize,
    /// Queued requests at most before senders wait (back-pressure).
    pub queue: usize,
}

impl Default for CommitConfig {
    fn default() -> Self {
        CommitConfig { max_readings: 20_000, queue: 4_096 }
    }
}

impl GatewayConfig {
    /// Reads a configuration file.
    pub fn load(path: &Path) -> anyhow::Result<GatewayConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read the configuration: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut cfg: GatewayConfig = ron::from_str(&text).map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))?;
        // Paths in the file are relative to it.
        let rebase = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        rebase(&mut cfg.data_dir);
        for s in &mut cfg.sites {
            rebase(&mut s.scene);
            if let Some(r) = &mut s.rules {
                rebase(r);
            }
            if let Some(d) = &mut s.devices {
                rebase(d);
            }
        }
        cfg.check()?;
        Ok(cfg)
    }

    /// Refuses values that would make the gateway misbehave, naming the field.
    pub fn check(&self) -> anyhow::Result<()> {
        let l = &self.limits;
        let positive = [
            ("limits.hj212_idle_timeout_s", l.hj212_idle_timeout_s),
            ("limits.hj212_frame_timeout_s", l.hj212_frame_timeout_s),
            ("limits.hj212_device_rate_per_s", l.hj212_device_rate_per_s),
            ("limits.hj212_device_burst", l.hj212_device_burst),
            ("limits.http_token_rate_per_s", l.http_token_rate_per_s),
            ("limits.http_token_burst", l.http_token_burst),
            ("retention.raw_days", self.retention.raw_days),
            ("retention.minute_days", self.retention.minute_days),
            ("retention.hour_days", self.retention.hour_days),
            ("retention.event_days", self.retention.event_days),
            ("retention.sweep_every_s", self.retention.sweep_every_s),
            ("tick_s", self.tick_s),
        ];
        for (name, v) in positive {
            anyhow::ensure!(v.is_finite() && v > 0.0, "{name} must be a positive number, not {v}");
        }
        anyhow::ensure!(
            self.replay_h.is_finite() && self.replay_h >= 0.0,
            "replay_h must be ≥ 0, not {}",
            self.replay_h
        );
        anyhow::ensure!(l.hj212_max_segment >= 64, "limits.hj212_max_segment must be at least 64");
        anyhow::ensure!(l.hj212_max_connections >= 1, "limits.hj212_max_connections must be at least 1");
        anyhow::ensure!(l.hj212_max_connections_per_ip >= 1, "limits.hj212_max_connections_per_ip must be at least 1");
        // Upper bounds: durations this long mean a typo, and would overflow the clocks.
        for (name, v, max) in [
            ("limits.hj212_idle_timeout_s", l.hj212_idle_timeout_s, 86_400.0 * 366.0),
            ("limits.hj212_frame_timeout_s", l.hj212_frame_timeout_s, 86_400.0),
            ("retention.raw_days", self.retention.raw_days, 100_000.0),
            ("retention.minute_days", self.retention.minute_days, 100_000.0),
            ("retention.hour_days", self.retention.hour_days, 100_000.0),
            ("retention.event_days", self.retention.event_days, 100_000.0),
            ("retention.sweep_every_s", self.retention.sweep_every_s, 86_400.0 * 366.0),
            ("tick_s", self.tick_s, 86_400.0),
            ("replay_h", self.replay_h, 24.0 * 366.0),
        ] {
            anyhow::ensure!(v <= max, "{name} is {v}; at most {max}");
        }
        anyhow::ensure!(l.http_max_body_bytes >= 1024, "limits.http_max_body_bytes must be at least 1024");
        anyhow::ensure!(l.sse_buffer >= 16, "limits.sse_buffer must be at least 16");
        anyhow::ensure!(self.commit.max_readings >= 1, "commit.max_readings must be at least 1");
        anyhow::ensure!(self.commit.queue >= 1, "commit.queue must be at least 1");
        anyhow::ensure!(!self.sites.is_empty(), "no sites: name at least one scene (--scene FILE)");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_sets_what_it_names_and_paths_are_relative_to_it() {
        let dir = std::env::temp_dir().join(format!("sitetwin-gw-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("gw.ron");
        std::fs::write(&f, r#"(data_dir: "data", sites: [(scene: "s.ron")], limits: (hj212_max_connections: 3))"#)
            .unwrap();
        let c = GatewayConfig::load(&f).unwrap();
        assert_eq!(c.data_dir, dir.join("data"));
        assert_eq!(c.sites[0].scene, dir.join("s.ron"));
        assert_eq!(c.limits.hj212_max_connections, 3);
        assert_eq!(c.limits.hj212_idle_timeout_s, Limits::default().hj212_idle_timeout_s);
        assert_eq!(c.findings, sitetwin_core::findings::FindingRules::default(), "absent: the defaults");
    }

    #[test]
    fn the_findings_rules_are_read_with_defaults_for_what_is_left_out() {
        use sitetwin_core::findings::{DeadlineRules, EscalationRules};
        let dir = std::env::temp_dir().join(format!("sitetwin-gw-cfg3-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("gw.ron");
        std::fs::write(
            &f,
            "(sites: [(scene: \"s.ron\")], findings: (deadlines: (critical_days: 2), escalation: (max_level: 1)))",
        )
        .unwrap();
        let c = GatewayConfig::load(&f).unwrap();
        assert_eq!(c.findings.deadlines, DeadlineRules { critical_days: 2, major_days: 3, minor_days: 7 });
        assert_eq!(c.findings.escalation, EscalationRules { escalate_after_days: 3, max_level: 1 });
        std::fs::write(&f, "(sites: [(scene: \"s.ron\")], findings: (deadline: ()))").unwrap();
        let e = GatewayConfig::load(&f).unwrap_err().to_string();
        assert!(e.contains("gw.ron") && e.contains("deadline"), "{e}");
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        let mut c = GatewayConfig { sites: vec![SiteConfig::scene("x.ron")], ..GatewayConfig::default() };
        c.limits.hj212_device_rate_per_s = f64::NAN;
        let e = c.check().unwrap_err().to_string();
        assert!(e.contains("limits.hj212_device_rate_per_s"), "{e}");
        let dir = std::env::temp_dir().join(format!("sitetwin-gw-cfg2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("gw.ron");
        std::fs::write(&f, "(sites: [(scene: \"s.ron\")], limit: ())").unwrap();
        let e = GatewayConfig::load(&f).unwrap_err().to_string();
        assert!(e.contains("gw.ron") && e.contains("limit"), "{e}");
    }
}
