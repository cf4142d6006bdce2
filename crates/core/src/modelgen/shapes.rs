//! Flat-shaded primitive shapes appended to a mesh: boxes, beams, cylinders, extruded polygons.
//! Every face is given the direction it must face, so winding is right by construction.

use glam::DVec2;

use super::glb::MeshData;
use crate::geom;

/// A 3-vector, metres.
pub type V3 = [f32; 3];

/// `a + b`.
pub fn add(a: V3, b: V3) -> V3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// `a - b`.
pub fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// `a * s`.
pub fn scale(a: V3, s: f32) -> V3 {
    [a[0] * s, a[1] * s, a[2] * s]
}

/// Cross product.
pub fn cross(a: V3, b: V3) -> V3 {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

/// Dot product.
pub fn dot(a: V3, b: V3) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Length.
pub fn len(a: V3) -> f32 {
    dot(a, a).sqrt()
}

/// Unit vector (or +y for a zero vector).
pub fn norm(a: V3) -> V3 {
    let l = len(a);
    if l < 1e-12 { [0.0, 1.0, 0.0] } else { scale(a, 1.0 / l) }
}

/// Plan point `(x, z)` (f64, as `DVec2 { x, y: z }`) at height `y` as a 3-vector.
pub fn at_y(p: DVec2, y: f32) -> V3 {
    [p.x as f32, y, p.y as f32]
}

impl MeshData {
    /// One triangle, wound so that its normal points along `facing`.
    pub fn tri_facing(&mut self, a: V3, b: V3, c: V3, facing: V3) {
        let n = cross(sub(b, a), sub(c, a));
        if len(n) < 1e-12 {
            return;
        }
        let (b, c, n) = if dot(n, facing) < 0.0 { (c, b, scale(n, -1.0)) } else { (b, c, n) };
        let n = norm(n);
        let base = self.positions.len() as u32;
        self.positions.extend_from_slice(&[a, b, c]);
        self.normals.extend_from_slice(&[n, n, n]);
        self.indices.extend_from_slice(&[base, base + 1, base + 2]);
    }

    /// A planar quad `a b c d` (in order around its edge), facing `facing`.
    pub fn quad_facing(&mut self, a: V3, b: V3, c: V3, d: V3, facing: V3) {
        let n = cross(sub(b, a), sub(c, a));
        if len(n) < 1e-12 {
            return;
        }
        let flip = dot(n, facing) < 0.0;
        let n = norm(if flip { scale(n, -1.0) } else { n });
        let base = self.positions.len() as u32;
        self.positions.extend_from_slice(&[a, b, c, d]);
        self.normals.extend_from_slice(&[n, n, n, n]);
        if flip {
            self.indices.extend_from_slice(&[base, base + 2, base + 1, base, base + 3, base + 2]);
        } else {
            self.indices.extend_from_slice(&[base, base + 1, base + 2, base, base + 2, base + 3]);
        }
    }

    /// A quad seen from both sides (nets, signs).
    pub fn quad_two_sided(&mut self, a: V3, b: V3, c: V3, d: V3) {
        let n = cross(sub(b, a), sub(c, a));
        self.quad_facing(a, b, c, d, n);
        self.quad_facing(a, b, c, d, scale(n, -1.0));
    }

    /// A box with centre `c`, orthonormal axes `ax, ay, az` and half sizes `h`.
    pub fn oriented_box(&mut self, c: V3, axes: [V3; 3], h: V3) {
        let corner = |sx: f32, sy: f32, sz: f32| {
            add(add(add(c, scale(axes[0], sx * h[0])), scale(axes[1], sy * h[1])), scale(axes[2], sz * h[2]))
        };
        for (k, axis) in axes.iter().enumerate() {
            for s in [-1.0f32, 1.0] {
                let (i, j) = ((k + 1) % 3, (k + 2) % 3);
                let mut sv = [0.0f32; 3];
                sv[k] = s;
                let pt = |a: f32, b: f32| {
                    let mut v = sv;
                    v[i] = a;
                    v[j] = b;
                    corner(v[0], v[1], v[2])
                };
                self.quad_facing(pt(-1.0, -1.0), pt(1.0, -1.0), pt(1.0, 1.0), pt(-1.0, 1.0), scale(*axis, s));
            }
        }
    }

    /// An axis-aligned box from `min` to `max`.
    pub fn aabb(&mut self, min: V3, max: V3) {
        let c = scale(add(min, max), 0.5);
        let h = scale(sub(max, min), 0.5);
        self.oriented_box(c, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], h);
    }

    /// A square-section beam of width `w` from `a` to `b`.
    pub fn beam(&mut self, a: V3, b: V3, w: f32) {
        self.beam_rect(a, b, w, w);
    }

    /// A beam of section `w` (horizontal) × `h` (vertical-ish) from `a` to `b`.
    pub fn beam_rect(&mut self, a: V3, b: V3, w: f32, h: f32) {
        let d = sub(b, a);
        let l = len(d);
        if l < 1e-6 {
            return;
        }
        let x = scale(d, 1.0 / l);
        let up = if x[1].abs() > 0.95 { [1.0, 0.0, 0.0] } else { [0.0, 1.0, 0.0] };
        let z = norm(cross(x, up));
        let y = cross(z, x);
        self.oriented_box(scale(add(a, b), 0.5), [x, y, z], [l / 2.0, h / 2.0, w / 2.0]);
    }

    /// A vertical cylinder (flat facets) standing on `base`.
    pub fn cylinder(&mut self, base: V3, radius: f32, height: f32, segments: usize) {
        self.cylinder_between(base, add(base, [0.0, height, 0.0]), radius, segments);
    }

    /// A cylinder (flat facets, capped) from `a` to `b`.
    pub fn cylinder_between(&mut self, a: V3, b: V3, radius: f32, segments: usize) {
        let axis = norm(sub(b, a));
        let helper = if axis[1].abs() > 0.95 { [1.0, 0.0, 0.0] } else { [0.0, 1.0, 0.0] };
        let u = norm(cross(axis, helper));
        let v = cross(axis, u);
        let ring = |k: usize| {
            let t = std::f32::consts::TAU * k as f32 / segments as f32;
            add(scale(u, radius * t.cos()), scale(v, radius * t.sin()))
        };
        for k in 0..segments {
            let (r0, r1) = (ring(k), ring(k + 1));
            let mid = norm(add(r0, r1));
            self.quad_facing(add(a, r0), add(a, r1), add(b, r1), add(b, r0), mid);
            self.tri_facing(a, add(a, r0), add(a, r1), scale(axis, -1.0));
            self.tri_facing(b, add(b, r0), add(b, r1), axis);
        }
    }

    /// A polygon in plan extruded from `y0` to `y1`, with caps; `holes` are cut through it.
    pub fn prism(&mut self, outer: &[DVec2], holes: &[Vec<DVec2>], y0: f32, y1: f32) {
        let tris = geom::triangulate(outer, holes);
        let mut all: Vec<DVec2> = outer.to_vec();
        for h in holes {
            all.extend_from_slice(h);
        }
        for t in &tris {
            let [a, b, c] = t.map(|i| all[i]);
            self.tri_facing(at_y(a, y1), at_y(b, y1), at_y(c, y1), [0.0, 1.0, 0.0]);
            if y1 > y0 {
                self.tri_facing(at_y(a, y0), at_y(b, y0), at_y(c, y0), [0.0, -1.0, 0.0]);
            }
        }
        if y1 > y0 {
            self.walls(outer, y0, y1, true);
            for h in holes {
                self.walls(h, y0, y1, false);
            }
        }
    }

    /// Vertical walls along a closed ring facing away from (`outward`) or into its interior.
    pub fn walls(&mut self, ring: &[DVec2], y0: f32, y1: f32, outward: bool) {
        let n = ring.len();
        for i in 0..n {
            let (p, q) = (ring[i], ring[(i + 1) % n]);
            let (dx, dz) = (q.x - p.x, q.y - p.y);
            let l = dx.hypot(dz);
            if l < 1e-9 {
                continue;
            }
            let mid = DVec2::new((p.x + q.x) / 2.0, (p.y + q.y) / 2.0);
            let mut nrm = DVec2::new(dz / l, -dx / l);
            let probe = DVec2::new(mid.x + nrm.x * 1e-3, mid.y + nrm.y * 1e-3);
            if geom::point_in_polygon(probe, ring) == outward {
                nrm = DVec2::new(-nrm.x, -nrm.y);
            }
            let facing = [nrm.x as f32, 0.0, nrm.y as f32];
            self.quad_facing(at_y(p, y0), at_y(q, y0), at_y(q, y1), at_y(p, y1), facing);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_faces_point_outwards() {
        let mut m = MeshData::default();
        m.aabb([0.0, 0.0, 0.0], [2.0, 1.0, 4.0]);
        assert_eq!(m.triangles(), 12);
        let c = [1.0, 0.5, 2.0];
        for t in m.indices.chunks(3) {
            let (a, b, d) = (m.positions[t[0] as usize], m.positions[t[1] as usize], m.positions[t[2] as usize]);
            let n = cross(sub(b, a), sub(d, a));
            let centre = scale(add(add(a, b), d), 1.0 / 3.0);
            assert!(dot(n, sub(centre, c)) > 0.0, "inward face at {centre:?}");
        }
    }

    #[test]
    fn beam_has_its_length() {
        let mut m = MeshData::default();
        m.beam([0.0, 0.0, 0.0], [3.0, 4.0, 0.0], 0.2);
        let far = m.positions.iter().map(|p| len(*p)).fold(0.0, f32::max);
        assert!((far - (25.0f32 + 0.02).sqrt()).abs() < 0.01, "{far}");
    }
}
