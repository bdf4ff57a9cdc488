//! The examples in `docs/language.md` are real: every code block that names its file on its first
//! line (`# file: flows/ref/task.flow`, `// file: flows/ref/credit.rhai`) is checked together with
//! the others, and must give no error. Reference snippets may lack a scenario (warning W0503);
//! the scenarios they have pass.

use junro_engine::dsl::Program;
use std::path::Path;

#[test]
fn every_named_example_in_the_language_guide_checks_without_errors() {
    let guide = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/language.md"))
        .expect("docs/language.md is readable");
    let mut program = Program::new();
    let mut examples = 0;
    let mut lines = guide.lines();
    while let Some(line) = lines.next() {
        let Some(language) = line.strip_prefix("```") else { continue };
        let body: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
        let marker = match language {
            "flow" => "# file: ",
            "rhai" => "// file: ",
            _ => continue,
        };
        let Some(path) = body.first().and_then(|l| l.strip_prefix(marker)) else { continue };
        program.add(path.trim(), body.join("\n").as_bytes());
        examples += 1;
    }
    for wanted in program.wanted() {
        program.mark_missing(&wanted);
    }
    assert!(examples >= 20, "expected the guide to hold at least 20 named examples, found {examples}");
    let report = program.check();
    let warnings_other_than_no_scenario =
        report.files.iter().flat_map(|f| &f.diagnostics).filter(|d| d.code != "W0503").count();
    assert_eq!(report.errors(), 0, "{}", report.render(&program));
    assert_eq!(warnings_other_than_no_scenario, 0, "{}", report.render(&program));
    // The rule and table examples the guide shows hold.
    let paths: Vec<String> = program.files().map(|f| f.path.clone()).collect();
    let results: Vec<_> = paths.iter().flat_map(|p| junro_engine::examples::run(&program, p)).collect();
    assert!(results.len() >= 3, "expected the guide to show rule examples, found {}", results.len());
    let failures: Vec<_> = results.iter().filter(|r| r.failure.is_some()).collect();
    assert!(failures.is_empty(), "{failures:?}");

    // The scenarios the guide shows pass on the engine.
    let catalog = junro_engine::compile::compile(&program, &report).expect("the examples compile");
    let runner = junro_engine::scenario::ScenarioRunner::new(&program, &catalog).expect("runner");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut ran = 0;
    let mut failed = Vec::new();
    for file in program.files() {
        for flow in &file.module.flows {
            for scenario in &flow.scenarios {
                let line = |offset: usize| file.index.line_col(&file.text, offset).0;
                let result = runtime.block_on(runner.run(flow, scenario, &line));
                ran += 1;
                if let Some(failure) = result.failure {
                    failed.push(format!("{}: {}::{}: {failure}", file.path, result.flow, result.title));
                }
            }
        }
    }
    assert!(ran >= 5, "expected the guide to show scenarios, found {ran}");
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
