//! Loss functions (损失函数), forward and backward, generic over
//! `T: LossKernels` (f32 trains on SIMD kernels, f64 is gradient-checked).
//!
//! | loss | forward, one example | ∂ℓ/∂input |
//! |---|---|---|
//! | [`mse`] (均方误差) | (p − t)² | 2(p − t) |
//! | [`mae`] | \|p − t\| | sign(p − t) (0 at the kink) |
//! | [`bce_with_logits`] | max(z,0) − z·y + ln(1 + e^−\|z\|) | σ(z) − y |
//! | [`categorical_cross_entropy`] (交叉熵) | −Σⱼ yⱼ ln pⱼ | −yⱼ/pⱼ |
//! | [`sparse_categorical_cross_entropy`] | −ln p_label | −1/p_label at the label |
//! | [`softmax_cross_entropy`] (fused, labels) | lse(x) − x_label | p − onehot |
//! | [`softmax_cross_entropy_probs`] (fused, targets) | −Σⱼ yⱼ log_softmax(x)ⱼ | p·Σy − y |
//!
//! **Reduction** is always explicit ([`Reduction`]): `Sum` adds the
//! per-example losses, `Mean` divides by the number of examples: every
//! element for MSE, MAE and BCE; the N rows for the categorical losses. That
//! divisor is the 1/N of the famous gradient (p − y)/N.
//!
//! Backward functions take the upstream `dloss` = ∂L/∂loss (1 when the loss
//! is the objective) and ACCUMULATE (+=) into the gradient buffer.
//!
//! Bad input is an error: mismatched lengths, an empty batch, a label
//! outside 0..C, C = 0.

pub(crate) mod simd;

#[cfg(target_arch = "x86_64")]
mod avx2_fma;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;

use foundations::{Isa, Real, Result, dispatch, ensure_shape};

use crate::LossKernels;
use crate::softmax::{check_labels, check_rows};

/// How per-example losses combine into one number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// The average over examples (Keras' default, `reduction="sum_over_batch_size"`).
    Mean,
    /// The plain sum.
    Sum,
}

impl Reduction {
    /// The factor applied to the sum of `count` per-example losses.
    pub fn factor<T: Real>(self, count: usize) -> T {
        match self {
            Reduction::Mean => T::one() / T::c(count as f64),
            Reduction::Sum => T::one(),
        }
    }
}

/// Predictions and targets of the same non-zero length.
fn check_pair(op: &str, pred: usize, target: usize) -> Result<()> {
    ensure_shape!(pred > 0, "{op}: empty batch: there are no predictions to compare");
    ensure_shape!(pred == target, "{op}: predictions have {pred} elements but targets have {target}");
    Ok(())
}

/// A gradient buffer of the input's length.
fn check_grad(op: &str, grad: usize, pred: usize) -> Result<()> {
    ensure_shape!(grad == pred, "{op}: the gradient buffer has {grad} elements but the predictions have {pred}");
    Ok(())
}

/// An (N, C) batch with N ≥ 1.
fn check_batch(op: &str, bufs: &[(&str, usize)], rows: &[(&str, usize)], n: usize, c: usize) -> Result<()> {
    ensure_shape!(n > 0, "{op}: empty batch: N = 0 rows");
    check_rows(op, bufs, rows, n, c)
}

/// Σᵢ (pᵢ − tᵢ)² in f32 on a given ISA (the body of MSE). p, t: (n)
pub fn sq_diff_sum_on(isa: Isa, p: &[f32], t: &[f32]) -> Result<f32> {
    ensure_shape!(p.len() == t.len(), "mse: predictions have {} elements but targets have {}", p.len(), t.len());
    Ok(dispatch!(isa, "mse", sq_diff_sum(p, t), naive_sq_diff_sum(p, t)))
}

// ANCHOR: mse_naive
/// Σᵢ (pᵢ − tᵢ)², the oracle. p, t: (n)
pub fn naive_sq_diff_sum<T: Real>(p: &[T], t: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..p.len() {
        let d = p[i] - t[i];
        s += d * d;
    }
    s
}
// ANCHOR_END: mse_naive

