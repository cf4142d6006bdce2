//! Site scene files: schema, loading with positioned errors, and validation that reports every
//! problem in one run (`file:line:column: field.path: message`).

mod kinds;
mod objects;
mod schema;
mod validate;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use kinds::{KINDS, KindSpec, Label, PresetView, TreeGroup, tree_groups};
pub use objects::{ObjectRef, Param, ParamValue};
pub use schema::*;

use crate::model::ModelSummary;
use crate::rondoc::{self, DocDecoder, FieldPath, PathIndex, Pos};

/// How serious a scene problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The scene cannot be used as written.
    Error,
    /// Worth fixing; the twin still opens.
    Warning,
}

/// One problem in a scene file, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneIssue {
    /// Error or warning.
    pub severity: Severity,
    /// The scene file.
    pub file: PathBuf,
    /// Line and column, when known.
    pub pos: Option<Pos>,
    /// The field path (`cranes[1].jib_length_m`).
    pub path: FieldPath,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SceneIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(p) = self.pos {
            write!(f, ":{}:{}", p.line, p.column)?;
        }
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {sev}: {}: {}", self.path, self.message)
    }
}

/// Every problem found in a scene that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct SceneErrors {
    /// The problems, errors first, then in file order.
    pub issues: Vec<SceneIssue>,
}

impl SceneErrors {
    /// Only the errors.
    pub fn errors(&self) -> impl Iterator<Item = &SceneIssue> {
        self.issues.iter().filter(|i| i.severity == Severity::Error)
    }
}

impl fmt::Display for SceneErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in &self.issues {
            writeln!(f, "{i}")?;
        }
        let n = self.errors().count();
        write!(f, "{n} error{} in the scene", if n == 1 { "" } else { "s" })
    }
}

/// A scene that passed validation, with what was learnt on the way.
#[derive(Debug, Clone)]
pub struct LoadedScene {
    /// The scene.
    pub scene: SiteScene,
    /// The file it came from.
    pub file: PathBuf,
    /// The folder relative model paths resolve against.
    pub dir: PathBuf,
    /// What each model file holds, by model id (files that imported cleanly).
    pub models: BTreeMap<String, ModelSummary>,
    /// Problems that do not stop the twin.
    pub warnings: Vec<SceneIssue>,
    /// Models the twin opens without (missing or unreadable files), with the reason; only
    /// [`ModelChecks::Lenient`] loads report them, every other check makes them errors.
    pub model_problems: Vec<ModelProblem>,
}

/// A model of the scene that cannot be drawn, and why. A lenient open shows the rest of the site
/// and lists these in its problems panel.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelProblem {
    /// The model instance id.
    pub model: String,
    /// The file it names, resolved against the scene's folder.
    pub file: PathBuf,
    /// Where the scene names it and what is wrong (severity `Warning`).
    pub issue: SceneIssue,
}

/// What `load` should check besides the file itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelChecks {
    /// Import every model through the guard (node names, geometry); a model that fails is an
    /// error: what `validate` does.
    Import,
    /// Import every model through the guard, but open without the models that fail and list
    /// them in [`LoadedScene::model_problems`]: what the twin and `snapshot` do.
    Lenient,
    /// Only check that model files exist (fast, for tools that do not draw).
    Exists,
    /// Do not look at model files at all (the generator, which is about to write them).
    Skip,
}

/// Reads and validates a scene file.
pub fn load(path: &Path, checks: ModelChecks) -> Result<LoadedScene, SceneErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| SceneErrors {
        issues: vec![SceneIssue {
            severity: Severity::Error,
            file: path.to_path_buf(),
            pos: None,
            path: FieldPath::root(),
            message: format!("cannot read the scene file: {e}"),
        }],
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_str(&text, path, &dir, checks)
}

/// Validates scene text; `file` names it in messages and `dir` resolves model paths.
pub fn load_str(text: &str, file: &Path, dir: &Path, checks: ModelChecks) -> Result<LoadedScene, SceneErrors> {
    let issue =
        |pos, path, message| SceneIssue { severity: Severity::Error, file: file.to_path_buf(), pos, path, message };
    let root = rondoc::parse(text)
        .map_err(|e| SceneErrors { issues: vec![issue(Some(e.pos), FieldPath::root(), e.message)] })?;
    let mut d = DocDecoder::new(&root, "SiteScene")
        .map_err(|e| SceneErrors { issues: vec![issue(e.pos, e.path, e.message)] })?;
    let version: Option<u32> = d.required("version");
    if let Some(v) = version
        && v != SCENE_VERSION
    {
        // Anything else may mean different fields: stop before reporting noise.
        let pos = PathIndex::build(&root).find(&FieldPath::root().field("version"));
        return Err(SceneErrors {
            issues: vec![issue(
                pos,
                FieldPath::root().field("version"),
                format!("scene version {v} is not supported; this sitetwin reads version {SCENE_VERSION}"),
            )],
        });
    }
    let mut scene = SiteScene {
        version: version.unwrap_or(SCENE_VERSION),
        site: d.required("site").unwrap_or_default(),
        models: d.list("models"),
        boundary: d.optional("boundary"),
        ..SiteScene::default()
    };
    for kind in &KINDS {
        kind.decode(&mut d, &mut scene);
    }
    scene.sensors = d.list("sensors");
    let mut issues: Vec<SceneIssue> = d.finish().into_iter().map(|e| issue(e.pos, e.path, e.message)).collect();
    let index = PathIndex::build(&root);
    let mut v = validate::Validator::new(file, dir, &index);
    let models = v.run(&scene, checks);
    let (found, model_problems) = v.into_issues();
    issues.extend(found);
    issues.sort_by_key(|a| (a.severity, a.pos));
    issues.dedup();
    if issues.iter().any(|i| i.severity == Severity::Error) {
        return Err(SceneErrors { issues });
    }
    Ok(LoadedScene {
        scene,
        file: file.to_path_buf(),
        dir: dir.to_path_buf(),
        models,
        warnings: issues,
        model_problems,
    })
}

#[cfg(test)]
mod tests;
