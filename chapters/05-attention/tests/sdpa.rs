//! Scaled dot-product attention: v0 against hand-computed values and finite
//! differences, v1 and the fused v2 against v0 on every ISA, properties, errors.

mod common;

use attention::attention as att;
use attention::attention::{Dims, Mask, default_scale, naive, v1_gemm};
use common::{padding, uniform, uniform_f32, wide};
use foundations::gradcheck::{Config, check_fn};
use foundations::testing::{CANARY, Canary};
use foundations::{Isa, assert_close, per_isa};

/// The mask variants every comparison runs through.
fn masks(pad: &[bool]) -> [(&'static str, Mask<'_>); 4] {
    [
        ("none", Mask::NONE),
        ("causal", Mask::causal()),
        ("padding", Mask::padding(pad)),
        ("causal+padding", Mask { causal: true, key_valid: Some(pad) }),
    ]
}

/// v0 forward in f64: (out, P).
fn oracle(q: &[f64], k: &[f64], v: &[f64], d: Dims, mask: Mask, scale: f64) -> (Vec<f64>, Vec<f64>) {
    let mut out = vec![0.0; d.b * d.tq * d.dv];
    let mut p = vec![0.0; d.b * d.tq * d.tk];
    naive::forward(&mut out, &mut p, q, k, v, d, mask, scale);
    (out, p)
}

#[test]
fn hand_computed_two_keys() {
    // One query q = (1, 0), keys k0 = (1, 0), k1 = (0, 1), scale 1:
    // S = (1, 0), P = (e/(1+e), 1/(1+e)), out = P0·v0 + P1·v1 with v0 = (2), v1 = (−1).
    let d = Dims { b: 1, tq: 1, tk: 2, dk: 2, dv: 1 };
    let (q, k, v) = ([1.0, 0.0], [1.0, 0.0, 0.0, 1.0], [2.0, -1.0]);
    let (out, p) = oracle(&q, &k, &v, d, Mask::NONE, 1.0);
    let e = std::f64::consts::E;
    let p0 = e / (1.0 + e);
    assert_close(&p, &[p0, 1.0 - p0], 1e-15, "P");
    assert_close(&out, &[2.0 * p0 - (1.0 - p0)], 1e-15, "out");
    // Backward with dout = 1: dv = P; dP = (v0, v1) = (2, −1);
    // dS_j = P_j (dP_j − Σ P dP) ⇒ dS0 = p0(2 − (3p0 − 1)) = 3 p0 (1 − p0), dS1 = −dS0;
    // dq = dS0 k0 + dS1 k1 = (dS0, −dS0); dk0 = dS0 q = (dS0, 0), dk1 = (−dS0, 0).
    let (mut dq, mut dk, mut dv) = (vec![0.0; 2], vec![0.0; 4], vec![0.0; 2]);
    naive::backward(&mut dq, &mut dk, &mut dv, &[1.0], &q, &k, &v, &p, d, 1.0);
    let ds0 = 3.0 * p0 * (1.0 - p0);
    assert_close(&dv, &[p0, 1.0 - p0], 1e-15, "dv");
    assert_close(&dq, &[ds0, -ds0], 1e-15, "dq");
    assert_close(&dk, &[ds0, 0.0, -ds0, 0.0], 1e-15, "dk");
}

