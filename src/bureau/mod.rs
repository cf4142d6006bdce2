//! Bureau mode: the housing bureau's city in the twin. The city's sites on a plain map coloured
//! by status and risk, the non-operating sites in a table (sort, filter, search), a site's
//! reasons, duties, findings and reviews, a review form, a city-wide pollution alert that moves
//! sites by the rules, and a click into any site's twin and back. The city is judged by the core
//! on a worker thread (a stopped site's day is simulated), so frames keep coming.

pub mod gateway;
pub mod panel;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy::tasks::AsyncComputeTaskPool;
use sitetwin_core::city::alert::Change;
use sitetwin_core::city::status::{self, Category, Judging, SiteRow, Telemetry};
use sitetwin_core::city::{City, Decision};
use sitetwin_core::i18n::Lang;
use sitetwin_core::rules::stoppage::AlertLevel;

use crate::AppMode;
use crate::site::SiteOpenRequested;

/// The city bureau mode opens with.
#[derive(Debug, Clone)]
pub struct BureauOptions {
    /// The city.
    pub city: City,
    /// Its file (reviews and alerts are saved to it); `None` for the embedded demo city.
    pub file: Option<PathBuf>,
    /// Seed of the simulated telemetry.
    pub seed: u64,
    /// Where light sites' twins are written when opened.
    pub twins_dir: PathBuf,
    /// A gateway serving some of the sites: their telemetry and the reviews go through it.
    pub gateway: Option<gateway::CityGateway>,
}

/// A column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Risk score.
    Risk,
    /// Project name.
    Name,
    /// District.
    District,
    /// Category.
    Category,
    /// Days stopped.
    Days,
    /// Major-hazard works.
    Hazards,
    /// Unmet duties.
    Unmet,
    /// Dark sensors.
    Dark,
    /// Stopped-but-active findings.
    Active,
}

/// What the table shows.
#[derive(Debug, Clone, Default)]
pub struct TableFilter {
    /// Only this district.
    pub district: Option<String>,
    /// Only this category.
    pub category: Option<Category>,
    /// Id or name contains this.
    pub search: String,
    /// Operating sites too.
    pub all_sites: bool,
}

/// The review being written.
#[derive(Debug, Clone)]
pub struct ReviewForm {
    /// Reviewer.
    pub reviewer: String,
    /// Decision.
    pub decision: Decision,
    /// Findings, one per line.
    pub findings: String,
    /// Notes.
    pub note: String,
}

impl Default for ReviewForm {
    fn default() -> Self {
        ReviewForm {
            reviewer: String::new(),
            decision: Decision::KeepStopped,
            findings: String::new(),
            note: String::new(),
        }
    }
}

/// The city and everything the bureau view shows of it.
#[derive(Resource)]
pub struct CityView {
    /// The registry.
    pub city: City,
    /// Its file, if it has one.
    pub file: Option<PathBuf>,
    /// Each site judged, in registry order (empty until the first judging is done).
    pub rows: Vec<SiteRow>,
    /// A judging is running.
    pub judging: bool,
    /// Stopped sites whose telemetry is judged, of how many (while judging).
    pub progress: (usize, usize),
    job: Option<Arc<Judgement>>,
    /// Seed of the simulated telemetry.
    pub seed: u64,
    /// The selected site.
    pub selected: Option<String>,
    /// The user picked a site (or started a review): the riskiest is no longer picked for them.
    pub user_picked: bool,
    /// The sites the gateway serves (known once a judging has asked it).
    pub served: std::collections::BTreeSet<String>,
    /// The table's filter.
    pub filter: TableFilter,
    /// Sort column and direction (descending when true).
    pub sort: (Column, bool),
    /// The last alert's changes, while their window is open.
    pub changes: Option<(Option<AlertLevel>, Vec<Change>)>,
    /// The review form.
    pub review: ReviewForm,
    /// The last thing done or refused, for the status line.
    pub message: Option<(bool, String)>,
    /// Map zoom (1 = the whole city) and centre offset in map units.
    pub map_zoom: f32,
    /// Pan of the map, in fractions of its size.
    pub map_pan: Vec2,
    /// Where light twins are written.
    pub twins_dir: PathBuf,
    /// The language the rows were judged in.
    judged_lang: Option<Lang>,
    /// The gateway, if one is used.
    gateway: Option<gateway::CityGateway>,
    /// What the last review sent to the gateway came to (set off the frame), with the review.
    posted: Arc<Mutex<Option<(bool, String, sitetwin_core::city::Review)>>>,
}

