//! Process analytics: the KPIs of `../shared/kpi.md`, computed from the event history only.
//!
//! How a report is made: `read` streams the stored events the KPIs need (a few kinds, parsed
//! into compact facts, never whole events) and groups each order with its subflows; `case`
//! turns one order into its figures and step instances; `compute` aggregates them into a
//! [`KpiReport`] and `stalled` into the reminder list. The same code runs on SQLite and
//! PostgreSQL — the databases only store and stream — so both give identical numbers.
//! [`Engine::kpi_report`](crate::Engine::kpi_report) and
//! [`Engine::stalled`](crate::Engine::stalled) are the entry points.
//!
//! - [`attribution`]: the vendor an order is attributed to, and whether a person started
//!   back-office work in it (which breaks one-stop), from a history in memory.
//! - [`report`]: the figures as typed rows; [`view`]: the same as generic tables for renderers.
//! - [`config`]: one-stop targets and reminder thresholds (YAML).
//! - `summary`: finished orders' figures kept in the database, so each finished order's events
//!   are read once, not at every report.

pub mod attribution;
pub(crate) mod case;
pub(crate) mod compute;
pub mod config;
pub(crate) mod facts;
mod groups;
mod intervals;
mod not_one_stop;
pub mod report;
pub(crate) mod stalled;
pub(crate) mod summary;
#[cfg(test)]
mod tests;
mod time_split;
mod time_view;
pub mod view;

pub use attribution::{OrderFacts, SELF_SERVICE};
pub use config::{KpiConfig, KpiConfigError, StalledThresholds, Targets};
pub use report::{
    Bottleneck, DayFlow, Distribution, FlowOverTime, FollowUpGroup, GroupKpi, KpiReport, NotOneStop, OpenTaskAlert,
    OrderKpi, StalledOrder, StalledReport, StepKpi, TimeSplit, VendorStepCount, Window,
};
pub use summary::CHUNK_ORDERS;
pub use view::{Cell, Column, Unit, View};

use crate::calendar::Calendar;
use crate::store::{InstanceRow, KpiChunk, RawEvent, Store, StoreError};
use case::InstanceLog;
use facts::{Fact, KINDS};

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

/// What a report reads: the summary's chunks, and every order not in them with its subflows
/// (for each order, its own instance first, then its subflows, any depth).
pub(crate) struct Snapshot {
    /// The summary's chunks (finished orders' figures, encoded).
    pub(crate) chunks: Vec<KpiChunk>,
    /// The other orders' histories.
    pub(crate) cases: Vec<Vec<InstanceLog>>,
}

/// Reads the summary made under `key` and the events of every order not in it.
pub(crate) async fn read(store: &dyn Store, key: &str) -> Result<Snapshot, StoreError> {
    let mut logs: Vec<InstanceLog> = Vec::new();
    let mut chunks = Vec::new();
    {
        let mut sink = |row: InstanceRow, events: &mut dyn Iterator<Item = Result<RawEvent<'_>, StoreError>>| {
            let mut facts = Vec::with_capacity(events.size_hint().0);
            for event in events {
                let e = event?;
                let fact = Fact::parse(e.kind, e.body).map_err(|error| StoreError::Corrupt {
                    order: row.id.clone(),
                    message: format!("event {}: {error}", e.seq),
                })?;
                if let Some(fact) = fact {
                    facts.push((e.at_us.div_euclid(1_000_000), fact));
                }
            }
            logs.push(InstanceLog {
                id: row.id,
                parent: row.parent,
                flow: row.flow,
                version: row.version,
                business_key: row.business_key,
                status: row.status,
                updated_at: row.updated_at.as_second(),
                facts,
            });
            Ok(())
        };
        store.kpi_snapshot(key, KINDS, &mut chunks, &mut sink).await?;
    }
    let cases = crate::store::group_by_root(logs, |l| l.id.as_str(), |l| l.parent.as_deref());
    Ok(Snapshot { chunks, cases })
}
