//! The chapter's entries for the `ai-from-scratch` CLI: [`tour`] and [`bench()`].

use std::io::Write;

use foundations::gradcheck::{Config, check_layer};
use foundations::report::{BenchRow, Work};
use foundations::{Error, Isa, Layer, Result, timing};
use ndarray::ArrayD;

use crate::attention::{self as att, Dims, Mask, fused_extra_bytes, naive, v1_gemm};
use crate::{Activation, EncoderLayer, MultiHeadAttention, Norm};

fn io(e: std::io::Error) -> Error {
    Error::Io(e.to_string())
}

/// Deterministic pseudo-random values in [−1, 1) (no RNG state needed).
pub fn data(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

/// The bench shapes: batch·heads = 8, dk = dv = 64.
pub const BENCH_T: [usize; 4] = [128, 512, 1024, 2048];
/// batch · heads of the bench.
pub const BENCH_BH: usize = 8;
/// Head width of the bench.
pub const BENCH_DK: usize = 64;

/// FLOPs counted for a forward: 4·T²·dk per head.
pub fn fwd_flops(t: usize) -> f64 {
    4.0 * (BENCH_BH * t * t * BENCH_DK) as f64
}

/// FLOPs counted for forward + backward: 4 + 8 = 12·T²·dk per head (the
/// backward's four products dV, dP, dQ, dK; its recomputation of S is not counted).
pub fn fwd_bwd_flops(t: usize) -> f64 {
    12.0 * (BENCH_BH * t * t * BENCH_DK) as f64
}

/// The rows of `ai-from-scratch bench attention`, single thread, each
/// measured for about `budget_secs` of CPU time: the fused forward and
/// forward + backward at T = 128 … 2048; v1 up to T = 1024 (its P matrix
/// alone is 128 MiB at 2048); v0 at T = 128 and 512 only (seconds per call
/// beyond); layer norm rows naive vs SIMD.
pub fn bench(budget_secs: f64) -> Result<Vec<BenchRow>> {
    let mut rows = Vec::new();
    for &t in &BENCH_T {
        let d = Dims::square(BENCH_BH, t, BENCH_DK);
        let n = BENCH_BH * t * BENCH_DK;
        let (q, k, v, g) = (data(n, 1), data(n, 2), data(n, 3), data(n, 4));
        let scale = att::default_scale::<f32>(BENCH_DK);
        let shape = format!("bh{BENCH_BH}_t{t}_dk{BENCH_DK}");
        let (mut out, mut lse) = (vec![0.0f32; n], vec![0.0f32; BENCH_BH * t]);
        if t <= 512 {
            let mut p = vec![0.0f32; BENCH_BH * t * t];
            let tm =
                timing::measure(budget_secs, || naive::forward(&mut out, &mut p, &q, &k, &v, d, Mask::NONE, scale));
            rows.push(BenchRow::new("attention", "v0_naive", &shape, Work::Flops(fwd_flops(t)), tm.best));
        }
        if t <= 1024 {
            let mut p = vec![0.0f32; BENCH_BH * t * t];
            let mut err = Ok(());
            let tm = timing::measure(budget_secs, || {
                err = v1_gemm::forward(&mut out, &mut p, &q, &k, &v, d, Mask::NONE, scale)
            });
            err?;
            rows.push(BenchRow::new("attention", "v1_gemm", &shape, Work::Flops(fwd_flops(t)), tm.best));
        }
        let mut err = Ok(());
        let tm =
            timing::measure(budget_secs, || err = att::forward(&mut out, &mut lse, &q, &k, &v, d, Mask::NONE, scale));
        err?;
        rows.push(BenchRow::new(
            "attention",
            format!("v2_fused_{}", Isa::active().name()),
            &shape,
            Work::Flops(fwd_flops(t)),
            tm.best,
        ));
        let (mut dq, mut dk, mut dv) = (vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]);
        let mut err = Ok(());
        let tm = timing::measure(budget_secs, || {
            err = att::forward(&mut out, &mut lse, &q, &k, &v, d, Mask::NONE, scale).and_then(|_| {
                att::backward(&mut dq, &mut dk, &mut dv, &g, &q, &k, &v, &out, &lse, d, Mask::NONE, scale)
            });
        });
        err?;
        rows.push(BenchRow::new(
            "attention_fwd_bwd",
            format!("v2_fused_{}", Isa::active().name()),
            &shape,
            Work::Flops(fwd_bwd_flops(t)),
            tm.best,
        ));
    }
    // Layer norm: 4096 rows of D = 512 (a batch of 8 sequences of 512 tokens).
    let (r, dm) = (4096, 512);
    let x = data(r * dm, 5);
    let (gamma, beta) = (vec![1.0f32; dm], vec![0.0f32; dm]);
    let (mut y, mut h, mut rs) = (vec![0.0f32; r * dm], vec![0.0f32; r * dm], vec![0.0f32; r]);
    for isa in [Isa::Scalar, Isa::active()] {
        let mut err = Ok(());
        let tm = timing::measure(budget_secs, || {
            err = crate::layernorm::forward_on(isa, &mut y, &mut h, &mut rs, &x, &gamma, &beta, r, dm, 1e-5)
        });
        err?;
        let rung = if isa == Isa::Scalar { "naive".to_string() } else { format!("simd_{}", isa.name()) };
        // Bytes: read x, write y and x̂.
        rows.push(BenchRow::new(
            "layernorm_fwd",
            &rung,
            format!("rows{r}_d{dm}"),
            Work::Bytes(12.0 * (r * dm) as f64),
            tm.best,
        ));
    }
    Ok(rows)
}

