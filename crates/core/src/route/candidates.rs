//! Candidate edges for the tour solver: the `k` alpha-nearest neighbours of each node (Helsgaun
//! 2000, as in LKH), from a minimum spanning tree of distances shifted by Held–Karp node
//! penalties. On clustered instances the best tours use edges far down a node's nearest-neighbour
//! list (pr226: its 38th nearest); alpha-nearness ranks them among the first few.

use super::DistanceMatrix;

/// Ascent rounds at most; fewer where the matrix is large, so that the ascent stays a small
/// part of the time limit (each round is a spanning tree over the full matrix).
const ASCENT_ROUNDS: usize = 100;
/// Matrix entries the ascent may scan in all (rounds × n²).
const ASCENT_BUDGET: usize = 60_000_000;

/// Each node's `k` candidate neighbours, flattened: the `k` smallest alpha values, sorted by
/// distance nearest first (the solver's moves stop at the first candidate too far for a gain).
/// `upper` is the length of some tour, which sets the ascent's step.
pub(super) fn alpha_nearest(d: &DistanceMatrix, k: usize, upper: i64) -> Vec<usize> {
    let n = d.dimension();
    let pi = ascent(d, upper);
    let cost = |i: usize, j: usize| d.get(i, j) as f64 + pi[i] + pi[j];
    let (parent, order) = spanning_tree(n, cost);
    // The tree as adjacency lists, for the walks below.
    let mut adjacent: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &v in &order[1..] {
        adjacent[v].push(parent[v]);
        adjacent[parent[v]].push(v);
    }
    let mut beta = vec![0.0f64; n];
    let mut stack = Vec::with_capacity(n);
    let mut visited = vec![usize::MAX; n];
    let mut out = Vec::with_capacity(n * k);
    let mut row: Vec<(f64, i64, usize)> = Vec::with_capacity(n);
    for i in 0..n {
        // beta[j]: the longest tree edge on the path from i to j.
        beta[i] = f64::NEG_INFINITY;
        visited[i] = i;
        stack.push(i);
        while let Some(u) = stack.pop() {
            for &w in &adjacent[u] {
                if visited[w] != i {
                    visited[w] = i;
                    beta[w] = beta[u].max(cost(u, w));
                    stack.push(w);
                }
            }
        }
        row.clear();
        row.extend((0..n).filter(|&j| j != i).map(|j| (cost(i, j) - beta[j], d.get(i, j), j)));
        let key =
            |a: &(f64, i64, usize), b: &(f64, i64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2));
        if k < row.len() {
            row.select_nth_unstable_by(k, key);
        }
        let chosen = &mut row[..k];
        chosen.sort_unstable_by_key(|&(_, dist, j)| (dist, j));
        out.extend(chosen.iter().map(|&(_, _, j)| j));
    }
    out
}

/// Held–Karp node penalties by subgradient ascent on minimum 1-trees (node 0 the special node):
/// those of the best lower bound found.
fn ascent(d: &DistanceMatrix, upper: i64) -> Vec<f64> {
    let n = d.dimension();
    let rounds = ASCENT_ROUNDS.min(ASCENT_BUDGET / (n * n).max(1));
    let mut pi = vec![0.0f64; n];
    let mut best_pi = pi.clone();
    let mut best_bound = f64::NEG_INFINITY;
    let mut lambda = 2.0;
    let mut since_better = 0;
    let mut degree = vec![0i64; n];
    for _ in 0..rounds {
        let cost = |i: usize, j: usize| d.get(i, j) as f64 + pi[i] + pi[j];
        // The spanning tree of nodes 1.., then node 0 joined to its two cheapest.
        let (parent, order) = spanning_tree_from(n, 1, cost);
        degree.fill(0);
        let mut bound = 0.0;
        for &v in &order[1..] {
            degree[v] += 1;
            degree[parent[v]] += 1;
            bound += cost(v, parent[v]);
        }
        let (mut first, mut second) = ((f64::INFINITY, 0), (f64::INFINITY, 0));
        for j in 1..n {
            let c = cost(0, j);
            if c < first.0 {
                second = first;
                first = (c, j);
            } else if c < second.0 {
                second = (c, j);
            }
        }
        for (c, j) in [first, second] {
            bound += c;
            degree[j] += 1;
        }
        degree[0] = 2;
        bound -= 2.0 * pi.iter().sum::<f64>();
        if bound > best_bound + 1e-9 {
            best_bound = bound;
            best_pi.copy_from_slice(&pi);
            since_better = 0;
        } else {
            since_better += 1;
            if since_better >= 5 {
                lambda /= 2.0;
                since_better = 0;
            }
        }
        let norm: i64 = degree.iter().map(|&g| (g - 2) * (g - 2)).sum();
        if norm == 0 || lambda < 1e-4 {
            // A tour, or no more progress to make.
            break;
        }
        let step = lambda * (upper as f64 - bound).max(1.0) / norm as f64;
        for (p, &g) in pi.iter_mut().zip(&degree) {
            *p += step * (g - 2) as f64;
        }
    }
    best_pi
}

/// Prim's minimum spanning tree under `cost` over all nodes: each node's parent (the root's is
/// itself) and the nodes in the order they joined, root first.
fn spanning_tree(n: usize, cost: impl Fn(usize, usize) -> f64) -> (Vec<usize>, Vec<usize>) {
    spanning_tree_from(n, 0, cost)
}

/// Prim's minimum spanning tree under `cost` over the nodes `first..n`, rooted at `first`.
fn spanning_tree_from(n: usize, first: usize, cost: impl Fn(usize, usize) -> f64) -> (Vec<usize>, Vec<usize>) {
    let mut parent = vec![first; n];
    let mut key = vec![f64::INFINITY; n];
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n - first);
    let mut at = first;
    done[at] = true;
    order.push(at);
    for _ in first + 1..n {
        let mut next = None;
        for j in first..n {
            if done[j] {
                continue;
            }
            let c = cost(at, j);
            if c < key[j] {
                key[j] = c;
                parent[j] = at;
            }
            if next.is_none_or(|m: usize| key[j] < key[m]) {
                next = Some(j);
            }
        }
        // One node is left each round.
        let Some(next) = next else { break };
        done[next] = true;
        order.push(next);
        at = next;
    }
    (parent, order)
}
