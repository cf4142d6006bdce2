//! Where a person can walk: a fine plan grid over the site, each cell's floor found by a ray down
//! the collision world and kept when a standing body fits there and it lies inside the hoarding;
//! neighbouring cells connect when the floor steps at most a step height. Shortest walks run on it
//! (Dijkstra, A*) under a per-cell cost from the hazard zones, and are pulled straight where a
//! straight line stays on equally safe ground.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use glam::DVec2;

use super::world::{Body, SiteWorld};
use crate::geom::{self, P2};
use crate::scene::SiteScene;

/// Cell size of the walking grid, m: finer than a body is wide, so gaps a person fits through stay open.
pub const CELL_M: f64 = 0.5;

/// The highest floor a ray looks for above the site's ground level, m: above a kerb, a slab step or
/// a ramp's top, below the roofs of site huts (a ray starting inside a hut finds its floor, and
/// the hut's walls keep the inside apart).
const FLOOR_SEARCH_ABOVE_M: f64 = 2.0;
/// How far below the ground a floor is looked for, m (a pit's floor is found, and is cut off by its walls).
const FLOOR_SEARCH_DEPTH_M: f64 = 30.0;

/// A cell's index in the grid, row-major.
pub type Cell = usize;

/// The walking grid.
#[derive(Debug, Clone)]
pub struct WalkGrid {
    /// Plan position of cell (0, 0)'s lower corner, m.
    pub origin_m: DVec2,
    /// Cell size, m.
    pub cell_m: f64,
    /// Columns (along x).
    pub cols: usize,
    /// Rows (along z).
    pub rows: usize,
    /// Floor height per cell, m; NaN where nobody stands.
    floor_m: Vec<f32>,
    /// The largest step between neighbours walked over, m.
    step_m: f64,
    /// Connected-component label per walkable cell (u32::MAX: not walkable).
    component: Vec<u32>,
}

/// Neighbour offsets (dx, dz) with their lengths in cells: 8-connected.
const STEPS: [(i64, i64, f64); 8] = [
    (1, 0, 1.0),
    (-1, 0, 1.0),
    (0, 1, 1.0),
    (0, -1, 1.0),
    (1, 1, std::f64::consts::SQRT_2),
    (1, -1, std::f64::consts::SQRT_2),
    (-1, 1, std::f64::consts::SQRT_2),
    (-1, -1, std::f64::consts::SQRT_2),
];

impl WalkGrid {
    /// Builds the grid over the site's plan bounds: a cell is walkable when it lies inside the
    /// boundary (if the scene has one), has a floor, and a standing `body` fits on it.
    pub fn build(world: &SiteWorld, scene: &SiteScene, body: &Body, cell_m: f64) -> WalkGrid {
        let boundary: Option<&[P2]> = scene.boundary.as_ref().map(|b| b.polygon_m.as_slice()).filter(|p| p.len() >= 3);
        WalkGrid::build_in(world, scene.plan_bounds_m(), boundary, body, cell_m)
    }

    /// [`WalkGrid::build`] over the plan box `[x0, z0, x1, z1]` (m), inside `boundary` if given.
    pub fn build_in(
        world: &SiteWorld,
        bounds_m: [f64; 4],
        boundary: Option<&[P2]>,
        body: &Body,
        cell_m: f64,
    ) -> WalkGrid {
        let [x0, z0, x1, z1] = bounds_m;
        let cols = (((x1 - x0) / cell_m).ceil() as usize).max(1);
        let rows = (((z1 - z0) / cell_m).ceil() as usize).max(1);
        let mut floor_m = vec![f32::NAN; cols * rows];
        for r in 0..rows {
            for c in 0..cols {
                let p = DVec2::new(x0 + (c as f64 + 0.5) * cell_m, z0 + (r as f64 + 0.5) * cell_m);
                if boundary.is_some_and(|b| !geom::point_in_polygon(p, b)) {
                    continue;
                }
                // The site frame's ground is y = 0.
                let top = FLOOR_SEARCH_ABOVE_M;
                let Some(y) = world.floor_below(p, top, FLOOR_SEARCH_ABOVE_M + FLOOR_SEARCH_DEPTH_M) else {
                    continue;
                };
                if !world.body_blocked(p, y, body) {
                    floor_m[r * cols + c] = y as f32;
                }
            }
        }
        let mut g = WalkGrid {
            origin_m: DVec2::new(x0, z0),
            cell_m,
            cols,
            rows,
            floor_m,
            step_m: body.step_m,
            component: Vec::new(),
        };
        g.label_components();
        g
    }