impl CityView {
    /// A view of `opts.city`, not judged yet.
    pub fn new(opts: BureauOptions) -> Self {
        CityView {
            city: opts.city,
            file: opts.file,
            rows: Vec::new(),
            judging: false,
            progress: (0, 0),
            job: None,
            seed: opts.seed,
            selected: None,
            user_picked: false,
            served: Default::default(),
            filter: TableFilter::default(),
            sort: (Column::Risk, true),
            changes: None,
            review: ReviewForm::default(),
            message: None,
            map_zoom: 1.0,
            map_pan: Vec2::ZERO,
            twins_dir: opts.twins_dir,
            judged_lang: None,
            gateway: opts.gateway,
            posted: Arc::default(),
        }
    }

    /// The user picks a site: it stays selected.
    pub fn pick(&mut self, id: String) {
        self.selected = Some(id);
        self.user_picked = true;
    }

    /// The row of a site.
    pub fn row(&self, id: &str) -> Option<&SiteRow> {
        self.rows.iter().find(|r| r.site == id)
    }

    /// Judges the whole city again on a worker thread (at start, after an alert, on a language
    /// change): first every site without its telemetry, at once, then each stopped site's
    /// simulated day, the riskiest first, each row replacing its first look as it comes.
    pub fn rejudge(&mut self, lang: Lang) {
        if let Some(old) = self.job.take() {
            old.cancel.store(true, Ordering::Relaxed);
        }
        let job = Arc::new(Judgement::default());
        let city = self.city.clone();
        let judging = Judging { lang, seed: self.seed, weights: self.city.rules.weights.clone(), ..Judging::default() };
        let j = job.clone();
        let gw = self.gateway.clone();
        AsyncComputeTaskPool::get()
            .spawn(async move { judge_progressively(&city, &judging, &j, gw.as_ref()) })
            .detach();
        self.job = Some(job);
        self.judging = true;
        self.judged_lang = Some(lang);
    }

    /// Whether the rows are judged and current.
    pub fn ready(&self) -> bool {
        !self.judging && !self.rows.is_empty()
    }

    /// Saves the city to its file, if it has one; what happened, for the status line.
    fn save(&mut self, what: String) {
        match &self.file {
            Some(p) => match self.city.save(p) {
                Ok(()) => self.message = Some((true, format!("{what} → {}", p.display()))),
                Err(e) => self.message = Some((false, format!("{what}; cannot write {}: {e}", p.display()))),
            },
            None => self.message = Some((true, what)),
        }
    }

    /// The rows the table shows, sorted.
    pub fn table(&self) -> Vec<&SiteRow> {
        self.table_order().into_iter().map(|i| &self.rows[i]).collect()
    }

    /// Indices into `rows` of what the table shows, sorted.
    pub fn table_order(&self) -> Vec<usize> {
        let f = &self.filter;
        let search = f.search.trim();
        let mut v: Vec<(usize, &SiteRow)> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| f.all_sites || r.status != sitetwin_core::rules::stoppage::Status::Operating)
            .filter(|(_, r)| f.district.as_ref().is_none_or(|d| &r.district == d))
            .filter(|(_, r)| f.category.is_none_or(|c| r.category == Some(c)))
            .filter(|(_, r)| search.is_empty() || r.site.contains(search) || r.name.contains(search))
            .collect();
        let (col, desc) = self.sort;
        v.sort_by(|(_, a), (_, b)| {
            let o = match col {
                Column::Risk => a.risk_score.total_cmp(&b.risk_score),
                Column::Name => a.name.cmp(&b.name),
                Column::District => a.district.cmp(&b.district),
                Column::Category => a.category.cmp(&b.category),
                Column::Days => a.days_stopped.cmp(&b.days_stopped),
                Column::Hazards => a.hazards.len().cmp(&b.hazards.len()),
                Column::Unmet => a.unmet_duties().cmp(&b.unmet_duties()),
                Column::Dark => a.dark_count().cmp(&b.dark_count()),
                Column::Active => a.activity_findings().cmp(&b.activity_findings()),
            };
            let o = if desc { o.reverse() } else { o };
            o.then_with(|| b.risk_score.total_cmp(&a.risk_score)).then_with(|| a.site.cmp(&b.site))
        });
        v.into_iter().map(|(i, _)| i).collect()
    }
}

/// Something the bureau view asked for, applied outside the drawing.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum BureauAction {
    /// Open this site's twin.
    OpenTwin(String),
    /// Back to the city from a twin.
    BackToCity,
}