/// Gradient check of v0 (or v1) in f64: dQ, dK, dV, for every mask.
fn gradcheck_attention(use_v1: bool) {
    let d = Dims { b: 3, tq: 4, tk: 5, dk: 3, dv: 2 };
    let pad = padding(d.b, d.tk);
    let (nq, nk, nv, _) = d.lens();
    let (q, k, v) = (uniform(nq, 1.0, 1), uniform(nk, 1.0, 2), uniform(nv, 1.0, 3));
    let scale = default_scale::<f64>(d.dk);
    for (name, mask) in masks(&pad) {
        // Softmax is smooth everywhere: no kinks to avoid. Masked entries are
        // constant −∞ and do not move under the perturbation.
        let fwd = |x: &[Vec<f64>]| {
            let mut out = vec![0.0; d.b * d.tq * d.dv];
            let mut p = vec![0.0; d.b * d.tq * d.tk];
            if use_v1 {
                v1_gemm::forward(&mut out, &mut p, &x[0], &x[1], &x[2], d, mask, scale)?;
            } else {
                naive::forward(&mut out, &mut p, &x[0], &x[1], &x[2], d, mask, scale);
            }
            Ok(out)
        };
        let bwd = |x: &[Vec<f64>], g: &[f64]| {
            let (out, p) = oracle(&x[0], &x[1], &x[2], d, mask, scale);
            let _ = out;
            let (mut dq, mut dk, mut dv) = (vec![0.0; nq], vec![0.0; nk], vec![0.0; nv]);
            if use_v1 {
                v1_gemm::backward(&mut dq, &mut dk, &mut dv, g, &x[0], &x[1], &x[2], &p, d, scale)?;
            } else {
                naive::backward(&mut dq, &mut dk, &mut dv, g, &x[0], &x[1], &x[2], &p, d, scale);
            }
            Ok(vec![dq, dk, dv])
        };
        let report = check_fn(&[("dQ", &q), ("dK", &k), ("dV", &v)], fwd, bwd, &Config::default()).unwrap();
        report.assert_passed(&format!("attention {} mask={name}", if use_v1 { "v1" } else { "v0" }));
    }
}

#[test]
fn gradcheck_naive() {
    gradcheck_attention(false);
}

#[test]
fn gradcheck_v1_gemm() {
    gradcheck_attention(true);
}

#[test]
fn v1_matches_naive_f32() {
    let d = Dims { b: 2, tq: 7, tk: 9, dk: 5, dv: 3 };
    let pad = padding(d.b, d.tk);
    let (nq, nk, nv, no) = d.lens();
    let (q, k, v) = (uniform_f32(nq, 1.0, 4), uniform_f32(nk, 1.0, 5), uniform_f32(nv, 1.0, 6));
    for (name, mask) in masks(&pad) {
        let (want, p64) = oracle(&wide(&q), &wide(&k), &wide(&v), d, mask, default_scale(d.dk));
        let mut out = vec![0.0f32; no];
        let mut p = vec![0.0f32; d.b * d.tq * d.tk];
        v1_gemm::forward(&mut out, &mut p, &q, &k, &v, d, mask, default_scale(d.dk)).unwrap();
        // f32 against f64: a few ulp of the accumulated sums.
        assert_close(&wide(&out), &want, 1e-5, &format!("v1 out mask={name}"));
        assert_close(&wide(&p), &p64, 1e-5, &format!("v1 P mask={name}"));
    }
}

/// (Tq, Tk, dk) around the tile sizes (BR = 32 queries, BC = 128 keys) and lane counts (4, 8, 16).
const SHAPES: [(usize, usize, usize); 11] = [
    (1, 1, 1),
    (3, 5, 4),
    (17, 9, 8),
    (31, 33, 16),
    (33, 64, 17),
    (64, 65, 15),
    (65, 31, 64),
    (100, 130, 7),
    (0, 5, 3),
    (32, 128, 16),
    (35, 127, 9),
];

