//! Turning a batch of changes into the net rows to write: the last word on each task, timer and
//! job wins, and a row created and removed within the batch is never written at all. This is
//! what lets a group commit of hundreds of orders use a handful of multi-row statements.

use super::{Change, StoreError, micros};
use crate::machine::{Activity, Effect, Event, OrderState, Status};

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
    /// When the order's earliest pending timer is due (indexed, for the worker).
    pub(crate) timer_at: Option<i64>,
    /// Whether the change scheduled or cancelled a timer, so that `timer_at` may have moved.
    pub(crate) timer_moved: bool,
}

/// Order rows by the statement that writes them: new orders, updates that move the status (and
/// write the timer column too), updates that move only the earliest timer, updates that leave
/// both indexed columns alone. Naming an indexed column in an update rewrites its index entry
/// even when the value is unchanged.
pub(crate) struct OrderRows {
    pub(crate) fresh: Vec<OrderWrite>,
    pub(crate) moved: Vec<OrderWrite>,
    pub(crate) timed: Vec<OrderWrite>,
    pub(crate) kept: Vec<OrderWrite>,
}

impl OrderRows {
    pub(crate) fn of(orders: Vec<OrderWrite>) -> OrderRows {
        let n = orders.len();
        let mut rows =
            OrderRows { fresh: Vec::new(), moved: Vec::new(), timed: Vec::with_capacity(n), kept: Vec::new() };
        for order in orders {
            match (order.expected, order.status_moved, order.timer_moved) {
                (None, _, _) => rows.fresh.push(order),
                (Some(_), true, _) => rows.moved.push(order),
                (Some(_), false, true) => rows.timed.push(order),
                (Some(_), false, false) => rows.kept.push(order),
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

/// A signal that no order took: kept too long, left at the order's end, or addressed to no
/// order.
pub(crate) struct LostSignalWrite {
    pub(crate) order: Option<String>,
    pub(crate) business_key: Option<String>,
    pub(crate) flow: Option<String>,
    pub(crate) signal: String,
    pub(crate) data: String,
    pub(crate) sender: Option<String>,
    pub(crate) received_at: i64,
    pub(crate) lost_at: i64,
    pub(crate) reason: String,
}

/// An incident row: a step stopped until an administrator retries, resolves or cancels.
pub(crate) struct IncidentWrite {
    pub(crate) order: String,
    pub(crate) instance: i64,
    pub(crate) flow: String,
    pub(crate) step: String,
    pub(crate) vendor: Option<String>,
    pub(crate) message: String,
    pub(crate) attempts: i64,
    pub(crate) raised_at: i64,
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
    /// Tasks whose due time moved: (order, instance, due time).
    pub(crate) task_dues: Vec<(String, i64, i64)>,
    /// Orders held (true) or resumed (false): their tasks are marked so.
    pub(crate) holds: Vec<(String, bool)>,
    /// Orders moved to another version of their flow: (order, version).
    pub(crate) versions: Vec<(String, i64)>,
    /// Kept signals dropped unused, to list.
    pub(crate) lost_signals: Vec<LostSignalWrite>,
    /// Tasks escalated: (order, instance, role, priority).
    pub(crate) task_escalations: Vec<(String, i64, String, i64)>,
    pub(crate) job_upserts: Vec<JobWrite>,
    pub(crate) job_deletes: Vec<(String, i64)>,
    pub(crate) incident_upserts: Vec<IncidentWrite>,
    pub(crate) incident_deletes: Vec<(String, i64)>,
    /// Orders that closed: none of their incidents is open any more.
    pub(crate) incidents_closed: Vec<String>,
    /// Notices of the changes' events (`notices.rs`), when the store keeps them.
    pub(crate) notices: Vec<super::Notice>,
    /// Rows of the embedding application's tables (`appended.rs`), written last.
    pub(crate) appended: Vec<super::Appended>,
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
        self.appended.append(&mut other.appended);
        self.notices.append(&mut other.notices);
        self.orders.append(&mut other.orders);
        self.events.append(&mut other.events);
        self.task_inserts.append(&mut other.task_inserts);
        self.task_assigns.append(&mut other.task_assigns);
        self.task_deletes.append(&mut other.task_deletes);
        self.task_dues.append(&mut other.task_dues);
        self.task_escalations.append(&mut other.task_escalations);
        self.lost_signals.append(&mut other.lost_signals);
        self.versions.append(&mut other.versions);
        self.holds.append(&mut other.holds);
        self.job_upserts.append(&mut other.job_upserts);
        self.job_deletes.append(&mut other.job_deletes);
        self.incident_upserts.append(&mut other.incident_upserts);
        self.incident_deletes.append(&mut other.incident_deletes);
        self.incidents_closed.append(&mut other.incidents_closed);
    }

    /// The net writes of `changes`, in the order given. Each order may appear once: two
    /// changes of one order in one commit would both be checked against the version read before
    /// either, so that one could overwrite the other.
    pub(crate) fn of(changes: &[Change]) -> Result<Batch, StoreError> {
        let mut building = Building::new(changes.len());
        for change in changes {
            building.add(change)?;
        }
        Ok(building.finish())
    }

    /// The same, handing the thread back to the runtime every [`TURN`] changes: serialising a
    /// thousand states runs for milliseconds without awaiting anything, and a group commit in
    /// flight needs a turn after each of its statements.
    pub(crate) async fn of_in_turns(changes: &[Change]) -> Result<Batch, StoreError> {
        let mut building = Building::new(changes.len());
        for (n, change) in changes.iter().enumerate() {
            if n % TURN == TURN - 1 {
                tokio::task::yield_now().await;
            }
            building.add(change)?;
        }
        Ok(building.finish())
    }
}

/// Changes netted between two turns given back to the runtime ([`Batch::of_in_turns`]).
const TURN: usize = 64;

/// A batch being built, change by change.
struct Building<'a> {
    batch: Batch,
    /// The orders added so far: each may appear once.
    seen: std::collections::HashSet<&'a str>,
    /// The last word on each of a change's tasks and jobs, by their number.
    net: NetEffects,
    /// Where each event is serialised before its pieces are copied into its row.
    scratch: Vec<u8>,
}

impl<'a> Building<'a> {
    fn new(changes: usize) -> Building<'a> {
        let batch =
            Batch { orders: Vec::with_capacity(changes), events: Vec::with_capacity(changes), ..Batch::default() };
        Building {
            batch,
            seen: std::collections::HashSet::with_capacity(changes),
            net: NetEffects::default(),
            scratch: Vec::with_capacity(512),
        }
    }

    fn add(&mut self, change: &'a Change) -> Result<(), StoreError> {
        let batch = &mut self.batch;
        let state = &change.state;
        let id = &state.id;
        if !self.seen.insert(id.as_str()) {
            return Err(StoreError::Conflict(id.clone()));
        }
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
            // A held order's timers wait for its resumption: none is due while it is held.
            timer_at: match state.status {
                Status::OnHold { .. } => None,
                _ => state.timers.values().map(|t| micros(t.at)).min(),
            },
            timer_moved: change
                .effects
                .iter()
                .any(|e| matches!(e, Effect::ScheduleTimer { .. } | Effect::CancelTimer { .. })),
        });
        // The last hold or resumption of the change decides whether the order's tasks are held.
        if let Some(held) = change.events.iter().rev().find_map(|(_, _, e)| match e {
            Event::Held { .. } => Some(true),
            Event::Resumed { .. } => Some(false),
            _ => None,
        }) {
            batch.holds.push((id.clone(), held));
        }
        if change.events.iter().any(|(_, _, e)| matches!(e, Event::FlowMigrated { .. })) {
            batch.versions.push((id.clone(), i64::from(state.version)));
        }
        // The change's events make one row.
        if let Some((first, _, _)) = change.events.first() {
            let mut record = String::with_capacity(change.events.len() * 160);
            for (seq, at, event) in &change.events {
                let seq = i64::try_from(*seq).unwrap_or(i64::MAX);
                match event_parts(event, &mut self.scratch).map_err(|e| corrupt(id, e))? {
                    Some((kind, body)) => super::scan::push_event(&mut record, kind, micros(*at), seq, body),
                    None => {
                        let (kind, body) = event_row(event).map_err(|e| corrupt(id, e))?;
                        super::scan::push_event(&mut record, &kind, micros(*at), seq, &body);
                    }
                }
            }
            batch.events.push((id.clone(), i64::try_from(*first).unwrap_or(i64::MAX), record));
        }
        self.net.of(change, updated_at)?;
        self.net.drain_into(id, batch);
        Ok(())
    }

    /// The batch, its rows in key order, as the tables keep them.
    fn finish(self) -> Batch {
        let mut batch = self.batch;
        batch.task_inserts.sort_unstable_by(|a, b| (&a.order, a.instance).cmp(&(&b.order, b.instance)));
        batch.task_assigns.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        batch.task_deletes.sort_unstable();
        batch.job_upserts.sort_unstable_by(|a, b| (&a.order, a.instance).cmp(&(&b.order, b.instance)));
        batch.job_deletes.sort_unstable();
        batch.incident_upserts.sort_unstable_by(|a, b| (&a.order, a.instance).cmp(&(&b.order, b.instance)));
        batch.incident_deletes.sort_unstable();
        batch
    }
}

