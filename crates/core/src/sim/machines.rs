//! The machines that move: tower cranes working lift cycles (or parked and weathervaning) and
//! hoists making trips. They are stepped once a simulated second, so their state never depends
//! on how a period is split into `advance_to` calls. Speeds and times are sitetwin's
//! [default] choices, in the range of QTZ-class cranes and SC-class hoists.

use glam::DVec2;

use super::num::{Rng, atan2_deg, cos_sin_deg, turn_deg, wrap_deg};
use crate::geom::{self, P2};
use crate::scene::{CraneRating, Hoist as HoistSpec, SiteScene, TowerCrane};

/// Slewing speed, °/s (0.6 r/min).
const SLEW_DEG_S: f64 = 3.6;
/// Trolleying speed, m/s.
const TROLLEY_M_S: f64 = 0.8;
/// Hoisting speed with a load / with the hook alone, m/s.
const HOIST_LOADED_M_S: f64 = 0.6;
const HOIST_EMPTY_M_S: f64 = 1.2;
/// A crane starts no lift at or above this wind at its jib, m/s (stop-work wind, force 6).
pub const STOP_WIND_M_S: f64 = 10.8;
/// The anti-collision interlock holds a slew that would bring two jibs closer than this, m.
const INTERLOCK_M: f64 = 6.0;
/// Each crane works in a sector kept at least this far from its neighbours' sectors, m.
const SECTOR_MARGIN_M: f64 = 10.0;
/// A close-approach event stops slewing once the jibs are this close, m.
const CLOSE_M: f64 = 1.5;
/// A crane held by the interlock this long picks another target, s.
const REPLAN_S: u32 = 180;
/// The hook stays this far below the jib when parked, m (within the 5 m of the stopped-site duty).
const PARKED_BELOW_JIB_M: f64 = 2.5;
/// The hook travels this far below the jib when slewing, m.
const TRAVEL_BELOW_JIB_M: f64 = 4.0;
/// The hook stops this far above the ground it picks from or sets on (the sling), m.
const SLING_M: f64 = 2.0;
/// A hoist's cage speed, up and down, m/s.
const CAGE_M_S: f64 = 0.6;
/// The top landing is this far below the top of a hoist's mast, m: the mast head and the
/// over-run above the upper limit switch keep the cage's floor there.
const TOP_LANDING_BELOW_MAST_M: f64 = 3.0;
/// A hoist's cage waits this long at a landing when a phase begins (loading, or waiting for the
/// trip down), s.
const LANDING_WAIT_S: i64 = 30;

/// A jib in plan: counter-jib tip to jib tip.
pub type Jib = (P2, P2);

/// Heights a hook picks from and sets on: the cast top of a structure, a pit's floor, or the
/// ground.
pub struct Terrain(Vec<(Vec<P2>, f64)>);

impl Terrain {
    /// The terrain of a scene.
    pub fn of(scene: &SiteScene) -> Self {
        let structures = scene.structures.iter().map(|s| (s.footprint_m.clone(), s.cast_top_m()));
        let pits = scene.pits.iter().map(|p| (p.outline_m.clone(), p.top_elevation_m - p.depth_m));
        Terrain(structures.chain(pits).collect())
    }

    fn height_m(&self, p: P2) -> f64 {
        self.0.iter().find(|(poly, _)| geom::point_in_polygon(p, poly)).map_or(0.0, |(_, h)| *h)
    }
}

/// What a crane's world is at one second.
pub struct CraneEnv<'a> {
    /// Unix seconds.
    pub t: i64,
    /// The site works now (working hours, not stopped).
    pub work: bool,
    /// The switch box is on (the site is not stopped).
    pub powered: bool,
    /// Wind at the jib, m/s.
    pub wind_m_s: f64,
    /// The true bearing the wind blows towards (a free jib turns to it), degrees.
    pub downwind_deg: f64,
    /// Every crane's jib at the start of this second (this crane's too).
    pub jibs: &'a [Jib],
    /// Pick and set-down heights.
    pub terrain: &'a Terrain,
}

/// Where the hook goes: slew, radius, hook height above the crane's base.
#[derive(Debug, Clone, Copy)]
struct Waypoint {
    slew_deg: f64,
    radius_m: f64,
    hook_m: f64,
}

