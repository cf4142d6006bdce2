//! The rehearsal's windows: a heads-up bar (time against the plan, points reached, the next point
//! with its distance and which way it lies, a warning inside a hazard zone, the keys), the
//! checklist of the point the user stands at (each item OK or not OK with a note, and what the
//! site's sensors on the object say now), and at the end the comparison with the plan, with the
//! buttons that raise its findings into the register and save it.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use sitetwin_core::i18n::{self, Lang, tr};
use sitetwin_core::patrol::rehearse::{Rehearsal, RehearsalReport, Verdict, heading_of};
use sitetwin_core::patrol::walk::Gravity;
use sitetwin_core::patrol::world::Sight;
use sitetwin_core::patrol::zones::ZoneRule;
use sitetwin_core::rules::Level;

use super::rehearse::{RehearsalAsked, Rehearsing};
use crate::site::{ObjectSensors, SensorLive, SiteIndex, SiteSensor};
use crate::ui::{ALARM_RED, UiState};

/// Draws the rehearsal's windows while one is under way or its comparison is shown.
pub struct RehearsalUiPlugin;

impl Plugin for RehearsalUiPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(EguiPrimaryContextPass, draw.after(crate::ui::UiSet));
    }
}

/// The note being written for an item found wanting, and how serious it is.
#[derive(Default)]
struct Draft {
    note: String,
    gravity: Option<Gravity>,
}

fn clock(s: f64) -> String {
    let s = s.max(0.0).round() as i64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// Which way plan point `to` lies for someone facing `heading_rad`: an arrow and the turn, degrees
/// (positive to the right).
fn way(walk: &Rehearsal, to: [f64; 3]) -> (&'static str, f64) {
    let feet = walk.feet_m();
    let d = bevy::math::DVec2::new(to[0] - feet.x, to[2] - feet.z);
    let turn = (heading_of(d) - walk.facing_rad().0).to_degrees();
    let turn = (turn + 540.0).rem_euclid(360.0) - 180.0;
    let arrow = match turn {
        t if t.abs() <= 22.5 => "↑",
        t if t.abs() >= 157.5 => "↓",
        t if t > 0.0 && t < 67.5 => "↗",
        t if t > 0.0 && t < 112.5 => "→",
        t if t > 0.0 => "↘",
        t if t > -67.5 => "↖",
        t if t > -112.5 => "←",
        _ => "↙",
    };
    (arrow, turn)
}

fn gravity_name(lang: Lang, g: Gravity) -> &'static str {
    match (lang, g) {
        (Lang::Zh, Gravity::Minor) => "一般",
        (Lang::Zh, Gravity::Major) => "较大",
        (Lang::Zh, Gravity::Critical) => "重大",
        (_, Gravity::Minor) => "minor",
        (_, Gravity::Major) => "major",
        (_, Gravity::Critical) => "critical",
    }
}

