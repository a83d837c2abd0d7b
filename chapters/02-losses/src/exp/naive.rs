//! The oracle: `exp` from the platform's libm, one element at a time.

use foundations::Real;

// ANCHOR: exp_naive
/// outᵢ = e^xᵢ with the standard library's `exp`. out, x: (n)
pub fn exp_slice<T: Real>(out: &mut [T], x: &[T]) {
    for (o, &xi) in out.iter_mut().zip(x) {
        *o = xi.exp();
    }
}
// ANCHOR_END: exp_naive
