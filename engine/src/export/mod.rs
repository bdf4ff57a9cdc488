//! Event-log export: the engine's history as the event logs process-mining tools read (PM4Py,
//! ProM, Celonis), as `../shared/kpi.md` ("Event-log export") defines them.
//!
//! This module holds the case model, built from histories alone: one [`Case`] per order (a root
//! flow instance, its subflows rolled up into it), beginning with an `order received` event at
//! `received_o` and, once closed, ending with an `order closed` event at `closed_o`, so a tool's
//! case duration is Junro's calendar lead time. Each step instance between them gives a `start`
//! and a `complete` event. The writers (`xes`, `ocel`, `csv`) take any iterator of cases and know
//! nothing of the database; [`source`] reads cases through the engine's public API, and a bulk
//! reader can replace it without touching the writers. Nothing here changes an order.

pub mod csv;
pub mod ocel;
pub mod source;
pub mod xes;

use crate::compile::{CompiledFlow, NodeKind};
use crate::kpi::OrderFacts;
use crate::machine::Event;
use crate::runtime::OrderView;
use crate::script::Data;
use crate::store::HistoryEntry;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::collections::BTreeMap;
use std::sync::Arc;

pub use source::{Window, read_cases};

/// The activity of each case's first event, at `received_o`.
pub const ORDER_RECEIVED: &str = "order received";
/// The activity of each closed case's last event, at `closed_o`.
pub const ORDER_CLOSED: &str = "order closed";
/// The resource of a task a rule completed (`TaskSkipped`): nobody worked it.
pub const RULE_RESOURCE: &str = "rule";
/// The resource of automatic steps: the engine's workers ran them.
pub const SYSTEM_RESOURCE: &str = "system";
/// Data fields that identify the customer, in the order they are tried. An order whose data has
/// none of them has no customer object in OCEL and no `customer` attribute.
pub const CUSTOMER_FIELDS: [&str; 4] = ["customer_id", "customer_no", "customer", "customer_name"];

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Reading orders or histories failed.
    #[error(transparent)]
    Engine(#[from] crate::EngineError),
    /// Writing the output failed.
    #[error("writing the event log: {0}")]
    Io(#[from] std::io::Error),
    /// The CSV writer failed other than by I/O.
    #[error("writing CSV: {0}")]
    Csv(::csv::Error),
    /// The OCEL JSON could not be written other than by I/O.
    #[error("writing OCEL JSON: {0}")]
    Json(serde_json::Error),
    /// An order's history has no `OrderStarted` event.
    #[error("order {0} has no `order started` event in its history")]
    NotStarted(String),
}

/// How many cases and events a writer wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// Cases (traces, order objects, distinct case ids).
    pub cases: usize,
    /// Events.
    pub events: usize,
}

/// An instant as XES and OCEL write it: RFC 3339 in UTC with an explicit offset and milliseconds
/// (`2026-11-02T00:15:00.000+00:00`).
pub fn timestamp(at: Timestamp) -> String {
    at.to_zoned(TimeZone::UTC).strftime("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
}

// The writers' I/O errors stay I/O errors, so a closed pipe is recognised as one.
impl From<::csv::Error> for ExportError {
    fn from(error: ::csv::Error) -> ExportError {
        if !error.is_io_error() {
            return ExportError::Csv(error);
        }
        match error.into_kind() {
            ::csv::ErrorKind::Io(io) => ExportError::Io(io),
            // `is_io_error` holds only for `ErrorKind::Io`; keep whatever else as I/O too.
            other => ExportError::Io(std::io::Error::other(format!("{other:?}"))),
        }
    }
}

impl From<serde_json::Error> for ExportError {
    fn from(error: serde_json::Error) -> ExportError {
        if error.is_io() { ExportError::Io(error.into()) } else { ExportError::Json(error) }
    }
}

/// The XES lifecycle transition of an event (IEEE 1849 standard lifecycle model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lifecycle {
    /// A person claimed the task (the last claim before it ended), or the first attempt of an
    /// automatic step was queued.
    Start,
    /// The task was completed (by a person or a rule), the action succeeded, or the order event
    /// (received, closed) happened.
    Complete,
}

impl Lifecycle {
    /// `start` or `complete`, as `lifecycle:transition` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Start => "start",
            Lifecycle::Complete => "complete",
        }
    }
}

/// One event of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// `concept:name`: the step's label as written in the flow (its id when it has none), or
    /// [`ORDER_RECEIVED`] / [`ORDER_CLOSED`].
    pub activity: String,
    /// `lifecycle:transition`.
    pub lifecycle: Lifecycle,
    /// `time:timestamp`.
    pub at: Timestamp,
    /// `org:resource`: who claimed or completed the step; [`RULE_RESOURCE`] or
    /// [`SYSTEM_RESOURCE`] when nobody did; `None` for the order events.
    pub resource: Option<String>,
    /// `org:group`: the resource's vendor; `None` for in-house staff, rules and the system.
    pub group: Option<String>,
    /// The step's lane id (human tasks only).
    pub lane: Option<String>,
    /// The flow id of the instance the step belongs to (a subflow's for its steps).
    pub flow: String,
    /// That flow's deployed version.
    pub version: u32,
    /// The step id (`None` for the order events).
    pub step: Option<String>,
    /// The order (flow instance) the event was recorded in: the root's id, or a subflow's.
    pub order: String,
    /// The step instance within that order (`None` for the order events): a start and its
    /// complete share it (`concept:instance` in XES).
    pub instance: Option<u64>,
    /// The order's outcome, on the `order closed` event.
    pub outcome: Option<String>,
}

