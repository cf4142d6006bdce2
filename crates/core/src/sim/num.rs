//! Deterministic numerics for the simulator: the SplitMix64 generator, hashed value noise, and
//! cosine, sine and arctangent built from `+ − × ÷` and `√` alone. IEEE 754 rounds those the
//! same on every platform, where the platform libm's `sin`, `cos` and `atan2` may differ in the
//! last bit; so a seed gives the same readings everywhere.

use std::f64::consts::{FRAC_PI_2, PI, TAU};

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function (Steele, Lea & Flood 2014): a bijective 64-bit avalanche.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream key of a named thing (a sensor, a crane, the wind) under `seed`: FNV-1a of the
/// name, mixed with the seed. Keys hang on names, so adding a sensor changes no other's values.
pub fn key(seed: u64, name: &str) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
    }
    mix(seed ^ mix(h))
}

/// A uniform number in [0, 1) drawn for index `i` of stream `key`, without state.
pub fn unit_at(key: u64, i: i64) -> f64 {
    (mix(key ^ mix(i as u64 ^ GOLDEN)) >> 11) as f64 / (1u64 << 53) as f64
}

/// Smooth value noise in [−1, 1]: a random value every `period_s` seconds, blended by
/// smoothstep in between. Bounded, so a quiet signal can never stray past a threshold by chance.
pub fn noise(key: u64, t_s: i64, period_s: i64) -> f64 {
    let k = mix(key ^ period_s as u64);
    let i = t_s.div_euclid(period_s);
    let f = t_s.rem_euclid(period_s) as f64 / period_s as f64;
    let (a, b) = (2.0 * unit_at(k, i) - 1.0, 2.0 * unit_at(k, i + 1) - 1.0);
    a + (b - a) * f * f * (3.0 - 2.0 * f)
}

/// A SplitMix64 generator, for the machines' choices (crane picks, hoist trips).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `key`.
    pub fn new(key: u64) -> Self {
        Rng(key)
    }

    /// A uniform number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        (mix(self.0) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform number in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// `(cos, sin)` of an angle in degrees, to about 1e-16: the angle is reduced to within 45° of a
/// quarter turn and the Taylor series summed to the 16th/17th power.
pub fn cos_sin_deg(deg: f64) -> (f64, f64) {
    let turns = deg / 360.0;
    let q = (turns * 4.0).round();
    let x = (turns - q / 4.0) * TAU;
    let x2 = x * x;
    // Horner from the 8th term down: cos x = Σ (−x²)ᵏ / (2k)!, sin x = x · Σ (−x²)ᵏ / (2k+1)!.
    let c = (1..=8).rev().fold(1.0, |acc, k| 1.0 - x2 / f64::from((2 * k - 1) * 2 * k) * acc);
    let s = x * (1..=8).rev().fold(1.0, |acc, k| 1.0 - x2 / f64::from(2 * k * (2 * k + 1)) * acc);
    match (q as i64).rem_euclid(4) {
        0 => (c, s),
        1 => (-s, c),
        2 => (-c, -s),
        _ => (s, -c),
    }
}

/// The angle of the vector `(x, y)` from +x towards +y, degrees in (−180, 180]; 0 for the zero
/// vector. Reduced to the first octant, halved twice (`atan t = 2 atan(t / (1 + √(1 + t²)))`)
/// and summed as a series to the 21st power.
pub fn atan2_deg(y: f64, x: f64) -> f64 {
    let (ax, ay) = (x.abs(), y.abs());
    if ax == 0.0 && ay == 0.0 {
        return 0.0;
    }
    let swap = ay > ax;
    let mut t = if swap { ax / ay } else { ay / ax };
    for _ in 0..2 {
        t /= 1.0 + (1.0 + t * t).sqrt();
    }
    let t2 = t * t;
    let series = (0..11).rev().fold(0.0, |acc, k| 1.0 / f64::from(2 * k + 1) - t2 * acc);
    let mut a = 4.0 * t * series;
    if swap {
        a = FRAC_PI_2 - a;
    }
    if x < 0.0 {
        a = PI - a;
    }
    if y < 0.0 {
        a = -a;
    }
    a.to_degrees()
}

/// An angle in [0, 360).
pub fn wrap_deg(deg: f64) -> f64 {
    let w = deg.rem_euclid(360.0);
    if w >= 360.0 { 0.0 } else { w }
}

/// The signed turn from `from` to `to`, degrees in [−180, 180).
pub fn turn_deg(from: f64, to: f64) -> f64 {
    (to - from + 180.0).rem_euclid(360.0) - 180.0
}

/// 0 → 1 → 1 → 0 over `[0, len_s]`: ramps of a fifth of the length each side, flat between;
/// 0 outside. The shape of every event that comes and goes.
pub fn trapezoid(since_s: f64, len_s: f64) -> f64 {
    if !(0.0..=len_s).contains(&since_s) || len_s <= 0.0 {
        return 0.0;
    }
    let ramp = len_s / 5.0;
    (since_s.min(len_s - since_s) / ramp).min(1.0)
}

/// 0 → 1 over `[0, len_s]` by smoothstep, then 1: the shape of a change that stays.
pub fn rise(since_s: f64, len_s: f64) -> f64 {
    let f = (since_s / len_s).clamp(0.0, 1.0);
    f * f * (3.0 - 2.0 * f)
}

/// `v` rounded to `decimals` places (0–3); −0 becomes 0.
pub fn round_to(v: f64, decimals: usize) -> f64 {
    let scale = [1.0, 10.0, 100.0, 1000.0][decimals.min(3)];
    (v * scale).round() / scale + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigonometry_matches_the_platform_to_the_last_bits() {
        for k in -800..800 {
            let deg = f64::from(k) * 0.917;
            let (c, s) = cos_sin_deg(deg);
            assert!((c - deg.to_radians().cos()).abs() < 1e-14, "cos {deg}");
            assert!((s - deg.to_radians().sin()).abs() < 1e-14, "sin {deg}");
            let (y, x) = (s * 3.0, c * 3.0);
            assert!((atan2_deg(y, x) - y.atan2(x).to_degrees()).abs() < 1e-11, "atan2 {deg}");
        }
        assert_eq!(atan2_deg(0.0, 0.0), 0.0);
        assert_eq!(atan2_deg(1.0, 0.0), 90.0);
    }

    #[test]
    fn noise_is_bounded_smooth_and_keyed() {
        let k = key(7, "TC1-WIND");
        let v: Vec<f64> = (0..10_000).map(|t| noise(k, t, 60)).collect();
        assert!(v.iter().all(|x| (-1.0..=1.0).contains(x)));
        assert!(v.windows(2).all(|w| (w[1] - w[0]).abs() < 0.06));
        assert_ne!(noise(key(8, "TC1-WIND"), 30, 60), noise(k, 30, 60));
        assert_eq!(noise(k, 30, 60), noise(key(7, "TC1-WIND"), 30, 60));
    }

    #[test]
    fn shapes_and_rounding() {
        assert_eq!(trapezoid(50.0, 100.0), 1.0);
        assert_eq!(trapezoid(10.0, 100.0), 0.5);
        assert_eq!(trapezoid(101.0, 100.0), 0.0);
        assert_eq!(rise(200.0, 100.0), 1.0);
        assert_eq!(round_to(22.149, 1), 22.1);
        assert_eq!(round_to(-0.04, 1).to_string(), "0");
        assert_eq!(wrap_deg(-0.0), 0.0);
        assert_eq!(turn_deg(350.0, 10.0), 20.0);
    }
}
