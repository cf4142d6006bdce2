//! Text on a [`Raster`]: one line laid out with the font's advances and kerning, anchored, drawn
//! anti-aliased with an optional halo; characters the font lacks become a hollow box.

use ab_glyph::{Font as _, Glyph, GlyphId, PxScale, ScaleFont, point};
use glam::Vec2;

use super::raster::Mask;
use super::{Anchor, Fill, Font, Raster, TextStyle};

/// The size of a line of text, in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextExtent {
    /// Advance width of the whole line.
    pub width_px: f32,
    /// Top of the line box above the baseline (the font's line box scaled to one em).
    pub above_px: f32,
    /// Bottom of the line box below the baseline.
    pub below_px: f32,
    /// Capital height above the baseline.
    pub cap_px: f32,
}

/// A line laid out: the glyphs the font has, and the boxes `(x, width)` standing for those it lacks.
struct Laid {
    glyphs: Vec<Glyph>,
    tofu: Vec<(f32, f32)>,
    width: f32,
}

impl Font {
    fn px_scale(&self, size: f32) -> PxScale {
        PxScale::from(size * self.arc().height_unscaled() / self.units_per_em)
    }

    fn extent(&self, text: &str, size: f32) -> TextExtent {
        let f = self.arc();
        let (asc, desc) = (f.ascent_unscaled(), f.descent_unscaled());
        let h = asc - desc;
        let (above, below) = if h > 0.0 { (size * asc / h, size * -desc / h) } else { (0.8 * size, 0.2 * size) };
        TextExtent {
            width_px: self.layout(text, size, Vec2::ZERO).width,
            above_px: above,
            below_px: below,
            cap_px: size * self.cap_units / self.units_per_em,
        }
    }

    fn layout(&self, text: &str, size: f32, origin: Vec2) -> Laid {
        let scale = self.px_scale(size);
        let scaled = self.arc().as_scaled(scale);
        let mut out = Laid { glyphs: Vec::new(), tofu: Vec::new(), width: 0.0 };
        let mut x = origin.x;
        let mut prev: Option<GlyphId> = None;
        for c in text.chars() {
            if c.is_control() {
                continue;
            }
            let id = self.arc().glyph_id(c);
            if id == GlyphId(0) {
                if c.is_whitespace() {
                    x += 0.25 * size;
                } else {
                    out.tofu.push((x + 0.05 * size, 0.5 * size));
                    x += 0.6 * size;
                }
                prev = None;
                continue;
            }
            if let Some(p) = prev {
                x += scaled.kern(p, id);
            }
            out.glyphs.push(id.with_scale_and_position(scale, point(x, origin.y)));
            x += scaled.h_advance(id);
            prev = Some(id);
        }
        out.width = x - origin.x;
        out
    }
}

/// `mask` grown by a soft disc of radius `r` px (the halo).
fn dilate(mask: &Mask, min: Vec2, max: Vec2, clip: super::PxRect, r: f32) -> Option<Mask> {
    let reach = (r + 0.5).ceil() as i64;
    let mut taps = Vec::new();
    for dy in -reach..=reach {
        for dx in -reach..=reach {
            let w = (r + 0.5 - ((dx * dx + dy * dy) as f32).sqrt()).clamp(0.0, 1.0);
            if w > 0.0 {
                taps.push((dx, dy, w));
            }
        }
    }
    let mut out = Mask::over(clip, min, max)?;
    let (x0, y0, x1, y1) = out.bounds();
    for y in y0..y1 {
        for x in x0..x1 {
            let v = taps.iter().map(|&(dx, dy, w)| mask.get(x + dx, y + dy) * w).fold(0.0f32, f32::max);
            if v > 0.0 {
                out.max_at(x, y, v);
            }
        }
    }
    Some(out)
}

impl Raster {
    /// The size of `text` at `size_px` (em, px); `None` without a font.
    pub fn measure_text(&self, text: &str, size_px: f32) -> Option<TextExtent> {
        let font = self.font()?;
        size_px.is_finite().then(|| font.extent(text, size_px.clamp(1.0, 1024.0)))
    }

    /// Draws one line of `text` with `anchor` at `at` (px), returning its box
    /// `[x0, y0, x1, y1]` in pixels. Draws nothing and returns `None` without a font, for an empty
    /// text, a non-finite position or a line wholly outside the clip. Control characters are skipped; a character the font has no
    /// glyph for is drawn as a hollow box half an em wide (see [`Font::missing_glyphs`]).
    pub fn text(&mut self, at: Vec2, text: &str, style: &TextStyle, anchor: Anchor) -> Option<[f32; 4]> {
        let font = self.font()?.clone();
        if !at.is_finite() || text.is_empty() || !style.size_px.is_finite() {
            return None;
        }
        let size = style.size_px.clamp(1.0, 1024.0);
        let ext = font.extent(text, size);
        let x0 = match anchor {
            Anchor::TopLeft | Anchor::Left | Anchor::BottomLeft => at.x,
            Anchor::Top | Anchor::Center | Anchor::Bottom => at.x - ext.width_px / 2.0,
            Anchor::TopRight | Anchor::Right | Anchor::BottomRight => at.x - ext.width_px,
        };
        let baseline = match anchor {
            Anchor::TopLeft | Anchor::Top | Anchor::TopRight => at.y + ext.above_px,
            Anchor::Left | Anchor::Center | Anchor::Right => at.y + ext.cap_px / 2.0,
            Anchor::BottomLeft | Anchor::Bottom | Anchor::BottomRight => at.y - ext.below_px,
        };
        let laid = font.layout(text, size, Vec2::new(x0, baseline));
        let halo_r = style.halo.map_or(0.0, |_| (size * 0.14).clamp(1.2, 6.0));
        let pad = Vec2::splat(0.3 * size + halo_r + 2.0);
        let min = Vec2::new(x0, baseline - ext.above_px) - pad;
        let max = Vec2::new(x0 + ext.width_px, baseline + ext.below_px) + pad;
        let boxed = [x0, baseline - ext.above_px, x0 + ext.width_px, baseline + ext.below_px];
        let mut mask = Mask::over(self.clip(), min, max)?;
        for g in laid.glyphs {
            if let Some(og) = font.arc().outline_glyph(g) {
                let b = og.px_bounds();
                let (bx, by) = (b.min.x as i64, b.min.y as i64);
                og.draw(|x, y, c| mask.max_at(bx + x as i64, by + y as i64, c));
            }
        }
        for (tx, tw) in laid.tofu {
            let (l, r, t, b) = (tx, tx + tw, baseline - ext.cap_px, baseline);
            let pts = [Vec2::new(l, t), Vec2::new(r, t), Vec2::new(r, b), Vec2::new(l, b), Vec2::new(l, t)];
            mask.polyline(&pts, (size / 14.0).max(1.0), false);
        }
        if let Some(halo) = style.halo
            && let Some(h) = dilate(&mask, min, max, self.clip(), halo_r)
        {
            self.paint(&h, &Fill::Solid(halo));
        }
        self.paint(&mask, &Fill::Solid(style.rgba));
        Some(boxed)
    }
}
