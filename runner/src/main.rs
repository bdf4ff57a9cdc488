//! The `junro` command: a thin layer that parses arguments and calls into `junro-engine`.

mod cli;
mod demo;
mod report;

fn main() -> std::process::ExitCode {
    cli::run()
}
