//! The rule set: every threshold the twin judges by, with its default from the standards
//! (docs/standards.md) and where that default comes from. A site's rules file overrides any of
//! them; a value it sets is shown as "set by the site" instead of "unconfirmed".

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::stoppage::{Activity, AlertLevel, LevelMeasures, PollutionRules};
use crate::rondoc::{self, DocDecoder};
use crate::telemetry::CHINA_STANDARD_TIME_S;

/// How sure we are of a default (the tags of the standards doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Confidence {
    /// [S]: stated in the cited source.
    Stated,
    /// [V]: checked here.
    Checked,
    /// [R]: recalled, not confirmed from a published source.
    Recalled,
    /// [?]: searched for and not found; a placeholder.
    Unknown,
    /// sitetwin's own choice where the standards give none.
    SitetwinDefault,
    /// Set by the site's rules file.
    Site,
}

impl Confidence {
    /// Confirmed enough to show without a caveat.
    pub fn confirmed(self) -> bool {
        matches!(self, Confidence::Stated | Confidence::Checked | Confidence::Site)
    }

    /// The doc's tag.
    pub fn tag(self) -> &'static str {
        match self {
            Confidence::Stated => "[S]",
            Confidence::Checked => "[V]",
            Confidence::Recalled => "[R]",
            Confidence::Unknown => "[?]",
            Confidence::SitetwinDefault => "[default]",
            Confidence::Site => "[site]",
        }
    }
}

/// Where a rule's default comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleSource {
    /// Rule id, e.g. `crane.load.alarm`.
    pub id: &'static str,
    /// The rule group it belongs to (a rules-file section).
    pub group: &'static str,
    /// The source, short.
    pub citation: &'static str,
    /// How sure.
    pub confidence: Confidence,
}

const fn src(id: &'static str, group: &'static str, citation: &'static str, confidence: Confidence) -> RuleSource {
    RuleSource { id, group, citation, confidence }
}

use Confidence::{Recalled as R, SitetwinDefault as D, Stated as S, Unknown as U};

