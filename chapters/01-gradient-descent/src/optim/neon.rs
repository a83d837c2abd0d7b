//! The fused optimizer updates for Neon: the algorithms of `simd.rs`
//! compiled with "neon" enabled.

use foundations::Neon;
use foundations::target_feature_fn;

use super::simd;
use super::{AdamParams, MomentumParams, RmsPropParams};

target_feature_fn!(pub(crate) fn sgd(t: Neon, theta: &mut [f32], g: &[f32], lr: f64) = "neon" => simd::sgd);
target_feature_fn!(pub(crate) fn momentum(t: Neon, theta: &mut [f32], g: &[f32], u: &mut [f32], p: &MomentumParams, lr: f64) = "neon" => simd::momentum);
target_feature_fn!(pub(crate) fn rmsprop(t: Neon, theta: &mut [f32], g: &[f32], s: &mut [f32], p: &RmsPropParams, lr: f64) = "neon" => simd::rmsprop);
target_feature_fn!(
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn adam(t: Neon, theta: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], p: &AdamParams, lr: f64, step: u64) = "neon" => simd::adam
);
