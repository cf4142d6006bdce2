//! Tests of the patrol core: the planner against brute force, zones, the walker and the reports.

use std::sync::{Arc, OnceLock};

use glam::{DVec2, DVec3};

use super::report::{self, PatrolRequest};
use super::*;
use crate::rules::RuleSet;
use crate::sim::{Scenario, scenario_file};
use crate::testutil::{demo_scene, repo};
use grid::CostField;

fn demo_site() -> &'static (crate::scene::SiteScene, Arc<PatrolSite>) {
    static SITE: OnceLock<(crate::scene::SiteScene, Arc<PatrolSite>)> = OnceLock::new();
    SITE.get_or_init(|| {
        let scene = demo_scene();
        let site = PatrolSite::build(&scene, &repo().join("scenes"), Body::default()).unwrap();
        (scene, Arc::new(site))
    })
}

fn scenario(name: &str) -> Scenario {
    Scenario::load(&scenario_file(&repo().join("scenes"), name)).unwrap()
}

fn request<'a>(
    scene: &'a crate::scene::SiteScene,
    sc: &'a Scenario,
    kind: PatrolKind,
    walk: bool,
) -> PatrolRequest<'a> {
    PatrolRequest {
        scene,
        scenario: sc,
        seed: 7,
        kind,
        at_h: 33.0,
        rules: Arc::new(RuleSet::default()),
        plan: PlanOptions::default(),
        walk: walk.then(WalkOptions::default),
        zones: ZoneRules::default(),
        points: PointRules::default(),
        deductions: report::DeductionRules::default(),
    }
}

fn font() -> crate::canvas::Font {
    crate::canvas::Font::from_bytes(std::fs::read(repo().join("assets/fonts/NotoSansSC-sitetwin.otf")).unwrap())
        .unwrap()
}

fn owner(name: &str) -> world::Owner {
    world::Owner { model: name.into(), object: Some(name.into()) }
}

/// A 30 m x 20 m yard with a wall 0.3 m thick across x = 15, a 1.2 m door in it at z 9.4..10.6,
/// and a 0.5 m post at (25, 5).
fn yard() -> SiteWorld {
    let mut w = SiteWorld::empty();
    w.add_box(owner("ground"), DVec3::new(15.0, -0.1, 10.0), DVec3::new(15.0, 0.1, 10.0));
    w.add_box(owner("wall-n"), DVec3::new(15.0, 1.5, 4.7), DVec3::new(0.15, 1.5, 4.7));
    w.add_box(owner("wall-s"), DVec3::new(15.0, 1.5, 15.3), DVec3::new(0.15, 1.5, 4.7));
    w.add_box(owner("post"), DVec3::new(25.0, 1.0, 5.0), DVec3::new(0.25, 1.0, 0.25));
    w
}

fn yard_grid(w: &SiteWorld) -> WalkGrid {
    WalkGrid::build_in(w, [0.0, 0.0, 30.0, 20.0], None, &Body::default(), CELL_M)
}

/// Whether a capsule of radius `r` standing at `p` overlaps a wall half (more than 2 cm): the
/// plan distance from its axis to each wall rectangle.
fn inside_wall(p: DVec3, r: f64) -> bool {
    let rect = |lo: DVec2, hi: DVec2| {
        let q = DVec2::new(p.x, p.z);
        (q - q.clamp(lo, hi)).length()
    };
    let n = rect(DVec2::new(14.85, 0.0), DVec2::new(15.15, 9.4));
    let s = rect(DVec2::new(14.85, 10.6), DVec2::new(15.15, 20.0));
    n.min(s) < r - 0.02
}

#[test]
fn the_grid_finds_the_floor_keeps_people_out_of_walls_and_links_through_the_door() {
    let w = yard();
    let g = yard_grid(&w);
    let at = |x: f64, z: f64| g.cell_of(DVec2::new(x, z)).unwrap();
    assert!(g.walkable(at(5.0, 5.0)));
    assert!((g.floor(at(5.0, 5.0)) - 0.0).abs() < 1e-4, "floor at the ground's top");
    assert!(!g.walkable(at(15.1, 3.0)), "the wall is not walkable");
    // The post's top is a floor no one can step up to.
    assert_ne!(g.component(at(25.0, 5.0)), g.component(at(5.0, 5.0)), "nor the post");
    assert!(g.walkable(at(15.0, 10.0)), "the door is");
    assert_eq!(g.component(at(5.0, 5.0)), g.component(at(25.0, 15.0)), "both sides connect through the door");
    let p = grid::path(&g, &CostField::plain(&g), at(5.0, 3.0), at(25.0, 3.0)).unwrap();
    assert!(p.cells.iter().all(|&c| g.walkable(c)));
    assert!(p.cells.iter().any(|&c| (g.centre(c) - DVec2::new(15.0, 10.0)).length() < 0.8), "through the door");
    // Straight it would be 20 m; through the door it is longer but far shorter than any detour.
    assert!(p.length_m > 20.0 && p.length_m < 27.0, "{}", p.length_m);
}

