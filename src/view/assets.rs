//! The `site://` asset source: models are read from wherever the open scene's files are, in any
//! folder, instead of from one asset folder fixed when the app was built. Each opened site gets a
//! numbered generation with one root folder per file-system root its files live on
//! (`site://3/0/models/tc1.glb` reads `<generation 3's first root>/models/tc1.glb`), so the asset
//! server never mixes up two sites' files of the same name, and reopening a scene reads its
//! files afresh. Paths are built as paths (a `#` or a space in a folder name is not a label), and
//! a model's extension is given to Bevy in lower case (its loaders match extensions exactly).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, RwLock};

use bevy::asset::AssetPath;
use bevy::asset::io::{AssetReader, AssetReaderError, AssetSourceBuilder, PathStream, Reader, VecReader};
use bevy::prelude::*;

/// The asset source's name: paths are `site://<generation>/<root>/<path under that root>`.
pub const SOURCE: &str = "site";

/// The folders each site generation's files are read from; shared with the asset reader.
#[derive(Resource, Debug, Clone, Default)]
pub struct SiteRoots(Arc<RwLock<BTreeMap<u64, Vec<PathBuf>>>>);

impl SiteRoots {
    /// Sets the roots of a generation, forgetting generations older than the previous one
    /// (whose assets are being dropped with their site).
    pub fn set(&self, generation: u64, roots: Vec<PathBuf>) {
        if let Ok(mut m) = self.0.write() {
            m.insert(generation, roots);
            m.retain(|g, _| *g + 1 >= generation);
        }
    }

    /// The asset path of `file` (absolute or relative to the working folder) for `generation`,
    /// if the file lies under one of that generation's roots.
    pub fn asset_path(&self, generation: u64, file: &Path) -> Option<AssetPath<'static>> {
        let abs = normalize(&std::path::absolute(file).ok()?);
        let roots = self.0.read().ok()?.get(&generation)?.clone();
        let (n, rel) =
            roots.iter().enumerate().find_map(|(n, r)| Some((n, abs.strip_prefix(r).ok()?.to_path_buf())))?;
        let mut rel = rel;
        if let Some(ext) = rel.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase) {
            rel.set_extension(ext);
        }
        let path = PathBuf::from(generation.to_string()).join(n.to_string()).join(rel);
        Some(AssetPath::from_path_buf(path).with_source(SOURCE))
    }

    /// The file an asset path of this source reads.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, AssetReaderError> {
        let not_found = || AssetReaderError::NotFound(path.to_path_buf());
        let mut parts = path.components();
        let mut number = || match parts.next() {
            Some(Component::Normal(g)) => g.to_str().and_then(|g| g.parse::<u64>().ok()),
            _ => None,
        };
        let (generation, n) = (number().ok_or_else(not_found)?, number().ok_or_else(not_found)?);
        let roots = self.0.read().map_err(|_| not_found())?;
        let root = roots.get(&generation).and_then(|r| r.get(n as usize)).ok_or_else(not_found)?;
        let full = root.join(parts.as_path());
        if full.exists() {
            return Ok(full);
        }
        // The model's extension was lowered for Bevy: find the file as it is named on disk.
        let (Some(dir), Some(name)) = (full.parent(), full.file_name()) else { return Ok(full) };
        let want = name.to_string_lossy().to_lowercase();
        let found = std::fs::read_dir(dir)
            .ok()
            .and_then(|entries| entries.flatten().find(|e| e.file_name().to_string_lossy().to_lowercase() == want));
        Ok(found.map(|e| e.path()).unwrap_or(full))
    }

    /// The file on disk behind a `site://` asset path written in a message (for messages that
    /// name files as the user knows them).
    pub fn describe(&self, text: &str) -> String {
        let prefix = format!("{SOURCE}://");
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find(&prefix) {
            out.push_str(&rest[..i]);
            let after = &rest[i + prefix.len()..];
            // Bevy quotes the paths it names; a path ends at its quote.
            let end = after.find(['\'', '"', '`']).unwrap_or(after.len());
            let (path, tail) = after.split_at(end);
            // `…/tc1.glb#Scene0`: the label goes, unless the `#` belongs to a folder name.
            let file = [Some(path), path.rsplit_once('#').map(|(p, _)| p)]
                .into_iter()
                .flatten()
                .find_map(|p| self.resolve(Path::new(p)).ok().filter(|f| f.exists()));
            match file {
                Some(file) => out.push_str(&file.display().to_string()),
                None => out.push_str(&rest[i..i + prefix.len() + end]),
            }
            rest = tail;
        }
        out.push_str(rest);
        out
    }
}

