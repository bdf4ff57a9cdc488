//! `junro test`: runs the scenarios written next to flows, each on the durable engine over a
//! fresh in-memory database with a virtual clock, and reports like `cargo test`.

use anyhow::Context as _;
use futures_util::StreamExt as _;
use junro_engine::compile::compile;
use junro_engine::{examples, scenario, source};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Scenarios run at once (each waits on its own database most of the time).
const CONCURRENT_SCENARIOS: usize = 8;

pub(crate) fn run(paths: &[PathBuf], filter: Option<&str>) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let started = std::time::Instant::now();
    let loaded = source::load(paths).context("reading flows")?;
    let report = source::check(&loaded.program);
    if report.errors() > 0 {
        write!(out, "{}", report.render(&loaded.program))?;
        writeln!(out, "{}", report.summary())?;
        anyhow::bail!("the flows have errors; fix them before running their scenarios");
    }
    let catalog = compile(&loaded.program, &report)?;
    let runner = scenario::ScenarioRunner::new(&loaded.program, &catalog)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // Scenarios still running when output stops (a closed pipe) are dropped inside the runtime:
    // their database connections need it to close.
    let _inside = runtime.enter();
    // Every scenario has its own engine and database: several run at once, reported in order.
    let mut cases = Vec::new();
    for path in &loaded.roots {
        let Some(file) = loaded.program.file(path) else { continue };
        for flow in &file.module.flows {
            for case in &flow.scenarios {
                let name = format!("{}::{}", flow.name.text, case.title);
                if filter.is_none_or(|f| name.contains(f)) {
                    cases.push((path, file, flow, case, name));
                }
            }
        }
    }
    let runs = futures_util::stream::iter(cases.iter().map(|(_, file, flow, case, _)| {
        let line = |offset: usize| file.index.line_col(&file.text, offset).0;
        let runner = &runner;
        async move { runner.run(flow, case, &line).await }
    }))
    .buffered(CONCURRENT_SCENARIOS);
    let mut runs = std::pin::pin!(runs);
    // (file, test name, failure)
    let mut results: Vec<(String, String, Option<String>)> = Vec::new();
    for (path, _, _, _, name) in &cases {
        let Some(result) = runtime.block_on(runs.next()) else { break };
        writeln!(out, "test {name} ... {}", if result.failure.is_none() { "ok" } else { "FAILED" })?;
        results.push(((*path).clone(), name.clone(), result.failure));
    }
    // The examples written next to rules and tables.
    for path in &loaded.roots {
        for example in examples::run(&loaded.program, path) {
            if filter.is_some_and(|f| !example.name.contains(f)) {
                continue;
            }
            writeln!(out, "test {} ... {}", example.name, if example.failure.is_none() { "ok" } else { "FAILED" })?;
            results.push((path.clone(), example.name, example.failure));
        }
    }
    let failed: Vec<_> = results.iter().filter(|(_, _, failure)| failure.is_some()).collect();
    if !failed.is_empty() {
        writeln!(out, "\nfailures:\n")?;
        for (path, name, failure) in &failed {
            writeln!(out, "---- {name} ({path})\n{}\n", failure.as_deref().unwrap_or_default())?;
        }
    }
    let passed = results.len() - failed.len();
    writeln!(
        out,
        "\ntest result: {}. {passed} passed, {} failed; finished in {:.2}s",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        started.elapsed().as_secs_f64()
    )?;
    writeln!(out, "{passed} passed, {} failed", failed.len())?;
    Ok(if failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
