//! The Transformer blocks: gradient checks in f64 of every layer (inputs and
//! all parameters), the layer-norm SIMD rows on every ISA, properties, errors,
//! and the seed's encoder parameter count.

mod common;

use attention::blocks::{LearnedEncoding, SinusoidalEncoding, sinusoidal};
use attention::layernorm::{self, naive as ln_naive};
use attention::{Activation, DecoderLayer, EncoderLayer, FeedForward, LayerNorm, MultiHeadAttention, Norm};
use common::{uniform, uniform_f32, wide};
use foundations::gradcheck::{Config, check_fn, check_layer};
use foundations::testing::Canary;
use foundations::{Layer, assert_close, per_isa};
use ndarray::ArrayD;

/// Every parameter to U(±a): nonzero biases, γ away from 1, β away from 0,
/// so that each gradient is exercised.
fn randomize(layer: &mut dyn Layer<f64>, a: f64, seed: u64) {
    for (i, p) in layer.params_mut().into_iter().enumerate() {
        let v = uniform(p.len(), a, seed + i as u64);
        p.value = ArrayD::from_shape_vec(p.value.raw_dim(), v).unwrap();
    }
}

fn input(shape: &[usize], seed: u64) -> ArrayD<f64> {
    ArrayD::from_shape_vec(shape.to_vec(), uniform(shape.iter().product(), 1.0, seed)).unwrap()
}

/// Gradient check of a layer: dx, every parameter, and accumulation.
///
/// One gradient is exactly zero by the math, the key bias bk of every
/// attention: it adds q·bk to every score of a row, and the softmax ignores a
/// constant shift. Its finite difference is pure round-off (~1e-11), so
/// instead of a relative error we assert its analytic gradient is 0 to
/// round-off.
fn check(layer: &mut dyn Layer<f64>, x: &ArrayD<f64>, what: &str) {
    // h = 3e-5, not 1e-5: the projection gradients deep inside a whole layer
    // are small (~1e-5..1e-4) next to the loss L = <g, y> (order 1), so at
    // h = 1e-5 the round-off ε·|L|/h ≈ 1e-11 is already ~1e-6 of them; a 3×
    // larger step cuts round-off 3× while truncation (∝ h²) stays ~1e-10.
    let cfg = Config { h: 3e-5, ..Config::default() };
    let mut report = check_layer(layer, x, &cfg).unwrap();
    let names: Vec<String> = layer.params().iter().map(|p| p.name.clone()).collect();
    for p in layer.params() {
        if p.name.ends_with(".k.b") {
            assert!(p.grad.iter().all(|g| g.abs() < 1e-12), "{what}: {} should be 0, got {:?}", p.name, p.grad);
        }
    }
    // tensors[0] is dx; tensors[1 + i] is parameter i.
    let mut i = 0;
    report.tensors.retain(|_| {
        let keep = i == 0 || !names[i - 1].ends_with(".k.b");
        i += 1;
        keep
    });
    report.assert_passed(what);
    assert_eq!(report.accumulates, Some(true), "{what}: backward must accumulate");
}

const D: usize = 8;
const H: usize = 2;
const F: usize = 6;

#[test]
fn gradcheck_multi_head_attention() {
    // Attention is smooth (softmax, products): no kinks.
    for (name, causal, pad) in [
        ("plain", false, None),
        ("causal", true, None),
        ("padding", false, Some(vec![true, true, true, false, true, true, false, false])),
    ] {
        let mut mha = MultiHeadAttention::<f64>::new(D, H, causal, 3).unwrap();
        randomize(&mut mha, 0.5, 10);
        mha.set_key_padding(pad);
        check(&mut mha, &input(&[2, 4, D], 1), &format!("multi_head_attention {name}"));
    }
}

