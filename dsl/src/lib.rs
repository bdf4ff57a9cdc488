//! `junro-dsl`: the Junro flow language.
//!
//! Business analysts write flows in `.flow` files; this crate reads them and says what is wrong,
//! precisely. It holds the grammar (pest, private to [`syntax`]), the typed [`ast`], the
//! [`diagnostic`]s with their renderer, and the static [`check`]s of a set of files (names,
//! types, and the flow graph on petgraph). It also draws flows ([`graph`]) and formats them
//! ([`format`]).
//!
//! It deliberately does no I/O: callers hand it file contents (see [`Program`]), which keeps it
//! usable from the engine, the command line, tests and fuzzers alike. Parsing never panics on
//! any input: it returns an AST and diagnostics.

pub mod ast;
pub mod check;
mod chunk;
mod decode;
pub mod diagnostic;
pub mod format;
pub mod graph;
mod parallel;
mod program;
pub mod span;
pub mod suggest;
mod syntax;

pub use diagnostic::{Diagnostic, Severity};
pub use program::{FileReport, Program, Report, SourceFile, resolve as resolve_path};
pub use span::{LineIndex, Span};

/// Parses one file's bytes into its AST and the syntax diagnostics found on the way.
///
/// Never panics. Invalid UTF-8 is reported (`E0001`) and parsing goes on, with each bad byte read
/// as `?` so that spans keep pointing at the right bytes.
pub fn parse(source: &[u8]) -> (ast::Module, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let text = decode::decode(source, &mut diagnostics);
    let module = syntax::parse_text(&text, &mut diagnostics);
    (module, diagnostics)
}
