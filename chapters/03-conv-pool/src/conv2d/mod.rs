//! 2-D convolution (卷积层, convolutional layer), forward and backward.
//!
//! ```text
//! y[n,oy,ox,f] = b[f] + Σ_i Σ_j Σ_c x[n, oy·SH + i − PT, ox·SW + j − PL, c] · k[i,j,c,f]
//!
//! x: (N, H, W, C)   k: (KH, KW, C, F)   b: (F)   y: (N, OH, OW, F)     all row-major (NHWC)
//! ```
//!
//! A cross-correlation, as every framework computes it (the seed's formula
//! with a batch, channels, stride and padding). The backward pass:
//!
//! ```text
//! db[f]       += Σ_{n,oy,ox} dy[n,oy,ox,f]
//! dk[i,j,c,f] += Σ_{n,oy,ox} dy[n,oy,ox,f] · x[n, oy·SH+i−PT, ox·SW+j−PL, c]
//! dx[n,r,q,c] += Σ_{i,j,f} dy[n,oy,ox,f] · k[i,j,c,f]   over (oy, ox) with oy·SH+i−PT = r, ox·SW+j−PL = q
//! ```
//!
//! With stride 1, dx is the "full" correlation of dy (zero-padded by KH−1−PT
//! rows and KW−1−PL columns) with the kernel rotated by 180° and its c, f
//! axes swapped (see the book, and [`rotate_180`]); the tests check it.
//!
//! **Layout: NHWC.** Channels last makes the C values of a pixel
//! contiguous, so one kernel-window row (KW·C values) is one contiguous run:
//! im2col is a few `memcpy`s, the GEMM's rows are the M = N·OH·OW output
//! pixels (a long dimension even for small images), and y comes out of the
//! GEMM already in NHWC, ready for the next layer, no transpose. It is also
//! Keras' default (`channels_last`), so flattening matches its order.
//!
//! The rungs ([`Rung`]):
//! - `v0_naive`: seven nested loops, the oracle ([`naive`]);
//! - `v1_im2col_gemm`: im2col, then one GEMM per block of output rows; dk as
//!   a GEMM of colsᵀ with dy, dx as col2im of dy·Kᵀ ([`im2col`]);
//! - `v2_direct`: register-tiled direct SIMD kernels, no im2col matrix:
//!   forward (a tile of output pixels × filters in registers), dk (a tile
//!   of kernel rows × filters), and dx as a scatter (the rotated-kernel
//!   identity read from the outputs' side). Planned for few input
//!   channels; see [`DIRECT_MAX_C`] for why it currently runs everywhere.

mod dims;
pub mod im2col;
pub mod naive;
pub(crate) mod simd;

#[cfg(target_arch = "x86_64")]
mod avx2_fma;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;

pub use dims::{Conv2dDims, Padding};

use foundations::gemm::{MatMut, MatRef, gemm_on};
use foundations::{Isa, Result, Token};

use crate::Kernels;

/// The direct kernel (v2) is chosen up to this many input channels; above
/// it, im2col + GEMM (v1).
///
/// The issue planned v2 for few channels only, expecting the GEMM to win
/// once im2col's rows are long (K = 9·C). Measured with chapter 0's GEMM as
/// it stands (`v1_simd_ikj`, an AXPY loop, ~10% of peak), v2 wins on every
/// layer of the seed CNN, forward and backward (see the bench table), so
/// the limit is "no limit" until a packed GEMM kernel lands; re-measure
/// then and lower it if v1 wins (`ai-from-scratch bench conv`).
pub const DIRECT_MAX_C: usize = usize::MAX;

/// A rung of the convolution ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rung {
    /// Seven nested loops: the oracle.
    V0Naive,
    /// im2col + GEMM.
    V1Im2colGemm,
    /// Direct register-tiled SIMD kernel (forward; backward runs v1).
    V2Direct,
}

impl Rung {
    /// Every rung, in ladder order.
    pub const ALL: [Rung; 3] = [Rung::V0Naive, Rung::V1Im2colGemm, Rung::V2Direct];

    /// The name used in bench rows and tests.
    pub fn name(self) -> &'static str {
        match self {
            Rung::V0Naive => "v0_naive",
            Rung::V1Im2colGemm => "v1_im2col_gemm",
            Rung::V2Direct => "v2_direct",
        }
    }

    /// The rung the dispatcher picks on `isa` for these dims: v2 up to
    /// [`DIRECT_MAX_C`] input channels, v1 above, the oracle GEMM on scalar.
    // The comparison is always true while DIRECT_MAX_C is usize::MAX (see its note).
    #[allow(clippy::absurd_extreme_comparisons)]
    pub fn best(isa: Isa, d: &Conv2dDims) -> Rung {
        if isa != Isa::Scalar && d.c <= DIRECT_MAX_C { Rung::V2Direct } else { Rung::V1Im2colGemm }
    }
}

