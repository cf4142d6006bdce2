//! Guarded glTF import: the one path every model takes before the twin uses it. It refuses what
//! would make the `gltf` crate (and so Bevy's loader) panic or hang, and reads the geometry
//! (world-space triangles) that reports, collision and benchmarks need.

mod check;
mod container;
mod diagnose;
mod geometry;

use std::fmt;
use std::path::{Path, PathBuf};

use glam::DMat4;
use gltf::json::{self, validation::Validate};
use serde::Serialize;

pub use geometry::WorldMesh;

/// Extensions whose data the importer (and Bevy 0.19's loader) cannot decode.
const COMPRESSION_EXTENSIONS: &[(&str, &str)] = &[
    ("KHR_draco_mesh_compression", "Draco mesh compression"),
    ("EXT_meshopt_compression", "meshopt compression"),
    ("KHR_meshopt_compression", "meshopt compression"),
];

/// The largest model file the importer reads, in bytes.
pub const MAX_FILE_BYTES: u64 = 2 << 30;

/// glTF container kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ModelFormat {
    /// Binary glTF (`.glb`).
    Glb,
    /// JSON glTF (`.gltf`) with external or embedded buffers.
    Gltf,
}

/// Axis-aligned bounds in metres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Aabb {
    /// Smallest x, y, z.
    pub min: [f32; 3],
    /// Largest x, y, z.
    pub max: [f32; 3],
}

impl Aabb {
    /// Bounds holding one point.
    pub fn point(p: [f32; 3]) -> Self {
        Self { min: p, max: p }
    }

    /// Grows the bounds to hold `p`.
    pub fn include(&mut self, p: [f32; 3]) {
        for (k, v) in p.iter().enumerate() {
            self.min[k] = self.min[k].min(*v);
            self.max[k] = self.max[k].max(*v);
        }
    }

    /// Size along each axis.
    pub fn size(&self) -> [f32; 3] {
        [self.max[0] - self.min[0], self.max[1] - self.min[1], self.max[2] - self.min[2]]
    }
}

/// One node of a model, as the twin sees it.
#[derive(Debug, Clone, Serialize)]
pub struct NodeSummary {
    /// Index in the glTF `nodes` array.
    pub index: usize,
    /// The node's name, if it has one.
    pub name: Option<String>,
    /// Parent node, if any.
    pub parent: Option<usize>,
    /// Mesh drawn at this node, if any.
    pub mesh: Option<usize>,
    /// The node's transform relative to the model root: model point = `model_from_node` × node
    /// point (composed in `f64`; reported as glTF's 16 `f32`, column-major).
    #[serde(serialize_with = "crate::serde_glam::dmat4_f32::serialize")]
    pub model_from_node: DMat4,
}

/// What the twin would import from a model file.
#[derive(Debug, Clone, Serialize)]
pub struct ModelSummary {
    /// The file read.
    pub file: PathBuf,
    /// Container kind.
    pub format: ModelFormat,
    /// `asset.generator`, if given.
    pub generator: Option<String>,
    /// Every node in file order.
    pub nodes: Vec<NodeSummary>,
    /// The scene that is shown (`scene`, else scene 0); `None` when the file defines none.
    pub scene: Option<usize>,
    /// Root nodes of the scene that is shown (parentless nodes when there is no scene).
    pub scene_roots: Vec<usize>,
    /// Number of meshes in the file.
    pub meshes: usize,
    /// Primitives drawn by the shown scene (instanced meshes counted per use).
    pub primitives: usize,
    /// Triangles drawn by the shown scene.
    pub triangles: u64,
    /// Vertices drawn by the shown scene.
    pub vertices: u64,
    /// Material names (`material #i` when unnamed).
    pub materials: Vec<String>,
    /// Number of images (textures' sources).
    pub images: usize,
    /// External files the model needs besides itself (buffers, images), resolved.
    pub external_files: Vec<PathBuf>,
    /// `extensionsUsed`.
    pub extensions_used: Vec<String>,
    /// `extensionsRequired`.
    pub extensions_required: Vec<String>,
    /// Bounds of the shown scene in model space, if it draws anything.
    pub bounds_m: Option<Aabb>,
    /// Things worth knowing that are not errors (lines or points drawn, unsupported optional
    /// extensions that will be ignored).
    pub notes: Vec<String>,
}

impl ModelSummary {
    /// The first node with this name.
    pub fn node_named(&self, name: &str) -> Option<&NodeSummary> {
        self.nodes.iter().find(|n| n.name.as_deref() == Some(name))
    }
}

/// A model read through the guard: its summary and its world-space triangle meshes.
#[derive(Debug, Clone)]
pub struct ImportedModel {
    /// What was found.
    pub summary: ModelSummary,
    /// Triangle meshes of the shown scene, one per drawn primitive, in model space.
    pub meshes: Vec<WorldMesh>,
}

