//! The pixel-space drawing surface: coverage masks, anti-aliased polygons, strokes, circles,
//! markers and route arrowheads, source-over blending and PNG output.

use std::io::Cursor;
use std::path::Path;

use ab_glyph_rasterizer::{Rasterizer, point};
use glam::{DVec2, Vec2};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ImageEncoder, RgbaImage};

use super::{CanvasError, Fill, Font, MAX_PIXELS, MAX_SIDE_PX, Marker, MarkerShape, Rgba, Stroke};

/// A rectangle of whole pixels: columns `x..x + w`, rows `y..y + h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PxRect {
    /// Left column.
    pub x: u32,
    /// Top row.
    pub y: u32,
    /// Width in pixels.
    pub w: u32,
    /// Height in pixels.
    pub h: u32,
}

impl PxRect {
    /// Its edges as `f32` pixels: `(x0, y0, x1, y1)`.
    pub fn edges(&self) -> (f32, f32, f32, f32) {
        (self.x as f32, self.y as f32, (self.x + self.w) as f32, (self.y + self.h) as f32)
    }
}

/// An RGBA image to draw on in pixels (x right, y down). Drawing is clipped to the clip rectangle
/// (the whole image unless [`Raster::set_clip`] says otherwise). Non-finite points are dropped,
/// shapes with too few points draw nothing, and nothing here panics on odd input.
#[derive(Clone, Debug)]
pub struct Raster {
    img: RgbaImage,
    font: Option<Font>,
    clip: PxRect,
}

/// Coverage (0..=1) over a rectangle of pixels whose top left pixel is `(x0, y0)`.
pub(super) struct Mask {
    x0: i64,
    y0: i64,
    w: usize,
    h: usize,
    a: Vec<f32>,
}

impl Mask {
    /// A zero mask over the pixels touched by the box `min..max`, cut to `clip`; `None` when empty.
    pub(super) fn over(clip: PxRect, min: Vec2, max: Vec2) -> Option<Mask> {
        if !(min.is_finite() && max.is_finite()) {
            return None;
        }
        let (cx0, cy0, cx1, cy1) = (clip.x as i64, clip.y as i64, (clip.x + clip.w) as i64, (clip.y + clip.h) as i64);
        let x0 = (min.x.floor() as i64).max(cx0);
        let y0 = (min.y.floor() as i64).max(cy0);
        let x1 = (max.x.ceil() as i64).min(cx1);
        let y1 = (max.y.ceil() as i64).min(cy1);
        if x1 <= x0 || y1 <= y0 {
            return None;
        }
        let (w, h) = ((x1 - x0) as usize, (y1 - y0) as usize);
        Some(Mask { x0, y0, w, h, a: vec![0.0; w * h] })
    }

    fn idx(&self, x: i64, y: i64) -> Option<usize> {
        let (lx, ly) = (x - self.x0, y - self.y0);
        (lx >= 0 && ly >= 0 && (lx as usize) < self.w && (ly as usize) < self.h)
            .then(|| ly as usize * self.w + lx as usize)
    }

    /// Its pixels: `(x0, y0, x1, y1)`, exclusive.
    pub(super) fn bounds(&self) -> (i64, i64, i64, i64) {
        (self.x0, self.y0, self.x0 + self.w as i64, self.y0 + self.h as i64)
    }

    pub(super) fn get(&self, x: i64, y: i64) -> f32 {
        self.idx(x, y).map_or(0.0, |i| self.a[i])
    }

    /// Raises the coverage at pixel `(x, y)` to `v` (union of shapes without double blending).
    pub(super) fn max_at(&mut self, x: i64, y: i64, v: f32) {
        if let Some(i) = self.idx(x, y)
            && v > self.a[i]
        {
            self.a[i] = v.min(1.0);
        }
    }

    /// The pixel range of this mask that a box `min..max` touches: `(x0, y0, x1, y1)`, exclusive.
    fn span(&self, min: Vec2, max: Vec2) -> (i64, i64, i64, i64) {
        let x0 = (min.x.floor() as i64).max(self.x0);
        let y0 = (min.y.floor() as i64).max(self.y0);
        let x1 = (max.x.ceil() as i64).min(self.x0 + self.w as i64);
        let y1 = (max.y.ceil() as i64).min(self.y0 + self.h as i64);
        (x0, y0, x1, y1)
    }

