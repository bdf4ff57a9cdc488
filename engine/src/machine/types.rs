//! The state machine's vocabulary: an order's state, the commands that change it, the events
//! that record each change (the history every KPI is computed from), and the effects a driver
//! must carry out (tasks, timers, jobs, subflows).

use crate::script::Data;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who asks for a change: a person (with roles and, for outsourced staff, a vendor) or the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// User id, or `system` for timers and workers.
    pub id: String,
    /// Roles held.
    pub roles: Vec<String>,
    /// The outsourcing vendor the person works for; `None` for in-house staff.
    pub vendor: Option<String>,
    /// Administrators may hold, resume, cancel and retry incidents.
    pub admin: bool,
    /// When a deputy (代理) works for someone: the principal whose tasks, roles and vendor
    /// these are ([`crate::Engine::acting_for`] builds such an actor). `id` stays the deputy's,
    /// so the history says who did it and on whose behalf.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
}

impl Actor {
    /// The engine itself (timers, workers).
    pub fn system() -> Actor {
        Actor { id: "system".into(), roles: Vec::new(), vendor: None, admin: true, on_behalf_of: None }
    }

    /// A person with roles, working for `vendor` when given.
    pub fn person(id: &str, roles: &[&str], vendor: Option<&str>) -> Actor {
        Actor {
            id: id.to_string(),
            roles: roles.iter().map(|r| (*r).to_string()).collect(),
            vendor: vendor.map(str::to_string),
            admin: false,
            on_behalf_of: None,
        }
    }

    /// Whether this actor is `person`, or works on `person`'s behalf.
    pub fn is_or_acts_for(&self, person: &str) -> bool {
        self.id == person || self.on_behalf_of.as_deref() == Some(person)
    }
}

/// Where an order stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Running.
    Open,
    /// Put on hold by a person: nothing moves until it is resumed.
    OnHold {
        /// Since when.
        #[serde(with = "super::rfc3339")]
        since: Timestamp,
    },
    /// Finished, with the end's outcome.
    Closed {
        /// `completed`, `cancelled`, …
        outcome: String,
        /// When.
        #[serde(with = "super::rfc3339")]
        at: Timestamp,
    },
}

/// What a live position of the order is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Activity {
    /// A human task, open.
    Task {
        /// Who has claimed it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee: Option<String>,
        /// When it became ready.
        #[serde(with = "super::rfc3339")]
        ready_at: Timestamp,
        /// When it is due (business time), if it has an SLA.
        #[serde(default, skip_serializing_if = "Option::is_none", with = "super::rfc3339::option")]
        due_at: Option<Timestamp>,
        /// The role it was escalated to: people of that role may take it too.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        escalated_to: Option<String>,
    },
    /// An automatic step whose action runs in a worker.
    Job {
        /// The action.
        action: String,
        /// Attempt number, from 1.
        attempt: u32,
        /// The inputs given to the handler.
        inputs: Data,
        /// Set when retries are exhausted: the order needs an administrator.
        incident: Option<String>,
    },
    /// Waiting for a signal, a timer or a date.
    Waiting {
        /// Whether this is a wait for the customer (the KPI clock stops).
        customer: bool,
        /// When it began, if it stops the SLA clock (every signal it waits for is the
        /// customer's): the order's open tasks' due times move out by the business time it
        /// lasted.
        #[serde(default, skip_serializing_if = "Option::is_none", with = "super::rfc3339::option")]
        stops_clock_since: Option<Timestamp>,
    },
    /// Waiting for a subflow (a child order) to end.
    Calling {
        /// The subflow.
        flow: String,
    },
    /// Stopped by an incident while entering the step (a rule or mapping failed): an
    /// administrator retries it once the cause is fixed.
    Stuck {
        /// What failed.
        message: String,
    },
}

/// A live position in the flow: one step instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// Step instance id, unique within the order.
    pub instance: u64,
    /// The step.
    pub step: String,
    /// What it is doing.
    pub activity: Activity,
}

/// A completed human task, remembered for send-back and pull-back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    /// The step instance that was completed.
    pub instance: u64,
    /// The step.
    pub step: String,
    /// Who completed it.
    pub actor: String,
    /// The step instances it created directly (for pull-back: they must all be unclaimed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub created: Vec<u64>,
}

