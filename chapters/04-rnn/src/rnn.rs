//! The vanilla RNN layer, exactly as the seed writes it:
//!
//! ```text
//! h_t = tanh(W·[h_{t−1}, x_t] + b)        W: (H, H + D)   b: (H)   h_0 given (zeros by default)
//! ```
//!
//! **One W over the concatenation.** Split W's columns as W = [W_hh | W_xh]
//! (W_hh: (H, H) acting on h, W_xh: (H, D) acting on x). Then
//! W·[h; x] = W_hh·h + W_xh·x: the textbook two-matrix form is the same
//! function and the same parameters, stored side by side. Stored as one
//! matrix, a whole step of the whole batch is **one GEMM**:
//!
//! ```text
//! Z_t = [H_{t−1} | X_t]  (N, H + D)      A_t = Z_t·Wᵀ  (N, H)      H_t = tanh(A_t + b)
//! ```
//!
//! (rows are batch elements, so the seed's column-vector W·z becomes z·Wᵀ;
//! `.t()` is a free strided view.)
//!
//! **Sequence layout: batch first**, x: (N, T, D), like Keras's
//! `(batch, timesteps, features)`. The step-t rows X_t are a strided slice;
//! they are copied into Z_t beside H_{t−1}, which the backward pass needs
//! anyway. Output: (N, T, H) with `return_sequences`, else h_T: (N, H).
//!
//! **Backward through time** (BPTT), for t = T … 1, with δ_t = ∂L/∂h_t:
//!
//! ```text
//! δ_t  = dy_t + (∂L/∂h_t through step t+1)        (dy_t = 0 for t < T without return_sequences)
//! dA_t = δ_t ⊙ (1 − h_t²)                          tanh' = 1 − tanh²
//! dZ_t = dA_t·W         → dx_t = dZ_t[:, H..],   ∂L/∂h_{t−1} (through step t) = dZ_t[:, ..H]
//! dW  += Σ_t dA_tᵀ·Z_t  (one GEMM over all T·N rows),   db += Σ_t Σ_n dA_t
//! ```
//!
//! **Truncated BPTT** (`truncate(Some(k))`): the sequence is cut into
//! windows of k steps, [0, k), [k, 2k), …; inside a window the gradient flows
//! back as above, across a window's start it is cut (set to zero), as
//! "detach the state every k steps" does in practice. With T ≤ k nothing is
//! cut: the same gradient as full BPTT (a test checks it).

use ndarray::ArrayD;

use foundations::gemm::{MatMut, MatRef};
use foundations::{Isa, Layer, Param, Result, ensure_shape, ensure_value};

use crate::init;
use crate::kernels::RnnReal;
use crate::util::{add_col_sums, array, cast, flat, flat_mut};

/// What forward keeps for backward.
#[derive(Clone, Debug)]
struct Cache<T> {
    n: usize,
    steps: usize,
    /// Z_t = [h_{t−1}, x_t] for every step: (T, N, H + D)
    z: Vec<T>,
    /// h_t for every step: (T, N, H)
    hs: Vec<T>,
}

/// A tanh RNN layer over sequences x: (N, T, D).
#[derive(Clone, Debug)]
pub struct Rnn<T: RnnReal> {
    d: usize,
    hd: usize,
    /// W: (H, H + D); columns 0..H are W_hh, columns H.. are W_xh.
    w: Param<T>,
    /// b: (H)
    b: Param<T>,
    return_sequences: bool,
    truncate: Option<usize>,
    isa: Isa,
    h0: Option<Vec<T>>,
    dh0: Vec<T>,
    cache: Option<Cache<T>>,
    /// dA for all steps, kept between backward calls.
    scratch: Vec<T>,
}

impl<T: RnnReal> Rnn<T> {
    /// A layer with input size D and hidden size H, Keras's SimpleRNN
    /// initialisation: W_xh glorot_uniform, W_hh orthogonal, b = 0.
    pub fn new(d: usize, hd: usize, seed: u64) -> Result<Self> {
        ensure_shape!(d > 0 && hd > 0, "rnn: input size D and hidden size H must be positive, got D = {d}, H = {hd}");
        let mut rng = init::rng(seed);
        let wxh = init::glorot_uniform(&mut rng, hd * d, d, hd);
        let whh = init::orthogonal(&mut rng, hd, hd, 1.0);
        let zw = hd + d;
        let mut w = vec![0.0; hd * zw];
        for r in 0..hd {
            w[r * zw..r * zw + hd].copy_from_slice(&whh[r * hd..(r + 1) * hd]);
            w[r * zw + hd..(r + 1) * zw].copy_from_slice(&wxh[r * d..(r + 1) * d]);
        }
        Self::from_weights(d, hd, cast(w), vec![T::zero(); hd])
    }