// ANCHOR: mse
/// Mean squared error L = r·Σᵢ (pᵢ − tᵢ)², r = 1/n (Mean) or 1 (Sum).
/// pred, target: (n), any shape flattened.
pub fn mse<T: LossKernels>(pred: &[T], target: &[T], red: Reduction) -> Result<T> {
    check_pair("mse", pred.len(), target.len())?;
    Ok(T::sq_diff_sum(pred, target)? * red.factor(pred.len()))
}

/// dpred += dloss · r · 2(p − t) (ACCUMULATES). dpred, pred, target: (n)
pub fn mse_backward<T: LossKernels>(dpred: &mut [T], pred: &[T], target: &[T], red: Reduction, dloss: T) -> Result<()> {
    check_pair("mse", pred.len(), target.len())?;
    check_grad("mse", dpred.len(), pred.len())?;
    // forward: L = r·Σ (pᵢ − tᵢ)²  ⇒  ∂L/∂pᵢ = 2r(pᵢ − tᵢ)
    let k = dloss * red.factor::<T>(pred.len()) * T::c(2.0);
    for i in 0..pred.len() {
        dpred[i] += k * (pred[i] - target[i]);
    }
    Ok(())
}
// ANCHOR_END: mse

/// Mean absolute error L = r·Σᵢ |pᵢ − tᵢ|. pred, target: (n)
pub fn mae<T: LossKernels>(pred: &[T], target: &[T], red: Reduction) -> Result<T> {
    check_pair("mae", pred.len(), target.len())?;
    let mut s = T::zero();
    for i in 0..pred.len() {
        s += (pred[i] - target[i]).abs();
    }
    Ok(s * red.factor(pred.len()))
}

/// dpred += dloss · r · sign(p − t) (ACCUMULATES); the kink p = t gets 0
/// (a subgradient). dpred, pred, target: (n)
pub fn mae_backward<T: LossKernels>(dpred: &mut [T], pred: &[T], target: &[T], red: Reduction, dloss: T) -> Result<()> {
    check_pair("mae", pred.len(), target.len())?;
    check_grad("mae", dpred.len(), pred.len())?;
    // forward: L = r·Σ |pᵢ − tᵢ|  ⇒  ∂L/∂pᵢ = r·sign(pᵢ − tᵢ), undefined at pᵢ = tᵢ
    let k = dloss * red.factor::<T>(pred.len());
    for i in 0..pred.len() {
        let d = pred[i] - target[i];
        let sign = if d > T::zero() {
            T::one()
        } else if d < T::zero() {
            -T::one()
        } else {
            T::zero()
        };
        dpred[i] += k * sign;
    }
    Ok(())
}

/// σ(z) = 1/(1 + e^−z), computed without overflow for either sign: chapter
/// 1's (its logistic regression), re-exported.
pub use gradient_descent::problems::sigmoid;

// ANCHOR: bce
/// Binary cross-entropy on logits z with targets y ∈ [0, 1]:
/// ℓ = −y ln σ(z) − (1 − y) ln(1 − σ(z)) = max(z, 0) − z·y + ln(1 + e^−|z|),
/// the stable form (no e^z overflow, no ln 0). L = r·Σ ℓ. z, y: (n)
pub fn bce_with_logits<T: LossKernels>(z: &[T], y: &[T], red: Reduction) -> Result<T> {
    check_pair("bce_with_logits", z.len(), y.len())?;
    let mut s = T::zero();
    for i in 0..z.len() {
        s += z[i].max(T::zero()) - z[i] * y[i] + (-z[i].abs()).exp().ln_1p();
    }
    Ok(s * red.factor(z.len()))
}

/// dz += dloss · r · (σ(z) − y) (ACCUMULATES). dz, z, y: (n)
pub fn bce_with_logits_backward<T: LossKernels>(
    dz: &mut [T],
    z: &[T],
    y: &[T],
    red: Reduction,
    dloss: T,
) -> Result<()> {
    check_pair("bce_with_logits", z.len(), y.len())?;
    check_grad("bce_with_logits", dz.len(), z.len())?;
    // forward: ℓ = max(z,0) − z·y + ln(1 + e^−|z|)  ⇒  ∂ℓ/∂z = σ(z) − y (both signs of z)
    let k = dloss * red.factor::<T>(z.len());
    for i in 0..z.len() {
        dz[i] += k * (sigmoid(z[i]) - y[i]);
    }
    Ok(())
}
// ANCHOR_END: bce

