//! v2: fused attention, written once over [`Simd`]; the per-ISA files
//! compile it with their instructions enabled.
//!
//! Forward, per batch entry (FlashAttention-2's loop order):
//!
//! ```text
//! pack Kᵀ: (dk, Tk↑BC), zero-padded (and V: (Tk, dv↑L) if dv is not whole registers)
//! for each query tile i0 (BR rows):
//!     Q̃ = Q[i0..] (BR, dk), read in place;  O = 0 (BR, dv↑L);  m = −∞;  l = 0
//!     for each key tile j0 (BC keys):
//!         S = Q̃ · Kᵀ[:, j0..]                 (BR, BC) in L1, never in memory
//!         mask S with −∞
//!         m' = max(m, s·rowmax S);  α = e^(m − m');  P = e^(s·S − m')   (one FMA)
//!         l = α·l + rowsum P;  O = α·O + P·V[j0..];  m = m'
//!     out = O / l;  lse = m + ln l
//! ```
//!
//! Backward recomputes P = e^(S − lse) tile by tile (key tiles outer, so
//! dK and dV of a key tile stay in L1 while the query tiles stream past).
//!
//! Every product is one register-blocked micro-kernel, [`gemm_tile`]; every
//! e^x is chapter 2's register-level exp, [`losses::exp::exp_v`].

use foundations::simd::Simd;
use losses::exp::exp_v;

use super::{BC, BR, Dims, Mask};

// ANCHOR: gemm_tile
/// The micro-kernel every product of the fused kernels uses:
///
/// ```text
/// C[r, c] (+)= Σ_k A[r·ars + k·aks] · B[k·ldb + c]     r < rows, c < width
/// ```
///
/// `width` is a multiple of LANES. A is read through strides, so the same
/// kernel computes Q·Kᵀ (A = Q rows), P·V, and the transposed Pᵀ·dO, dSᵀ·Q
/// (A read down its columns). Blocks of R rows × CW registers of C stay in
/// registers across the whole k loop: per k, CW loads of B, R broadcasts of
/// A, R·CW FMAs.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn gemm_tile<S: Simd, const R: usize, const CW: usize>(
    s: S,
    accumulate: bool,
    c: &mut [f32],
    ldc: usize,
    a: &[f32],
    ars: usize,
    aks: usize,
    b: &[f32],
    ldb: usize,
    rows: usize,
    width: usize,
    k: usize,
) {
    let l = S::LANES;
    if rows == 0 || width == 0 {
        return;
    }
    assert!(rows.is_multiple_of(R) && width.is_multiple_of(l), "gemm_tile: rows {rows} / width {width} not blocked");
    // The bounds every access below stays within (checked once, here).
    assert!(c.len() >= (rows - 1) * ldc + width, "gemm_tile: C too short");
    if k > 0 {
        assert!(a.len() > (rows - 1) * ars + (k - 1) * aks, "gemm_tile: A too short");
        assert!(b.len() >= (k - 1) * ldb + width, "gemm_tile: B too short");
    }
    let nv = width / l;
    let mut r0 = 0;
    while r0 < rows {
        let mut v0 = 0;
        while v0 + CW <= nv {
            // SAFETY: rows r0..r0+R < rows and registers v0..v0+CW ≤ nv, so
            // every index is within the bounds asserted above.
            unsafe { block::<S, R, CW>(s, accumulate, c, ldc, a, ars, aks, b, ldb, r0, v0 * l, k) };
            v0 += CW;
        }
        while v0 < nv {
            // SAFETY: as above, one register wide.
            unsafe { block::<S, R, 1>(s, accumulate, c, ldc, a, ars, aks, b, ldb, r0, v0 * l, k) };
            v0 += 1;
        }
        r0 += R;
    }
}

