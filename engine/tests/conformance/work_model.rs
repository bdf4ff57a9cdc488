//! Conformance cases of the work model people rely on (issue 15) and of incidents: hold that
//! holds, stop-the-clock due times, escalation, signals kept for their wait or correlated by a
//! field, version migration, take-next in a deep queue, who cancelled and who signalled,
//! release, transfer and pull-back, the queue's order, incidents. Each runs on SQLite and on
//! PostgreSQL like the rest of the suite (`conformance.rs`).

use super::*;
use junro_engine::store::IncidentFilter;

/// Hold must hold: while an order is on hold its job is not run, its wait's timer does not fire
/// and its task is not offered by take-next; after resume each goes on.
pub(super) async fn hold_holds_jobs_timers_and_tasks(backend: &Backend) {
    let (engine, clock, calls) = setup(backend).await;
    let admin = Actor::system();
    let id = engine.start("order", basic()).await.expect("starts");
    complete_intake(&engine, &id, "basic").await;
    engine.apply(&id, &admin, Command::Hold { reason: "お客様都合".into() }).await.expect("holds");
    assert_eq!(engine.run_due().await.expect("a round with the order held"), 0);
    assert_eq!(calls.load(Ordering::SeqCst), 0, "no job of a held order runs");
    engine.apply(&id, &admin, Command::Resume).await.expect("resumes");
    engine.run_due().await.expect("runs the job");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let at = |state: &junro_engine::machine::OrderState, step: &str| state.tokens.values().any(|t| t.step == step);
    assert!(at(&engine.order(&id).await.expect("order").state, "wait_work"), "the job ran after resume");

    engine.apply(&id, &admin, Command::Hold { reason: "工事日調整".into() }).await.expect("holds");
    clock.advance(3 * 86_400 + 60);
    assert_eq!(engine.run_due().await.expect("a round with the order held"), 0, "the wait's timer waits");
    assert!(at(&engine.order(&id).await.expect("order").state, "wait_work"), "still waiting while held");
    engine.apply(&id, &admin, Command::Resume).await.expect("resumes");
    engine.run_due().await.expect("fires the deferred timer");
    let order = engine.order(&id).await.expect("order");
    assert!(order.history.iter().any(|h| matches!(&h.event, Event::WaitEnded { by, .. } if by == "after")));

    // A held order's task is not offered, and take-next goes past it to the next one.
    let held = engine
        .start("order", StartOrder { business_key: Some("A-0002".into()), ..StartOrder::default() })
        .await
        .expect("starts");
    clock.advance(60);
    let other = engine
        .start("order", StartOrder { business_key: Some("A-0003".into()), ..StartOrder::default() })
        .await
        .expect("starts");
    engine.apply(&held, &admin, Command::Hold { reason: "確認中".into() }).await.expect("holds");
    let person = operator("vendor_a");
    let taken = engine.take_next(&person).await.expect("takes").expect("a task");
    assert_eq!(taken.order, other, "the held order's older task is passed over");
    assert_eq!(engine.take_next(&person).await.expect("takes"), None, "nothing else is takeable");
}

/// Stop-the-clock SLAs: an order held for 30 minutes has its open task due 30 minutes later,
/// in the queue too, and the task's reminder follows its due time.
pub(super) async fn a_hold_moves_the_open_tasks_due_times_out(backend: &Backend) {
    let (engine, clock, _) = setup(backend).await;
    let admin = Actor::system();
    let id = engine.start("reminded", StartOrder::default()).await.expect("starts");
    let due = |tasks: &[junro_engine::store::TaskRow]| tasks.first().and_then(|t| t.due_at).expect("a due time");
    let filter = TaskFilter { order: Some(id.clone()), ..TaskFilter::default() };
    let before = due(&engine.tasks(&filter).await.expect("tasks"));
    assert_eq!(before, t0() + jiff::SignedDuration::from_hours(1));
    clock.advance(600);
    engine.apply(&id, &admin, Command::Hold { reason: "お客様不在".into() }).await.expect("holds");
    clock.advance(1800);
    engine.apply(&id, &admin, Command::Resume).await.expect("resumes");
    let after = due(&engine.tasks(&filter).await.expect("tasks"));
    assert_eq!(after, before + jiff::SignedDuration::from_mins(30), "the queue's due time moved out");
    let state = engine.order(&id).await.expect("order").state;
    let remind =
        state.timers.values().find(|t| matches!(t.purpose, junro_engine::machine::TimerPurpose::Remind { .. }));
    assert_eq!(remind.map(|t| t.at), Some(after - jiff::SignedDuration::from_mins(1)), "the reminder follows");
    let history = engine.order(&id).await.expect("order").history;
    assert!(history.iter().any(|h| matches!(&h.event, Event::TaskDueMoved { stopped_s: 1800, .. })));
    // The reminder fires at its new time, not at the old one.
    clock.advance(60 * 60 - 600 - 1800 - 60 + 60);
    engine.run_due().await.expect("a round");
    let reminded =
        |h: &[junro_engine::store::HistoryEntry]| h.iter().any(|e| matches!(e.event, Event::Reminded { .. }));
    assert!(!reminded(&engine.order(&id).await.expect("order").history), "not at the old reminder time");
    clock.advance(1800);
    engine.run_due().await.expect("a round");
    assert!(reminded(&engine.order(&id).await.expect("order").history), "at the new one");
}

