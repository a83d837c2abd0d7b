//! GEMM, the workhorse: **C ← α·A·B + β·C** (row-major, BLAS's convention).
//!
//! ```text
//! A: (M, K)   B: (K, N)   C: (M, N)        2·M·N·K FLOPs
//! ```
//!
//! Dense layers, convolution (through im2col), the RNN's W·[h, x] and
//! attention's QKᵀ and PV are all this one function. Backward passes need
//! the transposed forms, which are free with strided views:
//!
//! ```text
//! dW += Xᵀ·dY    gemm(dw, 1.0, x.t(), dy, 1.0)
//! dX  = dY·Wᵀ    gemm(dx, 1.0, dy, w.t(), 0.0)
//! ```
//!
//! ## The ladder ([`Rung`]), one idea per rung
//!
//! | rung | idea | where |
//! |---|---|---|
//! | `v0_naive` | i-j-k triple loop: the formula, the oracle | [`naive::gemm`] |
//! | `v1_loop_order` | i-k-j: contiguous rows, the compiler vectorizes | [`loop_order::gemm`] |
//! | `v2_blocked` | cut K, M, N into blocks that stay in cache | [`blocked::gemm`] |
//! | `v3_packed` | five BLIS loops; pack A and B into MR/NR panels; plain-Rust micro-kernel | `packed.rs` |
//! | `v4_avx2` | AVX2+FMA micro-kernel: 6×16 tile of C in 12 ymm registers | `avx2_fma.rs` |
//! | `v5_avx512` | AVX-512 micro-kernel: 12×32 or 6×64 tile in 24 zmm registers | `avx512.rs` |
//! | `v6_neon` | NEON micro-kernel (aarch64): 8×12 tile in 24 q registers | `neon.rs` |
//! | `v7_threaded` | bands of rows of C on several threads | `threaded.rs` |
//!
//! The blocking constants, named as in BLIS, each cut one loop of the five
//! (see [`packed::Blocking`]): NC (loop 5, columns of B per L3 slab), KC
//! (loop 4, depth of one rank-KC update), MC (loop 3, rows of A per L2
//! block), MR (loop 2, rows of the register tile), NR (loop 1, columns of
//! the register tile).
//!
//! [`gemm`] / [`gemm_on`] pick the best rung for the ISA (scalar: the
//! oracle, so `AIFS_ISA=scalar` runs the reference path) on
//! `AIFS_THREADS` threads (default 1: on a shared 2-core machine a second
//! spinning thread costs more than it gains under outside load).

pub mod blocked;
pub mod loop_order;
pub mod matrix;
pub mod naive;
pub mod packed;
mod simd;
mod threaded;

#[cfg(target_arch = "x86_64")]
mod avx2_fma;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;

use std::sync::OnceLock;
use std::time::Instant;

pub use matrix::{MatMut, MatRef};
use packed::Micro;

use crate::{Isa, Real, Result};

/// Checks that op shapes fit: A (M, K), B (K, N), C (M, N).
pub fn check_shapes<T>(op: &str, c: &MatMut<'_, T>, a: &MatRef<'_, T>, b: &MatRef<'_, T>) -> Result<()> {
    crate::ensure_shape!(
        a.cols() == b.rows(),
        "{op}: A is {}x{} but B is {}x{}: the inner dimensions {} and {} differ",
        a.rows(),
        a.cols(),
        b.rows(),
        b.cols(),
        a.cols(),
        b.rows()
    );
    crate::ensure_shape!(
        c.rows() == a.rows() && c.cols() == b.cols(),
        "{op}: A·B is {}x{} but C is {}x{}",
        a.rows(),
        b.cols(),
        c.rows(),
        c.cols()
    );
    Ok(())
}

/// Threads the dispatcher uses: `AIFS_THREADS` (read once), default 1.
pub fn default_threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| match std::env::var("AIFS_THREADS") {
        Err(_) => 1,
        Ok(s) => match s.trim().parse::<usize>() {
            Ok(t) if t >= 1 => t,
            _ => {
                eprintln!("warning: AIFS_THREADS={s:?} is not a positive integer; using 1 thread");
                1
            }
        },
    })
}

/// C ← α·A·B + β·C on the active ISA. A: (M, K)  B: (K, N)  C: (M, N).
/// β = 0 does not read C.
pub fn gemm(c: MatMut<'_, f32>, alpha: f32, a: MatRef<'_, f32>, b: MatRef<'_, f32>, beta: f32) -> Result<()> {
    gemm_on(Isa::active(), c, alpha, a, b, beta)
}

