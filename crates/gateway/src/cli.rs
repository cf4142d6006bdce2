//! `sitetwin gateway serve | token | revoke`: the gateway's command line (also the
//! `sitetwin-gateway` binary's).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{GatewayConfig, MqttConfig, SiteConfig};
use crate::store::{Role, Store, TokenGrant};

/// The telemetry gateway.
#[derive(Debug, Parser)]
#[command(
    name = "sitetwin-gateway",
    about = "The telemetry gateway: HJ 212, HTTP and MQTT in; store, rules, live API out"
)]
pub struct GatewayArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: GatewayCommand,
}

/// The gateway's commands.
#[derive(Debug, Subcommand)]
pub enum GatewayCommand {
    /// Serve the sites of some scenes: prints `http: listening on ADDR` and `hj212: listening on
    /// ADDR` on stdout once ready; logs go to stderr. Stops on Ctrl-C or SIGTERM, committing what
    /// it has acknowledged.
    Serve(ServeArgs),
    /// Create a token and print it alone on stdout (the store keeps only its hash).
    Token(TokenArgs),
    /// Revoke a token (it stops working within 10 s on a running gateway).
    Revoke(RevokeArgs),
    /// Measure durable ingest (HTTP, HJ 212), live-stream fan-out and Mosquitto beside it; prints
    /// a Markdown table for docs/benchmarks.md. Build with `--release`.
    Bench(crate::bench::BenchArgs),
    /// Measure the gateway at a city's scale: the bureau's city summary over thousands of sites,
    /// and the city's load through one gateway (`--db` for PostgreSQL). Build with `--release`.
    BenchCity(crate::bench_city::CityBenchArgs),
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable, with key=value fields.
    Text,
    /// One JSON object per line.
    Json,
}

/// Where the gateway's store is: a data folder (SQLite, the default) or a PostgreSQL database.
#[derive(Debug, Clone, Default, Args)]
pub struct StoreArgs {
    /// Data folder of the gateway (its SQLite store).
    #[arg(long, conflicts_with = "db")]
    pub data: Option<PathBuf>,
    /// A PostgreSQL database instead of a data folder: `postgres://user:password@host:port/db`
    /// (several gateways may share one).
    #[arg(long)]
    pub db: Option<String>,
}

impl StoreArgs {
    /// Opens the store named.
    pub fn open(&self) -> anyhow::Result<std::sync::Arc<dyn Store>> {
        match (&self.data, &self.db) {
            (_, Some(db)) => Ok(crate::store::open(std::path::Path::new(""), Some(db))?),
            (Some(d), None) => Ok(crate::store::open(d, None)?),
            (None, None) => anyhow::bail!("give the gateway's store: --data DIR or --db postgres://..."),
        }
    }
}

/// `serve`'s options; the flags override a `--config` file.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A RON configuration file (see docs/gateway.md); flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The store: `--data DIR` or `--db postgres://...`.
    #[command(flatten)]
    pub store: StoreArgs,
    /// HTTP API address, e.g. 127.0.0.1:8080 (port 0: any free one).
    #[arg(long)]
    pub http: Option<SocketAddr>,
    /// HJ 212 TCP address, e.g. 127.0.0.1:9212.
    #[arg(long)]
    pub hj212: Option<SocketAddr>,
    /// A scene whose site to serve (repeat for more); its device registry is
    /// `devices/<scene stem>.ron` in its folder when present.
    #[arg(long = "scene")]
    pub scenes: Vec<PathBuf>,
    /// Subscribe to an MQTT broker, HOST:PORT.
    #[arg(long)]
    pub mqtt: Option<String>,
    /// First level of the MQTT topics (`{prefix}/{site}/readings`; default `sitetwin`, or the
    /// configuration's).
    #[arg(long)]
    pub mqtt_prefix: Option<String>,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log: LogFormat,
}

/// Role of a new token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Pushes readings for its site.
    Device,
    /// Reads its site.
    Viewer,
    /// Reads its site, works its alarms, sets its status.
    Operator,
    /// Operator of every site.
    Bureau,
}

/// `token`'s options.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The gateway's store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The site (not for `--role bureau`).
    #[arg(long)]
    pub site: Option<String>,
    /// For a device token: a sensor it may push for (repeat; none: every sensor of the site).
    #[arg(long = "sensor")]
    pub sensors: Vec<String>,
    /// What the token may do.
    #[arg(long, value_enum, default_value_t = RoleArg::Device)]
    pub role: RoleArg,
    /// A name for logs and audit (default: role and site).
    #[arg(long)]
    pub label: Option<String>,
}

/// `revoke`'s options.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The gateway's store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The token.
    pub token: String,
}

