//! Vector kernels for aarch64 NEON (4 lanes): the algorithms of `simd.rs`
//! compiled with those instructions enabled.

use super::simd;
use crate::Neon;
use crate::target_feature_fn;

target_feature_fn!(pub(crate) fn dot(t: Neon, x: &[f32], y: &[f32]) -> f32 = "neon" => simd::dot);
target_feature_fn!(pub(crate) fn sum(t: Neon, x: &[f32]) -> f32 = "neon" => simd::sum);
target_feature_fn!(pub(crate) fn max(t: Neon, x: &[f32]) -> f32 = "neon" => simd::max);
target_feature_fn!(pub(crate) fn axpy(t: Neon, y: &mut [f32], alpha: f32, x: &[f32]) = "neon" => simd::axpy);
target_feature_fn!(pub(crate) fn scale(t: Neon, x: &mut [f32], alpha: f32) = "neon" => simd::scale);
target_feature_fn!(pub(crate) fn add(t: Neon, out: &mut [f32], x: &[f32], y: &[f32]) = "neon" => simd::add);
target_feature_fn!(pub(crate) fn mul(t: Neon, out: &mut [f32], x: &[f32], y: &[f32]) = "neon" => simd::mul);
