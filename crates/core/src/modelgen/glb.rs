//! Writes binary glTF 2.0 (GLB) from a node tree of flat-shaded meshes. Output is deterministic:
//! JSON keys are sorted, numbers print the same way every run, buffers are laid out in node order.

use serde_json::{Value, json};

/// A PBR material (metallic-roughness).
#[derive(Debug, Clone, PartialEq)]
pub struct Material {
    /// Name, also the key that deduplicates materials within a model.
    pub name: &'static str,
    /// Linear RGBA base colour; alpha below 1 turns on blending.
    pub color: [f32; 4],
    /// Metalness 0..1.
    pub metallic: f32,
    /// Roughness 0..1.
    pub roughness: f32,
    /// Emitted linear RGB.
    pub emissive: [f32; 3],
    /// Render both faces (nets, signs).
    pub double_sided: bool,
}

/// Triangles with per-vertex normals.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeshData {
    /// Positions, metres, in the node's frame.
    pub positions: Vec<[f32; 3]>,
    /// Unit normals, one per position.
    pub normals: Vec<[f32; 3]>,
    /// Triangle list.
    pub indices: Vec<u32>,
}

impl MeshData {
    /// Number of triangles.
    pub fn triangles(&self) -> usize {
        self.indices.len() / 3
    }

    /// Appends another mesh.
    pub fn append(&mut self, other: &MeshData) {
        let base = self.positions.len() as u32;
        self.positions.extend_from_slice(&other.positions);
        self.normals.extend_from_slice(&other.normals);
        self.indices.extend(other.indices.iter().map(|i| i + base));
    }
}

/// A node: a transform, mesh parts by material, and children.
#[derive(Debug, Clone)]
pub struct Node {
    /// Node name (telemetry moves nodes by name).
    pub name: String,
    /// Translation, metres.
    pub translation: [f32; 3],
    /// Rotation quaternion x, y, z, w.
    pub rotation: [f32; 4],
    /// Scale.
    pub scale: [f32; 3],
    /// Mesh parts, each drawn with one material.
    pub parts: Vec<(Material, MeshData)>,
    /// Child nodes.
    pub children: Vec<Node>,
}

impl Node {
    /// An empty node at the origin.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            translation: [0.0; 3],
            rotation: [0.0, 0.0, 0.0, 1.0],
            scale: [1.0; 3],
            parts: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Sets the translation.
    pub fn at(mut self, t: [f32; 3]) -> Self {
        self.translation = t;
        self
    }

    /// The part drawn with `material`, created on first use.
    pub fn part(&mut self, material: &Material) -> &mut MeshData {
        let k = match self.parts.iter().position(|(m, _)| m.name == material.name) {
            Some(k) => k,
            None => {
                self.parts.push((material.clone(), MeshData::default()));
                self.parts.len() - 1
            }
        };
        &mut self.parts[k].1
    }

    /// Triangles in this node and its descendants.
    pub fn triangles(&self) -> usize {
        self.parts.iter().map(|(_, m)| m.triangles()).sum::<usize>()
            + self.children.iter().map(Node::triangles).sum::<usize>()
    }
}

struct Writer {
    bin: Vec<u8>,
    views: Vec<Value>,
    accessors: Vec<Value>,
    meshes: Vec<Value>,
    nodes: Vec<Value>,
    materials: Vec<Material>,
}

const ARRAY_BUFFER: u32 = 34962;
const ELEMENT_ARRAY_BUFFER: u32 = 34963;
const FLOAT: u32 = 5126;
const UNSIGNED_SHORT: u32 = 5123;
const UNSIGNED_INT: u32 = 5125;

impl Writer {
    fn view(&mut self, bytes: &[u8], target: u32) -> usize {
        while !self.bin.len().is_multiple_of(4) {
            self.bin.push(0);
        }
        let offset = self.bin.len();
        self.bin.extend_from_slice(bytes);
        self.views.push(json!({"buffer": 0, "byteOffset": offset, "byteLength": bytes.len(), "target": target}));
        self.views.len() - 1
    }

    fn vec3(&mut self, data: &[[f32; 3]], bounds: bool) -> usize {
        let bytes: Vec<u8> = data.iter().flatten().flat_map(|f| f.to_le_bytes()).collect();
        let view = self.view(&bytes, ARRAY_BUFFER);
        let mut a = json!({"bufferView": view, "componentType": FLOAT, "count": data.len(), "type": "VEC3"});
        if bounds {
            let mut min = [f32::INFINITY; 3];
            let mut max = [f32::NEG_INFINITY; 3];
            for p in data {
                for k in 0..3 {
                    min[k] = min[k].min(p[k]);
                    max[k] = max[k].max(p[k]);
                }
            }
            a["min"] = json!(min);
            a["max"] = json!(max);
        }
        self.accessors.push(a);
        self.accessors.len() - 1
    }

