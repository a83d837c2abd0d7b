//! The GEMM ladder against the naive oracle: every rung, on every ISA by
//! name, on shapes that break every tail of the blocking (MR, NR, KC, MC,
//! NC), with strided (transposed) inputs, odd offsets, row strides wider
//! than the matrix, NaN canaries around C, and β = 0 over a C full of NaN.
//!
//! Inputs are multiples of 1/8 in [-2, 2]: every product is a multiple of
//! 1/64 and every partial sum (|Σ| ≤ 4·K ≤ 2¹²) is exact in f32, so the
//! rungs agree with the oracle whatever their summation order; only α and
//! β round, hence the tolerance 1e-6 (relative).

use foundations::gemm::packed::{self, Blocking};
use foundations::gemm::{self, MatMut, MatRef, Rung, naive};
use foundations::testing::{CANARY, Canary};
use foundations::{Isa, per_isa};

const TOL: f64 = 1e-6;

/// The micro-kernel blocking the ISA's packed rung uses.
fn blocking(isa: Isa) -> Blocking {
    match isa {
        Isa::Scalar => packed::PORTABLE,
        Isa::Avx2Fma => packed::AVX2,
        Isa::Avx512 => packed::AVX512,
        Isa::Neon => packed::NEON,
    }
}

/// The rungs that run on `isa`: the scalar rungs on Scalar, each
/// micro-kernel rung on its own ISA.
fn rungs(isa: Isa) -> Vec<Rung> {
    Rung::ALL.into_iter().filter(|r| *r != Rung::V7Threaded && r.isa() == isa).collect()
}

/// Deterministic multiples of 1/8 in [-2, 2].
fn grid(len: usize, seed: usize) -> Vec<f32> {
    (0..len).map(|i| (((i * 37 + seed * 101 + 11) % 33) as f32 - 16.0) / 8.0).collect()
}

/// How an operand is laid out in memory.
#[derive(Clone, Copy, Debug)]
struct Layout {
    /// Stored transposed (column-major), viewed through `.t()`-like strides.
    trans: bool,
    /// Elements before the first one.
    offset: usize,
    /// Extra elements between rows (or columns when transposed).
    pad: usize,
}

const PLAIN: Layout = Layout { trans: false, offset: 0, pad: 0 };

/// A (rows × cols) operand with the given layout: its storage and logical values.
struct Operand {
    data: Vec<f32>,
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
    offset: usize,
}

impl Operand {
    fn new(rows: usize, cols: usize, l: Layout, seed: usize) -> Self {
        let (rs, cs) = if l.trans { (1, rows + l.pad) } else { (cols + l.pad, 1) };
        let span = if rows == 0 || cols == 0 { 0 } else { (rows - 1) * rs + (cols - 1) * cs + 1 };
        // Unused storage (offset, padding) holds NaN: reading it would poison C.
        let mut data = vec![f32::NAN; l.offset + span];
        let vals = grid(rows * cols, seed);
        for i in 0..rows {
            for j in 0..cols {
                data[l.offset + i * rs + j * cs] = vals[i * cols + j];
            }
        }
        Operand { data, rows, cols, rs, cs, offset: l.offset }
    }
    fn view(&self) -> MatRef<'_, f32> {
        MatRef::with_strides(&self.data[self.offset..], self.rows, self.cols, self.rs, self.cs).unwrap()
    }
    fn logical_f64(&self) -> Vec<f64> {
        let v = self.view();
        (0..self.rows).flat_map(|i| (0..self.cols).map(move |j| v.at(i, j) as f64)).collect()
    }
}

/// A GEMM under test: C ← α·A·B + β·C.
type GemmFn<'f> = dyn Fn(MatMut<'_, f32>, f32, MatRef<'_, f32>, MatRef<'_, f32>, f32) + 'f;

