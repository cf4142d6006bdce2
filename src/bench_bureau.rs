//! `sitetwin bench --bureau`: bureau mode at city scale: generating and reading a city file of
//! thousands of sites, judging every stopped site's simulated day, and the CPU cost of one frame
//! of the bureau screen (the egui pass: map, table and card laid out and tessellated) with the
//! table of non-operating sites and with every site listed.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use bevy_egui::egui;
use sitetwin_core::city::status::{self, Judging};
use sitetwin_core::city::{City, demo};
use sitetwin_core::i18n::Lang;

use crate::bureau::{BureauOptions, CityView};

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Measures a generated city of `sites` sites; frames of the bureau screen `frames` times.
pub fn run(sites: usize, frames: usize) -> anyhow::Result<ExitCode> {
    let t = Instant::now();
    let city = demo::generate(sites, 1, demo::demo_today());
    let gen_ms = t.elapsed().as_secs_f64() * 1e3;
    let json = serde_json::to_string(&city)?;
    let t = Instant::now();
    let city = City::parse(&json, Path::new("bench-city.json"), Path::new("."))?;
    let parse_ms = t.elapsed().as_secs_f64() * 1e3;
    let stopped = city.sites.iter().filter(|s| s.non_operating()).count();
    let t = Instant::now();
    let first: Vec<_> = city.sites.iter().map(|s| status::judge_with(&city, s, &Judging::default(), false)).collect();
    let first_ms = t.elapsed().as_secs_f64() * 1e3;
    std::hint::black_box(first);
    let t = Instant::now();
    let rows = status::judge_city(&city, &Judging::default());
    let judge_s = t.elapsed().as_secs_f64();
    say!("| step | {sites} sites ({stopped} not operating) |");
    say!("|---|---:|");
    say!("| generate the city (history played from June 2025) | {gen_ms:.0} ms |");
    say!("| read and check its file ({:.1} MB of JSON) | {parse_ms:.0} ms |", json.len() as f64 / 1e6);
    say!("| first look at every site (status, works, days, reports; no telemetry; one thread) | {first_ms:.0} ms |");
    say!(
        "| judge every site (a stopped site's last 12 h simulated; {} threads) | {judge_s:.1} s ({:.1} ms per stopped site) |",
        std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1),
        judge_s * 1e3 / stopped.max(1) as f64
    );
    let mut view =
        CityView::new(BureauOptions { city, file: None, seed: 1, twins_dir: std::env::temp_dir(), gateway: None });
    view.rows = rows;
    view.selected = status::non_operating(&view.rows).first().map(|r| r.site.clone());
    let ctx = egui::Context::default();
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert("noto_sans_sc".into(), Arc::new(egui::FontData::from_static(crate::ui::CJK_FONT)));
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts.families.entry(family).or_default().insert(0, "noto_sans_sc".into());
    }
    ctx.set_fonts(fonts);
    for (label, all) in [("the non-operating sites", false), ("every site listed", true)] {
        view.filter.all_sites = all;
        let mut times = Vec::with_capacity(frames);
        for i in 0..frames + 3 {
            let input = egui::RawInput {
                screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1600.0, 900.0))),
                ..Default::default()
            };
            let t = Instant::now();
            let mut lang = Lang::Zh;
            let mut actions = Vec::new();
            let out = ctx.run_ui(input, |root| {
                let ctx = root.ctx().clone();
                crate::bureau::panel::draw(root, &ctx, &mut lang, &mut view, &mut actions);
            });
            let mut out = out;
            out.textures_delta.clear();
            let prims = ctx.tessellate(out.shapes, out.pixels_per_point);
            let ms = t.elapsed().as_secs_f64() * 1e3;
            // The first frames lay out the fonts' atlas: not part of steady state.
            if i >= 3 {
                times.push(ms);
            }
            std::hint::black_box(prims);
        }
        let rows_shown = view.table().len();
        say!(
            "| one frame of the bureau screen, {label} ({rows_shown} rows): CPU, median / p95 of {frames} | {:.2} / {:.2} ms |",
            percentile(&mut times, 0.5),
            percentile(&mut times, 0.95)
        );
    }
    Ok(ExitCode::SUCCESS)
}
