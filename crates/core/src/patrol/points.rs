//! The inspection points each patrol type needs, generated from the site model and its live state:
//! which objects, what is checked at each (JGJ 59 sub-table items, stopped-site duties, alarm
//! follow-ups), how long the inspector dwells, and how urgent each point is.
//!
//! The patrol types and their point sets are sitetwin's reading of the standards doc (§2.4 the
//! check items, §2.5 Order 37's patrol duties, §4.3 a stopped site's duties); the dwell times are
//! sitetwin's defaults [R], configurable through [`PointRules`].

use std::collections::BTreeSet;

use glam::DVec3;
use serde::Serialize;

use super::checks::{self, ItemSpec};
use super::live::LiveSite;
use crate::i18n::{self, Bilingual, Lang};
use crate::rules::Level;
use crate::rules::hazard::{self, HazardClass};
use crate::rules::jgj59::SubTable;
use crate::rules::stoppage::{Duty, DutyStatus};
use crate::scene::{FacilityKind, ObjectKind, ScaffoldKind, SensorGroup, SensorKind, SiteScene};

/// The patrol types the standard's inspection module knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum PatrolKind {
    /// The full-time safety officer's daily patrol (专职安全员日常巡查).
    Daily,
    /// The supervisor's special patrol of the major-hazard works (监理专项巡视, Order 37).
    Special,
    /// A bureau inspection scored on the JGJ 59 sheet (安全检查评分).
    Bureau,
    /// The duty patrol of a stopped site (停工期间值守巡查).
    Stopped,
    /// The inspection before work resumes (复工检查).
    Resumption,
}

impl PatrolKind {
    /// Every type, in CLI order.
    pub const ALL: [PatrolKind; 5] =
        [PatrolKind::Daily, PatrolKind::Special, PatrolKind::Bureau, PatrolKind::Stopped, PatrolKind::Resumption];

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            PatrolKind::Daily => "daily",
            PatrolKind::Special => "special",
            PatrolKind::Bureau => "bureau",
            PatrolKind::Stopped => "stopped",
            PatrolKind::Resumption => "resumption",
        }
    }

    /// The type named `s` (a CLI name).
    pub fn parse(s: &str) -> Option<PatrolKind> {
        PatrolKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            PatrolKind::Daily => "安全员日常巡查",
            PatrolKind::Special => "监理专项巡视",
            PatrolKind::Bureau => "监督检查（JGJ 59 评分）",
            PatrolKind::Stopped => "停工值守巡查",
            PatrolKind::Resumption => "复工前检查",
        }
    }

    /// English name.
    pub fn en(self) -> &'static str {
        match self {
            PatrolKind::Daily => "safety officer's daily patrol",
            PatrolKind::Special => "supervisor's special patrol of major-hazard works",
            PatrolKind::Bureau => "bureau inspection (JGJ 59 sheet)",
            PatrolKind::Stopped => "stopped site's duty patrol",
            PatrolKind::Resumption => "inspection before resumption",
        }
    }

    /// The default time budget of the patrol, minutes [R]: sitetwin's defaults, not from a standard.
    pub fn default_budget_min(self) -> f64 {
        match self {
            PatrolKind::Daily => 120.0,
            PatrolKind::Special => 90.0,
            PatrolKind::Bureau => 240.0,
            PatrolKind::Stopped => 60.0,
            PatrolKind::Resumption => 240.0,
        }
    }
}

/// How urgent a point is; the route visits lower tiers first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Priority {
    /// An open alarm, a silent monitoring sensor or a broken stopped-site duty is there.
    Urgent,
    /// The patrol type requires it.
    Required,
    /// Checked if the time budget allows.
    Routine,
}

/// One thing checked at a point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// The JGJ 59 sub-table the item belongs to, when it is a sheet item.
    pub table: Option<SubTable>,
    /// What is checked (Chinese; a sheet item's name as the sheet writes it).
    pub zh: String,
    /// In English.
    pub en: String,
    /// Why it is on this patrol, when not simply the patrol type's list (an alarm, a duty).
    pub because: Option<Bilingual>,
}

impl Check {
    fn item(table: SubTable, i: &ItemSpec) -> Check {
        Check { table: Some(table), zh: i.zh.into(), en: i.en.into(), because: None }
    }
}

