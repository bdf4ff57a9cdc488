//! Commands on human tasks: claim, release, complete, send back (差戻し), pull back (引戻し) and
//! transfer. Eligibility (role, vendor scope) is enforced here, not left to a user interface.

use super::advance::Run;
use super::{Activity, Actor, CommandError, Completion, Effect, Event, TimerPurpose};
use crate::compile::{CompiledFlow, NodeKind, TaskSpec};
use crate::script::Data;
use junro_dsl::ast::{Type, VendorScope};
use serde_json::Value;

/// Whether a value counts as not filled in.
pub(super) fn is_empty(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

/// Checks that `value` fits field `field` of `flow` (its type, or its choices).
pub fn check_value(flow: &CompiledFlow, field: &str, value: &Value) -> Result<(), CommandError> {
    let Some(spec) = flow.field(field) else {
        return Err(CommandError::BadData {
            field: field.into(),
            reason: format!("flow `{}` has no such field", flow.id),
        });
    };
    if value.is_null() {
        return Ok(());
    }
    fits(&spec.ty, value).map_err(|reason| CommandError::BadData { field: field.into(), reason })
}

fn fits(ty: &Type, value: &Value) -> Result<(), String> {
    let ok = match (ty, value) {
        (Type::Text, Value::String(_)) => true,
        (Type::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Type::Decimal | Type::Money, Value::Number(_)) => true,
        (Type::Boolean, Value::Bool(_)) => true,
        (Type::Date, Value::String(s)) => s.parse::<jiff::civil::Date>().is_ok(),
        (Type::DateTime, Value::String(s)) => {
            s.parse::<jiff::civil::DateTime>().is_ok() || s.parse::<jiff::Timestamp>().is_ok()
        }
        (Type::Enum(variants), Value::String(s)) => {
            if variants.contains(s) {
                true
            } else {
                return Err(format!("\"{s}\" is not one of {}", variants.join(", ")));
            }
        }
        (Type::List(element), Value::Array(items)) => return items.iter().try_for_each(|v| fits(element, v)),
        _ => false,
    };
    if ok { Ok(()) } else { Err(format!("{value} is not a valid {}", type_name(ty))) }
}

fn type_name(ty: &Type) -> &'static str {
    match ty {
        Type::Text => "text",
        Type::Integer => "integer",
        Type::Decimal => "decimal",
        Type::Money => "amount of money",
        Type::Boolean => "true/false",
        Type::Date => "date (YYYY-MM-DD)",
        Type::DateTime => "date and time",
        Type::Enum(_) => "choice",
        Type::List(_) => "list",
    }
}

impl<'a> Run<'a> {
    /// The open task `instance` and its spec.
    /// The open task `instance`: its step, who holds it, and its spec (borrowed from the flow,
    /// which outlives the run: a spec holds lists and conditions not worth a copy per command).
    fn task(&self, instance: u64) -> Result<(String, Option<String>, &'a TaskSpec), CommandError> {
        let flow: &'a CompiledFlow = self.flow;
        let token = self.state.tokens.get(&instance).ok_or(CommandError::NoSuchTask(instance))?;
        let Activity::Task { assignee, .. } = &token.activity else { return Err(CommandError::NoSuchTask(instance)) };
        let Some(NodeKind::Task(spec)) = flow.node(&token.step).map(|n| &n.kind) else {
            return Err(CommandError::NoSuchTask(instance));
        };
        Ok((token.step.clone(), assignee.clone(), spec))
    }

    /// Whether `actor` may work a task of `spec` in this order.
    fn eligible(&self, actor: &Actor, instance: u64, spec: &TaskSpec) -> Result<(), CommandError> {
        let refuse =
            |reason: String| Err(CommandError::NotEligible { actor: actor.id.clone(), task: instance, reason });
        let escalated_to = match self.state.tokens.get(&instance).map(|t| &t.activity) {
            Some(Activity::Task { escalated_to, .. }) => escalated_to.as_ref(),
            _ => None,
        };
        if !actor.roles.contains(&spec.role) && !escalated_to.is_some_and(|role| actor.roles.contains(role)) {
            let escalated = escalated_to.map(|r| format!(" or, escalated, `{r}`")).unwrap_or_default();
            return refuse(format!("the task needs role `{}`{escalated}", spec.role));
        }
        if spec.vendor == VendorScope::Same
            && let (Some(order_vendor), Some(actor_vendor)) = (&self.state.vendor, &actor.vendor)
            && order_vendor != actor_vendor
        {
            return refuse(format!("the order belongs to vendor `{order_vendor}`"));
        }
        Ok(())
    }

    /// The task's escalation time came: if it is still open, people of `role` may take it too,
    /// the queue offers it to them, and its priority goes up by one (at most urgent). The time
    /// counts from the due time (`escalate to ROLE after D`: D after the task is due).
    pub(super) fn escalate(&mut self, instance: u64, role: String) {
        let Some(token) = self.state.tokens.get_mut(&instance) else { return };
        let Activity::Task { escalated_to, .. } = &mut token.activity else { return };
        *escalated_to = Some(role.clone());
        let step = token.step.clone();
        let priority = match self.flow.node(&step).map(|n| &n.kind) {
            Some(NodeKind::Task(task)) => (task.priority as u8).saturating_add(1).min(3),
            _ => 3,
        };
        self.events.push(Event::Escalated { instance, role: role.clone(), priority: Some(priority) });
        self.effects.push(Effect::EscalateTask { instance, role, priority });
    }