/// Runs `f` on C (m×n, row stride n + c_pad, odd offset, canaries around,
/// NaN in the row gaps) and compares with the f64 oracle.
#[allow(clippy::too_many_arguments)]
fn check(
    name: &str,
    (m, k, n): (usize, usize, usize),
    (la, lb): (Layout, Layout),
    c_pad: usize,
    alpha: f32,
    beta: f32,
    f: &GemmFn<'_>,
) {
    let a = Operand::new(m, k, la, 1);
    let b = Operand::new(k, n, lb, 2);
    let ld = n + c_pad;
    let len = if m == 0 { 0 } else { (m - 1) * ld + n };
    let c0 = grid(len, 3);
    // β = 0: C starts as CANARY NaNs, which must not be read.
    let mut c = if beta == 0.0 { Canary::new(len, 3, CANARY) } else { Canary::with_values(&c0, 3) };
    for i in 0..m.saturating_sub(1) {
        c.inner_mut()[i * ld + n..(i + 1) * ld].fill(CANARY);
    }
    f(MatMut::with_ld(c.inner_mut(), m, n, ld).unwrap(), alpha, a.view(), b.view(), beta);
    let what = format!("{name} {m}x{k}x{n} A{la:?} B{lb:?} ld={ld} α={alpha} β={beta}");
    c.assert_intact(&what);

    let (af, bf) = (a.logical_f64(), b.logical_f64());
    let mut want = vec![0.0f64; m * n];
    let cf: Vec<f64> =
        (0..m * n).map(|x| c0.get((x / n.max(1)) * ld + x % n.max(1)).copied().unwrap_or(0.0) as f64).collect();
    if m > 0 && n > 0 {
        want.copy_from_slice(&cf);
    }
    naive::gemm(
        MatMut::new(&mut want, m, n).unwrap(),
        alpha as f64,
        MatRef::new(&af, m, k).unwrap(),
        MatRef::new(&bf, k, n).unwrap(),
        beta as f64,
    );
    let mut got = Vec::with_capacity(m * n);
    for i in 0..m {
        got.extend_from_slice(&c.inner()[i * ld..i * ld + n]);
        for (j, x) in c.inner()[i * ld + n..(i * ld + ld).min(len)].iter().enumerate() {
            assert!(x.to_bits() == CANARY.to_bits(), "{what}: wrote {x} in the row gap at ({i}, {})", n + j);
        }
    }
    let got: Vec<f64> = got.into_iter().map(f64::from).collect();
    foundations::assert_close(&got, &want, TOL, &what);
}

fn rung_fn(rung: Rung) -> impl Fn(MatMut<'_, f32>, f32, MatRef<'_, f32>, MatRef<'_, f32>, f32) {
    move |c, alpha, a, b, beta| rung.run_threads(1, c, alpha, a, b, beta).unwrap()
}

/// Shapes that are not about the register tile: primes, a K across KC,
/// M across MC, N across NC, and very skinny products.
fn odd_shapes(bl: Blocking) -> Vec<(usize, usize, usize)> {
    vec![
        (7, 13, 11),
        (17, 257, 33),
        (bl.mc + 5, bl.kc + 3, 2 * bl.nr + 3),
        (3, 5, bl.nc + 7),
        (1, 300, 50),
        (50, 300, 1),
        (40, 1, 70),
        (1, 1, 1),
        (2, 3, 0),
        (0, 3, 2),
    ]
}

/// Layout pairs: plain, Aᵀ, Bᵀ, both, with odd offsets and padded strides.
fn layouts() -> Vec<(Layout, Layout)> {
    let t = |trans, offset, pad| Layout { trans, offset, pad };
    vec![
        (PLAIN, PLAIN),
        (t(true, 1, 0), t(false, 3, 2)),
        (t(false, 3, 5), t(true, 1, 1)),
        (t(true, 2, 3), t(true, 3, 0)),
    ]
}

