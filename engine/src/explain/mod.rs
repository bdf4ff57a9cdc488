//! An order's history in words, one line per event, for people: the order page and
//! `junro order`. Decisions say which rule or table decided, on which values, and where the order
//! went, so "why did this order go to the back office?" has its answer in the history.
//! [`describe_ja`] tells the same in Japanese for the staff's pages.

mod ja;

pub use ja::describe_ja;

use crate::compile::CompiledFlow;
use crate::machine::Event;
use crate::script::Data;

/// `step` with its label from the flow, when the flow knows it: `review (審査)`.
fn step(flow: Option<&CompiledFlow>, id: &str) -> String {
    match flow.and_then(|f| f.node(id)) {
        Some(node) if node.label != id => format!("{id} ({})", node.label),
        _ => id.to_string(),
    }
}

/// `a = 1, b = "x"`; `(no values)` when empty.
fn values(data: &Data) -> String {
    if data.is_empty() {
        return "(no values)".into();
    }
    data.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ")
}

fn by(actor: &str, vendor: Option<&str>) -> String {
    match vendor {
        Some(vendor) => format!("{actor} of {vendor}"),
        None => actor.to_string(),
    }
}

/// ` on behalf of 田中` when a deputy acted.
fn behalf(principal: &Option<String>) -> String {
    principal.as_ref().map(|p| format!(" on behalf of {p}")).unwrap_or_default()
}

