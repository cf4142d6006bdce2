//! Tests of the canvas: pixel coverage of fills and strokes, orientation, blending, text with the
//! app's font, odd input, byte-identical PNGs, and a sample site plan written to the temp folder.

use glam::{DVec2, Vec2};

use super::*;

const WHITE: Rgba = [255, 255, 255, 255];
const RED: Rgba = [220, 30, 30, 255];

fn font_bytes() -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/fonts/NotoSansSC-sitetwin.otf");
    std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

fn font() -> Font {
    Font::from_bytes(font_bytes()).unwrap()
}

fn blank(w: u32, h: u32) -> Raster {
    Raster::new(w, h, WHITE, None).unwrap()
}

fn px(r: &Raster, x: u32, y: u32) -> Rgba {
    r.image().get_pixel(x, y).0
}

fn v(x: f32, y: f32) -> Vec2 {
    Vec2::new(x, y)
}

fn inked(r: &Raster) -> usize {
    r.image().pixels().filter(|p| p.0 != WHITE).count()
}

#[test]
fn a_filled_polygon_covers_its_inside_and_not_its_outside() {
    let mut r = blank(60, 60);
    r.fill_polygon(&[v(10.0, 10.0), v(40.0, 10.0), v(40.0, 40.0), v(10.0, 40.0)], &Fill::Solid(RED));
    assert_eq!(px(&r, 25, 25), RED);
    assert_eq!(px(&r, 10, 10), RED, "a pixel exactly inside the edge is fully covered");
    assert_eq!(px(&r, 39, 39), RED);
    assert_eq!(px(&r, 9, 25), WHITE);
    assert_eq!(px(&r, 40, 25), WHITE);
    assert_eq!(px(&r, 50, 50), WHITE);
}

#[test]
fn a_concave_polygon_leaves_its_notch_empty() {
    // A U: the notch between the arms, x 20..40 above y 30, is outside.
    let u = [
        v(10.0, 10.0),
        v(20.0, 10.0),
        v(20.0, 30.0),
        v(40.0, 30.0),
        v(40.0, 10.0),
        v(50.0, 10.0),
        v(50.0, 50.0),
        v(10.0, 50.0),
    ];
    let mut r = blank(60, 60);
    r.fill_polygon(&u, &Fill::Solid(RED));
    assert_eq!(px(&r, 15, 15), RED, "left arm");
    assert_eq!(px(&r, 45, 15), RED, "right arm");
    assert_eq!(px(&r, 30, 40), RED, "base");
    assert_eq!(px(&r, 30, 15), WHITE, "notch");
    assert_eq!(px(&r, 30, 28), WHITE, "notch, just above the base");
    // The same polygon wound the other way fills the same pixels.
    let mut rev = u;
    rev.reverse();
    let mut r2 = blank(60, 60);
    r2.fill_polygon(&rev, &Fill::Solid(RED));
    assert_eq!(r.image().as_raw(), r2.image().as_raw());
}

#[test]
fn a_hole_stays_empty_whichever_way_it_winds() {
    let outer = [v(5.0, 5.0), v(55.0, 5.0), v(55.0, 55.0), v(5.0, 55.0)];
    let hole = [v(20.0, 20.0), v(40.0, 20.0), v(40.0, 40.0), v(20.0, 40.0)];
    let mut hole_rev = hole;
    hole_rev.reverse();
    for h in [&hole[..], &hole_rev[..]] {
        let mut r = blank(60, 60);
        r.fill_polygon_with_holes(&outer, &[h], &Fill::Solid(RED));
        assert_eq!(px(&r, 10, 10), RED);
        assert_eq!(px(&r, 30, 30), WHITE);
    }
}

#[test]
fn a_polygon_far_outside_the_image_is_clipped_not_wrapped() {
    let mut r = blank(40, 40);
    // Spans far beyond every edge: everything is inside.
    r.fill_polygon(&[v(-1e5, -1e5), v(1e5, -1e5), v(1e5, 1e5), v(-1e5, 1e5)], &Fill::Solid(RED));
    assert!(r.image().pixels().all(|p| p.0 == RED));
    // Left of the image only: nothing may leak in through the row wrap.
    let mut r = blank(40, 40);
    r.fill_polygon(&[v(-50.0, 5.0), v(-10.0, 5.0), v(-10.0, 35.0), v(-50.0, 35.0)], &Fill::Solid(RED));
    assert_eq!(inked(&r), 0);
}

