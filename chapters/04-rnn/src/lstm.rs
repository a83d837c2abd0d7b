//! The LSTM layer (长短期记忆, long short-term memory), Keras's conventions.
//!
//! ```text
//! z_t = [h_{t−1}, x_t]                             (N, H + D)
//! a_t = z_t·W + b                                  W: (H + D, 4H)   b: (4H)
//! i = σ(a_i)   f = σ(a_f)   g = tanh(a_c)   o = σ(a_o)        gate blocks in Keras's order i, f, c, o
//! c_t = f ⊙ c_{t−1} + i ⊙ g                        the cell state: an additive update
//! h_t = o ⊙ tanh(c_t)
//! ```
//!
//! **W is Keras's two kernels stacked**: rows 0..H are the
//! `recurrent_kernel` (H, 4H), rows H..H+D the `kernel` (D, 4H); so
//! z_t·W = h_{t−1}·recurrent_kernel + x_t·kernel, and a step of the whole
//! batch is one GEMM (N, H + D)·(H + D, 4H). Within each 4H row the gate
//! blocks are i, f, c, o, as Keras stores them, so Keras weights load
//! unchanged (stack the two kernels).
//!
//! **Initialisation** (Keras's defaults): `kernel` glorot_uniform (fan_in D,
//! fan_out 4H); `recurrent_kernel` orthogonal (orthonormal rows, seeded
//! Gram–Schmidt); bias zeros except the forget block, which is 1
//! (`unit_forget_bias`): at the start f ≈ σ(1) ≈ 0.73, so the cell
//! remembers rather than forgets, and gradient flows along c from the
//! first step of training.
//!
//! **Backward through time.** With δh_t = ∂L/∂h_t and δc_t = ∂L/∂c_t arriving
//! from step t+1 (see [`crate::cell::naive::lstm_backward`] for the
//! per-element formulas):
//!
//! ```text
//! dA_t, δc_{t−1} = fused cell backward(δh_t + dy_t, δc_t, gates_t, c_{t−1}, tanh c_t)
//! dZ_t = dA_t·Wᵀ   → dx_t = dZ_t[:, H..],  δh_{t−1} = dZ_t[:, ..H]
//! dW += Σ_t Z_tᵀ·dA_t  (one GEMM over all T·N rows),   db += Σ dA_t
//! ```
//!
//! δc_{t−1} = δc_t ⊙ f + …: along the cell path the gradient is multiplied
//! by the forget gate only, not by a weight matrix and a tanh' at every
//! step; this is why it survives many steps.

use ndarray::ArrayD;

use foundations::gemm::{MatMut, MatRef};
use foundations::{Error, Isa, Layer, Param, Result, ensure_shape, ensure_value};

use crate::init;
use crate::kernels::RnnReal;
use crate::util::{add_col_sums, array, cast, flat, flat_mut};

#[derive(Clone, Debug)]
struct Cache<T> {
    n: usize,
    steps: usize,
    /// [h_{t−1}, x_t]: (T, N, H + D)
    z: Vec<T>,
    /// activated gates [i f g o]: (T, N, 4H)
    gates: Vec<T>,
    /// c_t: (T, N, H)
    cs: Vec<T>,
    /// tanh(c_t): (T, N, H)
    tcs: Vec<T>,
    /// h_t: (T, N, H)
    hs: Vec<T>,
    /// c_0: (N, H)
    c0: Vec<T>,
}

/// An LSTM layer over sequences x: (N, T, D).
#[derive(Clone, Debug)]
pub struct Lstm<T: RnnReal> {
    d: usize,
    hd: usize,
    /// W: (H + D, 4H): recurrent_kernel stacked over kernel.
    w: Param<T>,
    /// b: (4H), blocks i, f, c, o.
    b: Param<T>,
    return_sequences: bool,
    truncate: Option<usize>,
    isa: Isa,
    h0: Option<Vec<T>>,
    c0: Option<Vec<T>>,
    dh0: Vec<T>,
    dc0: Vec<T>,
    cache: Option<Cache<T>>,
    /// dA for all steps, kept between backward calls.
    scratch: Vec<T>,
}

