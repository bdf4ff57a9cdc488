//! The schema migrations, embedded in the binary so that an embedding application never depends
//! on its working directory. They run on open; sqlx's migrator checks each applied migration's
//! checksum, so an edited migration is refused instead of silently diverging.

use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::borrow::Cow;

/// `(version, description, sql)` of each migration, in order.
type Files = [(i64, &'static str, &'static str)];

/// Builds a migrator from embedded `(version, description, sql)` triples (also for an
/// embedding application's own tables, under a history table of its own:
/// `Migrator::dangerous_set_table_name`).
pub fn migrator(files: &Files) -> Migrator {
    let migrations: Vec<Migration> = files
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(*description),
                MigrationType::Simple,
                SqlStr::from_static(sql),
                false,
            )
        })
        .collect();
    Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
}

const SQLITE: &Files = &[
    (1, "orders", include_str!("../../../migrations/sqlite/0001_orders.sql")),
    (2, "kpi summary", include_str!("../../../migrations/sqlite/0002_kpi_summary.sql")),
    (3, "event rows", include_str!("../../../migrations/sqlite/0003_event_rows.sql")),
    (4, "events appended", include_str!("../../../migrations/sqlite/0004_events_appended.sql")),
    (5, "timers on orders", include_str!("../../../migrations/sqlite/0005_timers_on_orders.sql")),
    (6, "queue order", include_str!("../../../migrations/sqlite/0006_queue_order.sql")),
    (7, "incidents", include_str!("../../../migrations/sqlite/0007_incidents.sql")),
    (8, "queue by due time", include_str!("../../../migrations/sqlite/0008_queue_due.sql")),
    (10, "lost signals", include_str!("../../../migrations/sqlite/0010_lost_signals.sql")),
    (11, "held tasks", include_str!("../../../migrations/sqlite/0011_held_tasks.sql")),
    (12, "deputies", include_str!("../../../migrations/sqlite/0012_deputies.sql")),
    (13, "notices", include_str!("../../../migrations/sqlite/0013_notices.sql")),
    (14, "notice field", include_str!("../../../migrations/sqlite/0014_notice_field.sql")),
    (15, "job pick-up", include_str!("../../../migrations/sqlite/0015_job_pickup.sql")),
];

const POSTGRES: &Files = &[
    (1, "orders", include_str!("../../../migrations/postgres/0001_orders.sql")),
    (2, "kpi summary", include_str!("../../../migrations/postgres/0002_kpi_summary.sql")),
    (3, "event rows", include_str!("../../../migrations/postgres/0003_event_rows.sql")),
    (5, "timers on orders", include_str!("../../../migrations/postgres/0005_timers_on_orders.sql")),
    (6, "queue order", include_str!("../../../migrations/postgres/0006_queue_order.sql")),
    (7, "incidents", include_str!("../../../migrations/postgres/0007_incidents.sql")),
    (8, "queue by due time", include_str!("../../../migrations/postgres/0008_queue_due.sql")),
    (9, "queue of unclaimed tasks", include_str!("../../../migrations/postgres/0009_queue_unclaimed.sql")),
    (10, "lost signals", include_str!("../../../migrations/postgres/0010_lost_signals.sql")),
    (11, "held tasks", include_str!("../../../migrations/postgres/0011_held_tasks.sql")),
    (12, "deputies", include_str!("../../../migrations/postgres/0012_deputies.sql")),
    (13, "notices", include_str!("../../../migrations/postgres/0013_notices.sql")),
    (14, "notice field", include_str!("../../../migrations/postgres/0014_notice_field.sql")),
    (15, "job pick-up", include_str!("../../../migrations/postgres/0015_job_pickup.sql")),
];

/// Every table the PostgreSQL migrations create, as their `CREATE TABLE` statements name them.
pub(crate) fn postgres_tables() -> Vec<&'static str> {
    POSTGRES
        .iter()
        .flat_map(|(_, _, sql)| sql.split("CREATE TABLE ").skip(1))
        .filter_map(|rest| rest.split(|c: char| c.is_whitespace() || c == '(').next())
        .collect()
}

