//! The findings loop on the twin (隐患排查治理): the site's rectification register, kept in the
//! gateway's store when the twin follows a gateway, else in its file (`--findings FILE`, else one
//! per site in sitetwin's configuration folder); its items placed on the twin as pins at their
//! objects, and worked from the twin: raised from an alarm or a rehearsal, assigned, rectified with
//! evidence, verified or reopened, exported as CSV.
//!
//! In a file, every change re-reads the file, applies itself there and writes the file atomically
//! before the register shown is replaced, so `sitetwin findings` on the command line and the twin
//! can work one register together, and a change that cannot be written is refused, never half
//! kept; a change made elsewhere shows within a second. Changes happen at the twin's moment (its
//! clock), which is also the moment items are judged overdue at. In the gateway, each change is
//! sent to it (through the source's client, [`crate::source::gateway`]) and applied at the
//! gateway's clock; the list shows the gateway's answers and the changes others make there, live.
//! Headless-safe: the window and the pins' drawing are [`panel`]'s.

pub mod panel;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bevy::prelude::*;
use chrono::{DateTime, Utc};
use sitetwin_core::findings::{self, Action, FindingInput, FindingRules, FindingsError, Item, Register, Step};

use crate::TwinSet;
use crate::site::{LabelAnchor, Site, SiteIndex, SiteScoped, SiteSpawned};
use crate::source::DataSource;
use crate::telemetry::{SiteAlarms, TwinClock};

/// How often the register's file is looked at for changes made elsewhere, wall seconds.
const WATCH_PERIOD_S: f64 = 1.0;

/// The register file named on the command line (`--findings FILE`), used for every site opened.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct FindingsFile(pub PathBuf);

/// Where each site's register is kept when no `--findings` names one:
/// `<folder>/<site id>.json` (the app sets it under the configuration folder).
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct FindingsFolder(pub PathBuf);

/// Where the site's register is kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Keeper {
    /// Nowhere: changes last as long as the twin runs (the window says so).
    #[default]
    Nowhere,
    /// In this file, re-read before each change and written atomically.
    File(PathBuf),
    /// In the store of the gateway at this URL: changes are sent to it.
    Gateway(String),
}

/// The register of the site shown.
#[derive(Resource, Debug, Default)]
pub struct SiteFindings {
    /// Where it is kept.
    pub keeper: Keeper,
    /// The items, as last read from or written to the file, or as the gateway last said.
    pub register: Register,
    /// What the last change, or a failed read, said (for the window).
    pub said: Option<Result<String, String>>,
    /// The file's modification time and length as last read or written.
    stamp: Option<(SystemTime, u64)>,
    /// Steps waiting to be sent to the gateway (who, what), oldest first.
    outbox: Vec<(String, Step)>,
}

impl SiteFindings {
    /// The register's file, when it is kept in one.
    pub fn file(&self) -> Option<&Path> {
        match &self.keeper {
            Keeper::File(f) => Some(f),
            _ => None,
        }
    }

    /// Applies `change` to the register as its file holds it now, and writes the file; the register
    /// shown takes the change only once it is written. An error names what was refused.
    fn change<T>(&mut self, change: impl FnOnce(&mut Register) -> Result<T, FindingsError>) -> Result<T, String> {
        let file = self.file().map(Path::to_path_buf);
        let mut reg = match &file {
            Some(f) => Register::load(f).map_err(|e| e.to_string())?,
            None => self.register.clone(),
        };
        let out = change(&mut reg).map_err(|e| e.to_string())?;
        if let Some(f) = &file {
            if let Some(dir) = f.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            reg.save(f).map_err(|e| e.to_string())?;
            self.stamp = stamp(f);
        }
        self.register = reg;
        Ok(out)
    }

