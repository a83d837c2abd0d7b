//! The row softmax of the v1 rung, and its backward.
//!
//! TODO(ch2): use losses::softmax once chapter 2 lands. Chapter 2 owns the
//! softmax (and its vectorized exp); until it is merged this small module
//! keeps chapter 5 self-contained. The exp it calls is the one the fused
//! kernel uses ([`crate::attention::exp_on`]) for f32, `f64::exp` for f64.
//!
//! ```text
//! P_ij = exp(S_ij − m_i) / Σ_l exp(S_il − m_i),  m_i = max_l S_il
//! dS_ij = P_ij (dP_ij − Σ_l P_il dP_il)            (the softmax Jacobian applied to dP)
//! ```

use crate::kernels::Kernels;

// ANCHOR: softmax_rows
/// In place: each row of x: (rows, cols) becomes its softmax. Entries of −∞
/// (masked) become 0; a row that is all −∞ becomes all 0.
pub fn softmax_rows<T: Kernels>(x: &mut [T], rows: usize, cols: usize) {
    for r in 0..rows {
        let row = &mut x[r * cols..][..cols];
        let m = row.iter().copied().fold(T::neg_infinity(), num_traits::Float::max);
        if m == T::neg_infinity() {
            row.fill(T::zero());
            continue;
        }
        for v in row.iter_mut() {
            *v -= m;
        }
        T::exp_inplace(row);
        let z: T = row.iter().copied().sum();
        let inv = T::one() / z;
        for v in row.iter_mut() {
            *v *= inv;
        }
    }
}
// ANCHOR_END: softmax_rows

/// In place: g holds dP on entry and dS = P ∘ (dP − ⟨P, dP⟩ per row) on exit.
/// g, p: (rows, cols).
pub fn softmax_rows_backward<T: Kernels>(g: &mut [T], p: &[T], rows: usize, cols: usize) {
    for r in 0..rows {
        let (gr, pr) = (&mut g[r * cols..][..cols], &p[r * cols..][..cols]);
        let dot: T = gr.iter().zip(pr).map(|(&a, &b)| a * b).sum();
        for (gv, &pv) in gr.iter_mut().zip(pr) {
            *gv = pv * (*gv - dot);
        }
    }
}
