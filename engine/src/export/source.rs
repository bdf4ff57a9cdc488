//! Reads the cases of an export: the top-level orders received in a window, each with its history
//! and the histories of the subflows under it (at any depth), all read in one pass
//! (`Engine::histories_by_order`). The writers take any iterator of cases.

use super::{Case, ExportError, OrderRecord};
use crate::Engine;
use crate::machine::Event;
use crate::replay::Projection;
use jiff::Timestamp;

/// Which orders to export, by `received_o`: those received in `[from, to)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// Received at or after this, when given.
    pub from: Option<Timestamp>,
    /// Received before this, when given.
    pub to: Option<Timestamp>,
}

impl Window {
    /// Whether an order received at `at` belongs to the window.
    pub fn contains(&self, at: Timestamp) -> bool {
        self.from.is_none_or(|from| at >= from) && self.to.is_none_or(|to| at < to)
    }
}

/// The cases of the top-level orders received in `window`, by receipt time (then order id).
pub async fn read_cases(engine: &Engine, window: &Window) -> Result<Vec<Case>, ExportError> {
    let flows = |id: &str, version: u32| engine.flow(id, version);
    let mut cases = Vec::new();
    for group in engine.histories_by_order().await? {
        let mut records = group.into_iter().map(|(row, history)| {
            let parent = row.parent;
            // The order's data as its history leaves it (the customer is read from the root's).
            let data = Projection::of_history(&history).data;
            (parent, OrderRecord { id: row.id, data, history })
        });
        let Some((None, root)) = records.next() else { continue };
        let received = root.history.iter().find_map(|e| match &e.event {
            Event::OrderStarted { received_at, .. } => Some(*received_at),
            _ => None,
        });
        let Some(received) = received.filter(|at| window.contains(*at)) else { continue };
        let subflows: Vec<OrderRecord> = records.map(|(_, record)| record).collect();
        cases.push((received, Case::build(&root, &subflows, &flows)?));
    }
    cases.sort_by(|a, b| (a.0, &a.1.order).cmp(&(b.0, &b.1.order)));
    Ok(cases.into_iter().map(|(_, case)| case).collect())
}
