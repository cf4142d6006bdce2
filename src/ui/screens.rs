//! The screens around the twin: the menu bar (File → Open, the site picker, reload, language),
//! the status bar (site, mode, data source, problems), the loading screen with its progress, the
//! error screen with the scene's positioned problems, and the picker, file and problems windows.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::egui;
use sitetwin_core::i18n::{Lang, tr};

use super::files::{FileAction, FileBrowser};
use super::panels::TwinView;
use super::{ALARM_RED, UiState, WARN_AMBER};
use crate::site::{
    LoadFailure, LoadReadiness, Site, SiteCatalog, SiteIndex, SiteOpenRequested, SiteProblems, SiteRequest,
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
    pub index: Res<'w, SiteIndex>,
    pub catalog: ResMut<'w, SiteCatalog>,
    pub open: MessageWriter<'w, SiteOpenRequested>,
    pub findings: Res<'w, crate::findings::SiteFindings>,
}

impl Shell<'_> {
    /// The scene file of the site shown, else of the one being opened.
    fn current_path(&self) -> Option<std::path::PathBuf> {
        self.site.as_ref().map(|s| s.loaded.file.clone()).or_else(|| self.request.as_ref().map(|r| r.path.clone()))
    }

    /// The error screen is up: no site could be shown.
    fn failed(&self) -> bool {
        self.phase.as_ref().is_some_and(|p| *p.get() == LoadPhase::Failed)
    }
}

/// "1 object", "2 objects" in English; the count and its measure word in Chinese.
pub(super) fn counted(lang: Lang, n: usize, one_key: &str, many_key: &str) -> String {
    let key = if lang == Lang::En && n == 1 { one_key } else { many_key };
    format!("{n} {}", tr(lang, key))
}