fn check_forward<T>(op: &str, y: &[T], x: &[T], k: &[T], b: &[T], d: &Conv2dDims) -> Result<()> {
    d.check_buffers(
        op,
        &[("x", x.len(), d.x_len()), ("k", k.len(), d.k_len()), ("b", b.len(), d.f), ("y", y.len(), d.y_len())],
    )
}

#[allow(clippy::too_many_arguments)]
fn check_backward<T>(
    op: &str,
    dx: Option<&[T]>,
    dk: &[T],
    db: &[T],
    x: &[T],
    k: &[T],
    dy: &[T],
    d: &Conv2dDims,
) -> Result<()> {
    d.check_buffers(
        op,
        &[
            ("x", x.len(), d.x_len()),
            ("k", k.len(), d.k_len()),
            ("dy", dy.len(), d.y_len()),
            ("dk", dk.len(), d.k_len()),
            ("db", db.len(), d.f),
            ("dx", dx.map_or(d.x_len(), <[T]>::len), d.x_len()),
        ],
    )
}

// ANCHOR: conv2d_dispatch
/// y = conv2d(x, k) + b on the fastest path for `T` (f32: SIMD on the active
/// ISA; f64: im2col with the oracle GEMM).
/// x: (N, H, W, C)  k: (KH, KW, C, F)  b: (F)  y: (N, OH, OW, F). Overwrites y.
pub fn conv2d_forward<T: Kernels>(y: &mut [T], x: &[T], k: &[T], b: &[T], d: &Conv2dDims) -> Result<()> {
    check_forward("conv2d", y, x, k, b, d)?;
    T::conv2d_forward_fast(y, x, k, b, d)
}
// ANCHOR_END: conv2d_dispatch

/// Backward of [`conv2d_forward`]. ACCUMULATES dx (when given), dk and db.
/// dx: (N, H, W, C)  dk: (KH, KW, C, F)  db: (F)  dy: (N, OH, OW, F).
#[allow(clippy::too_many_arguments)]
pub fn conv2d_backward<T: Kernels>(
    dx: Option<&mut [T]>,
    dk: &mut [T],
    db: &mut [T],
    x: &[T],
    k: &[T],
    dy: &[T],
    d: &Conv2dDims,
) -> Result<()> {
    check_backward("conv2d_backward", dx.as_deref(), dk, db, x, k, dy, d)?;
    T::conv2d_backward_fast(dx, dk, db, x, k, dy, d)
}

/// [`conv2d_forward`] in f32 on a chosen rung and ISA (tests and benches
/// walk them all). `V0Naive` ignores the ISA.
pub fn conv2d_forward_on(
    rung: Rung,
    isa: Isa,
    y: &mut [f32],
    x: &[f32],
    k: &[f32],
    b: &[f32],
    d: &Conv2dDims,
) -> Result<()> {
    check_forward("conv2d", y, x, k, b, d)?;
    let token = isa.token("conv2d")?;
    match rung {
        Rung::V0Naive => {
            naive::conv2d_forward(y, x, k, b, d);
            Ok(())
        }
        Rung::V1Im2colGemm => im2col::conv2d_forward(|c, al, a, bm, be| gemm_on(isa, c, al, a, bm, be), y, x, k, b, d),
        Rung::V2Direct => direct(token, y, x, k, b, d),
    }
}

/// [`conv2d_backward`] in f32 on a chosen rung and ISA. `V2Direct` runs
/// the direct dk and dx kernels.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_backward_on(
    rung: Rung,
    isa: Isa,
    dx: Option<&mut [f32]>,
    dk: &mut [f32],
    db: &mut [f32],
    x: &[f32],
    k: &[f32],
    dy: &[f32],
    d: &Conv2dDims,
) -> Result<()> {
    check_backward("conv2d_backward", dx.as_deref(), dk, db, x, k, dy, d)?;
    isa.token("conv2d_backward")?;
    match rung {
        Rung::V0Naive => {
            match dx {
                Some(dx) => naive::conv2d_backward(dx, dk, db, x, k, dy, d),
                None => naive::conv2d_backward(&mut vec![0.0; d.x_len()], dk, db, x, k, dy, d),
            }
            Ok(())
        }
        Rung::V1Im2colGemm => {
            im2col::conv2d_backward(|c, al, a, bm, be| gemm_on(isa, c, al, a, bm, be), dx, dk, db, x, k, dy, d)
        }
        Rung::V2Direct => direct_backward(isa, dx, dk, db, x, k, dy, d),
    }
}

