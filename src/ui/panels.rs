//! Draws the panels each frame from view-model state; it holds no rules. Selections and view
//! changes go out as resource edits and `ViewRequested` messages.

use bevy::camera::Viewport;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};
use sitetwin_core::i18n::{self, Lang, tr};
use sitetwin_core::scene::{ParamValue, SensorGroup, tree_groups};

use super::UiState;
use crate::site::{Hazards, LabelAnchor, Site, SiteObject};
use crate::view::Selection;
use crate::view::camera::{OrbitCamera, ViewPresets, ViewRequested};
use crate::view::models::ModelLoading;
use crate::view::overlay::{OverlaySettings, group_color};

fn c32(c: Color) -> egui::Color32 {
    let s = c.to_srgba();
    egui::Color32::from_rgb((s.red * 255.0) as u8, (s.green * 255.0) as u8, (s.blue * 255.0) as u8)
}

/// A number for people: no trailing zeros, at most two decimals.
pub fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn param_text(lang: Lang, v: &ParamValue) -> String {
    match v {
        ParamValue::Number(x, unit) => format!("{} {unit}", fmt_num(*x)),
        ParamValue::Count(n) => n.to_string(),
        ParamValue::Text(t) => t.clone(),
        ParamValue::Term(k) => tr(lang, k).to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn draw_ui(
    mut contexts: EguiContexts,
    mut state: ResMut<UiState>,
    site: Option<Res<Site>>,
    mut selection: ResMut<Selection>,
    presets: Res<ViewPresets>,
    mut requests: MessageWriter<ViewRequested>,
    mut overlay: ResMut<OverlaySettings>,
    loading: Res<ModelLoading>,
    hazards: Option<Res<Hazards>>,
    objects: Query<(&SiteObject, &LabelAnchor)>,
    mut cams: Query<(&mut Camera, &GlobalTransform), With<OrbitCamera>>,
) -> Result {
    let Some(site) = site else { return Ok(()) };
    let ctx = contexts.ctx_mut()?.clone();
    let lang = state.lang;
    let scene = &site.0.scene;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "twin_root".into(),
        egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(ctx.viewport_rect()),
    );

    if state.panels {
        egui::Panel::top("top_bar").show(&mut root, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.strong(&scene.site.name);
                ui.label(format!("· {} {}", scene.site.city, scene.site.district));
                ui.separator();
                ui.label(tr(lang, "ui.views"));
                for (i, p) in presets.0.iter().enumerate() {
                    let label = match p.label_key {
                        Some(k) => tr(lang, k).to_string(),
                        None => p.name.clone(),
                    };
                    if ui.button(label).on_hover_text(format!("{}", i + 1)).clicked() {
                        requests.write(ViewRequested { key: p.key.clone(), instant: false });
                    }
                }
                ui.separator();
                ui.checkbox(&mut state.labels, tr(lang, "ui.labels"));
                ui.checkbox(&mut overlay.swing_circles, tr(lang, "ui.swing_circles"));
                ui.checkbox(&mut overlay.sensor_markers, tr(lang, "ui.sensors"));
                ui.checkbox(&mut state.legend, tr(lang, "ui.legend"));
                ui.separator();
                let other = if lang == Lang::Zh { "English" } else { "中文" };
                if ui.button(other).clicked() {
                    state.lang = if lang == Lang::Zh { Lang::En } else { Lang::Zh };
                }
                if !loading.done() {
                    ui.separator();
                    ui.spinner();
                    ui.label(format!("{} {}/{}", tr(lang, "ui.loading"), loading.ready, loading.requested));
                }
                for (m, why) in &loading.failed {
                    ui.colored_label(egui::Color32::RED, format!("{m}: {} ({why})", tr(lang, "ui.model_missing")));
                }
            });
        });

        egui::Panel::left("objects").resizable(true).default_size(290.0).show(&mut root, |ui| {
            object_tree(ui, &mut state, &site, &mut selection, &mut requests);
        });

        if *selection != Selection::None {
            egui::Panel::right("info").resizable(true).default_size(300.0).show(&mut root, |ui| {
                info_panel(ui, lang, &site, hazards.as_deref(), &mut selection, &mut requests);
            });
        }
    }

    // The 3D view fills what the panels leave.
    let free = root.available_rect_before_wrap();
    let ppp = ctx.pixels_per_point();
    for (mut cam, _) in &mut cams {
        // egui does not know the screen size on its first frame; never hand the renderer a
        // viewport larger than the target.
        let Some(target) = cam.physical_target_size() else { continue };
        let pos = UVec2::new((free.min.x * ppp).max(0.0) as u32, (free.min.y * ppp).max(0.0) as u32).min(target - 1);
        let size = UVec2::new((free.width() * ppp).max(1.0) as u32, (free.height() * ppp).max(1.0) as u32)
            .min(target - pos)
            .max(UVec2::ONE);
        let whole = pos == UVec2::ZERO && size == target;
        let want = (!whole).then_some(Viewport { physical_position: pos, physical_size: size, ..default() });
        if cam.viewport.as_ref().map(|v| (v.physical_position, v.physical_size))
            != want.as_ref().map(|v| (v.physical_position, v.physical_size))
        {
            cam.viewport = want;
        }
    }

    if state.labels {
        let painter =
            ctx.layer_painter(egui::LayerId::new(egui::Order::Background, "labels".into())).with_clip_rect(free);
        if let Some((cam, cam_t)) = cams.iter().next() {
            // Nearest first; a label that would cover one already placed is left out, so the
            // view stays readable at any zoom (select the object to see its name).
            let mut placed: Vec<(f32, egui::Pos2, &SiteObject)> = objects
                .iter()
                .filter(|(o, _)| o.kind.spec().is_some_and(|k| k.label_shown))
                .filter_map(|(o, a)| {
                    let p = cam.world_to_viewport_with_depth(cam_t, a.0).ok()?;
                    Some((p.z, egui::pos2(p.x, p.y), o))
                })
                .collect();
            placed.sort_by(|a, b| a.0.total_cmp(&b.0));
            let selected_id = match &*selection {
                Selection::Object(id) => Some(id.clone()),
                _ => None,
            };
            // The selected object's label always shows, so it is placed first.
            placed.sort_by_key(|(_, _, o)| Some(&o.id) != selected_id.as_ref());
            let mut taken: Vec<egui::Rect> = Vec::new();
            for (_, at, o) in placed {
                let name = scene.object(&o.id).map(|x| x.name).unwrap_or(&o.id);
                let galley =
                    painter.layout_no_wrap(name.to_string(), egui::FontId::proportional(13.0), egui::Color32::WHITE);
                let min = at - galley.size() / 2.0;
                let rect = egui::Rect::from_min_size(min, galley.size()).expand(3.0);
                if taken.iter().any(|r| r.intersects(rect)) {
                    continue;
                }
                taken.push(rect);
                let bg = if selected_id.as_ref() == Some(&o.id) {
                    egui::Color32::from_rgba_unmultiplied(20, 140, 50, 230)
                } else {
                    egui::Color32::from_rgba_unmultiplied(20, 30, 45, 185)
                };
                painter.rect_filled(rect, 3.0, bg);
                painter.galley(min, galley, egui::Color32::WHITE);
            }
        }
    }

    if state.legend {
        egui::Window::new(tr(lang, "ui.legend"))
            .id("legend".into())
            .collapsible(true)
            .resizable(false)
            .default_width(150.0)
            .default_pos(egui::pos2(free.min.x + 10.0, free.max.y - 200.0))
            .show(&ctx, |ui| legend(ui, lang));
    }
    Ok(())
}

