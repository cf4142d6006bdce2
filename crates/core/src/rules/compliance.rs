//! Static compliance of a site scene: what its declared equipment, distribution boxes and
//! monitoring points must satisfy before any reading arrives (crane anemometers and obstacle
//! lights, high-formwork monitoring points and sensor ranges, RCD ratings and box distances), plus
//! the major-hazard class of every work. `sitetwin rules check` prints these findings. Messages
//! are [`Bilingual`]: Chinese in the terms of JGJ 46, GB 5144 and the high-formwork rules, and English.

use glam::DVec3;
use std::collections::BTreeMap;

use serde::Serialize;

use super::RuleSet;
use super::hazard::{self, HazardClass};
use crate::i18n::Bilingual;
use crate::scene::{BoxLevel, DistributionBox, SensorKind, SiteScene};

/// How a finding stands. Ordered: `Ok < Info < Unknown < Violation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Severity {
    /// Checked and compliant (or the rule does not apply).
    Ok,
    /// A requirement to know about: a major-hazard work needs its special scheme.
    Info,
    /// The scene does not say enough to judge: check on site.
    Unknown,
    /// Not compliant.
    Violation,
}

impl Severity {
    /// Lower-case name for output.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Info => "info",
            Severity::Unknown => "unknown",
            Severity::Violation => "violation",
        }
    }
}

/// One finding on one object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Object id (crane, zone, box, sensor).
    pub object: String,
    /// Rule id (`power.main-rcd.product`, `hazard.pit.depth-5m`).
    pub rule: &'static str,
    /// How it stands.
    pub severity: Severity,
    /// What was found, with the values compared, in Chinese and English.
    pub message: Bilingual,
    /// Where the rule comes from, with its confidence tag.
    pub source: String,
    /// The rule's value is confirmed (stated, checked or set by the site).
    pub confirmed: bool,
}

/// A declared decimal value in whole millionths of its unit, so that comparisons and products of
/// declared values are exact: 100 mA × 0.3 s is 30 mA·s, not 30.000000000000004. `None` for a
/// value that is not finite.
fn micro(x: f64) -> Option<i128> {
    x.is_finite().then(|| (x * 1e6).round() as i128)
}

struct Out<'a> {
    rules: &'a RuleSet,
    findings: Vec<Finding>,
}

impl Out<'_> {
    fn push(&mut self, object: &str, rule: &'static str, severity: Severity, message: Bilingual) {
        let (source, confirmed) = match self.rules.source(rule) {
            Some(s) => (format!("{} {}", s.citation, s.confidence.tag()), s.confidence.confirmed()),
            None => (format!("{} [S]", hazard::SOURCE), true),
        };
        self.findings.push(Finding { object: object.into(), rule, severity, message, source, confirmed });
    }

    /// `ok` decides between Ok and Violation; `None` (a value not finite) is Unknown.
    fn judge(&mut self, object: &str, rule: &'static str, ok: Option<bool>, message: Bilingual) {
        let severity = match ok {
            Some(true) => Severity::Ok,
            Some(false) => Severity::Violation,
            None => Severity::Unknown,
        };
        self.push(object, rule, severity, message);
    }
}

/// Checks every static rule on the scene, in the order: major-hazard classes, cranes, high
/// formwork, temporary electricity.
pub fn check(scene: &SiteScene, rules: &RuleSet) -> Vec<Finding> {
    let mut out = Out { rules, findings: Vec::new() };
    let classes = hazard::classify(scene);
    for c in &classes {
        // The class and its reasons, in each language.
        let r = hazard::joined(&c.reasons);
        let message = Bilingual::new(format!("{}：{}", c.class.zh(), r.zh), format!("{}: {}", c.class.en(), r.en));
        out.push(&c.object, c.rule, Severity::Info, message);
    }
    cranes(scene, &mut out);
    let class_of: BTreeMap<&str, HazardClass> = classes.iter().map(|c| (c.object.as_str(), c.class)).collect();
    formwork(scene, &class_of, &mut out);
    electricity(scene, &mut out);
    out.findings
}

