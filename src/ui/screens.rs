//! The screens around the twin: the menu bar (File → Open, the site picker, reload, language),
//! the status bar (site, mode, data source, problems), the loading screen with its progress, the
//! error screen with the scene's positioned problems, and the picker, file and problems windows.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::egui;
use sitetwin_core::i18n::{Lang, tr};

use super::UiState;
use super::files::{FileAction, FileBrowser};
use super::panels::TwinView;
use crate::site::{
    DataSource, LoadFailure, LoadReadiness, OpenSite, Site, SiteCatalog, SiteIndex, SiteProblems, SiteRequest,
};
use crate::{AppMode, LoadPhase};

/// What the screens read and change.
#[derive(SystemParam)]
pub(super) struct Shell<'w> {
    pub state: ResMut<'w, UiState>,
    pub mode: Res<'w, State<AppMode>>,
    pub phase: Option<Res<'w, State<LoadPhase>>>,
    pub site: Option<Res<'w, Site>>,
    pub request: Option<Res<'w, SiteRequest>>,
    pub failure: Option<Res<'w, LoadFailure>>,
    pub problems: Res<'w, SiteProblems>,
    pub readiness: Res<'w, LoadReadiness>,
    pub source: Res<'w, DataSource>,
    pub index: Res<'w, SiteIndex>,
    pub catalog: ResMut<'w, SiteCatalog>,
    pub open: MessageWriter<'w, OpenSite>,
}

const ALARM_RED: egui::Color32 = egui::Color32::from_rgb(235, 80, 70);
const WARN_AMBER: egui::Color32 = egui::Color32::from_rgb(240, 170, 40);

/// The top bar: the File menu, the site, the views and toggles of the twin, the language.
pub(super) fn menu_bar(root: &mut egui::Ui, shell: &mut Shell, twin: &mut TwinView) {
    let lang = shell.state.lang;
    egui::Panel::top("top_bar").show(root, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.menu_button(tr(lang, "ui.menu.file"), |ui| {
                if ui.button(tr(lang, "ui.menu.open")).clicked() {
                    let start = shell.request.as_ref().and_then(|r| r.path.parent().map(|p| p.to_path_buf()));
                    shell.state.files = Some(FileBrowser::new(start));
                    ui.close();
                }
                if ui.button(tr(lang, "ui.menu.sites")).clicked() {
                    shell.catalog.scan();
                    shell.state.picker = true;
                    ui.close();
                }
                let reload = shell.request.as_ref().map(|r| r.path.clone());
                if ui.add_enabled(reload.is_some(), egui::Button::new(tr(lang, "ui.menu.reload"))).clicked() {
                    if let Some(path) = reload {
                        shell.open.write(OpenSite { path });
                    }
                    ui.close();
                }
            });
            ui.separator();
            if let Some(site) = &shell.site {
                let s = &site.0.scene.site;
                ui.strong(&s.name);
                ui.label(format!("· {} {}", s.city, s.district));
                ui.separator();
            }
            if *shell.mode.get() == AppMode::Twin {
                super::panels::view_buttons(ui, lang, twin);
                ui.separator();
            }
            let other = if lang == Lang::Zh { "English" } else { "中文" };
            if ui.button(other).clicked() {
                shell.state.lang = if lang == Lang::Zh { Lang::En } else { Lang::Zh };
            }
        });
    });
}

/// The bottom bar: site, mode, data source and the problems count (a click lists them).
pub(super) fn status_bar(root: &mut egui::Ui, shell: &mut Shell) {
    let lang = shell.state.lang;
    egui::Panel::bottom("status_bar").show(root, |ui| {
        ui.horizontal(|ui| {
            let site = shell.site.as_ref().map(|s| s.0.scene.site.name.clone());
            let file = shell.request.as_ref().map(|r| r.path.display().to_string()).unwrap_or_default();
            ui.label(site.unwrap_or_else(|| file.clone())).on_hover_text(file);
            ui.separator();
            let failed = shell.phase.as_ref().is_some_and(|p| *p.get() == LoadPhase::Failed);
            let mode = match shell.mode.get() {
                AppMode::Loading if failed => tr(lang, "ui.mode.failed"),
                AppMode::Loading => tr(lang, "ui.mode.loading"),
                AppMode::Twin => tr(lang, "ui.mode.twin"),
            };
            ui.label(mode);
            ui.separator();
            let source = match *shell.source {
                DataSource::StaticScene => tr(lang, "ui.source.static"),
            };
            ui.label(format!("{}: {source}", tr(lang, "ui.status.source")));
            if shell.site.is_some() {
                ui.separator();
                ui.label(format!(
                    "{} {} · {} {}",
                    shell.index.objects(),
                    tr(lang, "ui.objects"),
                    shell.index.sensors(),
                    tr(lang, "ui.status.sensors")
                ));
            }
            ui.separator();
            let n = shell.problems.count();
            let text = format!("{}: {n}", tr(lang, "ui.status.problems"));
            let label =
                if n == 0 { egui::RichText::new(text) } else { egui::RichText::new(text).color(WARN_AMBER).strong() };
            if ui.add(egui::Button::new(label).frame(false)).clicked() {
                shell.state.problems = !shell.state.problems;
            }
        });
    });
}

