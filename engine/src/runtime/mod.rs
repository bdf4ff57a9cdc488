//! The embedding API: an [`Engine`] opened on a database URL runs orders durably.
//!
//! Each call reads the orders it touches, applies one command with the pure state machine, and
//! writes the new state, its events and its effects (tasks, timers, jobs) in one transaction.
//! A command that starts a subflow or ends one is carried out in the same transaction for the
//! child and parent orders. Automatic steps go through an outbox: the job row is committed with
//! the state change, and [`Engine::run_due`] runs registered handlers outside any transaction,
//! then applies their result as a new command.

use crate::calendar::{Calendar, Calendars};
use crate::clock::{Clock, SystemClock};
use crate::compile::{CompileError, CompiledFlow, compile};
use crate::machine::{Actor, Command, CommandError, OrderState};
use crate::script::Data;
use crate::source::{self, LoadError};
use crate::store::{
    self, Durability, Gauges, HistoryEntry, IncidentFilter, IncidentRow, OrderFilter, OrderRow, Store, StoreError,
    TaskFilter, TaskRow,
};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

mod analytics;
mod backtest;
mod cache;
mod deputies;
pub mod migrate;
pub mod signals;
mod take_next;
mod unit;
mod worker;

pub use analytics::{KpiData, KpiQuery};

pub use backtest::{BacktestReport, BacktestScope, ChangedDecision, OneStopMove, RuleChange};
pub use deputies::DeputyError;
pub use unit::BatchItem;
use unit::Work;

/// What can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The command was refused; nothing changed.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// Someone else changed the order at the same moment; nothing changed. Read it and retry.
    #[error("order {0} was changed concurrently; nothing was saved")]
    Conflict(String),
    /// Storage failed.
    #[error(transparent)]
    Store(StoreError),
    /// Flow files could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The flows have errors; the report says which.
    #[error("the flows have errors:\n{0}")]
    Invalid(String),
    /// The flows did not compile.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// No deployed flow of this id (for orders received at that time).
    #[error("no deployed flow `{0}`")]
    UnknownFlow(String),
    /// No order with this id or business key.
    #[error("no order {0}")]
    UnknownOrder(String),
    /// Subflows are started by calls, not as orders.
    #[error("`{0}` is a subflow; orders start flows")]
    Subflow(String),
    /// A deputyship cannot be named, ended or used as asked.
    #[error(transparent)]
    Deputy(#[from] DeputyError),
    /// A backtest cannot run as asked (no such file or rule among the deployed flows).
    #[error("{0}")]
    Backtest(String),
}

impl From<StoreError> for EngineError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(order) => EngineError::Conflict(order),
            other => EngineError::Store(other),
        }
    }
}

/// What an action handler is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRequest {
    /// The action id.
    pub action: String,
    /// The order.
    pub order: String,
    /// The inputs the flow mapped.
    pub inputs: Data,
    /// The same for every attempt of this step: use it to make the action idempotent.
    pub idempotency_key: String,
    /// Attempt number, from 1.
    pub attempt: u32,
}

/// The result of an action: output fields, or why it failed.
pub type ActionResult = Result<Data, String>;

/// Runs an automatic step's action, implemented by the embedding application.
pub trait ActionHandler: Send + Sync {
    /// Does the work.
    fn call(&self, request: ActionRequest) -> store::BoxFuture<'static, ActionResult>;
}

impl<F, Fut> ActionHandler for F
where
    F: Fn(ActionRequest) -> Fut + Send + Sync,
    Fut: std::future::Future<Output = ActionResult> + Send + 'static,
{
    fn call(&self, request: ActionRequest) -> store::BoxFuture<'static, ActionResult> {
        Box::pin(self(request))
    }
}

