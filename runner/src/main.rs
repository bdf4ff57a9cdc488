//! The `junro` command: a thin layer that parses arguments and calls into `junro-engine`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
