//! exp for x86_64 AVX2 + FMA (8 lanes): the algorithm of `simd.rs` compiled with those instructions enabled.

use foundations::{Avx2Fma, target_feature_fn};

use super::simd;

target_feature_fn!(pub(crate) fn exp_slice(t: Avx2Fma, out: &mut [f32], x: &[f32]) = "avx2,fma" => simd::exp_slice);
