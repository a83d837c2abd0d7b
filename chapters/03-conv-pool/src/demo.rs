//! `tour()` and `bench()` for the CLI (`ai-from-scratch tour`, `bench conv`).

use std::hint::black_box;

use ndarray::{ArrayD, IxDyn};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use foundations::gradcheck::{Config, check_layer};
use foundations::report::{BenchRow, Work};
use foundations::timing::measure;
use foundations::{Isa, Layer, Result};

use crate::conv2d::{self, Conv2dDims, Padding, Rung, im2col};
use crate::layers::{Conv2d, MaxPool2d, ReLU};
use crate::pool::{self, PoolDims};

/// The seed CNN's three convolutions: name, input size H = W, C, F, and
/// whether backward needs dx (not for the first layer).
pub const SEED_CONVS: [(&str, usize, usize, usize, bool); 3] =
    [("conv1", 28, 1, 32, false), ("conv2", 13, 32, 64, true), ("conv3", 5, 64, 64, true)];

/// Batch size of the bench (the 64).
pub const BATCH: usize = 64;

/// The naive rung is timed on a smaller batch (its rate per FLOP does not
/// depend on N; a batch of 64 would take seconds per call).
pub const NAIVE_BATCH: usize = 4;

/// Uniform values in [−1, 1], seeded.
pub fn random(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-1.0f32..=1.0)).collect()
}

/// The dims of seed conv layer `i` at batch `n`.
pub fn seed_conv_dims(i: usize, n: usize) -> Result<Conv2dDims> {
    let (_, h, c, f, _) = SEED_CONVS[i];
    Conv2dDims::new(n, (h, h, c), (3, 3), f, (1, 1), Padding::Valid)
}

/// Useful FLOPs of a conv backward: dk always, dx when needed (db is negligible).
pub fn backward_flops(d: &Conv2dDims, dx: bool) -> f64 {
    d.flops() * if dx { 2.0 } else { 1.0 }
}

fn shape(d: &Conv2dDims) -> String {
    format!("{}x{}x{}x{}->{}", d.n, d.h, d.w, d.c, d.f)
}

/// Benchmarks one conv layer: forward per rung, backward per rung, and
/// im2col / col2im alone (bytes moved: read + write of the block).
fn bench_conv(rows: &mut Vec<BenchRow>, i: usize, budget: f64) -> Result<()> {
    let isa = Isa::active();
    let (name, _, _, _, need_dx) = SEED_CONVS[i];
    for (n, rungs) in [(NAIVE_BATCH, &[Rung::V0Naive][..]), (BATCH, &[Rung::V1Im2colGemm, Rung::V2Direct][..])] {
        let d = seed_conv_dims(i, n)?;
        let (x, k, b, dy) = (random(d.x_len(), 1), random(d.k_len(), 2), random(d.f, 3), random(d.y_len(), 4));
        let mut y = vec![0.0; d.y_len()];
        let (mut dx, mut dk, mut db) = (vec![0.0; d.x_len()], vec![0.0; d.k_len()], vec![0.0; d.f]);
        for &rung in rungs {
            let t = measure(budget, || {
                conv2d::conv2d_forward_on(rung, isa, &mut y, &x, &k, &b, &d).ok();
                black_box(&y);
            });
            rows.push(BenchRow::new(format!("{name}_forward"), rung.name(), shape(&d), Work::Flops(d.flops()), t.best));
            let t = measure(budget, || {
                let dxs = if need_dx { Some(dx.as_mut_slice()) } else { None };
                conv2d::conv2d_backward_on(rung, isa, dxs, &mut dk, &mut db, &x, &k, &dy, &d).ok();
                black_box(&dk);
            });
            let what = if need_dx { "backward(dk,db,dx)" } else { "backward(dk,db)" };
            rows.push(BenchRow::new(
                format!("{name}_{what}"),
                rung.name(),
                shape(&d),
                Work::Flops(backward_flops(&d, need_dx)),
                t.best,
            ));
        }
    }
    // im2col and col2im alone over the whole batch, block by block as v1 runs them.
    let d = seed_conv_dims(i, BATCH)?;
    let x = random(d.x_len(), 1);
    let mut dx = vec![0.0; d.x_len()];
    let mb = im2col::block_rows(&d);
    let mut cols = vec![0.0f32; mb.min(d.m()) * d.k()];
    let bytes = 4.0 * 2.0 * (d.m() * d.k()) as f64;
    let t = measure(budget, || {
        for m0 in (0..d.m()).step_by(mb) {
            let m1 = (m0 + mb).min(d.m());
            im2col::im2col(&mut cols[..(m1 - m0) * d.k()], &x, &d, m0, m1);
        }
        black_box(&cols);
    });
    rows.push(BenchRow::new(format!("{name}_im2col"), "v1", shape(&d), Work::Bytes(bytes), t.best));
    let t = measure(budget, || {
        for m0 in (0..d.m()).step_by(mb) {
            let m1 = (m0 + mb).min(d.m());
            im2col::col2im(&mut dx, &cols[..(m1 - m0) * d.k()], &d, m0, m1);
        }
        black_box(&dx);
    });
    rows.push(BenchRow::new(format!("{name}_col2im"), "v1", shape(&d), Work::Bytes(bytes), t.best));
    Ok(())
}

