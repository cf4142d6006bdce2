//! Hazard zones a patrol keeps out of or pays to cross, from the scene and the site's live state:
//! the fall zone under a crane's lifted load (closed while the load is up), the band along a
//! pit's top edge (costly: walked only to look in), and the fall zone around formwork being poured
//! (closed during the pour).

use glam::DVec2;
use serde::Serialize;

use super::grid::{CostField, WalkGrid};
use super::live::LiveSite;
use crate::geom;
use crate::i18n::Bilingual;
use crate::rules::zones::fall_radius_m;
use crate::scene::SiteScene;

/// What made the zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ZoneKind {
    /// Under a crane's lifted load.
    LiftingZone,
    /// Along a foundation pit's top edge.
    PitEdge,
    /// Around formwork being poured.
    FormworkPour,
}

impl ZoneKind {
    /// The name on the map and in the report, Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            ZoneKind::LiftingZone => "吊装作业区",
            ZoneKind::PitEdge => "基坑临边",
            ZoneKind::FormworkPour => "浇筑作业区",
        }
    }

    /// In English.
    pub fn en(self) -> &'static str {
        match self {
            ZoneKind::LiftingZone => "lifting zone",
            ZoneKind::PitEdge => "pit edge band",
            ZoneKind::FormworkPour => "pour zone",
        }
    }
}

/// How a route treats the zone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum ZoneRule {
    /// No walking inside.
    Closed,
    /// Walking inside costs this many times its length.
    Costly(f32),
}

/// The zone's plan shape, site frame, metres.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ZoneShape {
    /// A disc.
    Circle {
        /// Centre `[x, z]`.
        centre_m: [f64; 2],
        /// Radius.
        radius_m: f64,
    },
    /// The band outside a polygon, up to `width_m` from its edge.
    Band {
        /// The polygon `[x, z]`.
        outline_m: Vec<[f64; 2]>,
        /// Width.
        width_m: f64,
    },
    /// A polygon.
    Area {
        /// The polygon `[x, z]`.
        outline_m: Vec<[f64; 2]>,
    },
}

fn pts(p: &[[f64; 2]]) -> Vec<DVec2> {
    p.iter().map(|&[x, z]| DVec2::new(x, z)).collect()
}

fn arr(p: &[DVec2]) -> Vec<[f64; 2]> {
    p.iter().map(|q| [q.x, q.y]).collect()
}

impl ZoneShape {
    /// Whether plan point `p` is inside.
    pub fn contains(&self, p: DVec2) -> bool {
        self.contains_with(p, &self.ring())
    }

    /// The outline as plan points (empty for a circle).
    fn ring(&self) -> Vec<DVec2> {
        match self {
            ZoneShape::Circle { .. } => Vec::new(),
            ZoneShape::Band { outline_m, .. } | ZoneShape::Area { outline_m } => pts(outline_m),
        }
    }

    /// [`ZoneShape::contains`] with the outline already converted.
    fn contains_with(&self, p: DVec2, ring: &[DVec2]) -> bool {
        match self {
            ZoneShape::Circle { centre_m: [x, z], radius_m } => p.distance(DVec2::new(*x, *z)) <= *radius_m,
            ZoneShape::Band { width_m, .. } => {
                !geom::point_in_polygon(p, ring) && geom::distance_to_ring(p, ring) <= *width_m
            }
            ZoneShape::Area { .. } => geom::point_in_polygon(p, ring),
        }
    }

    /// The plan bounding box, lower and upper corners.
    pub fn bounds(&self) -> (DVec2, DVec2) {
        let grow = |ring: &[[f64; 2]], by: f64| {
            let mut lo = DVec2::splat(f64::INFINITY);
            let mut hi = DVec2::splat(f64::NEG_INFINITY);
            for &[x, z] in ring {
                lo = lo.min(DVec2::new(x, z));
                hi = hi.max(DVec2::new(x, z));
            }
            (lo - DVec2::splat(by), hi + DVec2::splat(by))
        };
        match self {
            ZoneShape::Circle { centre_m: [x, z], radius_m } => {
                let c = DVec2::new(*x, *z);
                (c - DVec2::splat(*radius_m), c + DVec2::splat(*radius_m))
            }
            ZoneShape::Band { outline_m, width_m } => grow(outline_m, *width_m),
            ZoneShape::Area { outline_m } => grow(outline_m, 0.0),
        }
    }
}

/// One hazard zone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HazardZone {
    /// Stable id (`lift:TC1`, `pit-edge:PIT1`, `pour:HF1`).
    pub id: String,
    /// What made it.
    pub kind: ZoneKind,
    /// The object it belongs to.
    pub object: String,
    /// Where.
    pub shape: ZoneShape,
    /// How routes treat it.
    pub rule: ZoneRule,
    /// Why it is there now, in words.
    pub reason: Bilingual,
}

