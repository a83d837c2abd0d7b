//! The properties of issue 4: descent on convex quadratics below 2/L,
//! Adam's first step, momentum 0 = SGD, AdamW 0 = Adam, zero gradients.

use foundations::testing::{check_prop, grid_f32, tail_len, vec_f32};
use foundations::{Isa, assert_close, per_isa};
use gradient_descent::optim::{self, naive};
use gradient_descent::{Adam, AdamParams, Momentum, MomentumParams, Optimizer, Sgd};
use proptest::prelude::*;

/// A random convex quadratic f(x) = ½(x − x*)ᵀA(x − x*), A = MᵀM + μI (SPD),
/// with an upper bound L̄ ≥ λ_max(A) (the Frobenius norm), a start point and
/// a fraction φ ∈ (0, 1) for η = φ·2/L̄ < 2/λ_max.
fn quadratic() -> impl Strategy<Value = (usize, Vec<f64>, Vec<f64>, Vec<f64>, f64)> {
    (1usize..=6).prop_flat_map(|d| {
        (
            Just(d),
            proptest::collection::vec((-64i32..=64).prop_map(|k| k as f64 / 32.0), d * d),
            proptest::collection::vec((-64i32..=64).prop_map(|k| k as f64 / 16.0), d),
            proptest::collection::vec((-64i32..=64).prop_map(|k| k as f64 / 16.0), d),
            (1i32..=99).prop_map(|k| k as f64 / 100.0),
        )
    })
}

fn spd(d: usize, m: &[f64]) -> Vec<f64> {
    let mut a = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            a[i * d + j] = (0..d).map(|k| m[k * d + i] * m[k * d + j]).sum::<f64>() + if i == j { 0.1 } else { 0.0 };
        }
    }
    a
}

#[test]
fn gradient_descent_below_two_over_l_decreases_every_step() {
    check_prop("descent", quadratic(), |(d, m, xstar, x0, phi)| {
        let a = spd(d, &m);
        let l_bar = a.iter().map(|x| x * x).sum::<f64>().sqrt(); // ‖A‖_F ≥ λ_max
        let lr = phi * 2.0 / l_bar;
        let f = |x: &[f64]| {
            let e: Vec<f64> = (0..d).map(|i| x[i] - xstar[i]).collect();
            0.5 * (0..d).map(|i| e[i] * (0..d).map(|j| a[i * d + j] * e[j]).sum::<f64>()).sum::<f64>()
        };
        let mut x = x0.clone();
        let mut opt = Sgd::new(lr).unwrap();
        let mut prev = f(&x);
        for k in 0..30 {
            if prev < 1e-18 {
                break; // converged to round-off: nothing left to decrease
            }
            let g: Vec<f64> = (0..d).map(|i| (0..d).map(|j| a[i * d + j] * (x[j] - xstar[j])).sum()).collect();
            Optimizer::<f64>::step_flat(&mut opt, &mut x, &g).unwrap();
            let now = f(&x);
            // f(x − ηg) − f(x) = −η‖g‖²(1 − ηgᵀAg/2‖g‖²) ≤ −η‖g‖²(1 − ηL/2) < 0
            prop_assert!(now < prev, "step {k}: f went {prev} → {now} with η = {lr} (2/L̄ = {})", 2.0 / l_bar);
            prev = now;
        }
        Ok(())
    });
}

#[test]
fn gradient_descent_above_two_over_l_diverges() {
    // f(x) = ½·L·x²: x ← (1 − ηL)x, |1 − ηL| > 1 once η > 2/L.
    let l = 4.0;
    let mut x = vec![1.0f64];
    let mut opt = Sgd::new(2.2 / l).unwrap();
    for _ in 0..10 {
        let g = vec![l * x[0]];
        Optimizer::<f64>::step_flat(&mut opt, &mut x, &g).unwrap();
    }
    assert_close(&x, &[(1.0f64 - 2.2).powi(10)], 1e-12, "x after 10 steps");
    assert!(x[0].abs() > 6.0);
}

