//! The oracle: each vector kernel as the one-line formula it is, in a plain
//! loop. Generic over f32 and f64. No unrolling, no intrinsics: every SIMD
//! kernel is tested against these.

use crate::Real;

// ANCHOR: dot_naive
/// x · y = Σᵢ xᵢ·yᵢ. x, y: (n)
pub fn dot<T: Real>(x: &[T], y: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..x.len() {
        s += x[i] * y[i];
    }
    s
}
// ANCHOR_END: dot_naive

/// y ← α·x + y. y, x: (n)
pub fn axpy<T: Real>(y: &mut [T], alpha: T, x: &[T]) {
    for i in 0..y.len() {
        y[i] += alpha * x[i];
    }
}

/// x ← α·x. x: (n)
pub fn scale<T: Real>(x: &mut [T], alpha: T) {
    for xi in x.iter_mut() {
        *xi = alpha * *xi;
    }
}

/// Σᵢ xᵢ. x: (n); 0 when empty.
pub fn sum<T: Real>(x: &[T]) -> T {
    let mut s = T::zero();
    for &xi in x {
        s += xi;
    }
    s
}

/// maxᵢ xᵢ. x: (n); −∞ when empty, NaN when any element is NaN.
pub fn max<T: Real>(x: &[T]) -> T {
    let mut m = T::neg_infinity();
    for &xi in x {
        if xi.is_nan() {
            return xi;
        }
        if xi > m {
            m = xi;
        }
    }
    m
}

/// outᵢ = xᵢ + yᵢ. out, x, y: (n)
pub fn add<T: Real>(out: &mut [T], x: &[T], y: &[T]) {
    for i in 0..out.len() {
        out[i] = x[i] + y[i];
    }
}

/// outᵢ = xᵢ · yᵢ. out, x, y: (n)
pub fn mul<T: Real>(out: &mut [T], x: &[T], y: &[T]) {
    for i in 0..out.len() {
        out[i] = x[i] * y[i];
    }
}
