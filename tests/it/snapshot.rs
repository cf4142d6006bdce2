//! Offscreen renders of real scenes under Mesa lavapipe (no GPU, no display), checked pixel by
//! pixel: not blank, the crane's yellow where the crane is, textures from a foreign kit, panels.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{repo, scratch};

fn snapshot(scene: &Path, out: &Path, extra: &[&str]) -> image::RgbImage {
    let runtime = scratch("xdg");
    let o = Command::new(env!("CARGO_BIN_EXE_sitetwin"))
        .arg("snapshot")
        .arg(scene)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("XDG_RUNTIME_DIR", &runtime)
        .current_dir(repo())
        .output()
        .unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "snapshot failed (is mesa-vulkan-drivers installed?):\n{log}");
    assert!(log.contains(&format!("wrote {}", out.display())), "{log}");
    image::open(out).unwrap().to_rgb8()
}

fn demo() -> PathBuf {
    repo().join("scenes/demo.ron")
}

/// Distinct colours and luminance spread: a blank or single-colour frame fails.
fn assert_not_blank(img: &image::RgbImage) {
    let mut colours = std::collections::HashSet::new();
    let (mut sum, mut sq, n) = (0f64, 0f64, (img.width() * img.height()) as f64);
    for p in img.pixels() {
        colours.insert(p.0);
        let l = 0.2126 * p[0] as f64 + 0.7152 * p[1] as f64 + 0.0722 * p[2] as f64;
        sum += l;
        sq += l * l;
    }
    let sd = (sq / n - (sum / n).powi(2)).sqrt();
    assert!(colours.len() > 500 && sd > 15.0, "looks blank: {} colours, luminance sd {sd:.1}", colours.len());
}

/// The generated cranes' yellow (base colour 0.90, 0.62, 0.02 linear), lit or in shade.
fn crane_yellow(p: &image::Rgb<u8>) -> bool {
    let [r, g, b] = p.0.map(i32::from);
    r > 110 && g > r * 55 / 100 && g < r * 95 / 100 && b < g * 45 / 100
}

#[test]
fn the_crane_view_shows_the_crane_yellow_at_the_centre() {
    let dir = scratch("crane");
    let img = snapshot(&demo(), &dir.join("tc1.png"), &["--view", "TC1", "--size", "640x360"]);
    assert_eq!(img.dimensions(), (640, 360));
    assert_not_blank(&img);
    // The TC1 preset looks at the mast 60 % up: the mast crosses the centre of the frame.
    let (cx, cy) = (320i32, 180i32);
    let mut yellow = 0;
    for y in cy - 20..cy + 20 {
        for x in cx - 20..cx + 20 {
            if crane_yellow(img.get_pixel(x as u32, y as u32)) {
                yellow += 1;
            }
        }
    }
    assert!(yellow >= 12, "only {yellow} crane-yellow pixels at the centre");
    // And the crane is not everywhere: the sky is at the top corners.
    assert!(!crane_yellow(img.get_pixel(5, 5)) && !crane_yellow(img.get_pixel(634, 5)));
}

#[test]
fn the_overview_with_panels_renders_in_both_languages() {
    let dir = scratch("panels");
    for lang in ["zh", "en"] {
        let out = dir.join(format!("overview-{lang}.png"));
        let img = snapshot(&demo(), &out, &["--ui", "--lang", lang, "--size", "1024x576", "--select", "TC1"]);
        assert_not_blank(&img);
        // The object tree is a dark panel on the left with light text on it.
        let (mut dark, mut light) = (0, 0);
        for y in 100..560 {
            for x in 5..180 {
                let p = img.get_pixel(x, y);
                let l = (p[0] as u32 + p[1] as u32 + p[2] as u32) / 3;
                if l < 50 {
                    dark += 1;
                } else if l > 150 {
                    light += 1;
                }
            }
        }
        assert!(dark > 40_000 && light > 1_500, "{lang}: panel dark {dark}, text {light}");
    }
}

#[test]
fn a_site_built_from_the_kenney_kit_renders_with_its_textures() {
    let dir = scratch("kenney");
    let scene = repo().join("tests/it/scenes/kenney-yard.ron");
    let img = snapshot(&scene, &dir.join("yard.png"), &["--size", "640x360"]);
    assert_not_blank(&img);
    // Grass from Textures/grass.png: many distinct greens (a flat colour would give a handful).
    let greens: std::collections::HashSet<[u8; 3]> =
        img.pixels().filter(|p| p[1] > p[0] + 10 && p[1] > p[2] + 10).map(|p| p.0).collect();
    assert!(greens.len() > 50, "{} shades of green", greens.len());
}

#[test]
fn the_real_window_opens_under_xvfb_and_shows_the_twin() {
    let dir = scratch("window");
    let out = dir.join("window.png");
    let o = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1600x900x24"])
        .arg(env!("CARGO_BIN_EXE_sitetwin"))
        .arg("--screenshot")
        .arg(&out)
        .env("XDG_RUNTIME_DIR", scratch("xdg-window"))
        .current_dir(repo())
        .output()
        .expect("xvfb-run is needed for this test (scripts/test.sh installs xvfb)");
    let log = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "the window did not open:\n{log}");
    let img = image::open(&out).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1600, 900));
    assert_not_blank(&img);
    // The panels of the windowed twin: a dark object tree on the left, the 3D view on the right.
    let dark = (120..800).filter(|y| {
        let p = img.get_pixel(60, *y);
        (p[0] as u32 + p[1] as u32 + p[2] as u32) / 3 < 60
    });
    assert!(dark.count() > 300, "no panel on the left");
}

