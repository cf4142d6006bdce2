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
    ("ui.objects", "场地对象", "Site objects"),
    ("ui.search", "搜索名称或编号…", "Search name or id…"),
    ("ui.no_match", "没有匹配的对象", "No matching objects"),
    ("ui.fit_site", "全场", "Fit site"),
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
    (
        "ui.help",
        "左键拖动旋转 · 右键拖动平移 · 滚轮缩放 · F 全场",
        "Left-drag orbit · right-drag pan · wheel zoom · F fit",
    ),
    ("ui.model_missing", "模型未加载", "model not loaded"),
    ("ui.loading", "正在加载模型…", "Loading models…"),
    ("ui.count", "个", ""),
    ("ui.unconfirmed", "未确认", "unconfirmed"),
    ("ui.hazard_class", "危大工程分类", "Major-hazard class"),
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
    use super::*;
    use crate::scene::{self, ModelChecks, ParamValue};

    #[test]
    fn every_kind_and_parameter_of_the_demo_has_both_labels() {
        for k in SensorKind::ALL {
            assert!(has(&format!("sensor.{k:?}")), "{k:?}");
        }
        let d = scene::load(&crate::testutil::repo().join("scenes/demo.ron"), ModelChecks::Skip).unwrap();
        for o in d.scene.objects() {
            assert!(has(&object_kind_key(o.kind)), "{:?}", o.kind);
            for p in d.scene.params(o.id) {
                assert!(has(p.key), "{}", p.key);
                if let ParamValue::Term(t) = &p.value {
                    assert!(has(t), "{t}");
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

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<&str> = labels().map(|(k, _, _)| k).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(n, keys.len());
    }
}