    /// A layer with the given W: (H, H + D) row-major and b: (H).
    pub fn from_weights(d: usize, hd: usize, w: Vec<T>, b: Vec<T>) -> Result<Self> {
        ensure_shape!(d > 0 && hd > 0, "rnn: input size D and hidden size H must be positive, got D = {d}, H = {hd}");
        ensure_shape!(
            w.len() == hd * (hd + d),
            "rnn: W must be (H, H + D) = ({hd}, {}) = {} elements, got {}",
            hd + d,
            hd * (hd + d),
            w.len()
        );
        ensure_shape!(b.len() == hd, "rnn: b must have H = {hd} elements, got {}", b.len());
        Ok(Rnn {
            d,
            hd,
            w: Param::new("W", array(&[hd, hd + d], w)?),
            b: Param::new("b", array(&[hd], b)?),
            return_sequences: false,
            truncate: None,
            isa: Isa::active(),
            h0: None,
            dh0: Vec::new(),
            cache: None,
            scratch: Vec::new(),
        })
    }

    /// Output every h_t, (N, T, H), instead of only h_T, (N, H).
    pub fn return_sequences(mut self, on: bool) -> Self {
        self.return_sequences = on;
        self
    }

    /// Truncated BPTT over windows of k steps (`None`: full BPTT).
    pub fn truncate(mut self, k: Option<usize>) -> Result<Self> {
        ensure_value!(k != Some(0), "rnn: truncation window k must be at least 1 step");
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

    /// Sets h_0: (N, H) for the next forward passes (`None`: zeros).
    pub fn set_initial_state(&mut self, h0: Option<Vec<T>>) {
        self.h0 = h0;
    }

    /// ∂L/∂h_0: (N, H) from the last backward (overwritten, not accumulated).
    pub fn initial_state_grad(&self) -> &[T] {
        &self.dh0
    }

    /// h_t for every step of the last forward: (T, N, H).
    pub fn hidden_states(&self) -> Option<&[T]> {
        self.cache.as_ref().map(|c| c.hs.as_slice())
    }

    // ANCHOR: rnn_forward
    /// Runs the recurrence over x: (N, T, D); returns (N, T, H) or (N, H).
    fn run(&mut self, x: &[T], n: usize, steps: usize) -> Result<ArrayD<T>> {
        let (d, hd, zw) = (self.d, self.hd, self.hd + self.d);
        if let Some(h0) = &self.h0 {
            ensure_shape!(h0.len() == n * hd, "rnn: h0 has {} elements but (N, H) = ({n}, {hd})", h0.len());
        }
        let w = flat(&self.w.value, "rnn W")?;
        let b = flat(&self.b.value, "rnn b")?;
        // Reuse the last forward's buffers: every element is overwritten below,
        // and fresh multi-megabyte allocations would cost a page fault per 4 KiB.
        let (mut z, mut hs) = match self.cache.take() {
            Some(c) => (c.z, c.hs),
            None => (Vec::new(), Vec::new()),
        };
        z.resize(steps * n * zw, T::zero());
        hs.resize(steps * n * hd, T::zero());
        let mut a = vec![T::zero(); n * hd];
        for t in 0..steps {
            // Z_t = [h_{t−1} | x_t], one row per batch element.
            let (done, now) = hs.split_at_mut(t * n * hd);
            for r in 0..n {
                let zr = &mut z[(t * n + r) * zw..(t * n + r + 1) * zw];
                match (t, &self.h0) {
                    (0, Some(h0)) => zr[..hd].copy_from_slice(&h0[r * hd..(r + 1) * hd]),
                    (0, None) => zr[..hd].fill(T::zero()),
                    _ => zr[..hd].copy_from_slice(&done[((t - 1) * n + r) * hd..((t - 1) * n + r + 1) * hd]),
                }
                zr[hd..].copy_from_slice(&x[(r * steps + t) * d..(r * steps + t + 1) * d]);
            }
            // A_t = Z_t·Wᵀ: one GEMM for the whole batch.
            let zt = MatRef::new(&z[t * n * zw..(t + 1) * n * zw], n, zw)?;
            T::gemm_on(self.isa, MatMut::new(&mut a, n, hd)?, T::one(), zt, MatRef::new(w, hd, zw)?.t(), T::zero())?;
            // h_t = tanh(A_t + b): one fused pass.
            T::rnn_forward_on(self.isa, &mut now[..n * hd], &a, b)?;
        }
        let y = if self.return_sequences {
            let mut y = vec![T::zero(); n * steps * hd];
            for t in 0..steps {
                for r in 0..n {
                    y[(r * steps + t) * hd..(r * steps + t + 1) * hd]
                        .copy_from_slice(&hs[(t * n + r) * hd..(t * n + r + 1) * hd]);
                }
            }
            array(&[n, steps, hd], y)?
        } else {
            array(&[n, hd], hs[(steps - 1) * n * hd..].to_vec())?
        };
        self.cache = Some(Cache { n, steps, z, hs });
        Ok(y)
    }
    // ANCHOR_END: rnn_forward

    // ANCHOR: rnn_backward
    /// BPTT. dy: (N, T, H) or (N, H). Accumulates dW, db; returns dx: (N, T, D);
    /// leaves ∂L/∂h_0 in `initial_state_grad`.
    fn bptt(&mut self, dy: &[T]) -> Result<Vec<T>> {
        let cache =
            self.cache.as_ref().ok_or_else(|| foundations::Error::Value("rnn: backward before forward".into()))?;
        let (n, steps) = (cache.n, cache.steps);
        let (d, hd, zw) = (self.d, self.hd, self.hd + self.d);
        let w = flat(&self.w.value, "rnn W")?;
        // Scratch reused between calls (fully overwritten, step by step).
        let mut da_all = std::mem::take(&mut self.scratch);
        da_all.resize(steps * n * hd, T::zero());
        let mut dh_next = vec![T::zero(); n * hd];
        let mut dh = vec![T::zero(); n * hd];
        let mut dz = vec![T::zero(); n * zw];
        let mut dx = vec![T::zero(); n * steps * d];
        for t in (0..steps).rev() {
            // δ_t = dy_t + ∂L/∂h_t arriving from step t+1.
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
            // h_t = tanh(A_t + b)  ⇒  dA_t = δ_t ⊙ (1 − h_t²)
            let da = &mut da_all[t * n * hd..(t + 1) * n * hd];
            T::rnn_backward_on(self.isa, da, &dh, &cache.hs[t * n * hd..(t + 1) * n * hd])?;
            // A_t = Z_t·Wᵀ  ⇒  dZ_t = dA_t·W
            let da = MatRef::new(da, n, hd)?;
            T::gemm_on(self.isa, MatMut::new(&mut dz, n, zw)?, T::one(), da, MatRef::new(w, hd, zw)?, T::zero())?;
            // Z_t = [h_{t−1} | x_t]  ⇒  split dZ_t.
            for r in 0..n {
                dh_next[r * hd..(r + 1) * hd].copy_from_slice(&dz[r * zw..r * zw + hd]);
                dx[(r * steps + t) * d..(r * steps + t + 1) * d].copy_from_slice(&dz[r * zw + hd..(r + 1) * zw]);
            }
            if let Some(k) = self.truncate
                && t > 0
                && t % k == 0
            {
                dh_next.fill(T::zero()); // a window starts at t: cut the gradient here
            }
        }
        // dW += Σ_t dA_tᵀ·Z_t, all steps in one GEMM: (H, T·N)·(T·N, H + D)
        let da_allt = MatRef::new(&da_all, steps * n, hd)?.t();
        let zall = MatRef::new(&cache.z, steps * n, zw)?;
        let dw = flat_mut(&mut self.w.grad, "rnn dW")?;
        T::gemm_on(self.isa, MatMut::new(dw, hd, zw)?, T::one(), da_allt, zall, T::one())?;
        add_col_sums(flat_mut(&mut self.b.grad, "rnn db")?, &da_all);
        self.dh0 = dh_next;
        self.scratch = da_all;
        Ok(dx)
    }
    // ANCHOR_END: rnn_backward
}

impl<T: RnnReal> Layer<T> for Rnn<T> {
    fn name(&self) -> String {
        format!("rnn({}→{})", self.d, self.hd)
    }

    /// x: (N, T, D) → (N, T, H) with return_sequences, else (N, H).
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let shape = x.shape().to_vec();
        ensure_shape!(shape.len() == 3 && shape[2] == self.d, "rnn: x must be (N, T, D = {}), got {:?}", self.d, shape);
        ensure_shape!(shape[1] > 0, "rnn: the sequence has no time steps (T = 0)");
        let x = x.as_standard_layout();
        let xs = flat(&x, "rnn x")?;
        self.run(xs, shape[0], shape[1])
    }

    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (n, steps) = match &self.cache {
            Some(c) => (c.n, c.steps),
            None => return Err(foundations::Error::Value("rnn: backward called before forward".into())),
        };
        let want: Vec<usize> = if self.return_sequences { vec![n, steps, self.hd] } else { vec![n, self.hd] };
        ensure_shape!(
            dy.shape() == want.as_slice(),
            "rnn: dy must be {:?} like the output, got {:?}",
            want,
            dy.shape()
        );
        let dy = dy.as_standard_layout();
        let dx = self.bptt(flat(&dy, "rnn dy")?)?;
        array(&[n, steps, self.d], dx)
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.w, &self.b]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.w, &mut self.b]
    }
}
