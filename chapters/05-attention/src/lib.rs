//! # Chapter 5: attention and the Transformer blocks (`attention`)
//!
//! *Seed §3.3 (注意力机制, the attention mechanism; 编码器 encoder, 解码器
//! decoder) and §4.3 (the example Transformer: 2 layers, d_model 512, 8
//! heads, dff 2048).* Attention(Q, K, V) = softmax(QKᵀ/√dk)·V, made fast
//! (a fused kernel with an online softmax that never stores the T×T
//! matrix), then wrapped into multi-head attention (多头注意力), layer
//! norm, the feed-forward block, and the encoder and decoder layers.
//!
//! | module | what |
//! |---|---|
//! | [`attention`] | scaled dot-product attention: v0 naive, v1 GEMM, v2 fused SIMD |
//! | [`layernorm`] | layer normalisation rows: naive and SIMD |
//! | [`blocks`] | multi-head attention, layer norm, feed-forward, positional encodings, encoder and decoder layers |
//! | [`cli`] | [`tour`] and [`bench()`] for the `ai-from-scratch` CLI |
//! | [`kernels`] | [`Kernels`]: f32 → SIMD, f64 → oracle, for the layers |
//!
//! ## Shape legend
//!
//! | letter | meaning |
//! |---|---|
//! | `B` | independent attentions: batch · heads (inside [`attention`]); batch (in layers) |
//! | `T, Tq, Tk` | sequence lengths: queries, keys (= values) |
//! | `D` | model width d_model |
//! | `H` | heads; `dk = dv = D / H` per head |
//! | `F` | feed-forward hidden width dff |
//! | `BR, BC` | the fused kernel's query-tile and key-tile sizes |
//! | `LANES` | f32 per SIMD register |
//!
//! Every buffer is row-major; `x: (B, T, D)` is a flat slice of B·T·D.

pub mod attention;
pub mod blocks;
pub mod cli;
pub mod kernels;
pub mod layernorm;

pub use attention::{Dims, Mask};
pub use blocks::{Activation, DecoderLayer, EncoderLayer, FeedForward, LayerNorm, MultiHeadAttention, Norm};
pub use cli::{bench, tour};
pub use kernels::Kernels;
