//! Learning-rate schedules: η as a function of the step number k
//! (counting from 0), as a factor of the base rate η₀.
//!
//! | decay | η(k) / η₀ (k counted after the warm-up) |
//! |---|---|
//! | constant | 1 |
//! | step decay | γ^⌊k / s⌋ (×γ every s steps) |
//! | cosine | f + (1 − f)·½(1 + cos(π·min(k, K)/K)) (from 1 down to f over K steps) |
//!
//! A linear **warm-up** of W steps composes with any of them: for k < W,
//! η(k)/η₀ = (k + 1)/W, then the decay runs on k − W.

use foundations::{Result, ensure_value};

/// How the rate decays after the warm-up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decay {
    /// η = η₀.
    Constant,
    /// η = η₀·γ^⌊k/every⌋.
    Step {
        /// Steps between two decays (≥ 1).
        every: usize,
        /// Factor per decay, in (0, 1].
        gamma: f64,
    },
    /// Half a cosine from η₀ down to `final_frac`·η₀ over `total` steps, then flat.
    Cosine {
        /// Steps of the descent (≥ 1).
        total: usize,
        /// The final fraction f ∈ [0, 1].
        final_frac: f64,
    },
}

/// A decay, optionally preceded by a linear warm-up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    /// The decay after the warm-up.
    pub decay: Decay,
    /// Warm-up steps W (0: none).
    pub warmup: usize,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::constant()
    }
}

impl Schedule {
    /// η = η₀ at every step.
    pub fn constant() -> Self {
        Schedule { decay: Decay::Constant, warmup: 0 }
    }

    /// ×γ every `every` steps. Errors unless every ≥ 1 and γ ∈ (0, 1].
    pub fn step_decay(every: usize, gamma: f64) -> Result<Self> {
        ensure_value!(every >= 1, "step_decay: `every` must be ≥ 1 step, got {every}");
        ensure_value!(gamma > 0.0 && gamma <= 1.0, "step_decay: gamma must be in (0, 1], got {gamma}");
        Ok(Schedule { decay: Decay::Step { every, gamma }, warmup: 0 })
    }

    /// Cosine from η₀ to f·η₀ over `total` steps. Errors unless total ≥ 1 and f ∈ [0, 1].
    pub fn cosine(total: usize, final_frac: f64) -> Result<Self> {
        ensure_value!(total >= 1, "cosine: total must be ≥ 1 step, got {total}");
        ensure_value!((0.0..=1.0).contains(&final_frac), "cosine: final_frac must be in [0, 1], got {final_frac}");
        Ok(Schedule { decay: Decay::Cosine { total, final_frac }, warmup: 0 })
    }

    /// The same decay, after a linear warm-up of `steps` steps.
    pub fn with_warmup(self, steps: usize) -> Self {
        Schedule { warmup: steps, ..self }
    }

    // ANCHOR: schedule_factor
    /// η(k)/η₀ at step k (from 0).
    pub fn factor(&self, k: usize) -> f64 {
        if k < self.warmup {
            return (k + 1) as f64 / self.warmup as f64;
        }
        let k = k - self.warmup;
        match self.decay {
            Decay::Constant => 1.0,
            Decay::Step { every, gamma } => gamma.powi((k / every).min(i32::MAX as usize) as i32),
            Decay::Cosine { total, final_frac } => {
                let progress = k.min(total) as f64 / total as f64;
                final_frac + (1.0 - final_frac) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
            }
        }
    }
    // ANCHOR_END: schedule_factor

    /// η at step k for base rate η₀.
    pub fn lr_at(&self, base_lr: f64, k: usize) -> f64 {
        base_lr * self.factor(k)
    }
}
