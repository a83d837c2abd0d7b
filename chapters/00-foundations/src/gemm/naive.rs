//! v0, the oracle: C ← α·A·B + β·C as the triple sum it is.

use super::{MatMut, MatRef};
use crate::Real;

// ANCHOR: gemm_naive
/// C ← α·A·B + β·C.  A: (M, K)  B: (K, N)  C: (M, N), any strides.
///
/// Loop order i-j-k: for each output `C[i][j]`, the dot product of row i of A
/// with column j of B. β = 0 means C is *not read* (it may hold NaN).
pub fn gemm<T: Real>(mut c: MatMut<'_, T>, alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T) {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    for i in 0..m {
        for j in 0..n {
            let mut acc = T::zero();
            for p in 0..k {
                acc += a.at(i, p) * b.at(p, j);
            }
            let cij = &mut c.row_mut(i)[j];
            *cij = if beta == T::zero() { alpha * acc } else { alpha * acc + beta * *cij };
        }
    }
}
// ANCHOR_END: gemm_naive
