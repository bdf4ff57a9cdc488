//! Turns pest's errors into diagnostics an analyst can read: grammar rule names become words
//! ("a step name", "`->`"), and the message says what was found instead.

use super::Rule;
use crate::chunk::only_blank;
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use pest::error::{ErrorVariant, InputLocation};

/// What a grammar rule is called in a message, or `None` for rules a person need not hear about.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::ident => "a name",
        Rule::string => "a text in double quotes",
        Rule::label => "a label in double quotes",
        Rule::number | Rule::integer => "a number",
        Rule::duration => "a duration such as `30m`, `4h` or `2d`",
        Rule::boolean => "`true` or `false`",
        Rule::literal => "a value",
        Rule::arrow => "`->`",
        Rule::open => "`{`",
        Rule::close => "`}`",
        Rule::type_expr | Rule::scalar_type | Rule::enum_type | Rule::list_type => {
            "a type (text, integer, decimal, money, boolean, date, datetime, enum(…), list of …)"
        }
        Rule::lane_kind => "`front` or `back`",
        Rule::hit_policy => "a hit policy (first, unique, priority, collect)",
        Rule::vendor_scope => "`same` or `any`",
        Rule::priority_level => "a priority (low, normal, high, urgent)",
        Rule::on_off => "`on` or `off`",
        Rule::customer_wait => "`customer`",
        Rule::signal_keep => "`keep` and a duration",
        Rule::signal_correlate => "`correlate on` and a field",
        Rule::expr | Rule::call_expr | Rule::array | Rule::op_not | Rule::op_neg => "an expression",
        Rule::cell | Rule::cell_any | Rule::cell_range | Rule::cell_compare | Rule::cell_alternatives => {
            "a table cell (`-`, a value, `a | b`, `< 10` or `1..5`)"
        }
        Rule::compare_op => "a comparison",
        Rule::field_decl => "a field (`name \"label\" type`)",
        Rule::required => "`required`",
        Rule::optional => "`optional`",
        Rule::default_value => "`= value`",
        Rule::min => "`min`",
        Rule::max => "`max`",
        Rule::maxlen => "`maxlen`",
        Rule::pattern => "`pattern`",
        Rule::rule_sig => "a rule (`name -> type`)",
        Rule::table_row => "`row`",
        Rule::rule_example | Rule::table_example => "`example`",
        Rule::end_outcome => "an outcome (completed, cancelled, rejected, withdrawn, failed)",
        Rule::action_fails => "`fails`",
        Rule::negation => "`not`",
        Rule::expect_at => "`at`",
        Rule::expect_end => "an outcome",
        Rule::EOI => "the end of the item",
        Rule::kw_import => "`import`",
        Rule::kw_rules => "`rules`",
        Rule::kw_lane => "`lane`",
        Rule::kw_role => "`role`",
        Rule::kw_signal => "`signal`",
        Rule::kw_action => "`action`",
        Rule::kw_table => "`table`",
        Rule::kw_example => "`example`",
        Rule::kw_flow => "`flow`",
        Rule::kw_category => "`category`",
        Rule::kw_owner => "`owner`",
        Rule::kw_channel => "`channel`",
        Rule::kw_calendar => "`calendar`",
        Rule::kw_sla => "`sla`",
        Rule::kw_onestop => "`onestop`",
        Rule::kw_data => "`data`",
        Rule::kw_start => "`start`",
        Rule::kw_task => "`task`",
        Rule::kw_auto => "`auto`",
        Rule::kw_decide => "`decide`",
        Rule::kw_hold => "`hold`",
        Rule::kw_resume => "`resume`",
        Rule::kw_inclusive => "`inclusive`",
        Rule::kw_parallel => "`parallel`",
        Rule::kw_join => "`join`",
        Rule::kw_wait => "`wait`",
        Rule::kw_call => "`call`",
        Rule::kw_end => "`end`",
        Rule::kw_scenario => "`scenario`",
        Rule::kw_vendor => "`vendor`",
        Rule::kw_show => "`show`",
        Rule::kw_edit => "`edit`",
        Rule::kw_require => "`require`",
        Rule::kw_priority => "`priority`",
        Rule::kw_remind => "`remind`",
        Rule::kw_escalate => "`escalate`",
        Rule::kw_sendback => "`sendback`",
        Rule::kw_skip => "`skip`",
        Rule::kw_outcome => "`outcome`",
        Rule::kw_in => "`in`",
        Rule::kw_out => "`out`",
        Rule::kw_retry => "`retry`",
        Rule::kw_timeout => "`timeout`",
        Rule::kw_when => "`when`",
        Rule::kw_else => "`else`",
        Rule::kw_on => "`on`",
        Rule::kw_after => "`after`",
        Rule::kw_before => "`before`",
        Rule::kw_to => "`to`",
        Rule::kw_as => "`as`",
        Rule::kw_with => "`with`",
        Rule::kw_until => "`until`",
        Rule::kw_hit => "`hit`",
        Rule::kw_row => "`row`",
        Rule::kw_given => "`given`",
        Rule::kw_complete => "`complete`",
        Rule::kw_expect => "`expect`",
        Rule::op_or
        | Rule::op_and
        | Rule::op_eq
        | Rule::op_ne
        | Rule::op_le
        | Rule::op_ge
        | Rule::op_lt
        | Rule::op_gt
        | Rule::op_in
        | Rule::op_add
        | Rule::op_sub
        | Rule::op_mul
        | Rule::op_div
        | Rule::op_rem => "an operator",
        _ => return None,
    })
}

