//! sitetwin-core: the domain of the construction-site twin, with no Bevy and no tokio, so that the
//! command line, the tests and the telemetry gateway can use it headless and fast.
//!
//! - [`scene`]: the site scene file (schema, loading, validation with positioned errors)
//! - [`model`]: the guarded glTF importer every model goes through
//! - [`modelgen`]: the deterministic generator of the demo site's glTF models
//! - [`city`]: the bureau's city: site registry, status and risk of non-operating sites, reviews, reports
//! - [`rules`]: the standards' rules: alarms, major-hazard classes, JGJ 59 scoring, stoppage
//! - [`findings`]: the findings loop: rectification items raised, assigned, rectified, verified, escalated
//! - [`telemetry`]: readings and their batch formats
//! - [`sim`]: the deterministic telemetry simulator: scenarios, signals and events (docs/simulator.md)
//! - [`hj212`]: the HJ 212 protocol of dust and noise monitors: framing, CRC, fields, replies, readings
//! - [`geom`]: plan geometry
//! - [`canvas`]: headless PNG drawing: site plans (north-up, legend, scale bar) and chart surfaces
//! - [`i18n`]: zh-CN / English labels
//! - [`route`]: the inspection patrols' route planner: TSPLIB reader and TSP solver
//! - [`rondoc`]: RON parsing that keeps positions (docs/rondoc.md)
//! - [`serde_glam`]: serde adapters that keep the scene's `(x, y, z)` tuples for glam types
//!
//! Site math is glam's `f64` types (`DVec3`, `DVec2` for plan points, `DAffine3`, `DMat4`):
//! the glam Bevy uses, so the twin takes them as they are.

pub mod canvas;
pub mod city;
pub mod findings;
pub mod geom;
pub mod hj212;
pub mod i18n;
pub mod model;
pub mod modelgen;
pub mod patrol;
pub mod rondoc;
pub mod route;
pub mod rules;
pub mod scene;
pub mod serde_glam;
pub mod sim;
pub mod telemetry;

#[cfg(test)]
mod testutil;
