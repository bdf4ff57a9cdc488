//! Diagnostics as data (code, severity, message, span, label, help) and the one function that
//! renders them for people: `path:line:col: error[E0201]: message`, the source line, a caret
//! under the span, and a help line.

use crate::span::{LineIndex, Span, clamp_to_char_boundary};
use serde::Serialize;
use std::fmt::Write as _;
use unicode_width::UnicodeWidthStr;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The flow cannot be deployed.
    Error,
    /// The flow works, but something looks unintended.
    Warning,
}

/// One finding about a source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code, such as `E0201`; documented in `docs/language.md`.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// One sentence saying what is wrong.
    pub message: String,
    /// Where.
    pub span: Span,
    /// A short note printed under the caret.
    pub label: Option<String>,
    /// A likely fix.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic { code, severity: Severity::Error, message: message.into(), span, label: None, help: None }
    }

    /// A warning.
    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic { code, severity: Severity::Warning, message: message.into(), span, label: None, help: None }
    }

    /// Adds a note under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a help line when there is one.
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Renders one diagnostic of the file at `path` whose text is `source`.
///
/// `source` may be a lossy decoding of the file's bytes; spans are clamped to it.
pub fn render(path: &str, source: &str, index: &LineIndex, diagnostic: &Diagnostic) -> String {
    let start = clamp_to_char_boundary(source, diagnostic.span.start);
    let end = clamp_to_char_boundary(source, diagnostic.span.end.max(start));
    let (line, col) = index.line_col(source, start);
    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = String::new();
    let _ = writeln!(out, "{path}:{line}:{col}: {severity}[{}]: {}", diagnostic.code, diagnostic.message);

    let line_start = index.line_start(line - 1);
    let line_end = source[line_start..].find('\n').map_or(source.len(), |i| line_start + i);
    let text = source[line_start..line_end].trim_end_matches('\r');
    let shown = text.replace('\t', "    ");
    let number = line.to_string();
    let gutter = " ".repeat(number.len());
    // The caret is placed by display width, so it stays under the right character when the line
    // holds wide (Japanese) characters or tabs.
    let before = source[line_start..start].replace('\t', "    ");
    let underlined_end = end.min(line_start + text.len()).max(start);
    let underlined = source[start..underlined_end].replace('\t', "    ");
    let pad = UnicodeWidthStr::width(before.as_str());
    let carets = UnicodeWidthStr::width(underlined.as_str()).max(1);
    let _ = writeln!(out, "{gutter} |");
    let _ = writeln!(out, "{number} | {shown}");
    let label = diagnostic.label.as_deref().map(|l| format!(" {l}")).unwrap_or_default();
    let _ = writeln!(out, "{gutter} | {}{}{label}", " ".repeat(pad), "^".repeat(carets));
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(out, "{gutter} = help: {help}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_snippet_caret_and_help() {
        let source = "flow a {\n  -> reveiw\n}\n";
        let at = source.find("reveiw").expect("present");
        let d = Diagnostic::error("E0201", Span::new(at, at + 6), "no step named `reveiw` in flow `a`")
            .with_label("not defined")
            .with_help("did you mean `review`?");
        let text = render("x.flow", source, &LineIndex::new(source), &d);
        assert_eq!(
            text,
            "x.flow:2:6: error[E0201]: no step named `reveiw` in flow `a`\n  |\n2 |   -> reveiw\n  |      ^^^^^^ not defined\n  = help: did you mean `review`?\n"
        );
    }

    #[test]
    fn caret_is_aligned_after_wide_characters() {
        let source = "task 受付 x\n";
        let at = source.find('x').expect("present");
        let d = Diagnostic::error("E0101", Span::new(at, at + 1), "m");
        let text = render("f", source, &LineIndex::new(source), &d);
        let lines: Vec<&str> = text.lines().collect();
        // "task " is 5 columns, "受付" is 4, the space 1: the caret sits at column 10.
        assert_eq!(lines[3], format!("  | {}^", " ".repeat(10)));
    }
}
