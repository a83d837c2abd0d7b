//! v1: im2col + GEMM. The convolution becomes one matrix product.
//!
//! Each output pixel m = (n, oy, ox) gets one ROW of the matrix `cols`
//! (M × K, M = N·OH·OW, K = KH·KW·C): the KH·KW·C input values its kernel
//! window covers, in the same (i, j, c) order as the rows of the kernel
//! matrix k: (KH·KW·C, F). Then
//!
//! ```text
//! forward   Y (M×F)  = cols (M×K) · Kmat (K×F) + b
//! dk        dK (K×F) += colsᵀ (K×M) · dY (M×F)
//! dx        dcols (M×K) = dY (M×F) · Kmatᵀ (F×K),  then col2im scatters dcols back into dx
//! db        db (F)  += Σ_m dY[m, :]
//! ```
//!
//! In NHWC the window row (i fixed, j = 0..KW, all c) is ONE contiguous run
//! of KW·C values of x, so im2col is KH `memcpy`s per output pixel, and
//! col2im KH vector additions.
//!
//! The rows are processed in blocks of about [`BLOCK_ELEMS`] elements of
//! `cols`, so the block stays in the L2 cache between im2col and the GEMM
//! (the whole `cols` of the seed CNN's second layer at batch 64 would be
//! 8.9 MB).

use foundations::gemm::{MatMut, MatRef};
use foundations::{Real, Result};

use super::Conv2dDims;

/// Elements of `cols` per row block (256 KiB of f32: a quarter of a Zen 4 L2).
pub const BLOCK_ELEMS: usize = 1 << 16;

