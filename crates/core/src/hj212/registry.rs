//! A site's HJ 212 devices, built from its scene plus overrides: which MN may connect with which
//! password, which pollutant code feeds which scene sensor, in which concentration unit; and the
//! turning of a 2011/2051/2061 data packet into [`Reading`]s of those sensors.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::codes::{CommandCode, Param, QnRtn, Suffix, factor_code, factor_name};
use super::packet::{CpField, FieldKey, Packet, parse_hj_time};
use crate::scene::{Sensor, SensorKind, SiteScene};
use crate::telemetry::{CHINA_STANDARD_TIME_S, DataFlag, Reading};

/// The concentration unit a device sends particulates (TSP, PM10, PM2.5) in. HJ 212's code table
/// lists ng/m³, but field devices send µg/m³ (PM10 `65.7` …), so the default is **µg/m³** and a
/// device may be set to mg/m³ (standards doc §5.5 unit warning; \[default\]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ConcentrationUnit {
    /// µg/m³ (written `ug/m3` in files).
    #[default]
    #[serde(rename = "ug/m3", alias = "µg/m³")]
    MicrogramPerCubicMetre,
    /// mg/m³ (`mg/m3`).
    #[serde(rename = "mg/m3", alias = "mg/m³")]
    MilligramPerCubicMetre,
}

impl ConcentrationUnit {
    /// The unit of a scene unit string (`ug/m3`, `µg/m³`, `mg/m3`).
    pub fn from_unit(unit: &str) -> Option<ConcentrationUnit> {
        match unit {
            "ug/m3" | "µg/m³" | "μg/m³" => Some(ConcentrationUnit::MicrogramPerCubicMetre),
            "mg/m3" | "mg/m³" => Some(ConcentrationUnit::MilligramPerCubicMetre),
            _ => None,
        }
    }

    /// How many µg/m³ one of this unit is.
    fn micrograms_per_cubic_metre(self) -> f64 {
        match self {
            ConcentrationUnit::MicrogramPerCubicMetre => 1.0,
            ConcentrationUnit::MilligramPerCubicMetre => 1000.0,
        }
    }
}

fn particulate(kind: SensorKind) -> bool {
    matches!(kind, SensorKind::Pm25 | SensorKind::Pm10 | SensorKind::Tsp)
}

/// The scene sensor a pollutant code of a device feeds.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorTarget {
    /// Scene sensor id.
    pub sensor: String,
    /// What it measures.
    pub kind: SensorKind,
    /// The unit its readings are in (the scene's).
    pub unit: String,
}

/// One HJ 212 station of the site.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// Its MN.
    pub mn: String,
    /// The PW it must send; `None` accepts any (the scene does not hold passwords, an override does).
    pub password: Option<String>,
    /// The unit it sends particulate concentrations in.
    pub concentration_unit: ConcentrationUnit,
    /// Pollutant code → scene sensor.
    pub factors: BTreeMap<String, FactorTarget>,
}

/// Settings for one device beyond what the scene says (from the gateway's configuration).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceOverride {
    /// The device's MN (one not in the scene adds a device).
    pub mn: String,
    /// The PW it must send.
    #[serde(default)]
    pub password: Option<String>,
    /// The unit it sends particulates in (default µg/m³).
    #[serde(default)]
    pub concentration_unit: Option<ConcentrationUnit>,
    /// Pollutant code → scene sensor id, added to or replacing what the scene gives (say `B03`,
    /// the 2005 noise code, for a noise sensor).
    #[serde(default)]
    pub codes: BTreeMap<String, String>,
}

/// A registry that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// Two sensors of one device would take the same code.
    #[error("device {mn}: sensors {} all take code {code}; set the code of one in an override", sensors.join(", "))]
    DuplicateCode {
        /// The device.
        mn: String,
        /// The code.
        code: String,
        /// The sensors.
        sensors: Vec<String>,
    },
    /// An override names a sensor the scene lacks.
    #[error("device {mn}: code {code}: no sensor `{sensor}` in the scene")]
    UnknownSensor {
        /// The device.
        mn: String,
        /// The code.
        code: String,
        /// The sensor id.
        sensor: String,
    },
    /// An override's field cannot appear in a packet as written.
    #[error("device {mn:?}: {field}: {value:?} cannot appear in an HJ 212 packet")]
    BadOverride {
        /// The device.
        mn: String,
        /// `mn`, `password` or `codes`.
        field: &'static str,
        /// The value.
        value: String,
    },
}

