//! Builds each kind of site object as a glTF node tree from its semantic parameters: the crane
//! from its mast and jib, the pit from its outline, depth and struts, and so on. Geometry is in
//! the model instance's local frame, so an instance placed by the scene lands where the object is.
//! Plan points are `DVec2 { x, y: z }`; arithmetic on them is written per component in its
//! original order, so that the generated files stay byte-identical.

use glam::{DAffine3, DVec2, DVec3};

use super::glb::{MeshData, Node};
use super::palette::*;
use super::shapes::{add, at_y, len, norm, scale, sub};
use crate::geom;
use crate::scene::*;

// `f` below is always `model_from_site`: the inverse of the instance's placement
// (`ModelInstance::site_from_model`). A placement turns only about +y, so a plan point and a
// height map separately.

/// A site plan point in the model's local plan.
fn local_xz(f: &DAffine3, p: DVec2) -> DVec2 {
    geom::plan(f.transform_point3(geom::at_height(p, 0.0)))
}

/// A site height in the model's local frame.
fn local_y(f: &DAffine3, y: f64) -> f32 {
    f.transform_point3(DVec3::new(0.0, y, 0.0)).y as f32
}

/// A site polygon in the model's local plan.
fn local_poly(f: &DAffine3, pts: &[DVec2]) -> Vec<DVec2> {
    pts.iter().map(|p| local_xz(f, *p)).collect()
}

/// Square lattice mast: four chords, horizontal and diagonal bracing on each face.
fn lattice_mast(m: &mut MeshData, y0: f32, y1: f32, half: f32, chord: f32, brace: f32, panel: f32) {
    let corners = [[-half, -half], [half, -half], [half, half], [-half, half]];
    for c in corners {
        m.beam([c[0], y0, c[1]], [c[0], y1, c[1]], chord);
    }
    let panels = ((y1 - y0) / panel).floor().max(1.0) as usize;
    let step = (y1 - y0) / panels as f32;
    for k in 0..=panels {
        let y = y0 + step * k as f32;
        for f in 0..4 {
            let (a, b) = (corners[f], corners[(f + 1) % 4]);
            m.beam([a[0], y, a[1]], [b[0], y, b[1]], brace);
            if k < panels {
                let (lo, hi) = if (k + f) % 2 == 0 { (a, b) } else { (b, a) };
                m.beam([lo[0], y, lo[1]], [hi[0], y + step, hi[1]], brace);
            }
        }
    }
}

/// Triangular lattice boom along x from `x0` to `x1`: two bottom chords at z = ±half, a top chord.
fn lattice_boom(m: &mut MeshData, x0: f32, x1: f32, half: f32, height: f32, chord: f32, brace: f32) {
    let top = |x: f32| [x, height, 0.0];
    let bl = |x: f32| [x, 0.0, -half];
    let br = |x: f32| [x, 0.0, half];
    m.beam(bl(x0), bl(x1), chord);
    m.beam(br(x0), br(x1), chord);
    m.beam(top(x0), top(x1), chord * 0.8);
    let panels = ((x1 - x0).abs() / 2.0).round().max(1.0) as usize;
    let step = (x1 - x0) / panels as f32;
    for k in 0..=panels {
        let x = x0 + step * k as f32;
        m.beam(bl(x), br(x), brace);
        if k < panels {
            let xn = x + step;
            m.beam(bl(x), top(xn), brace);
            m.beam(br(x), top(xn), brace);
            m.beam(top(x), bl(xn), brace);
        }
    }
}

/// A tower crane (flat-top): foundation, mast, and a `slewing` node holding jib, counter-jib,
/// cab and counterweights, with the `trolley` and its `hook` (and `rope`) as children.
pub fn tower_crane(c: &TowerCrane) -> Node {
    let h = c.mast_height_m as f32;
    let jib = c.jib_length_m as f32;
    let counter = c.counter_jib_length_m as f32;
    let mut root = Node::new(c.id.to_lowercase());

    let mut base = Node::new("mast");
    base.part(&CONCRETE_DARK).aabb([-2.5, -0.2, -2.5], [2.5, 0.35, 2.5]);
    lattice_mast(base.part(&CRANE_YELLOW), 0.35, h - 1.6, 0.85, 0.16, 0.07, 2.8);
    root.children.push(base);

    let mut sl = Node::new(c.nodes.slewing.clone()).at([0.0, h, 0.0]);
    {
        let y = sl.part(&CRANE_YELLOW);
        y.aabb([-1.2, -1.6, -1.2], [1.2, -0.3, 1.2]); // slewing unit
        y.aabb([-1.0, -0.3, -1.0], [1.0, 1.4, 1.0]); // tower head section
        lattice_boom(y, 1.0, jib, 0.7, 1.5, 0.14, 0.06);
        // Counter-jib: two chords with a walkway deck between them.
        y.beam([-0.5, 0.0, -0.9], [-counter, 0.0, -0.9], 0.2);
        y.beam([-0.5, 0.0, 0.9], [-counter, 0.0, 0.9], 0.2);
        let panels = (counter / 2.0).round().max(1.0) as usize;
        for k in 0..=panels {
            let x = -0.5 - (counter - 0.5) * k as f32 / panels as f32;
            y.beam([x, 0.0, -0.9], [x, 0.0, 0.9], 0.1);
        }
    }
    sl.part(&STEEL).aabb([-counter + 0.2, 0.08, -0.8], [-0.6, 0.14, 0.8]);
    sl.part(&COUNTERWEIGHT).aabb([-counter + 0.3, -2.4, -1.0], [-counter + 3.3, -0.1, 1.0]);
    // Operator's cab beside the tower head.
    sl.part(&WHITE).aabb([0.2, -1.4, 1.1], [2.4, 0.8, 2.7]);
    sl.part(&GLASS).aabb([2.4, -1.0, 1.3], [2.5, 0.6, 2.5]);
    sl.part(&RED).aabb([jib - 1.6, -0.05, -0.75], [jib + 0.05, 1.55, 0.75]);
    // Anemometer on a post at the counter-jib end, obstacle lights at the top and jib tip.
    sl.part(&STEEL_DARK).beam([-counter + 0.5, 0.0, 0.0], [-counter + 0.5, 2.6, 0.0], 0.08);
    sl.part(&STEEL_DARK).beam([-counter + 0.1, 2.6, 0.0], [-counter + 0.9, 2.6, 0.0], 0.06);
    sl.part(&OBSTACLE_LIGHT).aabb([-0.25, 1.4, -0.25], [0.25, 1.9, 0.25]);
    sl.part(&OBSTACLE_LIGHT).aabb([jib - 0.3, 1.55, -0.2], [jib + 0.1, 1.9, 0.2]);

    let radius = (0.45 * jib).max(3.0);
    let drop = (0.5 * h).max(2.0);
    let mut trolley = Node::new(c.nodes.trolley.clone()).at([radius, -0.25, 0.0]);
    trolley.part(&STEEL).aabb([-0.8, -0.4, -0.75], [0.8, 0.2, 0.75]);
    let mut rope = Node::new("rope");
    rope.scale = [1.0, drop, 1.0];
    rope.part(&STEEL_DARK).aabb([-0.25, -1.0, -0.03], [-0.19, 0.0, 0.03]);
    rope.part(&STEEL_DARK).aabb([0.19, -1.0, -0.03], [0.25, 0.0, 0.03]);
    let mut hook = Node::new(c.nodes.hook.clone()).at([0.0, -drop, 0.0]);
    hook.part(&CRANE_YELLOW).aabb([-0.45, -0.9, -0.3], [0.45, 0.2, 0.3]);
    hook.part(&STEEL_DARK).aabb([-0.1, -1.5, -0.1], [0.1, -0.9, 0.1]);
    hook.part(&RED).aabb([-0.3, -1.6, -0.08], [0.3, -1.45, 0.08]);
    trolley.children.push(rope);
    trolley.children.push(hook);
    sl.children.push(trolley);
    root.children.push(sl);
    root
}

