//! A top view of the site on a [`Raster`]: plan points in metres mapped north-up, a title band, a
//! legend panel on the right, a metre grid, a north arrow and a scale bar in round metres.

use std::path::Path;

use glam::{DVec2, Vec2};

use super::{Anchor, CanvasError, Fill, Font, MAX_SIDE_PX, Marker, PxRect, Raster, Rgba, Stroke, TextStyle};

const INK: Rgba = [38, 42, 48, 255];
const MUTED: Rgba = [96, 102, 110, 255];
const RULE: Rgba = [200, 204, 210, 255];
const PANEL: Rgba = [255, 255, 255, 255];
const HALO: Rgba = [255, 255, 255, 230];

/// Where the plan lies and how the image is laid out around it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanLayout {
    /// `[min_x, min_z, max_x, max_z]`, metres in the site frame (x east, z south).
    pub bounds_m: [f64; 4],
    /// Scale, pixels per metre.
    pub px_per_m: f64,
    /// Empty border around the plan, pixels (labels near the edge spill into it).
    pub margin_px: u32,
    /// Width of the legend panel on the right, pixels (0 for none).
    pub legend_width_px: u32,
    /// Height of the title band on top, pixels (0 for none).
    pub title_band_px: u32,
    /// Background colour.
    pub background: Rgba,
}

impl PlanLayout {
    /// `bounds_m` at `px_per_m`, with a 36 px margin, a 300 px legend panel and a 56 px title band
    /// on an off-white background.
    pub fn new(bounds_m: [f64; 4], px_per_m: f64) -> Self {
        PlanLayout {
            bounds_m,
            px_per_m,
            margin_px: 36,
            legend_width_px: 300,
            title_band_px: 56,
            background: [250, 250, 247, 255],
        }
    }
}

/// The symbol of a legend entry, drawn in a 40 x 18 px box.
#[derive(Clone, Debug, PartialEq)]
pub enum Swatch {
    /// A rectangle (areas: zones, pits, buildings).
    Area {
        /// Inside paint, if any.
        fill: Option<Fill>,
        /// Border, if any.
        outline: Option<Stroke>,
    },
    /// A circle (radii: crane reach, sensor range).
    Circle {
        /// Inside paint, if any.
        fill: Option<Fill>,
        /// Border, if any.
        outline: Option<Stroke>,
    },
    /// A horizontal line.
    Line(Stroke),
    /// A line with a direction arrowhead of colour `arrow` (routes).
    Route {
        /// The line.
        stroke: Stroke,
        /// Arrowhead colour.
        arrow: Rgba,
    },
    /// A point symbol.
    Marker(Marker),
}

/// One row of the legend: a symbol and its label.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendEntry {
    /// The symbol.
    pub swatch: Swatch,
    /// The label (one line; a bilingual one is just `"危险区 Hazard zone"`).
    pub label: String,
}

impl LegendEntry {
    /// An entry.
    pub fn new(swatch: Swatch, label: impl Into<String>) -> Self {
        LegendEntry { swatch, label: label.into() }
    }
}

/// A north-up top view of the site. Plan points are `DVec2 { x: east_m, y: z_m }` (z south); the
/// pixel of a point is `((x − min_x)·px_per_m + margin, (z − min_z)·px_per_m + margin + title_band)`.
/// Plan drawing is clipped to the map area (the plan and its margin); the title, legend, north
/// arrow and scale bar draw outside it. Text calls draw nothing when the canvas has no font.
#[derive(Clone, Debug)]
pub struct PlanCanvas {
    raster: Raster,
    layout: PlanLayout,
    map: PxRect,
    panel: Option<PxRect>,
}