/// An inspection point: an object and what is checked there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checkpoint {
    /// The object checked.
    pub object: String,
    /// Its display name.
    pub name: String,
    /// Its kind.
    pub kind: ObjectKind,
    /// The point looked at (site frame, m): what a sight line from the stand point must reach.
    pub look_at_m: [f64; 3],
    /// The sub-tables this point feeds on the JGJ 59 sheet.
    pub tables: Vec<SubTable>,
    /// What is checked.
    pub checks: Vec<Check>,
    /// How long the inspector stays, s.
    pub dwell_s: f64,
    /// How urgent.
    pub priority: Priority,
    /// Why the point is on the patrol.
    pub reasons: Vec<Bilingual>,
}

/// Dwell times per kind of point, seconds [R]: sitetwin's defaults for a careful inspector.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PointRules {
    /// A tower crane (foundation, mast, ties, limiters' records, the cab's display).
    pub crane_s: f64,
    /// A construction hoist.
    pub hoist_s: f64,
    /// A foundation pit (edge, support, drainage, monitoring points).
    pub pit_s: f64,
    /// A formwork support or full-hall support zone.
    pub formwork_s: f64,
    /// A scaffold or platform.
    pub scaffold_s: f64,
    /// A building's work at height (edges, openings, passages).
    pub structure_s: f64,
    /// A distribution box.
    pub box_s: f64,
    /// A gate or a facility (hoarding, closed management, boards).
    pub gate_s: f64,
    /// The site office's documents (safety management).
    pub office_s: f64,
    /// Extra time per alarm or duty followed up at a point.
    pub follow_up_s: f64,
    /// Dwell multiplier for the bureau, special and resumption inspections (they score and record).
    pub thorough: f64,
}

impl Default for PointRules {
    fn default() -> Self {
        PointRules {
            crane_s: 240.0,
            hoist_s: 180.0,
            pit_s: 300.0,
            formwork_s: 300.0,
            scaffold_s: 150.0,
            structure_s: 180.0,
            box_s: 60.0,
            gate_s: 60.0,
            office_s: 900.0,
            follow_up_s: 120.0,
            thorough: 1.5,
        }
    }
}

/// The sub-table an object kind is scored on.
fn table_of(scene: &SiteScene, kind: ObjectKind, id: &str) -> Option<SubTable> {
    Some(match kind {
        ObjectKind::TowerCrane => SubTable::TowerCrane,
        ObjectKind::Hoist => SubTable::ConstructionHoist,
        ObjectKind::LiftingOperation => SubTable::LiftingOperations,
        ObjectKind::FoundationPit => SubTable::FoundationPit,
        ObjectKind::FormworkZone | ObjectKind::FullHallSupport | ObjectKind::ToolFormwork => SubTable::FormworkSupport,
        ObjectKind::Scaffold => match scene.scaffolds.iter().find(|s| s.id == id).map(|s| &s.kind) {
            Some(ScaffoldKind::GroundDiscLock) => SubTable::DiscLockScaffold,
            Some(ScaffoldKind::Cantilevered { .. }) => SubTable::CantileveredScaffold,
            Some(ScaffoldKind::AttachedLifting { .. }) => SubTable::AttachedLiftingScaffold,
            Some(ScaffoldKind::Gondola) => SubTable::Gondola,
            _ => SubTable::FastenerScaffold,
        },
        ObjectKind::Platform | ObjectKind::Structure => SubTable::WorkAtHeight,
        ObjectKind::DistributionBox => SubTable::TemporaryElectricity,
        ObjectKind::Gate => SubTable::CivilisedConstruction,
        ObjectKind::Facility(FacilityKind::SiteOffice) => SubTable::SafetyManagement,
        ObjectKind::Facility(
            FacilityKind::Dormitory
            | FacilityKind::Canteen
            | FacilityKind::WheelWash
            | FacilityKind::MaterialYard
            | FacilityKind::Toilet,
        ) => SubTable::CivilisedConstruction,
        ObjectKind::Facility(_) | ObjectKind::Walkway => return None,
    })
}