/// Pooling rows: 2×2/2 max and average after conv1 and conv2 (bytes: read x, write y).
fn bench_pool(rows: &mut Vec<BenchRow>, budget: f64) -> Result<()> {
    for (h, c) in [(26, 32), (11, 64)] {
        let d = PoolDims::new("max_pool2d", BATCH, (h, h, c), (2, 2), (2, 2))?;
        let x = random(d.x_len(), 5);
        let mut y = vec![0.0f32; d.y_len()];
        let shape = format!("{}x{h}x{h}x{c}", d.n);
        for isa in [Isa::Scalar, Isa::active()] {
            let rung = if isa == Isa::Scalar { "v0_naive".to_string() } else { format!("v1_simd_{isa}") };
            let t = measure(budget, || {
                pool::max_pool2d_forward_on(isa, &mut y, &x, &d).ok();
                black_box(&y);
            });
            rows.push(BenchRow::new("max_pool_forward", &rung, &shape, Work::Bytes(d.forward_bytes()), t.best));
            let t = measure(budget, || {
                pool::avg_pool2d_forward_on(isa, &mut y, &x, &d).ok();
                black_box(&y);
            });
            rows.push(BenchRow::new("avg_pool_forward", &rung, &shape, Work::Bytes(d.forward_bytes()), t.best));
        }
        // Backward: read x and dy, read and write dx.
        let mut dx = vec![0.0f32; d.x_len()];
        let bytes = 4.0 * (3 * d.x_len() + d.y_len()) as f64;
        for isa in [Isa::Scalar, Isa::active()] {
            let rung = if isa == Isa::Scalar { "v0_naive".to_string() } else { format!("v1_simd_{isa}") };
            let t = measure(budget, || {
                pool::max_pool2d_backward_on(isa, &mut dx, &x, &y, &d).ok();
                black_box(&dx);
            });
            rows.push(BenchRow::new("max_pool_backward", &rung, &shape, Work::Bytes(bytes), t.best));
            let t = measure(budget, || {
                pool::avg_pool2d_backward_on(isa, &mut dx, &y, &d).ok();
                black_box(&dx);
            });
            rows.push(BenchRow::new("avg_pool_backward", &rung, &shape, Work::Bytes(bytes), t.best));
        }
    }
    Ok(())
}

/// The seed CNN's convolutional stack (three convs, ReLUs, two max-pools),
/// f32, as layers.
pub fn conv_stack(seed: u64) -> Result<Vec<Box<dyn Layer<f32>>>> {
    let v = Padding::Valid;
    Ok(vec![
        Box::new(Conv2d::new(1, 32, (3, 3), (1, 1), v, seed)?.without_input_grad()),
        Box::new(ReLU::new()),
        Box::new(MaxPool2d::new((2, 2), (2, 2))?),
        Box::new(Conv2d::new(32, 64, (3, 3), (1, 1), v, seed + 1)?),
        Box::new(ReLU::new()),
        Box::new(MaxPool2d::new((2, 2), (2, 2))?),
        Box::new(Conv2d::new(64, 64, (3, 3), (1, 1), v, seed + 2)?),
        Box::new(ReLU::new()),
    ])
}

/// Useful FLOPs of the stack's forward + backward at batch n: every conv's
/// forward and dk, dx of conv2 and conv3 (≈ 1.03 GFLOP at n = 64).
pub fn stack_flops(n: usize) -> Result<f64> {
    let mut total = 0.0;
    for (i, &(_, _, _, _, need_dx)) in SEED_CONVS.iter().enumerate() {
        let d = seed_conv_dims(i, n)?;
        total += d.flops() + backward_flops(&d, need_dx);
    }
    Ok(total)
}

