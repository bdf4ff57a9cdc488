//! junro graph
use super::GraphFormat;
use std::path::Path;
use std::process::ExitCode;
pub(crate) fn run(
    _file: &Path,
    _format: GraphFormat,
    _flow: Option<&str>,
) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}
