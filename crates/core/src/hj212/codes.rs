//! HJ 212's code tables: system codes (ST), command codes (CN), the Flag bits and protocol
//! versions, the reply codes QnRtn/ExeRtn, field suffixes, CP parameter names and the pollutant
//! codes of a construction site. Sources: standards doc §5.1–§5.5.

use std::fmt;

use crate::scene::SensorKind;

/// System code `ST` (2 digits): what kind of system sent the packet. Every code of HJ 212-2017's
/// table (caoyiliang/HJ212 `Enum.cs`, standards doc §5.2 \[S\]) has a name; others are kept as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SystemCode(pub u8);

const SYSTEM_CODES: &[(u8, &str, &str)] = &[
    (21, "surface water quality monitoring", "地表水质量监测"),
    (22, "air quality monitoring", "空气质量监测"),
    (23, "acoustic environment quality monitoring", "声环境质量监测"),
    (24, "groundwater quality monitoring", "地下水质量监测"),
    (25, "soil quality monitoring", "土壤质量监测"),
    (26, "seawater quality monitoring", "海水质量监测"),
    (27, "volatile organic compounds monitoring", "挥发性有机物监测"),
    (31, "air pollution source", "大气环境污染源"),
    (32, "surface-water pollution source", "地表水体环境污染源"),
    (33, "groundwater pollution source", "地下水体环境污染源"),
    (34, "marine pollution source", "海洋环境污染源"),
    (35, "soil pollution source", "土壤环境污染源"),
    (36, "noise pollution source", "声环境污染源"),
    (37, "vibration pollution source", "振动环境污染源"),
    (38, "radioactive pollution source", "放射性环境污染源"),
    (39, "construction-site dust source", "工地扬尘污染源"),
    (41, "electromagnetic pollution source", "电磁环境污染源"),
    (51, "flue-gas emission process monitoring", "烟气排放过程监控"),
    (52, "sewage discharge process monitoring", "污水排放过程监控"),
    (91, "system interaction", "系统交互"),
];

impl SystemCode {
    /// 22: air quality monitoring; what most public site dust-monitor samples send.
    pub const AIR_QUALITY: SystemCode = SystemCode(22);
    /// 23: acoustic environment quality monitoring.
    pub const ACOUSTIC: SystemCode = SystemCode(23);
    /// 39: construction-site dust source (工地扬尘污染源).
    pub const SITE_DUST: SystemCode = SystemCode(39);
    /// 91: system interaction, the ST of replies.
    pub const SYSTEM: SystemCode = SystemCode(91);

    /// The table's meaning, in English, or `None` for a code not in the table.
    pub fn meaning(self) -> Option<&'static str> {
        SYSTEM_CODES.iter().find(|c| c.0 == self.0).map(|c| c.1)
    }

    /// The table's meaning, in Chinese.
    pub fn meaning_zh(self) -> Option<&'static str> {
        SYSTEM_CODES.iter().find(|c| c.0 == self.0).map(|c| c.2)
    }
}

impl fmt::Display for SystemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

/// Command code `CN` (4 digits): what the packet is. The names are HJ 212-2017's (standards doc
/// §5.3; caoyiliang/HJ212 `Enum.cs`); HJ/T 212-2005 gave some codes other meanings (linqiu126/hcu),
/// which are not modelled. Codes not in the table are kept as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommandCode(pub u16);

