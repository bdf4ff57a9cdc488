//! Lowering of top-level items (imports, rules, lanes, roles, signals, actions, tables), flow
//! heads and flow items other than steps (header settings, data fields, scenarios).

use super::{Lower, Pair, Rule, parse_chunk, steps};
use crate::ast::{
    ActionDecl, Assign, Cell, CompareOp, Field, Flow, HitPolicy, Import, LaneDecl, LaneKind, Module, Name, RoleDecl,
    RuleExample, RuleSig, RulesDecl, Scenario, ScenarioStmt, SignalDecl, TableDecl, TableExample, TableRow,
};
use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// Names that a chunk which failed to parse would have defined: the name after each step
/// keyword, and every field of a `data` block. Uses of them are then not reported as undefined.
pub(super) fn salvage_names(slice: &str) -> Vec<String> {
    const DEFINING: &[&str] =
        &["task", "auto", "decide", "parallel", "inclusive", "join", "wait", "call", "end", "outcome"];
    let in_data = slice.trim_start().starts_with("data");
    let ident = |w: &str| -> String { w.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect() };
    let mut names = Vec::new();
    for (i, line) in slice.lines().enumerate() {
        let mut words = line.split_whitespace();
        let Some(first) = words.next() else { continue };
        if DEFINING.contains(&first) {
            names.extend(words.next().map(ident).filter(|n| !n.is_empty()));
        } else if in_data && i > 0 && !first.starts_with('#') {
            names.extend(Some(ident(first)).filter(|n| !n.is_empty()));
        }
    }
    names
}

/// The identifier that follows the keyword at the start of `slice`, if any: the name of an item
/// that failed to parse, so that references to it are not reported as undefined.
fn item_name(slice: &str) -> Option<String> {
    let mut words = slice.split_whitespace();
    words.next()?;
    let name: String = words.next()?.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

pub(super) fn top_item(text: &str, span: Span, module: &mut Module, diagnostics: &mut Vec<Diagnostic>) {
    let Some(pair) = parse_chunk(Rule::top_item, text, span, diagnostics) else {
        module.broken_names.extend(item_name(&text[span.start..span.end]));
        return;
    };
    let mut lower = Lower { offset: span.start, diagnostics };
    match pair.as_rule() {
        Rule::import_decl => {
            if let Some(path) = pair.into_inner().nth(1) {
                module.imports.push(Import { path: lower.text(&path), span: lower.span(&path) });
            }
        }
        Rule::rules_decl => module.rules.push(rules_decl(&mut lower, pair)),
        Rule::lane_decl => module.lanes.push(lane_decl(&lower, pair)),
        Rule::role_decl => module.roles.push(role_decl(&lower, pair)),
        Rule::signal_decl => {
            let (name, label, rest) = named(&lower, pair);
            let keep = rest
                .iter()
                .find(|p| p.as_rule() == Rule::signal_keep)
                .and_then(|p| p.clone().into_inner().find(|d| d.as_rule() == Rule::duration))
                .map(|d| lower.duration(&d));
            let correlate = rest
                .iter()
                .find(|p| p.as_rule() == Rule::signal_correlate)
                .and_then(|p| p.clone().into_inner().find(|d| d.as_rule() == Rule::ident))
                .map(|d| lower.name(&d));
            module.signals.push(SignalDecl {
                name,
                label,
                customer_wait: rest.iter().any(|p| p.as_rule() == Rule::customer_wait),
                keep,
                correlate,
            });
        }
        Rule::action_decl => {
            let (name, label, _) = named(&lower, pair);
            module.actions.push(ActionDecl { name, label });
        }
        Rule::table_decl => module.tables.push(table_decl(&mut lower, pair)),
        _ => {}
    }
}

/// Splits `keyword name "label"? rest...` into its parts.
fn named<'i>(lower: &Lower<'_>, pair: Pair<'i>) -> (Name, Option<String>, Vec<Pair<'i>>) {
    let mut name = Name { text: String::new(), span: lower.span(&pair) };
    let mut label = None;
    let mut rest = Vec::new();
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::ident if name.text.is_empty() => name = lower.name(&p),
            Rule::label if label.is_none() && rest.is_empty() => label = Some(lower.text(&p)),
            r if super::is_keyword(r) && name.text.is_empty() => {}
            _ => rest.push(p),
        }
    }
    (name, label, rest)
}

pub(super) fn lane_decl(lower: &Lower<'_>, pair: Pair<'_>) -> LaneDecl {
    let (name, label, rest) = named(lower, pair);
    let kind = if rest.iter().any(|p| p.as_str() == "back") { LaneKind::Back } else { LaneKind::Front };
    LaneDecl { name, label, kind }
}