#[allow(clippy::too_many_arguments)]
fn draw(
    mut contexts: EguiContexts,
    ui_state: Res<UiState>,
    rehearsing: Option<Res<Rehearsing>>,
    index: Res<SiteIndex>,
    objects: Query<&ObjectSensors>,
    sensors: Query<(&SiteSensor, &SensorLive)>,
    mut asked: MessageWriter<RehearsalAsked>,
    mut draft: Local<Draft>,
) -> Result {
    let Some(r) = rehearsing else { return Ok(()) };
    let ctx = contexts.ctx_mut()?.clone();
    let lang = ui_state.lang;
    if let Some(rep) = &r.report {
        result_window(&ctx, lang, rep, &r, &mut asked);
        return Ok(());
    }
    let walk = &r.walk;
    let plan = walk.plan();
    let reached = walk.points().iter().filter(|p| p.arrived_s.is_some()).count();
    egui::Window::new(tr(lang, "ui.rehearse"))
        .id("rehearse_hud".into())
        .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 36.0))
        .collapsible(false)
        .resizable(false)
        .title_bar(false)
        .show(&ctx, |ui| {
            ui.horizontal(|ui| {
                ui.strong(tr(lang, "ui.rehearse"));
                ui.label(format!(
                    "{} {} / {} {} · {} {reached}/{} · {} {:.0} m",
                    tr(lang, "ui.rehearse.elapsed"),
                    clock(walk.t_s()),
                    tr(lang, "ui.rehearse.planned"),
                    clock(plan.total_s),
                    tr(lang, "ui.rehearse.reached"),
                    plan.stops.len(),
                    tr(lang, "ui.rehearse.walked"),
                    walk.walked_m(),
                ));
                if ui.button(tr(lang, "ui.rehearse.end")).clicked() {
                    asked.write(RehearsalAsked::End);
                }
            });
            // Along the guide (the walking way, round what is closed now), else as the crow flies.
            let to = r.guide.as_ref().map_or_else(|| walk.next_point(), |g| g.to);
            let (name, stand) = match to {
                Some(i) => (plan.stops[i].point.name.clone(), plan.stops[i].stand_m),
                None => (tr(lang, "ui.rehearse.back").to_string(), plan.start_m),
            };
            let feet = walk.feet_m();
            let corner = r.guide.as_ref().and_then(|g| g.heading_for(feet, 0.5));
            let (arrow, turn) = way(walk, corner.map_or(stand, |c| [c.x, 0.0, c.y]));
            let d = r.guide.as_ref().map_or_else(
                || bevy::math::DVec2::new(stand[0] - feet.x, stand[2] - feet.z).length(),
                |g| g.leg.length_m,
            );
            ui.label(
                egui::RichText::new(format!("{} {name} · {d:.0} m {arrow} {turn:+.0}°", tr(lang, "ui.rehearse.next")))
                    .size(18.0),
            );
            if r.guide.is_none() {
                ui.colored_label(ALARM_RED, tr(lang, "ui.rehearse.no_way"));
            }
            let here = bevy::math::DVec2::new(feet.x, feet.z);
            for z in walk.zones().iter().filter(|z| z.shape.contains(here)) {
                let (key, colour) = match z.rule {
                    ZoneRule::Closed => ("ui.rehearse.in_closed", ALARM_RED),
                    ZoneRule::Costly(_) => ("ui.rehearse.in_costly", egui::Color32::from_rgb(240, 170, 40)),
                };
                let kind = if lang == Lang::Zh { z.kind.zh() } else { z.kind.en() };
                ui.colored_label(colour, format!("⚠ {} · {kind} ({})", tr(lang, key), z.reason.get(lang)));
            }
            ui.small(tr(lang, "ui.rehearse.keys"));
            if let Some(Err(e)) = &r.said {
                ui.colored_label(ALARM_RED, e);
            }
        });
    let Some(i) = walk.at_point() else { return Ok(()) };
    let stop = &plan.stops[i];
    let progress = &walk.points()[i];
    egui::Window::new(format!(
        "{} {}/{} · {}",
        tr(lang, "ui.rehearse.checklist"),
        i + 1,
        plan.stops.len(),
        stop.point.name
    ))
    .id("rehearse_checklist".into())
    .anchor(egui::Align2::RIGHT_TOP, egui::vec2(-12.0, 120.0))
    .default_width(420.0)
    .collapsible(false)
    .show(&ctx, |ui| {
        ui.label(format!(
            "{} {} / {} {}",
            tr(lang, "ui.rehearse.dwell"),
            clock(progress.dwell_s),
            tr(lang, "ui.rehearse.planned"),
            clock(stop.leave_s - stop.arrive_s)
        ));
        if let Some(Sight::Blocked { by, at_m }) = &progress.sight {
            ui.colored_label(ALARM_RED, format!("{}: {by} ({at_m:.1} m)", tr(lang, "ui.patrol.not_seen")));
        }
        for reason in &stop.point.reasons {
            ui.small(reason.get(lang));
        }
        ui.separator();
        ui.horizontal(|ui| {
            ui.label(tr(lang, "ui.rehearse.note"));
            ui.text_edit_singleline(&mut draft.note);
            let g = draft.gravity.unwrap_or(Gravity::Major);
            egui::ComboBox::from_id_salt("rehearse_gravity").selected_text(gravity_name(lang, g)).show_ui(ui, |ui| {
                for o in [Gravity::Minor, Gravity::Major, Gravity::Critical] {
                    ui.selectable_value(&mut draft.gravity, Some(o), gravity_name(lang, o));
                }
            });
        });
        egui::ScrollArea::vertical().max_height(300.0).show(ui, |ui| {
            egui::Grid::new("rehearse_items").striped(true).num_columns(3).show(ui, |ui| {
                for (n, (check, verdict)) in stop.point.checks.iter().zip(&progress.verdicts).enumerate() {
                    let text = if lang == Lang::Zh { &check.zh } else { &check.en };
                    match verdict {
                        Some(Verdict::Ok) => ui.colored_label(egui::Color32::from_rgb(40, 170, 90), "✔"),
                        Some(Verdict::NotOk { .. }) => ui.colored_label(ALARM_RED, "✘"),
                        None => ui.label("·"),
                    };
                    let label = ui.label(text);
                    if let Some(b) = &check.because {
                        label.on_hover_text(b.get(lang));
                    }
                    ui.horizontal(|ui| {
                        if ui.small_button(tr(lang, "ui.rehearse.ok")).clicked() {
                            asked.write(RehearsalAsked::Judge { point: i, item: n, verdict: Verdict::Ok });
                        }
                        if ui.small_button(tr(lang, "ui.rehearse.not_ok")).clicked() {
                            let verdict = Verdict::NotOk {
                                gravity: draft.gravity.unwrap_or(Gravity::Major),
                                note: std::mem::take(&mut draft.note),
                            };
                            asked.write(RehearsalAsked::Judge { point: i, item: n, verdict });
                        }
                    });
                    ui.end_row();
                }
            });
        });
        // What the object's sensors say now: the site plays on while the user stands here.
        let live: Vec<(String, Level, bool)> = index
            .object(&stop.point.object)
            .and_then(|e| objects.get(e).ok())
            .map(|s| {
                s.0.iter()
                    .filter_map(|e| sensors.get(*e).ok())
                    .filter(|(_, l)| l.level != Level::Normal || l.stale)
                    .map(|(s, l)| (s.name.clone().unwrap_or_else(|| s.id.clone()), l.level, l.stale))
                    .collect()
            })
            .unwrap_or_default();
        if !live.is_empty() {
            ui.separator();
            ui.strong(tr(lang, "ui.rehearse.live_here"));
            for (name, level, stale) in live {
                let what =
                    if stale { tr(lang, "ui.stale").to_string() } else { i18n::level_name(lang, level).to_string() };
                ui.colored_label(crate::ui::level_color(level), format!("{name}: {what}"));
            }
        }
    });
    Ok(())
}

