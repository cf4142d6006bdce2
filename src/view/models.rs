//! Spawns each object's and prop's glTF model (already checked by the core's guarded importer),
//! tracks loading, strips cameras that models bring with them, and re-parents sensors that
//! follow a model node (the crane trolley, the hoist cage) onto that node.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bevy::asset::LoadState;
use bevy::math::DMat4;
use bevy::prelude::*;
use bevy::world_serialization::{WorldAssetRoot, WorldInstanceReady};

use crate::TwinSet;
use crate::site::{Prop, Site, SiteObject, SiteSensor};
use crate::view::convert::site_transform;

/// The folder Bevy's asset server reads models from: the deepest folder holding every model
/// file of the scene. Set by the command line before the app is built.
#[derive(Resource, Debug, Clone)]
pub struct ModelRoot(pub PathBuf);

impl ModelRoot {
    /// The common ancestor folder of every model file of `site` (absolute).
    pub fn for_site(site: &Site) -> ModelRoot {
        let dirs: Vec<PathBuf> = site
            .0
            .scene
            .models
            .iter()
            .filter_map(|m| std::path::absolute(site.0.dir.join(&m.file)).ok())
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
        ModelRoot(root)
    }

    /// A model file's path relative to the root, as the asset server wants it (`/`-separated).
    pub fn asset_path(&self, file: &Path) -> Option<String> {
        let abs = normalize(&std::path::absolute(file).ok()?);
        let rel = abs.strip_prefix(&self.0).ok()?;
        Some(rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"))
    }
}

/// Removes `.` and `..` without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A spawned glTF model: which scene model instance it is.
#[derive(Component, Debug, Clone)]
pub struct ModelOf {
    /// The model instance id.
    pub model: String,
}

/// Loading progress of the site's models.
#[derive(Resource, Debug, Default, Clone)]
pub struct ModelLoading {
    /// Models requested.
    pub requested: usize,
    /// Model instances spawned into the world.
    pub ready: usize,
    /// Models that failed to load, with the reason.
    pub failed: Vec<(String, String)>,
}

impl ModelLoading {
    /// Every model is spawned or has failed.
    pub fn done(&self) -> bool {
        self.ready + self.failed.len() >= self.requested
    }
}

/// Spawns and tracks the models.
pub struct ModelsPlugin;

impl Plugin for ModelsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ModelLoading>()
            .add_systems(PostStartup, spawn_models)
            .add_systems(Update, watch_failures.in_set(TwinSet::Update))
            .add_observer(on_model_ready);
    }
}

fn spawn_models(
    mut commands: Commands,
    site: Option<Res<Site>>,
    root: Option<Res<ModelRoot>>,
    assets: Res<AssetServer>,
    objects: Query<(Entity, &SiteObject)>,
    props: Query<(Entity, &Prop)>,
    mut loading: ResMut<ModelLoading>,
) {
    let (Some(site), Some(root)) = (site, root) else { return };
    let owners = objects
        .iter()
        .filter_map(|(e, o)| Some((o.model.clone()?, e)))
        .chain(props.iter().map(|(e, p)| (p.model.clone(), e)));
    for (model_id, owner) in owners {
        let Some(inst) = site.0.scene.model(&model_id) else { continue };
        if !site.0.models.contains_key(&model_id) {
            // The guard refused it (or the scene was loaded without importing): never hand it
            // to Bevy's loader.
            loading.failed.push((model_id.clone(), "not imported".into()));
            continue;
        }
        let file = site.0.dir.join(&inst.file);
        let Some(path) = root.asset_path(&file) else {
            loading.failed.push((model_id.clone(), format!("{} is outside {}", file.display(), root.0.display())));
            continue;
        };
        let handle = assets.load(GltfAssetLabel::Scene(0).from_asset(path));
        let child = commands
            .spawn((
                WorldAssetRoot(handle),
                site_transform(inst),
                ModelOf { model: model_id.clone() },
                Name::new(model_id),
            ))
            .id();
        commands.entity(owner).add_child(child);
        loading.requested += 1;
    }
}

fn watch_failures(
    assets: Res<AssetServer>,
    roots: Query<(&WorldAssetRoot, &ModelOf)>,
    mut loading: ResMut<ModelLoading>,
    mut seen: Local<Vec<String>>,
) {
    for (root, of) in &roots {
        if let Some(LoadState::Failed(e)) = assets.get_load_state(root.id())
            && !seen.contains(&of.model)
        {
            error!("model {} failed to load: {e}", of.model);
            seen.push(of.model.clone());
            loading.failed.push((of.model.clone(), e.to_string()));
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn on_model_ready(
    ready: On<WorldInstanceReady>,
    mut commands: Commands,
    site: Option<Res<Site>>,
    models: Query<&ModelOf>,
    children: Query<&Children>,
    names: Query<&Name>,
    cameras: Query<(), With<Camera>>,
    sensors: Query<(Entity, &SiteSensor, &Transform)>,
    mut loading: ResMut<ModelLoading>,
) {
    let root = ready.entity;
    loading.ready += 1;
    let Ok(of) = models.get(root) else { return };
    // Cameras inside a model would render over the twin: the twin has its own.
    let mut by_name: HashMap<String, Entity> = HashMap::new();
    for e in children.iter_descendants(root) {
        if cameras.get(e).is_ok() {
            commands.entity(e).remove::<Camera>();
        }
        if let Ok(n) = names.get(e) {
            by_name.entry(n.as_str().to_string()).or_insert(e);
        }
    }
    let Some(site) = site else { return };
    let (Some(inst), Some(summary)) = (site.0.scene.model(&of.model), site.0.models.get(&of.model)) else { return };
    let site_from_model = DMat4::from(inst.site_from_model());
    for (sensor, s, transform) in &sensors {
        let Some(node_name) = &s.node else { continue };
        let Some(object) = site.0.scene.object(&s.object) else { continue };
        if object.model != Some(of.model.as_str()) {
            continue;
        }
        let (Some(node), Some(info)) = (by_name.get(node_name), summary.node_named(node_name)) else {
            warn!("sensor {}: node {node_name} not found in model {}", s.id, of.model);
            continue;
        };
        // The node's rest pose from the importer, placed like the model: the sensor keeps its
        // surveyed position and from now on moves with the node.
        let site_from_node = site_from_model * info.model_from_node;
        let local = site_from_node.inverse().transform_point3(transform.translation.as_dvec3()).as_vec3();
        commands.entity(sensor).insert((Transform::from_translation(local), ChildOf(*node)));
    }
}
