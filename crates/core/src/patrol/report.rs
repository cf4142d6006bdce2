//! What a patrol writes: the JSON report (plan, walk, findings, score; no wall-clock value, so two
//! runs write identical bytes), the JGJ 59 sheet the findings fill (in the `rules jgj59` RON
//! format, scored by the core's scorer), and a north-up site map with the route, the points, the
//! zones and a legend.

use std::collections::BTreeMap;

use glam::DVec2;
use serde::Serialize;

use super::checks;
use super::plan::{PatrolPlan, PatrolSite};
use super::points::{PatrolKind, Priority};
use super::walk::{Gravity, PatrolFinding, Visit, WalkReport};
use super::world::Sight;
use super::zones::{HazardZone, ZoneRule, ZoneShape};
use crate::canvas::{
    Anchor, CanvasError, Fill, Font, LegendEntry, Marker, MarkerShape, PlanCanvas, PlanLayout, Rgba, Stroke, Swatch,
    TextStyle,
};
use crate::rules::jgj59::{self, CheckItem, FilledTable, Sheet, SheetScore, SubTable};
use crate::scene::SiteScene;

/// Points deducted from a sheet item per finding, by gravity [R]: sitetwin's defaults, not from
/// JGJ 59 (whose deduction standards are per item, in words); a critical finding fails the item.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DeductionRules {
    /// Per minor finding.
    pub minor: f64,
    /// Per major finding.
    pub major: f64,
    /// A critical finding takes the item's full marks.
    pub critical_takes_all: bool,
}

impl Default for DeductionRules {
    fn default() -> Self {
        DeductionRules { minor: 2.0, major: 5.0, critical_takes_all: true }
    }
}

/// The tables scored once per object (a sheet per crane, per pit); the rest once for the site.
fn per_object(t: SubTable) -> bool {
    !matches!(
        t,
        SubTable::SafetyManagement
            | SubTable::CivilisedConstruction
            | SubTable::TemporaryElectricity
            | SubTable::WorkAtHeight
    )
}

/// What the visits put in one table: the items checked, and the points deducted per item.
type TableFill = (Vec<String>, BTreeMap<String, f64>);

/// The sheet the visits fill: every table a visited point feeds, its items checked when a point
/// checked them (the rest marked not checked, which JGJ 59 rescales as missing items), and the
/// findings deducted from their items. Returns the findings that name no item, which the report
/// lists beside the sheet.
pub fn fill_sheet(
    scene: &SiteScene,
    visits: &[Visit],
    date: &str,
    inspector: &str,
    rules: &DeductionRules,
) -> (Sheet, Vec<PatrolFinding>) {
    let mut tables: BTreeMap<(SubTable, Option<String>), TableFill> = BTreeMap::new();
    let mut unscored = Vec::new();
    for v in visits {
        for &t in &v.tables {
            let label = per_object(t).then(|| v.name.clone());
            let entry = tables.entry((t, label)).or_default();
            for c in v.checks.iter().filter(|c| c.table == Some(t)) {
                if !entry.0.contains(&c.zh) {
                    entry.0.push(c.zh.clone());
                }
            }
        }
        for f in &v.findings {
            let (Some(t), Some(item)) = (f.table, f.item.as_ref()) else {
                unscored.push(f.clone());
                continue;
            };
            let label = per_object(t).then(|| v.name.clone());
            let entry = tables.entry((t, label)).or_default();
            if !entry.0.contains(item) {
                entry.0.push(item.clone());
            }
            let full = checks::item(t, item).map_or(10.0, |i| i.full);
            let d = match f.gravity {
                Gravity::Critical if rules.critical_takes_all => full,
                Gravity::Critical | Gravity::Major => rules.major,
                Gravity::Minor => rules.minor,
            };
            *entry.1.entry(item.clone()).or_default() += d;
        }
    }
    let tables = tables
        .into_iter()
        .map(|((table, label), (checked, deductions))| FilledTable {
            table,
            label,
            items: checks::items(table)
                .iter()
                .map(|i| CheckItem {
                    name: i.zh.to_string(),
                    kind: i.kind,
                    full: i.full,
                    deduction: deductions.get(i.zh).copied().unwrap_or(0.0).min(i.full),
                    checked: checked.iter().any(|c| c == i.zh),
                })
                .collect(),
        })
        .collect();
    let sheet =
        Sheet { site: scene.site.name.clone(), date: date.to_string(), inspector: inspector.to_string(), tables };
    (sheet, unscored)
}