/// Runs a gateway command; errors are printed on stderr.
pub fn main(args: GatewayArgs) -> ExitCode {
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a gateway command.
pub fn run(args: GatewayArgs) -> anyhow::Result<()> {
    match args.command {
        GatewayCommand::Serve(a) => serve(a),
        GatewayCommand::Token(a) => token(a),
        GatewayCommand::Bench(a) => crate::bench::run(a),
        GatewayCommand::BenchCity(a) => crate::bench_city::run(a),
        GatewayCommand::Revoke(a) => {
            let store = a.store.open()?;
            anyhow::ensure!(store.revoke_token(&crate::auth::hash(&a.token))?, "no such token (or already revoked)");
            eprintln!("revoked");
            Ok(())
        }
    }
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SITETWIN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn"));
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => b.json().try_init(),
        LogFormat::Text => b.with_ansi(false).try_init(),
    };
}

fn config_of(a: &ServeArgs) -> anyhow::Result<GatewayConfig> {
    let mut cfg = match &a.config {
        Some(p) => GatewayConfig::load(p)?,
        None => GatewayConfig::default(),
    };
    if let Some(db) = &a.store.db {
        cfg.db = Some(db.clone());
    } else if let Some(d) = &a.store.data {
        cfg.data_dir = d.clone();
        cfg.db = None;
    } else if a.config.is_none() {
        anyhow::bail!("--data DIR or --db postgres://... is required (or a --config file naming data_dir or db)");
    }
    if a.http.is_some() {
        cfg.http = a.http;
    }
    if a.hj212.is_some() {
        cfg.hj212 = a.hj212;
    }
    cfg.sites.extend(a.scenes.iter().map(SiteConfig::scene));
    if let Some(m) = &a.mqtt {
        let (host, port) =
            m.rsplit_once(':').ok_or_else(|| anyhow::anyhow!("--mqtt: expected HOST:PORT, got {m:?}"))?;
        let port = port.parse().map_err(|_| anyhow::anyhow!("--mqtt: {port:?} is not a port"))?;
        cfg.mqtt = Some(MqttConfig { host: host.into(), port, ..cfg.mqtt.clone().unwrap_or_default() });
    }
    if let (Some(m), Some(p)) = (&mut cfg.mqtt, &a.mqtt_prefix) {
        m.topic_prefix = p.clone();
    }
    anyhow::ensure!(
        cfg.http.is_some() || cfg.hj212.is_some() || cfg.mqtt.is_some(),
        "nothing to listen on: give --http ADDR, --hj212 ADDR or --mqtt HOST:PORT"
    );
    cfg.check()?;
    Ok(cfg)
}

fn serve(a: ServeArgs) -> anyhow::Result<()> {
    init_logs(a.log);
    let cfg = config_of(&a)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().thread_name("sitetwin-gateway").build()?;
    rt.block_on(async move {
        let running = crate::server::start(cfg.clone()).await?;
        if let Some(addr) = running.http_addr {
            println!("http: listening on {addr}");
        }
        if let Some(addr) = running.hj212_addr {
            println!("hj212: listening on {addr}");
        }
        if let Some(m) = &cfg.mqtt {
            println!("mqtt: subscribing to {}:{} {}/+/readings", m.host, m.port, m.topic_prefix);
        }
        match &cfg.db {
            Some(db) => tracing::info!(sites = cfg.sites.len(), db = %crate::store::redact(db), "gateway ready"),
            None => tracing::info!(sites = cfg.sites.len(), data = %cfg.data_dir.display(), "gateway ready"),
        }
        wait_for_stop().await;
        tracing::info!("stopping: committing what was acknowledged");
        running.shutdown().await?;
        tracing::info!("stopped");
        Ok(())
    })
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
        match term {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn token(a: TokenArgs) -> anyhow::Result<()> {
    let role = match a.role {
        RoleArg::Device => Role::Device,
        RoleArg::Viewer => Role::Viewer,
        RoleArg::Operator => Role::Operator,
        RoleArg::Bureau => Role::Bureau,
    };
    let store = a.store.open()?;
    let site = match (role, a.site) {
        (Role::Bureau, Some(_)) => anyhow::bail!("--role bureau reaches every site: leave out --site"),
        (Role::Bureau, None) => None,
        (_, None) => anyhow::bail!("--site SITE_ID is required for a {} token", role.name()),
        (_, Some(s)) => Some(s),
    };
    anyhow::ensure!(a.sensors.is_empty() || role == Role::Device, "--sensor restricts device tokens only");
    if let Some(s) = &site {
        match store.site_sensors(s)? {
            Some(known) => {
                for sensor in &a.sensors {
                    anyhow::ensure!(known.contains(sensor), "site {s} has no sensor `{sensor}`");
                }
            }
            None => {
                eprintln!("warning: this store has not served site {s} yet; the site id and sensors are not checked")
            }
        }
    }
    let label = a.label.unwrap_or_else(|| match &site {
        Some(s) if a.sensors.is_empty() => format!("{}@{s}", role.name()),
        Some(s) => format!("{}@{s}:{}", role.name(), a.sensors.join("+")),
        None => role.name().to_string(),
    });
    let token = crate::auth::issue(store.as_ref(), &TokenGrant { role, site, sensors: a.sensors, label })?;
    println!("{token}");
    Ok(())
}