/// Escalation that acts: ten minutes after its due time an open task is offered to the
/// escalation role as well, one priority higher, in the queue of both databases.
pub(super) async fn an_escalated_task_is_offered_to_the_escalation_role(backend: &Backend) {
    let (engine, clock, _) = setup(backend).await;
    let id = engine.start("reminded", StartOrder::default()).await.expect("starts");
    let reviewer = Actor::person("rev-1", &["reviewer"], None);
    assert_eq!(engine.take_next(&reviewer).await.expect("takes"), None, "not the reviewer's yet");
    clock.advance(3600 + 600);
    while engine.run_due().await.expect("a round") > 0 {}
    let task = engine.take_next(&reviewer).await.expect("takes").expect("offered to the reviewer now");
    assert_eq!((task.order.as_str(), task.role.as_str(), task.priority), (id.as_str(), "reviewer", 2));
    let history = engine.order(&id).await.expect("order").history;
    assert!(
        history
            .iter()
            .any(|h| matches!(&h.event, Event::Escalated { role, priority: Some(2), .. } if role == "reviewer"))
    );
    engine.complete(&id, task.instance, &reviewer, None, Default::default()).await.expect("the reviewer completes it");
}

/// Messages wait for their receiver: a signal that arrives before its wait is kept and ends
/// the wait the moment the order reaches it; one kept longer than the signal's `keep` (2 days
/// here), and one for an order number no order has, are listed as lost, not dropped silently.
pub(super) async fn an_early_signal_is_kept_for_its_wait_and_a_stale_one_is_listed(backend: &Backend) {
    let (engine, clock, _) = setup(backend).await;
    let partner = Actor::person("partner-gw", &[], None);
    let id = engine.start("order", basic()).await.expect("starts");
    let outcome = engine.signal_from(&partner, "A-0001", "done_signal", Default::default()).await.expect("kept");
    assert_eq!(outcome, junro_engine::runtime::signals::SignalOutcome::Kept);
    complete_intake(&engine, &id, "basic").await;
    engine.run_due().await.expect("the job runs and the order reaches its wait");
    let order = engine.order(&id).await.expect("order");
    assert!(order.state.tokens.values().all(|t| t.step != "wait_work"), "the kept signal ended the wait at once");
    assert!(order.state.inbox.is_empty());
    assert!(
        order.history.iter().any(|h| matches!(&h.event, Event::WaitEnded { by, .. } if by == "signal done_signal"))
    );

    let stale = engine
        .start("order", StartOrder { business_key: Some("A-0002".into()), ..StartOrder::default() })
        .await
        .expect("starts");
    engine.signal_from(&partner, "A-0002", "done_signal", Default::default()).await.expect("kept");
    clock.advance(2 * 86_400 + 1);
    while engine.run_due().await.expect("a round") > 0 {}
    assert!(engine.order(&stale).await.expect("order").state.inbox.is_empty(), "dropped after two days");
    match engine.signal_from(&partner, "NOPE-1", "done_signal", Default::default()).await {
        Err(EngineError::UnknownOrder(key)) => assert_eq!(key, "NOPE-1"),
        other => panic!("no order has that number: {other:?}"),
    }
    let lost = engine.lost_signals(&junro_engine::store::LostSignalFilter::default()).await.expect("lost signals");
    let rows: Vec<(Option<&str>, &str, &str)> =
        lost.iter().map(|l| (l.business_key.as_deref(), l.signal.as_str(), l.reason.as_str())).collect();
    assert_eq!(
        rows,
        vec![(Some("A-0002"), "done_signal", "expired"), (Some("NOPE-1"), "done_signal", "no such order")]
    );
    assert!(lost.iter().all(|l| l.sender.as_deref() == Some("partner-gw")));

    // A held order keeps the signal too, and its wait takes it when the order is resumed.
    let held = engine
        .start("order", StartOrder { business_key: Some("A-0003".into()), ..StartOrder::default() })
        .await
        .expect("starts");
    complete_intake(&engine, &held, "basic").await;
    while engine.run_due().await.expect("a round") > 0 {}
    engine.apply(&held, &Actor::system(), Command::Hold { reason: "確認中".into() }).await.expect("holds");
    let outcome = engine.signal_from(&partner, "A-0003", "done_signal", Default::default()).await.expect("kept");
    assert_eq!(outcome, junro_engine::runtime::signals::SignalOutcome::Kept);
    assert!(
        engine.order(&held).await.expect("order").state.tokens.values().any(|t| t.step == "wait_work"),
        "held: nothing moves"
    );
    engine.apply(&held, &Actor::system(), Command::Resume).await.expect("resumes");
    let order = engine.order(&held).await.expect("order");
    assert!(order.state.tokens.values().all(|t| t.step != "wait_work"), "the kept signal ended the wait on resume");
}

