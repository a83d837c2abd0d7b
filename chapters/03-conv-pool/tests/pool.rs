//! Pooling: SIMD against the oracle on every ISA, gradient checks, the
//! tie rule, properties, bad input.

mod common;

use common::{distinct, grid, grid32};
use conv_pool::layers::{AvgPool2d, MaxPool2d};
use conv_pool::pool::{self, PoolDims, naive};
use foundations::gradcheck::{Config, check_layer};
use foundations::testing::{CANARY, Canary, assert_close, check_prop};
use foundations::{Layer, per_isa};
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;

/// Channels around 4, 8 and 16 lanes (0..=49 covers every tail), odd sizes,
/// windows and strides up to 3.
fn dims_strategy() -> impl Strategy<Value = (PoolDims, u64, usize)> {
    (
        1usize..=2,
        (1usize..=9, 1usize..=9, 1usize..=49),
        (1usize..=3, 1usize..=3),
        (1usize..=3, 1usize..=3),
        any::<u64>(),
        0usize..=3,
    )
        .prop_filter_map("window larger than input", |(n, hwc, win, s, seed, off)| {
            PoolDims::new("test", n, hwc, win, s).ok().map(|d| (d, seed, off))
        })
}

per_isa! {
    fn pool_simd_matches_naive(isa) {
        check_prop("pooling simd", dims_strategy(), |(d, seed, off)| {
            let x = grid32(d.x_len(), seed);
            // Max: exact (no arithmetic, only comparisons).
            let mut want = vec![0.0; d.y_len()];
            naive::max_pool2d_forward(&mut want, &x, &d);
            let mut y = Canary::new(d.y_len(), off, CANARY);
            pool::max_pool2d_forward_on(isa, y.inner_mut(), &x, &d).unwrap();
            assert_close(y.inner(), &want, 0.0, "max y");
            y.assert_intact("max y");
            // Average: the same additions in the same order per lane, then one
            // multiply: exact too.
            naive::avg_pool2d_forward(&mut want, &x, &d);
            let mut y = Canary::new(d.y_len(), off, CANARY);
            pool::avg_pool2d_forward_on(isa, y.inner_mut(), &x, &d).unwrap();
            assert_close(y.inner(), &want, 0.0, "avg y");
            y.assert_intact("avg y");
            // Average backward accumulates onto what dx held.
            let dy = grid32(d.y_len(), seed ^ 1);
            let dx0 = grid32(d.x_len(), seed ^ 2);
            let mut want = dx0.clone();
            naive::avg_pool2d_backward(&mut want, &dy, &d);
            let mut dx = Canary::with_values(&dx0, off);
            pool::avg_pool2d_backward_on(isa, dx.inner_mut(), &dy, &d).unwrap();
            // Tolerance 1e-6: overlapping windows add in the same order, but
            // the oracle multiplies dy·inv once per element too, so it is
            // exact in practice; the margin covers FMA contraction.
            assert_close(dx.inner(), &want, 1e-6, "avg dx");
            dx.assert_intact("avg dx");
            // Max backward: grid values tie often (129 levels), so this also
            // checks the first-in-scan-order rule; then again with NaNs in x.
            let mut x = x;
            for round in 0..2 {
                let mut want = dx0.clone();
                naive::max_pool2d_backward(&mut want, &x, &dy, &d);
                let mut dx = Canary::with_values(&dx0, off);
                pool::max_pool2d_backward_on(isa, dx.inner_mut(), &x, &dy, &d).unwrap();
                assert_close(dx.inner(), &want, 0.0, &format!("max dx, round {round}"));
                dx.assert_intact("max dx");
                let mut want = vec![0.0; d.y_len()];
                naive::max_pool2d_forward(&mut want, &x, &d);
                let mut y = vec![0.0; d.y_len()];
                pool::max_pool2d_forward_on(isa, &mut y, &x, &d).unwrap();
                assert_close(&y, &want, 0.0, "max y with NaN");
                for v in x.iter_mut().step_by(7) {
                    *v = f32::NAN;
                }
            }
            Ok(())
        });
    }
}

#[test]
fn gradcheck_pool_layers() {
    // Max pooling: inputs are a shuffled permutation (common::distinct), so
    // every window's maximum is unique and at least 2/len above the
    // runner-up, far beyond h = 1e-5: the arg-max never flips.
    // Average pooling is linear: any input.
    for ((n, h, w, c), win, s) in [
        ((2, 4, 4, 3), (2, 2), (2, 2)),
        ((1, 5, 7, 2), (2, 3), (2, 2)),
        ((1, 5, 5, 2), (3, 3), (1, 1)),
        ((2, 7, 6, 1), (3, 2), (2, 3)),
    ] {
        let len = n * h * w * c;
        let x = ArrayD::from_shape_vec(IxDyn(&[n, h, w, c]), distinct(len, 5)).unwrap();
        let mut max = MaxPool2d::<f64>::new(win, s).unwrap();
        check_layer(&mut max, &x, &Config::default()).unwrap().assert_passed(&max.name());
        let mut avg = AvgPool2d::<f64>::new(win, s).unwrap();
        check_layer(&mut avg, &x, &Config::default()).unwrap().assert_passed(&avg.name());
    }
}

