//! Multi-head attention: H attentions over H subspaces of width dk = D/H.
//!
//! ```text
//! Q = xq·Wq + bq   K = xkv·Wk + bk   V = xkv·Wv + bv          (B, T, D)
//! split: (B, T, H, dk) → (B·H, T, dk)                            a reshape + transpose
//! A = Attention(Q, K, V)  over B·H independent heads             (B·H, Tq, dk)
//! merge: (B·H, Tq, dk) → (B, Tq, H·dk = D)
//! y = A·Wo + bo
//! ```
//!
//! Self-attention is xq = xkv = x ([`Layer`] impl); cross-attention is
//! xq = the decoder stream, xkv = the encoder output ([`MultiHeadAttention::forward_qkv`]).

use foundations::{Layer, Param, Result, ensure_shape, ensure_value};
use ndarray::ArrayD;

use super::{Linear, add, arr, btd, need};
use crate::Kernels;
use crate::attention::{Dims, Mask, default_scale, v1_gemm};

// ANCHOR: split_heads
/// (B, T, H, dk) → (B·H, T, dk): head h of batch entry b becomes attention b·H + h.
pub fn split_heads<T: Copy>(x: &[T], b: usize, t: usize, h: usize, dk: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(x.len());
    for bi in 0..b {
        for hi in 0..h {
            for ti in 0..t {
                out.extend_from_slice(&x[((bi * t + ti) * h + hi) * dk..][..dk]);
            }
        }
    }
    out
}

/// (B·H, T, dk) → (B, T, H·dk): the inverse of [`split_heads`].
pub fn merge_heads<T: Copy>(x: &[T], b: usize, t: usize, h: usize, dk: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(x.len());
    for bi in 0..b {
        for ti in 0..t {
            for hi in 0..h {
                out.extend_from_slice(&x[((bi * h + hi) * t + ti) * dk..][..dk]);
            }
        }
    }
    out
}
// ANCHOR_END: split_heads

struct Cache<T> {
    b: usize,
    tq: usize,
    tk: usize,
    q: Vec<T>,
    k: Vec<T>,
    v: Vec<T>,
    p: Vec<T>,
}

/// Multi-head attention with the four projections Wq, Wk, Wv, Wo: (D, D).
pub struct MultiHeadAttention<T: Kernels> {
    /// Query projection.
    pub wq: Linear<T>,
    /// Key projection.
    pub wk: Linear<T>,
    /// Value projection.
    pub wv: Linear<T>,
    /// Output projection.
    pub wo: Linear<T>,
    /// Query i attends to keys j ≤ i only (a decoder's self-attention).
    pub causal: bool,
    d: usize,
    heads: usize,
    key_valid: Option<Vec<bool>>,
    cache: Option<Cache<T>>,
}

impl<T: Kernels> MultiHeadAttention<T> {
    /// H heads over width D. Errors unless H divides D.
    pub fn new(d_model: usize, heads: usize, causal: bool, seed: u64) -> Result<Self> {
        ensure_value!(heads > 0, "multi_head_attention: needs at least one head");
        ensure_value!(
            d_model.is_multiple_of(heads),
            "multi_head_attention: d_model = {d_model} is not divisible by {heads} heads (each head gets D/H columns)"
        );
        Ok(MultiHeadAttention {
            wq: Linear::new("attn.q", d_model, d_model, seed),
            wk: Linear::new("attn.k", d_model, d_model, seed + 1),
            wv: Linear::new("attn.v", d_model, d_model, seed + 2),
            wo: Linear::new("attn.o", d_model, d_model, seed + 3),
            causal,
            d: d_model,
            heads,
            key_valid: None,
            cache: None,
        })
    }

    /// Width D.
    pub fn d_model(&self) -> usize {
        self.d
    }

    /// Heads H.
    pub fn heads(&self) -> usize {
        self.heads
    }

    /// A padding mask for the keys of the following forwards: (B, Tk), false
    /// = padding. `None` removes it. Its shape is checked at forward.
    pub fn set_key_padding(&mut self, key_valid: Option<Vec<bool>>) {
        self.key_valid = key_valid;
    }