    /// Adds a line segment from `a` to `b`, `width` px wide; each end is round unless its `butt`
    /// flag says square-cut there.
    pub(super) fn segment(&mut self, a: Vec2, b: Vec2, width: f32, butt_a: bool, butt_b: bool) {
        let hw = width.max(1.0) / 2.0;
        let faint = width.clamp(0.0, 1.0);
        let pad = Vec2::splat(hw + 1.0);
        // Cut the segment to the mask first (in f64), so that far-off points keep their direction
        // and lengths stay finite; a cut end lies outside the mask, where its cap does not show.
        let m = (hw + 2.0) as f64;
        let lo = DVec2::new(self.x0 as f64 - m, self.y0 as f64 - m);
        let hi = DVec2::new((self.x0 + self.w as i64) as f64 + m, (self.y0 + self.h as i64) as f64 + m);
        let Some((a, b)) = clip_segment(a, b, lo, hi) else { return };
        let (x0, y0, x1, y1) = self.span(a.min(b) - pad, a.max(b) + pad);
        let d = b - a;
        let len = d.length();
        let u = if len > 1e-6 { d / len } else { Vec2::X };
        let across = |dist: f32| (hw + 0.5 - dist).clamp(0.0, 1.0);
        for y in y0..y1 {
            for x in x0..x1 {
                let p = Vec2::new(x as f32 + 0.5, y as f32 + 0.5);
                let ap = p - a;
                let s = ap.dot(u);
                let perp = ap.perp_dot(u).abs();
                let mut c = if s < 0.0 && !butt_a {
                    across(ap.length())
                } else if s > len && !butt_b {
                    across((p - b).length())
                } else {
                    across(perp)
                };
                if butt_a {
                    c *= (s + 0.5).clamp(0.0, 1.0);
                }
                if butt_b {
                    c *= (len - s + 0.5).clamp(0.0, 1.0);
                }
                if c > 0.0 {
                    self.max_at(x, y, c * faint);
                }
            }
        }
    }

    /// Adds the polyline `pts` as a whole (round joins), with butt or round ends.
    pub(super) fn polyline(&mut self, pts: &[Vec2], width: f32, butt: bool) {
        let n = pts.len();
        if n == 1 {
            self.segment(pts[0], pts[0], width, false, false);
        }
        for (i, w) in pts.windows(2).enumerate() {
            self.segment(w[0], w[1], width, butt && i == 0, butt && i + 2 == n);
        }
    }
}

/// Whether `p` is on the inner side of edge `edge` (left, right, top, bottom) of the box `lo..hi`.
fn inside_edge(edge: u8, p: DVec2, lo: DVec2, hi: DVec2) -> bool {
    match edge {
        0 => p.x >= lo.x,
        1 => p.x <= hi.x,
        2 => p.y >= lo.y,
        _ => p.y <= hi.y,
    }
}

/// Where `a`–`b` crosses edge `edge` of the box `lo..hi`. The crossed coordinate is set to the
/// edge exactly: interpolating it would lose it for points 10³⁰ px away.
fn cut_edge(edge: u8, a: DVec2, b: DVec2, lo: DVec2, hi: DVec2) -> DVec2 {
    let d = b - a;
    match edge {
        0 => DVec2::new(lo.x, a.y + d.y * ((lo.x - a.x) / d.x)),
        1 => DVec2::new(hi.x, a.y + d.y * ((hi.x - a.x) / d.x)),
        2 => DVec2::new(a.x + d.x * ((lo.y - a.y) / d.y), lo.y),
        _ => DVec2::new(a.x + d.x * ((hi.y - a.y) / d.y), hi.y),
    }
}

