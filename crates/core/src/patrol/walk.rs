//! The simulated patrol: a kinematic inspector (rapier3d's character controller) walks the plan
//! in fixed steps at the plan's pace, the site's live state runs forward under it, and the hazard
//! zones are refreshed every few seconds of data time. A zone that closes across the path makes
//! the inspector re-plan from where they stand; a stand point inside a closed zone is put off to
//! the end of the round and waited for. At each point the eye line is tested and the findings the
//! site's state shows are recorded.
//!
//! No wall clock is read: the same plan, site state and options give a bit-identical report.

use chrono::Duration;
use glam::{DVec2, DVec3};
use serde::Serialize;

use super::grid::{Cell, CostField};
use super::live::{LiveSim, LiveSite};
use super::plan::{Leg, PatrolPlan, PatrolSite, Stop};
use super::points::{Check, Priority, alarm_items};
use super::world::Sight;
use super::zones::{self, HazardZone, ZoneRule, ZoneRules};
use crate::i18n::{self, Lang};
use crate::rules::Level;
use crate::rules::compliance::{self, Severity};
use crate::rules::jgj59::SubTable;
use crate::rules::stoppage::DutyStatus;
use crate::scene::SiteScene;

/// How the walk is simulated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WalkOptions {
    /// The fixed step, s.
    pub step_s: f64,
    /// How often the site's state and its zones are refreshed, s of data time.
    pub zone_refresh_s: f64,
    /// How often the trace records the inspector, s.
    pub trace_every_s: f64,
    /// A corner counts as reached this close, m.
    pub arrive_within_m: f64,
    /// The longest wait for a put-off point to open before it is skipped, s.
    pub wait_max_s: f64,
    /// No progress for this long is being stuck, s: the inspector re-plans from where they stand.
    pub stuck_after_s: f64,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            step_s: 0.2,
            zone_refresh_s: 10.0,
            trace_every_s: 1.0,
            arrive_within_m: 0.3,
            wait_max_s: 600.0,
            stuck_after_s: 15.0,
        }
    }
}

/// What the inspector is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Doing {
    /// Walking to a point (or back to the start).
    Walking,
    /// Checking a point.
    Checking,
    /// Waiting for a closed zone to open.
    Waiting,
    /// Back at the start.
    Done,
}

/// One sample of the trace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    /// Seconds since the start.
    pub t_s: f64,
    /// Feet, site frame, m (to the millimetre).
    pub feet_m: [f64; 3],
    /// What they are doing.
    pub doing: Doing,
    /// The point walked to or checked (the start's id on the way back).
    pub at: String,
}

/// Where a finding comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FindingSource {
    /// An open alarm of a sensor.
    Alarm {
        /// The sensor.
        sensor: String,
        /// Its level.
        level: Level,
    },
    /// A sensor that has gone silent.
    DarkSensor {
        /// The sensor.
        sensor: String,
    },
    /// A stopped site's duty not met (or not shown by any sensor).
    Duty,
    /// Activity a stopped site should not show.
    StoppedButActive {
        /// The sensor showing it.
        sensor: String,
    },
    /// The scene's declared equipment falls short of a rule (a missing or non-compliant item).
    Compliance {
        /// The rule id.
        rule: String,
    },
    /// A person at the point judged a checklist item not in order (a rehearsal's checklist).
    Inspector,
}

/// How serious a finding is for the JGJ 59 deduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Gravity {
    /// To note and correct.
    Minor,
    /// To rectify within days.
    Major,
    /// Stop the work until rectified.
    Critical,
}

/// Something the inspector found at a point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatrolFinding {
    /// The object.
    pub object: String,
    /// The sheet's sub-table and item it is scored on, when it maps to one.
    pub table: Option<SubTable>,
    /// The item's name as the sheet writes it.
    pub item: Option<String>,
    /// How serious.
    pub gravity: Gravity,
    /// What was found, Chinese.
    pub zh: String,
    /// In English.
    pub en: String,
    /// Where it comes from.
    pub source: FindingSource,
    /// When, s since the start.
    pub t_s: f64,
}

/// A point as it was checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Visit {
    /// The object.
    pub object: String,
    /// Its name.
    pub name: String,
    /// Its priority.
    pub priority: Priority,
    /// What was checked.
    pub checks: Vec<Check>,
    /// The sub-tables the point feeds.
    pub tables: Vec<SubTable>,
    /// Planned arrival, s.
    pub planned_arrive_s: f64,
    /// Arrival, s.
    pub arrive_s: f64,
    /// Departure, s.
    pub leave_s: f64,
    /// Where the inspector stood (feet), m.
    pub stood_m: [f64; 3],
    /// What the eye line met.
    pub sight: Sight,
    /// What was found.
    pub findings: Vec<PatrolFinding>,
}

