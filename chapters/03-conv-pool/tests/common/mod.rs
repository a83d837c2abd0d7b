//! Shared test helpers.
#![allow(dead_code)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// `len` values on a grid of 1/64 in [−1, 1] (exact in f32, so f32 and f64
/// see the same numbers).
pub fn grid(len: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-64i32..=64) as f64 / 64.0).collect()
}

/// As [`grid`], in f32.
pub fn grid32(len: usize, seed: u64) -> Vec<f32> {
    grid(len, seed).into_iter().map(|v| v as f32).collect()
}

/// `len` DISTINCT values, shuffled: a random permutation of 0..len scaled
/// to [−1, 1) with a small seeded jitter. Every window then has a unique
/// maximum, at least 1/len from the runner-up, far larger than the
/// gradient checker's step h = 1e-5: no ties, no kinks.
pub fn distinct(len: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut v: Vec<usize> = (0..len).collect();
    for i in (1..len).rev() {
        v.swap(i, rng.random_range(0..=i));
    }
    v.into_iter().map(|i| 2.0 * i as f64 / len.max(1) as f64 - 1.0 + 0.1 / len.max(1) as f64).collect()
}

/// Values at least 0.1 away from 0 (|v| in [0.1, 1]), so ReLU's kink at 0
/// is never within the gradient checker's step h = 1e-5.
pub fn away_from_zero(len: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len)
        .map(|_| {
            let m = rng.random_range(0.1..=1.0);
            if rng.random_bool(0.5) { m } else { -m }
        })
        .collect()
}