/// A construction hoist: lattice mast with wall ties, ground enclosure, and one or two `cage` nodes.
pub fn hoist(x: &Hoist) -> Node {
    let h = x.mast_height_m as f32;
    let mut root = Node::new(x.id.to_lowercase());
    let mut mast = Node::new("mast");
    lattice_mast(mast.part(&CRANE_YELLOW), 0.2, h, 0.33, 0.09, 0.04, 1.5);
    mast.part(&CONCRETE_DARK).aabb([-2.5, -0.1, -3.0], [2.5, 0.2, 3.0]);
    // Wall ties every 9 m towards the building (local −x).
    let mut y = 9.0;
    while y < h {
        let t = mast.part(&STEEL);
        t.beam([-0.33, y, -0.3], [-2.6, y, -0.6], 0.08);
        t.beam([-0.33, y, 0.3], [-2.6, y, 0.6], 0.08);
        y += 9.0;
    }
    // Ground enclosure (base fence), open on the landing side.
    let f = mast.part(&STEEL_DARK);
    f.aabb([-2.4, 0.2, -2.9], [2.4, 2.0, -2.85]);
    f.aabb([-2.4, 0.2, 2.85], [2.4, 2.0, 2.9]);
    f.aabb([-2.45, 0.2, -2.9], [-2.4, 2.0, 2.9]);
    root.children.push(mast);
    for k in 0..x.cages.clamp(1, 2) {
        let side = if k == 0 { 1.0 } else { -1.0 };
        let name = if k == 0 { x.cage_node.clone() } else { format!("{}_2", x.cage_node) };
        let mut cage = Node::new(name).at([0.0, 0.3, side * 1.2]);
        let z0 = if side > 0.0 { 0.0 } else { -1.5 };
        cage.part(&CAGE_BLUE).aabb([-1.6, 0.0, z0], [1.6, 2.5, z0 + 1.5]);
        cage.part(&GLASS).aabb([1.6, 1.4, z0 + 0.2], [1.65, 2.2, z0 + 1.3]);
        root.children.push(cage);
    }
    root
}

/// A foundation pit: inner soil faces, retaining piles, crown beam, struts (one node each,
/// `strut_<id>`), the floor, and the edge guardrail.
pub fn pit(x: &FoundationPit, f: &DAffine3) -> Node {
    let outline = local_poly(f, &x.outline_m);
    let top = local_y(f, x.top_elevation_m);
    let bottom = local_y(f, x.top_elevation_m - x.depth_m);
    let mut root = Node::new(x.id.to_lowercase());

    let mut walls = Node::new("walls");
    walls.part(&SOIL).walls(&outline, bottom, top, false);
    walls.part(&CUSHION).prism(&outline, &[], bottom - 0.3, bottom);
    root.children.push(walls);

    let mut support = Node::new("support");
    let n = outline.len();
    match x.support {
        PitSupport::RetainingPiles { pile_diameter_m, pile_spacing_m } => {
            let r = (pile_diameter_m / 2.0) as f32;
            for i in 0..n {
                let (p, q) = (outline[i], outline[(i + 1) % n]);
                let l = geom::dist(p, q);
                let count = (l / pile_spacing_m).floor().max(1.0) as usize;
                let inward = inward_normal(&outline, p, q);
                for k in 0..count {
                    let t = (k as f64 + 0.5) / count as f64;
                    // Piles stand proud of the excavated soil between them, as a cut pile wall does.
                    let r64 = pile_diameter_m / 2.0;
                    let c = DVec2::new(
                        p.x + (q.x - p.x) * t + inward.x * r64 * 0.6,
                        p.y + (q.y - p.y) * t + inward.y * r64 * 0.6,
                    );
                    let c3 = at_y(c, bottom - 0.6);
                    support.part(&CONCRETE_DARK).cylinder(c3, r, top - 0.8 - (bottom - 0.6), 8);
                }
            }
        }
        _ => {
            support.part(&CONCRETE_DARK).walls(&outline, bottom, top - 0.8, false);
        }
    }
    // Crown beam capping the pile heads.
    for i in 0..n {
        let (p, q) = (outline[i], outline[(i + 1) % n]);
        let o = inward_normal(&outline, p, q);
        let shift = |x: DVec2| DVec2::new(x.x + o.x * 0.3, x.y + o.y * 0.3);
        support.part(&CONCRETE).beam_rect(at_y(shift(p), top - 0.4), at_y(shift(q), top - 0.4), 1.0, 0.8);
    }
    root.children.push(support);

    for s in &x.struts {
        let mut node = Node::new(format!("strut_{}", s.id));
        let y = local_y(f, x.top_elevation_m - s.depth_m);
        let (a, b) = (at_y(local_xz(f, s.from_m), y), at_y(local_xz(f, s.to_m), y));
        node.part(&CONCRETE).beam_rect(a, b, 0.8, 0.8);
        // Lattice columns (立柱) under long struts, every 12 m.
        let l = len(sub(b, a));
        let columns = (l / 12.0).floor() as usize;
        for k in 1..=columns {
            let c = add(a, scale(sub(b, a), k as f32 / (columns + 1) as f32));
            node.part(&STEEL).aabb([c[0] - 0.25, bottom, c[2] - 0.25], [c[0] + 0.25, c[1] - 0.4, c[2] + 0.25]);
        }
        root.children.push(node);
    }

    // Edge guardrail 1 m back from the edge: posts every 2 m, two rails, 1.2 m high.
    let mut rail = Node::new("guardrail");
    for i in 0..n {
        let (p, q) = (outline[i], outline[(i + 1) % n]);
        let o = inward_normal(&outline, p, q);
        let (pp, qq) = (DVec2::new(p.x - o.x, p.y - o.y), DVec2::new(q.x - o.x, q.y - o.y));
        let l = geom::dist(pp, qq);
        let posts = (l / 2.0).ceil() as usize;
        for k in 0..=posts {
            let t = k as f64 / posts as f64;
            let c = DVec2::new(pp.x + (qq.x - pp.x) * t, pp.y + (qq.y - pp.y) * t);
            rail.part(&WHITE).beam(at_y(c, top), at_y(c, top + 1.2), 0.05);
        }
        rail.part(&RED).beam(at_y(pp, top + 1.2), at_y(qq, top + 1.2), 0.05);
        rail.part(&RED).beam(at_y(pp, top + 0.6), at_y(qq, top + 0.6), 0.05);
    }
    root.children.push(rail);
    root
}

