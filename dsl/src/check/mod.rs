//! Static checks of a [`Program`]: imports and their cycles, what each file can see (its scope),
//! duplicate and undefined names, types in expressions, the flow graph, and scenarios.
//!
//! Checks never stop at the first problem: each one reports and goes on, and a name that failed
//! to parse is remembered so that uses of it do not cause a second, misleading error.

mod examples;
mod expr;
mod flow;
mod graph;
mod scenario;
mod scope;
mod steps;
mod table_cover;

pub use scope::Scope;

use crate::diagnostic::Diagnostic;
use crate::program::{FileReport, Program, Report, resolve};
use crate::suggest::closest;
use std::collections::{BTreeMap, BTreeSet};

/// Runs every check over every file of `program`.
pub(crate) fn check_program(program: &Program) -> Report {
    // Flow ids are unique across the program: the only check that spans files, done first.
    let mut first_file: BTreeMap<&str, &str> = BTreeMap::new();
    let mut duplicates: BTreeMap<&str, Vec<Diagnostic>> = BTreeMap::new();
    for file in program.files.values() {
        for f in &file.module.flows {
            if let Some(first) = first_file.insert(&f.name.text, &file.path) {
                let message = if first == file.path {
                    format!("flow `{}` is defined twice in this file", f.name.text)
                } else {
                    format!("flow `{}` is also defined in {first}", f.name.text)
                };
                duplicates.entry(&file.path).or_default().push(
                    Diagnostic::error("E0202", f.name.span, message)
                        .with_help("flow ids are unique across all deployed files; rename one"),
                );
            }
        }
    }
    let files: Vec<&crate::program::SourceFile> = program.files.values().collect();
    let files = crate::parallel::map(&files, |file| {
        let mut out = file.syntax.clone();
        out.extend(duplicates.get(file.path.as_str()).cloned().unwrap_or_default());
        if file.rhai_functions.is_none() {
            imports(program, &file.path, &mut out);
            let scope = Scope::build(program, &file.path, &mut out);
            rules_files(program, file, &mut out);
            for table in &file.module.tables {
                steps::table_shape(table, &mut out);
                examples::table_examples(table, &mut out);
                table_cover::of_table(program, table, &mut out);
            }
            for decl in &file.module.rules {
                examples::rule_examples(decl, &mut out);
            }
            for f in &file.module.flows {
                flow::check_flow(f, &scope, &mut out);
            }
        }
        out.sort_by_key(|d| (d.span.start, d.code));
        out.dedup();
        let flows = file.module.flows.iter().filter(|f| !f.is_subflow).count();
        FileReport { path: file.path.clone(), flows, diagnostics: out }
    });
    Report { files }
}

/// Import statements: the file exists, and no import leads back to the importing file.
fn imports(program: &Program, path: &str, out: &mut Vec<Diagnostic>) {
    let Some(file) = program.files.get(path) else {
        return;
    };
    for import in &file.module.imports {
        let target = resolve(path, &import.path);
        if !program.files.contains_key(&target) {
            let known = program.files.keys().map(String::as_str);
            let wrong_name = target.rsplit('/').next().unwrap_or(&target);
            let near = closest(&target, known).map(|p| p.to_string()).or_else(|| {
                let siblings = program.files.keys().filter(|k| k.rsplit('/').next() != Some(wrong_name));
                siblings.map(String::as_str).find(|k| k.ends_with(wrong_name)).map(str::to_string)
            });
            out.push(
                Diagnostic::error("E0212", import.span, format!("cannot find the imported file `{}`", import.path))
                    .with_label(format!("looked for {target}"))
                    .with_help_opt(near.map(|n| format!("did you mean {n}?"))),
            );
            continue;
        }
        if let Some(cycle) = path_back(program, &target, path) {
            let mut names = vec![path.to_string()];
            names.extend(cycle);
            out.push(
                Diagnostic::error("E0213", import.span, format!("this import forms a cycle: {}", names.join(" → ")))
                    .with_help("move what both files need into a third file that both import"),
            );
        }
    }
}

/// The chain of imports from `from` back to `to`, if there is one.
fn path_back(program: &Program, from: &str, to: &str) -> Option<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![(from.to_string(), vec![from.to_string()])];
    while let Some((path, chain)) = stack.pop() {
        if path == to {
            return Some(chain);
        }
        if !seen.insert(path.clone()) {
            continue;
        }
        let Some(file) = program.files.get(&path) else {
            continue;
        };
        for import in &file.module.imports {
            let next = resolve(&path, &import.path);
            let mut longer = chain.clone();
            longer.push(next.clone());
            stack.push((next, longer));
        }
    }
    None
}

/// `rules "x.rhai" { … }`: the file exists and defines every declared rule.
fn rules_files(program: &Program, file: &crate::program::SourceFile, out: &mut Vec<Diagnostic>) {
    for decl in &file.module.rules {
        let target = resolve(&file.path, &decl.path);
        match program.files.get(&target).and_then(|f| f.rhai_functions.as_ref()) {
            None => out.push(
                Diagnostic::error("E0214", decl.path_span, format!("cannot find the rules file `{}`", decl.path))
                    .with_label(format!("looked for {target}")),
            ),
            Some(functions) => {
                for rule in &decl.rules {
                    if !functions.contains(&rule.name.text) {
                        let near = closest(&rule.name.text, functions.iter().map(String::as_str));
                        out.push(
                            Diagnostic::error(
                                "E0214",
                                rule.name.span,
                                format!("rule `{}` is not defined in {}", rule.name.text, decl.path),
                            )
                            .with_help(match near {
                                Some(n) => format!("did you mean `{n}`?"),
                                None => format!("add `fn {}(…) {{ … }}` to {}", rule.name.text, decl.path),
                            }),
                        );
                    }
                }
            }
        }
    }
}
