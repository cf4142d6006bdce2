//! zh-CN and English labels for everything the twin shows: object and sensor kinds, parameters,
//! vocabulary terms and UI strings. Chinese is the default; users switch to English in the UI or
//! with `--lang en`. Labels shared by many kinds and the UI live here; an object kind's name and
//! the vocabulary only it uses live in its row of `scene::KINDS`, and are found through the same
//! functions.

use crate::rules::alarm::AlarmStatus;
use crate::rules::chart::LineNote;
use crate::rules::stoppage::{Activity, AlertLevel, Duty, DutyStatus, Exemption, FindingKind, Status, StopReason};
use crate::rules::{self, Level, Quality, RuleSet};
use crate::scene::{KINDS, ObjectKind, SensorKind};
use serde::{Deserialize, Serialize};

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

/// A text the core writes for people, in both of the UI's languages: a duty's evidence, a
/// hazard class's reason, a checkpoint's reason. The UI shows the one it speaks; reports and the
/// JSON outputs keep both (`{"zh": …, "en": …}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Bilingual {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Bilingual {
    /// The text in Chinese and in English.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { zh: zh.into(), en: en.into() }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
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
    // Live data, alarms, time and history (the twin's live panels)
    ("ui.seed", "随机种子", "seed"),
    ("ui.readings", "条数据", "readings"),
    ("ui.source.sim", "模拟数据", "simulated"),
    ("ui.source.replay", "回放", "replay"),
    ("ui.source.gateway", "网关", "gateway"),
    ("ui.health.playing", "播放中", "playing"),
    ("ui.health.paused", "已暂停", "paused"),
    ("ui.health.ended", "已播放完", "ended"),
    ("ui.health.connecting", "连接中", "connecting"),
    ("ui.health.live", "实时", "live"),
    ("ui.health.failed", "故障", "failed"),
    ("ui.health.unhealthy", "连接中断", "disconnected"),
    ("ui.data_age", "数据延迟", "data age"),
    ("ui.patrol", "巡查", "Patrol"),
    ("ui.patrol.planning", "正在规划巡查路线…", "Planning the patrol…"),
    ("ui.patrol.failed", "巡查无法规划", "The patrol could not be planned"),
    ("ui.patrol.progress", "已检", "checked"),
    ("ui.patrol.walked", "已走", "walked"),
    ("ui.patrol.point", "检查点", "Point"),
    ("ui.patrol.arrive", "到达", "Arrives"),
    ("ui.patrol.not_seen", "视线受阻", "not seen"),
    ("ui.patrol.findings", "发现问题", "Findings"),
    ("ui.patrol.events", "路线变化", "Route changes"),
    ("ui.patrol.left_out", "未纳入", "Left out"),
    ("ui.patrol.score", "JGJ 59 评分", "JGJ 59 score"),
    ("ui.patrol.walking", "行走中", "walking"),
    ("ui.patrol.checking", "检查中", "checking"),
    ("ui.patrol.waiting", "等待中", "waiting"),
    ("ui.patrol.done", "已返回", "back"),
    ("ui.rehearse", "第一人称演练", "First-person rehearsal"),
    ("ui.rehearse.start", "亲自走一遍（第一人称演练）", "Walk it yourself (first-person rehearsal)"),
    (
        "ui.rehearse.keys",
        "WASD/方向键 行走 · Shift 快走 · Q/E 或右键拖动 转向 · Esc 结束",
        "WASD/arrows walk · Shift hurry · Q/E or right-drag turn · Esc ends",
    ),
    ("ui.rehearse.elapsed", "用时", "Time"),
    ("ui.rehearse.planned", "计划", "planned"),
    ("ui.rehearse.reached", "已到", "reached"),
    ("ui.rehearse.next", "下一个", "Next"),
    ("ui.rehearse.back", "返回起点", "Back to the start"),
    ("ui.rehearse.no_way", "前方通道已封闭：等待解除或另寻路线", "The way is closed now: wait, or find another way"),
    ("ui.rehearse.in_closed", "您在封闭的危险区域内，请立即离开", "You are inside a closed hazard zone: leave it"),
    ("ui.rehearse.in_costly", "您在危险区域边缘", "You are in a hazard band"),
    ("ui.rehearse.checklist", "检查清单", "Checklist"),
    ("ui.rehearse.ok", "合格", "OK"),
    ("ui.rehearse.not_ok", "不合格", "Not OK"),
    ("ui.rehearse.note", "情况说明", "What was seen"),
    ("ui.rehearse.live_here", "此处监测", "Monitoring here"),
    ("ui.rehearse.dwell", "停留", "At the point"),
    ("ui.rehearse.end", "结束演练", "End the rehearsal"),
    ("ui.rehearse.result", "演练与计划对比", "The rehearsal against the plan"),
    ("ui.rehearse.missed", "漏检", "Missed"),
    ("ui.rehearse.unfinished", "未检完", "Not finished"),
    ("ui.rehearse.short", "停留过短", "Left too soon"),
    ("ui.rehearse.order", "顺序与计划不同（对）", "Out of the plan's order (pairs)"),
    ("ui.rehearse.urgent_late", "紧急点未先检", "Urgent points not first"),
    ("ui.rehearse.crossed", "穿越危险区域", "Hazard zones crossed"),
    ("ui.rehearse.closed", "封闭", "closed"),
    ("ui.rehearse.complete", "按计划完成", "Done as planned"),
    ("ui.rehearse.not_back", "未返回起点", "Not back at the start"),
    ("ui.rehearse.raise", "写入整改登记", "Raise into the register"),
    ("ui.rehearse.save", "保存报告", "Save the report"),
    ("ui.rehearse.close", "关闭", "Close"),
    ("ui.rehearse.walked", "行走", "Walked"),
    ("ui.rehearse.none", "无", "none"),
    ("ui.register", "隐患整改登记", "Rectification register"),
    ("ui.findings.short", "待整改", "To rectify"),
    ("ui.findings.waiting", "待整改", "to rectify"),
    ("ui.findings.overdue", "逾期", "overdue"),
    ("ui.findings.none", "没有符合条件的隐患", "No items match"),
    ("ui.findings.severity", "隐患等级", "Severity"),
    ("ui.findings.object", "部位", "Object"),
    ("ui.findings.what", "隐患内容", "Finding"),
    ("ui.findings.owner", "责任人", "Owner"),
    ("ui.findings.deadline", "整改期限", "Deadline"),
    ("ui.findings.state", "状态", "State"),
    ("ui.findings.urgency", "逾期/升级", "Overdue"),
    ("ui.findings.all", "全部", "All"),
    ("ui.findings.overdue_only", "仅逾期", "Overdue only"),
    ("ui.findings.src.patrol", "巡查", "Patrol"),
    ("ui.findings.src.alarm", "报警", "Alarm"),
    ("ui.findings.src.duty", "停工值守", "Stoppage duty"),
    ("ui.findings.src.manual", "手工登记", "By hand"),
    ("ui.findings.who", "操作人", "By"),
    ("ui.findings.in_days", "期限（天后，0不变）", "Deadline in days (0 keeps it)"),
    ("ui.findings.assign", "指派", "Assign"),
    ("ui.findings.note", "整改情况", "What was done"),
    ("ui.findings.photo", "照片", "Photo"),
    ("ui.findings.rectify", "整改完成", "Rectified"),
    ("ui.findings.verify", "复查通过", "Verify"),
    ("ui.findings.reason", "退回原因", "Reason"),
    ("ui.findings.reopen", "退回整改", "Reopen"),
    ("ui.findings.gateway", "保存在网关", "Kept in the gateway"),
    (
        "ui.findings.not_kept",
        "未保存：用 --findings 文件 启动以保存",
        "Not kept: start with --findings FILE to keep it",
    ),
    ("ui.findings.export", "导出 CSV", "Export CSV"),
    ("ui.alarm.to_register", "登记为隐患", "Raise into the register"),
    // Bureau mode (the city's non-operating sites)
    ("ui.mode.bureau", "城市监管", "City"),
    ("ui.bureau.title", "停工工地监管", "non-operating sites"),
    ("ui.bureau.as_of", "截至", "as of"),
    ("ui.bureau.sites", "个工地", "sites"),
    ("ui.bureau.non_operating", "个未施工", "not operating"),
    ("ui.bureau.judging", "正在研判停工工地的监测数据…", "Judging the stopped sites' telemetry…"),
    ("ui.bureau.alert", "重污染天气预警", "Pollution alert"),
    ("ui.bureau.no_alert", "无", "none"),
    ("ui.bureau.issue_alert", "发布预警", "Issue alert"),
    ("ui.bureau.lift_alert", "解除预警", "Lift the alert"),
    ("ui.bureau.days", "天", "days"),
    ("ui.bureau.days_col", "天数", "Days"),
    ("ui.bureau.risk", "风险分", "Risk"),
    ("ui.bureau.band.blue", "低风险（蓝）", "low (blue)"),
    ("ui.bureau.band.yellow", "一般风险（黄）", "general (yellow)"),
    ("ui.bureau.band.orange", "较大风险（橙）", "large (orange)"),
    ("ui.bureau.band.red", "重大风险（红）", "major (red)"),
    ("ui.bureau.operating", "正常施工", "working"),
    ("ui.bureau.in_review", "复工审核中", "resumption under review"),
    ("ui.bureau.legend", "图例", "Legend"),
    ("ui.bureau.name", "项目名称", "Project"),
    ("ui.bureau.district", "区县", "District"),
    ("ui.bureau.category", "停工类别", "Category"),
    ("ui.bureau.hazards", "危大", "Hazards"),
    ("ui.bureau.unmet", "未落实", "Unmet"),
    ("ui.bureau.dark", "离线", "Dark"),
    ("ui.bureau.active", "停而未停", "Active"),
    ("ui.bureau.search", "搜索名称或编号…", "Search name or id…"),
    ("ui.bureau.all_districts", "全部区县", "All districts"),
    ("ui.bureau.all_categories", "全部类别", "All categories"),
    ("ui.bureau.all_sites", "含正常施工", "Working sites too"),
    ("ui.bureau.listed", "个工地", "sites listed"),
    ("ui.bureau.pick", "在地图或列表中选择一个工地", "Pick a site on the map or in the list"),
    ("ui.bureau.open_twin", "进入孪生", "Open its twin"),
    (
        "ui.bureau.permit",
        "停工满一年：复工前须重新核验施工许可",
        "Stopped a year or more: the permit must be re-verified before resuming",
    ),
    ("ui.bureau.reviews", "复核记录", "Reviews"),
    ("ui.bureau.new_review", "新增复核", "New review"),
    ("ui.bureau.reviewer", "复核人", "Reviewer"),
    ("ui.bureau.findings_hint", "发现的问题，每行一条", "Findings, one per line"),
    ("ui.bureau.note", "备注", "Note"),
    ("ui.bureau.save_review", "保存复核记录", "Save the review"),
    ("ui.bureau.keep_stopped", "维持停工", "keep stopped"),
    ("ui.bureau.approve", "同意复工", "approve resumption"),
    ("ui.bureau.rectify", "责令整改", "order rectification"),
    ("ui.bureau.changes", "影响的工地", "sites affected"),
    ("ui.bureau.no_change", "没有工地受影响", "No site is affected"),
    ("ui.bureau.effect.stopped", "停工，禁止", "stopped, banned"),
    ("ui.bureau.effect.exempt", "豁免，继续施工", "exempt, works on"),
    ("ui.bureau.effect.level", "预警级别调整", "alert level changed"),
    ("ui.bureau.effect.resumed", "复工", "resumed"),
    ("ui.bureau.back", "← 返回城市监管", "← Back to the city"),
    ("ui.alarms", "报警", "Alarms"),
    ("ui.alarms.none", "暂无报警", "No alarms"),
    ("ui.alarm.level", "级别", "Level"),
    ("ui.alarm.object", "对象", "Object"),
    ("ui.alarm.sensor", "测点", "Sensor"),
    ("ui.alarm.rule", "规则", "Rule"),
    ("ui.alarm.since", "发生时间", "Since"),
    ("ui.alarm.state", "状态", "State"),
    ("ui.alarm.ack", "确认", "Acknowledge"),
    ("ui.alarm.dispatch", "派单", "Dispatch"),
    ("ui.alarm.close", "关闭", "Close"),
    ("ui.alarm.who", "处理人", "Name"),
    ("ui.alarm.to", "派给", "Dispatch to"),
    ("ui.alarm.note", "处理说明", "Note"),
    ("ui.alarm.audit", "处理记录", "History"),
    ("ui.alarm.open", "未关闭", "open"),
    ("ui.alarm.status.raised", "待确认", "raised"),
    ("ui.alarm.status.acknowledged", "已确认", "acknowledged"),
    ("ui.alarm.status.dispatched", "已派单", "dispatched"),
    ("ui.alarm.status.closed", "已关闭", "closed"),
    ("ui.alarm.raised", "触发", "raised"),
    ("ui.alarm.active", "仍在报警", "still active"),
    ("ui.alarm.cleared", "已恢复正常", "cleared"),
    ("ui.alarm.escalated", "超时未确认，已升级", "escalated"),
    ("ui.time.pause", "暂停", "Pause"),
    ("ui.time.play", "播放", "Play"),
    ("ui.time.live", "实时", "Live"),
    ("ui.time.go_live", "回到实时", "Back to live"),
    ("ui.time.reviewing", "回看中", "Looking back"),
    ("ui.time.speed", "倍速", "Speed"),
    ("ui.chart", "历史曲线", "History"),
    ("ui.chart.hour", "1小时", "1 h"),
    ("ui.chart.day", "1天", "1 day"),
    ("ui.chart.days3", "3天", "3 days"),
    ("ui.chart.none", "暂无历史数据", "No history yet"),
    ("ui.stopped", "停工", "Stopped"),
    ("ui.stopped.since", "停工日期", "Since"),
    ("ui.stopped.days", "已停工天数", "Days stopped"),
    ("ui.stopped.alert", "预警级别", "Alert level"),
    ("ui.duties", "停工期间安全职责", "Duties while stopped"),
    ("ui.findings", "发现问题", "Findings"),
    ("ui.stale", "离线", "silent"),
    ("ui.spraying", "喷淋中", "spraying"),
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
    ("group.Personnel", "人员实名制", "Personnel (real-name)"),
    ("group.HeightWork", "高处作业防护", "Work-at-height protection"),
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
    ("sensor.HoistHeight", "升降机吊笼高度", "Hoist cage height"),
    ("sensor.PersonnelIn", "进场人数", "People entering"),
    ("sensor.PersonnelOut", "出场人数", "People leaving"),
    ("sensor.PersonnelOnSite", "在场人数", "People on site"),
    ("sensor.EdgeProtection", "临边/洞口防护开关", "Edge/opening protection switch"),
    ("sensor.SprayState", "喷淋状态", "Spray state"),
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

