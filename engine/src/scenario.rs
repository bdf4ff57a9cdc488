//! Runs the scenario tests written next to flows, in memory, on a virtual clock.
//!
//! A scenario starts an order with its `given` data at a fixed moment ([`SCENARIO_EPOCH`]), then
//! carries out its statements in order. Action stubs (`action x returns …` / `fails`) queue up
//! results for the next runs of that action; automatic steps run only when the next
//! non-stub statement needs the order to move, so a stub may be written before or right after
//! the step that calls it. An action with no stub left succeeds with no result. Tasks are
//! completed by a person holding the task's role; subflows run as child orders, and their tasks
//! can be completed by the scenario too.

use crate::calendar::Calendar;
use crate::compile::{Catalog, literal_value};
use crate::machine::{self, Activity, Actor, Command, CommandError, Context, Effect, Event, OrderState, Status};
use crate::script::Data;
use jiff::{SignedDuration, Timestamp};
use junro_dsl::ast::{Assign, Flow, Scenario, ScenarioStmt};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Every scenario starts at this moment (Tuesday 24 November 2026, 09:00 in Tokyo), so that
/// dates in scenarios mean the same thing on every run.
pub const SCENARIO_EPOCH: &str = "2026-11-24T00:00:00Z";

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

/// An order being simulated, with the history it has produced.
struct World<'a> {
    catalog: &'a Catalog,
    calendar: Calendar,
    now: Timestamp,
    orders: BTreeMap<String, OrderState>,
    history: BTreeMap<String, Vec<Event>>,
    timers: Vec<(Timestamp, String, u64)>,
    jobs: VecDeque<(String, u64, String)>,
    stubs: BTreeMap<String, VecDeque<Option<Data>>>,
    children: BTreeMap<String, Vec<String>>,
    next_order: u64,
}

