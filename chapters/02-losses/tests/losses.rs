//! Losses: gradient checks in f64 of every loss with respect to its input,
//! closed-form cases, the properties of issue 5, bad-input errors, and the
//! MSE reduction per ISA.

use foundations::gradcheck::{Config, check_fn, check_layer};
use foundations::testing::{at_offset, check_prop, offset, tail_len, vec_f32};
use foundations::{Layer, Result, assert_close, per_isa};
use losses::loss::{self, Reduction};
use losses::softmax::{self, naive};
use losses::{LogSoftmax, Softmax, SoftmaxCrossEntropy};
use ndarray::ArrayD;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const N: usize = 4;
const C: usize = 5;

fn uniform(len: usize, lo: f64, hi: f64, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(lo..hi)).collect()
}

fn labels() -> Vec<usize> {
    vec![2, 0, 4, 1]
}

fn one_hot(labels: &[usize], c: usize) -> Vec<f64> {
    let mut y = vec![0.0; labels.len() * c];
    for (i, &l) in labels.iter().enumerate() {
        y[i * c + l] = 1.0;
    }
    y
}

/// Target distributions: positive rows summing to 1.
fn soft_targets(seed: u64) -> Vec<f64> {
    let mut y = uniform(N * C, 0.1, 1.0, seed);
    for r in y.chunks_mut(C) {
        let s: f64 = r.iter().sum();
        r.iter_mut().for_each(|v| *v /= s);
    }
    y
}

/// Gradient check of a scalar loss L(u): forward gives [L], backward
/// gives dL/du scaled by the upstream g[0].
fn check_loss(
    name: &str,
    u: &[f64],
    loss: impl Fn(&[f64]) -> Result<f64>,
    grad: impl Fn(&mut [f64], &[f64], f64) -> Result<()>,
) {
    let report = check_fn(
        &[("du", u)],
        |v| Ok(vec![loss(&v[0])?]),
        |v, g| {
            let mut d = vec![0.0; v[0].len()];
            grad(&mut d, &v[0], g[0])?;
            Ok(vec![d])
        },
        &Config::default(),
    )
    .unwrap();
    report.assert_passed(name);
}

#[test]
fn gradcheck_regression_and_binary_losses() {
    let t = uniform(12, -2.0, 2.0, 1);
    for red in [Reduction::Mean, Reduction::Sum] {
        let p = uniform(12, -2.0, 2.0, 2);
        check_loss("mse", &p, |p| loss::mse(p, &t, red), |d, p, g| loss::mse_backward(d, p, &t, red, g));
        // MAE away from its kink: p = t ± (0.1..1), so no p is within h = 1e-5 of t
        // and the central difference never straddles the corner of |p − t|.
        let off = uniform(12, 0.1, 1.0, 3);
        let p: Vec<f64> =
            t.iter().zip(&off).enumerate().map(|(i, (t, o))| if i % 2 == 0 { t + o } else { t - o }).collect();
        check_loss("mae", &p, |p| loss::mae(p, &t, red), |d, p, g| loss::mae_backward(d, p, &t, red, g));
        // BCE on logits, both signs, targets soft in [0, 1].
        let z = uniform(12, -6.0, 6.0, 4);
        let y = uniform(12, 0.0, 1.0, 5);
        check_loss(
            "bce",
            &z,
            |z| loss::bce_with_logits(z, &y, red),
            |d, z, g| loss::bce_with_logits_backward(d, z, &y, red, g),
        );
    }
}

#[test]
fn gradcheck_categorical_losses() {
    let l = labels();
    for red in [Reduction::Mean, Reduction::Sum] {
        // Probabilities kept in [0.05, 1) so that ln p is smooth around each sample.
        let p = uniform(N * C, 0.05, 1.0, 6);
        let y = soft_targets(7);
        check_loss(
            "categorical_ce",
            &p,
            |p| loss::categorical_cross_entropy(p, &y, N, C, red),
            |d, p, g| loss::categorical_cross_entropy_backward(d, p, &y, N, C, red, g),
        );
        check_loss(
            "sparse_ce",
            &p,
            |p| loss::sparse_categorical_cross_entropy(p, &l, N, C, red),
            |d, p, g| loss::sparse_categorical_cross_entropy_backward(d, p, &l, N, C, red, g),
        );
        let x = uniform(N * C, -3.0, 3.0, 8);
        check_loss(
            "softmax_ce",
            &x,
            |x| loss::softmax_cross_entropy(&mut [0.0; N * C], x, &l, N, C, red),
            |d, x, g| {
                let mut p = vec![0.0; N * C];
                loss::softmax_cross_entropy(&mut p, x, &l, N, C, red)?;
                loss::softmax_cross_entropy_backward(d, &p, &l, N, C, red, g)
            },
        );
        // Targets that do not sum to 1 check the general p·Σy − y form.
        let yu = uniform(N * C, 0.0, 1.0, 9);
        check_loss(
            "softmax_ce_probs",
            &x,
            |x| loss::softmax_cross_entropy_probs(&mut [0.0; N * C], x, &yu, N, C, red),
            |d, x, g| {
                let mut p = vec![0.0; N * C];
                loss::softmax_cross_entropy_probs(&mut p, x, &yu, N, C, red)?;
                loss::softmax_cross_entropy_probs_backward(d, &p, &yu, N, C, red, g)
            },
        );
    }
}