/// Something that changed the walk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum WalkEvent {
    /// A zone closed across the path: a new path from where the inspector stood.
    Replanned {
        /// When, s.
        t_s: f64,
        /// Where, plan `[x, z]`.
        at_m: [f64; 2],
        /// The zone.
        zone: String,
        /// The point walked to.
        to: String,
    },
    /// The point's stand was closed or cut off: put off to the end of the round.
    PutOff {
        /// When, s.
        t_s: f64,
        /// The point.
        object: String,
        /// The zone closing it, when one does.
        zone: Option<String>,
    },
    /// Not checked.
    Skipped {
        /// When, s.
        t_s: f64,
        /// The point.
        object: String,
        /// Why.
        why: i18n::Bilingual,
    },
    /// A zone closed over the inspector where they stood: they walked out.
    ZoneClosedOver {
        /// When, s.
        t_s: f64,
        /// The zone.
        zone: String,
    },
    /// No progress: a new path from where the inspector stood.
    Stuck {
        /// When, s.
        t_s: f64,
        /// Where, plan `[x, z]`.
        at_m: [f64; 2],
        /// The point walked to.
        to: String,
    },
}

/// The simulated patrol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalkReport {
    /// The site's data time at the start (RFC 3339).
    pub started: String,
    /// The points in the order checked.
    pub visits: Vec<Visit>,
    /// What changed the walk.
    pub events: Vec<WalkEvent>,
    /// The trace.
    pub trace: Vec<Sample>,
    /// Walked, m (plan length of the feet's path).
    pub walked_m: f64,
    /// From leaving the start to being back, s.
    pub duration_s: f64,
    /// Simulation steps.
    pub steps: u64,
    /// Steps taken inside a closed zone that was open when the inspector entered it (always 0:
    /// paths are planned around closed zones; kept as the check).
    pub closed_zone_steps: u64,
    /// Steps inside a closed zone that closed over the inspector while walking out of it.
    pub escape_steps: u64,
    /// Back at the start.
    pub finished: bool,
    /// The zones in force at the end.
    pub zones_at_end: Vec<HazardZone>,
}

