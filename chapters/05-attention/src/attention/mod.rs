//! Scaled dot-product attention, batched over heads:
//!
//! ```text
//! Attention(Q, K, V) = softmax(s · Q·Kᵀ + M) · V          s = 1/√dk
//!
//! q: (B, Tq, dk)   k: (B, Tk, dk)   v: (B, Tk, dv)   out: (B, Tq, dv)
//! B = batch·heads (every head is an independent attention)
//! M: 0 where query i may look at key j, −∞ where it may not (masks below)
//! ```
//!
//! Per head it costs 2·Tq·Tk·dk FLOPs for the scores and 2·Tq·Tk·dv for
//! the weighted sum: **4·T²·dk** for self-attention with dv = dk.
//!
//! The ladder:
//! - `v0_naive` ([`naive`]): three steps, scores S, row softmax P, P·V; it
//!   stores the whole (B, Tq, Tk) matrix P. The oracle, generic over `Real`.
//! - `v1_gemm` ([`v1_gemm`]): the same three steps, the two products on
//!   chapter 0's GEMM and the softmax on a row kernel. Still O(T²) memory.
//!   Generic over `Real`: this is what the layers use (and the gradient
//!   checker checks in f64).
//! - `v2_fused` ([`forward`], [`backward`], f32 SIMD): tiles of `BR` queries
//!   against tiles of `BC` keys, an **online softmax** (running max, rescaled
//!   running sum) so the T×T matrix is never stored; the backward recomputes
//!   each score tile from Q, K and the per-row log-sum-exp saved by forward.
//!   Extra memory O(T·d) ([`fused_extra_bytes`]).
//!
//! Masks ([`Mask`]): a **padding mask** `key_valid: (B, Tk)` (false = that
//! key is padding, nobody attends to it) and the **causal mask** (query i
//! sees keys j ≤ i only). A query row that can see no key at all gets an
//! output of zeros (and a log-sum-exp of −∞), not NaN.

pub mod naive;
pub(crate) mod simd;
pub mod v1_gemm;

#[cfg(target_arch = "x86_64")]
mod avx2_fma;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;

use foundations::{Isa, Real, Result, dispatch, ensure_shape};

// ANCHOR: tiles
/// Query rows per tile: the fused kernels' loop over query tiles `i0` is cut
/// every `BR` rows; a (BR, BC) score tile and a (BR, dv) output accumulator
/// live in L1 while the key tiles stream past.
pub const BR: usize = 32;
/// Keys per tile: the loop over key tiles `j0` is cut every `BC` keys (a
/// multiple of every ISA's LANES: 4, 8, 16). The online softmax rescales the
/// output accumulator once per key tile, an overhead of 1/BC.
pub const BC: usize = 128;
// ANCHOR_END: tiles

/// Sizes of one batched attention call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dims {
    /// Independent attentions (batch · heads).
    pub b: usize,
    /// Query positions.
    pub tq: usize,
    /// Key (and value) positions.
    pub tk: usize,
    /// Query and key width.
    pub dk: usize,
    /// Value width.
    pub dv: usize,
}

impl Dims {
    /// Self-attention sizes: Tq = Tk = t, dv = dk.
    pub fn square(b: usize, t: usize, dk: usize) -> Self {
        Dims { b, tq: t, tk: t, dk, dv: dk }
    }

    /// Sizes from the shapes of Q (B, Tq, dk), K (B, Tk, dk), V (B, Tk, dv),
    /// with an error naming the mismatch.
    pub fn from_shapes(q: &[usize], k: &[usize], v: &[usize]) -> Result<Self> {
        ensure_shape!(
            q.len() == 3 && k.len() == 3 && v.len() == 3,
            "attention: Q, K, V must be (B, T, d) each, got Q {q:?}, K {k:?}, V {v:?}"
        );
        ensure_shape!(
            q[0] == k[0] && k[0] == v[0],
            "attention: batch sizes differ: Q {}, K {}, V {}",
            q[0],
            k[0],
            v[0]
        );
        ensure_shape!(
            k[1] == v[1],
            "attention: K has {} positions but V has {}: every key needs exactly one value",
            k[1],
            v[1]
        );
        ensure_shape!(q[2] == k[2], "attention: queries have width dk = {} but keys have {}", q[2], k[2]);
        Ok(Dims { b: q[0], tq: q[1], tk: k[1], dk: q[2], dv: v[2] })
    }

