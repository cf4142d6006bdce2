//! Splits a model file into its JSON and (for GLB) binary chunk, checking every length first.

use super::{ImportCause, ModelFormat, diagnose};

/// A UTF-8 byte-order mark before the JSON, which glTF forbids (and its reader refuses).
const BOM: &str = "its JSON starts with a UTF-8 byte-order mark, which glTF forbids; save it without one (an editor \
                   option) or export it again";

/// The parts of a model file.
pub(super) struct Parts<'a> {
    pub format: ModelFormat,
    pub json: &'a [u8],
    pub bin: Option<&'a [u8]>,
}

const CHUNK_JSON: u32 = 0x4E4F_534A;
const CHUNK_BIN: u32 = 0x004E_4942;

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Splits `bytes` into JSON and binary parts; anything else is named (another 3D format, glTF
/// 1.0's binary container, a file cut short) with what to do about it.
pub(super) fn split(bytes: &[u8]) -> Result<Parts<'_>, ImportCause> {
    if !bytes.starts_with(b"glTF") {
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        return match first {
            Some(b'{') => Ok(Parts { format: ModelFormat::Gltf, json: bytes, bin: None }),
            Some(b'\xEF') if bytes.starts_with(b"\xEF\xBB\xBF") => Err(ImportCause::NotGltf(BOM.into())),
            Some(b'[') => Err(ImportCause::NotGltf(
                "it is JSON, but its top level is a list, so it is no glTF document; sitetwin reads glTF 2.0".into(),
            )),
            Some(_) => Err(ImportCause::NotGltf(diagnose::other_format(bytes).unwrap_or_else(|| {
                "it starts neither with the GLB signature `glTF` nor with a JSON object `{`, and is no 3D format \
                 sitetwin recognises; sitetwin reads glTF 2.0 (.glb or .gltf)"
                    .into()
            }))),
            None => Err(ImportCause::NotGltf("the file is empty".into())),
        };
    }
    let glb = |m: String| ImportCause::Glb(m);
    let version = u32_at(bytes, 4)
        .ok_or_else(|| glb(format!("the file is cut short: {} bytes, less than the 12-byte header", bytes.len())))?;
    if version == 1 {
        return Err(ImportCause::Gltf1("binary, GLB container version 1".into()));
    }
    if version != 2 {
        return Err(glb(format!("container version {version}; only version 2 (glTF 2.0) is read")));
    }
    let declared = u32_at(bytes, 8)
        .ok_or_else(|| glb(format!("the file is cut short: {} bytes, less than the 12-byte header", bytes.len())))?
        as usize;
    if declared > bytes.len() {
        return Err(glb(format!(
            "the file is cut short: its header declares {declared} bytes but it has {} (an interrupted download or \
             copy?); copy or export it again",
            bytes.len()
        )));
    }
    if declared < 12 {
        return Err(glb(format!("its header declares {declared} bytes, less than the header itself")));
    }
    // Bytes past the declared length are ignored (the validator only warns about them).
    let bytes = &bytes[..declared];
    let mut at = 12usize;
    let mut json = None;
    let mut bin = None;
    let mut index = 0;
    while at < bytes.len() {
        let cut =
            || glb(format!("chunk {index} header is cut short (the header's length is wrong, or the file damaged)"));
        let len = u32_at(bytes, at).ok_or_else(cut)? as usize;
        let kind = u32_at(bytes, at + 4).ok_or_else(cut)?;
        let start = at + 8;
        let end = start
            .checked_add(len)
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| glb(format!("chunk {index} claims {len} bytes, past the end of the file (cut short?)")))?;
        if !len.is_multiple_of(4) {
            return Err(glb(format!("chunk {index} length {len} is not a multiple of 4")));
        }
        match (index, kind) {
            (0, CHUNK_JSON) => json = Some(&bytes[start..end]),
            (0, _) => return Err(glb("the first chunk is not JSON".into())),
            (1, CHUNK_BIN) => bin = Some(&bytes[start..end]),
            (_, CHUNK_JSON) => return Err(glb(format!("chunk {index} is a second JSON chunk"))),
            (_, CHUNK_BIN) => return Err(glb(format!("chunk {index} is a BIN chunk out of place"))),
            _ => {} // unknown chunk types are skipped, as the spec says
        }
        at = end;
        index += 1;
    }
    let json = json.ok_or_else(|| glb("no JSON chunk".into()))?;
    if json.starts_with(b"\xEF\xBB\xBF") {
        return Err(ImportCause::NotGltf(BOM.into()));
    }
    Ok(Parts { format: ModelFormat::Glb, json, bin })
}
