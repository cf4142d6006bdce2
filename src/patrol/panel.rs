//! The patrol window: the type, where the walk is at the clock's moment, every point in order with
//! its planned arrival and a tick once checked (what blocked the view of the ones not seen), the
//! findings so far, the route's changes and the JGJ 59 score.

use bevy_egui::egui;
use sitetwin_core::i18n::{Lang, tr};
use sitetwin_core::patrol::Priority;
use sitetwin_core::patrol::walk::{Doing, WalkEvent};
use sitetwin_core::patrol::world::Sight;

use super::{PatrolProgress, PatrolState};

fn minutes(s: f64) -> String {
    let s = s.max(0.0).round() as i64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn doing(lang: Lang, d: Option<Doing>) -> &'static str {
    match d {
        Some(Doing::Walking) | None => tr(lang, "ui.patrol.walking"),
        Some(Doing::Checking) => tr(lang, "ui.patrol.checking"),
        Some(Doing::Waiting) => tr(lang, "ui.patrol.waiting"),
        Some(Doing::Done) => tr(lang, "ui.patrol.done"),
    }
}

/// Draws the window while a patrol is asked for; true when the user asks to rehearse it.
pub fn window(ctx: &egui::Context, lang: Lang, state: &PatrolState, progress: &PatrolProgress) -> bool {
    if matches!(state, PatrolState::Off) {
        return false;
    }
    let mut rehearse = false;
    egui::Window::new(tr(lang, "ui.patrol"))
        .id("patrol".into())
        .default_width(420.0)
        .default_pos(egui::pos2(330.0, 70.0))
        .show(ctx, |ui| match state {
            PatrolState::Off => {}
            PatrolState::Planning(_) => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(tr(lang, "ui.patrol.planning"));
                });
            }
            PatrolState::Failed(e) => {
                ui.colored_label(crate::ui::ALARM_RED, tr(lang, "ui.patrol.failed"));
                ui.label(e);
            }
            PatrolState::Ready(p) => {
                let r = &p.report;
                let Some(walk) = &r.walk else { return };
                let kind = if lang == Lang::Zh { r.kind.zh() } else { r.kind.en() };
                ui.horizontal(|ui| {
                    ui.heading(kind);
                    rehearse = ui.button(tr(lang, "ui.rehearse.start")).clicked();
                });
                let walked = walk.trace.iter().take_while(|s| s.t_s <= progress.elapsed_s).count();
                ui.label(format!(
                    "{} / {} · {} {}/{} · {} · {} {:.0} m",
                    minutes(progress.elapsed_s.min(walk.duration_s)),
                    minutes(walk.duration_s),
                    tr(lang, "ui.patrol.progress"),
                    progress.checked,
                    walk.visits.len(),
                    doing(lang, progress.doing),
                    tr(lang, "ui.patrol.walked"),
                    walk.walked_m * walked as f64 / walk.trace.len().max(1) as f64,
                ));
                egui::ScrollArea::vertical().max_height(320.0).show(ui, |ui| {
                    egui::Grid::new("patrol_points").striped(true).num_columns(4).show(ui, |ui| {
                        ui.strong("#");
                        ui.strong(tr(lang, "ui.patrol.point"));
                        ui.strong(tr(lang, "ui.patrol.arrive"));
                        ui.strong("");
                        ui.end_row();
                        for (i, v) in walk.visits.iter().enumerate() {
                            let done = v.leave_s <= progress.elapsed_s;
                            let colour = match v.priority {
                                _ if done => egui::Color32::from_rgb(40, 170, 90),
                                Priority::Urgent => crate::ui::ALARM_RED,
                                Priority::Required => egui::Color32::from_rgb(60, 120, 230),
                                Priority::Routine => egui::Color32::GRAY,
                            };
                            ui.colored_label(colour, if done { "✔".to_string() } else { (i + 1).to_string() });
                            ui.label(format!("{} {}", v.object, v.name));
                            ui.label(minutes(v.arrive_s));
                            match &v.sight {
                                Sight::Clear => ui.label(""),
                                Sight::Blocked { by, .. } => ui.colored_label(
                                    crate::ui::WARN_AMBER,
                                    format!("{} ({by})", tr(lang, "ui.patrol.not_seen")),
                                ),
                            };
                            ui.end_row();
                        }
                    });
                    let found: Vec<_> = walk
                        .visits
                        .iter()
                        .filter(|v| v.arrive_s <= progress.elapsed_s)
                        .flat_map(|v| &v.findings)
                        .collect();
                    if !found.is_empty() {
                        ui.separator();
                        ui.strong(format!("{} ({})", tr(lang, "ui.patrol.findings"), found.len()));
                        for f in found {
                            let text = if lang == Lang::Zh { &f.zh } else { &f.en };
                            ui.label(format!("{}: {text}", f.object));
                        }
                    }
                    let changes: Vec<String> = walk
                        .events
                        .iter()
                        .filter_map(|e| match e {
                            WalkEvent::Replanned { t_s, zone, to, .. } if *t_s <= progress.elapsed_s => {
                                Some(format!("{} → {to}: {zone}", minutes(*t_s)))
                            }
                            WalkEvent::PutOff { t_s, object, zone } if *t_s <= progress.elapsed_s => {
                                Some(format!("{} {object}: {}", minutes(*t_s), zone.as_deref().unwrap_or("-")))
                            }
                            WalkEvent::Skipped { t_s, object, why } if *t_s <= progress.elapsed_s => {
                                Some(format!("{} {object}: {}", minutes(*t_s), why.get(lang)))
                            }
                            _ => None,
                        })
                        .collect();
                    if !changes.is_empty() {
                        ui.separator();
                        ui.strong(tr(lang, "ui.patrol.events"));
                        for c in changes {
                            ui.label(c);
                        }
                    }
                    if !r.plan.omitted.is_empty() {
                        ui.separator();
                        let names: Vec<&str> = r.plan.omitted.iter().map(|o| o.point.object.as_str()).collect();
                        ui.label(format!("{}: {}", tr(lang, "ui.patrol.left_out"), names.join(", ")));
                    }
                    if let Some(s) = r.score.as_ref().filter(|_| progress.elapsed_s >= walk.duration_s) {
                        ui.separator();
                        ui.strong(format!("{}: {:.1} ({})", tr(lang, "ui.patrol.score"), s.total, s.grade.zh()));
                    }
                });
            }
        });
    rehearse
}