per_isa! {
    fn adam_first_step_is_lr_times_minus_sign_g(isa) {
        check_prop("adam first step", (tail_len().prop_flat_map(vec_f32), any::<u64>()), |(g, seed)| {
            let n = g.len();
            let theta: Vec<f32> = (0..n).map(|i| ((i as u64 ^ seed) % 257) as f32 / 64.0 - 2.0).collect();
            let (mut th, mut m, mut v) = (theta.clone(), vec![0.0f32; n], vec![0.0f32; n]);
            let lr = optim::KERAS_LR;
            optim::adam_update_on(isa, &mut th, &g, &mut m, &mut v, &AdamParams::default(), lr, 1).unwrap();
            for i in 0..n {
                let moved = (th[i] - theta[i]) as f64;
                let want = if g[i] == 0.0 { 0.0 } else { -lr * (g[i] as f64).signum() };
                // m̂ = g, v̂ = g²: the step is η·g/(|g| + ε) = η·sign(g)·(1 − O(ε/|g|)),
                // |g| ≥ 1/64 so ε/|g| ≤ 7e-6; θ is stored in f32 (ulp ≤ 2.4e-7 for
                // |θ| ≤ 2), i.e. ≤ 2.4e-4 of η = 1e-3: 1e-3·η bounds both.
                prop_assert!((moved - want).abs() <= 1e-3 * lr, "i {i}: g {} moved {moved}, want {want}", g[i]);
            }
            Ok(())
        });
    }

    fn momentum_with_beta_zero_is_sgd(isa) {
        check_prop("momentum β=0", (tail_len().prop_flat_map(|n| (vec_f32(n), vec_f32(n), vec_f32(n))), any::<bool>()), |((theta, g1, g2), nesterov)| {
            let p = MomentumParams { beta: 0.0, nesterov };
            let (mut a, mut u, mut b) = (theta.clone(), vec![0.0f32; theta.len()], theta.clone());
            for g in [&g1, &g2] {
                optim::momentum_update_on(isa, &mut a, g, &mut u, &p, 0.125).unwrap();
                optim::sgd_update_on(isa, &mut b, g, 0.125).unwrap();
            }
            // Classical momentum computes θ + round(−ηg) where SGD's FMA rounds
            // θ − ηg once: ≤ 1 ulp per step on the SIMD paths.
            assert_close(&a, &b, 1e-6, "momentum(β=0) vs sgd");
            Ok(())
        });
    }

    fn zero_gradient_leaves_sgd_parameters_unchanged(isa) {
        check_prop("zero gradient", (tail_len().prop_flat_map(vec_f32), 0i32..=64), |(theta, k)| {
            let mut th = theta.clone();
            optim::sgd_update_on(isa, &mut th, &vec![0.0; theta.len()], k as f64 / 8.0).unwrap();
            prop_assert_eq!(&th, &theta);
            // Adam from fresh state too: m̂ = 0, so 0/(0 + ε) = 0.
            let n = theta.len();
            optim::adam_update_on(isa, &mut th, &vec![0.0; n], &mut vec![0.0; n], &mut vec![0.0; n], &AdamParams::default(), 0.1, 1).unwrap();
            prop_assert_eq!(&th, &theta);
            Ok(())
        });
    }
}

#[test]
fn momentum_with_beta_zero_is_sgd_exactly_on_the_oracle() {
    check_prop("naive momentum β=0", tail_len().prop_flat_map(|n| (vec_f32(n), vec_f32(n))), |(theta, g)| {
        let (mut a, mut u, mut b) = (theta.clone(), vec![1.0f32; theta.len()], theta.clone());
        naive::momentum(&mut a, &g, &mut u, &MomentumParams { beta: 0.0, nesterov: false }, 0.25);
        naive::sgd(&mut b, &g, 0.25);
        prop_assert_eq!(a, b);
        Ok(())
    });
    // Through the Optimizer objects, several steps, in f64.
    let mut m = Momentum::<f64>::new(0.1, 0.0).unwrap();
    let mut s = Sgd::new(0.1).unwrap();
    let (mut a, mut b) = (vec![1.0, -2.0, 3.0], vec![1.0, -2.0, 3.0]);
    for k in 0..5 {
        let g = vec![k as f64, 1.0 - k as f64, 0.5];
        m.step_flat(&mut a, &g).unwrap();
        Optimizer::<f64>::step_flat(&mut s, &mut b, &g).unwrap();
    }
    assert_eq!(a, b);
}

#[test]
fn adamw_with_zero_decay_is_adam() {
    check_prop("adamw λ=0", tail_len().prop_flat_map(|n| (vec_f32(n), vec_f32(n), vec_f32(n))), |(theta, g1, g2)| {
        let mut adam = Adam::<f32>::new(0.01, AdamParams::default()).unwrap();
        let mut adamw = Adam::<f32>::adamw(0.01, 0.0).unwrap();
        let (mut a, mut b) = (theta.clone(), theta.clone());
        for g in [&g1, &g2, &g1] {
            adam.step_flat(&mut a, g).unwrap();
            adamw.step_flat(&mut b, g).unwrap();
        }
        prop_assert_eq!(a, b);
        Ok(())
    });
}

#[test]
fn adamw_decay_alone_shrinks_by_one_minus_lr_lambda() {
    // g = 0 forever: m = v = 0, so θ ← θ − η·λ·θ = (1 − ηλ)θ each step.
    let mut opt = Adam::<f64>::adamw(0.1, 0.5).unwrap();
    let mut th = vec![2.0, -4.0];
    for _ in 0..3 {
        opt.step_flat(&mut th, &[0.0, 0.0]).unwrap();
    }
    let f = (1.0f64 - 0.05).powi(3);
    assert_close(&th, &[2.0 * f, -4.0 * f], 1e-14, "decayed theta");
}

#[test]
fn adam_keras_defaults() {
    let p = AdamParams::default();
    assert_eq!((p.beta1, p.beta2, p.eps, p.weight_decay), (0.9, 0.999, 1e-7, 0.0));
    let opt = Adam::<f32>::keras();
    assert_eq!(opt.lr(), 0.001);
    let _ = (grid_f32(), Isa::active());
}

#[test]
fn adam_bias_correction_closed_form() {
    // Constant g = 2 for t steps from m = v = 0: m = (1 − β₁ᵗ)·2, v = (1 − β₂ᵗ)·4,
    // so m̂ = 2, v̂ = 4 exactly: each step moves θ by η·2/(2 + ε).
    let mut opt = Adam::<f64>::new(0.01, AdamParams::default()).unwrap();
    let mut th = vec![0.0];
    for t in 1..=5 {
        opt.step_flat(&mut th, &[2.0]).unwrap();
        assert_close(&th, &[-(t as f64) * 0.01 * 2.0 / (2.0 + 1e-7)], 1e-12, "theta");
    }
}
