//! v2: a direct convolution kernel for few input channels, written once over
//! the [`Simd`] vocabulary.
//!
//! With C = 1 (the first layer of the seed's CNN) im2col builds a matrix
//! with K = KH·KW = 9 columns: a GEMM with an inner dimension of 9 spends
//! its time loading and storing C, not multiplying. The direct kernel keeps
//! a tile of the output in registers instead:
//!
//! ```text
//!   P output pixels (m .. m+P, any rows) × 2 registers of filters (f0 .. f0+2·LANES)
//!   for each tap (i, j, c):
//!       w0, w1 = k[i, j, c, f0 ..]            2 loads, shared by the P pixels
//!       for p in 0..P:
//!           xv = splat(x[window of pixel m+p, tap (i, j), c])   1 broadcast
//!           acc[p][0] += xv·w0;  acc[p][1] += xv·w1             2 FMAs
//! ```
//!
//! 2·P independent accumulators hide the FMA latency (P = 4 on AVX2 and
//! NEON, 8 on AVX-512's 32 registers); 2·P FMAs cost 2 + P loads. The
//! pixels of a tile are consecutive in the flattened (n, oy, ox) order, so
//! a 3×3 output (the seed's third layer) still fills whole tiles.
//! The kernel works on an input that needs no padding (the dispatcher pads
//! a copy for "same") and a kernel whose F is padded with zeros to a whole
//! number of register pairs `FP` (so its loads never need a tail), but it
//! stores exactly F outputs per pixel.

use foundations::simd::Simd;

use super::Conv2dDims;

// ANCHOR: direct_tile
/// One tile: `NP` output pixels m0 .. m0+NP (flattened over n, oy, ox, so
/// a tile may span rows and images), filters f0 .. f0+2·LANES.
/// `xb[p]`: where pixel p's window starts in x; `toff[t]`: where tap
/// t = (i, j) sits inside a window.
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
    xb: &[usize],
    toff: &[usize],
    m0: usize,
    f0: usize,
) {
    let l = S::LANES;
    let c = d.c;
    let (b0, b1) = (s.load(&bp[f0..]), s.load(&bp[f0 + l..]));
    let mut acc = [[b0, b1]; NP];
    for (t, &to) in toff.iter().enumerate() {
        let w_tap = &kp[t * c * fp..][..c * fp];
        let px: [&[f32]; NP] = std::array::from_fn(|p| &x[xb[p] + to..][..c]);
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
    let fw = (d.f - f0).min(2 * l);
    for (p, a) in acc.iter().enumerate() {
        let out = &mut y[(m0 + p) * d.f + f0..][..fw];
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

// ANCHOR_END: direct_tile

/// Where the windows of output pixels m = 0, 1, 2, ... start in x (no
/// padding): ((n·H + oy·SH)·W + ox·SW)·C, walked without divisions
/// (three integer divisions per pixel cost as much as a first layer's FMAs).
struct Windows<'a> {
    d: &'a Conv2dDims,
    ox: usize,
    oy: usize,
    n: usize,
}

impl<'a> Windows<'a> {
    fn new(d: &'a Conv2dDims) -> Self {
        Windows { d, ox: 0, oy: 0, n: 0 }
    }

    /// The current pixel's window start; then steps to the next pixel.
    #[inline(always)]
    fn next_start(&mut self) -> usize {
        let d = self.d;
        let at = ((self.n * d.h + self.oy * d.sh) * d.w + self.ox * d.sw) * d.c;
        self.ox += 1;
        if self.ox == d.ow {
            self.ox = 0;
            self.oy += 1;
            if self.oy == d.oh {
                self.oy = 0;
                self.n += 1;
            }
        }
        at
    }
}

/// The direct forward with tiles of P pixels.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn direct_p<S: Simd, const P: usize>(
    s: S,
    y: &mut [f32],
    x: &[f32],
    kp: &[f32],
    bp: &[f32],
    fp: usize,
    d: &Conv2dDims,
) {
    let l = S::LANES;
    let toff: Vec<usize> = (0..d.kh * d.kw).map(|t| ((t / d.kw) * d.w + t % d.kw) * d.c).collect();
    let m_total = d.n * d.oh * d.ow;
    let mut walk = Windows::new(d);
    let mut m0 = 0;
    while m0 + P <= m_total {
        let xb: [usize; P] = std::array::from_fn(|_| walk.next_start());
        for f0 in (0..d.f).step_by(2 * l) {
            tile::<S, P>(s, y, x, kp, bp, fp, d, &xb, &toff, m0, f0);
        }
        m0 += P;
    }
    for m in m0..m_total {
        let xb = [walk.next_start()];
        for f0 in (0..d.f).step_by(2 * l) {
            tile::<S, 1>(s, y, x, kp, bp, fp, d, &xb, &toff, m, f0);
        }
    }
}

// ANCHOR: conv2d_direct
/// y = conv2d(x, k) + b, direct. x: (N, H, W, C) already padded (d has no
/// padding)  kp: (KH, KW, C, FP) zero-padded filters  bp: (FP)  y: (N, OH, OW, F).
/// `FP` is F rounded up to a multiple of 2·LANES. Overwrites y.
/// Tiles of 8 pixels with 32 vector registers (AVX-512), 4 with 16 or fewer.
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
    if S::LANES >= 16 { direct_p::<S, 8>(s, y, x, kp, bp, fp, d) } else { direct_p::<S, 4>(s, y, x, kp, bp, fp, d) }
}
// ANCHOR_END: conv2d_direct

