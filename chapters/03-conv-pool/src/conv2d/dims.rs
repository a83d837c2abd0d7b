//! The sizes of one convolution, checked once: every kernel trusts them.

use foundations::{Result, ensure_shape, ensure_value};

/// How the input border is treated (Keras' `padding=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// No padding: the kernel stays inside the input. `H' = ⌊(H − KH)/SH⌋ + 1`.
    Valid,
    /// Zeros around the input so that `H' = ⌈H / SH⌉`; the total padding
    /// `max((H' − 1)·SH + KH − H, 0)` is split with the smaller half on top
    /// (and on the left), as Keras and TensorFlow do.
    Same,
}

/// Every size of a 2-D convolution in NHWC layout.
///
/// ```text
/// x: (N, H, W, C)   k: (KH, KW, C, F)   b: (F)   y: (N, OH, OW, F)
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dDims {
    /// Batch size N.
    pub n: usize,
    /// Input height H.
    pub h: usize,
    /// Input width W.
    pub w: usize,
    /// Input channels C.
    pub c: usize,
    /// Kernel height KH.
    pub kh: usize,
    /// Kernel width KW.
    pub kw: usize,
    /// Output channels (filters) F.
    pub f: usize,
    /// Vertical stride SH.
    pub sh: usize,
    /// Horizontal stride SW.
    pub sw: usize,
    /// Zero rows added above the input.
    pub pad_top: usize,
    /// Zero columns added left of the input.
    pub pad_left: usize,
    /// Output height OH.
    pub oh: usize,
    /// Output width OW.
    pub ow: usize,
}

/// Output size and leading padding along one axis.
fn axis(op: &str, what: &str, input: usize, k: usize, s: usize, padding: Padding) -> Result<(usize, usize)> {
    match padding {
        Padding::Valid => {
            ensure_shape!(
                input >= k,
                "{op}: kernel {what} is {k} but the input {what} is {input} (padding \"valid\" needs kernel ≤ input)"
            );
            Ok(((input - k) / s + 1, 0))
        }
        Padding::Same => {
            let out = input.div_ceil(s);
            let total = ((out.max(1) - 1) * s + k).saturating_sub(input);
            Ok((out, total / 2))
        }
    }
}

impl Conv2dDims {
    /// Checks and derives the output size.
    ///
    /// Errors: a zero size or stride, or (with [`Padding::Valid`]) a kernel
    /// larger than the input: `conv2d: kernel is 3x3 but input is 2x2`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        n: usize,
        (h, w, c): (usize, usize, usize),
        (kh, kw): (usize, usize),
        f: usize,
        (sh, sw): (usize, usize),
        padding: Padding,
    ) -> Result<Self> {
        ensure_value!(sh >= 1 && sw >= 1, "conv2d: stride must be at least 1, got {sh}x{sw}");
        ensure_value!(kh >= 1 && kw >= 1, "conv2d: kernel must be at least 1x1, got {kh}x{kw}");
        ensure_value!(c >= 1 && f >= 1, "conv2d: need at least one input and one output channel, got C={c}, F={f}");
        ensure_value!(h >= 1 && w >= 1, "conv2d: input is {h}x{w}: it must have at least one pixel");
        if padding == Padding::Valid {
            ensure_shape!(kh <= h && kw <= w, "conv2d: kernel is {kh}x{kw} but input is {h}x{w}");
        }
        let (oh, pad_top) = axis("conv2d", "height", h, kh, sh, padding)?;
        let (ow, pad_left) = axis("conv2d", "width", w, kw, sw, padding)?;
        Ok(Conv2dDims { n, h, w, c, kh, kw, f, sh, sw, pad_top, pad_left, oh, ow })
    }

    /// Elements of x: N·H·W·C.
    pub fn x_len(&self) -> usize {
        self.n * self.h * self.w * self.c
    }
    /// Elements of k: KH·KW·C·F.
    pub fn k_len(&self) -> usize {
        self.kh * self.kw * self.c * self.f
    }
    /// Elements of y: N·OH·OW·F.
    pub fn y_len(&self) -> usize {
        self.n * self.oh * self.ow * self.f
    }
    /// Rows of the im2col matrix: one per output pixel, M = N·OH·OW.
    pub fn m(&self) -> usize {
        self.n * self.oh * self.ow
    }
    /// Columns of the im2col matrix: one per kernel tap, K = KH·KW·C.
    pub fn k(&self) -> usize {
        self.kh * self.kw * self.c
    }
    /// Multiply-add FLOPs of the forward pass (2·M·K·F); dk costs the
    /// same, and so does dx.
    pub fn flops(&self) -> f64 {
        2.0 * self.m() as f64 * self.k() as f64 * self.f as f64
    }

    /// Checks buffer lengths against the dims: `op` names the caller.
    pub(crate) fn check_buffers(&self, op: &str, lens: &[(&str, usize, usize)]) -> Result<()> {
        for &(name, have, want) in lens {
            ensure_shape!(have == want, "{op}: {name} has {have} elements but the dims {self} need {want}");
        }
        Ok(())
    }
}

impl std::fmt::Display for Conv2dDims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "x {}x{}x{}x{}, k {}x{}x{}x{}, stride {}x{} -> y {}x{}x{}x{}",
            self.n,
            self.h,
            self.w,
            self.c,
            self.kh,
            self.kw,
            self.c,
            self.f,
            self.sh,
            self.sw,
            self.n,
            self.oh,
            self.ow,
            self.f
        )
    }
}
