//! The state machine without a database: every command on every node kind, and the wrong
//! commands, each with its typed error. One small flow has every kind of step.

use jiff::Timestamp;
use junro_engine::calendar::Calendar;
use junro_engine::compile::{CompiledFlow, compile};
use junro_engine::machine::{
    self, Activity, Actor, Command, CommandError, Context, Effect, Event, OrderState, Status, Transition,
};
use junro_engine::script::Data;
use serde_json::json;
use std::sync::Arc;

const FLOW: &str = r#"
lane front "フロント" front
lane back "バックオフィス" back
role op "オペレーター"
role rev "審査"
role sv "SV"
action check "確認"
signal arrived "到着" customer

flow t "テスト" {
  data {
    amount "金額" money
    note   "メモ" text required
    ok     "可否" boolean
  }
  start -> intake
  task intake "受付" {
    lane front
    role op
    edit amount, note
    sla 1h
    remind 10m before
    escalate to sv after 30m
    -> auto_check
  }
  auto auto_check "確認" {
    action check
    in amount = amount
    out ok = passed
    retry 2 backoff 10s
    -> route
  }
  decide route "振分" {
    when ok && amount < 1000 -> par
    else -> review
  }
  task review "審査" {
    lane back
    role rev
    sendback intake
    skip when amount == 0 as approve
    sla 4h
    outcome approve "承認" -> par
    outcome reject "却下" -> rejected
  }
  parallel par "並行" {
    -> confirm
    -> wait_arrival
  }
  task confirm "確認連絡" {
    lane front
    role op
    sla 1d
    -> joined
  }
  wait wait_arrival "到着待ち" {
    on arrived -> joined
    after 3d -> joined
  }
  join joined "合流" -> sub
  call sub "子" {
    flow child
    in x = amount
    out note = y
    -> done
  }
  end done "完了" completed
  end rejected "却下" rejected
  scenario "s" {
    expect at intake
  }
}

subflow child "子フロー" {
  data {
    x "x" money
    y "y" text
  }
  start -> c_task
  task c_task "子タスク" {
    lane back
    role rev
    edit y
    sla 1h
    -> c_end
  }
  end c_end "終了" completed
}
"#;

fn flows() -> (Arc<CompiledFlow>, Arc<CompiledFlow>) {
    let mut program = junro_dsl::Program::new();
    program.add("t.flow", FLOW.as_bytes());
    let report = program.check();
    assert_eq!(report.errors(), 0, "{}", report.render(&program));
    let catalog = compile(&program, &report).expect("compiles");
    (catalog.get("t").expect("t").clone(), catalog.get("child").expect("child").clone())
}

fn t0() -> Timestamp {
    "2026-11-24T00:00:00Z".parse().expect("timestamp")
}

fn op(vendor: Option<&str>) -> Actor {
    Actor::person("op1", &["op"], vendor)
}

fn reviewer() -> Actor {
    Actor::person("rev1", &["rev"], None)
}

fn data(v: serde_json::Value) -> Data {
    v.as_object().cloned().unwrap_or_default()
}

/// One order of flow `t`, moved by commands.
struct Order {
    flow: Arc<CompiledFlow>,
    state: OrderState,
    calendar: Calendar,
    now: Timestamp,
    events: Vec<Event>,
    effects: Vec<Effect>,
}

impl Order {
    fn start() -> Order {
        let (flow, _) = flows();
        let calendar = Calendar::default_japan();
        let start = Command::Start {
            id: "o1".into(),
            version: 1,
            business_key: Some("A-1".into()),
            data: Data::new(),
            vendor: None,
            channel: Some("phone".into()),
            received_at: None,
            parent: None,
        };
        let ctx = Context { now: t0(), calendar: &calendar };
        let tr = machine::apply(&flow, &machine::blank_state(), &Actor::system(), &start, &ctx).expect("starts");
        Order { flow, state: tr.state, calendar, now: t0(), events: tr.events, effects: tr.effects }
    }

    fn try_apply(&mut self, actor: &Actor, command: Command) -> Result<Transition, CommandError> {
        let ctx = Context { now: self.now, calendar: &self.calendar };
        let tr = machine::apply(&self.flow, &self.state, actor, &command, &ctx)?;
        self.state = tr.state.clone();
        self.events = tr.events.clone();
        self.effects = tr.effects.clone();
        Ok(tr)
    }

