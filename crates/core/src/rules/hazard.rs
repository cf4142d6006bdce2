//! Major-hazard works (危大工程) per MOHURD Order 37 (2018) and Notice 建办质〔2018〕31号: from an
//! object's parameters, is the work ordinary, a major hazard (special scheme required) or over the
//! scale (expert review of the scheme required)? The result names the rule that fired. [`classify`]
//! judges every work of a scene. Categories whose rule reads a few parameters (machine erection,
//! tool-type formwork, platforms, full-hall load-bearing supports, non-standard lifting) have it
//! as a pure function, which `classify` calls with the object's fields; [`classification`] ties a
//! verdict to its object. Reasons are [`Bilingual`]: Chinese in the terms of Order 37 and Notice 31,
//! and English.

use serde::{Deserialize, Serialize};

use crate::i18n::{self, Bilingual, Lang};
use crate::scene::{PlatformKind, ScaffoldKind, SiteScene, ToolFormworkKind};

/// The three classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum HazardClass {
    /// Below the thresholds.
    Ordinary,
    /// 危大工程: a special construction scheme is required.
    MajorHazard,
    /// 超过一定规模的危大工程: the scheme must pass an expert review.
    OverScale,
}

impl HazardClass {
    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            HazardClass::Ordinary => "一般",
            HazardClass::MajorHazard => "危大工程",
            HazardClass::OverScale => "超过一定规模的危大工程",
        }
    }

    /// English name.
    pub fn en(self) -> &'static str {
        match self {
            HazardClass::Ordinary => "ordinary",
            HazardClass::MajorHazard => "major hazard (special scheme)",
            HazardClass::OverScale => "over-scale (expert review)",
        }
    }
}

/// Category of work in the Notice 31 table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WorkCategory {
    /// 基坑工程.
    FoundationPit,
    /// 模板工程及支撑体系.
    FormworkSupport,
    /// 起重吊装及起重机械安装拆卸工程.
    Lifting,
    /// 脚手架工程.
    Scaffolding,
}

/// The verdict on one object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// Object id.
    pub object: String,
    /// Object name.
    pub name: String,
    /// Category of work.
    pub category: WorkCategory,
    /// Class.
    pub class: HazardClass,
    /// The rule that fired (the highest-class criterion met), e.g. `hazard.formwork.height-8m`.
    pub rule: &'static str,
    /// Every criterion met at that class, in words (Chinese and English).
    pub reasons: Vec<Bilingual>,
}

/// Source of every threshold here (tag [S] in the standards doc).
pub const SOURCE: &str = "MOHURD Order 37 (2018) and 建办质〔2018〕31号 annexes 1 and 2, via the Shenzhen housing bureau's list (general) and copies of No. 31 (over-scale)";

/// Gravity for converting rated loads in tonnes to kN (standard gravity; Notice 31 gives
/// capacities in kN).
pub const G_KN_PER_T: f64 = 9.806_65;

/// One classification rule: its id, the class it gives, and the criterion in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HazardRule {
    /// Rule id, e.g. `hazard.pit.depth-5m`.
    pub id: &'static str,
    /// The class it gives when met.
    pub class: HazardClass,
    /// The criterion, as Notice 31 words it.
    pub criterion: &'static str,
}

const fn rule(id: &'static str, class: HazardClass, criterion: &'static str) -> HazardRule {
    HazardRule { id, class, criterion }
}

/// Every classification rule (all from [`SOURCE`], [S]), for `sitetwin rules show`.
pub const RULES: &[HazardRule] = {
    use HazardClass::{MajorHazard as M, OverScale as O};
    &[
        rule("hazard.pit.depth-5m", O, "foundation pit: excavation depth ≥ 5 m"),
        rule("hazard.pit.depth-3m", M, "foundation pit: excavation depth ≥ 3 m"),
        rule("hazard.pit.complex", M, "foundation pit < 3 m with complex geology, surroundings or services"),
        rule("hazard.formwork.height-8m", O, "formwork support: height ≥ 8 m"),
        rule("hazard.formwork.span-18m", O, "formwork support: span ≥ 18 m"),
        rule("hazard.formwork.area-load-15", O, "formwork support: total load ≥ 15 kN/m²"),
        rule("hazard.formwork.line-load-20", O, "formwork support: line load ≥ 20 kN/m"),
        rule("hazard.formwork.height-5m", M, "formwork support: height ≥ 5 m"),
        rule("hazard.formwork.span-10m", M, "formwork support: span ≥ 10 m"),
        rule("hazard.formwork.area-load-10", M, "formwork support: total load ≥ 10 kN/m²"),
        rule("hazard.formwork.line-load-15", M, "formwork support: line load ≥ 15 kN/m"),
        rule("hazard.formwork.tool-type", O, "tool-type formwork: sliding, climbing, flying or tunnel forms"),
        rule("hazard.support.point-load-7kn", O, "full-hall load-bearing support: single point load ≥ 7 kN"),
        rule("hazard.support.full-hall", M, "full-hall load-bearing support (e.g. for steel erection)"),
        rule("hazard.scaffold.ground-50m", O, "ground-based scaffold ≥ 50 m"),
        rule("hazard.scaffold.ground-24m", M, "ground-based scaffold ≥ 24 m"),
        rule("hazard.scaffold.attached-150m", O, "attached lifting scaffold with lift height ≥ 150 m"),
        rule("hazard.scaffold.attached", M, "attached lifting scaffold"),
        rule("hazard.scaffold.cantilever-20m", O, "cantilevered scaffold section ≥ 20 m"),
        rule("hazard.scaffold.cantilevered", M, "cantilevered scaffold"),
        rule("hazard.scaffold.gondola", M, "suspended gondola"),
        rule("hazard.scaffold.platform", M, "discharge or operating platform"),
        rule("hazard.lifting.capacity-300kn", O, "crane or hoist erection/dismantling: capacity ≥ 300 kN"),
        rule("hazard.lifting.height-200m", O, "crane or hoist erection/dismantling: total height ≥ 200 m"),
        rule("hazard.lifting.base-200m", O, "crane or hoist erection/dismantling: base elevation ≥ 200 m"),
        rule("hazard.lifting.crane-erection", M, "erecting and dismantling a tower crane"),
        rule("hazard.lifting.hoist-erection", M, "erecting and dismantling a construction hoist"),
        rule("hazard.lifting.nonstandard-100kn", O, "non-standard lifting equipment or method, single lift ≥ 100 kN"),
        rule("hazard.lifting.nonstandard-10kn", M, "non-standard lifting equipment or method, single lift ≥ 10 kN"),
    ]
};