pub(super) fn role_decl(lower: &Lower<'_>, pair: Pair<'_>) -> RoleDecl {
    let (name, label, _) = named(lower, pair);
    RoleDecl { name, label }
}

fn rules_decl(lower: &mut Lower<'_>, pair: Pair<'_>) -> RulesDecl {
    let mut decl =
        RulesDecl { path: String::new(), path_span: lower.span(&pair), rules: Vec::new(), examples: Vec::new() };
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::string => {
                decl.path = lower.text(&p);
                decl.path_span = lower.span(&p);
            }
            Rule::rule_sig => {
                let mut inner = p.into_inner();
                let (Some(name), Some(ty)) = (inner.next(), inner.find(|p| p.as_rule() == Rule::type_expr)) else {
                    continue;
                };
                decl.rules.push(RuleSig { name: lower.name(&name), ty: lower.type_expr(ty) });
            }
            Rule::rule_example => {
                let span = lower.span(&p);
                let mut values: Vec<Pair<'_>> = p.into_inner().filter(|v| v.as_rule() != Rule::kw_example).collect();
                let (Some(expected), false) = (values.pop(), values.is_empty()) else {
                    continue;
                };
                let rule = lower.name(&values.remove(0));
                let args = values.into_iter().map(|v| lower.literal(v)).collect();
                decl.examples.push(RuleExample { rule, args, expected: lower.literal(expected), span });
            }
            _ => {}
        }
    }
    decl
}

fn table_decl(lower: &mut Lower<'_>, pair: Pair<'_>) -> TableDecl {
    let (name, label, rest) = named(lower, pair);
    let mut table = TableDecl {
        name,
        label,
        hit: HitPolicy::First,
        inputs: Vec::new(),
        outputs: Vec::new(),
        rows: Vec::new(),
        examples: Vec::new(),
    };
    for p in rest {
        match p.as_rule() {
            Rule::table_hit => {
                table.hit = match p.into_inner().nth(1).map(|h| h.as_str().to_string()).as_deref() {
                    Some("unique") => HitPolicy::Unique,
                    Some("priority") => HitPolicy::Priority,
                    Some("collect") => HitPolicy::Collect,
                    _ => HitPolicy::First,
                }
            }
            Rule::table_inputs => table.inputs = idents(lower, p),
            Rule::table_outputs => table.outputs = idents(lower, p),
            Rule::table_row => table.rows.push(table_row(lower, p)),
            Rule::table_example => table.examples.push(table_example(lower, p)),
            _ => {}
        }
    }
    table
}

fn table_example(lower: &mut Lower<'_>, pair: Pair<'_>) -> TableExample {
    let span = lower.span(&pair);
    // `=>` is not a pair of its own: values after the gap that holds it are outputs.
    let text = pair.get_input();
    let mut example = TableExample { inputs: Vec::new(), outputs: Vec::new(), span };
    let mut gap_start = pair.as_span().start();
    let mut outputs = false;
    for p in pair.into_inner().filter(|p| matches!(p.as_rule(), Rule::literal | Rule::ident)) {
        outputs |= text[gap_start..p.as_span().start()].contains("=>");
        gap_start = p.as_span().end();
        let value = lower.literal(p);
        if outputs { example.outputs.push(value) } else { example.inputs.push(value) }
    }
    example
}

fn idents(lower: &Lower<'_>, pair: Pair<'_>) -> Vec<Name> {
    pair.into_inner().filter(|p| p.as_rule() == Rule::ident).map(|p| lower.name(&p)).collect()
}

fn table_row(lower: &mut Lower<'_>, pair: Pair<'_>) -> TableRow {
    let span = lower.span(&pair);
    let mut row = TableRow { cells: Vec::new(), outputs: Vec::new(), span };
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::cell => {
                let Some(c) = p.into_inner().next() else {
                    continue;
                };
                let cell = match c.as_rule() {
                    Rule::cell_any => Cell::Any(lower.span(&c)),
                    Rule::cell_range => {
                        let mut bounds = c.into_inner();
                        match (bounds.next(), bounds.next()) {
                            (Some(lo), Some(hi)) => Cell::Range(lower.literal(lo), lower.literal(hi)),
                            _ => continue,
                        }
                    }
                    Rule::cell_compare => {
                        let mut parts = c.into_inner();
                        let (Some(op), Some(value)) = (parts.next(), parts.next()) else {
                            continue;
                        };
                        let op = match op.as_str() {
                            "<" => CompareOp::Lt,
                            "<=" => CompareOp::Le,
                            ">" => CompareOp::Gt,
                            ">=" => CompareOp::Ge,
                            _ => CompareOp::Ne,
                        };
                        Cell::Compare(op, lower.literal(value))
                    }
                    _ => Cell::OneOf(c.into_inner().map(|v| lower.literal(v)).collect()),
                };
                row.cells.push(cell);
            }
            Rule::literal | Rule::ident => row.outputs.push(lower.literal(p)),
            _ => {}
        }
    }
    row
}

