//! sitetwin-modelgen: writes the generated glTF models of the scenes (byte-identical on every
//! run), or with `--check` verifies that the files on disk are exactly what it would write.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sitetwin_core::modelgen;
use sitetwin_core::scene::{self, ModelChecks};

const USAGE: &str = "usage: sitetwin-modelgen [SCENE.ron...] [--check]\n\
  Writes every model marked `generated: true` in the scenes (default: every scenes/*.ron).\n\
  --check  write nothing; exit 1 if any file differs from what would be written";

fn main() -> ExitCode {
    let mut scenes: Vec<PathBuf> = Vec::new();
    let mut check = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            a if a.starts_with('-') => {
                eprintln!("unknown option {a}\n{USAGE}");
                return ExitCode::from(2);
            }
            a => scenes.push(PathBuf::from(a)),
        }
    }
    if scenes.is_empty() {
        match modelgen::scene_files(Path::new("scenes")) {
            Ok(found) => scenes = found,
            Err(e) => {
                eprintln!("cannot list scenes/: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let (mut total, mut differ) = (0, 0);
    for scene_path in &scenes {
        match run(scene_path, check) {
            Ok((n, d)) => (total, differ) = (total + n, differ + d),
            Err(()) => return ExitCode::FAILURE,
        }
    }
    if check {
        if differ > 0 {
            eprintln!("{differ} of {total} generated models differ; run sitetwin-modelgen to rewrite them");
            return ExitCode::FAILURE;
        }
        let n = scenes.len();
        println!("all {total} generated models of {n} scene{} are up to date", if n == 1 { "" } else { "s" });
    }
    ExitCode::SUCCESS
}

/// Generates (or checks) one scene's models: how many it has and how many differ on disk.
fn run(scene_path: &Path, check: bool) -> Result<(usize, usize), ()> {
    let loaded = scene::load(scene_path, ModelChecks::Skip).map_err(|e| eprintln!("{e}"))?;
    let models =
        modelgen::generate(&loaded.scene, &loaded.dir).map_err(|e| eprintln!("{}: {e}", scene_path.display()))?;
    let mut differ = 0;
    for m in &models {
        let current = std::fs::read(&m.path).ok();
        let same = current.as_deref() == Some(m.bytes.as_slice());
        if check {
            if !same {
                differ += 1;
                println!("differs: {} (model `{}`)", m.path.display(), m.model_id);
            }
            continue;
        }
        if same {
            println!("unchanged {:>8} triangles  {}", m.triangles, m.path.display());
            continue;
        }
        if let Some(dir) = m.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| eprintln!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::write(&m.path, &m.bytes).map_err(|e| eprintln!("cannot write {}: {e}", m.path.display()))?;
        println!("wrote     {:>8} triangles  {}", m.triangles, m.path.display());
    }
    Ok((models.len(), differ))
}