/// The verdict of one classification rule set on one work, before it is tied to an object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Class.
    pub class: HazardClass,
    /// The rule that fired (the highest-class criterion met), or the category's `….none`.
    pub rule: &'static str,
    /// Every criterion met at that class, in words (Chinese and English).
    pub reasons: Vec<Bilingual>,
}

struct Criterion {
    class: HazardClass,
    rule: &'static str,
    met: bool,
    text: Bilingual,
}

fn c(class: HazardClass, rule: &'static str, met: bool, text: Bilingual) -> Criterion {
    Criterion { class, rule, met, text }
}

/// Reasons as one text in each language: `；` between the Chinese ones, `; ` between the English.
pub fn joined(reasons: &[Bilingual]) -> Bilingual {
    Bilingual::new(
        reasons.iter().map(|r| r.zh.as_str()).collect::<Vec<_>>().join("；"),
        reasons.iter().map(|r| r.en.as_str()).collect::<Vec<_>>().join("; "),
    )
}

fn decide(criteria: Vec<Criterion>, none: &'static str) -> Verdict {
    let class = criteria.iter().filter(|c| c.met).map(|c| c.class).max().unwrap_or(HazardClass::Ordinary);
    let fired: Vec<&Criterion> = criteria.iter().filter(|c| c.met && c.class == class).collect();
    Verdict {
        class,
        rule: fired.first().map(|c| c.rule).unwrap_or(none),
        reasons: if fired.is_empty() {
            vec![Bilingual::new("未达到任何危大标准", "below every threshold")]
        } else {
            fired.iter().map(|c| c.text.clone()).collect()
        },
    }
}

/// Ties a verdict to the object it is about.
pub fn classification(object: &str, name: &str, category: WorkCategory, v: Verdict) -> Classification {
    Classification {
        object: object.into(),
        name: name.into(),
        category,
        class: v.class,
        rule: v.rule,
        reasons: v.reasons,
    }
}

/// Which lifting machine is erected or dismantled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Machine {
    /// Tower crane.
    TowerCrane,
    /// Construction hoist.
    Hoist,
}

/// Erection and dismantling of a lifting machine (起重机械安装拆卸工程), Notice 31.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MachineErection {
    /// Which machine.
    pub machine: Machine,
    /// Rated capacity (起重量), kN.
    pub capacity_kn: f64,
    /// Total (installed) height of the machine above its base, metres.
    pub total_height_m: f64,
    /// Elevation of its base above the site ground (y = 0), metres.
    pub base_elevation_m: f64,
}

/// Erection/dismantling is always a major hazard; over the scale at capacity ≥ 300 kN, total
/// height ≥ 200 m or base elevation ≥ 200 m (each on its own).
pub fn machine_erection(p: &MachineErection) -> Verdict {
    use HazardClass::{MajorHazard as M, OverScale as O};
    let (kn, h, b) = (p.capacity_kn, p.total_height_m, p.base_elevation_m);
    let (zh, what, always) = match p.machine {
        Machine::TowerCrane => ("塔式起重机", "tower crane", "hazard.lifting.crane-erection"),
        Machine::Hoist => ("施工升降机", "construction hoist", "hazard.lifting.hoist-erection"),
    };
    decide(
        vec![
            c(
                O,
                "hazard.lifting.capacity-300kn",
                kn >= 300.0,
                Bilingual::new(
                    format!("{zh}起重量 {kn:.1} kN ≥ 300 kN"),
                    format!("{what} capacity {kn:.1} kN ≥ 300 kN"),
                ),
            ),
            c(
                O,
                "hazard.lifting.height-200m",
                h >= 200.0,
                Bilingual::new(format!("{zh}搭设总高度 {h} m ≥ 200 m"), format!("{what} total height {h} m ≥ 200 m")),
            ),
            c(
                O,
                "hazard.lifting.base-200m",
                b >= 200.0,
                Bilingual::new(format!("{zh}基础标高 {b} m ≥ 200 m"), format!("{what} base elevation {b} m ≥ 200 m")),
            ),
            c(M, always, true, Bilingual::new(format!("{zh}安装拆卸"), format!("erecting and dismantling a {what}"))),
        ],
        "hazard.lifting.none",
    )
}

