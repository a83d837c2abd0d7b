//! What the machine can do, measured in the same run as the kernels.
//!
//! - [`fma_peak`]: floating-point peak. Twelve independent chains of FMAs
//!   on registers: an FMA's latency is 4 cycles and (on Zen 4 and most
//!   recent x86) two can issue per cycle, so at least 8 chains are needed
//!   to keep both units busy; 12 leave a margin. No memory is touched.
//! - [`triad_bandwidth`]: memory bandwidth, STREAM's triad a = b + s·c on
//!   arrays far larger than the last-level cache, counting 12 bytes per
//!   element (read b, read c, write a) as STREAM does.
//!
//! Every performance figure in this project is reported as a fraction of
//! these, so a busy or throttled machine changes both sides alike.

use std::hint::black_box;

use crate::simd::Simd;
use crate::timing::measure;
use crate::{Isa, Result, Token};

/// Independent FMA chains in the peak kernel.
const CHAINS: usize = 12;

/// Floating-point throughput measured on one thread.
#[derive(Clone, Copy, Debug)]
pub struct Peak {
    /// The ISA measured.
    pub isa: Isa,
    /// f32 FLOP per second (an FMA counts 2).
    pub flops: f64,
    /// FLOPs of one measured call of the kernel.
    pub flops_per_call: f64,
    /// Seconds per call (thread CPU time, best batch).
    pub seconds: f64,
}

#[inline(always)]
fn fma_chains<S: Simd>(s: S, iters: usize) -> f32 {
    let mut acc = [s.splat(1.0); CHAINS];
    let a = s.splat(black_box(0.999_999));
    let b = s.splat(black_box(1e-7));
    for _ in 0..iters {
        for c in acc.iter_mut() {
            *c = s.fma(*c, a, b);
        }
    }
    let mut total = s.zero();
    for c in acc {
        total = s.add(total, c);
    }
    s.reduce_sum(total)
}

#[inline(always)]
fn triad<S: Simd>(s: S, a: &mut [f32], b: &[f32], c: &[f32], k: f32) {
    let l = S::LANES;
    let kv = s.splat(k);
    for ((ac, bc), cc) in a.chunks_exact_mut(l).zip(b.chunks_exact(l)).zip(c.chunks_exact(l)) {
        let v = s.fma(kv, s.load(cc), s.load(bc));
        s.store(ac, v);
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use crate::target_feature_fn;
    use crate::{Avx2Fma, Avx512};

    target_feature_fn!(pub(super) fn chains2(t: Avx2Fma, iters: usize) -> f32 = "avx2,fma" => super::fma_chains);
    target_feature_fn!(pub(super) fn chains512(t: Avx512, iters: usize) -> f32 = "avx512f,avx2,fma" => super::fma_chains);
    target_feature_fn!(pub(super) fn triad2(t: Avx2Fma, a: &mut [f32], b: &[f32], c: &[f32], k: f32) = "avx2,fma" => super::triad);
    target_feature_fn!(pub(super) fn triad512(t: Avx512, a: &mut [f32], b: &[f32], c: &[f32], k: f32) = "avx512f,avx2,fma" => super::triad);
}

#[cfg(target_arch = "aarch64")]
mod arm {
    use crate::Neon;
    use crate::target_feature_fn;

    target_feature_fn!(pub(super) fn chains(t: Neon, iters: usize) -> f32 = "neon" => super::fma_chains);
    target_feature_fn!(pub(super) fn triad(t: Neon, a: &mut [f32], b: &[f32], c: &[f32], k: f32) = "neon" => super::triad);
}

/// Runs `iters` rounds of the chains on `isa`; returns FLOPs performed.
fn run_chains(isa: Isa, iters: usize) -> Result<f64> {
    let lanes = match isa.token("fma_peak")? {
        Token::Scalar => {
            let mut acc = [1.0f32; CHAINS];
            let (a, b) = (black_box(0.999_999f32), black_box(1e-7f32));
            for _ in 0..iters {
                // Multiply, then add: without the FMA feature `f32::mul_add`
                // would be a call into libm's exact `fmaf`, not an instruction.
                for c in acc.iter_mut() {
                    *c = *c * a + b;
                }
            }
            black_box(acc);
            1
        }
        #[cfg(target_arch = "x86_64")]
        Token::Avx2Fma(t) => {
            black_box(x86::chains2(t, iters));
            8
        }
        #[cfg(target_arch = "x86_64")]
        Token::Avx512(t) => {
            black_box(x86::chains512(t, iters));
            16
        }
        #[cfg(target_arch = "aarch64")]
        Token::Neon(t) => {
            black_box(arm::chains(t, iters));
            4
        }
    };
    Ok((iters * CHAINS * lanes * 2) as f64)
}

/// Single-thread f32 FMA throughput of `isa`, measured for about `budget`
/// seconds of this thread's CPU time.
pub fn fma_peak(isa: Isa, budget: f64) -> Result<Peak> {
    const ITERS: usize = 1 << 16;
    let flops = run_chains(isa, ITERS)?;
    let t = measure(budget, || {
        let _ = run_chains(isa, ITERS);
    });
    Ok(Peak { isa, flops: flops / t.best, flops_per_call: flops, seconds: t.best })
}

/// Triad bandwidth in bytes per second on arrays of `n` f32 each (use
/// ≥ 4× the last-level cache; 16 Mi elements = 64 MiB per array is safe).
pub fn triad_bandwidth(isa: Isa, n: usize, budget: f64) -> Result<f64> {
    let (bytes, seconds) = triad_timed(isa, n, budget)?;
    Ok(bytes / seconds)
}

/// [`triad_bandwidth`] as (bytes per call, seconds per call).
pub fn triad_timed(isa: Isa, n: usize, budget: f64) -> Result<(f64, f64)> {
    let token = isa.token("triad_bandwidth")?;
    let (mut a, b, c) = (vec![0.0f32; n], vec![1.0f32; n], vec![2.0f32; n]);
    let k = black_box(0.5f32);
    let t = measure(budget, || match token {
        Token::Scalar => {
            for i in 0..n {
                a[i] = b[i] + k * c[i];
            }
        }
        #[cfg(target_arch = "x86_64")]
        Token::Avx2Fma(t) => x86::triad2(t, &mut a, &b, &c, k),
        #[cfg(target_arch = "x86_64")]
        Token::Avx512(t) => x86::triad512(t, &mut a, &b, &c, k),
        #[cfg(target_arch = "aarch64")]
        Token::Neon(t) => arm::triad(t, &mut a, &b, &c, k),
    });
    black_box(&a);
    Ok((12.0 * n as f64, t.best))
}
