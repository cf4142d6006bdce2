//! A city-wide heavy-pollution alert (Ⅲ yellow, Ⅱ orange, Ⅰ red), issued, changed or lifted by
//! the bureau: every working site whose works the level bans stops, unless its exemptions lift
//! the ban; sites already stopped for pollution follow the new level, and resume when it no
//! longer bans their works or the alert is lifted. Stoppages for other reasons are untouched.
//! What changed is returned site by site, so the bureau sees the alert's effect.

use chrono::NaiveDate;
use serde::Serialize;

use super::City;
use crate::rules::stoppage::{Activity, AlertLevel, Exemption, PollutionRules, Status, StopReason};

/// What an alert did to one site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Effect {
    /// It stopped: these of its works are banned.
    Stopped {
        /// The banned works.
        banned: Vec<Activity>,
    },
    /// It works on: the level bans some of its works but its exemptions lift the ban.
    Exempt {
        /// The works the level would ban.
        banned: Vec<Activity>,
        /// The exemptions that lift it.
        exemptions: Vec<Exemption>,
    },
    /// Stopped for pollution, now at the new level.
    LevelChanged {
        /// The level before.
        from: AlertLevel,
    },
    /// Stopped for pollution, resumes: the alert is lifted or no longer bans its works.
    Resumed,
}

/// One site's change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Site id.
    pub site: String,
    /// Status before.
    pub from: Status,
    /// Status after.
    pub to: Status,
    /// What happened.
    pub effect: Effect,
}

impl Change {
    /// Whether the site moved (stopped, resumed or changed level), not only kept working exempt.
    pub fn moved(&self) -> bool {
        !matches!(self.effect, Effect::Exempt { .. })
    }
}

/// Why an alert could not be applied (the city is unchanged).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlertError {
    /// A site's state machine refused it.
    #[error("site {site}: {error}")]
    Site {
        /// The site.
        site: String,
        /// Its refusal.
        error: crate::rules::stoppage::StoppageError,
    },
    /// The day is after the registry's day (the file would then not load).
    #[error("an alert on {at} is after the registry's day {today}")]
    AfterToday {
        /// The refused day.
        at: NaiveDate,
        /// The registry's day.
        today: NaiveDate,
    },
}

/// Issues (`Some`) or lifts (`None`) the city's alert on day `at`, by `by`. Either every site
/// moves or, if one refuses (a date before its last transition), none does.
pub fn issue(
    city: &mut City,
    level: Option<AlertLevel>,
    at: NaiveDate,
    by: &str,
    rules: &PollutionRules,
) -> Result<Vec<Change>, AlertError> {
    if at > city.today {
        return Err(AlertError::AfterToday { at, today: city.today });
    }
    let mut sites = city.sites.clone();
    let mut changes = Vec::new();
    for s in &mut sites {
        let from = s.stoppage.status;
        let banned_at = |l: AlertLevel| -> Vec<Activity> {
            s.works.iter().copied().filter(|a| rules.measures(l).bans(*a)).collect()
        };
        let pollution = match s.stoppage.current.as_ref().map(|c| &c.reason) {
            Some(StopReason::PollutionAlert { level, .. }) => Some(*level),
            _ => None,
        };
        let err = |error| AlertError::Site { site: s.id.clone(), error };
        let effect = match (from, pollution, level) {
            (Status::Operating, _, Some(l)) => {
                let banned = banned_at(l);
                let stop: Vec<Activity> =
                    banned.iter().copied().filter(|a| !rules.allowed(l, *a, &s.exemptions)).collect();
                if !stop.is_empty() {
                    let reason = StopReason::PollutionAlert { level: l, exemptions: s.exemptions.clone() };
                    let note = format!("heavy-pollution alert {l:?}");
                    s.stoppage.stop(reason, at, by, &note).map_err(err)?;
                    Some(Effect::Stopped { banned: stop })
                } else if !banned.is_empty() {
                    Some(Effect::Exempt { banned, exemptions: s.exemptions.clone() })
                } else {
                    None
                }
            }
            (Status::Stopped, Some(old), Some(l)) => {
                let still = banned_at(l).into_iter().any(|a| !rules.allowed(l, a, &s.exemptions));
                if !still {
                    s.stoppage.lift_alert(at, by).map_err(err)?;
                    Some(Effect::Resumed)
                } else if old != l {
                    s.stoppage.change_alert(l, at, by).map_err(err)?;
                    Some(Effect::LevelChanged { from: old })
                } else {
                    None
                }
            }
            (Status::Stopped, Some(_), None) => {
                s.stoppage.lift_alert(at, by).map_err(err)?;
                Some(Effect::Resumed)
            }
            _ => None,
        };
        if let Some(effect) = effect {
            changes.push(Change { site: s.id.clone(), from, to: s.stoppage.status, effect });
        }
    }
    city.sites = sites;
    city.alert = level;
    Ok(changes)
}
