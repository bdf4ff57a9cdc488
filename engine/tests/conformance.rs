//! One conformance suite for every storage backend: each case runs on SQLite and on PostgreSQL.
//!
//! PostgreSQL is reached through `JUNRO_TEST_POSTGRES_URL` (CI sets it). When CI is set and the
//! database cannot be reached, the suite fails; it never skips silently there. Each case runs on
//! a freshly reset database, one case at a time per backend.

use jiff::Timestamp;
use junro_engine::clock::VirtualClock;
use junro_engine::machine::{Actor, Command, CommandError, Event};
use junro_engine::runtime::Deployed;
use junro_engine::store::{Durability, OrderFilter, TaskFilter};
use junro_engine::{ActionRequest, Engine, EngineError, EngineOptions, StartOrder};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[path = "conformance/work_model.rs"]
mod work_model;

#[path = "conformance/outbox.rs"]
mod outbox;

/// The flows of every case (`conformance/flows.flow`).
const FLOWS: &str = include_str!("conformance/flows.flow");

fn t0() -> Timestamp {
    "2026-11-24T00:00:00Z".parse().expect("time")
}

fn flows_dir(text: &str) -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "junro-conf-{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("order.flow"), text).expect("flow written");
    dir
}

fn operator(vendor: &str) -> Actor {
    Actor::person(&format!("op-{vendor}"), &["operator"], Some(vendor))
}

/// Which SQLite file the current case uses.
static SQLITE_CASE: AtomicUsize = AtomicUsize::new(0);

/// A database for one case.
#[derive(Clone)]
enum Backend {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Backend {
    fn url(&self) -> String {
        match self {
            // Each case gets a file of its own: engines dropped by the previous case may still
            // be closing their connections to the last one.
            Backend::Sqlite(path) => format!("sqlite:{}-{}.db", path.display(), SQLITE_CASE.load(Ordering::SeqCst)),
            Backend::Postgres(url) => url.clone(),
        }
    }

    async fn fresh(&self) {
        match self {
            Backend::Sqlite(_) => {
                SQLITE_CASE.fetch_add(1, Ordering::SeqCst);
            }
            Backend::Postgres(url) => {
                junro_engine::store::PostgresStore::reset(url).await.expect("PostgreSQL reachable and reset");
            }
        }
    }

