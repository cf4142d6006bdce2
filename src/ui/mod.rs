//! The egui interface: the twin's panels (menu and views bar, object tree with search, info panel,
//! legend, labels over the twin), the status bar, the loading and error screens, the site picker,
//! File → Open, and the problems window. Chinese by default with a CJK font shipped in
//! `assets/fonts`; English on a click. Panels read components and view-model resources and send
//! messages; they hold no rules.

mod files;
mod live;
mod panels;
mod screens;

pub(crate) use live::{level_color, local as local_time};

use std::sync::Arc;

use bevy::camera::ClearColorConfig;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiGlobalSettings, EguiPlugin, EguiPrimaryContextPass, PrimaryEguiContext, egui};
use sitetwin_core::i18n::Lang;

pub use files::FileBrowser;
pub use live::LiveUi;

use crate::AppMode;

/// Colour of alarms and errors.
pub(crate) const ALARM_RED: egui::Color32 = egui::Color32::from_rgb(235, 80, 70);
/// Colour of warnings and problems.
pub(crate) const WARN_AMBER: egui::Color32 = egui::Color32::from_rgb(240, 170, 40);

/// Noto Sans CJK SC cut to ASCII, Latin-1, punctuation and GB 2312 (see tools/font/subset.py).
pub(crate) const CJK_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-sitetwin.otf");

/// How the UI starts (from the command line).
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct UiConfig {
    /// Language to start in.
    pub lang: Lang,
    /// Show the panels, labels and legend (off for clean snapshots of the 3D view alone).
    pub panels: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self { lang: Lang::Zh, panels: true }
    }
}

/// The interface's own drawing in egui's pass: windows of other features draw after it.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct UiSet;

/// What the UI shows right now.
#[derive(Resource, Debug, Clone)]
pub struct UiState {
    /// Display language.
    pub lang: Lang,
    /// Object tree filter.
    pub search: String,
    /// Object labels over the twin.
    pub labels: bool,
    /// The legend window.
    pub legend: bool,
    /// Side panels, menu bar and status bar.
    pub panels: bool,
    /// The site picker window.
    pub picker: bool,
    /// The problems window.
    pub problems: bool,
    /// The rectification register's window.
    pub findings: bool,
    /// File → Open, while it is open.
    pub files: Option<FileBrowser>,
    /// The user closed the "cannot be opened" window.
    pub dismiss_failure: bool,
}

/// Adds egui and the interface.
pub struct UiPlugin;

impl Plugin for UiPlugin {
    fn build(&self, app: &mut App) {
        crate::configure(app);
        if !app.is_plugin_added::<EguiPlugin>() {
            app.add_plugins(EguiPlugin::default());
        }
        let config = app.world().get_resource::<UiConfig>().copied().unwrap_or_default();
        app.insert_resource(UiState {
            lang: config.lang,
            search: String::new(),
            labels: config.panels,
            legend: config.panels,
            panels: config.panels,
            picker: false,
            problems: false,
            // Opened from the start when the register was asked for (`--findings FILE`).
            findings: config.panels && app.world().contains_resource::<crate::findings::FindingsFile>(),
            files: None,
            dismiss_failure: false,
        })
        .init_resource::<LiveUi>()
        // The interface offers the way back to a city whenever bureau mode is on.
        .add_message::<crate::bureau::BureauAction>()
        .add_systems(Startup, spawn_ui_camera)
        .add_systems(OnEnter(AppMode::Loading), |mut cams: Query<&mut Camera, With<UiCamera>>| {
            // Nothing else draws while loading: the screens clear the frame themselves.
            cams.iter_mut().for_each(|mut c| c.clear_color = ClearColorConfig::Default);
        })
        .add_systems(OnEnter(AppMode::Twin), |mut cams: Query<&mut Camera, With<UiCamera>>| {
            cams.iter_mut().for_each(|mut c| c.clear_color = ClearColorConfig::None);
        })
        .add_systems(EguiPrimaryContextPass, (install_fonts, draw_ui).chain().in_set(UiSet))
        .add_systems(Update, (screens::window_title, forget_site_state).in_set(crate::TwinSet::Update));
    }
}