/// The SQLite migrations (`migrations/sqlite`).
pub(crate) fn sqlite() -> Migrator {
    migrator(SQLITE)
}

/// The PostgreSQL migrations (`migrations/postgres`): the same versions as SQLite's but 4, which
/// changes how SQLite lays out its events table and has no PostgreSQL counterpart, and with 9,
/// an index of the unclaimed tasks that only PostgreSQL's planner needs.
pub(crate) fn postgres() -> Migrator {
    migrator(POSTGRES)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_table_the_postgresql_migrations_create_is_named() {
        let tables = super::postgres_tables();
        for table in ["programs", "orders", "events", "tasks", "jobs", "kpi_summarised", "event_rows", "incidents"] {
            assert!(tables.contains(&table), "{table} in {tables:?}");
        }
        assert!(tables.iter().all(|t| t.chars().all(|c| c.is_ascii_lowercase() || c == '_')), "{tables:?}");
    }

    use super::*;
    use crate::machine::Event;
    use crate::store::{PostgresStore, SqliteStore, Store};

    /// An event as migrations 1 and 2 stored it: (seq, at, kind, body).
    const OLD_EVENTS: [(i64, i64, &str, &str); 2] =
        [(1, 1_000_000, "held", r#"{"actor":"a","reason":"待ち"}"#), (2, 2_000_000, "resumed", r#"{"actor":"a"}"#)];

    /// Migrates `$pool` to version 2 with `$files` and stores [`OLD_EVENTS`] as those versions
    /// did (a macro: the SQLite and PostgreSQL pools are different types).
    macro_rules! write_before_migration_3 {
        ($pool:expr, $files:expr) => {{
            migrator(&$files[..2]).run(&$pool).await.expect("migrations 1 and 2");
            for (seq, at, kind, body) in OLD_EVENTS {
                sqlx::query("INSERT INTO events (order_id, seq, at, kind, body) VALUES ('o-1', $1, $2, $3, $4)")
                    .bind(seq)
                    .bind(at)
                    .bind(kind)
                    .bind(body)
                    .execute(&$pool)
                    .await
                    .expect("an old event");
            }
            $pool.close().await;
        }};
    }

    /// Due times of an order's two timers as migration 1 stored them (microseconds), the
    /// second earlier and not on a whole second.
    const OLD_TIMERS: [(i64, i64); 2] = [(3, 1_800_000_000_000_000), (4, 1_799_999_000_123_456)];

    /// Stores order `o-2` with [`OLD_TIMERS`] as migrations before 5 did (purposes in the state,
    /// due times in the timers table), and orders `o-3` and `o-4` without timers.
    macro_rules! write_timers_before_migration_5 {
        ($pool:expr, $files:expr) => {{
            migrator($files).run(&$pool).await.expect("the migrations before 5");
            let mut state = crate::machine::blank_state();
            state.id = "o-2".into();
            state.flow = "f".into();
            let mut json = serde_json::to_value(&state).expect("a state");
            json["timers"] = serde_json::json!({
                "3": { "purpose": "due", "instance": 1 },
                "4": { "purpose": "remind", "instance": 1 },
            });
            sqlx::query(
                "INSERT INTO orders (id, flow_id, version, status, received_at, state, version_no, updated_at) \
                 VALUES ('o-2', 'f', 1, 'open', 0, $1, 1, 5)",
            )
            .bind(json.to_string())
            .execute(&$pool)
            .await
            .expect("an old order");
            // Older engines wrote `"timers":{}` for an order without timers; newer ones leave it out.
            json["timers"] = serde_json::json!({});
            let without = serde_json::to_string(&state).expect("a state");
            for (id, state) in [("o-3", json.to_string()), ("o-4", without)] {
                sqlx::query(
                    "INSERT INTO orders (id, flow_id, version, status, received_at, state, version_no, updated_at) \
                     VALUES ($1, 'f', 1, 'open', 0, $2, 1, 5)",
                )
                .bind(id)
                .bind(state.replace("o-2", id))
                .execute(&$pool)
                .await
                .expect("an old order without timers");
            }
            for (id, at) in OLD_TIMERS {
                sqlx::query("INSERT INTO timers (order_id, id, at) VALUES ('o-2', $1, $2)")
                    .bind(id)
                    .bind(at)
                    .execute(&$pool)
                    .await
                    .expect("an old timer");
            }
            $pool.close().await;
        }};
    }

    /// After migration 5 the state knows each timer's due time, to the microsecond, and the
    /// worker finds the order when its earliest timer is due, not before; orders without timers
    /// are read as they were.
    async fn expect_timers(store: &impl Store) {
        let state = store.load("o-2").await.expect("loads").expect("the order");
        let due: Vec<(u64, i64)> = state.timers.iter().map(|(id, t)| (*id, t.at.as_microsecond())).collect();
        assert_eq!(due, vec![(3, OLD_TIMERS[0].1), (4, OLD_TIMERS[1].1)]);
        assert!(matches!(state.timers[&4].purpose, crate::machine::TimerPurpose::Remind { instance: 1 }));
        for id in ["o-3", "o-4"] {
            let state = store.load(id).await.expect("loads").expect("the order");
            assert!(state.timers.is_empty(), "{id} has no timers");
        }
        let at = |us: i64| jiff::Timestamp::from_microsecond(us).expect("a time");
        assert!(store.claim_timers(at(OLD_TIMERS[1].1 - 1), 10, 60).await.expect("claims").is_empty());
        assert_eq!(store.claim_timers(at(OLD_TIMERS[1].1), 10, 60).await.expect("claims"), vec!["o-2".to_string()]);
    }

    /// A SQLite file of this test process in the temp folder, and its URL.
    fn sqlite_file(name: &str) -> (std::path::PathBuf, String) {
        let path = std::env::temp_dir().join(format!("junro-{name}-{}.db", std::process::id()));
        let url = format!("sqlite:{}", path.display());
        (path, url)
    }

    /// A pool on the file without Junro's migrations, to write what older versions wrote.
    async fn raw_sqlite_pool(url: &str) -> sqlx::SqlitePool {
        let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(url)
            .expect("url")
            .create_if_missing(true);
        sqlx::SqlitePool::connect_with(options).await.expect("opens")
    }

    fn remove_sqlite_file(path: &std::path::Path) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    fn expect_history(history: &[crate::store::HistoryEntry]) {
        assert_eq!(history.len(), 2);
        assert_eq!((history[0].seq, history[0].at.as_microsecond()), (1, 1_000_000));
        assert_eq!(history[0].event, Event::Held { actor: "a".into(), reason: "待ち".into() });
        assert_eq!(history[1].event, Event::Resumed { actor: "a".into() });
    }

    #[tokio::test]
    async fn events_stored_one_per_row_read_back_after_migrations_3_and_4_on_sqlite() {
        let (path, url) = sqlite_file("migrate");
        {
            let pool = raw_sqlite_pool(&url).await;
            write_before_migration_3!(pool, SQLITE);
        }
        let store = SqliteStore::open(&url, crate::store::Durability::Full).await.expect("migrates");
        expect_history(&store.history("o-1").await.expect("history"));
        // Migration 4: rows in insertion order, found through the (order_id, seq) index.
        let index: Option<String> =
            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'events_order_seq'")
                .fetch_optional(&store.pool)
                .await
                .expect("reads the schema");
        assert!(index.is_some_and(|sql| sql.contains("UNIQUE")), "events are keyed by a unique (order_id, seq) index");
        store.close().await;
        remove_sqlite_file(&path);
    }

    #[tokio::test]
    async fn timers_stored_as_rows_are_kept_in_the_state_after_migration_5_on_sqlite() {
        let (path, url) = sqlite_file("migrate-timers");
        {
            let pool = raw_sqlite_pool(&url).await;
            write_timers_before_migration_5!(pool, &SQLITE[..4]);
        }
        let store = SqliteStore::open(&url, crate::store::Durability::Full).await.expect("migrates");
        expect_timers(&store).await;
        store.close().await;
        remove_sqlite_file(&path);
    }

    /// Orders stopped by incidents before migration 7 (a failed job, a stuck step) are listed
    /// after it, each at its step with its message and attempts; a closed order's are not.
    #[tokio::test]
    async fn incidents_of_orders_stopped_before_migration_7_are_listed_after_it_on_sqlite() {
        let (path, url) = sqlite_file("migrate-incidents");
        {
            let pool = raw_sqlite_pool(&url).await;
            migrator(&SQLITE[..6]).run(&pool).await.expect("the migrations before 7");
            let tokens = serde_json::json!({
                "3": {"instance": 3, "step": "provision", "activity": {"kind": "job", "action": "open_line",
                      "attempt": 3, "inputs": {}, "incident": "action `open_line` failed 3 time(s): down"}},
                "5": {"instance": 5, "step": "route", "activity": {"kind": "stuck", "message": "rule failed"}},
                "6": {"instance": 6, "step": "other", "activity": {"kind": "job", "action": "x", "attempt": 1,
                      "inputs": {}, "incident": null}},
            });
            for (id, status) in [("o-5", "open"), ("o-6", "closed")] {
                let mut state = serde_json::to_value(crate::machine::blank_state()).expect("a state");
                state["id"] = id.into();
                state["tokens"] = tokens.clone();
                sqlx::query(
                    "INSERT INTO orders (id, flow_id, version, status, vendor, received_at, state, version_no, updated_at) \
                     VALUES ($1, 'f', 1, $2, 'v', 0, $3, 1, 7000000)",
                )
                .bind(id)
                .bind(status)
                .bind(state.to_string())
                .execute(&pool)
                .await
                .expect("an order");
            }
            pool.close().await;
        }
        let store = SqliteStore::open(&url, crate::store::Durability::Full).await.expect("migrates");
        let listed = store.incidents(&crate::store::IncidentFilter::default()).await.expect("incidents");
        let rows: Vec<_> = listed
            .iter()
            .map(|r| (r.order.as_str(), r.instance, r.step.as_str(), r.attempts, r.message.as_str()))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("o-5", 3, "provision", 3, "action `open_line` failed 3 time(s): down"),
                ("o-5", 5, "route", 1, "rule failed"),
            ]
        );
        assert!(listed.iter().all(|r| r.vendor.as_deref() == Some("v") && r.raised_at.as_microsecond() == 7_000_000));
        store.close().await;
        remove_sqlite_file(&path);
    }

    #[tokio::test]
    async fn events_stored_one_per_row_read_back_after_migration_3_on_postgres() {
        let Ok(url) = std::env::var("JUNRO_TEST_POSTGRES_URL") else {
            assert!(std::env::var_os("CI").is_none(), "CI must set JUNRO_TEST_POSTGRES_URL");
            return;
        };
        // Its own schema, so that it never races the conformance suite for the tables.
        let admin = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&url).await.expect("connects");
        sqlx::query("DROP SCHEMA IF EXISTS junro_migrate_test CASCADE").execute(&admin).await.expect("drops");
        sqlx::query("CREATE SCHEMA junro_migrate_test").execute(&admin).await.expect("creates");
        admin.close().await;
        let separator = if url.contains('?') { '&' } else { '?' };
        let url = format!("{url}{separator}options=-c%20search_path%3Djunro_migrate_test");
        {
            let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&url).await.expect("connects");
            write_before_migration_3!(pool, POSTGRES);
        }
        let store = PostgresStore::open(&url).await.expect("migrates");
        expect_history(&store.history("o-1").await.expect("history"));
        store.close().await;
        // Migration 5, from a database at version 3 (PostgreSQL has no version 4).
        let admin = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&url).await.expect("connects");
        for sql in ["DROP SCHEMA junro_migrate_test CASCADE", "CREATE SCHEMA junro_migrate_test"] {
            sqlx::query(sql).execute(&admin).await.expect("resets the schema");
        }
        admin.close().await;
        {
            let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&url).await.expect("connects");
            write_timers_before_migration_5!(pool, &POSTGRES[..3]);
        }
        let store = PostgresStore::open(&url).await.expect("migrates");
        expect_timers(&store).await;
        store.close().await;
        let admin = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&url).await.expect("connects");
        sqlx::query("DROP SCHEMA junro_migrate_test CASCADE").execute(&admin).await.expect("drops");
        admin.close().await;
    }
}
