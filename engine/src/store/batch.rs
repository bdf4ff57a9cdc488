//! Turning a batch of changes into the net rows to write: the last word on each task, timer and
//! job wins, and a row created and removed within the batch is never written at all. This is
//! what lets a group commit of hundreds of orders use a handful of multi-row statements.

use super::{Change, StoreError, micros};
use crate::machine::{Activity, Effect, Event, OrderState, Status};
use std::collections::BTreeMap;

/// An order row to insert or update.
pub(crate) struct OrderWrite {
    pub(crate) id: String,
    pub(crate) flow: String,
    pub(crate) version: i64,
    pub(crate) business_key: Option<String>,
    pub(crate) parent: Option<String>,
    pub(crate) status: &'static str,
    pub(crate) outcome: Option<String>,
    pub(crate) vendor: Option<String>,
    pub(crate) channel: Option<String>,
    pub(crate) received_at: i64,
    pub(crate) closed_at: Option<i64>,
    pub(crate) state: String,
    pub(crate) version_no: i64,
    pub(crate) updated_at: i64,
    /// `None` for a new order; else the version it was read at.
    pub(crate) expected: Option<i64>,
    /// Whether the change may have moved the order's status (it holds an event that does). The
    /// status is indexed: an update that leaves it out does not touch the index.
    pub(crate) status_moved: bool,
}

/// Order rows by the statement that writes them: new orders, updates that move the status,
/// updates that leave it alone.
pub(crate) struct OrderRows {
    pub(crate) fresh: Vec<OrderWrite>,
    pub(crate) moved: Vec<OrderWrite>,
    pub(crate) kept: Vec<OrderWrite>,
}

impl OrderRows {
    pub(crate) fn of(orders: Vec<OrderWrite>) -> OrderRows {
        let n = orders.len();
        let mut rows = OrderRows { fresh: Vec::new(), moved: Vec::new(), kept: Vec::with_capacity(n) };
        for order in orders {
            match (order.expected, order.status_moved) {
                (None, _) => rows.fresh.push(order),
                (Some(_), true) => rows.moved.push(order),
                (Some(_), false) => rows.kept.push(order),
            }
        }
        rows
    }
}

/// A task row.
pub(crate) struct TaskWrite {
    pub(crate) order: String,
    pub(crate) instance: i64,
    pub(crate) flow: String,
    pub(crate) step: String,
    pub(crate) role: String,
    pub(crate) lane: String,
    pub(crate) vendor: Option<String>,
    pub(crate) priority: i64,
    pub(crate) due_at: Option<i64>,
    pub(crate) ready_at: i64,
    pub(crate) assignee: Option<String>,
}

/// A job row.
pub(crate) struct JobWrite {
    pub(crate) order: String,
    pub(crate) instance: i64,
    pub(crate) action: String,
    pub(crate) inputs: String,
    pub(crate) key: String,
    pub(crate) attempt: i64,
    pub(crate) run_at: i64,
    pub(crate) timeout: Option<i64>,
}

enum TaskOp {
    Insert(TaskWrite),
    Assign(Option<String>),
    Delete,
}

enum Op<T> {
    Put(T),
    Delete,
}

/// Everything a batch writes, table by table.
#[derive(Default)]
pub(crate) struct Batch {
    pub(crate) orders: Vec<OrderWrite>,
    /// Rows of the events table: (order, its first event's seq, the events' record).
    pub(crate) events: Vec<(String, i64, String)>,
    pub(crate) task_inserts: Vec<TaskWrite>,
    pub(crate) task_assigns: Vec<(String, i64, Option<String>)>,
    pub(crate) task_deletes: Vec<(String, i64)>,
    pub(crate) timer_inserts: Vec<(String, i64, i64)>,
    pub(crate) timer_deletes: Vec<(String, i64)>,
    pub(crate) job_upserts: Vec<JobWrite>,
    pub(crate) job_deletes: Vec<(String, i64)>,
}

fn corrupt(order: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt { order: order.to_string(), message: error.to_string() }
}

/// The events that go with a change of an order's status: the machine changes the status only
/// where it records one of them (hold, resume, close).
fn moves_status(event: &Event) -> bool {
    matches!(event, Event::Held { .. } | Event::Resumed { .. } | Event::OrderClosed { .. })
}

