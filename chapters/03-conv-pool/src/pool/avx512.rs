//! The pooling kernels of `simd.rs` compiled for Avx512.

use foundations::{Avx512, target_feature_fn};

use super::{PoolDims, simd};

target_feature_fn!(pub(crate) fn max_pool2d(t: Avx512, y: &mut [f32], x: &[f32], d: &PoolDims) = "avx512f,avx2,fma" => simd::max_pool2d);
target_feature_fn!(pub(crate) fn avg_pool2d(t: Avx512, y: &mut [f32], x: &[f32], d: &PoolDims) = "avx512f,avx2,fma" => simd::avg_pool2d);
target_feature_fn!(pub(crate) fn avg_pool2d_backward(t: Avx512, dx: &mut [f32], dy: &[f32], d: &PoolDims) = "avx512f,avx2,fma" => simd::avg_pool2d_backward);
target_feature_fn!(pub(crate) fn max_pool2d_backward(t: Avx512, dx: &mut [f32], x: &[f32], dy: &[f32], d: &PoolDims) = "avx512f,avx2,fma" => simd::max_pool2d_backward);