    async fn engine(&self, clock: Arc<VirtualClock>) -> Engine {
        let options = EngineOptions { durability: Durability::Normal, clock, ..EngineOptions::default() };
        Engine::open_with(&self.url(), options).await.expect("engine opens")
    }
}

async fn setup(backend: &Backend) -> (Engine, Arc<VirtualClock>, Arc<AtomicUsize>) {
    backend.fresh().await;
    let clock = Arc::new(VirtualClock::new(t0()));
    let engine = backend.engine(clock.clone()).await;
    engine.deploy(&[flows_dir(FLOWS)], None).await.expect("deploys");
    let calls = Arc::new(AtomicUsize::new(0));
    register(&engine, calls.clone());
    (engine, clock, calls)
}

fn register(engine: &Engine, calls: Arc<AtomicUsize>) {
    engine.register_action("provision", move |request: ActionRequest| {
        let calls = calls.clone();
        async move {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(json!({"line_id": format!("L-{}", request.idempotency_key.len())})
                .as_object()
                .cloned()
                .unwrap_or_default())
        }
    });
}

fn basic() -> StartOrder {
    StartOrder { business_key: Some("A-0001".into()), ..StartOrder::default() }
}

/// An operator of vendor A takes the order's intake and completes it choosing `plan`.
async fn complete_intake(engine: &Engine, order: &str, plan: &str) {
    let task = task_at(engine, order, "intake").await;
    let form = json!({ "plan": plan }).as_object().cloned().unwrap_or_default();
    engine.complete(order, task, &operator("vendor_a"), None, form).await.expect("the intake completes");
}

async fn task_at(engine: &Engine, order: &str, step: &str) -> u64 {
    let filter = TaskFilter { order: Some(order.into()), step: Some(step.into()), ..TaskFilter::default() };
    let tasks = engine.tasks(&filter).await.expect("tasks");
    assert!(tasks.iter().all(|t| t.step == step && t.order == order), "only {step} of {order}: {tasks:?}");
    tasks.first().map(|t| t.instance).unwrap_or_else(|| panic!("no task {step}: {tasks:?}"))
}

async fn the_whole_order_runs_durably(backend: &Backend) {
    let (engine, clock, calls) = setup(backend).await;
    let id = engine.start("order", basic()).await.expect("starts");
    assert_eq!(engine.start("order", basic()).await.expect("same key"), id, "start is idempotent on the business key");
    let task = engine.take_next(&operator("vendor_a")).await.expect("take").expect("a task");
    assert_eq!((task.order.as_str(), task.step.as_str()), (id.as_str(), "intake"));
    let review = TaskFilter { order: Some(id.clone()), step: Some("review".into()), ..TaskFilter::default() };
    assert!(engine.tasks(&review).await.expect("tasks").is_empty(), "no task waits at review yet");
    engine
        .complete(
            &id,
            task.instance,
            &operator("vendor_a"),
            None,
            json!({"plan": "basic"}).as_object().cloned().unwrap_or_default(),
        )
        .await
        .expect("completes");
    assert_eq!(engine.run_due().await.expect("worker"), 1, "the provision job ran");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    engine.signal("A-0001", "done_signal", Default::default()).await.expect("signal by business key");
    // The customer's reply is addressed to the order; the subflow waiting inside it receives it.
    let reply = json!({"note": "確認済"}).as_object().cloned().unwrap_or_default();
    engine.signal("A-0001", "customer_reply", reply).await.expect("the signal reaches the subflow");
    let order = engine.order(&id).await.expect("order");
    assert!(
        matches!(order.state.status, junro_engine::machine::Status::Closed { ref outcome, .. } if outcome == "completed"),
        "{:?}",
        order.state.status
    );
    assert_eq!(order.state.data["note"], json!("確認済"), "the subflow's output is mapped back");
    assert_eq!(order.state.vendor.as_deref(), Some("vendor_a"));
    let kinds: Vec<&str> = order
        .history
        .iter()
        .map(|h| match &h.event {
            Event::OrderStarted { .. } => "started",
            Event::Decided { .. } => "decided",
            Event::ActionSucceeded { .. } => "action",
            Event::WaitEnded { .. } => "wait",
            Event::SubflowEnded { .. } => "subflow",
            Event::OrderClosed { .. } => "closed",
            _ => "",
        })
        .filter(|k| !k.is_empty())
        .collect();
    assert_eq!(kinds, vec!["started", "decided", "action", "wait", "subflow", "closed"]);
    assert_eq!(
        order.history.iter().map(|h| h.seq).collect::<Vec<_>>(),
        (1..=order.history.len() as u64).collect::<Vec<_>>()
    );
    let open =
        engine.orders(&OrderFilter { status: Some("open".into()), ..OrderFilter::default() }).await.expect("orders");
    assert!(open.is_empty(), "{open:?}");
    let _ = clock;
}

async fn vendors_only_see_their_orders(backend: &Backend) {
    let (engine, _, _) = setup(backend).await;
    let id = engine.start("order", StartOrder { vendor: Some("vendor_a".into()), ..basic() }).await.expect("starts");
    assert!(
        engine.take_next(&operator("vendor_b")).await.expect("take").is_none(),
        "vendor B must not get vendor A's task"
    );
    let task = task_at(&engine, &id, "intake").await;
    let refused = engine.apply(&id, &operator("vendor_b"), Command::Claim { task }).await;
    assert!(matches!(refused, Err(EngineError::Command(CommandError::NotEligible { .. }))), "{refused:?}");
    assert!(engine.take_next(&operator("vendor_a")).await.expect("take").is_some());
}

async fn two_completions_of_one_task_exactly_one_wins(backend: &Backend) {
    let (engine, _, _) = setup(backend).await;
    let engine = Arc::new(engine);
    let id = engine.start("order", basic()).await.expect("starts");
    let task = task_at(&engine, &id, "intake").await;
    let data = json!({"plan": "basic"}).as_object().cloned().unwrap_or_default();
    let (one, two) = (operator("vendor_a"), Actor::person("op-2", &["operator"], Some("vendor_a")));
    let (a, b) = tokio::join!(
        engine.complete(&id, task, &one, None, data.clone()),
        engine.complete(&id, task, &two, None, data.clone())
    );
    let wins = [&a, &b].iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "exactly one completion wins: {a:?} / {b:?}");
    let loser = if a.is_ok() { b } else { a };
    assert!(
        matches!(
            loser,
            Err(EngineError::Conflict(_)
                | EngineError::Command(CommandError::NoSuchTask(_) | CommandError::ClaimedByOther { .. }))
        ),
        "{loser:?}"
    );
    let history = engine.order(&id).await.expect("order").history;
    assert_eq!(history.iter().filter(|h| matches!(h.event, Event::TaskCompleted { .. })).count(), 1);
}

