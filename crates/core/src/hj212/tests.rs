//! Tests of the HJ 212 codec against the reference's vectors (standards doc §5.7), public packets
//! from other implementations, the demo scene, and random and mutated input.

use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::telemetry::DataFlag;
use crate::testutil::demo_scene;

/// §5.7 vector 1: HJ 212-2017's appendix example.
const V1: &str = "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n";
/// §5.7 vector 2: a Jiangsu (MN "JS…") air-quality station's real-time data.
const V2: &str = "##0344QN=20220928142812336;ST=22;CN=2011;PW=123456;MN=JSRCTD000YD107;Flag=5;CP=&&DataTime=20220928142812;l01001-Flag=N,l01001-Rtd=119.90287;l01002-Flag=N,l01002-Rtd=32.48505;a34002-Rtd=5,a34002-Flag=N;a34004-Rtd=4,a34004-Flag=N;a21026-Rtd=22.25,a21026-Flag=N;a21004-Rtd=22.7,a21004-Flag=N;a21005-Rtd=0.36,a21005-Flag=N;a05024-Rtd=8.82,a05024-Flag=N&&9241\r\n";
/// §5.7 vector 3: a site dust monitor's real-time data (whitespace of the source removed).
const V3: &str = "##0297QN=20191122100900943;ST=22;CN=2011;PW=123456;MN=2019061803100005;Flag=5;CP=&&DataTime=20191122100900;a34004-Rtd=34.2,a34004-Flag=N;a34002-Rtd=65.7,a34002-Flag=N;a21026-Rtd=14.8,a21026-Flag=N;a21004-Rtd=20.9,a21004-Flag=N;O3-Rtd=185.1,O3-Flag=N;a21005-Rtd=2.5,a21005-Flag=N;VOC-Rtd=0.5,VOC-Flag=N&&CFC1\r\n";
/// §5.7 worked example: real-time data of a site dust/noise/weather monitor.
const RTD: &str = "##0333QN=20240315093000123;ST=39;CN=2011;PW=123456;MN=JS320100TEST0001;Flag=5;CP=&&DataTime=20240315093000;a34001-Rtd=152.0,a34001-Flag=N;a34002-Rtd=86.0,a34002-Flag=N;a34004-Rtd=41.0,a34004-Flag=N;LA-Rtd=62.3,LA-Flag=N;a01007-Rtd=3.2,a01007-Flag=N;a01008-Rtd=135,a01008-Flag=N;a01001-Rtd=14.6,a01001-Flag=N;a01002-Rtd=58.0,a01002-Flag=N&&8201\r\n";
/// §5.7 worked example: the platform's data reply to [`RTD`].
const RTD_REPLY: &str = "##0079QN=20240315093000123;ST=91;CN=9014;PW=123456;MN=JS320100TEST0001;Flag=4;CP=&&&&9D41\r\n";
/// §5.7 worked example: 10-minute data.
const MIN10: &str = "##0272QN=20240315094000456;ST=39;CN=2051;PW=123456;MN=JS320100TEST0001;Flag=5;CP=&&DataTime=20240315093000;a34002-Min=71.0,a34002-Avg=84.5,a34002-Max=97.0,a34002-Flag=N;a34004-Min=35.0,a34004-Avg=40.2,a34004-Max=44.0,a34004-Flag=N;LA-Min=55.1,LA-Avg=61.8,LA-Max=73.4,LA-Flag=N&&C5C1\r\n";
/// The negative vector: xiaoyao9184/hj-t212-parser README at commit 19cb5a242f93 (2018-12-20),
/// whose DataTime lost 3 digits while length and CRC stayed those of the original.
const NEG: &str = "##0139ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817;B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980\r\n";
/// That README's first version (commit df2ba7d7d7ca, 2018-03-28): an HJ/T 212-2005 packet, valid.
const NEG_ORIGINAL: &str = "##0139ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817000;B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980\r\n";
/// Its latest version (commit ac5d822c2ef1, 2020-11-25): length fixed to 0136, CRC still wrong.
const NEG_LATEST: &str = "##0136ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817;B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980\r\n";
/// HJ/T 212-2005 data of xiaoyao9184/hj-t212-parser `src/test/resources/AllData/2016-08-24 05.h212`
/// (the file's lines end in LF; CR LF restored): heartbeat 9015, heartbeat 8013, real-time data.
const OLD: [&str; 3] = [
    "##0091ST=91;CN=9015;PW=123456;MN=LD130121000243;Flag=0;CP=&&DataTime=20160824045356000;CON-RT=0&&8801\r\n",
    "##0073ST=32;CN=8013;PW=123456;MN=ZG130182201205;Flag=0;CP=&&HeartbeatTime=120&&0500\r\n",
    "##0121ST=32;CN=2011;PW=123456;MN=LD130104000268;CP=&&DataTime=20160824045500;B01-Rtd=4.69,B01-Flag=N;011-Rtd=70.00,011-Flag=N&&6E80\r\n",
];
/// Hourly data, from an unnamed public Java test (`T212MapperTest`, a xiaoyao9184 derivative).
const HOURLY: &str = "##0285QN=20190925181031464;ST=22;CN=2061;PW=BF470F88957588DE902D1A52;MN=Z13401000010301;Flag=5;CP=&&DataTime=20190924220000;a34006-Avg=2.69700,a34006-Flag=N;a34007-Avg=7.96600,a34007-Flag=N;a34048-Avg=3.30600,a34048-Flag=N;a34047-Avg=7.35700,a34047-Flag=N;a34049-Avg=10.66300,a34049-Flag=N&&C181\r\n";
/// Same test: a packet with Flag=7 (split) but no PNUM/PNO, a trailing `;` and a lower-case CRC…
const SPLIT_WITHOUT_PNUM: &str = "##0453QN=20160801085000001;ST=22;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=7;CP=&&DataTime=20160801084000;a21005-Rtd=1.1,a21005-Flag=N;a21004-Rtd=112,a21004-Flag=N;a21026-Rtd=58,a21026-Flag=N;LA-td=50.1,LA-Flag=N;a34004-Rtd=207,a34004-Flag=N;a34002-Rtd=295,a34002-Flag=N;a01001-Rtd=12.6,a01001-Flag=N;a01002-Rtd=32,a01002-Flag=N;a01006-Rtd=101.02,a01006-Flag=N;a01007-Rtd=2.1,a01007-Flag=N;a01008-Rtd=120,a01008-Flag=N;a34001-Rtd=217,a34001-Flag=N;&&c0c1\r\n";
/// …and the 9014 reply that test's library wrote for it.
const SPLIT_WITHOUT_PNUM_REPLY: &str =
    "##0087QN=20160801085000001;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&C241\r\n";
/// A "2025" data reply (Flag=8), from an unnamed public Python test (`validate_data_ack`).
const REPLY_2025: &str = "##0075QN=20260706103512345;ST=91;CN=9014;PW=123456;MN=A110000_0001;Flag=8;CP=&&&&0140\r\n";

/// The demo scene's dust/noise/weather station.
const DEMO_MN: &str = "JS320602DM000101";

fn limits() -> FrameLimits {
    FrameLimits::default()
}

fn parse(s: &str) -> Result<Packet, PacketError> {
    parse_packet(s.as_bytes(), &limits())
}

/// Frames a segment with a correct length and CRC, to reach the field parser.
fn framed(segment: &str) -> String {
    format!("##{:04}{segment}{:04X}\r\n", segment.len(), crc16(segment.as_bytes()))
}

fn segment_of(packet: &str) -> &str {
    &packet[6..packet.len() - 6]
}

/// CRC-16/MODBUS, the wrong variant (`reg ^= byte` first), only to show it is rejected.
fn crc16_modbus(data: &[u8]) -> u16 {
    let mut reg: u16 = 0xFFFF;
    for &b in data {
        reg ^= u16::from(b);
        for _ in 0..8 {
            let carry = reg & 1 != 0;
            reg >>= 1;
            if carry {
                reg ^= 0xA001;
            }
        }
    }
    reg
}

fn demo_registry() -> DeviceRegistry {
    DeviceRegistry::from_scene(&demo_scene(), &[]).unwrap()
}

