//! `sitetwin rules …` end to end: a vendor's export judged in batch (JSON lines and CSV), the
//! major-hazard list, the static compliance check, a JGJ 59 sheet, the rule table, and bad inputs
//! of each kind.

use std::process::{Command, Output};

use crate::{repo, scratch};

fn sitetwin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sitetwin")).args(args).current_dir(repo()).output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const NOW: &str = "2026-12-02T00:00:00+08:00";

#[test]
fn evaluate_judges_every_reading_and_reports_events_and_bad_lines() {
    let o = sitetwin(&[
        "rules",
        "evaluate",
        "--scene",
        "scenes/demo.ron",
        "--readings",
        "docs/examples/demo-readings.jsonl",
        "--now",
        NOW,
    ]);
    let (t, e) = (out(&o), err(&o));
    // Two unreadable lines: the batch is still judged, and the exit code says so.
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("demo-readings.jsonl:line 132: `value`: expected a number, found \"overload\""), "{e}");
    assert!(e.contains("line 133: unknown sensor `TC9-LOAD`"), "{e}");
    for needle in [
        "2026-12-01 08:30:24  TC1-LOAD",
        "crane.load.alarm",
        "crane.wind.alarm",
        "crane.clearance.alarm",
        "pit.cumulative.warning",
        "noise.day.alarm",
        "noise.day.warning",
        "power.leakage-sub.warning",
        "power.trip-time.alarm",
        "HJ 212 flag M: maintenance",
        "QUALITY   DM1-PM25  quality.flag.invalid  invalid: HJ 212 flag M: maintenance",
        "[suspect: HJ 212 flag T: above the measuring range]",
        "SPRAY     DM1-PM10",
        "HOURLY    DM1-PM10  dust.pm10-hourly.alarm  mean 83.1 over 60 readings: alarm (unconfirmed [R])",
        "STALE     DB1-LEAK",
        "49 sensors sent no reading",
        "summary: 131 readings judged (1 invalid, 1 suspect)",
    ] {
        assert!(t.contains(needle), "missing `{needle}` in:\n{t}");
    }
}

