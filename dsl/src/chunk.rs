//! Splits a file into items that are parsed one by one, so that one mistake does not hide the
//! next ("several errors per file, not just the first").
//!
//! An item starts at a keyword that is the first word on its line: a top-level keyword at brace
//! depth 0, or a flow-item keyword at depth 1 inside a flow. When a block is left unclosed, the
//! next top-level keyword at column 0 (or the next step keyword inside a flow) closes it, and the
//! unclosed `{` is reported. The chunker also collects comments for the formatter.

use crate::ast::Comment;
use crate::span::Span;

const TOP_KEYWORDS: &[&str] = &["import", "rules", "lane", "role", "signal", "action", "table", "flow", "subflow"];
/// Top-level keywords that never appear inside a flow: at column 0 they end an unclosed block.
const TOP_ONLY_KEYWORDS: &[&str] = &["import", "rules", "signal", "action", "table", "flow", "subflow"];
const FLOW_ITEM_KEYWORDS: &[&str] = &[
    "category",
    "owner",
    "channel",
    "calendar",
    "sla",
    "onestop",
    "data",
    "lane",
    "role",
    "start",
    "task",
    "auto",
    "decide",
    "parallel",
    "inclusive",
    "join",
    "wait",
    "call",
    "end",
    "scenario",
];
/// Keywords that only ever start a flow item, so seeing one deeper means a `}` is missing.
const STEP_KEYWORDS: &[&str] =
    &["data", "start", "task", "auto", "decide", "parallel", "inclusive", "join", "wait", "call", "end", "scenario"];

/// A top-level item of a file.
#[derive(Debug)]
pub(crate) enum Chunk {
    /// A one-piece item (import, lane, table, …) or unrecognised text.
    Item(Span),
    /// A flow or subflow: its head (`flow id "label" {`), its body items, and its end.
    Flow {
        /// `flow id "label" {` (or the whole chunk when there is no `{`).
        head: Span,
        /// The body items.
        items: Vec<Span>,
        /// Text after the closing `}` that belongs to no item.
        trailing: Option<Span>,
        /// Whether the flow's `}` was found.
        closed: bool,
    },
}

/// What the chunker found.
#[derive(Debug, Default)]
pub(crate) struct Chunks {
    pub(crate) chunks: Vec<Chunk>,
    /// Opening braces that were never closed.
    pub(crate) unclosed: Vec<usize>,
    /// Flow items cut short by a missing `}`: item start → how many `}` it lacks. The parser
    /// adds them, so that the missing brace is reported once and not again as a syntax error.
    pub(crate) missing_braces: std::collections::BTreeMap<usize, usize>,
    pub(crate) comments: Vec<Comment>,
}

#[derive(Debug)]
enum Event<'a> {
    /// The first word of a line.
    Word {
        pos: usize,
        word: &'a str,
        column0: bool,
        next_is_digit: bool,
        opens_block: bool,
    },
    Open(usize),
    Close(usize),
}

