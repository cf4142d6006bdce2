//! What a verdict found, kept in its parts and put into words only when somebody reads it: a live
//! twin judges thousands of readings a frame and reads the words of few of them (an alarm's, a
//! hovered sensor's), so formatting numbers for every reading would be most of its cost.

use std::fmt::{self, Display, Formatter};

use crate::rules::Level;
use crate::rules::levels::Threshold;

/// A verdict's message, in parts. `Display` writes it; the words are the same as the engine's
/// messages have always been (tests compare them).
#[derive(Debug, Clone, PartialEq)]
pub enum Words {
    /// Words fixed in advance.
    Fixed(&'static str),
    /// Words written when judged (the rarer verdicts: streaks, late sprays, readings not judged).
    Written(String),
    /// A value compared with its thresholds.
    Compared(Compared),
    /// A dust reading recorded for its hourly mean: the quantity's name and its value, µg/m³.
    DustRecorded {
        /// `PM10`, `PM2.5`, `TSP`.
        name: &'static str,
        /// The reading, µg/m³.
        ug_m3: f64,
    },
    /// A PM10 reading against the spray trigger.
    Spray {
        /// The reading, µg/m³.
        ug_m3: f64,
        /// The trigger, µg/m³.
        trigger_ug_m3: f64,
        /// How long a spray runs, min.
        minutes: f64,
        /// The hourly limit, µg/m³ (said when below the trigger).
        hourly_limit_ug_m3: f64,
        /// The trigger is reached.
        reached: bool,
    },
    /// A noise reading recorded before its Leq window is covered enough to judge.
    NoiseNotYet {
        /// The reading, dB(A).
        db: f64,
        /// `day Leq`, `night Leq`.
        what: &'static str,
        /// The window, min.
        window_min: f64,
        /// How much of it the readings cover, min.
        covered_min: f64,
    },
}

/// What follows a comparison's words.
#[derive(Debug, Clone, PartialEq)]
pub enum Then {
    /// Nothing.
    Nothing,
    /// `; ` and the basis of the limit (a box's residual-current limit).
    Basis(LeakageBasis),
    /// A main box's trip time as the product it is judged by.
    TripProduct {
        /// The RCD's rated residual current, mA.
        rated_ma: f64,
        /// The trip time read, s.
        trip_s: f64,
        /// The limit on the product, mA·s.
        max_ma_s: f64,
    },
    /// `; this reading … dB(A)` (a Leq verdict).
    ThisReading(f64),
}

/// Where a residual-current limit comes from: the box a sensor sits on and what it declares. A
/// value, not text: a leakage sensor's every verdict carries it (as a shared string its reference
/// count was a cache line every reading of every sensor waited on).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LeakageBasis {
    /// A main box: its declared I_Δn, capped by the I_Δn × t product over its trip time.
    Main {
        /// The declared rated residual current, mA.
        rated_ma: f64,
        /// The limit on the product, mA·s.
        max_ma_s: f64,
        /// The declared trip time, s.
        trip_s: f64,
    },
    /// A sub box: its declared I_Δn.
    Sub {
        /// The declared rated residual current, mA.
        rated_ma: f64,
    },
    /// A switch box: the standard's limit (the damp one in a damp place) and its declared I_Δn.
    Switch {
        /// In a damp place.
        damp: bool,
        /// The standard's limit, mA.
        standard_ma: f64,
        /// The declared rated residual current, mA.
        rated_ma: f64,
    },
    /// No box declared: the switch-box limit.
    Unknown {
        /// The limit, mA.
        limit_ma: f64,
    },
}

impl Display for LeakageBasis {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            LeakageBasis::Main { rated_ma, max_ma_s, trip_s } => write!(
                f,
                "main box: declared I_Δn {} mA, at most {} mA·s ÷ {} s",
                Num(rated_ma),
                Num(max_ma_s),
                Num(trip_s)
            ),
            LeakageBasis::Sub { rated_ma } => write!(f, "sub box: declared I_Δn {} mA", Num(rated_ma)),
            LeakageBasis::Switch { damp, standard_ma, rated_ma } => write!(
                f,
                "switch box{}: {} mA, declared I_Δn {} mA",
                if damp { " in a damp place" } else { "" },
                Num(standard_ma),
                Num(rated_ma)
            ),
            LeakageBasis::Unknown { limit_ma } => write!(f, "switch-box limit {} mA", Num(limit_ma)),
        }
    }
}

