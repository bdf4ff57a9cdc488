//! The pure state machine: `(compiled flow, order state, actor, command, now) -> (new state,
//! events, effects)`. No I/O, no clock, no database: a driver reads the state, calls [`apply`],
//! and stores what comes back in one transaction. Tests call it directly.
//!
//! Wrong commands are typed errors ([`CommandError`]) and leave the state untouched. A rule that
//! fails while the order moves (a condition that errors, a table with no matching row, a flow
//! that loops without waiting) is not an error of the command: the order stops at that step with
//! an incident an administrator can retry.

mod advance;
pub(crate) use advance::decide;
mod events;
mod inbox;
mod migrate;
mod rfc3339;
mod stopped;
mod tasks;
mod types;

pub use migrate::{migrate, migration_blocker};
pub use tasks::check_value;

pub use types::*;

use crate::calendar::Calendar;
use crate::compile::CompiledFlow;
use jiff::Timestamp;

/// What the machine needs besides the flow and the state.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The current time (from the driver's clock).
    pub now: Timestamp,
    /// The business calendar for due times.
    pub calendar: &'a Calendar,
}

/// The outcome of applying a command.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The new state.
    pub state: OrderState,
    /// What happened, in order.
    pub events: Vec<Event>,
    /// What the driver must do.
    pub effects: Vec<Effect>,
}

/// Why a command was refused. The state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The order has ended.
    #[error("order {0} is closed")]
    Closed(String),
    /// The order is on hold; resume it first.
    #[error("order {0} is on hold")]
    OnHold(String),
    /// `Resume` of an order that is not on hold.
    #[error("order {0} is not on hold")]
    NotOnHold(String),
    /// No open task with this instance (it may have been completed already).
    #[error("task {0} is not open")]
    NoSuchTask(u64),
    /// The task is claimed by someone else.
    #[error("task {task} is claimed by {by}")]
    ClaimedByOther {
        /// Task instance.
        task: u64,
        /// Who holds it.
        by: String,
    },
    /// The actor may not work this task (role or vendor).
    #[error("{actor} may not work task {task}: {reason}")]
    NotEligible {
        /// Who asked.
        actor: String,
        /// Task instance.
        task: u64,
        /// Why not.
        reason: String,
    },
    /// Only an administrator may do this.
    #[error("{0} is not an administrator")]
    NotAdmin(String),
    /// The outcome is missing, or not one of the task's.
    #[error("task {task}: {reason}")]
    BadOutcome {
        /// Task instance.
        task: u64,
        /// What is wrong.
        reason: String,
    },
    /// Data given with a command does not fit the flow.
    #[error("field `{field}`: {reason}")]
    BadData {
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// Nothing in the order waits for this signal.
    #[error("order {order} does not wait for signal `{signal}`")]
    NoWaiter {
        /// Order id.
        order: String,
        /// Signal.
        signal: String,
    },
    /// The timer is no longer pending (already fired or cancelled): nothing to do.
    #[error("timer {0} is not pending")]
    StaleTimer(u64),
    /// No job with this instance (it may have finished already).
    #[error("job {0} is not pending")]
    NoSuchJob(u64),
    /// No incident at this step.
    #[error("step instance {0} has no incident")]
    NoIncident(u64),
    /// The incident cannot be resolved by supplying a result.
    #[error("the incident of step instance {instance} cannot be resolved with a result: {reason}")]
    CannotResolve {
        /// The step instance.
        instance: u64,
        /// Why not, and what to do instead.
        reason: String,
        /// The result's keys the step reads that were not given (empty when the step has no
        /// result to supply at all).
        missing: Vec<String>,
    },
    /// Send-back to a task that this task may not send back to.
    #[error("task {task} may not send the order back to `{to}`")]
    BadSendBack {
        /// Task instance.
        task: u64,
        /// The requested target.
        to: String,
    },
    /// Pull-back is no longer possible.
    #[error("task {task} cannot be pulled back: {reason}")]
    NoPullBack {
        /// Task instance.
        task: u64,
        /// Why.
        reason: String,
    },
    /// `Start` for an order of a subflow without a parent, or of an unknown flow.
    #[error("cannot start: {0}")]
    BadStart(String),
}

