//! y = x·W + b over rows: the projections of attention and the feed-forward.

use foundations::{MatMut, MatRef, Param, Result, ensure_shape};
use ndarray::ArrayD;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{sl, sl_mut};
use crate::Kernels;

/// A dense map over the last axis. W: (n_in, n_out), b: (n_out).
#[derive(Clone, Debug)]
pub struct Linear<T: Kernels> {
    /// W: (n_in, n_out).
    pub w: Param<T>,
    /// b: (n_out).
    pub b: Param<T>,
    n_in: usize,
    n_out: usize,
    x: Vec<T>,
}

impl<T: Kernels> Linear<T> {
    /// Glorot-uniform W (U(±√(6/(n_in + n_out)))), zero b.
    pub fn new(name: &str, n_in: usize, n_out: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let a = (6.0 / (n_in + n_out).max(1) as f64).sqrt();
        let w: Vec<T> = (0..n_in * n_out).map(|_| T::c(rng.random_range(-a..=a))).collect();
        let w = ArrayD::from_shape_vec(vec![n_in, n_out], w).expect("n_in·n_out values");
        Linear {
            w: Param::new(format!("{name}.W"), w),
            b: Param::new(format!("{name}.b"), ArrayD::zeros(vec![n_out])),
            n_in,
            n_out,
            x: Vec::new(),
        }
    }

    /// y = x·W + b. x: (rows, n_in) → y: (rows, n_out). Caches x.
    pub fn forward(&mut self, x: &[T]) -> Result<Vec<T>> {
        ensure_shape!(
            x.len().is_multiple_of(self.n_in.max(1)),
            "linear: input of {} elements is not a whole number of rows of {}",
            x.len(),
            self.n_in
        );
        let rows = x.len() / self.n_in.max(1);
        let mut y: Vec<T> = (0..rows).flat_map(|_| sl(&self.b.value).iter().copied()).collect();
        if rows > 0 {
            T::gemm(
                MatMut::new(&mut y, rows, self.n_out)?,
                T::one(),
                MatRef::new(x, rows, self.n_in)?,
                MatRef::new(sl(&self.w.value), self.n_in, self.n_out)?,
                T::one(),
            )?;
        }
        self.x = x.to_vec();
        Ok(y)
    }

    /// ACCUMULATES dW, db; returns dx. dy: (rows, n_out).
    pub fn backward(&mut self, dy: &[T]) -> Result<Vec<T>> {
        let rows = self.x.len() / self.n_in.max(1);
        ensure_shape!(
            dy.len() == rows * self.n_out,
            "linear: dy has {} elements, expected {}",
            dy.len(),
            rows * self.n_out
        );
        let mut dx = vec![T::zero(); rows * self.n_in];
        if rows == 0 {
            return Ok(dx);
        }
        let dym = MatRef::new(dy, rows, self.n_out)?;
        // y = x W + b  ⇒  dW += xᵀ dy,  db += Σ_rows dy,  dx = dy Wᵀ
        T::gemm(
            MatMut::new(sl_mut(&mut self.w.grad), self.n_in, self.n_out)?,
            T::one(),
            MatRef::new(&self.x, rows, self.n_in)?.t(),
            dym,
            T::one(),
        )?;
        let db = sl_mut(&mut self.b.grad);
        for r in 0..rows {
            for (g, &d) in db.iter_mut().zip(&dy[r * self.n_out..][..self.n_out]) {
                *g += d;
            }
        }
        T::gemm(
            MatMut::new(&mut dx, rows, self.n_in)?,
            T::one(),
            dym,
            MatRef::new(sl(&self.w.value), self.n_in, self.n_out)?.t(),
            T::zero(),
        )?;
        Ok(dx)
    }

    /// W and b.
    pub fn params(&self) -> Vec<&Param<T>> {
        vec![&self.w, &self.b]
    }

    /// W and b, mutable.
    pub fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.w, &mut self.b]
    }
}