#[test]
fn a_stroke_passes_through_its_endpoints_and_not_far_from_them() {
    let mut r = blank(80, 60);
    let s = Stroke::solid(3.0, RED);
    r.stroke_polyline(&[v(10.5, 10.5), v(60.5, 40.5)], false, &s);
    assert_eq!(px(&r, 10, 10), RED);
    assert_eq!(px(&r, 60, 40), RED);
    assert_eq!(px(&r, 35, 25), RED, "the middle");
    assert_eq!(px(&r, 10, 40), WHITE);
    assert_eq!(px(&r, 60, 10), WHITE);
    // A thin diagonal is anti-aliased: some pixels partly covered.
    let mut thin = blank(80, 60);
    thin.stroke_polyline(&[v(10.0, 10.0), v(60.0, 33.0)], false, &Stroke::solid(1.0, RED));
    assert!(thin.image().pixels().any(|p| p.0 != WHITE && p.0 != RED));
}

#[test]
fn a_line_with_far_off_ends_keeps_its_direction() {
    let mut r = blank(40, 40);
    r.stroke_polyline(&[v(-1e30, 20.5), v(1e30, 20.5)], false, &Stroke::solid(2.0, RED));
    assert_eq!(px(&r, 5, 20), RED);
    assert_eq!(px(&r, 35, 20), RED);
    assert_eq!(px(&r, 20, 10), WHITE);
    assert_eq!(px(&r, 20, 30), WHITE);
}

#[test]
fn arrowheads_point_along_the_route() {
    let mut r = blank(100, 40);
    r.arrows_along(&[v(0.0, 20.0), v(100.0, 20.0)], 50.0, 12.0, RED);
    // Heads centred at x = 25 and 75: wide at the back (left), narrow at the tip (right).
    assert_eq!(px(&r, 27, 19), RED, "near the tip, on the line");
    assert_eq!(px(&r, 21, 22), RED, "a back wing");
    assert_eq!(px(&r, 29, 22), WHITE, "beside the tip");
    assert_eq!(px(&r, 50, 20), WHITE, "between heads");
    let mut back = blank(100, 40);
    back.arrows_along(&[v(100.0, 20.0), v(0.0, 20.0)], 50.0, 12.0, RED);
    assert_eq!(px(&back, 78, 22), RED, "reversed: the back wing is on the right");
    assert_eq!(px(&back, 70, 22), WHITE, "reversed: the tip is on the left");
}

#[test]
fn a_dashed_line_has_gaps() {
    let mut r = blank(100, 20);
    r.stroke_polyline(&[v(0.0, 10.5), v(100.0, 10.5)], false, &Stroke::solid(2.0, RED).dashed(10.0, 10.0));
    assert_eq!(px(&r, 5, 10), RED, "first dash");
    assert_eq!(px(&r, 15, 10), WHITE, "first gap");
    assert_eq!(px(&r, 25, 10), RED, "second dash");
    // A dashed circle has gaps too, a solid one none.
    let mut c = blank(100, 100);
    c.stroke_circle(v(50.0, 50.0), 40.0, &Stroke::solid(2.0, RED).dashed(8.0, 8.0));
    let ring: Vec<bool> = (0..360)
        .map(|d| {
            let a = (d as f32).to_radians();
            let p = v(50.0, 50.0) + v(a.cos(), a.sin()) * 40.0;
            px(&c, p.x as u32, p.y as u32) != WHITE
        })
        .collect();
    assert!(ring.iter().any(|x| *x) && ring.iter().any(|x| !*x));
}

#[test]
fn the_plan_is_north_up() {
    let mut p = PlanCanvas::new(PlanLayout::new([0.0, 0.0, 100.0, 100.0], 2.0), None).unwrap();
    let north = DVec2::new(50.0, 10.0); // smaller z: further north
    let south = DVec2::new(50.0, 90.0);
    assert!(p.to_px(north).y < p.to_px(south).y);
    let l = *p.layout();
    let expect = ((50.0 - 0.0) * 2.0 + l.margin_px as f64) as f32;
    assert_eq!(p.to_px(north).x, expect);
    assert_eq!(p.to_px(north).y, (10.0 * 2.0 + l.margin_px as f64 + l.title_band_px as f64) as f32);
    // East is right.
    assert!(p.to_px(DVec2::new(90.0, 50.0)).x > p.to_px(DVec2::new(10.0, 50.0)).x);
    p.marker(north, &Marker::circle(4.0, RED, RED));
    let q = p.to_px(north);
    assert_eq!(p.raster().image().get_pixel(q.x as u32, q.y as u32).0, RED);
    let s = p.to_px(south);
    assert_ne!(p.raster().image().get_pixel(s.x as u32, s.y as u32).0, RED);
}

