//! Two operations this chapter needs beyond chapter 0's [`Simd`] vocabulary.
//!
//! **ldexp** x·2^k over the whole range the exp needs (k in [−159, 128]):
//! `pow2i` builds only normal powers, so the generic form uses two of them;
//! AVX-512 does it in one instruction.
//!
//! **hmax**, the horizontal maximum of a register, which `Simd::reduce_max`
//! does only slowly. `Simd::reduce_max`
//! stores the lanes and folds them in scalar code (NaN-sticky); a softmax of
//! short rows (C = 10) pays that once per row and it dominates. Here it is a
//! few shuffles and `max` instructions per ISA.
//!
//! NaN: the result may ignore a NaN lane. The softmax kernels do not rely on
//! it: a NaN logit makes its own e^(x − m) NaN, hence the sum and the whole
//! row, as in the oracle.

use foundations::simd::Simd;

/// [`Simd`] plus a fast horizontal maximum and a wide-range ldexp.
pub(crate) trait SimdExt: Simd {
    /// The largest lane (a NaN lane may be ignored).
    fn hmax(self, v: Self::V) -> f32;

    /// x · 2^k for lanes holding integral k in [−254, 254], rounded once:
    /// +∞ on overflow, subnormal or 0 on underflow. By default two factors
    /// 2^j₁·2^j₂ with j₁ = round(k/2), each a normal number that `pow2i` can
    /// build; AVX-512 has one instruction for it (`vscalefps`).
    ///
    /// The exp calls it with x = e^r in [0.7, 1.42] (or NaN).
    #[inline(always)]
    fn ldexp<const K: usize>(self, x: [Self::V; K], k: [Self::V; K]) -> [Self::V; K] {
        let mut y = x;
        for i in 0..K {
            y[i] = ldexp_two_steps(self, x[i], k[i]);
        }
        y
    }
}

/// x · 2^k as (x · 2^j₁) · 2^j₂, j₁ = round(k/2), j₂ = k − j₁.
#[inline(always)]
pub(crate) fn ldexp_two_steps<S: Simd>(s: S, x: S::V, k: S::V) -> S::V {
    let j1 = s.round(s.mul(k, s.splat(0.5)));
    let j2 = s.sub(k, j1);
    s.mul(s.mul(x, s.pow2i(j1)), s.pow2i(j2))
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use foundations::{Avx2Fma, Avx512};

    use super::{SimdExt, ldexp_two_steps};

    impl SimdExt for Avx2Fma {
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
                y[i] = ldexp_two_steps(self, x[i], k[i]);
            }
            y
        }

        #[inline(always)]
        fn hmax(self, v: __m256) -> f32 {
            // 8 → 4 → 2 → 1 lanes by max with the upper half.
            // SAFETY: self is an Avx2Fma token, so the CPU has AVX (and SSE3).
            unsafe {
                let h = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
                let h = _mm_max_ps(h, _mm_movehl_ps(h, h));
                let h = _mm_max_ss(h, _mm_movehdup_ps(h));
                _mm_cvtss_f32(h)
            }
        }
    }

    impl SimdExt for Avx512 {
        #[inline(always)]
        fn hmax(self, v: __m512) -> f32 {
            // 16 → 8 lanes, then as AVX2.
            // SAFETY: self is an Avx512 token, so the CPU has AVX-512F (and AVX).
            let half = unsafe {
                _mm256_max_ps(
                    _mm512_castps512_ps256(v),
                    _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(v))),
                )
            };
            self.avx2().hmax(half)
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
}

#[cfg(target_arch = "aarch64")]
mod arm {
    use std::arch::aarch64::*;

    use foundations::Neon;

    use super::SimdExt;

    impl SimdExt for Neon {
        #[inline(always)]
        fn hmax(self, v: float32x4_t) -> f32 {
            // SAFETY: self is a Neon token, so the CPU has NEON.
            unsafe { vmaxvq_f32(v) }
        }
    }
}
