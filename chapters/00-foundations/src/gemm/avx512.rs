//! v5: the micro-kernel with AVX-512: a 12×32 tile in 24 zmm registers
//! (two 16-float vectors per row), leaving 8 for B̃ and the broadcasts.

use super::packed::{AVX512, Tiles};
use super::simd;
use crate::Avx512;

const NV: usize = AVX512.nr / 16;

#[target_feature(enable = "avx512f,avx2,fma")]
#[allow(clippy::too_many_arguments)]
fn body(
    t: Avx512,
    tiles: Tiles,
    ap: (&[f32], Option<usize>),
    bp: &[f32],
    c: &mut [f32],
    ldc: usize,
    alpha: f32,
    beta: f32,
) {
    simd::macro_kernel::<Avx512, { AVX512.mr }, NV>(t, tiles, ap, bp, c, ldc, alpha, beta)
}

/// Loops 2 and 1 and the 12×32 micro-kernel.
#[allow(clippy::too_many_arguments)]
pub(crate) fn macro_kernel(
    t: Avx512,
    tiles: Tiles,
    ap: (&[f32], Option<usize>),
    bp: &[f32],
    c: &mut [f32],
    ldc: usize,
    alpha: f32,
    beta: f32,
) {
    // SAFETY: `t` is an Avx512 token, built only after detection found AVX-512F, AVX2 and FMA.
    unsafe { body(t, tiles, ap, bp, c, ldc, alpha, beta) }
}
