//! The fused cell kernels for x86_64 AVX2+FMA (8 lanes): the algorithms of
//! `simd.rs` compiled with those instructions enabled.

use foundations::Avx2Fma;
use foundations::target_feature_fn;

use super::simd;

target_feature_fn!(pub(crate) fn rnn_forward(t: Avx2Fma, h: &mut [f32], a: &[f32], b: &[f32]) = "avx2,fma" => simd::rnn_forward);
target_feature_fn!(pub(crate) fn rnn_backward(t: Avx2Fma, da: &mut [f32], dh: &[f32], h: &[f32]) = "avx2,fma" => simd::rnn_backward);
target_feature_fn!(
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn lstm_forward(t: Avx2Fma, gates: &mut [f32], c: &mut [f32], h: &mut [f32], tc: &mut [f32], c_prev: &[f32], b: &[f32], hd: usize)
        = "avx2,fma" => simd::lstm_forward
);
target_feature_fn!(
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn lstm_backward(t: Avx2Fma, da: &mut [f32], dc_prev: &mut [f32], dh: &[f32], dc: &[f32], gates: &[f32], c_prev: &[f32], tc: &[f32], hd: usize)
        = "avx2,fma" => simd::lstm_backward
);
