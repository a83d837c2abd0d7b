//! The front door: `ai-from-scratch [tour|bench|gradcheck|info]`.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use ai_from_scratch::{Chapter, chapters, find_chapter};
use clap::{Parser, Subcommand};
use foundations::report::{BenchRow, Work};
use foundations::{Isa, peak};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// A caching allocator, as deep-learning frameworks use: freed activations of
/// several megabytes are reused instead of going back to the OS and faulting
/// in again on the next step (chapter 3's stack measures the difference).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "ai-from-scratch",
    version,
    about = "Deep learning from first principles: naive kernels, SIMD kernels, gradient checks."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// A guided run through every chapter built so far (the default).
    Tour {
        /// Only this chapter (number).
        #[arg(long)]
        chapter: Option<u8>,
    },
    /// Naive vs SIMD tables as fractions of this machine's peak, measured in the same run.
    Bench {
        /// Chapters to bench, by number or name (e.g. `0`, `gemm`, `conv`); default all.
        suites: Vec<String>,
        /// Print JSON instead of a table.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print a Markdown table (what the book includes).
        #[arg(long)]
        markdown: bool,
        /// Seconds of CPU time to spend measuring each row.
        #[arg(long, default_value_t = 0.2)]
        budget: f64,
    },
    /// This machine: instruction sets, FMA peak, memory bandwidth.
    Info {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cfg!(debug_assertions) {
        eprintln!("WARNING: this is a DEBUG build: every figure below is 10-100x too slow.");
        eprintln!("WARNING: run `cargo run --release` for the numbers the book talks about.\n");
    }
    let result = match cli.command.unwrap_or(Command::Tour { chapter: None }) {
        Command::Tour { chapter } => tour(chapter),
        Command::Bench { suites, json, markdown, budget } => bench(&suites, json, markdown, budget),
        Command::Info { json } => info(json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn profile() -> &'static str {
    if cfg!(debug_assertions) { "debug" } else { "release" }
}

fn tour(only: Option<u8>) -> Result<(), String> {
    let all = chapters();
    if let Some(n) = only
        && !all.iter().any(|c| c.number == n)
    {
        return Err(format!(
            "no chapter {n} yet; built so far: {}",
            all.iter().map(|c| c.number.to_string()).collect::<Vec<_>>().join(", ")
        ));
    }
    println!("ai-from-scratch tour ({} build, 1 thread, SIMD path: {})\n", profile(), Isa::active());
    let mut out = io::stdout().lock();
    for c in all.iter().filter(|c| only.is_none_or(|n| n == c.number)) {
        (c.tour)(&mut out).map_err(|e| format!("chapter {}: {e}", c.number))?;
        writeln!(out).map_err(|e| e.to_string())?;
    }
    writeln!(out, "Next: `cargo test -p chapter-0`, `ai-from-scratch bench`, and the book (`mdbook serve book`).")
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// The machine's reference figures, measured at the start of a run.
#[derive(Serialize)]
struct Machine {
    isa: String,
    available: Vec<String>,
    threads: usize,
    profile: &'static str,
    fma_peak_gflops: f64,
    triad_gbytes_per_s: f64,
}

fn measure_machine(budget: f64) -> Result<Machine, String> {
    let isa = Isa::active();
    let p = peak::fma_peak(isa, budget).map_err(|e| e.to_string())?;
    let bw = peak::triad_bandwidth(isa, 1 << 24, budget).map_err(|e| e.to_string())?;
    Ok(Machine {
        isa: isa.name().into(),
        available: Isa::available().iter().map(|i| i.name().to_string()).collect(),
        threads: 1,
        profile: profile(),
        fma_peak_gflops: p.flops / 1e9,
        triad_gbytes_per_s: bw / 1e9,
    })
}

fn info(json: bool) -> Result<(), String> {
    let m = measure_machine(0.3)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&m).map_err(|e| e.to_string())?);
    } else {
        println!("instruction sets: {} (active: {}; cap with AIFS_ISA)", m.available.join(", "), m.isa);
        println!("single-core f32 FMA peak: {:.1} GFLOP/s", m.fma_peak_gflops);
        println!("triad memory bandwidth:   {:.1} GB/s", m.triad_gbytes_per_s);
        println!("build profile: {}, threads: {}", m.profile, m.threads);
    }
    Ok(())
}

