//! The register on the twin: a window listing the items, the most urgent first, filtered by state,
//! severity, source, overdue and a search over object and text; the chosen item's history and the
//! steps its state allows (assign, rectify with a note and a photo, verify, reopen); CSV export.
//! A click on an item flies the camera to its object. Each item not yet verified is a pin over its
//! finding, coloured by severity, haloed in red when overdue.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use chrono::{DateTime, Duration, Utc};
use sitetwin_core::findings::{Action, Change, Escalation, Filter, Item, Severity, State as ItemState};
use sitetwin_core::i18n::{Lang, tr};

use super::{FindingAsked, FindingPin, FindingStep, Keeper, SiteFindings};
use crate::TwinSet;
use crate::selection::Selection;
use crate::site::{SiteIndex, SiteObject};
use crate::telemetry::TwinClock;
use crate::ui::{ALARM_RED, UiState, WARN_AMBER};
use crate::view::camera::ViewRequested;

/// Draws the register's window and its pins.
pub struct FindingsUiPlugin;

impl Plugin for FindingsUiPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<FindingsUi>()
            .add_systems(EguiPrimaryContextPass, draw.after(crate::ui::UiSet))
            .add_systems(Update, draw_pins.in_set(TwinSet::Overlay));
    }
}

/// Where a source came from, for the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// An inspection patrol or a rehearsal.
    Patrol,
    /// A monitoring alarm.
    Alarm,
    /// A stopped site's duty.
    Duty,
    /// By hand.
    Manual,
}

impl SourceKind {
    const ALL: [SourceKind; 4] = [SourceKind::Patrol, SourceKind::Alarm, SourceKind::Duty, SourceKind::Manual];

    fn of(item: &Item) -> SourceKind {
        use sitetwin_core::findings::Source;
        match item.input.source {
            Source::Patrol { .. } => SourceKind::Patrol,
            Source::Alarm { .. } => SourceKind::Alarm,
            Source::Duty => SourceKind::Duty,
            Source::Manual => SourceKind::Manual,
        }
    }

    fn key(self) -> &'static str {
        match self {
            SourceKind::Patrol => "ui.findings.src.patrol",
            SourceKind::Alarm => "ui.findings.src.alarm",
            SourceKind::Duty => "ui.findings.src.duty",
            SourceKind::Manual => "ui.findings.src.manual",
        }
    }
}

/// The window's filters, the item chosen and the fields of its steps.
#[derive(Resource, Debug, Clone)]
pub struct FindingsUi {
    /// Only items in this state.
    pub state: Option<ItemState>,
    /// Only items at least this severe.
    pub severity: Option<Severity>,
    /// Only items from this kind of source.
    pub source: Option<SourceKind>,
    /// Only items overdue now.
    pub overdue: bool,
    /// Only items whose object, item or text contains this.
    pub search: String,
    /// The item whose details show.
    pub chosen: Option<u64>,
    /// Who takes the steps.
    pub who: String,
    /// The owner to assign.
    pub owner: String,
    /// Days from now for the new deadline (0 keeps the one it has).
    pub deadline_days: u32,
    /// The rectification's note, or the reason for reopening.
    pub note: String,
    /// The photo of the rectification.
    pub photo: String,
}

impl Default for FindingsUi {
    fn default() -> Self {
        FindingsUi {
            state: None,
            severity: None,
            source: None,
            overdue: false,
            search: String::new(),
            chosen: None,
            who: std::env::var("USER").unwrap_or_else(|_| "安全员".into()),
            owner: String::new(),
            deadline_days: 0,
            note: String::new(),
            photo: String::new(),
        }
    }
}

impl FindingsUi {
    /// The items shown at `now`, the most urgent first.
    pub fn rows<'a>(&self, findings: &'a SiteFindings, now: DateTime<Utc>) -> Vec<&'a Item> {
        let filter = Filter { state: self.state, severity_at_least: self.severity, overdue: self.overdue, ..default() };
        let needle = self.search.trim().to_lowercase();
        findings
            .register
            .list(&filter, now)
            .into_iter()
            .filter(|i| self.source.is_none_or(|s| SourceKind::of(i) == s))
            .filter(|i| {
                needle.is_empty()
                    || [&i.input.object, &i.input.zh, &i.input.en]
                        .into_iter()
                        .chain(i.input.item.as_ref())
                        .chain(i.owner.as_ref())
                        .any(|t| t.to_lowercase().contains(&needle))
            })
            .collect()
    }
}