    /// Carries out `steps`, by `by` at `at`, and says what was done: in the file (or the twin's
    /// memory) at once, all or none; or, kept in the gateway, sent to it in order, to be applied
    /// at the gateway's clock (its answers come back through [`SiteFindings::answered`]).
    pub fn submit(&mut self, steps: Vec<Step>, by: &str, at: DateTime<Utc>) -> Result<String, String> {
        if let Keeper::Gateway(url) = &self.keeper {
            let said = match steps.as_slice() {
                [one] => format!("{} → {url} …", step_text(one)),
                many => format!("{} → {url} …", many.len()),
            };
            self.outbox.extend(steps.into_iter().map(|s| (by.to_string(), s)));
            return Ok(said);
        }
        let before = self.register.len();
        let raises = steps.iter().all(|s| matches!(s, Step::Raise { .. }));
        let ids = self.change(|reg| steps.iter().map(|s| reg.apply(s, by, at)).collect::<Result<Vec<u64>, _>>())?;
        let new = self.register.len().saturating_sub(before);
        Ok(match ids.as_slice() {
            [id] if !raises => self.register.get(*id).map_or_else(|| format!("#{id}"), item_text),
            _ => format!("{} → {} ({new} new)", ids.len(), self.kept_in()),
        })
    }

    /// Raises `inputs`, recorded by `by` at `at` (a finding already open is a repeat of its item).
    pub fn raise(&mut self, inputs: Vec<FindingInput>, by: &str, at: DateTime<Utc>) -> Result<String, String> {
        self.submit(inputs.into_iter().map(|finding| Step::Raise { finding }).collect(), by, at)
    }

    /// Where the register is kept, in words (a path, a URL, or "the twin's memory").
    pub fn kept_in(&self) -> String {
        match &self.keeper {
            Keeper::Nowhere => "the twin's memory".into(),
            Keeper::File(f) => f.display().to_string(),
            Keeper::Gateway(url) => url.clone(),
        }
    }

    /// The gateway's register as it sent it on (re)connecting, under its rules; steps not yet
    /// answered stay queued.
    pub fn adopt(&mut self, items: Vec<Item>, rules: FindingRules) {
        match Register::from_items(items, rules) {
            Ok(reg) => self.register = reg,
            Err(e) => self.said = Some(Err(format!("the gateway's register cannot be shown: {e}"))),
        }
    }

    /// An item as the gateway has it now (after a change by anyone).
    pub fn upsert(&mut self, item: Item) {
        let id = item.id;
        if let Err(e) = self.register.upsert(item) {
            self.said = Some(Err(format!("the gateway's item #{id} cannot be shown: {e}")));
        }
    }

    /// The gateway's answer to a step sent: the item as it now is, or why it was refused.
    pub fn answered(&mut self, result: Result<Item, String>) {
        self.said = Some(match result {
            Ok(item) => {
                let said = item_text(&item);
                self.upsert(item);
                Ok(said)
            }
            Err(e) => Err(e),
        });
    }

    /// Whether steps wait to be sent to the gateway.
    pub fn has_outbox(&self) -> bool {
        !self.outbox.is_empty()
    }

    /// The steps to send to the gateway (who, what), oldest first.
    pub fn take_outbox(&mut self) -> Vec<(String, Step)> {
        std::mem::take(&mut self.outbox)
    }

    /// Reads the file again if it changed since it was last read or written; a file that cannot be
    /// read leaves the register shown as it was and says why.
    fn reload_if_changed(&mut self) {
        let Some(f) = self.file().map(Path::to_path_buf) else { return };
        let now = stamp(&f);
        if now == self.stamp {
            return;
        }
        self.stamp = now;
        match Register::load(&f) {
            Ok(reg) => {
                self.register = reg;
                self.said = None;
            }
            Err(e) => self.said = Some(Err(format!("{e}; the list shows the register as last read"))),
        }
    }
}

/// A step in short: `#3 → 李工`, `#3 ✓`, `#3 ↺`, `+ TC1` (a raise, before it has an id).
fn step_text(step: &Step) -> String {
    match step {
        Step::Raise { finding } => format!("+ {}", finding.object),
        Step::Assign { id, owner, .. } => format!("#{id} → {owner}"),
        Step::Rectify { id, .. } | Step::Verify { id } => format!("#{id} ✓"),
        Step::Reopen { id, .. } => format!("#{id} ↺"),
    }
}

/// An item's last change in short: `#3 +`, `#3 → 李工`, `#3 ✓`, `#3 ↺`.
fn item_text(item: &Item) -> String {
    let id = item.id;
    match item.history.last().map(|c| c.action) {
        Some(Action::Assigned) => format!("#{id} → {}", item.owner.as_deref().unwrap_or("?")),
        Some(Action::Rectified | Action::Verified) => format!("#{id} ✓"),
        Some(Action::Reopened) => format!("#{id} ↺"),
        _ => format!("#{id} +"),
    }
}

