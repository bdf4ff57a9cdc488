//! Runs the scenario tests written next to flows on the durable engine: each scenario gets a
//! fresh in-memory SQLite database and a virtual clock, so a scenario exercises what production
//! runs (the store, task rows, the timer table, the job outbox, subflows as child orders).
//!
//! A scenario starts an order with its `given` data at a fixed moment ([`SCENARIO_EPOCH`]), then
//! carries out its statements in order. Action stubs (`action x returns …` / `fails`) queue up
//! results for the next runs of that action; automatic steps run only when the next
//! non-stub statement needs the order to move, so a stub may be written before or right after
//! the step that calls it. An action with no stub left succeeds with no result. Retries of failed
//! actions are automation: the clock moves to them when nothing else is left to run. Tasks are
//! completed by a person holding the task's role; subflows run as child orders, and their tasks
//! can be completed by the scenario too.

use crate::calendar::{Calendar, Calendars};
use crate::clock::VirtualClock;
use crate::compile::{Catalog, CompiledFlow, NodeKind, literal_value};
use crate::machine::{Activity, Actor, Command, CommandError, Event, OrderState, Status, TimerPurpose};
use crate::runtime::{Engine, EngineError, EngineOptions, OrderView, ProgramSource, StartOrder};
use crate::script::Data;
use crate::store::OrderFilter;
use jiff::{SignedDuration, Timestamp};
use junro_dsl::Program;
use junro_dsl::ast::{Assign, Flow, Scenario, ScenarioStmt};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};

/// Every scenario starts at this moment (Tuesday 24 November 2026, 09:00 in Tokyo), so that
/// dates in scenarios mean the same thing on every run.
pub const SCENARIO_EPOCH: &str = "2026-11-24T00:00:00Z";

/// How many automatic steps one settling may run before the flow is declared looping.
const MAX_AUTOMATIC_STEPS: usize = 10_000;

/// The result of one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioResult {
    /// The flow.
    pub flow: String,
    /// The scenario's title.
    pub title: String,
    /// `None` when it passed; otherwise what went wrong.
    pub failure: Option<String>,
}

/// Runs the scenarios of one compiled program.
pub struct ScenarioRunner<'a> {
    catalog: &'a Catalog,
    source: ProgramSource,
}

/// Stubbed action results, by action: `None` is a failure.
type Stubs = Arc<Mutex<BTreeMap<String, VecDeque<Option<Data>>>>>;

impl<'a> ScenarioRunner<'a> {
    /// A runner for the flows of `program`, compiled into `catalog`.
    pub fn new(program: &Program, catalog: &'a Catalog) -> Result<ScenarioRunner<'a>, EngineError> {
        Ok(ScenarioRunner { catalog, source: ProgramSource::of(program)? })
    }

    /// Runs one scenario of `flow`; `line` turns a statement's position into a line number.
    pub async fn run(&self, flow: &Flow, scenario: &Scenario, line: &dyn Fn(usize) -> usize) -> ScenarioResult {
        let failure = match self.world(&flow.name.text).await {
            Ok(mut world) => {
                let result = run_statements(&mut world, flow, scenario, line).await;
                world.engine.close().await;
                result.err()
            }
            Err(e) => Some(format!("cannot set up the scenario's engine: {e}")),
        };
        ScenarioResult { flow: flow.name.text.clone(), title: scenario.title.clone(), failure }
    }

    /// A fresh engine on an in-memory database, with `flow` and the subflows it calls deployed
    /// and every action they run stubbed.
    async fn world(&self, flow: &str) -> Result<World<'a>, EngineError> {
        let epoch: Timestamp = SCENARIO_EPOCH.parse().unwrap_or(Timestamp::UNIX_EPOCH);
        let clock = Arc::new(VirtualClock::new(epoch));
        let options = EngineOptions {
            clock: clock.clone(),
            calendars: Calendars::only(Calendar::default_japan()),
            ..EngineOptions::default()
        };
        let engine = Engine::open_with("sqlite::memory:", options).await?;
        let flows = self.reachable(flow);
        engine.record(&self.source, flows.iter(), None).await?;
        let stubs = Stubs::default();
        let actions: BTreeSet<&str> = flows
            .iter()
            .flat_map(|f| f.graph.node_weights())
            .filter_map(|n| if let NodeKind::Auto(auto) = &n.kind { Some(auto.action.as_str()) } else { None })
            .collect();
        for action in actions {
            let stubs = stubs.clone();
            engine.register_action(action, move |request: crate::ActionRequest| {
                // Taken when the worker calls the action, in the order the jobs were claimed.
                let stub = stubs
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .get_mut(&request.action)
                    .and_then(VecDeque::pop_front)
                    .unwrap_or(Some(Data::new()));
                async move { stub.ok_or_else(|| "failed (scenario stub)".to_string()) }
            });
        }
        Ok(World { engine, clock, catalog: self.catalog, stubs, root: None })
    }

