//! Semantic checks of a decoded scene: dimensions, ids, references between objects, sensors and
//! models, and the models themselves (through the guarded importer). Every problem is collected.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use glam::DVec2;

use super::schema::*;
use super::{ModelChecks, ModelProblem, SceneIssue, Severity};
use crate::geom;
use crate::model::{self, ModelSummary};
use crate::rondoc::{FieldPath, PathIndex};

/// Collects a scene's problems; the per-kind checks in `kinds.rs` report through it.
pub(crate) struct Validator<'a> {
    file: &'a Path,
    dir: &'a Path,
    index: &'a PathIndex,
    issues: Vec<SceneIssue>,
    problems: Vec<ModelProblem>,
}

/// What a kind's checks may look at besides the object itself.
pub(crate) struct CheckContext<'s> {
    /// The whole scene (for references between objects).
    pub scene: &'s SiteScene,
    /// Summaries of the models that imported cleanly, by model id.
    pub models: &'s BTreeMap<String, ModelSummary>,
    /// Every object id, with the field path of its first use.
    pub ids: &'s HashMap<String, FieldPath>,
}

pub(crate) fn fmt_num(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{v}")
    }
}

impl<'a> Validator<'a> {
    pub(super) fn new(file: &'a Path, dir: &'a Path, index: &'a PathIndex) -> Self {
        Self { file, dir, index, issues: Vec::new(), problems: Vec::new() }
    }

    /// The scene's problems, and (lenient checks) the models the twin opens without.
    pub(super) fn into_issues(self) -> (Vec<SceneIssue>, Vec<ModelProblem>) {
        (self.issues, self.problems)
    }

    /// A model that cannot be used: an error when checking strictly, a problem the twin lists
    /// (and opens without) when lenient.
    fn model_problem(&mut self, checks: ModelChecks, path: &FieldPath, model: &str, file: &Path, message: String) {
        if checks != ModelChecks::Lenient {
            self.error(path, message);
            return;
        }
        let issue = SceneIssue {
            severity: Severity::Warning,
            file: self.file.to_path_buf(),
            pos: self.index.find(path),
            path: path.clone(),
            message,
        };
        self.problems.push(ModelProblem { model: model.to_string(), file: file.to_path_buf(), issue });
    }

    fn push(&mut self, severity: Severity, path: &FieldPath, message: String) {
        self.issues.push(SceneIssue {
            severity,
            file: self.file.to_path_buf(),
            pos: self.index.find(path),
            path: path.clone(),
            message,
        });
    }

    pub(crate) fn error(&mut self, path: &FieldPath, message: impl Into<String>) {
        self.push(Severity::Error, path, message.into());
    }

    pub(crate) fn warn(&mut self, path: &FieldPath, message: impl Into<String>) {
        self.push(Severity::Warning, path, message.into());
    }

    pub(crate) fn positive(&mut self, path: &FieldPath, v: f64) {
        if !(v.is_finite() && v > 0.0) {
            self.error(path, format!("expected a positive number, found {}", fmt_num(v)));
        }
    }

    pub(crate) fn non_negative(&mut self, path: &FieldPath, v: f64) {
        if !(v.is_finite() && v >= 0.0) {
            self.error(path, format!("expected zero or a positive number, found {}", fmt_num(v)));
        }
    }

    pub(crate) fn finite(&mut self, path: &FieldPath, v: f64) {
        if !v.is_finite() {
            self.error(path, format!("expected a finite number, found {}", fmt_num(v)));
        }
    }

    pub(crate) fn point(&mut self, path: &FieldPath, p: &[f64]) -> bool {
        let mut ok = true;
        for (k, v) in p.iter().enumerate() {
            if !v.is_finite() {
                self.error(&path.index(k), format!("expected a finite coordinate, found {}", fmt_num(*v)));
                ok = false;
            }
        }
        ok
    }

    pub(crate) fn text(&mut self, path: &FieldPath, s: &str, what: &str) {
        if s.trim().is_empty() {
            self.error(path, format!("{what} must not be empty"));
        }
    }

    pub(crate) fn polygon(&mut self, path: &FieldPath, pts: &[DVec2]) {
        if pts.len() < 3 {
            self.error(path, format!("a polygon needs at least 3 points, found {}", pts.len()));
            return;
        }
        let mut ok = true;
        for (i, p) in pts.iter().enumerate() {
            ok &= self.point(&path.index(i), &p.to_array());
        }
        if !ok {
            return;
        }
        for i in 0..pts.len() {
            let j = (i + 1) % pts.len();
            if geom::dist(pts[i], pts[j]) < 1e-6 {
                self.error(&path.index(j), format!("point {j} repeats point {i}"));
                return;
            }
        }
        if let Some((i, j)) = geom::self_intersection(pts) {
            self.error(path, format!("the polygon crosses itself (edge {i} meets edge {j})"));
        } else if geom::polygon_area(pts).abs() < 1e-6 {
            self.error(path, "the polygon has no area");
        }
    }

