//! The encoder layer (seed §3.3.2): self-attention then feed-forward, each
//! wrapped in a residual connection and a layer norm.
//!
//! ```text
//!  pre-norm                                   post-norm
//!  x ──┬──────────────────────(+)── x₁        x ──┬─────────────(+)─ LN₁ ── x₁
//!      └─ LN₁ ─ MHA(self) ─────┘                  └─ MHA(self) ──┘
//!  x₁ ─┬──────────────────────(+)── y         x₁ ─┬─────────────(+)─ LN₂ ── y
//!      └─ LN₂ ─ FFN ───────────┘                  └─ FFN ────────┘
//! ```

use foundations::{Layer, Param, Result};
use ndarray::ArrayD;

use super::{Activation, FeedForward, LayerNorm, MultiHeadAttention, Norm, add, arr, btd, need};
use crate::Kernels;

/// One encoder layer. x: (B, T, D) → (B, T, D).
pub struct EncoderLayer<T: Kernels> {
    /// Self-attention (no causal mask; a padding mask via [`EncoderLayer::set_key_padding`]).
    pub attn: MultiHeadAttention<T>,
    /// The feed-forward block.
    pub ffn: FeedForward<T>,
    /// The norm around the attention sub-layer.
    pub norm1: LayerNorm<T>,
    /// The norm around the feed-forward sub-layer.
    pub norm2: LayerNorm<T>,
    /// Pre- or post-norm.
    pub norm: Norm,
    d: usize,
    shape: Option<(usize, usize)>,
}

impl<T: Kernels> EncoderLayer<T> {
    /// D, H heads, F hidden width. Errors unless H divides D.
    pub fn new(d: usize, heads: usize, f: usize, act: Activation, norm: Norm, seed: u64) -> Result<Self> {
        Ok(EncoderLayer {
            attn: MultiHeadAttention::new(d, heads, false, seed)?,
            ffn: FeedForward::new(d, f, act, seed + 10),
            norm1: LayerNorm::new("enc.norm1", d),
            norm2: LayerNorm::new("enc.norm2", d),
            norm,
            d,
            shape: None,
        })
    }

    /// Padding mask over the source positions: (B, T), false = padding.
    pub fn set_key_padding(&mut self, key_valid: Option<Vec<bool>>) {
        self.attn.set_key_padding(key_valid);
    }

    // ANCHOR: encoder_forward
    fn forward_flat(&mut self, x: &[T], b: usize, t: usize) -> Result<Vec<T>> {
        match self.norm {
            Norm::Pre => {
                let h = self.norm1.forward_rows(x)?;
                let x1 = add(x, &self.attn.forward_qkv(&h, &h, b, t, t)?);
                let h2 = self.norm2.forward_rows(&x1)?;
                Ok(add(&x1, &self.ffn.forward_rows(&h2)?))
            }
            Norm::Post => {
                let x1 = self.norm1.forward_rows(&add(x, &self.attn.forward_qkv(x, x, b, t, t)?))?;
                self.norm2.forward_rows(&add(&x1, &self.ffn.forward_rows(&x1)?))
            }
        }
    }
    // ANCHOR_END: encoder_forward

    fn backward_flat(&mut self, dy: &[T]) -> Result<Vec<T>> {
        match self.norm {
            Norm::Pre => {
                // y = x₁ + FFN(LN₂(x₁))
                let dx1 = add(dy, &self.norm2.backward_rows(&self.ffn.backward_rows(dy)?)?);
                // x₁ = x + MHA(h, h), h = LN₁(x)
                let (dq, dkv) = self.attn.backward_qkv(&dx1)?;
                Ok(add(&dx1, &self.norm1.backward_rows(&add(&dq, &dkv))?))
            }
            Norm::Post => {
                // y = LN₂(x₁ + FFN(x₁))
                let dz2 = self.norm2.backward_rows(dy)?;
                let dx1 = add(&dz2, &self.ffn.backward_rows(&dz2)?);
                // x₁ = LN₁(x + MHA(x, x))
                let dz1 = self.norm1.backward_rows(&dx1)?;
                let (dq, dkv) = self.attn.backward_qkv(&dz1)?;
                Ok(add(&dz1, &add(&dq, &dkv)))
            }
        }
    }
}

impl<T: Kernels> Layer<T> for EncoderLayer<T> {
    fn name(&self) -> String {
        format!(
            "encoder_layer(D={}, H={}, F={}, {:?}-norm)",
            self.d,
            self.attn.heads(),
            self.ffn.lin1.b.len(),
            self.norm
        )
    }
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (b, t, xv) = btd("encoder_layer", x, self.d)?;
        let y = self.forward_flat(&xv, b, t)?;
        self.shape = Some((b, t));
        arr(x.shape(), y)
    }
    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        need("encoder_layer", &self.shape)?;
        let dx = self.backward_flat(&dy.iter().copied().collect::<Vec<T>>())?;
        arr(dy.shape(), dx)
    }
    fn params(&self) -> Vec<&Param<T>> {
        [Layer::params(&self.attn), Layer::params(&self.ffn), Layer::params(&self.norm1), Layer::params(&self.norm2)]
            .concat()
    }
    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        let mut v = Layer::params_mut(&mut self.attn);
        v.extend(Layer::params_mut(&mut self.ffn));
        v.extend(Layer::params_mut(&mut self.norm1));
        v.extend(Layer::params_mut(&mut self.norm2));
        v
    }
}