impl PlanCanvas {
    /// A blank plan canvas. Bounds may be a single point (the image is then just its margins);
    /// non-finite bounds, a minimum above its maximum, a non-positive scale, or an image over
    /// [`MAX_SIDE_PX`](super::MAX_SIDE_PX) a side are errors.
    pub fn new(layout: PlanLayout, font: Option<Font>) -> Result<Self, CanvasError> {
        let [x0, z0, x1, z1] = layout.bounds_m;
        if !layout.bounds_m.iter().all(|v| v.is_finite()) || x0 > x1 || z0 > z1 {
            return Err(CanvasError::InvalidBounds(layout.bounds_m));
        }
        let ppm = layout.px_per_m;
        if !(ppm.is_finite() && ppm > 0.0) {
            return Err(CanvasError::InvalidScale(ppm));
        }
        let m = layout.margin_px as f64;
        let map_w = ((x1 - x0) * ppm).ceil() + 2.0 * m;
        let map_h = ((z1 - z0) * ppm).ceil() + 2.0 * m;
        let w = map_w + layout.legend_width_px as f64;
        let h = map_h + layout.title_band_px as f64;
        let limit = MAX_SIDE_PX as f64;
        if !(w <= limit && h <= limit) {
            return Err(CanvasError::Size {
                width: w.min(u64::MAX as f64) as u64,
                height: h.min(u64::MAX as f64) as u64,
            });
        }
        let (w, h, map_w, map_h) = (w as u32, h as u32, map_w as u32, map_h as u32);
        let mut raster = Raster::new(w, h, layout.background, font)?;
        let title = layout.title_band_px;
        let map = PxRect { x: 0, y: title, w: map_w, h: map_h };
        let panel =
            (layout.legend_width_px > 0).then_some(PxRect { x: map_w, y: title, w: layout.legend_width_px, h: map_h });
        if let Some(p) = panel {
            let (px0, py0, px1, py1) = p.edges();
            let rect = [Vec2::new(px0, py0), Vec2::new(px1, py0), Vec2::new(px1, py1), Vec2::new(px0, py1)];
            raster.fill_polygon(&rect, &Fill::Solid(PANEL));
            raster.stroke_polyline(
                &[Vec2::new(px0 + 0.5, py0), Vec2::new(px0 + 0.5, py1)],
                false,
                &Stroke::solid(1.0, RULE),
            );
        }
        if title > 0 {
            let y = title as f32 - 0.5;
            raster.stroke_polyline(&[Vec2::new(0.0, y), Vec2::new(w as f32, y)], false, &Stroke::solid(1.0, RULE));
        }
        Ok(PlanCanvas { raster, layout, map, panel })
    }

    /// The layout it was made with.
    pub fn layout(&self) -> &PlanLayout {
        &self.layout
    }

    /// The map area (plan plus margin), pixels.
    pub fn map_rect(&self) -> PxRect {
        self.map
    }

    /// The legend panel, pixels, if the layout has one.
    pub fn legend_rect(&self) -> Option<PxRect> {
        self.panel
    }

    /// The pixel of plan point `p_m` (may lie outside the image; non-finite in, non-finite out).
    pub fn to_px(&self, p_m: DVec2) -> Vec2 {
        let l = &self.layout;
        Vec2::new(
            ((p_m.x - l.bounds_m[0]) * l.px_per_m + l.margin_px as f64) as f32,
            ((p_m.y - l.bounds_m[1]) * l.px_per_m + l.margin_px as f64 + l.title_band_px as f64) as f32,
        )
    }

    /// `len_m` metres in pixels.
    pub fn m_to_px(&self, len_m: f64) -> f32 {
        (len_m * self.layout.px_per_m) as f32
    }

    /// The pixel surface, for drawing in pixels (unclipped).
    pub fn raster(&self) -> &Raster {
        &self.raster
    }

    /// The pixel surface, for drawing in pixels (unclipped).
    pub fn raster_mut(&mut self) -> &mut Raster {
        &mut self.raster
    }

    /// The finished image.
    pub fn into_raster(self) -> Raster {
        self.raster
    }

    fn pxs(&self, pts_m: &[DVec2]) -> Vec<Vec2> {
        pts_m.iter().map(|p| self.to_px(*p)).collect()
    }

    /// Runs `f` on the raster clipped to the map area.
    fn in_map<R>(&mut self, f: impl FnOnce(&mut Raster) -> R) -> R {
        self.raster.set_clip(Some(self.map));
        let r = f(&mut self.raster);
        self.raster.set_clip(None);
        r
    }

    /// Fills the polygon `pts_m` (metres), closed implicitly; concave is fine.
    pub fn fill_polygon(&mut self, pts_m: &[DVec2], fill: &Fill) {
        let pts = self.pxs(pts_m);
        self.in_map(|r| r.fill_polygon(&pts, fill));
    }