/// A timer the order has asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "purpose", rename_all = "snake_case")]
pub enum TimerPurpose {
    /// `after` / `until` arm of a wait, leading to `next`.
    Wait {
        /// The waiting step instance.
        instance: u64,
        /// Where the arm leads.
        next: String,
    },
    /// A task's reminder before its due time.
    Remind {
        /// The task instance.
        instance: u64,
    },
    /// The customer's reminder (`remind customer …`) while the order is at a task or wait.
    RemindCustomer {
        /// The task or wait instance.
        instance: u64,
        /// The field holding the customer's address.
        address: String,
        /// The date field the reminder comes before.
        date: String,
        /// The moment that date stands for.
        #[serde(with = "super::rfc3339")]
        moment: Timestamp,
    },
    /// A task's due time.
    Due {
        /// The task instance.
        instance: u64,
    },
    /// Escalation of an overdue task to a role.
    Escalate {
        /// The task instance.
        instance: u64,
        /// To whom.
        role: String,
    },
    /// Retry of a failed action.
    Retry {
        /// The job's step instance.
        instance: u64,
    },
    /// Kept signals whose time to be kept ends now are dropped (and listed as lost).
    ExpireSignals,
}

/// A signal that arrived before the order waited for it, kept until it does or until
/// `expires_at` (the signal's `keep`, three days unless declared).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptSignal {
    /// Signal id.
    pub name: String,
    /// The flow's fields it brings.
    pub data: Data,
    /// Who sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// When it arrived.
    #[serde(with = "super::rfc3339")]
    pub received_at: Timestamp,
    /// When it is dropped if no wait took it.
    #[serde(with = "super::rfc3339")]
    pub expires_at: Timestamp,
}

/// A pending timer: when it is due, and what it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// When it is due.
    #[serde(with = "super::rfc3339")]
    pub at: Timestamp,
    /// What it is for (its fields sit beside `at` in the stored JSON).
    #[serde(flatten)]
    pub purpose: TimerPurpose,
}

/// Everything about one order. Serialised as JSON in storage; replaying its events gives it back.
/// Absent values and empty collections are left out of the JSON (every order writes its state
/// at each step, so its size is paid for in serialising, parsing and storage each time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderState {
    /// Order id.
    pub id: String,
    /// Flow id.
    pub flow: String,
    /// Deployed version of the flow.
    pub version: u32,
    /// The business key (order number), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_key: Option<String>,
    /// The vendor the order belongs to, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// The channel it came in by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The parent order and its calling step instance, for a subflow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<(String, u64)>,
    /// When the order was received (may precede its start).
    #[serde(with = "super::rfc3339")]
    pub received_at: Timestamp,
    /// Open, on hold, or closed.
    pub status: Status,
    /// The order's data.
    pub data: Data,
    /// Live positions by step instance.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tokens: BTreeMap<u64, Token>,
    /// Arrivals counted at each join.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub joins: BTreeMap<String, usize>,
    /// How many arrivals a join that closes an inclusive split waits for: the branches the
    /// split took, set when it did.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub awaited: BTreeMap<String, usize>,
    /// Pending timers by id. The store keeps the earliest due time beside the state, so that a
    /// worker finds due orders without a row per timer.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub timers: BTreeMap<u64, Timer>,
    /// Completed tasks, most recent last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub completions: Vec<Completion>,
    /// Signals that arrived before the order waited for them, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inbox: Vec<KeptSignal>,
    /// The next id for step instances and timers.
    pub next_id: u64,
    /// Incremented by every applied command: optimistic concurrency in storage.
    pub version_no: u64,
    /// How many events the order has recorded (the next event's sequence number is this + 1).
    #[serde(default)]
    pub events: u64,
}