    fn set_assignee(&mut self, instance: u64, who: Option<String>) {
        if let Some(token) = self.state.tokens.get_mut(&instance)
            && let Activity::Task { assignee, .. } = &mut token.activity
        {
            assignee.clone_from(&who);
            self.effects.push(Effect::AssignTask { instance, assignee: who });
        }
    }

    pub(super) fn claim(&mut self, actor: &Actor, instance: u64) -> Result<(), CommandError> {
        let (_, assignee, spec) = self.task(instance)?;
        if let Some(by) = assignee {
            return Err(CommandError::ClaimedByOther { task: instance, by });
        }
        self.eligible(actor, instance, spec)?;
        self.set_assignee(instance, Some(actor.id.clone()));
        self.events.push(Event::TaskClaimed {
            instance,
            actor: actor.id.clone(),
            vendor: actor.vendor.clone(),
            on_behalf_of: actor.on_behalf_of.clone(),
        });
        Ok(())
    }

    pub(super) fn release(&mut self, actor: &Actor, instance: u64) -> Result<(), CommandError> {
        let (_, assignee, _) = self.task(instance)?;
        match assignee {
            Some(by) if actor.is_or_acts_for(&by) || actor.admin => {}
            Some(by) => return Err(CommandError::ClaimedByOther { task: instance, by }),
            None => {
                return Err(CommandError::NotEligible {
                    actor: actor.id.clone(),
                    task: instance,
                    reason: "the task is not claimed".into(),
                });
            }
        }
        self.set_assignee(instance, None);
        self.events.push(Event::TaskReleased {
            instance,
            actor: actor.id.clone(),
            on_behalf_of: actor.on_behalf_of.clone(),
        });
        Ok(())
    }

    pub(super) fn transfer(&mut self, actor: &Actor, instance: u64, to: &Actor) -> Result<(), CommandError> {
        let (_, assignee, spec) = self.task(instance)?;
        let from = match assignee {
            Some(by) if actor.is_or_acts_for(&by) || actor.admin => by,
            Some(by) => return Err(CommandError::ClaimedByOther { task: instance, by }),
            None => {
                return Err(CommandError::NotEligible {
                    actor: actor.id.clone(),
                    task: instance,
                    reason: "claim the task before handing it on".into(),
                });
            }
        };
        self.eligible(to, instance, spec)?;
        self.set_assignee(instance, Some(to.id.clone()));
        self.events.push(Event::TaskTransferred {
            instance,
            from,
            to: to.id.clone(),
            on_behalf_of: actor.on_behalf_of.clone(),
        });
        Ok(())
    }

    /// Claims implicitly when the task is free; refuses when someone else holds it (a deputy
    /// may finish what their principal holds).
    fn hold_task(&mut self, actor: &Actor, instance: u64) -> Result<(String, &'a TaskSpec), CommandError> {
        let (step, assignee, spec) = self.task(instance)?;
        match assignee {
            Some(by) if !actor.is_or_acts_for(&by) => return Err(CommandError::ClaimedByOther { task: instance, by }),
            Some(_) => {}
            None => self.claim(actor, instance)?,
        }
        Ok((step, spec))
    }

    /// Withdraws the open task `instance` (its timers and queue entry).
    fn withdraw(&mut self, instance: u64) {
        self.state.tokens.remove(&instance);
        self.effects.push(Effect::CloseTask { instance });
        self.cancel_timers(|p| match p {
            TimerPurpose::Remind { instance: i }
            | TimerPurpose::Due { instance: i }
            | TimerPurpose::Escalate { instance: i, .. }
            | TimerPurpose::RemindCustomer { instance: i, .. } => *i == instance,
            _ => false,
        });
    }

