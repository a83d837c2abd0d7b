//! [`Simd`] for aarch64 NEON: 4 f32 lanes in a 128-bit `float32x4_t` register.
//! NEON has no masked loads, so tails go through the trait's default
//! (a small stack buffer), which is what a careful scalar tail does anyway.

use std::arch::aarch64::*;

use super::Simd;
use crate::Neon;

// Every `unsafe` block below calls a NEON intrinsic. Its one invariant is
// that the CPU has NEON, which `self: Neon` proves (NEON is aarch64 baseline).

impl Simd for Neon {
    type V = float32x4_t;
    const LANES: usize = 4;

    #[inline(always)]
    fn zero(self) -> float32x4_t {
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vdupq_n_f32(0.0) }
    }
    #[inline(always)]
    fn splat(self, x: f32) -> float32x4_t {
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vdupq_n_f32(x) }
    }
    #[inline(always)]
    fn load(self, x: &[f32]) -> float32x4_t {
        assert!(x.len() >= 4, "load: need 4 floats, have {}", x.len());
        // SAFETY: the token proves NEON; the assert proves 4 readable floats.
        unsafe { vld1q_f32(x.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, out: &mut [f32], v: float32x4_t) {
        assert!(out.len() >= 4, "store: need room for 4 floats, have {}", out.len());
        // SAFETY: the token proves NEON; the assert proves 4 writable floats.
        unsafe { vst1q_f32(out.as_mut_ptr(), v) }
    }
    #[inline(always)]
    unsafe fn load_ptr(self, p: *const f32) -> float32x4_t {
        // SAFETY: the token proves NEON; the caller promises 4 readable floats at p.
        unsafe { vld1q_f32(p) }
    }
    #[inline(always)]
    unsafe fn store_ptr(self, p: *mut f32, v: float32x4_t) {
        // SAFETY: the token proves NEON; the caller promises 4 writable floats at p.
        unsafe { vst1q_f32(p, v) }
    }
    #[inline(always)]
    fn add(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vaddq_f32(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vsubq_f32(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vmulq_f32(a, b) }
    }
    #[inline(always)]
    fn div(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vdivq_f32(a, b) }
    }
    #[inline(always)]
    fn fma(self, a: float32x4_t, b: float32x4_t, c: float32x4_t) -> float32x4_t {
        // vfmaq_f32(c, a, b) = c + a·b, one rounding.
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vfmaq_f32(c, a, b) }
    }
    #[inline(always)]
    fn fnma(self, a: float32x4_t, b: float32x4_t, c: float32x4_t) -> float32x4_t {
        // vfmsq_f32(c, a, b) = c − a·b, one rounding.
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vfmsq_f32(c, a, b) }
    }
    #[inline(always)]
    fn max(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // fmax is IEEE maximum: NaN when either operand is NaN.
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vmaxq_f32(a, b) }
    }
    #[inline(always)]
    fn min(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // The x86 rule: `b` where either is NaN, else min(a, b).
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe {
            let lt = vcltq_f32(a, b);
            vbslq_f32(lt, a, b)
        }
    }
    #[inline(always)]
    fn sqrt(self, a: float32x4_t) -> float32x4_t {
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vsqrtq_f32(a) }
    }
    #[inline(always)]
    fn round(self, a: float32x4_t) -> float32x4_t {
        // frintn: round to nearest, ties to even.
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vrndnq_f32(a) }
    }
    #[inline(always)]
    fn pow2i(self, k: float32x4_t) -> float32x4_t {
        // 2^k has exponent field k + 127 and a zero mantissa: (k + 127) << 23.
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe {
            let e = vaddq_s32(vcvtnq_s32_f32(k), vdupq_n_s32(127));
            vreinterpretq_f32_s32(vshlq_n_s32::<23>(e))
        }
    }
    #[inline(always)]
    fn select_lt(self, a: float32x4_t, b: float32x4_t, x: float32x4_t, y: float32x4_t) -> float32x4_t {
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vbslq_f32(vcltq_f32(a, b), x, y) }
    }
    #[inline(always)]
    fn select_nan(self, a: float32x4_t, x: float32x4_t, y: float32x4_t) -> float32x4_t {
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vbslq_f32(vceqq_f32(a, a), y, x) }
    }
    #[inline(always)]
    fn reduce_sum(self, v: float32x4_t) -> f32 {
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vaddvq_f32(v) }
    }
    #[inline(always)]
    fn reduce_max(self, v: float32x4_t) -> f32 {
        // fmaxv propagates NaN.
        // SAFETY: self is a Neon token, so the CPU has NEON.
        unsafe { vmaxvq_f32(v) }
    }
}
