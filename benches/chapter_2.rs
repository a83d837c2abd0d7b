//! Chapter 2 benches: exp (libm loop vs the vectorized exp per ISA), the
//! softmax ladder on issue 5's shapes, and the MSE reduction from memory.
//! Groups `<kernel>/<rung>/<shape>`; exp and softmax report elements/s,
//! MSE bytes/s (compare with the triad bandwidth). One thread.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use foundations::Isa;
use losses::bench::{EXP_N, MSE_N, SOFTMAX_SHAPES, logits};
use losses::exp::{exp_f32, exp_slice_on};
use losses::loss::{naive_sq_diff_sum, sq_diff_sum_on};
use losses::softmax::{Rung, softmax_rows_on};

fn simd_isas() -> Vec<Isa> {
    Isa::available().into_iter().filter(|&i| i != Isa::Scalar).collect()
}

fn exp(c: &mut Criterion) {
    let x = logits(EXP_N);
    let mut out = vec![0.0f32; EXP_N];
    let mut g = c.benchmark_group("exp");
    g.throughput(Throughput::Elements(EXP_N as u64));
    g.bench_function(format!("v0_libm/n={EXP_N}"), |b| {
        b.iter(|| {
            for (o, &v) in out.iter_mut().zip(black_box(&x)) {
                *o = v.exp();
            }
        })
    });
    g.bench_function(format!("scalar_poly/n={EXP_N}"), |b| {
        b.iter(|| {
            for (o, &v) in out.iter_mut().zip(black_box(&x)) {
                *o = exp_f32(v);
            }
        })
    });
    for isa in simd_isas() {
        g.bench_function(format!("{}/n={EXP_N}", isa.name()), |b| {
            b.iter(|| exp_slice_on(isa, &mut out, black_box(&x)).unwrap())
        });
    }
    g.finish();
}

fn softmax(c: &mut Criterion) {
    for (n, cl) in SOFTMAX_SHAPES {
        let x = logits(n * cl);
        let mut out = vec![0.0f32; n * cl];
        let mut g = c.benchmark_group("softmax");
        g.throughput(Throughput::Elements((n * cl) as u64));
        g.bench_function(format!("v0_naive/{n}x{cl}"), |b| {
            b.iter(|| softmax_rows_on(Isa::Scalar, Rung::V0Naive, &mut out, black_box(&x), n, cl).unwrap())
        });
        for isa in simd_isas() {
            for rung in [Rung::V1ThreePass, Rung::V2Online] {
                g.bench_function(format!("{}_{}/{n}x{cl}", rung.name(), isa.name()), |b| {
                    b.iter(|| softmax_rows_on(isa, rung, &mut out, black_box(&x), n, cl).unwrap())
                });
            }
        }
        g.finish();
    }
}

fn mse(c: &mut Criterion) {
    let p = logits(MSE_N);
    let t: Vec<f32> = p.iter().map(|v| v * 0.5).collect();
    let mut g = c.benchmark_group("mse");
    g.throughput(Throughput::Bytes(8 * MSE_N as u64));
    g.sample_size(10);
    g.bench_function(format!("v0_naive/n={MSE_N}"), |b| b.iter(|| naive_sq_diff_sum(black_box(&p), &t)));
    for isa in simd_isas() {
        g.bench_function(format!("{}/n={MSE_N}", isa.name()), |b| {
            b.iter(|| sq_diff_sum_on(isa, black_box(&p), &t).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, exp, softmax, mse);
criterion_main!(benches);
