//! The site's weather and working rhythm: the clock of the working day, wind, temperature, the
//! dust and noise a working site makes. Pure functions of time and keys, so any reading can be
//! computed on its own. The numbers are sitetwin's [default] choices for a Jiangsu site in
//! December (docs/simulator.md lists them).

use super::num::{cos_sin_deg, key, mix, noise, trapezoid, wrap_deg};

/// Working hours, local time: 07:00–12:00 and 13:00–18:00, every day.
const SHIFTS_H: [(f64, f64); 2] = [(7.0, 12.0), (13.0, 18.0)];
/// The wind blows from about here most of the time (the winter monsoon), degrees true.
const PREVAILING_FROM_DEG: f64 = 330.0;

/// A gust front: Unix start, length in seconds, peak wind at 10 m, m/s.
#[derive(Debug, Clone, Copy)]
pub struct Gust {
    /// Unix seconds.
    pub from: i64,
    /// Seconds.
    pub len_s: f64,
    /// Peak wind at 10 m, m/s.
    pub peak_u10_m_s: f64,
}

/// The shared state of the site's surroundings.
#[derive(Debug, Clone)]
pub struct World {
    /// Site-local offset from UTC, seconds.
    pub zone_s: i64,
    /// The site is stopped from then on (Unix seconds).
    pub stopped_from: Option<i64>,
    /// Gust fronts.
    pub gusts: Vec<Gust>,
    wind: u64,
    direction: u64,
    weather: u64,
}

/// The factor from the wind at 10 m to the wind at `height_m`: the power law with exponent
/// 1/4 of a built-up site, `(h / 10)^(1/4)`, taken as two square roots.
pub fn height_factor(height_m: f64) -> f64 {
    (height_m.max(1.0) / 10.0).sqrt().sqrt()
}

/// `cos` of the hour of day `h` after `peak_h`: 1 at the peak, −1 twelve hours from it.
fn daily(h: f64, peak_h: f64) -> f64 {
    cos_sin_deg((h - peak_h) * 15.0).0
}

impl World {
    /// The world of seed `seed`.
    pub fn new(seed: u64, zone_s: i64, stopped_from: Option<i64>) -> World {
        World {
            zone_s,
            stopped_from,
            gusts: Vec::new(),
            wind: key(seed, "wind"),
            direction: key(seed, "wind direction"),
            weather: key(seed, "weather"),
        }
    }

    /// Local hour of day, 0–24.
    pub fn local_h(&self, t: i64) -> f64 {
        (t + self.zone_s).rem_euclid(86_400) as f64 / 3600.0
    }

    /// The site is stopped at `t`.
    pub fn stopped(&self, t: i64) -> bool {
        self.stopped_from.is_some_and(|s| t >= s)
    }

    /// Within working hours.
    pub fn shift(&self, t: i64) -> bool {
        let h = self.local_h(t);
        SHIFTS_H.iter().any(|(a, b)| (*a..*b).contains(&h))
    }

    /// The site works at `t`: within working hours and not stopped.
    pub fn working(&self, t: i64) -> bool {
        self.shift(t) && !self.stopped(t)
    }

    /// Wind at 10 m without the quick turbulence, m/s: calm nights, a breezier afternoon, the
    /// weather's slow swings, and the gust fronts.
    pub fn u10(&self, t: i64) -> f64 {
        let base = 2.2 + 0.9 * daily(self.local_h(t), 14.0) + 0.8 * noise(self.wind, t, 6 * 3600);
        self.gusts.iter().map(|g| g.peak_u10_m_s * trapezoid((t - g.from) as f64, g.len_s)).fold(base, f64::max)
    }

    /// Where the wind blows from, degrees true: a slow walk about the prevailing direction.
    pub fn wind_from_deg(&self, t: i64) -> f64 {
        wrap_deg(PREVAILING_FROM_DEG + 35.0 * noise(self.direction, t, 8 * 3600) + 8.0 * noise(self.direction, t, 600))
    }

    /// Air temperature, °C: 2.5–10.5 with the day, peaking at 14:30, ± 2 with the weather.
    pub fn ambient_c(&self, t: i64) -> f64 {
        6.5 + 4.0 * daily(self.local_h(t), 14.5) + 2.0 * noise(self.weather, t, 12 * 3600)
    }

    /// PM10 at a dust monitor (keyed by its station), µg/m³: a background highest in the
    /// morning inversion, plus what the site's work raises while it works.
    pub fn pm10_ug_m3(&self, station: u64, t: i64) -> f64 {
        let background = 36.0 + 6.0 * daily(self.local_h(t), 7.0) + 6.0 * noise(station, t, 4 * 3600);
        let work = if self.working(t) { 14.0 * (0.7 + 0.3 * noise(station, t, 1200)) } else { 0.0 };
        background + work + 4.0 * noise(mix(station), t, 180)
    }

    /// The A-weighted level at a noise monitor, dB(A): about 60 while the site works, 51 by day
    /// otherwise, 42 at night, each reading ± 2.5.
    pub fn noise_db(&self, sensor: u64, t: i64) -> f64 {
        let h = self.local_h(t);
        let level = if self.working(t) {
            60.0 + 2.0 * noise(sensor, t, 900)
        } else if (6.0..22.0).contains(&h) {
            51.0
        } else {
            42.0
        };
        level + 2.5 * noise(mix(sensor), t, 60)
    }
}
