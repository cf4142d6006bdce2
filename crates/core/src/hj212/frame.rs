//! HJ 212 framing: `##` + 4-digit data-segment length + data segment + 4 hex CRC + CR LF. Checking
//! and writing one frame, and a streaming splitter that cuts a TCP byte stream into frames,
//! resynchronising on the next `##` after garbage, with bounded buffering.

use serde::{Deserialize, Serialize};

use super::crc::crc16;
use super::error::{EncodeError, PacketError};

/// The maximum data-segment length HJ 212-2017 is recalled to allow: 1024 characters. **\[R\],
/// unconfirmed**: no published text was found (standards doc §5.1); [`FrameLimits`] changes it.
pub const DEFAULT_MAX_SEGMENT_LEN: usize = 1024;

/// The length field has 4 digits, so no segment can be longer than this whatever the limit.
const LENGTH_FIELD_MAX: usize = 9999;

/// Limits on frames, shared by the splitter, the parser and the encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameLimits {
    /// The longest data segment accepted or written, characters (= bytes: segments are ASCII).
    /// Default [`DEFAULT_MAX_SEGMENT_LEN`] (1024, \[R\]); capped at 9999 by the length field.
    pub max_segment_len: usize,
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits { max_segment_len: DEFAULT_MAX_SEGMENT_LEN }
    }
}

impl FrameLimits {
    fn max(&self) -> usize {
        self.max_segment_len.min(LENGTH_FIELD_MAX)
    }

    /// The longest frame, bytes: `##LLLL` + segment + CRC + CR LF.
    fn max_frame(&self) -> usize {
        6 + self.max() + 4 + 2
    }
}

fn parse_hex4(b: &[u8]) -> Option<u16> {
    if b.len() != 4 || !b.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u16::from_str_radix(std::str::from_utf8(b).ok()?, 16).ok()
}

fn parse_len4(b: &[u8]) -> Option<usize> {
    if b.len() != 4 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, d| n * 10 + usize::from(d - b'0')))
}

/// Printable ASCII, the only bytes a data segment may hold (length counts characters, so the
/// segment must be one byte per character).
pub(super) fn printable(b: u8) -> bool {
    (0x20..=0x7E).contains(&b)
}

/// Checks one whole packet, `##` to CR LF: header, declared length (against the limit and the
/// segment), tail, CRC ([`crc16`]; hex digits of either case are read, upper case is written) and
/// that the segment is printable ASCII. Returns the data segment.
pub fn unframe<'a>(packet: &'a [u8], limits: &FrameLimits) -> Result<&'a str, PacketError> {
    if packet.len() < 2 || &packet[..2] != b"##" {
        return Err(PacketError::Header { offset: 0 });
    }
    let len_field = packet.get(2..6).unwrap_or(&packet[2..]);
    let declared = parse_len4(len_field)
        .ok_or_else(|| PacketError::LengthField { found: String::from_utf8_lossy(len_field).into_owned() })?;
    if declared > limits.max() {
        return Err(PacketError::TooLong { declared, max: limits.max() });
    }
    if packet.len() < 12 || !packet.ends_with(b"\r\n") {
        return Err(PacketError::Tail { offset: (6 + declared + 4).min(packet.len()) });
    }
    let crc_at = packet.len() - 6;
    let actual = crc_at - 6;
    if actual != declared {
        return Err(PacketError::LengthMismatch { declared, actual });
    }
    let segment = &packet[6..crc_at];
    let crc_field = &packet[crc_at..crc_at + 4];
    let declared_crc = parse_hex4(crc_field).ok_or_else(|| PacketError::CrcField {
        offset: crc_at,
        found: String::from_utf8_lossy(crc_field).into_owned(),
    })?;
    let computed = crc16(segment);
    if computed != declared_crc {
        return Err(PacketError::Crc { offset: crc_at, declared: declared_crc, computed });
    }
    if let Some(i) = segment.iter().position(|&b| !printable(b)) {
        return Err(PacketError::NotAscii { offset: 6 + i, byte: segment[i] });
    }
    std::str::from_utf8(segment).map_err(|e| PacketError::NotAscii {
        offset: 6 + e.valid_up_to(),
        byte: segment.get(e.valid_up_to()).copied().unwrap_or(0),
    })
}