#[test]
fn gradcheck_cross_attention_memory() {
    // dxq and dxkv of cross-attention (queries 3 positions, keys/values 5).
    let mut mha = MultiHeadAttention::<f64>::new(D, H, false, 4).unwrap();
    randomize(&mut mha, 0.5, 20);
    let (xq, xkv) = (uniform(2 * 3 * D, 1.0, 5), uniform(2 * 5 * D, 1.0, 6));
    let mha = std::cell::RefCell::new(mha);
    let report = check_fn(
        &[("dxq", &xq), ("dxkv", &xkv)],
        |x| mha.borrow_mut().forward_qkv(&x[0], &x[1], 2, 3, 5),
        |x, g| {
            let mut m = mha.borrow_mut();
            m.forward_qkv(&x[0], &x[1], 2, 3, 5)?;
            let (a, b) = m.backward_qkv(g)?;
            Ok(vec![a, b])
        },
        &Config::default(),
    )
    .unwrap();
    report.assert_passed("cross-attention inputs");
}

#[test]
fn gradcheck_layer_norm() {
    // Rows of 8 random values have σ far from 0: the 1/σ factor is smooth there.
    let mut ln = LayerNorm::<f64>::new("ln", D);
    randomize(&mut ln, 1.0, 30);
    check(&mut ln, &input(&[3, 4, D], 2), "layer_norm");
}

#[test]
fn gradcheck_feed_forward() {
    let x = input(&[2, 3, D], 3);
    // GELU is smooth everywhere.
    let mut ffn = FeedForward::<f64>::new(D, F, Activation::Gelu, 5);
    randomize(&mut ffn, 0.5, 40);
    check(&mut ffn, &x, "feed_forward gelu");
    // ReLU has a kink at 0: check that no pre-activation lies within 1e-3 of
    // it (the step h = 1e-5 moves a pre-activation by far less), so the
    // central difference never straddles the kink.
    let mut ffn = FeedForward::<f64>::new(D, F, Activation::Relu, 5);
    randomize(&mut ffn, 0.5, 40);
    let xs: Vec<f64> = x.iter().copied().collect();
    let h = ffn.lin1.forward(&xs).unwrap();
    assert!(h.iter().all(|v| v.abs() > 1e-3), "a ReLU input is too close to its kink: pick another seed");
    check(&mut ffn, &x, "feed_forward relu");
}

#[test]
fn gradcheck_learned_encoding() {
    let mut pe = LearnedEncoding::<f64>::new(6, D, 7);
    check(&mut pe, &input(&[2, 4, D], 4), "learned_encoding");
    let mut sin = SinusoidalEncoding::new(D);
    let report = check_layer(&mut sin as &mut dyn Layer<f64>, &input(&[2, 4, D], 4), &Config::default()).unwrap();
    report.assert_passed("sinusoidal_encoding");
}

#[test]
fn gradcheck_encoder_layer() {
    // GELU keeps the whole layer smooth.
    for norm in [Norm::Pre, Norm::Post] {
        let mut enc = EncoderLayer::<f64>::new(D, H, F, Activation::Gelu, norm, 11).unwrap();
        randomize(&mut enc, 0.5, 50);
        enc.set_key_padding(Some(vec![true, true, true, true, true, true, false, true, true, false]));
        check(&mut enc, &input(&[2, 5, D], 5), &format!("encoder_layer {norm:?}"));
    }
}

#[test]
fn gradcheck_decoder_layer() {
    for norm in [Norm::Pre, Norm::Post] {
        let mut dec = DecoderLayer::<f64>::new(D, H, F, Activation::Gelu, norm, 12).unwrap();
        randomize(&mut dec, 0.5, 60);
        let mem = input(&[2, 5, D], 6);
        dec.set_memory(&mem).unwrap();
        dec.set_memory_padding(Some(vec![true, true, true, true, false, true, true, true, true, true]));
        let x = input(&[2, 4, D], 7);
        check(&mut dec, &x, &format!("decoder_layer {norm:?}"));

        // The memory gradient, against central differences through the memory.
        let xs: Vec<f64> = x.iter().copied().collect();
        let ms: Vec<f64> = mem.iter().copied().collect();
        let dec = std::cell::RefCell::new(dec);
        let run = |m: &[f64]| -> foundations::Result<Vec<f64>> {
            let mut d = dec.borrow_mut();
            d.set_memory(&ArrayD::from_shape_vec(vec![2, 5, D], m.to_vec()).unwrap())?;
            Ok(d.forward(&ArrayD::from_shape_vec(vec![2, 4, D], xs.clone()).unwrap())?.iter().copied().collect())
        };
        let report = check_fn(
            &[("dmemory", &ms)],
            |v| run(&v[0]),
            |v, g| {
                run(&v[0])?;
                let mut d = dec.borrow_mut();
                d.backward(&ArrayD::from_shape_vec(vec![2, 4, D], g.to_vec()).unwrap())?;
                Ok(vec![d.memory_grad()?.iter().copied().collect()])
            },
            &Config::default(),
        )
        .unwrap();
        report.assert_passed(&format!("decoder_layer {norm:?} memory"));
    }
}

