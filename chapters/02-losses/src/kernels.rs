//! [`LossKernels`]: the chapter's hot kernels with two faces, like chapter 0's
//! [`Real`]. A loss or layer is written once over `T: LossKernels`; as f32 it
//! runs the SIMD kernels on the active ISA, as f64 the naive oracles, which
//! is how the gradient checker verifies the very code that trains.
//!
//! ```text
//! softmax_rows::<f32> ─► softmax::softmax_rows_on(Isa::active(), Rung::DEFAULT, ..)  SIMD
//! softmax_rows::<f64> ─► softmax::naive::softmax_rows                               oracle
//! ```
//!
//! Every method validates its lengths (N·C, N, C ≥ 1, labels < C) and returns
//! a clear error. Backward methods ACCUMULATE into `dx`.

use foundations::{Isa, Real, Result, ensure_shape};

use crate::softmax::{self, Rung, check_labels, check_rows, naive};
use crate::{exp, loss};

/// f32 or f64 with the chapter 2 kernels. x, y, dx, dy, p: (N, C) row-major.
pub trait LossKernels: Real {
    /// outᵢ = e^xᵢ. out, x: (n)
    fn exp_slice(out: &mut [Self], x: &[Self]) -> Result<()>;
    /// y = softmax(x) row by row. out, x: (N, C)
    fn softmax_rows(out: &mut [Self], x: &[Self], n: usize, c: usize) -> Result<()>;
    /// y = log_softmax(x) row by row. out, x: (N, C)
    fn log_softmax_rows(out: &mut [Self], x: &[Self], n: usize, c: usize) -> Result<()>;
    /// outᵢ = log Σⱼ e^xᵢⱼ. out: (N)  x: (N, C)
    fn log_sum_exp_rows(out: &mut [Self], x: &[Self], n: usize, c: usize) -> Result<()>;
    /// dx += Jᵀ·dy for y = softmax(x) (ACCUMULATES).
    fn softmax_rows_backward(dx: &mut [Self], y: &[Self], dy: &[Self], n: usize, c: usize) -> Result<()>;
    /// dx += Jᵀ·dy for y = log_softmax(x), given y (ACCUMULATES).
    fn log_softmax_rows_backward(dx: &mut [Self], y: &[Self], dy: &[Self], n: usize, c: usize) -> Result<()>;
    /// p = softmax(x), lossᵢ = −log pᵢ,ₗᵢ. loss, labels: (N)
    fn softmax_xent_rows(
        p: &mut [Self],
        loss: &mut [Self],
        x: &[Self],
        labels: &[usize],
        n: usize,
        c: usize,
    ) -> Result<()>;
    /// Σᵢ (pᵢ − tᵢ)² (the body of MSE). p, t: (n)
    fn sq_diff_sum(p: &[Self], t: &[Self]) -> Result<Self>;
}

impl LossKernels for f32 {
    fn exp_slice(out: &mut [f32], x: &[f32]) -> Result<()> {
        exp::exp_slice(out, x)
    }
    fn softmax_rows(out: &mut [f32], x: &[f32], n: usize, c: usize) -> Result<()> {
        softmax::softmax_rows_on(Isa::active(), Rung::DEFAULT, out, x, n, c)
    }
    fn log_softmax_rows(out: &mut [f32], x: &[f32], n: usize, c: usize) -> Result<()> {
        softmax::log_softmax_rows_on(Isa::active(), Rung::DEFAULT, out, x, n, c)
    }
    fn log_sum_exp_rows(out: &mut [f32], x: &[f32], n: usize, c: usize) -> Result<()> {
        softmax::log_sum_exp_rows_on(Isa::active(), Rung::DEFAULT, out, x, n, c)
    }
    fn softmax_rows_backward(dx: &mut [f32], y: &[f32], dy: &[f32], n: usize, c: usize) -> Result<()> {
        softmax::softmax_rows_backward_on(Isa::active(), dx, y, dy, n, c)
    }
    fn log_softmax_rows_backward(dx: &mut [f32], y: &[f32], dy: &[f32], n: usize, c: usize) -> Result<()> {
        softmax::log_softmax_rows_backward_on(Isa::active(), dx, y, dy, n, c)
    }
    fn softmax_xent_rows(
        p: &mut [f32],
        loss: &mut [f32],
        x: &[f32],
        labels: &[usize],
        n: usize,
        c: usize,
    ) -> Result<()> {
        softmax::softmax_xent_rows_on(Isa::active(), Rung::DEFAULT, p, loss, x, labels, n, c)
    }
    fn sq_diff_sum(p: &[f32], t: &[f32]) -> Result<f32> {
        loss::sq_diff_sum_on(Isa::active(), p, t)
    }
}

impl LossKernels for f64 {
    fn exp_slice(out: &mut [f64], x: &[f64]) -> Result<()> {
        ensure_shape!(out.len() == x.len(), "exp: out has {} elements but x has {}", out.len(), x.len());
        exp::naive::exp_slice(out, x);
        Ok(())
    }
    fn softmax_rows(out: &mut [f64], x: &[f64], n: usize, c: usize) -> Result<()> {
        check_rows("softmax", &[("out", out.len()), ("x", x.len())], &[], n, c)?;
        naive::softmax_rows(out, x, n, c);
        Ok(())
    }
    fn log_softmax_rows(out: &mut [f64], x: &[f64], n: usize, c: usize) -> Result<()> {
        check_rows("log_softmax", &[("out", out.len()), ("x", x.len())], &[], n, c)?;
        naive::log_softmax_rows(out, x, n, c);
        Ok(())
    }
    fn log_sum_exp_rows(out: &mut [f64], x: &[f64], n: usize, c: usize) -> Result<()> {
        check_rows("log_sum_exp", &[("x", x.len())], &[("out", out.len())], n, c)?;
        naive::log_sum_exp_rows(out, x, n, c);
        Ok(())
    }
    fn softmax_rows_backward(dx: &mut [f64], y: &[f64], dy: &[f64], n: usize, c: usize) -> Result<()> {
        check_rows("softmax_backward", &[("dx", dx.len()), ("y", y.len()), ("dy", dy.len())], &[], n, c)?;
        naive::softmax_rows_backward(dx, y, dy, n, c);
        Ok(())
    }
    fn log_softmax_rows_backward(dx: &mut [f64], y: &[f64], dy: &[f64], n: usize, c: usize) -> Result<()> {
        check_rows("log_softmax_backward", &[("dx", dx.len()), ("y", y.len()), ("dy", dy.len())], &[], n, c)?;
        naive::log_softmax_rows_backward(dx, y, dy, n, c);
        Ok(())
    }
    fn softmax_xent_rows(
        p: &mut [f64],
        loss: &mut [f64],
        x: &[f64],
        labels: &[usize],
        n: usize,
        c: usize,
    ) -> Result<()> {
        let op = "softmax_cross_entropy";
        check_rows(op, &[("p", p.len()), ("x", x.len())], &[("loss", loss.len()), ("labels", labels.len())], n, c)?;
        check_labels(op, labels, c)?;
        naive::softmax_xent_rows(p, loss, x, labels, n, c);
        Ok(())
    }
    fn sq_diff_sum(p: &[f64], t: &[f64]) -> Result<f64> {
        ensure_shape!(p.len() == t.len(), "mse: predictions have {} elements but targets have {}", p.len(), t.len());
        Ok(loss::naive_sq_diff_sum(p, t))
    }
}