#[test]
fn max_pool_ties_go_to_the_first_in_scan_order() {
    // One 2×2 window, all equal: the gradient goes to (0, 0) only.
    let d = PoolDims::new("t", 1, (2, 2, 1), (2, 2), (2, 2)).unwrap();
    let mut dx = vec![0.0; 4];
    naive::max_pool2d_backward(&mut dx, &[3.0, 3.0, 3.0, 3.0], &[1.0], &d);
    assert_eq!(dx, vec![1.0, 0.0, 0.0, 0.0]);
    // Tie between (0, 1) and (1, 0): (0, 1) comes first (row 0 before row 1).
    let mut dx = vec![0.0; 4];
    naive::max_pool2d_backward(&mut dx, &[1.0, 5.0, 5.0, 2.0], &[1.0], &d);
    assert_eq!(dx, vec![0.0, 1.0, 0.0, 0.0]);
}

#[test]
fn closed_form_max_and_avg() {
    // x (4×4, one channel), 2×2 windows, stride 2:
    //   1  2 | 5 0        max: 4 5     avg: 2.5 2.5
    //   3  4 | 1 6              9 8          6.5 4.5
    //   ----------
    //   9  8 | 7 2
    //   5  4 | 1 8
    // Backward with dy = [1 2; 3 4]: max sends each dy to its window's maximum,
    // avg spreads dy/4 over the window.
    let d = PoolDims::new("t", 1, (4, 4, 1), (2, 2), (2, 2)).unwrap();
    let x = [1.0, 2.0, 5.0, 0.0, 3.0, 4.0, 1.0, 6.0, 9.0, 8.0, 7.0, 2.0, 5.0, 4.0, 1.0, 8.0];
    let mut y = vec![0.0; 4];
    naive::max_pool2d_forward(&mut y, &x, &d);
    assert_eq!(y, vec![4.0, 6.0, 9.0, 8.0]);
    naive::avg_pool2d_forward(&mut y, &x, &d);
    assert_eq!(y, vec![2.5, 3.0, 6.5, 4.5]);
    let mut dx = vec![0.0; 16];
    naive::max_pool2d_backward(&mut dx, &x, &[1.0, 2.0, 3.0, 4.0], &d);
    assert_eq!(dx, vec![0., 0., 0., 0., 0., 1., 0., 2., 3., 0., 0., 0., 0., 0., 0., 4.]);
    let mut dx = vec![0.0; 16];
    naive::avg_pool2d_backward(&mut dx, &[1.0, 2.0, 3.0, 4.0], &d);
    assert_eq!(dx[..4], [0.25, 0.25, 0.5, 0.5]);
    assert_eq!(dx[12..], [0.75, 0.75, 1.0, 1.0]);
}

#[test]
fn properties() {
    check_prop("avg of a constant; max ≥ avg", (dims_strategy(), -64i32..=64), |((d, seed, _), v)| {
        let v = v as f64 / 8.0;
        let mut y = vec![0.0; d.y_len()];
        naive::avg_pool2d_forward(&mut y, &vec![v; d.x_len()], &d);
        // Tolerance 1e-15: a sum of ≤ 9 copies of v times 1/9 rounds.
        assert_close(&y, &vec![v; d.y_len()], 1e-15, "avg of a constant");
        let x = grid(d.x_len(), seed);
        let (mut mx, mut av) = (vec![0.0; d.y_len()], vec![0.0; d.y_len()]);
        naive::max_pool2d_forward(&mut mx, &x, &d);
        naive::avg_pool2d_forward(&mut av, &x, &d);
        for (m, a) in mx.iter().zip(&av) {
            prop_assert!(m + 1e-12 >= *a, "max {m} < avg {a}");
        }
        Ok(())
    });
}

#[test]
fn keras_floor_sizes() {
    let d = PoolDims::new("max_pool2d", 1, (13, 13, 32), (2, 2), (2, 2)).unwrap();
    assert_eq!((d.oh, d.ow), (6, 6));
    let d = PoolDims::new("max_pool2d", 1, (26, 26, 32), (2, 2), (2, 2)).unwrap();
    assert_eq!((d.oh, d.ow), (13, 13));
    let d = PoolDims::new("max_pool2d", 1, (7, 5, 1), (3, 2), (1, 3)).unwrap();
    assert_eq!((d.oh, d.ow), (5, 2));
}

#[test]
fn bad_input_is_a_clear_error() {
    let e = MaxPool2d::<f32>::new((2, 2), (0, 2)).unwrap_err();
    assert_eq!(e.to_string(), "max_pool2d: stride must be at least 1, got 0x2");
    let e = AvgPool2d::<f32>::new((0, 2), (1, 1)).unwrap_err();
    assert!(e.to_string().starts_with("avg_pool2d: window must be at least 1x1"), "{e}");
    let mut p = MaxPool2d::<f32>::new((3, 3), (1, 1)).unwrap();
    let e = p.forward(&ArrayD::zeros(IxDyn(&[1, 2, 2, 4]))).unwrap_err();
    assert_eq!(e.to_string(), "max_pool2d: window is 3x3 but input is 2x2");
    let e = p.forward(&ArrayD::zeros(IxDyn(&[4, 4]))).unwrap_err();
    assert!(e.to_string().contains("rank 4"), "{e}");
    let e = p.backward(&ArrayD::zeros(IxDyn(&[1, 1, 1, 1]))).unwrap_err();
    assert!(e.to_string().contains("before forward"), "{e}");
    let d = PoolDims::new("max_pool2d", 1, (4, 4, 1), (2, 2), (2, 2)).unwrap();
    let e = pool::max_pool2d_forward(&mut [0.0f32; 3], &[0.0; 16], &d).unwrap_err();
    assert!(e.to_string().starts_with("max_pool2d: y has 3 elements"), "{e}");
}
