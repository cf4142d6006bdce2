//! The live twin's interface: the source's state in the status bar (what, how healthy, how old
//! the data is, the alarms open), the time bar of a played source (pause, speed, scrub), the
//! stoppage banner with the duties judged from telemetry, and the alarm list with its lifecycle
//! (acknowledge, dispatch, close); clicking an alarm flies to its sensor.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::egui;
use chrono::{DateTime, Duration, FixedOffset, Offset, Utc};
use sitetwin_core::i18n::{self, Lang, tr};
use sitetwin_core::rules::Level;
use sitetwin_core::rules::alarm::{Alarm, AlarmStatus, AuditAction};
use sitetwin_core::rules::stoppage::{DutyStatus, Status, StopReason};
use sitetwin_core::telemetry::CHINA_STANDARD_TIME_S;

use super::{ALARM_RED, WARN_AMBER};
use crate::site::{SensorLive, SiteIndex, SiteObject, SiteSensor};
use crate::source::{DataSource, Health, ReportedStoppage, SeekRequested, SourceHealth};
use crate::stoppage::SiteDuties;
use crate::telemetry::{AlarmActionRequested, AlarmStep, SiteAlarms, TwinClock};

/// What the live panels keep between frames.
#[derive(Resource, Debug, Clone)]
pub struct LiveUi {
    /// The alarm list window.
    pub alarms_open: bool,
    /// The alarm whose details and steps show.
    pub alarm: Option<u64>,
    /// Who takes alarm steps (the duty officer's name).
    pub who: String,
    /// Whom to dispatch to.
    pub to: String,
    /// What was done (closing).
    pub note: String,
    /// The chart's span, seconds.
    pub chart_span_s: i64,
    /// Where the 3D view is this frame (windows open over its lower right).
    pub view_rect: Option<egui::Rect>,
}

impl Default for LiveUi {
    fn default() -> Self {
        Self {
            alarms_open: true,
            alarm: None,
            who: std::env::var("USER").unwrap_or_else(|_| "值班员".into()),
            to: String::new(),
            note: String::new(),
            chart_span_s: 86_400,
            view_rect: None,
        }
    }
}

/// The live state the panels show and the requests they make.
#[derive(SystemParam)]
pub(super) struct LiveView<'w, 's> {
    pub ui: ResMut<'w, LiveUi>,
    pub clock: ResMut<'w, TwinClock>,
    pub health: Res<'w, SourceHealth>,
    pub source: Res<'w, DataSource>,
    pub alarms: ResMut<'w, SiteAlarms>,
    pub stoppage: Res<'w, ReportedStoppage>,
    pub duties: Res<'w, SiteDuties>,
    pub index: Res<'w, SiteIndex>,
    site: Option<Res<'w, crate::site::Site>>,
    rules: Res<'w, crate::telemetry::SiteRuleSet>,
    sensors: Query<'w, 's, &'static SiteSensor>,
    objects: Query<'w, 's, &'static SiteObject>,
    steps: MessageWriter<'w, AlarmActionRequested>,
    findings: MessageWriter<'w, crate::findings::FindingAsked>,
    seek: MessageWriter<'w, SeekRequested>,
}

/// The site's zone (China Standard Time).
fn zone() -> FixedOffset {
    FixedOffset::east_opt(CHINA_STANDARD_TIME_S).unwrap_or(Utc.fix())
}

impl LiveView<'_, '_> {
    /// The level lines of a sensor's rules (none until the site's rules know it).
    fn thresholds(&self, sensor: &str) -> Vec<sitetwin_core::rules::chart::ThresholdLine> {
        match &self.site {
            Some(site) => sitetwin_core::rules::chart::threshold_lines(&self.rules.0, &site.loaded.scene, sensor),
            None => Vec::new(),
        }
    }
}

/// Site-local time for people.
pub(crate) fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&zone()).format("%m-%d %H:%M:%S").to_string()
}