per_isa! {
    fn layernorm_simd_matches_naive(isa) {
        for (s, d) in [1usize, 3, 4, 7, 8, 15, 16, 17, 33, 49, 64].into_iter().enumerate() {
            let rows = 3;
            let x = uniform_f32(rows * d, 2.0, 70 + s as u64);
            let (g, b) = (uniform_f32(d, 1.0, 71), uniform_f32(d, 1.0, 72));
            let (mut yw, mut hw, mut rw) = (vec![0.0f64; rows * d], vec![0.0f64; rows * d], vec![0.0f64; rows]);
            ln_naive::forward(&mut yw, &mut hw, &mut rw, &wide(&x), &wide(&g), &wide(&b), rows, d, 1e-5);
            let mut y = Canary::new(rows * d, s % 4, f32::NAN);
            let mut h = Canary::new(rows * d, (s + 1) % 4, f32::NAN);
            let mut r = Canary::new(rows, (s + 2) % 4, f32::NAN);
            layernorm::forward_on(isa, y.inner_mut(), h.inner_mut(), r.inner_mut(), &x, &g, &b, rows, d, 1e-5).unwrap();
            for (c, n) in [(&y, "y"), (&h, "xhat"), (&r, "rstd")] {
                c.assert_intact(n);
            }
            // f32 against f64 over sums of up to 64 terms.
            assert_close(&wide(y.inner()), &yw, 1e-5, &format!("y {isa:?} d={d}"));
            assert_close(&wide(r.inner()), &rw, 1e-5, &format!("rstd {isa:?} d={d}"));

            let dy = uniform_f32(rows * d, 1.0, 73);
            let (dg0, db0) = (uniform(d, 1.0, 74), uniform(d, 1.0, 75));
            let (mut dxw, mut dgw, mut dbw) = (vec![0.0; rows * d], dg0.clone(), db0.clone());
            ln_naive::backward(&mut dxw, &mut dgw, &mut dbw, &wide(&dy), &hw, &rw, &wide(&g), rows, d);
            let f = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
            let mut dx = Canary::new(rows * d, s % 4, f32::NAN);
            let mut dg = Canary::with_values(&f(&dg0), (s + 1) % 4);
            let mut db = Canary::with_values(&f(&db0), (s + 3) % 4);
            layernorm::backward_on(isa, dx.inner_mut(), dg.inner_mut(), db.inner_mut(), &dy, &f(&hw), &f(&rw), &g, rows, d).unwrap();
            for (c, n) in [(&dx, "dx"), (&dg, "dgamma"), (&db, "dbeta")] {
                c.assert_intact(n);
            }
            assert_close(&wide(dx.inner()), &dxw, 1e-4, &format!("dx {isa:?} d={d}"));
            assert_close(&wide(dg.inner()), &dgw, 1e-5, &format!("dgamma {isa:?} d={d}"));
            assert_close(&wide(db.inner()), &dbw, 1e-5, &format!("dbeta {isa:?} d={d}"));
        }
    }
}

