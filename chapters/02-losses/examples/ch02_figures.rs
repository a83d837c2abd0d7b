//! Writes the chapter's generated book material:
//!
//! - `book/src/generated/ch02-exp-error.{md,svg}`: the vectorized exp's
//!   error in ulp over EVERY f32 in [−87, 88] (about 2.2 billion values),
//!   on each ISA of this CPU and for the scalar version of the algorithm;
//! - `book/src/generated/ch02-stability.md`: softmax and cross-entropy with
//!   and without the max-subtraction trick, on the same logits;
//! - `book/src/generated/ch02-bench.md`: the chapter's bench rows, with exp
//!   in elements per cycle (the clock estimated from the measured FMA peak).
//!
//! `cargo run --release -p chapter-2 --example ch02_figures [exp|stability|bench]...`
//! (no argument: all three; `exp` takes a minute or so).

use std::fmt::Write as _;
use std::path::PathBuf;

use foundations::peak::fma_peak;
use foundations::report::{BenchRow, Work};
use foundations::{Isa, Result};
use losses::exp::{exp_f32, exp_slice_on, ulp_error};
use losses::loss::{self, Reduction};
use losses::softmax;
use plotters::prelude::*;

fn out_dir() -> PathBuf {
    foundations::report::generated_dir().expect("create book/src/generated")
}

/// Writes through a temporary file and a rename (never half-written).
fn write(name: &str, text: &str) {
    foundations::report::write_generated(name, text).expect("write book/src/generated");
}

fn machine_note() -> String {
    format!(
        "Measured by `cargo run --release -p chapter-2 --example ch02_figures`, one thread, \
         active ISA {}, on a shared 2-core machine (load average at the time: {}); \
         thread CPU time, best of several batches.",
        Isa::active(),
        std::fs::read_to_string("/proc/loadavg")
            .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or("?".into())
    )
}

// ---------------------------------------------------------------- exp error

const BIN: f32 = 0.5;