// ANCHOR: dispatch
/// [`gemm`] on a given ISA: `Isa::Scalar` runs the naive oracle; a SIMD ISA
/// runs its packed micro-kernel on [`default_threads`] threads.
pub fn gemm_on(
    isa: Isa,
    c: MatMut<'_, f32>,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
) -> Result<()> {
    check_shapes("gemm", &c, &a, &b)?;
    let micro = Micro::for_isa(isa, "gemm")?;
    if isa == Isa::Scalar {
        naive::gemm(c, alpha, a, b, beta);
        return Ok(());
    }
    // A second thread only pays for itself on enough work (~4 MFLOP).
    let flops = 2.0 * a.rows() as f64 * a.cols() as f64 * b.cols() as f64;
    let threads = if flops < 4e6 { 1 } else { default_threads() };
    threaded::gemm(micro, threads, c, alpha, a, b, beta)
}
// ANCHOR_END: dispatch

/// [`gemm`] on `threads` threads (bands of rows of C), on the active ISA.
pub fn gemm_threads(
    threads: usize,
    c: MatMut<'_, f32>,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
) -> Result<()> {
    gemm_threads_on(Isa::active(), threads, c, alpha, a, b, beta)
}

/// [`gemm_threads`] on a given ISA (`Isa::Scalar`: the portable packed kernel).
pub fn gemm_threads_on(
    isa: Isa,
    threads: usize,
    c: MatMut<'_, f32>,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
) -> Result<()> {
    check_shapes("gemm", &c, &a, &b)?;
    crate::ensure_value!(threads >= 1, "gemm: threads must be at least 1, got {threads}");
    threaded::gemm(Micro::for_isa(isa, "gemm")?, threads, c, alpha, a, b, beta)
}

/// GEMM for any [`Real`]: f32 runs the SIMD dispatcher, f64 the oracle.
pub fn gemm_real<T: Real>(c: MatMut<'_, T>, alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T) -> Result<()> {
    T::gemm(c, alpha, a, b, beta)
}

/// One rung of the ladder, by name: what tests and benches walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rung {
    /// i-j-k triple loop (the oracle).
    V0Naive,
    /// i-k-j loop order.
    V1LoopOrder,
    /// v1 cut into cache blocks.
    V2Blocked,
    /// Five loops on packed panels, plain-Rust micro-kernel.
    V3Packed,
    /// AVX2+FMA micro-kernel (x86_64).
    V4Avx2,
    /// AVX-512 micro-kernel (x86_64).
    V5Avx512,
    /// NEON micro-kernel (aarch64).
    V6Neon,
    /// The best micro-kernel of this CPU on several threads.
    V7Threaded,
}

impl Rung {
    /// Every rung, in ladder order.
    pub const ALL: [Rung; 8] = [
        Rung::V0Naive,
        Rung::V1LoopOrder,
        Rung::V2Blocked,
        Rung::V3Packed,
        Rung::V4Avx2,
        Rung::V5Avx512,
        Rung::V6Neon,
        Rung::V7Threaded,
    ];