/// The v2 path: pad x (for "same") and the filters (to whole register
/// pairs), then run the direct kernel of the token's ISA. Scalar falls back
/// to the oracle.
fn direct(token: Token, y: &mut [f32], x: &[f32], k: &[f32], b: &[f32], d: &Conv2dDims) -> Result<()> {
    let lanes = match token {
        Token::Scalar => {
            naive::conv2d_forward(y, x, k, b, d);
            return Ok(());
        }
        #[allow(unreachable_patterns)]
        _ => token_lanes(token),
    };
    let fp = d.f.next_multiple_of(2 * lanes);
    let (kp_buf, bp_buf);
    let (kp, bp): (&[f32], &[f32]) = if fp == d.f {
        (k, b)
    } else {
        let mut kp = vec![0.0f32; d.kh * d.kw * d.c * fp];
        for (dst, src) in kp.chunks_exact_mut(fp).zip(k.chunks_exact(d.f)) {
            dst[..d.f].copy_from_slice(src);
        }
        let mut bp = vec![0.0f32; fp];
        bp[..d.f].copy_from_slice(b);
        (kp_buf, bp_buf) = (kp, bp);
        (&kp_buf, &bp_buf)
    };
    let (xp, dp) = pad_input(x, d);
    let x = xp.as_deref().unwrap_or(x);
    match token {
        #[cfg(target_arch = "x86_64")]
        Token::Avx2Fma(t) => avx2_fma::conv2d_direct(t, y, x, kp, bp, fp, &dp),
        #[cfg(target_arch = "x86_64")]
        Token::Avx512(t) => avx512::conv2d_direct(t, y, x, kp, bp, fp, &dp),
        #[cfg(target_arch = "aarch64")]
        Token::Neon(t) => neon::conv2d_direct(t, y, x, kp, bp, fp, &dp),
        Token::Scalar => unreachable!("handled above"),
    }
    Ok(())
}

fn token_lanes(token: Token) -> usize {
    match token {
        Token::Scalar => 1,
        #[cfg(target_arch = "x86_64")]
        Token::Avx2Fma(_) => 8,
        #[cfg(target_arch = "x86_64")]
        Token::Avx512(_) => 16,
        #[cfg(target_arch = "aarch64")]
        Token::Neon(_) => 4,
    }
}

/// For padded dims, a zero-padded copy of x and the dims of a "valid"
/// convolution over it (same output size). None when no padding is needed.
fn pad_input(x: &[f32], d: &Conv2dDims) -> (Option<Vec<f32>>, Conv2dDims) {
    let hp = ((d.oh - 1) * d.sh + d.kh).max(d.h + d.pad_top);
    let wp = ((d.ow - 1) * d.sw + d.kw).max(d.w + d.pad_left);
    if d.pad_top == 0 && d.pad_left == 0 && hp == d.h && wp == d.w {
        return (None, *d);
    }
    let mut xp = vec![0.0f32; d.n * hp * wp * d.c];
    for n in 0..d.n {
        for r in 0..d.h {
            let src = ((n * d.h + r) * d.w) * d.c;
            let dst = ((n * hp + r + d.pad_top) * wp + d.pad_left) * d.c;
            xp[dst..dst + d.w * d.c].copy_from_slice(&x[src..src + d.w * d.c]);
        }
    }
    (Some(xp), Conv2dDims { h: hp, w: wp, pad_top: 0, pad_left: 0, ..*d })
}

/// Chapter 0's GEMM on a given ISA, as a [`im2col::GemmFn`].
fn gemm_fn(isa: Isa) -> impl im2col::GemmFn<f32> + Copy {
    move |c: MatMut<'_, f32>, alpha: f32, a: MatRef<'_, f32>, b: MatRef<'_, f32>, beta: f32| {
        gemm_on(isa, c, alpha, a, b, beta)
    }
}