/// One R × (CW·LANES) block of [`gemm_tile`] at row r0, column c0.
///
/// # Safety
/// r0 + R ≤ rows, c0 + CW·LANES ≤ width, with the bounds of `gemm_tile`'s asserts.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn block<S: Simd, const R: usize, const CW: usize>(
    s: S,
    accumulate: bool,
    c: &mut [f32],
    ldc: usize,
    a: &[f32],
    ars: usize,
    aks: usize,
    b: &[f32],
    ldb: usize,
    r0: usize,
    c0: usize,
    k: usize,
) {
    let l = S::LANES;
    let cp = c.as_mut_ptr();
    let (ap, bp) = (a.as_ptr(), b.as_ptr());
    let mut acc = [[s.zero(); CW]; R];
    if accumulate {
        for (r, row) in acc.iter_mut().enumerate() {
            for (x, reg) in row.iter_mut().enumerate() {
                // SAFETY: (r0 + r)·ldc + c0 + x·L + L ≤ (rows−1)·ldc + width ≤ c.len().
                *reg = unsafe { s.load_ptr(cp.add((r0 + r) * ldc + c0 + x * l)) };
            }
        }
    }
    for kk in 0..k {
        let mut bv = [s.zero(); CW];
        for (x, reg) in bv.iter_mut().enumerate() {
            // SAFETY: kk·ldb + c0 + x·L + L ≤ (k−1)·ldb + width ≤ b.len().
            *reg = unsafe { s.load_ptr(bp.add(kk * ldb + c0 + x * l)) };
        }
        for (r, row) in acc.iter_mut().enumerate() {
            // SAFETY: (r0 + r)·ars + kk·aks ≤ (rows−1)·ars + (k−1)·aks < a.len().
            let av = s.splat(unsafe { *ap.add((r0 + r) * ars + kk * aks) });
            for (x, reg) in row.iter_mut().enumerate() {
                *reg = s.fma(av, bv[x], *reg);
            }
        }
    }
    for (r, row) in acc.iter().enumerate() {
        for (x, reg) in row.iter().enumerate() {
            // SAFETY: as for the loads of C above.
            unsafe { s.store_ptr(cp.add((r0 + r) * ldc + c0 + x * l), *reg) };
        }
    }
}
// ANCHOR_END: gemm_tile

fn up(x: usize, m: usize) -> usize {
    x.div_ceil(m) * m
}

/// Does key tile [j0, j0 + BC) need masking for query rows [i0, i0 + rows)?
fn tile_needs_mask(mask: &Mask, b: usize, tk: usize, i0: usize, j0: usize) -> bool {
    let j1 = (j0 + BC).min(tk);
    j0 + BC > tk
        || (mask.causal && j1 - 1 > i0)
        || mask.key_valid.is_some_and(|kv| kv[b * tk + j0..b * tk + j1].iter().any(|&ok| !ok))
}

/// Writes −∞ into the masked entries of a (BR, BC) score tile.
fn apply_mask(st: &mut [f32], mask: &Mask, b: usize, tk: usize, i0: usize, rows: usize, j0: usize) {
    for r in 0..rows {
        for c in 0..BC {
            let j = j0 + c;
            if j >= tk || !mask.allows(b, tk, i0 + r, j) {
                st[r * BC + c] = f32::NEG_INFINITY;
            }
        }
    }
}

/// Packs k_b: (Tk, dk) into Kᵀ: (dk, tkp) with zero padding.
fn pack_kt(kt: &mut [f32], kb: &[f32], tk: usize, dk: usize, tkp: usize) {
    for c in 0..dk {
        let row = &mut kt[c * tkp..][..tkp];
        for (j, x) in row[..tk].iter_mut().enumerate() {
            *x = kb[j * dk + c];
        }
        row[tk..].fill(0.0);
    }
}

/// Packs x: (t, d) into (t, dp) rows, zero padded to the right, times `alpha`.
fn pack_rows(dst: &mut [f32], x: &[f32], t: usize, d: usize, dp: usize, alpha: f32) {
    dst.fill(0.0);
    for i in 0..t {
        for c in 0..d {
            dst[i * dp + c] = alpha * x[i * d + c];
        }
    }
}

/// Max of a BC-wide row (NaN-sticky).
#[inline(always)]
fn row_max<S: Simd>(s: S, row: &[f32]) -> f32 {
    let l = S::LANES;
    let mut m = s.splat(f32::NEG_INFINITY);
    for c in (0..BC).step_by(l) {
        m = s.max(s.load(&row[c..c + l]), m);
    }
    s.reduce_max(m)
}

