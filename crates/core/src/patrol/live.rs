//! The site's live state as a patrol sees it: the open alarms and dark sensors (the rules engine
//! over the simulator's readings), each crane's hook and load, the pours under way, and a stopped
//! site's duties. [`LiveSim`] runs the embedded simulator and the engine forward in data time, so
//! that a patrol being walked sees the site change under it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use crate::i18n::{self, Bilingual, Lang};
use crate::rules::stoppage::{self, DutyCheck, Finding, StoppedSiteRules};
use crate::rules::{Engine, Event, Level, RuleSet};
use crate::scene::{SensorKind, SiteScene, TowerCrane};
use crate::sim::{EventKind, Scenario, SimError, Simulator};
use crate::telemetry::{CHINA_STANDARD_TIME_S, Reading};

/// A crane's state from its latest readings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CraneNow {
    /// Crane id.
    pub id: String,
    /// The hook's plan position (site frame, m), when slew and trolley have reported.
    pub hook_m: Option<[f64; 2]>,
    /// Hook height above the crane's base, m.
    pub hook_height_m: Option<f64>,
    /// Load on the hook, % of rated.
    pub load_pct: Option<f64>,
}

/// A sensor above normal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenAlarm {
    /// Sensor id.
    pub sensor: String,
    /// The object it is on.
    pub object: String,
    /// What it measures.
    pub kind: SensorKind,
    /// Its level.
    pub level: Level,
    /// The rule in force.
    pub rule: Option<String>,
    /// What the rule found, as the engine worded it.
    pub message: String,
}

/// A stopped site's state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoppageNow {
    /// Why it is stopped, in words.
    pub reason: Bilingual,
    /// Since when.
    pub since: NaiveDate,
    /// The duties, judged from the last day of readings.
    pub duties: Vec<DutyCheck>,
    /// Activity a stopped site should not show.
    pub findings: Vec<Finding>,
}

/// The site at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct LiveSite {
    /// When (data time).
    pub at: Option<DateTime<Utc>>,
    /// The cranes.
    pub cranes: Vec<CraneNow>,
    /// Formwork (zone or full-hall support) ids being poured.
    pub pours: Vec<String>,
    /// Sensors above normal, in scene order.
    pub alarms: Vec<OpenAlarm>,
    /// Sensors gone silent, in scene order.
    pub dark: Vec<String>,
    /// Set while the site is stopped.
    pub stoppage: Option<StoppageNow>,
}

impl LiveSite {
    /// The crane's state, if it is in the list.
    pub fn crane(&self, id: &str) -> Option<&CraneNow> {
        self.cranes.iter().find(|c| c.id == id)
    }
}

/// A crane's state from its latest slew (true bearing, degrees), trolley radius (m), hook height
/// (m) and load (% of rated): the hook's plan position once slew and trolley are known. `north_deg`
/// is the scene's, turning the bearing to the site grid.
pub fn crane_now(
    crane: &TowerCrane,
    north_deg: f64,
    slew_deg: Option<f64>,
    trolley_m: Option<f64>,
    hook_height_m: Option<f64>,
    load_pct: Option<f64>,
) -> CraneNow {
    let hook_m = slew_deg.zip(trolley_m).map(|(s, r)| {
        let p = crate::geom::plan(crane.position_m) + crate::geom::heading_dir(s - north_deg) * r;
        [p.x, p.y]
    });
    CraneNow { id: crane.id.clone(), hook_m, hook_height_m, load_pct }
}

/// The formwork (zone or full-hall support) ids a scenario is pouring `since_h` hours after its
/// start: a `Pour` event's targets, or else the scene's formwork in turn, one per untargeted pour.
pub fn pours_at(scene: &SiteScene, scenario: &Scenario, since_h: f64) -> Vec<String> {
    let mut pours: Vec<String> = Vec::new();
    let mut nth = 0;
    for e in &scenario.events {
        if let EventKind::Pour { duration_h, .. } = e.event {
            let target = e.targets.first().cloned().or_else(|| {
                let formwork = scene.formwork.iter().map(|f| f.id.clone());
                let supports = scene.full_hall_supports.iter().map(|f| f.id.clone());
                formwork.chain(supports).nth(nth)
            });
            if e.targets.is_empty() {
                nth += 1;
            }
            if let Some(id) = target.filter(|_| since_h >= e.at_h && since_h < e.at_h + duration_h) {
                pours.push(id);
            }
        }
    }
    pours
}

/// The simulator and the rules engine run forward together.
pub struct LiveSim<'a> {
    scene: &'a SiteScene,
    scenario: &'a Scenario,
    sim: Simulator,
    engine: Engine,
    /// Latest valid value per sensor id.
    last: BTreeMap<String, (DateTime<Utc>, f64)>,
    /// The engine's latest message per sensor above normal.
    messages: BTreeMap<String, String>,
    /// The last day of the readings the stopped-site checks read (stopped sites only).
    recent: VecDeque<Reading>,
    stopped_at: Option<DateTime<Utc>>,
    buf: Vec<Reading>,
    events: Vec<Event>,
}

impl std::fmt::Debug for LiveSim<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSim").field("clock", &self.sim.clock()).finish()
    }
}

/// The site's time zone (China Standard Time).
pub(crate) const CST: FixedOffset = match FixedOffset::east_opt(CHINA_STANDARD_TIME_S) {
    Some(z) => z,
    None => panic!("China Standard Time is a valid offset"),
};

fn local() -> FixedOffset {
    CST
}