/// Display colour of a severity.
pub fn severity_color(s: Severity) -> egui::Color32 {
    match s {
        Severity::Minor => egui::Color32::from_rgb(240, 210, 60),
        Severity::Major => WARN_AMBER,
        Severity::Critical => ALARM_RED,
    }
}

fn severity_name(lang: Lang, s: Severity) -> &'static str {
    if lang == Lang::Zh { s.zh() } else { s.en() }
}

fn state_name(lang: Lang, s: ItemState) -> &'static str {
    if lang == Lang::Zh { s.zh() } else { s.name() }
}

fn action_name(lang: Lang, a: Action) -> &'static str {
    if lang == Lang::Zh { a.zh() } else { a.name() }
}

/// A change's note in the UI's language: an escalation step (the gateway's or the register's own,
/// whose stored note is English) is worded from its escalation; what people wrote is shown as
/// written.
fn change_note(lang: Lang, c: &Change) -> String {
    match c.escalation.filter(|_| c.action == Action::Escalated) {
        Some(e) => escalation_text(lang, e),
        None => c.note_in(lang).to_string(),
    }
}

fn escalation_text(lang: Lang, e: Escalation) -> String {
    match (e, lang) {
        (Escalation::None, _) => String::new(),
        (Escalation::Overdue { days }, Lang::Zh) => format!("逾期{days}天"),
        (Escalation::Overdue { days }, _) => format!("overdue {days} d"),
        (Escalation::Escalated { level }, Lang::Zh) => format!("已升级{level}级"),
        (Escalation::Escalated { level }, _) => format!("escalated {level}"),
    }
}

