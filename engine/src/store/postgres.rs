//! The PostgreSQL backend's connections: several runners share one database and write side
//! by side. Its statements are in `sql.rs`, shared with SQLite.

use super::StoreError;
use super::group::GroupQueue;

/// The scale-out path: several runners share one PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pub(super) pool: sqlx::PgPool,
    /// The same pool: PostgreSQL has many writers.
    pub(super) writes: sqlx::PgPool,
    /// Whether commits write notices (`notices.rs`).
    pub(super) notices: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl PostgresStore {
    /// Connects to and migrates a PostgreSQL database.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        // The engine's statements read a few rows by an index: a parallel plan's workers take
        // milliseconds to start, longer than the work (a take-next went from 0.3 to 5 ms).
        let options = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(url)?
            .options([("max_parallel_workers_per_gather", "0")]);
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(8).connect_with(options).await?;
        super::migrate::postgres().run(&pool).await?;
        Ok(PostgresStore { writes: pool.clone(), pool, notices: std::sync::Arc::default() })
    }

    /// PostgreSQL locks rows, not the database: writers need no queue.
    pub(super) async fn writer(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        None
    }

    /// No writer to hold (no group commit either).
    pub(super) async fn owned_writer(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        None
    }

    /// Concurrent transactions run side by side: each commit is its own.
    pub(super) fn group_queue(&self) -> Option<&GroupQueue> {
        None
    }

    /// No checkpoints: PostgreSQL's server does them.
    pub(super) async fn stop_checkpoints(&self) {}

    /// No group commit, so no thread to write groups on.
    pub(super) fn writer_runtime(&self) -> Option<&tokio::runtime::Handle> {
        None
    }

    /// Removes every table Junro created in the database at `url` (for tests that need a clean
    /// database). It does not migrate first, so it also clears a database whose migrations
    /// differ from this build's (left by another version of Junro).
    pub async fn reset(url: &str) -> Result<(), StoreError> {
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(url).await?;
        let mut tables = super::migrate::postgres_tables();
        tables.push("_sqlx_migrations");
        // The names come from this build's own migration files, not from any input.
        let sql = format!("DROP TABLE IF EXISTS {}", tables.join(", "));
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await?;
        pool.close().await;
        Ok(())
    }
}
