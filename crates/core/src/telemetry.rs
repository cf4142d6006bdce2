//! Telemetry readings and the batch formats vendors export them in (JSON lines and CSV), with
//! HJ 212 data flags. Every bad line gets an error naming its line and field; good lines around it
//! are kept.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// China Standard Time, the zone of site-local wall-clock times (day/night noise limits,
/// calendar days of the pit rate rule) unless a rules file says otherwise.
pub const CHINA_STANDARD_TIME_S: i32 = 8 * 3600;

/// China Standard Time (UTC+8), the sites' clock.
pub fn china_standard_time() -> chrono::FixedOffset {
    match chrono::FixedOffset::east_opt(CHINA_STANDARD_TIME_S) {
        Some(z) => z,
        None => unreachable!("UTC+8 is a valid offset"),
    }
}

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

impl ReadingError {
    /// The field at fault, when the message names one (messages name it first: `` `value`: ...``).
    pub fn field(&self) -> Option<&str> {
        self.message.strip_prefix('`')?.split_once("`:").map(|(f, _)| f)
    }
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
    /// CSV (RFC 4180 quoting, LF or CRLF, an optional byte-order mark, `#` comment lines) with a
    /// header naming `sensor`, `time`, `value` and optionally `flag`, in any order, case and
    /// spacing; other columns are ignored. A quoted field may not run over the end of its line:
    /// readings never hold a line break, so an unclosed quote is reported and reading resumes on
    /// the next line instead of swallowing the rest of the file.
    Csv,
}

impl Format {
    /// Guesses from the first non-blank character (after a byte-order mark): `{` means JSON lines.
    pub fn sniff(text: &str) -> Format {
        match text.trim_start_matches(|c: char| c == '\u{feff}' || c.is_whitespace()).chars().next() {
            Some('{') => Format::JsonLines,
            _ => Format::Csv,
        }
    }
}

fn value_of(v: &serde_json::Value) -> Result<f64, String> {
    match v {
        serde_json::Value::Number(n) => n.as_f64().ok_or_else(|| "`value`: not a finite number".into()),
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
    // Spreadsheet exports often start with a UTF-8 byte-order mark; it is not data.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
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
        Format::Csv => csv_readings(text, local_offset_s, &mut good, &mut bad),
    }
    (good, bad)
}

/// The columns a CSV header names, by index.
struct CsvColumns {
    names: Vec<String>,
    sensor: usize,
    time: usize,
    value: usize,
    flag: Option<usize>,
}

impl CsvColumns {
    /// Reads the header row: names are matched trimmed and case-blind; each may appear once.
    fn from_header(fields: &[&str]) -> Result<Self, String> {
        let names: Vec<String> = fields.iter().map(|c| c.trim().to_lowercase()).collect();
        let find = |name: &str| -> Result<Option<usize>, String> {
            let mut at = names.iter().enumerate().filter(|(_, c)| *c == name).map(|(k, _)| k);
            let first = at.next();
            if at.next().is_some() {
                return Err(format!("the CSV header names `{name}` twice"));
            }
            Ok(first)
        };
        let (sensor, time, value, flag) = (find("sensor")?, find("time")?, find("value")?, find("flag")?);
        let (Some(sensor), Some(time), Some(value)) = (sensor, time, value) else {
            return Err(format!("the CSV header must name sensor, time and value; found `{}`", fields.join(",")));
        };
        Ok(Self { names, sensor, time, value, flag })
    }