    /// A grid from given floors (NaN: no floor), for tests and generated sites.
    pub fn from_floors(origin_m: DVec2, cell_m: f64, cols: usize, rows: usize, floor_m: Vec<f32>, step_m: f64) -> Self {
        let mut g = WalkGrid { origin_m, cell_m, cols, rows, floor_m, step_m, component: Vec::new() };
        g.floor_m.resize(cols * rows, f32::NAN);
        g.label_components();
        g
    }

    fn label_components(&mut self) {
        let n = self.cols * self.rows;
        self.component = vec![u32::MAX; n];
        let mut next = 0u32;
        let mut stack = Vec::new();
        for s in 0..n {
            if !self.walkable(s) || self.component[s] != u32::MAX {
                continue;
            }
            self.component[s] = next;
            stack.push(s);
            while let Some(c) = stack.pop() {
                let fresh: Vec<Cell> =
                    self.neighbours(c).map(|(m, _)| m).filter(|&m| self.component[m] == u32::MAX).collect();
                for m in fresh {
                    self.component[m] = next;
                    stack.push(m);
                }
            }
            next += 1;
        }
    }

    /// Cells in the grid.
    pub fn len(&self) -> usize {
        self.cols * self.rows
    }

    /// True for a grid of no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether someone can stand on the cell.
    pub fn walkable(&self, c: Cell) -> bool {
        self.floor_m.get(c).is_some_and(|y| y.is_finite())
    }

    /// The cell's floor height, m (NaN where nobody stands).
    pub fn floor(&self, c: Cell) -> f64 {
        self.floor_m.get(c).map_or(f64::NAN, |y| f64::from(*y))
    }

    /// The connected walkable area the cell belongs to.
    pub fn component(&self, c: Cell) -> Option<u32> {
        self.component.get(c).copied().filter(|&l| l != u32::MAX)
    }

    /// Walkable cells.
    pub fn walkable_count(&self) -> usize {
        self.floor_m.iter().filter(|y| y.is_finite()).count()
    }

    /// The cell holding plan point `p`.
    pub fn cell_of(&self, p: DVec2) -> Option<Cell> {
        let q = (p - self.origin_m) / self.cell_m;
        if !q.is_finite() || q.x < 0.0 || q.y < 0.0 {
            return None;
        }
        let (c, r) = (q.x as usize, q.y as usize);
        (c < self.cols && r < self.rows).then_some(r * self.cols + c)
    }

    /// The plan centre of a cell.
    pub fn centre(&self, c: Cell) -> DVec2 {
        let (col, row) = (c % self.cols, c / self.cols);
        self.origin_m + DVec2::new(col as f64 + 0.5, row as f64 + 0.5) * self.cell_m
    }

