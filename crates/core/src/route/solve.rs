//! The TSP solver: a nearest-neighbour tour, improved by 2-opt and Or-opt over neighbour lists
//! with don't-look bits, then iterated local search with local double-bridge kicks until the
//! time limit. Deterministic for a seed, up to how many kicks the time limit lets run.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::DistanceMatrix;

/// Candidate neighbours per node.
const NEIGHBOURS: usize = 10;
/// The longest segment Or-opt moves.
const OR_OPT_MAX_LEN: usize = 3;
/// The longest segment a kick moves: kicks stay local, so the repair is cheap.
const KICK_MAX_LEN: usize = 75;

/// A closed tour: the nodes in visiting order (0-based), and its length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tour {
    /// Each node once, in visiting order; the tour returns from the last to the first.
    pub order: Vec<usize>,
    /// The sum of the matrix entries along the closed tour.
    pub length: i64,
}

/// The length of the closed tour `order` under `d`.
pub fn tour_length(d: &DistanceMatrix, order: &[usize]) -> i64 {
    match (order.first(), order.last()) {
        (Some(&first), Some(&last)) => order.windows(2).map(|w| d.get(w[0], w[1])).sum::<i64>() + d.get(last, first),
        _ => 0,
    }
}

/// A short tour of `d` found within `time_limit`; the same `seed` makes the same kicks.
pub fn solve(d: &DistanceMatrix, time_limit: Duration, seed: u64) -> Tour {
    solve_bounded(d, time_limit, u64::MAX, seed)
}

/// [`solve`], stopping after `max_kicks` kicks if the time limit has not come first: with a
/// bound the time limit does not reach, the tour depends on the seed alone.
pub fn solve_bounded(d: &DistanceMatrix, time_limit: Duration, max_kicks: u64, seed: u64) -> Tour {
    let start = Instant::now();
    let n = d.dimension();
    if n <= 3 {
        let order: Vec<usize> = (0..n).collect();
        let length = tour_length(d, &order);
        return Tour { order, length };
    }
    if n < 8 {
        // Too small for a kick (two segments and their four ends): every order is tried.
        return exact(d);
    }
    let mut ls = LocalSearch::new(d, nearest_neighbour(d));
    let mut length = tour_length(d, &ls.order);
    for v in 0..n {
        ls.push(v);
    }
    length -= ls.run();
    let mut best_order = ls.order.clone();
    let mut best_length = length;
    let mut rng = SplitMix64(seed);
    let mut kicks = 0;
    while kicks < max_kicks && start.elapsed() < time_limit {
        kicks += 1;
        let len = length - ls.kick(&mut rng) - ls.run();
        if len <= best_length {
            best_length = len;
            best_order.copy_from_slice(&ls.order);
            length = len;
        } else {
            ls.restore(&best_order);
            length = best_length;
        }
    }
    debug_assert_eq!(best_length, tour_length(d, &best_order));
    Tour { order: best_order, length: best_length }
}

/// The optimal tour of a small instance (node 0 first), by trying every order.
fn exact(d: &DistanceMatrix) -> Tour {
    fn extend(d: &DistanceMatrix, path: &mut Vec<usize>, used: &mut [bool], at_len: i64, best: &mut Tour) {
        let n = d.dimension();
        let last = path[path.len() - 1];
        if path.len() == n {
            let length = at_len + d.get(last, path[0]);
            if length < best.length {
                *best = Tour { order: path.clone(), length };
            }
            return;
        }
        for v in 1..n {
            if !used[v] {
                used[v] = true;
                path.push(v);
                extend(d, path, used, at_len + d.get(last, v), best);
                path.pop();
                used[v] = false;
            }
        }
    }
    let n = d.dimension();
    let order: Vec<usize> = (0..n).collect();
    let mut best = Tour { length: tour_length(d, &order), order };
    let mut used = vec![false; n];
    extend(d, &mut vec![0], &mut used, 0, &mut best);
    best
}

/// SplitMix64 (Steele, Lea & Flood 2014).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound > 0`).
    fn below(&mut self, bound: usize) -> usize {
        ((u128::from(self.next()) * bound as u128) >> 64) as usize
    }
}