/// How to open an engine.
pub struct EngineOptions {
    /// SQLite durability (ignored for PostgreSQL).
    pub durability: Durability,
    /// Where time comes from.
    pub clock: Arc<dyn Clock>,
    /// The business calendars: the default, and those flows name with `calendar "name"`.
    pub calendars: Calendars,
    /// The fewest finished orders a KPI report stores in its summary at once (see
    /// [`Engine::kpi_data`]); default [`kpi::CHUNK_ORDERS`](crate::kpi::CHUNK_ORDERS), the
    /// most one chunk holds, so a value above it stores nothing (every report then reads every
    /// order's events).
    pub kpi_summary_min: usize,
    /// Whether commits write notices of the events people should hear of (reminders,
    /// escalations, transfers, send-backs, incidents, dropped signals) for a deliverer to
    /// claim ([`Engine::claim_notices`]). Off by default: nobody would empty the outbox.
    pub notices: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            durability: Durability::Full,
            clock: Arc::new(SystemClock),
            calendars: Calendars::only(Calendar::japan_office()),
            kpi_summary_min: crate::kpi::CHUNK_ORDERS,
            notices: false,
        }
    }
}

/// A new order.
#[derive(Debug, Clone, Default)]
pub struct StartOrder {
    /// The order number; starting twice with the same key returns the first order.
    pub business_key: Option<String>,
    /// Starting data.
    pub data: Data,
    /// The vendor that took the order, when known.
    pub vendor: Option<String>,
    /// The channel it came by.
    pub channel: Option<String>,
    /// When it was received (a paper order may be entered days later); default now.
    pub received_at: Option<Timestamp>,
}

/// A flow version deployed by [`Engine::deploy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployed {
    /// Flow id.
    pub flow: String,
    /// Version.
    pub version: u32,
    /// Whether this deployment created the version (false: unchanged, the existing one).
    pub new: bool,
}

/// An order with its history.
#[derive(Debug, Clone)]
pub struct OrderView {
    /// Its current state.
    pub state: OrderState,
    /// Every event, in order.
    pub history: Vec<HistoryEntry>,
}

#[derive(Default)]
struct Catalogs {
    flows: BTreeMap<(String, u32), Arc<CompiledFlow>>,
    versions: BTreeMap<String, Vec<(u32, Option<Timestamp>)>>,
}

/// A durable workflow engine over one database.
pub struct Engine {
    store: Box<dyn Store>,
    clock: Arc<dyn Clock>,
    calendars: Calendars,
    kpi_summary_min: usize,
    catalogs: RwLock<Catalogs>,
    handlers: RwLock<BTreeMap<String, Arc<dyn ActionHandler>>>,
    /// The states of the orders this engine committed last (`cache.rs`).
    cache: cache::StateCache,
    /// The tasks callers of [`Engine::take_next`] are claiming right now.
    taking: cache::Reservations,
}

/// A program's sources as stored with its deployments (JSON: `[[path, text], …]`), from which
/// the flows compile again when an engine opens, and their hash.
pub(crate) struct ProgramSource {
    files: String,
    hash: String,
}

impl ProgramSource {
    pub(crate) fn of(program: &junro_dsl::Program) -> Result<ProgramSource, EngineError> {
        let files: Vec<(&str, &str)> = program.files().map(|f| (f.path.as_str(), f.text.as_str())).collect();
        let files = serde_json::to_string(&files).map_err(|e| EngineError::Invalid(e.to_string()))?;
        Ok(ProgramSource { hash: hash_text(&files), files })
    }
}

