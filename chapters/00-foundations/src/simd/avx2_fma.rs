//! [`Simd`] for AVX2 + FMA: 8 f32 lanes in a 256-bit `__m256` register.

use std::arch::x86_64::*;

use super::Simd;
use crate::Avx2Fma;

// Every `unsafe` block below calls an AVX2/FMA intrinsic. Its one invariant
// is that the CPU has AVX2 and FMA, which `self: Avx2Fma` proves: the token
// is built only by `Avx2Fma::new()` after runtime detection.

impl Simd for Avx2Fma {
    type V = __m256;
    const LANES: usize = 8;

    #[inline(always)]
    fn zero(self) -> __m256 {
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX.
        unsafe { _mm256_setzero_ps() }
    }
    #[inline(always)]
    fn splat(self, x: f32) -> __m256 {
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX.
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    fn load(self, x: &[f32]) -> __m256 {
        assert!(x.len() >= 8, "load: need 8 floats, have {}", x.len());
        // SAFETY: the token proves AVX; the assert proves 8 readable floats.
        unsafe { _mm256_loadu_ps(x.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, out: &mut [f32], v: __m256) {
        assert!(out.len() >= 8, "store: need room for 8 floats, have {}", out.len());
        // SAFETY: the token proves AVX; the assert proves 8 writable floats.
        unsafe { _mm256_storeu_ps(out.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn load_partial(self, x: &[f32], fill: f32) -> __m256 {
        let n = x.len();
        assert!(n <= 8);
        // Lane i is enabled when i < n: compare the lane index against n.
        // SAFETY: the token proves AVX2; maskload reads only the enabled lanes,
        // which are x[0..n], all in bounds.
        unsafe {
            let idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), idx);
            let v = _mm256_maskload_ps(x.as_ptr(), mask);
            _mm256_blendv_ps(_mm256_set1_ps(fill), v, _mm256_castsi256_ps(mask))
        }
    }
    #[inline(always)]
    fn store_partial(self, out: &mut [f32], v: __m256) {
        let n = out.len();
        assert!(n <= 8);
        // SAFETY: the token proves AVX2; maskstore writes only the enabled
        // lanes, which are out[0..n], all in bounds.
        unsafe {
            let idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), idx);
            _mm256_maskstore_ps(out.as_mut_ptr(), mask, v)
        }
    }
    #[inline(always)]
    unsafe fn load_ptr(self, p: *const f32) -> __m256 {
        // SAFETY: the token proves AVX; the caller promises 8 readable floats at p.
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store_ptr(self, p: *mut f32, v: __m256) {
        // SAFETY: the token proves AVX; the caller promises 8 writable floats at p.
        unsafe { _mm256_storeu_ps(p, v) }
    }
    #[inline(always)]
    fn add(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX.
        unsafe { _mm256_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX.
        unsafe { _mm256_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX.
        unsafe { _mm256_mul_ps(a, b) }
    }
    #[inline(always)]
    fn div(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX.
        unsafe { _mm256_div_ps(a, b) }
    }
    #[inline(always)]
    fn fma(self, a: __m256, b: __m256, c: __m256) -> __m256 {
        // SAFETY: self is an Avx2Fma token, so the CPU has FMA.
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn fnma(self, a: __m256, b: __m256, c: __m256) -> __m256 {
        // SAFETY: self is an Avx2Fma token, so the CPU has FMA.
        unsafe { _mm256_fnmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn max(self, a: __m256, b: __m256) -> __m256 {
        // maxps returns its second operand when either is NaN, so a NaN in `b`
        // comes through; blend `a` back in where `a` is NaN: NaN if either is.
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX.
        unsafe { _mm256_blendv_ps(_mm256_max_ps(a, b), a, _mm256_cmp_ps::<_CMP_UNORD_Q>(a, a)) }
    }
    #[inline(always)]
    fn min(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX.
        unsafe { _mm256_min_ps(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m256) -> __m256 {
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX.
        unsafe { _mm256_sqrt_ps(a) }
    }
    #[inline(always)]
    fn round(self, a: __m256) -> __m256 {
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX.
        unsafe { _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a) }
    }
    #[inline(always)]
    fn pow2i(self, k: __m256) -> __m256 {
        // 2^k has exponent field k + 127 and a zero mantissa: (k + 127) << 23.
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX2.
        unsafe {
            let e = _mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127));
            _mm256_castsi256_ps(_mm256_slli_epi32::<23>(e))
        }
    }
    #[inline(always)]
    fn select_lt(self, a: __m256, b: __m256, x: __m256, y: __m256) -> __m256 {
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX.
        unsafe { _mm256_blendv_ps(y, x, _mm256_cmp_ps::<_CMP_LT_OQ>(a, b)) }
    }
    #[inline(always)]
    fn select_nan(self, a: __m256, x: __m256, y: __m256) -> __m256 {
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX.
        unsafe { _mm256_blendv_ps(y, x, _mm256_cmp_ps::<_CMP_UNORD_Q>(a, a)) }
    }
    #[inline(always)]
    fn reduce_sum(self, v: __m256) -> f32 {
        // 8 → 4 → 2 → 1 lanes by adding halves.
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX (and SSE3).
        unsafe {
            let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
            let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_add_ss(s, _mm_movehdup_ps(s));
            _mm_cvtss_f32(s)
        }
    }
    #[inline(always)]
    fn reduce_max(self, v: __m256) -> f32 {
        // A NaN lane makes the result NaN; `hmax` alone may drop it.
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX.
        let any_nan = unsafe { _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_UNORD_Q>(v, v)) } != 0;
        if any_nan { f32::NAN } else { hmax(self, v) }
    }

    #[inline(always)]
    fn ldexp<const K: usize>(self, x: [__m256; K], k: [__m256; K]) -> [__m256; K] {
        // Common case, |k| ≤ 125 in every lane of every register: x in
        // [0.5, 2) times 2^k is a normal number, so adding k to the exponent
        // field is exact: 3 integer instructions instead of 11. Otherwise
        // (results near overflow or in the subnormal range) the two-step
        // form. One test and branch for all K registers.
        // (A NaN k converts to i32::MIN, whose shifted value is 0: x passes through.)
        // SAFETY: self is an Avx2Fma token, so the CPU has AVX2.
        unsafe {
            let mut ki = [_mm256_setzero_si256(); K];
            let mut far = _mm256_setzero_si256();
            for i in 0..K {
                ki[i] = _mm256_cvtps_epi32(k[i]);
                far = _mm256_or_si256(far, _mm256_cmpgt_epi32(_mm256_abs_epi32(ki[i]), _mm256_set1_epi32(125)));
            }
            if _mm256_testz_si256(far, far) != 0 {
                let mut y = x;
                for i in 0..K {
                    y[i] = _mm256_castsi256_ps(_mm256_add_epi32(
                        _mm256_castps_si256(x[i]),
                        _mm256_slli_epi32::<23>(ki[i]),
                    ));
                }
                return y;
            }
        }
        let mut y = x;
        for i in 0..K {
            y[i] = super::ldexp_two_steps(self, x[i], k[i]);
        }
        y
    }
}

/// The largest of the 8 lanes by halving, 8 → 4 → 2 → 1: a few shuffles and
/// `maxps`, which return their second operand when either is NaN, so a NaN
/// lane may be dropped ([`Simd::reduce_max`] checks for NaN first).
#[inline(always)]
pub(super) fn hmax(_t: Avx2Fma, v: __m256) -> f32 {
    // SAFETY: _t is an Avx2Fma token, so the CPU has AVX (and SSE3).
    unsafe {
        let h = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        let h = _mm_max_ss(h, _mm_movehdup_ps(h));
        _mm_cvtss_f32(h)
    }
}
