//! The chapter's guided run for `ai-from-scratch tour`.

use std::io::Write;

use foundations::gradcheck::{Config, check_layer};
use foundations::{Error, Isa, Result};
use ndarray::{ArrayD, IxDyn};

use crate::bench::{Cell, SEED_N, SEED_T, Workload, seconds};
use crate::{Lstm, Rnn, dynamics};

fn io(e: std::io::Error) -> Error {
    Error::Io(e.to_string())
}

/// A short tour: gradient checks through time, the vanishing/exploding
/// measurement, tanh accuracy, naive vs fused SIMD on the seed-sized LSTM.
pub fn tour(w: &mut dyn Write) -> Result<()> {
    writeln!(w, "Chapter 4: recurrent networks. h_t = tanh(W·[h_(t-1), x_t] + b), SIMD path {}", Isa::active())
        .map_err(io)?;

    let x = ArrayD::from_shape_fn(IxDyn(&[2, 5, 3]), |i| ((i[0] * 5 + i[1] * 3 + i[2]) % 7) as f64 / 3.5 - 1.0);
    let r = check_layer(&mut Rnn::<f64>::new(3, 4, 1)?.return_sequences(true), &x, &Config::default())?;
    writeln!(w, "\nBPTT through T = 5 steps, RNN(3→4), checked against central differences (f64):\n{r}").map_err(io)?;
    let r = check_layer(&mut Lstm::<f64>::new(3, 4, 1)?, &x, &Config::default())?;
    writeln!(
        w,
        "LSTM(3→4), T = 5: worst relative error {:.1e} ({})",
        r.max_rel_err(),
        if r.passed() { "ok" } else { "FAIL" }
    )
    .map_err(io)?;

    writeln!(w, "\nVanishing and exploding: ‖∂h_T/∂h_0‖ (H = 16)").map_err(io)?;
    writeln!(w, "{:<34} {:>10} {:>10} {:>10}", "", "T = 1", "T = 10", "T = 30").map_err(io)?;
    for g in [0.5, 1.0, 2.0] {
        let v = dynamics::rnn_jacobian_norms(16, 4, g, 1.0, 30, 1)?;
        writeln!(
            w,
            "{:<34} {:>10.2e} {:>10.2e} {:>10.2e}",
            format!("tanh RNN, W_hh = {g}·orthogonal"),
            v[0],
            v[9],
            v[29]
        )
        .map_err(io)?;
    }
    for fb in [1.0, 3.0] {
        let v = dynamics::lstm_jacobian_norms(16, 4, fb, 1.0, 30, 1)?.0;
        writeln!(w, "{:<34} {:>10.2e} {:>10.2e} {:>10.2e}", format!("LSTM, forget bias {fb}"), v[0], v[9], v[29])
            .map_err(io)?;
    }

    let xs: Vec<f32> = (-12 * 256..=12 * 256).map(|i| i as f32 / 256.0).collect();
    let mut y = vec![0.0f32; xs.len()];
    crate::act::tanh(&mut y, &xs)?;
    let err = y.iter().zip(&xs).map(|(&g, &x)| (g as f64 - (x as f64).tanh()).abs()).fold(0.0, f64::max);
    writeln!(w, "\nSIMD tanh (rational approximation) on [−12, 12]: max |error| vs f64 = {err:.2e}").map_err(io)?;

    let (d, hd) = (28, 64);
    let mut naive = Workload::new(Cell::Lstm, SEED_N, SEED_T, d, hd, Isa::Scalar)?;
    let mut simd = Workload::new(Cell::Lstm, SEED_N, SEED_T, d, hd, Isa::active())?;
    let tn = seconds(0.05, || naive.forward())?;
    let ts = seconds(0.2, || simd.forward())?;
    let tg = seconds(0.2, || simd.gemm_forward())?;
    writeln!(
        w,
        "LSTM forward, {}: naive {:.1} ms, fused SIMD {:.2} ms ({:.1}×), its GEMMs alone {:.2} ms ({:.0}% of the time)",
        simd.shape(),
        tn * 1e3,
        ts * 1e3,
        tn / ts,
        tg * 1e3,
        100.0 * tg / ts
    )
    .map_err(io)?;
    if cfg!(debug_assertions) {
        writeln!(w, "(debug build: timings are not meaningful; use --release)").map_err(io)?;
    }
    Ok(())
}
