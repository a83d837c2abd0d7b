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
use foundations::{Isa, Layer, Param, Result, ensure_shape};

use crate::init;
use crate::kernels::RnnReal;
use crate::util::{add_col_sums, array, cast, flat, flat_mut};

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
        // ANCHOR: softmax
        if self.kind == Output::Softmax {
            // p = softmax(z), row by row: chapter 2's kernel (SIMD for f32, the oracle for f64).
            let z = std::mem::take(&mut y);
            y = vec![T::zero(); z.len()];
            losses::softmax::softmax_rows(&mut y, &z, rows, self.k)?;
        }
        // ANCHOR_END: softmax
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
        let dys = flat(&dy, "readout dy")?;
        let (k, hd) = (self.k, self.hd);
        let rows = dys.len() / k;
        let dz = if self.kind == Output::Softmax {
            // p = softmax(z)  ⇒  dz = p ⊙ (dp − ⟨dp, p⟩)   (chapter 2's kernel; it accumulates into dz = 0)
            let mut dz = vec![T::zero(); dys.len()];
            losses::softmax::softmax_rows_backward(&mut dz, y, dys, rows, k)?;
            dz
        } else {
            dys.to_vec()
        };
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
