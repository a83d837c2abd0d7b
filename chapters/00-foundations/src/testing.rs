//! The test kit every chapter uses: one `assert_close`, the per-ISA test
//! macro, proptest strategies that break tails, and NaN canaries.

use std::io::Write;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::Isa;

/// The widest f32 vector this project knows (AVX-512: 16 lanes). Lengths
/// up to `3·MAX_LANES + 1` exercise full registers, unrolled blocks and
/// every tail length on every ISA.
pub const MAX_LANES: usize = 16;

// ANCHOR: assert_close
/// Asserts `got ≈ want` element by element: |got − want| ≤ tol·max(1, |want|)
/// (absolute near zero, relative for large values). NaN matches only NaN.
/// On failure, reports the worst index, both values and the max difference.
#[track_caller]
pub fn assert_close<T: Copy + Into<f64>>(got: &[T], want: &[T], tol: f64, name: &str) {
    assert_eq!(got.len(), want.len(), "{name}: got {} elements, want {}", got.len(), want.len());
    let mut worst: Option<(usize, f64)> = None;
    let mut max_diff = 0.0f64;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let (g, w): (f64, f64) = (g.into(), w.into());
        // Equal values (including equal infinities) and NaN against NaN match.
        if g == w || (g.is_nan() && w.is_nan()) {
            continue;
        }
        let diff = (g - w).abs();
        // NaN on one side only, or an infinity against anything else, is infinitely wrong.
        let score = if diff.is_finite() { diff / w.abs().max(1.0) } else { f64::INFINITY };
        if diff.is_finite() {
            max_diff = max_diff.max(diff);
        }
        if worst.is_none_or(|(_, s)| score > s) {
            worst = Some((i, score));
        }
    }
    if let Some((i, score)) = worst
        && score > tol
    {
        let (g, w): (f64, f64) = (got[i].into(), want[i].into());
        panic!(
            "{name}: not close (tol {tol:e}): worst at index {i}: got {g:e}, want {w:e} \
             (scaled error {score:e}); max |difference| {max_diff:e} over {} elements",
            got.len()
        );
    }
}
// ANCHOR_END: assert_close

/// Is `isa` on this CPU? If not, says so on stderr (past the test
/// harness's capture, so a skip is never silent) and returns false, or
/// fails the test when `AIFS_REQUIRE_ISA` names the ISA (CI machines known
/// to have it set this, so a missing ISA cannot pass as a skip).
pub fn available_or_skip(isa: Isa, test: &str) -> bool {
    if isa.is_available() {
        return true;
    }
    let required = std::env::var("AIFS_REQUIRE_ISA").unwrap_or_default();
    let required: Vec<&str> = required.split(',').map(str::trim).collect();
    if required.contains(&isa.name()) || required.contains(&"all") {
        panic!("{test}: AIFS_REQUIRE_ISA requires {isa} but this CPU does not have it");
    }
    let _ = writeln!(std::io::stderr(), "SKIP {test}: {isa} is not available on this CPU");
    false
}

/// One `#[test]` per ISA, by name: `mod_name::{scalar, avx2, avx512, neon}`.
///
/// ```ignore
/// per_isa! {
///     fn dot_matches_naive(isa) {
///         let got = vector::dot_on(isa, &x, &y).unwrap();
///         ...
///     }
/// }
/// ```
///
/// An ISA of another architecture is `#[ignore]`d with the reason shown by
/// `cargo test`; an ISA this CPU lacks is reported by [`available_or_skip`].
#[macro_export]
macro_rules! per_isa {
    ($( $(#[$meta:meta])* fn $name:ident($isa:ident) $body:block )*) => {$(
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn run($isa: $crate::Isa) $body

            #[test]
            fn scalar() {
                run($crate::Isa::Scalar)
            }

            #[test]
            #[cfg_attr(not(target_arch = "x86_64"), ignore = "AVX2 exists only on x86_64")]
            fn avx2() {
                if $crate::testing::available_or_skip($crate::Isa::Avx2Fma, concat!(module_path!(), "::avx2")) {
                    run($crate::Isa::Avx2Fma)
                }
            }

            #[test]
            #[cfg_attr(not(target_arch = "x86_64"), ignore = "AVX-512 exists only on x86_64")]
            fn avx512() {
                if $crate::testing::available_or_skip($crate::Isa::Avx512, concat!(module_path!(), "::avx512")) {
                    run($crate::Isa::Avx512)
                }
            }

            #[test]
            #[cfg_attr(not(target_arch = "aarch64"), ignore = "NEON exists only on aarch64: CI runs it under qemu")]
            fn neon() {
                if $crate::testing::available_or_skip($crate::Isa::Neon, concat!(module_path!(), "::neon")) {
                    run($crate::Isa::Neon)
                }
            }
        }
    )*};
}