/// A span of time in words: 45 s, 12 min, 3.5 h, 2 d.
fn span(lang: Lang, d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let zh = lang == Lang::Zh;
    match s {
        0..120 => format!("{s}{}", if zh { "秒" } else { " s" }),
        120..7_200 => format!("{}{}", s / 60, if zh { "分钟" } else { " min" }),
        7_200..172_800 => format!("{:.1}{}", s as f64 / 3600.0, if zh { "小时" } else { " h" }),
        _ => format!("{:.1}{}", s as f64 / 86_400.0, if zh { "天" } else { " d" }),
    }
}

pub(crate) fn level_color(l: Level) -> egui::Color32 {
    match l {
        Level::Normal => egui::Color32::from_rgb(90, 190, 110),
        Level::Warning => WARN_AMBER,
        Level::Alarm => ALARM_RED,
        Level::Control => egui::Color32::from_rgb(210, 60, 210),
    }
}

pub(super) fn level_key(l: Level) -> &'static str {
    match l {
        Level::Normal => "level.normal",
        Level::Warning => "level.warning",
        Level::Alarm => "level.alarm",
        Level::Control => "level.control",
    }
}

/// The source, its health and data age, and the open alarms, in the status bar.
pub(super) fn status_segment(ui: &mut egui::Ui, lang: Lang, live: &mut LiveView) {
    let what = match &*live.source {
        DataSource::StaticScene => tr(lang, "ui.source.static").to_string(),
        DataSource::Simulator { scenario, seed } => format!(
            "{} {} · {} {seed}",
            tr(lang, "ui.source.sim"),
            scenario.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default(),
            tr(lang, "ui.seed")
        ),
        DataSource::Replay { file } => format!("{} {}", tr(lang, "ui.source.replay"), file.display()),
        DataSource::Gateway(g) => format!("{} {}", tr(lang, "ui.source.gateway"), g.url),
    };
    ui.label(format!("{}: {what}", tr(lang, "ui.status.source")));
    if *live.source == DataSource::StaticScene {
        return;
    }
    let (key, color) = match &live.health.state {
        Health::Idle => ("ui.health.connecting", egui::Color32::GRAY),
        Health::Playing if live.clock.paused => ("ui.health.paused", WARN_AMBER),
        Health::Playing => ("ui.health.playing", level_color(Level::Normal)),
        Health::Ended => ("ui.health.ended", egui::Color32::GRAY),
        Health::Live => ("ui.health.live", level_color(Level::Normal)),
        Health::Connecting(None) => ("ui.health.connecting", WARN_AMBER),
        Health::Connecting(Some(_)) => ("ui.health.unhealthy", ALARM_RED),
        Health::Failed(_) => ("ui.health.failed", ALARM_RED),
    };
    let detail = match &live.health.state {
        Health::Connecting(Some(e)) | Health::Failed(e) => e.clone(),
        _ => format!("{} {}", live.health.received, tr(lang, "ui.readings")),
    };
    ui.colored_label(color, egui::RichText::new(format!("● {}", tr(lang, key))).strong()).on_hover_text(detail);
    if let Some(now) = live.clock.now {
        ui.label(local(now));
        if let Some(newest) = live.health.newest {
            let age = now - newest;
            let text = format!("{} {}", tr(lang, "ui.data_age"), span(lang, age));
            if age > Duration::minutes(5) {
                ui.colored_label(WARN_AMBER, text);
            } else {
                ui.label(text);
            }
        }
    }
    ui.separator();
    let open = live.alarms.open_count();
    let unseen = live.alarms.unseen();
    let mut text = format!("{}: {open}", tr(lang, "ui.alarms"));
    if unseen > 0 {
        text.push_str(&format!(" (+{unseen})"));
    }
    let rich = egui::RichText::new(text).strong();
    // New alarms flash until the list is looked at.
    let flash = unseen > 0 && (ui.input(|i| i.time) * 2.0).fract() < 0.5;
    let rich = if open == 0 {
        rich
    } else if flash {
        rich.color(egui::Color32::WHITE).background_color(ALARM_RED)
    } else {
        rich.color(ALARM_RED)
    };
    if ui.add(egui::Button::new(rich).frame(false)).clicked() {
        live.ui.alarms_open = !live.ui.alarms_open;
    }
    if unseen > 0 {
        ui.ctx().request_repaint();
    }
}

