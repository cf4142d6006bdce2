//! Bureau mode's screen: the top bar (city, alert, counts), the city map (a plain basemap drawn
//! from the registry's coordinates, no online tiles: graticule, district names, scale, north),
//! the table of non-operating sites, and the selected site's card with its review form; the
//! window listing what an alert changed; and the "back to the city" button over a site's twin.

use bevy::prelude::*;
use bevy_egui::egui::{self, Color32, Pos2, Rect, Stroke, StrokeKind, pos2, vec2};
use sitetwin_core::city::Decision;
use sitetwin_core::city::alert::Effect;
use sitetwin_core::city::status::{Category, SiteRow, Telemetry};
use sitetwin_core::i18n::{self, Lang, tr};
use sitetwin_core::rules::stoppage::{AlertLevel, DutyStatus, RiskBand, Status};

use super::{BureauAction, CityView, Column};

/// The colour of a site on the map and in the table: grey-green working, else its risk band.
pub fn site_colour(r: &SiteRow) -> Color32 {
    if r.status == Status::Operating { WORKING } else { band_colour(r.band) }
}

/// A working site's colour.
const WORKING: Color32 = Color32::from_rgb(120, 160, 130);

/// A risk band's colour (the four-colour scheme).
fn band_colour(b: RiskBand) -> Color32 {
    match b {
        RiskBand::Blue => Color32::from_rgb(52, 120, 200),
        RiskBand::Yellow => Color32::from_rgb(230, 190, 20),
        RiskBand::Orange => Color32::from_rgb(235, 120, 30),
        RiskBand::Red => Color32::from_rgb(214, 48, 49),
    }
}

fn band_name(lang: Lang, b: RiskBand) -> &'static str {
    let key = match b {
        RiskBand::Blue => "ui.bureau.band.blue",
        RiskBand::Yellow => "ui.bureau.band.yellow",
        RiskBand::Orange => "ui.bureau.band.orange",
        RiskBand::Red => "ui.bureau.band.red",
    };
    tr(lang, key)
}

/// The whole bureau screen.
pub fn draw(
    root: &mut egui::Ui,
    ctx: &egui::Context,
    lang_mut: &mut Lang,
    v: &mut CityView,
    actions: &mut Vec<BureauAction>,
) {
    top_bar(root, lang_mut, v);
    let lang = *lang_mut;
    egui::Panel::right("bureau_table").resizable(true).default_size(720.0).show(root, |ui| {
        table(ui, lang, v, actions);
        ui.separator();
        card(ui, lang, v, actions);
    });
    egui::CentralPanel::default().frame(egui::Frame::NONE.fill(Color32::from_rgb(236, 238, 232))).show(root, |ui| {
        map(ui, lang, v, actions);
    });
    changes_window(ctx, lang, v);
}

fn top_bar(root: &mut egui::Ui, lang_mut: &mut Lang, v: &mut CityView) {
    let lang = *lang_mut;
    egui::Panel::top("bureau_top").show(root, |ui| {
        ui.horizontal_wrapped(|ui| {
            let other = if lang == Lang::Zh { "English" } else { "中文" };
            if ui.button(other).clicked() {
                *lang_mut = if lang == Lang::Zh { Lang::En } else { Lang::Zh };
            }
            ui.separator();
            ui.heading(format!("{} · {}", v.city.name, tr(lang, "ui.bureau.title")));
            ui.separator();
            ui.label(format!("{} {}", tr(lang, "ui.bureau.as_of"), v.city.today));
            ui.separator();
            let n = v.city.sites.len();
            let stopped = v.city.sites.iter().filter(|s| s.non_operating()).count();
            ui.label(format!(
                "{n} {} · {stopped} {}",
                tr(lang, "ui.bureau.sites"),
                tr(lang, "ui.bureau.non_operating")
            ));
            if v.judging {
                ui.separator();
                ui.spinner();
                ui.label(format!("{} {}/{}", tr(lang, "ui.bureau.judging"), v.progress.0, v.progress.1));
            }
            ui.separator();
            let alert = v.city.alert.map(|l| i18n::alert_level_name(lang, l)).unwrap_or(tr(lang, "ui.bureau.no_alert"));
            ui.label(format!("{}: {alert}", tr(lang, "ui.bureau.alert")));
            ui.menu_button(tr(lang, "ui.bureau.issue_alert"), |ui| {
                for level in [AlertLevel::III, AlertLevel::II, AlertLevel::I] {
                    if ui.button(i18n::alert_level_name(lang, level)).clicked() {
                        super::issue_alert(v, Some(level), lang);
                        ui.close();
                    }
                }
                if ui.button(tr(lang, "ui.bureau.lift_alert")).clicked() {
                    super::issue_alert(v, None, lang);
                    ui.close();
                }
            });
            if let Some((ok, msg)) = &v.message {
                ui.separator();
                let c = if *ok { Color32::from_rgb(90, 170, 110) } else { Color32::from_rgb(230, 90, 80) };
                ui.colored_label(c, msg);
            }
        });
    });
}

