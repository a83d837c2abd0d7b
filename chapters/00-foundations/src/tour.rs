//! Chapter 0's stop on `ai-from-scratch tour`, and its rows for `bench`.

use std::hint::black_box;
use std::io::Write;

use crate::gemm::{self, MatMut, MatRef};
use crate::gradcheck::{Config, check_fn};
use crate::report::{BenchRow, Work};
use crate::timing::measure;
use crate::{Error, Isa, Result, peak, vector};

fn io(e: std::io::Error) -> Error {
    Error::Io(e.to_string())
}

/// Deterministic values in [−1, 1) for benches and demos.
pub fn filler(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}

/// The guided run: which ISA, naive vs SIMD, a gradient check.
pub fn tour(w: &mut dyn Write) -> Result<()> {
    writeln!(w, "Chapter 0 - the machine (seed 2.1: many parameters, parallel compute)").map_err(io)?;
    let names: Vec<&str> = Isa::available().iter().map(|i| i.name()).collect();
    writeln!(
        w,
        "  this CPU has: {}; running on {} ({} f32 lanes per register; cap with AIFS_ISA)",
        names.join(", "),
        Isa::active(),
        Isa::active().lanes()
    )
    .map_err(io)?;

    let p = peak::fma_peak(Isa::active(), 0.05)?;
    writeln!(w, "  measured single-core FMA peak: {:.1} GFLOP/s", p.flops / 1e9).map_err(io)?;

    let n = 4096;
    let (x, y) = (filler(n, 1), filler(n, 2));
    for isa in Isa::available() {
        let t = measure(0.02, || {
            black_box(vector::dot_on(isa, black_box(&x), black_box(&y)).ok());
        });
        let gf = 2.0 * n as f64 / t.best / 1e9;
        writeln!(
            w,
            "  dot, n = {n} (in L1), {:<7} {:>7.2} GFLOP/s  ({:>4.1}% of peak)",
            isa.name(),
            gf,
            100.0 * gf * 1e9 / p.flops
        )
        .map_err(io)?;
    }

    let m = 128;
    for isa in [Isa::Scalar, Isa::active()] {
        let gf = 2.0 * (m * m * m) as f64 / time_square_gemm(isa, m, 0.05)? / 1e9;
        let label = if isa == Isa::Scalar { "naive".to_string() } else { isa.name().to_string() };
        writeln!(w, "  gemm {m}x{m}x{m}, {label:<7} {gf:>7.2} GFLOP/s  ({:>4.1}% of peak)", 100.0 * gf * 1e9 / p.flops)
            .map_err(io)?;
    }

    // A gradient check, and the same check catching a classic bug.
    writeln!(w, "  gradient check of y = tanh(x * w) (central differences in f64):").map_err(io)?;
    let x = [0.5, -1.0, 2.0];
    let wv = [0.3, 0.8, -0.2];
    let forward = |v: &[Vec<f64>]| Ok(v[0].iter().zip(&v[1]).map(|(x, w)| (x * w).tanh()).collect());
    let report = check_fn(
        &[("dx", &x), ("dw", &wv)],
        forward,
        |v, g| {
            // y = tanh(x·w): dy/dx = (1 − y²)·w, dy/dw = (1 − y²)·x
            let d = |i: usize| g[i] * (1.0 - (v[0][i] * v[1][i]).tanh().powi(2));
            Ok(vec![(0..3).map(|i| d(i) * v[1][i]).collect(), (0..3).map(|i| d(i) * v[0][i]).collect()])
        },
        &Config::default(),
    )?;
    for line in report.to_string().lines() {
        writeln!(w, "    {line}").map_err(io)?;
    }
    let wrong = check_fn(
        &[("dx", &x), ("dw", &wv)],
        forward,
        |v, g| {
            // The bug: forgetting tanh' = 1 − y².
            Ok(vec![(0..3).map(|i| g[i] * v[1][i]).collect(), (0..3).map(|i| g[i] * v[0][i]).collect()])
        },
        &Config::default(),
    )?;
    writeln!(
        w,
        "  ...and with tanh' forgotten, the checker says: worst relative error {:.2e} -> {}",
        wrong.max_rel_err(),
        if wrong.passed() { "passed (!)" } else { "FAIL, as it should" }
    )
    .map_err(io)?;
    Ok(())
}

