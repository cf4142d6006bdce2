//! What an inspector checks at each kind of object: the JGJ 59-2011 sub-table check items (names,
//! guarantee or general, full marks), as the standards doc §2.4 lists them and the inspectors'
//! sheets score them (`docs/examples/jgj59-sheet.ron`). Safety management and the tower crane are
//! [S]; the other tables' item lists are [R] (recalled, not checked against the standard's text),
//! which the report says beside every table it fills.

use serde::Serialize;

use crate::rules::jgj59::{ItemKind, SubTable};

/// One check item of a sub-table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ItemSpec {
    /// The item as the sheet names it (Chinese).
    pub zh: &'static str,
    /// In English.
    pub en: &'static str,
    /// Guarantee or general.
    pub kind: ItemKind,
    /// Full marks.
    pub full: f64,
}

const fn g(zh: &'static str, en: &'static str, full: f64) -> ItemSpec {
    ItemSpec { zh, en, kind: ItemKind::Guarantee, full }
}

const fn n(zh: &'static str, en: &'static str, full: f64) -> ItemSpec {
    ItemSpec { zh, en, kind: ItemKind::General, full }
}

const SAFETY_MANAGEMENT: &[ItemSpec] = &[
    g("安全生产责任制", "safety responsibility system", 10.0),
    g("施工组织设计及专项施工方案", "construction plan and special schemes", 10.0),
    g("安全技术交底", "safety briefing", 10.0),
    g("安全检查", "safety inspection", 10.0),
    g("安全教育", "safety training", 10.0),
    g("应急救援", "emergency rescue", 10.0),
    n("分包单位安全管理", "subcontractor management", 10.0),
    n("持证上岗", "certified personnel", 10.0),
    n("生产安全事故处理", "accident handling", 10.0),
    n("安全标志", "safety signs", 10.0),
];

const CIVILISED: &[ItemSpec] = &[
    g("现场围挡", "site hoarding", 10.0),
    g("封闭管理", "closed management", 10.0),
    g("施工场地", "site ground", 10.0),
    g("材料管理", "materials", 10.0),
    g("现场办公与住宿", "office and dormitory", 10.0),
    g("现场防火", "fire prevention", 10.0),
    n("综合治理", "integrated management", 10.0),
    n("公示标牌", "notice boards", 10.0),
    n("生活设施", "living facilities", 10.0),
    n("社区服务", "community service", 10.0),
];

const FOUNDATION_PIT: &[ItemSpec] = &[
    g("施工方案", "construction scheme", 10.0),
    g("基坑支护", "support", 10.0),
    g("降排水", "dewatering and drainage", 10.0),
    g("基坑开挖", "excavation", 10.0),
    g("坑边荷载", "edge loading", 10.0),
    g("安全防护", "edge protection", 10.0),
    n("基坑监测", "pit monitoring", 10.0),
    n("支撑拆除", "support removal", 10.0),
    n("作业环境", "work environment", 10.0),
    n("应急预案", "emergency plan", 10.0),
];

const SCAFFOLD: &[ItemSpec] = &[
    g("施工方案", "construction scheme", 10.0),
    g("立杆基础", "standard foundations", 10.0),
    g("架体与建筑结构拉结", "ties to the structure", 10.0),
    g("杆件间距与剪刀撑", "spacing and bracing", 10.0),
    g("脚手板与防护栏杆", "boards and guard rails", 10.0),
    g("交底与验收", "briefing and acceptance", 10.0),
    n("横向水平杆设置", "transoms", 10.0),
    n("杆件连接", "member connections", 10.0),
    n("层间防护", "protection between lifts", 10.0),
    n("构配件材质", "components and materials", 10.0),
];

const FORMWORK: &[ItemSpec] = &[
    g("施工方案", "scheme", 10.0),
    g("支架基础", "foundation", 10.0),
    g("支架构造", "structure", 10.0),
    g("支架稳定", "stability", 10.0),
    g("施工荷载", "construction load", 10.0),
    g("交底与验收", "briefing and acceptance", 10.0),
    n("杆件连接", "member connections", 10.0),
    n("底座与托撑", "base plates and jacks", 10.0),
    n("构配件材质", "components and materials", 10.0),
    n("支架拆除", "dismantling", 10.0),
];

