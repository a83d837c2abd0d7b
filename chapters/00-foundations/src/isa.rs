//! Which SIMD instruction set this run uses, and the tokens that prove it.
//!
//! A CPU either has an instruction set or it does not; executing an AVX-512
//! instruction on a CPU without it is undefined behaviour (in practice a
//! `SIGILL`). So the project asks the CPU once, caches the answer, and hands
//! out **capability tokens**: zero-sized values such as [`Avx2Fma`] that only
//! `new()` can build, and only after detection said yes. A kernel that takes
//! a token by value can call its `#[target_feature]` body without any further
//! check: holding the token *is* the check (the pattern of the `memchr` crate).
//!
//! ```text
//! Isa::active()  ──►  Scalar | Avx2Fma | Avx512 | Neon      best first, capped by AIFS_ISA
//! Avx2Fma::new() ──►  Some(token) only if the CPU has AVX2 and FMA
//! ```
//!
//! `AIFS_ISA=scalar|avx2|avx512|neon` caps the choice for a whole run, so a
//! reader can watch the same program run on every path.

use std::fmt;
use std::sync::OnceLock;

use crate::{Error, Result};

/// An instruction set a kernel can run on. Ordered from least to most capable
/// within an architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Isa {
    /// Plain Rust loops: always available, the reference every SIMD path is tested against.
    Scalar,
    /// x86_64 AVX2 (8 × f32 lanes) with fused multiply-add.
    Avx2Fma,
    /// x86_64 AVX-512F (16 × f32 lanes), plus AVX2+FMA.
    Avx512,
    /// aarch64 NEON (4 × f32 lanes); baseline on aarch64, so chosen at compile time.
    Neon,
}

impl Isa {
    /// Every ISA the project knows, in the order tests list them.
    pub const ALL: [Isa; 4] = [Isa::Scalar, Isa::Avx2Fma, Isa::Avx512, Isa::Neon];

    /// The short name used by `AIFS_ISA`, test names and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Avx2Fma => "avx2",
            Isa::Avx512 => "avx512",
            Isa::Neon => "neon",
        }
    }

    /// f32 lanes in one vector register of this ISA.
    pub fn lanes(self) -> usize {
        match self {
            Isa::Scalar => 1,
            Isa::Avx2Fma => 8,
            Isa::Avx512 => 16,
            Isa::Neon => 4,
        }
    }

    /// Parse a name as `AIFS_ISA` spells it.
    pub fn parse(s: &str) -> Result<Isa> {
        match s.trim().to_ascii_lowercase().as_str() {
            "scalar" | "naive" => Ok(Isa::Scalar),
            "avx2" | "avx2fma" | "avx2_fma" => Ok(Isa::Avx2Fma),
            "avx512" | "avx512f" => Ok(Isa::Avx512),
            "neon" => Ok(Isa::Neon),
            other => Err(Error::Value(format!("unknown ISA '{other}': expected one of scalar, avx2, avx512, neon"))),
        }
    }

    /// Does this CPU have the instruction set? (Ignores the `AIFS_ISA` cap.)
    pub fn is_available(self) -> bool {
        match self {
            Isa::Scalar => true,
            Isa::Avx2Fma => Avx2Fma::new().is_some(),
            Isa::Avx512 => Avx512::new().is_some(),
            Isa::Neon => Neon::new().is_some(),
        }
    }

    /// Every ISA this CPU has, best last. Tests walk this list.
    pub fn available() -> Vec<Isa> {
        Isa::ALL.into_iter().filter(|i| i.is_available()).collect()
    }

    /// The ISA this run uses: the best available one, capped by `AIFS_ISA`.
    /// Detected once and cached. An unknown or unavailable `AIFS_ISA` value
    /// is reported once on stderr and falls back to the best available ISA
    /// below the cap, never to an instruction set the CPU lacks.
    pub fn active() -> Isa {
        static ACTIVE: OnceLock<Isa> = OnceLock::new();
        *ACTIVE.get_or_init(|| {
            let best = Isa::available().into_iter().max().unwrap_or(Isa::Scalar);
            match std::env::var("AIFS_ISA") {
                Err(_) => best,
                Ok(cap) => match Isa::parse(&cap) {
                    Ok(cap) => Isa::available().into_iter().filter(|&i| i <= cap).max().unwrap_or(Isa::Scalar),
                    Err(e) => {
                        eprintln!("warning: AIFS_ISA: {e}; using {}", best.name());
                        best
                    }
                },
            }
        })
    }

    /// An error for a request to run on an ISA this CPU lacks.
    pub fn unavailable(self, op: &str) -> Error {
        Error::Value(format!("{op}: the {} instruction set is not available on this CPU", self.name()))
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Proof that the CPU has AVX2 and FMA. Only [`Avx2Fma::new`] builds it.
#[derive(Clone, Copy, Debug)]
pub struct Avx2Fma(());

/// Proof that the CPU has AVX-512F (and AVX2 + FMA). Only [`Avx512::new`] builds it.
#[derive(Clone, Copy, Debug)]
pub struct Avx512(());

/// Proof that the CPU has NEON. Only [`Neon::new`] builds it.
#[derive(Clone, Copy, Debug)]
pub struct Neon(());

impl Avx2Fma {
    /// `Some` only when runtime detection finds AVX2 and FMA.
    #[inline]
    pub fn new() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        {
            // `is_x86_feature_detected!` caches its answer in an atomic: cheap to ask again.
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                return Some(Avx2Fma(()));
            }
        }
        None
    }
}

