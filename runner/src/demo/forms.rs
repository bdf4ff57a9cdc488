//! What people type and choose: the data an order starts with, the form a person fills in to
//! complete a task (every field the task requires, valid by type), and the outcome they pick —
//! or the send-back (差戻し) a reviewer makes when the front operator's entry was wrong.

use super::catalog::FlowInfo;
use super::mistakes;
use super::rng::Rng;
use super::values::Sample;
use jiff::Timestamp;
use junro_engine::compile::TaskSpec;
use junro_engine::script::Data;
use serde_json::json;

/// Outcomes that refuse, fail or stop the order (chosen rarely, and for flawed entries).
const NEGATIVE: &[&str] = &[
    "reject",
    "deficient",
    "invalid",
    "incomplete",
    "refused",
    "refuse",
    "decline",
    "declined",
    "mismatch",
    "missing",
    "withdraw",
    "withdrawn",
    "fail",
    "not_fixed",
    "impossible",
    "returned",
    "abandon",
    "full",
    "too_high",
    "unreachable",
    "cancelled",
];

/// The data an order starts with: every required field, and most of the customer's optional
/// input (fields no step computes).
pub(crate) fn start_data(info: &FlowInfo, sample: &Sample, rng: &mut Rng) -> Data {
    let mut data = Data::new();
    for field in &info.flow.fields {
        let input = !info.computed.contains(&field.id) && !field.id.ends_with("_note");
        let wanted = field.required || (input && rng.chance(if field.default.is_some() { 0.5 } else { 0.7 }));
        if wanted {
            data.insert(field.id.clone(), sample.value(&field.id, &field.ty));
        }
    }
    data
}

/// What a person does with a task.
#[derive(Debug)]
pub(crate) enum Decision {
    /// Complete it with this outcome and form.
    Complete(Option<String>, Data),
    /// Send the order back to this earlier task.
    SendBack(String),
}

/// Who works a task, on what.
pub(crate) struct Worker {
    /// Their mistake rate.
    pub(crate) error: f64,
    /// Whether this entry keys one field wrong (a rule will notice).
    pub(crate) mistake: bool,
    /// Whether the order's front entry is wrong (from an earlier mistake).
    pub(crate) flawed: bool,
}

/// Decides how `worker` completes `spec` at `now`.
pub(crate) fn decide(
    info: &FlowInfo,
    spec: &TaskSpec,
    sample: &Sample,
    worker: &Worker,
    now: Timestamp,
    rng: &mut Rng,
) -> Decision {
    let Worker { error, mistake, flawed } = *worker;
    if spec.lane.back && flawed && !spec.sendback.is_empty() && rng.chance(0.85) {
        return Decision::SendBack(spec.sendback[0].clone());
    }
    let outcome = outcome(spec, error, flawed, rng);
    let mut form = Data::new();
    let required = info.flow.fields.iter().filter(|f| f.required && spec.edit.contains(&f.id)).map(|f| &f.id);
    for field in spec.require.iter().chain(required) {
        if let Some(f) = info.flow.field(field) {
            form.insert(field.clone(), sample.value(field, &f.ty));
        }
    }
    // Intake-like front tasks (no outcome) key in some optional fields too.
    let keyed_in = !spec.lane.back && spec.outcomes.is_empty();
    for field in &spec.edit {
        let Some(f) = info.flow.field(field) else { continue };
        if form.contains_key(field) {
            continue;
        }
        if field == "credit_decision" {
            let approved = !outcome.as_deref().is_some_and(|o| NEGATIVE.contains(&o));
            form.insert(field.clone(), json!(if approved { "approved" } else { "rejected" }));
        } else if (keyed_in && !info.computed.contains(field) && rng.chance(0.4))
            || (field.ends_with("_note") && rng.chance(0.5))
        {
            form.insert(field.clone(), sample.value(field, &f.ty));
        }
    }
    if mistake {
        mistakes::key_wrong(info, &mut form, sample, now, rng);
    }
    Decision::Complete(outcome, form)
}

/// The outcome: mostly the first (approving) one; a refusal more often for flawed entries and
/// for people who make more mistakes.
fn outcome(spec: &TaskSpec, error: f64, flawed: bool, rng: &mut Rng) -> Option<String> {
    let (first, _) = spec.outcomes.first()?;
    let others: Vec<&String> = spec.outcomes.iter().skip(1).map(|(o, _)| o).collect();
    if others.is_empty() {
        return Some(first.clone());
    }
    let negative: Vec<&String> = others.iter().copied().filter(|o| NEGATIVE.contains(&o.as_str())).collect();
    let p_other = if spec.lane.back {
        0.04 + error / 2.0 + if flawed { 0.25 } else { 0.0 }
    } else {
        // Front calls: customers who cannot be reached, or change their minds.
        0.08 + error / 2.0
    };
    if !rng.chance(p_other) {
        return Some(first.clone());
    }
    let pool = if flawed && !negative.is_empty() { negative } else { others };
    Some((*rng.pick(&pool)).clone())
}
