//! Convolution: every rung against the oracle on every ISA, gradient checks
//! in f64, the properties the book derives, a hand-worked case, bad input.

mod common;

use common::{grid, grid32};
use conv_pool::conv2d::{self, Conv2dDims, Padding, Rung, conv2d_backward_on, conv2d_forward_on, naive, rotate_180};
use conv_pool::layers::Conv2d;
use foundations::gradcheck::{Config, check_fn, check_layer};
use foundations::testing::{Canary, assert_close, check_prop};
use foundations::{Error, Layer, per_isa};
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;

/// Shapes that break tails: widths around the 4-pixel tile, channels and
/// filters around 8 and 16 lanes (and the 2-register tile of 16/32).
fn dims_strategy() -> impl Strategy<Value = (Conv2dDims, u64, usize)> {
    (
        1usize..=2,
        (1usize..=7, 1usize..=13, 1usize..=18),
        (1usize..=3, 1usize..=4),
        1usize..=35,
        (1usize..=2, 1usize..=2),
        any::<bool>(),
        any::<u64>(),
        0usize..=3,
    )
        .prop_filter_map("kernel larger than a valid input", |(n, (h, w, c), (kh, kw), f, s, same, seed, off)| {
            let p = if same { Padding::Same } else { Padding::Valid };
            Conv2dDims::new(n, (h, w, c), (kh, kw), f, s, p).ok().map(|d| (d, seed, off))
        })
}

// Tolerance 1e-4: f32 sums of up to KH·KW·C = 216 products of values in
// [−1, 1], added in a different order by each rung (GEMM blocks, FMAs):
// the rounding error is bounded by about 216·6e-8 ≈ 1.3e-5 of the largest sum.
const TOL32: f64 = 1e-4;

per_isa! {
    fn forward_rungs_match_naive(isa) {
        check_prop("conv2d forward rungs", dims_strategy(), |(d, seed, off)| {
            let x = grid32(d.x_len(), seed);
            let k = grid32(d.k_len(), seed ^ 1);
            let b = grid32(d.f, seed ^ 2);
            let mut want = vec![0.0; d.y_len()];
            naive::conv2d_forward(&mut want, &x, &k, &b, &d);
            for rung in [Rung::V1Im2colGemm, Rung::V2Direct] {
                // Filled with CANARY: the kernel must overwrite, never read, y.
                let mut y = Canary::new(d.y_len(), off, foundations::testing::CANARY);
                conv2d_forward_on(rung, isa, y.inner_mut(), &x, &k, &b, &d).unwrap();
                assert_close(y.inner(), &want, TOL32, &format!("{} y {d}", rung.name()));
                y.assert_intact(rung.name());
            }
            Ok(())
        });
    }

    fn backward_rungs_match_naive(isa) {
        check_prop("conv2d backward rungs", dims_strategy(), |(d, seed, off)| {
            let x = grid32(d.x_len(), seed);
            let k = grid32(d.k_len(), seed ^ 1);
            let dy = grid32(d.y_len(), seed ^ 2);
            // Start the gradients at nonzero values: backward accumulates.
            let (dx0, dk0, db0) = (grid32(d.x_len(), seed ^ 3), grid32(d.k_len(), seed ^ 4), grid32(d.f, seed ^ 5));
            let (mut wdx, mut wdk, mut wdb) = (dx0.clone(), dk0.clone(), db0.clone());
            naive::conv2d_backward(&mut wdx, &mut wdk, &mut wdb, &x, &k, &dy, &d);
            for rung in [Rung::V1Im2colGemm, Rung::V2Direct] {
                let mut dx = Canary::with_values(&dx0, off);
                let mut dk = Canary::with_values(&dk0, off);
                let mut db = Canary::with_values(&db0, off);
                conv2d_backward_on(rung, isa, Some(dx.inner_mut()), dk.inner_mut(), db.inner_mut(), &x, &k, &dy, &d)
                    .unwrap();
                let r = rung.name();
                assert_close(dx.inner(), &wdx, TOL32, &format!("{r} dx {d}"));
                assert_close(dk.inner(), &wdk, TOL32, &format!("{r} dk {d}"));
                assert_close(db.inner(), &wdb, TOL32, &format!("{r} db {d}"));
                dx.assert_intact("dx");
                dk.assert_intact("dk");
                db.assert_intact("db");
                // Without dx: the same dk and db.
                let (mut dk2, mut db2) = (dk0.clone(), db0.clone());
                conv2d_backward_on(rung, isa, None, &mut dk2, &mut db2, &x, &k, &dy, &d).unwrap();
                assert_close(&dk2, &wdk, TOL32, "dk without dx");
                assert_close(&db2, &wdb, TOL32, "db without dx");
            }
            Ok(())
        });
    }

    fn seed_cnn_shapes_match_naive(isa) {
        // The seed CNN's three layers at batch 2 (the bench shapes, smaller N).
        for (h, c, f) in [(28, 1, 32), (13, 32, 64), (5, 64, 64)] {
            let d = Conv2dDims::new(2, (h, h, c), (3, 3), f, (1, 1), Padding::Valid).unwrap();
            let (x, k, b) = (grid32(d.x_len(), 1), grid32(d.k_len(), 2), grid32(f, 3));
            let mut want = vec![0.0; d.y_len()];
            naive::conv2d_forward(&mut want, &x, &k, &b, &d);
            for rung in [Rung::V1Im2colGemm, Rung::V2Direct] {
                let mut y = vec![f32::NAN; d.y_len()];
                conv2d_forward_on(rung, isa, &mut y, &x, &k, &b, &d).unwrap();
                // Tolerance: as TOL32, with K up to 576 products.
                assert_close(&y, &want, 3e-4, rung.name());
            }
            // Backward too (conv1's 9-row dk tile, F = 32 and 64 used in place).
            let dy = grid32(d.y_len(), 4);
            let (mut wdx, mut wdk, mut wdb) = (vec![0.0; d.x_len()], vec![0.0; d.k_len()], vec![0.0; f]);
            naive::conv2d_backward(&mut wdx, &mut wdk, &mut wdb, &x, &k, &dy, &d);
            let (mut dx, mut dk, mut db) = (vec![0.0; d.x_len()], vec![0.0; d.k_len()], vec![0.0; f]);
            conv2d_backward_on(Rung::V2Direct, isa, Some(&mut dx), &mut dk, &mut db, &x, &k, &dy, &d).unwrap();
            // Tolerance 1e-3: dk sums up to N·OH·OW = 1352 products.
            assert_close(&dk, &wdk, 1e-3, "seed dk");
            assert_close(&db, &wdb, 1e-3, "seed db");
            assert_close(&dx, &wdx, 3e-4, "seed dx");
        }
    }
}

