//! Layer norm rows for the Neon token: `simd.rs` compiled with "neon".
// Kernel signatures mirror the public ones: outputs, inputs, dims.
#![allow(clippy::too_many_arguments)]

use foundations::Neon;
use foundations::target_feature_fn;

use super::simd;

target_feature_fn!(pub(crate) fn forward(t: Neon, y: &mut [f32], xhat: &mut [f32], rstd: &mut [f32], x: &[f32], gamma: &[f32], beta: &[f32], rows: usize, d: usize, eps: f32)
    = "neon" => simd::forward);
target_feature_fn!(pub(crate) fn backward(t: Neon, dx: &mut [f32], dgamma: &mut [f32], dbeta: &mut [f32], dy: &[f32], xhat: &[f32], rstd: &[f32], gamma: &[f32], rows: usize, d: usize)
    = "neon" => simd::backward);