/// Output pixels per block of the dk kernel: the block's dy rows
/// (MB·FP floats, 32 KiB for FP = 64) stay in L1/L2 while every tile of dk
/// walks them.
pub(crate) const MB: usize = 128;

// ANCHOR: dk_tile
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
    let dys = dyp[m0 * fp..].chunks_exact(fp).zip(xoff);
    if (0..NR).all(|q| ro[q] == ro[0] + q) {
        // The NR rows are NR consecutive channels of one tap: their x values
        // are one contiguous run (one bounds check per pixel, not NR).
        for (g, &base) in dys {
            let (g0, g1) = (s.load(&g[f0..]), s.load(&g[f0 + l..]));
            let xs = &x[base + ro[0]..][..NR];
            for q in 0..NR {
                let xv = s.splat(xs[q]);
                acc[q][0] = s.fma(xv, g0, acc[q][0]);
                acc[q][1] = s.fma(xv, g1, acc[q][1]);
            }
        }
    } else {
        for (g, &base) in dys {
            let (g0, g1) = (s.load(&g[f0..]), s.load(&g[f0 + l..]));
            for q in 0..NR {
                let xv = s.splat(x[base + ro[q]]);
                acc[q][0] = s.fma(xv, g0, acc[q][0]);
                acc[q][1] = s.fma(xv, g1, acc[q][1]);
            }
        }
    }
    for (q, a) in acc.iter().enumerate() {
        s.store(&mut dkp[(r0 + q) * fp + f0..], a[0]);
        s.store(&mut dkp[(r0 + q) * fp + f0 + l..], a[1]);
    }
}

// ANCHOR_END: dk_tile

// ANCHOR: conv2d_direct_dk
/// dk += Σ_{n,oy,ox} x[n, oy·SH+i, ox·SW+j, c] · dy[n,oy,ox,f], direct.
/// x: (N, H, W, C) already padded (d has no padding)  dyp: (N·OH·OW, FP)
/// zero-padded filters  dkp: (KH·KW·C, FP), ACCUMULATED.
///
/// Each dk row r = (i, j, c) reads x at a fixed offset `roff[r]` from the
/// output pixel's window corner `xoff[m]`, so a tile of R rows × 2 registers
/// of filters stays in registers while the block's pixels stream by:
/// 2 loads of dy and R broadcasts of x feed 2·R FMAs (R = 8 on AVX-512, 4 else).
#[inline(always)]
pub(crate) fn conv2d_direct_dk<S: Simd>(s: S, dkp: &mut [f32], x: &[f32], dyp: &[f32], fp: usize, d: &Conv2dDims) {
    if S::LANES >= 16 { direct_dk_r::<S, 8>(s, dkp, x, dyp, fp, d) } else { direct_dk_r::<S, 4>(s, dkp, x, dyp, fp, d) }
}
// ANCHOR_END: conv2d_direct_dk

