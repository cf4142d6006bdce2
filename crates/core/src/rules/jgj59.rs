//! JGJ 59-2011 《建筑施工安全检查标准》 scoring: sub-tables of guarantee (60) and general (40)
//! items scored by deduction, the zero rule, missing-item rescaling, the summary table's ten
//! weighted items (`A = B × C / 100`), means of several sub-tables, and the grade. The 1999 rules
//! (a pass with a zero sub-table) are deliberately not implemented.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::rondoc::{self, DocDecoder};

/// The ten summary items and their weights (points out of 100). Source: JGJ 59-2011 summary
/// table, standards doc §2.1 [S].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SummaryItem {
    /// 安全管理, 10.
    SafetyManagement,
    /// 文明施工, 15.
    CivilisedConstruction,
    /// 脚手架, 10.
    Scaffolding,
    /// 基坑工程, 10.
    FoundationPit,
    /// 模板支架, 10.
    FormworkSupport,
    /// 高处作业, 10.
    WorkAtHeight,
    /// 施工用电, 10.
    TemporaryElectricity,
    /// 物料提升机与施工升降机, 10.
    Hoists,
    /// 塔式起重机与起重吊装, 10.
    CranesAndLifting,
    /// 施工机具, 5.
    Machinery,
}

impl SummaryItem {
    /// Weight B in the summary table.
    pub fn weight(self) -> f64 {
        match self {
            SummaryItem::CivilisedConstruction => 15.0,
            SummaryItem::Machinery => 5.0,
            _ => 10.0,
        }
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            SummaryItem::SafetyManagement => "安全管理",
            SummaryItem::CivilisedConstruction => "文明施工",
            SummaryItem::Scaffolding => "脚手架",
            SummaryItem::FoundationPit => "基坑工程",
            SummaryItem::FormworkSupport => "模板支架",
            SummaryItem::WorkAtHeight => "高处作业",
            SummaryItem::TemporaryElectricity => "施工用电",
            SummaryItem::Hoists => "物料提升机与施工升降机",
            SummaryItem::CranesAndLifting => "塔式起重机与起重吊装",
            SummaryItem::Machinery => "施工机具",
        }
    }
}

/// The nineteen sub-tables (numbers B.1–B.19 are [R]; names and grouping [S]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SubTable {
    /// B.1 安全管理.
    SafetyManagement,
    /// B.2 文明施工.
    CivilisedConstruction,
    /// B.3 扣件式钢管脚手架.
    FastenerScaffold,
    /// B.4 门式钢管脚手架.
    PortalScaffold,
    /// B.5 碗扣式钢管脚手架.
    BowlBuckleScaffold,
    /// B.6 承插型盘扣式钢管脚手架.
    DiscLockScaffold,
    /// B.7 满堂脚手架.
    FullHallScaffold,
    /// B.8 悬挑式脚手架.
    CantileveredScaffold,
    /// B.9 附着式升降脚手架.
    AttachedLiftingScaffold,
    /// B.10 高处作业吊篮.
    Gondola,
    /// B.11 基坑工程.
    FoundationPit,
    /// B.12 模板支架.
    FormworkSupport,
    /// B.13 高处作业.
    WorkAtHeight,
    /// B.14 施工用电.
    TemporaryElectricity,
    /// B.15 物料提升机.
    MaterialHoist,
    /// B.16 施工升降机.
    ConstructionHoist,
    /// B.17 塔式起重机.
    TowerCrane,
    /// B.18 起重吊装.
    LiftingOperations,
    /// B.19 施工机具.
    Machinery,
}

impl SubTable {
    /// The summary item this table feeds (several feed scaffolding, hoists and cranes/lifting,
    /// whose score is their arithmetic mean).
    pub fn summary_item(self) -> SummaryItem {
        use SubTable::*;
        match self {
            SafetyManagement => SummaryItem::SafetyManagement,
            CivilisedConstruction => SummaryItem::CivilisedConstruction,
            FastenerScaffold
            | PortalScaffold
            | BowlBuckleScaffold
            | DiscLockScaffold
            | FullHallScaffold
            | CantileveredScaffold
            | AttachedLiftingScaffold
            | Gondola => SummaryItem::Scaffolding,
            FoundationPit => SummaryItem::FoundationPit,
            FormworkSupport => SummaryItem::FormworkSupport,
            WorkAtHeight => SummaryItem::WorkAtHeight,
            TemporaryElectricity => SummaryItem::TemporaryElectricity,
            MaterialHoist | ConstructionHoist => SummaryItem::Hoists,
            TowerCrane | LiftingOperations => SummaryItem::CranesAndLifting,
            Machinery => SummaryItem::Machinery,
        }
    }
}

