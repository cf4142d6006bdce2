//! The twin's panels, drawn each frame from components and view-model resources; they hold no
//! rules. Selections and view changes go out as resource edits and `ViewRequested` messages.

use bevy::camera::Viewport;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::egui;
use sitetwin_core::i18n::{self, Lang, tr};
use sitetwin_core::scene::{ParamValue, SensorGroup};

use super::live::{level_color, level_key};
use super::screens::Shell;
use crate::selection::Selection;
use crate::site::{LabelAnchor, ObjectInfo, ObjectSensors, ObjectTree, SensorLive, SiteObject, SiteSensor, TreeItem};
use crate::view::camera::{OrbitCamera, ViewPresets, ViewRequested};
use crate::view::overlay::{OverlaySettings, group_color};

/// What the twin's panels read and change.
#[derive(SystemParam)]
pub(super) struct TwinView<'w, 's> {
    selection: ResMut<'w, Selection>,
    presets: Res<'w, ViewPresets>,
    requests: MessageWriter<'w, ViewRequested>,
    overlay: ResMut<'w, OverlaySettings>,
    tree: Res<'w, ObjectTree>,
    objects: Query<'w, 's, (&'static SiteObject, &'static ObjectInfo, &'static LabelAnchor, &'static ObjectSensors)>,
    sensors: Query<'w, 's, (&'static SiteSensor, &'static SensorLive)>,
    cams: Query<'w, 's, (&'static mut Camera, &'static GlobalTransform), With<OrbitCamera>>,
}

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

/// The twin's preset views (in the menu bar); a click flies there.
pub(super) fn view_buttons(ui: &mut egui::Ui, lang: Lang, twin: &mut TwinView) {
    ui.label(tr(lang, "ui.views"));
    for (i, p) in twin.presets.0.iter().enumerate() {
        let label = match p.label_key {
            Some(k) => tr(lang, k).to_string(),
            None => p.name.clone(),
        };
        if ui.button(label).on_hover_text(format!("{}", i + 1)).clicked() {
            twin.requests.write(ViewRequested { key: p.key.clone(), instant: false });
        }
    }
}

/// The twin's panels: object tree, info panel, labels, legend, and the 3D viewport they leave.
/// Selects a sensor and flies the camera to the object it is mounted on.
pub(super) fn focus_sensor(twin: &mut TwinView, sensor: Entity) {
    *twin.selection = Selection::Sensor(sensor);
    if let Ok((s, _)) = twin.sensors.get(sensor)
        && let Ok((o, ..)) = twin.objects.get(s.object)
    {
        twin.requests.write(ViewRequested { key: o.id.clone(), instant: false });
    }
}

pub(super) fn draw_twin(
    root: &mut egui::Ui,
    ctx: &egui::Context,
    shell: &mut Shell,
    twin: &mut TwinView,
    live: &mut super::live::LiveView,
) {
    let lang = shell.state.lang;
    if shell.state.panels {
        egui::Panel::left("objects").resizable(true).default_size(290.0).show(root, |ui| {
            object_tree(ui, shell, twin);
        });
        if *twin.selection != Selection::None {
            egui::Panel::right("info").resizable(true).default_size(300.0).show(root, |ui| {
                info_panel(ui, lang, twin, live);
            });
        }
    }

    // The 3D view fills what the panels leave.
    let free = root.available_rect_before_wrap();
    live.ui.view_rect = Some(free);
    let ppp = ctx.pixels_per_point();
    for (mut cam, _) in &mut twin.cams {
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

    if shell.state.labels {
        labels(ctx, free, twin);
    }

    if shell.state.legend {
        egui::Window::new(tr(lang, "ui.legend"))
            .id("legend".into())
            .collapsible(true)
            .resizable(false)
            .default_width(150.0)
            .default_pos(egui::pos2(free.min.x + 10.0, free.max.y - 200.0))
            .show(ctx, |ui| legend(ui, lang));
    }
}

/// Object names over the twin, nearest first; a label that would cover one already placed is
/// left out, so the view stays readable at any zoom (select the object to see its name).
fn labels(ctx: &egui::Context, free: egui::Rect, twin: &TwinView) {
    let painter = ctx.layer_painter(egui::LayerId::new(egui::Order::Background, "labels".into())).with_clip_rect(free);
    let Some((cam, cam_t)) = twin.cams.iter().next() else { return };
    let selected = match *twin.selection {
        Selection::Object(e) => twin.objects.get(e).ok().map(|(o, ..)| o.id.as_str()),
        _ => None,
    };
    let mut placed: Vec<(f32, egui::Pos2, &SiteObject)> = twin
        .objects
        .iter()
        .filter(|(o, ..)| o.kind.spec().is_some_and(|k| k.label_shown))
        .filter_map(|(o, _, a, _)| {
            let p = cam.world_to_viewport_with_depth(cam_t, a.0).ok()?;
            Some((p.z, egui::pos2(p.x, p.y), o))
        })
        .collect();
    placed.sort_by(|a, b| a.0.total_cmp(&b.0));
    // The selected object's label always shows, so it is placed first.
    placed.sort_by_key(|(_, _, o)| Some(o.id.as_str()) != selected);
    let mut taken: Vec<egui::Rect> = Vec::new();
    for (_, at, o) in placed {
        let galley = painter.layout_no_wrap(o.name.clone(), egui::FontId::proportional(13.0), egui::Color32::WHITE);
        let min = at - galley.size() / 2.0;
        let rect = egui::Rect::from_min_size(min, galley.size()).expand(3.0);
        if taken.iter().any(|r| r.intersects(rect)) {
            continue;
        }
        taken.push(rect);
        let bg = if selected == Some(o.id.as_str()) {
            egui::Color32::from_rgba_unmultiplied(20, 140, 50, 230)
        } else {
            egui::Color32::from_rgba_unmultiplied(20, 30, 45, 185)
        };
        painter.rect_filled(rect, 3.0, bg);
        painter.galley(min, galley, egui::Color32::WHITE);
    }
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

/// An object matches the search by its id, name or kind, or by one of its sensors.
fn item_matches(search: &str, lang: Lang, o: &TreeItem) -> bool {
    matches(search, &[&o.id, &o.name, i18n::object_kind(lang, o.kind)])
        || o.sensors.iter().any(|x| matches(search, &[&x.id, x.name.as_deref().unwrap_or("")]))
}

fn sensor_dot(ui: &mut egui::Ui, group: SensorGroup) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), 4.0, c32(group_color(group)));
}