/// Pause, speed and the period's timeline of a played source (a gateway is always live).
pub(super) fn time_bar(root: &mut egui::Ui, lang: Lang, live: &mut LiveView) {
    let Some((start, end)) = live.health.period else { return };
    let Some(now) = live.clock.now else { return };
    egui::Panel::bottom("time_bar").show(root, |ui| {
        ui.horizontal(|ui| {
            let (icon, key) = if live.clock.paused { ("▶", "ui.time.play") } else { ("⏸", "ui.time.pause") };
            if ui.button(icon).on_hover_text(tr(lang, key)).clicked() {
                live.clock.paused = !live.clock.paused;
            }
            ui.label(tr(lang, "ui.time.speed"));
            for s in TwinClock::SPEEDS {
                if ui.selectable_label(live.clock.speed == s, format!("×{s}")).clicked() {
                    live.clock.speed = s;
                }
            }
            ui.separator();
            ui.label(local(start));
            let total = (end - start).num_seconds().max(1) as f64;
            let mut at = (now - start).num_seconds() as f64;
            // Room for the end time, and for a live feed's mark or its way back to live.
            let reserve = if live.health.following.is_some() { 300.0 } else { 120.0 };
            let width = (ui.available_width() - reserve).max(100.0);
            ui.spacing_mut().slider_width = width;
            let r = ui.add(egui::Slider::new(&mut at, 0.0..=total).show_value(false));
            if r.drag_stopped() || (r.changed() && !r.dragged()) {
                live.seek.write(SeekRequested(start + Duration::seconds(at as i64)));
            }
            ui.label(local(end));
            // A live feed: following it, or looking back with the way back to live.
            match live.health.following {
                Some(true) => {
                    ui.label(egui::RichText::new(format!("● {}", tr(lang, "ui.time.live"))).color(LIVE_GREEN).strong());
                }
                Some(false) => {
                    ui.label(
                        egui::RichText::new(tr(lang, "ui.time.reviewing")).color(egui::Color32::from_rgb(255, 190, 90)),
                    );
                    if ui.button(format!("⏭ {}", tr(lang, "ui.time.go_live"))).clicked() {
                        live.clock.paused = false;
                        live.seek.write(SeekRequested(DateTime::<Utc>::MAX_UTC));
                    }
                }
                None => {}
            }
        });
    });
}

/// The live mark of a followed feed.
const LIVE_GREEN: egui::Color32 = egui::Color32::from_rgb(110, 220, 120);