#[test]
fn gradcheck_softmax_log_softmax_lse() {
    let x = ArrayD::from_shape_vec(vec![N, C], uniform(N * C, -3.0, 3.0, 10)).unwrap();
    check_layer(&mut Softmax::<f64>::new(), &x, &Config::default()).unwrap().assert_passed("softmax layer");
    check_layer(&mut LogSoftmax::<f64>::new(), &x, &Config::default()).unwrap().assert_passed("log_softmax layer");
    // 3-D input: the last axis is C.
    let x3 = ArrayD::from_shape_vec(vec![2, 3, 4], uniform(24, -3.0, 3.0, 11)).unwrap();
    check_layer(&mut Softmax::<f64>::new(), &x3, &Config::default()).unwrap().assert_passed("softmax 3-D");
    // log-sum-exp: ∂lse/∂xⱼ = softmax(x)ⱼ.
    let xv: Vec<f64> = x.iter().copied().collect();
    let report = check_fn(
        &[("dx", &xv)],
        |v| {
            let mut out = vec![0.0; N];
            softmax::log_sum_exp_rows(&mut out, &v[0], N, C)?;
            Ok(out)
        },
        |v, g| {
            let mut p = vec![0.0; N * C];
            softmax::softmax_rows(&mut p, &v[0], N, C)?;
            Ok(vec![(0..N * C).map(|k| g[k / C] * p[k]).collect()])
        },
        &Config::default(),
    )
    .unwrap();
    report.assert_passed("log_sum_exp");
}

#[test]
fn closed_form_cases() {
    // MSE of p = [1, 2], t = [0, 0]: (1 + 4)/2 = 2.5; dL/dp = 2(p − t)/2 = [1, 2].
    assert_eq!(loss::mse(&[1.0f64, 2.0], &[0.0, 0.0], Reduction::Mean).unwrap(), 2.5);
    let mut d = [0.0f64; 2];
    loss::mse_backward(&mut d, &[1.0, 2.0], &[0.0, 0.0], Reduction::Mean, 1.0).unwrap();
    assert_eq!(d, [1.0, 2.0]);
    // MAE of p = [1, −3], t = 0, Sum: 4; gradient sign(p) = [1, −1]; at p = t: 0.
    assert_eq!(loss::mae(&[1.0f64, -3.0], &[0.0, 0.0], Reduction::Sum).unwrap(), 4.0);
    let mut d = [0.0f64; 3];
    loss::mae_backward(&mut d, &[1.0, -3.0, 0.0], &[0.0; 3], Reduction::Sum, 1.0).unwrap();
    assert_eq!(d, [1.0, -1.0, 0.0]);
    // BCE at z = 0: ln 2 whatever y; gradient σ(0) − y = 0.5 − y.
    let l = loss::bce_with_logits(&[0.0f64], &[1.0], Reduction::Mean).unwrap();
    assert_close(&[l], &[std::f64::consts::LN_2], 1e-15, "bce(0)");
    // softmax of [0, ln 3] = [1/4, 3/4]; CE with label 1 = −ln(3/4); gradient p − e₁ = [1/4, −1/4].
    let x = [0.0f64, 3f64.ln()];
    let mut p = [0.0; 2];
    let l = loss::softmax_cross_entropy(&mut p, &x, &[1], 1, 2, Reduction::Mean).unwrap();
    assert_close(&p, &[0.25, 0.75], 1e-15, "p");
    assert_close(&[l], &[-(0.75f64.ln())], 1e-15, "ce");
    let mut dx = [0.0; 2];
    loss::softmax_cross_entropy_backward(&mut dx, &p, &[1], 1, 2, Reduction::Mean, 1.0).unwrap();
    assert_close(&dx, &[0.25, -0.25], 1e-15, "dx");
}

