//! Replaying an order's history: the events alone must give back what the stored state says
//! about the order — its status and outcome, its data, its vendor, and its open tasks with their
//! assignees. This is what makes the history a trustworthy source for KPIs, and what the crash
//! test checks after killing a process mid-flight.

use crate::machine::{Activity, Event, OrderState, Status};
use crate::runtime::OrderView;
use crate::script::Data;
use crate::store::HistoryEntry;
use std::collections::{BTreeMap, BTreeSet};

/// What an order looks like from outside, derived either from its state or from its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    /// `open`, `on_hold` or `closed`.
    pub status: String,
    /// The outcome, once closed.
    pub outcome: Option<String>,
    /// The order's data.
    pub data: Data,
    /// The vendor it belongs to.
    pub vendor: Option<String>,
    /// Open tasks and who has them.
    pub open_tasks: BTreeMap<u64, Option<String>>,
}

impl Projection {
    /// The projection of a stored state.
    pub fn of_state(state: &OrderState) -> Projection {
        let (status, outcome) = match &state.status {
            Status::Open => ("open", None),
            Status::OnHold { .. } => ("on_hold", None),
            Status::Closed { outcome, .. } => ("closed", Some(outcome.clone())),
        };
        let open_tasks = state
            .tokens
            .values()
            .filter_map(|t| match &t.activity {
                Activity::Task { assignee, .. } => Some((t.instance, assignee.clone())),
                _ => None,
            })
            .collect();
        Projection {
            status: status.into(),
            outcome,
            data: state.data.clone(),
            vendor: state.vendor.clone(),
            open_tasks,
        }
    }

    /// The projection obtained by replaying a history from its first event.
    pub fn of_history(history: &[HistoryEntry]) -> Projection {
        let mut p = Projection {
            status: "open".into(),
            outcome: None,
            data: Data::new(),
            vendor: None,
            open_tasks: BTreeMap::new(),
        };
        let mut back = BTreeSet::new();
        for entry in history {
            match &entry.event {
                Event::OrderStarted { data, vendor, .. } => {
                    p.data.extend(data.clone());
                    p.vendor = vendor.clone();
                }
                Event::TaskReady { instance, back: is_back, .. } => {
                    p.open_tasks.insert(*instance, None);
                    if *is_back {
                        back.insert(*instance);
                    }
                }
                Event::TaskClaimed { instance, actor, .. } => {
                    p.open_tasks.insert(*instance, Some(actor.clone()));
                }
                Event::TaskReleased { instance, .. } => {
                    p.open_tasks.insert(*instance, None);
                }
                Event::TaskTransferred { instance, to, .. } => {
                    p.open_tasks.insert(*instance, Some(to.clone()));
                }
                Event::TaskCompleted { instance, vendor, changes, .. } => {
                    p.open_tasks.remove(instance);
                    if !back.contains(instance) && p.vendor.is_none() {
                        p.vendor = vendor.clone();
                    }
                    p.data.extend(changes.clone());
                }
                Event::TaskCancelled { instance, .. } => {
                    p.open_tasks.remove(instance);
                }
                Event::Decided { table: Some(table), .. } => p.data.extend(table.outputs.clone()),
                Event::ActionSucceeded { written, .. } | Event::IncidentResolved { written, .. } => {
                    p.data.extend(written.clone())
                }
                Event::SignalReceived { data, .. } => p.data.extend(data.clone()),
                Event::SubflowEnded { outputs, .. } => p.data.extend(outputs.clone()),
                Event::Held { .. } => p.status = "on_hold".into(),
                Event::Resumed { .. } => p.status = "open".into(),
                Event::OrderClosed { outcome, .. } => {
                    p.status = "closed".into();
                    p.outcome = Some(outcome.clone());
                }
                _ => {}
            }
        }
        p
    }
}

/// Checks that an order's history replays to its stored state, and that its sequence numbers
/// have no gaps; the error says what differs.
pub fn verify(view: &OrderView) -> Result<(), String> {
    for (i, entry) in view.history.iter().enumerate() {
        if entry.seq != i as u64 + 1 {
            return Err(format!("order {}: event {} has sequence number {}", view.state.id, i + 1, entry.seq));
        }
    }
    if view.history.len() as u64 != view.state.events {
        return Err(format!(
            "order {}: the state counts {} events, the history holds {}",
            view.state.id,
            view.state.events,
            view.history.len()
        ));
    }
    let replayed = Projection::of_history(&view.history);
    let stored = Projection::of_state(&view.state);
    if replayed != stored {
        return Err(format!(
            "order {}: the history replays to {replayed:?}, but the stored state is {stored:?}",
            view.state.id
        ));
    }
    Ok(())
}
