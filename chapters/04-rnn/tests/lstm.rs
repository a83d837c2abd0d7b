//! The LSTM and embedding layers: gradient checks through time, stacking,
//! the carried-cell property, truncation, Keras conventions, bad input.

mod common;

use common::{flat, uniform, uniform_vec};
use foundations::gradcheck::{Config, check_fn, check_layer};
use foundations::{Isa, Layer, assert_close};
use ndarray::{ArrayD, IxDyn};
use rnn::{Embedding, Lstm, Output, Readout, Stack};

// σ and tanh are smooth: no kinks. Inputs in [−1, 1] and the seeded Keras
// initialisation keep pre-activations O(1), away from saturation.

#[test]
fn gradcheck_lstm_last_step_through_six_steps() {
    for steps in 1..=6 {
        let mut layer = Lstm::<f64>::new(3, 4, 7).unwrap();
        let x = uniform(&[2, steps, 3], 1.0, 11 + steps as u64);
        check_layer(&mut layer, &x, &Config::default()).unwrap().assert_passed(&format!("lstm T={steps}"));
    }
}

#[test]
fn gradcheck_lstm_return_sequences() {
    for steps in [1, 4, 6] {
        let mut layer = Lstm::<f64>::new(3, 4, 8).unwrap().return_sequences(true);
        let x = uniform(&[2, steps, 3], 1.0, 21 + steps as u64);
        check_layer(&mut layer, &x, &Config::default()).unwrap().assert_passed(&format!("lstm seq T={steps}"));
    }
}

/// x at every step, h0, c0, W and b as the inputs of one function.
#[test]
fn gradcheck_lstm_every_input_and_initial_state() {
    let (n, steps, d, hd) = (2, 5, 3, 3);
    for return_sequences in [false, true] {
        let x = flat(&uniform(&[n, steps, d], 1.0, 31));
        let h0 = uniform_vec(n * hd, 0.8, 32);
        let c0 = uniform_vec(n * hd, 1.5, 33);
        let w = uniform_vec((hd + d) * 4 * hd, 0.6, 34);
        let b = uniform_vec(4 * hd, 0.5, 35);
        let build = |v: &[Vec<f64>]| {
            let mut l =
                Lstm::from_weights(d, hd, v[3].clone(), v[4].clone()).unwrap().return_sequences(return_sequences);
            l.set_initial_state(Some(v[1].clone()), Some(v[2].clone()));
            l
        };
        let xa = |v: &[f64]| ArrayD::from_shape_vec(IxDyn(&[n, steps, d]), v.to_vec()).unwrap();
        let report = check_fn(
            &[("dx", &x), ("dh0", &h0), ("dc0", &c0), ("dW", &w), ("db", &b)],
            |v| Ok(flat(&build(v).forward(&xa(&v[0]))?)),
            |v, g| {
                let mut l = build(v);
                let y = l.forward(&xa(&v[0]))?;
                let dx = l.backward(&ArrayD::from_shape_vec(y.raw_dim(), g.to_vec()).unwrap())?;
                let (dh0, dc0) = l.initial_state_grad();
                let (dh0, dc0) = (dh0.to_vec(), dc0.to_vec());
                let p = l.params();
                Ok(vec![flat(&dx), dh0, dc0, flat(&p[0].grad), flat(&p[1].grad)])
            },
            &Config::default(),
        )
        .unwrap();
        report.assert_passed(&format!("lstm inputs (return_sequences = {return_sequences})"));
    }
}

/// The seed's text model, minus its dense head: LSTM(return_sequences) → LSTM,
/// with and without a per-step output. (A softmax head on top of two LSTMs
/// makes the deepest gradients ~10⁻⁶, where the round-off of the central
/// difference, ε·|L|/h ≈ 10⁻¹¹, is 10⁻⁵ relative: the check would measure
/// noise. The softmax head is checked on one layer below.)
#[test]
fn gradcheck_lstm_stacked_two_deep() {
    for return_sequences in [false, true] {
        let layers: Vec<Box<dyn Layer<f64>>> = vec![
            Box::new(Lstm::new(3, 4, 1).unwrap().return_sequences(true)),
            Box::new(Lstm::new(4, 3, 2).unwrap().return_sequences(return_sequences)),
        ];
        let mut stack = Stack::new(layers);
        let x = uniform(&[2, 5, 3], 1.0, 41);
        check_layer(&mut stack, &x, &Config::default()).unwrap().assert_passed("lstm → lstm");
    }
}

#[test]
fn gradcheck_lstm_with_softmax_readout() {
    let layers: Vec<Box<dyn Layer<f64>>> =
        vec![Box::new(Lstm::new(3, 4, 1).unwrap()), Box::new(Readout::new(4, 3, Output::Softmax, 3).unwrap())];
    let mut stack = Stack::new(layers);
    let x = uniform(&[2, 4, 3], 1.0, 42);
    check_layer(&mut stack, &x, &Config::default()).unwrap().assert_passed("lstm → softmax");
}