/// A request to change an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Start a new order (the state given to `apply` is ignored and may be a placeholder).
    Start {
        /// Order id to use.
        id: String,
        /// The deployed version of the flow the order runs on.
        version: u32,
        /// Business key.
        business_key: Option<String>,
        /// Starting data.
        data: Data,
        /// Vendor of the order, when known at start.
        vendor: Option<String>,
        /// Channel.
        channel: Option<String>,
        /// When it was received (default: now).
        received_at: Option<Timestamp>,
        /// Parent order and calling instance, for a subflow.
        parent: Option<(String, u64)>,
    },
    /// Take a task.
    Claim {
        /// Task instance.
        task: u64,
    },
    /// Give a task back to the queue.
    Release {
        /// Task instance.
        task: u64,
    },
    /// Finish a task with data and, for tasks with outcomes, an outcome.
    Complete {
        /// Task instance.
        task: u64,
        /// Chosen outcome.
        outcome: Option<String>,
        /// Data entered on the form.
        data: Data,
    },
    /// 差戻し: send the order back from this task to an earlier task.
    SendBack {
        /// The task sending back.
        task: u64,
        /// The earlier task's step id.
        to: String,
        /// Why.
        reason: String,
    },
    /// 引戻し: the completer takes a completed task back while what followed is still unclaimed.
    PullBack {
        /// The completed task instance.
        task: u64,
    },
    /// Hand a claimed task to another person.
    Transfer {
        /// Task instance.
        task: u64,
        /// The person who gets it.
        to: Actor,
    },
    /// Stop the order's clock and work.
    Hold {
        /// Why.
        reason: String,
    },
    /// Resume a held order.
    Resume,
    /// A named signal arrives.
    Signal {
        /// Signal id.
        name: String,
        /// Data that comes with it (written into the order's data).
        data: Data,
    },
    /// A timer the order asked for is due.
    TimerFired {
        /// Timer id.
        timer: u64,
    },
    /// An action handler finished.
    ActionSucceeded {
        /// The job's step instance.
        job: u64,
        /// The handler's result.
        output: Data,
        /// When a worker picked the job up (the attempt's run began); `None` when unknown (an
        /// external worker's report): the attempt then counts from its queueing.
        #[serde(default, skip_serializing_if = "Option::is_none", with = "super::rfc3339::option")]
        started_at: Option<Timestamp>,
    },
    /// An action handler failed.
    ActionFailed {
        /// The job's step instance.
        job: u64,
        /// Why.
        error: String,
        /// When a worker picked the job up, as for `ActionSucceeded`.
        #[serde(default, skip_serializing_if = "Option::is_none", with = "super::rfc3339::option")]
        started_at: Option<Timestamp>,
    },
    /// A subflow (child order) ended.
    ChildEnded {
        /// The calling step instance.
        call: u64,
        /// The child's outcome.
        outcome: String,
        /// The child's final data.
        data: Data,
    },
    /// Cancel the order.
    Cancel {
        /// Why.
        reason: String,
    },
    /// A signal delivered now if the order waits for it, or else kept until a wait of the order
    /// takes it (within the signal's `keep`).
    KeepSignal {
        /// Signal id.
        name: String,
        /// Data it brings.
        data: Data,
    },
    /// Try the failed action of an incident again.
    RetryIncident {
        /// The job's step instance.
        job: u64,
    },
    /// End an incident by supplying the result its action would have given: the order goes on
    /// as if the action had succeeded with it.
    ResolveIncident {
        /// The failed step's instance.
        job: u64,
        /// The action's result, keyed as the step's `out` mappings read it.
        output: Data,
    },
}

