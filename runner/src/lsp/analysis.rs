//! What the language server knows about a `.flow` file: the program it belongs to (the file
//! and everything it imports, open editors' texts first, then the disk), its diagnostics as
//! `junro check` gives them, and the names in it: where each is defined, what it is (for
//! hover), which fit where the cursor is (completion), and the file's outline.

use junro_engine::dsl::Span;
use junro_engine::dsl::ast::{Field, Flow, Module, Step, StepKind, Type};
use junro_engine::dsl::graph::duration_text;
use junro_engine::dsl::{Diagnostic, Severity};
use junro_engine::dsl::{Program, SourceFile};
use lsp_types as lsp;
use std::collections::BTreeMap;

/// The texts of the files open in the editor, by path.
pub(crate) type Overlay = BTreeMap<String, String>;

/// The program of the file at `path`: it, then what it imports (open files as edited, others
/// as saved), checked together.
pub(crate) fn program(path: &str, overlay: &Overlay) -> Program {
    program_of(&[path.to_string()], overlay)
}

/// The program of the files at `paths` and everything they import.
pub(crate) fn program_of(paths: &[String], overlay: &Overlay) -> Program {
    let mut program = Program::new();
    let read = |p: &str| overlay.get(p).map(|t| t.clone().into_bytes()).or_else(|| std::fs::read(p).ok());
    let mut found = Vec::new();
    for path in paths {
        match read(path) {
            Some(bytes) => found.push((path.clone(), bytes)),
            None => program.mark_missing(path),
        }
    }
    program.add_all(&found);
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
    let start = text[..at].trim_end_matches(is_word).len();
    let end = text[at..].find(|c: char| !is_word(c)).map_or(text.len(), |i| at + i);
    (end > start).then(|| (text[start..end].to_string(), Span::new(start, end)))
}

/// A name defined somewhere in the program.
pub(crate) struct Definition<'p> {
    pub(crate) path: &'p str,
    pub(crate) span: Span,
    /// What it is, for hover: `task intake "受付" — lane front, role operator, sla 1h`.
    pub(crate) summary: String,
    /// A step or field (named within its flow), not a name shared by files.
    pub(crate) local: bool,
    /// What its author wrote about it (a rule's comment), as prose.
    pub(crate) doc: String,
}

/// The flow of `module` whose text holds byte `at`.
pub(crate) fn flow_at(module: &Module, at: usize) -> Option<&Flow> {
    // A flow runs from its name to the next flow's (or the end).
    let mut flows: Vec<&Flow> = module.flows.iter().collect();
    flows.sort_by_key(|f| f.name.span.start);
    flows.into_iter().rev().find(|f| f.name.span.start <= at)
}

pub(crate) fn type_text(ty: &Type) -> String {
    match ty {
        Type::Enum(values) => format!("enum({})", values.join(", ")),
        Type::List(inner) => format!("list of {}", type_text(inner)),
        other => format!("{other:?}").to_lowercase(),
    }
}

fn label_text(label: Option<&str>) -> String {
    label.map(|l| format!(" \"{l}\"")).unwrap_or_default()
}

pub(crate) fn step_summary(step: &Step) -> String {
    let mut out = format!("{} {}{}", step.keyword(), step.name.text, label_text(step.label.as_deref()));
    if let StepKind::Task(task) = &step.kind {
        let mut parts = Vec::new();
        if let Some(lane) = &task.lane {
            parts.push(format!("lane {}", lane.text));
        }
        if let Some(role) = &task.role {
            parts.push(format!("role {}", role.text));
        }
        if let Some(sla) = &task.sla {
            parts.push(format!("sla {}", duration_text(sla.seconds)));
        }
        if !parts.is_empty() {
            out.push_str(" — ");
            out.push_str(&parts.join(", "));
        }
    }
    out
}

/// `field plan "プラン" enum(basic, premium) required min 1`.
pub(crate) fn field_summary(field: &Field, text: &str) -> String {
    let mut out = format!("field {}{} {}", field.name.text, label_text(field.label.as_deref()), type_text(&field.ty));
    if field.required {
        out.push_str(" required");
    }
    let literal = |l: &junro_engine::dsl::ast::Literal| text.get(l.span.start..l.span.end).unwrap_or("").to_string();
    for (word, value) in [("=", &field.default), ("min", &field.min), ("max", &field.max), ("pattern", &field.pattern)]
    {
        if let Some(value) = value {
            out.push_str(&format!(" {word} {}", literal(value)));
        }
    }
    if let Some(length) = field.max_len {
        out.push_str(&format!(" max_len {length}"));
    }
    out
}