/// The steps of one lift cycle.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    RiseEmpty,
    SwingToPick,
    LowerToPick,
    Attach { until: i64 },
    RiseLoaded,
    SwingToDrop,
    LowerToDrop,
    Release { until: i64 },
}

#[derive(Debug, Clone)]
struct Cycle {
    pick: Waypoint,
    drop: Waypoint,
    load_t: f64,
    step: Step,
}

/// A time window `[from, to)`, Unix seconds.
pub type Window = (i64, i64);

/// A tower crane and its black box's quantities.
pub struct Crane {
    /// Scene id.
    pub id: String,
    base: P2,
    base_y: f64,
    north_deg: f64,
    /// Height of the jib above the base, m.
    pub mast_m: f64,
    /// Jib length, m.
    pub jib_m: f64,
    counter_m: f64,
    rating: CraneRating,
    /// Rated load moment, t·m, and the radius where a full rated load reaches it.
    rated_moment_tm: f64,
    moment_radius_m: f64,
    r_min: f64,
    /// Slew angle: the jib's true bearing, degrees clockwise from north.
    pub slew_deg: f64,
    /// Trolley radius, m.
    pub radius_m: f64,
    /// Hook height above the crane's base, m.
    pub hook_m: f64,
    /// Load on the hook, t.
    pub load_t: f64,
    /// Current the motions draw now, A.
    pub amps: f64,
    /// Forbidden arcs of the working sector: (centre, half-width), degrees.
    forbidden: Vec<(f64, f64)>,
    cycle: Option<Cycle>,
    pause_until: i64,
    held_s: u32,
    /// Parked with the slew brake released, turning with the wind.
    vaning: bool,
    rng: Rng,
    /// Pending overload lifts: (from, % of rated), in time order.
    pub overloads: Vec<(i64, f64)>,
    /// When the slew brake is locked.
    pub brake_locked: Vec<Window>,
    /// Close approaches: (window, index of the other crane, the bearing towards it).
    pub approaches: Vec<(Window, usize, f64)>,
}

impl Crane {
    /// A crane parked with its jib pointing `downwind_deg`; `key` seeds its choices.
    pub fn new(c: &TowerCrane, north_deg: f64, key: u64, downwind_deg: f64) -> Crane {
        let points: Vec<(f64, f64)> = match &c.rating {
            CraneRating::LoadChart(chart) => chart.iter().map(|p| (p.radius_m, p.load_t)).collect(),
            CraneRating::MaxLoadMoment { max_load_t, rated_moment_kn_m } => {
                vec![(rated_moment_kn_m / 9.81 / max_load_t, *max_load_t)]
            }
        };
        // The chart point of the largest load × radius (an empty chart rates 1 t, as `rated_t`).
        let (moment_radius_m, best_t) =
            points.iter().copied().fold((2.5, 1.0), |best, p| if p.0 * p.1 > best.0 * best.1 { p } else { best });
        let r_min = match &c.rating {
            CraneRating::LoadChart(chart) => chart.first().map_or(2.5, |p| p.radius_m),
            CraneRating::MaxLoadMoment { .. } => 2.5,
        };
        let mut crane = Crane {
            id: c.id.clone(),
            base: geom::plan(c.position_m),
            base_y: c.position_m.y,
            north_deg,
            mast_m: c.mast_height_m,
            jib_m: c.jib_length_m,
            counter_m: c.counter_jib_length_m,
            rating: c.rating.clone(),
            rated_moment_tm: moment_radius_m * best_t,
            moment_radius_m: moment_radius_m.min(c.jib_length_m - 1.0),
            r_min,
            slew_deg: wrap_deg(downwind_deg),
            radius_m: 0.0,
            hook_m: c.mast_height_m - PARKED_BELOW_JIB_M,
            load_t: 0.0,
            amps: 0.0,
            forbidden: Vec::new(),
            cycle: None,
            pause_until: 0,
            held_s: 0,
            vaning: true,
            rng: Rng::new(key),
            overloads: Vec::new(),
            brake_locked: Vec::new(),
            approaches: Vec::new(),
        };
        crane.radius_m = crane.park_radius_m();
        crane
    }

