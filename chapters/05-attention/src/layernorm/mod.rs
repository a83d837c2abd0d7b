//! Layer normalisation over the last axis (the model width D):
//!
//! ```text
//! μ = (1/D) Σ_c x_c      σ² = (1/D) Σ_c (x_c − μ)²      r = 1/√(σ² + ε)
//! x̂_c = (x_c − μ)·r      y_c = γ_c x̂_c + β_c
//!
//! backward (g = dy ∘ γ):
//! dx = r · (g − mean(g) − x̂ · mean(g ∘ x̂))      dγ += Σ_rows dy ∘ x̂      dβ += Σ_rows dy
//! ```
//!
//! x, y, xhat, dx, dy: (rows, D)   rstd: (rows)   γ, β: (D)
//!
//! Rungs: `naive` (the oracle, generic over `Real`) and `simd` (each row in
//! LANES-wide passes, a masked tail; the per-ISA files compile it).

pub mod naive;
pub(crate) mod simd;

#[cfg(target_arch = "x86_64")]
mod avx2_fma;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;

use foundations::{Isa, Result, dispatch, ensure_shape};

fn check(
    op: &str,
    rows: usize,
    d: usize,
    row_bufs: &[(&str, usize)],
    vecs: &[(&str, usize)],
    rstd: usize,
) -> Result<()> {
    for (name, n) in row_bufs {
        ensure_shape!(*n == rows * d, "{op}: {name} has {n} elements but (rows, D) = ({rows}, {d}) needs {}", rows * d);
    }
    for (name, n) in vecs {
        ensure_shape!(*n == d, "{op}: {name} has {n} elements but D = {d}");
    }
    ensure_shape!(rstd == rows, "{op}: rstd has {rstd} elements but there are {rows} rows");
    Ok(())
}

/// Forward on a given ISA: overwrites y, xhat, rstd.
#[allow(clippy::too_many_arguments)]
pub fn forward_on(
    isa: Isa,
    y: &mut [f32],
    xhat: &mut [f32],
    rstd: &mut [f32],
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    rows: usize,
    d: usize,
    eps: f32,
) -> Result<()> {
    let op = "layernorm::forward";
    check(
        op,
        rows,
        d,
        &[("y", y.len()), ("xhat", xhat.len()), ("x", x.len())],
        &[("gamma", gamma.len()), ("beta", beta.len())],
        rstd.len(),
    )?;
    dispatch!(isa, "layernorm::forward", forward(y, xhat, rstd, x, gamma, beta, rows, d, eps));
    Ok(())
}

/// Backward on a given ISA: overwrites dx, ACCUMULATES dgamma, dbeta.
#[allow(clippy::too_many_arguments)]
pub fn backward_on(
    isa: Isa,
    dx: &mut [f32],
    dgamma: &mut [f32],
    dbeta: &mut [f32],
    dy: &[f32],
    xhat: &[f32],
    rstd: &[f32],
    gamma: &[f32],
    rows: usize,
    d: usize,
) -> Result<()> {
    let op = "layernorm::backward";
    check(
        op,
        rows,
        d,
        &[("dx", dx.len()), ("dy", dy.len()), ("xhat", xhat.len())],
        &[("dgamma", dgamma.len()), ("dbeta", dbeta.len()), ("gamma", gamma.len())],
        rstd.len(),
    )?;
    dispatch!(isa, "layernorm::backward", backward(dx, dgamma, dbeta, dy, xhat, rstd, gamma, rows, d));
    Ok(())
}
