//! `sitetwin bench`: the numbers behind docs/benchmarks.md. glTF import through the core's guard
//! (the demo's 25 models, and a generated site of about a million triangles), and the time from
//! launch to the first rendered frame of the demo, measured by running `sitetwin snapshot
//! --report` and reading its JSON report.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context, bail};
use sitetwin_core::model;
use sitetwin_core::modelgen;
use sitetwin_core::scene::{self, ModelChecks};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs the benchmarks and prints the table.
pub fn run(runs: usize, triangles: usize, render: bool) -> anyhow::Result<ExitCode> {
    let demo = Path::new(crate::app::DEMO_SCENE);
    let loaded = scene::load(demo, ModelChecks::Exists).map_err(|e| anyhow::anyhow!("{e}"))?;
    let files: Vec<_> = loaded.scene.models.iter().map(|m| loaded.dir.join(&m.file)).collect();
    let bytes: Vec<Vec<u8>> =
        files.iter().map(std::fs::read).collect::<Result<_, _>>().context("reading demo models")?;
    say!("| benchmark | runs | median | throughput |");
    say!("|---|---|---|---|");

    let mut tris = 0;
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        tris = 0;
        for (b, f) in bytes.iter().zip(&files) {
            let m =
                model::import_bytes(b, f, f.parent().unwrap_or(Path::new("."))).map_err(|e| anyhow::anyhow!("{e}"))?;
            tris += m.summary.triangles;
        }
        times.push(t.elapsed().as_secs_f64());
    }
    let t = median(times);
    say!(
        "| import demo site: {} models, {tris} triangles (in memory) | {runs} | {:.1} ms | {:.1} M triangles/s |",
        files.len(),
        t * 1e3,
        tris as f64 / t / 1e6
    );

    let big = modelgen::stress_model(triangles).context("generating the stress model")?;
    let mut times = Vec::new();
    let mut big_tris = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let m = model::import_bytes(&big, Path::new("generated.glb"), Path::new("."))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        big_tris = m.summary.triangles;
        times.push(t.elapsed().as_secs_f64());
    }
    let t = median(times);
    say!(
        "| import generated site: {big_tris} triangles, {:.1} MB GLB (in memory) | {runs} | {:.1} ms | {:.1} M triangles/s |",
        big.len() as f64 / 1e6,
        t * 1e3,
        big_tris as f64 / t / 1e6
    );
    if let Some(rss) = crate::peak_rss() {
        say!("| peak memory of the import runs | - | {:.0} MiB | - |", rss as f64 / 1048576.0);
    }

    if render {
        let exe = std::env::current_exe().context("locating sitetwin")?;
        let dir = std::env::temp_dir().join(format!("sitetwin-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let (mut first, mut settled, mut wall, mut memory) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in 0..runs {
            let out = dir.join(format!("frame-{i}.png"));
            let report = dir.join(format!("frame-{i}.json"));
            let t = Instant::now();
            let o = Command::new(&exe)
                .args(["snapshot", crate::app::DEMO_SCENE, "--size", "1280x720", "--out"])
                .arg(&out)
                .arg("--report")
                .arg(&report)
                .output()
                .context("running sitetwin snapshot")?;
            wall.push(t.elapsed().as_secs_f64() * 1e3);
            if !o.status.success() {
                bail!("snapshot failed: {}", String::from_utf8_lossy(&o.stderr));
            }
            let text = std::fs::read_to_string(&report).context("reading the snapshot report")?;
            let r: serde_json::Value = serde_json::from_str(&text).context("parsing the snapshot report")?;
            let num = |k: &str| r[k].as_f64().with_context(|| format!("the snapshot report has no `{k}`"));
            first.push(num("first_frame_ms")?);
            settled.push(num("settled_ms")?);
            memory.push(num("peak_rss_bytes").unwrap_or(f64::NAN) / 1048576.0);
        }
        say!(
            "| launch → first rendered frame of the demo, all models loaded (offscreen 1280×720) | {runs} | {:.0} ms | - |",
            median(first)
        );
        say!("| launch → settled frame written to PNG | {runs} | {:.0} ms | - |", median(settled));
        say!("| whole `sitetwin snapshot` process, wall clock | {runs} | {:.0} ms | - |", median(wall));
        say!("| peak memory of the snapshot process | - | {:.0} MiB | - |", median(memory));
        std::fs::remove_dir_all(&dir).ok();
    }
    Ok(ExitCode::SUCCESS)
}