/// The dk kernel with tiles of R rows of dk.
#[inline(always)]
fn direct_dk_r<S: Simd, const R: usize>(s: S, dkp: &mut [f32], x: &[f32], dyp: &[f32], fp: usize, d: &Conv2dDims) {
    let l = S::LANES;
    let rows = d.kh * d.kw * d.c;
    let roff: Vec<usize> = (0..rows)
        .map(|r| {
            let (tap, c) = (r / d.c, r % d.c);
            ((tap / d.kw) * d.w + tap % d.kw) * d.c + c
        })
        .collect();
    let m_total = d.n * d.oh * d.ow;
    let mut walk = Windows::new(d);
    let mut xoff = Vec::with_capacity(MB);
    for m0 in (0..m_total).step_by(MB) {
        let m1 = (m0 + MB).min(m_total);
        xoff.clear();
        xoff.extend((m0..m1).map(|_| walk.next_start()));
        for f0 in (0..fp).step_by(2 * l) {
            let mut r0 = 0;
            // A 3×3 kernel on one channel has 9 rows: one tile of 9 (18
            // accumulators) fits AVX-512's 32 registers, and beats 8 + 1.
            if S::LANES >= 16 && rows == 9 {
                dk_tile::<S, 9>(s, dkp, x, dyp, fp, &xoff, &roff, m0, 0, f0);
                continue;
            }
            while r0 + R <= rows {
                dk_tile::<S, R>(s, dkp, x, dyp, fp, &xoff, &roff, m0, r0, f0);
                r0 += R;
            }
            // The remaining rows (fewer than R) in one tile, not row by row.
            let args = (&xoff[..], &roff[..], m0, r0, f0);
            match rows - r0 {
                0 => {}
                1 => dk_tile::<S, 1>(s, dkp, x, dyp, fp, args.0, args.1, args.2, args.3, args.4),
                2 => dk_tile::<S, 2>(s, dkp, x, dyp, fp, args.0, args.1, args.2, args.3, args.4),
                3 => dk_tile::<S, 3>(s, dkp, x, dyp, fp, args.0, args.1, args.2, args.3, args.4),
                4 => dk_tile::<S, 4>(s, dkp, x, dyp, fp, args.0, args.1, args.2, args.3, args.4),
                5 => dk_tile::<S, 5>(s, dkp, x, dyp, fp, args.0, args.1, args.2, args.3, args.4),
                6 => dk_tile::<S, 6>(s, dkp, x, dyp, fp, args.0, args.1, args.2, args.3, args.4),
                _ => {
                    // R = 8: 7 rows left.
                    dk_tile::<S, 4>(s, dkp, x, dyp, fp, args.0, args.1, args.2, args.3, args.4);
                    dk_tile::<S, 3>(s, dkp, x, dyp, fp, args.0, args.1, args.2, r0 + 4, args.4);
                }
            }
        }
    }
}