/// Guarantee (保证项目) or general (一般项目) item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemKind {
    /// Guarantee item: must all be checked; the zero rule looks at these.
    Guarantee,
    /// General item.
    General,
}

/// One check item of a sub-table as the inspector filled it in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckItem {
    /// Item name (e.g. 载荷限制装置).
    pub name: String,
    /// Guarantee or general.
    pub kind: ItemKind,
    /// Full marks (应得分数).
    pub full: f64,
    /// Points deducted (扣减分数); more than `full` is floored at zero for the item.
    #[serde(default)]
    pub deduction: f64,
    /// False for an item that does not apply (缺项).
    #[serde(default = "yes")]
    pub checked: bool,
}

fn yes() -> bool {
    true
}

/// One filled sub-table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilledTable {
    /// Which table.
    pub table: SubTable,
    /// A label when the site has several of one table (two cranes, say).
    #[serde(default)]
    pub label: Option<String>,
    /// Its items.
    pub items: Vec<CheckItem>,
}

/// A filled inspection sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Sheet {
    /// Project.
    pub site: String,
    /// Inspection date.
    pub date: String,
    /// Inspector.
    pub inspector: String,
    /// Filled sub-tables.
    pub tables: Vec<FilledTable>,
}

/// A scored sub-table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableScore {
    /// Which table.
    pub table: SubTable,
    /// Its label.
    pub label: Option<String>,
    /// Score out of 100 (after rescaling for missing items, and the zero rule).
    pub score: f64,
    /// Guarantee items' actual points and full points (checked items).
    pub guarantee: (f64, f64),
    /// Why it scored zero, if it did.
    pub zeroed: Option<String>,
}

/// A scored summary item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemScore {
    /// Item.
    pub item: SummaryItem,
    /// C: the table score, or the mean of its tables.
    pub c: f64,
    /// A = B × C / 100.
    pub a: f64,
}

/// The grade (clause 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Grade {
    /// 优良: no zero sub-table and total ≥ 80.
    Good,
    /// 合格: no zero sub-table and 70 ≤ total < 80.
    Pass,
    /// 不合格: total < 70 or any sub-table zero.
    Fail,
}

impl Grade {
    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Grade::Good => "优良",
            Grade::Pass => "合格",
            Grade::Fail => "不合格",
        }
    }
}

/// The whole result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Result {
    /// Every sub-table.
    pub tables: Vec<TableScore>,
    /// Every summary item with a table.
    pub items: Vec<ItemScore>,
    /// Total out of 100, rescaled over the items present.
    pub total: f64,
    /// Grade.
    pub grade: Grade,
    /// Why, in words.
    pub reason: String,
}

/// Guarantee items below this share of their full marks zero the table (40 of 60).
const GUARANTEE_PASS_SHARE: f64 = 40.0 / 60.0;

/// Scores one sub-table.
pub fn score_table(t: &FilledTable) -> TableScore {
    let checked: Vec<&CheckItem> = t.items.iter().filter(|i| i.checked).collect();
    let actual = |i: &CheckItem| (i.full - i.deduction.max(0.0)).max(0.0);
    let full_sum: f64 = checked.iter().map(|i| i.full).sum();
    let actual_sum: f64 = checked.iter().map(|i| actual(i)).sum();
    let g_full: f64 = checked.iter().filter(|i| i.kind == ItemKind::Guarantee).map(|i| i.full).sum();
    let g_actual: f64 = checked.iter().filter(|i| i.kind == ItemKind::Guarantee).map(|i| actual(i)).sum();
    let zero_item = checked.iter().find(|i| i.kind == ItemKind::Guarantee && actual(i) <= 0.0);
    let zeroed = if let Some(i) = zero_item {
        Some(format!("guarantee item 「{}」 scored zero", i.name))
    } else if g_full > 0.0 && g_actual / g_full < GUARANTEE_PASS_SHARE - 1e-9 {
        Some(format!(
            "guarantee items scored {g_actual} of {g_full} ({:.1} %, below 40 of 60)",
            g_actual / g_full * 100.0
        ))
    } else {
        None
    };
    let score = if zeroed.is_some() || full_sum <= 0.0 { 0.0 } else { actual_sum / full_sum * 100.0 };
    TableScore { table: t.table, label: t.label.clone(), score, guarantee: (g_actual, g_full), zeroed }
}