/// Every rule and its source. `docs/standards.md` explains each.
pub const RULE_SOURCES: &[RuleSource] = &[
    src("quality.not-a-number", "general", "a missing, NaN or infinite value is not judged", D),
    src("quality.range", "general", "a value outside the sensor's measuring range (scene `range`) is not judged", D),
    src("quality.flag.invalid", "general", "HJ 212 data flags F, M, D, C: not valid for use (HJ 212-2017 §5.4)", S),
    src("quality.flag.suspect", "general", "HJ 212 flags T (above range), B (link failure): judged but doubtful", D),
    src("quality.count", "general", "a people count below 0 or not a whole number is not judged", D),
    src("quality.order", "general", "a timestamp at or before the sensor's previous one (out of order, duplicate)", D),
    src("quality.future", "general", "a timestamp more than the tolerance after the reading arrived", D),
    src(
        "quality.stale",
        "general",
        "no reading for more than 3 expected intervals (or never, after a grace period)",
        D,
    ),
    src(
        "crane.load.warning",
        "crane",
        "90 % pre-warning: load-moment indicator practice (JGJ 332 clause unconfirmed)",
        S,
    ),
    src("crane.load.alarm", "crane", "100 % of rated load: alarm and cut hoist-up (GB 5144)", S),
    src("crane.load.control", "crane", "cut-off by 110 % of rated load (GB 5144)", S),
    src("crane.moment.warning", "crane", "90 % pre-warning: load-moment indicator practice", S),
    src("crane.moment.alarm", "crane", "100 % of rated moment: alarm, cut hoist-up and trolley-out (GB 5144)", S),
    src("crane.moment.control", "crane", "cut-off by 110 % of rated moment (GB 5144)", S),
    src("crane.wind.warning", "crane", "Beaufort 5 (8.0 m/s) as a pre-warning: sitetwin's choice", D),
    src("crane.wind.alarm", "crane", "stop open-air crane work at wind force 6, ≥ 10.8 m/s", S),
    src("crane.clearance.warning", "crane", "less than 5 m as a pre-warning: sitetwin's choice", D),
    src(
        "crane.clearance.alarm",
        "crane",
        "anti-collision: at least 2 m horizontal and vertical between cranes, so exactly 2 m complies",
        S,
    ),
    src("crane.tilt.warning", "crane", "70 % of the tilt alarm: sitetwin's choice", D),
    src(
        "crane.tilt.alarm",
        "crane",
        "mast verticality 4/1000 (0.23°) recalled from GB 5144; no numeric tilt limit found",
        R,
    ),
    src(
        "crane.anemometer.required",
        "crane",
        "anemometer required when the jib pivot is higher than 50 m (GB 5144; JGJ 59 tower-crane guarantee item)",
        S,
    ),
    src(
        "crane.obstacle-light.required",
        "crane",
        "obstacle light required when the top is higher than 30 m and than the surrounding buildings (JGJ 59 tower-crane guarantee item)",
        S,
    ),
    src("hoist.load.warning", "hoist", "90 % of rated load (GB/T 10054, JGJ 215 wording unconfirmed)", R),
    src("hoist.load.alarm", "hoist", "100 % of rated load", R),
    src("hoist.load.control", "hoist", "stop the cage from starting before 110 %", R),
    src("hoist.limit.alarm", "hoist", "a tripped limit switch", D),
    src("hoist.door.warning", "hoist", "cage door not locked: sitetwin's choice", D),
    src(
        "edge.removed.alarm",
        "edge",
        "edge or opening protection switch reads 0 (removed): the Jiangsu module asks a work-at-height protection warning (standards doc §1.4); the alarm level is sitetwin's choice",
        D,
    ),
    src("pit.cumulative.warning", "pit", "warning at 70 % of the alarm value (project practice)", S),
    src(
        "pit.cumulative.alarm",
        "pit",
        "cumulative alarm values set by the designer; defaults from a real project's set",
        S,
    ),
    src(
        "pit.rate.warning",
        "pit",
        "70 % of the rate alarm: the project set gives warnings for cumulative values only; sitetwin's choice",
        D,
    ),
    src(
        "pit.rate.alarm",
        "pit",
        "rate alarm values (with their \"for 2+ days\" qualifiers) set by the designer; defaults from a real project's set",
        S,
    ),
    src(
        "pit.rate-streak.alarm",
        "pit",
        "rate above 50 % of the alarm rate for 3 days in a row (GB 50497-2009 note; check 2019)",
        S,
    ),
    src("pit.strut.warning", "pit", "70 % of the strut alarm value", S),
    src("pit.strut.alarm", "pit", "strut force 70 % of design (project set; GB 50497 grade table [R])", S),
    src("formwork.point.warning", "formwork", "warning fraction of the scheme's limit: sitetwin's default 70 %", D),
    src(
        "formwork.point.alarm",
        "formwork",
        "limits are set by the special scheme; no standard values found — placeholders",
        U,
    ),
    src(
        "formwork.monitoring.horizontal-points",
        "formwork",
        "horizontal-displacement points at the support's corners or mid-sides, at least 3 per zone (standards doc §3.4)",
        S,
    ),
    src(
        "formwork.sensor.range",
        "formwork",
        "displacement sensor range at least 3 × the deformation control value (standards doc §3.4)",
        S,
    ),
    src("dust.spray.warning", "dust", "spray at real-time PM10 ≥ 100 µg/m³ for 30 min (Nanjing site practice)", S),
    src(
        "dust.spray.not-running.warning",
        "dust",
        "spraying must be automatic (Jiangsu acceptance sheet, standards doc §1.4): a spray still off 5 min after the request: sitetwin's choice",
        D,
    ),
    src(
        "dust.pm10-hourly.alarm",
        "dust",
        "hourly PM10 over 80 µg/m³ (Hebei DB13/2934-2019; Jiangsu value unconfirmed); an hour counts with 45 min of data (HJ 663-style, [R])",
        R,
    ),
    src(
        "dust.pm25-hourly.alarm",
        "dust",
        "hourly PM2.5: no site limit found; GB 3095-2012 class 2 24-h PM2.5 75 µg/m³ as a placeholder",
        U,
    ),
    src(
        "dust.tsp-hourly.alarm",
        "dust",
        "hourly TSP limit: off by default (Shaanxi 0.7–0.8 mg/m³; no Jiangsu value found)",
        U,
    ),
    src("noise.day.warning", "noise", "Leq within 3 dB(A) of the limit: sitetwin's choice", D),
    src(
        "noise.day.alarm",
        "noise",
        "Leq over 70 dB(A) by day, 06:00–22:00 (GB 12523-2011; 2025 edition limits unconfirmed)",
        S,
    ),
    src("noise.night.warning", "noise", "Leq within 3 dB(A) of the limit: sitetwin's choice", D),
    src("noise.night.alarm", "noise", "Leq over 55 dB(A) at night, 22:00–06:00 (GB 12523-2011)", S),
    src("noise.night-max.alarm", "noise", "night maximum ≤ limit + 15 dB(A), judged per reading (GB 12523-2011)", S),
    src(
        "noise.leq-window",
        "noise",
        "Leq over a continuous 20-min measurement, within the day or night period (GB 12523-2011 method, recalled)",
        R,
    ),
    src("power.leakage.warning", "power", "half the switch-box alarm current: sitetwin's choice", D),
    src(
        "power.leakage.alarm",
        "power",
        "switch-box RCD 30 mA (15 mA damp), or the box's lower rating (JGJ 46-2005 §8.2.10; JGJ/T 46-2024 unconfirmed)",
        S,
    ),
    src("power.leakage-main.warning", "power", "half the main-box alarm current: sitetwin's choice", D),
    src(
        "power.leakage-main.alarm",
        "power",
        "main-box RCD I_Δn > 30 mA with I_Δn × t ≤ 30 mA·s (JGJ 46-2005 §8.2.11): its declared I_Δn, capped at 30 mA·s ÷ t",
        S,
    ),
    src("power.leakage-sub.warning", "power", "half the sub-box alarm current: sitetwin's choice", D),
    src(
        "power.leakage-sub.alarm",
        "power",
        "sub-box: the box's declared I_Δn (the standard asks RCDs of main and switch boxes only): sitetwin's choice",
        D,
    ),
    src("power.trip-time.alarm", "power", "switch-box RCD trip time over 0.1 s (JGJ 46-2005 §8.2.10)", S),
    src(
        "power.trip-time-main.alarm",
        "power",
        "main-box RCD: declared I_Δn × measured trip time over 30 mA·s (JGJ 46-2005 §8.2.11)",
        S,
    ),
    src("power.trip-time-sub.alarm", "power", "sub-box RCD slower than its declared break time: sitetwin's choice", D),
    src(
        "pollution.iii",
        "pollution",
        "yellow (Ⅲ): Nanjing's yellow list by default, Suzhou's Ⅲ list with `list: Suzhou` (standards doc §4.2)",
        S,
    ),
    src(
        "pollution.ii",
        "pollution",
        "orange (Ⅱ): no Jiangsu orange list found; the city's Ⅲ list, the least an orange alert stops",
        U,
    ),
    src(
        "pollution.i",
        "pollution",
        "red (Ⅰ): Suzhou's red list, all open-air site work stops, continuous pours go on (no Nanjing red list found)",
        S,
    ),
    src(
        "power.switch-rcd.current",
        "power",
        "switch-box RCD rated at most 30 mA, 15 mA in damp or corrosive places (JGJ 46-2005 §8.2.10; JGJ/T 46-2024 unconfirmed)",
        S,
    ),
    src("power.switch-rcd.time", "power", "switch-box RCD break time at most 0.1 s (JGJ 46-2005 §8.2.10)", S),
    src("power.main-rcd.current", "power", "main-box RCD rated above 30 mA (JGJ 46-2005 §8.2.11)", S),
    src("power.main-rcd.time", "power", "main-box RCD break time above 0.1 s (JGJ 46-2005 §8.2.11)", S),
    src("power.main-rcd.product", "power", "main-box RCD IΔn × t at most 30 mA·s (JGJ 46-2005 §8.2.11)", S),
    src(
        "power.switch-box.distance",
        "power",
        "switch box at most 3 m from the fixed equipment it serves (JGJ 46 practice, standards doc §3.7)",
        S,
    ),
    src(
        "power.sub-box.distance",
        "power",
        "sub-distribution box at most 30 m from its switch boxes (standards doc §3.7)",
        S,
    ),
    src("power.cabinet-temp.warning", "power", "cabinet temperature 60 °C: sitetwin's choice", D),
    src("power.cabinet-temp.alarm", "power", "cabinet temperature 75 °C: sitetwin's choice", D),
];

