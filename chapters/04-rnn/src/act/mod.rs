//! Vectorized activations: tanh and the logistic sigmoid σ.
//!
//! ```text
//! tanh(x) = (e^x − e^−x) / (e^x + e^−x)        σ(x) = 1 / (1 + e^−x) = ½ + ½·tanh(x/2)
//! ```
//!
//! The rungs:
//! - `naive`: the standard library's `tanh` / `exp`, one element at a time
//!   (the oracle, [`naive`]);
//! - `simd`: a **rational approximation** tanh(x) ≈ x·P(x²)/Q(x²) (P of
//!   degree 6, Q of degree 3 in x², i.e. an odd degree-13 numerator over an
//!   even degree-6 denominator), evaluated with FMAs on LANES elements at a
//!   time, after clamping x to ±7.905 (beyond which tanh rounds to ±1 in
//!   f32). σ reuses it as ½ + ½·tanh(x/2). No `exp`, one division.
//!
//! The coefficients are the minimax fit used by Eigen's `ptanh_float`
//! (also in XLA); the approximation, not the coefficients, is the lesson.
//!
//! **Accuracy** (measured against f64, `tests/act.rs` sweeps [−20, 20] and
//! checks the bounds below):
//! - tanh: absolute error ≤ [`TANH_ABS_ERR`] everywhere;
//! - σ: absolute error ≤ [`SIGMOID_ABS_ERR`] everywhere. σ's *relative*
//!   error is large in the far left tail (σ(−20) ≈ 2·10⁻⁹ comes out as ~0):
//!   harmless for gates, which multiply other values.
//! - Saturation: x = ±10⁴, ±∞ give exactly ±1 (σ: 0 and 1); NaN gives NaN.

pub mod naive;
pub(crate) mod simd;

#[cfg(target_arch = "x86_64")]
mod avx2_fma;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;

use foundations::{Isa, Result, ensure_shape};

/// Bound on |tanh_simd(x) − tanh(x)| for every f32 x (checked by the tests).
pub const TANH_ABS_ERR: f64 = 3e-7;
/// Bound on |σ_simd(x) − σ(x)| for every f32 x (checked by the tests).
pub const SIGMOID_ABS_ERR: f64 = 2e-7;

/// outᵢ = tanh(xᵢ) on the active ISA. out, x: (n)
pub fn tanh(out: &mut [f32], x: &[f32]) -> Result<()> {
    tanh_on(Isa::active(), out, x)
}

/// [`tanh`] on a given ISA.
pub fn tanh_on(isa: Isa, out: &mut [f32], x: &[f32]) -> Result<()> {
    ensure_shape!(out.len() == x.len(), "tanh: out has {} elements but x has {}", out.len(), x.len());
    foundations::dispatch!(isa, "tanh", tanh(out, x));
    Ok(())
}

/// outᵢ = σ(xᵢ) on the active ISA. out, x: (n)
pub fn sigmoid(out: &mut [f32], x: &[f32]) -> Result<()> {
    sigmoid_on(Isa::active(), out, x)
}

/// [`sigmoid`] on a given ISA.
pub fn sigmoid_on(isa: Isa, out: &mut [f32], x: &[f32]) -> Result<()> {
    ensure_shape!(out.len() == x.len(), "sigmoid: out has {} elements but x has {}", out.len(), x.len());
    foundations::dispatch!(isa, "sigmoid", sigmoid(out, x));
    Ok(())
}
