//! Conformance cases of what the engine commits for others beside orders: rows of the embedding
//! application's own tables (the service's audit trail) in the engine's transactions, and the
//! outbox of notices a deliverer claims. Each runs on SQLite and on PostgreSQL like the rest of
//! the suite (`conformance.rs`).

use super::*;

/// Rows of the embedding application's own table (the service's audit trail) are appended with
/// the engine's commits, concurrent ones too, values bound as given; a malformed row is refused.
pub(super) async fn rows_of_the_applications_table_are_appended(backend: &Backend) {
    use junro_engine::store::{Appended, Cell};
    let (engine, _, _) = setup(backend).await;
    let engine = Arc::new(engine);
    assert!(side_rows(backend, true).await.is_empty());
    let mut handles = Vec::new();
    for n in 0..20_i64 {
        let engine = engine.clone();
        handles.push(tokio::spawn(async move {
            let start = StartOrder { business_key: Some(format!("SIDE-{n}")), ..StartOrder::default() };
            let order = engine.start("order", start);
            let text = (n % 2 == 0).then(|| format!("行{n}"));
            let rows = Appended {
                head: "INSERT INTO side_rows (n, t) ",
                columns: 2,
                rows: vec![vec![Cell::Int(n), Cell::Text(text)]],
            };
            let (started, appended) = tokio::join!(order, engine.append(rows));
            started.expect("starts");
            appended.expect("appends");
        }));
    }
    for h in handles {
        h.await.expect("joins");
    }
    let rows = side_rows(backend, false).await;
    let expected: Vec<(i64, Option<String>)> = (0..20).map(|n| (n, (n % 2 == 0).then(|| format!("行{n}")))).collect();
    assert_eq!(rows, expected);
    let malformed = Appended { head: "INSERT INTO side_rows (n, t) ", columns: 2, rows: vec![vec![Cell::Int(1)]] };
    let refused = engine.append(malformed).await;
    assert!(matches!(refused, Err(EngineError::Store(junro_engine::store::StoreError::Malformed(_)))), "{refused:?}");
}

/// The rows of the side table `side_rows (n, t)`, after making it empty if `clear`.
async fn side_rows(backend: &Backend, clear: bool) -> Vec<(i64, Option<String>)> {
    let ddl = ["CREATE TABLE IF NOT EXISTS side_rows (n BIGINT NOT NULL, t TEXT)", "DELETE FROM side_rows"];
    let ddl = if clear { &ddl[..] } else { &[] };
    let read = "SELECT n, t FROM side_rows ORDER BY n";
    match backend {
        Backend::Sqlite(_) => {
            let pool = sqlx::SqlitePool::connect(&backend.url()).await.expect("connects");
            for sql in ddl {
                sqlx::query(*sql).execute(&pool).await.expect("side table");
            }
            sqlx::query_as(read).fetch_all(&pool).await.expect("reads")
        }
        Backend::Postgres(_) => {
            let pool = sqlx::PgPool::connect(&backend.url()).await.expect("connects");
            for sql in ddl {
                sqlx::query(*sql).execute(&pool).await.expect("side table");
            }
            sqlx::query_as(read).fetch_all(&pool).await.expect("reads")
        }
    }
}

/// Rows riding with a change (the service's record of the request that made it) are written
/// in the change's own transaction: with the first commit that succeeds, once, naming the order
/// the change is to; a change that fails (a taken business key) takes its rows with it, and
/// work that commits nothing writes none. Concurrent riders each get their own rows.
pub(super) async fn rows_ride_with_the_change_they_record(backend: &Backend) {
    use junro_engine::store::rider::riding;
    use junro_engine::store::{Appended, Cell, Change};
    let (engine, _, _) = setup(backend).await;
    let engine = Arc::new(engine);
    assert!(side_rows(backend, true).await.is_empty());
    // The row names the first order of the change, as the service's record names its target.
    let record = |n: i64| {
        move |changes: &[Change]| {
            Some(Appended {
                head: "INSERT INTO side_rows (n, t) ",
                columns: 2,
                rows: vec![vec![Cell::Int(n), Cell::Text(changes.first().map(|c| c.state.id.clone()))]],
            })
        }
    };
    let start = |key: &str| StartOrder { business_key: Some(key.to_string()), ..StartOrder::default() };
    // Two commits in one ridden piece of work: the rows go with the first.
    let (started, written) = riding(record(1), async {
        let first = engine.start("order", start("RIDE-1")).await.expect("starts");
        engine.start("order", start("RIDE-2")).await.expect("starts");
        first
    })
    .await;
    assert!(written);
    assert_eq!(side_rows(backend, false).await, vec![(1, Some(started.clone()))]);
    // A commit that fails (the state it was computed from had moved on in another engine)
    // carries its rows nowhere; the attempt on the stored state that follows carries them.
    let other = backend.engine(Arc::new(VirtualClock::new(t0()))).await;
    let intake = task_at(&engine, &started, "intake").await;
    let (first_op, second_op) = (operator("vendor_a"), Actor::person("op-2", &["operator"], Some("vendor_a")));
    other.apply(&started, &first_op, Command::Claim { task: intake }).await.expect("claims");
    other.apply(&started, &first_op, Command::Release { task: intake }).await.expect("releases");
    let (claimed, written) =
        riding(record(2), engine.apply(&started, &second_op, Command::Claim { task: intake })).await;
    claimed.expect("claims on the stored state");
    assert!(written);
    // A refused command commits nothing and writes nothing.
    let (refused, written) =
        riding(record(3), engine.apply(&started, &first_op, Command::Claim { task: intake })).await;
    assert!(refused.is_err() && !written, "{refused:?}");
    // Work that commits nothing writes nothing.
    let (_, written) = riding(record(4), engine.order_state(&started)).await;
    assert!(!written);
    let expected = vec![(1, Some(started.clone())), (2, Some(started.clone()))];
    assert_eq!(side_rows(backend, false).await, expected);
    // Concurrent riders, whose changes may share a group commit, each write their own row.
    let mut handles = Vec::new();
    for n in 10..30_i64 {
        let engine = engine.clone();
        handles.push(tokio::spawn(async move {
            let key = format!("RIDE-{n}");
            let work = engine.start("order", StartOrder { business_key: Some(key), ..StartOrder::default() });
            let (id, written) = riding(record(n), work).await;
            assert!(written);
            (n, Some(id.expect("starts")))
        }));
    }
    let mut expected = expected;
    for h in handles {
        expected.push(h.await.expect("joins"));
    }
    assert_eq!(side_rows(backend, false).await, expected);
}

