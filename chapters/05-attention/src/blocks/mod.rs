//! The Transformer's building blocks, each a [`foundations::Layer`] written
//! once over `T: Kernels` (f32 trains on SIMD, f64 is gradient-checked):
//!
//! | block | forward (x: (B, T, D)) |
//! |---|---|
//! | [`Linear`] | x·W + b (a helper, the four projections and the feed-forward) |
//! | [`MultiHeadAttention`] | split into H heads of dk = D/H, attend, merge, project |
//! | [`LayerNorm`] | γ ∘ (x − μ)/√(σ² + ε) + β per row |
//! | [`FeedForward`] | W₂·act(W₁x + b₁) + b₂, act = ReLU or GELU |
//! | [`SinusoidalEncoding`], [`LearnedEncoding`] | x + PE(pos) |
//! | [`EncoderLayer`] | self-attention, feed-forward, residuals, norms |
//! | [`DecoderLayer`] | masked self-attention, cross-attention, feed-forward |
//!
//! **Dropout** (chapter 7) goes where the original Transformer puts it: on
//! each sub-layer's output *before* it is added to the residual stream
//! (`x + Dropout(Sublayer(x))`), on the attention probabilities P, and on
//! the sum of embeddings and positional encodings. None is applied here;
//! `set_training` is accepted and has no effect yet.

mod decoder;
mod encoder;
mod feed_forward;
mod layer_norm;
mod linear;
mod mha;
mod posenc;

pub use decoder::DecoderLayer;
pub use encoder::EncoderLayer;
pub use feed_forward::{Activation, FeedForward};
pub use layer_norm::LayerNorm;
pub use linear::Linear;
pub use mha::MultiHeadAttention;
pub use posenc::{LearnedEncoding, SinusoidalEncoding, sinusoidal};

use foundations::{Error, Result, ensure_shape};
use ndarray::{ArrayD, IxDyn};

/// Where each sub-layer's layer norm sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    /// `x + Sublayer(LN(x))`: the norm inside the residual branch (stable
    /// deep stacks; the final stack output wants one more LN).
    Pre,
    /// `LN(x + Sublayer(x))`: the original Transformer's placement.
    Post,
}

/// A parameter's value as a slice (parameters are built in standard layout).
pub(crate) fn sl<T>(a: &ArrayD<T>) -> &[T] {
    a.as_slice().expect("parameters are kept in standard layout")
}

/// A parameter's gradient as a mutable slice.
pub(crate) fn sl_mut<T>(a: &mut ArrayD<T>) -> &mut [T] {
    a.as_slice_mut().expect("parameters are kept in standard layout")
}

/// Checks x is (B, T, D) and returns (B, T) and its elements in order.
pub(crate) fn btd<T: Copy>(op: &str, x: &ArrayD<T>, d: usize) -> Result<(usize, usize, Vec<T>)> {
    ensure_shape!(x.ndim() == 3 && x.shape()[2] == d, "{op}: expects x of shape (B, T, D = {d}), got {:?}", x.shape());
    Ok((x.shape()[0], x.shape()[1], x.iter().copied().collect()))
}

/// A flat buffer as an array of the given shape.
pub(crate) fn arr<T>(shape: &[usize], v: Vec<T>) -> Result<ArrayD<T>> {
    ArrayD::from_shape_vec(IxDyn(shape), v).map_err(|e| Error::Shape(e.to_string()))
}

/// out = a + b elementwise.
pub(crate) fn add<T: foundations::Real>(a: &[T], b: &[T]) -> Vec<T> {
    a.iter().zip(b).map(|(&x, &y)| x + y).collect()
}

/// Errors unless a backward has a forward to go with.
pub(crate) fn need<'a, C>(op: &str, c: &'a Option<C>) -> Result<&'a C> {
    c.as_ref().ok_or_else(|| Error::Value(format!("{op}: backward called before forward")))
}