/// A level's name (正常 / 预警 / 报警 / 控制).
pub fn level_name(lang: Lang, level: Level) -> &'static str {
    let key = match level {
        Level::Normal => "level.normal",
        Level::Warning => "level.warning",
        Level::Alarm => "level.alarm",
        Level::Control => "level.control",
    };
    find(lang, key).unwrap_or("?")
}

/// (rule id, 中文, English): a short title for every rule the rules list or produce.
const RULE_TITLES: &[(&str, &str, &str)] = &[
    // Data quality
    ("quality.not-a-number", "数据无效（缺失或非数值）", "Invalid data: missing or not a number"),
    ("quality.range", "数据无效（超出量程）", "Invalid data: outside the sensor's range"),
    ("quality.flag.invalid", "数据无效（HJ 212 无效标记）", "Invalid data: HJ 212 flag"),
    ("quality.flag.suspect", "数据可疑（HJ 212 可疑标记）", "Suspect data: HJ 212 flag"),
    ("quality.order", "数据乱序（时间戳重复或倒序）", "Out-of-order data"),
    ("quality.future", "数据超前（时间戳晚于接收时间）", "Data from the future"),
    ("quality.stale", "监测点离线", "Sensor silent"),
    ("quality.count", "数据无效（人数为负或非整数）", "Invalid data: a people count negative or fractional"),
    // Tower cranes
    ("crane.load.warning", "塔吊起重量预警", "Crane load warning"),
    ("crane.load.alarm", "塔吊起重量报警", "Crane load alarm"),
    ("crane.load.control", "塔吊起重量控制（切断起升）", "Crane load cut-off"),
    ("crane.moment.warning", "塔吊力矩预警", "Crane load-moment warning"),
    ("crane.moment.alarm", "塔吊力矩报警", "Crane load-moment alarm"),
    ("crane.moment.control", "塔吊力矩控制（切断起升和变幅）", "Crane load-moment cut-off"),
    ("crane.wind.warning", "风速预警", "Wind speed warning"),
    ("crane.wind.alarm", "风速报警（停止露天起重作业）", "Wind speed alarm"),
    ("crane.clearance.warning", "塔吊防碰撞预警", "Crane anti-collision warning"),
    ("crane.clearance.alarm", "塔吊防碰撞报警", "Crane anti-collision alarm"),
    ("crane.tilt.warning", "塔身倾角预警", "Crane tilt warning"),
    ("crane.tilt.alarm", "塔身倾角报警", "Crane tilt alarm"),
    ("crane.anemometer.required", "塔吊应设风速仪", "Crane anemometer required"),
    ("crane.obstacle-light.required", "塔吊应设障碍指示灯", "Crane obstacle light required"),
    // Construction hoists
    ("hoist.load.warning", "施工升降机载重预警", "Hoist load warning"),
    ("hoist.load.alarm", "施工升降机载重报警", "Hoist load alarm"),
    ("hoist.load.control", "施工升降机载重控制（禁止启动）", "Hoist load cut-off"),
    ("hoist.limit.alarm", "施工升降机限位报警", "Hoist limit switch alarm"),
    ("hoist.door.warning", "施工升降机吊笼门未锁预警", "Hoist cage door warning"),
    // Work at height
    ("edge.removed.alarm", "临边/洞口防护被移除报警", "Edge or opening protection removed"),
    // Foundation pits
    ("pit.cumulative.warning", "基坑累计变化量预警", "Pit cumulative value warning"),
    ("pit.cumulative.alarm", "基坑累计变化量报警", "Pit cumulative value alarm"),
    ("pit.rate.warning", "基坑变化速率预警", "Pit rate warning"),
    ("pit.rate.alarm", "基坑变化速率报警", "Pit rate alarm"),
    ("pit.rate-streak.alarm", "基坑变化速率连续三天超限报警", "Pit rate streak alarm"),
    ("pit.strut.warning", "基坑支撑轴力预警", "Strut force warning"),
    ("pit.strut.alarm", "基坑支撑轴力报警", "Strut force alarm"),
    // High formwork
    ("formwork.point.warning", "高支模监测预警", "High-formwork monitoring warning"),
    ("formwork.point.alarm", "高支模监测报警", "High-formwork monitoring alarm"),
    ("formwork.monitoring.horizontal-points", "高支模水平位移测点数量", "High-formwork horizontal displacement points"),
    ("formwork.sensor.range", "高支模位移传感器量程", "High-formwork sensor range"),
    // Dust and noise
    ("dust.spray.warning", "扬尘喷淋启动（PM10 实时值）", "Dust spraying (real-time PM10)"),
    ("dust.spray.not-running.warning", "喷淋未按要求启动预警", "Spraying requested but not running"),
    ("dust.pm10-hourly.alarm", "扬尘 PM10 小时均值超标", "PM10 hourly mean over the limit"),
    ("dust.pm25-hourly.alarm", "PM2.5 小时均值超标", "PM2.5 hourly mean over the limit"),
    ("dust.tsp-hourly.alarm", "总悬浮颗粒物（TSP）小时均值超标", "TSP hourly mean over the limit"),
    ("noise.day.warning", "昼间噪声预警", "Daytime noise warning"),
    ("noise.day.alarm", "昼间噪声超标", "Daytime noise over the limit"),
    ("noise.night.warning", "夜间噪声预警", "Night-time noise warning"),
    ("noise.night.alarm", "夜间噪声超标", "Night-time noise over the limit"),
    ("noise.night-max.alarm", "夜间最大声级超标", "Night maximum noise over the limit"),
    ("noise.leq-window", "噪声等效声级统计时段", "Noise Leq window"),
    // Temporary electricity
    ("power.leakage.warning", "开关箱剩余电流（漏电）预警", "Switch-box residual current warning"),
    ("power.leakage.alarm", "开关箱剩余电流（漏电）报警", "Switch-box residual current alarm"),
    ("power.leakage-main.warning", "总配电箱剩余电流（漏电）预警", "Main-box residual current warning"),
    ("power.leakage-main.alarm", "总配电箱剩余电流（漏电）报警", "Main-box residual current alarm"),
    ("power.leakage-sub.warning", "分配电箱剩余电流（漏电）预警", "Sub-box residual current warning"),
    ("power.leakage-sub.alarm", "分配电箱剩余电流（漏电）报警", "Sub-box residual current alarm"),
    ("power.trip-time.alarm", "开关箱漏电保护器动作时间超限", "Switch-box RCD trip time too long"),
    ("power.trip-time-main.alarm", "总配电箱漏电保护器动作时间超限", "Main-box RCD trip time too long"),
    ("power.trip-time-sub.alarm", "分配电箱漏电保护器动作时间超限", "Sub-box RCD trip time too long"),
    ("power.switch-rcd.current", "开关箱漏电保护器额定漏电动作电流", "Switch-box RCD rated residual current"),
    ("power.switch-rcd.time", "开关箱漏电保护器额定漏电动作时间", "Switch-box RCD rated break time"),
    ("power.main-rcd.current", "总配电箱漏电保护器额定漏电动作电流", "Main-box RCD rated residual current"),
    ("power.main-rcd.time", "总配电箱漏电保护器额定漏电动作时间", "Main-box RCD rated break time"),
    ("power.main-rcd.product", "总配电箱漏电保护器额定漏电动作电流与动作时间乘积", "Main-box RCD IΔn × t"),
    ("power.switch-box.distance", "开关箱与用电设备距离", "Switch box to equipment distance"),
    ("power.sub-box.distance", "分配电箱与开关箱距离", "Sub box to switch box distance"),
    ("power.cabinet-temp.warning", "配电箱箱体温度预警", "Cabinet temperature warning"),
    ("power.cabinet-temp.alarm", "配电箱箱体温度报警", "Cabinet temperature alarm"),
    // Heavy-pollution weather
    ("pollution.iii", "重污染天气Ⅲ级（黄色）预警停工措施", "Heavy-pollution alert Ⅲ (yellow) measures"),
    ("pollution.ii", "重污染天气Ⅱ级（橙色）预警停工措施", "Heavy-pollution alert Ⅱ (orange) measures"),
    ("pollution.i", "重污染天气Ⅰ级（红色）预警停工措施", "Heavy-pollution alert Ⅰ (red) measures"),
    // Major-hazard works (危大工程), Notice 31
    ("hazard.pit.depth-5m", "基坑开挖深度≥5 m（超危大）", "Pit depth ≥ 5 m (over-scale)"),
    ("hazard.pit.depth-3m", "基坑开挖深度≥3 m（危大）", "Pit depth ≥ 3 m (major hazard)"),
    ("hazard.pit.complex", "基坑深度不足3 m但条件复杂（危大）", "Pit under 3 m, complex conditions (major hazard)"),
    ("hazard.pit.none", "基坑工程（未达危大标准）", "Pit (below the major-hazard thresholds)"),
    ("hazard.formwork.height-8m", "模板支撑搭设高度≥8 m（超危大）", "Formwork support height ≥ 8 m (over-scale)"),
    ("hazard.formwork.span-18m", "模板支撑搭设跨度≥18 m（超危大）", "Formwork support span ≥ 18 m (over-scale)"),
    (
        "hazard.formwork.area-load-15",
        "模板支撑施工总荷载≥15 kN/m²（超危大）",
        "Formwork total load ≥ 15 kN/m² (over-scale)",
    ),
    (
        "hazard.formwork.line-load-20",
        "模板支撑集中线荷载≥20 kN/m（超危大）",
        "Formwork line load ≥ 20 kN/m (over-scale)",
    ),
    ("hazard.formwork.height-5m", "模板支撑搭设高度≥5 m（危大）", "Formwork support height ≥ 5 m (major hazard)"),
    ("hazard.formwork.span-10m", "模板支撑搭设跨度≥10 m（危大）", "Formwork support span ≥ 10 m (major hazard)"),
    (
        "hazard.formwork.area-load-10",
        "模板支撑施工总荷载≥10 kN/m²（危大）",
        "Formwork total load ≥ 10 kN/m² (major hazard)",
    ),
    (
        "hazard.formwork.line-load-15",
        "模板支撑集中线荷载≥15 kN/m（危大）",
        "Formwork line load ≥ 15 kN/m (major hazard)",
    ),
    ("hazard.formwork.tool-type", "工具式模板工程（超危大）", "Tool-type formwork (over-scale)"),
    ("hazard.formwork.none", "模板支撑工程（未达危大标准）", "Formwork (below the major-hazard thresholds)"),
    (
        "hazard.support.point-load-7kn",
        "承重支撑体系单点集中荷载≥7 kN（超危大）",
        "Load-bearing support point load ≥ 7 kN (over-scale)",
    ),
    ("hazard.support.full-hall", "满堂承重支撑体系（危大）", "Full-hall load-bearing support (major hazard)"),
    ("hazard.support.none", "承重支撑体系（未达危大标准）", "Load-bearing support (below the major-hazard thresholds)"),
    ("hazard.scaffold.ground-50m", "落地式脚手架搭设高度≥50 m（超危大）", "Ground scaffold ≥ 50 m (over-scale)"),
    ("hazard.scaffold.ground-24m", "落地式脚手架搭设高度≥24 m（危大）", "Ground scaffold ≥ 24 m (major hazard)"),
    (
        "hazard.scaffold.attached-150m",
        "附着式升降脚手架提升高度≥150 m（超危大）",
        "Attached lifting scaffold ≥ 150 m (over-scale)",
    ),
    ("hazard.scaffold.attached", "附着式升降脚手架（危大）", "Attached lifting scaffold (major hazard)"),
    (
        "hazard.scaffold.cantilever-20m",
        "悬挑式脚手架分段架体搭设高度≥20 m（超危大）",
        "Cantilevered scaffold section ≥ 20 m (over-scale)",
    ),
    ("hazard.scaffold.cantilevered", "悬挑式脚手架（危大）", "Cantilevered scaffold (major hazard)"),
    ("hazard.scaffold.gondola", "高处作业吊篮（危大）", "Suspended gondola (major hazard)"),
    ("hazard.scaffold.platform", "卸料平台、操作平台（危大）", "Discharge or operating platform (major hazard)"),
    ("hazard.scaffold.none", "脚手架工程（未达危大标准）", "Scaffold (below the major-hazard thresholds)"),
    (
        "hazard.lifting.capacity-300kn",
        "起重机械安拆：起重量≥300 kN（超危大）",
        "Crane or hoist erection, capacity ≥ 300 kN (over-scale)",
    ),
    (
        "hazard.lifting.height-200m",
        "起重机械安拆：搭设总高度≥200 m（超危大）",
        "Crane or hoist erection, height ≥ 200 m (over-scale)",
    ),
    (
        "hazard.lifting.base-200m",
        "起重机械安拆：基础标高≥200 m（超危大）",
        "Crane or hoist erection, base ≥ 200 m (over-scale)",
    ),
    (
        "hazard.lifting.crane-erection",
        "塔式起重机安装拆卸（危大）",
        "Tower crane erection and dismantling (major hazard)",
    ),
    (
        "hazard.lifting.hoist-erection",
        "施工升降机安装拆卸（危大）",
        "Construction hoist erection and dismantling (major hazard)",
    ),
    (
        "hazard.lifting.nonstandard-100kn",
        "非常规起重吊装单件起吊重量≥100 kN（超危大）",
        "Non-standard lifting ≥ 100 kN (over-scale)",
    ),
    (
        "hazard.lifting.nonstandard-10kn",
        "非常规起重吊装单件起吊重量≥10 kN（危大）",
        "Non-standard lifting ≥ 10 kN (major hazard)",
    ),
    ("hazard.lifting.none", "起重吊装工程（未达危大标准）", "Lifting (below the major-hazard thresholds)"),
];

