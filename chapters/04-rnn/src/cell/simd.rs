//! The fused cell kernels written once over the [`Simd`] vocabulary.

use foundations::simd::Simd;

use crate::act::simd::{sigmoid_v, tanh_v};

/// Loads `m ≤ LANES` floats at `x[at..]`: a full load, or a masked one for the tail.
#[inline(always)]
fn ld<S: Simd>(s: S, x: &[f32], at: usize, m: usize) -> S::V {
    if m == S::LANES { s.load(&x[at..at + m]) } else { s.load_partial(&x[at..at + m], 0.0) }
}

/// Stores the first `m ≤ LANES` lanes of `v` to `out[at..]`.
#[inline(always)]
fn st<S: Simd>(s: S, out: &mut [f32], at: usize, m: usize, v: S::V) {
    if m == S::LANES { s.store(&mut out[at..at + m], v) } else { s.store_partial(&mut out[at..at + m], v) }
}

/// h = tanh(a + b) row by row. h, a: (N, H)  b: (H)
#[inline(always)]
pub(crate) fn rnn_forward<S: Simd>(s: S, h: &mut [f32], a: &[f32], b: &[f32]) {
    let hd = b.len();
    for (hrow, arow) in h.chunks_exact_mut(hd).zip(a.chunks_exact(hd)) {
        let mut j = 0;
        while j < hd {
            let m = S::LANES.min(hd - j);
            let v = tanh_v(s, s.add(ld(s, arow, j, m), ld(s, b, j, m)));
            st(s, hrow, j, m, v);
            j += m;
        }
    }
}

/// da = dh ⊙ (1 − h²). da, dh, h: (N, H)
#[inline(always)]
pub(crate) fn rnn_backward<S: Simd>(s: S, da: &mut [f32], dh: &[f32], h: &[f32]) {
    let one = s.splat(1.0);
    let mut j = 0;
    while j < da.len() {
        let m = S::LANES.min(da.len() - j);
        let hv = ld(s, h, j, m);
        st(s, da, j, m, s.mul(ld(s, dh, j, m), s.fnma(hv, hv, one)));
        j += m;
    }
}

// ANCHOR: lstm_cell_simd
/// One LSTM step after its GEMM, LANES units of all four gates at a time.
/// gates: (N, 4H)  c, h, tc, c_prev: (N, H)  b: (4H)
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn lstm_forward<S: Simd>(
    s: S,
    gates: &mut [f32],
    c: &mut [f32],
    h: &mut [f32],
    tc: &mut [f32],
    c_prev: &[f32],
    b: &[f32],
    hd: usize,
) {
    for (r, g) in gates.chunks_exact_mut(4 * hd).enumerate() {
        let base = r * hd;
        let mut j = 0;
        while j < hd {
            let m = S::LANES.min(hd - j);
            // The four gates of units j..j+m: same lanes, four blocks of the row.
            let i = sigmoid_v(s, s.add(ld(s, g, j, m), ld(s, b, j, m)));
            let f = sigmoid_v(s, s.add(ld(s, g, hd + j, m), ld(s, b, hd + j, m)));
            let gg = tanh_v(s, s.add(ld(s, g, 2 * hd + j, m), ld(s, b, 2 * hd + j, m)));
            let o = sigmoid_v(s, s.add(ld(s, g, 3 * hd + j, m), ld(s, b, 3 * hd + j, m)));
            st(s, g, j, m, i);
            st(s, g, hd + j, m, f);
            st(s, g, 2 * hd + j, m, gg);
            st(s, g, 3 * hd + j, m, o);
            // c = f ⊙ c_prev + i ⊙ g;  tc = tanh(c);  h = o ⊙ tc
            let cv = s.fma(f, ld(s, c_prev, base + j, m), s.mul(i, gg));
            let t = tanh_v(s, cv);
            st(s, c, base + j, m, cv);
            st(s, tc, base + j, m, t);
            st(s, h, base + j, m, s.mul(o, t));
            j += m;
        }
    }
}
// ANCHOR_END: lstm_cell_simd

/// Backward of one LSTM step; overwrites da and dc_prev (formulas in `naive.rs`).
/// da, gates: (N, 4H)  dc_prev, dh, dc, c_prev, tc: (N, H)
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn lstm_backward<S: Simd>(
    s: S,
    da: &mut [f32],
    dc_prev: &mut [f32],
    dh: &[f32],
    dc: &[f32],
    gates: &[f32],
    c_prev: &[f32],
    tc: &[f32],
    hd: usize,
) {
    let one = s.splat(1.0);
    for (r, (d, g)) in da.chunks_exact_mut(4 * hd).zip(gates.chunks_exact(4 * hd)).enumerate() {
        let base = r * hd;
        let mut j = 0;
        while j < hd {
            let m = S::LANES.min(hd - j);
            let (i, f) = (ld(s, g, j, m), ld(s, g, hd + j, m));
            let (gg, o) = (ld(s, g, 2 * hd + j, m), ld(s, g, 3 * hd + j, m));
            let (dhv, t) = (ld(s, dh, base + j, m), ld(s, tc, base + j, m));
            // dc_t = dc + dh ⊙ o ⊙ (1 − tc²)
            let dct = s.fma(s.mul(dhv, o), s.fnma(t, t, one), ld(s, dc, base + j, m));
            // σ' = σ(1 − σ), tanh' = 1 − tanh²
            let di = s.mul(s.mul(dct, gg), s.mul(i, s.sub(one, i)));
            let df = s.mul(s.mul(dct, ld(s, c_prev, base + j, m)), s.mul(f, s.sub(one, f)));
            let dg = s.mul(s.mul(dct, i), s.fnma(gg, gg, one));
            let dov = s.mul(s.mul(dhv, t), s.mul(o, s.sub(one, o)));
            st(s, d, j, m, di);
            st(s, d, hd + j, m, df);
            st(s, d, 2 * hd + j, m, dg);
            st(s, d, 3 * hd + j, m, dov);
            st(s, dc_prev, base + j, m, s.mul(dct, f));
            j += m;
        }
    }
}