const COMMAND_CODES: &[(u16, &str)] = &[
    (1000, "set timeout and retry count"),
    (1001, "upload data-logger hardware serial number"),
    (1002, "set data-logger MN"),
    (1011, "get / upload station time"),
    (1012, "set station time"),
    (1013, "station time-calibration request"),
    (1014, "new key: issue / request"),
    (1061, "get / upload real-time data interval"),
    (1062, "set real-time data interval"),
    (1063, "get / upload minute data interval"),
    (1064, "set minute data interval"),
    (1072, "set station access password"),
    (2011, "real-time pollutant data (upload; from the host: start)"),
    (2012, "stop real-time data"),
    (2013, "raw monitoring data"),
    (2021, "equipment running state"),
    (2022, "stop equipment running state"),
    (2031, "daily pollutant history"),
    (2041, "equipment running-time daily history"),
    (2051, "minute pollutant data"),
    (2052, "single noise measurement"),
    (2061, "hourly pollutant data"),
    (2062, "automatic standard-sample check data"),
    (2081, "data-logger power-on time"),
    (2111, "furnace temperature 5-minute mean"),
    (3011, "zero / span calibration"),
    (3012, "immediate sampling"),
    (3013, "start cleaning / back-flush"),
    (3014, "comparison sampling"),
    (3015, "over-limit sample retention"),
    (3016, "set sampling period"),
    (3017, "get / upload sampling period"),
    (3018, "get / upload sample-extraction time"),
    (3019, "get / upload device unique id"),
    (3020, "get / upload station information"),
    (3021, "set station parameters"),
    (3022, "immediate sample-retention task"),
    (3024, "start standard-sample check"),
    (9011, "request reply (QnRtn)"),
    (9012, "execution result (ExeRtn)"),
    (9013, "notification reply"),
    (9014, "data reply"),
    (9015, "heartbeat (library extension, not confirmed in HJ 212)"),
];

impl CommandCode {
    /// 2011: real-time data (`-Rtd`).
    pub const REALTIME_DATA: CommandCode = CommandCode(2011);
    /// 2031: daily history data.
    pub const DAILY_DATA: CommandCode = CommandCode(2031);
    /// 2051: minute data (`-Min/-Avg/-Max`); construction sites send 10-minute data with it.
    pub const MINUTE_DATA: CommandCode = CommandCode(2051);
    /// 2061: hourly data.
    pub const HOURLY_DATA: CommandCode = CommandCode(2061);
    /// 9011: request reply, carrying `QnRtn`.
    pub const REQUEST_REPLY: CommandCode = CommandCode(9011);
    /// 9012: execution result, carrying `ExeRtn`.
    pub const EXECUTION_RESULT: CommandCode = CommandCode(9012);
    /// 9013: notification reply.
    pub const NOTIFICATION_REPLY: CommandCode = CommandCode(9013);
    /// 9014: data reply, acknowledging an uploaded data packet.
    pub const DATA_REPLY: CommandCode = CommandCode(9014);
    /// 9015: heartbeat (a library extension; not confirmed in HJ 212 \[?\]).
    pub const HEARTBEAT: CommandCode = CommandCode(9015);

    /// The table's meaning, or `None` for a code not in the table.
    pub fn meaning(self) -> Option<&'static str> {
        COMMAND_CODES.iter().find(|c| c.0 == self.0).map(|c| c.1)
    }

    /// For an averages command, the shortest period one of its values can cover, seconds,
    /// counted from its DataTime: 2051 minute data at least a minute (construction sites send
    /// 10-minute data with the same code, so a value may cover more), 2061 hourly data an hour.
    /// `None` for commands that are not averages.
    pub fn shortest_average_period_s(self) -> Option<i64> {
        match self {
            CommandCode::MINUTE_DATA => Some(60),
            CommandCode::HOURLY_DATA => Some(3600),
            _ => None,
        }
    }

    /// One of the 90xx interaction replies (which are never answered themselves).
    pub fn is_reply(self) -> bool {
        matches!(self.0, 9011..=9014)
    }
}

impl fmt::Display for CommandCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

/// Protocol version, from the bits 2 and up of `Flag`. **The one place the mapping lives.**
/// 0 = HJ/T 212-2005 and 4 = HJ 212-2017 are stated by xiaoyao9184 and caoyiliang \[S\]; 8 = "HJ
/// 212-2025" only by caoyiliang/HJ212's `Version` enum, and no published 2025 text was found: it is
/// **unconfirmed** ([`PROTOCOL_SOURCES`](super::PROTOCOL_SOURCES) `hj212.flag.version-2025`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtocolVersion {
    /// HJ/T 212-2005 (version bits 0, or no Flag at all).
    Hjt212_2005,
    /// HJ 212-2017 (version bits 4).
    Hj212_2017,
    /// "HJ 212-2025" (version bits 8): unconfirmed.
    Hj212_2025,
    /// Any other version bits, as sent (a multiple of 4).
    Other(u8),
}