/// Tower crane thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CraneRules {
    /// Load pre-warning, % of rated.
    pub load_warning_pct: f64,
    /// Load alarm, % of rated.
    pub load_alarm_pct: f64,
    /// Load control (cut-off), % of rated.
    pub load_control_pct: f64,
    /// Moment pre-warning, % of rated.
    pub moment_warning_pct: f64,
    /// Moment alarm, % of rated.
    pub moment_alarm_pct: f64,
    /// Moment control (cut-off), % of rated.
    pub moment_control_pct: f64,
    /// Wind pre-warning, m/s.
    pub wind_warning_m_s: f64,
    /// Stop-work wind, m/s.
    pub wind_alarm_m_s: f64,
    /// Clearance pre-warning: a clearance below this, metres.
    pub clearance_warning_m: f64,
    /// The required clearance to a neighbouring crane, metres: below it is an alarm, exactly it
    /// complies ("at least 2 m").
    pub clearance_alarm_m: f64,
    /// Tilt pre-warning, degrees.
    pub tilt_warning_deg: f64,
    /// Tilt alarm, degrees.
    pub tilt_alarm_deg: f64,
    /// An anemometer is required when the jib pivot is higher than this above the crane's base, m.
    pub anemometer_pivot_above_m: f64,
    /// An obstacle light is required when the crane is higher than this above the site ground
    /// (and higher than every structure's finished height), m.
    pub obstacle_light_above_m: f64,
}

impl Default for CraneRules {
    fn default() -> Self {
        Self {
            load_warning_pct: 90.0,
            load_alarm_pct: 100.0,
            load_control_pct: 110.0,
            moment_warning_pct: 90.0,
            moment_alarm_pct: 100.0,
            moment_control_pct: 110.0,
            wind_warning_m_s: 8.0,
            wind_alarm_m_s: 10.8,
            clearance_warning_m: 5.0,
            clearance_alarm_m: 2.0,
            tilt_warning_deg: 0.16,
            tilt_alarm_deg: 0.23,
            anemometer_pivot_above_m: 50.0,
            obstacle_light_above_m: 30.0,
        }
    }
}

/// Construction hoist thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HoistRules {
    /// Load pre-warning, % of rated.
    pub load_warning_pct: f64,
    /// Load alarm, % of rated.
    pub load_alarm_pct: f64,
    /// Load control (stop), % of rated.
    pub load_control_pct: f64,
    /// Warn when a door reports unlocked.
    pub door_open_warning: bool,
}

impl Default for HoistRules {
    fn default() -> Self {
        Self { load_warning_pct: 90.0, load_alarm_pct: 100.0, load_control_pct: 110.0, door_open_warning: true }
    }
}

/// Work-at-height edge and opening protection (guard rails, opening covers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EdgeRules {
    /// Alarm when a protection switch reads 0 (removed) [default].
    pub removed_alarm: bool,
}

impl Default for EdgeRules {
    fn default() -> Self {
        Self { removed_alarm: true }
    }
}

/// Alarm values of one pit quantity (the designer sets them; these are seeds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PitLimit {
    /// Cumulative alarm value (mm, or % of design for struts).
    pub cumulative_alarm: f64,
    /// Rate alarm value per day (mm/d); `None` for quantities judged by cumulative value only.
    #[serde(default)]
    pub rate_alarm_per_day: Option<f64>,
    /// The rate alarm needs the daily change at or above the alarm rate on this many calendar
    /// days in a row ("3 mm/d for 2+ days"); 1 judges the rate over the last 24 h alone. Until the
    /// days are reached a rate at the alarm value is a warning.
    #[serde(default = "one_day")]
    pub rate_alarm_days: u32,
}

fn one_day() -> u32 {
    1
}

/// Foundation-pit monitoring rules (GB 50497).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PitRules {
    /// Warning value as a fraction of the alarm value.
    pub warning_fraction: f64,
    /// Wall-top horizontal displacement, mm and mm/d.
    pub horizontal: PitLimit,
    /// Wall-top vertical displacement, mm and mm/d.
    pub vertical: PitLimit,
    /// Ground settlement beside the pit, mm and mm/d: applies to the vertical-displacement
    /// sensors listed in `ground_points`.
    pub ground_settlement: PitLimit,
    /// Vertical-displacement sensors (by id) that measure ground settlement, not the wall top.
    pub ground_points: BTreeSet<String>,
    /// Deep horizontal displacement (inclinometer), mm and mm/d.
    pub deep: PitLimit,
    /// Strut axial force, % of design value.
    pub strut: PitLimit,
    /// Groundwater level change, mm and mm/d.
    pub groundwater: PitLimit,
    /// The streak rule: rate above this fraction of the alarm rate...
    pub streak_fraction: f64,
    /// ...for this many days in a row.
    pub streak_days: u32,
    /// Designer-set values per monitoring point, by sensor id.
    pub points: BTreeMap<String, PitLimit>,
}

impl Default for PitRules {
    fn default() -> Self {
        // The example project's set (standards doc §3.3): value, rate, days the rate must last.
        let mm = |c: f64, r: f64, days: u32| PitLimit {
            cumulative_alarm: c,
            rate_alarm_per_day: Some(r),
            rate_alarm_days: days,
        };
        Self {
            warning_fraction: 0.7,
            horizontal: mm(30.0, 3.0, 2),
            vertical: mm(20.0, 3.0, 2),
            ground_settlement: mm(20.0, 2.0, 1),
            ground_points: BTreeSet::new(),
            deep: mm(40.0, 3.0, 1),
            strut: PitLimit { cumulative_alarm: 70.0, rate_alarm_per_day: None, rate_alarm_days: 1 },
            groundwater: mm(1000.0, 500.0, 1),
            streak_fraction: 0.5,
            streak_days: 3,
            points: BTreeMap::new(),
        }
    }
}

/// High-formwork monitoring rules: limits come from the special scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FormworkRules {
    /// Warning value as a fraction of the alarm value.
    pub warning_fraction: f64,
    /// Settlement alarm, mm (placeholder).
    pub settlement_alarm_mm: f64,
    /// Horizontal displacement alarm, mm (placeholder).
    pub horizontal_alarm_mm: f64,
    /// Post tilt alarm, degrees (placeholder).
    pub tilt_alarm_deg: f64,
    /// Post axial force alarm, kN (placeholder).
    pub axial_alarm_kn: f64,
    /// Scheme-set alarm values per monitoring point, by sensor id, in the sensor's unit.
    pub points: BTreeMap<String, f64>,
    /// Fewest horizontal-displacement points per high-formwork zone.
    pub min_horizontal_points: u32,
    /// A displacement sensor's range must be at least this many times its control value.
    pub sensor_range_factor: f64,
}

