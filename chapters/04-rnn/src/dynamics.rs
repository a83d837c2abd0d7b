//! Vanishing and exploding gradients, measured: ‖∂h_T/∂h_0‖ against T.
//!
//! BPTT multiplies one Jacobian per step:
//!
//! ```text
//! ∂h_T/∂h_0 = Π_{t=T…1} ∂h_t/∂h_{t−1},        RNN: ∂h_t/∂h_{t−1} = diag(1 − h_t²)·W_hh
//! ```
//!
//! With W_hh = g·Q (Q orthogonal, every singular value g), the product
//! shrinks like gᵀ·Π tanh' when g < 1 (vanishes) and can grow like gᵀ when
//! g > 1 until tanh saturates (explodes). The LSTM's cell path multiplies by
//! diag(f_t) instead, which a forget gate near 1 keeps near the identity.
//!
//! **How it is measured.** The whole Jacobian in one backward pass: a batch
//! of H copies of the same sequence and initial state, the upstream
//! gradient of copy n the unit vector e_n; then row n of ∂L/∂h_0 is row n of
//! J = ∂h_T/∂h_0. Reported: the Frobenius norm ‖J‖_F (for an orthogonal J it
//! is √H; for J = gᵀ·Q it is gᵀ·√H).

use ndarray::{ArrayD, IxDyn};
use rand::Rng;

use foundations::{Layer, Result};

use crate::init;
use crate::{Lstm, Rnn};

/// ‖J‖_F of a (H, H) Jacobian stored row-major.
fn frobenius(j: &[f64]) -> f64 {
    j.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// The same (1, T, D) sequence repeated H times: (H, T, D).
fn repeated(x: &[f64], hd: usize, steps: usize, d: usize) -> Result<ArrayD<f64>> {
    let v: Vec<f64> = (0..hd).flat_map(|_| x[..steps * d].iter().copied()).collect();
    ArrayD::from_shape_vec(IxDyn(&[hd, steps, d]), v).map_err(|e| foundations::Error::Shape(e.to_string()))
}

/// The identity (H, H): copy n receives upstream gradient e_n.
fn eye(hd: usize) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(&[hd, hd]), |i| if i[0] == i[1] { 1.0 } else { 0.0 })
}

// ANCHOR: rnn_jacobian
/// ‖∂h_T/∂h_0‖_F for T = 1..=t_max, tanh RNN with W_hh = gain·(orthogonal),
/// W_xh glorot_uniform, b = 0, inputs U(−x_scale, x_scale), h_0 = 0.
pub fn rnn_jacobian_norms(hd: usize, d: usize, gain: f64, x_scale: f64, t_max: usize, seed: u64) -> Result<Vec<f64>> {
    let mut layer = Rnn::<f64>::new(d, hd, seed)?;
    let zw = hd + d;
    let mut rng = init::rng(seed ^ 0xabc);
    let q = init::orthogonal(&mut rng, hd, hd, gain);
    for (r, row) in layer.params_mut()[0].value.as_slice_mut().into_iter().flat_map(|s| s.chunks_mut(zw)).enumerate() {
        row[..hd].copy_from_slice(&q[r * hd..(r + 1) * hd]);
    }
    let x: Vec<f64> = (0..t_max * d).map(|_| rng.random_range(-x_scale..=x_scale)).collect();
    let mut out = Vec::with_capacity(t_max);
    for steps in 1..=t_max {
        layer.set_initial_state(Some(vec![0.0; hd * hd]));
        layer.forward(&repeated(&x, hd, steps, d)?)?;
        layer.backward(&eye(hd))?;
        out.push(frobenius(layer.initial_state_grad()));
    }
    Ok(out)
}
// ANCHOR_END: rnn_jacobian

/// (‖∂h_T/∂h_0‖_F, ‖∂c_T/∂c_0‖_F) for T = 1..=t_max, LSTM with Keras's
/// initialisation but forget-gate bias `forget_bias` (Keras: 1), inputs
/// U(−x_scale, x_scale), h_0 = c_0 = 0. The second norm follows the cell
/// path: upstream gradient on c_T is obtained by perturbing through h_T, so
/// it is measured as ∂h_T/∂c_0 (the cell reaches the output through o⊙tanh(c)).
pub fn lstm_jacobian_norms(
    hd: usize,
    d: usize,
    forget_bias: f64,
    x_scale: f64,
    t_max: usize,
    seed: u64,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let mut layer = Lstm::<f64>::new(d, hd, seed)?;
    if let Some(b) = layer.params_mut()[1].value.as_slice_mut() {
        b[hd..2 * hd].fill(forget_bias);
    }
    let mut rng = init::rng(seed ^ 0xabc);
    let x: Vec<f64> = (0..t_max * d).map(|_| rng.random_range(-x_scale..=x_scale)).collect();
    let (mut dh, mut dc) = (Vec::with_capacity(t_max), Vec::with_capacity(t_max));
    for steps in 1..=t_max {
        layer.set_initial_state(Some(vec![0.0; hd * hd]), Some(vec![0.0; hd * hd]));
        layer.forward(&repeated(&x, hd, steps, d)?)?;
        layer.backward(&eye(hd))?;
        let (gh, gc) = layer.initial_state_grad();
        dh.push(frobenius(gh));
        dc.push(frobenius(gc));
    }
    Ok((dh, dc))
}