/// Scores a sheet.
pub fn score(sheet: &Sheet) -> Result {
    let tables: Vec<TableScore> = sheet.tables.iter().map(score_table).collect();
    let mut by_item: BTreeMap<SummaryItem, Vec<f64>> = BTreeMap::new();
    for t in &tables {
        by_item.entry(t.table.summary_item()).or_default().push(t.score);
    }
    let items: Vec<ItemScore> = by_item
        .into_iter()
        .map(|(item, scores)| {
            let c = scores.iter().sum::<f64>() / scores.len() as f64;
            ItemScore { item, c, a: item.weight() * c / 100.0 }
        })
        .collect();
    let b_sum: f64 = items.iter().map(|i| i.item.weight()).sum();
    let a_sum: f64 = items.iter().map(|i| i.a).sum();
    let total = if b_sum > 0.0 { a_sum / b_sum * 100.0 } else { 0.0 };
    let zero = tables.iter().find(|t| t.zeroed.is_some());
    let (grade, reason) = match zero {
        Some(t) => {
            (Grade::Fail, format!("sub-table {:?} scored zero ({})", t.table, t.zeroed.clone().unwrap_or_default()))
        }
        None if total >= 80.0 => (Grade::Good, format!("total {total:.1} ≥ 80 and no sub-table scored zero")),
        None if total >= 70.0 => (Grade::Pass, format!("total {total:.1} from 70 to 80 and no sub-table scored zero")),
        None => (Grade::Fail, format!("total {total:.1} < 70")),
    };
    Result { tables, items, total, grade, reason }
}

/// Reads a sheet (RON) and checks it; errors name line, column and field.
pub fn load_sheet(path: &Path) -> std::result::Result<Sheet, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    parse_sheet(&text)
        .map_err(|errs| errs.iter().map(|e| format!("{}:{e}", path.display())).collect::<Vec<_>>().join("\n"))
}

