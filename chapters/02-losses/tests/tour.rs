//! The CLI hooks run: `tour` prints its story, `bench` rows are well formed
//! (with a tiny budget: no timing is asserted).

#[test]
fn tour_runs_and_tells_the_story() {
    let mut out = Vec::new();
    losses::tour(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("without max subtraction"), "{text}");
    assert!(text.contains("pass"), "{text}");
}

#[test]
fn bench_rows_cover_every_kernel() {
    let rows = losses::bench::bench_exp(0.001).unwrap();
    assert!(rows.iter().any(|r| r.rung == "v0_libm"));
    let rows = losses::bench::bench_softmax(0.001).unwrap();
    assert!(rows.iter().filter(|r| r.rung == "v0_naive").count() == 3);
    assert!(rows.iter().all(|r| r.seconds > 0.0));
}
