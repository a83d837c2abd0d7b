//! `cargo run --release -p chapter-2 --example ch02_tour`: the chapter's guided
//! run on its own (the CLI's `ai-from-scratch tour` calls the same function).

fn main() -> foundations::Result<()> {
    losses::tour(&mut std::io::stdout())
}