impl<'a> World<'a> {
    fn new(catalog: &'a Catalog) -> World<'a> {
        World {
            catalog,
            calendar: Calendar::default_japan(),
            now: SCENARIO_EPOCH.parse().unwrap_or(Timestamp::UNIX_EPOCH),
            orders: BTreeMap::new(),
            history: BTreeMap::new(),
            timers: Vec::new(),
            jobs: VecDeque::new(),
            stubs: BTreeMap::new(),
            children: BTreeMap::new(),
            next_order: 1,
        }
    }

    fn start(&mut self, flow: &str, data: Data, parent: Option<(String, u64)>) -> Result<String, String> {
        let id = format!("order-{}", self.next_order);
        self.next_order += 1;
        if let Some((p, _)) = &parent {
            self.children.entry(p.clone()).or_default().push(id.clone());
        }
        let command = Command::Start {
            id: id.clone(),
            version: 1,
            business_key: None,
            data,
            vendor: None,
            channel: None,
            received_at: None,
            parent,
        };
        self.apply_to(flow, &id, &machine::blank_state(), &Actor::system(), &command).map_err(|e| e.to_string())?;
        Ok(id)
    }

    /// Applies `command` to order `id` and carries out every effect, including those of the
    /// child and parent orders it touches.
    fn apply(&mut self, id: &str, actor: &Actor, command: &Command) -> Result<(), CommandError> {
        let state = self.orders.get(id).cloned().ok_or_else(|| CommandError::BadStart(format!("no order {id}")))?;
        let flow = state.flow.clone();
        self.apply_to(&flow, id, &state, actor, command)
    }

    fn apply_to(
        &mut self,
        flow: &str,
        id: &str,
        state: &OrderState,
        actor: &Actor,
        command: &Command,
    ) -> Result<(), CommandError> {
        let compiled =
            self.catalog.get(flow).cloned().ok_or_else(|| CommandError::BadStart(format!("no flow `{flow}`")))?;
        let ctx = Context { now: self.now, calendar: &self.calendar };
        let transition = machine::apply(&compiled, state, actor, command, &ctx)?;
        self.orders.insert(id.to_string(), transition.state);
        self.history.entry(id.to_string()).or_default().extend(transition.events);
        for effect in transition.effects {
            match effect {
                Effect::ScheduleTimer { id: timer, at } => self.timers.push((at, id.to_string(), timer)),
                Effect::CancelTimer { id: timer } => self.timers.retain(|(_, o, t)| !(o == id && *t == timer)),
                Effect::EnqueueJob { instance, action, .. } => self.jobs.push_back((id.to_string(), instance, action)),
                Effect::StartSubflow { instance, flow, data } => {
                    if let Err(message) = self.start(&flow, data, Some((id.to_string(), instance))) {
                        return Err(CommandError::BadStart(message));
                    }
                }
                Effect::NotifyParent { parent, call, outcome, data } => {
                    self.apply(&parent, &Actor::system(), &Command::ChildEnded { call, outcome, data })?;
                }
                Effect::CreateTask { .. }
                | Effect::CloseTask { .. }
                | Effect::AssignTask { .. }
                | Effect::FinishJob { .. } => {}
            }
        }
        Ok(())
    }

    /// The earliest pending timer that retries a failed action, if any.
    fn next_retry(&self) -> Option<usize> {
        let is_retry = |order: &str, timer: u64| {
            matches!(
                self.orders.get(order).and_then(|o| o.timers.get(&timer)),
                Some(machine::TimerPurpose::Retry { .. })
            )
        };
        self.timers
            .iter()
            .enumerate()
            .filter(|(_, (_, o, t))| is_retry(o, *t))
            .min_by_key(|(_, (at, _, _))| *at)
            .map(|(i, _)| i)
    }

    /// Runs queued actions with their stubs, and their retries, until none is left. Retries
    /// move the virtual clock to their time: they are automation, not something a scenario waits for.
    fn settle(&mut self) -> Result<(), String> {
        let mut guard = 0;
        loop {
            if self.jobs.is_empty() {
                let Some(i) = self.next_retry() else { break };
                let (at, order, timer) = self.timers.remove(i);
                self.now = self.now.max(at);
                self.apply(&order, &Actor::system(), &Command::TimerFired { timer })
                    .map_err(|e| format!("retry: {e}"))?;
                continue;
            }
            let Some((order, instance, action)) = self.jobs.pop_front() else { break };
            guard += 1;
            if guard > 10_000 {
                return Err("actions keep being queued; the flow loops".into());
            }
            let stub = self.stubs.get_mut(&action).and_then(VecDeque::pop_front).unwrap_or(Some(Data::new()));
            let command = match stub {
                Some(output) => Command::ActionSucceeded { job: instance, output },
                None => Command::ActionFailed { job: instance, error: "failed (scenario stub)".into() },
            };
            match self.apply(&order, &Actor::system(), &command) {
                Ok(()) | Err(CommandError::NoSuchJob(_) | CommandError::Closed(_)) => {}
                Err(e) => return Err(format!("action `{action}`: {e}")),
            }
        }
        Ok(())
    }

    /// Moves the clock forward, firing due timers in time order.
    fn advance(&mut self, seconds: u64) -> Result<(), String> {
        let until = self
            .now
            .checked_add(SignedDuration::from_secs(i64::try_from(seconds).unwrap_or(i64::MAX)))
            .unwrap_or(Timestamp::MAX);
        loop {
            self.timers.sort();
            let Some(position) = self.timers.iter().position(|(at, _, _)| *at <= until) else { break };
            let (at, order, timer) = self.timers.remove(position);
            self.now = self.now.max(at);
            match self.apply(&order, &Actor::system(), &Command::TimerFired { timer }) {
                Ok(()) | Err(CommandError::StaleTimer(_) | CommandError::Closed(_)) => {}
                Err(e) => return Err(format!("timer: {e}")),
            }
            self.settle()?;
        }
        self.now = until;
        Ok(())
    }

    /// The order and open task instance at step `step`: in the root order, then in its subflows.
    fn open_task(&self, root: &str, step: &str) -> Option<(String, u64, String)> {
        let mut queue = vec![root.to_string()];
        while let Some(id) = queue.pop() {
            let order = self.orders.get(&id)?;
            for token in order.tokens.values() {
                if token.step == step && matches!(token.activity, Activity::Task { .. }) {
                    let role = match self.catalog.get(&order.flow).and_then(|f| f.node(step)).map(|n| &n.kind) {
                        Some(crate::compile::NodeKind::Task(t)) => t.role.clone(),
                        _ => String::new(),
                    };
                    return Some((id, token.instance, role));
                }
            }
            queue.extend(self.children.get(&id).cloned().unwrap_or_default());
        }
        None
    }

    /// Steps the root order went through, in order (tasks, autos, decisions, waits, calls).
    fn via(&self, root: &str) -> Vec<String> {
        self.history
            .get(root)
            .map(|events| events.iter().filter_map(|e| e.entered_step().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    /// One-stop: completed, and no person took a back-lane task in the order or its subflows.
    fn onestop(&self, root: &str) -> bool {
        let completed = matches!(self.orders.get(root).map(|o| &o.status), Some(Status::Closed { outcome, .. }) if outcome == "completed");
        let mut queue = vec![root.to_string()];
        while let Some(id) = queue.pop() {
            let events = self.history.get(&id).cloned().unwrap_or_default();
            let back: BTreeSet<u64> = events
                .iter()
                .filter_map(
                    |e| if let Event::TaskReady { instance, back: true, .. } = e { Some(*instance) } else { None },
                )
                .collect();
            if events.iter().any(|e| matches!(e, Event::TaskClaimed { instance, .. } if back.contains(instance))) {
                return false;
            }
            queue.extend(self.children.get(&id).cloned().unwrap_or_default());
        }
        completed
    }

    /// Every order's history replays to its state (the history is complete).
    fn verify_histories(&self) -> Result<(), String> {
        for (id, state) in &self.orders {
            let history = self.history.get(id).cloned().unwrap_or_default();
            let history = history
                .into_iter()
                .enumerate()
                .map(|(i, event)| crate::store::HistoryEntry { seq: i as u64 + 1, at: self.now, event })
                .collect();
            let mut state = state.clone();
            state.events = self.history.get(id).map_or(0, |h| h.len() as u64);
            crate::replay::verify(&crate::runtime::OrderView { state, history })?;
        }
        Ok(())
    }

    fn describe(&self, root: &str) -> String {
        let Some(order) = self.orders.get(root) else { return "not started".into() };
        let at: Vec<String> = order
            .tokens
            .values()
            .map(|t| match &t.activity {
                Activity::Stuck { message } => format!("{} (incident: {message})", t.step),
                Activity::Job { incident: Some(message), .. } => format!("{} (incident: {message})", t.step),
                _ => t.step.clone(),
            })
            .collect();
        match &order.status {
            Status::Closed { outcome, .. } => format!("ended {outcome}"),
            _ if at.is_empty() => "is open at no step".to_string(),
            _ => format!("is open at {}", at.join(", ")),
        }
    }
}

fn data(assigns: &[Assign]) -> Data {
    assigns.iter().map(|a| (a.name.text.clone(), literal_value(&a.value.value))).collect()
}

/// Runs one scenario of `flow`; `line` turns a statement's position into a line number.
pub fn run(catalog: &Catalog, flow: &Flow, scenario: &Scenario, line: &dyn Fn(usize) -> usize) -> ScenarioResult {
    let failure = run_inner(catalog, flow, scenario, line).err();
    ScenarioResult { flow: flow.name.text.clone(), title: scenario.title.clone(), failure }
}

fn run_inner(catalog: &Catalog, flow: &Flow, scenario: &Scenario, line: &dyn Fn(usize) -> usize) -> Result<(), String> {
    let mut world = World::new(catalog);
    let mut given = Data::new();
    let mut root: Option<String> = None;
    for stmt in &scenario.statements {
        let at = |span: junro_dsl::Span| format!("line {}", line(span.start));
        match stmt {
            ScenarioStmt::Given(assigns) => {
                if root.is_some() {
                    return Err(format!(
                        "{}: `given` after the order started",
                        at(assigns.first().map_or(scenario.span, |a| a.name.span))
                    ));
                }
                given.extend(data(assigns));
                continue;
            }
            ScenarioStmt::StubAction { action, returns } => {
                let stub = returns
                    .as_ref()
                    .map(|r| r.iter().map(|a| (a.name.text.clone(), literal_value(&a.value.value))).collect());
                world.stubs.entry(action.text.clone()).or_default().push_back(stub);
                continue;
            }
            _ => {}
        }
        let id = match &root {
            Some(id) => id.clone(),
            None => {
                let id = world.start(&flow.name.text, std::mem::take(&mut given), None)?;
                root = Some(id.clone());
                id
            }
        };
        world.settle()?;
        match stmt {
            ScenarioStmt::Complete { task, outcome, with } => {
                let (order, instance, role) = world.open_task(&id, &task.text).ok_or_else(|| {
                    format!("{}: no open task `{}`; the order {}", at(task.span), task.text, world.describe(&id))
                })?;
                let actor = Actor::person("scenario", &[role.as_str()], None);
                let entered: Data = with.iter().map(|a| (a.name.text.clone(), literal_value(&a.value.value))).collect();
                let command = Command::Complete {
                    task: instance,
                    outcome: outcome.as_ref().map(|o| o.text.clone()),
                    data: entered,
                };
                world
                    .apply(&order, &actor, &command)
                    .map_err(|e| format!("{}: complete {}: {e}", at(task.span), task.text))?;
            }
            ScenarioStmt::SendBack { task, to } => {
                let (order, instance, role) = world.open_task(&id, &task.text).ok_or_else(|| {
                    format!("{}: no open task `{}`; the order {}", at(task.span), task.text, world.describe(&id))
                })?;
                let actor = Actor::person("scenario", &[role.as_str()], None);
                let command = Command::SendBack { task: instance, to: to.text.clone(), reason: "scenario".into() };
                world
                    .apply(&order, &actor, &command)
                    .map_err(|e| format!("{}: sendback {}: {e}", at(task.span), task.text))?;
            }
            ScenarioStmt::Signal(name) => {
                // The signal goes to whichever order (the root or a subflow) waits for it.
                let mut targets = vec![id.clone()];
                let mut i = 0;
                while i < targets.len() {
                    targets.extend(world.children.get(&targets[i]).cloned().unwrap_or_default());
                    i += 1;
                }
                let command = Command::Signal { name: name.text.clone(), data: Data::new() };
                let mut delivered = false;
                for target in targets.iter().rev() {
                    match world.apply(target, &Actor::system(), &command) {
                        Ok(()) => {
                            delivered = true;
                            break;
                        }
                        Err(CommandError::NoWaiter { .. } | CommandError::Closed(_)) => {}
                        Err(e) => return Err(format!("{}: signal {}: {e}", at(name.span), name.text)),
                    }
                }
                if !delivered {
                    return Err(format!(
                        "{}: nothing waits for signal `{}`; the order {}",
                        at(name.span),
                        name.text,
                        world.describe(&id)
                    ));
                }
            }
            ScenarioStmt::Advance(duration) => world.advance(duration.seconds)?,
            ScenarioStmt::ExpectEnd { outcome, via } => {
                let ended = matches!(world.orders.get(&id).map(|o| &o.status), Some(Status::Closed { outcome: o, .. }) if *o == outcome.text);
                let went: Vec<String> = world.via(&id);
                let expected: Vec<String> = via.iter().map(|v| v.text.clone()).collect();
                if !ended || (!via.is_empty() && went != expected) {
                    return Err(format!(
                        "{}: expected {}{}, but the order {} via {}",
                        at(outcome.span),
                        outcome.text,
                        if via.is_empty() { String::new() } else { format!(" via {}", expected.join(", ")) },
                        world.describe(&id),
                        went.join(", ")
                    ));
                }
            }
            ScenarioStmt::ExpectOneStop { onestop, span } => {
                let actual = world.onestop(&id);
                if actual != *onestop {
                    let want = if *onestop { "one-stop" } else { "not one-stop" };
                    return Err(format!(
                        "{}: expected the order to be {want}; it {} via {}",
                        at(*span),
                        world.describe(&id),
                        world.via(&id).join(", ")
                    ));
                }
            }
            ScenarioStmt::ExpectAt(step) => {
                let here = world.orders.get(&id).is_some_and(|o| o.tokens.values().any(|t| t.step == step.text));
                if !here {
                    return Err(format!(
                        "{}: expected the order at `{}`; it {}",
                        at(step.span),
                        step.text,
                        world.describe(&id)
                    ));
                }
            }
            ScenarioStmt::Given(_) | ScenarioStmt::StubAction { .. } => {}
        }
    }
    if root.is_none() {
        world.start(&flow.name.text, given, None)?;
    }
    world.settle()?;
    world.verify_histories()
}
