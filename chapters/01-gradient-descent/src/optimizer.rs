//! Optimizers as objects: hyperparameters plus per-parameter state, able
//! to update every parameter of anything that implements
//! [`foundations::Layer`].
//!
//! ```text
//! opt.step(&mut model)     for (slot, p) in model.params_mut().enumerate():
//!                              update(slot, p.value, p.grad)   state[slot]: velocity, m, v ...
//! opt.step_flat(θ, g)      one flat buffer (slot 0)
//! ```
//!
//! State is kept **per parameter, in the order** `params_mut()` returns
//! them (the layer contract fixes that order), allocated at the first step
//! and checked for length at every step after.

use foundations::{Layer, Result, ensure_shape};

use crate::optim::{self, AdamParams, MomentumParams, OptimKernels, RmsPropParams};

/// A first-order optimizer over buffers of `T` (f32 → SIMD, f64 → oracle).
pub trait Optimizer<T: OptimKernels> {
    /// "adam(lr=0.001, β₁=0.9, ...)"
    fn name(&self) -> String;
    /// The current learning rate η.
    fn lr(&self) -> f64;
    /// Sets η (a schedule calls this before every step). Errors if η < 0 or not finite.
    fn set_lr(&mut self, lr: f64) -> Result<()>;
    /// Steps taken so far (Adam's t after a step).
    fn steps(&self) -> u64;
    /// Starts a step: every `update_slot` until the next `begin_step` belongs to it.
    fn begin_step(&mut self);
    /// Updates parameter number `slot` of the current step from its gradient.
    fn update_slot(&mut self, slot: usize, theta: &mut [T], g: &[T]) -> Result<()>;

    /// One step on a single flat buffer. theta, g: (n)
    fn step_flat(&mut self, theta: &mut [T], g: &[T]) -> Result<()> {
        self.begin_step();
        self.update_slot(0, theta, g)
    }

    // ANCHOR: optimizer_step
    /// One step on every parameter of a layer (or a whole model), from the
    /// gradients its backward accumulated. Does not zero the gradients.
    fn step(&mut self, model: &mut dyn Layer<T>) -> Result<()> {
        self.begin_step();
        for (slot, p) in model.params_mut().into_iter().enumerate() {
            let name = p.name.clone();
            let foundations::Param { value, grad, .. } = p;
            ensure_shape!(
                value.shape() == grad.shape(),
                "optimizer: parameter {name} has shape {:?} but its gradient {:?}",
                value.shape(),
                grad.shape()
            );
            let g = grad.as_slice().ok_or_else(|| not_contiguous(&name, "gradient"))?;
            let theta = value.as_slice_mut().ok_or_else(|| not_contiguous(&name, "value"))?;
            self.update_slot(slot, theta, g)?;
        }
        Ok(())
    }
    // ANCHOR_END: optimizer_step
}

fn not_contiguous(name: &str, what: &str) -> foundations::Error {
    foundations::Error::Shape(format!(
        "optimizer: the {what} of parameter {name} is not a contiguous row-major array (make it standard layout)"
    ))
}

/// State buffers per parameter slot, allocated (zeros) at first use.
#[derive(Clone, Debug, Default)]
struct SlotState<T> {
    bufs: Vec<Vec<Vec<T>>>,
}

impl<T: OptimKernels> SlotState<T> {
    /// The `k` state buffers of `slot`, each of length n.
    fn get(&mut self, op: &str, slot: usize, n: usize, k: usize) -> Result<&mut Vec<Vec<T>>> {
        while self.bufs.len() <= slot {
            self.bufs.push(Vec::new());
        }
        let s = &mut self.bufs[slot];
        if s.is_empty() {
            *s = vec![vec![T::zero(); n]; k];
        }
        let had = s[0].len();
        ensure_shape!(
            had == n,
            "{op}: parameter {slot} had {had} elements at the first step but has {n} now: \
             give each parameter its own, fixed slot"
        );
        Ok(s)
    }
}

/// Plain (stochastic) gradient descent: θ ← θ − η·g. No state.
#[derive(Clone, Debug)]
pub struct Sgd {
    lr: f64,
    t: u64,
}

impl Sgd {
    /// SGD with learning rate η ≥ 0.
    pub fn new(lr: f64) -> Result<Self> {
        optim::check_lr("sgd", lr)?;
        Ok(Sgd { lr, t: 0 })
    }
}

impl<T: OptimKernels> Optimizer<T> for Sgd {
    fn name(&self) -> String {
        format!("sgd(lr={})", self.lr)
    }
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) -> Result<()> {
        optim::check_lr("sgd", lr)?;
        self.lr = lr;
        Ok(())
    }
    fn steps(&self) -> u64 {
        self.t
    }
    fn begin_step(&mut self) {
        self.t += 1;
    }
    fn update_slot(&mut self, _slot: usize, theta: &mut [T], g: &[T]) -> Result<()> {
        T::sgd_update(theta, g, self.lr)
    }
}

/// SGD with (Nesterov) momentum; one velocity buffer per parameter.
#[derive(Clone, Debug)]
pub struct Momentum<T> {
    lr: f64,
    params: MomentumParams,
    t: u64,
    state: SlotState<T>,
}

