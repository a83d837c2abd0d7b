//! v2, cache blocking: v1's i-k-j loops, cut into blocks that fit the caches.
//!
//! v1 streams all of B (K×N floats) through the cache once per row of C:
//! once B outgrows L2, every row of C pays for reading it from L3 or
//! memory. Cutting K into slices of `KC` and M into blocks of `MC` keeps a
//! `KC × NC` slab of B hot while `MC` rows of C are updated from it.

use super::loop_order::scale_row;
use super::{MatMut, MatRef};

/// Rows of B (= columns of A) per block: the `pc` loop.
pub const KC: usize = 256;
/// Rows of C (and A) per block: the `ic` loop.
pub const MC: usize = 64;
/// Columns of C (and B) per block: the `jc` loop. A `KC × NC` block of B
/// (256 KiB) sits in L2.
pub const NC: usize = 256;

// ANCHOR: gemm_blocked
/// v2: C ← α·A·B + β·C, blocked. A: (M, K)  B: (K, N)  C: (M, N).
pub fn gemm(mut c: MatMut<'_, f32>, alpha: f32, a: MatRef<'_, f32>, b: MatRef<'_, f32>, beta: f32) {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    if n == 0 {
        return; // no columns: nothing to read or write (B may be empty)
    }
    for i in 0..m {
        scale_row(c.row_mut(i), beta); // β once, before any block adds to C
    }
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                // The v1 loops on one block: MC rows × KC × NC columns.
                for i in ic..ic + mc {
                    let crow = &mut c.row_mut(i)[jc..jc + nc];
                    for p in pc..pc + kc {
                        let aip = alpha * a.at(i, p);
                        if b.cs() == 1 {
                            let brow = &b.data()[p * b.rs() + jc..p * b.rs() + jc + nc];
                            for (cij, bpj) in crow.iter_mut().zip(brow) {
                                *cij += aip * bpj;
                            }
                        } else {
                            for (j, cij) in crow.iter_mut().enumerate() {
                                *cij += aip * b.at(p, jc + j);
                            }
                        }
                    }
                }
            }
        }
    }
}
// ANCHOR_END: gemm_blocked
