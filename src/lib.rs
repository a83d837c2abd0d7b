//! `ai-from-scratch`: every chapter under one roof.
//!
//! | chapter | crate | lib |
//! |---|---|---|
//! | 0 | `chapter-0` | [`foundations`] |

pub use foundations;