    /// Splits the slewing circle between each pair of cranes whose jibs can meet: each keeps out
    /// of an arc pointing at the other, the narrowest (in 10° steps) that keeps every pair of
    /// jib positions in the two sectors at least [`SECTOR_MARGIN_M`] apart.
    pub fn share_sectors(cranes: &mut [Crane]) {
        for i in 0..cranes.len() {
            for j in i + 1..cranes.len() {
                let (a, b) = (&cranes[i], &cranes[j]);
                if geom_dist(a.base, b.base) > a.jib_m.max(a.counter_m) + b.jib_m.max(b.counter_m) + SECTOR_MARGIN_M {
                    continue;
                }
                let to_b = a.bearing_to(b.base);
                let to_a = b.bearing_to(a.base);
                let samples = |centre: f64, half: f64| {
                    (0..72).map(move |k| f64::from(k) * 5.0).filter(move |s| turn_deg(centre, *s).abs() >= half)
                };
                let fits = |half: f64| {
                    samples(to_b, half)
                        .all(|sa| samples(to_a, half).all(|sb| jib_distance_m(a.jib(sa), b.jib(sb)) >= SECTOR_MARGIN_M))
                };
                let half = (0..17).map(|k| f64::from(k) * 10.0).find(|h| fits(*h)).unwrap_or(170.0);
                if half > 0.0 {
                    cranes[i].forbidden.push((to_b, half));
                    cranes[j].forbidden.push((to_a, half));
                }
            }
        }
    }

    /// The mast's centre in plan.
    pub fn base(&self) -> P2 {
        self.base
    }

    /// The true bearing from the mast to a plan point, degrees.
    pub fn bearing_to(&self, p: P2) -> f64 {
        // Plan (x, z): east is +x, grid north is −z.
        wrap_deg(atan2_deg(p.x - self.base.x, self.base.y - p.y) + self.north_deg)
    }

    /// The jib in plan at slew angle `slew_deg`.
    pub fn jib(&self, slew_deg: f64) -> Jib {
        let (c, s) = cos_sin_deg(slew_deg - self.north_deg);
        let d = DVec2::new(s, -c);
        (self.base - d * self.counter_m, self.base + d * self.jib_m)
    }

    fn park_radius_m(&self) -> f64 {
        (self.r_min + 2.5).min(self.jib_m / 2.0)
    }

    /// Rated load at a radius, t (the chart interpolated linearly, held flat beyond its ends).
    pub fn rated_t(&self, radius_m: f64) -> f64 {
        match &self.rating {
            CraneRating::MaxLoadMoment { max_load_t, rated_moment_kn_m } => {
                max_load_t.min(rated_moment_kn_m / 9.81 / radius_m.max(0.1))
            }
            CraneRating::LoadChart(chart) => {
                let Some(first) = chart.first() else { return 1.0 };
                let mut out = first.load_t;
                for w in chart.windows(2) {
                    let (a, b) = (w[0], w[1]);
                    if radius_m >= a.radius_m {
                        let f = ((radius_m - a.radius_m) / (b.radius_m - a.radius_m)).clamp(0.0, 1.0);
                        out = a.load_t + (b.load_t - a.load_t) * f;
                    }
                }
                out
            }
        }
    }

    /// Load, % of the rated load at the current radius.
    pub fn load_pct(&self) -> f64 {
        self.load_t / self.rated_t(self.radius_m) * 100.0
    }

    /// Load moment, % of the rated moment.
    pub fn moment_pct(&self) -> f64 {
        self.load_t * self.radius_m / self.rated_moment_tm * 100.0
    }

    /// The smallest plan distance from this crane's jib at `slew_deg` to another crane's, m
    /// (infinite without neighbours).
    pub fn clearance_m(&self, me: usize, jibs: &[Jib], slew_deg: f64) -> f64 {
        let mine = self.jib(slew_deg);
        jibs.iter()
            .enumerate()
            .filter(|(k, _)| *k != me)
            .map(|(_, j)| jib_distance_m(mine, *j))
            .fold(f64::INFINITY, f64::min)
    }

