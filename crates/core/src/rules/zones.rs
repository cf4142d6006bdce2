//! The danger zones the twin draws around live work: how far a falling load can land, and the
//! band along a pit's edge kept free of loads. Pictures only: no alarm depends on them.

/// The radius around the point under a hook that a load falling from `height_m` can reach: the
/// "possible fall range" of GB/T 3608-2008 for work at height (3 m up to 5 m, 4 m up to 15 m, 5 m
/// up to 30 m, 6 m above) [R: recalled, not checked against the text].
pub fn fall_radius_m(height_m: f64) -> f64 {
    match height_m {
        h if h <= 5.0 => 3.0,
        h if h <= 15.0 => 4.0,
        h if h <= 30.0 => 5.0,
        _ => 6.0,
    }
}

/// Width of the band along a pit's top edge where no load may stand, metres: 1 m, recalled from
/// pit-safety practice (no material within 1 m of the edge) [R: not checked against JGJ 180 or
/// GB 50497's text].
pub const PIT_EDGE_BAND_M: f64 = 1.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fall_zone_grows_with_the_height_at_the_standards_steps() {
        assert_eq!(fall_radius_m(5.0), 3.0);
        assert_eq!(fall_radius_m(5.1), 4.0);
        assert_eq!(fall_radius_m(15.0), 4.0);
        assert_eq!(fall_radius_m(15.1), 5.0);
        assert_eq!(fall_radius_m(30.0), 5.0);
        assert_eq!(fall_radius_m(30.1), 6.0);
    }
}