/// Unit normal of edge p→q pointing into the polygon.
fn inward_normal(poly: &[DVec2], p: DVec2, q: DVec2) -> DVec2 {
    let (dx, dz) = (q.x - p.x, q.y - p.y);
    let l = dx.hypot(dz).max(1e-9);
    let n = DVec2::new(-dz / l, dx / l);
    let mid = DVec2::new((p.x + q.x) / 2.0 + n.x * 1e-3, (p.y + q.y) / 2.0 + n.y * 1e-3);
    if geom::point_in_polygon(mid, poly) { n } else { DVec2::new(-n.x, -n.y) }
}

/// The square post grid of a support over a plan outline: posts at the centres of `spacing`
/// cells of the outline's bounding box that fall inside it.
struct PostGrid {
    lo: DVec2,
    spacing: f64,
    nx: usize,
    nz: usize,
}

impl PostGrid {
    fn over(outline: &[DVec2], spacing: f64) -> Self {
        let (mut lo, mut hi) = (DVec2::splat(f64::MAX), DVec2::splat(f64::MIN));
        for p in outline {
            lo = DVec2::new(lo.x.min(p.x), lo.y.min(p.y));
            hi = DVec2::new(hi.x.max(p.x), hi.y.max(p.y));
        }
        let nx = ((hi.x - lo.x) / spacing).floor() as usize;
        let nz = ((hi.y - lo.y) / spacing).floor() as usize;
        Self { lo, spacing, nx, nz }
    }

    fn at(&self, i: usize, k: usize) -> DVec2 {
        let (lo, s) = (self.lo, self.spacing);
        DVec2::new(lo.x + s * (i as f64 + 0.5), lo.y + s * (k as f64 + 0.5))
    }
}

/// The `posts` node of a support: posts from `y0` to `top_post`, ledgers both ways at every lift
/// of about 1.5 m, and scissor bracing on the two outer faces along x (`all_faces`: on all four).
fn support_posts(outline: &[DVec2], grid: &PostGrid, y0: f32, top_post: f32, all_faces: bool) -> Node {
    let mut posts = Node::new("posts");
    let inside = |p: DVec2| geom::point_in_polygon(p, outline);
    let (nx, nz) = (grid.nx, grid.nz);
    for i in 0..nx {
        for k in 0..nz {
            let g = grid.at(i, k);
            if inside(g) {
                posts.part(&STEEL).beam(at_y(g, y0), at_y(g, top_post), 0.06);
            }
        }
    }
    let lifts = ((top_post - y0) / 1.5).floor().max(1.0) as usize;
    for l in 0..=lifts {
        let y = y0 + 0.2 + (top_post - y0 - 0.2) * l as f32 / lifts as f32;
        for i in 0..nx {
            let (a, b) = (grid.at(i, 0), grid.at(i, nz.saturating_sub(1)));
            if inside(a) && inside(b) {
                posts.part(&STEEL).beam(at_y(a, y), at_y(b, y), 0.045);
            }
        }
        for k in 0..nz {
            let (a, b) = (grid.at(0, k), grid.at(nx.saturating_sub(1), k));
            if inside(a) && inside(b) {
                posts.part(&STEEL).beam(at_y(a, y), at_y(b, y), 0.045);
            }
        }
    }
    // Scissor bracing on the two long outer faces.
    for k in [0, nz.saturating_sub(1)] {
        let mut i = 0;
        while i + 4 < nx {
            let (a, b) = (grid.at(i, k), grid.at(i + 4, k));
            posts.part(&STEEL_DARK).beam(at_y(a, y0 + 0.2), at_y(b, top_post), 0.05);
            posts.part(&STEEL_DARK).beam(at_y(b, y0 + 0.2), at_y(a, top_post), 0.05);
            i += 5;
        }
    }
    if all_faces {
        for i in [0, nx.saturating_sub(1)] {
            let mut k = 0;
            while k + 4 < nz {
                let (a, b) = (grid.at(i, k), grid.at(i, k + 4));
                posts.part(&STEEL_DARK).beam(at_y(a, y0 + 0.2), at_y(b, top_post), 0.05);
                posts.part(&STEEL_DARK).beam(at_y(b, y0 + 0.2), at_y(a, top_post), 0.05);
                k += 5;
            }
        }
    }
    posts
}

/// A high-formwork support: post grid, ledgers every 1.5 m, perimeter bracing, joists and deck.
pub fn formwork(x: &FormworkZone, f: &DAffine3) -> Node {
    let outline = local_poly(f, &x.outline_m);
    let y0 = local_y(f, x.base_elevation_m);
    let deck = local_y(f, x.base_elevation_m + x.support_height_m);
    let mut root = Node::new(x.id.to_lowercase());
    let grid = PostGrid::over(&outline, x.post_spacing_m);
    let top_post = deck - 0.35;
    root.children.push(support_posts(&outline, &grid, y0, top_post, false));
    let mut top = Node::new("deck");
    for i in 0..grid.nx {
        let (a, b) = (grid.at(i, 0), grid.at(i, grid.nz.saturating_sub(1)));
        top.part(&TIMBER).beam_rect(at_y(a, deck - 0.25), at_y(b, deck - 0.25), 0.1, 0.15);
    }
    top.part(&PLYWOOD).prism(&outline, &[], deck - 0.15, deck);
    root.children.push(top);
    root
}

/// A full-hall load-bearing support: the post grid of a formwork support braced on all four
/// faces, with a head jack on every post and steel distribution beams across the rows, whose
/// tops are the support's top.
pub fn full_hall_support(x: &FullHallSupport, f: &DAffine3) -> Node {
    let outline = local_poly(f, &x.outline_m);
    let y0 = local_y(f, x.base_elevation_m);
    let top = local_y(f, x.base_elevation_m + x.support_height_m);
    let beam_h = 0.3f32;
    let top_post = top - beam_h - 0.3;
    let mut root = Node::new(x.id.to_lowercase());
    let grid = PostGrid::over(&outline, x.post_spacing_m);
    root.children.push(support_posts(&outline, &grid, y0, top_post, true));
    let inside = |p: DVec2| geom::point_in_polygon(p, &outline);
    let mut head = Node::new("head");
    for i in 0..grid.nx {
        for k in 0..grid.nz {
            let g = grid.at(i, k);
            if inside(g) {
                head.part(&STEEL_DARK).beam(at_y(g, top_post), at_y(g, top - beam_h - 0.02), 0.04);
                let (gx, gz) = (g.x as f32, g.y as f32);
                head.part(&STEEL_DARK)
                    .aabb([gx - 0.09, top - beam_h - 0.02, gz - 0.09], [gx + 0.09, top - beam_h, gz + 0.09]);
            }
        }
    }
    for k in 0..grid.nz {
        let (a, b) = (grid.at(0, k), grid.at(grid.nx.saturating_sub(1), k));
        if inside(a) && inside(b) {
            head.part(&CRANE_YELLOW).beam_rect(at_y(a, top - beam_h / 2.0), at_y(b, top - beam_h / 2.0), 0.15, beam_h);
        }
    }
    root.children.push(head);
    root
}

