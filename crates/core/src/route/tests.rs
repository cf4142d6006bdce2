//! Tests of the TSPLIB reader (every format, every distance type, bad input) and the solver
//! (brute force on small instances, tour invariants, determinism), and the corpus table.

use std::time::Duration;

use super::tsplib::{EdgeWeightType, att, ceil_2d, euc_2d, geo};
use super::*;

/// The symmetric 5-node matrix every format test writes.
const M5: [[i64; 5]; 5] = [[0, 3, 4, 2, 7], [3, 0, 4, 6, 3], [4, 4, 0, 5, 8], [2, 6, 5, 0, 6], [7, 3, 8, 6, 0]];

fn explicit(format: &str, weights: &str) -> String {
    format!(
        "NAME: m5\nTYPE: TSP\nDIMENSION : 5\nEDGE_WEIGHT_TYPE: EXPLICIT\n\
         EDGE_WEIGHT_FORMAT: {format}\nEDGE_WEIGHT_SECTION\n{weights}\nEOF\n"
    )
}

/// The entries of M5 at the cells `(i, j)` for `i` rows and `js(i)` columns, on wrapped lines.
fn listed(cells: impl Iterator<Item = (usize, usize)>, transpose: bool) -> String {
    let words: Vec<String> = cells.map(|(i, j)| if transpose { M5[j][i] } else { M5[i][j] }.to_string()).collect();
    // Wrap arbitrarily: 3 numbers a line, then 1, then 3 ...
    let mut out = String::new();
    for (k, w) in words.iter().enumerate() {
        out.push_str(w);
        out.push(if k % 4 == 2 || k % 4 == 3 { '\n' } else { ' ' });
    }
    out
}

fn rows(f: impl Fn(usize) -> std::ops::Range<usize>) -> Vec<(usize, usize)> {
    (0..5).flat_map(|i| f(i).map(move |j| (i, j))).collect()
}

#[test]
fn every_explicit_format_gives_the_same_matrix() {
    let full = rows(|_| 0..5);
    let upper = rows(|i| i + 1..5);
    let lower = rows(|i| 0..i);
    let upper_diag = rows(|i| i..5);
    let lower_diag = rows(|i| 0..i + 1);
    // Column formats: column j lists rows i; written as (j, i) cells of the transpose.
    let cases = [
        ("FULL_MATRIX", listed(full.into_iter(), false)),
        ("UPPER_ROW", listed(upper.clone().into_iter(), false)),
        ("LOWER_ROW", listed(lower.clone().into_iter(), false)),
        ("UPPER_DIAG_ROW", listed(upper_diag.clone().into_iter(), false)),
        ("LOWER_DIAG_ROW", listed(lower_diag.clone().into_iter(), false)),
        // UPPER_COL: for column j, rows i < j, i.e. (i, j) with i < j, column by column.
        ("UPPER_COL", listed(lower.into_iter(), true)),
        ("LOWER_COL", listed(upper.into_iter(), true)),
        ("UPPER_DIAG_COL", listed(lower_diag.into_iter(), true)),
        ("LOWER_DIAG_COL", listed(upper_diag.into_iter(), true)),
    ];
    for (format, weights) in cases {
        let inst = parse(&explicit(format, &weights)).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(inst.edge_weight_type, EdgeWeightType::Explicit);
        assert_eq!(inst.name, "m5");
        for (i, row) in M5.iter().enumerate() {
            for (j, &w) in row.iter().enumerate() {
                assert_eq!(inst.matrix.get(i, j), w, "{format} ({i}, {j})");
            }
        }
    }
}