/// A short guided run for `ai-from-scratch tour` (well under 2 s in release).
pub fn tour(w: &mut dyn Write) -> Result<()> {
    writeln!(w, "Chapter 5: attention. softmax(QKᵀ/√dk)·V, fused; multi-head; encoder and decoder layers.")
        .map_err(io)?;
    // 1. The fused kernel against the oracle.
    let (t, dk) = (100, 64);
    let d = Dims::square(2, t, dk);
    let n = 2 * t * dk;
    let (q, k, v) = (data(n, 11), data(n, 12), data(n, 13));
    let scale = att::default_scale::<f32>(dk);
    let (mut o0, mut p) = (vec![0.0f32; n], vec![0.0f32; 2 * t * t]);
    naive::forward(&mut o0, &mut p, &q, &k, &v, d, Mask::causal(), scale);
    let (mut o2, mut lse) = (vec![0.0f32; n], vec![0.0f32; 2 * t]);
    att::forward(&mut o2, &mut lse, &q, &k, &v, d, Mask::causal(), scale)?;
    let diff = o0.iter().zip(&o2).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    writeln!(
        w,
        "  fused ({}) vs naive, T = {t}, dk = {dk}, causal: max |difference| = {diff:.1e}",
        Isa::active().name()
    )
    .map_err(io)?;
    // 2. Memory: the score matrix vs the fused kernel's scratch, at T = 2048.
    let big = Dims::square(1, 2048, 64);
    writeln!(
        w,
        "  memory per head at T = 2048: P matrix {} KiB, fused scratch {} KiB (forward), {} KiB (backward)",
        4 * 2048 * 2048 / 1024,
        fused_extra_bytes(Isa::active(), &big, false) / 1024,
        fused_extra_bytes(Isa::active(), &big, true) / 1024
    )
    .map_err(io)?;
    // 3. Speed at T = 256, 8 heads.
    let d = Dims::square(8, 256, 64);
    let n = 8 * 256 * 64;
    let (q, k, v) = (data(n, 21), data(n, 22), data(n, 23));
    let (mut out, mut p, mut lse) = (vec![0.0f32; n], vec![0.0f32; 8 * 256 * 256], vec![0.0f32; 8 * 256]);
    let t0 = timing::measure(0.15, || naive::forward(&mut out, &mut p, &q, &k, &v, d, Mask::NONE, 0.125));
    let t2 = timing::measure(0.15, || {
        let _ = att::forward(&mut out, &mut lse, &q, &k, &v, d, Mask::NONE, 0.125);
    });
    let f = 4.0 * (8 * 256 * 256 * 64) as f64;
    writeln!(
        w,
        "  8 heads, T = 256, dk = 64: naive {:.2} GFLOP/s, fused {:.1} GFLOP/s ({:.0}× faster)",
        f / t0.best / 1e9,
        f / t2.best / 1e9,
        t0.best / t2.best
    )
    .map_err(io)?;
    // 4. A gradient check of a whole encoder layer, in f64.
    let mut enc = EncoderLayer::<f64>::new(8, 2, 16, Activation::Gelu, Norm::Pre, 1)?;
    let x = ArrayD::from_shape_vec(vec![2, 4, 8], data(64, 31).into_iter().map(f64::from).collect())
        .map_err(|e| Error::Shape(e.to_string()))?;
    let rep = check_layer(&mut enc, &x, &Config { h: 3e-5, ..Config::default() })?;
    let worst = rep.tensors.iter().filter(|t| !t.name.ends_with(".k.b")).map(|t| t.rel_err).fold(0.0, f64::max);
    writeln!(
        w,
        "  gradient check, encoder layer (D = 8, 2 heads, pre-norm): {} tensors, worst relative error {worst:.1e}",
        rep.tensors.len()
    )
    .map_err(io)?;
    // 5. The seed's encoder, counted from the layer objects.
    let mha = MultiHeadAttention::<f32>::new(512, 8, false, 0)?;
    writeln!(
        w,
        "  seed's encoder layer (D 512, 8 heads, dff 2048): attention {} parameters; 2 layers total {}",
        mha.num_params(),
        2 * seed_layer_params()
    )
    .map_err(io)?;
    Ok(())
}

/// Parameters of one encoder layer of the seed's model, counted by formula
/// (the test `seed_encoder_parameter_count` checks it against the layer objects).
pub fn seed_layer_params() -> usize {
    let (d, f) = (512, 2048);
    4 * (d * d + d) + (d * f + f + f * d + d) + 2 * 2 * d
}
