//! Units of work: applying a command together with the commands it causes in child and parent
//! orders, and group commits of many independent commands (`Engine::apply_batch`). Everything a
//! unit changes is written in one transaction.

use super::{Engine, EngineError, StartOrder};
use crate::compile::CompiledFlow;
use crate::machine::{self, Actor, Command, CommandError, Context, Effect, OrderState};
use crate::store::{Change, StoreError};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::sync::Arc;

impl Engine {
    /// Applies a unit of work: the first command, and the commands its effects cause in child
    /// and parent orders; writes everything in one transaction. The orders the commands name
    /// come from the state cache when it has them; a refusal or a conflict met on a cached state
    /// is not an answer (the order may have moved on in another engine): the unit is done again
    /// on the stored states, which alone may refuse.
    pub(super) async fn run(&self, first: Vec<Work>) -> Result<(), EngineError> {
        let mut read = BTreeMap::new();
        for work in &first {
            if let Work::Existing(id, ..) = work
                && !read.contains_key(id)
                && let Some(state) = self.cache.take(id)
            {
                read.insert(id.clone(), state);
            }
        }
        if read.is_empty() {
            return self.run_on(first, read).await;
        }
        let again: Vec<Work> = first.iter().map(Work::clone_work).collect();
        match self.run_on(first, read).await {
            Err(EngineError::Command(_) | EngineError::Conflict(_)) => self.run_on(again, BTreeMap::new()).await,
            other => other,
        }
    }

    /// Applies `command` to order `id_or_key` (an id or a business key) only if `check` passes
    /// on the state the command is computed from: the embedding application's checks of who
    /// may act on the order (a vendor's staff, their vendor's orders) and of a form against the
    /// order's data, made on the very state the change is then committed against, which the
    /// commit finds unchanged or fails. A state from the cache that `check` refuses is not an
    /// answer: it is asked again of the stored state. Returns the order's id, or why `check`
    /// refused the stored state (nothing changed).
    ///
    /// Saves the separate read a check before [`Engine::apply`] would need, which `apply` then
    /// could not trust anyway: the order may change in between.
    pub async fn apply_where<R>(
        &self,
        id_or_key: &str,
        actor: &Actor,
        command: Command,
        check: impl Fn(&OrderState) -> Result<(), R>,
    ) -> Result<Result<String, R>, EngineError> {
        let work = |id: &str, command: Command| vec![Work::Existing(id.to_string(), actor.clone(), command)];
        if let Some(state) = self.cache.take(id_or_key)
            && check(&state).is_ok()
        {
            let read = BTreeMap::from([(id_or_key.to_string(), state)]);
            match self.run_on(work(id_or_key, command.clone()), read).await {
                Err(EngineError::Command(_) | EngineError::Conflict(_)) => {}
                other => return other.map(|()| Ok(id_or_key.to_string())),
            }
        }
        let state = match self.store.load(id_or_key).await? {
            Some(state) => state,
            None => {
                let id = self
                    .store
                    .find_by_key(id_or_key)
                    .await?
                    .ok_or_else(|| EngineError::UnknownOrder(id_or_key.to_string()))?;
                self.store.load(&id).await?.ok_or(EngineError::UnknownOrder(id))?
            }
        };
        if let Err(refusal) = check(&state) {
            return Ok(Err(refusal));
        }
        let id = state.id.clone();
        self.run_on(work(&id, command), BTreeMap::from([(id.clone(), state)])).await.map(|()| Ok(id))
    }

    /// [`Engine::run`] with the states in `read` (the rest from the store).
    async fn run_on(&self, first: Vec<Work>, read: BTreeMap<String, OrderState>) -> Result<(), EngineError> {
        let now = self.now();
        let (mut batch, mut read) = (Unit::default(), read);
        for work in first {
            let unit = self.plan(work, &batch, &mut read, now).await?;
            batch.absorb(unit);
        }
        self.commit(batch.changes).await
    }

    /// Writes the changes in one transaction; once committed, their states are what the cache
    /// keeps for the next commands.
    pub(super) async fn commit(&self, changes: Vec<Change>) -> Result<(), EngineError> {
        self.store.commit(&changes).await?;
        count_orders(&changes);
        self.cache.keep(changes.into_iter().map(|change| change.state));
        Ok(())
    }