async fn many_tasks_complete_in_parallel(backend: &Backend) {
    let (engine, _, _) = setup(backend).await;
    let engine = Arc::new(engine);
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(
            engine
                .start("order", StartOrder { business_key: Some(format!("P-{i}")), ..StartOrder::default() })
                .await
                .expect("starts"),
        );
    }
    let mut handles = Vec::new();
    for id in ids.clone() {
        let engine = engine.clone();
        handles.push(tokio::spawn(async move {
            let task = task_at(&engine, &id, "intake").await;
            let data = json!({"plan": "premium"}).as_object().cloned().unwrap_or_default();
            engine.complete(&id, task, &operator("vendor_a"), None, data).await
        }));
    }
    for h in handles {
        h.await.expect("joins").expect("each completes");
    }
    let reviews = engine
        .tasks(&TaskFilter { roles: Some(vec!["reviewer".into()]), limit: Some(1000), ..TaskFilter::default() })
        .await
        .expect("tasks");
    assert_eq!(reviews.len(), 40, "every premium order waits for review");
}

/// Concurrent commits may share one transaction (SQLite's group commit): one caller's failure
/// (a business key another caller took a moment earlier) must not undo or fail the others.
async fn concurrent_starts_commit_on_their_own_merits(backend: &Backend) {
    let (engine, _, _) = setup(backend).await;
    let engine = Arc::new(engine);
    // Keys C-0 … C-29, with C-7 asked for twice.
    let keys: Vec<String> = (0..30).map(|i| format!("C-{i}")).chain(["C-7".to_string()]).collect();
    let handles: Vec<_> = keys
        .iter()
        .map(|key| {
            let (engine, key) = (engine.clone(), key.clone());
            tokio::spawn(async move {
                let order = StartOrder { business_key: Some(key.clone()), ..StartOrder::default() };
                (key, engine.start("order", order).await)
            })
        })
        .collect();
    let mut ids = std::collections::BTreeMap::new();
    for handle in handles {
        let (key, started) = handle.await.expect("joins");
        let id = started.unwrap_or_else(|e| panic!("start {key}: {e}"));
        if let Some(first) = ids.insert(key.clone(), id.clone()) {
            assert_eq!(first, id, "both starts of {key} name the one order");
        }
    }
    let orders = engine.orders(&OrderFilter { limit: Some(1000), ..OrderFilter::default() }).await.expect("orders");
    let started: Vec<_> =
        orders.iter().filter(|o| o.business_key.as_deref().is_some_and(|k| k.starts_with("C-"))).collect();
    assert_eq!(started.len(), 30, "one order per key");
    for order in started {
        let key = order.business_key.as_deref().unwrap_or_default();
        assert_eq!(ids.get(key), Some(&order.id));
        let view = engine.order(&order.id).await.expect("order");
        assert!(view.history.iter().any(|h| matches!(h.event, Event::TaskReady { .. })), "{key} reached intake");
    }
}

