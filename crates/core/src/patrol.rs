//! Inspection patrols (issue 9): the points each patrol type needs from the site model and its
//! live state, where a person can walk (a rapier3d world from the scene's glTF meshes and a
//! walking grid over it), the order under priorities and a time budget, and the simulated walk of
//! a kinematic inspector with its findings and the JGJ 59 sheet they fill.
//!
//! Everything here is deterministic: the same scene, scenario, seed and options give the same
//! plan and a bit-identical walk trace.

pub mod checks;
pub mod grid;
pub mod live;
pub mod plan;
pub mod points;
pub mod rehearse;
pub mod report;
pub mod walk;
pub mod world;
pub mod zones;

#[cfg(test)]
mod tests;

pub use grid::{CELL_M, WalkGrid};
pub use live::{LiveSim, LiveSite};
pub use plan::{PatrolPlan, PatrolSite, PlanError, PlanOptions};
pub use points::{Checkpoint, PatrolKind, PointRules, Priority};
pub use rehearse::{Rehearsal, RehearsalOptions, RehearsalReport, Stride, Verdict};
pub use walk::{WalkOptions, WalkReport};
pub use world::{Body, SiteWorld};
pub use zones::{HazardZone, ZoneRules};