fn status_of(state: &OrderState) -> (&'static str, Option<String>, Option<i64>) {
    match &state.status {
        Status::Open => ("open", None, None),
        Status::OnHold { .. } => ("on_hold", None, None),
        Status::Closed { outcome, at } => ("closed", Some(outcome.clone()), Some(micros(*at))),
    }
}

impl Batch {
    /// Adds the writes of `other`, which touches none of this batch's orders.
    pub(crate) fn append(&mut self, mut other: Batch) {
        self.orders.append(&mut other.orders);
        self.events.append(&mut other.events);
        self.task_inserts.append(&mut other.task_inserts);
        self.task_assigns.append(&mut other.task_assigns);
        self.task_deletes.append(&mut other.task_deletes);
        self.timer_inserts.append(&mut other.timer_inserts);
        self.timer_deletes.append(&mut other.timer_deletes);
        self.job_upserts.append(&mut other.job_upserts);
        self.job_deletes.append(&mut other.job_deletes);
    }

    /// The net writes of `changes`, in the order given.
    pub(crate) fn of(changes: &[Change]) -> Result<Batch, StoreError> {
        let mut batch = Batch {
            orders: Vec::with_capacity(changes.len()),
            events: Vec::with_capacity(changes.len()),
            ..Batch::default()
        };
        let mut tasks: BTreeMap<(String, i64), TaskOp> = BTreeMap::new();
        let mut timers: BTreeMap<(String, i64), Op<i64>> = BTreeMap::new();
        let mut jobs: BTreeMap<(String, i64), Op<JobWrite>> = BTreeMap::new();
        for change in changes {
            let state = &change.state;
            let id = &state.id;
            let (status, outcome, closed_at) = status_of(state);
            let updated_at = change.events.last().map_or(0, |(_, at, _)| micros(*at));
            batch.orders.push(OrderWrite {
                id: id.clone(),
                flow: state.flow.clone(),
                version: i64::from(state.version),
                business_key: state.business_key.clone(),
                parent: state.parent.as_ref().map(|p| p.0.clone()),
                status,
                outcome,
                vendor: state.vendor.clone(),
                channel: state.channel.clone(),
                received_at: micros(state.received_at),
                closed_at,
                state: serde_json::to_string(state).map_err(|e| corrupt(id, e))?,
                version_no: i64::try_from(state.version_no).unwrap_or(i64::MAX),
                updated_at,
                expected: change.expected_version.map(|v| i64::try_from(v).unwrap_or(i64::MAX)),
                status_moved: change.events.iter().any(|(_, _, event)| moves_status(event)),
            });
            // The change's events make one row.
            if let Some((first, _, _)) = change.events.first() {
                let mut record = String::with_capacity(change.events.len() * 160);
                for (seq, at, event) in &change.events {
                    let (kind, body) = event_row(event).map_err(|e| corrupt(id, e))?;
                    let seq = i64::try_from(*seq).unwrap_or(i64::MAX);
                    super::scan::push_event(&mut record, &kind, micros(*at), seq, &body);
                }
                batch.events.push((id.clone(), i64::try_from(*first).unwrap_or(i64::MAX), record));
            }
            for effect in &change.effects {
                match effect {
                    Effect::CreateTask { instance, step, role, lane, vendor, priority, due_at } => {
                        let ready_at = match state.tokens.get(instance).map(|t| &t.activity) {
                            Some(Activity::Task { ready_at, .. }) => micros(*ready_at),
                            _ => updated_at,
                        };
                        let row = TaskWrite {
                            order: id.clone(),
                            instance: *instance as i64,
                            flow: state.flow.clone(),
                            step: step.clone(),
                            role: role.clone(),
                            lane: lane.clone(),
                            vendor: vendor.clone(),
                            priority: i64::from(*priority),
                            due_at: due_at.map(micros),
                            ready_at,
                            assignee: None,
                        };
                        tasks.insert((id.clone(), *instance as i64), TaskOp::Insert(row));
                    }
                    Effect::AssignTask { instance, assignee } => {
                        let key = (id.clone(), *instance as i64);
                        match tasks.get_mut(&key) {
                            Some(TaskOp::Insert(row)) => row.assignee.clone_from(assignee),
                            Some(TaskOp::Delete) => {}
                            _ => {
                                tasks.insert(key, TaskOp::Assign(assignee.clone()));
                            }
                        }
                    }
                    Effect::CloseTask { instance } => {
                        let key = (id.clone(), *instance as i64);
                        match tasks.get(&key) {
                            // Created in this batch: it never reaches the table.
                            Some(TaskOp::Insert(_)) => {
                                tasks.remove(&key);
                            }
                            _ => {
                                tasks.insert(key, TaskOp::Delete);
                            }
                        }
                    }
                    Effect::ScheduleTimer { id: timer, at } => {
                        timers.insert((id.clone(), *timer as i64), Op::Put(micros(*at)));
                    }
                    Effect::CancelTimer { id: timer } => {
                        let key = (id.clone(), *timer as i64);
                        match timers.get(&key) {
                            Some(Op::Put(_)) => {
                                timers.remove(&key);
                            }
                            _ => {
                                timers.insert(key, Op::Delete);
                            }
                        }
                    }
                    Effect::EnqueueJob { instance, action, inputs, idempotency_key, attempt, run_at, timeout } => {
                        let row = JobWrite {
                            order: id.clone(),
                            instance: *instance as i64,
                            action: action.clone(),
                            inputs: serde_json::to_string(inputs).map_err(|e| corrupt(id, e))?,
                            key: idempotency_key.clone(),
                            attempt: i64::from(*attempt),
                            run_at: micros(*run_at),
                            timeout: timeout.map(|t| t as i64),
                        };
                        jobs.insert((id.clone(), *instance as i64), Op::Put(row));
                    }
                    Effect::FinishJob { instance } => {
                        jobs.insert((id.clone(), *instance as i64), Op::Delete);
                    }
                    // Subflows and parents are applied by the engine within the same batch.
                    Effect::StartSubflow { .. } | Effect::NotifyParent { .. } => {}
                }
            }
        }
        for ((order, instance), op) in tasks {
            match op {
                TaskOp::Insert(row) => batch.task_inserts.push(row),
                TaskOp::Assign(assignee) => batch.task_assigns.push((order, instance, assignee)),
                TaskOp::Delete => batch.task_deletes.push((order, instance)),
            }
        }
        for ((order, id), op) in timers {
            match op {
                Op::Put(at) => batch.timer_inserts.push((order, id, at)),
                Op::Delete => batch.timer_deletes.push((order, id)),
            }
        }
        for ((order, instance), op) in jobs {
            match op {
                Op::Put(row) => batch.job_upserts.push(row),
                Op::Delete => batch.job_deletes.push((order, instance)),
            }
        }
        Ok(batch)
    }
}