/// Degrees to map units: x east, y north, with longitude shrunk by cos(latitude).
fn project(lat: f64, lon: f64, lat0: f64) -> (f64, f64) {
    (lon * lat0.to_radians().cos(), lat)
}

fn map(ui: &mut egui::Ui, lang: Lang, v: &mut CityView, actions: &mut Vec<BureauAction>) {
    let rect = ui.max_rect();
    // A map squeezed to nothing (the table dragged over it) has no scale to draw at.
    if rect.width() < 8.0 || rect.height() < 8.0 {
        return;
    }
    let resp = ui.allocate_rect(rect, egui::Sense::click_and_drag());
    let p = ui.painter_at(rect);
    let sites = &v.city.sites;
    if sites.is_empty() {
        return;
    }
    let lat0 = sites.iter().map(|s| s.location.lat_deg).sum::<f64>() / sites.len() as f64;
    let pts: Vec<(f64, f64)> = sites.iter().map(|s| project(s.location.lat_deg, s.location.lon_deg, lat0)).collect();
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in &pts {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    let pad = 0.08 * (x1 - x0).max(y1 - y0).max(0.01);
    let (x0, x1, y0, y1) = (x0 - pad, x1 + pad, y0 - pad, y1 + pad);
    // Zoom with the wheel about the map's centre, pan by dragging.
    if resp.hovered() {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        if scroll != 0.0 {
            v.map_zoom = (v.map_zoom * (1.0 + scroll * 0.002)).clamp(1.0, 40.0);
        }
    }
    if resp.dragged() {
        let d = resp.drag_delta();
        v.map_pan -= Vec2::new(d.x / rect.width(), d.y / rect.height()) / v.map_zoom;
    }
    let scale = (rect.width() as f64 / (x1 - x0)).min(rect.height() as f64 / (y1 - y0)) * f64::from(v.map_zoom);
    let (cx, cy) =
        ((x0 + x1) / 2.0 + f64::from(v.map_pan.x) * (x1 - x0), (y0 + y1) / 2.0 - f64::from(v.map_pan.y) * (y1 - y0));
    let to_px = |x: f64, y: f64| -> Pos2 {
        pos2(rect.center().x + ((x - cx) * scale) as f32, rect.center().y - ((y - cy) * scale) as f32)
    };
    // Graticule every 0.1° with labels on the edges.
    let grid = Stroke::new(1.0, Color32::from_rgb(214, 218, 210));
    let text = Color32::from_rgb(120, 126, 120);
    let (lat_lo, lat_hi) = (cy - rect.height() as f64 / 2.0 / scale, cy + rect.height() as f64 / 2.0 / scale);
    let cos0 = lat0.to_radians().cos();
    let (lon_lo, lon_hi) =
        ((cx - rect.width() as f64 / 2.0 / scale) / cos0, (cx + rect.width() as f64 / 2.0 / scale) / cos0);
    let step = if scale > 6000.0 { 0.02 } else { 0.1 };
    let mut lat = (lat_lo / step).floor() * step;
    while lat <= lat_hi {
        let y = to_px(0.0, lat).y;
        p.line_segment([pos2(rect.left(), y), pos2(rect.right(), y)], grid);
        p.text(
            pos2(rect.left() + 4.0, y - 2.0),
            egui::Align2::LEFT_BOTTOM,
            format!("{lat:.2}°N"),
            egui::FontId::proportional(11.0),
            text,
        );
        lat += step;
    }
    let mut lon = (lon_lo / step).floor() * step;
    while lon <= lon_hi {
        let x = to_px(lon * cos0, 0.0).x;
        p.line_segment([pos2(x, rect.top()), pos2(x, rect.bottom())], grid);
        p.text(
            pos2(x + 3.0, rect.bottom() - 4.0),
            egui::Align2::LEFT_BOTTOM,
            format!("{lon:.2}°E"),
            egui::FontId::proportional(11.0),
            text,
        );
        lon += step;
    }
    // District names at the middle of their sites.
    let mut districts: std::collections::BTreeMap<&str, (f64, f64, usize)> = std::collections::BTreeMap::new();
    for (s, (x, y)) in sites.iter().zip(&pts) {
        let e = districts.entry(&s.district).or_default();
        e.0 += x;
        e.1 += y;
        e.2 += 1;
    }
    for (name, (x, y, n)) in &districts {
        let at = to_px(x / *n as f64, y / *n as f64);
        p.text(
            at + vec2(0.0, -22.0),
            egui::Align2::CENTER_BOTTOM,
            *name,
            egui::FontId::proportional(18.0),
            Color32::from_rgb(150, 156, 150),
        );
    }
    // Sites: working ones small, non-operating ones by risk, the selected one ringed.
    let pointer = resp.hover_pos();
    let mut hovered: Option<(usize, f32)> = None;
    let rows: std::collections::HashMap<&str, &SiteRow> = v.rows.iter().map(|r| (r.site.as_str(), r)).collect();
    for (i, (s, (x, y))) in sites.iter().zip(&pts).enumerate() {
        let at = to_px(*x, *y);
        if !rect.expand(10.0).contains(at) {
            continue;
        }
        let row = rows.get(s.id.as_str());
        let (colour, r) = match row {
            Some(row) if row.status != Status::Operating => {
                (site_colour(row), 5.0 + (row.risk_score as f32 / 100.0) * 6.0)
            }
            Some(row) => (site_colour(row), 3.5),
            None => (Color32::GRAY, if s.non_operating() { 5.0 } else { 3.5 }),
        };
        p.circle_filled(at, r, colour);
        if s.stoppage.status == Status::ResumptionReview {
            p.circle_stroke(at, r + 2.5, Stroke::new(1.5, Color32::from_rgb(40, 140, 90)));
        }
        if v.selected.as_deref() == Some(s.id.as_str()) {
            p.circle_stroke(at, r + 4.0, Stroke::new(2.5, Color32::from_rgb(20, 24, 30)));
        }
        if let Some(ptr) = pointer {
            let d = ptr.distance(at);
            if d <= r + 4.0 && hovered.is_none_or(|(_, best)| d < best) {
                hovered = Some((i, d));
            }
        }
    }
    let mut picked = None;
    if let Some((i, _)) = hovered {
        let s = &sites[i];
        let row = rows.get(s.id.as_str());
        let tip = match row {
            Some(r) if r.status != Status::Operating => format!(
                "{}\n{} · {} · {} {}\n{} {:.1} ({})",
                s.name,
                s.district,
                r.category.map(|c| c.label(lang)).unwrap_or(""),
                r.days_stopped,
                tr(lang, "ui.bureau.days"),
                tr(lang, "ui.bureau.risk"),
                r.risk_score,
                band_name(lang, r.band)
            ),
            _ => format!("{}\n{} · {}", s.name, s.district, i18n::stoppage_status_name(lang, s.stoppage.status)),
        };
        resp.clone().on_hover_text_at_pointer(tip);
        if resp.clicked() {
            picked = Some(s.id.clone());
        }
        if resp.double_clicked() {
            actions.push(BureauAction::OpenTwin(s.id.clone()));
        }
    }
    // Scale bar and north arrow.
    let km_px = (scale / 111.32) as f32;
    let bar_km = [1.0_f32, 2.0, 5.0, 10.0, 20.0, 50.0].into_iter().find(|k| k * km_px >= 80.0).unwrap_or(50.0);
    let base = pos2(rect.left() + 24.0, rect.bottom() - 28.0);
    let ink = Color32::from_rgb(40, 44, 50);
    p.line_segment([base, base + vec2(bar_km * km_px, 0.0)], Stroke::new(3.0, ink));
    p.text(
        base + vec2(bar_km * km_px / 2.0, -6.0),
        egui::Align2::CENTER_BOTTOM,
        format!("{bar_km} km"),
        egui::FontId::proportional(13.0),
        ink,
    );
    let n = pos2(rect.right() - 30.0, rect.top() + 24.0);
    p.add(egui::Shape::convex_polygon(vec![n, n + vec2(-8.0, 22.0), n + vec2(8.0, 22.0)], ink, Stroke::NONE));
    p.text(n + vec2(0.0, 26.0), egui::Align2::CENTER_TOP, "N", egui::FontId::proportional(14.0), ink);
    legend(&p, rect, lang);
    if let Some(id) = picked {
        v.pick(id);
    }
}

fn legend(p: &egui::Painter, rect: Rect, lang: Lang) {
    let items: [(Color32, &str); 5] = [
        (band_colour(RiskBand::Red), band_name(lang, RiskBand::Red)),
        (band_colour(RiskBand::Orange), band_name(lang, RiskBand::Orange)),
        (band_colour(RiskBand::Yellow), band_name(lang, RiskBand::Yellow)),
        (band_colour(RiskBand::Blue), band_name(lang, RiskBand::Blue)),
        (WORKING, tr(lang, "ui.bureau.operating")),
    ];
    let size = vec2(190.0, 26.0 + 22.0 * (items.len() as f32 + 1.0));
    let origin = rect.right_bottom() - size - vec2(16.0, 30.0);
    let box_rect = Rect::from_min_size(origin, size);
    p.rect_filled(box_rect, 6.0, Color32::from_rgba_unmultiplied(255, 255, 255, 225));
    p.rect_stroke(box_rect, 6.0, Stroke::new(1.0, Color32::from_rgb(200, 204, 198)), StrokeKind::Inside);
    let ink = Color32::from_rgb(40, 44, 50);
    p.text(
        origin + vec2(10.0, 8.0),
        egui::Align2::LEFT_TOP,
        tr(lang, "ui.bureau.legend"),
        egui::FontId::proportional(14.0),
        ink,
    );
    for (i, (c, label)) in items.iter().enumerate() {
        let at = origin + vec2(18.0, 38.0 + 22.0 * i as f32);
        p.circle_filled(at, 6.0, *c);
        p.text(at + vec2(14.0, 0.0), egui::Align2::LEFT_CENTER, *label, egui::FontId::proportional(13.0), ink);
    }
    let at = origin + vec2(18.0, 38.0 + 22.0 * items.len() as f32);
    p.circle_stroke(at, 7.0, Stroke::new(1.5, Color32::from_rgb(40, 140, 90)));
    p.text(
        at + vec2(14.0, 0.0),
        egui::Align2::LEFT_CENTER,
        tr(lang, "ui.bureau.in_review"),
        egui::FontId::proportional(13.0),
        ink,
    );
}

const COLUMNS: [(Column, &str, f32); 9] = [
    (Column::Risk, "ui.bureau.risk", 56.0),
    (Column::Name, "ui.bureau.name", 200.0),
    (Column::District, "ui.bureau.district", 60.0),
    (Column::Category, "ui.bureau.category", 104.0),
    (Column::Days, "ui.bureau.days_col", 44.0),
    (Column::Hazards, "ui.bureau.hazards", 40.0),
    (Column::Unmet, "ui.bureau.unmet", 52.0),
    (Column::Dark, "ui.bureau.dark", 40.0),
    (Column::Active, "ui.bureau.active", 56.0),
];

fn table(ui: &mut egui::Ui, lang: Lang, v: &mut CityView, actions: &mut Vec<BureauAction>) {
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut v.filter.search)
                .hint_text(tr(lang, "ui.bureau.search"))
                .desired_width(180.0),
        );
        let mut districts: Vec<String> = v.city.sites.iter().map(|s| s.district.clone()).collect();
        districts.sort();
        districts.dedup();
        let all = tr(lang, "ui.bureau.all_districts");
        egui::ComboBox::from_id_salt("district")
            .selected_text(v.filter.district.clone().unwrap_or_else(|| all.into()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut v.filter.district, None, all);
                for d in districts {
                    ui.selectable_value(&mut v.filter.district, Some(d.clone()), d);
                }
            });
        let all = tr(lang, "ui.bureau.all_categories");
        let shown = v.filter.category.map(|c| c.label(lang)).unwrap_or(all);
        egui::ComboBox::from_id_salt("category").selected_text(shown).show_ui(ui, |ui| {
            ui.selectable_value(&mut v.filter.category, None, all);
            for c in Category::ALL {
                ui.selectable_value(&mut v.filter.category, Some(c), c.label(lang));
            }
        });
        ui.checkbox(&mut v.filter.all_sites, tr(lang, "ui.bureau.all_sites"));
    });
    let order = v.table_order();
    ui.label(format!("{} {}", order.len(), tr(lang, "ui.bureau.listed")));
    ui.horizontal(|ui| {
        for (col, key, w) in COLUMNS {
            let arrow = if v.sort.0 == col { if v.sort.1 { " ▼" } else { " ▲" } } else { "" };
            let b = ui.add_sized(
                [w, 20.0],
                egui::Button::new(egui::RichText::new(format!("{}{arrow}", tr(lang, key))).strong()).frame(false),
            );
            if b.clicked() {
                v.sort = if v.sort.0 == col {
                    (col, !v.sort.1)
                } else {
                    (col, !matches!(col, Column::Name | Column::District))
                };
            }
        }
    });
    let row_h = 22.0;
    let mut clicked = None;
    let (rows, current) = (&v.rows, v.selected.as_deref());
    egui::ScrollArea::vertical().id_salt("bureau_rows").max_height(ui.available_height() * 0.45).show_rows(
        ui,
        row_h,
        order.len(),
        |ui, range| {
            for r in order[range].iter().map(|i| &rows[*i]) {
                let selected = current == Some(r.site.as_str());
                ui.horizontal(|ui| {
                    let cells: [String; 9] = [
                        if r.status == Status::Operating {
                            "-".into()
                        } else if r.telemetry == Telemetry::Pending {
                            format!("{:.1}…", r.risk_score)
                        } else {
                            format!("{:.1}", r.risk_score)
                        },
                        r.name.clone(),
                        r.district.clone(),
                        r.category
                            .map(|c| c.label(lang).to_string())
                            .unwrap_or_else(|| i18n::stoppage_status_name(lang, r.status).into()),
                        r.days_stopped.to_string(),
                        r.hazards.len().to_string(),
                        r.unmet_duties().to_string(),
                        r.dark_count().to_string(),
                        r.activity_findings().to_string(),
                    ];
                    for (k, ((_, _, w), text)) in COLUMNS.iter().zip(cells).enumerate() {
                        let mut t = egui::RichText::new(text);
                        if k == 0 {
                            t = t.color(site_colour(r)).strong();
                        }
                        let resp = ui.add_sized([*w, row_h - 2.0], egui::Button::selectable(selected, t).truncate());
                        if resp.clicked() {
                            clicked = Some(r.site.clone());
                        }
                        if resp.double_clicked() {
                            actions.push(BureauAction::OpenTwin(r.site.clone()));
                        }
                    }
                });
            }
        },
    );
    if let Some(id) = clicked {
        v.pick(id);
    }
}

