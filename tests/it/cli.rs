//! The `sitetwin` binary as a user runs it: `validate` on scenes and models, good and bad.

use std::path::Path;
use std::process::{Command, Output};

use crate::{corpora, repo, scratch};

fn sitetwin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sitetwin")).args(args).current_dir(repo()).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn validate_accepts_the_demo_and_summarises_it() {
    let o = sitetwin(&["validate", "scenes/demo.ron"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("scenes/demo.ron: ok"), "{t}");
    assert!(t.contains("2 tower cranes, 1 hoists, 1 pits"), "{t}");
    assert!(t.contains("sensors   62"), "{t}");
}

#[test]
fn validate_reports_every_problem_with_line_and_column() {
    let dir = scratch("bad-scene");
    let demo = std::fs::read_to_string(repo().join("scenes/demo.ron")).unwrap();
    let bad = demo
        .replace("../assets/", &format!("{}/assets/", repo().display()))
        .replacen("jib_length_m: 50.0", "jib_length_m: -5.0", 1)
        .replacen("anchor: (object: \"DB1\")", "anchor: (object: \"DB9\")", 1)
        .replacen("name: \"1#施工升降机\",", "name: \"1#施工升降机\", speed: 1,", 1);
    let path = dir.join("bad.ron");
    std::fs::write(&path, &bad).unwrap();
    let o = sitetwin(&["validate", path.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    let line = bad.lines().position(|l| l.contains("jib_length_m: -5.0")).unwrap() + 1;
    assert!(t.contains(&format!("bad.ron:{line}:")), "{t}");
    assert!(t.contains("cranes[1].jib_length_m: expected a positive number, found -5"), "{t}");
    assert!(t.contains("sensors[57].anchor.object: no object with id `DB9`"), "{t}");
    assert!(t.contains("hoists[0].speed: unknown field `speed`"), "{t}");
    assert!(t.contains("3 errors in the scene"), "{t}");
    // The twin refuses to open it the same way, without panicking.
    let o = sitetwin(&["snapshot", path.to_str().unwrap(), "--out", dir.join("x.png").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("3 errors in the scene") && !dir.join("x.png").exists());
}

#[test]
fn validate_reports_what_a_model_holds() {
    let o = sitetwin(&["validate", "assets/models/demo/tc1.glb"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    for needle in
        ["importable", "format      Glb (by sitetwin-modelgen 1)", "slewing", "trolley", "hook", "triangles   3372"]
    {
        assert!(t.contains(needle), "missing {needle}: {t}");
    }
    let kenney = corpora().join("kenney-retro-urban-kit/glb/truck-flat.glb");
    let o = sitetwin(&["validate", kenney.to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("KHR_texture_transform") && t.contains("Textures/truck.png"), "{t}");
    let o = sitetwin(&["validate", "--json", "assets/models/demo/pit1.glb"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["nodes"].as_array().unwrap().iter().any(|n| n["name"] == "strut_ZC1"));
}

#[test]
fn validate_explains_why_a_model_cannot_be_imported() {
    let base = corpora().join("gltf-validator/test/base/data");
    let cases = [
        ("node/node_loop.gltf", "cycle"),
        ("image/empty_object.gltf", "image 0 has neither a uri nor a bufferView"),
        ("mesh/unresolved_positions.gltf", "POSITION names accessor 0"),
        ("glb/invalid_magic.glb", "not a glTF file"),
    ];
    for (file, why) in cases {
        let p = base.join(file);
        if !p.exists() {
            continue;
        }
        let o = sitetwin(&["validate", p.to_str().unwrap()]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{file}: {t}");
        assert!(t.contains(&p.display().to_string()) && t.contains(why), "{file}: {t}");
    }
    let o = sitetwin(&["validate", "README.md"]);
    assert!(!o.status.success() && text(&o).contains("expected a .ron scene or a .gltf/.glb model"));
    let o = sitetwin(&["validate", "no/such/file.glb"]);
    assert!(!o.status.success() && text(&o).contains("cannot read"));
    assert!(Path::new(env!("CARGO_BIN_EXE_sitetwin")).exists());
}

#[test]
fn route_tsp_solves_a_tsplib_instance_and_names_the_line_of_a_bad_one() {
    // berlin52 from the shared corpus: its optimum is 7542.
    let file = corpora().join("tsplib/berlin52.tsp");
    let o = sitetwin(&["route", "tsp", file.to_str().unwrap(), "--time-limit-ms", "300", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let length = v["length"].as_i64().unwrap();
    assert!((7542..=7542 * 1005 / 1000).contains(&length), "within 0.5 % of the optimum: {length}");
    let mut tour: Vec<u64> = v["tour"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect();
    tour.sort_unstable();
    assert_eq!(tour, (1..=52).collect::<Vec<_>>(), "each node once, 1-based");
    assert!(v["elapsed_ms"].as_f64().unwrap() >= 0.0);
    // Plain output: the length, then the tour.
    let o = sitetwin(&["route", "tsp", file.to_str().unwrap(), "--time-limit-ms", "50"]);
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("berlin52: 52 nodes, tour length "), "{}", text(&o));
    // A coordinate line without its y.
    let dir = scratch("route-bad");
    let bad = dir.join("bad.tsp");
    std::fs::write(
        &bad,
        "NAME: bad\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 3\n3 4 4\nEOF\n",
    )
    .unwrap();
    let o = sitetwin(&["route", "tsp", bad.to_str().unwrap()]);
    let t = text(&o);
    assert!(!o.status.success() && t.contains("bad.tsp: line 7"), "{t}");
}
