//! `sitetwin patrol` and `sitetwin findings` as a user runs them: a simulated patrol writes the
//! same bytes twice, its map is a real PNG, its sheet scores through `rules jgj59`, and its
//! findings go through the rectification loop to a CSV.

use std::process::{Command, Output};

use crate::{repo, scratch};

fn sitetwin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sitetwin")).args(args).current_dir(repo()).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn a_simulated_patrol_writes_identical_files_twice_and_its_sheet_scores() {
    let dir = scratch("patrol-sim");
    let (a, b) = (dir.join("a"), dir.join("b"));
    let register = dir.join("findings.json");
    for out in [&a, &b] {
        let o = sitetwin(&[
            "patrol",
            "simulate",
            "scenes/demo.ron",
            "--type",
            "daily",
            "--seed",
            "7",
            "--out",
            out.to_str().unwrap(),
            "--findings",
            register.to_str().unwrap(),
        ]);
        let t = text(&o);
        assert!(o.status.success(), "{t}");
        assert!(t.contains("安全员日常巡查") && t.contains("walked") && t.contains("JGJ 59"), "{t}");
    }
    for f in ["report.json", "map.png", "jgj59-sheet.ron"] {
        let x = std::fs::read(a.join(f)).unwrap();
        assert!(!x.is_empty(), "{f}");
        assert_eq!(x, std::fs::read(b.join(f)).unwrap(), "{f} differs between two runs");
    }
    let png = image::open(a.join("map.png")).unwrap();
    assert!(png.width() > 1000 && png.height() > 600);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(a.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["walk"]["finished"], true);
    assert_eq!(report["walk"]["closed_zone_steps"], 0);
    assert!(report["plan"]["stops"].as_array().unwrap().len() >= 5);
    // The sheet is a real `rules jgj59` input.
    let o = sitetwin(&["rules", "jgj59", a.join("jgj59-sheet.ron").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    // The second run repeated the first's findings: no new items.
    let reg: serde_json::Value = serde_json::from_slice(&std::fs::read(&register).unwrap()).unwrap();
    let items = reg["items"].as_array().unwrap();
    let found = report["findings"].as_array().unwrap().len();
    assert!(found > 0);
    assert!(items.len() <= found, "{} items for {found} findings", items.len());

    // The loop: assign, rectify with a photo, verify; a bad transition is refused by id.
    let f = register.to_str().unwrap();
    let photo = dir.join("photo.jpg");
    std::fs::write(&photo, b"jpeg").unwrap();
    let run = |args: &[&str]| {
        let o = sitetwin(args);
        (o.status.success(), text(&o))
    };
    let (ok, t) = run(&["findings", "verify", "1", "--file", f, "--by", "张工", "--at", "2026-12-03 10:00"]);
    assert!(!ok && t.contains("item 1"), "{t}");
    let (ok, t) =
        run(&["findings", "assign", "1", "--file", f, "--owner", "李班长", "--by", "张工", "--at", "2026-12-03 10:00"]);
    assert!(ok, "{t}");
    let (ok, t) = run(&[
        "findings",
        "rectify",
        "1",
        "--file",
        f,
        "--note",
        "已更换",
        "--photo",
        "/nonexistent.jpg",
        "--by",
        "李班长",
        "--at",
        "2026-12-03 15:00",
    ]);
    assert!(!ok && t.contains("nonexistent.jpg"), "{t}");
    let (ok, t) = run(&[
        "findings",
        "rectify",
        "1",
        "--file",
        f,
        "--note",
        "已更换",
        "--photo",
        photo.to_str().unwrap(),
        "--by",
        "李班长",
        "--at",
        "2026-12-03 15:00",
    ]);
    assert!(ok, "{t}");
    let (ok, t) = run(&["findings", "verify", "1", "--file", f, "--by", "张工", "--at", "2026-12-04 09:00"]);
    assert!(ok, "{t}");
    let (ok, t) = run(&["findings", "list", "--file", f, "--state", "verified", "--at", "2026-12-04 09:00"]);
    assert!(ok && t.contains("#1 ") && t.contains(&format!("1 of {} items", items.len())), "{t}");
    let csv = dir.join("findings.csv");
    let (ok, t) = run(&["findings", "export", "--file", f, "--csv", csv.to_str().unwrap(), "--at", "2026-12-10 09:00"]);
    assert!(ok, "{t}");
    let bytes = std::fs::read(&csv).unwrap();
    assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF], "a byte-order mark for spreadsheets");
    let mut rows = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(rows.records().count(), items.len());
}

#[test]
fn patrol_refuses_bad_arguments_with_what_is_wrong() {
    let dir = scratch("patrol-bad");
    let out = dir.to_str().unwrap();
    let o = sitetwin(&["patrol", "plan", "scenes/demo.ron", "--type", "weekly", "--out", out]);
    assert!(!o.status.success() && text(&o).contains("daily, special, bureau, stopped, resumption"), "{}", text(&o));
    let o = sitetwin(&["patrol", "plan", "scenes/demo.ron", "--type", "daily", "--at", "100h", "--out", out]);
    assert!(!o.status.success() && text(&o).contains("outside scenario default"), "{}", text(&o));
    let o = sitetwin(&["patrol", "plan", "scenes/demo.ron", "--type", "daily", "--findings", "x.json", "--out", out]);
    assert!(!o.status.success() && text(&o).contains("patrol simulate"), "{}", text(&o));
    let o = sitetwin(&["patrol", "plan", "scenes/nope.ron", "--type", "daily", "--out", out]);
    assert!(!o.status.success() && text(&o).contains("nope.ron"), "{}", text(&o));
    // A plan writes its report and map, and no sheet (nothing was found yet).
    let o = sitetwin(&["patrol", "plan", "scenes/demo.ron", "--type", "bureau", "--out", out]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(dir.join("report.json").is_file() && dir.join("map.png").is_file());
    assert!(!dir.join("jgj59-sheet.ron").exists());
}