/// Runs a property test with proptest's default config (which honours
/// `PROPTEST_CASES`), panicking with the shrunk counterexample on failure.
#[track_caller]
pub fn check_prop<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(Config { failure_persistence: None, ..Config::default() });
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{name}: {e}");
    }
}

/// Lengths 0..=3·MAX_LANES+1: empty, every tail of every register width,
/// one to three full registers. A kernel that unrolls U registers needs
/// lengths past U·LANES too: mix this with a longer range (`prop_oneof!`).
pub fn tail_len() -> impl Strategy<Value = usize> {
    0..=3 * MAX_LANES + 1
}

/// Slice start offsets 0..=3, so SIMD loads are unaligned.
pub fn offset() -> impl Strategy<Value = usize> {
    0usize..=3
}

/// A float on a grid of 1/64 in [−4, 4]. Integers mapped to floats shrink
/// well (proptest's raw float ranges do not), and grid values keep
/// hand-checkable counterexamples.
pub fn grid_f32() -> impl Strategy<Value = f32> {
    (-256i32..=256).prop_map(|i| i as f32 / 64.0)
}

/// A vector of [`grid_f32`] values of the given length.
pub fn vec_f32(len: usize) -> impl Strategy<Value = Vec<f32>> {
    proptest::collection::vec(grid_f32(), len)
}

/// Copies `values` into a new buffer after `offset` junk elements, so that
/// `&buf[offset..]` starts at an odd address. Returns the buffer.
pub fn at_offset(values: &[f32], offset: usize) -> Vec<f32> {
    let mut buf = vec![-9999.0; offset];
    buf.extend_from_slice(values);
    buf
}

/// The NaN written around outputs: a quiet NaN with a recognisable payload,
/// compared by bits so that a kernel writing any other NaN is caught.
pub const CANARY: f32 = f32::from_bits(0x7fc0_0bad);

/// An output buffer with NaN canaries on both sides of the region a kernel
/// may write, at an odd start offset.
#[derive(Clone, Debug)]
pub struct Canary {
    buf: Vec<f32>,
    start: usize,
    len: usize,
}

impl Canary {
    /// Canary elements on each side.
    pub const PAD: usize = 2 * MAX_LANES + 3;

    /// `len` output elements starting `offset` past the left pad, all
    /// initialised to `fill` (use `CANARY` itself to check that a β = 0
    /// kernel never reads its output).
    pub fn new(len: usize, offset: usize, fill: f32) -> Self {
        let start = Self::PAD + offset;
        let mut buf = vec![CANARY; start + len + Self::PAD];
        buf[start..start + len].fill(fill);
        Canary { buf, start, len }
    }

    /// As [`Canary::new`], with the region initialised to `values`.
    pub fn with_values(values: &[f32], offset: usize) -> Self {
        let mut c = Self::new(values.len(), offset, 0.0);
        c.inner_mut().copy_from_slice(values);
        c
    }

    /// The region the kernel may write.
    pub fn inner_mut(&mut self) -> &mut [f32] {
        &mut self.buf[self.start..self.start + self.len]
    }

    /// The region, to compare with the oracle.
    pub fn inner(&self) -> &[f32] {
        &self.buf[self.start..self.start + self.len]
    }

    /// Panics unless every canary still holds `CANARY`'s exact bits.
    #[track_caller]
    pub fn assert_intact(&self, name: &str) {
        for (i, x) in self.buf.iter().enumerate() {
            let inside = i >= self.start && i < self.start + self.len;
            if !inside && x.to_bits() != CANARY.to_bits() {
                let at = i as isize - self.start as isize;
                panic!("{name}: kernel wrote {x} at position {at} relative to its output (length {})", self.len);
            }
        }
    }
}
