//! The HJ 212 data segment: `QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;[PNUM=…;PNO=…;]CP=&&…&&`, read into a
//! [`Packet`] with every malformation a positioned [`PacketError`], and written back.

use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use super::codes::{CommandCode, PacketFlag, Param, ProtocolVersion, Suffix, SystemCode};
use super::error::{EncodeError, FieldProblem, PacketError};
use super::frame::{FrameLimits, frame, printable, unframe};

/// Where the data segment starts in a packet (`##LLLL`): offsets in errors count from the packet.
const SEGMENT_AT: usize = 6;

/// The request number `QN`: a time stamp `YYYYMMDDhhmmsszzz` (17 digits, millisecond precision,
/// the sender's clock). Replies echo it. Format \[R\] (samples agree; the standard's text not seen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Qn(NaiveDateTime);

impl Qn {
    /// Reads 17 digits that form a valid time.
    pub fn parse(s: &str) -> Option<Qn> {
        digits_time(s, true).map(Qn)
    }

    /// The QN of a time (sub-millisecond part dropped); `None` outside years 0000–9999.
    pub fn from_time(t: NaiveDateTime) -> Option<Qn> {
        if !(0..=9999).contains(&t.year()) {
            return None;
        }
        let ms = t.and_utc().timestamp_subsec_millis().min(999);
        t.with_nanosecond(ms * 1_000_000).map(Qn)
    }

    /// The time it stands for.
    pub fn time(self) -> NaiveDateTime {
        self.0
    }
}

impl fmt::Display for Qn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y%m%d%H%M%S%3f"))
    }
}

/// Reads an HJ 212 time, `YYYYMMDDhhmmss` (14 digits, as `DataTime`, `BeginTime` …), or the 17
/// digits with milliseconds some HJ/T 212-2005 loggers send in `DataTime` (xiaoyao9184 sample data).
pub fn parse_hj_time(s: &str) -> Option<NaiveDateTime> {
    match s.len() {
        14 => digits_time(s, false),
        17 => digits_time(s, true),
        _ => None,
    }
}

fn digits_time(s: &str, with_ms: bool) -> Option<NaiveDateTime> {
    let n = if with_ms { 17 } else { 14 };
    if s.len() != n || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |a: usize, b: usize| s[a..b].parse::<u32>().ok();
    let year = i32::try_from(num(0, 4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, num(4, 6)?, num(6, 8)?)?;
    let ms = if with_ms { num(14, 17)? } else { 0 };
    date.and_hms_milli_opt(num(8, 10)?, num(10, 12)?, num(12, 14)?, ms)
}

/// `PNUM`/`PNO` of a split packet (Flag bit D).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SplitInfo {
    /// `PNUM`: how many packets the message was split into (1–9999).
    pub total: u16,
    /// `PNO`: which one this is, from 1.
    pub index: u16,
}

/// The name of a CP field: a parameter (`DataTime`) or a factor's `code-Suffix` (`a34002-Rtd`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldKey {
    /// A parameter, a name without `-`.
    Param(Param),
    /// A factor field: the code before the last `-`, the suffix after it.
    Factor {
        /// Pollutant or factor code (`a34002`, `LA`).
        code: String,
        /// What the value is (`Rtd`, `Avg`, `Flag` …).
        suffix: Suffix,
    },
}

fn name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl FieldKey {
    /// Reads a field name: letters, digits and `_`, with `-` between a factor code and its suffix.
    pub fn parse(s: &str) -> Option<FieldKey> {
        match s.rsplit_once('-') {
            None => (!s.is_empty() && s.bytes().all(name_char)).then(|| FieldKey::Param(Param::parse(s))),
            Some((code, suffix)) => {
                let ok = !code.is_empty()
                    && !suffix.is_empty()
                    && code.bytes().all(|b| name_char(b) || b == b'-')
                    && !code.starts_with('-')
                    && !code.ends_with('-')
                    && suffix.bytes().all(name_char);
                ok.then(|| FieldKey::Factor { code: code.to_string(), suffix: Suffix::parse(suffix) })
            }
        }
    }

    /// A factor field name.
    pub fn factor(code: &str, suffix: Suffix) -> FieldKey {
        FieldKey::Factor { code: code.to_string(), suffix }
    }
}