pub(super) fn flow(
    text: &str,
    head: Span,
    items: &[Span],
    missing_braces: &std::collections::BTreeMap<usize, usize>,
    module: &mut Module,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let head_pair = parse_chunk(Rule::flow_head, text, head, diagnostics);
    let mut flow = Flow {
        is_subflow: text[head.start..head.end].starts_with("subflow"),
        name: Name { text: item_name(&text[head.start..head.end]).unwrap_or_default(), span: head },
        label: None,
        category: None,
        owner: None,
        channel: None,
        calendar: None,
        sla: None,
        onestop: None,
        fields: Vec::new(),
        lanes: Vec::new(),
        roles: Vec::new(),
        start: None,
        steps: Vec::new(),
        scenarios: Vec::new(),
        span: head,
        has_syntax_errors: head_pair.is_none(),
    };
    if let Some(pair) = head_pair {
        let lower = Lower { offset: head.start, diagnostics };
        let (name, label, _) = named(&lower, pair);
        flow.name = name;
        flow.label = label;
    }
    for &item in items {
        // An item cut short by a missing `}` (reported once already) is parsed as if closed.
        let patched;
        let (source, span) = match missing_braces.get(&item.start) {
            Some(&missing) => {
                patched = format!("{}{}", &text[..item.end], "}".repeat(missing));
                (patched.as_str(), Span::new(item.start, patched.len()))
            }
            None => (text, item),
        };
        let Some(pair) = parse_chunk(Rule::flow_item, source, span, diagnostics) else {
            flow.has_syntax_errors = true;
            module.broken_names.extend(salvage_names(&text[item.start..item.end]));
            continue;
        };
        let mut lower = Lower { offset: item.start, diagnostics };
        flow_item(&mut lower, pair, &mut flow);
    }
    module.flows.push(flow);
}

fn flow_item(lower: &mut Lower<'_>, pair: Pair<'_>, flow: &mut Flow) {
    let span = lower.span(&pair);
    let rule = pair.as_rule();
    let value = pair.clone().into_inner().nth(1);
    let repeated = |what: &str, already: bool, diagnostics: &mut Vec<Diagnostic>| {
        if already {
            diagnostics.push(Diagnostic::error("E0312", span, format!("`{what}` is given twice in this flow")));
        }
    };
    match rule {
        Rule::category => {
            repeated("category", flow.category.is_some(), lower.diagnostics);
            flow.category = value.map(|v| lower.text(&v));
        }
        Rule::owner => {
            repeated("owner", flow.owner.is_some(), lower.diagnostics);
            flow.owner = value.map(|v| lower.text(&v));
        }
        Rule::channel => {
            repeated("channel", flow.channel.is_some(), lower.diagnostics);
            flow.channel = value.map(|v| lower.name(&v));
        }
        Rule::calendar => {
            repeated("calendar", flow.calendar.is_some(), lower.diagnostics);
            flow.calendar = value.map(|v| lower.text(&v));
        }
        Rule::flow_sla => {
            repeated("sla", flow.sla.is_some(), lower.diagnostics);
            flow.sla = value.map(|v| lower.duration(&v));
        }
        Rule::onestop => {
            repeated("onestop", flow.onestop.is_some(), lower.diagnostics);
            flow.onestop = value.map(|v| v.as_str() == "on");
        }
        Rule::data_block => {
            for p in pair.into_inner().filter(|p| p.as_rule() == Rule::field_decl) {
                flow.fields.push(field(lower, p));
            }
        }
        Rule::lane_decl => flow.lanes.push(lane_decl(lower, pair)),
        Rule::role_decl => flow.roles.push(role_decl(lower, pair)),
        Rule::start_decl => {
            if flow.start.is_some() {
                lower.diagnostics.push(
                    Diagnostic::error("E0308", span, "a flow has one `start`; this is the second")
                        .with_help("remove one of the `start -> …` lines"),
                );
            }
            flow.start = pair.into_inner().find(|p| p.as_rule() == Rule::ident).map(|p| lower.name(&p));
        }
        Rule::scenario => flow.scenarios.push(scenario(lower, pair)),
        _ => {
            if let Some(step) = steps::step(lower, pair) {
                flow.steps.push(step);
            }
        }
    }
}

