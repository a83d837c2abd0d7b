//! The demonstrations show what the book says they show, and the CLI entry
//! points run.

use foundations::Isa;
use gradient_descent::{bench, demos};

#[test]
fn quadratic_converges_below_two_over_l_and_diverges_above() {
    let c = demos::quadratic_curves(&[0.19, 0.21], 60).unwrap();
    assert!(c[0].loss[60] < 1e-3 * c[0].loss[0], "η = 0.19 should converge: {}", c[0].loss[60]);
    assert!(c[1].loss[60] > 1e3 * c[1].loss[0], "η = 0.21 should diverge: {}", c[1].loss[60]);
    // Along λ = 10 the error is multiplied by 1 − 0.21·10 = −1.1 per step: f ∝ 1.21ᵏ.
    let ratio = c[1].loss[60] / c[1].loss[59];
    assert!((ratio - 1.21).abs() < 1e-3, "growth per step {ratio}");
}

#[test]
fn rosenbrock_momentum_and_adam_beat_plain_gradient_descent() {
    let r = demos::rosenbrock_runs(3000).unwrap();
    let last = |i: usize| r[i].curve.loss[3000];
    assert!(last(1) < 1e-3 * last(0), "momentum {} vs GD {}", last(1), last(0));
    assert!(last(2) < 1e-3 * last(0), "Adam {} vs GD {}", last(2), last(0));
}

#[test]
fn minibatch_gradient_variance_falls_as_one_over_b() {
    let v = demos::gradient_variance(&[1, 16], 3000).unwrap();
    // E‖ĝ_B − ∇L‖² = Var(g₁)/B: the ratio is 16 up to sampling error
    // (3000 draws: a few percent).
    let ratio = v[0].1 / v[1].1;
    assert!((ratio / 16.0 - 1.0).abs() < 0.15, "variance ratio {ratio}");
    let c = demos::batch_size_curves(&[1, 64], 600).unwrap();
    assert!(demos::tail_std(&c[0].loss) > 10.0 * demos::tail_std(&c[1].loss));
}

#[test]
fn tour_runs_and_tells_its_story() {
    let mut out = Vec::new();
    gradient_descent::tour(&mut out).unwrap();
    let s = String::from_utf8(out).unwrap();
    for want in ["linear regression", "gradient check", "η = 0.21", "Rosenbrock", "Adam update"] {
        assert!(s.contains(want), "tour output lacks {want:?}:\n{s}");
    }
    assert!(s.contains("passes at 1e-6: true"), "{s}");
}

#[test]
fn bench_measures_every_update_on_every_isa() {
    let mut rows = Vec::new();
    for (kernel, floats) in bench::UPDATES {
        for isa in Isa::available() {
            let r = bench::measure_update(kernel, isa, 37, 0.0).unwrap();
            assert_eq!(r.work, foundations::report::Work::Bytes((floats * 4 * 37) as f64));
            assert!(r.seconds > 0.0);
            rows.push(r);
        }
    }
    let table = bench::markdown_table(&rows);
    assert!(table.contains("| adam | 37 | naive |"), "{table}");
    assert!(bench::measure_update("lion", Isa::Scalar, 8, 0.0).is_err());
}
