//! Why an HJ 212 packet was rejected or could not be written, naming the field and the byte offset
//! (counted from the packet's first `#`).

/// A malformed packet. Every variant names where: [`PacketError::offset`] is the byte offset from
/// the first `#` of the packet, [`PacketError::field`] the field concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// The packet does not start with `##`.
    #[error("byte {offset}: header: expected `##`")]
    Header {
        /// Where the header was expected.
        offset: usize,
    },
    /// The length field is not 4 decimal digits.
    #[error("byte 2: data-segment length: expected 4 decimal digits, found {found:?}")]
    LengthField {
        /// What was there.
        found: String,
    },
    /// The declared length is over the configured maximum ([`FrameLimits`](super::FrameLimits)).
    #[error("byte 2: data-segment length: {declared} is over the maximum of {max} (1024 is [R], unconfirmed)")]
    TooLong {
        /// The declared length.
        declared: usize,
        /// The maximum configured.
        max: usize,
    },
    /// The declared length is not the data segment's length.
    #[error("byte 2: data-segment length: {declared} declared, the segment has {actual}")]
    LengthMismatch {
        /// The declared length.
        declared: usize,
        /// The data segment's actual length (bytes between the length field and the CRC).
        actual: usize,
    },
    /// The CRC field is not 4 hex digits.
    #[error("byte {offset}: CRC: expected 4 hex digits, found {found:?}")]
    CrcField {
        /// Where the CRC field starts.
        offset: usize,
        /// What was there.
        found: String,
    },
    /// The CRC does not match the data segment.
    #[error("byte {offset}: CRC: the packet says {declared:04X}, the data segment gives {computed:04X}")]
    Crc {
        /// Where the CRC field starts.
        offset: usize,
        /// The CRC in the packet.
        declared: u16,
        /// The CRC of the data segment.
        computed: u16,
    },
    /// The packet does not end with CR LF where its length says it should.
    #[error("byte {offset}: tail: expected CR LF")]
    Tail {
        /// Where the tail was expected.
        offset: usize,
    },
    /// A byte of the data segment is not printable ASCII.
    #[error("byte {offset}: data segment: byte 0x{byte:02X} is not printable ASCII")]
    NotAscii {
        /// Where.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A field of the data segment is missing or malformed.
    #[error("byte {offset}: {field}: {problem}")]
    Field {
        /// Where the field or its bad value starts, or where a missing field was expected.
        offset: usize,
        /// The field (`QN`, `CP`, `a34002-Rtd` …).
        field: String,
        /// What is wrong.
        problem: FieldProblem,
    },
}

impl PacketError {
    /// The byte offset from the first `#` of the packet.
    pub fn offset(&self) -> usize {
        match self {
            PacketError::Header { offset }
            | PacketError::CrcField { offset, .. }
            | PacketError::Crc { offset, .. }
            | PacketError::Tail { offset }
            | PacketError::NotAscii { offset, .. }
            | PacketError::Field { offset, .. } => *offset,
            PacketError::LengthField { .. } | PacketError::TooLong { .. } | PacketError::LengthMismatch { .. } => 2,
        }
    }

    /// The field concerned (`header`, `length`, `CRC`, `tail`, `data segment`, or a field name).
    pub fn field(&self) -> &str {
        match self {
            PacketError::Header { .. } => "header",
            PacketError::LengthField { .. } | PacketError::TooLong { .. } | PacketError::LengthMismatch { .. } => {
                "length"
            }
            PacketError::CrcField { .. } | PacketError::Crc { .. } => "CRC",
            PacketError::Tail { .. } => "tail",
            PacketError::NotAscii { .. } => "data segment",
            PacketError::Field { field, .. } => field,
        }
    }

    pub(crate) fn field_error(offset: usize, field: &str, problem: FieldProblem) -> PacketError {
        PacketError::Field { offset, field: field.to_string(), problem }
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldProblem {
    /// A required field is absent.
    #[error("missing")]
    Missing,
    /// The field is given twice.
    #[error("given twice")]
    Duplicate,
    /// Not a header field of HJ 212 (QN, ST, CN, PW, MN, Flag, PNUM, PNO, CP).
    #[error("not an HJ 212 header field")]
    Unknown,
    /// The value does not have the field's format.
    #[error("expected {expected}, found {found:?}")]
    Invalid {
        /// The format expected.
        expected: &'static str,
        /// What was there.
        found: String,
    },
    /// The segment's structure is broken here.
    #[error("{0}")]
    Structure(&'static str),
}

/// A packet that cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The data segment would be longer than the limit.
    #[error("data segment of {len} characters is over the maximum of {max}")]
    TooLong {
        /// Its length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// A field cannot be written as given.
    #[error("{field}: {problem}")]
    Field {
        /// The field.
        field: String,
        /// Why.
        problem: &'static str,
    },
}
