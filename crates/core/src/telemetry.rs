//! Telemetry readings and the batch formats vendors export them in (JSON lines and CSV), with
//! HJ 212 data flags. Every bad line gets an error naming its line and field; good lines around it
//! are kept.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// China Standard Time, the zone of site-local wall-clock times (day/night noise limits,
/// calendar days of the pit rate rule) unless a rules file says otherwise.
pub const CHINA_STANDARD_TIME_S: i32 = 8 * 3600;

/// HJ 212 data flag (`xxx-Flag`). Source: HJ 212-2017 as transcribed in chenqi92/alltobs-hj212
/// `DataFlag.java` and IceCoffee.HJ212 (validity column) — standards doc §5.4, tag [S].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DataFlag {
    /// Instrument normal: valid.
    N,
    /// Instrument stopped: invalid.
    F,
    /// Maintenance: invalid.
    M,
    /// Manually entered set value: valid.
    S,
    /// Instrument fault: invalid.
    D,
    /// Calibrating: invalid.
    C,
    /// Above the measuring range's upper limit: suspect.
    T,
    /// Instrument–logger communication failure: suspect.
    B,
}

/// What a flag means for using the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FlagValidity {
    /// Use it.
    Valid,
    /// Do not use it for alarms or statistics.
    Invalid,
    /// Use it, marked as doubtful. (T and B: the doc gives no validity; sitetwin treats them as
    /// suspect, an unconfirmed choice.)
    Suspect,
}

impl DataFlag {
    /// Parses a one-letter flag.
    pub fn parse(s: &str) -> Option<DataFlag> {
        Some(match s.trim() {
            "N" => DataFlag::N,
            "F" => DataFlag::F,
            "M" => DataFlag::M,
            "S" => DataFlag::S,
            "D" => DataFlag::D,
            "C" => DataFlag::C,
            "T" => DataFlag::T,
            "B" => DataFlag::B,
            _ => return None,
        })
    }

    /// Whether the value may be used.
    pub fn validity(self) -> FlagValidity {
        match self {
            DataFlag::N | DataFlag::S => FlagValidity::Valid,
            DataFlag::F | DataFlag::M | DataFlag::D | DataFlag::C => FlagValidity::Invalid,
            DataFlag::T | DataFlag::B => FlagValidity::Suspect,
        }
    }

    /// The meaning, in words.
    pub fn meaning(self) -> &'static str {
        match self {
            DataFlag::N => "instrument normal",
            DataFlag::F => "instrument stopped",
            DataFlag::M => "maintenance",
            DataFlag::S => "manually set value",
            DataFlag::D => "instrument fault",
            DataFlag::C => "calibrating",
            DataFlag::T => "above the measuring range",
            DataFlag::B => "communication failure",
        }
    }
}

/// One reading of one sensor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    /// Sensor id (as in the scene) or device id.
    pub sensor: String,
    /// When it was measured.
    pub time: DateTime<Utc>,
    /// The value in the sensor's unit (NaN when the source sent none).
    pub value: f64,
    /// HJ 212 data flag, if the source gives one.
    pub flag: Option<DataFlag>,
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ReadingError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong, naming the field.
    pub message: String,
}

/// Parses a time: RFC 3339 (`2026-11-28T09:30:00+08:00`, `…Z`), a local `2026-11-28 09:30:00`
/// (or with `T`), or HJ 212's `20261128093000`; local forms are in `local_offset_s`.
pub fn parse_time(s: &str, local_offset_s: i32) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let zone = FixedOffset::east_opt(local_offset_s)?;
    let naive = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y%m%d%H%M%S", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())?;
    zone.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc))
}

/// Batch file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line: `{"sensor": "…", "time": "…", "value": 1.0, "flag": "N"}`.
    JsonLines,
    /// CSV with a header naming `sensor`, `time`, `value` and optionally `flag`.
    Csv,
}

impl Format {
    /// Guesses from the first non-blank character: `{` means JSON lines.
    pub fn sniff(text: &str) -> Format {
        match text.trim_start().chars().next() {
            Some('{') => Format::JsonLines,
            _ => Format::Csv,
        }
    }
}

