//! The few things of each event the KPIs read, in a compact form. Reading a million events
//! must be fast, so stored events are parsed straight into these (the order's data carried by
//! some events is skipped, never built), and only the kinds listed in [`KINDS`] are read.

use crate::machine::Event;
use jiff::Timestamp;
use serde::Deserialize;

/// One event as the KPIs see it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fact {
    /// The order began (its receipt time and starting vendor and channel).
    Started { received_at: Timestamp, vendor: Option<String>, channel: Option<String> },
    /// A human task became ready (`unskipped`: its `skip when` rule, which did not hold).
    TaskReady {
        instance: u64,
        step: String,
        lane: String,
        back: bool,
        due_at: Option<Timestamp>,
        unskipped: Option<String>,
    },
    /// Someone took it.
    TaskClaimed { instance: u64, actor: String },
    /// It moved to another person.
    TaskTransferred { instance: u64, to: String },
    /// It went back to the queue.
    TaskReleased { instance: u64 },
    /// A person finished it, with the outcome chosen (a task with outcomes).
    TaskCompleted { instance: u64, actor: String, vendor: Option<String>, outcome: Option<String> },
    /// A decision chose its branch (`why not one-stop` reads it).
    Decided { step: String, branch: String, next: String, table: Option<(String, Vec<usize>)> },
    /// An inclusive split chose its branches.
    BranchesTaken { step: String, branches: Vec<String>, next: Vec<String> },
    /// A rule finished it; nobody worked it.
    TaskSkipped { instance: u64, step: String },
    /// It was withdrawn.
    TaskCancelled { instance: u64 },
    /// An automatic step was queued (attempt 1 begins the step instance).
    ActionQueued { instance: u64, step: String, attempt: u32 },
    /// Its handler succeeded (or an administrator supplied its result); `started`: when a
    /// worker picked the attempt up, if known.
    ActionSucceeded { instance: u64, started: Option<i64> },
    /// Its handler failed; `retry`: it will be tried again (else an incident follows).
    ActionFailed { instance: u64, started: Option<i64>, retry: bool },
    /// The step stopped with an incident.
    IncidentRaised { instance: u64, step: String },
    /// An administrator retried it.
    IncidentRetried { instance: u64 },
    /// A wait began.
    WaitStarted { instance: u64, step: String, kind: WaitKind },
    /// A wait ended.
    WaitEnded { instance: u64 },
    /// Put on hold.
    Held,
    /// Resumed.
    Resumed,
    /// A send-back or a pull-back.
    Rework,
    /// The order ended.
    Closed { outcome: String },
}

/// What a wait waits for (`../shared/kpi.md`, stopped clock and where the time goes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum WaitKind {
    /// Only the customer's signals: the clock stops.
    Customer,
    /// A partner's or a system's signal (with or without a customer's beside it).
    Partner,
    /// No signal: a timer or a date.
    Scheduled,
}

impl WaitKind {
    /// From a wait's recorded flags: any customer signal, any other signal.
    fn of(customer: bool, partner: bool) -> WaitKind {
        match (customer, partner) {
            (_, true) => WaitKind::Partner,
            (true, false) => WaitKind::Customer,
            (false, false) => WaitKind::Scheduled,
        }
    }
}

/// The stored event kinds [`Fact::parse`] reads; every other kind says nothing to the KPIs.
pub(crate) const KINDS: &[&str] = &[
    "order_started",
    "task_ready",
    "task_claimed",
    "task_released",
    "task_transferred",
    "task_completed",
    "decided",
    "branches_taken",
    "task_skipped",
    "task_cancelled",
    "action_queued",
    "action_succeeded",
    "action_failed",
    "incident_raised",
    "incident_retried",
    "incident_resolved",
    "wait_started",
    "wait_ended",
    "held",
    "resumed",
    "sent_back",
    "pulled_back",
    "order_closed",
];

#[derive(Deserialize)]
struct StartedBody {
    received_at: Timestamp,
    vendor: Option<String>,
    channel: Option<String>,
}

#[derive(Deserialize)]
struct ReadyBody {
    instance: u64,
    step: String,
    lane: String,
    back: bool,
    due_at: Option<Timestamp>,
    #[serde(default)]
    unskipped: Option<String>,
}

#[derive(Deserialize)]
struct InstanceBody {
    instance: u64,
}

#[derive(Deserialize)]
struct ClaimedBody {
    instance: u64,
    actor: String,
}

#[derive(Deserialize)]
struct TransferredBody {
    instance: u64,
    to: String,
}

#[derive(Deserialize)]
struct CompletedBody {
    instance: u64,
    actor: String,
    vendor: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
}