fn card(ui: &mut egui::Ui, lang: Lang, v: &mut CityView, actions: &mut Vec<BureauAction>) {
    let Some(id) = v.selected.clone() else {
        ui.label(tr(lang, "ui.bureau.pick"));
        return;
    };
    let Some(site) = v.city.site(&id).cloned() else { return };
    let row = v.row(&id).cloned();
    egui::ScrollArea::vertical().id_salt("bureau_card").show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.heading(&site.name);
            if ui.button(tr(lang, "ui.bureau.open_twin")).clicked() {
                actions.push(BureauAction::OpenTwin(id.clone()));
            }
        });
        ui.label(format!("{} · {} · {}", site.id, site.district, site.contractor));
        if let Some(r) = &row {
            let status = i18n::stoppage_status_name(lang, r.status);
            let line = match r.since {
                Some(since) => format!(
                    "{status} · {} · {} {since} · {} {}",
                    r.reason,
                    tr(lang, "ui.stopped.since"),
                    r.days_stopped,
                    tr(lang, "ui.bureau.days")
                ),
                None => status.to_string(),
            };
            ui.label(line);
            if r.status != Status::Operating {
                ui.colored_label(
                    site_colour(r),
                    format!("{} {:.1} · {}", tr(lang, "ui.bureau.risk"), r.risk_score, band_name(lang, r.band)),
                );
                for reason in &r.reasons {
                    ui.label(format!("• {reason}"));
                }
                if r.permit_reverification {
                    ui.colored_label(Color32::from_rgb(230, 90, 80), tr(lang, "ui.bureau.permit"));
                }
                ui.add_space(4.0);
                ui.strong(tr(lang, "ui.duties"));
                for d in &r.duties {
                    let (mark, c) = match &d.status {
                        DutyStatus::Met(_) => ("✔", Color32::from_rgb(90, 170, 110)),
                        DutyStatus::Unmet(_) => ("×", Color32::from_rgb(230, 90, 80)),
                        DutyStatus::Unknown(_) => ("?", Color32::GRAY),
                    };
                    let why = d.status.evidence().get(lang);
                    let name = i18n::duty_name(lang, d.duty);
                    let obj = d.object.as_deref().unwrap_or("");
                    ui.colored_label(c, format!("{mark} {obj} {name}")).on_hover_text(why);
                }
                if !r.findings.is_empty() {
                    ui.strong(tr(lang, "ui.findings"));
                    for f in &r.findings {
                        ui.label(format!(
                            "• {} ({}): {}",
                            i18n::finding_name(lang, &f.kind),
                            f.sensor,
                            f.evidence.get(lang)
                        ));
                    }
                }
            }
        } else {
            ui.label(tr(lang, "ui.bureau.judging"));
        }
        let reviews: Vec<_> = v.city.reviews_of(&id).cloned().collect();
        ui.add_space(4.0);
        ui.strong(format!("{} ({})", tr(lang, "ui.bureau.reviews"), reviews.len()));
        for r in reviews.iter().rev().take(6) {
            ui.label(format!(
                "{} {} · {} · {}",
                r.date,
                r.reviewer,
                decision_name(lang, r.decision),
                r.findings.join("；")
            ));
        }
        ui.add_space(4.0);
        ui.strong(tr(lang, "ui.bureau.new_review"));
        ui.horizontal(|ui| {
            ui.label(tr(lang, "ui.bureau.reviewer"));
            // Writing a review holds the site: it is no longer re-picked for the user.
            if ui.text_edit_singleline(&mut v.review.reviewer).changed() {
                v.user_picked = true;
            }
            egui::ComboBox::from_id_salt("decision").selected_text(decision_name(lang, v.review.decision)).show_ui(
                ui,
                |ui| {
                    for d in Decision::ALL {
                        ui.selectable_value(&mut v.review.decision, d, decision_name(lang, d));
                    }
                },
            );
        });
        let findings = ui.add(
            egui::TextEdit::multiline(&mut v.review.findings)
                .hint_text(tr(lang, "ui.bureau.findings_hint"))
                .desired_rows(2)
                .desired_width(f32::INFINITY),
        );
        let note = ui.add(
            egui::TextEdit::singleline(&mut v.review.note)
                .hint_text(tr(lang, "ui.bureau.note"))
                .desired_width(f32::INFINITY),
        );
        if findings.changed() || note.changed() {
            v.user_picked = true;
        }
        if ui.button(format!("{} · {}", tr(lang, "ui.bureau.save_review"), site.name)).clicked() {
            super::record_review(v);
        }
    });
}