fn names(rep: &RehearsalReport, objects: &[String]) -> String {
    objects
        .iter()
        .map(|o| rep.points.iter().find(|p| &p.object == o).map_or(o.as_str(), |p| p.name.as_str()))
        .collect::<Vec<_>>()
        .join("、")
}

fn result_window(
    ctx: &egui::Context,
    lang: Lang,
    rep: &RehearsalReport,
    r: &Rehearsing,
    asked: &mut MessageWriter<RehearsalAsked>,
) {
    egui::Window::new(tr(lang, "ui.rehearse.result"))
        .id("rehearse_result".into())
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .default_width(560.0)
        .collapsible(false)
        .show(ctx, |ui| {
            let reached = rep.points.iter().filter(|p| p.arrive_s.is_some()).count();
            if rep.complete() {
                ui.colored_label(
                    egui::Color32::from_rgb(40, 170, 90),
                    format!("✔ {}", tr(lang, "ui.rehearse.complete")),
                );
            }
            ui.label(format!(
                "{} {} / {} {} · {} {:.0} m / {:.0} m · {} {reached}/{}",
                tr(lang, "ui.rehearse.elapsed"),
                clock(rep.duration_s),
                tr(lang, "ui.rehearse.planned"),
                clock(rep.planned_s),
                tr(lang, "ui.rehearse.walked"),
                rep.walked_m,
                rep.planned_m,
                tr(lang, "ui.rehearse.reached"),
                rep.points.len(),
            ));
            let none = tr(lang, "ui.rehearse.none");
            let line = |ui: &mut egui::Ui, key: &str, list: &[String]| {
                let text = if list.is_empty() { none.to_string() } else { names(rep, list) };
                let colour = if list.is_empty() { ui.visuals().text_color() } else { ALARM_RED };
                ui.colored_label(colour, format!("{}: {text}", tr(lang, key)));
            };
            line(ui, "ui.rehearse.missed", &rep.missed);
            line(ui, "ui.rehearse.unfinished", &rep.unfinished);
            line(ui, "ui.rehearse.short", &rep.short_dwell);
            line(ui, "ui.rehearse.urgent_late", &rep.urgent_late);
            ui.label(format!("{}: {}", tr(lang, "ui.rehearse.order"), rep.swapped_pairs));
            if !rep.back_at_start {
                ui.colored_label(ALARM_RED, tr(lang, "ui.rehearse.not_back"));
            }
            ui.label(format!(
                "{}: {}",
                tr(lang, "ui.rehearse.crossed"),
                if rep.crossings.is_empty() { none } else { "" }
            ));
            for c in &rep.crossings {
                let kind = if lang == Lang::Zh { c.kind.zh() } else { c.kind.en() };
                let span = c.left_s.unwrap_or(rep.duration_s) - c.entered_s;
                let text =
                    format!("  {kind} {} · {} +{span:.0} s · {}", c.object, clock(c.entered_s), c.reason.get(lang));
                if c.closed {
                    ui.colored_label(ALARM_RED, format!("{text} ({})", tr(lang, "ui.rehearse.closed")));
                } else {
                    ui.label(text);
                }
            }
            ui.separator();
            ui.strong(format!("{} ({})", tr(lang, "ui.patrol.findings"), rep.findings.len()));
            for f in &rep.findings {
                ui.label(format!("{} · {}", f.object, if lang == Lang::Zh { &f.zh } else { &f.en }));
            }
            ui.separator();
            egui::ScrollArea::vertical().max_height(220.0).show(ui, |ui| {
                egui::Grid::new("rehearse_points").striped(true).num_columns(5).show(ui, |ui| {
                    ui.strong("#");
                    ui.strong(tr(lang, "ui.patrol.point"));
                    ui.strong(tr(lang, "ui.patrol.arrive"));
                    ui.strong(tr(lang, "ui.rehearse.dwell"));
                    ui.strong(tr(lang, "ui.rehearse.checklist"));
                    ui.end_row();
                    for p in &rep.points {
                        ui.label((p.planned_order + 1).to_string());
                        ui.label(&p.name);
                        ui.label(match p.arrive_s {
                            Some(a) => format!("{} ({})", clock(a), clock(p.planned_arrive_s)),
                            None => format!("— ({})", clock(p.planned_arrive_s)),
                        });
                        ui.label(format!("{} / {}", clock(p.dwell_s), clock(p.planned_dwell_s)));
                        let colour = if p.not_ok.is_empty() && p.judged == p.items {
                            ui.visuals().text_color()
                        } else {
                            ALARM_RED
                        };
                        ui.colored_label(colour, format!("{}/{} ✘{}", p.judged, p.items, p.not_ok.len()));
                        ui.end_row();
                    }
                });
            });
            ui.horizontal(|ui| {
                if ui.add_enabled(!rep.findings.is_empty(), egui::Button::new(tr(lang, "ui.rehearse.raise"))).clicked()
                {
                    asked.write(RehearsalAsked::RaiseFindings);
                }
                if ui.button(tr(lang, "ui.rehearse.save")).clicked() {
                    asked.write(RehearsalAsked::Save(std::env::current_dir().unwrap_or_default()));
                }
                if ui.button(tr(lang, "ui.rehearse.close")).clicked() {
                    asked.write(RehearsalAsked::Close);
                }
            });
            match &r.said {
                Some(Ok(s)) => {
                    ui.label(format!("✔ {s}"));
                }
                Some(Err(e)) => {
                    ui.colored_label(ALARM_RED, e);
                }
                None => {}
            }
        });
}
