//! `junro fmt`: rewrites files in the canonical layout, or with `--check` lists those that are not.

use anyhow::Context as _;
use junro_engine::dsl::format::format;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(crate) fn run(paths: &[PathBuf], check: bool) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files).with_context(|| format!("reading {}", path.display()))?;
    }
    files.sort();
    let mut failed = false;
    let mut changed = 0;
    for file in &files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        match format(&bytes) {
            Ok(formatted) if formatted.as_bytes() == bytes => {}
            Ok(formatted) => {
                changed += 1;
                if check {
                    writeln!(out, "{}: not formatted", file.display())?;
                    failed = true;
                } else {
                    std::fs::write(file, formatted).with_context(|| format!("writing {}", file.display()))?;
                    writeln!(out, "{}: formatted", file.display())?;
                }
            }
            Err(error) => {
                eprintln!("{}: {error}", file.display());
                failed = true;
            }
        }
    }
    let verb = if check { "need formatting" } else { "formatted" };
    writeln!(out, "{} files, {changed} {verb}", files.len())?;
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(path)? {
        let child = entry?.path();
        if child.is_dir() {
            collect(&child, out)?;
        } else if child.extension().is_some_and(|e| e == "flow") {
            out.push(child);
        }
    }
    Ok(())
}