#[test]
fn plan_drawing_stays_out_of_the_legend_panel() {
    let mut p = PlanCanvas::new(PlanLayout::new([0.0, 0.0, 50.0, 50.0], 4.0), None).unwrap();
    let panel = p.legend_rect().unwrap();
    p.fill_polygon(
        &[DVec2::new(-100.0, -100.0), DVec2::new(500.0, -100.0), DVec2::new(500.0, 500.0), DVec2::new(-100.0, 500.0)],
        &Fill::Solid(RED),
    );
    let img = p.raster().image();
    assert_eq!(img.get_pixel(panel.x + 10, panel.y + 10).0, [255, 255, 255, 255]);
    let m = p.map_rect();
    assert_eq!(img.get_pixel(m.x + 1, m.y + 1).0, RED);
}

#[test]
fn alpha_blends_over_what_is_there() {
    let mut r = blank(10, 10);
    r.fill_polygon(&[v(0.0, 0.0), v(10.0, 0.0), v(10.0, 10.0), v(0.0, 10.0)], &Fill::Solid([255, 0, 0, 128]));
    let [red, g, b, a] = px(&r, 5, 5);
    assert_eq!((red, a), (255, 255));
    assert!((126..=128).contains(&g) && g == b, "half red over white is pink: {:?}", px(&r, 5, 5));
    // Over a transparent background, the colour stays and the alpha is the paint's.
    let mut t = Raster::new(10, 10, [0, 0, 0, 0], None).unwrap();
    t.fill_circle(v(5.0, 5.0), 4.0, &Fill::Solid([0, 0, 255, 100]));
    assert_eq!(px(&t, 5, 5), [0, 0, 255, 100]);
}

#[test]
fn a_hatch_paints_stripes_only_inside() {
    let mut r = blank(60, 60);
    let hatch = Fill::Hatch { rgba: RED, spacing_px: 8.0, width_px: 2.0, angle_deg: 45.0 };
    r.fill_polygon(&[v(10.0, 10.0), v(50.0, 10.0), v(50.0, 50.0), v(10.0, 50.0)], &hatch);
    let inside = (10..50).flat_map(|y| (10..50).map(move |x| (x, y)));
    let (mut red, mut white) = (0, 0);
    for (x, y) in inside {
        match px(&r, x, y) {
            RED => red += 1,
            WHITE => white += 1,
            _ => {}
        }
    }
    assert!(red > 100 && white > 500, "stripes and gaps: {red} red, {white} white");
    assert_eq!(px(&r, 5, 5), WHITE);
}

/// The words the patrol plan and the reports label things with.
const CJK_WORDS: &[&str] = &["巡视", "塔吊", "基坑", "检查点", "路线", "危险区", "图例", "比例尺", "北", "办公室"];

#[test]
fn the_app_font_reads_and_has_the_plan_words() {
    let f = font();
    let missing: Vec<char> = CJK_WORDS.iter().flat_map(|w| f.missing_glyphs(w)).collect();
    assert_eq!(missing, Vec::<char>::new(), "glyphs missing from the font subset");
    assert_eq!(f.missing_glyphs("Route 0123456789 m ABC xyz"), Vec::<char>::new());
    assert!(!f.has_glyph('\u{10FFFD}'));
}

#[test]
fn text_draws_with_the_real_font() {
    let mut r = Raster::new(240, 60, WHITE, Some(font())).unwrap();
    let b = r.text(v(10.0, 30.0), "巡视路线 Route 1", &TextStyle::new(20.0, [0, 0, 0, 255]), Anchor::Left).unwrap();
    let dark = r.image().pixels().filter(|p| p.0[0] < 100).count();
    assert!(dark > 50, "{dark} dark pixels");
    assert!(b[2] > b[0] + 100.0 && b[3] > b[1], "box {b:?}");
    // Nothing left of the anchor or far below the box.
    for y in 0..60 {
        assert_eq!(px(&r, 5, y), WHITE);
    }
    // A halo paints pixels of its own colour around the letters.
    let mut h = Raster::new(120, 60, [0, 0, 0, 255], Some(font())).unwrap();
    h.text(v(60.0, 30.0), "塔吊", &TextStyle::new(24.0, [255, 0, 0, 255]).with_halo([0, 255, 0, 255]), Anchor::Center);
    assert!(h.image().pixels().any(|p| p.0 == [0, 255, 0, 255]));
}

