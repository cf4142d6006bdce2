//! One frame from a station, handled as the platform handles it: read it, admit its sender, take
//! its readings and decide the reply, so that the telemetry gateway only moves bytes.

use super::codes::QnRtn;
use super::error::PacketError;
use super::frame::FrameLimits;
use super::packet::{Packet, parse_packet};
use super::registry::{DeviceRegistry, PacketReadings, ReadingsError, value_suffix};
use super::reply::{ReplyTo, data_reply, request_reply};

/// What a frame came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A data packet (2011/2051/2061) of an admitted device, and its readings.
    Readings(PacketReadings),
    /// An admitted packet that carries no readings (heartbeat, equipment state, a reply …).
    Accepted,
    /// An admitted data packet whose readings could not be taken (no DataTime, say).
    NoReadings(ReadingsError),
    /// The sender is not admitted: unknown MN or wrong PW.
    Refused(QnRtn),
    /// The frame is not a valid packet.
    Malformed(PacketError),
}

/// A frame handled.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    /// The packet, when it could be read.
    pub packet: Option<Packet>,
    /// What it came to.
    pub outcome: Outcome,
    /// The packet to send back, framed, if any.
    pub reply: Option<String>,
}

/// Handles one frame (as [`FrameSplitter`](super::FrameSplitter) cuts them). Replies go only to a
/// station that asked for one (Flag bit A) (\[default\]: unasked replies are not sent):
///
/// - a readable packet of an admitted device: 9014 data reply ([`data_reply`]), also when its
///   readings fail, so that the station does not resend the same packet;
/// - unknown MN or wrong PW ([`DeviceRegistry::admit`]): 9011 with QnRtn 4 or 3;
/// - a CRC error: 9011 with QnRtn 9, addressed from the salvaged header ([`ReplyTo::salvage`]);
/// - any other malformation: no reply, since nothing in the frame can be trusted.
///
/// A reply that does not fit `limits` (a limit under ~80 characters) is not sent.
pub fn ingest(frame: &[u8], registry: &DeviceRegistry, limits: &FrameLimits) -> Ingested {
    let refuse = |to: &ReplyTo, rtn| to.reply_required.then(|| request_reply(to, rtn).encode(limits).ok()).flatten();
    let packet = match parse_packet(frame, limits) {
        Ok(p) => p,
        Err(e) => {
            let reply = match e {
                PacketError::Crc { .. } => ReplyTo::salvage(frame).and_then(|to| refuse(&to, QnRtn::CrcError)),
                _ => None,
            };
            return Ingested { packet: None, outcome: Outcome::Malformed(e), reply };
        }
    };
    let (outcome, reply) = match registry.admit(&packet) {
        Err(rtn) => (Outcome::Refused(rtn), refuse(&ReplyTo::from(&packet), rtn)),
        Ok(_) => {
            let outcome = match value_suffix(packet.cn) {
                None => Outcome::Accepted,
                Some(_) => match registry.readings(&packet) {
                    Ok(r) => Outcome::Readings(r),
                    Err(e) => Outcome::NoReadings(e),
                },
            };
            (outcome, data_reply(&packet).and_then(|r| r.encode(limits).ok()))
        }
    };
    Ingested { packet: Some(packet), outcome, reply }
}