#[derive(Serialize)]
struct Row {
    chapter: u8,
    kernel: String,
    rung: String,
    shape: String,
    seconds: f64,
    /// GFLOP/s, GB/s or Gelem/s, as `unit` says.
    rate: f64,
    unit: &'static str,
    /// Of the FMA peak (FLOPs) or the triad bandwidth (bytes); null for elements.
    fraction_of_peak: Option<f64>,
    /// Over the first rung of the same kernel and shape (usually the naive one).
    speedup: Option<f64>,
}

#[derive(Serialize)]
struct BenchReport {
    machine: Machine,
    rows: Vec<Row>,
}

fn to_rows(chapter: u8, rows: Vec<BenchRow>, m: &Machine) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    for r in rows {
        let rate = r.rate();
        let (unit, rate_g, frac) = match r.work {
            Work::Flops(_) => ("GFLOP/s", rate / 1e9, Some(rate / 1e9 / m.fma_peak_gflops)),
            Work::Bytes(_) => ("GB/s", rate / 1e9, Some(rate / 1e9 / m.triad_gbytes_per_s)),
            Work::Elements(_) => ("Gelem/s", rate / 1e9, None),
        };
        let base = out.iter().find(|o| o.kernel == r.kernel && o.shape == r.shape && o.unit == unit).map(|o| o.rate);
        out.push(Row {
            chapter,
            speedup: base.map(|b| rate_g / b),
            kernel: r.kernel,
            rung: r.rung,
            shape: r.shape,
            seconds: r.seconds,
            rate: rate_g,
            unit,
            fraction_of_peak: frac,
        });
    }
    out
}

fn bench(suites: &[String], json: bool, markdown: bool, budget: f64) -> Result<(), String> {
    if suites.len() == 1 && suites[0] == "peak" {
        return bench_peak(json, markdown, budget);
    }
    if suites.len() == 1 && suites[0] == "gemm" {
        return bench_rows(0, foundations::bench_gemm, json, markdown, budget);
    }
    let selected: Vec<Chapter> = if suites.is_empty() || suites.iter().any(|s| s == "all") {
        chapters()
    } else {
        suites.iter().map(|s| find_chapter(s).ok_or_else(|| format!("unknown bench suite '{s}': use a chapter number (0..8) or a name such as gemm, optim, losses, conv, rnn, attention"))).collect::<Result<_, _>>()?
    };
    let bar = ProgressBar::new((selected.len() + 1) as u64);
    if io::stderr().is_terminal() {
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_message("measuring the machine's peak");
    let machine = measure_machine(budget.max(0.1))?;
    bar.inc(1);
    let mut rows = Vec::new();
    for c in &selected {
        bar.set_message(format!("chapter {}", c.number));
        let r = (c.bench)(budget).map_err(|e| format!("chapter {}: {e}", c.number))?;
        rows.extend(to_rows(c.number, r, &machine));
        bar.inc(1);
    }
    bar.finish_and_clear();
    let report = BenchReport { machine, rows };
    if json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    } else {
        print_table(&report, markdown);
    }
    Ok(())
}

