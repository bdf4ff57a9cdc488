//! Malformed flows and the diagnostics they must produce, as data.
//!
//! Each `tests/diagnostics/NNN_*.flow` is checked with its imports (resolved from disk here, since
//! the crate itself does no I/O). The rendered diagnostics and the summary line must equal
//! `NNN_*.expected`; run with `JUNRO_BLESS=1` to rewrite the expected files after a deliberate
//! change, and review the diff. Independently of the golden text, every code named on the case's
//! first line (`# expect: E0201, W0501 — …`) must be reported.

use junro_dsl::Program;
use std::path::{Path, PathBuf};

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the diagnostics folder exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            p.extension().is_some_and(|e| e == "flow") && name.as_bytes().first().is_some_and(u8::is_ascii_digit)
        })
        .collect();
    cases.sort();
    cases
}

/// Checks one case file with everything it imports, paths relative to `dir`.
fn check(dir: &Path, case: &str) -> (Program, junro_dsl::Report) {
    let mut program = Program::new();
    program.add(case, &std::fs::read(dir.join(case)).expect("case is readable"));
    loop {
        let wanted = program.wanted();
        if wanted.is_empty() {
            break;
        }
        for path in wanted {
            match std::fs::read(dir.join(&path)) {
                Ok(bytes) => program.add(&path, &bytes),
                Err(_) => program.mark_missing(&path),
            }
        }
    }
    let report = program.check();
    (program, report)
}

/// The codes named on the first line before the dash: `# expect: E0201, E0301 — why` (the
/// explanation after the dash may mention other codes).
fn expected_codes(source: &[u8]) -> Vec<String> {
    let first = source.split(|&b| b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    let first = first.split('—').next().unwrap_or_default();
    let Some(rest) = first.split("expect:").nth(1) else {
        return Vec::new();
    };
    rest.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| {
            w.len() == 5 && (w.starts_with('E') || w.starts_with('W')) && w[1..].chars().all(|c| c.is_ascii_digit())
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn malformed_flows_give_the_expected_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics");
    let bless = std::env::var_os("JUNRO_BLESS").is_some();
    let cases = cases(&dir);
    assert!(cases.len() >= 40, "expected at least 40 malformed inputs, found {}", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().and_then(|n| n.to_str()).expect("utf-8 name").to_string();
        let (program, report) = check(&dir, &name);
        let rendered = format!("{}{}\n", report.render(&program), report.summary());
        let codes: Vec<&str> = report.files.iter().flat_map(|f| &f.diagnostics).map(|d| d.code).collect();
        for code in expected_codes(&std::fs::read(case).expect("readable")) {
            if !codes.contains(&code.as_str()) {
                failures.push(format!("{name}: expected {code} to be reported; got {codes:?}"));
            }
        }
        if codes.is_empty() {
            failures.push(format!("{name}: no diagnostic at all"));
        }
        let golden = case.with_extension("expected");
        if bless {
            std::fs::write(&golden, &rendered).expect("golden is writable");
            continue;
        }
        match std::fs::read_to_string(&golden) {
            Ok(expected) if expected == rendered => {}
            Ok(expected) => failures.push(format!(
                "{name}: output differs from {}\n--- expected\n{expected}\n--- actual\n{rendered}",
                golden.display()
            )),
            Err(_) => failures.push(format!("{name}: no golden file; run with JUNRO_BLESS=1\n{rendered}")),
        }
    }
    assert!(failures.is_empty(), "{} failing case(s):\n\n{}", failures.len(), failures.join("\n\n"));
}