#[allow(clippy::too_many_arguments)]
fn draw(
    mut contexts: EguiContexts,
    mut ui_state: ResMut<UiState>,
    mode: Res<State<crate::AppMode>>,
    findings: Res<SiteFindings>,
    clock: Res<TwinClock>,
    index: Res<SiteIndex>,
    objects: Query<&SiteObject>,
    mut form: ResMut<FindingsUi>,
    mut selection: ResMut<Selection>,
    mut asked: MessageWriter<FindingAsked>,
    mut views: MessageWriter<ViewRequested>,
    mut seen: Local<Selection>,
) -> Result {
    if !ui_state.findings || !ui_state.panels || *mode.get() != crate::AppMode::Twin {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?.clone();
    let lang = ui_state.lang;
    let now = super::moment(&clock);
    let reg = &findings.register;
    // An object chosen on the twin (a click, the tree) shows its most urgent item.
    if std::mem::replace(&mut *seen, *selection) != *selection
        && let Selection::Object(e) = *selection
        && let Ok(o) = objects.get(e)
        && form.chosen.and_then(|id| reg.get(id)).is_none_or(|i| i.input.object != o.id)
        && let Some(first) = form.rows(&findings, now).into_iter().find(|i| i.input.object == o.id)
    {
        form.chosen = Some(first.id);
    }
    let (waiting, overdue) = reg.outstanding(now);
    let title = format!(
        "{} · {} {waiting} · {} {overdue}",
        tr(lang, "ui.register"),
        tr(lang, "ui.findings.waiting"),
        tr(lang, "ui.findings.overdue")
    );
    let mut open = true;
    let mut steps = Vec::new();
    egui::Window::new(title)
        .id("findings".into())
        .open(&mut open)
        .default_width(720.0)
        .default_pos(egui::pos2(310.0, 70.0))
        .show(&ctx, |ui| {
            filters(ui, lang, &mut form);
            let rows = form.rows(&findings, now);
            let chosen = form.chosen;
            let mut picked = None;
            egui::ScrollArea::vertical().max_height(240.0).id_salt("finding_rows").show(ui, |ui| {
                if rows.is_empty() {
                    ui.label(egui::RichText::new(tr(lang, "ui.findings.none")).weak());
                    return;
                }
                egui::Grid::new("finding_rows").striped(true).num_columns(7).show(ui, |ui| {
                    for k in [
                        "ui.findings.severity",
                        "ui.findings.object",
                        "ui.findings.what",
                        "ui.findings.owner",
                        "ui.findings.deadline",
                        "ui.findings.state",
                        "ui.findings.urgency",
                    ] {
                        ui.label(egui::RichText::new(tr(lang, k)).strong());
                    }
                    ui.end_row();
                    for i in &rows {
                        let sev = egui::RichText::new(format!("#{} {}", i.id, severity_name(lang, i.input.severity)))
                            .color(severity_color(i.input.severity))
                            .strong();
                        if ui.selectable_label(chosen == Some(i.id), sev).clicked() {
                            picked = Some((i.id, i.input.object.clone()));
                        }
                        let name = object_name(&index, &objects, &i.input.object);
                        if ui.link(name).on_hover_text(&i.input.object).clicked() {
                            picked = Some((i.id, i.input.object.clone()));
                        }
                        let what = if lang == Lang::Zh { &i.input.zh } else { &i.input.en };
                        ui.horizontal(|ui| {
                            ui.set_width(230.0);
                            ui.add(egui::Label::new(what.as_str()).truncate()).on_hover_text(what);
                        });
                        ui.label(i.owner.as_deref().unwrap_or("—"));
                        ui.label(i.deadline.map_or_else(|| "—".into(), crate::ui::local_time));
                        ui.label(state_name(lang, i.state));
                        let e = reg.escalation(i, now);
                        ui.colored_label(if e.rank() > 1 { ALARM_RED } else { WARN_AMBER }, escalation_text(lang, e));
                        ui.end_row();
                    }
                });
            });
            if let Some((id, object)) = picked {
                form.chosen = Some(id);
                if let Some(e) = index.object(&object) {
                    *selection = Selection::Object(e);
                    views.write(ViewRequested { key: object, instant: false });
                } else if let Some(e) = index.sensor(&object) {
                    *selection = Selection::Sensor(e);
                }
            }
            if let Some(item) = form.chosen.and_then(|id| reg.get(id)) {
                ui.separator();
                let name = object_name(&index, &objects, &item.input.object);
                details(ui, lang, item, &name, now, &mut form, &mut steps);
            }
            ui.separator();
            footer(ui, lang, &findings, &mut steps);
        });
    ui_state.findings = open;
    let by = form.who.clone();
    asked.write_batch(steps.into_iter().map(|step| FindingAsked { by: by.clone(), step }));
    Ok(())
}

fn filters(ui: &mut egui::Ui, lang: Lang, form: &mut FindingsUi) {
    ui.horizontal_wrapped(|ui| {
        let all = tr(lang, "ui.findings.all");
        egui::ComboBox::from_id_salt("finding_state")
            .selected_text(form.state.map_or(all, |s| state_name(lang, s)))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut form.state, None, all);
                for s in [ItemState::Open, ItemState::Rectified, ItemState::Reopened, ItemState::Verified] {
                    ui.selectable_value(&mut form.state, Some(s), state_name(lang, s));
                }
            });
        egui::ComboBox::from_id_salt("finding_severity")
            .selected_text(form.severity.map_or(all, |s| severity_name(lang, s)))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut form.severity, None, all);
                for s in [Severity::Minor, Severity::Major, Severity::Critical] {
                    ui.selectable_value(&mut form.severity, Some(s), format!("≥ {}", severity_name(lang, s)));
                }
            });
        egui::ComboBox::from_id_salt("finding_source")
            .selected_text(form.source.map_or(all, |s| tr(lang, s.key())))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut form.source, None, all);
                for s in SourceKind::ALL {
                    ui.selectable_value(&mut form.source, Some(s), tr(lang, s.key()));
                }
            });
        ui.checkbox(&mut form.overdue, tr(lang, "ui.findings.overdue_only"));
        ui.add(egui::TextEdit::singleline(&mut form.search).hint_text(tr(lang, "ui.search")).desired_width(140.0));
    });
}