/// A device being gathered from the scene and the overrides: a code may have several sensors
/// until the end, when that is an error.
#[derive(Default)]
struct Draft<'a> {
    password: Option<String>,
    concentration_unit: ConcentrationUnit,
    codes: BTreeMap<String, Vec<&'a Sensor>>,
}

/// The site's HJ 212 devices, by MN.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRegistry {
    devices: BTreeMap<String, Device>,
    zone: FixedOffset,
}

/// China Standard Time as an offset (a compile-time constant: 8 h is always valid).
const CST: FixedOffset = match FixedOffset::east_opt(CHINA_STANDARD_TIME_S) {
    Some(z) => z,
    None => panic!("UTC+8 is a valid offset"),
};

fn header_ok(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| (0x20..=0x7E).contains(&b) && !matches!(b, b';' | b',' | b'&' | b'='))
}

impl DeviceRegistry {
    /// The devices of a scene: every sensor whose kind has an HJ 212 code ([`factor_code`]: PM10,
    /// PM2.5, TSP, noise, wind speed and direction) belongs to the device of its `device_id`
    /// (its own id when it has none) under that code; then the overrides apply. Sensors of other
    /// kinds are not HJ 212 factors and are left out. DataTime is read in China Standard Time
    /// ([`DeviceRegistry::with_zone`] changes it).
    pub fn from_scene(scene: &SiteScene, overrides: &[DeviceOverride]) -> Result<DeviceRegistry, RegistryError> {
        let by_id: BTreeMap<&str, &Sensor> = scene.sensors.iter().map(|s| (s.id.as_str(), s)).collect();
        let mut building: BTreeMap<String, Draft> = BTreeMap::new();
        for s in &scene.sensors {
            let Some(code) = factor_code(s.kind) else { continue };
            let mn = s.device_id.clone().unwrap_or_else(|| s.id.clone());
            building.entry(mn).or_default().codes.entry(code.to_string()).or_default().push(s);
        }
        for o in overrides {
            let bad = |field: &'static str, value: &str| RegistryError::BadOverride {
                mn: o.mn.clone(),
                field,
                value: value.to_string(),
            };
            if !header_ok(&o.mn) {
                return Err(bad("mn", &o.mn));
            }
            let d = building.entry(o.mn.clone()).or_default();
            if let Some(pw) = &o.password {
                if !header_ok(pw) {
                    return Err(bad("password", pw));
                }
                d.password = Some(pw.clone());
            }
            if let Some(u) = o.concentration_unit {
                d.concentration_unit = u;
            }
            for (code, sensor) in &o.codes {
                if !matches!(FieldKey::parse(&format!("{code}-Rtd")), Some(FieldKey::Factor { code: c, .. }) if &c == code)
                {
                    return Err(bad("codes", code));
                }
                let s = by_id.get(sensor.as_str()).ok_or_else(|| RegistryError::UnknownSensor {
                    mn: o.mn.clone(),
                    code: code.clone(),
                    sensor: sensor.clone(),
                })?;
                d.codes.insert(code.clone(), vec![*s]);
            }
        }
        let mut devices = BTreeMap::new();
        for (mn, Draft { password, concentration_unit, codes }) in building {
            let mut factors = BTreeMap::new();
            for (code, sensors) in codes {
                if let [s] = sensors.as_slice() {
                    factors.insert(code, FactorTarget { sensor: s.id.clone(), kind: s.kind, unit: s.unit.clone() });
                } else {
                    return Err(RegistryError::DuplicateCode {
                        mn,
                        code,
                        sensors: sensors.iter().map(|s| s.id.clone()).collect(),
                    });
                }
            }
            devices.insert(mn.clone(), Device { mn, password, concentration_unit, factors });
        }
        Ok(DeviceRegistry { devices, zone: CST })
    }

    /// Reads DataTime in this zone instead of China Standard Time.
    pub fn with_zone(mut self, zone: FixedOffset) -> DeviceRegistry {
        self.zone = zone;
        self
    }

    /// The zone DataTime is read in.
    pub fn zone(&self) -> FixedOffset {
        self.zone
    }

    /// The device of an MN.
    pub fn device(&self, mn: &str) -> Option<&Device> {
        self.devices.get(mn)
    }

    /// Every device, by MN.
    pub fn devices(&self) -> impl Iterator<Item = &Device> {
        self.devices.values()
    }

    /// Whether the packet's sender may deliver data: its MN is known and, when the device has a
    /// password, PW matches. A refusal is the `QnRtn` to answer with ([`request_reply`]):
    /// 4 (MN wrong) or 3 (PW wrong).
    ///
    /// [`request_reply`]: super::request_reply
    pub fn admit(&self, packet: &Packet) -> Result<&Device, QnRtn> {
        let d = self.device(&packet.mn).ok_or(QnRtn::MnWrong)?;
        match &d.password {
            Some(pw) if *pw != packet.pw => Err(QnRtn::PwWrong),
            _ => Ok(d),
        }
    }

    /// The readings of a data packet: CN 2011 gives each factor's `-Rtd`, 2051 and 2061 its
    /// `-Avg` ([`value_suffix`]); the item's `-Flag` is the reading's flag; the time is CP's
    /// DataTime in the registry's zone (for 2051/2061, the period as the station stamps it).
    /// Particulates are converted from the device's unit to the sensor's. A factor with a flag
    /// but no value gives a NaN reading with that flag. Codes the device does not map are listed
    /// in `unknown_codes`, and unusable items in `problems`; neither stops the other readings.
    /// The sender is not checked here: see [`admit`](DeviceRegistry::admit).
    pub fn readings(&self, packet: &Packet) -> Result<PacketReadings, ReadingsError> {
        let device = self.device(&packet.mn).ok_or_else(|| ReadingsError::UnknownDevice { mn: packet.mn.clone() })?;
        let suffix = value_suffix(packet.cn).ok_or(ReadingsError::NotData { cn: packet.cn })?;
        let dt = packet.cp.param(&Param::DataTime).ok_or(ReadingsError::MissingDataTime)?;
        let bad_time = || ReadingsError::BadDataTime { offset: dt.value_offset(), found: dt.value.clone() };
        let naive = parse_hj_time(&dt.value).ok_or_else(bad_time)?;
        let time = self.zone.from_local_datetime(&naive).single().ok_or_else(bad_time)?.with_timezone(&Utc);

        let mut out = PacketReadings {
            mn: packet.mn.clone(),
            cn: packet.cn,
            time,
            readings: Vec::new(),
            unknown_codes: Vec::new(),
            problems: Vec::new(),
        };
        let mut codes: Vec<(&str, usize)> = Vec::new();
        let mut seen = BTreeSet::new();
        for f in packet.cp.fields() {
            if let FieldKey::Factor { code, .. } = &f.key
                && seen.insert(code.as_str())
            {
                codes.push((code, f.offset));
            }
        }
        for (code, first_at) in codes {
            let Some(target) = device.factors.get(code) else {
                out.unknown_codes.push(UnknownCode {
                    code: code.to_string(),
                    offset: first_at,
                    name: factor_name(code),
                });
                continue;
            };
            let is = |f: &CpField, s: &Suffix| matches!(&f.key, FieldKey::Factor { code: c, suffix } if c == code && suffix == s);
            let mut values = packet
                .cp
                .items
                .iter()
                .filter_map(|item| item.fields.iter().find(|f| is(f, &suffix)).map(|v| (item, v)));
            let (value_field, flag_field) = match values.next() {
                Some((item, v)) => (Some(v), item.fields.iter().find(|f| is(f, &Suffix::Flag))),
                None => (None, packet.cp.fields().find(|f| is(f, &Suffix::Flag))),
            };
            for (_, again) in values {
                out.problems.push(ItemProblem::Duplicate { field: again.key.to_string(), offset: again.offset });
            }
            let flag = match flag_field {
                None => None,
                Some(f) => match DataFlag::parse(&f.value) {
                    Some(flag) => Some(flag),
                    None => {
                        out.problems.push(ItemProblem::BadFlag {
                            field: f.key.to_string(),
                            offset: f.value_offset(),
                            found: f.value.clone(),
                        });
                        continue;
                    }
                },
            };
            let value = match value_field {
                Some(v) => match parse_decimal(&v.value) {
                    Some(x) => x,
                    None => {
                        out.problems.push(ItemProblem::BadNumber {
                            field: v.key.to_string(),
                            offset: v.value_offset(),
                            found: v.value.clone(),
                        });
                        continue;
                    }
                },
                None if flag.is_some() => f64::NAN,
                None => {
                    out.problems.push(ItemProblem::NoValue {
                        code: code.to_string(),
                        suffix: suffix.as_str().to_string(),
                        offset: first_at,
                    });
                    continue;
                }
            };
            let value = match (particulate(target.kind), ConcentrationUnit::from_unit(&target.unit)) {
                (true, Some(sensor_unit)) => {
                    value * device.concentration_unit.micrograms_per_cubic_metre()
                        / sensor_unit.micrograms_per_cubic_metre()
                }
                _ => value,
            };
            out.readings.push(Reading { sensor: target.sensor.clone(), time, value, flag });
        }
        Ok(out)
    }
}

