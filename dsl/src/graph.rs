//! Pictures of flows: Mermaid and Graphviz DOT, with lanes as subgraphs, decisions as diamonds
//! and labels in the analyst's language (the step's label, or its id when it has none).
//!
//! Shapes follow BPMN habits where they stay readable with long Japanese labels: tasks are rounded
//! boxes, automatic steps double boxes, subflow calls bold boxes, decisions, parallel gateways
//! (marked ＋) and inclusive gateways (marked ○, their joins too) diamonds, waits dashed ellipses,
//! ends double-bordered boxes with their outcome.

use crate::ast::{Expr, ExprKind, Flow, LaneDecl, LaneKind, Step, StepKind, Value, WaitArm};
use crate::program::Program;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The diagram languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Mermaid `flowchart`.
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

/// Why a flow could not be drawn.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum GraphError {
    /// The file is not part of the program.
    #[error("no file {0} was read")]
    NoFile(String),
    /// The file defines no flow (it may be a shared fragment).
    #[error("{0} defines no flow")]
    NoFlow(String),
    /// The file defines several flows and none was chosen, or the chosen one is not there.
    #[error("{path} defines {available}; choose one with --flow")]
    Ambiguous {
        /// The file.
        path: String,
        /// The flows it defines.
        available: String,
    },
}

/// Draws flow `flow` (or the only flow) of the file at `path`.
pub fn draw(program: &Program, path: &str, flow: Option<&str>, format: Format) -> Result<String, GraphError> {
    let file = program.file(path).ok_or_else(|| GraphError::NoFile(path.to_string()))?;
    let flows = &file.module.flows;
    let chosen = match flow {
        Some(name) => flows.iter().find(|f| f.name.text == name),
        None if flows.len() == 1 => flows.first(),
        None => None,
    };
    let Some(chosen) = chosen else {
        if flows.is_empty() {
            return Err(GraphError::NoFlow(path.to_string()));
        }
        let available = flows.iter().map(|f| f.name.text.as_str()).collect::<Vec<_>>().join(", ");
        return Err(GraphError::Ambiguous { path: path.to_string(), available });
    };
    let mut ignored = Vec::new();
    let scope = crate::check::Scope::build(program, &file.path, &mut ignored);
    let mut lanes: BTreeMap<&str, &LaneDecl> = scope.lanes.iter().map(|(k, d)| (*k, d.item)).collect();
    lanes.extend(chosen.lanes.iter().map(|l| (l.name.text.as_str(), l)));
    Ok(match format {
        Format::Mermaid => mermaid(chosen, &lanes),
        Format::Dot => dot(chosen, &lanes),
    })
}

/// What a step shows: its label, or its id.
fn title(step: &Step) -> &str {
    step.label.as_deref().unwrap_or(&step.name.text)
}

/// Lanes in order of first use, each with its tasks.
fn lane_groups(flow: &Flow) -> Vec<(&str, Vec<&Step>)> {
    let mut groups: Vec<(&str, Vec<&Step>)> = Vec::new();
    for step in &flow.steps {
        let StepKind::Task(task) = &step.kind else {
            continue;
        };
        let lane = task.lane.as_ref().map_or("", |l| l.text.as_str());
        match groups.iter_mut().find(|(l, _)| *l == lane) {
            Some((_, steps)) => steps.push(step),
            None => groups.push((lane, vec![step])),
        }
    }
    groups
}

/// Every edge: from, to, and its label.
fn edges(step: &Step) -> Vec<(&str, String)> {
    match &step.kind {
        StepKind::Task(t) => {
            let mut out: Vec<(&str, String)> = t
                .outcomes
                .iter()
                .map(|o| (o.next.text.as_str(), o.label.clone().unwrap_or_else(|| o.name.text.clone())))
                .collect();
            out.extend(t.next.iter().map(|n| (n.text.as_str(), String::new())));
            out
        }
        StepKind::Decide(d) | StepKind::Inclusive(d) => {
            let mut out: Vec<(&str, String)> =
                d.branches.iter().map(|(c, n)| (n.text.as_str(), short(&expr_text(c)))).collect();
            out.extend(d.default.iter().map(|n| (n.text.as_str(), "else".to_string())));
            out
        }
        StepKind::Wait(arms) => arms
            .iter()
            .map(|arm| match arm {
                WaitArm::Signal(s, n) => (n.text.as_str(), format!("on {}", s.text)),
                WaitArm::After(d, n) => (n.text.as_str(), format!("after {}", duration_text(d.seconds))),
                WaitArm::Until(f, n) => (n.text.as_str(), format!("until {}", f.text)),
            })
            .collect(),
        _ => step.successors().into_iter().map(|n| (n.text.as_str(), String::new())).collect(),
    }
}

/// A duration as the analyst writes it (`1d12h`).
pub fn duration_text(mut seconds: u64) -> String {
    if seconds == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if seconds >= size {
            let _ = write!(out, "{}{unit}", seconds / size);
            seconds %= size;
        }
    }
    out
}