/// The v2 backward: dk by the direct dk kernel, db by a column sum, dx by
/// the direct scatter kernel (the rotated-kernel identity, without its
/// zero padding).
#[allow(clippy::too_many_arguments)]
fn direct_backward(
    isa: Isa,
    dx: Option<&mut [f32]>,
    dk: &mut [f32],
    db: &mut [f32],
    x: &[f32],
    k: &[f32],
    dy: &[f32],
    d: &Conv2dDims,
) -> Result<()> {
    let token = isa.token("conv2d_backward")?;
    let gemm = gemm_fn(isa);
    if isa == Isa::Scalar {
        return im2col::conv2d_backward(gemm, dx, dk, db, x, k, dy, d);
    }
    let fp = d.f.next_multiple_of(2 * token_lanes(token));
    // forward: y[m, f] = b[f] + Σ_r cols[m, r]·k[r, f]
    // ⇒ dk[r, f] += Σ_m cols[m, r]·dy[m, f], computed directly from x.
    let (xp, dp) = pad_input(x, d);
    let xs = xp.as_deref().unwrap_or(x);
    // When F is already a whole number of register pairs, dy and dk are
    // used in place (the seed CNN's F = 32 and 64); otherwise padded copies.
    let dyp_buf;
    let dyp: &[f32] = if fp == d.f {
        dy
    } else {
        let mut buf = vec![0.0f32; d.m() * fp];
        for (dst, src) in buf.chunks_exact_mut(fp).zip(dy.chunks_exact(d.f)) {
            dst[..d.f].copy_from_slice(src);
        }
        dyp_buf = buf;
        &dyp_buf
    };
    let mut dkp_buf = if fp == d.f { Vec::new() } else { vec![0.0f32; d.k() * fp] };
    let dkp: &mut [f32] = if fp == d.f { dk } else { &mut dkp_buf };
    match token {
        #[cfg(target_arch = "x86_64")]
        Token::Avx2Fma(t) => avx2_fma::conv2d_direct_dk(t, dkp, xs, dyp, fp, &dp),
        #[cfg(target_arch = "x86_64")]
        Token::Avx512(t) => avx512::conv2d_direct_dk(t, dkp, xs, dyp, fp, &dp),
        #[cfg(target_arch = "aarch64")]
        Token::Neon(t) => neon::conv2d_direct_dk(t, dkp, xs, dyp, fp, &dp),
        Token::Scalar => unreachable!("handled above"),
    }
    if fp != d.f {
        for (dst, src) in dk.chunks_exact_mut(d.f).zip(dkp_buf.chunks_exact(fp)) {
            for (a, &g) in dst.iter_mut().zip(src) {
                *a += g;
            }
        }
    }
    // ⇒ db[f] += Σ_m dy[m, f]
    for row in dy.chunks_exact(d.f) {
        for (a, &g) in db.iter_mut().zip(row) {
            *a += g;
        }
    }
    let Some(dx) = dx else { return Ok(()) };
    // ⇒ dx[window of m, tap t] += k[t]·dy[m] for every output pixel m: the
    //   scatter form of "dx = full correlation of dy with rot180(k)".
    let cp = d.c.next_multiple_of(2 * token_lanes(token));
    let taps = d.kh * d.kw;
    let mut kt = vec![0.0f32; taps * d.f * cp];
    for t in 0..taps {
        for c in 0..d.c {
            for f in 0..d.f {
                kt[(t * d.f + f) * cp + c] = k[(t * d.c + c) * d.f + f];
            }
        }
    }
    let padded = xp.is_some();
    let mut dxp_buf = if padded { vec![0.0f32; dp.x_len()] } else { Vec::new() };
    let dxp: &mut [f32] = if padded { &mut dxp_buf } else { dx };
    match token {
        #[cfg(target_arch = "x86_64")]
        Token::Avx2Fma(t) => avx2_fma::conv2d_direct_dx(t, dxp, dy, &kt, cp, &dp),
        #[cfg(target_arch = "x86_64")]
        Token::Avx512(t) => avx512::conv2d_direct_dx(t, dxp, dy, &kt, cp, &dp),
        #[cfg(target_arch = "aarch64")]
        Token::Neon(t) => neon::conv2d_direct_dx(t, dxp, dy, &kt, cp, &dp),
        Token::Scalar => unreachable!("handled above"),
    }
    if padded {
        // Only the interior of the padded dx belongs to x.
        for n in 0..d.n {
            for r in 0..d.h {
                let src = ((n * dp.h + r + d.pad_top) * dp.w + d.pad_left) * d.c;
                let dst = ((n * d.h + r) * d.w) * d.c;
                for (a, &g) in dx[dst..dst + d.w * d.c].iter_mut().zip(&dxp_buf[src..src + d.w * d.c]) {
                    *a += g;
                }
            }
        }
    }
    Ok(())
}

// ANCHOR: rotate_180
/// The kernel rotated by 180° with its channel axes swapped:
/// `r[i, j, f, c] = k[KH−1−i, KW−1−j, c, f]`. k: (KH, KW, C, F) → r: (KH, KW, F, C).
/// Correlating dy with `r` (full padding) gives dx: the identity the book derives.
pub fn rotate_180<T: Copy>(k: &[T], kh: usize, kw: usize, c: usize, f: usize) -> Vec<T> {
    let mut r = Vec::with_capacity(k.len());
    for i in 0..kh {
        for j in 0..kw {
            for fo in 0..f {
                for ci in 0..c {
                    r.push(k[(((kh - 1 - i) * kw + (kw - 1 - j)) * c + ci) * f + fo]);
                }
            }
        }
    }
    r
}
// ANCHOR_END: rotate_180
