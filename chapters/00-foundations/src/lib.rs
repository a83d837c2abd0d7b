//! # Chapter 0: the machine (`foundations`)
//!
//! *Seed §2.1: a large model is many parameters and a great deal of
//! parallel arithmetic.* This chapter is the toolbox every later chapter
//! uses, and the first lesson: how a CPU does many multiply-adds at once.
//!
//! | module | what |
//! |---|---|
//! | [`isa`] | which SIMD instruction set runs ([`Isa`]), capability tokens |
//! | [`simd`] | the SIMD vocabulary ([`simd::Simd`]) each token implements |
//! | [`vector`] | dot, axpy, scale, sum, max, add, mul: naive and SIMD |
//! | [`gemm`] | C ← αAB + βC: the workhorse of every layer |
//! | [`real`] | [`Real`]: f32 runs SIMD kernels, f64 runs the oracles |
//! | [`layer`] | the [`Layer`] contract: forward, backward, parameters |
//! | [`gradcheck`] | central differences in f64 against a backward pass |
//! | [`testing`] | `assert_close`, `per_isa!`, tail-breaking strategies, canaries |
//! | [`peak`], [`timing`] | the machine's FMA peak and bandwidth; CPU-time timing |
//! | [`report`] | one benchmark row, shared by every chapter and the CLI |
//!
//! ## Shape legend
//!
//! | letter | meaning |
//! |---|---|
//! | `n` | length of a vector |
//! | `M, N, K` | GEMM: A is (M, K), B is (K, N), C is (M, N) |
//! | `rs, cs` | row and column strides of a matrix view |
//! | `LANES` | f32 elements per SIMD register (AVX2 8, AVX-512 16, NEON 4) |
//!
//! Every matrix is row-major unless its strides say otherwise.

pub mod error;
pub mod gemm;
pub mod gradcheck;
pub mod isa;
pub mod layer;
pub mod peak;
pub mod real;
pub mod report;
pub mod simd;
pub mod testing;
pub mod timing;
pub mod tour;
pub mod vector;

pub use error::{Error, Result};
pub use gemm::{MatMut, MatRef, gemm};
pub use isa::{Avx2Fma, Avx512, Isa, Neon, Token};
pub use layer::{Layer, Param};
pub use real::Real;
pub use testing::assert_close;
pub use tour::{bench, bench_gemm, tour};
