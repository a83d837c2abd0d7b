//! The direct convolution of `simd.rs` compiled for Avx2Fma.

use foundations::{Avx2Fma, target_feature_fn};

use super::{Conv2dDims, simd};

target_feature_fn!(pub(crate) fn conv2d_direct(t: Avx2Fma, y: &mut [f32], x: &[f32], kp: &[f32], bp: &[f32], fp: usize, d: &Conv2dDims) = "avx2,fma" => simd::conv2d_direct);
target_feature_fn!(pub(crate) fn conv2d_direct_dk(t: Avx2Fma, dkp: &mut [f32], x: &[f32], dyp: &[f32], fp: usize, d: &Conv2dDims) = "avx2,fma" => simd::conv2d_direct_dk);
target_feature_fn!(pub(crate) fn conv2d_direct_dx(t: Avx2Fma, dxp: &mut [f32], dy: &[f32], kt: &[f32], cp: usize, d: &Conv2dDims) = "avx2,fma" => simd::conv2d_direct_dx);
