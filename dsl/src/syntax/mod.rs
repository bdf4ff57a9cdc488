//! The only module that sees pest: parses each chunk with the grammar and lowers its pairs into
//! the typed AST of [`crate::ast`] at once. Nothing outside this module names a grammar rule.

mod errors;
mod expr;
mod items;
mod layout;
mod steps;
mod typing;
mod vocabulary;

pub(crate) use layout::{layout, tokens};

use crate::ast::{Duration, Literal, Module, Name, Type, Value};
use crate::chunk::{self, Chunk};
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use pest::Parser;
use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "grammar.pest"]
struct FlowGrammar;

type Pair<'i> = pest::iterators::Pair<'i, Rule>;

/// Lowering state for one chunk: where the chunk starts in the file, and where findings go.
struct Lower<'d> {
    offset: usize,
    diagnostics: &'d mut Vec<Diagnostic>,
}

impl Lower<'_> {
    fn span(&self, pair: &Pair<'_>) -> Span {
        let s = pair.as_span();
        Span::new(s.start() + self.offset, s.end() + self.offset)
    }

    fn name(&self, pair: &Pair<'_>) -> Name {
        Name { text: pair.as_str().to_string(), span: self.span(pair) }
    }

    /// The text of a `string` or `label` pair, with escapes resolved.
    fn text(&self, pair: &Pair<'_>) -> String {
        unescape(pair.as_str().trim_start_matches('"').trim_end_matches('"'))
    }

    fn duration(&mut self, pair: &Pair<'_>) -> Duration {
        let span = self.span(pair);
        let mut seconds: u64 = 0;
        let mut amount: u64 = 0;
        let mut overflow = false;
        for c in pair.as_str().chars() {
            if let Some(d) = c.to_digit(10) {
                match amount.checked_mul(10).and_then(|a| a.checked_add(u64::from(d))) {
                    Some(a) => amount = a,
                    None => overflow = true,
                }
            } else {
                let unit = match c {
                    'w' => 7 * 86_400,
                    'd' => 86_400,
                    'h' => 3_600,
                    'm' => 60,
                    _ => 1,
                };
                match amount.checked_mul(unit).and_then(|a| seconds.checked_add(a)) {
                    Some(s) => seconds = s,
                    None => overflow = true,
                }
                amount = 0;
            }
        }
        if overflow {
            self.diagnostics.push(Diagnostic::error("E0101", span, "this duration is too long"));
        }
        Duration { seconds, span }
    }

    fn integer(&mut self, pair: &Pair<'_>) -> u32 {
        pair.as_str().parse().unwrap_or_else(|_| {
            self.diagnostics.push(Diagnostic::error("E0101", self.span(pair), "this number is too large"));
            u32::MAX
        })
    }

    /// A `literal` pair, or a bare `ident` standing for an enum variant.
    fn literal(&mut self, pair: Pair<'_>) -> Literal {
        let span = self.span(&pair);
        let inner = if pair.as_rule() == Rule::literal { pair.into_inner().next() } else { Some(pair) };
        let value = match inner {
            Some(p) => self.value(&p),
            None => Value::Text(String::new()),
        };
        Literal { value, span }
    }

    fn value(&mut self, pair: &Pair<'_>) -> Value {
        match pair.as_rule() {
            Rule::string => Value::Text(self.text(pair)),
            Rule::boolean => Value::Boolean(pair.as_str() == "true"),
            Rule::number if pair.as_str().contains('.') => Value::Decimal(pair.as_str().to_string()),
            Rule::number => match pair.as_str().parse::<i64>() {
                Ok(n) => Value::Integer(n),
                Err(_) => {
                    self.diagnostics.push(Diagnostic::error("E0101", self.span(pair), "this number is too large"));
                    Value::Integer(0)
                }
            },
            _ => Value::Symbol(pair.as_str().to_string()),
        }
    }

    fn type_expr(&self, pair: Pair<'_>) -> Type {
        let Some(inner) = pair.into_inner().next() else {
            return Type::Text;
        };
        match inner.as_rule() {
            Rule::list_type => match inner.into_inner().next() {
                Some(element) => Type::List(Box::new(self.type_expr(element))),
                None => Type::List(Box::new(Type::Text)),
            },
            Rule::enum_type => Type::Enum(inner.into_inner().map(|p| p.as_str().to_string()).collect()),
            _ => match inner.as_str() {
                "integer" => Type::Integer,
                "decimal" => Type::Decimal,
                "money" => Type::Money,
                "boolean" => Type::Boolean,
                "date" => Type::Date,
                "datetime" => Type::DateTime,
                _ => Type::Text,
            },
        }
    }
}

