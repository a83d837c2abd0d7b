//! One row of a benchmark table, shared by every chapter so that the CLI's
//! `bench` prints them all alike: rate, and fraction of the machine's
//! measured peak (FLOP/s) or bandwidth (bytes/s).

/// What a measured call does, to turn seconds into a rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Work {
    /// Floating-point operations (an FMA counts 2): compared with the FMA peak.
    Flops(f64),
    /// Bytes moved to and from memory: compared with the triad bandwidth.
    Bytes(f64),
    /// Elements processed (for kernels where neither fits, e.g. `exp`).
    Elements(f64),
}

/// One measured kernel: `kernel/rung/shape`, seconds per call.
#[derive(Clone, Debug)]
pub struct BenchRow {
    /// "gemm", "adam", "softmax" ...
    pub kernel: String,
    /// The rung on the ladder: "v0_naive", "avx512", ...
    pub rung: String,
    /// "1024x1024x1024", "n=1048576" ...
    pub shape: String,
    /// Work per call.
    pub work: Work,
    /// Seconds per call (thread CPU time, best of several batches).
    pub seconds: f64,
}

impl BenchRow {
    /// Builds a row.
    pub fn new(
        kernel: impl Into<String>,
        rung: impl Into<String>,
        shape: impl Into<String>,
        work: Work,
        seconds: f64,
    ) -> Self {
        BenchRow { kernel: kernel.into(), rung: rung.into(), shape: shape.into(), work, seconds }
    }

    /// Work per second (FLOP/s, bytes/s or elements/s).
    pub fn rate(&self) -> f64 {
        let w = match self.work {
            Work::Flops(x) | Work::Bytes(x) | Work::Elements(x) => x,
        };
        w / self.seconds
    }
}

/// `book/src/generated`, where every chapter's figures example writes the
/// tables and plots the book includes; created if missing.
pub fn generated_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src/generated");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Writes `text` to `book/src/generated/<name>` through a temporary file and
/// a rename, so the book never includes a half-written file; prints the path.
pub fn write_generated(name: &str, text: &str) -> std::io::Result<()> {
    let dir = generated_dir()?;
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, dir.join(name))?;
    println!("wrote book/src/generated/{name}");
    Ok(())
}