/// A closed ring offset by `d` metres away from its centroid (a convex ring stays convex).
fn ring_offset(ring: &[DVec2], d: f64) -> Vec<DVec2> {
    let mut closed = ring.to_vec();
    closed.extend(ring.first().copied());
    let mut out = offset_path(&closed, d, geom::centroid(ring));
    out.pop();
    out
}

/// Tool-type formwork. Slipform and climbing forms wrap the walls of `outline_m`: working decks
/// around them at about every 2.2 m of the system's height, the form panels against the walls
/// on its upper half (the forming levels; the climbing gear and hanging decks are below), the
/// mesh enclosure on the decks' outer edge, and the climbing rails (climbing) or the yokes with
/// their jack rods (slipform). Flying and tunnel forms cover the bay of `outline_m`: a deck at
/// the top on legs (flying tables) or on side walls (tunnel forms).
pub fn tool_formwork(x: &ToolFormwork, f: &DAffine3) -> Node {
    let outline = local_poly(f, &x.outline_m);
    let y0 = local_y(f, x.base_elevation_m);
    let y1 = local_y(f, x.base_elevation_m + x.height_m);
    let mut root = Node::new(x.id.to_lowercase());
    match x.kind {
        ToolFormworkKind::Sliding | ToolFormworkKind::Climbing => {
            let outer = ring_offset(&outline, 1.2);
            let forms = ring_offset(&outline, 0.05);
            let levels = (((y1 - y0) / 2.2).floor() as usize).max(2);
            let mut decks = Node::new("decks");
            for k in 0..levels {
                let y = y0 + (y1 - 1.2 - y0) * k as f32 / (levels - 1) as f32;
                decks.part(&STEEL).prism(&outer, std::slice::from_ref(&forms), y - 0.06, y);
                decks.part(&RED).walls(&outer, y, y + 0.2, true);
            }
            root.children.push(decks);
            let mut panels = Node::new("forms");
            let mid = y0 + (y1 - y0) / 2.0;
            panels.part(&PLYWOOD).walls(&forms, mid, y1 - 0.3, true);
            root.children.push(panels);
            let mut enclosure = Node::new("enclosure");
            let mesh = ring_offset(&outline, 1.25);
            let n = mesh.len();
            for i in 0..n {
                let (a, b) = (mesh[i], mesh[(i + 1) % n]);
                enclosure.part(&NET_GREEN).quad_two_sided(at_y(a, y0), at_y(b, y0), at_y(b, y1), at_y(a, y1));
            }
            root.children.push(enclosure);
            let mut gear = Node::new(if x.kind == ToolFormworkKind::Climbing { "rails" } else { "yokes" });
            let m = forms.len();
            for i in 0..m {
                let (p, q) = (forms[i], forms[(i + 1) % m]);
                let o = inward_normal(&forms, p, q);
                let l = geom::dist(p, q);
                let step = if x.kind == ToolFormworkKind::Climbing { 4.0 } else { 1.8 };
                let count = (l / step).floor().max(1.0) as usize;
                for k in 0..count {
                    let t = (k as f64 + 0.5) / count as f64;
                    let c = DVec2::new(p.x + (q.x - p.x) * t, p.y + (q.y - p.y) * t);
                    let out = DVec2::new(c.x - o.x * 0.5, c.y - o.y * 0.5);
                    if x.kind == ToolFormworkKind::Climbing {
                        // Guide rail on the wall, climbing with the system.
                        gear.part(&STEEL_DARK).beam_rect(at_y(out, y0), at_y(out, y1), 0.2, 0.2);
                    } else {
                        // Yoke over the wall: outer leg, crossbeam, inner leg, and the jack rod.
                        let inn = DVec2::new(c.x + o.x * 0.5, c.y + o.y * 0.5);
                        let top = y1 - 0.4;
                        gear.part(&STEEL_DARK).beam(at_y(out, mid), at_y(out, top), 0.12);
                        gear.part(&STEEL_DARK).beam(at_y(inn, mid), at_y(inn, top), 0.12);
                        gear.part(&STEEL_DARK).beam(at_y(out, top), at_y(inn, top), 0.14);
                        gear.part(&STEEL).beam(at_y(c, mid - 2.0), at_y(c, y1 + 1.5), 0.05);
                    }
                }
            }
            root.children.push(gear);
        }
        ToolFormworkKind::Flying | ToolFormworkKind::Tunnel => {
            let mut deck = Node::new("deck");
            deck.part(&PLYWOOD).prism(&outline, &[], y1 - 0.08, y1);
            root.children.push(deck);
            let mut frame = Node::new("frame");
            if x.kind == ToolFormworkKind::Flying {
                // Table trusses on a 2.4 m grid of legs.
                let grid = PostGrid::over(&outline, 2.4);
                let inside = |p: DVec2| geom::point_in_polygon(p, &outline);
                for i in 0..grid.nx {
                    for k in 0..grid.nz {
                        let g = grid.at(i, k);
                        if inside(g) {
                            frame.part(&STEEL).beam(at_y(g, y0), at_y(g, y1 - 0.4), 0.08);
                        }
                    }
                    let (a, b) = (grid.at(i, 0), grid.at(i, grid.nz.saturating_sub(1)));
                    if inside(a) && inside(b) {
                        frame.part(&STEEL_DARK).beam_rect(at_y(a, y1 - 0.24), at_y(b, y1 - 0.24), 0.1, 0.32);
                    }
                }
            } else {
                // The two side walls of the half-tunnels, along the bay's longest edges.
                let n = outline.len();
                let mut edges: Vec<(f64, usize)> =
                    (0..n).map(|i| (geom::dist(outline[i], outline[(i + 1) % n]), i)).collect();
                edges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                for &(_, i) in edges.iter().take(2) {
                    let (p, q) = (outline[i], outline[(i + 1) % n]);
                    frame.part(&STEEL).quad_two_sided(at_y(p, y0), at_y(q, y0), at_y(q, y1 - 0.08), at_y(p, y1 - 0.08));
                }
            }
            root.children.push(frame);
        }
    }
    root
}