    fn apply(&mut self, actor: &Actor, command: Command) -> Transition {
        let described = format!("{command:?}");
        self.try_apply(actor, command).unwrap_or_else(|e| panic!("{described} failed: {e}"))
    }

    /// The open instance at `step`.
    fn at(&self, step: &str) -> u64 {
        self.state
            .tokens
            .values()
            .find(|t| t.step == step)
            .map(|t| t.instance)
            .unwrap_or_else(|| panic!("nothing open at {step}: {:?}", self.state.tokens))
    }

    fn job(&self) -> u64 {
        self.effects
            .iter()
            .find_map(|e| if let Effect::EnqueueJob { instance, .. } = e { Some(*instance) } else { None })
            .expect("a job")
    }

    fn timer(&self, purpose: fn(&machine::TimerPurpose) -> bool) -> u64 {
        self.state.timers.iter().find(|(_, t)| purpose(&t.purpose)).map(|(id, _)| *id).expect("a timer")
    }

    fn complete_intake(&mut self, amount: i64) {
        let intake = self.at("intake");
        self.apply(
            &op(Some("vendor_a")),
            Command::Complete {
                task: intake, outcome: None, data: data(json!({"amount": amount, "note": "受付済"}))
            },
        );
    }

    fn pass_check(&mut self, passed: bool) {
        let job = self.job();
        self.apply(
            &Actor::system(),
            Command::ActionSucceeded { job, output: data(json!({"passed": passed})), started_at: None },
        );
    }
}

#[test]
fn start_creates_the_first_task_with_its_due_time_and_timers() {
    let order = Order::start();
    let intake = order.at("intake");
    assert!(matches!(order.events[0], Event::OrderStarted { ref flow, .. } if flow == "t"));
    let due: Timestamp = "2026-11-24T01:00:00Z".parse().expect("t");
    assert!(order.events.contains(&Event::TaskReady {
        instance: intake,
        step: "intake".into(),
        lane: "front".into(),
        back: false,
        role: "op".into(),
        due_at: Some(due),
        unskipped: None,
    }));
    let scheduled: Vec<Timestamp> = order
        .effects
        .iter()
        .filter_map(|e| if let Effect::ScheduleTimer { at, .. } = e { Some(*at) } else { None })
        .collect();
    // remind 10m before, due, escalate 30m after due
    assert_eq!(
        scheduled,
        vec!["2026-11-24T00:50:00Z".parse().expect("t"), due, "2026-11-24T01:30:00Z".parse().expect("t")]
    );
    // The state keeps each timer's due time: the store indexes the earliest, the worker fires
    // the due ones from the state.
    let kept: Vec<Timestamp> = order.state.timers.values().map(|t| t.at).collect();
    assert_eq!(kept, scheduled);
}

#[test]
fn claim_release_and_transfer_follow_the_assignee() {
    let mut order = Order::start();
    let intake = order.at("intake");
    order.apply(&op(None), Command::Claim { task: intake });
    let other = Actor::person("op2", &["op"], None);
    assert_eq!(
        order.try_apply(&other, Command::Claim { task: intake }),
        Err(CommandError::ClaimedByOther { task: intake, by: "op1".into() })
    );
    order.apply(&op(None), Command::Transfer { task: intake, to: other.clone() });
    assert!(matches!(order.state.tokens[&intake].activity, Activity::Task { assignee: Some(ref a), .. } if a == "op2"));
    order.apply(&other, Command::Release { task: intake });
    assert_eq!(order.events, vec![Event::TaskReleased { instance: intake, actor: "op2".into(), on_behalf_of: None }]);
}

#[test]
fn completing_the_front_task_records_the_vendor_and_queues_the_action() {
    let mut order = Order::start();
    order.complete_intake(500);
    assert_eq!(order.state.vendor.as_deref(), Some("vendor_a"));
    let job = order.job();
    assert!(order.effects.contains(&Effect::EnqueueJob {
        instance: job,
        action: "check".into(),
        inputs: data(json!({"amount": 500})),
        idempotency_key: format!("o1:{job}"),
        attempt: 1,
        run_at: t0(),
        timeout: None,
    }));
    // The intake's reminder, due and escalation timers are cancelled.
    assert_eq!(order.effects.iter().filter(|e| matches!(e, Effect::CancelTimer { .. })).count(), 3);
}

