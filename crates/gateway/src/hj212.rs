//! The HJ 212 TCP listener: dust and noise monitors connect, send packets, and get the 9014 data
//! reply (when their Flag asks for one) only after their readings are committed, so a station
//! that hears no reply resends and nothing acknowledged is lost. The core does the protocol; this
//! moves bytes and guards the door: a connection limit, an idle timeout, a deadline for a packet
//! to arrive whole, a packet rate per device, and each kind of trouble logged once per sender.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sitetwin_core::hj212::{
    DeviceRegistry, FrameLimits, FrameSplitter, Outcome, PacketReadings, StreamError, ingest, parse_packet,
};
use sitetwin_core::scene::SiteScene;
use sitetwin_core::telemetry::Reading;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

use crate::config::Limits;
use crate::limits::{LogOnce, RateLimiter};
use crate::pipeline::Hub;
use crate::store::{Source, StoreError};

/// What every connection shares.
pub struct Hj212Server {
    hub: Arc<Hub>,
    limits: Limits,
    frame_limits: FrameLimits,
    /// MN → site index.
    by_mn: HashMap<String, usize>,
    /// Answers devices of no site (9011 MN wrong).
    nobody: DeviceRegistry,
    rate: RateLimiter,
    log: Arc<LogOnce>,
    connections: Arc<Semaphore>,
    /// Open connections per peer address.
    per_ip: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// How long a reply may take to be taken by the client.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// A peer's share of the connections, given back when the connection ends.
struct PeerSlot {
    ip: IpAddr,
    per_ip: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let mut m = match self.per_ip.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

impl Hj212Server {
    /// A server for the hub's sites.
    pub fn new(hub: Arc<Hub>, limits: Limits, log: Arc<LogOnce>) -> anyhow::Result<Hj212Server> {
        let mut by_mn = HashMap::new();
        let mut ambiguous = HashSet::new();
        for (i, s) in hub.sites.iter().enumerate() {
            for d in s.registry.devices() {
                if let Some(other) = by_mn.insert(d.mn.clone(), i) {
                    // An MN is one station: two sites claiming it is a registry mistake. Neither
                    // site gets its packets (they would be stored under a guess) until it is fixed.
                    tracing::warn!(mn = %d.mn, first = %hub.sites[other].id, second = %s.id,
                        "hj212: device in two sites' registries; its packets are refused (give the sensors distinct device_id)");
                    ambiguous.insert(d.mn.clone());
                }
            }
        }
        for mn in &ambiguous {
            by_mn.remove(mn);
        }
        let nobody = DeviceRegistry::from_scene(&SiteScene::default(), &[]).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Hj212Server {
            rate: RateLimiter::new(limits.hj212_device_rate_per_s, limits.hj212_device_burst),
            frame_limits: FrameLimits { max_segment_len: limits.hj212_max_segment },
            connections: Arc::new(Semaphore::new(limits.hj212_max_connections)),
            per_ip: Arc::new(Mutex::new(HashMap::new())),
            limits,
            by_mn,
            nobody,
            hub,
            log,
        })
    }