/// The demo registry, built once for the property tests.
static DEMO_REGISTRY: std::sync::LazyLock<DeviceRegistry> = std::sync::LazyLock::new(demo_registry);

fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> chrono::DateTime<Utc> {
    FixedOffset::east_opt(8 * 3600).unwrap().with_ymd_and_hms(y, mo, d, h, mi, s).unwrap().with_timezone(&Utc)
}

// --- CRC and framing -------------------------------------------------------------------------

#[test]
fn crc_of_every_reference_vector() {
    for (packet, crc) in [
        (V1, 0x1C80),
        (V2, 0x9241),
        (V3, 0xCFC1),
        (RTD, 0x8201),
        (RTD_REPLY, 0x9D41),
        (MIN10, 0xC5C1),
        (NEG_ORIGINAL, 0x4980),
        (HOURLY, 0xC181),
        (REPLY_2025, 0x0140),
    ] {
        assert_eq!(crc16(segment_of(packet).as_bytes()), crc, "{packet}");
        let p = parse(packet).unwrap_or_else(|e| panic!("{packet}: {e}"));
        assert_eq!(p.encode(&limits()).unwrap(), packet, "re-encoding gives the same bytes");
    }
    for packet in OLD {
        parse(packet).unwrap_or_else(|e| panic!("{packet}: {e}"));
    }
}

#[test]
fn the_modbus_variant_gives_0759_and_is_rejected() {
    let seg = segment_of(V1);
    assert_eq!(crc16_modbus(seg.as_bytes()), 0x0759);
    let modbus = format!("##0101{seg}0759\r\n");
    assert_eq!(
        parse(&modbus),
        Err(PacketError::Crc { offset: 107, declared: 0x0759, computed: 0x1C80 }),
        "a packet with the Modbus CRC"
    );
}

#[test]
fn the_negative_vector_fails_both_length_and_crc() {
    assert_eq!(parse(NEG), Err(PacketError::LengthMismatch { declared: 139, actual: 136 }));
    let actual = &NEG[6..NEG.len() - 6];
    assert_ne!(crc16(actual.as_bytes()), 0x4980, "the CRC fails too");
    // Its later edit fixed the length only; the CRC still fails.
    assert_eq!(parse(NEG_LATEST), Err(PacketError::Crc { offset: 142, declared: 0x4980, computed: 0x3C00 }));
    // The original was a valid HJ/T 212-2005 packet: no QN, no Flag, DataTime with milliseconds.
    let p = parse(NEG_ORIGINAL).unwrap();
    assert_eq!((p.qn, p.flag, p.version()), (None, None, ProtocolVersion::Hjt212_2005));
    assert_eq!(
        parse_hj_time(&p.cp.param(&Param::DataTime).unwrap().value),
        NaiveDate::from_ymd_opt(2016, 8, 24).unwrap().and_hms_opt(0, 38, 17)
    );
}

#[test]
fn frame_errors_name_their_byte() {
    let l = limits();
    let cases: Vec<(String, PacketError)> = vec![
        (V1.replacen("##", "#", 1), PacketError::Header { offset: 0 }),
        (V1.replacen("0101", "01a1", 1), PacketError::LengthField { found: "01a1".into() }),
        (V1.trim_end().to_string(), PacketError::Tail { offset: 111 }),
        (V1.replace("\r\n", "\n\r"), PacketError::Tail { offset: 111 }),
        (V1.replace("1C80", "1C8G"), PacketError::CrcField { offset: 107, found: "1C8G".into() }),
        (V1.replace("0101", "0100"), PacketError::LengthMismatch { declared: 100, actual: 101 }),
        (V1.replace("0101", "0102"), PacketError::LengthMismatch { declared: 102, actual: 101 }),
        (V1.replace("PW=100000", "PW=100001"), PacketError::Crc { offset: 107, declared: 0x1C80, computed: 0x4C80 }),
    ];
    for (packet, want) in cases {
        let got = unframe(packet.as_bytes(), &l);
        assert_eq!(got, Err(want.clone()), "{packet:?}");
        assert_eq!(got.unwrap_err().offset(), want.offset());
    }
    // A lower-case CRC is read (the public sample above sends one); the encoder writes upper case.
    assert!(parse(&V1.replace("1C80", "1c80")).is_ok());
    // A byte that is not printable ASCII, with a CRC that matches it.
    let odd = framed("QN=20160801085857223;ST=32;CN=1062;PW=1\u{7}0000;MN=X;Flag=5;CP=&&&&");
    assert_eq!(parse(&odd), Err(PacketError::NotAscii { offset: 6 + 39, byte: 7 }));
}

#[test]
fn the_length_limit_is_inclusive() {
    let at = FrameLimits { max_segment_len: 101 };
    let under = FrameLimits { max_segment_len: 100 };
    assert!(parse_packet(V1.as_bytes(), &at).is_ok(), "101 characters with a limit of 101");
    assert_eq!(parse_packet(V1.as_bytes(), &under), Err(PacketError::TooLong { declared: 101, max: 100 }));
    let p = parse(V1).unwrap();
    assert!(p.encode(&at).is_ok());
    assert_eq!(p.encode(&under), Err(EncodeError::TooLong { len: 101, max: 100 }));
    assert_eq!(FrameLimits::default().max_segment_len, 1024);
}

// --- fields --------------------------------------------------------------------------------------

#[test]
fn the_appendix_example_reads_field_by_field() {
    let p = parse(V1).unwrap();
    let qn = p.qn.unwrap();
    assert_eq!(qn.time(), NaiveDate::from_ymd_opt(2016, 8, 1).unwrap().and_hms_milli_opt(8, 58, 57, 223).unwrap());
    assert_eq!(qn.to_string(), "20160801085857223");
    assert_eq!((p.st, p.st.meaning()), (SystemCode(32), Some("surface-water pollution source")));
    assert_eq!((p.cn, p.cn.meaning()), (CommandCode(1062), Some("set real-time data interval")));
    assert_eq!((p.pw.as_str(), p.mn.as_str()), ("100000", "010000A8900016F000169DC0"));
    let flag = p.flag.unwrap();
    assert!(flag.reply_required() && !flag.split());
    assert_eq!(p.version(), ProtocolVersion::Hj212_2017);
    assert_eq!(p.cp.param(&Param::RtdInterval).unwrap().value, "30");
    assert_eq!(p.cp.param(&Param::RtdInterval).unwrap().offset, 91);
}

#[test]
fn factor_fields_split_into_code_and_suffix() {
    let p = parse(MIN10).unwrap();
    assert_eq!(p.st, SystemCode::SITE_DUST);
    assert_eq!(p.st.meaning_zh(), Some("工地扬尘污染源"));
    assert_eq!(p.cn, CommandCode::MINUTE_DATA);
    assert_eq!(p.cp.items.len(), 4);
    let keys: Vec<String> = p.cp.items[1].fields.iter().map(|f| f.key.to_string()).collect();
    assert_eq!(keys, ["a34002-Min", "a34002-Avg", "a34002-Max", "a34002-Flag"]);
    assert_eq!(p.cp.items[1].fields[1].key, FieldKey::factor("a34002", Suffix::Avg));
    // Suffixes beyond the value kinds, and codes with digits only, from the 2005 data.
    let hb = parse(OLD[0]).unwrap();
    assert_eq!(hb.cn, CommandCode::HEARTBEAT);
    assert_eq!(hb.cp.items[1].fields[0].key, FieldKey::factor("CON", Suffix::Rt));
    let old = parse(OLD[2]).unwrap();
    assert_eq!(old.cp.items[2].fields[0].key, FieldKey::factor("011", Suffix::Rtd));
    assert_eq!(parse(OLD[1]).unwrap().cn.meaning(), None, "8013 is not in the 2017 table, kept as sent");
    for (s, suffix) in
        [("ZsRtd", Suffix::ZsRtd), ("ZsAvg", Suffix::ZsAvg), ("Cou", Suffix::Cou), ("EFlag", Suffix::EFlag)]
    {
        assert_eq!(Suffix::parse(s), suffix);
        assert_eq!(suffix.as_str(), s);
    }
    assert_eq!(Suffix::parse("SampleTime"), Suffix::SampleTime);
    assert_eq!(Suffix::parse("td"), Suffix::Other("td".into()));
}