impl LogEvent {
    /// `order#instance` for step events: unique within the case, shared by start and complete.
    pub fn instance_id(&self) -> Option<String> {
        self.instance.map(|i| format!("{}#{i}", self.order))
    }
}

/// One case: an order with its subflows rolled up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The case id: the business key when the order has one, else the order id.
    pub id: String,
    /// The root order's id.
    pub order: String,
    /// The root order's flow id.
    pub flow: String,
    /// Its deployed version.
    pub version: u32,
    /// The vendor the order is attributed to ([`OrderFacts::vendor_name`]; `self-service` when
    /// none).
    pub vendor: String,
    /// The channel it came in by.
    pub channel: Option<String>,
    /// The customer, from the first of [`CUSTOMER_FIELDS`] in the order's data.
    pub customer: Option<String>,
    /// `received_o`.
    pub received_at: Timestamp,
    /// `closed_o` and the outcome, once closed.
    pub closed: Option<(Timestamp, String)>,
    /// The events in time order: `order received` first, `order closed` (when closed) last.
    pub events: Vec<LogEvent>,
}

/// An order instance as cases are built from it: its id, its current data and its history.
#[derive(Debug, Clone)]
pub struct OrderRecord {
    /// Order id.
    pub id: String,
    /// Its data (the customer is read from the root's).
    pub data: Data,
    /// Every event, in order.
    pub history: Vec<HistoryEntry>,
}

impl From<OrderView> for OrderRecord {
    fn from(view: OrderView) -> OrderRecord {
        OrderRecord { id: view.state.id, data: view.state.data, history: view.history }
    }
}

/// Where an event sorts among those at the same instant: the order's receipt first, its close
/// last, and steps in the order their history recorded them (root before subflows).
type SortKey = (Timestamp, u8, usize, u64);

impl Case {
    /// Builds the case of `root` with the subflow orders under it (`subflows`, at any depth).
    /// `flows` gives a deployed flow version, for step labels and lanes.
    pub fn build(
        root: &OrderRecord,
        subflows: &[OrderRecord],
        flows: &dyn Fn(&str, u32) -> Option<Arc<CompiledFlow>>,
    ) -> Result<Case, ExportError> {
        let started = root.history.iter().find_map(|h| match &h.event {
            Event::OrderStarted { flow, version, business_key, channel, received_at, .. } => {
                Some((flow, *version, business_key, channel, *received_at))
            }
            _ => None,
        });
        let Some((flow, version, business_key, channel, received_at)) = started else {
            return Err(ExportError::NotStarted(root.id.clone()));
        };
        let closed = root.history.iter().find_map(|h| match &h.event {
            Event::OrderClosed { outcome, .. } => Some((h.at, outcome.clone())),
            _ => None,
        });
        let histories: Vec<&[HistoryEntry]> =
            std::iter::once(root).chain(subflows).map(|r| r.history.as_slice()).collect();
        let order_event = |activity: &str, at: Timestamp, outcome: Option<String>| LogEvent {
            activity: activity.to_string(),
            lifecycle: Lifecycle::Complete,
            at,
            resource: None,
            group: None,
            lane: None,
            flow: flow.clone(),
            version,
            step: None,
            order: root.id.clone(),
            instance: None,
            outcome,
        };
        let mut keyed: Vec<(SortKey, LogEvent)> =
            vec![((received_at, 0, 0, 0), order_event(ORDER_RECEIVED, received_at, None))];
        for (index, record) in std::iter::once(root).chain(subflows).enumerate() {
            step_events(record, index, flows, &mut keyed);
        }
        if let Some((at, outcome)) = &closed {
            keyed.push(((*at, 2, 0, 0), order_event(ORDER_CLOSED, *at, Some(outcome.clone()))));
        }
        keyed.sort_by_key(|(key, _)| *key);
        Ok(Case {
            id: business_key.clone().unwrap_or_else(|| root.id.clone()),
            order: root.id.clone(),
            flow: flow.clone(),
            version,
            vendor: OrderFacts::of(&histories).vendor_name().to_string(),
            channel: channel.clone(),
            customer: customer(&root.data),
            received_at,
            closed,
            events: keyed.into_iter().map(|(_, e)| e).collect(),
        })
    }
}

