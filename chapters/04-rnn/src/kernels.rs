//! [`RnnReal`]: the chapter's kernels with two faces, like chapter 0's
//! [`Real`]. f32 dispatches to the SIMD kernels of the ISA a layer was told
//! to use; f64 always runs the naive oracles (the ISA is ignored), which is
//! how the gradient checker verifies the very code that trains.

use foundations::gemm::{self, MatMut, MatRef};
use foundations::{Isa, Real, Result};

use crate::{act, cell};

/// f32 or f64 with the recurrent kernels as methods.
pub trait RnnReal: Real + losses::LossKernels {
    /// C ← α·A·B + β·C on `isa` (f64: the naive oracle).
    fn gemm_on(
        isa: Isa,
        c: MatMut<'_, Self>,
        alpha: Self,
        a: MatRef<'_, Self>,
        b: MatRef<'_, Self>,
        beta: Self,
    ) -> Result<()>;
    /// outᵢ = tanh(xᵢ).
    fn tanh_on(isa: Isa, out: &mut [Self], x: &[Self]) -> Result<()>;
    /// outᵢ = σ(xᵢ).
    fn sigmoid_on(isa: Isa, out: &mut [Self], x: &[Self]) -> Result<()>;
    /// h = tanh(a + b). h, a: (N, H)  b: (H)
    fn rnn_forward_on(isa: Isa, h: &mut [Self], a: &[Self], b: &[Self]) -> Result<()>;
    /// da = dh ⊙ (1 − h²). da, dh, h: (N, H)
    fn rnn_backward_on(isa: Isa, da: &mut [Self], dh: &[Self], h: &[Self]) -> Result<()>;
    /// One LSTM step after its GEMM ([`cell::naive::lstm_forward`]).
    #[allow(clippy::too_many_arguments)]
    fn lstm_forward_on(
        isa: Isa,
        gates: &mut [Self],
        c: &mut [Self],
        h: &mut [Self],
        tc: &mut [Self],
        c_prev: &[Self],
        b: &[Self],
        hd: usize,
    ) -> Result<()>;
    /// Backward of one LSTM step ([`cell::naive::lstm_backward`]).
    #[allow(clippy::too_many_arguments)]
    fn lstm_backward_on(
        isa: Isa,
        da: &mut [Self],
        dc_prev: &mut [Self],
        dh: &[Self],
        dc: &[Self],
        gates: &[Self],
        c_prev: &[Self],
        tc: &[Self],
        hd: usize,
    ) -> Result<()>;
}

impl RnnReal for f32 {
    fn gemm_on(
        isa: Isa,
        c: MatMut<'_, f32>,
        alpha: f32,
        a: MatRef<'_, f32>,
        b: MatRef<'_, f32>,
        beta: f32,
    ) -> Result<()> {
        gemm::gemm_on(isa, c, alpha, a, b, beta)
    }
    fn tanh_on(isa: Isa, out: &mut [f32], x: &[f32]) -> Result<()> {
        act::tanh_on(isa, out, x)
    }
    fn sigmoid_on(isa: Isa, out: &mut [f32], x: &[f32]) -> Result<()> {
        act::sigmoid_on(isa, out, x)
    }
    fn rnn_forward_on(isa: Isa, h: &mut [f32], a: &[f32], b: &[f32]) -> Result<()> {
        cell::rnn_forward_on(isa, h, a, b)
    }
    fn rnn_backward_on(isa: Isa, da: &mut [f32], dh: &[f32], h: &[f32]) -> Result<()> {
        cell::rnn_backward_on(isa, da, dh, h)
    }
    fn lstm_forward_on(
        isa: Isa,
        gates: &mut [f32],
        c: &mut [f32],
        h: &mut [f32],
        tc: &mut [f32],
        c_prev: &[f32],
        b: &[f32],
        hd: usize,
    ) -> Result<()> {
        cell::lstm_forward_on(isa, gates, c, h, tc, c_prev, b, hd)
    }
    fn lstm_backward_on(
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
        cell::lstm_backward_on(isa, da, dc_prev, dh, dc, gates, c_prev, tc, hd)
    }
}

impl RnnReal for f64 {
    fn gemm_on(
        _: Isa,
        c: MatMut<'_, f64>,
        alpha: f64,
        a: MatRef<'_, f64>,
        b: MatRef<'_, f64>,
        beta: f64,
    ) -> Result<()> {
        f64::gemm(c, alpha, a, b, beta)
    }
    fn tanh_on(_: Isa, out: &mut [f64], x: &[f64]) -> Result<()> {
        foundations::ensure_shape!(out.len() == x.len(), "tanh: out has {} elements but x has {}", out.len(), x.len());
        act::naive::tanh(out, x);
        Ok(())
    }
    fn sigmoid_on(_: Isa, out: &mut [f64], x: &[f64]) -> Result<()> {
        foundations::ensure_shape!(
            out.len() == x.len(),
            "sigmoid: out has {} elements but x has {}",
            out.len(),
            x.len()
        );
        act::naive::sigmoid(out, x);
        Ok(())
    }
    fn rnn_forward_on(_: Isa, h: &mut [f64], a: &[f64], b: &[f64]) -> Result<()> {
        cell::check_rnn("rnn_forward", h.len(), a.len(), b.len())?;
        cell::naive::rnn_forward(h, a, b);
        Ok(())
    }
    fn rnn_backward_on(_: Isa, da: &mut [f64], dh: &[f64], h: &[f64]) -> Result<()> {
        foundations::ensure_shape!(
            da.len() == dh.len() && dh.len() == h.len(),
            "rnn_backward: da, dh, h have {}, {}, {} elements",
            da.len(),
            dh.len(),
            h.len()
        );
        cell::naive::rnn_backward(da, dh, h);
        Ok(())
    }
    fn lstm_forward_on(
        _: Isa,
        gates: &mut [f64],
        c: &mut [f64],
        h: &mut [f64],
        tc: &mut [f64],
        c_prev: &[f64],
        b: &[f64],
        hd: usize,
    ) -> Result<()> {
        let states = [("c", c.len()), ("h", h.len()), ("tc", tc.len()), ("c_prev", c_prev.len())];
        cell::check_lstm("lstm_forward", gates.len(), &states, Some(b.len()), hd)?;
        cell::naive::lstm_forward(gates, c, h, tc, c_prev, b, hd);
        Ok(())
    }
    fn lstm_backward_on(
        _: Isa,
        da: &mut [f64],
        dc_prev: &mut [f64],
        dh: &[f64],
        dc: &[f64],
        gates: &[f64],
        c_prev: &[f64],
        tc: &[f64],
        hd: usize,
    ) -> Result<()> {
        foundations::ensure_shape!(
            da.len() == gates.len(),
            "lstm_backward: da has {} elements but gates {}",
            da.len(),
            gates.len()
        );
        let states = [
            ("dc_prev", dc_prev.len()),
            ("dh", dh.len()),
            ("dc", dc.len()),
            ("c_prev", c_prev.len()),
            ("tc", tc.len()),
        ];
        cell::check_lstm("lstm_backward", gates.len(), &states, None, hd)?;
        cell::naive::lstm_backward(da, dc_prev, dh, dc, gates, c_prev, tc, hd);
        Ok(())
    }
}
