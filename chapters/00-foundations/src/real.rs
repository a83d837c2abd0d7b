//! [`Real`]: the number type a layer is written over.
//!
//! A layer's math is written **once**, generic over `T: Real`. Run as
//! `f32`, its matrix products and vector loops go to the SIMD kernels; run
//! as `f64`, they go to the naive oracles, in double precision, which is how
//! the gradient checker verifies the very same code that trains:
//!
//! ```text
//! Dense<f32>::forward  ─► T::gemm ─► gemm::gemm      (AVX-512 / AVX2 / NEON)
//! Dense<f64>::forward  ─► T::gemm ─► gemm::naive     (checked to 1e-6 in f64)
//! ```
//!
//! Later chapters extend the idea with their own kernel traits (for example
//! a softmax that is SIMD for f32 and naive for f64), each implemented for
//! both types.

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

use crate::gemm::{self, MatMut, MatRef};
use crate::{Result, vector};

/// f32 or f64, with the chapter 0 kernels as methods.
pub trait Real:
    num_traits::Float
    + num_traits::FloatConst
    + num_traits::FromPrimitive
    + num_traits::ToPrimitive
    + Default
    + Debug
    + Display
    + Send
    + Sync
    + 'static
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
{
    /// "f32" or "f64".
    const NAME: &'static str;

    /// A constant: `T::c(0.5)`.
    fn c(x: f64) -> Self;
    /// Widen to f64 (exact for both types).
    fn f64(self) -> f64;

    /// C ← α·A·B + β·C. A: (M, K)  B: (K, N)  C: (M, N).
    fn gemm(c: MatMut<'_, Self>, alpha: Self, a: MatRef<'_, Self>, b: MatRef<'_, Self>, beta: Self) -> Result<()>;
    /// x · y
    fn dot(x: &[Self], y: &[Self]) -> Result<Self>;
    /// y ← α·x + y
    fn axpy(y: &mut [Self], alpha: Self, x: &[Self]) -> Result<()>;
    /// x ← α·x
    fn scale(x: &mut [Self], alpha: Self);
    /// Σᵢ xᵢ
    fn sum(x: &[Self]) -> Self;
    /// maxᵢ xᵢ (−∞ when empty, NaN when any is NaN)
    fn max(x: &[Self]) -> Self;
}

impl Real for f32 {
    const NAME: &'static str = "f32";
    #[inline(always)]
    fn c(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn f64(self) -> f64 {
        self as f64
    }
    fn gemm(c: MatMut<'_, f32>, alpha: f32, a: MatRef<'_, f32>, b: MatRef<'_, f32>, beta: f32) -> Result<()> {
        gemm::gemm(c, alpha, a, b, beta)
    }
    fn dot(x: &[f32], y: &[f32]) -> Result<f32> {
        vector::dot(x, y)
    }
    fn axpy(y: &mut [f32], alpha: f32, x: &[f32]) -> Result<()> {
        vector::axpy(y, alpha, x)
    }
    fn scale(x: &mut [f32], alpha: f32) {
        vector::scale(x, alpha)
    }
    fn sum(x: &[f32]) -> f32 {
        vector::sum(x)
    }
    fn max(x: &[f32]) -> f32 {
        vector::max(x)
    }
}

impl Real for f64 {
    const NAME: &'static str = "f64";
    #[inline(always)]
    fn c(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn f64(self) -> f64 {
        self
    }
    fn gemm(c: MatMut<'_, f64>, alpha: f64, a: MatRef<'_, f64>, b: MatRef<'_, f64>, beta: f64) -> Result<()> {
        gemm::check_shapes("gemm", &c, &a, &b)?;
        gemm::naive::gemm(c, alpha, a, b, beta);
        Ok(())
    }
    fn dot(x: &[f64], y: &[f64]) -> Result<f64> {
        crate::ensure_shape!(x.len() == y.len(), "dot: x has {} elements but y has {}", x.len(), y.len());
        Ok(vector::naive::dot(x, y))
    }
    fn axpy(y: &mut [f64], alpha: f64, x: &[f64]) -> Result<()> {
        crate::ensure_shape!(x.len() == y.len(), "axpy: y has {} elements but x has {}", y.len(), x.len());
        vector::naive::axpy(y, alpha, x);
        Ok(())
    }
    fn scale(x: &mut [f64], alpha: f64) {
        vector::naive::scale(x, alpha)
    }
    fn sum(x: &[f64]) -> f64 {
        vector::naive::sum(x)
    }
    fn max(x: &[f64]) -> f64 {
        vector::naive::max(x)
    }
}