fn legend(ui: &mut egui::Ui, lang: Lang) {
    ui.label(egui::RichText::new(tr(lang, "ui.sensors")).strong());
    for g in SensorGroup::ALL {
        ui.horizontal(|ui| {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
            ui.painter().circle_filled(rect.center(), 5.5, c32(group_color(g)));
            ui.label(tr(lang, &format!("group.{g:?}")));
        });
    }
    ui.separator();
    ui.horizontal(|ui| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
        ui.painter().circle_stroke(rect.center(), 5.0, egui::Stroke::new(1.5, egui::Color32::from_rgb(255, 140, 0)));
        ui.label(tr(lang, "ui.swing_circles"));
    });
}

fn matches(search: &str, texts: &[&str]) -> bool {
    let q = search.trim().to_lowercase();
    q.is_empty() || texts.iter().any(|t| t.to_lowercase().contains(&q))
}

fn object_tree(
    ui: &mut egui::Ui,
    state: &mut UiState,
    site: &Site,
    selection: &mut Selection,
    requests: &mut MessageWriter<ViewRequested>,
) {
    let lang = state.lang;
    let scene = &site.0.scene;
    let s = &scene.site;
    ui.heading(tr(lang, "app.title"));
    ui.label(egui::RichText::new(&s.name).strong());
    egui::Grid::new("site_info").num_columns(2).show(ui, |ui| {
        ui.label(tr(lang, "ui.id"));
        ui.label(&s.id);
        ui.end_row();
        ui.label(tr(lang, "ui.address"));
        ui.label(&s.address);
        ui.end_row();
        if let Some(c) = &s.contractor {
            ui.label(tr(lang, "ui.contractor"));
            ui.label(c);
            ui.end_row();
        }
        if let Some(c) = &s.supervisor {
            ui.label(tr(lang, "ui.supervisor"));
            ui.label(c);
            ui.end_row();
        }
    });
    ui.separator();
    ui.add(egui::TextEdit::singleline(&mut state.search).hint_text(tr(lang, "ui.search")).desired_width(f32::INFINITY));
    let searching = !state.search.trim().is_empty();
    let objects = scene.objects();
    let mut shown = 0;
    egui::ScrollArea::vertical().show(ui, |ui| {
        for group in tree_groups() {
            let members: Vec<_> = objects
                .iter()
                .filter(|o| o.spec.tree == group)
                .filter(|o| {
                    let sensors = scene.sensors_on(o.id);
                    matches(&state.search, &[o.id, o.name, i18n::object_kind(lang, o.kind)])
                        || sensors.iter().any(|x| matches(&state.search, &[&x.id, x.name.as_deref().unwrap_or("")]))
                })
                .collect();
            if members.is_empty() {
                continue;
            }
            shown += members.len();
            let title = format!("{} ({})", tr(lang, group.title_key), members.len());
            egui::CollapsingHeader::new(title)
                .id_salt(group.title_key)
                .default_open(true)
                .open(searching.then_some(true))
                .show(ui, |ui| {
                    for o in &members {
                        let sel = *selection == Selection::Object(o.id.to_string());
                        let r = ui.selectable_label(sel, format!("{}  {}", o.id, o.name));
                        if r.clicked() {
                            *selection = Selection::Object(o.id.to_string());
                            requests.write(ViewRequested { key: o.id.to_string(), instant: false });
                        }
                        let sensors = scene.sensors_on(o.id);
                        if !sensors.is_empty() && (sel || searching) {
                            ui.indent(o.id, |ui| {
                                for x in sensors {
                                    if searching
                                        && !matches(&state.search, &[&x.id, x.name.as_deref().unwrap_or("")])
                                        && !matches(&state.search, &[o.id, o.name])
                                    {
                                        continue;
                                    }
                                    ui.horizontal(|ui| {
                                        let (rect, _) =
                                            ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                                        ui.painter().circle_filled(
                                            rect.center(),
                                            4.0,
                                            c32(group_color(x.kind.group())),
                                        );
                                        let sel = *selection == Selection::Sensor(x.id.clone());
                                        if ui
                                            .selectable_label(
                                                sel,
                                                format!("{}  {}", x.id, i18n::sensor_kind(lang, x.kind)),
                                            )
                                            .clicked()
                                        {
                                            *selection = Selection::Sensor(x.id.clone());
                                        }
                                    });
                                }
                            });
                        }
                    }
                });
        }
        if shown == 0 {
            ui.label(tr(lang, "ui.no_match"));
        }
    });
}