#[test]
fn layer_norm_rows_have_zero_mean_unit_variance() {
    foundations::testing::check_prop("layer norm normalises", (1usize..40, 0u64..1000), |(d, seed)| {
        let x = uniform_f32(3 * d, 5.0, seed);
        let mut ln = LayerNorm::<f32>::new("ln", d);
        ln.forward_rows(&x).unwrap(); // γ = 1, β = 0: y = x̂
        let y = ln.forward_rows(&x).unwrap();
        for r in 0..3 {
            let row = &y[r * d..][..d];
            let mean = row.iter().map(|&v| v as f64).sum::<f64>() / d as f64;
            let var = row.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / d as f64;
            proptest::prop_assert!(mean.abs() < 1e-5, "mean {mean}");
            // σ² / (σ² + ε): 1 unless the row is (nearly) constant; d = 1 has σ = 0.
            let xr = &x[r * d..][..d];
            let mx = xr.iter().map(|&v| v as f64).sum::<f64>() / d as f64;
            let sx = xr.iter().map(|&v| (v as f64 - mx).powi(2)).sum::<f64>() / d as f64;
            let want = sx / (sx + 1e-5);
            proptest::prop_assert!((var - want).abs() < 1e-4, "var {var} want {want}");
        }
        Ok(())
    });
}

#[test]
fn self_attention_is_permutation_equivariant() {
    // Without positional encoding, MHA(x permuted) = MHA(x) permuted.
    let (b, t) = (1, 5);
    let mut mha = MultiHeadAttention::<f64>::new(D, H, false, 9).unwrap();
    let x = uniform(b * t * D, 1.0, 80);
    let perm = [3usize, 0, 4, 1, 2];
    let xp: Vec<f64> = perm.iter().flat_map(|&p| x[p * D..][..D].to_vec()).collect();
    let y = mha.forward_qkv(&x, &x, b, t, t).unwrap();
    let yp = mha.forward_qkv(&xp, &xp, b, t, t).unwrap();
    let y_then_p: Vec<f64> = perm.iter().flat_map(|&p| y[p * D..][..D].to_vec()).collect();
    assert_close(&yp, &y_then_p, 1e-12, "MHA(Px) = P·MHA(x)");
    // A whole encoder layer too (layer norm and feed-forward act per position).
    let mut enc = EncoderLayer::<f64>::new(D, H, F, Activation::Relu, Norm::Pre, 9).unwrap();
    let arr = |v: &[f64]| ArrayD::from_shape_vec(vec![b, t, D], v.to_vec()).unwrap();
    let y: Vec<f64> = enc.forward(&arr(&x)).unwrap().iter().copied().collect();
    let yp: Vec<f64> = enc.forward(&arr(&xp)).unwrap().iter().copied().collect();
    let y_then_p: Vec<f64> = perm.iter().flat_map(|&p| y[p * D..][..D].to_vec()).collect();
    assert_close(&yp, &y_then_p, 1e-12, "Encoder(Px) = P·Encoder(x)");
    // With a positional encoding added first, the symmetry is broken.
    let pe = sinusoidal::<f64>(t, D);
    let add = |v: &[f64]| v.iter().zip(&pe).map(|(a, b)| a + b).collect::<Vec<f64>>();
    let y: Vec<f64> = enc.forward(&arr(&add(&x))).unwrap().iter().copied().collect();
    let yp: Vec<f64> = enc.forward(&arr(&add(&xp))).unwrap().iter().copied().collect();
    let y_then_p: Vec<f64> = perm.iter().flat_map(|&p| y[p * D..][..D].to_vec()).collect();
    assert!(yp.iter().zip(&y_then_p).any(|(a, b)| (a - b).abs() > 1e-3), "positions should matter with PE");
}

#[test]
fn decoder_is_causal() {
    // Changing target tokens after position t leaves the decoder's outputs up to t unchanged.
    let (b, t, tm) = (1, 5, 4);
    let mut dec = DecoderLayer::<f64>::new(D, H, F, Activation::Gelu, Norm::Pre, 13).unwrap();
    dec.set_memory(&input(&[b, tm, D], 90)).unwrap();
    let x = uniform(b * t * D, 1.0, 91);
    let arr = |v: &[f64]| ArrayD::from_shape_vec(vec![b, t, D], v.to_vec()).unwrap();
    let y: Vec<f64> = dec.forward(&arr(&x)).unwrap().iter().copied().collect();
    for cut in 0..t {
        let mut x2 = x.clone();
        for v in &mut x2[(cut + 1) * D..] {
            *v = 2.0 - *v;
        }
        let y2: Vec<f64> = dec.forward(&arr(&x2)).unwrap().iter().copied().collect();
        assert_eq!(&y2[..(cut + 1) * D], &y[..(cut + 1) * D], "output up to {cut}");
    }
}