/// The report of one patrol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatrolReport {
    /// The site's name.
    pub site: String,
    /// The patrol type.
    pub kind: PatrolKind,
    /// Its Chinese name.
    pub kind_zh: &'static str,
    /// The scenario the site's state comes from.
    pub scenario: String,
    /// The simulator's seed.
    pub seed: u64,
    /// The site's data time at the start (RFC 3339).
    pub at: String,
    /// The walking grid: cells, walkable cells, cell size (m).
    pub grid: GridSummary,
    /// The plan.
    pub plan: PatrolPlan,
    /// The simulated walk (`patrol simulate` only).
    pub walk: Option<WalkReport>,
    /// The findings, in the order found.
    pub findings: Vec<PatrolFinding>,
    /// The findings the sheet has no item for.
    pub unscored_findings: Vec<PatrolFinding>,
    /// The filled JGJ 59 sheet (`patrol simulate` only), written beside the report as RON.
    #[serde(skip)]
    pub sheet: Option<Sheet>,
    /// The sheet's score (`patrol simulate` only; a plan finds nothing yet).
    pub score: Option<SheetScore>,
    /// What the numbers rest on.
    pub notes: Vec<String>,
}

/// The grid's size, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridSummary {
    /// Cells.
    pub cells: usize,
    /// Walkable cells.
    pub walkable: usize,
    /// Cells of the patrol's ground.
    pub cell_m: f64,
    /// Colliders in the world.
    pub colliders: usize,
    /// Triangles in the world.
    pub triangles: usize,
}

impl GridSummary {
    /// The summary of a prepared site.
    pub fn of(site: &PatrolSite) -> GridSummary {
        GridSummary {
            cells: site.grid.len(),
            walkable: site.grid.walkable_count(),
            cell_m: site.grid.cell_m,
            colliders: site.world.len(),
            triangles: site.world.triangles,
        }
    }
}

/// The notes every report carries: which numbers are sitetwin's defaults.
pub fn standard_notes() -> Vec<String> {
    vec![
        "dwell times, time budgets, the pit-edge band and its cost are sitetwin's defaults [R], not from a standard"
            .into(),
        "JGJ 59 item lists: safety management and tower crane [S]; the other tables [R]".into(),
        "deductions per finding (minor 2, major 5, critical: the item's full marks) are sitetwin's defaults [R]".into(),
        "items no point checked are marked not checked, which JGJ 59 rescales as missing items".into(),
    ]
}