    fn indices(&mut self, idx: &[u32], vertex_count: usize) -> usize {
        let (bytes, ct): (Vec<u8>, u32) = if vertex_count <= u16::MAX as usize {
            (idx.iter().flat_map(|&i| (i as u16).to_le_bytes()).collect(), UNSIGNED_SHORT)
        } else {
            (idx.iter().flat_map(|i| i.to_le_bytes()).collect(), UNSIGNED_INT)
        };
        let view = self.view(&bytes, ELEMENT_ARRAY_BUFFER);
        self.accessors.push(json!({"bufferView": view, "componentType": ct, "count": idx.len(), "type": "SCALAR"}));
        self.accessors.len() - 1
    }

    fn material(&mut self, m: &Material) -> usize {
        if let Some(k) = self.materials.iter().position(|x| x.name == m.name) {
            return k;
        }
        self.materials.push(m.clone());
        self.materials.len() - 1
    }

    fn node(&mut self, n: &Node) -> usize {
        let index = self.nodes.len();
        self.nodes.push(Value::Null);
        let mut v = json!({"name": n.name});
        if n.translation != [0.0; 3] {
            v["translation"] = json!(n.translation);
        }
        if n.rotation != [0.0, 0.0, 0.0, 1.0] {
            v["rotation"] = json!(n.rotation);
        }
        if n.scale != [1.0; 3] {
            v["scale"] = json!(n.scale);
        }
        let prims: Vec<Value> = n
            .parts
            .iter()
            .filter(|(_, m)| !m.indices.is_empty())
            .map(|(mat, mesh)| {
                let pos = self.vec3(&mesh.positions, true);
                let nor = self.vec3(&mesh.normals, false);
                let ind = self.indices(&mesh.indices, mesh.positions.len());
                let material = self.material(mat);
                json!({"attributes": {"POSITION": pos, "NORMAL": nor}, "indices": ind, "material": material})
            })
            .collect();
        if !prims.is_empty() {
            self.meshes.push(json!({"name": n.name, "primitives": prims}));
            v["mesh"] = json!(self.meshes.len() - 1);
        }
        let children: Vec<usize> = n.children.iter().map(|c| self.node(c)).collect();
        if !children.is_empty() {
            v["children"] = json!(children);
        }
        self.nodes[index] = v;
        index
    }
}

fn material_json(m: &Material) -> Value {
    let mut v = json!({
        "name": m.name,
        "pbrMetallicRoughness": {"baseColorFactor": m.color, "metallicFactor": m.metallic, "roughnessFactor": m.roughness},
    });
    if m.emissive != [0.0; 3] {
        v["emissiveFactor"] = json!(m.emissive);
    }
    if m.double_sided {
        v["doubleSided"] = json!(true);
    }
    if m.color[3] < 1.0 {
        v["alphaMode"] = json!("BLEND");
    }
    v
}

/// Serialises the tree under `root` as a GLB file.
pub fn write_glb(root: &Node, generator: &str) -> Vec<u8> {
    let mut w = Writer {
        bin: Vec::new(),
        views: Vec::new(),
        accessors: Vec::new(),
        meshes: Vec::new(),
        nodes: Vec::new(),
        materials: Vec::new(),
    };
    let top = w.node(root);
    while !w.bin.len().is_multiple_of(4) {
        w.bin.push(0);
    }
    let mut doc = json!({
        "asset": {"version": "2.0", "generator": generator},
        "scene": 0,
        "scenes": [{"name": root.name, "nodes": [top]}],
        "nodes": w.nodes,
        "materials": w.materials.iter().map(material_json).collect::<Vec<_>>(),
    });
    if !w.meshes.is_empty() {
        doc["meshes"] = json!(w.meshes);
        doc["accessors"] = json!(w.accessors);
        doc["bufferViews"] = json!(w.views);
        doc["buffers"] = json!([{"byteLength": w.bin.len()}]);
    }
    if w.materials.is_empty()
        && let Some(o) = doc.as_object_mut()
    {
        o.remove("materials");
    }
    let mut json_bytes = serde_json::to_vec(&doc).unwrap_or_default();
    while !json_bytes.len().is_multiple_of(4) {
        json_bytes.push(b' ');
    }
    let has_bin = !w.bin.is_empty();
    let total = 12 + 8 + json_bytes.len() + if has_bin { 8 + w.bin.len() } else { 0 };
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"glTF");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(json_bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(b"JSON");
    out.extend_from_slice(&json_bytes);
    if has_bin {
        out.extend_from_slice(&(w.bin.len() as u32).to_le_bytes());
        out.extend_from_slice(b"BIN\0");
        out.extend_from_slice(&w.bin);
    }
    out
}
