//! The threshold lines of a sensor's history chart: where on the sensor's value axis its rules
//! change level, from the same limits the engine judges by, so the chart and the alarms agree.
//!
//! A line is drawn only where a level is a value of the quantity charted: cumulative pit values
//! (not the pit rates, which are per 24 h and so not on the value axis, nor the 3-day rate
//! streak), crane, hoist, formwork and power readings, the real-time PM10 spray trigger, the
//! hourly dust means and the noise Leq limits (marked: they apply to a mean, not to one reading),
//! the night maximum. State sensors (door interlock, limit switches) and quantities without a
//! rule get none. A quantity judged on its size (tilts, displacements, formwork values) gets its
//! line on both sides of zero. Lines a valid reading cannot reach (beyond the sensor's declared
//! range, where readings are invalid and not judged) are left out.

use super::engine::{
    Convert, Limits, SensorInfo, hourly_limits, leq_limits, night_max_limits, pit_cumulative_limits, reading_limits,
    spray_limits,
};
use super::{Bound, Level, RuleSet};
use crate::scene::{SensorKind, SiteScene};

/// What a line applies to, where that is not simply each reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LineNote {
    /// The real-time PM10 value that starts dust-suppression spraying.
    SprayTrigger,
    /// The mean of a clock hour of readings, not a single reading.
    HourlyMean,
    /// The equivalent continuous level (Leq) over the last `window_min` minutes by day, from
    /// `from_hour` to `to_hour` site time.
    DayLeq {
        /// Day starts (site-local hour).
        from_hour: u32,
        /// Day ends.
        to_hour: u32,
        /// The Leq window, minutes.
        window_min: f64,
    },
    /// The Leq over the last `window_min` minutes at night, from `from_hour` to `to_hour`.
    NightLeq {
        /// Night starts (site-local hour).
        from_hour: u32,
        /// Night ends.
        to_hour: u32,
        /// The Leq window, minutes.
        window_min: f64,
    },
    /// Each reading at night (the night maximum), from `from_hour` to `to_hour`.
    NightMaximum {
        /// Night starts (site-local hour).
        from_hour: u32,
        /// Night ends.
        to_hour: u32,
    },
}

/// One threshold line of a sensor's chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdLine {
    /// The level a value past the line has (never `Normal`).
    pub level: Level,
    /// The line, in the sensor's unit.
    pub value: f64,
    /// The rule that fires there (`crane.load.alarm`).
    pub rule: String,
    /// Which side of the line is past it, and whether the line itself is: `AtLeast` (`≥`) and
    /// `Above` (`>`) for larger-is-worse, `AtMost` (`≤`) and `Below` (`<`) for smaller-is-worse.
    pub bound: Bound,
    /// Hysteresis, in the sensor's unit: a level held falls only once the value is back past the
    /// line by this much (0 where the rule holds none). Rising needs only the line.
    pub band: f64,
    /// What the line applies to, where that is not each reading.
    pub note: Option<LineNote>,
}

impl ThresholdLine {
    /// Whether value `v` (in the sensor's unit) is past the line, without hysteresis.
    pub fn reached(&self, v: f64) -> bool {
        self.bound.reached(v, self.value)
    }
}

