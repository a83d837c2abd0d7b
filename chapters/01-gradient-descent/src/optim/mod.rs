//! Optimizer updates over flat parameter buffers.
//!
//! | update | formula (per coordinate i) | f32 moved per parameter |
//! |---|---|---|
//! | [`sgd_update`] | θ ← θ − η·g | 3 (read θ, g; write θ) |
//! | [`momentum_update`] | u ← βu − ηg; θ ← θ + u (Nesterov: θ ← θ + βu − ηg) | 5 (read θ, g, u; write θ, u) |
//! | [`rmsprop_update`] | s ← ρs + (1−ρ)g²; θ ← θ − ηg/(√s + ε) | 5 (read θ, g, s; write θ, s) |
//! | [`adam_update`] | m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; θ ← θ − η(m̂/(√v̂+ε) + λθ) | 7 (read θ, g, m, v; write θ, m, v) |
//!
//! With a handful of FLOPs per 12..28 bytes, every update is limited by
//! memory bandwidth once the buffers leave the caches, so the SIMD kernels
//! are **fused**: one pass reads every buffer once and writes each output
//! once. Inside the caches, the SIMD width pays (the naive loop computes one
//! √ and one ÷ per parameter at a time). The ladder:
//!
//! - `naive`: the formula, one coordinate at a time ([`naive`]);
//! - `simd`: LANES coordinates per instruction, fused, one partial
//!   load/store for the tail (`simd.rs`, instantiated per ISA).
//!
//! Each public update validates its lengths and hyperparameters, then
//! dispatches on [`Isa::active`]; the `_on` variants take the ISA.
//! [`OptimKernels`] gives the same updates to generic code: f32 runs SIMD,
//! f64 runs the oracle.

pub mod naive;
pub(crate) mod simd;

#[cfg(target_arch = "x86_64")]
mod avx2_fma;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;

use foundations::{Isa, Real, Result, dispatch, ensure_shape, ensure_value};

/// Momentum hyperparameters (Keras `SGD(momentum=β, nesterov=...)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MomentumParams {
    /// β in [0, 1): how much of the previous velocity survives a step.
    pub beta: f64,
    /// Nesterov's look-ahead form.
    pub nesterov: bool,
}

/// RMSProp hyperparameters (Keras defaults: ρ 0.9, ε 1e-7).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmsPropParams {
    /// ρ in [0, 1): decay of the running mean of g².
    pub rho: f64,
    /// ε > 0: keeps the division finite where g² ≈ 0.
    pub eps: f64,
}

impl Default for RmsPropParams {
    fn default() -> Self {
        RmsPropParams { rho: 0.9, eps: 1e-7 }
    }
}

/// Adam / AdamW hyperparameters. `Default` is Keras's Adam: β₁ 0.9,
/// β₂ 0.999, ε 1e-7, no weight decay (the learning rate, 0.001 in Keras, is
/// passed separately so a schedule can change it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamParams {
    /// β₁ in [0, 1): decay of the first moment m.
    pub beta1: f64,
    /// β₂ in [0, 1): decay of the second moment v.
    pub beta2: f64,
    /// ε > 0.
    pub eps: f64,
    /// λ ≥ 0: decoupled weight decay (AdamW); 0 is plain Adam.
    pub weight_decay: f64,
}

impl Default for AdamParams {
    fn default() -> Self {
        AdamParams { beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0.0 }
    }
}

/// Keras's default learning rate for Adam and RMSProp.
pub const KERAS_LR: f64 = 0.001;

pub(crate) fn check_lr(op: &str, lr: f64) -> Result<()> {
    ensure_value!(lr.is_finite() && lr >= 0.0, "{op}: the learning rate must be finite and ≥ 0, got {lr}");
    Ok(())
}

pub(crate) fn check_decay(op: &str, name: &str, beta: f64) -> Result<()> {
    ensure_value!((0.0..1.0).contains(&beta), "{op}: {name} must be in [0, 1), got {beta}");
    Ok(())
}

pub(crate) fn check_eps(op: &str, eps: f64) -> Result<()> {
    ensure_value!(eps.is_finite() && eps > 0.0, "{op}: eps must be finite and > 0, got {eps}");
    Ok(())
}

impl MomentumParams {
    /// Errors unless β ∈ [0, 1).
    pub fn validate(&self, op: &str) -> Result<()> {
        check_decay(op, "beta (momentum)", self.beta)
    }
}