impl<'a> LiveSim<'a> {
    /// The scenario's site at its start, judged by `rules`.
    pub fn new(scene: &'a SiteScene, scenario: &'a Scenario, seed: u64, rules: Arc<RuleSet>) -> Result<Self, SimError> {
        let sim = Simulator::new(scene, scenario, seed)?;
        let stopped_at = scenario.stoppage.as_ref().and_then(|s| {
            local().from_local_datetime(&s.since.and_hms_opt(0, 0, 0)?).single().map(|t| t.with_timezone(&Utc))
        });
        Ok(LiveSim {
            scene,
            scenario,
            sim,
            engine: Engine::new(scene, rules),
            last: BTreeMap::new(),
            messages: BTreeMap::new(),
            recent: VecDeque::new(),
            stopped_at,
            buf: Vec::new(),
            events: Vec::new(),
        })
    }

    /// The rules it judges by.
    pub fn rules(&self) -> &RuleSet {
        self.engine.rules()
    }

    /// The data clock.
    pub fn clock(&self) -> DateTime<Utc> {
        self.sim.clock()
    }

    /// The scenario's start.
    pub fn start(&self) -> DateTime<Utc> {
        self.sim.start()
    }

    /// Runs the site forward to `t` (capped at the scenario's end).
    pub fn advance_to(&mut self, t: DateTime<Utc>) {
        let t = t.min(self.sim.end());
        if t <= self.sim.clock() {
            return;
        }
        self.buf.clear();
        self.sim.advance_to(t, &mut self.buf);
        let kinds: BTreeMap<&str, SensorKind> = self.scene.sensors.iter().map(|s| (s.id.as_str(), s.kind)).collect();
        for r in &self.buf {
            self.events.clear();
            if self.engine.judge(r, r.time, &mut self.events).is_err() {
                continue;
            }
            for e in &self.events {
                match e {
                    Event::AlarmRaised { sensor, message, .. } | Event::AlarmLevelChanged { sensor, message, .. } => {
                        self.messages.insert(sensor.clone(), message.clone());
                    }
                    Event::AlarmCleared { sensor, .. } => {
                        self.messages.remove(sensor);
                    }
                    _ => {}
                }
            }
            if r.value.is_finite() {
                self.last.insert(r.sensor.clone(), (r.time, r.value));
            }
            if self.stopped_at.is_some() && kinds.get(r.sensor.as_str()).is_some_and(|k| stoppage::duty_input(*k)) {
                self.recent.push_back(r.clone());
            }
        }
        self.engine.tick(t);
        let from = t - Duration::days(1);
        while self.recent.front().is_some_and(|r| r.time < from) {
            self.recent.pop_front();
        }
    }

    fn value(&self, object: &str, kind: SensorKind) -> Option<f64> {
        self.scene
            .sensors
            .iter()
            .filter(|s| s.anchor.object == object && s.kind == kind)
            .find_map(|s| self.last.get(&s.id))
            .map(|(_, v)| *v)
    }

    /// The machines now: the cranes' hooks and loads and the pours under way, all the hazard
    /// zones need (cheap enough for every zone refresh of a walk).
    pub fn machines(&self) -> LiveSite {
        let at = self.sim.clock();
        let north = self.scene.site.north_deg;
        let cranes = self
            .scene
            .cranes
            .iter()
            .map(|c| {
                crane_now(
                    c,
                    north,
                    self.value(&c.id, SensorKind::SlewAngle),
                    self.value(&c.id, SensorKind::TrolleyRadius),
                    self.value(&c.id, SensorKind::HookHeight),
                    self.value(&c.id, SensorKind::CraneLoad),
                )
            })
            .collect();
        let since_h = (at - self.sim.start()).num_milliseconds() as f64 / 3.6e6;
        let pours = pours_at(self.scene, self.scenario, since_h);
        LiveSite { at: Some(at), cranes, pours, ..LiveSite::default() }
    }

    /// The site now: the machines, the open alarms, the silent sensors and a stopped site's
    /// duties and findings.
    pub fn now(&self) -> LiveSite {
        let LiveSite { at, cranes, pours, .. } = self.machines();
        let at = at.unwrap_or_else(|| self.sim.clock());
        let mut alarms = Vec::new();
        let mut dark = Vec::new();
        for s in &self.scene.sensors {
            let Some(st) = self.engine.status(&s.id) else { continue };
            if st.level != Level::Normal {
                alarms.push(OpenAlarm {
                    sensor: s.id.clone(),
                    object: s.anchor.object.clone(),
                    kind: s.kind,
                    level: st.level,
                    rule: st.rule.clone(),
                    message: self.messages.get(&s.id).cloned().unwrap_or_default(),
                });
            }
            if st.stale {
                dark.push(s.id.clone());
            }
        }
        let stoppage = self.scenario.stoppage.as_ref().filter(|_| self.stopped_at.is_some_and(|s| s <= at)).map(|st| {
            let readings: Vec<Reading> = self.recent.iter().cloned().collect();
            let rules = StoppedSiteRules::default();
            let k = self.engine.rules().general.stale_after_intervals;
            StoppageNow {
                reason: Bilingual::new(
                    i18n::stop_reason_text(Lang::Zh, &st.reason),
                    i18n::stop_reason_text(Lang::En, &st.reason),
                ),
                since: st.since,
                duties: stoppage::check_duties(self.scene, &readings, &rules, k, at),
                findings: stoppage::detect_activity(self.scene, &readings, &rules, k, local(), at),
            }
        });
        LiveSite { at: Some(at), cranes, pours, alarms, dark, stoppage }
    }
}
