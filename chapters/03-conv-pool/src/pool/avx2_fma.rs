//! The pooling kernels of `simd.rs` compiled for Avx2Fma.

use foundations::{Avx2Fma, target_feature_fn};

use super::{PoolDims, simd};

target_feature_fn!(pub(crate) fn max_pool2d(t: Avx2Fma, y: &mut [f32], x: &[f32], d: &PoolDims) = "avx2,fma" => simd::max_pool2d);
target_feature_fn!(pub(crate) fn avg_pool2d(t: Avx2Fma, y: &mut [f32], x: &[f32], d: &PoolDims) = "avx2,fma" => simd::avg_pool2d);
target_feature_fn!(pub(crate) fn avg_pool2d_backward(t: Avx2Fma, dx: &mut [f32], dy: &[f32], d: &PoolDims) = "avx2,fma" => simd::avg_pool2d_backward);
target_feature_fn!(pub(crate) fn max_pool2d_backward(t: Avx2Fma, dx: &mut [f32], x: &[f32], dy: &[f32], d: &PoolDims) = "avx2,fma" => simd::max_pool2d_backward);
