//! The CLI entry points run.

#[test]
fn tour_runs_and_prints_the_example() {
    let mut out = Vec::new();
    conv_pool::tour(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("[37.5, 47.5, 67.5, 77.5]"), "{text}");
    assert!(text.contains("ok"), "{text}");
    assert!(!text.contains("FAIL"), "{text}");
}

#[test]
fn stack_flops_match_the_issue() {
    // ≈ 1.03 GFLOP per batch of 64: forward and dk of all three convs, dx of conv2 and conv3.
    let f = conv_pool::demo::stack_flops(64).unwrap();
    assert!((f / 1e9 - 1.03).abs() < 0.01, "{f}");
}
