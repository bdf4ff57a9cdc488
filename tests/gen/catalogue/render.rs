//! Writing a [`FlowModel`] as a `.flow` file in the house style: 2-space indentation, one setting
//! per line, aligned data fields and outcomes, ends grouped after the steps, scenarios last.

use super::fields::{self, FieldDef};
use super::model::{Arm, FlowModel, Kind, Lit, Step};
use super::table::{Channel, Row};
use super::walk::{self, Event, Walked};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The identifiers an expression reads (not called functions, keywords or strings).
pub(crate) fn idents(expr: &str) -> Vec<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            let is_call = j < chars.len() && chars[j] == '(';
            if !is_call && !matches!(word.as_str(), "true" | "false" | "in") {
                out.push(word);
            }
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Display width of text in a fixed-width font (East Asian wide characters count twice).
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let u = c as u32;
            let wide = (0x1100..=0x115F).contains(&u)
                || (0x2E80..=0xA4CF).contains(&u)
                || (0xAC00..=0xD7A3).contains(&u)
                || (0xF900..=0xFAFF).contains(&u)
                || (0xFE30..=0xFE4F).contains(&u)
                || (0xFF00..=0xFF60).contains(&u)
                || (0xFFE0..=0xFFE6).contains(&u);
            if wide { 2 } else { 1 }
        })
        .sum()
}

fn pad(text: &str, to: usize) -> String {
    let mut s = text.to_string();
    for _ in width(text)..to {
        s.push(' ');
    }
    s
}

/// The fields a flow uses, in dictionary order, with their definitions.
fn used_fields(row: &Row, model: &FlowModel) -> Result<BTreeMap<&'static str, FieldDef>, String> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    for step in &model.steps {
        match &step.kind {
            Kind::Task(t) => {
                names.extend(t.show.iter().chain(&t.edit).chain(&t.require).map(|f| f.to_string()));
                if let Some((cond, _)) = &t.skip {
                    names.extend(idents(&cond.expr));
                }
            }
            Kind::Auto(a) => {
                for (_, expr) in &a.inputs {
                    names.extend(idents(expr));
                }
                names.extend(a.outputs.iter().map(|o| o.0.to_string()));
            }
            Kind::Decide(d) => {
                if let Some(t) = &d.table {
                    names.extend(t.fields.iter().map(|f| f.to_string()));
                }
                for (cond, _) in &d.branches {
                    names.extend(idents(&cond.expr));
                }
            }
            Kind::Wait(_) => {}
            Kind::Call(c) => {
                for (_, expr) in &c.inputs {
                    names.extend(idents(expr));
                }
                names.extend(c.outputs.iter().map(|o| o.0.to_string()));
            }
            Kind::Parallel(_) | Kind::Join(_) | Kind::End(_) => {}
        }
    }
    let mut out = BTreeMap::new();
    for name in &names {
        let Some(&key) = fields::ORDER.iter().find(|k| *k == name) else {
            return Err(format!("field `{name}` is not in the data dictionary (fields.rs)"));
        };
        let def = fields::lookup(key, row.product)
            .ok_or_else(|| format!("field `{name}` has no definition for {}", row.product.id))?;
        out.insert(key, def);
    }
    Ok(out)
}

