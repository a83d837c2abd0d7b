//! exp for x86_64 AVX-512F (16 lanes): the algorithm of `simd.rs` compiled with those instructions enabled.

use foundations::{Avx512, target_feature_fn};

use super::simd;

target_feature_fn!(pub(crate) fn exp_slice(t: Avx512, out: &mut [f32], x: &[f32]) = "avx512f,avx2,fma" => simd::exp_slice);