fn stamp(f: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(f).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// A change to the register asked from the twin (the window, or a test).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct FindingAsked {
    /// Who does it.
    pub by: String,
    /// What.
    pub step: FindingStep,
}

/// What can be done to the register from the twin.
#[derive(Debug, Clone, PartialEq)]
pub enum FindingStep {
    /// Raise the finding alarm `id` of the site's alarm list makes.
    FromAlarm(u64),
    /// Give item `id` an owner, and a new deadline or (`None`) the one it has.
    Assign {
        /// The item.
        id: u64,
        /// Who must rectify it.
        owner: String,
        /// By when.
        deadline: Option<DateTime<Utc>>,
    },
    /// Record item `id`'s rectification with its evidence.
    Rectify {
        /// The item.
        id: u64,
        /// What was done.
        note: String,
        /// A photo of the result (it must be a file).
        photo: Option<PathBuf>,
    },
    /// The inspector verifies item `id`: closed.
    Verify(u64),
    /// The inspector sends item `id` back, saying why.
    Reopen {
        /// The item.
        id: u64,
        /// Why.
        note: String,
    },
    /// Write every item as CSV to this file.
    Export(PathBuf),
}

/// An item of the register on the twin, where its finding is (its `at_m`, else its object's label
/// anchor, else the sensor it names). Items verified, and items whose object the site does not
/// have, have none.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingPin {
    /// The item's id.
    pub id: u64,
}

/// Keeps the site's register, its pins, and the changes asked.
pub struct FindingsPlugin;

impl Plugin for FindingsPlugin {
    fn build(&self, app: &mut App) {
        crate::configure(app);
        app.init_resource::<SiteFindings>()
            .add_message::<FindingAsked>()
            .add_systems(Update, (open_for_site, watch, requests, place_pins).chain().in_set(TwinSet::Update));
    }
}

/// The twin's moment: its clock, or the wall clock before a source sets it.
fn moment(clock: &TwinClock) -> DateTime<Utc> {
    clock.now.unwrap_or_else(Utc::now)
}

/// A site opened: its register is read (the gateway's, when the twin follows one; else the
/// `--findings` file, else its own in the folder).
fn open_for_site(
    mut spawned: MessageReader<SiteSpawned>,
    site: Option<Res<Site>>,
    source: Option<Res<DataSource>>,
    file: Option<Res<FindingsFile>>,
    folder: Option<Res<FindingsFolder>>,
    mut findings: ResMut<SiteFindings>,
) {
    if spawned.read().last().is_none() {
        return;
    }
    let Some(site) = site else { return };
    let keeper = match (source.as_deref(), file, folder) {
        (Some(DataSource::Gateway(g)), file, _) => {
            if let Some(f) = file {
                warn!("the register is the gateway's: {} is not used", f.0.display());
            }
            Keeper::Gateway(g.url.clone())
        }
        (_, Some(f), _) => Keeper::File(f.0.clone()),
        (_, None, Some(d)) => Keeper::File(d.0.join(format!("{}.json", sanitize(&site.loaded.scene.site.id)))),
        (_, None, None) => Keeper::Nowhere,
    };
    *findings = SiteFindings { keeper, ..default() };
    findings.reload_if_changed();
    if let Some(f) = findings.file() {
        info!("rectification register {} ({} items)", f.display(), findings.register.len());
    }
}

