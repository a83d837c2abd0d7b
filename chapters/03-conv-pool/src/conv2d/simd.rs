//! v2: a direct convolution kernel for few input channels, written once over
//! the [`Simd`] vocabulary.
//!
//! With C = 1 (the first layer of the seed's CNN) im2col builds a matrix
//! with K = KH·KW = 9 columns: a GEMM with an inner dimension of 9 spends
//! its time loading and storing C, not multiplying. The direct kernel keeps
//! a tile of the output in registers instead:
//!
//! ```text
//!   P = 4 output pixels (ox .. ox+3) × 2 registers of filters (f0 .. f0+2·LANES)
//!   for each tap (i, j, c):
//!       w0, w1 = k[i, j, c, f0 ..]            2 loads, shared by the 4 pixels
//!       for p in 0..4:
//!           xv = splat(x[n, oy·SH+i, (ox+p)·SW+j, c])   1 broadcast
//!           acc[p][0] += xv·w0;  acc[p][1] += xv·w1     2 FMAs
//! ```
//!
//! 8 independent accumulators hide the FMA latency; 8 FMAs cost 2 + 4 loads.
//! The kernel works on an input that needs no padding (the dispatcher pads
//! a copy for "same") and a kernel whose F is padded with zeros to a whole
//! number of register pairs `FP` (so its loads never need a tail), but it
//! stores exactly F outputs per pixel.

use foundations::simd::Simd;

use super::Conv2dDims;

/// Output pixels per register tile.
pub(crate) const P: usize = 4;

/// One tile: `NP` (≤ P) output pixels starting at `ox`, filters f0..f0+2·LANES.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn tile<S: Simd, const NP: usize>(
    s: S,
    y: &mut [f32],
    x: &[f32],
    kp: &[f32],
    bp: &[f32],
    fp: usize,
    d: &Conv2dDims,
    n: usize,
    oy: usize,
    ox: usize,
    f0: usize,
) {
    let l = S::LANES;
    let c = d.c;
    let (b0, b1) = (s.load(&bp[f0..]), s.load(&bp[f0 + l..]));
    let mut acc = [[b0, b1]; NP];
    for i in 0..d.kh {
        let row = ((n * d.h + oy * d.sh + i) * d.w) * c;
        for j in 0..d.kw {
            let w_tap = &kp[(i * d.kw + j) * c * fp..][..c * fp];
            let px: [&[f32]; NP] = std::array::from_fn(|p| &x[row + ((ox + p) * d.sw + j) * c..][..c]);
            for ci in 0..c {
                let w0 = s.load(&w_tap[ci * fp + f0..]);
                let w1 = s.load(&w_tap[ci * fp + f0 + l..]);
                for p in 0..NP {
                    let xv = s.splat(px[p][ci]);
                    acc[p][0] = s.fma(xv, w0, acc[p][0]);
                    acc[p][1] = s.fma(xv, w1, acc[p][1]);
                }
            }
        }
    }
    let fw = (d.f - f0).min(2 * l);
    for (p, a) in acc.iter().enumerate() {
        let out = &mut y[((n * d.oh + oy) * d.ow + ox + p) * d.f + f0..][..fw];
        if fw == 2 * l {
            s.store(&mut out[..l], a[0]);
            s.store(&mut out[l..], a[1]);
        } else if fw > l {
            s.store(&mut out[..l], a[0]);
            s.store_partial(&mut out[l..], a[1]);
        } else if fw == l {
            s.store(out, a[0]);
        } else {
            s.store_partial(out, a[0]);
        }
    }
}

// ANCHOR: conv2d_direct
/// y = conv2d(x, k) + b, direct. x: (N, H, W, C) already padded (d has no
/// padding)  kp: (KH, KW, C, FP) zero-padded filters  bp: (FP)  y: (N, OH, OW, F).
/// `FP` is F rounded up to a multiple of 2·LANES. Overwrites y.
#[inline(always)]
pub(crate) fn conv2d_direct<S: Simd>(
    s: S,
    y: &mut [f32],
    x: &[f32],
    kp: &[f32],
    bp: &[f32],
    fp: usize,
    d: &Conv2dDims,
) {
    let l = S::LANES;
    for n in 0..d.n {
        for oy in 0..d.oh {
            for f0 in (0..d.f).step_by(2 * l) {
                let mut ox = 0;
                while ox + P <= d.ow {
                    tile::<S, P>(s, y, x, kp, bp, fp, d, n, oy, ox, f0);
                    ox += P;
                }
                while ox < d.ow {
                    tile::<S, 1>(s, y, x, kp, bp, fp, d, n, oy, ox, f0);
                    ox += 1;
                }
            }
        }
    }
}
// ANCHOR_END: conv2d_direct

