//! JGJ 59-2011 《建筑施工安全检查标准》 scoring: sub-tables of guarantee (60) and general (40)
//! items scored by deduction, the zero rule, missing-item rescaling, the summary table's ten
//! weighted items (`A = B × C / 100`), means of several sub-tables, and the grade, all in exact
//! rational arithmetic so that a total exactly at a threshold is graded by it. The 1999 rules
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
    /// Weight B in the summary table, points.
    pub fn weight(self) -> u32 {
        match self {
            SummaryItem::CivilisedConstruction => 15,
            SummaryItem::Machinery => 5,
            _ => 10,
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
    /// Guarantee item: every one that applies must be checked; the zero rule looks at these.
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
    /// False for an item that does not apply to the site (缺项), guarantee items included
    /// (多塔作业 on a site with one crane); the table is then rescaled over the checked items.
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

impl Sheet {
    /// The sheet as `rules jgj59` reads it (RON, one item per line), so a generated sheet can be
    /// scored, edited and scored again: [`parse_sheet`] gives back the same sheet.
    pub fn to_ron(&self) -> String {
        let q = |s: &str| format!("{s:?}");
        let num = |x: f64| if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") };
        let mut out = String::from("Jgj59Sheet(\n");
        out += &format!(
            "    site: {},\n    date: {},\n    inspector: {},\n    tables: [\n",
            q(&self.site),
            q(&self.date),
            q(&self.inspector)
        );
        for t in &self.tables {
            out += &format!("        (table: {:?}, ", t.table);
            if let Some(l) = &t.label {
                out += &format!("label: {}, ", q(l));
            }
            out += "items: [\n";
            for i in &t.items {
                out += &format!("            (name: {}, kind: {:?}, full: {}, ", q(&i.name), i.kind, num(i.full));
                out += &if i.checked {
                    format!("deduction: {}),\n", num(i.deduction))
                } else {
                    "checked: false),\n".into()
                };
            }
            out += "        ]),\n";
        }
        out += "    ],\n)\n";
        out
    }
}

/// An exact score: a reduced fraction `num / den` with `den > 0`.
///
/// JGJ 59 gives no rounding rule for sub-table scores, means, `A = B × C / 100` or the
/// missing-item rescaling, so sitetwin scores in exact rational arithmetic and judges the grade
/// (≥ 80, ≥ 70) and the zero rule on the exact value; `f64` copies are for display and JSON only.
/// Serialised as the string `"num/den"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fraction {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

impl Fraction {
    /// `num / den`, reduced; `None` when `den` is zero.
    pub fn new(num: i128, den: i128) -> Option<Fraction> {
        if den == 0 {
            return None;
        }
        let g = gcd(num, den).max(1);
        let s = if den < 0 { -1 } else { 1 };
        Some(Fraction { num: s * num / g, den: s * den / g })
    }

    /// A whole number.
    pub fn int(n: i128) -> Fraction {
        Fraction { num: n, den: 1 }
    }

    /// Numerator (of the reduced fraction).
    pub fn numer(self) -> i128 {
        self.num
    }

    /// Denominator (of the reduced fraction, positive).
    pub fn denom(self) -> i128 {
        self.den
    }

    /// Exactly zero.
    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    /// `self ≥ n`, exactly (no overflow: compares the floor).
    pub fn at_least(self, n: i128) -> bool {
        self.num.div_euclid(self.den) >= n
    }

    /// The nearest `f64` (for display and JSON).
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    fn add(self, o: Fraction) -> Option<Fraction> {
        let g = gcd(self.den, o.den).max(1);
        let l = (self.den / g).checked_mul(o.den)?;
        let a = self.num.checked_mul(l / self.den)?;
        let b = o.num.checked_mul(l / o.den)?;
        Fraction::new(a.checked_add(b)?, l)
    }

    fn mul(self, o: Fraction) -> Option<Fraction> {
        // Cross-reduce first so that exact products stay small.
        let g1 = gcd(self.num, o.den).max(1);
        let g2 = gcd(o.num, self.den).max(1);
        Fraction::new((self.num / g1).checked_mul(o.num / g2)?, (self.den / g2).checked_mul(o.den / g1)?)
    }

    fn div(self, o: Fraction) -> Option<Fraction> {
        if o.num == 0 {
            return None;
        }
        self.mul(Fraction { num: o.den, den: o.num })
    }

    /// For people: one decimal when that is exact (`92.6`), two when that is (`91.25`), else
    /// rounded *down* to two decimals with an ellipsis (`91.55…`), so a printed value never shows
    /// a grade threshold the score did not reach.
    pub fn display(self) -> String {
        let scaled = |k: i128| self.num.checked_mul(k).map(|n| (n.div_euclid(self.den), n.rem_euclid(self.den) == 0));
        let fmt = |v: i128, places: usize| {
            let k = 10i128.pow(places as u32);
            let sign = if v < 0 { "-" } else { "" };
            format!("{sign}{}.{:0places$}", (v / k).abs(), (v % k).abs())
        };
        match (scaled(10), scaled(100)) {
            (Some((v, true)), _) => fmt(v, 1),
            (_, Some((v, true))) => fmt(v, 2),
            (_, Some((v, false))) => format!("{}…", fmt(v, 2)),
            _ => format!("{:.2}…", self.to_f64()),
        }
    }
}

impl Serialize for Fraction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}/{}", self.num, self.den))
    }
}

