//! The update rules written once over the [`Simd`] vocabulary, **fused**:
//! each kernel makes a single pass, loading θ, g and the state once per
//! register and storing θ and the state once. Adam moves 7 floats per
//! parameter (reads θ, g, m, v; writes θ, m, v) and nothing else: three
//! separate passes (update m, update v, update θ) would move 13.
//!
//! Full registers walk `chunks_exact`; the tail of fewer than LANES
//! elements goes through one partial load/store, which touches exactly the
//! tail and nothing beyond it.

use foundations::simd::Simd;

use super::{AdamParams, MomentumParams, RmsPropParams};

/// θ ← θ − η·g. theta, g: (n), equal lengths (checked by the dispatcher).
#[inline(always)]
pub(crate) fn sgd<S: Simd>(s: S, theta: &mut [f32], g: &[f32], lr: f64) {
    let l = S::LANES;
    let lr = s.splat(lr as f32);
    let mut ts = theta.chunks_exact_mut(l);
    let mut gs = g.chunks_exact(l);
    for (tc, gc) in (&mut ts).zip(&mut gs) {
        let th = s.fnma(lr, s.load(gc), s.load(tc));
        s.store(tc, th);
    }
    let (tt, gt) = (ts.into_remainder(), gs.remainder());
    if !tt.is_empty() {
        let th = s.fnma(lr, s.load_partial(gt, 0.0), s.load_partial(tt, 0.0));
        s.store_partial(tt, th);
    }
}

/// One register of the momentum update: returns (θ', u').
#[inline(always)]
fn momentum_reg<S: Simd, const NESTEROV: bool>(s: S, th: S::V, g: S::V, u: S::V, lr: S::V, beta: S::V) -> (S::V, S::V) {
    // u ← β·u − η·g
    let u = s.fnma(lr, g, s.mul(beta, u));
    let th = if NESTEROV {
        // θ ← θ + β·u − η·g
        s.fnma(lr, g, s.fma(beta, u, th))
    } else {
        // θ ← θ + u
        s.add(th, u)
    };
    (th, u)
}

#[inline(always)]
fn momentum_loop<S: Simd, const NESTEROV: bool>(s: S, theta: &mut [f32], g: &[f32], u: &mut [f32], lr: f64, beta: f64) {
    let l = S::LANES;
    let (lr, beta) = (s.splat(lr as f32), s.splat(beta as f32));
    let mut ts = theta.chunks_exact_mut(l);
    let mut gs = g.chunks_exact(l);
    let mut us = u.chunks_exact_mut(l);
    for ((tc, gc), uc) in (&mut ts).zip(&mut gs).zip(&mut us) {
        let (th, uv) = momentum_reg::<S, NESTEROV>(s, s.load(tc), s.load(gc), s.load(uc), lr, beta);
        s.store(tc, th);
        s.store(uc, uv);
    }
    let (tt, gt, ut) = (ts.into_remainder(), gs.remainder(), us.into_remainder());
    if !tt.is_empty() {
        let (th, uv) = momentum_reg::<S, NESTEROV>(
            s,
            s.load_partial(tt, 0.0),
            s.load_partial(gt, 0.0),
            s.load_partial(ut, 0.0),
            lr,
            beta,
        );
        s.store_partial(tt, th);
        s.store_partial(ut, uv);
    }
}

/// Momentum / Nesterov (see `naive::momentum`). theta, g, u: (n)
#[inline(always)]
pub(crate) fn momentum<S: Simd>(s: S, theta: &mut [f32], g: &[f32], u: &mut [f32], p: &MomentumParams, lr: f64) {
    if p.nesterov {
        momentum_loop::<S, true>(s, theta, g, u, lr, p.beta)
    } else {
        momentum_loop::<S, false>(s, theta, g, u, lr, p.beta)
    }
}

/// The RMSProp constants, splatted once.
#[derive(Clone, Copy)]
struct RmsK<V> {
    lr: V,
    rho: V,
    one_minus_rho: V,
    eps: V,
}

#[inline(always)]
fn rmsprop_reg<S: Simd>(s: S, th: S::V, g: S::V, sq: S::V, k: &RmsK<S::V>) -> (S::V, S::V) {
    // s ← ρ·s + (1 − ρ)·g²
    let sq = s.fma(k.rho, sq, s.mul(s.mul(k.one_minus_rho, g), g));
    // θ ← θ − η·g / (√s + ε)
    let th = s.fnma(k.lr, s.div(g, s.add(s.sqrt(sq), k.eps)), th);
    (th, sq)
}