impl Default for FormworkRules {
    fn default() -> Self {
        Self {
            warning_fraction: 0.7,
            settlement_alarm_mm: 10.0,
            horizontal_alarm_mm: 10.0,
            tilt_alarm_deg: 0.5,
            axial_alarm_kn: 30.0,
            points: BTreeMap::new(),
            min_horizontal_points: 3,
            sensor_range_factor: 3.0,
        }
    }
}

/// Dust rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DustRules {
    /// Site limit on the hourly mean PM10, µg/m³.
    pub pm10_hourly_limit: f64,
    /// Real-time PM10 that starts the spraying, µg/m³.
    pub spray_trigger_pm10: f64,
    /// How long one spray runs, minutes.
    pub spray_minutes: f64,
    /// Site limit on the hourly mean PM2.5, µg/m³ (off when absent).
    pub pm25_hourly_limit: Option<f64>,
    /// Site limit on the hourly mean TSP, µg/m³ (off when absent).
    pub tsp_hourly_limit: Option<f64>,
    /// An hourly mean counts only if its valid readings cover at least this share of the hour
    /// (each reading covers one expected interval of the sensor, or one minute without one).
    pub min_hour_coverage: f64,
    /// A clock hour is closed by a tick this many seconds after it ends (readings may arrive
    /// late), or at once by the sensor's first reading of a later hour.
    pub hour_close_delay_s: f64,
    /// A spray sensor still reading 0 this many minutes after a spray request of its dust
    /// monitor (the one on its object, else any of the site's) is a warning [default].
    pub spray_start_delay_min: f64,
}

impl Default for DustRules {
    fn default() -> Self {
        Self {
            pm10_hourly_limit: 80.0,
            spray_trigger_pm10: 100.0,
            spray_minutes: 30.0,
            pm25_hourly_limit: Some(75.0),
            tsp_hourly_limit: None,
            min_hour_coverage: 0.75,
            hour_close_delay_s: 300.0,
            spray_start_delay_min: 5.0,
        }
    }
}

/// Noise rules (site boundary). The day and night limits apply to the equivalent continuous
/// level Leq over `leq_window_min`; the night maximum applies to each reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoiseRules {
    /// Day limit on Leq, dB(A).
    pub day_limit_db: f64,
    /// Night limit on Leq, dB(A).
    pub night_limit_db: f64,
    /// Night maximum may exceed the night limit by this much, dB(A).
    pub night_max_margin_db: f64,
    /// Night starts at this local hour.
    pub night_start_hour: u32,
    /// Night ends at this local hour.
    pub night_end_hour: u32,
    /// Warn this close to the limit, dB(A).
    pub warning_margin_db: f64,
    /// The Leq window, minutes: the readings of the last `leq_window_min` within the current day
    /// or night period.
    pub leq_window_min: f64,
    /// An Leq is judged only once its readings cover at least this share of the window (each
    /// reading covers one expected interval of the sensor, or one minute without one).
    pub min_window_coverage: f64,
}

impl Default for NoiseRules {
    fn default() -> Self {
        Self {
            day_limit_db: 70.0,
            night_limit_db: 55.0,
            night_max_margin_db: 15.0,
            night_start_hour: 22,
            night_end_hour: 6,
            warning_margin_db: 3.0,
            leq_window_min: 20.0,
            min_window_coverage: 0.75,
        }
    }
}

/// Temporary electricity rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PowerRules {
    /// Warning as a fraction of a box's residual-current alarm (every box level).
    pub leakage_warning_fraction: f64,
    /// Cabinet temperature warning, °C.
    pub cabinet_warning_c: f64,
    /// Cabinet temperature alarm, °C.
    pub cabinet_alarm_c: f64,
    /// Largest residual operating current of a switch box's RCD, mA: the declared rating is
    /// checked against it, and a measured residual current alarms at it (or at the box's lower
    /// declared rating).
    pub switch_rcd_max_ma: f64,
    /// The same in damp or corrosive places (`damp: true`), mA.
    pub switch_rcd_damp_max_ma: f64,
    /// Longest break time of a switch box's RCD, s: for the declared rating and a measured trip.
    pub switch_rcd_max_s: f64,
    /// A main box's RCD must be rated above this residual current, mA.
    pub main_rcd_above_ma: f64,
    /// ...and above this break time, s...
    pub main_rcd_above_s: f64,
    /// ...with IΔn × t at most this, mA·s: checked on the declared rating, caps the main box's
    /// alarm current at this ÷ its declared break time, and judges its measured trip time.
    pub main_rcd_max_ma_s: f64,
    /// Farthest a switch box may be from the fixed equipment it serves, m.
    pub switch_to_equipment_max_m: f64,
    /// Farthest a sub-distribution box may be from each of its switch boxes, m.
    pub sub_to_switch_max_m: f64,
}

impl Default for PowerRules {
    fn default() -> Self {
        Self {
            leakage_warning_fraction: 0.5,
            cabinet_warning_c: 60.0,
            cabinet_alarm_c: 75.0,
            switch_rcd_max_ma: 30.0,
            switch_rcd_damp_max_ma: 15.0,
            switch_rcd_max_s: 0.1,
            main_rcd_above_ma: 30.0,
            main_rcd_above_s: 0.1,
            main_rcd_max_ma_s: 30.0,
            switch_to_equipment_max_m: 3.0,
            sub_to_switch_max_m: 30.0,
        }
    }
}

/// Data-quality and alarm-handling settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeneralRules {
    /// A level falls only once the value is this fraction of the threshold back below it.
    pub hysteresis_fraction: f64,
    /// A sensor is stale after more than this many expected intervals without a reading.
    pub stale_after_intervals: f64,
    /// A sensor that has never reported is stale once the engine has run for more than this
    /// many seconds (or more than `stale_after_intervals` of its intervals, if that is longer).
    pub first_report_grace_s: f64,
    /// Readings timed more than this many seconds after they arrived are refused.
    pub future_tolerance_s: f64,
    /// Offset of site-local time from UTC, seconds (China Standard Time by default).
    pub local_offset_s: i32,
    /// An alarm not acknowledged within this many minutes escalates.
    pub acknowledge_within_min: f64,
}

