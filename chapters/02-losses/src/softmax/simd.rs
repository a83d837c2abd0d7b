//! The row kernels written once over the [`Simd`] vocabulary, rungs
//! `v1_three_pass` and `v2_online`. Each function walks the whole (N, C)
//! matrix so that one `#[target_feature]` call covers every row.
//!
//! Tails: a row of C elements is LANES-wide chunks plus one partial
//! register. Loads for a maximum are padded with −∞, loads for a sum with 0,
//! so the padding never changes a result; stores write only the C elements.

use foundations::simd::Simd;

use foundations::vector::simd::max as row_max;

use crate::exp::simd::{exp_n, exp_v};

/// Σⱼ e^(xⱼ − m), storing each term in `out` when given. out, x: (C)
/// Four registers per step, their exps interleaved (see `exp::simd::exp_n`).
#[inline(always)]
fn row_exp_sum<S: Simd>(s: S, mut out: Option<&mut [f32]>, x: &[f32], m: f32) -> f32 {
    let l = S::LANES;
    let mv = s.splat(m);
    let mut acc = [s.zero(); 4];
    let mut j = 0;
    while j + 4 * l <= x.len() {
        let mut v = [s.zero(); 4];
        for (u, vu) in v.iter_mut().enumerate() {
            *vu = s.sub(s.load(&x[j + u * l..]), mv);
        }
        let e = exp_n(s, v);
        for u in 0..4 {
            if let Some(o) = &mut out {
                s.store(&mut o[j + u * l..], e[u]);
            }
            acc[u] = s.add(acc[u], e[u]);
        }
        j += 4 * l;
    }
    while j < x.len() {
        // Padding −∞ gives e^−∞ = 0: it adds nothing to the sum.
        let full = j + l <= x.len();
        let v = if full { s.load(&x[j..]) } else { s.load_partial(&x[j..], f32::NEG_INFINITY) };
        let e = exp_v(s, s.sub(v, mv));
        if let Some(o) = &mut out {
            if full {
                s.store(&mut o[j..], e);
            } else {
                s.store_partial(&mut o[j..], e);
            }
        }
        acc[1] = s.add(acc[1], e);
        j += l;
    }
    s.reduce_sum(s.add(s.add(acc[0], acc[1]), s.add(acc[2], acc[3])))
}

/// out = out · a. out: (C)
#[inline(always)]
fn row_scale<S: Simd>(s: S, out: &mut [f32], a: f32) {
    let av = s.splat(a);
    let mut os = out.chunks_exact_mut(S::LANES);
    for oc in &mut os {
        let v = s.mul(s.load(oc), av);
        s.store(oc, v);
    }
    let ot = os.into_remainder();
    if !ot.is_empty() {
        let v = s.mul(s.load_partial(ot, 0.0), av);
        s.store_partial(ot, v);
    }
}

/// out = e^(x − m) · a. out, x: (C). Four registers per step.
#[inline(always)]
fn row_exp_scale<S: Simd>(s: S, out: &mut [f32], x: &[f32], m: f32, a: f32) {
    let l = S::LANES;
    let (mv, av) = (s.splat(m), s.splat(a));
    let mut j = 0;
    while j + 4 * l <= x.len() {
        let mut v = [s.zero(); 4];
        for (u, vu) in v.iter_mut().enumerate() {
            *vu = s.sub(s.load(&x[j + u * l..]), mv);
        }
        let e = exp_n(s, v);
        for (u, eu) in e.into_iter().enumerate() {
            s.store(&mut out[j + u * l..], s.mul(eu, av));
        }
        j += 4 * l;
    }
    while j < x.len() {
        if j + l <= x.len() {
            s.store(&mut out[j..], s.mul(exp_v(s, s.sub(s.load(&x[j..]), mv)), av));
        } else {
            s.store_partial(&mut out[j..], s.mul(exp_v(s, s.sub(s.load_partial(&x[j..], 0.0), mv)), av));
        }
        j += l;
    }
}

