//! The gradient checker, checked: exact on functions with known gradients,
//! and loud on a deliberately wrong one.

use foundations::gradcheck::{Config, check_fn, check_layer, compare};
use foundations::{Layer, MatMut, MatRef, Param, Real, Result, assert_close};
use ndarray::{ArrayD, IxDyn};

/// y = x ∘ x ∘ w (element-wise), so ∂L/∂x = 2·g·x·w and ∂L/∂w = g·x².
fn cube_like(inputs: &[Vec<f64>]) -> Result<Vec<f64>> {
    Ok(inputs[0].iter().zip(&inputs[1]).map(|(x, w)| x * x * w).collect())
}

#[test]
fn known_gradient_passes() {
    let x = [0.3, -1.2, 2.0, 0.7];
    let w = [1.5, 0.2, -0.4, 3.0];
    let report = check_fn(
        &[("dx", &x), ("dw", &w)],
        cube_like,
        |inp, g| {
            let dx = (0..4).map(|i| 2.0 * g[i] * inp[0][i] * inp[1][i]).collect();
            let dw = (0..4).map(|i| g[i] * inp[0][i] * inp[0][i]).collect();
            Ok(vec![dx, dw])
        },
        &Config::default(),
    )
    .unwrap();
    report.assert_passed("x∘x∘w");
    // A correct analytic gradient is far inside the tolerance in f64.
    assert!(report.max_rel_err() < 1e-8, "{report}");
}

#[test]
fn wrong_gradient_is_caught() {
    let x = [0.3, -1.2, 2.0, 0.7];
    let w = [1.5, 0.2, -0.4, 3.0];
    // The classic bug: forgetting the factor 2 of d(x²)/dx.
    let report = check_fn(
        &[("dx", &x), ("dw", &w)],
        cube_like,
        |inp, g| {
            let dx = (0..4).map(|i| g[i] * inp[0][i] * inp[1][i]).collect();
            let dw = (0..4).map(|i| g[i] * inp[0][i] * inp[0][i]).collect();
            Ok(vec![dx, dw])
        },
        &Config::default(),
    )
    .unwrap();
    assert!(!report.passed(), "the checker missed a wrong dx:\n{report}");
    assert!(report.tensors[0].rel_err > 0.1);
    assert!(report.tensors[1].rel_err < 1e-8, "dw is right and must pass:\n{report}");
}

#[test]
fn a_tiny_error_in_one_element_is_caught() {
    // Analytic off by 1e-4 relative in one element of many: still > 1e-6.
    let analytic: Vec<f64> = (0..100).map(|i| (i as f64).sin()).collect();
    let mut numeric = analytic.clone();
    numeric[37] *= 1.0 + 1e-4;
    let r = compare("dW", &analytic, &numeric);
    assert_eq!(r.worst, 37);
    assert!(r.rel_err > 1e-5 && r.rel_err < 2e-4, "{}", r.rel_err);
}

#[test]
fn nan_gradient_fails() {
    let r = compare("db", &[1.0, f64::NAN], &[1.0, 2.0]);
    assert!(r.rel_err.is_infinite());
}

/// A small dense layer y = x·W + b, written ONCE over `Real` on `T::gemm`:
/// as f32 it runs the SIMD GEMM, as f64 the naive oracle. (Chapter 3 has
/// the real one.) x: (M, K)  W: (K, N)  b: (N)  y: (M, N)
struct TinyDense<T: Real> {
    w: Param<T>,
    b: Param<T>,
    x: Option<ArrayD<T>>,
    /// Inject the classic bug: forget to accumulate (overwrite instead of +=).
    overwrite: bool,
}

impl<T: Real> TinyDense<T> {
    fn new(k: usize, n: usize, overwrite: bool) -> Self {
        let w = ArrayD::from_shape_fn(IxDyn(&[k, n]), |ix| T::c(((ix[0] * 7 + ix[1] * 3) % 11) as f64 / 5.0 - 1.0));
        let b = ArrayD::from_shape_fn(IxDyn(&[n]), |ix| T::c(ix[0] as f64 * 0.1));
        TinyDense { w: Param::new("W", w), b: Param::new("b", b), x: None, overwrite }
    }
}

