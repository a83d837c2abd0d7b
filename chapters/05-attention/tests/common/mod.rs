//! Helpers shared by the tests: seeded random data.
#![allow(dead_code)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// `n` values uniform in [−a, a], seeded.
pub fn uniform(n: usize, a: f64, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-a..=a)).collect()
}

/// As [`uniform`], in f32.
pub fn uniform_f32(n: usize, a: f64, seed: u64) -> Vec<f32> {
    uniform(n, a, seed).into_iter().map(|x| x as f32).collect()
}

/// Widen to f64.
pub fn wide(x: &[f32]) -> Vec<f64> {
    x.iter().map(|&v| v as f64).collect()
}

/// A padding mask (B, Tk) with entry b valid for its first `len_b` keys,
/// len_b cycling through Tk, Tk−1, …, 0 (so one entry may see no key).
pub fn padding(b: usize, tk: usize) -> Vec<bool> {
    let mut m = Vec::with_capacity(b * tk);
    for bi in 0..b {
        let len = tk.saturating_sub((bi * 3) % (tk + 1));
        m.extend((0..tk).map(|j| j < len));
    }
    m
}
