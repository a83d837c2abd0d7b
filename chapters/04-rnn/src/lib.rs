//! # Chapter 4: recurrent networks (`rnn`)
//!
//! *Seed §3.2 (the hidden state) and §4.2 (the LSTM text model).* A
//! recurrent network reads a sequence one step at a time and carries a
//! **hidden state** (隐藏状态) from step to step:
//!
//! ```text
//! h_t = tanh(W·[h_{t−1}, x_t] + b)            the seed's formula, one W over the concatenation
//! ```
//!
//! Training it means differentiating through every step: backpropagation
//! through time (BPTT). The product of per-step Jacobians makes gradients
//! vanish or explode (梯度消失, vanishing gradient); the LSTM (长短期记忆)
//! adds a cell state whose additive update carries gradient across many
//! steps. The seed's text model is Embedding(10000, 64) → LSTM(64,
//! return_sequences) → LSTM(64) → Dense(64, relu) → Dense(10, softmax);
//! this chapter builds its recurrent parts.
//!
//! | module | what |
//! |---|---|
//! | [`rnn`] | the vanilla RNN layer, BPTT, truncated BPTT |
//! | [`lstm`] | the LSTM layer (Keras gate order i, f, c, o) |
//! | [`embedding`] | token ids → vectors, sparse backward |
//! | [`readout`] | linear / softmax output at every or the last step |
//! | [`clip`] | gradient-norm clipping |
//! | [`act`] | vectorized tanh and σ (rational approximation) |
//! | [`cell`] | fused cell kernels: the elementwise work of a step in one pass |
//! | [`kernels`] | [`RnnReal`]: SIMD for f32, oracles for f64 |
//! | [`stack`] | a minimal stack of layers |
//! | [`dynamics`] | ‖∂h_T/∂h_0‖ against T: vanishing and exploding, measured |
//! | [`mod@bench`] | the seed-sized workloads: naive, fused SIMD, GEMM alone |
//!
//! ## Shape legend
//!
//! | letter | meaning |
//! |---|---|
//! | `N` | batch size |
//! | `T` | time steps (sequence length) |
//! | `D` | input features per step (embedding width for tokens) |
//! | `H` | hidden units |
//! | `4H` | the LSTM's four gate blocks side by side (i, f, c, o) |
//! | `K` | outputs of a readout layer |
//! | `V` | vocabulary size (embedding rows) |
//!
//! Sequences are **batch first**: x: (N, T, D), row-major, like Keras's
//! `(batch, timesteps, features)`. Inside a layer, per-step buffers are
//! kept time-major, (T, N, ·), so that step t of the whole batch is one
//! contiguous (N, ·) matrix for the GEMM.

pub mod act;
pub mod bench;
pub mod cell;
pub mod clip;
pub mod dynamics;
pub mod embedding;
pub mod init;
pub mod kernels;
pub mod lstm;
pub mod readout;
pub mod rnn;
pub mod stack;
mod tour;
mod util;

pub use clip::{clip_grad_norm, grad_norm};
pub use embedding::Embedding;
pub use kernels::RnnReal;
pub use lstm::Lstm;
pub use readout::{Output, Readout};
pub use rnn::Rnn;
pub use stack::Stack;
pub use tour::tour;

/// The rows for `ai-from-scratch bench rnn`: the seed-sized RNN and LSTM
/// layers (N = 64, T = 28, (D, H) = (28, 64) and (64, 128)), forward and a
/// whole training step, naive against fused SIMD, and their GEMMs alone.
pub fn bench(budget_secs: f64) -> foundations::Result<Vec<foundations::report::BenchRow>> {
    bench::bench_rows(budget_secs)
}