impl fmt::Display for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldKey::Param(p) => f.write_str(p.as_str()),
            FieldKey::Factor { code, suffix } => write!(f, "{code}-{}", suffix.as_str()),
        }
    }
}

/// One `name=value` of CP.
#[derive(Debug, Clone, PartialEq)]
pub struct CpField {
    /// Byte offset of its name in the packet it was read from (0 for a field built in code).
    pub offset: usize,
    /// Its name.
    pub key: FieldKey,
    /// Its value, as sent.
    pub value: String,
}

impl CpField {
    /// A field built in code.
    pub fn new(key: FieldKey, value: impl Into<String>) -> CpField {
        CpField { offset: 0, key, value: value.into() }
    }

    /// Byte offset of its value in the packet it was read from.
    pub fn value_offset(&self) -> usize {
        if self.offset == 0 { 0 } else { self.offset + self.key.to_string().len() + 1 }
    }
}

/// One `;`-separated item of CP: its `,`-separated fields (usually one factor's values and flag).
#[derive(Debug, Clone, PartialEq)]
pub struct CpItem {
    /// Byte offset in the packet it was read from (0 for an item built in code).
    pub offset: usize,
    /// The fields, in order.
    pub fields: Vec<CpField>,
}

/// The command parameters `CP=&&…&&`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cp {
    /// The items, in order.
    pub items: Vec<CpItem>,
}

impl Cp {
    /// Empty CP (`CP=&&&&`).
    pub fn new() -> Cp {
        Cp::default()
    }

    /// Adds an item holding one parameter.
    pub fn with_param(mut self, param: Param, value: impl Into<String>) -> Cp {
        self.items.push(CpItem { offset: 0, fields: vec![CpField::new(FieldKey::Param(param), value)] });
        self
    }

    /// Adds an item of fields.
    pub fn with_item(mut self, fields: Vec<CpField>) -> Cp {
        self.items.push(CpItem { offset: 0, fields });
        self
    }

    /// Every field, in order.
    pub fn fields(&self) -> impl Iterator<Item = &CpField> {
        self.items.iter().flat_map(|i| i.fields.iter())
    }

    /// The first field holding this parameter.
    pub fn param(&self, param: &Param) -> Option<&CpField> {
        self.fields().find(|f| matches!(&f.key, FieldKey::Param(p) if p == param))
    }
}

/// A packet's data segment, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    /// `QN`, the request number. HJ/T 212-2005 uploads carry none.
    pub qn: Option<Qn>,
    /// `ST`, the system code.
    pub st: SystemCode,
    /// `CN`, the command code.
    pub cn: CommandCode,
    /// `PW`, the access password.
    pub pw: String,
    /// `MN`, the device's unique id.
    pub mn: String,
    /// `Flag`; absent in HJ/T 212-2005 packets.
    pub flag: Option<PacketFlag>,
    /// `PNUM`/`PNO`, present exactly when Flag's D bit is set.
    pub split: Option<SplitInfo>,
    /// `CP`, the command parameters.
    pub cp: Cp,
}

/// Checks a whole packet (`##` to CR LF: header, length, CRC, tail, see [`unframe`]) and reads
/// its data segment.
pub fn parse_packet(bytes: &[u8], limits: &FrameLimits) -> Result<Packet, PacketError> {
    Packet::parse_segment(unframe(bytes, limits)?)
}

impl Packet {
    /// The protocol version: from Flag, or HJ/T 212-2005 when there is no Flag (\[default\]: the
    /// 2005 sample data carry none).
    pub fn version(&self) -> ProtocolVersion {
        self.flag.map_or(ProtocolVersion::Hjt212_2005, PacketFlag::version)
    }

