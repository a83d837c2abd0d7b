//! The SIMD micro-kernel, written once for every ISA: an MR × (NV·LANES)
//! tile of C held in MR·NV vector registers for the whole depth KC.
//!
//! ```text
//!              B̃ row p:   [ b0 ........ | b1 ........ ]     NV vectors of LANES floats
//!                             ×               ×
//!   Ã[0,p] ─ splat ──►  [ acc[0][0]     | acc[0][1]   ]
//!   Ã[1,p] ─ splat ──►  [ acc[1][0]     | acc[1][1]   ]
//!     ...                   ...             ...           MR rows
//!   Ã[MR-1,p] ──────►   [ acc[MR-1][0]  | acc[MR-1][1]]
//! ```
//!
//! Each step of p loads NV vectors of B̃, broadcasts MR floats of Ã and
//! issues MR·NV independent FMAs: enough to hide the FMA latency
//! (4 cycles × 2 pipes = 8 in flight) and few enough loads per FMA that
//! the two load ports never limit.

use super::packed::Tiles;
use crate::simd::Simd;

// ANCHOR: micro_kernel
/// The micro-kernel's k loop: the MR×NR tile of Ã·B̃ over depth kc, in
/// MR·NV vector registers. Packed: `ap` is an MR-tall micro-panel (kc·MR
/// floats). Direct (`DIRECT`): `ap` is A itself at the tile's corner, rows
/// `lda` apart; rows mr..MR repeat row mr-1 (computed, never stored).
/// `bp`: an NR-wide micro-panel of B̃ (kc·NR floats).
#[inline(always)]
pub(crate) fn k_loop<S: Simd, const MR: usize, const NV: usize, const DIRECT: bool, const R: usize>(
    s: S,
    kc: usize,
    (ap, lda): (&[f32], usize),
    mr: usize,
    bp: &[f32],
) -> [[S::V; NV]; R] {
    let l = S::LANES;
    assert!(bp.len() >= kc * NV * l, "micro_kernel: packed B too short");
    if DIRECT {
        assert!(mr >= 1 && kc >= 1 && ap.len() >= (mr - 1) * lda + kc, "micro_kernel: A too short");
    } else {
        assert!(ap.len() >= kc * MR, "micro_kernel: packed A too short");
    }
    // R ≤ MR rows are computed: all MR, or only the first few for a thin
    // edge panel (see `EDGE`).
    assert!(R <= MR);
    let mut rows = [0usize; R];
    for (i, r) in rows.iter_mut().enumerate() {
        *r = if DIRECT { i.min(mr.max(1) - 1) * lda } else { i };
    }
    let mut acc = [[s.zero(); NV]; R];
    let (mut a, mut b) = (ap.as_ptr(), bp.as_ptr());
    for _ in 0..kc {
        let mut bv = [s.zero(); NV];
        for (v, x) in bv.iter_mut().enumerate() {
            // SAFETY: b walks kc rows of NV·LANES floats: in bounds by the assert above.
            *x = unsafe { s.load_ptr(b.add(v * l)) };
        }
        for (i, row) in acc.iter_mut().enumerate() {
            // SAFETY: packed: a walks kc groups of MR floats; direct: a walks
            // kc columns of mr rows lda apart (rows[i] ≤ (mr-1)·lda). In bounds
            // by the asserts above.
            let ai = s.splat(unsafe { *a.add(rows[i]) });
            for (r, &bx) in row.iter_mut().zip(&bv) {
                *r = s.fma(ai, bx, *r);
            }
        }
        // SAFETY: one step past the last group at most: still in (or one past) the panels.
        unsafe {
            a = a.add(if DIRECT { 1 } else { MR });
            b = b.add(NV * l);
        }
    }
    acc
}
// ANCHOR_END: micro_kernel