#[test]
fn softmax_rows_sum_to_one_and_ignore_a_shift() {
    check_prop("softmax_shift", (1usize..=4, 1usize..=40, -50i32..=50), |(n, c, shift)| {
        let x: Vec<f32> = (0..n * c).map(|i| ((i * 37 % 23) as f32 - 11.0) / 3.0).collect();
        let mut y = vec![0.0f32; n * c];
        softmax::softmax_rows(&mut y, &x, n, c).unwrap();
        let sums: Vec<f32> = y.chunks(c).map(|r| r.iter().sum()).collect();
        // ≤ 40 terms of ≤ 1, each 2 ulp: the row sum is within ~1e-6 of 1.
        assert_close(&sums, &vec![1.0; n], 2e-6, "row sums");
        // Adding a constant to a row (different per row) changes nothing.
        let xs: Vec<f32> = x.iter().enumerate().map(|(k, v)| v + (shift * (k / c) as i32) as f32).collect();
        let mut ys = vec![0.0f32; n * c];
        softmax::softmax_rows(&mut ys, &xs, n, c).unwrap();
        // Shifted logits are rounded (|shift| ≤ 150): their f32 error is ~1e-5 absolute,
        // which moves p by ~p·1e-5.
        assert_close(&ys, &y, 2e-5, "shifted");
        Ok(())
    });
}

#[test]
fn cross_entropy_is_nonnegative_and_minus_log_p_true() {
    check_prop("ce", proptest::collection::vec(-400i32..=400, N * C), |xi| {
        let x: Vec<f64> = xi.iter().map(|&v| v as f64 / 40.0).collect();
        let l = labels();
        let mut p = vec![0.0; N * C];
        let total = loss::softmax_cross_entropy(&mut p, &x, &l, N, C, Reduction::Sum).unwrap();
        prop_assert!(total >= 0.0);
        let want: f64 = (0..N).map(|i| -p[i * C + l[i]].ln()).sum();
        assert_close(&[total], &[want], 1e-12, "−log p");
        // sparse and one-hot agree, on probabilities and on logits.
        let y = one_hot(&l, C);
        let sparse = loss::sparse_categorical_cross_entropy(&p, &l, N, C, Reduction::Mean).unwrap();
        let dense = loss::categorical_cross_entropy(&p, &y, N, C, Reduction::Mean).unwrap();
        assert_close(&[sparse], &[dense], 1e-14, "sparse vs one-hot");
        let probs = loss::softmax_cross_entropy_probs(&mut [0.0; N * C], &x, &y, N, C, Reduction::Mean).unwrap();
        assert_close(&[probs], &[total / N as f64], 1e-12, "fused probs vs labels");
        let (mut g1, mut g2) = (vec![0.0; N * C], vec![0.0; N * C]);
        loss::sparse_categorical_cross_entropy_backward(&mut g1, &p, &l, N, C, Reduction::Mean, 1.0).unwrap();
        loss::categorical_cross_entropy_backward(&mut g2, &p, &y, N, C, Reduction::Mean, 1.0).unwrap();
        assert_close(&g1, &g2, 1e-14, "sparse vs one-hot gradient");
        Ok(())
    });
}

#[test]
fn fused_gradient_is_softmax_jacobian_applied_to_ce_gradient() {
    let x = uniform(N * C, -4.0, 4.0, 12);
    let l = labels();
    let mut p = vec![0.0; N * C];
    loss::softmax_cross_entropy(&mut p, &x, &l, N, C, Reduction::Mean).unwrap();
    // Unfused: dL/dp from the CE on probabilities, then through softmax's Jacobian.
    let mut dp = vec![0.0; N * C];
    loss::sparse_categorical_cross_entropy_backward(&mut dp, &p, &l, N, C, Reduction::Mean, 1.0).unwrap();
    let mut unfused = vec![0.0; N * C];
    naive::softmax_rows_backward(&mut unfused, &p, &dp, N, C);
    let mut fused = vec![0.0; N * C];
    loss::softmax_cross_entropy_backward(&mut fused, &p, &l, N, C, Reduction::Mean, 1.0).unwrap();
    assert_close(&fused, &unfused, 1e-12, "(p − y)/N");
    // And it is literally (p − onehot)/N.
    let y = one_hot(&l, C);
    let want: Vec<f64> = p.iter().zip(&y).map(|(p, y)| (p - y) / N as f64).collect();
    assert_close(&fused, &want, 1e-15, "(p − y)/N by hand");
}

