//! Structural checks beyond the `gltf` crate's schema validation: the crate accepts node cycles,
//! accessors that read past their buffers and out-of-range vertex indices, and panics on some
//! objects it has validated (an image with no source, a primitive whose positions have no bounds).

use std::path::{Path, PathBuf};

use base64::Engine;
use gltf::json::{self, accessor::ComponentType, accessor::Type, validation::Checked};

use super::{COMPRESSION_EXTENSIONS, ImportCause};

/// Accessors without a buffer view (all zeros, or sparse only) may declare at most this many elements.
const MAX_UNBACKED_ELEMENTS: u64 = 1 << 24;

fn structure(msg: String) -> ImportCause {
    ImportCause::Structure(msg)
}

/// Refuses compressed geometry clearly, before the generic validator calls it merely unsupported.
pub(super) fn required_extensions(root: &json::Root) -> Result<(), ImportCause> {
    for ext in &root.extensions_required {
        if let Some((_, name)) = COMPRESSION_EXTENSIONS.iter().find(|(e, _)| e == ext) {
            return Err(ImportCause::Compressed { extension: ext.clone(), name: name.to_string() });
        }
        if !gltf::json::extensions::ENABLED_EXTENSIONS.contains(&ext.as_str()) {
            return Err(ImportCause::UnsupportedExtension(ext.clone()));
        }
    }
    Ok(())
}

/// Indices that the `gltf` crate's own validation dereferences without a bounds check (it panics
/// on a POSITION attribute naming a missing accessor).
pub(super) fn before_validation(root: &json::Root) -> Result<(), ImportCause> {
    for (m, mesh) in root.meshes.iter().enumerate() {
        for (p, prim) in mesh.primitives.iter().enumerate() {
            for (k, v) in &prim.attributes {
                if v.value() >= root.accessors.len() {
                    let name = match k {
                        Checked::Valid(s) => s.to_string(),
                        Checked::Invalid => "an attribute".into(),
                    };
                    return Err(structure(format!(
                        "mesh {m} primitive {p}: {name} names accessor {}, but there are {}",
                        v.value(),
                        root.accessors.len()
                    )));
                }
            }
        }
    }
    Ok(())
}

/// The bytes of every buffer, and the external files they came from.
pub(super) struct Buffers {
    pub data: Vec<Vec<u8>>,
    pub external: Vec<PathBuf>,
}

/// Where a URI points: embedded bytes or a file next to the model.
pub(super) enum Uri {
    Data(Vec<u8>),
    File(PathBuf),
}

/// Resolves a glTF URI: base64 data URIs are decoded, relative paths are resolved against
/// `base_dir`; absolute and remote URIs are refused (a twin must not reach out to the network).
pub(super) fn resolve_uri(uri: &str, base_dir: &Path, what: &str) -> Result<Uri, ImportCause> {
    if let Some(rest) = uri.strip_prefix("data:") {
        let (meta, payload) =
            rest.split_once(',').ok_or_else(|| ImportCause::Resource(format!("{what}: data URI has no `,`")))?;
        if !meta.ends_with(";base64") {
            let bytes = percent_decode_bytes(payload)
                .ok_or_else(|| ImportCause::Resource(format!("{what}: data URI has a broken percent-escape")))?;
            return Ok(Uri::Data(bytes));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(payload.trim())
            .map_err(|e| ImportCause::Resource(format!("{what}: data URI is not valid base64 ({e})")))?;
        return Ok(Uri::Data(bytes));
    }
    if uri.contains("://") || uri.starts_with('/') || uri.starts_with('\\') {
        return Err(ImportCause::Resource(format!(
            "{what}: URI `{uri}` is absolute or remote; only files beside the model are read"
        )));
    }
    let decoded = percent_decode(uri)
        .ok_or_else(|| ImportCause::Resource(format!("{what}: URI `{uri}` has a broken percent-escape")))?;
    Ok(Uri::File(base_dir.join(decoded)))
}

fn percent_decode(s: &str) -> Option<String> {
    String::from_utf8(percent_decode_bytes(s)?).ok()
}

fn percent_decode_bytes(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, ImportCause> {
    std::fs::read(path).map_err(|e| {
        ImportCause::Resource(match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "{what}: {} is missing; copy it beside the model, or export a .glb, which holds everything in one file",
                path.display()
            ),
            _ => format!("{what}: cannot read {}: {e}", path.display()),
        })
    })
}