fn cranes(scene: &SiteScene, out: &mut Out<'_>) {
    let r = &out.rules.crane;
    let (anemometer_m, light_m) = (r.anemometer_pivot_above_m, r.obstacle_light_above_m);
    // The highest finished structure (storeys × storey height above its ground floor).
    let tallest = scene
        .structures
        .iter()
        .filter_map(|s| Some((micro(s.base_elevation_m)? + i128::from(s.floors_total) * micro(s.floor_height_m)?, s)))
        .max_by_key(|(top, _)| *top);
    for k in &scene.cranes {
        let pivot = k.mast_height_m;
        let winds: Vec<&str> = scene
            .sensors
            .iter()
            .filter(|s| s.kind == SensorKind::WindSpeed && s.anchor.object == k.id)
            .map(|s| s.id.as_str())
            .collect();
        let required = micro(pivot).zip(micro(anemometer_m)).map(|(p, l)| p > l);
        let (ok, msg) = match required {
            Some(true) if winds.is_empty() => (
                Some(false),
                Bilingual::new(
                    format!("起重臂根部铰点高度 {pivot} m > {anemometer_m} m，塔吊上未安装风速仪"),
                    format!("jib pivot {pivot} m > {anemometer_m} m and no WindSpeed sensor on the crane"),
                ),
            ),
            Some(true) => (
                Some(true),
                Bilingual::new(
                    format!("起重臂根部铰点高度 {pivot} m > {anemometer_m} m：风速仪 {}", winds.join("、")),
                    format!("jib pivot {pivot} m > {anemometer_m} m: anemometer {}", winds.join(", ")),
                ),
            ),
            Some(false) => (
                Some(true),
                Bilingual::new(
                    format!("起重臂根部铰点高度 {pivot} m ≤ {anemometer_m} m：无需安装风速仪"),
                    format!("jib pivot {pivot} m ≤ {anemometer_m} m: not required"),
                ),
            ),
            None => (
                None,
                Bilingual::new(
                    format!("起重臂根部铰点高度 {pivot} m 不是有效数值"),
                    format!("jib pivot height {pivot} m is not a number"),
                ),
            ),
        };
        out.judge(&k.id, "crane.anemometer.required", ok, msg);

        // The crane's top, judged at the jib pivot: the tower head above it is not in the scene.
        let top = micro(k.position_m[1]).zip(micro(pivot)).map(|(b, p)| b + p);
        let shown = k.position_m[1] + pivot;
        let above_limit = top.zip(micro(light_m)).map(|(t, l)| t > l);
        let above_buildings = top.map(|t| tallest.is_none_or(|(h, _)| t > h));
        let building = match tallest {
            Some((h, s)) => Bilingual::new(
                format!("最高的建筑物 {} 建成高度 {} m", s.id, h as f64 / 1e6),
                format!("the tallest structure {} finishes at {} m", s.id, h as f64 / 1e6),
            ),
            None => Bilingual::new("场景中没有建筑物", "no structure in the scene"),
        };
        let required = above_limit.zip(above_buildings).map(|(a, b)| a && b);
        let why = Bilingual::new(
            format!("塔吊顶部高度 {shown} m（按起重臂根部铰点计），对照 {light_m} m；{}", building.zh),
            format!("crane top {shown} m (at the jib pivot) against {light_m} m; {}", building.en),
        );
        let said = |zh: &str, en: &str| Bilingual::new(format!("{zh}：{}", why.zh), format!("{en}: {}", why.en));
        let (severity, msg) = match (required, k.obstacle_light) {
            (None, _) => (Severity::Unknown, said("塔吊高度不是有效数值", "crane height is not a number")),
            (Some(false), _) => (Severity::Ok, said("无需安装障碍指示灯", "not required")),
            (Some(true), Some(true)) => (Severity::Ok, said("应安装且已安装障碍指示灯", "required and fitted")),
            (Some(true), Some(false)) => {
                (Severity::Violation, said("应安装障碍指示灯但未安装", "required but none fitted"))
            }
            (Some(true), None) => (
                Severity::Unknown,
                said(
                    "应安装障碍指示灯，场景未说明是否已安装",
                    "required, and the scene does not say whether one is fitted",
                ),
            ),
        };
        out.push(&k.id, "crane.obstacle-light.required", severity, msg);
    }
}