impl<T: RnnReal> Lstm<T> {
    /// Input size D, hidden size H, Keras's initialisation (see the module doc).
    pub fn new(d: usize, hd: usize, seed: u64) -> Result<Self> {
        ensure_shape!(d > 0 && hd > 0, "lstm: input size D and hidden size H must be positive, got D = {d}, H = {hd}");
        let mut rng = init::rng(seed);
        let mut w = init::orthogonal(&mut rng, hd, 4 * hd, 1.0);
        w.extend(init::glorot_uniform(&mut rng, d * 4 * hd, d, 4 * hd));
        let mut b = vec![0.0; 4 * hd];
        b[hd..2 * hd].fill(1.0); // unit_forget_bias
        Self::from_weights(d, hd, cast(w), cast(b))
    }

    /// A layer with W: (H + D, 4H) and b: (4H), gate blocks i, f, c, o.
    pub fn from_weights(d: usize, hd: usize, w: Vec<T>, b: Vec<T>) -> Result<Self> {
        ensure_shape!(d > 0 && hd > 0, "lstm: input size D and hidden size H must be positive, got D = {d}, H = {hd}");
        ensure_shape!(
            w.len() == (hd + d) * 4 * hd,
            "lstm: W must be (H + D, 4H) = ({}, {}) = {} elements, got {}",
            hd + d,
            4 * hd,
            (hd + d) * 4 * hd,
            w.len()
        );
        ensure_shape!(b.len() == 4 * hd, "lstm: b must have 4H = {} elements, got {}", 4 * hd, b.len());
        Ok(Lstm {
            d,
            hd,
            w: Param::new("W", array(&[hd + d, 4 * hd], w)?),
            b: Param::new("b", array(&[4 * hd], b)?),
            return_sequences: false,
            truncate: None,
            isa: Isa::active(),
            h0: None,
            c0: None,
            dh0: Vec::new(),
            dc0: Vec::new(),
            cache: None,
            scratch: Vec::new(),
        })
    }

    /// Output every h_t, (N, T, H), instead of only h_T, (N, H).
    pub fn return_sequences(mut self, on: bool) -> Self {
        self.return_sequences = on;
        self
    }

    /// Truncated BPTT over windows of k steps (see [`crate::rnn`]).
    pub fn truncate(mut self, k: Option<usize>) -> Result<Self> {
        ensure_value!(k != Some(0), "lstm: truncation window k must be at least 1 step");
        self.truncate = k;
        Ok(self)
    }

    /// Runs the f32 kernels on `isa` (f64 always runs the oracles).
    pub fn with_isa(mut self, isa: Isa) -> Self {
        self.isa = isa;
        self
    }

    /// Input size D.
    pub fn input_size(&self) -> usize {
        self.d
    }

    /// Hidden size H.
    pub fn hidden_size(&self) -> usize {
        self.hd
    }

    /// Sets h_0 and c_0: (N, H) each, for the next forward passes (`None`: zeros).
    pub fn set_initial_state(&mut self, h0: Option<Vec<T>>, c0: Option<Vec<T>>) {
        self.h0 = h0;
        self.c0 = c0;
    }

    /// (∂L/∂h_0, ∂L/∂c_0) from the last backward (overwritten, not accumulated).
    pub fn initial_state_grad(&self) -> (&[T], &[T]) {
        (&self.dh0, &self.dc0)
    }

    /// c_t for every step of the last forward: (T, N, H).
    pub fn cell_states(&self) -> Option<&[T]> {
        self.cache.as_ref().map(|c| c.cs.as_slice())
    }

    /// h_t for every step of the last forward: (T, N, H).
    pub fn hidden_states(&self) -> Option<&[T]> {
        self.cache.as_ref().map(|c| c.hs.as_slice())
    }