/// A decision's name.
pub fn decision_name(lang: Lang, d: Decision) -> &'static str {
    tr(
        lang,
        match d {
            Decision::KeepStopped => "ui.bureau.keep_stopped",
            Decision::ApproveResumption => "ui.bureau.approve",
            Decision::OrderRectification => "ui.bureau.rectify",
        },
    )
}

fn changes_window(ctx: &egui::Context, lang: Lang, v: &mut CityView) {
    let Some((level, changes)) = v.changes.clone() else { return };
    let mut open = true;
    let title = match level {
        Some(l) => format!("{} · {}", i18n::alert_level_name(lang, l), tr(lang, "ui.bureau.changes")),
        None => format!("{} · {}", tr(lang, "ui.bureau.lift_alert"), tr(lang, "ui.bureau.changes")),
    };
    egui::Window::new(title).open(&mut open).default_width(560.0).show(ctx, |ui| {
        if changes.is_empty() {
            ui.label(tr(lang, "ui.bureau.no_change"));
        }
        egui::ScrollArea::vertical().max_height(420.0).show(ui, |ui| {
            for ch in &changes {
                let name = v.city.site(&ch.site).map(|s| s.name.clone()).unwrap_or_default();
                let what = match &ch.effect {
                    Effect::Stopped { banned } => format!(
                        "{}: {}",
                        tr(lang, "ui.bureau.effect.stopped"),
                        banned.iter().map(|a| i18n::activity_name(lang, *a)).collect::<Vec<_>>().join("、")
                    ),
                    Effect::Exempt { exemptions, .. } => format!(
                        "{}: {}",
                        tr(lang, "ui.bureau.effect.exempt"),
                        exemptions.iter().map(|e| i18n::exemption_name(lang, *e)).collect::<Vec<_>>().join("、")
                    ),
                    Effect::LevelChanged { from } => format!(
                        "{} {} → {}",
                        tr(lang, "ui.bureau.effect.level"),
                        i18n::alert_level_name(lang, *from),
                        level.map(|l| i18n::alert_level_name(lang, l)).unwrap_or("-")
                    ),
                    Effect::Resumed => tr(lang, "ui.bureau.effect.resumed").to_string(),
                };
                if ui
                    .selectable_label(v.selected.as_deref() == Some(ch.site.as_str()), format!("{name} — {what}"))
                    .clicked()
                {
                    v.pick(ch.site.clone());
                }
            }
        });
    });
    if !open {
        v.changes = None;
    }
}

/// Over a site's twin opened from the city: the way back.
pub fn back_button(ctx: &egui::Context, lang: Lang, actions: &mut Vec<BureauAction>) {
    egui::Area::new("back_to_city".into()).anchor(egui::Align2::RIGHT_TOP, vec2(-12.0, 34.0)).show(ctx, |ui| {
        if ui.button(egui::RichText::new(tr(lang, "ui.bureau.back")).strong()).clicked() {
            actions.push(BureauAction::BackToCity);
        }
    });
}