#[test]
fn every_system_code_of_the_table_is_named() {
    for st in [21, 22, 23, 24, 25, 26, 27, 31, 32, 33, 34, 35, 36, 37, 38, 39, 41, 51, 52, 91] {
        assert!(SystemCode(st).meaning().is_some() && SystemCode(st).meaning_zh().is_some(), "ST {st}");
    }
    assert_eq!(SystemCode(28).meaning(), None);
    assert_eq!(SystemCode::AIR_QUALITY.meaning(), Some("air quality monitoring"));
    for cn in [2011, 2051, 2061, 2031, 9011, 9012, 9013, 9014, 1000, 1011, 1062, 1072, 2081, 3019] {
        assert!(CommandCode(cn).meaning().is_some(), "CN {cn}");
    }
    assert_eq!(CommandCode(9015).meaning(), Some("heartbeat (library extension, not confirmed in HJ 212)"));
    assert!(CommandCode::DATA_REPLY.is_reply() && !CommandCode::HEARTBEAT.is_reply());
}

#[test]
fn flag_bits_and_versions() {
    for (flag, reply, split, version) in [
        (0, false, false, ProtocolVersion::Hjt212_2005),
        (1, true, false, ProtocolVersion::Hjt212_2005),
        (4, false, false, ProtocolVersion::Hj212_2017),
        (5, true, false, ProtocolVersion::Hj212_2017),
        (6, false, true, ProtocolVersion::Hj212_2017),
        (7, true, true, ProtocolVersion::Hj212_2017),
        (8, false, false, ProtocolVersion::Hj212_2025),
        (9, true, false, ProtocolVersion::Hj212_2025),
        (12, false, false, ProtocolVersion::Other(12)),
    ] {
        let f = PacketFlag(flag);
        assert_eq!((f.reply_required(), f.split(), f.version()), (reply, split, version), "Flag={flag}");
        assert_eq!(PacketFlag::new(version, reply, split), f);
    }
    assert_eq!(parse(REPLY_2025).unwrap().version(), ProtocolVersion::Hj212_2025);
    assert_eq!(ProtocolVersion::Hj212_2025.name(), "HJ 212-2025 (unconfirmed)");
    assert_eq!(ProtocolVersion::Hjt212_2005.name(), "HJ/T 212-2005");
    // The 2025 mapping is marked unconfirmed where its source is listed.
    let s = PROTOCOL_SOURCES.iter().find(|s| s.id == "hj212.flag.version-2025").unwrap();
    assert!(!s.confidence.confirmed());
    let s = PROTOCOL_SOURCES.iter().find(|s| s.id == "hj212.max-segment-len").unwrap();
    assert!(!s.confidence.confirmed());
}

#[test]
fn split_packets_carry_pnum_and_pno() {
    let seg = "QN=20240315093000123;ST=39;CN=2011;PW=123456;MN=M1;Flag=7;PNUM=2;PNO=2;CP=&&DataTime=20240315093000&&";
    let p = parse(&framed(seg)).unwrap();
    assert_eq!(p.split, Some(SplitInfo { total: 2, index: 2 }));
    assert_eq!(p.segment().unwrap(), seg);
    let field = |e: PacketError| match e {
        PacketError::Field { field, problem, .. } => (field, problem),
        other => panic!("{other}"),
    };
    // PNO may equal PNUM but not exceed it, and counts start at 1.
    let (f, _) = field(parse(&framed(&seg.replace("PNO=2", "PNO=3"))).unwrap_err());
    assert_eq!(f, "PNO");
    let (f, _) = field(parse(&framed(&seg.replace("PNO=2", "PNO=0"))).unwrap_err());
    assert_eq!(f, "PNO");
    // D set without PNUM; PNUM without D.
    assert_eq!(
        field(parse(&framed(&seg.replace("PNUM=2;PNO=2;", ""))).unwrap_err()),
        ("PNUM".into(), FieldProblem::Missing)
    );
    let (f, p) = field(parse(&framed(&seg.replace("Flag=7", "Flag=5"))).unwrap_err());
    assert_eq!((f.as_str(), p), ("PNUM", FieldProblem::Structure("given while Flag's D bit (split) is clear")));
    // The public sample with Flag=7 and no PNUM is refused for it.
    let e = parse(SPLIT_WITHOUT_PNUM).unwrap_err();
    assert_eq!((e.field(), e.offset()), ("PNUM", 86), "where CP starts");
}

#[test]
fn malformed_fields_get_typed_errors_with_offsets() {
    let good = "QN=20240315093000123;ST=39;CN=2011;PW=123456;MN=M1;Flag=5;CP=&&DataTime=20240315093000;a34002-Rtd=86.0,a34002-Flag=N&&";
    assert!(parse(&framed(good)).is_ok());
    let invalid = |expected: &'static str, found: &str| FieldProblem::Invalid { expected, found: found.into() };
    let cases: Vec<(String, usize, &str, FieldProblem)> = vec![
        (good.replace("Flag=5;", "Flag=5;XX=1;"), 64, "XX", FieldProblem::Unknown),
        (good.replace("ST=39;", "ST=39;ST=22;"), 33, "ST", FieldProblem::Duplicate),
        (good.replace("MN=M1;", ""), 58, "MN", FieldProblem::Missing),
        (good.replace("ST=39;CN=2011;", ""), 50, "ST", FieldProblem::Missing),
        (good.replace("ST=39", "ST=391"), 30, "ST", invalid("2 digits", "391")),
        (good.replace("CN=2011", "CN=20a1"), 36, "CN", invalid("4 digits", "20a1")),
        (
            good.replace("QN=20240315093000123", "QN=2024031509300012"),
            9,
            "QN",
            invalid("17 digits YYYYMMDDhhmmsszzz, a valid time", "2024031509300012"),
        ),
        (
            good.replace("QN=20240315093000123", "QN=20241315093000123"),
            9,
            "QN",
            invalid("17 digits YYYYMMDDhhmmsszzz, a valid time", "20241315093000123"),
        ),
        (good.replace("Flag=5", "Flag=256"), 62, "Flag", invalid("a number 0–255", "256")),
        (good.replace("PW=123456", "PW="), 44, "PW", invalid("a non-empty value without `,`, `&` or `=`", "")),
        (good.replace("MN=M1", "MN=M,1"), 54, "MN", invalid("a non-empty value without `,`, `&` or `=`", "M,1")),
        (good.replace("Flag=5;", "Flag5;"), 57, "Flag5", FieldProblem::Structure("expected `name=value`")),
        (good.replace("CP=&&", "CP=&"), 67, "CP", invalid("`&&` opening the parameters", "&DataTime=20")),
        (
            good.trim_end_matches('&').to_string(),
            122,
            "CP",
            FieldProblem::Structure("expected `&&` closing the parameters at the end of the data segment"),
        ),
        (good[..good.find("CP=").unwrap()].to_string(), 64, "CP", FieldProblem::Missing),
        (
            good.replace("093000;a34002", "093000;;a34002"),
            93,
            "CP",
            FieldProblem::Structure("empty item (`;;` or a leading `;`)"),
        ),
        (
            good.replace("&&DataTime", "&&;DataTime"),
            69,
            "CP",
            FieldProblem::Structure("empty item (`;;` or a leading `;`)"),
        ),
        (
            good.replace("86.0,a34002", "86.0,,a34002"),
            109,
            "",
            FieldProblem::Structure("empty field (`,,` or a stray `,`)"),
        ),
        (
            good.replace("a34002-Rtd=86.0", "a34002-Rtd86.0"),
            93,
            "a34002-Rtd86.0",
            FieldProblem::Structure("expected `name=value`"),
        ),
        (
            good.replace("a34002-Rtd", "a34002-Rtd!"),
            93,
            "a34002-Rtd!",
            invalid("a name of letters, digits and `_` (a factor: `code-Suffix`)", "a34002-Rtd!"),
        ),
        (good.replace("86.0", "86&0"), 104, "a34002-Rtd", invalid("a value without `&`", "86&0")),
    ];
    for (seg, offset, field, problem) in cases {
        let want = PacketError::Field { offset, field: field.into(), problem };
        assert_eq!(parse(&framed(&seg)), Err(want), "{seg}");
    }
    // One trailing `;` in CP is tolerated, as public samples send it.
    let trailing = good.replace("N&&", "N;&&");
    assert_eq!(parse(&framed(&trailing)).unwrap().cp.items.len(), 2);
    // Empty CP and an empty value are well-formed.
    assert!(parse(&framed("ST=91;CN=9014;PW=1;MN=M;Flag=4;CP=&&&&")).unwrap().cp.items.is_empty());
    assert_eq!(parse(&framed(&good.replace("86.0", ""))).unwrap().cp.items[1].fields[0].value, "");
    // Errors read as the brief asks: byte offset and field.
    let e = parse(&framed(&good.replace("CN=2011", "CN=20a1"))).unwrap_err();
    assert_eq!(e.to_string(), "byte 36: CN: expected 4 digits, found \"20a1\"");
}