/// Version migration: the flow changes (the note becomes required); a dry run says which open
/// orders would move and why the others cannot; the move records itself in each order's
/// history, the order runs the new version from then on, and the one that cannot stays.
pub(super) async fn open_orders_move_to_a_new_version_where_they_fit(backend: &Backend) {
    let (engine, _, _) = setup(backend).await;
    let admin = Actor { admin: true, ..Actor::person("admin-1", &[], None) };
    let with_note = StartOrder {
        business_key: Some("M-1".into()),
        data: json!({"note": "至急"}).as_object().cloned().unwrap_or_default(),
        ..StartOrder::default()
    };
    let fits = engine.start("order", with_note).await.expect("starts");
    let lacks = engine
        .start("order", StartOrder { business_key: Some("M-2".into()), ..StartOrder::default() })
        .await
        .expect("starts");
    let v2 = FLOWS.replace("    note \"メモ\" text\n", "    note \"メモ\" text required\n");
    assert_ne!(v2, FLOWS);
    engine.deploy(&[flows_dir(&v2)], None).await.expect("version 2 deploys");
    let verdicts = engine.migrate("order", 2, None, true, &admin).await.expect("a dry run");
    let of = |verdicts: &[junro_engine::runtime::migrate::MigrationVerdict], id: &str| {
        verdicts.iter().find(|v| v.order == id).map(|v| v.blocked.clone()).expect("a verdict")
    };
    assert_eq!(of(&verdicts, &fits), None);
    assert!(of(&verdicts, &lacks).is_some_and(|why| why.contains("`note` is now required")), "{verdicts:?}");
    assert_eq!(engine.order(&fits).await.expect("order").state.version, 1, "a dry run moves nothing");
    let verdicts = engine.migrate("order", 2, None, false, &admin).await.expect("moves");
    assert_eq!(of(&verdicts, &fits), None);
    let moved = engine.order(&fits).await.expect("order");
    assert_eq!(moved.state.version, 2);
    assert!(
        moved
            .history
            .iter()
            .any(|h| matches!(&h.event, Event::FlowMigrated { from: 1, to: 2, actor } if actor == "admin-1"))
    );
    let listed = engine
        .orders(&OrderFilter { business_key: Some("M-1".into()), ..OrderFilter::default() })
        .await
        .expect("orders");
    assert_eq!(listed[0].version, 2, "the order list says the new version");
    assert_eq!(engine.order(&lacks).await.expect("order").state.version, 1);
    // It goes on under version 2.
    complete_intake(&engine, &fits, "basic").await;
}

