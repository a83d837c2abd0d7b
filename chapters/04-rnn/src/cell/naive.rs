//! The oracle for the fused cell kernels: one element at a time, each line
//! a line of the cell's equations. Generic over f32 and f64.
//!
//! Memory layout (row-major, one row per batch element n):
//!
//! ```text
//! RNN   a, h, dh, da : (N, H)
//! LSTM  gates, da    : (N, 4H)   row n = [ i (H) | f (H) | g (H) | o (H) ]   Keras order i, f, c, o
//!       c, h, tc, c_prev, dh, dc, dc_prev : (N, H)
//! ```

use foundations::Real;

use crate::act::naive::sigmoid1;

// ANCHOR: rnn_cell_naive
/// `h[n,j] = tanh(a[n,j] + b[j])`, the seed's `h_t = tanh(W·[h_{t−1}, x_t] + b)`
/// after the GEMM has produced `a = [h_{t−1}, x_t]·Wᵀ`.
/// h, a: (N, H)  b: (H)
pub fn rnn_forward<T: Real>(h: &mut [T], a: &[T], b: &[T]) {
    let hd = b.len();
    for (hrow, arow) in h.chunks_exact_mut(hd).zip(a.chunks_exact(hd)) {
        for j in 0..hd {
            hrow[j] = (arow[j] + b[j]).tanh();
        }
    }
}

/// Differentiates `h = tanh(a + b)`: da = dh·(1 − h²) (overwrites da).
/// da, dh, h: (N, H)
pub fn rnn_backward<T: Real>(da: &mut [T], dh: &[T], h: &[T]) {
    for i in 0..da.len() {
        da[i] = dh[i] * (T::one() - h[i] * h[i]);
    }
}
// ANCHOR_END: rnn_cell_naive

// ANCHOR: lstm_cell_naive
/// One LSTM step after the GEMM. On entry `gates` holds the pre-activations
/// a = [h_{t−1}, x_t]·W (N, 4H); on exit the activated gates:
///
/// ```text
/// i = σ(a_i + b_i)   f = σ(a_f + b_f)   g = tanh(a_c + b_c)   o = σ(a_o + b_o)
/// c = f ⊙ c_prev + i ⊙ g      tc = tanh(c)      h = o ⊙ tc
/// ```
///
/// gates: (N, 4H)  c, h, tc, c_prev: (N, H)  b: (4H)
#[allow(clippy::too_many_arguments)]
pub fn lstm_forward<T: Real>(
    gates: &mut [T],
    c: &mut [T],
    h: &mut [T],
    tc: &mut [T],
    c_prev: &[T],
    b: &[T],
    hd: usize,
) {
    let n = c_prev.len() / hd.max(1);
    for r in 0..n {
        let g = &mut gates[r * 4 * hd..(r + 1) * 4 * hd];
        for j in 0..hd {
            let k = r * hd + j;
            let i = sigmoid1(g[j] + b[j]);
            let f = sigmoid1(g[hd + j] + b[hd + j]);
            let gg = (g[2 * hd + j] + b[2 * hd + j]).tanh();
            let o = sigmoid1(g[3 * hd + j] + b[3 * hd + j]);
            (g[j], g[hd + j], g[2 * hd + j], g[3 * hd + j]) = (i, f, gg, o);
            c[k] = f * c_prev[k] + i * gg;
            tc[k] = c[k].tanh();
            h[k] = o * tc[k];
        }
    }
}

/// Backward of one LSTM step (overwrites `da` and `dc_prev`).
///
/// Inputs: dh = ∂L/∂h_t (from the output and from step t+1), dc = ∂L/∂c_t
/// arriving from step t+1, the activated gates, c_prev and tc = tanh(c_t).
///
/// ```text
/// h = o ⊙ tc            ⇒ do = dh ⊙ tc,      dc_t = dc + dh ⊙ o ⊙ (1 − tc²)
/// c = f ⊙ c_prev + i ⊙ g ⇒ di = dc_t ⊙ g,   df = dc_t ⊙ c_prev,  dg = dc_t ⊙ i,  dc_prev = dc_t ⊙ f
/// i = σ(a_i) ⇒ da_i = di ⊙ i(1 − i)   (same for f, o);   g = tanh(a_c) ⇒ da_c = dg ⊙ (1 − g²)
/// ```
///
/// da, gates: (N, 4H)  dc_prev, dh, dc, c_prev, tc: (N, H)
#[allow(clippy::too_many_arguments)]
pub fn lstm_backward<T: Real>(
    da: &mut [T],
    dc_prev: &mut [T],
    dh: &[T],
    dc: &[T],
    gates: &[T],
    c_prev: &[T],
    tc: &[T],
    hd: usize,
) {
    let one = T::one();
    let n = c_prev.len() / hd.max(1);
    for r in 0..n {
        let g = &gates[r * 4 * hd..(r + 1) * 4 * hd];
        let d = &mut da[r * 4 * hd..(r + 1) * 4 * hd];
        for j in 0..hd {
            let k = r * hd + j;
            let (i, f, gg, o) = (g[j], g[hd + j], g[2 * hd + j], g[3 * hd + j]);
            let dct = dc[k] + dh[k] * o * (one - tc[k] * tc[k]);
            d[j] = dct * gg * i * (one - i);
            d[hd + j] = dct * c_prev[k] * f * (one - f);
            d[2 * hd + j] = dct * i * (one - gg * gg);
            d[3 * hd + j] = dh[k] * tc[k] * o * (one - o);
            dc_prev[k] = dct * f;
        }
    }
}
// ANCHOR_END: lstm_cell_naive