/// Adds bureau mode (only when the app is given a city).
pub struct BureauPlugin;

impl Plugin for BureauPlugin {
    fn build(&self, app: &mut App) {
        crate::configure(app);
        app.add_message::<BureauAction>()
            .add_message::<SiteOpenRequested>()
            .add_systems(Startup, start_judging)
            .add_systems(Update, (poll_judging, apply_actions, rejudge_on_language).in_set(crate::TwinSet::Update))
            .add_systems(OnEnter(AppMode::Bureau), show_city_only);
    }
}

/// The city covers the window: the site's 3D view stops rendering behind it and egui clears.
fn show_city_only(
    mut orbit: Query<&mut Camera, (With<crate::view::camera::OrbitCamera>, Without<crate::ui::UiCamera>)>,
    mut ui_cams: Query<&mut Camera, With<crate::ui::UiCamera>>,
) {
    orbit.iter_mut().for_each(|mut c| c.is_active = false);
    ui_cams.iter_mut().for_each(|mut c| c.clear_color = ClearColorConfig::Default);
}

fn start_judging(view: Option<ResMut<CityView>>, ui: Option<Res<crate::ui::UiState>>) {
    if let Some(mut v) = view {
        let lang = ui.map(|u| u.lang).unwrap_or_default();
        v.rejudge(lang);
    }
}

fn poll_judging(view: Option<ResMut<CityView>>) {
    let Some(mut v) = view else { return };
    if let Some((ok, msg, review)) = v.posted.lock().ok().and_then(|mut p| p.take()) {
        if !ok {
            // The store refused it or could not be reached: it is not kept, so the card drops it.
            if let Some(i) = v.city.reviews.iter().rposition(|r| *r == review) {
                v.city.reviews.remove(i);
            }
        }
        v.message = Some((ok, msg));
    }
    let Some(job) = v.job.clone() else { return };
    let (updates, done, progress, note, served) = {
        let Ok(mut q) = job.queue.lock() else { return };
        (std::mem::take(&mut q.updates), q.done, (q.judged, q.stopped), q.note.take(), q.served.take())
    };
    if let Some(served) = served {
        v.served = served;
    }
    if let Some(note) = note {
        v.message = Some((false, note));
    }
    for u in updates {
        match u {
            Update::All(rows) => v.rows = rows,
            Update::One(i, row) => {
                if let Some(slot) = v.rows.get_mut(i) {
                    *slot = *row;
                }
            }
        }
    }
    v.progress = progress;
    if done {
        v.job = None;
        v.judging = false;
    }
    // The riskiest site is picked for the user until they pick one themselves.
    if !v.user_picked && !v.rows.is_empty() {
        v.selected = status::non_operating(&v.rows).first().map(|r| r.site.clone());
    }
}

/// What a judging has sent and not yet been taken.
#[derive(Default)]
struct Queue {
    updates: Vec<Update>,
    judged: usize,
    stopped: usize,
    done: bool,
    /// Why the gateway could not be used (its sites are then simulated).
    note: Option<String>,
    /// The sites the gateway serves, once asked.
    served: Option<std::collections::BTreeSet<String>>,
}

enum Update {
    All(Vec<SiteRow>),
    One(usize, Box<SiteRow>),
}

/// A judging in progress, shared with its worker.
#[derive(Default)]
pub struct Judgement {
    queue: Mutex<Queue>,
    cancel: AtomicBool,
}

fn judge_progressively(city: &City, j: &Judging, job: &Judgement, gw: Option<&gateway::CityGateway>) {
    let push = |u: Update, judged: usize| {
        if let Ok(mut q) = job.queue.lock() {
            q.updates.push(u);
            q.judged += judged;
        }
    };
    let first = status::judge_city_with(city, j, false);
    let mut order: Vec<usize> = (0..first.len()).filter(|i| first[*i].telemetry == Telemetry::Pending).collect();
    order.sort_by(|a, b| first[*b].risk_score.total_cmp(&first[*a].risk_score));
    if let Ok(mut q) = job.queue.lock() {
        q.stopped = order.len();
    }
    push(Update::All(first), 0);
    // The sites the gateway serves are judged from its readings, the others simulated.
    let at = chrono::Utc::now();
    let served: std::collections::BTreeMap<String, gateway::GatewaySite> = match gw.map(|g| g.summary()) {
        Some(Ok(sites)) => sites.into_iter().map(|s| (s.site.clone(), s)).collect(),
        Some(Err(e)) => {
            if let Ok(mut q) = job.queue.lock() {
                q.note = Some(format!("{e:#}; its sites are simulated"));
            }
            Default::default()
        }
        None => Default::default(),
    };
    if let Ok(mut q) = job.queue.lock() {
        q.served = Some(served.keys().cloned().collect());
    }
    let judge_one = |i: usize| -> SiteRow {
        let site = &city.sites[i];
        match (gw, served.get(&site.id)) {
            (Some(g), Some(s)) => match gateway::judge_site(city, site, j, g, s, at) {
                Ok(row) => row,
                Err(e) => {
                    if let Ok(mut q) = job.queue.lock() {
                        q.note = Some(format!("{e:#}"));
                    }
                    status::judge(city, site, j)
                }
            },
            _ => status::judge(city, site, j),
        }
    };
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1).clamp(1, 16);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while !job.cancel.load(Ordering::Relaxed) {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = order.get(k) else { break };
                    push(Update::One(i, Box::new(judge_one(i))), 1);
                }
            });
        }
    });
    if let Ok(mut q) = job.queue.lock() {
        q.done = true;
    }
}

