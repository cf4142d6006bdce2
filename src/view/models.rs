//! Spawns each object's and prop's glTF model (already checked by the core's guarded importer)
//! when a site enters the `Assets` phase, reports its progress to [`LoadReadiness`], records
//! models the renderer fails to load as site problems, strips cameras that models bring with
//! them, and re-parents sensors that follow a model node (the crane trolley, the hoist cage) onto
//! that node.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use bevy::asset::LoadState;
use bevy::math::DMat4;
use bevy::prelude::*;
use bevy::world_serialization::{WorldAssetRoot, WorldInstanceReady};

use crate::frame::site_transform;
use crate::site::{LoadReadiness, Prop, Site, SiteObject, SiteProblems, SiteRequest, SiteSensor};
use crate::view::assets::{SiteRoots, common_root};
use crate::{LoadPhase, TwinSet};

/// A spawned glTF model: which scene model instance it is and which object or prop owns it.
#[derive(Component, Debug, Clone)]
pub struct ModelOf {
    /// The model instance id.
    pub model: String,
    /// The object or prop entity it draws.
    pub owner: Entity,
}

/// Marks an object whose model is missing or failed to load (the overlay outlines it).
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct ModelMissing;

/// Loading progress of the site's models.
#[derive(Resource, Debug, Default, Clone)]
pub struct ModelLoading {
    /// Models requested.
    pub requested: usize,
    /// Model roots whose instance has been spawned into the world.
    pub spawned: HashSet<Entity>,
    /// Models the renderer failed to load, by id.
    pub failed: Vec<String>,
}

impl ModelLoading {
    /// Every model is spawned or has failed.
    pub fn done(&self) -> bool {
        self.spawned.len() + self.failed.len() >= self.requested
    }
}

/// The readiness entry of the models.
const WORK: &str = "models";

/// Spawns and tracks the models.
pub struct ModelsPlugin;

impl Plugin for ModelsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ModelLoading>()
            .add_systems(OnEnter(LoadPhase::Assets), spawn_models)
            .add_systems(Update, (watch_failures, report_progress).chain().in_set(TwinSet::Update))
            .add_observer(on_model_ready);
    }
}

#[allow(clippy::too_many_arguments)]
fn spawn_models(
    mut commands: Commands,
    site: Option<Res<Site>>,
    request: Option<Res<SiteRequest>>,
    roots: Res<SiteRoots>,
    assets: Res<AssetServer>,
    objects: Query<(Entity, &SiteObject)>,
    props: Query<(Entity, &Prop)>,
    mut readiness: ResMut<LoadReadiness>,
) {
    let mut loading = ModelLoading::default();
    let (Some(site), Some(request)) = (site, request) else {
        commands.insert_resource(loading);
        return;
    };
    let loaded = &site.0;
    // The files every imported model needs; models the guard refused are not drawn at all.
    let files = loaded.models.values().flat_map(|m| std::iter::once(&m.file).chain(&m.external_files));
    roots.set(request.generation, common_root(files.map(PathBuf::as_path)));
    let owners = objects
        .iter()
        .filter_map(|(e, o)| Some((o.model.clone()?, e)))
        .chain(props.iter().map(|(e, p)| (p.model.clone(), e)));
    for (model_id, owner) in owners {
        let Some(inst) = loaded.scene.model(&model_id) else { continue };
        let Some(summary) = loaded.models.get(&model_id) else {
            // The guard refused it or its file is missing: the object stays, outlined.
            commands.entity(owner).insert(ModelMissing);
            continue;
        };
        let Some(path) = roots.asset_path(request.generation, &summary.file) else {
            warn!("model {model_id}: {} is outside the site's model folder", summary.file.display());
            continue;
        };
        let handle = assets.load(GltfAssetLabel::Scene(0).from_asset(path));
        let child = commands
            .spawn((
                WorldAssetRoot(handle),
                site_transform(inst),
                ModelOf { model: model_id.clone(), owner },
                Name::new(model_id),
            ))
            .id();
        commands.entity(owner).add_child(child);
        loading.requested += 1;
    }
    readiness.work.insert(WORK, (0, loading.requested));
    commands.insert_resource(loading);
}

fn watch_failures(
    mut commands: Commands,
    assets: Res<AssetServer>,
    roots: Query<(&WorldAssetRoot, &ModelOf)>,
    mut loading: ResMut<ModelLoading>,
    mut problems: ResMut<SiteProblems>,
) {
    for (root, of) in &roots {
        if let Some(LoadState::Failed(e)) = assets.get_load_state(root.id())
            && !loading.failed.contains(&of.model)
        {
            error!("model {} failed to load: {e}", of.model);
            loading.failed.push(of.model.clone());
            problems.runtime.push((of.model.clone(), e.to_string()));
            commands.entity(of.owner).insert(ModelMissing);
        }
    }
}

/// A model counts as done once its instance is spawned with every texture it uses, or once it
/// has failed (the twin opens without it and lists it).
fn report_progress(
    loading: Res<ModelLoading>,
    assets: Res<AssetServer>,
    roots: Query<(Entity, &WorldAssetRoot, &ModelOf)>,
    mut readiness: ResMut<LoadReadiness>,
) {
    let Some(&(before, total)) = readiness.work.get(WORK) else { return };
    let done = roots
        .iter()
        .filter(|(e, root, of)| {
            (loading.spawned.contains(e) && assets.is_loaded_with_dependencies(root.id()))
                || loading.failed.contains(&of.model)
        })
        .count();
    if done != before {
        readiness.work.insert(WORK, (done, total));
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
    let Ok(of) = models.get(root) else { return };
    loading.spawned.insert(root);
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
        if s.object != of.owner {
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
