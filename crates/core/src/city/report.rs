//! The monthly housing–environment consultation report (住建、生态环境部门月度会商): for one
//! month, every site stopped during it (for pollution first, then the other categories), with
//! the days it was stopped that month, the alert level, and the risks found (the bureau's review
//! findings of the month and, for the registry's own month, what the telemetry shows now); a
//! summary by district and category; written as CSV and drawn as a PNG chart.

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::{Datelike, Duration, NaiveDate};
use glam::Vec2;
use serde::Serialize;

use super::City;
use super::status::{Category, SiteRow};
use crate::canvas::{Anchor, CanvasError, Fill, Font, Raster, Rgba, Stroke, TextStyle};
use crate::i18n::{self, Lang};
use crate::rules::stoppage::{AlertLevel, StopReason, Stoppage};

/// A month, by its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Month {
    /// Its first day.
    pub first: NaiveDate,
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Result<Month, String> {
        let bad = || format!("month {s:?}: expected YYYY-MM, e.g. 2026-11");
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let (y, m) = (y.parse::<i32>().map_err(|_| bad())?, m.parse::<u32>().map_err(|_| bad())?);
        NaiveDate::from_ymd_opt(y, m, 1).map(|first| Month { first }).ok_or_else(bad)
    }

    /// Its last day.
    pub fn last(self) -> NaiveDate {
        let next = self.first.checked_add_months(chrono::Months::new(1)).unwrap_or(self.first);
        next - Duration::days(1)
    }

    /// `YYYY-MM`.
    pub fn label(self) -> String {
        format!("{:04}-{:02}", self.first.year(), self.first.month())
    }
}

/// One stoppage of one site during the month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsultationRow {
    /// Site id.
    pub site: String,
    /// Project name.
    pub name: String,
    /// District.
    pub district: String,
    /// Category.
    pub category: Category,
    /// The alert level (pollution stoppages; the level it ended at, or has now).
    pub alert_level: Option<AlertLevel>,
    /// Stopped from (within the month).
    pub from: NaiveDate,
    /// Resumed on (within the month); `None`: still stopped at the month's end or the registry's day.
    pub resumed: Option<NaiveDate>,
    /// Days stopped in the month.
    pub days: i64,
    /// Risks found, one line each.
    pub risks: Vec<String>,
    /// The risk score now, for stoppages still current in the registry's month.
    pub risk_score: Option<f64>,
}

/// The report of one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Consultation {
    /// The city.
    pub city: String,
    /// The month.
    pub month: Month,
    /// The last day the report covers (the month's last, or the registry's day in its own month).
    pub until: NaiveDate,
    /// The stoppages, pollution first, then by district and site.
    pub rows: Vec<ConsultationRow>,
}

/// Sites and stopped days of one district and category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Sites stopped at some time in the month.
    pub sites: usize,
    /// Site-days stopped.
    pub days: i64,
}