/// The top bar: the File menu, the site, the views and toggles of the twin, the language.
pub(super) fn menu_bar(root: &mut egui::Ui, shell: &mut Shell, twin: &mut TwinView) {
    let lang = shell.state.lang;
    egui::Panel::top("top_bar").show(root, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.menu_button(tr(lang, "ui.menu.file"), |ui| {
                if ui.button(tr(lang, "ui.menu.open")).clicked() {
                    let start = shell.current_path().and_then(|p| p.parent().map(|d| d.to_path_buf()));
                    shell.state.files = Some(FileBrowser::new(start));
                    ui.close();
                }
                if ui.button(tr(lang, "ui.menu.sites")).clicked() {
                    shell.catalog.rescan = true;
                    shell.state.picker = true;
                    ui.close();
                }
                let reload = shell.current_path();
                if ui.add_enabled(reload.is_some(), egui::Button::new(tr(lang, "ui.menu.reload"))).clicked() {
                    if let Some(path) = reload {
                        shell.open.write(SiteOpenRequested { path });
                    }
                    ui.close();
                }
            });
            ui.separator();
            if let Some(site) = &shell.site {
                let s = &site.loaded.scene.site;
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
pub(super) fn status_bar(root: &mut egui::Ui, shell: &mut Shell, live: &mut super::live::LiveView) {
    let lang = shell.state.lang;
    egui::Panel::bottom("status_bar").show(root, |ui| {
        ui.horizontal(|ui| {
            let file = shell.current_path().map(|p| p.display().to_string()).unwrap_or_default();
            let name = shell.site.as_ref().map(|s| s.loaded.scene.site.name.clone()).unwrap_or_else(|| file.clone());
            ui.label(name).on_hover_text(file);
            ui.separator();
            let mode = match shell.mode.get() {
                AppMode::Loading if shell.failed() => tr(lang, "ui.mode.failed"),
                AppMode::Loading => tr(lang, "ui.mode.loading"),
                AppMode::Twin => tr(lang, "ui.mode.twin"),
                AppMode::Bureau => tr(lang, "ui.mode.bureau"),
            };
            ui.label(mode);
            ui.separator();
            super::live::status_segment(ui, lang, live);
            if shell.site.is_some() && !shell.failed() {
                ui.separator();
                ui.label(format!(
                    "{} · {}",
                    counted(lang, shell.index.objects(), "ui.status.object", "ui.objects"),
                    counted(lang, shell.index.sensors(), "ui.status.sensor", "ui.status.sensors")
                ));
            }
            if shell.site.is_some() && !shell.failed() {
                ui.separator();
                findings_segment(ui, lang, shell, live.clock.now.unwrap_or_else(chrono::Utc::now));
            }
            ui.separator();
            let n = problem_count(shell);
            let text = format!("{}: {n}", tr(lang, "ui.status.problems"));
            let label =
                if n == 0 { egui::RichText::new(text) } else { egui::RichText::new(text).color(WARN_AMBER).strong() };
            if ui.add(egui::Button::new(label).frame(false)).clicked() {
                shell.state.problems = !shell.state.problems;
            }
        });
    });
}

/// The register in the status bar: items awaiting rectification and those overdue at the twin's
/// moment; a click opens its window.
fn findings_segment(ui: &mut egui::Ui, lang: Lang, shell: &mut Shell, now: chrono::DateTime<chrono::Utc>) {
    let (waiting, overdue) = shell.findings.register.outstanding(now);
    let mut text = format!("{} {waiting}", tr(lang, "ui.findings.short"));
    if overdue > 0 {
        text.push_str(&format!(" · {} {overdue}", tr(lang, "ui.findings.overdue")));
    }
    let label = match overdue {
        0 => egui::RichText::new(text),
        _ => egui::RichText::new(text).color(ALARM_RED).strong(),
    };
    if ui.add(egui::Button::new(label).frame(false)).on_hover_text(tr(lang, "ui.register")).clicked() {
        shell.state.findings = !shell.state.findings;
    }
}

/// The problems the status bar counts: the scene's errors on the error screen, else the open
/// site's problems.
fn problem_count(shell: &Shell) -> usize {
    match &shell.failure {
        Some(f) if shell.failed() => f.errors.errors().count(),
        _ => shell.problems.count(),
    }
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
                ui.label(egui::RichText::new(&site.loaded.scene.site.name).size(22.0).strong());
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
    let Some(failure) = shell.failure.as_deref() else { return };
    ui.heading(egui::RichText::new(tr(lang, "ui.error.title")).color(ALARM_RED));
    ui.label(egui::RichText::new(failure.path.display().to_string()).monospace());
    ui.label(tr(lang, "ui.error.hint"));
    ui.horizontal(|ui| {
        if ui.button(tr(lang, "ui.error.retry")).clicked() {
            shell.open.write(SiteOpenRequested { path: failure.path.clone() });
        }
        if ui.button(tr(lang, "ui.menu.open")).clicked() {
            shell.state.files = Some(FileBrowser::new(failure.path.parent().map(|p| p.to_path_buf())));
        }
    });
    ui.separator();
    let height = (ui.available_height() * 0.55).max(120.0);
    scene_errors(ui, lang, failure, height);
    ui.separator();
    catalog_list(ui, shell, "error_picker");
}

/// A scene's problems, one line each, errors in red.
fn scene_errors(ui: &mut egui::Ui, lang: Lang, failure: &LoadFailure, height: f32) {
    let errors = failure.errors.errors().count();
    ui.label(egui::RichText::new(counted(lang, errors, "ui.error.one", "ui.error.count")).strong());
    egui::ScrollArea::vertical().id_salt("scene_errors").max_height(height).show(ui, |ui| {
        for issue in &failure.errors.issues {
            let color = match issue.severity {
                sitetwin_core::scene::Severity::Error => ALARM_RED,
                sitetwin_core::scene::Severity::Warning => WARN_AMBER,
            };
            ui.colored_label(color, egui::RichText::new(issue.to_string()).monospace());
        }
    });
}

/// Floating windows: the site picker, File → Open, the problems list, and a scene that could
/// not be opened over the site that stayed open.
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
                shell.open.write(SiteOpenRequested { path });
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
            .show(ctx, |ui| match &shell.failure {
                Some(f) if shell.failed() => scene_errors(ui, lang, f, 360.0),
                _ => problems_list(ui, lang, &shell.problems),
            });
        shell.state.problems &= open;
    }
    if *shell.mode.get() == AppMode::Twin
        && let Some(failure) = shell.failure.as_deref()
    {
        let mut open = true;
        let mut retry = false;
        egui::Window::new(tr(lang, "ui.error.title"))
            .id("open_failed".into())
            .open(&mut open)
            .default_width(640.0)
            .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 60.0))
            .collapsible(false)
            .show(ctx, |ui| {
                ui.label(egui::RichText::new(failure.path.display().to_string()).monospace());
                ui.label(tr(lang, "ui.error.kept"));
                retry = ui.button(tr(lang, "ui.error.retry")).clicked();
                ui.separator();
                scene_errors(ui, lang, failure, 280.0);
            });
        if retry {
            shell.open.write(SiteOpenRequested { path: failure.path.clone() });
        }
        if !open || retry {
            shell.state.dismiss_failure = true;
        }
    }
}