/// Why a sheet could not be scored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    /// Points must be finite, not negative, and whole tenths of a point.
    #[error("{table}: item 「{item}」 {field} = {value}: points must be zero or more, in whole tenths")]
    BadPoints {
        /// The table (`TowerCrane (1#塔吊)`).
        table: String,
        /// The item's name.
        item: String,
        /// `full` or `deduction`.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// A table none of whose items was checked cannot be scored (leave it off the sheet).
    #[error("{table}: no item was checked; a table that does not apply is left off the sheet")]
    NothingChecked {
        /// The table.
        table: String,
    },
    /// Exact arithmetic ran out of range (denominators beyond 128 bits).
    #[error("the scores of this sheet are beyond exact 128-bit arithmetic")]
    Overflow,
}

/// A scored sub-table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableScore {
    /// Which table.
    pub table: SubTable,
    /// Its label.
    pub label: Option<String>,
    /// Score out of 100 (after rescaling for missing items, and the zero rule), for display.
    pub score: f64,
    /// The exact score.
    pub score_exact: Fraction,
    /// Guarantee items' actual points and full points (checked items).
    pub guarantee: (f64, f64),
    /// Why it scored zero, if it did (the zero rule, or every point deducted).
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
    /// C, exact.
    pub c_exact: Fraction,
    /// A, exact.
    pub a_exact: Fraction,
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
pub struct SheetScore {
    /// Every sub-table.
    pub tables: Vec<TableScore>,
    /// Every summary item with a table.
    pub items: Vec<ItemScore>,
    /// Total out of 100, rescaled over the items present (nearest `f64` of `total_exact`).
    pub total: f64,
    /// The exact total the grade is judged on.
    pub total_exact: Fraction,
    /// Grade.
    pub grade: Grade,
    /// Why, in words.
    pub reason: String,
}

/// Points in whole tenths (JGJ 59 sheets deduct whole points; tenths leave room for half points).
fn tenths(table: &str, item: &CheckItem, field: &'static str, value: f64) -> std::result::Result<i128, ScoreError> {
    let t = value * 10.0;
    let r = t.round();
    if value.is_finite() && value >= 0.0 && (t - r).abs() <= 1e-6 && r <= 1e9 {
        Ok(r as i128)
    } else {
        Err(ScoreError::BadPoints { table: table.into(), item: item.name.clone(), field, value })
    }
}

fn table_name(table: SubTable, label: Option<&str>) -> String {
    match label {
        Some(l) => format!("{table:?} ({l})"),
        None => format!("{table:?}"),
    }
}