    /// Walkable neighbours of a walkable cell with the step to each, m. A diagonal needs both cells
    /// beside it walkable (no squeezing between two corners).
    pub fn neighbours(&self, c: Cell) -> impl Iterator<Item = (Cell, f64)> + '_ {
        let (col, row) = ((c % self.cols) as i64, (c / self.cols) as i64);
        let here = self.floor(c);
        STEPS.iter().filter_map(move |&(dx, dz, len)| {
            let at = |x: i64, z: i64| -> Option<Cell> {
                (x >= 0 && z >= 0 && (x as usize) < self.cols && (z as usize) < self.rows)
                    .then(|| z as usize * self.cols + x as usize)
                    .filter(|&m| self.linked(here, m))
            };
            let m = at(col + dx, row + dz)?;
            if dx != 0 && dz != 0 {
                at(col + dx, row)?;
                at(col, row + dz)?;
            }
            Some((m, len * self.cell_m))
        })
    }

    /// Whether a cell with floor `here` steps onto cell `m`.
    fn linked(&self, here: f64, m: Cell) -> bool {
        let y = self.floor(m);
        y.is_finite() && here.is_finite() && (y - here).abs() <= self.step_m
    }

    /// The component with the most cells (ties: the lowest label), the site's main ground.
    pub fn largest_component(&self) -> Option<u32> {
        let mut counts: Vec<usize> = Vec::new();
        for l in self.component.iter().filter(|&&l| l != u32::MAX) {
            let l = *l as usize;
            if counts.len() <= l {
                counts.resize(l + 1, 0);
            }
            counts[l] += 1;
        }
        let best = counts.iter().enumerate().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))?;
        Some(best.0 as u32)
    }

    /// The range of cells (columns, rows) covering the plan box `[x0, z0]`–`[x1, z1]`, clamped
    /// to the grid; empty when the box misses it.
    pub fn cells_in_box(&self, lo: DVec2, hi: DVec2) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let to = |v: f64, n: usize| -> usize { (v.floor().max(0.0) as usize).min(n) };
        let a = (lo - self.origin_m) / self.cell_m;
        let b = (hi - self.origin_m) / self.cell_m;
        if !(a.is_finite() && b.is_finite()) {
            return (0..0, 0..0);
        }
        (to(a.x, self.cols)..to(b.x + 1.0, self.cols), to(a.y, self.rows)..to(b.y + 1.0, self.rows))
    }

    /// The walkable cells of `component` whose centres lie within `within_m` of `p`, with their
    /// plan distances, in index order.
    pub fn cells_within(&self, p: DVec2, within_m: f64, component: u32) -> Vec<(f64, Cell)> {
        let r = DVec2::splat(within_m);
        let (cols, rows) = self.cells_in_box(p - r, p + r);
        let mut out = Vec::new();
        for row in rows {
            for col in cols.clone() {
                let c = row * self.cols + col;
                if self.component(c) != Some(component) {
                    continue;
                }
                let d = self.centre(c).distance(p);
                if d <= within_m {
                    out.push((d, c));
                }
            }
        }
        out
    }

    /// The walkable cell of component `component` (any, when `None`) nearest to `p` in plan,
    /// within `within_m`; ties go to the lower index.
    pub fn nearest_walkable(&self, p: DVec2, within_m: f64, component: Option<u32>) -> Option<Cell> {
        let reach = (within_m / self.cell_m).ceil().min(self.cols.max(self.rows) as f64) as i64 + 1;
        let q = ((p - self.origin_m) / self.cell_m).floor();
        if !q.is_finite() {
            return None;
        }
        let (qc, qr) = (q.x as i64, q.y as i64);
        let mut best: Option<(f64, Cell)> = None;
        for r in (qr - reach).max(0)..=(qr + reach).min(self.rows as i64 - 1) {
            for c in (qc - reach).max(0)..=(qc + reach).min(self.cols as i64 - 1) {
                let cell = r as usize * self.cols + c as usize;
                if !self.walkable(cell) || component.is_some_and(|k| self.component(cell) != Some(k)) {
                    continue;
                }
                let d = self.centre(cell).distance(p);
                if d <= within_m && best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, cell));
                }
            }
        }
        best.map(|(_, c)| c)
    }
}

/// The cost of walking through each cell: 1 for plain ground, more inside a costly hazard zone,
/// infinite inside a closed one (and where nobody stands).
#[derive(Debug, Clone, PartialEq)]
pub struct CostField(pub Vec<f32>);

impl CostField {
    /// Plain ground everywhere.
    pub fn plain(grid: &WalkGrid) -> CostField {
        CostField(vec![1.0; grid.len()])
    }

    /// The multiplier of a cell.
    pub fn at(&self, c: Cell) -> f32 {
        self.0.get(c).copied().unwrap_or(f32::INFINITY)
    }

    /// Whether the cell may be walked at all.
    pub fn open(&self, c: Cell) -> bool {
        self.at(c).is_finite()
    }
}

/// A heap entry ordered by smallest cost, then lowest cell, so that runs are deterministic.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Open {
    cost: f64,
    cell: Cell,
}

impl Eq for Open {}

impl Ord for Open {
    fn cmp(&self, o: &Self) -> Ordering {
        o.cost.total_cmp(&self.cost).then_with(|| o.cell.cmp(&self.cell))
    }
}