#[test]
fn a_rule_decides_the_one_stop_path_and_records_its_inputs() {
    let mut order = Order::start();
    order.complete_intake(500);
    order.pass_check(true);
    let decided = order.events.iter().find(|e| matches!(e, Event::Decided { .. })).expect("a decision");
    let Event::Decided { branch, next, inputs, .. } = decided else { unreachable!() };
    assert_eq!((branch.as_str(), next.as_str()), ("ok && amount < 1000", "par"));
    assert_eq!(inputs, &data(json!({"ok": true, "amount": 500})));
    // The parallel split opened both branches: a task and a wait.
    order.at("confirm");
    order.at("wait_arrival");
}

#[test]
fn a_skip_rule_completes_a_back_office_task_without_a_person() {
    let mut order = Order::start();
    order.complete_intake(0);
    order.pass_check(false);
    assert!(
        order.events.iter().any(
            |e| matches!(e, Event::TaskSkipped { step, outcome: Some(o), .. } if step == "review" && o == "approve")
        )
    );
    order.at("confirm");
}

#[test]
fn outcomes_route_and_send_back_reopens_the_earlier_task() {
    let mut order = Order::start();
    order.complete_intake(5000);
    order.pass_check(false);
    let review = order.at("review");
    order.apply(&reviewer(), Command::SendBack { task: review, to: "intake".into(), reason: "金額確認".into() });
    assert!(order.events.iter().any(|e| matches!(e, Event::SentBack { to, .. } if to == "intake")));
    order.complete_intake(5000);
    order.pass_check(false);
    let review = order.at("review");
    order.apply(&reviewer(), Command::Complete { task: review, outcome: Some("reject".into()), data: Data::new() });
    assert!(matches!(order.state.status, Status::Closed { ref outcome, .. } if outcome == "rejected"));
}

#[test]
fn join_waits_for_every_branch_and_a_signal_ends_the_wait() {
    let mut order = Order::start();
    order.complete_intake(500);
    order.pass_check(true);
    let confirm = order.at("confirm");
    order.apply(&op(Some("vendor_a")), Command::Complete { task: confirm, outcome: None, data: Data::new() });
    assert!(order.state.tokens.values().all(|t| t.step != "sub"), "the join must wait for the other branch");
    order.apply(&Actor::system(), Command::Signal { name: "arrived".into(), data: Data::new() });
    assert!(order.events.iter().any(|e| matches!(e, Event::WaitEnded { by, .. } if by == "signal arrived")));
    let call = order.at("sub");
    assert!(order.effects.iter().any(|e| matches!(e, Effect::StartSubflow { flow, data, .. } if flow == "child" && data == &self::data(json!({"x": 500})))));
    order.apply(
        &Actor::system(),
        Command::ChildEnded { call, outcome: "completed".into(), data: data(json!({"x": 500, "y": "子の結果"})) },
    );
    assert_eq!(order.state.data["note"], json!("子の結果"));
    assert!(matches!(order.state.status, Status::Closed { ref outcome, .. } if outcome == "completed"));
}

/// Stop-the-clock SLAs: while the order waits for the customer only (`arrived` is a customer
/// signal), the confirmation task's SLA clock stands still; when the customer's signal ends the
/// wait two hours later, the task is due two hours later, in the queue too.
#[test]
fn a_customer_wait_moves_the_parallel_tasks_due_time_out() {
    let mut order = Order::start();
    order.complete_intake(500);
    order.pass_check(true);
    let confirm = order.at("confirm");
    let due = |order: &Order| match &order.state.tokens[&confirm].activity {
        Activity::Task { due_at, .. } => due_at.expect("a due time"),
        other => panic!("{other:?}"),
    };
    let before = due(&order);
    order.now += jiff::SignedDuration::from_hours(2);
    order.apply(&Actor::system(), Command::Signal { name: "arrived".into(), data: Data::new() });
    assert_eq!(due(&order), before + jiff::SignedDuration::from_hours(2));
    assert!(
        order
            .events
            .iter()
            .any(|e| matches!(e, Event::TaskDueMoved { instance, stopped_s: 7200, .. } if *instance == confirm))
    );
    assert!(order.effects.iter().any(|e| matches!(e, Effect::MoveTaskDue { instance, .. } if *instance == confirm)));
    let due_timer = order.timer(|p| matches!(p, machine::TimerPurpose::Due { .. }));
    assert_eq!(order.state.timers[&due_timer].at, due(&order), "the due timer follows");
}

