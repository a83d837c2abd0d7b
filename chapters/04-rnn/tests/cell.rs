//! The fused cell kernels and the layers' f32 paths: SIMD against the naive
//! oracle on every ISA, on tail-breaking shapes (H from 1 to 3·16 + 1, so
//! every tail of every register width), odd offsets, NaN canaries.

use foundations::testing::{CANARY, Canary, at_offset, check_prop, offset};
use foundations::{Isa, Layer, assert_close, per_isa};
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use rnn::cell::{self, naive};
use rnn::{Lstm, Rnn};

/// Values in [−4, 4] on a grid of 1/64 (shrink well, hand-checkable).
fn vals(len: usize) -> impl Strategy<Value = Vec<f32>> {
    proptest::collection::vec((-256i32..=256).prop_map(|i| i as f32 / 64.0), len)
}

/// (N, H) with H covering every tail, and an offset.
fn shape() -> impl Strategy<Value = (usize, usize, usize)> {
    (1usize..=3, 1usize..=49, offset())
}

// The SIMD kernels use the rational tanh/σ (error ≤ 3·10⁻⁷ each, see
// `act`), the oracle std's; a cell output combines a few of them with
// values ≤ 4 in magnitude: 4·10⁻⁶ scaled error bounds the sum of those.
const TOL: f64 = 4e-6;

