//! The `junro` command and service as a library.
//!
//! [`serve`] is the HTTP service every person and system works through: `junro serve` runs it,
//! and a Rust application can build its [`serve::app`] around an engine of its own (with its
//! action handlers registered) and serve it with [`serve::run`]. [`cli::run`] is the command
//! line the `junro` binary calls.

pub mod cli;
mod demo;
pub mod lsp;
mod report;
pub mod serve;
