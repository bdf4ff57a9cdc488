//! Process analytics: the KPIs of `../shared/kpi.md`, computed from the event history only.
//!
//! How a report is made: [`read`] streams the stored events the KPIs need (a few kinds, parsed
//! into compact [`facts`], never whole events) and groups each order with its subflows;
//! [`case`] turns one order into its figures and step instances; [`compute`] aggregates them
//! into a [`KpiReport`] and [`stalled`] into the reminder list. The same code runs on SQLite and
//! PostgreSQL — the databases only store and stream — so both give identical numbers.
//! [`Engine::kpi_report`](crate::Engine::kpi_report) and
//! [`Engine::stalled`](crate::Engine::stalled) are the entry points.
//!
//! - [`attribution`]: the vendor an order is attributed to, and whether a person started
//!   back-office work in it (which breaks one-stop), from a history in memory.
//! - [`report`]: the figures as typed rows; [`view`]: the same as generic tables for renderers.
//! - [`config`]: one-stop targets and reminder thresholds (YAML).

pub mod attribution;
pub(crate) mod case;
pub(crate) mod compute;
pub mod config;
pub(crate) mod facts;
mod groups;
mod intervals;
pub mod report;
pub(crate) mod stalled;
#[cfg(test)]
mod tests;
pub mod view;

pub use attribution::{OrderFacts, SELF_SERVICE};
pub use config::{KpiConfig, KpiConfigError, Targets};
pub use report::{
    Bottleneck, DayFlow, Distribution, FlowOverTime, GroupKpi, KpiReport, OpenTaskAlert, OrderKpi, StalledOrder,
    StalledReport, StepKpi, VendorStepCount, Window,
};
pub use view::{Cell, Column, Unit, View};

use crate::calendar::Calendar;
use crate::store::{Store, StoreError};
use case::InstanceLog;
use facts::{Fact, KINDS};
use std::collections::{BTreeMap, HashMap};

/// The vendor name of steps done by the back office's own staff (people of no vendor).
pub const IN_HOUSE: &str = "in-house";

/// What the KPIs need to know of the deployed flows.
pub(crate) trait FlowLookup {
    /// A step's label as the analyst wrote it (its id when unknown).
    fn step_label(&self, flow: &str, version: u32, step: &str) -> String;
    /// Whether the flow counts for one-stop.
    fn onestop_eligible(&self, flow: &str, version: u32) -> bool;
    /// The flow's target business lead time, in seconds (`sla` of the flow).
    fn sla(&self, flow: &str, version: u32) -> Option<u64>;
    /// The flow's business calendar.
    fn calendar(&self, flow: &str, version: u32) -> &Calendar;
}

/// Every order with its subflows, as the KPIs read them: for each order, its own instance
/// first, then its subflows (any depth).
pub(crate) async fn read(store: &dyn Store) -> Result<Vec<Vec<InstanceLog>>, StoreError> {
    let rows = store.instances().await?;
    let mut logs: Vec<InstanceLog> = rows
        .into_iter()
        .map(|r| InstanceLog {
            id: r.id,
            parent: r.parent,
            flow: r.flow,
            version: r.version,
            business_key: r.business_key,
            status: r.status,
            updated_at: r.updated_at.as_second(),
            facts: Vec::new(),
        })
        .collect();
    let index: HashMap<String, usize> = logs.iter().enumerate().map(|(n, l)| (l.id.clone(), n)).collect();
    {
        let mut current: Option<usize> = None;
        let mut sink = |e: crate::store::RawEvent<'_>| -> Result<(), StoreError> {
            let n = match current {
                Some(n) if logs[n].id == e.order => n,
                _ => match index.get(e.order) {
                    Some(&n) => n,
                    // Events of an order with no row: nothing to attribute them to.
                    None => return Ok(()),
                },
            };
            current = Some(n);
            let fact = Fact::parse(e.kind, e.body).map_err(|error| StoreError::Corrupt {
                order: e.order.to_string(),
                message: format!("event {}: {error}", e.seq),
            })?;
            if let Some(fact) = fact {
                logs[n].facts.push((e.at_us.div_euclid(1_000_000), fact));
            }
            Ok(())
        };
        store.scan_events(KINDS, &mut sink).await?;
    }
    // Each instance's root: follow parents up (a broken chain makes the instance its own root).
    let root_of = |mut n: usize| {
        for _ in 0..64 {
            match logs[n].parent.as_ref().and_then(|p| index.get(p)) {
                Some(&p) => n = p,
                None => break,
            }
        }
        n
    };
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for n in 0..logs.len() {
        members.entry(root_of(n)).or_default().push(n);
    }
    let mut slots: Vec<Option<InstanceLog>> = logs.into_iter().map(Some).collect();
    let mut cases = Vec::with_capacity(members.len());
    for (root, mut ids) in members {
        ids.sort_by_key(|&n| (n != root, n));
        cases.push(ids.into_iter().filter_map(|n| slots[n].take()).collect());
    }
    Ok(cases)
}
