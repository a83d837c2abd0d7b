//! tanh and σ: SIMD against f64 within the documented bounds (a dense
//! sweep and saturation), SIMD against the naive oracle on every ISA with
//! tails, offsets and canaries.

use foundations::testing::{Canary, at_offset, check_prop, offset, tail_len, vec_f32};
use foundations::{Isa, assert_close, per_isa};
use proptest::prelude::*;
use rnn::act::{self, SIGMOID_ABS_ERR, TANH_ABS_ERR, naive};

/// Every 1/4096 over [−20, 20] plus the points around the clamps and 0.
fn sweep() -> Vec<f32> {
    let mut x: Vec<f32> = (-20 * 4096..=20 * 4096).map(|i| i as f32 / 4096.0).collect();
    for c in [7.905_311f32, 9.0, 4e-4, 1e-6, 1e-30] {
        for s in [-1.0f32, 1.0] {
            x.extend([s * c, s * c * (1.0 + f32::EPSILON), s * c * (1.0 - f32::EPSILON)]);
        }
    }
    x
}

fn max_abs_err(got: &[f32], f: impl Fn(f64) -> f64, x: &[f32]) -> (f64, f32) {
    got.iter()
        .zip(x)
        .map(|(&g, &x)| ((g as f64 - f(x as f64)).abs(), x))
        .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a })
}

per_isa! {
    fn tanh_within_documented_bound_of_f64(isa) {
        let x = sweep();
        let mut y = vec![0.0; x.len()];
        act::tanh_on(isa, &mut y, &x).unwrap();
        let (err, at) = max_abs_err(&y, f64::tanh, &x);
        eprintln!("tanh {isa}: max |error| vs f64 = {err:.3e} at x = {at}");
        assert!(err <= TANH_ABS_ERR, "tanh on {isa}: error {err:e} at x = {at} exceeds {TANH_ABS_ERR:e}");
        // Odd symmetry, and |tanh| ≤ 1.
        for (i, &v) in y.iter().enumerate() {
            assert!(v.abs() <= 1.0, "|tanh({})| = {v} > 1", x[i]);
        }
    }

    fn sigmoid_within_documented_bound_of_f64(isa) {
        let x = sweep();
        let mut y = vec![0.0; x.len()];
        act::sigmoid_on(isa, &mut y, &x).unwrap();
        let (err, at) = max_abs_err(&y, |v| 1.0 / (1.0 + (-v).exp()), &x);
        eprintln!("sigmoid {isa}: max |error| vs f64 = {err:.3e} at x = {at}");
        assert!(err <= SIGMOID_ABS_ERR, "sigmoid on {isa}: error {err:e} at x = {at} exceeds {SIGMOID_ABS_ERR:e}");
        assert!(y.iter().all(|&v| (0.0..=1.0).contains(&v)));
    }

    fn saturation_gives_exact_limits_and_nan_stays_nan(isa) {
        let x = [1e4f32, -1e4, f32::INFINITY, f32::NEG_INFINITY, f32::MAX, -f32::MAX, 10.0, -10.0, 50.0, -50.0];
        let mut t = [0.0f32; 10];
        let mut s = [0.0f32; 10];
        act::tanh_on(isa, &mut t, &x).unwrap();
        act::sigmoid_on(isa, &mut s, &x).unwrap();
        assert_eq!(t, [1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0], "tanh saturates to exactly ±1");
        // σ(x) = ½ + ½·tanh(x/2): σ(±10) is not yet saturated, everything else is.
        // (The scalar oracle's σ(−50) is 1.9·10⁻²², the SIMD kernels' exactly 0.)
        let got = [s[0], s[1], s[2], s[3], s[4], s[5], s[8], s[9]];
        assert_close(&got, &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0], 1e-21, "σ saturates");
        let nan = [f32::NAN; 3];
        act::tanh_on(isa, &mut t[..3], &nan).unwrap();
        act::sigmoid_on(isa, &mut s[..3], &nan).unwrap();
        assert!(t[..3].iter().chain(&s[..3]).all(|v| v.is_nan()), "NaN in, NaN out");
        // Tiny inputs: tanh(x) = x exactly, no loss of relative accuracy.
        let tiny = [1e-30f32, -1e-20, 3e-4];
        act::tanh_on(isa, &mut t[..3], &tiny).unwrap();
        assert_eq!(&t[..2], &tiny[..2]);
        assert_close(&t[2..3], &[3e-4f32.tanh()], 1e-10, "tanh(3e-4)");
    }

    fn tanh_and_sigmoid_match_naive_on_tails(isa) {
        check_prop("act", (tail_len().prop_flat_map(vec_f32), offset(), offset()), |(x, ox, oo)| {
            let bx = at_offset(&x, ox);
            let x4: Vec<f32> = x.iter().map(|v| v * 4.0).collect(); // grid on [−16, 16]: saturates too
            let bx4 = at_offset(&x4, ox);
            for (input, buf) in [(&x, &bx), (&x4, &bx4)] {
                let mut want = vec![0.0f32; input.len()];
                naive::tanh(&mut want, input);
                let mut out = Canary::new(input.len(), oo, foundations::testing::CANARY);
                act::tanh_on(isa, out.inner_mut(), &buf[ox..]).unwrap();
                // The rational approximation against std's tanh: the documented bound
                // plus the oracle's own f32 rounding (half an ulp of 1).
                assert_close(out.inner(), &want, TANH_ABS_ERR + 6e-8, "tanh");
                out.assert_intact("tanh");
                naive::sigmoid(&mut want, input);
                let mut out = Canary::new(input.len(), oo, foundations::testing::CANARY);
                act::sigmoid_on(isa, out.inner_mut(), &buf[ox..]).unwrap();
                assert_close(out.inner(), &want, SIGMOID_ABS_ERR + 6e-8, "sigmoid");
                out.assert_intact("sigmoid");
            }
            Ok(())
        });
    }
}

#[test]
fn length_mismatch_is_an_error() {
    let mut out = [0.0f32; 3];
    assert!(act::tanh_on(Isa::Scalar, &mut out, &[1.0; 4]).unwrap_err().to_string().contains("tanh"));
    assert!(act::sigmoid(&mut out, &[1.0; 2]).is_err());
}
