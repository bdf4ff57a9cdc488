//! The canonical layout used by `junro fmt`: one setting per line, two-space indentation, single
//! spaces between tokens, at most one blank line, comments kept where they were (on their own
//! line before the next item, or at the end of the line they followed).
//!
//! The item structure comes from the parse tree (which settings a block holds); the spacing of
//! each line comes from a small lexer over that setting's text.

use super::{FlowGrammar, Pair, Rule};
use crate::chunk::{self, Chunk};
use crate::span::Span;
use pest::Parser;

/// One output line before comments are merged in.
struct Line {
    indent: usize,
    text: String,
    /// Where the construct starts in the source (comments are placed relative to it).
    start: usize,
}

/// Formats `text`, or `None` when some item does not parse.
pub(crate) fn layout(text: &str) -> Option<String> {
    let chunks = chunk::split(text);
    if !chunks.unclosed.is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    for chunk in &chunks.chunks {
        match chunk {
            Chunk::Item(span) => {
                let pair = parse(Rule::top_item, text, *span)?;
                emit(text, pair, span.start, 0, &mut lines);
            }
            Chunk::Flow { head, items, trailing, closed } => {
                if trailing.is_some() || !closed {
                    return None;
                }
                parse(Rule::flow_head, text, *head)?;
                lines.push(Line {
                    indent: 0,
                    text: format!("{} {{", tokens_text(&text[head.start..head.end - 1])),
                    start: head.start,
                });
                let mut end = head.end;
                for item in items {
                    let pair = parse(Rule::flow_item, text, *item)?;
                    emit(text, pair, item.start, 1, &mut lines);
                    end = item.end;
                }
                lines.push(Line { indent: 0, text: "}".into(), start: close_after(text, end) });
            }
        }
    }
    Some(merge(text, lines, &chunks.comments))
}

fn parse<'i>(rule: Rule, text: &'i str, span: Span) -> Option<Pair<'i>> {
    let mut pairs = FlowGrammar::parse(rule, &text[span.start..span.end]).ok()?;
    let outer = pairs.next()?;
    let inner = outer.into_inner().next()?;
    Some(inner)
}

/// The offset of the first `}` at or after `from`.
fn close_after(text: &str, from: usize) -> usize {
    text[from..].find('}').map_or(text.len(), |i| from + i)
}

/// Whether a pair is a block whose children go on lines of their own.
fn is_block(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::rules_decl
            | Rule::table_decl
            | Rule::data_block
            | Rule::task
            | Rule::auto
            | Rule::decide
            | Rule::parallel
            | Rule::inclusive
            | Rule::wait
            | Rule::call
            | Rule::scenario
    )
}

fn emit(text: &str, pair: Pair<'_>, offset: usize, indent: usize, lines: &mut Vec<Line>) {
    let span = pair.as_span();
    let start = offset + span.start();
    if !is_block(pair.as_rule()) {
        lines.push(Line { indent, text: tokens_text(&text[start..offset + span.end()]), start });
        return;
    }
    let mut children = Vec::new();
    let mut header_end = start;
    let mut close = offset + span.end();
    let mut in_body = false;
    for child in pair.into_inner() {
        match child.as_rule() {
            Rule::open => {
                header_end = offset + child.as_span().start();
                in_body = true;
            }
            Rule::close => close = offset + child.as_span().start(),
            _ if in_body => children.push(child),
            _ => {}
        }
    }
    lines.push(Line { indent, text: format!("{} {{", tokens_text(&text[start..header_end])), start });
    let first_child = lines.len();
    let aligned = pair_rule_is_data(&children);
    for child in children {
        emit(text, child, offset, indent + 1, lines);
    }
    if aligned {
        align_fields(&mut lines[first_child..]);
    }
    lines.push(Line { indent, text: "}".into(), start: close });
}

