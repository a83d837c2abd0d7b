//! [`Simd`] for AVX-512F: 16 f32 lanes in a 512-bit `__m512` register, with
//! mask registers (`__mmask16`) that make tails cheap.

use std::arch::x86_64::*;

use super::Simd;
use crate::Avx512;

// Every `unsafe` block below calls an AVX-512F intrinsic. Its one invariant
// is that the CPU has AVX-512F, which `self: Avx512` proves: the token is
// built only by `Avx512::new()` after runtime detection.

/// Lanes 0..n set: the mask of a tail of n < 16 elements.
#[inline(always)]
fn tail_mask(n: usize) -> __mmask16 {
    debug_assert!(n <= 16);
    ((1u32 << n) - 1) as __mmask16
}

impl Simd for Avx512 {
    type V = __m512;
    const LANES: usize = 16;

    #[inline(always)]
    fn zero(self) -> __m512 {
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe { _mm512_setzero_ps() }
    }
    #[inline(always)]
    fn splat(self, x: f32) -> __m512 {
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe { _mm512_set1_ps(x) }
    }
    #[inline(always)]
    fn load(self, x: &[f32]) -> __m512 {
        assert!(x.len() >= 16, "load: need 16 floats, have {}", x.len());
        // SAFETY: the token proves AVX-512F; the assert proves 16 readable floats.
        unsafe { _mm512_loadu_ps(x.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, out: &mut [f32], v: __m512) {
        assert!(out.len() >= 16, "store: need room for 16 floats, have {}", out.len());
        // SAFETY: the token proves AVX-512F; the assert proves 16 writable floats.
        unsafe { _mm512_storeu_ps(out.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn load_partial(self, x: &[f32], fill: f32) -> __m512 {
        assert!(x.len() <= 16);
        // SAFETY: the token proves AVX-512F; a masked load reads only the
        // lanes in the mask, x[0..len], all in bounds (masked-off lanes do not fault).
        unsafe { _mm512_mask_loadu_ps(_mm512_set1_ps(fill), tail_mask(x.len()), x.as_ptr()) }
    }
    #[inline(always)]
    fn store_partial(self, out: &mut [f32], v: __m512) {
        assert!(out.len() <= 16);
        // SAFETY: the token proves AVX-512F; a masked store writes only
        // out[0..len], all in bounds.
        unsafe { _mm512_mask_storeu_ps(out.as_mut_ptr(), tail_mask(out.len()), v) }
    }
    #[inline(always)]
    unsafe fn load_ptr(self, p: *const f32) -> __m512 {
        // SAFETY: the token proves AVX-512F; the caller promises 16 readable floats at p.
        unsafe { _mm512_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store_ptr(self, p: *mut f32, v: __m512) {
        // SAFETY: the token proves AVX-512F; the caller promises 16 writable floats at p.
        unsafe { _mm512_storeu_ps(p, v) }
    }
    #[inline(always)]
    fn add(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe { _mm512_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe { _mm512_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe { _mm512_mul_ps(a, b) }
    }
    #[inline(always)]
    fn div(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe { _mm512_div_ps(a, b) }
    }
    #[inline(always)]
    fn fma(self, a: __m512, b: __m512, c: __m512) -> __m512 {
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn fnma(self, a: __m512, b: __m512, c: __m512) -> __m512 {
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe { _mm512_fnmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn max(self, a: __m512, b: __m512) -> __m512 {
        // vmaxps returns its second operand when either is NaN, so a NaN in
        // `b` comes through; keep `a` where `a` is NaN: NaN if either is.
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe { _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_UNORD_Q>(a, a), _mm512_max_ps(a, b), a) }
    }
    #[inline(always)]
    fn min(self, a: __m512, b: __m512) -> __m512 {
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe { _mm512_min_ps(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m512) -> __m512 {
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe { _mm512_sqrt_ps(a) }
    }
    #[inline(always)]
    fn round(self, a: __m512) -> __m512 {
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe { _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a) }
    }
    #[inline(always)]
    fn pow2i(self, k: __m512) -> __m512 {
        // 2^k has exponent field k + 127 and a zero mantissa: (k + 127) << 23.
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe {
            let e = _mm512_add_epi32(_mm512_cvtps_epi32(k), _mm512_set1_epi32(127));
            _mm512_castsi512_ps(_mm512_slli_epi32::<23>(e))
        }
    }
    #[inline(always)]
    fn select_lt(self, a: __m512, b: __m512, x: __m512, y: __m512) -> __m512 {
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe { _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b), y, x) }
    }
    #[inline(always)]
    fn select_nan(self, a: __m512, x: __m512, y: __m512) -> __m512 {
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
        unsafe { _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_UNORD_Q>(a, a), y, x) }
    }
    #[inline(always)]
    fn reduce_sum(self, v: __m512) -> f32 {
        // 16 → 8 lanes by adding the 256-bit halves, then the AVX2 reduction.
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F (and AVX).
        let half = unsafe {
            _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(v))))
        };
        Simd::reduce_sum(self.avx2(), half)
    }
    #[inline(always)]
    fn reduce_max(self, v: __m512) -> f32 {
        // A NaN lane makes the result NaN; the halving below may drop it.
        // Otherwise 16 → 8 lanes by max of the 256-bit halves, then as AVX2.
        // SAFETY: self is an Avx512 token, so the CPU has AVX-512F (and AVX).
        unsafe {
            if _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(v, v) != 0 {
                return f32::NAN;
            }
            let half = _mm256_max_ps(
                _mm512_castps512_ps256(v),
                _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(v))),
            );
            super::avx2_fma::hmax(self.avx2(), half)
        }
    }

    #[inline(always)]
    fn ldexp<const K: usize>(self, x: [__m512; K], k: [__m512; K]) -> [__m512; K] {
        let mut y = x;
        for i in 0..K {
            // vscalefps: x · 2^floor(k), one rounding, IEEE overflow and underflow.
            // SAFETY: self is an Avx512 token, so the CPU has AVX-512F.
            y[i] = unsafe { _mm512_scalef_ps(x[i], k[i]) };
        }
        y
    }
}
