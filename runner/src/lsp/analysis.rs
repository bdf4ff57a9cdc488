//! What the language server knows about a `.flow` file: the program it belongs to (the file
//! and everything it imports, open editors' texts first, then the disk), its diagnostics as
//! `junro check` gives them, and the names in it: where each is defined, what it is (for
//! hover), which fit where the cursor is (completion), and the file's outline.

use junro_engine::dsl::Program;
use junro_engine::dsl::Span;
use junro_engine::dsl::ast::{Flow, Module, Step, StepKind, Type};
use junro_engine::dsl::{Diagnostic, Severity};
use lsp_types as lsp;
use std::collections::BTreeMap;

/// The texts of the files open in the editor, by path.
pub(crate) type Overlay = BTreeMap<String, String>;

/// The program of the file at `path`: it, then what it imports (open files as edited, others
/// as saved), checked together.
pub(crate) fn program(path: &str, overlay: &Overlay) -> Program {
    let mut program = Program::new();
    let read = |p: &str| overlay.get(p).map(|t| t.clone().into_bytes()).or_else(|| std::fs::read(p).ok());
    match read(path) {
        Some(bytes) => program.add(path, &bytes),
        None => program.mark_missing(path),
    }
    // Imports of imports, until none is wanted (a missing one is reported by the check).
    for _ in 0..64 {
        let wanted = program.wanted();
        if wanted.is_empty() {
            break;
        }
        for want in wanted {
            match read(want.as_str()) {
                Some(bytes) => program.add(want.as_str(), &bytes),
                None => program.mark_missing(want.as_str()),
            }
        }
    }
    program
}

