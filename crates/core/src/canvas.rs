//! Headless raster drawing for site plans and report charts: anti-aliased shapes, text with halos,
//! legends, a north arrow and a scale bar, written as deterministic PNG bytes.
//!
//! Two layers:
//! - [`Raster`]: a pixel-space RGBA surface. Points are `glam::Vec2` pixels, x right, y down, the
//!   pixel `(i, j)` covering `[i, i+1) × [j, j+1)`. Charts (the bureau's city reports) draw here with
//!   their own axes.
//! - [`PlanCanvas`]: a top view of the site over a `Raster`. Points are plan points in metres,
//!   `DVec2 { x: east_m, y: z_m }` with the site's z pointing south, so north is up in the image.
//!   It adds a title band, a legend panel, a grid, a north arrow and a scale bar.
//!
//! Every shape becomes one coverage mask first (exact area coverage for polygons, distance-based
//! coverage for strokes and circles) and is then blended once, source-over, so the overlapping
//! parts of one shape (the joins of a polyline, the corners of a dash) never blend twice.
//! Nothing reads a clock, a thread count or a hash order: the same calls give the same bytes.
//!
//! Text needs a [`Font`] from the caller (the core knows no asset path). Without one, text calls
//! draw nothing. Characters the font lacks are drawn as a hollow box ("tofu"), never a panic;
//! [`Font::missing_glyphs`] lists them so a caller can warn.

mod plan;
mod raster;
mod text;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use ab_glyph::{Font as _, FontArc, GlyphId};

pub use plan::{LegendEntry, PlanCanvas, PlanLayout, Swatch};
pub use raster::{PxRect, Raster};
pub use text::TextExtent;

/// A colour: red, green, blue and alpha (0 transparent, 255 opaque), not premultiplied.
pub type Rgba = [u8; 4];

/// The largest side of a canvas, in pixels.
pub const MAX_SIDE_PX: u32 = 16_384;
/// The largest canvas area, in pixels (about 256 MiB of RGBA).
pub const MAX_PIXELS: u64 = 64 * 1024 * 1024;

/// What went wrong making, or writing, a canvas.
#[derive(Debug, thiserror::Error)]
pub enum CanvasError {
    /// The plan bounds hold a non-finite number, or a minimum above its maximum.
    #[error("canvas bounds [min_x, min_z, max_x, max_z] = {0:?} m are not finite, or a min exceeds its max")]
    InvalidBounds([f64; 4]),
    /// The scale is not a positive finite number.
    #[error("canvas scale {0} px/m is not a positive finite number")]
    InvalidScale(f64),
    /// The canvas would be empty or too large.
    #[error(
        "a canvas of {width} x {height} px is empty or too large (at most {MAX_SIDE_PX} px a side, {MAX_PIXELS} px in all)"
    )]
    Size {
        /// Width asked for, in pixels.
        width: u64,
        /// Height asked for, in pixels.
        height: u64,
    },
    /// The font bytes are not an OpenType or TrueType font ab_glyph can read.
    #[error("the canvas font is not a readable OpenType/TrueType font: {0}")]
    Font(String),
    /// PNG encoding failed.
    #[error("encoding the canvas as PNG: {0}")]
    Encode(#[source] image::ImageError),
    /// Writing the PNG file failed.
    #[error("writing the canvas PNG to {}: {source}", path.display())]
    Write {
        /// The file that could not be written.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// A parsed font, cheap to clone (the bytes are shared). Any OpenType font ab_glyph reads: TrueType
/// (`glyf`) or CFF outlines, such as the app's `assets/fonts/NotoSansSC-sitetwin.otf`.
#[derive(Clone, Debug)]
pub struct Font {
    font: FontArc,
    /// Font units per em.
    units_per_em: f32,
    /// Height of a capital `H` above the baseline, in font units (0.7 em when the font has no `H`).
    cap_units: f32,
}

impl Font {
    /// Parses font bytes (the caller reads the file; the core hard-codes no asset path).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, CanvasError> {
        let font = FontArc::try_from_vec(bytes).map_err(|e| CanvasError::Font(e.to_string()))?;
        let units_per_em = font.units_per_em().filter(|u| *u > 0.0).unwrap_or(1000.0);
        let cap_units = Some(font.glyph_id('H'))
            .filter(|id| *id != GlyphId(0))
            .and_then(|id| font.outline(id))
            .map(|o| o.bounds.max.y)
            .filter(|h| *h > 0.0)
            .unwrap_or(0.7 * units_per_em);
        Ok(Font { font, units_per_em, cap_units })
    }

    /// Whether the font has a glyph for `c` (whitespace and control characters count as present:
    /// they draw nothing either way).
    pub fn has_glyph(&self, c: char) -> bool {
        c.is_whitespace() || c.is_control() || self.font.glyph_id(c) != GlyphId(0)
    }

    /// The distinct characters of `text` the font has no glyph for, in order of first appearance.
    /// Drawing them shows a hollow box.
    pub fn missing_glyphs(&self, text: &str) -> Vec<char> {
        let mut out: Vec<char> = Vec::new();
        for c in text.chars() {
            if !self.has_glyph(c) && !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }
}

/// How a line is drawn: width, colour and an optional dash pattern. Lines join round; a solid open
/// line ends round, a dash ends square-cut (butt).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stroke {
    /// Line width in pixels (below 1 px the line is drawn 1 px wide and fainter).
    pub width_px: f32,
    /// Colour.
    pub rgba: Rgba,
    /// `(on_px, off_px)`: dash and gap lengths in pixels, measured along the line; `None` is solid.
    /// On closed lines and circles the pattern is stretched slightly so that whole periods fit.
    pub dash: Option<(f32, f32)>,
}

impl Stroke {
    /// A solid line `width_px` pixels wide.
    pub const fn solid(width_px: f32, rgba: Rgba) -> Self {
        Stroke { width_px, rgba, dash: None }
    }

    /// The same line, dashed: `on_px` drawn, `off_px` left out, repeating.
    pub const fn dashed(self, on_px: f32, off_px: f32) -> Self {
        Stroke { dash: Some((on_px, off_px)), ..self }
    }
}

/// How an area is painted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fill {
    /// One colour (its alpha makes it see-through).
    Solid(Rgba),
    /// Parallel stripes, the rest of the area left as it was. A spacing under 1 px, or any
    /// non-finite number, paints nothing.
    Hatch {
        /// Stripe colour.
        rgba: Rgba,
        /// Distance between stripe centres, in pixels.
        spacing_px: f32,
        /// Stripe width, in pixels.
        width_px: f32,
        /// Stripe direction, degrees counter-clockwise from the image's x axis as seen on screen
        /// (45 rises to the right).
        angle_deg: f32,
    },
}

