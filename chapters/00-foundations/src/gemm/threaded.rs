//! The last rung: several threads, each on its own band of rows of C.
//!
//! Rows of C are independent: thread t computes C[rows_t, :] from A[rows_t, :]
//! and all of B, with its own packing buffers, so the threads share nothing
//! they write. Bands are multiples of MR so no thread gets a ragged tile it
//! could have avoided. `std::thread::scope` lets the threads borrow the views.

use super::packed::{self, Micro};
use super::{MatMut, MatRef};
use crate::Result;

// ANCHOR: threaded
/// C ← α·A·B + β·C on `threads` threads (bands of rows), micro-kernel `micro`.
pub(crate) fn gemm(
    micro: Micro,
    threads: usize,
    mut c: MatMut<'_, f32>,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
) -> Result<()> {
    let (m, n) = (c.rows(), c.cols());
    let mr = micro.blocking().mr;
    // Bands of whole MR tiles; never more threads than bands.
    let band = m.div_ceil(threads.max(1)).div_ceil(mr) * mr;
    if threads <= 1 || band >= m || n == 0 || a.cols() == 0 {
        packed::gemm(micro, c, alpha, a, b, beta);
        return Ok(());
    }
    let ldc = c.ld();
    let mut rest = c.data();
    let mut jobs = Vec::new();
    for i0 in (0..m).step_by(band) {
        let rows = band.min(m - i0);
        // The band's slice: its rows, the last one only up to its last column.
        let len = if i0 + rows == m { rest.len() } else { rows * ldc };
        let (mine, tail) = std::mem::take(&mut rest).split_at_mut(len);
        rest = tail;
        let cb = MatMut::with_ld(mine, rows, n, ldc)?;
        let ab = MatRef::with_strides(&a.data()[i0 * a.rs()..], rows, a.cols(), a.rs(), a.cs())?;
        jobs.push((cb, ab));
    }
    std::thread::scope(|scope| {
        let mut jobs = jobs.into_iter();
        let first = jobs.next();
        for (cb, ab) in jobs {
            scope.spawn(move || packed::gemm(micro, cb, alpha, ab, b, beta));
        }
        // The calling thread takes the first band itself.
        if let Some((cb, ab)) = first {
            packed::gemm(micro, cb, alpha, ab, b, beta);
        }
    });
    Ok(())
}
// ANCHOR_END: threaded
