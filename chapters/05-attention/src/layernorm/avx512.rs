//! Layer norm rows for the Avx512 token: `simd.rs` compiled with "avx512f,avx2,fma".
// Kernel signatures mirror the public ones: outputs, inputs, dims.
#![allow(clippy::too_many_arguments)]

use foundations::Avx512;
use foundations::target_feature_fn;

use super::simd;

target_feature_fn!(pub(crate) fn forward(t: Avx512, y: &mut [f32], xhat: &mut [f32], rstd: &mut [f32], x: &[f32], gamma: &[f32], beta: &[f32], rows: usize, d: usize, eps: f32)
    = "avx512f,avx2,fma" => simd::forward);
target_feature_fn!(pub(crate) fn backward(t: Avx512, dx: &mut [f32], dgamma: &mut [f32], dbeta: &mut [f32], dy: &[f32], xhat: &[f32], rstd: &[f32], gamma: &[f32], rows: usize, d: usize)
    = "avx512f,avx2,fma" => simd::backward);