impl GeneralRules {
    /// Why a reading timed `time` that arrived at `arrived` is from the future (more than
    /// `future_tolerance_s` after its arrival), or `None`. The engine judges such a reading
    /// invalid; the gateway refuses it.
    pub fn from_the_future(
        &self,
        time: chrono::DateTime<chrono::Utc>,
        arrived: chrono::DateTime<chrono::Utc>,
    ) -> Option<String> {
        // Most readings were measured before they arrived: decided without date arithmetic.
        if time <= arrived && self.future_tolerance_s >= 0.0 {
            return None;
        }
        let tolerance = chrono::Duration::milliseconds((self.future_tolerance_s * 1000.0).round() as i64);
        (time > arrived + tolerance).then(|| {
            format!(
                "timestamp {} is in the future: more than {} s after the reading arrived ({})",
                time.to_rfc3339(),
                self.future_tolerance_s,
                arrived.to_rfc3339()
            )
        })
    }
}

impl Default for GeneralRules {
    fn default() -> Self {
        Self {
            hysteresis_fraction: 0.02,
            stale_after_intervals: 3.0,
            first_report_grace_s: 600.0,
            future_tolerance_s: 300.0,
            local_offset_s: CHINA_STANDARD_TIME_S,
            acknowledge_within_min: 15.0,
        }
    }
}

/// Every rule the twin judges by.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RuleSet {
    /// Data quality and alarm handling.
    pub general: GeneralRules,
    /// Tower cranes.
    pub crane: CraneRules,
    /// Construction hoists.
    pub hoist: HoistRules,
    /// Work-at-height edge and opening protection.
    pub edge: EdgeRules,
    /// Foundation pits.
    pub pit: PitRules,
    /// High formwork.
    pub formwork: FormworkRules,
    /// Dust.
    pub dust: DustRules,
    /// Noise.
    pub noise: NoiseRules,
    /// Temporary electricity.
    pub power: PowerRules,
    /// Heavy-pollution alert measures on sites.
    pub pollution: PollutionRules,
    /// Groups the site's rules file set (their rules show as "set by the site").
    pub configured: BTreeSet<String>,
}

impl RuleSet {
    /// Where rule `id` comes from, taking the site's rules file into account.
    pub fn source(&self, id: &str) -> Option<RuleSource> {
        let s = RULE_SOURCES.iter().find(|s| s.id == id)?;
        let mut s = *s;
        if self.configured.contains(s.group) {
            s.confidence = Confidence::Site;
        }
        Some(s)
    }