impl Avx512 {
    /// `Some` only when runtime detection finds AVX-512F, AVX2 and FMA.
    #[inline]
    pub fn new() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx2")
                && std::is_x86_feature_detected!("fma")
            {
                return Some(Avx512(()));
            }
        }
        None
    }

    /// Every AVX-512 CPU also has AVX2 + FMA.
    #[inline]
    pub fn avx2(self) -> Avx2Fma {
        Avx2Fma(())
    }
}

impl Neon {
    /// NEON is part of the aarch64 baseline: `Some` on aarch64, `None` elsewhere.
    #[inline]
    pub fn new() -> Option<Self> {
        #[cfg(target_arch = "aarch64")]
        {
            return Some(Neon(()));
        }
        #[allow(unreachable_code)]
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_is_always_available_and_active_is_available() {
        assert!(Isa::Scalar.is_available());
        assert!(Isa::active().is_available());
        assert!(Isa::available().contains(&Isa::active()));
    }

    #[test]
    fn names_round_trip() {
        for isa in Isa::ALL {
            assert_eq!(Isa::parse(isa.name()).unwrap(), isa);
        }
        assert!(Isa::parse("sse9").is_err());
    }

    #[test]
    fn tokens_agree_with_the_list() {
        assert_eq!(Avx2Fma::new().is_some(), Isa::available().contains(&Isa::Avx2Fma));
        assert_eq!(Avx512::new().is_some(), Isa::available().contains(&Isa::Avx512));
        assert_eq!(Neon::new().is_some(), cfg!(target_arch = "aarch64"));
    }
}

/// A checked choice of ISA: what a dispatcher matches on. Each variant holds
/// the capability token its kernels need, so the match arms call safe
/// functions. Variants exist only on the architecture that has them, so a
/// dispatcher's match is exhaustive on every target without a fallback arm.
#[derive(Clone, Copy, Debug)]
pub enum Token {
    /// The naive path.
    Scalar,
    /// AVX2 + FMA, detected.
    #[cfg(target_arch = "x86_64")]
    Avx2Fma(Avx2Fma),
    /// AVX-512F, detected.
    #[cfg(target_arch = "x86_64")]
    Avx512(Avx512),
    /// NEON (aarch64 baseline).
    #[cfg(target_arch = "aarch64")]
    Neon(Neon),
}

impl Isa {
    /// The token for this ISA, or a clear error naming `op` when the CPU lacks it.
    pub fn token(self, op: &str) -> Result<Token> {
        let token = match self {
            Isa::Scalar => Some(Token::Scalar),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => Avx2Fma::new().map(Token::Avx2Fma),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => Avx512::new().map(Token::Avx512),
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => Neon::new().map(Token::Neon),
            #[allow(unreachable_patterns)]
            _ => None,
        };
        token.ok_or_else(|| self.unavailable(op))
    }
}
