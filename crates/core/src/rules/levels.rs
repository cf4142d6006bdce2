//! Threshold levels with hysteresis: a level rises as soon as its threshold is reached and falls
//! only once the value is back by a band below it, so a value hovering at a threshold does not flap.

use super::Level;

/// Whether larger values are worse (load) or smaller ones (clearance between cranes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Reaching the threshold from below is bad.
    HighIsWorse,
    /// Falling to the threshold from above is bad.
    LowIsWorse,
}

/// The level of `value` given thresholds `(level, threshold)` (any order, `Normal` excluded),
/// the `current` level, and a hysteresis band of `band_fraction` × threshold applied to levels at
/// or below the current one. `HighIsWorse`: a threshold is reached when `value ≥ threshold`;
/// `LowIsWorse`: when `value ≤ threshold`. NaN gives `Normal` (quality handles it).
pub fn level_with_hysteresis(
    value: f64,
    thresholds: &[(Level, f64)],
    current: Level,
    band_fraction: f64,
    direction: Direction,
) -> Level {
    let mut best = Level::Normal;
    for &(level, t) in thresholds {
        if !t.is_finite() || level == Level::Normal {
            continue;
        }
        let band = if level <= current { (t.abs() * band_fraction).abs() } else { 0.0 };
        let reached = match direction {
            Direction::HighIsWorse => value >= t - band,
            Direction::LowIsWorse => value <= t + band,
        };
        if reached && level > best {
            best = level;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CRANE: [(Level, f64); 3] = [(Level::Warning, 90.0), (Level::Alarm, 100.0), (Level::Control, 110.0)];

    #[test]
    fn crane_load_boundaries() {
        let l = |v| level_with_hysteresis(v, &CRANE, Level::Normal, 0.02, Direction::HighIsWorse);
        assert_eq!(l(89.9), Level::Normal);
        assert_eq!(l(90.0), Level::Warning);
        assert_eq!(l(99.99), Level::Warning);
        assert_eq!(l(100.0), Level::Alarm);
        assert_eq!(l(109.9), Level::Alarm);
        assert_eq!(l(110.0), Level::Control);
        assert_eq!(l(f64::NAN), Level::Normal);
    }

    #[test]
    fn falling_needs_the_band() {
        // At 2 % hysteresis the warning (90) holds down to 88.2.
        let l = |v| level_with_hysteresis(v, &CRANE, Level::Warning, 0.02, Direction::HighIsWorse);
        assert_eq!(l(88.3), Level::Warning);
        assert_eq!(l(88.1), Level::Normal);
        let l = |v| level_with_hysteresis(v, &CRANE, Level::Alarm, 0.02, Direction::HighIsWorse);
        assert_eq!(l(98.5), Level::Alarm);
        assert_eq!(l(97.9), Level::Warning);
    }

    #[test]
    fn low_is_worse_mirrors() {
        let t = [(Level::Warning, 5.0), (Level::Alarm, 2.0)];
        let l = |v, c| level_with_hysteresis(v, &t, c, 0.02, Direction::LowIsWorse);
        assert_eq!(l(5.1, Level::Normal), Level::Normal);
        assert_eq!(l(5.0, Level::Normal), Level::Warning);
        assert_eq!(l(2.0, Level::Normal), Level::Alarm);
        assert_eq!(l(2.03, Level::Alarm), Level::Alarm);
        assert_eq!(l(2.05, Level::Alarm), Level::Warning);
    }

    proptest! {
        /// A larger value never gives a lower level (for any current level).
        #[test]
        fn monotone_in_value(a in 0.0f64..200.0, b in 0.0f64..200.0, cur in 0usize..4, band in 0.0f64..0.1) {
            let current = [Level::Normal, Level::Warning, Level::Alarm, Level::Control][cur];
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let l_lo = level_with_hysteresis(lo, &CRANE, current, band, Direction::HighIsWorse);
            let l_hi = level_with_hysteresis(hi, &CRANE, current, band, Direction::HighIsWorse);
            prop_assert!(l_lo <= l_hi);
        }

        /// A value hovering within the band below a threshold it has reached does not flap: the
        /// level, once raised, stays for every value in [threshold − band, threshold + noise].
        #[test]
        fn hovering_does_not_flap(noise in proptest::collection::vec(-1.7f64..1.7, 1..200)) {
            let mut level = level_with_hysteresis(90.0, &CRANE, Level::Normal, 0.02, Direction::HighIsWorse);
            prop_assert_eq!(level, Level::Warning);
            let mut changes = 0;
            for n in noise {
                let next = level_with_hysteresis(90.0 + n, &CRANE, level, 0.02, Direction::HighIsWorse);
                if next != level { changes += 1; }
                level = next;
            }
            prop_assert_eq!(changes, 0);
        }

        /// Without hysteresis the level is a pure function of the value.
        #[test]
        fn zero_band_is_memoryless(v in 0.0f64..200.0, cur in 0usize..4) {
            let current = [Level::Normal, Level::Warning, Level::Alarm, Level::Control][cur];
            prop_assert_eq!(
                level_with_hysteresis(v, &CRANE, current, 0.0, Direction::HighIsWorse),
                level_with_hysteresis(v, &CRANE, Level::Normal, 0.0, Direction::HighIsWorse)
            );
        }
    }
}
