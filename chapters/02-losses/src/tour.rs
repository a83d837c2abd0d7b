//! `ai-from-scratch tour`, chapter 2: what goes wrong without the max
//! subtraction, the vectorized exp's accuracy on a sample, a gradient check
//! of the fused loss, and naive against SIMD softmax.

use std::io::Write;

use foundations::gradcheck::{Config, check_fn};
use foundations::timing::measure;
use foundations::{Error, Isa, Result};

use crate::exp::{self, ulp_error};
use crate::loss::{self, Reduction};
use crate::softmax::{self, Rung};

fn io(e: std::io::Error) -> Error {
    Error::Io(e.to_string())
}

/// A short guided run (well under 2 s in release).
pub fn tour(w: &mut dyn Write) -> Result<()> {
    let isa = Isa::active();
    writeln!(w, "Chapter 2: losses, softmax and a vectorized exp (ISA: {isa})").map_err(io)?;

    // 1. Stability.
    let x = [1000.0f32, 1001.0, 1002.0];
    let e: Vec<f32> = x.iter().map(|v| v.exp()).collect();
    let s: f32 = e.iter().sum();
    let unstable: Vec<f32> = e.iter().map(|v| v / s).collect();
    let mut stable = [0.0f32; 3];
    softmax::softmax_rows(&mut stable, &x, 1, 3)?;
    writeln!(w, "  softmax([1000, 1001, 1002]) without max subtraction: {unstable:?}").map_err(io)?;
    writeln!(w, "  with it (e^(x - 1002)):                               {stable:?}").map_err(io)?;

    // 2. exp accuracy on a sweep.
    let xs: Vec<f32> = (0..100_000).map(|i| -87.0 + 175.0 * i as f32 / 100_000.0).collect();
    let mut out = vec![0.0f32; xs.len()];
    exp::exp_slice(&mut out, &xs)?;
    let worst = xs.iter().zip(&out).map(|(&x, &g)| ulp_error(g, (x as f64).exp())).fold(0.0, f64::max);
    writeln!(
        w,
        "  exp on {isa}: worst error over 100 000 points in [-87, 88]: {worst:.2} ulp (bound {})",
        exp::MAX_ULP
    )
    .map_err(io)?;

    // 3. Gradient check of the fused softmax + cross-entropy.
    let (n, c) = (3, 4);
    let xv: Vec<f64> = (0..n * c).map(|i| ((i * 7 % 11) as f64 - 5.0) / 2.0).collect();
    let labels = [1usize, 3, 0];
    let report = check_fn(
        &[("dlogits", &xv)],
        |v| Ok(vec![loss::softmax_cross_entropy(&mut vec![0.0; n * c], &v[0], &labels, n, c, Reduction::Mean)?]),
        |v, g| {
            let mut p = vec![0.0; n * c];
            loss::softmax_cross_entropy(&mut p, &v[0], &labels, n, c, Reduction::Mean)?;
            let mut d = vec![0.0; n * c];
            loss::softmax_cross_entropy_backward(&mut d, &p, &labels, n, c, Reduction::Mean, g[0])?;
            Ok(vec![d])
        },
        &Config::default(),
    )?;
    writeln!(
        w,
        "  gradient check of (p - y)/N in f64: max rel. error {:.1e} ({})",
        report.max_rel_err(),
        if report.passed() { "pass" } else { "FAIL" }
    )
    .map_err(io)?;

    // 4. Naive against SIMD softmax.
    let (n, c) = (64, 1000);
    let x = crate::bench::logits(n * c);
    let mut y = vec![0.0f32; n * c];
    let t0 = measure(0.1, || {
        let _ = softmax::softmax_rows_on(isa, Rung::V0Naive, &mut y, &x, n, c);
    });
    let t1 = measure(0.1, || {
        let _ = softmax::softmax_rows_on(isa, Rung::DEFAULT, &mut y, &x, n, c);
    });
    writeln!(
        w,
        "  softmax ({n}x{c}): v0_naive {:.1} us, {} on {isa} {:.1} us: {:.1}x",
        t0.best * 1e6,
        Rung::DEFAULT.name(),
        t1.best * 1e6,
        t0.best / t1.best
    )
    .map_err(io)?;
    Ok(())
}
