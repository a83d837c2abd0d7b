//! The vectorized exp against f64 `exp` on every ISA: a dense deterministic
//! sweep of f32 bit patterns over [−87, 88], the edge values, tails and
//! canaries.

use foundations::testing::{Canary, at_offset, check_prop, offset, tail_len, vec_f32};
use foundations::{Isa, assert_close, per_isa};
use losses::exp::{self, MAX_ULP, exp_f32, exp_slice_on, ulp_error};
use proptest::prelude::*;

/// Every `STRIDE`-th f32 bit pattern in [−87, 88]: about 23 million points
/// (the example `figures` checks all 2.2 billion).
const STRIDE: u32 = 97;

/// Runs exp on `isa` over `xs` in blocks and returns the worst (ulp, x).
fn worst_ulp(isa: Isa, xs: impl Iterator<Item = f32>) -> (f64, f32) {
    let mut worst = (0.0, 0.0);
    let mut buf = Vec::with_capacity(4096);
    let mut out = vec![0.0; 4096];
    let mut flush = |buf: &mut Vec<f32>, worst: &mut (f64, f32)| {
        let o = &mut out[..buf.len()];
        exp_slice_on(isa, o, buf).unwrap();
        for (&g, &x) in o.iter().zip(buf.iter()) {
            let e = ulp_error(g, (x as f64).exp());
            if e > worst.0 {
                *worst = (e, x);
            }
        }
        buf.clear();
    };
    for x in xs {
        buf.push(x);
        if buf.len() == 4096 {
            flush(&mut buf, &mut worst);
        }
    }
    flush(&mut buf, &mut worst);
    worst
}

/// f32 values of [lo, hi] (lo ≤ 0 ≤ hi) by bit pattern, every `stride`-th.
fn sweep(lo: f32, hi: f32, stride: u32) -> impl Iterator<Item = f32> {
    let pos = (0..=hi.to_bits()).step_by(stride as usize).map(f32::from_bits);
    let neg = ((-0.0f32).to_bits()..=lo.to_bits()).step_by(stride as usize).map(f32::from_bits);
    pos.chain(neg)
}

/// Edge values: specials, the overflow and underflow thresholds and their
/// neighbours, the subnormal range, the reduction's interval ends.
fn edges() -> Vec<f32> {
    let mut v = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        f32::EPSILON,
        std::f32::consts::LN_2 / 2.0,
        -std::f32::consts::LN_2 / 2.0,
        88.0,
        -87.0,
        88.72283,
        88.722_84,
        88.8,
        89.0,
        100.0,
        -87.33655,
        -87.5,
        -90.0,
        -100.0,
        -103.0,
        -103.97,
        -103.98,
        -104.0,
        -110.0,
        -200.0,
        1e-30,
        -1e-30,
    ];
    // Neighbours of the thresholds by bit pattern.
    for t in [88.72283f32, -87.33655, -103.972_08, 88.0, -87.0] {
        for d in 1..=3u32 {
            v.push(f32::from_bits(t.to_bits() + d));
            v.push(f32::from_bits(t.to_bits() - d));
        }
    }
    // The subnormal output range, densely.
    v.extend((0..2000).map(|i| -87.0 - 17.0 * i as f32 / 2000.0));
    v
}

per_isa! {
    fn exp_within_ulp_bound_on_dense_sweep(isa) {
        let (e, x) = worst_ulp(isa, sweep(-87.0, 88.0, STRIDE));
        assert!(e <= MAX_ULP, "{isa}: exp({x:e}) is {e} ulp off (bound {MAX_ULP})");
    }

    fn exp_edge_values(isa) {
        let xs = edges();
        let mut out = vec![0.0; xs.len()];
        exp_slice_on(isa, &mut out, &xs).unwrap();
        for (&x, &g) in xs.iter().zip(&out) {
            let e = ulp_error(g, (x as f64).exp());
            assert!(e <= MAX_ULP, "{isa}: exp({x:e}) = {g:e}, want {:e}: {e} ulp", (x as f64).exp());
        }
        let specials = [f32::NEG_INFINITY, f32::INFINITY, f32::NAN, 88.8, -110.0, -1e30, 1e30, -0.0];
        let mut out = [1.0f32; 8];
        exp_slice_on(isa, &mut out, &specials).unwrap();
        assert_eq!(out[0], 0.0, "exp(-inf)");
        assert_eq!(out[1], f32::INFINITY, "exp(+inf)");
        assert!(out[2].is_nan(), "exp(NaN)");
        assert_eq!(out[3], f32::INFINITY, "exp(88.8) overflows");
        assert_eq!(out[4], 0.0, "exp(-110) underflows");
        assert_eq!(out[5], 0.0, "exp(-1e30)");
        assert_eq!(out[6], f32::INFINITY, "exp(1e30)");
        assert_eq!(out[7], 1.0, "exp(-0)");
    }

    fn exp_tails_offsets_canaries(isa) {
        check_prop("exp", tail_len().prop_flat_map(|n| (vec_f32(n), offset(), offset())), |(x, ox, oo)| {
            // Spread the grid [−4, 4] over [−80, 80].
            let x: Vec<f32> = x.iter().map(|v| v * 20.0).collect();
            let bx = at_offset(&x, ox);
            let mut out = Canary::new(x.len(), oo, 0.0);
            exp_slice_on(isa, out.inner_mut(), &bx[ox..]).unwrap();
            out.assert_intact("exp");
            let mut want = vec![0.0; x.len()];
            exp::naive::exp_slice(&mut want, &x);
            // 2 ulp is at most 2.4e-7 relative.
            assert_close(out.inner(), &want, 2.5e-7, "exp");
            Ok(())
        });
    }

    fn exp_rejects_length_mismatch(isa) {
        let err = exp_slice_on(isa, &mut [0.0; 3], &[0.0; 4]).unwrap_err();
        assert!(err.to_string().contains("out has 3 elements but x has 4"), "{err}");
    }
}

#[test]
fn scalar_algorithm_matches_simd_bound_and_is_exact_at_zero() {
    assert_eq!(exp_f32(0.0), 1.0);
    assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
    assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
    assert!(exp_f32(f32::NAN).is_nan());
    // Hand-checked: e^1 = 2.7182817 (f32), e^-1 = 0.36787945.
    assert_eq!(exp_f32(1.0), std::f32::consts::E);
    assert_eq!(exp_f32(-1.0), 0.367_879_45);
}

#[test]
fn ulp_error_counts_spacing() {
    // 1 + 2^-23 is one ulp above 1.
    assert_eq!(ulp_error(1.0 + f32::EPSILON, 1.0), 1.0);
    // Subnormal spacing is 2^-149.
    assert_eq!(ulp_error(f32::from_bits(3), f32::from_bits(1) as f64), 2.0);
    assert_eq!(ulp_error(f32::INFINITY, 1e39), 0.0);
    assert_eq!(ulp_error(f32::INFINITY, 1e30), f64::INFINITY);
}