// ANCHOR: online_stats
/// (m, s) with m = maxⱼ xⱼ and s = Σⱼ e^(xⱼ − m) in ONE pass over x: each
/// lane keeps a running maximum mₗ and a sum dₗ relative to it; when a new
/// block of 4 registers raises the maximum to m', the old sum is rescaled,
/// d ← d·e^(m − m') + Σ e^(x − m'). One rescale per 4 registers keeps the
/// extra exps to a quarter per element. x: (C)
#[inline(always)]
fn online_stats<S: Simd>(s: S, x: &[f32]) -> (f32, f32) {
    let l = S::LANES;
    // A finite "−∞" so that m − m' is never ∞ − ∞ in lanes that saw only padding.
    let mut m = s.splat(-f32::MAX);
    let mut d = s.zero();
    let mut xs = x.chunks_exact(4 * l);
    for xc in &mut xs {
        let v = [s.load(xc), s.load(&xc[l..]), s.load(&xc[2 * l..]), s.load(&xc[3 * l..])];
        let mb = s.max(s.max(m, s.max(v[0], v[1])), s.max(v[2], v[3]));
        // The rescale factor and the four blocks' exps, interleaved.
        let e = exp_n(s, [s.sub(m, mb), s.sub(v[0], mb), s.sub(v[1], mb), s.sub(v[2], mb), s.sub(v[3], mb)]);
        d = s.add(s.fma(d, e[0], e[1]), s.add(s.add(e[2], e[3]), e[4]));
        m = mb;
    }
    // The rest, one register at a time (the tail padded with −∞).
    let rest = xs.remainder();
    let mut j = 0;
    while j < rest.len() {
        let v = if j + l <= rest.len() { s.load(&rest[j..]) } else { s.load_partial(&rest[j..], f32::NEG_INFINITY) };
        let mb = s.max(m, v);
        d = s.add(s.mul(d, exp_v(s, s.sub(m, mb))), exp_v(s, s.sub(v, mb)));
        m = mb;
        j += l;
    }
    // Combine the lanes: M = max mₗ, S = Σ dₗ·e^(mₗ − M).
    let mm = s.reduce_max(m);
    let total = s.reduce_sum(s.mul(d, exp_v(s, s.sub(m, s.splat(mm)))));
    (mm, total)
}
// ANCHOR_END: online_stats

/// A short row (C ≤ 2·LANES) kept in two registers: one load, one max, one
/// pair of exps, one sum, one store. The general loops would pay their
/// set-up and horizontal reductions three times for a handful of elements.
/// Writes p = softmax(x) and returns (m, s). out, x: (C)
#[inline(always)]
fn short_row<S: Simd>(s: S, out: &mut [f32], x: &[f32]) -> (f32, f32) {
    let l = S::LANES;
    let c = x.len();
    let (x0, x1) = if c > l { (&x[..l], &x[l..]) } else { (x, &x[c..]) };
    let ninf = f32::NEG_INFINITY;
    let v0 = if x0.len() == l { s.load(x0) } else { s.load_partial(x0, ninf) };
    let v1 = s.load_partial(x1, ninf);
    let m = s.reduce_max(s.max(v0, v1));
    let mv = s.splat(m);
    // Padding −∞ gives e^−∞ = 0.
    let [e0, e1] = exp_n(s, [s.sub(v0, mv), s.sub(v1, mv)]);
    let sum = s.reduce_sum(s.add(e0, e1));
    let inv = s.splat(1.0 / sum);
    let (o0, o1) = out.split_at_mut(x0.len());
    if o0.len() == l {
        s.store(o0, s.mul(e0, inv));
    } else {
        s.store_partial(o0, s.mul(e0, inv));
    }
    s.store_partial(o1, s.mul(e1, inv));
    (m, sum)
}

