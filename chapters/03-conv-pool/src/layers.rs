//! The layers of the seed's CNN, each implementing chapter 0's [`Layer`]
//! contract, written once over `T: Kernels` (f32 trains on SIMD, f64 is
//! gradient-checked through the same code).
//!
//! | layer | x | y | params |
//! |---|---|---|---|
//! | [`Conv2d`] | (N, H, W, C) | (N, OH, OW, F) | "k" (KH, KW, C, F), "b" (F) |
//! | [`MaxPool2d`], [`AvgPool2d`] | (N, H, W, C) | (N, OH, OW, C) | none |
//! | [`ReLU`] | any | same | none |
//! | [`Flatten`] | (N, ...) | (N, product of the rest) | none |
//! | [`Dense`] | (N, D) | (N, U) | "W" (D, U), "b" (U) |
//!
//! Weights start as Keras starts them: Glorot (Xavier) uniform,
//! U(−l, l) with l = √(6 / (fan_in + fan_out)), biases zero; seeded.

use ndarray::{ArrayD, IxDyn};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use foundations::gemm::{MatMut, MatRef};
use foundations::{Error, Layer, Param, Real, Result, ensure_shape};

use crate::Kernels;
use crate::conv2d::{self, Conv2dDims, Padding};
use crate::pool::{self, PoolDims};

/// Glorot-uniform values for a tensor of `shape`.
pub fn glorot_uniform<T: Real>(shape: &[usize], fan_in: usize, fan_out: usize, seed: u64) -> ArrayD<T> {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
    let mut rng = StdRng::seed_from_u64(seed);
    ArrayD::from_shape_simple_fn(IxDyn(shape), || T::c(rng.random_range(-limit..=limit)))
}

/// The elements of an array in row-major order (copied only if the array
/// is not already standard-layout).
fn flat<T: Real>(a: &ArrayD<T>) -> std::borrow::Cow<'_, [T]> {
    match a.as_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(a.iter().copied().collect()),
    }
}

fn array<T>(shape: &[usize], v: Vec<T>) -> Result<ArrayD<T>> {
    ArrayD::from_shape_vec(IxDyn(shape), v).map_err(|e| Error::Shape(e.to_string()))
}

fn grad_slice<T>(p: &mut Param<T>) -> Result<&mut [T]> {
    let name = p.name.clone();
    p.grad.as_slice_mut().ok_or_else(|| Error::Shape(format!("parameter {name}: gradient is not contiguous")))
}

fn value_slice<T>(p: &Param<T>) -> Result<&[T]> {
    p.value.as_slice().ok_or_else(|| Error::Shape(format!("parameter {}: value is not contiguous", p.name)))
}

fn not_ready(layer: &str) -> Error {
    Error::Value(format!("{layer}: backward called before forward"))
}

fn check_dy<T>(layer: &str, dy: &ArrayD<T>, want: &[usize]) -> Result<()> {
    ensure_shape!(
        dy.shape() == want,
        "{layer}: dy has shape {:?} but the last forward output had {:?}",
        dy.shape(),
        want
    );
    Ok(())
}

// ---------------------------------------------------------------- Conv2d

// ANCHOR: conv2d_layer
/// A 2-D convolution layer (卷积层): y = conv2d(x, k) + b.
/// x: (N, H, W, C)  k: (KH, KW, C, F)  b: (F)  y: (N, OH, OW, F).
#[derive(Clone, Debug)]
pub struct Conv2d<T: Real> {
    k: Param<T>,
    b: Param<T>,
    stride: (usize, usize),
    padding: Padding,
    input_grad: bool,
    cache: Option<(ArrayD<T>, Conv2dDims)>,
}

impl<T: Kernels> Conv2d<T> {
    /// `c` input channels → `f` filters of `kh × kw`, Glorot-uniform kernel
    /// (fan_in = KH·KW·C, fan_out = KH·KW·F, as Keras), zero bias.
    pub fn new(
        c: usize,
        f: usize,
        (kh, kw): (usize, usize),
        stride: (usize, usize),
        padding: Padding,
        seed: u64,
    ) -> Result<Self> {
        // Validates every size with a dummy input as large as the kernel.
        Conv2dDims::new(1, (kh, kw, c), (kh, kw), f, stride, padding)?;
        let k = glorot_uniform(&[kh, kw, c, f], kh * kw * c, kh * kw * f, seed);
        Ok(Conv2d {
            k: Param::new("k", k),
            b: Param::new("b", ArrayD::zeros(IxDyn(&[f]))),
            stride,
            padding,
            input_grad: true,
            cache: None,
        })
    }

    /// The first layer of a network needs no dx: backward then skips it
    /// (a third of its work) and returns zeros.
    pub fn without_input_grad(mut self) -> Self {
        self.input_grad = false;
        self
    }

