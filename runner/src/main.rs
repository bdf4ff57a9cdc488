//! The `junro` command: a thin layer that parses arguments and calls into `junro-engine`.

mod cli;
mod demo;
// `junro kpi`, `junro stalled` and the end of `junro demo` render through this module; until
// the KPI computation lands with them, only the module's tests call it.
#[cfg_attr(not(test), allow(dead_code))]
mod report;

fn main() -> std::process::ExitCode {
    cli::run()
}
