//! v3 and up: BLIS's five loops around a micro-kernel, on packed panels.
//!
//! ```text
//! for jc in (0..N).step_by(NC)           loop 5: a KC×NC slab of B lives in L3
//!   for pc in (0..K).step_by(KC)         loop 4: rank-KC update of C
//!     pack B[pc.., jc..] → B̃             KC×NC, NR-wide panels, zero padded
//!     for ic in (0..M).step_by(MC)       loop 3: an MC×KC block of A lives in L2
//!       pack A[ic.., pc..] → Ã           MC×KC, MR-tall panels, zero padded (v3, or A strided)
//!       for ir in (0..MC).step_by(MR)    loop 2: one MR×KC micro-panel of Ã stays in L1
//!         for jr in (0..NC).step_by(NR)  loop 1: KC×NR micro-panels of B̃ stream from L2
//!           micro-kernel: C[ir.., jr..] (MR×NR, in registers) += Ã_ir · B̃_jr   (loop 0 over KC)
//! ```
//!
//! (BLIS runs jr outside ir, keeping a B̃ micro-panel in L1. With KC = 384
//! and NR = 32 that panel is 48 KiB, more than Zen 4's 32 KiB L1, while the
//! Ã micro-panel, 12×384 floats = 18 KiB, fits: so here ir is outside, and
//! measured a few percent faster on every shape.)
//!
//! Packing copies each block once into exactly the order the micro-kernel
//! reads it: for every p, MR consecutive floats of A, then NR consecutive
//! floats of B. Whatever the strides of A and B (Aᵀ, Bᵀ, a sub-matrix), the
//! micro-kernel sees unit-stride memory, and a partial panel at the edge
//! is padded with zeros so the micro-kernel never needs a tail case: only
//! the write-back to C clips the tile to its valid `mr × nr` corner.

use std::cell::RefCell;

use super::{MatMut, MatRef};
use crate::{Isa, Result, Token};

/// Blocking parameters of one micro-kernel, named as in BLIS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocking {
    /// Rows of the register tile (loop 2's step): rows of C updated at once.
    pub mr: usize,
    /// Columns of the register tile (loop 1's step).
    pub nr: usize,
    /// Depth of one rank-KC update (loop 4's step): sized so an MR×KC
    /// micro-panel of Ã fits in L1 while B̃ streams from L2, and so that
    /// short products (K ≤ KC) pass over C once.
    pub kc: usize,
    /// Rows of A per packed block (loop 3's step): MC×KC floats fill about
    /// half of L2.
    pub mc: usize,
    /// Columns of B per packed slab (loop 5's step): KC×NC floats sit in L3.
    pub nc: usize,
}

/// Which micro-kernel runs inside the five loops.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Micro {
    /// v3: plain Rust, MR×NR accumulators in an array the compiler keeps in registers.
    Portable,
    /// v4: AVX2 + FMA intrinsics, 6×16 tile in 12 ymm registers.
    #[cfg(target_arch = "x86_64")]
    Avx2(crate::Avx2Fma),
    /// v5: AVX-512 intrinsics, 12×32 tile in 24 zmm registers.
    #[cfg(target_arch = "x86_64")]
    Avx512(crate::Avx512),
    /// v5, wide: AVX-512 intrinsics, 6×64 tile in 24 zmm registers.
    #[cfg(target_arch = "x86_64")]
    Avx512Wide(crate::Avx512),
    /// NEON intrinsics, 8×12 tile in 24 q registers.
    #[cfg(target_arch = "aarch64")]
    Neon(crate::Neon),
}

// ANCHOR: blocking
/// v3 (portable): 4×8 tile = 8 SSE registers of accumulators.
pub const PORTABLE: Blocking = Blocking { mr: 4, nr: 8, kc: 256, mc: 128, nc: 2048 };
/// v4 (AVX2+FMA): 6×16 tile = 12 of 16 ymm registers; B micro-panel
/// 256×16×4 B = 16 KiB in L1; Ã 144×256×4 B = 144 KiB in L2.
pub const AVX2: Blocking = Blocking { mr: 6, nr: 16, kc: 256, mc: 144, nc: 2048 };
/// v5 (AVX-512): 12×32 tile = 24 of 32 zmm registers; B micro-panel
/// 384×32×4 B = 48 KiB, read from L2 at 2 loads per 24 FMAs (measured:
/// KC = 384 beats 256 and 128, fewer passes over C win); Ã 240×384×4 B =
/// 360 KiB in L2; B̃ 384×2048×4 B = 3 MiB in L3.
pub const AVX512: Blocking = Blocking { mr: 12, nr: 32, kc: 384, mc: 240, nc: 2048 };
/// v5 (AVX-512), wide: 6×64 tile = 24 zmm registers again, but 4 loads of
/// B̃ and 6 broadcasts per 24 FMAs (12×32: 2 and 12), and a C of width 64
/// (convolution, attention's PV) is one panel: A streams past B̃ once.
/// KC = 512: the 128 KiB B̃ micro-panel streams from L2 (measured: a point
/// or two above 384 on squares and PV, fewer passes over C).
pub const AVX512_WIDE: Blocking = Blocking { mr: 6, nr: 64, kc: 512, mc: 240, nc: 2048 };
/// NEON: 8×12 tile = 24 of 32 q registers.
pub const NEON: Blocking = Blocking { mr: 8, nr: 12, kc: 256, mc: 128, nc: 2040 };
// ANCHOR_END: blocking

