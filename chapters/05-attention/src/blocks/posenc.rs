//! Positional encodings: attention is blind to order (permuting the tokens
//! permutes the outputs), so position is added to the input.

use foundations::{Layer, Param, Result, ensure_shape};
use ndarray::ArrayD;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{arr, btd, need, sl, sl_mut};
use crate::Kernels;

// ANCHOR: sinusoidal
/// PE: (T, D) with PE[pos, 2i] = sin(pos / 10000^(2i/D)), PE[pos, 2i+1] = cos(pos / 10000^(2i/D)).
pub fn sinusoidal<T: Kernels>(t: usize, d: usize) -> Vec<T> {
    let mut pe = vec![T::zero(); t * d];
    for pos in 0..t {
        for c in 0..d {
            let i2 = (c - c % 2) as f64;
            let angle = pos as f64 / 10000f64.powf(i2 / d as f64);
            pe[pos * d + c] = T::c(if c % 2 == 0 { angle.sin() } else { angle.cos() });
        }
    }
    pe
}
// ANCHOR_END: sinusoidal

/// y = x + PE (fixed, no parameters). x: (B, T, D).
#[derive(Clone, Debug)]
pub struct SinusoidalEncoding {
    d: usize,
}

impl SinusoidalEncoding {
    /// For width D.
    pub fn new(d: usize) -> Self {
        SinusoidalEncoding { d }
    }
}

impl<T: Kernels> Layer<T> for SinusoidalEncoding {
    fn name(&self) -> String {
        format!("sinusoidal_encoding({})", self.d)
    }
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (_, t, mut xv) = btd("sinusoidal_encoding", x, self.d)?;
        let pe = sinusoidal::<T>(t, self.d);
        for (i, v) in xv.iter_mut().enumerate() {
            *v += pe[i % (t * self.d)];
        }
        arr(x.shape(), xv)
    }
    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        // y = x + PE  ⇒  dx = dy
        Ok(dy.clone())
    }
}

/// y = x + P[0..T], P: (max_len, D) learned.
#[derive(Clone, Debug)]
pub struct LearnedEncoding<T: Kernels> {
    /// P: (max_len, D), initialised U(±0.02).
    pub table: Param<T>,
    d: usize,
    shape: Option<(usize, usize)>,
}

impl<T: Kernels> LearnedEncoding<T> {
    /// A table for sequences up to `max_len`.
    pub fn new(max_len: usize, d: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let v: Vec<T> = (0..max_len * d).map(|_| T::c(rng.random_range(-0.02..=0.02))).collect();
        LearnedEncoding {
            table: Param::new("pos.table", ArrayD::from_shape_vec(vec![max_len, d], v).expect("max_len·d")),
            d,
            shape: None,
        }
    }
}

impl<T: Kernels> Layer<T> for LearnedEncoding<T> {
    fn name(&self) -> String {
        format!("learned_encoding({}, {})", self.table.value.shape()[0], self.d)
    }
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (b, t, mut xv) = btd("learned_encoding", x, self.d)?;
        let max = self.table.value.shape()[0];
        ensure_shape!(t <= max, "learned_encoding: sequence of {t} positions but the table has {max}");
        let p = sl(&self.table.value);
        for (i, v) in xv.iter_mut().enumerate() {
            *v += p[i % (t * self.d)];
        }
        self.shape = Some((b, t));
        arr(x.shape(), xv)
    }
    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let &(b, t) = need("learned_encoding", &self.shape)?;
        ensure_shape!(
            dy.len() == b * t * self.d,
            "learned_encoding: dy has {} elements, expected {}",
            dy.len(),
            b * t * self.d
        );
        // y[b, pos] = x[b, pos] + P[pos]  ⇒  dP[pos] += Σ_b dy[b, pos],  dx = dy
        let g = sl_mut(&mut self.table.grad);
        for (i, &v) in dy.iter().enumerate() {
            g[i % (t * self.d)] += v;
        }
        Ok(dy.clone())
    }
    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.table]
    }
    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.table]
    }
}
