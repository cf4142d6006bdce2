//! Reads the shown scene's triangles into model space, after `check` has proven every read in bounds.

use std::path::Path;

use glam::{DMat4, DQuat, DVec3};
use gltf::json::{self, accessor::ComponentType, validation::Checked};

use super::check::{Buffers, Graph, component_count, component_size};
use super::{Aabb, ImportCause, ModelFormat, ModelSummary, NodeSummary};

/// One drawn primitive as triangles in the model's space.
#[derive(Debug, Clone, PartialEq)]
pub struct WorldMesh {
    /// The node that draws it.
    pub node: usize,
    /// The material index, if any.
    pub material: Option<usize>,
    /// Vertex positions, model space, metres.
    pub positions_m: Vec<[f32; 3]>,
    /// Triangle list indices into `positions_m`.
    pub indices: Vec<u32>,
}

/// A node's transform relative to its parent: `matrix`, else translation × rotation × scale.
/// The rotation is used as written (glTF requires a unit quaternion; the validator checks it).
fn local(node: &json::Node) -> DMat4 {
    match node.matrix {
        Some(m) => DMat4::from_cols_array(&m.map(f64::from)),
        None => {
            let [x, y, z, w] = node.rotation.as_ref().map(|r| r.0).unwrap_or([0.0, 0.0, 0.0, 1.0]).map(f64::from);
            DMat4::from_scale_rotation_translation(
                DVec3::from_array(node.scale.unwrap_or([1.0; 3]).map(f64::from)),
                DQuat::from_xyzw(x, y, z, w),
                DVec3::from_array(node.translation.unwrap_or([0.0; 3]).map(f64::from)),
            )
        }
    }
}

/// Model-from-node transforms for every node (nodes outside the shown scene get theirs too).
fn model_from_node(root: &json::Root, graph: &Graph) -> Vec<DMat4> {
    let n = root.nodes.len();
    let mut out: Vec<Option<DMat4>> = vec![None; n];
    for i in 0..n {
        // Walk up to the first node with a known transform, then back down.
        let mut chain = vec![i];
        while let Some(p) = graph.parent[*chain.last().unwrap_or(&i)] {
            if out[p].is_some() {
                chain.push(p);
                break;
            }
            chain.push(p);
        }
        let mut acc = DMat4::IDENTITY;
        for &k in chain.iter().rev() {
            acc = match out[k] {
                Some(m) => m,
                None => {
                    let m = acc * local(&root.nodes[k]);
                    out[k] = Some(m);
                    m
                }
            };
        }
    }
    out.into_iter().map(|m| m.unwrap_or(DMat4::IDENTITY)).collect()
}

/// Nodes reachable from the shown scene's roots, in depth-first order.
fn shown_nodes(root: &json::Root, graph: &Graph) -> Vec<usize> {
    let mut order = Vec::new();
    let mut stack: Vec<usize> = graph.roots.iter().rev().copied().collect();
    while let Some(i) = stack.pop() {
        order.push(i);
        for c in root.nodes[i].children.iter().flatten().rev() {
            stack.push(c.value());
        }
    }
    order
}

/// The summary, without geometry counts (filled by `world_meshes`).
pub(super) fn summarize(root: &json::Root, graph: &Graph, format: ModelFormat, file: &Path) -> ModelSummary {
    let transforms = model_from_node(root, graph);
    let nodes = root
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| NodeSummary {
            index: i,
            name: n.name.clone(),
            parent: graph.parent[i],
            mesh: n.mesh.map(|m| m.value()),
            model_from_node: transforms[i],
        })
        .collect();
    let materials = root
        .materials
        .iter()
        .enumerate()
        .map(|(i, m)| m.name.clone().unwrap_or_else(|| format!("material #{i}")))
        .collect();
    ModelSummary {
        file: file.to_path_buf(),
        format,
        generator: root.asset.generator.clone(),
        nodes,
        scene: graph.scene,
        scene_roots: graph.roots.clone(),
        meshes: root.meshes.len(),
        primitives: 0,
        triangles: 0,
        vertices: 0,
        materials,
        images: root.images.len(),
        external_files: Vec::new(),
        extensions_used: root.extensions_used.clone(),
        extensions_required: root.extensions_required.clone(),
        bounds_m: None,
        notes: if graph.scene.is_none() {
            vec!["the file defines no scene, so a twin would show nothing of it".into()]
        } else {
            Vec::new()
        },
    }
}

/// Reads accessor `index` as `f32` components (normalized integers scaled to 0..1 or -1..1).
fn read_f32(root: &json::Root, buffers: &Buffers, index: usize) -> Vec<f32> {
    read_components(root, buffers, index, |bytes, ct, normalized| {
        let v = match ct {
            ComponentType::F32 => f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            ComponentType::U32 => u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as f32,
            ComponentType::U16 => {
                let v = u16::from_le_bytes([bytes[0], bytes[1]]) as f32;
                if normalized { v / 65535.0 } else { v }
            }
            ComponentType::I16 => {
                let v = i16::from_le_bytes([bytes[0], bytes[1]]) as f32;
                if normalized { (v / 32767.0).max(-1.0) } else { v }
            }
            ComponentType::U8 => {
                let v = bytes[0] as f32;
                if normalized { v / 255.0 } else { v }
            }
            ComponentType::I8 => {
                let v = bytes[0] as i8 as f32;
                if normalized { (v / 127.0).max(-1.0) } else { v }
            }
        };
        v as f64
    })
    .into_iter()
    .map(|v| v as f32)
    .collect()
}