/// The sheet items checked at an object of this kind (a gate shows the hoarding and the boards,
/// not the dormitory): every item of its table for the machines and works.
fn items_at(kind: ObjectKind, table: SubTable) -> Vec<&'static ItemSpec> {
    let only = |names: &[&str]| checks::items(table).iter().filter(|i| names.contains(&i.zh)).collect();
    match kind {
        ObjectKind::Gate => only(&["现场围挡", "封闭管理", "公示标牌"]),
        ObjectKind::Facility(FacilityKind::Dormitory | FacilityKind::Canteen | FacilityKind::Toilet) => {
            only(&["现场办公与住宿", "生活设施", "现场防火"])
        }
        ObjectKind::Facility(FacilityKind::WheelWash) => only(&["施工场地", "综合治理", "社区服务"]),
        ObjectKind::Facility(FacilityKind::MaterialYard) => only(&["材料管理", "现场防火"]),
        ObjectKind::Platform => only(&["移动式操作平台", "悬挑式物料钢平台", "临边防护"]),
        ObjectKind::Structure => {
            only(&["安全帽", "安全网", "安全带", "临边防护", "洞口防护", "通道口防护", "攀登作业", "悬空作业"])
        }
        _ => checks::items(table).iter().collect(),
    }
}

/// The sheet items an alarm on a sensor of this kind calls for.
pub(crate) fn alarm_items(kind: SensorKind) -> (&'static [&'static str], Option<SubTable>) {
    use SensorKind::*;
    match kind {
        WindSpeed | WindDirection => {
            (&["保护装置", "安拆、验收与使用", "附着", "结构设施"], Some(SubTable::TowerCrane))
        }
        CraneLoad | CraneMoment => (&["载荷限制装置", "吊钩、滑轮、卷筒与钢丝绳"], Some(SubTable::TowerCrane)),
        SlewAngle | TrolleyRadius | HookHeight | CraneClearance => {
            (&["行程限位装置", "多塔作业"], Some(SubTable::TowerCrane))
        }
        CraneTilt => (&["基础与轨道", "附着", "结构设施"], Some(SubTable::TowerCrane)),
        HoistLoad => (&["安全装置"], Some(SubTable::ConstructionHoist)),
        HoistDoor => (&["防护设施"], Some(SubTable::ConstructionHoist)),
        HoistLimit | HoistHeight => (&["限位装置"], Some(SubTable::ConstructionHoist)),
        FormworkSettlement | FormworkTilt | PostAxialForce | FormworkHorizontalDisplacement => {
            (&["支架稳定", "施工荷载", "支架构造"], Some(SubTable::FormworkSupport))
        }
        EdgeProtection => (&["临边防护", "洞口防护"], Some(SubTable::WorkAtHeight)),
        PersonnelIn | PersonnelOut | PersonnelOnSite => (&["封闭管理"], Some(SubTable::CivilisedConstruction)),
        Pm25 | Pm10 | Tsp | Noise | SprayState => (&["施工场地", "综合治理"], Some(SubTable::CivilisedConstruction)),
        k if k.group() == SensorGroup::Pit => {
            (&["基坑支护", "降排水", "坑边荷载", "基坑监测"], Some(SubTable::FoundationPit))
        }
        _ if kind.group() == SensorGroup::Electricity => {
            (&["配电箱与开关箱", "接地与接零保护系统"], Some(SubTable::TemporaryElectricity))
        }
        _ => (&[], None),
    }
}

/// Where the inspector looks at an object: the foot of what stands on the ground, the middle of
/// a pit's depth, the deck of a formwork support, else the label point.
fn look_at(scene: &SiteScene, id: &str) -> Option<DVec3> {
    let o = scene.object(id)?;
    if let Some(p) = scene.pits.iter().find(|p| p.id == id) {
        let c = crate::geom::centroid(&p.outline_m);
        return Some(DVec3::new(c.x, p.top_elevation_m - p.depth_m * 0.5, c.y));
    }
    if let Some(f) = scene.formwork.iter().find(|f| f.id == id) {
        let c = crate::geom::centroid(&f.outline_m);
        return Some(DVec3::new(c.x, f.base_elevation_m + 1.0, c.y));
    }
    Some(o.object().stands_at_m().map(|p| p + DVec3::Y * 1.5).unwrap_or(o.label_at_m))
}

