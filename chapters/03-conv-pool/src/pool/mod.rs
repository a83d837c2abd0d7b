//! Pooling (池化层, pooling layer): max and average over PH×PW windows.
//!
//! ```text
//! max:  y[n,oy,ox,c] = max_{i<PH, j<PW} x[n, oy·SH + i, ox·SW + j, c]
//! avg:  y[n,oy,ox,c] = 1/(PH·PW) · Σ_{i<PH, j<PW} x[n, oy·SH + i, ox·SW + j, c]
//!
//! x: (N, H, W, C)   y: (N, OH, OW, C)   OH = ⌊(H − PH)/SH⌋ + 1  (Keras' "valid": 13×13 → 6×6 for 2×2/2)
//! ```
//!
//! Backward: average pooling spreads dy/(PH·PW) over its window; max pooling
//! routes dy to the window's **arg-max**, and to nothing else. Ties are
//! broken by a fixed rule: the FIRST maximum in scan order (row i, then
//! column j) takes the whole gradient; a NaN counts as larger than any
//! number. The backward pass recomputes the arg-max from the cached x, so
//! forward stores no indices.
//!
//! Rungs: `v0_naive` ([`naive`]) and `v1_simd` (LANES channels per
//! register, forward and backward, the same tie rule).

pub mod naive;
pub(crate) mod simd;

#[cfg(target_arch = "x86_64")]
mod avx2_fma;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;

use foundations::{Isa, Result, ensure_shape, ensure_value};

use crate::Kernels;

/// Every size of a 2-D pooling in NHWC layout (no padding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolDims {
    /// Batch size N.
    pub n: usize,
    /// Input height H.
    pub h: usize,
    /// Input width W.
    pub w: usize,
    /// Channels C.
    pub c: usize,
    /// Window height PH.
    pub ph: usize,
    /// Window width PW.
    pub pw: usize,
    /// Vertical stride SH.
    pub sh: usize,
    /// Horizontal stride SW.
    pub sw: usize,
    /// Output height OH = ⌊(H − PH)/SH⌋ + 1.
    pub oh: usize,
    /// Output width OW = ⌊(W − PW)/SW⌋ + 1.
    pub ow: usize,
}

impl PoolDims {
    /// Checks and derives the output size. `op` names the caller in errors
    /// ("max_pool2d: window is 3x3 but input is 2x2").
    pub fn new(
        op: &str,
        n: usize,
        (h, w, c): (usize, usize, usize),
        (ph, pw): (usize, usize),
        (sh, sw): (usize, usize),
    ) -> Result<Self> {
        ensure_value!(sh >= 1 && sw >= 1, "{op}: stride must be at least 1, got {sh}x{sw}");
        ensure_value!(ph >= 1 && pw >= 1, "{op}: window must be at least 1x1, got {ph}x{pw}");
        ensure_value!(c >= 1, "{op}: need at least one channel, got C={c}");
        ensure_shape!(ph <= h && pw <= w, "{op}: window is {ph}x{pw} but input is {h}x{w}");
        Ok(PoolDims { n, h, w, c, ph, pw, sh, sw, oh: (h - ph) / sh + 1, ow: (w - pw) / sw + 1 })
    }
    /// Elements of x.
    pub fn x_len(&self) -> usize {
        self.n * self.h * self.w * self.c
    }
    /// Elements of y.
    pub fn y_len(&self) -> usize {
        self.n * self.oh * self.ow * self.c
    }
    /// Bytes a forward pass moves at best (read x once, write y), in f32.
    pub fn forward_bytes(&self) -> f64 {
        4.0 * (self.x_len() + self.y_len()) as f64
    }

    fn check(&self, op: &str, lens: &[(&str, usize, usize)]) -> Result<()> {
        for &(name, have, want) in lens {
            ensure_shape!(
                have == want,
                "{op}: {name} has {have} elements but x {}x{}x{}x{} with a {}x{} window needs {want}",
                self.n,
                self.h,
                self.w,
                self.c,
                self.ph,
                self.pw
            );
        }
        Ok(())
    }
}

