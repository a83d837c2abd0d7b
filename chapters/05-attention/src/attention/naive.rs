//! v0: attention in three plain steps, the oracle. Generic over `Real`; it
//! stores the whole probability matrix P: (B, Tq, Tk).

use foundations::Real;

use super::{Dims, Mask};

// ANCHOR: naive_forward
/// out = softmax(s·QKᵀ + M)·V, and P = the softmax, both overwritten.
///
/// out: (B, Tq, dv)  p: (B, Tq, Tk)  q: (B, Tq, dk)  k: (B, Tk, dk)  v: (B, Tk, dv)
#[allow(clippy::too_many_arguments)]
pub fn forward<T: Real>(out: &mut [T], p: &mut [T], q: &[T], k: &[T], v: &[T], d: Dims, mask: Mask, scale: T) {
    let Dims { b: nb, tq, tk, dk, dv } = d;
    for b in 0..nb {
        for i in 0..tq {
            let qi = &q[(b * tq + i) * dk..][..dk];
            let pi = &mut p[(b * tq + i) * tk..][..tk];
            // Step 1: scores S_ij = s · q_i · k_j, −∞ where masked.
            for (j, pij) in pi.iter_mut().enumerate() {
                *pij = if mask.allows(b, tk, i, j) {
                    let kj = &k[(b * tk + j) * dk..][..dk];
                    scale * (0..dk).map(|c| qi[c] * kj[c]).sum::<T>()
                } else {
                    T::neg_infinity()
                };
            }
            // Step 2: P_ij = exp(S_ij − m) / Σ_l exp(S_il − m), m = max_l S_il.
            let m = pi.iter().copied().fold(T::neg_infinity(), num_traits::Float::max);
            if m == T::neg_infinity() {
                pi.fill(T::zero()); // sees no key: P = 0, out = 0
            } else {
                let mut z = T::zero();
                for pij in pi.iter_mut() {
                    *pij = (*pij - m).exp();
                    z += *pij;
                }
                for pij in pi.iter_mut() {
                    *pij /= z;
                }
            }
            // Step 3: out_i = Σ_j P_ij v_j.
            let oi = &mut out[(b * tq + i) * dv..][..dv];
            for (c, o) in oi.iter_mut().enumerate() {
                *o = (0..tk).map(|j| pi[j] * v[(b * tk + j) * dv + c]).sum();
            }
        }
    }
}
// ANCHOR_END: naive_forward

// ANCHOR: naive_backward
/// Given dout = ∂L/∂out and the forward's P: ACCUMULATES (+=) dq, dk, dv.
///
/// dq: (B, Tq, dk)  dk: (B, Tk, dk)  dv: (B, Tk, dv)  dout: (B, Tq, dv)  p: (B, Tq, Tk)
#[allow(clippy::too_many_arguments)]
pub fn backward<T: Real>(
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
) {
    let Dims { b: nb, tq, tk, dk: w, dv: wv } = d;
    let mut ds = vec![T::zero(); tk];
    for b in 0..nb {
        for i in 0..tq {
            let pi = &p[(b * tq + i) * tk..][..tk];
            let doi = &dout[(b * tq + i) * wv..][..wv];
            // out_i = Σ_j P_ij v_j  ⇒  dv_j += P_ij dout_i,  dP_ij = dout_i · v_j
            for j in 0..tk {
                let vj = &v[(b * tk + j) * wv..][..wv];
                let mut dp = T::zero();
                for c in 0..wv {
                    dv[(b * tk + j) * wv + c] += pi[j] * doi[c];
                    dp += doi[c] * vj[c];
                }
                ds[j] = dp;
            }
            // P_i = softmax(S_i)  ⇒  dS_ij = P_ij (dP_ij − Σ_l P_il dP_il)
            let dot: T = (0..tk).map(|l| pi[l] * ds[l]).sum();
            for j in 0..tk {
                ds[j] = pi[j] * (ds[j] - dot);
            }
            // S_ij = s · q_i · k_j  ⇒  dq_i += s Σ_j dS_ij k_j,  dk_j += s dS_ij q_i
            for j in 0..tk {
                for c in 0..w {
                    dq[(b * tq + i) * w + c] += scale * ds[j] * k[(b * tk + j) * w + c];
                    dk[(b * tk + j) * w + c] += scale * ds[j] * q[(b * tq + i) * w + c];
                }
            }
        }
    }
}
// ANCHOR_END: naive_backward

/// The log-sum-exp of each masked score row, lse: (B, Tq): what the fused
/// forward stores for its backward (−∞ for a row that sees no key).
pub fn row_lse<T: Real>(lse: &mut [T], q: &[T], k: &[T], d: Dims, mask: Mask, scale: T) {
    let Dims { b: nb, tq, tk, dk, .. } = d;
    let mut s = vec![T::zero(); tk];
    for b in 0..nb {
        for i in 0..tq {
            let qi = &q[(b * tq + i) * dk..][..dk];
            for (j, sj) in s.iter_mut().enumerate() {
                let kj = &k[(b * tk + j) * dk..][..dk];
                *sj = if mask.allows(b, tk, i, j) {
                    scale * (0..dk).map(|c| qi[c] * kj[c]).sum::<T>()
                } else {
                    T::neg_infinity()
                };
            }
            let m = s.iter().copied().fold(T::neg_infinity(), num_traits::Float::max);
            lse[b * tq + i] =
                if m == T::neg_infinity() { m } else { m + s.iter().map(|&x| (x - m).exp()).sum::<T>().ln() };
        }
    }
}
