//! # Chapter 1: learning by following the gradient (`gradient_descent`)
//!
//! *Seed §2.2, §2.3, §2.5: training minimises a loss by iteratively
//! updating the parameters along the negative gradient; learning rate
//! (学习率), batch size (批量大小) and number of iterations (迭代次数) are
//! the hyperparameters (超参数) that steer it; the seed's example code trains
//! every model with Adam.*
//!
//! | module | what |
//! |---|---|
//! | [`problems`] | linear and logistic regression on generated data, gradients by hand |
//! | [`train`](mod@train) | batch, stochastic and mini-batch gradient descent: one loop |
//! | [`optim`] | the updates over flat buffers: SGD, momentum, Nesterov, RMSProp, Adam, AdamW; naive and fused SIMD |
//! | [`optimizer`] | the same as objects with state, stepping any [`foundations::Layer`] |
//! | [`schedule`] | learning-rate schedules: constant, step, cosine, warm-up |
//!
//! ## Shape legend
//!
//! | letter | meaning |
//! |---|---|
//! | `N` | samples in the data set |
//! | `B` | samples in a mini-batch (batch size) |
//! | `D` | features per sample; weights w: (D), bias b: scalar |
//! | `n` | length of a flat parameter buffer θ (and of g, m, v, ...) |
//! | `t` | optimizer step number, from 1 |

pub mod optim;
pub mod optimizer;
pub mod problems;
pub mod schedule;
pub mod train;

pub use optim::{AdamParams, MomentumParams, OptimKernels, RmsPropParams};
pub use optimizer::{Adam, Momentum, Optimizer, RmsProp, Sgd};
pub use problems::{Dataset, LinearRegression, LogisticRegression, Problem};
pub use schedule::{Decay, Schedule};
pub use train::{Record, TrainConfig, train};
