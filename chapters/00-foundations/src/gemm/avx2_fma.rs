//! v4: the micro-kernel with AVX2 + FMA: a 6×16 tile in 12 ymm registers
//! (two 8-float vectors per row), leaving 4 for B̃ and the broadcasts.

use super::packed::{AVX2, Tiles};
use super::simd;
use crate::Avx2Fma;

const NV: usize = AVX2.nr / 8;

#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
fn body(t: Avx2Fma, tiles: Tiles, ap: &[f32], bp: &[f32], c: &mut [f32], ldc: usize, alpha: f32, beta: f32) {
    simd::macro_kernel::<Avx2Fma, { AVX2.mr }, NV>(t, tiles, ap, bp, c, ldc, alpha, beta)
}

/// Loops 2 and 1 and the 6×16 micro-kernel.
#[allow(clippy::too_many_arguments)]
pub(crate) fn macro_kernel(
    t: Avx2Fma,
    tiles: Tiles,
    ap: &[f32],
    bp: &[f32],
    c: &mut [f32],
    ldc: usize,
    alpha: f32,
    beta: f32,
) {
    // SAFETY: `t` is an Avx2Fma token, built only after detection found AVX2 and FMA.
    unsafe { body(t, tiles, ap, bp, c, ldc, alpha, beta) }
}
