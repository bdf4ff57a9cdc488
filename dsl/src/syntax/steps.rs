//! Lowering of steps: task, auto, decide, parallel, inclusive, join, wait, call and end.

use super::{Lower, Pair, Rule, expr};
use crate::ast::{
    Auto, Call, CustomerReminder, Decide, Name, Outcome, Priority, Retry, Skip, Step, StepKind, Task, VendorScope,
    WaitArm,
};
use crate::diagnostic::Diagnostic;

pub(super) fn step(lower: &mut Lower<'_>, pair: Pair<'_>) -> Option<Step> {
    let span = lower.span(&pair);
    let rule = pair.as_rule();
    let mut name = None;
    let mut label = None;
    let mut body = Vec::new();
    let mut reminders = Vec::new();
    for p in pair.into_inner() {
        match p.as_rule() {
            r if name.is_none() && super::is_keyword(r) => {}
            Rule::ident if name.is_none() => name = Some(lower.name(&p)),
            Rule::label if label.is_none() && body.is_empty() => label = Some(lower.text(&p)),
            Rule::open | Rule::close => {}
            Rule::remind_customer => reminders.extend(customer_reminder(lower, p)),
            _ => body.push(p),
        }
    }
    let name = name?;
    let kind = match rule {
        Rule::task => StepKind::Task(task(lower, body)),
        Rule::auto => StepKind::Auto(auto(lower, body)),
        Rule::decide => StepKind::Decide(decide(lower, body)),
        Rule::inclusive => StepKind::Inclusive(decide(lower, body)),
        Rule::parallel => StepKind::Parallel(body.into_iter().filter_map(|g| goto(lower, g)).collect()),
        Rule::join => StepKind::Join(body.into_iter().find(|p| p.as_rule() == Rule::ident).map(|p| lower.name(&p))?),
        Rule::wait => StepKind::Wait(body.into_iter().filter_map(|p| wait_arm(lower, p)).collect()),
        Rule::call => StepKind::Call(call(lower, body)),
        Rule::end => StepKind::End(body.into_iter().next().map(|p| lower.name(&p))?),
        _ => return None,
    };
    Some(Step { name, label, kind, reminders, span })
}

/// `remind customer <address field> <duration> before <date field>`.
fn customer_reminder(lower: &mut Lower<'_>, pair: Pair<'_>) -> Option<CustomerReminder> {
    let span = lower.span(&pair);
    let mut inner = pair.into_inner().filter(|p| matches!(p.as_rule(), Rule::ident | Rule::duration));
    let address = lower.name(&inner.next()?);
    let before = lower.duration(&inner.next()?);
    let date = lower.name(&inner.next()?);
    Some(CustomerReminder { address, before, date, span })
}

/// The step named by `-> step`.
fn goto(lower: &Lower<'_>, pair: Pair<'_>) -> Option<Name> {
    pair.into_inner().find(|p| p.as_rule() == Rule::ident).map(|p| lower.name(&p))
}

/// The identifiers inside a pair, in order.
fn names(lower: &Lower<'_>, pair: Pair<'_>) -> Vec<Name> {
    pair.into_inner().filter(|p| p.as_rule() == Rule::ident).map(|p| lower.name(&p)).collect()
}

/// Records a setting given twice (the later one wins, and the checker reports it).
fn note_twice(repeated: &mut Vec<(String, crate::span::Span)>, already: bool, what: &str, span: crate::span::Span) {
    if already {
        repeated.push((what.to_string(), span));
    }
}

fn task(lower: &mut Lower<'_>, body: Vec<Pair<'_>>) -> Task {
    let mut t = Task::default();
    for p in body {
        let span = lower.span(&p);
        let rule = p.as_rule();
        match rule {
            Rule::lane_ref => {
                note_twice(&mut t.repeated, t.lane.is_some(), "lane", span);
                t.lane = goto(lower, p);
            }
            Rule::role_ref => {
                note_twice(&mut t.repeated, t.role.is_some(), "role", span);
                t.role = goto(lower, p);
            }
            Rule::vendor_rule => {
                note_twice(&mut t.repeated, t.vendor.is_some(), "vendor", span);
                t.vendor =
                    Some(if p.as_str().trim_end().ends_with("any") { VendorScope::Any } else { VendorScope::Same });
            }
            Rule::show => t.show.extend(names(lower, p)),
            Rule::edit => t.edit.extend(names(lower, p)),
            Rule::require => t.require.extend(names(lower, p)),
            Rule::priority => {
                note_twice(&mut t.repeated, t.priority.is_some(), "priority", span);
                t.priority = Some(match p.into_inner().nth(1).map(|l| l.as_str().to_string()).as_deref() {
                    Some("low") => Priority::Low,
                    Some("high") => Priority::High,
                    Some("urgent") => Priority::Urgent,
                    _ => Priority::Normal,
                });
            }
            Rule::sla => {
                note_twice(&mut t.repeated, t.sla.is_some(), "sla", span);
                t.sla = p.into_inner().nth(1).map(|d| lower.duration(&d));
            }
            Rule::remind => {
                note_twice(&mut t.repeated, t.remind_before.is_some(), "remind", span);
                t.remind_before = p.into_inner().nth(1).map(|d| lower.duration(&d));
            }
            Rule::escalate => {
                note_twice(&mut t.repeated, t.escalate.is_some(), "escalate", span);
                let mut inner = p.into_inner().filter(|q| matches!(q.as_rule(), Rule::ident | Rule::duration));
                if let (Some(role), Some(after)) = (inner.next(), inner.next()) {
                    t.escalate = Some((lower.name(&role), lower.duration(&after)));
                }
            }
            Rule::sendback => t.sendback.extend(names(lower, p)),
            Rule::skip => {
                note_twice(&mut t.repeated, t.skip.is_some(), "skip", span);
                let mut when = None;
                let mut outcome = None;
                for q in p.into_inner() {
                    match q.as_rule() {
                        Rule::expr => when = Some(expr::expr(lower, q)),
                        Rule::ident => outcome = Some(lower.name(&q)),
                        _ => {}
                    }
                }
                if let Some(when) = when {
                    t.skip = Some(Skip { when, outcome });
                }
            }
            Rule::outcome => {
                let mut name = None;
                let mut label = None;
                let mut next = None;
                for q in p.into_inner() {
                    match q.as_rule() {
                        Rule::ident if name.is_none() => name = Some(lower.name(&q)),
                        Rule::ident => next = Some(lower.name(&q)),
                        Rule::label => label = Some(lower.text(&q)),
                        _ => {}
                    }
                }
                if let (Some(name), Some(next)) = (name, next) {
                    t.outcomes.push(Outcome { name, label, next });
                }
            }
            Rule::goto => {
                note_twice(&mut t.repeated, t.next.is_some(), "->", span);
                t.next = goto(lower, p);
            }
            _ => {}
        }
    }
    t
}