    /// The value rule `id` applies, in words (`≥ 90 % of rated`).
    pub fn describe(&self, id: &str) -> String {
        let g = &self.general;
        let c = &self.crane;
        let h = &self.hoist;
        let p = &self.pit;
        let f = &self.formwork;
        let d = &self.dust;
        let n = &self.noise;
        let w = &self.power;
        let pit = |l: &PitLimit, frac: f64, unit: &str| {
            format!(
                "≥ {} {unit} cumulative{}",
                l.cumulative_alarm * frac,
                match l.rate_alarm_per_day {
                    Some(r) if l.rate_alarm_days > 1 =>
                        format!(" or ≥ {} {unit}/d for {} days", r * frac, l.rate_alarm_days),
                    Some(r) => format!(" or ≥ {} {unit}/d", r * frac),
                    None => String::new(),
                }
            )
        };
        let hourly = |limit: Option<f64>, what: &str| match limit {
            Some(l) => format!(
                "hourly mean {what} > {l} µg/m³, with valid readings covering ≥ {} % of the hour",
                d.min_hour_coverage * 100.0
            ),
            None => "off".into(),
        };
        match id {
            "quality.not-a-number" => "value missing, NaN or infinite".into(),
            "quality.range" => "outside the sensor's `range`".into(),
            "quality.flag.invalid" => "HJ 212 flag F, M, D or C".into(),
            "quality.flag.suspect" => "HJ 212 flag T or B".into(),
            "quality.count" => "a people count < 0 or not a whole number".into(),
            "quality.order" => "timestamp ≤ the sensor's previous one".into(),
            "quality.future" => format!("timestamp > arrival + {} s", g.future_tolerance_s),
            "quality.stale" => format!(
                "silent > {} × its interval; never reported > max({} s, {} intervals) after the start",
                g.stale_after_intervals, g.first_report_grace_s, g.stale_after_intervals
            ),
            "crane.load.warning" => format!("≥ {} % of rated load", c.load_warning_pct),
            "crane.load.alarm" => format!("≥ {} % of rated load", c.load_alarm_pct),
            "crane.load.control" => format!("≥ {} % of rated load", c.load_control_pct),
            "crane.moment.warning" => format!("≥ {} % of rated moment", c.moment_warning_pct),
            "crane.moment.alarm" => format!("≥ {} % of rated moment", c.moment_alarm_pct),
            "crane.moment.control" => format!("≥ {} % of rated moment", c.moment_control_pct),
            "crane.wind.warning" => format!("≥ {} m/s", c.wind_warning_m_s),
            "crane.wind.alarm" => format!("≥ {} m/s", c.wind_alarm_m_s),
            "crane.clearance.warning" => format!("< {} m", c.clearance_warning_m),
            "crane.clearance.alarm" => format!("< {} m ({} m complies)", c.clearance_alarm_m, c.clearance_alarm_m),
            "crane.tilt.warning" => format!("≥ {}°", c.tilt_warning_deg),
            "crane.tilt.alarm" => format!("≥ {}°", c.tilt_alarm_deg),
            "crane.anemometer.required" => {
                format!("a WindSpeed sensor on the crane when its pivot is > {} m", c.anemometer_pivot_above_m)
            }
            "crane.obstacle-light.required" => format!(
                "`obstacle_light: true` when the crane is > {} m and higher than every structure's finished height",
                c.obstacle_light_above_m
            ),
            "hoist.load.warning" => format!("≥ {} % of rated load", h.load_warning_pct),
            "hoist.load.alarm" => format!("≥ {} % of rated load", h.load_alarm_pct),
            "hoist.load.control" => format!("≥ {} % of rated load", h.load_control_pct),
            "hoist.limit.alarm" => "a limit switch reads 1".into(),
            "hoist.door.warning" => {
                if h.door_open_warning {
                    "door interlock reads 0".into()
                } else {
                    "off".into()
                }
            }
            "edge.removed.alarm" => {
                if self.edge.removed_alarm {
                    "protection switch reads 0 (removed)".into()
                } else {
                    "off".into()
                }
            }
            "pit.cumulative.warning" => format!(
                "{} % of the alarm value (wall top {} mm, vertical {} mm, ground {} mm, deep {} mm, groundwater {} mm)",
                p.warning_fraction * 100.0,
                p.horizontal.cumulative_alarm * p.warning_fraction,
                p.vertical.cumulative_alarm * p.warning_fraction,
                p.ground_settlement.cumulative_alarm * p.warning_fraction,
                p.deep.cumulative_alarm * p.warning_fraction,
                p.groundwater.cumulative_alarm * p.warning_fraction
            ),
            "pit.cumulative.alarm" => format!(
                "wall top {}; vertical {}; ground settlement {} ({} points); deep {}; groundwater {}; {} points set by the designer",
                pit(&p.horizontal, 1.0, "mm"),
                pit(&p.vertical, 1.0, "mm"),
                pit(&p.ground_settlement, 1.0, "mm"),
                p.ground_points.len(),
                pit(&p.deep, 1.0, "mm"),
                pit(&p.groundwater, 1.0, "mm"),
                p.points.len()
            ),
            "pit.rate.warning" => {
                format!("{} % of the rate alarm value, over the last 24 h", p.warning_fraction * 100.0)
            }
            "pit.rate.alarm" => {
                "the rate alarm values above, of the signed change over the last 24 h (or over each of N days)".into()
            }
            "pit.rate-streak.alarm" => {
                format!(
                    "daily signed change > {} % of the alarm rate for {} days in a row",
                    p.streak_fraction * 100.0,
                    p.streak_days
                )
            }
            "pit.strut.warning" => format!("≥ {} % of design force", p.strut.cumulative_alarm * p.warning_fraction),
            "pit.strut.alarm" => format!("≥ {} % of design force", p.strut.cumulative_alarm),
            "formwork.point.warning" => format!("{} % of the point's alarm value", f.warning_fraction * 100.0),
            "formwork.point.alarm" => format!(
                "settlement {} mm, horizontal {} mm, tilt {}°, post force {} kN; {} points set by the scheme",
                f.settlement_alarm_mm,
                f.horizontal_alarm_mm,
                f.tilt_alarm_deg,
                f.axial_alarm_kn,
                f.points.len()
            ),
            "formwork.monitoring.horizontal-points" => {
                format!("≥ {} horizontal-displacement points per major-hazard zone", f.min_horizontal_points)
            }
            "formwork.sensor.range" => format!(
                "range span ≥ {} × the point's alarm value (settlement {} mm, horizontal {} mm by default)",
                f.sensor_range_factor, f.settlement_alarm_mm, f.horizontal_alarm_mm
            ),
            "dust.spray.warning" => {
                format!("real-time PM10 ≥ {} µg/m³, spray {} min", d.spray_trigger_pm10, d.spray_minutes)
            }
            "dust.spray.not-running.warning" => format!(
                "spray state 0 more than {} min after a spray request, while the request runs",
                d.spray_start_delay_min
            ),
            "dust.pm10-hourly.alarm" => hourly(Some(d.pm10_hourly_limit), "PM10"),
            "dust.pm25-hourly.alarm" => hourly(d.pm25_hourly_limit, "PM2.5"),
            "dust.tsp-hourly.alarm" => hourly(d.tsp_hourly_limit, "TSP"),
            "noise.day.warning" => format!("Leq ≥ {} dB(A) by day", n.day_limit_db - n.warning_margin_db),
            "noise.day.alarm" => {
                format!("Leq > {} dB(A), {:02}:00–{:02}:00", n.day_limit_db, n.night_end_hour, n.night_start_hour)
            }
            "noise.night.warning" => format!("Leq ≥ {} dB(A) at night", n.night_limit_db - n.warning_margin_db),
            "noise.night.alarm" => {
                format!("Leq > {} dB(A), {:02}:00–{:02}:00", n.night_limit_db, n.night_start_hour, n.night_end_hour)
            }
            "noise.night-max.alarm" => {
                format!("a reading > {} dB(A) at night", n.night_limit_db + n.night_max_margin_db)
            }
            "noise.leq-window" => format!(
                "energy mean of the last {} min in the period, judged with ≥ {} % of it covered",
                n.leq_window_min,
                n.min_window_coverage * 100.0
            ),
            "power.leakage.warning" | "power.leakage-main.warning" | "power.leakage-sub.warning" => {
                format!("≥ {} % of the box's alarm current", w.leakage_warning_fraction * 100.0)
            }
            "power.leakage.alarm" => format!(
                "switch box: ≥ {} mA ({} mA damp), or the box's lower declared I_Δn",
                w.switch_rcd_max_ma, w.switch_rcd_damp_max_ma
            ),
            "power.leakage-main.alarm" => {
                format!("main box: ≥ its declared I_Δn, at most {} mA·s ÷ its break time", w.main_rcd_max_ma_s)
            }
            "power.leakage-sub.alarm" => "sub box: ≥ its declared I_Δn".into(),
            "power.trip-time.alarm" => format!("switch box: > {} s", w.switch_rcd_max_s),
            "power.trip-time-main.alarm" => {
                format!("main box: declared I_Δn × trip time > {} mA·s", w.main_rcd_max_ma_s)
            }
            "power.trip-time-sub.alarm" => "sub box: > its declared break time".into(),
            "pollution.iii" => pollution(&self.pollution, AlertLevel::III),
            "pollution.ii" => pollution(&self.pollution, AlertLevel::II),
            "pollution.i" => pollution(&self.pollution, AlertLevel::I),
            "power.switch-rcd.current" => {
                format!("rated IΔn ≤ {} mA (≤ {} mA damp)", w.switch_rcd_max_ma, w.switch_rcd_damp_max_ma)
            }
            "power.switch-rcd.time" => format!("rated t ≤ {} s", w.switch_rcd_max_s),
            "power.main-rcd.current" => format!("rated IΔn > {} mA", w.main_rcd_above_ma),
            "power.main-rcd.time" => format!("rated t > {} s", w.main_rcd_above_s),
            "power.main-rcd.product" => format!("IΔn × t ≤ {} mA·s", w.main_rcd_max_ma_s),
            "power.switch-box.distance" => format!("≤ {} m to the equipment it serves", w.switch_to_equipment_max_m),
            "power.sub-box.distance" => format!("≤ {} m to each of its switch boxes", w.sub_to_switch_max_m),
            "power.cabinet-temp.warning" => format!("≥ {} °C", w.cabinet_warning_c),
            "power.cabinet-temp.alarm" => format!("≥ {} °C", w.cabinet_alarm_c),
            _ => "?".into(),
        }
    }