/// Groups of expectations that would make a long list; each is summarised in a few words.
fn summarise(expected: &[&'static str]) -> Vec<&'static str> {
    const GROUPS: &[(&[&str], &str)] = &[
        (
            &["`lane`", "`role`", "`show`", "`sla`", "`outcome`"],
            "a task setting (lane, role, show, edit, sla, outcome, -> …)",
        ),
        (&["`action`", "`retry`", "`timeout`"], "an auto step setting (action, in, out, retry, timeout, -> …)"),
        (
            &["`task`", "`auto`", "`decide`", "`end`"],
            "a step (task, auto, decide, parallel, inclusive, join, wait, call, end) or flow setting",
        ),
        (
            &["`given`", "`complete`", "`expect`"],
            "a scenario statement (given, complete, action, signal, wait, sendback, hold, resume, expect)",
        ),
        (&["`import`", "`lane`", "`flow`"], "a definition (import, rules, lane, role, signal, action, table, flow)"),
        (&["`on`", "`after`", "`until`"], "`on`, `after` or `until`"),
        (&["`required`", "`min`", "`maxlen`"], "a field attribute (required, = default, min, max, maxlen, pattern)"),
    ];
    let mut out: Vec<&'static str> = expected.to_vec();
    for (members, summary) in GROUPS {
        if members.iter().all(|m| out.contains(m)) {
            out.retain(|e| !e.starts_with('`') || matches!(*e, "`}`" | "`->`" | "`{`" | "`as`"));
            out.insert(0, summary);
        }
    }
    out.dedup();
    out
}

/// A few words naming what stands at `pos`: a word, a symbol, or the end of the file.
fn found_at(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    let rest = rest.trim_start_matches([' ', '\t', '\r', '\u{3000}']);
    let Some(first) = rest.chars().next() else {
        return "the end of the file".to_string();
    };
    if first == '\n' {
        return "the end of the line".to_string();
    }
    if first.is_alphanumeric() || first == '_' {
        let word: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').take(30).collect();
        return format!("`{word}`");
    }
    if first == '"' {
        return "a quoted text".to_string();
    }
    let two: String = rest.chars().take(2).collect();
    if two == "->" {
        return "`->`".to_string();
    }
    format!("`{first}`")
}

/// Converts a pest error for the chunk starting at `offset` into a located diagnostic.
pub(super) fn syntax_error(text: &str, offset: usize, error: &pest::error::Error<Rule>) -> Diagnostic {
    let local = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut pos = offset + local;
    // Point at the offending word, not at the blank before it.
    let skipped = text.get(pos..).map_or(0, |r| r.len() - r.trim_start_matches([' ', '\t', '\r', '\n']).len());
    if pos + skipped < text.len() {
        pos += skipped;
    }
    if let Some(quote) = unclosed_quote(text, pos) {
        return Diagnostic::error("E0101", Span::new(quote, quote + 1), "this text is never closed")
            .with_label("the closing `\"` is missing on this line")
            .with_help("add a `\"` at the end of the text");
    }
    let found = found_at(text, pos);
    let expected: Vec<&'static str> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut v: Vec<&'static str> = positives.iter().filter_map(|r| describe(*r)).collect();
            v.sort_unstable();
            v.dedup();
            v
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let expected = summarise(&expected);
    let width = text
        .get(pos..)
        .and_then(|r| r.chars().next())
        .map_or(1, |c| if c.is_alphanumeric() || c == '_' { r_word_len(&text[pos..]) } else { c.len_utf8() });
    let span = Span::new(pos, pos + width);
    if let Some(slip) = super::typing::operator_slip(text, pos, &found, expected.contains(&"an operator")) {
        return slip;
    }
    if expected.iter().any(|e| e.starts_with("a type"))
        && let Some(stray) = super::vocabulary::stray_field_setting(text, pos)
    {
        return stray;
    }
    // What the line needed is missing at its end: the parser only notices on the next line.
    let line_end = text[..pos].trim_end().len();
    let ends_item = expected.contains(&"`}`") || expected.contains(&"the end of the item");
    if text[line_end..pos].contains('\n') && !expected.is_empty() && !ends_item {
        let last = text[..line_end].char_indices().last().map_or(0, |(i, _)| i);
        return Diagnostic::error(
            "E0101",
            Span::new(last, line_end),
            format!("expected {} at the end of this line", join_or(&expected)),
        )
        .with_label("the line ends here")
        .with_help_opt(hint(text, pos, &expected));
    }
    let message = match (expected.as_slice(), found.as_str()) {
        ([], found) => format!("unexpected {found}"),
        (["the end of the item"], found) => format!("unexpected {found}"),
        (list, found) => format!("expected {}, found {found}", join_or(list)),
    };
    let help = hint(text, pos, &expected);
    Diagnostic::error("E0101", span, message).with_help_opt(help)
}

/// When `pos` is at a `"` whose line holds no closing `"`, the position of that quote.
fn unclosed_quote(text: &str, pos: usize) -> Option<usize> {
    let rest = text.get(pos..)?;
    let after = rest.strip_prefix('"')?;
    let line = after.split('\n').next().unwrap_or("");
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return None,
            _ => escaped = false,
        }
    }
    Some(pos)
}

