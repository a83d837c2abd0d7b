use attention::attention::{self as att, Dims, Mask};
use foundations::{Isa, peak, timing};
fn main() {
    let isa = Isa::active();
    let pk = peak::fma_peak(isa, 0.3).unwrap().flops;
    println!("isa {isa:?} peak {:.1} GFLOP/s", pk / 1e9);
    for t in [128usize, 512, 1024] {
        let d = Dims::square(8, t, 64);
        let n = 8 * t * 64;
        let q: Vec<f32> = (0..n).map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5).collect();
        let (mut out, mut lse) = (vec![0.0; n], vec![0.0; 8 * t]);
        let s = 0.125;
        let tm = timing::measure(0.5, || att::forward(&mut out, &mut lse, &q, &q, &q, d, Mask::NONE, s).unwrap());
        let f = 4.0 * (t * t * 64 * 8) as f64;
        let (mut dq, mut dk, mut dv) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let tb = timing::measure(0.5, || {
            att::backward(&mut dq, &mut dk, &mut dv, &q, &q, &q, &q, &out, &lse, d, Mask::NONE, s).unwrap()
        });
        println!(
            "T={t} fwd {:.1}% bwd(8T²dk) {:.1}% fwd+bwd(12) {:.1}%",
            100.0 * f / tm.best / pk,
            100.0 * 2.0 * f / tb.best / pk,
            100.0 * 3.0 * f / (tm.best + tb.best) / pk
        );
    }
}