per_isa! {
    fn exp_matches_libm(isa) {
        let mut xs: Vec<f32> = (0..2000).map(|i| -100.0 + i as f32 * 0.0947).collect();
        xs.extend([0.0, -0.0, 1e-8, -1e-8, 88.0, 88.7, 89.0, -87.0, -87.3, -87.4, -200.0, f32::NEG_INFINITY, f32::INFINITY]);
        // The fused kernels' exp is chapter 2's (`losses::exp::exp_v`); this
        // runs the same code over a slice.
        let mut got = xs.clone();
        losses::exp::exp_slice_on(isa, &mut got, &xs).unwrap();
        for (&x, &g) in xs.iter().zip(&got) {
            let want = (x as f64).exp();
            if want < f32::MIN_POSITIVE as f64 {
                // Below the normal range: a subnormal (chapter 2 computes them) or 0.
                assert!(g == 0.0 || (g as f64 - want).abs() <= f32::MIN_POSITIVE as f64, "exp({x}) = {g}, want {want}");
            } else if want > f32::MAX as f64 {
                assert_eq!(g, f32::INFINITY, "exp({x})");
            } else {
                // 2 ulp: the polynomial's 1.2e-7 plus the rounding of each step.
                let rel = (g as f64 - want).abs() / want;
                assert!(rel <= 2.5e-7, "exp({x}) = {g}, want {want}, rel err {rel:e}");
            }
        }
        let mut nan = [f32::NAN; 3];
        losses::exp::exp_slice_on(isa, &mut nan, &[f32::NAN; 3]).unwrap();
        assert!(nan.iter().all(|x| x.is_nan()));
    }

    fn fused_forward_matches_naive(isa) {
        for (s, &(tq, tk, dk)) in SHAPES.iter().enumerate() {
            let dv = if s % 2 == 0 { dk } else { dk + 3 };
            let d = Dims { b: 3, tq, tk, dk, dv };
            let pad = padding(d.b, d.tk);
            let (nq, nk, nv, no) = d.lens();
            let (q, k, v) = (uniform_f32(nq, 1.0, 7 + s as u64), uniform_f32(nk, 1.0, 8), uniform_f32(nv, 1.0, 9));
            let scale = default_scale::<f32>(dk);
            for (name, mask) in masks(&pad) {
                let (want, _) = oracle(&wide(&q), &wide(&k), &wide(&v), d, mask, scale as f64);
                let mut lse_want = vec![0.0f64; d.b * tq];
                naive::row_lse(&mut lse_want, &wide(&q), &wide(&k), d, mask, scale as f64);
                // Odd offsets and NaN canaries around both outputs; filled with CANARY to
                // prove the kernel writes every output without reading it.
                let mut out = Canary::new(no, s % 4, CANARY);
                let mut lse = Canary::new(d.b * tq, (s + 1) % 4, CANARY);
                att::forward_on(isa, out.inner_mut(), lse.inner_mut(), &q, &k, &v, d, mask, scale).unwrap();
                out.assert_intact("out");
                lse.assert_intact("lse");
                let what = format!("fused out {isa:?} T=({tq},{tk}) dk={dk} mask={name}");
                // f32 sums of up to 130 terms against f64.
                assert_close(&wide(out.inner()), &want, 2e-5, &what);
                assert_close(&wide(lse.inner()), &lse_want, 2e-5, &format!("lse {what}"));
            }
        }
    }

    fn fused_backward_matches_naive(isa) {
        for (s, &(tq, tk, dk)) in SHAPES.iter().enumerate() {
            let dv = if s % 2 == 0 { dk } else { dk + 3 };
            let d = Dims { b: 2, tq, tk, dk, dv };
            let pad = padding(d.b, d.tk);
            let (nq, nk, nv, no) = d.lens();
            let (q, k, v) = (uniform_f32(nq, 1.0, 17 + s as u64), uniform_f32(nk, 1.0, 18), uniform_f32(nv, 1.0, 19));
            let dout = uniform_f32(no, 1.0, 20);
            let scale = default_scale::<f32>(dk);
            for (name, mask) in masks(&pad) {
                let (q64, k64, v64) = (wide(&q), wide(&k), wide(&v));
                let (_, p) = oracle(&q64, &k64, &v64, d, mask, scale as f64);
                // Start from nonzero gradients: the kernel must accumulate.
                let (dq0, dk0, dv0) = (uniform(nq, 1.0, 21), uniform(nk, 1.0, 22), uniform(nv, 1.0, 23));
                let (mut dq_w, mut dk_w, mut dv_w) = (dq0.clone(), dk0.clone(), dv0.clone());
                naive::backward(&mut dq_w, &mut dk_w, &mut dv_w, &wide(&dout), &q64, &k64, &v64, &p, d, scale as f64);

                let (mut out, mut lse) = (vec![0.0f32; no], vec![0.0f32; d.b * tq]);
                att::forward_on(isa, &mut out, &mut lse, &q, &k, &v, d, mask, scale).unwrap();
                let f = |x: &[f64]| x.iter().map(|&v| v as f32).collect::<Vec<f32>>();
                let mut dqc = Canary::with_values(&f(&dq0), s % 4);
                let mut dkc = Canary::with_values(&f(&dk0), (s + 1) % 4);
                let mut dvc = Canary::with_values(&f(&dv0), (s + 2) % 4);
                att::backward_on(isa, dqc.inner_mut(), dkc.inner_mut(), dvc.inner_mut(), &dout, &q, &k, &v, &out, &lse, d, mask, scale)
                    .unwrap();
                dqc.assert_intact("dq");
                dkc.assert_intact("dk");
                dvc.assert_intact("dv");
                let what = format!("{isa:?} T=({tq},{tk}) dk={dk} mask={name}");
                // f32 sums of up to 130 terms, through a recomputed softmax.
                assert_close(&wide(dqc.inner()), &dq_w, 1e-4, &format!("dq {what}"));
                assert_close(&wide(dkc.inner()), &dk_w, 1e-4, &format!("dk {what}"));
                assert_close(&wide(dvc.inner()), &dv_w, 1e-4, &format!("dv {what}"));
            }
        }
    }
}

