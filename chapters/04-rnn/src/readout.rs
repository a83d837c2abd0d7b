//! Output layers on the hidden state: linear or softmax, at every step or
//! at the last step.
//!
//! ```text
//! y = h·V + c            V: (H, K)   c: (K)         (linear)
//! p = softmax(h·V + c)                              (softmax, over the K outputs)
//! ```
//!
//! The layer works on the **last axis**, so the same layer is a per-step
//! output on an RNN with `return_sequences` (h: (N, T, H) → (N, T, K)) and a
//! last-step output without it (h: (N, H) → (N, K)).

use ndarray::ArrayD;

use foundations::gemm::{MatMut, MatRef};
use foundations::{Isa, Layer, Param, Real, Result, ensure_shape};

use crate::init;
use crate::kernels::RnnReal;
use crate::util::{add_col_sums, array, cast, flat, flat_mut};

// ANCHOR: softmax
/// Softmax of each row of y: (rows, k), in place: yᵢ ← e^(yᵢ − m) / Σⱼ e^(yⱼ − m),
/// m = maxⱼ yⱼ (subtracting m changes nothing but keeps e^(·) ≤ 1).
// TODO(ch2): use losses::softmax once chapter 2 lands
pub fn softmax_rows<T: Real>(y: &mut [T], k: usize) {
    if k == 0 {
        return;
    }
    for row in y.chunks_exact_mut(k) {
        let m = row.iter().copied().fold(T::neg_infinity(), num_traits::Float::max);
        let mut s = T::zero();
        for v in row.iter_mut() {
            *v = (*v - m).exp();
            s += *v;
        }
        for v in row.iter_mut() {
            *v /= s;
        }
    }
}
// ANCHOR_END: softmax

/// Linear or softmax output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// y = h·V + c
    Linear,
    /// p = softmax(h·V + c)
    Softmax,
}

/// A dense output layer applied along the last axis.
#[derive(Clone, Debug)]
pub struct Readout<T: RnnReal> {
    hd: usize,
    k: usize,
    kind: Output,
    v: Param<T>,
    c: Param<T>,
    isa: Isa,
    /// (input, output, leading shape) of the last forward.
    cache: Option<(Vec<T>, Vec<T>, Vec<usize>)>,
}

impl<T: RnnReal> Readout<T> {
    /// H → K outputs, V glorot_uniform (seeded), c = 0.
    pub fn new(hd: usize, k: usize, kind: Output, seed: u64) -> Result<Self> {
        ensure_shape!(hd > 0 && k > 0, "readout: sizes must be positive, got H = {hd}, K = {k}");
        let mut rng = init::rng(seed);
        let v = cast(init::glorot_uniform(&mut rng, hd * k, hd, k));
        Ok(Readout {
            hd,
            k,
            kind,
            v: Param::new("V", array(&[hd, k], v)?),
            c: Param::new("c", array(&[k], vec![T::zero(); k])?),
            isa: Isa::active(),
            cache: None,
        })
    }

    /// Runs the f32 GEMMs on `isa`.
    pub fn with_isa(mut self, isa: Isa) -> Self {
        self.isa = isa;
        self
    }
}

impl<T: RnnReal> Layer<T> for Readout<T> {
    fn name(&self) -> String {
        format!("readout({}→{}, {:?})", self.hd, self.k, self.kind)
    }

    /// x: (…, H) → (…, K)
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let shape = x.shape().to_vec();
        ensure_shape!(
            shape.last() == Some(&self.hd),
            "readout: the last axis of x must be H = {}, got shape {:?}",
            self.hd,
            shape
        );
        let x = x.as_standard_layout();
        let xs = flat(&x, "readout x")?;
        let rows = xs.len() / self.hd;
        let mut y = vec![T::zero(); rows * self.k];
        for r in 0..rows {
            y[r * self.k..(r + 1) * self.k].copy_from_slice(flat(&self.c.value, "readout c")?);
        }
        let v = MatRef::new(flat(&self.v.value, "readout V")?, self.hd, self.k)?;
        T::gemm_on(
            self.isa,
            MatMut::new(&mut y, rows, self.k)?,
            T::one(),
            MatRef::new(xs, rows, self.hd)?,
            v,
            T::one(),
        )?;
        if self.kind == Output::Softmax {
            softmax_rows(&mut y, self.k);
        }
        let mut out_shape = shape.clone();
        *out_shape.last_mut().expect("checked non-empty above") = self.k;
        self.cache = Some((xs.to_vec(), y.clone(), out_shape.clone()));
        array(&out_shape, y)
    }

    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (x, y, out_shape) =
            self.cache.as_ref().ok_or_else(|| foundations::Error::Value("readout: backward before forward".into()))?;
        ensure_shape!(dy.shape() == out_shape.as_slice(), "readout: dy must be {:?}, got {:?}", out_shape, dy.shape());
        let dy = dy.as_standard_layout();
        let mut dz = flat(&dy, "readout dy")?.to_vec();
        let (k, hd) = (self.k, self.hd);
        let rows = dz.len() / k;
        if self.kind == Output::Softmax {
            // p = softmax(z)  ⇒  dz = p ⊙ (dp − ⟨dp, p⟩)
            for (dr, pr) in dz.chunks_exact_mut(k).zip(y.chunks_exact(k)) {
                let s: T = dr.iter().zip(pr).map(|(&a, &b)| a * b).sum();
                for (d, &p) in dr.iter_mut().zip(pr) {
                    *d = p * (*d - s);
                }
            }
        }
        // z = x·V + c  ⇒  dV += xᵀ·dz,  dc += Σ rows dz,  dx = dz·Vᵀ
        let dzm = MatRef::new(&dz, rows, k)?;
        let xt = MatRef::new(x, rows, hd)?.t();
        T::gemm_on(
            self.isa,
            MatMut::new(flat_mut(&mut self.v.grad, "readout dV")?, hd, k)?,
            T::one(),
            xt,
            dzm,
            T::one(),
        )?;
        add_col_sums(flat_mut(&mut self.c.grad, "readout dc")?, &dz);
        let mut dx = vec![T::zero(); rows * hd];
        let vt = MatRef::new(flat(&self.v.value, "readout V")?, hd, k)?.t();
        T::gemm_on(self.isa, MatMut::new(&mut dx, rows, hd)?, T::one(), dzm, vt, T::zero())?;
        let mut in_shape = out_shape.clone();
        *in_shape.last_mut().expect("non-empty") = hd;
        array(&in_shape, dx)
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.v, &self.c]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.v, &mut self.c]
    }
}
