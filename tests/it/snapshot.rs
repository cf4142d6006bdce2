//! Offscreen renders of real scenes under Mesa lavapipe (no GPU, no display), checked pixel by
//! pixel: not blank, the crane's yellow where the crane is, textures from a foreign kit, panels.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{corpora, repo, scratch};

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
    // The progress bar is full: the screen is held once every model has loaded, and the bar
    // fills 0.1 of its 420 px for reading and spawning, the rest by models loaded / total.
    let bar = [0u8, 92, 128];
    let widest = (0..img.height()).map(|y| share_near(&img, bar, 8, 0, y, 1024, y + 1) * 1024.0).fold(0.0, f64::max);
    assert!(widest > 380.0, "the bar is {widest:.0} px wide: not every model loaded?");
    // And the text over it is light.
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

/// Amber text (240, 170, 40) on an egui window's dark fill (27, 27, 27) in a rectangle: amber
/// pixels next to fill pixels. The 3D view's orange overlays are drawn over sky and ground, so
/// they do not count.
fn amber_text(img: &image::RgbImage, x0: u32, y0: u32, x1: u32, y1: u32) -> usize {
    let amber = |p: &image::Rgb<u8>| p[0] > 200 && (140..190).contains(&p[1]) && p[2] < 80;
    let fill = |p: &image::Rgb<u8>| p.0.iter().all(|c| c.abs_diff(27) <= 6);
    let mut n = 0;
    for y in y0.max(1)..y1.min(img.height() - 1) {
        for x in x0.max(1)..x1.min(img.width() - 1) {
            let near_fill =
                [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)].iter().any(|&(a, b)| fill(img.get_pixel(a, b)));
            if amber(img.get_pixel(x, y)) && near_fill {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn the_picker_and_the_problems_window_open_over_the_twin() {
    let dir = scratch("windows");
    let path = demo_copy(&dir, |t| t.replace("models/demo/dorm.glb", "models/demo/dorm-missing.glb"));
    let picker = snapshot(&path, &dir.join("picker.png"), &["--ui", "--screen", "picker", "--size", "1280x720"]);
    let problems = snapshot(&path, &dir.join("problems.png"), &["--ui", "--screen", "problems", "--size", "1280x720"]);
    for img in [&picker, &problems] {
        assert_not_blank(img);
    }
    // The picker is a window in the middle of the view (its grey fill), listing no problems.
    let centre = share_near(&picker, [27, 27, 27], 6, 440, 290, 840, 430);
    assert!(centre > 0.3, "picker window fill share {centre:.2}");
    let in_picker = amber_text(&picker, 300, 60, 1000, 660);
    assert!(in_picker < 20, "the picker lists no problems ({in_picker} amber text pixels)");
    // The problems window names the missing dormitory model in amber, above the twin.
    let listed = amber_text(&problems, 320, 90, 880, 400);
    assert!(listed > 60, "{listed} amber text pixels: the missing model is not listed");
}

/// A minimal site drawing `models` (id, file relative to the scene) as props.
fn prop_site(dir: &Path, models: &[(&str, &str)]) -> PathBuf {
    let list: String = models
        .iter()
        .enumerate()
        .map(|(i, (id, file))| {
            format!(
                "        (id: \"{id}\", file: \"{file}\", position_m: ({}.0, 0.0, 0.0), scale: 4.0),\n",
                i as i32 * 4 - 4
            )
        })
        .collect();
    let scene = format!(
        "SiteScene(\n    version: 1,\n    site: (id: \"T\", name: \"测试场地\", city: \"南通市\", district: \"测试区\", address: \"test\", origin: (lat_deg: 32.0, lon_deg: 120.9)),\n    models: [\n{list}    ],\n    boundary: (polygon_m: [(-8.0, -8.0), (8.0, -8.0), (8.0, 8.0), (-8.0, 8.0)], hoarding_height_m: 2.0),\n)\n"
    );
    let path = dir.join("site.ron");
    std::fs::write(&path, scene).unwrap();
    path
}

#[test]
fn models_load_from_folders_with_spaces_hashes_and_chinese_names() {
    let kit = corpora().join("kenney-retro-urban-kit/glb");
    let dir = scratch("odd-paths").join("南通 工地 #2");
    std::fs::create_dir_all(dir.join("Textures")).unwrap();
    for f in std::fs::read_dir(kit.join("Textures")).unwrap().flatten() {
        std::fs::copy(f.path(), dir.join("Textures").join(f.file_name())).unwrap();
    }
    // Upper-case extensions too: Bevy's loaders match extensions exactly.
    std::fs::copy(kit.join("grass.glb"), dir.join("GRASS.GLB")).unwrap();
    std::fs::copy(kit.join("truck-grey-cargo.glb"), dir.join("truck #1.glb")).unwrap();
    let scene = prop_site(&dir, &[("grass", "GRASS.GLB"), ("truck", "truck #1.glb")]);
    let o = Command::new(env!("CARGO_BIN_EXE_sitetwin"))
        .args(["snapshot", scene.to_str().unwrap(), "--size", "640x360", "--out"])
        .arg(dir.join("odd.png"))
        .env("XDG_RUNTIME_DIR", scratch("xdg-odd"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("warning: model"), "every model loaded: {err}");
    let img = image::open(dir.join("odd.png")).unwrap().to_rgb8();
    // The grass tile, lit from the side: olive greens (about 72, 78, 57).
    let greens = img.pixels().filter(|p| p[1] > p[0] && p[1] > p[2] + 12).count();
    assert!(greens > 500, "the grass is drawn with its texture ({greens} green pixels)");
}

#[test]
fn a_texture_the_renderer_cannot_read_is_named_and_loading_still_ends() {
    let dir = scratch("bad-texture");
    // A PNG named .jpg: the guard reads the image by its content, Bevy's loader by its name.
    let mut png = Vec::new();
    image::RgbImage::from_pixel(2, 2, image::Rgb([200, 40, 40]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    std::fs::write(dir.join("paint.jpg"), &png).unwrap();
    // One textured triangle, its buffer inline.
    let mut bin = Vec::new();
    for v in [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]] {
        v.iter().for_each(|x| bin.extend_from_slice(&x.to_le_bytes()));
    }
    for uv in [[0.0f32, 0.0], [1.0, 0.0], [0.0, 1.0]] {
        uv.iter().for_each(|x| bin.extend_from_slice(&x.to_le_bytes()));
    }
    use base64::Engine as _;
    let uri =
        format!("data:application/octet-stream;base64,{}", base64::engine::general_purpose::STANDARD.encode(&bin));
    let gltf = serde_json::json!({
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": "painted"}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0, "TEXCOORD_0": 1}, "material": 0}]}],
        "materials": [{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}],
        "textures": [{"source": 0}],
        "images": [{"uri": "paint.jpg"}],
        "buffers": [{"byteLength": bin.len(), "uri": uri}],
        "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": 36}, {"buffer": 0, "byteOffset": 36, "byteLength": 24}],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3", "min": [0.0, 0.0, 0.0], "max": [1.0, 1.0, 0.0]},
            {"bufferView": 1, "componentType": 5126, "count": 3, "type": "VEC2"}
        ]
    });
    std::fs::write(dir.join("painted.gltf"), serde_json::to_vec_pretty(&gltf).unwrap()).unwrap();
    let scene = prop_site(&dir, &[("painted", "painted.gltf")]);
    let out = dir.join("painted.png");
    let o = Command::new(env!("CARGO_BIN_EXE_sitetwin"))
        .args(["snapshot", scene.to_str().unwrap(), "--size", "320x180", "--out"])
        .arg(&out)
        .env("XDG_RUNTIME_DIR", scratch("xdg-texture"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "loading must end: {err}");
    assert!(out.exists());
    assert!(err.contains("warning: model painted failed to render"), "{err}");
    assert!(err.contains(&dir.join("paint.jpg").display().to_string()), "the texture is named as it is on disk: {err}");
    let warning = err.lines().find(|l| l.starts_with("warning: model painted")).unwrap();
    assert!(!warning.contains("site://") && !warning.contains(" 1/0/"), "no internal asset paths: {warning}");
}

#[test]
fn a_simulated_moment_shows_its_cranes_zones_and_alarms() {
    let dir = scratch("live");
    // 16:05 of the first day: the two jibs in a near miss, a load up under TC2's hook.
    let at = ["--size", "800x450", "--scenario", "default", "--at", "16h05m"];
    let live = snapshot(&demo(), &dir.join("live.png"), &at);
    assert_not_blank(&live);
    let still = snapshot(&demo(), &dir.join("static.png"), &["--size", "800x450"]);
    // The fall zone and the anti-collision gap are drawn in red; the static scene has neither.
    let (r_live, r_still) = (reddish(&live), reddish(&still));
    assert!(r_live > r_still + 40, "red zones drawn: {r_live} red pixels live, {r_still} static");
    // With the panels, in English: the alarm list opens over the twin, its alarm levels in red.
    let ui = snapshot(&demo(), &dir.join("live-ui.png"), &[&at[..], &["--ui", "--lang", "en"]].concat());
    assert_not_blank(&ui);
    let level_column = image::imageops::crop_imm(&ui, 100, 140, 75, 205).to_image();
    let red = reddish(&level_column);
    assert!(red > 80, "the alarm list's level column shows alarms in red: {red} red pixels");
}