    /// Applies many independent commands (and starts) in one transaction: the group commit that
    /// makes high volumes cheap. Each item gets its own result; a refused command does not stop
    /// the others. When the batch conflicts with a concurrent change, items are retried one by one.
    pub async fn apply_batch(&self, items: Vec<BatchItem>) -> Vec<Result<Option<String>, EngineError>> {
        if items.is_empty() {
            return Vec::new();
        }
        let now = self.now();
        let mut batch = Unit::default();
        // Grown once: a change is a whole order state, and a batch holds hundreds.
        batch.changes.reserve(items.len());
        // Every order the batch names: from the state cache, else read in one query.
        let mut read: BTreeMap<String, OrderState> = BTreeMap::new();
        let mut missing: Vec<String> = Vec::new();
        for item in &items {
            if let BatchItem::Apply { order, .. } = item
                && !read.contains_key(order)
            {
                match self.cache.take(order) {
                    Some(state) => {
                        read.insert(order.clone(), state);
                    }
                    None => missing.push(order.clone()),
                }
            }
        }
        let cached = !read.is_empty();
        match self.store.load_many(&missing).await {
            Ok(states) => read.extend(states.into_iter().map(|s| (s.id.clone(), s))),
            Err(e) => {
                let message = e.to_string();
                return items
                    .iter()
                    .map(|_| {
                        Err(EngineError::Store(StoreError::Corrupt { order: String::new(), message: message.clone() }))
                    })
                    .collect();
            }
        }
        let mut results: Vec<Result<Option<String>, EngineError>> = Vec::with_capacity(items.len());
        let mut works: Vec<Option<Work>> = Vec::with_capacity(items.len());
        // Items refused while the batch used cached states: asked again on stored states below.
        let mut refused: Vec<(usize, Work)> = Vec::new();
        for (n, item) in items.into_iter().enumerate() {
            // Planning a large batch runs without awaiting anything (states come from the
            // cache): hand the thread back now and then, so that a group commit in flight,
            // which needs a turn after each of its statements, is not kept waiting behind it.
            if n % PLAN_TURN == PLAN_TURN - 1 {
                tokio::task::yield_now().await;
            }
            let (work, id) = match self.work_of(item, now).await {
                Ok(Prepared::Work(work, id)) => (*work, id),
                Ok(Prepared::Existing(id)) => {
                    results.push(Ok(Some(id)));
                    works.push(None);
                    continue;
                }
                Err(e) => {
                    results.push(Err(e));
                    works.push(None);
                    continue;
                }
            };
            match self.plan(work.clone_work(), &batch, &mut read, now).await {
                Ok(unit) => {
                    batch.absorb(unit);
                    results.push(Ok(id));
                    works.push(Some(work));
                }
                Err(e) => {
                    if cached && matches!(e, EngineError::Command(_)) {
                        refused.push((results.len(), work));
                    }
                    results.push(Err(e));
                    works.push(None);
                }
            }
        }
        if let Err(error) = self.commit(batch.changes).await {
            // Someone changed one of the orders (or took a business key) meanwhile: apply the
            // items that were accepted one at a time, so each gets its own answer.
            let retry_each =
                matches!(error, EngineError::Conflict(_) | EngineError::Store(StoreError::DuplicateKey(_)));
            for (result, work) in results.iter_mut().zip(works) {
                let Some(work) = work else { continue };
                *result = if retry_each {
                    let id = result.as_ref().ok().cloned().flatten();
                    self.run(vec![work]).await.map(|()| id)
                } else {
                    Err(EngineError::Store(StoreError::Corrupt { order: String::new(), message: error.to_string() }))
                };
            }
            if !retry_each {
                return results;
            }
        }
        for (n, work) in refused {
            let id = match &work {
                Work::New(_, id, _) => Some(id.clone()),
                Work::Existing(..) => None,
            };
            results[n] = self.run_on(vec![work], BTreeMap::new()).await.map(|()| id);
        }
        results
    }

