//! Reads the cases of an export through the engine's public API: the top-level orders received in
//! a window, each with its history and the histories of the subflows under it (at any depth).
//! One query per order and per order's subflows: simple and exact; a bulk reader that streams
//! histories can replace this without touching the writers, which take any iterator of cases.

use super::{Case, ExportError, OrderRecord};
use crate::Engine;
use crate::store::OrderFilter;
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
    let filter = OrderFilter { limit: Some(u32::MAX), ..OrderFilter::default() };
    let mut roots: Vec<_> =
        engine.orders(&filter).await?.into_iter().filter(|r| window.contains(r.received_at)).collect();
    roots.sort_by(|a, b| (a.received_at, &a.id).cmp(&(b.received_at, &b.id)));
    let flows = |id: &str, version: u32| engine.flow(id, version);
    let mut cases = Vec::with_capacity(roots.len());
    for row in roots {
        let root = OrderRecord::from(engine.order(&row.id).await?);
        let subflows = subflows(engine, &row.id).await?;
        cases.push(Case::build(&root, &subflows, &flows)?);
    }
    Ok(cases)
}

/// Every subflow order under `root`, parents before their children.
async fn subflows(engine: &Engine, root: &str) -> Result<Vec<OrderRecord>, ExportError> {
    let mut parents = vec![root.to_string()];
    let mut records = Vec::new();
    while let Some(parent) = parents.pop() {
        let filter = OrderFilter { parent: Some(parent), limit: Some(u32::MAX), ..OrderFilter::default() };
        let mut children = engine.orders(&filter).await?;
        children.sort_by(|a, b| a.id.cmp(&b.id));
        for child in children {
            parents.push(child.id.clone());
            records.push(OrderRecord::from(engine.order(&child.id).await?));
        }
    }
    Ok(records)
}