    /// (KH, KW, C, F)
    pub fn kernel_shape(&self) -> (usize, usize, usize, usize) {
        let s = self.k.value.shape();
        (s[0], s[1], s[2], s[3])
    }

    /// The convolution's dims for an input of this shape (checked).
    pub fn dims(&self, x_shape: &[usize]) -> Result<Conv2dDims> {
        let (kh, kw, c, f) = self.kernel_shape();
        ensure_shape!(
            x_shape.len() == 4,
            "conv2d: x must have rank 4 (N, H, W, C), got rank {} with shape {:?}",
            x_shape.len(),
            x_shape
        );
        let (n, h, w, xc) = (x_shape[0], x_shape[1], x_shape[2], x_shape[3]);
        ensure_shape!(
            xc == c,
            "conv2d: the kernel expects {c} input channels but x has {xc} (x is (N, H, W, C) = {x_shape:?})"
        );
        Conv2dDims::new(n, (h, w, c), (kh, kw), f, self.stride, self.padding)
    }
}

impl<T: Kernels> Layer<T> for Conv2d<T> {
    fn name(&self) -> String {
        let (kh, kw, c, f) = self.kernel_shape();
        format!("conv2d({c}→{f}, {kh}x{kw}, stride {}x{}, {:?})", self.stride.0, self.stride.1, self.padding)
    }

    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let d = self.dims(x.shape())?;
        let mut y = vec![T::zero(); d.y_len()];
        conv2d::conv2d_forward(&mut y, &flat(x), value_slice(&self.k)?, value_slice(&self.b)?, &d)?;
        self.cache = Some((x.clone(), d));
        array(&[d.n, d.oh, d.ow, d.f], y)
    }

    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let name = self.name();
        let (x, d) = self.cache.as_ref().ok_or_else(|| not_ready(&name))?;
        check_dy(&name, dy, &[d.n, d.oh, d.ow, d.f])?;
        let mut dx = vec![T::zero(); d.x_len()];
        let k = self.k.value.as_slice().ok_or_else(|| Error::Shape("conv2d: k is not contiguous".into()))?;
        let (dk, db) = (
            self.k.grad.as_slice_mut().ok_or_else(|| Error::Shape("conv2d: dk is not contiguous".into()))?,
            self.b.grad.as_slice_mut().ok_or_else(|| Error::Shape("conv2d: db is not contiguous".into()))?,
        );
        let dxs = if self.input_grad { Some(dx.as_mut_slice()) } else { None };
        conv2d::conv2d_backward(dxs, dk, db, &flat(x), k, &flat(dy), d)?;
        array(x.shape(), dx)
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.k, &self.b]
    }
    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.k, &mut self.b]
    }
}
// ANCHOR_END: conv2d_layer

// ---------------------------------------------------------------- pooling

/// Max or average.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PoolKind {
    Max,
    Avg,
}

/// A pooling layer (池化层) over PH×PW windows with stride SH×SW, no padding
/// (output ⌊(H − PH)/SH⌋ + 1, as Keras).
#[derive(Clone, Debug)]
struct Pool2d<T> {
    kind: PoolKind,
    window: (usize, usize),
    stride: (usize, usize),
    cache: Option<(ArrayD<T>, PoolDims)>,
}

impl<T: Kernels> Pool2d<T> {
    fn op(&self) -> &'static str {
        match self.kind {
            PoolKind::Max => "max_pool2d",
            PoolKind::Avg => "avg_pool2d",
        }
    }

    fn dims(&self, x_shape: &[usize]) -> Result<PoolDims> {
        ensure_shape!(
            x_shape.len() == 4,
            "{}: x must have rank 4 (N, H, W, C), got rank {} with shape {:?}",
            self.op(),
            x_shape.len(),
            x_shape
        );
        PoolDims::new(self.op(), x_shape[0], (x_shape[1], x_shape[2], x_shape[3]), self.window, self.stride)
    }

    fn name(&self) -> String {
        format!("{}({}x{}, stride {}x{})", self.op(), self.window.0, self.window.1, self.stride.0, self.stride.1)
    }

    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let d = self.dims(x.shape())?;
        let mut y = vec![T::zero(); d.y_len()];
        match self.kind {
            PoolKind::Max => pool::max_pool2d_forward(&mut y, &flat(x), &d)?,
            PoolKind::Avg => pool::avg_pool2d_forward(&mut y, &flat(x), &d)?,
        }
        // Average pooling's backward needs only the dims, not x.
        let keep = if self.kind == PoolKind::Max { x.clone() } else { ArrayD::zeros(IxDyn(&[0])) };
        self.cache = Some((keep, d));
        array(&[d.n, d.oh, d.ow, d.c], y)
    }

    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let name = self.name();
        let (x, d) = self.cache.as_ref().ok_or_else(|| not_ready(&name))?;
        check_dy(&name, dy, &[d.n, d.oh, d.ow, d.c])?;
        let mut dx = vec![T::zero(); d.x_len()];
        match self.kind {
            PoolKind::Max => pool::max_pool2d_backward(&mut dx, &flat(x), &flat(dy), d)?,
            PoolKind::Avg => pool::avg_pool2d_backward(&mut dx, &flat(dy), d)?,
        }
        array(&[d.n, d.h, d.w, d.c], dx)
    }
}

