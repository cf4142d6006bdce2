//! zh-CN and English labels for everything the twin shows: object and sensor kinds, parameters,
//! vocabulary terms and UI strings. Chinese is the default; users switch to English in the UI or
//! with `--lang en`. Labels shared by many kinds and the UI live here; an object kind's name and
//! the vocabulary only it uses live in its row of `scene::KINDS`, and are found through the same
//! functions.

use crate::scene::{KINDS, ObjectKind, SensorKind};

/// Display language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Simplified Chinese (default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Parses `zh`, `zh-CN`, `en`, `en-US` and the like.
    pub fn parse(s: &str) -> Option<Lang> {
        let l = s.to_ascii_lowercase();
        if l.starts_with("zh") {
            Some(Lang::Zh)
        } else if l.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

/// (key, 中文, English).
const TABLE: &[(&str, &str, &str)] = &[
    // UI
    ("app.title", "sitetwin 工地安全数字孪生", "sitetwin construction-site safety twin"),
    ("ui.search", "搜索名称或编号…", "Search name or id…"),
    ("ui.no_match", "没有匹配的对象", "No matching objects"),
    ("ui.views", "视角", "Views"),
    ("ui.view.overview", "总览", "Overview"),
    ("ui.view.top", "俯视", "Top"),
    ("ui.legend", "图例", "Legend"),
    ("ui.sensors", "传感器", "Sensors"),
    ("ui.params", "参数", "Parameters"),
    ("ui.kind", "类型", "Kind"),
    ("ui.id", "编号", "ID"),
    ("ui.unit", "单位", "Unit"),
    ("ui.mounted_on", "安装于", "Mounted on"),
    ("ui.interval", "上报间隔", "Report interval"),
    ("ui.range", "量程", "Range"),
    ("ui.position", "位置", "Position"),
    ("ui.device", "设备编号", "Device ID"),
    ("ui.close", "关闭", "Close"),
    ("ui.select_hint", "点击模型或列表中的对象查看详情", "Click an object in the twin or the list for details"),
    ("ui.address", "地址", "Address"),
    ("ui.contractor", "施工单位", "Contractor"),
    ("ui.supervisor", "监理单位", "Supervisor"),
    ("ui.labels", "标签", "Labels"),
    ("ui.swing_circles", "回转半径", "Swing circles"),
    ("ui.model_missing", "模型未加载", "model not loaded"),
    ("ui.hazard_class", "危大工程分类", "Major-hazard class"),
    ("ui.objects", "个对象", "objects"),
    ("ui.status.sensors", "个传感器", "sensors"),
    ("ui.status.object", "个对象", "object"),
    ("ui.status.sensor", "个传感器", "sensor"),
    ("ui.menu.file", "文件", "File"),
    ("ui.menu.open", "打开场景文件…", "Open scene file…"),
    ("ui.menu.sites", "选择场地…", "Choose a site…"),
    ("ui.menu.reload", "重新加载", "Reload"),
    ("ui.picker.title", "选择场地", "Choose a site"),
    ("ui.picker.scenes", "场景目录中的场地", "Sites in the scene folders"),
    ("ui.picker.recent", "最近打开的场地", "Opened before"),
    ("ui.picker.open", "打开", "Open"),
    ("ui.picker.rescan", "刷新", "Rescan"),
    ("ui.picker.current", "当前", "current"),
    ("ui.picker.none", "没有找到场景文件", "No scene files found"),
    ("ui.files.title", "打开场景文件", "Open a scene file"),
    ("ui.files.up", "上一级", "Up"),
    ("ui.files.go", "转到", "Go"),
    ("ui.files.none", "此文件夹中没有场景文件（.ron）", "No scene files (.ron) in this folder"),
    ("ui.files.unreadable", "无法读取此文件夹", "Cannot read this folder"),
    ("ui.files.cancel", "取消", "Cancel"),
    ("ui.files.missing", "找不到此文件或文件夹", "No such file or folder"),
    ("ui.files.not_scene", "不是场景文件（.ron）", "Not a scene file (.ron)"),
    ("ui.load.title", "正在打开场地", "Opening site"),
    ("ui.load.reading", "正在读取并检查场景文件…", "Reading and checking the scene file…"),
    ("ui.load.spawning", "正在生成场地对象…", "Creating the site's objects…"),
    ("ui.load.models", "正在加载模型", "Loading models"),
    ("ui.error.title", "场景文件无法打开", "The scene file cannot be opened"),
    (
        "ui.error.hint",
        "修改场景文件后点击重试，或打开其他场地。",
        "Fix the scene file and retry, or open another site.",
    ),
    ("ui.error.retry", "重试", "Retry"),
    ("ui.error.count", "处错误", "errors"),
    ("ui.error.one", "处错误", "error"),
    (
        "ui.error.kept",
        "此场景文件无法打开，原来的场地保持不变。",
        "This scene file cannot be opened; the site that was open stays.",
    ),
    ("ui.mode.failed", "无法打开", "Cannot open"),
    ("ui.status.source", "数据源", "Data source"),
    ("ui.status.problems", "问题", "Problems"),
    ("ui.source.static", "静态场景（无实时数据）", "static scene (no live data)"),
    ("ui.mode.loading", "加载中", "Loading"),
    ("ui.mode.twin", "孪生", "Twin"),
    ("ui.problems.title", "问题", "Problems"),
    ("ui.problems.none", "没有问题", "No problems"),
    ("ui.problems.warning", "警告", "Warning"),
    ("ui.problems.runtime", "渲染器无法加载模型", "The renderer could not load the model"),
    ("ui.live.latest", "最新读数", "Latest reading"),
    ("ui.live.level", "状态", "Status"),
    ("ui.live.no_data", "无数据（静态场景）", "No data (static scene)"),
    ("level.normal", "正常", "Normal"),
    ("level.warning", "预警", "Warning"),
    ("level.alarm", "报警", "Alarm"),
    ("level.control", "控制", "Control"),
    // Sensor groups
    ("group.Crane", "塔吊监控", "Tower crane"),
    ("group.Hoist", "升降机监控", "Hoist"),
    ("group.Pit", "基坑监测", "Foundation pit"),
    ("group.Formwork", "高支模监测", "High formwork"),
    ("group.Environment", "扬尘噪声气象", "Dust, noise, weather"),
    ("group.Electricity", "临时用电", "Temporary electricity"),
    // Object tree groups of more than one kind (a kind's own label lives in its `KINDS` row)
    ("tree.access", "大门与通道", "Gates and walkways"),
    // Sensor kinds
    ("sensor.CraneLoad", "起重量", "Load"),
    ("sensor.CraneMoment", "力矩", "Load moment"),
    ("sensor.WindSpeed", "风速", "Wind speed"),
    ("sensor.WindDirection", "风向", "Wind direction"),
    ("sensor.SlewAngle", "回转角度", "Slew angle"),
    ("sensor.TrolleyRadius", "幅度", "Trolley radius"),
    ("sensor.HookHeight", "吊钩高度", "Hook height"),
    ("sensor.CraneTilt", "塔身倾角", "Tower tilt"),
    ("sensor.CraneClearance", "防碰撞距离", "Anti-collision clearance"),
    ("sensor.HoistLoad", "升降机载重", "Cage load"),
    ("sensor.HoistDoor", "门联锁", "Door interlock"),
    ("sensor.HoistLimit", "限位开关", "Limit switches"),
    ("sensor.PitHorizontalDisplacement", "水平位移", "Horizontal displacement"),
    ("sensor.PitVerticalDisplacement", "竖向位移", "Vertical displacement"),
    ("sensor.PitDeepDisplacement", "深层水平位移", "Deep horizontal displacement"),
    ("sensor.StrutForce", "支撑轴力", "Strut force"),
    ("sensor.GroundwaterLevel", "地下水位", "Groundwater level"),
    ("sensor.FormworkSettlement", "模板沉降", "Formwork settlement"),
    ("sensor.FormworkTilt", "立杆倾角", "Post tilt"),
    ("sensor.PostAxialForce", "立杆轴力", "Post axial force"),
    ("sensor.FormworkHorizontalDisplacement", "支架水平位移", "Support horizontal displacement"),
    ("sensor.Pm25", "PM2.5", "PM2.5"),
    ("sensor.Pm10", "PM10", "PM10"),
    ("sensor.Tsp", "总悬浮颗粒物", "TSP"),
    ("sensor.Noise", "噪声", "Noise"),
    ("sensor.LeakageCurrent", "剩余电流", "Residual current"),
    ("sensor.RcdTripTime", "漏保动作时间", "RCD trip time"),
    ("sensor.CabinetTemperature", "箱体温度", "Cabinet temperature"),
    ("sensor.LoadCurrent", "负荷电流", "Load current"),
    // Parameters
    ("param.mast_height", "塔身高度", "Mast height"),
    ("param.device_id", "设备编号", "Device ID"),
    ("param.area", "面积", "Area"),
    ("param.height", "高度", "Height"),
    ("param.length", "长度", "Length"),
    ("param.width", "宽度", "Width"),
    ("param.base_elevation", "底标高", "Base elevation"),
    ("param.structure", "所属建筑", "Structure"),
    // Support parameters shared by high-formwork zones and full-hall load-bearing supports
    ("param.support_height", "搭设高度", "Support height"),
    ("param.system", "支架体系", "Support system"),
    ("system.FastenerTube", "扣件式钢管", "Tube and coupler"),
    ("system.DiscLock", "盘扣式", "Disc-lock"),
    ("system.BowlBuckle", "碗扣式", "Bowl-buckle"),
    ("system.Portal", "门式", "Portal frame"),
];

/// Every label: the shared table, then each object kind's own (its name and vocabulary, in
/// [`KINDS`]).
fn labels() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    let kinds = KINDS.iter().flat_map(|k| std::iter::once(&k.label).chain(k.vocabulary)).map(|l| (l.key, l.zh, l.en));
    TABLE.iter().copied().chain(kinds)
}

