//! Every fused SIMD update against the naive oracle, on every ISA by name,
//! on lengths 0..=49 (every tail of every register width), odd offsets, with
//! NaN canaries around θ and the state buffers.

use foundations::testing::{Canary, at_offset, check_prop, grid_f32, offset, tail_len, vec_f32};
use foundations::{Isa, assert_close, per_isa};
use gradient_descent::optim::{self, naive};
use gradient_descent::{AdamParams, MomentumParams, RmsPropParams};
use proptest::prelude::*;

/// One update's inputs: θ, g, two state buffers (the second ≥ 0: a mean of
/// squares), an offset for each of the four buffers, a learning rate, a step number.
#[derive(Clone, Debug)]
struct Case {
    theta: Vec<f32>,
    g: Vec<f32>,
    a: Vec<f32>,
    b: Vec<f32>,
    offs: [usize; 4],
    lr: f64,
    t: u64,
}

fn case() -> impl Strategy<Value = Case> {
    tail_len().prop_flat_map(|n| {
        (
            vec_f32(n),
            vec_f32(n),
            vec_f32(n),
            vec_f32(n),
            [offset(), offset(), offset(), offset()],
            (1i32..=64).prop_map(|k| k as f64 / 128.0),
            1u64..=20,
        )
            .prop_map(|(theta, g, a, b, offs, lr, t)| Case {
                theta,
                g,
                a,
                b: b.iter().map(|x| x.abs()).collect(),
                offs,
                lr,
                t,
            })
    })
}

// Tolerances. FMA rounds once where the oracle rounds twice, and the SIMD
// Adam multiplies by 1/(1 − βᵗ) where the oracle divides: a few ulps per
// buffer (~1e-7 relative). The division by √v̂ + ε can magnify an ulp of m
// by |m̂|/√v̂, a few dozen at most on the 1/64 grid, so 1e-5 (scaled by
// max(1, |want|)) holds with margin; a wrong formula (a missing bias
// correction, a swapped β) moves θ by ≳ lr/100 ≥ 8e-5.
const TOL: f64 = 1e-5;

per_isa! {
    fn sgd_matches_naive(isa) {
        check_prop("sgd", case(), |c| {
            let mut th = Canary::with_values(&c.theta, c.offs[0]);
            let g = at_offset(&c.g, c.offs[1]);
            optim::sgd_update_on(isa, th.inner_mut(), &g[c.offs[1]..], c.lr).unwrap();
            let mut want = c.theta.clone();
            naive::sgd(&mut want, &c.g, c.lr);
            th.assert_intact("sgd theta");
            // θ − η·g: one FMA against a multiply and a subtract: 1 ulp.
            assert_close(th.inner(), &want, 1e-6, "sgd theta");
            Ok(())
        });
    }

    fn momentum_matches_naive(isa) {
        check_prop("momentum", (case(), any::<bool>(), 0i32..=15), |(c, nesterov, b)| {
            let p = MomentumParams { beta: b as f64 / 16.0, nesterov };
            let mut th = Canary::with_values(&c.theta, c.offs[0]);
            let mut u = Canary::with_values(&c.a, c.offs[2]);
            let g = at_offset(&c.g, c.offs[1]);
            optim::momentum_update_on(isa, th.inner_mut(), &g[c.offs[1]..], u.inner_mut(), &p, c.lr).unwrap();
            let (mut want_th, mut want_u) = (c.theta.clone(), c.a.clone());
            naive::momentum(&mut want_th, &c.g, &mut want_u, &p, c.lr);
            th.assert_intact("momentum theta");
            u.assert_intact("momentum u");
            // Two or three roundings differ by FMA: a few ulps of values ≤ 8.
            assert_close(th.inner(), &want_th, 1e-6, "momentum theta");
            assert_close(u.inner(), &want_u, 1e-6, "momentum u");
            Ok(())
        });
    }

    fn rmsprop_matches_naive(isa) {
        check_prop("rmsprop", case(), |c| {
            let p = RmsPropParams::default();
            let mut th = Canary::with_values(&c.theta, c.offs[0]);
            let mut s = Canary::with_values(&c.b, c.offs[3]);
            let g = at_offset(&c.g, c.offs[1]);
            optim::rmsprop_update_on(isa, th.inner_mut(), &g[c.offs[1]..], s.inner_mut(), &p, c.lr).unwrap();
            let (mut want_th, mut want_s) = (c.theta.clone(), c.b.clone());
            naive::rmsprop(&mut want_th, &c.g, &mut want_s, &p, c.lr);
            th.assert_intact("rmsprop theta");
            s.assert_intact("rmsprop s");
            assert_close(th.inner(), &want_th, TOL, "rmsprop theta");
            assert_close(s.inner(), &want_s, 1e-6, "rmsprop s");
            Ok(())
        });
    }

    fn adam_and_adamw_match_naive(isa) {
        check_prop("adam", (case(), 0i32..=4), |(c, wd)| {
            let p = AdamParams { weight_decay: wd as f64 * 0.05, ..AdamParams::default() };
            let mut th = Canary::with_values(&c.theta, c.offs[0]);
            let mut m = Canary::with_values(&c.a, c.offs[2]);
            let mut v = Canary::with_values(&c.b, c.offs[3]);
            let g = at_offset(&c.g, c.offs[1]);
            optim::adam_update_on(isa, th.inner_mut(), &g[c.offs[1]..], m.inner_mut(), v.inner_mut(), &p, c.lr, c.t).unwrap();
            let (mut want_th, mut want_m, mut want_v) = (c.theta.clone(), c.a.clone(), c.b.clone());
            naive::adam(&mut want_th, &c.g, &mut want_m, &mut want_v, &p, c.lr, c.t);
            th.assert_intact("adam theta");
            m.assert_intact("adam m");
            v.assert_intact("adam v");
            assert_close(th.inner(), &want_th, TOL, "adam theta");
            assert_close(m.inner(), &want_m, 1e-6, "adam m");
            assert_close(v.inner(), &want_v, 1e-6, "adam v");
            Ok(())
        });
    }

    fn updates_write_nothing_for_empty_buffers(isa) {
        let p = AdamParams::default();
        let mut th = Canary::new(0, 1, 0.0);
        let mut m = Canary::new(0, 3, 0.0);
        let mut v = Canary::new(0, 2, 0.0);
        optim::adam_update_on(isa, th.inner_mut(), &[], m.inner_mut(), v.inner_mut(), &p, 0.1, 1).unwrap();
        optim::sgd_update_on(isa, th.inner_mut(), &[], 0.1).unwrap();
        th.assert_intact("theta");
        m.assert_intact("m");
        v.assert_intact("v");
    }

    fn one_element_per_tail_length_is_updated(isa) {
        // Each tail length with a recognisable pattern: a dropped or doubled
        // element in the partial load/store shows up as a wrong value.
        for n in 0..=49 {
            let theta: Vec<f32> = (0..n).map(|i| i as f32).collect();
            let g = vec![1.0f32; n];
            let mut th = Canary::with_values(&theta, n % 4);
            optim::sgd_update_on(isa, th.inner_mut(), &g, 0.5).unwrap();
            let want: Vec<f32> = (0..n).map(|i| i as f32 - 0.5).collect();
            th.assert_intact("theta");
            assert_eq!(th.inner(), &want[..], "n = {n}");
        }
    }
}

#[test]
fn grid_strategy_is_in_range() {
    // The tolerances above rely on |values| ≤ 4.
    check_prop("grid", grid_f32(), |x| {
        prop_assert!(x.abs() <= 4.0);
        Ok(())
    });
    let _ = Isa::active();
}
