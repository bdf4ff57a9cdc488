//! `gen-catalogue`: writes `examples/flows/generated/` from `examples/flows/catalogue.tsv`.
//!
//! Run from anywhere in the workspace with `cargo run -p junro-tests --bin gen-catalogue`.
//! An optional argument names another `examples/flows` directory. Files in `generated/` that the
//! table no longer produces are deleted, so the directory always matches the table exactly.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let flows_dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/flows"));
    match run(&flows_dir) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("gen-catalogue: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(flows_dir: &Path) -> Result<String, String> {
    let table_path = flows_dir.join("catalogue.tsv");
    let table = fs::read_to_string(&table_path).map_err(|e| format!("cannot read {}: {e}", table_path.display()))?;
    let files = junro_tests::catalogue::generate(&table)?;

    let mut wanted = BTreeSet::new();
    let mut written = 0;
    for (relative, text) in &files {
        let path = flows_dir.join(relative);
        wanted.insert(path.clone());
        if fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written += 1;
    }

    let generated = flows_dir.join(junro_tests::catalogue::GENERATED_DIR);
    let mut deleted = 0;
    for path in files_under(&generated)? {
        if !wanted.contains(&path) {
            fs::remove_file(&path).map_err(|e| format!("cannot delete {}: {e}", path.display()))?;
            deleted += 1;
        }
    }
    remove_empty_dirs(&generated)?;
    Ok(format!(
        "{} flows from {}: {written} written, {} unchanged, {deleted} stale deleted",
        files.len(),
        table_path.display(),
        files.len() - written
    ))
}

/// Every file below `dir` (none when it does not exist).
fn files_under(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = match fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("cannot list {}: {e}", current.display())),
        };
        for entry in entries {
            let path = entry.map_err(|e| format!("cannot list {}: {e}", current.display()))?.path();
            if path.is_dir() { stack.push(path) } else { out.push(path) }
        }
    }
    Ok(out)
}

/// Removes the directories below `dir` that became empty.
fn remove_empty_dirs(dir: &Path) -> Result<(), String> {
    let Ok(entries) = fs::read_dir(dir) else { return Ok(()) };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            remove_empty_dirs(&path)?;
            if fs::read_dir(&path).map(|mut d| d.next().is_none()).unwrap_or(false) {
                fs::remove_dir(&path).map_err(|e| format!("cannot delete {}: {e}", path.display()))?;
            }
        }
    }
    Ok(())
}
