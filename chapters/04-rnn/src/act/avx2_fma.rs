//! tanh and σ for x86_64 AVX2+FMA (8 lanes): the algorithms of `simd.rs` compiled with
//! those instructions enabled.

use foundations::Avx2Fma;
use foundations::target_feature_fn;

use super::simd;

target_feature_fn!(pub(crate) fn tanh(t: Avx2Fma, out: &mut [f32], x: &[f32]) = "avx2,fma" => simd::tanh);
target_feature_fn!(pub(crate) fn sigmoid(t: Avx2Fma, out: &mut [f32], x: &[f32]) = "avx2,fma" => simd::sigmoid);