    /// Fills `outer` minus `holes` (metres): a band around a pit, a yard around a building.
    pub fn fill_polygon_with_holes(&mut self, outer: &[DVec2], holes: &[&[DVec2]], fill: &Fill) {
        let outer = self.pxs(outer);
        let holes: Vec<Vec<Vec2>> = holes.iter().map(|h| self.pxs(h)).collect();
        let holes: Vec<&[Vec2]> = holes.iter().map(Vec::as_slice).collect();
        self.in_map(|r| r.fill_polygon_with_holes(&outer, &holes, fill));
    }

    /// Strokes the polyline `pts_m` (metres); `closed` joins the last point to the first.
    pub fn stroke_polyline(&mut self, pts_m: &[DVec2], closed: bool, stroke: &Stroke) {
        let pts = self.pxs(pts_m);
        self.in_map(|r| r.stroke_polyline(&pts, closed, stroke));
    }

    /// Fills the disc of radius `r_m` metres around `c_m`.
    pub fn fill_circle(&mut self, c_m: DVec2, r_m: f64, fill: &Fill) {
        let (c, r) = (self.to_px(c_m), self.m_to_px(r_m));
        self.in_map(|ras| ras.fill_circle(c, r, fill));
    }

    /// Strokes the circle of radius `r_m` metres around `c_m`.
    pub fn stroke_circle(&mut self, c_m: DVec2, r_m: f64, stroke: &Stroke) {
        let (c, r) = (self.to_px(c_m), self.m_to_px(r_m));
        self.in_map(|ras| ras.stroke_circle(c, r, stroke));
    }

    /// Draws `marker` (sized in pixels) at `at_m`.
    pub fn marker(&mut self, at_m: DVec2, marker: &Marker) {
        let at = self.to_px(at_m);
        self.in_map(|r| r.marker(at, marker));
    }

    /// Direction arrowheads along the polyline `pts_m` (metres), one every `every_px` pixels of its
    /// length, each `size_px` across.
    pub fn arrows_along(&mut self, pts_m: &[DVec2], every_px: f32, size_px: f32, rgba: Rgba) {
        let pts = self.pxs(pts_m);
        self.in_map(|r| r.arrows_along(&pts, every_px, size_px, rgba));
    }

    /// One line of text anchored at `at_m`; its pixel box, or `None` when nothing was drawn
    /// (no font, empty text, non-finite point). See [`Raster::text`].
    pub fn text(&mut self, at_m: DVec2, text: &str, style: &TextStyle, anchor: Anchor) -> Option<[f32; 4]> {
        let at = self.to_px(at_m);
        self.in_map(|r| r.text(at, text, style, anchor))
    }

    /// Grid lines every `spacing_m` metres (on multiples of it) across the plan bounds. Draws
    /// nothing for a non-positive spacing or more than 2000 lines.
    pub fn grid(&mut self, spacing_m: f64, stroke: &Stroke) {
        let [x0, z0, x1, z1] = self.layout.bounds_m;
        if !(spacing_m.is_finite() && spacing_m > 0.0) || ((x1 - x0) + (z1 - z0)) / spacing_m > 2000.0 {
            return;
        }
        let mut lines = Vec::new();
        let mut k = (x0 / spacing_m).ceil();
        while k * spacing_m <= x1 {
            lines.push([DVec2::new(k * spacing_m, z0), DVec2::new(k * spacing_m, z1)]);
            k += 1.0;
        }
        let mut k = (z0 / spacing_m).ceil();
        while k * spacing_m <= z1 {
            lines.push([DVec2::new(x0, k * spacing_m), DVec2::new(x1, k * spacing_m)]);
            k += 1.0;
        }
        for l in lines {
            self.stroke_polyline(&l, false, stroke);
        }
    }

    /// The title, in the title band (or over the plan's top left corner, with a halo, when the
    /// layout has no band).
    pub fn title(&mut self, text: &str) {
        let band = self.layout.title_band_px as f32;
        let x = self.layout.margin_px.max(12) as f32;
        if band >= 16.0 {
            let size = (band * 0.4).clamp(12.0, 40.0);
            self.raster.text(Vec2::new(x, band / 2.0), text, &TextStyle::new(size, INK), Anchor::Left);
        } else {
            let style = TextStyle::new(20.0, INK).with_halo(HALO);
            let at = Vec2::new(x, self.map.y as f32 + 10.0);
            self.in_map(|r| r.text(at, text, &style, Anchor::TopLeft));
        }
    }