fn value_of(v: &serde_json::Value) -> Result<f64, String> {
    match v {
        serde_json::Value::Number(n) => n.as_f64().ok_or_else(|| "`value` is not a finite number".into()),
        serde_json::Value::Null => Ok(f64::NAN),
        serde_json::Value::String(s) => {
            parse_number(s).ok_or_else(|| format!("`value`: expected a number, found \"{s}\""))
        }
        other => Err(format!("`value`: expected a number, found {other}")),
    }
}

fn parse_number(s: &str) -> Option<f64> {
    match s.trim() {
        "" | "null" => Some(f64::NAN),
        "NaN" | "nan" => Some(f64::NAN),
        "inf" | "+inf" | "Infinity" => Some(f64::INFINITY),
        "-inf" | "-Infinity" => Some(f64::NEG_INFINITY),
        t => t.parse().ok(),
    }
}

/// Reads a batch of readings; returns the good ones (with their line numbers) and an error for
/// every bad line.
pub fn parse_readings(text: &str, format: Format, local_offset_s: i32) -> (Vec<(usize, Reading)>, Vec<ReadingError>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    match format {
        Format::JsonLines => {
            for (i, line) in text.lines().enumerate() {
                let n = i + 1;
                if line.trim().is_empty() {
                    continue;
                }
                match json_line(line, local_offset_s) {
                    Ok(r) => good.push((n, r)),
                    Err(message) => bad.push(ReadingError { line: n, message }),
                }
            }
        }
        Format::Csv => {
            let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
            let Some((hn, header)) = lines.next() else { return (good, bad) };
            let cols: Vec<String> = header.split(',').map(|c| c.trim().to_ascii_lowercase()).collect();
            let find = |name: &str| cols.iter().position(|c| c == name);
            let (Some(si), Some(ti), Some(vi)) = (find("sensor"), find("time"), find("value")) else {
                bad.push(ReadingError {
                    line: hn + 1,
                    message: format!("the CSV header must name sensor, time and value; found `{header}`"),
                });
                return (good, bad);
            };
            let fi = find("flag");
            for (i, line) in lines {
                let n = i + 1;
                let fields: Vec<&str> = line.split(',').map(str::trim).collect();
                let get = |k: usize| fields.get(k).copied();
                let r = (|| {
                    let sensor = get(si).filter(|s| !s.is_empty()).ok_or("`sensor` is empty")?.to_string();
                    let t = get(ti).ok_or("`time` is missing")?;
                    let time = parse_time(t, local_offset_s).ok_or_else(|| format!("`time`: cannot read \"{t}\""))?;
                    let v = get(vi).ok_or("`value` is missing")?;
                    let value = parse_number(v).ok_or_else(|| format!("`value`: expected a number, found \"{v}\""))?;
                    let flag = match fi.and_then(get).filter(|f| !f.is_empty()) {
                        None => None,
                        Some(f) => {
                            Some(DataFlag::parse(f).ok_or_else(|| format!("`flag`: unknown HJ 212 flag \"{f}\""))?)
                        }
                    };
                    Ok::<_, String>(Reading { sensor, time, value, flag })
                })();
                match r {
                    Ok(r) => good.push((n, r)),
                    Err(message) => bad.push(ReadingError { line: n, message }),
                }
            }
        }
    }
    (good, bad)
}