per_isa! {
    fn rnn_cell_matches_naive(isa) {
        check_prop("rnn cell", shape().prop_flat_map(|(n, h, o)| (Just((n, h, o)), vals(n * h), vals(h), vals(n * h))),
            |((n, h, o), a, b, dh)| {
                let mut want = vec![0.0f32; n * h];
                naive::rnn_forward(&mut want, &a, &b);
                let ba = at_offset(&a, o);
                let mut out = Canary::new(n * h, o, CANARY); // β = 0 style: output never read
                cell::rnn_forward_on(isa, out.inner_mut(), &ba[o..], &b).unwrap();
                assert_close(out.inner(), &want, TOL, "rnn h");
                out.assert_intact("rnn h");
                let hv = want.clone();
                naive::rnn_backward(&mut want, &dh, &hv);
                let mut out = Canary::new(n * h, o, CANARY);
                cell::rnn_backward_on(isa, out.inner_mut(), &dh, &hv).unwrap();
                assert_close(out.inner(), &want, TOL, "rnn da");
                out.assert_intact("rnn da");
                Ok(())
            });
    }

    fn lstm_cell_forward_matches_naive(isa) {
        let s = shape().prop_flat_map(|(n, h, o)| (Just((n, h, o)), vals(4 * n * h), vals(4 * h), vals(n * h)));
        check_prop("lstm forward", s, |((n, h, o), a, b, c_prev)| {
            let mut g_want = a.clone();
            let (mut c_want, mut h_want, mut tc_want) = (vec![0.0f32; n * h], vec![0.0f32; n * h], vec![0.0f32; n * h]);
            naive::lstm_forward(&mut g_want, &mut c_want, &mut h_want, &mut tc_want, &c_prev, &b, h);
            let mut g = Canary::with_values(&a, o);
            let (mut c, mut hh, mut tc) = (Canary::new(n * h, o, CANARY), Canary::new(n * h, 3 - o, CANARY), Canary::new(n * h, o, CANARY));
            let bc = at_offset(&c_prev, o);
            cell::lstm_forward_on(isa, g.inner_mut(), c.inner_mut(), hh.inner_mut(), tc.inner_mut(), &bc[o..], &b, h).unwrap();
            for (got, want, name) in [(&g, &g_want, "gates"), (&c, &c_want, "c"), (&hh, &h_want, "h"), (&tc, &tc_want, "tc")] {
                assert_close(got.inner(), want, TOL, name);
                got.assert_intact(name);
            }
            Ok(())
        });
    }

    fn lstm_cell_backward_matches_naive(isa) {
        let s = shape().prop_flat_map(|(n, h, o)| {
            (Just((n, h, o)), vals(4 * n * h), vals(n * h), vals(n * h), vals(n * h), vals(n * h))
        });
        check_prop("lstm backward", s, |((n, h, o), g, dh, dc, c_prev, tc)| {
            // Gates are activations: map to (0, 1) (g to (−1, 1)), tc to (−1, 1).
            let gates: Vec<f32> = g.iter().enumerate().map(|(k, &v)| {
                if (k % (4 * h)) / h == 2 { (v / 4.0).clamp(-1.0, 1.0) } else { (v / 8.0 + 0.5).clamp(0.0, 1.0) }
            }).collect();
            let tc: Vec<f32> = tc.iter().map(|v| v / 4.0).collect();
            let (mut da_want, mut dcp_want) = (vec![0.0f32; 4 * n * h], vec![0.0f32; n * h]);
            naive::lstm_backward(&mut da_want, &mut dcp_want, &dh, &dc, &gates, &c_prev, &tc, h);
            let (mut da, mut dcp) = (Canary::new(4 * n * h, o, CANARY), Canary::new(n * h, 3 - o, CANARY));
            let bg = at_offset(&gates, o);
            cell::lstm_backward_on(isa, da.inner_mut(), dcp.inner_mut(), &dh, &dc, &bg[o..], &c_prev, &tc, h).unwrap();
            // No transcendental functions here: only the order of FMAs differs.
            assert_close(da.inner(), &da_want, 1e-5, "da");
            assert_close(dcp.inner(), &dcp_want, 1e-5, "dc_prev");
            da.assert_intact("da");
            dcp.assert_intact("dc_prev");
            Ok(())
        });
    }

    /// The whole f32 layers on this ISA (SIMD GEMM + fused cells) against the
    /// f64 oracle layers with the same weights: forward and every gradient.
    fn f32_layers_match_the_f64_oracle(isa) {
        let (n, steps, d, h) = (3, 6, 5, 19);
        let x64 = ArrayD::from_shape_fn(IxDyn(&[n, steps, d]), |i| ((i[0] * 7 + i[1] * 3 + i[2]) % 11) as f64 / 5.5 - 1.0);
        let x32 = x64.mapv(|v| v as f32);
        let dy64 = ArrayD::from_shape_fn(IxDyn(&[n, steps, h]), |i| ((i[0] + i[1] * 5 + i[2] * 2) % 7) as f64 / 3.5 - 1.0);
        let dy32 = dy64.mapv(|v| v as f32);
        let check = |l64: &mut dyn Layer<f64>, l32: &mut dyn Layer<f32>, what: &str| {
            let (y64, y32) = (l64.forward(&x64).unwrap(), l32.forward(&x32).unwrap());
            let to32 = |a: &ArrayD<f64>| a.iter().map(|&v| v as f32).collect::<Vec<f32>>();
            let v32 = |a: &ArrayD<f32>| a.iter().copied().collect::<Vec<f32>>();
            // f32 round-off over 6 steps of sums of ~24 terms, plus the rational tanh: 1e-4.
            assert_close(&v32(&y32), &to32(&y64), 1e-4, &format!("{what} y"));
            let (dx64, dx32) = (l64.backward(&dy64).unwrap(), l32.backward(&dy32).unwrap());
            assert_close(&v32(&dx32), &to32(&dx64), 1e-4, &format!("{what} dx"));
            for (p64, p32) in l64.params().iter().zip(l32.params()) {
                // Parameter gradients sum over N·T = 18 rows: a little more round-off.
                assert_close(&v32(&p32.grad), &to32(&p64.grad), 3e-4, &format!("{what} d{}", p32.name));
            }
        };
        let mut r64 = Rnn::<f64>::new(d, h, 3).unwrap().return_sequences(true);
        let mut r32 = Rnn::<f32>::new(d, h, 3).unwrap().return_sequences(true).with_isa(isa);
        check(&mut r64, &mut r32, "rnn");
        let mut l64 = Lstm::<f64>::new(d, h, 4).unwrap().return_sequences(true);
        let mut l32 = Lstm::<f32>::new(d, h, 4).unwrap().return_sequences(true).with_isa(isa);
        check(&mut l64, &mut l32, "lstm");
    }
}

#[test]
fn cell_kernels_reject_bad_lengths() {
    let mut h = vec![0.0f32; 6];
    assert!(cell::rnn_forward_on(Isa::Scalar, &mut h, &[0.0; 6], &[0.0; 4]).unwrap_err().to_string().contains("H = 4"));
    let (mut g, mut c, mut hh, mut tc) = (vec![0.0f32; 16], vec![0.0f32; 4], vec![0.0f32; 4], vec![0.0f32; 3]);
    let e = cell::lstm_forward_on(Isa::Scalar, &mut g, &mut c, &mut hh, &mut tc, &[0.0; 4], &[0.0; 16], 4).unwrap_err();
    assert!(e.to_string().contains("tc has 3"), "{e}");
}