    // ANCHOR: lstm_forward
    fn run(&mut self, x: &[T], n: usize, steps: usize) -> Result<ArrayD<T>> {
        let (d, hd, zw) = (self.d, self.hd, self.hd + self.d);
        for (name, s) in [("h0", &self.h0), ("c0", &self.c0)] {
            if let Some(s) = s {
                ensure_shape!(s.len() == n * hd, "lstm: {name} has {} elements but (N, H) = ({n}, {hd})", s.len());
            }
        }
        let w = MatRef::new(flat(&self.w.value, "lstm W")?, zw, 4 * hd)?;
        let b = flat(&self.b.value, "lstm b")?;
        let c0 = self.c0.clone().unwrap_or_else(|| vec![T::zero(); n * hd]);
        // Reuse the last forward's buffers: every element is overwritten below,
        // and fresh multi-megabyte allocations would cost a page fault per 4 KiB.
        let (oz, og, ocs, otcs, ohs) = match self.cache.take() {
            Some(c) => (c.z, c.gates, c.cs, c.tcs, c.hs),
            None => Default::default(),
        };
        let reuse = |mut v: Vec<T>, len: usize| {
            v.resize(len, T::zero());
            v
        };
        let mut z = reuse(oz, steps * n * zw);
        let mut gates = reuse(og, steps * n * 4 * hd);
        let (mut cs, mut tcs, mut hs) =
            (reuse(ocs, steps * n * hd), reuse(otcs, steps * n * hd), reuse(ohs, steps * n * hd));
        let nh = n * hd;
        for t in 0..steps {
            // Z_t = [h_{t−1} | x_t]
            for r in 0..n {
                let zr = &mut z[(t * n + r) * zw..(t * n + r + 1) * zw];
                match (t, &self.h0) {
                    (0, Some(h0)) => zr[..hd].copy_from_slice(&h0[r * hd..(r + 1) * hd]),
                    (0, None) => zr[..hd].fill(T::zero()),
                    _ => zr[..hd].copy_from_slice(&hs[(t - 1) * nh + r * hd..(t - 1) * nh + (r + 1) * hd]),
                }
                zr[hd..].copy_from_slice(&x[(r * steps + t) * d..(r * steps + t + 1) * d]);
            }
            // The four pre-activations of the whole batch: one GEMM, (N, H + D)·(H + D, 4H).
            let g = &mut gates[t * n * 4 * hd..(t + 1) * n * 4 * hd];
            let zt = MatRef::new(&z[t * n * zw..(t + 1) * n * zw], n, zw)?;
            T::gemm_on(self.isa, MatMut::new(g, n, 4 * hd)?, T::one(), zt, w, T::zero())?;
            // Gates, cell and hidden state: one fused pass.
            let (cs_done, cs_now) = cs.split_at_mut(t * nh);
            let c_prev = if t == 0 { &c0[..] } else { &cs_done[(t - 1) * nh..] };
            let (tc, h) = (&mut tcs[t * nh..(t + 1) * nh], &mut hs[t * nh..(t + 1) * nh]);
            T::lstm_forward_on(self.isa, g, &mut cs_now[..nh], h, tc, c_prev, b, hd)?;
        }
        let y = if self.return_sequences {
            let mut y = vec![T::zero(); n * steps * hd];
            for t in 0..steps {
                for r in 0..n {
                    y[(r * steps + t) * hd..(r * steps + t + 1) * hd]
                        .copy_from_slice(&hs[t * nh + r * hd..t * nh + (r + 1) * hd]);
                }
            }
            array(&[n, steps, hd], y)?
        } else {
            array(&[n, hd], hs[(steps - 1) * nh..].to_vec())?
        };
        self.cache = Some(Cache { n, steps, z, gates, cs, tcs, hs, c0 });
        Ok(y)
    }
    // ANCHOR_END: lstm_forward