fn json_line(line: &str, local_offset_s: i32) -> Result<Reading, String> {
    let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let o = v.as_object().ok_or("expected a JSON object")?;
    let sensor = o
        .get("sensor")
        .and_then(|s| s.as_str())
        .filter(|s| !s.is_empty())
        .ok_or("`sensor`: expected a non-empty string")?
        .to_string();
    let t = o.get("time").and_then(|t| t.as_str()).ok_or("`time`: expected a string")?;
    let time = parse_time(t, local_offset_s).ok_or_else(|| format!("`time`: cannot read \"{t}\""))?;
    let value = value_of(o.get("value").ok_or("`value` is missing")?)?;
    let flag = match o.get("flag") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(f)) => {
            Some(DataFlag::parse(f).ok_or_else(|| format!("`flag`: unknown HJ 212 flag \"{f}\""))?)
        }
        Some(other) => return Err(format!("`flag`: expected a one-letter string, found {other}")),
    };
    for k in o.keys() {
        if !["sensor", "time", "value", "flag"].contains(&k.as_str()) {
            return Err(format!("unknown field `{k}` (expected sensor, time, value, flag)"));
        }
    }
    Ok(Reading { sensor, time, value, flag })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_follow_hj212() {
        for (f, v) in [("N", FlagValidity::Valid), ("S", FlagValidity::Valid), ("F", FlagValidity::Invalid)] {
            assert_eq!(DataFlag::parse(f).unwrap().validity(), v);
        }
        for f in ["M", "D", "C"] {
            assert_eq!(DataFlag::parse(f).unwrap().validity(), FlagValidity::Invalid);
        }
        for f in ["T", "B"] {
            assert_eq!(DataFlag::parse(f).unwrap().validity(), FlagValidity::Suspect);
        }
        assert_eq!(DataFlag::parse("X"), None);
    }

    #[test]
    fn times_in_every_accepted_form() {
        let want = Utc.with_ymd_and_hms(2026, 11, 28, 1, 30, 0).unwrap();
        for s in ["2026-11-28T09:30:00+08:00", "2026-11-28T01:30:00Z", "2026-11-28 09:30:00", "20261128093000"] {
            assert_eq!(parse_time(s, CHINA_STANDARD_TIME_S), Some(want), "{s}");
        }
        assert_eq!(parse_time("yesterday", CHINA_STANDARD_TIME_S), None);
    }

    #[test]
    fn json_lines_keep_good_lines_and_name_bad_ones() {
        let text = r#"{"sensor": "TC1-LOAD", "time": "2026-11-28 09:30:00", "value": 91.5, "flag": "N"}
{"sensor": "TC1-LOAD", "time": "2026-11-28 09:30:10", "value": "abc"}

{"sensor": "", "time": "2026-11-28 09:30:20", "value": 1}
{"sensor": "TC1-LOAD", "time": "2026-11-28 09:30:30", "value": null, "flag": "Q"}
{"sensor": "TC1-LOAD", "time": "2026-11-28 09:30:40", "value": "NaN"}
not json"#;
        let (good, bad) = parse_readings(text, Format::JsonLines, CHINA_STANDARD_TIME_S);
        assert_eq!(good.len(), 2);
        assert_eq!(good[0].1.value, 91.5);
        assert!(good[1].1.value.is_nan());
        assert_eq!(good[1].0, 6);
        let msgs: Vec<String> = bad.iter().map(|e| e.to_string()).collect();
        assert!(msgs[0].starts_with("line 2: `value`: expected a number"), "{msgs:?}");
        assert!(msgs[1].starts_with("line 4: `sensor`"), "{msgs:?}");
        assert!(msgs[2].contains("unknown HJ 212 flag \"Q\""), "{msgs:?}");
        assert!(msgs[3].starts_with("line 7: not JSON"), "{msgs:?}");
    }

    #[test]
    fn csv_needs_a_header_and_reads_flags() {
        let text = "sensor,time,value,flag\nDM1-PM10,2026-11-28 09:00:00,86,N\nDM1-PM10,2026-11-28 09:01:00,,M\nDM1-PM10,bad,1,N\n";
        let (good, bad) = parse_readings(text, Format::Csv, CHINA_STANDARD_TIME_S);
        assert_eq!(good.len(), 2);
        assert_eq!(good[1].1.flag, Some(DataFlag::M));
        assert!(good[1].1.value.is_nan());
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 4);
        let (_, bad) = parse_readings("a,b\n1,2\n", Format::Csv, 0);
        assert!(bad[0].message.contains("header"), "{bad:?}");
        assert_eq!(Format::sniff("  {\"a\":1}"), Format::JsonLines);
    }
}