/// The machine's two limits: FMA peak per ISA and triad bandwidth, and the
/// roofline's ridge point between them.
fn bench_peak(json: bool, markdown: bool, budget: f64) -> Result<(), String> {
    let m = measure_machine(budget.max(0.3))?;
    let mut per_isa = Vec::new();
    for isa in Isa::available() {
        per_isa.push((isa, peak::fma_peak(isa, budget.max(0.3)).map_err(|e| e.to_string())?.flops / 1e9));
    }
    let ridge = m.fma_peak_gflops / m.triad_gbytes_per_s;
    if json {
        let v = serde_json::json!({
            "machine": m,
            "fma_peak_gflops_per_isa": per_isa.iter().map(|(i, g)| (i.name(), *g)).collect::<std::collections::BTreeMap<_, _>>(),
            "ridge_flop_per_byte": ridge,
        });
        println!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
        return Ok(());
    }
    let lines: Vec<(String, String)> = [
        ("active ISA".to_string(), format!("{} (available: {})", m.isa, m.available.join(", "))),
        ("threads, build".to_string(), format!("{}, {}", m.threads, m.profile)),
    ]
    .into_iter()
    .chain(per_isa.iter().map(|(isa, g)| {
        let what = match isa {
            // 12 independent a·b + c chains in plain Rust: the compiler may pack them into SSE2.
            Isa::Scalar => "peak, plain Rust a*b + c (no FMA)".to_string(),
            _ => format!("FMA peak, {isa}"),
        };
        (what, format!("{g:.1} GFLOP/s"))
    }))
    .chain([
        ("triad bandwidth".to_string(), format!("{:.1} GB/s", m.triad_gbytes_per_s)),
        ("ridge point P/B".to_string(), format!("{ridge:.1} FLOP/byte")),
    ])
    .collect();
    if markdown {
        println!("<!-- generated by: cargo run --release -- bench peak --markdown; do not edit -->\n");
        println!("| quantity | measured |\n|---|---|");
        for (k, v) in &lines {
            println!("| {k} | {v} |");
        }
    } else {
        for (k, v) in &lines {
            println!("{k:<22} {v}");
        }
    }
    Ok(())
}

/// One suite that is not a whole chapter (e.g. the GEMM ladder).
fn bench_rows(
    chapter: u8,
    f: fn(f64) -> foundations::Result<Vec<BenchRow>>,
    json: bool,
    markdown: bool,
    budget: f64,
) -> Result<(), String> {
    eprintln!("measuring (this takes a minute)...");
    let machine = measure_machine(budget.max(0.1))?;
    let rows = to_rows(chapter, f(budget).map_err(|e| e.to_string())?, &machine);
    let report = BenchReport { machine, rows };
    if json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    } else {
        print_table(&report, markdown);
    }
    Ok(())
}

fn print_table(r: &BenchReport, markdown: bool) {
    let m = &r.machine;
    let head = format!(
        "{} build, 1 thread, ISA {} (available: {}); measured in this run: FMA peak {:.1} GFLOP/s, triad bandwidth {:.1} GB/s",
        m.profile,
        m.isa,
        m.available.join(", "),
        m.fma_peak_gflops,
        m.triad_gbytes_per_s
    );
    let pct = |f: Option<f64>| f.map(|f| format!("{:.1}%", 100.0 * f)).unwrap_or_else(|| "-".into());
    let x = |s: Option<f64>| s.map(|s| format!("{s:.1}x")).unwrap_or_else(|| "-".into());
    if markdown {
        println!("<!-- generated by: ai-from-scratch bench --markdown; do not edit -->\n");
        println!("*{head}.*\n");
        println!("| kernel | rung | shape | time | rate | of peak | speedup |");
        println!("|---|---|---|---:|---:|---:|---:|");
        for row in &r.rows {
            println!(
                "| {} | {} | {} | {} | {:.2} {} | {} | {} |",
                row.kernel,
                row.rung,
                row.shape,
                fmt_time(row.seconds),
                row.rate,
                row.unit,
                pct(row.fraction_of_peak),
                x(row.speedup)
            );
        }
    } else {
        println!("{head}\n");
        println!(
            "{:<3} {:<10} {:<16} {:<16} {:>10} {:>16} {:>8} {:>8}",
            "ch", "kernel", "rung", "shape", "time", "rate", "of peak", "speedup"
        );
        for row in &r.rows {
            println!(
                "{:<3} {:<10} {:<28} {:<24} {:>10} {:>8.2} {:<7} {:>8} {:>8}",
                row.chapter,
                row.kernel,
                row.rung,
                row.shape,
                fmt_time(row.seconds),
                row.rate,
                row.unit,
                pct(row.fraction_of_peak),
                x(row.speedup)
            );
        }
        println!(
            "\nrate: work per second; of peak: of one core's FMA peak (FLOPs) or of the triad bandwidth (bytes); speedup: over the first row of the same kernel and shape (v0 where it was run)."
        );
    }
}

fn fmt_time(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.2} us", s * 1e6)
    }
}