    /// One second of the crane `me` (its index in `env.jibs`).
    pub fn step(&mut self, me: usize, env: &CraneEnv) {
        let mut motion = Motion::default();
        if let Some(&(_, _, towards)) = self.approaches.iter().find(|(w, ..)| (w.0..w.1).contains(&env.t)) {
            // Steered at the other crane, interlock overridden, until the jibs nearly touch.
            if self.clearance_m(me, env.jibs, self.slew_deg) >= CLOSE_M {
                let d = turn_deg(self.slew_deg, towards).clamp(-1.0, 1.0);
                self.slew_deg = wrap_deg(self.slew_deg + d);
                motion.slew = d != 0.0;
            }
        } else {
            let may_lift = env.work && env.wind_m_s < STOP_WIND_M_S;
            if self.cycle.is_none() && may_lift && env.t >= self.pause_until {
                self.cycle = Some(self.plan(env));
                self.vaning = false;
            }
            match self.cycle.take() {
                Some(c) => self.work(me, env, c, may_lift, &mut motion),
                None if may_lift => {} // between lifts: brakes on
                None => self.park(me, env, &mut motion),
            }
        }
        self.amps = if !env.powered {
            0.0
        } else {
            let hoist = match motion.hook {
                h if h > 0.0 => 20.0 + 55.0 * (self.load_t / self.rated_t(self.moment_radius_m)).min(1.2),
                h if h < 0.0 => 10.0,
                _ => 0.0,
            };
            0.3 + hoist + if motion.slew { 14.0 } else { 0.0 } + if motion.trolley { 7.0 } else { 0.0 }
        };
    }

    /// Plans the next lift: a pick and a set-down in the working sector, and the load, or the
    /// pending overload lift.
    fn plan(&mut self, env: &CraneEnv) -> Cycle {
        let (lo, hi) = ((self.r_min + 1.0).max(5.0).min(self.jib_m - 2.0), self.jib_m - 1.0);
        let overload = self.overloads.first().filter(|(from, _)| *from <= env.t).map(|(_, pct)| *pct);
        let (pick_r, drop_r, load_t) = match overload {
            Some(pct) => {
                self.overloads.remove(0);
                let r = self.moment_radius_m;
                (r, r, pct / 100.0 * self.rated_t(r))
            }
            None => {
                let (a, b) = (self.rng.range(lo, hi), self.rng.range(lo, hi));
                let frac = self.rng.range(0.30, 0.85);
                (a, b, frac * self.rated_t(a.max(b)))
            }
        };
        let pick = self.waypoint(env, pick_r);
        let drop = self.waypoint(env, drop_r);
        Cycle { pick, drop, load_t, step: Step::RiseEmpty }
    }

    /// A hook position in the working sector at `radius_m`, over whatever the ground is there.
    fn waypoint(&mut self, env: &CraneEnv, radius_m: f64) -> Waypoint {
        let mut slew_deg = self.slew_deg;
        for _ in 0..64 {
            let b = self.rng.range(0.0, 360.0);
            if self.forbidden.iter().all(|&(c, half)| turn_deg(c, b).abs() >= half) {
                slew_deg = b;
                break;
            }
        }
        let (c, s) = cos_sin_deg(slew_deg - self.north_deg);
        let at = self.base + DVec2::new(s, -c) * radius_m;
        let ground = env.terrain.height_m(at) - self.base_y;
        // Into a pit at most 15 m below the base; under the travel height.
        let hook_m = (ground + SLING_M).clamp(-15.0, self.mast_m - TRAVEL_BELOW_JIB_M - 1.0);
        Waypoint { slew_deg, radius_m, hook_m }
    }

    fn work(&mut self, me: usize, env: &CraneEnv, mut c: Cycle, may_lift: bool, motion: &mut Motion) {
        let travel = self.mast_m - TRAVEL_BELOW_JIB_M;
        let unloaded = matches!(c.step, Step::RiseEmpty | Step::SwingToPick | Step::LowerToPick | Step::Attach { .. });
        if !may_lift && unloaded {
            // Work stopped (the end of a shift, the wind): nothing on the hook, so stop here.
            self.park(me, env, motion);
            return;
        }
        let done = match c.step {
            Step::RiseEmpty => self.hoist(travel, HOIST_EMPTY_M_S, motion),
            Step::SwingToPick | Step::SwingToDrop => {
                let to = if c.step == Step::SwingToPick { c.pick } else { c.drop };
                let arrived = self.swing(me, env, to, motion);
                if self.held_s > REPLAN_S {
                    self.held_s = 0;
                    let w = self.waypoint(env, to.radius_m);
                    if c.step == Step::SwingToPick { c.pick = w } else { c.drop = w }
                }
                arrived
            }
            Step::LowerToPick => self.hoist(c.pick.hook_m, HOIST_EMPTY_M_S, motion),
            Step::RiseLoaded => self.hoist(travel, HOIST_LOADED_M_S, motion),
            Step::LowerToDrop => self.hoist(c.drop.hook_m, HOIST_LOADED_M_S, motion),
            Step::Attach { until } | Step::Release { until } => env.t >= until,
        };
        if done {
            c.step = match c.step {
                Step::RiseEmpty => Step::SwingToPick,
                Step::SwingToPick => Step::LowerToPick,
                Step::LowerToPick => Step::Attach { until: env.t + self.rng.range(40.0, 90.0) as i64 },
                Step::Attach { .. } => {
                    self.load_t = c.load_t;
                    Step::RiseLoaded
                }
                Step::RiseLoaded => Step::SwingToDrop,
                Step::SwingToDrop => Step::LowerToDrop,
                Step::LowerToDrop => Step::Release { until: env.t + self.rng.range(30.0, 80.0) as i64 },
                Step::Release { .. } => {
                    self.load_t = 0.0;
                    self.pause_until = env.t + self.rng.range(20.0, 180.0) as i64;
                    return;
                }
            };
        }
        self.cycle = Some(c);
    }

