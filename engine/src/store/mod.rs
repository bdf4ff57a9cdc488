//! Durable storage of orders, their history, and the work they wait on (tasks, timers, jobs).
//!
//! One trait, [`Store`], with a SQLite backend (the embedded default: a file, WAL) and a
//! PostgreSQL backend (several runners share one database; due work is claimed with
//! `FOR UPDATE SKIP LOCKED`). Both run the same SQL, written once in `sql.rs` and expanded per
//! backend, and both pass one conformance suite (`engine/tests/conformance.rs`).
//!
//! Concurrency is optimistic: a [`Change`] carries the order's version it was computed from, and
//! [`Store::commit`] fails with [`StoreError::Conflict`] when someone else changed the order in
//! between. Nothing is lost: the caller re-reads and tries again, or reports the conflict.

mod appended;
mod batch;
mod deputies;
mod group;
mod lists;
mod migrate;
mod notices;
mod postgres;
pub mod rider;
mod scan;
mod sql;
mod sqlite;
mod summary;
mod text;

use crate::machine::{Effect, Event, OrderState};
use jiff::Timestamp;
use std::future::Future;
use std::pin::Pin;

pub use appended::{Appended, Cell};
pub use deputies::{DeputyFilter, Deputyship};
pub use lists::{Gauges, IncidentFilter, IncidentRow, LostSignal, LostSignalFilter};
pub use migrate::migrator as embedded_migrator;
pub use notices::{Notice, NoticeKind};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use summary::{KpiChunk, NewKpiChunk};

/// The database's writer, held (see [`Store::hold_writes`]).
pub struct WritesHeld(#[allow(dead_code)] tokio::sync::OwnedMutexGuard<()>);

impl std::fmt::Debug for WritesHeld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WritesHeld")
    }
}

/// A boxed future, so that [`Store`] can be used as `dyn Store`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Someone else changed the order since it was read.
    #[error("order {0} was changed concurrently; read it again")]
    Conflict(String),
    /// An order with this business key exists already.
    #[error("an order with business key {0} exists already")]
    DuplicateKey(String),
    /// Rows handed to [`Store::append`] do not fit their statement.
    #[error("rows to append are malformed: {0}")]
    Malformed(String),
    /// The database URL names no backend Junro supports.
    #[error("unsupported database URL {0} (use sqlite:… or postgres://…)")]
    UnsupportedUrl(String),
    /// The database said no.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrating the schema failed.
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Stored JSON could not be read back.
    #[error("stored data of order {order} is unreadable: {message}")]
    Corrupt {
        /// The order.
        order: String,
        /// Why.
        message: String,
    },
}

/// The durability of SQLite commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: a commit survives power loss (the default).
    Full,
    /// `synchronous=NORMAL`: a commit survives a crash of the process, not of the machine.
    Normal,
}

/// The result of one command (or one chain of commands across parent and child orders) for one
/// order, to be written in one transaction with the others of the same unit.
#[derive(Debug, Clone)]
pub struct Change {
    /// The order's new state.
    pub state: OrderState,
    /// The order's `version_no` before the change; `None` for a new order.
    pub expected_version: Option<u64>,
    /// The events, with their sequence numbers (1-based, per order) and times. They are stored
    /// as one row. The order's status column is written only when they hold an event that goes
    /// with a status change (`Held`, `Resumed`, `OrderClosed`), as the machine's always do.
    pub events: Vec<(u64, Timestamp, Event)>,
    /// The effects to carry out.
    pub effects: Vec<Effect>,
}

/// A deployed flow version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// Flow id.
    pub flow: String,
    /// Version, from 1.
    pub version: u32,
    /// Fingerprint of the flow's source.
    pub fingerprint: String,
    /// The program (all its files) the flow was compiled from.
    pub program_hash: String,
    /// Title.
    pub label: String,
    /// Orders received from this moment use this version.
    pub effective_from: Option<Timestamp>,
}