/// The k loop compiled as a function of its own per ISA (see the per-ISA
/// files): register allocation then sees only the loop, and the tile stays
/// in registers whatever the code around it needs.
pub(crate) trait KLoop<const MR: usize, const NV: usize>: Simd {
    /// [`k_loop`] on a packed micro-panel of Ã.
    fn k_loop_packed(self, kc: usize, ap: &[f32], bp: &[f32]) -> [[Self::V; NV]; MR];
    /// [`k_loop`] reading A in place (rows `lda` apart, `mr` of them valid).
    fn k_loop_direct(self, kc: usize, ap: &[f32], lda: usize, mr: usize, bp: &[f32]) -> [[Self::V; NV]; MR];
    /// [`KLoop::k_loop_packed`] computing only the first [`EDGE`] rows.
    fn k_loop_packed_edge(self, kc: usize, ap: &[f32], bp: &[f32]) -> [[Self::V; NV]; EDGE];
    /// [`KLoop::k_loop_direct`] computing only the first [`EDGE`] rows.
    fn k_loop_direct_edge(self, kc: usize, ap: &[f32], lda: usize, mr: usize, bp: &[f32]) -> [[Self::V; NV]; EDGE];
    /// A full MR×NR tile: the k loop (packed Ã when `lda` is `None`, A in
    /// place otherwise) and the write-back C ← α·acc + β·C. An ISA may
    /// override it with one function doing both, so that the accumulators
    /// go from registers straight to C: on short products (K = 64) the
    /// round trip through memory costs as much as a tenth of the FMAs.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn k_loop_full(
        self,
        kc: usize,
        (ap, lda): (&[f32], Option<usize>),
        bp: &[f32],
        c: &mut [f32],
        ldc: usize,
        (alpha, beta): (f32, f32),
    ) {
        let acc = match lda {
            None => self.k_loop_packed(kc, ap, bp),
            Some(lda) => self.k_loop_direct(kc, ap, lda, MR, bp),
        };
        write_back::<Self, MR, NV>(self, &acc, c, ldc, (MR, NV * Self::LANES), (alpha, beta));
    }
}

/// Rows of the thin kernel used for an edge panel of at most EDGE valid
/// rows (64 = 5·12 + 4: the last panel computes 4 rows, not 12).
pub(crate) const EDGE: usize = 4;

/// C[0..mr, 0..nr] ← α·Ã·B̃ + β·C for one MR×NR tile (NR = NV·LANES):
/// the k loop, then the write-back. `c`: the tile's top-left corner, row
/// stride `ldc`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn micro_kernel<S: KLoop<MR, NV>, const MR: usize, const NV: usize, const DIRECT: bool>(
    s: S,
    kc: usize,
    (ap, lda): (&[f32], usize),
    bp: &[f32],
    c: &mut [f32],
    ldc: usize,
    (mr, nr): (usize, usize),
    (alpha, beta): (f32, f32),
) {
    let l = S::LANES;
    assert!(mr <= MR && nr <= NV * l && (mr == 0 || c.len() >= (mr - 1) * ldc + nr), "micro_kernel: C too short");
    if mr == MR && nr == NV * l {
        let lda = if DIRECT { Some(lda) } else { None };
        s.k_loop_full(kc, (ap, lda), bp, c, ldc, (alpha, beta));
    } else if MR > EDGE && mr <= EDGE {
        let acc = if DIRECT { s.k_loop_direct_edge(kc, ap, lda, mr, bp) } else { s.k_loop_packed_edge(kc, ap, bp) };
        write_back::<S, EDGE, NV>(s, &acc, c, ldc, (mr, nr), (alpha, beta));
    } else {
        let acc = if DIRECT { s.k_loop_direct(kc, ap, lda, mr, bp) } else { s.k_loop_packed(kc, ap, bp) };
        write_back::<S, MR, NV>(s, &acc, c, ldc, (mr, nr), (alpha, beta));
    }
}

// ANCHOR: write_back
/// C[0..mr, 0..nr] ← α·acc + β·C for an R×(NV·LANES) tile of accumulators;
/// β = 0 does not read C.
#[inline(always)]
pub(crate) fn write_back<S: Simd, const R: usize, const NV: usize>(
    s: S,
    acc: &[[S::V; NV]; R],
    c: &mut [f32],
    ldc: usize,
    (mr, nr): (usize, usize),
    (alpha, beta): (f32, f32),
) {
    let l = S::LANES;
    let va = s.splat(alpha);
    let vb = s.splat(beta);
    if mr == R && nr == NV * l {
        // A full tile: plain vector loads and stores, after one bounds check
        // for the whole tile (not one per vector: a point or two on K = 64).
        assert!(R >= 1 && c.len() >= (R - 1) * ldc + NV * l, "write_back: C too short");
        let c0 = c.as_mut_ptr();
        for (i, row) in acc.iter().enumerate() {
            for (v, &x) in row.iter().enumerate() {
                // SAFETY: i < R and (v + 1)·LANES ≤ NV·LANES: the LANES floats at
                // p lie inside c by the assert above.
                unsafe {
                    let p = c0.add(i * ldc + v * l);
                    let ax = if alpha == 1.0 { x } else { s.mul(va, x) };
                    let r = if beta == 0.0 { ax } else { s.fma(vb, s.load_ptr(p), ax) };
                    s.store_ptr(p, r);
                }
            }
        }
    } else {
        // An edge tile: spill the whole tile to a buffer (constant indices, so
        // the accumulators stay in registers above), then write the valid
        // mr × nr corner.
        const W: usize = 64;
        assert!(R <= 16 && NV * l <= W);
        let mut buf = [0.0f32; 16 * W];
        for (i, row) in acc.iter().enumerate() {
            for (v, &x) in row.iter().enumerate() {
                s.store(&mut buf[i * W + v * l..i * W + (v + 1) * l], x);
            }
        }
        super::packed::write_back_scalar(&buf, W, c, ldc, mr, nr, alpha, beta);
    }
}
// ANCHOR_END: write_back