impl Micro {
    /// The best micro-kernel for `isa` (Scalar gets the portable one).
    pub(crate) fn for_isa(isa: Isa, op: &str) -> Result<Micro> {
        Ok(match isa.token(op)? {
            Token::Scalar => Micro::Portable,
            #[cfg(target_arch = "x86_64")]
            Token::Avx2Fma(t) => Micro::Avx2(t),
            #[cfg(target_arch = "x86_64")]
            Token::Avx512(t) => Micro::Avx512(t),
            #[cfg(target_arch = "aarch64")]
            Token::Neon(t) => Micro::Neon(t),
        })
    }

    /// The tile shape for a C `n` columns wide: AVX-512 takes its wide
    /// 6×64 tile unless that pads C's width more than 12×32 does (N = 288:
    /// 4½ wide panels, 9 narrow ones). Other ISAs have one tile.
    pub(crate) fn for_shape(self, n: usize) -> Micro {
        match self {
            #[cfg(target_arch = "x86_64")]
            Micro::Avx512(t) | Micro::Avx512Wide(t) => {
                let pad = |nr: usize| n.div_ceil(nr) * nr - n;
                if pad(AVX512_WIDE.nr) <= pad(AVX512.nr) { Micro::Avx512Wide(t) } else { Micro::Avx512(t) }
            }
            other => other,
        }
    }

    pub(crate) fn blocking(self) -> Blocking {
        match self {
            Micro::Portable => PORTABLE,
            #[cfg(target_arch = "x86_64")]
            Micro::Avx2(_) => AVX2,
            #[cfg(target_arch = "x86_64")]
            Micro::Avx512(_) => AVX512,
            #[cfg(target_arch = "x86_64")]
            Micro::Avx512Wide(_) => AVX512_WIDE,
            #[cfg(target_arch = "aarch64")]
            Micro::Neon(_) => NEON,
        }
    }

    /// Loops 2 and 1 and the micro-kernel on one packed block pair.
    #[allow(clippy::too_many_arguments)]
    fn macro_kernel(
        self,
        t: Tiles,
        ap: (&[f32], Option<usize>),
        bp: &[f32],
        c: &mut [f32],
        ldc: usize,
        alpha: f32,
        beta: f32,
    ) {
        match self {
            Micro::Portable => macro_kernel_portable(t, ap.0, bp, c, ldc, alpha, beta),
            #[cfg(target_arch = "x86_64")]
            Micro::Avx2(tok) => super::avx2_fma::macro_kernel(tok, t, ap, bp, c, ldc, alpha, beta),
            #[cfg(target_arch = "x86_64")]
            Micro::Avx512(tok) => super::avx512::macro_kernel(tok, false, t, ap, bp, c, ldc, alpha, beta),
            #[cfg(target_arch = "x86_64")]
            Micro::Avx512Wide(tok) => super::avx512::macro_kernel(tok, true, t, ap, bp, c, ldc, alpha, beta),
            #[cfg(target_arch = "aarch64")]
            Micro::Neon(tok) => super::neon::macro_kernel(tok, t, ap, bp, c, ldc, alpha, beta),
        }
    }
}

/// The extent of one block: `mc × nc` of C, depth `kc`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tiles {
    pub mc: usize,
    pub nc: usize,
    pub kc: usize,
    /// Prefetch C: one row panel ahead into L2, then each tile into L1 (C
    /// too big for the caches).
    pub prefetch_c: bool,
}