fn lex<'a>(text: &'a str, comments: &mut Vec<Comment>) -> Vec<Event<'a>> {
    let bytes = text.as_bytes();
    let mut events = Vec::new();
    let mut i = 0;
    let mut at_line_start = true;
    let mut line_start = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                at_line_start = true;
                line_start = i + 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            // U+3000, the ideographic space, indents like a space (the grammar agrees).
            0xE3 if text[i..].starts_with('\u{3000}') => i += 3,
            b'#' => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                comments.push(Comment { text: text[i..end].trim_end().to_string(), span: Span::new(i, end) });
                i = end;
            }
            b'"' => {
                at_line_start = false;
                let opened = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if i < bytes.len() && bytes[i] == b'"' {
                    i += 1;
                } else {
                    unclosed_text_brace(text, opened, i.min(text.len()), &mut events);
                }
            }
            b'{' => {
                events.push(Event::Open(i));
                at_line_start = false;
                i += 1;
            }
            b'}' => {
                events.push(Event::Close(i));
                at_line_start = false;
                i += 1;
            }
            _ if b.is_ascii_alphabetic() || b == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                if at_line_start {
                    let rest = text[i..].trim_start_matches([' ', '\t']);
                    events.push(Event::Word {
                        pos: start,
                        word: &text[start..i],
                        column0: start == line_start,
                        next_is_digit: rest.as_bytes().first().is_some_and(u8::is_ascii_digit),
                        opens_block: line_opens_block(&text[i..]),
                    });
                }
                at_line_start = false;
            }
            _ => {
                at_line_start = false;
                // Skip a whole UTF-8 character so that `i` stays on a boundary.
                i += text[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    events
}

/// A text left open runs to the end of its line; a brace that ends that line was meant as the
/// line's brace (`task intake "受付 {`), so it still opens (or closes) a block and the items
/// after it keep their places: the one missing `"` is the one error.
fn unclosed_text_brace(text: &str, quote: usize, line_end: usize, events: &mut Vec<Event<'_>>) {
    let inside = text.get(quote + 1..line_end).unwrap_or("").trim_end();
    let at = quote + 1 + inside.len().saturating_sub(1);
    match inside.as_bytes().last() {
        Some(b'{') => events.push(Event::Open(at)),
        Some(b'}') => events.push(Event::Close(at)),
        _ => {}
    }
}

/// Whether the rest of the line (before any comment) ends with `{`.
fn line_opens_block(rest: &str) -> bool {
    let line = rest.split('\n').next().unwrap_or("");
    let code = line.split('#').next().unwrap_or("");
    code.trim_end().ends_with('{')
}

/// Splits `text` into chunks.
pub(crate) fn split(text: &str) -> Chunks {
    let mut out = Chunks::default();
    let events = lex(text, &mut out.comments);
    let mut builder = Builder { text, out, current: None, stack: Vec::new(), in_data: false };
    for event in events {
        builder.feed(event);
    }
    builder.finish()
}

#[derive(Debug)]
enum Current {
    Item {
        start: usize,
    },
    Flow {
        start: usize,
        head_end: Option<usize>,
        item_start: Option<usize>,
        items: Vec<Span>,
        closed_at: Option<usize>,
    },
}

struct Builder<'a> {
    text: &'a str,
    out: Chunks,
    current: Option<Current>,
    /// Positions of the open braces not yet closed.
    stack: Vec<usize>,
    /// Whether the flow item being read is a `data` block.
    in_data: bool,
}

impl Builder<'_> {
    fn feed(&mut self, event: Event<'_>) {
        match event {
            Event::Word { pos, word, column0, next_is_digit, opens_block } => {
                let depth = self.stack.len();
                let top = TOP_KEYWORDS.contains(&word);
                if top && (depth == 0 || (column0 && TOP_ONLY_KEYWORDS.contains(&word))) {
                    self.unclose_all();
                    self.end_current(pos);
                    let is_flow = word == "flow" || word == "subflow";
                    self.current = Some(if is_flow {
                        Current::Flow {
                            start: pos,
                            head_end: None,
                            item_start: None,
                            items: Vec::new(),
                            closed_at: None,
                        }
                    } else {
                        Current::Item { start: pos }
                    });
                    return;
                }
                if self.current.is_none() {
                    self.current = Some(Current::Item { start: pos });
                }
                let Some(Current::Flow { head_end: Some(_), closed_at: None, .. }) = &self.current else {
                    return;
                };
                let step = STEP_KEYWORDS.contains(&word) && !(word == "wait" && next_is_digit);
                // Inside `data { }` any keyword may be a field name (`end "終了日" date`); only a
                // line that opens a block is taken as a sign that the data block was left open.
                let step = step && (!self.in_data || opens_block);
                if depth == 1 && FLOW_ITEM_KEYWORDS.contains(&word) {
                    self.start_flow_item(pos);
                } else if depth >= 2 && step {
                    // A step keyword inside a step: the previous item lacks its `}`.
                    self.out.unclosed.push(self.stack[1]);
                    self.note_missing(depth - 1);
                    self.stack.truncate(1);
                    self.start_flow_item(pos);
                }
            }
            Event::Open(pos) => {
                if self.current.is_none() {
                    self.current = Some(Current::Item { start: pos });
                }
                if let Some(Current::Flow { head_end: head_end @ None, .. }) = &mut self.current {
                    *head_end = Some(pos + 1);
                }
                self.stack.push(pos);
            }
            Event::Close(pos) => {
                if self.current.is_none() {
                    self.current = Some(Current::Item { start: pos });
                }
                if self.stack.pop().is_none() {
                    return;
                }
                if self.stack.is_empty()
                    && let Some(Current::Flow { closed_at: closed_at @ None, item_start, items, .. }) =
                        &mut self.current
                {
                    if let Some(start) = item_start.take() {
                        items.push(Span::new(start, pos));
                    }
                    *closed_at = Some(pos);
                }
            }
        }
    }

    fn start_flow_item(&mut self, pos: usize) {
        self.in_data = self.text[pos..].starts_with("data");
        if let Some(Current::Flow { item_start, items, .. }) = &mut self.current
            && let Some(start) = item_start.replace(pos)
        {
            items.push(Span::new(start, pos));
        }
    }

    /// Remembers that the flow item being read lacks `missing` closing braces.
    fn note_missing(&mut self, missing: usize) {
        if let Some(Current::Flow { item_start: Some(start), closed_at: None, .. }) = &self.current
            && missing > 0
        {
            self.out.missing_braces.insert(*start, missing);
        }
    }

    /// Reports every brace still open and forgets them.
    fn unclose_all(&mut self) {
        if let Some(&first) = self.stack.first() {
            // The outermost unclosed brace is the one the reader must fix first.
            self.out.unclosed.push(first);
            self.note_missing(self.stack.len() - 1);
        }
        self.stack.clear();
    }

    fn end_current(&mut self, end: usize) {
        let Some(current) = self.current.take() else {
            return;
        };
        let chunk = match current {
            Current::Item { start } => Chunk::Item(Span::new(start, end)),
            Current::Flow { start, head_end, item_start, mut items, closed_at } => {
                let head = Span::new(start, head_end.unwrap_or(end));
                let body_end = closed_at.unwrap_or(end);
                if let Some(item) = item_start {
                    items.push(Span::new(item, body_end));
                }
                if head_end.is_some() && items.is_empty() && closed_at.is_none() {
                    // `flow x {` and nothing recognisable after: keep the text for the parser.
                    items.push(Span::new(head.end, end));
                }
                let trailing =
                    closed_at.map(|c| Span::new(c + 1, end)).filter(|s| !only_blank(&self.text[s.start..s.end]));
                let first_item = items.first().map_or(body_end, |s| s.start);
                if head_end.is_some() && !only_blank(&self.text[head.end..first_item]) {
                    items.insert(0, Span::new(head.end, first_item));
                }
                Chunk::Flow { head, items, trailing, closed: closed_at.is_some() }
            }
        };
        self.out.chunks.push(chunk);
    }

    fn finish(mut self) -> Chunks {
        self.unclose_all();
        self.end_current(self.text.len());
        self.out
    }
}