/// The LSP position of byte `offset` of `text` (lines from 0, columns in UTF-16 units).
pub(crate) fn position(text: &str, offset: usize) -> lsp::Position {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.bytes().filter(|b| *b == b'\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before[start..].encode_utf16().count();
    lsp::Position::new(u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(character).unwrap_or(u32::MAX))
}

/// The byte offset of an LSP position in `text`.
pub(crate) fn offset(text: &str, at: lsp::Position) -> usize {
    let mut line_start = 0;
    for _ in 0..at.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line = &text[line_start..];
    let mut units = 0;
    for (i, c) in line.char_indices() {
        if units >= at.character as usize || c == '\n' {
            return line_start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

pub(crate) fn range(text: &str, span: Span) -> lsp::Range {
    lsp::Range::new(position(text, span.start), position(text, span.end))
}

/// The file's diagnostics as the editor shows them: code, message, and the help after it.
pub(crate) fn diagnostics(program: &Program, path: &str) -> Vec<lsp::Diagnostic> {
    let Some(file) = program.file(path) else { return Vec::new() };
    // As `junro check` does: the flows' checks, and the rules files compiled.
    let report = junro_engine::source::check(program);
    let Some(found) = report.files.iter().find(|f| f.path == path) else { return Vec::new() };
    found.diagnostics.iter().map(|d| diagnostic(&file.text, d)).collect()
}

fn diagnostic(text: &str, d: &Diagnostic) -> lsp::Diagnostic {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    lsp::Diagnostic {
        range: range(text, d.span),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        source: Some("junro".into()),
        message,
        ..lsp::Diagnostic::default()
    }
}

/// The identifier under byte `at` of `text`, with its span.
pub(crate) fn word_at(text: &str, at: usize) -> Option<(String, Span)> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let at = text.floor_char_boundary(at.min(text.len()));
    let start = text[..at].rfind(|c: char| !is_word(c)).map_or(0, |i| i + 1);
    let end = text[at..].find(|c: char| !is_word(c)).map_or(text.len(), |i| at + i);
    (end > start).then(|| (text[start..end].to_string(), Span::new(start, end)))
}

/// A name defined somewhere in the program.
pub(crate) struct Definition<'p> {
    pub(crate) path: &'p str,
    pub(crate) span: Span,
    /// What it is, for hover: `task intake "受付" — lane front, role operator, sla 1h`.
    pub(crate) summary: String,
}

/// The flow of `module` whose text holds byte `at`.
fn flow_at(module: &Module, at: usize) -> Option<&Flow> {
    // A flow runs from its name to the next flow's (or the end).
    let mut flows: Vec<&Flow> = module.flows.iter().collect();
    flows.sort_by_key(|f| f.name.span.start);
    flows.into_iter().rev().find(|f| f.name.span.start <= at)
}

fn type_text(ty: &Type) -> String {
    match ty {
        Type::Enum(values) => format!("enum({})", values.join(", ")),
        Type::List(inner) => format!("list of {}", type_text(inner)),
        other => format!("{other:?}").to_lowercase(),
    }
}

fn step_summary(step: &Step) -> String {
    let label = step.label.as_deref().map(|l| format!(" \"{l}\"")).unwrap_or_default();
    let mut out = format!("{} {}{label}", step.keyword(), step.name.text);
    if let StepKind::Task(task) = &step.kind {
        let mut parts = Vec::new();
        if let Some(lane) = &task.lane {
            parts.push(format!("lane {}", lane.text));
        }
        if let Some(role) = &task.role {
            parts.push(format!("role {}", role.text));
        }
        if let Some(sla) = &task.sla {
            parts.push(format!("sla {} s", sla.seconds));
        }
        if !parts.is_empty() {
            out.push_str(" — ");
            out.push_str(&parts.join(", "));
        }
    }
    out
}

/// Where `name` (used at byte `at` of the file at `path`) is defined: a step or field of the
/// flow around it, else a lane, role, signal, action, table, rule or (sub)flow of any file of
/// the program.
pub(crate) fn definition<'p>(program: &'p Program, path: &'p str, name: &str, at: usize) -> Option<Definition<'p>> {
    let file = program.file(path)?;
    if let Some(flow) = flow_at(&file.module, at) {
        if let Some(step) = flow.steps.iter().find(|s| s.name.text == name) {
            return Some(Definition { path, span: step.name.span, summary: step_summary(step) });
        }
        if let Some(field) = flow.fields.iter().find(|f| f.name.text == name) {
            let label = field.label.as_deref().map(|l| format!(" \"{l}\"")).unwrap_or_default();
            let required = if field.required { " required" } else { "" };
            let summary = format!("field {}{label} {}{required}", field.name.text, type_text(&field.ty));
            return Some(Definition { path, span: field.name.span, summary });
        }
    }
    for source in program.files() {
        let m = &source.module;
        let path = source.path.as_str();
        let found = m
            .lanes
            .iter()
            .map(|d| (&d.name, "lane"))
            .chain(m.roles.iter().map(|d| (&d.name, "role")))
            .chain(m.signals.iter().map(|d| (&d.name, "signal")))
            .chain(m.actions.iter().map(|d| (&d.name, "action")))
            .chain(m.tables.iter().map(|d| (&d.name, "table")))
            .chain(m.rules.iter().flat_map(|r| r.rules.iter().map(|s| (&s.name, "rule"))))
            .chain(m.flows.iter().map(|f| (&f.name, if f.is_subflow { "subflow" } else { "flow" })))
            .find(|(n, _)| n.text == name);
        if let Some((n, what)) = found {
            return Some(Definition { path, span: n.span, summary: format!("{what} {}", n.text) });
        }
    }
    None
}

/// The names that fit at byte `at` of the file: steps after `->`, roles after `role`, lanes
/// after `lane`, a field's enum values after `==`, else the flow's fields and steps.
pub(crate) fn completions(program: &Program, path: &str, at: usize) -> Vec<lsp::CompletionItem> {
    let Some(file) = program.file(path) else { return Vec::new() };
    let text = &file.text;
    let at = text.floor_char_boundary(at.min(text.len()));
    let line = &text[text[..at].rfind('\n').map_or(0, |i| i + 1)..at];
    let before = line.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_').trim_end();
    let item = |label: &str, kind: lsp::CompletionItemKind, detail: String| lsp::CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail),
        ..lsp::CompletionItem::default()
    };
    let flow = flow_at(&file.module, at);
    let everywhere = |pick: &dyn Fn(&Module) -> Vec<(String, String)>| -> Vec<(String, String)> {
        program.files().flat_map(|f| pick(&f.module)).collect()
    };
    if before.ends_with("->") {
        return flow.map_or_else(Vec::new, |f| {
            f.steps.iter().map(|s| item(&s.name.text, lsp::CompletionItemKind::FUNCTION, step_summary(s))).collect()
        });
    }
    if before.ends_with("role") {
        let roles = everywhere(&|m| {
            m.roles.iter().map(|r| (r.name.text.clone(), r.label.clone().unwrap_or_default())).collect()
        });
        return roles.into_iter().map(|(n, l)| item(&n, lsp::CompletionItemKind::CLASS, l)).collect();
    }
    if before.ends_with("lane") {
        let lanes = everywhere(&|m| {
            m.lanes.iter().map(|r| (r.name.text.clone(), r.label.clone().unwrap_or_default())).collect()
        });
        return lanes.into_iter().map(|(n, l)| item(&n, lsp::CompletionItemKind::CLASS, l)).collect();
    }
    let Some(flow) = flow else { return Vec::new() };
    if let Some(compared) = before.strip_suffix("==").or_else(|| before.strip_suffix("== \"")).map(str::trim_end) {
        let field = compared.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("");
        if let Some(Type::Enum(values)) = flow.fields.iter().find(|f| f.name.text == field).map(|f| &f.ty) {
            return values
                .iter()
                .map(|v| lsp::CompletionItem {
                    insert_text: Some(format!("\"{v}\"")),
                    ..item(v, lsp::CompletionItemKind::ENUM_MEMBER, format!("a value of {field}"))
                })
                .collect();
        }
    }
    let fields = flow.fields.iter().map(|f| {
        let label = f.label.clone().unwrap_or_default();
        item(&f.name.text, lsp::CompletionItemKind::FIELD, format!("{label} {}", type_text(&f.ty)))
    });
    fields
        .chain(flow.steps.iter().map(|s| item(&s.name.text, lsp::CompletionItemKind::FUNCTION, step_summary(s))))
        .collect()
}