/// Categorical cross-entropy on probabilities p (e.g. a softmax output)
/// with target distributions y (one-hot or soft): ℓᵢ = −Σⱼ yᵢⱼ ln pᵢⱼ,
/// L = r·Σᵢ ℓᵢ with r = 1/N for Mean. p, y: (N, C). A p of 0 where y > 0
/// gives +∞: prefer [`softmax_cross_entropy_probs`] on logits.
pub fn categorical_cross_entropy<T: LossKernels>(p: &[T], y: &[T], n: usize, c: usize, red: Reduction) -> Result<T> {
    check_batch("categorical_cross_entropy", &[("p", p.len()), ("y", y.len())], &[], n, c)?;
    let mut s = T::zero();
    for k in 0..n * c {
        if y[k] != T::zero() {
            s -= y[k] * p[k].ln();
        }
    }
    Ok(s * red.factor(n))
}

/// dp += dloss · r · (−y/p) (ACCUMULATES). dp, p, y: (N, C)
#[allow(clippy::too_many_arguments)] // gradient, inputs, dims, reduction, upstream
pub fn categorical_cross_entropy_backward<T: LossKernels>(
    dp: &mut [T],
    p: &[T],
    y: &[T],
    n: usize,
    c: usize,
    red: Reduction,
    dloss: T,
) -> Result<()> {
    check_batch("categorical_cross_entropy", &[("dp", dp.len()), ("p", p.len()), ("y", y.len())], &[], n, c)?;
    // forward: ℓᵢ = −Σⱼ yᵢⱼ ln pᵢⱼ  ⇒  ∂ℓᵢ/∂pᵢⱼ = −yᵢⱼ/pᵢⱼ
    let k = dloss * red.factor::<T>(n);
    for j in 0..n * c {
        if y[j] != T::zero() {
            dp[j] -= k * y[j] / p[j];
        }
    }
    Ok(())
}

// ANCHOR: sparse_cce
/// Sparse categorical cross-entropy (the seed's `sparse_categorical_crossentropy`):
/// integer labels instead of one-hot rows, ℓᵢ = −ln pᵢ,ₗᵢ. p: (N, C)  labels: (N)
pub fn sparse_categorical_cross_entropy<T: LossKernels>(
    p: &[T],
    labels: &[usize],
    n: usize,
    c: usize,
    red: Reduction,
) -> Result<T> {
    let op = "sparse_categorical_cross_entropy";
    check_batch(op, &[("p", p.len())], &[("labels", labels.len())], n, c)?;
    check_labels(op, labels, c)?;
    let mut s = T::zero();
    for (i, &l) in labels.iter().enumerate() {
        s -= p[i * c + l].ln();
    }
    Ok(s * red.factor(n))
}
// ANCHOR_END: sparse_cce

/// dp += dloss · r · (−1/p) at each row's label (ACCUMULATES). dp, p: (N, C)  labels: (N)
#[allow(clippy::too_many_arguments)] // gradient, inputs, dims, reduction, upstream
pub fn sparse_categorical_cross_entropy_backward<T: LossKernels>(
    dp: &mut [T],
    p: &[T],
    labels: &[usize],
    n: usize,
    c: usize,
    red: Reduction,
    dloss: T,
) -> Result<()> {
    let op = "sparse_categorical_cross_entropy";
    check_batch(op, &[("dp", dp.len()), ("p", p.len())], &[("labels", labels.len())], n, c)?;
    check_labels(op, labels, c)?;
    // forward: ℓᵢ = −ln pᵢ,ₗᵢ  ⇒  ∂ℓᵢ/∂pᵢ,ₗᵢ = −1/pᵢ,ₗᵢ, zero elsewhere
    let k = dloss * red.factor::<T>(n);
    for (i, &l) in labels.iter().enumerate() {
        let j = i * c + l;
        dp[j] -= k / p[j];
    }
    Ok(())
}

