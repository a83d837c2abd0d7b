//! The gradient checker: is a hand-written backward pass right?
//!
//! For a function y = f(x, θ) and a random upstream gradient g (the same
//! shape as y), take the scalar L = ⟨g, f(x, θ)⟩. Its gradient is exactly
//! what backward computes from dy = g. Each analytic entry is compared with
//! the **central difference**
//!
//! ```text
//!   ∂L/∂uᵢ ≈ (L(u + h·eᵢ) − L(u − h·eᵢ)) / 2h        error O(h²)
//! ```
//!
//! in f64, for every element of every input and every parameter.
//!
//! The **relative error** per element (as CS231n reports it) is
//! `|a − n| / max(|a|, |n|)`, with the denominator never below 10⁻³ of the
//! tensor's largest gradient: an entry a thousand times smaller than its
//! neighbours is dominated by round-off in L, not by the backward pass.
//! A tensor's error is its worst element's. In f64 with h = 10⁻⁵ a correct
//! backward pass gives about 10⁻⁹..10⁻¹¹; the project requires ≤ 10⁻⁶.

use std::fmt;

use ndarray::ArrayD;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::layer::Layer;
use crate::{Error, Result};

/// Step size, tolerance and seed for a check.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// The finite-difference step h. Truncation error grows as h², round-off
    /// as ε·|L|/h; in f64 (ε ≈ 1.1·10⁻¹⁶) their sum is smallest near h ≈ 10⁻⁵.
    pub h: f64,
    /// The largest acceptable relative error.
    pub tol: f64,
    /// Seed for the upstream gradient g.
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config { h: 1e-5, tol: 1e-6, seed: 0x5eed }
    }
}

/// The comparison for one tensor.
#[derive(Clone, Debug)]
pub struct TensorReport {
    /// "dx", "dW", ...
    pub name: String,
    /// Number of elements checked.
    pub len: usize,
    /// The worst relative error.
    pub rel_err: f64,
    /// Where it occurred (flat index).
    pub worst: usize,
    /// The analytic value there.
    pub analytic: f64,
    /// The numeric value there.
    pub numeric: f64,
}

/// The comparison for every tensor of a check.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// One row per input and parameter.
    pub tensors: Vec<TensorReport>,
    /// For layers: did a second backward double every parameter gradient
    /// (the accumulation contract)? `None` when not applicable.
    pub accumulates: Option<bool>,
    /// The tolerance the check was run with.
    pub tol: f64,
}

impl Report {
    /// The worst relative error over all tensors (0 for none).
    pub fn max_rel_err(&self) -> f64 {
        self.tensors.iter().map(|t| t.rel_err).fold(0.0, f64::max)
    }

    /// True when every tensor is within `tol` (NaN fails) and accumulation holds.
    pub fn passed(&self) -> bool {
        self.tensors.iter().all(|t| t.rel_err <= self.tol) && self.accumulates != Some(false)
    }

    /// Panics with the whole table unless [`Report::passed`].
    #[track_caller]
    pub fn assert_passed(&self, what: &str) {
        assert!(self.passed(), "gradient check of {what} failed:\n{self}");
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<10} {:>7} {:>12} {:>7} {:>14} {:>14}",
            "tensor", "len", "rel. error", "at", "analytic", "numeric"
        )?;
        for t in &self.tensors {
            let verdict = if t.rel_err <= self.tol { "ok" } else { "FAIL" };
            writeln!(
                f,
                "{:<10} {:>7} {:>12.2e} {:>7} {:>14.6e} {:>14.6e}  {verdict}",
                t.name, t.len, t.rel_err, t.worst, t.analytic, t.numeric
            )?;
        }
        match self.accumulates {
            Some(true) => writeln!(f, "backward accumulates parameter gradients: ok"),
            Some(false) => {
                writeln!(f, "backward accumulates parameter gradients: FAIL (a second backward did not double them)")
            }
            None => Ok(()),
        }
    }
}

