//! Chapter 3 benches: the seed CNN's convolutions at batch 64 (v0 at batch 4),
//! one thread, forward and backward per rung; pooling; the conv stack.
//! Groups are `<kernel>/<rung>/<shape>`, throughput in useful FLOPs
//! (`Elements` = FLOPs, so criterion's "elem/s" reads as FLOP/s) or bytes.
//!
//! `cargo bench --bench chapter_3` (add `-- --test` for a one-shot smoke run).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{ArrayD, IxDyn};

use conv_pool::conv2d::{Rung, conv2d_backward_on, conv2d_forward_on};
use conv_pool::demo::{
    BATCH, NAIVE_BATCH, SEED_CONVS, backward_flops, conv_stack, random, run_stack, seed_conv_dims, stack_flops,
};
use conv_pool::pool::{self, PoolDims};
use foundations::Isa;

/// A caching allocator, as frameworks use: freed multi-megabyte activations
/// are reused instead of being returned to the OS and faulted in again
/// (see the chapter 3 page, "the stack row").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn convs(c: &mut Criterion) {
    let isa = Isa::active();
    for (i, &(name, _, _, _, need_dx)) in SEED_CONVS.iter().enumerate() {
        for rung in Rung::ALL {
            let n = if rung == Rung::V0Naive { NAIVE_BATCH } else { BATCH };
            let d = seed_conv_dims(i, n).expect("seed dims");
            let (x, k, b, dy) = (random(d.x_len(), 1), random(d.k_len(), 2), random(d.f, 3), random(d.y_len(), 4));
            let (mut y, mut dx, mut dk, mut db) =
                (vec![0.0; d.y_len()], vec![0.0; d.x_len()], vec![0.0; d.k_len()], vec![0.0; d.f]);
            let shape = format!("{}x{}x{}x{}->{}", d.n, d.h, d.w, d.c, d.f);

            let mut g = c.benchmark_group(format!("{name}_forward/{}/{shape}", rung.name()));
            g.sample_size(10).throughput(Throughput::Elements(d.flops() as u64));
            g.bench_function("f32", |bch| {
                bch.iter(|| conv2d_forward_on(rung, isa, black_box(&mut y), &x, &k, &b, &d).expect("forward"))
            });
            g.finish();

            let mut g = c.benchmark_group(format!("{name}_backward/{}/{shape}", rung.name()));
            g.sample_size(10).throughput(Throughput::Elements(backward_flops(&d, need_dx) as u64));
            g.bench_function("f32", |bch| {
                bch.iter(|| {
                    let dxs = if need_dx { Some(dx.as_mut_slice()) } else { None };
                    conv2d_backward_on(rung, isa, dxs, &mut dk, &mut db, &x, &k, &dy, &d).expect("backward");
                    black_box(&dk);
                })
            });
            g.finish();
        }
    }
}

fn pools(c: &mut Criterion) {
    for (h, ch) in [(26, 32), (11, 64)] {
        let d = PoolDims::new("max_pool2d", BATCH, (h, h, ch), (2, 2), (2, 2)).expect("pool dims");
        let x = random(d.x_len(), 5);
        let (mut y, mut dx) = (vec![0.0f32; d.y_len()], vec![0.0f32; d.x_len()]);
        let shape = format!("{BATCH}x{h}x{h}x{ch}");
        for isa in [Isa::Scalar, Isa::active()] {
            let rung = if isa == Isa::Scalar { "v0_naive".to_string() } else { format!("v1_simd_{isa}") };
            let mut g = c.benchmark_group(format!("pool_forward/{rung}/{shape}"));
            g.sample_size(20).throughput(Throughput::Bytes(d.forward_bytes() as u64));
            g.bench_function("max", |b| {
                b.iter(|| pool::max_pool2d_forward_on(isa, black_box(&mut y), &x, &d).expect("max"))
            });
            g.bench_function("avg", |b| {
                b.iter(|| pool::avg_pool2d_forward_on(isa, black_box(&mut y), &x, &d).expect("avg"))
            });
            g.finish();
            let mut g = c.benchmark_group(format!("pool_backward/{rung}/{shape}"));
            g.sample_size(20).throughput(Throughput::Bytes(4 * (3 * d.x_len() + d.y_len()) as u64));
            g.bench_function("max", |b| {
                b.iter(|| pool::max_pool2d_backward_on(isa, black_box(&mut dx), &x, &y, &d).expect("max"))
            });
            g.bench_function("avg", |b| {
                b.iter(|| pool::avg_pool2d_backward_on(isa, black_box(&mut dx), &y, &d).expect("avg"))
            });
            g.finish();
        }
    }
}

fn stack(c: &mut Criterion) {
    let mut net = conv_stack(1).expect("stack");
    let x = ArrayD::from_shape_vec(IxDyn(&[BATCH, 28, 28, 1]), random(BATCH * 784, 6)).expect("x");
    let dy = ArrayD::from_shape_vec(IxDyn(&[BATCH, 3, 3, 64]), random(BATCH * 576, 7)).expect("dy");
    let mut g = c.benchmark_group(format!("conv_stack_fwd+bwd/best/{BATCH}x28x28x1"));
    g.sample_size(10).throughput(Throughput::Elements(stack_flops(BATCH).expect("flops") as u64));
    g.bench_function("f32", |b| b.iter(|| run_stack(&mut net, &x, &dy).expect("stack")));
    g.finish();
}

criterion_group!(benches, convs, pools, stack);
criterion_main!(benches);
