//! Helpers shared by the chapter's tests.
#![allow(dead_code)]

use ndarray::{ArrayD, IxDyn};
use rand::Rng;

/// A seeded array of uniform values in [−s, s].
pub fn uniform(shape: &[usize], s: f64, seed: u64) -> ArrayD<f64> {
    let mut rng = rnn::init::rng(seed);
    let n = shape.iter().product();
    let v: Vec<f64> = (0..n).map(|_| rng.random_range(-s..=s)).collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

/// A seeded vector of uniform values in [−s, s].
pub fn uniform_vec(n: usize, s: f64, seed: u64) -> Vec<f64> {
    uniform(&[n], s, seed).into_raw_vec_and_offset().0
}

/// Flat copy.
pub fn flat(a: &ArrayD<f64>) -> Vec<f64> {
    a.iter().copied().collect()
}