fn nearest_neighbour(d: &DistanceMatrix) -> Vec<usize> {
    let n = d.dimension();
    let mut visited = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut at = 0;
    visited[0] = true;
    order.push(0);
    for _ in 1..n {
        let mut next = None;
        for (j, &seen) in visited.iter().enumerate() {
            if !seen && next.is_none_or(|k| d.get(at, j) < d.get(at, k)) {
                next = Some(j);
            }
        }
        // One is left each round: the loop runs n - 1 times.
        let Some(next) = next else { break };
        visited[next] = true;
        order.push(next);
        at = next;
    }
    order
}

/// The tour as an array and each node's position in it, the candidate lists and the queue of
/// nodes whose don't-look bit is off.
struct LocalSearch<'a> {
    d: &'a DistanceMatrix,
    n: usize,
    order: Vec<usize>,
    pos: Vec<usize>,
    /// `NEIGHBOURS` nearest per node, nearest first, flattened.
    neighbours: Vec<usize>,
    k: usize,
    queue: VecDeque<usize>,
    queued: Vec<bool>,
}

impl<'a> LocalSearch<'a> {
    fn new(d: &'a DistanceMatrix, order: Vec<usize>) -> Self {
        let n = d.dimension();
        let k = NEIGHBOURS.min(n - 1);
        let mut neighbours = Vec::with_capacity(n * k);
        let mut others: Vec<usize> = Vec::with_capacity(n - 1);
        for i in 0..n {
            others.clear();
            others.extend((0..n).filter(|&j| j != i));
            let key = |&j: &usize| (d.get(i, j), j);
            if k < others.len() {
                others.select_nth_unstable_by_key(k, key);
            }
            others[..k].sort_unstable_by_key(key);
            neighbours.extend_from_slice(&others[..k]);
        }
        let mut pos = vec![0; n];
        for (p, &v) in order.iter().enumerate() {
            pos[v] = p;
        }
        Self { d, n, order, pos, neighbours, k, queue: VecDeque::new(), queued: vec![false; n] }
    }

    fn dist(&self, a: usize, b: usize) -> i64 {
        self.d.get(a, b)
    }

    fn succ(&self, v: usize) -> usize {
        let p = self.pos[v] + 1;
        self.order[if p == self.n { 0 } else { p }]
    }

    fn pred(&self, v: usize) -> usize {
        let p = self.pos[v];
        self.order[if p == 0 { self.n - 1 } else { p - 1 }]
    }

    fn push(&mut self, v: usize) {
        if !self.queued[v] {
            self.queued[v] = true;
            self.queue.push_back(v);
        }
    }

    fn restore(&mut self, order: &[usize]) {
        self.order.copy_from_slice(order);
        for (p, &v) in order.iter().enumerate() {
            self.pos[v] = p;
        }
    }

    /// Reverses the path from `u` forward to `v`, or the rest of the cycle where that is shorter
    /// (the same cycle either way).
    fn reverse(&mut self, u: usize, v: usize) {
        let n = self.n;
        let (mut i, mut j) = (self.pos[u], self.pos[v]);
        let mut len = (j + n - i) % n + 1;
        if 2 * len > n {
            (i, j) = ((j + 1) % n, (i + n - 1) % n);
            len = n - len;
        }
        for _ in 0..len / 2 {
            self.order.swap(i, j);
            self.pos[self.order[i]] = i;
            self.pos[self.order[j]] = j;
            i = if i + 1 == n { 0 } else { i + 1 };
            j = if j == 0 { n - 1 } else { j - 1 };
        }
    }

    /// Replaces the tour edges `{p1, p2}` and `{q1, q2}` by `{p1, q1}` and `{p2, q2}`, where
    /// `p2` follows `p1` and `q2` follows `q1` in one direction of the tour.
    /// (`q2` is named for the reader; the reversal needs only the other three.)
    fn two_opt_move(&mut self, p1: usize, p2: usize, q1: usize, _q2: usize) {
        if self.succ(p1) == p2 {
            self.reverse(p2, q1);
        } else {
            self.reverse(q1, p2);
        }
    }

    /// Runs the queue empty; returns the total gain.
    fn run(&mut self) -> i64 {
        let mut gain = 0;
        while let Some(v) = self.queue.pop_front() {
            self.queued[v] = false;
            if let Some(g) = self.improve_2opt(v).or_else(|| self.improve_or_opt(v)) {
                gain += g;
                self.push(v);
            }
        }
        gain
    }