#[test]
fn a_missing_glyph_draws_a_box_and_does_not_panic() {
    let mut r = Raster::new(100, 40, WHITE, Some(font())).unwrap();
    let c = '\u{10FFFD}';
    assert_eq!(r.font().unwrap().missing_glyphs(&format!("a{c}b{c}")), vec![c]);
    r.text(v(10.0, 20.0), &c.to_string(), &TextStyle::new(20.0, [0, 0, 0, 255]), Anchor::Left);
    assert!(inked(&r) > 10);
}

#[test]
fn without_a_font_text_draws_nothing() {
    let mut r = blank(100, 40);
    assert_eq!(r.text(v(10.0, 20.0), "巡视", &TextStyle::new(20.0, RED), Anchor::Left), None);
    assert_eq!(r.measure_text("巡视", 20.0), None);
    assert_eq!(inked(&r), 0);
}

#[test]
fn odd_input_does_not_panic() {
    let nan = f32::NAN;
    let mut r = Raster::new(50, 50, WHITE, Some(font())).unwrap();
    let s = Stroke::solid(2.0, RED);
    let d = Stroke::solid(2.0, RED).dashed(4.0, 4.0);
    for pts in [&[][..], &[v(10.0, 10.0)], &[v(nan, nan)], &[v(nan, 1.0), v(10.0, 10.0)], &[v(1.0, 1.0), v(1.0, 1.0)]] {
        r.fill_polygon(pts, &Fill::Solid(RED));
        r.stroke_polyline(pts, false, &s);
        r.stroke_polyline(pts, true, &d);
        r.arrows_along(pts, 10.0, 6.0, RED);
    }
    r.stroke_polyline(&[v(0.0, 0.0), v(f32::INFINITY, 3.0), v(40.0, 40.0)], false, &s);
    r.stroke_polyline(&[v(0.0, 0.0), v(40.0, 40.0)], false, &Stroke::solid(nan, RED));
    r.stroke_polyline(&[v(0.0, 0.0), v(40.0, 40.0)], false, &Stroke::solid(2.0, RED).dashed(0.0, 0.0));
    r.stroke_polyline(&[v(0.0, 0.0), v(40.0, 40.0)], false, &Stroke::solid(2.0, RED).dashed(1e-9, 1e-9));
    r.stroke_polyline(&[v(-1e30, 0.0), v(1e30, 40.0)], false, &s);
    r.fill_circle(v(nan, 1.0), 3.0, &Fill::Solid(RED));
    r.fill_circle(v(10.0, 10.0), -3.0, &Fill::Solid(RED));
    r.stroke_circle(v(10.0, 10.0), nan, &d);
    r.stroke_circle(v(10.0, 10.0), 1e9, &d);
    r.marker(v(nan, 0.0), &Marker::circle(3.0, RED, RED));
    r.text(v(nan, 0.0), "北", &TextStyle::new(12.0, RED), Anchor::Center);
    r.text(v(10.0, 10.0), "", &TextStyle::new(12.0, RED), Anchor::Center);
    r.text(v(10.0, 10.0), "北", &TextStyle::new(nan, RED), Anchor::Center);
    r.text(v(10.0, 10.0), "北\n\t", &TextStyle::new(1e9, RED).with_halo(WHITE), Anchor::Center);
    r.fill_polygon(
        &[v(0.0, 0.0), v(40.0, 0.0), v(40.0, 40.0)],
        &Fill::Hatch { rgba: RED, spacing_px: 0.0, width_px: nan, angle_deg: 1.0 },
    );
    r.set_clip(Some(PxRect { x: 100, y: 100, w: 10, h: 10 }));
    r.fill_polygon(&[v(0.0, 0.0), v(40.0, 0.0), v(40.0, 40.0)], &Fill::Solid(RED));

    // Plans: a point-sized plan is its margins; no margins at all, or bad numbers, are errors.
    let mut p = PlanCanvas::new(PlanLayout::new([5.0, 5.0, 5.0, 5.0], 10.0), Some(font())).unwrap();
    p.north_arrow_and_scale_bar("N");
    p.legend("图例", &[]);
    p.title("");
    p.grid(0.0, &s);
    p.grid(1e-9, &s);
    p.stroke_polyline(&[DVec2::new(f64::NAN, 0.0), DVec2::ZERO], false, &s);
    p.fill_circle(DVec2::ZERO, f64::INFINITY, &Fill::Solid(RED));
    let bare = PlanLayout {
        margin_px: 0,
        legend_width_px: 0,
        title_band_px: 0,
        ..PlanLayout::new([5.0, 5.0, 5.0, 5.0], 10.0)
    };
    assert!(matches!(PlanCanvas::new(bare, None), Err(CanvasError::Size { .. })));
    for b in [[f64::NAN, 0.0, 1.0, 1.0], [2.0, 0.0, 1.0, 1.0]] {
        assert!(matches!(PlanCanvas::new(PlanLayout::new(b, 1.0), None), Err(CanvasError::InvalidBounds(_))));
    }
    assert!(matches!(
        PlanCanvas::new(PlanLayout::new([0.0, 0.0, 1.0, 1.0], 0.0), None),
        Err(CanvasError::InvalidScale(_))
    ));
    assert!(matches!(PlanCanvas::new(PlanLayout::new([0.0, 0.0, 1e9, 1.0], 1.0), None), Err(CanvasError::Size { .. })));
    assert!(matches!(Raster::new(0, 10, WHITE, None), Err(CanvasError::Size { .. })));
    assert!(matches!(Font::from_bytes(b"not a font".to_vec()), Err(CanvasError::Font(_))));
}