/// One event in words. `flow` (the order's flow version) supplies step labels.
pub fn describe(event: &Event, flow: Option<&CompiledFlow>) -> String {
    let step = |id: &str| step(flow, id);
    match event {
        Event::OrderStarted { flow: id, version, business_key, vendor, channel, data, .. } => {
            let mut text = format!("order started: flow {id} version {version}");
            if let Some(key) = business_key {
                text.push_str(&format!(", order number {key}"));
            }
            if let Some(vendor) = vendor {
                text.push_str(&format!(", vendor {vendor}"));
            }
            if let Some(channel) = channel {
                text.push_str(&format!(", by {channel}"));
            }
            format!("{text}; data: {}", values(data))
        }
        Event::TaskReady { step: s, lane, back, role, due_at, .. } => {
            let office = if *back { "back office" } else { "front" };
            let due = due_at.map(|d| format!(", due {d}")).unwrap_or_default();
            format!("task {} is ready for {role} ({lane} lane, {office}){due}", step(s))
        }
        Event::TaskClaimed { instance, actor, vendor, on_behalf_of } => {
            format!("task #{instance} taken by {}{}", by(actor, vendor.as_deref()), behalf(on_behalf_of))
        }
        Event::TaskReleased { instance, actor, on_behalf_of } => {
            format!("task #{instance} released by {actor}{}", behalf(on_behalf_of))
        }
        Event::TaskTransferred { instance, from, to, on_behalf_of } => {
            format!("task #{instance} transferred from {from} to {to}{}", behalf(on_behalf_of))
        }
        Event::TaskCompleted { step: s, actor, vendor, outcome, changes, on_behalf_of, .. } => {
            let outcome = outcome.as_ref().map(|o| format!(" as {o}")).unwrap_or_default();
            let changes = if changes.is_empty() { String::new() } else { format!("; entered {}", values(changes)) };
            let who = by(actor, vendor.as_deref());
            format!("task {} completed{outcome} by {who}{}{changes}", step(s), behalf(on_behalf_of))
        }
        Event::TaskSkipped { step: s, rule, inputs, outcome, .. } => {
            let outcome = outcome.as_ref().map(|o| format!(" as {o}")).unwrap_or_default();
            format!("task {} skipped{outcome}: rule `{rule}` held with {}", step(s), values(inputs))
        }
        Event::TaskCancelled { instance, reason } => format!("task #{instance} withdrawn: {reason}"),
        Event::Decided { step: s, branch, next, inputs, table, .. } => {
            let mut text = format!("decision {}: ", step(s));
            if let Some(t) = table {
                let rows = t.rows.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
                let rows = if t.rows.is_empty() { "no row".to_string() } else { format!("row {rows}") };
                text.push_str(&format!(
                    "table {} matched {rows} for {} and set {}; ",
                    t.table,
                    values(&t.inputs),
                    values(&t.outputs)
                ));
            }
            if branch == "else" {
                text.push_str(&format!("no condition held ({}), so else", values(inputs)));
            } else {
                text.push_str(&format!("`{branch}` held with {}", values(inputs)));
            }
            format!("{text} -> {}", step(next))
        }
        Event::BranchesTaken { step: s, branches, next, inputs, .. } => {
            let taken: Vec<String> = branches
                .iter()
                .zip(next)
                .map(
                    |(b, n)| if b == "else" { format!("else -> {}", step(n)) } else { format!("`{b}` -> {}", step(n)) },
                )
                .collect();
            let all = if branches.iter().any(|b| b == "else") { "no condition held, so " } else { "" };
            format!(
                "inclusive {}: {all}{} branch(es) taken: {} (read {})",
                step(s),
                next.len(),
                taken.join(", "),
                values(inputs)
            )
        }
        Event::ActionQueued { step: s, action, attempt, .. } => {
            format!("automatic step {} queued action {action} (attempt {attempt})", step(s))
        }
        Event::ActionSucceeded { instance, written, .. } => {
            let written = if written.is_empty() { String::new() } else { format!("; wrote {}", values(written)) };
            format!("action of #{instance} succeeded{written}")
        }
        Event::ActionFailed { instance, attempt, error, retry_at, .. } => {
            let retry = retry_at.map_or_else(|| ", no retry left".to_string(), |at| format!(", retry at {at}"));
            format!("action of #{instance} failed (attempt {attempt}): {error}{retry}")
        }
        Event::IncidentRaised { step: s, message, .. } => format!("INCIDENT at {}: {message}", step(s)),
        Event::IncidentRetried { instance, actor } => format!("incident of #{instance} retried by {actor}"),
        Event::IncidentResolved { instance, actor, written } => {
            let written = if written.is_empty() { String::new() } else { format!(", writing {}", values(written)) };
            format!("incident of #{instance} resolved by {actor}{written}")
        }
        Event::WaitStarted { step: s, customer, .. } => {
            format!("waiting at {}{}", step(s), if *customer { " for the customer" } else { "" })
        }
        Event::WaitEnded { by, next, .. } => format!("wait ended by {by} -> {}", step(next)),
        Event::SubflowStarted { step: s, flow: child, .. } => format!("step {} started subflow {child}", step(s)),
        Event::SubflowEnded { outcome, outputs, .. } => {
            let outputs =
                if outputs.is_empty() { String::new() } else { format!("; brought back {}", values(outputs)) };
            format!("subflow ended {outcome}{outputs}")
        }
        Event::SignalReceived { name, data, sender } => {
            let data = if data.is_empty() { String::new() } else { format!(" with {}", values(data)) };
            let sender = sender.as_ref().map(|s| format!(" from {s}")).unwrap_or_default();
            format!("signal {name} received{sender}{data}")
        }
        Event::FlowMigrated { from, to, actor } => format!("moved from version {from} to version {to} by {actor}"),
        Event::SignalKept { name, sender, expires_at } => {
            let sender = sender.as_ref().map(|s| format!(" from {s}")).unwrap_or_default();
            format!("signal {name}{sender} arrived before the order waited for it: kept until {expires_at}")
        }
        Event::SignalExpired { name, sender, reason } => {
            let sender = sender.as_ref().map(|s| format!(" from {s}")).unwrap_or_default();
            format!("kept signal {name}{sender} dropped ({reason}): listed among the lost signals")
        }
        Event::SentBack { from, to, actor, reason, on_behalf_of, .. } => {
            format!("sent back from {} to {} by {actor}{}: {reason}", step(from), step(to), behalf(on_behalf_of))
        }
        Event::PulledBack { step: s, actor, on_behalf_of, .. } => {
            format!("{actor}{} pulled back {}", behalf(on_behalf_of), step(s))
        }
        Event::Held { actor, reason } => format!("put on hold by {actor}: {reason}"),
        Event::Resumed { actor } => format!("resumed by {actor}"),
        Event::Reminded { instance } => format!("reminder due for task #{instance}"),
        Event::CustomerReminded { date, moment, .. } => format!("the customer is to be reminded of {date} ({moment})"),
        Event::TaskDueMoved { instance, due_at, stopped_s } => format!(
            "task #{instance} now due {due_at}: the SLA clock stood still for {:.1} business hours",
            *stopped_s as f64 / 3600.0
        ),
        Event::Overdue { instance } => format!("task #{instance} is overdue"),
        Event::Escalated { instance, role, priority } => {
            let priority = priority
                .map(|p| format!(", priority {}", ["low", "normal", "high", "urgent"][usize::from(p.min(3))]))
                .unwrap_or_default();
            format!("task #{instance} escalated to {role}{priority}")
        }
        Event::OrderClosed { outcome, by, actor: Some(actor) } => format!("order closed: {outcome} by {actor} ({by})"),
        Event::OrderClosed { outcome, by, actor: None } => format!("order closed: {outcome} ({by})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::TableDecision;
    use serde_json::json;

    /// The history never claims what did not happen: no channel delivers reminders yet, so a
    /// reminder is "due", not "sent".
    #[test]
    fn the_history_never_claims_a_reminder_was_sent() {
        let text = describe(&Event::Reminded { instance: 4 }, None);
        assert_eq!(text, "reminder due for task #4");
    }

    fn data(v: serde_json::Value) -> Data {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_decision_names_its_rule_values_table_rows_and_target() {
        let by_rule = Event::Decided {
            instance: 3,
            step: "construction".into(),
            branch: "construction_needed(building_type, has_existing_line)".into(),
            next: "review".into(),
            inputs: data(json!({"building_type": "house", "has_existing_line": false})),
            table: None,
        };
        assert_eq!(
            describe(&by_rule, None),
            "decision construction: `construction_needed(building_type, has_existing_line)` held with \
             building_type = \"house\", has_existing_line = false -> review"
        );
        let by_table = Event::Decided {
            instance: 4,
            step: "judge".into(),
            branch: "else".into(),
            next: "done".into(),
            inputs: data(json!({"work_type": "none"})),
            table: Some(TableDecision {
                table: "work_fee_table".into(),
                inputs: data(json!({"building_type": "apartment"})),
                rows: vec![4],
                outputs: data(json!({"work_type": "none"})),
            }),
        };
        assert_eq!(
            describe(&by_table, None),
            "decision judge: table work_fee_table matched row 4 for building_type = \"apartment\" and set \
             work_type = \"none\"; no condition held (work_type = \"none\"), so else -> done"
        );
    }

    #[test]
    fn a_skipped_task_names_the_rule_that_skipped_it() {
        let skipped = Event::TaskSkipped {
            instance: 5,
            step: "review".into(),
            rule: "auto_approve(credit_score)".into(),
            inputs: data(json!({"credit_score": 720})),
            outcome: Some("approve".into()),
        };
        assert_eq!(
            describe(&skipped, None),
            "task review skipped as approve: rule `auto_approve(credit_score)` held with credit_score = 720"
        );
    }
}