/// RMSProp (see `naive::rmsprop`). theta, g, sq: (n)
#[inline(always)]
pub(crate) fn rmsprop<S: Simd>(s: S, theta: &mut [f32], g: &[f32], sq: &mut [f32], p: &RmsPropParams, lr: f64) {
    let l = S::LANES;
    let rho = p.rho as f32;
    let k = RmsK {
        lr: s.splat(lr as f32),
        rho: s.splat(rho),
        one_minus_rho: s.splat(1.0 - rho),
        eps: s.splat(p.eps as f32),
    };
    let mut ts = theta.chunks_exact_mut(l);
    let mut gs = g.chunks_exact(l);
    let mut ss = sq.chunks_exact_mut(l);
    for ((tc, gc), sc) in (&mut ts).zip(&mut gs).zip(&mut ss) {
        let (th, sv) = rmsprop_reg(s, s.load(tc), s.load(gc), s.load(sc), &k);
        s.store(tc, th);
        s.store(sc, sv);
    }
    let (tt, gt, st) = (ts.into_remainder(), gs.remainder(), ss.into_remainder());
    if !tt.is_empty() {
        let (th, sv) = rmsprop_reg(s, s.load_partial(tt, 0.0), s.load_partial(gt, 0.0), s.load_partial(st, 0.0), &k);
        s.store_partial(tt, th);
        s.store_partial(st, sv);
    }
}

/// The Adam constants of one step, splatted once.
#[derive(Clone, Copy)]
struct AdamK<V> {
    lr: V,
    b1: V,
    one_minus_b1: V,
    b2: V,
    one_minus_b2: V,
    /// 1 / (1 − β₁ᵗ): a multiply per element instead of a divide.
    inv_bc1: V,
    /// 1 / (1 − β₂ᵗ)
    inv_bc2: V,
    eps: V,
    wd: V,
}

// ANCHOR: adam_simd_reg
/// One register of the fused Adam/AdamW update: returns (θ', m', v').
#[inline(always)]
fn adam_reg<S: Simd>(s: S, th: S::V, g: S::V, m: S::V, v: S::V, k: &AdamK<S::V>) -> (S::V, S::V, S::V) {
    let m = s.fma(k.b1, m, s.mul(k.one_minus_b1, g)); // m ← β₁m + (1−β₁)g
    let v = s.fma(k.b2, v, s.mul(s.mul(k.one_minus_b2, g), g)); // v ← β₂v + (1−β₂)g²
    let m_hat = s.mul(m, k.inv_bc1);
    let v_hat = s.mul(v, k.inv_bc2);
    let step = s.div(m_hat, s.add(s.sqrt(v_hat), k.eps)); // m̂ / (√v̂ + ε)
    let step = s.fma(k.wd, th, step); // + λθ (AdamW)
    (s.fnma(k.lr, step, th), m, v) // θ − η·step
}
// ANCHOR_END: adam_simd_reg

// ANCHOR: adam_simd
/// Adam / AdamW (see `naive::adam`), fused: one load of θ, g, m, v and one
/// store of θ, m, v per register. theta, g, m, v: (n)
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn adam<S: Simd>(
    s: S,
    theta: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    p: &AdamParams,
    lr: f64,
    t: u64,
) {
    let l = S::LANES;
    let (b1, b2) = (p.beta1 as f32, p.beta2 as f32);
    let t = t.min(i32::MAX as u64) as i32;
    let k = AdamK {
        lr: s.splat(lr as f32),
        b1: s.splat(b1),
        one_minus_b1: s.splat(1.0 - b1),
        b2: s.splat(b2),
        one_minus_b2: s.splat(1.0 - b2),
        inv_bc1: s.splat(1.0 / (1.0 - b1.powi(t))),
        inv_bc2: s.splat(1.0 / (1.0 - b2.powi(t))),
        eps: s.splat(p.eps as f32),
        wd: s.splat(p.weight_decay as f32),
    };
    let mut ts = theta.chunks_exact_mut(l);
    let mut gs = g.chunks_exact(l);
    let mut ms = m.chunks_exact_mut(l);
    let mut vs = v.chunks_exact_mut(l);
    for (((tc, gc), mc), vc) in (&mut ts).zip(&mut gs).zip(&mut ms).zip(&mut vs) {
        let (th, mv, vv) = adam_reg(s, s.load(tc), s.load(gc), s.load(mc), s.load(vc), &k);
        s.store(tc, th);
        s.store(mc, mv);
        s.store(vc, vv);
    }
    let (tt, gt, mt, vt) = (ts.into_remainder(), gs.remainder(), ms.into_remainder(), vs.into_remainder());
    if !tt.is_empty() {
        let (th, mv, vv) = adam_reg(
            s,
            s.load_partial(tt, 0.0),
            s.load_partial(gt, 0.0),
            s.load_partial(mt, 0.0),
            s.load_partial(vt, 0.0),
            &k,
        );
        s.store_partial(tt, th);
        s.store_partial(mt, mv);
        s.store_partial(vt, vv);
    }
}
// ANCHOR_END: adam_simd