/// The part of segment `a`–`b` inside the box `lo..hi`, cut in f64.
fn clip_segment(a: Vec2, b: Vec2, lo: DVec2, hi: DVec2) -> Option<(Vec2, Vec2)> {
    let (mut a, mut b) = (a.as_dvec2(), b.as_dvec2());
    for edge in 0..4 {
        match (inside_edge(edge, a, lo, hi), inside_edge(edge, b, lo, hi)) {
            (true, true) => {}
            (false, false) => return None,
            (true, false) => b = cut_edge(edge, a, b, lo, hi),
            (false, true) => a = cut_edge(edge, a, b, lo, hi),
        }
    }
    Some((a.as_vec2(), b.as_vec2()))
}

/// The finite points of `pts`, with runs of (nearly) equal points kept once.
pub(super) fn clean(pts: &[Vec2]) -> Vec<Vec2> {
    let mut out: Vec<Vec2> = Vec::with_capacity(pts.len());
    for &p in pts {
        if p.is_finite() && out.last().is_none_or(|q| q.distance_squared(p) > 1e-8) {
            out.push(p);
        }
    }
    out
}

fn bbox(pts: impl IntoIterator<Item = Vec2>) -> (Vec2, Vec2) {
    pts.into_iter().fold((Vec2::INFINITY, Vec2::NEG_INFINITY), |(lo, hi), p| (lo.min(p), hi.max(p)))
}

fn signed_area(ring: &[Vec2]) -> f32 {
    let n = ring.len();
    (0..n).map(|i| ring[i].perp_dot(ring[(i + 1) % n])).sum::<f32>() / 2.0
}

/// Sutherland–Hodgman clipping of a ring to the box `lo..hi`, in f64 so that far-off points
/// neither overflow nor lose their direction (concave rings come out with zero-width slivers
/// along the box, which fill nothing).
fn clip_ring(ring: &[Vec2], lo: Vec2, hi: Vec2) -> Vec<Vec2> {
    let (lo, hi) = (lo.as_dvec2(), hi.as_dvec2());
    let mut pts: Vec<DVec2> = ring.iter().map(|p| p.as_dvec2()).collect();
    for edge in 0..4 {
        if pts.is_empty() {
            break;
        }
        let mut out = Vec::with_capacity(pts.len() + 4);
        for i in 0..pts.len() {
            let (a, b) = (pts[i], pts[(i + 1) % pts.len()]);
            match (inside_edge(edge, a, lo, hi), inside_edge(edge, b, lo, hi)) {
                (true, true) => out.push(b),
                (true, false) => out.push(cut_edge(edge, a, b, lo, hi)),
                (false, true) => {
                    out.push(cut_edge(edge, a, b, lo, hi));
                    out.push(b);
                }
                (false, false) => {}
            }
        }
        pts = out;
    }
    pts.into_iter().map(|p| p.as_vec2()).collect()
}

/// Splits `path` into dashes `on` long with gaps `off` long; `None` when the pattern is unusable
/// or would give an absurd number of dashes (the caller then draws the line solid).
fn dashes(path: &[Vec2], on: f32, off: f32, closed: bool) -> Option<Vec<Vec<Vec2>>> {
    if !(on.is_finite() && off.is_finite() && on > 0.0 && off > 0.0) {
        return None;
    }
    let total: f32 = path.windows(2).map(|w| w[0].distance(w[1])).sum();
    let mut period = on + off;
    if total / period > 200_000.0 {
        return None;
    }
    let mut on = on;
    if closed && total > 0.0 {
        let k = (total / period).round().max(1.0);
        let stretch = total / (k * period);
        (on, period) = (on * stretch, period * stretch);
    }
    let mut out = Vec::new();
    let mut cur = vec![path[0]];
    let (mut phase, mut drawing) = (0.0f32, true);
    for w in path.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = a.distance(b);
        let mut t = 0.0f32;
        loop {
            let left_in_phase = if drawing { on - phase } else { period - phase };
            if left_in_phase >= len - t {
                phase += len - t;
                if drawing {
                    cur.push(b);
                }
                break;
            }
            t += left_in_phase;
            let p = a + (b - a) * (t / len);
            if drawing {
                cur.push(p);
                out.push(std::mem::take(&mut cur));
                phase = on;
            } else {
                cur = vec![p];
                phase = 0.0;
            }
            drawing = !drawing;
        }
    }
    if drawing && cur.len() >= 2 {
        out.push(cur);
    }
    Some(out.into_iter().map(|d| clean(&d)).filter(|d| d.len() >= 2).collect())
}

