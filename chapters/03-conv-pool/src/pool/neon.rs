//! The pooling kernels of `simd.rs` compiled for Neon.

use foundations::{Neon, target_feature_fn};

use super::{PoolDims, simd};

target_feature_fn!(pub(crate) fn max_pool2d(t: Neon, y: &mut [f32], x: &[f32], d: &PoolDims) = "neon" => simd::max_pool2d);
target_feature_fn!(pub(crate) fn avg_pool2d(t: Neon, y: &mut [f32], x: &[f32], d: &PoolDims) = "neon" => simd::avg_pool2d);
target_feature_fn!(pub(crate) fn avg_pool2d_backward(t: Neon, dx: &mut [f32], dy: &[f32], d: &PoolDims) = "neon" => simd::avg_pool2d_backward);
target_feature_fn!(pub(crate) fn max_pool2d_backward(t: Neon, dx: &mut [f32], x: &[f32], dy: &[f32], d: &PoolDims) = "neon" => simd::max_pool2d_backward);