fn rejudge_on_language(view: Option<ResMut<CityView>>, ui: Option<Res<crate::ui::UiState>>) {
    let (Some(mut v), Some(ui)) = (view, ui) else { return };
    if !v.judging && v.judged_lang.is_some_and(|l| l != ui.lang) {
        v.rejudge(ui.lang);
    }
}

fn apply_actions(
    mut actions: MessageReader<BureauAction>,
    view: Option<ResMut<CityView>>,
    mut open: MessageWriter<SiteOpenRequested>,
    mut mode: ResMut<NextState<AppMode>>,
) {
    let Some(mut v) = view else { return };
    for a in actions.read() {
        match a {
            BureauAction::OpenTwin(id) => {
                let Some(site) = v.city.site(id).cloned() else {
                    v.message = Some((false, format!("no site {id} in the city")));
                    continue;
                };
                let dir = v.twins_dir.join(&site.id);
                match crate::bureau_cli::twin_scene(&v.city, &site, &dir) {
                    Ok(path) => {
                        v.pick(site.id.clone());
                        open.write(SiteOpenRequested { path });
                    }
                    Err(e) => v.message = Some((false, format!("{e:#}"))),
                }
            }
            BureauAction::BackToCity => mode.set(AppMode::Bureau),
        }
    }
}

/// Issues (or lifts) the city's alert today, then judges the city again.
pub fn issue_alert(v: &mut CityView, level: Option<AlertLevel>, lang: Lang) {
    let today = v.city.today;
    let rules = v.city.rules.pollution.clone();
    match sitetwin_core::city::alert::issue(&mut v.city, level, today, "南通市住房和城乡建设局", &rules) {
        Ok(changes) => {
            let n = changes.iter().filter(|c| c.moved()).count();
            v.changes = Some((level, changes));
            v.save(format!("{n} sites changed"));
            v.rejudge(lang);
        }
        Err(e) => v.message = Some((false, e.to_string())),
    }
}

/// Records the form's review of the selected site.
pub fn record_review(v: &mut CityView) {
    let Some(site) = v.selected.clone() else { return };
    let f = v.review.clone();
    let review = sitetwin_core::city::Review {
        site: site.clone(),
        reviewer: f.reviewer.trim().to_string(),
        date: v.city.today,
        findings: f.findings.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect(),
        decision: f.decision,
        note: f.note.trim().to_string(),
    };
    if let Err(e) = review.validate() {
        v.message = Some((false, e.to_string()));
        return;
    }
    if let Some(gw) = v.gateway.clone().filter(|_| v.served.contains(&site)) {
        // Sent off the frame; the card shows it at once, the status line when the store has it.
        let slot = v.posted.clone();
        let r = review.clone();
        bevy::tasks::IoTaskPool::get()
            .spawn(async move {
                let result = match gw.post_review(&r) {
                    Ok(id) => (true, format!("review of {} recorded in the gateway's store as #{id}", r.site), r),
                    Err(e) => (false, format!("{e:#}"), r),
                };
                if let Ok(mut s) = slot.lock() {
                    *s = Some(result);
                }
            })
            .detach();
        v.city.reviews.push(review);
        v.review.findings.clear();
        v.review.note.clear();
        return;
    }
    match v.city.add_review(review) {
        Ok(()) => {
            v.review.findings.clear();
            v.review.note.clear();
            v.save(format!("review of {site} recorded"));
        }
        Err(e) => v.message = Some((false, e)),
    }
}
