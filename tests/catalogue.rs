//! The catalogue in `examples/flows` is what analysts copy from: every flow must check clean,
//! be laid out canonically, and carry a scenario; and it must stay about 300 flows, at least 25
//! of them written by hand.

use futures_util::StreamExt as _;
use junro_engine::dsl::format::format;
use junro_engine::source;
use std::path::{Path, PathBuf};

fn catalogue() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/flows")
}

fn flow_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("catalogue folder is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            flow_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "flow") {
            out.push(path);
        }
    }
}

#[test]
fn every_catalogue_flow_checks_without_errors_or_warnings() {
    let loaded = source::load(&[catalogue()]).expect("catalogue loads");
    let report = loaded.program.check();
    assert_eq!(report.errors() + report.warnings(), 0, "{}{}", report.render(&loaded.program), report.summary());
    let flows = report.flows();
    assert!((280..=330).contains(&flows), "the catalogue should hold about 300 flows, it holds {flows}");
}

#[test]
fn every_catalogue_file_is_formatted() {
    let mut files = Vec::new();
    flow_files(&catalogue(), &mut files);
    let unformatted: Vec<String> = files
        .iter()
        .filter(|f| {
            let bytes = std::fs::read(f).expect("readable");
            format(&bytes).map_or(true, |formatted| formatted.as_bytes() != bytes)
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(unformatted.is_empty(), "run `junro fmt examples/flows`; not formatted: {unformatted:#?}");
}

#[test]
fn at_least_25_flows_are_written_by_hand() {
    let mut files = Vec::new();
    flow_files(&catalogue(), &mut files);
    let hand_written = files
        .iter()
        .filter(|f| {
            let path = f.to_string_lossy();
            !path.contains("/generated/") && !path.contains("/_shared/") && !path.contains("/bench/")
        })
        .filter(|f| std::fs::read_to_string(f).is_ok_and(|t| t.lines().any(|l| l.starts_with("flow "))))
        .count();
    assert!(hand_written >= 25, "only {hand_written} hand-written flows");
}

#[test]
fn every_catalogue_scenario_passes() {
    let loaded = source::load(&[catalogue()]).expect("catalogue loads");
    let report = loaded.program.check();
    let catalog = junro_engine::compile::compile(&loaded.program, &report).expect("catalogue compiles");
    let runner = junro_engine::scenario::ScenarioRunner::new(&loaded.program, &catalog).expect("runner");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut cases = Vec::new();
    for path in &loaded.roots {
        let file = loaded.program.file(path).expect("loaded file");
        for flow in &file.module.flows {
            for scenario in &flow.scenarios {
                cases.push((path, file, flow, scenario));
            }
        }
    }
    // Each scenario runs on its own in-memory database; several at once.
    let runs = futures_util::stream::iter(cases.iter().map(|(path, file, flow, scenario)| {
        let runner = &runner;
        async move {
            let line = |offset: usize| file.index.line_col(&file.text, offset).0;
            (path, runner.run(flow, scenario, &line).await)
        }
    }))
    .buffer_unordered(8)
    .collect::<Vec<_>>();
    let results = runtime.block_on(runs);
    let ran = results.len();
    let failures: Vec<String> = results
        .into_iter()
        .filter_map(|(path, r)| r.failure.map(|f| format!("{path}: {}::{}: {f}", r.flow, r.title)))
        .collect();
    assert!(ran >= 500, "expected the catalogue to carry at least 500 scenarios, found {ran}");
    assert!(failures.is_empty(), "{} of {ran} scenarios failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_rule_and_table_example_holds() {
    let loaded = source::load(&[catalogue()]).expect("catalogue loads");
    let results: Vec<_> =
        loaded.roots.iter().flat_map(|path| junro_engine::examples::run(&loaded.program, path)).collect();
    assert!(
        results.len() >= 50,
        "expected the catalogue's rules and tables to carry examples, found {}",
        results.len()
    );
    let failures: Vec<String> =
        results.iter().filter_map(|r| r.failure.as_ref().map(|f| format!("{}: {f}", r.name))).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
