//! v1, loop order: the same triple sum, loops swapped to i-k-j.
//!
//! i-j-k walks B down a column (stride N floats: a new cache line for every
//! multiply) and funnels everything through one accumulator (one FMA
//! latency per step). i-k-j instead adds `A[i,p]·B[p,:]` to `C[i,:]`: both
//! rows contiguous, N independent sums, an AXPY the compiler vectorizes.

use super::{MatMut, MatRef};

/// `C[i,:] ← β·C[i,:]`, or zero without reading when β = 0.
pub(crate) fn scale_row(row: &mut [f32], beta: f32) {
    if beta == 0.0 {
        row.fill(0.0);
    } else if beta != 1.0 {
        for x in row {
            *x *= beta;
        }
    }
}

// ANCHOR: gemm_loop_order
/// v1: C ← α·A·B + β·C in i-k-j order. A: (M, K)  B: (K, N)  C: (M, N).
/// Plain Rust: the inner loop is what the compiler auto-vectorizes.
pub fn gemm(mut c: MatMut<'_, f32>, alpha: f32, a: MatRef<'_, f32>, b: MatRef<'_, f32>, beta: f32) {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    if n == 0 {
        return; // no columns: nothing to read or write (B may be empty)
    }
    for i in 0..m {
        let crow = c.row_mut(i);
        scale_row(crow, beta);
        for p in 0..k {
            let aip = alpha * a.at(i, p);
            if b.cs() == 1 {
                // Row p of B is contiguous: a zip the compiler turns into SIMD.
                let brow = &b.data()[p * b.rs()..p * b.rs() + n];
                for (cij, bpj) in crow.iter_mut().zip(brow) {
                    *cij += aip * bpj;
                }
            } else {
                for (j, cij) in crow.iter_mut().enumerate() {
                    *cij += aip * b.at(p, j);
                }
            }
        }
    }
}
// ANCHOR_END: gemm_loop_order
