//! The one loss reduction worth a SIMD kernel: Σᵢ (pᵢ − tᵢ)², the body of
//! MSE. Two loads and one FMA per element: bound by memory bandwidth once
//! the data leaves the caches, which is how the bench reports it.

use foundations::simd::Simd;

// ANCHOR: sq_diff_sum_simd
/// Σᵢ (pᵢ − tᵢ)², four accumulators. p, t: (n), equal lengths.
#[inline(always)]
pub(crate) fn sq_diff_sum<S: Simd>(s: S, p: &[f32], t: &[f32]) -> f32 {
    let l = S::LANES;
    let mut acc = [s.zero(); 4];
    let mut ps = p.chunks_exact(4 * l);
    let mut ts = t.chunks_exact(4 * l);
    for (pc, tc) in (&mut ps).zip(&mut ts) {
        for u in 0..4 {
            let d = s.sub(s.load(&pc[u * l..]), s.load(&tc[u * l..]));
            acc[u] = s.fma(d, d, acc[u]);
        }
    }
    let (pr, tr) = (ps.remainder(), ts.remainder());
    let mut j = 0;
    while j < pr.len() {
        let (pv, tv) = if j + l <= pr.len() {
            (s.load(&pr[j..]), s.load(&tr[j..]))
        } else {
            (s.load_partial(&pr[j..], 0.0), s.load_partial(&tr[j..], 0.0))
        };
        let d = s.sub(pv, tv);
        acc[1] = s.fma(d, d, acc[1]);
        j += l;
    }
    s.reduce_sum(s.add(s.add(acc[0], acc[1]), s.add(acc[2], acc[3])))
}
// ANCHOR_END: sq_diff_sum_simd