/// Why a model cannot be imported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportCause {
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Io(String),
    /// Too big to read.
    #[error("the file is {0} bytes; the importer reads at most {MAX_FILE_BYTES}")]
    TooLarge(u64),
    /// Neither GLB nor JSON.
    #[error("not a glTF file: {0}")]
    NotGltf(String),
    /// A broken GLB container.
    #[error("broken GLB container: {0}")]
    Glb(String),
    /// The JSON is malformed.
    #[error(
        "not valid JSON at line {line}, column {column}: {message}; the file is damaged, or not glTF: export it again"
    )]
    Syntax {
        /// 1-based line in the JSON text.
        line: usize,
        /// Column (bytes into the line) where the reader stopped.
        column: usize,
        /// What is wrong, in words.
        message: String,
    },
    /// glTF 1.0, which sitetwin (and Bevy's reader) cannot read.
    #[error(
        "glTF 1.0 ({0}), which sitetwin cannot read: convert it to glTF 2.0, e.g. with gltf-pipeline 4 or later \
         (`npx gltf-pipeline -i model.gltf -o model-2.gltf`; Blender and gltf-transform read only glTF 2.0)"
    )]
    Gltf1(String),
    /// The JSON does not follow the glTF 2.0 schema as the `gltf` reader reads it.
    #[error("{}{}: {message}", if path.is_empty() { "the top level" } else { path }, at.map(|(l, c)| format!(" (line {l}, column {c})")).unwrap_or_default())]
    Schema {
        /// Line and column where the reader stopped, when known.
        at: Option<(usize, usize)>,
        /// The property concerned (`meshes[0].primitives`); empty for the top level.
        path: String,
        /// What is wrong there, in words.
        message: String,
    },
    /// Only glTF 2.x is read.
    #[error("`asset.version` is {0}; sitetwin reads glTF 2.0: export the model as glTF 2.0")]
    Version(String),
    /// A required extension the importer cannot honour.
    #[error("requires {name} ({extension}), which sitetwin cannot decode; re-export the model without it")]
    Compressed {
        /// The extension name.
        extension: String,
        /// What it is, in words.
        name: String,
    },
    /// A required extension that is not supported.
    #[error("requires the extension {0}, which sitetwin does not support; export the model without it")]
    UnsupportedExtension(String),
    /// The `gltf` crate's schema validation (the reader Bevy's loader uses) refused the file.
    #[error("the glTF reader Bevy uses (gltf 1.4) refuses it: {}", .0.join("; "))]
    Invalid(Vec<String>),
    /// Structure the schema allows but that cannot be drawn safely.
    #[error("{0}")]
    Structure(String),
    /// A referenced file or data URI is missing or broken.
    #[error("{0}")]
    Resource(String),
    /// The importer itself failed unexpectedly (a bug in sitetwin or a dependency).
    #[error("the importer failed unexpectedly: {0}")]
    Internal(String),
}

/// A model that could not be imported, naming the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ImportError {
    /// The model file.
    pub file: PathBuf,
    /// Why.
    pub cause: ImportCause,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.cause)
    }
}

/// Imports a model file through the guard.
pub fn import_file(path: &Path) -> Result<ImportedModel, ImportError> {
    let err = |cause| ImportError { file: path.to_path_buf(), cause };
    let len = std::fs::metadata(path).map_err(|e| err(ImportCause::Io(e.to_string())))?.len();
    if len > MAX_FILE_BYTES {
        return Err(err(ImportCause::TooLarge(len)));
    }
    let bytes = std::fs::read(path).map_err(|e| err(ImportCause::Io(e.to_string())))?;
    let base = path.parent().unwrap_or(Path::new("."));
    import_bytes(&bytes, path, base)
}

/// Imports a model held in memory; `file` names it in errors and `base_dir` resolves relative URIs.
pub fn import_bytes(bytes: &[u8], file: &Path, base_dir: &Path) -> Result<ImportedModel, ImportError> {
    let err = |cause| ImportError { file: file.to_path_buf(), cause };
    // Every check below is written not to panic; this is the last line of defence should a
    // dependency still do so, so that one bad model never takes the twin down.
    let outcome = std::panic::catch_unwind(|| import_inner(bytes, file, base_dir));
    match outcome {
        Ok(r) => r.map_err(err),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            Err(err(ImportCause::Internal(msg)))
        }
    }
}

fn import_inner(bytes: &[u8], file: &Path, base_dir: &Path) -> Result<ImportedModel, ImportCause> {
    let doc = container::split(bytes)?;
    diagnose::document_kind(doc.json)?;
    let root: json::Root = serde_json::from_slice(doc.json).map_err(|e| diagnose::schema(&e, doc.json))?;
    check::required_extensions(&root)?;
    check::before_validation(&root)?;
    let mut found = Vec::new();
    root.validate(&root, json::Path::new, &mut |path, error| {
        found.push((path().to_string(), error));
    });
    if !found.is_empty() {
        let mut problems = diagnose::validation_findings(&found);
        problems.truncate(8);
        return Err(ImportCause::Invalid(problems));
    }
    let buffers = check::buffers(&root, doc.bin, base_dir)?;
    check::buffer_views(&root, &buffers)?;
    check::accessors(&root)?;
    let graph = check::node_graph(&root)?;
    check::meshes(&root)?;
    let images = check::images(&root, &buffers, base_dir)?;
    let mut summary = geometry::summarize(&root, &graph, doc.format, file);
    if let Some(note) = misnamed(file, doc.format) {
        summary.notes.push(note);
    }
    summary.external_files = buffers.external.iter().chain(images.iter()).cloned().collect();
    let meshes = geometry::world_meshes(&root, &graph, &buffers, &mut summary)?;
    Ok(ImportedModel { summary, meshes })
}

/// A note when the file's name says one container and its content is the other: it is read by
/// content, but other tools go by the name.
fn misnamed(file: &Path, format: ModelFormat) -> Option<String> {
    let ext = file.extension()?.to_str()?.to_ascii_lowercase();
    match (ext.as_str(), format) {
        ("gltf", ModelFormat::Glb) => Some("the file is binary glTF (GLB) but named .gltf; rename it to .glb".into()),
        ("glb", ModelFormat::Gltf) => Some("the file is JSON glTF but named .glb; rename it to .gltf".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
