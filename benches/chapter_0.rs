//! Chapter 0 benches: the GEMM ladder (every rung by name, ndarray as a
//! peer) and the vector kernels (naive vs SIMD per ISA).
//!
//! Groups `gemm/<rung>/<m>x<k>x<n>` with Throughput = 2·m·k·n FLOPs (so
//! criterion prints GFLOP/s as "Gelem/s"), `dot/<isa>/<n>` and
//! `axpy/<isa>/<n>` with 2n FLOPs. Single-threaded benches run on thread
//! CPU time (benches/common), the threaded rung on wall time.
//!
//! `cargo bench --bench chapter_0` (a few minutes), `cargo bench --bench
//! chapter_0 -- --test` (each once, seconds), `-- gemm/v5` to filter.

mod common;

use std::hint::black_box;

use criterion::measurement::Measurement;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use foundations::gemm::{MatMut, MatRef, Rung};
use foundations::{Isa, vector};
use ndarray::Array2;

/// The shapes of the GEMM issue: squares, convolution training (batch 64,
/// 26×26 outputs, 32×3×3 in, 64 filters) and attention (T = 1024, dk = 64).
pub const SHAPES: [(&str, usize, usize, usize); 10] = [
    ("square", 64, 64, 64),
    ("square", 128, 128, 128),
    ("square", 256, 256, 256),
    ("square", 512, 512, 512),
    ("square", 1024, 1024, 1024),
    ("conv forward", 43264, 288, 64),
    ("conv weight grad", 288, 43264, 64),
    ("conv input grad", 43264, 64, 288),
    ("attention QKt", 1024, 64, 1024),
    ("attention PV", 1024, 1024, 64),
];

fn data(len: usize, seed: usize) -> Vec<f32> {
    (0..len).map(|i| (((i * 31 + seed * 17) % 41) as f32 - 20.0) / 32.0).collect()
}

/// Which rungs are worth timing on a shape: the slow ones only where a
/// call takes well under a second.
fn rungs_for(m: usize, k: usize, n: usize) -> Vec<Rung> {
    let flops = 2.0 * (m * k * n) as f64;
    Rung::available()
        .into_iter()
        .filter(|&r| r != Rung::V7Threaded)
        .filter(|&r| match r {
            Rung::V0Naive => flops <= 3e8,
            Rung::V1LoopOrder | Rung::V2Blocked => flops <= 2.2e9 && m == k && k == n,
            _ => true,
        })
        .collect()
}

fn group<'a, M: Measurement>(c: &'a mut Criterion<M>, name: &str, flops: u64) -> BenchmarkGroup<'a, M> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(flops)).sampling_mode(SamplingMode::Flat);
    g
}

fn gemm_ladder<M: Measurement>(c: &mut Criterion<M>) {
    for (_, m, k, n) in SHAPES {
        let (a, b) = (data(m * k, 1), data(k * n, 2));
        let mut out = vec![0.0f32; m * n];
        let shape = format!("{m}x{k}x{n}");
        let flops = 2 * (m * k * n) as u64;
        for rung in rungs_for(m, k, n) {
            let mut g = group(c, &format!("gemm/{}", rung.name()), flops);
            g.bench_function(&shape, |bench| {
                bench.iter(|| {
                    let (av, bv) = (MatRef::new(&a, m, k).unwrap(), MatRef::new(&b, k, n).unwrap());
                    rung.run_threads(1, MatMut::new(&mut out, m, n).unwrap(), 1.0, av, bv, 0.0).unwrap();
                    black_box(&mut out);
                })
            });
            g.finish();
        }
        // The peer: ndarray's matrix product (matrixmultiply inside), into a
        // preallocated C like ours: `.dot()` without the allocation.
        let (aa, ba) =
            (Array2::from_shape_vec((m, k), a.clone()).unwrap(), Array2::from_shape_vec((k, n), b.clone()).unwrap());
        let mut ca = Array2::<f32>::zeros((m, n));
        let mut g = group(c, "gemm/ndarray", flops);
        g.bench_function(&shape, |bench| {
            bench.iter(|| {
                ndarray::linalg::general_mat_mul(1.0, &aa, &ba, 0.0, &mut ca);
                black_box(&mut ca);
            })
        });
        g.finish();
    }
}

/// The threaded rung on wall time (thread CPU time would count only the
/// calling thread's share). Meaningful only on an idle machine.
fn gemm_threaded<M: Measurement>(c: &mut Criterion<M>) {
    let (m, k, n) = (1024, 1024, 1024);
    let (a, b) = (data(m * k, 1), data(k * n, 2));
    let mut out = vec![0.0f32; m * n];
    for threads in [1, 2] {
        let mut g = group(c, &format!("gemm/v7_threaded_{threads}t"), 2 * (m * k * n) as u64);
        g.bench_function(format!("{m}x{k}x{n}"), |bench| {
            bench.iter(|| {
                let (av, bv) = (MatRef::new(&a, m, k).unwrap(), MatRef::new(&b, k, n).unwrap());
                Rung::V7Threaded.run_threads(threads, MatMut::new(&mut out, m, n).unwrap(), 1.0, av, bv, 0.0).unwrap();
                black_box(&mut out);
            })
        });
        g.finish();
    }
}

/// dot and axpy, naive against each SIMD ISA, in L1 (4 Ki) and out of L2 (1 Mi).
fn vector_kernels<M: Measurement>(c: &mut Criterion<M>) {
    for n in [4096, 1 << 20] {
        let (x, mut y) = (data(n, 3), data(n, 4));
        for isa in Isa::available() {
            let label = if isa == Isa::Scalar { "naive" } else { isa.name() };
            let mut g = group(c, &format!("dot/{label}"), 2 * n as u64);
            g.bench_function(n.to_string(), |bench| bench.iter(|| black_box(vector::dot_on(isa, &x, &y).unwrap())));
            g.finish();
            let mut g = group(c, &format!("axpy/{label}"), 2 * n as u64);
            g.bench_function(n.to_string(), |bench| {
                bench.iter(|| {
                    vector::axpy_on(isa, &mut y, 1e-3, &x).unwrap();
                    black_box(&mut y);
                })
            });
            g.finish();
        }
    }
}

fn main() {
    let mut cpu = common::cpu_criterion();
    gemm_ladder(&mut cpu);
    vector_kernels(&mut cpu);
    cpu.final_summary();
    let mut wall = common::wall_criterion();
    gemm_threaded(&mut wall);
    wall.final_summary();
}