impl<T: OptimKernels> Momentum<T> {
    /// Classical momentum β ∈ [0, 1).
    pub fn new(lr: f64, beta: f64) -> Result<Self> {
        Self::with(lr, MomentumParams { beta, nesterov: false })
    }
    /// Nesterov momentum β ∈ [0, 1).
    pub fn nesterov(lr: f64, beta: f64) -> Result<Self> {
        Self::with(lr, MomentumParams { beta, nesterov: true })
    }
    fn with(lr: f64, params: MomentumParams) -> Result<Self> {
        optim::check_lr("momentum", lr)?;
        params.validate("momentum")?;
        Ok(Momentum { lr, params, t: 0, state: SlotState { bufs: Vec::new() } })
    }
}

impl<T: OptimKernels> Optimizer<T> for Momentum<T> {
    fn name(&self) -> String {
        let kind = if self.params.nesterov { "nesterov" } else { "momentum" };
        format!("{kind}(lr={}, β={})", self.lr, self.params.beta)
    }
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) -> Result<()> {
        optim::check_lr("momentum", lr)?;
        self.lr = lr;
        Ok(())
    }
    fn steps(&self) -> u64 {
        self.t
    }
    fn begin_step(&mut self) {
        self.t += 1;
    }
    fn update_slot(&mut self, slot: usize, theta: &mut [T], g: &[T]) -> Result<()> {
        let s = self.state.get("momentum", slot, theta.len(), 1)?;
        T::momentum_update(theta, g, &mut s[0], &self.params, self.lr)
    }
}

/// RMSProp; one buffer of mean squared gradients per parameter.
#[derive(Clone, Debug)]
pub struct RmsProp<T> {
    lr: f64,
    params: RmsPropParams,
    t: u64,
    state: SlotState<T>,
}

impl<T: OptimKernels> RmsProp<T> {
    /// RMSProp with the given η and hyperparameters.
    pub fn new(lr: f64, params: RmsPropParams) -> Result<Self> {
        optim::check_lr("rmsprop", lr)?;
        params.validate("rmsprop")?;
        Ok(RmsProp { lr, params, t: 0, state: SlotState { bufs: Vec::new() } })
    }
}

impl<T: OptimKernels> Optimizer<T> for RmsProp<T> {
    fn name(&self) -> String {
        format!("rmsprop(lr={}, ρ={})", self.lr, self.params.rho)
    }
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) -> Result<()> {
        optim::check_lr("rmsprop", lr)?;
        self.lr = lr;
        Ok(())
    }
    fn steps(&self) -> u64 {
        self.t
    }
    fn begin_step(&mut self) {
        self.t += 1;
    }
    fn update_slot(&mut self, slot: usize, theta: &mut [T], g: &[T]) -> Result<()> {
        let s = self.state.get("rmsprop", slot, theta.len(), 1)?;
        T::rmsprop_update(theta, g, &mut s[0], &self.params, self.lr)
    }
}

/// Adam, or AdamW when `weight_decay` > 0; buffers m and v per parameter.
#[derive(Clone, Debug)]
pub struct Adam<T> {
    lr: f64,
    params: AdamParams,
    t: u64,
    state: SlotState<T>,
}

impl<T: OptimKernels> Adam<T> {
    /// Adam with the given η and hyperparameters.
    pub fn new(lr: f64, params: AdamParams) -> Result<Self> {
        optim::check_lr("adam", lr)?;
        params.validate("adam")?;
        Ok(Adam { lr, params, t: 0, state: SlotState { bufs: Vec::new() } })
    }
    /// Keras's defaults: η 0.001, β₁ 0.9, β₂ 0.999, ε 1e-7.
    pub fn keras() -> Self {
        Adam { lr: optim::KERAS_LR, params: AdamParams::default(), t: 0, state: SlotState { bufs: Vec::new() } }
    }
    /// AdamW: Adam's defaults with decoupled weight decay λ.
    pub fn adamw(lr: f64, weight_decay: f64) -> Result<Self> {
        Self::new(lr, AdamParams { weight_decay, ..AdamParams::default() })
    }
}

impl<T: OptimKernels> Optimizer<T> for Adam<T> {
    fn name(&self) -> String {
        let p = &self.params;
        let kind = if p.weight_decay > 0.0 { "adamw" } else { "adam" };
        format!("{kind}(lr={}, β₁={}, β₂={}, ε={:e}, λ={})", self.lr, p.beta1, p.beta2, p.eps, p.weight_decay)
    }
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) -> Result<()> {
        optim::check_lr("adam", lr)?;
        self.lr = lr;
        Ok(())
    }
    fn steps(&self) -> u64 {
        self.t
    }
    fn begin_step(&mut self) {
        self.t += 1;
    }
    fn update_slot(&mut self, slot: usize, theta: &mut [T], g: &[T]) -> Result<()> {
        let t = self.t.max(1);
        let s = self.state.get("adam", slot, theta.len(), 2)?;
        let (m, v) = s.split_at_mut(1);
        T::adam_update(theta, g, &mut m[0], &mut v[0], &self.params, self.lr, t)
    }
}
