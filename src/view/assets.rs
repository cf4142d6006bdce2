//! The `site://` asset source: models are read from wherever the open scene's files are, in any
//! folder, instead of from one asset folder fixed when the app was built. Each opened site gets a
//! numbered root (`site://3/models/tc1.glb` reads `<root of generation 3>/models/tc1.glb`), so
//! the asset server never mixes up two sites' files of the same name, and reopening a scene reads
//! its files afresh.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, RwLock};

use bevy::asset::io::{AssetReader, AssetReaderError, AssetSourceBuilder, PathStream, Reader, VecReader};
use bevy::prelude::*;

/// The asset source's name: paths are `site://<generation>/<path under that site's root>`.
pub const SOURCE: &str = "site";

/// The folder each site generation's models are read from; shared with the asset reader.
#[derive(Resource, Debug, Clone, Default)]
pub struct SiteRoots(Arc<RwLock<BTreeMap<u64, PathBuf>>>);

impl SiteRoots {
    /// Sets the root of a generation, forgetting generations older than the previous one
    /// (whose assets are being dropped with their site).
    pub fn set(&self, generation: u64, root: PathBuf) {
        if let Ok(mut m) = self.0.write() {
            m.insert(generation, root);
            m.retain(|g, _| *g + 1 >= generation);
        }
    }

    /// The asset path of `file` (absolute or relative to the working folder) for `generation`,
    /// if the file lies under that generation's root.
    pub fn asset_path(&self, generation: u64, file: &Path) -> Option<String> {
        let root = self.0.read().ok()?.get(&generation)?.clone();
        let abs = normalize(&std::path::absolute(file).ok()?);
        let rel = abs.strip_prefix(&root).ok()?;
        let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        Some(format!("{SOURCE}://{generation}/{}", rel.join("/")))
    }

    fn resolve(&self, path: &Path) -> Result<PathBuf, AssetReaderError> {
        let not_found = || AssetReaderError::NotFound(path.to_path_buf());
        let mut parts = path.components();
        let generation: u64 = match parts.next() {
            Some(Component::Normal(g)) => g.to_str().and_then(|g| g.parse().ok()).ok_or_else(not_found)?,
            _ => return Err(not_found()),
        };
        let root = self.0.read().map_err(|_| not_found())?.get(&generation).cloned().ok_or_else(not_found)?;
        Ok(root.join(parts.as_path()))
    }
}

/// The deepest folder holding every file the site's models need (the models and the buffers and
/// textures they refer to), so that relative references inside a model resolve within the source.
pub fn common_root<'a>(files: impl IntoIterator<Item = &'a Path>) -> PathBuf {
    let dirs: Vec<PathBuf> = files
        .into_iter()
        .filter_map(|f| std::path::absolute(f).ok())
        .map(|p| normalize(&p))
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    let mut root = dirs.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    for d in dirs.iter().skip(1) {
        while !d.starts_with(&root) {
            if !root.pop() {
                break;
            }
        }
    }
    root
}

/// Removes `.` and `..` without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

struct SiteReader(SiteRoots);

impl AssetReader for SiteReader {
    async fn read<'a>(&'a self, path: &'a Path) -> Result<impl Reader + 'a, AssetReaderError> {
        let full = self.0.resolve(path)?;
        match std::fs::read(&full) {
            Ok(bytes) => Ok(VecReader::new(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(AssetReaderError::NotFound(full)),
            Err(e) => Err(AssetReaderError::Io(Arc::new(e))),
        }
    }

    async fn read_meta<'a>(&'a self, path: &'a Path) -> Result<impl Reader + 'a, AssetReaderError> {
        // Models carry no `.meta` files: the loaders' defaults apply.
        Err::<VecReader, _>(AssetReaderError::NotFound(path.to_path_buf()))
    }

    async fn read_directory<'a>(&'a self, path: &'a Path) -> Result<Box<PathStream>, AssetReaderError> {
        Err(AssetReaderError::NotFound(path.to_path_buf()))
    }

    async fn is_directory<'a>(&'a self, path: &'a Path) -> Result<bool, AssetReaderError> {
        Ok(self.0.resolve(path)?.is_dir())
    }
}

/// Registers the `site://` source. It must be added before `AssetPlugin` (before
/// `DefaultPlugins`): the app builder does that.
pub struct SiteAssetsPlugin;

impl Plugin for SiteAssetsPlugin {
    fn build(&self, app: &mut App) {
        let roots = app.world().get_resource::<SiteRoots>().cloned().unwrap_or_default();
        app.insert_resource(roots.clone());
        let reader = roots;
        app.register_asset_source(SOURCE, AssetSourceBuilder::new(move || Box::new(SiteReader(reader.clone()))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_map_to_their_roots_and_old_ones_are_forgotten() {
        let roots = SiteRoots::default();
        roots.set(1, PathBuf::from("/data/siteA"));
        assert_eq!(
            roots.asset_path(1, Path::new("/data/siteA/models/../models/tc1.glb")).as_deref(),
            Some("site://1/models/tc1.glb")
        );
        assert_eq!(roots.asset_path(1, Path::new("/elsewhere/x.glb")), None);
        assert_eq!(roots.resolve(Path::new("1/models/tc1.glb")).unwrap(), PathBuf::from("/data/siteA/models/tc1.glb"));
        roots.set(2, PathBuf::from("/data/siteB"));
        roots.set(3, PathBuf::from("/data/siteA"));
        assert!(roots.resolve(Path::new("1/models/tc1.glb")).is_err(), "generation 1 is gone");
        assert!(roots.resolve(Path::new("2/x.glb")).is_ok() && roots.resolve(Path::new("3/x.glb")).is_ok());
        assert!(roots.resolve(Path::new("models/x.glb")).is_err());
    }

    #[test]
    fn the_common_root_holds_every_file() {
        let files = [Path::new("/a/b/c/m1.glb"), Path::new("/a/b/d/m2.glb"), Path::new("/a/b/c/tex/t.png")];
        assert_eq!(common_root(files), PathBuf::from("/a/b"));
    }
}