/// An engine opened with notices writes one for a task's reminder and one for its escalation,
/// in the transaction of the change that caused them, naming the holder, the escalation role and
/// the due time; a deliverer claims each once per lease, and a delivered notice is gone. An
/// engine opened without notices (the default) writes none.
pub(super) async fn notices_are_written_with_their_change_and_claimed_once(backend: &Backend) {
    let (plain, clock, _) = setup(backend).await;
    let person = Actor::person("op-1", &["operator"], None);
    let quiet = plain.start("reminded", StartOrder::default()).await.expect("starts");
    clock.advance(3600 + 600);
    while plain.run_due().await.expect("a round") > 0 {}
    assert!(
        plain.order(&quiet).await.expect("order").history.iter().any(|h| matches!(h.event, Event::Reminded { .. }))
    );
    assert!(plain.claim_notices(10, 60).await.expect("claims").is_empty(), "no outbox by default");
    plain.close().await;

    let options = EngineOptions {
        durability: Durability::Normal,
        clock: clock.clone(),
        notices: true,
        ..EngineOptions::default()
    };
    let engine = Engine::open_with(&backend.url(), options).await.expect("opens");
    engine.deploy(&[flows_dir(FLOWS)], None).await.expect("deploys");
    let start = StartOrder { business_key: Some("N-1".into()), ..StartOrder::default() };
    let id = engine.start("reminded", start).await.expect("starts");
    let task = engine.take_next(&person).await.expect("takes").expect("a task");
    assert_eq!(task.order, id);
    let due = task.due_at.expect("an SLA");
    clock.advance(3600 + 600);
    while engine.run_due().await.expect("a round") > 0 {}
    let notices = engine.claim_notices(10, 60).await.expect("claims");
    let summary: Vec<_> = notices
        .iter()
        .map(|n| {
            (
                n.kind,
                n.order.as_str(),
                n.business_key.as_deref(),
                n.step.as_deref(),
                n.role.as_deref(),
                n.person.as_deref(),
                n.due_at,
                n.attempts,
            )
        })
        .collect();
    use junro_engine::store::NoticeKind;
    assert_eq!(
        summary,
        vec![
            (NoticeKind::Reminder, id.as_str(), Some("N-1"), Some("call"), None, Some("op-1"), Some(due), 1),
            (
                NoticeKind::Escalation,
                id.as_str(),
                Some("N-1"),
                Some("call"),
                Some("reviewer"),
                Some("op-1"),
                Some(due),
                1
            ),
        ]
    );
    assert!(notices[0].at <= notices[1].at, "oldest first");
    assert!(engine.claim_notices(10, 60).await.expect("claims").is_empty(), "leased");
    clock.advance(61);
    let again = engine.claim_notices(10, 60).await.expect("claims");
    assert_eq!(
        again.iter().map(|n| (n.key.clone(), n.attempts)).collect::<Vec<_>>(),
        notices.iter().map(|n| (n.key.clone(), 2)).collect::<Vec<_>>(),
        "a lapsed lease hands them out again"
    );
    let keys: Vec<String> = again.iter().map(|n| n.key.clone()).collect();
    engine.notices_done(&keys).await.expect("done");
    clock.advance(61);
    assert!(engine.claim_notices(10, 60).await.expect("claims").is_empty(), "delivered notices are gone");
}