#[test]
fn evaluate_reads_csv_and_writes_json() {
    let dir = scratch("rules-csv");
    let csv = dir.join("export.csv");
    std::fs::write(
        &csv,
        "# exported by the crane black box\nsensor,time,value,flag\n\
         TC2-LOAD,2026-12-01 10:00:00,95.5,N\nTC2-LOAD,2026-12-01 10:00:10,110.0,N\n\
         TC2-LOAD,2026-12-01 10:00:20,,F\nTC2-LOAD,2026-12-01T02:00:30Z,20,N\n",
    )
    .unwrap();
    let o = sitetwin(&[
        "rules",
        "evaluate",
        "--scene",
        "scenes/demo.ron",
        "--readings",
        csv.to_str().unwrap(),
        "--now",
        NOW,
        "--json",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules: Vec<&str> =
        v["judgements"].as_array().unwrap().iter().map(|j| j["judgement"]["rule"].as_str().unwrap_or("-")).collect();
    assert_eq!(rules, ["crane.load.warning", "crane.load.control", "-", "-"]);
    assert_eq!(v["judgements"][2]["judgement"]["quality"]["Invalid"], "HJ 212 flag F: instrument stopped");
    assert_eq!(v["judgements"][0]["line"], 3);
    let events = v["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["AlarmRaised"]["rule"] == "crane.load.warning"));
    assert!(events.iter().any(|e| e["AlarmCleared"]["sensor"] == "TC2-LOAD"));
    assert!(events.iter().any(|e| e["DataQuality"]["rule"] == "quality.flag.invalid"));
}

#[test]
fn a_site_rules_file_changes_limits_and_marks_them() {
    let o = sitetwin(&["rules", "show", "--rules", "docs/examples/site-rules.ron"]);
    let t = out(&o);
    assert!(o.status.success());
    assert!(t.contains("formwork.point.alarm") && t.contains("settlement 8 mm"), "{t}");
    assert!(
        t.lines().any(|l| l.starts_with("formwork.point.alarm") && l.contains("confirmed") && l.contains("[site]"))
    );
    assert!(t.lines().any(|l| l.starts_with("crane.wind.warning") && l.contains("UNCONFIRMED")));
    let dir = scratch("bad-rules");
    let bad = dir.join("rules.ron");
    std::fs::write(&bad, "Rules(\n    crane: (load_alarm_pct: 80.0),\n    dust: (pm10_hourly_limt: 75.0),\n)\n")
        .unwrap();
    let o = sitetwin(&["rules", "show", "--rules", bad.to_str().unwrap()]);
    let e = err(&o);
    assert!(!o.status.success());
    assert!(e.contains("rules.ron:3:12: dust.pm10_hourly_limt: unknown field"), "{e}");
    assert!(e.contains("did you mean `pm10_hourly_limit`"), "{e}");
    assert!(e.contains("crane.load: thresholds must be positive and rise"), "{e}");
}

#[test]
fn classify_names_the_rule_that_fired() {
    let o = sitetwin(&["rules", "classify", "--scene", "scenes/demo.ron"]);
    let t = out(&o);
    assert!(o.status.success());
    let pit = t.lines().find(|l| l.starts_with("PIT1")).unwrap();
    assert!(
        pit.contains("超过一定规模的危大工程") && pit.contains("hazard.pit.depth-5m") && pit.contains("6 m ≥ 5 m"),
        "{pit}"
    );
    let hf = t.lines().find(|l| l.starts_with("HF1")).unwrap();
    assert!(hf.contains("hazard.formwork.height-8m"), "{hf}");
    assert!(t.lines().find(|l| l.starts_with("SF1")).unwrap().contains("危大工程 (major hazard"));
}

#[test]
fn jgj59_scores_a_sheet_and_refuses_a_bad_one() {
    let o = sitetwin(&["rules", "jgj59", "docs/examples/jgj59-sheet.ron"]);
    let t = out(&o);
    assert!(o.status.success(), "{}", err(&o));
    // 648/7 exactly, printed rounded down so that no threshold is shown that was not reached.
    assert!(t.contains("total 92.57… → 优良 (Good)"), "{t}");
    assert!(t.contains("TowerCrane (2#塔吊)"), "{t}");
    let o = sitetwin(&["rules", "jgj59", "docs/examples/jgj59-sheet.ron", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["total_exact"].as_str(), v["grade"].as_str()), (Some("648/7"), Some("Good")));
    assert!((v["total"].as_f64().unwrap() - 648.0 / 7.0).abs() < 1e-12);
    let dir = scratch("bad-sheet");
    let sheet = std::fs::read_to_string(repo().join("docs/examples/jgj59-sheet.ron")).unwrap();
    // A guarantee item that does not apply is a missing item (缺项): scored over the rest.
    let missing = sheet.replacen(
        "(name: \"降排水\", kind: Guarantee, full: 10, deduction: 3)",
        "(name: \"降排水\", kind: Guarantee, full: 10, deduction: 3, checked: false)",
        1,
    );
    let path = dir.join("missing.ron");
    std::fs::write(&path, missing).unwrap();
    let o = sitetwin(&["rules", "jgj59", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).lines().any(|l| l.contains("FoundationPit") && l.contains(" 95.0   guarantee 48/50")),
        "{}",
        out(&o)
    );
    let bad = sheet.replacen(
        "(name: \"降排水\", kind: Guarantee, full: 10, deduction: 3)",
        "(name: \"降排水\", kind: Guarantee, full: 10, deduction: 2.75)",
        1,
    );
    let path = dir.join("sheet.ron");
    std::fs::write(&path, bad).unwrap();
    let o = sitetwin(&["rules", "jgj59", path.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        err(&o).contains("tables[1].items[2].deduction: expected zero or more points in whole tenths"),
        "{}",
        err(&o)
    );
}

#[test]
fn check_lists_the_demo_sites_static_findings() {
    let o = sitetwin(&["rules", "check", "--scene", "scenes/demo.ron"]);
    let t = out(&o);
    // The demo complies: its high-formwork zone has the three horizontal-displacement points.
    assert!(o.status.success(), "{t}{}", err(&o));
    assert!(t.contains("static compliance: 0 violation(s)"), "{t}");
    let line = |t: &str, object: &str, rule: &str| {
        t.lines()
            .find(|l| l.contains(&format!("  {object:<7}  {rule}")))
            .unwrap_or_else(|| panic!("{object} {rule}:\n{t}"))
            .to_string()
    };
    assert!(line(&t, "HF1", "formwork.monitoring.horizontal-points").starts_with("OK"));
    let light = line(&t, "TC1", "crane.obstacle-light.required");
    assert!(light.starts_with("OK") && light.contains("required and fitted"), "{light}");
    assert!(line(&t, "DB0", "power.main-rcd.product").contains("100 mA × 0.2 s = 20 mA·s"));
    // The message in Chinese, then in English in parentheses.
    let product = line(&t, "DB0", "power.main-rcd.product");
    assert!(product.contains("乘积 IΔn × t = 100 mA × 0.2 s = 20 mA·s，不应大于 30 mA·s (IΔn × t = "), "{product}");
    assert!(line(&t, "PIT1", "hazard.pit.depth-5m").starts_with("INFO"));
    // Take two of the zone's points away: one of three is a violation, and the exit says so.
    let dir = scratch("check-rules");
    let demo = std::fs::read_to_string(repo().join("scenes/demo.ron")).unwrap();
    let fewer: String = demo
        .lines()
        .filter(|l| !l.contains("id: \"GZ-S2\"") && !l.contains("id: \"GZ-S3\""))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .replace("../assets/", &format!("{}/assets/", repo().display()));
    let scene = dir.join("fewer-points.ron");
    std::fs::write(&scene, fewer).unwrap();
    let o = sitetwin(&["rules", "check", "--scene", scene.to_str().unwrap()]);
    let t = out(&o);
    assert_eq!(o.status.code(), Some(1), "{t}{}", err(&o));
    assert!(t.contains("static compliance: 1 violation(s)"), "{t}");
    assert!(line(&t, "HF1", "formwork.monitoring.horizontal-points").starts_with("VIOLATION"));
    let o = sitetwin(&["rules", "check", "--scene", scene.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let hf = v.as_array().unwrap().iter().find(|f| f["rule"] == "formwork.monitoring.horizontal-points").unwrap();
    assert_eq!((hf["object"].as_str(), hf["severity"].as_str()), (Some("HF1"), Some("Violation")));
    assert_eq!(hf["message"]["zh"].as_str(), Some("水平位移监测点 1 个，至少需要 3 个：GZ-S1"), "{hf}");
    assert_eq!(hf["message"]["en"].as_str(), Some("1 horizontal-displacement point(s), at least 3 needed: GZ-S1"));
    assert!(hf["source"].as_str().unwrap().contains("§3.4"));
    // A site that sets fewer points needed (its scheme's) passes, and the rule shows as set by it.
    let rules = dir.join("rules.ron");
    std::fs::write(&rules, "Rules(formwork: (min_horizontal_points: 1))").unwrap();
    let o = sitetwin(&["rules", "check", "--scene", scene.to_str().unwrap(), "--rules", rules.to_str().unwrap()]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("[site]"), "{}", out(&o));
}

#[test]
fn show_cites_the_city_of_each_alert_list_and_lists_the_hazard_rules() {
    let o = sitetwin(&["rules", "show"]);
    let t = out(&o);
    assert!(o.status.success());
    let line = |id: &str| t.lines().find(|l| l.starts_with(&format!("{id} "))).unwrap_or_else(|| panic!("{id}:\n{t}"));
    assert!(line("pollution.iii").contains("Nanjing yellow (Ⅲ) list: stop Blasting"), "{t}");
    assert!(line("pollution.ii").contains("UNCONFIRMED") && line("pollution.ii").contains("no orange list found"));
    assert!(line("pollution.i").contains("Suzhou red (Ⅰ) list: stop all open-air work"));
    assert!(line("power.main-rcd.product").contains("IΔn × t ≤ 30 mA·s"));
    assert!(line("hazard.lifting.base-200m").contains("超过一定规模的危大工程"));
    // The protocol's choices are shown with their confidence too.
    assert!(line("hj212.crc").contains("confirmed") && line("hj212.crc").contains("0xA001"), "{t}");
    assert!(line("hj212.flag.version-2025").contains("UNCONFIRMED"), "{t}");
}
