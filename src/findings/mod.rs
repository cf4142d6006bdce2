//! The findings loop on the twin (隐患排查治理): the site's rectification register, kept in its
//! file (`--findings FILE`, else one per site in sitetwin's configuration folder), its items
//! placed on the twin as pins at their objects, and worked from the twin: raised from an alarm or
//! a rehearsal, assigned, rectified with evidence, verified or reopened, exported as CSV.
//!
//! Every change re-reads the file, applies itself there and writes the file atomically before the
//! register shown is replaced, so `sitetwin findings` on the command line and the twin can work one
//! register together, and a change that cannot be written is refused, never half kept; a change
//! made elsewhere shows within a second. Changes happen at the twin's moment (its clock), which is
//! also the moment items are judged overdue at. Headless-safe: the window and the pins' drawing are
//! [`panel`]'s.

pub mod panel;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bevy::prelude::*;
use chrono::{DateTime, Utc};
use sitetwin_core::findings::{self, FindingInput, FindingsError, Register};

use crate::TwinSet;
use crate::site::{LabelAnchor, Site, SiteIndex, SiteScoped, SiteSpawned};
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

/// The register of the site shown.
#[derive(Resource, Debug, Default)]
pub struct SiteFindings {
    /// The file it is kept in; `None` when there is none to keep it in (the window says so).
    pub file: Option<PathBuf>,
    /// The items, as last read from or written to the file.
    pub register: Register,
    /// What the last change, or a failed read, said (for the window).
    pub said: Option<Result<String, String>>,
    /// The file's modification time and length as last read or written.
    stamp: Option<(SystemTime, u64)>,
}

impl SiteFindings {
    /// Applies `change` to the register as its file holds it now, and writes the file; the register
    /// shown takes the change only once it is written. An error names what was refused.
    pub fn change<T>(&mut self, change: impl FnOnce(&mut Register) -> Result<T, FindingsError>) -> Result<T, String> {
        let mut reg = match &self.file {
            Some(f) => Register::load(f).map_err(|e| e.to_string())?,
            None => self.register.clone(),
        };
        let out = change(&mut reg).map_err(|e| e.to_string())?;
        if let Some(f) = &self.file {
            if let Some(dir) = f.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            reg.save(f).map_err(|e| e.to_string())?;
            self.stamp = stamp(f);
        }
        self.register = reg;
        Ok(out)
    }

    /// Raises `inputs`, recorded by `by` at `at`; says how many, where, and how many are new
    /// (a finding already open is a repeat of its item).
    pub fn raise(&mut self, inputs: Vec<FindingInput>, by: &str, at: DateTime<Utc>) -> Result<String, String> {
        let n = inputs.len();
        let before = self.register.len();
        let file = self.file.as_ref().map_or_else(|| "the register".to_string(), |f| f.display().to_string());
        self.change(|reg| inputs.into_iter().try_for_each(|i| reg.raise(i, by, at).map(drop)))?;
        Ok(format!("{n} → {file} ({} new)", self.register.len().saturating_sub(before)))
    }

    /// Reads the file again if it changed since it was last read or written; a file that cannot be
    /// read leaves the register shown as it was and says why.
    fn reload_if_changed(&mut self) {
        let Some(f) = self.file.clone() else { return };
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

/// A site opened: its register is read (the `--findings` file, else its own in the folder).
fn open_for_site(
    mut spawned: MessageReader<SiteSpawned>,
    site: Option<Res<Site>>,
    file: Option<Res<FindingsFile>>,
    folder: Option<Res<FindingsFolder>>,
    mut findings: ResMut<SiteFindings>,
) {
    if spawned.read().last().is_none() {
        return;
    }
    let Some(site) = site else { return };
    let path = file.map(|f| f.0.clone()).or_else(|| {
        let id = sanitize(&site.loaded.scene.site.id);
        folder.map(|d| d.0.join(format!("{id}.json")))
    });
    *findings = SiteFindings { file: path, ..default() };
    findings.reload_if_changed();
    if let Some(f) = &findings.file {
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
    if now < *next_s || findings.file.is_none() {
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
        let by = a.by.as_str();
        let said = match &a.step {
            FindingStep::FromAlarm(id) => {
                let input = alarms.get(*id).and_then(|alarm| {
                    let scene = &site.as_ref()?.loaded.scene;
                    findings::from_alarm(scene, alarm)
                });
                match input {
                    Some(input) => findings.raise(vec![input], by, at),
                    None => Err(format!("alarm {id} is not one of this site's sensors' alarms")),
                }
            }
            FindingStep::Assign { id, owner, deadline } => {
                findings.change(|r| r.assign(*id, owner, *deadline, by, at)).map(|()| format!("#{id} → {owner}"))
            }
            FindingStep::Rectify { id, note, photo } => {
                match photo.as_deref().map(crate::findings_cli::check_photo).transpose().map_err(|e| e.to_string()) {
                    Ok(photo) => {
                        findings.change(|r| r.rectify(*id, note, photo.as_deref(), by, at)).map(|()| format!("#{id} ✓"))
                    }
                    Err(e) => Err(e),
                }
            }
            FindingStep::Verify(id) => findings.change(|r| r.verify(*id, by, at)).map(|()| format!("#{id} ✓")),
            FindingStep::Reopen { id, note } => {
                findings.change(|r| r.reopen(*id, note, by, at)).map(|()| format!("#{id} ↺"))
            }
            FindingStep::Export(path) => export(&findings.register, path, at),
        };
        if let Err(e) = &said {
            warn!("findings: {e}");
        }
        findings.said = Some(said);
    }
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