/// Escalation that acts: once its escalation timer fires, the intake may be taken by the
/// supervisor role too, the queue is told (role and a priority one higher), and the history
/// names where it went; before that a supervisor may not take it.
#[test]
fn an_escalated_task_may_be_taken_by_the_escalation_role() {
    let mut order = Order::start();
    let intake = order.at("intake");
    let supervisor = Actor::person("sv-1", &["sv"], None);
    assert!(matches!(
        order.try_apply(&supervisor, Command::Claim { task: intake }),
        Err(CommandError::NotEligible { .. })
    ));
    let timer = order.timer(|p| matches!(p, machine::TimerPurpose::Escalate { .. }));
    order.apply(&Actor::system(), Command::TimerFired { timer });
    assert!(order.events.iter().any(|e| matches!(e, Event::Escalated { role, priority: Some(2), .. } if role == "sv")));
    assert!(order.effects.iter().any(
        |e| matches!(e, Effect::EscalateTask { instance, role, priority: 2 } if *instance == intake && role == "sv")
    ));
    order.apply(&supervisor, Command::Claim { task: intake });
}

#[test]
fn a_timer_ends_the_wait_and_a_failed_subflow_ends_the_caller() {
    let mut order = Order::start();
    order.complete_intake(500);
    order.pass_check(true);
    let timer = order.timer(|p| matches!(p, machine::TimerPurpose::Wait { .. }));
    order.apply(&Actor::system(), Command::TimerFired { timer });
    assert!(order.events.iter().any(|e| matches!(e, Event::WaitEnded { by, .. } if by == "after")));
    assert_eq!(order.try_apply(&Actor::system(), Command::TimerFired { timer }), Err(CommandError::StaleTimer(timer)));
    let confirm = order.at("confirm");
    order.apply(&op(Some("vendor_a")), Command::Complete { task: confirm, outcome: None, data: Data::new() });
    let call = order.at("sub");
    order.apply(&Actor::system(), Command::ChildEnded { call, outcome: "failed".into(), data: Data::new() });
    assert!(matches!(order.state.status, Status::Closed { ref outcome, .. } if outcome == "failed"));
}

#[test]
fn failed_actions_retry_with_exponential_backoff_then_raise_an_incident() {
    let mut order = Order::start();
    order.complete_intake(500);
    let job = order.job();
    let mut retry_times = Vec::new();
    for _ in 0..2 {
        order.apply(&Actor::system(), Command::ActionFailed { job, error: "timeout".into(), started_at: None });
        let Some(Event::ActionFailed { retry_at: Some(at), .. }) = order.events.first().cloned() else {
            panic!("a retry: {:?}", order.events)
        };
        retry_times.push(at.duration_since(order.now).as_secs());
        let timer = order.timer(|p| matches!(p, machine::TimerPurpose::Retry { .. }));
        order.apply(&Actor::system(), Command::TimerFired { timer });
    }
    assert_eq!(retry_times, vec![10, 20]);
    order.apply(&Actor::system(), Command::ActionFailed { job, error: "timeout".into(), started_at: None });
    assert!(order.events.iter().any(|e| matches!(e, Event::IncidentRaised { step, .. } if step == "auto_check")));
    assert_eq!(
        order.try_apply(&Actor::system(), Command::ActionSucceeded { job, output: Data::new(), started_at: None }),
        Err(CommandError::NoSuchJob(job))
    );
    assert_eq!(order.try_apply(&op(None), Command::RetryIncident { job }), Err(CommandError::NotAdmin("op1".into())));
    order.apply(&Actor::system(), Command::RetryIncident { job });
    assert!(order.effects.iter().any(|e| matches!(e, Effect::EnqueueJob { attempt: 4, .. })));
}