/// The duty's words, Chinese and English.
fn duty_words(d: Duty) -> (&'static str, &'static str) {
    match d {
        Duty::CraneHookRaised => ("吊钩升至臂下、无吊物", "hook raised under the jib, nothing hung"),
        Duty::CranePowerOff => ("塔吊空载断电", "crane unloaded, power off"),
        Duty::CraneWeathervaning => ("回转制动松开，可随风转动", "slew brake released: free to weathervane"),
        Duty::HoistsLowered => ("吊笼降至地面", "cages lowered to the ground"),
        Duty::BoxesLocked => ("配电箱断电上锁", "boxes off and locked"),
        Duty::PitMonitoring => ("基坑监测持续", "pit monitoring continues"),
        Duty::DutyPatrols => ("值守人员巡查", "duty staff patrols"),
    }
}

/// Builds the points of a patrol of `kind` over `scene` at the site's state `live`.
pub fn checkpoints(scene: &SiteScene, kind: PatrolKind, live: &LiveSite, rules: &PointRules) -> Vec<Checkpoint> {
    let classes = hazard::classify(scene);
    let class_of = |id: &str| classes.iter().find(|c| c.object == id && c.class != HazardClass::Ordinary);
    let thorough = matches!(kind, PatrolKind::Bureau | PatrolKind::Special | PatrolKind::Resumption);
    let mut points: Vec<Checkpoint> = Vec::new();
    for o in scene.objects() {
        let table = table_of(scene, o.kind, o.id);
        let major = class_of(o.id);
        let machine = matches!(o.kind, ObjectKind::TowerCrane | ObjectKind::Hoist);
        let (wanted, priority) = match kind {
            PatrolKind::Special => (major.is_some(), Priority::Required),
            PatrolKind::Daily => match o.kind {
                _ if major.is_some() || machine => (true, Priority::Required),
                ObjectKind::Facility(FacilityKind::SiteOffice) | ObjectKind::Facility(_) => (false, Priority::Routine),
                _ => (table.is_some(), Priority::Routine),
            },
            PatrolKind::Bureau | PatrolKind::Resumption => (table.is_some(), Priority::Required),
            PatrolKind::Stopped => (
                matches!(
                    o.kind,
                    ObjectKind::TowerCrane | ObjectKind::Hoist | ObjectKind::FoundationPit | ObjectKind::Gate
                ) || (o.kind == ObjectKind::DistributionBox),
                Priority::Required,
            ),
        };
        if !wanted {
            continue;
        }
        let Some(at) = look_at(scene, o.id) else { continue };
        let base_s = match o.kind {
            ObjectKind::TowerCrane => rules.crane_s,
            ObjectKind::Hoist => rules.hoist_s,
            ObjectKind::FoundationPit => rules.pit_s,
            ObjectKind::FormworkZone | ObjectKind::FullHallSupport | ObjectKind::ToolFormwork => rules.formwork_s,
            ObjectKind::Scaffold | ObjectKind::Platform | ObjectKind::LiftingOperation => rules.scaffold_s,
            ObjectKind::Structure => rules.structure_s,
            ObjectKind::DistributionBox => rules.box_s,
            ObjectKind::Facility(FacilityKind::SiteOffice) => rules.office_s,
            _ => rules.gate_s,
        };
        let mut reasons = Vec::new();
        if let Some(c) = major {
            let r = hazard::joined(&c.reasons);
            reasons.push(Bilingual::new(
                format!("{}（{}）：{}", c.class.zh(), i18n::rule_title(Lang::Zh, c.rule), r.zh),
                format!("{} ({}): {}", c.class.en(), c.rule, r.en),
            ));
        }
        let mut checks_here: Vec<Check> = Vec::new();
        let mut tables = Vec::new();
        if kind != PatrolKind::Stopped
            && let Some(t) = table
        {
            checks_here.extend(items_at(o.kind, t).into_iter().map(|i| Check::item(t, i)));
            tables.push(t);
        }
        points.push(Checkpoint {
            object: o.id.to_string(),
            name: o.name.to_string(),
            kind: o.kind,
            look_at_m: at.to_array(),
            tables,
            checks: checks_here,
            dwell_s: if thorough { base_s * rules.thorough } else { base_s },
            priority,
            reasons,
        });
    }
    follow_up(scene, kind, live, rules, &mut points);
    points
}

