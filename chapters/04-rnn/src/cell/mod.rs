//! The fused cell kernels: everything a recurrent step does after its one
//! GEMM, in a single pass over memory.
//!
//! ```text
//!            one GEMM per step (whole batch)          one fused pass
//! RNN   a = [h_{t−1}, x_t]·Wᵀ    (N, H)     ─►  h = tanh(a + b)
//! LSTM  a = [h_{t−1}, x_t]·W     (N, 4H)    ─►  i, f, g, o = σ, σ, tanh, σ (a + b)
//!                                               c = f⊙c_prev + i⊙g,  tc = tanh(c),  h = o⊙tc
//! ```
//!
//! **Memory layout of the LSTM gates.** One row per batch element, the four
//! gate blocks side by side in Keras's order i, f, c (candidate g), o:
//!
//! ```text
//! gates row n:  [ i_0 … i_{H−1} | f_0 … f_{H−1} | g_0 … g_{H−1} | o_0 … o_{H−1} ]
//!                 ▲ j             ▲ H + j         ▲ 2H + j        ▲ 3H + j
//! ```
//!
//! The GEMM writes this row as one contiguous run of 4H floats (column block
//! k of W feeds gate k). The SIMD pass walks j in steps of LANES and loads
//! the four registers at j, H+j, 2H+j, 3H+j: unit k of every gate sits in
//! the same lane, so the cell update is pure lane-wise arithmetic, with no
//! shuffles. Each element of a, c_prev is read once, each of gates, c, tc, h
//! written once: the pass moves (4+1 in, 4+3 out)·H floats per row and
//! touches them while they are still in L1 from the GEMM.
//!
//! The rungs: `naive` (one element at a time, std tanh/exp: the oracle,
//! [`naive`]) and `simd` (LANES units of every gate per step, the rational
//! tanh of [`crate::act`]). Backward kernels are fused the same way.

pub mod naive;
pub(crate) mod simd;

#[cfg(target_arch = "x86_64")]
mod avx2_fma;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;

use foundations::{Isa, Result, ensure_shape};

/// Validates the lengths of [`rnn_forward_on`]'s buffers.
pub fn check_rnn(op: &str, out: usize, a: usize, hd: usize) -> Result<()> {
    ensure_shape!(out == a, "{op}: output has {out} elements but input has {a}");
    ensure_shape!(
        hd == 0 && a == 0 || hd > 0 && a.is_multiple_of(hd),
        "{op}: {a} elements are not whole rows of H = {hd}"
    );
    Ok(())
}

/// Validates the lengths of the LSTM kernels' buffers: gates (N, 4H), the rest (N, H).
pub fn check_lstm(op: &str, gates: usize, states: &[(&str, usize)], b: Option<usize>, hd: usize) -> Result<()> {
    ensure_shape!(hd > 0, "{op}: the hidden size H must be positive");
    ensure_shape!(gates.is_multiple_of(4 * hd), "{op}: gates have {gates} elements, not whole rows of 4H = {}", 4 * hd);
    let n = gates / (4 * hd);
    for (name, len) in states {
        ensure_shape!(*len == n * hd, "{op}: {name} has {len} elements but (N, H) = ({n}, {hd}) needs {}", n * hd);
    }
    if let Some(b) = b {
        ensure_shape!(b == 4 * hd, "{op}: bias has {b} elements but 4H = {}", 4 * hd);
    }
    Ok(())
}

/// h = tanh(a + b), row by row. h, a: (N, H)  b: (H)
pub fn rnn_forward_on(isa: Isa, h: &mut [f32], a: &[f32], b: &[f32]) -> Result<()> {
    check_rnn("rnn_forward", h.len(), a.len(), b.len())?;
    foundations::dispatch!(isa, "rnn_forward", rnn_forward(h, a, b));
    Ok(())
}

/// da = dh ⊙ (1 − h²) (overwrites). da, dh, h: (N, H)
pub fn rnn_backward_on(isa: Isa, da: &mut [f32], dh: &[f32], h: &[f32]) -> Result<()> {
    ensure_shape!(
        da.len() == dh.len() && dh.len() == h.len(),
        "rnn_backward: da, dh, h have {}, {}, {} elements",
        da.len(),
        dh.len(),
        h.len()
    );
    foundations::dispatch!(isa, "rnn_backward", rnn_backward(da, dh, h));
    Ok(())
}

/// One LSTM step after its GEMM (see [`naive::lstm_forward`]).
/// gates: (N, 4H) in: pre-activations, out: activated; c, h, tc, c_prev: (N, H)  b: (4H)
#[allow(clippy::too_many_arguments)]
pub fn lstm_forward_on(
    isa: Isa,
    gates: &mut [f32],
    c: &mut [f32],
    h: &mut [f32],
    tc: &mut [f32],
    c_prev: &[f32],
    b: &[f32],
    hd: usize,
) -> Result<()> {
    let states = [("c", c.len()), ("h", h.len()), ("tc", tc.len()), ("c_prev", c_prev.len())];
    check_lstm("lstm_forward", gates.len(), &states, Some(b.len()), hd)?;
    foundations::dispatch!(isa, "lstm_forward", lstm_forward(gates, c, h, tc, c_prev, b, hd));
    Ok(())
}

/// Backward of one LSTM step (see [`naive::lstm_backward`]); overwrites da, dc_prev.
/// da, gates: (N, 4H)  dc_prev, dh, dc, c_prev, tc: (N, H)
#[allow(clippy::too_many_arguments)]
pub fn lstm_backward_on(
    isa: Isa,
    da: &mut [f32],
    dc_prev: &mut [f32],
    dh: &[f32],
    dc: &[f32],
    gates: &[f32],
    c_prev: &[f32],
    tc: &[f32],
    hd: usize,
) -> Result<()> {
    ensure_shape!(da.len() == gates.len(), "lstm_backward: da has {} elements but gates {}", da.len(), gates.len());
    let states =
        [("dc_prev", dc_prev.len()), ("dh", dh.len()), ("dc", dc.len()), ("c_prev", c_prev.len()), ("tc", tc.len())];
    check_lstm("lstm_backward", gates.len(), &states, None, hd)?;
    foundations::dispatch!(isa, "lstm_backward", lstm_backward(da, dc_prev, dh, dc, gates, c_prev, tc, hd));
    Ok(())
}
