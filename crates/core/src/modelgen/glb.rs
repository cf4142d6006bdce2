//! Writes binary glTF 2.0 (GLB) from a node tree of flat-shaded meshes, building the document
//! with the `gltf` crate's own JSON types (the ones its reader, and so Bevy's, deserialises) and
//! the container with its GLB writer. Output is deterministic: the types serialise their fields in
//! declaration order, numbers print the same way every run, buffers are laid out in node order.

use std::borrow::Cow;

use gltf::json::{
    self, Index,
    accessor::{ComponentType, GenericComponentType, Type},
    buffer::Target,
    material::{AlphaMode, EmissiveFactor, PbrBaseColorFactor, PbrMetallicRoughness, StrengthFactor},
    mesh::{Mode, Semantic},
    scene::UnitQuaternion,
    validation::{Checked::Valid, USize64},
};

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

/// Why a GLB could not be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GlbError {
    /// GLB stores lengths in 32 bits, so a file cannot exceed 4 GiB.
    #[error("the model would be {bytes} bytes; a GLB file holds at most {} bytes", u32::MAX)]
    TooLarge {
        /// The size the file would have, in bytes.
        bytes: u64,
    },
    /// The document or container could not be serialised (a bug in the writer).
    #[error("cannot serialise the glTF document: {0}")]
    Serialize(String),
}

/// Builds the glTF document and its binary buffer node by node.
struct Writer {
    root: json::Root,
    bin: Vec<u8>,
    /// The name of each material in `root.materials`, which deduplicates them.
    materials: Vec<(&'static str, Index<json::Material>)>,
}

/// Pads `bytes` with zeros to a multiple of 4, the alignment glTF requires of buffer views that
/// hold 4-byte components (and of the BIN chunk).
fn pad4(bytes: &mut Vec<u8>) {
    while !bytes.len().is_multiple_of(4) {
        bytes.push(0);
    }
}

impl Writer {
    fn view(&mut self, bytes: &[u8], target: Target) -> Index<json::buffer::View> {
        pad4(&mut self.bin);
        let offset = self.bin.len();
        self.bin.extend_from_slice(bytes);
        self.root.push(json::buffer::View {
            buffer: Index::new(0),
            byte_length: USize64::from(bytes.len()),
            byte_offset: Some(USize64::from(offset)),
            byte_stride: None,
            name: None,
            target: Some(Valid(target)),
            extensions: None,
            extras: None,
        })
    }

    fn accessor(
        &mut self,
        view: Index<json::buffer::View>,
        component: ComponentType,
        type_: Type,
        count: usize,
        bounds: Option<([f32; 3], [f32; 3])>,
    ) -> Index<json::Accessor> {
        let (min, max) = match bounds {
            // The schema types bounds as free JSON (their element type follows the accessor's).
            Some((min, max)) => (Some(json::Value::from(min.to_vec())), Some(json::Value::from(max.to_vec()))),
            None => (None, None),
        };
        self.root.push(json::Accessor {
            buffer_view: Some(view),
            byte_offset: None,
            count: USize64::from(count),
            component_type: Valid(GenericComponentType(component)),
            extensions: None,
            extras: None,
            type_: Valid(type_),
            min,
            max,
            name: None,
            normalized: false,
            sparse: None,
        })
    }

    fn vec3(&mut self, data: &[[f32; 3]], bounds: bool) -> Index<json::Accessor> {
        let bytes: Vec<u8> = data.iter().flatten().flat_map(|f| f.to_le_bytes()).collect();
        let view = self.view(&bytes, Target::ArrayBuffer);
        let bounds = bounds.then(|| {
            let mut min = [f32::INFINITY; 3];
            let mut max = [f32::NEG_INFINITY; 3];
            for p in data {
                for k in 0..3 {
                    min[k] = min[k].min(p[k]);
                    max[k] = max[k].max(p[k]);
                }
            }
            (min, max)
        });
        self.accessor(view, ComponentType::F32, Type::Vec3, data.len(), bounds)
    }

    /// Indices as 16-bit when every vertex index fits below 65535, the value glTF reserves
    /// (primitive restart) and so forbids as an index; 32-bit otherwise.
    fn indices(&mut self, idx: &[u32], vertex_count: usize) -> Index<json::Accessor> {
        let (bytes, component): (Vec<u8>, ComponentType) = if vertex_count <= usize::from(u16::MAX) {
            (idx.iter().flat_map(|&i| (i as u16).to_le_bytes()).collect(), ComponentType::U16)
        } else {
            (idx.iter().flat_map(|i| i.to_le_bytes()).collect(), ComponentType::U32)
        };
        let view = self.view(&bytes, Target::ElementArrayBuffer);
        self.accessor(view, component, Type::Scalar, idx.len(), None)
    }