/// A short title for rule `rule_id` (`crane.load.alarm` → 塔吊起重量报警 / "Crane load alarm");
/// the id itself when it is unknown.
pub fn rule_title(lang: Lang, rule_id: &str) -> String {
    RULE_TITLES
        .iter()
        .find(|(id, _, _)| *id == rule_id)
        .map_or(rule_id, |(_, zh, en)| match lang {
            Lang::Zh => zh,
            Lang::En => en,
        })
        .to_string()
}

/// A data-quality verdict's name (有效 / 可疑 / 无效).
pub fn quality_name(lang: Lang, q: &Quality) -> &'static str {
    match (q, lang) {
        (Quality::Valid, Lang::Zh) => "有效",
        (Quality::Valid, Lang::En) => "valid",
        (Quality::Suspect(_), Lang::Zh) => "可疑",
        (Quality::Suspect(_), Lang::En) => "suspect",
        (Quality::Invalid(_), Lang::Zh) => "无效",
        (Quality::Invalid(_), Lang::En) => "invalid",
    }
}

/// The reason class of a data-quality finding, from the rule that found it (`quality.range` →
/// 超出量程); the rule id itself for one that is not a data-quality rule.
pub fn quality_reason(lang: Lang, rule_id: &str) -> &str {
    let (zh, en) = match rule_id {
        "quality.not-a-number" => ("缺失或非数值", "missing or not a number"),
        "quality.range" => ("超出量程", "outside the sensor's range"),
        "quality.flag.invalid" => ("HJ 212 无效数据标记", "HJ 212 invalid-data flag"),
        "quality.flag.suspect" => ("HJ 212 可疑数据标记", "HJ 212 suspect-data flag"),
        "quality.order" => ("时间戳重复或倒序", "timestamp out of order"),
        "quality.future" => ("时间戳超前", "timestamp in the future"),
        "quality.stale" => ("离线", "silent"),
        "quality.count" => ("人数为负或非整数", "people count negative or fractional"),
        other => return other,
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// What a chart's threshold line applies to, in words (昼间 06:00–22:00 等效声级（20 分钟）).
pub fn line_note(lang: Lang, note: &LineNote) -> String {
    let hours = |from: u32, to: u32| format!("{from:02}:00–{to:02}:00");
    match (note, lang) {
        (LineNote::SprayTrigger, Lang::Zh) => "实时值，达到即启动喷淋".into(),
        (LineNote::SprayTrigger, Lang::En) => "real-time value: starts spraying".into(),
        (LineNote::HourlyMean, Lang::Zh) => "小时均值".into(),
        (LineNote::HourlyMean, Lang::En) => "hourly mean".into(),
        (LineNote::DayLeq { from_hour, to_hour, window_min }, Lang::Zh) => {
            format!("昼间 {} 等效声级（{} 分钟）", hours(*from_hour, *to_hour), num(*window_min))
        }
        (LineNote::DayLeq { from_hour, to_hour, window_min }, Lang::En) => {
            format!("day Leq ({} min), {}", num(*window_min), hours(*from_hour, *to_hour))
        }
        (LineNote::NightLeq { from_hour, to_hour, window_min }, Lang::Zh) => {
            format!("夜间 {} 等效声级（{} 分钟）", hours(*from_hour, *to_hour), num(*window_min))
        }
        (LineNote::NightLeq { from_hour, to_hour, window_min }, Lang::En) => {
            format!("night Leq ({} min), {}", num(*window_min), hours(*from_hour, *to_hour))
        }
        (LineNote::NightMaximum { from_hour, to_hour }, Lang::Zh) => {
            format!("夜间 {} 最大声级（单次读数）", hours(*from_hour, *to_hour))
        }
        (LineNote::NightMaximum { from_hour, to_hour }, Lang::En) => {
            format!("night maximum, each reading, {}", hours(*from_hour, *to_hour))
        }
    }
}

/// A number for texts: up to three decimals, trailing zeros dropped (as the rules' messages
/// write them).
fn num(v: f64) -> String {
    crate::rules::Num(v).to_string()
}

/// A value with its unit, the ASCII spellings of the scene shown as symbols (ug/m3 → µg/m³).
fn with_unit(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let unit = match unit {
        "ug/m3" => "µg/m³",
        "mg/m3" => "mg/m³",
        "degC" => "°C",
        "deg" => "°",
        other => other,
    };
    match unit {
        "" => num(v),
        "°" => format!("{}°", num(v)),
        _ => format!("{} {unit}", num(v)),
    }
}

/// A length of time in minutes under two hours, hours under two days, else days.
fn span(lang: Lang, seconds: f64) -> String {
    let (value, zh, en) = if seconds < 7200.0 {
        ((seconds / 60.0).round(), "分钟", "min")
    } else if seconds < 48.0 * 3600.0 {
        ((seconds / 360.0).round() / 10.0, "小时", "h")
    } else {
        ((seconds / 8640.0).round() / 10.0, "天", "d")
    };
    match lang {
        Lang::Zh => format!("{} {zh}", num(value)),
        Lang::En => format!("{} {en}", num(value)),
    }
}

/// The quantity an hourly-mean rule judges (PM10, PM2.5, TSP) and its limit under `rules`.
fn hourly_quantity(lang: Lang, rule: &str, rules: &RuleSet) -> (&'static str, Option<f64>) {
    let d = &rules.dust;
    match rule {
        "dust.pm10-hourly.alarm" => ("PM10", Some(d.pm10_hourly_limit)),
        "dust.pm25-hourly.alarm" => ("PM2.5", d.pm25_hourly_limit),
        "dust.tsp-hourly.alarm" => (if lang == Lang::Zh { "总悬浮颗粒物" } else { "TSP" }, d.tsp_hourly_limit),
        _ => (if lang == Lang::Zh { "扬尘" } else { "dust" }, None),
    }
}

/// One line for an engine event in `lang`: the rule's title, levels, values with `unit` (the
/// sensor's), the reason of a data-quality finding, how long a sensor has been silent, an hourly
/// mean against its limit in `rules`, a spray request's minutes. In Chinese it is composed from
/// the event's fields only (its English `message` is left out); in English the message follows.
/// Alarm events carry no value: [`judgement_text`] words the reading that caused one.
pub fn event_text(lang: Lang, ev: &rules::Event, unit: &str, rules: &RuleSet) -> String {
    use rules::Event as E;
    let zh = lang == Lang::Zh;
    match ev {
        // The rule's title names its level.
        E::AlarmRaised { sensor, rule, message, .. } => {
            if zh {
                format!("{sensor}：{}", rule_title(lang, rule))
            } else {
                format!("{sensor}: {}: {message}", rule_title(lang, rule))
            }
        }
        E::AlarmLevelChanged { sensor, rule, from, to, message, .. } => {
            let (title, from, to) = (rule_title(lang, rule), level_name(lang, *from), level_name(lang, *to));
            if zh {
                format!("{sensor}：{title}（{from} → {to}）")
            } else {
                format!("{sensor}: {title} ({from} → {to}): {message}")
            }
        }
        E::AlarmCleared { sensor, rule, .. } => match (zh, rule.is_empty()) {
            (true, true) => format!("{sensor}：已恢复正常"),
            (true, false) => format!("{sensor}：{}已解除，恢复正常", rule_title(lang, rule)),
            (false, true) => format!("{sensor}: back to normal"),
            (false, false) => format!("{sensor}: {} cleared, back to normal", rule_title(lang, rule)),
        },
        E::DataQuality { sensor, value, quality, rule, .. } => {
            let (name, reason) = (quality_name(lang, quality), quality_reason(lang, rule));
            let value = with_unit(*value, unit);
            if zh {
                format!("{sensor}：数据{name}（{reason}），读数 {value}")
            } else {
                let why = match quality {
                    Quality::Invalid(why) | Quality::Suspect(why) => format!(": {why}"),
                    Quality::Valid => String::new(),
                };
                format!("{sensor}: {name} data ({reason}), reading {value}{why}")
            }
        }
        E::Stale { sensor, last, silent_s, .. } => match (zh, last.is_some()) {
            (true, true) => format!("{sensor}：已离线 {}", span(lang, *silent_s)),
            (true, false) => format!("{sensor}：从未上报数据（已等待 {}）", span(lang, *silent_s)),
            (false, true) => format!("{sensor}: silent for {}", span(lang, *silent_s)),
            (false, false) => format!("{sensor}: never reported (waited {})", span(lang, *silent_s)),
        },
        E::HourlyMean { sensor, mean, coverage, complete, level, rule, .. } => {
            let (what, limit) = hourly_quantity(lang, rule, rules);
            // Means are in µg/m³ whatever the sensor's unit.
            let mean = format!("{:.1} µg/m³", mean);
            let limit = limit.map(|l| with_unit(l, "ug/m3"));
            let over = *level > Level::Normal;
            let pct = (coverage * 100.0).round();
            match (zh, complete, limit) {
                (true, false, _) => format!("{sensor}：{what} 小时均值 {mean}，数据覆盖 {pct}%，不足，不予判定"),
                (true, true, Some(l)) if over => format!("{sensor}：{what} 小时均值 {mean}，超过限值 {l}"),
                (true, true, Some(l)) => format!("{sensor}：{what} 小时均值 {mean}，未超过限值 {l}"),
                (true, true, None) => format!("{sensor}：{what} 小时均值 {mean}（{}）", level_name(lang, *level)),
                (false, false, _) => {
                    format!("{sensor}: {what} hourly mean {mean}, not judged: readings cover {pct} % of the hour")
                }
                (false, true, Some(l)) if over => format!("{sensor}: {what} hourly mean {mean}, over the {l} limit"),
                (false, true, Some(l)) => format!("{sensor}: {what} hourly mean {mean}, within the {l} limit"),
                (false, true, None) => format!("{sensor}: {what} hourly mean {mean} ({})", level.name()),
            }
        }
        E::SprayRequested { sensor, minutes, .. } => {
            if zh {
                format!("{sensor}：PM10 达到喷淋阈值，启动喷淋 {} 分钟", num(*minutes))
            } else {
                format!("{sensor}: PM10 reached the spray trigger: spraying for {} min", num(*minutes))
            }
        }
    }
}

/// One line for a judged reading in `lang`: the value with its unit, its level and the title of
/// the rule that set it, or its data quality; composed from the fields (the English message is
/// left out in Chinese, appended in English).
pub fn judgement_text(lang: Lang, j: &rules::Judgement) -> String {
    let value = with_unit(j.value, &j.unit);
    let zh = lang == Lang::Zh;
    match (&j.quality, &j.rule) {
        (Quality::Invalid(_), _) if zh => {
            format!("{}：读数 {value}，数据无效，未判定（仍为{}）", j.sensor, level_name(lang, j.level))
        }
        (_, Some(rule)) if zh => {
            format!("{}：读数 {value}，{}（{}）", j.sensor, rule_title(lang, rule), level_name(lang, j.level))
        }
        (q, None) if zh => {
            let doubt = if matches!(q, Quality::Suspect(_)) { "，数据可疑" } else { "" };
            format!("{}：读数 {value}，{}{doubt}", j.sensor, level_name(lang, j.level))
        }
        (_, Some(rule)) => {
            format!("{}: {value}, {} ({}): {}", j.sensor, rule_title(lang, rule), j.level.name(), j.message)
        }
        (_, None) => format!("{}: {value}: {}", j.sensor, j.message),
    }
}

/// A stopped site's duty (停工期间安全职责).
pub fn duty_name(lang: Lang, duty: Duty) -> &'static str {
    let (zh, en) = match duty {
        Duty::CraneHookRaised => ("塔吊吊钩升至顶部（空钩）", "Crane hook raised, nothing hung on it"),
        Duty::CranePowerOff => ("塔吊空载并断电", "Crane unloaded and its power off"),
        Duty::CraneWeathervaning => ("塔吊处于自由回转（风标）状态", "Crane free to weathervane"),
        Duty::HoistsLowered => ("施工升降机吊笼、吊篮降至底层", "Hoists and gondolas lowered to the ground"),
        Duty::BoxesLocked => ("配电箱断电上锁", "Distribution boxes off and locked"),
        Duty::PitMonitoring => ("基坑监测持续进行", "Pit monitoring continues"),
        Duty::DutyPatrols => ("停工期间值守巡查", "Duty patrols while stopped"),
    };
    if lang == Lang::Zh { zh } else { en }
}

/// Whether a duty is met (达标 / 未达标 / 无法判断), without its evidence.
pub fn duty_status_name(lang: Lang, status: &DutyStatus) -> &'static str {
    let (zh, en) = match status {
        DutyStatus::Met(_) => ("达标", "met"),
        DutyStatus::Unmet(_) => ("未达标", "not met"),
        DutyStatus::Unknown(_) => ("无法判断（巡查时核实）", "cannot tell (check on the patrol)"),
    };
    if lang == Lang::Zh { zh } else { en }
}