/// The file's outline: each flow with its fields and steps.
#[allow(deprecated, reason = "DocumentSymbol's `deprecated` field must still be written")]
pub(crate) fn symbols(text: &str, module: &Module) -> Vec<lsp::DocumentSymbol> {
    let symbol = |name: &str, detail: Option<String>, kind, span: Span, children: Option<Vec<lsp::DocumentSymbol>>| {
        lsp::DocumentSymbol {
            name: name.to_string(),
            detail,
            kind,
            tags: None,
            deprecated: None,
            range: range(text, span),
            selection_range: range(text, span),
            children,
        }
    };
    module
        .flows
        .iter()
        .map(|f| {
            let fields = f
                .fields
                .iter()
                .map(|d| symbol(&d.name.text, d.label.clone(), lsp::SymbolKind::FIELD, d.name.span, None));
            let steps =
                f.steps.iter().map(|s| symbol(&s.name.text, s.label.clone(), lsp::SymbolKind::FUNCTION, s.span, None));
            let kind = if f.is_subflow { lsp::SymbolKind::MODULE } else { lsp::SymbolKind::CLASS };
            symbol(&f.name.text, f.label.clone(), kind, f.name.span, Some(fields.chain(steps).collect()))
        })
        .collect()
}

/// The identifiers of `text` outside texts and comments, with their spans.
fn identifiers(text: &str) -> Vec<(Span, &str)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
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

/// Every place `name` (at byte `at` of the file at `path`) is written, as (path, span): within
/// its flow for a step or field, in every file of the program for a lane, role, signal,
/// action, table, rule or subflow. `None` when the name is defined nowhere.
pub(crate) fn references<'p>(
    program: &'p Program,
    path: &'p str,
    name: &str,
    at: usize,
) -> Option<Vec<(&'p str, Span)>> {
    let file = program.file(path)?;
    let local = flow_at(&file.module, at)
        .filter(|f| f.steps.iter().any(|s| s.name.text == name) || f.fields.iter().any(|d| d.name.text == name));
    if let Some(flow) = local {
        // The flow's text runs from its name to the next flow's, or the end of the file.
        let start = flow.name.span.start;
        let end =
            file.module.flows.iter().map(|f| f.name.span.start).filter(|s| *s > start).min().unwrap_or(file.text.len());
        return Some(
            identifiers(&file.text)
                .into_iter()
                .filter(|(span, word)| *word == name && span.start >= start && span.start < end)
                .map(|(span, _)| (path, span))
                .collect(),
        );
    }
    definition(program, path, name, at)?;
    Some(
        program
            .files()
            .flat_map(|f| {
                identifiers(&f.text)
                    .into_iter()
                    .filter(|(_, word)| *word == name)
                    .map(move |(span, _)| (f.path.as_str(), span))
            })
            .collect(),
    )
}