#[test]
fn a_write_error_names_the_path() {
    let r = blank(4, 4);
    let path = std::path::Path::new("/nonexistent-dir-for-canvas-test/plan.png");
    let e = r.save_png(path).unwrap_err();
    assert!(e.to_string().contains("/nonexistent-dir-for-canvas-test/plan.png"), "{e}");
}

#[test]
fn round_scale_bar_lengths() {
    assert_eq!(plan::round_length(130.0), Some(100.0));
    assert_eq!(plan::round_length(49.0), Some(20.0));
    assert_eq!(plan::round_length(50.0), Some(50.0));
    assert_eq!(plan::round_length(0.3), Some(0.2));
    assert_eq!(plan::round_length(-1.0), None);
}

/// A sample site plan: boundary, a pit with a hatched edge band, two cranes with dashed reach, a
/// patrol route with arrowheads, six numbered checkpoints, hazard zones, a bilingual legend, title,
/// north arrow and scale bar.
fn demo_plan() -> PlanCanvas {
    let d = |x: f64, z: f64| DVec2::new(x, z);
    let mut p = PlanCanvas::new(PlanLayout::new([-60.0, -45.0, 60.0, 45.0], 7.0), Some(font())).unwrap();
    p.grid(10.0, &Stroke::solid(1.0, [0, 0, 0, 18]));
    let site = [d(-55.0, -40.0), d(40.0, -40.0), d(55.0, -25.0), d(55.0, 40.0), d(-55.0, 40.0)];
    p.fill_polygon(&site, &Fill::Solid([236, 232, 220, 255]));
    p.stroke_polyline(&site, true, &Stroke::solid(2.5, [70, 70, 70, 255]).dashed(14.0, 6.0));
    let office = [d(-50.0, 25.0), d(-30.0, 25.0), d(-30.0, 36.0), d(-50.0, 36.0)];
    p.fill_polygon(&office, &Fill::Solid([203, 213, 225, 255]));
    p.stroke_polyline(&office, true, &Stroke::solid(1.5, [100, 116, 139, 255]));
    p.text(d(-40.0, 30.5), "办公室 Office", &TextStyle::new(13.0, [51, 65, 85, 255]), Anchor::Center);
    let pit = [d(-15.0, -20.0), d(20.0, -20.0), d(20.0, 8.0), d(-15.0, 8.0)];
    let band = [d(-19.0, -24.0), d(24.0, -24.0), d(24.0, 12.0), d(-19.0, 12.0)];
    let hazard = Fill::Hatch { rgba: [220, 38, 38, 150], spacing_px: 9.0, width_px: 2.0, angle_deg: 45.0 };
    p.fill_polygon_with_holes(&band, &[&pit], &Fill::Solid([254, 226, 226, 200]));
    p.fill_polygon_with_holes(&band, &[&pit], &hazard);
    p.stroke_polyline(&band, true, &Stroke::solid(1.5, [220, 38, 38, 255]).dashed(6.0, 4.0));
    p.fill_polygon(&pit, &Fill::Solid([168, 162, 158, 255]));
    p.stroke_polyline(&pit, true, &Stroke::solid(2.0, [87, 83, 78, 255]));
    p.text(
        d(2.5, -6.0),
        "基坑 Pit",
        &TextStyle::new(14.0, [41, 37, 36, 255]).with_halo([255, 255, 255, 200]),
        Anchor::Center,
    );
    let crane = [240, 140, 0, 255];
    for (c, r, name) in [(d(-30.0, -15.0), 28.0, "塔吊 TC1"), (d(35.0, 15.0), 24.0, "塔吊 TC2")] {
        p.fill_circle(c, r, &Fill::Solid([240, 140, 0, 22]));
        p.stroke_circle(c, r, &Stroke::solid(2.0, crane).dashed(10.0, 6.0));
        p.marker(
            c,
            &Marker {
                shape: MarkerShape::Square,
                radius_px: 6.0,
                fill: crane,
                outline: [120, 60, 0, 255],
                outline_px: 1.5,
            },
        );
        p.text(
            c + d(0.0, 2.2),
            name,
            &TextStyle::new(13.0, [124, 45, 18, 255]).with_halo([255, 255, 255, 220]),
            Anchor::Top,
        );
    }
    let cps = [d(-45.0, -30.0), d(0.0, -32.0), d(45.0, -18.0), d(40.0, 32.0), d(0.0, 24.0), d(-45.0, 10.0)];
    let mut route = cps.to_vec();
    route.push(cps[0]);
    let blue = [37, 99, 235, 255];
    p.stroke_polyline(&route, false, &Stroke::solid(6.0, [255, 255, 255, 200]));
    p.stroke_polyline(&route, false, &Stroke::solid(3.5, blue));
    p.arrows_along(&route, 70.0, 11.0, blue);
    let cp = Marker::circle(10.0, [255, 255, 255, 255], blue);
    let cp = Marker { outline_px: 2.5, ..cp };
    for (i, c) in cps.iter().enumerate() {
        p.marker(*c, &cp);
        p.text(*c, &(i + 1).to_string(), &TextStyle::new(13.0, [30, 58, 138, 255]), Anchor::Center);
    }
    p.title("巡视路线 Patrol route · 示例工地 Demo site");
    let entries = [
        LegendEntry::new(
            Swatch::Area {
                fill: Some(Fill::Solid([236, 232, 220, 255])),
                outline: Some(Stroke::solid(2.0, [70, 70, 70, 255]).dashed(8.0, 4.0)),
            },
            "场地边界 Site boundary",
        ),
        LegendEntry::new(Swatch::Route { stroke: Stroke::solid(3.5, blue), arrow: blue }, "巡视路线 Patrol route"),
        LegendEntry::new(Swatch::Marker(cp), "检查点 Checkpoint"),
        LegendEntry::new(
            Swatch::Area {
                fill: Some(Fill::Solid([168, 162, 158, 255])),
                outline: Some(Stroke::solid(2.0, [87, 83, 78, 255])),
            },
            "基坑 Excavation pit",
        ),
        LegendEntry::new(
            Swatch::Area { fill: Some(hazard), outline: Some(Stroke::solid(1.5, [220, 38, 38, 255])) },
            "危险区 Hazard zone",
        ),
        LegendEntry::new(
            Swatch::Circle {
                fill: Some(Fill::Solid([240, 140, 0, 22])),
                outline: Some(Stroke::solid(2.0, crane).dashed(5.0, 3.0)),
            },
            "塔吊覆盖 Crane reach",
        ),
        LegendEntry::new(
            Swatch::Area {
                fill: Some(Fill::Solid([203, 213, 225, 255])),
                outline: Some(Stroke::solid(1.5, [100, 116, 139, 255])),
            },
            "办公室 Office",
        ),
    ];
    p.legend("图例 Legend", &entries);
    p.north_arrow_and_scale_bar("北 N");
    p
}

#[test]
fn the_same_calls_give_the_same_png_bytes() {
    let a = demo_plan().encode_png().unwrap();
    let b = demo_plan().encode_png().unwrap();
    assert!(a.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(a == b, "two renders differ");
}

#[test]
fn demo_site_plan_png() {
    let p = demo_plan();
    let path = std::env::temp_dir().join("canvas-demo.png");
    p.save_png(&path).unwrap();
    let back = image::open(&path).unwrap().to_rgba8();
    assert_eq!(back.as_raw(), p.raster().image().as_raw());
}