fn f64_layer(c: usize, f: usize, kernel: (usize, usize), stride: (usize, usize), p: Padding) -> Conv2d<f64> {
    let mut layer = Conv2d::<f64>::new(c, f, kernel, stride, p, 7).unwrap();
    // A nonzero bias, so db's check sees the full forward.
    let bias = grid(f, 11);
    layer.params_mut()[1].value.as_slice_mut().unwrap().copy_from_slice(&bias);
    layer
}

#[test]
fn gradcheck_conv2d_layer() {
    // Convolution is linear in x, k and b: no kinks, any values will do.
    let cases = [
        ((2, 5, 7, 2), 3, (3, 3), (1, 1), Padding::Valid),
        ((2, 5, 7, 2), 3, (3, 3), (1, 1), Padding::Same),
        ((1, 6, 7, 3), 2, (2, 3), (2, 2), Padding::Valid),
        ((1, 6, 7, 3), 2, (3, 2), (2, 2), Padding::Same),
        ((2, 4, 9, 1), 4, (1, 4), (1, 2), Padding::Same),
        ((1, 7, 5, 2), 3, (4, 2), (2, 1), Padding::Valid),
    ];
    for ((n, h, w, c), f, kernel, stride, p) in cases {
        let mut layer = f64_layer(c, f, kernel, stride, p);
        let x = ArrayD::from_shape_vec(IxDyn(&[n, h, w, c]), grid(n * h * w * c, 3)).unwrap();
        let report = check_layer(&mut layer, &x, &Config::default()).unwrap();
        report.assert_passed(&layer.name());
    }
}

