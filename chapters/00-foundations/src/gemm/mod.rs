//! GEMM, the workhorse: **C ← α·A·B + β·C** (row-major, BLAS's convention).
//!
//! ```text
//! A: (M, K)   B: (K, N)   C: (M, N)        2·M·N·K FLOPs
//! ```
//!
//! Dense layers, convolution (through im2col), the RNN's W·[h, x] and
//! attention's QKᵀ and PV are all this one function. Backward passes need
//! the transposed forms, which are free with strided views:
//!
//! ```text
//! dW += Xᵀ·dY    gemm(dw, 1.0, x.t(), dy, 1.0)
//! dX  = dY·Wᵀ    gemm(dx, 1.0, dy, w.t(), 0.0)
//! ```
//!
//! The rungs (chapter 0's GEMM ladder walks them one by one):
//! - `v0_naive`: i-j-k triple loop, the oracle ([`naive::gemm`]);
//! - `v1_simd_ikj`: i-k-j order, the inner loop an AXPY over a row of B and
//!   a row of C (contiguous, vectorised with the [`vector`](crate::vector) kernels).

pub mod matrix;
pub mod naive;

pub use matrix::{MatMut, MatRef};

use crate::{Isa, Real, Result};

/// Checks that op shapes fit: A (M, K), B (K, N), C (M, N).
pub fn check_shapes<T>(op: &str, c: &MatMut<'_, T>, a: &MatRef<'_, T>, b: &MatRef<'_, T>) -> Result<()> {
    crate::ensure_shape!(
        a.cols() == b.rows(),
        "{op}: A is {}x{} but B is {}x{}: the inner dimensions {} and {} differ",
        a.rows(),
        a.cols(),
        b.rows(),
        b.cols(),
        a.cols(),
        b.rows()
    );
    crate::ensure_shape!(
        c.rows() == a.rows() && c.cols() == b.cols(),
        "{op}: A·B is {}x{} but C is {}x{}",
        a.rows(),
        b.cols(),
        c.rows(),
        c.cols()
    );
    Ok(())
}

/// C ← α·A·B + β·C on the active ISA. A: (M, K)  B: (K, N)  C: (M, N).
/// β = 0 does not read C.
pub fn gemm(c: MatMut<'_, f32>, alpha: f32, a: MatRef<'_, f32>, b: MatRef<'_, f32>, beta: f32) -> Result<()> {
    gemm_on(Isa::active(), c, alpha, a, b, beta)
}

/// [`gemm`] on a given ISA (`Isa::Scalar` runs the naive oracle).
pub fn gemm_on(
    isa: Isa,
    mut c: MatMut<'_, f32>,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
) -> Result<()> {
    check_shapes("gemm", &c, &a, &b)?;
    isa.token("gemm")?;
    if isa == Isa::Scalar {
        naive::gemm(c, alpha, a, b, beta);
        return Ok(());
    }
    v1_simd_ikj(isa, c.rb(), alpha, a, b, beta)
}

/// v1: i-k-j order. For each row i of C: C[i,:] ← β·C[i,:], then for each p,
/// C[i,:] += (α·A[i,p])·B[p,:], an AXPY on contiguous rows. B is first
/// copied to row-major when its rows are not contiguous.
fn v1_simd_ikj(
    isa: Isa,
    mut c: MatMut<'_, f32>,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
) -> Result<()> {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    let packed;
    let b = if b.cs() == 1 {
        b
    } else {
        packed = (0..k).flat_map(|p| (0..n).map(move |j| b.at(p, j))).collect::<Vec<f32>>();
        MatRef::new(&packed, k, n)?
    };
    for i in 0..m {
        let row = c.row_mut(i);
        if beta == 0.0 {
            row.fill(0.0);
        } else if beta != 1.0 {
            crate::vector::scale_on(isa, row, beta)?;
        }
        for p in 0..k {
            let brow = &b.data()[p * b.rs()..p * b.rs() + n];
            crate::vector::axpy_on(isa, row, alpha * a.at(i, p), brow)?;
        }
    }
    Ok(())
}

/// GEMM for any [`Real`]: f32 runs the SIMD dispatcher, f64 the oracle.
pub fn gemm_real<T: Real>(c: MatMut<'_, T>, alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T) -> Result<()> {
    T::gemm(c, alpha, a, b, beta)
}
