//! The fused optimizer updates for Avx2Fma: the algorithms of `simd.rs`
//! compiled with "avx2,fma" enabled.

use foundations::Avx2Fma;
use foundations::target_feature_fn;

use super::simd;
use super::{AdamParams, MomentumParams, RmsPropParams};

target_feature_fn!(pub(crate) fn sgd(t: Avx2Fma, theta: &mut [f32], g: &[f32], lr: f64) = "avx2,fma" => simd::sgd);
target_feature_fn!(pub(crate) fn momentum(t: Avx2Fma, theta: &mut [f32], g: &[f32], u: &mut [f32], p: &MomentumParams, lr: f64) = "avx2,fma" => simd::momentum);
target_feature_fn!(pub(crate) fn rmsprop(t: Avx2Fma, theta: &mut [f32], g: &[f32], s: &mut [f32], p: &RmsPropParams, lr: f64) = "avx2,fma" => simd::rmsprop);
target_feature_fn!(
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn adam(t: Avx2Fma, theta: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], p: &AdamParams, lr: f64, step: u64) = "avx2,fma" => simd::adam
);