/// Max pooling forward, fastest path for `T`. x: (N, H, W, C)  y: (N, OH, OW, C).
pub fn max_pool2d_forward<T: Kernels>(y: &mut [T], x: &[T], d: &PoolDims) -> Result<()> {
    d.check("max_pool2d", &[("x", x.len(), d.x_len()), ("y", y.len(), d.y_len())])?;
    T::max_pool2d_fast(y, x, d)
}

/// Max pooling backward: dy to the first arg-max of each window. ACCUMULATES dx.
/// dx, x: (N, H, W, C)  dy: (N, OH, OW, C).
pub fn max_pool2d_backward<T: Kernels>(dx: &mut [T], x: &[T], dy: &[T], d: &PoolDims) -> Result<()> {
    d.check(
        "max_pool2d_backward",
        &[("x", x.len(), d.x_len()), ("dx", dx.len(), d.x_len()), ("dy", dy.len(), d.y_len())],
    )?;
    T::max_pool2d_backward_fast(dx, x, dy, d)
}

/// Average pooling forward, fastest path for `T`.
pub fn avg_pool2d_forward<T: Kernels>(y: &mut [T], x: &[T], d: &PoolDims) -> Result<()> {
    d.check("avg_pool2d", &[("x", x.len(), d.x_len()), ("y", y.len(), d.y_len())])?;
    T::avg_pool2d_fast(y, x, d)
}

/// Average pooling backward. ACCUMULATES dx.
pub fn avg_pool2d_backward<T: Kernels>(dx: &mut [T], dy: &[T], d: &PoolDims) -> Result<()> {
    d.check("avg_pool2d_backward", &[("dx", dx.len(), d.x_len()), ("dy", dy.len(), d.y_len())])?;
    T::avg_pool2d_backward_fast(dx, dy, d)
}

/// [`max_pool2d_forward`] in f32 on a given ISA (`Scalar` runs the oracle).
pub fn max_pool2d_forward_on(isa: Isa, y: &mut [f32], x: &[f32], d: &PoolDims) -> Result<()> {
    d.check("max_pool2d", &[("x", x.len(), d.x_len()), ("y", y.len(), d.y_len())])?;
    foundations::dispatch!(isa, "max_pool2d", max_pool2d(y, x, d), naive::max_pool2d_forward(y, x, d));
    Ok(())
}

/// [`avg_pool2d_forward`] in f32 on a given ISA.
pub fn avg_pool2d_forward_on(isa: Isa, y: &mut [f32], x: &[f32], d: &PoolDims) -> Result<()> {
    d.check("avg_pool2d", &[("x", x.len(), d.x_len()), ("y", y.len(), d.y_len())])?;
    foundations::dispatch!(isa, "avg_pool2d", avg_pool2d(y, x, d), naive::avg_pool2d_forward(y, x, d));
    Ok(())
}

/// [`avg_pool2d_backward`] in f32 on a given ISA. ACCUMULATES dx.
pub fn avg_pool2d_backward_on(isa: Isa, dx: &mut [f32], dy: &[f32], d: &PoolDims) -> Result<()> {
    d.check("avg_pool2d_backward", &[("dx", dx.len(), d.x_len()), ("dy", dy.len(), d.y_len())])?;
    foundations::dispatch!(
        isa,
        "avg_pool2d_backward",
        avg_pool2d_backward(dx, dy, d),
        naive::avg_pool2d_backward(dx, dy, d)
    );
    Ok(())
}

/// [`max_pool2d_backward`] in f32 on a given ISA. ACCUMULATES dx.
pub fn max_pool2d_backward_on(isa: Isa, dx: &mut [f32], x: &[f32], dy: &[f32], d: &PoolDims) -> Result<()> {
    d.check(
        "max_pool2d_backward",
        &[("x", x.len(), d.x_len()), ("dx", dx.len(), d.x_len()), ("dy", dy.len(), d.y_len())],
    )?;
    foundations::dispatch!(
        isa,
        "max_pool2d_backward",
        max_pool2d_backward(dx, x, dy, d),
        naive::max_pool2d_backward(dx, x, dy, d)
    );
    Ok(())
}