impl ProtocolVersion {
    /// The version of `Flag` bits 2 and up (`flag & 0xFC`).
    pub fn from_flag_bits(bits: u8) -> ProtocolVersion {
        match bits & 0xFC {
            0 => ProtocolVersion::Hjt212_2005,
            4 => ProtocolVersion::Hj212_2017,
            8 => ProtocolVersion::Hj212_2025,
            other => ProtocolVersion::Other(other),
        }
    }

    /// The Flag bits of this version (bits 0 and 1 clear).
    pub fn flag_bits(self) -> u8 {
        match self {
            ProtocolVersion::Hjt212_2005 => 0,
            ProtocolVersion::Hj212_2017 => 4,
            ProtocolVersion::Hj212_2025 => 8,
            ProtocolVersion::Other(b) => b & 0xFC,
        }
    }

    /// The standard's name.
    pub fn name(self) -> &'static str {
        match self {
            ProtocolVersion::Hjt212_2005 => "HJ/T 212-2005",
            ProtocolVersion::Hj212_2017 => "HJ 212-2017",
            ProtocolVersion::Hj212_2025 => "HJ 212-2025 (unconfirmed)",
            ProtocolVersion::Other(_) => "unknown HJ 212 version",
        }
    }
}

/// The `Flag` field: bit 0 **A** (the sender wants a reply), bit 1 **D** (the packet is one part
/// of a split message; `PNUM`/`PNO` follow), bits 2+ the protocol version. Flag=5: 2017 with reply
/// required; 4: 2017, no reply; 7: 2017, reply and split (standards doc §5.1 \[S\]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PacketFlag(pub u8);

impl PacketFlag {
    /// Bit 0, A: a reply is required.
    pub const REPLY: u8 = 1;
    /// Bit 1, D: split packet.
    pub const SPLIT: u8 = 2;

    /// A flag of `version` with the A and D bits as given.
    pub fn new(version: ProtocolVersion, reply_required: bool, split: bool) -> PacketFlag {
        let mut bits = version.flag_bits();
        if reply_required {
            bits |= Self::REPLY;
        }
        if split {
            bits |= Self::SPLIT;
        }
        PacketFlag(bits)
    }

    /// Bit A: the sender expects a reply (9014 for data).
    pub fn reply_required(self) -> bool {
        self.0 & Self::REPLY != 0
    }

    /// Bit D: the packet is one part of a split message.
    pub fn split(self) -> bool {
        self.0 & Self::SPLIT != 0
    }

    /// The protocol version of bits 2 and up.
    pub fn version(self) -> ProtocolVersion {
        ProtocolVersion::from_flag_bits(self.0)
    }
}

/// `QnRtn` of a 9011 request reply (standards doc §5.3 \[S\], chenqi92/alltobs-hj212
/// `CommandResult.java`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QnRtn {
    /// 1: ready to execute.
    Ready,
    /// 2: refused.
    Refused,
    /// 3: PW wrong.
    PwWrong,
    /// 4: MN wrong.
    MnWrong,
    /// 5: ST wrong.
    StWrong,
    /// 6: Flag wrong.
    FlagWrong,
    /// 7: QN wrong.
    QnWrong,
    /// 8: CN wrong.
    CnWrong,
    /// 9: CRC error.
    CrcError,
    /// 100: unknown error.
    Unknown,
}

impl QnRtn {
    /// The code sent in `QnRtn=`.
    pub fn code(self) -> u16 {
        match self {
            QnRtn::Ready => 1,
            QnRtn::Refused => 2,
            QnRtn::PwWrong => 3,
            QnRtn::MnWrong => 4,
            QnRtn::StWrong => 5,
            QnRtn::FlagWrong => 6,
            QnRtn::QnWrong => 7,
            QnRtn::CnWrong => 8,
            QnRtn::CrcError => 9,
            QnRtn::Unknown => 100,
        }
    }

    /// The reply code of a code, if it is one.
    pub fn from_code(code: u16) -> Option<QnRtn> {
        use QnRtn::*;
        [Ready, Refused, PwWrong, MnWrong, StWrong, FlagWrong, QnWrong, CnWrong, CrcError, Unknown]
            .into_iter()
            .find(|r| r.code() == code)
    }
}

