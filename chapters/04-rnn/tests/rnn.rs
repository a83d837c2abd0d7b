//! The RNN layer: gradient checks through time, the W = 0 property,
//! truncated BPTT, clipping, output layers, bad input.

mod common;

use common::{flat, uniform, uniform_vec};
use foundations::gradcheck::{Config, check_fn, check_layer};
use foundations::testing::check_prop;
use foundations::{Layer, Param, assert_close};
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use rnn::{Output, Readout, Rnn, Stack, clip_grad_norm, grad_norm};

// tanh is smooth everywhere: no kinks to avoid. Inputs in [−1, 1] and the
// seeded glorot/orthogonal weights keep pre-activations O(1), away from
// saturation where the gradient would be tiny and round-off dominant.

#[test]
fn gradcheck_rnn_last_step_through_six_steps() {
    for steps in 1..=6 {
        let mut layer = Rnn::<f64>::new(3, 4, 7).unwrap();
        let x = uniform(&[2, steps, 3], 1.0, 11 + steps as u64);
        check_layer(&mut layer, &x, &Config::default()).unwrap().assert_passed(&format!("rnn T={steps}"));
    }
}

#[test]
fn gradcheck_rnn_return_sequences() {
    for steps in [1, 3, 6] {
        let mut layer = Rnn::<f64>::new(3, 4, 8).unwrap().return_sequences(true);
        let x = uniform(&[2, steps, 3], 1.0, 21 + steps as u64);
        check_layer(&mut layer, &x, &Config::default()).unwrap().assert_passed(&format!("rnn seq T={steps}"));
    }
}

/// x at every step, the initial state h0, W and b as inputs of one function.
#[test]
fn gradcheck_rnn_every_input_and_initial_state() {
    let (n, steps, d, hd) = (2, 5, 3, 4);
    for return_sequences in [false, true] {
        let x = flat(&uniform(&[n, steps, d], 1.0, 31));
        let h0 = uniform_vec(n * hd, 0.8, 32);
        let w = uniform_vec(hd * (hd + d), 0.6, 33);
        let b = uniform_vec(hd, 0.3, 34);
        let build = |v: &[Vec<f64>]| {
            let mut l =
                Rnn::from_weights(d, hd, v[2].clone(), v[3].clone()).unwrap().return_sequences(return_sequences);
            l.set_initial_state(Some(v[1].clone()));
            l
        };
        let xa = |v: &[f64]| ArrayD::from_shape_vec(IxDyn(&[n, steps, d]), v.to_vec()).unwrap();
        let report = check_fn(
            &[("dx", &x), ("dh0", &h0), ("dW", &w), ("db", &b)],
            |v| Ok(flat(&build(v).forward(&xa(&v[0]))?)),
            |v, g| {
                let mut l = build(v);
                let y = l.forward(&xa(&v[0]))?;
                let dx = l.backward(&ArrayD::from_shape_vec(y.raw_dim(), g.to_vec()).unwrap())?;
                let p = l.params();
                Ok(vec![flat(&dx), l.initial_state_grad().to_vec(), flat(&p[0].grad), flat(&p[1].grad)])
            },
            &Config::default(),
        )
        .unwrap();
        report.assert_passed(&format!("rnn inputs (return_sequences = {return_sequences})"));
    }
}

#[test]
fn gradcheck_rnn_stacked_two_deep_with_softmax_readout() {
    let layers: Vec<Box<dyn Layer<f64>>> = vec![
        Box::new(Rnn::new(3, 4, 1).unwrap().return_sequences(true)),
        Box::new(Rnn::new(4, 5, 2).unwrap()),
        Box::new(Readout::new(5, 3, Output::Softmax, 3).unwrap()),
    ];
    let mut stack = Stack::new(layers);
    let x = uniform(&[2, 4, 3], 1.0, 41);
    check_layer(&mut stack, &x, &Config::default()).unwrap().assert_passed("rnn → rnn → softmax");
}

#[test]
fn gradcheck_readout_every_step_linear_and_softmax() {
    for kind in [Output::Linear, Output::Softmax] {
        let layers: Vec<Box<dyn Layer<f64>>> = vec![
            Box::new(Rnn::new(2, 3, 5).unwrap().return_sequences(true)),
            Box::new(Readout::new(3, 4, kind, 6).unwrap()),
        ];
        let mut stack = Stack::new(layers);
        let x = uniform(&[2, 3, 2], 1.0, 51);
        let y = stack.forward(&x).unwrap();
        assert_eq!(y.shape(), &[2, 3, 4]);
        check_layer(&mut stack, &x, &Config::default()).unwrap().assert_passed(&format!("rnn → {kind:?} per step"));
    }
}

