//! Two problems with a known answer and hand-written gradients, generic
//! over [`Real`] (f32 trains on the SIMD `dot`/`axpy`, f64 is
//! gradient-checked through the same code).
//!
//! Parameters are one flat buffer θ = (w₀ … w_{D−1}, b): D weights, then
//! the bias. For a mini-batch 𝓑 of B sample indices:
//!
//! | problem | prediction | loss L(θ; 𝓑) | gradient |
//! |---|---|---|---|
//! | [`LinearRegression`] | ŷᵢ = xᵢ·w + b | (1/B) Σᵢ (ŷᵢ − yᵢ)² | ∂L/∂w = (2/B) Σᵢ rᵢxᵢ, ∂L/∂b = (2/B) Σᵢ rᵢ, rᵢ = ŷᵢ − yᵢ |
//! | [`LogisticRegression`] | zᵢ = xᵢ·w + b, p = σ(z) | (1/B) Σᵢ [softplus(zᵢ) − yᵢzᵢ] | ∂L/∂w = (1/B) Σᵢ (σ(zᵢ) − yᵢ)xᵢ, ∂L/∂b = (1/B) Σᵢ (σ(zᵢ) − yᵢ) |
//!
//! The logistic loss is binary cross-entropy on the logit z:
//! −y ln σ(z) − (1 − y) ln(1 − σ(z)) = softplus(z) − y·z, computed as
//! max(z, 0) + ln(1 + e^(−|z|)) − y·z so that no exp overflows.

use foundations::{Real, Result, ensure_shape, ensure_value};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A supervised data set: N samples of D features, one target each.
/// x: (N, D) row-major, y: (N)
#[derive(Clone, Debug)]
pub struct Dataset<T> {
    /// Features, (N, D) row-major.
    pub x: Vec<T>,
    /// Targets: real values (regression) or 0/1 labels (classification).
    pub y: Vec<T>,
    /// N
    pub n: usize,
    /// D
    pub d: usize,
}

/// A standard normal sample (Box–Muller).
pub fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]: ln never sees 0
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Logistic sigmoid σ(z) = 1/(1 + e^(−z)), without overflow for any z.
pub fn sigmoid<T: Real>(z: T) -> T {
    if z >= T::zero() {
        T::one() / (T::one() + (-z).exp())
    } else {
        let e = z.exp();
        e / (T::one() + e)
    }
}

/// softplus(z) = ln(1 + e^z) = max(z, 0) + ln(1 + e^(−|z|)), stable for any z.
pub fn softplus<T: Real>(z: T) -> T {
    z.max(T::zero()) + (-z.abs()).exp().ln_1p()
}

impl<T: Real> Dataset<T> {
    fn features(n: usize, d: usize, rng: &mut StdRng) -> Vec<f64> {
        (0..n * d).map(|_| normal(rng)).collect()
    }

    /// N samples xᵢ ~ 𝒩(0, I), yᵢ = xᵢ·w* + b* + σ·εᵢ with εᵢ ~ 𝒩(0, 1).
    pub fn linear(n: usize, w_true: &[f64], b_true: f64, noise: f64, seed: u64) -> Result<Self> {
        let d = w_true.len();
        ensure_shape!(n > 0 && d > 0, "Dataset::linear: need at least one sample and one feature, got n={n}, d={d}");
        ensure_value!(noise >= 0.0 && noise.is_finite(), "Dataset::linear: noise must be ≥ 0, got {noise}");
        let mut rng = StdRng::seed_from_u64(seed);
        let x = Self::features(n, d, &mut rng);
        let y = (0..n)
            .map(|i| {
                let z: f64 = (0..d).map(|j| x[i * d + j] * w_true[j]).sum::<f64>() + b_true;
                T::c(z + noise * normal(&mut rng))
            })
            .collect();
        Ok(Dataset { x: x.into_iter().map(T::c).collect(), y, n, d })
    }

    /// N samples xᵢ ~ 𝒩(0, I), labels yᵢ ~ Bernoulli(σ(xᵢ·w* + b*)).
    pub fn logistic(n: usize, w_true: &[f64], b_true: f64, seed: u64) -> Result<Self> {
        let d = w_true.len();
        ensure_shape!(n > 0 && d > 0, "Dataset::logistic: need at least one sample and one feature, got n={n}, d={d}");
        let mut rng = StdRng::seed_from_u64(seed);
        let x = Self::features(n, d, &mut rng);
        let y = (0..n)
            .map(|i| {
                let z: f64 = (0..d).map(|j| x[i * d + j] * w_true[j]).sum::<f64>() + b_true;
                if rng.random::<f64>() < sigmoid(z) { T::one() } else { T::zero() }
            })
            .collect();
        Ok(Dataset { x: x.into_iter().map(T::c).collect(), y, n, d })
    }

    /// Sample i's features. x_i: (D)
    pub fn row(&self, i: usize) -> &[T] {
        &self.x[i * self.d..(i + 1) * self.d]
    }
}