/// The suffix whose value a data packet's reading takes: `Rtd` for CN 2011, `Avg` for 2051 and
/// 2061; `None` for other commands (2031 daily data are not turned into readings).
pub fn value_suffix(cn: CommandCode) -> Option<Suffix> {
    match cn {
        CommandCode::REALTIME_DATA => Some(Suffix::Rtd),
        CommandCode::MINUTE_DATA | CommandCode::HOURLY_DATA => Some(Suffix::Avg),
        _ => None,
    }
}

/// A decimal number as HJ 212 writes them (`86.0`, `-0.001221`, `135`); empty means no value (NaN).
fn parse_decimal(s: &str) -> Option<f64> {
    if s.is_empty() {
        return Some(f64::NAN);
    }
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits_ok = int.bytes().all(|b| b.is_ascii_digit()) && frac.bytes().all(|b| b.is_ascii_digit());
    (digits_ok && !(int.is_empty() && frac.is_empty())).then(|| s.parse().ok()).flatten()
}

/// A code in a packet that the device does not map to a sensor: reported, not dropped silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    /// The code.
    pub code: String,
    /// Byte offset of its first field in the packet.
    pub offset: usize,
    /// What it measures, if the code is in §5.5's table.
    pub name: Option<&'static str>,
}

/// An item of a data packet that gave no reading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemProblem {
    /// A mapped code with neither the value field nor a flag.
    #[error("byte {offset}: {code}: no `{code}-{suffix}` value and no flag")]
    NoValue {
        /// The code.
        code: String,
        /// The suffix looked for.
        suffix: String,
        /// Byte offset of the code's first field.
        offset: usize,
    },
    /// A value that is not a decimal number.
    #[error("byte {offset}: {field}: expected a decimal number, found {found:?}")]
    BadNumber {
        /// The field.
        field: String,
        /// Byte offset of the value.
        offset: usize,
        /// The value.
        found: String,
    },
    /// A flag that is not one of N, F, M, S, D, C, T, B.
    #[error("byte {offset}: {field}: unknown data flag {found:?} (expected N, F, M, S, D, C, T or B)")]
    BadFlag {
        /// The field.
        field: String,
        /// Byte offset of the value.
        offset: usize,
        /// The value.
        found: String,
    },
    /// The value field given again in another item; the first is used.
    #[error("byte {offset}: {field}: given again; the first is used")]
    Duplicate {
        /// The field.
        field: String,
        /// Byte offset of the repeat.
        offset: usize,
    },
}