/// Source-over blending of `rgba` at coverage `cov` onto `dst`.
fn blend(dst: &mut image::Rgba<u8>, rgba: Rgba, cov: f32) {
    let sa = rgba[3] as f32 / 255.0 * cov.clamp(0.0, 1.0);
    if sa <= 0.0 {
        return;
    }
    let da = dst[3] as f32 / 255.0;
    let oa = sa + da * (1.0 - sa);
    for c in 0..3 {
        let v = (rgba[c] as f32 * sa + dst[c] as f32 * da * (1.0 - sa)) / oa;
        dst[c] = (v + 0.5).clamp(0.0, 255.0) as u8;
    }
    dst[3] = (oa * 255.0 + 0.5).clamp(0.0, 255.0) as u8;
}

/// How much of pixel centre `p` a hatch's stripes cover.
fn hatch_cover(p: Vec2, spacing: f32, width: f32, angle_deg: f32) -> f32 {
    let (s, c) = angle_deg.to_radians().sin_cos();
    // The stripes run along (cos, -sin) on screen (y down), so their normal is (sin, cos).
    let t = p.x * s + p.y * c;
    let d = (t - spacing * (t / spacing).round()).abs();
    ((width.max(1.0) / 2.0 + 0.5 - d).clamp(0.0, 1.0)) * width.clamp(0.0, 1.0)
}

impl Raster {
    /// A `width` x `height` px image filled with `background`, drawing text with `font` (`None`:
    /// text calls draw nothing).
    pub fn new(width: u32, height: u32, background: Rgba, font: Option<Font>) -> Result<Self, CanvasError> {
        if width == 0
            || height == 0
            || width > MAX_SIDE_PX
            || height > MAX_SIDE_PX
            || width as u64 * height as u64 > MAX_PIXELS
        {
            return Err(CanvasError::Size { width: width as u64, height: height as u64 });
        }
        let img = RgbaImage::from_pixel(width, height, image::Rgba(background));
        Ok(Raster { img, font, clip: PxRect { x: 0, y: 0, w: width, h: height } })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.img.width()
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.img.height()
    }

    /// The image drawn so far.
    pub fn image(&self) -> &RgbaImage {
        &self.img
    }

    /// The font text is drawn with, if any.
    pub fn font(&self) -> Option<&Font> {
        self.font.as_ref()
    }

    /// The rectangle drawing is clipped to.
    pub fn clip(&self) -> PxRect {
        self.clip
    }

    /// Clips later drawing to `rect` (cut to the image); `None` for the whole image.
    pub fn set_clip(&mut self, rect: Option<PxRect>) {
        let (w, h) = (self.width(), self.height());
        self.clip = match rect {
            None => PxRect { x: 0, y: 0, w, h },
            Some(r) => {
                let x = r.x.min(w);
                let y = r.y.min(h);
                PxRect { x, y, w: r.w.min(w - x), h: r.h.min(h - y) }
            }
        };
    }

    /// Blends `fill` through `mask` (clipped).
    pub(super) fn paint(&mut self, mask: &Mask, fill: &Fill) {
        let c = self.clip;
        let (cx0, cy0, cx1, cy1) = (c.x as i64, c.y as i64, (c.x + c.w) as i64, (c.y + c.h) as i64);
        let rgba = match *fill {
            Fill::Solid(rgba) | Fill::Hatch { rgba, .. } => rgba,
        };
        if rgba[3] == 0 {
            return;
        }
        for ly in 0..mask.h {
            let y = mask.y0 + ly as i64;
            if y < cy0 || y >= cy1 {
                continue;
            }
            for lx in 0..mask.w {
                let x = mask.x0 + lx as i64;
                let mut cov = mask.a[ly * mask.w + lx];
                if x < cx0 || x >= cx1 || cov <= 0.0 {
                    continue;
                }
                if let Fill::Hatch { spacing_px, width_px, angle_deg, .. } = *fill {
                    if !(spacing_px.is_finite() && spacing_px >= 1.0 && width_px.is_finite() && angle_deg.is_finite()) {
                        continue;
                    }
                    cov *= hatch_cover(Vec2::new(x as f32 + 0.5, y as f32 + 0.5), spacing_px, width_px, angle_deg);
                }
                blend(self.img.get_pixel_mut(x as u32, y as u32), rgba, cov);
            }
        }
    }