/// Output pixels per block of the dk kernel: the block's dy rows
/// (MB·FP floats, 32 KiB for FP = 64) stay in L1/L2 while every tile of dk
/// walks them.
pub(crate) const MB: usize = 128;

/// Rows of dk (taps (i, j, c)) per register tile of the dk kernel.
pub(crate) const R: usize = 4;

/// One dk tile: rows r0 .. r0+NR of dk (as a (KH·KW·C) × FP matrix),
/// filters f0 .. f0+2·LANES, accumulated over the block's output pixels.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dk_tile<S: Simd, const NR: usize>(
    s: S,
    dkp: &mut [f32],
    x: &[f32],
    dyp: &[f32],
    fp: usize,
    xoff: &[usize],
    roff: &[usize],
    m0: usize,
    r0: usize,
    f0: usize,
) {
    let l = S::LANES;
    let mut acc: [[S::V; 2]; NR] =
        std::array::from_fn(|q| [s.load(&dkp[(r0 + q) * fp + f0..]), s.load(&dkp[(r0 + q) * fp + f0 + l..])]);
    let ro: [usize; NR] = std::array::from_fn(|q| roff[r0 + q]);
    for (mi, &base) in xoff.iter().enumerate() {
        let g = &dyp[(m0 + mi) * fp + f0..][..2 * l];
        let (g0, g1) = (s.load(g), s.load(&g[l..]));
        for q in 0..NR {
            let xv = s.splat(x[base + ro[q]]);
            acc[q][0] = s.fma(xv, g0, acc[q][0]);
            acc[q][1] = s.fma(xv, g1, acc[q][1]);
        }
    }
    for (q, a) in acc.iter().enumerate() {
        s.store(&mut dkp[(r0 + q) * fp + f0..], a[0]);
        s.store(&mut dkp[(r0 + q) * fp + f0 + l..], a[1]);
    }
}

// ANCHOR: conv2d_direct_dk
/// dk += Σ_{n,oy,ox} x[n, oy·SH+i, ox·SW+j, c] · dy[n,oy,ox,f], direct.
/// x: (N, H, W, C) already padded (d has no padding)  dyp: (N·OH·OW, FP)
/// zero-padded filters  dkp: (KH·KW·C, FP), ACCUMULATED.
///
/// Each dk row r = (i, j, c) reads x at a fixed offset `roff[r]` from the
/// output pixel's window corner `xoff[m]`, so a tile of R rows × 2 registers
/// of filters stays in registers while the block's pixels stream by:
/// 2 loads of dy and R broadcasts of x feed 2·R FMAs.
#[inline(always)]
pub(crate) fn conv2d_direct_dk<S: Simd>(s: S, dkp: &mut [f32], x: &[f32], dyp: &[f32], fp: usize, d: &Conv2dDims) {
    let l = S::LANES;
    let rows = d.kh * d.kw * d.c;
    let roff: Vec<usize> = (0..rows)
        .map(|r| {
            let (tap, c) = (r / d.c, r % d.c);
            ((tap / d.kw) * d.w + tap % d.kw) * d.c + c
        })
        .collect();
    let m_total = d.n * d.oh * d.ow;
    let mut xoff = Vec::with_capacity(MB);
    for m0 in (0..m_total).step_by(MB) {
        let m1 = (m0 + MB).min(m_total);
        xoff.clear();
        xoff.extend((m0..m1).map(|m| {
            let (ox, oy, n) = (m % d.ow, (m / d.ow) % d.oh, m / (d.ow * d.oh));
            ((n * d.h + oy * d.sh) * d.w + ox * d.sw) * d.c
        }));
        for f0 in (0..fp).step_by(2 * l) {
            let mut r0 = 0;
            while r0 + R <= rows {
                dk_tile::<S, R>(s, dkp, x, dyp, fp, &xoff, &roff, m0, r0, f0);
                r0 += R;
            }
            while r0 < rows {
                dk_tile::<S, 1>(s, dkp, x, dyp, fp, &xoff, &roff, m0, r0, f0);
                r0 += 1;
            }
        }
    }
}
// ANCHOR_END: conv2d_direct_dk