    /// Turns a batch item into work, resolving starts (flow version, id, business key).
    async fn work_of(&self, item: BatchItem, now: Timestamp) -> Result<Prepared, EngineError> {
        match item {
            BatchItem::Apply { order, actor, command } => {
                Ok(Prepared::Work(Box::new(Work::Existing(order, actor, command)), None))
            }
            BatchItem::Start { flow, order } => {
                if let Some(key) = &order.business_key
                    && let Some(id) = self.store.find_by_key(key).await?
                {
                    return Ok(Prepared::Existing(id));
                }
                let received = order.received_at.unwrap_or(now);
                let compiled = self.flow_for(&flow, received).ok_or_else(|| EngineError::UnknownFlow(flow.clone()))?;
                if compiled.is_subflow {
                    return Err(EngineError::Subflow(flow));
                }
                let id = uuid::Uuid::now_v7().to_string();
                let command = Command::Start {
                    id: id.clone(),
                    version: self.version_of(&compiled),
                    business_key: order.business_key,
                    data: order.data,
                    vendor: order.vendor,
                    channel: order.channel,
                    received_at: order.received_at,
                    parent: None,
                };
                Ok(Prepared::Work(Box::new(Work::New(compiled, id.clone(), command)), Some(id)))
            }
        }
    }

    /// Computes the changes of one unit of work on top of what `batch` already changed.
    /// `read` holds states read ahead (as stored or kept by the cache, before this batch's
    /// changes); a state used from it is taken out, not copied: once changed, the order's state
    /// is found among the batch's changes, and if the command is refused, a later command on
    /// the order reads it from the store.
    async fn plan(
        &self,
        first: Work,
        batch: &Unit,
        read: &mut BTreeMap<String, OrderState>,
        now: Timestamp,
    ) -> Result<Unit, EngineError> {
        // Each order's due times follow its flow's calendar (chosen per unit below).
        let mut queue: std::collections::VecDeque<Work> = std::collections::VecDeque::from([first]);
        let mut unit = Unit::default();
        while let Some(work) = queue.pop_front() {
            let (flow, state, expected, actor, command) = match work {
                Work::New(flow, _id, command) => (flow, machine::blank_state(), None, Actor::system(), command),
                Work::Existing(id, actor, command) => {
                    let (state, expected) = match (unit.index.get(&id), batch.index.get(&id)) {
                        (Some(&i), _) => (unit.changes[i].state.clone(), unit.changes[i].expected_version),
                        (None, Some(&i)) => (batch.changes[i].state.clone(), batch.changes[i].expected_version),
                        (None, None) => {
                            let state = match read.remove(&id) {
                                Some(state) => state,
                                None => {
                                    self.store.load(&id).await?.ok_or_else(|| EngineError::UnknownOrder(id.clone()))?
                                }
                            };
                            let expected = Some(state.version_no);
                            (state, expected)
                        }
                    };
                    (self.flow_of(&state)?, state, expected, actor, command)
                }
            };
            let fresh = expected.is_none() && state.id.is_empty();
            // What the code below needs of the state before the command: the state itself goes
            // to the machine, which builds the new one from it instead of a copy.
            let first_seq = if fresh { 0 } else { state.events };
            let was_closed = matches!(state.status, machine::Status::Closed { .. });
            let was_calling = state.tokens.values().any(|t| matches!(t.activity, machine::Activity::Calling { .. }));
            let ctx = Context { now, calendar: self.calendar_for(&flow) };
            let induced = !unit.changes.is_empty();
            let mut transition = match machine::apply_owned(&flow, state, &actor, &command, &ctx) {
                // A command this unit caused (a subflow's end, a cascade cancel) that meets an
                // order already closed is moot; only the caller's own command may be refused.
                Err(CommandError::Closed(_)) if induced => continue,
                other => other?,
            };
            let events: Vec<_> = transition
                .events
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, e)| (first_seq + i as u64 + 1, now, e))
                .collect();
            transition.state.events = first_seq + events.len() as u64;
            for effect in &transition.effects {
                match effect {
                    Effect::StartSubflow { instance, flow: child, data } => {
                        let compiled =
                            self.flow_for(child, now).ok_or_else(|| EngineError::UnknownFlow(child.clone()))?;
                        let child_id = uuid::Uuid::now_v7().to_string();
                        let start = Command::Start {
                            id: child_id.clone(),
                            version: self.version_of(&compiled),
                            business_key: None,
                            data: data.clone(),
                            vendor: transition.state.vendor.clone(),
                            channel: transition.state.channel.clone(),
                            received_at: None,
                            parent: Some((transition.state.id.clone(), *instance)),
                        };
                        queue.push_back(Work::New(compiled, child_id, start));
                    }
                    Effect::NotifyParent { parent, call, outcome, data } => {
                        let command = Command::ChildEnded { call: *call, outcome: outcome.clone(), data: data.clone() };
                        queue.push_back(Work::Existing(parent.clone(), Actor::system(), command));
                    }
                    _ => {}
                }
            }
            // An order that ends while waiting for subflows ends them too (cancelled).
            let closed_now = matches!(transition.state.status, machine::Status::Closed { .. }) && !was_closed;
            let id = &transition.state.id;
            if closed_now && was_calling && !id.is_empty() {
                for child in self.store.open_children(id).await? {
                    let cancel = Command::Cancel { reason: format!("order {id} ended") };
                    queue.push_back(Work::Existing(child, Actor::system(), cancel));
                }
            }
            unit.absorb_change(Change {
                state: transition.state,
                expected_version: expected,
                events,
                effects: transition.effects,
            });
        }
        Ok(unit)
    }
}

