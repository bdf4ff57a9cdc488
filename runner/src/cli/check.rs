//! `junro check`.

use super::CheckFormat;
use anyhow::Context as _;
use junro_engine::source;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

pub(crate) fn run(paths: &[PathBuf], format: CheckFormat) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let loaded = source::load(paths).context("reading flows")?;
    let report = source::check(&loaded.program);
    let elapsed = started.elapsed();
    let mut stdout = std::io::stdout().lock();
    match format {
        CheckFormat::Text => {
            write!(stdout, "{}", report.render(&loaded.program))?;
            let files = loaded.program.files().count();
            writeln!(
                stdout,
                "{} ({files} file{} in {} ms)",
                report.summary(),
                if files == 1 { "" } else { "s" },
                elapsed.as_millis()
            )?;
        }
        CheckFormat::Json => {
            let files: Vec<_> = report
                .files
                .iter()
                .flat_map(|f| {
                    let source = loaded.program.file(&f.path);
                    f.diagnostics.iter().map(move |d| {
                        let (line, column) = source.map_or((0, 0), |s| s.index.line_col(&s.text, d.span.start));
                        serde_json::json!({
                            "path": f.path, "line": line, "column": column,
                            "start": d.span.start, "end": d.span.end,
                            "severity": d.severity, "code": d.code, "message": d.message,
                            "label": d.label, "help": d.help,
                        })
                    })
                })
                .collect();
            let out = serde_json::json!({
                "diagnostics": files,
                "summary": { "flows": report.flows(), "files": loaded.program.files().count(), "errors": report.errors(), "warnings": report.warnings() },
            });
            writeln!(stdout, "{}", serde_json::to_string_pretty(&out)?)?;
        }
    }
    Ok(if report.errors() > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
