//! The CLI entry: the tour runs and says what it shows.

#[test]
fn tour_runs() {
    let mut out = Vec::new();
    attention::tour(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    for want in ["fused", "memory per head at T = 2048", "gradient check, encoder layer", "6304768"] {
        assert!(text.contains(want), "tour output lacks {want:?}:\n{text}");
    }
}