    /// `flow` and every subflow it calls, directly or not.
    fn reachable(&self, flow: &str) -> Vec<Arc<CompiledFlow>> {
        let mut found: BTreeMap<String, Arc<CompiledFlow>> = BTreeMap::new();
        let mut queue = vec![flow.to_string()];
        while let Some(id) = queue.pop() {
            if found.contains_key(&id) {
                continue;
            }
            let Some(compiled) = self.catalog.get(&id) else { continue };
            for node in compiled.graph.node_weights() {
                if let NodeKind::Call { flow, .. } = &node.kind {
                    queue.push(flow.clone());
                }
            }
            found.insert(id, compiled.clone());
        }
        found.into_values().collect()
    }
}

/// One scenario's engine and the order it runs.
struct World<'a> {
    engine: Engine,
    clock: Arc<VirtualClock>,
    catalog: &'a Catalog,
    stubs: Stubs,
    root: Option<String>,
}

fn failed(e: EngineError) -> String {
    match e {
        EngineError::Command(e) => e.to_string(),
        other => other.to_string(),
    }
}

impl World<'_> {
    fn now(&self) -> Timestamp {
        self.engine.now()
    }

    /// The root order and every subflow order under it, parents first.
    async fn orders(&self) -> Result<Vec<String>, String> {
        let mut ids: Vec<String> = self.root.iter().cloned().collect();
        let mut i = 0;
        while i < ids.len() {
            let filter = OrderFilter { parent: Some(ids[i].clone()), limit: Some(u32::MAX), ..OrderFilter::default() };
            let mut children: Vec<String> =
                self.engine.orders(&filter).await.map_err(failed)?.into_iter().map(|o| o.id).collect();
            children.sort();
            ids.extend(children);
            i += 1;
        }
        Ok(ids)
    }

    async fn state(&self, id: &str) -> Result<OrderState, String> {
        Ok(self.engine.order(id).await.map_err(failed)?.state)
    }

    /// The earliest pending timer among the scenario's orders, if due by `until`; with
    /// `retries_only`, only timers that retry a failed action.
    async fn next_timer(&self, until: Timestamp, retries_only: bool) -> Result<Option<Timestamp>, String> {
        let mut earliest: Option<Timestamp> = None;
        for id in self.orders().await? {
            let state = self.state(&id).await?;
            // A held order's timers wait for its resumption.
            if matches!(state.status, Status::OnHold { .. }) {
                continue;
            }
            for timer in state.timers.values() {
                let (at, retry) = (timer.at, matches!(timer.purpose, TimerPurpose::Retry { .. }));
                if at <= until && (retry || !retries_only) {
                    earliest = Some(earliest.map_or(at, |e| e.min(at)));
                }
            }
        }
        Ok(earliest)
    }

    /// Runs due actions with their stubs, and their retries, until none is left. Retries move
    /// the virtual clock to their time: they are automation, not something a scenario waits for.
    async fn settle(&mut self) -> Result<(), String> {
        let mut steps = 0;
        loop {
            let handled = self.engine.run_due().await.map_err(|e| format!("running actions: {}", failed(e)))?;
            steps += handled;
            if steps > MAX_AUTOMATIC_STEPS {
                return Err("actions keep being queued; the flow loops".into());
            }
            if handled > 0 {
                continue;
            }
            match self.next_timer(Timestamp::MAX, true).await? {
                Some(at) => self.clock.set(self.now().max(at)),
                None => return Ok(()),
            }
        }
    }

    /// Moves the clock forward, firing due timers in time order.
    async fn advance(&mut self, seconds: u64) -> Result<(), String> {
        let until = self
            .now()
            .checked_add(SignedDuration::from_secs(i64::try_from(seconds).unwrap_or(i64::MAX)))
            .unwrap_or(Timestamp::MAX);
        while let Some(at) = self.next_timer(until, false).await? {
            self.clock.set(self.now().max(at));
            self.settle().await?;
        }
        self.clock.set(self.now().max(until));
        Ok(())
    }

    /// The order and open task instance at step `step`: in the root order, then in its subflows.
    async fn open_task(&self, step: &str) -> Result<Option<(String, u64, String)>, String> {
        for id in self.orders().await? {
            let order = self.state(&id).await?;
            for token in order.tokens.values() {
                if token.step == step && matches!(token.activity, Activity::Task { .. }) {
                    let role = match self.catalog.get(&order.flow).and_then(|f| f.node(step)).map(|n| &n.kind) {
                        Some(NodeKind::Task(t)) => t.role.clone(),
                        _ => String::new(),
                    };
                    return Ok(Some((id, token.instance, role)));
                }
            }
        }
        Ok(None)
    }

    async fn root(&self) -> Result<OrderView, String> {
        let root = self.root.as_deref().ok_or("the order did not start")?;
        self.engine.order(root).await.map_err(failed)
    }

    /// An administrator's command (hold, resume) on the root order.
    async fn apply_to_root(&self, command: Command) -> Result<(), String> {
        let root = self.root.as_deref().ok_or("the order did not start")?;
        self.engine.apply(root, &Actor::system(), command).await.map_err(failed)
    }

    /// Steps the root order went through, in order (tasks, autos, decisions, waits, calls).
    async fn via(&self) -> Result<Vec<String>, String> {
        let view = self.root().await?;
        Ok(view.history.iter().filter_map(|e| e.event.entered_step().map(str::to_string)).collect())
    }

    /// One-stop: completed, and no person took a back-lane task in the order or its subflows.
    async fn onestop(&self) -> Result<bool, String> {
        let completed =
            matches!(&self.root().await?.state.status, Status::Closed { outcome, .. } if outcome == "completed");
        for id in self.orders().await? {
            let history = self.engine.order(&id).await.map_err(failed)?.history;
            let back: BTreeSet<u64> = history
                .iter()
                .filter_map(|e| match &e.event {
                    Event::TaskReady { instance, back: true, .. } => Some(*instance),
                    _ => None,
                })
                .collect();
            if history
                .iter()
                .any(|e| matches!(&e.event, Event::TaskClaimed { instance, .. } if back.contains(instance)))
            {
                return Ok(false);
            }
        }
        Ok(completed)
    }

    /// Every order's stored history replays to its stored state.
    async fn verify_histories(&self) -> Result<(), String> {
        for id in self.orders().await? {
            let view = self.engine.order(&id).await.map_err(failed)?;
            crate::replay::verify(&view).map_err(|e| format!("order {id}: {e}"))?;
        }
        Ok(())
    }

    async fn describe(&self) -> String {
        let Ok(view) = self.root().await else { return "not started".into() };
        let at: Vec<String> = view
            .state
            .tokens
            .values()
            .map(|t| match &t.activity {
                Activity::Stuck { message } => format!("{} (incident: {message})", t.step),
                Activity::Job { incident: Some(message), .. } => format!("{} (incident: {message})", t.step),
                _ => t.step.clone(),
            })
            .collect();
        match &view.state.status {
            Status::Closed { outcome, .. } => format!("ended {outcome}"),
            _ if at.is_empty() => "is open at no step".to_string(),
            _ => format!("is open at {}", at.join(", ")),
        }
    }

    /// Sends a signal to whichever order (a subflow first, then the root) waits for it, or else
    /// has the root keep it for a later wait; `false` when no wait of the flow listens for it.
    async fn signal(&self, name: &str) -> Result<bool, String> {
        for target in self.orders().await?.iter().rev() {
            let command = Command::Signal { name: name.to_string(), data: Data::new() };
            match self.engine.apply(target, &Actor::system(), command).await {
                Ok(()) => return Ok(true),
                // A held order keeps it below, for when it is resumed.
                Err(EngineError::Command(
                    CommandError::NoWaiter { .. } | CommandError::Closed(_) | CommandError::OnHold(_),
                )) => {}
                Err(e) => return Err(failed(e)),
            }
        }
        // Nothing waits for it yet: the order keeps it for a later wait, as in production
        // (refused when no wait of the flow ever listens for it).
        let Some(root) = &self.root else { return Ok(false) };
        let command = Command::KeepSignal { name: name.to_string(), data: Data::new() };
        match self.engine.apply(root, &Actor::system(), command).await {
            Ok(()) => Ok(true),
            Err(EngineError::Command(CommandError::NoWaiter { .. } | CommandError::Closed(_))) => Ok(false),
            Err(e) => Err(failed(e)),
        }
    }
}