/// Reads accessor `index` as unsigned integers.
fn read_u32(root: &json::Root, buffers: &Buffers, index: usize) -> Vec<u32> {
    read_components(root, buffers, index, |bytes, ct, _| match ct {
        ComponentType::U32 => u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as f64,
        ComponentType::U16 => u16::from_le_bytes([bytes[0], bytes[1]]) as f64,
        _ => bytes[0] as f64,
    })
    .into_iter()
    .map(|v| v as u32)
    .collect()
}

fn view_bytes<'a>(root: &json::Root, buffers: &'a Buffers, view: usize) -> (&'a [u8], Option<usize>) {
    let v = &root.buffer_views[view];
    let start = v.byte_offset.map(|o| o.0).unwrap_or(0) as usize;
    let end = start + v.byte_length.0 as usize;
    (&buffers.data[v.buffer.value()][start..end], v.byte_stride.map(|s| s.0))
}

/// Generic accessor reader: dense data (or zeros), then sparse substitutions.
fn read_components(
    root: &json::Root,
    buffers: &Buffers,
    index: usize,
    convert: impl Fn(&[u8], ComponentType, bool) -> f64,
) -> Vec<f64> {
    let a = &root.accessors[index];
    let (Checked::Valid(ct), Checked::Valid(ty)) = (&a.component_type, &a.type_) else {
        return Vec::new();
    };
    let ct = ct.0;
    let csize = component_size(ct) as usize;
    let ncomp = component_count(*ty) as usize;
    let count = a.count.0 as usize;
    let mut out = vec![0f64; count * ncomp];
    if let Some(view) = a.buffer_view {
        let (bytes, stride) = view_bytes(root, buffers, view.value());
        let stride = stride.unwrap_or(csize * ncomp);
        let offset = a.byte_offset.map(|o| o.0).unwrap_or(0) as usize;
        for e in 0..count {
            for c in 0..ncomp {
                let at = offset + e * stride + c * csize;
                out[e * ncomp + c] = convert(&bytes[at..at + csize], ct, a.normalized);
            }
        }
    }
    if let Some(sparse) = &a.sparse {
        let n = sparse.count.0 as usize;
        let Checked::Valid(ict) = &sparse.indices.component_type else { return out };
        let isize_ = component_size(ict.0) as usize;
        let (ibytes, _) = view_bytes(root, buffers, sparse.indices.buffer_view.value());
        let (vbytes, _) = view_bytes(root, buffers, sparse.values.buffer_view.value());
        let ioff = sparse.indices.byte_offset.0 as usize;
        let voff = sparse.values.byte_offset.0 as usize;
        for k in 0..n {
            let at = ioff + k * isize_;
            let target = match ict.0 {
                ComponentType::U32 => {
                    u32::from_le_bytes([ibytes[at], ibytes[at + 1], ibytes[at + 2], ibytes[at + 3]]) as usize
                }
                ComponentType::U16 => u16::from_le_bytes([ibytes[at], ibytes[at + 1]]) as usize,
                _ => ibytes[at] as usize,
            };
            if target >= count {
                continue; // out-of-range sparse targets are ignored; the validator flags them
            }
            for c in 0..ncomp {
                let at = voff + (k * ncomp + c) * csize;
                out[target * ncomp + c] = convert(&vbytes[at..at + csize], ct, a.normalized);
            }
        }
    }
    out
}

/// Renderers cull with the declared POSITION bounds: data outside them would make the model vanish.
fn declared_bounds_hold(root: &json::Root, accessor: usize, flat: &[f32]) -> Result<(), String> {
    let a = &root.accessors[accessor];
    let read = |v: &Option<serde_json::Value>| -> Option<[f32; 3]> {
        let arr = v.as_ref()?.as_array()?;
        Some([arr.first()?.as_f64()? as f32, arr.get(1)?.as_f64()? as f32, arr.get(2)?.as_f64()? as f32])
    };
    let (Some(min), Some(max)) = (read(&a.min), read(&a.max)) else { return Ok(()) };
    for c in flat.chunks_exact(3) {
        for k in 0..3 {
            let tol = 1e-4 * (1.0 + min[k].abs().max(max[k].abs()));
            if c[k] < min[k] - tol || c[k] > max[k] + tol {
                return Err(format!(
                    "POSITION accessor {accessor} holds {} outside its declared bounds [{}, {}], so renderers would cull the model wrongly",
                    c[k], min[k], max[k]
                ));
            }
        }
    }
    Ok(())
}

