//! The rule engine: judges each reading of a scene's sensors in time order, keeping per-sensor
//! state (levels with hysteresis, pit displacement history for rates, hourly dust means, the time
//! of the last reading for staleness).

use std::collections::{BTreeMap, HashMap, VecDeque};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Timelike, Utc};

use super::levels::{Direction, level_with_hysteresis};
use super::{Event, Judgement, Level, Quality, RuleSet};
use crate::scene::{BoxLevel, SensorKind, SiteScene};
use crate::telemetry::{FlagValidity, Reading};

/// Why a reading could not be judged at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// The sensor is not in the scene.
    #[error("unknown sensor `{0}` (not in the scene)")]
    UnknownSensor(String),
}

#[derive(Debug, Clone)]
struct SensorInfo {
    kind: SensorKind,
    unit: String,
    range: Option<[f64; 2]>,
    interval_s: Option<f64>,
    strut_design_kn: Option<f64>,
    damp: bool,
}

#[derive(Debug, Clone, Default)]
struct SensorState {
    last_time: Option<DateTime<Utc>>,
    level: Level,
    rule: Option<String>,
    history: VecDeque<(DateTime<Utc>, f64)>,
    day_close: BTreeMap<NaiveDate, f64>,
    hour: Option<(DateTime<Utc>, f64, usize)>,
    spraying_until: Option<DateTime<Utc>>,
}

/// Judges readings against a rule set for one scene.
pub struct Engine<'a> {
    rules: &'a RuleSet,
    sensors: HashMap<String, SensorInfo>,
    state: HashMap<String, SensorState>,
    now: DateTime<Utc>,
    zone: FixedOffset,
}

/// Result of one evaluation: level, rule id and message.
type Verdict = (Level, Option<String>, String);

impl<'a> Engine<'a> {
    /// An engine for `scene`; `now` is the wall clock that future timestamps are checked against.
    pub fn new(scene: &SiteScene, rules: &'a RuleSet, now: DateTime<Utc>) -> Self {
        let mut sensors = HashMap::new();
        for s in &scene.sensors {
            let strut_design_kn = s.anchor.node.as_deref().and_then(|n| n.strip_prefix("strut_")).and_then(|id| {
                scene
                    .pits
                    .iter()
                    .find(|p| p.id == s.anchor.object)?
                    .struts
                    .iter()
                    .find(|x| x.id == id)
                    .map(|x| x.design_force_kn)
            });
            let damp = scene
                .distribution_boxes
                .iter()
                .find(|b| b.id == s.anchor.object)
                .is_some_and(|b| b.damp && b.level == BoxLevel::Switch);
            sensors.insert(
                s.id.clone(),
                SensorInfo {
                    kind: s.kind,
                    unit: s.unit.clone(),
                    range: s.range,
                    interval_s: s.interval_s,
                    strut_design_kn,
                    damp,
                },
            );
        }
        let zone = FixedOffset::east_opt(rules.general.local_offset_s).unwrap_or_else(|| Utc.fix());
        Engine { rules, sensors, state: HashMap::new(), now, zone }
    }

