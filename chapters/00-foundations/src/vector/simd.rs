//! The vector kernels written once over the [`Simd`] vocabulary.
//!
//! Each loop walks full registers in `chunks_exact` (so the compiler knows
//! every load is in bounds and drops the checks), then finishes the tail of
//! fewer than LANES elements with one masked (partial) load or store. The
//! reductions keep **four independent accumulators**: an FMA has a latency
//! of 4 cycles but two can start every cycle, so one accumulator would leave
//! the FMA units idle 7 cycles out of 8.
//!
//! [`max`] is public so that later chapters' fused kernels reuse it inside
//! their own `#[target_feature]` bodies (chapter 2's row softmax).

use crate::simd::Simd;

// ANCHOR: dot_simd
/// Independent accumulators in `dot`: two loads feed each FMA, and with
/// 8 chains in flight the loop is limited by loads, not by FMA latency.
const U: usize = 8;

/// x · y. x, y: (n), equal lengths (checked by the dispatcher).
#[inline(always)]
pub(crate) fn dot<S: Simd>(s: S, x: &[f32], y: &[f32]) -> f32 {
    let l = S::LANES;
    let mut acc = [s.zero(); U];
    let mut xs = x.chunks_exact(U * l);
    let mut ys = y.chunks_exact(U * l);
    for (xc, yc) in (&mut xs).zip(&mut ys) {
        for u in 0..U {
            acc[u] = s.fma(s.load(&xc[u * l..]), s.load(&yc[u * l..]), acc[u]);
        }
    }
    // Fewer than U registers left: one register at a time, then the tail.
    let (xr, yr) = (xs.remainder(), ys.remainder());
    let mut xs = xr.chunks_exact(l);
    let mut ys = yr.chunks_exact(l);
    for (xc, yc) in (&mut xs).zip(&mut ys) {
        acc[0] = s.fma(s.load(xc), s.load(yc), acc[0]);
    }
    let (xt, yt) = (xs.remainder(), ys.remainder());
    if !xt.is_empty() {
        acc[1] = s.fma(s.load_partial(xt, 0.0), s.load_partial(yt, 0.0), acc[1]);
    }
    let mut total = s.zero();
    for a in acc {
        total = s.add(total, a);
    }
    s.reduce_sum(total)
}
// ANCHOR_END: dot_simd

/// Σᵢ xᵢ. x: (n)
#[inline(always)]
pub(crate) fn sum<S: Simd>(s: S, x: &[f32]) -> f32 {
    let l = S::LANES;
    let mut acc = [s.zero(); 4];
    let mut xs = x.chunks_exact(4 * l);
    for xc in &mut xs {
        for u in 0..4 {
            acc[u] = s.add(acc[u], s.load(&xc[u * l..]));
        }
    }
    let mut xs = xs.remainder().chunks_exact(l);
    for xc in &mut xs {
        acc[0] = s.add(acc[0], s.load(xc));
    }
    let xt = xs.remainder();
    if !xt.is_empty() {
        acc[1] = s.add(acc[1], s.load_partial(xt, 0.0));
    }
    s.reduce_sum(s.add(s.add(acc[0], acc[1]), s.add(acc[2], acc[3])))
}

/// maxᵢ xᵢ. x: (n); −∞ when empty, NaN when any element is NaN
/// (`Simd::max` turns the accumulator NaN at the first NaN).
#[inline(always)]
pub fn max<S: Simd>(s: S, x: &[f32]) -> f32 {
    let l = S::LANES;
    let mut acc = [s.splat(f32::NEG_INFINITY); 4];
    let mut xs = x.chunks_exact(4 * l);
    for xc in &mut xs {
        for u in 0..4 {
            acc[u] = s.max(acc[u], s.load(&xc[u * l..]));
        }
    }
    let mut xs = xs.remainder().chunks_exact(l);
    for xc in &mut xs {
        acc[0] = s.max(acc[0], s.load(xc));
    }
    let xt = xs.remainder();
    if !xt.is_empty() {
        acc[1] = s.max(acc[1], s.load_partial(xt, f32::NEG_INFINITY));
    }
    s.reduce_max(s.max(s.max(acc[0], acc[1]), s.max(acc[2], acc[3])))
}

/// y ← α·x + y. y, x: (n)
#[inline(always)]
pub(crate) fn axpy<S: Simd>(s: S, y: &mut [f32], alpha: f32, x: &[f32]) {
    let l = S::LANES;
    let a = s.splat(alpha);
    let mut ys = y.chunks_exact_mut(l);
    let mut xs = x.chunks_exact(l);
    for (yc, xc) in (&mut ys).zip(&mut xs) {
        let v = s.fma(a, s.load(xc), s.load(yc));
        s.store(yc, v);
    }
    let (yt, xt) = (ys.into_remainder(), xs.remainder());
    if !yt.is_empty() {
        let v = s.fma(a, s.load_partial(xt, 0.0), s.load_partial(yt, 0.0));
        s.store_partial(yt, v);
    }
}

/// x ← α·x. x: (n)
#[inline(always)]
pub(crate) fn scale<S: Simd>(s: S, x: &mut [f32], alpha: f32) {
    let l = S::LANES;
    let a = s.splat(alpha);
    let mut xs = x.chunks_exact_mut(l);
    for xc in &mut xs {
        let v = s.mul(a, s.load(xc));
        s.store(xc, v);
    }
    let xt = xs.into_remainder();
    if !xt.is_empty() {
        let v = s.mul(a, s.load_partial(xt, 0.0));
        s.store_partial(xt, v);
    }
}

/// outᵢ = op(xᵢ, yᵢ) for a lane-wise `op`. out, x, y: (n)
#[inline(always)]
fn zip_map<S: Simd>(s: S, out: &mut [f32], x: &[f32], y: &[f32], op: impl Fn(S::V, S::V) -> S::V) {
    let l = S::LANES;
    let mut os = out.chunks_exact_mut(l);
    let mut xs = x.chunks_exact(l);
    let mut ys = y.chunks_exact(l);
    for ((oc, xc), yc) in (&mut os).zip(&mut xs).zip(&mut ys) {
        s.store(oc, op(s.load(xc), s.load(yc)));
    }
    let (ot, xt, yt) = (os.into_remainder(), xs.remainder(), ys.remainder());
    if !ot.is_empty() {
        s.store_partial(ot, op(s.load_partial(xt, 0.0), s.load_partial(yt, 0.0)));
    }
}

/// outᵢ = xᵢ + yᵢ
#[inline(always)]
pub(crate) fn add<S: Simd>(s: S, out: &mut [f32], x: &[f32], y: &[f32]) {
    zip_map(s, out, x, y, |a, b| s.add(a, b))
}

/// outᵢ = xᵢ · yᵢ
#[inline(always)]
pub(crate) fn mul<S: Simd>(s: S, out: &mut [f32], x: &[f32], y: &[f32]) {
    zip_map(s, out, x, y, |a, b| s.mul(a, b))
}
