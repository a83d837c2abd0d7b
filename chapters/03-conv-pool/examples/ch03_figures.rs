//! The chapter's generated book material:
//!
//! - `book/src/generated/ch03-feature-maps.svg`: edge-detecting kernels
//!   (Sobel x, Sobel y, Laplacian) applied by `conv2d` to a Fashion-MNIST
//!   image (`assets/fashion-mnist-t10k-0.pgm`), and a 2×2 max pool of one map;
//! - `book/src/generated/ch03-feature-maps.md`: the kernels used;
//! - `book/src/generated/ch03-bench.md`: the bench table (`conv_pool::bench`)
//!   with the FMA peak and bandwidth measured in the same run.
//!
//! `cargo run --release -p chapter-3 --example ch03_figures` (add `-- --no-bench`
//! for the pictures only; `--budget 0.5` sets seconds per bench row).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use conv_pool::conv2d::{Conv2dDims, Padding, conv2d_forward};

/// A caching allocator, as frameworks use: freed multi-megabyte activations
/// are reused instead of being returned to the OS and faulted in again
/// (see the chapter 3 page, "the stack row").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use conv_pool::demo::{BATCH, NAIVE_BATCH, SEED_CONVS};
use conv_pool::pool::{PoolDims, max_pool2d_forward};
use foundations::report::{BenchRow, Work};
use foundations::{Error, Isa, Result, peak};

fn out_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src/generated")
}

/// Writes `text` to `path` through a temporary file and a rename.
fn write(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    println!("wrote {}", path.display());
    Ok(())
}

/// Reads a binary PGM (P5, maxval 255): (width, height, pixels in [0, 1]).
fn read_pgm(path: &Path) -> Result<(usize, usize, Vec<f32>)> {
    let bytes = std::fs::read(path)?;
    let bad = |m: &str| Error::Data(format!("{}: {m}", path.display()));
    // Header: "P5", width, height, maxval, separated by whitespace, then one whitespace byte.
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if start == i {
            return Err(bad("truncated header"));
        }
        fields.push(String::from_utf8_lossy(&bytes[start..i]).to_string());
    }
    if fields[0] != "P5" || fields[3] != "255" {
        return Err(bad("not a binary 8-bit PGM (P5, maxval 255)"));
    }
    let w: usize = fields[1].parse().map_err(|_| bad("bad width"))?;
    let h: usize = fields[2].parse().map_err(|_| bad("bad height"))?;
    let data = bytes.get(i + 1..i + 1 + w * h).ok_or_else(|| bad("truncated pixels"))?;
    Ok((w, h, data.iter().map(|&b| b as f32 / 255.0).collect()))
}

