//! Splits a model file into its JSON and (for GLB) binary chunk, checking every length first.

use super::{ImportCause, ModelFormat};

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

/// Splits `bytes` into JSON and binary parts.
pub(super) fn split(bytes: &[u8]) -> Result<Parts<'_>, ImportCause> {
    if !bytes.starts_with(b"glTF") {
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        return match first {
            Some(b'{') => Ok(Parts { format: ModelFormat::Gltf, json: bytes, bin: None }),
            Some(b'\xEF') if bytes.starts_with(b"\xEF\xBB\xBF") => {
                Err(ImportCause::NotGltf("JSON starts with a byte-order mark, which glTF forbids".into()))
            }
            Some(_) => Err(ImportCause::NotGltf("neither the GLB magic `glTF` nor a JSON object".into())),
            None => Err(ImportCause::NotGltf("the file is empty".into())),
        };
    }
    let glb = |m: String| ImportCause::Glb(m);
    let version = u32_at(bytes, 4).ok_or_else(|| glb("header is shorter than 12 bytes".into()))?;
    if version != 2 {
        return Err(glb(format!("container version {version}; only version 2 is read")));
    }
    let declared = u32_at(bytes, 8).ok_or_else(|| glb("header is shorter than 12 bytes".into()))? as usize;
    if declared > bytes.len() || declared < 12 {
        return Err(glb(format!("header declares {declared} bytes but the file has {}", bytes.len())));
    }
    // Bytes past the declared length are ignored (the validator only warns about them).
    let bytes = &bytes[..declared];
    let mut at = 12usize;
    let mut json = None;
    let mut bin = None;
    let mut index = 0;
    while at < bytes.len() {
        let len = u32_at(bytes, at).ok_or_else(|| glb(format!("chunk {index} header is cut short")))? as usize;
        let kind = u32_at(bytes, at + 4).ok_or_else(|| glb(format!("chunk {index} header is cut short")))?;
        let start = at + 8;
        let end = start
            .checked_add(len)
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| glb(format!("chunk {index} claims {len} bytes, past the end of the file")))?;
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
    Ok(Parts { format: ModelFormat::Glb, json, bin })
}