/// A discharge platform (deck on two main beams reaching back onto the slab, secondary beams,
/// closed guardrail on three sides, two ropes a side tied back to the slab above, the load
/// sign) or an operating platform (deck on four legs down to the slab it stands on, guardrail
/// all round, a ladder). Drawn in the site frame, so any placement of its instance works.
pub fn platform(x: &Platform, f: &DAffine3, structure: Option<&Structure>) -> Node {
    let (ex, ez) = x.plan_axes();
    let c = geom::plan(x.position_m);
    let (w, l) = (x.size_m[0], x.size_m[1]);
    let deck_y = x.position_m.y;
    // A point `u` along the face and `v` out from the deck centre, at site height `y`.
    let pt = |u: f64, v: f64, y: f64| {
        let q = f.transform_point3(DVec3::new(c.x + ex.x * u + ez.x * v, y, c.y + ex.y * u + ez.y * v));
        [q.x as f32, q.y as f32, q.z as f32]
    };
    let axes = [
        norm(sub(pt(1.0, 0.0, deck_y), pt(0.0, 0.0, deck_y))),
        [0.0, 1.0, 0.0],
        norm(sub(pt(0.0, 1.0, deck_y), pt(0.0, 0.0, deck_y))),
    ];
    let (hw, hl) = (w / 2.0, l / 2.0);
    let mut root = Node::new(x.id.to_lowercase());
    let mut deck = Node::new("deck");
    deck.part(&STEEL).oriented_box(pt(0.0, 0.0, deck_y - 0.03), axes, [hw as f32, 0.03, hl as f32]);
    let mut frame = Node::new("frame");
    let mut rail = Node::new("guardrail");
    let rail_h = if x.kind == PlatformKind::Discharge { 1.5 } else { 1.2 };
    // Guardrail runs (u0, v0) → (u1, v1): posts every 1.2 m or less, top and mid rails.
    let guard = |rail: &mut Node, a: (f64, f64), b: (f64, f64), closed: bool| {
        let run = (b.0 - a.0).hypot(b.1 - a.1);
        let posts = (run / 1.2).ceil().max(1.0) as usize;
        for k in 0..=posts {
            let t = k as f64 / posts as f64;
            let (u, v) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            rail.part(&RED).beam(pt(u, v, deck_y), pt(u, v, deck_y + rail_h), 0.05);
        }
        for h in [rail_h, rail_h / 2.0] {
            rail.part(&RED).beam(pt(a.0, a.1, deck_y + h), pt(b.0, b.1, deck_y + h), 0.05);
        }
        if closed {
            rail.part(&STEEL).quad_two_sided(
                pt(a.0, a.1, deck_y),
                pt(b.0, b.1, deck_y),
                pt(b.0, b.1, deck_y + rail_h - 0.05),
                pt(a.0, a.1, deck_y + rail_h - 0.05),
            );
        }
    };
    match x.kind {
        PlatformKind::Discharge => {
            // Main beams reach 1.5 m back onto the slab; secondary beams every 0.8 m or less.
            for u in [-hw, hw] {
                frame.part(&STEEL_DARK).beam_rect(
                    pt(u, -hl - 1.5, deck_y - 0.14),
                    pt(u, hl, deck_y - 0.14),
                    0.08,
                    0.16,
                );
            }
            let bays = (l / 0.8).ceil().max(1.0) as usize;
            for k in 0..=bays {
                let v = -hl + l * k as f64 / bays as f64;
                frame.part(&STEEL_DARK).beam_rect(pt(-hw, v, deck_y - 0.1), pt(hw, v, deck_y - 0.1), 0.06, 0.1);
            }
            guard(&mut rail, (-hw, -hl), (-hw, hl), true);
            guard(&mut rail, (-hw, hl), (hw, hl), true);
            guard(&mut rail, (hw, hl), (hw, -hl), true);
            // The load sign on the outer rail, facing out.
            rail.part(&WHITE).quad_two_sided(
                pt(-0.4, hl + 0.03, deck_y + 0.9),
                pt(0.4, hl + 0.03, deck_y + 0.9),
                pt(0.4, hl + 0.03, deck_y + 1.4),
                pt(-0.4, hl + 0.03, deck_y + 1.4),
            );
            root.children.extend([deck, frame, rail]);
            // Main and safety rope on each side, to rings on the slab above at the face.
            let above = structure.map(|s| s.slab_elevation_m(x.floor.saturating_add(1))).unwrap_or(deck_y + 3.0) + 0.3;
            let mut ropes = Node::new("ropes");
            for u in [-hw, hw] {
                for v in [hl - 0.3, hl - 1.2] {
                    ropes.part(&STEEL_DARK).beam(pt(u, v, deck_y - 0.06), pt(u, -hl, above), 0.03);
                }
            }
            root.children.push(ropes);
        }
        PlatformKind::Operating => {
            let floor_y = structure.map(|s| s.slab_elevation_m(x.floor)).unwrap_or(0.0);
            for (u, v) in [(-hw, -hl), (hw, -hl), (hw, hl), (-hw, hl)] {
                frame.part(&STEEL).beam(pt(u, v, floor_y), pt(u, v, deck_y - 0.06), 0.06);
            }
            let lifts = ((deck_y - floor_y) / 1.5).floor().max(1.0) as usize;
            for k in 1..=lifts {
                let y = floor_y + (deck_y - 0.06 - floor_y) * k as f64 / lifts as f64 - 0.15;
                for (a, b) in
                    [((-hw, -hl), (hw, -hl)), ((hw, -hl), (hw, hl)), ((hw, hl), (-hw, hl)), ((-hw, hl), (-hw, -hl))]
                {
                    frame.part(&STEEL).beam(pt(a.0, a.1, y), pt(b.0, b.1, y), 0.045);
                }
            }
            // A ladder up the −x side.
            let rungs = ((deck_y - floor_y) / 0.3).floor() as usize;
            for s in [-0.25, 0.25] {
                frame.part(&STEEL_DARK).beam(pt(-hw - 0.1, s, floor_y), pt(-hw - 0.1, s, deck_y + 1.0), 0.04);
            }
            for k in 1..=rungs {
                let y = floor_y + 0.3 * k as f64;
                frame.part(&STEEL_DARK).beam(pt(-hw - 0.1, -0.25, y), pt(-hw - 0.1, 0.25, y), 0.03);
            }
            guard(&mut rail, (-hw, -hl), (hw, -hl), false);
            guard(&mut rail, (hw, -hl), (hw, hl), false);
            guard(&mut rail, (hw, hl), (-hw, hl), false);
            guard(&mut rail, (-hw, hl), (-hw, -hl), false);
            root.children.extend([deck, frame, rail]);
        }
    }
    root
}

/// A non-standard lift: yellow marks on the pick-up and set-down points and the hook's path
/// between them (up to 3 m over the higher end, across, and down), in the site frame.
pub fn lift(x: &LiftingOperation, f: &DAffine3) -> Node {
    let local = |p: DVec3| {
        let q = f.transform_point3(p);
        [q.x as f32, q.y as f32, q.z as f32]
    };
    let mark = |name: &str, at: DVec3| {
        let mut node = Node::new(name);
        let y = at.y + 0.03;
        let h = 1.5;
        let corners = [(-h, -h), (h, -h), (h, h), (-h, h)];
        for i in 0..4 {
            let (a, b) = (corners[i], corners[(i + 1) % 4]);
            let m = node.part(&LINE_YELLOW);
            m.beam_rect(
                local(DVec3::new(at.x + a.0, y, at.z + a.1)),
                local(DVec3::new(at.x + b.0, y, at.z + b.1)),
                0.2,
                0.04,
            );
        }
        node.part(&RED).cylinder(local(DVec3::new(at.x, at.y, at.z)), 0.15, 0.6, 8);
        node
    };
    let mut root = Node::new(x.id.to_lowercase());
    root.children.push(mark("pick_up", x.pick_up_m));
    root.children.push(mark("set_down", x.set_down_m));
    let travel_y = x.pick_up_m.y.max(x.set_down_m.y) + 3.0;
    let (a, b) = (x.pick_up_m, x.set_down_m);
    let path = [a, DVec3::new(a.x, travel_y, a.z), DVec3::new(b.x, travel_y, b.z), b];
    let mut hook = Node::new("path");
    for w in path.windows(2) {
        hook.part(&RED).beam(local(w[0]), local(w[1]), 0.08);
    }
    root.children.push(hook);
    root
}

