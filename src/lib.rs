//! `ai-from-scratch`: every chapter under one roof, and the registry the
//! CLI walks (`tour`, `bench`).
//!
//! | chapter | crate | lib | seed |
//! |---|---|---|---|
//! | 0 | `chapter-0` | [`foundations`] | 2.1 parallel compute: SIMD, GEMM, gradient checking |
//! | 1 | `chapter-1` | [`gradient_descent`] | 2.2, 2.3, 2.5 gradient descent, hyperparameters, optimizers |
//! | 2 | `chapter-2` | [`losses`] | 2.4 loss functions, softmax, a vectorized exp |
//! | 3 | `chapter-3` | [`conv_pool`] | 3.1 convolution, pooling, the fully connected layer |
//! | 4 | `chapter-4` | [`rnn`] | 3.2 the RNN hidden state, BPTT, the LSTM |
//! | 5 | `chapter-5` | [`attention`] | 3.3 scaled dot-product attention, encoder and decoder |

use std::io::Write;

pub use attention;
pub use conv_pool;
pub use foundations;
use foundations::Result;
use foundations::report::BenchRow;
pub use gradient_descent;
pub use losses;
pub use rnn;

/// One chapter as the CLI sees it.
pub struct Chapter {
    /// 0..=8
    pub number: u8,
    /// Short title.
    pub title: &'static str,
    /// Names accepted by `bench` for this chapter ("gemm", "conv", ...).
    pub aliases: &'static [&'static str],
    /// The chapter's stop on the tour.
    pub tour: fn(&mut dyn Write) -> Result<()>,
    /// The chapter's benchmark rows, each measured for about `budget` seconds.
    pub bench: fn(f64) -> Result<Vec<BenchRow>>,
}

/// Every chapter built so far, in order.
pub fn chapters() -> Vec<Chapter> {
    vec![
        Chapter {
            number: 0,
            title: "the machine: SIMD, GEMM, gradient checking",
            aliases: &["foundations", "vector"],
            tour: foundations::tour,
            bench: foundations::bench,
        },
        Chapter {
            number: 1,
            title: "gradient descent and the optimizers",
            aliases: &["gradient_descent", "optim", "optimizers"],
            tour: gradient_descent::tour,
            bench: gradient_descent::bench,
        },
        Chapter {
            number: 2,
            title: "loss functions, softmax and a vectorized exp",
            aliases: &["losses", "loss", "softmax", "exp"],
            tour: losses::tour,
            bench: losses::bench,
        },
        Chapter {
            number: 3,
            title: "convolution, pooling and the fully connected layer",
            aliases: &["conv_pool", "conv", "cnn", "pool"],
            tour: conv_pool::tour,
            bench: conv_pool::bench,
        },
        Chapter {
            number: 4,
            title: "the RNN hidden state, backpropagation through time, the LSTM",
            aliases: &["rnn", "lstm"],
            tour: rnn::tour,
            bench: rnn::bench,
        },
        Chapter {
            number: 5,
            title: "attention and the Transformer blocks",
            aliases: &["attention", "transformer"],
            tour: attention::tour,
            bench: attention::bench,
        },
    ]
}

/// The chapter a `bench` argument names: its number ("3", "ch3") or an alias.
pub fn find_chapter(name: &str) -> Option<Chapter> {
    let name = name.trim().to_ascii_lowercase();
    let number = name.strip_prefix("ch").unwrap_or(&name).parse::<u8>().ok();
    chapters().into_iter().find(|c| Some(c.number) == number || c.aliases.contains(&name.as_str()))
}
