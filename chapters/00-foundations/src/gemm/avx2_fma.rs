//! v4: the micro-kernel with AVX2 + FMA: a 6×16 tile in 12 ymm registers
//! (two 8-float vectors per row), leaving 4 for B̃ and the broadcasts.

use super::packed::{AVX2, Tiles};
use super::simd::{self, EDGE};
use crate::Avx2Fma;
use std::arch::x86_64::__m256;

const MR: usize = AVX2.mr;
const NV: usize = AVX2.nr / 8;

/// The packed k loop, a function of its own (see [`simd::KLoop`]).
#[target_feature(enable = "avx2,fma")]
#[inline(never)]
fn k_packed(t: Avx2Fma, kc: usize, ap: &[f32], bp: &[f32]) -> [[__m256; NV]; MR] {
    simd::k_loop::<Avx2Fma, MR, NV, false, MR>(t, kc, (ap, 0), MR, bp)
}

/// The direct (A in place) k loop, a function of its own.
#[target_feature(enable = "avx2,fma")]
#[inline(never)]
fn k_direct(t: Avx2Fma, kc: usize, ap: &[f32], lda: usize, mr: usize, bp: &[f32]) -> [[__m256; NV]; MR] {
    simd::k_loop::<Avx2Fma, MR, NV, true, MR>(t, kc, (ap, lda), mr, bp)
}

/// The packed k loop on the first `EDGE` rows only (thin edge panels).
#[target_feature(enable = "avx2,fma")]
#[inline(never)]
fn k_packed_edge(t: Avx2Fma, kc: usize, ap: &[f32], bp: &[f32]) -> [[__m256; NV]; EDGE] {
    simd::k_loop::<Avx2Fma, MR, NV, false, EDGE>(t, kc, (ap, 0), MR, bp)
}

/// The direct k loop on the first `EDGE` rows only.
#[target_feature(enable = "avx2,fma")]
#[inline(never)]
fn k_direct_edge(t: Avx2Fma, kc: usize, ap: &[f32], lda: usize, mr: usize, bp: &[f32]) -> [[__m256; NV]; EDGE] {
    simd::k_loop::<Avx2Fma, MR, NV, true, EDGE>(t, kc, (ap, lda), mr, bp)
}

/// A full tile: k loop and write-back in one function (see [`simd::KLoop::k_loop_full`]).
#[target_feature(enable = "avx2,fma")]
#[inline(never)]
fn k_full(
    t: Avx2Fma,
    kc: usize,
    (ap, lda): (&[f32], Option<usize>),
    bp: &[f32],
    c: &mut [f32],
    ldc: usize,
    ab: (f32, f32),
) {
    let acc = match lda {
        None => simd::k_loop::<Avx2Fma, MR, NV, false, MR>(t, kc, (ap, 0), MR, bp),
        Some(lda) => simd::k_loop::<Avx2Fma, MR, NV, true, MR>(t, kc, (ap, lda), MR, bp),
    };
    simd::write_back::<Avx2Fma, MR, NV>(t, &acc, c, ldc, (MR, NV * 8), ab);
}

/// The k loops' types, as called through a pointer.
type PackedLoop = unsafe fn(Avx2Fma, usize, &[f32], &[f32]) -> [[__m256; NV]; MR];
type DirectLoop = unsafe fn(Avx2Fma, usize, &[f32], usize, usize, &[f32]) -> [[__m256; NV]; MR];
type PackedEdge = unsafe fn(Avx2Fma, usize, &[f32], &[f32]) -> [[__m256; NV]; EDGE];
type DirectEdge = unsafe fn(Avx2Fma, usize, &[f32], usize, usize, &[f32]) -> [[__m256; NV]; EDGE];
type FullTile = unsafe fn(Avx2Fma, usize, (&[f32], Option<usize>), &[f32], &mut [f32], usize, (f32, f32));

impl simd::KLoop<MR, NV> for Avx2Fma {
    #[inline(always)]
    fn k_loop_packed(self, kc: usize, ap: &[f32], bp: &[f32]) -> [[__m256; NV]; MR] {
        // An opaque pointer: LLVM would otherwise inline the loop back into
        // its caller (`#[inline(never)]` notwithstanding) and spill the tile.
        let f: PackedLoop = k_packed;
        // SAFETY: `self` is an Avx2Fma token, built only after detection found the features `f` needs.
        unsafe { std::hint::black_box(f)(self, kc, ap, bp) }
    }
    #[inline(always)]
    fn k_loop_direct(self, kc: usize, ap: &[f32], lda: usize, mr: usize, bp: &[f32]) -> [[__m256; NV]; MR] {
        let f: DirectLoop = k_direct;
        // SAFETY: `self` is an Avx2Fma token, built only after detection found the features `f` needs.
        unsafe { std::hint::black_box(f)(self, kc, ap, lda, mr, bp) }
    }
    #[inline(always)]
    fn k_loop_packed_edge(self, kc: usize, ap: &[f32], bp: &[f32]) -> [[__m256; NV]; EDGE] {
        let f: PackedEdge = k_packed_edge;
        // SAFETY: `self` is an Avx2Fma token, built only after detection found the features `f` needs.
        unsafe { std::hint::black_box(f)(self, kc, ap, bp) }
    }
    #[inline(always)]
    fn k_loop_direct_edge(self, kc: usize, ap: &[f32], lda: usize, mr: usize, bp: &[f32]) -> [[__m256; NV]; EDGE] {
        let f: DirectEdge = k_direct_edge;
        // SAFETY: `self` is an Avx2Fma token, built only after detection found the features `f` needs.
        unsafe { std::hint::black_box(f)(self, kc, ap, lda, mr, bp) }
    }
    #[inline(always)]
    fn k_loop_full(self, kc: usize, a: (&[f32], Option<usize>), bp: &[f32], c: &mut [f32], ldc: usize, ab: (f32, f32)) {
        let f: FullTile = k_full;
        // SAFETY: `self` is an Avx2Fma token, built only after detection found the features `f` needs.
        unsafe { std::hint::black_box(f)(self, kc, a, bp, c, ldc, ab) }
    }
}

#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
fn body(
    t: Avx2Fma,
    tiles: Tiles,
    ap: (&[f32], Option<usize>),
    bp: &[f32],
    c: &mut [f32],
    ldc: usize,
    alpha: f32,
    beta: f32,
) {
    simd::macro_kernel::<Avx2Fma, MR, NV>(t, tiles, ap, bp, c, ldc, alpha, beta)
}

/// Loops 2 and 1 and the 6×16 micro-kernel.
#[allow(clippy::too_many_arguments)]
pub(crate) fn macro_kernel(
    t: Avx2Fma,
    tiles: Tiles,
    ap: (&[f32], Option<usize>),
    bp: &[f32],
    c: &mut [f32],
    ldc: usize,
    alpha: f32,
    beta: f32,
) {
    // SAFETY: `t` is an Avx2Fma token, built only after detection found AVX2 and FMA.
    unsafe { body(t, tiles, ap, bp, c, ldc, alpha, beta) }
}