/// The chosen item: what, where, its history, and the steps its state allows.
fn details(
    ui: &mut egui::Ui,
    lang: Lang,
    item: &Item,
    name: &str,
    now: DateTime<Utc>,
    form: &mut FindingsUi,
    steps: &mut Vec<FindingStep>,
) {
    let what = if lang == Lang::Zh { &item.input.zh } else { &item.input.en };
    ui.label(egui::RichText::new(format!("#{} {name} ({}) · {what}", item.id, item.input.object)).strong());
    let mut place = source_text(lang, &item.input.source);
    if let Some(t) = item.input.table {
        place.push_str(&format!(" · JGJ 59 {}", t.summary_item().zh()));
    }
    if let Some(it) = &item.input.item {
        place.push_str(&format!(" · {it}"));
    }
    ui.label(egui::RichText::new(place).weak());
    egui::Grid::new("finding_history").num_columns(4).show(ui, |ui| {
        for c in &item.history {
            ui.label(crate::ui::local_time(c.at));
            ui.label(&c.by);
            ui.label(action_name(lang, c.action));
            let mut note = change_note(lang, c);
            if let Some(p) = &c.photo {
                note.push_str(&format!(" 📷 {p}"));
            }
            ui.label(note).on_hover_text(&c.note);
            ui.end_row();
        }
    });
    ui.horizontal(|ui| {
        ui.label(tr(lang, "ui.findings.who"));
        ui.add(egui::TextEdit::singleline(&mut form.who).desired_width(90.0));
    });
    let id = item.id;
    match item.state {
        ItemState::Open | ItemState::Reopened => {
            ui.horizontal(|ui| {
                ui.label(tr(lang, "ui.findings.owner"));
                ui.add(egui::TextEdit::singleline(&mut form.owner).desired_width(90.0));
                ui.label(tr(lang, "ui.findings.in_days"));
                ui.add(egui::DragValue::new(&mut form.deadline_days).range(0..=365));
                let deadline = (form.deadline_days > 0).then(|| now + Duration::days(i64::from(form.deadline_days)));
                if ui
                    .add_enabled(!form.owner.trim().is_empty(), egui::Button::new(tr(lang, "ui.findings.assign")))
                    .clicked()
                {
                    steps.push(FindingStep::Assign { id, owner: form.owner.trim().to_string(), deadline });
                }
            });
            ui.horizontal(|ui| {
                ui.label(tr(lang, "ui.findings.note"));
                ui.add(egui::TextEdit::singleline(&mut form.note).desired_width(200.0));
                ui.label(tr(lang, "ui.findings.photo"));
                ui.add(egui::TextEdit::singleline(&mut form.photo).desired_width(140.0));
                if ui
                    .add_enabled(!form.note.trim().is_empty(), egui::Button::new(tr(lang, "ui.findings.rectify")))
                    .clicked()
                {
                    let photo = Some(form.photo.trim()).filter(|p| !p.is_empty()).map(PathBuf::from);
                    steps.push(FindingStep::Rectify { id, note: std::mem::take(&mut form.note), photo });
                    form.photo.clear();
                }
            });
        }
        ItemState::Rectified | ItemState::Verified => {
            ui.horizontal(|ui| {
                if item.state == ItemState::Rectified && ui.button(tr(lang, "ui.findings.verify")).clicked() {
                    steps.push(FindingStep::Verify(id));
                }
                ui.label(tr(lang, "ui.findings.reason"));
                ui.add(egui::TextEdit::singleline(&mut form.note).desired_width(200.0));
                if ui
                    .add_enabled(!form.note.trim().is_empty(), egui::Button::new(tr(lang, "ui.findings.reopen")))
                    .clicked()
                {
                    steps.push(FindingStep::Reopen { id, note: std::mem::take(&mut form.note) });
                }
            });
        }
    }
}

