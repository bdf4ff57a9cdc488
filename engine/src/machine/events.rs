//! Commands that come from outside a task: signals, timers, action results, subflow ends, hold
//! and resume, cancellation, and retrying incidents.

use super::advance::Run;
use super::{Activity, Actor, CommandError, Effect, Event, Status, TimerPurpose};
use crate::compile::{NodeKind, WaitArmSpec};
use crate::script::Data;
use jiff::SignedDuration;

impl Run<'_> {
    fn require_admin(&self, actor: &Actor) -> Result<(), CommandError> {
        if actor.admin { Ok(()) } else { Err(CommandError::NotAdmin(actor.id.clone())) }
    }

    /// Whether `actor` holds one of the order's open tasks.
    fn works_on_order(&self, actor: &Actor) -> bool {
        self.state
            .tokens
            .values()
            .any(|t| matches!(&t.activity, Activity::Task { assignee: Some(a), .. } if *a == actor.id))
    }

    pub(super) fn hold(&mut self, actor: &Actor, reason: &str) -> Result<(), CommandError> {
        if !actor.admin && !self.works_on_order(actor) {
            return Err(CommandError::NotAdmin(actor.id.clone()));
        }
        self.state.status = Status::OnHold { since: self.now() };
        self.events.push(Event::Held { actor: actor.id.clone(), reason: reason.to_string() });
        Ok(())
    }

    pub(super) fn resume(&mut self, actor: &Actor) -> Result<(), CommandError> {
        if !matches!(self.state.status, Status::OnHold { .. }) {
            return Err(CommandError::NotOnHold(self.state.id.clone()));
        }
        if !actor.admin && !self.works_on_order(actor) {
            return Err(CommandError::NotAdmin(actor.id.clone()));
        }
        let Status::OnHold { since } = self.state.status else {
            return Err(CommandError::NotOnHold(self.state.id.clone()));
        };
        self.state.status = Status::Open;
        self.events.push(Event::Resumed { actor: actor.id.clone() });
        // The SLA clock stood still while the order was held; signals kept meanwhile are taken.
        self.clock_stopped_since(since);
        self.deliver_kept_signals();
        Ok(())
    }

    pub(super) fn signal(&mut self, sender: &Actor, name: &str, data: &Data) -> Result<(), CommandError> {
        let mut waiter = None;
        for token in self.state.tokens.values() {
            if !matches!(token.activity, Activity::Waiting { .. }) {
                continue;
            }
            let Some(NodeKind::Wait(arms)) = self.flow.node(&token.step).map(|n| &n.kind) else { continue };
            if let Some((_, next)) =
                arms.iter().find(|(arm, _)| matches!(arm, WaitArmSpec::Signal { signal, .. } if signal == name))
            {
                waiter = Some((token.instance, next.clone()));
                break;
            }
        }
        let Some((instance, next)) = waiter else {
            return Err(CommandError::NoWaiter { order: self.state.id.clone(), signal: name.to_string() });
        };
        let written = self.signal_fields(data)?;
        self.state.data.extend(written.clone());
        let sender = Some(sender.id.clone());
        self.events.push(Event::SignalReceived { name: name.to_string(), data: written, sender });
        self.end_wait(instance, &format!("signal {name}"), &next);
        self.go(&next);
        Ok(())
    }

    /// The members of a signal's data that are fields of the flow, checked against their types.
    pub(super) fn signal_fields(&self, data: &Data) -> Result<Data, CommandError> {
        let mut written = Data::new();
        for (key, value) in data {
            if self.flow.field(key).is_some() {
                super::tasks::check_value(self.flow, key, value)?;
                written.insert(key.clone(), value.clone());
            }
        }
        Ok(written)
    }

    pub(super) fn timer_fired(&mut self, id: u64) -> Result<(), CommandError> {
        let purpose = self.state.timers.remove(&id).ok_or(CommandError::StaleTimer(id))?.purpose;
        // The fired timer's row goes too.
        self.effects.push(Effect::CancelTimer { id });
        match purpose {
            TimerPurpose::Wait { instance, next } => {
                let by = match self
                    .flow
                    .node(self.state.tokens.get(&instance).map_or("", |t| t.step.as_str()))
                    .map(|n| &n.kind)
                {
                    Some(NodeKind::Wait(arms))
                        if arms.iter().any(|(a, n)| matches!(a, WaitArmSpec::Until(_)) && *n == next) =>
                    {
                        "until"
                    }
                    _ => "after",
                };
                self.end_wait(instance, by, &next);
                self.go(&next);
            }
            TimerPurpose::Remind { instance } => self.events.push(Event::Reminded { instance }),
            TimerPurpose::RemindCustomer { instance, address, date, moment } => {
                // Only while the order is at the step and not on hold (a paused order's visit
                // may be off).
                if self.state.tokens.contains_key(&instance) && matches!(self.state.status, Status::Open) {
                    self.events.push(Event::CustomerReminded { instance, address, date, moment });
                }
            }
            TimerPurpose::Due { instance } => self.events.push(Event::Overdue { instance }),
            TimerPurpose::Escalate { instance, role } => self.escalate(instance, role),
            TimerPurpose::ExpireSignals => self.expire_signals(),
            TimerPurpose::Retry { instance } => {
                let Some(token) = self.state.tokens.get(&instance).cloned() else { return Ok(()) };
                if let Activity::Job { action, attempt, inputs, .. } = token.activity {
                    let timeout = self.auto_timeout(&token.step);
                    self.enqueue(instance, &token.step, &action, inputs, attempt + 1, self.now(), timeout);
                }
            }
        }
        Ok(())
    }

    fn auto_timeout(&self, step: &str) -> Option<u64> {
        match self.flow.node(step).map(|n| &n.kind) {
            Some(NodeKind::Auto(auto)) => auto.timeout,
            _ => None,
        }
    }

    /// The pending job `instance`: its step and attempt.
    fn job(&self, instance: u64) -> Result<(String, u32), CommandError> {
        match self.state.tokens.get(&instance).map(|t| (&t.step, &t.activity)) {
            Some((step, Activity::Job { attempt, incident: None, .. })) => Ok((step.clone(), *attempt)),
            _ => Err(CommandError::NoSuchJob(instance)),
        }
    }

    pub(super) fn action_succeeded(
        &mut self,
        instance: u64,
        output: &Data,
        started_at: Option<jiff::Timestamp>,
    ) -> Result<(), CommandError> {
        let (step, _) = self.job(instance)?;
        let Some(node) = self.flow.node(&step).cloned() else { return Err(CommandError::NoSuchJob(instance)) };
        let NodeKind::Auto(auto) = &node.kind else { return Err(CommandError::NoSuchJob(instance)) };
        let written = self.action_outputs(&auto.outputs, output)?;
        self.state.tokens.remove(&instance);
        self.effects.push(Effect::FinishJob { instance });
        self.events.push(Event::ActionSucceeded { instance, written, started_at });
        if let Some(next) = node.next {
            self.go(&next);
        }
        Ok(())
    }

    /// Writes the fields an automatic step's `out` mappings take from its action's result.
    fn action_outputs(&mut self, mappings: &[(String, String)], output: &Data) -> Result<Data, CommandError> {
        let mut written = Data::new();
        for (field, key) in mappings {
            if let Some(value) = output.get(key) {
                super::tasks::check_value(self.flow, field, value)?;
                written.insert(field.clone(), value.clone());
            }
        }
        self.state.data.extend(written.clone());
        Ok(written)
    }

    pub(super) fn action_failed(
        &mut self,
        instance: u64,
        error: &str,
        started_at: Option<jiff::Timestamp>,
    ) -> Result<(), CommandError> {
        let (step, attempt) = self.job(instance)?;
        // This attempt is over; a retry queues the job again when its timer fires.
        self.effects.push(Effect::FinishJob { instance });
        let Some(NodeKind::Auto(auto)) = self.flow.node(&step).map(|n| n.kind.clone()) else {
            return Err(CommandError::NoSuchJob(instance));
        };
        if attempt <= auto.retries {
            // Exponential backoff: the first retry after `backoff`, then twice as long each time.
            let factor = 1u64.checked_shl(attempt.saturating_sub(1)).unwrap_or(u64::MAX);
            let delay = auto.backoff.saturating_mul(factor);
            let at = self
                .now()
                .checked_add(SignedDuration::from_secs(i64::try_from(delay).unwrap_or(i64::MAX)))
                .unwrap_or(jiff::Timestamp::MAX);
            self.events.push(Event::ActionFailed {
                instance,
                attempt,
                error: error.to_string(),
                retry_at: Some(at),
                started_at,
            });
            self.schedule(at, TimerPurpose::Retry { instance });
        } else {
            self.events.push(Event::ActionFailed {
                instance,
                attempt,
                error: error.to_string(),
                retry_at: None,
                started_at,
            });
            let message = format!("action `{}` failed {attempt} time(s): {error}", auto.action);
            if let Some(token) = self.state.tokens.get_mut(&instance)
                && let Activity::Job { incident, .. } = &mut token.activity
            {
                *incident = Some(message.clone());
            }
            self.events.push(Event::IncidentRaised { instance, step, message });
        }
        Ok(())
    }

    pub(super) fn child_ended(&mut self, call: u64, outcome: &str, data: &Data) -> Result<(), CommandError> {
        let Some(token) = self.state.tokens.get(&call).cloned() else { return Err(CommandError::NoSuchJob(call)) };
        let Activity::Calling { .. } = token.activity else { return Err(CommandError::NoSuchJob(call)) };
        let Some(node) = self.flow.node(&token.step).cloned() else { return Err(CommandError::NoSuchJob(call)) };
        self.state.tokens.remove(&call);
        let mut outputs = Data::new();
        if let (NodeKind::Call { outputs: mapping, .. }, "completed") = (&node.kind, outcome) {
            for (field, child_field) in mapping {
                if let Some(value) = data.get(child_field) {
                    outputs.insert(field.clone(), value.clone());
                }
            }
        }
        self.state.data.extend(outputs.clone());
        self.events.push(Event::SubflowEnded { instance: call, outcome: outcome.to_string(), outputs });
        if outcome != "completed" {
            // A subflow that does not complete ends its caller the same way.
            self.close(outcome, &format!("subflow {}", token.step));
            return Ok(());
        }
        if let Some(next) = node.next {
            self.go(&next);
        }
        Ok(())
    }

    pub(super) fn cancel(&mut self, actor: &Actor, reason: &str) -> Result<(), CommandError> {
        self.require_admin(actor)?;
        self.close("cancelled", reason);
        // The close event says who cancelled (the last event: a parent hears of it by effect).
        if let Some(Event::OrderClosed { actor: who, .. }) =
            self.events.iter_mut().rev().find(|e| matches!(e, Event::OrderClosed { .. }))
        {
            *who = Some(actor.id.clone());
        }
        Ok(())
    }

    pub(super) fn retry_incident(&mut self, actor: &Actor, instance: u64) -> Result<(), CommandError> {
        self.require_admin(actor)?;
        let token = self.state.tokens.get(&instance).cloned().ok_or(CommandError::NoIncident(instance))?;
        match token.activity {
            Activity::Job { action, attempt, inputs, incident: Some(_) } => {
                self.events.push(Event::IncidentRetried { instance, actor: actor.id.clone() });
                let timeout = self.auto_timeout(&token.step);
                self.enqueue(instance, &token.step, &action, inputs, attempt + 1, self.now(), timeout);
            }
            Activity::Stuck { .. } => {
                self.events.push(Event::IncidentRetried { instance, actor: actor.id.clone() });
                self.state.tokens.remove(&instance);
                self.go(&token.step);
            }
            _ => return Err(CommandError::NoIncident(instance)),
        }
        Ok(())
    }

    /// Ends the incident at `instance` as if its action had succeeded with `output`. Only an
    /// automatic step has a result to supply; every `out` key must be given, so that the order
    /// does not go on with fields its later steps expect left empty.
    pub(super) fn resolve_incident(&mut self, actor: &Actor, instance: u64, output: &Data) -> Result<(), CommandError> {
        self.require_admin(actor)?;
        let token = self.state.tokens.get(&instance).cloned().ok_or(CommandError::NoIncident(instance))?;
        if !matches!(token.activity, Activity::Job { incident: Some(_), .. } | Activity::Stuck { .. }) {
            return Err(CommandError::NoIncident(instance));
        }
        let Some(node) = self.flow.node(&token.step).cloned() else { return Err(CommandError::NoIncident(instance)) };
        let NodeKind::Auto(auto) = &node.kind else {
            return Err(CommandError::CannotResolve {
                instance,
                reason: format!(
                    "step `{}` is not an automatic step, so there is no action result to supply; fix the cause and retry, or cancel the order",
                    token.step
                ),
                missing: Vec::new(),
            });
        };
        let missing: Vec<String> =
            auto.outputs.iter().map(|(_, key)| key.clone()).filter(|key| !output.contains_key(key)).collect();
        if !missing.is_empty() {
            return Err(CommandError::CannotResolve {
                instance,
                reason: format!("the result lacks {} (step `{}` reads them)", missing.join(", "), token.step),
                missing,
            });
        }
        let written = self.action_outputs(&auto.outputs, output)?;
        self.state.tokens.remove(&instance);
        self.events.push(Event::IncidentResolved { instance, actor: actor.id.clone(), written });
        if let Some(next) = node.next {
            self.go(&next);
        }
        Ok(())
    }
}