#[test]
fn seed_encoder_parameter_count() {
    // Seed §4.3: 2 layers, d_model 512, 8 heads, dff 2048. Per layer:
    //   attention 4·(512·512 + 512) = 1 050 624
    //   feed-forward 512·2048 + 2048 + 2048·512 + 512 = 2 099 712
    //   two layer norms 2·(512 + 512) = 2 048          → 3 152 384
    // Two layers: 6 304 768.
    let layers: Vec<EncoderLayer<f32>> =
        (0..2).map(|i| EncoderLayer::new(512, 8, 2048, Activation::Relu, Norm::Post, i).unwrap()).collect();
    assert_eq!(layers[0].attn.num_params(), 1_050_624);
    assert_eq!(layers[0].ffn.num_params(), 2_099_712);
    assert_eq!(layers[0].num_params(), 3_152_384);
    assert_eq!(layers.iter().map(|l| l.num_params()).sum::<usize>(), 6_304_768);
}

#[test]
fn f32_encoder_matches_f64() {
    // The same layer in f32 (SIMD GEMM, exp, layer norm) and f64 (oracles).
    let mut e32 = EncoderLayer::<f32>::new(16, 4, 24, Activation::Gelu, Norm::Pre, 21).unwrap();
    let mut e64 = EncoderLayer::<f64>::new(16, 4, 24, Activation::Gelu, Norm::Pre, 21).unwrap();
    let x = uniform_f32(2 * 7 * 16, 1.0, 92);
    let y32 = e32.forward(&ArrayD::from_shape_vec(vec![2, 7, 16], x.clone()).unwrap()).unwrap();
    let y64 = e64.forward(&ArrayD::from_shape_vec(vec![2, 7, 16], wide(&x)).unwrap()).unwrap();
    let y32: Vec<f64> = y32.iter().map(|&v| v as f64).collect();
    // f32 rounding through a dozen sums and a softmax.
    assert_close(&y32, &y64.iter().copied().collect::<Vec<f64>>(), 1e-4, "encoder f32 vs f64");
}

#[test]
fn bad_inputs_are_clear_errors() {
    let e = MultiHeadAttention::<f32>::new(10, 3, false, 0).err().unwrap().to_string();
    assert!(e.contains("d_model = 10 is not divisible by 3 heads"), "{e}");
    let e = EncoderLayer::<f32>::new(512, 7, 2048, Activation::Relu, Norm::Pre, 0).err().unwrap().to_string();
    assert!(e.contains("not divisible by 7 heads"), "{e}");

    let mut mha = MultiHeadAttention::<f32>::new(8, 2, false, 0).unwrap();
    mha.set_key_padding(Some(vec![true; 5]));
    let x = ArrayD::zeros(vec![2, 3, 8]);
    let e = mha.forward(&x).unwrap_err().to_string();
    assert!(e.contains("padding mask has 5 entries but must be (B, Tk) = (2, 3)"), "{e}");

    let mut mha = MultiHeadAttention::<f32>::new(8, 2, false, 0).unwrap();
    let e = mha.forward(&ArrayD::zeros(vec![2, 3, 6])).unwrap_err().to_string();
    assert!(e.contains("(B, T, D = 8)"), "{e}");
    let e = mha.backward(&ArrayD::zeros(vec![2, 3, 8])).unwrap_err().to_string();
    assert!(e.contains("backward called before forward"), "{e}");

    let mut dec = DecoderLayer::<f32>::new(8, 2, 16, Activation::Relu, Norm::Pre, 0).unwrap();
    let e = dec.forward(&ArrayD::zeros(vec![1, 3, 8])).unwrap_err().to_string();
    assert!(e.contains("set_memory"), "{e}");
    dec.set_memory(&ArrayD::zeros(vec![2, 4, 8])).unwrap();
    let e = dec.forward(&ArrayD::zeros(vec![1, 3, 8])).unwrap_err().to_string();
    assert!(e.contains("target batch has 1 sequences but the memory has 2"), "{e}");
}