/// The kind and the body of an event as stored: the body is the event's JSON without its
/// `event` tag, which has a column of its own.
///
/// Serde writes an internally tagged variant's tag first, so the tag is cut from the front of
/// the serialised text instead of going through a `serde_json::Value` (a map of every field,
/// allocated and sorted, then written again).
pub(crate) fn event_row(event: &Event) -> Result<(String, String), serde_json::Error> {
    const TAG: &str = "{\"event\":\"";
    let mut json = serde_json::to_string(event)?;
    // Kinds are snake_case identifiers: no escapes, so the first quote ends the kind.
    if let Some(rest) = json.strip_prefix(TAG)
        && let Some(end) = rest.find('"')
    {
        let kind = rest[..end].to_string();
        // Just past the kind's closing quote: `,` and the fields follow, or the closing brace.
        let cut = TAG.len() + end + 1;
        if json[cut..].starts_with(',') {
            // The body is the same text with `{"event":"kind",` made `{`: cut in place.
            json.replace_range(..=cut, "{");
            return Ok((kind, json));
        }
        if &json[cut..] == "}" {
            return Ok((kind, "{}".to_string()));
        }
    }
    // Not the shape serde writes today: take the slow, general path.
    let mut body = serde_json::to_value(event)?;
    let kind = match body.as_object_mut().and_then(|o| o.remove("event")) {
        Some(serde_json::Value::String(kind)) => kind,
        _ => String::new(),
    };
    Ok((kind, body.to_string()))
}