fn find(lang: Lang, key: &str) -> Option<&'static str> {
    labels().find(|(k, _, _)| *k == key).map(|(_, zh, en)| match lang {
        Lang::Zh => zh,
        Lang::En => en,
    })
}

/// The label for `key` in `lang`; the key itself when it is unknown (so gaps show, not vanish).
pub fn tr(lang: Lang, key: &str) -> &str {
    find(lang, key).unwrap_or(key)
}

/// True when `key` has labels.
pub fn has(key: &str) -> bool {
    labels().any(|(k, _, _)| k == key)
}

/// The i18n key of an object kind: its row's label, or for a facility its sub-kind's.
pub fn object_kind_key(kind: ObjectKind) -> String {
    match kind {
        ObjectKind::Facility(f) => format!("kind.{f:?}"),
        other => other.spec().map(|k| k.label.key.to_string()).unwrap_or_else(|| format!("kind.{other:?}")),
    }
}

/// An object kind's label.
pub fn object_kind(lang: Lang, kind: ObjectKind) -> &'static str {
    find(lang, &object_kind_key(kind)).unwrap_or("?")
}

/// A sensor kind's label.
pub fn sensor_kind(lang: Lang, kind: SensorKind) -> &'static str {
    find(lang, &format!("sensor.{kind:?}")).unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::scene::{self, ModelChecks, ParamValue};

    #[test]
    fn every_kind_and_parameter_of_every_scene_has_both_labels() {
        for k in SensorKind::ALL {
            assert!(has(&format!("sensor.{k:?}")), "{k:?}");
        }
        for file in crate::modelgen::scene_files(&crate::testutil::repo().join("scenes")).unwrap() {
            let d = scene::load(&file, ModelChecks::Skip).unwrap();
            for o in d.scene.objects() {
                assert!(has(&object_kind_key(o.kind)), "{:?}", o.kind);
                for p in d.scene.params(o.id) {
                    assert!(has(p.key), "{}: {}", file.display(), p.key);
                    if let ParamValue::Term(t) = &p.value {
                        assert!(has(t), "{}: {t}", file.display());
                    }
                }
            }
        }
        assert_eq!(tr(Lang::En, "kind.TowerCrane"), "Tower crane");
        assert_eq!(object_kind(Lang::Zh, ObjectKind::TowerCrane), "塔式起重机");
        assert_eq!(tr(Lang::Zh, "no.such.key"), "no.such.key");
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }

    #[test]
    fn every_sensor_group_has_labels() {
        for g in crate::scene::SensorGroup::ALL {
            assert!(has(&format!("group.{g:?}")), "{g:?}");
        }
    }

    /// Source files that are not tests, with inline test modules cut off.
    fn non_test_sources() -> Vec<(std::path::PathBuf, String)> {
        let root = crate::testutil::repo();
        let mut files = crate::testutil::files_with(&root.join("src"), &[".rs"]);
        files.extend(crate::testutil::files_with(&root.join("crates"), &[".rs"]));
        files
            .into_iter()
            .filter(|f| f.file_name().is_some_and(|n| n != "tests.rs" && n != "testutil.rs"))
            .map(|f| {
                let text = std::fs::read_to_string(&f).unwrap();
                let mut code = text.split("#[cfg(test)]").next().unwrap_or_default().to_string();
                // The table names every key; only uses count.
                if let Some(start) = code.find("const TABLE")
                    && let Some(len) = code[start..].find("\n];")
                {
                    code.replace_range(start..start + len, "");
                }
                (f, code)
            })
            .collect()
    }

    /// The variants of `pub enum name` in the scene schema, read from its source.
    fn schema_variants(name: &str) -> Vec<String> {
        let text = std::fs::read_to_string(crate::testutil::repo().join("crates/core/src/scene/schema.rs")).unwrap();
        let start = text.find(&format!("pub enum {name} {{")).unwrap_or_else(|| panic!("no enum {name}"));
        let mut depth = 0;
        let mut out = Vec::new();
        for line in text[start..].lines() {
            let t = line.trim();
            if t.starts_with("//") {
                continue;
            }
            if depth == 1 && t.starts_with(|c: char| c.is_ascii_uppercase()) {
                out.push(t.chars().take_while(|c| c.is_ascii_alphanumeric()).collect());
            }
            depth += t.matches('{').count() as i32 - t.matches('}').count() as i32;
            if depth == 0 && !out.is_empty() {
                break;
            }
        }
        out
    }

    #[test]
    fn every_key_is_used_and_every_used_key_has_labels() {
        // Keys built at run time from an enum: prefix, and the schema enums whose variants name them.
        let families: &[(&str, &[&str])] = &[
            ("kind", &["FacilityKind"]),
            ("sensor", &["SensorKind"]),
            ("group", &["SensorGroup"]),
            ("support", &["PitSupport"]),
            ("system", &["SupportSystem"]),
            ("scaffold", &["ScaffoldKind"]),
            ("box", &["BoxLevel"]),
        ];
        let prefixes: BTreeSet<&str> = labels().filter_map(|(k, _, _)| k.split('.').next()).collect();
        let (mut literal, mut dynamic) = (BTreeMap::new(), BTreeSet::new());
        for (file, code) in non_test_sources() {
            for p in &prefixes {
                let open = format!("\"{p}.");
                for (i, _) in code.match_indices(&open) {
                    // A label's own definition in the object-kind table is not a use.
                    if code[..i].ends_with("label(") {
                        continue;
                    }
                    let rest = &code[i + open.len()..];
                    let n = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.').count();
                    match rest[n..].chars().next() {
                        Some('"') => {
                            literal.entry(format!("{p}.{}", &rest[..n])).or_insert_with(|| file.clone());
                        }
                        Some('{') if n == 0 => {
                            dynamic.insert(p.to_string());
                        }
                        _ => {}
                    }
                }
            }
        }
        let family_names: BTreeSet<String> = families.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(
            dynamic, family_names,
            "keys built with format! from prefixes the test does not know, or stale ones"
        );
        let mut expected: BTreeSet<String> = literal.keys().cloned().collect();
        for (prefix, enums) in families {
            for e in *enums {
                for v in schema_variants(e) {
                    expected.insert(format!("{prefix}.{v}"));
                }
            }
        }
        // Each kind's own name is used through its row (`object_kind_key`).
        expected.extend(KINDS.iter().map(|k| k.label.key.to_string()));
        let table: BTreeSet<String> = labels().map(|(k, _, _)| k.to_string()).collect();
        let unused: Vec<_> = table.difference(&expected).collect();
        let missing: Vec<_> = expected
            .difference(&table)
            .map(|k| format!("{k} ({})", literal.get(k).map_or("a schema variant".into(), |f| f.display().to_string())))
            .collect();
        assert!(unused.is_empty(), "labels no code uses: {unused:?}");
        assert!(missing.is_empty(), "keys used without labels: {missing:?}");
        assert!(literal.contains_key("ui.view.overview") && literal.contains_key("param.jib_length"), "{literal:?}");
        assert!(schema_variants("FacilityKind").contains(&"DustMonitorMast".to_string()));
    }

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<&str> = labels().map(|(k, _, _)| k).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(n, keys.len());
    }
}
