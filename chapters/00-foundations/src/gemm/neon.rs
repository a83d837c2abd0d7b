//! NEON: the micro-kernel on aarch64: an 8×12 tile in 24 q registers
//! (three 4-float vectors per row), leaving 8 for B̃ and the broadcasts.

use super::packed::{NEON, Tiles};
use super::simd::{self, EDGE};
use crate::Neon;
use std::arch::aarch64::float32x4_t;

const MR: usize = NEON.mr;
const NV: usize = NEON.nr / 4;

/// The packed k loop, a function of its own (see [`simd::KLoop`]).
#[target_feature(enable = "neon")]
#[inline(never)]
fn k_packed(t: Neon, kc: usize, ap: &[f32], bp: &[f32]) -> [[float32x4_t; NV]; MR] {
    simd::k_loop::<Neon, MR, NV, false, MR>(t, kc, (ap, 0), MR, bp)
}

/// The direct (A in place) k loop, a function of its own.
#[target_feature(enable = "neon")]
#[inline(never)]
fn k_direct(t: Neon, kc: usize, ap: &[f32], lda: usize, mr: usize, bp: &[f32]) -> [[float32x4_t; NV]; MR] {
    simd::k_loop::<Neon, MR, NV, true, MR>(t, kc, (ap, lda), mr, bp)
}

/// The packed k loop on the first `EDGE` rows only (thin edge panels).
#[target_feature(enable = "neon")]
#[inline(never)]
fn k_packed_edge(t: Neon, kc: usize, ap: &[f32], bp: &[f32]) -> [[float32x4_t; NV]; EDGE] {
    simd::k_loop::<Neon, MR, NV, false, EDGE>(t, kc, (ap, 0), MR, bp)
}

/// The direct k loop on the first `EDGE` rows only.
#[target_feature(enable = "neon")]
#[inline(never)]
fn k_direct_edge(t: Neon, kc: usize, ap: &[f32], lda: usize, mr: usize, bp: &[f32]) -> [[float32x4_t; NV]; EDGE] {
    simd::k_loop::<Neon, MR, NV, true, EDGE>(t, kc, (ap, lda), mr, bp)
}

/// The k loops' types, as called through a pointer.
type PackedLoop = unsafe fn(Neon, usize, &[f32], &[f32]) -> [[float32x4_t; NV]; MR];
type DirectLoop = unsafe fn(Neon, usize, &[f32], usize, usize, &[f32]) -> [[float32x4_t; NV]; MR];
type PackedEdge = unsafe fn(Neon, usize, &[f32], &[f32]) -> [[float32x4_t; NV]; EDGE];
type DirectEdge = unsafe fn(Neon, usize, &[f32], usize, usize, &[f32]) -> [[float32x4_t; NV]; EDGE];

impl simd::KLoop<MR, NV> for Neon {
    #[inline(always)]
    fn k_loop_packed(self, kc: usize, ap: &[f32], bp: &[f32]) -> [[float32x4_t; NV]; MR] {
        // An opaque pointer: LLVM would otherwise inline the loop back into
        // its caller (`#[inline(never)]` notwithstanding) and spill the tile.
        let f: PackedLoop = k_packed;
        // SAFETY: `self` is a Neon token, built only after detection found the features `f` needs.
        unsafe { std::hint::black_box(f)(self, kc, ap, bp) }
    }
    #[inline(always)]
    fn k_loop_direct(self, kc: usize, ap: &[f32], lda: usize, mr: usize, bp: &[f32]) -> [[float32x4_t; NV]; MR] {
        let f: DirectLoop = k_direct;
        // SAFETY: `self` is a Neon token, built only after detection found the features `f` needs.
        unsafe { std::hint::black_box(f)(self, kc, ap, lda, mr, bp) }
    }
    #[inline(always)]
    fn k_loop_packed_edge(self, kc: usize, ap: &[f32], bp: &[f32]) -> [[float32x4_t; NV]; EDGE] {
        let f: PackedEdge = k_packed_edge;
        // SAFETY: `self` is a Neon token, built only after detection found the features `f` needs.
        unsafe { std::hint::black_box(f)(self, kc, ap, bp) }
    }
    #[inline(always)]
    fn k_loop_direct_edge(self, kc: usize, ap: &[f32], lda: usize, mr: usize, bp: &[f32]) -> [[float32x4_t; NV]; EDGE] {
        let f: DirectEdge = k_direct_edge;
        // SAFETY: `self` is a Neon token, built only after detection found the features `f` needs.
        unsafe { std::hint::black_box(f)(self, kc, ap, lda, mr, bp) }
    }
}

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
    simd::macro_kernel::<Neon, MR, NV>(t, tiles, ap, bp, c, ldc, alpha, beta)
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