fn formwork(scene: &SiteScene, class_of: &BTreeMap<&str, HazardClass>, out: &mut Out<'_>) {
    let f = out.rules.formwork.clone();
    for z in &scene.formwork {
        let points: Vec<&str> = scene
            .sensors
            .iter()
            .filter(|s| s.kind == SensorKind::FormworkHorizontalDisplacement && s.anchor.object == z.id)
            .map(|s| s.id.as_str())
            .collect();
        let need = f.min_horizontal_points as usize;
        let rule = "formwork.monitoring.horizontal-points";
        if class_of.get(z.id.as_str()).is_none_or(|c| *c == HazardClass::Ordinary) {
            out.push(
                &z.id,
                rule,
                Severity::Info,
                Bilingual::new(
                    "不属于危大工程的模板支撑体系：不执行该监测要求",
                    "not a major-hazard support: the monitoring rule is not applied",
                ),
            );
            continue;
        }
        let listed = |none: &str, sep: &str| if points.is_empty() { none.to_string() } else { points.join(sep) };
        let n = points.len();
        out.judge(
            &z.id,
            rule,
            Some(n >= need),
            Bilingual::new(
                format!("水平位移监测点 {n} 个，至少需要 {need} 个：{}", listed("无", "、")),
                format!("{n} horizontal-displacement point(s), at least {need} needed: {}", listed("none", ", ")),
            ),
        );
    }
    for s in &scene.sensors {
        let default = match s.kind {
            SensorKind::FormworkSettlement => f.settlement_alarm_mm,
            SensorKind::FormworkHorizontalDisplacement => f.horizontal_alarm_mm,
            _ => continue,
        };
        let Some([lo, hi]) = s.range else { continue };
        let control = f.points.get(&s.id).copied().unwrap_or(default);
        let need = f.sensor_range_factor * control;
        let ok = micro(hi).zip(micro(lo)).zip(micro(need)).map(|((h, l), n)| h - l >= n);
        let (unit, span, factor) = (&s.unit, hi - lo, f.sensor_range_factor);
        out.judge(
            &s.id,
            "formwork.sensor.range",
            ok,
            Bilingual::new(
                format!("量程 {lo}–{hi} {unit}，跨度 {span}，应不小于 {factor} × 控制值 {control} = {need}"),
                format!("range {lo}–{hi} {unit} spans {span} against {factor} × the control value {control} = {need}"),
            ),
        );
    }
}

/// Where an object that a switch box may serve stands, site frame, metres.
fn position_of(scene: &SiteScene, id: &str) -> Option<DVec3> {
    let c = scene.cranes.iter().find(|x| x.id == id).map(|x| x.position_m);
    let h = || scene.hoists.iter().find(|x| x.id == id).map(|x| x.position_m);
    let b = || scene.distribution_boxes.iter().find(|x| x.id == id).map(|x| x.position_m);
    let f = || scene.facilities.iter().find(|x| x.id == id).map(|x| x.position_m);
    let g = || scene.gates.iter().find(|x| x.id == id).map(|x| x.position_m);
    c.or_else(h).or_else(b).or_else(f).or_else(g)
}

/// Straight-line distance `a`–`b` against `limit_m`, exact at micrometre resolution: whether it
/// is within, and the distance for the message. (Cable runs are at least this long.)
fn within(a: DVec3, b: DVec3, limit_m: f64) -> (Option<bool>, f64) {
    let (a, b) = (a.to_array(), b.to_array());
    let d2 = a.iter().zip(&b).try_fold(0i128, |s, (x, y)| Some(s + (micro(*x)? - micro(*y)?).pow(2)));
    let dist = a.iter().zip(&b).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt();
    (d2.zip(micro(limit_m)).map(|(d2, l)| d2 <= l * l), dist)
}

fn electricity(scene: &SiteScene, out: &mut Out<'_>) {
    let p = out.rules.power.clone();
    for b in &scene.distribution_boxes {
        let (ma, s) = (b.rcd_rated_ma, b.rcd_trip_time_s);
        match b.level {
            BoxLevel::Switch => {
                let (limit, place_zh, place) = if b.damp {
                    (p.switch_rcd_damp_max_ma, "潮湿场所", "in a damp place")
                } else {
                    (p.switch_rcd_max_ma, "干燥场所", "in a dry place")
                };
                let ok = micro(ma).zip(micro(limit)).map(|(a, l)| a <= l);
                out.judge(
                    &b.id,
                    "power.switch-rcd.current",
                    ok,
                    Bilingual::new(
                        format!("开关箱漏电保护器额定漏电动作电流 {ma} mA（{place_zh}），不应大于 {limit} mA"),
                        format!("switch-box RCD rated {ma} mA {place}, limit {limit} mA"),
                    ),
                );
                let limit = p.switch_rcd_max_s;
                let ok = micro(s).zip(micro(limit)).map(|(t, l)| t <= l);
                out.judge(
                    &b.id,
                    "power.switch-rcd.time",
                    ok,
                    Bilingual::new(
                        format!("开关箱漏电保护器额定漏电动作时间 {s} s，不应大于 {limit} s"),
                        format!("switch-box RCD break time {s} s, limit {limit} s"),
                    ),
                );
                switch_distance(scene, b, p.switch_to_equipment_max_m, out);
            }
            BoxLevel::Main => {
                let above = p.main_rcd_above_ma;
                let ok = micro(ma).zip(micro(above)).map(|(a, l)| a > l);
                out.judge(
                    &b.id,
                    "power.main-rcd.current",
                    ok,
                    Bilingual::new(
                        format!("总配电箱漏电保护器额定漏电动作电流 {ma} mA，应大于 {above} mA"),
                        format!("main-box RCD rated {ma} mA, must be above {above} mA"),
                    ),
                );
                let above = p.main_rcd_above_s;
                let ok = micro(s).zip(micro(above)).map(|(t, l)| t > l);
                out.judge(
                    &b.id,
                    "power.main-rcd.time",
                    ok,
                    Bilingual::new(
                        format!("总配电箱漏电保护器额定漏电动作时间 {s} s，应大于 {above} s"),
                        format!("main-box RCD break time {s} s, must be above {above} s"),
                    ),
                );
                // IΔn·t in 10⁻¹² mA·s against the limit in the same unit.
                let ok = micro(ma)
                    .zip(micro(s))
                    .zip(micro(p.main_rcd_max_ma_s))
                    .map(|((a, t), l)| a.saturating_mul(t) <= l.saturating_mul(1_000_000));
                let (product, limit) = ((ma * s * 1e6).round() / 1e6, p.main_rcd_max_ma_s);
                out.judge(
                    &b.id,
                    "power.main-rcd.product",
                    ok,
                    Bilingual::new(
                        format!(
                            "额定漏电动作电流与动作时间的乘积 IΔn × t = {ma} mA × {s} s = {product} mA·s，\
                             不应大于 {limit} mA·s"
                        ),
                        format!("IΔn × t = {ma} mA × {s} s = {product} mA·s, limit {limit} mA·s"),
                    ),
                );
            }
            BoxLevel::Sub => {
                // No rating rule for sub boxes in the reference; their distance to each switch box.
                for k in scene.distribution_boxes.iter().filter(|k| k.feeds_from.as_deref() == Some(b.id.as_str())) {
                    if k.level != BoxLevel::Switch {
                        continue;
                    }
                    let (ok, d) = within(b.position_m, k.position_m, p.sub_to_switch_max_m);
                    let (id, limit) = (&k.id, p.sub_to_switch_max_m);
                    out.judge(
                        &b.id,
                        "power.sub-box.distance",
                        ok,
                        Bilingual::new(
                            format!("与所供开关箱 {id} 相距 {d:.2} m，不得超过 {limit} m"),
                            format!("{d:.2} m to its switch box {id}, limit {limit} m"),
                        ),
                    );
                }
            }
        }
    }
}