// ANCHOR: dx_tile
/// One dx tile: for `NP` output pixels (flattened m) and one tap t, the
/// channels c0 .. c0+2·LANES of Σ_f dy[m, f]·k[t, c, f], added into dx at
/// `xb[p]`, the tap's position in pixel p's window. `kt`: the tap's kernel
/// transposed, (F, CP) with CP = C padded to whole register pairs.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dx_tile<S: Simd, const NP: usize>(
    s: S,
    dxp: &mut [f32],
    dy: &[f32],
    kt: &[f32],
    cp: usize,
    d: &Conv2dDims,
    xb: &[usize],
    m0: usize,
    c0: usize,
) {
    let l = S::LANES;
    let mut acc = [[s.zero(); 2]; NP];
    let g: [&[f32]; NP] = std::array::from_fn(|p| &dy[(m0 + p) * d.f..][..d.f]);
    for (f, w) in kt.chunks_exact(cp).enumerate() {
        let (w0, w1) = (s.load(&w[c0..]), s.load(&w[c0 + l..]));
        for p in 0..NP {
            let gv = s.splat(g[p][f]);
            acc[p][0] = s.fma(gv, w0, acc[p][0]);
            acc[p][1] = s.fma(gv, w1, acc[p][1]);
        }
    }
    let cw = (d.c - c0).min(2 * l);
    for (p, a) in acc.iter().enumerate() {
        let out = &mut dxp[xb[p] + c0..][..cw];
        let (n0, n1) = (cw.min(l), cw.saturating_sub(l));
        let v0 = s.add(load_n(s, &out[..n0]), a[0]);
        store_n(s, &mut out[..n0], v0);
        if n1 > 0 {
            let v1 = s.add(load_n(s, &out[l..]), a[1]);
            store_n(s, &mut out[l..], v1);
        }
    }
}
// ANCHOR_END: dx_tile

/// `x.len()` (≤ LANES) floats; the missing lanes are 0.
#[inline(always)]
fn load_n<S: Simd>(s: S, x: &[f32]) -> S::V {
    if x.len() == S::LANES { s.load(x) } else { s.load_partial(x, 0.0) }
}

/// Stores the first `out.len()` (≤ LANES) lanes of `v`.
#[inline(always)]
fn store_n<S: Simd>(s: S, out: &mut [f32], v: S::V) {
    if out.len() == S::LANES { s.store(out, v) } else { s.store_partial(out, v) }
}

// ANCHOR: conv2d_direct_dx
/// dx += the gradient of conv2d with respect to x, as a scatter (the
/// "transposed convolution"): every output pixel m adds k[t]·dy[m] into
/// the input pixel its tap t read. Only useful FLOPs: no zero padding of dy
/// (the full-correlation form of the same identity multiplies by the
/// padding's zeros), any stride.
/// dxp: (N, H, W, C) padded (d has no padding), ACCUMULATED  dy: (N·OH·OW, F)
/// kt: (KH·KW, F, CP) the kernel with c and f swapped, C padded to CP.
#[inline(always)]
pub(crate) fn conv2d_direct_dx<S: Simd>(s: S, dxp: &mut [f32], dy: &[f32], kt: &[f32], cp: usize, d: &Conv2dDims) {
    if S::LANES >= 16 { direct_dx_p::<S, 8>(s, dxp, dy, kt, cp, d) } else { direct_dx_p::<S, 4>(s, dxp, dy, kt, cp, d) }
}
// ANCHOR_END: conv2d_direct_dx

/// The dx scatter with tiles of P pixels.
#[inline(always)]
fn direct_dx_p<S: Simd, const P: usize>(s: S, dxp: &mut [f32], dy: &[f32], kt: &[f32], cp: usize, d: &Conv2dDims) {
    let l = S::LANES;
    let taps = d.kh * d.kw;
    let toff: Vec<usize> = (0..taps).map(|t| ((t / d.kw) * d.w + t % d.kw) * d.c).collect();
    let m_total = d.n * d.oh * d.ow;
    let mut walk = Windows::new(d);
    let mut m0 = 0;
    while m0 + P <= m_total {
        let base: [usize; P] = std::array::from_fn(|_| walk.next_start());
        for (t, &to) in toff.iter().enumerate() {
            let xb: [usize; P] = std::array::from_fn(|p| base[p] + to);
            let kt_t = &kt[t * d.f * cp..][..d.f * cp];
            for c0 in (0..d.c).step_by(2 * l) {
                dx_tile::<S, P>(s, dxp, dy, kt_t, cp, d, &xb, m0, c0);
            }
        }
        m0 += P;
    }
    for m in m0..m_total {
        let base = walk.next_start();
        for (t, &to) in toff.iter().enumerate() {
            let kt_t = &kt[t * d.f * cp..][..d.f * cp];
            for c0 in (0..d.c).step_by(2 * l) {
                dx_tile::<S, 1>(s, dxp, dy, kt_t, cp, d, &[base + to], m, c0);
            }
        }
    }
}
