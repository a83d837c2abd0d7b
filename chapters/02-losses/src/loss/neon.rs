//! Loss reductions for aarch64 NEON: the algorithms of `simd.rs` compiled with those instructions enabled.

use foundations::{Neon, target_feature_fn};

use super::simd;

target_feature_fn!(pub(crate) fn sq_diff_sum(t: Neon, p: &[f32], y: &[f32]) -> f32 = "neon" => simd::sq_diff_sum);
