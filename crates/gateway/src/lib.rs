//! The telemetry gateway: sensors' readings in over HTTP (the core's JSON lines), HJ 212 over TCP
//! and MQTT; every reading judged by the core's streaming rules engine and committed to a durable
//! store before it is acknowledged; alarms with their lifecycle and audit trail; each site's
//! stoppage status; and a read API with a live event stream. `docs/gateway.md` is the contract.
//!
//! - [`config`]: what `serve` is told;
//! - [`store`]: the storage trait and its SQLite and PostgreSQL implementations;
//! - [`site`]: a served site, fixed and live parts;
//! - [`pipeline`]: the one writer (rules, alarms, group commit, the live feed);
//! - [`http`], [`hj212`], [`mqtt`]: the doors in and out;
//! - [`auth`], [`limits`]: who may do what, and how much;
//! - [`server`]: starting and stopping it all; [`cli`]: `sitetwin gateway ...`; [`bench`] and
//!   [`bench_city`]: its numbers.

pub mod auth;
pub mod bench;
pub mod bench_city;
pub mod cli;
pub mod client;
pub mod config;
pub mod hj212;
pub mod http;
pub mod limits;
pub mod mqtt;
pub mod pipeline;
pub mod server;
pub mod site;
pub mod store;