/// Reads every drawn primitive of the shown scene as model-space triangles and fills the
/// summary's counts and bounds. Refuses indices past the vertex count.
pub(super) fn world_meshes(
    root: &json::Root,
    graph: &Graph,
    buffers: &Buffers,
    summary: &mut ModelSummary,
) -> Result<Vec<WorldMesh>, ImportCause> {
    let transforms = model_from_node(root, graph);
    let mut meshes = Vec::new();
    let mut bounds: Option<Aabb> = None;
    for node_index in shown_nodes(root, graph) {
        let Some(mesh_index) = root.nodes[node_index].mesh.map(|m| m.value()) else { continue };
        let m = &transforms[node_index];
        for (p, prim) in root.meshes[mesh_index].primitives.iter().enumerate() {
            let pos_acc = prim
                .attributes
                .iter()
                .find(|(k, _)| matches!(k, Checked::Valid(json::mesh::Semantic::Positions)))
                .map(|(_, v)| v.value())
                .ok_or_else(|| ImportCause::Structure(format!("mesh {mesh_index} primitive {p} has no POSITION")))?;
            let flat = read_f32(root, buffers, pos_acc);
            if flat.iter().any(|v| !v.is_finite()) {
                return Err(ImportCause::Structure(format!(
                    "mesh {mesh_index} primitive {p}: POSITION holds NaN or infinite values"
                )));
            }
            declared_bounds_hold(root, pos_acc, &flat)
                .map_err(|m| ImportCause::Structure(format!("mesh {mesh_index} primitive {p}: {m}")))?;
            let positions: Vec<[f32; 3]> = flat
                .chunks_exact(3)
                .map(|c| m.transform_point3(DVec3::new(c[0].into(), c[1].into(), c[2].into())).as_vec3().to_array())
                .collect();
            let vcount = positions.len();
            let raw: Vec<u32> = match prim.indices {
                Some(ix) => read_u32(root, buffers, ix.value()),
                None => (0..vcount as u32).collect(),
            };
            if let Some(bad) = raw.iter().find(|&&i| i as usize >= vcount) {
                return Err(ImportCause::Structure(format!(
                    "mesh {mesh_index} primitive {p}: vertex index {bad} but only {vcount} vertices"
                )));
            }
            let mode = match prim.mode {
                Checked::Valid(m) => m,
                Checked::Invalid => json::mesh::Mode::Triangles,
            };
            let indices: Vec<u32> = match mode {
                json::mesh::Mode::Triangles => raw.chunks_exact(3).flatten().copied().collect(),
                json::mesh::Mode::TriangleStrip => (2..raw.len())
                    .flat_map(|k| {
                        if k % 2 == 0 { [raw[k - 2], raw[k - 1], raw[k]] } else { [raw[k - 1], raw[k - 2], raw[k]] }
                    })
                    .collect(),
                json::mesh::Mode::TriangleFan => (2..raw.len()).flat_map(|k| [raw[0], raw[k - 1], raw[k]]).collect(),
                other => {
                    summary
                        .notes
                        .push(format!("mesh {mesh_index} primitive {p} draws {other:?}, which has no triangles"));
                    Vec::new()
                }
            };
            summary.primitives += 1;
            summary.vertices += vcount as u64;
            summary.triangles += (indices.len() / 3) as u64;
            for p in &positions {
                match &mut bounds {
                    Some(b) => b.include(*p),
                    None => bounds = Some(Aabb::point(*p)),
                }
            }
            meshes.push(WorldMesh {
                node: node_index,
                material: prim.material.map(|m| m.value()),
                positions_m: positions,
                indices,
            });
        }
    }
    for ext in &root.extensions_used {
        if !gltf::json::extensions::ENABLED_EXTENSIONS.contains(&ext.as_str()) {
            summary.notes.push(format!("optional extension {ext} is not supported and will be ignored"));
        }
    }
    summary.bounds_m = bounds;
    Ok(meshes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_scales_then_rotates_then_translates() {
        // 90° about +y (x → −z), scale 2, then moved by (1, 2, 3): local x = 1 lands at (1, 2, 1).
        let h = std::f32::consts::FRAC_1_SQRT_2;
        let node: json::Node = serde_json::from_value(serde_json::json!({
            "translation": [1.0, 2.0, 3.0], "rotation": [0.0, h, 0.0, h], "scale": [2.0, 2.0, 2.0]
        }))
        .unwrap();
        let p = local(&node).transform_point3(DVec3::X);
        assert!(p.abs_diff_eq(DVec3::new(1.0, 2.0, 1.0), 1e-6), "{p}");
        // A written matrix is read column-major, as glTF stores it.
        let node: json::Node = serde_json::from_value(serde_json::json!({
            "matrix": [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 5.0, 6.0, 7.0, 1.0]
        }))
        .unwrap();
        assert_eq!(local(&node).transform_point3(DVec3::ZERO), DVec3::new(5.0, 6.0, 7.0));
    }
}