#[test]
fn distances_match_tsplib() {
    // att48's first two nodes.
    assert_eq!(att((6734.0, 1453.0), (2233.0, 10.0)), 1495);
    // r = sqrt(10) = 3.16: nint 3 < r, so 4.
    assert_eq!(att((0.0, 0.0), (10.0, 0.0)), 4);
    assert_eq!(euc_2d((0.0, 0.0), (3.0, 4.0)), 5);
    assert_eq!(euc_2d((0.0, 0.0), (1.0, 1.0)), 1); // 1.414
    assert_eq!(euc_2d((0.0, 0.0), (1.5, 1.5)), 2); // 2.121
    assert_eq!(ceil_2d((0.0, 0.0), (1.0, 1.0)), 2);
    assert_eq!(ceil_2d((0.0, 0.0), (3.0, 4.0)), 5);
    // burma14's first nodes; the published matrix has d(1,2) = 153, d(1,3) = 510.
    assert_eq!(geo((16.47, 96.10), (16.47, 94.44)), 153);
    assert_eq!(geo((16.47, 96.10), (20.09, 92.54)), 510);
    let text = "NAME : burma3\nTYPE : TSP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : GEO\n\
                EDGE_WEIGHT_FORMAT : FUNCTION \nDISPLAY_DATA_TYPE : COORD_DISPLAY\n\
                NODE_COORD_SECTION\n   1  16.47       96.10\n   2  16.47       94.44\n\
                3  20.09       92.54\n";
    let inst = parse(text).unwrap();
    assert_eq!(inst.matrix.get(0, 1), 153);
    assert_eq!(inst.matrix.get(2, 0), 510);
    assert_eq!(inst.matrix.get(1, 1), 0);
}

#[test]
fn coordinates_and_display_data_read() {
    let text = "NAME: sq\nCOMMENT: a square\nCOMMENT : twice\nTYPE: TSP\nDIMENSION: 4\n\
                EDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_TYPE : TWOD_COORDS\nNODE_COORD_SECTION\n\
                2 3e0 0\n1 0 0\n3 3 4.0\n4 0 4\nDISPLAY_DATA_SECTION\n1 0 0\n2 1 1\n";
    let inst = parse(text).unwrap();
    assert_eq!(inst.comment, "a square\ntwice");
    assert_eq!(inst.coords.as_deref().map(|c| c[1]), Some((3.0, 0.0)));
    assert_eq!(inst.matrix.get(0, 2), 5);
    assert_eq!(inst.matrix.get(1, 0), 3);
    let tour = solve(&inst.matrix, Duration::from_millis(10), 1);
    assert_eq!(tour.length, 14);
}

