//! `tour()` and `bench()` for the CLI.

use foundations::Result;
use foundations::report::BenchRow;

/// A short guided run for `ai-from-scratch tour`.
pub fn tour(w: &mut dyn std::io::Write) -> Result<()> {
    writeln!(w, "chapter 3: convolution and pooling")?;
    Ok(())
}

/// The rows of `ai-from-scratch bench conv`.
pub fn bench(_budget_secs: f64) -> Result<Vec<BenchRow>> {
    Ok(Vec::new())
}
