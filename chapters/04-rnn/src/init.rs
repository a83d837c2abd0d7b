//! Seeded initialisers, Keras's conventions:
//!
//! - `glorot_uniform` for input kernels: U(−l, l), l = √(6 / (fan_in + fan_out));
//! - `orthogonal` for recurrent kernels: a random Gaussian matrix made
//!   orthonormal (modified Gram–Schmidt on its rows, which is what Keras's QR
//!   does up to signs), so that ‖h·W_hh‖ = ‖h‖ at the start: neither
//!   vanishing nor exploding through the linear part of the recurrence;
//! - zeros for biases, except the LSTM's forget gate: 1 (`unit_forget_bias`).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A seeded generator.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// One standard normal sample (Box–Muller).
pub fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.random_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// `len` samples of U(−l, l), l = √(6 / (fan_in + fan_out)).
pub fn glorot_uniform(rng: &mut StdRng, len: usize, fan_in: usize, fan_out: usize) -> Vec<f64> {
    let l = (6.0 / (fan_in + fan_out).max(1) as f64).sqrt();
    (0..len).map(|_| rng.random_range(-l..=l)).collect()
}

/// A (rows, cols) row-major matrix with orthonormal rows when rows ≤ cols
/// (orthonormal columns otherwise), times `gain`.
pub fn orthogonal(rng: &mut StdRng, rows: usize, cols: usize, gain: f64) -> Vec<f64> {
    // Orthonormalise the shorter side's vectors: work on the transpose when rows > cols.
    let (m, n) = if rows <= cols { (rows, cols) } else { (cols, rows) };
    let mut q: Vec<Vec<f64>> = Vec::with_capacity(m);
    while q.len() < m {
        let mut v: Vec<f64> = (0..n).map(|_| normal(rng)).collect();
        for u in &q {
            let d: f64 = v.iter().zip(u).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(u).for_each(|(a, b)| *a -= d * b);
        }
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        if norm > 1e-8 {
            v.iter_mut().for_each(|a| *a /= norm);
            q.push(v);
        }
    }
    let mut out = vec![0.0; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            out[r * cols + c] = gain * if rows <= cols { q[r][c] } else { q[c][r] };
        }
    }
    out
}