#[test]
fn times_are_strict_digits() {
    let t = NaiveDate::from_ymd_opt(2024, 3, 15).unwrap().and_hms_opt(9, 30, 0).unwrap();
    assert_eq!(parse_hj_time("20240315093000"), Some(t));
    assert_eq!(parse_hj_time("20240315093000000"), Some(t));
    for bad in
        ["2024031509300", "202403150930000", "2024-03-15 09:30", "20240230093000", "20240315246000", "+0240315093000"]
    {
        assert_eq!(parse_hj_time(bad), None, "{bad}");
    }
    assert_eq!(Qn::parse("20240315093000"), None, "QN needs the milliseconds");
    let qn = Qn::from_time(t + chrono::Duration::microseconds(123_456)).unwrap();
    assert_eq!(qn.to_string(), "20240315093000123", "sub-millisecond part dropped");
    assert_eq!(Qn::parse(&qn.to_string()), Some(qn));
}

// --- replies -------------------------------------------------------------------------------------

#[test]
fn the_data_reply_is_the_reference_layout() {
    let p = parse(RTD).unwrap();
    let reply = data_reply(&p).unwrap();
    assert_eq!(reply.encode(&limits()).unwrap(), RTD_REPLY);
    // The same layout an independent library wrote (C241), from the header of a packet we refuse.
    let to = ReplyTo::salvage(SPLIT_WITHOUT_PNUM.as_bytes()).unwrap();
    let reply = Packet { cn: CommandCode::DATA_REPLY, ..request_reply(&to, QnRtn::Ready) };
    let reply = Packet { cp: Cp::new(), ..reply };
    assert_eq!(reply.encode(&limits()).unwrap(), SPLIT_WITHOUT_PNUM_REPLY);
    // No reply unless Flag's A bit asks; replies are not answered; a 2025 station gets Flag=8.
    assert_eq!(data_reply(&parse(RTD_REPLY).unwrap()), None);
    assert_eq!(data_reply(&parse(OLD[2]).unwrap()), None, "2005 packet without Flag");
    let mut p4 = p.clone();
    p4.flag = Some(PacketFlag(4));
    assert_eq!(data_reply(&p4), None);
    let mut p9 = p.clone();
    p9.flag = Some(PacketFlag(9));
    assert_eq!(data_reply(&p9).unwrap().flag, Some(PacketFlag(8)));
    assert_eq!(data_reply(&parse(MIN10).unwrap()).unwrap().qn, Qn::parse("20240315094000456"));
}

#[test]
fn refusals_carry_qnrtn_and_exertn() {
    let p = parse(RTD).unwrap();
    let to = ReplyTo::from(&p);
    for (rtn, code) in [(QnRtn::PwWrong, "3"), (QnRtn::MnWrong, "4"), (QnRtn::CrcError, "9")] {
        let text = request_reply(&to, rtn).encode(&limits()).unwrap();
        let back = parse(&text).unwrap();
        assert_eq!((back.st, back.cn), (SystemCode::SYSTEM, CommandCode::REQUEST_REPLY));
        assert_eq!((back.qn, back.mn.as_str(), back.flag), (p.qn, "JS320100TEST0001", Some(PacketFlag(4))));
        assert_eq!(back.cp.param(&Param::QnRtn).unwrap().value, code);
        assert_eq!(QnRtn::from_code(rtn.code()), Some(rtn));
    }
    assert_eq!(
        request_reply(&to, QnRtn::CrcError).encode(&limits()).unwrap(),
        framed("QN=20240315093000123;ST=91;CN=9011;PW=123456;MN=JS320100TEST0001;Flag=4;CP=&&QnRtn=9&&")
    );
    let done = parse(&execution_reply(&to, ExeRtn::NoData).encode(&limits()).unwrap()).unwrap();
    assert_eq!(
        (done.cn, done.cp.param(&Param::ExeRtn).unwrap().value.as_str()),
        (CommandCode::EXECUTION_RESULT, "100")
    );
    assert_eq!(ExeRtn::from_code(100), Some(ExeRtn::NoData));
    assert_eq!(QnRtn::from_code(10), None);
}

#[test]
fn a_crc_error_is_refused_from_the_salvaged_header() {
    let corrupt = RTD.replace("a34002-Rtd=86.0", "a34002-Rtd=96.0");
    let e = parse(&corrupt).unwrap_err();
    assert!(matches!(e, PacketError::Crc { .. }), "{e}");
    let to = ReplyTo::salvage(corrupt.as_bytes()).unwrap();
    assert_eq!(to, ReplyTo::from(&parse(RTD).unwrap()));
    let reply = parse(&request_reply(&to, QnRtn::CrcError).encode(&limits()).unwrap()).unwrap();
    assert_eq!(reply.cp.param(&Param::QnRtn).unwrap().value, "9");
    // Nothing to answer without MN and PW.
    assert_eq!(ReplyTo::salvage(b"##0010ST=22;CP=&&&&ABCD\r\n"), None);
    assert_eq!(ReplyTo::salvage(b"garbage"), None);
    // A 2005 header (no Flag) is answered as 2005.
    assert_eq!(ReplyTo::salvage(NEG.as_bytes()).unwrap().version, ProtocolVersion::Hjt212_2005);
}

// --- registry and readings -------------------------------------------------------------------

#[test]
fn the_demo_scene_gives_its_hj212_devices() {
    let reg = demo_registry();
    let mns: Vec<&str> = reg.devices().map(|d| d.mn.as_str()).collect();
    // The crane's anemometer has no device_id, so it is a device of its own id (the scene's rule);
    // crane, pit and electricity sensors have no HJ 212 code and are left out.
    assert_eq!(mns, [DEMO_MN, "TC1-WIND"]);
    let wind = reg.device("TC1-WIND").unwrap();
    assert_eq!(wind.factors.keys().collect::<Vec<_>>(), ["a01007"]);
    let d = reg.device(DEMO_MN).unwrap();
    assert_eq!(
        (d.mn.as_str(), d.password.as_deref(), d.concentration_unit),
        (DEMO_MN, None, ConcentrationUnit::MicrogramPerCubicMetre)
    );
    let map: Vec<(&str, &str)> = d.factors.iter().map(|(c, t)| (c.as_str(), t.sensor.as_str())).collect();
    assert_eq!(
        map,
        [
            ("LA", "DM1-NOISE"),
            ("a01007", "DM1-WS"),
            ("a01008", "DM1-WD"),
            ("a34001", "DM1-TSP"),
            ("a34002", "DM1-PM10"),
            ("a34004", "DM1-PM25"),
        ]
    );
    assert_eq!(factor_code(crate::scene::SensorKind::CraneLoad), None);
}

/// The worked real-time example, as sent by the demo scene's station.
fn demo_rtd() -> Packet {
    let mut p = parse(RTD).unwrap();
    p.mn = DEMO_MN.into();
    parse(&p.encode(&limits()).unwrap()).unwrap()
}

