//! `junro graph`: prints one flow as a Mermaid or DOT diagram.

use super::GraphFormat;
use anyhow::Context as _;
use junro_engine::dsl::graph::{self, Format};
use junro_engine::source;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

pub(crate) fn run(file: &Path, format: GraphFormat, flow: Option<&str>) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let loaded = source::load(&[file]).context("reading the flow")?;
    let path = loaded.roots.first().context("no .flow file given")?;
    let format = match format {
        GraphFormat::Mermaid => Format::Mermaid,
        GraphFormat::Dot => Format::Dot,
    };
    let diagram = graph::draw(&loaded.program, path, flow, format)?;
    write!(out, "{diagram}")?;
    Ok(ExitCode::SUCCESS)
}