/// A scaffold: two rows of standards along the path, ledgers each lift, transoms, and the green
/// dense-mesh safety net on the outer face.
pub fn scaffold(x: &Scaffold, f: &DAffine3, structure: Option<&Structure>) -> Node {
    let inner = local_poly(f, &x.path_m);
    let y0 = local_y(f, x.base_elevation_m);
    let y1 = local_y(f, x.base_elevation_m + x.height_m);
    let away_from =
        structure.map(|s| geom::centroid(&local_poly(f, &s.footprint_m))).unwrap_or_else(|| geom::centroid(&inner));
    let outer = offset_path(&inner, 1.05, away_from);
    let mut root = Node::new(x.id.to_lowercase());
    let mut frame = Node::new("frame");
    let mut net = Node::new("net");
    let lifts = ((y1 - y0) / 1.8).floor().max(1.0) as usize;
    for seg in 0..inner.len().saturating_sub(1) {
        let (a, b, oa, ob) = (inner[seg], inner[seg + 1], outer[seg], outer[seg + 1]);
        let l = geom::dist(a, b);
        let bays = (l / 1.5).ceil().max(1.0) as usize;
        for k in 0..=bays {
            let t = k as f64 / bays as f64;
            let lerp = |p: DVec2, q: DVec2| DVec2::new(p.x + (q.x - p.x) * t, p.y + (q.y - p.y) * t);
            let (pi, po) = (lerp(a, b), lerp(oa, ob));
            frame.part(&STEEL).beam(at_y(pi, y0), at_y(pi, y1), 0.05);
            frame.part(&STEEL).beam(at_y(po, y0), at_y(po, y1 + 1.2), 0.05);
            for l in 0..=lifts {
                let y = y0 + (y1 - y0) * l as f32 / lifts as f32;
                frame.part(&STEEL).beam(at_y(pi, y), at_y(po, y), 0.045);
            }
        }
        for l in 0..=lifts {
            let y = y0 + (y1 - y0) * l as f32 / lifts as f32;
            frame.part(&STEEL).beam(at_y(a, y), at_y(b, y), 0.045);
            frame.part(&STEEL).beam(at_y(oa, y), at_y(ob, y), 0.045);
            frame.part(&PLYWOOD).quad_facing(
                at_y(a, y + 0.03),
                at_y(b, y + 0.03),
                at_y(ob, y + 0.03),
                at_y(oa, y + 0.03),
                [0.0, 1.0, 0.0],
            );
        }
        let n0 = at_y(oa, y0);
        let n1 = at_y(ob, y0);
        net.part(&NET_GREEN).quad_two_sided(
            n0,
            n1,
            add(n1, [0.0, y1 + 1.2 - y0, 0.0]),
            add(n0, [0.0, y1 + 1.2 - y0, 0.0]),
        );
    }
    root.children.push(frame);
    root.children.push(net);
    root
}

/// Offsets an open or closed polyline by `d` metres on the side away from `from`.
fn offset_path(p: &[DVec2], d: f64, from: DVec2) -> Vec<DVec2> {
    let n = p.len();
    let closed = n > 2 && geom::dist(p[0], p[n - 1]) < 1e-6;
    let seg_normal = |i: usize| {
        let (a, b) = (p[i], p[i + 1]);
        let (dx, dz) = (b.x - a.x, b.y - a.y);
        let l = dx.hypot(dz).max(1e-9);
        let nrm = DVec2::new(-dz / l, dx / l);
        let mid = DVec2::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
        let out = DVec2::new(mid.x - from.x, mid.y - from.y);
        if nrm.x * out.x + nrm.y * out.y >= 0.0 { nrm } else { DVec2::new(-nrm.x, -nrm.y) }
    };
    (0..n)
        .map(|i| {
            let prev = if i > 0 {
                Some(seg_normal(i - 1))
            } else if closed {
                Some(seg_normal(n - 2))
            } else {
                None
            };
            let next = if i + 1 < n {
                Some(seg_normal(i))
            } else if closed {
                Some(seg_normal(0))
            } else {
                None
            };
            let m = match (prev, next) {
                (Some(a), Some(b)) => {
                    let s = DVec2::new(a.x + b.x, a.y + b.y);
                    let l = s.x.hypot(s.y).max(1e-9);
                    let cos_half = (s.x / l) * a.x + (s.y / l) * a.y;
                    let k = d / cos_half.max(0.3);
                    DVec2::new(s.x / l * k, s.y / l * k)
                }
                (Some(a), None) | (None, Some(a)) => DVec2::new(a.x * d, a.y * d),
                (None, None) => DVec2::ZERO,
            };
            DVec2::new(p[i].x + m.x, p[i].y + m.y)
        })
        .collect()
}

/// A concrete frame building: slabs for the storeys built, columns on a grid, a core, and
/// starter bars above the top slab.
pub fn structure(x: &Structure, f: &DAffine3) -> Node {
    let fp = local_poly(f, &x.footprint_m);
    let base = local_y(f, x.base_elevation_m);
    let fh = x.floor_height_m as f32;
    let mut root = Node::new(x.id.to_lowercase());
    let mut frame = Node::new("frame");
    let (mut lo, mut hi) = (DVec2::splat(f64::MAX), DVec2::splat(f64::MIN));
    for p in &fp {
        lo = DVec2::new(lo.x.min(p.x), lo.y.min(p.y));
        hi = DVec2::new(hi.x.max(p.x), hi.y.max(p.y));
    }
    let cols = |a: f64, b: f64| {
        let n = ((b - a) / 6.6).round().max(1.0) as usize;
        (0..=n).map(move |k| a + 0.35 + (b - a - 0.7) * k as f64 / n as f64)
    };
    let grid: Vec<DVec2> = cols(lo.x, hi.x)
        .flat_map(|gx| cols(lo.y, hi.y).map(move |gz| DVec2::new(gx, gz)))
        .filter(|g| geom::point_in_polygon(*g, &fp))
        .collect();
    for storey in 0..=x.floors_built {
        let y = base + fh * storey as f32;
        frame.part(&CONCRETE).prism(&fp, &[], y - 0.2, y);
        if storey < x.floors_built {
            for g in &grid {
                frame
                    .part(&CONCRETE)
                    .aabb([g.x as f32 - 0.3, y, g.y as f32 - 0.3], [g.x as f32 + 0.3, y + fh - 0.2, g.y as f32 + 0.3]);
            }
        }
    }
    let top = base + fh * x.floors_built as f32;
    for g in &grid {
        for (dx, dz) in [(-0.2f32, -0.2f32), (0.2, -0.2), (0.2, 0.2), (-0.2, 0.2)] {
            let p = [g.x as f32 + dx, top, g.y as f32 + dz];
            frame.part(&REBAR).beam(p, add(p, [0.0, 1.2, 0.0]), 0.04);
        }
    }
    // Core walls (stair and lift shafts) at the centre of the plan.
    let c = geom::centroid(&fp);
    let core_top = top + 0.0;
    // No core walls before the first storey is cast.
    if x.floors_built > 0 {
        frame
            .part(&CONCRETE_DARK)
            .aabb([c.x as f32 - 3.0, base, c.y as f32 - 2.5], [c.x as f32 + 3.0, core_top, c.y as f32 + 2.5]);
    }
    root.children.push(frame);
    root
}