    /// The exact-area coverage of `rings` under nonzero winding. With `holes`, the first ring is
    /// the outline and the rest are holes, turned against it whichever way they were given;
    /// without, every ring is turned the same way, so that they fill as a union.
    fn rings_mask(&self, rings: &[&[Vec2]], holes: bool) -> Option<Mask> {
        let (cx0, cy0, cx1, cy1) = self.clip.edges();
        let (lo, hi) = (Vec2::new(cx0 - 1.0, cy0 - 1.0), Vec2::new(cx1 + 1.0, cy1 + 1.0));
        let mut clipped: Vec<Vec<Vec2>> = Vec::new();
        let mut outer_sign = 0.0f32;
        for (i, ring) in rings.iter().enumerate() {
            let pts = clean(ring);
            if pts.len() < 3 {
                if i == 0 && holes {
                    return None;
                }
                continue;
            }
            let sign = signed_area(&pts).signum();
            let mut pts = clip_ring(&pts, lo, hi);
            if pts.len() < 3 {
                continue;
            }
            if i == 0 {
                outer_sign = sign;
            } else if (sign == outer_sign) == holes {
                pts.reverse();
            }
            clipped.push(pts);
        }
        let (min, max) = bbox(clipped.iter().flatten().copied());
        let mut mask = Mask::over(self.clip, min, max)?;
        // The rasterizer's grid starts at whole pixel `origin` and is wide enough that no edge
        // point falls outside it (its accumulation would wrap into the next row).
        let origin = (min.x.floor() as i64, min.y.floor() as i64);
        let gw = (max.x.ceil() as i64 - origin.0 + 2) as usize;
        let gh = (max.y.ceil() as i64 - origin.1 + 1) as usize;
        let mut r = Rasterizer::new(gw, gh);
        let off = Vec2::new(origin.0 as f32, origin.1 as f32);
        for ring in &clipped {
            for i in 0..ring.len() {
                let (a, b) = (ring[i] - off, ring[(i + 1) % ring.len()] - off);
                r.draw_line(point(a.x, a.y), point(b.x, b.y));
            }
        }
        r.for_each_pixel_2d(|x, y, a| {
            if a > 1e-4 {
                mask.max_at(origin.0 + x as i64, origin.1 + y as i64, a.min(1.0));
            }
        });
        Some(mask)
    }

    /// Fills the polygon `pts` (px), closed implicitly, anti-aliased; concave is fine, a
    /// self-crossing one fills by nonzero winding. Fewer than 3 points draw nothing.
    pub fn fill_polygon(&mut self, pts: &[Vec2], fill: &Fill) {
        self.fill_polygon_with_holes(pts, &[], fill);
    }

    /// Fills the polygon `outer` minus the polygons `holes` (px), whichever way each winds.
    pub fn fill_polygon_with_holes(&mut self, outer: &[Vec2], holes: &[&[Vec2]], fill: &Fill) {
        let mut rings = vec![outer];
        rings.extend_from_slice(holes);
        if let Some(mask) = self.rings_mask(&rings, true) {
            self.paint(&mask, fill);
        }
    }

    /// Strokes the polyline `pts` (px); `closed` joins the last point back to the first. One point
    /// draws a dot `stroke.width_px` across; no finite point draws nothing.
    pub fn stroke_polyline(&mut self, pts: &[Vec2], closed: bool, stroke: &Stroke) {
        let mut path = clean(pts);
        if path.is_empty() || !(stroke.width_px.is_finite() && stroke.width_px > 0.0) {
            return;
        }
        if closed && path.len() > 2 {
            path.push(path[0]);
        }
        self.stroke_path(&path, closed, stroke);
    }

