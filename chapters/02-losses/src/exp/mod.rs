//! A vectorized `exp`: e^x for f32 in a handful of FMAs per register.
//!
//! Every softmax and cross-entropy spends most of its time here, and the
//! libm `expf` loop costs about 9.5 cycles per element on this machine's
//! class of CPU. The trick is the identity
//!
//! ```text
//!   e^x = 2^k · e^r,   k = round(x / ln2),   r = x − k·ln2 ∈ [−ln2/2, ln2/2]
//! ```
//!
//! 2^k is free (write k + 127 into the exponent bits), and on the small
//! interval a degree-6 polynomial reaches f32 accuracy. See `exp/simd.rs` for the
//! steps and [`exp_f32`] for the same algorithm on one number.
//!
//! **Accuracy** (measured by `examples/figures.rs` over *every* f32 in
//! [−87, 88], written to `book/src/generated/ch02-exp-error.md`; the tests
//! check a dense sweep): at most [`MAX_ULP`] ulp against the correctly
//! rounded result. **Special values**: −∞ → 0, +∞ → +∞, NaN → NaN,
//! x > 88.72… → +∞ (overflow), and results in the subnormal range are
//! computed (not flushed): e^x for x in [−103.97, −87.34] is a subnormal,
//! below that 0.
//!
//! Rungs: `naive` ([`naive::exp_slice`], libm per element) and `simd`
//! ([`exp_slice`], this algorithm on AVX2, AVX-512, NEON; on the scalar ISA,
//! [`exp_f32`] per element). The register-level [`exp_v`] (one register)
//! and [`exp_n`] (K registers at once) are the same code, for fused kernels
//! in later chapters.

pub mod naive;
pub(crate) mod simd;

#[cfg(target_arch = "x86_64")]
mod avx2_fma;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;

use foundations::{Isa, Result, dispatch, ensure_shape};

use simd::{LN2_HI, LN2_LO, LOG2E, P, X_MAX, X_MIN};
pub use simd::{exp_n, exp_v};

/// The documented bound: the largest error, in units in the last place of
/// the correctly rounded f32 result, of [`exp_slice`] on every ISA and of
/// [`exp_f32`], over [−87, 88]. The tests hold every ISA to it.
pub const MAX_ULP: f64 = 2.0;

/// 2^j for integral j in [−126, 127], built in the exponent bits.
#[inline(always)]
fn pow2i(j: f32) -> f32 {
    f32::from_bits(((j as i32 + 127) as u32) << 23)
}

// ANCHOR: exp_scalar
/// e^x by the vectorized algorithm, one number at a time (the scalar ISA's
/// path, and the algorithm in its plainest form). Same special values as
/// [`exp_slice`].
#[inline]
pub fn exp_f32(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    let xc = x.clamp(X_MIN, X_MAX);
    // Round to nearest even by the "magic number" 1.5·2^23: adding it pushes
    // the fraction bits out of the f32 mantissa (|v| < 2^22 here).
    let round = |v: f32| (v + 12_582_912.0) - 12_582_912.0;
    let k = round(xc * LOG2E);
    // k·LN2_HI is exact (9-bit constant, |k| < 2^15), so no FMA is needed here.
    let r = xc - k * LN2_HI;
    let r = r - k * LN2_LO;
    let r2 = r * r;
    let p = (P[3] * r + P[4]) + r2 * ((P[1] * r + P[2]) + r2 * P[0]);
    let er = (p * r2 + r) + 1.0;
    let j1 = round(k * 0.5);
    er * pow2i(j1) * pow2i(k - j1)
}
// ANCHOR_END: exp_scalar

/// outᵢ = e^xᵢ on the active ISA. out, x: (n)
pub fn exp_slice(out: &mut [f32], x: &[f32]) -> Result<()> {
    exp_slice_on(Isa::active(), out, x)
}

/// [`exp_slice`] on a given ISA (the scalar ISA runs [`exp_f32`] per element).
pub fn exp_slice_on(isa: Isa, out: &mut [f32], x: &[f32]) -> Result<()> {
    ensure_shape!(out.len() == x.len(), "exp: out has {} elements but x has {}", out.len(), x.len());
    dispatch!(isa, "exp", exp_slice(out, x), {
        for (o, &xi) in out.iter_mut().zip(x) {
            *o = exp_f32(xi);
        }
    });
    Ok(())
}

// ANCHOR: ulp_error
/// Error of an f32 result `got` against the exact value `want` (computed in
/// f64), in units in the last place of f32 at `want`: the spacing of f32
/// numbers around `want` (2⁻¹⁴⁹ in the subnormal range).
/// Both infinite and equal, or both NaN: 0. Otherwise an infinity: ∞.
pub fn ulp_error(got: f32, want: f64) -> f64 {
    if (got.is_nan() && want.is_nan()) || (got as f64) == want {
        return 0.0;
    }
    if !got.is_finite() || !want.is_finite() {
        // A finite want beyond f32's range counts as +∞ once rounded.
        return if (want as f32) == got { 0.0 } else { f64::INFINITY };
    }
    // The binary exponent of want (an f64 read from its bits: no log2), then
    // the f32 spacing at that exponent, never below the subnormal spacing.
    let ew = ((want.abs().to_bits() >> 52) & 0x7ff) as i64 - 1023;
    let e = (ew - 23).max(-149);
    ((got as f64) - want).abs() * f64::from_bits(((1023 - e) as u64) << 52)
}
// ANCHOR_END: ulp_error