// ANCHOR: softmax_xent
/// Fused softmax + cross-entropy with integer labels, on logits:
/// p = softmax(x) is written to `p` (backward needs it), and
/// L = r·Σᵢ (lse(xᵢ) − xᵢ,ₗᵢ), which is −r·Σᵢ ln pᵢ,ₗᵢ computed without
/// ever taking ln of an underflowed p. p, x: (N, C)  labels: (N)
pub fn softmax_cross_entropy<T: LossKernels>(
    p: &mut [T],
    x: &[T],
    labels: &[usize],
    n: usize,
    c: usize,
    red: Reduction,
) -> Result<T> {
    ensure_shape!(n > 0, "softmax_cross_entropy: empty batch: N = 0 rows");
    let mut rows = vec![T::zero(); n];
    T::softmax_xent_rows(p, &mut rows, x, labels, n, c)?;
    Ok(rows.iter().copied().sum::<T>() * red.factor(n))
}

/// dx += dloss · r · (p − onehot(label)) (ACCUMULATES): the whole backward
/// of softmax followed by cross-entropy, with r = 1/N for Mean.
/// dx, p: (N, C)  labels: (N)
#[allow(clippy::too_many_arguments)] // gradient, inputs, dims, reduction, upstream
pub fn softmax_cross_entropy_backward<T: LossKernels>(
    dx: &mut [T],
    p: &[T],
    labels: &[usize],
    n: usize,
    c: usize,
    red: Reduction,
    dloss: T,
) -> Result<()> {
    let op = "softmax_cross_entropy";
    check_batch(op, &[("dx", dx.len()), ("p", p.len())], &[("labels", labels.len())], n, c)?;
    check_labels(op, labels, c)?;
    // forward: ℓᵢ = lse(xᵢ) − xᵢ,ₗᵢ  ⇒  ∂ℓᵢ/∂xᵢⱼ = pᵢⱼ − [j = lᵢ]
    let k = dloss * red.factor::<T>(n);
    T::axpy(dx, k, p)?;
    for (i, &l) in labels.iter().enumerate() {
        dx[i * c + l] -= k;
    }
    Ok(())
}
// ANCHOR_END: softmax_xent

/// Fused softmax + cross-entropy with target distributions y (one-hot or
/// soft): ℓᵢ = −Σⱼ yᵢⱼ log_softmax(xᵢ)ⱼ, L = r·Σᵢ ℓᵢ. Writes p = softmax(x).
/// p, x, y: (N, C)
pub fn softmax_cross_entropy_probs<T: LossKernels>(
    p: &mut [T],
    x: &[T],
    y: &[T],
    n: usize,
    c: usize,
    red: Reduction,
) -> Result<T> {
    let op = "softmax_cross_entropy_probs";
    check_batch(op, &[("p", p.len()), ("x", x.len()), ("y", y.len())], &[], n, c)?;
    let mut lse = vec![T::zero(); n];
    T::log_sum_exp_rows(&mut lse, x, n, c)?;
    T::softmax_rows(p, x, n, c)?;
    let mut s = T::zero();
    for i in 0..n {
        for j in 0..c {
            s -= y[i * c + j] * (x[i * c + j] - lse[i]);
        }
    }
    Ok(s * red.factor(n))
}

/// dx += dloss · r · (p·Σⱼyⱼ − y) (ACCUMULATES); for rows of y summing to 1
/// that is the familiar p − y. dx, p, y: (N, C)
#[allow(clippy::too_many_arguments)] // gradient, inputs, dims, reduction, upstream
pub fn softmax_cross_entropy_probs_backward<T: LossKernels>(
    dx: &mut [T],
    p: &[T],
    y: &[T],
    n: usize,
    c: usize,
    red: Reduction,
    dloss: T,
) -> Result<()> {
    let op = "softmax_cross_entropy_probs";
    check_batch(op, &[("dx", dx.len()), ("p", p.len()), ("y", y.len())], &[], n, c)?;
    // forward: ℓ = −Σⱼ yⱼ (xⱼ − lse(x))  ⇒  ∂ℓ/∂xⱼ = −yⱼ + (Σₖ yₖ)·pⱼ
    let k = dloss * red.factor::<T>(n);
    for i in 0..n {
        let r = i * c..(i + 1) * c;
        let ysum: T = y[r.clone()].iter().copied().sum();
        for j in r {
            dx[j] += k * (p[j] * ysum - y[j]);
        }
    }
    Ok(())
}
