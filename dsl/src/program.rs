//! A set of source files checked together, and the report of that check.
//!
//! The caller does the reading: it [`Program::add`]s the files it was asked about, asks which
//! imported paths are still [`Program::wanted`], adds those (or [`Program::mark_missing`]), and
//! repeats until nothing is wanted; then [`Program::check`] runs every check. Paths are plain
//! strings with `/` separators; imports are resolved relative to the importing file.

use crate::ast::Module;
use crate::diagnostic::{Diagnostic, render};
use crate::span::LineIndex;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One file of a program, parsed.
#[derive(Debug)]
pub struct SourceFile {
    /// The path the file was added under.
    pub path: String,
    /// Its text (bytes that were not UTF-8 read as `?`).
    pub text: String,
    /// Line starts, for rendering.
    pub index: LineIndex,
    /// The syntax tree (empty for `.rhai` files).
    pub module: Module,
    /// Syntax diagnostics.
    pub syntax: Vec<Diagnostic>,
    /// For a `.rhai` file: the names of the functions it defines.
    pub rhai_functions: Option<Vec<String>>,
}

/// The files of a program, keyed by normalised path.
#[derive(Debug, Default)]
pub struct Program {
    pub(crate) files: BTreeMap<String, SourceFile>,
    pub(crate) missing: BTreeSet<String>,
}

impl Program {
    /// An empty program.
    pub fn new() -> Self {
        Program::default()
    }

    /// Adds (or replaces) a file. `.rhai` files are scanned for their function names; every
    /// other file is parsed as a flow file.
    pub fn add(&mut self, path: &str, bytes: &[u8]) {
        self.insert(parse_source(path, bytes));
    }

    /// Adds many files, parsing them on every core.
    pub fn add_all(&mut self, files: &[(String, Vec<u8>)]) {
        for file in crate::parallel::map(files, |(path, bytes)| parse_source(path, bytes)) {
            self.insert(file);
        }
    }

    fn insert(&mut self, file: SourceFile) {
        self.missing.remove(&file.path);
        self.files.insert(file.path.clone(), file);
    }

    /// Records that `path` could not be read; imports of it are reported as not found.
    pub fn mark_missing(&mut self, path: &str) {
        self.missing.insert(normalise(path));
    }

    /// Paths imported or referenced (rules files) by the files so far that are neither added nor
    /// known to be missing.
    pub fn wanted(&self) -> Vec<String> {
        let mut out = BTreeSet::new();
        for file in self.files.values() {
            let imports = file.module.imports.iter().map(|i| &i.path);
            let rules = file.module.rules.iter().map(|r| &r.path);
            for relative in imports.chain(rules) {
                let path = resolve(&file.path, relative);
                if !self.files.contains_key(&path) && !self.missing.contains(&path) {
                    out.insert(path);
                }
            }
        }
        out.into_iter().collect()
    }

    /// A file by path.
    pub fn file(&self, path: &str) -> Option<&SourceFile> {
        self.files.get(&normalise(path))
    }

    /// All files, by path.
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.values()
    }

    /// Runs every check over every file.
    pub fn check(&self) -> Report {
        let mut report = crate::check::check_program(self);
        // One cause, one error: while an imported file cannot be found, the lanes, roles,
        // actions, tables, subflows and signals it would define are not reported as undefined.
        const FROM_IMPORTS: &[&str] = &["E0204", "E0205", "E0206", "E0208", "E0209", "E0210"];
        for file in &mut report.files {
            if let Some(missing) = file.diagnostics.iter_mut().find(|d| d.code == "E0212") {
                let help = "fix the path (relative to this file); until the file is found, the names it would define are not checked";
                // A "did you mean" suggestion says more.
                missing.help.get_or_insert_with(|| help.to_string());
                file.diagnostics.retain(|d| !FROM_IMPORTS.contains(&d.code));
            }
        }
        report
    }
}

/// Reads one file: `.rhai` files are scanned for their function names, others parsed as flows.
fn parse_source(path: &str, bytes: &[u8]) -> SourceFile {
    let path = normalise(path);
    let mut syntax = Vec::new();
    let text = crate::decode::decode(bytes, &mut syntax).into_owned();
    let (module, rhai_functions) = if path.ends_with(".rhai") {
        (Module::default(), Some(rhai_function_names(&text)))
    } else {
        (crate::syntax::parse_text(&text, &mut syntax), None)
    };
    let index = LineIndex::new(&text);
    SourceFile { path, text, index, module, syntax, rhai_functions }
}

/// Names of the functions a Rhai file defines (`fn name(`), without running Rhai.
fn rhai_function_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        let line = line.strip_prefix("private ").unwrap_or(line);
        if let Some(rest) = line.strip_prefix("fn ") {
            let name: String =
                rest.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                names.push(name);
            }
        }
    }
    names
}

/// Normalises `a/./b/../c` to `a/c` and `\` to `/`.
pub(crate) fn normalise(path: &str) -> String {
    let path = path.replace('\\', "/");
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if absolute { format!("/{joined}") } else { joined }
}

/// The path `relative` names when written in the file at `from`.
pub fn resolve(from: &str, relative: &str) -> String {
    if relative.starts_with('/') {
        return normalise(relative);
    }
    match from.rfind('/') {
        Some(slash) => normalise(&format!("{}/{relative}", &from[..slash])),
        None => normalise(relative),
    }
}

/// The findings for one file.
#[derive(Debug, Serialize)]
pub struct FileReport {
    /// The file's path.
    pub path: String,
    /// How many `flow`s (not subflows) it defines.
    pub flows: usize,
    /// Its diagnostics, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// The result of checking a program.
#[derive(Debug, Serialize)]
pub struct Report {
    /// One entry per file, by path.
    pub files: Vec<FileReport>,
}

impl Report {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.files.iter().flat_map(|f| &f.diagnostics).filter(|d| d.is_error()).count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.files.iter().flat_map(|f| &f.diagnostics).filter(|d| !d.is_error()).count()
    }

    /// Number of flows (not subflows) checked.
    pub fn flows(&self) -> usize {
        self.files.iter().map(|f| f.flows).sum()
    }

    /// Every diagnostic rendered for people, file by file, in source order.
    pub fn render(&self, program: &Program) -> String {
        let mut out = String::new();
        for file in &self.files {
            let Some(source) = program.file(&file.path) else {
                continue;
            };
            for d in &file.diagnostics {
                out.push_str(&render(&file.path, &source.text, &source.index, d));
                out.push('\n');
            }
        }
        out
    }

    /// The closing line: `300 flows, 0 errors, 12 warnings`.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        format!(
            "{}, {}, {}",
            plural(self.flows(), "flow"),
            plural(self.errors(), "error"),
            plural(self.warnings(), "warning")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_relative_to_the_importing_file() {
        assert_eq!(resolve("flows/a/x.flow", "../_shared/org.flow"), "flows/_shared/org.flow");
        assert_eq!(resolve("x.flow", "./y.flow"), "y.flow");
        assert_eq!(resolve("/abs/x.flow", "../../y.flow"), "/y.flow");
        assert_eq!(normalise("a\\b\\..\\c"), "a/c");
    }

    #[test]
    fn rhai_functions_are_found() {
        let names = rhai_function_names("// x\nfn area_ok(a) { a }\n  private fn helper() {}\nlet fnx = 1;\n");
        assert_eq!(names, vec!["area_ok", "helper"]);
    }
}