// Colours of the map.
const INK: Rgba = [40, 40, 46, 255];
const BOUNDARY: Rgba = [90, 90, 100, 255];
const OBSTACLE: Rgba = [200, 200, 204, 255];
const OFF_GROUND: Rgba = [232, 228, 238, 255];
const PIT: Rgba = [150, 110, 70, 255];
const ROUTE: Rgba = [30, 100, 220, 255];
const WALKED: Rgba = [20, 150, 90, 230];
const CLOSED: Rgba = [220, 40, 40, 90];
const CLOSED_EDGE: Rgba = [200, 30, 30, 255];
const COSTLY: Rgba = [230, 140, 20, 200];
const URGENT: Rgba = [215, 35, 35, 255];
const REQUIRED: Rgba = [30, 100, 220, 255];
const ROUTINE: Rgba = [120, 130, 145, 255];
const OMITTED: Rgba = [175, 175, 180, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const START: Rgba = [20, 20, 20, 255];

fn pts(p: &[[f64; 2]]) -> Vec<DVec2> {
    p.iter().map(|&[x, z]| DVec2::new(x, z)).collect()
}

fn priority_colour(p: Priority) -> Rgba {
    match p {
        Priority::Urgent => URGENT,
        Priority::Required => REQUIRED,
        Priority::Routine => ROUTINE,
    }
}

fn zone_paint(z: &HazardZone) -> (Fill, Stroke) {
    match z.rule {
        ZoneRule::Closed => (Fill::Solid(CLOSED), Stroke::solid(2.0, CLOSED_EDGE)),
        ZoneRule::Costly(_) => (
            Fill::Hatch { rgba: COSTLY, spacing_px: 7.0, width_px: 1.5, angle_deg: 45.0 },
            Stroke::solid(1.5, COSTLY).dashed(6.0, 4.0),
        ),
    }
}

fn draw_zone(c: &mut PlanCanvas, z: &HazardZone) {
    let (fill, stroke) = zone_paint(z);
    match &z.shape {
        ZoneShape::Circle { centre_m: [x, y], radius_m } => {
            c.fill_circle(DVec2::new(*x, *y), *radius_m, &fill);
            c.stroke_circle(DVec2::new(*x, *y), *radius_m, &stroke);
        }
        ZoneShape::Band { outline_m, width_m } => {
            let inner = pts(outline_m);
            let outer = crate::geom::offset_outward(&inner, *width_m);
            let hole: &[DVec2] = &inner;
            c.fill_polygon_with_holes(&outer, &[hole], &fill);
            c.stroke_polyline(&outer, true, &stroke);
        }
        ZoneShape::Area { outline_m } => {
            let p = pts(outline_m);
            c.fill_polygon(&p, &fill);
            c.stroke_polyline(&p, true, &stroke);
        }
    }
}

/// A label in the font, else the fallback (an id), so the map never shows empty boxes.
fn label(font: Option<&Font>, text: &str, fallback: &str) -> String {
    match font {
        Some(f) if f.missing_glyphs(text).is_empty() => text.to_string(),
        _ => fallback.to_string(),
    }
}

/// Draws the site map of a patrol: obstacles as the walking grid sees them, the hoarding, pits,
/// cranes' reach, the hazard zones, the planned route with its direction, the walked trace, the
/// numbered points coloured by priority (a hollow ring: not seen from its stand point), the points
/// left out, and a legend.
pub fn draw_map(
    scene: &SiteScene,
    site: &PatrolSite,
    report: &PatrolReport,
    font: Option<Font>,
) -> Result<PlanCanvas, CanvasError> {
    let [x0, z0, x1, z1] = scene.plan_bounds_m();
    let pad = 6.0;
    let bounds = [x0 - pad, z0 - pad, x1 + pad, z1 + pad];
    let width_m = (bounds[2] - bounds[0]).max(1.0);
    let px_per_m = (1300.0 / width_m).clamp(2.0, 14.0);
    let mut layout = PlanLayout::new(bounds, px_per_m);
    layout.legend_width_px = 380;
    let mut c = PlanCanvas::new(layout, font.clone())?;
    let f = font.as_ref();
    c.grid(10.0, &Stroke::solid(1.0, [232, 232, 228, 255]));
    // Obstacles: cells inside the plan with no place to stand, as the grid found them.
    let g = &site.grid;
    let half = g.cell_m / 2.0;
    let boundary: Vec<DVec2> = scene.boundary.as_ref().map(|b| b.polygon_m.clone()).unwrap_or_default();
    for cell in 0..g.len() {
        let paint = match g.component(cell) {
            Some(k) if k == site.ground => continue,
            Some(_) => OFF_GROUND,
            None => OBSTACLE,
        };
        let p = g.centre(cell);
        if boundary.len() >= 3 && !crate::geom::point_in_polygon(p, &boundary) {
            continue;
        }
        let sq = [
            p + DVec2::new(-half, -half),
            p + DVec2::new(half, -half),
            p + DVec2::new(half, half),
            p + DVec2::new(-half, half),
        ];
        c.fill_polygon(&sq, &Fill::Solid(paint));
    }
    if boundary.len() >= 3 {
        c.stroke_polyline(&boundary, true, &Stroke::solid(3.0, BOUNDARY));
    }
    for p in &scene.pits {
        c.stroke_polyline(&p.outline_m, true, &Stroke::solid(2.0, PIT));
    }
    for cr in &scene.cranes {
        let at = DVec2::new(cr.position_m.x, cr.position_m.z);
        c.stroke_circle(at, cr.jib_length_m, &Stroke::solid(1.0, [120, 120, 130, 160]).dashed(4.0, 6.0));
        c.marker(
            at,
            &Marker {
                shape: MarkerShape::Square,
                radius_px: 6.0,
                fill: [250, 200, 30, 255],
                outline: INK,
                outline_px: 1.5,
            },
        );
    }
    let zones = report.walk.as_ref().map_or(&report.plan.zones, |w| &w.zones_at_end);
    for z in zones.iter().filter(|z| matches!(z.rule, ZoneRule::Costly(_))) {
        draw_zone(&mut c, z);
    }
    for z in report.plan.zones.iter().chain(zones).filter(|z| z.rule == ZoneRule::Closed) {
        draw_zone(&mut c, z);
    }
    // The planned route.
    let plan = &report.plan;
    let mut route: Vec<DVec2> = Vec::new();
    for leg in plan.stops.iter().map(|s| &s.leg).chain(std::iter::once(&plan.back)) {
        route.extend(leg.waypoints_m.iter().map(|&[x, z]| DVec2::new(x, z)));
    }
    c.stroke_polyline(&route, false, &Stroke::solid(3.0, ROUTE));
    c.arrows_along(&route, 90.0, 9.0, ROUTE);
    if let Some(w) = &report.walk {
        let trace: Vec<DVec2> = w.trace.iter().map(|s| DVec2::new(s.feet_m[0], s.feet_m[2])).collect();
        c.stroke_polyline(&trace, false, &Stroke::solid(2.0, WALKED).dashed(6.0, 4.0));
    }
    let small = TextStyle::new(13.0, INK).with_halo(WHITE);
    for o in &plan.omitted {
        let at = DVec2::new(o.point.look_at_m[0], o.point.look_at_m[2]);
        c.marker(
            at,
            &Marker { shape: MarkerShape::Diamond, radius_px: 7.0, fill: OMITTED, outline: INK, outline_px: 1.0 },
        );
        c.text(at + DVec2::new(0.0, 1.5), &o.point.object, &small, Anchor::Top);
    }
    let numbers = TextStyle::new(13.0, WHITE);
    for (i, s) in plan.stops.iter().enumerate() {
        let at = DVec2::new(s.stand_m[0], s.stand_m[2]);
        let look = DVec2::new(s.point.look_at_m[0], s.point.look_at_m[2]);
        c.stroke_polyline(&[at, look], false, &Stroke::solid(1.0, priority_colour(s.point.priority)).dashed(3.0, 3.0));
        let seen = matches!(s.sight, Sight::Clear);
        let colour = priority_colour(s.point.priority);
        let m = if seen {
            Marker::circle(10.0, colour, WHITE)
        } else {
            Marker { shape: MarkerShape::Circle, radius_px: 10.0, fill: WHITE, outline: colour, outline_px: 3.0 }
        };
        c.marker(at, &m);
        let n = (i + 1).to_string();
        c.text(at, &n, &if seen { numbers } else { TextStyle::new(13.0, colour) }, Anchor::Center);
        c.text(at + DVec2::new(1.8, 0.0), &s.point.object, &small, Anchor::Left);
    }
    let start = DVec2::new(plan.start_m[0], plan.start_m[2]);
    c.marker(
        start,
        &Marker { shape: MarkerShape::Triangle, radius_px: 11.0, fill: START, outline: WHITE, outline_px: 2.0 },
    );
    let title = format!(
        "{} · {} · {}",
        label(f, &report.site, "site"),
        label(f, report.kind_zh, report.kind.name()),
        report.at.get(..16).unwrap_or(&report.at)
    );
    c.title(&label(f, &title, &format!("{} patrol {}", report.kind.name(), report.at)));
    let mut legend = vec![
        LegendEntry::new(
            Swatch::Marker(Marker {
                shape: MarkerShape::Triangle,
                radius_px: 9.0,
                fill: START,
                outline: WHITE,
                outline_px: 2.0,
            }),
            "起点/终点 Start and end",
        ),
        LegendEntry::new(Swatch::Route { stroke: Stroke::solid(3.0, ROUTE), arrow: ROUTE }, "计划路线 Planned route"),
        LegendEntry::new(Swatch::Line(Stroke::solid(2.0, WALKED).dashed(6.0, 4.0)), "实际行走 Walked"),
        LegendEntry::new(Swatch::Marker(Marker::circle(8.0, URGENT, WHITE)), "紧急 Urgent point"),
        LegendEntry::new(Swatch::Marker(Marker::circle(8.0, REQUIRED, WHITE)), "必查 Required point"),
        LegendEntry::new(Swatch::Marker(Marker::circle(8.0, ROUTINE, WHITE)), "常规 Routine point"),
        LegendEntry::new(
            Swatch::Marker(Marker {
                shape: MarkerShape::Circle,
                radius_px: 8.0,
                fill: WHITE,
                outline: URGENT,
                outline_px: 3.0,
            }),
            "视线受阻 Not seen",
        ),
        LegendEntry::new(
            Swatch::Marker(Marker {
                shape: MarkerShape::Diamond,
                radius_px: 7.0,
                fill: OMITTED,
                outline: INK,
                outline_px: 1.0,
            }),
            "未纳入 Left out",
        ),
        LegendEntry::new(
            Swatch::Area { fill: Some(Fill::Solid(CLOSED)), outline: Some(Stroke::solid(2.0, CLOSED_EDGE)) },
            "禁入区 Closed zone",
        ),
        LegendEntry::new(
            Swatch::Area {
                fill: Some(Fill::Hatch { rgba: COSTLY, spacing_px: 7.0, width_px: 1.5, angle_deg: 45.0 }),
                outline: None,
            },
            "慎行区 Costly zone",
        ),
        LegendEntry::new(Swatch::Area { fill: Some(Fill::Solid(OBSTACLE)), outline: None }, "障碍 Obstacle"),
        LegendEntry::new(Swatch::Area { fill: Some(Fill::Solid(OFF_GROUND)), outline: None }, "不可达 Not reachable"),
        LegendEntry::new(Swatch::Line(Stroke::solid(2.0, PIT)), "基坑 Pit"),
    ];
    legend.retain(|e| f.is_none_or(|f| f.missing_glyphs(&e.label).is_empty()));
    let walked = report
        .walk
        .as_ref()
        .map_or(String::new(), |w| format!(", walked {:.0} m in {:.0} min", w.walked_m, w.duration_s / 60.0));
    let summary =
        format!("{} stops, {:.0} m, {:.0} min planned{walked}", plan.stops.len(), plan.walk_m, plan.total_s / 60.0);
    let heading = label(f, "图例 Legend", "Legend");
    c.legend(&heading, &legend);
    let bottom = DVec2::new(bounds[0] + 1.0, bounds[3] - 1.0);
    c.text(bottom, &summary, &small, Anchor::BottomLeft);
    c.north_arrow_and_scale_bar(&label(f, "北", "N"));
    Ok(c)
}

/// What a patrol is run with, besides the site.
#[derive(Debug, Clone)]
pub struct PatrolRequest<'a> {
    /// The scene.
    pub scene: &'a SiteScene,
    /// The scenario the site's state comes from.
    pub scenario: &'a crate::sim::Scenario,
    /// The simulator's seed.
    pub seed: u64,
    /// The patrol type.
    pub kind: PatrolKind,
    /// When the patrol starts, hours after the scenario's start.
    pub at_h: f64,
    /// The rules the site's readings are judged by.
    pub rules: std::sync::Arc<crate::rules::RuleSet>,
    /// Planning.
    pub plan: super::plan::PlanOptions,
    /// Walking; `None` plans only.
    pub walk: Option<super::walk::WalkOptions>,
    /// Zone sizes and costs.
    pub zones: super::zones::ZoneRules,
    /// Dwell times.
    pub points: super::points::PointRules,
    /// Deductions.
    pub deductions: DeductionRules,
}

