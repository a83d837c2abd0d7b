//! The chapter's benchmark rows for `ai-from-scratch bench losses` (the
//! criterion file `benches/chapter_2.rs` measures the same kernels).
//!
//! - `exp`: elements per second on n = 2048 (16 KiB in + out: in L1), the
//!   libm loop (`v0_libm`) against the vectorized exp on each ISA;
//! - `softmax`: rows of (N=256, C=10), (N=64, C=1000), (N=16, C=32768), the
//!   ladder v0/v1/v2 on each SIMD ISA, Work = elements N·C;
//! - `mse`: Σ(p − t)² over 8 Mi elements per array (64 MiB: far beyond the
//!   caches), Work = bytes read, to compare with the triad bandwidth.

use std::hint::black_box;

use foundations::report::{BenchRow, Work};
use foundations::timing::measure;
use foundations::{Isa, Result};

use crate::exp::{self, exp_f32};
use crate::loss;
use crate::softmax::{self, Rung};

/// Elements for the in-cache exp measurement.
pub const EXP_N: usize = 2048;
/// The softmax shapes (N, C) of issue 5.
pub const SOFTMAX_SHAPES: [(usize, usize); 3] = [(256, 10), (64, 1000), (16, 32768)];
/// Elements per array for the MSE bandwidth measurement.
pub const MSE_N: usize = 8 << 20;

/// Deterministic logits in about [−8, 8].
pub fn logits(len: usize) -> Vec<f32> {
    (0..len).map(|i| ((i.wrapping_mul(2_654_435_761) >> 7) % 4096) as f32 / 256.0 - 8.0).collect()
}

/// The SIMD ISAs of this CPU (not the scalar one).
fn simd_isas() -> Vec<Isa> {
    Isa::available().into_iter().filter(|&i| i != Isa::Scalar).collect()
}

/// exp rows: libm, the scalar algorithm, each SIMD ISA.
pub fn bench_exp(budget: f64) -> Result<Vec<BenchRow>> {
    let x = logits(EXP_N);
    let mut out = vec![0.0f32; EXP_N];
    let shape = format!("n={EXP_N}");
    let work = Work::Elements(EXP_N as f64);
    let mut rows = Vec::new();
    let t = measure(budget, || {
        for (o, &v) in out.iter_mut().zip(black_box(&x)) {
            *o = v.exp();
        }
        black_box(&out);
    });
    rows.push(BenchRow::new("exp", "v0_libm", &shape, work, t.best));
    let t = measure(budget, || {
        for (o, &v) in out.iter_mut().zip(black_box(&x)) {
            *o = exp_f32(v);
        }
        black_box(&out);
    });
    rows.push(BenchRow::new("exp", "scalar_poly", &shape, work, t.best));
    for isa in simd_isas() {
        let t = measure(budget, || {
            let _ = exp::exp_slice_on(isa, &mut out, black_box(&x));
        });
        rows.push(BenchRow::new("exp", isa.name(), &shape, work, t.best));
    }
    Ok(rows)
}

/// softmax rows: v0 once, v1 and v2 on each SIMD ISA, for each shape.
pub fn bench_softmax(budget: f64) -> Result<Vec<BenchRow>> {
    let mut rows = Vec::new();
    for (n, c) in SOFTMAX_SHAPES {
        let x = logits(n * c);
        let mut out = vec![0.0f32; n * c];
        let shape = format!("{n}x{c}");
        let work = Work::Elements((n * c) as f64);
        let t = measure(budget, || {
            let _ = softmax::softmax_rows_on(Isa::Scalar, Rung::V0Naive, &mut out, black_box(&x), n, c);
        });
        rows.push(BenchRow::new("softmax", "v0_naive", &shape, work, t.best));
        for isa in simd_isas() {
            for rung in [Rung::V1ThreePass, Rung::V2Online] {
                let t = measure(budget, || {
                    let _ = softmax::softmax_rows_on(isa, rung, &mut out, black_box(&x), n, c);
                });
                rows.push(BenchRow::new("softmax", format!("{}_{}", rung.name(), isa.name()), &shape, work, t.best));
            }
        }
    }
    Ok(rows)
}

/// MSE reduction rows: naive and each SIMD ISA on arrays beyond the caches.
pub fn bench_mse(budget: f64) -> Result<Vec<BenchRow>> {
    let p = logits(MSE_N);
    let t: Vec<f32> = p.iter().map(|v| v * 0.5).collect();
    let shape = format!("n={MSE_N}");
    let work = Work::Bytes(8.0 * MSE_N as f64);
    let mut rows = Vec::new();
    let tm = measure(budget, || {
        black_box(loss::naive_sq_diff_sum(black_box(&p), &t));
    });
    rows.push(BenchRow::new("mse", "v0_naive", &shape, work, tm.best));
    for isa in simd_isas() {
        let tm = measure(budget, || {
            black_box(loss::sq_diff_sum_on(isa, black_box(&p), &t).unwrap_or(0.0));
        });
        rows.push(BenchRow::new("mse", isa.name(), &shape, work, tm.best));
    }
    Ok(rows)
}

/// Every row of the chapter; `budget_secs` of CPU time per row.
pub fn bench(budget_secs: f64) -> Result<Vec<BenchRow>> {
    let mut rows = bench_exp(budget_secs)?;
    rows.extend(bench_softmax(budget_secs)?);
    rows.extend(bench_mse(budget_secs)?);
    Ok(rows)
}