#[derive(Deserialize)]
struct DecidedBody {
    step: String,
    branch: String,
    next: String,
    #[serde(default)]
    table: Option<TableBody>,
}

#[derive(Deserialize)]
struct TableBody {
    table: String,
    rows: Vec<usize>,
}

#[derive(Deserialize)]
struct BranchesBody {
    step: String,
    branches: Vec<String>,
    next: Vec<String>,
}

#[derive(Deserialize)]
struct StepBody {
    instance: u64,
    step: String,
}

#[derive(Deserialize)]
struct QueuedBody {
    instance: u64,
    step: String,
    attempt: u32,
}

#[derive(Deserialize)]
struct AttemptBody {
    instance: u64,
    #[serde(default)]
    started_at: Option<Timestamp>,
    #[serde(default)]
    retry_at: Option<Timestamp>,
}

#[derive(Deserialize)]
struct WaitBody {
    instance: u64,
    step: String,
    customer: bool,
    #[serde(default)]
    partner: bool,
}

#[derive(Deserialize)]
struct ClosedBody {
    outcome: String,
}

impl Fact {
    /// Parses a stored event (its kind column and its JSON body); `None` for kinds the KPIs
    /// do not read.
    pub(crate) fn parse(kind: &str, body: &str) -> Result<Option<Fact>, serde_json::Error> {
        Ok(Some(match kind {
            "order_started" => {
                let b: StartedBody = serde_json::from_str(body)?;
                Fact::Started { received_at: b.received_at, vendor: b.vendor, channel: b.channel }
            }
            "task_ready" => {
                let b: ReadyBody = serde_json::from_str(body)?;
                Fact::TaskReady {
                    instance: b.instance,
                    step: b.step,
                    lane: b.lane,
                    back: b.back,
                    due_at: b.due_at,
                    unskipped: b.unskipped,
                }
            }
            "task_claimed" => {
                let b: ClaimedBody = serde_json::from_str(body)?;
                Fact::TaskClaimed { instance: b.instance, actor: b.actor }
            }
            "task_transferred" => {
                let b: TransferredBody = serde_json::from_str(body)?;
                Fact::TaskTransferred { instance: b.instance, to: b.to }
            }
            "task_released" => Fact::TaskReleased { instance: serde_json::from_str::<InstanceBody>(body)?.instance },
            "task_completed" => {
                let b: CompletedBody = serde_json::from_str(body)?;
                Fact::TaskCompleted { instance: b.instance, actor: b.actor, vendor: b.vendor, outcome: b.outcome }
            }
            "decided" => {
                let b: DecidedBody = serde_json::from_str(body)?;
                Fact::Decided {
                    step: b.step,
                    branch: b.branch,
                    next: b.next,
                    table: b.table.map(|t| (t.table, t.rows)),
                }
            }
            "branches_taken" => {
                let b: BranchesBody = serde_json::from_str(body)?;
                Fact::BranchesTaken { step: b.step, branches: b.branches, next: b.next }
            }
            "task_skipped" => {
                let b: StepBody = serde_json::from_str(body)?;
                Fact::TaskSkipped { instance: b.instance, step: b.step }
            }
            "task_cancelled" => Fact::TaskCancelled { instance: serde_json::from_str::<InstanceBody>(body)?.instance },
            "action_queued" => {
                let b: QueuedBody = serde_json::from_str(body)?;
                Fact::ActionQueued { instance: b.instance, step: b.step, attempt: b.attempt }
            }
            "action_succeeded" => {
                let b: AttemptBody = serde_json::from_str(body)?;
                Fact::ActionSucceeded { instance: b.instance, started: b.started_at.map(|t| t.as_second()) }
            }
            // An incident resolved with the action's result ends the step as its success would.
            "incident_resolved" => {
                Fact::ActionSucceeded { instance: serde_json::from_str::<InstanceBody>(body)?.instance, started: None }
            }
            "action_failed" => {
                let b: AttemptBody = serde_json::from_str(body)?;
                let started = b.started_at.map(|t| t.as_second());
                Fact::ActionFailed { instance: b.instance, started, retry: b.retry_at.is_some() }
            }
            "incident_raised" => {
                let b: StepBody = serde_json::from_str(body)?;
                Fact::IncidentRaised { instance: b.instance, step: b.step }
            }
            "incident_retried" => {
                Fact::IncidentRetried { instance: serde_json::from_str::<InstanceBody>(body)?.instance }
            }
            "wait_started" => {
                let b: WaitBody = serde_json::from_str(body)?;
                Fact::WaitStarted { instance: b.instance, step: b.step, kind: WaitKind::of(b.customer, b.partner) }
            }
            "wait_ended" => Fact::WaitEnded { instance: serde_json::from_str::<InstanceBody>(body)?.instance },
            "held" => Fact::Held,
            "resumed" => Fact::Resumed,
            "sent_back" | "pulled_back" => Fact::Rework,
            "order_closed" => Fact::Closed { outcome: serde_json::from_str::<ClosedBody>(body)?.outcome },
            _ => return Ok(None),
        }))
    }