    // ANCHOR: lstm_backward
    fn bptt(&mut self, dy: &[T]) -> Result<Vec<T>> {
        let cache = self.cache.as_ref().ok_or_else(|| Error::Value("lstm: backward before forward".into()))?;
        let (n, steps) = (cache.n, cache.steps);
        let (d, hd, zw, nh) = (self.d, self.hd, self.hd + self.d, cache.n * self.hd);
        let w = flat(&self.w.value, "lstm W")?;
        // Scratch reused between calls (fully overwritten, step by step).
        let mut da_all = std::mem::take(&mut self.scratch);
        da_all.resize(steps * n * 4 * hd, T::zero());
        let (mut dh_next, mut dc_next) = (vec![T::zero(); nh], vec![T::zero(); nh]);
        let (mut dh, mut dc_prev) = (vec![T::zero(); nh], vec![T::zero(); nh]);
        let mut dz = vec![T::zero(); n * zw];
        let mut dx = vec![T::zero(); n * steps * d];
        for t in (0..steps).rev() {
            // δh_t = dy_t + ∂L/∂h_t arriving from step t+1
            for r in 0..n {
                for j in 0..hd {
                    let up = if self.return_sequences {
                        dy[(r * steps + t) * hd + j]
                    } else if t == steps - 1 {
                        dy[r * hd + j]
                    } else {
                        T::zero()
                    };
                    dh[r * hd + j] = dh_next[r * hd + j] + up;
                }
            }
            let c_prev = if t == 0 { &cache.c0[..] } else { &cache.cs[(t - 1) * nh..t * nh] };
            let da = &mut da_all[t * n * 4 * hd..(t + 1) * n * 4 * hd];
            let gates = &cache.gates[t * n * 4 * hd..(t + 1) * n * 4 * hd];
            let tc = &cache.tcs[t * nh..(t + 1) * nh];
            T::lstm_backward_on(self.isa, da, &mut dc_prev, &dh, &dc_next, gates, c_prev, tc, hd)?;
            // a_t = Z_t·W + b  ⇒  dZ_t = dA_t·Wᵀ
            let dam = MatRef::new(da, n, 4 * hd)?;
            T::gemm_on(
                self.isa,
                MatMut::new(&mut dz, n, zw)?,
                T::one(),
                dam,
                MatRef::new(w, zw, 4 * hd)?.t(),
                T::zero(),
            )?;
            for r in 0..n {
                dh_next[r * hd..(r + 1) * hd].copy_from_slice(&dz[r * zw..r * zw + hd]);
                dx[(r * steps + t) * d..(r * steps + t + 1) * d].copy_from_slice(&dz[r * zw + hd..(r + 1) * zw]);
            }
            std::mem::swap(&mut dc_next, &mut dc_prev);
            if let Some(k) = self.truncate
                && t > 0
                && t % k == 0
            {
                dh_next.fill(T::zero()); // a window starts at t: cut both paths
                dc_next.fill(T::zero());
            }
        }
        // dW += Σ_t Z_tᵀ·dA_t: (H + D, T·N)·(T·N, 4H), one GEMM
        let zt = MatRef::new(&cache.z, steps * n, zw)?.t();
        let dam = MatRef::new(&da_all, steps * n, 4 * hd)?;
        let dw = flat_mut(&mut self.w.grad, "lstm dW")?;
        T::gemm_on(self.isa, MatMut::new(dw, zw, 4 * hd)?, T::one(), zt, dam, T::one())?;
        add_col_sums(flat_mut(&mut self.b.grad, "lstm db")?, &da_all);
        self.dh0 = dh_next;
        self.dc0 = dc_next;
        self.scratch = da_all;
        Ok(dx)
    }
    // ANCHOR_END: lstm_backward
}

impl<T: RnnReal> Layer<T> for Lstm<T> {
    fn name(&self) -> String {
        format!("lstm({}→{})", self.d, self.hd)
    }

    /// x: (N, T, D) → (N, T, H) with return_sequences, else (N, H).
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let shape = x.shape().to_vec();
        ensure_shape!(
            shape.len() == 3 && shape[2] == self.d,
            "lstm: x must be (N, T, D = {}), got {:?}",
            self.d,
            shape
        );
        ensure_shape!(shape[1] > 0, "lstm: the sequence has no time steps (T = 0)");
        let x = x.as_standard_layout();
        self.run(flat(&x, "lstm x")?, shape[0], shape[1])
    }

    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (n, steps) = match &self.cache {
            Some(c) => (c.n, c.steps),
            None => return Err(Error::Value("lstm: backward called before forward".into())),
        };
        let want: Vec<usize> = if self.return_sequences { vec![n, steps, self.hd] } else { vec![n, self.hd] };
        ensure_shape!(
            dy.shape() == want.as_slice(),
            "lstm: dy must be {:?} like the output, got {:?}",
            want,
            dy.shape()
        );
        let dy = dy.as_standard_layout();
        let dx = self.bptt(flat(&dy, "lstm dy")?)?;
        array(&[n, steps, self.d], dx)
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.w, &self.b]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.w, &mut self.b]
    }
}
