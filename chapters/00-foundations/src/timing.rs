//! Timing that survives a shared machine: **thread CPU time**.
//!
//! Wall-clock time counts the moments another process held the core; the
//! CPU time of this thread does not. On a busy 2-core machine that is the
//! difference between a number and noise. Figures are reported as
//! fractions of a peak measured in the same run ([`crate::peak`]).

use std::time::Duration;

use cpu_time::ThreadTime;

/// CPU time consumed by the calling thread so far.
pub fn thread_cpu_time() -> Duration {
    ThreadTime::now().as_duration()
}

/// Seconds per call of a measured function.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// The fastest batch, per call: the least disturbed estimate.
    pub best: f64,
    /// The median batch, per call.
    pub median: f64,
    /// Calls measured in all.
    pub calls: usize,
}

/// Times `f` on this thread's CPU clock: one warm-up call, then batches
/// (sized to take ≥ 1 ms each) until `budget` seconds have been spent, at
/// least 5 batches.
pub fn measure(budget: f64, mut f: impl FnMut()) -> Timing {
    f();
    // Size a batch so one batch takes about a millisecond.
    let t0 = thread_cpu_time();
    f();
    let one = (thread_cpu_time() - t0).as_secs_f64().max(1e-9);
    let per_batch = ((1e-3 / one).ceil() as usize).clamp(1, 1 << 20);
    let mut samples = Vec::new();
    let start = thread_cpu_time();
    while samples.len() < 5 || (thread_cpu_time() - start).as_secs_f64() < budget {
        let t = thread_cpu_time();
        for _ in 0..per_batch {
            f();
        }
        samples.push((thread_cpu_time() - t).as_secs_f64() / per_batch as f64);
        if samples.len() >= 10_000 {
            break;
        }
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    Timing { best: samples[0], median: samples[samples.len() / 2], calls: samples.len() * per_batch }
}
