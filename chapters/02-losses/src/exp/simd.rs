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
//! 3. **Polynomial**: e^r ≈ 1 + r + r²·P(r) with P of degree 4 (total
//!    degree 6, near-minimax coefficients, see [`P`]), evaluated by
//!    Estrin's scheme with FMAs (three dependent levels instead of Horner's four).
//! 4. **Scaling** by 2^k built in the exponent bits. k ranges over
//!    [−159, 128] after the clamp but `pow2i` only builds 2^j for j in
//!    [−126, 127], so the scaling is split in two halves j₁ = round(k/2),
//!    j₂ = k − j₁: (p·2^j₁)·2^j₂ (`Simd::ldexp` of chapter 0; AVX-512's `vscalefps`
//!    does the same in one instruction). The first product is exact; the
//!    second rounds once, so subnormal results are correctly rounded from p,
//!    overflow gives +∞ and deep underflow gives 0 by plain IEEE arithmetic.
//! 5. **NaN** in, NaN out: the clamp is written so that NaN survives it, and
//!    the arithmetic carries it to the result.

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
/// P(r) coefficients, highest degree first: e^r ≈ 1 + r + r²·P(r), total
/// degree 6. Fitted at the 5 Chebyshev nodes of [−ln2/2, ln2/2] to
/// (e^r − 1 − r)/r² (near-minimax); in exact arithmetic the approximation's
/// relative error is below 1e-8, a sixth of f32's half-ulp, so rounding
/// in the evaluation dominates what the error table shows.
pub(crate) const P: [f32; 5] = [1.392_617_6e-3, 8.363_173e-3, 4.166_655_6e-2, 1.666_657_8e-1, 0.5];

// ANCHOR: exp_simd
/// e^x lane by lane for K registers at once. See the module note for each
/// step. Each step is applied to all K registers before the next, so K
/// independent dependency chains are in flight: one exp alone is ~50 cycles
/// of latency, and the scheduler only holds so many waiting instructions.
/// Accuracy and special values: as [`exp_v`].
#[inline(always)]
pub fn exp_n<S: Simd, const K: usize>(s: S, x: [S::V; K]) -> [S::V; K] {
    // 1. Clamp. A NaN passes through: `select_lt` is false for NaN and
    //    `min(hi, NaN)` returns its second operand (the x86 rule, kept by
    //    every ISA here); NaN then flows through the arithmetic to the result.
    let (lo, hi) = (s.splat(X_MIN), s.splat(X_MAX));
    // (Plain index loops, not `array::map`: a std function compiled without
    // the target features would stop the intrinsics from inlining.)
    let mut xc = x;
    for i in 0..K {
        xc[i] = s.min(hi, s.select_lt(x[i], lo, lo, x[i]));
    }
    // 2. k = round(x / ln2), r = x − k·ln2 in two steps (Cody–Waite).
    let mut k = xc;
    for i in 0..K {
        k[i] = s.round(s.mul(xc[i], s.splat(LOG2E)));
    }
    let mut r = xc;
    for i in 0..K {
        r[i] = s.fnma(k[i], s.splat(LN2_HI), r[i]);
    }
    for i in 0..K {
        r[i] = s.fnma(k[i], s.splat(LN2_LO), r[i]);
    }
    // 3. e^r ≈ 1 + r + r²·P(r), P by Estrin's scheme (3 FMA levels, not 4):
    //    P = (P3·r + P4) + r²·((P1·r + P2) + r²·P0).
    let mut r2 = r;
    for i in 0..K {
        r2[i] = s.mul(r[i], r[i]);
    }
    let mut er = r;
    for i in 0..K {
        let a = s.fma(s.splat(P[3]), r[i], s.splat(P[4]));
        let b = s.fma(s.splat(P[1]), r[i], s.splat(P[2]));
        let q = s.fma(s.splat(P[0]), r2[i], b);
        let p = s.fma(q, r2[i], a);
        er[i] = s.add(s.fma(p, r2[i], r[i]), s.splat(1.0));
    }
    // 4. Multiply by 2^k: two normal factors 2^j1 · 2^j2 (one instruction on AVX-512).
    s.ldexp(er, k)
}

/// e^x lane by lane, one register: the exp of [`exp_slice`](super::exp_slice),
/// exported for other chapters' fused kernels (call it from code that is
/// itself inlined into a `#[target_feature]` body, as every `Simd` kernel is).
///
/// Accuracy: at most [`MAX_ULP`](super::MAX_ULP) = 2 ulp from the correctly
/// rounded e^x over [−87, 88]. Special values: −∞ → 0, +∞ → +∞, NaN → NaN,
/// x > 88.72 → +∞; results in the subnormal range (x in [−103.97, −87.34])
/// are computed, not flushed; below that 0. About 20 dependent instructions:
/// pass several registers to [`exp_n`] to overlap their latency.
#[inline(always)]
pub fn exp_v<S: Simd>(s: S, x: S::V) -> S::V {
    exp_n(s, [x])[0]
}
// ANCHOR_END: exp_simd

/// Registers per iteration of [`exp_slice`].
const UNROLL: usize = 4;

/// outᵢ = e^xᵢ. out, x: (n), equal lengths (checked by the dispatcher).
///
/// Four registers per iteration: one exp is a chain of ~20 dependent
/// instructions (~70 cycles of latency), so independent registers must be
/// in flight together to keep the FMA pipes busy.
#[inline(always)]
pub(crate) fn exp_slice<S: Simd>(s: S, out: &mut [f32], x: &[f32]) {
    let l = S::LANES;
    let mut os = out.chunks_exact_mut(UNROLL * l);
    let mut xs = x.chunks_exact(UNROLL * l);
    for (oc, xc) in (&mut os).zip(&mut xs) {
        let mut v = [s.zero(); UNROLL];
        for (u, vu) in v.iter_mut().enumerate() {
            *vu = s.load(&xc[u * l..]);
        }
        let e = exp_n(s, v);
        for (u, e) in e.into_iter().enumerate() {
            s.store(&mut oc[u * l..], e);
        }
    }
    let (or, xr) = (os.into_remainder(), xs.remainder());
    let mut os = or.chunks_exact_mut(l);
    let mut xs = xr.chunks_exact(l);
    for (oc, xc) in (&mut os).zip(&mut xs) {
        s.store(oc, exp_v(s, s.load(xc)));
    }
    let (ot, xt) = (os.into_remainder(), xs.remainder());
    if !ot.is_empty() {
        s.store_partial(ot, exp_v(s, s.load_partial(xt, 0.0)));
    }
}