/// Builds the report of `month`; `judged` (the city judged at its registry day) adds what the
/// telemetry shows to the stoppages still current.
pub fn consultation(city: &City, month: Month, judged: Option<&[SiteRow]>, lang: Lang) -> Result<Consultation, String> {
    if month.first > city.today {
        return Err(format!(
            "month {}: after the registry's day {}; no stoppage is known yet",
            month.label(),
            city.today
        ));
    }
    let until = month.last().min(city.today);
    let mut rows = Vec::new();
    for site in &city.sites {
        let st = &site.stoppage;
        let stops: Vec<(&Stoppage, bool)> =
            st.past.iter().map(|s| (s, false)).chain(st.current.iter().map(|s| (s, true))).collect();
        for (stop, current) in stops {
            // A stoppage still current counts to the registry's day, not including it (as
            // `days_stopped` does); one that resumed counts to its resumption day, not including it.
            let open_end = if until == city.today { until } else { until + Duration::days(1) };
            let end = stop.ended.unwrap_or(open_end);
            if stop.since > until || (stop.ended.is_some() && end <= month.first) {
                continue;
            }
            let from = stop.since.max(month.first);
            let to = end.min(open_end);
            let mut risks: Vec<String> = city
                .reviews_of(&site.id)
                .filter(|r| r.date >= from && r.date <= until && stop.ended.is_none_or(|e| r.date <= e))
                .flat_map(|r| {
                    let who = format!("{} {}", r.date, r.reviewer);
                    r.findings.iter().map(move |f| format!("{who}: {f}")).collect::<Vec<_>>()
                })
                .collect();
            let now = judged
                .filter(|_| current && until == city.today)
                .and_then(|rows| rows.iter().find(|r| r.site == site.id));
            if let Some(row) = now {
                risks.extend(
                    row.reasons
                        .iter()
                        .filter(|r| !r.starts_with(super::status::part_title("days stopped", lang)))
                        .cloned(),
                );
            }
            rows.push(ConsultationRow {
                site: site.id.clone(),
                name: site.name.clone(),
                district: site.district.clone(),
                category: Category::of(&stop.reason),
                alert_level: match &stop.reason {
                    StopReason::PollutionAlert { level, .. } => Some(*level),
                    _ => None,
                },
                from,
                resumed: stop.ended.filter(|e| *e <= until),
                days: (to - from).num_days(),
                risks,
                risk_score: now.map(|r| r.risk_score),
            });
        }
    }
    rows.sort_by(|a, b| (a.category, &a.district, &a.site, a.from).cmp(&(b.category, &b.district, &b.site, b.from)));
    Ok(Consultation { city: city.name.clone(), month, until, rows })
}

impl Consultation {
    /// Sites and days by district and category (a site stopped twice for one category counts once).
    pub fn tally(&self) -> BTreeMap<(String, Category), Tally> {
        let mut t: BTreeMap<(String, Category), (std::collections::BTreeSet<&str>, i64)> = BTreeMap::new();
        for r in &self.rows {
            let e = t.entry((r.district.clone(), r.category)).or_default();
            e.0.insert(&r.site);
            e.1 += r.days;
        }
        t.into_iter().map(|(k, (s, d))| (k, Tally { sites: s.len(), days: d })).collect()
    }

    /// Writes the rows as CSV (UTF-8 with a byte-order mark, for spreadsheets), headers in `lang`.
    pub fn write_csv(&self, w: &mut impl Write, lang: Lang) -> io::Result<()> {
        w.write_all("\u{feff}".as_bytes())?;
        let mut c = csv::Writer::from_writer(w);
        let zh = lang == Lang::Zh;
        let header: [&str; 11] = if zh {
            [
                "工地编号",
                "项目名称",
                "区县",
                "停工类别",
                "预警级别",
                "停工起",
                "复工日",
                "本月停工天数",
                "发现风险",
                "风险分",
                "月份",
            ]
        } else {
            [
                "site",
                "name",
                "district",
                "category",
                "alert_level",
                "from",
                "resumed",
                "days",
                "risks",
                "risk_score",
                "month",
            ]
        };
        c.write_record(header).map_err(io::Error::other)?;
        for r in &self.rows {
            c.write_record([
                r.site.as_str(),
                &r.name,
                &r.district,
                r.category.label(lang),
                &r.alert_level.map(|l| i18n::alert_level_name(lang, l).to_string()).unwrap_or_default(),
                &r.from.to_string(),
                &r.resumed.map(|d| d.to_string()).unwrap_or_default(),
                &r.days.to_string(),
                &r.risks.join("；"),
                &r.risk_score.map(|s| format!("{s:.1}")).unwrap_or_default(),
                &self.month.label(),
            ])
            .map_err(io::Error::other)?;
        }
        c.flush()
    }

    /// Writes the summary by district and category as CSV.
    pub fn write_summary_csv(&self, w: &mut impl Write, lang: Lang) -> io::Result<()> {
        w.write_all("\u{feff}".as_bytes())?;
        let mut c = csv::Writer::from_writer(w);
        let header: [&str; 4] = if lang == Lang::Zh {
            ["区县", "停工类别", "停工工地数", "停工工地·天"]
        } else {
            ["district", "category", "sites", "site_days"]
        };
        c.write_record(header).map_err(io::Error::other)?;
        for ((district, cat), t) in self.tally() {
            c.write_record([district.as_str(), cat.label(lang), &t.sites.to_string(), &t.days.to_string()])
                .map_err(io::Error::other)?;
        }
        c.flush()
    }

