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

/// The k loops' types, as called through a pointer.
type PackedLoop = unsafe fn(Avx2Fma, usize, &[f32], &[f32]) -> [[__m256; NV]; MR];
type DirectLoop = unsafe fn(Avx2Fma, usize, &[f32], usize, usize, &[f32]) -> [[__m256; NV]; MR];
type PackedEdge = unsafe fn(Avx2Fma, usize, &[f32], &[f32]) -> [[__m256; NV]; EDGE];
type DirectEdge = unsafe fn(Avx2Fma, usize, &[f32], usize, usize, &[f32]) -> [[__m256; NV]; EDGE];

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

// ANCHOR: pack_a_transpose
/// Packs `h ≤ mr` rows of a row-major A (row stride `lda`, `src` at
/// A[i0, pc]) and `kc` columns into one MR-tall panel `dst` (kc·mr floats,
/// rows h..mr left for the caller to zero). Packing a row-major A is a
/// transpose; done one element at a time it would cost as much as the
/// FMAs on skinny products, so blocks of 4 rows × 8 columns are transposed
/// in registers: 4 loads, 8 shuffles, 8 stores of 4 floats.
#[target_feature(enable = "avx2,fma")]
fn pack_a_body(_t: Avx2Fma, dst: &mut [f32], src: &[f32], lda: usize, h: usize, kc: usize, mr: usize) {
    use std::arch::x86_64::*;
    assert!(h <= mr && dst.len() >= kc * mr);
    assert!(h == 0 || kc == 0 || src.len() >= (h - 1) * lda + kc, "pack_a: source too short");
    let (h4, kc8) = (h / 4 * 4, kc / 8 * 8);
    for i in (0..h4).step_by(4) {
        for p in (0..kc8).step_by(8) {
            let row = |r: usize| {
                let s = &src[(i + r) * lda + p..(i + r) * lda + p + 8];
                // SAFETY: `s` holds 8 floats; AVX is enabled in this function.
                unsafe { _mm256_loadu_ps(s.as_ptr()) }
            };
            if p % 16 == 0 {
                // Rows far apart are short streams the hardware prefetcher
                // barely learns: ask for the next panel's rows, one panel ahead.
                for r in 0..4 {
                    let ahead = src.as_ptr().wrapping_add((i + r + mr) * lda + p);
                    // A prefetch never faults, even past the end of `src`.
                    _mm_prefetch::<_MM_HINT_T0>(ahead.cast());
                }
            }
            let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3));
            let (t0, t1) = (_mm256_unpacklo_ps(r0, r1), _mm256_unpackhi_ps(r0, r1));
            let (t2, t3) = (_mm256_unpacklo_ps(r2, r3), _mm256_unpackhi_ps(r2, r3));
            // u_q holds column p+q of the 4 rows in its low half, p+q+4 in its high half.
            let u = [
                _mm256_shuffle_ps::<0x44>(t0, t2),
                _mm256_shuffle_ps::<0xEE>(t0, t2),
                _mm256_shuffle_ps::<0x44>(t1, t3),
                _mm256_shuffle_ps::<0xEE>(t1, t3),
            ];
            for (q, &v) in u.iter().enumerate() {
                let lo = &mut dst[(p + q) * mr + i..(p + q) * mr + i + 4];
                // SAFETY: `lo` holds 4 floats.
                unsafe { _mm_storeu_ps(lo.as_mut_ptr(), _mm256_castps256_ps128(v)) };
                let hi = &mut dst[(p + q + 4) * mr + i..(p + q + 4) * mr + i + 4];
                // SAFETY: `hi` holds 4 floats.
                unsafe { _mm_storeu_ps(hi.as_mut_ptr(), _mm256_extractf128_ps::<1>(v)) };
            }
        }
    }
    // The leftovers one by one: rows past the last group of 4, columns past the last 8.
    for i in 0..h {
        let from = if i < h4 { kc8 } else { 0 };
        for p in from..kc {
            dst[p * mr + i] = src[i * lda + p];
        }
    }
}
// ANCHOR_END: pack_a_transpose

/// [`pack_a_body`] behind the token check.
pub(crate) fn pack_a_rows(t: Avx2Fma, dst: &mut [f32], src: &[f32], lda: usize, h: usize, kc: usize, mr: usize) {
    // SAFETY: `t` is an Avx2Fma token, built only after detection found AVX2 and FMA.
    unsafe { pack_a_body(t, dst, src, lda, h, kc, mr) }
}