    /// One data row as a reading; the error names the field.
    fn reading(&self, fields: &[&str], local_offset_s: i32) -> Result<Reading, String> {
        let get = |k: usize, name: &str| {
            fields.get(k).map(|f| f.trim()).ok_or_else(|| {
                let n = fields.len();
                format!("`{name}`: missing (the row has {n} field{}, the header {})", plural(n), self.names.len())
            })
        };
        let sensor = get(self.sensor, "sensor")?;
        if sensor.is_empty() {
            return Err("`sensor`: empty".into());
        }
        let t = get(self.time, "time")?;
        let time = parse_time(t, local_offset_s).ok_or_else(|| format!("`time`: cannot read \"{t}\""))?;
        let v = get(self.value, "value")?;
        let value = parse_number(v).ok_or_else(|| format!("`value`: expected a number, found \"{v}\""))?;
        // A short row that stops before an optional flag column has no flag.
        let flag = match self.flag.and_then(|k| fields.get(k)).map(|f| f.trim()).filter(|f| !f.is_empty()) {
            None => None,
            Some(f) => Some(DataFlag::parse(f).ok_or_else(|| format!("`flag`: unknown HJ 212 flag \"{f}\""))?),
        };
        Ok(Reading { sensor: sensor.to_string(), time, value, flag })
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Where a record the `csv` reader placed at `byte` really starts. The reader's positions may
/// point before the terminators and `#` comment lines it skipped (and its line numbers miscount
/// CRLF, blank and comment lines), so lines are counted here from the text itself.
fn record_start(text: &[u8], mut byte: usize) -> usize {
    loop {
        match text.get(byte) {
            Some(b'\r' | b'\n') => byte += 1,
            Some(b'#') => match next_line(text, byte) {
                Some(next) => byte = next,
                None => return text.len(),
            },
            _ => return byte,
        }
    }
}

/// The start of the line after the one holding `byte`, if there is one.
fn next_line(text: &[u8], byte: usize) -> Option<usize> {
    text.get(byte..)?.iter().position(|&c| c == b'\n').map(|nl| byte + nl + 1)
}

/// 1-based line numbers of byte offsets visited in increasing order.
struct LineCounter<'a> {
    text: &'a [u8],
    byte: usize,
    line: usize,
}

impl LineCounter<'_> {
    fn line_at(&mut self, byte: usize) -> usize {
        if byte >= self.byte {
            self.line += self.text.get(self.byte..byte).unwrap_or_default().iter().filter(|&&c| c == b'\n').count();
            self.byte = byte;
        }
        self.line
    }
}

