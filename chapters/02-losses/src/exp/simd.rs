//! The vectorized `exp`, written once over the [`Simd`] vocabulary.
//!
//! ```text
//!   x = k·ln2 + r,   k = round(x·log₂e),   |r| ≤ ln2/2
//!   e^x = 2^k · e^r
//! ```
//!
//! 1. **Clamp** x to [−110, 89]: below −110 the result is 0 anyway (e^−104 is
//!    already under half the smallest subnormal), above 89 it is +∞ anyway.
//!    This also turns ±∞ into finite numbers the arithmetic can carry.
//! 2. **Range reduction** (Cody–Waite): ln2 is split into `LN2_HI`, which has
//!    only 9 significant bits so that k·LN2_HI is exact for |k| < 2¹⁵, and
//!    the small correction `LN2_LO`. r = (x − k·LN2_HI) − k·LN2_LO loses
//!    nothing in the first step (Sterbenz) and little in the second.
//! 3. **Polynomial**: e^r ≈ 1 + r + r²·P(r) with P of degree 5 (minimax
//!    coefficients from Cephes' `expf`), evaluated by Horner with FMAs.
//! 4. **Scaling** by 2^k built in the exponent bits. k ranges over
//!    [−159, 128] after the clamp but `pow2i` only builds 2^j for j in
//!    [−126, 127], so the scaling is split in two halves j₁ = round(k/2),
//!    j₂ = k − j₁: (p·2^j₁)·2^j₂. The first product is exact; the second
//!    rounds once, so subnormal results are correctly rounded from p,
//!    overflow gives +∞ and deep underflow gives 0 by plain IEEE arithmetic.
//! 5. **NaN** in, NaN out: the clamp loses NaN (x86 `min` returns its second
//!    operand), so NaN lanes are selected back at the end.

use foundations::simd::Simd;

/// ln 2 split for the range reduction: `LN2_HI` has 9 significant bits.
// 355/512, exact in f32: the long literal is the exact value, not excess precision.
#[allow(clippy::excessive_precision)]
pub(crate) const LN2_HI: f32 = 0.693_359_375;
/// ln 2 − `LN2_HI`.
pub(crate) const LN2_LO: f32 = -2.121_944_4e-4;
/// log₂ e
pub(crate) const LOG2E: f32 = std::f32::consts::LOG2_E;
/// Inputs are clamped to [`X_MIN`, `X_MAX`]: outside, the result is 0 or +∞.
pub(crate) const X_MIN: f32 = -110.0;
/// See [`X_MIN`].
pub(crate) const X_MAX: f32 = 89.0;
/// P(r) coefficients, highest degree first (Cephes `expf`; its last one,
/// 5.0000001201e-1, rounds to 0.5 in f32).
pub(crate) const P: [f32; 6] = [1.987_569_2e-4, 1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 1.666_666_5e-1, 0.5];

// ANCHOR: exp_simd
/// e^x lane by lane. See the module note for each step.
#[inline(always)]
pub(crate) fn exp_v<S: Simd>(s: S, x: S::V) -> S::V {
    // 1. Clamp (NaN is restored at the end).
    let xc = s.min(s.max(x, s.splat(X_MIN)), s.splat(X_MAX));
    // 2. k = round(x / ln2), r = x − k·ln2 in two steps.
    let k = s.round(s.mul(xc, s.splat(LOG2E)));
    let r = s.fnma(k, s.splat(LN2_HI), xc);
    let r = s.fnma(k, s.splat(LN2_LO), r);
    // 3. e^r ≈ 1 + r + r²·P(r).
    let mut p = s.splat(P[0]);
    for &c in &P[1..] {
        p = s.fma(p, r, s.splat(c));
    }
    let r2 = s.mul(r, r);
    let er = s.add(s.fma(p, r2, r), s.splat(1.0));
    // 4. Multiply by 2^k = 2^j1 · 2^j2, each factor a normal number.
    let j1 = s.round(s.mul(k, s.splat(0.5)));
    let j2 = s.sub(k, j1);
    let y = s.mul(s.mul(er, s.pow2i(j1)), s.pow2i(j2));
    // 5. NaN in, NaN out.
    s.select_nan(x, x, y)
}
// ANCHOR_END: exp_simd

/// outᵢ = e^xᵢ. out, x: (n), equal lengths (checked by the dispatcher).
#[inline(always)]
pub(crate) fn exp_slice<S: Simd>(s: S, out: &mut [f32], x: &[f32]) {
    let l = S::LANES;
    let mut os = out.chunks_exact_mut(l);
    let mut xs = x.chunks_exact(l);
    for (oc, xc) in (&mut os).zip(&mut xs) {
        s.store(oc, exp_v(s, s.load(xc)));
    }
    let (ot, xt) = (os.into_remainder(), xs.remainder());
    if !ot.is_empty() {
        s.store_partial(ot, exp_v(s, s.load_partial(xt, 0.0)));
    }
}
