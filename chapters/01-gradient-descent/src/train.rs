//! The training loop: batch, stochastic and mini-batch gradient descent
//! are one loop with a different batch size B.
//!
//! | B | name | gradient per step |
//! |---|---|---|
//! | N | batch gradient descent | exact ∇L(θ) |
//! | 1 | stochastic gradient descent | one sample: unbiased, noisy |
//! | 1 < B < N | mini-batch gradient descent | mean of B samples: variance ∝ 1/B |
//!
//! Each epoch shuffles the sample order (seeded) and walks it in batches of
//! B; a last incomplete batch is dropped and the next epoch begins.

use foundations::{Error, Result, ensure_value};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::optim::OptimKernels;
use crate::optimizer::Optimizer;
use crate::problems::Problem;
use crate::schedule::Schedule;

/// What the returned loss history holds, one value per iteration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Record {
    /// The mini-batch loss the step was computed from (free, noisy).
    #[default]
    BatchLoss,
    /// The loss over the whole data set after the step (costs a pass over N).
    FullLoss,
}

/// The hyperparameters (超参数) of a run, besides the optimizer's own.
#[derive(Clone, Copy, Debug)]
pub struct TrainConfig {
    /// Batch size (批量大小) B: N for batch GD, 1 for SGD.
    pub batch_size: usize,
    /// Number of iterations (迭代次数): optimizer steps.
    pub iterations: usize,
    /// Seed of the shuffles.
    pub seed: u64,
    /// Learning-rate (学习率) schedule, as factors of the optimizer's rate.
    pub schedule: Schedule,
    /// What the history records.
    pub record: Record,
}

impl TrainConfig {
    /// B, iterations, seed; constant rate; batch losses recorded.
    pub fn new(batch_size: usize, iterations: usize, seed: u64) -> Self {
        TrainConfig { batch_size, iterations, seed, schedule: Schedule::constant(), record: Record::BatchLoss }
    }
}

// ANCHOR: train
/// Fits θ in place by `iterations` steps of `opt` on mini-batches of
/// `problem`; returns the loss history (see [`Record`]). θ: (num_params)
pub fn train<T: OptimKernels>(
    problem: &dyn Problem<T>,
    theta: &mut [T],
    opt: &mut dyn Optimizer<T>,
    cfg: &TrainConfig,
) -> Result<Vec<f64>> {
    let n = problem.num_samples();
    ensure_value!(cfg.batch_size >= 1, "train: batch_size must be ≥ 1");
    let batch = cfg.batch_size.min(n);
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let mut pos = n; // forces a shuffle before the first mini-batch
    let mut grad = vec![T::zero(); problem.num_params()];
    let base_lr = opt.lr();
    let mut history = Vec::with_capacity(cfg.iterations);
    for k in 0..cfg.iterations {
        let idx = if batch == n {
            &order[..] // full batch: the order does not matter
        } else {
            if pos + batch > n {
                order.shuffle(&mut rng);
                pos = 0;
            }
            pos += batch;
            &order[pos - batch..pos]
        };
        let loss = problem.loss_grad(theta, idx, &mut grad)?.f64();
        if !loss.is_finite() {
            opt.set_lr(base_lr)?;
            return Err(Error::Numeric(format!(
                "train: the loss became {loss} at iteration {k} with learning rate {}: lower it",
                opt.lr()
            )));
        }
        opt.set_lr(cfg.schedule.lr_at(base_lr, k))?;
        opt.step_flat(theta, &grad)?; // θ ← update(θ, ∇L on the batch)
        history.push(match cfg.record {
            Record::BatchLoss => loss,
            Record::FullLoss => problem.full_loss(theta)?.f64(),
        });
    }
    opt.set_lr(base_lr)?;
    Ok(history)
}
// ANCHOR_END: train