/// One change's net effects on its order's task and job rows, by their number: a change has a
/// handful of effects, so a list searched from the end beats a map. (Timers have no rows: the
/// order row holds the earliest one's due time.)
#[derive(Default)]
struct NetEffects {
    tasks: Vec<(i64, TaskOp)>,
    /// Due times moved, by task number, in order.
    dues: Vec<(i64, i64)>,
    /// Escalations (role, priority), by task number, in order.
    escalations: Vec<(i64, String, i64)>,
    /// Kept signals dropped.
    lost: Vec<LostSignalWrite>,
    jobs: Vec<(i64, Op<JobWrite>)>,
    /// Incidents follow the change's events (raised, retried, resolved).
    incidents: Vec<(i64, Op<IncidentWrite>)>,
    /// The change closed the order.
    closed: bool,
}

/// The entry for `key` in a change's list, if any.
fn entry<T>(list: &mut [(i64, T)], key: i64) -> Option<&mut T> {
    list.iter_mut().rev().find(|(k, _)| *k == key).map(|(_, op)| op)
}

/// Sets the entry for `key`, or removes it when `op` is `None`.
fn set<T>(list: &mut Vec<(i64, T)>, key: i64, op: Option<T>) {
    list.retain(|(k, _)| *k != key);
    if let Some(op) = op {
        list.push((key, op));
    }
}