per_isa! {
    /// Every m in 0..=2·MR+1 and n in 0..=2·NR+1 for k ∈ {0, 1, 7} (and k = 5
    /// with A transposed), β = 0 over NaN.
    fn every_rung_on_every_tile_tail(isa) {
        let bl = blocking(isa);
        for rung in rungs(isa) {
            for k in [0, 1, 7] {
                for m in 0..=2 * bl.mr + 1 {
                    for n in 0..=2 * bl.nr + 1 {
                        check(rung.name(), (m, k, n), (PLAIN, PLAIN), 0, 1.0, 0.0, &rung_fn(rung));
                    }
                }
            }
            // A transposed: the SIMD rungs pack it instead of reading it in
            // place (which they do for row-major A and N ≤ 64).
            let at = Layout { trans: true, offset: 1, pad: 0 };
            for m in 0..=2 * bl.mr + 1 {
                for n in 0..=2 * bl.nr + 1 {
                    check(rung.name(), (m, 5, n), (at, PLAIN), 1, 1.0, 0.0, &rung_fn(rung));
                }
            }
        }
    }

    /// Primes, block-crossing and skinny shapes; strided, transposed and
    /// offset operands; general α and β (and β = 0, β = 1).
    fn every_rung_on_strided_and_skinny_shapes(isa) {
        let bl = blocking(isa);
        for rung in rungs(isa) {
            for (i, shape) in odd_shapes(bl).into_iter().enumerate() {
                for (j, lay) in layouts().into_iter().enumerate() {
                    let (alpha, beta) = [(0.75, -1.5), (1.0, 0.0), (-2.0, 1.0), (1.0, 0.5)][(i + j) % 4];
                    check(rung.name(), shape, lay, (i + j) % 3 * 2, alpha, beta, &rung_fn(rung));
                }
            }
        }
    }

    /// The dispatcher on this ISA, including α = 0 (C ← β·C).
    fn dispatcher_matches_naive(isa) {
        let f = |c: MatMut<'_, f32>, alpha: f32, a: MatRef<'_, f32>, b: MatRef<'_, f32>, beta: f32| gemm::gemm_on(isa, c, alpha, a, b, beta).unwrap();
        let bl = blocking(isa);
        for (i, shape) in odd_shapes(bl).into_iter().enumerate() {
            for (j, lay) in layouts().into_iter().enumerate() {
                let (alpha, beta) = [(0.5, 2.0), (1.0, 0.0), (0.0, -1.0), (1.25, 1.0)][(i + j) % 4];
                check("gemm_on", shape, lay, 1, alpha, beta, &f);
            }
        }
    }

    /// 2 and 3 threads give exactly the single-thread result (same kernel,
    /// same summation order per element), and match the oracle.
    fn threaded_matches_single_thread(isa) {
        let bl = blocking(isa);
        for threads in [2, 3] {
            let f = move |c: MatMut<'_, f32>, alpha: f32, a: MatRef<'_, f32>, b: MatRef<'_, f32>, beta: f32| gemm::gemm_threads_on(isa, threads, c, alpha, a, b, beta).unwrap();
            for shape in [(101, 67, 53), (2 * bl.mr + 1, 300, 2 * bl.nr + 1), (bl.mc + 7, 9, 5), (3, 4, 5)] {
                for lay in layouts() {
                    check("threaded", shape, lay, 2, 0.75, -0.5, &f);
                }
            }
        }
        let (m, k, n) = (3 * bl.mr + 2, 130, bl.nr + 3);
        let (a, b) = (grid(m * k, 7), grid(k * n, 8));
        let run = |threads| {
            let mut c = grid(m * n, 9).iter().map(|x| x * 0.3).collect::<Vec<f32>>();
            let (av, bv) = (MatRef::new(&a, m, k).unwrap(), MatRef::new(&b, k, n).unwrap());
            gemm::gemm_threads_on(isa, threads, MatMut::new(&mut c, m, n).unwrap(), 0.3, av, bv, 0.7).unwrap();
            c
        };
        let one = run(1);
        for threads in [2, 3, 4] {
            assert!(run(threads).iter().zip(&one).all(|(x, y)| x.to_bits() == y.to_bits()), "{threads} threads differ");
        }
    }
}

#[test]
fn rung_names_round_trip_and_this_cpu_runs_its_rungs() {
    let names: Vec<&str> = Rung::ALL.iter().map(|r| r.name()).collect();
    assert_eq!(names[0], "v0_naive");
    for r in Rung::ALL {
        assert_eq!(Rung::parse(r.name()).unwrap(), r);
    }
    assert!(Rung::parse("v9_magic").is_err());
    assert!(Rung::available().contains(&Rung::V7Threaded));
    for r in Rung::available() {
        // Timing is not asserted, only that the API runs every available rung.
        let secs = gemm::time_rung(r, 9, 5, 7, 2, 0.0).unwrap();
        assert!(secs > 0.0 && secs.is_finite(), "{r}: {secs}");
    }
    for r in Rung::ALL.into_iter().filter(|r| !r.is_available()) {
        assert!(gemm::time_rung(r, 2, 2, 2, 1, 0.0).is_err());
    }
}

#[test]
fn bad_shapes_and_thread_counts_are_errors() {
    let (a, b) = (vec![1.0f32; 6], vec![1.0f32; 6]);
    let mut c = vec![0.0f32; 4];
    let av = MatRef::new(&a, 2, 3).unwrap();
    let bv = MatRef::new(&b, 2, 3).unwrap();
    let err = gemm::gemm(MatMut::new(&mut c, 2, 2).unwrap(), 1.0, av, bv, 0.0).unwrap_err();
    assert!(err.to_string().contains("inner dimensions 3 and 2 differ"), "{err}");
    assert!(gemm::gemm(MatMut::new(&mut c, 2, 2).unwrap(), 1.0, av, bv.t(), 0.0).is_ok());
    let err = gemm::gemm_threads(0, MatMut::new(&mut c, 2, 2).unwrap(), 1.0, av, bv.t(), 0.0).unwrap_err();
    assert!(err.to_string().contains("threads"), "{err}");
    for r in Rung::available() {
        assert!(r.run(MatMut::new(&mut c, 2, 2).unwrap(), 1.0, av, bv, 0.0).is_err(), "{r}");
    }
}