    /// The legend in the legend panel: a heading, then one row a entry, symbols in a column and
    /// labels aligned beside them. Without a panel it draws nothing; rows past the panel's bottom
    /// are cut off.
    pub fn legend(&mut self, heading: &str, entries: &[LegendEntry]) {
        let Some(panel) = self.panel else { return };
        let (px0, py0, _, _) = panel.edges();
        let pad = 20.0;
        let mut y = py0 + pad;
        let x = px0 + pad;
        self.raster.set_clip(Some(panel));
        if let Some([_, _, _, y1]) =
            self.raster.text(Vec2::new(x, y), heading, &TextStyle::new(17.0, INK), Anchor::TopLeft)
        {
            y = y1 + 8.0;
            let w = panel.w as f32 - 2.0 * pad;
            self.raster.stroke_polyline(&[Vec2::new(x, y), Vec2::new(x + w, y)], false, &Stroke::solid(1.0, RULE));
            y += 10.0;
        }
        let (sw, sh, row) = (40.0f32, 18.0f32, 28.0f32);
        for e in entries {
            let mid = y + row / 2.0;
            let (l, t, r, b) = (x, mid - sh / 2.0, x + sw, mid + sh / 2.0);
            let c = Vec2::new((l + r) / 2.0, mid);
            let ras = &mut self.raster;
            match &e.swatch {
                Swatch::Area { fill, outline } => {
                    let rect = [Vec2::new(l, t), Vec2::new(r, t), Vec2::new(r, b), Vec2::new(l, b)];
                    if let Some(f) = fill {
                        ras.fill_polygon(&rect, f);
                    }
                    if let Some(s) = outline {
                        ras.stroke_polyline(&rect, true, s);
                    }
                }
                Swatch::Circle { fill, outline } => {
                    let rad = sh / 2.0;
                    if let Some(f) = fill {
                        ras.fill_circle(c, rad, f);
                    }
                    if let Some(s) = outline {
                        ras.stroke_circle(c, rad, s);
                    }
                }
                Swatch::Line(s) => ras.stroke_polyline(&[Vec2::new(l + 2.0, mid), Vec2::new(r - 2.0, mid)], false, s),
                Swatch::Route { stroke, arrow } => {
                    let line = [Vec2::new(l + 1.0, mid), Vec2::new(r - 1.0, mid)];
                    ras.stroke_polyline(&line, false, stroke);
                    let size = (stroke.width_px * 3.0).clamp(7.0, 12.0);
                    ras.arrows_along(&line, sw - 2.0, size, *arrow);
                }
                Swatch::Marker(m) => ras.marker(c, m),
            }
            ras.text(Vec2::new(r + 12.0, mid), &e.label, &TextStyle::new(14.0, INK), Anchor::Left);
            y += row;
        }
        self.raster.set_clip(None);
    }

    /// A north arrow labelled `north_label` (say `"N"` or `"北"`) and a scale bar of a round
    /// length (1, 2 or 5 × 10ⁿ m, the longest that fits), at the bottom of the legend panel, or in
    /// the plan's bottom corners on a light plate when there is no panel.
    pub fn north_arrow_and_scale_bar(&mut self, north_label: &str) {
        let (arrow_top, arrow_cx, bar_x, bar_y, bar_max) = match self.panel {
            Some(p) if p.w >= 140 => {
                let (x0, _, x1, y1) = p.edges();
                let pad = 20.0;
                (y1 - pad - 58.0, x1 - pad - 12.0, x0 + pad, y1 - pad - 24.0, (x1 - x0) - 2.0 * pad - 70.0)
            }
            _ => {
                let (x0, y0, x1, y1) = self.map.edges();
                let plate =
                    [Vec2::new(x0 + 8.0, y1 - 50.0), Vec2::new(x0 + 228.0, y1 - 50.0), Vec2::new(x0 + 228.0, y1 - 8.0)];
                let plate = [plate[0], plate[1], plate[2], Vec2::new(x0 + 8.0, y1 - 8.0)];
                self.raster.fill_polygon(&plate, &Fill::Solid([255, 255, 255, 200]));
                (y0 + 30.0, x1 - 28.0, x0 + 18.0, y1 - 40.0, 180.0)
            }
        };
        self.north_arrow(Vec2::new(arrow_cx, arrow_top), north_label);
        self.scale_bar(Vec2::new(bar_x, bar_y), bar_max);
    }