    /// The rung's name as benches and the CLI print it ("v0_naive", ...).
    pub fn name(self) -> &'static str {
        match self {
            Rung::V0Naive => "v0_naive",
            Rung::V1LoopOrder => "v1_loop_order",
            Rung::V2Blocked => "v2_blocked",
            Rung::V3Packed => "v3_packed",
            Rung::V4Avx2 => "v4_avx2",
            Rung::V5Avx512 => "v5_avx512",
            Rung::V6Neon => "v6_neon",
            Rung::V7Threaded => "v7_threaded",
        }
    }

    /// The rung with this name.
    pub fn parse(s: &str) -> Result<Rung> {
        Rung::ALL.into_iter().find(|r| r.name() == s.trim()).ok_or_else(|| {
            let names: Vec<&str> = Rung::ALL.iter().map(|r| r.name()).collect();
            crate::Error::Value(format!("unknown GEMM rung '{s}': expected one of {}", names.join(", ")))
        })
    }

    /// The instruction set the rung needs (the threaded rung: the best available).
    pub fn isa(self) -> Isa {
        match self {
            Rung::V0Naive | Rung::V1LoopOrder | Rung::V2Blocked | Rung::V3Packed => Isa::Scalar,
            Rung::V4Avx2 => Isa::Avx2Fma,
            Rung::V5Avx512 => Isa::Avx512,
            Rung::V6Neon => Isa::Neon,
            Rung::V7Threaded => Isa::available().into_iter().max().unwrap_or(Isa::Scalar),
        }
    }

    /// Can this CPU run the rung?
    pub fn is_available(self) -> bool {
        self.isa().is_available()
    }

    /// The rungs this CPU can run, in ladder order.
    pub fn available() -> Vec<Rung> {
        Rung::ALL.into_iter().filter(|r| r.is_available()).collect()
    }

    /// C ← α·A·B + β·C with this rung (single thread, except `v7_threaded`,
    /// which uses every core `std::thread::available_parallelism` reports).
    pub fn run(self, c: MatMut<'_, f32>, alpha: f32, a: MatRef<'_, f32>, b: MatRef<'_, f32>, beta: f32) -> Result<()> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        self.run_threads(threads, c, alpha, a, b, beta)
    }

    /// As [`Rung::run`], with the thread count of `v7_threaded` given
    /// (the other rungs are single-threaded and ignore it).
    pub fn run_threads(
        self,
        threads: usize,
        c: MatMut<'_, f32>,
        alpha: f32,
        a: MatRef<'_, f32>,
        b: MatRef<'_, f32>,
        beta: f32,
    ) -> Result<()> {
        check_shapes(self.name(), &c, &a, &b)?;
        crate::ensure_value!(threads >= 1, "{}: threads must be at least 1, got {threads}", self.name());
        let micro = Micro::for_isa(self.isa(), self.name())?;
        match self {
            Rung::V0Naive => naive::gemm(c, alpha, a, b, beta),
            Rung::V1LoopOrder => loop_order::gemm(c, alpha, a, b, beta),
            Rung::V2Blocked => blocked::gemm(c, alpha, a, b, beta),
            Rung::V3Packed | Rung::V4Avx2 | Rung::V5Avx512 | Rung::V6Neon => packed::gemm(micro, c, alpha, a, b, beta),
            Rung::V7Threaded => threaded::gemm(micro, threads, c, alpha, a, b, beta)?,
        }
        Ok(())
    }
}

impl std::fmt::Display for Rung {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

// ANCHOR: time_rung
/// Seconds per call of `rung` on an (m×k)·(k×n) product of random-ish
/// row-major matrices (C ← A·B, β = 0), measured for about `budget_secs`.
///
/// Single-threaded rungs (and `v7_threaded` with `threads == 1`) are timed on
/// this thread's CPU clock ([`crate::timing::measure`], best batch), which
/// outside load barely disturbs. `v7_threaded` with `threads > 1` is timed
/// on the wall clock (best of the calls made), since the CPU time of the
/// other threads is not this thread's: trust that figure only on an idle
/// machine. GFLOP/s = 2·m·k·n / seconds / 1e9.
pub fn time_rung(rung: Rung, m: usize, k: usize, n: usize, threads: usize, budget_secs: f64) -> Result<f64> {
    crate::ensure_value!(rung.is_available(), "{rung}: needs {}, which this CPU lacks", rung.isa());
    crate::ensure_value!(threads >= 1, "{rung}: threads must be at least 1, got {threads}");
    let a: Vec<f32> = (0..m * k).map(|i| ((i * 7 % 23) as f32 - 11.0) / 16.0).collect();
    let b: Vec<f32> = (0..k * n).map(|i| ((i * 5 % 19) as f32 - 9.0) / 16.0).collect();
    let mut c = vec![0.0f32; m * n];
    let (av, bv) = (MatRef::new(&a, m, k)?, MatRef::new(&b, k, n)?);
    let mut call = || rung.run_threads(threads, MatMut::new(&mut c, m, n)?, 1.0, av, bv, 0.0);
    if rung == Rung::V7Threaded && threads > 1 {
        call()?;
        let (start, mut best) = (Instant::now(), f64::INFINITY);
        let mut calls = 0;
        while calls < 3 || start.elapsed().as_secs_f64() < budget_secs {
            let t = Instant::now();
            call()?;
            best = best.min(t.elapsed().as_secs_f64());
            calls += 1;
        }
        return Ok(best);
    }
    let mut err = Ok(());
    let t = crate::timing::measure(budget_secs, || {
        if let Err(e) = call() {
            err = Err(e);
        }
    });
    err.map(|()| t.best)
}
// ANCHOR_END: time_rung