    /// Accepts connections until `shutdown` turns true.
    pub async fn serve(self: Arc<Self>, listener: TcpListener, mut shutdown: watch::Receiver<bool>) {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = shutdown.changed() => return,
            };
            let (stream, peer) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, say: wait a little rather than spin.
                    if self.log.first("hj212 accept failed", &e.kind().to_string()) {
                        tracing::warn!(error = %e, "hj212: accept failed");
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let Ok(permit) = Arc::clone(&self.connections).try_acquire_owned() else {
                if self.log.first("hj212 connection limit", &peer.ip().to_string()) {
                    tracing::warn!(%peer, limit = self.limits.hj212_max_connections, "hj212: connection limit reached; closed");
                }
                drop(stream);
                continue;
            };
            let slot = {
                let mut m = match self.per_ip.lock() {
                    Ok(m) => m,
                    Err(p) => p.into_inner(),
                };
                let n = m.entry(peer.ip()).or_insert(0);
                if *n >= self.limits.hj212_max_connections_per_ip {
                    None
                } else {
                    *n += 1;
                    Some(PeerSlot { ip: peer.ip(), per_ip: Arc::clone(&self.per_ip) })
                }
            };
            let Some(slot) = slot else {
                if self.log.first("hj212 connections per address", &peer.ip().to_string()) {
                    tracing::warn!(%peer, limit = self.limits.hj212_max_connections_per_ip, "hj212: too many connections from one address; closed");
                }
                continue;
            };
            let server = Arc::clone(&self);
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                server.connection(stream, peer, shutdown).await;
                drop((permit, slot));
            });
        }
    }

    fn note(&self, cause: &str, sender: &str, detail: &dyn std::fmt::Display) {
        if self.log.first(cause, sender) {
            tracing::warn!(sender, cause, %detail, "hj212: refused (further ones of this cause from this sender are counted, not logged)");
        }
    }

    async fn connection(&self, mut stream: TcpStream, peer: SocketAddr, mut shutdown: watch::Receiver<bool>) {
        let _ = stream.set_nodelay(true);
        let who = peer.ip().to_string();
        let mut splitter = FrameSplitter::new(self.frame_limits);
        let mut buf = vec![0u8; 8192];
        let idle = Duration::from_secs_f64(self.limits.hj212_idle_timeout_s);
        let frame_timeout = Duration::from_secs_f64(self.limits.hj212_frame_timeout_s);
        let mut last_activity = Instant::now();
        let mut partial_since: Option<Instant> = None;
        loop {
            let deadline = match partial_since {
                Some(t) => (t + frame_timeout).min(last_activity + idle),
                None => last_activity + idle,
            };
            let read = tokio::select! {
                r = tokio::time::timeout_at(deadline, stream.read(&mut buf)) => r,
                _ = shutdown.changed() => return,
            };
            let n = match read {
                Err(_) => {
                    let cause = if partial_since.is_some() { "packet too slow" } else { "idle connection" };
                    self.note(cause, &who, &format!("closed after {:?}", deadline - last_activity.min(deadline)));
                    return;
                }
                Ok(Err(_)) => return,
                Ok(Ok(0)) => {
                    if let Some(e) = splitter.finish() {
                        self.note("truncated packet", &who, &e);
                    }
                    return;
                }
                Ok(Ok(n)) => n,
            };
            let mut completed = false;
            for item in splitter.push(&buf[..n]) {
                match item {
                    Ok(frame) => {
                        completed = true;
                        if let Some(reply) = self.frame(&frame.bytes, &who).await {
                            // A client that does not read its replies must not hold the connection.
                            let write = tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(reply.as_bytes()));
                            if !matches!(write.await, Ok(Ok(()))) {
                                self.note("reply not read", &who, &"closed");
                                return;
                            }
                        }
                    }
                    Err(e @ StreamError::Garbage { .. }) => self.note("bytes outside any packet", &who, &e),
                    Err(e @ StreamError::Rejected { .. }) => self.note("broken frame", &who, &e),
                    Err(e @ StreamError::Truncated { .. }) => self.note("truncated packet", &who, &e),
                }
            }
            // Only a whole packet counts as activity: bytes that never make one (garbage a byte a
            // second, say) run against the packet deadline from the first of them.
            if completed {
                last_activity = Instant::now();
            }
            partial_since = match (splitter.buffered() > 0, completed) {
                (false, true) => None,
                (true, true) => Some(Instant::now()),
                (true, false) => partial_since.or(Some(Instant::now())),
                // Bytes that left nothing behind (a modem's keep-alive string, a rejected frame)
                // start no packet clock; the idle timeout still ends a connection of only those.
                (false, false) => partial_since,
            };
        }
    }

    /// The readings of a data packet worth storing, numbered by item. Real-time values (2011) all
    /// are. A minute (2051) or hourly (2061) average is the station's summary of its period; when
    /// the store already holds real-time values of the sensor in that period, the gateway's own
    /// minute and hour aggregates cover it, and stored as a reading the average would sit out of
    /// time order in the raw series. So an average is kept only for a period without real-time
    /// values: a station that sends only averages, or back-fills a gap, is stored whole.
    async fn uncovered(&self, site: usize, r: &PacketReadings) -> Result<Vec<(usize, Reading)>, StoreError> {
        let numbered: Vec<(usize, Reading)> = r.readings.iter().cloned().enumerate().map(|(k, x)| (k + 1, x)).collect();
        // A probe of the period's first stretch: enough to find real-time values sent every
        // 30–60 s, whatever the period's true length.
        let Some(span_s) = r.cn.shortest_average_period_s() else { return Ok(numbered) };
        let span = chrono::Duration::seconds(span_s);
        let store = Arc::clone(&self.hub.store);
        let id = self.hub.sites[site].id.clone();
        let (kept, covered) = tokio::task::spawn_blocking(move || -> Result<(Vec<_>, usize), StoreError> {
            let mut kept = Vec::new();
            let mut covered = 0;
            for (k, x) in numbered {
                let end = x.time + span - chrono::Duration::milliseconds(1);
                if store.readings(&id, &x.sensor, x.time, end, 1)?.is_empty() {
                    kept.push((k, x));
                } else {
                    covered += 1;
                }
            }
            Ok((kept, covered))
        })
        .await
        .map_err(|e| StoreError(e.to_string()))??;
        if covered > 0 && self.log.first(&format!("CN {} averages covered by stored readings", r.cn), &r.mn) {
            tracing::info!(mn = %r.mn, cn = %r.cn, "hj212: averages of periods that already have stored readings are not stored again");
        }
        Ok(kept)
    }

    /// Handles one frame; returns the reply to send, if any.
    async fn frame(&self, bytes: &[u8], peer: &str) -> Option<String> {
        let Ok(packet) = parse_packet(bytes, &self.frame_limits) else {
            // Malformed: the core decides whether anything can be answered (a CRC error can).
            let done = ingest(bytes, &self.nobody, &self.frame_limits);
            if let Outcome::Malformed(e) = &done.outcome {
                let cause = format!("malformed packet: {}", e.field());
                self.note(&cause, peer, e);
            }
            return done.reply;
        };
        let Some(&site) = self.by_mn.get(&packet.mn) else {
            // Keyed by the peer: the MN is the sender's choice.
            self.note("unknown MN", peer, &format!("MN {}", packet.mn));
            return ingest(bytes, &self.nobody, &self.frame_limits).reply;
        };
        let registry = &self.hub.sites[site].registry;
        let done = ingest(bytes, registry, &self.frame_limits);
        // The rate is charged to admitted packets only, so that a sender without the password
        // cannot use up a station's allowance.
        let admitted = !matches!(done.outcome, Outcome::Refused(_) | Outcome::Malformed(_));
        if admitted && self.rate.take(&packet.mn, 1.0).is_err() {
            // No reply: a station that is not answered resends later, when it is under its rate.
            self.note(
                "packet rate over the limit",
                &packet.mn,
                &format!("{} packets/s", self.limits.hj212_device_rate_per_s),
            );
            return None;
        }
        match done.outcome {
            Outcome::Readings(r) => {
                for u in &r.unknown_codes {
                    self.note("code not mapped to a sensor", &r.mn, &format!("{} at byte {}", u.code, u.offset));
                }
                for p in &r.problems {
                    self.note("item without a reading", &r.mn, p);
                }
                let lines = match self.uncovered(site, &r).await {
                    Ok(lines) => lines,
                    Err(e) => {
                        // Not known whether stored: no reply, so the station sends it again.
                        self.note("store unavailable", &r.mn, &e);
                        return None;
                    }
                };
                if lines.is_empty() {
                    return done.reply;
                }
                match self.hub.ingest(site, Source::Hj212, lines, None).await {
                    Ok(report) => {
                        for f in &report.refused {
                            self.note(&format!("reading refused: {}", f.field), &r.mn, &f.reason);
                        }
                        done.reply
                    }
                    Err(e) => {
                        // Not stored: no reply, so the station sends it again.
                        self.note("not stored", &r.mn, &e);
                        None
                    }
                }
            }
            Outcome::Accepted => done.reply,
            Outcome::NoReadings(e) => {
                self.note("data packet without readings", &packet.mn, &e);
                done.reply
            }
            Outcome::Refused(rtn) => {
                self.note(&format!("refused ({rtn:?})"), peer, &format!("MN {}", packet.mn));
                done.reply
            }
            Outcome::Malformed(e) => {
                self.note("malformed packet", &packet.mn, &e);
                done.reply
            }
        }
    }
}