/// Applies `command`, asked by `actor`, to `state` of an order of `flow`.
pub fn apply(
    flow: &CompiledFlow,
    state: &OrderState,
    actor: &Actor,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Transition, CommandError> {
    apply_owned(flow, state.clone(), actor, command, ctx)
}

/// [`apply`] to a state the caller gives up, which is not copied first: the new state is built
/// from it, and a refused command drops it (what a refusal changed of it is never seen).
pub fn apply_owned(
    flow: &CompiledFlow,
    state: OrderState,
    actor: &Actor,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Transition, CommandError> {
    let mut run = advance::Run::new(flow, state, ctx);
    if let Command::Start { id, version, business_key, data, vendor, channel, received_at, parent } = command {
        run.start(id, business_key, data, vendor, channel, *received_at, parent.clone())?;
        run.state.version = *version;
        if let Some(Event::OrderStarted { version: recorded, .. }) = run.events.first_mut() {
            *recorded = *version;
        }
        return Ok(run.finish());
    }
    match &run.state.status {
        Status::Closed { .. } => return Err(CommandError::Closed(run.state.id.clone())),
        // Nothing moves while an order is held: its timers fire, and its jobs' results count,
        // after it is resumed.
        Status::OnHold { .. }
            if !matches!(command, Command::Resume | Command::Cancel { .. } | Command::KeepSignal { .. }) =>
        {
            return Err(CommandError::OnHold(run.state.id.clone()));
        }
        _ => {}
    }
    match command {
        Command::Start { .. } => {}
        Command::Claim { task } => run.claim(actor, *task)?,
        Command::Release { task } => run.release(actor, *task)?,
        Command::Complete { task, outcome, data } => run.complete(actor, *task, outcome.as_deref(), data)?,
        Command::SendBack { task, to, reason } => run.send_back(actor, *task, to, reason)?,
        Command::PullBack { task } => run.pull_back(actor, *task)?,
        Command::Transfer { task, to } => run.transfer(actor, *task, to)?,
        Command::Hold { reason } => run.hold(actor, reason)?,
        Command::Resume => run.resume(actor)?,
        Command::Signal { name, data } => run.signal(actor, name, data)?,
        Command::TimerFired { timer } => run.timer_fired(*timer)?,
        Command::ActionSucceeded { job, output, started_at } => run.action_succeeded(*job, output, *started_at)?,
        Command::ActionFailed { job, error, started_at } => run.action_failed(*job, error, *started_at)?,
        Command::ChildEnded { call, outcome, data } => run.child_ended(*call, outcome, data)?,
        Command::Cancel { reason } => run.cancel(actor, reason)?,
        Command::KeepSignal { name, data } => run.keep_signal(actor, name, data)?,
        Command::RetryIncident { job } => run.retry_incident(actor, *job)?,
        Command::ResolveIncident { job, output } => run.resolve_incident(actor, *job, output)?,
    }
    Ok(run.finish())
}

/// A placeholder state to pass with `Command::Start`.
pub fn blank_state() -> OrderState {
    OrderState {
        id: String::new(),
        flow: String::new(),
        version: 0,
        business_key: None,
        vendor: None,
        channel: None,
        parent: None,
        received_at: Timestamp::UNIX_EPOCH,
        status: Status::Open,
        data: Default::default(),
        tokens: Default::default(),
        joins: Default::default(),
        awaited: Default::default(),
        timers: Default::default(),
        completions: Vec::new(),
        inbox: Vec::new(),
        next_id: 1,
        version_no: 0,
        events: 0,
    }
}
