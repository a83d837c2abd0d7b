//! The row kernels (every rung) against the naive oracle on every ISA:
//! tail-breaking C (0..=49 and large), odd offsets, NaN canaries.

use foundations::testing::{CANARY, Canary, at_offset, check_prop, offset, tail_len};
use foundations::{assert_close, per_isa};
use losses::softmax::{self, Rung, naive};
use proptest::prelude::*;

/// (N, C, logits, input offset, output offset): N in 1..=3, C in 1..=49,
/// logits on a grid of 1/8 in [−16, 16] (wide enough that e^x spans 14 decades).
fn batch() -> impl Strategy<Value = (usize, usize, Vec<f32>, usize, usize)> {
    (1usize..=3, tail_len().prop_map(|c| c.max(1))).prop_flat_map(|(n, c)| {
        let x = proptest::collection::vec((-128i32..=128).prop_map(|i| i as f32 / 8.0), n * c);
        (Just(n), Just(c), x, offset(), offset())
    })
}

/// Deterministic logits for large C: a spread of values with one clear maximum.
fn big_logits(n: usize, c: usize) -> Vec<f32> {
    (0..n * c).map(|i| ((i * 7919 % 1000) as f32 - 500.0) / 37.0).collect()
}

// Probabilities are ≤ 1: an absolute error of 1e-6 is a few ulp of the
// largest ones (exp is 2 ulp, the sum is reordered across lanes).
const P_TOL: f64 = 1e-6;
// log-softmax values reach ~40 in magnitude here; assert_close is relative
// above 1, and lse carries ~1 ulp of its own on top of exp's error.
const LOGP_TOL: f64 = 2e-6;

fn labels_for(n: usize, c: usize) -> Vec<usize> {
    (0..n).map(|i| (i * 5 + 3) % c).collect()
}

