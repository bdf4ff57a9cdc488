//! Moving an order forward: entering steps, passing through decisions, splits and joins until
//! every live position waits for a person, a worker, a signal, a timer or a subflow.

use super::{
    Activity, CommandError, Context, Effect, Event, OrderState, Status, TableDecision, Timer, TimerPurpose, Token,
    Transition,
};
use crate::compile::{CompiledFlow, NodeKind, WaitArmSpec};
use crate::script::{Data, EvalError};
use jiff::Timestamp;

/// Steps entered in one command without anything to wait for: beyond this the flow loops.
const MAX_AUTOMATIC_STEPS: usize = 1_000;

/// One application of a command: the state being changed and what it records.
pub(super) struct Run<'a> {
    pub(super) flow: &'a CompiledFlow,
    pub(super) state: OrderState,
    pub(super) ctx: &'a Context<'a>,
    pub(super) events: Vec<Event>,
    pub(super) effects: Vec<Effect>,
    /// Step instances created during this command (a completion remembers them for pull-back).
    pub(super) created: Vec<u64>,
    steps_entered: usize,
}

impl<'a> Run<'a> {
    pub(super) fn new(flow: &'a CompiledFlow, state: OrderState, ctx: &'a Context<'a>) -> Run<'a> {
        Run { flow, state, ctx, events: Vec::new(), effects: Vec::new(), created: Vec::new(), steps_entered: 0 }
    }

    pub(super) fn finish(mut self) -> Transition {
        self.state.version_no += 1;
        Transition { state: self.state, events: self.events, effects: self.effects }
    }

    pub(super) fn now(&self) -> Timestamp {
        self.ctx.now
    }

    pub(super) fn next_id(&mut self) -> u64 {
        let id = self.state.next_id;
        self.state.next_id += 1;
        id
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn start(
        &mut self,
        id: &str,
        business_key: &Option<String>,
        data: &Data,
        vendor: &Option<String>,
        channel: &Option<String>,
        received_at: Option<Timestamp>,
        parent: Option<(String, u64)>,
    ) -> Result<(), CommandError> {
        let mut initial = Data::new();
        for field in &self.flow.fields {
            if let Some(default) = &field.default {
                initial.insert(field.id.clone(), default.clone());
            }
        }
        for (key, value) in data {
            super::tasks::check_value(self.flow, key, value)?;
            initial.insert(key.clone(), value.clone());
        }
        let received_at = received_at.unwrap_or(self.now());
        self.state = OrderState {
            id: id.to_string(),
            flow: self.flow.id.clone(),
            business_key: business_key.clone(),
            vendor: vendor.clone(),
            channel: channel.clone().or_else(|| self.flow.channel.clone()),
            parent: parent.clone(),
            received_at,
            data: initial.clone(),
            ..super::blank_state()
        };
        self.events.push(Event::OrderStarted {
            flow: self.flow.id.clone(),
            version: self.state.version,
            business_key: business_key.clone(),
            vendor: vendor.clone(),
            channel: self.state.channel.clone(),
            received_at,
            parent: parent.map(|p| p.0),
            data: initial,
        });
        let start = self.flow.start.clone();
        self.go(&start);
        Ok(())
    }

    /// Enters `step` and everything that follows without waiting.
    pub(super) fn go(&mut self, step: &str) {
        let mut work = vec![step.to_string()];
        while let Some(step) = work.pop() {
            if !matches!(self.state.status, Status::Open | Status::OnHold { .. }) {
                return;
            }
            self.steps_entered += 1;
            if self.steps_entered > MAX_AUTOMATIC_STEPS {
                let id = self.next_id();
                self.stuck(
                    id,
                    &step,
                    format!("the flow passed {MAX_AUTOMATIC_STEPS} automatic steps without waiting; it loops"),
                );
                return;
            }
            let next = self.enter(&step);
            // Depth-first, in the order the steps were listed.
            work.extend(next.into_iter().rev());
        }
    }

    /// Enters one step; returns the steps to enter right after it.
    fn enter(&mut self, step: &str) -> Vec<String> {
        // Borrowed from the flow, which outlives the run (a node holds specs and conditions not
        // worth a copy per step entered).
        let flow: &'a CompiledFlow = self.flow;
        let Some(node) = flow.node(step) else { return Vec::new() };
        match &node.kind {
            NodeKind::Parallel(branches) => return branches.clone(),
            NodeKind::Join { expected } => {
                let expected = self.state.awaited.get(step).copied().unwrap_or(*expected);
                let arrived = self.state.joins.entry(step.to_string()).or_insert(0);
                *arrived += 1;
                if *arrived < expected {
                    return Vec::new();
                }
                self.state.joins.remove(step);
                self.state.awaited.remove(step);
                return node.next.iter().cloned().collect();
            }
            NodeKind::End(outcome) => {
                self.close(outcome, step);
                return Vec::new();
            }
            _ => {}
        }
        let instance = self.next_id();
        self.created.push(instance);
        match &node.kind {
            NodeKind::Task(task) => {
                let next = self.enter_task(instance, step, task);
                self.schedule_customer_reminders(instance, &node.customer_reminders);
                next
            }
            NodeKind::Auto(auto) => {
                match self.eval_all(&auto.inputs) {
                    Ok(inputs) => self.enqueue(instance, step, &auto.action, inputs, 1, self.now(), auto.timeout),
                    Err(e) => self.stuck(instance, step, e.to_string()),
                }
                Vec::new()
            }
            NodeKind::Decide { table, branches, default } => {
                let now = self.now();
                match decide(table.as_deref(), branches, default, &mut self.state.data, now, self.ctx.calendar.zone()) {
                    Ok(decision) => {
                        self.events.push(Event::Decided {
                            instance,
                            step: step.to_string(),
                            branch: decision.branch,
                            next: decision.next.clone(),
                            inputs: decision.inputs,
                            table: decision.table,
                        });
                        vec![decision.next]
                    }
                    Err(message) => {
                        self.stuck(instance, step, message);
                        Vec::new()
                    }
                }
            }
            NodeKind::Inclusive { branches, default, join } => {
                match choose(branches, default, &self.state.data, self.now(), self.ctx.calendar.zone()) {
                    Ok(chosen) => {
                        if let Some(join) = join {
                            self.state.awaited.insert(join.clone(), chosen.next.len());
                        }
                        self.events.push(Event::BranchesTaken {
                            instance,
                            step: step.to_string(),
                            branches: chosen.branches,
                            next: chosen.next.clone(),
                            inputs: chosen.inputs,
                        });
                        chosen.next
                    }
                    Err(message) => {
                        self.stuck(instance, step, message);
                        Vec::new()
                    }
                }
            }
            NodeKind::Wait(arms) => {
                let next = self.enter_wait(instance, step, arms);
                self.schedule_customer_reminders(instance, &node.customer_reminders);
                next
            }
            NodeKind::Call { flow, inputs, .. } => {
                match self.eval_all(inputs) {
                    Ok(data) => {
                        self.state.tokens.insert(
                            instance,
                            Token { instance, step: step.into(), activity: Activity::Calling { flow: flow.clone() } },
                        );
                        self.events.push(Event::SubflowStarted { instance, step: step.into(), flow: flow.clone() });
                        self.effects.push(Effect::StartSubflow { instance, flow: flow.clone(), data });
                    }
                    Err(e) => self.stuck(instance, step, e.to_string()),
                }
                Vec::new()
            }
            NodeKind::Parallel(_) | NodeKind::Join { .. } | NodeKind::End(_) => Vec::new(),
        }
    }

    fn enter_task(&mut self, instance: u64, step: &str, task: &crate::compile::TaskSpec) -> Vec<String> {
        if let Some((rule, outcome)) = &task.skip {
            match rule.test(&self.state.data, self.now(), self.ctx.calendar.zone()) {
                Ok(true) => {
                    self.events.push(Event::TaskSkipped {
                        instance,
                        step: step.to_string(),
                        rule: rule.source().to_string(),
                        inputs: rule.inputs(&self.state.data),
                        outcome: outcome.clone(),
                    });
                    return self.after_task(step, outcome.as_deref());
                }
                Ok(false) => {}
                Err(e) => {
                    self.stuck(instance, step, e.to_string());
                    return Vec::new();
                }
            }
        }
        let due_at = task.sla.map(|s| self.ctx.calendar.add_sla(self.now(), s));
        self.state.tokens.insert(
            instance,
            Token {
                instance,
                step: step.into(),
                activity: Activity::Task { assignee: None, ready_at: self.now(), due_at, escalated_to: None },
            },
        );
        self.events.push(Event::TaskReady {
            instance,
            step: step.to_string(),
            lane: task.lane.id.clone(),
            back: task.lane.back,
            role: task.role.clone(),
            due_at,
            unskipped: task.skip.as_ref().map(|(rule, _)| rule.source().to_string()),
        });
        let vendor = match task.vendor {
            junro_dsl::ast::VendorScope::Same => self.state.vendor.clone(),
            junro_dsl::ast::VendorScope::Any => None,
        };
        self.effects.push(Effect::CreateTask {
            instance,
            step: step.to_string(),
            role: task.role.clone(),
            lane: task.lane.id.clone(),
            vendor,
            priority: task.priority as u8,
            due_at,
        });
        if let Some(due) = due_at {
            self.schedule_task_timers(instance, task, due);
        }
        Vec::new()
    }

    /// The reminder, due and escalation timers of task `instance`, due at `due`.
    pub(super) fn schedule_task_timers(&mut self, instance: u64, task: &crate::compile::TaskSpec, due: Timestamp) {
        if let Some(before) = task.remind_before {
            // Business time before the due time, as the SLA counts it.
            let at = self.ctx.calendar.subtract(due, before);
            self.schedule(at.max(self.now()), TimerPurpose::Remind { instance });
        }
        self.schedule(due, TimerPurpose::Due { instance });
        if let Some((role, after)) = &task.escalate {
            let at = self.ctx.calendar.add_sla(due, *after);
            self.schedule(at, TimerPurpose::Escalate { instance, role: role.clone() });
        }
    }

    /// Where a task leads once done with `outcome`.
    pub(super) fn after_task(&self, step: &str, outcome: Option<&str>) -> Vec<String> {
        let Some(node) = self.flow.node(step) else { return Vec::new() };
        let NodeKind::Task(task) = &node.kind else { return Vec::new() };
        match outcome {
            Some(o) => task.outcomes.iter().filter(|(name, _)| name == o).map(|(_, next)| next.clone()).collect(),
            None => node.next.iter().cloned().collect(),
        }
    }

    fn enter_wait(&mut self, instance: u64, step: &str, arms: &[(WaitArmSpec, String)]) -> Vec<String> {
        let customer = arms.iter().any(|(arm, _)| matches!(arm, WaitArmSpec::Signal { customer: true, .. }));
        let partner = arms.iter().any(|(arm, _)| matches!(arm, WaitArmSpec::Signal { customer: false, .. }));
        // A signal that arrived early and was kept for this wait ends it at once.
        if let Some((kept, next)) = self.take_kept_signal(arms) {
            self.events.push(Event::WaitStarted { instance, step: step.to_string(), customer, partner });
            self.state.data.extend(kept.data.clone());
            let by = format!("signal {}", kept.name);
            self.events.push(Event::SignalReceived { name: kept.name, data: kept.data, sender: kept.sender });
            self.events.push(Event::WaitEnded { instance, by, next: next.clone() });
            return vec![next];
        }
        // The SLA clock stops only when every signal the wait listens for is the customer's.
        let signals = || {
            arms.iter().filter_map(|(arm, _)| match arm {
                WaitArmSpec::Signal { customer, .. } => Some(*customer),
                _ => None,
            })
        };
        let stops_clock_since = (signals().count() > 0 && signals().all(|c| c)).then(|| self.now());
        self.state.tokens.insert(
            instance,
            Token { instance, step: step.into(), activity: Activity::Waiting { customer, stops_clock_since } },
        );
        self.events.push(Event::WaitStarted { instance, step: step.to_string(), customer, partner });
        for (arm, next) in arms {
            let at = match arm {
                WaitArmSpec::Signal { .. } => continue,
                WaitArmSpec::After(seconds) => self
                    .now()
                    .checked_add(jiff::SignedDuration::from_secs(i64::try_from(*seconds).unwrap_or(i64::MAX)))
                    .unwrap_or(Timestamp::MAX),
                WaitArmSpec::Until(field) => match self.date_of(field) {
                    Some(at) => at,
                    None => {
                        // An empty date never arrives; the other arms may still end the wait.
                        continue;
                    }
                },
            };
            if at <= self.now() {
                // The date has passed: the wait ends at once by this arm.
                self.end_wait(instance, if matches!(arm, WaitArmSpec::Until(_)) { "until" } else { "after" }, next);
                return vec![next.clone()];
            }
            self.schedule(at, TimerPurpose::Wait { instance, next: next.clone() });
        }
        Vec::new()
    }

    /// The customer's reminders of step `instance`, if it still stands (a wait may end at once,
    /// a task be skipped): each `before` (calendar time) the moment its date field holds, or at
    /// once when that is past but the moment is still ahead. No date, or a date passed: none.
    fn schedule_customer_reminders(&mut self, instance: u64, reminders: &[crate::compile::CustomerReminderSpec]) {
        if reminders.is_empty() || !self.state.tokens.contains_key(&instance) {
            return;
        }
        for reminder in reminders {
            let Some(moment) = self.date_of(&reminder.date) else { continue };
            if moment <= self.now() {
                continue;
            }
            let before = jiff::SignedDuration::from_secs(i64::try_from(reminder.before).unwrap_or(i64::MAX));
            let at = moment.checked_sub(before).unwrap_or(Timestamp::MIN).max(self.now());
            self.schedule(
                at,
                TimerPurpose::RemindCustomer {
                    instance,
                    address: reminder.address.clone(),
                    date: reminder.date.clone(),
                    moment,
                },
            );
        }
    }

    /// The moment a date or date-time field stands for, in the calendar's zone.
    fn date_of(&self, field: &str) -> Option<Timestamp> {
        let text = self.state.data.get(field)?.as_str()?;
        let zone = self.ctx.calendar.zone().clone();
        if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
            return dt.to_zoned(zone).ok().map(|z| z.timestamp());
        }
        let date = text.parse::<jiff::civil::Date>().ok()?;
        date.to_zoned(zone).ok().map(|z| z.timestamp())
    }

    /// Removes a wait's token and its timers, and records how it ended.
    pub(super) fn end_wait(&mut self, instance: u64, by: &str, next: &str) {
        let token = self.state.tokens.remove(&instance);
        self.cancel_timers(|p| {
            matches!(p, TimerPurpose::Wait { instance: i, .. } | TimerPurpose::RemindCustomer { instance: i, .. } if *i == instance)
        });
        self.events.push(Event::WaitEnded { instance, by: by.to_string(), next: next.to_string() });
        if let Some(Token { activity: Activity::Waiting { stops_clock_since: Some(since), .. }, .. }) = token {
            self.clock_stopped_since(since);
        }
    }

    pub(super) fn schedule(&mut self, at: Timestamp, purpose: TimerPurpose) {
        let id = self.next_id();
        self.state.timers.insert(id, Timer { at, purpose });
        self.effects.push(Effect::ScheduleTimer { id, at });
    }

    pub(super) fn cancel_timers(&mut self, which: impl Fn(&TimerPurpose) -> bool) {
        let ids: Vec<u64> = self.state.timers.iter().filter(|(_, t)| which(&t.purpose)).map(|(id, _)| *id).collect();
        for id in ids {
            self.state.timers.remove(&id);
            self.effects.push(Effect::CancelTimer { id });
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn enqueue(
        &mut self,
        instance: u64,
        step: &str,
        action: &str,
        inputs: Data,
        attempt: u32,
        run_at: Timestamp,
        timeout: Option<u64>,
    ) {
        self.state.tokens.insert(
            instance,
            Token {
                instance,
                step: step.into(),
                activity: Activity::Job { action: action.into(), attempt, inputs: inputs.clone(), incident: None },
            },
        );
        self.events.push(Event::ActionQueued { instance, step: step.into(), action: action.into(), attempt });
        self.effects.push(Effect::EnqueueJob {
            instance,
            action: action.into(),
            inputs,
            idempotency_key: format!("{}:{instance}", self.state.id),
            attempt,
            run_at,
            timeout,
        });
    }

    /// Stops the order at `step` with an incident: a rule or mapping failed while moving.
    pub(super) fn stuck(&mut self, instance: u64, step: &str, message: String) {
        self.state.tokens.insert(
            instance,
            Token { instance, step: step.into(), activity: Activity::Stuck { message: message.clone() } },
        );
        self.events.push(Event::IncidentRaised { instance, step: step.into(), message });
    }

    pub(super) fn eval_all(&self, expressions: &[(String, crate::script::Condition)]) -> Result<Data, EvalError> {
        let mut out = Data::new();
        for (name, expr) in expressions {
            out.insert(name.clone(), expr.eval(&self.state.data, self.now(), self.ctx.calendar.zone())?);
        }
        Ok(out)
    }

    /// Ends the order: withdraws what is still open and tells a parent.
    pub(super) fn close(&mut self, outcome: &str, by: &str) {
        let open: Vec<Token> = self.state.tokens.values().cloned().collect();
        for token in open {
            if matches!(token.activity, Activity::Task { .. }) {
                self.events.push(Event::TaskCancelled { instance: token.instance, reason: format!("order {outcome}") });
                self.effects.push(Effect::CloseTask { instance: token.instance });
            }
        }
        for token in self.state.tokens.values() {
            if matches!(token.activity, Activity::Job { .. }) {
                self.effects.push(Effect::FinishJob { instance: token.instance });
            }
        }
        self.state.tokens.clear();
        self.state.joins.clear();
        self.state.awaited.clear();
        self.drop_kept_signals();
        let timers: Vec<u64> = self.state.timers.keys().copied().collect();
        for id in timers {
            self.effects.push(Effect::CancelTimer { id });
        }
        self.state.timers.clear();
        self.state.status = Status::Closed { outcome: outcome.to_string(), at: self.now() };
        self.events.push(Event::OrderClosed { outcome: outcome.to_string(), by: by.to_string(), actor: None });
        if let Some((parent, call)) = self.state.parent.clone() {
            self.effects.push(Effect::NotifyParent {
                parent,
                call,
                outcome: outcome.to_string(),
                data: self.state.data.clone(),
            });
        }
    }
}

/// What a decision step decided.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decision {
    /// The table evaluated first: its rows used and outputs (already written into the data).
    pub(crate) table: Option<TableDecision>,
    /// The condition that held, or `else`.
    pub(crate) branch: String,
    /// Every value the evaluated conditions read, so "why did the order go there?" is answered
    /// for `else` too.
    pub(crate) inputs: Data,
    /// Where the order goes.
    pub(crate) next: String,
}

/// Evaluates a decision step over `data`: the table first (its outputs are written into `data`),
/// then the conditions in order, else the default. An error is the message of the incident.
pub(crate) fn decide(
    table: Option<&crate::table::Table>,
    branches: &[(crate::script::Condition, String)],
    default: &str,
    data: &mut Data,
    now: jiff::Timestamp,
    zone: &jiff::tz::TimeZone,
) -> Result<Decision, String> {
    let mut table_decision = None;
    if let Some(table) = table {
        let result = table.evaluate(data).map_err(|e| e.to_string())?;
        let inputs = table.inputs(data);
        data.extend(result.outputs.clone());
        table_decision =
            Some(TableDecision { table: table.id.clone(), inputs, rows: result.rows, outputs: result.outputs });
    }
    let mut read = Data::new();
    for (condition, target) in branches {
        read.extend(condition.inputs(data));
        if condition.test(data, now, zone).map_err(|e| e.to_string())? {
            return Ok(Decision {
                table: table_decision,
                branch: condition.source().to_string(),
                inputs: read,
                next: target.clone(),
            });
        }
    }
    Ok(Decision { table: table_decision, branch: "else".into(), inputs: read, next: default.to_string() })
}

/// The branches an inclusive split takes.
pub(crate) struct Chosen {
    /// The conditions that held, or `["else"]`.
    pub branches: Vec<String>,
    /// Their targets, in the order written.
    pub next: Vec<String>,
    /// The values the conditions read.
    pub inputs: Data,
}

/// Every branch whose condition holds, in the order written; the default when none does.
pub(crate) fn choose(
    branches: &[(crate::script::Condition, String)],
    default: &str,
    data: &Data,
    now: jiff::Timestamp,
    zone: &jiff::tz::TimeZone,
) -> Result<Chosen, String> {
    let mut chosen = Chosen { branches: Vec::new(), next: Vec::new(), inputs: Data::new() };
    for (condition, target) in branches {
        chosen.inputs.extend(condition.inputs(data));
        if condition.test(data, now, zone).map_err(|e| e.to_string())? {
            chosen.branches.push(condition.source().to_string());
            chosen.next.push(target.clone());
        }
    }
    if chosen.next.is_empty() {
        chosen.branches.push("else".into());
        chosen.next.push(default.to_string());
    }
    Ok(chosen)
}
