//! The oracle: each update rule as its formula, one line per line of the
//! math, one parameter at a time. Generic over f32 and f64; no intrinsics,
//! no fusion tricks. Every SIMD update is tested against these.
//!
//! Buffers: θ (parameters), g (gradient), and the optimizer's state, all of
//! the same length n (checked by the dispatchers in [`super`]).

// `θᵢ = θᵢ − η·gᵢ` mirrors the formula θ ← θ − η·g; `-=` would hide it.
#![allow(clippy::assign_op_pattern)]

use foundations::Real;

use super::{AdamParams, MomentumParams, RmsPropParams};

// ANCHOR: sgd_naive
/// Plain gradient descent: θᵢ ← θᵢ − η·gᵢ. theta, g: (n)
pub fn sgd<T: Real>(theta: &mut [T], g: &[T], lr: f64) {
    let lr = T::c(lr);
    for i in 0..theta.len() {
        theta[i] = theta[i] - lr * g[i];
    }
}
// ANCHOR_END: sgd_naive

// ANCHOR: momentum_naive
/// SGD with momentum (the Keras form), velocity u:
///
/// ```text
/// uᵢ ← β·uᵢ − η·gᵢ
/// θᵢ ← θᵢ + uᵢ                  (classical, "heavy ball")
/// θᵢ ← θᵢ + β·uᵢ − η·gᵢ         (Nesterov: look one velocity step ahead)
/// ```
///
/// theta, g, u: (n)
pub fn momentum<T: Real>(theta: &mut [T], g: &[T], u: &mut [T], p: &MomentumParams, lr: f64) {
    let (lr, beta) = (T::c(lr), T::c(p.beta));
    for i in 0..theta.len() {
        u[i] = beta * u[i] - lr * g[i];
        if p.nesterov {
            theta[i] = theta[i] + beta * u[i] - lr * g[i];
        } else {
            theta[i] = theta[i] + u[i];
        }
    }
}
// ANCHOR_END: momentum_naive

// ANCHOR: rmsprop_naive
/// RMSProp: a running mean of squared gradients s scales each coordinate.
///
/// ```text
/// sᵢ ← ρ·sᵢ + (1 − ρ)·gᵢ²
/// θᵢ ← θᵢ − η·gᵢ / (√sᵢ + ε)
/// ```
///
/// theta, g, s: (n)
pub fn rmsprop<T: Real>(theta: &mut [T], g: &[T], s: &mut [T], p: &RmsPropParams, lr: f64) {
    let (lr, rho, eps) = (T::c(lr), T::c(p.rho), T::c(p.eps));
    for i in 0..theta.len() {
        s[i] = rho * s[i] + (T::one() - rho) * g[i] * g[i];
        theta[i] = theta[i] - lr * g[i] / (s[i].sqrt() + eps);
    }
}
// ANCHOR_END: rmsprop_naive

// ANCHOR: adam_naive
/// Adam (and AdamW when `weight_decay` λ > 0), step number t ≥ 1:
///
/// ```text
/// mᵢ ← β₁·mᵢ + (1 − β₁)·gᵢ          first moment (mean of g)
/// vᵢ ← β₂·vᵢ + (1 − β₂)·gᵢ²         second moment (mean of g²)
/// m̂ᵢ = mᵢ / (1 − β₁ᵗ)               bias correction: m, v start at 0
/// v̂ᵢ = vᵢ / (1 − β₂ᵗ)
/// θᵢ ← θᵢ − η·(m̂ᵢ / (√v̂ᵢ + ε) + λ·θᵢ)   λ·θᵢ: decoupled weight decay (AdamW)
/// ```
///
/// theta, g, m, v: (n)
pub fn adam<T: Real>(theta: &mut [T], g: &[T], m: &mut [T], v: &mut [T], p: &AdamParams, lr: f64, t: u64) {
    let (lr, b1, b2, eps, wd) = (T::c(lr), T::c(p.beta1), T::c(p.beta2), T::c(p.eps), T::c(p.weight_decay));
    let t = t.min(i32::MAX as u64) as i32;
    let one = T::one();
    // The same for every coordinate: computed once, outside the loop.
    let (bc1, bc2) = (one - b1.powi(t), one - b2.powi(t));
    for i in 0..theta.len() {
        m[i] = b1 * m[i] + (one - b1) * g[i];
        v[i] = b2 * v[i] + (one - b2) * g[i] * g[i];
        let m_hat = m[i] / bc1;
        let v_hat = v[i] / bc2;
        theta[i] = theta[i] - lr * (m_hat / (v_hat.sqrt() + eps) + wd * theta[i]);
    }
}
// ANCHOR_END: adam_naive