// ANCHOR: relative_error
/// Worst element-wise relative error between analytic and numeric gradients.
pub fn compare(name: &str, analytic: &[f64], numeric: &[f64]) -> TensorReport {
    let scale = analytic.iter().chain(numeric).fold(0.0f64, |m, v| m.max(v.abs()));
    let floor = (1e-3 * scale).max(f64::MIN_POSITIVE);
    let mut report = TensorReport {
        name: name.to_string(),
        len: analytic.len(),
        rel_err: 0.0,
        worst: 0,
        analytic: 0.0,
        numeric: 0.0,
    };
    for (i, (&a, &n)) in analytic.iter().zip(numeric).enumerate() {
        let err = (a - n).abs() / a.abs().max(n.abs()).max(floor);
        // A NaN error (a NaN gradient) is always the worst.
        if i == 0 || err.is_nan() || err > report.rel_err {
            report = TensorReport {
                rel_err: if err.is_nan() { f64::INFINITY } else { err },
                worst: i,
                analytic: a,
                numeric: n,
                ..report
            };
        }
    }
    report
}
// ANCHOR_END: relative_error

/// A random upstream gradient g, uniform in [−1, 1].
pub fn upstream(len: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-1.0..=1.0)).collect()
}

/// ⟨g, y⟩
fn inner(g: &[f64], y: &[f64]) -> f64 {
    g.iter().zip(y).map(|(a, b)| a * b).sum()
}

// ANCHOR: central_difference
/// Central differences of L(u) = ⟨g, f(u)⟩ with respect to every element of `u`.
fn numeric_gradient(u: &mut [f64], h: f64, mut loss: impl FnMut(&[f64]) -> Result<f64>) -> Result<Vec<f64>> {
    let mut grad = vec![0.0; u.len()];
    for i in 0..u.len() {
        let saved = u[i];
        u[i] = saved + h;
        let plus = loss(u)?;
        u[i] = saved - h;
        let minus = loss(u)?;
        u[i] = saved;
        grad[i] = (plus - minus) / (2.0 * h);
    }
    Ok(grad)
}
// ANCHOR_END: central_difference

/// Checks the gradients of a function of several named inputs.
///
/// - `inputs`: names and values, e.g. `[("dx", &x), ("dw", &w)]`;
/// - `forward(inputs) -> y` (flat);
/// - `backward(inputs, g) -> [dL/dinput₀, dL/dinput₁, ...]`, the analytic
///   gradients of L = ⟨g, y⟩ in the order of `inputs`.
pub fn check_fn(
    inputs: &[(&str, &[f64])],
    mut forward: impl FnMut(&[Vec<f64>]) -> Result<Vec<f64>>,
    backward: impl FnOnce(&[Vec<f64>], &[f64]) -> Result<Vec<Vec<f64>>>,
    cfg: &Config,
) -> Result<Report> {
    let mut values: Vec<Vec<f64>> = inputs.iter().map(|(_, v)| v.to_vec()).collect();
    let y = forward(&values)?;
    let g = upstream(y.len(), cfg.seed);
    let analytic = backward(&values, &g)?;
    crate::ensure_shape!(
        analytic.len() == inputs.len(),
        "gradcheck: backward returned {} gradients for {} inputs",
        analytic.len(),
        inputs.len()
    );
    let mut report = Report { tol: cfg.tol, ..Report::default() };
    for (k, (name, _)) in inputs.iter().enumerate() {
        crate::ensure_shape!(
            analytic[k].len() == values[k].len(),
            "gradcheck: gradient {name} has {} elements but its input has {}",
            analytic[k].len(),
            values[k].len()
        );
        let mut u = std::mem::take(&mut values[k]);
        let numeric = numeric_gradient(&mut u, cfg.h, |u| {
            let mut vals = values.clone();
            vals[k] = u.to_vec();
            Ok(inner(&g, &forward(&vals)?))
        })?;
        values[k] = u;
        report.tensors.push(compare(name, &analytic[k], &numeric));
    }
    Ok(report)
}

