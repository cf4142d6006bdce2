//! sitetwin's one integration-test binary (each extra file in `tests/` would link Bevy again):
//! headless App tests, command-line tests, and snapshots rendered with Mesa lavapipe.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bureau;
mod bureau_mode;
mod cli;
mod findings;
mod gateway;
mod headless;
mod live;
mod patrol;
mod picking;
mod rules;
mod snapshot;
mod telemetry;

use std::path::PathBuf;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared corpora beside the repository (or under `$SITETWIN_SHARED`).
pub fn corpora() -> PathBuf {
    let shared = std::env::var_os("SITETWIN_SHARED").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared"));
    let dir = shared.join("corpora");
    assert!(dir.is_dir(), "test corpora not found at {} (set SITETWIN_SHARED)", dir.display());
    dir
}

/// A fresh scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sitetwin-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
