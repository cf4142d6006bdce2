//! What each sensor reads: its kind's normal signal, moved by the events that concern it, held
//! to its range and rounded for its kind. Machine quantities come from the crane and hoist
//! state; the rest are functions of time and the sensor's key. The numbers are sitetwin's
//! [default] choices (docs/simulator.md).

use super::Simulator;
use super::machines::Window;
use super::num::{cos_sin_deg, key, noise, rise, round_to, trapezoid, unit_at, wrap_deg};
use super::signals::height_factor;
use crate::scene::{BoxLevel, Sensor, SensorGroup, SensorKind, SiteScene};

/// What an event changes on one sensor, from `from` (Unix seconds) for `len_s`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Effect {
    pub from: i64,
    pub len_s: f64,
    pub change: Change,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Change {
    Lean { peak_deg: f64 },
    DoorOpen,
    LimitTripped,
    Creep { to_mm: f64 },
    Drawdown { drop_mm: f64 },
    Strut { peak_pct: f64 },
    Pour { exceed: bool },
    Dust { peak_ug_m3: f64 },
    Noise { leq_db: f64, peak_db: Option<f64> },
    Leak { peak_ma: f64 },
    Heat { peak_c: f64 },
    SlowTrip { trip_s: f64 },
    EdgeRemoved,
    SprayFault,
}

/// What a sensor is mounted on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Mount {
    Crane(usize),
    Hoist(usize),
    Box(usize),
    Other,
}

/// One simulated sensor.
#[derive(Debug, Clone)]
pub(super) struct Probe {
    pub id: String,
    pub kind: SensorKind,
    unit: String,
    /// Reports every this many seconds.
    pub every_s: i64,
    range: Option<[f64; 2]>,
    key: u64,
    /// The key of the object it is anchored to (the sensors of one monitor share its dust).
    object_key: u64,
    /// Height above the site datum, m (anemometers).
    pub height_m: f64,
    pub mount: Mount,
    /// A strut's design force, kN, for strut sensors reading kN.
    design_kn: Option<f64>,
    pub effects: Vec<Effect>,
    /// When it sends nothing.
    pub dark: Vec<Window>,
    /// Gate counts: this gate's share of the people coming and going.
    pub share: f64,
    /// Sprays: the probes of the PM10 monitors whose spray requests it follows.
    pub dust_from: Vec<usize>,
}

/// What a switch box feeds.
#[derive(Debug, Clone, Copy)]
pub(super) enum Load {
    Crane(usize),
    Hoist(usize),
    Machine,
}

/// A distribution box: what it feeds and how its RCD trips.
#[derive(Debug, Clone)]
pub(super) struct PowerBox {
    pub level: BoxLevel,
    /// Declared RCD break time, s.
    pub trip_s: f64,
    pub key: u64,
    pub load: Load,
    /// The boxes it feeds.
    pub feeds: Vec<usize>,
}

impl Probe {
    pub fn new(s: &Sensor, scene: &SiteScene, seed: u64) -> Probe {
        let object = s.anchor.object.as_str();
        let mount = if let Some(c) = scene.cranes.iter().position(|c| c.id == object) {
            Mount::Crane(c)
        } else if let Some(h) = scene.hoists.iter().position(|h| h.id == object) {
            Mount::Hoist(h)
        } else if let Some(b) = scene.distribution_boxes.iter().position(|b| b.id == object) {
            Mount::Box(b)
        } else {
            Mount::Other
        };
        let design_kn = s.anchor.node.as_deref().and_then(|n| n.strip_prefix("strut_")).and_then(|strut| {
            scene.pits.iter().find(|p| p.id == object)?.struts.iter().find(|x| x.id == strut).map(|x| x.design_force_kn)
        });
        Probe {
            id: s.id.clone(),
            kind: s.kind,
            unit: s.unit.clone(),
            every_s: s.interval_s.filter(|iv| iv.is_finite()).map_or(60, |iv| (iv.round() as i64).max(1)),
            range: s.range.filter(|[lo, hi]| lo <= hi),
            key: key(seed, &s.id),
            object_key: key(seed, object),
            height_m: s.position_m.y,
            mount,
            design_kn,
            effects: Vec::new(),
            dark: Vec::new(),
            share: 1.0,
            dust_from: Vec::new(),
        }
    }

    /// An event whose change `is` is running at `t`.
    pub fn during(&self, t: i64, is: impl Fn(Change) -> bool) -> bool {
        self.effects(t).any(|(e, since)| (0.0..e.len_s).contains(&since) && is(e.change))
    }

    /// Its unit is `unit`.
    pub fn unit_is(&self, unit: &str) -> bool {
        self.unit == unit
    }

    fn noise(&self, t: i64, period_s: i64) -> f64 {
        noise(self.key, t, period_s)
    }