/// Whether `rule` is a keyword (they carry no information once the item is recognised).
fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_import
            | Rule::kw_before
            | Rule::kw_to
            | Rule::kw_as
            | Rule::kw_with
            | Rule::kw_rules
            | Rule::kw_lane
            | Rule::kw_role
            | Rule::kw_signal
            | Rule::kw_action
            | Rule::kw_table
            | Rule::kw_flow
            | Rule::kw_category
            | Rule::kw_owner
            | Rule::kw_channel
            | Rule::kw_calendar
            | Rule::kw_sla
            | Rule::kw_onestop
            | Rule::kw_data
            | Rule::kw_start
            | Rule::kw_task
            | Rule::kw_auto
            | Rule::kw_decide
            | Rule::kw_parallel
            | Rule::kw_inclusive
            | Rule::kw_join
            | Rule::kw_wait
            | Rule::kw_call
            | Rule::kw_end
            | Rule::kw_scenario
            | Rule::kw_vendor
            | Rule::kw_show
            | Rule::kw_edit
            | Rule::kw_require
            | Rule::kw_priority
            | Rule::kw_remind
            | Rule::kw_escalate
            | Rule::kw_sendback
            | Rule::kw_skip
            | Rule::kw_outcome
            | Rule::kw_in
            | Rule::kw_out
            | Rule::kw_retry
            | Rule::kw_timeout
            | Rule::kw_when
            | Rule::kw_else
            | Rule::kw_on
            | Rule::kw_after
            | Rule::kw_until
            | Rule::kw_hit
            | Rule::kw_row
            | Rule::kw_given
            | Rule::kw_complete
            | Rule::kw_expect
            | Rule::kw_hold
            | Rule::kw_resume
    )
}

/// Resolves `\"`, `\\`, `\n` and `\t`; other escapes keep the character.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Parses one decoded file. Never panics; every problem becomes a diagnostic.
pub(crate) fn parse_text(text: &str, diagnostics: &mut Vec<Diagnostic>) -> Module {
    let before = diagnostics.len();
    let module = parse_chunks(text, diagnostics);
    // Full-width characters typed with the input method: one error each, saying what to type;
    // the parser's error on the same line would be a vaguer echo of it.
    let typed = typing::full_width(text);
    if !typed.is_empty() {
        let line = |at: usize| text[..at.min(text.len())].bytes().filter(|b| *b == b'\n').count();
        let lines: std::collections::BTreeSet<usize> = typed.iter().map(|d| line(d.span.start)).collect();
        let parsed: Vec<Diagnostic> =
            diagnostics.drain(before..).filter(|d| d.code != "E0101" || !lines.contains(&line(d.span.start))).collect();
        diagnostics.extend(parsed);
        diagnostics.extend(typed);
    }
    module
}

fn parse_chunks(text: &str, diagnostics: &mut Vec<Diagnostic>) -> Module {
    let mut chunks = chunk::split(text);
    let mut module = Module { comments: std::mem::take(&mut chunks.comments), ..Module::default() };
    for open in chunks.unclosed {
        diagnostics.push(
            Diagnostic::error("E0102", Span::new(open, open + 1), "this block is never closed")
                .with_label("this `{` has no matching `}`")
                .with_help("add a `}` at the end of the block"),
        );
    }
    for chunk in std::mem::take(&mut chunks.chunks) {
        match chunk {
            Chunk::Item(span) => items::top_item(text, span, &mut module, diagnostics),
            Chunk::Flow { head, items, trailing, closed: _ } => {
                items::flow(text, head, &items, &chunks.missing_braces, &mut module, diagnostics);
                if let Some(extra) = trailing
                    && errors::report_stray(text, extra, diagnostics)
                {
                    // Steps after an early `}` are lost; do not report their names as undefined.
                    module.broken_names.extend(items::salvage_names(&text[extra.start..extra.end]));
                    if let Some(flow) = module.flows.last_mut() {
                        flow.has_syntax_errors = true;
                    }
                }
            }
        }
    }
    module
}

/// Parses `span` of `text` with `rule`; on failure, reports the error and returns `None`.
fn parse_chunk<'i>(rule: Rule, text: &'i str, span: Span, diagnostics: &mut Vec<Diagnostic>) -> Option<Pair<'i>> {
    let slice = &text[span.start..span.end];
    match FlowGrammar::parse(rule, slice) {
        Ok(mut pairs) => pairs.next().map(|p| p.into_inner().next()).unwrap_or(None),
        Err(error) => {
            diagnostics.push(errors::syntax_error(text, span.start, &error));
            None
        }
    }
}