impl RmsPropParams {
    /// Errors unless ρ ∈ [0, 1) and ε > 0.
    pub fn validate(&self, op: &str) -> Result<()> {
        check_decay(op, "rho", self.rho)?;
        check_eps(op, self.eps)
    }
}

impl AdamParams {
    /// Errors unless β₁, β₂ ∈ [0, 1), ε > 0, λ ≥ 0.
    pub fn validate(&self, op: &str) -> Result<()> {
        check_decay(op, "beta1", self.beta1)?;
        check_decay(op, "beta2", self.beta2)?;
        check_eps(op, self.eps)?;
        let wd = self.weight_decay;
        ensure_value!(wd.is_finite() && wd >= 0.0, "{op}: weight_decay must be finite and ≥ 0, got {wd}");
        Ok(())
    }
}

fn same_len(op: &str, names: &[&str], lens: &[usize]) -> Result<()> {
    for k in 1..lens.len() {
        ensure_shape!(
            lens[k] == lens[0],
            "{op}: {} has {} elements but {} has {}: every buffer must have one entry per parameter",
            names[0],
            lens[0],
            names[k],
            lens[k]
        );
    }
    Ok(())
}

/// Checks the arguments of an SGD update.
pub fn check_sgd<T>(theta: &[T], g: &[T], lr: f64) -> Result<()> {
    same_len("sgd", &["theta", "g"], &[theta.len(), g.len()])?;
    check_lr("sgd", lr)
}

/// Checks the arguments of a momentum update.
pub fn check_momentum<T>(theta: &[T], g: &[T], u: &[T], p: &MomentumParams, lr: f64) -> Result<()> {
    same_len("momentum", &["theta", "g", "u (velocity)"], &[theta.len(), g.len(), u.len()])?;
    check_lr("momentum", lr)?;
    p.validate("momentum")
}

/// Checks the arguments of an RMSProp update.
pub fn check_rmsprop<T>(theta: &[T], g: &[T], s: &[T], p: &RmsPropParams, lr: f64) -> Result<()> {
    same_len("rmsprop", &["theta", "g", "s (mean g²)"], &[theta.len(), g.len(), s.len()])?;
    check_lr("rmsprop", lr)?;
    p.validate("rmsprop")
}

/// Checks the arguments of an Adam update.
pub fn check_adam<T>(theta: &[T], g: &[T], m: &[T], v: &[T], p: &AdamParams, lr: f64, t: u64) -> Result<()> {
    same_len("adam", &["theta", "g", "m", "v"], &[theta.len(), g.len(), m.len(), v.len()])?;
    check_lr("adam", lr)?;
    p.validate("adam")?;
    ensure_value!(t >= 1, "adam: the step number t counts from 1 (bias correction divides by 1 − β^t), got {t}");
    Ok(())
}

/// θ ← θ − η·g. theta, g: (n)
pub fn sgd_update(theta: &mut [f32], g: &[f32], lr: f64) -> Result<()> {
    sgd_update_on(Isa::active(), theta, g, lr)
}
/// [`sgd_update`] on a given ISA.
pub fn sgd_update_on(isa: Isa, theta: &mut [f32], g: &[f32], lr: f64) -> Result<()> {
    check_sgd(theta, g, lr)?;
    dispatch!(isa, "sgd", sgd(theta, g, lr));
    Ok(())
}

/// Momentum or Nesterov update. theta, g, u: (n)
pub fn momentum_update(theta: &mut [f32], g: &[f32], u: &mut [f32], p: &MomentumParams, lr: f64) -> Result<()> {
    momentum_update_on(Isa::active(), theta, g, u, p, lr)
}
/// [`momentum_update`] on a given ISA.
pub fn momentum_update_on(
    isa: Isa,
    theta: &mut [f32],
    g: &[f32],
    u: &mut [f32],
    p: &MomentumParams,
    lr: f64,
) -> Result<()> {
    check_momentum(theta, g, u, p, lr)?;
    dispatch!(isa, "momentum", momentum(theta, g, u, p, lr));
    Ok(())
}