fn field(lower: &mut Lower<'_>, pair: Pair<'_>) -> Field {
    let mut inner = pair.into_inner();
    let name = inner.next().map(|p| lower.name(&p)).unwrap_or(Name { text: String::new(), span: Span::default() });
    let mut field = Field {
        name,
        label: None,
        ty: crate::ast::Type::Text,
        ty_span: Span::default(),
        required: false,
        default: None,
        min: None,
        max: None,
        max_len: None,
        pattern: None,
        attr_spans: Vec::new(),
    };
    for p in inner {
        let span = lower.span(&p);
        let attribute = match p.as_rule() {
            Rule::default_value => Some("default"),
            Rule::min => Some("min"),
            Rule::max => Some("max"),
            Rule::maxlen => Some("maxlen"),
            Rule::pattern => Some("pattern"),
            _ => None,
        };
        if let Some(attribute) = attribute {
            field.attr_spans.push((attribute.to_string(), span));
        }
        match p.as_rule() {
            Rule::label => field.label = Some(lower.text(&p)),
            Rule::type_expr => {
                field.ty_span = span;
                field.ty = lower.type_expr(p);
            }
            Rule::required => field.required = true,
            Rule::optional => field.required = false,
            Rule::default_value => field.default = p.into_inner().next().map(|v| lower.literal(v)),
            Rule::min => field.min = p.into_inner().next().map(|v| lower.literal(v)),
            Rule::max => field.max = p.into_inner().next().map(|v| lower.literal(v)),
            Rule::maxlen => field.max_len = p.into_inner().next().map(|v| lower.integer(&v)),
            Rule::pattern => field.pattern = p.into_inner().next().map(|v| lower.literal(v)),
            _ => {}
        }
    }
    field
}

fn assign(lower: &mut Lower<'_>, pair: Pair<'_>) -> Option<Assign> {
    let mut inner = pair.into_inner();
    let name = lower.name(&inner.next()?);
    let value = lower.literal(inner.next()?);
    Some(Assign { name, value })
}

fn scenario(lower: &mut Lower<'_>, pair: Pair<'_>) -> Scenario {
    let span = lower.span(&pair);
    let mut scenario = Scenario { title: String::new(), span, statements: Vec::new() };
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::string => scenario.title = lower.text(&p),
            Rule::kw_scenario | Rule::open | Rule::close => {}
            _ => {
                if let Some(stmt) = scenario_stmt(lower, p) {
                    scenario.statements.push(stmt);
                }
            }
        }
    }
    scenario
}

fn scenario_stmt(lower: &mut Lower<'_>, pair: Pair<'_>) -> Option<ScenarioStmt> {
    let rule = pair.as_rule();
    let span = lower.span(&pair);
    let mut inner = pair.into_inner().filter(|p| !super::is_keyword(p.as_rule())).peekable();
    Some(match rule {
        Rule::given => ScenarioStmt::Given(inner.filter_map(|p| assign(lower, p)).collect()),
        Rule::stub_action => {
            let action = lower.name(&inner.next()?);
            let fails = inner.peek().is_some_and(|p| p.as_rule() == Rule::action_fails);
            let returns = (!fails).then(|| inner.filter_map(|p| assign(lower, p)).collect());
            ScenarioStmt::StubAction { action, returns }
        }
        Rule::complete => {
            let task = lower.name(&inner.next()?);
            let outcome = inner.next_if(|p| p.as_rule() == Rule::ident).map(|p| lower.name(&p));
            ScenarioStmt::Complete { task, outcome, with: inner.filter_map(|p| assign(lower, p)).collect() }
        }
        Rule::send_back => {
            let task = lower.name(&inner.next()?);
            let to = lower.name(&inner.next()?);
            ScenarioStmt::SendBack { task, to }
        }
        Rule::send_signal => ScenarioStmt::Signal(lower.name(&inner.next()?)),
        Rule::advance => ScenarioStmt::Advance(lower.duration(&inner.next()?)),
        Rule::hold => ScenarioStmt::Hold { reason: inner.next().map(|p| lower.text(&p)), span },
        Rule::resume => ScenarioStmt::Resume(span),
        Rule::expect => {
            let what = inner.next()?;
            match what.as_rule() {
                Rule::expect_onestop => {
                    let negated = what.into_inner().any(|p| p.as_rule() == Rule::negation);
                    ScenarioStmt::ExpectOneStop { onestop: !negated, span }
                }
                Rule::expect_at => ScenarioStmt::ExpectAt(lower.name(&what.into_inner().next()?)),
                _ => {
                    let mut names = what.into_inner().map(|p| lower.name(&p));
                    let outcome = names.next()?;
                    ScenarioStmt::ExpectEnd { outcome, via: names.collect() }
                }
            }
        }
        _ => return None,
    })
}