#[test]
fn the_walker_slides_along_walls_and_never_passes_through_them() {
    let w = yard();
    let body = Body::default();
    let walker = w.walker(&body);
    // Pushed straight at the wall for 20 s.
    let mut feet = DVec3::new(12.0, 0.0, 3.0);
    for _ in 0..100 {
        feet = walker.step(&w, feet, DVec3::new(0.24, -0.05, 0.0), 0.2).feet_m;
        assert!(!inside_wall(feet, body.radius_m), "inside the wall at {feet}");
    }
    assert!(feet.x < 15.0 - 0.15 - body.radius_m + 0.05, "held at the wall: {feet}");
    assert!((feet.y).abs() < 0.05, "on the ground: {feet}");
    // Following the grid's corners it gets through the door to the far side.
    let g = yard_grid(&w);
    let cost = CostField::plain(&g);
    let from = g.cell_of(DVec2::new(5.0, 3.0)).unwrap();
    let to = g.cell_of(DVec2::new(25.0, 3.0)).unwrap();
    let corners = grid::waypoints(&g, &cost, &grid::path(&g, &cost, from, to).unwrap());
    let mut feet = DVec3::new(g.centre(from).x, 0.0, g.centre(from).y);
    for c in corners.iter().skip(1) {
        for _ in 0..400 {
            let d = *c - DVec2::new(feet.x, feet.z);
            if d.length() < 0.3 {
                break;
            }
            let mv = d / d.length() * (1.2f64 * 0.2).min(d.length());
            feet = walker.step(&w, feet, DVec3::new(mv.x, -0.05, mv.y), 0.2).feet_m;
            assert!(!inside_wall(feet, body.radius_m), "inside the wall at {feet}");
        }
    }
    assert!(DVec2::new(feet.x, feet.z).distance(g.centre(to)) < 0.3, "arrived: {feet}");
}

#[test]
fn a_sight_line_is_blocked_by_a_wall_and_clear_through_the_door_or_to_the_target_itself() {
    let w = yard();
    let eye = DVec3::new(10.0, 1.6, 3.0);
    match w.sight(eye, DVec3::new(20.0, 1.0, 3.0), "nothing", 0.5) {
        world::Sight::Blocked { by, at_m } => {
            assert_eq!(by, "wall-n");
            assert!((at_m - 4.85).abs() < 0.1, "{at_m}");
        }
        s => panic!("expected blocked, got {s:?}"),
    }
    assert_eq!(w.sight(DVec3::new(10.0, 1.6, 10.0), DVec3::new(20.0, 1.6, 10.0), "x", 0.5), world::Sight::Clear);
    // The post hides nothing when it is what is looked at.
    assert_eq!(w.sight(DVec3::new(20.0, 1.6, 5.0), DVec3::new(25.0, 1.0, 5.0), "post", 0.5), world::Sight::Clear);
    assert!(matches!(
        w.sight(DVec3::new(20.0, 1.6, 5.0), DVec3::new(28.0, 1.0, 5.0), "x", 0.5),
        world::Sight::Blocked { .. }
    ));
}

/// Every order of the stops that keeps the tiers (start, then class 1, 2, 3): the cheapest cost.
fn brute_force(d: &crate::route::DistanceMatrix, classes: &[usize]) -> i64 {
    fn go(
        d: &crate::route::DistanceMatrix,
        classes: &[usize],
        at: usize,
        used: &mut [bool],
        tier: usize,
        cost: i64,
        best: &mut i64,
    ) {
        if used.iter().all(|&u| u) {
            *best = (*best).min(cost + d.get(at, 0));
            return;
        }
        for i in 0..classes.len() {
            if !used[i]
                && classes[i] >= tier
                && !classes.iter().enumerate().any(|(j, &c)| !used[j] && j != i && c < classes[i])
            {
                used[i] = true;
                go(d, classes, i + 1, used, classes[i], cost + d.get(at, i + 1), best);
                used[i] = false;
            }
        }
    }
    let mut best = i64::MAX;
    go(d, classes, 0, &mut vec![false; classes.len()], 0, 0, &mut best);
    best
}

#[test]
fn the_order_is_the_cheapest_that_keeps_the_tiers_against_brute_force_up_to_nine_stops() {
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for case in 0..60 {
        let n = 1 + case % 9;
        let pts: Vec<(f64, f64)> = (0..=n).map(|_| ((next() % 1000) as f64, (next() % 1000) as f64)).collect();
        let classes: Vec<usize> = (0..n).map(|_| 1 + (next() % 3) as usize).collect();
        let d = crate::route::DistanceMatrix::from_fn(n + 1, |i, j| {
            let (a, b) = (pts[i], pts[j]);
            ((a.0 - b.0).hypot(a.1 - b.1) * 100.0).round() as i64
        });
        let seq = plan::order(&d, &classes, &PlanOptions::default());
        let mut sorted = seq.clone();
        sorted.sort();
        assert_eq!(sorted, (0..n).collect::<Vec<_>>(), "case {case}: every stop once");
        let tiers: Vec<usize> = seq.iter().map(|&i| classes[i]).collect();
        assert!(tiers.windows(2).all(|w| w[0] <= w[1]), "case {case}: tiers in order {tiers:?}");
        let mut at = 0;
        let mut cost = 0;
        for &i in &seq {
            cost += d.get(at, i + 1);
            at = i + 1;
        }
        cost += d.get(at, 0);
        assert_eq!(cost, brute_force(&d, &classes), "case {case}: n {n} classes {classes:?}");
    }
}

