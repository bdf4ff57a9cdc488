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
    let ddl = ["CREATE TABLE IF NOT EXISTS side_rows (n BIGINT NOT NULL, t TEXT)", "DELETE FROM side_rows"];
    let read = "SELECT n, t FROM side_rows ORDER BY n";
    // Makes the table empty (`clear`), then reads it.
    let side = async |url: &str, clear: bool| -> Vec<(i64, Option<String>)> {
        let ddl = if clear { &ddl[..] } else { &[] };
        match backend {
            Backend::Sqlite(_) => {
                let pool = sqlx::SqlitePool::connect(url).await.expect("connects");
                for sql in ddl {
                    sqlx::query(*sql).execute(&pool).await.expect("side table");
                }
                sqlx::query_as(read).fetch_all(&pool).await.expect("reads")
            }
            Backend::Postgres(_) => {
                let pool = sqlx::PgPool::connect(url).await.expect("connects");
                for sql in ddl {
                    sqlx::query(*sql).execute(&pool).await.expect("side table");
                }
                sqlx::query_as(read).fetch_all(&pool).await.expect("reads")
            }
        }
    };
    assert!(side(&backend.url(), true).await.is_empty());
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
    let rows = side(&backend.url(), false).await;
    let expected: Vec<(i64, Option<String>)> = (0..20).map(|n| (n, (n % 2 == 0).then(|| format!("行{n}")))).collect();
    assert_eq!(rows, expected);
    let malformed = Appended { head: "INSERT INTO side_rows (n, t) ", columns: 2, rows: vec![vec![Cell::Int(1)]] };
    let refused = engine.append(malformed).await;
    assert!(matches!(refused, Err(EngineError::Store(junro_engine::store::StoreError::Malformed(_)))), "{refused:?}");
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