/// The threshold lines of scene sensor `sensor_id` under `rules`, in rule order (warning before
/// alarm before control within a rule; a line's mirror below zero after it); none for a sensor
/// not in the scene.
pub fn threshold_lines(rules: &RuleSet, scene: &SiteScene, sensor_id: &str) -> Vec<ThresholdLine> {
    // The engine judges the first sensor of an id; so does the chart.
    let Some(sensor) = scene.sensors.iter().find(|s| s.id == sensor_id) else {
        return Vec::new();
    };
    let info = SensorInfo::of(scene, sensor);
    let n = &rules.noise;
    let (night_from, night_to, window_min) = (n.night_start_hour, n.night_end_hour, n.leq_window_min);
    use SensorKind::*;
    let sets: Vec<(Limits, Option<LineNote>)> = match info.kind {
        // Cumulative values only: the rates are per 24 h.
        PitHorizontalDisplacement | PitVerticalDisplacement | PitDeepDisplacement | GroundwaterLevel | StrutForce => {
            pit_cumulative_limits(rules, sensor_id, &info).map(|l| (l, None)).into_iter().collect()
        }
        Pm10 | Pm25 | Tsp => spray_limits(rules, &info)
            .map(|l| (l, Some(LineNote::SprayTrigger)))
            .into_iter()
            .chain(hourly_limits(rules, &info).map(|l| (l, Some(LineNote::HourlyMean))))
            .collect(),
        Noise => vec![
            (leq_limits(rules, false), Some(LineNote::DayLeq { from_hour: night_to, to_hour: night_from, window_min })),
            (
                leq_limits(rules, true),
                Some(LineNote::NightLeq { from_hour: night_from, to_hour: night_to, window_min }),
            ),
            (night_max_limits(rules), Some(LineNote::NightMaximum { from_hour: night_from, to_hour: night_to })),
        ],
        CraneLoad
        | CraneMoment
        | WindSpeed
        | CraneTilt
        | CraneClearance
        | HoistLoad
        | FormworkSettlement
        | FormworkHorizontalDisplacement
        | FormworkTilt
        | PostAxialForce
        | LeakageCurrent
        | RcdTripTime
        | CabinetTemperature => reading_limits(rules, sensor_id, &info).map(|l| (l, None)).into_iter().collect(),
        // Judged by state (door, limit switch), or not judged.
        HoistLimit | HoistDoor | HoistHeight | WindDirection | SlewAngle | TrolleyRadius | HookHeight | LoadCurrent
        | PersonnelIn | PersonnelOut | PersonnelOnSite | EdgeProtection | SprayState => Vec::new(),
    };
    let mut out = Vec::new();
    for (limits, note) in &sets {
        for th in &limits.thresholds {
            // The engine ignores these too.
            if th.level == Level::Normal || !th.value.is_finite() || (limits.magnitude && th.value <= 0.0) {
                continue;
            }
            let Some((value, per_unit)) = on_reading_axis(limits, th.value, th.bound) else {
                continue;
            };
            let line = |value: f64, bound: Bound| ThresholdLine {
                level: th.level,
                value,
                rule: format!("{}.{}", limits.group, th.level.suffix()),
                bound,
                band: (th.value * limits.band).abs() / per_unit,
                note: *note,
            };
            out.push(line(value, th.bound));
            if limits.magnitude {
                out.push(line(-value, mirror(th.bound)));
            }
        }
    }
    out.retain(|l| reachable(l, info.range));
    out
}

/// The same comparison on the other side of zero.
fn mirror(b: Bound) -> Bound {
    match b {
        Bound::AtLeast => Bound::AtMost,
        Bound::Above => Bound::Below,
        Bound::AtMost => Bound::AtLeast,
        Bound::Below => Bound::Above,
    }
}

/// Whether a reading within the sensor's declared range can be past the line.
fn reachable(l: &ThresholdLine, range: Option<[f64; 2]>) -> bool {
    let Some([lo, hi]) = range else { return true };
    match l.bound {
        Bound::AtLeast => l.value <= hi,
        Bound::Above => l.value < hi,
        Bound::AtMost => l.value >= lo,
        Bound::Below => l.value > lo,
    }
}

