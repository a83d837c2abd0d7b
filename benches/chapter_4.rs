//! Chapter 4 benches: tanh/σ (naive std vs SIMD rational), and the
//! seed-sized RNN and LSTM layers (N = 64, T = 28, (D, H) = (28, 64) and
//! (64, 128)): forward and a whole training step, naive vs fused SIMD vs
//! the layer's GEMMs alone. Groups `<kernel>/<rung>/<shape>`; throughput in
//! elements (activations) or GEMM FLOPs (layers), so criterion prints
//! Gelem/s = GFLOP/s.
//!
//! `cargo bench --bench chapter_4 -- --test` runs each once (a smoke test).

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use foundations::Isa;
use rnn::bench::{Cell, SEED_N, SEED_SHAPES, SEED_T, Workload};

fn activations(c: &mut Criterion) {
    let n = SEED_N * 128;
    let x: Vec<f32> = (0..n).map(|i| (i % 97) as f32 / 6.0 - 8.0).collect();
    let mut y = vec![0.0f32; n];
    for (name, f) in [
        ("tanh", rnn::act::tanh_on as fn(Isa, &mut [f32], &[f32]) -> foundations::Result<()>),
        ("sigmoid", rnn::act::sigmoid_on),
    ] {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(n as u64));
        for (rung, isa) in
            [("v0_naive".to_string(), Isa::Scalar), (format!("v1_{}", Isa::active().name()), Isa::active())]
        {
            g.bench_function(BenchmarkId::new(rung, format!("n={n}")), |b| b.iter(|| f(isa, &mut y, &x).unwrap()));
        }
        g.finish();
    }
}

fn cells(c: &mut Criterion) {
    let (n, hd) = (SEED_N, 128);
    let nh = n * hd;
    let a: Vec<f32> = (0..4 * nh).map(|i| (i % 13) as f32 / 6.0 - 1.0).collect();
    let b: Vec<f32> = (0..4 * hd).map(|i| (i % 5) as f32 / 10.0).collect();
    let cp: Vec<f32> = (0..nh).map(|i| (i % 7) as f32 / 7.0 - 0.5).collect();
    let (mut g, mut cc, mut h, mut tc) = (a.clone(), vec![0.0f32; nh], vec![0.0f32; nh], vec![0.0f32; nh]);
    let (mut da, mut dcp) = (vec![0.0f32; 4 * nh], vec![0.0f32; nh]);
    let shape = format!("N{n}xH{hd}");
    for pass in ["lstm_cell_forward", "lstm_cell_backward"] {
        let mut grp = c.benchmark_group(pass);
        grp.throughput(Throughput::Elements(nh as u64));
        for (rung, isa) in
            [("v0_naive".to_string(), Isa::Scalar), (format!("v1_{}", Isa::active().name()), Isa::active())]
        {
            grp.bench_function(BenchmarkId::new(rung, &shape), |bch| {
                bch.iter(|| {
                    if pass == "lstm_cell_forward" {
                        g.copy_from_slice(&a);
                        rnn::cell::lstm_forward_on(isa, &mut g, &mut cc, &mut h, &mut tc, &cp, &b, hd).unwrap()
                    } else {
                        rnn::cell::lstm_backward_on(isa, &mut da, &mut dcp, &cp, &cp, &g, &cp, &tc, hd).unwrap()
                    }
                })
            });
        }
        grp.finish();
    }
}

fn layers(c: &mut Criterion) {
    let isa = Isa::active();
    for cell in [Cell::Rnn, Cell::Lstm] {
        for pass in ["forward", "step"] {
            let mut g = c.benchmark_group(format!("{}_{pass}", cell.name()));
            // The naive rung takes up to a second per call: few samples.
            g.sample_size(10).measurement_time(Duration::from_secs(3));
            for (d, hd) in SEED_SHAPES {
                for (rung, on, gemm_only) in [
                    ("v0_naive".to_string(), Isa::Scalar, false),
                    (format!("v1_fused_{}", isa.name()), isa, false),
                    (format!("gemm_only_{}", isa.name()), isa, true),
                ] {
                    let mut w = Workload::new(cell, SEED_N, SEED_T, d, hd, on).unwrap();
                    let flops = if pass == "forward" { w.flops_forward() } else { w.flops_step() };
                    g.throughput(Throughput::Elements(flops as u64));
                    g.bench_function(BenchmarkId::new(rung, w.shape()), |b| {
                        b.iter(|| match (pass, gemm_only) {
                            ("forward", false) => w.forward().unwrap(),
                            ("forward", true) => w.gemm_forward().unwrap(),
                            (_, false) => w.step().unwrap(),
                            (_, true) => w.gemm_step().unwrap(),
                        })
                    });
                }
            }
            g.finish();
        }
    }
}

criterion_group!(benches, activations, cells, layers);
criterion_main!(benches);
