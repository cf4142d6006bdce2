//! sitetwin-modelgen: writes the generated glTF models of a scene (byte-identical on every run),
//! or with `--check` verifies that the files on disk are exactly what it would write.

use std::path::PathBuf;
use std::process::ExitCode;

use sitetwin_core::modelgen;
use sitetwin_core::scene::{self, ModelChecks};

const USAGE: &str = "usage: sitetwin-modelgen [SCENE.ron] [--check]\n\
  Writes every model marked `generated: true` in the scene (default scenes/demo.ron).\n\
  --check  write nothing; exit 1 if any file differs from what would be written";

fn main() -> ExitCode {
    let mut scene_path = PathBuf::from("scenes/demo.ron");
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
            a => scene_path = PathBuf::from(a),
        }
    }
    let loaded = match scene::load(&scene_path, ModelChecks::Skip) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let models = match modelgen::generate(&loaded.scene, &loaded.dir) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{}: {e}", scene_path.display());
            return ExitCode::FAILURE;
        }
    };
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
        if let Some(dir) = m.path.parent()
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            eprintln!("cannot create {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
        if let Err(e) = std::fs::write(&m.path, &m.bytes) {
            eprintln!("cannot write {}: {e}", m.path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote     {:>8} triangles  {}", m.triangles, m.path.display());
    }
    if check {
        if differ > 0 {
            eprintln!("{differ} of {} generated models differ; run sitetwin-modelgen to rewrite them", models.len());
            return ExitCode::FAILURE;
        }
        println!("all {} generated models are up to date", models.len());
    }
    ExitCode::SUCCESS
}