    pub(crate) fn polyline(&mut self, path: &FieldPath, pts: &[DVec2]) {
        if pts.len() < 2 {
            self.error(path, format!("a line needs at least 2 points, found {}", pts.len()));
            return;
        }
        for (i, p) in pts.iter().enumerate() {
            self.point(&path.index(i), &p.to_array());
        }
    }

    /// Runs every check; returns the summaries of models that imported cleanly.
    pub(super) fn run(&mut self, s: &SiteScene, checks: ModelChecks) -> BTreeMap<String, ModelSummary> {
        self.site(&s.site);
        let models = self.models(s, checks);
        self.objects(s, &models);
        self.sensors(s, &models);
        models
    }

    fn site(&mut self, site: &SiteInfo) {
        let p = FieldPath::root().field("site");
        self.text(&p.field("id"), &site.id, "the site id");
        self.text(&p.field("name"), &site.name, "the site name");
        let o = &site.origin;
        if !(o.lat_deg.is_finite() && (-90.0..=90.0).contains(&o.lat_deg)) {
            self.error(
                &p.field("origin").field("lat_deg"),
                format!("expected a latitude from -90 to 90, found {}", fmt_num(o.lat_deg)),
            );
        }
        if !(o.lon_deg.is_finite() && (-180.0..=180.0).contains(&o.lon_deg)) {
            self.error(
                &p.field("origin").field("lon_deg"),
                format!("expected a longitude from -180 to 180, found {}", fmt_num(o.lon_deg)),
            );
        }
        self.finite(&p.field("origin").field("elevation_m"), o.elevation_m);
        self.finite(&p.field("north_deg"), site.north_deg);
    }

