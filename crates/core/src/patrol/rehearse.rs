//! The first-person rehearsal: a person walks the planned patrol themselves, in the same rapier3d
//! world and with the same character controller as the simulated inspector, steering with a
//! stride (keys) and a heading (mouse). Coming within reach of a stand point opens its checklist;
//! each item is judged there, OK or not OK with a note. At the end the walk is compared with the
//! plan: points missed or left unfinished, the order kept or not, the time and distance against
//! the plan's, the dwell at each point, and every hazard zone crossed (closed ones above all).
//!
//! Stepping is fixed (`step_s`), with the frame's time carried over, so the same strides over the
//! same frame times give a bit-identical trace. The zones are the caller's: it refreshes them
//! from the site's live state (the twin from its cranes and pours) with [`Rehearsal::set_zones`].
//! [`Rehearsal::guide`] re-plans the way on from wherever the person stands, around the zones
//! closed at that moment: a zone that closes across the planned leg sends the guide round it.

use std::sync::Arc;

use glam::{DVec2, DVec3};
use serde::Serialize;

use super::plan::{Leg, PatrolPlan, PatrolSite};
use super::points::{Check, PatrolKind, Priority};
use super::walk::{FindingSource, Gravity, PatrolFinding};
use super::world::{Sight, Walker};
use super::zones::{self, HazardZone, ZoneKind, ZoneRule};
use crate::i18n::Bilingual;

/// While on the ground, the down part of a stride against its length (enough to follow the
/// ground's small dips; the controller's snap does the rest).
const GROUNDED_DOWN: f64 = 0.1;

/// How the rehearsal moves and decides where the person is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RehearsalOptions {
    /// The fixed physics step, s.
    pub step_s: f64,
    /// Walking speed, m/s (the plan's pace by default).
    pub walk_m_s: f64,
    /// Speed with the run key held, m/s (to get back to a point quickly; the time still counts).
    pub run_m_s: f64,
    /// Within this plan distance of a stand point the person is at the point, m.
    pub at_point_m: f64,
    /// How far past `at_point_m` they must go to have left it, m (no flicker at the edge).
    pub leave_margin_m: f64,
    /// How often the trace records the person, s.
    pub trace_every_s: f64,
    /// Fall speed while airborne, m/s (the controller snaps to the ground within a step height).
    pub fall_m_s: f64,
}

impl RehearsalOptions {
    /// The defaults at a plan's pace.
    pub fn for_plan(plan: &PatrolPlan) -> Self {
        RehearsalOptions {
            step_s: 1.0 / 60.0,
            walk_m_s: plan.options.pace_m_s,
            run_m_s: plan.options.pace_m_s * 2.5,
            at_point_m: 2.5,
            leave_margin_m: 0.5,
            trace_every_s: 1.0,
            fall_m_s: 3.0,
        }
    }
}

/// What the person asks for this frame, relative to where they face: each part in -1..=1.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stride {
    /// Forward (W) positive, back (S) negative.
    pub forward: f64,
    /// Right (D) positive, left (A) negative.
    pub right: f64,
    /// Run.
    pub run: bool,
}

/// The person's judgement of one checklist item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Verdict {
    /// Found in order.
    Ok,
    /// Found wanting: a finding, with how serious and what was seen.
    NotOk {
        /// How serious.
        gravity: Gravity,
        /// What was seen.
        note: String,
    },
}

/// Something that happened in a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Moment {
    /// Came within reach of a stand point (index into the plan's stops).
    Arrived(usize),
    /// Walked away from it.
    Left(usize),
    /// Walked into a hazard zone.
    EnteredZone {
        /// The zone.
        zone: String,
        /// It was closed (no walking inside).
        closed: bool,
    },
    /// Walked out of one.
    LeftZone(String),
}

