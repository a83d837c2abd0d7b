//! Where the time of the seed CNN's convolutional stack goes: each layer's
//! forward and backward timed on its own (thread CPU time, best batch), then
//! the whole stack, forward + backward, as the bench rates it.
//!
//! `cargo run --release -p chapter-3 --example profile_stack`

use conv_pool::demo::{BATCH, conv_stack, random, run_stack, stack_flops};
use foundations::timing::measure;
use foundations::{Error, Result};
use ndarray::{ArrayD, IxDyn};

/// mimalloc, as the chapter's measuring programs use (see the page): comment
/// these two lines out to measure glibc's malloc instead.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    let shape_err = |e: ndarray::ShapeError| Error::Shape(e.to_string());
    let mut net = conv_stack(1)?;
    let x = ArrayD::from_shape_vec(IxDyn(&[BATCH, 28, 28, 1]), random(BATCH * 784, 6)).map_err(shape_err)?;
    let mut inputs = vec![x.clone()];
    for layer in net.iter_mut() {
        let y = layer.forward(&inputs[inputs.len() - 1])?;
        inputs.push(y);
    }
    let (mut sum_f, mut sum_b) = (0.0, 0.0);
    for (i, layer) in net.iter_mut().enumerate() {
        let xi = inputs[i].clone();
        let tf = measure(0.3, || {
            layer.forward(&xi).ok();
        });
        let dy = ArrayD::from_elem(IxDyn(inputs[i + 1].shape()), 0.5f32);
        let tb = measure(0.3, || {
            layer.backward(&dy).ok();
        });
        sum_f += tf.best;
        sum_b += tb.best;
        println!("{:40} forward {:7.3} ms   backward {:7.3} ms", layer.name(), tf.best * 1e3, tb.best * 1e3);
    }
    println!("sum of the layers: forward {:.3} ms, backward {:.3} ms", sum_f * 1e3, sum_b * 1e3);
    let dy = ArrayD::from_shape_vec(IxDyn(&[BATCH, 3, 3, 64]), random(BATCH * 576, 7)).map_err(shape_err)?;
    let t = measure(1.0, || {
        run_stack(&mut net, &x, &dy).ok();
    });
    println!(
        "the stack, forward + backward: best {:.3} ms, median {:.3} ms ({:.1} GFLOP/s of useful conv FLOPs)",
        t.best * 1e3,
        t.median * 1e3,
        stack_flops(BATCH)? / t.best / 1e9
    );
    Ok(())
}