    /// A split-triangle north arrow whose tip is at `tip` (px), its label above.
    fn north_arrow(&mut self, tip: Vec2, label: &str) {
        let (w, h) = (18.0, 40.0);
        let left = tip + Vec2::new(-w / 2.0, h);
        let right = tip + Vec2::new(w / 2.0, h);
        let notch = tip + Vec2::new(0.0, h * 0.74);
        let r = &mut self.raster;
        r.fill_polygon(&[tip, left, notch], &Fill::Solid(INK));
        r.fill_polygon(&[tip, notch, right], &Fill::Solid(PANEL));
        r.stroke_polyline(&[tip, left, notch, right], true, &Stroke::solid(1.2, INK));
        r.text(tip - Vec2::new(0.0, 5.0), label, &TextStyle::new(15.0, INK), Anchor::Bottom);
    }

    /// A scale bar with its left end at `at` (px), at most `max_px` long.
    fn scale_bar(&mut self, at: Vec2, max_px: f32) {
        let ppm = self.layout.px_per_m;
        let Some(len_m) = round_length(max_px as f64 / ppm) else { return };
        // Whole pixels, so that the 1 px frame and the segment edges stay crisp.
        let at = at.floor();
        let len_px = ((len_m * ppm) as f32).round();
        let (h, parts) = (7.0f32, 4);
        let r = &mut self.raster;
        for i in 0..parts {
            let x0 = at.x + len_px * i as f32 / parts as f32;
            let x1 = at.x + len_px * (i + 1) as f32 / parts as f32;
            let rect = [Vec2::new(x0, at.y), Vec2::new(x1, at.y), Vec2::new(x1, at.y + h), Vec2::new(x0, at.y + h)];
            r.fill_polygon(&rect, &Fill::Solid(if i % 2 == 0 { INK } else { PANEL }));
        }
        let (f0, f1) = (at + Vec2::splat(0.5), at + Vec2::new(len_px, h) - Vec2::splat(0.5));
        let frame = [f0, Vec2::new(f1.x, f0.y), f1, Vec2::new(f0.x, f1.y)];
        r.stroke_polyline(&frame, true, &Stroke::solid(1.0, INK));
        let style = TextStyle::new(12.0, MUTED);
        let below = at.y + h + 4.0;
        r.text(Vec2::new(at.x, below), "0", &style, Anchor::Top);
        r.text(Vec2::new(at.x + len_px / 2.0, below), &fmt_len(len_m / 2.0, len_m), &style, Anchor::Top);
        let end = format!("{} {}", fmt_len(len_m, len_m), if len_m >= 1000.0 { "km" } else { "m" });
        // The unit hangs off the end: the number stays centred on its tick.
        if let Some(num) = r.measure_text(&fmt_len(len_m, len_m), 12.0) {
            r.text(Vec2::new(at.x + len_px - num.width_px / 2.0, below), &end, &style, Anchor::TopLeft);
        }
    }
}

/// The longest 1, 2 or 5 × 10ⁿ not above `max` (`None` for a non-positive or non-finite `max`).
pub(super) fn round_length(max: f64) -> Option<f64> {
    if !(max.is_finite() && max > 0.0) {
        return None;
    }
    let p = 10f64.powf(max.log10().floor());
    [5.0, 2.0, 1.0].into_iter().map(|k| k * p).find(|v| *v <= max * (1.0 + 1e-9))
}

/// `v` metres as written on a scale bar whose full length is `full` metres (km from 1 km up).
fn fmt_len(v: f64, full: f64) -> String {
    let v = if full >= 1000.0 { v / 1000.0 } else { v };
    format!("{}", (v * 1000.0).round() / 1000.0)
}

impl PlanCanvas {
    /// The image as PNG bytes (deterministic).
    pub fn encode_png(&self) -> Result<Vec<u8>, CanvasError> {
        self.raster.encode_png()
    }

    /// Writes the image as a PNG file at `path`.
    pub fn save_png(&self, path: &Path) -> Result<(), CanvasError> {
        self.raster.save_png(path)
    }
}