/// Smallest C (in bytes) whose tiles the macro-kernel prefetches (one row
/// panel ahead, see `simd::macro_kernel`): a C well inside the 32 MiB L3
/// (shared with the other core and with A and B) comes back in time on its
/// own. Measured: when each tile prefetched itself, attention's 4 MB QKᵀ
/// and 64³ ran about 5% faster without; one row panel ahead they run the
/// same either way, while the conv forward's 11 MB C gains a few percent
/// and the input gradient's 50 MB C about 7% from the per-tile prefetch,
/// another 8% from prefetching one row panel ahead and 2% more from then
/// moving each tile from L2 to L1 just before its k loop.
pub const PREFETCH_C_MIN_BYTES: usize = 8 << 20;

thread_local! {
    /// Packing buffers, reused across calls on the same thread (no page
    /// faults on every small GEMM).
    static BUFFERS: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

// ANCHOR: pack_b
/// Packs B[pc..pc+kc, jc..jc+nc] into NR-wide panels: panel q holds, for
/// each p, the NR floats B[p, jc+q·NR ..], zero padded past column nc.
fn pack_b(dst: &mut [f32], b: &MatRef<'_, f32>, pc: usize, kc: usize, jc: usize, nc: usize, nr: usize) {
    let data = b.data();
    for (q, panel) in dst.chunks_exact_mut(kc * nr).take(nc.div_ceil(nr)).enumerate() {
        let j0 = jc + q * nr;
        let w = nr.min(jc + nc - j0);
        for (p, out) in panel.chunks_exact_mut(nr).enumerate() {
            let row = (pc + p) * b.rs() + j0 * b.cs();
            if b.cs() == 1 {
                out[..w].copy_from_slice(&data[row..row + w]);
            } else {
                for (j, o) in out[..w].iter_mut().enumerate() {
                    *o = data[row + j * b.cs()];
                }
            }
            out[w..].fill(0.0);
        }
    }
}
// ANCHOR_END: pack_b

/// Packs A[ic..ic+mc, pc..pc+kc] into MR-tall panels: panel q holds, for
/// each p, the MR floats A[ic+q·MR .., p], zero padded past row mc.
#[allow(clippy::too_many_arguments)]
fn pack_a(dst: &mut [f32], a: &MatRef<'_, f32>, ic: usize, mc: usize, pc: usize, kc: usize, mr: usize) {
    let data = a.data();
    for (q, panel) in dst.chunks_exact_mut(kc * mr).take(mc.div_ceil(mr)).enumerate() {
        let i0 = ic + q * mr;
        let h = mr.min(ic + mc - i0);
        if a.cs() == 1 {
            // Rows of A are contiguous: read each row once, scatter with stride MR.
            for i in 0..h {
                let row = &data[(i0 + i) * a.rs() + pc..(i0 + i) * a.rs() + pc + kc];
                for (p, &x) in row.iter().enumerate() {
                    panel[p * mr + i] = x;
                }
            }
            if h < mr {
                for out in panel.chunks_exact_mut(mr) {
                    out[h..].fill(0.0);
                }
            }
        } else {
            for (p, out) in panel.chunks_exact_mut(mr).enumerate() {
                let col = i0 * a.rs() + (pc + p) * a.cs();
                if a.rs() == 1 {
                    out[..h].copy_from_slice(&data[col..col + h]);
                } else {
                    for (i, o) in out[..h].iter_mut().enumerate() {
                        *o = data[col + i * a.rs()];
                    }
                }
                out[h..].fill(0.0);
            }
        }
    }
}

/// The first `len` floats of `buf` starting at a 64-byte boundary (one
/// cache line, one zmm register): a vector load that straddles two cache
/// lines costs two. Grows `buf` when needed.
fn aligned(buf: &mut Vec<f32>, len: usize) -> &mut [f32] {
    const LINE: usize = 16; // floats per 64-byte line
    if buf.len() < len + LINE {
        buf.resize(len + LINE, 0.0);
    }
    let skip = buf.as_ptr().align_offset(64).min(LINE);
    &mut buf[skip..skip + len]
}

// ANCHOR: five_loops
/// C ← α·A·B + β·C through the five loops with micro-kernel `micro`.
/// A: (M, K)  B: (K, N)  C: (M, N), any strides. β = 0 does not read C.
pub(crate) fn gemm(
    micro: Micro,
    mut c: MatMut<'_, f32>,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
) {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 || alpha == 0.0 {
        // Nothing to add: C ← β·C (zero without reading when β = 0).
        for i in 0..m {
            super::loop_order::scale_row(c.row_mut(i), beta);
        }
        return;
    }
    let micro = micro.for_shape(n);
    let Blocking { mr, nr, kc: kc_max, mc: mc_max, nc: nc_max } = micro.blocking();
    let ldc = c.ld();
    // A row-major A (unit column stride) is not packed: the SIMD micro-kernels
    // broadcast straight from its MR rows, which stay in L1 across loop 1.
    // Packing would transpose A for nothing but contiguous broadcasts, and
    // measured slower on every shape (see the book). A strided A (Aᵀ) is packed.
    let direct_a = a.cs() == 1 && !matches!(micro, Micro::Portable);
    BUFFERS.with_borrow_mut(|(abuf, bbuf)| {
        let (kc0, mc0, nc0) = (kc_max.min(k), mc_max.min(m), nc_max.min(n));
        let a_len = mc0.div_ceil(mr) * mr * kc0;
        let b_len = nc0.div_ceil(nr) * nr * kc0;
        let abuf = aligned(abuf, a_len);
        let bbuf = aligned(bbuf, b_len);
        let cdata = c.data();
        for jc in (0..n).step_by(nc_max) {
            let nc = nc_max.min(n - jc); // loop 5
            for pc in (0..k).step_by(kc_max) {
                let kc = kc_max.min(k - pc); // loop 4
                // The first rank-KC update applies the caller's β; the rest add.
                let beta_pc = if pc == 0 { beta } else { 1.0 };
                pack_b(bbuf, &b, pc, kc, jc, nc, nr);
                for ic in (0..m).step_by(mc_max) {
                    let mc = mc_max.min(m - ic); // loop 3
                    let prefetch_c = m * n * size_of::<f32>() >= PREFETCH_C_MIN_BYTES;
                    let tiles = Tiles { mc, nc, kc, prefetch_c };
                    let ap = if direct_a {
                        (&a.data()[ic * a.rs() + pc..], Some(a.rs()))
                    } else {
                        pack_a(abuf, &a, ic, mc, pc, kc, mr);
                        (&abuf[..], None)
                    };
                    micro.macro_kernel(tiles, ap, bbuf, &mut cdata[ic * ldc + jc..], ldc, alpha, beta_pc);
                }
            }
        }
    });
}
// ANCHOR_END: five_loops

/// Writes an `mr × nr` corner of the tile `acc` (row stride `w`) into C:
/// C ← α·acc + β·C, not reading C when β = 0.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_back_scalar(
    acc: &[f32],
    w: usize,
    c: &mut [f32],
    ldc: usize,
    mr: usize,
    nr: usize,
    alpha: f32,
    beta: f32,
) {
    for i in 0..mr {
        let row = &mut c[i * ldc..i * ldc + nr];
        for (j, cij) in row.iter_mut().enumerate() {
            let v = alpha * acc[i * w + j];
            *cij = if beta == 0.0 { v } else { v + beta * *cij };
        }
    }
}