/// Tool-type formwork is on both Notice 31 lists, so it is always over the scale.
pub fn tool_formwork(kind: ToolFormworkKind) -> Verdict {
    // The kind's name as the scene's vocabulary has it (滑模, 爬模 …).
    let key = format!("toolform.{kind:?}");
    let zh = i18n::tr(Lang::Zh, &key);
    decide(
        vec![c(
            HazardClass::OverScale,
            "hazard.formwork.tool-type",
            true,
            Bilingual::new(
                format!("工具式模板工程（{zh}）：不论规模均属超过一定规模的危大工程"),
                format!("tool-type formwork ({kind:?}): on the over-scale list whatever its size"),
            ),
        )],
        "hazard.formwork.none",
    )
}

/// Platforms are major hazards (scaffolding works in Notice 31); no over-scale criterion.
pub fn platform(kind: PlatformKind) -> Verdict {
    let key = format!("platform.{kind:?}");
    let zh = i18n::tr(Lang::Zh, &key);
    decide(
        vec![c(
            HazardClass::MajorHazard,
            "hazard.scaffold.platform",
            true,
            Bilingual::new(zh, format!("{kind:?} platform")),
        )],
        "hazard.scaffold.none",
    )
}

/// A full-hall load-bearing support system (承重支撑体系, e.g. for steel erection).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoadBearingSupport {
    /// The largest single concentrated load it carries, kN.
    pub max_point_load_kn: f64,
}

/// Every full-hall load-bearing support is a major hazard; over the scale at a single point load
/// ≥ 7 kN.
pub fn load_bearing_support(p: &LoadBearingSupport) -> Verdict {
    use HazardClass::{MajorHazard as M, OverScale as O};
    let kn = p.max_point_load_kn;
    decide(
        vec![
            c(
                O,
                "hazard.support.point-load-7kn",
                kn >= 7.0,
                Bilingual::new(format!("单点集中荷载 {kn} kN ≥ 7 kN"), format!("single point load {kn} kN ≥ 7 kN")),
            ),
            c(
                M,
                "hazard.support.full-hall",
                true,
                Bilingual::new("满堂承重支撑体系", "full-hall load-bearing support"),
            ),
        ],
        "hazard.support.none",
    )
}

/// A lift by non-standard equipment or method (非常规起重设备、方法).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NonStandardLift {
    /// Weight of the heaviest single piece lifted, kN.
    pub single_lift_kn: f64,
}

/// Non-standard lifting: a major hazard from a single lift of 10 kN, over the scale from 100 kN.
pub fn nonstandard_lift(p: &NonStandardLift) -> Verdict {
    use HazardClass::{MajorHazard as M, OverScale as O};
    let kn = p.single_lift_kn;
    decide(
        vec![
            c(
                O,
                "hazard.lifting.nonstandard-100kn",
                kn >= 100.0,
                Bilingual::new(
                    format!("非常规起重设备、方法，单件起吊重量 {kn} kN ≥ 100 kN"),
                    format!("non-standard lift of {kn} kN ≥ 100 kN"),
                ),
            ),
            c(
                M,
                "hazard.lifting.nonstandard-10kn",
                kn >= 10.0,
                Bilingual::new(
                    format!("非常规起重设备、方法，单件起吊重量 {kn} kN ≥ 10 kN"),
                    format!("non-standard lift of {kn} kN ≥ 10 kN"),
                ),
            ),
        ],
        "hazard.lifting.none",
    )
}

/// The rated capacity of a crane, kN: its largest rated load × g.
pub fn crane_capacity_kn(rating: &crate::scene::CraneRating) -> f64 {
    let max_t = match rating {
        crate::scene::CraneRating::MaxLoadMoment { max_load_t, .. } => *max_load_t,
        crate::scene::CraneRating::LoadChart(p) => p.iter().map(|x| x.load_t).fold(0.0, f64::max),
    };
    max_t * G_KN_PER_T
}