/// Callers that go away mid-commit (an HTTP client hanging up drops its handler) must not
/// change the answers of the callers whose changes shared their transaction: every start that
/// was not abandoned is answered with its order, and that order exists.
async fn abandoned_commits_do_not_change_the_others_answers(backend: &Backend) {
    backend.fresh().await;
    // Full durability: a commit waits for the disk, which leaves callers time to go away while
    // their group is being written.
    let clock = Arc::new(VirtualClock::new(t0()));
    let options = EngineOptions { durability: Durability::Full, clock, ..EngineOptions::default() };
    let engine = Engine::open_with(&backend.url(), options).await.expect("engine opens");
    engine.deploy(&[flows_dir(FLOWS)], None).await.expect("deploys");
    let engine = Arc::new(engine);
    for round in 0..40_u64 {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let engine = engine.clone();
                tokio::spawn(async move { engine.start("order", basic()).await })
            })
            .collect();
        // Abandon three in four at a different moment each round: queued, writing a group that
        // holds the others' changes, or done.
        tokio::time::sleep(std::time::Duration::from_micros(round * 150)).await;
        for (n, handle) in handles.iter().enumerate() {
            if n % 4 != 1 {
                handle.abort();
            }
        }
        for handle in handles {
            match handle.await {
                Ok(started) => {
                    let id = started.unwrap_or_else(|e| panic!("round {round}: a start nobody abandoned failed: {e}"));
                    let view = engine.order(&id).await.unwrap_or_else(|e| panic!("round {round}: {id}: {e}"));
                    assert!(!view.history.is_empty(), "round {round}: {id} has its history");
                }
                Err(e) => assert!(e.is_cancelled(), "{e}"),
            }
        }
    }
}

async fn timers_fire_and_failed_actions_retry_then_become_incidents(backend: &Backend) {
    let (engine, clock, _) = setup(backend).await;
    let failures = Arc::new(AtomicUsize::new(0));
    let counter = failures.clone();
    engine.register_action("provision", move |_request: ActionRequest| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            Err::<junro_engine::script::Data, String>("the provisioning system is down".into())
        }
    });
    let id = engine.start("order", basic()).await.expect("starts");
    complete_intake(&engine, &id, "basic").await;
    engine.run_due().await.expect("first attempt");
    assert_eq!(engine.run_due().await.expect("nothing due yet"), 0, "the retry waits for its backoff");
    clock.advance(10);
    engine.run_due().await.expect("retry timer");
    engine.run_due().await.expect("second attempt");
    clock.advance(20);
    engine.run_due().await.expect("retry timer");
    engine.run_due().await.expect("third attempt");
    assert_eq!(failures.load(Ordering::SeqCst), 3);
    let history = engine.order(&id).await.expect("order").history;
    let incident = history
        .iter()
        .find_map(|h| if let Event::IncidentRaised { instance, .. } = h.event { Some(instance) } else { None });
    let job = incident.expect("an incident after the retries");
    // The handler is fixed; an administrator retries.
    register(&engine, Arc::new(AtomicUsize::new(0)));
    engine.apply(&id, &Actor::system(), Command::RetryIncident { job }).await.expect("retry");
    engine.run_due().await.expect("runs");
    // The wait's timer is pending, due 3 days from now, and the state says what it is for.
    let timers = engine.pending_timers(&id).await.expect("timers");
    let state = engine.order(&id).await.expect("order").state;
    let wait_timer = timers.iter().find(|(timer, _)| {
        matches!(state.timers.get(timer).map(|t| &t.purpose), Some(junro_engine::machine::TimerPurpose::Wait { .. }))
    });
    let due = wait_timer.map(|(_, at)| *at).expect("a pending wait timer");
    assert_eq!(due.duration_since(engine.now()).as_secs(), 3 * 86_400);
    clock.advance(3 * 86_400);
    engine.run_due().await.expect("timer fires");
    let order = engine.order(&id).await.expect("order");
    assert!(
        order.history.iter().any(|h| matches!(&h.event, Event::WaitEnded { by, .. } if by == "after")),
        "the wait ended by its timer"
    );
}