/// One item of [`Engine::apply_batch`].
#[derive(Debug, Clone)]
pub enum BatchItem {
    /// Start an order; its result is the new (or, for a known business key, existing) order id.
    Start {
        /// Flow id.
        flow: String,
        /// The order.
        order: StartOrder,
    },
    /// Apply a command to an order.
    Apply {
        /// Order id.
        order: String,
        /// Who asks.
        actor: Actor,
        /// What.
        command: Command,
    },
}

enum Prepared {
    Work(Box<Work>, Option<String>),
    Existing(String),
}

/// The changes of a unit of work (or of a whole batch), one per order.
#[derive(Default)]
struct Unit {
    changes: Vec<Change>,
    index: BTreeMap<String, usize>,
}

impl Unit {
    /// Adds a change; a second change of the same order extends the first.
    fn absorb_change(&mut self, change: Change) {
        match self.index.get(&change.state.id) {
            Some(&i) => {
                let existing = &mut self.changes[i];
                existing.state = change.state;
                existing.events.extend(change.events);
                existing.effects.extend(change.effects);
            }
            None => {
                self.index.insert(change.state.id.clone(), self.changes.len());
                self.changes.push(change);
            }
        }
    }

    fn absorb(&mut self, unit: Unit) {
        for change in unit.changes {
            self.absorb_change(change);
        }
    }
}

/// Items planned between two turns given back to the runtime (`apply_batch`).
const PLAN_TURN: usize = 64;

/// One command to apply within a unit of work.
pub(super) enum Work {
    /// Start a new order of this flow version with this id.
    New(Arc<CompiledFlow>, String, Command),
    /// A command on an existing order.
    Existing(String, Actor, Command),
}

impl Work {
    fn clone_work(&self) -> Work {
        match self {
            Work::New(flow, id, command) => Work::New(flow.clone(), id.clone(), command.clone()),
            Work::Existing(id, actor, command) => Work::Existing(id.clone(), actor.clone(), command.clone()),
        }
    }
}

/// Counts the orders committed changes started and closed, by flow (and outcome), for whatever
/// metrics recorder the embedding application installed (`junro serve`: Prometheus).
fn count_orders(changes: &[Change]) {
    for change in changes {
        for (_, _, event) in &change.events {
            match event {
                crate::machine::Event::OrderStarted { flow, .. } => {
                    metrics::counter!("junro_orders_started_total", "flow" => flow.clone()).increment(1);
                }
                crate::machine::Event::OrderClosed { outcome, .. } => {
                    let (flow, outcome) = (change.state.flow.clone(), outcome.clone());
                    metrics::counter!("junro_orders_closed_total", "flow" => flow, "outcome" => outcome).increment(1);
                }
                _ => {}
            }
        }
    }
}