/// One forward + backward of the stack (with zeroed gradients first).
pub fn run_stack(net: &mut [Box<dyn Layer<f32>>], x: &ArrayD<f32>, dy: &ArrayD<f32>) -> Result<()> {
    let mut y = x.clone();
    for l in net.iter_mut() {
        y = l.forward(&y)?;
    }
    let mut g = dy.clone();
    for l in net.iter_mut().rev() {
        l.zero_grad();
        g = l.backward(&g)?;
    }
    black_box(&g);
    Ok(())
}

/// The rows of `ai-from-scratch bench conv`: the seed CNN's convolutions at
/// batch 64 (v0 at batch 4), forward and backward per rung; im2col/col2im
/// and pooling as bytes; the whole conv stack forward + backward. One
/// thread, `budget_secs` per row.
pub fn bench(budget_secs: f64) -> Result<Vec<BenchRow>> {
    let mut rows = Vec::new();
    for i in 0..SEED_CONVS.len() {
        bench_conv(&mut rows, i, budget_secs)?;
    }
    bench_pool(&mut rows, budget_secs)?;
    let mut net = conv_stack(1)?;
    let x = ArrayD::from_shape_vec(IxDyn(&[BATCH, 28, 28, 1]), random(BATCH * 784, 6))
        .map_err(|e| foundations::Error::Shape(e.to_string()))?;
    let dy = ArrayD::from_shape_vec(IxDyn(&[BATCH, 3, 3, 64]), random(BATCH * 576, 7))
        .map_err(|e| foundations::Error::Shape(e.to_string()))?;
    run_stack(&mut net, &x, &dy)?;
    let t = measure(budget_secs, || {
        run_stack(&mut net, &x, &dy).ok();
    });
    rows.push(BenchRow::new(
        "conv_stack_fwd+bwd",
        "best",
        format!("{BATCH}x28x28x1"),
        Work::Flops(stack_flops(BATCH)?),
        t.best,
    ));
    Ok(rows)
}

/// A short guided run for `ai-from-scratch tour` (well under 2 s in release).
pub fn tour(w: &mut dyn std::io::Write) -> Result<()> {
    writeln!(w, "Chapter 3: convolution (卷积层), pooling (池化层), the dense layer (全连接层)")?;
    writeln!(w, "  y(x,y) = Σ_x' Σ_y' x(x'+x, y'+y)·k(x',y')   (a cross-correlation, NHWC layout)")?;
    // The hand-worked example of the tests.
    let d = Conv2dDims::new(1, (3, 3, 1), (2, 2), 1, (1, 1), Padding::Valid)?;
    let mut y = [0.0f32; 4];
    conv2d::conv2d_forward(&mut y, &[1., 2., 3., 4., 5., 6., 7., 8., 9.], &[1., 2., 3., 4.], &[0.5], &d)?;
    writeln!(w, "  x = 1..9 (3x3), k = [1 2; 3 4], b = 0.5  ->  y = {y:?}")?;
    // Gradient check of a small conv layer in f64.
    let mut layer = Conv2d::<f64>::new(2, 3, (3, 2), (2, 1), Padding::Same, 1)?;
    let x = ArrayD::from_shape_fn(IxDyn(&[2, 5, 4, 2]), |i| ((i[1] * 7 + i[2] * 3 + i[3]) % 11) as f64 / 5.0 - 1.0);
    let report = check_layer(&mut layer, &x, &Config::default())?;
    writeln!(w, "  gradient check of {}:\n{}", layer.name(), indent(&report.to_string()))?;
    // The ladder on the seed CNN's second layer, batch 4.
    let isa = Isa::active();
    let d = seed_conv_dims(1, 4)?;
    let (x, k, b) = (random(d.x_len(), 1), random(d.k_len(), 2), random(d.f, 3));
    let mut y = vec![0.0; d.y_len()];
    for rung in Rung::ALL {
        let t = measure(0.1, || {
            conv2d::conv2d_forward_on(rung, isa, &mut y, &x, &k, &b, &d).ok();
        });
        writeln!(w, "  conv2 forward {} on {isa}: {:7.2} GFLOP/s", rung.name(), d.flops() / t.best / 1e9)?;
    }
    Ok(())
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}\n")).collect()
}