/// A distribution box on legs (sub and switch boxes) or on a plinth under a canopy (main box).
pub fn distribution_box(x: &DistributionBox) -> Node {
    let mut root = Node::new(x.id.to_lowercase());
    let (w, h, d, lift) = match x.level {
        BoxLevel::Main => (1.0, 1.6, 0.5, 0.3),
        BoxLevel::Sub => (0.8, 1.1, 0.35, 0.6),
        BoxLevel::Switch => (0.45, 0.6, 0.25, 0.9),
    };
    root.part(&BOX_ORANGE).aabb([-w / 2.0, lift, -d / 2.0], [w / 2.0, lift + h, d / 2.0]);
    root.part(&STEEL_DARK)
        .aabb([-w / 2.0 - 0.05, lift + h, -d / 2.0 - 0.1], [w / 2.0 + 0.05, lift + h + 0.05, d / 2.0 + 0.1]);
    for sx in [-1.0f32, 1.0] {
        root.part(&STEEL_DARK).beam([sx * w * 0.35, 0.0, 0.0], [sx * w * 0.35, lift, 0.0], 0.06);
    }
    if x.level == BoxLevel::Main {
        // Protective shed (防护棚) over the main box.
        for (sx, sz) in [(-1.0f32, -1.0f32), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
            root.part(&STEEL).beam([sx * 1.2, 0.0, sz * 1.0], [sx * 1.2, 2.8, sz * 1.0], 0.08);
        }
        root.part(&HOARDING_BLUE).aabb([-1.4, 2.8, -1.2], [1.4, 2.95, 1.2]);
        root.part(&RED).aabb([-1.2, 0.0, -1.0], [1.2, 1.2, -0.98]);
    }
    root
}

/// A gate: pillars, the name board across the top, and two leaves standing open.
pub fn gate(x: &Gate) -> Node {
    let w = x.width_m as f32;
    let mut root = Node::new(x.id.to_lowercase());
    for s in [-1.0f32, 1.0] {
        let cx = s * (w / 2.0 + 0.45);
        root.part(&WHITE).aabb([cx - 0.45, 0.0, -0.45], [cx + 0.45, 5.2, 0.45]);
        // Leaf swung open inwards (+z side is inside by convention).
        let hinge = s * w / 2.0;
        root.part(&HOARDING_BLUE)
            .aabb([hinge - s * 0.05 - 0.03, 0.05, 0.5], [hinge - s * 0.05 + 0.03, 2.2, 0.5 + w / 2.0]);
    }
    root.part(&HOARDING_BLUE).aabb([-w / 2.0 - 0.9, 5.2, -0.5], [w / 2.0 + 0.9, 6.4, 0.5]);
    root.part(&RED).aabb([-w / 2.0 + 0.5, 5.45, -0.52], [w / 2.0 - 0.5, 6.15, -0.5]);
    root
}

/// A facility, by kind.
pub fn facility(x: &Facility) -> Node {
    let [sx, sz] = [x.size_m[0] as f32, x.size_m[1] as f32];
    let (hx, hz) = (sx / 2.0, sz / 2.0);
    let mut root = Node::new(x.id.to_lowercase());
    match x.kind {
        FacilityKind::SiteOffice | FacilityKind::Dormitory | FacilityKind::Canteen | FacilityKind::Toilet => {
            let storeys = match x.kind {
                FacilityKind::Canteen | FacilityKind::Toilet => 1,
                _ => ((x.height_m.unwrap_or(6.0) / 3.0).round() as usize).max(1),
            };
            for s in 0..storeys {
                let y = 2.9 * s as f32;
                root.part(&WHITE).aabb([-hx, y, -hz], [hx, y + 2.7, hz]);
                root.part(&ROOF_BLUE).aabb([-hx - 0.05, y + 2.7, -hz - 0.05], [hx + 0.05, y + 2.9, hz + 0.05]);
                let bays = (sx / 3.6).floor().max(1.0) as usize;
                for b in 0..bays {
                    let cx = -hx + sx * (b as f32 + 0.5) / bays as f32;
                    for side in [-1.0f32, 1.0] {
                        let z = side * (hz + 0.02);
                        root.part(&GLASS).aabb([cx - 0.7, y + 0.9, z - 0.02], [cx + 0.7, y + 2.1, z + 0.02]);
                    }
                }
            }
            if storeys > 1 {
                // External stair at one end.
                let top = 2.9 * (storeys - 1) as f32;
                root.part(&STEEL).beam([hx + 0.6, 0.0, -hz + 0.5], [hx + 0.6, top, hz - 0.5], 1.0);
            }
        }
        FacilityKind::WheelWash => {
            root.part(&CONCRETE).aabb([-hx, 0.0, -hz], [hx, 0.25, hz]);
            root.part(&WATER).aabb([-hx + 0.4, 0.05, -hz + 0.6], [hx - 0.4, 0.27, hz - 0.6]);
            let rollers = (sz / 0.6).floor() as usize;
            for k in 1..rollers {
                let z = -hz + sz * k as f32 / rollers as f32;
                root.part(&STEEL_DARK).cylinder_between([-hx + 0.6, 0.3, z], [hx - 0.6, 0.3, z], 0.08, 6);
            }
            for s in [-1.0f32, 1.0] {
                root.part(&STEEL).beam([s * hx, 0.25, -hz], [s * hx, 0.25, hz], 0.15);
                root.part(&STEEL).beam([s * hx, 0.25, -hz], [s * hx, 1.6, -hz], 0.08);
            }
        }
        FacilityKind::MaterialYard => {
            root.part(&CONCRETE).aabb([-hx, 0.0, -hz], [hx, 0.1, hz]);
            // Rebar bundles on sleepers along local x.
            let rows = (sz / 2.2).floor().max(1.0) as usize;
            for r in 0..rows {
                let z = -hz + 1.1 + 2.2 * r as f32;
                for s in [-hx + 1.0, hx - 1.0] {
                    root.part(&TIMBER).aabb([s - 0.1, 0.1, z - 0.8], [s + 0.1, 0.3, z + 0.8]);
                }
                for b in 0..6 {
                    let zz = z - 0.6 + 0.24 * b as f32;
                    root.part(&REBAR)
                        .aabb([-hx + 0.5, 0.3, zz - 0.09], [hx - 0.5, 0.5 + 0.05 * (b % 3) as f32, zz + 0.09]);
                }
            }
            root.part(&PLYWOOD).aabb([hx - 3.0, 0.1, -hz + 0.3], [hx - 0.6, 1.2, -hz + 1.5]);
        }
        FacilityKind::DustMonitorMast => {
            root.part(&CONCRETE).aabb([-0.5, 0.0, -0.5], [0.5, 0.3, 0.5]);
            root.part(&STEEL).cylinder([0.0, 0.3, 0.0], 0.08, 5.5, 8);
            root.part(&WHITE).aabb([-0.3, 2.6, -0.25], [0.3, 3.4, 0.25]); // sampler and sensors
            root.part(&STEEL_DARK).aabb([-0.25, 5.8, -0.02], [0.25, 5.85, 0.02]); // anemometer arm
            root.part(&SOLAR).oriented_box(
                [0.0, 4.6, 0.3],
                [[1.0, 0.0, 0.0], norm([0.0, 0.8, -0.6]), norm([0.0, 0.6, 0.8])],
                [0.5, 0.02, 0.35],
            );
            root.part(&STEEL_DARK).aabb([-1.2, 3.6, -0.15], [1.2, 4.4, 0.0]); // display frame
            root.part(&LED_GREEN).aabb([-1.1, 3.7, -0.17], [1.1, 4.3, -0.15]);
        }
        FacilityKind::Transformer => {
            root.part(&TRANSFORMER_GREEN).aabb([-hx + 0.5, 0.0, -hz + 0.5], [hx - 0.5, 2.2, hz - 0.5]);
            for (a, b) in
                [([-hx, -hz], [hx, -hz]), ([hx, -hz], [hx, hz]), ([hx, hz], [-hx, hz]), ([-hx, hz], [-hx, -hz])]
            {
                root.part(&STEEL_DARK).aabb(
                    [a[0].min(b[0]) - 0.03, 0.0, a[1].min(b[1]) - 0.03],
                    [a[0].max(b[0]) + 0.03, 1.8, a[1].max(b[1]) + 0.03],
                );
            }
        }
    }
    root
}

