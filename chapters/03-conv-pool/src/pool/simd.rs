//! Pooling kernels over the [`Simd`] vocabulary: NHWC puts the C channels
//! of a pixel side by side, so a window is PH·PW contiguous C-runs and each
//! register holds LANES channels of one pixel. Channel tails use one
//! partial load/store (fill −∞ for max, 0 for the sum).

use foundations::simd::Simd;

use super::PoolDims;

/// Channels c0 .. c0 + len of the window of output pixel (n, oy, ox),
/// reduced with `op` from `init`; partial when len < LANES.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn window<S: Simd>(
    s: S,
    x: &[f32],
    d: &PoolDims,
    n: usize,
    oy: usize,
    ox: usize,
    c0: usize,
    len: usize,
    fill: f32,
    op: impl Fn(S::V, S::V) -> S::V,
) -> S::V {
    let mut acc = s.splat(fill);
    for i in 0..d.ph {
        let row = ((n * d.h + oy * d.sh + i) * d.w + ox * d.sw) * d.c + c0;
        for j in 0..d.pw {
            let src = &x[row + j * d.c..];
            let v = if len == S::LANES { s.load(src) } else { s.load_partial(&src[..len], fill) };
            acc = op(acc, v);
        }
    }
    acc
}

// ANCHOR: max_pool_simd
/// Max pooling, LANES channels at a time. x: (N, H, W, C)  y: (N, OH, OW, C).
#[inline(always)]
pub(crate) fn max_pool2d<S: Simd>(s: S, y: &mut [f32], x: &[f32], d: &PoolDims) {
    let l = S::LANES;
    for (p, out) in y.chunks_exact_mut(d.c).enumerate() {
        let (ox, oy, n) = (p % d.ow, (p / d.ow) % d.oh, p / (d.ow * d.oh));
        for c0 in (0..d.c).step_by(l) {
            let len = (d.c - c0).min(l);
            // `max(acc, v)`: NaN-sticky, like the oracle's NaN rule.
            let m = window(s, x, d, n, oy, ox, c0, len, f32::NEG_INFINITY, |a, v| s.max(a, v));
            if len == l { s.store(&mut out[c0..], m) } else { s.store_partial(&mut out[c0..c0 + len], m) }
        }
    }
}
// ANCHOR_END: max_pool_simd

/// Average pooling forward. x: (N, H, W, C)  y: (N, OH, OW, C).
#[inline(always)]
pub(crate) fn avg_pool2d<S: Simd>(s: S, y: &mut [f32], x: &[f32], d: &PoolDims) {
    let l = S::LANES;
    let inv = s.splat(1.0 / (d.ph * d.pw) as f32);
    for (p, out) in y.chunks_exact_mut(d.c).enumerate() {
        let (ox, oy, n) = (p % d.ow, (p / d.ow) % d.oh, p / (d.ow * d.oh));
        for c0 in (0..d.c).step_by(l) {
            let len = (d.c - c0).min(l);
            let m = s.mul(window(s, x, d, n, oy, ox, c0, len, 0.0, |a, v| s.add(a, v)), inv);
            if len == l { s.store(&mut out[c0..], m) } else { s.store_partial(&mut out[c0..c0 + len], m) }
        }
    }
}

/// Average pooling backward: dx[window] += dy / (PH·PW). ACCUMULATES.
/// dx: (N, H, W, C)  dy: (N, OH, OW, C).
#[inline(always)]
pub(crate) fn avg_pool2d_backward<S: Simd>(s: S, dx: &mut [f32], dy: &[f32], d: &PoolDims) {
    let l = S::LANES;
    let inv = s.splat(1.0 / (d.ph * d.pw) as f32);
    for (p, g) in dy.chunks_exact(d.c).enumerate() {
        let (ox, oy, n) = (p % d.ow, (p / d.ow) % d.oh, p / (d.ow * d.oh));
        for c0 in (0..d.c).step_by(l) {
            let len = (d.c - c0).min(l);
            let gv = if len == l { s.load(&g[c0..]) } else { s.load_partial(&g[c0..c0 + len], 0.0) };
            let gv = s.mul(gv, inv);
            for i in 0..d.ph {
                let row = ((n * d.h + oy * d.sh + i) * d.w + ox * d.sw) * d.c + c0;
                for j in 0..d.pw {
                    let dst = &mut dx[row + j * d.c..];
                    if len == l {
                        let v = s.add(s.load(dst), gv);
                        s.store(dst, v);
                    } else {
                        let v = s.add(s.load_partial(&dst[..len], 0.0), gv);
                        s.store_partial(&mut dst[..len], v);
                    }
                }
            }
        }
    }
}

// ANCHOR: max_pool_backward_simd
/// Max pooling backward, LANES channels at a time: dy goes to the FIRST
/// arg-max of each window in scan order (the oracle's rule, NaN included).
/// ACCUMULATES dx. dx, x: (N, H, W, C)  dy: (N, OH, OW, C).
///
/// The window maximum m is recomputed; then the positions are visited in
/// scan order with the gradient g still "in hand": where x is the maximum
/// (x ≥ m, since x ≤ m everywhere; or x NaN when m is NaN) dx receives g
/// and the hand is emptied, so a tie later in the window gets nothing.
#[inline(always)]
pub(crate) fn max_pool2d_backward<S: Simd>(s: S, dx: &mut [f32], x: &[f32], dy: &[f32], d: &PoolDims) {
    let l = S::LANES;
    let (zero, one, half) = (s.zero(), s.splat(1.0), s.splat(0.5));
    for (p, g) in dy.chunks_exact(d.c).enumerate() {
        let (ox, oy, n) = (p % d.ow, (p / d.ow) % d.oh, p / (d.ow * d.oh));
        for c0 in (0..d.c).step_by(l) {
            let len = (d.c - c0).min(l);
            let m = window(s, x, d, n, oy, ox, c0, len, f32::NEG_INFINITY, |a, v| s.max(a, v));
            let mut hand = if len == l { s.load(&g[c0..]) } else { s.load_partial(&g[c0..c0 + len], 0.0) };
            for i in 0..d.ph {
                let row = ((n * d.h + oy * d.sh + i) * d.w + ox * d.sw) * d.c + c0;
                for j in 0..d.pw {
                    let at = row + j * d.c;
                    let xv =
                        if len == l { s.load(&x[at..]) } else { s.load_partial(&x[at..at + len], f32::NEG_INFINITY) };
                    // hit = 1 where this x is the window's maximum, else 0.
                    let hit = s.select_nan(m, s.select_nan(xv, one, zero), s.select_lt(xv, m, zero, one));
                    let give = s.select_lt(half, hit, hand, zero);
                    hand = s.select_lt(half, hit, zero, hand);
                    let dst = &mut dx[at..];
                    if len == l {
                        let v = s.add(s.load(dst), give);
                        s.store(dst, v);
                    } else {
                        let v = s.add(s.load_partial(&dst[..len], 0.0), give);
                        s.store_partial(&mut dst[..len], v);
                    }
                }
            }
        }
    }
}
// ANCHOR_END: max_pool_backward_simd