    /// Elements of Q, K, V, out.
    pub fn lens(&self) -> (usize, usize, usize, usize) {
        (self.b * self.tq * self.dk, self.b * self.tk * self.dk, self.b * self.tk * self.dv, self.b * self.tq * self.dv)
    }

    /// FLOPs of one forward: 2·Tq·Tk·(dk + dv) per head.
    pub fn flops(&self) -> f64 {
        2.0 * (self.b * self.tq * self.tk * (self.dk + self.dv)) as f64
    }
}

/// Which (query, key) pairs may attend.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mask<'a> {
    /// Query i sees keys j ≤ i only (a decoder's self-attention).
    pub causal: bool,
    /// `key_valid[b·Tk + j]`: false when key j of batch entry b is padding.
    /// Shape (B, Tk).
    pub key_valid: Option<&'a [bool]>,
}

impl<'a> Mask<'a> {
    /// No mask.
    pub const NONE: Mask<'static> = Mask { causal: false, key_valid: None };

    /// The causal mask.
    pub fn causal() -> Self {
        Mask { causal: true, key_valid: None }
    }

    /// A padding mask of shape (B, Tk).
    pub fn padding(key_valid: &'a [bool]) -> Self {
        Mask { causal: false, key_valid: Some(key_valid) }
    }

    /// May query `i` of batch entry `b` attend to key `j`?
    #[inline(always)]
    pub fn allows(&self, b: usize, tk: usize, i: usize, j: usize) -> bool {
        !(self.causal && j > i) && self.key_valid.is_none_or(|kv| kv[b * tk + j])
    }

    /// Checks the padding mask is (B, Tk).
    pub fn check(&self, op: &str, d: &Dims) -> Result<()> {
        if let Some(kv) = self.key_valid {
            ensure_shape!(
                kv.len() == d.b * d.tk,
                "{op}: the padding mask has {} entries but must be (B, Tk) = ({}, {}) = {}",
                kv.len(),
                d.b,
                d.tk,
                d.b * d.tk
            );
        }
        Ok(())
    }
}

/// Checks buffer lengths against `d` and the mask shape.
pub fn check(op: &str, d: &Dims, q: usize, k: usize, v: usize, out: usize, mask: &Mask) -> Result<()> {
    let (nq, nk, nv, no) = d.lens();
    ensure_shape!(q == nq, "{op}: Q has {q} elements but (B, Tq, dk) = ({}, {}, {}) needs {nq}", d.b, d.tq, d.dk);
    ensure_shape!(k == nk, "{op}: K has {k} elements but (B, Tk, dk) = ({}, {}, {}) needs {nk}", d.b, d.tk, d.dk);
    ensure_shape!(
        v == nv,
        "{op}: V has {v} elements but (B, Tk, dv) = ({}, {}, {}) needs {nv} (K and V must have the same length)",
        d.b,
        d.tk,
        d.dv
    );
    ensure_shape!(
        out == no,
        "{op}: the output has {out} elements but (B, Tq, dv) = ({}, {}, {}) needs {no}",
        d.b,
        d.tq,
        d.dv
    );
    mask.check(op, d)
}

/// The fused kernels take the scale into the exponent, e^(s·S − m), which
/// needs s > 0 (a positive scale keeps the row maximum the maximum).
fn check_scale(op: &str, scale: f32) -> Result<()> {
    foundations::ensure_value!(
        scale > 0.0 && scale.is_finite(),
        "{op}: the scale must be positive and finite (1/√dk by default), got {scale}"
    );
    Ok(())
}

/// 1/√dk, the default scale.
pub fn default_scale<T: Real>(dk: usize) -> T {
    T::one() / T::c(dk.max(1) as f64).sqrt()
}

/// v2 fused forward on the active ISA.
///
/// out: (B, Tq, dv), lse: (B, Tq) the log-sum-exp of each score row (what the
/// backward needs; −∞ for a row that sees no key); q: (B, Tq, dk),
/// k: (B, Tk, dk), v: (B, Tk, dv); scale > 0 (usually 1/√dk). Overwrites out and lse.
#[allow(clippy::too_many_arguments)]
pub fn forward(
    out: &mut [f32],
    lse: &mut [f32],
    q: &[f32],
    k: &[f32],
    v: &[f32],
    d: Dims,
    mask: Mask,
    scale: f32,
) -> Result<()> {
    forward_on(Isa::active(), out, lse, q, k, v, d, mask, scale)
}