/// Loads every buffer and checks it holds at least `byteLength` bytes.
pub(super) fn buffers(root: &json::Root, bin: Option<&[u8]>, base_dir: &Path) -> Result<Buffers, ImportCause> {
    let mut out = Buffers { data: Vec::new(), external: Vec::new() };
    for (i, b) in root.buffers.iter().enumerate() {
        let what = format!("buffer {i}");
        let bytes = match &b.uri {
            None => match (i, bin) {
                (0, Some(bin)) => bin.to_vec(),
                // A placeholder (e.g. a fallback for a compression extension): it has no data, so
                // any buffer view into it is refused below.
                _ => Vec::new(),
            },
            Some(uri) => match resolve_uri(uri, base_dir, &what)? {
                Uri::Data(d) => d,
                Uri::File(p) => {
                    let d = read_file(&p, &what)?;
                    out.external.push(p);
                    d
                }
            },
        };
        let declared = b.byte_length.0;
        if !bytes.is_empty() && (bytes.len() as u64) < declared {
            return Err(ImportCause::Resource(format!(
                "{what} declares {declared} bytes but only {} are present",
                bytes.len()
            )));
        }
        out.data.push(bytes);
    }
    Ok(out)
}

/// Every buffer view lies inside its buffer.
pub(super) fn buffer_views(root: &json::Root, buffers: &Buffers) -> Result<(), ImportCause> {
    for (i, v) in root.buffer_views.iter().enumerate() {
        if let Some(s) = v.byte_stride {
            if s.0 % 4 != 0 || !(4..=252).contains(&s.0) {
                return Err(structure(format!(
                    "bufferView {i} byteStride {} is not a multiple of 4 from 4 to 252",
                    s.0
                )));
            }
            if matches!(v.target, Some(Checked::Valid(json::buffer::Target::ElementArrayBuffer))) {
                return Err(structure(format!("bufferView {i} holds indices but has a byteStride")));
            }
        }
        let b = v.buffer.value();
        let buffer_len = root.buffers.get(b).map(|b| b.byte_length.0).unwrap_or(0);
        let start = v.byte_offset.map(|o| o.0).unwrap_or(0);
        let end = start.saturating_add(v.byte_length.0);
        if end > buffer_len {
            return Err(structure(format!(
                "bufferView {i} covers bytes {start}..{end} but buffer {b} has {buffer_len}"
            )));
        }
        if buffers.data.get(b).is_none_or(|d| (d.len() as u64) < end) {
            return Err(ImportCause::Resource(format!(
                "bufferView {i} reads buffer {b}, which has no data (no uri, and not the GLB binary chunk)"
            )));
        }
    }
    Ok(())
}

/// Bytes per component.
pub(super) fn component_size(c: ComponentType) -> u64 {
    match c {
        ComponentType::I8 | ComponentType::U8 => 1,
        ComponentType::I16 | ComponentType::U16 => 2,
        ComponentType::U32 | ComponentType::F32 => 4,
    }
}

/// Components per element.
pub(super) fn component_count(t: Type) -> u64 {
    match t {
        Type::Scalar => 1,
        Type::Vec2 => 2,
        Type::Vec3 => 3,
        Type::Vec4 | Type::Mat2 => 4,
        Type::Mat3 => 9,
        Type::Mat4 => 16,
    }
}

