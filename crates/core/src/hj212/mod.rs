//! HJ 212 (污染物在线监控系统数据传输标准), the protocol the site's dust and noise monitors speak
//! over TCP: framing, length and CRC checks, the fields of the data segment, the replies a
//! platform sends, the encoder a simulated monitor uses, and the turning of a data packet into
//! [`Reading`](crate::telemetry::Reading)s of the scene's sensors. Pure: the telemetry gateway only
//! moves bytes. What is and is not confirmed is in `docs/hj212.md` and [`PROTOCOL_SOURCES`].
//!
//! A packet is `##` + 4-digit data-segment length + data segment + 4 hex CRC + CR LF:
//!
//! ```text
//! ##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n
//! ```
//!
//! - [`FrameSplitter`] cuts a TCP byte stream into frames, resynchronising after garbage;
//! - [`parse_packet`] checks a frame (length, CRC, tail) and reads its fields into a [`Packet`];
//! - [`Packet::encode`] writes one back, with its length and CRC;
//! - [`data_reply`], [`request_reply`] and [`execution_reply`] build the 9014, 9011 and 9012 replies;
//! - [`DeviceRegistry`] knows a site's devices (MN, password, which code feeds which sensor) and
//!   [`DeviceRegistry::readings`] turns a 2011/2051/2061 packet into readings;
//! - [`ingest`] handles one frame end to end: packet, admission, readings and the reply to send.
//!
//! Byte offsets in errors count from the first `#` of the packet.

mod codes;
mod crc;
mod error;
mod frame;
mod ingest;
mod packet;
mod registry;
mod reply;

#[cfg(test)]
mod tests;

pub use codes::{
    CommandCode, ExeRtn, PacketFlag, Param, ProtocolVersion, QnRtn, Suffix, SystemCode, factor_code, factor_name,
};
pub use crc::crc16;
pub use error::{EncodeError, FieldProblem, PacketError};
pub use frame::{DEFAULT_MAX_SEGMENT_LEN, Frame, FrameLimits, FrameSplitter, StreamError, frame, unframe};
pub use ingest::{Ingested, Outcome, ingest};
pub use packet::{Cp, CpField, CpItem, FieldKey, Packet, Qn, SplitInfo, parse_hj_time, parse_packet};
pub use registry::{
    ConcentrationUnit, Device, DeviceOverride, DeviceRegistry, FactorTarget, ItemProblem, PacketReadings,
    ReadingsError, RegistryError, UnknownCode, value_suffix,
};
pub use reply::{ReplyTo, data_reply, execution_reply, request_reply};

use crate::rules::{Confidence, RuleSource};

const fn src(id: &'static str, citation: &'static str, confidence: Confidence) -> RuleSource {
    RuleSource { id, group: "hj212", citation, confidence }
}

/// Where each protocol choice comes from, with its confidence (the standards doc's tags), so that
/// what is unconfirmed can be shown as such. `docs/hj212.md` explains each.
pub const PROTOCOL_SOURCES: &[RuleSource] = &[
    src(
        "hj212.crc",
        "CRC16 of HJ 212-2017's appendix: shift then xor, 0xA001, init 0xFFFF (not CRC-16/MODBUS); checked on 3 public packets",
        Confidence::Checked,
    ),
    src(
        "hj212.frame",
        "## + 4-digit length of the data segment + segment + 4 hex CRC + CR LF (xiaoyao9184, srdgame, caoyiliang)",
        Confidence::Stated,
    ),
    src(
        "hj212.max-segment-len",
        "data segment at most 1024 characters: recalled, not found in a published text; FrameLimits sets it",
        Confidence::Recalled,
    ),
    src(
        "hj212.flag.version",
        "Flag bits 2+ = version: 0 = HJ/T 212-2005, 4 = HJ 212-2017 (xiaoyao9184, caoyiliang)",
        Confidence::Stated,
    ),
    src(
        "hj212.flag.version-2025",
        "Flag version 8 = \"HJ 212-2025\" per caoyiliang/HJ212's Version enum; no published 2025 text found",
        Confidence::Unknown,
    ),
    src(
        "hj212.flag.absent",
        "a packet without Flag is read as HJ/T 212-2005 (the 2005 sample data carry none): sitetwin's reading",
        Confidence::SitetwinDefault,
    ),
    src(
        "hj212.qn",
        "QN = YYYYMMDDhhmmsszzz, 17 digits (samples agree; the format's text is recalled)",
        Confidence::Recalled,
    ),
    src(
        "hj212.reply.9014",
        "data reply: same QN/PW/MN, ST=91, CN=9014, Flag=version without A, empty CP (common practice)",
        Confidence::Recalled,
    ),
    src(
        "hj212.reply.refusal",
        "refusing a packet with 9011 QnRtn (3 PW wrong, 4 MN wrong, 9 CRC error), only when Flag asks a reply: sitetwin's use",
        Confidence::SitetwinDefault,
    ),
    src(
        "hj212.unit.particulates",
        "particulates in µg/m³ unless the device says mg/m³: the code table's ng/m³ contradicts field samples",
        Confidence::SitetwinDefault,
    ),
    src(
        "hj212.value-suffix",
        "value of a reading: -Rtd for CN 2011, -Avg for 2051 and 2061 (HJ 212-2017 field meanings)",
        Confidence::Stated,
    ),
];
