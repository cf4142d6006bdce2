//! Semantic checks of a decoded scene: dimensions, ids, references between objects, sensors and
//! models, and the models themselves (through the guarded importer). Every problem is collected.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::schema::*;
use super::{ModelChecks, ModelProblem, SceneIssue, Severity};
use crate::geom;
use crate::model::{self, ModelSummary};
use crate::rondoc::{FieldPath, PathIndex};

pub(super) struct Validator<'a> {
    file: &'a Path,
    dir: &'a Path,
    index: &'a PathIndex,
    issues: Vec<SceneIssue>,
    problems: Vec<ModelProblem>,
}

fn fmt_num(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{v}")
    }
}

impl<'a> Validator<'a> {
    pub fn new(file: &'a Path, dir: &'a Path, index: &'a PathIndex) -> Self {
        Self { file, dir, index, issues: Vec::new(), problems: Vec::new() }
    }

    /// The scene's problems, and (lenient checks) the models the twin opens without.
    pub fn into_issues(self) -> (Vec<SceneIssue>, Vec<ModelProblem>) {
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

    fn error(&mut self, path: &FieldPath, message: impl Into<String>) {
        self.push(Severity::Error, path, message.into());
    }

    fn warn(&mut self, path: &FieldPath, message: impl Into<String>) {
        self.push(Severity::Warning, path, message.into());
    }

    fn positive(&mut self, path: &FieldPath, v: f64) {
        if !(v.is_finite() && v > 0.0) {
            self.error(path, format!("expected a positive number, found {}", fmt_num(v)));
        }
    }

    fn non_negative(&mut self, path: &FieldPath, v: f64) {
        if !(v.is_finite() && v >= 0.0) {
            self.error(path, format!("expected zero or a positive number, found {}", fmt_num(v)));
        }
    }

    fn finite(&mut self, path: &FieldPath, v: f64) {
        if !v.is_finite() {
            self.error(path, format!("expected a finite number, found {}", fmt_num(v)));
        }
    }

    fn point(&mut self, path: &FieldPath, p: &[f64]) -> bool {
        let mut ok = true;
        for (k, v) in p.iter().enumerate() {
            if !v.is_finite() {
                self.error(&path.index(k), format!("expected a finite coordinate, found {}", fmt_num(*v)));
                ok = false;
            }
        }
        ok
    }

    fn text(&mut self, path: &FieldPath, s: &str, what: &str) {
        if s.trim().is_empty() {
            self.error(path, format!("{what} must not be empty"));
        }
    }

    fn polygon(&mut self, path: &FieldPath, pts: &[[f64; 2]]) {
        if pts.len() < 3 {
            self.error(path, format!("a polygon needs at least 3 points, found {}", pts.len()));
            return;
        }
        let mut ok = true;
        for (i, p) in pts.iter().enumerate() {
            ok &= self.point(&path.index(i), p);
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

    fn polyline(&mut self, path: &FieldPath, pts: &[[f64; 2]]) {
        if pts.len() < 2 {
            self.error(path, format!("a line needs at least 2 points, found {}", pts.len()));
            return;
        }
        for (i, p) in pts.iter().enumerate() {
            self.point(&path.index(i), p);
        }
    }

    /// Runs every check; returns the summaries of models that imported cleanly.
    pub fn run(&mut self, s: &SiteScene, checks: ModelChecks) -> BTreeMap<String, ModelSummary> {
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
            self.point(&p.field("position_m"), &m.position_m);
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

    fn node_exists(
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
        for o in s.objects() {
            let p = o.path.field("id");
            if o.id.trim().is_empty() {
                self.error(&p, "the id must not be empty");
            } else if o.id.chars().any(|c| c.is_whitespace() || c.is_control()) {
                self.error(&p, format!("the id `{}` contains spaces or control characters", o.id));
            } else if let Some(first) = ids.get(o.id) {
                let at = self.index.find(first).map(|p| format!(", line {}", p.line)).unwrap_or_default();
                self.error(&p, format!("duplicate id `{}` (first used by {first}{at})", o.id));
            } else {
                ids.insert(o.id.to_string(), o.path.clone());
            }
            self.text(&o.path.field("name"), o.name, "the name");
            let model = o.model.map(str::to_string);
            self.model_ref(&o.path.field("model"), &model, s, &mut users, &o.path);
        }
        if let Some(b) = &s.boundary {
            let p = root.field("boundary");
            self.polygon(&p.field("polygon_m"), &b.polygon_m);
            self.positive(&p.field("hoarding_height_m"), b.hoarding_height_m);
            self.model_ref(&p.field("model"), &b.model, s, &mut users, &p);
        }
        for (i, c) in s.cranes.iter().enumerate() {
            let p = root.field("cranes").index(i);
            self.point(&p.field("position_m"), &c.position_m);
            self.positive(&p.field("mast_height_m"), c.mast_height_m);
            self.positive(&p.field("jib_length_m"), c.jib_length_m);
            self.positive(&p.field("counter_jib_length_m"), c.counter_jib_length_m);
            self.rating(&p.field("rating"), &c.rating, c.jib_length_m);
            let n = p.field("nodes");
            self.node_exists(&n.field("slewing"), &c.model, &c.nodes.slewing, models);
            self.node_exists(&n.field("trolley"), &c.model, &c.nodes.trolley, models);
            self.node_exists(&n.field("hook"), &c.model, &c.nodes.hook, models);
        }
        for (i, h) in s.hoists.iter().enumerate() {
            let p = root.field("hoists").index(i);
            self.point(&p.field("position_m"), &h.position_m);
            self.positive(&p.field("mast_height_m"), h.mast_height_m);
            self.positive(&p.field("rated_load_kg"), h.rated_load_kg);
            if !(1..=2).contains(&h.cages) {
                self.error(&p.field("cages"), format!("expected 1 or 2 cages, found {}", h.cages));
            }
            self.node_exists(&p.field("cage_node"), &h.model, &h.cage_node, models);
        }
        for (i, x) in s.pits.iter().enumerate() {
            self.pit(&root.field("pits").index(i), x);
        }
        let structure_ids: Vec<&str> = s.structures.iter().map(|x| x.id.as_str()).collect();
        let check_structure = |v: &mut Self, path: &FieldPath, r: &Option<String>| {
            if let Some(r) = r
                && !structure_ids.contains(&r.as_str())
            {
                v.error(path, format!("no structure with id `{r}`"));
            }
        };
        for (i, x) in s.formwork.iter().enumerate() {
            let p = root.field("formwork").index(i);
            self.polygon(&p.field("outline_m"), &x.outline_m);
            self.finite(&p.field("base_elevation_m"), x.base_elevation_m);
            self.positive(&p.field("support_height_m"), x.support_height_m);
            self.positive(&p.field("max_span_m"), x.max_span_m);
            self.non_negative(&p.field("area_load_kn_m2"), x.area_load_kn_m2);
            self.non_negative(&p.field("line_load_kn_m"), x.line_load_kn_m);
            self.positive(&p.field("post_spacing_m"), x.post_spacing_m);
            check_structure(self, &p.field("structure"), &x.structure);
        }
        for (i, x) in s.scaffolds.iter().enumerate() {
            let p = root.field("scaffolds").index(i);
            self.polyline(&p.field("path_m"), &x.path_m);
            self.positive(&p.field("height_m"), x.height_m);
            self.finite(&p.field("base_elevation_m"), x.base_elevation_m);
            match x.kind {
                ScaffoldKind::Cantilevered { section_height_m } => {
                    self.positive(&p.field("kind").field("section_height_m"), section_height_m)
                }
                ScaffoldKind::AttachedLifting { lift_height_m } => {
                    self.positive(&p.field("kind").field("lift_height_m"), lift_height_m)
                }
                _ => {}
            }
            check_structure(self, &p.field("structure"), &x.structure);
        }
        for (i, x) in s.structures.iter().enumerate() {
            let p = root.field("structures").index(i);
            self.polygon(&p.field("footprint_m"), &x.footprint_m);
            if x.floors_total == 0 {
                self.error(&p.field("floors_total"), "expected at least 1 storey, found 0");
            }
            if x.floors_built > x.floors_total {
                self.error(
                    &p.field("floors_built"),
                    format!("{} storeys built but only {} planned", x.floors_built, x.floors_total),
                );
            }
            self.positive(&p.field("floor_height_m"), x.floor_height_m);
            self.finite(&p.field("base_elevation_m"), x.base_elevation_m);
        }
        self.boxes(s, &ids);
        for (i, x) in s.gates.iter().enumerate() {
            let p = root.field("gates").index(i);
            self.point(&p.field("position_m"), &x.position_m);
            self.positive(&p.field("width_m"), x.width_m);
            self.finite(&p.field("yaw_deg"), x.yaw_deg);
        }
        for (i, x) in s.facilities.iter().enumerate() {
            let p = root.field("facilities").index(i);
            self.point(&p.field("position_m"), &x.position_m);
            self.positive(&p.field("size_m").index(0), x.size_m[0]);
            self.positive(&p.field("size_m").index(1), x.size_m[1]);
            if let Some(h) = x.height_m {
                self.positive(&p.field("height_m"), h);
            }
            self.finite(&p.field("yaw_deg"), x.yaw_deg);
        }
        for (i, x) in s.walkways.iter().enumerate() {
            let p = root.field("walkways").index(i);
            self.polyline(&p.field("points_m"), &x.points_m);
            self.positive(&p.field("width_m"), x.width_m);
        }
        // Objects standing outside the hoarding are probably misplaced (a sign slip in z, say).
        if let Some(b) = &s.boundary
            && b.polygon_m.len() >= 3
            && geom::self_intersection(&b.polygon_m).is_none()
        {
            let standing: Vec<(FieldPath, [f64; 3])> = s
                .cranes
                .iter()
                .enumerate()
                .map(|(i, c)| (root.field("cranes").index(i), c.position_m))
                .chain(s.hoists.iter().enumerate().map(|(i, h)| (root.field("hoists").index(i), h.position_m)))
                .chain(
                    s.distribution_boxes
                        .iter()
                        .enumerate()
                        .map(|(i, h)| (root.field("distribution_boxes").index(i), h.position_m)),
                )
                .chain(s.facilities.iter().enumerate().map(|(i, h)| (root.field("facilities").index(i), h.position_m)))
                .collect();
            for (path, p) in standing {
                if p.iter().all(|v| v.is_finite()) && !geom::point_in_polygon([p[0], p[2]], &b.polygon_m) {
                    self.warn(&path.field("position_m"), "stands outside the site boundary");
                }
            }
        }
    }

    fn rating(&mut self, p: &FieldPath, r: &CraneRating, jib_length_m: f64) {
        match r {
            CraneRating::MaxLoadMoment { max_load_t, rated_moment_kn_m } => {
                self.positive(&p.field("max_load_t"), *max_load_t);
                self.positive(&p.field("rated_moment_kn_m"), *rated_moment_kn_m);
            }
            CraneRating::LoadChart(points) => {
                if points.len() < 2 {
                    self.error(p, format!("a load chart needs at least 2 points, found {}", points.len()));
                }
                let mut prev: Option<LoadPoint> = None;
                for (i, pt) in points.iter().enumerate() {
                    let q = p.index(0).index(i);
                    self.positive(&q.field("radius_m"), pt.radius_m);
                    self.positive(&q.field("load_t"), pt.load_t);
                    if jib_length_m.is_finite() && jib_length_m > 0.0 && pt.radius_m > jib_length_m + 1e-6 {
                        self.error(
                            &q.field("radius_m"),
                            format!("radius {} m is beyond the {} m jib", pt.radius_m, jib_length_m),
                        );
                    }
                    if let Some(pr) = prev {
                        if pt.radius_m <= pr.radius_m {
                            self.error(
                                &q.field("radius_m"),
                                format!("radii must increase: {} m follows {} m", pt.radius_m, pr.radius_m),
                            );
                        }
                        if pt.load_t > pr.load_t {
                            self.error(
                                &q.field("load_t"),
                                format!(
                                    "rated load rises from {} t to {} t further out; a load chart never rises",
                                    pr.load_t, pt.load_t
                                ),
                            );
                        }
                    }
                    prev = Some(*pt);
                }
            }
        }
    }

    fn pit(&mut self, p: &FieldPath, x: &FoundationPit) {
        self.polygon(&p.field("outline_m"), &x.outline_m);
        self.finite(&p.field("top_elevation_m"), x.top_elevation_m);
        self.positive(&p.field("depth_m"), x.depth_m);
        if !(1..=3).contains(&x.safety_grade) {
            self.error(&p.field("safety_grade"), format!("expected safety grade 1, 2 or 3, found {}", x.safety_grade));
        }
        let sp = p.field("support");
        match x.support {
            PitSupport::RetainingPiles { pile_diameter_m, pile_spacing_m } => {
                self.positive(&sp.field("pile_diameter_m"), pile_diameter_m);
                self.positive(&sp.field("pile_spacing_m"), pile_spacing_m);
                if pile_spacing_m.is_finite() && pile_diameter_m.is_finite() && pile_spacing_m < pile_diameter_m {
                    self.error(
                        &sp.field("pile_spacing_m"),
                        format!("piles of {pile_diameter_m} m at {pile_spacing_m} m centres would overlap"),
                    );
                }
            }
            PitSupport::DiaphragmWall { thickness_m } | PitSupport::CementSoilWall { thickness_m } => {
                self.positive(&sp.field("thickness_m"), thickness_m)
            }
            PitSupport::Slope { run_per_rise } => self.positive(&sp.field("run_per_rise"), run_per_rise),
            PitSupport::SoilNailWall | PitSupport::SheetPiles => {}
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, st) in x.struts.iter().enumerate() {
            let q = p.field("struts").index(i);
            if let Some(first) = seen.get(st.id.as_str()) {
                self.error(&q.field("id"), format!("duplicate strut id `{}` (first used by struts[{first}])", st.id));
            } else {
                seen.insert(&st.id, i);
            }
            self.point(&q.field("from_m"), &st.from_m);
            self.point(&q.field("to_m"), &st.to_m);
            self.positive(&q.field("design_force_kn"), st.design_force_kn);
            if !(st.depth_m.is_finite() && st.depth_m >= 0.0 && st.depth_m < x.depth_m) {
                self.error(
                    &q.field("depth_m"),
                    format!("expected a depth from 0 to the pit's {} m, found {}", x.depth_m, fmt_num(st.depth_m)),
                );
            }
        }
    }

    fn boxes(&mut self, s: &SiteScene, ids: &HashMap<String, FieldPath>) {
        let levels: HashMap<&str, BoxLevel> = s.distribution_boxes.iter().map(|b| (b.id.as_str(), b.level)).collect();
        for (i, b) in s.distribution_boxes.iter().enumerate() {
            let p = FieldPath::root().field("distribution_boxes").index(i);
            self.point(&p.field("position_m"), &b.position_m);
            self.positive(&p.field("rcd_rated_ma"), b.rcd_rated_ma);
            self.positive(&p.field("rcd_trip_time_s"), b.rcd_trip_time_s);
            let expected_parent = match b.level {
                BoxLevel::Main => None,
                BoxLevel::Sub => Some(BoxLevel::Main),
                BoxLevel::Switch => Some(BoxLevel::Sub),
            };
            let fp = p.field("feeds_from");
            match (&b.feeds_from, expected_parent) {
                (Some(_), None) => self.error(&fp, "a main box is fed by the supply, not by another box"),
                (None, Some(want)) => {
                    self.error(&fp, format!("a {:?} box must name the {want:?} box that feeds it", b.level))
                }
                (Some(f), Some(want)) => match levels.get(f.as_str()) {
                    None => self.error(&fp, format!("no distribution box with id `{f}`")),
                    Some(l) if *l != want => self.error(
                        &fp,
                        format!(
                            "`{f}` is a {l:?} box; a {:?} box is fed from a {want:?} box (three-level distribution)",
                            b.level
                        ),
                    ),
                    Some(_) => {}
                },
                (None, None) => {}
            }
            if let Some(sv) = &b.serves
                && !ids.contains_key(sv)
            {
                self.error(&p.field("serves"), format!("no object with id `{sv}`"));
            }
        }
    }

    fn sensors(&mut self, s: &SiteScene, models: &BTreeMap<String, ModelSummary>) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let objects = s.objects();
        for (i, x) in s.sensors.iter().enumerate() {
            let p = FieldPath::root().field("sensors").index(i);
            self.id(&p.field("id"), &x.id, &mut seen, i, "sensors");
            self.point(&p.field("position_m"), &x.position_m);
            let units = x.kind.units();
            if !units.contains(&x.unit.as_str()) {
                let list = units.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ");
                self.error(&p.field("unit"), format!("unit `{}` does not fit {:?}; expected {list}", x.unit, x.kind));
            }
            let ap = p.field("anchor");
            match objects.iter().find(|o| o.id == x.anchor.object) {
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
