//! The generated catalogue flows are committed; this test fails when they no longer match
//! `examples/flows/catalogue.tsv` (or the generator), and says how to bring them up to date.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const REGENERATE: &str = "run `cargo run -p junro-tests --bin gen-catalogue` to regenerate examples/flows/generated/";

fn flows_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/flows")
}

/// Every file below `dir`, by path relative to `root` with `/` separators.
fn committed_files(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.expect("listing examples/flows/generated").path();
        if path.is_dir() {
            committed_files(root, &path, out);
        } else {
            let relative = path.strip_prefix(root).expect("below the flows directory");
            let key = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            out.insert(key, text);
        }
    }
}

#[test]
fn committed_catalogue_matches_the_table() {
    let root = flows_dir();
    let table = fs::read_to_string(root.join("catalogue.tsv")).expect("examples/flows/catalogue.tsv is readable");
    let generated = junro_tests::catalogue::generate(&table).unwrap_or_else(|e| panic!("catalogue.tsv: {e}"));
    assert!(!generated.is_empty(), "catalogue.tsv produces no flows");

    let mut committed = BTreeMap::new();
    committed_files(&root, &root.join(junro_tests::catalogue::GENERATED_DIR), &mut committed);

    let mut problems = Vec::new();
    for (path, text) in &generated {
        match committed.remove(path) {
            None => problems.push(format!("missing: {path}")),
            Some(on_disk) if on_disk != *text => problems.push(format!("out of date: {path}")),
            Some(_) => {}
        }
    }
    for path in committed.keys() {
        problems.push(format!("not produced by catalogue.tsv: {path}"));
    }
    if !problems.is_empty() {
        let shown: Vec<&str> = problems.iter().take(20).map(String::as_str).collect();
        panic!(
            "examples/flows/generated/ does not match catalogue.tsv ({} problem{}):\n  {}{}\n{REGENERATE}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            shown.join("\n  "),
            if problems.len() > shown.len() { "\n  …" } else { "" },
        );
    }
}

#[test]
fn generation_is_deterministic() {
    let table =
        fs::read_to_string(flows_dir().join("catalogue.tsv")).expect("examples/flows/catalogue.tsv is readable");
    let first = junro_tests::catalogue::generate(&table).expect("catalogue.tsv generates");
    let second = junro_tests::catalogue::generate(&table).expect("catalogue.tsv generates");
    assert_eq!(first, second);
}
