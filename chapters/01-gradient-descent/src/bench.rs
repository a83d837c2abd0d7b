//! Measuring the updates: they are memory-bound, so each is reported in
//! bytes per second and compared with the machine's STREAM triad bandwidth
//! (`a = b + k·c`, measured in the same run) when the buffers are far
//! larger than the last-level cache, and with the naive update when they
//! fit in L1/L2.
//!
//! Bytes are counted honestly, one read or write of each f32 per parameter
//! (write-allocate traffic is not counted, as STREAM does not count it):
//!
//! | update | reads | writes | bytes per parameter |
//! |---|---|---|---|
//! | sgd | θ, g | θ | 12 |
//! | momentum, nesterov | θ, g, u | θ, u | 20 |
//! | rmsprop | θ, g, s | θ, s | 20 |
//! | adam, adamw | θ, g, m, v | θ, m, v | 28 |
//!
//! The triad `a = b + k·c` is counted as 12 bytes per element, but the
//! cache reads each line of `a` before overwriting it (write-allocate), so
//! the bus moves 16. The updates write only what they have just read: their
//! counted bytes are the real ones, and at equal bus speed they show about
//! 16/12 ≈ 133% of the triad figure.

use foundations::report::{BenchRow, Work};
use foundations::timing::measure;
use foundations::{Isa, Result};

use crate::optim::{self, AdamParams, MomentumParams, RmsPropParams};

/// The benchmarked updates and the f32 values each moves per parameter.
pub const UPDATES: [(&str, usize); 6] =
    [("sgd", 3), ("momentum", 5), ("nesterov", 5), ("rmsprop", 5), ("adam", 7), ("adamw", 7)];

/// Parameter counts: 4 Ki (16 KiB per buffer: L1/L2), 64 Ki (1 MiB for
/// Adam's four buffers: about the size of a Zen 4 core's L2), 16 Mi (256 MiB
/// for Adam: far beyond any last-level cache).
pub const SIZES: [usize; 3] = [4 << 10, 64 << 10, 16 << 20];

/// Buffers for one update: θ, g and two state buffers.
pub struct Buffers {
    /// θ
    pub theta: Vec<f32>,
    /// g
    pub g: Vec<f32>,
    /// u, s or m
    pub a: Vec<f32>,
    /// v
    pub b: Vec<f32>,
}

impl Buffers {
    /// n parameters with values that stay finite under repeated updates.
    pub fn new(n: usize) -> Self {
        Buffers {
            theta: (0..n).map(|i| ((i % 97) as f32 - 48.0) / 64.0).collect(),
            g: (0..n).map(|i| ((i % 89) as f32 - 44.0) / 128.0).collect(),
            a: vec![0.0; n],
            b: vec![0.01; n],
        }
    }
}

/// Runs one update of `kernel` on `isa` (Scalar = the naive oracle).
pub fn run(kernel: &str, isa: Isa, x: &mut Buffers, t: u64) -> Result<()> {
    let lr = 1e-3;
    match kernel {
        "sgd" => optim::sgd_update_on(isa, &mut x.theta, &x.g, lr),
        "momentum" | "nesterov" => {
            let p = MomentumParams { beta: 0.9, nesterov: kernel == "nesterov" };
            optim::momentum_update_on(isa, &mut x.theta, &x.g, &mut x.a, &p, lr)
        }
        "rmsprop" => optim::rmsprop_update_on(isa, &mut x.theta, &x.g, &mut x.b, &RmsPropParams::default(), lr),
        "adam" | "adamw" => {
            let wd = if kernel == "adamw" { 0.01 } else { 0.0 };
            let p = AdamParams { weight_decay: wd, ..AdamParams::default() };
            optim::adam_update_on(isa, &mut x.theta, &x.g, &mut x.a, &mut x.b, &p, lr, t)
        }
        _ => Err(foundations::Error::Value(format!(
            "bench: unknown update {kernel}; choose one of sgd, momentum, nesterov, rmsprop, adam, adamw"
        ))),
    }
}

/// The rung name of an ISA: "naive" for the scalar oracle.
pub fn rung(isa: Isa) -> &'static str {
    if isa == Isa::Scalar { "naive" } else { isa.name() }
}

/// Times `kernel` on `isa` with n parameters for about `budget` seconds.
pub fn measure_update(kernel: &str, isa: Isa, n: usize, budget: f64) -> Result<BenchRow> {
    let floats = UPDATES.iter().find(|(k, _)| *k == kernel).map(|(_, f)| *f).unwrap_or(7);
    let mut x = Buffers::new(n);
    let mut t = 0u64;
    let mut err = Ok(());
    let timing = measure(budget, || {
        t += 1;
        if let Err(e) = run(kernel, isa, &mut x, t) {
            err = Err(e);
        }
    });
    err?;
    std::hint::black_box(&x.theta);
    Ok(BenchRow::new(kernel, rung(isa), format!("n={n}"), Work::Bytes((floats * 4 * n) as f64), timing.best))
}

/// The rows for `ai-from-scratch bench optim`: the triad bandwidth per ISA
/// (kernel "triad"), then every update × size × rung (naive and each SIMD
/// ISA this CPU has), `budget` seconds of CPU time per row.
pub fn bench_rows(budget: f64, sizes: &[usize]) -> Result<Vec<BenchRow>> {
    let mut rows = Vec::new();
    let big = SIZES[2];
    for isa in Isa::available() {
        let bw = foundations::peak::triad_bandwidth(isa, big, budget)?;
        let bytes = 12.0 * big as f64;
        rows.push(BenchRow::new("triad", rung(isa), format!("n={big}"), Work::Bytes(bytes), bytes / bw));
    }
    for (kernel, _) in UPDATES {
        for &n in sizes {
            for isa in Isa::available() {
                rows.push(measure_update(kernel, isa, n, budget)?);
            }
        }
    }
    Ok(rows)
}

/// A markdown table of update rows: GB/s, fraction of the best triad
/// bandwidth among `rows`, speedup over the naive rung of the same shape.
pub fn markdown_table(rows: &[BenchRow]) -> String {
    let triad = rows.iter().filter(|r| r.kernel == "triad").map(|r| r.rate()).fold(0.0, f64::max);
    let mut s = format!(
        "STREAM triad bandwidth (best ISA, 3 × 64 MiB arrays): **{:.1} GB/s**\n\n\
         | update | n | rung | time | GB/s | of triad | vs naive |\n|---|---|---|---|---|---|---|\n",
        triad / 1e9
    );
    for r in rows.iter().filter(|r| r.kernel != "triad") {
        let naive = rows.iter().find(|q| q.kernel == r.kernel && q.shape == r.shape && q.rung == "naive");
        let speedup = naive.map(|q| q.seconds / r.seconds).unwrap_or(f64::NAN);
        s += &format!(
            "| {} | {} | {} | {} | {:.1} | {:.0}% | {:.2}× |\n",
            r.kernel,
            r.shape.trim_start_matches("n="),
            r.rung,
            fmt_time(r.seconds),
            r.rate() / 1e9,
            100.0 * r.rate() / triad,
            speedup
        );
    }
    s
}

fn fmt_time(s: f64) -> String {
    if s >= 1e-3 { format!("{:.2} ms", s * 1e3) } else { format!("{:.2} µs", s * 1e6) }
}
