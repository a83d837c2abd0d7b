//! v0, the oracle: the seed's formula as seven nested loops.
//!
//! The seed writes y(x, y) = Σ_{x'} Σ_{y'} x(x' + x, y' + y)·k(x', y') for one
//! channel. With a batch, C input channels, F output channels, a stride and
//! padding, the output pixel (oy, ox) of filter f in image n is
//!
//! ```text
//! y[n,oy,ox,f] = b[f] + Σ_i Σ_j Σ_c x[n, oy·SH + i − PT, ox·SW + j − PL, c] · k[i,j,c,f]
//! ```
//!
//! where an x index outside the image reads 0 (the padding). No flip of the
//! kernel: this is a cross-correlation, which is what every framework calls
//! convolution.

use foundations::Real;

use super::Conv2dDims;

/// x[n, r, q, c] with zero outside the image (r, q may be "negative": they
/// arrive as `isize`).
#[inline(always)]
fn x_at(d: &Conv2dDims, n: usize, r: isize, q: isize, c: usize) -> Option<usize> {
    if r < 0 || q < 0 || r as usize >= d.h || q as usize >= d.w {
        return None;
    }
    Some(((n * d.h + r as usize) * d.w + q as usize) * d.c + c)
}

// ANCHOR: conv2d_naive
/// y = conv2d(x, k) + b.  x: (N, H, W, C)  k: (KH, KW, C, F)  b: (F)  y: (N, OH, OW, F).
/// Overwrites y. Lengths are checked by the dispatcher.
pub fn conv2d_forward<T: Real>(y: &mut [T], x: &[T], k: &[T], b: &[T], d: &Conv2dDims) {
    for n in 0..d.n {
        for oy in 0..d.oh {
            for ox in 0..d.ow {
                for f in 0..d.f {
                    let mut acc = b[f];
                    for i in 0..d.kh {
                        for j in 0..d.kw {
                            for c in 0..d.c {
                                let r = (oy * d.sh + i) as isize - d.pad_top as isize;
                                let q = (ox * d.sw + j) as isize - d.pad_left as isize;
                                if let Some(xi) = x_at(d, n, r, q, c) {
                                    acc += x[xi] * k[((i * d.kw + j) * d.c + c) * d.f + f];
                                }
                            }
                        }
                    }
                    y[((n * d.oh + oy) * d.ow + ox) * d.f + f] = acc;
                }
            }
        }
    }
}
// ANCHOR_END: conv2d_naive

// ANCHOR: conv2d_naive_backward
/// The gradients of L through y = conv2d(x, k) + b, given dy = ∂L/∂y.
/// ACCUMULATES: dx += ∂L/∂x, dk += ∂L/∂k, db += ∂L/∂b.
/// dx: (N, H, W, C)  dk: (KH, KW, C, F)  db: (F)  dy: (N, OH, OW, F).
#[allow(clippy::too_many_arguments)]
pub fn conv2d_backward<T: Real>(dx: &mut [T], dk: &mut [T], db: &mut [T], x: &[T], k: &[T], dy: &[T], d: &Conv2dDims) {
    for n in 0..d.n {
        for oy in 0..d.oh {
            for ox in 0..d.ow {
                for f in 0..d.f {
                    let g = dy[((n * d.oh + oy) * d.ow + ox) * d.f + f];
                    // forward: acc = b[f] + ... so ∂y/∂b[f] = 1
                    db[f] += g;
                    for i in 0..d.kh {
                        for j in 0..d.kw {
                            for c in 0..d.c {
                                let r = (oy * d.sh + i) as isize - d.pad_top as isize;
                                let q = (ox * d.sw + j) as isize - d.pad_left as isize;
                                if let Some(xi) = x_at(d, n, r, q, c) {
                                    let ki = ((i * d.kw + j) * d.c + c) * d.f + f;
                                    // forward: acc += x[xi] * k[ki]
                                    dk[ki] += g * x[xi];
                                    dx[xi] += g * k[ki];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
// ANCHOR_END: conv2d_naive_backward