/// [`forward`] on a given ISA (`Isa::Scalar` runs the v0 oracle).
#[allow(clippy::too_many_arguments)]
pub fn forward_on(
    isa: Isa,
    out: &mut [f32],
    lse: &mut [f32],
    q: &[f32],
    k: &[f32],
    v: &[f32],
    d: Dims,
    mask: Mask,
    scale: f32,
) -> Result<()> {
    check("attention::forward", &d, q.len(), k.len(), v.len(), out.len(), &mask)?;
    check_scale("attention::forward", scale)?;
    ensure_shape!(
        lse.len() == d.b * d.tq,
        "attention::forward: lse has {} elements but (B, Tq) needs {}",
        lse.len(),
        d.b * d.tq
    );
    dispatch!(isa, "attention::forward", forward(out, lse, q, k, v, d, mask, scale), {
        let mut p = vec![0.0f32; d.b * d.tq * d.tk];
        naive::forward(out, &mut p, q, k, v, d, mask, scale);
        naive::row_lse(lse, q, k, d, mask, scale);
    });
    Ok(())
}

/// v2 fused backward on the active ISA: ACCUMULATES (+=) dq, dk, dv.
///
/// dq: (B, Tq, dk), dk: (B, Tk, dk), dv: (B, Tk, dv); dout: (B, Tq, dv) the
/// upstream gradient; q, k, v the forward's inputs; out and lse its outputs.
#[allow(clippy::too_many_arguments)]
pub fn backward(
    dq: &mut [f32],
    dk: &mut [f32],
    dv: &mut [f32],
    dout: &[f32],
    q: &[f32],
    k: &[f32],
    v: &[f32],
    out: &[f32],
    lse: &[f32],
    d: Dims,
    mask: Mask,
    scale: f32,
) -> Result<()> {
    backward_on(Isa::active(), dq, dk, dv, dout, q, k, v, out, lse, d, mask, scale)
}

/// [`backward`] on a given ISA (`Isa::Scalar` runs the v0 oracle).
#[allow(clippy::too_many_arguments)]
pub fn backward_on(
    isa: Isa,
    dq: &mut [f32],
    dk: &mut [f32],
    dv: &mut [f32],
    dout: &[f32],
    q: &[f32],
    k: &[f32],
    v: &[f32],
    out: &[f32],
    lse: &[f32],
    d: Dims,
    mask: Mask,
    scale: f32,
) -> Result<()> {
    let op = "attention::backward";
    check(op, &d, q.len(), k.len(), v.len(), out.len(), &mask)?;
    check(op, &d, dq.len(), dk.len(), dv.len(), dout.len(), &mask)?;
    check_scale(op, scale)?;
    ensure_shape!(lse.len() == d.b * d.tq, "{op}: lse has {} elements but (B, Tq) needs {}", lse.len(), d.b * d.tq);
    dispatch!(isa, "attention::backward", backward(dq, dk, dv, dout, q, k, v, out, lse, d, mask, scale), {
        let mut p = vec![0.0f32; d.b * d.tq * d.tk];
        let mut o = vec![0.0f32; out.len()];
        naive::forward(&mut o, &mut p, q, k, v, d, mask, scale);
        naive::backward(dq, dk, dv, dout, q, k, v, &p, d, scale);
    });
    Ok(())
}

/// Bytes of scratch the fused forward (or backward) allocates for one batch
/// entry, on `isa`: packed copies of K and V (and of Q, dO, dQ for the
/// backward), all O(T·d); compare `4·Tq·Tk` bytes for the score matrix of v0.
pub fn fused_extra_bytes(isa: Isa, d: &Dims, backward: bool) -> usize {
    let l = isa.lanes().max(1);
    let up = |x: usize, m: usize| x.div_ceil(m) * m;
    let (tkp, dkp, dvp, tqp) = (up(d.tk, BC), up(d.dk, l), up(d.dv, l), up(d.tq, BR));
    let floats = if backward {
        // Kᵀ, K padded (only when dk is not a multiple of LANES), Vᵀ, the dQ
        // accumulator, D, Q and dO tile copies, the P and dP tiles, dK and dV tiles.
        let kp = if d.dk == dkp { 0 } else { d.tk * dkp };
        d.dk * tkp + kp + d.dv * tkp + tqp * dkp + tqp + BR * (dkp + dvp) + 2 * BR * BC + BC * (dkp + dvp)
    } else {
        // Kᵀ, V padded (only when dv is not a multiple of LANES), a copy of a short
        // last Q tile, the score tile, the output accumulator, m and l.
        let vp = if d.dv == dvp { 0 } else { d.tk * dvp };
        d.dk * tkp + vp + BR * d.dk + BR * BC + BR * dvp + 2 * BR
    };
    4 * floats
}
