//! The SIMD vocabulary: one trait, [`Simd`], implemented by each capability
//! token with that ISA's intrinsics.
//!
//! A kernel whose algorithm is the same on every ISA is written once as an
//! `#[inline(always)]` function generic over `S: Simd`, and each ISA file
//! instantiates it inside a thin `#[target_feature]` body:
//!
//! ```text
//! vector/simd.rs      fn dot<S: Simd>(s: S, x, y)        the algorithm, once
//! vector/avx2_fma.rs  #[target_feature(enable="avx2,fma")] fn dot(..) { simd::dot(token, ..) }
//! vector/avx512.rs    #[target_feature(enable="avx512f")]  fn dot(..) { simd::dot(token, ..) }
//! ```
//!
//! Methods take the token by value, so they are safe to call: the token is
//! the proof that the CPU has the instructions. Inlined into a
//! `#[target_feature]` body, each method compiles to one instruction (or a
//! short sequence: horizontal sums, partial loads).
//!
//! Semantics every implementation keeps, and the tests check:
//! - `max(a, b)` is NaN where either operand is NaN, else the larger: a
//!   running maximum `m = max(m, x)` becomes NaN at the first NaN and stays so.
//! - `load_partial`/`store_partial` touch exactly `len < LANES` elements.

/// A safe function that calls `$path` compiled with `$features` enabled,
/// taking the capability token that proves the CPU has them.
///
/// ```text
/// target_feature_fn!(pub(crate) fn dot(t: Avx2Fma, x: &[f32], y: &[f32]) -> f32
///                    = "avx2,fma" => simd::dot);
/// ```
///
/// expands to
///
/// ```text
/// pub(crate) fn dot(t: Avx2Fma, x: &[f32], y: &[f32]) -> f32 {
///     #[target_feature(enable = "avx2,fma")]
///     fn body(t: Avx2Fma, x: &[f32], y: &[f32]) -> f32 { simd::dot(t, x, y) }
///     // SAFETY: the token proves the CPU has every feature in "avx2,fma".
///     unsafe { body(t, x, y) }
/// }
/// ```
///
/// The generic `simd::dot` is `#[inline(always)]`, so it is compiled inside
/// `body` with the features on: one copy of the algorithm per ISA.
#[macro_export]
macro_rules! target_feature_fn {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($t:ident : $token:ty $(, $arg:ident : $ty:ty)* $(,)?) $(-> $ret:ty)?
        = $features:literal => $path:path) => {
        $(#[$meta])*
        $vis fn $name($t: $token, $($arg: $ty),*) $(-> $ret)? {
            #[target_feature(enable = $features)]
            fn body($t: $token, $($arg: $ty),*) $(-> $ret)? {
                $path($t, $($arg),*)
            }
            // SAFETY: `$t` is a capability token, built only after runtime
            // detection found every feature in $features.
            unsafe { body($t, $($arg),*) }
        }
    };
}