/// Where the register is kept, the export, and what the last step said.
fn footer(ui: &mut egui::Ui, lang: Lang, findings: &SiteFindings, steps: &mut Vec<FindingStep>) {
    ui.horizontal(|ui| {
        match &findings.keeper {
            Keeper::File(f) => ui.label(egui::RichText::new(f.display().to_string()).weak().small()),
            Keeper::Gateway(url) => {
                ui.label(egui::RichText::new(format!("{} {url}", tr(lang, "ui.findings.gateway"))).weak().small())
            }
            Keeper::Nowhere => ui.colored_label(WARN_AMBER, tr(lang, "ui.findings.not_kept")),
        };
        if ui.button(tr(lang, "ui.findings.export")).clicked() {
            steps.push(FindingStep::Export(csv_beside(findings.file())));
        }
    });
    match &findings.said {
        Some(Ok(s)) => {
            ui.label(s);
        }
        Some(Err(e)) => {
            ui.colored_label(ALARM_RED, e);
        }
        None => {}
    }
}

/// Where a finding came from, in the UI's language: 巡查 daily@…, 报警 TC1-LOAD（规则）.
fn source_text(lang: Lang, source: &sitetwin_core::findings::Source) -> String {
    use sitetwin_core::findings::Source;
    let kind = |k: SourceKind| tr(lang, k.key());
    match source {
        Source::Patrol { patrol } => format!("{} {patrol}", kind(SourceKind::Patrol)),
        Source::Alarm { sensor, rule: Some(rule) } => {
            format!("{} {sensor} · {}", kind(SourceKind::Alarm), sitetwin_core::i18n::rule_title(lang, rule))
        }
        Source::Alarm { sensor, rule: None } => format!("{} {sensor}", kind(SourceKind::Alarm)),
        Source::Duty => kind(SourceKind::Duty).to_string(),
        Source::Manual => kind(SourceKind::Manual).to_string(),
    }
}

/// An object's display name (1#塔吊开关箱), else its id.
fn object_name(index: &SiteIndex, objects: &Query<&SiteObject>, id: &str) -> String {
    index.object(id).and_then(|e| objects.get(e).ok()).map_or_else(|| id.to_string(), |o| o.name.clone())
}

/// The CSV beside the register (`site.json` → `site.csv`), or `findings.csv` here without one.
pub fn csv_beside(file: Option<&std::path::Path>) -> PathBuf {
    file.map_or_else(|| PathBuf::from("findings.csv"), |f| f.with_extension("csv"))
}

/// How high a pin stands over its finding, m.
const PIN_HEIGHT_M: f32 = 7.0;

/// Each item not yet verified: a staff over its finding with a diamond, in its severity's colour,
/// pale once rectified, haloed in red when overdue; the chosen one ringed. Still pictures (no
/// animation), so a snapshot settles.
fn draw_pins(
    clock: Res<TwinClock>,
    findings: Res<SiteFindings>,
    form: Res<FindingsUi>,
    pins: Query<(&FindingPin, &Transform)>,
    mut gizmos: Gizmos,
) {
    let now = super::moment(&clock);
    let overdue_halo = Color::srgb_u8(235, 80, 70);
    for (pin, t) in &pins {
        let Some(item) = findings.register.get(pin.id) else { continue };
        let [r, g, b, _] = severity_color(item.input.severity).to_srgba_unmultiplied();
        let color = if item.state == ItemState::Rectified {
            // Awaiting the inspector: drawn pale.
            Color::srgba_u8(r, g, b, 110)
        } else {
            Color::srgb_u8(r, g, b)
        };
        let top = t.translation + Vec3::Y * PIN_HEIGHT_M;
        gizmos.line(t.translation, top, color);
        let size = 1.3;
        let iso = Isometry3d::new(top + Vec3::Y * size, Quat::from_rotation_y(std::f32::consts::FRAC_PI_4));
        gizmos.sphere(iso, size, color).resolution(4);
        if item.overdue(now) {
            gizmos.sphere(iso, size * 1.6, overdue_halo).resolution(4);
        }
        if form.chosen == Some(pin.id) {
            let flat =
                Isometry3d::new(t.translation + Vec3::Y * 0.1, Quat::from_rotation_x(std::f32::consts::FRAC_PI_2));
            gizmos.circle(flat, 1.5, crate::view::overlay::SELECTION_COLOR);
        }
    }
}
