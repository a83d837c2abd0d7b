//! The direct convolution of `simd.rs` compiled for Neon.

use foundations::{Neon, target_feature_fn};

use super::{Conv2dDims, simd};

target_feature_fn!(pub(crate) fn conv2d_direct(t: Neon, y: &mut [f32], x: &[f32], kp: &[f32], bp: &[f32], fp: usize, d: &Conv2dDims) = "neon" => simd::conv2d_direct);
target_feature_fn!(pub(crate) fn conv2d_direct_dk(t: Neon, dkp: &mut [f32], x: &[f32], dyp: &[f32], fp: usize, d: &Conv2dDims) = "neon" => simd::conv2d_direct_dk);
target_feature_fn!(pub(crate) fn conv2d_direct_dx(t: Neon, dxp: &mut [f32], dy: &[f32], kt: &[f32], cp: usize, d: &Conv2dDims) = "neon" => simd::conv2d_direct_dx);
