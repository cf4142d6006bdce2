//! The egui panels: top bar (views, toggles, language), the site's object tree with search, the
//! info panel of the selection, the legend, and object labels floating over the twin. Chinese by
//! default with a CJK font shipped in `assets/fonts`; English on a click.

mod panels;

use std::sync::Arc;

use bevy::camera::ClearColorConfig;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiGlobalSettings, EguiPlugin, EguiPrimaryContextPass, PrimaryEguiContext, egui};
use sitetwin_core::i18n::Lang;

/// Noto Sans CJK SC cut to ASCII, Latin-1, punctuation and GB 2312 (see tools/font/subset.py).
const CJK_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-sitetwin.otf");

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
    /// Side panels and top bar.
    pub panels: bool,
}

/// Adds egui and the panels.
pub struct UiPlugin;

impl Plugin for UiPlugin {
    fn build(&self, app: &mut App) {
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
        })
        .add_systems(Startup, spawn_ui_camera)
        .add_systems(EguiPrimaryContextPass, (install_fonts, panels::draw_ui).chain());
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
        Camera { order: 1, clear_color: ClearColorConfig::None, ..default() },
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