/// One recorded change. The history of an order is its events in order; KPIs read nothing else.
///
/// Every step instance begins with exactly one event naming its step: `TaskReady` (or
/// `TaskSkipped`), `ActionQueued` (attempt 1), `Decided`, `WaitStarted`, `SubflowStarted`, or
/// `IncidentRaised` when entering it failed. [`Event::entered_step`] reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The order began.
    OrderStarted {
        /// Flow id.
        flow: String,
        /// Version.
        version: u32,
        /// Business key.
        business_key: Option<String>,
        /// Vendor, when known.
        vendor: Option<String>,
        /// Channel.
        channel: Option<String>,
        /// Receipt time.
        #[serde(with = "super::rfc3339")]
        received_at: Timestamp,
        /// Parent order, for a subflow.
        parent: Option<String>,
        /// Starting data.
        data: Data,
    },
    /// A human task is ready in the queue.
    TaskReady {
        /// Step instance.
        instance: u64,
        /// Step id.
        step: String,
        /// Lane id.
        lane: String,
        /// Whether the lane is back office.
        back: bool,
        /// Role that may take it.
        role: String,
        /// Due time, if it has an SLA.
        #[serde(default, with = "super::rfc3339::option")]
        due_at: Option<Timestamp>,
        /// The task's `skip when` rule, which did not hold: why a person must do it (the
        /// decision trace "why not one-stop" reads).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unskipped: Option<String>,
    },
    /// Someone took the task.
    TaskClaimed {
        /// Step instance.
        instance: u64,
        /// Who.
        actor: String,
        /// Their vendor.
        vendor: Option<String>,
        /// The principal, when a deputy did it on their behalf.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_behalf_of: Option<String>,
    },
    /// The task went back to the queue.
    TaskReleased {
        /// Step instance.
        instance: u64,
        /// Who released it.
        actor: String,
        /// The principal, when a deputy did it on their behalf.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_behalf_of: Option<String>,
    },
    /// The task moved to another person.
    TaskTransferred {
        /// Step instance.
        instance: u64,
        /// From whom.
        from: String,
        /// To whom.
        to: String,
        /// The principal, when a deputy did it on their behalf.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_behalf_of: Option<String>,
    },
    /// A person finished the task.
    TaskCompleted {
        /// Step instance.
        instance: u64,
        /// Step id.
        step: String,
        /// Who.
        actor: String,
        /// Their vendor.
        vendor: Option<String>,
        /// Outcome chosen.
        outcome: Option<String>,
        /// Fields changed on the form.
        changes: Data,
        /// The principal, when a deputy did it on their behalf.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_behalf_of: Option<String>,
    },
    /// A rule completed the task: nobody worked it (one-stop is kept).
    TaskSkipped {
        /// Step instance.
        instance: u64,
        /// Step id.
        step: String,
        /// The rule expression that decided.
        rule: String,
        /// The values it read.
        inputs: Data,
        /// Outcome recorded.
        outcome: Option<String>,
    },
    /// An open task was withdrawn (cancel, send-back, pull-back, another branch finished).
    TaskCancelled {
        /// Step instance.
        instance: u64,
        /// Why.
        reason: String,
    },
    /// A decision chose a branch.
    Decided {
        /// Step instance.
        instance: u64,
        /// Step id.
        step: String,
        /// The branch's condition, or `else`.
        branch: String,
        /// Where the order went.
        next: String,
        /// The values the condition read.
        inputs: Data,
        /// The table evaluated first, its rows used and its outputs.
        table: Option<TableDecision>,
    },
    /// An inclusive split chose its branches: every one whose condition held, or else the default.
    BranchesTaken {
        /// Step instance.
        instance: u64,
        /// Step id.
        step: String,
        /// The conditions that held, or `["else"]`.
        branches: Vec<String>,
        /// Where the order went, one step per branch, in the order written.
        next: Vec<String>,
        /// The values the conditions read.
        inputs: Data,
    },
    /// An action is queued for a worker.
    ActionQueued {
        /// Step instance.
        instance: u64,
        /// Step id.
        step: String,
        /// Action id.
        action: String,
        /// Attempt number.
        attempt: u32,
    },
    /// The action's handler succeeded.
    ActionSucceeded {
        /// Step instance.
        instance: u64,
        /// Fields written from its result.
        written: Data,
        /// When a worker picked the attempt up (`../shared/kpi.md`: queueing is waiting, the
        /// run is processing); `None` when not known.
        #[serde(default, skip_serializing_if = "Option::is_none", with = "super::rfc3339::option")]
        started_at: Option<Timestamp>,
    },
    /// The action's handler failed.
    ActionFailed {
        /// Step instance.
        instance: u64,
        /// Attempt number.
        attempt: u32,
        /// Why.
        error: String,
        /// When it is tried again, if it will be.
        #[serde(default, with = "super::rfc3339::option")]
        retry_at: Option<Timestamp>,
        /// When a worker picked the attempt up; `None` when not known.
        #[serde(default, skip_serializing_if = "Option::is_none", with = "super::rfc3339::option")]
        started_at: Option<Timestamp>,
    },
    /// The order needs an administrator.
    IncidentRaised {
        /// Step instance.
        instance: u64,
        /// Step id.
        step: String,
        /// What failed.
        message: String,
    },
    /// An administrator retried an incident.
    IncidentRetried {
        /// Step instance.
        instance: u64,
        /// Who.
        actor: String,
    },
    /// An administrator resolved an incident by supplying the action's result.
    IncidentResolved {
        /// Step instance.
        instance: u64,
        /// Who.
        actor: String,
        /// Fields written from the supplied result.
        written: Data,
    },
    /// A wait began.
    WaitStarted {
        /// Step instance.
        instance: u64,
        /// Step id.
        step: String,
        /// Whether it waits for the customer (one of its signals is the customer's).
        customer: bool,
        /// Whether it also waits for a signal that is not the customer's (a partner's, a
        /// system's): such a wait does not stop the clock (`../shared/kpi.md`, stopped clock).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        partner: bool,
    },
    /// A wait ended by one of its arms.
    WaitEnded {
        /// Step instance.
        instance: u64,
        /// `signal x`, `after`, `until`.
        by: String,
        /// Where the order went.
        next: String,
    },
    /// A subflow began.
    SubflowStarted {
        /// Calling step instance.
        instance: u64,
        /// Step id.
        step: String,
        /// Subflow id.
        flow: String,
    },
    /// A subflow ended.
    SubflowEnded {
        /// Calling step instance.
        instance: u64,
        /// Its outcome.
        outcome: String,
        /// The fields its outputs wrote into this order.
        outputs: Data,
    },
    /// A signal arrived (and ended a wait), with the data it brought.
    SignalReceived {
        /// Signal id.
        name: String,
        /// The fields it wrote into the order.
        data: Data,
        /// Who sent it (a person, or a system's user), when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sender: Option<String>,
    },
    /// The order moved to another version of its flow.
    FlowMigrated {
        /// The version it ran.
        from: u32,
        /// The version it runs now.
        to: u32,
        /// Who moved it.
        actor: String,
    },
    /// A signal arrived before the order waited for it and is kept for a wait to take.
    SignalKept {
        /// Signal id.
        name: String,
        /// Who sent it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sender: Option<String>,
        /// Until when.
        #[serde(with = "super::rfc3339")]
        expires_at: Timestamp,
    },
    /// A kept signal was dropped: no wait took it in time, or the order ended first.
    SignalExpired {
        /// Signal id.
        name: String,
        /// Who sent it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sender: Option<String>,
        /// Why: `expired` or `order closed`.
        reason: String,
    },
    /// 差戻し.
    SentBack {
        /// The task that sent back.
        instance: u64,
        /// Its step.
        from: String,
        /// The earlier task's step.
        to: String,
        /// Who.
        actor: String,
        /// Why.
        reason: String,
        /// The principal, when a deputy did it on their behalf.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_behalf_of: Option<String>,
    },
    /// 引戻し.
    PulledBack {
        /// The task instance taken back.
        instance: u64,
        /// Its step.
        step: String,
        /// Who.
        actor: String,
        /// The principal, when a deputy did it on their behalf.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_behalf_of: Option<String>,
    },
    /// Put on hold.
    Held {
        /// Who.
        actor: String,
        /// Why.
        reason: String,
    },
    /// Resumed.
    Resumed {
        /// Who.
        actor: String,
    },
    /// A task's reminder time came (a notification channel, once configured, delivers it).
    Reminded {
        /// Step instance.
        instance: u64,
    },
    /// The customer is to be reminded of the moment a date field holds, at the address a field
    /// holds (the event names the fields, never the address: histories are read by many).
    CustomerReminded {
        /// The task or wait instance.
        instance: u64,
        /// The field holding the address.
        address: String,
        /// The date field.
        date: String,
        /// The moment it stands for.
        #[serde(with = "super::rfc3339")]
        moment: Timestamp,
    },
    /// A task's due time moved out by the business time the SLA clock stood still (the order
    /// was on hold, or waited for the customer only).
    TaskDueMoved {
        /// Step instance.
        instance: u64,
        /// The new due time.
        #[serde(with = "super::rfc3339")]
        due_at: Timestamp,
        /// The business seconds the clock stood still.
        stopped_s: u64,
    },
    /// A task passed its due time.
    Overdue {
        /// Step instance.
        instance: u64,
    },
    /// An overdue task was escalated.
    Escalated {
        /// Step instance.
        instance: u64,
        /// To which role.
        role: String,
        /// Its priority from then on (0 low … 3 urgent), one above the flow's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        priority: Option<u8>,
    },
    /// The order ended.
    OrderClosed {
        /// The end's outcome.
        outcome: String,
        /// The end step, or why it was closed otherwise.
        by: String,
        /// Who closed it, when a person or a system cancelled it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        actor: Option<String>,
    },
}