fn problems_list(ui: &mut egui::Ui, lang: Lang, problems: &SiteProblems) {
    if problems.count() == 0 {
        ui.label(tr(lang, "ui.problems.none"));
        return;
    }
    egui::ScrollArea::vertical().max_height(360.0).show(ui, |ui| {
        for p in &problems.models {
            let title = format!("{} · {}", p.model, tr(lang, "ui.model_missing"));
            ui.colored_label(WARN_AMBER, egui::RichText::new(title).strong());
            ui.label(egui::RichText::new(p.issue.to_string()).small());
            ui.separator();
        }
        for r in &problems.runtime {
            let title = format!("{} · {}", r.model, tr(lang, "ui.problems.runtime"));
            ui.colored_label(WARN_AMBER, egui::RichText::new(title).strong());
            ui.label(egui::RichText::new(r.file.display().to_string()).monospace().small());
            ui.label(egui::RichText::new(&r.cause).small());
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
            shell.catalog.rescan = true;
        }
        if shell.catalog.scanning {
            ui.spinner();
        }
    });
    let current = shell.current_path().map(|p| std::path::absolute(&p).unwrap_or(p));
    let mut chosen = None;
    let mut any = false;
    let mut recent_header = false;
    egui::ScrollArea::vertical().id_salt(salt).max_height(320.0).show(ui, |ui| {
        ui.label(egui::RichText::new(tr(lang, "ui.picker.scenes")).weak());
        for e in shell.catalog.entries() {
            any = true;
            if e.recent && !recent_header {
                recent_header = true;
                ui.add_space(6.0);
                ui.label(egui::RichText::new(tr(lang, "ui.picker.recent")).weak());
            }
            ui.horizontal(|ui| {
                let mut title = egui::RichText::new(&e.name).strong();
                if e.problem.is_some() {
                    title = title.color(ALARM_RED);
                }
                let button = ui.add(egui::Button::new(title));
                if button.clicked() {
                    chosen = Some(e.path.clone());
                }
                button.on_hover_text(e.path.display().to_string());
                ui.label(egui::RichText::new(&e.place).weak());
                let file = e.path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
                ui.label(egui::RichText::new(file).weak().small());
                if current.as_ref() == Some(&e.path) {
                    ui.label(egui::RichText::new(format!("({})", tr(lang, "ui.picker.current"))).weak());
                }
            });
            if let Some(p) = &e.problem {
                ui.label(egui::RichText::new(p).small().color(ALARM_RED));
            }
        }
        if !any && !shell.catalog.scanning {
            ui.label(tr(lang, "ui.picker.none"));
        }
    });
    if let Some(path) = chosen {
        shell.open.write(SiteOpenRequested { path });
        shell.state.picker = false;
    }
}

/// Names the window after the site shown, or the scene that could not be opened.
pub(super) fn window_title(
    site: Option<Res<Site>>,
    failure: Option<Res<LoadFailure>>,
    phase: Option<Res<State<LoadPhase>>>,
    mut windows: Query<&mut Window, With<PrimaryWindow>>,
) {
    let failed = phase.is_some_and(|p| *p.get() == LoadPhase::Failed);
    let title = match (&site, &failure) {
        (_, Some(f)) if failed && f.is_changed() => format!("sitetwin · {}", f.path.display()),
        (Some(s), _) if s.is_changed() => format!("sitetwin · {}", s.loaded.scene.site.name),
        _ => return,
    };
    for mut w in &mut windows {
        w.title = title.clone();
    }
}
