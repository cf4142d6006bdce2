//! The replies a platform sends a station: the 9014 data reply to an upload whose Flag asks for
//! one, and 9011 (`QnRtn`) / 9012 (`ExeRtn`) replies, used to refuse a packet (wrong PW, unknown MN,
//! CRC error).

use super::codes::{CommandCode, ExeRtn, PacketFlag, Param, ProtocolVersion, QnRtn, SystemCode};
use super::frame::printable;
use super::packet::{Cp, Packet, Qn};

/// Whom a reply goes to: the fields of the packet it answers that a reply echoes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTo {
    /// The request number to echo (none for HJ/T 212-2005 uploads, which carry none).
    pub qn: Option<Qn>,
    /// The station's password, echoed.
    pub pw: String,
    /// The station's MN, echoed.
    pub mn: String,
    /// The protocol version the reply's Flag carries: the station's.
    pub version: ProtocolVersion,
    /// Whether the station asked for a reply (Flag bit A).
    pub reply_required: bool,
}

impl From<&Packet> for ReplyTo {
    fn from(p: &Packet) -> Self {
        ReplyTo {
            qn: p.qn,
            pw: p.pw.clone(),
            mn: p.mn.clone(),
            version: p.version(),
            reply_required: p.reply_required(),
        }
    }
}

impl ReplyTo {
    /// Reads QN, PW, MN and Flag from a packet that failed its checks (a CRC error, say) so that
    /// it can be refused. Looks only at the header fields before `CP=`; `None` when PW or MN
    /// cannot be read. An unreadable QN is left out; an unreadable Flag is taken as HJ 212-2017
    /// with no reply asked.
    pub fn salvage(bytes: &[u8]) -> Option<ReplyTo> {
        let seg = bytes.get(6..).filter(|_| bytes.starts_with(b"##"))?;
        let end = seg.windows(3).position(|w| w == b"CP=").unwrap_or(seg.len());
        let header = std::str::from_utf8(&seg[..end]).ok()?;
        let (mut qn, mut pw, mut mn, mut flag) = (None, None, None, None);
        for field in header.split(';') {
            let Some((k, v)) = field.split_once('=') else { continue };
            let ok = !v.is_empty() && v.bytes().all(|b| printable(b) && !matches!(b, b',' | b'&' | b'='));
            match k {
                "QN" => qn = Qn::parse(v),
                "PW" if ok => pw = Some(v.to_string()),
                "MN" if ok => mn = Some(v.to_string()),
                "Flag" => flag = Some(v.parse::<u8>().ok()),
                _ => {}
            }
        }
        let version = match flag {
            None => ProtocolVersion::Hjt212_2005,
            Some(None) => ProtocolVersion::Hj212_2017,
            Some(Some(bits)) => ProtocolVersion::from_flag_bits(bits),
        };
        let reply_required = flag.flatten().is_some_and(|b| PacketFlag(b).reply_required());
        Some(ReplyTo { qn, pw: pw?, mn: mn?, version, reply_required })
    }
}

fn reply(to: &ReplyTo, cn: CommandCode, cp: Cp) -> Packet {
    Packet {
        qn: to.qn,
        st: SystemCode::SYSTEM,
        cn,
        pw: to.pw.clone(),
        mn: to.mn.clone(),
        flag: Some(PacketFlag::new(to.version, false, false)),
        split: None,
        cp,
    }
}

/// The 9014 data reply to `packet`, when its Flag asks for a reply (bit A) and it is not itself a
/// reply: same QN, PW and MN, ST=91, CN=9014, Flag = the station's version with A and D clear
/// (4 for HJ 212-2017), empty CP. For the standards doc's real-time example this is
/// `##0079QN=20240315093000123;ST=91;CN=9014;PW=123456;MN=JS320100TEST0001;Flag=4;CP=&&&&9D41`.
/// The layout is common practice, not checked against the standard's text: \[R\].
pub fn data_reply(packet: &Packet) -> Option<Packet> {
    (packet.reply_required() && !packet.cn.is_reply())
        .then(|| reply(&ReplyTo::from(packet), CommandCode::DATA_REPLY, Cp::new()))
}

/// A 9011 request reply with `QnRtn`: sitetwin answers a packet it refuses with 3 (PW wrong),
/// 4 (MN wrong) or 9 (CRC error), ST=91, the station's QN/PW/MN (\[default\]: the standard lists
/// 9011 as a station's reply; a platform using it to refuse is sitetwin's choice).
pub fn request_reply(to: &ReplyTo, rtn: QnRtn) -> Packet {
    reply(to, CommandCode::REQUEST_REPLY, Cp::new().with_param(Param::QnRtn, rtn.code().to_string()))
}

/// A 9012 execution result with `ExeRtn`, ST=91, the station's QN/PW/MN.
pub fn execution_reply(to: &ReplyTo, rtn: ExeRtn) -> Packet {
    reply(to, CommandCode::EXECUTION_RESULT, Cp::new().with_param(Param::ExeRtn, rtn.code().to_string()))
}
