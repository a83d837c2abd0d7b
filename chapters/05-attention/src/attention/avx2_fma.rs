//! Fused attention for the Avx2Fma token: the algorithms of `simd.rs` compiled
//! with "avx2,fma" enabled; register blocks of R = 4 rows × CW = 2 registers.
// Kernel signatures mirror the public ones: outputs, inputs, dims.
#![allow(clippy::too_many_arguments)]

use foundations::Avx2Fma;
use foundations::target_feature_fn;

use super::{Dims, Mask, simd};

target_feature_fn!(pub(crate) fn forward(t: Avx2Fma, out: &mut [f32], lse: &mut [f32], q: &[f32], k: &[f32], v: &[f32], d: Dims, mask: Mask<'_>, scale: f32)
    = "avx2,fma" => simd::forward::<Avx2Fma, 4, 2>);
target_feature_fn!(pub(crate) fn backward(t: Avx2Fma, dq: &mut [f32], dk: &mut [f32], dv: &mut [f32], dout: &[f32], q: &[f32], k: &[f32], v: &[f32], out: &[f32], lse: &[f32], d: Dims, mask: Mask<'_>, scale: f32)
    = "avx2,fma" => simd::backward::<Avx2Fma, 4, 2>);
