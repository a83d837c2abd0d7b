//! Fused attention for the Neon token: the algorithms of `simd.rs` compiled
//! with "neon" enabled; register blocks of R = 4 rows × CW = 4 registers.
// Kernel signatures mirror the public ones: outputs, inputs, dims.
#![allow(clippy::too_many_arguments)]

use foundations::Neon;
use foundations::target_feature_fn;

use super::{Dims, Mask, simd};

target_feature_fn!(pub(crate) fn forward(t: Neon, out: &mut [f32], lse: &mut [f32], q: &[f32], k: &[f32], v: &[f32], d: Dims, mask: Mask<'_>, scale: f32)
    = "neon" => simd::forward::<Neon, 4, 4>);
target_feature_fn!(pub(crate) fn backward(t: Neon, dq: &mut [f32], dk: &mut [f32], dv: &mut [f32], dout: &[f32], q: &[f32], k: &[f32], v: &[f32], out: &[f32], lse: &[f32], d: Dims, mask: Mask<'_>, scale: f32)
    = "neon" => simd::backward::<Neon, 4, 4>);