#[test]
fn real_time_data_become_readings_of_the_scene_sensors() {
    let reg = demo_registry();
    let r = reg.readings(&demo_rtd()).unwrap();
    let t = local(2024, 3, 15, 9, 30, 0);
    assert_eq!(r.time, t);
    assert_eq!(t, Utc.with_ymd_and_hms(2024, 3, 15, 1, 30, 0).unwrap(), "DataTime is +08:00");
    let got: Vec<(&str, f64, Option<DataFlag>)> =
        r.readings.iter().map(|r| (r.sensor.as_str(), r.value, r.flag)).collect();
    let n = Some(DataFlag::N);
    assert_eq!(
        got,
        [
            ("DM1-TSP", 152.0, n),
            ("DM1-PM10", 86.0, n),
            ("DM1-PM25", 41.0, n),
            ("DM1-NOISE", 62.3, n),
            ("DM1-WS", 3.2, n),
            ("DM1-WD", 135.0, n)
        ]
    );
    assert!(r.readings.iter().all(|x| x.time == t));
    // Temperature and humidity have no sensor in the scene: reported, with their names.
    let unknown: Vec<(&str, Option<&str>)> = r.unknown_codes.iter().map(|u| (u.code.as_str(), u.name)).collect();
    assert_eq!(unknown, [("a01001", Some("air temperature")), ("a01002", Some("humidity"))]);
    assert!(r.problems.is_empty());
    // A site in another zone.
    let utc = demo_registry().with_zone(FixedOffset::east_opt(0).unwrap());
    assert_eq!(utc.readings(&demo_rtd()).unwrap().time, Utc.with_ymd_and_hms(2024, 3, 15, 9, 30, 0).unwrap());
}

#[test]
fn minute_and_hourly_data_take_the_mean() {
    let o = DeviceOverride {
        mn: "JS320100TEST0001".into(),
        codes: [("a34002", "DM1-PM10"), ("a34004", "DM1-PM25"), ("LA", "DM1-NOISE")]
            .map(|(c, s)| (c.to_string(), s.to_string()))
            .into(),
        ..Default::default()
    };
    let reg = DeviceRegistry::from_scene(&demo_scene(), &[o]).unwrap();
    let r = reg.readings(&parse(MIN10).unwrap()).unwrap();
    let got: Vec<(&str, f64)> = r.readings.iter().map(|r| (r.sensor.as_str(), r.value)).collect();
    assert_eq!(got, [("DM1-PM10", 84.5), ("DM1-PM25", 40.2), ("DM1-NOISE", 61.8)]);
    assert_eq!(r.time, local(2024, 3, 15, 9, 30, 0), "the period's DataTime, not the QN");
    let mut hourly = parse(MIN10).unwrap();
    hourly.cn = CommandCode::HOURLY_DATA;
    assert_eq!(reg.readings(&hourly).unwrap().readings[0].value, 84.5);
    // The same worked real-time packet, verbatim, through the override.
    assert_eq!(reg.readings(&parse(RTD).unwrap()).unwrap().readings.len(), 3);
    assert_eq!(value_suffix(CommandCode::REALTIME_DATA), Some(Suffix::Rtd));
    for cn in [CommandCode::DAILY_DATA, CommandCode::DATA_REPLY, CommandCode(2021)] {
        let mut p = parse(MIN10).unwrap();
        p.cn = cn;
        assert_eq!(reg.readings(&p), Err(ReadingsError::NotData { cn }));
    }
}

/// A demo-station real-time packet with this CP.
fn demo_packet(cp: &str) -> Packet {
    parse(&framed(&format!("QN=20240315093000123;ST=39;CN=2011;PW=123456;MN={DEMO_MN};Flag=5;CP=&&{cp}&&"))).unwrap()
}

#[test]
fn flags_values_and_problems_per_item() {
    let reg = demo_registry();
    let p = demo_packet(
        "DataTime=20240315093000;a34002-Rtd=86.0,a34002-Flag=D;a34004-Flag=M;a34001-Max=1;LA-Rtd=6x;a01007-Rtd=3.2,a01007-Flag=Q;a01008-Rtd=-1.5;a34002-Rtd=99,a34002-Flag=N",
    );
    let r = reg.readings(&p).unwrap();
    assert_eq!(r.readings.len(), 3);
    assert_eq!(
        (r.readings[0].sensor.as_str(), r.readings[0].value, r.readings[0].flag),
        ("DM1-PM10", 86.0, Some(DataFlag::D))
    );
    assert_eq!(r.readings[1].sensor, "DM1-PM25");
    assert!(r.readings[1].value.is_nan(), "a flag without a value: the instrument reports, no value");
    assert_eq!(r.readings[1].flag, Some(DataFlag::M));
    assert_eq!((r.readings[2].sensor.as_str(), r.readings[2].value, r.readings[2].flag), ("DM1-WD", -1.5, None));
    let problems: Vec<String> = r.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "byte 219: a34002-Rtd: given again; the first is used",
            "byte 151: a34001: no `a34001-Rtd` value and no flag",
            "byte 171: LA-Rtd: expected a decimal number, found \"6x\"",
            "byte 201: a01007-Flag: unknown data flag \"Q\" (expected N, F, M, S, D, C, T or B)",
        ]
    );
    // The offsets point at the packet's bytes.
    let text = p.encode(&limits()).unwrap();
    assert_eq!(&text[171..173], "6x");
    assert_eq!(&text[201..202], "Q");
    // DataTime: missing or malformed.
    assert_eq!(reg.readings(&demo_packet("a34002-Rtd=1")), Err(ReadingsError::MissingDataTime));
    assert_eq!(
        reg.readings(&demo_packet("DataTime=2024031509300;a34002-Rtd=1")),
        Err(ReadingsError::BadDataTime { offset: 92, found: "2024031509300".into() })
    );
    let mut stranger = demo_rtd();
    stranger.mn = "NOBODY".into();
    assert_eq!(reg.readings(&stranger), Err(ReadingsError::UnknownDevice { mn: "NOBODY".into() }));
}

#[test]
fn decimal_numbers_are_strict() {
    let reg = demo_registry();
    let value = |v: &str| {
        let r = reg.readings(&demo_packet(&format!("DataTime=20240315093000;a34002-Rtd={v}"))).unwrap();
        r.readings.first().map(|r| r.value)
    };
    for (v, want) in [("86", 86.0), ("86.", 86.0), (".5", 0.5), ("+1.25", 1.25), ("-0.001221", -0.001221)] {
        assert_eq!(value(v), Some(want), "{v}");
    }
    assert!(value("").unwrap().is_nan(), "an empty value is no value");
    for v in ["inf", "NaN", "1e3", "0x10", ".", "-", "1.2.3", " 1"] {
        assert_eq!(value(v), None, "{v:?} is not an HJ 212 number");
    }
}

#[test]
fn concentration_units_convert_per_device() {
    let mg = DeviceOverride {
        mn: DEMO_MN.into(),
        concentration_unit: Some(ConcentrationUnit::MilligramPerCubicMetre),
        ..Default::default()
    };
    let reg = DeviceRegistry::from_scene(&demo_scene(), &[mg]).unwrap();
    let r = reg.readings(&demo_packet("DataTime=20240315093000;a34002-Rtd=0.086;LA-Rtd=62.3")).unwrap();
    assert!((r.readings[0].value - 86.0).abs() < 1e-9, "0.086 mg/m³ is 86 µg/m³: {}", r.readings[0].value);
    assert_eq!(r.readings[1].value, 62.3, "noise is not a concentration");
    // A sensor kept in mg/m³ gets µg/m³ values divided.
    let mut scene = demo_scene();
    scene.sensors.iter_mut().find(|s| s.id == "DM1-PM10").unwrap().unit = "mg/m3".into();
    let reg = DeviceRegistry::from_scene(&scene, &[]).unwrap();
    let r = reg.readings(&demo_packet("DataTime=20240315093000;a34002-Rtd=86")).unwrap();
    assert!((r.readings[0].value - 0.086).abs() < 1e-12);
    assert_eq!(ConcentrationUnit::from_unit("µg/m³"), Some(ConcentrationUnit::MicrogramPerCubicMetre));
    assert_eq!(ConcentrationUnit::from_unit("dB(A)"), None);
}

