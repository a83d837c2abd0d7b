//! Dense, ReLU, Flatten: gradient checks; the seed CNN's sizes and
//! parameter counts, read from the layer objects.

mod common;

use common::{away_from_zero, grid};
use conv_pool::conv2d::Padding;
use conv_pool::layers::{Conv2d, Dense, Flatten, ReLU, glorot_uniform, seed_cnn};
use foundations::gradcheck::{Config, check_layer};
use foundations::{Layer, assert_close};
use ndarray::{ArrayD, IxDyn};

fn arr(shape: &[usize], v: Vec<f64>) -> ArrayD<f64> {
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

#[test]
fn gradcheck_dense() {
    // y = xW + b is linear in x, W and b: any values.
    let mut dense = Dense::<f64>::new(7, 5, 3).unwrap();
    dense.params_mut()[1].value.as_slice_mut().unwrap().copy_from_slice(&grid(5, 2));
    let x = arr(&[4, 7], grid(28, 1));
    check_layer(&mut dense, &x, &Config::default()).unwrap().assert_passed("dense");
}

#[test]
fn gradcheck_relu_and_flatten() {
    // ReLU: inputs with |x| ≥ 0.1 (common::away_from_zero), so x ± h never
    // crosses the kink at 0.
    let x = arr(&[2, 3, 4, 5], away_from_zero(120, 4));
    let mut relu = ReLU::<f64>::new();
    check_layer(&mut relu, &x, &Config::default()).unwrap().assert_passed("relu");
    let mut flat = Flatten::new();
    check_layer(&mut flat, &x, &Config::default()).unwrap().assert_passed("flatten");
}

/// A few layers run one after the other, as one layer (for the checker).
struct Stack(Vec<Box<dyn Layer<f64>>>);

impl Layer<f64> for Stack {
    fn name(&self) -> String {
        self.0.iter().map(|l| l.name()).collect::<Vec<_>>().join(" → ")
    }
    fn forward(&mut self, x: &ArrayD<f64>) -> foundations::Result<ArrayD<f64>> {
        self.0.iter_mut().try_fold(x.clone(), |y, l| l.forward(&y))
    }
    fn backward(&mut self, dy: &ArrayD<f64>) -> foundations::Result<ArrayD<f64>> {
        self.0.iter_mut().rev().try_fold(dy.clone(), |g, l| l.backward(&g))
    }
    fn params(&self) -> Vec<&foundations::Param<f64>> {
        self.0.iter().flat_map(|l| l.params()).collect()
    }
    fn params_mut(&mut self) -> Vec<&mut foundations::Param<f64>> {
        self.0.iter_mut().flat_map(|l| l.params_mut()).collect()
    }
}

#[test]
fn gradcheck_small_stack() {
    // conv → relu → maxpool → conv → flatten → dense, in f64, end to end:
    // the pieces compose. The values are seeded and fixed; a ReLU kink or
    // a max-pool tie would need a conv output within h = 1e-5 of 0 or of
    // its window's runner-up, which these do not have (the check would
    // fail loudly, not flake: nothing here is random at run time).
    let mut stack = Stack(vec![
        Box::new(Conv2d::<f64>::new(2, 3, (3, 3), (1, 1), Padding::Same, 1).unwrap()),
        Box::new(ReLU::new()),
        Box::new(conv_pool::layers::MaxPool2d::new((2, 2), (2, 2)).unwrap()),
        Box::new(Conv2d::<f64>::new(3, 2, (2, 2), (1, 1), Padding::Valid, 2).unwrap()),
        Box::new(Flatten::new()),
        Box::new(Dense::new(8, 4, 2).unwrap()),
    ]);
    let x = arr(&[2, 6, 6, 2], grid(144, 9));
    assert_eq!(stack.forward(&x).unwrap().shape(), &[2, 4]);
    check_layer(&mut stack, &x, &Config::default()).unwrap().assert_passed(&stack.name());
}

#[test]
fn relu_values() {
    let mut relu = ReLU::<f64>::new();
    let y = relu.forward(&arr(&[1, 4], vec![-1.0, 0.0, 0.5, 2.0])).unwrap();
    assert_eq!(y.as_slice().unwrap(), &[0.0, 0.0, 0.5, 2.0]);
    // The derivative at exactly 0 is taken as 0.
    let dx = relu.backward(&arr(&[1, 4], vec![1.0; 4])).unwrap();
    assert_eq!(dx.as_slice().unwrap(), &[0.0, 0.0, 1.0, 1.0]);
}

#[test]
fn dense_closed_form() {
    // x = [1 2], W = [[1 2 3], [4 5 6]], b = [0.5 0 −1]:
    // y = [1·1+2·4+0.5, 1·2+2·5, 1·3+2·6−1] = [9.5, 12, 14]
    // With dy = [1 1 1]: dW = xᵀ·dy = [[1 1 1], [2 2 2]], db = [1 1 1], dx = dy·Wᵀ = [6, 15].
    let mut dense = Dense::<f64>::new(2, 3, 0).unwrap();
    dense.params_mut()[0].value.as_slice_mut().unwrap().copy_from_slice(&[1., 2., 3., 4., 5., 6.]);
    dense.params_mut()[1].value.as_slice_mut().unwrap().copy_from_slice(&[0.5, 0., -1.]);
    let y = dense.forward(&arr(&[1, 2], vec![1., 2.])).unwrap();
    assert_eq!(y.as_slice().unwrap(), &[9.5, 12., 14.]);
    let dx = dense.backward(&arr(&[1, 3], vec![1.; 3])).unwrap();
    assert_eq!(dx.as_slice().unwrap(), &[6., 15.]);
    assert_eq!(dense.params()[0].grad.as_slice().unwrap(), &[1., 1., 1., 2., 2., 2.]);
    assert_eq!(dense.params()[1].grad.as_slice().unwrap(), &[1., 1., 1.]);
}

#[test]
fn seed_cnn_sizes_and_parameter_counts() {
    // 28 → 26 → 13 → 11 → 5 → 3 → 576, and Keras' parameter counts:
    // conv1 3·3·1·32 + 32 = 320, conv2 3·3·32·64 + 64 = 18 496,
    // conv3 3·3·64·64 + 64 = 36 928, dense1 576·64 + 64 = 36 928, dense2 64·10 + 10 = 650.
    let mut net = seed_cnn::<f32>(1).unwrap();
    let mut y = ArrayD::<f32>::zeros(IxDyn(&[2, 28, 28, 1]));
    let mut shapes = Vec::new();
    for layer in net.iter_mut() {
        y = layer.forward(&y).unwrap();
        shapes.push((layer.name(), y.shape().to_vec(), layer.num_params()));
    }
    let want: [(&[usize], usize); 12] = [
        (&[2, 26, 26, 32], 320),
        (&[2, 26, 26, 32], 0),
        (&[2, 13, 13, 32], 0),
        (&[2, 11, 11, 64], 18_496),
        (&[2, 11, 11, 64], 0),
        (&[2, 5, 5, 64], 0),
        (&[2, 3, 3, 64], 36_928),
        (&[2, 3, 3, 64], 0),
        (&[2, 576], 0),
        (&[2, 64], 36_928),
        (&[2, 64], 0),
        (&[2, 10], 650),
    ];
    for ((name, shape, params), (ws, wp)) in shapes.iter().zip(want) {
        assert_eq!((shape.as_slice(), *params), (ws, wp), "{name}");
    }
    assert_eq!(net.iter().map(|l| l.num_params()).sum::<usize>(), 93_322);
    // And backward runs through the whole stack, returning dx of the input's shape.
    let mut g = ArrayD::<f32>::ones(IxDyn(&[2, 10]));
    for layer in net.iter_mut().rev() {
        g = layer.backward(&g).unwrap();
    }
    assert_eq!(g.shape(), &[2, 28, 28, 1]);
}

#[test]
fn glorot_init_is_seeded_and_bounded() {
    // Limit √(6/(fan_in + fan_out)) = √(6/(9 + 288)) for a 3×3×1×32 kernel.
    let a = glorot_uniform::<f64>(&[3, 3, 1, 32], 9, 288, 42);
    let b = glorot_uniform::<f64>(&[3, 3, 1, 32], 9, 288, 42);
    assert_eq!(a, b);
    let limit = (6.0f64 / 297.0).sqrt();
    assert!(a.iter().all(|v| v.abs() <= limit));
    // Spread: the sample variance is near limit²/3 (uniform), within 30%.
    let var = a.iter().map(|v| v * v).sum::<f64>() / a.len() as f64;
    assert_close(&[var], &[limit * limit / 3.0], 0.3 * limit * limit / 3.0, "variance");
}

#[test]
fn dense_bad_input() {
    let mut dense = Dense::<f32>::new(576, 64, 0).unwrap();
    let e = dense.forward(&ArrayD::zeros(IxDyn(&[2, 3, 3, 64]))).unwrap_err();
    assert!(e.to_string().contains("flatten feature maps first"), "{e}");
    assert!(Dense::<f32>::new(0, 3, 0).is_err());
}