    /// Whether the sender asks for a reply (Flag bit A).
    pub fn reply_required(&self) -> bool {
        self.flag.is_some_and(PacketFlag::reply_required)
    }

    /// Reads a data segment (what is between `##LLLL` and the CRC). Offsets in errors are as in
    /// the packet, the segment starting at byte 6. Header fields may come in any order but each
    /// once, and `CP=&&…&&` must end the segment.
    pub fn parse_segment(seg: &str) -> Result<Packet, PacketError> {
        if let Some(i) = seg.bytes().position(|b| !printable(b)) {
            return Err(PacketError::NotAscii { offset: SEGMENT_AT + i, byte: seg.as_bytes()[i] });
        }
        let at = |i: usize| SEGMENT_AT + i;
        let mut h = Header::default();
        let mut pos = 0;
        let (cp, cp_at) = loop {
            let rest = &seg[pos..];
            if rest.is_empty() {
                return Err(PacketError::field_error(at(pos), "CP", FieldProblem::Missing));
            }
            let stop = rest.find([';', '=']);
            let Some(eq) = stop.filter(|&i| rest.as_bytes()[i] == b'=') else {
                let name = &rest[..stop.unwrap_or(rest.len())];
                return Err(PacketError::field_error(at(pos), name, FieldProblem::Structure("expected `name=value`")));
            };
            let key = &rest[..eq];
            let vstart = pos + eq + 1;
            if key == "CP" {
                let Some(body_start) = seg[vstart..].starts_with("&&").then_some(vstart + 2) else {
                    return Err(PacketError::field_error(
                        at(vstart),
                        "CP",
                        FieldProblem::Invalid { expected: "`&&` opening the parameters", found: head(&seg[vstart..]) },
                    ));
                };
                if seg.len() < body_start + 2 || !seg.ends_with("&&") {
                    return Err(PacketError::field_error(
                        at(seg.len()),
                        "CP",
                        FieldProblem::Structure("expected `&&` closing the parameters at the end of the data segment"),
                    ));
                }
                break (parse_cp(&seg[body_start..seg.len() - 2], at(body_start))?, at(pos));
            }
            let Some(vlen) = seg[vstart..].find(';') else {
                return Err(PacketError::field_error(
                    at(pos),
                    key,
                    FieldProblem::Structure("expected `;` after the value (the data segment must end with `CP=&&…&&`)"),
                ));
            };
            let slot = match key {
                "QN" => &mut h.qn,
                "ST" => &mut h.st,
                "CN" => &mut h.cn,
                "PW" => &mut h.pw,
                "MN" => &mut h.mn,
                "Flag" => &mut h.flag,
                "PNUM" => &mut h.pnum,
                "PNO" => &mut h.pno,
                "" => return Err(PacketError::field_error(at(pos), "", FieldProblem::Structure("empty field name"))),
                _ => return Err(PacketError::field_error(at(pos), key, FieldProblem::Unknown)),
            };
            if slot.is_some() {
                return Err(PacketError::field_error(at(pos), key, FieldProblem::Duplicate));
            }
            *slot = Some((at(vstart), &seg[vstart..vstart + vlen]));
            pos = vstart + vlen + 1;
        };
        h.into_packet(cp, cp_at)
    }

