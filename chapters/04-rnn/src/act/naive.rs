//! The oracle: tanh and the logistic sigmoid from the standard library, one
//! element at a time. Generic over f32 and f64.

use foundations::Real;

// ANCHOR: act_naive
/// σ(x) = 1 / (1 + e^(−x)), written so that e^(·) never overflows:
/// for x < 0 it uses the equal form e^x / (1 + e^x).
#[inline(always)]
pub fn sigmoid1<T: Real>(x: T) -> T {
    if x >= T::zero() {
        T::one() / (T::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::one() + e)
    }
}

/// outᵢ = tanh(xᵢ). out, x: (n)
pub fn tanh<T: Real>(out: &mut [T], x: &[T]) {
    for i in 0..out.len() {
        out[i] = x[i].tanh();
    }
}

/// outᵢ = σ(xᵢ). out, x: (n)
pub fn sigmoid<T: Real>(out: &mut [T], x: &[T]) {
    for i in 0..out.len() {
        out[i] = sigmoid1(x[i]);
    }
}
// ANCHOR_END: act_naive