    fn stroke_path(&mut self, path: &[Vec2], closed: bool, stroke: &Stroke) {
        let pieces = match stroke.dash {
            Some((on, off)) if path.len() >= 2 => dashes(path, on, off, closed),
            _ => None,
        };
        let (min, max) = bbox(path.iter().copied());
        let pad = Vec2::splat(stroke.width_px.max(1.0) / 2.0 + 1.0);
        let Some(mut mask) = Mask::over(self.clip, min - pad, max + pad) else { return };
        match pieces {
            Some(pieces) => pieces.iter().for_each(|d| mask.polyline(d, stroke.width_px, true)),
            None => mask.polyline(path, stroke.width_px, false),
        }
        self.paint(&mask, &Fill::Solid(stroke.rgba));
    }

    fn disc_mask(&self, c: Vec2, r: f32) -> Option<Mask> {
        if !(c.is_finite() && r.is_finite() && r > 0.0) {
            return None;
        }
        let pad = Vec2::splat(r + 1.0);
        let mut mask = Mask::over(self.clip, c - pad, c + pad)?;
        let (x0, y0, x1, y1) = mask.span(c - pad, c + pad);
        let small = (2.0 * r).min(1.0);
        for y in y0..y1 {
            for x in x0..x1 {
                let d = Vec2::new(x as f32 + 0.5, y as f32 + 0.5).distance(c);
                let v = (r + 0.5 - d).clamp(0.0, 1.0) * small;
                if v > 0.0 {
                    mask.max_at(x, y, v);
                }
            }
        }
        Some(mask)
    }

    /// Fills the disc of radius `r_px` around `c` (px).
    pub fn fill_circle(&mut self, c: Vec2, r_px: f32, fill: &Fill) {
        if let Some(mask) = self.disc_mask(c, r_px) {
            self.paint(&mask, fill);
        }
    }

    /// Strokes the circle of radius `r_px` around `c` (px), centred on the radius.
    pub fn stroke_circle(&mut self, c: Vec2, r_px: f32, stroke: &Stroke) {
        if !(c.is_finite() && r_px.is_finite() && r_px > 0.0 && stroke.width_px.is_finite() && stroke.width_px > 0.0) {
            return;
        }
        if stroke.dash.is_some() {
            // Chords of about 2 px: the sagitta stays under 0.1 px from a radius of 5 px up.
            let n = ((std::f32::consts::TAU * r_px / 2.0).ceil() as usize).clamp(24, 8192);
            let mut ring: Vec<Vec2> = (0..n)
                .map(|i| {
                    // Start at the top and run clockwise on screen, so dashes sit the same way on
                    // every circle.
                    let a = std::f32::consts::TAU * i as f32 / n as f32;
                    c + Vec2::new(a.sin(), -a.cos()) * r_px
                })
                .collect();
            ring.push(ring[0]);
            self.stroke_path(&ring, true, stroke);
            return;
        }
        let hw = stroke.width_px.max(1.0) / 2.0;
        let faint = stroke.width_px.min(1.0);
        let pad = Vec2::splat(r_px + hw + 1.0);
        let Some(mut mask) = Mask::over(self.clip, c - pad, c + pad) else { return };
        let (x0, y0, x1, y1) = mask.span(c - pad, c + pad);
        for y in y0..y1 {
            for x in x0..x1 {
                let d = Vec2::new(x as f32 + 0.5, y as f32 + 0.5).distance(c);
                let v = (hw + 0.5 - (d - r_px).abs()).clamp(0.0, 1.0) * faint;
                if v > 0.0 {
                    mask.max_at(x, y, v);
                }
            }
        }
        self.paint(&mask, &Fill::Solid(stroke.rgba));
    }

