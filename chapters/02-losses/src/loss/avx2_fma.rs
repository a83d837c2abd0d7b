//! Loss reductions for x86_64 AVX2 + FMA: the algorithms of `simd.rs` compiled with those instructions enabled.

use foundations::{Avx2Fma, target_feature_fn};

use super::simd;

target_feature_fn!(pub(crate) fn sq_diff_sum(t: Avx2Fma, p: &[f32], y: &[f32]) -> f32 = "avx2,fma" => simd::sq_diff_sum);