fn zone_id_object(scene: &crate::scene::SiteScene) -> String {
    scene.cranes[0].id.clone()
}

fn zone_costly_template(object: &str) -> zones::HazardZone {
    zones::HazardZone {
        id: "costly:test".into(),
        kind: zones::ZoneKind::PitEdge,
        object: object.into(),
        shape: zones::ZoneShape::Circle { centre_m: [0.0, 0.0], radius_m: 1.0 },
        rule: zones::ZoneRule::Costly(4.0),
        reason: crate::i18n::Bilingual::new("测试", "test"),
    }
}

#[test]
fn paths_go_round_a_closed_zone_and_pay_for_a_costly_one() {
    let (scene, site) = demo_site();
    let g = &site.grid;
    let a = g.nearest_walkable(DVec2::new(-20.0, 20.0), 5.0, Some(site.ground)).unwrap();
    let b = g.nearest_walkable(DVec2::new(20.0, 20.0), 5.0, Some(site.ground)).unwrap();
    let open = grid::path(g, &zones::cost_field(g, &[]), a, b).unwrap();
    // A lifting zone right across the straight walk.
    let zone = zones::HazardZone {
        id: "lift:test".into(),
        kind: zones::ZoneKind::LiftingZone,
        object: scene.cranes[0].id.clone(),
        shape: zones::ZoneShape::Circle { centre_m: [0.0, 20.0], radius_m: 8.0 },
        rule: zones::ZoneRule::Closed,
        reason: crate::i18n::Bilingual::new("测试", "test"),
    };
    let cost = zones::cost_field(g, std::slice::from_ref(&zone));
    let round = grid::path(g, &cost, a, b).unwrap();
    assert!(round.cells.iter().all(|&c| !zone.shape.contains(g.centre(c))), "no cell of the path in the zone");
    let corners = grid::waypoints(g, &cost, &round);
    for w in corners.windows(2) {
        for i in 0..=100 {
            let p = w[0].lerp(w[1], f64::from(i) / 100.0);
            assert!(p.distance(DVec2::new(0.0, 20.0)) > 8.0 - CELL_M * 0.75, "corner line cuts the zone at {p}");
        }
    }
    assert!(round.length_m > open.length_m + 1.0, "{} vs {}", round.length_m, open.length_m);
    // The same disc, costly: crossing it costs more than its length.
    let costly = zones::HazardZone { rule: zones::ZoneRule::Costly(4.0), ..zone.clone() };
    let c2 = zones::cost_field(g, &[costly]);
    let p2 = grid::path(g, &c2, a, b).unwrap();
    assert!(p2.cost >= open.cost - 1e-9 && p2.cost <= round.cost + 1e-9, "{} {} {}", open.cost, p2.cost, round.cost);
    // Where the costly zone cannot be avoided, its cells are paid four times.
    let everywhere = zones::HazardZone {
        shape: zones::ZoneShape::Circle { centre_m: [0.0, 20.0], radius_m: 500.0 },
        ..zone_costly_template(&zone_id_object(scene))
    };
    let c3 = zones::cost_field(g, &[everywhere]);
    let p3 = grid::path(g, &c3, a, b).unwrap();
    assert!((p3.cost - 4.0 * p3.length_m).abs() < 1e-6, "{} {}", p3.cost, p3.length_m);
}

#[test]
fn a_lifted_load_closes_the_fall_zone_under_the_hook_and_a_light_one_does_not() {
    let (scene, _) = demo_site();
    let c = &scene.cranes[0];
    let mut live = LiveSite::default();
    live.cranes.push(live::CraneNow {
        id: c.id.clone(),
        hook_m: Some([1.0, 2.0]),
        hook_height_m: Some(30.0),
        load_pct: Some(5.1),
    });
    let z = zones::zones(scene, &live, &ZoneRules::default());
    let lift = z.iter().find(|z| z.kind == zones::ZoneKind::LiftingZone).expect("a lifting zone above 5 %");
    assert_eq!(lift.rule, zones::ZoneRule::Closed);
    let r = crate::rules::zones::fall_radius_m(30.0);
    assert_eq!(lift.reason.zh, format!("吊物离地 30.0 m，载荷为额定起重量的 5 %：坠落半径 {r} m"));
    assert_eq!(lift.reason.en, format!("load 5 % of rated up at 30.0 m: fall radius {r} m"));
    assert_eq!(
        lift.shape,
        zones::ZoneShape::Circle { centre_m: [1.0, 2.0], radius_m: crate::rules::zones::fall_radius_m(30.0) }
    );
    live.cranes[0].load_pct = Some(5.0);
    let z = zones::zones(scene, &live, &ZoneRules::default());
    assert!(z.iter().all(|z| z.kind != zones::ZoneKind::LiftingZone), "5 % is not a lifted load");
    assert!(z.iter().any(|z| z.kind == zones::ZoneKind::PitEdge), "the pit edge band is always there");
}

