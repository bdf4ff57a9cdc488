//! What an order's history says for one-stop: the vendor it is attributed to, and whether a
//! person started a back-office step in it. The same rules as the KPI report (`case.rs`), for
//! callers that hold histories in memory (the demo's summary, backtests).

use super::case::{InstanceLog, attributed_vendor, back_work, step_runs};
use super::facts::Fact;
use crate::store::HistoryEntry;
use std::collections::BTreeSet;

/// The vendor name of orders that neither started with a vendor nor had a front step completed by
/// a person (the company's own staff count as `in-house`).
pub const SELF_SERVICE: &str = "self-service";

/// An order's KPI facts, from its history and its subflows' histories.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderFacts {
    /// The vendor given at start, else that of whoever completed the first front-lane step
    /// (`in-house` for the company's own staff).
    pub vendor: Option<String>,
    /// Whether a person started (claimed) a back-lane step: the order is not one-stop.
    pub back_started: bool,
    /// The steps whose back-lane tasks people started.
    pub back_steps: BTreeSet<String>,
}

impl OrderFacts {
    /// The facts of an order: `histories` holds its own history first, then its subflows'.
    pub fn of(histories: &[&[HistoryEntry]]) -> OrderFacts {
        let instances: Vec<InstanceLog> = histories
            .iter()
            .map(|history| InstanceLog {
                id: String::new(),
                parent: None,
                flow: String::new(),
                version: 0,
                business_key: None,
                status: String::new(),
                updated_at: 0,
                facts: history.iter().filter_map(|e| Some((e.at.as_second(), Fact::of(&e.event)?))).collect(),
            })
            .collect();
        let now = instances.iter().flat_map(|i| i.facts.last()).map(|(at, _)| *at).max().unwrap_or(0);
        let (runs, start_vendor) = step_runs(&instances, now);
        let back_steps: BTreeSet<String> = runs.iter().filter(|r| back_work(r)).map(|r| r.step.clone()).collect();
        OrderFacts { vendor: attributed_vendor(start_vendor, &runs), back_started: !back_steps.is_empty(), back_steps }
    }

    /// The vendor, or [`SELF_SERVICE`].
    pub fn vendor_name(&self) -> &str {
        self.vendor.as_deref().unwrap_or(SELF_SERVICE)
    }
}
