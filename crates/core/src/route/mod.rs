//! The route planner's core for inspection patrols (issue 9): a TSPLIB reader ([`tsplib`]) and a
//! symmetric TSP solver ([`solve`]) over a full integer distance matrix.

mod candidates;
pub mod solve;
pub mod tsplib;

#[cfg(test)]
mod tests;

pub use solve::{Tour, solve, solve_bounded, tour_length};
pub use tsplib::{Instance, TsplibError, parse};

/// A full, symmetric matrix of integer distances between `dimension` nodes, row-major.
///
/// A full matrix is kept: at the few thousand nodes a patrol has, that is tens of megabytes at
/// most, and every look-up is one index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistanceMatrix {
    dimension: usize,
    dist: Vec<i64>,
}

impl DistanceMatrix {
    /// The matrix whose entry `(i, j)` is `f(i, j)`; the diagonal is 0 whatever `f` says there.
    pub fn from_fn(dimension: usize, mut f: impl FnMut(usize, usize) -> i64) -> Self {
        let mut dist = vec![0; dimension * dimension];
        for i in 0..dimension {
            for j in 0..dimension {
                if i != j {
                    dist[i * dimension + j] = f(i, j);
                }
            }
        }
        Self { dimension, dist }
    }

    /// The number of nodes.
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// The distance from node `i` to node `j` (0-based). Panics if either is out of range, like
    /// slice indexing; the solver only asks for nodes it was given.
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> i64 {
        self.dist[i * self.dimension + j]
    }

    /// Sets entry `(i, j)` alone (the reader fills both halves itself).
    pub(crate) fn set(&mut self, i: usize, j: usize, value: i64) {
        self.dist[i * self.dimension + j] = value;
    }

    /// A matrix of zeros, to be filled with [`DistanceMatrix::set`].
    pub(crate) fn zeros(dimension: usize) -> Self {
        Self { dimension, dist: vec![0; dimension * dimension] }
    }
}