/// Classifies every work of the scene: pits, formwork zones, tool-type formwork, full-hall
/// supports, scaffolds, platforms, cranes, hoists and non-standard lifts, in that order (file
/// order within each).
pub fn classify(scene: &SiteScene) -> Vec<Classification> {
    use HazardClass::{MajorHazard as M, OverScale as O};
    let mut out = Vec::new();
    for p in &scene.pits {
        let d = p.depth_m;
        out.push(classification(
            &p.id,
            &p.name,
            WorkCategory::FoundationPit,
            decide(
                vec![
                    c(
                        O,
                        "hazard.pit.depth-5m",
                        d >= 5.0,
                        Bilingual::new(format!("开挖深度 {d} m ≥ 5 m"), format!("excavation depth {d} m ≥ 5 m")),
                    ),
                    c(
                        M,
                        "hazard.pit.depth-3m",
                        d >= 3.0,
                        Bilingual::new(format!("开挖深度 {d} m ≥ 3 m"), format!("excavation depth {d} m ≥ 3 m")),
                    ),
                    c(
                        M,
                        "hazard.pit.complex",
                        d < 3.0 && p.complex_conditions,
                        Bilingual::new(
                            format!("开挖深度 {d} m < 3 m，但地质条件、周围环境或地下管线复杂"),
                            format!("depth {d} m < 3 m with complex geology, surroundings or services"),
                        ),
                    ),
                ],
                "hazard.pit.none",
            ),
        ));
    }
    for f in &scene.formwork {
        let (h, s, a, l) = (f.support_height_m, f.max_span_m, f.area_load_kn_m2, f.line_load_kn_m);
        out.push(classification(
            &f.id,
            &f.name,
            WorkCategory::FormworkSupport,
            decide(
                vec![
                    c(
                        O,
                        "hazard.formwork.height-8m",
                        h >= 8.0,
                        Bilingual::new(format!("搭设高度 {h} m ≥ 8 m"), format!("support height {h} m ≥ 8 m")),
                    ),
                    c(
                        O,
                        "hazard.formwork.span-18m",
                        s >= 18.0,
                        Bilingual::new(format!("搭设跨度 {s} m ≥ 18 m"), format!("span {s} m ≥ 18 m")),
                    ),
                    c(
                        O,
                        "hazard.formwork.area-load-15",
                        a >= 15.0,
                        Bilingual::new(
                            format!("施工总荷载 {a} kN/m² ≥ 15 kN/m²"),
                            format!("total load {a} kN/m² ≥ 15 kN/m²"),
                        ),
                    ),
                    c(
                        O,
                        "hazard.formwork.line-load-20",
                        l >= 20.0,
                        Bilingual::new(
                            format!("集中线荷载 {l} kN/m ≥ 20 kN/m"),
                            format!("line load {l} kN/m ≥ 20 kN/m"),
                        ),
                    ),
                    c(
                        M,
                        "hazard.formwork.height-5m",
                        h >= 5.0,
                        Bilingual::new(format!("搭设高度 {h} m ≥ 5 m"), format!("support height {h} m ≥ 5 m")),
                    ),
                    c(
                        M,
                        "hazard.formwork.span-10m",
                        s >= 10.0,
                        Bilingual::new(format!("搭设跨度 {s} m ≥ 10 m"), format!("span {s} m ≥ 10 m")),
                    ),
                    c(
                        M,
                        "hazard.formwork.area-load-10",
                        a >= 10.0,
                        Bilingual::new(
                            format!("施工总荷载 {a} kN/m² ≥ 10 kN/m²"),
                            format!("total load {a} kN/m² ≥ 10 kN/m²"),
                        ),
                    ),
                    c(
                        M,
                        "hazard.formwork.line-load-15",
                        l >= 15.0,
                        Bilingual::new(
                            format!("集中线荷载 {l} kN/m ≥ 15 kN/m"),
                            format!("line load {l} kN/m ≥ 15 kN/m"),
                        ),
                    ),
                ],
                "hazard.formwork.none",
            ),
        ));
    }
    for t in &scene.tool_formwork {
        out.push(classification(&t.id, &t.name, WorkCategory::FormworkSupport, tool_formwork(t.kind)));
    }
    for f in &scene.full_hall_supports {
        let v = load_bearing_support(&LoadBearingSupport { max_point_load_kn: f.max_point_load_kn });
        out.push(classification(&f.id, &f.name, WorkCategory::FormworkSupport, v));
    }
    for s in &scene.scaffolds {
        let h = s.height_m;
        let criteria = match s.kind {
            ScaffoldKind::GroundFastener | ScaffoldKind::GroundDiscLock => vec![
                c(
                    O,
                    "hazard.scaffold.ground-50m",
                    h >= 50.0,
                    Bilingual::new(
                        format!("落地式钢管脚手架搭设高度 {h} m ≥ 50 m"),
                        format!("ground-based scaffold {h} m ≥ 50 m"),
                    ),
                ),
                c(
                    M,
                    "hazard.scaffold.ground-24m",
                    h >= 24.0,
                    Bilingual::new(
                        format!("落地式钢管脚手架搭设高度 {h} m ≥ 24 m"),
                        format!("ground-based scaffold {h} m ≥ 24 m"),
                    ),
                ),
            ],
            ScaffoldKind::AttachedLifting { lift_height_m } => vec![
                c(
                    O,
                    "hazard.scaffold.attached-150m",
                    lift_height_m >= 150.0,
                    Bilingual::new(
                        format!("附着式升降脚手架提升高度 {lift_height_m} m ≥ 150 m"),
                        format!("attached lifting scaffold, lift height {lift_height_m} m ≥ 150 m"),
                    ),
                ),
                c(M, "hazard.scaffold.attached", true, Bilingual::new("附着式升降脚手架", "attached lifting scaffold")),
            ],
            ScaffoldKind::Cantilevered { section_height_m } => vec![
                c(
                    O,
                    "hazard.scaffold.cantilever-20m",
                    section_height_m >= 20.0,
                    Bilingual::new(
                        format!("悬挑式脚手架分段架体搭设高度 {section_height_m} m ≥ 20 m"),
                        format!("cantilevered section {section_height_m} m ≥ 20 m"),
                    ),
                ),
                c(M, "hazard.scaffold.cantilevered", true, Bilingual::new("悬挑式脚手架", "cantilevered scaffold")),
            ],
            ScaffoldKind::Gondola => {
                vec![c(M, "hazard.scaffold.gondola", true, Bilingual::new("高处作业吊篮", "suspended gondola"))]
            }
        };
        out.push(classification(&s.id, &s.name, WorkCategory::Scaffolding, decide(criteria, "hazard.scaffold.none")));
    }
    for p in &scene.platforms {
        out.push(classification(&p.id, &p.name, WorkCategory::Scaffolding, platform(p.kind)));
    }
    for k in &scene.cranes {
        let v = machine_erection(&MachineErection {
            machine: Machine::TowerCrane,
            capacity_kn: crane_capacity_kn(&k.rating),
            total_height_m: k.mast_height_m,
            base_elevation_m: k.position_m.y,
        });
        out.push(classification(&k.id, &k.name, WorkCategory::Lifting, v));
    }
    for h in &scene.hoists {
        let v = machine_erection(&MachineErection {
            machine: Machine::Hoist,
            capacity_kn: h.rated_load_kg / 1000.0 * G_KN_PER_T,
            total_height_m: h.mast_height_m,
            base_elevation_m: h.position_m[1],
        });
        out.push(classification(&h.id, &h.name, WorkCategory::Lifting, v));
    }
    for l in &scene.lifts {
        let v = nonstandard_lift(&NonStandardLift { single_lift_kn: l.single_lift_kn });
        out.push(classification(&l.id, &l.name, WorkCategory::Lifting, v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::demo_scene;

    fn class_of(s: &SiteScene, id: &str) -> Classification {
        classify(s).into_iter().find(|c| c.object == id).unwrap()
    }

    #[test]
    fn the_demo_site_classifies_as_its_schemes_say() {
        let s = demo_scene();
        let pit = class_of(&s, "PIT1");
        assert_eq!((pit.class, pit.rule), (HazardClass::OverScale, "hazard.pit.depth-5m"));
        let hf = class_of(&s, "HF1");
        assert_eq!((hf.class, hf.rule), (HazardClass::OverScale, "hazard.formwork.height-8m"));
        let sf = class_of(&s, "SF1");
        assert_eq!((sf.class, sf.rule), (HazardClass::MajorHazard, "hazard.scaffold.ground-24m"));
        let tc1 = class_of(&s, "TC1");
        assert_eq!((tc1.class, tc1.rule), (HazardClass::MajorHazard, "hazard.lifting.crane-erection"));
        assert_eq!(class_of(&s, "HS1").rule, "hazard.lifting.hoist-erection");
    }

    #[test]
    fn machine_erection_each_over_scale_criterion_on_its_own() {
        let base = MachineErection {
            machine: Machine::TowerCrane,
            capacity_kn: 299.9,
            total_height_m: 199.9,
            base_elevation_m: 199.9,
        };
        let v = machine_erection(&base);
        assert_eq!((v.class, v.rule), (HazardClass::MajorHazard, "hazard.lifting.crane-erection"));
        for (p, rule) in [
            (MachineErection { capacity_kn: 300.0, ..base }, "hazard.lifting.capacity-300kn"),
            (MachineErection { total_height_m: 200.0, ..base }, "hazard.lifting.height-200m"),
            (MachineErection { base_elevation_m: 200.0, ..base }, "hazard.lifting.base-200m"),
        ] {
            let v = machine_erection(&p);
            assert_eq!((v.class, v.rule), (HazardClass::OverScale, rule), "{p:?}");
            assert_eq!(v.reasons.len(), 1, "{:?}", v.reasons);
        }
        let hoist = machine_erection(&MachineErection { machine: Machine::Hoist, ..base });
        assert_eq!(hoist.rule, "hazard.lifting.hoist-erection");
        assert_eq!(
            hoist.reasons,
            [Bilingual::new("施工升降机安装拆卸", "erecting and dismantling a construction hoist")]
        );
        let v = machine_erection(&MachineErection { capacity_kn: 300.0, ..base });
        assert_eq!(v.reasons[0].zh, "塔式起重机起重量 300.0 kN ≥ 300 kN");
        assert_eq!(v.reasons[0].en, "tower crane capacity 300.0 kN ≥ 300 kN");
    }

    #[test]
    fn crane_erection_from_the_scene_fields() {
        let mut s = demo_scene();
        // A crane standing on a 150 m podium with a 60 m mast: neither its height (60 m) nor its
        // base (150 m) reaches 200 m, so it is not over the scale (they are separate criteria).
        s.cranes[0].position_m[1] = 150.0;
        s.cranes[0].mast_height_m = 60.0;
        assert_eq!(class_of(&s, "TC1").class, HazardClass::MajorHazard);
        s.cranes[0].position_m[1] = 200.0;
        assert_eq!(class_of(&s, "TC1").rule, "hazard.lifting.base-200m");
        s.cranes[0].position_m[1] = 0.0;
        s.cranes[0].mast_height_m = 200.0;
        assert_eq!(class_of(&s, "TC1").rule, "hazard.lifting.height-200m");
        // Capacity: the largest rated load × g; 30.5 t is 299.1 kN, 30.6 t is 300.08 kN.
        s.cranes[0].mast_height_m = 45.0;
        s.cranes[0].rating = crate::scene::CraneRating::MaxLoadMoment { max_load_t: 30.5, rated_moment_kn_m: 4000.0 };
        assert_eq!(class_of(&s, "TC1").class, HazardClass::MajorHazard);
        s.cranes[0].rating = crate::scene::CraneRating::MaxLoadMoment { max_load_t: 30.6, rated_moment_kn_m: 4000.0 };
        assert_eq!(class_of(&s, "TC1").rule, "hazard.lifting.capacity-300kn");
        // The demo crane's chart peaks at 6 t = 58.8 kN.
        assert!((crane_capacity_kn(&demo_scene().cranes[0].rating) - 58.84).abs() < 0.01);
    }

    /// The Rugao site's text, with `edits` (from, to) applied once each.
    fn rugao_with(edits: &[(&str, &str)]) -> SiteScene {
        let path = crate::testutil::repo().join("scenes/rugao-warehouse.ron");
        let mut text = std::fs::read_to_string(&path).unwrap();
        for (from, to) in edits {
            assert!(text.contains(from), "`{from}` is not in the scene");
            text = text.replacen(from, to, 1);
        }
        let dir = path.parent().unwrap();
        crate::scene::load_str(&text, &path, dir, crate::scene::ModelChecks::Skip)
            .unwrap_or_else(|e| panic!("{e}"))
            .scene
    }

    #[test]
    fn the_rugao_site_classifies_each_work_as_its_schemes_say() {
        let s = rugao_with(&[]);
        let got = |id: &str| {
            let c = class_of(&s, id);
            (c.category, c.class, c.rule)
        };
        use HazardClass::{MajorHazard as M, OverScale as O};
        use WorkCategory::*;
        // The 4.2 m pit: a major hazard, not over the scale.
        assert_eq!(got("PIT1"), (FoundationPit, M, "hazard.pit.depth-3m"));
        assert_eq!(got("PM1"), (FormworkSupport, O, "hazard.formwork.tool-type"));
        assert_eq!(got("FH1"), (FormworkSupport, O, "hazard.support.point-load-7kn"));
        assert_eq!(got("SF1"), (Scaffolding, M, "hazard.scaffold.cantilevered"));
        assert_eq!(got("XL1"), (Scaffolding, M, "hazard.scaffold.platform"));
        assert_eq!(got("TC1"), (Lifting, M, "hazard.lifting.crane-erection"));
        assert_eq!(got("LF1"), (Lifting, O, "hazard.lifting.nonstandard-100kn"));
        // Every work once, in the documented order, and nothing else.
        let ids: Vec<String> = classify(&s).into_iter().map(|c| c.object).collect();
        assert_eq!(ids, ["PIT1", "PM1", "FH1", "SF1", "XL1", "TC1", "LF1"]);
        let fh1 = class_of(&s, "FH1").reasons;
        assert_eq!(fh1, [Bilingual::new("单点集中荷载 37.5 kN ≥ 7 kN", "single point load 37.5 kN ≥ 7 kN")]);
    }

    #[test]
    fn new_works_at_their_boundaries_from_scene_snippets() {
        let support = |kn: &str| class_of(&rugao_with(&[("max_point_load_kn: 37.5", kn)]), "FH1");
        let c = support("max_point_load_kn: 6.9");
        assert_eq!((c.class, c.rule), (HazardClass::MajorHazard, "hazard.support.full-hall"));
        let c = support("max_point_load_kn: 7.0");
        assert_eq!((c.class, c.rule), (HazardClass::OverScale, "hazard.support.point-load-7kn"));
        let lift = |kn: &str| class_of(&rugao_with(&[("single_lift_kn: 125.0", kn)]), "LF1");
        for (kn, class, rule) in [
            ("single_lift_kn: 9.9", HazardClass::Ordinary, "hazard.lifting.none"),
            ("single_lift_kn: 10.0", HazardClass::MajorHazard, "hazard.lifting.nonstandard-10kn"),
            ("single_lift_kn: 99.9", HazardClass::MajorHazard, "hazard.lifting.nonstandard-10kn"),
            ("single_lift_kn: 100.0", HazardClass::OverScale, "hazard.lifting.nonstandard-100kn"),
        ] {
            let c = lift(kn);
            assert_eq!((c.class, c.rule), (class, rule), "{kn}");
        }
        // Tool-type formwork is over the scale whatever its kind; a platform a major hazard
        // whichever its kind (an operating platform on floor 4 stands on its 12.15 m slab).
        for kind in ["Sliding", "Climbing", "Flying", "Tunnel"] {
            let c = class_of(&rugao_with(&[("kind: Climbing,", &format!("kind: {kind},"))]), "PM1");
            assert_eq!((c.class, c.rule), (HazardClass::OverScale, "hazard.formwork.tool-type"), "{kind}");
            assert!(c.reasons[0].en.contains(kind), "{:?}", c.reasons);
            assert!(c.reasons[0].zh.starts_with("工具式模板工程（"), "{:?}", c.reasons);
        }
        let c = class_of(&rugao_with(&[("kind: Discharge,", "kind: Operating,")]), "XL1");
        assert_eq!(
            (c.class, c.rule, c.reasons[0].en.as_str(), c.reasons[0].zh.as_str()),
            (HazardClass::MajorHazard, "hazard.scaffold.platform", "Operating platform", "操作平台")
        );
    }

    #[test]
    fn notice_31_pure_functions_at_their_boundaries() {
        for k in
            [ToolFormworkKind::Sliding, ToolFormworkKind::Climbing, ToolFormworkKind::Flying, ToolFormworkKind::Tunnel]
        {
            let v = tool_formwork(k);
            assert_eq!((v.class, v.rule), (HazardClass::OverScale, "hazard.formwork.tool-type"));
        }
        for k in [PlatformKind::Discharge, PlatformKind::Operating] {
            assert_eq!(platform(k).class, HazardClass::MajorHazard);
        }
        let support = |kn| load_bearing_support(&LoadBearingSupport { max_point_load_kn: kn });
        assert_eq!((support(6.9).class, support(6.9).rule), (HazardClass::MajorHazard, "hazard.support.full-hall"));
        assert_eq!((support(7.0).class, support(7.0).rule), (HazardClass::OverScale, "hazard.support.point-load-7kn"));
        assert_eq!(support(6.9).reasons[0].zh, "满堂承重支撑体系");
        assert_eq!(support(7.0).reasons[0].zh, "单点集中荷载 7 kN ≥ 7 kN");
        let lift = |kn| nonstandard_lift(&NonStandardLift { single_lift_kn: kn });
        assert_eq!((lift(9.9).class, lift(9.9).rule), (HazardClass::Ordinary, "hazard.lifting.none"));
        assert_eq!(lift(9.9).reasons[0].zh, "未达到任何危大标准");
        assert_eq!(lift(100.0).reasons[0].zh, "非常规起重设备、方法，单件起吊重量 100 kN ≥ 100 kN");
        assert_eq!(lift(100.0).reasons[0].en, "non-standard lift of 100 kN ≥ 100 kN");
        assert_eq!((lift(10.0).class, lift(10.0).rule), (HazardClass::MajorHazard, "hazard.lifting.nonstandard-10kn"));
        assert_eq!(lift(99.9).class, HazardClass::MajorHazard);
        assert_eq!((lift(100.0).class, lift(100.0).rule), (HazardClass::OverScale, "hazard.lifting.nonstandard-100kn"));
        let c = classification("P1", "3#卸料平台", WorkCategory::Scaffolding, platform(PlatformKind::Discharge));
        assert_eq!((c.object.as_str(), c.rule), ("P1", "hazard.scaffold.platform"));
    }

    #[test]
    fn every_rule_that_fires_is_listed_once_with_its_class() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len(), "duplicate rule ids");
        let mut verdicts: Vec<Verdict> = Vec::new();
        let mut s = demo_scene();
        for v in [0.0, 2.0, 3.0, 5.0] {
            s.pits[0].depth_m = v;
            s.pits[0].complex_conditions = v < 3.0;
            s.formwork[0].support_height_m = v * 1.6;
            s.formwork[0].max_span_m = v * 3.6;
            s.formwork[0].area_load_kn_m2 = v * 3.0;
            s.formwork[0].line_load_kn_m = v * 4.0;
            let all = classify(&s);
            verdicts.extend(all.into_iter().map(|c| Verdict { class: c.class, rule: c.rule, reasons: c.reasons }));
        }
        for kind in [
            ScaffoldKind::GroundDiscLock,
            ScaffoldKind::AttachedLifting { lift_height_m: 10.0 },
            ScaffoldKind::AttachedLifting { lift_height_m: 160.0 },
            ScaffoldKind::Cantilevered { section_height_m: 10.0 },
            ScaffoldKind::Cantilevered { section_height_m: 20.0 },
            ScaffoldKind::Gondola,
        ] {
            s.scaffolds[0].kind = kind;
            s.scaffolds[0].height_m = 60.0;
            let c = classify(&s).into_iter().find(|c| c.object == "SF1").unwrap();
            verdicts.push(Verdict { class: c.class, rule: c.rule, reasons: c.reasons });
        }
        verdicts.push(tool_formwork(ToolFormworkKind::Climbing));
        verdicts.push(platform(PlatformKind::Operating));
        verdicts.push(load_bearing_support(&LoadBearingSupport { max_point_load_kn: 8.0 }));
        verdicts.push(nonstandard_lift(&NonStandardLift { single_lift_kn: 120.0 }));
        for v in verdicts.iter().filter(|v| !v.rule.ends_with(".none")) {
            let r = RULES.iter().find(|r| r.id == v.rule).unwrap_or_else(|| panic!("{} not in RULES", v.rule));
            assert_eq!(r.class, v.class, "{}", v.rule);
        }
    }

    #[test]
    fn pit_depth_boundaries() {
        let mut s = demo_scene();
        for (d, complex, want) in [
            (2.99, false, HazardClass::Ordinary),
            (2.99, true, HazardClass::MajorHazard),
            (3.0, false, HazardClass::MajorHazard),
            (4.99, false, HazardClass::MajorHazard),
            (5.0, false, HazardClass::OverScale),
        ] {
            s.pits[0].depth_m = d;
            s.pits[0].complex_conditions = complex;
            assert_eq!(class_of(&s, "PIT1").class, want, "depth {d} complex {complex}");
        }
        // The reasons in both languages, numbers as written.
        s.pits[0].depth_m = 5.0;
        let c = class_of(&s, "PIT1");
        assert_eq!(c.reasons, [Bilingual::new("开挖深度 5 m ≥ 5 m", "excavation depth 5 m ≥ 5 m")]);
        s.pits[0].depth_m = 4.99;
        let c = class_of(&s, "PIT1");
        assert_eq!(c.reasons, [Bilingual::new("开挖深度 4.99 m ≥ 3 m", "excavation depth 4.99 m ≥ 3 m")]);
        (s.pits[0].depth_m, s.pits[0].complex_conditions) = (2.99, true);
        let c = class_of(&s, "PIT1");
        assert_eq!(c.reasons[0].zh, "开挖深度 2.99 m < 3 m，但地质条件、周围环境或地下管线复杂");
        (s.pits[0].depth_m, s.pits[0].complex_conditions) = (2.99, false);
        let c = class_of(&s, "PIT1");
        assert_eq!(c.reasons, [Bilingual::new("未达到任何危大标准", "below every threshold")]);
    }

    #[test]
    fn formwork_every_criterion_at_its_boundary() {
        let mut s = demo_scene();
        let f = &mut s.formwork[0];
        (f.support_height_m, f.max_span_m, f.area_load_kn_m2, f.line_load_kn_m) = (4.9, 9.9, 9.9, 14.9);
        assert_eq!(class_of(&s, "HF1").class, HazardClass::Ordinary);
        let cases: [(usize, f64, HazardClass, &str); 8] = [
            (0, 5.0, HazardClass::MajorHazard, "hazard.formwork.height-5m"),
            (0, 8.0, HazardClass::OverScale, "hazard.formwork.height-8m"),
            (1, 10.0, HazardClass::MajorHazard, "hazard.formwork.span-10m"),
            (1, 18.0, HazardClass::OverScale, "hazard.formwork.span-18m"),
            (2, 10.0, HazardClass::MajorHazard, "hazard.formwork.area-load-10"),
            (2, 15.0, HazardClass::OverScale, "hazard.formwork.area-load-15"),
            (3, 15.0, HazardClass::MajorHazard, "hazard.formwork.line-load-15"),
            (3, 20.0, HazardClass::OverScale, "hazard.formwork.line-load-20"),
        ];
        for (field, v, class, rule) in cases {
            let mut t = s.clone();
            let f = &mut t.formwork[0];
            *[&mut f.support_height_m, &mut f.max_span_m, &mut f.area_load_kn_m2, &mut f.line_load_kn_m][field] = v;
            let c = class_of(&t, "HF1");
            assert_eq!((c.class, c.rule), (class, rule), "field {field} = {v}");
            assert_eq!(c.reasons.len(), 1, "field {field} = {v}: {:?}", c.reasons);
        }
        // The Chinese reasons, in the terms of Notice 31.
        let zh_of = |field: usize, v: f64| {
            let mut t = s.clone();
            let f = &mut t.formwork[0];
            *[&mut f.support_height_m, &mut f.max_span_m, &mut f.area_load_kn_m2, &mut f.line_load_kn_m][field] = v;
            class_of(&t, "HF1").reasons[0].zh.clone()
        };
        assert_eq!(zh_of(0, 8.0), "搭设高度 8 m ≥ 8 m");
        assert_eq!(zh_of(0, 5.0), "搭设高度 5 m ≥ 5 m");
        assert_eq!(zh_of(1, 18.0), "搭设跨度 18 m ≥ 18 m");
        assert_eq!(zh_of(2, 10.0), "施工总荷载 10 kN/m² ≥ 10 kN/m²");
        assert_eq!(zh_of(3, 20.5), "集中线荷载 20.5 kN/m ≥ 20 kN/m");
    }

    #[test]
    fn scaffolds_by_kind_and_height() {
        let mut s = demo_scene();
        for (kind, h, want) in [
            (ScaffoldKind::GroundFastener, 23.9, HazardClass::Ordinary),
            (ScaffoldKind::GroundFastener, 24.0, HazardClass::MajorHazard),
            (ScaffoldKind::GroundDiscLock, 50.0, HazardClass::OverScale),
            (ScaffoldKind::AttachedLifting { lift_height_m: 149.0 }, 10.0, HazardClass::MajorHazard),
            (ScaffoldKind::AttachedLifting { lift_height_m: 150.0 }, 10.0, HazardClass::OverScale),
            (ScaffoldKind::Cantilevered { section_height_m: 20.0 }, 10.0, HazardClass::OverScale),
            (ScaffoldKind::Gondola, 3.0, HazardClass::MajorHazard),
        ] {
            s.scaffolds[0].kind = kind.clone();
            s.scaffolds[0].height_m = h;
            assert_eq!(class_of(&s, "SF1").class, want, "{kind:?} {h}");
        }
        s.scaffolds[0].kind = ScaffoldKind::GroundFastener;
        s.scaffolds[0].height_m = 24.0;
        let want = Bilingual::new("落地式钢管脚手架搭设高度 24 m ≥ 24 m", "ground-based scaffold 24 m ≥ 24 m");
        assert_eq!(class_of(&s, "SF1").reasons, [want]);
        s.scaffolds[0].kind = ScaffoldKind::Cantilevered { section_height_m: 20.0 };
        assert_eq!(class_of(&s, "SF1").reasons[0].zh, "悬挑式脚手架分段架体搭设高度 20 m ≥ 20 m");
    }
}