/// The banner of a stopped site: why, since when, how long, the alert level; its duties as judged
/// from telemetry, and what was found.
pub(super) fn stoppage_banner(root: &mut egui::Ui, lang: Lang, live: &LiveView) {
    let Some(st) = &live.stoppage.0 else { return };
    let Some(stop) = st.current.as_ref().filter(|_| st.status != Status::Operating) else { return };
    let today = live.clock.now.unwrap_or_else(Utc::now).with_timezone(&zone()).date_naive();
    let frame = egui::Frame::new().fill(egui::Color32::from_rgb(120, 30, 28)).inner_margin(6.0);
    egui::Panel::top("stoppage").frame(frame).show(root, |ui| {
        ui.horizontal_wrapped(|ui| {
            let white = |t: String| egui::RichText::new(t).color(egui::Color32::WHITE);
            ui.label(white(format!("⛔ {}", tr(lang, "ui.stopped"))).strong().size(16.0));
            ui.label(white(i18n::stop_reason_text(lang, &stop.reason)));
            ui.label(white(format!("{} {}", tr(lang, "ui.stopped.since"), stop.since)));
            ui.label(white(format!("{} {}", tr(lang, "ui.stopped.days"), st.days_stopped(today))));
            if let StopReason::PollutionAlert { level, .. } = &stop.reason {
                let level = *level;
                ui.label(white(format!("{} {}", tr(lang, "ui.stopped.alert"), i18n::alert_level_name(lang, level))));
            }
        });
        if live.duties.checks.is_empty() {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            ui.label(egui::RichText::new(tr(lang, "ui.duties")).color(egui::Color32::WHITE).strong());
            for c in &live.duties.checks {
                let (mark, color) = match &c.status {
                    DutyStatus::Met(_) => ("✔", egui::Color32::from_rgb(140, 230, 150)),
                    DutyStatus::Unmet(_) => ("×", egui::Color32::from_rgb(255, 170, 160)),
                    DutyStatus::Unknown(_) => ("?", egui::Color32::LIGHT_GRAY),
                };
                let why = c.status.evidence().get(lang);
                let mut text = format!("{mark} {}", i18n::duty_name(lang, c.duty));
                if let Some(o) = &c.object {
                    text.push_str(&format!(" {o}"));
                }
                ui.label(egui::RichText::new(text).color(color).strong()).on_hover_text(why);
            }
        });
        if !live.duties.findings.is_empty() {
            ui.horizontal_wrapped(|ui| {
                ui.label(egui::RichText::new(tr(lang, "ui.findings")).color(egui::Color32::WHITE).strong());
                for f in &live.duties.findings {
                    let text = format!("⚠ {} {}", i18n::finding_name(lang, &f.kind), f.sensor);
                    ui.label(egui::RichText::new(text).color(egui::Color32::from_rgb(255, 200, 120)))
                        .on_hover_text(f.evidence.get(lang));
                }
            });
        }
    });
}

/// The alarm list: newest first, open ones on top; the chosen one's history and steps. Returns
/// the sensor entity of an alarm the user clicked (the caller selects it and flies there).
pub(super) fn alarm_window(ctx: &egui::Context, lang: Lang, live: &mut LiveView) -> Option<Entity> {
    if !live.ui.alarms_open || *live.source == DataSource::StaticScene {
        return None;
    }
    let mut open = live.ui.alarms_open;
    let mut clicked = None;
    let title = format!("{} · {} {}", tr(lang, "ui.alarms"), tr(lang, "ui.alarm.open"), live.alarms.open_count());
    egui::Window::new(title)
        .id("alarms".into())
        .open(&mut open)
        .default_width(560.0)
        .default_height(300.0)
        // Its bottom-right corner at the view's, whatever width its rows take: placed by its
        // top-left, a list wider than planned overhung the screen and was pushed back a few
        // pixels a frame.
        .pivot(egui::Align2::RIGHT_BOTTOM)
        .default_pos(live.ui.view_rect.map_or(egui::pos2(880.0, 360.0), |r| r.max - egui::vec2(15.0, 30.0)))
        .show(ctx, |ui| {
            // Looked at: the new ones are seen.
            if ui.ui_contains_pointer() {
                live.alarms.mark_seen();
            }
            let mut rows: Vec<&Alarm> = live.alarms.newest_first().collect();
            rows.sort_by_key(|a| (a.status == AlarmStatus::Closed, std::cmp::Reverse(a.raised_at)));
            if rows.is_empty() {
                ui.label(egui::RichText::new(tr(lang, "ui.alarms.none")).weak());
                return;
            }
            let chosen_id = live.ui.alarm;
            let mut picked = None;
            egui::ScrollArea::vertical().max_height(260.0).show(ui, |ui| {
                egui::Grid::new("alarm_rows").striped(true).num_columns(6).show(ui, |ui| {
                    for k in [
                        "ui.alarm.level",
                        "ui.alarm.object",
                        "ui.alarm.rule",
                        "ui.alarm.since",
                        "ui.alarm.state",
                        "ui.alarm.sensor",
                    ] {
                        ui.label(egui::RichText::new(tr(lang, k)).strong());
                    }
                    ui.end_row();
                    for a in rows.iter().take(200) {
                        let entity = live.index.sensor(&a.sensor);
                        let object = entity
                            .and_then(|e| live.sensors.get(e).ok())
                            .and_then(|s| live.objects.get(s.object).ok())
                            .map(|o| o.name.clone())
                            .unwrap_or_default();
                        let chosen = chosen_id == Some(a.id);
                        // An alarm is as severe as the worst it reached; the state says whether it still is.
                        let level =
                            egui::RichText::new(tr(lang, level_key(a.peak))).color(level_color(a.peak)).strong();
                        if ui.selectable_label(chosen, level).clicked() {
                            picked = Some(a.id);
                            clicked = entity;
                        }
                        ui.label(object);
                        ui.label(i18n::rule_title(lang, &a.rule)).on_hover_text(&a.rule);
                        ui.label(local(a.raised_at));
                        let mut state = i18n::alarm_status_name(lang, a.status).to_string();
                        if a.status != AlarmStatus::Closed {
                            state.push_str(" · ");
                            state.push_str(tr(
                                lang,
                                if a.condition_active { "ui.alarm.active" } else { "ui.alarm.cleared" },
                            ));
                        }
                        ui.label(state);
                        if ui.link(&a.sensor).clicked() {
                            picked = Some(a.id);
                            clicked = entity;
                        }
                        ui.end_row();
                    }
                });
            });
            drop(rows);
            if picked.is_some() {
                live.ui.alarm = picked;
            }
            let Some(a) = live.ui.alarm.and_then(|id| live.alarms.get(id)).cloned() else { return };
            ui.separator();
            alarm_details(ui, lang, live, &a);
        });
    live.ui.alarms_open = open;
    clicked
}