    /// Reads a rules file: `Rules(crane: (load_alarm_pct: 95.0), pit: (points: {...}), ...)`.
    /// Groups and fields left out keep their defaults. Errors name line, column and field.
    pub fn load(path: &Path) -> Result<RuleSet, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Self::parse(&text)
            .map_err(|errs| errs.iter().map(|e| format!("{}:{e}", path.display())).collect::<Vec<_>>().join("\n"))
    }

    /// Parses rules text; every problem is reported.
    pub fn parse(text: &str) -> Result<RuleSet, Vec<String>> {
        let root = rondoc::parse(text).map_err(|e| vec![format!("{}: {}", e.pos, e.message)])?;
        let mut d = DocDecoder::new(&root, "Rules").map_err(|e| vec![fmt_err(&e)])?;
        let present: BTreeSet<String> = match &root.value {
            rondoc::Value::Struct { fields, .. } => fields.iter().map(|(k, _)| k.name.clone()).collect(),
            _ => BTreeSet::new(),
        };
        let rules = RuleSet {
            general: d.optional("general"),
            crane: d.optional("crane"),
            hoist: d.optional("hoist"),
            edge: d.optional("edge"),
            pit: d.optional("pit"),
            formwork: d.optional("formwork"),
            dust: d.optional("dust"),
            noise: d.optional("noise"),
            power: d.optional("power"),
            pollution: d.optional("pollution"),
            configured: present,
        };
        let errors = d.finish();
        let mut msgs: Vec<String> = errors.iter().map(fmt_err).collect();
        msgs.extend(rules.check());
        if msgs.is_empty() { Ok(rules) } else { Err(msgs) }
    }

    /// Consistency of the thresholds (warning below alarm below control, positive limits).
    pub fn check(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut order = |name: &str, w: f64, a: f64, c: Option<f64>| {
            let ok = w.is_finite() && a.is_finite() && w > 0.0 && w <= a && c.is_none_or(|c| c.is_finite() && a <= c);
            if !ok {
                out.push(format!("{name}: thresholds must be positive and rise warning ≤ alarm ≤ control"));
            }
        };
        let c = &self.crane;
        order("crane.load", c.load_warning_pct, c.load_alarm_pct, Some(c.load_control_pct));
        order("crane.moment", c.moment_warning_pct, c.moment_alarm_pct, Some(c.moment_control_pct));
        order("crane.wind", c.wind_warning_m_s, c.wind_alarm_m_s, None);
        order("crane.tilt", c.tilt_warning_deg, c.tilt_alarm_deg, None);
        let h = &self.hoist;
        order("hoist.load", h.load_warning_pct, h.load_alarm_pct, Some(h.load_control_pct));
        if !(c.clearance_alarm_m > 0.0 && c.clearance_alarm_m <= c.clearance_warning_m) {
            out.push("crane.clearance: need 0 < alarm ≤ warning (a smaller clearance is worse)".into());
        }
        let n = &self.noise;
        if n.night_start_hour > 23 || n.night_end_hour > 23 {
            out.push("noise: night hours must be 0–23".into());
        }
        let p = &self.pit;
        let limits =
            [("horizontal", &p.horizontal), ("vertical", &p.vertical), ("ground_settlement", &p.ground_settlement)];
        for (name, l) in
            limits.into_iter().chain([("deep", &p.deep), ("strut", &p.strut), ("groundwater", &p.groundwater)])
        {
            if l.rate_alarm_days == 0 {
                out.push(format!("pit.{name}.rate_alarm_days must be at least 1"));
            }
        }
        for (id, l) in &p.points {
            if l.rate_alarm_days == 0 {
                out.push(format!("pit.points[{id}].rate_alarm_days must be at least 1"));
            }
        }
        if p.streak_days == 0 {
            out.push("pit.streak_days must be at least 1".into());
        }
        if !(n.leq_window_min.is_finite() && n.leq_window_min > 0.0) {
            out.push("noise.leq_window_min must be a positive number of minutes".into());
        }
        for (name, share) in [
            ("noise.min_window_coverage", n.min_window_coverage),
            ("dust.min_hour_coverage", self.dust.min_hour_coverage),
        ] {
            if !(share > 0.0 && share <= 1.0) {
                out.push(format!("{name}: {share} is outside (0, 1]"));
            }
        }
        let g = &self.general;
        for (name, v) in [
            ("general.first_report_grace_s", g.first_report_grace_s),
            ("general.future_tolerance_s", g.future_tolerance_s),
            ("dust.hour_close_delay_s", self.dust.hour_close_delay_s),
            ("dust.spray_start_delay_min (minutes)", self.dust.spray_start_delay_min),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                out.push(format!("{name} must be a number of seconds ≥ 0"));
            }
        }
        for f in [self.pit.warning_fraction, self.formwork.warning_fraction, self.power.leakage_warning_fraction] {
            if !(f > 0.0 && f <= 1.0) {
                out.push(format!("a warning fraction of {f} is outside (0, 1]"));
            }
        }
        let w = &self.power;
        for (name, v) in [
            ("crane.anemometer_pivot_above_m", c.anemometer_pivot_above_m),
            ("crane.obstacle_light_above_m", c.obstacle_light_above_m),
            ("formwork.sensor_range_factor", self.formwork.sensor_range_factor),
            ("power.switch_rcd_max_ma", w.switch_rcd_max_ma),
            ("power.switch_rcd_damp_max_ma", w.switch_rcd_damp_max_ma),
            ("power.switch_rcd_max_s", w.switch_rcd_max_s),
            ("power.main_rcd_above_ma", w.main_rcd_above_ma),
            ("power.main_rcd_above_s", w.main_rcd_above_s),
            ("power.main_rcd_max_ma_s", w.main_rcd_max_ma_s),
            ("power.switch_to_equipment_max_m", w.switch_to_equipment_max_m),
            ("power.sub_to_switch_max_m", w.sub_to_switch_max_m),
        ] {
            if !(v.is_finite() && v > 0.0) {
                out.push(format!("{name}: must be a positive number, found {v}"));
            }
        }
        if !(self.general.hysteresis_fraction >= 0.0 && self.general.hysteresis_fraction < 0.5) {
            out.push("general.hysteresis_fraction must be from 0 to 0.5".into());
        }
        out
    }
}