// ANCHOR: fused_forward
/// Fused forward over all batch entries. Shapes as in `attention::forward`;
/// `scale` > 0 (checked by the dispatcher).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn forward<S: Simd, const R: usize, const CW: usize>(
    s: S,
    out: &mut [f32],
    lse: &mut [f32],
    q: &[f32],
    k: &[f32],
    v: &[f32],
    d: Dims,
    mask: Mask,
    scale: f32,
) {
    let Dims { b: nb, tq, tk, dk, dv } = d;
    let l = S::LANES;
    let (tkp, dvp) = (up(tk, BC), up(dv, l));
    let mut kt = vec![0.0f32; dk * tkp]; // Kᵀ, zero padded: (dk, tkp)
    // V rows padded to whole registers, only when dv is not already a multiple of LANES.
    let mut vp = vec![0.0f32; if dv == dvp { 0 } else { tk * dvp }];
    let mut qt = vec![0.0f32; BR * dk]; // a copy of the last Q tile when it is short
    let mut st = vec![0.0f32; BR * BC]; // score tile, then P tile: (BR, BC)
    let mut ot = vec![0.0f32; BR * dvp]; // output accumulator: (BR, dvp)
    let (mut m, mut z) = ([0.0f32; BR], [0.0f32; BR]);
    let sv = s.splat(scale);
    for b in 0..nb {
        pack_kt(&mut kt, &k[b * tk * dk..][..tk * dk], tk, dk, tkp);
        let vb: &[f32] = if dv == dvp {
            &v[b * tk * dv..][..tk * dv]
        } else {
            pack_rows(&mut vp, &v[b * tk * dv..][..tk * dv], tk, dv, dvp, 1.0);
            &vp
        };
        for i0 in (0..tq).step_by(BR) {
            let rows = BR.min(tq - i0);
            let rows_r = up(rows, R); // the micro-kernel's whole row blocks
            // Q rows are read in place; a tile whose row blocks would run past the
            // end of q is copied (zero padded) first.
            let qa: &[f32] = if (nb * tq - b * tq - i0) >= rows_r {
                &q[(b * tq + i0) * dk..]
            } else {
                pack_rows(&mut qt, &q[(b * tq + i0) * dk..][..rows * dk], rows, dk, dk, 1.0);
                &qt
            };
            ot.fill(0.0);
            m.fill(f32::NEG_INFINITY);
            z.fill(0.0);
            // The causal mask hides every key tile that starts after the last row.
            let j_end = if mask.causal { tkp.min(up(i0 + rows, BC)) } else { tkp };
            for j0 in (0..j_end).step_by(BC) {
                // S = Q̃ · Kᵀ[:, j0..j0+BC]   (the scale s is applied inside the exp)
                gemm_tile::<S, R, CW>(s, false, &mut st, BC, qa, dk, 1, &kt[j0..], tkp, rows_r, BC, dk);
                if tile_needs_mask(&mask, b, tk, i0, j0) {
                    apply_mask(&mut st, &mask, b, tk, i0, rows, j0);
                }
                // Online softmax, row by row, on the scaled scores s·S.
                for r in 0..rows {
                    let row = &mut st[r * BC..][..BC];
                    let m_new = m[r].max(scale * row_max(s, row));
                    if m_new == f32::NEG_INFINITY {
                        row.fill(0.0); // no visible key yet: nothing to add
                        continue;
                    }
                    let alpha = (m[r] - m_new).exp(); // e^(−∞) = 0 on the first visible tile
                    let (neg_m, mut sum) = (s.splat(-m_new), s.zero());
                    for c in (0..BC).step_by(l) {
                        let p = exp_v(s, s.fma(s.load(&row[c..c + l]), sv, neg_m));
                        sum = s.add(sum, p);
                        s.store(&mut row[c..c + l], p);
                    }
                    z[r] = alpha * z[r] + s.reduce_sum(sum);
                    m[r] = m_new;
                    if alpha != 1.0 {
                        let av = s.splat(alpha);
                        for c in (0..dvp).step_by(l) {
                            let o = s.mul(av, s.load(&ot[r * dvp + c..][..l]));
                            s.store(&mut ot[r * dvp + c..][..l], o);
                        }
                    }
                }
                // O += P · V[j0..j0+BC]  (only the real keys of a tail tile)
                let kk = BC.min(tk - j0);
                gemm_tile::<S, R, CW>(s, true, &mut ot, dvp, &st, BC, 1, &vb[j0 * dvp..], dvp, rows_r, dvp, kk);
            }
            // out = O / l, lse = m + ln l
            for r in 0..rows {
                let o = &mut out[(b * tq + i0 + r) * dv..][..dv];
                if z[r] > 0.0 {
                    let inv = 1.0 / z[r];
                    let (iv, orow) = (s.splat(inv), &ot[r * dvp..][..dvp]);
                    let mut c = 0;
                    while c + l <= dv {
                        s.store(&mut o[c..c + l], s.mul(s.load(&orow[c..c + l]), iv));
                        c += l;
                    }
                    for (oc, &a) in o[c..].iter_mut().zip(&orow[c..dv]) {
                        *oc = a * inv;
                    }
                    lse[b * tq + i0 + r] = m[r] + z[r].ln();
                } else {
                    o.fill(0.0);
                    lse[b * tq + i0 + r] = f32::NEG_INFINITY;
                }
            }
        }
    }
}
// ANCHOR_END: fused_forward