    fn material(&mut self, m: &Material) -> Index<json::Material> {
        if let Some((_, index)) = self.materials.iter().find(|(name, _)| *name == m.name) {
            return *index;
        }
        let index = self.root.push(material_json(m));
        self.materials.push((m.name, index));
        index
    }

    fn node(&mut self, n: &Node) -> Index<json::Node> {
        // Reserve the parent's index first: nodes are numbered in pre-order.
        let index = self.root.push(json::Node::default());
        let primitives: Vec<json::mesh::Primitive> = n
            .parts
            .iter()
            .filter(|(_, m)| !m.indices.is_empty())
            .map(|(mat, mesh)| {
                let pos = self.vec3(&mesh.positions, true);
                let nor = self.vec3(&mesh.normals, false);
                let ind = self.indices(&mesh.indices, mesh.positions.len());
                let material = self.material(mat);
                json::mesh::Primitive {
                    attributes: [(Valid(Semantic::Positions), pos), (Valid(Semantic::Normals), nor)].into(),
                    extensions: None,
                    extras: None,
                    indices: Some(ind),
                    material: Some(material),
                    mode: Valid(Mode::Triangles),
                    targets: None,
                }
            })
            .collect();
        let mesh = (!primitives.is_empty()).then(|| {
            self.root.push(json::Mesh {
                extensions: None,
                extras: None,
                name: Some(n.name.clone()),
                primitives,
                weights: None,
            })
        });
        let children: Vec<Index<json::Node>> = n.children.iter().map(|c| self.node(c)).collect();
        let node = json::Node {
            children: (!children.is_empty()).then_some(children),
            mesh,
            name: Some(n.name.clone()),
            rotation: (n.rotation != [0.0, 0.0, 0.0, 1.0]).then_some(UnitQuaternion(n.rotation)),
            scale: (n.scale != [1.0; 3]).then_some(n.scale),
            translation: (n.translation != [0.0; 3]).then_some(n.translation),
            ..json::Node::default()
        };
        if let Some(slot) = self.root.nodes.get_mut(index.value()) {
            *slot = node;
        }
        index
    }
}

fn material_json(m: &Material) -> json::Material {
    json::Material {
        alpha_mode: Valid(if m.color[3] < 1.0 { AlphaMode::Blend } else { AlphaMode::Opaque }),
        double_sided: m.double_sided,
        name: Some(m.name.to_string()),
        pbr_metallic_roughness: PbrMetallicRoughness {
            base_color_factor: PbrBaseColorFactor(m.color),
            metallic_factor: StrengthFactor(m.metallic),
            roughness_factor: StrengthFactor(m.roughness),
            ..PbrMetallicRoughness::default()
        },
        emissive_factor: EmissiveFactor(m.emissive),
        ..json::Material::default()
    }
}

/// The length of a GLB holding `json_len` bytes of JSON and `bin_len` bytes of binary chunk
/// (each padded to 4), or why it cannot be written: GLB lengths are 32-bit.
pub fn glb_length(json_len: usize, bin_len: Option<usize>) -> Result<u32, GlbError> {
    let padded = |n: usize| (n as u64).div_ceil(4) * 4;
    let total = 12 + 8 + padded(json_len) + bin_len.map_or(0, |b| 8 + padded(b));
    u32::try_from(total).map_err(|_| GlbError::TooLarge { bytes: total })
}

/// Serialises the tree under `root` as a GLB file; `generator` goes into `asset.generator`.
pub fn write_glb(root: &Node, generator: &str) -> Result<Vec<u8>, GlbError> {
    let mut w = Writer { root: json::Root::default(), bin: Vec::new(), materials: Vec::new() };
    let top = w.node(root);
    pad4(&mut w.bin);
    w.root.asset = json::Asset { generator: Some(generator.to_string()), ..json::Asset::default() };
    let scene =
        w.root.push(json::Scene { extensions: None, extras: None, name: Some(root.name.clone()), nodes: vec![top] });
    w.root.scene = Some(scene);
    let has_bin = !w.bin.is_empty();
    if has_bin {
        w.root.push(json::Buffer {
            byte_length: USize64::from(w.bin.len()),
            name: None,
            uri: None,
            extensions: None,
            extras: None,
        });
    }
    let json_bytes = w.root.to_vec().map_err(|e| GlbError::Serialize(e.to_string()))?;
    let length = glb_length(json_bytes.len(), has_bin.then_some(w.bin.len()))?;
    let glb = gltf::Glb {
        header: gltf::binary::Header { magic: *b"glTF", version: 2, length },
        json: Cow::Owned(json_bytes),
        bin: has_bin.then_some(Cow::Owned(w.bin)),
    };
    glb.to_vec().map_err(|e| GlbError::Serialize(e.to_string()))
}