#[test]
fn gradcheck_naive_backward() {
    // The oracle's own backward, through check_fn (non-square everything, stride 2, same).
    let d = Conv2dDims::new(2, (5, 6, 2), (3, 2), 3, (2, 1), Padding::Same).unwrap();
    let (x, k, b) = (grid(d.x_len(), 1), grid(d.k_len(), 2), grid(d.f, 3));
    let report = check_fn(
        &[("dx", &x), ("dk", &k), ("db", &b)],
        |v| {
            let mut y = vec![0.0; d.y_len()];
            naive::conv2d_forward(&mut y, &v[0], &v[1], &v[2], &d);
            Ok(y)
        },
        |v, g| {
            let (mut dx, mut dk, mut db) = (vec![0.0; d.x_len()], vec![0.0; d.k_len()], vec![0.0; d.f]);
            naive::conv2d_backward(&mut dx, &mut dk, &mut db, &v[0], &v[1], g, &d);
            Ok(vec![dx, dk, db])
        },
        &Config::default(),
    )
    .unwrap();
    report.assert_passed("naive conv2d backward");
}

/// The forward of the oracle, returning y.
fn conv(x: &[f64], k: &[f64], b: &[f64], d: &Conv2dDims) -> Vec<f64> {
    let mut y = vec![0.0; d.y_len()];
    naive::conv2d_forward(&mut y, x, k, b, d);
    y
}

#[test]
fn delta_kernel_is_identity() {
    // k[1, 1, c, f] = δ(c, f), zero elsewhere, "same" padding: y = x.
    let c = 3;
    let d = Conv2dDims::new(2, (5, 4, c), (3, 3), c, (1, 1), Padding::Same).unwrap();
    let x = grid(d.x_len(), 9);
    let mut k = vec![0.0; d.k_len()];
    for ch in 0..c {
        k[((3 + 1) * c + ch) * c + ch] = 1.0;
    }
    assert_eq!(conv(&x, &k, &vec![0.0; c], &d), x);
    // Through the layer (f32, the SIMD path) too.
    let mut layer = Conv2d::<f32>::new(c, c, (3, 3), (1, 1), Padding::Same, 1).unwrap();
    layer.params_mut()[0]
        .value
        .as_slice_mut()
        .unwrap()
        .copy_from_slice(&k.iter().map(|&v| v as f32).collect::<Vec<_>>());
    let x32 = ArrayD::from_shape_vec(IxDyn(&[2, 5, 4, c]), x.iter().map(|&v| v as f32).collect()).unwrap();
    assert_eq!(layer.forward(&x32).unwrap(), x32);
}

#[test]
fn conv_is_linear_in_x_and_k() {
    check_prop("linearity", (dims_strategy(), -4i32..=4, -4i32..=4), |((d, seed, _), a, b)| {
        let (a, b) = (a as f64 / 4.0, b as f64 / 4.0);
        let zero = vec![0.0; d.f];
        let (x1, x2, k1, k2) =
            (grid(d.x_len(), seed), grid(d.x_len(), !seed), grid(d.k_len(), seed ^ 1), grid(d.k_len(), seed ^ 2));
        let mix = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(p, q)| a * p + b * q).collect::<Vec<f64>>();
        // Tolerance 1e-12: f64 round-off of sums of ≤ 216 products.
        let lhs = conv(&mix(&x1, &x2), &k1, &zero, &d);
        let rhs = mix(&conv(&x1, &k1, &zero, &d), &conv(&x2, &k1, &zero, &d));
        assert_close(&lhs, &rhs, 1e-12, "linear in x");
        let lhs = conv(&x1, &mix(&k1, &k2), &zero, &d);
        let rhs = mix(&conv(&x1, &k1, &zero, &d), &conv(&x1, &k2, &zero, &d));
        assert_close(&lhs, &rhs, 1e-12, "linear in k");
        Ok(())
    });
}

