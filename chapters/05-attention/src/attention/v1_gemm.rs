//! v1: the three steps of v0 on chapter 0's GEMM and chapter 2's row softmax.
//! The products run at GEMM speed, but P: (B, Tq, Tk) is still written out
//! and read back: O(T²) memory and memory traffic.
//!
//! Generic over [`Kernels`]: the layers of this chapter call it, in f32
//! (SIMD GEMM and softmax) for training and in f64 (oracles) for gradient checks.

use foundations::{MatMut, MatRef, Real, Result};

use super::{Dims, Mask};
use crate::kernels::Kernels;

// ANCHOR: v1_forward
/// out = softmax(s·QKᵀ + M)·V; p = the softmax. Overwrites both.
///
/// out: (B, Tq, dv)  p: (B, Tq, Tk)  q: (B, Tq, dk)  k: (B, Tk, dk)  v: (B, Tk, dv)
#[allow(clippy::too_many_arguments)]
pub fn forward<T: Kernels>(
    out: &mut [T],
    p: &mut [T],
    q: &[T],
    k: &[T],
    v: &[T],
    d: Dims,
    mask: Mask,
    scale: T,
) -> Result<()> {
    let Dims { b: nb, tq, tk, dk, dv } = d;
    if tk == 0 {
        out.fill(T::zero());
        return Ok(());
    }
    let mut sb = vec![T::zero(); tq * tk];
    for b in 0..nb {
        let pb = &mut p[b * tq * tk..][..tq * tk];
        let (qb, kb, vb) = (&q[b * tq * dk..][..tq * dk], &k[b * tk * dk..][..tk * dk], &v[b * tk * dv..][..tk * dv]);
        // S = s · Q Kᵀ
        T::gemm(
            MatMut::new(&mut sb, tq, tk)?,
            scale,
            MatRef::new(qb, tq, dk)?,
            MatRef::new(kb, tk, dk)?.t(),
            T::zero(),
        )?;
        if mask.causal || mask.key_valid.is_some() {
            for i in 0..tq {
                for j in 0..tk {
                    if !mask.allows(b, tk, i, j) {
                        sb[i * tk + j] = T::neg_infinity();
                    }
                }
            }
        }
        // P = softmax(S) row by row (chapter 2); a row that sees no key
        // (all −∞, where the softmax is 0/0) gets P = 0.
        T::softmax_rows(pb, &sb, tq, tk)?;
        for i in 0..tq {
            if <T as Real>::max(&sb[i * tk..][..tk]) == T::neg_infinity() {
                pb[i * tk..][..tk].fill(T::zero());
            }
        }
        // out = P V
        T::gemm(
            MatMut::new(&mut out[b * tq * dv..][..tq * dv], tq, dv)?,
            T::one(),
            MatRef::new(pb, tq, tk)?,
            MatRef::new(vb, tk, dv)?,
            T::zero(),
        )?;
    }
    Ok(())
}
// ANCHOR_END: v1_forward

// ANCHOR: v1_backward
/// ACCUMULATES (+=) dq, dk, dv given dout and the forward's P.
///
/// dq: (B, Tq, dk)  dk: (B, Tk, dk)  dv: (B, Tk, dv)  dout: (B, Tq, dv)  p: (B, Tq, Tk)
#[allow(clippy::too_many_arguments)]
pub fn backward<T: Kernels>(
    dq: &mut [T],
    dk: &mut [T],
    dv: &mut [T],
    dout: &[T],
    q: &[T],
    k: &[T],
    v: &[T],
    p: &[T],
    d: Dims,
    scale: T,
) -> Result<()> {
    let Dims { b: nb, tq, tk, dk: w, dv: wv } = d;
    if tk == 0 || tq == 0 {
        return Ok(());
    }
    let (mut dp, mut ds) = (vec![T::zero(); tq * tk], vec![T::zero(); tq * tk]);
    for b in 0..nb {
        let pb = MatRef::new(&p[b * tq * tk..][..tq * tk], tq, tk)?;
        let dob = MatRef::new(&dout[b * tq * wv..][..tq * wv], tq, wv)?;
        let (qb, kb) =
            (MatRef::new(&q[b * tq * w..][..tq * w], tq, w)?, MatRef::new(&k[b * tk * w..][..tk * w], tk, w)?);
        let vb = MatRef::new(&v[b * tk * wv..][..tk * wv], tk, wv)?;
        // out = P V  ⇒  dV += Pᵀ dO,  dP = dO Vᵀ
        T::gemm(MatMut::new(&mut dv[b * tk * wv..][..tk * wv], tk, wv)?, T::one(), pb.t(), dob, T::one())?;
        T::gemm(MatMut::new(&mut dp, tq, tk)?, T::one(), dob, vb.t(), T::zero())?;
        // P = softmax(S)  ⇒  dS = P ∘ (dP − rowsum(P ∘ dP))   (chapter 2; it accumulates)
        ds.fill(T::zero());
        T::softmax_rows_backward(&mut ds, pb.data(), &dp, tq, tk)?;
        // S = s · Q Kᵀ  ⇒  dQ += s · dS K,  dK += s · dSᵀ Q
        let dsm = MatRef::new(&ds, tq, tk)?;
        T::gemm(MatMut::new(&mut dq[b * tq * w..][..tq * w], tq, w)?, scale, dsm, kb, T::one())?;
        T::gemm(MatMut::new(&mut dk[b * tk * w..][..tk * w], tk, w)?, scale, dsm.t(), qb, T::one())?;
    }
    Ok(())
}
// ANCHOR_END: v1_backward
