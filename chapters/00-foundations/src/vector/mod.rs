//! Vector kernels: the inner loops of everything that follows.
//!
//! | kernel | formula | FLOPs | bytes moved (f32) |
//! |---|---|---|---|
//! | [`dot`] | x · y = Σᵢ xᵢyᵢ | 2n | 8n |
//! | [`axpy`] | y ← αx + y | 2n | 12n |
//! | [`scale`] | x ← αx | n | 8n |
//! | [`sum`] | Σᵢ xᵢ | n | 4n |
//! | [`max`] | maxᵢ xᵢ | n | 4n |
//! | [`add`], [`mul`] | out = x ∘ y | n | 12n |
//!
//! With at most 2 FLOPs per 8 bytes, all of them are limited by memory
//! bandwidth once the data leaves the caches; in L1 they are limited by
//! loads (two per cycle). The ladder per kernel:
//!
//! - `naive`: one loop, one element at a time, the formula ([`naive`]);
//! - `simd`: LANES elements per instruction, four accumulators for the
//!   reductions, one masked load/store for the tail ([`simd`](self)).
//!
//! Each public kernel checks its lengths, then dispatches on
//! [`Isa::active`]; the `_on` variants take the ISA explicitly (tests and
//! benches walk every ISA the CPU has).

pub mod naive;
pub mod simd;

#[cfg(target_arch = "x86_64")]
mod avx2_fma;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;

use crate::{Isa, Result, dispatch};

fn same_len(op: &str, a: &str, na: usize, b: &str, nb: usize) -> Result<()> {
    crate::ensure_shape!(na == nb, "{op}: {a} has {na} elements but {b} has {nb}");
    Ok(())
}

/// x · y. x, y: (n)
pub fn dot(x: &[f32], y: &[f32]) -> Result<f32> {
    dot_on(Isa::active(), x, y)
}
/// [`dot`] on a given ISA.
pub fn dot_on(isa: Isa, x: &[f32], y: &[f32]) -> Result<f32> {
    same_len("dot", "x", x.len(), "y", y.len())?;
    Ok(dispatch!(isa, "dot", dot(x, y)))
}

/// y ← α·x + y. y, x: (n)
pub fn axpy(y: &mut [f32], alpha: f32, x: &[f32]) -> Result<()> {
    axpy_on(Isa::active(), y, alpha, x)
}
/// [`axpy`] on a given ISA.
pub fn axpy_on(isa: Isa, y: &mut [f32], alpha: f32, x: &[f32]) -> Result<()> {
    same_len("axpy", "y", y.len(), "x", x.len())?;
    dispatch!(isa, "axpy", axpy(y, alpha, x));
    Ok(())
}

/// x ← α·x. x: (n)
pub fn scale(x: &mut [f32], alpha: f32) {
    // Infallible on the active ISA: it is available by construction.
    let _ = scale_on(Isa::active(), x, alpha);
}
/// [`scale`] on a given ISA.
pub fn scale_on(isa: Isa, x: &mut [f32], alpha: f32) -> Result<()> {
    dispatch!(isa, "scale", scale(x, alpha));
    Ok(())
}

/// Σᵢ xᵢ. x: (n); 0 when empty.
pub fn sum(x: &[f32]) -> f32 {
    sum_on(Isa::active(), x).unwrap_or(f32::NAN)
}
/// [`sum`] on a given ISA.
pub fn sum_on(isa: Isa, x: &[f32]) -> Result<f32> {
    Ok(dispatch!(isa, "sum", sum(x)))
}

/// maxᵢ xᵢ. x: (n); −∞ when empty, NaN when any element is NaN.
pub fn max(x: &[f32]) -> f32 {
    max_on(Isa::active(), x).unwrap_or(f32::NAN)
}
/// [`max`] on a given ISA.
pub fn max_on(isa: Isa, x: &[f32]) -> Result<f32> {
    Ok(dispatch!(isa, "max", max(x)))
}

/// outᵢ = xᵢ + yᵢ. out, x, y: (n)
pub fn add(out: &mut [f32], x: &[f32], y: &[f32]) -> Result<()> {
    add_on(Isa::active(), out, x, y)
}
/// [`add`] on a given ISA.
pub fn add_on(isa: Isa, out: &mut [f32], x: &[f32], y: &[f32]) -> Result<()> {
    same_len("add", "out", out.len(), "x", x.len())?;
    same_len("add", "out", out.len(), "y", y.len())?;
    dispatch!(isa, "add", add(out, x, y));
    Ok(())
}

/// outᵢ = xᵢ · yᵢ. out, x, y: (n)
pub fn mul(out: &mut [f32], x: &[f32], y: &[f32]) -> Result<()> {
    mul_on(Isa::active(), out, x, y)
}
/// [`mul`] on a given ISA.
pub fn mul_on(isa: Isa, out: &mut [f32], x: &[f32], y: &[f32]) -> Result<()> {
    same_len("mul", "out", out.len(), "x", x.len())?;
    same_len("mul", "out", out.len(), "y", y.len())?;
    dispatch!(isa, "mul", mul(out, x, y));
    Ok(())
}