    /// Sensors of the scene that have sent no reading at all.
    pub fn never_reported<'s>(&self, scene: &'s SiteScene) -> Vec<&'s str> {
        scene
            .sensors
            .iter()
            .filter(|s| self.state.get(&s.id).is_none_or(|st| st.last_time.is_none()))
            .map(|s| s.id.as_str())
            .collect()
    }

    /// The current level of a sensor (Normal before its first reading).
    pub fn level_of(&self, sensor: &str) -> Level {
        self.state.get(sensor).map(|s| s.level).unwrap_or_default()
    }

    /// Judges one reading; readings must come in time order per sensor (later ones that go back
    /// in time are judged invalid, not reordered).
    pub fn judge(&mut self, r: &Reading) -> Result<(Judgement, Vec<Event>), EngineError> {
        let info = self.sensors.get(&r.sensor).cloned().ok_or_else(|| EngineError::UnknownSensor(r.sensor.clone()))?;
        let g = &self.rules.general;
        let mut events = Vec::new();
        let st = self.state.entry(r.sensor.clone()).or_default();
        let mut quality = Quality::Valid;
        let future = r.time > self.now + Duration::milliseconds((g.future_tolerance_s * 1000.0) as i64);
        if future {
            quality = Quality::Invalid(format!("timestamp {} is in the future", r.time.to_rfc3339()));
        } else if let Some(last) = st.last_time.filter(|l| r.time <= *l) {
            quality = Quality::Invalid(format!(
                "timestamp {} is {} the previous reading ({})",
                r.time.to_rfc3339(),
                if r.time == last { "the same as" } else { "before" },
                last.to_rfc3339()
            ));
        } else {
            // The sensor spoke: notice a silence before this reading.
            if let (Some(last), Some(iv)) = (st.last_time, info.interval_s) {
                let gap = (r.time - last).num_milliseconds() as f64 / 1000.0;
                if gap > iv * g.stale_after_intervals {
                    events.push(Event::Stale {
                        sensor: r.sensor.clone(),
                        last: Some(last),
                        noticed: r.time,
                        silent_s: gap,
                    });
                }
            }
            st.last_time = Some(r.time);
            if let Some(f) = r.flag {
                match f.validity() {
                    FlagValidity::Invalid => {
                        quality = Quality::Invalid(format!("HJ 212 flag {f:?}: {}", f.meaning()));
                    }
                    FlagValidity::Suspect => quality = Quality::Suspect(format!("HJ 212 flag {f:?}: {}", f.meaning())),
                    FlagValidity::Valid => {}
                }
            }
            if quality == Quality::Valid || matches!(quality, Quality::Suspect(_)) {
                if !r.value.is_finite() {
                    quality = Quality::Invalid(format!("value is {}", r.value));
                } else if let Some([lo, hi]) = info.range
                    && (r.value < lo || r.value > hi)
                {
                    quality =
                        Quality::Invalid(format!("{} is outside the sensor's range {lo}…{hi} {}", r.value, info.unit));
                }
            }
        }
        if let Quality::Invalid(why) = &quality {
            let st = self.state.get(&r.sensor).cloned().unwrap_or_default();
            let j = Judgement {
                sensor: r.sensor.clone(),
                time: r.time,
                value: r.value,
                unit: info.unit.clone(),
                level: st.level,
                quality: quality.clone(),
                rule: None,
                message: format!("not judged: {why}; level stays {}", st.level.name()),
            };
            return Ok((j, events));
        }
        let (level, rule, message) = self.evaluate(&r.sensor, &info, r.time, r.value, &mut events);
        let st = self.state.entry(r.sensor.clone()).or_default();
        let prev = st.level;
        if level != prev || rule != st.rule {
            match (prev, level, &rule) {
                (Level::Normal, l, Some(rule)) if l > Level::Normal => events.push(Event::Raised {
                    sensor: r.sensor.clone(),
                    rule: rule.clone(),
                    level: l,
                    time: r.time,
                    message: message.clone(),
                }),
                (p, Level::Normal, _) if p > Level::Normal => events.push(Event::Cleared {
                    sensor: r.sensor.clone(),
                    rule: st.rule.clone().unwrap_or_default(),
                    time: r.time,
                }),
                (p, l, Some(rule)) if p != l => events.push(Event::LevelChanged {
                    sensor: r.sensor.clone(),
                    rule: rule.clone(),
                    from: p,
                    to: l,
                    time: r.time,
                }),
                _ => {}
            }
        }
        st.level = level;
        st.rule = if level > Level::Normal { rule.clone() } else { None };
        Ok((
            Judgement {
                sensor: r.sensor.clone(),
                time: r.time,
                value: r.value,
                unit: info.unit.clone(),
                level,
                quality,
                rule,
                message,
            },
            events,
        ))
    }

    /// Ends a batch at time `at`: closes complete dust hours and reports sensors that reported
    /// and then stayed silent for longer than their stale threshold. Sensors that never reported
    /// are listed by [`Engine::never_reported`].
    pub fn finish(&mut self, at: DateTime<Utc>, scene: &SiteScene) -> Vec<Event> {
        let mut events = Vec::new();
        let k = self.rules.general.stale_after_intervals;
        for s in &scene.sensors {
            let Some(iv) = s.interval_s else { continue };
            let Some(last) = self.state.get(&s.id).and_then(|st| st.last_time) else { continue };
            let silent_s = (at - last).num_milliseconds() as f64 / 1000.0;
            if silent_s > iv * k {
                events.push(Event::Stale { sensor: s.id.clone(), last: Some(last), noticed: at, silent_s });
            }
        }
        let hour_now = self.hour_start(at);
        let ids: Vec<String> = self.state.keys().cloned().collect();
        for id in ids {
            let Some(info) = self.sensors.get(&id).cloned() else { continue };
            if let Some(st) = self.state.get_mut(&id)
                && let Some((h, sum, n)) = st.hour
                && h < hour_now
                && n > 0
            {
                st.hour = None;
                if let Some(e) = self.hourly_event(&id, &info, h, sum / n as f64, n) {
                    events.push(e);
                }
            }
        }
        events
    }

    fn hour_start(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let local = t.with_timezone(&self.zone);
        let trunc =
            local.with_minute(0).and_then(|x| x.with_second(0)).and_then(|x| x.with_nanosecond(0)).unwrap_or(local);
        trunc.with_timezone(&Utc)
    }

    fn hourly_event(&self, id: &str, info: &SensorInfo, hour: DateTime<Utc>, mean: f64, n: usize) -> Option<Event> {
        let d = &self.rules.dust;
        let (limit, rule) = match info.kind {
            SensorKind::Pm10 => (Some(d.pm10_hourly_limit), "dust.pm10-hourly.alarm"),
            SensorKind::Tsp => (d.tsp_hourly_limit, "dust.tsp-hourly.alarm"),
            _ => return None,
        };
        let limit = limit?;
        // An hourly value needs enough of the hour behind it (HJ 663-style validity).
        let covered = info.interval_s.is_none_or(|iv| n as f64 * iv >= 3600.0 * d.min_hour_coverage);
        let level = if covered && mean > limit { Level::Alarm } else { Level::Normal };
        Some(Event::HourlyMean {
            sensor: id.to_string(),
            hour,
            mean,
            readings: n,
            complete: covered,
            level,
            rule: rule.into(),
        })
    }

    fn evaluate(
        &mut self,
        id: &str,
        info: &SensorInfo,
        t: DateTime<Utc>,
        raw: f64,
        events: &mut Vec<Event>,
    ) -> Verdict {
        let rules = self.rules;
        let band = rules.general.hysteresis_fraction;
        let current = self.state.get(id).map(|s| s.level).unwrap_or_default();
        let c = &rules.crane;
        let high = |v: f64, th: &[(Level, f64)], group: &str, what: &str, unit: &str| -> Verdict {
            let level = level_with_hysteresis(v, th, current, band, Direction::HighIsWorse);
            verdict(level, group, th, v, what, unit, ">=")
        };
        use SensorKind::*;
        match info.kind {
            CraneLoad => high(
                raw,
                &[
                    (Level::Warning, c.load_warning_pct),
                    (Level::Alarm, c.load_alarm_pct),
                    (Level::Control, c.load_control_pct),
                ],
                "crane.load",
                "load",
                "% of rated",
            ),
            CraneMoment => high(
                raw,
                &[
                    (Level::Warning, c.moment_warning_pct),
                    (Level::Alarm, c.moment_alarm_pct),
                    (Level::Control, c.moment_control_pct),
                ],
                "crane.moment",
                "load moment",
                "% of rated",
            ),
            WindSpeed => high(
                raw,
                &[(Level::Warning, c.wind_warning_m_s), (Level::Alarm, c.wind_alarm_m_s)],
                "crane.wind",
                "wind",
                "m/s",
            ),
            CraneTilt => high(
                raw.abs(),
                &[(Level::Warning, c.tilt_warning_deg), (Level::Alarm, c.tilt_alarm_deg)],
                "crane.tilt",
                "tilt",
                "°",
            ),
            CraneClearance => {
                let th = [(Level::Warning, c.clearance_warning_m), (Level::Alarm, c.clearance_alarm_m)];
                let level = level_with_hysteresis(raw, &th, current, band, Direction::LowIsWorse);
                verdict(level, "crane.clearance", &th, raw, "clearance to the neighbouring crane", "m", "<=")
            }
            HoistLoad => {
                let h = &rules.hoist;
                high(
                    raw,
                    &[
                        (Level::Warning, h.load_warning_pct),
                        (Level::Alarm, h.load_alarm_pct),
                        (Level::Control, h.load_control_pct),
                    ],
                    "hoist.load",
                    "cage load",
                    "% of rated",
                )
            }
            HoistLimit if raw >= 0.5 => {
                (Level::Alarm, Some("hoist.limit.alarm".into()), "a limit switch is tripped".into())
            }
            HoistDoor if raw < 0.5 && rules.hoist.door_open_warning => {
                (Level::Warning, Some("hoist.door.warning".into()), "the cage door is not locked".into())
            }
            PitHorizontalDisplacement
            | PitVerticalDisplacement
            | PitDeepDisplacement
            | GroundwaterLevel
            | StrutForce => self.pit(id, info, t, raw, current),
            FormworkSettlement | FormworkHorizontalDisplacement | FormworkTilt | PostAxialForce => {
                let f = &rules.formwork;
                let default = match info.kind {
                    FormworkSettlement => f.settlement_alarm_mm,
                    FormworkHorizontalDisplacement => f.horizontal_alarm_mm,
                    FormworkTilt => f.tilt_alarm_deg,
                    _ => f.axial_alarm_kn,
                };
                let alarm = f.points.get(id).copied().unwrap_or(default);
                high(
                    raw.abs(),
                    &[(Level::Warning, alarm * f.warning_fraction), (Level::Alarm, alarm)],
                    "formwork.point",
                    "formwork monitoring value",
                    &info.unit,
                )
            }
            Pm10 | Tsp | Pm25 => self.dust(id, info, t, raw, current, events),
            Noise => {
                let n = &rules.noise;
                let hour = t.with_timezone(&self.zone).hour();
                let night = if n.night_start_hour > n.night_end_hour {
                    hour >= n.night_start_hour || hour < n.night_end_hour
                } else {
                    hour >= n.night_start_hour && hour < n.night_end_hour
                };
                // "Exceeds" the limit means strictly above it.
                let above = |x: f64| x.next_up();
                if night {
                    let max = n.night_limit_db + n.night_max_margin_db;
                    let th = [
                        (Level::Warning, n.night_limit_db - n.warning_margin_db),
                        (Level::Alarm, above(n.night_limit_db)),
                    ];
                    let level = level_with_hysteresis(raw, &th, current, band, Direction::HighIsWorse);
                    if raw > max {
                        (
                            Level::Alarm,
                            Some("noise.night-max.alarm".into()),
                            format!("night noise {raw} dB(A) exceeds the night maximum {max} dB(A)"),
                        )
                    } else {
                        verdict(level, "noise.night", &th, raw, "night noise", "dB(A)", ">")
                    }
                } else {
                    let th =
                        [(Level::Warning, n.day_limit_db - n.warning_margin_db), (Level::Alarm, above(n.day_limit_db))];
                    let level = level_with_hysteresis(raw, &th, current, band, Direction::HighIsWorse);
                    verdict(level, "noise.day", &th, raw, "day noise", "dB(A)", ">")
                }
            }
            LeakageCurrent => {
                let p = &rules.power;
                let alarm = if info.damp { p.leakage_alarm_damp_ma } else { p.leakage_alarm_ma };
                high(
                    raw,
                    &[(Level::Warning, alarm * p.leakage_warning_fraction), (Level::Alarm, alarm)],
                    "power.leakage",
                    "residual current",
                    "mA",
                )
            }
            RcdTripTime => {
                let max = rules.power.trip_time_max_s;
                if raw > max {
                    (
                        Level::Alarm,
                        Some("power.trip-time.alarm".into()),
                        format!("RCD trip time {raw} s exceeds {max} s"),
                    )
                } else {
                    (Level::Normal, None, format!("RCD trip time {raw} s within {max} s"))
                }
            }
            CabinetTemperature => high(
                raw,
                &[(Level::Warning, rules.power.cabinet_warning_c), (Level::Alarm, rules.power.cabinet_alarm_c)],
                "power.cabinet-temp",
                "cabinet temperature",
                "°C",
            ),
            HoistLimit | HoistDoor | WindDirection | SlewAngle | TrolleyRadius | HookHeight | LoadCurrent => {
                (Level::Normal, None, "recorded (no alarm rule for this quantity)".into())
            }
        }
    }

    fn dust(
        &mut self,
        id: &str,
        info: &SensorInfo,
        t: DateTime<Utc>,
        raw: f64,
        current: Level,
        events: &mut Vec<Event>,
    ) -> Verdict {
        let d = self.rules.dust.clone();
        let ug = if info.unit == "mg/m3" { raw * 1000.0 } else { raw };
        let hour = self.hour_start(t);
        // Close the previous hour when a reading of a later hour arrives.
        let closed = {
            let st = self.state.entry(id.to_string()).or_default();
            let closed = match st.hour {
                Some((h, sum, n)) if h < hour && n > 0 => Some((h, sum / n as f64, n)),
                _ => None,
            };
            if st.hour.is_none_or(|(h, _, _)| h < hour) {
                st.hour = Some((hour, 0.0, 0));
            }
            if let Some((_, sum, n)) = st.hour.as_mut() {
                *sum += ug;
                *n += 1;
            }
            closed
        };
        if let Some((h, mean, n)) = closed
            && let Some(e) = self.hourly_event(id, info, h, mean, n)
        {
            events.push(e);
        }
        if info.kind != SensorKind::Pm10 {
            return (Level::Normal, None, format!("{ug:.1} µg/m³ recorded; judged on hourly means"));
        }
        let th = [(Level::Warning, d.spray_trigger_pm10)];
        let level =
            level_with_hysteresis(ug, &th, current, self.rules.general.hysteresis_fraction, Direction::HighIsWorse);
        let st = self.state.entry(id.to_string()).or_default();
        if level == Level::Warning && st.spraying_until.is_none_or(|u| t >= u) {
            st.spraying_until = Some(t + Duration::seconds((d.spray_minutes * 60.0) as i64));
            events.push(Event::SprayRequested { sensor: id.to_string(), time: t, minutes: d.spray_minutes });
        }
        if level == Level::Warning {
            (
                Level::Warning,
                Some("dust.spray.warning".into()),
                format!(
                    "PM10 {ug:.1} µg/m³ reached the spray trigger {} µg/m³: spray for {} min",
                    d.spray_trigger_pm10, d.spray_minutes
                ),
            )
        } else {
            (
                Level::Normal,
                None,
                format!("PM10 {ug:.1} µg/m³ below the spray trigger; hourly limit {} µg/m³", d.pm10_hourly_limit),
            )
        }
    }

    fn pit(&mut self, id: &str, info: &SensorInfo, t: DateTime<Utc>, raw: f64, current: Level) -> Verdict {
        let p = &self.rules.pit;
        let band = self.rules.general.hysteresis_fraction;
        let base = match info.kind {
            SensorKind::PitHorizontalDisplacement => p.horizontal,
            SensorKind::PitVerticalDisplacement => p.vertical,
            SensorKind::PitDeepDisplacement => p.deep,
            SensorKind::GroundwaterLevel => p.groundwater,
            _ => p.strut,
        };
        let limit = p.points.get(id).copied().unwrap_or(base);
        // Canonical value: mm (abs) for displacements and water, % of design for struts.
        let value = match (info.kind, info.unit.as_str()) {
            (SensorKind::StrutForce, "kN") => match info.strut_design_kn {
                Some(design) => raw / design * 100.0,
                None => {
                    return (
                        Level::Normal,
                        None,
                        "not judged: strut force in kN needs the strut's design force (anchor the sensor to node strut_<id>)".into(),
                    );
                }
            },
            (SensorKind::StrutForce, _) => raw,
            (_, "m") => raw.abs() * 1000.0,
            _ => raw.abs(),
        };
        let group = if info.kind == SensorKind::StrutForce { "pit.strut" } else { "pit.cumulative" };
        let unit = if info.kind == SensorKind::StrutForce { "% of design" } else { "mm" };
        let th_c =
            [(Level::Warning, limit.cumulative_alarm * p.warning_fraction), (Level::Alarm, limit.cumulative_alarm)];
        let l_cum = level_with_hysteresis(value, &th_c, current, band, Direction::HighIsWorse);
        let mut best = verdict(l_cum, group, &th_c, value, "cumulative value", unit, ">=");

        let zone = self.zone;
        let st = self.state.entry(id.to_string()).or_default();
        st.history.push_back((t, value));
        while st.history.front().is_some_and(|(ht, _)| t - *ht > Duration::days(5)) {
            st.history.pop_front();
        }
        let day = t.with_timezone(&zone).date_naive();
        st.day_close.insert(day, value);
        while st.day_close.len() > 8 {
            st.day_close.pop_first();
        }
        let Some(rate_alarm) = limit.rate_alarm_per_day else { return best };
        // Rate over the last day: against the reading nearest 24 h back (at least 12 h back).
        let target = t - Duration::hours(24);
        let older = st
            .history
            .iter()
            .rev()
            .find(|(ht, _)| *ht <= target)
            .or_else(|| st.history.front().filter(|(ht, _)| t - *ht >= Duration::hours(12)));
        if let Some(&(t0, v0)) = older {
            let days = (t - t0).num_seconds() as f64 / 86_400.0;
            let rate = (value - v0).abs() / days;
            let th_r = [(Level::Warning, rate_alarm * p.warning_fraction), (Level::Alarm, rate_alarm)];
            let l_rate = level_with_hysteresis(rate, &th_r, current, band, Direction::HighIsWorse);
            if l_rate > best.0 {
                best = verdict(l_rate, "pit.rate", &th_r, rate, "rate", "mm/d", ">=");
            }
        }
        // The streak rule: each of the last `streak_days` calendar days (today so far included)
        // changed by more than `streak_fraction` of the alarm rate.
        let need = p.streak_days as usize;
        let closes: Vec<(NaiveDate, f64)> = st.day_close.iter().rev().take(need + 1).map(|(d, v)| (*d, *v)).collect();
        if closes.len() == need + 1 {
            let consecutive = closes.windows(2).all(|w| w[0].0 - w[1].0 == chrono::TimeDelta::days(1));
            let changes: Vec<f64> = closes.windows(2).map(|w| (w[0].1 - w[1].1).abs()).collect();
            let over = rate_alarm * p.streak_fraction;
            if consecutive && changes.iter().all(|c| *c > over) && best.0 < Level::Alarm {
                best = (
                    Level::Alarm,
                    Some("pit.rate-streak.alarm".into()),
                    format!(
                        "daily change above {over} mm/d ({}% of the {rate_alarm} mm/d alarm rate) for {need} days in a row: {}",
                        p.streak_fraction * 100.0,
                        changes.iter().rev().map(|c| format!("{c:.1}")).collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
        best
    }
}

fn verdict(level: Level, group: &str, th: &[(Level, f64)], v: f64, what: &str, unit: &str, op: &str) -> Verdict {
    if level == Level::Normal {
        return (Level::Normal, None, format!("{what} {} {unit} within limits", fmt(v)));
    }
    let t = th.iter().find(|(l, _)| *l == level).map(|(_, t)| *t).unwrap_or(f64::NAN);
    let shown = if op == ">" { t.next_down() } else { t };
    (
        level,
        Some(format!("{group}.{}", level.suffix())),
        format!("{what} {} {unit} {op} {} {unit} ({})", fmt(v), fmt(shown), level.name()),
    )
}

fn fmt(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{}", v.round()) } else { format!("{:.2}", v) }
}

use chrono::Offset;

#[cfg(test)]
mod tests;