/// Chapter 0's benchmark rows: the peak itself per ISA, the triad, the
/// vector kernels per ISA in L1 and in memory, GEMM per ISA.
pub fn bench(budget: f64) -> Result<Vec<BenchRow>> {
    let mut rows = Vec::new();
    for isa in Isa::available() {
        let p = peak::fma_peak(isa, budget)?;
        rows.push(BenchRow::new("fma_peak", isa.name(), "12 chains", Work::Flops(p.flops_per_call), p.seconds));
    }
    let big = 1 << 24;
    let (bytes, seconds) = peak::triad_timed(Isa::active(), big, budget)?;
    rows.push(BenchRow::new("triad", Isa::active().name(), format!("n={big}"), Work::Bytes(bytes), seconds));

    // In L1 (16 KiB per vector) and far beyond the last-level cache (64 MiB per vector).
    for n in [4096usize, 1 << 24] {
        let (x, y0) = (filler(n, 1), filler(n, 2));
        let mut y = y0.clone();
        for isa in Isa::available() {
            let t = measure(budget, || {
                black_box(vector::dot_on(isa, black_box(&x), black_box(&y0)).ok());
            });
            rows.push(BenchRow::new("dot", isa.name(), format!("n={n}"), Work::Flops(2.0 * n as f64), t.best));
            let t = measure(budget, || {
                let _ = vector::axpy_on(isa, black_box(&mut y), 1e-9, black_box(&x));
            });
            rows.push(BenchRow::new("axpy", isa.name(), format!("n={n}"), Work::Bytes(12.0 * n as f64), t.best));
        }
    }

    let m = 256;
    for isa in Isa::available() {
        let seconds = time_square_gemm(isa, m, budget)?;
        rows.push(BenchRow::new(
            "gemm",
            isa.name(),
            format!("{m}x{m}x{m}"),
            Work::Flops(2.0 * (m * m * m) as f64),
            seconds,
        ));
    }
    Ok(rows)
}

/// Seconds per call of an m×m×m GEMM (C ← A·B) on `isa`.
fn time_square_gemm(isa: Isa, m: usize, budget: f64) -> Result<f64> {
    let (a, b) = (filler(m * m, 3), filler(m * m, 4));
    let mut c = vec![0.0f32; m * m];
    let mut run =
        || gemm::gemm_on(isa, MatMut::new(&mut c, m, m)?, 1.0, MatRef::new(&a, m, m)?, MatRef::new(&b, m, m)?, 0.0);
    run()?;
    Ok(measure(budget, || {
        let _ = run();
    })
    .best)
}

/// The shapes of issue 3: squares, the seed CNN's im2col products at batch
/// 64 (forward, weight gradient, input gradient), attention's QKᵀ and PV.
pub const GEMM_SHAPES: [(&str, usize, usize, usize); 10] = [
    ("square", 64, 64, 64),
    ("square", 128, 128, 128),
    ("square", 256, 256, 256),
    ("square", 512, 512, 512),
    ("square", 1024, 1024, 1024),
    ("conv fwd", 43264, 288, 64),
    ("conv dW", 288, 43264, 64),
    ("conv dX", 43264, 64, 288),
    ("attn QK^T", 1024, 64, 1024),
    ("attn PV", 1024, 1024, 64),
];

/// The GEMM ladder on every shape of [`GEMM_SHAPES`], one thread, plus
/// ndarray's `.dot()` as a peer and the threaded rung on 2 threads at 1024.
/// The slow rungs are skipped where one call would take seconds: v0 above
/// 3·10⁸ FLOPs, v1 and v2 above 2·10⁹.
pub fn bench_gemm(budget: f64) -> Result<Vec<BenchRow>> {
    use crate::gemm::{Rung, time_rung};
    let mut rows = Vec::new();
    for (what, m, k, n) in GEMM_SHAPES {
        let flops = 2.0 * (m * k * n) as f64;
        let shape = format!("{m}x{k}x{n} {what}");
        for rung in Rung::available() {
            let too_slow = match rung {
                Rung::V0Naive => flops > 3e8,
                Rung::V1LoopOrder | Rung::V2Blocked => flops > 2e9,
                _ => false,
            };
            let threads = if rung == Rung::V7Threaded { 2 } else { 1 };
            if too_slow || (rung == Rung::V7Threaded && (m, k, n) != (1024, 1024, 1024)) {
                continue;
            }
            let seconds = time_rung(rung, m, k, n, threads, budget)?;
            // Its "of peak" is against ONE core's peak: 2 threads can reach 200%.
            let name = if threads > 1 {
                format!("{} ({threads} threads, wall)", rung.name())
            } else {
                rung.name().to_string()
            };
            rows.push(BenchRow::new("gemm", name, shape.clone(), Work::Flops(flops), seconds));
        }
        let a = ndarray::Array2::from_shape_vec((m, k), filler(m * k, 5)).map_err(|e| Error::Shape(e.to_string()))?;
        let b = ndarray::Array2::from_shape_vec((k, n), filler(k * n, 6)).map_err(|e| Error::Shape(e.to_string()))?;
        let t = measure(budget, || {
            black_box(a.dot(&b));
        });
        rows.push(BenchRow::new("gemm", "ndarray .dot()", shape, Work::Flops(flops), t.best));
    }
    Ok(rows)
}
