//! The folders the editor opened, and where a name is written across them: a step or field
//! within its flow, a subflow's field in its flow and in every call that passes it, a shared
//! name (lane, role, signal, action, table, rule, subflow) in every file that reads the file
//! defining it, importers of importers included, and a rule in its `.rhai` file too.

use super::analysis::{self, Overlay};
use junro_engine::dsl::ast::{Flow, StepKind};
use junro_engine::dsl::{Program, Span, resolve_path};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The editor's workspace folders.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    roots: Vec<PathBuf>,
}

impl Workspace {
    /// The folders named by the editor's `initialize` request (`workspaceFolders`, else
    /// `rootUri`); none when it opened single files.
    pub(crate) fn from_initialize(params: &serde_json::Value) -> Workspace {
        let uris = params["workspaceFolders"]
            .as_array()
            .map(|folders| folders.iter().filter_map(|f| f["uri"].as_str()).collect::<Vec<_>>())
            .filter(|uris| !uris.is_empty())
            .or_else(|| params["rootUri"].as_str().map(|u| vec![u]))
            .unwrap_or_default();
        let roots = uris
            .into_iter()
            .filter_map(|u| lsp_types::Url::parse(u).ok()?.to_file_path().ok())
            .filter(|p| p.is_dir())
            .collect();
        Workspace { roots }
    }

    /// Every `.flow` file of the workspace, the file at `path`, and everything they import:
    /// open files as edited, others as saved.
    pub(crate) fn program(&self, path: &str, overlay: &Overlay) -> Program {
        let mut paths = vec![path.to_string()];
        for root in &self.roots {
            flow_files(root, &mut paths);
        }
        paths.sort();
        paths.dedup();
        analysis::program_of(&paths, overlay)
    }
}

/// The `.flow` files under `dir`, skipping hidden folders and build output.
fn flow_files(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                flow_files(&path, out);
            }
        } else if name.ends_with(".flow") {
            out.push(path.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// The files the file at `path` reads: itself, its imports and rules files, and theirs.
fn reach(program: &Program, path: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut next = vec![path.to_string()];
    while let Some(path) = next.pop() {
        let Some(file) = program.file(&path) else { continue };
        if !seen.insert(file.path.clone()) {
            continue;
        }
        let imports = file.module.imports.iter().map(|i| &i.path);
        let rules = file.module.rules.iter().map(|r| &r.path);
        next.extend(imports.chain(rules).map(|relative| resolve_path(&file.path, relative)));
    }
    seen
}

/// The identifiers of `text` outside texts and comments (`#` in flows, `//` and `/* */` in
/// `.rhai` rules), with their spans.
pub(crate) fn identifiers(text: &str, rhai: bool) -> Vec<(Span, &str)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let line_end = |from: usize| text[from..].find('\n').map_or(text.len(), |n| from + n);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'#' if !rhai => i = line_end(i),
            b'/' if rhai && bytes.get(i + 1) == Some(&b'/') => i = line_end(i),
            b'/' if rhai && bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(text.len(), |n| i + 2 + n + 2);
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                out.push((Span::new(start, i), &text[start..i]));
            }
            _ => i += 1,
        }
    }
    out
}

/// The span of a flow's text in its file: from its name to the next flow's name, or the end.
fn flow_text(flows: &[Flow], flow: &Flow, file_len: usize) -> Span {
    let start = flow.name.span.start;
    let end = flows.iter().map(|f| f.name.span.start).filter(|s| *s > start).min().unwrap_or(file_len);
    Span::new(start, end)
}

/// Where `name` is written within the span `within` of the file at `path`.
fn written_in<'p>(program: &'p Program, path: &str, name: &str, within: Span) -> Vec<(&'p str, Span)> {
    let Some(file) = program.file(path) else { return Vec::new() };
    identifiers(&file.text, false)
        .into_iter()
        .filter(|(span, word)| *word == name && span.start >= within.start && span.start < within.end)
        .map(|(span, _)| (file.path.as_str(), span))
        .collect()
}