#[test]
fn admission_checks_mn_and_password() {
    let o = DeviceOverride { mn: DEMO_MN.into(), password: Some("654321".into()), ..Default::default() };
    let reg = DeviceRegistry::from_scene(&demo_scene(), &[o]).unwrap();
    let mut p = demo_rtd();
    assert_eq!(reg.admit(&p).map(|d| d.mn.as_str()), Err(QnRtn::PwWrong));
    p.pw = "654321".into();
    assert_eq!(reg.admit(&p).map(|d| d.mn.as_str()), Ok(DEMO_MN));
    p.mn = "JS320602DM000102".into();
    assert_eq!(reg.admit(&p).map(|d| d.mn.as_str()), Err(QnRtn::MnWrong));
    // Without a password set, any PW is accepted.
    assert!(demo_registry().admit(&demo_rtd()).is_ok());
}

#[test]
fn registry_errors() {
    let mut scene = demo_scene();
    let mut twin = scene.sensors.iter().find(|s| s.id == "DM1-PM10").unwrap().clone();
    twin.id = "DM1-PM10-B".into();
    scene.sensors.push(twin);
    assert_eq!(
        DeviceRegistry::from_scene(&scene, &[]),
        Err(RegistryError::DuplicateCode {
            mn: DEMO_MN.into(),
            code: "a34002".into(),
            sensors: vec!["DM1-PM10".into(), "DM1-PM10-B".into()],
        })
    );
    // An override settles which sensor takes the code.
    let pick = DeviceOverride {
        mn: DEMO_MN.into(),
        codes: [("a34002".to_string(), "DM1-PM10-B".to_string())].into(),
        ..Default::default()
    };
    let reg = DeviceRegistry::from_scene(&scene, &[pick]).unwrap();
    assert_eq!(reg.device(DEMO_MN).unwrap().factors["a34002"].sensor, "DM1-PM10-B");
    let ghost = DeviceOverride {
        mn: DEMO_MN.into(),
        codes: [("B03".to_string(), "NOISE-9".to_string())].into(),
        ..Default::default()
    };
    assert_eq!(
        DeviceRegistry::from_scene(&demo_scene(), &[ghost]),
        Err(RegistryError::UnknownSensor { mn: DEMO_MN.into(), code: "B03".into(), sensor: "NOISE-9".into() })
    );
    for (o, field) in [
        (DeviceOverride { mn: "A;B".into(), ..Default::default() }, "mn"),
        (DeviceOverride { mn: "A".into(), password: Some("p,w".into()), ..Default::default() }, "password"),
        (
            DeviceOverride {
                mn: "A".into(),
                codes: [("a-".to_string(), "DM1-PM10".to_string())].into(),
                ..Default::default()
            },
            "codes",
        ),
    ] {
        assert!(
            matches!(DeviceRegistry::from_scene(&demo_scene(), &[o]), Err(RegistryError::BadOverride { field: f, .. }) if f == field)
        );
    }
    // Overrides read from a gateway's JSON configuration.
    let o: DeviceOverride =
        serde_json::from_str(r#"{"mn": "M1", "concentration_unit": "mg/m3", "codes": {"B03": "DM1-NOISE"}}"#).unwrap();
    assert_eq!(o.concentration_unit, Some(ConcentrationUnit::MilligramPerCubicMetre));
    assert!(serde_json::from_str::<DeviceOverride>(r#"{"mn": "M1", "pw": "1"}"#).is_err());
}

// --- encoder -------------------------------------------------------------------------------------

#[test]
fn the_encoder_builds_any_command() {
    let qn = Qn::parse("20240315093000123").unwrap();
    let p = Packet {
        qn: Some(qn),
        st: SystemCode::SITE_DUST,
        cn: CommandCode::REALTIME_DATA,
        pw: "123456".into(),
        mn: "JS320100TEST0001".into(),
        flag: Some(PacketFlag::new(ProtocolVersion::Hj212_2017, true, false)),
        split: None,
        cp: [
            ("a34001", "152.0"),
            ("a34002", "86.0"),
            ("a34004", "41.0"),
            ("LA", "62.3"),
            ("a01007", "3.2"),
            ("a01008", "135"),
            ("a01001", "14.6"),
            ("a01002", "58.0"),
        ]
        .iter()
        .fold(Cp::new().with_param(Param::DataTime, "20240315093000"), |cp, (code, v)| {
            cp.with_item(vec![
                CpField::new(FieldKey::factor(code, Suffix::Rtd), *v),
                CpField::new(FieldKey::factor(code, Suffix::Flag), "N"),
            ])
        }),
    };
    assert_eq!(p.encode(&limits()).unwrap(), RTD, "built field by field, it is the worked example");
    let heartbeat = Packet { cn: CommandCode::HEARTBEAT, st: SystemCode::SYSTEM, cp: Cp::new(), ..p.clone() };
    assert!(parse(&heartbeat.encode(&limits()).unwrap()).is_ok());
    let bad = |p: Packet| p.encode(&limits()).unwrap_err();
    assert!(
        matches!(bad(Packet { pw: "12;4".into(), ..p.clone() }), EncodeError::Field { field, .. } if field == "PW")
    );
    assert!(
        matches!(bad(Packet { mn: String::new(), ..p.clone() }), EncodeError::Field { field, .. } if field == "MN")
    );
    assert!(
        matches!(bad(Packet { st: SystemCode(100), ..p.clone() }), EncodeError::Field { field, .. } if field == "ST")
    );
    assert!(
        matches!(bad(Packet { cn: CommandCode(10000), ..p.clone() }), EncodeError::Field { field, .. } if field == "CN")
    );
    assert!(
        matches!(bad(Packet { split: Some(SplitInfo { total: 2, index: 1 }), ..p.clone() }), EncodeError::Field { field, .. } if field == "PNUM")
    );
    let split = Packet { flag: Some(PacketFlag(7)), ..p.clone() };
    assert!(matches!(bad(split.clone()), EncodeError::Field { field, .. } if field == "PNUM"));
    assert!(
        matches!(bad(Packet { split: Some(SplitInfo { total: 2, index: 3 }), ..split.clone() }), EncodeError::Field { field, .. } if field == "PNO")
    );
    assert!(Packet { split: Some(SplitInfo { total: 2, index: 2 }), ..split }.encode(&limits()).is_ok());
    let cp = |f: CpField| Packet { cp: Cp::new().with_item(vec![f]), ..p.clone() };
    assert!(
        matches!(bad(cp(CpField::new(FieldKey::factor("a34002", Suffix::Rtd), "1;2"))), EncodeError::Field { field, .. } if field == "a34002-Rtd")
    );
    assert!(matches!(
        bad(cp(CpField::new(FieldKey::Param(Param::Other("a-b".into())), "1"))),
        EncodeError::Field { .. }
    ));
    assert!(matches!(
        bad(cp(CpField::new(FieldKey::factor("a34002", Suffix::Other("Rtd".into())), "1"))),
        EncodeError::Field { .. }
    ));
    assert!(
        matches!(bad(Packet { cp: Cp::new().with_item(vec![]), ..p.clone() }), EncodeError::Field { field, .. } if field == "CP")
    );
    assert!(matches!(frame("a\u{e9}", &limits()), Err(EncodeError::Field { .. })));
}

// --- one frame end to end ----------------------------------------------------------------------

#[test]
fn ingest_reads_admits_and_replies() {
    let o = DeviceOverride {
        mn: "JS320100TEST0001".into(),
        password: Some("123456".into()),
        codes: [("a34002".to_string(), "DM1-PM10".to_string())].into(),
        ..Default::default()
    };
    let reg = DeviceRegistry::from_scene(&demo_scene(), &[o]).unwrap();
    let l = limits();
    // A data packet asking for a reply: readings and the 9014 reply of the reference.
    let got = ingest(RTD.as_bytes(), &reg, &l);
    let Outcome::Readings(r) = &got.outcome else { panic!("{got:?}") };
    assert_eq!((r.readings.len(), r.unknown_codes.len()), (1, 7));
    assert_eq!(got.reply.as_deref(), Some(RTD_REPLY));
    // Not asking (Flag=4): readings, no reply.
    let quiet = parse(RTD).unwrap();
    let quiet = Packet { flag: Some(PacketFlag(4)), ..quiet }.encode(&l).unwrap();
    let got = ingest(quiet.as_bytes(), &reg, &l);
    assert!(matches!(got.outcome, Outcome::Readings(_)) && got.reply.is_none());
    // A CRC error: refused with QnRtn=9, echoing the QN.
    let corrupt = RTD.replace("86.0", "96.0");
    let got = ingest(corrupt.as_bytes(), &reg, &l);
    assert!(matches!(got.outcome, Outcome::Malformed(PacketError::Crc { .. })));
    let reply = parse(got.reply.as_deref().unwrap()).unwrap();
    assert_eq!(
        (reply.cn, reply.qn, reply.cp.param(&Param::QnRtn).unwrap().value.as_str()),
        (CommandCode(9011), Qn::parse("20240315093000123"), "9")
    );
    // Wrong PW, unknown MN.
    let wrong_pw = framed(&segment_of(RTD).replace("PW=123456", "PW=000000"));
    let got = ingest(wrong_pw.as_bytes(), &reg, &l);
    assert_eq!(got.outcome, Outcome::Refused(QnRtn::PwWrong));
    assert_eq!(parse(got.reply.as_deref().unwrap()).unwrap().cp.param(&Param::QnRtn).unwrap().value, "3");
    let got = ingest(V3.as_bytes(), &reg, &l);
    assert_eq!(got.outcome, Outcome::Refused(QnRtn::MnWrong));
    assert_eq!(parse(got.reply.as_deref().unwrap()).unwrap().cp.param(&Param::QnRtn).unwrap().value, "4");
    // Other malformations get no reply; a heartbeat of a known device is accepted.
    let got = ingest(NEG.as_bytes(), &reg, &l);
    assert_eq!(
        (got.outcome, got.reply),
        (Outcome::Malformed(PacketError::LengthMismatch { declared: 139, actual: 136 }), None)
    );
    let hb = framed("QN=20240315093000123;ST=91;CN=9015;PW=123456;MN=JS320100TEST0001;Flag=4;CP=&&&&");
    assert_eq!(ingest(hb.as_bytes(), &reg, &l).outcome, Outcome::Accepted);
    // A data packet without DataTime is still acknowledged, so that it is not resent.
    let no_time = framed("QN=20240315093000123;ST=39;CN=2011;PW=123456;MN=JS320100TEST0001;Flag=5;CP=&&a34002-Rtd=1&&");
    let got = ingest(no_time.as_bytes(), &reg, &l);
    assert_eq!(got.outcome, Outcome::NoReadings(ReadingsError::MissingDataTime));
    assert_eq!(parse(got.reply.as_deref().unwrap()).unwrap().cn, CommandCode::DATA_REPLY);
}

// --- the stream splitter -------------------------------------------------------------------------

fn split_all(splitter: &mut FrameSplitter, bytes: &[u8], chunk: usize) -> Vec<Result<Frame, StreamError>> {
    let mut out = Vec::new();
    for c in bytes.chunks(chunk.max(1)) {
        out.extend(splitter.push(c));
        assert!(splitter.buffered() < 6 + 1024 + 6, "buffer bounded by one frame");
    }
    out
}

/// Frames and errors with the byte runs of adjacent garbage merged, so that chunking does not
/// change the comparison.
fn normalised(events: Vec<Result<Frame, StreamError>>) -> Vec<Result<Frame, StreamError>> {
    let mut out: Vec<Result<Frame, StreamError>> = Vec::new();
    for e in events {
        if let (Some(Err(StreamError::Garbage { offset, len })), Err(StreamError::Garbage { offset: o2, len: l2 })) =
            (out.last_mut(), &e)
            && *offset + *len as u64 == *o2
        {
            *len += l2;
            continue;
        }
        out.push(e);
    }
    out
}

#[test]
fn the_splitter_cuts_frames_and_skips_garbage() {
    let stream = format!("noise{V1}{V2}\r\n#x{RTD}##abc{MIN10}");
    let mut s = FrameSplitter::new(limits());
    let events = normalised(split_all(&mut s, stream.as_bytes(), 1 << 20));
    let frames: Vec<&[u8]> = events.iter().filter_map(|e| e.as_ref().ok()).map(|f| f.bytes.as_slice()).collect();
    assert_eq!(frames, [V1.as_bytes(), V2.as_bytes(), RTD.as_bytes(), MIN10.as_bytes()]);
    let garbage: Vec<(u64, usize)> = events
        .iter()
        .filter_map(|e| match e {
            Err(StreamError::Garbage { offset, len }) => Some((*offset, *len)),
            _ => None,
        })
        .collect();
    let after_v2 = (5 + V1.len() + V2.len()) as u64;
    let after_rtd = after_v2 + 4 + RTD.len() as u64;
    assert_eq!(garbage, [(0, 5), (after_v2, 4), (after_rtd, 5)]);
    let Ok(f) = &events[4] else { panic!("{events:?}") };
    assert_eq!(f.offset, after_v2 + 4);
    assert_eq!(s.finish(), None);
    // Byte by byte, the same.
    let mut s = FrameSplitter::new(limits());
    assert_eq!(normalised(split_all(&mut s, stream.as_bytes(), 1)), events);
}

#[test]
fn the_splitter_resynchronises_after_broken_frames() {
    let truncated = &V2[..120];
    let no_tail = V1.trim_end();
    let stream = format!("{NEG}{V1}{truncated}{V3}{no_tail}{RTD}##9999{MIN10}");
    let mut s = FrameSplitter::new(limits());
    let events = normalised(split_all(&mut s, stream.as_bytes(), 7));
    let summary: Vec<String> = events
        .iter()
        .map(|e| match e {
            Ok(f) => format!("frame {} {}", f.offset, f.bytes.len()),
            Err(StreamError::Rejected { offset, error, bytes }) => format!("rejected {offset} {} {error}", bytes.len()),
            Err(e) => e.to_string(),
        })
        .collect();
    let v1_at = NEG.len();
    let trunc_at = v1_at + V1.len();
    let v3_at = trunc_at + truncated.len();
    let no_tail_at = v3_at + V3.len();
    let rtd_at = no_tail_at + no_tail.len();
    let long_at = rtd_at + RTD.len();
    assert_eq!(
        summary,
        [
            format!("rejected 0 {} byte 2: data-segment length: 139 declared, the segment has 136", NEG.len()),
            format!("frame {v1_at} {}", V1.len()),
            format!("rejected {trunc_at} 120 byte 120: tail: expected CR LF"),
            format!("frame {v3_at} {}", V3.len()),
            format!("rejected {no_tail_at} {} byte 111: tail: expected CR LF", no_tail.len()),
            format!("frame {rtd_at} {}", RTD.len()),
            format!(
                "rejected {long_at} 6 byte 2: data-segment length: 9999 is over the maximum of 1024 (1024 is [R], unconfirmed)"
            ),
            format!("stream byte {}: 4 bytes outside any packet skipped", long_at + 2),
            format!("frame {} {}", long_at + 6, MIN10.len()),
        ]
    );
    // The rejected bytes of a length mismatch can still be answered (a CRC-style refusal).
    let Err(StreamError::Rejected { bytes, .. }) = &events[0] else { panic!() };
    assert_eq!(ReplyTo::salvage(bytes).unwrap().mn, "LD130133000015");
}

#[test]
fn the_splitter_never_holds_more_than_a_frame() {
    let mut s = FrameSplitter::new(limits());
    // A header, then 5000 bytes with no CR LF: dropped once a whole maximum frame has come.
    let mut events = s.push(b"##0100");
    events.extend(split_all(&mut s, &[b'A'; 5000], 64));
    assert!(
        matches!(&events[0], Err(StreamError::Rejected { error: PacketError::Tail { offset: 110 }, bytes, .. }) if bytes.len() == 1036)
    );
    assert!(matches!(&events[1], Err(StreamError::Garbage { offset: 2, .. })));
    assert_eq!(s.buffered(), 0);
    // The limit is configurable: a smaller one drops sooner.
    let mut small = FrameSplitter::new(FrameLimits { max_segment_len: 100 });
    let events = small.push(V1.as_bytes());
    assert!(matches!(
        &events[0],
        Err(StreamError::Rejected { error: PacketError::TooLong { declared: 101, max: 100 }, .. })
    ));
    // The end of the stream inside a packet.
    let mut s = FrameSplitter::new(limits());
    assert!(s.push(&V1.as_bytes()[..50]).is_empty());
    assert_eq!(s.buffered(), 50);
    assert_eq!(s.finish(), Some(StreamError::Truncated { offset: 0, len: 50 }));
    assert_eq!(s.buffered(), 0);
    assert!(s.push(b"#").is_empty(), "a lone # may start a header");
    assert_eq!(s.push(b"#0101"), vec![]);
    assert_eq!(s.buffered(), 6);
}

#[test]
fn a_large_replay_in_one_push_is_linear() {
    // 30 000 packets (10 MB) at once, as a replay file would come: every frame, in order.
    let stream = RTD.repeat(30_000);
    let mut s = FrameSplitter::new(limits());
    let started = std::time::Instant::now();
    let events = s.push(stream.as_bytes());
    let took = started.elapsed();
    assert_eq!(events.len(), 30_000);
    let Some(Ok(last)) = events.last() else { panic!() };
    assert_eq!(last.offset, 29_999 * RTD.len() as u64);
    assert!(events.iter().all(|e| matches!(e, Ok(f) if f.bytes == RTD.as_bytes())));
    assert_eq!(s.buffered(), 0);
    // Measured in the debug build: 1.1 s; draining the buffer per frame (quadratic) took 45 s.
    assert!(took < std::time::Duration::from_secs(8), "{took:?}");
}

// --- random and mutated input never panic ----------------------------------------------------------

fn vectors() -> Vec<&'static str> {
    let mut v =
        vec![V1, V2, V3, RTD, RTD_REPLY, MIN10, NEG, NEG_ORIGINAL, NEG_LATEST, HOURLY, SPLIT_WITHOUT_PNUM, REPLY_2025];
    v.extend(OLD);
    v
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
}

fn mutate(bytes: &[u8], muts: &[Mutation]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for m in muts {
        match *m {
            Mutation::Flip(i, x) if !b.is_empty() => {
                let i = i % b.len();
                b[i] ^= x.max(1);
            }
            Mutation::Insert(i, x) => {
                let i = i % (b.len() + 1);
                b.insert(i, x);
            }
            Mutation::Delete(i) if !b.is_empty() => {
                let i = i % b.len();
                b.remove(i);
            }
            _ => {}
        }
    }
    b
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Structural bytes are likelier than chance, to reach deeper into the parser.
    let byte = prop_oneof![any::<u8>(), prop::sample::select(b";,=&-#\r\n0123456789ANQ".to_vec())];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), byte).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
    ]
}