/// Opening a site: its progress, or, when the scene cannot be read, every problem in it.
pub(super) fn loading_screen(root: &mut egui::Ui, shell: &mut Shell) {
    let lang = shell.state.lang;
    let phase = shell.phase.as_ref().map(|p| *p.get()).unwrap_or_default();
    let frame = egui::Frame::central_panel(root.style()).fill(egui::Color32::from_rgb(24, 30, 40));
    egui::CentralPanel::default().frame(frame).show(root, |ui| {
        if phase == LoadPhase::Failed {
            error_screen(ui, shell);
            return;
        }
        ui.add_space(ui.available_height() * 0.3);
        ui.vertical_centered(|ui| {
            ui.heading(tr(lang, "ui.load.title"));
            if let Some(r) = &shell.request {
                ui.label(egui::RichText::new(r.path.display().to_string()).weak());
            }
            if let Some(site) = &shell.site {
                ui.label(egui::RichText::new(&site.0.scene.site.name).size(22.0).strong());
            }
            ui.add_space(16.0);
            let (done, total) = shell.readiness.progress();
            let (text, fraction) = match phase {
                LoadPhase::Reading => (tr(lang, "ui.load.reading").to_string(), 0.05),
                LoadPhase::Spawning => (tr(lang, "ui.load.spawning").to_string(), 0.1),
                _ => (
                    format!("{} {done} / {total}", tr(lang, "ui.load.models")),
                    0.1 + 0.9 * if total == 0 { 1.0 } else { done as f32 / total as f32 },
                ),
            };
            ui.add(egui::ProgressBar::new(fraction).desired_width(420.0).text(text));
            if !shell.problems.models.is_empty() {
                ui.add_space(10.0);
                let n = shell.problems.models.len();
                ui.colored_label(WARN_AMBER, format!("{}: {n}", tr(lang, "ui.model_missing")));
            }
        });
    });
}

/// The scene's problems, as `sitetwin validate` prints them, with retry and other sites.
fn error_screen(ui: &mut egui::Ui, shell: &mut Shell) {
    let lang = shell.state.lang;
    let Some(failure) = shell.failure.as_ref().map(|f| (*f).clone()) else { return };
    ui.heading(egui::RichText::new(tr(lang, "ui.error.title")).color(ALARM_RED));
    ui.label(egui::RichText::new(failure.path.display().to_string()).monospace());
    ui.label(tr(lang, "ui.error.hint"));
    ui.horizontal(|ui| {
        if ui.button(tr(lang, "ui.error.retry")).clicked() {
            shell.open.write(OpenSite { path: failure.path.clone() });
        }
        if ui.button(tr(lang, "ui.menu.open")).clicked() {
            shell.state.files = Some(FileBrowser::new(failure.path.parent().map(|p| p.to_path_buf())));
        }
    });
    ui.separator();
    let errors = failure.errors.errors().count();
    ui.label(egui::RichText::new(format!("{errors} {}", tr(lang, "ui.error.count"))).strong());
    let height = (ui.available_height() * 0.55).max(120.0);
    egui::ScrollArea::vertical().id_salt("scene_errors").max_height(height).show(ui, |ui| {
        for issue in &failure.errors.issues {
            let color = match issue.severity {
                sitetwin_core::scene::Severity::Error => ALARM_RED,
                sitetwin_core::scene::Severity::Warning => WARN_AMBER,
            };
            ui.colored_label(color, egui::RichText::new(issue.to_string()).monospace());
        }
    });
    ui.separator();
    catalog_list(ui, shell, "error_picker");
}