/// Signals correlate by a field: the partner reports by line number, the engine finds the open
/// order with that line; a number no open order has is listed as lost with the reason.
pub(super) async fn a_signal_finds_its_order_by_the_field_it_correlates_on(backend: &Backend) {
    let (engine, _, _) = setup(backend).await;
    let partner = Actor::person("partner-gw", &[], None);
    let line = |id: &str| StartOrder {
        data: json!({"line_id": id}).as_object().cloned().unwrap_or_default(),
        ..StartOrder::default()
    };
    let first = engine.start("line_work", line("L-7")).await.expect("starts");
    let other = engine.start("line_work", line("L-8")).await.expect("starts");
    let sent = engine
        .signal_by_correlation(&partner, "line_done", &json!("L-7"), Default::default())
        .await
        .expect("sent")
        .expect("the signal correlates on a field");
    assert_eq!(sent, (first.clone(), junro_engine::runtime::signals::SignalOutcome::Delivered));
    assert!(matches!(
        engine.order(&first).await.expect("order").state.status,
        junro_engine::machine::Status::Closed { .. }
    ));
    assert!(matches!(engine.order(&other).await.expect("order").state.status, junro_engine::machine::Status::Open));
    match engine.signal_by_correlation(&partner, "line_done", &json!("L-9"), Default::default()).await {
        Err(EngineError::UnknownOrder(what)) => assert_eq!(what, "line_id = L-9"),
        other => panic!("no open order has line L-9: {other:?}"),
    }
    let lost = engine.lost_signals(&junro_engine::store::LostSignalFilter::default()).await.expect("lost");
    assert_eq!(lost.iter().map(|l| l.reason.as_str()).collect::<Vec<_>>(), vec!["no open order with line_id = L-9"]);
    let by_number = engine.signal_by_correlation(&partner, "done_signal", &json!("x"), Default::default()).await;
    assert!(matches!(by_number, Ok(None)), "done_signal is addressed by order number only");
}

/// Take-next considers all eligible work: with more held orders ahead in the queue than one
/// page of candidates, the open order behind them is still found.
pub(super) async fn take_next_considers_all_eligible_work(backend: &Backend) {
    let (engine, clock, _) = setup(backend).await;
    let starts = (0..150)
        .map(|n| junro_engine::BatchItem::Start {
            flow: "order".into(),
            order: StartOrder { business_key: Some(format!("H-{n}")), ..StartOrder::default() },
        })
        .collect();
    let held: Vec<String> = engine.apply_batch(starts).await.into_iter().flatten().flatten().collect();
    assert_eq!(held.len(), 150);
    let holds = held
        .iter()
        .map(|order| junro_engine::BatchItem::Apply {
            order: order.clone(),
            actor: Actor::system(),
            command: Command::Hold { reason: "書類待ち".into() },
        })
        .collect();
    assert!(engine.apply_batch(holds).await.iter().all(Result::is_ok));
    clock.advance(60);
    let open = engine.start("order", basic()).await.expect("starts");
    let taken = engine.take_next(&operator("vendor_a")).await.expect("takes").expect("the open order's task");
    assert_eq!(taken.order, open);
}

/// Cancellation and signals record who: the close event keeps the cancelling administrator,
/// the signal its sender, and both read back from the store and in the history's words.
pub(super) async fn cancellation_and_signals_record_who(backend: &Backend) {
    let (engine, _, _) = setup(backend).await;
    let id = engine.start("order", basic()).await.expect("starts");
    complete_intake(&engine, &id, "basic").await;
    engine.run_due().await.expect("the job runs");
    let partner = Actor::person("partner-gw", &[], None);
    engine.signal_from(&partner, "A-0001", "done_signal", Default::default()).await.expect("signals");
    let admin = Actor { admin: true, ..Actor::person("admin-1", &[], None) };
    engine.apply(&id, &admin, Command::Cancel { reason: "お客様より取消".into() }).await.expect("cancels");
    let order = engine.order(&id).await.expect("order");
    assert!(
        order
            .history
            .iter()
            .any(|h| matches!(&h.event, Event::SignalReceived { sender: Some(s), .. } if s == "partner-gw"))
    );
    assert!(order.history.iter().any(|h| matches!(
        &h.event,
        Event::OrderClosed { outcome, actor: Some(a), .. } if outcome == "cancelled" && a == "admin-1"
    )));
    let words: Vec<String> = order.history.iter().map(|h| junro_engine::explain::describe(&h.event, None)).collect();
    assert!(words.iter().any(|w| w.contains("from partner-gw")), "{words:?}");
    assert!(words.iter().any(|w| w.contains("cancelled by admin-1")), "{words:?}");
}