/// Scores one sub-table (clause 4): deductions floored per item; the zero rule (a guarantee item
/// at zero, or the checked guarantee items below 40/60 of their full marks, compared exactly as
/// `3 × actual < 2 × full`); missing items (缺项) rescaled as `Σ actual / Σ full × 100` over the
/// checked items.
pub fn score_table(t: &FilledTable) -> std::result::Result<TableScore, ScoreError> {
    let name = table_name(t.table, t.label.as_deref());
    // (kind, name, full, actual) of the checked items, in tenths of a point.
    let mut checked: Vec<(ItemKind, &str, i128, i128)> = Vec::new();
    for i in &t.items {
        let full = tenths(&name, i, "full", i.full)?;
        let deduction = tenths(&name, i, "deduction", i.deduction)?;
        if i.checked {
            checked.push((i.kind, &i.name, full, (full - deduction).max(0)));
        }
    }
    let full_sum: i128 = checked.iter().map(|c| c.2).sum();
    let actual_sum: i128 = checked.iter().map(|c| c.3).sum();
    if full_sum == 0 {
        return Err(ScoreError::NothingChecked { table: name });
    }
    let guarantee = checked.iter().filter(|c| c.0 == ItemKind::Guarantee);
    let g_full: i128 = guarantee.clone().map(|c| c.2).sum();
    let g_actual: i128 = guarantee.clone().map(|c| c.3).sum();
    let zeroed = if let Some(c) = guarantee.clone().find(|c| c.3 == 0) {
        Some(format!("guarantee item 「{}」 scored zero", c.1))
    } else if g_full > 0 && 3 * g_actual < 2 * g_full {
        Some(format!(
            "guarantee items scored {} of {} ({:.1} %, below 40/60)",
            g_actual as f64 / 10.0,
            g_full as f64 / 10.0,
            g_actual as f64 / g_full as f64 * 100.0
        ))
    } else if actual_sum == 0 {
        Some("every checked item lost all its points".into())
    } else {
        None
    };
    let exact = if zeroed.is_some() {
        Fraction::int(0)
    } else {
        Fraction::new(100 * actual_sum, full_sum).ok_or(ScoreError::Overflow)?
    };
    Ok(TableScore {
        table: t.table,
        label: t.label.clone(),
        score: exact.to_f64(),
        score_exact: exact,
        guarantee: (g_actual as f64 / 10.0, g_full as f64 / 10.0),
        zeroed,
    })
}