/// An open task in the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    /// The order.
    pub order: String,
    /// The task's step instance.
    pub instance: u64,
    /// Flow id.
    pub flow: String,
    /// Step id.
    pub step: String,
    /// Role that may take it.
    pub role: String,
    /// Lane.
    pub lane: String,
    /// When only one vendor's staff may take it: that vendor.
    pub vendor: Option<String>,
    /// 0 low … 3 urgent.
    pub priority: u8,
    /// Due time.
    pub due_at: Option<Timestamp>,
    /// When it became ready.
    pub ready_at: Timestamp,
    /// Who has it.
    pub assignee: Option<String>,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only tasks any of these roles may take.
    pub roles: Option<Vec<String>>,
    /// Only tasks a person of this vendor may see: tasks of that vendor or of no vendor.
    /// `None` = in-house staff, who see all.
    pub vendor: Option<String>,
    /// Only unclaimed tasks.
    pub unclaimed: bool,
    /// Only tasks claimed by this person.
    pub assignee: Option<String>,
    /// Only tasks of this order.
    pub order: Option<String>,
    /// Only tasks at this step (a team's queue for one step of a flow).
    pub step: Option<String>,
    /// Only tasks of this flow.
    pub flow: Option<String>,
    /// Only tasks of at least this priority (0 low … 3 urgent).
    pub min_priority: Option<u8>,
    /// Only tasks due before this time.
    pub due_before: Option<Timestamp>,
    /// Only tasks of orders that belong to this vendor or to none yet: what the staff of that
    /// vendor may see, whatever the task's own vendor scope (a back-office task open to any
    /// vendor's staff still belongs to its order's vendor).
    pub order_vendor: Option<String>,
    /// Only tasks that can be taken now: none of an order on hold.
    pub takeable: bool,
    /// Only tasks after this one in the queue's order (the next page of a queue read before).
    pub after: Option<QueuePosition>,
    /// At most this many (default 100).
    pub limit: Option<u32>,
}

/// Where a task stands in the queue's order: priority (highest first), due time (none last),
/// ready time, order, instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePosition {
    /// The task's priority.
    pub priority: u8,
    /// Its due time.
    pub due_at: Option<Timestamp>,
    /// When it became ready.
    pub ready_at: Timestamp,
    /// Its order.
    pub order: String,
    /// Its number in the order.
    pub instance: u64,
}

impl TaskRow {
    /// Where this task stands in the queue's order.
    pub fn position(&self) -> QueuePosition {
        QueuePosition {
            priority: self.priority,
            due_at: self.due_at,
            ready_at: self.ready_at,
            order: self.order.clone(),
            instance: self.instance,
        }
    }
}

/// Which orders to list.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// The subflow orders this order started (any status); `None` lists top-level orders only.
    pub parent: Option<String>,
    /// Only orders of this flow.
    pub flow: Option<String>,
    /// Only `open`, `on_hold` or `closed` orders.
    pub status: Option<String>,
    /// Only orders of this vendor.
    pub vendor: Option<String>,
    /// Only the order with this business key.
    pub business_key: Option<String>,
    /// Only orders received at or after this time.
    pub received_from: Option<Timestamp>,
    /// Only orders received before this time.
    pub received_to: Option<Timestamp>,
    /// Only orders closed at or after this time.
    pub closed_from: Option<Timestamp>,
    /// Only orders closed before this time.
    pub closed_to: Option<Timestamp>,
    /// Only orders whose data field (by id) equals the value, for each pair.
    pub data: Vec<(String, serde_json::Value)>,
    /// Only orders listed after this one (its receipt time and id), for paging: the last row of
    /// a page gives the next page.
    pub after: Option<(Timestamp, String)>,
    /// At most this many (default 100).
    pub limit: Option<u32>,
}

