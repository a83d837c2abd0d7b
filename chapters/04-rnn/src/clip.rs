//! Gradient-norm clipping: the standard cure for exploding gradients.
//!
//! ```text
//! g = (all parameter gradients, as one vector)     ‖g‖ = √(Σ g²)
//! if ‖g‖ > τ:  g ← g · τ / ‖g‖
//! ```
//!
//! The direction of the step is kept; only its length is capped at τ.

use foundations::{Error, Param, Real, Result, ensure_value};

/// The global L2 norm of every gradient, accumulated in f64.
pub fn grad_norm<T: Real>(params: &[&Param<T>]) -> f64 {
    params.iter().flat_map(|p| p.grad.iter()).map(|g| g.f64() * g.f64()).sum::<f64>().sqrt()
}

// ANCHOR: clip
/// Scales all gradients so that their global norm is at most `max_norm`.
/// Returns the norm **before** clipping. Errors on max_norm ≤ 0 and on a
/// NaN or infinite gradient norm (clipping cannot repair those).
pub fn clip_grad_norm<T: Real>(params: &mut [&mut Param<T>], max_norm: f64) -> Result<f64> {
    ensure_value!(max_norm > 0.0, "clip_grad_norm: max_norm must be positive, got {max_norm}");
    let norm = params.iter().flat_map(|p| p.grad.iter()).map(|g| g.f64() * g.f64()).sum::<f64>().sqrt();
    if !norm.is_finite() {
        return Err(Error::Numeric(format!("clip_grad_norm: the gradient norm is {norm}: a NaN or overflow upstream")));
    }
    if norm > max_norm {
        let s = T::c(max_norm / norm);
        for p in params.iter_mut() {
            p.grad.mapv_inplace(|g| g * s);
        }
    }
    Ok(norm)
}
// ANCHOR_END: clip
