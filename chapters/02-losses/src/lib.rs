//! # Chapter 2: losses (`losses`)
//!
//! *Seed §2.4: the loss function (损失函数) measures the gap between what a
//! model predicts and the truth; mean squared error (均方误差) for numbers,
//! cross-entropy (交叉熵) for classes.* Every model of the seed is compiled
//! with `sparse_categorical_crossentropy` on a softmax output: this chapter
//! builds that pair from the bottom, a vectorized `exp` first.
//!
//! | module | what |
//! |---|---|
//! | [`exp`] | e^x: range reduction, polynomial, 2^k in the exponent bits; AVX2, AVX-512, NEON |
//! | [`softmax`] | row-wise softmax, log-softmax, log-sum-exp, fused softmax + cross-entropy: the ladder |
//! | [`loss`] | MSE, MAE, binary and categorical cross-entropy (sparse, one-hot, fused), forward and backward |
//! | [`kernels`] | [`LossKernels`]: f32 runs the SIMD kernels, f64 the oracles, through the same code |
//! | [`layers`] | [`Softmax`], [`LogSoftmax`] layers and the [`SoftmaxCrossEntropy`] loss object |
//! | [`bench()`], [`tour()`] | the rows of `ai-from-scratch bench losses`; the chapter's guided run |
//!
//! ## For later chapters
//!
//! Write a layer once over `T: LossKernels` and call the generic entry
//! points: [`softmax::softmax_rows`], [`softmax::log_softmax_rows`],
//! [`softmax::log_sum_exp_rows`], [`softmax::softmax_rows_backward`],
//! [`softmax::log_softmax_rows_backward`] (all (N, C) row-major, backward
//! accumulates), [`LossKernels::exp_slice`]; f32 runs SIMD on the active
//! ISA, f64 the oracle. [`exp::exp_slice`] / [`exp::exp_slice_on`] are the
//! f32 exp itself; [`loss`] has every loss with its backward.
//!
//! ## Shape legend
//!
//! | letter | meaning |
//! |---|---|
//! | `N` | batch: rows, one example each |
//! | `C` | classes: columns of logits, probabilities, one-hot targets |
//! | `n` | length of a flat vector (`exp`, MSE over all elements) |
//! | `LANES` | f32 per SIMD register (AVX2 8, AVX-512 16, NEON 4) |
//!
//! Matrices are (N, C) row-major: row `i` is `x[i*C .. (i+1)*C]`.

pub mod exp;
pub mod kernels;
pub mod layers;
pub mod loss;
pub mod softmax;

pub use kernels::LossKernels;
pub use layers::{LogSoftmax, Softmax, SoftmaxCrossEntropy};
pub use loss::Reduction;
pub mod bench;
mod tour;

pub use bench::bench;
pub use tour::tour;