/// Wraps a data segment into a packet: `##`, its length, the segment, its CRC in upper-case hex,
/// CR LF. The segment must be printable ASCII and within the limit.
pub fn frame(segment: &str, limits: &FrameLimits) -> Result<String, EncodeError> {
    if !segment.bytes().all(printable) {
        return Err(EncodeError::Field {
            field: "data segment".into(),
            problem: "must be printable ASCII (one byte per character)",
        });
    }
    if segment.len() > limits.max() {
        return Err(EncodeError::TooLong { len: segment.len(), max: limits.max() });
    }
    Ok(format!("##{:04}{segment}{:04X}\r\n", segment.len(), crc16(segment.as_bytes())))
}

/// One frame cut from a stream: header, length and tail agree. Its CRC and fields are checked by
/// [`parse_packet`](super::parse_packet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Stream offset of its first `#`, bytes since the splitter was made.
    pub offset: u64,
    /// The whole packet, `##` to CR LF.
    pub bytes: Vec<u8>,
}

/// Bytes of a stream that are not a usable frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// Bytes that do not start a packet, skipped to find the next `##`.
    #[error("stream byte {offset}: {len} bytes outside any packet skipped")]
    Garbage {
        /// Stream offset of the first skipped byte.
        offset: u64,
        /// How many bytes.
        len: usize,
    },
    /// A header whose frame is broken (length over the limit, length not matching the segment,
    /// no tail). `bytes` holds what was cut off as that frame (at most one maximum frame).
    #[error("stream byte {offset}: {error}")]
    Rejected {
        /// Stream offset of the frame's first `#`.
        offset: u64,
        /// Why, with offsets inside the frame.
        error: PacketError,
        /// The frame's bytes as cut.
        bytes: Vec<u8>,
    },
    /// The stream ended inside a packet.
    #[error("stream byte {offset}: the stream ended {len} bytes into a packet")]
    Truncated {
        /// Stream offset of the packet's first `#`.
        offset: u64,
        /// The bytes received of it.
        len: usize,
    },
}

/// Cuts a byte stream (TCP) into HJ 212 frames. Feed it whatever arrives with [`push`]; it returns
/// the complete frames and the errors found so far, and keeps at most one maximum frame
/// (`6 + max_segment_len + 6` bytes) between calls, however much garbage arrives.
///
/// A frame ends at the first CR LF after its header. If that is where the declared length puts
/// it, the frame is good. Otherwise the frame is rejected, and if another `##dddd` header starts
/// inside it the splitter resumes there, so a truncated packet does not take the next one down.
/// A frame with no CR LF where its length ends, followed by `##`, is rejected (tail missing) and
/// the next packet read; a header with no CR LF within the maximum frame is dropped and the
/// stream rescanned after it.
///
/// [`push`]: FrameSplitter::push
#[derive(Debug, Clone)]
pub struct FrameSplitter {
    limits: FrameLimits,
    /// Received bytes; those from `start` on are unconsumed. Outside `push`, `start` is 0 and the
    /// buffer is empty, a lone `#`, or starts with `##`.
    buf: Vec<u8>,
    /// Where the unconsumed bytes start (consumed ones are dropped once per `push`, so that a large
    /// push is not quadratic).
    start: usize,
    /// Stream offset of `buf[start]`.
    buf_offset: u64,
    /// How far `buf` has been searched for CR LF without finding one.
    scanned: usize,
}

impl FrameSplitter {
    /// A splitter with these limits.
    pub fn new(limits: FrameLimits) -> Self {
        FrameSplitter { limits, buf: Vec::new(), start: 0, buf_offset: 0, scanned: 0 }
    }