/// One alarm's history and the steps it can take now.
fn alarm_details(ui: &mut egui::Ui, lang: Lang, live: &mut LiveView, a: &Alarm) {
    ui.label(egui::RichText::new(format!("#{} {} · {}", a.id, i18n::rule_title(lang, &a.rule), a.sensor)).strong());
    ui.label(egui::RichText::new(tr(lang, "ui.alarm.audit")).weak());
    egui::Grid::new("alarm_audit").num_columns(3).show(ui, |ui| {
        for e in &a.audit {
            ui.label(local(e.at));
            ui.label(&e.who);
            let what = match &e.action {
                AuditAction::Raised { level } => {
                    format!("{} {}", tr(lang, "ui.alarm.raised"), tr(lang, level_key(*level)))
                }
                AuditAction::LevelChanged { from, to } => {
                    format!("{} → {}", tr(lang, level_key(*from)), tr(lang, level_key(*to)))
                }
                AuditAction::ConditionCleared => tr(lang, "ui.alarm.cleared").to_string(),
                AuditAction::Acknowledged => i18n::alarm_status_name(lang, AlarmStatus::Acknowledged).to_string(),
                AuditAction::Dispatched { to } => {
                    format!("{} {to}", i18n::alarm_status_name(lang, AlarmStatus::Dispatched))
                }
                AuditAction::Escalated { step } => format!("{} {step}", tr(lang, "ui.alarm.escalated")),
                AuditAction::Closed => i18n::alarm_status_name(lang, AlarmStatus::Closed).to_string(),
            };
            // The rules' own notes are English: in Chinese they show on hover, a person's inline.
            match e.note.as_deref() {
                Some(n) if e.who == "system" && lang == Lang::Zh => {
                    ui.label(what).on_hover_text(n);
                }
                Some(n) => {
                    ui.label(format!("{what} · {n}"));
                }
                None => {
                    ui.label(what);
                }
            }
            ui.end_row();
        }
    });
    // Any alarm, dealt with or not, can go into the register as a hazard to rectify.
    if ui.button(tr(lang, "ui.alarm.to_register")).clicked() {
        let step = crate::findings::FindingStep::FromAlarm(a.id);
        live.findings.write(crate::findings::FindingAsked { by: live.ui.who.clone(), step });
    }
    if a.status == AlarmStatus::Closed {
        return;
    }
    ui.horizontal(|ui| {
        ui.label(tr(lang, "ui.alarm.who"));
        ui.add(egui::TextEdit::singleline(&mut live.ui.who).desired_width(90.0));
        let step = |live: &mut LiveView, step| {
            live.steps.write(AlarmActionRequested { id: a.id, who: live.ui.who.clone(), step });
        };
        if a.status == AlarmStatus::Raised && ui.button(tr(lang, "ui.alarm.ack")).clicked() {
            step(live, AlarmStep::Acknowledge);
        }
        if matches!(a.status, AlarmStatus::Acknowledged | AlarmStatus::Dispatched) {
            ui.label(tr(lang, "ui.alarm.to"));
            ui.add(egui::TextEdit::singleline(&mut live.ui.to).desired_width(80.0));
            if ui.button(tr(lang, "ui.alarm.dispatch")).clicked() {
                step(live, AlarmStep::Dispatch { to: live.ui.to.clone() });
            }
            ui.label(tr(lang, "ui.alarm.note"));
            ui.add(egui::TextEdit::singleline(&mut live.ui.note).desired_width(120.0));
            let closable = !a.condition_active;
            if ui.add_enabled(closable, egui::Button::new(tr(lang, "ui.alarm.close"))).clicked() {
                step(live, AlarmStep::Close { note: live.ui.note.clone() });
                live.ui.note.clear();
            }
        }
    });
    if let Some(e) = &live.alarms.last_error {
        ui.colored_label(ALARM_RED, e);
    }
}