/// One stop's state during the rehearsal.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PointProgress {
    /// First arrival, s since the start.
    pub arrived_s: Option<f64>,
    /// Last departure, s.
    pub left_s: Option<f64>,
    /// Time spent at the point, s.
    pub dwell_s: f64,
    /// Which arrival this was (0: the first point reached).
    pub order: Option<usize>,
    /// Where the person stood on arriving (feet), m.
    pub stood_m: Option<[f64; 3]>,
    /// What the eye line from there met.
    pub sight: Option<Sight>,
    /// The verdict per checklist item, in the stop's order.
    pub verdicts: Vec<Option<Verdict>>,
}

/// A hazard zone walked through.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Crossing {
    /// The zone.
    pub zone: String,
    /// What made it.
    pub kind: ZoneKind,
    /// Its object.
    pub object: String,
    /// It was closed when entered.
    pub closed: bool,
    /// Why it was there, in words.
    pub reason: Bilingual,
    /// Entered, s.
    pub entered_s: f64,
    /// Left, s (`None`: still inside at the end).
    pub left_s: Option<f64>,
}

/// The way on from where the person stands ([`Rehearsal::guide`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Guide {
    /// The stop it leads to, in the plan's order; `None`: back to the start.
    pub to: Option<usize>,
    /// The way: its corners from under the feet, plan `[x, z]`, and its length.
    pub leg: Leg,
}

impl Guide {
    /// Where to head for now from `feet_m`: the first corner after the one under the feet that
    /// is at least `beyond_m` away (the way's end when none is). Corners are not skipped for
    /// being close: the straight line from the feet past one can clip what it was drawn round.
    pub fn heading_for(&self, feet_m: DVec3, beyond_m: f64) -> Option<DVec2> {
        let here = plan_of(feet_m);
        let mut corners = self.leg.waypoints_m.iter().skip(1).map(|w| DVec2::from_array(*w));
        corners
            .find(|c| c.distance(here) >= beyond_m)
            .or_else(|| self.leg.waypoints_m.last().map(|w| DVec2::from_array(*w)))
    }
}

/// A refused judgement.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RehearsalError {
    /// No such stop.
    #[error("the plan has {stops} points; there is no point {point}")]
    NoPoint {
        /// Asked for.
        point: usize,
        /// The plan's stops.
        stops: usize,
    },
    /// No such item.
    #[error("point {object} has {items} checklist items; there is no item {item}")]
    NoItem {
        /// The point's object.
        object: String,
        /// Asked for.
        item: usize,
        /// Its items.
        items: usize,
    },
    /// Judged from elsewhere.
    #[error("{object} is checked at its stand point: walk there first ({distance_m:.1} m away)")]
    NotThere {
        /// The point's object.
        object: String,
        /// How far the person is from its stand point, m.
        distance_m: f64,
    },
    /// After the end.
    #[error("the rehearsal has ended")]
    Ended,
}

/// A person walking the plan.
pub struct Rehearsal {
    site: Arc<PatrolSite>,
    plan: Arc<PatrolPlan>,
    opts: RehearsalOptions,
    walker: Walker,
    feet: DVec3,
    heading_rad: f64,
    pitch_rad: f64,
    steps: u64,
    carry_s: f64,
    zones: Vec<HazardZone>,
    points: Vec<PointProgress>,
    at: Option<usize>,
    arrivals: usize,
    inside: Vec<String>,
    crossings: Vec<Crossing>,
    walked_m: f64,
    trace: Vec<[f64; 4]>,
    left_start: bool,
    grounded: bool,
    ended: Option<f64>,
}

impl std::fmt::Debug for Rehearsal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rehearsal").field("t_s", &self.t_s()).field("feet", &self.feet).field("at", &self.at).finish()
    }
}