fn object_tree(ui: &mut egui::Ui, shell: &mut Shell, twin: &mut TwinView) {
    let lang = shell.state.lang;
    ui.heading(tr(lang, "app.title"));
    if let Some(site) = &shell.site {
        let s = &site.loaded.scene.site;
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
    }
    ui.separator();
    ui.horizontal(|ui| {
        ui.checkbox(&mut shell.state.labels, tr(lang, "ui.labels"));
        ui.checkbox(&mut twin.overlay.swing_circles, tr(lang, "ui.swing_circles"));
        ui.checkbox(&mut twin.overlay.sensor_markers, tr(lang, "ui.sensors"));
        ui.checkbox(&mut shell.state.legend, tr(lang, "ui.legend"));
    });
    ui.add(
        egui::TextEdit::singleline(&mut shell.state.search)
            .hint_text(tr(lang, "ui.search"))
            .desired_width(f32::INFINITY),
    );
    let search = shell.state.search.clone();
    let searching = !search.trim().is_empty();
    let mut shown = 0;
    let tree = &*twin.tree;
    egui::ScrollArea::vertical().show(ui, |ui| {
        for group in &tree.groups {
            let members: Vec<&TreeItem> = group.items.iter().filter(|o| item_matches(&search, lang, o)).collect();
            if members.is_empty() {
                continue;
            }
            shown += members.len();
            egui::CollapsingHeader::new(format!("{} ({})", tr(lang, group.group.title_key), members.len()))
                .id_salt(group.group.title_key)
                .default_open(true)
                .open(searching.then_some(true))
                .show(ui, |ui| {
                    for o in members {
                        let sel = *twin.selection == Selection::Object(o.entity);
                        if ui.selectable_label(sel, format!("{}  {}", o.id, o.name)).clicked() {
                            *twin.selection = Selection::Object(o.entity);
                            twin.requests.write(ViewRequested { key: o.id.clone(), instant: false });
                        }
                        let sensor_selected = o.sensors.iter().any(|x| *twin.selection == Selection::Sensor(x.entity));
                        if o.sensors.is_empty() || !(sel || searching || sensor_selected) {
                            continue;
                        }
                        ui.indent(&o.id, |ui| {
                            for x in &o.sensors {
                                if searching
                                    && !matches(&search, &[&x.id, x.name.as_deref().unwrap_or("")])
                                    && !matches(&search, &[&o.id, &o.name])
                                {
                                    continue;
                                }
                                ui.horizontal(|ui| {
                                    sensor_dot(ui, x.kind.group());
                                    let sel = *twin.selection == Selection::Sensor(x.entity);
                                    let text = format!("{}  {}", x.id, i18n::sensor_kind(lang, x.kind));
                                    if ui.selectable_label(sel, text).clicked() {
                                        *twin.selection = Selection::Sensor(x.entity);
                                    }
                                });
                            }
                        });
                    }
                });
        }
        if shown == 0 {
            ui.label(tr(lang, "ui.no_match"));
        }
    });
}

