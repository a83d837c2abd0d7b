//! Writes the chapter's plots and tables into `book/src/generated/ch01-*`:
//!
//! ```text
//! cargo run --release -p chapter-1 --example ch01_figures              # plots + bandwidth table
//! cargo run --release -p chapter-1 --example ch01_figures -- --no-bench  # plots only
//! ```
//!
//! Every file is written to a temporary name and renamed, so a failed run
//! never leaves half a figure behind.

use foundations::{Error, Isa, Result};
use gradient_descent::demos::{self, Curve};
use plotters::prelude::*;

const COLORS: [RGBColor; 5] =
    [RGBColor(31, 119, 180), RGBColor(214, 39, 40), RGBColor(44, 160, 44), RGBColor(255, 127, 14), BLACK];

fn plot_err<E: std::fmt::Debug>(e: E) -> Error {
    Error::Io(format!("plot: {e:?}"))
}

/// Writes `text` to `name` in the generated folder, atomically.
fn write_file(name: &str, text: &str) -> Result<()> {
    Ok(foundations::report::write_generated(name, text)?)
}

/// Loss curves on a log scale, values clamped into [lo, hi] so that a
/// diverging run runs off the top of the plot instead of breaking it.
fn plot_curves(name: &str, title: &str, curves: &[Curve], lo: f64, hi: f64, x_desc: &str) -> Result<()> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 440)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let steps = curves.iter().map(|c| c.loss.len()).max().unwrap_or(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..steps, (lo..hi).log_scale())
            .map_err(plot_err)?;
        // Powers of ten as 1e-7, not the float noise of 10^k computed in f64.
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc("loss (log scale)")
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .draw()
            .map_err(plot_err)?;
        for (i, c) in curves.iter().enumerate() {
            let color = COLORS[i % COLORS.len()];
            let pts =
                c.loss.iter().enumerate().map(|(k, &y)| (k as f64, if y.is_finite() { y.clamp(lo, hi) } else { hi }));
            chart
                .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                .map_err(plot_err)?
                .label(c.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    write_file(name, &svg)
}

/// The Rosenbrock iterates in the plane, over the valley floor y = x².
fn plot_paths(name: &str, runs: &[demos::RosenbrockRun]) -> Result<()> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Rosenbrock valley: the first 2000 iterates from (−1.2, 1)", ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(-1.5f64..1.5, -0.5f64..1.6)
            .map_err(plot_err)?;
        chart.configure_mesh().x_desc("x").y_desc("y").draw().map_err(plot_err)?;
        let floor = (-150..=150).map(|i| i as f64 / 100.0).map(|x| (x, x * x)).filter(|p| p.1 <= 1.6);
        chart
            .draw_series(LineSeries::new(floor, RGBColor(180, 180, 180).stroke_width(6)))
            .map_err(plot_err)?
            .label("valley floor y = x²")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RGBColor(180, 180, 180).stroke_width(6)));
        for (i, r) in runs.iter().enumerate() {
            let color = COLORS[i % COLORS.len()];
            let pts = r.path.iter().take(2001).map(|p| (p[0].clamp(-1.5, 1.5), p[1].clamp(-0.5, 1.6)));
            chart
                .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                .map_err(plot_err)?
                .label(r.curve.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        }
        chart.draw_series(std::iter::once(Circle::new((1.0, 1.0), 5, BLACK.filled()))).map_err(plot_err)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    write_file(name, &svg)
}

