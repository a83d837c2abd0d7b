//! One error type for the whole project: a message a learner can act on.

use std::fmt;

/// What went wrong, and where. Messages name the operation first:
/// `conv2d: kernel is 3x3 but input is 2x2`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// Shapes or lengths that do not fit together.
    Shape(String),
    /// A value out of its domain: a label ≥ C, a zero stride, an unknown name.
    Value(String),
    /// A file that could not be read or written.
    Io(String),
    /// A file that was read but is corrupt, truncated or of the wrong kind.
    Data(String),
    /// A number that went bad during computation: a NaN loss, an overflow.
    Numeric(String),
}

/// `Result` with the project's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Shape(m) | Error::Value(m) | Error::Data(m) | Error::Numeric(m) => f.write_str(m),
            Error::Io(m) => write!(f, "i/o: {m}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}

/// Return `Err(Error::Shape(format!(...)))` unless the condition holds.
///
/// ```
/// # use foundations::{ensure_shape, Result};
/// fn f(n: usize) -> Result<()> {
///     ensure_shape!(n > 0, "f: n must be positive, got {n}");
///     Ok(())
/// }
/// assert!(f(0).unwrap_err().to_string().contains("positive"));
/// ```
#[macro_export]
macro_rules! ensure_shape {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err($crate::Error::Shape(format!($($fmt)+)));
        }
    };
}

/// Return `Err(Error::Value(format!(...)))` unless the condition holds.
#[macro_export]
macro_rules! ensure_value {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err($crate::Error::Value(format!($($fmt)+)));
        }
    };
}