// ANCHOR: micro_portable
/// v3's micro-kernel in plain Rust: an MR×NR array of accumulators, updated
/// by one outer product (a column of Ã times a row of B̃) per step of p.
#[inline(always)]
fn micro_portable<const MR: usize, const NR: usize>(kc: usize, ap: &[f32], bp: &[f32]) -> [[f32; NR]; MR] {
    let mut acc = [[0.0f32; NR]; MR];
    for (a, b) in ap.chunks_exact(MR).zip(bp.chunks_exact(NR)).take(kc) {
        for i in 0..MR {
            for j in 0..NR {
                acc[i][j] += a[i] * b[j];
            }
        }
    }
    acc
}
// ANCHOR_END: micro_portable

fn macro_kernel_portable(t: Tiles, ap: &[f32], bp: &[f32], c: &mut [f32], ldc: usize, alpha: f32, beta: f32) {
    const MR: usize = PORTABLE.mr;
    const NR: usize = PORTABLE.nr;
    for (r, i0) in (0..t.mc).step_by(MR).enumerate() {
        let mr = MR.min(t.mc - i0);
        let apanel = &ap[r * MR * t.kc..(r + 1) * MR * t.kc];
        for (q, j0) in (0..t.nc).step_by(NR).enumerate() {
            let nr = NR.min(t.nc - j0);
            let bpanel = &bp[q * NR * t.kc..(q + 1) * NR * t.kc];
            let acc = micro_portable::<MR, NR>(t.kc, apanel, bpanel);
            write_back_scalar(acc.as_flattened(), NR, &mut c[i0 * ldc + j0..], ldc, mr, nr, alpha, beta);
        }
    }
}
