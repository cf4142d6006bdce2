//! The TSP solver: a nearest-neighbour tour, improved over alpha-nearest candidate lists with
//! don't-look bits by 2-opt, Or-opt, segment moves (or-3opt) and a Lin–Kernighan step, then two
//! iterated local searches with local double-bridge kicks until the time limit, side by side on
//! their own threads: one that accepts slightly longer tours while it is stuck, one that keeps
//! only tours as short and kicks harder while it is stuck. The shorter of their tours wins.
//! Deterministic for a seed, up to how many kicks the time limit lets run.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::{DistanceMatrix, candidates};

/// Candidate neighbours per node.
const NEIGHBOURS: usize = 10;
/// The longest segment Or-opt moves.
const OR_OPT_MAX_LEN: usize = 3;
/// The longest segment a kick moves: kicks stay local, so the repair is cheap.
const KICK_MAX_LEN: usize = 75;
/// Kicks without a shorter tour over which the wandering search comes to accept tours up to one
/// mean edge longer than the best. Kicks from the best alone leave some instances in a deep local
/// optimum for good (lin318 at 42 155, 0.3 % over, in half the seeds); the threshold lets the
/// search walk out, and growing it slowly keeps it close to the best where improvements still
/// come.
const STUCK_KICKS: u64 = 3000;
/// Kicks without a shorter tour after which the strict search kicks twice before each repair, and
/// after twice as many three times. The wandering search ends rat575 one unit over its optimum
/// in most seeds (6774, a trap near its corner that differs from the optimum in 14 edges);
/// the strict one finds 6773 in about half of them at 1 s, and lin318's trap holds it instead.
const STRICT_STUCK_KICKS: u64 = 2000;
/// How many kicks at most the strict search makes before a repair.
const STRICT_MAX_KICKS: u64 = 3;
/// How many candidates the LK step tries, best first, at each of its first levels before it gives
/// up; deeper levels follow the best candidate alone.
const LK_BREADTH: [usize; 3] = [5, 3, 1];
/// The most edges one LK step exchanges.
const LK_MAX_DEPTH: usize = 10;

/// How a search treats a kicked and repaired tour that is longer than the one it kicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Acceptance {
    /// Keeps it when it is within a threshold of the best that grows while the search is stuck
    /// (`STUCK_KICKS`).
    Wander,
    /// Drops it; kicks more at once while the search is stuck (`STRICT_STUCK_KICKS`).
    Strict,
}

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