/// Embedding → LSTM: the gradient reaches the table rows that were looked
/// up (the sparse backward), including a token repeated in the batch.
#[test]
fn gradcheck_embedding_under_an_lstm() {
    let (vocab, d, hd, n, steps) = (7, 3, 4, 2, 4);
    let ids = [3, 0, 3, 6, 1, 3, 5, 0]; // 3 appears three times, 2 and 4 never
    let table = uniform_vec(vocab * d, 1.0, 51);
    let lstm = Lstm::<f64>::new(d, hd, 52).unwrap();
    let report = check_fn(
        &[("dE", &table)],
        |v| {
            let mut e = Embedding::from_table(vocab, d, v[0].clone())?;
            let mut l = lstm.clone();
            Ok(flat(&l.forward(&e.forward_ids(&ids, n, steps)?)?))
        },
        |v, g| {
            let mut e = Embedding::from_table(vocab, d, v[0].clone())?;
            let mut l = lstm.clone();
            let y = l.forward(&e.forward_ids(&ids, n, steps)?)?;
            let dxe = l.backward(&ArrayD::from_shape_vec(y.raw_dim(), g.to_vec()).unwrap())?;
            e.backward_ids(&dxe)?;
            let de = flat(&e.params()[0].grad);
            // Rows never looked up get exactly nothing.
            assert!(de[2 * d..3 * d].iter().chain(&de[4 * d..5 * d]).all(|&x| x == 0.0));
            Ok(vec![de])
        },
        &Config::default(),
    )
    .unwrap();
    report.assert_passed("embedding → lstm");
}

#[test]
fn embedding_looks_up_rows_and_accumulates_repeats() {
    let table: Vec<f64> = (0..12).map(|v| v as f64).collect(); // V = 4, D = 3: row k = [3k, 3k+1, 3k+2]
    let mut e = Embedding::from_table(4, 3, table).unwrap();
    let x = ArrayD::from_shape_vec(IxDyn(&[1, 3]), vec![2.0, 0.0, 2.0]).unwrap();
    let y = e.forward(&x).unwrap();
    assert_eq!(y.as_slice().unwrap(), &[6.0, 7.0, 8.0, 0.0, 1.0, 2.0, 6.0, 7.0, 8.0]);
    let dy = ArrayD::from_shape_vec(IxDyn(&[1, 3, 3]), vec![1.0, 1.0, 1.0, 5.0, 5.0, 5.0, 0.5, 0.25, 2.0]).unwrap();
    let dx = e.backward(&dy).unwrap();
    assert_eq!(dx.shape(), &[1, 3]);
    assert!(dx.iter().all(|&v| v == 0.0));
    // Row 2 gets both of its contributions; row 0 one; rows 1, 3 none.
    assert_eq!(e.params()[0].grad.as_slice().unwrap(), &[5.0, 5.0, 5.0, 0.0, 0.0, 0.0, 1.5, 1.25, 3.0, 0.0, 0.0, 0.0]);
}

#[test]
fn embedding_rejects_bad_token_ids() {
    let mut e = Embedding::<f32>::new(10, 4, 1).unwrap();
    let err = e.forward_ids(&[1, 10, 3], 1, 3).unwrap_err().to_string();
    assert!(err.contains("token id 10") && err.contains("V = 10"), "{err}");
    for bad in [-1.0, 2.5, f32::NAN, 10.0] {
        let x = ArrayD::from_shape_vec(IxDyn(&[1, 2]), vec![0.0, bad]).unwrap();
        let err = e.forward(&x).unwrap_err().to_string();
        assert!(err.contains("not a token id"), "{bad}: {err}");
    }
    assert!(e.forward_ids(&[1, 2], 1, 3).is_err());
}

/// Forget gate forced open (f = σ(+60) = 1), input gate closed (i = σ(−60) = 0),
/// their W columns zero: c_t = 1·c_{t−1} + 0·g = c_0 at every step.
/// In f64 σ(60) = 1 − 9·10⁻²⁷ rounds to 1; in f32 the SIMD σ saturates to
/// exactly 0 and 1, so the cell is carried bit for bit on every ISA.
#[test]
fn open_forget_closed_input_carries_the_cell_unchanged() {
    let (n, steps, d, hd) = (3, 6, 2, 5);
    let mut w = uniform_vec((hd + d) * 4 * hd, 1.0, 61);
    for row in w.chunks_mut(4 * hd) {
        row[..2 * hd].fill(0.0); // i and f columns
    }
    let mut b = uniform_vec(4 * hd, 1.0, 62);
    b[..hd].fill(-60.0);
    b[hd..2 * hd].fill(60.0);
    let c0 = uniform_vec(n * hd, 3.0, 63);
    let x = uniform(&[n, steps, d], 2.0, 64);
    let mut l = Lstm::from_weights(d, hd, w.clone(), b.clone()).unwrap();
    l.set_initial_state(None, Some(c0.clone()));
    l.forward(&x).unwrap();
    for t in 0..steps {
        assert_close(&l.cell_states().unwrap()[t * n * hd..(t + 1) * n * hd], &c0, 0.0, "c_t = c_0 (f64)");
    }
    let f = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
    for isa in Isa::available() {
        let mut l = Lstm::from_weights(d, hd, f(&w), f(&b)).unwrap().with_isa(isa);
        l.set_initial_state(None, Some(f(&c0)));
        l.forward(&x.mapv(|v| v as f32)).unwrap();
        for t in 0..steps {
            let got = &l.cell_states().unwrap()[t * n * hd..(t + 1) * n * hd];
            assert_close(got, &f(&c0), 0.0, &format!("c_t = c_0 (f32, {isa})"));
        }
    }
}

