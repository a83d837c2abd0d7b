//! The measured workloads: the seed-sized recurrent layer, forward and a
//! whole training step (forward + BPTT), naive against fused SIMD, and the
//! layer's GEMMs alone on the same shapes; and the kernels alone (tanh, σ,
//! the fused cells).
//!
//! **FLOPs** counted are the GEMMs' (G = 1 for the RNN, 4 for the LSTM):
//!
//! ```text
//! forward   T · 2·N·(H + D)·G·H                      one GEMM per step
//! step      3 × forward                              + dZ_t = dA_t·W per step, + one dW GEMM over all steps
//! ```
//!
//! so the layer's GFLOP/s and the GEMM-only GFLOP/s are directly
//! comparable: their ratio is the fraction of time the layer spends in its
//! GEMMs. The rest is the elementwise work (the fused cell pass, building
//! Z_t = [h, x], the δ sums, reordering the output to (N, T, H)) and
//! allocation.

use ndarray::{ArrayD, IxDyn};

use foundations::gemm::{MatMut, MatRef};
use foundations::report::{BenchRow, Work};
use foundations::timing::{measure, thread_cpu_time};
use foundations::{Isa, Layer, Result};

use crate::kernels::RnnReal;
use crate::{Lstm, Rnn};

/// Which recurrent cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    /// tanh RNN: G = 1
    Rnn,
    /// LSTM: G = 4 gate blocks
    Lstm,
}

impl Cell {
    /// "rnn" or "lstm".
    pub fn name(self) -> &'static str {
        match self {
            Cell::Rnn => "rnn",
            Cell::Lstm => "lstm",
        }
    }
    fn gates(self) -> usize {
        match self {
            Cell::Rnn => 1,
            Cell::Lstm => 4,
        }
    }
}

/// The seed-sized shapes: batch 64, T = 28 (a 28×28 image read row by row), (D, H).
pub const SEED_SHAPES: [(usize, usize); 2] = [(28, 64), (64, 128)];
/// Batch size of the seed-sized layer.
pub const SEED_N: usize = 64;
/// Sequence length of the seed-sized layer.
pub const SEED_T: usize = 28;

/// One layer, its input and upstream gradient, and GEMM-only buffers of the same shapes.
pub struct Workload {
    /// The cell.
    pub cell: Cell,
    /// The ISA the f32 kernels run on.
    pub isa: Isa,
    n: usize,
    steps: usize,
    d: usize,
    hd: usize,
    layer: Box<dyn Layer<f32>>,
    x: ArrayD<f32>,
    dy: ArrayD<f32>,
    // GEMM-only buffers: W, Z for all steps, A/dA for all steps, dZ, dW.
    w: Vec<f32>,
    z: Vec<f32>,
    a: Vec<f32>,
    dz: Vec<f32>,
    dw: Vec<f32>,
}

fn det(len: usize, k: usize) -> Vec<f32> {
    (0..len).map(|i| ((i * 7 + k * 13) % 17) as f32 / 17.0 - 0.5).collect()
}

impl Workload {
    /// A layer x: (N, T, D) → h_T: (N, H) on `isa`.
    pub fn new(cell: Cell, n: usize, steps: usize, d: usize, hd: usize, isa: Isa) -> Result<Self> {
        isa.token("rnn bench")?;
        let layer: Box<dyn Layer<f32>> = match cell {
            Cell::Rnn => Box::new(Rnn::<f32>::new(d, hd, 1)?.with_isa(isa)),
            Cell::Lstm => Box::new(Lstm::<f32>::new(d, hd, 1)?.with_isa(isa)),
        };
        let gh = cell.gates() * hd;
        let zw = hd + d;
        Ok(Workload {
            cell,
            isa,
            n,
            steps,
            d,
            hd,
            layer,
            x: ArrayD::from_shape_vec(IxDyn(&[n, steps, d]), det(n * steps * d, 1)).expect("sized"),
            dy: ArrayD::from_shape_vec(IxDyn(&[n, hd]), det(n * hd, 2)).expect("sized"),
            w: det(zw * gh, 3),
            z: det(steps * n * zw, 4),
            a: det(steps * n * gh, 5),
            dz: vec![0.0; n * zw],
            dw: vec![0.0; zw * gh],
        })
    }

    /// "N64xT28xD28xH64"
    pub fn shape(&self) -> String {
        format!("N{}xT{}xD{}xH{}", self.n, self.steps, self.d, self.hd)
    }