/// Scores a sheet: every sub-table, the mean of the tables of one summary item, `A = B × C / 100`,
/// the total rescaled over the summary items present, and the grade (clause 5) judged on the
/// exact total.
pub fn score(sheet: &Sheet) -> std::result::Result<SheetScore, ScoreError> {
    let tables: Vec<TableScore> = sheet.tables.iter().map(score_table).collect::<std::result::Result<_, _>>()?;
    let mut by_item: BTreeMap<SummaryItem, Vec<Fraction>> = BTreeMap::new();
    for t in &tables {
        by_item.entry(t.table.summary_item()).or_default().push(t.score_exact);
    }
    let mut items = Vec::new();
    let (mut a_sum, mut b_sum) = (Fraction::int(0), 0i128);
    for (item, scores) in by_item {
        let sum = scores.iter().try_fold(Fraction::int(0), |s, x| s.add(*x)).ok_or(ScoreError::Overflow)?;
        let c = sum.div(Fraction::int(scores.len() as i128)).ok_or(ScoreError::Overflow)?;
        let b = i128::from(item.weight());
        let a = c.mul(Fraction::new(b, 100).ok_or(ScoreError::Overflow)?).ok_or(ScoreError::Overflow)?;
        a_sum = a_sum.add(a).ok_or(ScoreError::Overflow)?;
        b_sum += b;
        items.push(ItemScore { item, c: c.to_f64(), a: a.to_f64(), c_exact: c, a_exact: a });
    }
    let total = if b_sum > 0 {
        a_sum.mul(Fraction::new(100, b_sum).ok_or(ScoreError::Overflow)?).ok_or(ScoreError::Overflow)?
    } else {
        Fraction::int(0)
    };
    let shown = total.display();
    let zero = tables.iter().find(|t| t.zeroed.is_some());
    let (grade, reason) = match zero {
        Some(t) => (
            Grade::Fail,
            format!(
                "sub-table {} scored zero ({})",
                table_name(t.table, t.label.as_deref()),
                t.zeroed.clone().unwrap_or_default()
            ),
        ),
        None if total.at_least(80) => (Grade::Good, format!("total {shown} ≥ 80 and no sub-table scored zero")),
        None if total.at_least(70) => {
            (Grade::Pass, format!("total {shown} from 70 to under 80 and no sub-table scored zero"))
        }
        None => (Grade::Fail, format!("total {shown} < 70")),
    };
    Ok(SheetScore { tables, items, total: total.to_f64(), total_exact: total, grade, reason })
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
    let at = |p: &rondoc::FieldPath| index.find(p).map(|p| format!("{}:{}: ", p.line, p.column)).unwrap_or_default();
    if sheet.tables.is_empty() && errs.is_empty() {
        errs.push("tables: a sheet needs at least one sub-table".into());
    }
    // Points in tenths, for exact sums.
    let tenths = |x: f64| {
        let t = x * 10.0;
        (x.is_finite() && (t - t.round()).abs() <= 1e-6 && t.abs() <= 1e9).then(|| t.round() as i64)
    };
    for (ti, t) in sheet.tables.iter().enumerate() {
        let tp = rondoc::FieldPath::root().field("tables").index(ti);
        if t.items.is_empty() {
            errs.push(format!("{}{tp}.items: a table needs its items", at(&tp)));
        }
        let (mut total, mut g, mut bad) = (0i64, 0i64, false);
        for (ii, i) in t.items.iter().enumerate() {
            let ip = tp.field("items").index(ii);
            match tenths(i.full).filter(|f| *f > 0) {
                Some(f) => {
                    total += f;
                    if i.kind == ItemKind::Guarantee {
                        g += f;
                    }
                }
                None => {
                    bad = true;
                    errs.push(format!(
                        "{}{ip}.full: expected positive full marks in whole tenths of a point, found {}",
                        at(&ip.field("full")),
                        i.full
                    ));
                }
            }
            if tenths(i.deduction).is_none_or(|d| d < 0) {
                errs.push(format!(
                    "{}{ip}.deduction: expected zero or more points in whole tenths, found {}",
                    at(&ip.field("deduction")),
                    i.deduction
                ));
            }
        }
        if !t.items.is_empty() && !t.items.iter().any(|i| i.checked) {
            errs.push(format!("{}{tp}: no item is checked; leave a table that does not apply off the sheet", at(&tp)));
        }
        let has_g = t.items.iter().any(|i| i.kind == ItemKind::Guarantee);
        if has_g && !t.items.iter().any(|i| i.kind == ItemKind::Guarantee && i.checked) {
            errs.push(format!(
                "{}{tp}: every guarantee item is missing (缺项); a table none of whose guarantee items applies is left off the sheet",
                at(&tp)
            ));
        }
        if !bad && total != 1000 {
            errs.push(format!(
                "{}{tp}: full marks add up to {}, a sub-table is out of 100",
                at(&tp),
                total as f64 / 10.0
            ));
        }
        if !bad && g > 0 && g != 600 {
            errs.push(format!("{}{tp}: guarantee items add up to {}, JGJ 59 gives them 60", at(&tp), g as f64 / 10.0));
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

    fn sheet(tables: Vec<FilledTable>) -> Sheet {
        Sheet { tables, ..Sheet::default() }
    }

    fn frac(n: i128, d: i128) -> Fraction {
        Fraction::new(n, d).unwrap()
    }

    #[test]
    fn deductions_are_floored_per_item() {
        // One general item loses 25 of its 10 points: it counts as 0, not −15.
        let t = table(SubTable::FoundationPit, &[0.0; 6], &[25.0, 0.0, 0.0, 0.0]);
        assert_eq!(score_table(&t).unwrap().score_exact, Fraction::int(90));
    }

    #[test]
    fn the_zero_rule() {
        // A guarantee item at zero zeroes the table even though the rest is perfect.
        let t = score_table(&table(SubTable::TowerCrane, &[10.0, 0.0, 0.0, 0.0, 0.0, 0.0], &[0.0; 4])).unwrap();
        assert_eq!(t.score, 0.0);
        assert!(t.zeroed.unwrap().contains("G0"));
        // Guarantee subtotal 39 of 60 (below 40) zeroes it; 40 of 60 does not.
        let t = score_table(&table(SubTable::TowerCrane, &[4.0, 4.0, 4.0, 4.0, 4.0, 1.0], &[0.0; 4])).unwrap();
        assert_eq!((t.guarantee, t.score), ((39.0, 60.0), 0.0));
        let t = score_table(&table(SubTable::TowerCrane, &[4.0, 4.0, 4.0, 4.0, 4.0, 0.0], &[0.0; 4])).unwrap();
        assert_eq!((t.guarantee, t.score_exact), ((40.0, 60.0), Fraction::int(80)));
        // And in tenths: 39.9 of 60 zeroes it.
        let t = score_table(&table(SubTable::TowerCrane, &[4.0, 4.0, 4.0, 4.0, 4.0, 0.1], &[0.0; 4])).unwrap();
        assert_eq!(t.score, 0.0);
        assert!(t.zeroed.unwrap().contains("39.9 of 60"));
    }

    #[test]
    fn missing_guarantee_items_use_the_two_thirds_rule_on_the_checked_ones() {
        // 多塔作业 does not apply (one crane): 50 guarantee points are checked. 40/60 of 50 is
        // 33.33…: 33.4 passes, 33.3 zeroes the table.
        let one_crane = |deductions: [f64; 5]| {
            let mut t = table(SubTable::TowerCrane, &[0.0; 6], &[0.0; 4]);
            t.items[4].checked = false;
            for (k, d) in [0, 1, 2, 3, 5].into_iter().zip(deductions) {
                t.items[k].deduction = d;
            }
            score_table(&t).unwrap()
        };
        let pass = one_crane([4.0, 4.0, 4.0, 4.0, 0.6]);
        assert_eq!(pass.guarantee, (33.4, 50.0));
        assert!(pass.zeroed.is_none());
        // Rescaled over the 90 checked points: (33.4 + 40) / 90 × 100.
        assert_eq!(pass.score_exact, frac(7340, 90));
        let zero = one_crane([4.0, 4.0, 4.0, 4.0, 0.7]);
        assert_eq!((zero.guarantee, zero.score), ((33.3, 50.0), 0.0));
        assert!(zero.zeroed.unwrap().contains("below 40/60"));
        // Exactly two thirds (20 of 30 checked) is not below it; 19.9 is.
        let three_missing = |d: f64| {
            let mut t = table(SubTable::TowerCrane, &[0.0; 6], &[0.0; 4]);
            for k in 3..6 {
                t.items[k].checked = false;
            }
            (t.items[0].deduction, t.items[1].deduction) = (5.0, 5.0 + d);
            score_table(&t).unwrap()
        };
        assert!(three_missing(0.0).zeroed.is_none());
        assert_eq!(three_missing(0.0).score_exact, frac(6000, 70));
        assert_eq!(three_missing(0.1).score, 0.0);
    }

    #[test]
    fn missing_items_are_rescaled() {
        // Two general items (20 points) do not apply; 70 of the remaining 80 → 87.5.
        let mut t = table(SubTable::FormworkSupport, &[1.0, 1.0, 1.0, 1.0, 1.0, 1.0], &[2.0, 2.0, 0.0, 0.0]);
        t.items[8].checked = false;
        t.items[9].checked = false;
        let s = score_table(&t).unwrap();
        assert_eq!(s.score_exact, frac(875, 10));
        assert_eq!(s.score, 87.5);
    }

    #[test]
    fn a_table_that_ends_at_zero_fails_the_sheet_even_without_guarantee_items() {
        // Machinery has no guarantee items: ten general items, all points deducted.
        let machinery = FilledTable {
            table: SubTable::Machinery,
            label: None,
            items: (0..10)
                .map(|k| CheckItem {
                    name: format!("M{k}"),
                    kind: ItemKind::General,
                    full: 10.0,
                    deduction: 10.0,
                    checked: true,
                })
                .collect(),
        };
        let t = score_table(&machinery).unwrap();
        assert_eq!(t.score, 0.0);
        assert!(t.zeroed.as_deref().unwrap().contains("lost all its points"));
        let mut tables: Vec<FilledTable> = [
            SubTable::SafetyManagement,
            SubTable::CivilisedConstruction,
            SubTable::FastenerScaffold,
            SubTable::FoundationPit,
            SubTable::FormworkSupport,
            SubTable::WorkAtHeight,
            SubTable::TemporaryElectricity,
            SubTable::ConstructionHoist,
            SubTable::TowerCrane,
        ]
        .into_iter()
        .map(|t| table(t, &[0.0; 6], &[0.0; 4]))
        .collect();
        tables.push(machinery);
        let r = score(&sheet(tables)).unwrap();
        // 95 of 100 points, but the zero table fails the inspection.
        assert_eq!(r.total_exact, Fraction::int(95));
        assert_eq!(r.grade, Grade::Fail);
        assert!(r.reason.contains("Machinery"), "{}", r.reason);
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
        let r = score(&sheet).unwrap();
        let c = |item| r.items.iter().find(|i| i.item == item).unwrap().c_exact;
        assert_eq!(c(SummaryItem::Scaffolding), Fraction::int(90));
        assert_eq!(c(SummaryItem::CranesAndLifting), Fraction::int(94));
        // A = B × C / 100, summed: 9.6 + 13.8 + 9 + 9.2 + 9 + 9 + 9.2 + 9.4 + 4.2 = 82.4 of 90
        // (no hoists: B = 90), rescaled to 100 → 91.55…
        let a = r.items.iter().fold(Fraction::int(0), |s, i| s.add(i.a_exact).unwrap());
        assert_eq!(a, frac(824, 10));
        assert_eq!(r.total_exact, frac(8240, 90));
        assert_eq!(r.total_exact.display(), "91.55…");
        assert_eq!(r.grade, Grade::Good);
        assert!(!r.items.iter().any(|i| i.item == SummaryItem::Hoists));
    }

    #[test]
    fn grade_boundaries_in_tenths() {
        // One table (the total is its score): general items lose 20.1 / 20.0 / 30.1 / 30.0 points.
        let one = |lost: f64| {
            let mut t = table(SubTable::FoundationPit, &[0.0; 6], &[0.0; 4]);
            let mut rest = lost;
            for item in &mut t.items[6..] {
                item.deduction = rest.min(10.0);
                rest -= item.deduction;
            }
            score(&sheet(vec![t])).unwrap()
        };
        let r = one(20.1);
        assert_eq!((r.total_exact, r.grade), (frac(799, 10), Grade::Pass));
        let r = one(20.0);
        assert_eq!((r.total_exact, r.grade), (Fraction::int(80), Grade::Good));
        let r = one(30.1);
        assert_eq!((r.total_exact, r.grade), (frac(699, 10), Grade::Fail));
        let r = one(30.0);
        assert_eq!((r.total_exact, r.grade), (Fraction::int(70), Grade::Pass));
    }

    #[test]
    fn totals_exactly_at_a_threshold_are_not_lost_to_floating_point() {
        // Formwork 66, hoist 97, machinery 74: A = 6.6 + 9.7 + 3.7 = 20 of B = 25 → exactly 80.
        // Summed in f64 this is 79.99999999999999, which would grade 合格.
        let r = score(&sheet(vec![
            table(SubTable::FormworkSupport, &[0.0; 6], &[10.0, 10.0, 10.0, 4.0]),
            table(SubTable::ConstructionHoist, &[0.0; 6], &[3.0, 0.0, 0.0, 0.0]),
            table(SubTable::Machinery, &[0.0; 6], &[10.0, 10.0, 6.0, 0.0]),
        ]))
        .unwrap();
        let f64_total = r.items.iter().map(|i| i.item.weight() as f64 * i.c / 100.0).sum::<f64>() / 25.0 * 100.0;
        assert!(f64_total < 80.0, "the float trap this test guards against: {f64_total}");
        assert_eq!((r.total_exact, r.grade), (Fraction::int(80), Grade::Good));
        assert_eq!(r.total_exact.display(), "80.0");
        // Civilised 68, pit 76, hoist 67: A = 10.2 + 7.6 + 6.7 = 24.5 of 35 → exactly 70.
        let r = score(&sheet(vec![
            table(SubTable::CivilisedConstruction, &[0.0; 6], &[10.0, 10.0, 10.0, 2.0]),
            table(SubTable::FoundationPit, &[0.0; 6], &[10.0, 10.0, 4.0, 0.0]),
            table(SubTable::MaterialHoist, &[0.0; 6], &[10.0, 10.0, 10.0, 3.0]),
        ]))
        .unwrap();
        assert_eq!((r.total_exact, r.grade), (Fraction::int(70), Grade::Pass));
    }

    #[test]
    fn a_zero_table_fails_whatever_the_total() {
        let r = score(&sheet(vec![
            table(SubTable::FoundationPit, &[0.0; 6], &[0.0; 4]),
            table(SubTable::TowerCrane, &[10.0, 0.0, 0.0, 0.0, 0.0, 0.0], &[0.0; 4]),
        ]))
        .unwrap();
        assert!(r.total > 49.0);
        assert_eq!(r.grade, Grade::Fail);
        assert!(r.reason.contains("TowerCrane"), "{}", r.reason);
    }

    #[test]
    fn fractions_display_without_crossing_a_threshold() {
        assert_eq!(frac(926, 10).display(), "92.6");
        assert_eq!(frac(9125, 100).display(), "91.25");
        assert_eq!(frac(79999, 1000).display(), "79.99…");
        assert_eq!(frac(240, 3).display(), "80.0");
        assert!(frac(240, 3).at_least(80) && !frac(79999, 1000).at_least(80));
        assert_eq!(serde_json::to_string(&frac(8240, 90)).unwrap(), "\"824/9\"");
    }

    #[test]
    fn bad_points_and_overflow_are_errors_not_panics() {
        let mut t = table(SubTable::FoundationPit, &[0.0; 6], &[0.0; 4]);
        t.items[2].deduction = 0.05;
        assert!(matches!(score_table(&t), Err(ScoreError::BadPoints { field: "deduction", .. })));
        t.items[2].deduction = f64::NAN;
        assert!(matches!(score_table(&t), Err(ScoreError::BadPoints { .. })));
        // Twenty scaffold tables whose checked full marks are distinct primes (in tenths): the
        // mean's denominator outgrows 128 bits.
        let primes =
            [907, 911, 919, 929, 937, 941, 947, 953, 967, 971, 977, 983, 991, 997, 887, 883, 881, 877, 863, 859];
        let tables = primes
            .iter()
            .map(|p| FilledTable {
                table: SubTable::FastenerScaffold,
                label: None,
                items: vec![
                    CheckItem {
                        name: "G".into(),
                        kind: ItemKind::Guarantee,
                        full: *p as f64 / 10.0,
                        deduction: 0.1,
                        checked: true,
                    },
                    CheckItem {
                        name: "N".into(),
                        kind: ItemKind::General,
                        full: 100.0 - *p as f64 / 10.0,
                        deduction: 0.0,
                        checked: false,
                    },
                ],
            })
            .collect();
        assert_eq!(score(&sheet(tables)), Err(ScoreError::Overflow));
    }

    const SHEET: &str = r#"Jgj59Sheet(site: "demo", date: "2026-11-20", inspector: "张", tables: [
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

    #[test]
    fn sheets_parse_and_bad_sheets_name_the_field() {
        let s = parse_sheet(SHEET).unwrap();
        assert_eq!(score(&s).unwrap().tables[0].score_exact, frac(8500, 90));
        let bad = SHEET.replace("deduction: 2)", "deduction: -2)").replace("checked: false", "checked: false, note: 1");
        let e = parse_sheet(&bad).unwrap_err();
        assert!(e.iter().any(|m| m.contains("tables[0].items[1].deduction: expected zero or more")), "{e:?}");
        assert!(e.iter().any(|m| m.contains("unknown field `note`")), "{e:?}");
        let e = parse_sheet(&SHEET.replace("(name: \"应急预案\", kind: General, full: 10),", "")).unwrap_err();
        assert!(e.iter().any(|m| m.contains("add up to 90")), "{e:?}");
        let e = parse_sheet(&SHEET.replace("deduction: 3)", "deduction: 0.25)")).unwrap_err();
        assert!(e.iter().any(|m| m.contains("items[6].deduction") && m.contains("whole tenths")), "{e:?}");
        let e = parse_sheet(&SHEET.replace("tables: [", "tables: [], old: [")).unwrap_err();
        assert!(e.iter().any(|m| m.contains("unknown field `old`")), "{e:?}");
    }

    #[test]
    fn a_sheet_may_leave_out_guarantee_items_that_do_not_apply_but_not_all_of_them() {
        let s = parse_sheet(&SHEET.replace(
            "(name: \"降排水\", kind: Guarantee, full: 10)",
            "(name: \"降排水\", kind: Guarantee, full: 10, checked: false)",
        ))
        .unwrap();
        // 48 of 50 guarantee points and 27 of 30 general points checked: 75 / 80.
        let t = &score(&s).unwrap().tables[0];
        assert_eq!((t.guarantee, t.score_exact), ((48.0, 50.0), frac(7500, 80)));
        let mut all_missing = SHEET.to_string();
        for name in ["施工方案", "基坑支护", "降排水", "基坑开挖", "坑边荷载", "安全防护"] {
            all_missing = all_missing.replace(
                &format!("(name: \"{name}\", kind: Guarantee, full: 10"),
                &format!("(name: \"{name}\", kind: Guarantee, checked: false, full: 10"),
            );
        }
        let e = parse_sheet(&all_missing).unwrap_err();
        assert!(e.iter().any(|m| m.contains("tables[0]: every guarantee item is missing")), "{e:?}");
        let e = parse_sheet("Jgj59Sheet(site: \"x\", tables: [])").unwrap_err();
        assert!(e.iter().any(|m| m.contains("at least one sub-table")), "{e:?}");
    }
}
