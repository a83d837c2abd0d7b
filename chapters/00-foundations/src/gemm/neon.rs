//! NEON: the micro-kernel on aarch64: an 8×12 tile in 24 q registers
//! (three 4-float vectors per row), leaving 8 for B̃ and the broadcasts.

use super::packed::{NEON, Tiles};
use super::simd;
use crate::Neon;

const NV: usize = NEON.nr / 4;

#[target_feature(enable = "neon")]
#[allow(clippy::too_many_arguments)]
fn body(
    t: Neon,
    tiles: Tiles,
    ap: (&[f32], Option<usize>),
    bp: &[f32],
    c: &mut [f32],
    ldc: usize,
    alpha: f32,
    beta: f32,
) {
    simd::macro_kernel::<Neon, { NEON.mr }, NV>(t, tiles, ap, bp, c, ldc, alpha, beta)
}

/// Loops 2 and 1 and the 8×12 micro-kernel.
#[allow(clippy::too_many_arguments)]
pub(crate) fn macro_kernel(
    t: Neon,
    tiles: Tiles,
    ap: (&[f32], Option<usize>),
    bp: &[f32],
    c: &mut [f32],
    ldc: usize,
    alpha: f32,
    beta: f32,
) {
    // SAFETY: `t` is a Neon token, built only after detection found NEON (aarch64 baseline).
    unsafe { body(t, tiles, ap, bp, c, ldc, alpha, beta) }
}