#[test]
fn a_simulated_daily_patrol_is_bit_identical_keeps_out_of_closed_zones_and_finds_the_alarms() {
    let (scene, site) = demo_site();
    let sc = scenario("default");
    let req = request(scene, &sc, PatrolKind::Daily, true);
    let a = report::run(site, &req).unwrap();
    let b = report::run(site, &req).unwrap();
    assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
    let w = a.walk.as_ref().unwrap();
    assert!(w.finished, "back at the start");
    assert_eq!(w.closed_zone_steps, 0, "never walked into a closed zone");
    assert_eq!(
        w.visits.len() + w.events.iter().filter(|e| matches!(e, walk::WalkEvent::Skipped { .. })).count(),
        a.plan.stops.len()
    );
    // Urgent points first, then required, then routine.
    let tiers: Vec<Priority> = a.plan.stops.iter().map(|s| s.point.priority).collect();
    assert!(tiers.windows(2).all(|w| w[0] <= w[1]), "{tiers:?}");
    // Every stand point is on the patrol's ground.
    for s in &a.plan.stops {
        assert_eq!(site.grid.component(s.cell), Some(site.ground), "{}", s.point.object);
    }
    // The walk keeps to the plan's length within the controller's corner cutting.
    assert!((w.walked_m - a.plan.walk_m).abs() < 0.1 * a.plan.walk_m, "{} vs {}", w.walked_m, a.plan.walk_m);
    // The alarms open at 33 h are found at their objects.
    let open: Vec<&str> = w.visits.iter().flat_map(|v| &v.findings).map(|f| f.object.as_str()).collect();
    assert!(open.contains(&"PIT1"), "{open:?}");
    assert!(a.score.is_some());
    // The map draws.
    let map = report::draw_map(scene, site, &a, Some(font())).unwrap();
    map.save_png(&std::env::temp_dir().join("sitetwin-patrol-daily.png")).unwrap();
}

#[test]
fn the_stopped_sites_patrol_checks_its_duties_and_finds_the_broken_one() {
    let (scene, site) = demo_site();
    let sc = scenario("stopped-pollution");
    let mut req = request(scene, &sc, PatrolKind::Stopped, true);
    req.at_h = 30.0;
    let r = report::run(site, &req).unwrap();
    let duty_checks: Vec<&str> = r
        .plan
        .stops
        .iter()
        .flat_map(|s| &s.point.checks)
        .filter(|c| c.zh.starts_with("停工职责"))
        .map(|c| c.en.as_str())
        .collect();
    assert!(!duty_checks.is_empty(), "duty checks on the route");
    let broken: Vec<&walk::PatrolFinding> = r
        .findings
        .iter()
        .filter(|f| matches!(f.source, walk::FindingSource::Duty | walk::FindingSource::StoppedButActive { .. }))
        .collect();
    assert!(!broken.is_empty(), "the scenario's broken duty is found: {:?}", r.findings);
    // What the rehearsal's checklist shows is in both languages: why each duty is checked, with
    // its evidence, and the findings' words (no English or debug names on the Chinese side).
    let cjk = |t: &str| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for stop in &r.plan.stops {
        for reason in &stop.point.reasons {
            assert!(cjk(&reason.zh) && !reason.en.is_empty() && reason.zh != reason.en, "{reason:?}");
        }
        for because in stop.point.checks.iter().filter_map(|c| c.because.as_ref()) {
            assert!(cjk(&because.zh) && !because.zh.contains("met:"), "{because:?}");
        }
    }
    let weathervane = r.findings.iter().find(|f| f.zh.contains("塔吊处于自由回转（风标）状态"));
    assert!(weathervane.is_some_and(|f| f.zh.contains("回转制动可能被锁死")), "{:#?}", r.findings);
    assert!(broken.iter().all(|f| !f.zh.contains("Crane") && !f.zh.contains("Lifting")), "{broken:#?}");
    // Alarm findings name the rule by its Chinese title, not the engine's English message.
    let alarms: Vec<&walk::PatrolFinding> =
        r.findings.iter().filter(|f| matches!(f.source, walk::FindingSource::Alarm { .. })).collect();
    assert!(!alarms.is_empty(), "{:#?}", r.findings);
    for f in alarms {
        assert!(cjk(&f.zh) && !f.zh.contains("reached") && !f.zh.contains("over the"), "{f:?}");
    }
}