/// A worker claims an order whose earliest timer is due for a while (60 s here); firing its
/// timers writes the order's next due time and ends the claim, so a timer due a minute later
/// fires on time, not after the claim runs out.
async fn an_orders_timers_fire_one_after_another(backend: &Backend) {
    let (engine, clock, _) = setup(backend).await;
    // The clock has nanoseconds, and so have due times; the order row keeps microseconds.
    let half = jiff::SignedDuration::from_nanos(500);
    clock.set(t0().checked_add(half).expect("a time"));
    let id = engine.start("reminded", StartOrder::default()).await.expect("starts");
    let timers = engine.pending_timers(&id).await.expect("timers");
    let [(_, remind), (_, due), _escalation] = timers[..] else {
        panic!("a reminder, a due time and an escalation: {timers:?}")
    };
    assert_eq!(due.duration_since(remind).as_secs(), 60);
    assert_eq!(remind.subsec_nanosecond() % 1_000, 500, "{remind}");
    assert_eq!(engine.run_due().await.expect("worker"), 0, "nothing due yet");
    // Within the reminder's microsecond, just before it: the worker that claims the order
    // fires it, rather than holding the order for its claim's length and firing nothing.
    clock.set(remind.checked_sub(half).expect("a time"));
    assert_eq!(engine.run_due().await.expect("worker"), 1, "the reminder fires");
    assert_eq!(engine.run_due().await.expect("worker"), 0, "and only once");
    clock.advance(60);
    assert_eq!(engine.run_due().await.expect("worker"), 1, "the due time fires a minute later");
    let kinds: Vec<&str> = engine
        .order(&id)
        .await
        .expect("order")
        .history
        .iter()
        .filter_map(|h| match h.event {
            Event::Reminded { .. } => Some("reminded"),
            Event::Overdue { .. } => Some("overdue"),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, vec!["reminded", "overdue"]);
    assert_eq!(engine.pending_timers(&id).await.expect("timers").len(), 1, "the escalation is still to come");
}

async fn deployments_are_versioned_and_orders_keep_theirs(backend: &Backend) {
    let (engine, clock, _) = setup(backend).await;
    let old = engine.start("order", basic()).await.expect("starts on v1");
    let again = engine.deploy(&[flows_dir(FLOWS)], None).await.expect("redeploys");
    assert!(again.iter().all(|d| d.version == 1 && !d.new), "unchanged flows keep their version: {again:?}");
    let changed = FLOWS.replace("sla 1h", "sla 2h");
    let effective = t0().checked_add(jiff::SignedDuration::from_hours(24)).expect("time");
    let v2 = engine.deploy(&[flows_dir(&changed)], Some(effective)).await.expect("deploys v2");
    assert!(v2.contains(&Deployed { flow: "order".into(), version: 2, new: true }), "{v2:?}");
    let before = engine
        .start("order", StartOrder { business_key: Some("B".into()), ..StartOrder::default() })
        .await
        .expect("starts");
    assert_eq!(engine.order(&before).await.expect("o").state.version, 1, "received before the effective date");
    clock.advance(2 * 86_400);
    let after = engine
        .start("order", StartOrder { business_key: Some("C".into()), ..StartOrder::default() })
        .await
        .expect("starts");
    assert_eq!(engine.order(&after).await.expect("o").state.version, 2);
    assert_eq!(engine.order(&old).await.expect("o").state.version, 1, "running orders stay on their version");
    // A reopened engine compiles every deployed version from the database.
    drop(engine);
    let reopened = backend.engine(clock).await;
    let task = task_at(&reopened, &old, "intake").await;
    reopened
        .complete(
            &old,
            task,
            &operator("vendor_a"),
            None,
            json!({"plan": "premium"}).as_object().cloned().unwrap_or_default(),
        )
        .await
        .expect("v1 order continues");
    let _ = task_at(&reopened, &old, "review").await;
}

async fn two_engines_on_one_database_run_each_job_once(backend: &Backend) {
    let (first, clock, calls) = setup(backend).await;
    let second = backend.engine(clock.clone()).await;
    register(&second, calls.clone());
    let mut ids = Vec::new();
    for i in 0..20 {
        let id = first
            .start("order", StartOrder { business_key: Some(format!("J-{i}")), ..StartOrder::default() })
            .await
            .expect("starts");
        complete_intake(&first, &id, "basic").await;
        ids.push(id);
    }
    let (a, b) = tokio::join!(first.run_due(), second.run_due());
    a.expect("first worker");
    b.expect("second worker");
    assert_eq!(calls.load(Ordering::SeqCst), 20, "each job ran exactly once");
    clock.advance(3 * 86_400);
    let (a, b) = tokio::join!(first.run_due(), second.run_due());
    assert_eq!(a.expect("first") + b.expect("second"), 20, "each wait timer fired exactly once");
}

async fn cancelling_an_order_ends_its_subflows(backend: &Backend) {
    let (engine, clock, _) = setup(backend).await;
    let id = engine.start("order", basic()).await.expect("starts");
    complete_intake(&engine, &id, "basic").await;
    engine.run_due().await.expect("worker");
    engine.signal(&id, "done_signal", Default::default()).await.expect("signal");
    let children = |status: Option<&str>| OrderFilter {
        parent: Some(id.clone()),
        status: status.map(str::to_string),
        ..OrderFilter::default()
    };
    let running = engine.orders(&children(Some("open"))).await.expect("children");
    assert_eq!(running.iter().map(|o| o.flow.as_str()).collect::<Vec<_>>(), vec!["confirm"], "the subflow runs");
    let cancel = Command::Cancel { reason: "お客様都合".into() };
    engine.apply(&id, &Actor::system(), cancel).await.expect("cancelled while the subflow runs");
    let ended = engine.orders(&children(None)).await.expect("children");
    assert_eq!((ended.len(), ended[0].status.as_str()), (1, "closed"), "listed after it ended too");
    assert!(engine.orders(&children(Some("open"))).await.expect("children").is_empty());
    // The subflow was cancelled with it: its timeout never opens a task, nothing is left open.
    clock.advance(2 * 86_400);
    engine.run_due().await.expect("worker");
    assert!(
        engine.take_next(&operator("vendor_a")).await.expect("take").is_none(),
        "no task of the cancelled order's subflow"
    );
    let open = engine.tasks(&TaskFilter::default()).await.expect("tasks");
    assert!(open.is_empty(), "{open:?}");
    let reply = engine.signal(&id, "customer_reply", Default::default()).await;
    assert!(matches!(reply, Err(EngineError::Command(CommandError::Closed(_)))), "{reply:?}");
}

/// Regression for the engine's state cache: an engine keeps the states it committed, and when
/// another engine has moved the order on since, its answers must be those of the stored state:
/// no refusal of a command the order now accepts, no conflict that is not happening.
async fn an_engine_answers_from_the_stored_state_not_from_its_cache(backend: &Backend) {
    let (first, clock, _) = setup(backend).await;
    let second = backend.engine(clock).await;
    let reviewer = Actor::person("rev-1", &["reviewer"], None);
    let form = || serde_json::Map::new();
    // `first` keeps the order at intake; `second` takes it on to review.
    let id = first.start("order", basic()).await.expect("starts");
    complete_intake(&second, &id, "premium").await;
    let review = task_at(&first, &id, "review").await;
    // On the kept state there is no review task yet: the claim must not be refused for that.
    first.apply(&id, &reviewer, Command::Claim { task: review }).await.expect("the claim succeeds on the stored state");
    second.complete(&id, review, &reviewer, Some("approve"), form()).await.expect("second completes the review");
    // On the kept state the review is still open and claimed: the answer must be that it is gone.
    let again = first.complete(&id, review, &reviewer, Some("approve"), form()).await;
    assert!(matches!(again, Err(EngineError::Command(CommandError::NoSuchTask(_)))), "{again:?}");
    // The same through a group commit.
    let other = first
        .start("order", StartOrder { business_key: Some("A-0002".into()), ..StartOrder::default() })
        .await
        .expect("starts");
    complete_intake(&second, &other, "premium").await;
    let review = task_at(&second, &other, "review").await;
    let results = first
        .apply_batch(vec![junro_engine::BatchItem::Apply {
            order: other.clone(),
            actor: reviewer.clone(),
            command: Command::Claim { task: review },
        }])
        .await;
    assert!(matches!(results.as_slice(), [Ok(None)]), "{results:?}");
    let tasks = second.tasks(&TaskFilter { order: Some(other), ..TaskFilter::default() }).await.expect("tasks");
    assert_eq!(tasks.iter().find(|t| t.instance == review).and_then(|t| t.assignee.as_deref()), Some("rev-1"));
}

/// A large batch (one group commit): every item gets its own answer, a business key given
/// twice makes one order (the batch's transaction fails on it, and its items are applied again
/// one by one in their order: the second fails), and the next batch goes on from the states
/// committed.
async fn a_large_batch_gives_each_item_its_answer(backend: &Backend) {
    let (engine, _, _) = setup(backend).await;
    let key = |n: usize| format!("B-{}", if n == 700 { 100 } else { n });
    let starts = (0..900)
        .map(|n| junro_engine::BatchItem::Start {
            flow: "order".into(),
            order: StartOrder { business_key: Some(key(n)), ..StartOrder::default() },
        })
        .collect();
    let results = engine.apply_batch(starts).await;
    assert_eq!(results.len(), 900);
    let first = results[100].as_ref().ok().cloned().flatten().expect("item 100 starts an order");
    assert_eq!(engine.resolve("B-100").await.expect("the key names an order"), first);
    for (n, result) in results.iter().enumerate() {
        match n {
            700 => assert!(
                matches!(result, Err(EngineError::Store(junro_engine::store::StoreError::DuplicateKey(k))) if *k == key(100)),
                "item 700 repeats item 100's business key: {result:?}"
            ),
            _ => assert!(matches!(result, Ok(Some(_))), "item {n}: {result:?}"),
        }
    }
    let ids: std::collections::HashSet<String> = results.into_iter().flatten().flatten().collect();
    assert_eq!(ids.len(), 899, "one order per business key");
    let operator = operator("vendor_a");
    let filter = TaskFilter { step: Some("intake".into()), limit: Some(10_000), ..TaskFilter::default() };
    let tasks = engine.tasks(&filter).await.expect("tasks");
    assert_eq!(tasks.len(), 899);
    let form = json!({ "plan": "basic" }).as_object().cloned().unwrap_or_default();
    let completions = tasks
        .iter()
        .map(|t| junro_engine::BatchItem::Apply {
            order: t.order.clone(),
            actor: operator.clone(),
            command: Command::Complete { task: t.instance, outcome: None, data: form.clone() },
        })
        .collect();
    let results = engine.apply_batch(completions).await;
    assert!(results.iter().all(|r| matches!(r, Ok(None))), "{:?}", results.iter().find(|r| r.is_err()));
    assert!(engine.tasks(&filter).await.expect("tasks").is_empty(), "every intake completed");
}

type Case = for<'a> fn(&'a Backend) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

