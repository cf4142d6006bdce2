//! Planning a patrol: a stand point for each checkpoint (the nearest place on the site's walkable
//! ground from which its item can be seen), walking costs between them on the grid, the order as a
//! closed tour from and back to the site office with the urgent points first, and the routine
//! points dropped when the patrol would overrun its time budget.
//!
//! Tiers are kept by the distances alone, so the symmetric tour solver needs no special case: the
//! office and the non-empty tiers (urgent, required, routine) form a ring, every edge between two
//! classes costs a penalty `M` larger than any walk, and an edge between classes that are not
//! neighbours on the ring costs `3M`. The cheapest tour then changes class only along the ring,
//! once per class boundary, which is office → urgent → required → routine → office (or its
//! reverse, which is turned round).

use glam::{DVec2, DVec3};
use serde::Serialize;

use super::grid::{self, Cell, CostField, WalkGrid};
use super::points::{Checkpoint, PatrolKind, Priority};
use super::world::{Body, Sight, SiteWorld, SkippedModel};
use super::zones::HazardZone;
use crate::route::{DistanceMatrix, solve_bounded};
use crate::scene::{FacilityKind, ObjectKind, SiteScene};

/// How a patrol is planned.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlanOptions {
    /// Walking pace, m/s (1.2 by default: an inspector looking around, not a commuter).
    pub pace_m_s: f64,
    /// The time budget, s; `None`: the patrol type's default.
    pub budget_s: Option<f64>,
    /// How far from the item looked at a stand point may be, m (plan distance).
    pub reach_m: f64,
    /// How many candidate stand points are tried for a clear sight line, nearest first.
    pub sight_tries: usize,
    /// The tour solver's kicks: a fixed count, so that the plan never depends on the machine.
    pub kicks: u64,
    /// The tour solver's seed.
    pub seed: u64,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions { pace_m_s: 1.2, budget_s: None, reach_m: 30.0, sight_tries: 400, kicks: 3000, seed: 1 }
    }
}

/// Why a patrol cannot be planned at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// No cell of the site is walkable (no ground mesh, or everything blocked).
    #[error("no walkable ground on the site: {0}")]
    NoGround(String),
    /// Neither a site office nor a gate to start from.
    #[error("the scene has no site office and no gate to start the patrol from")]
    NoStart,
    /// A bad option.
    #[error("{0}")]
    Option(String),
}

/// The site prepared for patrols: its collision world, walking grid and start.
#[derive(Debug)]
pub struct PatrolSite {
    /// The collision world.
    pub world: SiteWorld,
    /// The walking grid.
    pub grid: WalkGrid,
    /// The inspector.
    pub body: Body,
    /// The connected ground the patrol walks on (the largest component of the grid).
    pub ground: u32,
    /// Where patrols start and end: the walkable cell nearest the site office (else the first gate).
    pub start: Cell,
    /// What the start is (the office's or the gate's id).
    pub start_object: String,
}

impl PatrolSite {
    /// Builds the world from the scene's models (paths relative to `scene_dir`) and the grid over it.
    pub fn build(scene: &SiteScene, scene_dir: &std::path::Path, body: Body) -> Result<PatrolSite, PlanError> {
        let world = SiteWorld::build(scene, scene_dir);
        PatrolSite::from_world(scene, world, body)
    }

    /// Prepares patrols over an already built world.
    pub fn from_world(scene: &SiteScene, world: SiteWorld, body: Body) -> Result<PatrolSite, PlanError> {
        let grid = WalkGrid::build(&world, scene, &body, grid::CELL_M);
        Self::from_grid(scene, world, grid, body)
    }

    /// Prepares patrols over a world and its grid.
    pub fn from_grid(scene: &SiteScene, world: SiteWorld, grid: WalkGrid, body: Body) -> Result<PatrolSite, PlanError> {
        let ground = grid.largest_component().ok_or_else(|| {
            let skipped: Vec<String> = world.skipped.iter().map(|s| format!("{} ({})", s.model, s.reason)).collect();
            PlanError::NoGround(if skipped.is_empty() {
                format!("{} colliders, {} triangles", world.len(), world.triangles)
            } else {
                format!("models left out: {}", skipped.join("; "))
            })
        })?;
        let objects = scene.objects();
        let office = objects.iter().find(|o| o.kind == ObjectKind::Facility(FacilityKind::SiteOffice));
        let gate = objects.iter().find(|o| o.kind == ObjectKind::Gate);
        let from = office.or(gate).ok_or(PlanError::NoStart)?;
        let at = crate::geom::plan(from.object().stands_at_m().unwrap_or(from.label_at_m));
        let start = grid.nearest_walkable(at, f64::INFINITY, Some(ground)).ok_or(PlanError::NoStart)?;
        Ok(PatrolSite { world, grid, body, ground, start, start_object: from.id.to_string() })
    }