impl NetEffects {
    fn of(&mut self, change: &Change, updated_at: i64) -> Result<(), StoreError> {
        let state = &change.state;
        let id = &state.id;
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
                    set(&mut self.tasks, *instance as i64, Some(TaskOp::Insert(row)));
                }
                Effect::AssignTask { instance, assignee } => match entry(&mut self.tasks, *instance as i64) {
                    Some(TaskOp::Insert(row)) => row.assignee.clone_from(assignee),
                    Some(TaskOp::Delete) => {}
                    _ => set(&mut self.tasks, *instance as i64, Some(TaskOp::Assign(assignee.clone()))),
                },
                Effect::MoveTaskDue { instance, due_at } => self.dues.push((*instance as i64, micros(*due_at))),
                Effect::SignalLost { signal, reason } => self.lost.push(LostSignalWrite {
                    order: Some(id.clone()),
                    business_key: state.business_key.clone(),
                    flow: Some(state.flow.clone()),
                    signal: signal.name.clone(),
                    data: serde_json::to_string(&signal.data).map_err(|e| corrupt(id, e))?,
                    sender: signal.sender.clone(),
                    received_at: micros(signal.received_at),
                    lost_at: updated_at,
                    reason: reason.clone(),
                }),
                Effect::EscalateTask { instance, role, priority } => {
                    self.escalations.push((*instance as i64, role.clone(), i64::from(*priority)));
                }
                Effect::CloseTask { instance } => {
                    // Created in this change: it never reaches the table.
                    let created = matches!(entry(&mut self.tasks, *instance as i64), Some(TaskOp::Insert(_)));
                    set(&mut self.tasks, *instance as i64, (!created).then_some(TaskOp::Delete));
                }
                // The order row's `timer_at` follows the state's timers.
                Effect::ScheduleTimer { .. } | Effect::CancelTimer { .. } => {}
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
                    set(&mut self.jobs, *instance as i64, Some(Op::Put(row)));
                }
                Effect::FinishJob { instance } => set(&mut self.jobs, *instance as i64, Some(Op::Delete)),
                // Subflows and parents are applied by the engine within the same batch.
                Effect::StartSubflow { .. } | Effect::NotifyParent { .. } => {}
            }
        }
        for (_, at, event) in &change.events {
            match event {
                Event::IncidentRaised { instance, step, message } => {
                    let attempts = match state.tokens.get(instance).map(|t| &t.activity) {
                        Some(Activity::Job { attempt, .. }) => i64::from(*attempt),
                        _ => 1,
                    };
                    let row = IncidentWrite {
                        order: id.clone(),
                        instance: *instance as i64,
                        flow: state.flow.clone(),
                        step: step.clone(),
                        vendor: state.vendor.clone(),
                        message: message.clone(),
                        attempts,
                        raised_at: micros(*at),
                    };
                    set(&mut self.incidents, *instance as i64, Some(Op::Put(row)));
                }
                Event::IncidentRetried { instance, .. } | Event::IncidentResolved { instance, .. } => {
                    set(&mut self.incidents, *instance as i64, Some(Op::Delete));
                }
                Event::OrderClosed { .. } => {
                    self.incidents.clear();
                    self.closed = true;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Moves the net rows of order `id` into `batch`, leaving the lists empty for the next change.
    fn drain_into(&mut self, id: &str, batch: &mut Batch) {
        for (instance, due) in self.dues.drain(..) {
            match entry(&mut self.tasks, instance) {
                Some(TaskOp::Insert(row)) => row.due_at = Some(due),
                Some(TaskOp::Delete) => {}
                _ => batch.task_dues.push((id.to_string(), instance, due)),
            }
        }
        batch.lost_signals.append(&mut self.lost);
        for (instance, role, priority) in self.escalations.drain(..) {
            match entry(&mut self.tasks, instance) {
                Some(TaskOp::Insert(row)) => (row.role, row.priority) = (role, priority),
                Some(TaskOp::Delete) => {}
                _ => batch.task_escalations.push((id.to_string(), instance, role, priority)),
            }
        }
        for (instance, op) in self.tasks.drain(..) {
            match op {
                TaskOp::Insert(row) => batch.task_inserts.push(row),
                TaskOp::Assign(assignee) => batch.task_assigns.push((id.to_string(), instance, assignee)),
                TaskOp::Delete => batch.task_deletes.push((id.to_string(), instance)),
            }
        }
        for (instance, op) in self.jobs.drain(..) {
            match op {
                Op::Put(row) => batch.job_upserts.push(row),
                Op::Delete => batch.job_deletes.push((id.to_string(), instance)),
            }
        }
        for (instance, op) in self.incidents.drain(..) {
            match op {
                Op::Put(row) => batch.incident_upserts.push(row),
                Op::Delete => batch.incident_deletes.push((id.to_string(), instance)),
            }
        }
        if std::mem::take(&mut self.closed) {
            batch.incidents_closed.push(id.to_string());
        }
    }
}

/// The kind and the body of an event as stored: the body is the event's JSON without its
/// `event` tag, which has a column of its own.
pub(crate) fn event_row(event: &Event) -> Result<(String, String), serde_json::Error> {
    let mut scratch = Vec::new();
    if let Some((kind, body)) = event_parts(event, &mut scratch)? {
        return Ok((kind.to_string(), body.to_string()));
    }
    // Not the shape serde writes today: take the slow, general path.
    let mut body = serde_json::to_value(event)?;
    let kind = match body.as_object_mut().and_then(|o| o.remove("event")) {
        Some(serde_json::Value::String(kind)) => kind,
        _ => String::new(),
    };
    Ok((kind, body.to_string()))
}

/// [`event_row`] written into `scratch` (cleared first, and reused from one event to the next):
/// the kind and the body, both within it. `None` when the text is not the shape serde writes
/// today.
///
/// Serde writes an internally tagged variant's tag first, so the tag is cut from the front of
/// the serialised text instead of going through a `serde_json::Value` (a map of every field,
/// allocated and sorted, then written again): the byte before the fields becomes the body's
/// opening brace.
fn event_parts<'s>(event: &Event, scratch: &'s mut Vec<u8>) -> Result<Option<(&'s str, &'s str)>, serde_json::Error> {
    const TAG: &[u8] = b"{\"event\":\"";
    scratch.clear();
    serde_json::to_writer(&mut *scratch, event)?;
    let Some(rest) = scratch.strip_prefix(TAG) else { return Ok(None) };
    // Kinds are snake_case identifiers: no escapes, so the first quote ends the kind.
    let Some(end) = rest.iter().position(|&b| b == b'"') else { return Ok(None) };
    // Just past the kind's closing quote: `,` and the fields follow, or the closing brace.
    let cut = TAG.len() + end + 1;
    let brace = match scratch.get(cut) {
        Some(b',') => cut,
        // No fields: the kind's closing quote becomes the brace of `{}`.
        Some(b'}') if cut + 1 == scratch.len() => cut - 1,
        _ => return Ok(None),
    };
    scratch[brace] = b'{';
    let (head, body) = scratch.split_at(brace);
    let text = |bytes| std::str::from_utf8(bytes).map_err(serde::ser::Error::custom);
    Ok(Some((text(&head[TAG.len()..TAG.len() + end])?, text(body)?)))
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

    fn change(id: &str, expected: Option<u64>, effects: Vec<Effect>) -> Change {
        let mut state = crate::machine::blank_state();
        state.id = id.to_string();
        state.flow = "f".into();
        Change { state, expected_version: expected, events: Vec::new(), effects }
    }

    fn task(instance: u64) -> Effect {
        Effect::CreateTask {
            instance,
            step: "s".into(),
            role: "r".into(),
            lane: "l".into(),
            vendor: None,
            priority: 1,
            due_at: None,
        }
    }

    #[test]
    fn each_change_writes_only_its_net_rows_in_key_order() {
        let at = jiff::Timestamp::from_second(60).expect("a time");
        let changes = [
            change(
                "b",
                Some(1),
                vec![
                    // Created and closed within the change: never written.
                    task(2),
                    Effect::CloseTask { instance: 2 },
                    // Created, then claimed: written once, with its assignee.
                    task(3),
                    Effect::AssignTask { instance: 3, assignee: Some("u".into()) },
                    // An older task closed, an older timer cancelled.
                    Effect::CloseTask { instance: 1 },
                    Effect::CancelTimer { id: 1 },
                    Effect::ScheduleTimer { id: 4, at },
                    Effect::CancelTimer { id: 4 },
                ],
            ),
            change("a", None, vec![task(1), Effect::ScheduleTimer { id: 2, at }]),
            change("c", Some(3), Vec::new()),
        ];
        let mut changes = changes;
        let later = jiff::Timestamp::from_second(90).expect("a time");
        for (id, due) in [(2, at), (5, later)] {
            let purpose = crate::machine::TimerPurpose::Due { instance: 1 };
            changes[1].state.timers.insert(id, crate::machine::Timer { at: due, purpose });
        }
        let batch = Batch::of(&changes).expect("a batch");
        let timers: Vec<(&str, Option<i64>, bool)> =
            batch.orders.iter().map(|o| (o.id.as_str(), o.timer_at, o.timer_moved)).collect();
        assert_eq!(
            timers,
            vec![("b", None, true), ("a", Some(60_000_000), true), ("c", None, false)],
            "the earliest timer of each state; moved where the change scheduled or cancelled one"
        );
        let inserted: Vec<(&str, i64, Option<&str>)> =
            batch.task_inserts.iter().map(|t| (t.order.as_str(), t.instance, t.assignee.as_deref())).collect();
        assert_eq!(inserted, vec![("a", 1, None), ("b", 3, Some("u"))], "sorted by key; none created and closed");
        assert_eq!(batch.task_deletes, vec![("b".to_string(), 1)]);
        assert!(batch.task_assigns.is_empty());
    }

    #[test]
    fn an_order_twice_in_one_commit_is_refused() {
        let changes = [change("a", Some(1), Vec::new()), change("a", Some(1), Vec::new())];
        assert!(matches!(Batch::of(&changes), Err(StoreError::Conflict(id)) if id == "a"));
    }

    #[test]
    fn event_rows_match_the_general_path() {
        let events = [
            Event::TaskClaimed { instance: 3, actor: "山田".into(), vendor: None, on_behalf_of: None },
            Event::Resumed { actor: "a\"b".into() },
            Event::OrderClosed { by: "done".into(), outcome: "completed".into(), actor: None },
        ];
        // One scratch buffer for all, as a batch reuses it from one event to the next.
        let mut scratch = Vec::new();
        for event in events {
            let (kind, body) = event_row(&event).expect("serialises");
            let parts = event_parts(&event, &mut scratch).expect("serialises").expect("serde's shape");
            assert_eq!(parts, (kind.as_str(), body.as_str()), "the row written is the row read");
            let mut value: serde_json::Value = serde_json::from_str(&body).expect("a JSON object");
            assert!(value.get("event").is_none(), "{body}");
            value.as_object_mut().expect("object").insert("event".into(), kind.clone().into());
            let back: Event = serde_json::from_value(value).expect("reads back");
            assert_eq!(back, event);
        }
    }
}