/// `ExeRtn` of a 9012 execution result (standards doc §5.3 \[S\], alltobs `ExecutionResult.java`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExeRtn {
    /// 1: success.
    Success,
    /// 2: failed, cause unknown.
    Failed,
    /// 3: request condition error.
    ConditionError,
    /// 4: communication timeout.
    Timeout,
    /// 5: system busy.
    Busy,
    /// 6: system fault.
    Fault,
    /// 100: no data.
    NoData,
}

impl ExeRtn {
    /// The code sent in `ExeRtn=`.
    pub fn code(self) -> u16 {
        match self {
            ExeRtn::Success => 1,
            ExeRtn::Failed => 2,
            ExeRtn::ConditionError => 3,
            ExeRtn::Timeout => 4,
            ExeRtn::Busy => 5,
            ExeRtn::Fault => 6,
            ExeRtn::NoData => 100,
        }
    }

    /// The result of a code, if it is one.
    pub fn from_code(code: u16) -> Option<ExeRtn> {
        use ExeRtn::*;
        [Success, Failed, ConditionError, Timeout, Busy, Fault, NoData].into_iter().find(|r| r.code() == code)
    }
}

/// The suffix of a factor field `code-Suffix` (standards doc §5.1 \[S\]; `ZsMin`/`ZsMax`/`ZsCou`, `RS`,
/// `RT` and `Info` as seen in xiaoyao9184's sample data and HJ 212-2017's 2021/2041/3020 packets).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Suffix {
    /// Real-time value.
    Rtd,
    /// Minimum of the period.
    Min,
    /// Mean of the period.
    Avg,
    /// Maximum of the period.
    Max,
    /// Cumulative value of the period.
    Cou,
    /// Data flag (N, F, M, S, D, C, T, B).
    Flag,
    /// Converted (折算) real-time value.
    ZsRtd,
    /// Converted minimum.
    ZsMin,
    /// Converted mean.
    ZsAvg,
    /// Converted maximum.
    ZsMax,
    /// Converted cumulative value.
    ZsCou,
    /// Sampling time.
    SampleTime,
    /// Equipment flag.
    EFlag,
    /// Equipment running state (2021).
    Rs,
    /// Equipment running time (2041).
    Rt,
    /// Station information (3020).
    Info,
    /// Any other suffix, as sent.
    Other(String),
}

const SUFFIXES: &[(&str, Suffix)] = &[
    ("Rtd", Suffix::Rtd),
    ("Min", Suffix::Min),
    ("Avg", Suffix::Avg),
    ("Max", Suffix::Max),
    ("Cou", Suffix::Cou),
    ("Flag", Suffix::Flag),
    ("ZsRtd", Suffix::ZsRtd),
    ("ZsMin", Suffix::ZsMin),
    ("ZsAvg", Suffix::ZsAvg),
    ("ZsMax", Suffix::ZsMax),
    ("ZsCou", Suffix::ZsCou),
    ("SampleTime", Suffix::SampleTime),
    ("EFlag", Suffix::EFlag),
    ("RS", Suffix::Rs),
    ("RT", Suffix::Rt),
    ("Info", Suffix::Info),
];

impl Suffix {
    /// Reads a suffix (case-sensitive, as the standard writes them).
    pub fn parse(s: &str) -> Suffix {
        SUFFIXES.iter().find(|(t, _)| *t == s).map(|(_, v)| v.clone()).unwrap_or_else(|| Suffix::Other(s.to_string()))
    }

    /// As written in a packet.
    pub fn as_str(&self) -> &str {
        match self {
            Suffix::Other(s) => s,
            known => SUFFIXES.iter().find(|(_, v)| v == known).map_or("", |(t, _)| t),
        }
    }
}

