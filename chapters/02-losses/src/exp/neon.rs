//! exp for aarch64 NEON (4 lanes): the algorithm of `simd.rs` compiled with those instructions enabled.

use foundations::{Neon, target_feature_fn};

use super::simd;

target_feature_fn!(pub(crate) fn exp_slice(t: Neon, out: &mut [f32], x: &[f32]) = "neon" => simd::exp_slice);