    /// The chart: sites stopped in the month per district, stacked by category, with the
    /// month's totals.
    pub fn draw_chart(&self, font: Option<Font>, lang: Lang) -> Result<Raster, CanvasError> {
        let zh = lang == Lang::Zh;
        let (w, h) = (1280_u32, 760_u32);
        let mut r = Raster::new(w, h, [255, 255, 255, 255], font)?;
        let ink: Rgba = [34, 38, 46, 255];
        let grey: Rgba = [120, 126, 136, 255];
        let tally = self.tally();
        let mut districts: Vec<String> = tally.keys().map(|(d, _)| d.clone()).collect();
        districts.dedup();
        let cats: Vec<Category> = Category::ALL.into_iter().filter(|c| tally.keys().any(|(_, k)| k == c)).collect();
        let title = if zh {
            format!(
                "{} {}年{}月 停工工地住建—生态环境会商月报",
                self.city,
                self.month.first.year(),
                self.month.first.month()
            )
        } else {
            format!("{} {}: sites stopped, housing–environment consultation", self.city, self.month.label())
        };
        r.text(Vec2::new(40.0, 30.0), &title, &TextStyle::new(28.0, ink), Anchor::TopLeft);
        let pollution: Vec<&ConsultationRow> = self.rows.iter().filter(|x| x.category == Category::Pollution).collect();
        let mut sites: Vec<&str> = pollution.iter().map(|x| x.site.as_str()).collect();
        sites.sort_unstable();
        sites.dedup();
        let days: i64 = pollution.iter().map(|x| x.days).sum();
        let risky = self.rows.iter().filter(|x| !x.risks.is_empty()).count();
        let sub = if zh {
            format!(
                "统计至 {}；重污染天气停工 {} 个工地、{} 工地·天；发现风险的停工 {} 起；共 {} 起停工",
                self.until,
                sites.len(),
                days,
                risky,
                self.rows.len()
            )
        } else {
            format!(
                "to {}; stopped for pollution: {} sites, {} site-days; stoppages with risks found: {}; stoppages: {}",
                self.until,
                sites.len(),
                days,
                risky,
                self.rows.len()
            )
        };
        r.text(Vec2::new(40.0, 72.0), &sub, &TextStyle::new(18.0, grey), Anchor::TopLeft);
        // Plot area.
        let (x0, y0, x1, y1) = (110.0_f32, 140.0_f32, 1000.0_f32, 660.0_f32);
        let per_district: Vec<usize> = districts
            .iter()
            .map(|d| cats.iter().map(|c| tally.get(&(d.clone(), *c)).map_or(0, |t| t.sites)).sum())
            .collect();
        let max = per_district.iter().copied().max().unwrap_or(0).max(1);
        let step = nice_step(max);
        let top = max.div_ceil(step) * step;
        let y_of = |v: usize| y1 - (y1 - y0) * v as f32 / top as f32;
        let axis = Stroke::solid(1.5, ink);
        let gridline = Stroke::solid(1.0, [222, 226, 232, 255]);
        let mut v = 0;
        while v <= top {
            let y = y_of(v);
            r.stroke_polyline(&[Vec2::new(x0, y), Vec2::new(x1, y)], false, &gridline);
            r.text(Vec2::new(x0 - 10.0, y), &v.to_string(), &TextStyle::new(16.0, grey), Anchor::Right);
            v += step;
        }
        r.stroke_polyline(&[Vec2::new(x0, y0 - 10.0), Vec2::new(x0, y1), Vec2::new(x1, y1)], false, &axis);
        let unit = if zh { "停工工地数（个）" } else { "sites stopped" };
        r.text(Vec2::new(x0 - 70.0, y0 - 30.0), unit, &TextStyle::new(16.0, grey), Anchor::TopLeft);
        let n = districts.len().max(1) as f32;
        let slot = (x1 - x0) / n;
        let bar = (slot * 0.56).min(80.0);
        for (i, d) in districts.iter().enumerate() {
            let cx = x0 + slot * (i as f32 + 0.5);
            let mut acc = 0;
            for c in &cats {
                let k = tally.get(&(d.clone(), *c)).map_or(0, |t| t.sites);
                if k == 0 {
                    continue;
                }
                let (ya, yb) = (y_of(acc), y_of(acc + k));
                let rect = [
                    Vec2::new(cx - bar / 2.0, yb),
                    Vec2::new(cx + bar / 2.0, yb),
                    Vec2::new(cx + bar / 2.0, ya),
                    Vec2::new(cx - bar / 2.0, ya),
                ];
                r.fill_polygon(&rect, &Fill::Solid(colour(*c)));
                r.stroke_polyline(&rect, true, &Stroke::solid(1.0, [255, 255, 255, 255]));
                if ya - yb >= 18.0 {
                    r.text(
                        Vec2::new(cx, (ya + yb) / 2.0),
                        &k.to_string(),
                        &TextStyle::new(15.0, [255, 255, 255, 255]),
                        Anchor::Center,
                    );
                }
                acc += k;
            }
            r.text(Vec2::new(cx, y_of(acc) - 6.0), &acc.to_string(), &TextStyle::new(17.0, ink), Anchor::Bottom);
            r.text(Vec2::new(cx, y1 + 12.0), d, &TextStyle::new(17.0, ink), Anchor::Top);
        }
        if districts.is_empty() {
            let none = if zh { "本月无停工工地" } else { "no site stopped this month" };
            r.text(Vec2::new((x0 + x1) / 2.0, (y0 + y1) / 2.0), none, &TextStyle::new(22.0, grey), Anchor::Center);
        }
        // Legend: each category with its sites and site-days.
        let lx = 1030.0;
        let head = if zh { "停工类别（工地 / 工地·天）" } else { "category (sites / site-days)" };
        r.text(Vec2::new(lx, y0 - 6.0), head, &TextStyle::new(16.0, ink), Anchor::TopLeft);
        for (i, c) in cats.iter().enumerate() {
            let y = y0 + 30.0 + 34.0 * i as f32;
            let sw =
                [Vec2::new(lx, y), Vec2::new(lx + 22.0, y), Vec2::new(lx + 22.0, y + 22.0), Vec2::new(lx, y + 22.0)];
            r.fill_polygon(&sw, &Fill::Solid(colour(*c)));
            let (s, dd) =
                tally.iter().filter(|((_, k), _)| k == c).fold((0, 0), |(s, d), (_, t)| (s + t.sites, d + t.days));
            r.text(
                Vec2::new(lx + 32.0, y + 11.0),
                &format!("{} {s} / {dd}", c.label(lang)),
                &TextStyle::new(16.0, ink),
                Anchor::Left,
            );
        }
        let note = if zh {
            "工地在月内任一天停工即计入；同一工地同类停工多次计一次"
        } else {
            "a site stopped on any day of the month counts once per category"
        };
        r.text(Vec2::new(40.0, h as f32 - 40.0), note, &TextStyle::new(15.0, grey), Anchor::TopLeft);
        Ok(r)
    }
}

/// A tick step of 1, 2 or 5 × 10ⁿ giving at most about eight ticks up to `max`.
fn nice_step(max: usize) -> usize {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if max / (step * m) <= 8 {
                return step * m;
            }
        }
        step *= 10;
    }
}

/// The colour of a category on the chart.
pub fn colour(c: Category) -> Rgba {
    match c {
        Category::Pollution => [142, 108, 64, 255],
        Category::Rectification => [230, 126, 34, 255],
        Category::Abnormal => [142, 68, 173, 255],
        Category::Seasonal => [52, 120, 200, 255],
        Category::Epidemic => [22, 160, 133, 255],
        Category::Event => [39, 174, 96, 255],
    }
}