/// A sensor's history over the chosen span up to the moment shown, with the lines of its rules.
pub(super) fn sensor_chart(ui: &mut egui::Ui, lang: Lang, live: &mut LiveView, x: &SiteSensor, s: &SensorLive) {
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new(tr(lang, "ui.chart")).strong());
        for (span_s, key) in [(3_600, "ui.chart.hour"), (86_400, "ui.chart.day"), (259_200, "ui.chart.days3")] {
            if ui.selectable_label(live.ui.chart_span_s == span_s, tr(lang, key)).clicked() {
                live.ui.chart_span_s = span_s;
            }
        }
    });
    let Some(end) = live.clock.now.or(s.history.back().map(|(t, _)| *t)) else {
        ui.label(egui::RichText::new(tr(lang, "ui.chart.none")).weak());
        return;
    };
    let from = end - Duration::seconds(live.ui.chart_span_s);
    // Hours before the moment shown, so the axis reads the same at any date.
    let points: Vec<[f64; 2]> = s
        .history
        .since(from)
        .filter(|(t, _)| *t <= end)
        .map(|(t, v)| [(*t - end).num_milliseconds() as f64 / 3_600_000.0, *v])
        .collect();
    if points.is_empty() {
        ui.label(egui::RichText::new(tr(lang, "ui.chart.none")).weak());
        return;
    }
    let lines = live.thresholds(&x.id);
    let unit = x.unit.clone();
    egui_plot::Plot::new(("chart", x.id.as_str()))
        .height(180.0)
        .allow_scroll(false)
        .include_x(-(live.ui.chart_span_s as f64) / 3600.0)
        .include_x(0.0)
        .x_axis_label(if lang == Lang::Zh { "小时" } else { "hours" })
        .y_axis_label(unit)
        .show(ui, |plot| {
            plot.line(egui_plot::Line::new(x.id.as_str(), points).color(egui::Color32::from_rgb(90, 160, 240)));
            for l in lines {
                let name = format!("{} {}", tr(lang, level_key(l.level)), crate::ui::panels::fmt_num(l.value));
                plot.hline(
                    egui_plot::HLine::new(name, l.value)
                        .color(level_color(l.level))
                        .style(egui_plot::LineStyle::dashed_loose()),
                );
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(Lang::En, Duration::seconds(45)), "45 s");
        assert_eq!(span(Lang::Zh, Duration::minutes(12)), "12分钟");
        assert_eq!(span(Lang::En, Duration::hours(36)), "36.0 h");
        assert_eq!(span(Lang::En, Duration::days(3)), "3.0 d");
    }
}