/// The customer named by the first of [`CUSTOMER_FIELDS`] that `data` holds, as text.
fn customer(data: &Data) -> Option<String> {
    CUSTOMER_FIELDS.iter().find_map(|field| match data.get(*field)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// A step instance seen so far in one order's history.
struct Open {
    step: String,
    lane: Option<String>,
    /// The (last) claim, or the first attempt's queueing: time, who, their vendor, history seq.
    start: Option<(Timestamp, String, Option<String>, u64)>,
}

/// Writes the step events of one order instance into its case's list.
struct StepLog<'a> {
    record: &'a OrderRecord,
    /// The record's position in the case (0 = root), for ties at one instant.
    index: usize,
    flow_id: String,
    version: u32,
    flow: Option<Arc<CompiledFlow>>,
    out: &'a mut Vec<(SortKey, LogEvent)>,
}

impl StepLog<'_> {
    fn label(&self, step: &str) -> String {
        self.flow.as_ref().and_then(|f| f.node(step)).map_or_else(|| step.to_string(), |n| n.label.clone())
    }

    /// The lane of a task step (a skipped task's history names none).
    fn task_lane(&self, step: &str) -> Option<String> {
        match self.flow.as_ref().and_then(|f| f.node(step)).map(|n| &n.kind) {
            Some(NodeKind::Task(spec)) => Some(spec.lane.id.clone()),
            _ => None,
        }
    }

    fn open(&self, step: &str) -> Open {
        Open { step: step.to_string(), lane: self.task_lane(step), start: None }
    }

    fn push(
        &mut self,
        lifecycle: Lifecycle,
        (at, seq): (Timestamp, u64),
        instance: u64,
        open: &Open,
        resource: &str,
        group: Option<&String>,
    ) {
        let event = LogEvent {
            activity: self.label(&open.step),
            lifecycle,
            at,
            resource: Some(resource.to_string()),
            group: group.cloned(),
            lane: open.lane.clone(),
            flow: self.flow_id.clone(),
            version: self.version,
            step: Some(open.step.clone()),
            order: self.record.id.clone(),
            instance: Some(instance),
            outcome: None,
        };
        self.out.push(((at, 1, self.index, seq), event));
    }

    /// The start of `open`, when it was claimed (or queued, for an automatic step).
    fn push_start(&mut self, instance: u64, open: &Open) {
        if let Some((at, who, vendor, seq)) = &open.start {
            self.push(Lifecycle::Start, (*at, *seq), instance, open, who, vendor.as_ref());
        }
    }
}

/// The start and complete events of the task and automatic step instances of one order.
fn step_events(
    record: &OrderRecord,
    index: usize,
    flows: &dyn Fn(&str, u32) -> Option<Arc<CompiledFlow>>,
    out: &mut Vec<(SortKey, LogEvent)>,
) {
    let Some((flow_id, version)) = record.history.iter().find_map(|h| match &h.event {
        Event::OrderStarted { flow, version, .. } => Some((flow.clone(), *version)),
        _ => None,
    }) else {
        return;
    };
    let flow = flows(&flow_id, version);
    let mut log = StepLog { record, index, flow_id, version, flow, out };
    let mut open: BTreeMap<u64, Open> = BTreeMap::new();
    for entry in &record.history {
        let when = (entry.at, entry.seq);
        match &entry.event {
            Event::TaskReady { instance, step, lane, .. } => {
                open.insert(*instance, Open { step: step.clone(), lane: Some(lane.clone()), start: None });
            }
            Event::TaskClaimed { instance, actor, vendor, .. } => {
                // The last claim before the task ended is its start: a release and a new claim
                // make the unclaimed gap waiting time.
                if let Some(task) = open.get_mut(instance) {
                    task.start = Some((entry.at, actor.clone(), vendor.clone(), entry.seq));
                }
            }
            // Back in the queue: waiting again until the next claim.
            Event::TaskReleased { instance, .. } => {
                if let Some(task) = open.get_mut(instance) {
                    task.start = None;
                }
            }
            Event::TaskCompleted { instance, step, actor, vendor, .. } => {
                let task = open.remove(instance).unwrap_or_else(|| log.open(step));
                log.push_start(*instance, &task);
                log.push(Lifecycle::Complete, when, *instance, &task, actor, vendor.as_ref());
            }
            Event::TaskSkipped { instance, step, .. } => {
                let task = log.open(step);
                log.push(Lifecycle::Complete, when, *instance, &task, RULE_RESOURCE, None);
            }
            // A withdrawn task has no complete; one a person was working on keeps its start.
            Event::TaskCancelled { instance, .. } => {
                if let Some(task) = open.remove(instance) {
                    log.push_start(*instance, &task);
                }
            }
            Event::ActionQueued { instance, step, .. } => {
                open.entry(*instance).or_insert_with(|| Open {
                    step: step.clone(),
                    lane: None,
                    start: Some((entry.at, SYSTEM_RESOURCE.to_string(), None, entry.seq)),
                });
            }
            Event::ActionSucceeded { instance, .. } | Event::IncidentResolved { instance, .. } => {
                if let Some(job) = open.remove(instance) {
                    log.push_start(*instance, &job);
                    log.push(Lifecycle::Complete, when, *instance, &job, SYSTEM_RESOURCE, None);
                }
            }
            _ => {}
        }
    }
    // Work in progress (claimed, or an action queued) when the history ends has begun.
    for (instance, task) in &open {
        log.push_start(*instance, task);
    }
}