    fn improve_2opt(&mut self, t1: usize) -> Option<i64> {
        for forward in [true, false] {
            let t2 = if forward { self.succ(t1) } else { self.pred(t1) };
            let d12 = self.dist(t1, t2);
            for c in 0..self.k {
                let t3 = self.neighbours[t1 * self.k + c];
                let g1 = d12 - self.dist(t1, t3);
                if g1 <= 0 {
                    break;
                }
                let t4 = if forward { self.succ(t3) } else { self.pred(t3) };
                if t3 == t2 || t4 == t1 {
                    continue;
                }
                let gain = g1 + self.dist(t3, t4) - self.dist(t2, t4);
                if gain > 0 {
                    self.two_opt_move(t1, t2, t3, t4);
                    for v in [t1, t2, t3, t4] {
                        self.push(v);
                    }
                    return Some(gain);
                }
            }
        }
        None
    }

    /// Moves a segment of 1 to 3 nodes that starts or ends at `t` between two neighbours of its
    /// ends, either way round.
    fn improve_or_opt(&mut self, t: usize) -> Option<i64> {
        let n = self.n;
        for len in 1..=OR_OPT_MAX_LEN {
            if n < len + 3 {
                break;
            }
            for t_first in [true, false] {
                if len == 1 && !t_first {
                    break;
                }
                let (mut s1, mut s2) = (t, t);
                for _ in 1..len {
                    if t_first {
                        s2 = self.succ(s2);
                    } else {
                        s1 = self.pred(s1);
                    }
                }
                let (a, b) = (self.pred(s1), self.succ(s2));
                let removed = self.dist(a, s1) + self.dist(s2, b) - self.dist(a, b);
                if removed <= 0 {
                    continue;
                }
                let p1 = self.pos[s1];
                let in_segment = |ls: &Self, v: usize| (ls.pos[v] + n - p1) % n < len;
                for e in [s1, s2] {
                    for c in 0..self.k {
                        let c1 = self.neighbours[e * self.k + c];
                        if self.dist(e, c1) >= removed {
                            break;
                        }
                        if in_segment(self, c1) {
                            continue;
                        }
                        for c2 in [self.succ(c1), self.pred(c1)] {
                            if in_segment(self, c2) {
                                continue;
                            }
                            // The edge (x, y) with y after x.
                            let (x, y) = if self.succ(c1) == c2 { (c1, c2) } else { (c2, c1) };
                            let kept = self.dist(x, s1) + self.dist(s2, y);
                            let turned = self.dist(x, s2) + self.dist(s1, y);
                            let gain = removed + self.dist(x, y) - kept.min(turned);
                            if gain > 0 {
                                // a s1..s2 b .. x y  ->  a x .. b s2..s1 y  ->  a b .. x s2..s1 y
                                self.two_opt_move(a, s1, x, y);
                                self.two_opt_move(a, x, b, s2);
                                if kept < turned {
                                    self.two_opt_move(x, s2, s1, y);
                                }
                                for v in [a, b, x, y, s1, s2] {
                                    self.push(v);
                                }
                                return Some(gain);
                            }
                        }
                    }
                }
            }
        }
        None
    }

    /// A local double bridge: two adjacent segments of up to `KICK_MAX_LEN` nodes swap places.
    /// Returns its gain (negative as a rule) and queues the nodes at its six edge ends.
    fn kick(&mut self, rng: &mut SplitMix64) -> i64 {
        let n = self.n;
        let max_len = KICK_MAX_LEN.min((n - 2) / 2);
        let l1 = 1 + rng.below(max_len);
        let l2 = 1 + rng.below(max_len);
        let p = rng.below(n);
        let at = |i: usize| (p + i) % n;
        let a = self.order[p];
        let (b1, b2) = (self.order[at(1)], self.order[at(l1)]);
        let (c1, c2) = (self.order[at(l1 + 1)], self.order[at(l1 + l2)]);
        let f = self.order[at(l1 + l2 + 1)];
        let gain = self.dist(a, b1) + self.dist(b2, c1) + self.dist(c2, f)
            - self.dist(a, c1)
            - self.dist(c2, b1)
            - self.dist(b2, f);
        let moved: Vec<usize> = (l1 + 1..=l1 + l2).chain(1..=l1).map(|i| self.order[at(i)]).collect();
        for (i, &v) in moved.iter().enumerate() {
            let q = at(i + 1);
            self.order[q] = v;
            self.pos[v] = q;
        }
        for v in [a, b1, b2, c1, c2, f] {
            self.push(v);
        }
        gain
    }
}
