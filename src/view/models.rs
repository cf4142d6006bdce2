//! Spawns each object's and prop's glTF model (already checked by the core's guarded importer)
//! when a site enters the `Assets` phase, reports its progress to [`LoadReadiness`], records
//! models the renderer fails to load as site problems, strips cameras that models bring with
//! them, and re-parents sensors that follow a model node (the crane trolley, the hoist cage) onto
//! that node.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use bevy::asset::{AssetLoadError, LoadState, RecursiveDependencyLoadState};
use bevy::math::DMat4;
use bevy::prelude::*;
use bevy::world_serialization::{WorldAssetRoot, WorldInstanceReady};

use crate::frame::site_transform;
use crate::site::{LoadReadiness, ObjectSensors, Prop, RuntimeProblem, Site, SiteObject, SiteProblems, SiteSensor};
use crate::view::assets::{SiteRoots, common_roots};
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
    /// Model roots the renderer failed to load (the model itself, or a file it uses).
    pub failed: HashSet<Entity>,
}

/// The readiness entry of the models.
const WORK: &str = "models";

/// Spawns and tracks the models.
pub struct ModelsPlugin;

impl Plugin for ModelsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ModelLoading>()
            .add_systems(OnEnter(LoadPhase::Assets), spawn_models)
            .add_systems(
                Update,
                (watch_failures, report_progress).chain().in_set(TwinSet::Update).run_if(in_state(LoadPhase::Assets)),
            )
            .add_observer(on_model_ready);
    }
}

#[allow(clippy::too_many_arguments)]
fn spawn_models(
    mut commands: Commands,
    site: Option<Res<Site>>,
    roots: Res<SiteRoots>,
    assets: Res<AssetServer>,
    objects: Query<(Entity, &SiteObject)>,
    props: Query<(Entity, &Prop)>,
    mut readiness: ResMut<LoadReadiness>,
    mut problems: ResMut<SiteProblems>,
) {
    let mut loading = ModelLoading::default();
    let Some(site) = site else {
        commands.insert_resource(loading);
        return;
    };
    let loaded = &site.loaded;
    // The files every imported model needs; models the guard refused are not drawn at all.
    let files = loaded.models.values().flat_map(|m| std::iter::once(&m.file).chain(&m.external_files));
    roots.set(site.generation, common_roots(files.map(PathBuf::as_path)));
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
        let Some(path) = roots.asset_path(site.generation, &summary.file) else {
            problems.runtime.push(RuntimeProblem {
                model: model_id.clone(),
                file: summary.file.clone(),
                cause: "the file is outside every folder the site's models are read from".into(),
            });
            commands.entity(owner).insert(ModelMissing);
            continue;
        };
        // The scene the guard checked: the file's default one.
        let scene = summary.scene.unwrap_or(0);
        let handle = assets.load(GltfAssetLabel::Scene(scene).from_asset(path));
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

/// A model the renderer cannot load, or that loads without one of its textures, is a site
/// problem (named with its files as they are on disk), and counts as done: loading never waits
/// on it.
fn watch_failures(
    mut commands: Commands,
    assets: Res<AssetServer>,
    site_roots: Res<SiteRoots>,
    site: Option<Res<Site>>,
    roots: Query<(Entity, &WorldAssetRoot, &ModelOf)>,
    mut loading: ResMut<ModelLoading>,
    mut problems: ResMut<SiteProblems>,
) {
    for (e, root, of) in &roots {
        if loading.failed.contains(&e) {
            continue;
        }
        let Some((own, _, deps)) = assets.get_load_states(root.id()) else { continue };
        let (cause, missing) = match (own, deps) {
            (LoadState::Failed(err), _) => (user_cause(&site_roots, &err), true),
            (_, RecursiveDependencyLoadState::Failed(err)) => (user_cause(&site_roots, &err), false),
            _ => continue,
        };
        error!("model {} failed to load: {cause}", of.model);
        loading.failed.insert(e);
        let file =
            site.as_ref().and_then(|s| s.loaded.models.get(&of.model)).map(|m| m.file.clone()).unwrap_or_default();
        problems.runtime.push(RuntimeProblem { model: of.model.clone(), file, cause });
        if missing {
            commands.entity(of.owner).insert(ModelMissing);
        }
    }
}

/// What went wrong loading an asset, with its files named as they are on disk (Bevy names them
/// by their `site://` asset paths).
fn user_cause(roots: &SiteRoots, err: &AssetLoadError) -> String {
    match err {
        AssetLoadError::AssetLoaderError(e) => {
            let file = roots
                .resolve(e.path().path())
                .map(|f| f.display().to_string())
                .unwrap_or_else(|_| e.path().to_string());
            let inner = e.error().to_string().replace(&e.path().path().display().to_string(), &file);
            roots.describe(&format!("{file} could not be read: {inner}"))
        }
        other => roots.describe(&other.to_string()),
    }
}

/// A model counts as done once its instance is spawned with every texture it uses, or once it
/// has failed (the twin opens without it, or without the file that failed, and lists it).
fn report_progress(
    loading: Res<ModelLoading>,
    assets: Res<AssetServer>,
    roots: Query<(Entity, &WorldAssetRoot)>,
    mut readiness: ResMut<LoadReadiness>,
) {
    let Some(&(before, total)) = readiness.work.get(WORK) else { return };
    let done = roots
        .iter()
        .filter(|(e, root)| {
            (loading.spawned.contains(e) && assets.is_loaded_with_dependencies(root.id())) || loading.failed.contains(e)
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
    owners: Query<&ObjectSensors>,
    sensors: Query<(&SiteSensor, &Transform)>,
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
    let (Some(inst), Some(summary)) = (site.loaded.scene.model(&of.model), site.loaded.models.get(&of.model)) else {
        return;
    };
    let Ok(mounted) = owners.get(of.owner) else { return };
    let site_from_model = DMat4::from(inst.site_from_model());
    for &sensor in &mounted.0 {
        let Ok((s, transform)) = sensors.get(sensor) else { continue };
        let Some(node_name) = &s.node else { continue };
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
