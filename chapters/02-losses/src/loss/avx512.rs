//! Loss reductions for x86_64 AVX-512F: the algorithms of `simd.rs` compiled with those instructions enabled.

use foundations::{Avx512, target_feature_fn};

use super::simd;

target_feature_fn!(pub(crate) fn sq_diff_sum(t: Avx512, p: &[f32], y: &[f32]) -> f32 = "avx512f,avx2,fma" => simd::sq_diff_sum);
