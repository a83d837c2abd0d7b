//! The two problems: gradients checked in f64 against central differences,
//! and fits that recover the known answer.

use foundations::gradcheck::{Config, check_fn};
use gradient_descent::{
    Adam, AdamParams, Dataset, LinearRegression, LogisticRegression, Momentum, Problem, Sgd, TrainConfig, train,
};

/// Splits θ = (w, b) and checks the loss's gradient w.r.t. both.
fn gradcheck(problem: &dyn Problem<f64>, theta: &[f64], batch: &[usize], what: &str) {
    let d = theta.len() - 1;
    let (w, b) = (theta[..d].to_vec(), vec![theta[d]]);
    let join = |v: &[Vec<f64>]| [v[0].clone(), v[1].clone()].concat();
    let report = check_fn(
        &[("dw", &w), ("db", &b)],
        |v| Ok(vec![problem.loss(&join(v), batch)?]),
        |v, g| {
            let mut grad = vec![0.0; d + 1];
            problem.loss_grad(&join(v), batch, &mut grad)?;
            Ok(vec![grad[..d].iter().map(|x| g[0] * x).collect(), vec![g[0] * grad[d]]])
        },
        &Config::default(),
    )
    .unwrap();
    report.assert_passed(what);
}

#[test]
fn linear_regression_gradient_checks() {
    let data = Dataset::<f64>::linear(9, &[0.5, -1.0, 2.0, 0.25, -0.75], 0.3, 0.1, 1).unwrap();
    let p = LinearRegression { data };
    // MSE is a polynomial: no kinks anywhere. A batch with a repeated sample too.
    gradcheck(&p, &[0.1, 0.2, -0.3, 0.4, -0.5, 0.6], &(0..9).collect::<Vec<_>>(), "linreg full batch");
    gradcheck(&p, &[1.1, -0.2, 0.3, 0.0, 0.5, -1.0], &[3, 1, 3, 7], "linreg mini-batch");
}

#[test]
fn logistic_regression_gradient_checks() {
    let data = Dataset::<f64>::logistic(11, &[1.5, -2.0, 0.5, 1.0], -0.2, 2).unwrap();
    let p = LogisticRegression { data };
    // softplus(z) − yz is smooth for every z (the max(z,0) + ln(1+e^−|z|)
    // form is the same smooth function written without overflow), so no
    // sample needs moving away from a kink. Large logits (|z| ≈ 10) check the
    // stable branches too.
    gradcheck(&p, &[0.3, -0.1, 0.2, 0.4, 0.05], &(0..11).collect::<Vec<_>>(), "logreg full batch");
    gradcheck(&p, &[4.0, -5.0, 3.0, 2.0, 1.0], &[0, 2, 4, 6, 8, 10], "logreg large logits");
}

#[test]
fn logistic_loss_closed_form() {
    // One sample x = (1), w = 0, b = 0: z = 0, σ = ½, loss = ln 2 for either label,
    // dL/dw = (σ − y)·x = ±½.
    let p = LogisticRegression { data: Dataset { x: vec![1.0f64], y: vec![1.0], n: 1, d: 1 } };
    let mut g = vec![0.0; 2];
    let l = p.loss_grad(&[0.0, 0.0], &[0], &mut g).unwrap();
    foundations::assert_close(&[l], &[std::f64::consts::LN_2], 1e-15, "loss");
    foundations::assert_close(&g, &[-0.5, -0.5], 1e-15, "grad");
    // A logit of 800 would overflow e^z in f64; the stable form gives 0 loss for y = 1.
    let l = p.loss_grad(&[800.0, 0.0], &[0], &mut g).unwrap();
    assert_eq!(l, 0.0);
    assert!(g.iter().all(|x| x.is_finite()));
}

#[test]
fn linear_regression_recovers_known_weights_f64() {
    let (w_true, b_true) = ([0.5, -1.25, 2.0, 0.75], -0.5);
    let p = LinearRegression { data: Dataset::<f64>::linear(64, &w_true, b_true, 0.0, 7).unwrap() };
    let mut theta = vec![0.0; 5];
    let mut opt = Sgd::new(0.2).unwrap();
    train(&p, &mut theta, &mut opt, &TrainConfig::new(64, 600, 0)).unwrap();
    // Noiseless data: the least-squares solution is exactly (w*, b*).
    foundations::assert_close(&theta, &[0.5, -1.25, 2.0, 0.75, -0.5], 1e-4, "theta");
}