/// The reading at which threshold `t` on the judged value sits, with the judged units per
/// reading unit: the inverse of the conversion, then stepped to the adjacent float where the
/// conversion rounds, so that `bound.reached(reading, line)` holds exactly when the engine's
/// `bound.reached(judged(reading), t)` does (for readings on the line's side of zero). `None` for
/// a conversion that does not rise with the reading (a non-positive design force).
fn on_reading_axis(limits: &Limits, t: f64, bound: Bound) -> Option<(f64, f64)> {
    let per_unit = match limits.convert {
        Convert::AsRead => 1.0,
        Convert::Times(k) => k,
        Convert::PercentOf(design) => 100.0 / design,
    };
    if !(per_unit.is_finite() && per_unit > 0.0) {
        return None;
    }
    let past = |r: f64| bound.reached(limits.judged(r), t);
    let high = bound.high_is_worse();
    let worse = |r: f64| if high { r.next_up() } else { r.next_down() };
    let safer = |r: f64| if high { r.next_down() } else { r.next_up() };
    let mut r = t / per_unit;
    // A few steps at most: the conversion is one or two correctly rounded operations.
    for _ in 0..64 {
        let settled = match bound {
            // The line is the last reading past it.
            Bound::AtLeast | Bound::AtMost => past(r) && !past(safer(r)),
            // The line is the last reading not past it.
            Bound::Above | Bound::Below => !past(r) && past(worse(r)),
        };
        if settled {
            break;
        }
        let step_worse = match bound {
            Bound::AtLeast | Bound::AtMost => !past(r),
            Bound::Above | Bound::Below => !past(worse(r)),
        };
        r = if step_worse { worse(r) } else { safer(r) };
    }
    Some((r, per_unit))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Duration, TimeZone, Utc};

    use super::*;
    use crate::rules::{Engine, Event, RULE_SOURCES};
    use crate::telemetry::Reading;
    use crate::testutil::demo_scene;

    /// A line as the expectations below write it: `rule bound value [note]`.
    fn show(l: &ThresholdLine) -> String {
        let note = match l.note {
            None => String::new(),
            Some(LineNote::SprayTrigger) => " [spray]".into(),
            Some(LineNote::HourlyMean) => " [hourly]".into(),
            Some(LineNote::DayLeq { from_hour, to_hour, window_min }) => {
                format!(" [day Leq {from_hour}-{to_hour} {window_min} min]")
            }
            Some(LineNote::NightLeq { from_hour, to_hour, window_min }) => {
                format!(" [night Leq {from_hour}-{to_hour} {window_min} min]")
            }
            Some(LineNote::NightMaximum { from_hour, to_hour }) => format!(" [night max {from_hour}-{to_hour}]"),
        };
        format!("{} {} {}{note}", l.rule, l.bound.symbol(), l.value)
    }

    const CRANE_LOAD: &[&str] = &["crane.load.warning ≥ 90", "crane.load.alarm ≥ 100", "crane.load.control ≥ 110"];
    const CRANE_MOMENT: &[&str] =
        &["crane.moment.warning ≥ 90", "crane.moment.alarm ≥ 100", "crane.moment.control ≥ 110"];
    const WIND: &[&str] = &["crane.wind.warning ≥ 8", "crane.wind.alarm ≥ 10.8"];
    const TILT: &[&str] = &[
        "crane.tilt.warning ≥ 0.16",
        "crane.tilt.warning ≤ -0.16",
        "crane.tilt.alarm ≥ 0.23",
        "crane.tilt.alarm ≤ -0.23",
    ];
    const WALL_TOP_H: &[&str] = &[
        "pit.cumulative.warning ≥ 21",
        "pit.cumulative.warning ≤ -21",
        "pit.cumulative.alarm ≥ 30",
        "pit.cumulative.alarm ≤ -30",
    ];
    const WALL_TOP_V: &[&str] = &[
        "pit.cumulative.warning ≥ 14",
        "pit.cumulative.warning ≤ -14",
        "pit.cumulative.alarm ≥ 20",
        "pit.cumulative.alarm ≤ -20",
    ];
    const DEEP: &[&str] = &[
        "pit.cumulative.warning ≥ 28",
        "pit.cumulative.warning ≤ -28",
        "pit.cumulative.alarm ≥ 40",
        "pit.cumulative.alarm ≤ -40",
    ];
    const STRUT: &[&str] = &["pit.strut.warning ≥ 49", "pit.strut.alarm ≥ 70"];
    const FORMWORK_MM: &[&str] = &[
        "formwork.point.warning ≥ 7",
        "formwork.point.warning ≤ -7",
        "formwork.point.alarm ≥ 10",
        "formwork.point.alarm ≤ -10",
    ];

    /// Every sensor of the demo site and its lines under the default rules.
    fn demo_expected() -> Vec<(&'static str, Vec<&'static str>)> {
        let none = Vec::new;
        vec![
            ("TC1-LOAD", CRANE_LOAD.to_vec()),
            ("TC1-MOM", CRANE_MOMENT.to_vec()),
            ("TC1-WIND", WIND.to_vec()),
            ("TC1-SLEW", none()),
            ("TC1-RAD", none()),
            ("TC1-HOOK", none()),
            ("TC1-TILT", TILT.to_vec()),
            // "At least 2 m": exactly 2 m complies.
            ("TC1-CLR", vec!["crane.clearance.warning < 5", "crane.clearance.alarm < 2"]),
            ("TC2-LOAD", CRANE_LOAD.to_vec()),
            ("TC2-MOM", CRANE_MOMENT.to_vec()),
            ("TC2-SLEW", none()),
            ("TC2-RAD", none()),
            ("TC2-HOOK", none()),
            ("TC2-TILT", TILT.to_vec()),
            ("HS1-LOAD", vec!["hoist.load.warning ≥ 90", "hoist.load.alarm ≥ 100", "hoist.load.control ≥ 110"]),
            // A state, not a value axis.
            ("HS1-DOOR", none()),
            // No alarm rule: the sensor's range covers bad values.
            ("HS1-HEIGHT", none()),
            // Cumulative values on both sides of zero; no rate lines (per 24 h).
            ("ZQS1", WALL_TOP_H.to_vec()),
            ("ZQS2", WALL_TOP_H.to_vec()),
            ("ZQS3", WALL_TOP_H.to_vec()),
            ("ZQS4", WALL_TOP_H.to_vec()),
            ("ZQC1", WALL_TOP_V.to_vec()),
            ("ZQC2", WALL_TOP_V.to_vec()),
            ("ZQC3", WALL_TOP_V.to_vec()),
            ("ZQC4", WALL_TOP_V.to_vec()),
            ("CX1", DEEP.to_vec()),
            ("CX2", DEEP.to_vec()),
            // Struts: compression, one side.
            ("ZL1", STRUT.to_vec()),
            ("ZL2", STRUT.to_vec()),
            ("ZL3", STRUT.to_vec()),
            (
                "SW1",
                vec![
                    "pit.cumulative.warning ≥ 700",
                    "pit.cumulative.warning ≤ -700",
                    "pit.cumulative.alarm ≥ 1000",
                    "pit.cumulative.alarm ≤ -1000",
                ],
            ),
            ("GZ-C1", FORMWORK_MM.to_vec()),
            ("GZ-C2", FORMWORK_MM.to_vec()),
            (
                "GZ-Q1",
                vec![
                    "formwork.point.warning ≥ 0.35",
                    "formwork.point.warning ≤ -0.35",
                    "formwork.point.alarm ≥ 0.5",
                    "formwork.point.alarm ≤ -0.5",
                ],
            ),
            // Its range (0–60 kN) leaves out the lines below zero.
            ("GZ-L1", vec!["formwork.point.warning ≥ 21", "formwork.point.alarm ≥ 30"]),
            ("GZ-S1", FORMWORK_MM.to_vec()),
            ("GZ-S2", FORMWORK_MM.to_vec()),
            ("GZ-S3", FORMWORK_MM.to_vec()),
            ("DM1-PM25", vec!["dust.pm25-hourly.alarm > 75 [hourly]"]),
            ("DM1-PM10", vec!["dust.spray.warning ≥ 100 [spray]", "dust.pm10-hourly.alarm > 80 [hourly]"]),
            // No TSP limit by default.
            ("DM1-TSP", none()),
            (
                "DM1-NOISE",
                vec![
                    "noise.day.warning ≥ 67 [day Leq 6-22 20 min]",
                    "noise.day.alarm > 70 [day Leq 6-22 20 min]",
                    "noise.night.warning ≥ 52 [night Leq 22-6 20 min]",
                    "noise.night.alarm > 55 [night Leq 22-6 20 min]",
                    "noise.night-max.alarm > 70 [night max 22-6]",
                ],
            ),
            // The station's anemometer is judged like a crane's.
            ("DM1-WS", WIND.to_vec()),
            ("DM1-WD", none()),
            // States and counts have no threshold lines.
            ("DM1-SPRAY", none()),
            ("WW1-SPRAY", none()),
            ("G1-IN", none()),
            ("G1-OUT", none()),
            ("G1-ONSITE", none()),
            ("G2-IN", none()),
            ("G2-OUT", none()),
            ("EP-PIT1-N", none()),
            ("EP-PIT1-E", none()),
            ("EP-S1-EDGE", none()),
            ("EP-S1-OPEN", none()),
            // Main box: its declared 100 mA (under 30 mA·s ÷ 0.2 s = 150 mA).
            ("DB0-LEAK", vec!["power.leakage-main.warning ≥ 50", "power.leakage-main.alarm ≥ 100"]),
            ("DB0-TEMP", vec!["power.cabinet-temp.warning ≥ 60", "power.cabinet-temp.alarm ≥ 75"]),
            ("DB1-LEAK", vec!["power.leakage-sub.warning ≥ 37.5", "power.leakage-sub.alarm ≥ 75"]),
            ("KB1-TRIP", vec!["power.trip-time.alarm > 0.1"]),
            ("KB1-I", none()),
            ("KB2-I", none()),
            ("KB3-I", none()),
        ]
    }

    #[test]
    fn every_demo_sensor_has_its_lines() {
        let scene = demo_scene();
        let rules = RuleSet::default();
        let expected = demo_expected();
        let ids: Vec<&str> = scene.sensors.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, expected.iter().map(|(id, _)| *id).collect::<Vec<_>>(), "the table lists every demo sensor");
        for (id, want) in &expected {
            let got: Vec<String> = threshold_lines(&rules, &scene, id).iter().map(show).collect();
            assert_eq!(got, *want, "{id}");
        }
        assert!(threshold_lines(&rules, &scene, "NO-SUCH-SENSOR").is_empty());
        // Hysteresis: 2 % of the line, none on trip times and hourly means.
        let band = |id: &str| threshold_lines(&rules, &scene, id).iter().map(|l| l.band).collect::<Vec<_>>();
        assert_eq!(band("TC1-LOAD"), [1.8, 2.0, 2.2]);
        assert_eq!(band("KB1-TRIP"), [0.0]);
        assert_eq!(band("DM1-PM25"), [0.0]);
    }

    /// 2026-12-01 00:00 site time (UTC+8) plus `h` hours.
    fn t(h: f64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap() + Duration::milliseconds((h * 3_600_000.0).round() as i64)
    }

    /// How a line is probed: readings one minute apart, from a site-local hour.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Probe {
        /// One reading judges it.
        Reading { hour: f64 },
        /// The Leq of 25 steady one-minute readings (more than the 20-min window).
        Leq { hour: f64 },
        /// The mean of a clock hour of steady one-minute readings, closed by the next hour's.
        Hour,
    }

    fn probe(note: Option<LineNote>) -> Probe {
        match note {
            None | Some(LineNote::SprayTrigger) => Probe::Reading { hour: 10.0 },
            Some(LineNote::NightMaximum { .. }) => Probe::Reading { hour: 23.0 },
            Some(LineNote::DayLeq { .. }) => Probe::Leq { hour: 10.0 },
            Some(LineNote::NightLeq { .. }) => Probe::Leq { hour: 23.0 },
            Some(LineNote::HourlyMean) => Probe::Hour,
        }
    }

    /// A sensor's engine, fed steady values in turn; each `level` call continues in time.
    struct Feeder {
        engine: Engine,
        sensor: String,
        probe: Probe,
        minute: i64,
    }

    impl Feeder {
        fn new(scene: &SiteScene, rules: &Arc<RuleSet>, sensor: &str, probe: Probe) -> Self {
            Feeder { engine: Engine::new(scene, Arc::clone(rules)), sensor: sensor.into(), probe, minute: 0 }
        }

        /// One reading, a minute after the last; its level and rule.
        fn feed(&mut self, value: f64) -> (Level, Option<String>) {
            let start = match self.probe {
                Probe::Reading { hour } | Probe::Leq { hour } => hour,
                Probe::Hour => 10.0,
            };
            let time = t(start + self.minute as f64 / 60.0);
            self.minute += 1;
            let r = Reading { sensor: self.sensor.clone(), time, value, flag: None };
            let got = self.engine.ingest(&r, time + Duration::seconds(1)).unwrap();
            (got.judgement.level, got.judgement.rule)
        }

        /// The level (and rule) the engine gives steady `value`, the way the line applies.
        fn level(&mut self, value: f64) -> (Level, Option<String>) {
            match self.probe {
                Probe::Reading { .. } => self.feed(value),
                Probe::Leq { .. } => (0..25).map(|_| self.feed(value)).last().unwrap_or_default(),
                Probe::Hour => {
                    // Whole clock hours, each closed by a tick ten minutes after it ends; the
                    // next starts an hour later.
                    self.minute = (self.minute + 59) / 60 * 60;
                    for _ in 0..60 {
                        self.feed(value);
                    }
                    let events = self.engine.tick(t(10.0 + (self.minute + 10) as f64 / 60.0));
                    self.minute += 60;
                    let hourly = events.into_iter().find_map(|e| match e {
                        Event::HourlyMean { level, rule, complete: true, .. } => Some((level, rule)),
                        _ => None,
                    });
                    let (level, rule) = hourly.expect("a closed, complete hour");
                    (level, (level > Level::Normal).then_some(rule))
                }
            }
        }
    }

    /// The value next to `v` on the worse (`+1`) or safer (`-1`) side of `line`: the adjacent
    /// float for a line judged on each reading, the readings' 0.1 dB for an Leq, a millionth for
    /// a mean of many readings.
    fn next(line: &ThresholdLine, v: f64, worse: bool) -> f64 {
        let up = worse == line.bound.high_is_worse();
        match probe(line.note) {
            Probe::Reading { .. } => {
                if up {
                    v.next_up()
                } else {
                    v.next_down()
                }
            }
            Probe::Leq { .. } => v + if up { 0.1 } else { -0.1 },
            Probe::Hour => v + if up { 1e-6 } else { -1e-6 } * v.abs().max(1.0),
        }
    }

    /// For every line of every sensor: a fresh engine gives the line's level and rule to the
    /// first value past the line (the line itself where it counts, ≥ or ≤), and to the value
    /// next to it on the safe side the level of the lines that value is past (lower); a level
    /// once raised holds within the band below the line and falls past it.
    fn check_every_line(scene: &SiteScene, rules: RuleSet) -> usize {
        let rules = Arc::new(rules);
        let mut checked = 0;
        for s in &scene.sensors {
            let lines = threshold_lines(&rules, scene, &s.id);
            for line in &lines {
                let p = probe(line.note);
                let inclusive = matches!(line.bound, Bound::AtLeast | Bound::AtMost);
                let (past, short) = if inclusive {
                    (line.value, next(line, line.value, false))
                } else {
                    (next(line, line.value, true), line.value)
                };
                assert!(line.reached(past) && !line.reached(short), "{}: {line:?}", s.id);
                let ctx = format!("{} {} at {past} / {short}", s.id, show(line));
                // What the chart says of a value: the highest line of the same kind it is past.
                let chart = |v: f64| -> (Level, Option<String>) {
                    lines
                        .iter()
                        .filter(|l| probe(l.note) == p && l.reached(v))
                        .max_by_key(|l| l.level)
                        .map_or((Level::Normal, None), |l| (l.level, Some(l.rule.clone())))
                };
                let fresh = |v: f64| Feeder::new(scene, &rules, &s.id, p).level(v);
                assert_eq!(fresh(past), (line.level, Some(line.rule.clone())), "{ctx}: at the line");
                assert_eq!(chart(past).0, line.level, "{ctx}: lines of one level coincide");
                let below = fresh(short);
                assert!(below.0 < line.level, "{ctx}: short of the line gave {below:?}");
                assert_eq!(below, chart(short), "{ctx}: short of the line");
                // Hysteresis, only on the way down.
                let mut f = Feeder::new(scene, &rules, &s.id, p);
                assert_eq!(f.level(past).0, line.level, "{ctx}");
                if line.band > 0.0 {
                    let resolution = if matches!(p, Probe::Leq { .. }) { 0.2 } else { 0.0 };
                    let margin = (line.band * 0.01).max(resolution);
                    let toward_safe = if line.bound.high_is_worse() { -1.0 } else { 1.0 };
                    assert_eq!(f.level(short).0, line.level, "{ctx}: held just short of the line");
                    let held = line.value + toward_safe * (line.band - margin);
                    assert_eq!(f.level(held).0, line.level, "{ctx}: held within the band at {held}");
                    let fallen = line.value + toward_safe * (line.band + margin);
                    let after = f.level(fallen).0;
                    assert!(after < line.level, "{ctx}: past the band at {fallen} still {after:?}");
                } else {
                    assert_eq!(f.level(short), chart(short), "{ctx}: no hysteresis");
                }
                assert!(RULE_SOURCES.iter().any(|r| r.id == line.rule), "{ctx}: rule not listed");
                checked += 1;
            }
        }
        checked
    }

    #[test]
    fn the_engine_agrees_with_every_line_of_the_demo_site() {
        let n = check_every_line(&demo_scene(), RuleSet::default());
        assert_eq!(n, demo_expected().iter().map(|(_, lines)| lines.len()).sum::<usize>(), "lines checked");
    }

    #[test]
    fn converted_units_and_site_rules_keep_the_lines_exact() {
        // A strut in kN (1800 kN design force), groundwater in m, dust in mg/m³.
        let mut scene = demo_scene();
        for s in &mut scene.sensors {
            match s.id.as_str() {
                "ZL2" => s.unit = "kN".into(),
                "SW1" => s.unit = "m".into(),
                "DM1-PM10" | "DM1-PM25" | "DM1-TSP" => {
                    s.unit = "mg/m3".into();
                    s.range = Some([0.0, 1.0]);
                }
                _ => {}
            }
        }
        let mut rules = RuleSet::default();
        rules.dust.tsp_hourly_limit = Some(700.0);
        rules.pit.ground_points.insert("ZQC2".into());
        rules.pit.points.insert(
            "ZQS1".into(),
            crate::rules::PitLimit { cumulative_alarm: 25.3, rate_alarm_per_day: Some(2.0), rate_alarm_days: 1 },
        );
        rules.formwork.points.insert("GZ-Q1".into(), 0.3);
        rules.noise.night_start_hour = 23;
        rules.general.hysteresis_fraction = 0.05;
        let lines = |id: &str| threshold_lines(&rules, &scene, id).iter().map(show).collect::<Vec<_>>();
        assert_eq!(lines("ZL2"), ["pit.strut.warning ≥ 882", "pit.strut.alarm ≥ 1260"]);
        assert_eq!(lines("SW1")[..2], ["pit.cumulative.warning ≥ 0.7", "pit.cumulative.warning ≤ -0.7"]);
        assert_eq!(lines("DM1-PM10"), ["dust.spray.warning ≥ 0.1 [spray]", "dust.pm10-hourly.alarm > 0.08 [hourly]"]);
        assert_eq!(lines("DM1-TSP"), ["dust.tsp-hourly.alarm > 0.7 [hourly]"]);
        assert_eq!(lines("ZQC2")[2], "pit.cumulative.alarm ≥ 20");
        assert_eq!(lines("ZQS1")[2], "pit.cumulative.alarm ≥ 25.3");
        assert_eq!(lines("GZ-Q1")[2], "formwork.point.alarm ≥ 0.3");
        assert_eq!(lines("DM1-NOISE")[4], "noise.night-max.alarm > 70 [night max 23-6]");
        assert_eq!(check_every_line(&scene, rules), 121);

        // A strut in kN without its strut is not judged: no lines.
        let mut scene = demo_scene();
        let zl1 = scene.sensors.iter_mut().find(|s| s.id == "ZL1").unwrap();
        zl1.unit = "kN".into();
        zl1.anchor.node = None;
        assert!(threshold_lines(&RuleSet::default(), &scene, "ZL1").is_empty());
    }

    #[test]
    fn a_line_on_a_converted_axis_is_the_float_where_the_conversion_rounds() {
        // The inverse of the engine's kN / 1800 × 100 at 1.1 % is 1.1 ÷ (100 / 1800) =
        // 19.800000000000004 kN in floating point, but 19.8 kN already gives 1.1 %: the line is
        // the first float where the engine's quotient reaches the threshold.
        let mut scene = demo_scene();
        scene.sensors.iter_mut().find(|s| s.id == "ZL2").unwrap().unit = "kN".into();
        let mut rules = RuleSet::default();
        rules.pit.strut.cumulative_alarm = 1.1;
        let line = threshold_lines(&rules, &scene, "ZL2").remove(1);
        let percent = |kn: f64| kn / 1800.0 * 100.0;
        let inverse: f64 = 1.1 / (100.0 / 1800.0);
        assert!(percent(inverse.next_down()) >= 1.1, "the plain inverse is not the line");
        assert!(percent(line.value) >= 1.1 && percent(line.value.next_down()) < 1.1, "{}", line.value);
        assert!(line.value < inverse);
        assert_eq!(check_every_line(&scene, rules), 120);
    }
}