#[test]
fn huge_logits_give_finite_losses_and_gradients() {
    for x in [[1e4f32, -1e4, 0.0, 1e4, -1e4, 3.0], [-1e4, -1e4, -1e4, 1e4, 1e4, -1e4]] {
        let l = [1usize, 2];
        let mut p = [0.0f32; 6];
        let ce = loss::softmax_cross_entropy(&mut p, &x, &l, 2, 3, Reduction::Mean).unwrap();
        let mut dx = [0.0f32; 6];
        loss::softmax_cross_entropy_backward(&mut dx, &p, &l, 2, 3, Reduction::Mean, 1.0).unwrap();
        assert!(ce.is_finite() && p.iter().chain(&dx).all(|v| v.is_finite()), "{x:?}: {ce} {p:?} {dx:?}");
        let mut ls = [0.0f32; 6];
        softmax::log_softmax_rows(&mut ls, &x, 2, 3).unwrap();
        assert!(ls.iter().all(|v| v.is_finite()), "{ls:?}");
        let bce = loss::bce_with_logits(&x, &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0], Reduction::Sum).unwrap();
        let mut dz = [0.0f32; 6];
        loss::bce_with_logits_backward(&mut dz, &x, &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0], Reduction::Sum, 1.0).unwrap();
        assert!(bce.is_finite() && dz.iter().all(|v| v.is_finite()), "{bce} {dz:?}");
    }
    // The wrong-class case costs exactly the logit gap: lse([1e4, −1e4, 0]) − (−1e4) = 2e4.
    let mut p = [0.0f32; 3];
    let ce = loss::softmax_cross_entropy(&mut p, &[1e4, -1e4, 0.0], &[1], 1, 3, Reduction::Sum).unwrap();
    assert_eq!(ce, 2e4);
}

#[test]
fn bad_input_is_a_clear_error() {
    let msg = |r: Result<f32>| r.unwrap_err().to_string();
    assert!(msg(loss::mse(&[], &[], Reduction::Mean)).contains("empty batch"));
    assert!(
        msg(loss::mse(&[1.0], &[1.0, 2.0], Reduction::Mean)).contains("predictions have 1 elements but targets have 2")
    );
    assert!(
        msg(loss::sparse_categorical_cross_entropy(&[0.5; 4], &[0, 2], 2, 2, Reduction::Mean))
            .contains("label 2 at row 1 is outside 0..2")
    );
    assert!(
        msg(loss::softmax_cross_entropy(&mut [0.0; 4], &[0.0; 4], &[0, 7], 2, 2, Reduction::Mean)).contains("label 7")
    );
    assert!(msg(loss::softmax_cross_entropy(&mut [], &[], &[], 0, 3, Reduction::Mean)).contains("empty batch"));
    assert!(
        msg(loss::categorical_cross_entropy(&[0.5; 4], &[0.5; 6], 2, 2, Reduction::Mean)).contains("y has 6 elements")
    );
    assert!(
        msg(loss::softmax_cross_entropy(&mut [0.0; 4], &[0.0; 4], &[0], 2, 2, Reduction::Mean))
            .contains("labels has 1 elements")
    );
    let mut d = [0.0f32; 3];
    let e = loss::mse_backward(&mut d, &[1.0, 2.0], &[0.0, 0.0], Reduction::Mean, 1.0).unwrap_err();
    assert!(e.to_string().contains("gradient buffer has 3 elements"), "{e}");
    let mut sm = Softmax::<f32>::new();
    assert!(sm.backward(&ArrayD::zeros(vec![2, 3])).unwrap_err().to_string().contains("before forward"));
    let mut ce = SoftmaxCrossEntropy::<f32>::new(Reduction::Mean);
    assert!(ce.forward(&ArrayD::zeros(vec![2, 3]), &[0, 3]).unwrap_err().to_string().contains("label 3"));
}

#[test]
fn loss_object_matches_free_functions_in_f32() {
    let x: Vec<f32> = (0..N * C).map(|i| (i as f32 * 0.7).sin() * 3.0).collect();
    let l = labels();
    let mut obj = SoftmaxCrossEntropy::<f32>::new(Reduction::Mean);
    let got = obj.forward(&ArrayD::from_shape_vec(vec![N, C], x.clone()).unwrap(), &l).unwrap();
    let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let mut p = vec![0.0; N * C];
    let want = loss::softmax_cross_entropy(&mut p, &x64, &l, N, C, Reduction::Mean).unwrap();
    // f32 SIMD against the f64 oracle: a few f32 ulp of a loss of order 1.
    assert_close(&[got as f64], &[want], 1e-6, "loss");
    let dx: Vec<f64> = obj.backward().unwrap().iter().map(|&v| v as f64).collect();
    let mut want_dx = vec![0.0; N * C];
    loss::softmax_cross_entropy_backward(&mut want_dx, &p, &l, N, C, Reduction::Mean, 1.0).unwrap();
    assert_close(&dx, &want_dx, 1e-6, "dx");
}

// Σ(p − t)² over ≤ 49 terms of size ≤ 64, reordered over 4 accumulators:
// a few ulp of ~3000.
const SQ_TOL: f64 = 1e-5;

per_isa! {
    fn mse_reduction_matches_naive(isa) {
        check_prop("sq_diff_sum", tail_len().prop_flat_map(|n| (vec_f32(n), vec_f32(n), offset())), |(p, t, o)| {
            let bp = at_offset(&p, o);
            let got = loss::sq_diff_sum_on(isa, &bp[o..], &t).unwrap();
            assert_close(&[got], &[loss::naive_sq_diff_sum(&p, &t)], SQ_TOL, "sq_diff_sum");
            Ok(())
        });
    }
}