    /// Parked: trolley in, hook up, and the jib free to turn downwind unless the brake is locked.
    /// With power on, the operator first slews it downwind under the interlock, then releases
    /// the brake (so that parking cranes do not sweep through each other).
    fn park(&mut self, me: usize, env: &CraneEnv, motion: &mut Motion) {
        self.hoist(self.mast_m - PARKED_BELOW_JIB_M, HOIST_EMPTY_M_S, motion);
        let park = Waypoint { slew_deg: env.downwind_deg, radius_m: self.park_radius_m(), hook_m: self.hook_m };
        if self.brake_locked.iter().any(|w| (w.0..w.1).contains(&env.t)) {
            self.trolley(park.radius_m, motion);
        } else if env.powered && !self.vaning {
            self.swing(me, env, park, motion);
            self.vaning = turn_deg(self.slew_deg, park.slew_deg).abs() < 5.0 || self.held_s > REPLAN_S;
        } else {
            self.trolley(park.radius_m, motion);
            // Weathervaning: the wind turns the jib, faster the stronger it blows (no current).
            let rate = (env.wind_m_s / 6.0).min(1.0) * 0.05;
            self.slew_deg =
                wrap_deg(self.slew_deg + (turn_deg(self.slew_deg, env.downwind_deg) * rate).clamp(-1.5, 1.5));
        }
    }

    /// Moves the hook towards `to_m`; true once there.
    fn hoist(&mut self, to_m: f64, speed: f64, motion: &mut Motion) -> bool {
        let d = (to_m - self.hook_m).clamp(-speed, speed);
        self.hook_m += d;
        motion.hook = d;
        d.abs() < speed
    }

    fn trolley(&mut self, to_m: f64, motion: &mut Motion) -> bool {
        let d = (to_m - self.radius_m).clamp(-TROLLEY_M_S, TROLLEY_M_S);
        self.radius_m += d;
        motion.trolley = d != 0.0;
        d.abs() < TROLLEY_M_S
    }

    /// Slews and trolleys towards `to`, the way round that keeps out of the forbidden arcs, the
    /// interlock holding a slew that would close in on a neighbour; true once there.
    fn swing(&mut self, me: usize, env: &CraneEnv, to: Waypoint, motion: &mut Motion) -> bool {
        let mut d = turn_deg(self.slew_deg, to.slew_deg);
        let crosses = |d: f64| {
            self.forbidden.iter().any(|&(c, _)| {
                let k = turn_deg(self.slew_deg, c);
                if d >= 0.0 { k > 0.0 && k < d } else { k < 0.0 && k > d }
            })
        };
        if crosses(d) {
            let other_way = if d >= 0.0 { d - 360.0 } else { d + 360.0 };
            if !crosses(other_way) {
                d = other_way;
            }
        }
        let step = d.clamp(-SLEW_DEG_S, SLEW_DEG_S);
        if step != 0.0 {
            let now = self.clearance_m(me, env.jibs, self.slew_deg);
            let next = self.clearance_m(me, env.jibs, self.slew_deg + step);
            if next >= INTERLOCK_M || next >= now {
                self.slew_deg = if step == d { wrap_deg(to.slew_deg) } else { wrap_deg(self.slew_deg + step) };
                motion.slew = true;
                self.held_s = 0;
            } else {
                self.held_s += 1;
            }
        }
        let trolleyed = self.trolley(to.radius_m, motion);
        step == d && self.held_s == 0 && trolleyed
    }
}