const WORK_AT_HEIGHT: &[ItemSpec] = &[
    n("安全帽", "helmets", 10.0),
    n("安全网", "safety nets", 10.0),
    n("安全带", "harnesses", 10.0),
    n("临边防护", "edge protection", 10.0),
    n("洞口防护", "opening covers", 10.0),
    n("通道口防护", "passage canopies", 10.0),
    n("攀登作业", "climbing", 10.0),
    n("悬空作业", "suspended work", 10.0),
    n("移动式操作平台", "mobile platforms", 10.0),
    n("悬挑式物料钢平台", "cantilevered steel platforms", 10.0),
];

const ELECTRICITY: &[ItemSpec] = &[
    g("外电防护", "external-line protection", 10.0),
    g("接地与接零保护系统", "earthing and TN-S system", 20.0),
    g("配电线路", "distribution lines", 10.0),
    g("配电箱与开关箱", "distribution and switch boxes", 20.0),
    n("配电室与配电装置", "distribution room", 15.0),
    n("现场照明", "lighting", 15.0),
    n("用电档案", "electrical records", 10.0),
];

const HOIST: &[ItemSpec] = &[
    g("安全装置", "safety devices", 10.0),
    g("限位装置", "limit devices", 10.0),
    g("防护设施", "protection", 10.0),
    g("附墙架", "wall ties", 10.0),
    g("钢丝绳、滑轮与对重", "ropes, sheaves and counterweight", 10.0),
    g("安拆、验收与使用", "erection, acceptance and use", 10.0),
    n("导轨架", "guide mast", 10.0),
    n("基础", "foundation", 10.0),
    n("电气安全", "electrical safety", 10.0),
    n("通信装置", "communication", 10.0),
];

const TOWER_CRANE: &[ItemSpec] = &[
    g("载荷限制装置", "load limiters", 10.0),
    g("行程限位装置", "travel limits", 10.0),
    g("保护装置", "protection devices (anemometer, obstacle light, buffers)", 10.0),
    g("吊钩、滑轮、卷筒与钢丝绳", "hook, sheaves, drum and rope", 10.0),
    g("多塔作业", "multi-crane work", 10.0),
    g("安拆、验收与使用", "erection, acceptance and use", 10.0),
    n("附着", "ties to the structure", 10.0),
    n("基础与轨道", "foundation and track", 10.0),
    n("结构设施", "structure", 10.0),
    n("电气安全", "electrical safety", 10.0),
];

const LIFTING: &[ItemSpec] = &[
    g("施工方案", "scheme", 10.0),
    g("起重机械", "crane", 10.0),
    g("钢丝绳与地锚", "ropes and anchors", 10.0),
    g("索具", "rigging", 10.0),
    g("作业环境", "environment", 10.0),
    g("作业人员", "personnel", 10.0),
    n("起重吊装", "lifting", 10.0),
    n("高处作业", "height work", 10.0),
    n("构件码放", "component stacking", 10.0),
    n("警戒监护", "guarding", 10.0),
];

/// The check items of a sub-table.
pub fn items(table: SubTable) -> &'static [ItemSpec] {
    use SubTable::*;
    match table {
        SafetyManagement => SAFETY_MANAGEMENT,
        CivilisedConstruction => CIVILISED,
        FastenerScaffold
        | PortalScaffold
        | BowlBuckleScaffold
        | DiscLockScaffold
        | FullHallScaffold
        | CantileveredScaffold
        | AttachedLiftingScaffold
        | Gondola => SCAFFOLD,
        FoundationPit => FOUNDATION_PIT,
        FormworkSupport => FORMWORK,
        WorkAtHeight => WORK_AT_HEIGHT,
        TemporaryElectricity => ELECTRICITY,
        MaterialHoist | ConstructionHoist => HOIST,
        TowerCrane => TOWER_CRANE,
        LiftingOperations => LIFTING,
        Machinery => &[],
    }
}

/// Whether a table's item list is confirmed in the standards doc ([S]) or recalled ([R]).
pub fn confirmed(table: SubTable) -> bool {
    matches!(table, SubTable::SafetyManagement | SubTable::TowerCrane)
}

/// The item of `table` named `zh`.
pub fn item(table: SubTable, zh: &str) -> Option<&'static ItemSpec> {
    items(table).iter().find(|i| i.zh == zh)
}
