//! Row-wise softmax, log-softmax, log-sum-exp and the fused softmax +
//! cross-entropy, forward and backward. x: (N, C) row-major, one row of C
//! logits per example.
//!
//! ```text
//!   softmax(x)ⱼ      = e^(xⱼ − m) / Σₖ e^(xₖ − m)        m = maxₖ xₖ
//!   log_softmax(x)ⱼ  = xⱼ − (m + ln Σₖ e^(xₖ − m))       = xⱼ − lse(x)
//!   backward         dxⱼ += yⱼ·(dyⱼ − Σₖ yₖ dyₖ)          (softmax)
//!                    dxⱼ += dyⱼ − e^yⱼ · Σₖ dyₖ           (log-softmax, y its output)
//! ```
//!
//! Subtracting m changes nothing mathematically (it cancels between the
//! numerator and the denominator) but keeps every exponent ≤ 0, so no e^x
//! overflows and the largest term is exactly 1.
//!
//! ## The ladder ([`Rung`])
//!
//! - `v0_naive`: three scalar passes per row, libm `exp` ([`naive`]);
//! - `v1_three_pass`: the same three passes as SIMD loops with the
//!   vectorized [`crate::exp`]: max; exp, store and sum; scale by 1/sum;
//! - `v2_online`: two passes: the maximum and the sum in one read of x
//!   (each lane rescales its running sum when its maximum grows), then
//!   e^(x − m)/s. One read of x fewer, a quarter more exps.
//!
//! Generic entry points ([`softmax_rows`], ...) take `T: LossKernels`: f32
//! runs SIMD on the active ISA, f64 the oracle (for gradient checks). The
//! `_on` functions take an ISA and a rung (f32 only): tests and benches.
//! The backward passes have one SIMD form (no ladder: one pass each).

pub mod naive;
pub(crate) mod simd;

#[cfg(target_arch = "x86_64")]
mod avx2_fma;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;

use foundations::{Isa, Result, dispatch, ensure_shape, ensure_value};

use crate::LossKernels;

/// A rung of the softmax ladder. See the module note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rung {
    /// Three scalar passes per row, libm exp.
    V0Naive,
    /// Three SIMD passes per row (max; exp + sum; scale).
    V1ThreePass,
    /// Two SIMD passes per row (online max + sum; exp + scale).
    V2Online,
}

impl Rung {
    /// Every rung, lowest first.
    pub const ALL: [Rung; 3] = [Rung::V0Naive, Rung::V1ThreePass, Rung::V2Online];
    /// The rung the generic entry points use for f32.
    pub const DEFAULT: Rung = Rung::V1ThreePass;

    /// "v0_naive", "v1_three_pass", "v2_online".
    pub fn name(self) -> &'static str {
        match self {
            Rung::V0Naive => "v0_naive",
            Rung::V1ThreePass => "v1_three_pass",
            Rung::V2Online => "v2_online",
        }
    }
}

/// Checks that every named buffer holds `N·C` (or `N`) elements and C ≥ 1.
pub(crate) fn check_rows(op: &str, bufs: &[(&str, usize)], rows: &[(&str, usize)], n: usize, c: usize) -> Result<()> {
    ensure_shape!(c >= 1, "{op}: a row needs at least one class, got C = 0");
    for &(name, len) in bufs {
        ensure_shape!(len == n * c, "{op}: {name} has {len} elements but (N, C) = ({n}, {c}) needs {}", n * c);
    }
    for &(name, len) in rows {
        ensure_shape!(len == n, "{op}: {name} has {len} elements but N = {n} rows need {n}");
    }
    Ok(())
}

/// Checks that every label is a class index in 0..C.
pub(crate) fn check_labels(op: &str, labels: &[usize], c: usize) -> Result<()> {
    if let Some((i, &l)) = labels.iter().enumerate().find(|&(_, &l)| l >= c) {
        ensure_value!(false, "{op}: label {l} at row {i} is outside 0..{c} (C = {c} classes)");
    }
    Ok(())
}

// ---- generic entry points (f32: SIMD, f64: oracle) ----

/// y = softmax(x) row by row. out, x: (N, C)
pub fn softmax_rows<T: LossKernels>(out: &mut [T], x: &[T], n: usize, c: usize) -> Result<()> {
    T::softmax_rows(out, x, n, c)
}

/// y = log_softmax(x) row by row. out, x: (N, C)
pub fn log_softmax_rows<T: LossKernels>(out: &mut [T], x: &[T], n: usize, c: usize) -> Result<()> {
    T::log_softmax_rows(out, x, n, c)
}

/// outᵢ = log Σⱼ e^xᵢⱼ. out: (N)  x: (N, C)
pub fn log_sum_exp_rows<T: LossKernels>(out: &mut [T], x: &[T], n: usize, c: usize) -> Result<()> {
    T::log_sum_exp_rows(out, x, n, c)
}

/// dx += Jᵀ·dy for y = softmax(x) (ACCUMULATES). dx, y, dy: (N, C)
pub fn softmax_rows_backward<T: LossKernels>(dx: &mut [T], y: &[T], dy: &[T], n: usize, c: usize) -> Result<()> {
    T::softmax_rows_backward(dx, y, dy, n, c)
}

