//! Threshold levels with hysteresis: a level rises as soon as its threshold is reached and falls
//! only once the value is back by a band below it, so a value hovering at a threshold does not flap.
//! Each threshold says whether its own value is reached (`≥`, `≤`) or must be passed (`>`, `<`),
//! because the standards word it both ways ("reaches the alarm value", "at least 2 m").

use super::Level;

/// How a value reaches a threshold; the wording of the rule decides which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// Reached at `value ≥ threshold`: larger is worse and the threshold itself counts
    /// ("reaches 100 % of rated load").
    AtLeast,
    /// Reached at `value > threshold`: larger is worse, the threshold itself complies
    /// ("exceeds the 70 dB(A) limit").
    Above,
    /// Reached at `value ≤ threshold`: smaller is worse and the threshold itself counts.
    AtMost,
    /// Reached at `value < threshold`: smaller is worse, the threshold itself complies
    /// ("a clearance of at least 2 m").
    Below,
}

impl Bound {
    /// Larger values are worse.
    pub fn high_is_worse(self) -> bool {
        matches!(self, Bound::AtLeast | Bound::Above)
    }

    /// The comparison, for messages (`≥`, `>`, `≤`, `<`).
    pub fn symbol(self) -> &'static str {
        match self {
            Bound::AtLeast => "≥",
            Bound::Above => ">",
            Bound::AtMost => "≤",
            Bound::Below => "<",
        }
    }

    /// Whether `value` reaches `threshold` (no hysteresis).
    pub fn reached(self, value: f64, threshold: f64) -> bool {
        match self {
            Bound::AtLeast => value >= threshold,
            Bound::Above => value > threshold,
            Bound::AtMost => value <= threshold,
            Bound::Below => value < threshold,
        }
    }
}

/// One threshold of a rule: the level it sets, its value (in the rule's unit) and how it is reached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    /// The level reached (never `Normal`).
    pub level: Level,
    /// The threshold, in the unit of the judged value.
    pub value: f64,
    /// How the value reaches it.
    pub bound: Bound,
}

impl Threshold {
    /// A threshold reached at `value ≥ threshold`.
    pub fn at_least(level: Level, value: f64) -> Self {
        Threshold { level, value, bound: Bound::AtLeast }
    }

    /// A threshold reached at `value > threshold`.
    pub fn above(level: Level, value: f64) -> Self {
        Threshold { level, value, bound: Bound::Above }
    }

    /// A threshold reached at `value < threshold`.
    pub fn below(level: Level, value: f64) -> Self {
        Threshold { level, value, bound: Bound::Below }
    }
}

/// The level of `value` given `thresholds` (any order; `Normal` and non-finite thresholds are
/// ignored), the `current` level, and a hysteresis band of `band_fraction` × threshold applied to
/// thresholds at or below the current level: a level already held falls only once the value is
/// back past its threshold by the band. NaN gives `Normal` (data quality handles it).
pub fn level_with_hysteresis(value: f64, thresholds: &[Threshold], current: Level, band_fraction: f64) -> Level {
    let mut best = Level::Normal;
    for th in thresholds {
        if !th.value.is_finite() || th.level == Level::Normal {
            continue;
        }
        let band = if th.level <= current { (th.value * band_fraction).abs() } else { 0.0 };
        let shifted = if th.bound.high_is_worse() { th.value - band } else { th.value + band };
        if th.bound.reached(value, shifted) && th.level > best {
            best = th.level;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn crane() -> [Threshold; 3] {
        [
            Threshold::at_least(Level::Warning, 90.0),
            Threshold::at_least(Level::Alarm, 100.0),
            Threshold::at_least(Level::Control, 110.0),
        ]
    }

    #[test]
    fn crane_load_boundaries() {
        let l = |v| level_with_hysteresis(v, &crane(), Level::Normal, 0.02);
        assert_eq!(l(89.9), Level::Normal);
        assert_eq!(l(90.0), Level::Warning);
        assert_eq!(l(99.99), Level::Warning);
        assert_eq!(l(100.0), Level::Alarm);
        assert_eq!(l(109.9), Level::Alarm);
        assert_eq!(l(110.0), Level::Control);
        assert_eq!(l(f64::NAN), Level::Normal);
    }

    #[test]
    fn strict_bounds_leave_the_threshold_itself_compliant() {
        let above = [Threshold::above(Level::Alarm, 70.0)];
        assert_eq!(level_with_hysteresis(70.0, &above, Level::Normal, 0.0), Level::Normal);
        assert_eq!(level_with_hysteresis(70.01, &above, Level::Normal, 0.0), Level::Alarm);
        let below = [Threshold::below(Level::Alarm, 2.0)];
        assert_eq!(level_with_hysteresis(2.0, &below, Level::Normal, 0.0), Level::Normal);
        assert_eq!(level_with_hysteresis(1.99, &below, Level::Normal, 0.0), Level::Alarm);
    }

    #[test]
    fn falling_needs_the_band() {
        // At 2 % hysteresis the warning (90) holds down to 88.2.
        let l = |v| level_with_hysteresis(v, &crane(), Level::Warning, 0.02);
        assert_eq!(l(88.3), Level::Warning);
        assert_eq!(l(88.1), Level::Normal);
        let l = |v| level_with_hysteresis(v, &crane(), Level::Alarm, 0.02);
        assert_eq!(l(98.5), Level::Alarm);
        assert_eq!(l(97.9), Level::Warning);
    }

    #[test]
    fn low_is_worse_mirrors() {
        let t = [Threshold::below(Level::Warning, 5.0), Threshold::below(Level::Alarm, 2.0)];
        let l = |v, c| level_with_hysteresis(v, &t, c, 0.02);
        assert_eq!(l(5.0, Level::Normal), Level::Normal);
        assert_eq!(l(4.99, Level::Normal), Level::Warning);
        assert_eq!(l(2.0, Level::Normal), Level::Warning);
        assert_eq!(l(1.99, Level::Normal), Level::Alarm);
        // Held until the clearance is 2 % past 2 m.
        assert_eq!(l(2.03, Level::Alarm), Level::Alarm);
        assert_eq!(l(2.04, Level::Alarm), Level::Warning);
    }

    proptest! {
        /// A larger value never gives a lower level (for any current level).
        #[test]
        fn monotone_in_value(a in 0.0f64..200.0, b in 0.0f64..200.0, cur in 0usize..4, band in 0.0f64..0.1) {
            let current = [Level::Normal, Level::Warning, Level::Alarm, Level::Control][cur];
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let l_lo = level_with_hysteresis(lo, &crane(), current, band);
            let l_hi = level_with_hysteresis(hi, &crane(), current, band);
            prop_assert!(l_lo <= l_hi);
        }

        /// A value hovering within the band below a threshold it has reached does not flap: the
        /// level, once raised, stays for every value in [threshold − band, threshold + noise].
        #[test]
        fn hovering_does_not_flap(noise in proptest::collection::vec(-1.7f64..1.7, 1..200)) {
            let mut level = level_with_hysteresis(90.0, &crane(), Level::Normal, 0.02);
            prop_assert_eq!(level, Level::Warning);
            let mut changes = 0;
            for n in noise {
                let next = level_with_hysteresis(90.0 + n, &crane(), level, 0.02);
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
                level_with_hysteresis(v, &crane(), current, 0.0),
                level_with_hysteresis(v, &crane(), Level::Normal, 0.0)
            );
        }
    }
}