/// Floating windows: the site picker, File → Open, the problems list.
pub(super) fn windows(ctx: &egui::Context, shell: &mut Shell) {
    let lang = shell.state.lang;
    if shell.state.picker {
        let mut open = true;
        egui::Window::new(tr(lang, "ui.picker.title"))
            .id("site_picker".into())
            .open(&mut open)
            .default_width(460.0)
            .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
            .collapsible(false)
            .show(ctx, |ui| catalog_list(ui, shell, "picker"));
        shell.state.picker &= open;
    }
    if let Some(mut browser) = shell.state.files.take() {
        match browser.show(ctx, lang) {
            FileAction::Open(path) => {
                shell.open.write(OpenSite { path });
            }
            FileAction::Cancel => {}
            FileAction::Browse => shell.state.files = Some(browser),
        }
    }
    if shell.state.problems {
        let mut open = true;
        egui::Window::new(tr(lang, "ui.problems.title"))
            .id("problems".into())
            .open(&mut open)
            .default_width(560.0)
            .default_pos(egui::pos2(320.0, 90.0))
            .show(ctx, |ui| problems_list(ui, lang, &shell.problems));
        shell.state.problems &= open;
    }
}

fn problems_list(ui: &mut egui::Ui, lang: Lang, problems: &SiteProblems) {
    if problems.count() == 0 {
        ui.label(tr(lang, "ui.problems.none"));
        return;
    }
    egui::ScrollArea::vertical().max_height(360.0).show(ui, |ui| {
        for p in &problems.models {
            ui.colored_label(
                WARN_AMBER,
                egui::RichText::new(format!("{} · {}", p.model, tr(lang, "ui.model_missing"))).strong(),
            );
            ui.label(egui::RichText::new(p.file.display().to_string()).monospace().small());
            ui.label(&p.issue.message);
            ui.label(egui::RichText::new(p.issue.to_string()).weak().small());
            ui.separator();
        }
        for (model, why) in &problems.runtime {
            ui.colored_label(
                WARN_AMBER,
                egui::RichText::new(format!("{model} · {}", tr(lang, "ui.problems.runtime"))).strong(),
            );
            ui.label(why);
            ui.separator();
        }
        for w in &problems.warnings {
            ui.colored_label(WARN_AMBER, tr(lang, "ui.problems.warning"));
            ui.label(egui::RichText::new(w.to_string()).small());
            ui.separator();
        }
    });
}

/// The sites the catalog offers, each a click away.
fn catalog_list(ui: &mut egui::Ui, shell: &mut Shell, salt: &str) {
    let lang = shell.state.lang;
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new(tr(lang, "ui.picker.title")).strong());
        if ui.small_button(tr(lang, "ui.picker.rescan")).clicked() {
            shell.catalog.scan();
        }
    });
    let current = shell.request.as_ref().map(|r| std::path::absolute(&r.path).unwrap_or_else(|_| r.path.clone()));
    let entries: Vec<_> = shell.catalog.entries().cloned().collect();
    if entries.is_empty() {
        ui.label(tr(lang, "ui.picker.none"));
    }
    let mut recent_header = false;
    egui::ScrollArea::vertical().id_salt(salt).max_height(320.0).show(ui, |ui| {
        ui.label(egui::RichText::new(tr(lang, "ui.picker.scenes")).weak());
        for e in &entries {
            if e.recent && !recent_header {
                recent_header = true;
                ui.add_space(6.0);
                ui.label(egui::RichText::new(tr(lang, "ui.picker.recent")).weak());
            }
            ui.horizontal(|ui| {
                let is_current = current.as_ref() == Some(&e.path);
                let mut title = egui::RichText::new(&e.name).strong();
                if e.problem.is_some() {
                    title = title.color(ALARM_RED);
                }
                let button = ui.add(egui::Button::new(title));
                if button.clicked() {
                    shell.open.write(OpenSite { path: e.path.clone() });
                    shell.state.picker = false;
                }
                button.on_hover_text(e.path.display().to_string());
                ui.label(egui::RichText::new(&e.place).weak());
                let file = e.path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
                ui.label(egui::RichText::new(file).weak().small());
                if is_current {
                    ui.label(egui::RichText::new(format!("({})", tr(lang, "ui.picker.current"))).weak());
                }
            });
            if let Some(p) = &e.problem {
                ui.label(egui::RichText::new(p).small().color(ALARM_RED));
            }
        }
    });
}

/// Names the window after the site shown.
pub(super) fn window_title(site: Option<Res<Site>>, mut windows: Query<&mut Window, With<PrimaryWindow>>) {
    let Some(site) = site.filter(|s| s.is_changed()) else { return };
    for mut w in &mut windows {
        w.title = format!("sitetwin · {}", site.0.scene.site.name);
    }
}
