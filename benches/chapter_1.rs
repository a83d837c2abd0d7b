//! Chapter 1: the optimizer updates, naive against fused SIMD, per ISA.
//!
//! Groups `<update>/<rung>/n=<parameters>` with `Throughput::Bytes` (the
//! f32 traffic of one fused pass: 12 bytes per parameter for SGD, 20 for
//! momentum/Nesterov/RMSProp, 28 for Adam/AdamW), so criterion reports GB/s
//! to hold against the STREAM triad bandwidth (`ai-from-scratch bench optim`
//! measures both in one run). 4 Ki and 64 Ki parameters fit in L1/L2;
//! 16 Mi parameters (up to 256 MiB of buffers) do not fit in any cache.
//!
//! `cargo bench --bench chapter_1 -- --test` runs each once (smoke test).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use foundations::Isa;
use gradient_descent::bench::{Buffers, SIZES, UPDATES, run, rung};

fn updates(c: &mut Criterion) {
    for (kernel, floats) in UPDATES {
        let mut group = c.benchmark_group(kernel);
        for n in SIZES {
            group.throughput(Throughput::Bytes((floats * 4 * n) as u64));
            // A 16 Mi-parameter pass takes tens of milliseconds: fewer samples.
            group.sample_size(if n > 1 << 20 { 10 } else { 50 });
            for isa in Isa::available() {
                let mut x = Buffers::new(n);
                let mut t = 0u64;
                group.bench_function(BenchmarkId::new(rung(isa), format!("n={n}")), |b| {
                    b.iter(|| {
                        t += 1;
                        run(kernel, isa, black_box(&mut x), t).expect("valid arguments");
                    })
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, updates);
criterion_main!(benches);
