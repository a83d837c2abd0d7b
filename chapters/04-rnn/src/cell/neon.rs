//! The fused cell kernels for aarch64 NEON (4 lanes): the algorithms of
//! `simd.rs` compiled with those instructions enabled.

use foundations::Neon;
use foundations::target_feature_fn;

use super::simd;

target_feature_fn!(pub(crate) fn rnn_forward(t: Neon, h: &mut [f32], a: &[f32], b: &[f32]) = "neon" => simd::rnn_forward);
target_feature_fn!(pub(crate) fn rnn_backward(t: Neon, da: &mut [f32], dh: &[f32], h: &[f32]) = "neon" => simd::rnn_backward);
target_feature_fn!(
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn lstm_forward(t: Neon, gates: &mut [f32], c: &mut [f32], h: &mut [f32], tc: &mut [f32], c_prev: &[f32], b: &[f32], hd: usize)
        = "neon" => simd::lstm_forward
);
target_feature_fn!(
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn lstm_backward(t: Neon, da: &mut [f32], dc_prev: &mut [f32], dh: &[f32], dc: &[f32], gates: &[f32], c_prev: &[f32], tc: &[f32], hd: usize)
        = "neon" => simd::lstm_backward
);