#[test]
fn a_tight_budget_drops_routine_points_first_and_says_by_how_much_the_rest_overruns() {
    let (scene, site) = demo_site();
    let sc = scenario("default");
    let mut req = request(scene, &sc, PatrolKind::Daily, false);
    let full = report::run(site, &req).unwrap();
    let routine = full.plan.stops.iter().filter(|s| s.point.priority == Priority::Routine).count();
    assert!(routine > 0);
    req.plan.budget_s = Some(600.0);
    let tight = report::run(site, &req).unwrap();
    assert!(tight.plan.stops.iter().all(|s| s.point.priority != Priority::Routine), "routine points dropped");
    let dropped = tight.plan.omitted.iter().filter(|o| o.why == plan::Omission::OverBudget).count();
    assert_eq!(dropped, routine);
    assert!(tight.plan.over_budget_s > 0.0 && (tight.plan.total_s - 600.0 - tight.plan.over_budget_s).abs() < 30.0);
    // A budget that fits everything keeps everything.
    req.plan.budget_s = Some(full.plan.total_s + 60.0);
    assert_eq!(report::run(site, &req).unwrap().plan.stops.len(), full.plan.stops.len());
}

#[test]
fn every_patrol_type_plans_on_the_demo_site() {
    let (scene, site) = demo_site();
    let sc = scenario("default");
    for kind in PatrolKind::ALL {
        let r = report::run(site, &request(scene, &sc, kind, false)).unwrap();
        assert!(!r.plan.stops.is_empty(), "{kind:?}");
        assert!(r.plan.stops.iter().all(|s| s.leg.length_m.is_finite()));
        if kind == PatrolKind::Bureau {
            let tables: std::collections::BTreeSet<_> =
                r.plan.stops.iter().flat_map(|s| s.point.tables.clone()).collect();
            assert!(tables.contains(&crate::rules::jgj59::SubTable::SafetyManagement), "the office's documents");
            assert!(tables.contains(&crate::rules::jgj59::SubTable::TowerCrane));
        }
    }
}

#[test]
fn bad_requests_are_refused_with_what_is_wrong() {
    let (scene, site) = demo_site();
    let sc = scenario("default");
    let mut req = request(scene, &sc, PatrolKind::Daily, false);
    req.at_h = 100.0;
    let e = report::run(site, &req).unwrap_err().to_string();
    assert!(e.contains("--at 100 h") && e.contains("72"), "{e}");
    req.at_h = 1.0;
    req.plan.pace_m_s = 0.0;
    assert!(report::run(site, &req).unwrap_err().to_string().contains("pace"));
    req.plan.pace_m_s = 1.2;
    req.plan.budget_s = Some(f64::NAN);
    assert!(report::run(site, &req).unwrap_err().to_string().contains("budget"));
    // Nothing to stand on.
    let e = PatrolSite::from_world(scene, SiteWorld::empty(), Body::default()).unwrap_err();
    assert!(matches!(e, PlanError::NoGround(_)), "{e}");
}

#[test]
fn the_filled_sheet_reads_back_through_the_scorer_unchanged() {
    let (scene, site) = demo_site();
    let sc = scenario("default");
    let req = request(scene, &sc, PatrolKind::Bureau, true);
    let r = report::run(site, &req).unwrap();
    let sheet = r.sheet.clone().unwrap();
    let text = sheet.to_ron();
    let back = crate::rules::jgj59::parse_sheet(&text).unwrap();
    assert_eq!(back, sheet);
    let score = crate::rules::jgj59::score(&back).unwrap();
    assert_eq!(Some(score.total), r.score.as_ref().map(|s| s.total));
    // A found alarm is deducted from its item.
    let deducted: f64 = sheet.tables.iter().flat_map(|t| &t.items).map(|i| i.deduction).sum();
    assert!(r.findings.iter().any(|f| f.item.is_some()) == (deducted > 0.0), "{deducted} {:?}", r.findings);
}

/// A person at the keys who follows the plan's legs corner by corner (turning toward each and
/// walking), stays each point's planned dwell, judges every item (the first `not_ok` of them not
/// in order) and walks back to the start; `frame_s` is the frame time the keys are read at.
fn walk_the_plan(
    r: &mut rehearse::Rehearsal,
    frame_s: f64,
    not_ok: usize,
    check_inside: bool,
    upto: usize,
) -> Vec<rehearse::Moment> {
    let plan = r.plan().clone();
    let mut moments = Vec::new();
    let mut judged_bad = 0;
    let thin = Body { radius_m: 0.2, ..Body::default() };
    let go = |r: &mut rehearse::Rehearsal, to: [f64; 2], moments: &mut Vec<rehearse::Moment>| {
        let to = DVec2::from_array(to);
        for _ in 0..20_000 {
            if DVec2::new(r.feet_m().x, r.feet_m().z).distance(to) < 0.6 || r.ended() {
                return;
            }
            let stride = r.steer_to(to);
            moments.extend(r.advance(stride, frame_s));
            if check_inside {
                let f = r.feet_m();
                assert!(
                    !r.site().world.body_blocked(DVec2::new(f.x, f.z), f.y, &thin),
                    "the person stands inside something at {f:?}"
                );
            }
        }
        panic!("never got to {to:?} from {:?}", r.feet_m());
    };
    for (i, stop) in plan.stops.iter().enumerate().take(upto) {
        for w in stop.leg.waypoints_m.iter().skip(1) {
            go(r, *w, &mut moments);
        }
        go(r, [stop.stand_m[0], stop.stand_m[2]], &mut moments);
        assert_eq!(r.at_point(), Some(i), "at {}'s stand point", stop.point.object);
        for item in 0..stop.point.checks.len() {
            let v = if judged_bad < not_ok {
                judged_bad += 1;
                Verdict::NotOk { gravity: walk::Gravity::Major, note: "限位失灵".into() }
            } else {
                Verdict::Ok
            };
            r.judge(i, item, v).unwrap();
        }
        let dwell = stop.leave_s - stop.arrive_s;
        for _ in 0..(dwell / frame_s).ceil() as usize {
            moments.extend(r.advance(Stride::default(), frame_s));
        }
    }
    if upto >= plan.stops.len() {
        for w in plan.back.waypoints_m.iter().skip(1) {
            go(r, *w, &mut moments);
        }
    }
    moments
}

