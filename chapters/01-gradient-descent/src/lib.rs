//! # Chapter 1: learning by following the gradient (`gradient_descent`)
//!
//! *Seed §2.2, §2.3, §2.5: training minimises a loss by iteratively
//! updating the parameters along the negative gradient; learning rate
//! (学习率), batch size (批量大小) and number of iterations (迭代次数) are
//! the hyperparameters (超参数) that steer it; the seed's example code trains
//! every model with Adam.*
//!
//! | module | what |
//! |---|---|
//! | [`problems`] | linear and logistic regression on generated data, gradients by hand |
//! | [`train`](mod@train) | batch, stochastic and mini-batch gradient descent: one loop |
//! | [`optim`] | the updates over flat buffers: SGD, momentum, Nesterov, RMSProp, Adam, AdamW; naive and fused SIMD |
//! | [`optimizer`] | the same as objects with state, stepping any [`foundations::Layer`] |
//! | [`schedule`] | learning-rate schedules: constant, step, cosine, warm-up |
//! | [`demos`] | the quadratic below/above 2/L, Rosenbrock, batch size vs noise |
//! | [`bench`](mod@bench) | the updates against the triad bandwidth and the naive loop |
//!
//! ## Shape legend
//!
//! | letter | meaning |
//! |---|---|
//! | `N` | samples in the data set |
//! | `B` | samples in a mini-batch (batch size) |
//! | `D` | features per sample; weights w: (D), bias b: scalar |
//! | `n` | length of a flat parameter buffer θ (and of g, m, v, ...) |
//! | `t` | optimizer step number, from 1 |

pub mod bench;
pub mod demos;
pub mod optim;
pub mod optimizer;
pub mod problems;
pub mod schedule;
pub mod train;

pub use optim::{AdamParams, MomentumParams, OptimKernels, RmsPropParams};
pub use optimizer::{Adam, Momentum, Optimizer, RmsProp, Sgd};
pub use problems::{Dataset, LinearRegression, LogisticRegression, Problem};
pub use schedule::{Decay, Schedule};
pub use train::{Record, TrainConfig, train};

use std::io::Write;

use foundations::gradcheck::{Config, check_fn};
use foundations::report::BenchRow;
use foundations::{Error, Isa, Result};

fn io(e: std::io::Error) -> Error {
    Error::Io(e.to_string())
}

/// A short guided run for `ai-from-scratch tour` (well under 2 s in release):
/// a fit that recovers known weights, a gradient check, the 2/L threshold,
/// Rosenbrock, and the fused Adam update against the naive one.
pub fn tour(w: &mut dyn Write) -> Result<()> {
    writeln!(w, "Chapter 1: gradient descent (梯度下降) and the optimizers. SIMD path: {}", Isa::active())
        .map_err(io)?;

    // 1. Linear regression from noiseless data, mini-batch SGD with momentum, f32 on SIMD.
    let w_true = [0.5, -1.25, 2.0, 0.75];
    let p = LinearRegression { data: Dataset::<f32>::linear(256, &w_true, -0.5, 0.0, 7)? };
    let mut theta = vec![0.0f32; 5];
    let mut opt = Momentum::<f32>::new(0.02, 0.9)?;
    let hist = train(&p, &mut theta, &mut opt, &TrainConfig::new(16, 2000, 1))?;
    writeln!(w, "  linear regression, B = 16, 2000 iterations: loss {:.2e} → {:.2e}", hist[0], hist[hist.len() - 1])
        .map_err(io)?;
    writeln!(w, "    true w = {w_true:?}, b = -0.5\n    fitted θ = {theta:.5?}").map_err(io)?;

    // 2. The logistic-regression gradient, checked in f64.
    let lp = LogisticRegression { data: Dataset::<f64>::logistic(16, &[1.0, -2.0, 0.5], 0.1, 3)? };
    let batch: Vec<usize> = (0..16).collect();
    let (wv, bv) = (vec![0.2, -0.4, 0.1], vec![0.3]);
    let join = |v: &[Vec<f64>]| [v[0].clone(), v[1].clone()].concat();
    let report = check_fn(
        &[("dw", &wv), ("db", &bv)],
        |v| Ok(vec![lp.loss(&join(v), &batch)?]),
        |v, g| {
            let mut grad = vec![0.0; 4];
            lp.loss_grad(&join(v), &batch, &mut grad)?;
            Ok(vec![grad[..3].iter().map(|x| g[0] * x).collect(), vec![g[0] * grad[3]]])
        },
        &Config::default(),
    )?;
    writeln!(
        w,
        "  gradient check of the logistic loss: max relative error {:.1e} (passes at 1e-6: {})",
        report.max_rel_err(),
        report.passed()
    )
    .map_err(io)?;

    // 3. The 2/L threshold on f = ½(x₀² + 10x₁²): L = 10, 2/L = 0.2.
    for c in demos::quadratic_curves(&[0.19, 0.21], 50)? {
        writeln!(w, "  quadratic, {}: f after 50 steps = {:.2e}", c.label, c.loss[50]).map_err(io)?;
    }

    // 4. Rosenbrock.
    for r in demos::rosenbrock_runs(2000)? {
        writeln!(w, "  Rosenbrock, {}: f after 2000 steps = {:.2e}", r.curve.label, r.curve.loss[2000]).map_err(io)?;
    }

    // 5. Fused SIMD Adam against the naive loop, 64 Ki parameters (in L2).
    let n = 64 << 10;
    let naive = bench::measure_update("adam", Isa::Scalar, n, 0.05)?;
    let simd = bench::measure_update("adam", Isa::active(), n, 0.05)?;
    writeln!(
        w,
        "  Adam update, n = {n}: naive {:.1} µs, {} {:.1} µs ({:.1}× faster; 28 bytes per parameter → {:.0} GB/s)",
        naive.seconds * 1e6,
        simd.rung,
        simd.seconds * 1e6,
        naive.seconds / simd.seconds,
        simd.rate() / 1e9
    )
    .map_err(io)?;
    Ok(())
}

/// The rows for `ai-from-scratch bench optim` (see [`bench`](mod@bench)):
/// triad bandwidth, then every update on 4 Ki, 64 Ki and 16 Mi parameters,
/// naive and each SIMD ISA, `budget_secs` of CPU time per row.
pub fn bench(budget_secs: f64) -> Result<Vec<BenchRow>> {
    bench::bench_rows(budget_secs, &bench::SIZES)
}