/// dx += Jᵀ·dy for y = log_softmax(x), given its output y (ACCUMULATES). dx, y, dy: (N, C)
pub fn log_softmax_rows_backward<T: LossKernels>(dx: &mut [T], y: &[T], dy: &[T], n: usize, c: usize) -> Result<()> {
    T::log_softmax_rows_backward(dx, y, dy, n, c)
}

/// Fused forward: p = softmax(x), lossᵢ = −log pᵢ,ₗᵢ (from the logits).
/// p, x: (N, C)  loss, labels: (N)
pub fn softmax_xent_rows<T: LossKernels>(
    p: &mut [T],
    loss: &mut [T],
    x: &[T],
    labels: &[usize],
    n: usize,
    c: usize,
) -> Result<()> {
    T::softmax_xent_rows(p, loss, x, labels, n, c)
}

// ---- f32 on a given ISA and rung ----

/// [`softmax_rows`] in f32 on a given ISA and rung (v0 ignores the ISA).
pub fn softmax_rows_on(isa: Isa, rung: Rung, out: &mut [f32], x: &[f32], n: usize, c: usize) -> Result<()> {
    check_rows("softmax", &[("out", out.len()), ("x", x.len())], &[], n, c)?;
    match rung {
        Rung::V0Naive => naive::softmax_rows(out, x, n, c),
        Rung::V1ThreePass => dispatch!(isa, "softmax", softmax_rows_v1(out, x, c), naive::softmax_rows(out, x, n, c)),
        Rung::V2Online => dispatch!(isa, "softmax", softmax_rows_v2(out, x, c), naive::softmax_rows(out, x, n, c)),
    }
    Ok(())
}

/// [`log_softmax_rows`] in f32 on a given ISA and rung.
pub fn log_softmax_rows_on(isa: Isa, rung: Rung, out: &mut [f32], x: &[f32], n: usize, c: usize) -> Result<()> {
    check_rows("log_softmax", &[("out", out.len()), ("x", x.len())], &[], n, c)?;
    let online = rung == Rung::V2Online;
    match rung {
        Rung::V0Naive => naive::log_softmax_rows(out, x, n, c),
        _ => dispatch!(isa, "log_softmax", log_softmax_rows(out, x, c, online), naive::log_softmax_rows(out, x, n, c)),
    }
    Ok(())
}

/// [`log_sum_exp_rows`] in f32 on a given ISA and rung.
pub fn log_sum_exp_rows_on(isa: Isa, rung: Rung, out: &mut [f32], x: &[f32], n: usize, c: usize) -> Result<()> {
    check_rows("log_sum_exp", &[("x", x.len())], &[("out", out.len())], n, c)?;
    let online = rung == Rung::V2Online;
    match rung {
        Rung::V0Naive => naive::log_sum_exp_rows(out, x, n, c),
        _ => dispatch!(isa, "log_sum_exp", log_sum_exp_rows(out, x, c, online), naive::log_sum_exp_rows(out, x, n, c)),
    }
    Ok(())
}

/// [`softmax_xent_rows`] in f32 on a given ISA and rung.
// The kernel's own six arguments (outputs, inputs, dims) plus where to run it.
#[allow(clippy::too_many_arguments)]
pub fn softmax_xent_rows_on(
    isa: Isa,
    rung: Rung,
    p: &mut [f32],
    loss: &mut [f32],
    x: &[f32],
    labels: &[usize],
    n: usize,
    c: usize,
) -> Result<()> {
    let op = "softmax_cross_entropy";
    check_rows(op, &[("p", p.len()), ("x", x.len())], &[("loss", loss.len()), ("labels", labels.len())], n, c)?;
    check_labels(op, labels, c)?;
    let online = rung == Rung::V2Online;
    match rung {
        Rung::V0Naive => naive::softmax_xent_rows(p, loss, x, labels, n, c),
        _ => dispatch!(
            isa,
            "softmax_cross_entropy",
            softmax_xent_rows(p, loss, x, labels, c, online),
            naive::softmax_xent_rows(p, loss, x, labels, n, c)
        ),
    }
    Ok(())
}

/// [`softmax_rows_backward`] in f32 on a given ISA.
pub fn softmax_rows_backward_on(isa: Isa, dx: &mut [f32], y: &[f32], dy: &[f32], n: usize, c: usize) -> Result<()> {
    check_rows("softmax_backward", &[("dx", dx.len()), ("y", y.len()), ("dy", dy.len())], &[], n, c)?;
    dispatch!(
        isa,
        "softmax_backward",
        softmax_rows_backward(dx, y, dy, c),
        naive::softmax_rows_backward(dx, y, dy, n, c)
    );
    Ok(())
}

/// [`log_softmax_rows_backward`] in f32 on a given ISA.
pub fn log_softmax_rows_backward_on(isa: Isa, dx: &mut [f32], y: &[f32], dy: &[f32], n: usize, c: usize) -> Result<()> {
    check_rows("log_softmax_backward", &[("dx", dx.len()), ("y", y.len()), ("dy", dy.len())], &[], n, c)?;
    dispatch!(
        isa,
        "log_softmax_backward",
        log_softmax_rows_backward(dx, y, dy, c),
        naive::log_softmax_rows_backward(dx, y, dy, n, c)
    );
    Ok(())
}
