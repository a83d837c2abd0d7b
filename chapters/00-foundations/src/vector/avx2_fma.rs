//! Vector kernels for x86_64 AVX2 + FMA (8 lanes): the algorithms of `simd.rs`
//! compiled with those instructions enabled.

use super::simd;
use crate::Avx2Fma;
use crate::target_feature_fn;

target_feature_fn!(pub(crate) fn dot(t: Avx2Fma, x: &[f32], y: &[f32]) -> f32 = "avx2,fma" => simd::dot);
target_feature_fn!(pub(crate) fn sum(t: Avx2Fma, x: &[f32]) -> f32 = "avx2,fma" => simd::sum);
target_feature_fn!(pub(crate) fn max(t: Avx2Fma, x: &[f32]) -> f32 = "avx2,fma" => simd::max);
target_feature_fn!(pub(crate) fn axpy(t: Avx2Fma, y: &mut [f32], alpha: f32, x: &[f32]) = "avx2,fma" => simd::axpy);
target_feature_fn!(pub(crate) fn scale(t: Avx2Fma, x: &mut [f32], alpha: f32) = "avx2,fma" => simd::scale);
target_feature_fn!(pub(crate) fn add(t: Avx2Fma, out: &mut [f32], x: &[f32], y: &[f32]) = "avx2,fma" => simd::add);
target_feature_fn!(pub(crate) fn mul(t: Avx2Fma, out: &mut [f32], x: &[f32], y: &[f32]) = "avx2,fma" => simd::mul);