fn error_of(text: &str) -> TsplibError {
    match parse(text) {
        Ok(_) => panic!("read:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn bad_input_is_refused_on_its_line() {
    let head = "NAME: x\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n";
    let cases: Vec<(String, usize, &str)> = vec![
        (format!("{head}1 0 0\n2 1 x\n3 2 2\n"), 7, "coordinate `x`"),
        (format!("{head}1 0 0\n2 1 1\n3 2e10 2\n"), 8, "beyond"),
        (explicit("UPPER_ROW", "3 4 2 7\n4 6 3\n5 8 99999999999999"), 9, "beyond"),
        (format!("{head}1 0 0\n4 1 1\n3 2 2\n"), 7, "node id 4 is out of range"),
        (format!("{head}1 0 0\n1 1 1\n3 2 2\n"), 7, "node 1 is given twice"),
        (format!("{head}1 0 0\n2 1 1\n"), 5, "gives 2 of the 3 nodes"),
        (format!("{head}1 0 0\n2 1 1 5\n"), 7, "3 coordinates"),
        (format!("{head}1 0 0\n2 1\n"), 7, "2 fields"),
        ("NAME: x\nTYPE: TSP\nEDGE_WEIGHT_TYPE: EUC_2D\n".into(), 3, "DIMENSION is missing"),
        ("NAME: x\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n".into(), 3, "before DIMENSION"),
        ("NAME: x\nTYPE: ATSP\n".into(), 2, "TYPE ATSP is not supported"),
        ("NAME: x\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_3D\n".into(), 3, "EUC_3D is not supported"),
        ("NAME: x\nDIMENSION: three\n".into(), 2, "`three` is not a count"),
        ("NAME: x\nDIMENSION: 3\nCOLOUR: red\n".into(), 3, "unknown keyword `COLOUR`"),
        ("NAME: x\nDIMENSION: 3\nCAPACITY: 3\n".into(), 3, "CAPACITY is not supported"),
        ("NAME: x\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\n".into(), 3, "need a NODE_COORD_SECTION"),
        (
            "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_SECTION\n1 2 3\n".into(),
            3,
            "before EDGE_WEIGHT_FORMAT",
        ),
        (explicit("UPPER_ROW", "3 4 2 7\n4 6 3 5\n8 6 9"), 9, "more weights"),
        (explicit("UPPER_ROW", "3 4 2 7\n4 6 3 5\n8"), 9, "has 9 weights"),
        (explicit("UPPER_ROW", "3 4 2 7\n4 6 3.5 5\n8 6"), 8, "weight `3.5`"),
        (
            explicit("FULL_MATRIX", &listed(rows(|_| 0..5).into_iter(), false)).replace("0 3 4\n2\n", "0 3 4\n9\n"),
            14, // (4, 1) is word 15, on the 8th data line
            "not symmetric",
        ),
        (explicit("DIAGONAL", ""), 5, "unknown EDGE_WEIGHT_FORMAT"),
    ];
    for (text, line, words) in cases {
        let e = error_of(&text);
        assert_eq!(e.line, line, "{e} in\n{text}");
        assert!(e.message.contains(words), "{e} lacks `{words}`");
        assert!(e.to_string().starts_with(&format!("line {line}: ")));
    }
}

/// A small deterministic generator for the test instances.
fn lcg(state: &mut u64) -> u64 {
    *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *state >> 33
}

fn random_matrix(n: usize, seed: u64, euclidean: bool) -> DistanceMatrix {
    let mut s = seed;
    if euclidean {
        let pts: Vec<(f64, f64)> = (0..n).map(|_| ((lcg(&mut s) % 1000) as f64, (lcg(&mut s) % 1000) as f64)).collect();
        DistanceMatrix::from_fn(n, |i, j| euc_2d(pts[i], pts[j]))
    } else {
        let w: Vec<i64> = (0..n * n).map(|_| (lcg(&mut s) % 100) as i64 + 1).collect();
        DistanceMatrix::from_fn(n, |i, j| w[i.min(j) * n + i.max(j)])
    }
}

/// The optimum by trying every order with node 0 first.
fn brute_force(d: &DistanceMatrix) -> i64 {
    fn go(d: &DistanceMatrix, path: &mut Vec<usize>, left: &mut Vec<usize>, best: &mut i64) {
        if left.is_empty() {
            *best = (*best).min(tour_length(d, path));
            return;
        }
        for k in 0..left.len() {
            let v = left.remove(k);
            path.push(v);
            go(d, path, left, best);
            path.pop();
            left.insert(k, v);
        }
    }
    let n = d.dimension();
    let mut best = i64::MAX;
    go(d, &mut vec![0], &mut (1..n).collect(), &mut best);
    if n == 0 { 0 } else { best }
}

fn assert_valid(d: &DistanceMatrix, tour: &Tour) {
    let mut seen = tour.order.clone();
    seen.sort_unstable();
    assert_eq!(seen, (0..d.dimension()).collect::<Vec<_>>(), "not a permutation");
    assert_eq!(tour.length, tour_length(d, &tour.order));
}

#[test]
fn solve_finds_the_optimum_of_small_instances_up_to_9_nodes() {
    for n in 1..=9 {
        for seed in 0..4 {
            for euclidean in [true, false] {
                let d = random_matrix(n, seed * 31 + n as u64, euclidean);
                let tour = solve(&d, Duration::from_millis(20), seed);
                assert_valid(&d, &tour);
                assert_eq!(tour.length, brute_force(&d), "n {n} seed {seed} euclidean {euclidean}");
            }
        }
    }
}

#[test]
fn solve_is_valid_and_deterministic_on_larger_instances() {
    for (n, euclidean) in [(9, true), (40, true), (120, true), (60, false)] {
        let d = random_matrix(n, 7 + n as u64, euclidean);
        let a = solve_bounded(&d, Duration::from_secs(60), 300, 5);
        let b = solve_bounded(&d, Duration::from_secs(60), 300, 5);
        assert_valid(&d, &a);
        assert_eq!(a, b, "n {n}: same seed, same tour");
        let timed = solve(&d, Duration::from_millis(30), 9);
        assert_valid(&d, &timed);
    }
    let empty = solve(&DistanceMatrix::from_fn(0, |_, _| 0), Duration::from_millis(1), 0);
    assert_eq!((empty.order.len(), empty.length), (0, 0));
}

/// The shared corpus: `SITETWIN_SHARED`, else `shared/` beside the repository.
fn corpus_dir() -> Option<std::path::PathBuf> {
    let root = std::env::var_os("SITETWIN_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let dir = root.join("corpora/tsplib");
    dir.is_dir().then_some(dir)
}

#[test]
#[ignore = "reads the shared corpus and runs 1 s an instance; run in release"]
fn corpus_table() {
    let Some(dir) = corpus_dir() else {
        eprintln!("no shared corpus; skipped");
        return;
    };
    let solutions = std::fs::read_to_string(dir.join("solutions")).unwrap_or_default();
    let optimum = |name: &str| {
        solutions.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == name).then(|| v.split_whitespace().next()?.parse::<i64>().ok())?
        })
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tsp"))
        .collect();
    files.sort();
    println!("{:<10} {:>5} {:>9} {:>9} {:>7} {:>6}", "name", "n", "optimum", "found", "gap %", "ms");
    let mut gaps = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let inst = match parse(&text) {
            Ok(i) => i,
            Err(e) => {
                println!("{}: {e}", path.display());
                continue;
            }
        };
        let t0 = std::time::Instant::now();
        let tour = solve(&inst.matrix, Duration::from_secs(1), 1);
        let ms = t0.elapsed().as_millis();
        assert_valid(&inst.matrix, &tour);
        let opt = optimum(&inst.name);
        let gap = opt.map(|o| 100.0 * (tour.length - o) as f64 / o as f64);
        gaps.extend(gap);
        println!(
            "{:<10} {:>5} {:>9} {:>9} {:>7} {:>6}",
            inst.name,
            inst.matrix.dimension(),
            opt.map_or("?".into(), |o| o.to_string()),
            tour.length,
            gap.map_or("?".into(), |g| format!("{g:.3}")),
            ms
        );
    }
    if !gaps.is_empty() {
        println!("mean gap {:.3} % over {}", gaps.iter().sum::<f64>() / gaps.len() as f64, gaps.len());
    }
}