    /// The plan point of a cell with its floor, site frame.
    pub fn feet_at(&self, c: Cell) -> DVec3 {
        let p = self.grid.centre(c);
        DVec3::new(p.x, self.grid.floor(c), p.y)
    }

    /// Where to stand to check `point` under `cost`: the nearest open cell of the patrol's ground
    /// within `reach_m` of the item whose eye line reaches it; if none does, the nearest open
    /// cell, with what blocks its view. `None` when no open ground lies within reach.
    pub fn stand_point(&self, point: &Checkpoint, cost: &CostField, opts: &PlanOptions) -> Option<(Cell, Sight)> {
        let target = DVec3::from_array(point.look_at_m);
        let p = DVec2::new(target.x, target.z);
        let mut near = self.grid.cells_within(p, opts.reach_m, self.ground);
        near.retain(|&(_, c)| cost.open(c));
        near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let first = near.first()?.1;
        let reach = self.grid.cell_m;
        for &(_, c) in near.iter().take(opts.sight_tries) {
            let eye = self.feet_at(c) + DVec3::Y * self.body.eye_m;
            if self.world.sight(eye, target, &point.object, reach) == Sight::Clear {
                return Some((c, Sight::Clear));
            }
        }
        let eye = self.feet_at(first) + DVec3::Y * self.body.eye_m;
        Some((first, self.world.sight(eye, target, &point.object, reach)))
    }

    /// The walk between two cells under `cost`, its corners pulled straight.
    pub fn leg(&self, cost: &CostField, from: Cell, to: Cell) -> Option<Leg> {
        let p = grid::path(&self.grid, cost, from, to)?;
        let corners = grid::waypoints(&self.grid, cost, &p);
        let length_m = corners.windows(2).map(|w| w[0].distance(w[1])).sum();
        Some(Leg { waypoints_m: corners.iter().map(|c| [c.x, c.y]).collect(), length_m, cost: p.cost })
    }

    /// The cell of the patrol's ground under `feet_m`, else the nearest within 2 m.
    pub fn cell_under(&self, feet_m: DVec3) -> Option<Cell> {
        let p = DVec2::new(feet_m.x, feet_m.z);
        let c = self.grid.cell_of(p).filter(|&c| self.grid.component(c) == Some(self.ground));
        c.or_else(|| self.grid.nearest_walkable(p, 2.0, Some(self.ground)))
    }

    /// The way from someone standing at `feet_m` to cell `to` under `cost`. From inside a closed
    /// zone the way out crosses it (at a high cost, so by the shortest way out); `None` when `to`
    /// is closed or cannot be reached.
    pub fn leg_from(&self, cost: &CostField, feet_m: DVec3, to: Cell) -> Option<Leg> {
        let from = self.cell_under(feet_m)?;
        if cost.open(from) {
            return self.leg(cost, from, to);
        }
        if !cost.open(to) {
            return None;
        }
        let mut escape = cost.clone();
        for (c, v) in escape.0.iter_mut().enumerate() {
            if !v.is_finite() && self.grid.walkable(c) {
                *v = ESCAPE_COST;
            }
        }
        self.leg(&escape, from, to)
    }
}

/// The cost factor of a closed zone's cells on the way out of it (walking out is allowed, by the
/// shortest way).
const ESCAPE_COST: f32 = 50.0;

/// A walk from one stop to the next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leg {
    /// Its corners, plan `[x, z]`, first to last.
    pub waypoints_m: Vec<[f64; 2]>,
    /// Its length along the corners, m.
    pub length_m: f64,
    /// Its cost on the grid (length weighted by the zones it crosses), m.
    #[serde(skip)]
    pub cost: f64,
}

/// A checkpoint on the route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stop {
    /// The point and what is checked there.
    pub point: Checkpoint,
    /// Where the inspector stands (feet), site frame, m.
    pub stand_m: [f64; 3],
    /// What the eye line from there to the item meets.
    pub sight: Sight,
    /// The walk here from the previous stop (the office for the first).
    pub leg: Leg,
    /// Planned arrival, s from the start.
    pub arrive_s: f64,
    /// Planned departure, s from the start.
    pub leave_s: f64,
    #[serde(skip)]
    pub(crate) cell: Cell,
}

/// Why a point is not on the route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Omission {
    /// No open ground of the site within reach of the item.
    NoStandPoint,
    /// Its stand point cannot be reached from the office (cut off, or behind a closed zone).
    Unreachable,
    /// A routine point left out so the patrol fits its time budget.
    OverBudget,
}