impl PartialOrd for Open {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// The cost of the step from `a` to `b` of plan length `len_m`: the length times the mean of the
/// two cells' multipliers.
fn edge_cost(cost: &CostField, a: Cell, b: Cell, len_m: f64) -> f64 {
    len_m * 0.5 * (f64::from(cost.at(a)) + f64::from(cost.at(b)))
}

/// Shortest walking costs from `from` to every cell (infinite where unreachable).
pub fn costs_from(grid: &WalkGrid, cost: &CostField, from: Cell) -> Vec<f64> {
    let mut dist = vec![f64::INFINITY; grid.len()];
    if !grid.walkable(from) || !cost.open(from) {
        return dist;
    }
    let mut heap = BinaryHeap::new();
    dist[from] = 0.0;
    heap.push(Open { cost: 0.0, cell: from });
    while let Some(Open { cost: d, cell }) = heap.pop() {
        if d > dist[cell] {
            continue;
        }
        for (m, len) in grid.neighbours(cell) {
            if !cost.open(m) {
                continue;
            }
            let nd = d + edge_cost(cost, cell, m, len);
            if nd < dist[m] {
                dist[m] = nd;
                heap.push(Open { cost: nd, cell: m });
            }
        }
    }
    dist
}

/// A walk between two cells.
#[derive(Debug, Clone, PartialEq)]
pub struct GridPath {
    /// The cells walked through, first to last.
    pub cells: Vec<Cell>,
    /// Its cost (length weighted by the zones), m.
    pub cost: f64,
    /// Its plan length along the cells, m.
    pub length_m: f64,
}

/// The cheapest walk from `from` to `to` (A* with the octile distance, which never overestimates
/// since no multiplier is below 1).
pub fn path(grid: &WalkGrid, cost: &CostField, from: Cell, to: Cell) -> Option<GridPath> {
    if !grid.walkable(from) || !grid.walkable(to) || !cost.open(from) || !cost.open(to) {
        return None;
    }
    let goal = grid.centre(to);
    let h = |c: Cell| {
        let d = (grid.centre(c) - goal).abs();
        d.max_element() + (std::f64::consts::SQRT_2 - 1.0) * d.min_element()
    };
    let mut g = vec![f64::INFINITY; grid.len()];
    let mut came = vec![usize::MAX; grid.len()];
    let mut heap = BinaryHeap::new();
    g[from] = 0.0;
    heap.push(Open { cost: h(from), cell: from });
    while let Some(Open { cost: f, cell }) = heap.pop() {
        if cell == to {
            break;
        }
        if f - h(cell) > g[cell] + 1e-9 {
            continue;
        }
        for (m, len) in grid.neighbours(cell) {
            if !cost.open(m) {
                continue;
            }
            let ng = g[cell] + edge_cost(cost, cell, m, len);
            if ng < g[m] {
                g[m] = ng;
                came[m] = cell;
                heap.push(Open { cost: ng + h(m), cell: m });
            }
        }
    }
    if !g[to].is_finite() {
        return None;
    }
    let mut cells = vec![to];
    while let Some(&c) = cells.last() {
        if c == from {
            break;
        }
        cells.push(came[c]);
    }
    cells.reverse();
    let length_m = cells.windows(2).map(|w| grid.centre(w[0]).distance(grid.centre(w[1]))).sum();
    Some(GridPath { cells, cost: g[to], length_m })
}

/// Whether the straight plan segment `a`→`b` stays on connected cells whose multiplier is at most
/// `max_cost`: sampled at a quarter cell, every cell change must be a neighbour step.
fn straight_ok(grid: &WalkGrid, cost: &CostField, a: DVec2, b: DVec2, max_cost: f32) -> bool {
    let n = ((a.distance(b) / (grid.cell_m * 0.25)).ceil() as usize).max(1);
    let mut prev = match grid.cell_of(a) {
        Some(c) => c,
        None => return false,
    };
    for i in 1..=n {
        let Some(c) = grid.cell_of(a.lerp(b, i as f64 / n as f64)) else { return false };
        if c == prev {
            continue;
        }
        if !cost.open(c) || cost.at(c) > max_cost || !grid.neighbours(prev).any(|(m, _)| m == c) {
            return false;
        }
        prev = c;
    }
    true
}

/// The path's corners after pulling it straight: from each corner, the last of the following cells
/// that a straight line keeps reaching over ground no costlier than the path itself crosses there.
pub fn waypoints(grid: &WalkGrid, cost: &CostField, p: &GridPath) -> Vec<DVec2> {
    let pts: Vec<DVec2> = p.cells.iter().map(|&c| grid.centre(c)).collect();
    let Some(&first) = pts.first() else { return Vec::new() };
    let mut out = vec![first];
    let mut i = 0;
    while i + 1 < pts.len() {
        let mut j = i + 1;
        let mut worst = cost.at(p.cells[i]).max(cost.at(p.cells[j]));
        let mut best = j;
        while j + 1 < pts.len() {
            j += 1;
            worst = worst.max(cost.at(p.cells[j]));
            if !straight_ok(grid, cost, pts[i], pts[j], worst) {
                break;
            }
            best = j;
        }
        out.push(pts[best]);
        i = best;
    }
    out
}
