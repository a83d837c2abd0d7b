//! tanh and σ written once over the [`Simd`] vocabulary.

use foundations::simd::Simd;

// ANCHOR: tanh_simd
/// tanh on one register: clamp, then the rational x·P(x²)/Q(x²).
///
/// - Clamping to ±7.905 keeps the polynomials finite (never ∞/∞ = NaN);
///   beyond |x| ≥ 9 the result is set to exactly ±1.
/// - `max`/`min` may drop a NaN on some ISAs, so the last line puts NaN
///   inputs back: NaN in, NaN out.
/// - Below |x| < 4·10⁻⁴, tanh(x) = x to f32 precision: return x exactly
///   (keeps the relative error small near 0).
// The coefficients are quoted at the precision they were published with.
#[allow(clippy::excessive_precision)]
#[inline(always)]
pub(crate) fn tanh_v<S: Simd>(s: S, x: S::V) -> S::V {
    const CLAMP: f32 = 7.905_311_107_635_498;
    let xc = s.min(s.max(x, s.splat(-CLAMP)), s.splat(CLAMP));
    let x2 = s.mul(xc, xc);
    // Numerator: odd polynomial x·(α1 + α3 x² + … + α13 x¹²), Horner in x².
    let mut p = s.splat(-2.76076847742355e-16);
    p = s.fma(x2, p, s.splat(2.00018790482477e-13));
    p = s.fma(x2, p, s.splat(-8.60467152213735e-11));
    p = s.fma(x2, p, s.splat(5.12229709037114e-08));
    p = s.fma(x2, p, s.splat(1.48572235717979e-05));
    p = s.fma(x2, p, s.splat(6.37261928875436e-04));
    p = s.fma(x2, p, s.splat(4.89352455891786e-03));
    p = s.mul(xc, p);
    // Denominator: even polynomial β0 + β2 x² + β4 x⁴ + β6 x⁶.
    let mut q = s.splat(1.19825839466702e-06);
    q = s.fma(x2, q, s.splat(1.18534705686654e-04));
    q = s.fma(x2, q, s.splat(2.26843463243900e-03));
    q = s.fma(x2, q, s.splat(4.89352518554385e-03));
    let r = s.div(p, q);
    // |x| < 4e-4 (x² < 1.6e-7): tanh(x) = x in f32.
    let r = s.select_lt(x2, s.splat(1.6e-7), xc, r);
    // |x| ≥ 9: tanh(x) = ±1 to within 3·10⁻⁸ (about half an ulp of 1).
    // Exactly ±1, so that a saturated gate is exactly 0 or 1 (the rational
    // alone gives 0.99999994 at the clamp). x·x = ∞ for huge x still compares.
    let sign = s.select_lt(x, s.zero(), s.splat(-1.0), s.splat(1.0));
    let r = s.select_lt(s.mul(x, x), s.splat(81.0), r, sign);
    s.select_nan(x, x, r)
}

/// σ(x) = ½ + ½·tanh(x/2) on one register.
#[inline(always)]
pub(crate) fn sigmoid_v<S: Simd>(s: S, x: S::V) -> S::V {
    let half = s.splat(0.5);
    s.fma(half, tanh_v(s, s.mul(half, x)), half)
}
// ANCHOR_END: tanh_simd

/// tanh(v), or σ(v) when `SIGMOID`, on one register.
#[inline(always)]
fn act<S: Simd, const SIGMOID: bool>(s: S, v: S::V) -> S::V {
    if SIGMOID { sigmoid_v(s, v) } else { tanh_v(s, v) }
}

/// outᵢ = tanh(xᵢ), or σ(xᵢ) when `SIGMOID`, with a masked tail.
///
/// The choice is a const generic, not a closure: a closure is a function of
/// its own, compiled *without* the caller's `#[target_feature]`s, so every
/// intrinsic in it would become an out-of-line call (measured: slower than
/// the scalar loop).
#[inline(always)]
fn map<S: Simd, const SIGMOID: bool>(s: S, out: &mut [f32], x: &[f32]) {
    let l = S::LANES;
    let mut os = out.chunks_exact_mut(l);
    let mut xs = x.chunks_exact(l);
    for (oc, xc) in (&mut os).zip(&mut xs) {
        s.store(oc, act::<S, SIGMOID>(s, s.load(xc)));
    }
    let (ot, xt) = (os.into_remainder(), xs.remainder());
    if !ot.is_empty() {
        s.store_partial(ot, act::<S, SIGMOID>(s, s.load_partial(xt, 0.0)));
    }
}

/// outᵢ = tanh(xᵢ). out, x: (n), equal lengths (checked by the dispatcher).
#[inline(always)]
pub(crate) fn tanh<S: Simd>(s: S, out: &mut [f32], x: &[f32]) {
    map::<S, false>(s, out, x)
}

/// outᵢ = σ(xᵢ). out, x: (n), equal lengths (checked by the dispatcher).
#[inline(always)]
pub(crate) fn sigmoid<S: Simd>(s: S, out: &mut [f32], x: &[f32]) {
    map::<S, true>(s, out, x)
}