/// The deepest folder holding every given file, one per file-system root (a drive, on
/// Windows) the files live on: the roots a site's models and the files they reference are read
/// from, so that relative references inside a model resolve within the source.
pub fn common_roots<'a>(files: impl IntoIterator<Item = &'a Path>) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    for dir in files
        .into_iter()
        .filter_map(|f| std::path::absolute(f).ok())
        .map(|p| normalize(&p))
        .filter_map(|p| p.parent().map(Path::to_path_buf))
    {
        let top = |p: &Path| p.components().next().map(|c| c.as_os_str().to_owned());
        match roots.iter_mut().find(|r| top(r) == top(&dir)) {
            Some(root) => {
                while !dir.starts_with(&*root) {
                    if !root.pop() {
                        break;
                    }
                }
            }
            None => roots.push(dir),
        }
    }
    roots
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
        match async_fs::read(&full).await {
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
/// `DefaultPlugins`): the app builder does that; `ViewPlugin` says so if it was not.
pub struct SiteAssetsPlugin;

impl Plugin for SiteAssetsPlugin {
    fn build(&self, app: &mut App) {
        let roots = app.world().get_resource::<SiteRoots>().cloned().unwrap_or_default();
        app.insert_resource(roots.clone());
        app.register_asset_source(SOURCE, AssetSourceBuilder::new(move || Box::new(SiteReader(roots.clone()))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_map_to_their_roots_and_old_ones_are_forgotten() {
        let roots = SiteRoots::default();
        roots.set(1, vec![PathBuf::from("/data/siteA")]);
        let p = roots.asset_path(1, Path::new("/data/siteA/models/../models/tc1.glb")).unwrap();
        assert_eq!(p.to_string(), "site://1/0/models/tc1.glb");
        assert_eq!(roots.asset_path(1, Path::new("/elsewhere/x.glb")), None);
        assert_eq!(
            roots.resolve(Path::new("1/0/models/tc1.glb")).unwrap(),
            PathBuf::from("/data/siteA/models/tc1.glb")
        );
        roots.set(2, vec![PathBuf::from("/data/siteB")]);
        roots.set(3, vec![PathBuf::from("/data/siteA")]);
        assert!(roots.resolve(Path::new("1/0/models/tc1.glb")).is_err(), "generation 1 is gone");
        assert!(roots.resolve(Path::new("2/0/x.glb")).is_ok() && roots.resolve(Path::new("3/0/x.glb")).is_ok());
        assert!(roots.resolve(Path::new("models/x.glb")).is_err());
        assert!(roots.resolve(Path::new("3/1/x.glb")).is_err(), "no second root");
    }

    #[test]
    fn hashes_spaces_and_upper_case_extensions_stay_in_the_path() {
        let dir = std::env::temp_dir().join(format!("sitetwin-assets-{}", std::process::id())).join("工地 #2");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("TC1.GLB"), b"x").unwrap();
        let roots = SiteRoots::default();
        roots.set(7, common_roots([dir.join("TC1.GLB").as_path()]));
        let p = roots.asset_path(7, &dir.join("TC1.GLB")).unwrap();
        assert_eq!(p.label(), None, "a # in a folder is not a label");
        assert_eq!(p.path(), Path::new("7/0/TC1.glb"));
        assert_eq!(roots.resolve(p.path()).unwrap(), dir.join("TC1.GLB"), "found as named on disk");
        let said = format!("Failed to load asset '{p}#Scene0' with the glTF loader");
        assert_eq!(
            roots.describe(&said),
            format!("Failed to load asset '{}' with the glTF loader", dir.join("TC1.GLB").display())
        );
        std::fs::remove_dir_all(dir.parent().unwrap()).ok();
    }

    #[test]
    fn the_common_root_holds_every_file() {
        let files = [Path::new("/a/b/c/m1.glb"), Path::new("/a/b/d/m2.glb"), Path::new("/a/b/c/tex/t.png")];
        assert_eq!(common_roots(files), vec![PathBuf::from("/a/b")]);
    }
}