fn stopped_plan() -> Arc<PatrolPlan> {
    let (scene, site) = demo_site();
    let sc = scenario("stopped-pollution");
    let r = report::run(site, &request(scene, &sc, PatrolKind::Stopped, false)).unwrap();
    assert!(r.plan.stops.len() >= 4, "{} stops", r.plan.stops.len());
    Arc::new(r.plan)
}

fn quick(plan: &PatrolPlan) -> RehearsalOptions {
    RehearsalOptions { step_s: 0.05, ..RehearsalOptions::for_plan(plan) }
}

#[test]
fn a_rehearsal_that_walks_the_plan_reaches_its_points_in_order_and_compares_equal_with_it() {
    let (_, site) = demo_site();
    let plan = stopped_plan();
    let upto = 3;
    let mut r = Rehearsal::new(site.clone(), plan.clone(), quick(&plan));
    let moments = walk_the_plan(&mut r, 1.0 / 30.0, 1, false, upto);
    r.end();
    let rep = r.report();
    let objects = |r: std::ops::Range<usize>| r.map(|i| plan.stops[i].point.object.clone()).collect::<Vec<_>>();
    // The points not walked to are missed (one passed on the way may count as reached).
    let later = objects(upto..plan.stops.len());
    assert!(rep.missed.iter().all(|m| later.contains(m)) && rep.missed.len() + 1 >= later.len(), "{:?}", rep.missed);
    assert!(rep.unfinished.iter().all(|m| later.contains(m)), "{:?}", rep.unfinished);
    assert_eq!(rep.closed_zone_s, 0.0, "{:?}", rep.crossings);
    assert!(rep.short_dwell.iter().all(|m| later.contains(m)), "{:?}", rep.short_dwell);
    // Walked corner to corner at the plan's pace and stayed each dwell: the plan's time and length.
    let planned_s = plan.stops[upto - 1].leave_s;
    assert!((rep.duration_s - planned_s).abs() / planned_s < 0.1, "{} s vs {planned_s} s", rep.duration_s);
    let planned_m: f64 = plan.stops[..upto].iter().map(|s| s.leg.length_m).sum();
    assert!((rep.walked_m - planned_m).abs() < 0.1 * planned_m + 2.0, "{} m vs {planned_m} m", rep.walked_m);
    // Every point arrived at once, in order (the office, where it starts, before any step); the
    // one item judged not in order is a finding there.
    let arrived: Vec<usize> =
        moments.iter().filter_map(|m| if let rehearse::Moment::Arrived(i) = m { Some(*i) } else { None }).collect();
    let first = usize::from(r.points()[0].arrived_s == Some(0.0));
    let walked_to: Vec<usize> = arrived.into_iter().filter(|&i| i < upto).collect();
    assert_eq!(walked_to, (first..upto).collect::<Vec<_>>());
    let orders: Vec<usize> = r.points()[..upto].iter().map(|p| p.order.unwrap()).collect();
    assert!(orders.windows(2).all(|w| w[0] < w[1]), "{orders:?}");
    assert_eq!(rep.findings.len(), 1);
    let f = &rep.findings[0];
    assert_eq!(f.object, plan.stops[0].point.object);
    assert!(f.zh.contains("限位失灵") && f.source == walk::FindingSource::Inspector, "{f:?}");
    assert_eq!(rep.points[0].not_ok.len(), 1);
    assert!(rep.points[..upto].iter().all(|p| p.judged == p.items && p.sight.is_some()));

    // The same keys over the same frames: the same walk, to the bit.
    let mut again = Rehearsal::new(site.clone(), plan.clone(), quick(&plan));
    walk_the_plan(&mut again, 1.0 / 30.0, 1, false, upto);
    again.end();
    assert_eq!(again.trace(), r.trace());
    assert_eq!(again.report(), rep);
}