/// What a data packet gave.
#[derive(Debug, Clone, PartialEq)]
pub struct PacketReadings {
    /// The device.
    pub mn: String,
    /// The command (2011, 2051 or 2061).
    pub cn: CommandCode,
    /// DataTime, in UTC.
    pub time: DateTime<Utc>,
    /// One reading per mapped code, in packet order.
    pub readings: Vec<Reading>,
    /// Codes the device does not map, in packet order.
    pub unknown_codes: Vec<UnknownCode>,
    /// Mapped codes that gave no reading.
    pub problems: Vec<ItemProblem>,
}

/// A packet that gives no readings at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadingsError {
    /// Its MN is not a device of the site.
    #[error("MN: {mn:?} is not a device of this site")]
    UnknownDevice {
        /// The MN.
        mn: String,
    },
    /// Not a data command that readings come from.
    #[error("CN: {cn} is not real-time (2011), minute (2051) or hourly (2061) data")]
    NotData {
        /// The command.
        cn: CommandCode,
    },
    /// CP has no DataTime.
    #[error("CP: DataTime: missing")]
    MissingDataTime,
    /// DataTime is not a time.
    #[error("byte {offset}: DataTime: expected YYYYMMDDhhmmss, found {found:?}")]
    BadDataTime {
        /// Byte offset of the value.
        offset: usize,
        /// The value.
        found: String,
    },
}