/// What a stopped site should not show (停工期间吊装作业...).
pub fn finding_name(lang: Lang, kind: &FindingKind) -> &'static str {
    let (zh, en) = match kind {
        FindingKind::LiftingActivity => ("停工期间吊装作业", "Lifting while stopped"),
        FindingKind::PowerDraw => ("停工期间用电", "Power drawn while stopped"),
        FindingKind::DaytimeNoise => ("停工期间昼间施工噪声", "Construction noise by day while stopped"),
        FindingKind::DarkSensor => ("监测点离线", "Monitoring point silent"),
        FindingKind::CrewOnSite => {
            ("停工期间在场人数超过值守人员", "More people on site than the duty crew while stopped")
        }
    };
    if lang == Lang::Zh { zh } else { en }
}

/// A site activity a pollution alert may ban.
pub fn activity_name(lang: Lang, a: Activity) -> &'static str {
    let (zh, en) = match a {
        Activity::Earthworks => ("土方开挖", "earthworks"),
        Activity::Demolition => ("拆除作业", "demolition"),
        Activity::OpenMixing => ("露天搅拌", "open mixing"),
        Activity::Spraying => ("喷涂作业", "spraying"),
        Activity::Haulage => ("渣土运输", "haulage"),
        Activity::Blasting => ("爆破作业", "blasting"),
        Activity::Cutting => ("切割作业", "cutting"),
        Activity::RoadMilling => ("道路开挖铣刨", "road milling"),
        Activity::RubbishClearing => ("楼层垃圾清理", "rubbish clearing"),
        Activity::Piling => ("桩基施工", "piling"),
        Activity::FacadeWork => ("外立面施工", "facade work"),
        Activity::AsphaltPaving => ("沥青摊铺", "asphalt paving"),
        Activity::Anticorrosion => ("防腐作业", "anticorrosion"),
        Activity::OpenAirWork => ("露天施工", "open-air work"),
        Activity::ContinuousPour => ("连续浇筑", "continuous pour"),
    };
    if lang == Lang::Zh { zh } else { en }
}

