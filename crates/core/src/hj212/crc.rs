//! The CRC16 of HJ 212-2017's appendix, over the data segment's bytes.

/// CRC16 of an HJ 212 data segment (the bytes after `##LLLL`, before the CRC), as the standard's
/// appendix computes it: for each byte, `reg = (reg >> 8) ^ byte`, then eight shifts xoring the
/// reflected polynomial 0xA001 on a carry; initial value 0xFFFF. Written as 4 upper-case hex
/// digits. This is **not** CRC-16/MODBUS (`reg ^= byte` first), which gives 0759 instead of 1C80 on
/// the standard's own example (standards doc §5.7, \[V\]).
pub fn crc16(data: &[u8]) -> u16 {
    let mut reg: u16 = 0xFFFF;
    for &b in data {
        reg = (reg >> 8) ^ u16::from(b);
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
