//! The smart-supervision modules beyond the machines: people at the gates (real-name counts),
//! work-at-height edge protection switches, and the dust sprays that follow the dust rule's
//! trigger. The numbers are sitetwin's [default] choices (docs/simulator.md).

use super::Simulator;
use super::num::{key, unit_at};
use super::probes::{Change, Probe};
use crate::rules::{DustRules, GeneralRules, Level, Threshold, level_with_hysteresis};
use crate::scene::SensorKind;

/// The day's crew comes in 06:30–08:00 and leaves 17:00–18:30, local time.
const ARRIVE_H: (f64, f64) = (6.5, 8.0);
const LEAVE_H: (f64, f64) = (17.0, 18.5);
/// Guards and the duty electrician: on site day and night, stopped or not.
pub(super) const DUTY_CREW: f64 = 3.0;
/// A working day's crew: this many, plus up to `CREW_SPREAD` more.
const CREW_BASE: f64 = 70.0;
const CREW_SPREAD: f64 = 30.0;
/// An event crew's arrival and departure each take this long, s.
const CROWD_RAMP_S: f64 = 900.0;

/// People who come in over `arrive` and leave over `leave` (Unix seconds).
#[derive(Debug, Clone, Copy)]
pub(super) struct Crowd {
    pub arrive: (i64, i64),
    pub leave: (i64, i64),
    pub people: f64,
}

impl Crowd {
    /// The crew of an event from `from` staying `len_s`.
    pub fn event(from: i64, len_s: f64, people: f64) -> Crowd {
        let ramp = CROWD_RAMP_S.min(len_s / 2.0).round() as i64;
        let to = from + len_s.round() as i64;
        Crowd { arrive: (from, from + ramp), leave: (to - ramp, to), people }
    }

    /// How many of `share` of them have come in (or left) by `t`, whole people.
    fn arrived(&self, t: i64, share: f64) -> f64 {
        (share * self.people * ramp(t, self.arrive)).round()
    }

    fn left(&self, t: i64, share: f64) -> f64 {
        (share * self.people * ramp(t, self.leave)).round()
    }
}

/// 0 before `w.0`, 1 after `w.1`, linear between.
fn ramp(t: i64, w: (i64, i64)) -> f64 {
    if t <= w.0 {
        0.0
    } else if t >= w.1 {
        1.0
    } else {
        (t - w.0) as f64 / (w.1 - w.0) as f64
    }
}

/// A dust monitor's spray requests, judged as the rule engine judges them: the real-time PM10
/// level with the engine's hysteresis, and the time the running spray ends.
#[derive(Debug, Clone, Copy)]
pub(super) struct SprayRequests {
    pub level: Level,
    pub until: i64,
}

impl Simulator {
    /// The crowds of local day `day` (counted from the epoch) and of the events.
    fn crowds(&self, days: std::ops::RangeInclusive<i64>) -> Vec<Crowd> {
        let z = self.world.zone_s;
        let at = |day: i64, h: f64| day * 86_400 - z + (h * 3600.0).round() as i64;
        let mut out: Vec<Crowd> = days
            .filter(|&d| !self.world.stopped(at(d, ARRIVE_H.0)))
            .map(|d| Crowd {
                arrive: (at(d, ARRIVE_H.0), at(d, ARRIVE_H.1)),
                leave: (at(d, LEAVE_H.0), at(d, LEAVE_H.1)),
                people: CREW_BASE + (CREW_SPREAD * unit_at(self.crew_key, d)).round(),
            })
            .collect();
        out.extend(self.crowds.iter().copied());
        out
    }

    /// A personnel count at `t`: people in or out at the probe's gate over its last interval, or
    /// people on the site now.
    pub(super) fn personnel_value(&self, p: &Probe, t: i64) -> f64 {
        let day = |s: i64| (s + self.world.zone_s).div_euclid(86_400);
        let since = t - p.every_s;
        match p.kind {
            SensorKind::PersonnelOnSite => {
                let on: f64 = self.crowds(day(t) - 1..=day(t)).iter().map(|c| c.arrived(t, 1.0) - c.left(t, 1.0)).sum();
                DUTY_CREW + on
            }
            kind => self
                .crowds(day(since)..=day(t))
                .iter()
                .map(|c| match kind {
                    SensorKind::PersonnelIn => c.arrived(t, p.share) - c.arrived(since, p.share),
                    _ => c.left(t, p.share) - c.left(since, p.share),
                })
                .sum(),
        }
    }

    /// An edge protection switch: 1 in place, 0 while an `EdgeRemoved` event lasts.
    pub(super) fn edge_value(&self, p: &Probe, t: i64) -> f64 {
        if p.during(t, |c| matches!(c, Change::EdgeRemoved)) { 0.0 } else { 1.0 }
    }

    /// A spray: 1 while a spray request of its dust monitors runs, unless a `SprayFault` holds it off.
    pub(super) fn spray_value(&self, p: &Probe, t: i64) -> f64 {
        let requested = p.dust_from.iter().any(|k| self.requests.get(k).is_some_and(|r| r.until > t));
        if requested && !p.during(t, |c| matches!(c, Change::SprayFault)) { 1.0 } else { 0.0 }
    }

    /// The spray requests at second `t`: each followed PM10 monitor reading now is judged as the
    /// engine judges it (trigger and hysteresis of the default rules), and a reading at the trigger
    /// when no spray runs starts one.
    pub(super) fn step_sprays(&mut self, t: i64) {
        let (d, g) = (DustRules::default(), GeneralRules::default());
        let trigger = [Threshold::at_least(Level::Warning, d.spray_trigger_pm10)];
        let keys: Vec<usize> = self.requests.keys().copied().collect();
        for k in keys {
            let p = &self.probes[k];
            if t.rem_euclid(p.every_s) != 0 || p.dark.iter().any(|w| (w.0..w.1).contains(&t)) {
                continue;
            }
            let ug = self.value(p, t) * if p.unit_is("mg/m3") { 1000.0 } else { 1.0 };
            let Some(r) = self.requests.get_mut(&k) else { continue };
            r.level = level_with_hysteresis(ug, &trigger, r.level, g.hysteresis_fraction);
            if r.level == Level::Warning && r.until <= t {
                r.until = t + (d.spray_minutes * 60.0).round() as i64;
            }
        }
    }
}

/// The key of the site's daily crew size.
pub(super) fn crew_key(seed: u64) -> u64 {
    key(seed, "crew")
}