    /// A fixed draw of this sensor in [0, 1): its offset, its rate, its scale.
    fn draw(&self, k: i64) -> f64 {
        unit_at(self.key, k)
    }

    /// The events on it with the seconds since each began.
    fn effects(&self, t: i64) -> impl Iterator<Item = (&Effect, f64)> {
        self.effects.iter().map(move |e| (e, (t - e.from) as f64))
    }

    /// `normal` moved towards each event's target (what `target` reads from its change) by the
    /// event's trapezoid.
    fn lerp(&self, t: i64, normal: f64, target: impl Fn(Change) -> Option<f64>) -> f64 {
        self.effects(t).fold(normal, |v, (e, since)| match target(e.change) {
            Some(to) => v + (to - v) * trapezoid(since, e.len_s),
            None => v,
        })
    }

    /// Decimal places of its readings: 0.1 %, 0.1 m/s, 0.01 m, 0.1 mm, 1 µg/m³, 0.1 dB...
    fn decimals(&self) -> usize {
        use SensorKind::*;
        match (self.kind, self.unit.as_str()) {
            (Pm25 | Pm10 | Tsp, "mg/m3") | (GroundwaterLevel, "m") | (RcdTripTime, _) => 3,
            (TrolleyRadius | HookHeight | CraneClearance | HoistHeight | CraneTilt | FormworkTilt, _) => 2,
            (WindDirection | HoistDoor | HoistLimit | Pm25 | Pm10 | Tsp, _) => 0,
            (PersonnelIn | PersonnelOut | PersonnelOnSite | EdgeProtection | SprayState, _) => 0,
            _ => 1,
        }
    }
}

impl Simulator {
    /// The reading of probe `p` at `t`, held to its range and rounded for its kind.
    pub(super) fn value(&self, p: &Probe, t: i64) -> f64 {
        let v = match p.kind.group() {
            SensorGroup::Crane => self.crane_value(p, t),
            SensorGroup::Hoist => self.hoist_value(p, t),
            SensorGroup::Pit => self.pit_value(p, t),
            SensorGroup::Formwork => formwork_value(p, t),
            SensorGroup::Environment => self.environment_value(p, t),
            SensorGroup::Electricity => self.power_value(p, t),
            SensorGroup::Personnel => self.personnel_value(p, t),
            SensorGroup::HeightWork => self.edge_value(p, t),
        };
        let v = match p.range {
            Some([lo, hi]) => v.clamp(lo, hi),
            None => v,
        };
        let v = round_to(v, p.decimals());
        // Angles read 0 rather than 360.
        if matches!(p.kind, SensorKind::SlewAngle | SensorKind::WindDirection) { wrap_deg(v) } else { v }
    }

    fn crane_value(&self, p: &Probe, t: i64) -> f64 {
        use SensorKind::*;
        let Mount::Crane(me) = p.mount else { return 0.0 };
        let c = &self.cranes[me];
        let jitter = if c.load_t > 0.0 { 0.2 } else { 0.05 };
        match p.kind {
            CraneLoad => (c.load_pct() + jitter * p.noise(t, 10)).max(0.0),
            CraneMoment => (c.moment_pct() + jitter * p.noise(t, 10)).max(0.0),
            SlewAngle => c.slew_deg + 0.05 * p.noise(t, 10),
            TrolleyRadius => c.radius_m + 0.01 * p.noise(t, 10),
            HookHeight => c.hook_m + 0.02 * p.noise(t, 10),
            CraneClearance => {
                let m = c.clearance_m(me, &self.jibs, c.slew_deg);
                if m.is_finite() { m + 0.02 * p.noise(t, 10) } else { p.range.map_or(200.0, |r| r[1]) }
            }
            _ => {
                // A fixed lean, a little more under load, the sun warming one side of the mast.
                let sun = 0.02 * cos_sin_deg((self.world.local_h(t) - 15.0) * 15.0).0;
                let normal = 0.1 * (p.draw(1) - 0.5) + 0.04 * c.moment_pct() / 100.0 + sun + 0.01 * p.noise(t, 60);
                p.lerp(t, normal, |c| match c {
                    Change::Lean { peak_deg } => Some(peak_deg),
                    _ => None,
                })
            }
        }
    }

    fn hoist_value(&self, p: &Probe, t: i64) -> f64 {
        use SensorKind::*;
        let Mount::Hoist(h) = p.mount else { return 0.0 };
        match p.kind {
            HoistLoad => {
                let pct = self.hoists[h].load_pct;
                return if pct > 0.0 { pct + 0.3 * p.noise(t, 10) } else { 0.0 };
            }
            // A cage at rest reads one height: an encoder on the drive, no jitter.
            HoistHeight => return self.hoists[h].height_m,
            _ => {}
        }
        let event = p.effects(t).any(|(e, since)| {
            (0.0..e.len_s).contains(&since)
                && matches!((p.kind, e.change), (HoistDoor, Change::DoorOpen) | (HoistLimit, Change::LimitTripped))
        });
        // The door interlock reads 1 when locked, a limit switch 1 when tripped.
        match (p.kind, event) {
            (HoistDoor, false) | (HoistLimit, true) => 1.0,
            _ => 0.0,
        }
    }