/// The whole interface, every frame: one root so that the bars, panels and the 3D viewport share
/// one layout.
fn draw_ui(
    mut contexts: EguiContexts,
    mut shell: screens::Shell,
    mut twin: panels::TwinView,
    mut live: live::LiveView,
    mut patrol: (
        Res<crate::patrol::PatrolState>,
        Res<crate::patrol::PatrolProgress>,
        Option<Res<crate::patrol::rehearse::Rehearsing>>,
        MessageWriter<crate::patrol::rehearse::RehearsalAsked>,
    ),
    mut bureau: (Option<ResMut<crate::bureau::CityView>>, MessageWriter<crate::bureau::BureauAction>),
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut root = egui::Ui::new(
        ctx.clone(),
        "twin_root".into(),
        egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(ctx.viewport_rect()),
    );
    let mut actions = Vec::new();
    if *shell.mode.get() == AppMode::Bureau {
        if let Some(view) = bureau.0.as_mut() {
            crate::bureau::panel::draw(&mut root, &ctx, &mut shell.state.lang, view, &mut actions);
        }
        bureau.1.write_batch(actions);
        return Ok(());
    }
    let loading = *shell.mode.get() == AppMode::Loading;
    let lang = shell.state.lang;
    if shell.state.panels || loading {
        screens::menu_bar(&mut root, &mut shell, &mut twin);
        screens::status_bar(&mut root, &mut shell, &mut live);
    }
    if loading {
        screens::loading_screen(&mut root, &mut shell);
    } else {
        if shell.state.panels {
            live::time_bar(&mut root, lang, &mut live);
        }
        live::stoppage_banner(&mut root, lang, &live);
        panels::draw_twin(&mut root, &ctx, &mut shell, &mut twin, &mut live);
        // While rehearsing, the rehearsal's own windows stand in for the patrol window.
        if shell.state.panels && patrol.2.is_none() && crate::patrol::panel::window(&ctx, lang, &patrol.0, &patrol.1) {
            patrol.3.write(crate::patrol::rehearse::RehearsalAsked::Start);
        }
        if shell.state.panels
            && let Some(sensor) = live::alarm_window(&ctx, lang, &mut live)
        {
            panels::focus_sensor(&mut twin, sensor);
        }
    }
    screens::windows(&ctx, &mut shell);
    if bureau.0.is_some() && !loading {
        crate::bureau::panel::back_button(&ctx, lang, &mut actions);
    }
    bureau.1.write_batch(actions);
    Ok(())
}

/// What the UI kept of the last site: the search box goes with it, and a dismissed "cannot be
/// opened" window takes its failure with it.
fn forget_site_state(
    mut commands: Commands,
    mut state: ResMut<UiState>,
    mut spawned: MessageReader<crate::site::SiteSpawned>,
) {
    if spawned.read().last().is_some() {
        state.search.clear();
    }
    if state.dismiss_failure {
        state.dismiss_failure = false;
        commands.remove_resource::<crate::site::LoadFailure>();
    }
}

/// The camera egui draws with. It covers the whole target while the 3D camera's viewport is the
/// area the panels leave (egui lays out in its camera's viewport, so they cannot share one).
#[derive(Component, Debug, Clone, Copy)]
pub struct UiCamera;

fn spawn_ui_camera(mut commands: Commands, mut settings: ResMut<EguiGlobalSettings>) {
    settings.auto_create_primary_context = false;
    commands.spawn((
        Camera2d,
        Camera { order: 1, clear_color: ClearColorConfig::Default, ..default() },
        PrimaryEguiContext,
        UiCamera,
        Name::new("ui camera"),
    ));
}

/// Loads the CJK font into egui once, ahead of egui's own fonts (which have no CJK glyphs).
fn install_fonts(mut contexts: EguiContexts, mut done: Local<bool>) -> Result {
    if *done {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert("noto_sans_sc".into(), Arc::new(egui::FontData::from_static(CJK_FONT)));
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        let list = fonts.families.entry(family).or_default();
        list.insert(0, "noto_sans_sc".into());
    }
    ctx.set_fonts(fonts);
    let mut style = (*ctx.global_style()).clone();
    style.text_styles.iter_mut().for_each(|(_, f)| f.size *= 1.05);
    ctx.set_global_style(style);
    *done = true;
    Ok(())
}