fn cases() -> Vec<(&'static str, Case)> {
    vec![
        ("the_whole_order_runs_durably", |b| Box::pin(the_whole_order_runs_durably(b))),
        ("vendors_only_see_their_orders", |b| Box::pin(vendors_only_see_their_orders(b))),
        ("two_completions_of_one_task_exactly_one_wins", |b| Box::pin(two_completions_of_one_task_exactly_one_wins(b))),
        ("many_tasks_complete_in_parallel", |b| Box::pin(many_tasks_complete_in_parallel(b))),
        ("concurrent_starts_commit_on_their_own_merits", |b| Box::pin(concurrent_starts_commit_on_their_own_merits(b))),
        ("abandoned_commits_do_not_change_the_others_answers", |b| {
            Box::pin(abandoned_commits_do_not_change_the_others_answers(b))
        }),
        ("timers_fire_and_failed_actions_retry_then_become_incidents", |b| {
            Box::pin(timers_fire_and_failed_actions_retry_then_become_incidents(b))
        }),
        ("hold_holds_jobs_timers_and_tasks", |b| Box::pin(work_model::hold_holds_jobs_timers_and_tasks(b))),
        ("take_next_considers_all_eligible_work", |b| Box::pin(work_model::take_next_considers_all_eligible_work(b))),
        ("a_hold_moves_the_open_tasks_due_times_out", |b| {
            Box::pin(work_model::a_hold_moves_the_open_tasks_due_times_out(b))
        }),
        ("a_signal_finds_its_order_by_the_field_it_correlates_on", |b| {
            Box::pin(work_model::a_signal_finds_its_order_by_the_field_it_correlates_on(b))
        }),
        ("open_orders_move_to_a_new_version_where_they_fit", |b| {
            Box::pin(work_model::open_orders_move_to_a_new_version_where_they_fit(b))
        }),
        ("an_early_signal_is_kept_for_its_wait_and_a_stale_one_is_listed", |b| {
            Box::pin(work_model::an_early_signal_is_kept_for_its_wait_and_a_stale_one_is_listed(b))
        }),
        ("an_escalated_task_is_offered_to_the_escalation_role", |b| {
            Box::pin(work_model::an_escalated_task_is_offered_to_the_escalation_role(b))
        }),
        ("cancellation_and_signals_record_who", |b| Box::pin(work_model::cancellation_and_signals_record_who(b))),
        ("an_inclusive_join_waits_for_exactly_the_branches_taken", |b| {
            Box::pin(work_model::an_inclusive_join_waits_for_exactly_the_branches_taken(b))
        }),
        ("a_deputy_works_the_principals_tasks_on_their_behalf", |b| {
            Box::pin(work_model::a_deputy_works_the_principals_tasks_on_their_behalf(b))
        }),
        ("tasks_are_released_transferred_and_pulled_back", |b| {
            Box::pin(work_model::tasks_are_released_transferred_and_pulled_back(b))
        }),
        ("the_queue_orders_tasks_by_due_time_then_ready_time", |b| {
            Box::pin(work_model::the_queue_orders_tasks_by_due_time_then_ready_time(b))
        }),
        ("incidents_are_listed_then_resolved_or_cancelled", |b| {
            Box::pin(work_model::incidents_are_listed_then_resolved_or_cancelled(b))
        }),
        ("an_orders_timers_fire_one_after_another", |b| Box::pin(an_orders_timers_fire_one_after_another(b))),
        ("deployments_are_versioned_and_orders_keep_theirs", |b| {
            Box::pin(deployments_are_versioned_and_orders_keep_theirs(b))
        }),
        ("two_engines_on_one_database_run_each_job_once", |b| {
            Box::pin(two_engines_on_one_database_run_each_job_once(b))
        }),
        ("cancelling_an_order_ends_its_subflows", |b| Box::pin(cancelling_an_order_ends_its_subflows(b))),
        ("an_engine_answers_from_the_stored_state_not_from_its_cache", |b| {
            Box::pin(an_engine_answers_from_the_stored_state_not_from_its_cache(b))
        }),
        ("a_large_batch_gives_each_item_its_answer", |b| Box::pin(a_large_batch_gives_each_item_its_answer(b))),
        ("rows_of_the_applications_table_are_appended", |b| {
            Box::pin(outbox::rows_of_the_applications_table_are_appended(b))
        }),
        ("rows_ride_with_the_change_they_record", |b| Box::pin(outbox::rows_ride_with_the_change_they_record(b))),
        ("notices_are_written_with_their_change_and_claimed_once", |b| {
            Box::pin(outbox::notices_are_written_with_their_change_and_claimed_once(b))
        }),
    ]
}

