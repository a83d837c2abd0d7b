//! Row kernels for x86_64 AVX2 + FMA (8 lanes): the algorithms of `simd.rs` compiled with those instructions enabled.

use foundations::{Avx2Fma, target_feature_fn};

use super::simd;

target_feature_fn!(pub(crate) fn softmax_rows_v1(t: Avx2Fma, out: &mut [f32], x: &[f32], c: usize) = "avx2,fma" => simd::softmax_rows_v1);
target_feature_fn!(pub(crate) fn softmax_rows_v2(t: Avx2Fma, out: &mut [f32], x: &[f32], c: usize) = "avx2,fma" => simd::softmax_rows_v2);
target_feature_fn!(pub(crate) fn log_sum_exp_rows(t: Avx2Fma, out: &mut [f32], x: &[f32], c: usize, online: bool) = "avx2,fma" => simd::log_sum_exp_rows);
target_feature_fn!(pub(crate) fn log_softmax_rows(t: Avx2Fma, out: &mut [f32], x: &[f32], c: usize, online: bool) = "avx2,fma" => simd::log_softmax_rows);
target_feature_fn!(pub(crate) fn softmax_xent_rows(t: Avx2Fma, p: &mut [f32], loss: &mut [f32], x: &[f32], labels: &[usize], c: usize, online: bool) = "avx2,fma" => simd::softmax_xent_rows);
target_feature_fn!(pub(crate) fn softmax_rows_backward(t: Avx2Fma, dx: &mut [f32], y: &[f32], dy: &[f32], c: usize) = "avx2,fma" => simd::softmax_rows_backward);
target_feature_fn!(pub(crate) fn log_softmax_rows_backward(t: Avx2Fma, dx: &mut [f32], y: &[f32], dy: &[f32], c: usize) = "avx2,fma" => simd::log_softmax_rows_backward);
