//! junro bench
use std::process::ExitCode;
#[derive(clap::Subcommand)]
pub(crate) enum BenchCommand {
    Dsl,
}
pub(crate) fn run(_what: BenchCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}
