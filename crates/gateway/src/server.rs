//! Starting and stopping the gateway: load the sites, open the store, bring the rules back to
//! where they were, start the writer, then the listeners (HTTP, HJ 212, MQTT) and the clocks
//! (ticks, retention, log summaries). Stopping ends the listeners first, then lets the writer
//! commit what it holds, so nothing acknowledged is lost.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::GatewayConfig;
use crate::hj212::Hj212Server;
use crate::http::{ApiState, router};
use crate::limits::LogOnce;
use crate::pipeline::{Command, Hub, Writer};
use crate::site::{SiteDef, SiteRuntime};
use crate::store::Store;

/// A running gateway.
pub struct Running {
    /// The HTTP API's bound address.
    pub http_addr: Option<SocketAddr>,
    /// The HJ 212 listener's bound address.
    pub hj212_addr: Option<SocketAddr>,
    hub: Arc<Hub>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    writer: std::thread::JoinHandle<()>,
}

/// Starts a gateway.
pub async fn start(config: GatewayConfig) -> anyhow::Result<Running> {
    config.check()?;
    let mut sites = Vec::new();
    for s in &config.sites {
        let def = SiteDef::load(s)?;
        if let Some(other) = sites.iter().find(|d: &&Arc<SiteDef>| d.id == def.id) {
            anyhow::bail!("two scenes have site id {}: {} and {}", def.id, other.name, s.scene.display());
        }
        sites.push(Arc::new(def));
    }
    let (runtimes, owned, store) = {
        let sites = sites.clone();
        let replay_h = config.replay_h;
        let (data, db) = (config.data_dir.clone(), config.db.clone());
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let store: Arc<dyn Store> = crate::store::open(&data, db.as_deref())?;
            let now = Utc::now();
            let mut runtimes = Vec::new();
            let mut owned = Vec::new();
            for def in &sites {
                let sensors: Vec<String> = def.sensors.keys().cloned().collect();
                store.register_site(&def.id, &def.name, &def.district, &sensors)?;
                // On a shared store, the first gateway to claim a site writes it; the others
                // forward its changes and refuse its readings.
                let mine = store.claim_site(&def.id)?;
                if !mine {
                    tracing::info!(site = %def.id, "another gateway on the store writes this site: its changes are forwarded there");
                }
                owned.push(mine);
                runtimes.push(SiteRuntime::restore(def, store.as_ref(), now, replay_h)?);
            }
            Ok((runtimes, owned, store))
        })
        .await??
    };
    let (tx, rx) = mpsc::channel(config.commit.queue);
    // The feed carries commits in chunks of FEED_CHUNK rows; `sse_buffer` is in rows.
    let chunks = config.limits.sse_buffer.div_ceil(crate::pipeline::FEED_CHUNK).max(64);
    let feeds = sites.iter().map(|_| broadcast::channel(chunks).0).collect();
    let views = runtimes.iter().map(|rt| RwLock::new(Arc::new(Writer::view_of(rt)))).collect();
    let index = sites.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect();
    let shared = store.shared();
    let finding_rules = config.findings.clone();
    let hub = Arc::new(Hub { sites, index, views, feeds, store, owned, finding_rules, tx });
    let writer = Writer::new(Arc::clone(&hub), runtimes, config.clone(), rx)?;
    let writer = std::thread::Builder::new().name("sitetwin-writer".into()).spawn(move || writer.run())?;

    let (shutdown, shutdown_rx) = watch::channel(false);
    let log = Arc::new(LogOnce::default());
    let mut tasks = Vec::new();
    let mut http_addr = None;
    if let Some(addr) = config.http {
        let listener =
            TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("http: cannot listen on {addr}: {e}"))?;
        http_addr = Some(listener.local_addr()?);
        let state = Arc::new(ApiState::new(Arc::clone(&hub), &config.limits, Arc::clone(&log), shutdown_rx.clone()));
        let app = router(state, config.limits.http_max_body_bytes);
        let mut stop = shutdown_rx.clone();
        tasks.push(tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stop.changed().await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "http server failed");
            }
        }));
    }
    let mut hj212_addr = None;
    if let Some(addr) = config.hj212 {
        let listener =
            TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("hj212: cannot listen on {addr}: {e}"))?;
        hj212_addr = Some(listener.local_addr()?);
        let server = Arc::new(Hj212Server::new(Arc::clone(&hub), config.limits.clone(), Arc::clone(&log))?);
        tasks.push(tokio::spawn(server.serve(listener, shutdown_rx.clone())));
    }
    if let Some(m) = config.mqtt.clone() {
        tasks.push(tokio::spawn(crate::mqtt::run(m, Arc::clone(&hub), Arc::clone(&log), shutdown_rx.clone())));
    }
    tasks.push(every(Duration::from_secs_f64(config.tick_s), shutdown_rx.clone(), {
        let hub = Arc::clone(&hub);
        move || {
            // A full queue already has work for the writer; the next tick comes soon.
            let _ = hub.tx.try_send(Command::Tick);
        }
    }));
    tasks.push(every(Duration::from_secs_f64(config.retention.sweep_every_s), shutdown_rx.clone(), {
        let hub = Arc::clone(&hub);
        move || {
            let _ = hub.tx.try_send(Command::Prune);
        }
    }));
    if shared {
        // Changes other gateways forward to the sites this one writes.
        let hub = Arc::clone(&hub);
        let mut stop = shutdown_rx.clone();
        tasks.push(tokio::spawn(async move {
            let mut t = tokio::time::interval(Duration::from_millis(100));
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = t.tick() => {
                        if let Err(e) = hub.serve_forwarded().await {
                            tracing::warn!(error = %e, "forwarded requests");
                        }
                    }
                    _ = stop.changed() => return,
                }
            }
        }));
    }
    tasks.push(every(Duration::from_secs(60), shutdown_rx.clone(), {
        let log = Arc::clone(&log);
        move || {
            for (cause, sender, n) in log.summary() {
                tracing::warn!(cause, sender, repeats = n, "repeated in the last minute");
            }
        }
    }));
    Ok(Running { http_addr, hj212_addr, hub, shutdown, tasks, writer })
}

/// Runs `f` every `period` until shutdown.
fn every(period: Duration, mut shutdown: watch::Receiver<bool>, f: impl Fn() + Send + 'static) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut t = tokio::time::interval(period);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        t.tick().await;
        loop {
            tokio::select! {
                _ = t.tick() => f(),
                _ = shutdown.changed() => return,
            }
        }
    })
}

impl Running {
    /// The hub (for in-process users: benchmarks and tests).
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// Stops: listeners first (in-flight requests finish), then the writer commits what is queued.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
        }
        // Connections that were mid-request have queued their commands by now.
        let _ = self.hub.tx.send(Command::Shutdown).await;
        let writer = self.writer;
        tokio::task::spawn_blocking(move || writer.join())
            .await?
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?;
        Ok(())
    }
}
