//! The `junro` command: a thin layer that parses arguments and calls into the `junro` library.

/// The engine allocates many small, short-lived values per command (state documents, events,
/// bound statement arguments): mimalloc serves them in fewer instructions than the system
/// allocator (see BENCHMARKS.md, "The durable engine"). Built (workspace `Cargo.toml`) with
/// `override`, so that the bundled SQLite's `malloc` is mimalloc's too, and `no_thp`, so that the
/// kernel does not zero a 2 MB huge page whenever the allocator touches fresh memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    junro::cli::run()
}
