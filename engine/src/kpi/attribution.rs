//! What an order's history says for the KPIs of `../shared/kpi.md`: the vendor it is attributed
//! to, and whether a person started a back-office step in it (which breaks one-stop).

use crate::machine::Event;
use crate::store::HistoryEntry;
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// The vendor name of orders that neither started with a vendor nor had a front step completed by
/// a vendor's operator.
pub const SELF_SERVICE: &str = "self-service";

/// An order's KPI facts, from its history and its subflows' histories.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderFacts {
    /// The vendor given at start, else that of whoever completed the first front-lane step.
    pub vendor: Option<String>,
    /// Whether a person started (claimed) a back-lane step: the order is not one-stop.
    pub back_started: bool,
    /// The steps whose back-lane tasks people started.
    pub back_steps: BTreeSet<String>,
}

impl OrderFacts {
    /// The facts of an order: `histories` holds its own history first, then its subflows'.
    pub fn of(histories: &[&[HistoryEntry]]) -> OrderFacts {
        let mut started_vendor = None;
        let mut first_front: Option<(Timestamp, Option<String>)> = None;
        let mut facts = OrderFacts::default();
        for history in histories {
            // instance → (step, back lane)
            let mut tasks: BTreeMap<u64, (&str, bool)> = BTreeMap::new();
            for entry in *history {
                match &entry.event {
                    Event::OrderStarted { vendor, parent: None, .. } => started_vendor.clone_from(vendor),
                    Event::TaskReady { instance, step, back, .. } => {
                        tasks.insert(*instance, (step.as_str(), *back));
                    }
                    Event::TaskClaimed { instance, .. } => {
                        if let Some((step, true)) = tasks.get(instance) {
                            facts.back_started = true;
                            facts.back_steps.insert((*step).to_string());
                        }
                    }
                    Event::TaskCompleted { instance, vendor, .. }
                        if matches!(tasks.get(instance), Some((_, false)))
                            && first_front.as_ref().is_none_or(|(at, _)| entry.at < *at) =>
                    {
                        first_front = Some((entry.at, vendor.clone()));
                    }
                    _ => {}
                }
            }
        }
        facts.vendor = started_vendor.or_else(|| first_front.and_then(|(_, v)| v));
        facts
    }

    /// The vendor, or [`SELF_SERVICE`].
    pub fn vendor_name(&self) -> &str {
        self.vendor.as_deref().unwrap_or(SELF_SERVICE)
    }
}
