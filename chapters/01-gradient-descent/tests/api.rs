//! The Optimizer objects on layers, the schedules' closed forms, and bad
//! input: every mistake a clear error.

use foundations::{Layer, Param, Result, assert_close};
use gradient_descent::optim;
use gradient_descent::{
    Adam, AdamParams, Momentum, MomentumParams, Optimizer, RmsProp, RmsPropParams, Schedule, Sgd, TrainConfig,
};
use ndarray::{ArrayD, IxDyn};

/// A stand-in layer with two parameters whose gradients the test sets.
struct TwoParams {
    params: Vec<Param<f32>>,
}

impl TwoParams {
    fn new() -> Self {
        let w = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1.0, -2.0, 0.5, 3.0, 0.0, -1.0]).unwrap();
        let b = ArrayD::from_shape_vec(IxDyn(&[3]), vec![0.1, 0.2, 0.3]).unwrap();
        TwoParams { params: vec![Param::new("W", w), Param::new("b", b)] }
    }
    fn set_grads(&mut self, k: f32) {
        for (j, p) in self.params.iter_mut().enumerate() {
            for (i, g) in p.grad.iter_mut().enumerate() {
                *g = k * (i as f32 - 1.5) + j as f32;
            }
        }
    }
}

impl Layer<f32> for TwoParams {
    fn name(&self) -> String {
        "two-params".into()
    }
    fn forward(&mut self, x: &ArrayD<f32>) -> Result<ArrayD<f32>> {
        Ok(x.clone())
    }
    fn backward(&mut self, dy: &ArrayD<f32>) -> Result<ArrayD<f32>> {
        Ok(dy.clone())
    }
    fn params(&self) -> Vec<&Param<f32>> {
        self.params.iter().collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param<f32>> {
        self.params.iter_mut().collect()
    }
}

#[test]
fn step_on_a_layer_equals_flat_steps_per_parameter() {
    let mut layer = TwoParams::new();
    let mut opt = Adam::<f32>::new(0.05, AdamParams::default()).unwrap();
    // The same updates done by hand: one Adam (own m, v) per parameter.
    let mut flat: Vec<(Vec<f32>, Adam<f32>)> = layer
        .params
        .iter()
        .map(|p| (p.value.iter().copied().collect(), Adam::new(0.05, AdamParams::default()).unwrap()))
        .collect();
    for k in 0..4 {
        layer.set_grads(k as f32 + 1.0);
        opt.step(&mut layer).unwrap();
        for (j, (theta, adam)) in flat.iter_mut().enumerate() {
            let g: Vec<f32> = layer.params[j].grad.iter().copied().collect();
            adam.step_flat(theta, &g).unwrap();
        }
    }
    assert_eq!(Optimizer::<f32>::steps(&opt), 4);
    for (j, (theta, _)) in flat.iter().enumerate() {
        let got: Vec<f32> = layer.params[j].value.iter().copied().collect();
        assert_eq!(&got, theta, "parameter {j}");
    }
}

#[test]
fn every_optimizer_steps_a_layer() {
    let opts: Vec<Box<dyn Optimizer<f32>>> = vec![
        Box::new(Sgd::new(0.1).unwrap()),
        Box::new(Momentum::<f32>::new(0.1, 0.9).unwrap()),
        Box::new(Momentum::<f32>::nesterov(0.1, 0.9).unwrap()),
        Box::new(RmsProp::<f32>::new(0.1, RmsPropParams::default()).unwrap()),
        Box::new(Adam::<f32>::keras()),
        Box::new(Adam::<f32>::adamw(0.1, 0.01).unwrap()),
    ];
    for mut opt in opts {
        let mut layer = TwoParams::new();
        let before: Vec<f32> = layer.params[0].value.iter().copied().collect();
        layer.set_grads(1.0);
        opt.step(&mut layer).unwrap();
        let after: Vec<f32> = layer.params[0].value.iter().copied().collect();
        assert!(before.iter().zip(&after).any(|(a, b)| a != b), "{} did not move W", opt.name());
    }
}

#[test]
fn schedules_closed_form() {
    let c = Schedule::constant();
    assert_eq!((c.factor(0), c.factor(1000)), (1.0, 1.0));
    // ×½ every 10 steps: γ^⌊k/10⌋.
    let s = Schedule::step_decay(10, 0.5).unwrap();
    let got: Vec<f64> = [0, 9, 10, 19, 25, 40].iter().map(|&k| s.factor(k)).collect();
    assert_eq!(got, vec![1.0, 1.0, 0.5, 0.5, 0.25, 0.0625]);
    // Cosine to 0 over 100 steps: ½(1 + cos(πk/100)) = 1, ½, 0 at k = 0, 50, 100, and 0 after.
    let cs = Schedule::cosine(100, 0.0).unwrap();
    let got: Vec<f64> = [0, 25, 50, 100, 200].iter().map(|&k| cs.factor(k)).collect();
    let q = 0.5 * (1.0 + (std::f64::consts::PI / 4.0).cos());
    assert_close(&got, &[1.0, q, 0.5, 0.0, 0.0], 1e-15, "cosine");
    // Down to 10%: f + (1 − f)·½(1 + cos(πk/K)).
    let cs = Schedule::cosine(100, 0.1).unwrap();
    assert_close(&[cs.factor(50), cs.factor(100)], &[0.55, 0.1], 1e-15, "cosine to 0.1");
    // Warm-up of 4 steps: (k + 1)/4, then the decay from its own step 0.
    let w = Schedule::cosine(100, 0.0).unwrap().with_warmup(4);
    let got: Vec<f64> = [0, 1, 3, 4, 54, 104].iter().map(|&k| w.factor(k)).collect();
    assert_close(&got, &[0.25, 0.5, 1.0, 1.0, 0.5, 0.0], 1e-15, "warm-up + cosine");
    let w = Schedule::step_decay(10, 0.1).unwrap().with_warmup(5);
    assert_close(&[w.factor(2), w.factor(14), w.factor(15)], &[0.6, 1.0, 0.1], 1e-15, "warm-up + step");
    assert_eq!(w.lr_at(0.01, 15), 0.01 * 0.1);
}

#[test]
fn train_applies_the_schedule_and_restores_the_rate() {
    // One sample, one feature, x = 1, y = 0, w starts at 1, b at 0: with a
    // step schedule ×0 after the first step, only the first step moves θ.
    let p = gradient_descent::LinearRegression {
        data: gradient_descent::Dataset { x: vec![1.0f64], y: vec![0.0], n: 1, d: 1 },
    };
    let mut theta = vec![1.0, 0.0];
    let mut opt = Sgd::new(0.25).unwrap();
    let mut cfg = TrainConfig::new(1, 5, 0);
    cfg.schedule = Schedule::step_decay(1, 1e-300).unwrap();
    gradient_descent::train(&p, &mut theta, &mut opt, &cfg).unwrap();
    // Step 1: r = 1, ∂L/∂w = ∂L/∂b = 2 → θ = (1 − 0.5, −0.5); later steps ×1e-300.
    assert_close(&theta, &[0.5, -0.5], 1e-12, "theta");
    assert_eq!(Optimizer::<f64>::lr(&opt), 0.25);
}

fn err<T>(r: Result<T>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_input_gives_clear_errors() {
    let (mut th, g, mut m, mut v) = (vec![0.0f32; 4], vec![0.0f32; 3], vec![0.0f32; 4], vec![0.0f32; 4]);
    let p = AdamParams::default();
    let e = err(optim::sgd_update(&mut th, &g, 0.1));
    assert!(e.contains("sgd: theta has 4 elements but g has 3"), "{e}");
    let e = err(optim::adam_update(&mut th, &[0.0; 4], &mut m, &mut v[..2], &p, 0.1, 1));
    assert!(e.contains("adam: theta has 4 elements but v has 2"), "{e}");
    let e = err(optim::sgd_update(&mut th, &[0.0; 4], -0.1));
    assert!(e.contains("learning rate must be finite and ≥ 0, got -0.1"), "{e}");
    let e = err(optim::sgd_update(&mut th, &[0.0; 4], f64::NAN));
    assert!(e.contains("learning rate"), "{e}");
    for beta in [1.0, -0.1, 1.5, f64::NAN] {
        let e = err(optim::momentum_update(&mut th, &[0.0; 4], &mut m, &MomentumParams { beta, nesterov: false }, 0.1));
        assert!(e.contains("beta (momentum) must be in [0, 1)"), "{e}");
        let e = err(optim::adam_update(&mut th, &[0.0; 4], &mut m, &mut v, &AdamParams { beta1: beta, ..p }, 0.1, 1));
        assert!(e.contains("beta1 must be in [0, 1)"), "{e}");
        let e = err(optim::adam_update(&mut th, &[0.0; 4], &mut m, &mut v, &AdamParams { beta2: beta, ..p }, 0.1, 1));
        assert!(e.contains("beta2 must be in [0, 1)"), "{e}");
        let e = err(RmsProp::<f32>::new(0.1, RmsPropParams { rho: beta, eps: 1e-7 }));
        assert!(e.contains("rho must be in [0, 1)"), "{e}");
        assert!(Momentum::<f32>::new(0.1, beta).is_err());
    }
    let e = err(optim::adam_update(&mut th, &[0.0; 4], &mut m, &mut v, &AdamParams { eps: 0.0, ..p }, 0.1, 1));
    assert!(e.contains("eps must be finite and > 0"), "{e}");
    let e = err(optim::adam_update(&mut th, &[0.0; 4], &mut m, &mut v, &p, 0.1, 0));
    assert!(e.contains("counts from 1"), "{e}");
    let e = err(Adam::<f32>::adamw(0.1, -1.0));
    assert!(e.contains("weight_decay must be finite and ≥ 0"), "{e}");
    let e = err(Sgd::new(-1.0));
    assert!(e.contains("learning rate"), "{e}");
    let mut sgd = Sgd::new(0.1).unwrap();
    assert!(Optimizer::<f32>::set_lr(&mut sgd, -0.5).is_err());
    // A parameter that changes length between steps.
    let mut adam = Adam::<f32>::keras();
    adam.step_flat(&mut [0.0; 3], &[1.0; 3]).unwrap();
    let e = err(adam.step_flat(&mut [0.0; 5], &[1.0; 5]));
    assert!(e.contains("parameter 0 had 3 elements at the first step but has 5 now"), "{e}");
    // Schedules.
    assert!(err(Schedule::step_decay(0, 0.5)).contains("every"));
    assert!(err(Schedule::step_decay(3, 1.5)).contains("gamma"));
    assert!(err(Schedule::cosine(0, 0.0)).contains("total"));
    assert!(err(Schedule::cosine(10, 2.0)).contains("final_frac"));
}

foundations::per_isa! {
    fn hand_computed_updates(isa) {
        // Momentum, θ = 1, g = 2, u = 0.5, β = 0.9, η = 0.1:
        //   u = 0.9·0.5 − 0.1·2 = 0.25; θ = 1 + 0.25 = 1.25;
        //   Nesterov: θ = 1 + 0.9·0.25 − 0.1·2 = 1.025.
        for (nesterov, want) in [(false, 1.25f32), (true, 1.025)] {
            let (mut th, mut u) = ([1.0f32; 3], [0.5f32; 3]);
            optim::momentum_update_on(isa, &mut th, &[2.0; 3], &mut u, &MomentumParams { beta: 0.9, nesterov }, 0.1).unwrap();
            // A few f32 roundings of values near 1.
            assert_close(&th, &[want; 3], 1e-6, "momentum theta");
            assert_close(&u, &[0.25; 3], 1e-6, "momentum u");
        }
        // RMSProp, s = 0, g = 2, ρ = 0.9, η = 0.1: s = 0.1·4 = 0.4; θ = 1 − 0.2/(√0.4 + 1e-7).
        let (mut th, mut s) = ([1.0f32; 17], [0.0f32; 17]);
        optim::rmsprop_update_on(isa, &mut th, &[2.0; 17], &mut s, &RmsPropParams::default(), 0.1).unwrap();
        let want = (1.0 - 0.2 / (0.4f64.sqrt() + 1e-7)) as f32;
        assert_close(&th, &[want; 17], 1e-6, "rmsprop theta");
        assert_close(&s, &[0.4; 17], 1e-6, "rmsprop s");
        // Adam, t = 2 after g = 1 then g = −1 (β₁ 0.9, β₂ 0.999, η = 0.1):
        //   m = 0.9·0.1 − 0.1 = −0.01, m̂ = −0.01/0.19; v = 0.001·0.999 + 0.001 = 0.001999, v̂ = v/0.001999 = 1;
        //   second step = −0.1·m̂/(1 + 1e-7) = +0.1·(0.01/0.19)/(1 + 1e-7).
        let (mut th, mut m, mut v) = ([0.0f32; 5], [0.0f32; 5], [0.0f32; 5]);
        let p = AdamParams::default();
        optim::adam_update_on(isa, &mut th, &[1.0; 5], &mut m, &mut v, &p, 0.1, 1).unwrap();
        let after_one = th[0];
        optim::adam_update_on(isa, &mut th, &[-1.0; 5], &mut m, &mut v, &p, 0.1, 2).unwrap();
        let want = (-0.1 / (1.0 + 1e-7) + 0.1 * (0.01 / 0.19) / (1.0 + 1e-7)) as f32;
        assert_close(&[after_one], &[(-0.1 / (1.0 + 1e-7)) as f32], 1e-6, "adam step 1");
        // 0.01/0.19 comes from a cancellation (0.09 − 0.1) in f32: ~1e-6 relative to m.
        assert_close(&th, &[want; 5], 1e-6, "adam step 2");
    }
}
