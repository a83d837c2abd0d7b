//! v0, the oracles: pooling as the formulas read.

use foundations::Real;

use super::PoolDims;

/// Flat index of x[n, r, q, c].
#[inline(always)]
fn xi(d: &PoolDims, n: usize, r: usize, q: usize, c: usize) -> usize {
    ((n * d.h + r) * d.w + q) * d.c + c
}

/// The arg-max of one window: the FIRST maximal element in scan order
/// (i, then j), a NaN counting as larger than everything. Returns its flat index.
#[inline(always)]
pub fn argmax<T: Real>(x: &[T], d: &PoolDims, n: usize, oy: usize, ox: usize, c: usize) -> usize {
    let mut best = xi(d, n, oy * d.sh, ox * d.sw, c);
    for i in 0..d.ph {
        for j in 0..d.pw {
            let at = xi(d, n, oy * d.sh + i, ox * d.sw + j, c);
            if x[best].is_nan() {
                return best;
            }
            if x[at] > x[best] || x[at].is_nan() {
                best = at;
            }
        }
    }
    best
}

// ANCHOR: max_pool_naive
/// `y[n,oy,ox,c] = max_{i<PH, j<PW} x[n, oy·SH + i, ox·SW + j, c]`.
/// x: (N, H, W, C)  y: (N, OH, OW, C). Overwrites y.
pub fn max_pool2d_forward<T: Real>(y: &mut [T], x: &[T], d: &PoolDims) {
    for n in 0..d.n {
        for oy in 0..d.oh {
            for ox in 0..d.ow {
                for c in 0..d.c {
                    y[((n * d.oh + oy) * d.ow + ox) * d.c + c] = x[argmax(x, d, n, oy, ox, c)];
                }
            }
        }
    }
}

/// Max pooling backward: each dy goes to the window's arg-max (first
/// maximum in scan order), nothing to the others. ACCUMULATES into dx.
/// dx, x: (N, H, W, C)  dy: (N, OH, OW, C).
pub fn max_pool2d_backward<T: Real>(dx: &mut [T], x: &[T], dy: &[T], d: &PoolDims) {
    for n in 0..d.n {
        for oy in 0..d.oh {
            for ox in 0..d.ow {
                for c in 0..d.c {
                    // forward: y = x[argmax]  ⇒  ∂y/∂x[argmax] = 1, 0 elsewhere
                    dx[argmax(x, d, n, oy, ox, c)] += dy[((n * d.oh + oy) * d.ow + ox) * d.c + c];
                }
            }
        }
    }
}
// ANCHOR_END: max_pool_naive

// ANCHOR: avg_pool_naive
/// `y[n,oy,ox,c] = (1 / (PH·PW)) Σ_{i<PH, j<PW} x[n, oy·SH + i, ox·SW + j, c]`.
/// x: (N, H, W, C)  y: (N, OH, OW, C). Overwrites y.
pub fn avg_pool2d_forward<T: Real>(y: &mut [T], x: &[T], d: &PoolDims) {
    let inv = T::one() / T::c((d.ph * d.pw) as f64);
    for n in 0..d.n {
        for oy in 0..d.oh {
            for ox in 0..d.ow {
                for c in 0..d.c {
                    let mut acc = T::zero();
                    for i in 0..d.ph {
                        for j in 0..d.pw {
                            acc += x[xi(d, n, oy * d.sh + i, ox * d.sw + j, c)];
                        }
                    }
                    y[((n * d.oh + oy) * d.ow + ox) * d.c + c] = acc * inv;
                }
            }
        }
    }
}

/// Average pooling backward: every x of the window gets dy / (PH·PW).
/// ACCUMULATES into dx.  dx: (N, H, W, C)  dy: (N, OH, OW, C).
pub fn avg_pool2d_backward<T: Real>(dx: &mut [T], dy: &[T], d: &PoolDims) {
    let inv = T::one() / T::c((d.ph * d.pw) as f64);
    for n in 0..d.n {
        for oy in 0..d.oh {
            for ox in 0..d.ow {
                for c in 0..d.c {
                    // forward: y = inv · Σ x  ⇒  ∂y/∂x = inv for each x of the window
                    let g = dy[((n * d.oh + oy) * d.ow + ox) * d.c + c] * inv;
                    for i in 0..d.ph {
                        for j in 0..d.pw {
                            dx[xi(d, n, oy * d.sh + i, ox * d.sw + j, c)] += g;
                        }
                    }
                }
            }
        }
    }
}
// ANCHOR_END: avg_pool_naive
