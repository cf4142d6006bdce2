//! Plan geometry in metres: polygon area, centroid and simplicity checks, and ear-clipping
//! triangulation (with holes) for the generated ground, pit floors and slabs.
//!
//! A plan point is a glam `DVec2` holding site `(x, z)`: its `y` is the site's z (south). The
//! arithmetic is written out per component, in the order it has always been done, so that the
//! generated models stay byte-identical.

use glam::{DVec2, DVec3};

/// A point in plan, `(x, z)` metres, as `DVec2 { x, y: z }`.
pub type P2 = DVec2;

/// The horizontal unit vector (plan `x` east, `y` = site `z` south) of a heading in degrees
/// clockwise from grid north (−z): a crane's jib for its slew on the site grid.
pub fn heading_dir(grid_heading_deg: f64) -> P2 {
    let h = grid_heading_deg.to_radians();
    P2::new(h.sin(), -h.cos())
}

/// The plan point under a site point (drops the height).
pub fn plan(p: DVec3) -> P2 {
    DVec2::new(p.x, p.z)
}

/// A plan point at height `y_m`, as a site point.
pub fn at_height(p: P2, y_m: f64) -> DVec3 {
    DVec3::new(p.x, y_m, p.y)
}

/// Signed area by the shoelace formula (positive when counter-clockwise in x-z seen with z down).
pub fn polygon_area(p: &[P2]) -> f64 {
    let n = p.len();
    (0..n)
        .map(|i| {
            let (a, b) = (p[i], p[(i + 1) % n]);
            a.x * b.y - b.x * a.y
        })
        .sum::<f64>()
        / 2.0
}

/// Area centroid, or the vertex mean for a degenerate polygon.
pub fn centroid(p: &[P2]) -> P2 {
    if p.is_empty() {
        return DVec2::ZERO;
    }
    let a = polygon_area(p);
    if a.abs() < 1e-9 {
        let n = p.len() as f64;
        return DVec2::new(p.iter().map(|q| q.x).sum::<f64>() / n, p.iter().map(|q| q.y).sum::<f64>() / n);
    }
    let n = p.len();
    let (mut cx, mut cz) = (0.0, 0.0);
    for i in 0..n {
        let (a0, b0) = (p[i], p[(i + 1) % n]);
        let cross = a0.x * b0.y - b0.x * a0.y;
        cx += (a0.x + b0.x) * cross;
        cz += (a0.y + b0.y) * cross;
    }
    DVec2::new(cx / (6.0 * a), cz / (6.0 * a))
}

/// Length of a polyline, closing it back to the start when `closed`.
pub fn perimeter(p: &[P2], closed: bool) -> f64 {
    let n = p.len();
    if n < 2 {
        return 0.0;
    }
    let segs = if closed { n } else { n - 1 };
    (0..segs).map(|i| dist(p[i], p[(i + 1) % n])).sum()
}

/// Distance between two plan points.
pub fn dist(a: P2, b: P2) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

/// Distance from `pt` to the nearest edge of the closed ring `ring` (0 on an edge), metres;
/// infinite for an empty ring.
pub fn distance_to_ring(pt: P2, ring: &[P2]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            let ab = b - a;
            let len2 = ab.length_squared();
            let t = if len2 > 0.0 { ((pt - a).dot(ab) / len2).clamp(0.0, 1.0) } else { 0.0 };
            dist(pt, a + ab * t)
        })
        .fold(f64::INFINITY, f64::min)
}

fn orient(a: P2, b: P2, c: P2) -> f64 {
    (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
}

/// True when the closed segments `a-b` and `c-d` share a point.
pub fn segments_intersect(a: P2, b: P2, c: P2, d: P2) -> bool {
    let (d1, d2, d3, d4) = (orient(c, d, a), orient(c, d, b), orient(a, b, c), orient(a, b, d));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0)) && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0)) {
        return true;
    }
    let on = |p: P2, q: P2, r: P2| {
        orient(p, q, r).abs() < 1e-12
            && r.x >= p.x.min(q.x) - 1e-12
            && r.x <= p.x.max(q.x) + 1e-12
            && r.y >= p.y.min(q.y) - 1e-12
            && r.y <= p.y.max(q.y) + 1e-12
    };
    on(c, d, a) || on(c, d, b) || on(a, b, c) || on(a, b, d)
}

/// The first pair of crossing edges `(i, j)` of a closed polygon (edge i runs from vertex i to
/// i+1), or `None` when the polygon is simple.
pub fn self_intersection(p: &[P2]) -> Option<(usize, usize)> {
    let n = p.len();
    for i in 0..n {
        for j in i + 1..n {
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            if adjacent {
                continue;
            }
            if segments_intersect(p[i], p[(i + 1) % n], p[j], p[(j + 1) % n]) {
                return Some((i, j));
            }
        }
    }
    None
}