    /// The same from an event already in memory.
    pub(crate) fn of(event: &Event) -> Option<Fact> {
        Some(match event {
            Event::OrderStarted { received_at, vendor, channel, .. } => {
                Fact::Started { received_at: *received_at, vendor: vendor.clone(), channel: channel.clone() }
            }
            Event::TaskReady { instance, step, lane, back, due_at, unskipped, .. } => Fact::TaskReady {
                instance: *instance,
                step: step.clone(),
                lane: lane.clone(),
                back: *back,
                due_at: *due_at,
                unskipped: unskipped.clone(),
            },
            Event::TaskClaimed { instance, actor, .. } => {
                Fact::TaskClaimed { instance: *instance, actor: actor.clone() }
            }
            Event::TaskTransferred { instance, to, .. } => {
                Fact::TaskTransferred { instance: *instance, to: to.clone() }
            }
            Event::TaskReleased { instance, .. } => Fact::TaskReleased { instance: *instance },
            Event::TaskCompleted { instance, actor, vendor, outcome, .. } => Fact::TaskCompleted {
                instance: *instance,
                actor: actor.clone(),
                vendor: vendor.clone(),
                outcome: outcome.clone(),
            },
            Event::Decided { step, branch, next, table, .. } => Fact::Decided {
                step: step.clone(),
                branch: branch.clone(),
                next: next.clone(),
                table: table.as_ref().map(|t| (t.table.clone(), t.rows.clone())),
            },
            Event::BranchesTaken { step, branches, next, .. } => {
                Fact::BranchesTaken { step: step.clone(), branches: branches.clone(), next: next.clone() }
            }
            Event::TaskSkipped { instance, step, .. } => Fact::TaskSkipped { instance: *instance, step: step.clone() },
            Event::TaskCancelled { instance, .. } => Fact::TaskCancelled { instance: *instance },
            Event::ActionQueued { instance, step, attempt, .. } => {
                Fact::ActionQueued { instance: *instance, step: step.clone(), attempt: *attempt }
            }
            Event::ActionSucceeded { instance, started_at, .. } => {
                Fact::ActionSucceeded { instance: *instance, started: started_at.map(|t| t.as_second()) }
            }
            Event::IncidentResolved { instance, .. } => Fact::ActionSucceeded { instance: *instance, started: None },
            Event::ActionFailed { instance, started_at, retry_at, .. } => Fact::ActionFailed {
                instance: *instance,
                started: started_at.map(|t| t.as_second()),
                retry: retry_at.is_some(),
            },
            Event::IncidentRaised { instance, step, .. } => {
                Fact::IncidentRaised { instance: *instance, step: step.clone() }
            }
            Event::IncidentRetried { instance, .. } => Fact::IncidentRetried { instance: *instance },
            Event::WaitStarted { instance, step, customer, partner } => {
                Fact::WaitStarted { instance: *instance, step: step.clone(), kind: WaitKind::of(*customer, *partner) }
            }
            Event::WaitEnded { instance, .. } => Fact::WaitEnded { instance: *instance },
            Event::Held { .. } => Fact::Held,
            Event::Resumed { .. } => Fact::Resumed,
            Event::SentBack { .. } | Event::PulledBack { .. } => Fact::Rework,
            Event::OrderClosed { outcome, .. } => Fact::Closed { outcome: outcome.clone() },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::HistoryEntry;

    /// Every kind the KPIs read parses from its stored form into what the in-memory event gives.
    #[test]
    fn stored_and_in_memory_events_give_the_same_facts() {
        let at = Timestamp::from_second(1_790_000_000).expect("time");
        let events = vec![
            Event::OrderStarted {
                flow: "f".into(),
                version: 1,
                business_key: Some("K".into()),
                vendor: Some("ベンダーA".into()),
                channel: Some("phone".into()),
                received_at: at,
                parent: None,
                data: serde_json::from_str(r#"{"plan":"ギガ"}"#).expect("data"),
            },
            Event::TaskReady {
                instance: 2,
                step: "review".into(),
                lane: "back".into(),
                back: true,
                role: "clerk".into(),
                due_at: Some(at),
                unskipped: Some("amount == 0".into()),
            },
            Event::TaskClaimed { instance: 2, actor: "u1".into(), vendor: None, on_behalf_of: None },
            Event::TaskReleased { instance: 2, actor: "u1".into(), on_behalf_of: None },
            Event::TaskTransferred { instance: 2, from: "u1".into(), to: "u3".into(), on_behalf_of: None },
            Event::TaskCompleted {
                instance: 2,
                step: "review".into(),
                actor: "u2".into(),
                vendor: Some("v".into()),
                outcome: None,
                changes: serde_json::from_str(r#"{"ok":true}"#).expect("data"),
                on_behalf_of: None,
            },
            Event::Decided {
                instance: 7,
                step: "route".into(),
                branch: "plan == \"premium\"".into(),
                next: "review".into(),
                inputs: Default::default(),
                table: Some(crate::machine::TableDecision {
                    table: "t".into(),
                    inputs: Default::default(),
                    rows: vec![3],
                    outputs: Default::default(),
                }),
            },
            Event::BranchesTaken {
                instance: 9,
                step: "split".into(),
                branches: vec!["a".into()],
                next: vec!["x".into()],
                inputs: Default::default(),
            },
            Event::TaskSkipped {
                instance: 3,
                step: "s".into(),
                rule: "r".into(),
                inputs: Default::default(),
                outcome: None,
            },
            Event::TaskCancelled { instance: 4, reason: "x".into() },
            Event::ActionQueued { instance: 5, step: "a".into(), action: "act".into(), attempt: 1 },
            Event::ActionSucceeded { instance: 5, written: Default::default(), started_at: Some(at) },
            Event::ActionFailed {
                instance: 5,
                attempt: 1,
                error: "e".into(),
                retry_at: Some(at),
                started_at: Some(at),
            },
            Event::IncidentRaised { instance: 5, step: "a".into(), message: "m".into() },
            Event::IncidentRetried { instance: 5, actor: "admin".into() },
            Event::IncidentResolved { instance: 5, actor: "admin".into(), written: Default::default() },
            Event::WaitStarted { instance: 6, step: "w".into(), customer: true, partner: false },
            Event::WaitStarted { instance: 8, step: "meter".into(), customer: true, partner: true },
            Event::WaitEnded { instance: 6, by: "signal docs".into(), next: "n".into() },
            Event::Held { actor: "u".into(), reason: "r".into() },
            Event::Resumed { actor: "u".into() },
            Event::SentBack {
                instance: 2,
                from: "b".into(),
                to: "a".into(),
                actor: "u".into(),
                reason: "r".into(),
                on_behalf_of: None,
            },
            Event::PulledBack { instance: 2, step: "a".into(), actor: "u".into(), on_behalf_of: None },
            Event::OrderClosed { outcome: "completed".into(), by: "done".into(), actor: Some("admin".into()) },
        ];
        for event in events {
            let mut body = serde_json::to_value(HistoryEntry { seq: 1, at, event: event.clone() }.event).expect("json");
            let kind = body.as_object_mut().and_then(|o| o.remove("event")).expect("tag");
            let kind = kind.as_str().expect("kind");
            assert!(KINDS.contains(&kind), "{kind} is read");
            let parsed = Fact::parse(kind, &body.to_string()).expect("parses");
            assert_eq!(parsed, Fact::of(&event), "{kind}");
            assert!(parsed.is_some(), "{kind}");
        }
    }

    /// kpi.md, stopped clock: a wait that also listens for a partner's signal runs the clock,
    /// even with a customer arm ("customer cancelled"); rows stored before the engine recorded
    /// `partner` read as they were written.
    #[test]
    fn only_a_wait_for_the_customer_alone_stops_the_clock() {
        let stops = |event: Event| match Fact::of(&event) {
            Some(Fact::WaitStarted { kind, .. }) => kind == WaitKind::Customer,
            other => panic!("{other:?}"),
        };
        let wait = |customer, partner| Event::WaitStarted { instance: 1, step: "w".into(), customer, partner };
        assert!(stops(wait(true, false)), "the customer's documents");
        assert!(!stops(wait(true, true)), "a meter switch, or the customer cancelling");
        assert!(!stops(wait(false, true)), "a partner's report");
        let old = Fact::parse("wait_started", r#"{"instance":1,"step":"w","customer":true}"#).expect("parses");
        assert!(matches!(old, Some(Fact::WaitStarted { kind: WaitKind::Customer, .. })), "{old:?}");
    }
}