    /// y = MHA(xq, xkv). xq: (B, Tq, D), xkv: (B, Tk, D), flat → y: (B, Tq, D).
    pub fn forward_qkv(&mut self, xq: &[T], xkv: &[T], b: usize, tq: usize, tk: usize) -> Result<Vec<T>> {
        let (d, h) = (self.d, self.heads);
        let dk = d / h;
        ensure_shape!(
            xq.len() == b * tq * d,
            "multi_head_attention: queries have {} elements, (B, Tq, D) = ({b}, {tq}, {d})",
            xq.len()
        );
        ensure_shape!(
            xkv.len() == b * tk * d,
            "multi_head_attention: keys/values have {} elements, (B, Tk, D) = ({b}, {tk}, {d})",
            xkv.len()
        );
        let key_valid = match &self.key_valid {
            Some(kv) => {
                ensure_shape!(
                    kv.len() == b * tk,
                    "multi_head_attention: the padding mask has {} entries but must be (B, Tk) = ({b}, {tk})",
                    kv.len()
                );
                // One copy of each batch entry's mask per head: (B·H, Tk).
                Some((0..b * h).flat_map(|bh| kv[(bh / h) * tk..][..tk].iter().copied()).collect::<Vec<bool>>())
            }
            None => None,
        };
        let q = split_heads(&self.wq.forward(xq)?, b, tq, h, dk);
        let k = split_heads(&self.wk.forward(xkv)?, b, tk, h, dk);
        let v = split_heads(&self.wv.forward(xkv)?, b, tk, h, dk);
        let dims = Dims { b: b * h, tq, tk, dk, dv: dk };
        let (mut a, mut p) = (vec![T::zero(); b * h * tq * dk], vec![T::zero(); b * h * tq * tk]);
        let mask = Mask { causal: self.causal, key_valid: key_valid.as_deref() };
        v1_gemm::forward(&mut a, &mut p, &q, &k, &v, dims, mask, default_scale(dk))?;
        let y = self.wo.forward(&merge_heads(&a, b, tq, h, dk))?;
        self.cache = Some(Cache { b, tq, tk, q, k, v, p });
        Ok(y)
    }

    /// ACCUMULATES the eight parameter gradients; returns (dxq, dxkv).
    pub fn backward_qkv(&mut self, dy: &[T]) -> Result<(Vec<T>, Vec<T>)> {
        let c = need("multi_head_attention", &self.cache)?;
        let (d, h) = (self.d, self.heads);
        let dk = d / h;
        let (b, tq, tk) = (c.b, c.tq, c.tk);
        ensure_shape!(
            dy.len() == b * tq * d,
            "multi_head_attention: dy has {} elements, expected {}",
            dy.len(),
            b * tq * d
        );
        // y = merge(A)·Wo + bo
        let da = split_heads(&self.wo.backward(dy)?, b, tq, h, dk);
        // A = Attention(Q, K, V)
        let (mut dq, mut dkk, mut dv) =
            (vec![T::zero(); c.q.len()], vec![T::zero(); c.k.len()], vec![T::zero(); c.v.len()]);
        let dims = Dims { b: b * h, tq, tk, dk, dv: dk };
        v1_gemm::backward(&mut dq, &mut dkk, &mut dv, &da, &c.q, &c.k, &c.v, &c.p, dims, default_scale(dk))?;
        // (P carries the mask: masked P = 0 gives dS = 0 there.)
        // Q = xq·Wq + bq,  K = xkv·Wk + bk,  V = xkv·Wv + bv
        let dxq = self.wq.backward(&merge_heads(&dq, b, tq, h, dk))?;
        let dxk = self.wk.backward(&merge_heads(&dkk, b, tk, h, dk))?;
        let dxv = self.wv.backward(&merge_heads(&dv, b, tk, h, dk))?;
        Ok((dxq, add(&dxk, &dxv)))
    }
}

/// Self-attention: x: (B, T, D) → (B, T, D).
impl<T: Kernels> Layer<T> for MultiHeadAttention<T> {
    fn name(&self) -> String {
        format!("multi_head_attention(D={}, H={}{})", self.d, self.heads, if self.causal { ", causal" } else { "" })
    }
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (b, t, xv) = btd("multi_head_attention", x, self.d)?;
        let y = self.forward_qkv(&xv, &xv, b, t, t)?;
        arr(x.shape(), y)
    }
    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (dxq, dxkv) = self.backward_qkv(&dy.iter().copied().collect::<Vec<T>>())?;
        arr(dy.shape(), add(&dxq, &dxkv))
    }
    fn params(&self) -> Vec<&Param<T>> {
        [self.wq.params(), self.wk.params(), self.wv.params(), self.wo.params()].concat()
    }
    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        let mut v = self.wq.params_mut();
        v.extend(self.wk.params_mut());
        v.extend(self.wv.params_mut());
        v.extend(self.wo.params_mut());
        v
    }
}