/// An exemption from pollution bans.
pub fn exemption_name(lang: Lang, e: Exemption) -> &'static str {
    let (zh, en) = match e {
        Exemption::Canopy => ("天幕工地", "canopy-enclosed site"),
        Exemption::DifferentiatedControl => ("差异化管控工地", "differentiated-control site"),
        Exemption::ExemptionList => ("豁免清单企业", "on the exemption list"),
        Exemption::EmergencyWorks => ("抢险工程", "emergency works"),
        Exemption::CleanHaulage => ("新能源密闭运输", "clean haulage"),
    };
    if lang == Lang::Zh { zh } else { en }
}

/// A heavy-pollution alert level (Ⅲ级（黄色）预警).
pub fn alert_level_name(lang: Lang, level: AlertLevel) -> &'static str {
    let (zh, en) = match level {
        AlertLevel::III => ("Ⅲ级（黄色）预警", "Ⅲ (yellow) alert"),
        AlertLevel::II => ("Ⅱ级（橙色）预警", "Ⅱ (orange) alert"),
        AlertLevel::I => ("Ⅰ级（红色）预警", "Ⅰ (red) alert"),
    };
    if lang == Lang::Zh { zh } else { en }
}

/// Why a site stopped, in words, with the alert level, order number, cause or event it names.
pub fn stop_reason_text(lang: Lang, reason: &StopReason) -> String {
    let zh = lang == Lang::Zh;
    let detail = |text: &str, zh_sep: &str, en_sep: &str| {
        if text.trim().is_empty() { String::new() } else { format!("{}{text}", if zh { zh_sep } else { en_sep }) }
    };
    match reason {
        StopReason::PollutionAlert { level, .. } => {
            if zh {
                format!("重污染天气应急停工（{}）", alert_level_name(lang, *level))
            } else {
                format!("Heavy-pollution weather stoppage ({})", alert_level_name(lang, *level))
            }
        }
        StopReason::Rectification { order } => {
            format!(
                "{}{}",
                if zh { "整改停工" } else { "Stopped for rectification" },
                detail(order, "（整改通知 ", ", order ")
            ) + if zh && !order.trim().is_empty() { "）" } else { "" }
        }
        StopReason::Abnormal { cause } => {
            format!("{}{}", if zh { "非正常停工（中止施工）" } else { "Abnormal stoppage" }, detail(cause, "：", ": "))
        }
        StopReason::Seasonal => {
            (if zh { "季节性停工（春节、冬季）" } else { "Seasonal stoppage (Spring Festival, winter)" }).into()
        }
        StopReason::Epidemic => (if zh { "疫情防控停工" } else { "Epidemic-control stoppage" }).into(),
        StopReason::Event { name } => {
            format!("{}{}", if zh { "重大活动保障停工" } else { "Stopped for a major event" }, detail(name, "：", ": "))
        }
    }
}