/// The subflow field a call passes at byte `at` (`in child_field = …`, `out field =
/// child_field`): the subflow's name.
pub(crate) fn passed_field_at(flow: &Flow, at: usize) -> Option<&str> {
    flow.steps.iter().find_map(|step| match &step.kind {
        StepKind::Call(call) => {
            let inputs = call.inputs.iter().map(|(child, _)| child);
            let outputs = call.outputs.iter().map(|(_, child)| child);
            let mut passed = inputs.chain(outputs);
            passed
                .any(|n| n.span.start <= at && at <= n.span.end)
                .then(|| call.flow.as_ref().map(|f| f.text.as_str()))?
        }
        _ => None,
    })
}

/// Every place the field `field` of the subflow `subflow` is written: in the subflow, and in
/// each call to it from a file that reads the subflow's file.
fn subflow_field<'p>(program: &'p Program, subflow: &str, field: &str) -> Option<Vec<(&'p str, Span)>> {
    let (home, flow) = program.files().find_map(|f| {
        let flow = f.module.flows.iter().find(|fl| fl.is_subflow && fl.name.text == subflow)?;
        Some((f, flow))
    })?;
    flow.fields.iter().find(|d| d.name.text == field)?;
    let mut out = written_in(program, &home.path, field, flow_text(&home.module.flows, flow, home.text.len()));
    for file in program.files().filter(|f| reach(program, &f.path).contains(&home.path)) {
        for step in file.module.flows.iter().flat_map(|f| &f.steps) {
            let StepKind::Call(call) = &step.kind else { continue };
            if call.flow.as_ref().is_none_or(|f| f.text != subflow) {
                continue;
            }
            let inputs = call.inputs.iter().map(|(child, _)| child);
            let outputs = call.outputs.iter().map(|(_, child)| child);
            out.extend(inputs.chain(outputs).filter(|n| n.text == field).map(|n| (file.path.as_str(), n.span)));
        }
    }
    Some(out)
}

/// Whether `name` at byte `at` is a step or field written only within its flow (not a
/// subflow's field, which calls pass): its places are found without the workspace.
pub(crate) fn within_flow(program: &Program, path: &str, name: &str, at: usize) -> bool {
    let Some(flow) = program.file(path).and_then(|f| analysis::flow_at(&f.module, at)) else { return false };
    passed_field_at(flow, at).is_none()
        && (flow.steps.iter().any(|s| s.name.text == name)
            || (!flow.is_subflow && flow.fields.iter().any(|d| d.name.text == name)))
}

/// Every place `name` (at byte `at` of the file at `path`) is written across `program` (the
/// workspace), as (path, span); `None` when the name is defined nowhere.
pub(crate) fn references<'p>(program: &'p Program, path: &str, name: &str, at: usize) -> Option<Vec<(&'p str, Span)>> {
    let file = program.file(path)?;
    if let Some(flow) = analysis::flow_at(&file.module, at) {
        if let Some(subflow) = passed_field_at(flow, at) {
            return subflow_field(program, subflow, name);
        }
        if flow.is_subflow && flow.fields.iter().any(|d| d.name.text == name) {
            return subflow_field(program, &flow.name.text, name);
        }
        if flow.steps.iter().any(|s| s.name.text == name) || flow.fields.iter().any(|d| d.name.text == name) {
            return Some(written_in(program, path, name, flow_text(&file.module.flows, flow, file.text.len())));
        }
    }
    let home = analysis::definition(program, path, name, at)?.path;
    let mut out = Vec::new();
    for file in program.files().filter(|f| reach(program, &f.path).contains(home)) {
        // A flow's own step or field of the same name is another thing.
        let shadowed: Vec<Span> = file
            .module
            .flows
            .iter()
            .filter(|f| f.steps.iter().any(|s| s.name.text == name) || f.fields.iter().any(|d| d.name.text == name))
            .map(|f| flow_text(&file.module.flows, f, file.text.len()))
            .collect();
        let rhai = file.rhai_functions.is_some();
        out.extend(
            identifiers(&file.text, rhai)
                .into_iter()
                .filter(|(span, w)| *w == name && !shadowed.iter().any(|s| s.start <= span.start && span.start < s.end))
                .map(|(span, _)| (file.path.as_str(), span)),
        );
    }
    Some(out)
}