fn slice<T>(a: &ArrayD<T>) -> &[T] {
    a.as_slice().expect("standard layout")
}

impl<T: Real> Layer<T> for TinyDense<T> {
    fn name(&self) -> String {
        "tiny_dense".into()
    }
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (m, k, n) = (x.shape()[0], x.shape()[1], self.w.value.shape()[1]);
        // y = b (broadcast over rows), then y ← 1·x·W + 1·y
        let mut y: Vec<T> = (0..m).flat_map(|_| self.b.value.iter().copied()).collect();
        T::gemm(
            MatMut::new(&mut y, m, n)?,
            T::one(),
            MatRef::new(slice(x), m, k)?,
            MatRef::new(slice(&self.w.value), k, n)?,
            T::one(),
        )?;
        self.x = Some(x.clone());
        Ok(ArrayD::from_shape_vec(IxDyn(&[m, n]), y).unwrap())
    }
    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let x = self.x.as_ref().unwrap();
        let (m, k, n) = (x.shape()[0], x.shape()[1], self.w.value.shape()[1]);
        let (xs, dys) = (MatRef::new(slice(x), m, k)?, MatRef::new(slice(dy), m, n)?);
        // y = x·W + b  ⇒  dx = dy·Wᵀ,  dW += xᵀ·dy,  db += Σ_rows dy
        let mut dx = vec![T::zero(); m * k];
        T::gemm(MatMut::new(&mut dx, m, k)?, T::one(), dys, MatRef::new(slice(&self.w.value), k, n)?.t(), T::zero())?;
        if self.overwrite {
            self.w.grad.fill(T::zero());
            self.b.grad.fill(T::zero());
        }
        T::gemm(MatMut::new(self.w.grad.as_slice_mut().unwrap(), k, n)?, T::one(), xs.t(), dys, T::one())?;
        for i in 0..m {
            T::axpy(self.b.grad.as_slice_mut().unwrap(), T::one(), &slice(dy)[i * n..(i + 1) * n])?;
        }
        Ok(ArrayD::from_shape_vec(IxDyn(&[m, k]), dx).unwrap())
    }
    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.w, &self.b]
    }
    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.w, &mut self.b]
    }
}

#[test]
fn one_layer_code_runs_in_f32_on_simd_and_in_f64_on_the_oracle() {
    let x64 = input();
    let x32 = x64.mapv(|v| v as f32);
    let y64 = TinyDense::<f64>::new(4, 5, false).forward(&x64).unwrap();
    let y32 = TinyDense::<f32>::new(4, 5, false).forward(&x32).unwrap();
    let y64_as32: Vec<f32> = y64.iter().map(|&v| v as f32).collect();
    // f32 rounding of a 4-term sum of O(1) values: a few ulps.
    assert_close(&y32.iter().copied().collect::<Vec<_>>(), &y64_as32, 1e-6, "y");
}

fn input() -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(&[3, 4]), |ix| ((ix[0] * 5 + ix[1]) as f64 * 0.37).sin())
}

#[test]
fn layer_check_passes_for_a_correct_layer() {
    let report = check_layer(&mut TinyDense::<f64>::new(4, 5, false), &input(), &Config::default()).unwrap();
    report.assert_passed("tiny dense");
    assert_eq!(report.tensors.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["dx", "dW", "db"]);
    assert_eq!(report.accumulates, Some(true));
}

#[test]
fn layer_check_catches_a_layer_that_overwrites_gradients() {
    let report = check_layer(&mut TinyDense::<f64>::new(4, 5, true), &input(), &Config::default()).unwrap();
    assert_eq!(report.accumulates, Some(false));
    assert!(!report.passed());
}

#[test]
fn report_prints_a_table() {
    let report = check_layer(
        &mut TinyDense::<f64>::new(2, 3, false),
        &input().slice_move(ndarray::s![.., ..2]).into_dyn(),
        &Config::default(),
    )
    .unwrap();
    let text = report.to_string();
    assert!(text.contains("dW") && text.contains("rel. error") && text.contains("ok"), "{text}");
}
