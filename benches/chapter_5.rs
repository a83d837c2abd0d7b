//! Chapter 5 benches: attention forward (v0 naive, v1 GEMM, v2 fused) and the
//! fused forward + backward, single thread, batch·heads = 8, dk = 64.
//! Throughput is in FLOPs (4·T²·dk per head forward, 12·T²·dk forward +
//! backward), so criterion reports GFLOP/s. `cargo bench --bench chapter_5`.

use std::time::Duration;

use attention::attention::{self as att, Dims, Mask, naive, v1_gemm};
use attention::cli::{BENCH_BH, BENCH_DK, data, fwd_bwd_flops, fwd_flops};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn attention(c: &mut Criterion) {
    for t in [128usize, 512, 1024, 2048] {
        let d = Dims::square(BENCH_BH, t, BENCH_DK);
        let n = BENCH_BH * t * BENCH_DK;
        let (q, k, v, g) = (data(n, 1), data(n, 2), data(n, 3), data(n, 4));
        let scale = att::default_scale::<f32>(BENCH_DK);
        let (mut out, mut lse) = (vec![0.0f32; n], vec![0.0f32; BENCH_BH * t]);
        let mut group = c.benchmark_group("attention");
        group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
        group.throughput(Throughput::Elements(fwd_flops(t) as u64));
        if t <= 512 {
            let mut p = vec![0.0f32; BENCH_BH * t * t];
            group.bench_function(format!("v0_naive/T={t}"), |b| {
                b.iter(|| naive::forward(&mut out, &mut p, &q, &k, &v, d, Mask::NONE, scale))
            });
        }
        if t <= 1024 {
            let mut p = vec![0.0f32; BENCH_BH * t * t];
            group.bench_function(format!("v1_gemm/T={t}"), |b| {
                b.iter(|| v1_gemm::forward(&mut out, &mut p, &q, &k, &v, d, Mask::NONE, scale).unwrap())
            });
        }
        group.bench_function(format!("v2_fused/T={t}"), |b| {
            b.iter(|| att::forward(&mut out, &mut lse, &q, &k, &v, d, Mask::NONE, scale).unwrap())
        });
        group.finish();

        let mut group = c.benchmark_group("attention_fwd_bwd");
        group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
        group.throughput(Throughput::Elements(fwd_bwd_flops(t) as u64));
        let (mut dq, mut dk, mut dv) = (vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]);
        group.bench_function(format!("v2_fused/T={t}"), |b| {
            b.iter(|| {
                att::forward(&mut out, &mut lse, &q, &k, &v, d, Mask::NONE, scale).unwrap();
                att::backward(&mut dq, &mut dk, &mut dv, &g, &q, &k, &v, &out, &lse, d, Mask::NONE, scale).unwrap();
            })
        });
        group.finish();
    }
}

criterion_group!(benches, attention);
criterion_main!(benches);