// ANCHOR: softmax_v1
/// v1: three passes, each a SIMD loop: max, exp-and-sum (storing the
/// exponentials), scale by 1/sum. out, x: (N, C), C ≥ 1.
#[inline(always)]
pub(crate) fn softmax_rows_v1<S: Simd>(s: S, out: &mut [f32], x: &[f32], c: usize) {
    for (yr, xr) in out.chunks_exact_mut(c).zip(x.chunks_exact(c)) {
        if c <= 2 * S::LANES {
            short_row(s, yr, xr);
            continue;
        }
        let m = row_max(s, xr);
        let sum = row_exp_sum(s, Some(&mut *yr), xr, m);
        row_scale(s, yr, 1.0 / sum);
    }
}
// ANCHOR_END: softmax_v1

// ANCHOR: softmax_v2
/// v2: two passes: online (max, sum) in one read of x, then
/// out = e^(x − m)/s in a second. out, x: (N, C), C ≥ 1.
#[inline(always)]
pub(crate) fn softmax_rows_v2<S: Simd>(s: S, out: &mut [f32], x: &[f32], c: usize) {
    for (yr, xr) in out.chunks_exact_mut(c).zip(x.chunks_exact(c)) {
        if c <= 2 * S::LANES {
            short_row(s, yr, xr);
            continue;
        }
        let (m, sum) = online_stats(s, xr);
        row_exp_scale(s, yr, xr, m, 1.0 / sum);
    }
}
// ANCHOR_END: softmax_v2

/// Row statistics by the rung's method: v1 two reads (max, then sum), v2 one.
#[inline(always)]
fn stats<S: Simd>(s: S, xr: &[f32], online: bool) -> (f32, f32) {
    if online {
        online_stats(s, xr)
    } else {
        let m = row_max(s, xr);
        (m, row_exp_sum(s, None, xr, m))
    }
}

/// outᵢ = mᵢ + ln sᵢ (log-sum-exp). out: (N)  x: (N, C), C ≥ 1.
#[inline(always)]
pub(crate) fn log_sum_exp_rows<S: Simd>(s: S, out: &mut [f32], x: &[f32], c: usize, online: bool) {
    for (o, xr) in out.iter_mut().zip(x.chunks_exact(c)) {
        let (m, sum) = stats(s, xr, online);
        *o = m + sum.ln();
    }
}

/// y = x − (m + ln s), row by row. out, x: (N, C), C ≥ 1.
#[inline(always)]
pub(crate) fn log_softmax_rows<S: Simd>(s: S, out: &mut [f32], x: &[f32], c: usize, online: bool) {
    for (yr, xr) in out.chunks_exact_mut(c).zip(x.chunks_exact(c)) {
        let (m, sum) = stats(s, xr, online);
        let lse = s.splat(m + sum.ln());
        let mut os = yr.chunks_exact_mut(S::LANES);
        let mut xs = xr.chunks_exact(S::LANES);
        for (oc, xc) in (&mut os).zip(&mut xs) {
            s.store(oc, s.sub(s.load(xc), lse));
        }
        let (ot, xt) = (os.into_remainder(), xs.remainder());
        if !ot.is_empty() {
            s.store_partial(ot, s.sub(s.load_partial(xt, 0.0), lse));
        }
    }
}

/// Fused softmax + cross-entropy forward: p = softmax(x), lossᵢ = mᵢ + ln sᵢ − xᵢ,ₗᵢ.
/// p, x: (N, C)  loss, labels: (N), labels < C (checked by the dispatcher).
#[inline(always)]
pub(crate) fn softmax_xent_rows<S: Simd>(
    s: S,
    p: &mut [f32],
    loss: &mut [f32],
    x: &[f32],
    labels: &[usize],
    c: usize,
    online: bool,
) {
    for (((pr, xr), l), &label) in p.chunks_exact_mut(c).zip(x.chunks_exact(c)).zip(loss.iter_mut()).zip(labels) {
        let (m, sum) = if c <= 2 * S::LANES {
            short_row(s, pr, xr)
        } else if online {
            let (m, sum) = online_stats(s, xr);
            row_exp_scale(s, pr, xr, m, 1.0 / sum);
            (m, sum)
        } else {
            let m = row_max(s, xr);
            let sum = row_exp_sum(s, Some(&mut *pr), xr, m);
            row_scale(s, pr, 1.0 / sum);
            (m, sum)
        };
        *l = m + sum.ln() - xr[label];
    }
}

