//! Moving a running order to another version of its flow: allowed when every step it stands
//! at (tasks, jobs, waits, subflow calls, incidents), every join it counts at and every step a
//! pending wait timer leads to exists in the new version by id and is of the same kind, and its
//! data satisfies the new version's fields (those it newly requires present, types and choices
//! kept). A field required in both versions is not a new demand: the task that fills it in
//! still asks for it, whether or not the order has reached that task.

use super::{Activity, Actor, Event, OrderState, Status, TimerPurpose, Transition};
use crate::compile::{CompiledFlow, NodeKind};

/// Why an order cannot move from version `from` of its flow (when still deployed) to `to`, in
/// words an administrator acts on.
pub fn migration_blocker(state: &OrderState, from: Option<&CompiledFlow>, to: &CompiledFlow) -> Option<String> {
    if matches!(state.status, Status::Closed { .. }) {
        return Some("the order is closed".into());
    }
    for token in state.tokens.values() {
        let Some(node) = to.node(&token.step) else {
            return Some(format!("step `{}` is removed", token.step));
        };
        let same_kind = matches!(
            (&token.activity, &node.kind),
            (Activity::Task { .. }, NodeKind::Task(_))
                | (Activity::Job { .. }, NodeKind::Auto(_))
                | (Activity::Waiting { .. }, NodeKind::Wait(_))
                | (Activity::Calling { .. }, NodeKind::Call { .. })
                | (Activity::Stuck { .. }, _)
        );
        if !same_kind {
            return Some(format!("step `{}` is now a different kind of step", token.step));
        }
    }
    for join in state.joins.keys().chain(state.awaited.keys()) {
        if !matches!(to.node(join).map(|n| &n.kind), Some(NodeKind::Join { .. })) {
            return Some(format!("join `{join}` is removed"));
        }
    }
    for timer in state.timers.values() {
        if let TimerPurpose::Wait { next, .. } = &timer.purpose
            && to.node(next).is_none()
        {
            return Some(format!("step `{next}`, where a wait leads, is removed"));
        }
    }
    for field in &to.fields {
        match state.data.get(&field.id) {
            None | Some(serde_json::Value::Null)
                if field.required && !from.and_then(|f| f.field(&field.id)).is_some_and(|f| f.required) =>
            {
                return Some(format!("field `{}` is now required and the order has no value", field.id));
            }
            Some(value) if !value.is_null() => {
                if let Err(e) = super::check_value(to, &field.id, value) {
                    return Some(format!("field `{}`: {e}", field.id));
                }
            }
            _ => {}
        }
    }
    None
}

/// The order moved to version `version` of its flow by `actor`; the caller checked
/// [`migration_blocker`] against that version first.
pub fn migrate(state: &OrderState, version: u32, actor: &Actor) -> Transition {
    let mut state = state.clone();
    let from = state.version;
    state.version = version;
    state.version_no += 1;
    Transition {
        state,
        events: vec![Event::FlowMigrated { from, to: version, actor: actor.id.clone() }],
        effects: Vec::new(),
    }
}