#[test]
fn dx_is_full_correlation_with_rotated_kernel() {
    // Stride 1: dx = correlate(pad(dy), rot180(k)) where dy is padded by
    // KH−1−PT rows above (and KW−1−PL columns left) and enough below/right
    // for an H×W output.
    let strategy = dims_strategy().prop_filter("stride 1", |(d, _, _)| d.sh == 1 && d.sw == 1);
    check_prop("rotated kernel", strategy, |(d, seed, _)| {
        let (x, k, dy) = (grid(d.x_len(), seed), grid(d.k_len(), seed ^ 1), grid(d.y_len(), seed ^ 2));
        let (mut dx, mut dk, mut db) = (vec![0.0; d.x_len()], vec![0.0; d.k_len()], vec![0.0; d.f]);
        naive::conv2d_backward(&mut dx, &mut dk, &mut db, &x, &k, &dy, &d);

        let (top, left) = (d.kh - 1 - d.pad_top, d.kw - 1 - d.pad_left);
        let (hp, wp) = (d.h + d.kh - 1, d.w + d.kw - 1);
        let mut dyp = vec![0.0; d.n * hp * wp * d.f];
        for n in 0..d.n {
            for oy in 0..d.oh {
                for ox in 0..d.ow {
                    for f in 0..d.f {
                        dyp[((n * hp + oy + top) * wp + ox + left) * d.f + f] =
                            dy[((n * d.oh + oy) * d.ow + ox) * d.f + f];
                    }
                }
            }
        }
        let full = Conv2dDims::new(d.n, (hp, wp, d.f), (d.kh, d.kw), d.c, (1, 1), Padding::Valid).unwrap();
        prop_assert_eq!((full.oh, full.ow), (d.h, d.w));
        let got = conv(&dyp, &rotate_180(&k, d.kh, d.kw, d.c, d.f), &vec![0.0; d.c], &full);
        // Tolerance 1e-12: the same products summed in another order, in f64.
        assert_close(&got, &dx, 1e-12, "dx vs full correlation with rot180(k)");
        Ok(())
    });
}

// ANCHOR: closed_form_3x3
#[test]
fn closed_form_3x3() {
    // x (3×3, one channel)    k (2×2)      b = 0.5, "valid", stride 1
    //   1 2 3                  1 2
    //   4 5 6                  3 4
    //   7 8 9
    // y[0,0] = 1·1 + 2·2 + 4·3 + 5·4 + 0.5 = 37.5   (a flipped convolution would give 23.5)
    // y[0,1] = 2·1 + 3·2 + 5·3 + 6·4 + 0.5 = 47.5
    // y[1,0] = 4·1 + 5·2 + 7·3 + 8·4 + 0.5 = 67.5
    // y[1,1] = 5·1 + 6·2 + 8·3 + 9·4 + 0.5 = 77.5
    // With L = Σ y (dy = 1 everywhere):
    //   db = number of outputs = 4
    //   dk[i,j] = Σ of the x each tap saw: dk[0,0] = 1+2+4+5 = 12, dk[0,1] = 2+3+5+6 = 16,
    //                                      dk[1,0] = 4+5+7+8 = 24, dk[1,1] = 5+6+8+9 = 28
    //   dx[r,q] = Σ of the taps that read x[r,q]: corners see one tap (1, 2, 3, 4),
    //             edge middles two (1+2 = 3, 1+3 = 4, 2+4 = 6, 3+4 = 7), the centre all four (10).
    let d = Conv2dDims::new(1, (3, 3, 1), (2, 2), 1, (1, 1), Padding::Valid).unwrap();
    let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let k = [1.0, 2.0, 3.0, 4.0];
    assert_eq!(conv(&x, &k, &[0.5], &d), vec![37.5, 47.5, 67.5, 77.5]);
    let (mut dx, mut dk, mut db) = (vec![0.0; 9], vec![0.0; 4], vec![0.0; 1]);
    naive::conv2d_backward(&mut dx, &mut dk, &mut db, &x, &k, &[1.0; 4], &d);
    assert_eq!(db, vec![4.0]);
    assert_eq!(dk, vec![12.0, 16.0, 24.0, 28.0]);
    assert_eq!(dx, vec![1.0, 3.0, 2.0, 4.0, 10.0, 6.0, 3.0, 7.0, 4.0]);
    // The fast path (f32, active ISA) agrees exactly on these small integers.
    let mut y = vec![0.0f32; 4];
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let k32: Vec<f32> = k.iter().map(|&v| v as f32).collect();
    conv2d::conv2d_forward(&mut y, &x32, &k32, &[0.5], &d).unwrap();
    assert_eq!(y, vec![37.5, 47.5, 67.5, 77.5]);
}
// ANCHOR_END: closed_form_3x3

#[test]
fn same_padding_sizes_follow_keras() {
    // H' = ⌈H / S⌉; total padding max((H'−1)·S + KH − H, 0), the smaller half on top.
    let d = Conv2dDims::new(1, (5, 6, 1), (3, 4), 1, (2, 2), Padding::Same).unwrap();
    assert_eq!((d.oh, d.ow, d.pad_top, d.pad_left), (3, 3, 1, 1));
    let d = Conv2dDims::new(1, (28, 28, 1), (3, 3), 1, (1, 1), Padding::Same).unwrap();
    assert_eq!((d.oh, d.ow, d.pad_top, d.pad_left), (28, 28, 1, 1));
    let d = Conv2dDims::new(1, (13, 13, 1), (3, 3), 1, (2, 2), Padding::Valid).unwrap();
    assert_eq!((d.oh, d.ow), (6, 6));
}