// ANCHOR: fused_backward
/// Fused backward: ACCUMULATES dq, dk, dv. Shapes as in `attention::backward`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn backward<S: Simd, const R: usize, const CW: usize>(
    s: S,
    dq: &mut [f32],
    dk: &mut [f32],
    dv: &mut [f32],
    dout: &[f32],
    q: &[f32],
    k: &[f32],
    v: &[f32],
    out: &[f32],
    lse: &[f32],
    d: Dims,
    mask: Mask,
    scale: f32,
) {
    let Dims { b: nb, tq, tk, dk: w, dv: wv } = d;
    let l = S::LANES;
    let (tkp, tqp, dkp, dvp) = (up(tk, BC), up(tq, BR), up(w, l), up(wv, l));
    let mut kt = vec![0.0f32; w * tkp]; // Kᵀ: (dk, tkp)
    let mut kp = vec![0.0f32; if w == dkp { 0 } else { tk * dkp }]; // K padded, if dk is not whole registers
    let mut vt = vec![0.0f32; wv * tkp]; // Vᵀ: (dv, tkp)
    let mut qtile = vec![0.0f32; BR * dkp]; // a Q tile copy, when Q cannot be read in place
    let mut dotile = vec![0.0f32; BR * dvp]; // a dO tile copy, likewise
    let mut dqa = vec![0.0f32; tqp * dkp]; // dQ / s accumulator: (tqp, dkp)
    let mut dd = vec![0.0f32; tqp]; // D_i = dO_i · O_i
    let mut pt = vec![0.0f32; BR * BC]; // P tile
    let mut dst = vec![0.0f32; BR * BC]; // dP, then dS tile
    let mut dkt = vec![0.0f32; BC * dkp]; // dK tile / s
    let mut dvt = vec![0.0f32; BC * dvp]; // dV tile
    let sv = s.splat(scale);
    for b in 0..nb {
        pack_kt(&mut kt, &k[b * tk * w..][..tk * w], tk, w, tkp);
        let kb: &[f32] = if w == dkp {
            &k[b * tk * w..][..tk * w]
        } else {
            pack_rows(&mut kp, &k[b * tk * w..][..tk * w], tk, w, dkp, 1.0);
            &kp
        };
        pack_kt(&mut vt, &v[b * tk * wv..][..tk * wv], tk, wv, tkp);
        dqa.fill(0.0);
        for i in 0..tq {
            let (o, g) = (&out[(b * tq + i) * wv..][..wv], &dout[(b * tq + i) * wv..][..wv]);
            dd[i] = o.iter().zip(g).map(|(a, b)| a * b).sum();
        }
        for j0 in (0..tkp).step_by(BC) {
            let kk = BC.min(tk - j0);
            dkt.fill(0.0);
            dvt.fill(0.0);
            // With the causal mask, query tiles ending before j0 see none of these keys.
            let i_start = if mask.causal { (j0 / BR) * BR } else { 0 };
            for i0 in (i_start..tq).step_by(BR) {
                let rows = BR.min(tq - i0);
                let rows_r = up(rows, R);
                // Q and dO tiles are read in place when their rows are whole
                // registers and the row blocks stay inside the buffers.
                let in_place = nb * tq - b * tq - i0 >= rows_r;
                let qa: &[f32] = if w == dkp && in_place {
                    &q[(b * tq + i0) * w..]
                } else {
                    pack_rows(&mut qtile, &q[(b * tq + i0) * w..][..rows * w], rows, w, dkp, 1.0);
                    &qtile
                };
                let doa: &[f32] = if wv == dvp && in_place {
                    &dout[(b * tq + i0) * wv..]
                } else {
                    pack_rows(&mut dotile, &dout[(b * tq + i0) * wv..][..rows * wv], rows, wv, dvp, 1.0);
                    &dotile
                };
                // P = e^(s·Q̃Kᵀ − lse), recomputed
                gemm_tile::<S, R, CW>(s, false, &mut pt, BC, qa, dkp, 1, &kt[j0..], tkp, rows_r, BC, w);
                if tile_needs_mask(&mask, b, tk, i0, j0) {
                    apply_mask(&mut pt, &mask, b, tk, i0, rows, j0);
                }
                for r in 0..BR {
                    let row = &mut pt[r * BC..][..BC];
                    let li = if r < rows { lse[b * tq + i0 + r] } else { f32::NEG_INFINITY };
                    if li == f32::NEG_INFINITY {
                        row.fill(0.0); // a row that saw no key (or a padding row) has P = 0
                        continue;
                    }
                    let neg_l = s.splat(-li);
                    for c in (0..BC).step_by(l) {
                        let p = exp_v(s, s.fma(s.load(&row[c..c + l]), sv, neg_l));
                        s.store(&mut row[c..c + l], p);
                    }
                }
                // out = P V  ⇒  dV_j += Σ_i P_ij dO_i  (Pᵀ read down its columns)
                gemm_tile::<S, R, CW>(s, true, &mut dvt, dvp, &pt, 1, BC, doa, dvp, BC, dvp, rows);
                // dP = dO · Vᵀ[:, j0..]
                gemm_tile::<S, R, CW>(s, false, &mut dst, BC, doa, dvp, 1, &vt[j0..], tkp, rows_r, BC, wv);
                // P = softmax(S)  ⇒  dS = P ∘ (dP − D_i)
                for r in 0..rows {
                    let dvv = s.splat(dd[i0 + r]);
                    for c in (0..BC).step_by(l) {
                        let p = s.load(&pt[r * BC + c..][..l]);
                        let g = s.mul(p, s.sub(s.load(&dst[r * BC + c..][..l]), dvv));
                        s.store(&mut dst[r * BC + c..][..l], g);
                    }
                }
                // S = s·Q Kᵀ  ⇒  dQ_i += s Σ_j dS_ij K_j  (s applied at the end)
                gemm_tile::<S, R, CW>(
                    s,
                    true,
                    &mut dqa[i0 * dkp..],
                    dkp,
                    &dst,
                    BC,
                    1,
                    &kb[j0 * dkp..],
                    dkp,
                    rows_r,
                    dkp,
                    kk,
                );
                //                ⇒  dK_j += s Σ_i dS_ij Q_i  (s applied at the end)
                gemm_tile::<S, R, CW>(s, true, &mut dkt, dkp, &dst, 1, BC, qa, dkp, BC, dkp, rows);
            }
            for j in 0..kk {
                let base = (b * tk + j0 + j) * w;
                for c in 0..w {
                    dk[base + c] += scale * dkt[j * dkp + c];
                }
                let base = (b * tk + j0 + j) * wv;
                for c in 0..wv {
                    dv[base + c] += dvt[j * dvp + c];
                }
            }
        }
        for i in 0..tq {
            for c in 0..w {
                dq[(b * tq + i) * w + c] += scale * dqa[i * dkp + c];
            }
        }
    }
}
// ANCHOR_END: fused_backward