/// Hints every cache line of the `rows × cols` tile at `p` (rows `ldc`
/// apart) into L1 (`TO_L1`, hint T0) or only into L2 (hint T1). Never
/// faults, whatever `p`: a tile past the end of C is fine.
#[inline(always)]
fn prefetch_tile<const TO_L1: bool>(p: *const f32, ldc: usize, rows: usize, cols: usize) {
    #[cfg(target_arch = "x86_64")]
    for i in 0..rows {
        let row = p.wrapping_add(i * ldc);
        // 16 floats = one 64-byte line. When the row is not line-aligned,
        // its last, straddled line is the first one of the tile to the
        // right, prefetched with it (measured: asking for it here too, 3
        // lines a row instead of 2, cost 2% on the input gradient).
        for j in (0..cols).step_by(16) {
            // SAFETY: a prefetch is a hint: it never faults (any address is
            // fine) and changes no state a program can observe; SSE is part
            // of the x86_64 baseline.
            unsafe {
                use std::arch::x86_64::{_MM_HINT_T0, _MM_HINT_T1, _mm_prefetch};
                let line = row.wrapping_add(j).cast();
                if TO_L1 { _mm_prefetch::<_MM_HINT_T0>(line) } else { _mm_prefetch::<_MM_HINT_T1>(line) }
            };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, ldc, rows, cols);
}

/// Hints the cache line holding `p` into L1. Never faults, whatever `p`.
#[inline(always)]
fn prefetch_ptr(p: *const f32) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint: it never faults (any address is fine)
    // and changes no state a program can observe; SSE is x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Loops 2 (ir) and 1 (jr) around [`micro_kernel`] on one packed block.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn macro_kernel<S: KLoop<MR, NV>, const MR: usize, const NV: usize>(
    s: S,
    t: Tiles,
    (ap, lda): (&[f32], Option<usize>),
    bp: &[f32],
    c: &mut [f32],
    ldc: usize,
    alpha: f32,
    beta: f32,
) {
    let nrf = NV * S::LANES;
    for (r, i0) in (0..t.mc).step_by(MR).enumerate() {
        let mr = MR.min(t.mc - i0);
        if let Some(lda) = lda {
            // Start the next row-panel's MR rows of A on their way: the first
            // lines of each row, so the hardware prefetcher picks up the rest
            // of these short, far-apart streams early.
            for i in 0..MR {
                let row = ap.as_ptr().wrapping_add((i0 + MR + i) * lda);
                prefetch_ptr(row);
                prefetch_ptr(row.wrapping_add(16));
            }
        }
        for (q, j0) in (0..t.nc).step_by(nrf).enumerate() {
            let nr = nrf.min(t.nc - j0);
            let bpanel = &bp[q * nrf * t.kc..(q + 1) * nrf * t.kc];
            if t.prefetch_c {
                // C in two hops (see `PREFETCH_C_MIN_BYTES`). DRAM to L2: ask
                // for the tile one row panel below (the same columns, needed
                // nc/NR tiles from now), so its lines arrive however long DRAM
                // takes; into L2 only (T1), so they do not push the rows of A
                // and B̃ out of L1 (measured against T0: a point faster).
                // L2 to L1: ask for this tile, asked for one row panel ago,
                // so the write-back's stores hit L1 (two points faster).
                prefetch_tile::<false>(c.as_ptr().wrapping_add((i0 + MR) * ldc + j0), ldc, MR, nrf);
                prefetch_tile::<true>(c.as_ptr().wrapping_add(i0 * ldc + j0), ldc, MR, nrf);
            }
            let c = &mut c[i0 * ldc + j0..];
            match lda {
                None => {
                    let apanel = &ap[r * MR * t.kc..(r + 1) * MR * t.kc];
                    micro_kernel::<S, MR, NV, false>(s, t.kc, (apanel, 0), bpanel, c, ldc, (mr, nr), (alpha, beta));
                }
                Some(lda) => {
                    let arows = &ap[i0 * lda..];
                    micro_kernel::<S, MR, NV, true>(s, t.kc, (arows, lda), bpanel, c, ldc, (mr, nr), (alpha, beta));
                }
            }
        }
    }
}