/// A site's stoppage status (在建施工 / 停工 / 复工审核中).
pub fn stoppage_status_name(lang: Lang, status: Status) -> &'static str {
    let (zh, en) = match status {
        Status::Operating => ("在建施工", "operating"),
        Status::Stopped => ("停工", "stopped"),
        Status::ResumptionReview => ("复工审核中", "resumption under review"),
    };
    if lang == Lang::Zh { zh } else { en }
}

/// Where an alarm is in its life (待确认 / 已确认 / 已派单 / 已关闭).
pub fn alarm_status_name(lang: Lang, status: AlarmStatus) -> &'static str {
    let key = match status {
        AlarmStatus::Raised => "ui.alarm.status.raised",
        AlarmStatus::Acknowledged => "ui.alarm.status.acknowledged",
        AlarmStatus::Dispatched => "ui.alarm.status.dispatched",
        AlarmStatus::Closed => "ui.alarm.status.closed",
    };
    find(lang, key).unwrap_or("?")
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
            ("toolform", &["ToolFormworkKind"]),
            ("platform", &["PlatformKind"]),
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
        // Labels of the twin's live panels that no code uses yet (asked for with the panels'
        // other labels); drop a key here once the panels use it.
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

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    /// Rule ids written out in the rules' code (not their tests): `"crane.load.alarm"`, and the
    /// groups ids are built from, `"crane.load"`.
    fn rule_literals() -> BTreeSet<String> {
        let dir = crate::testutil::repo().join("crates/core/src/rules");
        let families =
            ["quality", "crane", "hoist", "pit", "formwork", "dust", "noise", "power", "pollution", "hazard"];
        let mut out = BTreeSet::new();
        for f in crate::testutil::files_with(&dir, &[".rs"]) {
            if f.file_name().is_some_and(|n| n == "tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for p in families {
                let open = format!("\"{p}.");
                for (i, _) in code.match_indices(&open) {
                    let rest = &code[i + 1..];
                    let n = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')).count();
                    if rest[n..].starts_with('"') {
                        out.insert(rest[..n].to_string());
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_rule_has_a_title_in_both_languages() {
        let mut ids: BTreeSet<String> = crate::rules::RULE_SOURCES.iter().map(|s| s.id.to_string()).collect();
        ids.extend(crate::rules::hazard::RULES.iter().map(|r| r.id.to_string()));
        let listed = ids.clone();
        // Literals of the rules' code are listed rules, the groups of listed rules, or the
        // hazard classes' "none" verdicts (which `rules show` does not list).
        for lit in rule_literals() {
            if lit.starts_with("hazard.") && lit.ends_with(".none") {
                ids.insert(lit);
            } else {
                let group = format!("{lit}.");
                assert!(
                    listed.contains(&lit) || listed.iter().any(|id| id.starts_with(&group)),
                    "`{lit}` in the rules' code is neither a listed rule nor a rule group"
                );
            }
        }
        assert!(ids.contains("hazard.pit.none") && ids.contains("quality.stale") && ids.contains("pollution.iii"));
        for id in &ids {
            let (zh, en) = (rule_title(Lang::Zh, id), rule_title(Lang::En, id));
            assert!(zh != *id && has_cjk(&zh), "{id}: {zh}");
            assert!(en != *id && !en.is_empty() && !has_cjk(&en), "{id}: {en}");
        }
        // No title for a rule that does not exist, none twice.
        let titled: Vec<&str> = RULE_TITLES.iter().map(|(id, _, _)| *id).collect();
        let unique: BTreeSet<&str> = titled.iter().copied().collect();
        assert_eq!(unique.len(), titled.len(), "a rule titled twice");
        let stale: Vec<_> = unique.iter().filter(|id| !ids.contains(**id)).collect();
        assert!(stale.is_empty(), "titles of no rule: {stale:?}");
        assert_eq!(rule_title(Lang::Zh, "crane.load.alarm"), "塔吊起重量报警");
        assert_eq!(rule_title(Lang::En, "crane.load.alarm"), "Crane load alarm");
        assert_eq!(rule_title(Lang::Zh, "no.such.rule"), "no.such.rule");
        // Every rule a chart line names has a title too.
        let scene = crate::testutil::demo_scene();
        for s in &scene.sensors {
            for l in crate::rules::chart::threshold_lines(&RuleSet::default(), &scene, &s.id) {
                assert!(ids.contains(&l.rule), "{}", l.rule);
            }
        }
    }

    #[test]
    fn events_read_in_the_language_without_the_english_message() {
        use std::sync::Arc;

        use chrono::{Duration, TimeZone, Utc};

        use crate::rules::{Engine, Event};
        use crate::telemetry::Reading;

        let scene = crate::testutil::demo_scene();
        let rules = RuleSet::default();
        let mut e = Engine::new(&scene, Arc::new(rules.clone()));
        // 2026-12-01 10:00 site time.
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
        let mut events = Vec::new();
        // Readings each expected interval (10 s for the crane, a minute for the dust station).
        let mut feed = |e: &mut Engine, sensor: &str, step: i64, value: f64| {
            let s = scene.sensors.iter().find(|s| s.id == sensor).unwrap();
            let time = t0 + Duration::seconds(step * s.interval_s.unwrap() as i64);
            let r = Reading { sensor: sensor.into(), time, value, flag: None };
            let got = e.ingest(&r, time + Duration::seconds(1)).unwrap();
            events.extend(got.events.into_iter().map(|ev| (ev, s.unit.clone())));
        };
        for (min, v) in [(0, 95.0), (1, 105.0), (2, 50.0), (3, 200.0)] {
            feed(&mut e, "TC1-LOAD", min, v);
        }
        for min in 0..60 {
            feed(&mut e, "DM1-PM10", min, if min == 0 { 120.0 } else { 90.0 });
        }
        feed(&mut e, "DM1-PM10", 60, 90.0);
        feed(&mut e, "TC1-LOAD", 4, 50.0);
        let ticked = e.tick(t0 + Duration::minutes(75));
        events.extend(ticked.into_iter().map(|ev| (ev, String::new())));
        let text = |lang, ev: &Event, unit: &str| event_text(lang, ev, unit, &rules);
        let mut seen = BTreeSet::new();
        for (ev, unit) in &events {
            let (zh, en) = (text(Lang::Zh, ev, unit), text(Lang::En, ev, unit));
            assert!(has_cjk(&zh) && !zh.contains(" of rated") && !zh.contains("within"), "{zh}");
            assert!(!has_cjk(&en), "{en}");
            seen.insert(format!("{ev:?}").split([' ', '{']).next().unwrap().to_string());
        }
        assert_eq!(
            seen,
            [
                "AlarmCleared",
                "AlarmLevelChanged",
                "AlarmRaised",
                "DataQuality",
                "HourlyMean",
                "SprayRequested",
                "Stale"
            ]
            .map(String::from)
            .into(),
            "every kind of event"
        );
        let zh: Vec<String> = events.iter().map(|(ev, unit)| text(Lang::Zh, ev, unit)).collect();
        let has = |s: &str| zh.iter().any(|z| z == s);
        assert!(has("TC1-LOAD：塔吊起重量预警"), "{zh:#?}");
        assert!(has("TC1-LOAD：塔吊起重量报警（预警 → 报警）"), "{zh:#?}");
        assert!(has("TC1-LOAD：塔吊起重量报警已解除，恢复正常"), "{zh:#?}");
        assert!(has("TC1-LOAD：数据无效（超出量程），读数 200 %"), "{zh:#?}");
        assert!(has("DM1-PM10：PM10 达到喷淋阈值，启动喷淋 30 分钟"), "{zh:#?}");
        assert!(has("DM1-PM10：PM10 小时均值 90.5 µg/m³，超过限值 80 µg/m³"), "{zh:#?}");
        assert!(has("TC1-MOM：从未上报数据（已等待 75 分钟）"), "{zh:#?}");
        let en: Vec<String> = events.iter().map(|(ev, unit)| text(Lang::En, ev, unit)).collect();
        assert!(en.iter().any(|s| s.starts_with("TC1-LOAD: Crane load warning: load 95 % of rated")), "{en:#?}");
        assert!(en.iter().any(|s| s == "DM1-PM10: PM10 hourly mean 90.5 µg/m³, over the 80 µg/m³ limit"), "{en:#?}");

        let stale = |last: bool, silent_s: f64| Event::Stale {
            sensor: "ZQS1".into(),
            last: last.then_some(t0),
            noticed: t0,
            silent_s,
        };
        assert_eq!(text(Lang::Zh, &stale(true, 3.0 * 3600.0 + 1800.0), ""), "ZQS1：已离线 3.5 小时");
        assert_eq!(text(Lang::En, &stale(true, 600.0), ""), "ZQS1: silent for 10 min");
        assert_eq!(text(Lang::En, &stale(true, 3.0 * 86_400.0), ""), "ZQS1: silent for 3 d");
        let hour = |complete: bool, rule: &str| Event::HourlyMean {
            sensor: "DM1-PM25".into(),
            hour: t0,
            mean: 60.04,
            readings: 20,
            coverage: 0.333,
            complete,
            level: Level::Normal,
            rule: rule.into(),
        };
        assert_eq!(
            text(Lang::Zh, &hour(false, "dust.pm25-hourly.alarm"), "ug/m3"),
            "DM1-PM25：PM2.5 小时均值 60.0 µg/m³，数据覆盖 33%，不足，不予判定"
        );
        assert_eq!(
            text(Lang::Zh, &hour(true, "dust.pm25-hourly.alarm"), "ug/m3"),
            "DM1-PM25：PM2.5 小时均值 60.0 µg/m³，未超过限值 75 µg/m³"
        );
        // A NaN reading has no value to show.
        let nan = Event::DataQuality {
            sensor: "ZQS1".into(),
            time: t0,
            value: f64::NAN,
            quality: Quality::Invalid("value is NaN".into()),
            rule: "quality.not-a-number".into(),
        };
        assert_eq!(text(Lang::Zh, &nan, "mm"), "ZQS1：数据无效（缺失或非数值），读数 —");
        assert_eq!(text(Lang::En, &nan, "mm"), "ZQS1: invalid data (missing or not a number), reading —: value is NaN");
    }

    #[test]
    fn judgements_read_in_the_language() {
        use std::sync::Arc;

        use chrono::{TimeZone, Utc};

        use crate::rules::Engine;
        use crate::telemetry::Reading;

        let scene = crate::testutil::demo_scene();
        let mut e = Engine::new(&scene, Arc::new(RuleSet::default()));
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
        let mut judge = |sensor: &str, s: i64, value: f64| {
            let time = t0 + chrono::Duration::seconds(s);
            e.ingest(&Reading { sensor: sensor.into(), time, value, flag: None }, time).unwrap().judgement
        };
        let j = judge("DB0-TEMP", 0, 76.5);
        assert_eq!(judgement_text(Lang::Zh, &j), "DB0-TEMP：读数 76.5 °C，配电箱箱体温度报警（报警）");
        assert!(judgement_text(Lang::En, &j).starts_with("DB0-TEMP: 76.5 °C, Cabinet temperature alarm (alarm): "));
        let j = judge("DB0-TEMP", 60, 500.0);
        assert_eq!(judgement_text(Lang::Zh, &j), "DB0-TEMP：读数 500 °C，数据无效，未判定（仍为报警）");
        let j = judge("TC1-TILT", 0, -0.1);
        assert_eq!(judgement_text(Lang::Zh, &j), "TC1-TILT：读数 -0.1°，正常");
    }

    #[test]
    fn stoppage_and_alarm_vocabulary_in_both_languages() {
        use crate::rules::stoppage::Exemption;

        fn check<T: std::fmt::Debug>(all: &[T], name: impl Fn(Lang, &T) -> String) {
            let mut zh = BTreeSet::new();
            for v in all {
                let (z, e) = (name(Lang::Zh, v), name(Lang::En, v));
                assert!(has_cjk(&z), "{v:?}: {z}");
                assert!(!has_cjk(&e) && !e.is_empty(), "{v:?}: {e}");
                assert!(zh.insert(z), "{v:?}: two variants share a name");
            }
        }
        use Duty::*;
        check(
            &[
                CraneHookRaised,
                CranePowerOff,
                CraneWeathervaning,
                HoistsLowered,
                BoxesLocked,
                PitMonitoring,
                DutyPatrols,
            ],
            |l, d| duty_name(l, *d).into(),
        );
        check(
            &[
                DutyStatus::Met(Bilingual::default()),
                DutyStatus::Unmet(Bilingual::default()),
                DutyStatus::Unknown(Bilingual::default()),
            ],
            |l, d| duty_status_name(l, d).into(),
        );
        check(
            &[FindingKind::LiftingActivity, FindingKind::PowerDraw, FindingKind::DaytimeNoise, FindingKind::DarkSensor],
            |l, f| finding_name(l, f).into(),
        );
        check(&[AlertLevel::III, AlertLevel::II, AlertLevel::I], |l, a| alert_level_name(l, *a).into());
        check(&[Status::Operating, Status::Stopped, Status::ResumptionReview], |l, s| {
            stoppage_status_name(l, *s).into()
        });
        check(
            &[AlarmStatus::Raised, AlarmStatus::Acknowledged, AlarmStatus::Dispatched, AlarmStatus::Closed],
            |l, s| alarm_status_name(l, *s).into(),
        );
        check(&[Level::Normal, Level::Warning, Level::Alarm, Level::Control], |l, v| level_name(l, *v).into());
        let reasons = [
            StopReason::PollutionAlert { level: AlertLevel::II, exemptions: vec![Exemption::Canopy] },
            StopReason::Rectification { order: "JL-2026-031".into() },
            StopReason::Abnormal { cause: "资金原因".into() },
            StopReason::Seasonal,
            StopReason::Epidemic,
            StopReason::Event { name: "马拉松".into() },
        ];
        check(&reasons, |l, r| stop_reason_text(l, r).replace("资金原因", "").replace("马拉松", ""));
        let zh: Vec<String> = reasons.iter().map(|r| stop_reason_text(Lang::Zh, r)).collect();
        assert_eq!(
            zh,
            [
                "重污染天气应急停工（Ⅱ级（橙色）预警）",
                "整改停工（整改通知 JL-2026-031）",
                "非正常停工（中止施工）：资金原因",
                "季节性停工（春节、冬季）",
                "疫情防控停工",
                "重大活动保障停工：马拉松",
            ]
        );
        assert_eq!(stop_reason_text(Lang::En, &reasons[1]), "Stopped for rectification, order JL-2026-031");
        assert_eq!(stop_reason_text(Lang::Zh, &StopReason::Rectification { order: " ".into() }), "整改停工");
        assert_eq!(duty_name(Lang::Zh, Duty::CraneWeathervaning), "塔吊处于自由回转（风标）状态");
        assert_eq!(alarm_status_name(Lang::Zh, AlarmStatus::Dispatched), "已派单");
        assert_eq!(level_name(Lang::En, Level::Control), "Control");
    }

    #[test]
    fn quality_and_chart_notes_in_both_languages() {
        for rule in crate::rules::RULE_SOURCES.iter().map(|s| s.id).filter(|id| id.starts_with("quality.")) {
            assert!(has_cjk(quality_reason(Lang::Zh, rule)), "{rule}");
            assert_ne!(quality_reason(Lang::En, rule), rule);
        }
        assert_eq!(quality_reason(Lang::Zh, "quality.range"), "超出量程");
        assert_eq!(quality_name(Lang::Zh, &Quality::Suspect("T".into())), "可疑");
        let n = crate::rules::RuleSet::default().noise;
        let day = LineNote::DayLeq { from_hour: n.night_end_hour, to_hour: n.night_start_hour, window_min: 20.0 };
        assert_eq!(line_note(Lang::Zh, &day), "昼间 06:00–22:00 等效声级（20 分钟）");
        assert_eq!(line_note(Lang::En, &day), "day Leq (20 min), 06:00–22:00");
        let night = LineNote::NightMaximum { from_hour: 22, to_hour: 6 };
        assert_eq!(line_note(Lang::Zh, &night), "夜间 22:00–06:00 最大声级（单次读数）");
        assert_eq!(line_note(Lang::Zh, &LineNote::HourlyMean), "小时均值");
    }
}
