//! The service's own database: users, API tokens, sessions, the audit trail and shared
//! settings, in the same database as the engine's orders but in tables of the service's own
//! (`migrations/*/service/`, migration history `_junro_service_migrations`). The engine never
//! reads them: it knows actors, never passwords or sessions.
//!
//! One SQL text serves both backends (`$1` placeholders, integer times, JSON as text); the
//! [`on_pool!`] macro expands a query for whichever pool is open.

use sqlx::migrate::Migrator;
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;

/// The service's database failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names no backend the service supports.
    #[error("unsupported database URL {0} (use sqlite:… or postgres://…)")]
    UnsupportedUrl(String),
    /// The database said no.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrating the service's tables failed.
    #[error("migrating the service's tables: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A connection pool on either backend.
#[derive(Debug, Clone)]
pub enum Pool {
    /// SQLite (WAL; writers wait for each other through the busy timeout).
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// Runs the same query code on whichever pool is open: `$p` is bound to the pool.
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            $crate::serve::db::Pool::Sqlite($p) => $body,
            $crate::serve::db::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

const SQLITE: &[(i64, &str, &str)] = &[
    (1, "identities", include_str!("../../../migrations/sqlite/service/0001_identities.sql")),
    (2, "inbox", include_str!("../../../migrations/sqlite/service/0002_inbox.sql")),
    (3, "webhook deliveries", include_str!("../../../migrations/sqlite/service/0003_webhook_deliveries.sql")),
    (4, "mail", include_str!("../../../migrations/sqlite/service/0004_mail.sql")),
    (
        5,
        "notification preferences",
        include_str!("../../../migrations/sqlite/service/0005_notification_preferences.sql"),
    ),
    (6, "notification history", include_str!("../../../migrations/sqlite/service/0006_notification_history.sql")),
    (7, "user language", include_str!("../../../migrations/sqlite/service/0007_user_language.sql")),
];
const POSTGRES: &[(i64, &str, &str)] = &[
    (1, "identities", include_str!("../../../migrations/postgres/service/0001_identities.sql")),
    (2, "inbox", include_str!("../../../migrations/postgres/service/0002_inbox.sql")),
    (3, "webhook deliveries", include_str!("../../../migrations/postgres/service/0003_webhook_deliveries.sql")),
    (4, "mail", include_str!("../../../migrations/postgres/service/0004_mail.sql")),
    (
        5,
        "notification preferences",
        include_str!("../../../migrations/postgres/service/0005_notification_preferences.sql"),
    ),
    (6, "notification history", include_str!("../../../migrations/postgres/service/0006_notification_history.sql")),
    (7, "user language", include_str!("../../../migrations/postgres/service/0007_user_language.sql")),
];

fn migrator(files: &'static [(i64, &'static str, &'static str)]) -> Migrator {
    let mut migrator = junro_engine::store::embedded_migrator(files);
    // The engine's migrations keep sqlx's default history table; the service's are separate,
    // so that each side sees only its own migrations.
    migrator.dangerous_set_table_name("_junro_service_migrations");
    migrator
}

impl Pool {
    /// Opens the service's pool on `url` and brings its tables up to date. Open the engine first
    /// on the same URL: it creates a SQLite file with the engine's settings (WAL).
    pub async fn open(url: &str) -> Result<Pool, DbError> {
        if url.starts_with("sqlite:") {
            use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
            let memory = url.contains(":memory:");
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(if memory { SqliteJournalMode::Memory } else { SqliteJournalMode::Wal })
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(std::time::Duration::from_secs(10));
            // An in-memory database lives in its one connection: keep it for the pool's life.
            let pool = if memory {
                SqlitePoolOptions::new().max_connections(1).idle_timeout(None).max_lifetime(None)
            } else {
                SqlitePoolOptions::new().max_connections(4)
            }
            .connect_with(options)
            .await?;
            migrator(SQLITE).run(&pool).await?;
            Ok(Pool::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = sqlx::postgres::PgPoolOptions::new().max_connections(8).connect(url).await?;
            migrator(POSTGRES).run(&pool).await?;
            Ok(Pool::Postgres(pool))
        } else {
            Err(DbError::UnsupportedUrl(url.to_string()))
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.is_ok())
    }

    /// A shared setting, created with `make` by the first process that asks.
    pub async fn setting(&self, key: &str, make: impl FnOnce() -> String) -> Result<String, DbError> {
        use sqlx::Row;
        let value = make();
        on_pool!(self, p => {
            sqlx::query("INSERT INTO service_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                .bind(key)
                .bind(&value)
                .execute(p)
                .await?;
            let row = sqlx::query("SELECT value FROM service_settings WHERE key = $1").bind(key).fetch_one(p).await?;
            Ok(row.try_get("value")?)
        })
    }

    /// Closes the pool.
    pub async fn close(&self) {
        on_pool!(self, p => p.close().await);
    }
}

/// Now, in microseconds since the epoch, as the service's tables keep times.
pub(crate) fn micros(t: jiff::Timestamp) -> i64 {
    t.as_microsecond()
}

/// A stored time back as a timestamp.
pub(crate) fn from_micros(us: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_microsecond(us).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}