#[test]
fn keras_initialisation_conventions() {
    let (d, hd) = (3, 4);
    let l = Lstm::<f64>::new(d, hd, 5).unwrap();
    let p = l.params();
    let b = p[1].value.as_slice().unwrap();
    // unit_forget_bias: blocks i, f, c, o = 0, 1, 0, 0.
    let want: Vec<f64> = (0..4 * hd).map(|k| if (hd..2 * hd).contains(&k) { 1.0 } else { 0.0 }).collect();
    assert_eq!(b, want.as_slice());
    // The recurrent kernel (rows 0..H of W, (H, 4H)) has orthonormal rows.
    let w = p[0].value.as_slice().unwrap();
    for r in 0..hd {
        for s in 0..hd {
            let dot: f64 = (0..4 * hd).map(|j| w[r * 4 * hd + j] * w[s * 4 * hd + j]).sum();
            assert_close(&[dot], &[if r == s { 1.0 } else { 0.0 }], 1e-12, "orthogonal rows");
        }
    }
    // The kernel (rows H.., (D, 4H)) is glorot_uniform: within ±√(6 / (D + 4H)).
    let lim = (6.0 / (d + 4 * hd) as f64).sqrt();
    assert!(w[hd * 4 * hd..].iter().all(|v| v.abs() <= lim));
}

fn grads(l: &mut Lstm<f64>, x: &ArrayD<f64>) -> Vec<f64> {
    let y = l.forward(x).unwrap();
    l.zero_grad();
    let mut out = flat(&l.backward(&uniform(y.shape(), 1.0, 9)).unwrap());
    for p in l.params() {
        out.extend(flat(&p.grad));
    }
    let (dh0, dc0) = l.initial_state_grad();
    out.extend_from_slice(dh0);
    out.extend_from_slice(dc0);
    out
}

#[test]
fn lstm_truncation_equals_full_bptt_when_sequence_fits_the_window() {
    for return_sequences in [false, true] {
        for steps in 1..=5 {
            let x = uniform(&[2, steps, 3], 1.0, 70 + steps as u64);
            let want = grads(&mut Lstm::new(3, 4, 9).unwrap().return_sequences(return_sequences), &x);
            let mut trunc =
                Lstm::new(3, 4, 9).unwrap().return_sequences(return_sequences).truncate(Some(steps)).unwrap();
            assert_eq!(grads(&mut trunc, &x), want, "T = k = {steps}");
            if steps > 1 {
                let mut cut = Lstm::new(3, 4, 9).unwrap().return_sequences(return_sequences).truncate(Some(1)).unwrap();
                assert_ne!(grads(&mut cut, &x), want, "k = 1 < T = {steps} must cut");
            }
        }
    }
}

#[test]
fn lstm_rejects_bad_shapes_with_clear_messages() {
    let mut l = Lstm::<f64>::new(3, 4, 1).unwrap();
    assert!(l.forward(&uniform(&[2, 5, 2], 1.0, 1)).unwrap_err().to_string().contains("D = 3"));
    assert!(l.backward(&uniform(&[2, 4], 1.0, 1)).unwrap_err().to_string().contains("before forward"));
    l.forward(&uniform(&[2, 5, 3], 1.0, 1)).unwrap();
    assert!(l.backward(&uniform(&[2, 5, 4], 1.0, 1)).unwrap_err().to_string().contains("dy must be"));
    l.set_initial_state(None, Some(vec![0.0; 7]));
    assert!(l.forward(&uniform(&[2, 5, 3], 1.0, 1)).unwrap_err().to_string().contains("c0"));
    assert!(Lstm::<f64>::from_weights(3, 4, vec![0.0; 5], vec![0.0; 16]).is_err());
}

/// An empty batch is not an error: empty outputs and gradients, no panic.
#[test]
fn empty_batch_runs_through_every_layer() {
    let x = ArrayD::<f32>::zeros(IxDyn(&[0, 3, 2]));
    let mut l = Lstm::<f32>::new(2, 5, 1).unwrap().return_sequences(true);
    assert_eq!(l.forward(&x).unwrap().shape(), &[0, 3, 5]);
    assert_eq!(l.backward(&ArrayD::zeros(IxDyn(&[0, 3, 5]))).unwrap().shape(), &[0, 3, 2]);
    let mut r = rnn::Rnn::<f32>::new(2, 5, 1).unwrap();
    assert_eq!(r.forward(&x).unwrap().shape(), &[0, 5]);
    assert_eq!(r.backward(&ArrayD::zeros(IxDyn(&[0, 5]))).unwrap().shape(), &[0, 3, 2]);
    assert!(l.params().iter().chain(r.params().iter()).all(|p| p.grad.iter().all(|&g| g == 0.0)));
}