#[test]
fn unknown_views_are_refused_clearly() {
    let o = Command::new(env!("CARGO_BIN_EXE_sitetwin"))
        .args(["snapshot", "scenes/demo.ron", "--view", "TC9", "--out", "/tmp/never.png"])
        .current_dir(repo())
        .output()
        .unwrap();
    let t = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && t.contains("unknown view `TC9`") && t.contains("TC1"), "{t}");
}

/// The share of pixels within `tol` of `rgb` in a rectangle.
fn share_near(img: &image::RgbImage, rgb: [u8; 3], tol: u8, x0: u32, y0: u32, x1: u32, y1: u32) -> f64 {
    let mut n = 0;
    let mut hit = 0;
    for y in y0..y1.min(img.height()) {
        for x in x0..x1.min(img.width()) {
            n += 1;
            let p = img.get_pixel(x, y).0;
            if p.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= tol) {
                hit += 1;
            }
        }
    }
    hit as f64 / n.max(1) as f64
}

/// Pixels that look like the error screen's red text (235, 80, 70, anti-aliased on dark).
fn reddish(img: &image::RgbImage) -> usize {
    img.pixels()
        .filter(|p| p[0] > 150 && (p[1] as u32) < p[0] as u32 * 6 / 10 && (p[2] as u32) < p[0] as u32 * 6 / 10)
        .count()
}

/// A copy of the demo scene in a scratch folder, models by absolute path, edited by `edit`.
fn demo_copy(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(demo()).unwrap().replace("../assets/", &format!("{}/assets/", repo().display()));
    let path = dir.join("site.ron");
    std::fs::write(&path, edit(text)).unwrap();
    path
}

#[test]
fn the_loading_screen_shows_how_many_models_have_loaded() {
    let dir = scratch("loading");
    let img = snapshot(&demo(), &dir.join("loading.png"), &["--ui", "--screen", "loading", "--size", "1024x576"]);
    // The loading screen covers the frame with its dark background: no half-built twin shows.
    let bg = share_near(&img, [24, 30, 40], 6, 0, 60, 1024, 520);
    assert!(bg > 0.8, "background share {bg:.2}");
    // The progress bar is full (every model loaded) and the text over it is light.
    let light = img.pixels().filter(|p| p[0] > 200 && p[1] > 200 && p[2] > 200).count();
    assert!(light > 300, "{light} light pixels: no text?");
}

#[test]
fn a_scene_that_cannot_be_read_shows_its_problems_on_the_error_screen() {
    let dir = scratch("error-screen");
    let bad = demo_copy(&dir, |t| {
        t.replacen("jib_length_m: 50.0", "jib_length_m: -5.0", 1).replacen("cages: 2,", "cages: 2, speed: 1,", 1)
    });
    let img =
        snapshot(&bad, &dir.join("error.png"), &["--ui", "--screen", "error", "--size", "1024x576", "--lang", "en"]);
    assert!(reddish(&img) > 400, "{} red pixels: no error lines?", reddish(&img));
    // Without `--screen error` the snapshot refuses, naming every problem.
    let o = Command::new(env!("CARGO_BIN_EXE_sitetwin"))
        .args(["snapshot", bad.to_str().unwrap(), "--out", dir.join("never.png").to_str().unwrap()])
        .env("XDG_RUNTIME_DIR", scratch("xdg-error"))
        .output()
        .unwrap();
    let t = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("cranes[1].jib_length_m") && t.contains("hoists[0].speed") && t.contains("2 errors in the scene"),
        "{t}"
    );
    assert!(!dir.join("never.png").exists());
}

#[test]
fn a_missing_model_is_named_and_the_rest_of_the_site_renders() {
    let dir = scratch("lenient");
    let path = demo_copy(&dir, |t| t.replace("models/demo/tc2.glb", "models/demo/tc2-missing.glb"));
    let runtime = scratch("xdg-lenient");
    let out = dir.join("lenient.png");
    let o = Command::new(env!("CARGO_BIN_EXE_sitetwin"))
        .args(["snapshot", path.to_str().unwrap(), "--size", "640x360", "--out", out.to_str().unwrap()])
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("model tc2 not loaded") && err.contains("tc2-missing.glb") && err.contains("does not exist"),
        "{err}"
    );
    assert_not_blank(&image::open(&out).unwrap().to_rgb8());
}

#[test]
fn the_picker_and_the_problems_window_open_over_the_twin() {
    let dir = scratch("windows");
    let path = demo_copy(&dir, |t| t.replace("models/demo/dorm.glb", "models/demo/dorm-missing.glb"));
    for screen in ["picker", "problems"] {
        let img =
            snapshot(&path, &dir.join(format!("{screen}.png")), &["--ui", "--screen", screen, "--size", "1280x720"]);
        assert_not_blank(&img);
        // An egui window (its grey fill) sits over the 3D view, right of the object tree.
        let window = share_near(&img, [27, 27, 27], 6, 320, 100, 1000, 600);
        assert!(window > 0.1, "{screen}: window fill share {window:.2}");
    }
}