/// Whether `text` holds nothing but whitespace and comments.
pub(crate) fn only_blank(text: &str) -> bool {
    text.lines().all(|line| {
        let t = line.trim_matches([' ', '\t', '\r', '\u{3000}']);
        t.is_empty() || t.starts_with('#')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(text: &'a str, chunks: &Chunks) -> Vec<&'a str> {
        let mut out = Vec::new();
        for chunk in &chunks.chunks {
            match chunk {
                Chunk::Item(s) => out.push(text[s.start..s.end].trim()),
                Chunk::Flow { head, items, .. } => {
                    out.push(text[head.start..head.end].trim());
                    out.extend(items.iter().map(|s| text[s.start..s.end].trim()));
                }
            }
        }
        out
    }

    #[test]
    fn splits_top_items_and_flow_items() {
        let text = "import \"a.flow\"\nlane f \"x\" front\nflow a {\n  start -> t\n  task t {\n    lane f\n  }\n  end e completed\n}\n";
        let chunks = split(text);
        assert!(chunks.unclosed.is_empty());
        assert_eq!(
            texts(text, &chunks),
            vec![
                "import \"a.flow\"",
                "lane f \"x\" front",
                "flow a {",
                "start -> t",
                "task t {\n    lane f\n  }",
                "end e completed"
            ]
        );
    }

    #[test]
    fn a_missing_brace_is_reported_and_parsing_resumes_at_the_next_step() {
        let text = "flow a {\n  task t {\n    lane f\n  task u {\n  }\n}\nflow b {\n}\n";
        let chunks = split(text);
        assert_eq!(chunks.unclosed, vec![text.find("t {").expect("t") + 2]);
        assert_eq!(chunks.chunks.len(), 2);
    }

    #[test]
    fn scenario_wait_is_not_a_step() {
        let text = "flow a {\n  scenario \"s\" {\n    wait 3d\n  }\n}\n";
        let chunks = split(text);
        assert!(chunks.unclosed.is_empty());
        assert_eq!(texts(text, &chunks).len(), 2);
    }
}
