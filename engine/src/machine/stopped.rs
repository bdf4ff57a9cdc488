//! Stop-the-clock SLAs (`../shared/kpi.md`, "Stopped clock"): while an order is on hold, or in a
//! wait whose every signal is the customer's, its SLA clock stands still. When the hold or the
//! wait ends, each open task's due time moves out by the business time the clock stood still
//! since the task became ready, and its pending reminder, due and escalation timers with it.

use super::advance::Run;
use super::{Activity, Effect, Event, TimerPurpose};
use crate::compile::NodeKind;
use jiff::Timestamp;

impl Run<'_> {
    /// The clock stood still from `since` until now: moves the open tasks' due times out.
    pub(super) fn clock_stopped_since(&mut self, since: Timestamp) {
        let now = self.now();
        let open: Vec<(u64, String, Timestamp, Timestamp)> = self
            .state
            .tokens
            .values()
            .filter_map(|t| match &t.activity {
                Activity::Task { due_at: Some(due), ready_at, .. } => {
                    Some((t.instance, t.step.clone(), *due, *ready_at))
                }
                _ => None,
            })
            .collect();
        for (instance, step, due, ready_at) in open {
            let stopped = self.ctx.calendar.business_seconds(since.max(ready_at), now);
            if stopped == 0 {
                continue;
            }
            let moved = self.ctx.calendar.add(due, stopped);
            if let Some(Activity::Task { due_at, .. }) = self.state.tokens.get_mut(&instance).map(|t| &mut t.activity) {
                *due_at = Some(moved);
            }
            self.move_task_timers(instance, &step, moved);
            self.events.push(Event::TaskDueMoved { instance, due_at: moved, stopped_s: stopped });
            self.effects.push(Effect::MoveTaskDue { instance, due_at: moved });
        }
    }

    /// Moves the task's timers still pending (a reminder already given is not given again) to
    /// follow its new due time, as they were set from the old one.
    fn move_task_timers(&mut self, instance: u64, step: &str, due: Timestamp) {
        let Some(NodeKind::Task(task)) = self.flow.node(step).map(|n| &n.kind) else { return };
        let now = self.now();
        let mut moved = Vec::new();
        for (id, timer) in &self.state.timers {
            let at = match &timer.purpose {
                TimerPurpose::Remind { instance: i } if *i == instance => {
                    task.remind_before.map(|before| self.ctx.calendar.subtract(due, before).max(now))
                }
                TimerPurpose::Due { instance: i } if *i == instance => Some(due),
                TimerPurpose::Escalate { instance: i, .. } if *i == instance => {
                    task.escalate.as_ref().map(|(_, after)| self.ctx.calendar.add_sla(due, *after))
                }
                _ => None,
            };
            if let Some(at) = at {
                moved.push((*id, at));
            }
        }
        for (id, at) in moved {
            if let Some(timer) = self.state.timers.get_mut(&id) {
                timer.at = at;
            }
            self.effects.push(Effect::ScheduleTimer { id, at });
        }
    }
}