fn switch_distance(scene: &SiteScene, b: &DistributionBox, limit_m: f64, out: &mut Out<'_>) {
    let rule = "power.switch-box.distance";
    let Some(served) = b.serves.as_deref() else {
        let message =
            Bilingual::new("场景未说明该开关箱控制哪台用电设备", "the scene does not say which equipment it serves");
        out.push(&b.id, rule, Severity::Unknown, message);
        return;
    };
    match position_of(scene, served) {
        Some(at) => {
            let (ok, d) = within(b.position_m, at, limit_m);
            let message = Bilingual::new(
                format!("与其控制的用电设备 {served} 相距 {d:.2} m，不宜超过 {limit_m} m"),
                format!("{d:.2} m to {served}, which it serves; limit {limit_m} m"),
            );
            out.judge(&b.id, rule, ok, message);
        }
        None => out.push(
            &b.id,
            rule,
            Severity::Unknown,
            Bilingual::new(
                format!("{served} 在场景中没有可供量测距离的单一位置"),
                format!("{served} has no single position in the scene to measure from"),
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::demo_scene;

    fn find<'a>(f: &'a [Finding], object: &str, rule: &str) -> &'a Finding {
        f.iter().find(|x| x.object == object && x.rule == rule).unwrap_or_else(|| panic!("no {rule} on {object}"))
    }

    fn severity(s: &SiteScene, object: &str, rule: &str) -> Severity {
        find(&check(s, &RuleSet::default()), object, rule).severity
    }

    fn box_mut<'a>(s: &'a mut SiteScene, id: &str) -> &'a mut DistributionBox {
        s.distribution_boxes.iter_mut().find(|b| b.id == id).unwrap()
    }

    #[test]
    fn the_demo_site_as_declared() {
        let s = demo_scene();
        let f = check(&s, &RuleSet::default());
        // Both cranes' pivots are below 50 m; TC1 (45 m) is above 30 m and above the 33 m
        // building, so it needs its obstacle light, which it has; TC2 (32 m) is below the building.
        assert_eq!(find(&f, "TC1", "crane.anemometer.required").severity, Severity::Ok);
        let light = find(&f, "TC1", "crane.obstacle-light.required");
        assert!(light.severity == Severity::Ok && light.message.en.starts_with("required and fitted"), "{light:?}");
        assert_eq!(
            light.message.zh,
            "应安装且已安装障碍指示灯：塔吊顶部高度 45 m（按起重臂根部铰点计），对照 30 m；\
             最高的建筑物 S1 建成高度 33 m"
        );
        let tc2 = &find(&f, "TC2", "crane.obstacle-light.required").message;
        assert!(tc2.en.starts_with("not required") && tc2.zh.starts_with("无需安装障碍指示灯："), "{tc2:?}");
        // The high-formwork zone has the three horizontal-displacement points it needs.
        let hf = find(&f, "HF1", "formwork.monitoring.horizontal-points");
        assert_eq!(hf.severity, Severity::Ok);
        assert!(["GZ-S1", "GZ-S2", "GZ-S3"].iter().all(|p| hf.message.en.contains(p)), "{}", hf.message.en);
        assert!(hf.message.zh.starts_with("水平位移监测点 3 个，至少需要 3 个："), "{}", hf.message.zh);
        let product = &find(&f, "DB0", "power.main-rcd.product").message;
        assert_eq!(product.en, "IΔn × t = 100 mA × 0.2 s = 20 mA·s, limit 30 mA·s");
        assert_eq!(product.zh, "额定漏电动作电流与动作时间的乘积 IΔn × t = 100 mA × 0.2 s = 20 mA·s，不应大于 30 mA·s");
        // The power system as declared complies: main 100 mA × 0.2 s = 20 mA·s.
        for (object, rule) in [
            ("DB0", "power.main-rcd.current"),
            ("DB0", "power.main-rcd.time"),
            ("DB0", "power.main-rcd.product"),
            ("KB1", "power.switch-rcd.current"),
            ("KB2", "power.switch-rcd.time"),
            ("KB3", "power.switch-box.distance"),
            ("DB2", "power.sub-box.distance"),
        ] {
            assert_eq!(find(&f, object, rule).severity, Severity::Ok, "{object} {rule}: {:?}", find(&f, object, rule));
        }
        assert_eq!(f.iter().filter(|x| x.rule == "power.sub-box.distance").count(), 3);
        // The works' classes come along as information, with the Notice 31 source.
        let pit = find(&f, "PIT1", "hazard.pit.depth-5m");
        assert!(pit.severity == Severity::Info && pit.source.contains("31号") && pit.confirmed);
        assert!(pit.message.zh.starts_with("超过一定规模的危大工程：开挖深度 "), "{:?}", pit.message);
        assert!(pit.message.en.starts_with("over-scale (expert review): excavation depth "), "{:?}", pit.message);
        // Nothing the demo declares breaks a static rule.
        assert_eq!(f.iter().filter(|x| x.severity == Severity::Violation).count(), 0, "{f:?}");
    }

    #[test]
    fn switch_box_rcd_boundaries() {
        let mut s = demo_scene();
        for (ma, damp, want) in [
            (30.0, false, Severity::Ok),
            (30.1, false, Severity::Violation),
            (15.0, true, Severity::Ok),
            (15.1, true, Severity::Violation),
            (30.0, true, Severity::Violation),
        ] {
            let b = box_mut(&mut s, "KB1");
            (b.rcd_rated_ma, b.damp) = (ma, damp);
            assert_eq!(severity(&s, "KB1", "power.switch-rcd.current"), want, "{ma} mA damp {damp}");
        }
        for (t, want) in [(0.1, Severity::Ok), (0.11, Severity::Violation)] {
            box_mut(&mut s, "KB1").rcd_trip_time_s = t;
            assert_eq!(severity(&s, "KB1", "power.switch-rcd.time"), want, "{t} s");
        }
        // The values compared, in each language, at the boundaries just crossed.
        let message = |s: &SiteScene, rule: &str| find(&check(s, &RuleSet::default()), "KB1", rule).message.clone();
        let b = box_mut(&mut s, "KB1");
        (b.rcd_rated_ma, b.damp) = (30.1, false);
        let m = message(&s, "power.switch-rcd.current");
        assert_eq!(m.en, "switch-box RCD rated 30.1 mA in a dry place, limit 30 mA");
        assert_eq!(m.zh, "开关箱漏电保护器额定漏电动作电流 30.1 mA（干燥场所），不应大于 30 mA");
        let b = box_mut(&mut s, "KB1");
        (b.rcd_rated_ma, b.damp) = (15.1, true);
        let m = message(&s, "power.switch-rcd.current");
        assert_eq!(m.zh, "开关箱漏电保护器额定漏电动作电流 15.1 mA（潮湿场所），不应大于 15 mA");
        let m = message(&s, "power.switch-rcd.time");
        assert_eq!(m.en, "switch-box RCD break time 0.11 s, limit 0.1 s");
        assert_eq!(m.zh, "开关箱漏电保护器额定漏电动作时间 0.11 s，不应大于 0.1 s");
        box_mut(&mut s, "KB1").rcd_rated_ma = f64::NAN;
        assert_eq!(severity(&s, "KB1", "power.switch-rcd.current"), Severity::Unknown);
    }

    #[test]
    fn main_box_rcd_boundaries() {
        let mut s = demo_scene();
        let set = |s: &mut SiteScene, ma: f64, t: f64| {
            let b = box_mut(s, "DB0");
            (b.rcd_rated_ma, b.rcd_trip_time_s) = (ma, t);
        };
        // Above 30 mA and above 0.1 s, strictly.
        set(&mut s, 30.0, 0.2);
        assert_eq!(severity(&s, "DB0", "power.main-rcd.current"), Severity::Violation);
        let m = find(&check(&s, &RuleSet::default()), "DB0", "power.main-rcd.current").message.clone();
        assert_eq!(m.en, "main-box RCD rated 30 mA, must be above 30 mA");
        assert_eq!(m.zh, "总配电箱漏电保护器额定漏电动作电流 30 mA，应大于 30 mA");
        set(&mut s, 30.1, 0.2);
        assert_eq!(severity(&s, "DB0", "power.main-rcd.current"), Severity::Ok);
        set(&mut s, 100.0, 0.1);
        assert_eq!(severity(&s, "DB0", "power.main-rcd.time"), Severity::Violation);
        let m = find(&check(&s, &RuleSet::default()), "DB0", "power.main-rcd.time").message.clone();
        assert_eq!(m.en, "main-box RCD break time 0.1 s, must be above 0.1 s");
        assert_eq!(m.zh, "总配电箱漏电保护器额定漏电动作时间 0.1 s，应大于 0.1 s");
        set(&mut s, 100.0, 0.11);
        assert_eq!(severity(&s, "DB0", "power.main-rcd.time"), Severity::Ok);
        // IΔn × t exactly 30 mA·s complies; a thousandth of a second more does not.
        for (ma, t) in [(100.0, 0.3), (150.0, 0.2), (200.0, 0.15)] {
            set(&mut s, ma, t);
            assert_eq!(severity(&s, "DB0", "power.main-rcd.product"), Severity::Ok, "{ma} × {t}");
        }
        set(&mut s, 100.0, 0.301);
        let f = check(&s, &RuleSet::default());
        let product = find(&f, "DB0", "power.main-rcd.product");
        assert_eq!(product.severity, Severity::Violation);
        assert_eq!(product.message.en, "IΔn × t = 100 mA × 0.301 s = 30.1 mA·s, limit 30 mA·s");
        assert_eq!(
            product.message.zh,
            "额定漏电动作电流与动作时间的乘积 IΔn × t = 100 mA × 0.301 s = 30.1 mA·s，不应大于 30 mA·s"
        );
        set(&mut s, 300.1, 0.1);
        let f = check(&s, &RuleSet::default());
        assert_eq!(find(&f, "DB0", "power.main-rcd.product").severity, Severity::Violation);
        assert_eq!(find(&f, "DB0", "power.main-rcd.time").severity, Severity::Violation);
    }

    #[test]
    fn box_distances_at_their_limits() {
        let mut s = demo_scene();
        // TC1 stands at (12, 0, −10): its switch box 3.0 m away complies, 3.1 m does not.
        for (z, want) in [(-7.0, Severity::Ok), (-6.9, Severity::Violation)] {
            box_mut(&mut s, "KB1").position_m = DVec3::new(12.0, 0.0, z);
            assert_eq!(severity(&s, "KB1", "power.switch-box.distance"), want, "z {z}");
        }
        let m = find(&check(&s, &RuleSet::default()), "KB1", "power.switch-box.distance").message.clone();
        assert_eq!(m.en, "3.10 m to TC1, which it serves; limit 3 m");
        assert_eq!(m.zh, "与其控制的用电设备 TC1 相距 3.10 m，不宜超过 3 m");
        // Exactly 3 m along a diagonal, (1.8, 0, 2.4) from the hoist at (20, 0, −12.5), which f64
        // subtraction and sqrt make 3.0000000000000004 m.
        assert!(((21.8_f64 - 20.0).powi(2) + (-10.1_f64 + 12.5).powi(2)).sqrt() > 3.0);
        box_mut(&mut s, "KB2").position_m = DVec3::new(21.8, 0.0, -10.1);
        assert_eq!(severity(&s, "KB2", "power.switch-box.distance"), Severity::Ok);
        // Sub box DB1 at (26, 0, −6) and KB1: 30 m complies, 30.1 m does not.
        for (x, want) in [(-4.0, Severity::Ok), (-4.1, Severity::Violation)] {
            box_mut(&mut s, "KB1").position_m = DVec3::new(x, 0.0, -6.0);
            let f = check(&s, &RuleSet::default());
            let d = f
                .iter()
                .find(|x| x.object == "DB1" && x.rule == "power.sub-box.distance" && x.message.en.contains("KB1"));
            assert_eq!(d.unwrap().severity, want, "x {x}");
            if want == Severity::Violation {
                assert_eq!(d.unwrap().message.en, "30.10 m to its switch box KB1, limit 30 m");
                assert_eq!(d.unwrap().message.zh, "与所供开关箱 KB1 相距 30.10 m，不得超过 30 m");
            }
        }
        box_mut(&mut s, "KB1").serves = None;
        assert_eq!(severity(&s, "KB1", "power.switch-box.distance"), Severity::Unknown);
        let m = find(&check(&s, &RuleSet::default()), "KB1", "power.switch-box.distance").message.clone();
        assert_eq!(m.zh, "场景未说明该开关箱控制哪台用电设备");
        box_mut(&mut s, "KB1").serves = Some("PIT1".into());
        assert_eq!(severity(&s, "KB1", "power.switch-box.distance"), Severity::Unknown);
        let m = find(&check(&s, &RuleSet::default()), "KB1", "power.switch-box.distance").message.clone();
        assert_eq!(m.zh, "PIT1 在场景中没有可供量测距离的单一位置");
    }

    #[test]
    fn anemometer_boundary_at_50_m() {
        let mut s = demo_scene();
        let message = |s: &SiteScene, object: &str| {
            find(&check(s, &RuleSet::default()), object, "crane.anemometer.required").message.clone()
        };
        s.cranes[1].mast_height_m = 50.0;
        assert_eq!(severity(&s, "TC2", "crane.anemometer.required"), Severity::Ok);
        assert_eq!(message(&s, "TC2").en, "jib pivot 50 m ≤ 50 m: not required");
        assert_eq!(message(&s, "TC2").zh, "起重臂根部铰点高度 50 m ≤ 50 m：无需安装风速仪");
        s.cranes[1].mast_height_m = 50.1;
        assert_eq!(severity(&s, "TC2", "crane.anemometer.required"), Severity::Violation);
        assert_eq!(message(&s, "TC2").en, "jib pivot 50.1 m > 50 m and no WindSpeed sensor on the crane");
        assert_eq!(message(&s, "TC2").zh, "起重臂根部铰点高度 50.1 m > 50 m，塔吊上未安装风速仪");
        // TC1 has its anemometer TC1-WIND: at 50.1 m it complies.
        s.cranes[0].mast_height_m = 50.1;
        let f = check(&s, &RuleSet::default());
        let a = find(&f, "TC1", "crane.anemometer.required");
        assert!(a.severity == Severity::Ok && a.message.en.contains("TC1-WIND"), "{a:?}");
        assert_eq!(a.message.zh, "起重臂根部铰点高度 50.1 m > 50 m：风速仪 TC1-WIND");
        // A site may set the height.
        let r = RuleSet::parse("Rules(crane: (anemometer_pivot_above_m: 40.0))").unwrap();
        s.cranes[1].mast_height_m = 45.0;
        assert_eq!(find(&check(&s, &r), "TC2", "crane.anemometer.required").severity, Severity::Violation);
    }

    #[test]
    fn obstacle_light_boundary_at_30_m_and_the_buildings() {
        let mut s = demo_scene();
        s.structures.clear();
        s.cranes[1].obstacle_light = Some(false);
        for (pivot, want) in [(30.0, Severity::Ok), (30.1, Severity::Violation)] {
            s.cranes[1].mast_height_m = pivot;
            assert_eq!(severity(&s, "TC2", "crane.obstacle-light.required"), want, "{pivot} m");
        }
        let message = |s: &SiteScene| {
            find(&check(s, &RuleSet::default()), "TC2", "crane.obstacle-light.required").message.clone()
        };
        let m = message(&s);
        assert_eq!(
            m.en,
            "required but none fitted: crane top 30.1 m (at the jib pivot) against 30 m; no structure in the scene"
        );
        assert_eq!(
            m.zh,
            "应安装障碍指示灯但未安装：塔吊顶部高度 30.1 m（按起重臂根部铰点计），对照 30 m；场景中没有建筑物"
        );
        // Standing on a 0.1 m plinth with a 29.9 m mast is 30.0 m: not above it.
        (s.cranes[1].position_m[1], s.cranes[1].mast_height_m) = (0.1, 29.9);
        assert_eq!(severity(&s, "TC2", "crane.obstacle-light.required"), Severity::Ok);
        // Not higher than the surrounding building: not required; higher: required.
        s = demo_scene();
        s.cranes[1].obstacle_light = Some(false);
        s.cranes[1].mast_height_m = 33.0; // S1 finishes at 11 × 3 m = 33 m
        assert_eq!(severity(&s, "TC2", "crane.obstacle-light.required"), Severity::Ok);
        s.cranes[1].mast_height_m = 33.1;
        assert_eq!(severity(&s, "TC2", "crane.obstacle-light.required"), Severity::Violation);
        assert!(message(&s).zh.ends_with("；最高的建筑物 S1 建成高度 33 m"), "{:?}", message(&s));
        s.cranes[1].obstacle_light = None;
        assert_eq!(severity(&s, "TC2", "crane.obstacle-light.required"), Severity::Unknown);
        assert!(message(&s).zh.starts_with("应安装障碍指示灯，场景未说明是否已安装："), "{:?}", message(&s));
        s.cranes[1].obstacle_light = Some(true);
        assert_eq!(severity(&s, "TC2", "crane.obstacle-light.required"), Severity::Ok);
    }

    #[test]
    fn formwork_points_and_sensor_ranges() {
        // The demo's zone has three points; with one or two it falls short of the three needed.
        let mut s = demo_scene();
        assert_eq!(severity(&s, "HF1", "formwork.monitoring.horizontal-points"), Severity::Ok);
        s.sensors.retain(|x| x.id != "GZ-S3");
        assert_eq!(severity(&s, "HF1", "formwork.monitoring.horizontal-points"), Severity::Violation);
        let m = find(&check(&s, &RuleSet::default()), "HF1", "formwork.monitoring.horizontal-points").message.clone();
        assert_eq!(m.en, "2 horizontal-displacement point(s), at least 3 needed: GZ-S1, GZ-S2");
        assert_eq!(m.zh, "水平位移监测点 2 个，至少需要 3 个：GZ-S1、GZ-S2");
        s.sensors.retain(|x| x.id != "GZ-S2");
        assert_eq!(severity(&s, "HF1", "formwork.monitoring.horizontal-points"), Severity::Violation);
        // An ordinary support (below every Notice 31 threshold) is not held to it.
        let mut low = demo_scene();
        let z = &mut low.formwork[0];
        (z.support_height_m, z.max_span_m, z.area_load_kn_m2, z.line_load_kn_m) = (4.0, 8.0, 8.0, 12.0);
        assert_eq!(severity(&low, "HF1", "formwork.monitoring.horizontal-points"), Severity::Info);
        let m = find(&check(&low, &RuleSet::default()), "HF1", "formwork.monitoring.horizontal-points").message.clone();
        assert_eq!(m.zh, "不属于危大工程的模板支撑体系：不执行该监测要求");
        // Range: only judged where the scene gives one; 30 mm spans 3 × the 10 mm default.
        assert!(!check(&s, &RuleSet::default()).iter().any(|x| x.rule == "formwork.sensor.range"));
        let set = |s: &mut SiteScene, range: [f64; 2]| {
            s.sensors.iter_mut().find(|x| x.id == "GZ-C1").unwrap().range = Some(range);
        };
        set(&mut s, [0.0, 30.0]);
        assert_eq!(severity(&s, "GZ-C1", "formwork.sensor.range"), Severity::Ok);
        set(&mut s, [0.0, 29.9]);
        assert_eq!(severity(&s, "GZ-C1", "formwork.sensor.range"), Severity::Violation);
        let m = find(&check(&s, &RuleSet::default()), "GZ-C1", "formwork.sensor.range").message.clone();
        assert_eq!(m.en, "range 0–29.9 mm spans 29.9 against 3 × the control value 10 = 30");
        assert_eq!(m.zh, "量程 0–29.9 mm，跨度 29.9，应不小于 3 × 控制值 10 = 30");
        set(&mut s, [-15.0, 15.0]);
        assert_eq!(severity(&s, "GZ-C1", "formwork.sensor.range"), Severity::Ok);
        // The scheme's value for this point (8 mm) sets the need: 24 mm; 3 × 0.1 mm is 0.3 mm.
        let r = RuleSet::parse("Rules(formwork: (points: {\"GZ-C1\": 8.0}))").unwrap();
        set(&mut s, [0.0, 24.0]);
        assert_eq!(find(&check(&s, &r), "GZ-C1", "formwork.sensor.range").severity, Severity::Ok);
        let r = RuleSet::parse("Rules(formwork: (points: {\"GZ-C1\": 0.1}))").unwrap();
        assert!(
            r.formwork.sensor_range_factor * r.formwork.points["GZ-C1"] > 0.3,
            "the f64 product this guards against"
        );
        set(&mut s, [0.0, 0.3]);
        assert_eq!(find(&check(&s, &r), "GZ-C1", "formwork.sensor.range").severity, Severity::Ok);
    }

    #[test]
    fn every_rule_a_finding_names_has_a_source() {
        let f = check(&demo_scene(), &RuleSet::default());
        for x in &f {
            assert!(
                RuleSet::default().source(x.rule).is_some() || hazard::RULES.iter().any(|r| r.id == x.rule),
                "{}",
                x.rule
            );
            assert!(!x.source.is_empty());
        }
    }
}
