//! Softmax and log-softmax as [`Layer`]s, and the fused softmax +
//! cross-entropy as a loss object, for models that stack layers (chapter 6).
//!
//! The layers act on the last axis: an input of shape (…, C) is N = len/C
//! rows of C. They have no parameters.

use foundations::{Error, Layer, Result, ensure_shape};
use ndarray::ArrayD;

use crate::LossKernels;
use crate::loss::{self, Reduction};

/// (N, C) of an array whose last axis is C.
fn rows_of<T>(op: &str, x: &ArrayD<T>) -> Result<(usize, usize)> {
    let c = *x.shape().last().ok_or_else(|| Error::Shape(format!("{op}: a scalar has no class axis")))?;
    ensure_shape!(c > 0, "{op}: the class axis is empty (C = 0)");
    Ok((x.len() / c, c))
}

/// A contiguous copy of the data.
fn flat<T: Clone>(x: &ArrayD<T>) -> Vec<T> {
    x.iter().cloned().collect()
}

fn array<T>(shape: &[usize], data: Vec<T>) -> Result<ArrayD<T>> {
    ArrayD::from_shape_vec(shape.to_vec(), data).map_err(|e| Error::Shape(e.to_string()))
}

/// y = softmax(x) along the last axis. Caches y for backward.
#[derive(Clone, Debug, Default)]
pub struct Softmax<T> {
    y: Option<ArrayD<T>>,
}

impl<T: LossKernels> Softmax<T> {
    /// A softmax layer.
    pub fn new() -> Self {
        Softmax { y: None }
    }
}

impl<T: LossKernels> Layer<T> for Softmax<T> {
    fn name(&self) -> String {
        "softmax".into()
    }
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (n, c) = rows_of("softmax", x)?;
        let mut y = vec![T::zero(); x.len()];
        T::softmax_rows(&mut y, &flat(x), n, c)?;
        let y = array(x.shape(), y)?;
        self.y = Some(y.clone());
        Ok(y)
    }
    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let y = self.y.as_ref().ok_or_else(|| Error::Value("softmax: backward called before forward".into()))?;
        ensure_shape!(dy.shape() == y.shape(), "softmax: dy has shape {:?} but y has {:?}", dy.shape(), y.shape());
        let (n, c) = rows_of("softmax", y)?;
        let mut dx = vec![T::zero(); y.len()];
        T::softmax_rows_backward(&mut dx, &flat(y), &flat(dy), n, c)?;
        array(y.shape(), dx)
    }
}

/// y = log_softmax(x) along the last axis. Caches y for backward.
#[derive(Clone, Debug, Default)]
pub struct LogSoftmax<T> {
    y: Option<ArrayD<T>>,
}

impl<T: LossKernels> LogSoftmax<T> {
    /// A log-softmax layer.
    pub fn new() -> Self {
        LogSoftmax { y: None }
    }
}

impl<T: LossKernels> Layer<T> for LogSoftmax<T> {
    fn name(&self) -> String {
        "log_softmax".into()
    }
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (n, c) = rows_of("log_softmax", x)?;
        let mut y = vec![T::zero(); x.len()];
        T::log_softmax_rows(&mut y, &flat(x), n, c)?;
        let y = array(x.shape(), y)?;
        self.y = Some(y.clone());
        Ok(y)
    }
    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let y = self.y.as_ref().ok_or_else(|| Error::Value("log_softmax: backward called before forward".into()))?;
        ensure_shape!(dy.shape() == y.shape(), "log_softmax: dy has shape {:?} but y has {:?}", dy.shape(), y.shape());
        let (n, c) = rows_of("log_softmax", y)?;
        let mut dx = vec![T::zero(); y.len()];
        T::log_softmax_rows_backward(&mut dx, &flat(y), &flat(dy), n, c)?;
        array(y.shape(), dx)
    }
}

// ANCHOR: softmax_ce_object
/// The usual classifier head's loss: softmax + sparse categorical
/// cross-entropy on logits, fused. `forward(logits, labels)` returns the loss
/// and caches p; `backward()` returns dL/dlogits = r·(p − onehot).
#[derive(Clone, Debug)]
pub struct SoftmaxCrossEntropy<T> {
    /// Mean (r = 1/N) or Sum (r = 1).
    pub reduction: Reduction,
    cache: Option<(ArrayD<T>, Vec<usize>)>,
}

impl<T: LossKernels> SoftmaxCrossEntropy<T> {
    /// A loss with the given reduction.
    pub fn new(reduction: Reduction) -> Self {
        SoftmaxCrossEntropy { reduction, cache: None }
    }

    /// L for logits (…, C) and one label in 0..C per row.
    pub fn forward(&mut self, logits: &ArrayD<T>, labels: &[usize]) -> Result<T> {
        let (n, c) = rows_of("softmax_cross_entropy", logits)?;
        let mut p = vec![T::zero(); logits.len()];
        let l = loss::softmax_cross_entropy(&mut p, &flat(logits), labels, n, c, self.reduction)?;
        self.cache = Some((array(logits.shape(), p)?, labels.to_vec()));
        Ok(l)
    }

    /// The probabilities of the last forward.
    pub fn probabilities(&self) -> Option<&ArrayD<T>> {
        self.cache.as_ref().map(|(p, _)| p)
    }

    /// dL/dlogits for the last forward (dloss = 1).
    pub fn backward(&self) -> Result<ArrayD<T>> {
        let (p, labels) = self
            .cache
            .as_ref()
            .ok_or_else(|| Error::Value("softmax_cross_entropy: backward called before forward".into()))?;
        let (n, c) = rows_of("softmax_cross_entropy", p)?;
        let mut dx = vec![T::zero(); p.len()];
        loss::softmax_cross_entropy_backward(&mut dx, &flat(p), labels, n, c, self.reduction, T::one())?;
        array(p.shape(), dx)
    }
}
// ANCHOR_END: softmax_ce_object