/// A differentiable loss over a data set, parameters in one flat buffer.
pub trait Problem<T: Real> {
    /// "linear regression (MSE)"
    fn name(&self) -> &str;
    /// N
    fn num_samples(&self) -> usize;
    /// Length of θ.
    fn num_params(&self) -> usize;
    /// L(θ; batch), and its gradient written (not accumulated) into `grad`.
    /// theta, grad: (num_params); batch: sample indices, non-empty.
    fn loss_grad(&self, theta: &[T], batch: &[usize], grad: &mut [T]) -> Result<T>;
    /// L(θ; batch) alone.
    fn loss(&self, theta: &[T], batch: &[usize]) -> Result<T> {
        let mut g = vec![T::zero(); self.num_params()];
        self.loss_grad(theta, batch, &mut g)
    }
    /// L(θ) over the whole data set.
    fn full_loss(&self, theta: &[T]) -> Result<T> {
        let all: Vec<usize> = (0..self.num_samples()).collect();
        self.loss(theta, &all)
    }
}

fn check_args<T>(op: &str, data: &Dataset<T>, theta: &[T], batch: &[usize], grad: &[T]) -> Result<()> {
    let p = data.d + 1;
    ensure_shape!(
        theta.len() == p,
        "{op}: theta has {} elements but D + 1 = {p} (D weights, then the bias)",
        theta.len()
    );
    ensure_shape!(grad.len() == p, "{op}: grad has {} elements but theta has {p}", grad.len());
    ensure_shape!(!batch.is_empty(), "{op}: the batch is empty");
    if let Some(&i) = batch.iter().find(|&&i| i >= data.n) {
        return Err(foundations::Error::Shape(format!(
            "{op}: sample index {i} but the data set has {} samples",
            data.n
        )));
    }
    Ok(())
}

/// Least squares: L = (1/B) Σᵢ (xᵢ·w + b − yᵢ)².
#[derive(Clone, Debug)]
pub struct LinearRegression<T> {
    /// The data.
    pub data: Dataset<T>,
}

impl<T: Real> Problem<T> for LinearRegression<T> {
    fn name(&self) -> &str {
        "linear regression (MSE)"
    }
    fn num_samples(&self) -> usize {
        self.data.n
    }
    fn num_params(&self) -> usize {
        self.data.d + 1
    }

    // ANCHOR: linreg_loss_grad
    fn loss_grad(&self, theta: &[T], batch: &[usize], grad: &mut [T]) -> Result<T> {
        check_args("linear regression", &self.data, theta, batch, grad)?;
        let d = self.data.d;
        let (w, b) = (&theta[..d], theta[d]);
        grad.fill(T::zero());
        let inv_b = T::one() / T::c(batch.len() as f64);
        let mut loss = T::zero();
        for &i in batch {
            let x = self.data.row(i);
            let r = T::dot(x, w)? + b - self.data.y[i]; // rᵢ = ŷᵢ − yᵢ
            loss += r * r;
            // ∂/∂θ of (1/B)·rᵢ² = (2/B)·rᵢ·∂rᵢ/∂θ, with ∂rᵢ/∂w = xᵢ, ∂rᵢ/∂b = 1
            let c = T::c(2.0) * r * inv_b;
            T::axpy(&mut grad[..d], c, x)?;
            grad[d] += c;
        }
        Ok(loss * inv_b)
    }
    // ANCHOR_END: linreg_loss_grad
}

/// Logistic regression: L = (1/B) Σᵢ [softplus(zᵢ) − yᵢzᵢ], zᵢ = xᵢ·w + b.
#[derive(Clone, Debug)]
pub struct LogisticRegression<T> {
    /// The data, labels yᵢ ∈ {0, 1}.
    pub data: Dataset<T>,
}

impl<T: Real> LogisticRegression<T> {
    /// Fraction of samples with (z ≥ 0) == (y = 1).
    pub fn accuracy(&self, theta: &[T]) -> Result<f64> {
        let d = self.data.d;
        ensure_shape!(theta.len() == d + 1, "accuracy: theta has {} elements but D + 1 = {}", theta.len(), d + 1);
        let mut right = 0usize;
        for i in 0..self.data.n {
            let z = T::dot(self.data.row(i), &theta[..d])? + theta[d];
            if (z >= T::zero()) == (self.data.y[i] > T::c(0.5)) {
                right += 1;
            }
        }
        Ok(right as f64 / self.data.n as f64)
    }
}

impl<T: Real> Problem<T> for LogisticRegression<T> {
    fn name(&self) -> &str {
        "logistic regression (binary cross-entropy)"
    }
    fn num_samples(&self) -> usize {
        self.data.n
    }
    fn num_params(&self) -> usize {
        self.data.d + 1
    }

    // ANCHOR: logreg_loss_grad
    fn loss_grad(&self, theta: &[T], batch: &[usize], grad: &mut [T]) -> Result<T> {
        check_args("logistic regression", &self.data, theta, batch, grad)?;
        let d = self.data.d;
        let (w, b) = (&theta[..d], theta[d]);
        grad.fill(T::zero());
        let inv_b = T::one() / T::c(batch.len() as f64);
        let mut loss = T::zero();
        for &i in batch {
            let x = self.data.row(i);
            let y = self.data.y[i];
            let z = T::dot(x, w)? + b; // the logit
            loss += softplus(z) - y * z; // −y ln σ(z) − (1−y) ln(1−σ(z))
            // d/dz [softplus(z) − y·z] = σ(z) − y;  ∂z/∂w = xᵢ, ∂z/∂b = 1
            let c = (sigmoid(z) - y) * inv_b;
            T::axpy(&mut grad[..d], c, x)?;
            grad[d] += c;
        }
        Ok(loss * inv_b)
    }
    // ANCHOR_END: logreg_loss_grad
}