/// Every order left by a case replays from its history to its stored state.
async fn histories_replay(backend: &Backend) {
    let engine = backend.engine(Arc::new(VirtualClock::new(t0()))).await;
    let orders = engine.orders(&OrderFilter { limit: Some(10_000), ..OrderFilter::default() }).await.expect("orders");
    assert!(!orders.is_empty());
    for order in orders {
        let view = engine.order(&order.id).await.expect("order");
        junro_engine::replay::verify(&view).unwrap_or_else(|e| panic!("{e}"));
    }
}

async fn run_all(backend: Backend) {
    for (name, case) in cases() {
        eprintln!("conformance case {name} on {}", backend.url());
        case(&backend).await;
        histories_replay(&backend).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_on_sqlite() {
    let path = std::env::temp_dir().join(format!("junro-conformance-{}", std::process::id()));
    run_all(Backend::Sqlite(path)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_on_postgres() {
    let url = match std::env::var("JUNRO_TEST_POSTGRES_URL") {
        Ok(url) => url,
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("CI must set JUNRO_TEST_POSTGRES_URL: the PostgreSQL conformance suite may not be skipped")
        }
        Err(_) => {
            eprintln!("JUNRO_TEST_POSTGRES_URL is not set: skipping the PostgreSQL conformance suite (CI runs it)");
            return;
        }
    };
    run_all(Backend::Postgres(url)).await;
}