/// `subflow construction "工事" — fields: address (required), construction_date`.
fn flow_summary(flow: &Flow) -> String {
    let what = if flow.is_subflow { "subflow" } else { "flow" };
    let mut out = format!("{what} {}{}", flow.name.text, label_text(flow.label.as_deref()));
    if flow.is_subflow && !flow.fields.is_empty() {
        let fields: Vec<String> = flow
            .fields
            .iter()
            .map(|f| if f.required { format!("{} (required)", f.name.text) } else { f.name.text.clone() })
            .collect();
        out.push_str(&format!(" — fields: {}", fields.join(", ")));
    }
    out
}

/// A rule's function in its `.rhai` file: the span of its name, its parameters, and the
/// `//` comment lines just above it.
fn rhai_function(text: &str, name: &str) -> Option<(Span, String, Vec<String>)> {
    let mut from = 0;
    while let Some(found) = text[from..].find("fn ") {
        let at = from + found;
        from = at + 3;
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let rest = text[at + 3..].trim_start();
        let start = text.len() - rest.len();
        if !text[line_start..at].trim().is_empty() && text[line_start..at].trim() != "private" {
            continue;
        }
        if !rest.strip_prefix(name).is_some_and(|after| after.trim_start().starts_with('(')) {
            continue;
        }
        let open = start + rest.find('(')?;
        let close = open + text[open..].find(')')?;
        let params = text[open + 1..close].split_whitespace().collect::<Vec<_>>().join(" ");
        let mut doc: Vec<String> = text[..line_start]
            .lines()
            .rev()
            .map_while(|l| l.trim().strip_prefix("//").map(|c| c.trim().to_string()))
            .collect();
        doc.reverse();
        return Some((Span::new(start, start + name.len()), params, doc));
    }
    None
}

/// Where the rule `name` declared in `source` is written: its function in the `.rhai` file,
/// with its signature, comment and examples; else its line in the `rules` block.
fn rule<'p>(program: &'p Program, source: &'p SourceFile, name: &str) -> Option<Definition<'p>> {
    let (decl, sig) =
        source.module.rules.iter().find_map(|r| Some((r, r.rules.iter().find(|s| s.name.text == name)?)))?;
    let returns = type_text(&sig.ty);
    let examples: Vec<String> = decl
        .examples
        .iter()
        .filter(|e| e.rule.text == name)
        .map(|e| source.text[e.span.start..e.span.end].trim().to_string())
        .collect();
    let with_examples = |mut summary: String| {
        if !examples.is_empty() {
            summary.push('\n');
            summary.push_str(&examples.join("\n"));
        }
        summary
    };
    let rhai = program.file(&junro_engine::dsl::resolve_path(&source.path, &decl.path));
    if let Some((file, (span, params, doc))) = rhai.and_then(|f| Some((f, rhai_function(&f.text, name)?))) {
        let summary = with_examples(format!("fn {name}({params}) -> {returns}"));
        return Some(Definition { path: &file.path, span, summary, local: false, doc: doc.join(" ") });
    }
    let summary = with_examples(format!("rule {name} -> {returns}"));
    Some(Definition { path: &source.path, span: sig.name.span, summary, local: false, doc: String::new() })
}

/// A rule's parameters (from its `fn` in the `.rhai` file), its declared result type and its
/// comment, wherever in the program it is declared.
pub(crate) fn rule_signature(program: &Program, name: &str) -> Option<(Vec<String>, String, String)> {
    program.files().find_map(|source| {
        let (decl, sig) =
            source.module.rules.iter().find_map(|r| Some((r, r.rules.iter().find(|s| s.name.text == name)?)))?;
        let rhai = program.file(&junro_engine::dsl::resolve_path(&source.path, &decl.path))?;
        let (_, params, doc) = rhai_function(&rhai.text, name)?;
        let params = params.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect();
        Some((params, type_text(&sig.ty), doc.join(" ")))
    })
}