/// A walkway: paving strip with yellow edge lines, slightly above the ground.
pub fn walkway(x: &Walkway, f: &DAffine3) -> Node {
    let pts = local_poly(f, &x.points_m);
    let half = x.width_m / 2.0;
    let mut root = Node::new(x.id.to_lowercase());
    for i in 0..pts.len().saturating_sub(1) {
        let (a, b) = (pts[i], pts[i + 1]);
        let (dx, dz) = (b.x - a.x, b.y - a.y);
        let l = dx.hypot(dz).max(1e-9);
        let n = DVec2::new(-dz / l * half, dx / l * half);
        let corner = |p: DVec2, s: f64| DVec2::new(p.x + n.x * s, p.y + n.y * s);
        let up = [0.0, 1.0, 0.0];
        root.part(&PAVING).quad_facing(
            at_y(corner(a, -1.0), 0.03),
            at_y(corner(b, -1.0), 0.03),
            at_y(corner(b, 1.0), 0.03),
            at_y(corner(a, 1.0), 0.03),
            up,
        );
        for s in [-1.0, 1.0] {
            let inner = s * (1.0 - 0.15 / half);
            root.part(&LINE_YELLOW).quad_facing(
                at_y(corner(a, s), 0.04),
                at_y(corner(b, s), 0.04),
                at_y(corner(b, inner), 0.04),
                at_y(corner(a, inner), 0.04),
                up,
            );
        }
    }
    root
}

/// The site ground (with holes where pits are), the road apron outside, and the hoarding with
/// openings where gates are.
pub fn boundary(b: &Boundary, scene: &SiteScene, f: &DAffine3) -> Node {
    let poly = local_poly(f, &b.polygon_m);
    let holes: Vec<Vec<DVec2>> = scene.pits.iter().map(|p| local_poly(f, &p.outline_m)).collect();
    let mut root = Node::new("site_boundary");
    let mut ground = Node::new("ground");
    ground.part(&GROUND).prism(&poly, &holes, -0.3, 0.0);
    let (mut lo, mut hi) = (DVec2::splat(f64::MAX), DVec2::splat(f64::MIN));
    for p in &poly {
        lo = DVec2::new(lo.x.min(p.x), lo.y.min(p.y));
        hi = DVec2::new(hi.x.max(p.x), hi.y.max(p.y));
    }
    let m = 30.0;
    let apron = [
        DVec2::new(lo.x - m, lo.y - m),
        DVec2::new(hi.x + m, lo.y - m),
        DVec2::new(hi.x + m, hi.y + m),
        DVec2::new(lo.x - m, hi.y + m),
    ];
    ground.part(&ASPHALT).prism(&apron, std::slice::from_ref(&poly), -0.05, -0.04);
    root.children.push(ground);

    let h = b.hoarding_height_m as f32;
    let gates: Vec<(DVec2, f64)> =
        scene.gates.iter().map(|g| (local_xz(f, geom::plan(g.position_m)), g.width_m + 1.8)).collect();
    let mut hoarding = Node::new("hoarding");
    let n = poly.len();
    for i in 0..n {
        let (p, q) = (poly[i], poly[(i + 1) % n]);
        let l = geom::dist(p, q);
        if l < 1e-6 {
            continue;
        }
        // Intervals of this edge (in metres from p) left open for gates.
        let mut cuts: Vec<(f64, f64)> = gates
            .iter()
            .filter_map(|(g, w)| {
                let t = ((g.x - p.x) * (q.x - p.x) + (g.y - p.y) * (q.y - p.y)) / l;
                let off = ((g.x - p.x) * (q.y - p.y) - (g.y - p.y) * (q.x - p.x)).abs() / l;
                (off < 1.5 && t > -w / 2.0 && t < l + w / 2.0).then_some((t - w / 2.0, t + w / 2.0))
            })
            .collect();
        cuts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut runs = Vec::new();
        let mut start = 0.0;
        for (c0, c1) in cuts {
            if c0 > start {
                runs.push((start, c0.min(l)));
            }
            start = start.max(c1);
        }
        if start < l {
            runs.push((start, l));
        }
        let at = |t: f64| DVec2::new(p.x + (q.x - p.x) * t / l, p.y + (q.y - p.y) * t / l);
        for (t0, t1) in runs {
            let (a, b) = (at(t0), at(t1));
            hoarding.part(&HOARDING_BLUE).beam_rect(at_y(a, h / 2.0 - 0.15), at_y(b, h / 2.0 - 0.15), 0.08, h - 0.3);
            hoarding.part(&WHITE).beam_rect(at_y(a, h - 0.15), at_y(b, h - 0.15), 0.1, 0.3);
            let posts = ((t1 - t0) / 3.0).ceil() as usize;
            for k in 0..=posts {
                let c = at(t0 + (t1 - t0) * k as f64 / posts.max(1) as f64);
                hoarding
                    .part(&WHITE)
                    .aabb([c.x as f32 - 0.1, 0.0, c.y as f32 - 0.1], [c.x as f32 + 0.1, h, c.y as f32 + 0.1]);
            }
        }
    }
    root.children.push(hoarding);
    root
}