/// RMSProp update. theta, g, s: (n)
pub fn rmsprop_update(theta: &mut [f32], g: &[f32], s: &mut [f32], p: &RmsPropParams, lr: f64) -> Result<()> {
    rmsprop_update_on(Isa::active(), theta, g, s, p, lr)
}
/// [`rmsprop_update`] on a given ISA.
pub fn rmsprop_update_on(
    isa: Isa,
    theta: &mut [f32],
    g: &[f32],
    s: &mut [f32],
    p: &RmsPropParams,
    lr: f64,
) -> Result<()> {
    check_rmsprop(theta, g, s, p, lr)?;
    dispatch!(isa, "rmsprop", rmsprop(theta, g, s, p, lr));
    Ok(())
}

/// Adam / AdamW update number `t` (from 1). theta, g, m, v: (n)
pub fn adam_update(
    theta: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    p: &AdamParams,
    lr: f64,
    t: u64,
) -> Result<()> {
    adam_update_on(Isa::active(), theta, g, m, v, p, lr, t)
}
/// [`adam_update`] on a given ISA.
#[allow(clippy::too_many_arguments)]
pub fn adam_update_on(
    isa: Isa,
    theta: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    p: &AdamParams,
    lr: f64,
    t: u64,
) -> Result<()> {
    check_adam(theta, g, m, v, p, lr, t)?;
    dispatch!(isa, "adam", adam(theta, g, m, v, p, lr, t));
    Ok(())
}

/// The updates for generic code: f32 dispatches to SIMD on the active ISA,
/// f64 runs the naive oracle (for gradient checks and demonstrations in
/// double precision). Same validation either way.
pub trait OptimKernels: Real {
    /// See [`sgd_update`].
    fn sgd_update(theta: &mut [Self], g: &[Self], lr: f64) -> Result<()>;
    /// See [`momentum_update`].
    fn momentum_update(theta: &mut [Self], g: &[Self], u: &mut [Self], p: &MomentumParams, lr: f64) -> Result<()>;
    /// See [`rmsprop_update`].
    fn rmsprop_update(theta: &mut [Self], g: &[Self], s: &mut [Self], p: &RmsPropParams, lr: f64) -> Result<()>;
    /// See [`adam_update`].
    fn adam_update(
        theta: &mut [Self],
        g: &[Self],
        m: &mut [Self],
        v: &mut [Self],
        p: &AdamParams,
        lr: f64,
        t: u64,
    ) -> Result<()>;
}

impl OptimKernels for f32 {
    fn sgd_update(theta: &mut [f32], g: &[f32], lr: f64) -> Result<()> {
        sgd_update(theta, g, lr)
    }
    fn momentum_update(theta: &mut [f32], g: &[f32], u: &mut [f32], p: &MomentumParams, lr: f64) -> Result<()> {
        momentum_update(theta, g, u, p, lr)
    }
    fn rmsprop_update(theta: &mut [f32], g: &[f32], s: &mut [f32], p: &RmsPropParams, lr: f64) -> Result<()> {
        rmsprop_update(theta, g, s, p, lr)
    }
    fn adam_update(
        theta: &mut [f32],
        g: &[f32],
        m: &mut [f32],
        v: &mut [f32],
        p: &AdamParams,
        lr: f64,
        t: u64,
    ) -> Result<()> {
        adam_update(theta, g, m, v, p, lr, t)
    }
}

impl OptimKernels for f64 {
    fn sgd_update(theta: &mut [f64], g: &[f64], lr: f64) -> Result<()> {
        check_sgd(theta, g, lr)?;
        naive::sgd(theta, g, lr);
        Ok(())
    }
    fn momentum_update(theta: &mut [f64], g: &[f64], u: &mut [f64], p: &MomentumParams, lr: f64) -> Result<()> {
        check_momentum(theta, g, u, p, lr)?;
        naive::momentum(theta, g, u, p, lr);
        Ok(())
    }
    fn rmsprop_update(theta: &mut [f64], g: &[f64], s: &mut [f64], p: &RmsPropParams, lr: f64) -> Result<()> {
        check_rmsprop(theta, g, s, p, lr)?;
        naive::rmsprop(theta, g, s, p, lr);
        Ok(())
    }
    fn adam_update(
        theta: &mut [f64],
        g: &[f64],
        m: &mut [f64],
        v: &mut [f64],
        p: &AdamParams,
        lr: f64,
        t: u64,
    ) -> Result<()> {
        check_adam(theta, g, m, v, p, lr, t)?;
        naive::adam(theta, g, m, v, p, lr, t);
        Ok(())
    }
}