/// Checks a [`Layer`]: dx and every parameter gradient, plus the
/// accumulation contract (a second backward adds the same gradient again).
pub fn check_layer<L: Layer<f64> + ?Sized>(layer: &mut L, x: &ArrayD<f64>, cfg: &Config) -> Result<Report> {
    let x = x.as_standard_layout().into_owned();
    let y = layer.forward(&x)?;
    let g_vec = upstream(y.len(), cfg.seed);
    let g = ArrayD::from_shape_vec(y.raw_dim(), g_vec.clone()).map_err(|e| Error::Shape(e.to_string()))?;

    layer.zero_grad();
    let dx = layer.backward(&g)?;
    crate::ensure_shape!(
        dx.shape() == x.shape(),
        "gradcheck: {} returned dx of shape {:?} for x of shape {:?}",
        layer.name(),
        dx.shape(),
        x.shape()
    );
    let analytic: Vec<Vec<f64>> = layer.params().iter().map(|p| p.grad.iter().copied().collect()).collect();

    // Accumulation: a second backward must add the same gradients again.
    let _ = layer.backward(&g)?;
    let twice: Vec<Vec<f64>> = layer.params().iter().map(|p| p.grad.iter().copied().collect()).collect();
    let accumulates = analytic
        .iter()
        .zip(&twice)
        .all(|(a, t)| a.iter().zip(t).all(|(a, t)| (t - 2.0 * a).abs() <= 1e-12 * (1.0 + a.abs())));

    let mut report = Report {
        tol: cfg.tol,
        accumulates: if analytic.is_empty() { None } else { Some(accumulates) },
        ..Report::default()
    };

    // dx by central differences.
    let mut xv: Vec<f64> = x.iter().copied().collect();
    let numeric = numeric_gradient(&mut xv, cfg.h, |u| {
        let xu = ArrayD::from_shape_vec(x.raw_dim(), u.to_vec()).map_err(|e| Error::Shape(e.to_string()))?;
        Ok(inner(&g_vec, layer.forward(&xu)?.as_standard_layout().as_slice().unwrap_or(&[])))
    })?;
    let dx: Vec<f64> = dx.iter().copied().collect();
    report.tensors.push(compare("dx", &dx, &numeric));

    // Every parameter by central differences, perturbing it in place.
    let names: Vec<String> = layer.params().iter().map(|p| p.name.clone()).collect();
    for (k, name) in names.iter().enumerate() {
        let len = layer.params()[k].len();
        let mut numeric = vec![0.0; len];
        for i in 0..len {
            let saved = param_slot(layer, k, i, name, None)?;
            let mut loss_at = |value: f64| -> Result<f64> {
                param_slot(layer, k, i, name, Some(value))?;
                let y = layer.forward(&x)?;
                Ok(inner(&g_vec, y.as_standard_layout().as_slice().unwrap_or(&[])))
            };
            let plus = loss_at(saved + cfg.h)?;
            let minus = loss_at(saved - cfg.h)?;
            param_slot(layer, k, i, name, Some(saved))?;
            numeric[i] = (plus - minus) / (2.0 * cfg.h);
        }
        report.tensors.push(compare(&format!("d{name}"), &analytic[k], &numeric));
    }
    Ok(report)
}

/// Reads element `i` of parameter `k`, writing `set` into it first when given.
fn param_slot<L: Layer<f64> + ?Sized>(layer: &mut L, k: usize, i: usize, name: &str, set: Option<f64>) -> Result<f64> {
    let mut params = layer.params_mut();
    let v = params[k]
        .value
        .as_slice_memory_order_mut()
        .ok_or_else(|| Error::Shape(format!("gradcheck: parameter {name} is not contiguous")))?;
    if let Some(value) = set {
        v[i] = value;
    }
    Ok(v[i])
}