macro_rules! pool_layer {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name<T>(Pool2d<T>);

        impl<T: Kernels> $name<T> {
            /// A `window` pooling with `stride` (Keras' default stride is the window).
            pub fn new(window: (usize, usize), stride: (usize, usize)) -> Result<Self> {
                let p = Pool2d { kind: $kind, window, stride, cache: None };
                // Validates with a dummy input as large as the window.
                p.dims(&[1, window.0, window.1, 1])?;
                Ok($name(p))
            }
            /// The pooling's dims for an input of this shape (checked).
            pub fn dims(&self, x_shape: &[usize]) -> Result<PoolDims> {
                self.0.dims(x_shape)
            }
        }

        impl<T: Kernels> Layer<T> for $name<T> {
            fn name(&self) -> String {
                self.0.name()
            }
            fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
                self.0.forward(x)
            }
            fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
                self.0.backward(dy)
            }
        }
    };
}

pool_layer!(
    /// Max pooling (最大池化): the largest value of each window; backward routes
    /// dy to the first arg-max in scan order.
    MaxPool2d,
    PoolKind::Max
);
pool_layer!(
    /// Average pooling (平均池化): the mean of each window; backward spreads
    /// dy/(PH·PW) over it.
    AvgPool2d,
    PoolKind::Avg
);

// ---------------------------------------------------------------- Dense

// ANCHOR: dense_layer
/// A fully connected layer (全连接层): y = x·W + b.
/// x: (N, D)  W: (D, U)  b: (U)  y: (N, U).
#[derive(Clone, Debug)]
pub struct Dense<T: Real> {
    w: Param<T>,
    b: Param<T>,
    x: Option<ArrayD<T>>,
}

impl<T: Real> Dense<T> {
    /// D inputs → U outputs; Glorot-uniform W, zero b.
    pub fn new(d: usize, u: usize, seed: u64) -> Result<Self> {
        ensure_shape!(d >= 1 && u >= 1, "dense: need at least one input and one output, got {d}→{u}");
        Ok(Dense {
            w: Param::new("W", glorot_uniform(&[d, u], d, u, seed)),
            b: Param::new("b", ArrayD::zeros(IxDyn(&[u]))),
            x: None,
        })
    }

    fn sizes(&self) -> (usize, usize) {
        (self.w.value.shape()[0], self.w.value.shape()[1])
    }
}

impl<T: Real> Layer<T> for Dense<T> {
    fn name(&self) -> String {
        let (d, u) = self.sizes();
        format!("dense({d}→{u})")
    }

    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (d, u) = self.sizes();
        ensure_shape!(
            x.ndim() == 2 && x.shape()[1] == d,
            "dense: x must be (N, {d}), got shape {:?} (flatten feature maps first)",
            x.shape()
        );
        let n = x.shape()[0];
        let mut y = Vec::with_capacity(n * u);
        for _ in 0..n {
            y.extend_from_slice(value_slice(&self.b)?);
        }
        // y = x·W + y, where y holds b on every row
        T::gemm(
            MatMut::new(&mut y, n, u)?,
            T::one(),
            MatRef::new(&flat(x), n, d)?,
            MatRef::new(value_slice(&self.w)?, d, u)?,
            T::one(),
        )?;
        self.x = Some(x.clone());
        array(&[n, u], y)
    }

    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let name = self.name();
        let (d, u) = self.sizes();
        let x = self.x.as_ref().ok_or_else(|| not_ready(&name))?;
        let n = x.shape()[0];
        check_dy(&name, dy, &[n, u])?;
        let (xs, dys) = (flat(x), flat(dy));
        let dy_m = MatRef::new(&dys, n, u)?;
        // forward: y = x·W + b
        // ⇒ dW += xᵀ·dy
        T::gemm(MatMut::new(grad_slice(&mut self.w)?, d, u)?, T::one(), MatRef::new(&xs, n, d)?.t(), dy_m, T::one())?;
        // ⇒ db += Σ_rows dy
        let db = grad_slice(&mut self.b)?;
        for row in dys.chunks_exact(u) {
            for (a, &g) in db.iter_mut().zip(row) {
                *a += g;
            }
        }
        // ⇒ dx = dy·Wᵀ
        let mut dx = vec![T::zero(); n * d];
        T::gemm(MatMut::new(&mut dx, n, d)?, T::one(), dy_m, MatRef::new(value_slice(&self.w)?, d, u)?.t(), T::zero())?;
        array(&[n, d], dx)
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.w, &self.b]
    }
    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.w, &mut self.b]
    }
}
// ANCHOR_END: dense_layer

