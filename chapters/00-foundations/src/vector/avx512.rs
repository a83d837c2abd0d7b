//! Vector kernels for x86_64 AVX-512F (16 lanes, masked tails): the algorithms of `simd.rs`
//! compiled with those instructions enabled.

use super::simd;
use crate::Avx512;
use crate::target_feature_fn;

target_feature_fn!(pub(crate) fn dot(t: Avx512, x: &[f32], y: &[f32]) -> f32 = "avx512f,avx2,fma" => simd::dot);
target_feature_fn!(pub(crate) fn sum(t: Avx512, x: &[f32]) -> f32 = "avx512f,avx2,fma" => simd::sum);
target_feature_fn!(pub(crate) fn max(t: Avx512, x: &[f32]) -> f32 = "avx512f,avx2,fma" => simd::max);
target_feature_fn!(pub(crate) fn axpy(t: Avx512, y: &mut [f32], alpha: f32, x: &[f32]) = "avx512f,avx2,fma" => simd::axpy);
target_feature_fn!(pub(crate) fn scale(t: Avx512, x: &mut [f32], alpha: f32) = "avx512f,avx2,fma" => simd::scale);
target_feature_fn!(pub(crate) fn add(t: Avx512, out: &mut [f32], x: &[f32], y: &[f32]) = "avx512f,avx2,fma" => simd::add);
target_feature_fn!(pub(crate) fn mul(t: Avx512, out: &mut [f32], x: &[f32], y: &[f32]) = "avx512f,avx2,fma" => simd::mul);