/// A random order of `0..n`.
fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut s = seed;
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, (lcg(&mut s) % (i as u64 + 1)) as usize);
    }
    order
}

#[test]
fn every_move_keeps_a_tour_and_gains_what_it_says() {
    use super::solve::{LocalSearch, SplitMix64};
    fn step(ls: &mut LocalSearch<'_>, name: &str, v: usize) -> Option<i64> {
        match name {
            "2-opt" => ls.improve_2opt(v),
            "Or-opt" => ls.improve_or_opt(v),
            "or-3opt" => ls.improve_or3(v),
            _ => ls.improve_lk(v),
        }
    }
    for (n, euclidean) in [(8, true), (13, false), (40, true), (90, true), (60, false)] {
        let d = random_matrix(n, 100 + n as u64, euclidean);
        for name in ["2-opt", "Or-opt", "or-3opt", "LK"] {
            let mut ls = LocalSearch::new(&d, shuffled(n, n as u64));
            let mut rng = SplitMix64(3);
            let mut found = 0;
            for round in 0..4 * n {
                let v = round % n;
                let before = ls.order.clone();
                let len = tour_length(&d, &before);
                let gain = step(&mut ls, name, v);
                let after = tour_length(&d, &ls.order);
                let mut sorted = ls.order.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, (0..n).collect::<Vec<_>>(), "{name}: not a permutation");
                match gain {
                    Some(g) => {
                        found += 1;
                        assert!(g > 0, "{name}: gain {g}");
                        assert_eq!(len - after, g, "{name} n {n}: gain {g} but the tour changed by {}", len - after);
                    }
                    None => assert_eq!(ls.order, before, "{name}: no move, yet the tour changed"),
                }
                // Now and then a kick, so that the moves keep finding work.
                if round % n == n - 1 {
                    let len = tour_length(&d, &ls.order);
                    let g = ls.kick(&mut rng);
                    assert_eq!(len - tour_length(&d, &ls.order), g, "kick");
                }
            }
            assert!(found > 0, "{name} found nothing from a random tour of {n}");
        }
    }
}

#[test]
fn candidates_are_distinct_other_nodes_nearest_first() {
    for (n, euclidean) in [(9, true), (50, true), (40, false)] {
        let d = random_matrix(n, 40 + n as u64, euclidean);
        let k = 8.min(n - 1);
        let lists = super::candidates::alpha_nearest(&d, k, tour_length(&d, &(0..n).collect::<Vec<_>>()));
        assert_eq!(lists.len(), n * k);
        for (i, list) in lists.chunks(k).enumerate() {
            let mut seen = list.to_vec();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), k, "node {i}: {list:?}");
            assert!(!list.contains(&i));
            assert!(list.windows(2).all(|w| d.get(i, w[0]) <= d.get(i, w[1])), "node {i}: {list:?}");
        }
    }
}