/// An order as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    /// Order id.
    pub id: String,
    /// Flow id.
    pub flow: String,
    /// Version.
    pub version: u32,
    /// Business key.
    pub business_key: Option<String>,
    /// `open`, `on_hold` or `closed`.
    pub status: String,
    /// The end's outcome, once closed.
    pub outcome: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// Receipt time.
    pub received_at: Timestamp,
    /// Close time.
    pub closed_at: Option<Timestamp>,
}

/// A job claimed by a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    /// The order.
    pub order: String,
    /// The job's step instance.
    pub instance: u64,
    /// The action.
    pub action: String,
    /// Its inputs.
    pub inputs: crate::script::Data,
    /// The same for every attempt of this step instance.
    pub idempotency_key: String,
    /// Attempt number.
    pub attempt: u32,
    /// Per-attempt timeout in seconds.
    pub timeout: Option<u64>,
    /// When the claim's lease ends.
    pub lease_until: Timestamp,
}

/// A recorded event of an order's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// 1-based position in the order's history.
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// What.
    pub event: Event,
}

/// A flow instance (an order or a subflow) as bulk readers (KPIs, exports) list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRow {
    /// Instance id.
    pub id: String,
    /// The instance that started it, for a subflow.
    pub parent: Option<String>,
    /// Flow id.
    pub flow: String,
    /// Flow version.
    pub version: u32,
    /// Business key.
    pub business_key: Option<String>,
    /// `open`, `on_hold` or `closed`.
    pub status: String,
    /// The time of its last event.
    pub updated_at: Timestamp,
}

/// A stored event as bulk readers see it: its place in its order's history, its time in
/// microseconds since the epoch, its kind and its body (the event's JSON fields without the
/// kind).
#[derive(Debug, Clone, Copy)]
pub struct RawEvent<'a> {
    /// 1-based position in the order's history.
    pub seq: i64,
    /// Microseconds since the Unix epoch.
    pub at_us: i64,
    /// `order_started`, `task_ready`, …
    pub kind: &'a str,
    /// JSON object.
    pub body: &'a str,
}

/// What a bulk reader does with each flow instance and its events (in history order); an
/// error stops the scan and is returned.
pub type InstanceSink<'a> = dyn FnMut(InstanceRow, &mut dyn Iterator<Item = Result<RawEvent<'_>, StoreError>>) -> Result<(), StoreError>
    + Send
    + 'a;