fn main() -> Result<()> {
    let no_bench = std::env::args().any(|a| a == "--no-bench");
    let cmd = "`cargo run --release -p chapter-1 --example ch01_figures`";

    let q = demos::quadratic_curves(&[0.05, 0.15, 0.19, 0.21], 60)?;
    plot_curves(
        "ch01-quadratic.svg",
        "f = ½(x₀² + 10x₁²), L = 10: gradient descent with η around 2/L = 0.2",
        &q,
        1e-12,
        1e4,
        "step",
    )?;

    let r = demos::rosenbrock_runs(5000)?;
    let curves: Vec<Curve> = r.iter().map(|r| r.curve.clone()).collect();
    plot_curves(
        "ch01-rosenbrock.svg",
        "Rosenbrock valley from (−1.2, 1): f(x, y) per step",
        &curves,
        1e-16,
        1e2,
        "step",
    )?;
    plot_paths("ch01-rosenbrock-path.svg", &r)?;

    let sizes = [1, 8, 64, 1024];
    let b = demos::batch_size_curves(&sizes, 1500)?;
    plot_curves(
        "ch01-batch-noise.svg",
        "Linear regression, SGD η = 0.01: full-data loss after each step, by batch size B",
        &b,
        0.2,
        20.0,
        "step",
    )?;
    let var = demos::gradient_variance(&sizes, 4000)?;
    let mut t = format!(
        "Generated by {cmd}. Linear regression, N = 1024, D = 8, label noise σ = 0.5 (noise floor σ² = 0.25), \
         SGD η = 0.01, 1500 steps, f64.\n\n\
         | batch size B | full loss, mean of last 750 steps | its std. dev. | E‖ĝ_B − ∇L‖² at θ = 0 (4000 draws) | B × that |\n\
         |---|---|---|---|---|\n"
    );
    for (c, (bsz, v)) in b.iter().zip(&var) {
        let tail = &c.loss[c.loss.len() / 2..];
        let mean = tail.iter().sum::<f64>() / tail.len() as f64;
        t += &format!("| {bsz} | {mean:.4} | {:.2e} | {v:.3} | {:.0} |\n", demos::tail_std(&c.loss), *bsz as f64 * v);
    }
    write_file("ch01-batch-noise.md", &t)?;

    let mut t = format!(
        "Generated by {cmd}. f = ½(x₀² + 10x₁²) from (1, 1), L = 10, 2/L = 0.2.\n\n| η | ρ = maxᵢ ∣1 − ηλᵢ∣ | f after 20 steps | f after 60 steps |\n|---|---|---|---|\n"
    );
    for (eta, c) in [0.05, 0.15, 0.19, 0.21].iter().zip(&q) {
        let rate = [1.0, 10.0].iter().map(|l: &f64| (1.0 - eta * l).abs()).fold(0.0, f64::max);
        t += &format!("| {eta} | {rate:.2} | {:.3e} | {:.3e} |\n", c.loss[20], c.loss[60]);
    }
    write_file("ch01-quadratic.md", &t)?;

    let mut t = format!(
        "Generated by {cmd}. Rosenbrock f(x, y) = (1 − x)² + 100(y − x²)² from (−1.2, 1), f64.\n\n| optimizer | f after 100 | after 1000 | after 5000 | final (x, y) |\n|---|---|---|---|---|\n"
    );
    for run in &r {
        let l = &run.curve.loss;
        let p = run.path.last().cloned().unwrap_or_default();
        t += &format!(
            "| {} | {:.2e} | {:.2e} | {:.2e} | ({:.4}, {:.4}) |\n",
            run.curve.label, l[100], l[1000], l[5000], p[0], p[1]
        );
    }
    write_file("ch01-rosenbrock.md", &t)?;

    if !no_bench {
        println!("measuring the updates (this takes about a minute) ...");
        let rows = gradient_descent::bench(0.3)?;
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let head = format!(
            "Generated by {cmd} on {cpu}, one thread, release build, thread CPU time (best of several batches, \
             0.3 s per row). ISAs: {}. The machine is shared: repeat a run before trusting a single figure.\n\n",
            Isa::available().iter().map(|i| i.name()).collect::<Vec<_>>().join(", ")
        );
        write_file("ch01-bandwidth.md", &(head + &gradient_descent::bench::markdown_table(&rows)))?;
    }
    Ok(())
}