/// The GEMM a rung runs on: C ← αAB + βC.
pub trait GemmFn<T>: Fn(MatMut<'_, T>, T, MatRef<'_, T>, MatRef<'_, T>, T) -> Result<()> {}
impl<T, F: Fn(MatMut<'_, T>, T, MatRef<'_, T>, MatRef<'_, T>, T) -> Result<()>> GemmFn<T> for F {}

/// Rows per block for these dims (at least 1).
pub fn block_rows(d: &Conv2dDims) -> usize {
    (BLOCK_ELEMS / d.k().max(1)).max(1)
}

/// For output pixel row m, kernel row i: the input row r, and the kernel
/// columns j0..j1 that fall inside the image (with the input column of j0).
#[inline(always)]
fn window_row(d: &Conv2dDims, m: usize, i: usize) -> Option<(usize, usize, usize, usize, usize)> {
    let ox = m % d.ow;
    let oy = (m / d.ow) % d.oh;
    let n = m / (d.ow * d.oh);
    let r = (oy * d.sh + i) as isize - d.pad_top as isize;
    if r < 0 || r as usize >= d.h {
        return None;
    }
    let q0 = (ox * d.sw) as isize - d.pad_left as isize;
    // j in j0..j1 keeps q = q0 + j inside 0..W.
    let j0 = (-q0).max(0) as usize;
    let j1 = ((d.w as isize - q0).max(0) as usize).min(d.kw);
    if j0 >= j1 {
        return None;
    }
    Some((n, r as usize, j0, j1, (q0 + j0 as isize) as usize))
}

// ANCHOR: im2col
/// cols[m − m0, (i, j, c)] = x[n, oy·SH + i − PT, ox·SW + j − PL, c] (0 outside)
/// for the output rows m in m0..m1.  x: (N, H, W, C)  cols: (m1 − m0, KH·KW·C).
pub fn im2col<T: Real>(cols: &mut [T], x: &[T], d: &Conv2dDims, m0: usize, m1: usize) {
    let (kk, run) = (d.k(), d.kw * d.c);
    for (m, row) in (m0..m1).zip(cols.chunks_exact_mut(kk)) {
        for (i, dst) in row.chunks_exact_mut(run).enumerate() {
            match window_row(d, m, i) {
                None => dst.fill(T::zero()),
                Some((n, r, j0, j1, q)) => {
                    let src = ((n * d.h + r) * d.w + q) * d.c;
                    dst[..j0 * d.c].fill(T::zero());
                    dst[j0 * d.c..j1 * d.c].copy_from_slice(&x[src..src + (j1 - j0) * d.c]);
                    dst[j1 * d.c..].fill(T::zero());
                }
            }
        }
    }
}
// ANCHOR_END: im2col

// ANCHOR: col2im
/// The adjoint of [`im2col`]: dx[n, r, q, c] += dcols[m − m0, (i, j, c)] for
/// every (m, i, j) whose window reads x[n, r, q, c]. ACCUMULATES into dx.
pub fn col2im<T: Real>(dx: &mut [T], dcols: &[T], d: &Conv2dDims, m0: usize, m1: usize) {
    let (kk, run) = (d.k(), d.kw * d.c);
    for (m, row) in (m0..m1).zip(dcols.chunks_exact(kk)) {
        for (i, src) in row.chunks_exact(run).enumerate() {
            if let Some((n, r, j0, j1, q)) = window_row(d, m, i) {
                let at = ((n * d.h + r) * d.w + q) * d.c;
                let dst = &mut dx[at..at + (j1 - j0) * d.c];
                for (a, &g) in dst.iter_mut().zip(&src[j0 * d.c..j1 * d.c]) {
                    *a += g;
                }
            }
        }
    }
}
// ANCHOR_END: col2im

// ANCHOR: conv2d_im2col
/// y = conv2d(x, k) + b through im2col and `gemm`, block of rows by block.
/// x: (N, H, W, C)  k: (KH·KW·C, F)  b: (F)  y: (N·OH·OW, F). Overwrites y.
pub fn conv2d_forward<T: Real>(
    gemm: impl GemmFn<T>,
    y: &mut [T],
    x: &[T],
    k: &[T],
    b: &[T],
    d: &Conv2dDims,
) -> Result<()> {
    let (m, kk, f) = (d.m(), d.k(), d.f);
    let mb = block_rows(d);
    let mut cols = vec![T::zero(); mb.min(m) * kk];
    let kmat = MatRef::new(k, kk, f)?;
    for m0 in (0..m).step_by(mb) {
        let m1 = (m0 + mb).min(m);
        let cols = &mut cols[..(m1 - m0) * kk];
        im2col(cols, x, d, m0, m1);
        let yb = &mut y[m0 * f..m1 * f];
        for row in yb.chunks_exact_mut(f) {
            row.copy_from_slice(b);
        }
        // Y_block = cols_block · Kmat + Y_block (which holds the bias)
        gemm(MatMut::new(yb, m1 - m0, f)?, T::one(), MatRef::new(cols, m1 - m0, kk)?, kmat, T::one())?;
    }
    Ok(())
}
// ANCHOR_END: conv2d_im2col

// ANCHOR: conv2d_im2col_backward
/// Backward through im2col + GEMM. ACCUMULATES dk, db, and dx when given
/// (the first layer of a network needs no dx: pass `None` and save a third
/// of the work). Shapes as in [`conv2d_forward`].
#[allow(clippy::too_many_arguments)]
pub fn conv2d_backward<T: Real>(
    gemm: impl GemmFn<T>,
    mut dx: Option<&mut [T]>,
    dk: &mut [T],
    db: &mut [T],
    x: &[T],
    k: &[T],
    dy: &[T],
    d: &Conv2dDims,
) -> Result<()> {
    let (m, kk, f) = (d.m(), d.k(), d.f);
    let mb = block_rows(d);
    let mut cols = vec![T::zero(); mb.min(m) * kk];
    let kmat = MatRef::new(k, kk, f)?;
    for m0 in (0..m).step_by(mb) {
        let m1 = (m0 + mb).min(m);
        let rows = m1 - m0;
        let cols = &mut cols[..rows * kk];
        let dyb = MatRef::new(&dy[m0 * f..m1 * f], rows, f)?;
        // forward: Y = cols · Kmat + b
        // ⇒ dK += colsᵀ · dY
        im2col(cols, x, d, m0, m1);
        gemm(MatMut::new(dk, kk, f)?, T::one(), MatRef::new(cols, rows, kk)?.t(), dyb, T::one())?;
        // ⇒ db += Σ_m dY[m, :]
        for row in dy[m0 * f..m1 * f].chunks_exact(f) {
            for (a, &g) in db.iter_mut().zip(row) {
                *a += g;
            }
        }
        // ⇒ dcols = dY · Kmatᵀ, scattered back by col2im
        if let Some(dx) = dx.as_deref_mut() {
            gemm(MatMut::new(cols, rows, kk)?, T::one(), dyb, kmat.t(), T::zero())?;
            col2im(dx, cols, d, m0, m1);
        }
    }
    Ok(())
}
// ANCHOR_END: conv2d_im2col_backward

/// dx only, through dcols = dY · Kmatᵀ and col2im. ACCUMULATES dx.
pub fn conv2d_backward_dx<T: Real>(
    gemm: impl GemmFn<T>,
    dx: &mut [T],
    k: &[T],
    dy: &[T],
    d: &Conv2dDims,
) -> Result<()> {
    let (m, kk, f) = (d.m(), d.k(), d.f);
    let mb = block_rows(d);
    let mut cols = vec![T::zero(); mb.min(m) * kk];
    let kmat = MatRef::new(k, kk, f)?;
    for m0 in (0..m).step_by(mb) {
        let m1 = (m0 + mb).min(m);
        let cols = &mut cols[..(m1 - m0) * kk];
        gemm(
            MatMut::new(cols, m1 - m0, kk)?,
            T::one(),
            MatRef::new(&dy[m0 * f..m1 * f], m1 - m0, f)?,
            kmat.t(),
            T::zero(),
        )?;
        col2im(dx, cols, d, m0, m1);
    }
    Ok(())
}