/// Even-odd point-in-polygon test.
pub fn point_in_polygon(pt: P2, poly: &[P2]) -> bool {
    let n = poly.len();
    let mut inside = false;
    let mut j = n.wrapping_sub(1);
    for i in 0..n {
        let (a, b) = (poly[i], poly[j]);
        if (a.y > pt.y) != (b.y > pt.y) && pt.x < (b.x - a.x) * (pt.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Triangulates a simple polygon with simple holes inside it by bridging each hole to the outer
/// ring and ear clipping. Returns indices into `outer` followed by each hole's points in order.
pub fn triangulate(outer: &[P2], holes: &[Vec<P2>]) -> Vec<[usize; 3]> {
    // Work counter-clockwise (positive area) for the outer ring, clockwise for holes.
    let mut pts: Vec<P2> = outer.to_vec();
    let mut ring: Vec<usize> = (0..outer.len()).collect();
    if polygon_area(outer) < 0.0 {
        ring.reverse();
    }
    let mut order: Vec<(usize, usize)> = Vec::new(); // (offset, len)
    for h in holes {
        order.push((pts.len(), h.len()));
        pts.extend_from_slice(h);
    }
    // Bridge holes from the one reaching furthest in +x.
    order.sort_by(|a, b| {
        let mx = |o: &(usize, usize)| pts[o.0..o.0 + o.1].iter().map(|p| p.x).fold(f64::MIN, f64::max);
        mx(b).total_cmp(&mx(a))
    });
    for (off, len) in order {
        if len < 3 {
            continue;
        }
        let mut hole: Vec<usize> = (off..off + len).collect();
        if polygon_area(&hole.iter().map(|&i| pts[i]).collect::<Vec<_>>()) > 0.0 {
            hole.reverse();
        }
        // The hole's right-most vertex, joined to the nearest ring vertex it can see.
        let (hk, &hv) =
            hole.iter().enumerate().max_by(|a, b| pts[*a.1].x.total_cmp(&pts[*b.1].x)).unwrap_or((0, &hole[0]));
        let m = pts[hv];
        let mut best: Option<(usize, f64)> = None;
        for (rk, &rv) in ring.iter().enumerate() {
            let p = pts[rv];
            let d = dist(m, p);
            if best.is_some_and(|(_, bd)| bd <= d) {
                continue;
            }
            let n = ring.len();
            let blocked = (0..n).any(|e| {
                let (a, b) = (ring[e], ring[(e + 1) % n]);
                a != rv && b != rv && segments_intersect(m, p, pts[a], pts[b])
            }) || (0..hole.len()).any(|e| {
                let (a, b) = (hole[e], hole[(e + 1) % hole.len()]);
                a != hv && b != hv && segments_intersect(m, p, pts[a], pts[b])
            });
            if !blocked {
                best = Some((rk, d));
            }
        }
        let Some((rk, _)) = best else { continue };
        let rv = ring[rk];
        let mut spliced = Vec::with_capacity(ring.len() + hole.len() + 2);
        spliced.extend_from_slice(&ring[..=rk]);
        for k in 0..=hole.len() {
            spliced.push(hole[(hk + k) % hole.len()]);
        }
        spliced.push(rv);
        spliced.extend_from_slice(&ring[rk + 1..]);
        ring = spliced;
    }
    ear_clip(&pts, ring)
}

fn ear_clip(pts: &[P2], mut ring: Vec<usize>) -> Vec<[usize; 3]> {
    let mut tris = Vec::new();
    let mut guard = 0;
    while ring.len() > 3 && guard < 10 * pts.len() + 100 {
        guard += 1;
        let n = ring.len();
        let mut clipped = false;
        for k in 0..n {
            let (ia, ib, ic) = (ring[(k + n - 1) % n], ring[k], ring[(k + 1) % n]);
            let (a, b, c) = (pts[ia], pts[ib], pts[ic]);
            if orient(a, b, c) <= 1e-12 {
                continue; // reflex or degenerate corner
            }
            let contains = ring.iter().any(|&j| {
                if j == ia || j == ib || j == ic || pts[j] == a || pts[j] == b || pts[j] == c {
                    return false;
                }
                let p = pts[j];
                orient(a, b, p) >= 0.0 && orient(b, c, p) >= 0.0 && orient(c, a, p) >= 0.0
            });
            if contains {
                continue;
            }
            tris.push([ia, ib, ic]);
            ring.remove(k);
            clipped = true;
            break;
        }
        if !clipped {
            // Numerically stuck: drop the flattest corner rather than loop forever.
            let k = (0..ring.len())
                .min_by(|&x, &y| {
                    let o = |k: usize| {
                        let n = ring.len();
                        orient(pts[ring[(k + n - 1) % n]], pts[ring[k]], pts[ring[(k + 1) % n]]).abs()
                    };
                    o(x).total_cmp(&o(y))
                })
                .unwrap_or(0);
            ring.remove(k);
        }
    }
    if ring.len() == 3 && orient(pts[ring[0]], pts[ring[1]], pts[ring[2]]) > 1e-12 {
        tris.push([ring[0], ring[1], ring[2]]);
    }
    tris
}

/// A simple polygon moved outwards by `d` metres (mitred corners, the mitre capped at 4 × `d`),
/// whichever way round it is written.
pub fn offset_outward(poly: &[P2], d: f64) -> Vec<P2> {
    let n = poly.len();
    if n < 3 {
        return poly.to_vec();
    }
    // Counter-clockwise polygons (positive area) have their outside on the right of each edge.
    let area: f64 = (0..n).map(|i| poly[i].perp_dot(poly[(i + 1) % n])).sum();
    let side = if area > 0.0 { 1.0 } else { -1.0 };
    let normal = |a: P2, b: P2| {
        let e = (b - a).normalize_or_zero();
        DVec2::new(e.y, -e.x) * side
    };
    (0..n)
        .map(|i| {
            let (prev, here, next) = (poly[(i + n - 1) % n], poly[i], poly[(i + 1) % n]);
            let (n1, n2) = (normal(prev, here), normal(here, next));
            let m = (n1 + n2).normalize_or_zero();
            here + m * (d / m.dot(n1).max(0.25))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f64, z: f64) -> P2 {
        DVec2::new(x, z)
    }

    fn tri_area(p: &[P2], t: &[[usize; 3]]) -> f64 {
        t.iter().map(|t| orient(p[t[0]], p[t[1]], p[t[2]]).abs() / 2.0).sum()
    }

    #[test]
    fn area_centroid_perimeter() {
        let sq = [p(0.0, 0.0), p(4.0, 0.0), p(4.0, 2.0), p(0.0, 2.0)];
        assert_eq!(polygon_area(&sq), 8.0);
        assert_eq!(centroid(&sq), p(2.0, 1.0));
        assert_eq!(perimeter(&sq, true), 12.0);
        assert_eq!(perimeter(&sq, false), 10.0);
    }

    #[test]
    fn distance_to_ring_is_to_the_nearest_edge_inside_and_out() {
        let sq = [p(0.0, 0.0), p(4.0, 0.0), p(4.0, 2.0), p(0.0, 2.0)];
        assert_eq!(distance_to_ring(p(2.0, 0.0), &sq), 0.0);
        assert_eq!(distance_to_ring(p(2.0, 0.5), &sq), 0.5);
        assert_eq!(distance_to_ring(p(2.0, 5.0), &sq), 3.0);
        // Beyond a corner the nearest point is the corner itself.
        assert_eq!(distance_to_ring(p(7.0, 6.0), &sq), 5.0);
        assert_eq!(distance_to_ring(p(1.0, 1.0), &[]), f64::INFINITY);
    }

    #[test]
    fn detects_self_intersection() {
        let bow = [p(0.0, 0.0), p(2.0, 2.0), p(2.0, 0.0), p(0.0, 2.0)];
        assert!(self_intersection(&bow).is_some());
        let sq = [p(0.0, 0.0), p(4.0, 0.0), p(4.0, 2.0), p(0.0, 2.0)];
        assert!(self_intersection(&sq).is_none());
    }

    #[test]
    fn triangulates_concave_and_holed_polygons() {
        let l = [p(0.0, 0.0), p(4.0, 0.0), p(4.0, 1.0), p(1.0, 1.0), p(1.0, 3.0), p(0.0, 3.0)];
        let t = triangulate(&l, &[]);
        assert_eq!(t.len(), 4);
        assert!((tri_area(&l, &t) - 6.0).abs() < 1e-9);

        let outer = [p(-10.0, -10.0), p(10.0, -10.0), p(10.0, 10.0), p(-10.0, 10.0)];
        let hole = vec![p(-2.0, -2.0), p(3.0, -2.0), p(3.0, 2.0), p(-1.0, 2.0), p(-2.0, 1.0)];
        let t = triangulate(&outer, std::slice::from_ref(&hole));
        let mut all = outer.to_vec();
        all.extend_from_slice(&hole);
        let expected = 400.0 - polygon_area(&hole).abs();
        assert!((tri_area(&all, &t) - expected).abs() < 1e-6, "{} vs {expected}", tri_area(&all, &t));
    }

    #[test]
    fn an_outline_moves_outwards_whichever_way_round() {
        let ccw = vec![DVec2::new(0.0, 0.0), DVec2::new(10.0, 0.0), DVec2::new(10.0, 10.0), DVec2::new(0.0, 10.0)];
        let cw: Vec<DVec2> = ccw.iter().rev().copied().collect();
        for square in [ccw, cw] {
            let out = offset_outward(&square, 1.0);
            let (min, max) =
                out.iter().fold((DVec2::splat(f64::MAX), DVec2::splat(f64::MIN)), |(a, b), p| (a.min(*p), b.max(*p)));
            assert!(
                (min - DVec2::splat(-1.0)).length() < 1e-9 && (max - DVec2::splat(11.0)).length() < 1e-9,
                "{out:?}"
            );
        }
    }
}