#[test]
fn pull_back_reopens_a_task_while_the_next_one_is_unclaimed() {
    let mut other = Order::start();
    other.complete_intake(5000);
    other.pass_check(false);
    let review = other.at("review");
    other.apply(&reviewer(), Command::Complete { task: review, outcome: Some("approve".into()), data: Data::new() });
    let next_confirm = other.at("confirm");
    assert_eq!(
        other.try_apply(&Actor::person("rev2", &["rev"], None), Command::PullBack { task: review }),
        Err(CommandError::NoPullBack {
            task: review,
            reason: "only the person who completed it (or their deputy) may pull it back".into()
        })
    );
    other.apply(&reviewer(), Command::PullBack { task: review });
    assert!(other.events.contains(&Event::TaskCancelled { instance: next_confirm, reason: "pulled back".into() }));
    let reopened = other.at("review");
    assert!(
        matches!(other.state.tokens[&reopened].activity, Activity::Task { assignee: Some(ref a), .. } if a == "rev1")
    );
    // The wait opened by the same completion was withdrawn with its timer.
    assert!(other.state.tokens.values().all(|t| t.step != "wait_arrival"));
    assert!(other.state.timers.values().all(|t| !matches!(t.purpose, machine::TimerPurpose::Wait { .. })));
}

#[test]
fn hold_resume_and_cancel() {
    let mut order = Order::start();
    let intake = order.at("intake");
    order.apply(&Actor::system(), Command::Hold { reason: "お客様都合".into() });
    assert_eq!(order.try_apply(&op(None), Command::Claim { task: intake }), Err(CommandError::OnHold("o1".into())));
    order.apply(&Actor::system(), Command::Resume);
    assert_eq!(order.try_apply(&Actor::system(), Command::Resume), Err(CommandError::NotOnHold("o1".into())));
    assert_eq!(
        order.try_apply(&op(None), Command::Cancel { reason: "x".into() }),
        Err(CommandError::NotAdmin("op1".into()))
    );
    order.apply(&Actor::system(), Command::Cancel { reason: "お客様取消".into() });
    assert!(order.effects.contains(&Effect::CloseTask { instance: intake }));
    assert_eq!(order.try_apply(&op(None), Command::Claim { task: intake }), Err(CommandError::Closed("o1".into())));
}