// ---------------------------------------------------------------- ReLU, Flatten

/// y = max(x, 0), element-wise; any shape. The derivative at 0 is taken as 0.
/// Caches one byte per element (x > 0), not x.
#[derive(Clone, Debug, Default)]
pub struct ReLU<T> {
    mask: Option<(Vec<u8>, Vec<usize>)>,
    _t: std::marker::PhantomData<T>,
}

impl<T: Real> ReLU<T> {
    /// A ReLU.
    pub fn new() -> Self {
        ReLU { mask: None, _t: std::marker::PhantomData }
    }
}

impl<T: Real> Layer<T> for ReLU<T> {
    fn name(&self) -> String {
        "relu".into()
    }
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        let xs = flat(x);
        let y: Vec<T> = xs.iter().map(|&v| if v > T::zero() { v } else { T::zero() }).collect();
        let mask = xs.iter().map(|&v| u8::from(v > T::zero())).collect();
        self.mask = Some((mask, x.shape().to_vec()));
        array(x.shape(), y)
    }
    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let (mask, shape) = self.mask.as_ref().ok_or_else(|| not_ready("relu"))?;
        check_dy("relu", dy, shape)?;
        // forward: y = x if x > 0 else 0  ⇒  dx = dy·[x > 0]
        // (on flat slices: ndarray's element-wise zip over a dynamic-rank
        // array costs more than the arithmetic here)
        let dx: Vec<T> = flat(dy).iter().zip(mask).map(|(&g, &m)| if m != 0 { g } else { T::zero() }).collect();
        array(shape, dx)
    }
}

/// (N, d₁, d₂, ...) → (N, d₁·d₂·...), row-major: for NHWC maps the order
/// is (H, W, C), as Keras' `Flatten` with `channels_last`.
#[derive(Clone, Debug, Default)]
pub struct Flatten {
    shape: Option<Vec<usize>>,
}

impl Flatten {
    /// A flatten.
    pub fn new() -> Self {
        Flatten { shape: None }
    }
}

impl<T: Real> Layer<T> for Flatten {
    fn name(&self) -> String {
        "flatten".into()
    }
    fn forward(&mut self, x: &ArrayD<T>) -> Result<ArrayD<T>> {
        ensure_shape!(x.ndim() >= 1, "flatten: x must have a batch axis, got a scalar");
        let n = x.shape()[0];
        let rest = x.shape()[1..].iter().product::<usize>();
        self.shape = Some(x.shape().to_vec());
        array(&[n, rest], flat(x).into_owned())
    }
    fn backward(&mut self, dy: &ArrayD<T>) -> Result<ArrayD<T>> {
        let shape = self.shape.as_ref().ok_or_else(|| not_ready("flatten"))?;
        let want = [shape[0], shape[1..].iter().product::<usize>()];
        check_dy("flatten", dy, &want)?;
        array(shape, flat(dy).into_owned())
    }
}

// ---------------------------------------------------------------- the seed's CNN

// ANCHOR: seed_cnn
/// The seed's CNN on (N, 28, 28, 1) images, without the final softmax (it
/// belongs to the loss, chapter 2). `seed` seeds every layer's init.
/// The first convolution skips its dx (nothing below it learns).
pub fn seed_cnn<T: Kernels>(seed: u64) -> Result<Vec<Box<dyn Layer<T>>>> {
    let v = Padding::Valid;
    Ok(vec![
        Box::new(Conv2d::new(1, 32, (3, 3), (1, 1), v, seed)?.without_input_grad()),
        Box::new(ReLU::new()),
        Box::new(MaxPool2d::new((2, 2), (2, 2))?),
        Box::new(Conv2d::new(32, 64, (3, 3), (1, 1), v, seed + 1)?),
        Box::new(ReLU::new()),
        Box::new(MaxPool2d::new((2, 2), (2, 2))?),
        Box::new(Conv2d::new(64, 64, (3, 3), (1, 1), v, seed + 2)?),
        Box::new(ReLU::new()),
        Box::new(Flatten::new()),
        Box::new(Dense::new(576, 64, seed + 3)?),
        Box::new(ReLU::new()),
        Box::new(Dense::new(64, 10, seed + 4)?),
    ])
}
// ANCHOR_END: seed_cnn
