//! The embedding layer: token ids → vectors (the seed's Embedding(10000, 64)).
//!
//! ```text
//! E: (V, D)          y[n, t, :] = E[id[n, t], :]          (a row lookup)
//! ```
//!
//! It is a matrix product with one-hot vectors, onehot(id)·E, done without
//! building the one-hots. Its backward is **sparse**: only the rows that
//! were looked up receive gradient, and a token seen twice gets both
//! contributions added:
//!
//! ```text
//! dE[id[n, t], :] += dy[n, t, :]
//! ```
//!
//! Two ways in:
//! - [`Embedding::forward_ids`] / [`Embedding::backward_ids`] take ids as
//!   `&[usize]`, the natural type;
//! - the [`Layer`] impl takes ids **encoded as T** in an (N, T) array, so
//!   the layer stacks with the others in chapter 6. Each value must be a
//!   whole number in [0, V). Its backward returns dx = 0: ids are not
//!   differentiable (a finite-difference check of dx is meaningless, so
//!   the tests check dE through `check_fn`).

use ndarray::ArrayD;

use foundations::{Error, Layer, Param, Result, ensure_shape};
use rand::Rng;

use crate::init;
use crate::kernels::RnnReal;
use crate::util::{array, flat, flat_mut};

/// A (V, D) table of learned vectors.
#[derive(Clone, Debug)]
pub struct Embedding<T: RnnReal> {
    vocab: usize,
    d: usize,
    e: Param<T>,
    /// (ids, N, T) of the last forward.
    cache: Option<(Vec<usize>, usize, usize)>,
}

impl<T: RnnReal> Embedding<T> {
    /// V tokens → D-vectors, E ~ U(−0.05, 0.05) (Keras's default), seeded.
    pub fn new(vocab: usize, d: usize, seed: u64) -> Result<Self> {
        let mut rng = init::rng(seed);
        let e = (0..vocab * d).map(|_| T::c(rng.random_range(-0.05..=0.05))).collect();
        Self::from_table(vocab, d, e)
    }

    /// A layer with the given table E: (V, D) row-major.
    pub fn from_table(vocab: usize, d: usize, e: Vec<T>) -> Result<Self> {
        ensure_shape!(
            vocab > 0 && d > 0,
            "embedding: vocabulary V and width D must be positive, got V = {vocab}, D = {d}"
        );
        ensure_shape!(e.len() == vocab * d, "embedding: E must be (V, D) = ({vocab}, {d}), got {} elements", e.len());
        Ok(Embedding { vocab, d, e: Param::new("E", array(&[vocab, d], e)?), cache: None })
    }

    /// Vocabulary size V.
    pub fn vocab(&self) -> usize {
        self.vocab
    }

    // ANCHOR: embedding
    /// ids: (N, T) row-major → y: (N, T, D). Errors on an id ≥ V.
    pub fn forward_ids(&mut self, ids: &[usize], n: usize, steps: usize) -> Result<ArrayD<T>> {
        ensure_shape!(ids.len() == n * steps, "embedding: {} ids for (N, T) = ({n}, {steps})", ids.len());
        let (v, d) = (self.vocab, self.d);
        if let Some(p) = ids.iter().position(|&id| id >= v) {
            return Err(Error::Value(format!(
                "embedding: token id {} at (n, t) = ({}, {}) is out of range: the vocabulary has V = {v} ids, 0..={}",
                ids[p],
                p / steps.max(1),
                p % steps.max(1),
                v - 1
            )));
        }
        let e = flat(&self.e.value, "embedding E")?;
        let mut y = Vec::with_capacity(ids.len() * d);
        for &id in ids {
            y.extend_from_slice(&e[id * d..(id + 1) * d]);
        }
        self.cache = Some((ids.to_vec(), n, steps));
        array(&[n, steps, d], y)
    }

    /// dy: (N, T, D). Accumulates `dE[id] += dy[n, t]` for every looked-up id.
    pub fn backward_ids(&mut self, dy: &ArrayD<T>) -> Result<()> {
        let (ids, n, steps) =
            self.cache.as_ref().ok_or_else(|| Error::Value("embedding: backward before forward".into()))?;
        let d = self.d;
        ensure_shape!(dy.shape() == [*n, *steps, d], "embedding: dy must be ({n}, {steps}, {d}), got {:?}", dy.shape());
        let dy = dy.as_standard_layout();
        let dy = flat(&dy, "embedding dy")?;
        let de = flat_mut(&mut self.e.grad, "embedding dE")?;
        for (k, &id) in ids.iter().enumerate() {
            // y[k] = E[id]  ⇒  dE[id] += dy[k]
            for j in 0..d {
                de[id * d + j] += dy[k * d + j];
            }
        }
        Ok(())
    }
    // ANCHOR_END: embedding
}

impl<T: RnnReal> Layer<T> for Embedding<T> {
    fn name(&self) -> String {
        format!("embedding({}→{})", self.vocab, self.d)
    }

    /// x: (N, T) holding token ids as whole numbers → (N, T, D).
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        ensure_shape!(x.ndim() == 2, "embedding: x must be (N, T) token ids, got shape {:?}", x.shape());
        let (n, steps) = (x.shape()[0], x.shape()[1]);
        let mut ids = Vec::with_capacity(x.len());
        for (k, &v) in x.iter().enumerate() {
            let f = v.f64();
            if !(f >= 0.0 && f.fract() == 0.0 && f < self.vocab as f64) {
                return Err(Error::Value(format!(
                    "embedding: x[{}, {}] = {f} is not a token id: ids are whole numbers in 0..={}",
                    k / steps.max(1),
                    k % steps.max(1),
                    self.vocab - 1
                )));
            }
            ids.push(f as usize);
        }
        self.forward_ids(&ids, n, steps)
    }

    /// Accumulates dE; returns dx = 0 (ids are not differentiable).
    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        self.backward_ids(dy)?;
        let (_, n, steps) =
            self.cache.as_ref().ok_or_else(|| Error::Value("embedding: backward before forward".into()))?;
        Ok(ArrayD::zeros(ndarray::IxDyn(&[*n, *steps])))
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.e]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.e]
    }
}
