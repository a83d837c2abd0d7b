//! Layer norm rows over [`Simd`]: LANES columns per instruction, a masked
//! tail (partial loads fill with 0, which adds nothing to the sums).

use foundations::simd::Simd;

/// Σ over a row of f(chunk) with a zero-filled tail.
#[inline(always)]
fn row_sum<S: Simd>(s: S, n: usize, mut f: impl FnMut(usize, usize) -> S::V) -> f32 {
    let l = S::LANES;
    let mut acc = s.zero();
    let mut c = 0;
    while c < n {
        acc = s.add(acc, f(c, l.min(n - c)));
        c += l;
    }
    s.reduce_sum(acc)
}

#[inline(always)]
fn ld<S: Simd>(s: S, x: &[f32], c: usize, len: usize) -> S::V {
    if len == S::LANES { s.load(&x[c..c + len]) } else { s.load_partial(&x[c..c + len], 0.0) }
}

#[inline(always)]
fn st<S: Simd>(s: S, x: &mut [f32], c: usize, len: usize, v: S::V) {
    if len == S::LANES { s.store(&mut x[c..c + len], v) } else { s.store_partial(&mut x[c..c + len], v) }
}

// ANCHOR: layernorm_simd
/// Forward rows. Shapes as in `naive::forward`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn forward<S: Simd>(
    s: S,
    y: &mut [f32],
    xhat: &mut [f32],
    rstd: &mut [f32],
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    rows: usize,
    d: usize,
    eps: f32,
) {
    let l = S::LANES;
    for r in 0..rows {
        let xr = &x[r * d..][..d];
        let mu = row_sum(s, d, |c, n| ld(s, xr, c, n)) / d as f32;
        let muv = s.splat(mu);
        // The tail's missing lanes are filled with μ, so they add (μ − μ)² = 0.
        let var = row_sum(s, d, |c, n| {
            let xv = if n == l { s.load(&xr[c..c + l]) } else { s.load_partial(&xr[c..c + n], mu) };
            let t = s.sub(xv, muv);
            s.mul(t, t)
        }) / d as f32;
        let rs = 1.0 / (var + eps).sqrt();
        rstd[r] = rs;
        let rsv = s.splat(rs);
        let (hr, yr) = (&mut xhat[r * d..][..d], &mut y[r * d..][..d]);
        let mut c = 0;
        while c < d {
            let n = l.min(d - c);
            let h = s.mul(s.sub(ld(s, xr, c, n), muv), rsv);
            st(s, hr, c, n, h);
            st(s, yr, c, n, s.fma(ld(s, gamma, c, n), h, ld(s, beta, c, n)));
            c += l;
        }
    }
}

/// Backward rows: overwrites dx, ACCUMULATES dgamma, dbeta. Shapes as in `naive::backward`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn backward<S: Simd>(
    s: S,
    dx: &mut [f32],
    dgamma: &mut [f32],
    dbeta: &mut [f32],
    dy: &[f32],
    xhat: &[f32],
    rstd: &[f32],
    gamma: &[f32],
    rows: usize,
    d: usize,
) {
    let l = S::LANES;
    for r in 0..rows {
        let (dyr, hr) = (&dy[r * d..][..d], &xhat[r * d..][..d]);
        let (mut mg, mut mgh) = (s.zero(), s.zero());
        let mut c = 0;
        while c < d {
            let n = l.min(d - c);
            let (g0, h) = (ld(s, dyr, c, n), ld(s, hr, c, n));
            st(s, dgamma, c, n, s.fma(g0, h, ld(s, dgamma, c, n)));
            st(s, dbeta, c, n, s.add(g0, ld(s, dbeta, c, n)));
            let g = s.mul(g0, ld(s, gamma, c, n));
            mg = s.add(mg, g);
            mgh = s.fma(g, h, mgh);
            c += l;
        }
        let mg = s.splat(s.reduce_sum(mg) / d as f32);
        let mgh = s.splat(s.reduce_sum(mgh) / d as f32);
        let rs = s.splat(rstd[r]);
        let dxr = &mut dx[r * d..][..d];
        let mut c = 0;
        while c < d {
            let n = l.min(d - c);
            let g = s.mul(ld(s, dyr, c, n), ld(s, gamma, c, n));
            let t = s.fnma(ld(s, hr, c, n), mgh, s.sub(g, mg));
            st(s, dxr, c, n, s.mul(rs, t));
            c += l;
        }
    }
}
// ANCHOR_END: layernorm_simd