/// The label key of a level.
fn info_panel(ui: &mut egui::Ui, lang: Lang, twin: &mut TwinView, live_view: &mut super::live::LiveView) {
    ui.horizontal(|ui| {
        if ui.button("×").on_hover_text(tr(lang, "ui.close")).clicked() {
            *twin.selection = Selection::None;
        }
    });
    match *twin.selection {
        Selection::None => {
            ui.label(tr(lang, "ui.select_hint"));
        }
        Selection::Object(e) => {
            let Ok((o, info, _, sensors)) = twin.objects.get(e) else { return };
            ui.heading(&o.name);
            egui::Grid::new("object_head").num_columns(2).show(ui, |ui| {
                ui.label(tr(lang, "ui.kind"));
                ui.label(i18n::object_kind(lang, o.kind));
                ui.end_row();
                ui.label(tr(lang, "ui.id"));
                ui.label(&o.id);
                ui.end_row();
            });
            if let Some(c) = &info.hazard {
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
                let reasons = sitetwin_core::rules::hazard::joined(&c.reasons);
                ui.label(egui::RichText::new(format!("{} · {}", reasons.get(lang), c.rule)).small().weak());
            }
            ui.separator();
            ui.label(egui::RichText::new(tr(lang, "ui.params")).strong());
            egui::Grid::new("object_params").num_columns(2).striped(true).show(ui, |ui| {
                for p in &info.params {
                    ui.label(tr(lang, p.key));
                    ui.label(param_text(lang, &p.value));
                    ui.end_row();
                }
            });
            if !sensors.0.is_empty() {
                ui.separator();
                ui.label(egui::RichText::new(format!("{} ({})", tr(lang, "ui.sensors"), sensors.0.len())).strong());
                for &se in &sensors.0 {
                    let Ok((x, live)) = twin.sensors.get(se) else { continue };
                    ui.horizontal(|ui| {
                        sensor_dot(ui, x.kind.group());
                        let text = format!("{}  {} ({})", x.id, i18n::sensor_kind(lang, x.kind), x.unit);
                        if ui.link(text).clicked() {
                            *twin.selection = Selection::Sensor(se);
                        }
                        if live.latest.is_some() {
                            ui.colored_label(level_color(live.level), tr(lang, level_key(live.level)));
                        }
                    });
                }
            }
        }
        Selection::Sensor(e) => {
            let Ok((x, live)) = twin.sensors.get(e) else { return };
            ui.heading(x.name.as_deref().unwrap_or(&x.id));
            let owner = twin.objects.get(x.object).ok().map(|(o, ..)| (o.id.clone(), o.name.clone()));
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
                if let Some((id, name)) = &owner {
                    let text = match &x.node {
                        Some(n) => format!("{name} · {n}"),
                        None => name.clone(),
                    };
                    if ui.link(text).clicked() {
                        *twin.selection = Selection::Object(x.object);
                        twin.requests.write(ViewRequested { key: id.clone(), instant: false });
                    }
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
            ui.separator();
            live_state(ui, lang, x, live, live_view.clock.now);
            super::live::sensor_chart(ui, lang, live_view, x, live);
        }
    }
}

/// A sensor's live state: latest reading and level, or that there is none yet.
fn live_state(
    ui: &mut egui::Ui,
    lang: Lang,
    x: &SiteSensor,
    live: &SensorLive,
    now: Option<chrono::DateTime<chrono::Utc>>,
) {
    let Some(latest) = &live.latest else {
        ui.label(egui::RichText::new(tr(lang, "ui.live.no_data")).weak());
        return;
    };
    egui::Grid::new("sensor_live").num_columns(2).show(ui, |ui| {
        ui.label(tr(lang, "ui.live.latest"));
        ui.label(format!("{} {} · {}", fmt_num(latest.value), x.unit, super::live::local(latest.time)));
        ui.end_row();
        ui.label(tr(lang, "ui.live.level"));
        let mut text = tr(lang, level_key(live.level)).to_string();
        if let Some(rule) = &live.rule {
            text = format!("{text} · {}", i18n::rule_title(lang, rule));
        }
        ui.colored_label(level_color(live.level), egui::RichText::new(text).strong());
        ui.end_row();
        if live.stale {
            ui.label("");
            ui.colored_label(egui::Color32::GRAY, egui::RichText::new(tr(lang, "ui.stale")).strong());
            ui.end_row();
        }
        if live.spraying(now) {
            ui.label("");
            ui.colored_label(
                egui::Color32::from_rgb(80, 200, 230),
                egui::RichText::new(tr(lang, "ui.spraying")).strong(),
            );
            ui.end_row();
        }
    });
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