    fn pit_value(&self, p: &Probe, t: i64) -> f64 {
        use SensorKind::*;
        let days = |s: i64| (s - self.start_s) as f64 / 86_400.0;
        match p.kind {
            StrutForce => {
                // Concrete struts carry more in the afternoon warmth.
                let base = 30.0 + 12.0 * p.draw(1);
                let thermal = 4.0 * cos_sin_deg((self.world.local_h(t) - 15.0) * 15.0).0;
                let rises: f64 = p
                    .effects(t)
                    .filter_map(|(e, since)| match e.change {
                        Change::Strut { peak_pct } => Some((peak_pct - base) * rise(since, e.len_s)),
                        _ => None,
                    })
                    .sum();
                let pct = base + thermal + rises + 0.5 * p.noise(t, 3600);
                match (p.unit.as_str(), p.design_kn) {
                    ("kN", Some(design)) => pct / 100.0 * design,
                    ("kN", None) => pct * 10.0,
                    _ => pct,
                }
            }
            GroundwaterLevel => {
                let drop: f64 = p
                    .effects(t)
                    .filter_map(|(e, since)| match e.change {
                        Change::Drawdown { drop_mm } => Some(drop_mm * (since / e.len_s).max(0.0)),
                        _ => None,
                    })
                    .sum();
                let mm = -40.0 + 50.0 * p.draw(1) + 15.0 * p.noise(t, 12 * 3600) + 3.0 * p.noise(t, 3600) - drop;
                if p.unit == "m" { mm / 1000.0 } else { mm }
            }
            _ => {
                let (lo, hi) = match p.kind {
                    PitHorizontalDisplacement => (4.0, 9.0),
                    PitVerticalDisplacement => (3.0, 8.0),
                    _ => (6.0, 14.0),
                };
                // Settlement reads negative; walls move towards the pit, positive.
                let sign = if p.kind == PitVerticalDisplacement { -1.0 } else { 1.0 };
                let base = lo + (hi - lo) * p.draw(1);
                let rate_mm_d = 0.05 + 0.15 * p.draw(2);
                let size_at = |s: i64| base + rate_mm_d * days(s);
                // A creep's rate climbs steadily to reach `to_mm` at its end, then holds.
                let creep: f64 = p
                    .effects(t)
                    .filter_map(|(e, since)| match e.change {
                        Change::Creep { to_mm } if since > 0.0 => {
                            let gain = (to_mm - size_at(e.from)).max(0.0);
                            let f = since / e.len_s;
                            Some(if f <= 1.0 { gain * f * f } else { gain * (2.0 * f - 1.0) })
                        }
                        _ => None,
                    })
                    .sum();
                sign * (size_at(t) + creep) + 0.3 * p.noise(t, 3600)
            }
        }
    }

    fn environment_value(&self, p: &Probe, t: i64) -> f64 {
        use SensorKind::*;
        let w = &self.world;
        match p.kind {
            WindSpeed => w.u10(t) * height_factor(p.height_m) * (1.0 + 0.15 * p.noise(t, 20)),
            WindDirection => wrap_deg(w.wind_from_deg(t) + 3.0 * p.noise(t, 60)),
            SprayState => self.spray_value(p, t),
            Noise => {
                // The one reading nearest the middle of an event is its peak.
                let half = p.every_s as f64 / 2.0;
                let peak = p.effects(t).find_map(|(e, since)| match e.change {
                    Change::Noise { peak_db: Some(db), .. } if (-half..half).contains(&(since - e.len_s / 2.0)) => {
                        Some(db)
                    }
                    _ => None,
                });
                peak.unwrap_or_else(|| {
                    p.lerp(t, w.noise_db(p.key, t), |c| match c {
                        Change::Noise { leq_db, .. } => Some(leq_db + 1.5 * p.noise(t, 60)),
                        _ => None,
                    })
                })
            }
            _ => {
                let pm10 = p.lerp(t, w.pm10_ug_m3(p.object_key, t), |c| match c {
                    Change::Dust { peak_ug_m3 } => Some(peak_ug_m3),
                    _ => None,
                });
                let ratio = match p.kind {
                    Pm10 => 1.0 + 0.03 * p.noise(t, 300),
                    Pm25 => 0.55 + 0.05 * p.noise(t, 7200),
                    _ => 1.5 + 0.08 * p.noise(t, 7200),
                };
                pm10 * ratio / if p.unit == "mg/m3" { 1000.0 } else { 1.0 }
            }
        }
    }