/// What a decision table decided, for the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDecision {
    /// Table id.
    pub table: String,
    /// Its inputs.
    pub inputs: Data,
    /// The 1-based rows used.
    pub rows: Vec<usize>,
    /// The values written.
    pub outputs: Data,
}

/// Work for the driver, carried out in the same transaction as the state change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Put a task in the work queue.
    CreateTask {
        /// Step instance.
        instance: u64,
        /// Step id.
        step: String,
        /// Role that may take it.
        role: String,
        /// Lane id.
        lane: String,
        /// When only the order's vendor may take it: that vendor.
        vendor: Option<String>,
        /// Priority (0 low … 3 urgent).
        priority: u8,
        /// Due time.
        due_at: Option<Timestamp>,
    },
    /// A task's due time moved (the SLA clock was stopped meanwhile).
    MoveTaskDue {
        /// Step instance.
        instance: u64,
        /// The new due time.
        due_at: Timestamp,
    },
    /// A kept signal was dropped unused: list it among the lost signals.
    SignalLost {
        /// The signal as it was kept.
        signal: KeptSignal,
        /// Why: `expired` or `order closed`.
        reason: String,
    },
    /// A task was escalated: the queue offers it to `role`, at `priority`.
    EscalateTask {
        /// Step instance.
        instance: u64,
        /// The role it went to.
        role: String,
        /// Its new priority.
        priority: u8,
    },
    /// Remove a task from the queue.
    CloseTask {
        /// Step instance.
        instance: u64,
    },
    /// Record who holds a task (claim, release, transfer), so "my tasks" is one query.
    AssignTask {
        /// Step instance.
        instance: u64,
        /// The holder, or `None` when it went back to the queue.
        assignee: Option<String>,
    },
    /// Schedule a timer.
    ScheduleTimer {
        /// Timer id (unique within the order).
        id: u64,
        /// When.
        at: Timestamp,
    },
    /// Cancel a timer, or forget one that has fired.
    CancelTimer {
        /// Timer id.
        id: u64,
    },
    /// The job of this step instance is finished (its result applied): remove it from the outbox.
    FinishJob {
        /// Step instance.
        instance: u64,
    },
    /// Run an action in a worker, no earlier than `run_at`.
    EnqueueJob {
        /// Step instance (the job id within the order).
        instance: u64,
        /// Action id.
        action: String,
        /// Inputs.
        inputs: Data,
        /// Passed to the handler: the same for every attempt of this step instance.
        idempotency_key: String,
        /// Attempt number.
        attempt: u32,
        /// Not before.
        run_at: Timestamp,
        /// Per-attempt timeout in seconds.
        timeout: Option<u64>,
    },
    /// Start a child order for a subflow.
    StartSubflow {
        /// Calling step instance.
        instance: u64,
        /// Subflow id.
        flow: String,
        /// The child's starting data.
        data: Data,
    },
    /// Tell the parent order that this (child) order ended.
    NotifyParent {
        /// Parent order id.
        parent: String,
        /// The parent's calling step instance.
        call: u64,
        /// Outcome.
        outcome: String,
        /// Final data.
        data: Data,
    },
}

impl Event {
    /// The step this event began, if it is the first event of a step instance.
    pub fn entered_step(&self) -> Option<&str> {
        match self {
            Event::TaskReady { step, .. }
            | Event::TaskSkipped { step, .. }
            | Event::Decided { step, .. }
            | Event::BranchesTaken { step, .. }
            | Event::WaitStarted { step, .. }
            | Event::SubflowStarted { step, .. } => Some(step),
            Event::ActionQueued { step, attempt: 1, .. } => Some(step),
            _ => None,
        }
    }
}