#[test]
fn linear_regression_recovers_known_weights_f32_minibatch_momentum() {
    let (w_true, b_true) = ([0.5, -1.25, 2.0, 0.75, 0.1, -0.3, 1.0, 0.0, 0.2], 0.25);
    let p = LinearRegression { data: Dataset::<f32>::linear(256, &w_true, b_true, 0.0, 8).unwrap() };
    let mut theta = vec![0.0f32; 10];
    let mut opt = Momentum::new(0.02, 0.9).unwrap();
    // Noiseless data: every mini-batch gradient vanishes at (w*, b*), so even
    // mini-batch SGD converges there. f32 on the SIMD kernels.
    train(&p, &mut theta, &mut opt, &TrainConfig::new(16, 3000, 1)).unwrap();
    let want: Vec<f32> = w_true.iter().map(|&w| w as f32).chain([b_true as f32]).collect();
    foundations::assert_close(&theta, &want, 1e-4, "theta f32");
}

#[test]
fn logistic_regression_finds_the_direction() {
    let w_true = [2.0, -1.0, 0.5];
    let p = LogisticRegression { data: Dataset::<f64>::logistic(2000, &w_true, 0.3, 9).unwrap() };
    let mut theta = vec![0.0; 4];
    let mut opt = Adam::new(0.05, AdamParams::default()).unwrap();
    let hist = train(&p, &mut theta, &mut opt, &TrainConfig::new(2000, 300, 0)).unwrap();
    assert!(hist[299] < hist[0] * 0.75, "loss {} → {}", hist[0], hist[299]);
    let cos = theta[..3].iter().zip(&w_true).map(|(a, b)| a * b).sum::<f64>()
        / (theta[..3].iter().map(|a| a * a).sum::<f64>().sqrt() * w_true.iter().map(|a| a * a).sum::<f64>().sqrt());
    // Labels are sampled, so the MLE is near, not at, w*: 2000 samples pin
    // its direction to a few degrees.
    assert!(cos > 0.98, "cosine to the true weights {cos}, theta {theta:?}");
    assert!(p.accuracy(&theta).unwrap() > 0.75);
}

#[test]
fn minibatch_sgd_lowers_the_loss() {
    let p = LinearRegression { data: Dataset::<f32>::linear(500, &[1.0, -2.0, 0.5], 1.0, 0.1, 3).unwrap() };
    let mut theta = vec![0.0f32; 4];
    let mut opt = Sgd::new(0.05).unwrap();
    let before = p.full_loss(&theta).unwrap();
    train(&p, &mut theta, &mut opt, &TrainConfig::new(8, 400, 5)).unwrap();
    let after = p.full_loss(&theta).unwrap();
    // The noise floor is σ² = 0.01.
    assert!(after < 0.02 && after < before / 100.0, "loss {before} → {after}");
}

#[test]
fn bad_problem_inputs_are_clear_errors() {
    let p = LinearRegression { data: Dataset::<f64>::linear(5, &[1.0, 2.0], 0.0, 0.0, 0).unwrap() };
    let mut g = vec![0.0; 3];
    let e = p.loss_grad(&[0.0; 2], &[0], &mut g).unwrap_err().to_string();
    assert!(e.contains("theta has 2 elements but D + 1 = 3"), "{e}");
    let e = p.loss_grad(&[0.0; 3], &[5], &mut g).unwrap_err().to_string();
    assert!(e.contains("sample index 5"), "{e}");
    let e = p.loss_grad(&[0.0; 3], &[], &mut g).unwrap_err().to_string();
    assert!(e.contains("batch is empty"), "{e}");
    let mut opt = Sgd::new(0.1).unwrap();
    let e = train(&p, &mut [0.0; 3], &mut opt, &TrainConfig::new(0, 1, 0)).unwrap_err().to_string();
    assert!(e.contains("batch_size"), "{e}");
    // A learning rate far above 2/L diverges: a clear error, not NaNs.
    let mut opt = Sgd::new(100.0).unwrap();
    let e = train(&p, &mut [0.0; 3], &mut opt, &TrainConfig::new(5, 1000, 0)).unwrap_err().to_string();
    assert!(e.contains("lower it"), "{e}");
    assert!(Dataset::<f64>::linear(0, &[1.0], 0.0, 0.0, 0).is_err());
}