fn mappings(lower: &mut Lower<'_>, pair: Pair<'_>) -> Vec<(Name, crate::ast::Expr)> {
    let mut out = Vec::new();
    for m in pair.into_inner().filter(|m| m.as_rule() == Rule::in_mapping) {
        let mut inner = m.into_inner();
        if let (Some(target), Some(value)) = (inner.next(), inner.next()) {
            let target = lower.name(&target);
            out.push((target, expr::expr(lower, value)));
        }
    }
    out
}

fn out_mappings(lower: &Lower<'_>, pair: Pair<'_>) -> Vec<(Name, Name)> {
    let mut out = Vec::new();
    for m in pair.into_inner().filter(|m| m.as_rule() == Rule::out_mapping) {
        let mut inner = m.into_inner();
        if let (Some(field), Some(source)) = (inner.next(), inner.next()) {
            out.push((lower.name(&field), lower.name(&source)));
        }
    }
    out
}

fn auto(lower: &mut Lower<'_>, body: Vec<Pair<'_>>) -> Auto {
    let mut a = Auto::default();
    for p in body {
        let span = lower.span(&p);
        match p.as_rule() {
            Rule::action_ref => {
                note_twice(&mut a.repeated, a.action.is_some(), "action", span);
                a.action = goto(lower, p);
            }
            Rule::input_map => a.inputs.extend(mappings(lower, p)),
            Rule::output_map => a.outputs.extend(out_mappings(lower, p)),
            Rule::retry => {
                note_twice(&mut a.repeated, a.retry.is_some(), "retry", span);
                let mut count = 0;
                let mut backoff = None;
                for q in p.into_inner() {
                    match q.as_rule() {
                        Rule::integer => count = lower.integer(&q),
                        Rule::duration => backoff = Some(lower.duration(&q)),
                        _ => {}
                    }
                }
                a.retry = Some(Retry { count, backoff });
            }
            Rule::timeout => {
                note_twice(&mut a.repeated, a.timeout.is_some(), "timeout", span);
                a.timeout = p.into_inner().nth(1).map(|d| lower.duration(&d));
            }
            Rule::goto => {
                note_twice(&mut a.repeated, a.next.is_some(), "->", span);
                a.next = goto(lower, p);
            }
            _ => {}
        }
    }
    a
}

fn decide(lower: &mut Lower<'_>, body: Vec<Pair<'_>>) -> Decide {
    let mut d = Decide::default();
    for p in body {
        match p.as_rule() {
            Rule::use_table => d.table = goto(lower, p),
            Rule::branch => {
                let mut condition = None;
                let mut next = None;
                for q in p.into_inner() {
                    match q.as_rule() {
                        Rule::expr => condition = Some(expr::expr(lower, q)),
                        Rule::ident => next = Some(lower.name(&q)),
                        _ => {}
                    }
                }
                if let (Some(c), Some(n)) = (condition, next) {
                    d.branches.push((c, n));
                }
            }
            Rule::else_branch => d.default = goto(lower, p),
            _ => {}
        }
    }
    d
}

fn wait_arm(lower: &mut Lower<'_>, pair: Pair<'_>) -> Option<WaitArm> {
    let rule = pair.as_rule();
    let mut inner =
        pair.into_inner().filter(|p| !matches!(p.as_rule(), Rule::arrow) && !super::is_keyword(p.as_rule()));
    let first = inner.next()?;
    let next = lower.name(&inner.next()?);
    Some(match rule {
        Rule::on_signal => WaitArm::Signal(lower.name(&first), next),
        Rule::after => WaitArm::After(lower.duration(&first), next),
        Rule::until => WaitArm::Until(lower.name(&first), next),
        _ => {
            lower.diagnostics.push(Diagnostic::error("E0101", lower.span(&first), "unexpected wait arm"));
            return None;
        }
    })
}

fn call(lower: &mut Lower<'_>, body: Vec<Pair<'_>>) -> Call {
    let mut c = Call::default();
    for p in body {
        match p.as_rule() {
            Rule::call_flow => c.flow = goto(lower, p),
            Rule::input_map => c.inputs.extend(mappings(lower, p)),
            Rule::output_map => c.outputs.extend(out_mappings(lower, p)),
            Rule::goto => c.next = goto(lower, p),
            _ => {}
        }
    }
    c
}