/// Calls the kernel `$name` on the path that `$isa`'s capability token
/// selects, after `$isa.token($op)?` has checked that the CPU has it (so the
/// caller returns `Result`).
///
/// The per-ISA modules are named at the call site: `naive::$name(args)` on
/// [`Token::Scalar`](crate::Token), `avx2_fma::$name(t, args)`,
/// `avx512::$name(t, args)`, `neon::$name(t, args)` on the others, each
/// under its `cfg(target_arch)`. A generic oracle works unchanged: its type
/// parameter is inferred from the arguments (`naive::sgd::<f32>` is never
/// needed). When the scalar path is not one call of the same name (the
/// oracle has other arguments, or derives its outputs in several steps),
/// give it as a fourth argument:
///
/// ```text
/// // the oracle has the same name and arguments (less the token):
/// Ok(dispatch!(isa, "dot", dot(x, y)))
/// // the scalar path is an expression of its own:
/// dispatch!(isa, "softmax", softmax_rows_v1(out, x, c), naive::softmax_rows(out, x, n, c))
/// ```
///
/// `$op` names the operation in the error when `$isa` is not available.
#[macro_export]
macro_rules! dispatch {
    ($isa:expr, $op:expr, $name:ident ( $($arg:expr),* $(,)? )) => {
        $crate::dispatch!($isa, $op, $name($($arg),*), naive::$name($($arg),*))
    };
    ($isa:expr, $op:expr, $name:ident ( $($arg:expr),* $(,)? ), $scalar:expr $(,)?) => {
        match $isa.token($op)? {
            $crate::Token::Scalar => $scalar,
            #[cfg(target_arch = "x86_64")]
            $crate::Token::Avx2Fma(t) => avx2_fma::$name(t, $($arg),*),
            #[cfg(target_arch = "x86_64")]
            $crate::Token::Avx512(t) => avx512::$name(t, $($arg),*),
            #[cfg(target_arch = "aarch64")]
            $crate::Token::Neon(t) => neon::$name(t, $($arg),*),
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod avx2_fma;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;

/// One ISA's f32 vector operations, callable safely through its token.
pub trait Simd: Copy {
    /// The register type: `__m256`, `__m512` or `float32x4_t`.
    type V: Copy;
    /// f32 lanes per register.
    const LANES: usize;

    /// All lanes 0.
    fn zero(self) -> Self::V;
    /// All lanes `x`.
    fn splat(self, x: f32) -> Self::V;
    /// Loads `x[0..LANES]`. Panics if `x` is shorter (a bounds check, never UB).
    fn load(self, x: &[f32]) -> Self::V;
    /// Stores `v` to `out[0..LANES]`. Panics if `out` is shorter.
    fn store(self, out: &mut [f32], v: Self::V);
    /// Loads `x[0..len]` for `len = x.len() < LANES`; the missing lanes are `fill`.
    fn load_partial(self, x: &[f32], fill: f32) -> Self::V {
        assert!(x.len() <= Self::LANES);
        let mut buf = [fill; 16];
        buf[..x.len()].copy_from_slice(x);
        self.load(&buf[..Self::LANES])
    }
    /// Stores the first `out.len() < LANES` lanes of `v`; nothing else is written.
    fn store_partial(self, out: &mut [f32], v: Self::V) {
        assert!(out.len() <= Self::LANES);
        let mut buf = [0.0f32; 16];
        self.store(&mut buf[..Self::LANES], v);
        let n = out.len();
        out.copy_from_slice(&buf[..n]);
    }

    /// Loads LANES floats from `p`.
    ///
    /// # Safety
    /// `p..p+LANES` must be readable f32s (no alignment needed).
    unsafe fn load_ptr(self, p: *const f32) -> Self::V;
    /// Stores LANES floats to `p`.
    ///
    /// # Safety
    /// `p..p+LANES` must be writable f32s (no alignment needed).
    unsafe fn store_ptr(self, p: *mut f32, v: Self::V);

    /// a + b
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// a − b
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    /// a · b
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// a / b
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
    /// a · b + c, one rounding (fused multiply-add).
    fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// c − a · b, one rounding.
    fn fnma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// NaN where either is NaN, else max(a, b). See the module note.
    fn max(self, a: Self::V, b: Self::V) -> Self::V;
    /// min(a, b); `b` where either is NaN (the x86 rule).
    fn min(self, a: Self::V, b: Self::V) -> Self::V;
    /// √a
    fn sqrt(self, a: Self::V) -> Self::V;
    /// Round to the nearest integer, ties to even.
    fn round(self, a: Self::V) -> Self::V;
    /// 2^k for lanes holding integral values k in [−126, 127] (built in the exponent bits).
    fn pow2i(self, k: Self::V) -> Self::V;
    /// Lane-wise `if a < b { x } else { y }` (false when either is NaN).
    fn select_lt(self, a: Self::V, b: Self::V, x: Self::V, y: Self::V) -> Self::V;
    /// Lane-wise `if a is NaN { x } else { y }`.
    fn select_nan(self, a: Self::V, x: Self::V, y: Self::V) -> Self::V;
    /// Sum of all lanes.
    fn reduce_sum(self, v: Self::V) -> f32;
    /// Maximum of all lanes; NaN if any lane is NaN. A few shuffles and
    /// `max` instructions (AVX2, AVX-512: halving the register; NEON: `fmaxv`).
    fn reduce_max(self, v: Self::V) -> f32;

    /// x · 2^k lane by lane, for K registers at once (K independent chains,
    /// one branch), where x is in [0.5, 2) and the lanes of k hold integral
    /// values in [−254, 254]: the scaling step of an exp, x = e^r. Rounded
    /// once: +∞ on overflow, subnormal or 0 on underflow; a lane where x and k are both
    /// NaN gives NaN (as in an exp of NaN).
    /// Outside that x range the result is unspecified (never UB): the AVX2
    /// fast path assumes it.
    ///
    /// [`pow2i`](Simd::pow2i) builds only normal powers, so the default is two
    /// factors (x · 2^j₁) · 2^j₂ with j₁ = round(k/2), j₂ = k − j₁, each a
    /// normal number. AVX2 adds k to the exponent field when every |k| ≤ 125
    /// (exact for such x; one test and branch for all K registers), else
    /// falls back to the default; AVX-512 has one instruction for it (`vscalefps`).
    #[inline(always)]
    fn ldexp<const K: usize>(self, x: [Self::V; K], k: [Self::V; K]) -> [Self::V; K] {
        let mut y = x;
        for i in 0..K {
            y[i] = ldexp_two_steps(self, x[i], k[i]);
        }
        y
    }
}

/// x · 2^k as (x · 2^j₁) · 2^j₂, j₁ = round(k/2), j₂ = k − j₁: the default
/// [`Simd::ldexp`].
#[inline(always)]
fn ldexp_two_steps<S: Simd>(s: S, x: S::V, k: S::V) -> S::V {
    let j1 = s.round(s.mul(k, s.splat(0.5)));
    let j2 = s.sub(k, j1);
    s.mul(s.mul(x, s.pow2i(j1)), s.pow2i(j2))
}

#[cfg(test)]
mod tests {
    use super::Simd;

    /// Each operation against the scalar formula, on one register's worth of lanes.
    fn check_ops<S: Simd>(s: S) {
        let n = S::LANES;
        let a: Vec<f32> = (0..n).map(|i| i as f32 * 0.75 - 3.0).collect();
        let b: Vec<f32> = (0..n).map(|i| 2.25 - i as f32 * 0.5).collect();
        let c: Vec<f32> = (0..n).map(|i| (i * i) as f32 * 0.1).collect();
        let (va, vb, vc) = (s.load(&a), s.load(&b), s.load(&c));
        let out = |v| {
            let mut o = vec![0.0; n];
            s.store(&mut o, v);
            o
        };
        let each = |f: &dyn Fn(usize) -> f32| (0..n).map(f).collect::<Vec<f32>>();
        assert_eq!(out(s.add(va, vb)), each(&|i| a[i] + b[i]));
        assert_eq!(out(s.sub(va, vb)), each(&|i| a[i] - b[i]));
        assert_eq!(out(s.mul(va, vb)), each(&|i| a[i] * b[i]));
        assert_eq!(out(s.div(va, vb)), each(&|i| a[i] / b[i]));
        assert_eq!(out(s.fma(va, vb, vc)), each(&|i| a[i].mul_add(b[i], c[i])));
        assert_eq!(out(s.fnma(va, vb, vc)), each(&|i| (-a[i]).mul_add(b[i], c[i])));
        assert_eq!(out(s.max(va, vb)), each(&|i| a[i].max(b[i])));
        assert_eq!(out(s.min(va, vb)), each(&|i| a[i].min(b[i])));
        assert_eq!(out(s.sqrt(vc)), each(&|i| c[i].sqrt()));
        assert_eq!(out(s.round(s.splat(2.5))), vec![2.0; n]);
        assert_eq!(out(s.round(s.splat(-3.5))), vec![-4.0; n]);
        assert_eq!(out(s.pow2i(s.splat(-3.0))), vec![0.125; n]);
        assert_eq!(out(s.pow2i(s.splat(127.0))), vec![2f32.powi(127); n]);
        assert_eq!(out(s.pow2i(s.splat(-126.0))), vec![f32::MIN_POSITIVE; n]);
        assert_eq!(out(s.select_lt(va, vb, vc, s.zero())), each(&|i| if a[i] < b[i] { c[i] } else { 0.0 }));
        assert_eq!(s.reduce_sum(va), a.iter().sum::<f32>());
        assert_eq!(s.reduce_max(vb), 2.25);
        // NaN rules of max / select_nan / reduce_max.
        let nan = s.splat(f32::NAN);
        assert!(out(s.max(nan, va)).iter().all(|x| x.is_nan()));
        assert!(out(s.max(va, nan)).iter().all(|x| x.is_nan()));
        assert_eq!(out(s.select_nan(nan, va, vb)), a);
        assert_eq!(out(s.select_nan(va, va, vb)), b);
        let mut with_nan = a.clone();
        with_nan[n - 1] = f32::NAN;
        assert!(s.reduce_max(s.load(&with_nan)).is_nan());
        // A NaN in any lane, not only the last; ±∞ lanes are ordinary.
        for i in 0..n {
            let mut v = b.clone();
            v[i] = f32::NAN;
            assert!(s.reduce_max(s.load(&v)).is_nan(), "NaN in lane {i}");
            v[i] = f32::INFINITY;
            assert_eq!(s.reduce_max(s.load(&v)), f32::INFINITY, "+inf in lane {i}");
            v[i] = 1e9;
            assert_eq!(s.reduce_max(s.load(&v)), 1e9, "max in lane {i}");
        }
        assert_eq!(s.reduce_max(s.splat(f32::NEG_INFINITY)), f32::NEG_INFINITY);
        // ldexp on x in [0.5, 2): the fast range, overflow, subnormals, deep underflow.
        for &k in &[0.0f32, 3.0, -7.0, 125.0, -125.0, 126.0, 127.0, 128.0, -126.0, -140.0, -149.0, -159.0, -200.0] {
            let x: Vec<f32> = (0..n).map(|i| 0.5 + 1.49 * i as f32 / n as f32).collect();
            let want = each(&|i| (x[i] as f64 * 2f64.powi(k as i32)) as f32);
            // Two registers in one call: a far k sends both down the slow path.
            let [y, y3] = s.ldexp([s.load(&x), s.load(&x)], [s.splat(k), s.splat(3.0)]);
            assert_eq!(out(y), want, "ldexp k = {k}");
            assert_eq!(out(y3), each(&|i| x[i] * 8.0), "ldexp k = 3 next to k = {k}");
        }
        let [y] = s.ldexp([s.splat(f32::NAN)], [s.splat(f32::NAN)]);
        assert!(out(y).iter().all(|v| v.is_nan()));
        // Partial loads and stores touch exactly len lanes.
        for len in 0..n {
            let v = s.load_partial(&a[..len], -7.0);
            let o = out(v);
            assert_eq!(&o[..len], &a[..len]);
            assert!(o[len..].iter().all(|&x| x == -7.0));
            let mut dst = vec![f32::NAN; n];
            s.store_partial(&mut dst[..len], va);
            assert_eq!(&dst[..len], &a[..len]);
            assert!(dst[len..].iter().all(|x| x.is_nan()));
        }
    }

    #[test]
    #[cfg_attr(not(target_arch = "x86_64"), ignore = "AVX2 exists only on x86_64")]
    fn avx2_ops_match_scalar() {
        if crate::testing::available_or_skip(crate::Isa::Avx2Fma, "simd::avx2_ops_match_scalar") {
            #[cfg(target_arch = "x86_64")]
            check_ops(crate::Avx2Fma::new().expect("detected above"));
        }
    }

    #[test]
    #[cfg_attr(not(target_arch = "x86_64"), ignore = "AVX-512 exists only on x86_64")]
    fn avx512_ops_match_scalar() {
        if crate::testing::available_or_skip(crate::Isa::Avx512, "simd::avx512_ops_match_scalar") {
            #[cfg(target_arch = "x86_64")]
            check_ops(crate::Avx512::new().expect("detected above"));
        }
    }

    #[test]
    #[cfg_attr(not(target_arch = "aarch64"), ignore = "NEON exists only on aarch64: CI runs it under qemu")]
    fn neon_ops_match_scalar() {
        if crate::testing::available_or_skip(crate::Isa::Neon, "simd::neon_ops_match_scalar") {
            #[cfg(target_arch = "aarch64")]
            check_ops(crate::Neon::new().expect("detected above"));
        }
    }
}
