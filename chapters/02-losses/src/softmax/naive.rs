//! The oracles: each row-wise kernel as the formula, in plain loops over
//! `x[i*C + j]`, generic over f32 and f64. Exp is the standard library's.
//! This is rung `v0_naive`: three passes over a row (max, sum of exp, divide).

use foundations::Real;

// ANCHOR: softmax_naive
/// yᵢⱼ = e^(xᵢⱼ − mᵢ) / Σₖ e^(xᵢₖ − mᵢ), mᵢ = maxₖ xᵢₖ. out, x: (N, C)
pub fn softmax_rows<T: Real>(out: &mut [T], x: &[T], n: usize, c: usize) {
    for i in 0..n {
        let (xr, yr) = (&x[i * c..(i + 1) * c], &mut out[i * c..(i + 1) * c]);
        // Pass 1: the row maximum (subtracting it keeps every exponent ≤ 0).
        let mut m = T::neg_infinity();
        for &v in xr {
            if v > m {
                m = v;
            }
        }
        // Pass 2: the exponentials and their sum.
        let mut s = T::zero();
        for j in 0..c {
            yr[j] = (xr[j] - m).exp();
            s += yr[j];
        }
        // Pass 3: normalise.
        for y in yr.iter_mut() {
            *y /= s;
        }
    }
}
// ANCHOR_END: softmax_naive

/// The row statistics (m, s): m = maxⱼ xⱼ and s = Σⱼ e^(xⱼ − m), so that
/// log Σⱼ e^xⱼ = m + ln s. x: (C)
pub fn row_stats<T: Real>(xr: &[T]) -> (T, T) {
    let mut m = T::neg_infinity();
    for &v in xr {
        if v > m {
            m = v;
        }
    }
    let mut s = T::zero();
    for &v in xr {
        s += (v - m).exp();
    }
    (m, s)
}

// ANCHOR: log_sum_exp_naive
/// outᵢ = log Σⱼ e^xᵢⱼ = mᵢ + ln Σⱼ e^(xᵢⱼ − mᵢ). out: (N)  x: (N, C)
pub fn log_sum_exp_rows<T: Real>(out: &mut [T], x: &[T], n: usize, c: usize) {
    for i in 0..n {
        let (m, s) = row_stats(&x[i * c..(i + 1) * c]);
        out[i] = m + s.ln();
    }
}
// ANCHOR_END: log_sum_exp_naive

/// yᵢⱼ = xᵢⱼ − log Σₖ e^xᵢₖ. out, x: (N, C)
pub fn log_softmax_rows<T: Real>(out: &mut [T], x: &[T], n: usize, c: usize) {
    for i in 0..n {
        let (m, s) = row_stats(&x[i * c..(i + 1) * c]);
        let lse = m + s.ln();
        for j in 0..c {
            out[i * c + j] = x[i * c + j] - lse;
        }
    }
}

// ANCHOR: softmax_backward_naive
/// dx += Jᵀ·dy for y = softmax(x), row by row (ACCUMULATES into dx):
/// dxᵢⱼ += yᵢⱼ·(dyᵢⱼ − Σₖ yᵢₖ·dyᵢₖ). dx, y, dy: (N, C)
pub fn softmax_rows_backward<T: Real>(dx: &mut [T], y: &[T], dy: &[T], n: usize, c: usize) {
    for i in 0..n {
        let r = i * c..(i + 1) * c;
        let (yr, dyr, dxr) = (&y[r.clone()], &dy[r.clone()], &mut dx[r]);
        // forward: yⱼ = e^xⱼ / Σₖ e^xₖ, so ∂yₖ/∂xⱼ = yₖ(δₖⱼ − yⱼ).
        let mut dot = T::zero();
        for k in 0..c {
            dot += yr[k] * dyr[k];
        }
        for j in 0..c {
            dxr[j] += yr[j] * (dyr[j] - dot);
        }
    }
}
// ANCHOR_END: softmax_backward_naive

/// dx += Jᵀ·dy for y = log_softmax(x), given y (ACCUMULATES into dx):
/// dxᵢⱼ += dyᵢⱼ − e^yᵢⱼ·Σₖ dyᵢₖ. dx, y, dy: (N, C)
pub fn log_softmax_rows_backward<T: Real>(dx: &mut [T], y: &[T], dy: &[T], n: usize, c: usize) {
    for i in 0..n {
        let r = i * c..(i + 1) * c;
        // forward: yⱼ = xⱼ − log Σₖ e^xₖ, so ∂yₖ/∂xⱼ = δₖⱼ − softmax(x)ⱼ = δₖⱼ − e^yⱼ.
        let mut sum = T::zero();
        for k in r.clone() {
            sum += dy[k];
        }
        for j in r {
            dx[j] += dy[j] - y[j].exp() * sum;
        }
    }
}

// ANCHOR: softmax_xent_naive
/// Fused softmax + cross-entropy forward with integer labels: p = softmax(x)
/// and the per-row loss ℓᵢ = −log pᵢ,ₗᵢ = mᵢ + ln sᵢ − xᵢ,ₗᵢ (computed from
/// the logits, so it stays finite even where pᵢ,ₗᵢ underflows to 0).
/// p, x: (N, C)  loss, labels: (N); labels already checked to be < C.
pub fn softmax_xent_rows<T: Real>(p: &mut [T], loss: &mut [T], x: &[T], labels: &[usize], n: usize, c: usize) {
    for i in 0..n {
        let xr = &x[i * c..(i + 1) * c];
        let (m, s) = row_stats(xr);
        for j in 0..c {
            p[i * c + j] = (xr[j] - m).exp() / s;
        }
        loss[i] = m + s.ln() - xr[labels[i]];
    }
}
// ANCHOR_END: softmax_xent_naive