/// A packet's content without the offsets it was read at.
type Fields = (
    Option<Qn>,
    SystemCode,
    CommandCode,
    String,
    String,
    Option<PacketFlag>,
    Option<SplitInfo>,
    Vec<Vec<(FieldKey, String)>>,
);

fn fields_of(p: &Packet) -> Fields {
    let cp = p.cp.items.iter().map(|i| i.fields.iter().map(|f| (f.key.clone(), f.value.clone())).collect()).collect();
    (p.qn, p.st, p.cn, p.pw.clone(), p.mn.clone(), p.flag, p.split, cp)
}

/// Everything a gateway does with bytes, none of which may panic.
fn exercise(bytes: &[u8], reg: &DeviceRegistry) {
    if let Ok(p) = parse_packet(bytes, &limits()) {
        let _ = reg.readings(&p);
        let _ = reg.admit(&p);
        let _ = data_reply(&p).map(|r| r.encode(&limits()));
        let again = p.encode(&limits()).expect("a parsed packet can be written back");
        let back = parse_packet(again.as_bytes(), &limits()).expect("and read again");
        assert_eq!(fields_of(&back), fields_of(&p), "to the same fields");
    }
    let _ = ReplyTo::salvage(bytes);
    let _ = ingest(bytes, reg, &limits());
    let mut s = FrameSplitter::new(limits());
    let _ = s.push(bytes);
    let _ = s.finish();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1500)) {
        exercise(&bytes, &DEMO_REGISTRY);
    }

    #[test]
    fn mutated_packets_never_panic(which in 0usize..15, muts in proptest::collection::vec(mutation(), 1..6)) {
        let v = vectors();
        let packet = v[which % v.len()].replace("c0c1", "C0C1");
        let reg = &*DEMO_REGISTRY;
        let bad = mutate(packet.as_bytes(), &muts);
        exercise(&bad, reg);
        // Re-framed with a correct CRC, the mutation reaches the field parser.
        if bad.len() > 12 {
            let seg = &bad[6..bad.len() - 6];
            let mut again = format!("##{:04}", seg.len()).into_bytes();
            again.extend_from_slice(seg);
            again.extend_from_slice(format!("{:04X}\r\n", crc16(seg)).as_bytes());
            exercise(&again, reg);
            if let Ok(p) = parse_packet(&again, &limits()) {
                let _ = reg.readings(&Packet { mn: DEMO_MN.into(), ..p });
            }
        }
    }

    #[test]
    fn chunking_does_not_change_the_frames(order in Just(vectors()).prop_shuffle(), chunk in 1usize..200, junk in "[a-z#\r\n]{0,8}") {
        let stream: String = order.iter().map(|v| format!("{v}{junk}")).collect();
        let mut whole = FrameSplitter::new(limits());
        let want = normalised(whole.push(stream.as_bytes()));
        let mut s = FrameSplitter::new(limits());
        prop_assert_eq!(normalised(split_all(&mut s, stream.as_bytes(), chunk)), want.clone());
        let frames = want.iter().filter(|e| e.is_ok()).count();
        prop_assert_eq!(frames, 14, "every well-framed vector survives the junk (all but NEG)");
    }

    #[test]
    fn encoded_packets_read_back(
        qn_ms in proptest::option::of(0i64..4_000_000_000_000),
        st in 0u8..100,
        cn in 0u16..10000,
        pw in "[A-Za-z0-9]{1,24}",
        mn in "[A-Za-z0-9_]{1,24}",
        flag in proptest::option::of(0u8..=255),
        pnum in 1u16..10000,
        items in proptest::collection::vec(
            proptest::collection::vec(("[a-z][0-9]{5}|LA|DataTime", prop_oneof![Just(Suffix::Rtd), Just(Suffix::Avg), Just(Suffix::Flag), Just(Suffix::Other("X1".into()))], "[ -+.-:<-~]{0,10}", any::<bool>()), 1..4),
            0..6),
    ) {
        let qn = qn_ms.and_then(chrono::DateTime::from_timestamp_millis).and_then(|t| Qn::from_time(t.naive_utc()));
        let split = flag.filter(|f| PacketFlag(*f).split()).map(|_| SplitInfo { total: pnum, index: pnum / 2 + 1 });
        let cp = items.into_iter().fold(Cp::new(), |cp, fields| {
            cp.with_item(fields.into_iter().map(|(code, suffix, value, param)| {
                let key = if param { FieldKey::Param(Param::parse(&code)) } else { FieldKey::factor(&code, suffix) };
                CpField::new(key, value.replace([';', ',', '&'], "_"))
            }).collect())
        });
        let p = Packet { qn, st: SystemCode(st), cn: CommandCode(cn), pw, mn, flag: flag.map(PacketFlag), split, cp };
        let big = FrameLimits { max_segment_len: 9999 };
        let text = p.encode(&big).unwrap();
        let back = parse_packet(text.as_bytes(), &big).unwrap();
        prop_assert_eq!(back.encode(&big).unwrap(), text.clone());
        prop_assert_eq!((back.qn, back.st, back.cn, &back.pw, &back.mn, back.flag, back.split), (p.qn, p.st, p.cn, &p.pw, &p.mn, p.flag, p.split));
        let kv = |p: &Packet| p.cp.items.iter().map(|i| i.fields.iter().map(|f| (f.key.clone(), f.value.clone())).collect::<Vec<_>>()).collect::<Vec<_>>();
        prop_assert_eq!(kv(&back), kv(&p));
        // Every field's offset points at its name in the bytes.
        for f in back.cp.fields() {
            let name = f.key.to_string();
            prop_assert_eq!(&text[f.offset..f.offset + name.len()], name.as_str());
            prop_assert_eq!(&text[f.value_offset()..f.value_offset() + f.value.len()], f.value.as_str());
        }
    }
}
