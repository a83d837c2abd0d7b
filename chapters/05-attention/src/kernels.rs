//! [`Kernels`]: this chapter's hot kernels with two faces, like chapter 0's
//! [`Real`](foundations::Real): f32 dispatches to the SIMD kernels, f64 runs
//! the naive oracles (so a layer written once over `T: Kernels` trains on
//! SIMD and is gradient-checked in f64). The softmax and exp come from
//! chapter 2's [`LossKernels`], a supertrait.

use foundations::Isa;
use losses::LossKernels;

use crate::layernorm;

/// f32 or f64 with this chapter's row kernels (and chapter 2's).
pub trait Kernels: LossKernels {
    /// Layer-norm forward over rows, see [`layernorm::naive::forward`].
    #[allow(clippy::too_many_arguments)]
    fn layernorm_forward(
        y: &mut [Self],
        xhat: &mut [Self],
        rstd: &mut [Self],
        x: &[Self],
        gamma: &[Self],
        beta: &[Self],
        rows: usize,
        d: usize,
        eps: Self,
    );
    /// Layer-norm backward over rows (accumulates dγ, dβ; overwrites dx), see [`layernorm::naive::backward`].
    #[allow(clippy::too_many_arguments)]
    fn layernorm_backward(
        dx: &mut [Self],
        dgamma: &mut [Self],
        dbeta: &mut [Self],
        dy: &[Self],
        xhat: &[Self],
        rstd: &[Self],
        gamma: &[Self],
        rows: usize,
        d: usize,
    );
}

impl Kernels for f32 {
    fn layernorm_forward(
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
        let _ = layernorm::forward_on(Isa::active(), y, xhat, rstd, x, gamma, beta, rows, d, eps);
    }
    fn layernorm_backward(
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
        let _ = layernorm::backward_on(Isa::active(), dx, dgamma, dbeta, dy, xhat, rstd, gamma, rows, d);
    }
}

impl Kernels for f64 {
    fn layernorm_forward(
        y: &mut [f64],
        xhat: &mut [f64],
        rstd: &mut [f64],
        x: &[f64],
        gamma: &[f64],
        beta: &[f64],
        rows: usize,
        d: usize,
        eps: f64,
    ) {
        layernorm::naive::forward(y, xhat, rstd, x, gamma, beta, rows, d, eps);
    }
    fn layernorm_backward(
        dx: &mut [f64],
        dgamma: &mut [f64],
        dbeta: &mut [f64],
        dy: &[f64],
        xhat: &[f64],
        rstd: &[f64],
        gamma: &[f64],
        rows: usize,
        d: usize,
    ) {
        layernorm::naive::backward(dx, dgamma, dbeta, dy, xhat, rstd, gamma, rows, d);
    }
}