per_isa! {
    fn softmax_rungs_match_naive(isa) {
        for rung in Rung::ALL {
            check_prop("softmax", batch(), |(n, c, x, ox, oo)| {
                let bx = at_offset(&x, ox);
                let mut out = Canary::new(n * c, oo, CANARY);
                softmax::softmax_rows_on(isa, rung, out.inner_mut(), &bx[ox..], n, c).unwrap();
                out.assert_intact(rung.name());
                let mut want = vec![0.0; n * c];
                naive::softmax_rows(&mut want, &x, n, c);
                assert_close(out.inner(), &want, P_TOL, rung.name());
                Ok(())
            });
        }
    }

    fn log_softmax_and_lse_rungs_match_naive(isa) {
        for rung in Rung::ALL {
            check_prop("log_softmax", batch(), |(n, c, x, ox, oo)| {
                let bx = at_offset(&x, ox);
                let mut out = Canary::new(n * c, oo, CANARY);
                softmax::log_softmax_rows_on(isa, rung, out.inner_mut(), &bx[ox..], n, c).unwrap();
                out.assert_intact(rung.name());
                let mut want = vec![0.0; n * c];
                naive::log_softmax_rows(&mut want, &x, n, c);
                assert_close(out.inner(), &want, LOGP_TOL, rung.name());
                let mut lse = Canary::new(n, oo, CANARY);
                softmax::log_sum_exp_rows_on(isa, rung, lse.inner_mut(), &bx[ox..], n, c).unwrap();
                lse.assert_intact("lse");
                let mut want = vec![0.0; n];
                naive::log_sum_exp_rows(&mut want, &x, n, c);
                assert_close(lse.inner(), &want, LOGP_TOL, "lse");
                Ok(())
            });
        }
    }

    fn fused_xent_rungs_match_naive(isa) {
        for rung in Rung::ALL {
            check_prop("softmax_xent", batch(), |(n, c, x, ox, oo)| {
                let bx = at_offset(&x, ox);
                let labels = labels_for(n, c);
                let mut p = Canary::new(n * c, oo, CANARY);
                let mut loss = Canary::new(n, oo, CANARY);
                softmax::softmax_xent_rows_on(isa, rung, p.inner_mut(), loss.inner_mut(), &bx[ox..], &labels, n, c).unwrap();
                p.assert_intact("p");
                loss.assert_intact("loss");
                let (mut wp, mut wl) = (vec![0.0; n * c], vec![0.0; n]);
                naive::softmax_xent_rows(&mut wp, &mut wl, &x, &labels, n, c);
                assert_close(p.inner(), &wp, P_TOL, "p");
                assert_close(loss.inner(), &wl, LOGP_TOL, "loss");
                Ok(())
            });
        }
    }

    fn backward_kernels_match_naive_and_accumulate(isa) {
        check_prop("softmax_backward", batch(), |(n, c, x, ox, oo)| {
            let mut y = vec![0.0; n * c];
            naive::softmax_rows(&mut y, &x, n, c);
            let dy: Vec<f32> = x.iter().map(|v| (v * 0.37).sin()).collect();
            let start: Vec<f32> = (0..n * c).map(|i| i as f32 * 0.01).collect();
            let (by, bdy) = (at_offset(&y, ox), at_offset(&dy, ox));
            // softmax backward: dx starts non-zero to check accumulation.
            let mut dx = Canary::with_values(&start, oo);
            softmax::softmax_rows_backward_on(isa, dx.inner_mut(), &by[ox..], &bdy[ox..], n, c).unwrap();
            dx.assert_intact("softmax_backward");
            let mut want = start.clone();
            naive::softmax_rows_backward(&mut want, &y, &dy, n, c);
            assert_close(dx.inner(), &want, P_TOL, "softmax_backward");
            // log-softmax backward.
            let mut ly = vec![0.0; n * c];
            naive::log_softmax_rows(&mut ly, &x, n, c);
            let bly = at_offset(&ly, ox);
            let mut dx = Canary::with_values(&start, oo);
            softmax::log_softmax_rows_backward_on(isa, dx.inner_mut(), &bly[ox..], &bdy[ox..], n, c).unwrap();
            dx.assert_intact("log_softmax_backward");
            let mut want = start.clone();
            naive::log_softmax_rows_backward(&mut want, &ly, &dy, n, c);
            // Σdy over ≤ 49 terms of size ≤ 1 times e^y: a few ulp of ~50.
            assert_close(dx.inner(), &want, 1e-5, "log_softmax_backward");
            Ok(())
        });
    }

    fn large_rows_match_naive(isa) {
        for (n, c) in [(2, 1000), (1, 4099), (1, 32768)] {
            let x = big_logits(n, c);
            let mut want = vec![0.0; n * c];
            naive::softmax_rows(&mut want, &x, n, c);
            for rung in Rung::ALL {
                let mut out = Canary::new(n * c, 1, CANARY);
                softmax::softmax_rows_on(isa, rung, out.inner_mut(), &x, n, c).unwrap();
                out.assert_intact(rung.name());
                // Probabilities of order 1/C: absolute 1e-7 is still relative 1e-4 at C = 1000
                // and catches any dropped block (which shifts every value by ≥ 1/C·(block share)).
                assert_close(out.inner(), &want, 1e-7, rung.name());
                let sums: Vec<f32> = out.inner().chunks(c).map(|r| r.iter().sum()).collect();
                assert_close(&sums, &vec![1.0; n], 1e-4, "row sums");
            }
        }
    }

    fn errors_are_clear(isa) {
        let mut out = [0.0f32; 6];
        let e = softmax::softmax_rows_on(isa, Rung::V1ThreePass, &mut out, &[0.0; 5], 2, 3).unwrap_err();
        assert!(e.to_string().contains("x has 5 elements but (N, C) = (2, 3) needs 6"), "{e}");
        let e = softmax::softmax_rows_on(isa, Rung::V2Online, &mut [], &[], 2, 0).unwrap_err();
        assert!(e.to_string().contains("C = 0"), "{e}");
        let (mut p, mut l) = ([0.0f32; 6], [0.0f32; 2]);
        let e = softmax::softmax_xent_rows_on(isa, Rung::V1ThreePass, &mut p, &mut l, &[0.0; 6], &[1, 3], 2, 3).unwrap_err();
        assert!(e.to_string().contains("label 3 at row 1 is outside 0..3"), "{e}");
        // N = 0 is an empty matrix: nothing to do, not an error, for the row kernels.
        softmax::softmax_rows_on(isa, Rung::V1ThreePass, &mut [], &[], 0, 4).unwrap();
    }

    fn extreme_logits_stay_finite(isa) {
        // ±1e4: without the max subtraction e^1e4 = ∞ and ∞/∞ = NaN.
        let x = [1e4f32, -1e4, 0.0, 1e4 - 1.0, -1e4, 1e4];
        for rung in Rung::ALL {
            let mut out = [0.0f32; 6];
            softmax::softmax_rows_on(isa, rung, &mut out, &x, 2, 3).unwrap();
            assert!(out.iter().all(|v| v.is_finite()), "{rung:?}: {out:?}");
            let mut lse = [0.0f32; 2];
            softmax::log_sum_exp_rows_on(isa, rung, &mut lse, &x, 2, 3).unwrap();
            assert!(lse.iter().all(|v| v.is_finite()), "{rung:?}: {lse:?}");
        }
    }
}
