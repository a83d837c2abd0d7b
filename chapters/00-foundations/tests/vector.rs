//! Every vector kernel against the naive oracle, on every ISA by name, on
//! lengths 0..=49 (every tail of every register width), odd offsets, with
//! NaN canaries around outputs.

use foundations::testing::{Canary, at_offset, check_prop, offset, tail_len, vec_f32};
use foundations::vector::{self, naive};
use foundations::{Isa, assert_close, per_isa};
use proptest::prelude::*;

/// Two vectors of equal length and a start offset for each. Half the cases
/// are short (every tail of every register width), half long enough to
/// run the unrolled loops several times (dot unrolls 8 × 16 lanes = 128).
fn two_vectors() -> impl Strategy<Value = (Vec<f32>, Vec<f32>, usize, usize)> {
    prop_oneof![tail_len(), 50usize..=400].prop_flat_map(|n| (vec_f32(n), vec_f32(n), offset(), offset()))
}

// Reductions are compared with the oracle run in f64, which is exact here
// (grid values are multiples of 1/64, products of 1/4096, sums of ≤ 400 of
// them fit in 53 bits). What remains is the kernel's own f32 rounding,
// about √n·ε·|sum| for random signs: ~1e-6 relative. 1e-5 of max(1, |want|)
// leaves a margin of 10 and still fails a dropped or doubled element of
// typical size (|xᵢyᵢ| ≈ 1 against |want| ≈ 100).
const SUM_TOL: f64 = 1e-5;

fn f64s(x: &[f32]) -> Vec<f64> {
    x.iter().map(|&v| v as f64).collect()
}

per_isa! {
    fn dot_matches_naive(isa) {
        check_prop("dot", two_vectors(), |(x, y, ox, oy)| {
            let (bx, by) = (at_offset(&x, ox), at_offset(&y, oy));
            let got = vector::dot_on(isa, &bx[ox..], &by[oy..]).unwrap();
            assert_close(&[got as f64], &[naive::dot(&f64s(&x), &f64s(&y))], SUM_TOL, "dot");
            Ok(())
        });
    }

    fn sum_matches_naive(isa) {
        check_prop("sum", two_vectors(), |(x, _, ox, _)| {
            let bx = at_offset(&x, ox);
            assert_close(&[vector::sum_on(isa, &bx[ox..]).unwrap() as f64], &[naive::sum(&f64s(&x))], SUM_TOL, "sum");
            Ok(())
        });
    }

    fn max_matches_naive(isa) {
        check_prop("max", two_vectors(), |(x, _, ox, _)| {
            let bx = at_offset(&x, ox);
            // A maximum is exact: no tolerance.
            assert_close(&[vector::max_on(isa, &bx[ox..]).unwrap()], &[naive::max(&x)], 0.0, "max");
            Ok(())
        });
    }

    fn max_propagates_nan_from_any_position(isa) {
        for n in 1..=49 {
            for at in [0, n / 2, n - 1] {
                let mut x: Vec<f32> = (0..n).map(|i| i as f32).collect();
                x[at] = f32::NAN;
                assert!(vector::max_on(isa, &x).unwrap().is_nan(), "max of length {n} with NaN at {at}");
            }
        }
        assert_eq!(vector::max_on(isa, &[]).unwrap(), f32::NEG_INFINITY);
    }

    fn axpy_matches_naive(isa) {
        check_prop("axpy", (two_vectors(), -8i32..=8), |((x, y, ox, oy), a)| {
            let alpha = a as f32 / 4.0;
            let mut want = y.clone();
            naive::axpy(&mut want, alpha, &x);
            let bx = at_offset(&x, ox);
            let mut out = Canary::with_values(&y, oy);
            vector::axpy_on(isa, out.inner_mut(), alpha, &bx[ox..]).unwrap();
            // FMA rounds once, the oracle twice: one ulp of the result.
            assert_close(out.inner(), &want, 1e-6, "axpy");
            out.assert_intact("axpy");
            Ok(())
        });
    }

    fn scale_matches_naive(isa) {
        check_prop("scale", (two_vectors(), -8i32..=8), |((x, _, ox, _), a)| {
            let alpha = a as f32 / 4.0;
            let mut want = x.clone();
            naive::scale(&mut want, alpha);
            let mut out = Canary::with_values(&x, ox);
            vector::scale_on(isa, out.inner_mut(), alpha).unwrap();
            assert_close(out.inner(), &want, 0.0, "scale");
            out.assert_intact("scale");
            Ok(())
        });
    }

    fn add_and_mul_match_naive(isa) {
        check_prop("add/mul", two_vectors(), |(x, y, ox, oy)| {
            let n = x.len();
            let (bx, by) = (at_offset(&x, ox), at_offset(&y, oy));
            for (name, kernel, oracle) in [
                ("add", vector::add_on as fn(Isa, &mut [f32], &[f32], &[f32]) -> _, naive::add::<f32> as fn(&mut [f32], &[f32], &[f32])),
                ("mul", vector::mul_on, naive::mul::<f32>),
            ] {
                let mut want = vec![0.0; n];
                oracle(&mut want, &x, &y);
                // The output starts as canaries too: add/mul must write, never read, it.
                let mut out = Canary::new(n, (ox + oy) % 4, foundations::testing::CANARY);
                kernel(isa, out.inner_mut(), &bx[ox..], &by[oy..]).unwrap();
                assert_close(out.inner(), &want, 0.0, name);
                out.assert_intact(name);
            }
            Ok(())
        });
    }

    fn length_mismatch_is_an_error(isa) {
        let err = vector::dot_on(isa, &[1.0, 2.0], &[1.0]).unwrap_err();
        assert_eq!(err.to_string(), "dot: x has 2 elements but y has 1");
        assert!(vector::axpy_on(isa, &mut [0.0; 3], 1.0, &[1.0; 2]).is_err());
        assert!(vector::add_on(isa, &mut [0.0; 3], &[1.0; 3], &[1.0; 4]).is_err());
        assert!(vector::mul_on(isa, &mut [0.0; 2], &[1.0; 3], &[1.0; 3]).is_err());
    }
}

#[test]
fn closed_form_values() {
    // x = (1, 2, 3), y = (4, −5, 6): x·y = 4 − 10 + 18 = 12; Σx = 6; max y = 6.
    let (x, y) = ([1.0f32, 2.0, 3.0], [4.0f32, -5.0, 6.0]);
    assert_eq!(vector::dot(&x, &y).unwrap(), 12.0);
    assert_eq!(vector::sum(&x), 6.0);
    assert_eq!(vector::max(&y), 6.0);
    let mut z = y;
    vector::axpy(&mut z, 2.0, &x).unwrap(); // 2·(1,2,3) + (4,−5,6) = (6, −1, 12)
    assert_eq!(z, [6.0, -1.0, 12.0]);
}

#[test]
fn unavailable_isa_is_an_error_not_a_crash() {
    let missing = Isa::ALL.into_iter().find(|i| !i.is_available());
    if let Some(isa) = missing {
        let err = vector::dot_on(isa, &[1.0], &[1.0]).unwrap_err().to_string();
        assert!(err.contains("not available"), "{err}");
    }
}