/// [`solve`], stopping after `max_kicks` kicks of each search if the time limit has not come
/// first: with a bound the time limit does not reach, the tour depends on the seed alone.
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
    let strict = ls.clone();
    let limit = Search { start, time_limit, max_kicks };
    // The two searches on two threads (on one core they share it); a tie goes to the wandering
    // one, so the result does not depend on which finishes first.
    let (wander, strict) = std::thread::scope(|scope| {
        let other = scope.spawn(move || limit.run(strict, length, Acceptance::Strict, seed ^ 0x5851_F42D_4C95_7F2D));
        let wander = limit.run(ls, length, Acceptance::Wander, seed);
        (wander, other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    if strict.length < wander.length { strict } else { wander }
}

/// When a search stops: at the time limit from `start`, or after `max_kicks` kicks.
#[derive(Debug, Clone, Copy)]
struct Search {
    start: Instant,
    time_limit: Duration,
    max_kicks: u64,
}

impl Search {
    /// Iterated local search from `ls`'s tour, a local optimum `length` long.
    fn run(self, mut ls: LocalSearch<'_>, mut length: i64, acceptance: Acceptance, seed: u64) -> Tour {
        let n = ls.n;
        let mut best_order = ls.order.clone();
        let mut best_length = length;
        // The tour the kicks start from: the best, or one a little longer while the search wanders.
        let mut current = ls.order.clone();
        let mut since_best: u64 = 0;
        let mut rng = SplitMix64(seed);
        let mut kicks = 0;
        while kicks < self.max_kicks && self.start.elapsed() < self.time_limit {
            kicks += 1;
            let at_once = match acceptance {
                Acceptance::Wander => 1,
                Acceptance::Strict => 1 + (since_best / STRICT_STUCK_KICKS).min(STRICT_MAX_KICKS - 1),
            };
            let mut kicked = 0;
            for _ in 0..at_once {
                kicked += ls.kick(&mut rng);
            }
            let len = length - kicked - ls.run();
            since_best += 1;
            if len < best_length {
                since_best = 0;
                best_length = len;
                best_order.copy_from_slice(&ls.order);
            } else if len == best_length && length == best_length {
                // Another tour as short: the search moves along the plateau.
                best_order.copy_from_slice(&ls.order);
            }
            let threshold = match acceptance {
                Acceptance::Wander => stuck_threshold(best_length, n, since_best),
                Acceptance::Strict => 0,
            };
            if len <= length || len <= best_length + threshold {
                current.copy_from_slice(&ls.order);
                length = len;
            } else {
                ls.restore(&current);
            }
        }
        debug_assert_eq!(best_length, tour_length(ls.d, &best_order));
        Tour { order: best_order, length: best_length }
    }
}

/// How much longer than the best a kicked tour may be and still be kept, `since_best` kicks after
/// the best last improved: from 0 up to the best tour's mean edge over `STUCK_KICKS` kicks.
fn stuck_threshold(best_length: i64, n: usize, since_best: u64) -> i64 {
    let ramp = i128::from(since_best.min(STUCK_KICKS));
    let scaled = i128::from(best_length) * ramp / (n as i128 * i128::from(STUCK_KICKS));
    i64::try_from(scaled).unwrap_or(i64::MAX)
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
pub(super) struct SplitMix64(pub(super) u64);

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
#[derive(Clone)]
pub(super) struct LocalSearch<'a> {
    d: &'a DistanceMatrix,
    n: usize,
    pub(super) order: Vec<usize>,
    pos: Vec<usize>,
    /// `NEIGHBOURS` alpha-nearest per node, nearest first, flattened.
    neighbours: Vec<usize>,
    k: usize,
    queue: VecDeque<usize>,
    queued: Vec<bool>,
    /// The edges the LK step in progress has added, which it must not remove again.
    lk_added: Vec<(usize, usize)>,
    /// The nodes at the ends of the edges the LK step in progress has exchanged.
    lk_touched: Vec<usize>,
    /// Room for the nodes a kick moves.
    scratch: Vec<usize>,
}

impl<'a> LocalSearch<'a> {
    pub(super) fn new(d: &'a DistanceMatrix, order: Vec<usize>) -> Self {
        let n = d.dimension();
        let k = NEIGHBOURS.min(n - 1);
        let neighbours = candidates::alpha_nearest(d, k, tour_length(d, &order));
        let mut pos = vec![0; n];
        for (p, &v) in order.iter().enumerate() {
            pos[v] = p;
        }
        Self {
            d,
            n,
            order,
            pos,
            neighbours,
            k,
            queue: VecDeque::new(),
            queued: vec![false; n],
            lk_added: Vec::new(),
            lk_touched: Vec::new(),
            scratch: Vec::with_capacity(n),
        }
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
            if let Some(g) = self
                .improve_2opt(v)
                .or_else(|| self.improve_or_opt(v))
                .or_else(|| self.improve_or3(v))
                .or_else(|| self.improve_lk(v))
            {
                gain += g;
                self.push(v);
            }
        }
        gain
    }

    pub(super) fn improve_2opt(&mut self, t1: usize) -> Option<i64> {
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
    pub(super) fn improve_or_opt(&mut self, t: usize) -> Option<i64> {
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

    /// The sequential 3-opt move that moves a segment of any length elsewhere without turning it
    /// (which 2-opt moves, and so the LK step, cannot make): from `t1`, removes `{t1, t2}`,
    /// `{t3, t4}` and `{t5, t6}` and adds `{t2, t3}`, `{t4, t5}` and `{t6, t1}`, where `t2` follows
    /// `t1`, `t4` follows `t3` and `t6` follows `t5` in one direction and `t5` lies between `t2`
    /// and `t3`. The tour's arcs `t2..t5` and `t6..t3` swap places.
    pub(super) fn improve_or3(&mut self, t1: usize) -> Option<i64> {
        let n = self.n;
        for forward in [true, false] {
            let next = |ls: &Self, v: usize| if forward { ls.succ(v) } else { ls.pred(v) };
            // How far `v` lies from `from` in this direction.
            let ahead = |ls: &Self, from: usize, v: usize| {
                if forward { (ls.pos[v] + n - ls.pos[from]) % n } else { (ls.pos[from] + n - ls.pos[v]) % n }
            };
            let t2 = next(self, t1);
            let d12 = self.dist(t1, t2);
            for c in 0..self.k {
                let t3 = self.neighbours[t2 * self.k + c];
                let g1 = d12 - self.dist(t2, t3);
                if g1 <= 0 {
                    break;
                }
                let t4 = next(self, t3);
                // t3 must come after t2 with room for t5 before it; t1 itself is no t3.
                let span = ahead(self, t2, t3);
                if t3 == t1 || span == 0 || t4 == t2 {
                    continue;
                }
                let g1 = g1 + self.dist(t3, t4);
                for c in 0..self.k {
                    let t5 = self.neighbours[t4 * self.k + c];
                    let g2 = g1 - self.dist(t4, t5);
                    if g2 <= 0 {
                        break;
                    }
                    if ahead(self, t2, t5) >= span {
                        continue;
                    }
                    let t6 = next(self, t5);
                    let gain = g2 + self.dist(t5, t6) - self.dist(t6, t1);
                    if gain > 0 {
                        // The three edges as (node, its successor): their first nodes' positions.
                        let cuts = if forward { [t1, t5, t3] } else { [t2, t6, t4] };
                        self.swap_arcs(cuts.map(|v| self.pos[v]));
                        return Some(gain);
                    }
                }
            }
        }
        None
    }

    /// A Lin–Kernighan step from `t1`: removes one of its tour edges, then adds and removes edges
    /// in turn (each exchange a 2-opt move, so the tour stays a cycle) while the running gain is
    /// positive, and stops at the first exchange that closes the tour shorter. Tries the best
    /// few candidates at the first levels (`LK_BREADTH`), up to `LK_MAX_DEPTH` exchanges; the
    /// tour is as it was where it finds nothing.
    pub(super) fn improve_lk(&mut self, t1: usize) -> Option<i64> {
        for t2 in [self.succ(t1), self.pred(t1)] {
            self.lk_added.clear();
            self.lk_touched.clear();
            if let Some(gain) = self.lk_step(t1, t2, self.dist(t1, t2), 0) {
                self.push(t1);
                for i in 0..self.lk_touched.len() {
                    self.push(self.lk_touched[i]);
                }
                return Some(gain);
            }
        }
        None
    }

    /// One level of [`LocalSearch::improve_lk`]. The tour has the edge `{t1, last}`, which the step
    /// means to remove; `g` is the gain of the exchanges so far with that edge counted as removed.
    /// Each candidate adds `{last, t3}` and removes `{t3, t4}`, then closes with `{t4, t1}`.
    fn lk_step(&mut self, t1: usize, last: usize, g: i64, depth: usize) -> Option<i64> {
        let forward = self.succ(t1) == last;
        let (last_succ, last_pred) = (self.succ(last), self.pred(last));
        // (gain with {t3, t4} removed, t3, t4) of each candidate.
        let mut candidates = [(0, 0, 0); NEIGHBOURS];
        let mut count = 0;
        for c in 0..self.k {
            let t3 = self.neighbours[last * self.k + c];
            let g1 = g - self.dist(last, t3);
            if g1 <= 0 {
                break;
            }
            if t3 == last_succ || t3 == last_pred {
                continue;
            }
            // The side of t3 that keeps the tour one cycle after the exchange.
            let t4 = if forward { self.pred(t3) } else { self.succ(t3) };
            if self.lk_added.iter().any(|&(a, b)| (a, b) == (t3, t4) || (a, b) == (t4, t3)) {
                continue;
            }
            let g2 = g1 + self.dist(t3, t4);
            let closed = g2 - self.dist(t4, t1);
            if closed > 0 {
                self.lk_exchange(t1, last, t3, t4);
                return Some(closed);
            }
            candidates[count] = (g2, t3, t4);
            count += 1;
        }
        if depth + 1 >= LK_MAX_DEPTH {
            return None;
        }
        let candidates = &mut candidates[..count];
        candidates.sort_unstable_by_key(|&(g2, t3, _)| (std::cmp::Reverse(g2), t3));
        let breadth = LK_BREADTH.get(depth).copied().unwrap_or(1);
        for &(g2, t3, t4) in candidates.iter().take(breadth) {
            self.lk_exchange(t1, last, t3, t4);
            if let Some(gain) = self.lk_step(t1, t4, g2, depth + 1) {
                return Some(gain);
            }
            // Undo: {t1, t4} and {last, t3} back to {t1, last} and {t4, t3}.
            self.two_opt_move(t1, t4, last, t3);
            self.lk_added.pop();
            self.lk_touched.truncate(self.lk_touched.len() - 3);
        }
        None
    }

    /// Replaces `{t1, last}` and `{t4, t3}` by `{last, t3}` and `{t1, t4}`, and notes it.
    fn lk_exchange(&mut self, t1: usize, last: usize, t3: usize, t4: usize) {
        self.two_opt_move(t1, last, t4, t3);
        self.lk_added.push((last, t3));
        self.lk_touched.extend([last, t3, t4]);
    }

    /// Cuts the tour after the three distinct positions `cuts` and puts its three arcs in the
    /// other cyclic order, moving the two shorter ones (the same cycle whichever two swap).
    /// Returns the gain and queues the six edge ends.
    fn swap_arcs(&mut self, mut cuts: [usize; 3]) -> i64 {
        let n = self.n;
        cuts.sort_unstable();
        let arc = |i: usize| (cuts[(i + 1) % 3] + n - cuts[i]) % n;
        let longest = (0..3).max_by_key(|&i| (arc(i), i)).unwrap_or(0);
        let p = cuts[(longest + 1) % 3];
        let (l1, l2) = (arc((longest + 1) % 3), arc((longest + 2) % 3));
        self.swap_segments(p, l1, l2)
    }

    /// Swaps the `l1` nodes after position `p` with the `l2` nodes after them; returns the gain
    /// and queues the six edge ends.
    fn swap_segments(&mut self, p: usize, l1: usize, l2: usize) -> i64 {
        let n = self.n;
        let at = |i: usize| (p + i) % n;
        let a = self.order[p];
        let (b1, b2) = (self.order[at(1)], self.order[at(l1)]);
        let (c1, c2) = (self.order[at(l1 + 1)], self.order[at(l1 + l2)]);
        let f = self.order[at(l1 + l2 + 1)];
        let gain = self.dist(a, b1) + self.dist(b2, c1) + self.dist(c2, f)
            - self.dist(a, c1)
            - self.dist(c2, b1)
            - self.dist(b2, f);
        self.scratch.clear();
        self.scratch.extend((l1 + 1..=l1 + l2).chain(1..=l1).map(|i| self.order[at(i)]));
        for i in 0..self.scratch.len() {
            let v = self.scratch[i];
            let q = at(i + 1);
            self.order[q] = v;
            self.pos[v] = q;
        }
        for v in [a, b1, b2, c1, c2, f] {
            self.push(v);
        }
        gain
    }

    /// A local double bridge: two adjacent segments of up to `KICK_MAX_LEN` nodes swap places.
    /// Returns its gain (negative as a rule) and queues the nodes at its six edge ends.
    pub(super) fn kick(&mut self, rng: &mut SplitMix64) -> i64 {
        let max_len = KICK_MAX_LEN.min((self.n - 2) / 2);
        let l1 = 1 + rng.below(max_len);
        let l2 = 1 + rng.below(max_len);
        let p = rng.below(self.n);
        self.swap_segments(p, l1, l2)
    }
}