#[test]
fn a_rehearsal_reports_points_missed_out_of_order_and_a_closed_zone_walked_through() {
    let (_, site) = demo_site();
    let plan = stopped_plan();
    let mut r = Rehearsal::new(site.clone(), plan.clone(), quick(&plan));
    // A closed zone over the middle of the second leg (the first is the office, where the
    // rehearsal starts), in force from the start.
    let leg = &plan.stops[1].leg.waypoints_m;
    let (a, b) = (DVec2::from_array(leg[0]), DVec2::from_array(leg[1]));
    let mid = a.lerp(b, 0.5);
    r.set_zones(vec![closed_lift(plan.stops[0].point.object.clone(), mid, 1.0)]);
    // Along the first leg (through the zone) to the first point, judging nothing, then along the
    // second leg to the second point.
    let frame = 1.0 / 30.0;
    let mut moments = Vec::new();
    let stands = |i: usize| [plan.stops[i].stand_m[0], plan.stops[i].stand_m[2]];
    let route: Vec<[f64; 2]> = (0..2)
        .flat_map(|i| plan.stops[i].leg.waypoints_m.iter().skip(1).copied().chain([stands(i)]).collect::<Vec<_>>())
        .collect();
    for target in route.into_iter().map(DVec2::from_array) {
        for _ in 0..20_000 {
            if DVec2::new(r.feet_m().x, r.feet_m().z).distance(target) < 0.3 {
                break;
            }
            let s = r.steer_to(target);
            moments.extend(r.advance(s, frame));
        }
    }
    assert!(moments.iter().any(|m| matches!(m, rehearse::Moment::EnteredZone { closed: true, .. })), "{moments:?}");
    // Judging from elsewhere is refused, naming the point and the distance; so are bad indices.
    let far = (0..plan.stops.len()).find(|&i| r.at_point() != Some(i) && r.distance_to(i).unwrap() > 5.0).unwrap();
    let e = r.judge(far, 0, Verdict::Ok).unwrap_err().to_string();
    assert!(e.contains(&plan.stops[far].point.object) && e.contains("walk there first"), "{e}");
    assert!(r.judge(99, 0, Verdict::Ok).unwrap_err().to_string().contains("no point 99"));
    let here = r.at_point().unwrap();
    assert!(r.judge(here, 999, Verdict::Ok).unwrap_err().to_string().contains("no item 999"));
    r.end();
    assert_eq!(r.judge(here, 0, Verdict::Ok).unwrap_err(), rehearse::RehearsalError::Ended);
    let rep = r.report();
    assert!(!rep.complete());
    let c = rep.crossings.iter().find(|c| c.zone == "lift:test").unwrap();
    assert!(c.closed && c.left_s.unwrap() > c.entered_s);
    assert!(rep.closed_zone_s > 0.0);
    assert!(!rep.back_at_start);
    assert_eq!(here, 1);
    let objects = |r: std::ops::Range<usize>| r.map(|i| plan.stops[i].point.object.clone()).collect::<Vec<_>>();
    assert_eq!(rep.missed, objects(2..plan.stops.len()));
    assert_eq!(rep.unfinished, objects(0..2));
    assert_eq!(rep.swapped_pairs, 0);
}

#[test]
fn a_person_walking_into_the_hoarding_stops_at_it() {
    let (scene, site) = demo_site();
    let plan = stopped_plan();
    let mut r = Rehearsal::new(site.clone(), plan.clone(), quick(&plan));
    let [x0, z0, x1, z1] = scene.plan_bounds_m();
    let thin = Body { radius_m: 0.2, ..Body::default() };
    // Due west for two minutes: far more than the way to the hoarding.
    r.face(DVec2::new(x0 - 100.0, r.feet_m().z));
    for _ in 0..(120.0 * 30.0) as usize {
        r.advance(Stride { forward: 1.0, right: 0.0, run: true }, 1.0 / 30.0);
        let f = r.feet_m();
        assert!(!site.world.body_blocked(DVec2::new(f.x, f.z), f.y, &thin), "inside something at {f:?}");
    }
    let f = r.feet_m();
    assert!(f.x > x0 && f.x < x1 && f.z > z0 && f.z < z1, "{f:?} left the site {:?}", [x0, z0, x1, z1]);
    // It stood still against the hoarding for most of the two minutes.
    let trace = r.trace();
    let last = trace.last().unwrap();
    let still =
        trace.iter().rev().take_while(|s| (s[1] - last[1]).abs() < 0.05 && (s[3] - last[3]).abs() < 0.05).count();
    assert!(still > 30, "only {still} s against the hoarding");
}