/// A CP parameter: a CP field whose name has no `-` (standards doc §5.1 \[S\]; CN 1000, 1011–1072
/// and 3xxx parameters from caoyiliang/HJ212).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Param {
    /// `DataTime`: when the data were measured (`YYYYMMDDhhmmss`, the site's local time).
    DataTime,
    /// `RtdInterval`: real-time upload interval, seconds (30–3600).
    RtdInterval,
    /// `MinInterval`: minute-data interval, minutes.
    MinInterval,
    /// `RestartTime`: data-logger power-on time.
    RestartTime,
    /// `QnRtn`: request-reply code.
    QnRtn,
    /// `ExeRtn`: execution-result code.
    ExeRtn,
    /// `BeginTime` of a history request.
    BeginTime,
    /// `EndTime` of a history request.
    EndTime,
    /// `OverTime`: reply timeout, seconds.
    OverTime,
    /// `ReCount`: retry count.
    ReCount,
    /// `SystemTime`: station time.
    SystemTime,
    /// `NewPW`: new access password.
    NewPw,
    /// `PolId`: the pollutant a command is about.
    PolId,
    /// Any other parameter, as sent.
    Other(String),
}

const PARAMS: &[(&str, Param)] = &[
    ("DataTime", Param::DataTime),
    ("RtdInterval", Param::RtdInterval),
    ("MinInterval", Param::MinInterval),
    ("RestartTime", Param::RestartTime),
    ("QnRtn", Param::QnRtn),
    ("ExeRtn", Param::ExeRtn),
    ("BeginTime", Param::BeginTime),
    ("EndTime", Param::EndTime),
    ("OverTime", Param::OverTime),
    ("ReCount", Param::ReCount),
    ("SystemTime", Param::SystemTime),
    ("NewPW", Param::NewPw),
    ("PolId", Param::PolId),
];

impl Param {
    /// Reads a parameter name (case-sensitive).
    pub fn parse(s: &str) -> Param {
        PARAMS.iter().find(|(t, _)| *t == s).map(|(_, v)| v.clone()).unwrap_or_else(|| Param::Other(s.to_string()))
    }

    /// As written in a packet.
    pub fn as_str(&self) -> &str {
        match self {
            Param::Other(s) => s,
            known => PARAMS.iter().find(|(_, v)| v == known).map_or("", |(t, _)| t),
        }
    }
}

/// Pollutant and factor codes a construction site's monitor sends (standards doc §5.5 \[S\]:
/// srdgame/lua-HJ212 `hj212.csv`, alltobs `PollutionGas.java`), with the scene sensor kind each
/// feeds, if any.
const FACTORS: &[(&str, &str, Option<SensorKind>)] = &[
    ("a34001", "TSP (total suspended particulates)", Some(SensorKind::Tsp)),
    ("a34002", "PM10", Some(SensorKind::Pm10)),
    ("a34004", "PM2.5", Some(SensorKind::Pm25)),
    ("a34005", "PM1.0", None),
    ("LA", "A-weighted sound level", Some(SensorKind::Noise)),
    ("a01007", "wind speed", Some(SensorKind::WindSpeed)),
    ("a01008", "wind direction", Some(SensorKind::WindDirection)),
    ("a01001", "air temperature", None),
    ("a01002", "humidity", None),
    ("a01006", "air pressure", None),
    ("Leq", "equivalent continuous sound level", None),
    ("Ld", "day-time equivalent sound level", None),
    ("Ln", "night-time equivalent sound level", None),
    ("Ldn", "day-night equivalent sound level", None),
    ("LMx", "maximum sound level", None),
    ("LMn", "minimum sound level", None),
    ("L5", "percentile sound level L5", None),
    ("L10", "percentile sound level L10", None),
    ("L50", "percentile sound level L50", None),
    ("L90", "percentile sound level L90", None),
    ("L95", "percentile sound level L95", None),
    ("B03", "noise (HJ/T 212-2005 code)", None),
    ("a21026", "SO2", None),
    ("a21004", "NO2", None),
    ("a21005", "CO", None),
    ("a05024", "O3", None),
];

/// The HJ 212 code a scene sensor of `kind` reports under: a34002 PM10, a34004 PM2.5, a34001
/// TSP, LA noise, a01007 wind speed, a01008 wind direction (standards doc §5.5 \[S\]); `None` for
/// kinds HJ 212 does not carry (crane, pit, electricity …).
pub fn factor_code(kind: SensorKind) -> Option<&'static str> {
    FACTORS.iter().find(|f| f.2 == Some(kind)).map(|f| f.0)
}

/// What a factor code measures, for codes of §5.5's table.
pub fn factor_name(code: &str) -> Option<&'static str> {
    FACTORS.iter().find(|f| f.0 == code).map(|f| f.1)
}