    fn models(&mut self, s: &SiteScene, checks: ModelChecks) -> BTreeMap<String, ModelSummary> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut out = BTreeMap::new();
        for (i, m) in s.models.iter().enumerate() {
            let p = FieldPath::root().field("models").index(i);
            self.id(&p.field("id"), &m.id, &mut seen, i, "models");
            self.point(&p.field("position_m"), &m.position_m.to_array());
            self.finite(&p.field("yaw_deg"), m.yaw_deg);
            self.positive(&p.field("scale"), m.scale);
            let fp = p.field("file");
            let lower = m.file.to_ascii_lowercase();
            if !(lower.ends_with(".glb") || lower.ends_with(".gltf")) {
                self.error(&fp, format!("`{}` is not a .glb or .gltf file", m.file));
                continue;
            }
            if checks == ModelChecks::Skip {
                continue;
            }
            let path: PathBuf = self.dir.join(&m.file);
            if !path.is_file() {
                let msg = format!("model file `{}` does not exist (looked for {})", m.file, path.display());
                self.model_problem(checks, &fp, &m.id, &path, msg);
                continue;
            }
            if matches!(checks, ModelChecks::Import | ModelChecks::Lenient) {
                match model::import_file(&path) {
                    Ok(imported) if imported.summary.scene.is_none() => {
                        let msg =
                            format!("model `{}` defines no glTF scene, so the twin would show nothing of it", m.file);
                        self.model_problem(checks, &fp, &m.id, &path, msg);
                    }
                    Ok(imported) => {
                        out.insert(m.id.clone(), imported.summary);
                    }
                    Err(e) => {
                        let msg = format!("model `{}` cannot be imported: {}", m.file, e.cause);
                        self.model_problem(checks, &fp, &m.id, &path, msg);
                    }
                }
            }
        }
        out
    }

    fn id<'s>(&mut self, path: &FieldPath, id: &'s str, seen: &mut HashMap<&'s str, usize>, i: usize, list: &str) {
        if id.trim().is_empty() {
            self.error(path, "the id must not be empty");
            return;
        }
        if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            self.error(path, format!("the id `{id}` contains spaces or control characters"));
        }
        if let Some(first) = seen.get(id) {
            let first_path = FieldPath::root().field(list).index(*first);
            let at = self.index.find(&first_path).map(|p| format!(", line {}", p.line)).unwrap_or_default();
            self.error(path, format!("duplicate id `{id}` (first used by {first_path}{at})"));
        } else {
            seen.insert(id, i);
        }
    }

    fn model_ref(
        &mut self,
        path: &FieldPath,
        model: &Option<String>,
        s: &SiteScene,
        users: &mut HashMap<String, FieldPath>,
        owner: &FieldPath,
    ) {
        let Some(m) = model else { return };
        if s.model(m).is_none() {
            self.error(path, format!("no model with id `{m}` in `models`"));
            return;
        }
        if let Some(first) = users.get(m) {
            self.error(
                path,
                format!("model `{m}` is already drawn by {first}; give each object its own model instance"),
            );
        } else {
            users.insert(m.clone(), owner.clone());
        }
    }

    pub(crate) fn node_exists(
        &mut self,
        path: &FieldPath,
        model: &Option<String>,
        node: &str,
        models: &BTreeMap<String, ModelSummary>,
    ) {
        let Some(m) = model else { return };
        if let Some(summary) = models.get(m)
            && summary.node_named(node).is_none()
        {
            let names: Vec<&str> = summary.nodes.iter().filter_map(|n| n.name.as_deref()).take(12).collect();
            self.error(
                path,
                format!(
                    "model `{m}` has no node named `{node}` (it has: {})",
                    if names.is_empty() { "no named nodes".into() } else { names.join(", ") }
                ),
            );
        }
    }

    fn objects(&mut self, s: &SiteScene, models: &BTreeMap<String, ModelSummary>) {
        let root = FieldPath::root();
        let mut ids: HashMap<String, FieldPath> = HashMap::new();
        let mut users: HashMap<String, FieldPath> = HashMap::new();
        let objects = s.objects();
        for o in &objects {
            let path = o.path();
            let p = path.field("id");
            if o.id.trim().is_empty() {
                self.error(&p, "the id must not be empty");
            } else if o.id.chars().any(|c| c.is_whitespace() || c.is_control()) {
                self.error(&p, format!("the id `{}` contains spaces or control characters", o.id));
            } else if let Some(first) = ids.get(o.id) {
                let at = self.index.find(first).map(|p| format!(", line {}", p.line)).unwrap_or_default();
                self.error(&p, format!("duplicate id `{}` (first used by {first}{at})", o.id));
            } else {
                ids.insert(o.id.to_string(), path.clone());
            }
            self.text(&path.field("name"), o.name, "the name");
            let model = o.model.map(str::to_string);
            self.model_ref(&path.field("model"), &model, s, &mut users, &path);
        }
        if let Some(b) = &s.boundary {
            let p = root.field("boundary");
            self.polygon(&p.field("polygon_m"), &b.polygon_m);
            self.positive(&p.field("hoarding_height_m"), b.hoarding_height_m);
            self.model_ref(&p.field("model"), &b.model, s, &mut users, &p);
        }
        // Each kind checks its own fields (`kinds.rs`), in the table's order.
        let cx = CheckContext { scene: s, models, ids: &ids };
        for o in &objects {
            o.object().check(self, &o.path(), &cx);
        }
        // Objects standing outside the hoarding are probably misplaced (a sign slip in z, say).
        if let Some(b) = &s.boundary
            && b.polygon_m.len() >= 3
            && geom::self_intersection(&b.polygon_m).is_none()
        {
            for o in &objects {
                let Some(p) = o.object().stands_at_m() else { continue };
                if p.is_finite() && !geom::point_in_polygon(geom::plan(p), &b.polygon_m) {
                    self.warn(&o.path().field(o.object().stands_at_field()), "stands outside the site boundary");
                }
            }
        }
    }

    fn sensors(&mut self, s: &SiteScene, models: &BTreeMap<String, ModelSummary>) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, x) in s.sensors.iter().enumerate() {
            let p = FieldPath::root().field("sensors").index(i);
            self.id(&p.field("id"), &x.id, &mut seen, i, "sensors");
            self.point(&p.field("position_m"), &x.position_m.to_array());
            let units = x.kind.units();
            if !units.contains(&x.unit.as_str()) {
                let list = units.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ");
                self.error(&p.field("unit"), format!("unit `{}` does not fit {:?}; expected {list}", x.unit, x.kind));
            }
            let ap = p.field("anchor");
            match s.object(&x.anchor.object) {
                None => {
                    self.error(&ap.field("object"), format!("no object with id `{}` in this scene", x.anchor.object))
                }
                Some(o) => {
                    let allowed = x.kind.anchors();
                    if !allowed.is_empty() && !allowed.contains(&o.kind) {
                        self.error(
                            &ap.field("object"),
                            format!("a {:?} sensor cannot be mounted on `{}`, which is a {:?}", x.kind, o.id, o.kind),
                        );
                    }
                    if let Some(node) = &x.anchor.node {
                        match o.model {
                            None => self.error(
                                &ap.field("node"),
                                format!("`{}` has no model, so it has no node `{node}`", o.id),
                            ),
                            Some(m) => self.node_exists(&ap.field("node"), &Some(m.to_string()), node, models),
                        }
                    }
                }
            }
            if let Some(iv) = x.interval_s {
                self.positive(&p.field("interval_s"), iv);
            }
            if let Some([lo, hi]) = x.range
                && !(lo.is_finite() && hi.is_finite() && lo < hi)
            {
                self.error(
                    &p.field("range"),
                    format!("expected [min, max] with min < max, found [{}, {}]", fmt_num(lo), fmt_num(hi)),
                );
            }
        }
    }
}