    /// Draws `marker` centred on `at` (px).
    pub fn marker(&mut self, at: Vec2, marker: &Marker) {
        let r = marker.radius_px;
        if !(at.is_finite() && r.is_finite() && r > 0.0) {
            return;
        }
        let ow = if marker.outline_px.is_finite() { marker.outline_px.max(0.0) } else { 0.0 };
        let poly: Vec<Vec2> = match marker.shape {
            MarkerShape::Circle => {
                self.fill_circle(at, r, &Fill::Solid(marker.fill));
                if ow > 0.0 {
                    self.stroke_circle(at, (r - ow / 2.0).max(0.5), &Stroke::solid(ow, marker.outline));
                }
                return;
            }
            MarkerShape::Square => {
                let h = 0.85 * r;
                vec![Vec2::new(-h, -h), Vec2::new(h, -h), Vec2::new(h, h), Vec2::new(-h, h)]
            }
            MarkerShape::Diamond => vec![Vec2::new(0.0, -r), Vec2::new(r, 0.0), Vec2::new(0.0, r), Vec2::new(-r, 0.0)],
            MarkerShape::Triangle => {
                let (s, c) = (1.15 * r * 0.866_025_4, 1.15 * r * 0.5);
                vec![Vec2::new(0.0, -1.15 * r), Vec2::new(s, c), Vec2::new(-s, c)]
            }
        };
        let poly: Vec<Vec2> = poly.into_iter().map(|p| p + at).collect();
        self.fill_polygon(&poly, &Fill::Solid(marker.fill));
        if ow > 0.0 {
            self.stroke_polyline(&poly, true, &Stroke::solid(ow, marker.outline));
        }
    }

    /// Arrowheads (notched darts) pointing along the polyline `pts` (px), one every `every_px` of
    /// its length starting half a step in, each `size_px` long; drawn as one shape, so that
    /// overlapping heads on a tight corner do not blend twice.
    pub fn arrows_along(&mut self, pts: &[Vec2], every_px: f32, size_px: f32, rgba: Rgba) {
        let path = clean(pts);
        if path.len() < 2 || !(every_px.is_finite() && every_px >= 1.0 && size_px.is_finite() && size_px > 0.0) {
            return;
        }
        let cum: Vec<f32> = std::iter::once(0.0)
            .chain(path.windows(2).scan(0.0f32, |acc, w| {
                *acc += w[0].distance(w[1]);
                Some(*acc)
            }))
            .collect();
        let total = cum.last().copied().unwrap_or(0.0);
        let at = |d: f32| -> Vec2 {
            let d = d.clamp(0.0, total);
            let i = cum.partition_point(|c| *c <= d).clamp(1, path.len() - 1);
            let (a, b, s) = (path[i - 1], path[i], cum[i] - cum[i - 1]);
            if s > 0.0 { a + (b - a) * ((d - cum[i - 1]) / s) } else { a }
        };
        let count = (total / every_px).floor() as usize;
        if count == 0 || count > 100_000 {
            return;
        }
        let mut darts: Vec<[Vec2; 4]> = Vec::with_capacity(count);
        for k in 0..count {
            let d = every_px * (k as f32 + 0.5);
            // The direction of the chord across the head, so that it sits well on corners.
            let u = (at(d + size_px / 2.0) - at(d - size_px / 2.0)).normalize_or_zero();
            if u == Vec2::ZERO {
                continue;
            }
            let (p, n, half) = (at(d), u.perp(), size_px / 2.0);
            let back = p - u * half;
            darts.push([p + u * half, back + n * half * 0.8, back + u * size_px * 0.25, back - n * half * 0.8]);
        }
        let rings: Vec<&[Vec2]> = darts.iter().map(|d| &d[..]).collect();
        if let Some(mask) = self.rings_mask(&rings, false) {
            self.paint(&mask, &Fill::Solid(rgba));
        }
    }

    /// The image as PNG bytes (RGBA, 8 bits a channel, no metadata: the same image gives the same
    /// bytes).
    pub fn encode_png(&self) -> Result<Vec<u8>, CanvasError> {
        let mut out = Cursor::new(Vec::new());
        PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Adaptive)
            .write_image(self.img.as_raw(), self.width(), self.height(), image::ExtendedColorType::Rgba8)
            .map_err(CanvasError::Encode)?;
        Ok(out.into_inner())
    }

    /// Writes the image as a PNG file at `path`.
    pub fn save_png(&self, path: &Path) -> Result<(), CanvasError> {
        let bytes = self.encode_png()?;
        std::fs::write(path, bytes).map_err(|source| CanvasError::Write { path: path.to_path_buf(), source })
    }
}