/// Storage of orders, their history and their pending work.
pub trait Store: Send + Sync {
    /// Stores a program's files (path → text, as JSON) under its hash, once.
    fn save_program<'a>(&'a self, hash: &'a str, files: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
    /// A stored program's files (JSON).
    fn program<'a>(&'a self, hash: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>>;
    /// Records a deployment of `flow` with this fingerprint; returns its version (the existing
    /// one when the newest version has the same fingerprint, else the next number).
    fn deploy<'a>(
        &'a self,
        flow: &'a str,
        fingerprint: &'a str,
        program_hash: &'a str,
        label: &'a str,
        effective_from: Option<Timestamp>,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<u32, StoreError>>;
    /// Every deployment, by flow and version.
    fn deployments(&self) -> BoxFuture<'_, Result<Vec<Deployment>, StoreError>>;
    /// An order's state.
    fn load<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<OrderState>, StoreError>>;
    /// The states of many orders at once (those that exist), in no particular order.
    fn load_many<'a>(&'a self, ids: &'a [String]) -> BoxFuture<'a, Result<Vec<OrderState>, StoreError>>;
    /// The ids of the open (not closed) subflow orders of `parent`.
    fn open_children<'a>(&'a self, parent: &'a str) -> BoxFuture<'a, Result<Vec<String>, StoreError>>;
    /// The id of the order with this business key.
    fn find_by_key<'a>(&'a self, business_key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>>;
    /// Writes changes of one or more orders in one transaction.
    fn commit<'a>(&'a self, changes: &'a [Change]) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Appends rows to a table of the embedding application (`appended.rs`): on SQLite with the
    /// next group commit, on PostgreSQL in a transaction of their own. Returns once committed.
    fn append(&self, rows: Appended) -> BoxFuture<'_, Result<(), StoreError>>;
    /// Writes notices of the events people should hear of with each commit from now on
    /// (`notices.rs`); off by default, so an application that delivers none keeps no outbox.
    fn keep_notices(&self, on: bool);
    /// Claims up to `limit` notices nobody holds, oldest first, for `lease_s` seconds.
    fn claim_notices(&self, now: Timestamp, limit: u32, lease_s: u64)
    -> BoxFuture<'_, Result<Vec<Notice>, StoreError>>;
    /// Removes delivered notices.
    fn notices_done<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Open tasks matching `filter`, most urgent first: priority, then due time (none last),
    /// then ready time.
    fn tasks<'a>(&'a self, filter: &'a TaskFilter) -> BoxFuture<'a, Result<Vec<TaskRow>, StoreError>>;
    /// How many tasks match `filter` (its limit ignored).
    fn count_tasks<'a>(&'a self, filter: &'a TaskFilter) -> BoxFuture<'a, Result<u64, StoreError>>;
    /// Orders matching `filter`, newest first.
    fn orders<'a>(&'a self, filter: &'a OrderFilter) -> BoxFuture<'a, Result<Vec<OrderRow>, StoreError>>;
    /// Open incidents matching `filter`, oldest first.
    fn incidents<'a>(&'a self, filter: &'a IncidentFilter) -> BoxFuture<'a, Result<Vec<IncidentRow>, StoreError>>;
    /// Open tasks and incidents counted, and the oldest due timer and job, at `now`.
    fn gauges(&self, now: Timestamp) -> BoxFuture<'_, Result<Gauges, StoreError>>;
    /// Signals no order took, oldest first.
    fn lost_signals<'a>(&'a self, filter: &'a LostSignalFilter) -> BoxFuture<'a, Result<Vec<LostSignal>, StoreError>>;
    /// Lists a signal no order took (one addressed to no order).
    fn record_lost_signal<'a>(&'a self, lost: &'a LostSignal) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Stores a deputyship (its `id` is ignored) and returns its number.
    fn add_deputyship<'a>(&'a self, deputyship: &'a Deputyship) -> BoxFuture<'a, Result<i64, StoreError>>;
    /// Ends deputyship `id` at `at` (not before it starts, not after it would end), recording
    /// `by`; `None` when there is no such deputyship.
    fn end_deputyship<'a>(
        &'a self,
        id: i64,
        by: &'a str,
        at: Timestamp,
    ) -> BoxFuture<'a, Result<Option<Deputyship>, StoreError>>;
    /// Deputyships, newest first.
    fn deputyships<'a>(&'a self, filter: &'a DeputyFilter) -> BoxFuture<'a, Result<Vec<Deputyship>, StoreError>>;
    /// An order's history, in order.
    fn history<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Vec<HistoryEntry>, StoreError>>;
    /// Claims up to `limit` orders with a timer due at `now` for `lease_s` seconds, earliest
    /// first; their states say which timers are due. A commit that changes an order's timers
    /// ends its claim.
    fn claim_timers(&self, now: Timestamp, limit: u32, lease_s: u64) -> BoxFuture<'_, Result<Vec<String>, StoreError>>;
    /// Streams every flow instance (orders and subflows alike, in no particular order) with
    /// its stored events of the given kinds (every kind when `kinds` is empty) to `sink`,
    /// without holding them all in memory.
    fn scan_instances<'a>(
        &'a self,
        kinds: &'a [&'a str],
        sink: &'a mut InstanceSink<'a>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Reads the KPI summary made under `key` into `chunks` (chunks of any other key are
    /// dropped first and their orders read again) and streams every instance not summarised,
    /// with its events of `kinds`, to `sink`: both from one snapshot of the database.
    fn kpi_snapshot<'a>(
        &'a self,
        key: &'a str,
        kinds: &'a [&'a str],
        chunks: &'a mut Vec<KpiChunk>,
        sink: &'a mut InstanceSink<'a>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Stores a chunk of the KPI summary and marks its instances; `false` (nothing stored) when
    /// another process summarised one of them first.
    fn save_kpi_chunk<'a>(&'a self, chunk: NewKpiChunk<'a>) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Closes the connections; waits until they are closed.
    fn close(&self) -> BoxFuture<'_, ()>;
    /// Holds the database's single writer, on a backend that has one (SQLite), until the guard
    /// is dropped: another writer of the same process waits its turn here instead of in
    /// SQLite's busy handler, which sleeps milliseconds at a time.
    fn hold_writes(&self) -> BoxFuture<'_, Option<WritesHeld>>;
    /// Claims up to `limit` jobs of these actions due at `now` for `lease_s` seconds, earliest
    /// first. A claimed job is claimed again by nobody until the lease runs out.
    fn claim_jobs<'a>(
        &'a self,
        now: Timestamp,
        limit: u32,
        lease_s: u64,
        actions: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<JobRow>, StoreError>>;
    /// When a worker last picked the job up (`None`: never, or the job is gone).
    fn job_picked_at<'a>(
        &'a self,
        order: &'a str,
        instance: u64,
    ) -> BoxFuture<'a, Result<Option<Timestamp>, StoreError>>;
    /// Moves the end of a claimed job's lease to `until`; `false` when the job is gone or its
    /// lease already ran out at `now` (another worker may have it).
    fn extend_job<'a>(
        &'a self,
        order: &'a str,
        instance: u64,
        now: Timestamp,
        until: Timestamp,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
}