/// An alert level's measures in words: where they come from, what stops, what exempts.
fn pollution(p: &PollutionRules, level: AlertLevel) -> String {
    let m: LevelMeasures = p.measures(level);
    let list = |v: &[Activity]| v.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>().join(", ");
    let stops = if m.banned.contains(&Activity::OpenAirWork) { "all open-air work".into() } else { list(&m.banned) };
    let mut out = format!("{}: stop {stops}", p.origin(level));
    if !m.exemptions.is_empty() {
        let e: Vec<String> = m.exemptions.iter().map(|e| format!("{e:?}")).collect();
        out.push_str(&format!("; exempt: {}", e.join(", ")));
    }
    if !m.continues.is_empty() {
        out.push_str(&format!("; go on: {}", list(&m.continues)));
    }
    out
}

fn fmt_err(e: &rondoc::DeError) -> String {
    match e.pos {
        Some(p) => format!("{}:{}: {}", p.line, p.column, e),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_is_from_the_future_only_past_the_tolerance() {
        let g = GeneralRules::default();
        let arrived = chrono::DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z").unwrap().to_utc();
        let at = |ms: i64| arrived + chrono::Duration::milliseconds(ms);
        assert_eq!(g.from_the_future(at(300_000), arrived), None, "exactly the tolerance is not the future");
        let why = g.from_the_future(at(300_001), arrived).unwrap();
        assert!(why.contains("300 s") && why.contains("2026-12-01T08:05:00.001"), "{why}");
        assert_eq!(g.from_the_future(at(-86_400_000), arrived), None);
    }

    #[test]
    fn defaults_follow_the_standards_doc() {
        let r = RuleSet::default();
        assert_eq!((r.crane.load_warning_pct, r.crane.load_alarm_pct, r.crane.load_control_pct), (90.0, 100.0, 110.0));
        assert_eq!(r.crane.wind_alarm_m_s, 10.8);
        assert_eq!(r.crane.clearance_alarm_m, 2.0);
        assert_eq!(r.pit.horizontal.cumulative_alarm, 30.0);
        assert_eq!(r.pit.groundwater.rate_alarm_per_day, Some(500.0));
        // The example project's table: wall-top rates "for 2+ days", ground settlement 20 mm / 2 mm/d.
        assert_eq!(
            (r.pit.horizontal.rate_alarm_days, r.pit.vertical.rate_alarm_days, r.pit.deep.rate_alarm_days),
            (2, 2, 1)
        );
        assert_eq!((r.pit.vertical.cumulative_alarm, r.pit.vertical.rate_alarm_per_day), (20.0, Some(3.0)));
        assert_eq!(
            (r.pit.ground_settlement.cumulative_alarm, r.pit.ground_settlement.rate_alarm_per_day),
            (20.0, Some(2.0))
        );
        assert_eq!(
            (r.noise.leq_window_min, r.dust.pm25_hourly_limit, r.dust.min_hour_coverage),
            (20.0, Some(75.0), 0.75)
        );
        assert!(!r.source("noise.leq-window").unwrap().confidence.confirmed());
        assert!(!r.source("dust.pm25-hourly.alarm").unwrap().confidence.confirmed());
        assert!(!r.source("pit.rate.warning").unwrap().confidence.confirmed());
        assert_eq!((r.noise.day_limit_db, r.noise.night_limit_db, r.noise.night_max_margin_db), (70.0, 55.0, 15.0));
        assert_eq!(r.dust.pm10_hourly_limit, 80.0);
        assert_eq!(r.power.switch_rcd_max_ma, 30.0);
        assert!(r.check().is_empty());
        assert!(!r.source("dust.pm10-hourly.alarm").unwrap().confidence.confirmed());
        assert!(r.source("crane.wind.alarm").unwrap().confidence.confirmed());
    }

    #[test]
    fn every_rule_is_described() {
        let r = RuleSet::default();
        for s in RULE_SOURCES {
            assert_ne!(r.describe(s.id), "?", "{}", s.id);
        }
        assert_eq!(r.describe("noise.night.alarm"), "Leq > 55 dB(A), 22:00–06:00");
        assert_eq!(r.describe("crane.clearance.alarm"), "< 2 m (2 m complies)");
    }

    #[test]
    fn every_rule_id_is_unique() {
        let mut ids: Vec<&str> = RULE_SOURCES.iter().map(|s| s.id).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len());
    }

    #[test]
    fn a_rules_file_overrides_fields_and_marks_its_groups() {
        let r = RuleSet::parse(
            "Rules(dust: (pm10_hourly_limit: 75.0), pit: (points: {\"ZQS1\": (cumulative_alarm: 25.0, rate_alarm_per_day: 2.0)}))",
        )
        .unwrap();
        assert_eq!(r.dust.pm10_hourly_limit, 75.0);
        assert_eq!(r.dust.spray_trigger_pm10, 100.0, "other fields keep their defaults");
        assert_eq!(r.pit.points["ZQS1"].cumulative_alarm, 25.0);
        assert_eq!(
            r.pit.points["ZQS1"].rate_alarm_days, 1,
            "a designer's point alarms on its rate at once unless it says so"
        );
        assert_eq!(r.source("dust.pm10-hourly.alarm").unwrap().confidence, Confidence::Site);
        assert_eq!(r.source("crane.load.alarm").unwrap().confidence, Confidence::Stated);
    }

    #[test]
    fn bad_rules_files_name_the_field() {
        let e = RuleSet::parse("Rules(\n crane: (load_alarm_pct: \"high\"),\n nois: (),\n)").unwrap_err();
        assert!(e.iter().any(|m| m.starts_with("2:") && m.contains("crane.load_alarm_pct")), "{e:?}");
        assert!(e.iter().any(|m| m.contains("unknown field `nois`") && m.contains("did you mean `noise`")), "{e:?}");
        let e = RuleSet::parse("Rules(crane: (load_warning_pct: 120.0))").unwrap_err();
        assert!(e[0].contains("crane.load"), "{e:?}");
        let e = RuleSet::parse(
            "Rules(noise: (leq_window_min: 0.0, min_window_coverage: 1.5), pit: (points: {\"ZQS1\": (cumulative_alarm: 25.0, rate_alarm_days: 0)}))",
        )
        .unwrap_err();
        assert!(e.iter().any(|m| m.contains("noise.leq_window_min")), "{e:?}");
        assert!(e.iter().any(|m| m.contains("noise.min_window_coverage")), "{e:?}");
        assert!(e.iter().any(|m| m.contains("pit.points[ZQS1].rate_alarm_days")), "{e:?}");
    }
}