    /// GEMM FLOPs of one forward pass.
    pub fn flops_forward(&self) -> f64 {
        (self.steps * 2 * self.n * (self.hd + self.d) * self.cell.gates() * self.hd) as f64
    }

    /// GEMM FLOPs of one training step (forward + backward).
    pub fn flops_step(&self) -> f64 {
        3.0 * self.flops_forward()
    }

    /// The layer's forward pass.
    pub fn forward(&mut self) -> Result<()> {
        self.layer.forward(&self.x).map(|_| ())
    }

    /// Forward, then backward (BPTT) with parameter gradients.
    pub fn step(&mut self) -> Result<()> {
        self.layer.forward(&self.x)?;
        self.layer.backward(&self.dy).map(|_| ())
    }

    /// Only the GEMMs the forward pass makes, with the same operands and strides.
    pub fn gemm_forward(&mut self) -> Result<()> {
        let (n, zw, gh) = (self.n, self.hd + self.d, self.cell.gates() * self.hd);
        for t in 0..self.steps {
            let z = MatRef::new(&self.z[t * n * zw..(t + 1) * n * zw], n, zw)?;
            let a = MatMut::new(&mut self.a[t * n * gh..(t + 1) * n * gh], n, gh)?;
            let w = match self.cell {
                Cell::Rnn => MatRef::new(&self.w, gh, zw)?.t(), // W: (H, H + D), used as Wᵀ
                Cell::Lstm => MatRef::new(&self.w, zw, gh)?,    // W: (H + D, 4H)
            };
            f32::gemm_on(self.isa, a, 1.0, z, w, 0.0)?;
        }
        Ok(())
    }

    /// Only the GEMMs of a training step: forward's, dZ_t per step, one dW.
    pub fn gemm_step(&mut self) -> Result<()> {
        self.gemm_forward()?;
        let (n, steps, zw, gh) = (self.n, self.steps, self.hd + self.d, self.cell.gates() * self.hd);
        for t in 0..steps {
            let da = MatRef::new(&self.a[t * n * gh..(t + 1) * n * gh], n, gh)?;
            let w = match self.cell {
                Cell::Rnn => MatRef::new(&self.w, gh, zw)?,
                Cell::Lstm => MatRef::new(&self.w, zw, gh)?.t(),
            };
            f32::gemm_on(self.isa, MatMut::new(&mut self.dz, n, zw)?, 1.0, da, w, 0.0)?;
        }
        let (za, aa) = (MatRef::new(&self.z, steps * n, zw)?, MatRef::new(&self.a, steps * n, gh)?);
        match self.cell {
            Cell::Rnn => f32::gemm_on(self.isa, MatMut::new(&mut self.dw, gh, zw)?, 1.0, aa.t(), za, 1.0),
            Cell::Lstm => f32::gemm_on(self.isa, MatMut::new(&mut self.dw, zw, gh)?, 1.0, za.t(), aa, 1.0),
        }
    }
}

