//! v5: the micro-kernel with AVX-512, in two shapes of 24 zmm accumulators
//! (leaving 8 registers for B̃ and the broadcasts): a 12×32 tile (two
//! 16-float vectors per row) and a wide 6×64 tile (four per row), which
//! loads 4 vectors of B̃ and broadcasts 6 floats of Ã per 24 FMAs instead
//! of 2 and 12. [`super::packed::Micro::for_shape`] picks the one whose NR
//! pads C's width least.

use super::packed::{AVX512, AVX512_WIDE, Tiles};
use super::simd::{self, EDGE};
use crate::Avx512;
use std::arch::x86_64::__m512;

/// The packed k loop, a function of its own (see [`simd::KLoop`]).
#[target_feature(enable = "avx512f,avx2,fma")]
#[inline(never)]
fn k_packed<const MR: usize, const NV: usize>(t: Avx512, kc: usize, ap: &[f32], bp: &[f32]) -> [[__m512; NV]; MR] {
    simd::k_loop::<Avx512, MR, NV, false, MR>(t, kc, (ap, 0), MR, bp)
}

/// The direct (A in place) k loop, a function of its own.
#[target_feature(enable = "avx512f,avx2,fma")]
#[inline(never)]
fn k_direct<const MR: usize, const NV: usize>(
    t: Avx512,
    kc: usize,
    ap: &[f32],
    lda: usize,
    mr: usize,
    bp: &[f32],
) -> [[__m512; NV]; MR] {
    simd::k_loop::<Avx512, MR, NV, true, MR>(t, kc, (ap, lda), mr, bp)
}

/// The packed k loop on the first `EDGE` rows only (thin edge panels).
#[target_feature(enable = "avx512f,avx2,fma")]
#[inline(never)]
fn k_packed_edge<const MR: usize, const NV: usize>(
    t: Avx512,
    kc: usize,
    ap: &[f32],
    bp: &[f32],
) -> [[__m512; NV]; EDGE] {
    simd::k_loop::<Avx512, MR, NV, false, EDGE>(t, kc, (ap, 0), MR, bp)
}

/// The direct k loop on the first `EDGE` rows only.
#[target_feature(enable = "avx512f,avx2,fma")]
#[inline(never)]
fn k_direct_edge<const MR: usize, const NV: usize>(
    t: Avx512,
    kc: usize,
    ap: &[f32],
    lda: usize,
    mr: usize,
    bp: &[f32],
) -> [[__m512; NV]; EDGE] {
    simd::k_loop::<Avx512, MR, NV, true, EDGE>(t, kc, (ap, lda), mr, bp)
}

/// A full tile: k loop and write-back in one function (see [`simd::KLoop::k_loop_full`]).
#[target_feature(enable = "avx512f,avx2,fma")]
#[inline(never)]
fn k_full<const MR: usize, const NV: usize>(
    t: Avx512,
    kc: usize,
    (ap, lda): (&[f32], Option<usize>),
    bp: &[f32],
    c: &mut [f32],
    ldc: usize,
    ab: (f32, f32),
) {
    let acc = match lda {
        None => simd::k_loop::<Avx512, MR, NV, false, MR>(t, kc, (ap, 0), MR, bp),
        Some(lda) => simd::k_loop::<Avx512, MR, NV, true, MR>(t, kc, (ap, lda), MR, bp),
    };
    simd::write_back::<Avx512, MR, NV>(t, &acc, c, ldc, (MR, NV * 16), ab);
}

/// The k loops' types, as called through a pointer.
type PackedLoop<const MR: usize, const NV: usize> = unsafe fn(Avx512, usize, &[f32], &[f32]) -> [[__m512; NV]; MR];
type DirectLoop<const MR: usize, const NV: usize> =
    unsafe fn(Avx512, usize, &[f32], usize, usize, &[f32]) -> [[__m512; NV]; MR];
type PackedEdge<const NV: usize> = unsafe fn(Avx512, usize, &[f32], &[f32]) -> [[__m512; NV]; EDGE];
type DirectEdge<const NV: usize> = unsafe fn(Avx512, usize, &[f32], usize, usize, &[f32]) -> [[__m512; NV]; EDGE];
type FullTile = unsafe fn(Avx512, usize, (&[f32], Option<usize>), &[f32], &mut [f32], usize, (f32, f32));