/// A person who follows the guide: heads for its next corner, judges every item at each point and
/// stays its planned dwell, until back at the start. `close_at` puts `zone` in force once that
/// many points are reached. The moments, and every guide followed (for the zone check).
fn follow_the_guide(
    r: &mut rehearse::Rehearsal,
    close_at: Option<(usize, zones::HazardZone)>,
) -> (Vec<rehearse::Moment>, Vec<rehearse::Guide>) {
    let frame = 1.0 / 30.0;
    let plan = r.plan().clone();
    let (mut moments, mut guides) = (Vec::new(), Vec::new());
    let mut close_at = close_at;
    let mut judged = vec![false; plan.stops.len()];
    let (mut guide, mut zoned): (Option<rehearse::Guide>, bool) = (None, false);
    for frame_no in 0..200_000 {
        if r.ended() {
            return (moments, guides);
        }
        if let Some(i) = r.at_point().filter(|&i| !judged[i]) {
            judged[i] = true;
            (0..plan.stops[i].point.checks.len()).for_each(|item| r.judge(i, item, Verdict::Ok).unwrap());
            let dwell = plan.stops[i].leave_s - plan.stops[i].arrive_s;
            for _ in 0..(dwell / frame).ceil() as usize {
                moments.extend(r.advance(Stride::default(), frame));
            }
        }
        let reached = r.points().iter().filter(|p| p.arrived_s.is_some()).count();
        if let Some((n, zone)) = close_at.take_if(|(n, _)| reached >= *n) {
            let before = r.guide().unwrap();
            let crossed = before.leg.waypoints_m.windows(2).any(|w| segment_meets(&zone, w[0], w[1]));
            assert!(crossed, "the zone closing after {n} points lies across the guide's way");
            r.set_zones(vec![zone]);
            zoned = true;
        }
        // Re-planned every half second (as the twin does), and at once after a point or a zone.
        if frame_no % 15 == 0 || guide.as_ref().is_none_or(|g| g.to != r.next_point()) || zoned {
            zoned = false;
            guide = Some(r.guide().expect("a way on while not ended"));
            guides.extend(guide.clone());
        }
        let g = guide.as_ref().unwrap();
        let s = r.steer_to(g.heading_for(r.feet_m(), 0.3).unwrap());
        moments.extend(r.advance(s, frame));
    }
    let next = r.next_point().map(|i| (plan.stops[i].point.object.clone(), plan.stops[i].stand_m));
    panic!("the guide never led back to the start (at {:?}, next {next:?}, guide {guide:?})", r.feet_m());
}

/// A closed lifting zone over `object`, a disc of `radius_m` round `centre` (a load up, for tests).
fn closed_lift(object: String, centre: DVec2, radius_m: f64) -> zones::HazardZone {
    zones::HazardZone {
        id: "lift:test".into(),
        kind: zones::ZoneKind::LiftingZone,
        object,
        shape: zones::ZoneShape::Circle { centre_m: [centre.x, centre.y], radius_m },
        rule: zones::ZoneRule::Closed,
        reason: crate::i18n::Bilingual::new("测试：吊物离地", "test load up"),
    }
}

/// Whether the segment `a`–`b` passes within `zone` (sampled every 0.1 m).
fn segment_meets(zone: &zones::HazardZone, a: [f64; 2], b: [f64; 2]) -> bool {
    let (a, b) = (DVec2::from_array(a), DVec2::from_array(b));
    let n = (a.distance(b) / 0.1).ceil().max(1.0) as usize;
    (0..=n).any(|i| zone.shape.contains(a.lerp(b, i as f64 / n as f64)))
}

#[test]
fn the_guide_leads_a_rehearsal_through_every_point_and_round_a_zone_that_closes_on_the_way() {
    let (_, site) = demo_site();
    let plan = stopped_plan();
    // The whole plan by the guide: every point reached and finished, no closed zone entered,
    // back at the start, about the plan's length.
    let mut r = Rehearsal::new(site.clone(), plan.clone(), quick(&plan));
    let (_, guides) = follow_the_guide(&mut r, None);
    let rep = r.report();
    assert!(rep.missed.is_empty() && rep.unfinished.is_empty(), "{:?} {:?}", rep.missed, rep.unfinished);
    assert!(rep.back_at_start && rep.closed_zone_s == 0.0, "{:?}", rep.crossings);
    assert_eq!(guides.last().unwrap().to, None, "the last guide leads back to the start");
    let planned_m = plan.stops.iter().map(|s| s.leg.length_m).sum::<f64>() + plan.back.length_m;
    assert!((rep.walked_m - planned_m).abs() < 0.15 * planned_m, "{} m vs {planned_m} m", rep.walked_m);

    // A lift starts over the way to the third point once two are reached: the guide goes round
    // it, and the walk never enters it.
    let mid = {
        let w = &plan.stops[2].leg.waypoints_m;
        let (a, b) = (DVec2::from_array(w[w.len() / 2 - 1]), DVec2::from_array(w[w.len() / 2]));
        a.lerp(b, 0.5)
    };
    let zone = closed_lift(plan.stops[2].point.object.clone(), mid, 3.0);
    let mut r = Rehearsal::new(site.clone(), plan.clone(), quick(&plan));
    let (moments, guides) = follow_the_guide(&mut r, Some((2, zone.clone())));
    let rep = r.report();
    assert!(
        !moments.iter().any(|m| matches!(m, rehearse::Moment::EnteredZone { closed: true, .. })),
        "walked into the closed zone: {:?}",
        rep.crossings
    );
    assert!(rep.missed.is_empty() && rep.back_at_start && rep.closed_zone_s == 0.0, "{rep:?}");
    let after: Vec<&rehearse::Guide> = guides.iter().skip_while(|g| g.to != Some(2)).collect();
    assert!(!after.is_empty());
    for g in &after {
        assert!(!g.leg.waypoints_m.windows(2).any(|w| segment_meets(&zone, w[0], w[1])), "through the zone: {g:?}");
    }
    // The same walk twice: the same trace.
    let mut again = Rehearsal::new(site.clone(), plan.clone(), quick(&plan));
    follow_the_guide(&mut again, Some((2, zone)));
    assert_eq!(again.trace(), r.trace());
}