    pub(super) fn complete(
        &mut self,
        actor: &Actor,
        instance: u64,
        outcome: Option<&str>,
        data: &Data,
    ) -> Result<(), CommandError> {
        let (step, spec) = self.hold_task(actor, instance)?;
        match (outcome, spec.outcomes.is_empty()) {
            (None, false) => {
                let names: Vec<&str> = spec.outcomes.iter().map(|(o, _)| o.as_str()).collect();
                return Err(CommandError::BadOutcome {
                    task: instance,
                    reason: format!("choose an outcome: {}", names.join(", ")),
                });
            }
            (Some(o), true) => {
                return Err(CommandError::BadOutcome {
                    task: instance,
                    reason: format!("the task has no outcome `{o}`"),
                });
            }
            (Some(o), false) if !spec.outcomes.iter().any(|(name, _)| name == o) => {
                return Err(CommandError::BadOutcome {
                    task: instance,
                    reason: format!("the task has no outcome `{o}`"),
                });
            }
            _ => {}
        }
        for (field, value) in data {
            check_value(self.flow, field, value)?;
            if !spec.edit.contains(field) {
                return Err(CommandError::BadData {
                    field: field.clone(),
                    reason: format!("task `{step}` may not change it"),
                });
            }
        }
        // A form must fill in what the task requires, and every required field it may edit.
        let required = self.flow.fields.iter().filter(|f| f.required && spec.edit.contains(&f.id)).map(|f| &f.id);
        for field in spec.require.iter().chain(required) {
            let value = data.get(field).or_else(|| self.state.data.get(field));
            if is_empty(value) {
                return Err(CommandError::BadData {
                    field: field.clone(),
                    reason: format!("task `{step}` requires it"),
                });
            }
        }
        // The vendor of an order is the vendor of whoever completes its first front-lane task.
        if !spec.lane.back && self.state.vendor.is_none() {
            self.state.vendor = actor.vendor.clone();
        }
        self.state.data.extend(data.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.withdraw(instance);
        self.events.push(Event::TaskCompleted {
            instance,
            step: step.clone(),
            actor: actor.id.clone(),
            vendor: actor.vendor.clone(),
            outcome: outcome.map(str::to_string),
            changes: data.clone(),
            on_behalf_of: actor.on_behalf_of.clone(),
        });
        self.created.clear();
        for next in self.after_task(&step, outcome) {
            self.go(&next);
        }
        let created: Vec<u64> = self.created.iter().copied().filter(|i| self.state.tokens.contains_key(i)).collect();
        self.state.completions.push(Completion { instance, step, actor: actor.id.clone(), created });
        Ok(())
    }

    pub(super) fn send_back(
        &mut self,
        actor: &Actor,
        instance: u64,
        to: &str,
        reason: &str,
    ) -> Result<(), CommandError> {
        let (step, spec) = self.hold_task(actor, instance)?;
        if !spec.sendback.iter().any(|s| s == to) {
            return Err(CommandError::BadSendBack { task: instance, to: to.to_string() });
        }
        self.withdraw(instance);
        self.events.push(Event::TaskCancelled { instance, reason: format!("sent back to {to}") });
        self.events.push(Event::SentBack {
            instance,
            from: step,
            to: to.to_string(),
            actor: actor.id.clone(),
            reason: reason.to_string(),
            on_behalf_of: actor.on_behalf_of.clone(),
        });
        self.go(to);
        Ok(())
    }

    pub(super) fn pull_back(&mut self, actor: &Actor, instance: u64) -> Result<(), CommandError> {
        let refuse = |reason: &str| CommandError::NoPullBack { task: instance, reason: reason.to_string() };
        let position = self
            .state
            .completions
            .iter()
            .rposition(|c| c.instance == instance)
            .ok_or_else(|| refuse("it was not completed"))?;
        let completion = self.state.completions[position].clone();
        if !actor.is_or_acts_for(&completion.actor) {
            return Err(refuse("only the person who completed it (or their deputy) may pull it back"));
        }
        if completion.created.is_empty() {
            return Err(refuse("nothing that followed is waiting in a queue"));
        }
        // What followed may be taken back while no one has touched it: unclaimed tasks, and waits
        // that have not ended. A queued action or a subflow may already have acted outside.
        for next in &completion.created {
            match self.state.tokens.get(next).map(|t| &t.activity) {
                Some(Activity::Task { assignee: None, .. } | Activity::Waiting { .. }) => {}
                Some(Activity::Task { assignee: Some(by), .. }) => {
                    return Err(refuse(&format!("the next task is already claimed by {by}")));
                }
                _ => return Err(refuse("the order has moved on")),
            }
        }
        for next in &completion.created {
            if matches!(self.state.tokens.get(next).map(|t| &t.activity), Some(Activity::Waiting { .. })) {
                self.state.tokens.remove(next);
                let next = *next;
                self.cancel_timers(|p| {
                    matches!(p, TimerPurpose::Wait { instance, .. } | TimerPurpose::RemindCustomer { instance, .. } if *instance == next)
                });
                self.events.push(Event::WaitEnded {
                    instance: next,
                    by: "pulled back".into(),
                    next: completion.step.clone(),
                });
            } else {
                self.withdraw(*next);
                self.events.push(Event::TaskCancelled { instance: *next, reason: "pulled back".into() });
            }
        }
        self.state.completions.remove(position);
        self.events.push(Event::PulledBack {
            instance,
            step: completion.step.clone(),
            actor: actor.id.clone(),
            on_behalf_of: actor.on_behalf_of.clone(),
        });
        self.go(&completion.step);
        // The person who pulled the task back has it again.
        if let Some(&reopened) = self.created.last()
            && self.state.tokens.get(&reopened).is_some_and(|t| t.step == completion.step)
        {
            self.set_assignee(reopened, Some(actor.id.clone()));
            self.events.push(Event::TaskClaimed {
                instance: reopened,
                actor: actor.id.clone(),
                vendor: actor.vendor.clone(),
                on_behalf_of: actor.on_behalf_of.clone(),
            });
        }
        Ok(())
    }
}