/// A point not on the route, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Omitted {
    /// The point.
    pub point: Checkpoint,
    /// Why.
    pub why: Omission,
}

/// A planned patrol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatrolPlan {
    /// The patrol type.
    pub kind: PatrolKind,
    /// Where it starts and ends (the office or gate id).
    pub start_object: String,
    /// The start's feet position, site frame, m.
    pub start_m: [f64; 3],
    /// The stops in walking order.
    pub stops: Vec<Stop>,
    /// The walk back to the start.
    pub back: Leg,
    /// Points not on the route.
    pub omitted: Vec<Omitted>,
    /// The zones the plan was made under.
    pub zones: Vec<HazardZone>,
    /// The time budget, s.
    pub budget_s: f64,
    /// Walking, m.
    pub walk_m: f64,
    /// Walking time at the pace, s.
    pub walk_s: f64,
    /// Time at the points, s.
    pub dwell_s: f64,
    /// Walking plus dwelling, s.
    pub total_s: f64,
    /// How far the required points alone overrun the budget, s (0 when it fits).
    pub over_budget_s: f64,
    /// The options it was planned with.
    pub options: PlanOptions,
    /// Models left out of the collision world.
    pub skipped_models: Vec<SkippedModel>,
}

/// The position of a priority on the ring of classes: 0 is the start.
fn class(p: Priority) -> usize {
    match p {
        Priority::Urgent => 1,
        Priority::Required => 2,
        Priority::Routine => 3,
    }
}

/// The tour through the start (node 0) and `cells` (nodes 1..) whose walking cost is least among
/// those visiting the classes in ring order; returned as indices into `cells`, starting after the
/// start, lowest class first.
pub(crate) fn order(walk: &DistanceMatrix, classes: &[usize], opts: &PlanOptions) -> Vec<usize> {
    let n = walk.dimension();
    if n <= 2 {
        return (0..n.saturating_sub(1)).collect();
    }
    // The ring: the start (class 0) and the classes present, in order.
    let mut ring: Vec<usize> = vec![0];
    for c in 1..=3 {
        if classes.contains(&c) {
            ring.push(c);
        }
    }
    let pos = |c: usize| ring.iter().position(|&r| r == c).unwrap_or(0);
    let k = ring.len();
    let max = (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).map(|(i, j)| walk.get(i, j)).max().unwrap_or(0);
    let big = max.saturating_mul(n as i64 + 1).max(1);
    let class_of = |i: usize| if i == 0 { 0 } else { classes[i - 1] };
    let d = DistanceMatrix::from_fn(n, |i, j| {
        let (a, b) = (pos(class_of(i)), pos(class_of(j)));
        let steps = a.abs_diff(b).min(k - a.abs_diff(b));
        let penalty = match steps {
            0 => 0,
            1 => big,
            _ => 3 * big,
        };
        walk.get(i, j) + penalty
    });
    let tour = solve_bounded(&d, std::time::Duration::from_secs(3600), opts.kicks, opts.seed);
    let at = tour.order.iter().position(|&v| v == 0).unwrap_or(0);
    let mut seq: Vec<usize> = tour.order[at + 1..].iter().chain(&tour.order[..at]).copied().collect();
    // Lowest class first; a tour of one class runs from its lower-numbered end.
    if let (Some(&f), Some(&l)) = (seq.first(), seq.last())
        && (class_of(l), l) < (class_of(f), f)
    {
        seq.reverse();
    }
    seq.into_iter().map(|v| v - 1).collect()
}