/// A stored event (its kind column and its JSON body without the kind) as an [`Event`].
pub(crate) fn decode_event(kind: &str, body: &str) -> Result<Event, serde_json::Error> {
    let mut body: serde_json::Value = serde_json::from_str(body)?;
    if let Some(object) = body.as_object_mut() {
        object.insert("event".into(), serde_json::Value::String(kind.to_string()));
    }
    serde_json::from_value(body)
}

/// Groups flow instances by the order they belong to: each group is a root instance first,
/// then the subflows under it (any depth), parents before their children. An instance whose
/// parent is unknown is a root.
pub(crate) fn group_by_root<T>(
    items: Vec<T>,
    id: impl Fn(&T) -> &str,
    parent: impl Fn(&T) -> Option<&str>,
) -> Vec<Vec<T>> {
    let index: std::collections::HashMap<&str, usize> = items.iter().enumerate().map(|(n, t)| (id(t), n)).collect();
    // (root, depth) of each instance, following parents up (a cycle stops after 64 steps).
    let place: Vec<(usize, usize)> = (0..items.len())
        .map(|mut n| {
            let mut depth = 0;
            while depth < 64 {
                match parent(&items[n]).and_then(|p| index.get(p)) {
                    Some(&p) => {
                        n = p;
                        depth += 1;
                    }
                    None => break,
                }
            }
            (n, depth)
        })
        .collect();
    drop(index);
    let mut members: std::collections::BTreeMap<usize, Vec<usize>> = std::collections::BTreeMap::new();
    for (n, (root, _)) in place.iter().enumerate() {
        members.entry(*root).or_default().push(n);
    }
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    members
        .into_values()
        .map(|mut ns| {
            ns.sort_by_key(|&n| place[n].1);
            ns.into_iter().filter_map(|n| slots[n].take()).collect()
        })
        .collect()
}

/// Opens a store from a URL: `sqlite:path.db` (created if missing), `sqlite::memory:`, or
/// `postgres://…`.
pub async fn open(url: &str, sync: Durability) -> Result<Box<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Box::new(SqliteStore::open(url, sync).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Box::new(PostgresStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    }
}

/// Microseconds since the epoch, as stored.
pub(crate) fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

/// A stored time back as a timestamp.
pub(crate) fn from_micros(us: i64) -> Timestamp {
    Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH)
}
