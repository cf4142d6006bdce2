//! Major-hazard works (危大工程) per MOHURD Order 37 (2018) and Notice 建办质〔2018〕31号: from an
//! object's parameters, is the work ordinary, a major hazard (special scheme required) or over the
//! scale (expert review of the scheme required)? The result names the rule that fired.

use serde::Serialize;

use crate::scene::{ScaffoldKind, SiteScene};

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
    /// Every criterion met at that class, in words.
    pub reasons: Vec<String>,
}

/// Source of every threshold here (tag [S] in the standards doc).
pub const SOURCE: &str = "MOHURD Order 37 (2018) and 建办质〔2018〕31号 annexes 1 and 2, via the Shenzhen housing bureau's list (general) and copies of No. 31 (over-scale)";

/// Gravity for converting rated loads in tonnes to kN.
const G_KN_PER_T: f64 = 9.806_65;

struct Criterion {
    class: HazardClass,
    rule: &'static str,
    met: bool,
    text: String,
}

fn decide(
    object: &str,
    name: &str,
    category: WorkCategory,
    criteria: Vec<Criterion>,
    none: &'static str,
) -> Classification {
    let class = criteria.iter().filter(|c| c.met).map(|c| c.class).max().unwrap_or(HazardClass::Ordinary);
    let fired: Vec<&Criterion> = criteria.iter().filter(|c| c.met && c.class == class).collect();
    Classification {
        object: object.into(),
        name: name.into(),
        category,
        class,
        rule: fired.first().map(|c| c.rule).unwrap_or(none),
        reasons: if fired.is_empty() {
            vec!["below every threshold".into()]
        } else {
            fired.iter().map(|c| c.text.clone()).collect()
        },
    }
}

/// Classifies every pit, formwork zone, scaffold, crane and hoist of the scene.
pub fn classify(scene: &SiteScene) -> Vec<Classification> {
    use HazardClass::{MajorHazard as M, OverScale as O};
    let c = |class, rule, met, text: String| Criterion { class, rule, met, text };
    let mut out = Vec::new();
    for p in &scene.pits {
        let d = p.depth_m;
        out.push(decide(
            &p.id,
            &p.name,
            WorkCategory::FoundationPit,
            vec![
                c(O, "hazard.pit.depth-5m", d >= 5.0, format!("excavation depth {d} m ≥ 5 m")),
                c(M, "hazard.pit.depth-3m", d >= 3.0, format!("excavation depth {d} m ≥ 3 m")),
                c(
                    M,
                    "hazard.pit.complex",
                    d < 3.0 && p.complex_conditions,
                    format!("depth {d} m < 3 m with complex geology, surroundings or services"),
                ),
            ],
            "hazard.pit.none",
        ));
    }
    for f in &scene.formwork {
        let (h, s, a, l) = (f.support_height_m, f.max_span_m, f.area_load_kn_m2, f.line_load_kn_m);
        out.push(decide(
            &f.id,
            &f.name,
            WorkCategory::FormworkSupport,
            vec![
                c(O, "hazard.formwork.height-8m", h >= 8.0, format!("support height {h} m ≥ 8 m")),
                c(O, "hazard.formwork.span-18m", s >= 18.0, format!("span {s} m ≥ 18 m")),
                c(O, "hazard.formwork.area-load-15", a >= 15.0, format!("total load {a} kN/m² ≥ 15 kN/m²")),
                c(O, "hazard.formwork.line-load-20", l >= 20.0, format!("line load {l} kN/m ≥ 20 kN/m")),
                c(M, "hazard.formwork.height-5m", h >= 5.0, format!("support height {h} m ≥ 5 m")),
                c(M, "hazard.formwork.span-10m", s >= 10.0, format!("span {s} m ≥ 10 m")),
                c(M, "hazard.formwork.area-load-10", a >= 10.0, format!("total load {a} kN/m² ≥ 10 kN/m²")),
                c(M, "hazard.formwork.line-load-15", l >= 15.0, format!("line load {l} kN/m ≥ 15 kN/m")),
            ],
            "hazard.formwork.none",
        ));
    }
    for s in &scene.scaffolds {
        let h = s.height_m;
        let criteria = match s.kind {
            ScaffoldKind::GroundFastener | ScaffoldKind::GroundDiscLock => vec![
                c(O, "hazard.scaffold.ground-50m", h >= 50.0, format!("ground-based scaffold {h} m ≥ 50 m")),
                c(M, "hazard.scaffold.ground-24m", h >= 24.0, format!("ground-based scaffold {h} m ≥ 24 m")),
            ],
            ScaffoldKind::AttachedLifting { lift_height_m } => vec![
                c(
                    O,
                    "hazard.scaffold.attached-150m",
                    lift_height_m >= 150.0,
                    format!("attached lifting scaffold, lift height {lift_height_m} m ≥ 150 m"),
                ),
                c(M, "hazard.scaffold.attached", true, "attached lifting scaffold".into()),
            ],
            ScaffoldKind::Cantilevered { section_height_m } => vec![
                c(
                    O,
                    "hazard.scaffold.cantilever-20m",
                    section_height_m >= 20.0,
                    format!("cantilevered section {section_height_m} m ≥ 20 m"),
                ),
                c(M, "hazard.scaffold.cantilevered", true, "cantilevered scaffold".into()),
            ],
            ScaffoldKind::Gondola => vec![c(M, "hazard.scaffold.gondola", true, "suspended gondola".into())],
        };
        out.push(decide(&s.id, &s.name, WorkCategory::Scaffolding, criteria, "hazard.scaffold.none"));
    }
    for k in &scene.cranes {
        let max_t = match &k.rating {
            crate::scene::CraneRating::MaxLoadMoment { max_load_t, .. } => *max_load_t,
            crate::scene::CraneRating::LoadChart(p) => p.iter().map(|x| x.load_t).fold(0.0, f64::max),
        };
        let kn = max_t * G_KN_PER_T;
        let top = k.position_m.y + k.mast_height_m;
        out.push(decide(
            &k.id,
            &k.name,
            WorkCategory::Lifting,
            vec![
                c(O, "hazard.lifting.crane-300kn", kn >= 300.0, format!("erecting a crane of {kn:.0} kN ≥ 300 kN")),
                c(O, "hazard.lifting.height-200m", top >= 200.0, format!("crane top {top:.0} m ≥ 200 m")),
                c(M, "hazard.lifting.crane-erection", true, "erecting and dismantling a tower crane".into()),
            ],
            "hazard.lifting.none",
        ));
    }
    for h in &scene.hoists {
        let kn = h.rated_load_kg / 1000.0 * G_KN_PER_T;
        out.push(decide(
            &h.id,
            &h.name,
            WorkCategory::Lifting,
            vec![
                c(O, "hazard.lifting.crane-300kn", kn >= 300.0, format!("erecting a hoist of {kn:.0} kN ≥ 300 kN")),
                c(
                    O,
                    "hazard.lifting.height-200m",
                    h.mast_height_m >= 200.0,
                    format!("hoist mast {} m ≥ 200 m", h.mast_height_m),
                ),
                c(M, "hazard.lifting.hoist-erection", true, "erecting and dismantling a construction hoist".into()),
            ],
            "hazard.lifting.none",
        ));
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
        assert_eq!(class_of(&s, "TC1").class, HazardClass::MajorHazard);
        assert_eq!(class_of(&s, "HS1").rule, "hazard.lifting.hoist-erection");
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
        }
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
    }
}
