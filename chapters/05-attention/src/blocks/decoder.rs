//! The decoder layer (seed §3.3.3): masked self-attention over what has been
//! generated so far, cross-attention over the encoder's output (the
//! "memory"), then feed-forward; residuals and norms around each.
//!
//! ```text
//!  pre-norm                                         post-norm
//!  x ──┬─────────────────────────────(+)─ x₁        x ──┬──────────────(+)─ LN₁ ─ x₁
//!      └─ LN₁ ─ MHA(self, causal) ────┘                 └─ MHA(causal) ─┘
//!  x₁ ─┬─────────────────────────────(+)─ x₂        x₁ ─┬──────────────(+)─ LN₂ ─ x₂
//!      └─ LN₂ ─ MHA(q = ·, kv = mem) ─┘                 └─ MHA(·, mem) ─┘
//!  x₂ ─┬─────────────────────────────(+)─ y         x₂ ─┬──────────────(+)─ LN₃ ─ y
//!      └─ LN₃ ─ FFN ──────────────────┘                 └─ FFN ─────────┘
//! ```
//!
//! Two inputs, one [`Layer`]: the memory (the encoder output, (B, Tm, D)) is
//! given first with [`DecoderLayer::set_memory`] (or use
//! [`DecoderLayer::forward_with_memory`]); `forward`/`backward` then run over
//! the target sequence x: (B, T, D). Backward ACCUMULATES ∂L/∂memory into
//! [`DecoderLayer::memory_grad`], which the encoder's backward consumes.

use foundations::{Error, Layer, Param, Result, ensure_shape};
use ndarray::ArrayD;

use super::{Activation, FeedForward, LayerNorm, MultiHeadAttention, Norm, add, arr, btd, need};
use crate::Kernels;

/// One decoder layer. x: (B, T, D) → (B, T, D), given memory (B, Tm, D).
pub struct DecoderLayer<T: Kernels> {
    /// Causal self-attention.
    pub self_attn: MultiHeadAttention<T>,
    /// Cross-attention: queries from the decoder, keys and values from the memory.
    pub cross_attn: MultiHeadAttention<T>,
    /// The feed-forward block.
    pub ffn: FeedForward<T>,
    /// Norms around the three sub-layers.
    pub norm1: LayerNorm<T>,
    /// See `norm1`.
    pub norm2: LayerNorm<T>,
    /// See `norm1`.
    pub norm3: LayerNorm<T>,
    /// Pre- or post-norm.
    pub norm: Norm,
    d: usize,
    memory: Option<(Vec<T>, usize, usize)>, // (values, B, Tm)
    dmemory: Vec<T>,
    shape: Option<(usize, usize)>,
}

impl<T: Kernels> DecoderLayer<T> {
    /// D, H heads, F hidden width. Errors unless H divides D.
    pub fn new(d: usize, heads: usize, f: usize, act: Activation, norm: Norm, seed: u64) -> Result<Self> {
        Ok(DecoderLayer {
            self_attn: MultiHeadAttention::new(d, heads, true, seed)?,
            cross_attn: MultiHeadAttention::new(d, heads, false, seed + 20)?,
            ffn: FeedForward::new(d, f, act, seed + 40),
            norm1: LayerNorm::new("dec.norm1", d),
            norm2: LayerNorm::new("dec.norm2", d),
            norm3: LayerNorm::new("dec.norm3", d),
            norm,
            d,
            memory: None,
            dmemory: Vec::new(),
            shape: None,
        })
    }

    /// Sets the encoder output the cross-attention reads: (B, Tm, D). Resets
    /// the memory gradient to zero.
    pub fn set_memory(&mut self, memory: &ArrayD<T>) -> Result<()> {
        let (b, tm, m) = btd("decoder_layer memory", memory, self.d)?;
        self.dmemory = vec![T::zero(); m.len()];
        self.memory = Some((m, b, tm));
        Ok(())
    }

    /// Padding mask over the memory positions: (B, Tm), false = padding.
    pub fn set_memory_padding(&mut self, key_valid: Option<Vec<bool>>) {
        self.cross_attn.set_key_padding(key_valid);
    }

    /// ∂L/∂memory accumulated by the backward passes since `set_memory` (or `zero_grad`): (B, Tm, D).
    pub fn memory_grad(&self) -> Result<ArrayD<T>> {
        let (_, b, tm) = need("decoder_layer", &self.memory)?;
        arr(&[*b, *tm, self.d], self.dmemory.clone())
    }

    /// `set_memory(memory)` then `forward(x)`.
    pub fn forward_with_memory(&mut self, x: &ArrayD<T>, memory: &ArrayD<T>) -> Result<ArrayD<T>> {
        self.set_memory(memory)?;
        self.forward(x)
    }