#[test]
fn softmax_readout_rows_sum_to_one() {
    let mut r = Readout::<f64>::new(3, 5, Output::Softmax, 1).unwrap();
    let y = r.forward(&uniform(&[4, 3], 50.0, 2)).unwrap();
    for row in y.as_slice().unwrap().chunks(5) {
        assert_close(&[row.iter().sum::<f64>()], &[1.0], 1e-12, "softmax row sum");
    }
}

/// W = 0 ⇒ h_t = tanh(0·[h, x] + b) = tanh(b) at every step.
#[test]
fn zero_weights_give_tanh_of_bias_at_every_step() {
    let (d, hd) = (3, 5);
    let b = vec![-2.0, -0.5, 0.0, 0.7, 3.0];
    let mut l = Rnn::<f64>::from_weights(d, hd, vec![0.0; hd * (hd + d)], b.clone()).unwrap().return_sequences(true);
    let y = l.forward(&uniform(&[2, 6, d], 5.0, 3)).unwrap();
    let want: Vec<f64> = (0..12).flat_map(|_| b.iter().map(|v| v.tanh())).collect();
    assert_close(y.as_slice().unwrap(), &want, 1e-15, "h_t = tanh(b)");
}

/// Closed form, one unit, one step: h = tanh(w_h·h0 + w_x·x + b).
/// With w_h = 0.5, w_x = −1, b = 0.25, h0 = 0.4, x = 0.3: a = 0.2 − 0.3 + 0.25 = 0.15,
/// h = tanh(0.15); dh/dw_x = (1 − h²)·x, dh/dh0 = (1 − h²)·w_h.
#[test]
fn one_unit_one_step_by_hand() {
    let mut l = Rnn::<f64>::from_weights(1, 1, vec![0.5, -1.0], vec![0.25]).unwrap();
    l.set_initial_state(Some(vec![0.4]));
    let x = ArrayD::from_shape_vec(IxDyn(&[1, 1, 1]), vec![0.3]).unwrap();
    let y = l.forward(&x).unwrap();
    let h = 0.15f64.tanh();
    assert_close(y.as_slice().unwrap(), &[h], 1e-15, "h");
    let dx = l.backward(&ArrayD::from_shape_vec(IxDyn(&[1, 1]), vec![1.0]).unwrap()).unwrap();
    let s = 1.0 - h * h;
    assert_close(dx.as_slice().unwrap(), &[-s], 1e-15, "dx = (1 − h²)·w_x");
    assert_close(l.initial_state_grad(), &[0.5 * s], 1e-15, "dh0 = (1 − h²)·w_h");
    assert_close(l.params()[0].grad.as_slice().unwrap(), &[0.4 * s, 0.3 * s], 1e-15, "dW = (1 − h²)·[h0, x]");
}

fn grads(l: &mut Rnn<f64>, x: &ArrayD<f64>, seed: u64) -> Vec<f64> {
    let y = l.forward(x).unwrap();
    let g = uniform(y.shape(), 1.0, seed);
    l.zero_grad();
    let mut out = flat(&l.backward(&g).unwrap());
    for p in l.params() {
        out.extend(flat(&p.grad));
    }
    out.extend_from_slice(l.initial_state_grad());
    out
}

/// Truncation to k steps equals full BPTT when T ≤ k, and differs when T > k.
#[test]
fn truncation_equals_full_bptt_when_sequence_fits_the_window() {
    for return_sequences in [false, true] {
        for steps in 1..=5 {
            let x = uniform(&[2, steps, 3], 1.0, 60 + steps as u64);
            let mut full = Rnn::<f64>::new(3, 4, 9).unwrap().return_sequences(return_sequences);
            let want = grads(&mut full, &x, 1);
            for k in steps..=steps + 2 {
                let mut trunc =
                    Rnn::<f64>::new(3, 4, 9).unwrap().return_sequences(return_sequences).truncate(Some(k)).unwrap();
                assert_eq!(grads(&mut trunc, &x, 1), want, "T = {steps}, k = {k}");
            }
            if steps > 1 {
                let mut trunc = Rnn::<f64>::new(3, 4, 9)
                    .unwrap()
                    .return_sequences(return_sequences)
                    .truncate(Some(steps - 1))
                    .unwrap();
                assert_ne!(grads(&mut trunc, &x, 1), want, "T = {steps}, k = T − 1 must cut something");
            }
        }
    }
}

/// Cut at a window start: with k = 1 and only the last output, the gradient
/// reaches x_T only; every earlier input gets exactly zero.
#[test]
fn truncation_window_of_one_step_reaches_only_the_last_input() {
    let mut l = Rnn::<f64>::new(2, 3, 4).unwrap().truncate(Some(1)).unwrap();
    let x = uniform(&[1, 4, 2], 1.0, 5);
    l.forward(&x).unwrap();
    let dx = l.backward(&uniform(&[1, 3], 1.0, 6)).unwrap();
    let dx = dx.as_slice().unwrap();
    assert!(dx[..6].iter().all(|&v| v == 0.0), "{dx:?}");
    assert!(dx[6..].iter().any(|&v| v != 0.0));
}

