//! `cargo run --release -p chapter-4 --example ch04_tour`: the chapter's guided run.
fn main() -> foundations::Result<()> {
    rnn::tour(&mut std::io::stdout())
}
