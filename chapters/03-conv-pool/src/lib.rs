//! # Chapter 3: convolution, pooling and the fully connected layer (`conv_pool`)
//!
//! *Seed §3.1.* A convolutional network slides a small kernel (卷积核) over
//! an image: the convolutional layer (卷积层) computes
//! y(x, y) = Σ_{x'} Σ_{y'} x(x' + x, y' + y)·k(x', y'), a cross-correlation;
//! the pooling layer (池化层) keeps the largest (or the mean) value of each
//! small window; the fully connected layer (全连接层) turns the final feature
//! maps into a class vector. The seed's example network on 28×28×1 images:
//!
//! ```text
//! Conv2D(32, 3×3, relu) → MaxPool(2×2) → Conv2D(64, 3×3, relu) → MaxPool(2×2)
//!   → Conv2D(64, 3×3, relu) → Flatten → Dense(64, relu) → Dense(10, softmax)
//! ```
//!
//! | module | what |
//! |---|---|
//! | [`conv2d`] | convolution forward/backward: v0 naive, v1 im2col + GEMM, v2 direct SIMD |
//! | [`pool`] | max and average pooling forward/backward: naive and SIMD |
//! | [`layers`] | `Conv2d`, `MaxPool2d`, `AvgPool2d`, `Dense`, `ReLU`, `Flatten`: chapter 0's `Layer` |
//! | [`kernels`] | [`Kernels`]: f32 runs SIMD, f64 runs the oracles |
//! | [`demo`] | `tour()` and `bench()` for the CLI |
//!
//! ## Shape legend
//!
//! | letter | meaning |
//! |---|---|
//! | `N` | batch size |
//! | `H, W` | input height and width |
//! | `C` | input channels |
//! | `F` | output channels (filters) |
//! | `KH, KW` | kernel height and width |
//! | `PH, PW` | pooling window height and width |
//! | `SH, SW` | strides |
//! | `PT, PL` | zero padding above and left of the input |
//! | `OH, OW` | output height and width |
//! | `M, K` | im2col matrix: M = N·OH·OW rows, K = KH·KW·C columns |
//! | `D, U` | dense layer: input and output features |
//!
//! Every image tensor is **NHWC** (channels last), row-major; a kernel is
//! `(KH, KW, C, F)`, which read as a (KH·KW·C) × F matrix is the GEMM's B.

pub mod conv2d;
pub mod demo;
pub mod kernels;
pub mod layers;
pub mod pool;

pub use demo::{bench, tour};
pub use kernels::Kernels;