/// The zones' sizes and costs: sitetwin's defaults, not from a standard [R].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ZoneRules {
    /// Width of the pit-edge band walked only to look in, m [R] (the no-load band is
    /// `rules::zones::PIT_EDGE_BAND_M`; a walker keeps a little more).
    pub pit_edge_band_m: f64,
    /// The cost multiplier inside the pit-edge band [R].
    pub pit_edge_cost: f32,
    /// A crane load above this, % of rated, is a lifted load [R] (the stopped-site checks'
    /// `unloaded_pct`).
    pub loaded_pct: f64,
}

impl Default for ZoneRules {
    fn default() -> Self {
        ZoneRules { pit_edge_band_m: 2.0, pit_edge_cost: 4.0, loaded_pct: 5.0 }
    }
}

/// The zones in force at the site's state `live`.
pub fn zones(scene: &SiteScene, live: &LiveSite, rules: &ZoneRules) -> Vec<HazardZone> {
    let mut out = Vec::new();
    for c in &scene.cranes {
        let Some(now) = live.crane(&c.id) else { continue };
        let (Some(hook), Some(load)) = (now.hook_m, now.load_pct) else { continue };
        if load <= rules.loaded_pct {
            continue;
        }
        let height = now.hook_height_m.unwrap_or(c.mast_height_m);
        let r = fall_radius_m(height);
        out.push(HazardZone {
            id: format!("lift:{}", c.id),
            kind: ZoneKind::LiftingZone,
            object: c.id.clone(),
            shape: ZoneShape::Circle { centre_m: hook, radius_m: r },
            rule: ZoneRule::Closed,
            reason: Bilingual::new(
                format!("吊物离地 {height:.1} m，载荷为额定起重量的 {load:.0} %：坠落半径 {r} m"),
                format!("load {load:.0} % of rated up at {height:.1} m: fall radius {r} m"),
            ),
        });
    }
    for p in &scene.pits {
        if p.outline_m.len() >= 3 {
            out.push(HazardZone {
                id: format!("pit-edge:{}", p.id),
                kind: ZoneKind::PitEdge,
                object: p.id.clone(),
                shape: ZoneShape::Band { outline_m: arr(&p.outline_m), width_m: rules.pit_edge_band_m },
                rule: ZoneRule::Costly(rules.pit_edge_cost),
                reason: Bilingual::new(
                    format!("基坑深 {} m：坑边 {} m 范围内", p.depth_m, rules.pit_edge_band_m),
                    format!("{} m deep pit: within {} m of its edge", p.depth_m, rules.pit_edge_band_m),
                ),
            });
        }
    }
    let formwork = scene.formwork.iter().map(|f| (&f.id, &f.outline_m, f.base_elevation_m + f.support_height_m));
    let supports =
        scene.full_hall_supports.iter().map(|f| (&f.id, &f.outline_m, f.base_elevation_m + f.support_height_m));
    for (id, outline, top_m) in formwork.chain(supports) {
        if outline.len() < 3 || !live.pours.iter().any(|p| p == id) {
            continue;
        }
        let r = fall_radius_m(top_m);
        out.push(HazardZone {
            id: format!("pour:{id}"),
            kind: ZoneKind::FormworkPour,
            object: id.clone(),
            shape: ZoneShape::Area { outline_m: arr(&geom::offset_outward(outline, r)) },
            rule: ZoneRule::Closed,
            reason: Bilingual::new(
                format!("{top_m:.1} m 高处正在浇筑混凝土：支撑体系周边坠落半径 {r} m"),
                format!("concrete being poured {top_m:.1} m up: fall radius {r} m around the support"),
            ),
        });
    }
    out
}

/// The walking cost of every cell of `grid` under `zones`: closed zones shut their cells, costly
/// ones multiply (the dearest wins where they overlap). Each zone visits only the cells of its
/// bounding box, so a site's few zones cost a few thousand point tests, not the whole grid's.
pub fn cost_field(grid: &WalkGrid, zones: &[HazardZone]) -> CostField {
    let mut f = CostField::plain(grid);
    for c in 0..grid.len() {
        if !grid.walkable(c) {
            f.0[c] = f32::INFINITY;
        }
    }
    for z in zones {
        let (lo, hi) = z.shape.bounds();
        let (cols, rows) = grid.cells_in_box(lo, hi);
        let ring = z.shape.ring();
        for r in rows {
            for col in cols.clone() {
                let c = r * grid.cols + col;
                if !f.0[c].is_finite() || !z.shape.contains_with(grid.centre(c), &ring) {
                    continue;
                }
                f.0[c] = match z.rule {
                    ZoneRule::Closed => f32::INFINITY,
                    ZoneRule::Costly(k) => f.0[c].max(k),
                };
            }
        }
    }
    f
}

/// The zones whose inside the plan point is in.
pub fn zones_at(zones: &[HazardZone], p: DVec2) -> impl Iterator<Item = &HazardZone> {
    zones.iter().filter(move |z| z.shape.contains(p))
}
