//! tanh and σ for aarch64 NEON (4 lanes): the algorithms of `simd.rs` compiled with
//! those instructions enabled.

use foundations::Neon;
use foundations::target_feature_fn;

use super::simd;

target_feature_fn!(pub(crate) fn tanh(t: Neon, out: &mut [f32], x: &[f32]) = "neon" => simd::tanh);
target_feature_fn!(pub(crate) fn sigmoid(t: Neon, out: &mut [f32], x: &[f32]) = "neon" => simd::sigmoid);