/// The file an `import` or `rules` path at byte `at` names: its start, and what it holds.
fn imported_file<'p>(program: &'p Program, file: &SourceFile, at: usize) -> Option<Definition<'p>> {
    let imports = file.module.imports.iter().map(|i| (&i.path, i.span));
    let rules = file.module.rules.iter().map(|r| (&r.path, r.path_span));
    let (relative, _) = imports.chain(rules).find(|(_, span)| span.start <= at && at < span.end)?;
    let target = program.file(&junro_engine::dsl::resolve_path(&file.path, relative))?;
    let m = &target.module;
    let summary = match &target.rhai_functions {
        Some(functions) => format!("{relative}: rules {}", functions.join(", ")),
        None => {
            let counts = [
                (m.flows.len(), "flows"),
                (m.lanes.len(), "lanes"),
                (m.roles.len(), "roles"),
                (m.signals.len(), "signals"),
                (m.actions.len(), "actions"),
                (m.tables.len(), "tables"),
            ];
            let held: Vec<String> =
                counts.iter().filter(|(n, _)| *n > 0).map(|(n, what)| format!("{n} {what}")).collect();
            format!("{relative}: {}", held.join(", "))
        }
    };
    Some(Definition { path: &target.path, span: Span::new(0, 0), summary, local: false, doc: String::new() })
}

/// Where `name` (used at byte `at` of the file at `path`) is defined: a step or field of the
/// flow around it (a subflow's field where a call passes it), else a lane, role, signal,
/// action, table, rule (its function in the `.rhai` file) or (sub)flow of any file of the
/// program.
pub(crate) fn definition<'p>(program: &'p Program, path: &'p str, name: &str, at: usize) -> Option<Definition<'p>> {
    let file = program.file(path)?;
    if let Some(found) = imported_file(program, file, at) {
        return Some(found);
    }
    if let Some(flow) = flow_at(&file.module, at) {
        if let Some(subflow) = super::workspace::passed_field_at(flow, at) {
            let (home, field) = program.files().find_map(|f| {
                let called = f.module.flows.iter().find(|fl| fl.is_subflow && fl.name.text == subflow)?;
                Some((f, called.fields.iter().find(|d| d.name.text == name)?))
            })?;
            let summary = field_summary(field, &home.text);
            return Some(Definition {
                path: &home.path,
                span: field.name.span,
                summary,
                local: true,
                doc: String::new(),
            });
        }
        if let Some(step) = flow.steps.iter().find(|s| s.name.text == name) {
            return Some(Definition {
                path,
                span: step.name.span,
                summary: step_summary(step),
                local: true,
                doc: String::new(),
            });
        }
        if let Some(field) = flow.fields.iter().find(|f| f.name.text == name) {
            let summary = field_summary(field, &file.text);
            return Some(Definition { path, span: field.name.span, summary, local: true, doc: String::new() });
        }
    }
    for source in program.files() {
        let m = &source.module;
        let path = source.path.as_str();
        let found =
            |span: Span, summary: String| Some(Definition { path, span, summary, local: false, doc: String::new() });
        if let Some(d) = m.lanes.iter().find(|d| d.name.text == name) {
            let kind = format!("{:?}", d.kind).to_lowercase();
            return found(d.name.span, format!("lane {name}{} {kind}", label_text(d.label.as_deref())));
        }
        if let Some(d) = m.roles.iter().find(|d| d.name.text == name) {
            return found(d.name.span, format!("role {name}{}", label_text(d.label.as_deref())));
        }
        if let Some(d) = m.signals.iter().find(|d| d.name.text == name) {
            let customer = if d.customer_wait { " customer" } else { "" };
            let correlate = d.correlate.as_ref().map(|c| format!(" correlate on {}", c.text)).unwrap_or_default();
            return found(d.name.span, format!("signal {name}{}{customer}{correlate}", label_text(d.label.as_deref())));
        }
        if let Some(d) = m.actions.iter().find(|d| d.name.text == name) {
            return found(d.name.span, format!("action {name}{}", label_text(d.label.as_deref())));
        }
        if let Some(d) = m.tables.iter().find(|d| d.name.text == name) {
            let names =
                |n: &[junro_engine::dsl::ast::Name]| n.iter().map(|n| n.text.as_str()).collect::<Vec<_>>().join(", ");
            let summary = format!(
                "table {name}{} — in {}; out {}; {} rows",
                label_text(d.label.as_deref()),
                names(&d.inputs),
                names(&d.outputs),
                d.rows.len()
            );
            return found(d.name.span, summary);
        }
        if m.rules.iter().any(|r| r.rules.iter().any(|s| s.name.text == name)) {
            return rule(program, source, name);
        }
        if let Some(f) = m.flows.iter().find(|f| f.name.text == name) {
            return found(f.name.span, flow_summary(f));
        }
    }
    None
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