    // ANCHOR: decoder_forward
    fn forward_flat(&mut self, x: &[T], b: usize, t: usize) -> Result<Vec<T>> {
        let (m, mb, tm) = self
            .memory
            .as_ref()
            .ok_or_else(|| Error::Value("decoder_layer: call set_memory(encoder output) before forward".into()))?;
        ensure_shape!(*mb == b, "decoder_layer: the target batch has {b} sequences but the memory has {mb}");
        let tm = *tm;
        match self.norm {
            Norm::Pre => {
                let h1 = self.norm1.forward_rows(x)?;
                let x1 = add(x, &self.self_attn.forward_qkv(&h1, &h1, b, t, t)?);
                let h2 = self.norm2.forward_rows(&x1)?;
                let x2 = add(&x1, &self.cross_attn.forward_qkv(&h2, m, b, t, tm)?);
                let h3 = self.norm3.forward_rows(&x2)?;
                Ok(add(&x2, &self.ffn.forward_rows(&h3)?))
            }
            Norm::Post => {
                let x1 = self.norm1.forward_rows(&add(x, &self.self_attn.forward_qkv(x, x, b, t, t)?))?;
                let x2 = self.norm2.forward_rows(&add(&x1, &self.cross_attn.forward_qkv(&x1, m, b, t, tm)?))?;
                self.norm3.forward_rows(&add(&x2, &self.ffn.forward_rows(&x2)?))
            }
        }
    }
    // ANCHOR_END: decoder_forward

    fn backward_flat(&mut self, dy: &[T]) -> Result<Vec<T>> {
        let (dx, dmem) = match self.norm {
            Norm::Pre => {
                // y = x₂ + FFN(LN₃(x₂))
                let dx2 = add(dy, &self.norm3.backward_rows(&self.ffn.backward_rows(dy)?)?);
                // x₂ = x₁ + MHA(LN₂(x₁), mem)
                let (dq, dmem) = self.cross_attn.backward_qkv(&dx2)?;
                let dx1 = add(&dx2, &self.norm2.backward_rows(&dq)?);
                // x₁ = x + MHA(LN₁(x), LN₁(x))
                let (dq, dkv) = self.self_attn.backward_qkv(&dx1)?;
                (add(&dx1, &self.norm1.backward_rows(&add(&dq, &dkv))?), dmem)
            }
            Norm::Post => {
                // y = LN₃(x₂ + FFN(x₂))
                let dz3 = self.norm3.backward_rows(dy)?;
                let dx2 = add(&dz3, &self.ffn.backward_rows(&dz3)?);
                // x₂ = LN₂(x₁ + MHA(x₁, mem))
                let dz2 = self.norm2.backward_rows(&dx2)?;
                let (dq, dmem) = self.cross_attn.backward_qkv(&dz2)?;
                let dx1 = add(&dz2, &dq);
                // x₁ = LN₁(x + MHA(x, x))
                let dz1 = self.norm1.backward_rows(&dx1)?;
                let (dq, dkv) = self.self_attn.backward_qkv(&dz1)?;
                (add(&dz1, &add(&dq, &dkv)), dmem)
            }
        };
        for (a, g) in self.dmemory.iter_mut().zip(&dmem) {
            *a += *g;
        }
        Ok(dx)
    }
}

impl<T: Kernels> Layer<T> for DecoderLayer<T> {
    fn name(&self) -> String {
        format!(
            "decoder_layer(D={}, H={}, F={}, {:?}-norm)",
            self.d,
            self.self_attn.heads(),
            self.ffn.lin1.b.len(),
            self.norm
        )
    }
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (b, t, xv) = btd("decoder_layer", x, self.d)?;
        let y = self.forward_flat(&xv, b, t)?;
        self.shape = Some((b, t));
        arr(x.shape(), y)
    }
    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        need("decoder_layer", &self.shape)?;
        let dx = self.backward_flat(&dy.iter().copied().collect::<Vec<T>>())?;
        arr(dy.shape(), dx)
    }
    fn params(&self) -> Vec<&Param<T>> {
        [
            Layer::params(&self.self_attn),
            Layer::params(&self.cross_attn),
            Layer::params(&self.ffn),
            Layer::params(&self.norm1),
            Layer::params(&self.norm2),
            Layer::params(&self.norm3),
        ]
        .concat()
    }
    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        let mut v = Layer::params_mut(&mut self.self_attn);
        v.extend(Layer::params_mut(&mut self.cross_attn));
        v.extend(Layer::params_mut(&mut self.ffn));
        v.extend(Layer::params_mut(&mut self.norm1));
        v.extend(Layer::params_mut(&mut self.norm2));
        v.extend(Layer::params_mut(&mut self.norm3));
        v
    }
    fn zero_grad(&mut self) {
        for p in self.params_mut() {
            p.grad.fill(T::zero());
        }
        self.dmemory.fill(T::zero());
    }
}