/// Rounds to the millimetre (or millisecond), as the simulated walk's trace does.
fn mm(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn plan_of(p: DVec3) -> DVec2 {
    DVec2::new(p.x, p.z)
}

/// The plan direction of a heading: 0 is grid north (−z), a quarter turn east (+x).
pub fn heading_dir(heading_rad: f64) -> DVec2 {
    DVec2::new(heading_rad.sin(), -heading_rad.cos())
}

/// The heading of a plan direction.
pub fn heading_of(d: DVec2) -> f64 {
    d.x.atan2(-d.y)
}

impl Rehearsal {
    /// A rehearsal of `plan` on `site`, standing at the start, facing the first point, with the
    /// plan's zones in force.
    pub fn new(site: Arc<PatrolSite>, plan: Arc<PatrolPlan>, opts: RehearsalOptions) -> Rehearsal {
        let feet = site.feet_at(site.start);
        let first = plan.stops.first().map(|s| DVec2::new(s.stand_m[0], s.stand_m[2]));
        let heading_rad = first.map(|p| p - plan_of(feet)).filter(|d| d.length() > 1e-6).map_or(0.0, heading_of);
        let points = plan
            .stops
            .iter()
            .map(|s| PointProgress { verdicts: vec![None; s.point.checks.len()], ..Default::default() })
            .collect();
        let walker = site.world.walker(&site.body);
        let mut r = Rehearsal {
            zones: plan.zones.clone(),
            site,
            plan,
            opts,
            walker,
            feet,
            heading_rad,
            pitch_rad: 0.0,
            steps: 0,
            carry_s: 0.0,
            points,
            at: None,
            arrivals: 0,
            inside: Vec::new(),
            crossings: Vec::new(),
            walked_m: 0.0,
            trace: Vec::new(),
            left_start: false,
            grounded: false,
            ended: None,
        };
        r.record();
        // Starting at a point (the office) is being at it.
        r.points_here(&mut Vec::new());
        r
    }

    /// The plan walked.
    pub fn plan(&self) -> &PatrolPlan {
        &self.plan
    }

    /// The site walked in.
    pub fn site(&self) -> &PatrolSite {
        &self.site
    }

    /// Seconds since the start (fixed steps taken × the step).
    pub fn t_s(&self) -> f64 {
        mm(self.steps as f64 * self.opts.step_s)
    }

    /// The feet, site frame, m.
    pub fn feet_m(&self) -> DVec3 {
        self.feet
    }

    /// The eye, site frame, m.
    pub fn eye_m(&self) -> DVec3 {
        self.feet + DVec3::Y * self.site.body.eye_m
    }

    /// Where the person faces: heading (0 grid north, clockwise) and pitch (up positive), rad.
    pub fn facing_rad(&self) -> (f64, f64) {
        (self.heading_rad, self.pitch_rad)
    }

    /// The unit direction the eyes look along, site frame.
    pub fn look_dir(&self) -> DVec3 {
        let d = heading_dir(self.heading_rad);
        let (s, c) = self.pitch_rad.sin_cos();
        DVec3::new(d.x * c, s, d.y * c)
    }

    /// Turns the head: heading clockwise and pitch up, rad (pitch held within ±80°).
    pub fn turn(&mut self, heading_rad: f64, pitch_rad: f64) {
        self.heading_rad = (self.heading_rad + heading_rad).rem_euclid(std::f64::consts::TAU);
        let lim = 80f64.to_radians();
        self.pitch_rad = (self.pitch_rad + pitch_rad).clamp(-lim, lim);
    }

    /// Faces plan point `p`, level.
    pub fn face(&mut self, p: DVec2) {
        let d = p - plan_of(self.feet);
        if d.length() > 1e-6 {
            self.heading_rad = heading_of(d).rem_euclid(std::f64::consts::TAU);
        }
        self.pitch_rad = 0.0;
    }

    /// The zones in force now.
    pub fn zones(&self) -> &[HazardZone] {
        &self.zones
    }

    /// Puts new zones in force (the caller's refresh from the site's live state).
    pub fn set_zones(&mut self, zones: Vec<HazardZone>) {
        self.zones = zones;
    }

    /// The stop the person is at, if any.
    pub fn at_point(&self) -> Option<usize> {
        self.at
    }

    /// Each stop's progress, in the plan's order.
    pub fn points(&self) -> &[PointProgress] {
        &self.points
    }

    /// The next stop of the plan not yet reached, in the plan's order.
    pub fn next_point(&self) -> Option<usize> {
        self.points.iter().position(|p| p.arrived_s.is_none())
    }

    /// The way on from where the person stands, re-planned now: along the walking grid to the next
    /// stop not yet reached (back to the start once every stop is), around the zones in force
    /// (closed ones are not entered; costly ones cost what the planner charges). From inside a
    /// closed zone it leads out by the shortest way. `None` once ended, or when the way is cut
    /// (the stop's stand point itself is closed now, or out of reach).
    pub fn guide(&self) -> Option<Guide> {
        if self.ended() {
            return None;
        }
        let to = self.next_point();
        let target = match to {
            Some(i) => {
                let stand = self.plan.stops[i].stand_m;
                self.site.cell_under(DVec3::from_array(stand))?
            }
            None => self.site.start,
        };
        let cost = zones::cost_field(&self.site.grid, &self.zones);
        let leg = self.site.leg_from(&cost, self.feet, target)?;
        Some(Guide { to, leg })
    }

    /// The plan distance from the feet to stop `i`'s stand point, m.
    pub fn distance_to(&self, i: usize) -> Option<f64> {
        let s = self.plan.stops.get(i)?;
        Some(plan_of(self.feet).distance(DVec2::new(s.stand_m[0], s.stand_m[2])))
    }

    /// Ended (back at the start after leaving it, or [`Rehearsal::end`] called).
    pub fn ended(&self) -> bool {
        self.ended.is_some()
    }

    /// The trace: `[t_s, x, y, z]` every `trace_every_s`.
    pub fn trace(&self) -> &[[f64; 4]] {
        &self.trace
    }

    /// Walked, m (plan length of the feet's path).
    pub fn walked_m(&self) -> f64 {
        self.walked_m
    }

    fn record(&mut self) {
        let t = self.t_s();
        self.trace.push([t, mm(self.feet.x), mm(self.feet.y), mm(self.feet.z)]);
    }

    /// Moves on by `frame_s` of time with `stride` held: as many fixed steps as fit, the rest
    /// carried to the next call. What happened, in order.
    pub fn advance(&mut self, stride: Stride, frame_s: f64) -> Vec<Moment> {
        let mut out = Vec::new();
        if self.ended.is_some() || !frame_s.is_finite() || frame_s <= 0.0 {
            return out;
        }
        // A long frame (a stall) is not a jump across the site: at most a quarter second.
        self.carry_s += frame_s.min(0.25);
        while self.carry_s >= self.opts.step_s {
            self.carry_s -= self.opts.step_s;
            self.step(stride, &mut out);
            if self.ended.is_some() {
                break;
            }
        }
        out
    }

    fn step(&mut self, stride: Stride, out: &mut Vec<Moment>) {
        let dt = self.opts.step_s;
        let fwd = heading_dir(self.heading_rad);
        let right = DVec2::new(-fwd.y, fwd.x);
        let mut wish = fwd * stride.forward.clamp(-1.0, 1.0) + right * stride.right.clamp(-1.0, 1.0);
        if wish.length() > 1.0 {
            wish = wish.normalize();
        }
        let speed = if stride.run { self.opts.run_m_s } else { self.opts.walk_m_s };
        let mv = wish * speed * dt;
        let before = plan_of(self.feet);
        // Standing still on the ground stays put without asking the controller.
        if mv != DVec2::ZERO || !self.grounded {
            // On the ground, only a little down (the controller snaps to the ground within a step
            // height): pressing down as hard as a fall keeps rapier's autostep from climbing a
            // kerb or a hoist's base slab, and the person stands stuck at its edge.
            let down_m = if self.grounded { mv.length() * GROUNDED_DOWN } else { self.opts.fall_m_s * dt };
            let wish_m = DVec3::new(mv.x, -down_m, mv.y);
            let stepped = self.walker.step(&self.site.world, self.feet, wish_m, dt);
            self.feet = stepped.feet_m;
            self.grounded = stepped.grounded;
        }
        self.walked_m += plan_of(self.feet).distance(before);
        self.steps += 1;
        let per = ((self.opts.trace_every_s / dt).round() as u64).max(1);
        if self.steps.is_multiple_of(per) {
            self.record();
        }
        self.zones_here(out);
        self.points_here(out);
        let home = plan_of(self.site.feet_at(self.site.start));
        let from_home = plan_of(self.feet).distance(home);
        if from_home > self.opts.at_point_m * 2.0 {
            self.left_start = true;
        } else if self.left_start
            && from_home <= self.opts.at_point_m
            && self.at.is_none_or(|i| self.points[i].verdicts.iter().all(Option::is_some))
        {
            // Back at the start; when the start is a point (the office), once its checklist is done.
            self.end();
        }
    }

    fn zones_here(&mut self, out: &mut Vec<Moment>) {
        let t = self.t_s();
        let p = plan_of(self.feet);
        let now: Vec<&HazardZone> = zones::zones_at(&self.zones, p).collect();
        for z in &now {
            if !self.inside.contains(&z.id) {
                let closed = z.rule == ZoneRule::Closed;
                self.crossings.push(Crossing {
                    zone: z.id.clone(),
                    kind: z.kind,
                    object: z.object.clone(),
                    closed,
                    reason: z.reason.clone(),
                    entered_s: t,
                    left_s: None,
                });
                out.push(Moment::EnteredZone { zone: z.id.clone(), closed });
            }
        }
        let ids: Vec<String> = now.iter().map(|z| z.id.clone()).collect();
        for id in std::mem::take(&mut self.inside) {
            if !ids.contains(&id) {
                if let Some(c) = self.crossings.iter_mut().rev().find(|c| c.zone == id && c.left_s.is_none()) {
                    c.left_s = Some(t);
                }
                out.push(Moment::LeftZone(id));
            }
        }
        self.inside = ids;
    }

    fn points_here(&mut self, out: &mut Vec<Moment>) {
        let t = self.t_s();
        let dt = self.opts.step_s;
        let here = plan_of(self.feet);
        if let Some(i) = self.at {
            let d = self.distance_to(i).unwrap_or(f64::INFINITY);
            if d > self.opts.at_point_m + self.opts.leave_margin_m {
                self.points[i].left_s = Some(t);
                self.at = None;
                out.push(Moment::Left(i));
            } else {
                self.points[i].dwell_s += dt;
                return;
            }
        }
        let near = self
            .plan
            .stops
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (here.distance(DVec2::new(s.stand_m[0], s.stand_m[2])), (self.feet.y - s.stand_m[1]).abs(), i)
            })
            .filter(|&(d, dy, _)| d <= self.opts.at_point_m && dy <= 1.5)
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
        let Some((_, _, i)) = near else { return };
        self.at = Some(i);
        let p = &mut self.points[i];
        if p.arrived_s.is_none() {
            p.arrived_s = Some(t);
            p.order = Some(self.arrivals);
            self.arrivals += 1;
            let stop = &self.plan.stops[i];
            let eye = self.feet + DVec3::Y * self.site.body.eye_m;
            p.stood_m = Some(self.feet.to_array().map(mm));
            p.sight = Some(self.site.world.sight(
                eye,
                DVec3::from_array(stop.point.look_at_m),
                &stop.point.object,
                self.site.grid.cell_m,
            ));
        }
        out.push(Moment::Arrived(i));
    }

    /// Judges item `item` of stop `point`: only at the point, as a checklist is filled on the spot.
    pub fn judge(&mut self, point: usize, item: usize, verdict: Verdict) -> Result<(), RehearsalError> {
        if self.ended.is_some() {
            return Err(RehearsalError::Ended);
        }
        let stops = self.plan.stops.len();
        let stop = self.plan.stops.get(point).ok_or(RehearsalError::NoPoint { point, stops })?;
        let object = stop.point.object.clone();
        let items = stop.point.checks.len();
        if item >= items {
            return Err(RehearsalError::NoItem { object, item, items });
        }
        if self.at != Some(point) {
            let distance_m = self.distance_to(point).unwrap_or(f64::INFINITY);
            return Err(RehearsalError::NotThere { object, distance_m });
        }
        self.points[point].verdicts[item] = Some(verdict);
        Ok(())
    }

    /// Ends the rehearsal where the person stands.
    pub fn end(&mut self) {
        if self.ended.is_none() {
            let t = self.t_s();
            if let Some(i) = self.at.take() {
                self.points[i].left_s = Some(t);
            }
            for c in self.crossings.iter_mut().filter(|c| c.left_s.is_none()) {
                c.left_s = Some(t);
            }
            self.inside.clear();
            self.record();
            self.ended = Some(t);
        }
    }

    /// A stride that turns the person toward plan point `p` and walks there (tests, benchmarks
    /// and the self-check use it to stand in for a person at the keys).
    pub fn steer_to(&mut self, p: DVec2) -> Stride {
        self.face(p);
        let d = plan_of(self.feet).distance(p);
        Stride { forward: (d / (self.opts.walk_m_s * self.opts.step_s)).min(1.0), right: 0.0, run: false }
    }

    /// The walk compared with the plan.
    pub fn report(&self) -> RehearsalReport {
        let duration_s = self.ended.unwrap_or_else(|| self.t_s());
        let mut points = Vec::new();
        let mut findings = Vec::new();
        for (i, (stop, p)) in self.plan.stops.iter().zip(&self.points).enumerate() {
            let judged = p.verdicts.iter().filter(|v| v.is_some()).count();
            let mut not_ok = Vec::new();
            for (check, v) in stop.point.checks.iter().zip(&p.verdicts) {
                if let Some(Verdict::NotOk { gravity, note }) = v {
                    not_ok.push(NotOk { check: check.clone(), gravity: *gravity, note: note.clone() });
                    findings.push(PatrolFinding {
                        object: stop.point.object.clone(),
                        table: check.table,
                        item: check.table.map(|_| check.zh.clone()),
                        gravity: *gravity,
                        zh: if note.is_empty() {
                            format!("{}：不合格", check.zh)
                        } else {
                            format!("{}：{note}", check.zh)
                        },
                        en: if note.is_empty() {
                            format!("{}: not in order", check.en)
                        } else {
                            format!("{}: {note}", check.en)
                        },
                        source: FindingSource::Inspector,
                        t_s: p.arrived_s.unwrap_or(duration_s),
                    });
                }
            }
            let planned_dwell_s = stop.leave_s - stop.arrive_s;
            points.push(PointResult {
                object: stop.point.object.clone(),
                name: stop.point.name.clone(),
                priority: stop.point.priority,
                planned_order: i,
                order: p.order,
                planned_arrive_s: mm(stop.arrive_s),
                arrive_s: p.arrived_s,
                planned_dwell_s: mm(planned_dwell_s),
                dwell_s: mm(p.dwell_s),
                items: stop.point.checks.len(),
                judged,
                not_ok,
                sight: p.sight.clone(),
            });
        }
        let missed = points.iter().filter(|p| p.arrive_s.is_none()).map(|p| p.object.clone()).collect();
        let unfinished =
            points.iter().filter(|p| p.arrive_s.is_some() && p.judged < p.items).map(|p| p.object.clone()).collect();
        let short_dwell = points
            .iter()
            .filter(|p| p.arrive_s.is_some() && p.dwell_s < p.planned_dwell_s * 0.5)
            .map(|p| p.object.clone())
            .collect();
        // Arrivals out of the plan's order: pairs of reached points walked the other way round.
        let reached: Vec<&PointResult> = {
            let mut r: Vec<&PointResult> = points.iter().filter(|p| p.order.is_some()).collect();
            r.sort_by_key(|p| p.order);
            r
        };
        let mut swapped_pairs = 0;
        for (a, x) in reached.iter().enumerate() {
            swapped_pairs += reached[a + 1..].iter().filter(|y| y.planned_order < x.planned_order).count();
        }
        // An urgent point reached after a point of lower priority.
        let mut urgent_late = Vec::new();
        for (a, x) in reached.iter().enumerate() {
            if x.priority == Priority::Urgent && reached[..a].iter().any(|y| y.priority != Priority::Urgent) {
                urgent_late.push(x.object.clone());
            }
        }
        let closed_zone_s =
            mm(self.crossings.iter().filter(|c| c.closed).map(|c| c.left_s.unwrap_or(duration_s) - c.entered_s).sum());
        RehearsalReport {
            kind: self.plan.kind,
            duration_s,
            planned_s: mm(self.plan.total_s),
            walked_m: mm(self.walked_m),
            planned_m: mm(self.plan.walk_m),
            back_at_start: self.left_start
                && plan_of(self.feet).distance(plan_of(self.site.feet_at(self.site.start))) <= self.opts.at_point_m,
            points,
            missed,
            unfinished,
            short_dwell,
            swapped_pairs,
            urgent_late,
            crossings: self.crossings.clone(),
            closed_zone_s,
            findings,
        }
    }
}

