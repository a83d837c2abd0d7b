//! Shared bench helpers: a criterion [`Measurement`] on thread CPU time.
//!
//! Wall-clock time counts the moments another process held the core; on a
//! shared 2-core machine that turns a benchmark into noise. The CPU time of
//! the benchmarking thread does not, so single-threaded kernels are timed
//! with [`ThreadCpuTime`]. (Multi-threaded kernels must use wall time: the
//! other threads' CPU time is not this thread's.)

#![allow(dead_code)]

use std::time::Duration;

use criterion::Criterion;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use foundations::timing::thread_cpu_time;

/// Criterion measurement: CPU time consumed by the benchmarking thread.
pub struct ThreadCpuTime;

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_time()
    }
    fn end(&self, start: Duration) -> Duration {
        thread_cpu_time().saturating_sub(start)
    }
    fn add(&self, v1: &Duration, v2: &Duration) -> Duration {
        *v1 + *v2
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        // Values are nanoseconds, exactly like wall time: reuse its formatting.
        WallTime.formatter()
    }
}

/// A criterion configured for this machine: thread CPU time, few samples,
/// short warm-up, so a whole bench file runs in minutes.
pub fn cpu_criterion() -> Criterion<ThreadCpuTime> {
    Criterion::default()
        .with_measurement(ThreadCpuTime)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .configure_from_args()
}

/// The same settings on the wall clock (for multi-threaded kernels).
pub fn wall_criterion() -> Criterion<WallTime> {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .configure_from_args()
}
