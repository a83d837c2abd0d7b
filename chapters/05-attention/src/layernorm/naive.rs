//! Layer norm, the oracle: loops that mirror the formulas.

use foundations::Real;

// ANCHOR: layernorm_forward
/// y = γ ∘ x̂ + β with x̂ = (x − μ)/√(σ² + ε) per row; also stores x̂ and
/// r = 1/√(σ² + ε) for the backward. Overwrites y, xhat, rstd.
///
/// y, xhat, x: (rows, D)  rstd: (rows)  gamma, beta: (D)
#[allow(clippy::too_many_arguments)]
pub fn forward<T: Real>(
    y: &mut [T],
    xhat: &mut [T],
    rstd: &mut [T],
    x: &[T],
    gamma: &[T],
    beta: &[T],
    rows: usize,
    d: usize,
    eps: T,
) {
    let n = T::c(d as f64);
    for r in 0..rows {
        let xr = &x[r * d..][..d];
        let mu = xr.iter().copied().sum::<T>() / n;
        let var = xr.iter().map(|&v| (v - mu) * (v - mu)).sum::<T>() / n;
        let rs = T::one() / (var + eps).sqrt();
        rstd[r] = rs;
        for c in 0..d {
            let h = (xr[c] - mu) * rs;
            xhat[r * d + c] = h;
            y[r * d + c] = gamma[c] * h + beta[c];
        }
    }
}
// ANCHOR_END: layernorm_forward

// ANCHOR: layernorm_backward
/// Overwrites dx; ACCUMULATES dgamma, dbeta.
///
/// dx, dy, xhat: (rows, D)  rstd: (rows)  dgamma, dbeta, gamma: (D)
#[allow(clippy::too_many_arguments)]
pub fn backward<T: Real>(
    dx: &mut [T],
    dgamma: &mut [T],
    dbeta: &mut [T],
    dy: &[T],
    xhat: &[T],
    rstd: &[T],
    gamma: &[T],
    rows: usize,
    d: usize,
) {
    let n = T::c(d as f64);
    for r in 0..rows {
        let (dyr, hr) = (&dy[r * d..][..d], &xhat[r * d..][..d]);
        // y_c = γ_c x̂_c + β_c  ⇒  dγ_c += dy_c x̂_c,  dβ_c += dy_c,  g_c = dy_c γ_c
        let (mut mg, mut mgh) = (T::zero(), T::zero());
        for c in 0..d {
            dgamma[c] += dyr[c] * hr[c];
            dbeta[c] += dyr[c];
            let g = dyr[c] * gamma[c];
            mg += g;
            mgh += g * hr[c];
        }
        let (mg, mgh) = (mg / n, mgh / n);
        // x̂ = (x − μ)·r  ⇒  dx = r (g − mean(g) − x̂ mean(g x̂))
        for c in 0..d {
            dx[r * d + c] = rstd[r] * (dyr[c] * gamma[c] - mg - hr[c] * mgh);
        }
    }
}
// ANCHOR_END: layernorm_backward