#[test]
fn causal_prefix_is_unchanged_by_later_tokens() {
    let (t, dk) = (70, 8);
    let d = Dims::square(1, t, dk);
    let (q, k, v) = (uniform_f32(t * dk, 1.0, 30), uniform_f32(t * dk, 1.0, 31), uniform_f32(t * dk, 1.0, 32));
    let run = |q: &[f32], k: &[f32], v: &[f32]| {
        let (mut out, mut lse) = (vec![0.0; t * dk], vec![0.0; t]);
        att::forward(&mut out, &mut lse, q, k, v, d, Mask::causal(), 0.35).unwrap();
        out
    };
    let base = run(&q, &k, &v);
    for cut in [0, 1, 31, 32, 63, 64, 69] {
        // Change every token after position `cut` (in Q, K and V).
        let (mut q2, mut k2, mut v2) = (q.clone(), k.clone(), v.clone());
        for x in [&mut q2, &mut k2, &mut v2] {
            for e in &mut x[(cut + 1) * dk..] {
                *e = -3.0 * *e + 0.5;
            }
        }
        let out = run(&q2, &k2, &v2);
        assert_eq!(&out[..(cut + 1) * dk], &base[..(cut + 1) * dk], "outputs up to {cut} changed");
    }
}

#[test]
fn query_equal_to_a_key_attends_to_it() {
    // Keys of unit norm; the query equals key 3. With a large scale, q·k3 = 1
    // beats every other q·kj < 1 by a margin times the scale: P ≈ one-hot.
    let (tk, dk) = (6, 4);
    let mut k = uniform(tk * dk, 1.0, 40);
    for j in 0..tk {
        let n = k[j * dk..][..dk].iter().map(|x| x * x).sum::<f64>().sqrt();
        k[j * dk..][..dk].iter_mut().for_each(|x| *x /= n);
    }
    let q = k[3 * dk..][..dk].to_vec();
    let v: Vec<f64> = (0..tk).map(|j| j as f64).collect();
    let d = Dims { b: 1, tq: 1, tk, dk, dv: 1 };
    let (out, p) = oracle(&q, &k, &v, d, Mask::NONE, 1e4);
    assert!(p[3] > 1.0 - 1e-9, "P = {p:?}");
    assert_close(&out, &[3.0], 1e-8, "out picks value 3");
}