/// Plans (and with [`PatrolRequest::walk`], simulates) one patrol over a prepared site.
pub fn run(site: &PatrolSite, req: &PatrolRequest<'_>) -> Result<PatrolReport, super::plan::PlanError> {
    use super::plan::PlanError;
    let duration_h = req.scenario.duration_h;
    if !(req.at_h.is_finite() && req.at_h >= 0.0 && req.at_h <= duration_h) {
        return Err(PlanError::Option(format!(
            "--at {} h is outside scenario {}, which runs 0 to {duration_h} h",
            req.at_h, req.scenario.name
        )));
    }
    let mut live = super::live::LiveSim::new(req.scene, req.scenario, req.seed, req.rules.clone())
        .map_err(|e| PlanError::Option(format!("scenario {}: {e}", req.scenario.name)))?;
    let start = live.start() + chrono::Duration::milliseconds((req.at_h * 3.6e6).round() as i64);
    live.advance_to(start);
    let now = live.now();
    let points = super::points::checkpoints(req.scene, req.kind, &now, &req.points);
    let zones = super::zones::zones(req.scene, &now, &req.zones);
    let cost = super::zones::cost_field(&site.grid, &zones);
    let plan = super::plan::plan(site, req.kind, points, zones, &cost, &req.plan)?;
    let at = live.clock();
    let local = at.with_timezone(&super::live::CST);
    let walk = req.walk.map(|w| super::walk::walk(site, req.scene, &plan, &mut live, &req.zones, &w));
    let (findings, unscored_findings, sheet, score) = match &walk {
        Some(w) => {
            let findings: Vec<PatrolFinding> = w.visits.iter().flat_map(|v| v.findings.iter().cloned()).collect();
            let inspector = format!("sitetwin 模拟巡查（{}）", req.kind.zh());
            let (sheet, unscored) =
                fill_sheet(req.scene, &w.visits, &local.format("%Y-%m-%d").to_string(), &inspector, &req.deductions);
            let sheet = (!sheet.tables.is_empty()).then_some(sheet);
            let score = sheet.as_ref().and_then(|s| jgj59::score(s).ok());
            (findings, unscored, sheet, score)
        }
        None => (Vec::new(), Vec::new(), None, None),
    };
    Ok(PatrolReport {
        site: req.scene.site.name.clone(),
        kind: req.kind,
        kind_zh: req.kind.zh(),
        scenario: req.scenario.name.clone(),
        seed: req.seed,
        at: local.to_rfc3339(),
        grid: GridSummary::of(site),
        plan,
        walk,
        findings,
        unscored_findings,
        sheet,
        score,
        notes: standard_notes(),
    })
}

/// A patrol's finding (walked by the simulated inspector or judged by a person rehearsing) as an
/// item of the site's rectification register, placed at its object's label point.
pub fn finding_input(
    scene: &SiteScene,
    patrol: &str,
    f: &PatrolFinding,
    found_at: chrono::DateTime<chrono::Utc>,
) -> crate::findings::FindingInput {
    use crate::findings::{FindingInput, Severity, Source};
    FindingInput {
        source: Source::Patrol { patrol: patrol.to_string() },
        object: f.object.clone(),
        at_m: scene.object(&f.object).map(|o| o.label_at_m.to_array()),
        table: f.table,
        item: f.item.clone(),
        severity: match f.gravity {
            Gravity::Minor => Severity::Minor,
            Gravity::Major => Severity::Major,
            Gravity::Critical => Severity::Critical,
        },
        zh: f.zh.clone(),
        en: f.en.clone(),
        found_at,
    }
}