    /// Writes the data segment, checking every field can be read back as it is.
    pub fn segment(&self) -> Result<String, EncodeError> {
        let bad = |field: &str, problem: &'static str| EncodeError::Field { field: field.to_string(), problem };
        if self.st.0 > 99 {
            return Err(bad("ST", "must be 2 digits (00–99)"));
        }
        if self.cn.0 > 9999 {
            return Err(bad("CN", "must be 4 digits (0000–9999)"));
        }
        for (name, v) in [("PW", &self.pw), ("MN", &self.mn)] {
            if !header_value_ok(v) {
                return Err(bad(name, "must be non-empty printable ASCII without `;`, `,`, `&` or `=`"));
            }
        }
        let split_bit = self.flag.is_some_and(PacketFlag::split);
        match self.split {
            Some(_) if !split_bit => return Err(bad("PNUM", "given while Flag's D bit (split) is clear")),
            None if split_bit => return Err(bad("PNUM", "missing while Flag's D bit (split) is set")),
            Some(s) if s.total == 0 || s.total > 9999 || s.index == 0 || s.index > s.total => {
                return Err(bad("PNO", "must be between 1 and PNUM (at most 9999)"));
            }
            _ => {}
        }
        let mut out = String::new();
        if let Some(qn) = self.qn {
            out.push_str(&format!("QN={qn};"));
        }
        out.push_str(&format!("ST={};CN={};PW={};MN={};", self.st, self.cn, self.pw, self.mn));
        if let Some(flag) = self.flag {
            out.push_str(&format!("Flag={};", flag.0));
        }
        if let Some(s) = self.split {
            out.push_str(&format!("PNUM={};PNO={};", s.total, s.index));
        }
        out.push_str("CP=&&");
        for (i, item) in self.cp.items.iter().enumerate() {
            if item.fields.is_empty() {
                return Err(bad("CP", "an item has no fields"));
            }
            if i > 0 {
                out.push(';');
            }
            for (j, f) in item.fields.iter().enumerate() {
                let name = f.key.to_string();
                if FieldKey::parse(&name).as_ref() != Some(&f.key) {
                    return Err(EncodeError::Field {
                        field: name,
                        problem: "name must be letters, digits and `_` (a factor: `code-Suffix`) and read back the same",
                    });
                }
                if !cp_value_ok(&f.value) {
                    return Err(EncodeError::Field {
                        field: name,
                        problem: "value must be printable ASCII without `;`, `,` or `&`",
                    });
                }
                if j > 0 {
                    out.push(',');
                }
                out.push_str(&format!("{name}={}", f.value));
            }
        }
        out.push_str("&&");
        Ok(out)
    }

    /// Writes the whole packet, `##` to CR LF, with its length and CRC.
    pub fn encode(&self, limits: &FrameLimits) -> Result<String, EncodeError> {
        frame(&self.segment()?, limits)
    }
}

fn head(s: &str) -> String {
    s.chars().take(12).collect()
}

fn header_value_ok(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| printable(b) && !matches!(b, b';' | b',' | b'&' | b'='))
}

fn cp_value_ok(v: &str) -> bool {
    v.bytes().all(|b| printable(b) && !matches!(b, b';' | b',' | b'&'))
}