fn hash_text(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

impl Engine {
    /// Opens an engine on `url` (`sqlite:junro.db`, `sqlite::memory:`, `postgres://…`) with the
    /// system clock, full durability and the default calendar.
    pub async fn open(url: &str) -> Result<Engine, EngineError> {
        Engine::open_with(url, EngineOptions::default()).await
    }

    /// Opens an engine with options; flows deployed earlier are compiled again from the database.
    pub async fn open_with(url: &str, options: EngineOptions) -> Result<Engine, EngineError> {
        let store = store::open(url, options.durability).await?;
        store.keep_notices(options.notices);
        let engine = Engine {
            store,
            clock: options.clock,
            calendars: options.calendars,
            kpi_summary_min: options.kpi_summary_min.max(1),
            catalogs: RwLock::new(Catalogs::default()),
            handlers: RwLock::new(BTreeMap::new()),
            cache: cache::StateCache::default(),
            taking: cache::Reservations::default(),
        };
        engine.reload().await?;
        Ok(engine)
    }

    /// Compiles every deployed version from its stored program.
    async fn reload(&self) -> Result<(), EngineError> {
        let deployments = self.store.deployments().await?;
        let mut programs: BTreeMap<String, crate::compile::Catalog> = BTreeMap::new();
        for d in &deployments {
            if programs.contains_key(&d.program_hash) {
                continue;
            }
            let files = self.store.program(&d.program_hash).await?.unwrap_or_default();
            let files: Vec<(String, String)> = serde_json::from_str(&files).unwrap_or_default();
            let mut program = junro_dsl::Program::new();
            let bytes: Vec<(String, Vec<u8>)> = files.into_iter().map(|(p, t)| (p, t.into_bytes())).collect();
            program.add_all(&bytes);
            let report = program.check();
            programs.insert(d.program_hash.clone(), compile(&program, &report)?);
        }
        let mut catalogs = self.catalogs.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        for d in deployments {
            if let Some(flow) = programs.get(&d.program_hash).and_then(|c| c.get(&d.flow)) {
                catalogs.flows.insert((d.flow.clone(), d.version), flow.clone());
                catalogs.versions.entry(d.flow).or_default().push((d.version, d.effective_from));
            }
        }
        Ok(())
    }

    /// The business calendar of a flow: the one it names, or the default.
    fn calendar_for(&self, flow: &CompiledFlow) -> &Calendar {
        flow.calendar.as_deref().and_then(|name| self.calendars.get(name)).unwrap_or(self.calendars.default_calendar())
    }

    /// The default business calendar (working days and hours people are reached in).
    pub fn default_calendar(&self) -> &Calendar {
        self.calendars.default_calendar()
    }

    /// The time zone people read times in: the default business calendar's.
    pub fn zone(&self) -> jiff::tz::TimeZone {
        self.calendars.default_calendar().zone().clone()
    }

    /// Closes the database connections (SQLite checkpoints its write-ahead log).
    pub async fn close(self) {
        self.store.close().await;
    }

    /// Holds the database's single writer (SQLite) until the guard is dropped, so that an
    /// embedding application writing its own tables in the same database (the service's audit
    /// trail) takes turns with the engine's commits instead of meeting them in SQLite's busy
    /// handler. `None` on PostgreSQL, whose writers run side by side.
    pub async fn hold_writes(&self) -> Option<store::WritesHeld> {
        self.store.hold_writes().await
    }

    /// Claims up to `limit` notices nobody holds (oldest first) for `lease_s` seconds: a
    /// deliverer that stops before [`Engine::notices_done`] leaves them to the next claim once
    /// the lease has run out. Only engines opened with [`EngineOptions::notices`] write them.
    pub async fn claim_notices(&self, limit: u32, lease_s: u64) -> Result<Vec<store::Notice>, EngineError> {
        Ok(self.store.claim_notices(self.now(), limit, lease_s).await?)
    }

    /// Removes notices that were delivered (by their keys).
    pub async fn notices_done(&self, keys: &[String]) -> Result<(), EngineError> {
        Ok(self.store.notices_done(keys).await?)
    }

    /// Appends rows to a table of the embedding application in the same database (the
    /// service's audit trail) and returns once they are committed. On SQLite they join the
    /// engine's next group commit, sharing its transaction and `fsync` with the orders' changes
    /// written at the same moment (`store/appended.rs`).
    pub async fn append(&self, rows: store::Appended) -> Result<(), EngineError> {
        Ok(self.store.append(rows).await?)
    }

    /// The clock's time.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Deploys every flow in `paths` (files or folders). A flow whose source changed gets a new
    /// version; running orders stay on theirs. With `effective_from`, orders received from that
    /// moment use the new versions, earlier ones the previous versions.
    pub async fn deploy<P: AsRef<Path>>(
        &self,
        paths: &[P],
        effective_from: Option<Timestamp>,
    ) -> Result<Vec<Deployed>, EngineError> {
        let loaded = source::load(paths)?;
        self.deploy_program(&loaded.program, effective_from).await
    }

    /// Deploys the flows of files given as contents (path → text), as a client uploads them:
    /// imports are looked up among the given paths, and one that is missing is a diagnostic, as
    /// for [`Engine::deploy`].
    pub async fn deploy_files(
        &self,
        files: &[(String, Vec<u8>)],
        effective_from: Option<Timestamp>,
    ) -> Result<Vec<Deployed>, EngineError> {
        let mut program = junro_dsl::Program::new();
        program.add_all(files);
        loop {
            let wanted = program.wanted();
            if wanted.is_empty() {
                break;
            }
            for path in wanted {
                program.mark_missing(&path);
            }
        }
        self.deploy_program(&program, effective_from).await
    }

    async fn deploy_program(
        &self,
        program: &junro_dsl::Program,
        effective_from: Option<Timestamp>,
    ) -> Result<Vec<Deployed>, EngineError> {
        let report = source::check(program);
        if report.errors() > 0 {
            return Err(EngineError::Invalid(format!("{}{}", report.render(program), report.summary())));
        }
        let catalog = compile(program, &report)?;
        let unknown: Vec<String> = catalog
            .flows()
            .filter_map(|f| {
                f.calendar
                    .as_ref()
                    .filter(|c| self.calendars.get(c).is_none())
                    .map(|c| format!("flow `{}` names calendar \"{c}\"", f.id))
            })
            .collect();
        if !unknown.is_empty() {
            let known: Vec<&str> = self.calendars.names().collect();
            return Err(EngineError::Invalid(format!(
                "{}, which is not configured (configured: {})",
                unknown.join("; "),
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            )));
        }
        let source = ProgramSource::of(program)?;
        self.record(&source, catalog.flows(), effective_from).await
    }

    /// Stores a program's sources and makes `flows`, compiled from it, the newest versions of
    /// their ids.
    pub(crate) async fn record<'f>(
        &self,
        source: &ProgramSource,
        flows: impl Iterator<Item = &'f Arc<CompiledFlow>>,
        effective_from: Option<Timestamp>,
    ) -> Result<Vec<Deployed>, EngineError> {
        let (files, hash) = (&source.files, &source.hash);
        self.store.save_program(hash, files).await?;
        let now = self.now();
        let mut deployed = Vec::new();
        for flow in flows {
            let known: Vec<u32> = self.versions_of(&flow.id);
            let fingerprint = format!("{:016x}", flow.fingerprint);
            let version = self.store.deploy(&flow.id, &fingerprint, hash, &flow.label, effective_from, now).await?;
            let new = !known.contains(&version);
            if new {
                let mut catalogs = self.catalogs.write().unwrap_or_else(std::sync::PoisonError::into_inner);
                catalogs.flows.insert((flow.id.clone(), version), flow.clone());
                catalogs.versions.entry(flow.id.clone()).or_default().push((version, effective_from));
            }
            deployed.push(Deployed { flow: flow.id.clone(), version, new });
        }
        Ok(deployed)
    }

    /// A deployed flow version, compiled (its steps, fields, lanes).
    pub fn flow(&self, id: &str, version: u32) -> Option<Arc<CompiledFlow>> {
        let catalogs = self.catalogs.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        catalogs.flows.get(&(id.to_string(), version)).cloned()
    }

    /// The newest version of every deployed flow (subflows included).
    pub fn latest_flows(&self) -> Vec<Arc<CompiledFlow>> {
        let catalogs = self.catalogs.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        catalogs
            .versions
            .iter()
            .filter_map(|(id, versions)| {
                let newest = versions.iter().map(|(v, _)| *v).max()?;
                catalogs.flows.get(&(id.clone(), newest)).cloned()
            })
            .collect()
    }

    /// Every deployed version of every flow, by flow and version, with its effective date.
    pub async fn deployments(&self) -> Result<Vec<store::Deployment>, EngineError> {
        Ok(self.store.deployments().await?)
    }

    /// The source files (path, text) of the program a deployed flow version was compiled from:
    /// the flow's own file and every file it imports. `None` for an unknown version.
    pub async fn flow_sources(&self, flow: &str, version: u32) -> Result<Option<Vec<(String, String)>>, EngineError> {
        let deployments = self.store.deployments().await?;
        let Some(d) = deployments.iter().find(|d| d.flow == flow && d.version == version) else { return Ok(None) };
        let files = self.store.program(&d.program_hash).await?.unwrap_or_default();
        let files: Vec<(String, String)> = serde_json::from_str(&files).map_err(|e| {
            EngineError::Store(StoreError::Corrupt {
                order: format!("program {}", d.program_hash),
                message: e.to_string(),
            })
        })?;
        Ok(Some(files))
    }

    /// The newest deployed version of one flow.
    pub fn latest_flow(&self, id: &str) -> Option<Arc<CompiledFlow>> {
        let catalogs = self.catalogs.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let newest = catalogs.versions.get(id)?.iter().map(|(v, _)| *v).max()?;
        catalogs.flows.get(&(id.to_string(), newest)).cloned()
    }

    fn versions_of(&self, flow: &str) -> Vec<u32> {
        let catalogs = self.catalogs.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        catalogs.versions.get(flow).map(|v| v.iter().map(|(n, _)| *n).collect()).unwrap_or_default()
    }

    /// The version of `flow` for an order received at `at`: the newest whose effective date has come.
    fn flow_for(&self, flow: &str, at: Timestamp) -> Option<Arc<CompiledFlow>> {
        let catalogs = self.catalogs.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let versions = catalogs.versions.get(flow)?;
        let version = versions.iter().filter(|(_, from)| from.is_none_or(|f| f <= at)).map(|(v, _)| *v).max()?;
        catalogs.flows.get(&(flow.to_string(), version)).cloned()
    }

    fn flow_of(&self, state: &OrderState) -> Result<Arc<CompiledFlow>, EngineError> {
        let catalogs = self.catalogs.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        catalogs
            .flows
            .get(&(state.flow.clone(), state.version))
            .cloned()
            .ok_or_else(|| EngineError::UnknownFlow(format!("{} v{}", state.flow, state.version)))
    }

    /// Registers the handler of an action.
    pub fn register_action(&self, action: &str, handler: impl ActionHandler + 'static) {
        self.handlers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(action.to_string(), Arc::new(handler));
    }

    /// Starts an order of `flow`. Idempotent on the business key: starting again with a key that
    /// exists returns the existing order's id.
    pub async fn start(&self, flow: &str, order: StartOrder) -> Result<String, EngineError> {
        self.start_order(flow, order, false).await
    }

    /// Starts an order; a subflow may start on its own only when `standalone` (scenarios test
    /// subflows by themselves).
    pub(crate) async fn start_order(
        &self,
        flow: &str,
        order: StartOrder,
        standalone: bool,
    ) -> Result<String, EngineError> {
        if let Some(key) = &order.business_key
            && let Some(id) = self.store.find_by_key(key).await?
        {
            return Ok(id);
        }
        let received = order.received_at.unwrap_or_else(|| self.now());
        let compiled = self.flow_for(flow, received).ok_or_else(|| EngineError::UnknownFlow(flow.to_string()))?;
        if compiled.is_subflow && !standalone {
            return Err(EngineError::Subflow(flow.to_string()));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let command = Command::Start {
            id: id.clone(),
            version: self.version_of(&compiled),
            business_key: order.business_key.clone(),
            data: order.data,
            vendor: order.vendor,
            channel: order.channel,
            received_at: order.received_at,
            parent: None,
        };
        match self.run(vec![Work::New(compiled, id.clone(), command)]).await {
            Err(EngineError::Store(StoreError::DuplicateKey(_))) => {
                // Another caller started the same order a moment earlier: theirs is the order.
                let key = order.business_key.unwrap_or_default();
                self.store.find_by_key(&key).await?.ok_or(EngineError::UnknownOrder(key))
            }
            Err(e) => Err(e),
            Ok(()) => Ok(id),
        }
    }

    /// Applies `command` to an order on behalf of `actor`.
    pub async fn apply(&self, order: &str, actor: &Actor, command: Command) -> Result<(), EngineError> {
        self.run(vec![Work::Existing(order.to_string(), actor.clone(), command)]).await
    }

    /// The order id for an id or a business key.
    pub async fn resolve(&self, id_or_key: &str) -> Result<String, EngineError> {
        if self.store.load(id_or_key).await?.is_some() {
            return Ok(id_or_key.to_string());
        }
        self.store.find_by_key(id_or_key).await?.ok_or_else(|| EngineError::UnknownOrder(id_or_key.to_string()))
    }

    /// Completes a task with an outcome (for tasks with outcomes) and form data.
    pub async fn complete(
        &self,
        order: &str,
        task: u64,
        actor: &Actor,
        outcome: Option<&str>,
        data: Data,
    ) -> Result<(), EngineError> {
        self.apply(order, actor, Command::Complete { task, outcome: outcome.map(str::to_string), data }).await
    }

    /// An order's current state, by id or business key, without its history.
    pub async fn order_state(&self, id_or_key: &str) -> Result<OrderState, EngineError> {
        if let Some(state) = self.store.load(id_or_key).await? {
            return Ok(state);
        }
        let id =
            self.store.find_by_key(id_or_key).await?.ok_or_else(|| EngineError::UnknownOrder(id_or_key.to_string()))?;
        self.store.load(&id).await?.ok_or(EngineError::UnknownOrder(id))
    }

    /// An order with its history.
    pub async fn order(&self, id_or_key: &str) -> Result<OrderView, EngineError> {
        let id = self.resolve(id_or_key).await?;
        let state = self.store.load(&id).await?.ok_or_else(|| EngineError::UnknownOrder(id.clone()))?;
        let history = self.store.history(&id).await?;
        Ok(OrderView { state, history })
    }

    /// An order's pending timers (reminders, escalations, waits, retries): id and due time,
    /// earliest first, from its stored state (`OrderState::timers`, which also says what each is
    /// for). An order that does not exist is [`EngineError::UnknownOrder`].
    pub async fn pending_timers(&self, order: &str) -> Result<Vec<(u64, Timestamp)>, EngineError> {
        let state = self.store.load(order).await?.ok_or_else(|| EngineError::UnknownOrder(order.to_string()))?;
        let mut timers: Vec<(u64, Timestamp)> = state.timers.iter().map(|(id, t)| (*id, t.at)).collect();
        timers.sort_by_key(|(id, at)| (*at, *id));
        Ok(timers)
    }

    /// Open tasks matching `filter`.
    pub async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<TaskRow>, EngineError> {
        Ok(self.store.tasks(filter).await?)
    }

    /// How many tasks match `filter` (its limit ignored): a queue's length.
    pub async fn count_tasks(&self, filter: &TaskFilter) -> Result<u64, EngineError> {
        Ok(self.store.count_tasks(filter).await?)
    }

    /// Orders matching `filter`.
    pub async fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderRow>, EngineError> {
        Ok(self.store.orders(filter).await?)
    }

    /// Open incidents matching `filter`, oldest first. Retry one with
    /// [`Command::RetryIncident`], resolve it with [`Command::ResolveIncident`], or cancel its
    /// order.
    pub async fn incidents(&self, filter: &IncidentFilter) -> Result<Vec<IncidentRow>, EngineError> {
        Ok(self.store.incidents(filter).await?)
    }

    /// Open tasks and incidents counted, and how late the oldest due timer and job are: what
    /// an operations dashboard watches.
    pub async fn gauges(&self) -> Result<Gauges, EngineError> {
        Ok(self.store.gauges(self.now()).await?)
    }

    fn version_of(&self, flow: &CompiledFlow) -> u32 {
        let catalogs = self.catalogs.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        catalogs.flows.iter().find(|(_, f)| std::ptr::eq(f.as_ref(), flow)).map_or(0, |((_, v), _)| *v)
    }
}
