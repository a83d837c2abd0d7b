//! [`Kernels`]: this chapter's hot loops, two-faced like chapter 0's
//! [`Real`]: f32 runs the SIMD rungs on the active ISA, f64 runs the
//! oracles (and im2col over the oracle GEMM), so a layer written once over
//! `T: Kernels` trains in f32 and is gradient-checked in f64.

use foundations::{Isa, Real, Result};

use crate::conv2d::{self, Conv2dDims, Rung, im2col};
use crate::pool::{self, PoolDims};

/// The chapter's kernels for one number type. Inputs are already checked
/// by the public dispatchers ([`conv2d::conv2d_forward`] and friends).
pub trait Kernels: Real {
    /// y = conv2d(x, k) + b. Overwrites y.
    fn conv2d_forward_fast(y: &mut [Self], x: &[Self], k: &[Self], b: &[Self], d: &Conv2dDims) -> Result<()>;
    /// ACCUMULATES dx (when given), dk, db.
    #[allow(clippy::too_many_arguments)]
    fn conv2d_backward_fast(
        dx: Option<&mut [Self]>,
        dk: &mut [Self],
        db: &mut [Self],
        x: &[Self],
        k: &[Self],
        dy: &[Self],
        d: &Conv2dDims,
    ) -> Result<()>;
    /// Max pooling forward. Overwrites y.
    fn max_pool2d_fast(y: &mut [Self], x: &[Self], d: &PoolDims) -> Result<()>;
    /// Max pooling backward (first arg-max). ACCUMULATES dx.
    fn max_pool2d_backward_fast(dx: &mut [Self], x: &[Self], dy: &[Self], d: &PoolDims) -> Result<()>;
    /// Average pooling forward. Overwrites y.
    fn avg_pool2d_fast(y: &mut [Self], x: &[Self], d: &PoolDims) -> Result<()>;
    /// Average pooling backward. ACCUMULATES dx.
    fn avg_pool2d_backward_fast(dx: &mut [Self], dy: &[Self], d: &PoolDims) -> Result<()>;
}

impl Kernels for f32 {
    fn conv2d_forward_fast(y: &mut [f32], x: &[f32], k: &[f32], b: &[f32], d: &Conv2dDims) -> Result<()> {
        let isa = Isa::active();
        conv2d::conv2d_forward_on(Rung::best(isa, d), isa, y, x, k, b, d)
    }
    fn conv2d_backward_fast(
        dx: Option<&mut [f32]>,
        dk: &mut [f32],
        db: &mut [f32],
        x: &[f32],
        k: &[f32],
        dy: &[f32],
        d: &Conv2dDims,
    ) -> Result<()> {
        let isa = Isa::active();
        conv2d::conv2d_backward_on(Rung::best(isa, d), isa, dx, dk, db, x, k, dy, d)
    }
    fn max_pool2d_fast(y: &mut [f32], x: &[f32], d: &PoolDims) -> Result<()> {
        pool::max_pool2d_forward_on(Isa::active(), y, x, d)
    }
    fn max_pool2d_backward_fast(dx: &mut [f32], x: &[f32], dy: &[f32], d: &PoolDims) -> Result<()> {
        pool::max_pool2d_backward_on(Isa::active(), dx, x, dy, d)
    }
    fn avg_pool2d_fast(y: &mut [f32], x: &[f32], d: &PoolDims) -> Result<()> {
        pool::avg_pool2d_forward_on(Isa::active(), y, x, d)
    }
    fn avg_pool2d_backward_fast(dx: &mut [f32], dy: &[f32], d: &PoolDims) -> Result<()> {
        pool::avg_pool2d_backward_on(Isa::active(), dx, dy, d)
    }
}

impl Kernels for f64 {
    fn conv2d_forward_fast(y: &mut [f64], x: &[f64], k: &[f64], b: &[f64], d: &Conv2dDims) -> Result<()> {
        im2col::conv2d_forward(f64::gemm, y, x, k, b, d)
    }
    fn conv2d_backward_fast(
        dx: Option<&mut [f64]>,
        dk: &mut [f64],
        db: &mut [f64],
        x: &[f64],
        k: &[f64],
        dy: &[f64],
        d: &Conv2dDims,
    ) -> Result<()> {
        im2col::conv2d_backward(f64::gemm, dx, dk, db, x, k, dy, d)
    }
    fn max_pool2d_fast(y: &mut [f64], x: &[f64], d: &PoolDims) -> Result<()> {
        pool::naive::max_pool2d_forward(y, x, d);
        Ok(())
    }
    fn max_pool2d_backward_fast(dx: &mut [f64], x: &[f64], dy: &[f64], d: &PoolDims) -> Result<()> {
        pool::naive::max_pool2d_backward(dx, x, dy, d);
        Ok(())
    }
    fn avg_pool2d_fast(y: &mut [f64], x: &[f64], d: &PoolDims) -> Result<()> {
        pool::naive::avg_pool2d_forward(y, x, d);
        Ok(())
    }
    fn avg_pool2d_backward_fast(dx: &mut [f64], dy: &[f64], d: &PoolDims) -> Result<()> {
        pool::naive::avg_pool2d_backward(dx, dy, d);
        Ok(())
    }
}