/// An expression written back as source text.
pub fn expr_text(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Literal(v) => match v {
            Value::Text(t) => format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\"")),
            Value::Integer(i) => i.to_string(),
            Value::Decimal(d) => d.clone(),
            Value::Boolean(b) => b.to_string(),
            Value::Symbol(s) => s.clone(),
        },
        ExprKind::Field(f) => f.clone(),
        ExprKind::Call(name, args) => {
            format!("{}({})", name.text, args.iter().map(expr_text).collect::<Vec<_>>().join(", "))
        }
        ExprKind::Array(items) => format!("[{}]", items.iter().map(expr_text).collect::<Vec<_>>().join(", ")),
        ExprKind::Unary(op, inner) => {
            let symbol = match op {
                crate::ast::UnaryOp::Not => "!",
                crate::ast::UnaryOp::Neg => "-",
            };
            match inner.kind {
                ExprKind::Binary(..) => format!("{symbol}({})", expr_text(inner)),
                _ => format!("{symbol}{}", expr_text(inner)),
            }
        }
        ExprKind::Binary(op, l, r) => {
            let side = |e: &Expr| match &e.kind {
                ExprKind::Binary(inner, ..) if precedence(*inner) < precedence(*op) => {
                    format!("({})", expr_text(e))
                }
                _ => expr_text(e),
            };
            let right = match &r.kind {
                ExprKind::Binary(inner, ..) if precedence(*inner) <= precedence(*op) => {
                    format!("({})", expr_text(r))
                }
                _ => expr_text(r),
            };
            format!("{} {} {}", side(l), op.symbol(), right)
        }
    }
}

fn precedence(op: crate::ast::BinaryOp) -> u8 {
    use crate::ast::BinaryOp::*;
    match op {
        Or => 1,
        And => 2,
        Eq | Ne => 3,
        In => 4,
        Lt | Le | Gt | Ge => 5,
        Add | Sub => 6,
        Mul | Div | Rem => 7,
    }
}

/// Long conditions are cut so the picture stays readable.
fn short(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX - 1).collect::<String>())
    }
}

fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
}

/// The joins that close an inclusive split: the first join met walking forward from it at the
/// same nesting depth (a nested split opens a level, its join closes it).
fn inclusive_joins(flow: &Flow) -> BTreeSet<&str> {
    let by_name: BTreeMap<&str, &Step> = flow.steps.iter().map(|s| (s.name.text.as_str(), s)).collect();
    let mut joins = BTreeSet::new();
    for split in flow.steps.iter().filter(|s| matches!(s.kind, StepKind::Inclusive(_))) {
        let mut seen = BTreeSet::new();
        let mut frontier: Vec<(&Step, usize)> = vec![(split, 0)];
        while let Some((step, depth)) = frontier.pop() {
            for next in step.successors().into_iter().filter_map(|n| by_name.get(n.text.as_str())) {
                if !seen.insert((next.name.text.as_str(), depth)) {
                    continue;
                }
                match next.kind {
                    StepKind::Join(_) if depth == 0 => {
                        joins.insert(next.name.text.as_str());
                    }
                    StepKind::Join(_) => frontier.push((next, depth - 1)),
                    StepKind::Parallel(_) | StepKind::Inclusive(_) => frontier.push((next, depth + 1)),
                    _ => frontier.push((next, depth)),
                }
            }
        }
    }
    joins
}

/// The gateway mark of a split or join: ○ inclusive, ＋ parallel.
fn gateway_mark(step: &Step, inclusive: &BTreeSet<&str>) -> &'static str {
    if matches!(step.kind, StepKind::Inclusive(_)) || inclusive.contains(step.name.text.as_str()) {
        "○"
    } else {
        "＋"
    }
}

fn mermaid_node(step: &Step, inclusive: &BTreeSet<&str>) -> String {
    let id = format!("s_{}", step.name.text);
    let label = mermaid_text(title(step));
    match &step.kind {
        StepKind::Task(_) => format!("{id}[\"{label}\"]"),
        StepKind::Auto(_) => format!("{id}[[\"⚙ {label}\"]]"),
        StepKind::Call(c) => {
            let sub = c.flow.as_ref().map_or(String::new(), |f| format!(" ⇒ {}", f.text));
            format!("{id}[[\"{label}{sub}\"]]")
        }
        StepKind::Decide(_) => format!("{id}{{\"{label}\"}}"),
        StepKind::Parallel(_) | StepKind::Inclusive(_) | StepKind::Join(_) => {
            format!("{id}{{\"{} {label}\"}}", gateway_mark(step, inclusive))
        }
        StepKind::Wait(_) => format!("{id}((\"{label}\"))"),
        StepKind::End(o) => format!("{id}(((\"{label} · {}\")))", o.text),
    }
}