/// Header fields as found: (byte offset of the value, the value).
#[derive(Default)]
struct Header<'a> {
    qn: Option<(usize, &'a str)>,
    st: Option<(usize, &'a str)>,
    cn: Option<(usize, &'a str)>,
    pw: Option<(usize, &'a str)>,
    mn: Option<(usize, &'a str)>,
    flag: Option<(usize, &'a str)>,
    pnum: Option<(usize, &'a str)>,
    pno: Option<(usize, &'a str)>,
}

fn digits(s: &str, min: usize, max: usize) -> Option<u32> {
    (s.len() >= min && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

impl Header<'_> {
    fn into_packet(self, cp: Cp, cp_at: usize) -> Result<Packet, PacketError> {
        let invalid = |(at, v): (usize, &str), field: &str, expected: &'static str| {
            PacketError::field_error(at, field, FieldProblem::Invalid { expected, found: v.to_string() })
        };
        let missing = |name: &str| PacketError::field_error(cp_at, name, FieldProblem::Missing);
        let qn = match self.qn {
            None => None,
            Some(f) => {
                Some(Qn::parse(f.1).ok_or_else(|| invalid(f, "QN", "17 digits YYYYMMDDhhmmsszzz, a valid time"))?)
            }
        };
        let st = self.st.ok_or_else(|| missing("ST"))?;
        let st = SystemCode(digits(st.1, 2, 2).map(|n| n as u8).ok_or_else(|| invalid(st, "ST", "2 digits"))?);
        let cn = self.cn.ok_or_else(|| missing("CN"))?;
        let cn = CommandCode(digits(cn.1, 4, 4).map(|n| n as u16).ok_or_else(|| invalid(cn, "CN", "4 digits"))?);
        let text = |f: Option<(usize, &str)>, name: &str| -> Result<String, PacketError> {
            let f = f.ok_or_else(|| missing(name))?;
            if header_value_ok(f.1) {
                Ok(f.1.to_string())
            } else {
                Err(invalid(f, name, "a non-empty value without `,`, `&` or `=`"))
            }
        };
        let pw = text(self.pw, "PW")?;
        let mn = text(self.mn, "MN")?;
        let flag = match self.flag {
            None => None,
            Some(f) => Some(PacketFlag(
                digits(f.1, 1, 3)
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| invalid(f, "Flag", "a number 0–255"))?,
            )),
        };
        let count = |f: (usize, &str), name: &str| {
            digits(f.1, 1, 4).filter(|&n| n >= 1).map(|n| n as u16).ok_or_else(|| invalid(f, name, "a number 1–9999"))
        };
        let split_bit = flag.is_some_and(PacketFlag::split);
        let split = if !split_bit {
            for (f, name) in [(self.pnum, "PNUM"), (self.pno, "PNO")] {
                if let Some((at, _)) = f {
                    return Err(PacketError::field_error(
                        at,
                        name,
                        FieldProblem::Structure("given while Flag's D bit (split) is clear"),
                    ));
                }
            }
            None
        } else {
            let total = count(self.pnum.ok_or_else(|| missing("PNUM"))?, "PNUM")?;
            let i = self.pno.ok_or_else(|| missing("PNO"))?;
            let index = count(i, "PNO")?;
            if index > total {
                return Err(invalid(i, "PNO", "a number from 1 to PNUM"));
            }
            Some(SplitInfo { total, index })
        };
        Ok(Packet { qn, st, cn, pw, mn, flag, split, cp })
    }
}

/// Reads the inside of `CP=&&…&&`, which starts at byte `base` of the packet.
fn parse_cp(body: &str, base: usize) -> Result<Cp, PacketError> {
    let mut cp = Cp::default();
    if body.is_empty() {
        return Ok(cp);
    }
    let parts: Vec<&str> = body.split(';').collect();
    let mut start = 0;
    for (k, part) in parts.iter().enumerate() {
        let item_at = base + start;
        start += part.len() + 1;
        if part.is_empty() {
            // One trailing `;` is tolerated: public samples end CP with it.
            if k + 1 == parts.len() && k > 0 {
                break;
            }
            return Err(PacketError::field_error(
                item_at,
                "CP",
                FieldProblem::Structure("empty item (`;;` or a leading `;`)"),
            ));
        }
        let mut item = CpItem { offset: item_at, fields: Vec::new() };
        let mut fstart = item_at;
        for field in part.split(',') {
            let field_at = fstart;
            fstart += field.len() + 1;
            let Some((name, value)) = field.split_once('=') else {
                let problem =
                    if field.is_empty() { "empty field (`,,` or a stray `,`)" } else { "expected `name=value`" };
                return Err(PacketError::field_error(field_at, field, FieldProblem::Structure(problem)));
            };
            let key = FieldKey::parse(name).ok_or_else(|| {
                PacketError::field_error(
                    field_at,
                    name,
                    FieldProblem::Invalid {
                        expected: "a name of letters, digits and `_` (a factor: `code-Suffix`)",
                        found: name.to_string(),
                    },
                )
            })?;
            if !cp_value_ok(value) {
                return Err(PacketError::field_error(
                    field_at + name.len() + 1,
                    name,
                    FieldProblem::Invalid { expected: "a value without `&`", found: value.to_string() },
                ));
            }
            item.fields.push(CpField { offset: field_at, key, value: value.to_string() });
        }
        cp.items.push(item);
    }
    Ok(cp)
}
