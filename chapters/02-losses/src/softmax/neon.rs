//! Row kernels for aarch64 NEON (4 lanes): the algorithms of `simd.rs` compiled with those instructions enabled.

use foundations::{Neon, target_feature_fn};

use super::simd;

target_feature_fn!(pub(crate) fn softmax_rows_v1(t: Neon, out: &mut [f32], x: &[f32], c: usize) = "neon" => simd::softmax_rows_v1);
target_feature_fn!(pub(crate) fn softmax_rows_v2(t: Neon, out: &mut [f32], x: &[f32], c: usize) = "neon" => simd::softmax_rows_v2);
target_feature_fn!(pub(crate) fn log_sum_exp_rows(t: Neon, out: &mut [f32], x: &[f32], c: usize, online: bool) = "neon" => simd::log_sum_exp_rows);
target_feature_fn!(pub(crate) fn log_softmax_rows(t: Neon, out: &mut [f32], x: &[f32], c: usize, online: bool) = "neon" => simd::log_softmax_rows);
target_feature_fn!(pub(crate) fn softmax_xent_rows(t: Neon, p: &mut [f32], loss: &mut [f32], x: &[f32], labels: &[usize], c: usize, online: bool) = "neon" => simd::softmax_xent_rows);
target_feature_fn!(pub(crate) fn softmax_rows_backward(t: Neon, dx: &mut [f32], y: &[f32], dy: &[f32], c: usize) = "neon" => simd::softmax_rows_backward);
target_feature_fn!(pub(crate) fn log_softmax_rows_backward(t: Neon, dx: &mut [f32], y: &[f32], dy: &[f32], c: usize) = "neon" => simd::log_softmax_rows_backward);