/// Seconds per call: chapter 0's `measure` for fast calls; for a call that
/// alone takes more than a fifth of the budget (the naive rungs), the best
/// of two timed calls after one warm-up, so a naive row costs seconds, not minutes.
pub fn seconds(budget: f64, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let t0 = thread_cpu_time();
    f()?;
    let one = (thread_cpu_time() - t0).as_secs_f64();
    if one > budget / 5.0 {
        let mut best = f64::INFINITY;
        for _ in 0..2 {
            let t = thread_cpu_time();
            f()?;
            best = best.min((thread_cpu_time() - t).as_secs_f64());
        }
        return Ok(best);
    }
    let mut err = None;
    let timing = measure(budget, || {
        if let Err(e) = f() {
            err = Some(e);
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(timing.best),
    }
}

/// Rows for one cell and shape: naive and fused-SIMD forward and step, and
/// the GEMMs alone (on `isa`).
pub fn bench_case(cell: Cell, d: usize, hd: usize, isa: Isa, budget: f64, naive: bool) -> Result<Vec<BenchRow>> {
    let mut rows = Vec::new();
    let name = cell.name();
    let mut rungs = vec![(format!("v1_fused_{}", isa.name()), isa)];
    if naive {
        rungs.insert(0, ("v0_naive".to_string(), Isa::Scalar));
    }
    for (rung, on) in rungs {
        let mut w = Workload::new(cell, SEED_N, SEED_T, d, hd, on)?;
        let (shape, ff, fs) = (w.shape(), w.flops_forward(), w.flops_step());
        let s = seconds(budget, || w.forward())?;
        rows.push(BenchRow::new(format!("{name}_forward"), rung.clone(), shape.clone(), Work::Flops(ff), s));
        let s = seconds(budget, || w.step())?;
        rows.push(BenchRow::new(format!("{name}_step"), rung.clone(), shape.clone(), Work::Flops(fs), s));
        if on == isa {
            let rung = format!("gemm_only_{}", isa.name());
            let s = seconds(budget, || w.gemm_forward())?;
            rows.push(BenchRow::new(format!("{name}_forward"), rung.clone(), shape.clone(), Work::Flops(ff), s));
            let s = seconds(budget, || w.gemm_step())?;
            rows.push(BenchRow::new(format!("{name}_step"), rung, shape, Work::Flops(fs), s));
        }
    }
    Ok(rows)
}

/// tanh and σ over `n` elements: naive (std) and SIMD (rational) on `isa`.
pub fn bench_act(n: usize, isa: Isa, budget: f64) -> Result<Vec<BenchRow>> {
    let x = det(n, 6).into_iter().map(|v| v * 8.0).collect::<Vec<f32>>();
    let mut y = vec![0.0f32; n];
    let mut rows = Vec::new();
    for (rung, on) in [("v0_naive".to_string(), Isa::Scalar), (format!("v1_{}", isa.name()), isa)] {
        let s = seconds(budget, || crate::act::tanh_on(on, &mut y, &x))?;
        rows.push(BenchRow::new("tanh", rung.clone(), format!("n={n}"), Work::Elements(n as f64), s));
        let s = seconds(budget, || crate::act::sigmoid_on(on, &mut y, &x))?;
        rows.push(BenchRow::new("sigmoid", rung, format!("n={n}"), Work::Elements(n as f64), s));
    }
    Ok(rows)
}

/// The fused cell kernels alone, one step of an (n, hd) batch: naive and SIMD
/// on `isa`, forward and backward. Work: units (n·hd) per call.
pub fn bench_cells(n: usize, hd: usize, isa: Isa, budget: f64) -> Result<Vec<BenchRow>> {
    let nh = n * hd;
    let (a, b4, cp) = (det(4 * nh, 7), det(4 * hd, 8), det(nh, 9));
    let (mut g, mut c, mut h, mut tc) = (a.clone(), vec![0.0f32; nh], vec![0.0f32; nh], vec![0.0f32; nh]);
    let (mut da, mut dcp) = (vec![0.0f32; 4 * nh], vec![0.0f32; nh]);
    let shape = format!("N{n}xH{hd}");
    let units = Work::Elements(nh as f64);
    let mut rows = Vec::new();
    for (rung, on) in [("v0_naive".to_string(), Isa::Scalar), (format!("v1_{}", isa.name()), isa)] {
        let s = seconds(budget, || crate::cell::rnn_forward_on(on, &mut h, &a[..nh], &b4[..hd]))?;
        rows.push(BenchRow::new("rnn_cell_forward", rung.clone(), shape.clone(), units, s));
        let s = seconds(budget, || crate::cell::rnn_backward_on(on, &mut c, &cp, &h))?;
        rows.push(BenchRow::new("rnn_cell_backward", rung.clone(), shape.clone(), units, s));
        let s = seconds(budget, || {
            g.copy_from_slice(&a);
            crate::cell::lstm_forward_on(on, &mut g, &mut c, &mut h, &mut tc, &cp, &b4, hd)
        })?;
        rows.push(BenchRow::new("lstm_cell_forward", rung.clone(), shape.clone(), units, s));
        let s = seconds(budget, || crate::cell::lstm_backward_on(on, &mut da, &mut dcp, &cp, &cp, &g, &cp, &tc, hd))?;
        rows.push(BenchRow::new("lstm_cell_backward", rung, shape.clone(), units, s));
    }
    Ok(rows)
}

/// Every row of the chapter's bench: tanh and σ, the fused cells alone, then
/// both layers at both seed shapes, on the active ISA, with the naive rung
/// for comparison.
pub fn bench_rows(budget: f64) -> Result<Vec<BenchRow>> {
    let mut rows = bench_act(SEED_N * 128, Isa::active(), budget)?;
    rows.extend(bench_cells(SEED_N, 128, Isa::active(), budget)?);
    for cell in [Cell::Rnn, Cell::Lstm] {
        for (d, hd) in SEED_SHAPES {
            rows.extend(bench_case(cell, d, hd, Isa::active(), budget, true)?);
        }
    }
    Ok(rows)
}