fn info_panel(
    ui: &mut egui::Ui,
    lang: Lang,
    site: &Site,
    hazards: Option<&Hazards>,
    selection: &mut Selection,
    requests: &mut MessageWriter<ViewRequested>,
) {
    let scene = &site.0.scene;
    ui.horizontal(|ui| {
        if ui.button("×").on_hover_text(tr(lang, "ui.close")).clicked() {
            *selection = Selection::None;
        }
    });
    match selection.clone() {
        Selection::None => {
            ui.label(tr(lang, "ui.select_hint"));
        }
        Selection::Object(id) => {
            let Some(o) = scene.object(&id) else { return };
            ui.heading(o.name);
            egui::Grid::new("object_head").num_columns(2).show(ui, |ui| {
                ui.label(tr(lang, "ui.kind"));
                ui.label(i18n::object_kind(lang, o.kind));
                ui.end_row();
                ui.label(tr(lang, "ui.id"));
                ui.label(o.id);
                ui.end_row();
            });
            if let Some(c) = hazards.and_then(|h| h.of(&id)) {
                use sitetwin_core::rules::hazard::HazardClass;
                let text = if lang == Lang::Zh { c.class.zh() } else { c.class.en() };
                let color = match c.class {
                    HazardClass::OverScale => egui::Color32::from_rgb(230, 60, 50),
                    HazardClass::MajorHazard => egui::Color32::from_rgb(240, 150, 30),
                    HazardClass::Ordinary => egui::Color32::GRAY,
                };
                ui.separator();
                ui.horizontal_wrapped(|ui| {
                    ui.label(tr(lang, "ui.hazard_class"));
                    ui.colored_label(color, egui::RichText::new(text).strong());
                });
                ui.label(egui::RichText::new(format!("{} · {}", c.reasons.join("; "), c.rule)).small().weak());
            }
            ui.separator();
            ui.label(egui::RichText::new(tr(lang, "ui.params")).strong());
            egui::Grid::new("object_params").num_columns(2).striped(true).show(ui, |ui| {
                for p in scene.params(&id) {
                    ui.label(tr(lang, p.key));
                    ui.label(param_text(lang, &p.value));
                    ui.end_row();
                }
            });
            let sensors = scene.sensors_on(&id);
            if !sensors.is_empty() {
                ui.separator();
                ui.label(egui::RichText::new(format!("{} ({})", tr(lang, "ui.sensors"), sensors.len())).strong());
                for x in sensors {
                    ui.horizontal(|ui| {
                        let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                        ui.painter().circle_filled(rect.center(), 4.0, c32(group_color(x.kind.group())));
                        let text = format!("{}  {} ({})", x.id, i18n::sensor_kind(lang, x.kind), x.unit);
                        if ui.link(text).clicked() {
                            *selection = Selection::Sensor(x.id.clone());
                        }
                    });
                }
            }
        }
        Selection::Sensor(id) => {
            let Some(x) = scene.sensors.iter().find(|s| s.id == id) else { return };
            ui.heading(x.name.as_deref().unwrap_or(&x.id));
            egui::Grid::new("sensor").num_columns(2).striped(true).show(ui, |ui| {
                ui.label(tr(lang, "ui.id"));
                ui.label(&x.id);
                ui.end_row();
                ui.label(tr(lang, "ui.kind"));
                ui.label(format!(
                    "{} · {}",
                    i18n::sensor_kind(lang, x.kind),
                    tr(lang, &format!("group.{:?}", x.kind.group()))
                ));
                ui.end_row();
                ui.label(tr(lang, "ui.unit"));
                ui.label(&x.unit);
                ui.end_row();
                ui.label(tr(lang, "ui.mounted_on"));
                let owner = scene.object(&x.anchor.object).map(|o| o.name).unwrap_or(&x.anchor.object);
                let text = match &x.anchor.node {
                    Some(n) => format!("{owner} · {n}"),
                    None => owner.to_string(),
                };
                if ui.link(text).clicked() {
                    *selection = Selection::Object(x.anchor.object.clone());
                    requests.write(ViewRequested { key: x.anchor.object.clone(), instant: false });
                }
                ui.end_row();
                if let Some(iv) = x.interval_s {
                    ui.label(tr(lang, "ui.interval"));
                    ui.label(format!("{} s", fmt_num(iv)));
                    ui.end_row();
                }
                if let Some([lo, hi]) = x.range {
                    ui.label(tr(lang, "ui.range"));
                    ui.label(format!("{} … {} {}", fmt_num(lo), fmt_num(hi), x.unit));
                    ui.end_row();
                }
                if let Some(d) = &x.device_id {
                    ui.label(tr(lang, "ui.device"));
                    ui.label(d);
                    ui.end_row();
                }
                ui.label(tr(lang, "ui.position"));
                let p = x.position_m;
                ui.label(format!("x {} · y {} · z {} m", fmt_num(p.x), fmt_num(p.y), fmt_num(p.z)));
                ui.end_row();
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(fmt_num(45.0), "45");
        assert_eq!(fmt_num(2.5), "2.5");
        assert_eq!(fmt_num(0.126), "0.13");
        assert_eq!(fmt_num(-5.0), "-5");
    }

    #[test]
    fn search_is_case_insensitive_and_empty_matches_all() {
        assert!(matches("", &["x"]));
        assert!(matches("tc", &["TC1"]));
        assert!(matches("塔吊", &["1#塔吊"]));
        assert!(!matches("pit", &["TC1", "1#塔吊"]));
    }
}