/// What moved in one second.
#[derive(Default)]
struct Motion {
    /// Hook travel, m (+ up).
    hook: f64,
    slew: bool,
    trolley: bool,
}

fn geom_dist(a: P2, b: P2) -> f64 {
    (a - b).length()
}

fn point_segment_m(p: P2, (a, b): Jib) -> f64 {
    let ab = b - a;
    let len2 = ab.length_squared();
    let t = if len2 > 0.0 { ((p - a).dot(ab) / len2).clamp(0.0, 1.0) } else { 0.0 };
    geom_dist(p, a + ab * t)
}

/// The smallest plan distance between two jibs, m (0 where they cross).
pub fn jib_distance_m(a: Jib, b: Jib) -> f64 {
    if geom::segments_intersect(a.0, a.1, b.0, b.1) {
        return 0.0;
    }
    point_segment_m(a.0, b).min(point_segment_m(a.1, b)).min(point_segment_m(b.0, a)).min(point_segment_m(b.1, a))
}

/// A construction hoist's cage: loaded trips up, empty trips down, in working hours.
pub struct Hoist {
    /// Scene id.
    pub id: String,
    /// The top landing's height above the ground landing, m.
    top_m: f64,
    /// Seconds from one landing to the other.
    travel_s: i64,
    rng: Rng,
    phase_from: i64,
    phase_until: i64,
    /// Load in the cage, % of rated.
    pub load_pct: f64,
    /// The cage floor's height above the ground landing, m.
    pub height_m: f64,
    /// Current the drive draws now, A.
    pub amps: f64,
    /// Pending overload trips: (from, % of rated), in time order.
    pub overloads: Vec<(i64, f64)>,
}

impl Hoist {
    /// A hoist waiting at the ground landing.
    pub fn new(h: &HoistSpec, key: u64) -> Hoist {
        let top_m = (h.mast_height_m - TOP_LANDING_BELOW_MAST_M).max(0.0);
        Hoist {
            id: h.id.clone(),
            top_m,
            // From the ground to the top landing at the cage's speed, the last second's part too.
            travel_s: (top_m / CAGE_M_S).ceil() as i64,
            rng: Rng::new(key),
            phase_from: 0,
            phase_until: 0,
            load_pct: 0.0,
            height_m: 0.0,
            amps: 0.0,
            overloads: Vec::new(),
        }
    }

    /// One second: a phase (a loaded trip up and unloading, or the empty trip down and waiting)
    /// ends and the next begins; the cage waits [`LANDING_WAIT_S`] at its landing, then travels
    /// to the other at [`CAGE_M_S`] (a phase lasts at least that long). Out of working hours the
    /// cage goes down to the ground landing and stays there.
    pub fn step(&mut self, t: i64, work: bool, powered: bool) {
        // Long enough for the wait and the trip.
        let trip_s = LANDING_WAIT_S + self.travel_s;
        if t >= self.phase_until {
            self.phase_from = t;
            if self.load_pct > 0.0 {
                self.load_pct = 0.0;
                self.phase_until = t + (self.rng.range(90.0, 240.0) as i64).max(trip_s);
            } else if work {
                self.load_pct = match self.overloads.first().filter(|(from, _)| *from <= t) {
                    Some(&(_, pct)) => {
                        self.overloads.remove(0);
                        pct
                    }
                    None => self.rng.range(20.0, 80.0),
                };
                self.phase_until = t + (self.rng.range(90.0, 180.0) as i64).max(trip_s);
            } else {
                self.phase_until = t + 60;
            }
        }
        let travelling = (LANDING_WAIT_S..trip_s).contains(&(t - self.phase_from));
        let to_m = match (work, travelling) {
            (false, _) => 0.0,
            (true, true) if self.load_pct > 0.0 => self.top_m,
            (true, true) => 0.0,
            (true, false) => self.height_m,
        };
        // Without power the cage stays where it is.
        let gap = to_m - self.height_m;
        let moving = powered && gap != 0.0;
        if moving {
            self.height_m = if gap.abs() <= CAGE_M_S { to_m } else { self.height_m + CAGE_M_S.copysign(gap) };
        }
        self.amps = match (powered, moving) {
            (false, _) => 0.0,
            (true, true) => 18.0 + 25.0 * self.load_pct / 100.0,
            (true, false) => 0.3,
        };
    }
}
