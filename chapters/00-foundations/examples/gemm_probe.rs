//! Quick probe: GFLOP/s of chosen rungs on chosen shapes (for tuning).
//! `cargo run --release -p chapter-0 --example gemm_probe -- v5_avx512 1024x1024x1024 ...`
use foundations::gemm::{Rung, time_rung};
use foundations::{Isa, peak};

fn main() -> foundations::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let peak = peak::fma_peak(Isa::active(), 0.3)?.flops;
    println!("peak {:.1} GFLOP/s", peak / 1e9);
    let rungs: Vec<Rung> = args.iter().filter_map(|a| Rung::parse(a).ok()).collect();
    for s in args.iter().filter(|a| a.starts_with(|c: char| c.is_ascii_digit())) {
        let d: Vec<usize> = s.split('x').map(|x| x.parse().unwrap()).collect();
        for &r in &rungs {
            let t = time_rung(r, d[0], d[1], d[2], 2, 0.5)?;
            let gf = 2.0 * (d[0] * d[1] * d[2]) as f64 / t;
            println!("{s:>18} {:>14} {:8.1} GFLOP/s {:5.1}%", r.name(), gf / 1e9, 100.0 * gf / peak);
        }
    }
    Ok(())
}
