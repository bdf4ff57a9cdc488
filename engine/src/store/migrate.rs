//! The schema migrations, embedded in the binary so that an embedding application never depends
//! on its working directory. They run on open; sqlx's migrator checks each applied migration's
//! checksum, so an edited migration is refused instead of silently diverging.

use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::borrow::Cow;

/// `(version, description, sql)` of each migration, in order.
type Files = [(i64, &'static str, &'static str)];

/// Builds a migrator from embedded `(version, description, sql)` triples.
fn migrator(files: &Files) -> Migrator {
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
];

const POSTGRES: &Files = &[
    (1, "orders", include_str!("../../../migrations/postgres/0001_orders.sql")),
    (2, "kpi summary", include_str!("../../../migrations/postgres/0002_kpi_summary.sql")),
    (3, "event rows", include_str!("../../../migrations/postgres/0003_event_rows.sql")),
];

/// The SQLite migrations (`migrations/sqlite`).
pub(crate) fn sqlite() -> Migrator {
    migrator(SQLITE)
}

/// The PostgreSQL migrations (`migrations/postgres`): versions 1–3 as SQLite's; version 4
/// changes how SQLite lays out its events table and has no PostgreSQL counterpart.
pub(crate) fn postgres() -> Migrator {
    migrator(POSTGRES)
}

#[cfg(test)]
mod tests {
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

    fn expect_history(history: &[crate::store::HistoryEntry]) {
        assert_eq!(history.len(), 2);
        assert_eq!((history[0].seq, history[0].at.as_microsecond()), (1, 1_000_000));
        assert_eq!(history[0].event, Event::Held { actor: "a".into(), reason: "待ち".into() });
        assert_eq!(history[1].event, Event::Resumed { actor: "a".into() });
    }

    #[tokio::test]
    async fn events_stored_one_per_row_read_back_after_migrations_3_and_4_on_sqlite() {
        let path = std::env::temp_dir().join(format!("junro-migrate-{}.db", std::process::id()));
        let url = format!("sqlite:{}", path.display());
        {
            let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&url)
                .expect("url")
                .create_if_missing(true);
            let pool = sqlx::SqlitePool::connect_with(options).await.expect("opens");
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
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
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
        let admin = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&url).await.expect("connects");
        sqlx::query("DROP SCHEMA junro_migrate_test CASCADE").execute(&admin).await.expect("drops");
        admin.close().await;
    }
}
