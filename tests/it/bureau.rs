//! `sitetwin bureau` as bureau staff run it: the non-operating sites riskiest first (table and
//! JSON), the monthly consultation report's CSV and PNG, a city-wide alert moving sites and saved
//! to a city file, a review recorded, and bad input refused with the field or value named.

use std::process::{Command, Output};

use crate::{repo, scratch};

fn sitetwin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sitetwin")).args(args).current_dir(repo()).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn bureau_list_ranks_the_demo_citys_stopped_sites_and_its_json_carries_the_columns() {
    let o = sitetwin(&["bureau", "list", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(rows.len() >= 10, "{}", rows.len());
    for r in &rows {
        for key in ["site", "status", "days_stopped", "risk_score", "reasons", "category", "district", "hazards"] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        assert_ne!(r["status"], "Operating");
    }
    let scores: Vec<f64> = rows.iter().map(|r| r["risk_score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // The demo site: stopped for the orange alert since 30 November, TC1's slew brake locked.
    let demo = rows.iter().find(|r| r["site"] == "3206022026051701").unwrap();
    assert_eq!(demo["category"], "pollution");
    assert_eq!(demo["days_stopped"], 2);
    let reasons: Vec<&str> = demo["reasons"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(reasons.iter().any(|r| r.contains("TC1") && r.starts_with("停工职责未落实")), "{reasons:?}");
    // The table, in English, filtered to one category.
    let o = sitetwin(&["bureau", "list", "--lang", "en", "--category", "abnormal"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("abnormal") && t.contains("overdue report"), "{t}");
    let o = sitetwin(&["bureau", "list", "--json", "--category", "abnormal"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|r| r["category"] == "abnormal"), "{rows:?}");
}

#[test]
fn bureau_report_writes_the_consultation_csv_and_chart() {
    let dir = scratch("bureau-report");
    let o = sitetwin(&["bureau", "report", "--month", "2026-11", "--out", dir.to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let csv = std::fs::read_to_string(dir.join("consultation-2026-11.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}工地编号,项目名称,区县,停工类别,预警级别"), "{csv}");
    assert!(csv.contains("重污染天气停工") && csv.contains("2026-11-14"), "{csv}");
    let summary = std::fs::read_to_string(dir.join("consultation-2026-11-summary.csv")).unwrap();
    assert!(summary.lines().count() >= 4, "{summary}");
    let png = image::open(dir.join("consultation-2026-11.png")).unwrap();
    assert_eq!((png.width(), png.height()), (1280, 760));
    // A month after the registry's day, and a malformed one, are refused by name.
    let o = sitetwin(&["bureau", "report", "--month", "2027-03", "--out", dir.to_str().unwrap()]);
    assert!(
        !o.status.success() && text(&o).contains("month 2027-03: after the registry's day 2026-12-02"),
        "{}",
        text(&o)
    );
    let o = sitetwin(&["bureau", "report", "--month", "2026-1", "--out", dir.to_str().unwrap()]);
    assert!(!o.status.success() && text(&o).contains("expected YYYY-MM"), "{}", text(&o));
}

#[test]
fn a_red_alert_saved_to_a_city_file_stops_more_sites_and_a_review_is_recorded() {
    let dir = scratch("bureau-alert");
    // Written through a path with `..` in it, the scene paths still lead to the scenes.
    let city = dir.join("sub/../city.json");
    let c = city.to_str().unwrap();
    let o = sitetwin(&["bureau", "generate", "--out", c]);
    assert!(o.status.success(), "{}", text(&o));
    let o = sitetwin(&["bureau", "twin", "3206022026051701", "--city", c, "--out", dir.to_str().unwrap()]);
    assert!(o.status.success() && text(&o).trim().ends_with("scenes/demo.ron"), "{}", text(&o));
    assert!(std::path::Path::new(text(&o).trim()).is_file(), "{}", text(&o));
    let count = |args: &[&str]| -> usize {
        let o = sitetwin(args);
        assert!(o.status.success(), "{}", text(&o));
        serde_json::from_slice::<Vec<serde_json::Value>>(&o.stdout).unwrap().len()
    };
    let before = count(&["bureau", "list", "--city", c, "--json"]);
    let o = sitetwin(&["bureau", "alert", "I", "--city", c, "--save"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("Ⅰ级（红色）预警") && t.contains("停工，禁止作业") && t.contains("露天施工"), "{t}");
    let after = count(&["bureau", "list", "--city", c, "--json"]);
    assert!(after > before, "{before} → {after}");
    // Lifting it on a day before the last transition is refused, and the file is unchanged.
    let saved = std::fs::read(&city).unwrap();
    let o = sitetwin(&["bureau", "alert", "lift", "--city", c, "--at", "2026-12-01", "--save"]);
    assert!(!o.status.success() && text(&o).contains("before the last transition"), "{}", text(&o));
    assert_eq!(std::fs::read(&city).unwrap(), saved);
    let o = sitetwin(&[
        "bureau",
        "review",
        "3206022026051701",
        "--city",
        c,
        "--reviewer",
        "张伟",
        "--decision",
        "keep_stopped",
        "--finding",
        "TC1 回转制动未松开",
        "--finding",
        "ZQS1 监测点离线",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&city).unwrap()).unwrap();
    let last = v["reviews"].as_array().unwrap().last().unwrap();
    assert_eq!(last["reviewer"], "张伟");
    assert_eq!(last["findings"].as_array().unwrap().len(), 2);
    assert_eq!(last["date"], "2026-12-02");
    for (args, want) in [
        (
            vec!["bureau", "review", "nope", "--city", c, "--reviewer", "张伟", "--decision", "keep_stopped"],
            "no site nope",
        ),
        (
            vec!["bureau", "review", "3206022026051701", "--city", c, "--reviewer", " ", "--decision", "keep_stopped"],
            "reviewer must be named",
        ),
        (
            vec!["bureau", "review", "3206022026051701", "--city", c, "--reviewer", "张伟", "--decision", "approve"],
            "unknown decision `approve`",
        ),
        (
            vec!["bureau", "review", "3206022026051701", "--reviewer", "张伟", "--decision", "keep_stopped"],
            "review needs --city FILE",
        ),
        (vec!["bureau", "alert", "IV"], "unknown alert `IV`"),
        (vec!["bureau", "alert", "II", "--city", c, "--at", "2026-12-09"], "after the registry's day 2026-12-02"),
        (vec!["bureau", "list", "--category", "weather"], "unknown category `weather`"),
    ] {
        let o = sitetwin(&args);
        assert!(!o.status.success() && text(&o).contains(want), "{args:?}: {}", text(&o));
    }
}

#[test]
fn a_broken_city_file_is_refused_with_the_field_or_line() {
    let dir = scratch("bureau-bad");
    let good = dir.join("city.json");
    assert!(
        sitetwin(&["bureau", "generate", "--sites", "40", "--seed", "3", "--out", good.to_str().unwrap()])
            .status
            .success()
    );
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&good).unwrap()).unwrap();
    v["sites"][7]["location"]["lon_deg"] = 500.0.into();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let o = sitetwin(&["bureau", "list", "--city", bad.to_str().unwrap()]);
    assert!(!o.status.success() && text(&o).contains("sites[7].location.lon_deg: longitude 500"), "{}", text(&o));
    std::fs::write(&bad, "{\n  \"version\": 1,\n  \"name\": \"x\",\n  \"today\": \"2026-13-01\"\n}").unwrap();
    let o = sitetwin(&["bureau", "list", "--city", bad.to_str().unwrap()]);
    assert!(!o.status.success() && text(&o).contains("line 4"), "{}", text(&o));
    let o = sitetwin(&["bureau", "list", "--city", dir.join("missing.json").to_str().unwrap()]);
    assert!(!o.status.success() && text(&o).contains("cannot read the city file"), "{}", text(&o));
}