#[test]
fn clipping_never_increases_the_norm() {
    check_prop("clip", (proptest::collection::vec(-1000i32..=1000, 1..40), 1i32..=400), |(g, tau)| {
        let tau = tau as f64 / 10.0;
        let mk = |v: &[i32]| {
            let mut p = Param::new("p", ArrayD::<f64>::zeros(IxDyn(&[v.len()])));
            p.grad = ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.iter().map(|&x| x as f64 / 7.0).collect()).unwrap();
            p
        };
        let (mut p, mut q) = (mk(&g), mk(&g[..g.len() / 2]));
        let before = grad_norm(&[&p, &q]);
        let reported = clip_grad_norm(&mut [&mut p, &mut q], tau).unwrap();
        let after = grad_norm(&[&p, &q]);
        prop_assert!((reported - before).abs() <= 1e-12 * before.max(1.0));
        prop_assert!(after <= before * (1.0 + 1e-12), "{after} > {before}");
        prop_assert!(after <= tau * (1.0 + 1e-12), "{after} > τ = {tau}");
        if before <= tau {
            prop_assert!(after == before, "a norm under τ must be left alone");
        }
        Ok(())
    });
}

#[test]
fn clipping_rejects_bad_input() {
    let mut p = Param::new("p", ArrayD::<f64>::zeros(IxDyn(&[2])));
    assert!(clip_grad_norm(&mut [&mut p], 0.0).unwrap_err().to_string().contains("positive"));
    p.grad[[0]] = f64::NAN;
    assert!(clip_grad_norm(&mut [&mut p], 1.0).unwrap_err().to_string().contains("NaN"));
}

#[test]
fn rnn_rejects_bad_shapes_with_clear_messages() {
    let mut l = Rnn::<f64>::new(3, 4, 1).unwrap();
    let e = l.forward(&uniform(&[2, 5, 2], 1.0, 1)).unwrap_err().to_string();
    assert!(e.contains("D = 3"), "{e}");
    let e = l.forward(&uniform(&[2, 0, 3], 1.0, 1)).unwrap_err().to_string();
    assert!(e.contains("T = 0"), "{e}");
    let e = l.backward(&uniform(&[2, 4], 1.0, 1)).unwrap_err().to_string();
    assert!(e.contains("before forward"), "{e}");
    l.forward(&uniform(&[2, 5, 3], 1.0, 1)).unwrap();
    let e = l.backward(&uniform(&[2, 5, 4], 1.0, 1)).unwrap_err().to_string();
    assert!(e.contains("dy must be"), "{e}");
    l.set_initial_state(Some(vec![0.0; 3]));
    assert!(l.forward(&uniform(&[2, 5, 3], 1.0, 1)).unwrap_err().to_string().contains("h0"));
    assert!(Rnn::<f64>::new(3, 4, 1).unwrap().truncate(Some(0)).is_err());
    assert!(Rnn::<f64>::from_weights(3, 4, vec![0.0; 5], vec![0.0; 4]).is_err());
}

/// The Jacobian measurement: with W_hh = g·Q the linear part contributes gᵀ,
/// so a small g vanishes geometrically and a large one explodes. At T = 1,
/// ∂h_1/∂h_0 = diag(1 − h_1²)·W_hh, and with h_0 = 0, x = 0 (x_scale 0): h_1 = 0,
/// so J = g·Q exactly and ‖J‖_F = g·√H.
#[test]
fn jacobian_norms_vanish_and_explode() {
    let h = 16;
    let j = rnn::dynamics::rnn_jacobian_norms(h, 4, 0.7, 0.0, 3, 1).unwrap();
    assert_close(&[j[0]], &[0.7 * (h as f64).sqrt()], 1e-12, "‖g·Q‖_F = g·√H");
    // x = 0, h = 0 forever: J_T = (g·Q)ᵀ, ‖J_T‖_F = gᵀ·√H.
    assert_close(&j, &[1, 2, 3].map(|t| 0.7f64.powi(t) * (h as f64).sqrt()), 1e-12, "gᵀ·√H");
    let small = rnn::dynamics::rnn_jacobian_norms(h, 4, 0.5, 1.0, 20, 2).unwrap();
    assert!(small[19] < 1e-5 * small[0], "vanishing: {small:?}");
    let large = rnn::dynamics::rnn_jacobian_norms(h, 4, 3.0, 0.1, 20, 2).unwrap();
    assert!(large[19] > 1e3 * large[0], "exploding: {large:?}");
}