/// Parses sheet text; every problem is reported.
pub fn parse_sheet(text: &str) -> std::result::Result<Sheet, Vec<String>> {
    let root = rondoc::parse(text).map_err(|e| vec![format!("{}: {}", e.pos, e.message)])?;
    let mut d = DocDecoder::new(&root, "Jgj59Sheet").map_err(|e| vec![e.to_string()])?;
    let sheet = Sheet {
        site: d.optional("site"),
        date: d.optional("date"),
        inspector: d.optional("inspector"),
        tables: d.list("tables"),
    };
    let index = rondoc::PathIndex::build(&root);
    let mut errs: Vec<String> = d
        .finish()
        .iter()
        .map(|e| match e.pos {
            Some(p) => format!("{}:{}: {e}", p.line, p.column),
            None => e.to_string(),
        })
        .collect();
    for (ti, t) in sheet.tables.iter().enumerate() {
        let tp = rondoc::FieldPath::root().field("tables").index(ti);
        let at =
            |p: &rondoc::FieldPath| index.find(p).map(|p| format!("{}:{}: ", p.line, p.column)).unwrap_or_default();
        if t.items.is_empty() {
            errs.push(format!("{}{tp}.items: a table needs its items", at(&tp)));
        }
        for (ii, i) in t.items.iter().enumerate() {
            let ip = tp.field("items").index(ii);
            if !(i.full.is_finite() && i.full > 0.0) {
                errs.push(format!(
                    "{}{ip}.full: expected positive full marks, found {}",
                    at(&ip.field("full")),
                    i.full
                ));
            }
            if !(i.deduction.is_finite() && i.deduction >= 0.0) {
                errs.push(format!(
                    "{}{ip}.deduction: expected zero or more points, found {}",
                    at(&ip.field("deduction")),
                    i.deduction
                ));
            }
            if i.kind == ItemKind::Guarantee && !i.checked {
                errs.push(format!("{}{ip}.checked: every guarantee item must be checked (JGJ 59 clause 4)", at(&ip)));
            }
        }
        let total: f64 = t.items.iter().map(|i| i.full).sum();
        if (total - 100.0).abs() > 1e-6 {
            errs.push(format!("{}{tp}: full marks add up to {total}, a sub-table is out of 100", at(&tp)));
        }
        let g: f64 = t.items.iter().filter(|i| i.kind == ItemKind::Guarantee).map(|i| i.full).sum();
        if g > 0.0 && (g - 60.0).abs() > 1e-6 {
            errs.push(format!("{}{tp}: guarantee items add up to {g}, JGJ 59 gives them 60", at(&tp)));
        }
    }
    if errs.is_empty() { Ok(sheet) } else { Err(errs) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(t: SubTable, guarantee_deductions: &[f64], general_deductions: &[f64]) -> FilledTable {
        // Six guarantee items of 10 and four general items of 10, as most sub-tables have.
        let mut items = Vec::new();
        for (k, d) in guarantee_deductions.iter().enumerate() {
            items.push(CheckItem {
                name: format!("G{k}"),
                kind: ItemKind::Guarantee,
                full: 10.0,
                deduction: *d,
                checked: true,
            });
        }
        for (k, d) in general_deductions.iter().enumerate() {
            items.push(CheckItem {
                name: format!("N{k}"),
                kind: ItemKind::General,
                full: 10.0,
                deduction: *d,
                checked: true,
            });
        }
        FilledTable { table: t, label: None, items }
    }

    #[test]
    fn deductions_are_floored_per_item() {
        // One general item loses 25 of its 10 points: it counts as 0, not −15.
        let t = table(SubTable::FoundationPit, &[0.0; 6], &[25.0, 0.0, 0.0, 0.0]);
        assert_eq!(score_table(&t).score, 90.0);
    }

    #[test]
    fn the_zero_rule() {
        // A guarantee item at zero zeroes the table even though the rest is perfect.
        let t = score_table(&table(SubTable::TowerCrane, &[10.0, 0.0, 0.0, 0.0, 0.0, 0.0], &[0.0; 4]));
        assert_eq!(t.score, 0.0);
        assert!(t.zeroed.unwrap().contains("G0"));
        // Guarantee subtotal 39 of 60 (below 40) zeroes it; 40 of 60 does not.
        let t = score_table(&table(SubTable::TowerCrane, &[4.0, 4.0, 4.0, 4.0, 4.0, 1.0], &[0.0; 4]));
        assert_eq!((t.guarantee, t.score), ((39.0, 60.0), 0.0));
        let t = score_table(&table(SubTable::TowerCrane, &[4.0, 4.0, 4.0, 4.0, 4.0, 0.0], &[0.0; 4]));
        assert_eq!((t.guarantee, t.score), ((40.0, 60.0), 80.0));
    }

    #[test]
    fn missing_items_are_rescaled() {
        // Two general items (20 points) do not apply; 70 of the remaining 80 → 87.5.
        let mut t = table(SubTable::FormworkSupport, &[1.0, 1.0, 1.0, 1.0, 1.0, 1.0], &[2.0, 2.0, 0.0, 0.0]);
        t.items[8].checked = false;
        t.items[9].checked = false;
        let s = score_table(&t);
        assert_eq!(s.score, 70.0 / 80.0 * 100.0);
    }

    /// A worked example: every summary item, two scaffold tables averaged, no hoist on site.
    #[test]
    fn worked_example_summary_and_grade() {
        let sheet = Sheet {
            site: "demo".into(),
            date: "2026-11-20".into(),
            inspector: "inspector".into(),
            tables: vec![
                table(SubTable::SafetyManagement, &[0.0, 2.0, 0.0, 0.0, 0.0, 0.0], &[2.0, 0.0, 0.0, 0.0]), // 96
                table(SubTable::CivilisedConstruction, &[2.0, 0.0, 0.0, 2.0, 0.0, 0.0], &[0.0, 4.0, 0.0, 0.0]), // 92
                table(SubTable::FastenerScaffold, &[0.0, 0.0, 4.0, 0.0, 0.0, 0.0], &[0.0, 0.0, 6.0, 0.0]), // 90
                table(SubTable::DiscLockScaffold, &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0], &[0.0, 0.0, 0.0, 20.0]), // 90
                table(SubTable::FoundationPit, &[0.0, 0.0, 0.0, 3.0, 0.0, 0.0], &[5.0, 0.0, 0.0, 0.0]),    // 92
                table(SubTable::FormworkSupport, &[0.0, 5.0, 0.0, 0.0, 0.0, 0.0], &[0.0, 0.0, 5.0, 0.0]),  // 90
                table(SubTable::WorkAtHeight, &[0.0; 6], &[10.0, 0.0, 0.0, 0.0]),                          // 90
                table(SubTable::TemporaryElectricity, &[0.0, 0.0, 6.0, 0.0, 0.0, 0.0], &[0.0, 0.0, 0.0, 2.0]), // 92
                table(SubTable::TowerCrane, &[0.0, 0.0, 0.0, 0.0, 0.0, 4.0], &[0.0, 0.0, 0.0, 0.0]),       // 96
                table(SubTable::LiftingOperations, &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0], &[8.0, 0.0, 0.0, 0.0]), // 92
                table(SubTable::Machinery, &[0.0; 6], &[0.0, 0.0, 6.0, 10.0]),                             // 84
            ],
        };
        let r = score(&sheet);
        let c = |item| r.items.iter().find(|i| i.item == item).unwrap().c;
        assert_eq!(c(SummaryItem::Scaffolding), 90.0);
        assert_eq!(c(SummaryItem::CranesAndLifting), 94.0);
        // A = B × C / 100, summed: 9.6 + 13.8 + 9 + 9.2 + 9 + 9 + 9.2 + 9.4 + 4.2 = 82.4 of 90
        // (no hoists: B = 90), rescaled to 100 → 91.56.
        let a: f64 = r.items.iter().map(|i| i.a).sum();
        assert!((a - 82.4).abs() < 1e-9, "{a}");
        assert!((r.total - 82.4 / 90.0 * 100.0).abs() < 1e-9);
        assert_eq!(r.grade, Grade::Good);
        assert!(!r.items.iter().any(|i| i.item == SummaryItem::Hoists));
    }

    #[test]
    fn grade_boundaries_and_a_zero_table_fails_whatever_the_total() {
        let one = |d: f64| Sheet {
            tables: vec![table(SubTable::FoundationPit, &[0.0; 6], &[d, 0.0, 0.0, 0.0])],
            ..Sheet::default()
        };
        assert_eq!(score(&one(10.0)).grade, Grade::Good); // 90
        let two = |dg: f64, dn: f64| Sheet {
            tables: vec![table(SubTable::FoundationPit, &[dg, 0.0, 0.0, 0.0, 0.0, 0.0], &[dn, dn, 0.0, 0.0])],
            ..Sheet::default()
        };
        assert_eq!(score(&two(0.0, 10.0)).grade, Grade::Good); // 80
        assert_eq!(score(&two(1.0, 10.0)).grade, Grade::Pass); // 79
        assert_eq!(score(&two(9.0, 10.0)).grade, Grade::Pass); // 71
        let seventy = Sheet {
            tables: vec![table(SubTable::FoundationPit, &[5.0, 5.0, 0.0, 0.0, 0.0, 0.0], &[10.0, 10.0, 0.0, 0.0])],
            ..Sheet::default()
        };
        assert_eq!((score(&seventy).total, score(&seventy).grade), (70.0, Grade::Pass));
        let sixty_nine = Sheet {
            tables: vec![table(SubTable::FoundationPit, &[5.0, 6.0, 0.0, 0.0, 0.0, 0.0], &[10.0, 10.0, 0.0, 0.0])],
            ..Sheet::default()
        };
        assert_eq!(score(&sixty_nine).grade, Grade::Fail);
        let mut with_zero = one(0.0);
        with_zero.tables.push(table(SubTable::TowerCrane, &[10.0, 0.0, 0.0, 0.0, 0.0, 0.0], &[0.0; 4]));
        let r = score(&with_zero);
        assert!(r.total > 49.0);
        assert_eq!(r.grade, Grade::Fail);
        assert!(r.reason.contains("TowerCrane"), "{}", r.reason);
    }

    #[test]
    fn sheets_parse_and_bad_sheets_name_the_field() {
        let ok = r#"Jgj59Sheet(site: "demo", date: "2026-11-20", inspector: "张", tables: [
            (table: FoundationPit, items: [
                (name: "施工方案", kind: Guarantee, full: 10, deduction: 0),
                (name: "基坑支护", kind: Guarantee, full: 10, deduction: 2),
                (name: "降排水", kind: Guarantee, full: 10),
                (name: "基坑开挖", kind: Guarantee, full: 10),
                (name: "坑边荷载", kind: Guarantee, full: 10),
                (name: "安全防护", kind: Guarantee, full: 10),
                (name: "基坑监测", kind: General, full: 10, deduction: 3),
                (name: "支撑拆除", kind: General, full: 10, checked: false),
                (name: "作业环境", kind: General, full: 10),
                (name: "应急预案", kind: General, full: 10),
            ]),
        ])"#;
        let s = parse_sheet(ok).unwrap();
        assert_eq!(score(&s).tables[0].score, 85.0 / 90.0 * 100.0);
        let bad = ok.replace("deduction: 2)", "deduction: -2)").replace("checked: false", "checked: false, note: 1");
        let e = parse_sheet(&bad).unwrap_err();
        assert!(e.iter().any(|m| m.contains("tables[0].items[1].deduction: expected zero or more")), "{e:?}");
        assert!(e.iter().any(|m| m.contains("unknown field `note`")), "{e:?}");
        let e = parse_sheet(&ok.replace("(name: \"应急预案\", kind: General, full: 10),", "")).unwrap_err();
        assert!(e.iter().any(|m| m.contains("add up to 90")), "{e:?}");
    }
}