fn data(assigns: &[Assign]) -> Data {
    assigns.iter().map(|a| (a.name.text.clone(), literal_value(&a.value.value))).collect()
}

/// The open task at `step`, or a failure saying where the order is instead.
async fn task_at(world: &World<'_>, step: &junro_dsl::ast::Name, at: &str) -> Result<(String, u64, Actor), String> {
    match world.open_task(&step.text).await? {
        Some((order, instance, role)) => Ok((order, instance, Actor::person("scenario", &[role.as_str()], None))),
        None => Err(format!("{at}: no open task `{}`; the order {}", step.text, world.describe().await)),
    }
}

async fn run_statements(
    world: &mut World<'_>,
    flow: &Flow,
    scenario: &Scenario,
    line: &dyn Fn(usize) -> usize,
) -> Result<(), String> {
    let mut given = Data::new();
    for stmt in &scenario.statements {
        let at = |span: junro_dsl::Span| format!("line {}", line(span.start));
        match stmt {
            ScenarioStmt::Given(assigns) => {
                if world.root.is_some() {
                    return Err(format!(
                        "{}: `given` after the order started",
                        at(assigns.first().map_or(scenario.span, |a| a.name.span))
                    ));
                }
                given.extend(data(assigns));
                continue;
            }
            ScenarioStmt::StubAction { action, returns } => {
                let stub = returns.as_ref().map(|r| data(r));
                let mut stubs = world.stubs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                stubs.entry(action.text.clone()).or_default().push_back(stub);
                continue;
            }
            _ => {}
        }
        if world.root.is_none() {
            let order = StartOrder { data: std::mem::take(&mut given), ..StartOrder::default() };
            world.root = Some(world.engine.start_order(&flow.name.text, order, true).await.map_err(failed)?);
        }
        world.settle().await?;
        match stmt {
            ScenarioStmt::Complete { task, outcome, with } => {
                let (order, instance, actor) = task_at(world, task, &at(task.span)).await?;
                let command = Command::Complete {
                    task: instance,
                    outcome: outcome.as_ref().map(|o| o.text.clone()),
                    data: data(with),
                };
                world
                    .engine
                    .apply(&order, &actor, command)
                    .await
                    .map_err(|e| format!("{}: complete {}: {}", at(task.span), task.text, failed(e)))?;
            }
            ScenarioStmt::SendBack { task, to } => {
                let (order, instance, actor) = task_at(world, task, &at(task.span)).await?;
                let command = Command::SendBack { task: instance, to: to.text.clone(), reason: "scenario".into() };
                world
                    .engine
                    .apply(&order, &actor, command)
                    .await
                    .map_err(|e| format!("{}: sendback {}: {}", at(task.span), task.text, failed(e)))?;
            }
            ScenarioStmt::Signal(name) => {
                let delivered = world
                    .signal(&name.text)
                    .await
                    .map_err(|e| format!("{}: signal {}: {e}", at(name.span), name.text))?;
                if !delivered {
                    return Err(format!(
                        "{}: nothing waits for signal `{}`; the order {}",
                        at(name.span),
                        name.text,
                        world.describe().await
                    ));
                }
            }
            ScenarioStmt::Advance(duration) => world.advance(duration.seconds).await?,
            ScenarioStmt::Hold { reason, span } => {
                let command = Command::Hold { reason: reason.clone().unwrap_or_else(|| "scenario".into()) };
                world.apply_to_root(command).await.map_err(|e| format!("{}: hold: {e}", at(*span)))?;
            }
            ScenarioStmt::Resume(span) => {
                world.apply_to_root(Command::Resume).await.map_err(|e| format!("{}: resume: {e}", at(*span)))?;
            }
            ScenarioStmt::ExpectEnd { outcome, via } => {
                let ended = matches!(&world.root().await?.state.status, Status::Closed { outcome: o, .. } if *o == outcome.text);
                let went = world.via().await?;
                let expected: Vec<String> = via.iter().map(|v| v.text.clone()).collect();
                if !ended || (!via.is_empty() && went != expected) {
                    return Err(format!(
                        "{}: expected {}{}, but the order {} via {}",
                        at(outcome.span),
                        outcome.text,
                        if via.is_empty() { String::new() } else { format!(" via {}", expected.join(", ")) },
                        world.describe().await,
                        went.join(", ")
                    ));
                }
            }
            ScenarioStmt::ExpectOneStop { onestop, span } => {
                if world.onestop().await? != *onestop {
                    let want = if *onestop { "one-stop" } else { "not one-stop" };
                    return Err(format!(
                        "{}: expected the order to be {want}; it {} via {}",
                        at(*span),
                        world.describe().await,
                        world.via().await?.join(", ")
                    ));
                }
            }
            ScenarioStmt::ExpectAt(step) => {
                let here = world.root().await?.state.tokens.values().any(|t| t.step == step.text);
                if !here {
                    return Err(format!(
                        "{}: expected the order at `{}`; it {}",
                        at(step.span),
                        step.text,
                        world.describe().await
                    ));
                }
            }
            ScenarioStmt::Given(_) | ScenarioStmt::StubAction { .. } => {}
        }
    }
    if world.root.is_none() {
        let order = StartOrder { data: given, ..StartOrder::default() };
        world.root = Some(world.engine.start_order(&flow.name.text, order, true).await.map_err(failed)?);
    }
    world.settle().await?;
    world.verify_histories().await
}