#[test]
fn fully_masked_rows_give_zeros() {
    let d = Dims { b: 1, tq: 2, tk: 3, dk: 2, dv: 2 };
    let pad = [false; 3];
    let (mut out, mut lse) = (vec![9.0f32; 4], vec![9.0f32; 2]);
    let (q, k, v) = (vec![1.0f32; 4], vec![1.0f32; 6], vec![1.0f32; 6]);
    att::forward(&mut out, &mut lse, &q, &k, &v, d, Mask::padding(&pad), 1.0).unwrap();
    assert_eq!(out, vec![0.0; 4]);
    assert!(lse.iter().all(|&l| l == f32::NEG_INFINITY));
    let (mut dq, mut dk, mut dv) = (vec![0.0f32; 4], vec![0.0f32; 6], vec![0.0f32; 6]);
    att::backward(&mut dq, &mut dk, &mut dv, &[1.0; 4], &q, &k, &v, &out, &lse, d, Mask::padding(&pad), 1.0).unwrap();
    assert!(dq.iter().chain(&dk).chain(&dv).all(|&g| g == 0.0));
}

#[test]
fn bad_inputs_are_clear_errors() {
    let e = Dims::from_shapes(&[2, 4, 8], &[2, 5, 8], &[2, 4, 8]).unwrap_err().to_string();
    assert!(e.contains("K has 5 positions but V has 4"), "{e}");
    let e = Dims::from_shapes(&[2, 4, 8], &[2, 5, 6], &[2, 5, 8]).unwrap_err().to_string();
    assert!(e.contains("dk = 8 but keys have 6"), "{e}");
    let e = Dims::from_shapes(&[2, 4, 8], &[3, 5, 8], &[3, 5, 8]).unwrap_err().to_string();
    assert!(e.contains("batch sizes differ"), "{e}");

    let d = Dims::square(2, 4, 8);
    let x = vec![0.0f32; 64];
    let (mut out, mut lse) = (vec![0.0f32; 64], vec![0.0f32; 8]);
    let bad_mask = vec![true; 7];
    let e = att::forward(&mut out, &mut lse, &x, &x, &x, d, Mask::padding(&bad_mask), 1.0).unwrap_err().to_string();
    assert!(e.contains("padding mask has 7 entries but must be (B, Tk) = (2, 4)"), "{e}");
    let e = att::forward(&mut out, &mut lse, &x, &x, &x[..60], d, Mask::NONE, 1.0).unwrap_err().to_string();
    assert!(e.contains("V has 60 elements"), "{e}");
    let e = att::forward(&mut out, &mut lse, &x, &x, &x, d, Mask::NONE, -0.5).unwrap_err().to_string();
    assert!(e.contains("scale must be positive"), "{e}");
    let e = att::forward(&mut out, &mut lse[..7], &x, &x, &x, d, Mask::NONE, 1.0).unwrap_err().to_string();
    assert!(e.contains("lse has 7 elements"), "{e}");
}

#[test]
fn fused_is_the_default_and_agrees_across_isas() {
    // Every available ISA gives the same answer as the scalar path, to f32 rounding.
    let d = Dims::square(2, 40, 16);
    let (nq, ..) = d.lens();
    let (q, k, v) = (uniform_f32(nq, 1.0, 50), uniform_f32(nq, 1.0, 51), uniform_f32(nq, 1.0, 52));
    let run = |isa| {
        let (mut out, mut lse) = (vec![0.0; nq], vec![0.0; 80]);
        att::forward_on(isa, &mut out, &mut lse, &q, &k, &v, d, Mask::NONE, 0.25).unwrap();
        out
    };
    let base = run(Isa::Scalar);
    for isa in Isa::available() {
        // Different summation orders in f32.
        assert_close(&run(isa), &base, 1e-5, &format!("{isa:?}"));
    }
}