/// Plans a patrol of `points` over `site` under `zones` (their costs already in `cost`).
pub fn plan(
    site: &PatrolSite,
    kind: PatrolKind,
    points: Vec<Checkpoint>,
    zones: Vec<HazardZone>,
    cost: &CostField,
    opts: &PlanOptions,
) -> Result<PatrolPlan, PlanError> {
    if !(opts.pace_m_s.is_finite() && opts.pace_m_s > 0.0) {
        return Err(PlanError::Option(format!("pace must be a positive speed, got {} m/s", opts.pace_m_s)));
    }
    let budget_s = opts.budget_s.unwrap_or(kind.default_budget_min() * 60.0);
    if !(budget_s.is_finite() && budget_s > 0.0) {
        return Err(PlanError::Option(format!("budget must be a positive time, got {budget_s} s")));
    }
    let start = site.start;
    let from_start = grid::costs_from(&site.grid, cost, start);
    let mut omitted = Vec::new();
    let mut stands: Vec<(Checkpoint, Cell, Sight, Vec<f64>)> = Vec::new();
    for p in points {
        let Some((cell, sight)) = site.stand_point(&p, cost, opts) else {
            omitted.push(Omitted { point: p, why: Omission::NoStandPoint });
            continue;
        };
        if !from_start[cell].is_finite() {
            omitted.push(Omitted { point: p, why: Omission::Unreachable });
            continue;
        }
        let row = grid::costs_from(&site.grid, cost, cell);
        stands.push((p, cell, sight, row));
    }
    // Walking costs in centimetres (node 0: the start).
    let cells: Vec<Cell> = std::iter::once(start).chain(stands.iter().map(|s| s.1)).collect();
    let rows: Vec<&[f64]> =
        std::iter::once(from_start.as_slice()).chain(stands.iter().map(|s| s.3.as_slice())).collect();
    let cm = |x: f64| (x * 100.0).round() as i64;
    let full = DistanceMatrix::from_fn(cells.len(), |i, j| {
        let (a, b) = if i < j { (i, j) } else { (j, i) };
        cm(rows[a][cells[b]])
    });
    let mut kept: Vec<usize> = (0..stands.len()).collect();
    let time_of = |seq: &[usize]| -> f64 {
        let mut walk = 0i64;
        let mut at = 0usize;
        for &i in seq {
            walk += full.get(at, i + 1);
            at = i + 1;
        }
        walk += full.get(at, 0);
        walk as f64 / 100.0 / opts.pace_m_s + seq.iter().map(|&i| stands[i].0.dwell_s).sum::<f64>()
    };
    let solve_kept = |kept: &[usize]| -> Vec<usize> {
        let sub = DistanceMatrix::from_fn(kept.len() + 1, |i, j| {
            let node = |v: usize| if v == 0 { 0 } else { kept[v - 1] + 1 };
            full.get(node(i), node(j))
        });
        let classes: Vec<usize> = kept.iter().map(|&i| class(stands[i].0.priority)).collect();
        order(&sub, &classes, opts).into_iter().map(|v| kept[v]).collect()
    };
    let mut seq = solve_kept(&kept);
    // Over budget: leave out the routine point whose removal saves the most time, then re-solve.
    while time_of(&seq) > budget_s {
        let saving = |at: usize| -> f64 {
            let prev = if at == 0 { 0 } else { seq[at - 1] + 1 };
            let next = seq.get(at + 1).map_or(0, |&v| v + 1);
            let me = seq[at] + 1;
            let detour = full.get(prev, me) + full.get(me, next) - full.get(prev, next);
            detour as f64 / 100.0 / opts.pace_m_s + stands[seq[at]].0.dwell_s
        };
        let worst = (0..seq.len())
            .filter(|&a| stands[seq[a]].0.priority == Priority::Routine)
            .max_by(|&a, &b| saving(a).total_cmp(&saving(b)).then(b.cmp(&a)));
        let Some(a) = worst else { break };
        let gone = seq[a];
        kept.retain(|&i| i != gone);
        seq = solve_kept(&kept);
    }
    let over_budget_s = (time_of(&seq) - budget_s).max(0.0);
    let dropped: Vec<usize> = (0..stands.len()).filter(|i| !kept.contains(i)).collect();
    let mut stops = Vec::with_capacity(seq.len());
    let mut clock = 0.0;
    let mut at = start;
    let mut walk_m = 0.0;
    for &i in &seq {
        let (p, cell, sight, _) = &stands[i];
        let leg =
            site.leg(cost, at, *cell).unwrap_or_else(|| Leg { waypoints_m: Vec::new(), length_m: 0.0, cost: 0.0 });
        clock += leg.length_m / opts.pace_m_s;
        walk_m += leg.length_m;
        let arrive_s = clock;
        clock += p.dwell_s;
        stops.push(Stop {
            point: p.clone(),
            stand_m: site.feet_at(*cell).to_array(),
            sight: sight.clone(),
            leg,
            arrive_s,
            leave_s: clock,
            cell: *cell,
        });
        at = *cell;
    }
    let back = site.leg(cost, at, start).unwrap_or_else(|| Leg { waypoints_m: Vec::new(), length_m: 0.0, cost: 0.0 });
    walk_m += back.length_m;
    let dwell_s: f64 = stops.iter().map(|s| s.point.dwell_s).sum();
    let walk_s = walk_m / opts.pace_m_s;
    for i in dropped {
        omitted.push(Omitted { point: stands[i].0.clone(), why: Omission::OverBudget });
    }
    omitted.sort_by(|a, b| a.point.object.cmp(&b.point.object));
    Ok(PatrolPlan {
        kind,
        start_object: site.start_object.clone(),
        start_m: site.feet_at(start).to_array(),
        stops,
        back,
        omitted,
        zones,
        budget_s,
        walk_m,
        walk_s,
        dwell_s,
        total_s: walk_s + dwell_s,
        over_budget_s,
        options: *opts,
        skipped_models: site.world.skipped.clone(),
    })
}