/// The outline of a [`Marker`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerShape {
    /// A disc.
    Circle,
    /// An axis-aligned square.
    Square,
    /// A square standing on a corner.
    Diamond,
    /// A triangle pointing up.
    Triangle,
}

/// A point symbol of a fixed pixel size (checkpoints, sensors, chart points).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Marker {
    /// Its outline.
    pub shape: MarkerShape,
    /// Radius in pixels (a square's half side is 0.85 of it, so shapes look the same size).
    pub radius_px: f32,
    /// Inside colour.
    pub fill: Rgba,
    /// Outline colour.
    pub outline: Rgba,
    /// Outline width in pixels (0 for none).
    pub outline_px: f32,
}

impl Marker {
    /// A disc with a 1.5 px outline.
    pub const fn circle(radius_px: f32, fill: Rgba, outline: Rgba) -> Self {
        Marker { shape: MarkerShape::Circle, radius_px, fill, outline, outline_px: 1.5 }
    }
}

/// Which point of a text's box sits at the position given. The vertical centre is the middle of
/// the capital height (so digits centre in a marker); the top and bottom are the font's line box
/// scaled to one em.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// Top left corner.
    TopLeft,
    /// Middle of the top edge.
    Top,
    /// Top right corner.
    TopRight,
    /// Middle of the left edge.
    Left,
    /// Centre.
    Center,
    /// Middle of the right edge.
    Right,
    /// Bottom left corner.
    BottomLeft,
    /// Middle of the bottom edge.
    Bottom,
    /// Bottom right corner.
    BottomRight,
}

/// How text is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextStyle {
    /// Em size in pixels (CSS `font-size`). Clamped to 1..=1024.
    pub size_px: f32,
    /// Colour.
    pub rgba: Rgba,
    /// A soft outline of this colour around the letters, 0.14 em wide (1.2 to 6 px), so that labels stay
    /// legible over lines and fills; `None` for none.
    pub halo: Option<Rgba>,
}

impl TextStyle {
    /// Text of `size_px` pixels, no halo.
    pub const fn new(size_px: f32, rgba: Rgba) -> Self {
        TextStyle { size_px, rgba, halo: None }
    }

    /// The same text with a halo.
    pub const fn with_halo(self, halo: Rgba) -> Self {
        TextStyle { halo: Some(halo), ..self }
    }
}

impl Font {
    fn arc(&self) -> &FontArc {
        &self.font
    }
}
