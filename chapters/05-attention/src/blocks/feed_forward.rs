//! The position-wise feed-forward block: the same two-layer MLP at every position.

use foundations::{Layer, Param, Result};
use ndarray::ArrayD;

use super::{Linear, arr, btd, need};
use crate::Kernels;

/// The hidden activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// max(0, x); derivative 1 for x > 0, else 0.
    Relu,
    /// x·Φ(x) in its tanh form: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    Gelu,
}

// ANCHOR: gelu
impl Activation {
    /// act(x).
    pub fn f<T: Kernels>(self, x: T) -> T {
        match self {
            Activation::Relu => x.max(T::zero()),
            Activation::Gelu => {
                let u = T::c((2.0 / std::f64::consts::PI).sqrt()) * (x + T::c(0.044715) * x * x * x);
                T::c(0.5) * x * (T::one() + u.tanh())
            }
        }
    }

    /// act′(x).
    pub fn df<T: Kernels>(self, x: T) -> T {
        match self {
            Activation::Relu => {
                if x > T::zero() {
                    T::one()
                } else {
                    T::zero()
                }
            }
            Activation::Gelu => {
                let k = T::c((2.0 / std::f64::consts::PI).sqrt());
                let th = (k * (x + T::c(0.044715) * x * x * x)).tanh();
                // d/dx ½x(1 + tanh u) = ½(1 + tanh u) + ½x(1 − tanh²u)·u′,  u′ = k(1 + 3·0.044715x²)
                T::c(0.5) * (T::one() + th)
                    + T::c(0.5) * x * (T::one() - th * th) * k * (T::one() + T::c(3.0 * 0.044715) * x * x)
            }
        }
    }
}
// ANCHOR_END: gelu

/// FFN(x) = act(x·W₁ + b₁)·W₂ + b₂, W₁: (D, F), W₂: (F, D).
#[derive(Clone, Debug)]
pub struct FeedForward<T: Kernels> {
    /// D → F.
    pub lin1: Linear<T>,
    /// F → D.
    pub lin2: Linear<T>,
    /// The hidden activation.
    pub act: Activation,
    d: usize,
    h: Option<Vec<T>>, // pre-activation (rows, F)
}

impl<T: Kernels> FeedForward<T> {
    /// A block of width D and hidden width F.
    pub fn new(d: usize, f: usize, act: Activation, seed: u64) -> Self {
        FeedForward {
            lin1: Linear::new("ffn.1", d, f, seed),
            lin2: Linear::new("ffn.2", f, d, seed + 1),
            act,
            d,
            h: None,
        }
    }

    /// Forward over rows x: (rows, D).
    pub fn forward_rows(&mut self, x: &[T]) -> Result<Vec<T>> {
        let h = self.lin1.forward(x)?;
        let a: Vec<T> = h.iter().map(|&v| self.act.f(v)).collect();
        self.h = Some(h);
        self.lin2.forward(&a)
    }

    /// ACCUMULATES the four parameter gradients; returns dx.
    pub fn backward_rows(&mut self, dy: &[T]) -> Result<Vec<T>> {
        let da = self.lin2.backward(dy)?;
        let h = need("feed_forward", &self.h)?;
        // a = act(h)  ⇒  dh = da ∘ act′(h)
        let dh: Vec<T> = da.iter().zip(h).map(|(&g, &v)| g * self.act.df(v)).collect();
        self.lin1.backward(&dh)
    }
}

impl<T: Kernels> Layer<T> for FeedForward<T> {
    fn name(&self) -> String {
        format!("feed_forward({}→{}→{}, {:?})", self.d, self.lin1.b.len(), self.d, self.act)
    }
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (_, _, xv) = btd("feed_forward", x, self.d)?;
        arr(x.shape(), self.forward_rows(&xv)?)
    }
    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let dx = self.backward_rows(&dy.iter().copied().collect::<Vec<T>>())?;
        arr(dy.shape(), dx)
    }
    fn params(&self) -> Vec<&Param<T>> {
        [self.lin1.params(), self.lin2.params()].concat()
    }
    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        let mut v = self.lin1.params_mut();
        v.extend(self.lin2.params_mut());
        v
    }
}
