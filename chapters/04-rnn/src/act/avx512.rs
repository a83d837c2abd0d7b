//! tanh and σ for x86_64 AVX-512F (16 lanes): the algorithms of `simd.rs` compiled with
//! those instructions enabled.

use foundations::Avx512;
use foundations::target_feature_fn;

use super::simd;

target_feature_fn!(pub(crate) fn tanh(t: Avx512, out: &mut [f32], x: &[f32]) = "avx512f,avx2,fma" => simd::tanh);
target_feature_fn!(pub(crate) fn sigmoid(t: Avx512, out: &mut [f32], x: &[f32]) = "avx512f,avx2,fma" => simd::sigmoid);