/// The wrong commands, each with the typed error it must give; the state must not change.
#[test]
fn wrong_commands_give_typed_errors_and_change_nothing() {
    type Case = (&'static str, fn(&mut Order), Actor, fn(&Order) -> Command, fn(&Order) -> CommandError);
    let cases: Vec<Case> = vec![
        (
            "complete a task twice",
            |o| o.complete_intake(500),
            op(Some("vendor_a")),
            |_| Command::Complete { task: 1, outcome: None, data: Data::new() },
            |_| CommandError::NoSuchTask(1),
        ),
        (
            "claim without the role",
            |_| {},
            reviewer(),
            |o| Command::Claim { task: o.at("intake") },
            |o| CommandError::NotEligible {
                actor: "rev1".into(),
                task: o.at("intake"),
                reason: "the task needs role `op`".into(),
            },
        ),
        (
            "another vendor's operator claims",
            |o| {
                o.complete_intake(500);
                o.pass_check(true);
            },
            op(Some("vendor_b")),
            |o| Command::Claim { task: o.at("confirm") },
            |o| CommandError::NotEligible {
                actor: "op1".into(),
                task: o.at("confirm"),
                reason: "the order belongs to vendor `vendor_a`".into(),
            },
        ),
        (
            "an outcome on a task without outcomes",
            |_| {},
            op(None),
            |o| Command::Complete { task: o.at("intake"), outcome: Some("ok".into()), data: Data::new() },
            |o| CommandError::BadOutcome { task: o.at("intake"), reason: "the task has no outcome `ok`".into() },
        ),
        (
            "no outcome on a task with outcomes",
            |o| {
                o.complete_intake(5000);
                o.pass_check(false);
            },
            reviewer(),
            |o| Command::Complete { task: o.at("review"), outcome: None, data: Data::new() },
            |o| CommandError::BadOutcome { task: o.at("review"), reason: "choose an outcome: approve, reject".into() },
        ),
        (
            "a required field left empty",
            |_| {},
            op(None),
            |o| Command::Complete { task: o.at("intake"), outcome: None, data: data(json!({"amount": 1})) },
            |_| CommandError::BadData { field: "note".into(), reason: "task `intake` requires it".into() },
        ),
        (
            "a field of the wrong type",
            |_| {},
            op(None),
            |o| Command::Complete {
                task: o.at("intake"),
                outcome: None,
                data: data(json!({"amount": "多い", "note": "x"})),
            },
            |_| CommandError::BadData {
                field: "amount".into(),
                reason: "\"多い\" is not a valid amount of money".into(),
            },
        ),
        (
            "a field the form may not edit",
            |_| {},
            op(None),
            |o| Command::Complete { task: o.at("intake"), outcome: None, data: data(json!({"ok": true, "note": "x"})) },
            |_| CommandError::BadData { field: "ok".into(), reason: "task `intake` may not change it".into() },
        ),
        (
            "a signal nobody waits for",
            |_| {},
            Actor::system(),
            |_| Command::Signal { name: "arrived".into(), data: Data::new() },
            |_| CommandError::NoWaiter { order: "o1".into(), signal: "arrived".into() },
        ),
        (
            "a send-back to a task not listed",
            |o| {
                o.complete_intake(5000);
                o.pass_check(false);
            },
            reviewer(),
            |o| Command::SendBack { task: o.at("review"), to: "confirm".into(), reason: String::new() },
            |o| CommandError::BadSendBack { task: o.at("review"), to: "confirm".into() },
        ),
        (
            "a result for a job that is not pending",
            |_| {},
            Actor::system(),
            |_| Command::ActionSucceeded { job: 99, output: Data::new(), started_at: None },
            |_| CommandError::NoSuchJob(99),
        ),
        (
            "a timer that is not pending",
            |_| {},
            Actor::system(),
            |_| Command::TimerFired { timer: 99 },
            |_| CommandError::StaleTimer(99),
        ),
        (
            "retry where there is no incident",
            |_| {},
            Actor::system(),
            |o| Command::RetryIncident { job: o.at("intake") },
            |o| CommandError::NoIncident(o.at("intake")),
        ),
        (
            "pull back a task never completed",
            |_| {},
            op(None),
            |o| Command::PullBack { task: o.at("intake") },
            |o| CommandError::NoPullBack { task: o.at("intake"), reason: "it was not completed".into() },
        ),
        (
            "release a task nobody claimed",
            |_| {},
            op(None),
            |o| Command::Release { task: o.at("intake") },
            |o| CommandError::NotEligible {
                actor: "op1".into(),
                task: o.at("intake"),
                reason: "the task is not claimed".into(),
            },
        ),
        (
            "resume an order not on hold",
            |_| {},
            Actor::system(),
            |_| Command::Resume,
            |_| CommandError::NotOnHold("o1".into()),
        ),
    ];
    for (name, setup, actor, command, expected) in cases {
        let mut order = Order::start();
        setup(&mut order);
        let before = order.state.clone();
        let command = command(&order);
        let expected = expected(&order);
        assert_eq!(order.try_apply(&actor, command), Err(expected), "{name}");
        assert_eq!(order.state, before, "{name}: the state must not change");
    }
}

#[test]
fn a_runaway_condition_becomes_an_incident_not_a_hang() {
    let source = r#"
lane front "F" front
role op "op"
rules "loop.rhai" {
  spin -> boolean
}
flow r "R" {
  data {
    n "n" integer
  }
  start -> d
  decide d "判定" {
    when spin(n) -> e
    else -> e
  }
  end e "完了" completed
  scenario "s" {
    expect at d
  }
}
"#;
    let mut program = junro_dsl::Program::new();
    program.add("r.flow", source.as_bytes());
    program.add("loop.rhai", b"fn spin(n) { let i = 0; loop { i += 1; } }");
    let report = program.check();
    let catalog = compile(&program, &report).expect("compiles");
    let flow = catalog.get("r").expect("r");
    let calendar = Calendar::default_japan();
    let ctx = Context { now: t0(), calendar: &calendar };
    let start = Command::Start {
        id: "o".into(),
        version: 1,
        business_key: None,
        data: Data::new(),
        vendor: None,
        channel: None,
        received_at: None,
        parent: None,
    };
    let tr = machine::apply(flow, &machine::blank_state(), &Actor::system(), &start, &ctx).expect("starts");
    let incident = tr.events.iter().find_map(|e| {
        if let Event::IncidentRaised { step, message, .. } = e { Some((step.clone(), message.clone())) } else { None }
    });
    let (step, message) = incident.expect("an incident");
    assert_eq!(step, "d");
    assert!(message.contains("spin(n)") && message.contains("Too many operations"), "{message}");
    assert!(matches!(tr.state.tokens.values().next().map(|t| &t.activity), Some(Activity::Stuck { .. })));
}
