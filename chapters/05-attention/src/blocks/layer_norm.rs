//! The layer-norm layer over the last axis, on [`Kernels`] rows.

use foundations::{Layer, Param, Result, ensure_shape};
use ndarray::ArrayD;

use super::{arr, need, sl, sl_mut};
use crate::Kernels;

/// y = γ ∘ (x − μ)/√(σ² + ε) + β over the last axis (D). γ = 1, β = 0 at start.
#[derive(Clone, Debug)]
pub struct LayerNorm<T: Kernels> {
    /// γ: (D).
    pub gamma: Param<T>,
    /// β: (D).
    pub beta: Param<T>,
    /// ε, added to the variance (1e-5).
    pub eps: T,
    d: usize,
    cache: Option<(Vec<T>, Vec<T>)>, // x̂, 1/σ
}

impl<T: Kernels> LayerNorm<T> {
    /// A layer norm of width d.
    pub fn new(name: &str, d: usize) -> Self {
        LayerNorm {
            gamma: Param::new(format!("{name}.gamma"), ArrayD::from_elem(vec![d], T::one())),
            beta: Param::new(format!("{name}.beta"), ArrayD::zeros(vec![d])),
            eps: T::c(1e-5),
            d,
            cache: None,
        }
    }

    /// Forward over rows of x: (rows, D).
    pub fn forward_rows(&mut self, x: &[T]) -> Result<Vec<T>> {
        let d = self.d;
        ensure_shape!(d > 0 && x.len().is_multiple_of(d), "layer_norm: {} elements are not rows of D = {d}", x.len());
        let rows = x.len() / d;
        let (mut y, mut xhat, mut rstd) = (vec![T::zero(); x.len()], vec![T::zero(); x.len()], vec![T::zero(); rows]);
        T::layernorm_forward(
            &mut y,
            &mut xhat,
            &mut rstd,
            x,
            sl(&self.gamma.value),
            sl(&self.beta.value),
            rows,
            d,
            self.eps,
        );
        self.cache = Some((xhat, rstd));
        Ok(y)
    }

    /// Backward over rows: ACCUMULATES dγ, dβ; returns dx.
    pub fn backward_rows(&mut self, dy: &[T]) -> Result<Vec<T>> {
        let (xhat, rstd) = need("layer_norm", &self.cache)?;
        ensure_shape!(dy.len() == xhat.len(), "layer_norm: dy has {} elements but x had {}", dy.len(), xhat.len());
        let mut dx = vec![T::zero(); dy.len()];
        let gamma = sl(&self.gamma.value).to_vec();
        T::layernorm_backward(
            &mut dx,
            sl_mut(&mut self.gamma.grad),
            sl_mut(&mut self.beta.grad),
            dy,
            xhat,
            rstd,
            &gamma,
            rstd.len(),
            self.d,
        );
        Ok(dx)
    }
}

impl<T: Kernels> Layer<T> for LayerNorm<T> {
    fn name(&self) -> String {
        format!("layer_norm({})", self.d)
    }
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        ensure_shape!(
            x.shape().last() == Some(&self.d),
            "layer_norm: last axis of {:?} must be D = {}",
            x.shape(),
            self.d
        );
        let y = self.forward_rows(&x.iter().copied().collect::<Vec<T>>())?;
        arr(x.shape(), y)
    }
    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let dx = self.backward_rows(&dy.iter().copied().collect::<Vec<T>>())?;
        arr(dy.shape(), dx)
    }
    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.gamma, &self.beta]
    }
    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.gamma, &mut self.beta]
    }
}