/// A value compared with its thresholds: within limits, reaching the threshold of its level, or
/// back past it but still held by the hysteresis band.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    /// The quantity (`load`, `rate`, `night Leq`).
    pub what: &'static str,
    /// The window the quantity is taken over, min (a Leq's), said after `what`.
    pub over_min: Option<f64>,
    /// The judged value.
    pub value: f64,
    /// Its unit.
    pub unit: &'static str,
    /// The level it gives.
    pub level: Level,
    /// The threshold of that level, if the rule has one.
    pub threshold: Option<Threshold>,
    /// What follows.
    pub then: Then,
}

/// A number for messages: up to three decimals, trailing zeros dropped.
pub(crate) struct Num(pub f64);

impl Display for Num {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        // Integers (most thresholds and many readings) need no float formatting.
        let v = self.0;
        if v.fract() == 0.0 && v.abs() < 1e15 {
            return write!(f, "{}", v as i64);
        }
        let s = format!("{v:.3}");
        let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
        f.write_str(if s == "-0" { "0" } else { s })
    }
}

impl Display for Compared {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let Compared { what, over_min, value, unit, level, threshold, then } = self;
        f.write_str(what)?;
        if let Some(m) = over_min {
            write!(f, " ({} min)", Num(*m))?;
        }
        let v = Num(*value);
        match (level, threshold) {
            (Level::Normal, _) => write!(f, " {v} {unit} within limits")?,
            (l, None) => write!(f, " {v} {unit} ({})", l.name())?,
            (l, Some(t)) if t.bound.reached(*value, t.value) => {
                write!(f, " {v} {unit} {} {} {unit} ({})", t.bound.symbol(), Num(t.value), l.name())?;
            }
            (l, Some(t)) => write!(
                f,
                " {v} {unit} is back past {} {unit} but not yet by the hysteresis band: {} held",
                Num(t.value),
                l.name()
            )?,
        }
        match then {
            Then::Nothing => Ok(()),
            Then::Basis(b) => write!(f, "; {b}"),
            Then::TripProduct { rated_ma, trip_s, max_ma_s } => {
                write!(f, ": I_Δn {} mA × {} s against {} mA·s", Num(*rated_ma), Num(*trip_s), Num(*max_ma_s))
            }
            Then::ThisReading(db) => write!(f, "; this reading {} dB(A)", Num(*db)),
        }
    }
}

impl Display for Words {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Words::Fixed(s) => f.write_str(s),
            Words::Written(s) => f.write_str(s),
            Words::Compared(c) => c.fmt(f),
            Words::DustRecorded { name, ug_m3 } => {
                write!(f, "{name} {ug_m3:.1} µg/m³ recorded; judged on hourly means")
            }
            Words::Spray { ug_m3, trigger_ug_m3, minutes, reached: true, .. } => write!(
                f,
                "PM10 {ug_m3:.1} µg/m³ reached the spray trigger {trigger_ug_m3} µg/m³: spray for {minutes} min"
            ),
            Words::Spray { ug_m3, hourly_limit_ug_m3, reached: false, .. } => {
                write!(f, "PM10 {ug_m3:.1} µg/m³ below the spray trigger; hourly limit {hourly_limit_ug_m3} µg/m³")
            }
            Words::NoiseNotYet { db, what, window_min, covered_min } => write!(
                f,
                "{db} dB(A) recorded; {what} over {} min not judged yet: readings cover {} of {} min",
                Num(*window_min),
                Num(*covered_min),
                Num(*window_min)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_the_messages_always_wrote_them() {
        let n = |v: f64| Num(v).to_string();
        assert_eq!(n(30.0), "30");
        assert_eq!(n(-0.0), "0");
        assert_eq!(n(0.1 + 0.2), "0.3");
        assert_eq!(n(2.5), "2.5");
        assert_eq!(n(-1.0004), "-1");
        assert_eq!(n(-0.0004), "0");
        assert_eq!(n(1234.5678), "1234.568");
        assert_eq!(n(1e20), "100000000000000000000");
        assert_eq!(n(f64::NAN), "NaN");
        assert_eq!(n(f64::INFINITY), "inf");
    }
}