fn lane_title(lane: &str, lanes: &BTreeMap<&str, &LaneDecl>) -> String {
    match lanes.get(lane) {
        Some(l) => {
            let kind = if l.kind == LaneKind::Back { "back" } else { "front" };
            format!("{} ({kind})", l.label.as_deref().unwrap_or(lane))
        }
        None => lane.to_string(),
    }
}

fn mermaid(flow: &Flow, lanes: &BTreeMap<&str, &LaneDecl>) -> String {
    let inclusive = inclusive_joins(flow);
    let mut out = String::from("flowchart TD\n");
    let _ = writeln!(out, "  %% {} ({})", flow.label.as_deref().unwrap_or(&flow.name.text), flow.name.text);
    out.push_str("  start_((\"開始 start\"))\n");
    for (lane, steps) in lane_groups(flow) {
        let _ = writeln!(out, "  subgraph lane_{lane}[\"{}\"]", mermaid_text(&lane_title(lane, lanes)));
        for step in steps {
            let _ = writeln!(out, "    {}", mermaid_node(step, &inclusive));
        }
        out.push_str("  end\n");
    }
    for step in flow.steps.iter().filter(|s| !matches!(s.kind, StepKind::Task(_))) {
        let _ = writeln!(out, "  {}", mermaid_node(step, &inclusive));
    }
    if let Some(start) = &flow.start {
        let _ = writeln!(out, "  start_ --> s_{}", start.text);
    }
    for step in &flow.steps {
        for (to, label) in edges(step) {
            if label.is_empty() {
                let _ = writeln!(out, "  s_{} --> s_{to}", step.name.text);
            } else {
                let _ = writeln!(out, "  s_{} -->|\"{}\"| s_{to}", step.name.text, mermaid_text(&label));
            }
        }
        if let StepKind::Task(t) = &step.kind {
            for back in &t.sendback {
                let _ = writeln!(out, "  s_{} -.->|\"差戻し sendback\"| s_{}", step.name.text, back.text);
            }
        }
    }
    out
}

fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn dot_node(step: &Step, inclusive: &BTreeSet<&str>) -> String {
    let label = dot_text(title(step));
    let attributes = match &step.kind {
        StepKind::Task(_) => "shape=box, style=rounded".to_string(),
        StepKind::Auto(_) => "shape=box, peripheries=2".to_string(),
        StepKind::Call(_) => "shape=box, style=bold".to_string(),
        StepKind::Decide(_) => "shape=diamond".to_string(),
        StepKind::Parallel(_) | StepKind::Inclusive(_) | StepKind::Join(_) => {
            let mark = gateway_mark(step, inclusive);
            return format!("s_{} [label=\"{mark} {label}\", shape=diamond];", step.name.text);
        }
        StepKind::Wait(_) => "shape=ellipse, style=dashed".to_string(),
        StepKind::End(o) => {
            let style = "shape=box, style=\"rounded,bold\", peripheries=2";
            return format!("s_{} [label=\"{label}\\n({})\", {style}];", step.name.text, o.text);
        }
    };
    format!("s_{} [label=\"{label}\", {attributes}];", step.name.text)
}

fn dot(flow: &Flow, lanes: &BTreeMap<&str, &LaneDecl>) -> String {
    let inclusive = inclusive_joins(flow);
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", flow.name.text);
    let _ = writeln!(out, "  label=\"{}\";", dot_text(flow.label.as_deref().unwrap_or(&flow.name.text)));
    out.push_str("  labelloc=t;\n  rankdir=TB;\n  node [fontname=\"sans-serif\"];\n  edge [fontname=\"sans-serif\", fontsize=10];\n");
    out.push_str("  start_ [label=\"開始\", shape=circle];\n");
    for (lane, steps) in lane_groups(flow) {
        let _ = writeln!(out, "  subgraph cluster_{lane} {{");
        let _ = writeln!(out, "    label=\"{}\";", dot_text(&lane_title(lane, lanes)));
        out.push_str("    style=rounded;\n");
        for step in steps {
            let _ = writeln!(out, "    {}", dot_node(step, &inclusive));
        }
        out.push_str("  }\n");
    }
    for step in flow.steps.iter().filter(|s| !matches!(s.kind, StepKind::Task(_))) {
        let _ = writeln!(out, "  {}", dot_node(step, &inclusive));
    }
    if let Some(start) = &flow.start {
        let _ = writeln!(out, "  start_ -> s_{};", start.text);
    }
    for step in &flow.steps {
        for (to, label) in edges(step) {
            if label.is_empty() {
                let _ = writeln!(out, "  s_{} -> s_{to};", step.name.text);
            } else {
                let _ = writeln!(out, "  s_{} -> s_{to} [label=\"{}\"];", step.name.text, dot_text(&label));
            }
        }
        if let StepKind::Task(t) = &step.kind {
            for back in &t.sendback {
                let _ = writeln!(out, "  s_{} -> s_{} [label=\"差戻し\", style=dashed];", step.name.text, back.text);
            }
        }
    }
    out.push_str("}\n");
    out
}