/// An item found wanting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotOk {
    /// The item.
    pub check: Check,
    /// How serious.
    pub gravity: Gravity,
    /// What was seen.
    pub note: String,
}

/// One point as rehearsed, against the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointResult {
    /// The object.
    pub object: String,
    /// Its name.
    pub name: String,
    /// Its priority.
    pub priority: Priority,
    /// Its place in the plan (0 first).
    pub planned_order: usize,
    /// Its place in the walk, when reached.
    pub order: Option<usize>,
    /// Planned arrival, s.
    pub planned_arrive_s: f64,
    /// Arrival, s.
    pub arrive_s: Option<f64>,
    /// Planned dwell, s.
    pub planned_dwell_s: f64,
    /// Time at the point, s.
    pub dwell_s: f64,
    /// Checklist items.
    pub items: usize,
    /// Items judged.
    pub judged: usize,
    /// Items found wanting.
    pub not_ok: Vec<NotOk>,
    /// What the eye line from where the person stood met.
    pub sight: Option<Sight>,
}

/// The rehearsal compared with the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RehearsalReport {
    /// The patrol type.
    pub kind: PatrolKind,
    /// From the start to the end, s.
    pub duration_s: f64,
    /// The plan's walk and dwell, s.
    pub planned_s: f64,
    /// Walked, m.
    pub walked_m: f64,
    /// The plan's walk, m.
    pub planned_m: f64,
    /// Came back to the start.
    pub back_at_start: bool,
    /// Every planned point.
    pub points: Vec<PointResult>,
    /// Points never reached.
    pub missed: Vec<String>,
    /// Points reached with items not judged.
    pub unfinished: Vec<String>,
    /// Points left in less than half their planned dwell.
    pub short_dwell: Vec<String>,
    /// Pairs of reached points walked in the other order than planned (0: the plan's order).
    pub swapped_pairs: usize,
    /// Urgent points reached after a point of lower priority.
    pub urgent_late: Vec<String>,
    /// Hazard zones walked through.
    pub crossings: Vec<Crossing>,
    /// Time inside closed zones, s.
    pub closed_zone_s: f64,
    /// The items found wanting, as findings for the register.
    pub findings: Vec<PatrolFinding>,
}

impl RehearsalReport {
    /// Everything the plan asked for was done: every point reached and judged, back at the
    /// start, no closed zone entered.
    pub fn complete(&self) -> bool {
        self.missed.is_empty() && self.unfinished.is_empty() && self.back_at_start && self.closed_zone_s == 0.0
    }
}