/// One grey-scale panel as SVG rects, with a title: min → black, max →
/// white; for a `signed` map −max|v| → black, 0 → mid-grey, +max|v| → white.
#[allow(clippy::too_many_arguments)]
fn panel(svg: &mut String, x0: f32, title: &str, w: usize, h: usize, v: &[f32], px: f32, signed: bool) {
    let (mut lo, mut hi) = v.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    if signed {
        hi = lo.abs().max(hi.abs());
        lo = -hi;
    }
    let span = (hi - lo).max(1e-6);
    let _ = writeln!(svg, r#"<text x="{}" y="14" font-family="sans-serif" font-size="12">{title}</text>"#, x0);
    for r in 0..h {
        for q in 0..w {
            let g = (255.0 * (v[r * w + q] - lo) / span).round() as u8;
            let _ = writeln!(
                svg,
                r#"<rect x="{:.1}" y="{:.1}" width="{px:.1}" height="{px:.1}" fill="rgb({g},{g},{g})"/>"#,
                x0 + q as f32 * px,
                22.0 + r as f32 * px
            );
        }
    }
}

fn feature_maps() -> Result<()> {
    let asset = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fashion-mnist-t10k-0.pgm");
    let (w, h, img) = read_pgm(&asset)?;
    // Kernels (3×3, one input channel each, F = 3 filters in one convolution).
    let kernels: [(&str, [f32; 9]); 3] = [
        ("Sobel x", [-1., 0., 1., -2., 0., 2., -1., 0., 1.]),
        ("Sobel y", [-1., -2., -1., 0., 0., 0., 1., 2., 1.]),
        ("Laplacian", [0., 1., 0., 1., -4., 1., 0., 1., 0.]),
    ];
    let f = kernels.len();
    // k: (3, 3, 1, F): tap (i, j) holds the F filter values side by side.
    let mut k = vec![0.0f32; 9 * f];
    for (fi, (_, kv)) in kernels.iter().enumerate() {
        for t in 0..9 {
            k[t * f + fi] = kv[t];
        }
    }
    let d = Conv2dDims::new(1, (h, w, 1), (3, 3), f, (1, 1), Padding::Same)?;
    let mut y = vec![0.0f32; d.y_len()];
    conv2d_forward(&mut y, &img, &k, &vec![0.0; f], &d)?;
    let map = |fi: usize| (0..h * w).map(|p| y[p * f + fi]).collect::<Vec<f32>>();
    // Edge magnitude √(gx² + gy²), then a 2×2 max pool of it (28 → 14).
    let mag: Vec<f32> = (0..h * w).map(|p| (y[p * f].powi(2) + y[p * f + 1].powi(2)).sqrt()).collect();
    let pd = PoolDims::new("max_pool2d", 1, (h, w, 1), (2, 2), (2, 2))?;
    let mut pooled = vec![0.0f32; pd.y_len()];
    max_pool2d_forward(&mut pooled, &mag, &pd)?;

    let px = 5.0;
    let step = w as f32 * px + 16.0;
    let mut svg = String::new();
    let width = step * 6.0;
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{}" viewBox="0 0 {width} {}">"#,
        22.0 + h as f32 * px + 4.0,
        22.0 + h as f32 * px + 4.0
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    panel(&mut svg, 0.0, "input (ankle boot)", w, h, &img, px, false);
    for (fi, (name, _)) in kernels.iter().enumerate() {
        panel(&mut svg, step * (fi + 1) as f32, name, w, h, &map(fi), px, true);
    }
    panel(&mut svg, step * 4.0, "|Sobel| magnitude", w, h, &mag, px, false);
    panel(&mut svg, step * 5.0, "max pool 2x2 (14x14)", pd.ow, pd.oh, &pooled, 2.0 * px, false);
    svg.push_str("</svg>\n");
    write(&out_dir().join("ch03-feature-maps.svg"), &svg)?;

    let mut md = String::from("| kernel | k (3×3, rows top to bottom) |\n|---|---|\n");
    for (name, kv) in &kernels {
        let rows: Vec<String> = kv.chunks(3).map(|r| format!("{:>2} {:>2} {:>2}", r[0], r[1], r[2])).collect();
        let _ = writeln!(md, "| {name} | `{}` |", rows.join(" / "));
    }
    let _ = writeln!(
        md,
        "\nGenerated by `cargo run --release -p chapter-3 --example ch03_figures` (one `conv2d` call with F = 3 filters, \"same\" padding, on the {w}×{h} image)."
    );
    write(&out_dir().join("ch03-feature-maps.md"), &md)
}

fn rate(row: &BenchRow, peak: f64, bw: f64) -> (String, String) {
    match row.work {
        Work::Flops(_) => {
            (format!("{:.1} GFLOP/s", row.rate() / 1e9), format!("{:.0}% of FMA peak", 100.0 * row.rate() / peak))
        }
        Work::Bytes(_) => {
            (format!("{:.1} GB/s", row.rate() / 1e9), format!("{:.0}% of bandwidth", 100.0 * row.rate() / bw))
        }
        Work::Elements(_) => (format!("{:.2e} el/s", row.rate()), String::new()),
    }
}

fn bench_table(budget: f64) -> Result<()> {
    let isa = Isa::active();
    let pk = peak::fma_peak(isa, 0.5)?.flops;
    let bw = peak::triad_bandwidth(isa, 1 << 24, 0.5)?;
    let rows = conv_pool::bench(budget)?;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Measured by `cargo run --release -p chapter-3 --example ch03_figures`: ISA {isa}, one thread, release build, \
         thread CPU time (best batch). FMA peak measured in the same run: **{:.1} GFLOP/s**; triad bandwidth \
         **{:.1} GB/s**. Load average at the end of the run: {}. Convolutions at batch {BATCH} \
         (v0_naive at batch {NAIVE_BATCH}: its rate does not depend on N); useful FLOPs only \
         (2·M·K·F per GEMM-shaped product; backward counts dk, and dx where the layer needs it).\n",
        pk / 1e9,
        bw / 1e9,
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    md.push_str("| kernel | rung | shape | ms / call | rate | fraction |\n|---|---|---|---:|---:|---:|\n");
    for r in &rows {
        let (rt, frac) = rate(r, pk, bw);
        let _ = writeln!(md, "| {} | {} | {} | {:.3} | {rt} | {frac} |", r.kernel, r.rung, r.shape, 1e3 * r.seconds);
    }
    // v0 → best per layer, forward and backward, by rate.
    md.push_str("\n| layer | pass | v0_naive | best | best rung | speedup |\n|---|---|---:|---:|---|---:|\n");
    for (name, ..) in SEED_CONVS {
        for pass in ["forward", "backward"] {
            let of = |r: &&BenchRow| r.kernel.starts_with(&format!("{name}_{pass}"));
            let v0 = rows.iter().filter(of).find(|r| r.rung == "v0_naive");
            let best =
                rows.iter().filter(of).filter(|r| r.rung != "v0_naive").max_by(|a, b| a.rate().total_cmp(&b.rate()));
            if let (Some(v0), Some(best)) = (v0, best) {
                let _ = writeln!(
                    md,
                    "| {name} | {pass} | {:.2} GFLOP/s | {:.1} GFLOP/s | {} | {:.0}× |",
                    v0.rate() / 1e9,
                    best.rate() / 1e9,
                    best.rung,
                    best.rate() / v0.rate()
                );
            }
        }
    }
    print!("{md}");
    write(&out_dir().join("ch03-bench.md"), &md)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let budget = args
        .iter()
        .position(|a| a == "--budget")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.3);
    std::fs::create_dir_all(out_dir())?;
    feature_maps()?;
    if !args.iter().any(|a| a == "--no-bench") {
        bench_table(budget)?;
    }
    Ok(())
}
