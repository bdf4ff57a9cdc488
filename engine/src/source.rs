//! Reading flow sources from disk: files and folders given by the user, then every file their
//! imports and `rules` declarations name, until nothing is missing.

use junro_dsl::Program;
use std::path::{Path, PathBuf};

/// What can go wrong while reading sources.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A path given by the user does not exist or cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Files and folders read into a program.
#[derive(Debug)]
pub struct Loaded {
    /// Every file read: those asked for and those they import.
    pub program: Program,
    /// The `.flow` files that were asked for (directly or inside a folder), in path order.
    pub roots: Vec<String>,
}

/// Reads `paths` (files, or folders searched recursively for `.flow` files) and everything they
/// import. An import that cannot be read is recorded as missing, to be reported by the checks.
pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Loaded, LoadError> {
    let mut files = Vec::new();
    for path in paths {
        collect(path.as_ref(), &mut files)?;
    }
    files.sort();
    files.dedup();
    let mut program = Program::new();
    let mut roots = Vec::new();
    let mut contents = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).map_err(|source| LoadError::Io { path: file.clone(), source })?;
        let name = display(&file);
        roots.push(name.clone());
        contents.push((name, bytes));
    }
    program.add_all(&contents);
    loop {
        let wanted = program.wanted();
        if wanted.is_empty() {
            break;
        }
        let mut found = Vec::new();
        for path in wanted {
            match std::fs::read(&path) {
                Ok(bytes) => found.push((path, bytes)),
                Err(_) => program.mark_missing(&path),
            }
        }
        program.add_all(&found);
    }
    Ok(Loaded { program, roots })
}

/// The path as the user will see it in diagnostics: relative, with `/` separators.
fn display(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let meta = std::fs::metadata(path).map_err(|source| LoadError::Io { path: path.to_path_buf(), source })?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|source| LoadError::Io { path: path.to_path_buf(), source })?;
    for entry in entries {
        let entry = entry.map_err(|source| LoadError::Io { path: path.to_path_buf(), source })?;
        let child = entry.path();
        if child.is_dir() {
            collect(&child, out)?;
        } else if child.extension().is_some_and(|e| e == "flow") {
            out.push(child);
        }
    }
    Ok(())
}

/// Checks a loaded program: every check of `junro-dsl`, and every `.rhai` rules file compiled
/// with the engine's sandboxed Rhai, its syntax errors reported at their line and column
/// (`E0215`).
pub fn check(program: &Program) -> junro_dsl::Report {
    let mut report = program.check();
    for entry in &mut report.files {
        let Some(file) = program.file(&entry.path) else { continue };
        if file.rhai_functions.is_none() {
            continue;
        }
        if let Err(error) = crate::script::engine().compile(&file.text) {
            let position = error.position();
            let line = position.line().unwrap_or(1).max(1);
            let column = position.position().unwrap_or(1).max(1);
            let start = file.index.line_start(line - 1);
            let offset = file.text[start..].char_indices().nth(column - 1).map_or(file.text.len(), |(i, _)| start + i);
            // A condition written as said (`and`, `or`, `not`): Rhai writes `&&`, `||`, `!`.
            let word: String =
                file.text[offset..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            let spoken = match word.as_str() {
                "and" => Some("&&"),
                "or" => Some("||"),
                "not" => Some("!"),
                _ => None,
            };
            let diagnostic = match spoken {
                Some(write) => junro_dsl::Diagnostic::error(
                    "E0215",
                    junro_dsl::Span::new(offset, offset + word.len()),
                    format!("Rhai writes `{word}` as `{write}`; write `{write}`"),
                )
                .with_label(format!("write `{write}`"))
                .with_help("for example `age >= 20 && age < 120`, `plan == \"a\" || plan == \"b\"`, `!ekyc_passed`"),
                None => junro_dsl::Diagnostic::error(
                    "E0215",
                    junro_dsl::Span::new(offset, offset + 1),
                    format!("this rules file does not compile: {}", error.err_type()),
                )
                .with_help("rules are Rhai functions: `fn name(arg, …) { … }`"),
            };
            entry.diagnostics.push(diagnostic);
        }
    }
    report
}