/// Adds what the live state calls for: an alarm's checks at its object (and the object itself
/// when the patrol did not include it), silent sensors, and a stopped site's duties.
fn follow_up(scene: &SiteScene, kind: PatrolKind, live: &LiveSite, rules: &PointRules, points: &mut Vec<Checkpoint>) {
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let point_for = |points: &mut Vec<Checkpoint>, object: &str| -> Option<usize> {
        if let Some(i) = points.iter().position(|p| p.object == object) {
            return Some(i);
        }
        let o = scene.object(object)?;
        let at = look_at(scene, object)?;
        points.push(Checkpoint {
            object: object.to_string(),
            name: o.name.to_string(),
            kind: o.kind,
            look_at_m: at.to_array(),
            tables: Vec::new(),
            checks: Vec::new(),
            dwell_s: rules.gate_s,
            priority: Priority::Urgent,
            reasons: Vec::new(),
        });
        Some(points.len() - 1)
    };
    for a in live.alarms.iter().filter(|a| a.level >= Level::Warning) {
        let Some(i) = point_for(points, &a.object) else { continue };
        let p = &mut points[i];
        p.priority = Priority::Urgent;
        let title = a.rule.as_deref().map(|r| format!("：{}", i18n::rule_title(Lang::Zh, r))).unwrap_or_default();
        // The alarm, as each of its checks says why it is there.
        let why = Bilingual::new(
            format!("{} {}{title}", a.sensor, i18n::level_name(Lang::Zh, a.level)),
            format!("{} {:?} {}: {}", a.sensor, a.level, a.rule.as_deref().unwrap_or(""), a.message),
        );
        p.reasons.push(Bilingual::new(format!("未关闭的报警：{}", why.zh), format!("open alarm: {}", why.en)));
        let (names, table) = alarm_items(a.kind);
        if let Some(t) = table {
            for zh in names {
                if let Some(spec) = checks::item(t, zh)
                    && !p.checks.iter().any(|c| c.table == Some(t) && c.zh == spec.zh)
                {
                    p.checks.push(Check { because: Some(why.clone()), ..Check::item(t, spec) });
                }
            }
            if !p.tables.contains(&t) {
                p.tables.push(t);
            }
        }
        if touched.insert(format!("{}:{}", p.object, a.sensor)) {
            p.dwell_s += rules.follow_up_s;
        }
    }
    for s in &live.dark {
        let Some(sensor) = scene.sensors.iter().find(|x| &x.id == s) else { continue };
        let Some(i) = point_for(points, &sensor.anchor.object) else { continue };
        let p = &mut points[i];
        let monitoring = sensor.kind.group() == SensorGroup::Pit || kind == PatrolKind::Stopped;
        if monitoring {
            p.priority = Priority::Urgent;
        }
        p.reasons.push(Bilingual::new(format!("监测设备 {s} 无数据"), format!("sensor {s} silent")));
        p.checks.push(Check {
            table: None,
            zh: format!("监测设备 {s} 无数据：检查供电与通信"),
            en: format!("sensor {s} silent: check its power and link"),
            because: Some(Bilingual::new(format!("{s} 无数据"), format!("no data from {s}"))),
        });
        p.dwell_s += rules.follow_up_s;
    }
    let Some(st) = &live.stoppage else { return };
    for d in &st.duties {
        let object = match &d.object {
            Some(o) => o.clone(),
            None => match scene.objects().iter().find(|o| o.kind == ObjectKind::Facility(FacilityKind::SiteOffice)) {
                Some(o) => o.id.to_string(),
                None => continue,
            },
        };
        let Some(i) = point_for(points, &object) else { continue };
        let p = &mut points[i];
        let (zh, en) = duty_words(d.duty);
        let urgent = !matches!(d.status, DutyStatus::Met(_));
        let e = d.status.evidence();
        let status = Bilingual::new(
            format!("{}：{}", i18n::duty_status_name(Lang::Zh, &d.status), e.zh),
            format!("{}: {}", i18n::duty_status_name(Lang::En, &d.status), e.en),
        );
        if urgent {
            p.priority = Priority::Urgent;
            p.dwell_s += rules.follow_up_s;
        }
        p.reasons.push(Bilingual::new(
            format!("停工职责「{zh}」{}", status.zh),
            format!("stopped-site duty {en}, {}", status.en),
        ));
        p.checks.push(Check {
            table: None,
            zh: format!("停工职责：{zh}"),
            en: format!("stopped-site duty: {en}"),
            because: Some(status),
        });
    }
}