fn r_word_len(rest: &str) -> usize {
    rest.char_indices().find(|(_, c)| !(c.is_alphanumeric() || *c == '_')).map_or(rest.len(), |(i, _)| i)
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A likely fix for common slips.
fn hint(text: &str, pos: usize, expected: &[&str]) -> Option<String> {
    let word: String = text.get(pos..)?.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    // The word as typed, Japanese included.
    let typed: String = text.get(pos..)?.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    let english = |meant: &str| {
        if typed.is_ascii() {
            format!("did you mean `{meant}`?")
        } else {
            format!("this is written in English; write `{meant}`")
        }
    };
    if expected.iter().any(|e| e.starts_with("a type"))
        && let Some(meant) = super::vocabulary::type_synonym(&typed)
    {
        return Some(english(meant));
    }
    if expected.iter().any(|e| e.starts_with("a field attribute"))
        && let Some(meant) = super::vocabulary::setting_synonym(&typed)
    {
        return Some(english(meant));
    }
    if expected.contains(&"a name")
        && let Some(help) = super::vocabulary::label_as_name(text, &typed)
    {
        return Some(help);
    }
    const KEYWORDS: &[&str] = &[
        "import",
        "rules",
        "lane",
        "role",
        "signal",
        "action",
        "table",
        "flow",
        "subflow",
        "category",
        "owner",
        "channel",
        "calendar",
        "sla",
        "onestop",
        "data",
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
        "vendor",
        "show",
        "edit",
        "require",
        "priority",
        "remind",
        "escalate",
        "sendback",
        "skip",
        "outcome",
        "retry",
        "timeout",
        "when",
        "else",
        "after",
        "until",
        "given",
        "complete",
        "expect",
        "required",
        "optional",
        "maxlen",
        "pattern",
        "text",
        "integer",
        "decimal",
        "money",
        "boolean",
        "date",
        "datetime",
        "enum",
        "list",
    ];
    // Only words that may stand here are suggested: a keyword where a setting, step or item
    // may begin, else one of the choices offered (`same` or `any`), never an unrelated keyword.
    let (choices, open) = super::vocabulary::offered(expected);
    if let Some(meant) = super::vocabulary::choice_synonym(&word).filter(|m| choices.contains(m)) {
        return Some(format!("did you mean `{meant}`?"));
    }
    let mut candidates: Vec<&str> = choices.clone();
    if open {
        candidates.extend(KEYWORDS);
    }
    if !word.is_empty()
        && !KEYWORDS.contains(&word.as_str())
        && !choices.contains(&word.as_str())
        && let Some(best) = crate::suggest::closest(&word, candidates.iter().copied())
    {
        return Some(format!("did you mean `{best}`?"));
    }
    if expected.contains(&"`->`") && word.is_empty() && text[pos..].starts_with('>') {
        return Some("an arrow is written `->`".to_string());
    }
    if expected.contains(&"a duration such as `30m`, `4h` or `2d`") {
        return Some("units are w (weeks), d (days), h (hours), m (minutes), s (seconds)".to_string());
    }
    None
}

/// Reports text after a flow's closing `}` that is not a new item.
pub(super) fn report_stray(text: &str, span: Span, diagnostics: &mut Vec<Diagnostic>) -> bool {
    let slice = &text[span.start..span.end];
    if only_blank(slice) {
        return false;
    }
    let local = slice.len() - slice.trim_start().len();
    let pos = span.start + local;
    let found = found_at(text, pos);
    let width = match text[pos..].chars().next() {
        Some(c) if c.is_alphanumeric() || c == '_' => r_word_len(&text[pos..]),
        Some(c) => c.len_utf8(),
        None => 1,
    };
    diagnostics.push(
        Diagnostic::error(
            "E0101",
            Span::new(pos, pos + width),
            format!("unexpected {found} after the end of the flow"),
        )
        .with_help("an extra `}` may have closed the flow early"),
    );
    true
}
