//! The layer contract every chapter implements, so chapter 6 can stack
//! convolutions, LSTMs and attention blocks into one model and chapter 1's
//! optimizers can update any of them.
//!
//! ```text
//!            forward(x) ─► y          caches what backward needs
//!   dx ◄─ backward(dy)               dy = ∂L/∂y of the last forward;
//!                                     ACCUMULATES ∂L/∂θ into each param's grad (+=)
//!                                     and returns dx = ∂L/∂x
//!   params_mut() ─► [Param { value, grad }]    what an optimizer walks
//! ```
//!
//! Backward **accumulates** parameter gradients (so a batch may be split,
//! or a layer reused, and the gradients add up), and returns a fresh input
//! gradient. Call [`Layer::zero_grad`] before each step.
//!
//! Layers are generic over [`Real`]: `Dense<f32>` trains on SIMD kernels,
//! `Dense<f64>` runs the identical code on the oracles for the gradient
//! checker ([`crate::gradcheck::check_layer`]).

use ndarray::ArrayD;

use crate::{Real, Result};

/// A learnable tensor and the gradient of the loss with respect to it.
#[derive(Clone, Debug)]
pub struct Param<T> {
    /// A name for messages and reports: "W", "b", "conv1.k".
    pub name: String,
    /// The current value θ.
    pub value: ArrayD<T>,
    /// ∂L/∂θ, accumulated by backward; same shape as `value`.
    pub grad: ArrayD<T>,
}

impl<T: Real> Param<T> {
    /// A parameter with the given value and a zero gradient of the same shape.
    pub fn new(name: impl Into<String>, value: ArrayD<T>) -> Self {
        let grad = ArrayD::zeros(value.raw_dim());
        Param { name: name.into(), value, grad }
    }

    /// Number of scalars.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// True for a parameter with no elements.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

// ANCHOR: layer_trait
/// A differentiable building block: forward, backward, parameters.
pub trait Layer<T: Real> {
    /// A short name for messages: "dense(784→64)".
    fn name(&self) -> String;

    /// y = f(x; θ). Caches what [`backward`](Layer::backward) needs.
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>>;

    /// Given dy = ∂L/∂y for the last forward: accumulates ∂L/∂θ into every
    /// parameter's `grad` (+=) and returns dx = ∂L/∂x.
    /// Errors when called before forward or with dy of the wrong shape.
    /// May be called more than once after one forward (each call adds its
    /// gradient again): the gradient checker relies on it to test accumulation.
    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>>;

    /// The learnable parameters, in a fixed order.
    fn params(&self) -> Vec<&Param<T>> {
        Vec::new()
    }

    /// The learnable parameters, mutable, in the same order as `params`.
    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        Vec::new()
    }

    /// Sets every parameter gradient to zero.
    fn zero_grad(&mut self) {
        for p in self.params_mut() {
            p.grad.fill(T::zero());
        }
    }

    /// Training or inference mode (dropout, batch statistics). Default: no effect.
    fn set_training(&mut self, _training: bool) {}

    /// Number of learnable scalars.
    fn num_params(&self) -> usize {
        self.params().iter().map(|p| p.len()).sum()
    }
}
// ANCHOR_END: layer_trait