/// The whole file for one row.
pub(crate) fn flow_file(row: &Row, model: &FlowModel) -> Result<String, String> {
    let fields = used_fields(row, model)?;
    let produced: BTreeSet<&str> = model
        .steps
        .iter()
        .flat_map(|s| match &s.kind {
            Kind::Auto(a) => a.outputs.iter().map(|o| o.0).collect::<Vec<_>>(),
            Kind::Call(c) => c.outputs.iter().map(|o| o.0).collect(),
            Kind::Decide(d) => d.table.iter().flat_map(|t| t.fields.last().copied()).collect(),
            _ => Vec::new(),
        })
        .collect();

    let mut out = String::new();
    out.push_str("# Generated from examples/flows/catalogue.tsv by gen-catalogue (tests/gen/). Do not edit:\n");
    out.push_str("# change the table or the generator, then run `cargo run -p junro-tests --bin gen-catalogue`.\n");
    out.push_str("#\n");
    for line in &model.description {
        out.push_str(if line.is_empty() { "#" } else { "# " });
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out.push_str("import \"../../_shared/common.flow\"\n\n");
    let _ = writeln!(out, "flow {} \"{}\" {{", row.flow_id, row.title);
    let _ = writeln!(out, "  category \"{}\"", row.category);
    let _ = writeln!(out, "  owner \"{}\"", row.owner);
    if let Some(channel) = row.channel.keyword() {
        let _ = writeln!(out, "  channel {channel}");
    }
    out.push_str("  calendar \"jp_business\"\n");
    if row.channel == Channel::System {
        // Started by a back-office system, not by a customer: outside the one-stop KPI.
        out.push_str("  onestop off\n");
    }
    let _ = writeln!(out, "  sla {}\n", row.sla);

    // data
    out.push_str("  data {\n");
    let name_w = fields.keys().map(|k| k.len()).max().unwrap_or(0);
    let label_w = fields.values().map(|d| width(&d.label) + 2).max().unwrap_or(0);
    for key in fields::ORDER {
        let Some(def) = fields.get(key) else { continue };
        let mut line = format!("    {} {} {}", pad(key, name_w), pad(&format!("\"{}\"", def.label), label_w), def.ty);
        if def.required && !produced.contains(key) {
            line.push_str(" required");
        }
        if let Some(default) = &def.default {
            let _ = write!(line, " = {}", default.write());
        }
        if !def.attrs.is_empty() {
            line.push(' ');
            line.push_str(def.attrs);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("  }\n\n");

    let first = model.steps.first().ok_or("no steps")?;
    let _ = writeln!(out, "  start -> {}\n", first.id);

    for step in &model.steps {
        if let Kind::End(outcome) = &step.kind {
            let _ = writeln!(out, "  end {} \"{}\" {outcome}", step.id, step.label);
            continue;
        }
        render_step(&mut out, step);
        out.push('\n');
    }

    for play in &model.plays {
        let walked = walk::walk(model, &fields, play)?;
        let mut title = play.title.clone();
        let kpi = row.channel != Channel::System;
        if kpi && walked.outcome == "completed" && walked.onestop && !title.contains("ワンストップ") {
            title.push_str("(ワンストップ)");
        }
        out.push('\n');
        render_scenario(&mut out, &title, &walked, kpi);
    }
    out.push_str("}\n");
    Ok(out)
}

fn render_step(out: &mut String, step: &Step) {
    if let Some(note) = &step.note {
        for line in note.lines() {
            let _ = writeln!(out, "  # {line}");
        }
    }
    let head = |kw: &str| format!("  {kw} {} \"{}\"", step.id, step.label);
    match &step.kind {
        Kind::Task(t) => {
            let _ = writeln!(out, "{} {{", head("task"));
            let _ = writeln!(out, "    lane {}", t.lane);
            let _ = writeln!(out, "    role {}", t.role);
            if let Some(v) = t.vendor {
                let _ = writeln!(out, "    vendor {v}");
            }
            for (kw, list) in [("show", &t.show), ("edit", &t.edit), ("require", &t.require)] {
                if !list.is_empty() {
                    let _ = writeln!(out, "    {kw} {}", list.join(", "));
                }
            }
            if let Some(p) = t.priority {
                let _ = writeln!(out, "    priority {p}");
            }
            let _ = writeln!(out, "    sla {}", t.sla);
            if let Some(r) = t.remind {
                let _ = writeln!(out, "    remind {r} before");
            }
            if let Some((role, after)) = t.escalate {
                let _ = writeln!(out, "    escalate to {role} after {after}");
            }
            if !t.sendback.is_empty() {
                let _ = writeln!(out, "    sendback {}", t.sendback.join(", "));
            }
            if let Some((cond, outcome)) = &t.skip {
                match outcome {
                    Some(o) => {
                        let _ = writeln!(out, "    skip when {} as {o}", cond.expr);
                    }
                    None => {
                        let _ = writeln!(out, "    skip when {}", cond.expr);
                    }
                }
            }
            for (id, label, next) in &t.outcomes {
                let _ = writeln!(out, "    outcome {id} \"{label}\" -> {next}");
            }
            if let Some(next) = &t.next {
                let _ = writeln!(out, "    -> {next}");
            }
            out.push_str("  }\n");
        }
        Kind::Auto(a) => {
            let _ = writeln!(out, "{} {{", head("auto"));
            let _ = writeln!(out, "    action {}", a.action);
            if !a.inputs.is_empty() {
                let list: Vec<String> = a.inputs.iter().map(|(p, e)| format!("{p} = {e}")).collect();
                let _ = writeln!(out, "    in {}", list.join(", "));
            }
            if !a.outputs.is_empty() {
                let list: Vec<String> = a.outputs.iter().map(|(f, k)| format!("{f} = {k}")).collect();
                let _ = writeln!(out, "    out {}", list.join(", "));
            }
            match a.retry {
                Some((n, Some(backoff))) => {
                    let _ = writeln!(out, "    retry {n} backoff {backoff}");
                }
                Some((n, None)) => {
                    let _ = writeln!(out, "    retry {n}");
                }
                None => {}
            }
            if let Some(t) = a.timeout {
                let _ = writeln!(out, "    timeout {t}");
            }
            let _ = writeln!(out, "    -> {}", a.next);
            out.push_str("  }\n");
        }
        Kind::Decide(d) => {
            let _ = writeln!(out, "{} {{", head("decide"));
            if let Some(t) = &d.table {
                let _ = writeln!(out, "    table {}", t.name);
            }
            for (cond, next) in &d.branches {
                let _ = writeln!(out, "    when {} -> {next}", cond.expr);
            }
            let _ = writeln!(out, "    else -> {}", d.default);
            out.push_str("  }\n");
        }
        Kind::Parallel(branches) => {
            let _ = writeln!(out, "{} {{", head("parallel"));
            for b in branches {
                let _ = writeln!(out, "    -> {b}");
            }
            out.push_str("  }\n");
        }
        Kind::Join(next) => {
            let _ = writeln!(out, "{} -> {next}", head("join"));
        }
        Kind::Wait(arms) => {
            let _ = writeln!(out, "{} {{", head("wait"));
            for arm in arms {
                let _ = match arm {
                    Arm::Signal(s, n) => writeln!(out, "    on {s} -> {n}"),
                    Arm::After(d, n) => writeln!(out, "    after {d} -> {n}"),
                };
            }
            out.push_str("  }\n");
        }
        Kind::Call(c) => {
            let _ = writeln!(out, "{} {{", head("call"));
            let _ = writeln!(out, "    flow {}", c.sub.flow_name());
            if !c.inputs.is_empty() {
                let list: Vec<String> = c.inputs.iter().map(|(p, e)| format!("{p} = {e}")).collect();
                let _ = writeln!(out, "    in {}", list.join(", "));
            }
            if !c.outputs.is_empty() {
                let list: Vec<String> = c.outputs.iter().map(|(f, k)| format!("{f} = {k}")).collect();
                let _ = writeln!(out, "    out {}", list.join(", "));
            }
            let _ = writeln!(out, "    -> {}", c.next);
            out.push_str("  }\n");
        }
        Kind::End(_) => {}
    }
}

/// `keyword a, b, c` on one line (the canonical layout keeps every statement on one line).
fn listed(out: &mut String, indent: &str, keyword: &str, items: &[String]) {
    let _ = writeln!(out, "{indent}{keyword} {}", items.join(", "));
}

fn assigns(list: &[(impl AsRef<str>, Lit)]) -> Vec<String> {
    list.iter().map(|(f, v)| format!("{} = {}", f.as_ref(), v.write())).collect()
}

fn render_scenario(out: &mut String, title: &str, w: &Walked, kpi: bool) {
    let _ = writeln!(out, "  scenario \"{title}\" {{");
    if !w.given.is_empty() {
        listed(out, "    ", "given", &assigns(&w.given));
    }
    for event in &w.events {
        match event {
            Event::Stub(action, returns) => listed(out, "    ", &format!("action {action} returns"), &assigns(returns)),
            Event::Complete { task, outcome, with } => {
                let mut head = format!("complete {task}");
                if let Some(o) = outcome {
                    let _ = write!(head, " as {o}");
                }
                if with.is_empty() {
                    let _ = writeln!(out, "    {head}");
                } else {
                    listed(out, "    ", &format!("{head} with"), &assigns(with));
                }
            }
            Event::SendBack { task, to } => {
                let _ = writeln!(out, "    sendback {task} to {to}");
            }
            Event::Signal(s) => {
                let _ = writeln!(out, "    signal {s}");
            }
            Event::Advance(d) => {
                let _ = writeln!(out, "    wait {d}");
            }
        }
    }
    match &w.via {
        Some(via) if !via.is_empty() => listed(out, "    ", &format!("expect {} via", w.outcome), via),
        _ => {
            let _ = writeln!(out, "    expect {}", w.outcome);
        }
    }
    if kpi && w.outcome == "completed" {
        out.push_str(if w.onestop { "    expect onestop\n" } else { "    expect not onestop\n" });
    }
    out.push_str("  }\n");
}