fn exp_error() {
    let (lo, hi) = (-87.0f32, 88.0f32);
    let nbins = ((hi - lo) / BIN) as usize;
    // Paths: the scalar algorithm, then every SIMD ISA.
    let mut paths: Vec<(String, Option<Isa>)> = vec![("scalar algorithm".into(), None)];
    for isa in Isa::available() {
        if isa != Isa::Scalar {
            paths.push((isa.name().into(), Some(isa)));
        }
    }
    let mut worst = vec![(0.0f64, 0.0f32); paths.len()];
    let mut bins = vec![vec![0.0f64; nbins]; paths.len()];
    let mut counts = vec![[0u64; 4]; paths.len()]; // errors ≤ 0.5, ≤ 1, ≤ 2, > 2 ulp
    let mut total = 0u64;
    const BLOCK: usize = 1 << 14;
    let mut xs = Vec::with_capacity(BLOCK);
    let mut want = vec![0.0f64; BLOCK];
    let mut got = vec![0.0f32; BLOCK];
    let mut flush = |xs: &mut Vec<f32>| {
        let m = xs.len();
        for k in 0..m {
            want[k] = (xs[k] as f64).exp();
        }
        for (p, (_, isa)) in paths.iter().enumerate() {
            match isa {
                None => {
                    for k in 0..m {
                        got[k] = exp_f32(xs[k]);
                    }
                }
                Some(isa) => exp_slice_on(*isa, &mut got[..m], xs).expect("available"),
            }
            for k in 0..m {
                let e = ulp_error(got[k], want[k]);
                let b = (((xs[k] - lo) / BIN) as usize).min(nbins - 1);
                if e > bins[p][b] {
                    bins[p][b] = e;
                }
                if e > worst[p].0 {
                    worst[p] = (e, xs[k]);
                }
                let class = if e <= 0.5 {
                    0
                } else if e <= 1.0 {
                    1
                } else if e <= 2.0 {
                    2
                } else {
                    3
                };
                counts[p][class] += 1;
            }
        }
        total += m as u64;
        xs.clear();
    };
    // Every f32 in [lo, hi]: the non-negative ones by bit pattern 0..=bits(hi),
    // the negative ones −0..=bits(lo).
    for range in [0..=hi.to_bits(), (-0.0f32).to_bits()..=lo.to_bits()] {
        for b in range {
            xs.push(f32::from_bits(b));
            if xs.len() == BLOCK {
                flush(&mut xs);
            }
        }
    }
    flush(&mut xs);

    let mut md = String::new();
    writeln!(md, "| path | max error (ulp) | at x | ≤ 0.5 ulp | (0.5, 1] ulp | (1, 2] ulp | > 2 ulp |").unwrap();
    writeln!(md, "|---|---|---|---|---|---|---|").unwrap();
    for (p, (name, _)) in paths.iter().enumerate() {
        let pct = |c: u64| format!("{:.4} %", 100.0 * c as f64 / total as f64);
        writeln!(
            md,
            "| {name} | {:.3} | {:e} | {} | {} | {} | {} |",
            worst[p].0,
            worst[p].1,
            pct(counts[p][0]),
            pct(counts[p][1]),
            pct(counts[p][2]),
            counts[p][3]
        )
        .unwrap();
    }
    writeln!(
        md,
        "\nEvery one of the {total} f32 values in [−87, 88], against f64 `exp` \
         (the distance to the f64 value, in units of the f32 spacing there: ≤ 0.5 ulp means correctly rounded). Generated by \
         `cargo run --release -p chapter-2 --example ch02_figures exp`."
    )
    .unwrap();
    write("ch02-exp-error.md", &md);

    // The plot: max error per bin of width 0.5 along x, one line per path.
    let path = out_dir().join("ch02-exp-error.svg");
    let root = SVGBackend::new(&path, (720, 360)).into_drawing_area();
    root.fill(&WHITE).unwrap();
    let ymax = worst.iter().map(|w| w.0).fold(1.0, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(&root)
        .caption("vectorized exp: max error per 0.5-wide bin of x", ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(50)
        .build_cartesian_2d(lo as f64..hi as f64, 0.0..ymax)
        .unwrap();
    chart.configure_mesh().x_desc("x").y_desc("max error (ulp)").draw().unwrap();
    let colors = [BLUE, RED, GREEN, MAGENTA];
    for (p, (name, _)) in paths.iter().enumerate() {
        let color = colors[p % colors.len()];
        let pts: Vec<(f64, f64)> =
            (0..nbins).map(|b| (lo as f64 + (b as f64 + 0.5) * BIN as f64, bins[p][b])).collect();
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(1)))
            .unwrap()
            .label(name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().unwrap();
    root.present().unwrap();
    println!("wrote {}", path.display());
}

// ---------------------------------------------------------------- stability

/// Softmax without the max subtraction: e^x / Σ e^x, in f32.
fn softmax_unstable(x: &[f32]) -> Vec<f32> {
    let e: Vec<f32> = x.iter().map(|v| v.exp()).collect();
    let s: f32 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

fn stability() -> Result<()> {
    let mut md = String::new();
    writeln!(md, "| logits x (f32) | e^x / Σ e^x (no shift) | softmax with m = max x | CE for label 0: −ln(softmax) | CE fused: lse(x) − x₀ |").unwrap();
    writeln!(md, "|---|---|---|---|---|").unwrap();
    let cases: [[f32; 3]; 5] = [
        [1.0, 2.0, 3.0],
        [88.0, 89.0, 90.0],
        [1000.0, 1001.0, 1002.0],
        [-1000.0, -1001.0, -1002.0],
        [-200.0, 0.0, 0.0],
    ];
    for x in cases {
        let un = softmax_unstable(&x);
        let mut p = [0.0f32; 3];
        softmax::softmax_rows(&mut p, &x, 1, 3)?;
        let naive_ce = -(softmax_unstable(&x)[0]).ln();
        let mut pp = [0.0f32; 3];
        let fused = loss::softmax_cross_entropy(&mut pp, &x, &[0], 1, 3, Reduction::Sum)?;
        writeln!(md, "| {x:?} | {un:?} | {p:?} | {naive_ce} | {fused} |").unwrap();
    }
    writeln!(
        md,
        "\nAll in f32. Generated by `cargo run --release -p chapter-2 --example ch02_figures stability`: \
         the unshifted column is `x.exp() / sum`, the shifted one is `losses::softmax::softmax_rows`, \
         the fused loss `losses::loss::softmax_cross_entropy`."
    )
    .unwrap();
    write("ch02-stability.md", &md);
    Ok(())
}

// ---------------------------------------------------------------- bench

fn bench() -> Result<()> {
    let budget = 0.3;
    // Clock estimate: the FMA peak is 32 f32 FLOP per cycle on this core
    // (2 FMA pipes × 8 lanes × 2 FLOP; Zen 4 and most AVX2 cores).
    let isa = Isa::available().into_iter().find(|&i| i == Isa::Avx2Fma).unwrap_or(Isa::active());
    let peak = fma_peak(isa, 0.5)?;
    let per_cycle = match isa {
        Isa::Avx2Fma | Isa::Avx512 => 32.0,
        _ => 16.0,
    };
    let hz = peak.flops / per_cycle;
    let bw = foundations::peak::triad_bandwidth(Isa::active(), 16 << 20, 1.0)?;
    let rows = losses::bench(budget)?;
    let rate = |r: &BenchRow| r.rate();
    let find = |k: &str, rung: &str, shape: &str| {
        rows.iter().find(|r| r.kernel == k && r.rung == rung && r.shape == shape).map(rate)
    };

    let mut md = String::new();
    writeln!(md, "{}\n", machine_note()).unwrap();
    writeln!(
        md,
        "Clock estimated from the measured {isa} FMA peak ({:.1} GFLOP/s ÷ {per_cycle} FLOP/cycle = {:.2} GHz); \
         triad bandwidth {:.1} GB/s.\n",
        peak.flops / 1e9,
        hz / 1e9,
        bw / 1e9
    )
    .unwrap();
    writeln!(md, "**exp** (n = {}, in L1)\n", losses_exp_n()).unwrap();
    writeln!(md, "| rung | elements/s | elements/cycle | cycles/element | speed-up vs libm |").unwrap();
    writeln!(md, "|---|---|---|---|---|").unwrap();
    let libm = find("exp", "v0_libm", &format!("n={}", losses_exp_n())).unwrap_or(f64::NAN);
    for r in rows.iter().filter(|r| r.kernel == "exp") {
        let e = r.rate();
        writeln!(md, "| {} | {:.3e} | {:.2} | {:.2} | {:.1}× |", r.rung, e, e / hz, hz / e, e / libm).unwrap();
    }
    writeln!(md, "\n**softmax** (rows of C, Work = N·C elements)\n").unwrap();
    writeln!(md, "| shape N×C | rung | elements/s | ns/row | speed-up vs v0 |").unwrap();
    writeln!(md, "|---|---|---|---|---|").unwrap();
    for r in rows.iter().filter(|r| r.kernel == "softmax") {
        let v0 = find("softmax", "v0_naive", &r.shape).unwrap_or(f64::NAN);
        let n: f64 = r.shape.split('x').next().and_then(|s| s.parse().ok()).unwrap_or(1.0);
        writeln!(
            md,
            "| {} | {} | {:.3e} | {:.0} | {:.1}× |",
            r.shape,
            r.rung,
            r.rate(),
            r.seconds / n * 1e9,
            r.rate() / v0
        )
        .unwrap();
    }
    writeln!(md, "\n**MSE reduction** Σ(p − t)² (two arrays of 8 Mi f32, 64 MiB in all: from memory)\n").unwrap();
    writeln!(md, "| rung | GB/s read | fraction of triad bandwidth |").unwrap();
    writeln!(md, "|---|---|---|").unwrap();
    for r in rows.iter().filter(|r| r.kernel == "mse") {
        if let Work::Bytes(_) = r.work {
            writeln!(md, "| {} | {:.1} | {:.0} % |", r.rung, r.rate() / 1e9, 100.0 * r.rate() / bw).unwrap();
        }
    }
    write("ch02-bench.md", &md);
    Ok(())
}

fn losses_exp_n() -> usize {
    losses::bench::EXP_N
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let all = args.is_empty();
    let want = |s: &str| all || args.iter().any(|a| a == s);
    if want("stability") {
        stability()?;
    }
    if want("bench") {
        bench()?;
    }
    if want("exp") {
        exp_error();
    }
    Ok(())
}