/// The most rows one multi-row statement carries when statements come in fixed sizes.
const MAX_ROWS: usize = 256;

/// How a backend cuts a batch's rows into multi-row statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sizing {
    /// A few fixed sizes: full statements of up to 256 rows, then the remainder as powers of
    /// two. Statements are prepared once and cached by their SQL text, and a multi-row
    /// statement's text depends on its row count: with fixed sizes every statement after the
    /// first batches comes from the cache instead of being parsed again. For SQLite, where
    /// parsing is the writer's own time.
    Cached,
    /// As few statements as the parameter limit allows: for PostgreSQL, where each statement is
    /// a round trip and the server parses it on a core of its own.
    Fewest,
}

/// The row counts of the statements that write `total` rows of `binds` parameters each.
pub(crate) fn chunk_rows(total: usize, binds: usize, sizing: Sizing) -> impl Iterator<Item = usize> {
    // SQLite allows 32,766 parameters per statement, PostgreSQL 65,535.
    let limit = (30_000 / binds.max(1)).max(1);
    let most = match sizing {
        Sizing::Cached => 1 << limit.min(MAX_ROWS).ilog2(),
        Sizing::Fewest => limit,
    };
    let mut left = total;
    std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let rows = match sizing {
            _ if left >= most => most,
            Sizing::Cached => 1 << left.ilog2(),
            Sizing::Fewest => left,
        };
        left -= rows;
        Some(rows)
    })
}

/// `items` cut into owned chunks of the sizes [`chunk_rows`] gives.
pub(crate) fn chunks<T>(items: Vec<T>, binds: usize, sizing: Sizing) -> Vec<Vec<T>> {
    let sizes: Vec<usize> = chunk_rows(items.len(), binds, sizing).collect();
    // Each item is moved once (splitting off the rest at every chunk moved the tail each time).
    let mut items = items.into_iter();
    sizes.into_iter().map(|rows| items.by_ref().take(rows).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_full_statements_then_powers_of_two() {
        let sizes: Vec<usize> = chunk_rows(1000, 5, Sizing::Cached).collect();
        assert_eq!(sizes, vec![256, 256, 256, 128, 64, 32, 8]);
        assert_eq!(chunk_rows(0, 5, Sizing::Cached).count(), 0);
        // Wide rows: fewer per statement, still a power of two.
        assert_eq!(chunk_rows(5000, 14, Sizing::Cached).next(), Some(256));
        assert_eq!(chunk_rows(100, 30_000, Sizing::Cached).collect::<Vec<_>>(), vec![1; 100]);
        let parts = chunks((0..11).collect(), 5, Sizing::Cached);
        assert_eq!(parts, vec![vec![0, 1, 2, 3, 4, 5, 6, 7], vec![8, 9], vec![10]]);
    }

    #[test]
    fn fewest_statements_fill_the_parameter_limit() {
        assert_eq!(chunk_rows(1000, 5, Sizing::Fewest).collect::<Vec<_>>(), vec![1000]);
        assert_eq!(chunk_rows(7000, 5, Sizing::Fewest).collect::<Vec<_>>(), vec![6000, 1000]);
        assert_eq!(chunk_rows(0, 5, Sizing::Fewest).count(), 0);
    }

    #[test]
    fn event_rows_match_the_general_path() {
        let events = [
            Event::TaskClaimed { instance: 3, actor: "山田".into(), vendor: None },
            Event::Resumed { actor: "a\"b".into() },
            Event::OrderClosed { by: "done".into(), outcome: "completed".into() },
        ];
        for event in events {
            let (kind, body) = event_row(&event).expect("serialises");
            let mut value: serde_json::Value = serde_json::from_str(&body).expect("a JSON object");
            assert!(value.get("event").is_none(), "{body}");
            value.as_object_mut().expect("object").insert("event".into(), kind.clone().into());
            let back: Event = serde_json::from_value(value).expect("reads back");
            assert_eq!(back, event);
        }
    }
}