impl<const MR: usize, const NV: usize> simd::KLoop<MR, NV> for Avx512 {
    #[inline(always)]
    fn k_loop_packed(self, kc: usize, ap: &[f32], bp: &[f32]) -> [[__m512; NV]; MR] {
        // An opaque pointer: LLVM would otherwise inline the loop back into
        // its caller (`#[inline(never)]` notwithstanding) and spill the tile.
        let f: PackedLoop<MR, NV> = k_packed::<MR, NV>;
        // SAFETY: `self` is an Avx512 token, built only after detection found the features `f` needs.
        unsafe { std::hint::black_box(f)(self, kc, ap, bp) }
    }
    #[inline(always)]
    fn k_loop_direct(self, kc: usize, ap: &[f32], lda: usize, mr: usize, bp: &[f32]) -> [[__m512; NV]; MR] {
        let f: DirectLoop<MR, NV> = k_direct::<MR, NV>;
        // SAFETY: `self` is an Avx512 token, built only after detection found the features `f` needs.
        unsafe { std::hint::black_box(f)(self, kc, ap, lda, mr, bp) }
    }
    #[inline(always)]
    fn k_loop_packed_edge(self, kc: usize, ap: &[f32], bp: &[f32]) -> [[__m512; NV]; EDGE] {
        let f: PackedEdge<NV> = k_packed_edge::<MR, NV>;
        // SAFETY: `self` is an Avx512 token, built only after detection found the features `f` needs.
        unsafe { std::hint::black_box(f)(self, kc, ap, bp) }
    }
    #[inline(always)]
    fn k_loop_direct_edge(self, kc: usize, ap: &[f32], lda: usize, mr: usize, bp: &[f32]) -> [[__m512; NV]; EDGE] {
        let f: DirectEdge<NV> = k_direct_edge::<MR, NV>;
        // SAFETY: `self` is an Avx512 token, built only after detection found the features `f` needs.
        unsafe { std::hint::black_box(f)(self, kc, ap, lda, mr, bp) }
    }
    #[inline(always)]
    fn k_loop_full(self, kc: usize, a: (&[f32], Option<usize>), bp: &[f32], c: &mut [f32], ldc: usize, ab: (f32, f32)) {
        let f: FullTile = k_full::<MR, NV>;
        // SAFETY: `self` is an Avx512 token, built only after detection found the features `f` needs.
        unsafe { std::hint::black_box(f)(self, kc, a, bp, c, ldc, ab) }
    }
}

#[target_feature(enable = "avx512f,avx2,fma")]
#[allow(clippy::too_many_arguments)]
fn body<const MR: usize, const NV: usize>(
    t: Avx512,
    tiles: Tiles,
    ap: (&[f32], Option<usize>),
    bp: &[f32],
    c: &mut [f32],
    ldc: usize,
    alpha: f32,
    beta: f32,
) {
    simd::macro_kernel::<Avx512, MR, NV>(t, tiles, ap, bp, c, ldc, alpha, beta)
}

/// Loops 2 and 1 and the 12×32 micro-kernel (`wide`: the 6×64 one).
#[allow(clippy::too_many_arguments)]
pub(crate) fn macro_kernel(
    t: Avx512,
    wide: bool,
    tiles: Tiles,
    ap: (&[f32], Option<usize>),
    bp: &[f32],
    c: &mut [f32],
    ldc: usize,
    alpha: f32,
    beta: f32,
) {
    // SAFETY: `t` is an Avx512 token, built only after detection found AVX-512F, AVX2 and FMA.
    unsafe {
        if wide {
            body::<{ AVX512_WIDE.mr }, { AVX512_WIDE.nr / 16 }>(t, tiles, ap, bp, c, ldc, alpha, beta)
        } else {
            body::<{ AVX512.mr }, { AVX512.nr / 16 }>(t, tiles, ap, bp, c, ldc, alpha, beta)
        }
    }
}
