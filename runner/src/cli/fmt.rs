//! junro fmt
use std::path::PathBuf;
use std::process::ExitCode;
pub(crate) fn run(_paths: &[PathBuf], _check: bool) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}