/// A task claimed, released, claimed again, transferred to a colleague, completed by them and
/// pulled back, as people do it; every step recorded with who did it.
pub(super) async fn tasks_are_released_transferred_and_pulled_back(backend: &Backend) {
    let (engine, _, _) = setup(backend).await;
    let (first, second) = (operator("vendor_a"), Actor::person("op-vendor_a-2", &["operator"], Some("vendor_a")));
    let id = engine.start("order", basic()).await.expect("starts");
    let task = task_at(&engine, &id, "intake").await;
    engine.apply(&id, &first, Command::Claim { task }).await.expect("claims");
    match engine.apply(&id, &second, Command::Claim { task }).await {
        Err(EngineError::Command(CommandError::ClaimedByOther { by, .. })) => assert_eq!(by, first.id),
        other => panic!("a claimed task is not claimed twice: {other:?}"),
    }
    engine.apply(&id, &first, Command::Release { task }).await.expect("releases");
    engine.apply(&id, &first, Command::Claim { task }).await.expect("claims again");
    engine.apply(&id, &first, Command::Transfer { task, to: second.clone() }).await.expect("transfers");
    let form = json!({ "plan": "premium" }).as_object().cloned().unwrap_or_default();
    engine.complete(&id, task, &second, None, form).await.expect("the colleague completes it");
    let review = task_at(&engine, &id, "review").await;
    match engine.apply(&id, &first, Command::PullBack { task }).await {
        Err(EngineError::Command(CommandError::NoPullBack { .. })) => {}
        other => panic!("only who completed it pulls it back: {other:?}"),
    }
    engine.apply(&id, &second, Command::PullBack { task }).await.expect("pulls back");
    let state = engine.order(&id).await.expect("order").state;
    assert!(!state.tokens.contains_key(&review), "the review is withdrawn");
    let reopened = state.tokens.values().find(|t| t.step == "intake").expect("the intake is open again");
    assert!(
        matches!(&reopened.activity, junro_engine::machine::Activity::Task { assignee: Some(a), .. } if *a == second.id),
        "and back with who pulled it back: {reopened:?}"
    );
    let history = engine.order(&id).await.expect("order").history;
    let kinds: Vec<&str> = history
        .iter()
        .filter_map(|h| match &h.event {
            Event::TaskClaimed { .. } => Some("claimed"),
            Event::TaskReleased { .. } => Some("released"),
            Event::TaskTransferred { .. } => Some("transferred"),
            Event::TaskCompleted { .. } => Some("completed"),
            Event::PulledBack { .. } => Some("pulled back"),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, vec!["claimed", "released", "claimed", "transferred", "completed", "pulled back", "claimed"]);
}

/// The queue puts the most urgent first: by due time (earliest first, a task without one last),
/// then by ready time; take-next takes in that order.
pub(super) async fn the_queue_orders_tasks_by_due_time_then_ready_time(backend: &Backend) {
    let (engine, clock, _) = setup(backend).await;
    let early = engine.start("order", basic()).await.expect("starts"); // due in 1 h
    clock.advance(600);
    let undated = engine.start("undated", StartOrder::default()).await.expect("starts"); // no due time
    clock.advance(600);
    let later = engine.start("reminded", StartOrder::default()).await.expect("starts"); // due 1 h 20 min after the first
    let queue = engine.tasks(&TaskFilter { unclaimed: true, ..TaskFilter::default() }).await.expect("queue");
    let order: Vec<&str> = queue.iter().map(|t| t.order.as_str()).collect();
    assert_eq!(order, vec![early.as_str(), later.as_str(), undated.as_str()], "{queue:?}");
    // Read a page at a time, each after the last task of the one before: the same queue.
    let (mut paged, mut after) = (Vec::new(), None);
    loop {
        let page = TaskFilter { unclaimed: true, after, limit: Some(1), ..TaskFilter::default() };
        let rows = engine.tasks(&page).await.expect("page");
        let Some(last) = rows.last() else { break };
        after = Some(last.position());
        paged.extend(rows.iter().map(|t| t.order.clone()));
    }
    assert_eq!(paged, order, "paging with `after` gives the queue's order");
    // The queue's length, whatever the page size.
    let one_row = TaskFilter { unclaimed: true, limit: Some(1), ..TaskFilter::default() };
    assert_eq!(engine.count_tasks(&one_row).await.expect("count"), 3);
    let no_role = TaskFilter { roles: Some(Vec::new()), ..TaskFilter::default() };
    assert_eq!(engine.count_tasks(&no_role).await.expect("count"), 0);
    let person = operator("vendor_a");
    let mut taken = Vec::new();
    while let Some(task) = engine.take_next(&person).await.expect("takes") {
        taken.push(task.order);
    }
    assert_eq!(taken, vec![early, later, undated]);
}

/// Orders whose action keeps failing are listed as incidents (flow, step, attempts, message);
/// one is resolved with the result the action should have given and goes on with it, the other
/// is cancelled; both leave the list, and a resolution that lacks an output is refused.
pub(super) async fn incidents_are_listed_then_resolved_or_cancelled(backend: &Backend) {
    let (engine, clock, _) = setup(backend).await;
    engine.register_action("provision", |_request: ActionRequest| async {
        Err::<junro_engine::script::Data, String>("the provisioning system is down".into())
    });
    let mut orders = Vec::new();
    for key in ["INC-1", "INC-2"] {
        let start =
            StartOrder { business_key: Some(key.into()), vendor: Some("vendor_a".into()), ..StartOrder::default() };
        let id = engine.start("order", start).await.expect("starts");
        complete_intake(&engine, &id, "basic").await;
        orders.push(id);
    }
    for wait in [0, 10, 20] {
        clock.advance(wait);
        while engine.run_due().await.expect("runs") > 0 {}
    }
    let all = engine.incidents(&IncidentFilter::default()).await.expect("incidents");
    assert_eq!(all.len(), 2, "{all:?}");
    for row in &all {
        assert_eq!((row.flow.as_str(), row.step.as_str(), row.attempts), ("order", "provision_step", 3), "{row:?}");
        assert!(row.message.contains("the provisioning system is down"), "{row:?}");
        assert_eq!(row.vendor.as_deref(), Some("vendor_a"));
    }
    let filtered = IncidentFilter { step: Some("intake".into()), ..IncidentFilter::default() };
    assert!(engine.incidents(&filtered).await.expect("incidents").is_empty(), "no incident at intake");
    let first = all.iter().find(|r| r.order == orders[0]).expect("the first order's incident");
    let admin = Actor::system();
    let lacking = Command::ResolveIncident { job: first.instance, output: Default::default() };
    match engine.apply(&orders[0], &admin, lacking).await {
        Err(EngineError::Command(CommandError::CannotResolve { reason, .. })) => {
            assert!(reason.contains("line_id"), "names the missing output: {reason}");
        }
        other => panic!("a result without line_id is refused, not {other:?}"),
    }
    let output = json!({"line_id": "L-MANUAL"}).as_object().cloned().unwrap_or_default();
    let resolve = Command::ResolveIncident { job: first.instance, output };
    engine.apply(&orders[0], &admin, resolve).await.expect("resolves");
    let order = engine.order(&orders[0]).await.expect("order");
    assert_eq!(order.state.data.get("line_id"), Some(&json!("L-MANUAL")));
    assert!(order.state.tokens.values().any(|t| t.step == "wait_work"), "the order went on to its wait");
    assert!(
        order.history.iter().any(|h| matches!(&h.event, Event::IncidentResolved { actor, .. } if *actor == admin.id))
    );
    let left = engine.incidents(&IncidentFilter::default()).await.expect("incidents");
    assert_eq!(left.iter().map(|r| r.order.as_str()).collect::<Vec<_>>(), vec![orders[1].as_str()]);
    engine.apply(&orders[1], &admin, Command::Cancel { reason: "回線手配不可".into() }).await.expect("cancels");
    assert!(engine.incidents(&IncidentFilter::default()).await.expect("incidents").is_empty());
}

/// Deputies (代理): a principal names a deputy for a period; the deputy finishes what the
/// principal holds and takes from the principal's queue, each event saying on whose behalf;
/// a deputy's deputy may not act for the first principal; an ended or future deputyship does
/// not count; deputies work within one vendor.
pub(super) async fn a_deputy_works_the_principals_tasks_on_their_behalf(backend: &Backend) {
    use junro_engine::DeputyError;
    use junro_engine::store::DeputyFilter;
    let (engine, clock, _) = setup(backend).await;
    let tanaka = Actor::person("tanaka", &["operator"], Some("vendor_a"));
    let sato = Actor::person("sato", &[], Some("vendor_a"));
    let kato = Actor::person("kato", &[], Some("vendor_a"));
    let suzuki = Actor::person("suzuki", &["operator"], Some("vendor_b"));
    let week = t0() + jiff::SignedDuration::from_hours(7 * 24);
    fn refused<T: std::fmt::Debug>(result: Result<T, EngineError>) -> DeputyError {
        match result {
            Err(EngineError::Deputy(e)) => e,
            other => panic!("expected a deputy refusal, got {other:?}"),
        }
    }
    assert!(matches!(refused(engine.acting_for(&sato, &tanaka).await), DeputyError::NotDeputy { .. }));
    assert!(matches!(
        refused(engine.name_deputy(&sato, &tanaka, &sato, t0(), week).await),
        DeputyError::NotAllowed { .. }
    ));
    assert!(matches!(
        refused(engine.name_deputy(&tanaka, &tanaka, &suzuki, t0(), week).await),
        DeputyError::OtherVendor { .. }
    ));
    assert!(matches!(
        refused(engine.name_deputy(&tanaka, &tanaka, &tanaka, t0(), week).await),
        DeputyError::SamePerson(_)
    ));
    assert!(matches!(
        refused(engine.name_deputy(&tanaka, &tanaka, &sato, week, t0()).await),
        DeputyError::BadPeriod { .. }
    ));
    let named = engine.name_deputy(&tanaka, &tanaka, &sato, t0(), week).await.expect("names a deputy");

    // Tanaka took an order's intake and went on leave: Sato finishes it on Tanaka's behalf.
    let first = engine.start("order", basic()).await.expect("starts");
    let held = engine.take_next(&tanaka).await.expect("takes").expect("a task");
    assert!(
        matches!(
            engine.apply(&first, &sato, Command::Release { task: held.instance }).await,
            Err(EngineError::Command(CommandError::ClaimedByOther { .. }))
        ),
        "as themselves, Sato may not touch Tanaka's task"
    );
    let acting = engine.acting_for(&sato, &tanaka).await.expect("Sato is Tanaka's deputy");
    assert_eq!((acting.id.as_str(), acting.on_behalf_of.as_deref()), ("sato", Some("tanaka")));
    let form = json!({ "plan": "basic" }).as_object().cloned().unwrap_or_default();
    engine.complete(&first, held.instance, &acting, None, form).await.expect("the deputy completes it");
    let order = engine.order(&first).await.expect("order");
    let done = order.history.iter().find_map(|h| match &h.event {
        Event::TaskCompleted { actor, on_behalf_of, .. } => Some((actor.clone(), on_behalf_of.clone())),
        _ => None,
    });
    assert_eq!(done, Some(("sato".to_string(), Some("tanaka".to_string()))));
    let words: Vec<String> = order
        .history
        .iter()
        .map(|h| junro_engine::explain::describe(&h.event, engine.flow("order", order.state.version).as_deref()))
        .collect();
    assert!(words.iter().any(|w| w.contains("completed by sato of vendor_a on behalf of tanaka")), "{words:?}");

    // From Tanaka's queue: Sato, who has no operator role, takes the next task as deputy.
    let second = engine
        .start("order", StartOrder { business_key: Some("A-0002".into()), ..StartOrder::default() })
        .await
        .expect("starts");
    assert_eq!(engine.take_next(&sato).await.expect("takes"), None, "not with Sato's own roles");
    let taken = engine.take_next(&acting).await.expect("takes").expect("Tanaka's queue has a task");
    assert_eq!((taken.order.as_str(), taken.assignee.as_deref()), (second.as_str(), Some("sato")));

    // No deputy of a deputy: Kato, Sato's deputy, may not act for Tanaka.
    engine.name_deputy(&sato, &sato, &kato, t0(), week).await.expect("Sato names a deputy of their own");
    assert!(matches!(refused(engine.acting_for(&kato, &tanaka).await), DeputyError::NotDeputy { .. }));
    assert!(matches!(refused(engine.acting_for(&kato, &acting).await), DeputyError::Chain(_)));
    assert!(matches!(refused(engine.name_deputy(&acting, &tanaka, &kato, t0(), week).await), DeputyError::Chain(_)));

    // Ended early: no longer in force. Named for later: not yet.
    let mine = DeputyFilter { involving: Some("tanaka".into()), ..DeputyFilter::default() };
    assert_eq!(engine.deputyships(&mine).await.expect("lists").len(), 1);
    clock.advance(3600);
    let ended = engine.end_deputyship(&tanaka, named.id).await.expect("ends");
    assert_eq!(
        (ended.ends_at, ended.ended_by.as_deref()),
        (t0() + jiff::SignedDuration::from_hours(1), Some("tanaka"))
    );
    assert!(matches!(refused(engine.acting_for(&sato, &tanaka).await), DeputyError::NotDeputy { .. }));
    let tomorrow = t0() + jiff::SignedDuration::from_hours(24);
    engine.name_deputy(&tanaka, &tanaka, &sato, tomorrow, week).await.expect("names for tomorrow");
    assert!(matches!(refused(engine.acting_for(&sato, &tanaka).await), DeputyError::NotDeputy { .. }));
    clock.advance(24 * 3600);
    engine.acting_for(&sato, &tanaka).await.expect("in force from tomorrow");
    let current = DeputyFilter { current_at: Some(engine.now()), ..mine };
    assert_eq!(engine.deputyships(&current).await.expect("lists").len(), 1, "the ended one is over");
    assert!(matches!(refused(engine.end_deputyship(&tanaka, 9_999).await), DeputyError::Unknown(9_999)));
}

/// The inclusive gateway: every branch whose condition holds runs, `else` when none does, and
/// the join waits for exactly the branches taken, also when the order is read back from the
/// database by another engine between the branches.
pub(super) async fn an_inclusive_join_waits_for_exactly_the_branches_taken(backend: &Backend) {
    let (engine, clock, _) = setup(backend).await;
    let reviewer = Actor::person("back-1", &["reviewer"], None);
    let start = |key: &str, tv: bool, phone: bool| StartOrder {
        business_key: Some(key.into()),
        data: json!({ "tv": tv, "phone": phone }).as_object().cloned().unwrap_or_default(),
        ..StartOrder::default()
    };
    async fn steps(engine: &Engine, id: String) -> Vec<String> {
        let filter = TaskFilter { order: Some(id), ..TaskFilter::default() };
        let mut steps: Vec<String> = engine.tasks(&filter).await.expect("tasks").into_iter().map(|t| t.step).collect();
        steps.sort();
        steps
    }
    let both = engine.start("bundle", start("B-1", true, true)).await.expect("starts");
    assert_eq!(steps(&engine, both.clone()).await, ["phone_setup", "tv_setup"], "both branches run");
    let taken = engine.order(&both).await.expect("order").history.into_iter().find_map(|h| match h.event {
        Event::BranchesTaken { branches, next, .. } => Some((branches, next)),
        _ => None,
    });
    assert_eq!(
        taken,
        Some((vec!["tv".to_string(), "phone".to_string()], vec!["tv_setup".to_string(), "phone_setup".to_string()]))
    );
    let tv = task_at(&engine, &both, "tv_setup").await;
    engine.complete(&both, tv, &reviewer, None, Default::default()).await.expect("tv done");
    assert_eq!(steps(&engine, both.clone()).await, ["phone_setup"], "the join waits for the other branch");
    // Another engine on the same database (another process) finishes the other branch.
    let other = backend.engine(clock.clone()).await;
    other.deploy(&[flows_dir(FLOWS)], None).await.expect("deploys");
    let phone = task_at(&other, &both, "phone_setup").await;
    other.complete(&both, phone, &reviewer, None, Default::default()).await.expect("phone done");
    assert_eq!(steps(&other, both.clone()).await, ["finish"], "both arrived: the join fired once");

    let one = engine.start("bundle", start("B-2", false, true)).await.expect("starts");
    assert_eq!(steps(&engine, one.clone()).await, ["phone_setup"], "only the branch whose condition holds");
    let phone = task_at(&engine, &one, "phone_setup").await;
    engine.complete(&one, phone, &reviewer, None, Default::default()).await.expect("phone done");
    assert_eq!(steps(&engine, one.clone()).await, ["finish"], "the join waited for that one branch only");

    let none = engine.start("bundle", start("B-3", false, false)).await.expect("starts");
    assert_eq!(steps(&engine, none.clone()).await, ["ask"], "else when no condition holds");
    let ask = task_at(&engine, &none, "ask").await;
    engine.complete(&none, ask, &operator("vendor_a"), None, Default::default()).await.expect("asked");
    assert_eq!(steps(&engine, none.clone()).await, ["finish"]);
    let words: Vec<String> = engine
        .order(&none)
        .await
        .expect("order")
        .history
        .iter()
        .map(|h| junro_engine::explain::describe(&h.event, engine.flow("bundle", 1).as_deref()))
        .collect();
    assert!(words.iter().any(|w| w.contains("no condition held, so 1 branch(es) taken: else -> ask")), "{words:?}");
}
