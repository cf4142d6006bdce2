//! The deterministic model generator: writes the glTF (GLB) model of every scene model instance
//! marked `generated: true` from the semantic object that uses it. Rerunning it on the same scene
//! gives byte-identical files, which a test checks against the committed assets.

pub mod glb;
mod palette;
pub mod shapes;
pub(crate) mod site;

use std::path::{Path, PathBuf};

pub use glb::{GlbError, Material, MeshData, Node, write_glb};

use crate::scene::SiteScene;

/// Written into every generated file's `asset.generator`; bump when geometry changes on purpose.
pub const GENERATOR: &str = "sitetwin-modelgen 1";

/// One generated model file.
#[derive(Debug, Clone)]
pub struct GeneratedModel {
    /// The model instance id.
    pub model_id: String,
    /// Where the file belongs (the scene folder joined with the instance's `file`).
    pub path: PathBuf,
    /// The GLB bytes.
    pub bytes: Vec<u8>,
    /// Triangles in the model.
    pub triangles: usize,
}

/// Why a model cannot be generated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GenError {
    /// No object draws the instance, so there are no parameters to build it from.
    #[error("model `{0}` is marked generated but no object uses it, so there is nothing to build it from")]
    Orphan(String),
    /// The instance's file is not a .glb.
    #[error("model `{0}` is marked generated but its file `{1}` is not a .glb")]
    NotGlb(String, String),
    /// The model was built but cannot be written as a GLB.
    #[error("model `{0}`: {1}")]
    Glb(String, GlbError),
}

/// Builds every generated model of `scene`; paths resolve against `scene_dir`.
pub fn generate(scene: &SiteScene, scene_dir: &Path) -> Result<Vec<GeneratedModel>, GenError> {
    let mut out = Vec::new();
    for m in scene.models.iter().filter(|m| m.generated) {
        if !m.file.to_ascii_lowercase().ends_with(".glb") {
            return Err(GenError::NotGlb(m.id.clone(), m.file.clone()));
        }
        let root = build(scene, &m.id).ok_or_else(|| GenError::Orphan(m.id.clone()))?;
        let bytes = write_glb(&root, GENERATOR).map_err(|e| GenError::Glb(m.id.clone(), e))?;
        out.push(GeneratedModel {
            model_id: m.id.clone(),
            path: scene_dir.join(&m.file),
            triangles: root.triangles(),
            bytes,
        });
    }
    Ok(out)
}

/// The scene files (`*.ron`) directly in `dir`, sorted by name: what `sitetwin-modelgen` and
/// the tests generate models for when no scene is named. Scenes without generated models give
/// none, so listing them all is harmless.
pub fn scene_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "ron") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// The node tree of what uses model `id`: the boundary, else the first object (in the order of
/// the object-kind table) whose `model` it is, built in the instance's local frame.
fn build(scene: &SiteScene, id: &str) -> Option<Node> {
    let model_from_site = scene.model(id)?.site_from_model().inverse();
    if let Some(b) = scene.boundary.as_ref().filter(|b| b.model.as_deref() == Some(id)) {
        return Some(site::boundary(b, scene, &model_from_site));
    }
    let object = scene.objects().into_iter().find(|o| o.model == Some(id))?;
    Some(object.build_model(scene, &model_from_site))
}

/// A synthetic model of about `triangles` triangles (a city of boxy towers on a grid), for import
/// and rendering benchmarks. Deterministic. Fails only when the file would pass GLB's 4 GiB limit
/// (about 80 million triangles, at 54 bytes each).
pub fn stress_model(triangles: usize) -> Result<Vec<u8>, GlbError> {
    let mut root = Node::new("stress_site");
    // Each tower is 12 triangles per box, 8 boxes per tower.
    let towers = (triangles / 96).max(1);
    let side = (towers as f64).sqrt().ceil() as usize;
    let mut placed = 0;
    let mut block = Node::new("block_0");
    for i in 0..side {
        for k in 0..side {
            if placed == towers {
                break;
            }
            let (x, z) = (i as f32 * 4.0, k as f32 * 4.0);
            let m = block.part(&palette_concrete());
            for s in 0..8 {
                let y = s as f32 * 3.0;
                let w = 1.5 - 0.1 * s as f32;
                m.aabb([x - w, y, z - w], [x + w, y + 2.9, z + w]);
            }
            placed += 1;
            // Keep meshes under 65k vertices so indices stay 16-bit, as real exports do.
            if block.triangles() >= 20_000 {
                let n = root.children.len() + 1;
                root.children.push(std::mem::replace(&mut block, Node::new(format!("block_{n}"))));
            }
        }
    }
    if block.triangles() > 0 {
        root.children.push(block);
    }
    write_glb(&root, GENERATOR)
}

fn palette_concrete() -> Material {
    palette::CONCRETE
}

#[cfg(test)]
mod tests;