fn pair_rule_is_data(children: &[Pair<'_>]) -> bool {
    !children.is_empty() && children.iter().all(|c| c.as_rule() == Rule::field_decl)
}

/// Lines up the label and type columns of data fields, so a data block reads like a table.
fn align_fields(lines: &mut [Line]) {
    // Each field line is `name ["label"] type attributes…`.
    let split = |text: &str| -> (String, String, String) {
        let (name, rest) = text.split_once(' ').unwrap_or((text, ""));
        if rest.starts_with('"') {
            let close = escaped_end(rest).unwrap_or(rest.len());
            let (label, rest) = rest.split_at(close.min(rest.len()));
            (name.to_string(), label.to_string(), rest.trim_start().to_string())
        } else {
            (name.to_string(), String::new(), rest.to_string())
        }
    };
    let parts: Vec<(String, String, String)> = lines.iter().map(|l| split(&l.text)).collect();
    let name_width = parts.iter().map(|p| width(&p.0)).max().unwrap_or(0);
    let label_width = parts.iter().map(|p| width(&p.1)).max().unwrap_or(0);
    for (line, (name, label, rest)) in lines.iter_mut().zip(parts) {
        let mut text = pad(&name, name_width);
        if label_width > 0 {
            text.push(' ');
            text.push_str(&pad(&label, label_width));
        }
        text.push(' ');
        text.push_str(&rest);
        line.text = text.trim_end().to_string();
    }
}

/// The end of a string literal that starts `text`, honouring backslash escapes.
fn escaped_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

fn pad(text: &str, to: usize) -> String {
    format!("{text}{}", " ".repeat(to.saturating_sub(width(text))))
}

/// Puts comments back and lays out blank lines.
fn merge(text: &str, lines: Vec<Line>, comments: &[crate::ast::Comment]) -> String {
    // Each line gets the comments that stand at the end of it in the source.
    let mut trailing: Vec<Vec<&str>> = vec![Vec::new(); lines.len()];
    // Own-line comments go before the first line that starts after them.
    let mut leading: Vec<Vec<(usize, &str)>> = vec![Vec::new(); lines.len() + 1];
    for c in comments {
        let line_start = text[..c.span.start].rfind('\n').map_or(0, |i| i + 1);
        let own_line = text[line_start..c.span.start].trim().is_empty();
        let next = lines.iter().position(|l| l.start > c.span.start).unwrap_or(lines.len());
        if !own_line && next > 0 {
            trailing[next - 1].push(&c.text);
        } else {
            leading[next].push((c.span.start, &c.text));
        }
    }
    let mut out = String::new();
    let mut previous_opens = true;
    for (i, line) in lines.iter().enumerate() {
        let closing = line.text == "}";
        for &(start, comment) in &leading[i] {
            if !previous_opens && blank_before(text, start) {
                out.push('\n');
            }
            push_line(&mut out, line.indent + usize::from(closing), comment);
            previous_opens = false;
        }
        if !closing && !previous_opens && blank_before(text, line.start) {
            out.push('\n');
        }
        let mut content = line.text.clone();
        for comment in &trailing[i] {
            content.push_str("  ");
            content.push_str(comment);
        }
        push_line(&mut out, line.indent, &content);
        previous_opens = line.text.ends_with('{');
    }
    for &(start, comment) in &leading[lines.len()] {
        if !out.is_empty() && blank_before(text, start) {
            out.push('\n');
        }
        push_line(&mut out, 0, comment);
    }
    out
}

fn push_line(out: &mut String, indent: usize, text: &str) {
    for _ in 0..indent {
        out.push_str("  ");
    }
    out.push_str(text);
    out.push('\n');
}

/// Whether the source has an empty line right before `offset`.
fn blank_before(text: &str, offset: usize) -> bool {
    let before = &text[..offset];
    let trimmed = before.trim_end_matches([' ', '\t', '\r', '\u{3000}']);
    let Some(rest) = trimmed.strip_suffix('\n') else {
        return false;
    };
    let rest = rest.trim_end_matches([' ', '\t', '\r', '\u{3000}']);
    rest.ends_with('\n') && !rest.trim().is_empty()
}

/// A token of the layout lexer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// Names, keywords, numbers, durations.
    Word(&'a str),
    /// A string literal, exactly as written.
    Text(&'a str),
    /// Punctuation and operators.
    Symbol(&'a str),
    /// A `-` glued to the number after it.
    Negative,
}

const SYMBOLS: &[&str] = &[
    "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "..", "{", "}", "(", ")", "[", "]", ",", "=", "<", ">", "!", "+",
    "-", "*", "/", "%", "|",
];

/// Splits code (without comments) into tokens.
pub(crate) fn tokens(code: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() || code[i..].starts_with('\u{3000}') {
            i += if b.is_ascii() { 1 } else { 3 };
            continue;
        }
        if b == b'#' {
            i = code[i..].find('\n').map_or(bytes.len(), |n| i + n);
            continue;
        }
        if b == b'"' {
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(bytes.len());
            out.push(Token::Text(&code[start..i]));
            continue;
        }
        if b.is_ascii_alphanumeric() || b == b'_' {
            let start = i;
            while i < bytes.len() {
                let c = bytes[i];
                let decimal_point =
                    c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) && bytes[start].is_ascii_digit();
                if c.is_ascii_alphanumeric() || c == b'_' || decimal_point {
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(Token::Word(&code[start..i]));
            continue;
        }
        if b == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            let glued_before = i > 0 && !bytes[i - 1].is_ascii_whitespace() && !b"([,=".contains(&bytes[i - 1]);
            if !glued_before {
                out.push(Token::Negative);
                i += 1;
                continue;
            }
        }
        match SYMBOLS.iter().find(|s| code[i..].starts_with(**s)) {
            Some(s) => {
                out.push(Token::Symbol(s));
                i += s.len();
            }
            None => {
                let len = code[i..].chars().next().map_or(1, char::len_utf8);
                out.push(Token::Symbol(&code[i..i + len]));
                i += len;
            }
        }
    }
    out
}

/// The tokens of `code` joined with canonical spacing.
fn tokens_text(code: &str) -> String {
    let tokens = tokens(code);
    let mut out = String::new();
    let mut previous: Option<&Token<'_>> = None;
    for token in &tokens {
        let glued = matches!(
            (previous, token),
            (None, _)
                | (_, Token::Symbol(",") | Token::Symbol(")") | Token::Symbol("]") | Token::Symbol(".."))
                | (
                    Some(
                        Token::Symbol("(")
                            | Token::Symbol("[")
                            | Token::Symbol("!")
                            | Token::Symbol("..")
                            | Token::Negative
                    ),
                    _
                )
                | (Some(Token::Word(_)), Token::Symbol("("))
        );
        let space = !glued;
        if space {
            out.push(' ');
        }
        match token {
            Token::Word(w) | Token::Text(w) | Token::Symbol(w) => out.push_str(w),
            Token::Negative => out.push('-'),
        }
        previous = Some(token);
    }
    out
}