    /// Bytes held waiting for the rest of a packet.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Feeds bytes; returns the frames completed and the errors found, in stream order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<Frame, StreamError>> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut garbage: Option<(u64, usize)> = None;
        loop {
            match self.step() {
                Step::NeedMore => break,
                Step::Skip(n) => {
                    match &mut garbage {
                        Some((_, len)) => *len += n,
                        None => garbage = Some((self.buf_offset, n)),
                    }
                    self.consume(n);
                }
                Step::Frame(n) => {
                    flush(&mut garbage, &mut out);
                    out.push(Ok(Frame { offset: self.buf_offset, bytes: self.rest()[..n].to_vec() }));
                    self.consume(n);
                }
                Step::Reject { cut, consume, error } => {
                    flush(&mut garbage, &mut out);
                    out.push(Err(StreamError::Rejected {
                        offset: self.buf_offset,
                        error,
                        bytes: self.rest()[..cut].to_vec(),
                    }));
                    self.consume(consume);
                }
            }
        }
        flush(&mut garbage, &mut out);
        self.buf.drain(..self.start);
        self.start = 0;
        out
    }

    /// Ends the stream: reports a packet left incomplete, and forgets it.
    pub fn finish(&mut self) -> Option<StreamError> {
        let len = self.buffered();
        if len == 0 {
            return None;
        }
        let e = StreamError::Truncated { offset: self.buf_offset, len };
        self.consume(len);
        self.buf.clear();
        self.start = 0;
        Some(e)
    }

    fn rest(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        self.buf_offset += n as u64;
        self.scanned = 0;
    }

    /// Decides what the front of the buffer is.
    fn step(&mut self) -> Step {
        let buf = &self.buf[self.start..];
        if buf.is_empty() {
            return Step::NeedMore;
        }
        if !buf.starts_with(b"##") {
            if buf == b"#" {
                return Step::NeedMore;
            }
            // Skip to the next "##", keeping a trailing '#' that may start one.
            let next = buf.windows(2).skip(1).position(|w| w == b"##").map(|p| p + 1);
            let n = next.unwrap_or(if buf.ends_with(b"#") { buf.len() - 1 } else { buf.len() });
            return Step::Skip(n.max(1));
        }
        if buf.len() < 6 {
            return if buf[2..].iter().all(u8::is_ascii_digit) { Step::NeedMore } else { Step::Skip(1) };
        }
        let Some(declared) = parse_len4(&buf[2..6]) else {
            return Step::Skip(1);
        };
        let max = self.limits.max();
        if declared > max {
            return Step::Reject { cut: 6, consume: 2, error: PacketError::TooLong { declared, max } };
        }
        let cr_at = 6 + declared + 4;
        let bound = self.limits.max_frame().min(buf.len());
        let from = self.scanned.saturating_sub(1).max(6);
        let found = buf.get(from..bound).and_then(|w| w.windows(2).position(|w| w == b"\r\n")).map(|p| p + from);
        match found {
            Some(p) if p == cr_at => Step::Frame(p + 2),
            Some(p) => match inner_header(buf, p) {
                Some(q) => Step::Reject { cut: q, consume: q, error: PacketError::Tail { offset: q } },
                None => Step::Reject {
                    cut: p + 2,
                    consume: p + 2,
                    error: PacketError::LengthMismatch { declared, actual: (p - 6).saturating_sub(4) },
                },
            },
            None => {
                if buf.len() >= cr_at + 2 && &buf[cr_at..cr_at + 2] == b"##" {
                    return Step::Reject { cut: cr_at, consume: cr_at, error: PacketError::Tail { offset: cr_at } };
                }
                if buf.len() >= self.limits.max_frame() {
                    let cut = self.limits.max_frame();
                    return match inner_header(buf, cut) {
                        Some(q) => Step::Reject { cut: q, consume: q, error: PacketError::Tail { offset: q } },
                        None => Step::Reject { cut, consume: 2, error: PacketError::Tail { offset: cr_at.min(cut) } },
                    };
                }
                self.scanned = buf.len();
                Step::NeedMore
            }
        }
    }
}

/// The first `##dddd` header starting in `buf[2..end]`.
fn inner_header(buf: &[u8], end: usize) -> Option<usize> {
    (2..end).find(|&q| buf.get(q..q + 6).is_some_and(|h| &h[..2] == b"##" && h[2..].iter().all(u8::is_ascii_digit)))
}

fn flush(garbage: &mut Option<(u64, usize)>, out: &mut Vec<Result<Frame, StreamError>>) {
    if let Some((offset, len)) = garbage.take() {
        out.push(Err(StreamError::Garbage { offset, len }));
    }
}

enum Step {
    NeedMore,
    Skip(usize),
    Frame(usize),
    Reject { cut: usize, consume: usize, error: PacketError },
}
