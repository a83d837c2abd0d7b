//! The chapter's demonstrations, shared by [`crate::tour`] and the
//! `figures` example (which plots them into the book). All in f64 on the
//! oracle updates, through the same [`Optimizer`] objects that train f32
//! models on SIMD.

use foundations::Result;

use crate::optimizer::{Adam, Momentum, Optimizer, Sgd};
use crate::problems::{Dataset, LinearRegression, Problem};
use crate::train::{Record, TrainConfig, train};
use crate::{AdamParams, OptimKernels};

/// A named loss curve: value before the first step, then after each step.
#[derive(Clone, Debug)]
pub struct Curve {
    /// Legend text.
    pub label: String,
    /// Loss values.
    pub loss: Vec<f64>,
}

/// Minimises `f` from `x0` with `opt` for `steps` steps; returns f at
/// every iterate and the path. `fg(x, g)` returns f(x) and writes ∇f(x).
pub fn descend<T: OptimKernels>(
    opt: &mut dyn Optimizer<T>,
    x0: &[T],
    steps: usize,
    mut fg: impl FnMut(&[T], &mut [T]) -> T,
) -> Result<(Vec<f64>, Vec<Vec<T>>)> {
    let mut x = x0.to_vec();
    let mut g = vec![T::zero(); x.len()];
    let mut loss = Vec::with_capacity(steps + 1);
    let mut path = vec![x.clone()];
    for _ in 0..steps {
        loss.push(fg(&x, &mut g).f64());
        opt.step_flat(&mut x, &g)?;
        path.push(x.clone());
    }
    loss.push(fg(&x, &mut g).f64());
    Ok((loss, path))
}

// ANCHOR: quadratic
/// f(x) = ½ Σᵢ λᵢ xᵢ² with λ = (1, 10): L = λ_max = 10, so gradient descent
/// converges for η < 2/L = 0.2 and diverges above. Returns one curve per η.
pub fn quadratic_curves(etas: &[f64], steps: usize) -> Result<Vec<Curve>> {
    let lambda = [1.0, 10.0];
    let mut out = Vec::new();
    for &eta in etas {
        let mut opt = Sgd::new(eta)?;
        let (loss, _) = descend::<f64>(&mut opt, &[1.0, 1.0], steps, |x, g| {
            for i in 0..2 {
                g[i] = lambda[i] * x[i]; // ∂f/∂xᵢ = λᵢxᵢ
            }
            0.5 * (lambda[0] * x[0] * x[0] + lambda[1] * x[1] * x[1])
        })?;
        // Along eigenvector i the error is multiplied by (1 − ηλᵢ) each step.
        let rate = lambda.iter().map(|l| (1.0 - eta * l).abs()).fold(0.0, f64::max);
        out.push(Curve { label: format!("η = {eta} (max |1 − ηλ| = {rate:.2})"), loss });
    }
    Ok(out)
}
// ANCHOR_END: quadratic

/// Rosenbrock's valley f(x, y) = (1 − x)² + 100(y − x²)², minimum 0 at
/// (1, 1), and its gradient written into `g`.
pub fn rosenbrock(p: &[f64], g: &mut [f64]) -> f64 {
    let (x, y) = (p[0], p[1]);
    let r = y - x * x;
    g[0] = -2.0 * (1.0 - x) - 400.0 * x * r; // ∂f/∂x
    g[1] = 200.0 * r; // ∂f/∂y
    (1.0 - x) * (1.0 - x) + 100.0 * r * r
}

/// One optimizer's run on the Rosenbrock valley.
#[derive(Clone, Debug)]
pub struct RosenbrockRun {
    /// The loss curve.
    pub curve: Curve,
    /// The iterates (x, y).
    pub path: Vec<Vec<f64>>,
}

/// Gradient descent, momentum and Adam from (−1.2, 1), each with a
/// learning rate that does not diverge there.
pub fn rosenbrock_runs(steps: usize) -> Result<Vec<RosenbrockRun>> {
    let start = [-1.2, 1.0];
    let mut opts: Vec<(String, Box<dyn Optimizer<f64>>)> = vec![
        ("gradient descent, η = 1e-3".into(), Box::new(Sgd::new(1e-3)?)),
        ("momentum, η = 1e-3, β = 0.9".into(), Box::new(Momentum::<f64>::new(1e-3, 0.9)?)),
        ("Adam, η = 0.02".into(), Box::new(Adam::<f64>::new(0.02, AdamParams::default())?)),
    ];
    let mut out = Vec::new();
    for (label, opt) in opts.iter_mut() {
        let (loss, path) = descend::<f64>(opt.as_mut(), &start, steps, rosenbrock)?;
        out.push(RosenbrockRun { curve: Curve { label: label.clone(), loss }, path });
    }
    Ok(out)
}

/// The mini-batch experiment's data: linear regression, N = 1024, D = 8,
/// label noise σ = 0.5.
pub fn batch_problem() -> Result<LinearRegression<f64>> {
    let w: Vec<f64> = (0..8).map(|j| (j as f64 - 3.5) / 2.0).collect();
    Ok(LinearRegression { data: Dataset::linear(1024, &w, 0.5, 0.5, 11)? })
}

/// Full-data loss after each SGD step (η = 0.01) for each batch size.
pub fn batch_size_curves(batch_sizes: &[usize], steps: usize) -> Result<Vec<Curve>> {
    let p = batch_problem()?;
    let mut out = Vec::new();
    for &b in batch_sizes {
        let mut theta = vec![0.0; p.num_params()];
        let mut opt = Sgd::new(0.01)?;
        let cfg = TrainConfig { record: Record::FullLoss, ..TrainConfig::new(b, steps, 5) };
        let loss = train(&p, &mut theta, &mut opt, &cfg)?;
        out.push(Curve { label: format!("B = {b}"), loss });
    }
    Ok(out)
}

/// For each batch size B: the mean squared distance E‖ĝ_B − ∇L‖² of a
/// mini-batch gradient from the full gradient, at a fixed θ (zero), over
/// `draws` random batches (with replacement). Theory: Var(g₁)/B.
pub fn gradient_variance(batch_sizes: &[usize], draws: usize) -> Result<Vec<(usize, f64)>> {
    use rand::{Rng, SeedableRng};
    let p = batch_problem()?;
    let n = p.num_samples();
    let theta = vec![0.0; p.num_params()];
    let mut full = vec![0.0; p.num_params()];
    let all: Vec<usize> = (0..n).collect();
    p.loss_grad(&theta, &all, &mut full)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut g = vec![0.0; p.num_params()];
    let mut out = Vec::new();
    for &b in batch_sizes {
        let mut acc = 0.0;
        for _ in 0..draws {
            let batch: Vec<usize> = (0..b).map(|_| rng.random_range(0..n)).collect();
            p.loss_grad(&theta, &batch, &mut g)?;
            acc += g.iter().zip(&full).map(|(a, f)| (a - f) * (a - f)).sum::<f64>();
        }
        out.push((b, acc / draws as f64));
    }
    Ok(out)
}

/// Standard deviation of a curve's values over its last half (the noise
/// around the plateau).
pub fn tail_std(xs: &[f64]) -> f64 {
    let t = &xs[xs.len() / 2..];
    let mean = t.iter().sum::<f64>() / t.len() as f64;
    (t.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / t.len() as f64).sqrt()
}