fn view_range(root: &json::Root, view: usize) -> Option<(u64, Option<u64>)> {
    let v = root.buffer_views.get(view)?;
    Some((v.byte_length.0, v.byte_stride.map(|s| s.0 as u64)))
}

/// Every accessor (and its sparse parts) reads only inside its buffer view.
pub(super) fn accessors(root: &json::Root) -> Result<(), ImportCause> {
    for (i, a) in root.accessors.iter().enumerate() {
        let (Checked::Valid(ct), Checked::Valid(ty)) = (&a.component_type, &a.type_) else {
            return Err(structure(format!("accessor {i} has an invalid type")));
        };
        let elem = component_size(ct.0) * component_count(*ty);
        let count = a.count.0;
        if count == 0 {
            return Err(structure(format!("accessor {i} has count 0")));
        }
        match a.buffer_view {
            Some(view) => {
                let (view_len, stride) = view_range(root, view.value())
                    .ok_or_else(|| structure(format!("accessor {i} names a missing bufferView")))?;
                let stride = stride.unwrap_or(elem);
                if stride < elem {
                    return Err(structure(format!(
                        "accessor {i}: byteStride {stride} is smaller than an element ({elem} bytes)"
                    )));
                }
                let offset = a.byte_offset.map(|o| o.0).unwrap_or(0);
                if offset % component_size(ct.0) != 0 {
                    return Err(structure(format!("accessor {i}: byteOffset {offset} is not aligned")));
                }
                let need = (count - 1)
                    .checked_mul(stride)
                    .and_then(|n| n.checked_add(offset))
                    .and_then(|n| n.checked_add(elem))
                    .unwrap_or(u64::MAX);
                if need > view_len {
                    return Err(structure(format!(
                        "accessor {i} reads {need} bytes of bufferView {} which has {view_len}",
                        view.value()
                    )));
                }
            }
            None if count > MAX_UNBACKED_ELEMENTS => {
                return Err(structure(format!("accessor {i} declares {count} elements with no data behind them")));
            }
            None => {}
        }
        if let Some(sparse) = &a.sparse {
            let n = sparse.count.0;
            if n == 0 || n > count {
                return Err(structure(format!("accessor {i}: sparse count {n} is outside 1..={count}")));
            }
            let Checked::Valid(ict) = &sparse.indices.component_type else {
                return Err(structure(format!("accessor {i}: sparse indices have an invalid type")));
            };
            let parts = [
                ("indices", sparse.indices.buffer_view.value(), sparse.indices.byte_offset.0, component_size(ict.0)),
                ("values", sparse.values.buffer_view.value(), sparse.values.byte_offset.0, elem),
            ];
            for (what, view, offset, size) in parts {
                let (view_len, _) = view_range(root, view)
                    .ok_or_else(|| structure(format!("accessor {i}: sparse {what} name a missing bufferView")))?;
                let need = n.checked_mul(size).and_then(|b| b.checked_add(offset)).unwrap_or(u64::MAX);
                if need > view_len {
                    return Err(structure(format!(
                        "accessor {i}: sparse {what} read {need} bytes of bufferView {view} which has {view_len}"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Parent of every node, scene roots, and the shown scene; refuses cycles and shared children.
pub(super) struct Graph {
    pub parent: Vec<Option<usize>>,
    pub roots: Vec<usize>,
    /// The scene shown (`scene`, else scene 0), or `None` when the file defines no scene.
    pub scene: Option<usize>,
}

/// Checks that nodes form a forest and picks the scene to show.
pub(super) fn node_graph(root: &json::Root) -> Result<Graph, ImportCause> {
    let n = root.nodes.len();
    let mut parent: Vec<Option<usize>> = vec![None; n];
    for (i, node) in root.nodes.iter().enumerate() {
        let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
        let bad_transform = node.matrix.is_some_and(|m| !finite(&m))
            || node.translation.is_some_and(|t| !finite(&t))
            || node.scale.is_some_and(|s| !finite(&s))
            || node.rotation.as_ref().is_some_and(|r| !finite(&r.0));
        if bad_transform {
            return Err(structure(format!("node {i} has a non-finite transform")));
        }
        if node.matrix.is_some() && (node.translation.is_some() || node.rotation.is_some() || node.scale.is_some()) {
            return Err(structure(format!("node {i} has both a matrix and translation/rotation/scale")));
        }
        if let Some(r) = &node.rotation {
            let l = r.0.iter().map(|x| x * x).sum::<f32>().sqrt();
            if (l - 1.0).abs() > 1e-3 {
                return Err(structure(format!("node {i} rotation is not a unit quaternion (length {l})")));
            }
        }
        if let Some(m) = node.matrix {
            // Column-major: the bottom row is m[3], m[7], m[11], m[15].
            let affine = m[3] == 0.0 && m[7] == 0.0 && m[11] == 0.0 && m[15] == 1.0;
            let det = m[0] * (m[5] * m[10] - m[9] * m[6]) - m[4] * (m[1] * m[10] - m[9] * m[2])
                + m[8] * (m[1] * m[6] - m[5] * m[2]);
            if !affine || det.abs() < 1e-12 {
                return Err(structure(format!("node {i} matrix cannot be split into translation, rotation and scale")));
            }
        }
        for child in node.children.iter().flatten() {
            let c = child.value();
            if c >= n {
                return Err(structure(format!("node {i} has child {c}, but there are {n} nodes")));
            }
            if c == i {
                return Err(structure(format!("node {i} is its own child")));
            }
            if let Some(p) = parent[c] {
                return Err(structure(format!("node {c} is a child of both node {p} and node {i}")));
            }
            parent[c] = Some(i);
        }
    }
    // With at most one parent each, a cycle is a walk upwards that never ends.
    for start in 0..n {
        let mut at = start;
        let mut steps = 0;
        while let Some(p) = parent[at] {
            at = p;
            steps += 1;
            if at == start || steps > n {
                return Err(structure(format!("node {start} is part of a cycle in the node hierarchy")));
            }
        }
    }
    let scene_index = root.scene.map(|s| s.value()).unwrap_or(0);
    let Some(scene) = root.scenes.get(scene_index) else {
        // No scene: a library of nodes. Read its parentless nodes; placing it in a twin is refused
        // by the scene validator, because Bevy would show nothing.
        let roots = (0..n).filter(|&i| parent[i].is_none()).collect();
        return Ok(Graph { parent, roots, scene: None });
    };
    let mut roots = Vec::new();
    for node in &scene.nodes {
        let r = node.value();
        if r >= n {
            return Err(structure(format!("scene {scene_index} names node {r}, but there are {n} nodes")));
        }
        if let Some(p) = parent[r] {
            return Err(structure(format!("scene {scene_index} root node {r} is also a child of node {p}")));
        }
        if roots.contains(&r) {
            return Err(structure(format!("scene {scene_index} lists node {r} twice")));
        }
        roots.push(r);
    }
    Ok(Graph { parent, roots, scene: Some(scene_index) })
}

/// Every primitive has float VEC3 positions with bounds, integer scalar indices, and attributes of
/// one length.
pub(super) fn meshes(root: &json::Root) -> Result<(), ImportCause> {
    for (m, mesh) in root.meshes.iter().enumerate() {
        for (p, prim) in mesh.primitives.iter().enumerate() {
            let at = || format!("mesh {m} primitive {p}");
            let pos = prim
                .attributes
                .iter()
                .find(|(k, _)| matches!(k, Checked::Valid(json::mesh::Semantic::Positions)))
                .map(|(_, v)| v.value())
                .ok_or_else(|| structure(format!("{} has no POSITION attribute", at())))?;
            let a = &root.accessors[pos];
            let float_vec3 =
                matches!(a.component_type, Checked::Valid(json::accessor::GenericComponentType(ComponentType::F32)))
                    && matches!(a.type_, Checked::Valid(Type::Vec3));
            if !float_vec3 {
                return Err(structure(format!("{}: POSITION must be float VEC3", at())));
            }
            let bound_ok = |v: &Option<serde_json::Value>| {
                v.as_ref()
                    .and_then(|v| v.as_array())
                    .is_some_and(|a| a.len() == 3 && a.iter().all(|x| x.as_f64().is_some_and(f64::is_finite)))
            };
            if !bound_ok(&a.min) || !bound_ok(&a.max) {
                return Err(structure(format!("{}: POSITION accessor {pos} lacks min/max bounds", at())));
            }
            let count = a.count.0;
            for (k, v) in &prim.attributes {
                let c = root.accessors[v.value()].count.0;
                if c != count {
                    let name = match k {
                        Checked::Valid(s) => s.to_string(),
                        Checked::Invalid => "an attribute".into(),
                    };
                    return Err(structure(format!("{}: {name} has {c} elements but POSITION has {count}", at())));
                }
            }
            if let Some(ix) = prim.indices {
                let a = &root.accessors[ix.value()];
                let ok_type = matches!(
                    a.component_type,
                    Checked::Valid(json::accessor::GenericComponentType(
                        ComponentType::U8 | ComponentType::U16 | ComponentType::U32
                    ))
                ) && matches!(a.type_, Checked::Valid(Type::Scalar))
                    && !a.normalized;
                if !ok_type {
                    return Err(structure(format!("{}: indices must be unsigned integer scalars", at())));
                }
            }
            if matches!(prim.mode, Checked::Invalid) {
                return Err(structure(format!("{}: invalid primitive mode", at())));
            }
        }
    }
    Ok(())
}

/// Every image has a source that exists and decodes as PNG or JPEG; returns the external files.
pub(super) fn images(root: &json::Root, buffers: &Buffers, base_dir: &Path) -> Result<Vec<PathBuf>, ImportCause> {
    let mut files = Vec::new();
    for (i, img) in root.images.iter().enumerate() {
        let what = format!("image {i}");
        let bytes: Vec<u8> = match (&img.uri, &img.buffer_view) {
            (Some(uri), None) => match resolve_uri(uri, base_dir, &what)? {
                Uri::Data(d) => d,
                Uri::File(p) => {
                    let d = read_file(&p, &what)?;
                    files.push(p);
                    d
                }
            },
            (None, Some(view)) => {
                if img.mime_type.is_none() {
                    return Err(ImportCause::Resource(format!("{what} is in a bufferView but has no mimeType")));
                }
                let v = &root.buffer_views[view.value()];
                let start = v.byte_offset.map(|o| o.0).unwrap_or(0) as usize;
                let end = start + v.byte_length.0 as usize;
                buffers.data[v.buffer.value()][start..end].to_vec()
            }
            (Some(_), Some(_)) => {
                return Err(ImportCause::Resource(format!("{what} has both a uri and a bufferView")));
            }
            (None, None) => return Err(ImportCause::Resource(format!("{what} has neither a uri nor a bufferView"))),
        };
        let reader = image::ImageReader::new(std::io::Cursor::new(&bytes))
            .with_guessed_format()
            .map_err(|e| ImportCause::Resource(format!("{what}: {e}")))?;
        match reader.format() {
            Some(image::ImageFormat::Png | image::ImageFormat::Jpeg) => {}
            Some(f) => {
                return Err(ImportCause::Resource(format!(
                    "{what} is {f:?}; sitetwin decodes PNG and JPEG textures only: export the model with PNG or JPEG textures"
                )));
            }
            None => {
                return Err(ImportCause::Resource(format!(
                    "{what} is neither PNG nor JPEG: export the model with PNG or JPEG textures"
                )));
            }
        }
        reader.into_dimensions().map_err(|e| ImportCause::Resource(format!("{what} does not decode: {e}")))?;
    }
    Ok(files)
}