/// Reads CSV readings with the `csv` crate. A record whose quoted field runs past its line is
/// refused and reading restarts on the line after the one it started on.
fn csv_readings(text: &str, local_offset_s: i32, good: &mut Vec<(usize, Reading)>, bad: &mut Vec<ReadingError>) {
    let text = text.as_bytes();
    let mut columns: Option<CsvColumns> = None;
    let mut lines = LineCounter { text, byte: 0, line: 1 };
    // The byte offset into `text` where the current reader starts.
    let mut start = 0usize;
    'restart: while start < text.len() {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .comment(Some(b'#'))
            .from_reader(text.get(start..).unwrap_or_default());
        let mut record = csv::StringRecord::new();
        loop {
            let read = reader.read_record(&mut record);
            let reported = match &read {
                Ok(_) => record.position(),
                Err(e) => e.position(),
            };
            let at = record_start(text, start + reported.map_or(0, |p| p.byte() as usize));
            let line = lines.line_at(at);
            match read {
                Ok(false) => break 'restart,
                Ok(true) => {}
                Err(e) => {
                    // `text` is UTF-8 and rows may differ in length, so the reader has nothing
                    // left to refuse; should it still, report the row and go on after it.
                    bad.push(ReadingError { line, message: format!("unreadable CSV row: {e}") });
                    match next_line(text, at) {
                        Some(next) => start = next,
                        None => break 'restart,
                    }
                    continue 'restart;
                }
            }
            let fields: Vec<&str> = record.iter().collect();
            // An open quote swallows line breaks into its field; on a last line without one it
            // runs to the end of the text, leaving an odd number of quotes behind.
            let ran_to_end = start + reader.position().byte() as usize >= text.len();
            let open_at_end =
                ran_to_end && text.get(at..).unwrap_or_default().iter().filter(|&&c| c == b'"').count() % 2 == 1;
            let unclosed = fields
                .iter()
                .position(|f| f.contains(['\n', '\r']))
                .or_else(|| open_at_end.then(|| fields.len().saturating_sub(1)));
            if let Some(k) = unclosed {
                let name = columns
                    .as_ref()
                    .and_then(|c| c.names.get(k))
                    .map_or(format!("column {}", k + 1), |n| format!("`{n}`"));
                bad.push(ReadingError {
                    line,
                    message: format!("{name}: a quoted field is not closed on its line (a `\"` is missing)"),
                });
                match next_line(text, at) {
                    Some(next) => start = next,
                    None => break 'restart,
                }
                continue 'restart;
            }
            if fields.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            match &columns {
                None => match CsvColumns::from_header(&fields) {
                    Ok(c) => columns = Some(c),
                    Err(message) => {
                        // Without the columns no row can be read.
                        bad.push(ReadingError { line, message });
                        return;
                    }
                },
                Some(c) => match c.reading(&fields, local_offset_s) {
                    Ok(r) => good.push((line, r)),
                    Err(message) => bad.push(ReadingError { line, message }),
                },
            }
        }
    }
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
    let value = value_of(o.get("value").ok_or("`value`: missing")?)?;
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
    fn an_error_names_its_field_when_its_message_does() {
        let (_, bad) = parse_readings(
            "{\"sensor\": \"A\", \"time\": \"2026-12-01 08:00:00\", \"value\": \"x\"}\n{not json\n",
            Format::JsonLines,
            CHINA_STANDARD_TIME_S,
        );
        assert_eq!(bad[0].field(), Some("value"), "{}", bad[0]);
        assert_eq!(bad[1].field(), None, "{}", bad[1]);
    }

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
        assert_eq!(bad[0].to_string(), "line 4: `time`: cannot read \"bad\"");
        let (_, bad) = parse_readings("a,b\n1,2\n", Format::Csv, 0);
        assert!(bad[0].message.contains("header"), "{bad:?}");
        assert_eq!(bad[0].line, 1);
        assert_eq!(Format::sniff("  {\"a\":1}"), Format::JsonLines);
    }

    fn csv(text: &str) -> (Vec<(usize, Reading)>, Vec<String>) {
        let (good, bad) = parse_readings(text, Format::Csv, CHINA_STANDARD_TIME_S);
        (good, bad.iter().map(ReadingError::to_string).collect())
    }

    #[test]
    fn csv_quoted_fields_keep_their_commas_and_doubled_quotes() {
        let text = "sensor,time,value,note\n\
                    \"TC1-LOAD\",\"2026-11-28 09:30:00\",\"91.5\",\"jib north, \"\"tower 1\"\"\"\n\
                    \"DM1,PM10\",2026-11-28 09:31:00,12,\n";
        let (good, bad) = csv(text);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(good.len(), 2);
        assert_eq!((good[0].0, good[0].1.sensor.as_str(), good[0].1.value), (2, "TC1-LOAD", 91.5));
        // A comma inside quotes is data, not a separator: the row still has its four fields.
        assert_eq!((good[1].0, good[1].1.sensor.as_str(), good[1].1.value), (3, "DM1,PM10", 12.0));
    }

    #[test]
    fn csv_with_a_byte_order_mark_and_crlf_lines() {
        let text = "\u{feff}sensor,time,value,flag\r\nTC1-LOAD,2026-11-28 09:30:00,91.5,N\r\nTC1-LOAD,2026-11-28 09:30:10,x,N\r\nTC1-LOAD,2026-11-28 09:30:20,92,T\r\n";
        let (good, bad) = csv(text);
        assert_eq!(bad, ["line 3: `value`: expected a number, found \"x\""]);
        assert_eq!(good.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [2, 4]);
        // Neither the mark nor the carriage return sticks to a name or a flag.
        assert_eq!(good[0].1.sensor, "TC1-LOAD");
        assert_eq!(good[1].1.flag, Some(DataFlag::T));
        let want = Utc.with_ymd_and_hms(2026, 11, 28, 1, 30, 0).unwrap();
        assert_eq!(good[0].1.time, want);
        assert_eq!(Format::sniff("\u{feff}{\"sensor\": \"A\"}"), Format::JsonLines);
        let (good, bad) = parse_readings(
            "\u{feff}{\"sensor\": \"A\", \"time\": \"2026-11-28 09:30:00\", \"value\": 1}\r\n",
            Format::JsonLines,
            0,
        );
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(good.len(), 1);
    }

    #[test]
    fn csv_header_names_match_in_any_case_spacing_and_order_and_extra_columns_are_ignored() {
        let text = " Device , VALUE,Flag , Unit,TIME ,Sensor \nD-77,0.42,N,mm,2026-11-28 09:30:00,ZQS2\n";
        let (good, bad) = csv(text);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(good.len(), 1);
        let r = &good[0].1;
        assert_eq!((r.sensor.as_str(), r.value, r.flag), ("ZQS2", 0.42, Some(DataFlag::N)));
        // A row with more fields than the header is read by its named columns.
        let (good, bad) = csv("sensor,time,value\nA,2026-11-28 09:30:00,1,extra,more\n");
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(good[0].1.value, 1.0);
        // A required column named twice is ambiguous.
        let (good, bad) = csv("sensor,time,value,Value\nA,2026-11-28 09:30:00,1,2\n");
        assert!(good.is_empty());
        assert_eq!(bad, ["line 1: the CSV header names `value` twice"]);
    }

    #[test]
    fn csv_bad_rows_are_each_named_and_the_good_rows_around_them_kept() {
        let text = "# vendor export\n\
                    sensor,time,value,flag\n\
                    A,2026-11-28 09:30:00,1,N\n\
                    A,2026-11-28 09:30:10\n\
                    \n\
                    ,2026-11-28 09:30:20,3,N\n\
                    A,2026-11-28 09:30:30,4,Q\n\
                    A,\"2026-11-28 09:30:40,5,N\n\
                    A,2026-11-28 09:30:50,6,N\n\
                    # comment between rows\n\
                    A,2026-11-28 09:31:00,7\n";
        let (good, bad) = csv(text);
        assert_eq!(
            bad,
            [
                "line 4: `value`: missing (the row has 2 fields, the header 4)",
                "line 6: `sensor`: empty",
                "line 7: `flag`: unknown HJ 212 flag \"Q\"",
                "line 8: `time`: a quoted field is not closed on its line (a `\"` is missing)",
            ]
        );
        // The unclosed quote does not swallow the rows after it; a row that stops before the
        // optional flag column has no flag.
        let kept: Vec<(usize, f64, Option<DataFlag>)> = good.iter().map(|(l, r)| (*l, r.value, r.flag)).collect();
        assert_eq!(kept, [(3, 1.0, Some(DataFlag::N)), (9, 6.0, Some(DataFlag::N)), (11, 7.0, None)]);
    }

    #[test]
    fn csv_an_unclosed_quote_on_the_last_line_is_reported_once() {
        let (good, bad) = csv("sensor,time,value\nA,2026-11-28 09:30:00,1\n\"A,2026-11-28 09:30:10,2");
        assert_eq!(good.len(), 1);
        assert_eq!(bad, ["line 3: `sensor`: a quoted field is not closed on its line (a `\"` is missing)"]);
        let (good, bad) = csv("sensor,time,value\n\"A,2026-11-28 09:30:10,2\r\nB,2026-11-28 09:30:10,3\nC\n");
        assert_eq!(bad[1], "line 4: `time`: missing (the row has 1 field, the header 3)");
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert_eq!((good[0].0, good[0].1.sensor.as_str()), (3, "B"));
    }

    /// What the gateway's HTTP and MQTT doors feed the decoder: any bytes a client sends.
    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        /// Lines that look like readings, then damaged.
        fn near_json() -> impl Strategy<Value = String> {
            let field = prop_oneof![
                Just("\"sensor\": \"TC1-LOAD\"".to_string()),
                Just("\"time\": \"2026-12-01T08:30:00+08:00\"".to_string()),
                Just("\"value\": 12.5".to_string()),
                Just("\"value\": \"NaN\"".to_string()),
                Just("\"flag\": \"N\"".to_string()),
                "[ -~]{0,12}".prop_map(|x| x),
            ];
            proptest::collection::vec(field, 0..6).prop_map(|f| format!("{{{}}}", f.join(", ")))
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

            #[test]
            fn any_text_gives_readings_or_line_errors_never_a_panic(text in "\\PC{0,400}") {
                for format in [Format::JsonLines, Format::Csv] {
                    let (good, bad) = parse_readings(&text, format, CHINA_STANDARD_TIME_S);
                    for (line, _) in &good {
                        prop_assert!(*line >= 1);
                    }
                    for e in &bad {
                        prop_assert!(e.line >= 1 && !e.message.is_empty());
                    }
                }
            }

            #[test]
            fn every_line_is_either_read_or_refused_by_number(lines in proptest::collection::vec(near_json(), 1..20)) {
                let text = lines.join("\n");
                let (good, bad) = parse_readings(&text, Format::JsonLines, CHINA_STANDARD_TIME_S);
                let mut seen: Vec<usize> = good.iter().map(|(l, _)| *l).chain(bad.iter().map(|e| e.line)).collect();
                seen.sort_unstable();
                let expected: Vec<usize> =
                    lines.iter().enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(i, _)| i + 1).collect();
                prop_assert_eq!(seen, expected);
            }
        }
    }
}