/// A site id as a file name: path separators and other awkward characters become `_`.
fn sanitize(id: &str) -> String {
    let s: String = id.chars().map(|c| if c.is_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    if s.is_empty() || s.starts_with('.') { format!("site{s}") } else { s }
}

/// Looks at the file once a second: a change made elsewhere (the command line) shows.
fn watch(time: Res<Time<Real>>, mut next_s: Local<f64>, mut findings: ResMut<SiteFindings>) {
    let now = time.elapsed_secs_f64();
    if now < *next_s || findings.file().is_none() {
        return;
    }
    *next_s = now + WATCH_PERIOD_S;
    // Only a change marks the resource changed (the pins are placed again then).
    let f = findings.bypass_change_detection();
    let before = (f.stamp, f.said.is_some());
    f.reload_if_changed();
    if (f.stamp, f.said.is_some()) != before {
        findings.set_changed();
    }
}

/// The changes asked, at the twin's moment.
fn requests(
    mut asked: MessageReader<FindingAsked>,
    clock: Res<TwinClock>,
    site: Option<Res<Site>>,
    alarms: Res<SiteAlarms>,
    mut findings: ResMut<SiteFindings>,
) {
    for a in asked.read() {
        let at = moment(&clock);
        let said = match &a.step {
            // The list as shown, whoever keeps it.
            FindingStep::Export(path) => export(&findings.register, path, at),
            step => register_step(step, &alarms, site.as_deref()).and_then(|s| findings.submit(vec![s], &a.by, at)),
        };
        if let Err(e) = &said {
            warn!("findings: {e}");
        }
        findings.said = Some(said);
    }
}

/// The register's step a step asked from the twin is (an export is none: refused here).
fn register_step(step: &FindingStep, alarms: &SiteAlarms, site: Option<&Site>) -> Result<Step, String> {
    Ok(match step {
        FindingStep::FromAlarm(id) => alarms
            .get(*id)
            .and_then(|alarm| findings::from_alarm(&site?.loaded.scene, alarm))
            .map(|finding| Step::Raise { finding })
            .ok_or_else(|| format!("alarm {id} is not one of this site's sensors' alarms"))?,
        FindingStep::Assign { id, owner, deadline } => {
            Step::Assign { id: *id, owner: owner.clone(), deadline: *deadline }
        }
        FindingStep::Rectify { id, note, photo } => {
            let photo =
                photo.as_deref().map(crate::findings_cli::check_photo).transpose().map_err(|e| e.to_string())?;
            Step::Rectify { id: *id, note: note.clone(), photo }
        }
        FindingStep::Verify(id) => Step::Verify { id: *id },
        FindingStep::Reopen { id, note } => Step::Reopen { id: *id, note: note.clone() },
        FindingStep::Export(path) => return Err(format!("an export ({}) is not a change", path.display())),
    })
}

fn export(reg: &Register, path: &Path, at: DateTime<Utc>) -> Result<String, String> {
    let f = std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    reg.to_csv(at, std::io::BufWriter::new(f)).map_err(|e| e.to_string())?;
    Ok(format!("{} items → {}", reg.len(), path.display()))
}

/// Where an item is on the twin: its finding's point, else its object's label anchor, else the
/// sensor it names.
fn place_of(
    item: &findings::Item,
    index: &SiteIndex,
    anchors: &Query<&LabelAnchor>,
    sensors: &Query<&GlobalTransform>,
) -> Option<Vec3> {
    if let Some(p) = item.input.at_m {
        return Some(crate::frame::site_point(bevy::math::DVec3::from_array(p)));
    }
    let id = &item.input.object;
    index
        .object(id)
        .and_then(|e| anchors.get(e).ok())
        .map(|a| a.0)
        .or_else(|| index.sensor(id).and_then(|e| sensors.get(e).ok()).map(|t| t.translation()))
}

/// One pin per item not yet verified, placed again whenever the register or the site changes.
#[allow(clippy::too_many_arguments)]
fn place_pins(
    mut commands: Commands,
    findings: Res<SiteFindings>,
    mut spawned: MessageReader<SiteSpawned>,
    site: Option<Res<Site>>,
    index: Res<SiteIndex>,
    anchors: Query<&LabelAnchor>,
    sensors: Query<&GlobalTransform>,
    pins: Query<Entity, With<FindingPin>>,
) {
    let new_site = spawned.read().last().is_some();
    if !(findings.is_changed() || new_site) || site.is_none() {
        return;
    }
    pins.iter().for_each(|e| commands.entity(e).try_despawn());
    for item in findings.register.items().iter().filter(|i| i.state != findings::State::Verified) {
        if let Some(at) = place_of(item, &index, &anchors, &sensors) {
            commands.spawn((
                FindingPin { id: item.id },
                Transform::from_translation(at),
                SiteScoped,
                Name::new(format!("finding #{}", item.id)),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn site_ids_become_safe_file_names() {
        assert_eq!(sanitize("320601-2026-0001"), "320601-2026-0001");
        assert_eq!(sanitize("苏/通 1"), "苏_通_1");
        assert_eq!(sanitize("../x"), "site.._x");
        assert_eq!(sanitize(""), "site");
    }
}
