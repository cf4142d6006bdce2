//! Helpers shared by the core's unit tests: where the shared corpora and the repository live.

use std::path::PathBuf;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The demo site's scene, without reading its models.
pub fn demo_scene() -> crate::scene::SiteScene {
    crate::scene::load(&repo().join("scenes/demo.ron"), crate::scene::ModelChecks::Skip).unwrap().scene
}

/// `../shared/corpora` beside the repository (or `$SITETWIN_SHARED/corpora`). Panics with a clear
/// message when missing: the corpus tests must not pass by skipping.
pub fn corpora() -> PathBuf {
    let shared = std::env::var_os("SITETWIN_SHARED").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared"));
    let dir = shared.join("corpora");
    assert!(dir.is_dir(), "test corpora not found at {} (set SITETWIN_SHARED to the shared folder)", dir.display());
    dir
}

/// Every file under `dir` whose name ends with one of `exts`, sorted.
pub fn files_with(dir: &std::path::Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if exts.iter().any(|x| p.to_string_lossy().ends_with(x)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The models of Debian's `assimp-testmodels` package (glTF 1.0 files, OBJ, FBX, IFC and other
/// formats written by others), read where the package installs them. Panics with a clear message
/// when missing: the tests that use them must not pass by skipping.
pub fn assimp_models() -> PathBuf {
    let dir = PathBuf::from("/usr/share/assimp/models");
    assert!(dir.is_dir(), "{} not found: install Debian's assimp-testmodels (scripts/test.sh does)", dir.display());
    dir
}