    fn power_value(&self, p: &Probe, t: i64) -> f64 {
        use SensorKind::*;
        let Mount::Box(b) = p.mount else { return 0.0 };
        let (w, bx) = (&self.world, &self.boxes[b]);
        let busy = if w.working(t) { 1.0 } else { 0.0 };
        match p.kind {
            LeakageCurrent => {
                let (base, work) = match bx.level {
                    BoxLevel::Main => (8.0, 4.0),
                    BoxLevel::Sub => (4.0, 2.0),
                    BoxLevel::Switch => (1.5, 0.5),
                };
                let normal = base * (0.8 + 0.4 * p.draw(1)) * (1.0 + 0.15 * p.noise(t, 1800))
                    + work * busy
                    + 0.3 * p.noise(t, 60);
                p.lerp(t, normal, |c| match c {
                    Change::Leak { peak_ma } => Some(peak_ma),
                    _ => None,
                })
            }
            CabinetTemperature => {
                let (idle, work) = match bx.level {
                    BoxLevel::Main => (3.0, 4.0),
                    BoxLevel::Sub => (2.0, 3.0),
                    BoxLevel::Switch => (1.0, 3.0),
                };
                let normal = w.ambient_c(t) + idle + work * busy + 0.2 * p.noise(t, 60);
                p.lerp(t, normal, |c| match c {
                    Change::Heat { peak_c } => Some(peak_c),
                    _ => None,
                })
            }
            RcdTripTime => {
                // The RCD is tested every day at 08:00; a reading gives the last test's time.
                let test_at = |day: i64| day * 86_400 - w.zone_s + 8 * 3600;
                let day = (t + w.zone_s - 8 * 3600).div_euclid(86_400);
                let slow = p.effects(t).find_map(|(e, _)| match e.change {
                    Change::SlowTrip { trip_s } if test_at(day) >= e.from && test_at(day - 1) < e.from => Some(trip_s),
                    _ => None,
                });
                slow.unwrap_or(bx.trip_s * (0.35 + 0.25 * unit_at(p.key, day)))
            }
            _ => self.box_amps(b, t, 0) * (1.0 + 0.02 * p.noise(t, 60)),
        }
    }

    /// The current through box `b`, A: what its machine draws, or the sum of the boxes it feeds
    /// plus lighting and offices. A stopped site's sub and switch boxes are off.
    fn box_amps(&self, b: usize, t: i64, depth: usize) -> f64 {
        let (w, bx) = (&self.world, &self.boxes[b]);
        if w.stopped(t) && bx.level != BoxLevel::Main {
            return 0.0;
        }
        let own = match (bx.level, bx.load) {
            (BoxLevel::Switch, Load::Crane(c)) => self.cranes[c].amps,
            (BoxLevel::Switch, Load::Hoist(h)) => self.hoists[h].amps,
            // Another machine (a wheel wash, a pump) runs on and off while the site works.
            (BoxLevel::Switch, Load::Machine) if w.working(t) && noise(bx.key, t, 600) > 0.0 => {
                6.0 + 2.0 * noise(bx.key, t, 60)
            }
            (BoxLevel::Switch, Load::Machine) => 0.3,
            (BoxLevel::Sub, _) if w.working(t) => 3.0,
            (BoxLevel::Sub, _) => 1.0,
            (BoxLevel::Main, _) => 8.0,
        };
        // A tree three levels deep; the bound only guards a scene whose boxes feed each other.
        let fed: f64 = if depth < 4 { bx.feeds.iter().map(|&k| self.box_amps(k, t, depth + 1)).sum() } else { 0.0 };
        own + fed
    }
}

/// High formwork: flat until a pour, then settlement, displacement, tilt and post force rise
/// with the concrete placed and stay.
fn formwork_value(p: &Probe, t: i64) -> f64 {
    use SensorKind::*;
    // At rest, after a normal pour, after a pour past the default alarms; reading jitter.
    let (rest, poured, exceeded, jitter) = match p.kind {
        FormworkSettlement => (0.0, 3.5, 12.5, 0.1),
        FormworkHorizontalDisplacement => (0.0, 2.5, 12.0, 0.1),
        FormworkTilt => (0.06 * (p.draw(1) - 0.5), 0.15, 0.6, 0.01),
        _ => (4.0 + 2.0 * p.draw(1), 11.0, 30.0, 0.2),
    };
    let scale = 0.9 + 0.2 * p.draw(2);
    let pours: f64 = p
        .effects(t)
        .filter_map(|(e, since)| match e.change {
            Change::Pour { exceed } => Some(if exceed { exceeded } else { poured } * scale * rise(since, e.len_s)),
            _ => None,
        })
        .sum();
    rest + pours + jitter * p.noise(t, 60)
}