#[test]
fn bad_input_is_a_clear_error() {
    let e = Conv2dDims::new(1, (2, 2, 1), (3, 3), 1, (1, 1), Padding::Valid).unwrap_err();
    assert_eq!(e.to_string(), "conv2d: kernel is 3x3 but input is 2x2");
    assert!(matches!(e, Error::Shape(_)));
    // "same" pads, so the same sizes are fine.
    assert!(Conv2dDims::new(1, (2, 2, 1), (3, 3), 1, (1, 1), Padding::Same).is_ok());

    let e = Conv2dDims::new(1, (5, 5, 1), (3, 3), 1, (0, 1), Padding::Valid).unwrap_err();
    assert!(matches!(&e, Error::Value(m) if m.contains("stride must be at least 1")), "{e}");
    let e = Conv2d::<f32>::new(1, 4, (3, 3), (1, 0), Padding::Same, 0).unwrap_err();
    assert!(e.to_string().contains("stride must be at least 1"), "{e}");

    let mut layer = Conv2d::<f32>::new(3, 4, (3, 3), (1, 1), Padding::Valid, 0).unwrap();
    let e = layer.backward(&ArrayD::zeros(IxDyn(&[1, 3, 3, 4]))).unwrap_err();
    assert!(e.to_string().contains("before forward"), "{e}");
    let e = layer.forward(&ArrayD::zeros(IxDyn(&[1, 5, 5, 1]))).unwrap_err();
    assert_eq!(
        e.to_string(),
        "conv2d: the kernel expects 3 input channels but x has 1 (x is (N, H, W, C) = [1, 5, 5, 1])"
    );
    let e = layer.forward(&ArrayD::zeros(IxDyn(&[5, 5, 3]))).unwrap_err();
    assert!(e.to_string().contains("rank 4"), "{e}");
    let e = layer.forward(&ArrayD::zeros(IxDyn(&[1, 2, 2, 3]))).unwrap_err();
    assert_eq!(e.to_string(), "conv2d: kernel is 3x3 but input is 2x2");
    layer.forward(&ArrayD::zeros(IxDyn(&[1, 5, 5, 3]))).unwrap();
    let e = layer.backward(&ArrayD::zeros(IxDyn(&[1, 5, 5, 4]))).unwrap_err();
    assert!(e.to_string().contains("dy has shape [1, 5, 5, 4]"), "{e}");

    // Wrong buffer lengths at the slice API.
    let d = Conv2dDims::new(1, (4, 4, 1), (3, 3), 2, (1, 1), Padding::Valid).unwrap();
    let mut y = vec![0.0f32; d.y_len()];
    let e = conv2d::conv2d_forward(&mut y, &[0.0; 15], &[0.0; 18], &[0.0; 2], &d).unwrap_err();
    assert!(e.to_string().starts_with("conv2d: x has 15 elements"), "{e}");
}

#[test]
fn col2im_is_the_adjoint_of_im2col() {
    // ⟨im2col(x), G⟩ = ⟨x, col2im(G)⟩ for every x and G: col2im is im2col's
    // transpose, which is why dcols → dx through col2im is the chain rule.
    check_prop("im2col adjoint", dims_strategy(), |(d, seed, _)| {
        let x = grid(d.x_len(), seed);
        let g = grid(d.m() * d.k(), seed ^ 1);
        let mut cols = vec![0.0; d.m() * d.k()];
        conv2d::im2col::im2col(&mut cols, &x, &d, 0, d.m());
        let mut back = vec![0.0; d.x_len()];
        conv2d::im2col::col2im(&mut back, &g, &d, 0, d.m());
        let lhs: f64 = cols.iter().zip(&g).map(|(a, b)| a * b).sum();
        let rhs: f64 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
        // Tolerance 1e-12: the same products, summed in another order, in f64.
        assert_close(&[lhs], &[rhs], 1e-12, "⟨im2col x, G⟩ vs ⟨x, col2im G⟩");
        Ok(())
    });
}