/// Rounds to the millimetre (or millisecond), so traces print short and stay bit-identical.
fn mm(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn plan_of(p: DVec3) -> DVec2 {
    DVec2::new(p.x, p.z)
}

/// The findings the site's state shows at a point.
fn findings_at(
    scene: &SiteScene,
    stop: &Stop,
    start_object: &str,
    live: &LiveSite,
    static_findings: &[compliance::Finding],
    t_s: f64,
) -> Vec<PatrolFinding> {
    let object = &stop.point.object;
    let mut out = Vec::new();
    let item_for = |kind| {
        let (names, table): (&[&str], Option<SubTable>) = alarm_items(kind);
        (table, names.first().map(|s| s.to_string()))
    };
    for a in live.alarms.iter().filter(|a| &a.object == object && a.level >= Level::Warning) {
        let (table, item) = item_for(a.kind);
        let gravity = match a.level {
            Level::Control => Gravity::Critical,
            Level::Alarm => Gravity::Major,
            _ => Gravity::Minor,
        };
        out.push(PatrolFinding {
            object: object.clone(),
            table,
            item,
            gravity,
            // The engine words its message in English; the Chinese names the rule by its title.
            zh: match a.rule.as_deref() {
                Some(rule) => format!(
                    "{} {}：{}",
                    a.sensor,
                    i18n::level_name(Lang::Zh, a.level),
                    i18n::rule_title(Lang::Zh, rule)
                ),
                None => format!("{} {}", a.sensor, i18n::level_name(Lang::Zh, a.level)),
            },
            en: format!("{} {}: {}", a.sensor, a.level.name(), a.message),
            source: FindingSource::Alarm { sensor: a.sensor.clone(), level: a.level },
            t_s,
        });
    }
    for s in &live.dark {
        let Some(sensor) = scene.sensors.iter().find(|x| &x.id == s && &x.anchor.object == object) else { continue };
        let (table, item) = item_for(sensor.kind);
        out.push(PatrolFinding {
            object: object.clone(),
            table,
            item,
            gravity: Gravity::Major,
            zh: format!("监测设备 {s} 无数据"),
            en: format!("sensor {s} is silent"),
            source: FindingSource::DarkSensor { sensor: s.clone() },
            t_s,
        });
    }
    if let Some(st) = &live.stoppage {
        for d in &st.duties {
            let on = d.object.as_deref().unwrap_or(start_object);
            let evidence = match &d.status {
                DutyStatus::Unmet(e) => e,
                _ => continue,
            };
            if on != object {
                continue;
            }
            out.push(PatrolFinding {
                object: object.clone(),
                table: None,
                item: None,
                gravity: Gravity::Major,
                zh: format!("停工职责未履行（{}）：{}", i18n::duty_name(Lang::Zh, d.duty), evidence.zh),
                en: format!("stopped-site duty not met ({}): {}", i18n::duty_name(Lang::En, d.duty), evidence.en),
                source: FindingSource::Duty,
                t_s,
            });
        }
        for f in st.findings.iter().filter(|f| &f.object == object) {
            out.push(PatrolFinding {
                object: object.clone(),
                table: None,
                item: None,
                gravity: Gravity::Critical,
                zh: format!("{}：{}", i18n::finding_name(Lang::Zh, &f.kind), f.evidence.zh),
                en: format!("{}: {}", i18n::finding_name(Lang::En, &f.kind), f.evidence.en),
                source: FindingSource::StoppedButActive { sensor: f.sensor.clone() },
                t_s,
            });
        }
    }
    for f in static_findings.iter().filter(|f| &f.object == object && f.severity == Severity::Violation) {
        out.push(PatrolFinding {
            object: object.clone(),
            table: stop.point.tables.first().copied(),
            item: None,
            gravity: Gravity::Major,
            zh: format!("不符合{}：{}", i18n::rule_title(Lang::Zh, f.rule), f.message.zh),
            en: format!("not compliant with {}: {}", i18n::rule_title(Lang::En, f.rule), f.message.en),
            source: FindingSource::Compliance { rule: f.rule.to_string() },
            t_s,
        });
    }
    out
}

/// The walk in progress.
struct Walk<'a, 's> {
    site: &'a PatrolSite,
    scene: &'a SiteScene,
    live: &'a mut LiveSim<'s>,
    zone_rules: ZoneRules,
    opts: WalkOptions,
    pace_m_s: f64,
    zones: Vec<HazardZone>,
    cost: CostField,
    feet: DVec3,
    step: u64,
    refresh_every: u64,
    trace_every: u64,
    report: WalkReport,
    doing: Doing,
    at: String,
    /// Walking out of a zone that closed over the inspector.
    escaping: bool,
}

impl Walk<'_, '_> {
    fn t_s(&self) -> f64 {
        mm(self.step as f64 * self.opts.step_s)
    }

    /// One step of the clock: the trace and, at its period, the site's state and zones.
    /// True when the zones were refreshed.
    fn tick(&mut self) -> bool {
        self.step += 1;
        if self.step.is_multiple_of(self.trace_every) {
            self.report.trace.push(Sample {
                t_s: self.t_s(),
                feet_m: self.feet.to_array().map(mm),
                doing: self.doing,
                at: self.at.clone(),
            });
        }
        if !self.step.is_multiple_of(self.refresh_every) {
            return false;
        }
        let t = self.live.clock() + Duration::milliseconds((self.opts.zone_refresh_s * 1000.0).round() as i64);
        self.live.advance_to(t);
        self.zones = zones::zones(self.scene, &self.live.machines(), &self.zone_rules);
        self.cost = zones::cost_field(&self.site.grid, &self.zones);
        true
    }

    /// The closed zone the cell lies in, if any.
    fn closing(&self, c: Cell) -> Option<&HazardZone> {
        let p = self.site.grid.centre(c);
        zones::zones_at(&self.zones, p).find(|z| z.rule == ZoneRule::Closed)
    }

    /// A path from where the inspector stands to `to` ([`PatrolSite::leg_from`]).
    fn leg_to(&mut self, to: Cell) -> Option<Leg> {
        self.site.leg_from(&self.cost, self.feet, to)
    }

    /// The closed zone the rest of `leg` from corner `next` (with the inspector at the feet)
    /// crosses, if any. Cells that are merely unwalkable are the controller's business: the
    /// corners were pulled over open ground, and the capsule slides along what it meets.
    fn blocked_ahead(&self, leg: &Leg, next: usize) -> Option<String> {
        let mut a = plan_of(self.feet);
        let step = self.site.grid.cell_m * 0.25;
        for w in &leg.waypoints_m[next.min(leg.waypoints_m.len())..] {
            let b = DVec2::new(w[0], w[1]);
            let n = ((a.distance(b) / step).ceil() as usize).max(1);
            for i in 1..=n {
                let c = self.site.grid.cell_of(a.lerp(b, i as f64 / n as f64));
                if let Some(z) = c.and_then(|c| self.closing(c)) {
                    return Some(z.id.clone());
                }
            }
            a = b;
        }
        None
    }

    /// Walks to cell `to` (the point `name`). False when it cannot be reached now.
    fn walk_to(&mut self, to: Cell, name: &str) -> bool {
        self.doing = Doing::Walking;
        self.at = name.to_string();
        let Some(mut leg) = self.leg_to(to) else { return false };
        let walker = self.site.world.walker(&self.site.body);
        let dt = self.opts.step_s;
        let stride = self.pace_m_s * dt;
        let stuck_steps = (self.opts.stuck_after_s / dt).ceil() as u64;
        let mut next = 1usize.min(leg.waypoints_m.len());
        let (mut best, mut best_at, mut stucks) = (f64::INFINITY, self.step, 0);
        loop {
            let here = plan_of(self.feet);
            while next < leg.waypoints_m.len()
                && here.distance(DVec2::from_array(leg.waypoints_m[next])) <= self.opts.arrive_within_m
            {
                next += 1;
                best = f64::INFINITY;
                best_at = self.step;
            }
            if next >= leg.waypoints_m.len() {
                return true;
            }
            let goal = DVec2::from_array(leg.waypoints_m[next]);
            let d = here.distance(goal);
            let mv = (goal - here) / d * stride.min(d);
            let stepped = walker.step(&self.site.world, self.feet, DVec3::new(mv.x, -0.05, mv.y), dt);
            let moved = plan_of(stepped.feet_m).distance(here);
            self.report.walked_m += moved;
            self.feet = stepped.feet_m;
            match self.site.grid.cell_of(plan_of(self.feet)).and_then(|c| self.closing(c)) {
                Some(_) if self.escaping => self.report.escape_steps += 1,
                Some(_) => self.report.closed_zone_steps += 1,
                None => self.escaping = false,
            }
            if self.tick() {
                let over =
                    self.site.grid.cell_of(plan_of(self.feet)).and_then(|c| self.closing(c)).map(|z| z.id.clone());
                if let Some(zone) = over.filter(|_| !self.escaping) {
                    self.escaping = true;
                    let t_s = self.t_s();
                    self.report.events.push(WalkEvent::ZoneClosedOver { t_s, zone });
                    let Some(l) = self.leg_to(to) else { return false };
                    leg = l;
                    next = 1usize.min(leg.waypoints_m.len());
                    best = f64::INFINITY;
                    best_at = self.step;
                } else if let Some(zone) = self.blocked_ahead(&leg, next).filter(|_| !self.escaping) {
                    if !self.cost.open(to) {
                        return false;
                    }
                    let t_s = self.t_s();
                    self.report.events.push(WalkEvent::Replanned {
                        t_s,
                        at_m: [mm(self.feet.x), mm(self.feet.z)],
                        zone,
                        to: name.to_string(),
                    });
                    let Some(l) = self.leg_to(to) else { return false };
                    leg = l;
                    next = 1usize.min(leg.waypoints_m.len());
                    best = f64::INFINITY;
                    best_at = self.step;
                }
            }
            let left = plan_of(self.feet).distance(goal);
            if left < best - 0.05 {
                best = left;
                best_at = self.step;
            } else if self.step - best_at > stuck_steps {
                stucks += 1;
                let t_s = self.t_s();
                self.report.events.push(WalkEvent::Stuck {
                    t_s,
                    at_m: [mm(self.feet.x), mm(self.feet.z)],
                    to: name.to_string(),
                });
                if stucks >= 3 {
                    return false;
                }
                let Some(l) = self.leg_to(to) else { return false };
                leg = l;
                next = 1usize.min(leg.waypoints_m.len());
                best = f64::INFINITY;
                best_at = self.step;
            }
        }
    }

    /// Lets `seconds` pass doing `doing`.
    fn pass(&mut self, seconds: f64, doing: Doing) {
        self.doing = doing;
        let steps = (seconds / self.opts.step_s).round() as u64;
        for _ in 0..steps {
            self.tick();
        }
    }
}

/// Walks `plan` over `site`, with the site's state from `live` (already at the patrol's start)
/// and its zones under `zone_rules`.
pub fn walk(
    site: &PatrolSite,
    scene: &SiteScene,
    plan: &PatrolPlan,
    live: &mut LiveSim<'_>,
    zone_rules: &ZoneRules,
    opts: &WalkOptions,
) -> WalkReport {
    let static_findings = compliance::check(scene, live.rules());
    let now = live.now();
    let zones_now = zones::zones(scene, &now, zone_rules);
    let cost = zones::cost_field(&site.grid, &zones_now);
    let per = |s: f64| ((s / opts.step_s).round() as u64).max(1);
    let mut w = Walk {
        site,
        scene,
        zone_rules: *zone_rules,
        opts: *opts,
        pace_m_s: plan.options.pace_m_s,
        zones: zones_now,
        cost,
        feet: site.feet_at(site.start),
        step: 0,
        refresh_every: per(opts.zone_refresh_s),
        trace_every: per(opts.trace_every_s),
        report: WalkReport {
            started: live.clock().to_rfc3339(),
            visits: Vec::new(),
            events: Vec::new(),
            trace: Vec::new(),
            walked_m: 0.0,
            duration_s: 0.0,
            steps: 0,
            closed_zone_steps: 0,
            escape_steps: 0,
            finished: false,
            zones_at_end: Vec::new(),
        },
        doing: Doing::Walking,
        at: String::new(),
        escaping: false,
        live,
    };
    w.report.trace.push(Sample {
        t_s: 0.0,
        feet_m: w.feet.to_array().map(mm),
        doing: Doing::Walking,
        at: String::new(),
    });
    let mut queue: std::collections::VecDeque<(&Stop, bool)> = plan.stops.iter().map(|s| (s, false)).collect();
    while let Some((stop, put_off)) = queue.pop_front() {
        let name = stop.point.object.clone();
        let reached = w.cost.open(stop.cell) && w.walk_to(stop.cell, &name);
        if !reached {
            let zone = w.closing(stop.cell).map(|z| z.id.clone());
            if !put_off && !queue.is_empty() {
                let t_s = w.t_s();
                w.report.events.push(WalkEvent::PutOff { t_s, object: name, zone });
                queue.push_back((stop, true));
                continue;
            }
            // Last chance: wait for it to open, then walk.
            let mut waited = 0.0;
            let mut done = false;
            while waited < opts.wait_max_s {
                w.pass(opts.zone_refresh_s, Doing::Waiting);
                waited += opts.zone_refresh_s;
                if w.cost.open(stop.cell) && w.walk_to(stop.cell, &name) {
                    done = true;
                    break;
                }
            }
            if !done {
                let t_s = w.t_s();
                let why = match w.closing(stop.cell) {
                    Some(z) => i18n::Bilingual::new(
                        format!("站立点在{}（{}）内，等候 {waited:.0} s 未解除", z.id, z.reason.zh),
                        format!("its stand point stayed inside {} ({}) for {waited:.0} s", z.id, z.reason.en),
                    ),
                    None => i18n::Bilingual::new(
                        format!("等候 {waited:.0} s 仍无路可达站立点"),
                        format!("no way to its stand point for {waited:.0} s"),
                    ),
                };
                w.report.events.push(WalkEvent::Skipped { t_s, object: name, why });
                continue;
            }
        }
        let arrive_s = w.t_s();
        let eye = w.feet + DVec3::Y * site.body.eye_m;
        let sight = site.world.sight(eye, DVec3::from_array(stop.point.look_at_m), &name, site.grid.cell_m);
        let state = w.live.now();
        let findings = findings_at(scene, stop, &site.start_object, &state, &static_findings, arrive_s);
        w.pass(stop.point.dwell_s, Doing::Checking);
        w.report.visits.push(Visit {
            object: name,
            name: stop.point.name.clone(),
            priority: stop.point.priority,
            checks: stop.point.checks.clone(),
            tables: stop.point.tables.clone(),
            planned_arrive_s: mm(stop.arrive_s),
            arrive_s,
            leave_s: w.t_s(),
            stood_m: w.feet.to_array().map(mm),
            sight,
            findings,
        });
    }
    let home = site.start_object.clone();
    let mut finished = w.walk_to(site.start, &home);
    if !finished {
        let mut waited = 0.0;
        while !finished && waited < opts.wait_max_s {
            w.pass(opts.zone_refresh_s, Doing::Waiting);
            waited += opts.zone_refresh_s;
            finished = w.walk_to(site.start, &home);
        }
    }
    w.doing = Doing::Done;
    w.report.finished = finished;
    w.report.duration_s = w.t_s();
    w.report.steps = w.step;
    w.report.walked_m = mm(w.report.walked_m);
    w.report.zones_at_end = w.zones.clone();
    w.report
}