// ANCHOR: softmax_backward_simd
/// dx += y ∘ (dy − ⟨y, dy⟩) row by row (ACCUMULATES). dx, y, dy: (N, C), C ≥ 1.
#[inline(always)]
pub(crate) fn softmax_rows_backward<S: Simd>(s: S, dx: &mut [f32], y: &[f32], dy: &[f32], c: usize) {
    let l = S::LANES;
    for ((dxr, yr), dyr) in dx.chunks_exact_mut(c).zip(y.chunks_exact(c)).zip(dy.chunks_exact(c)) {
        // ⟨y, dy⟩ with two accumulators.
        let mut acc = [s.zero(); 2];
        let mut j = 0;
        while j + l <= c {
            acc[(j / l) & 1] = s.fma(s.load(&yr[j..]), s.load(&dyr[j..]), acc[(j / l) & 1]);
            j += l;
        }
        if j < c {
            acc[0] = s.fma(s.load_partial(&yr[j..], 0.0), s.load_partial(&dyr[j..], 0.0), acc[0]);
        }
        let dot = s.splat(s.reduce_sum(s.add(acc[0], acc[1])));
        // dx += y·(dy − dot)
        let mut j = 0;
        while j + l <= c {
            let v = s.fma(s.load(&yr[j..]), s.sub(s.load(&dyr[j..]), dot), s.load(&dxr[j..]));
            s.store(&mut dxr[j..], v);
            j += l;
        }
        if j < c {
            let (yt, dyt) = (s.load_partial(&yr[j..], 0.0), s.load_partial(&dyr[j..], 0.0));
            let v = s.fma(yt, s.sub(dyt, dot), s.load_partial(&dxr[j..], 0.0));
            s.store_partial(&mut dxr[j..], v);
        }
    }
}
// ANCHOR_END: softmax_backward_simd

/// dx += dy − e^y · Σdy row by row (ACCUMULATES). dx, y, dy: (N, C), C ≥ 1.
#[inline(always)]
pub(crate) fn log_softmax_rows_backward<S: Simd>(s: S, dx: &mut [f32], y: &[f32], dy: &[f32], c: usize) {
    let l = S::LANES;
    for ((dxr, yr), dyr) in dx.chunks_exact_mut(c).zip(y.chunks_exact(c)).zip(dy.chunks_exact(c)) {
        let mut acc = s.zero();
        let mut j = 0;
        while j + l <= c {
            acc = s.add(acc, s.load(&dyr[j..]));
            j += l;
        }
        if j < c {
            acc = s.add(acc, s.load_partial(&dyr[j..], 0.0));
        }
        let sum = s.splat(s.reduce_sum(acc));
        let mut j = 0;
        while j + l <= c {
            let v = s.add(s.load(&dxr[j..]), s.fnma(exp_v(s, s.load(&yr[j..])), sum, s.load(&dyr[j..])));
            s.store(&mut dxr[j..], v);
            j += l;
        }
        if j < c {
            let (yt, dyt) = (s.load_partial(&yr[j..], 0.0), s.load_partial(&dyr[j..], 0.0));
            let v = s.add(s.load_partial(&dxr[j..], 0.0), s.fnma(exp_v(s, yt), sum, dyt));
            s.store_partial(&mut dxr[j..], v);
        }
    }
}
