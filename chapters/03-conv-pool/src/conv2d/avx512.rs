//! The direct convolution of `simd.rs` compiled for Avx512.

use foundations::{Avx512, target_feature_fn};

use super::{Conv2dDims, simd};

target_feature_fn!(pub(crate) fn conv2d_direct(t: Avx512, y: &mut [f32], x: &[f32], kp: &[f32], bp: &[f32], fp: usize, d: &Conv2dDims) = "avx512f,avx2,fma" => simd::conv2d_direct);
target_feature_fn!(pub(crate) fn conv2d_direct_dk(t: Avx512, dkp: &mut [f32], x: &[f32], dyp: &[f32], fp: usize, d: &Conv2dDims) = "avx512f,avx2,fma" => simd::conv2d_direct_dk);
target_feature_fn!(pub(crate) fn conv2d_direct_dx(t: Avx512, dxp: &mut [f32], dy: &[f32], kt: &[f32], cp: usize, d: &Conv2dDims) = "avx512f,avx2,fma" => simd::conv2d_direct_dx);
