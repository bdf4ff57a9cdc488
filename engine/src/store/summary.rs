//! The KPI summary's storage: chunks of finished orders' figures (encoded by `kpi::summary`),
//! and each summarised instance listed with its chunk (`kpi_summarised`), so that a report
//! reads the chunks and only the other instances' events.
//!
//! The chunks and the unsummarised instances are read in one transaction (a snapshot: SQLite's
//! read transaction, PostgreSQL's `REPEATABLE READ`), so an order summarised by another process
//! meanwhile is seen once, either in its chunk or by its events, never twice or not at all.

/// A stored chunk of the KPI summary.
#[derive(Debug, Clone)]
pub struct KpiChunk {
    /// Its row id.
    pub id: i64,
    /// How many orders it holds.
    pub orders: u64,
    /// How many events the figures were computed from.
    pub events: u64,
    /// The latest `updated_at` of its instances, microseconds since the epoch.
    pub last_update_us: i64,
    /// The encoded figures.
    pub figures: Vec<u8>,
}

/// A chunk to store, with every instance (orders and their subflows) it summarises.
#[derive(Debug, Clone)]
pub struct NewKpiChunk<'a> {
    /// Names the code and calendars the figures were computed with.
    pub key: &'a str,
    /// How many orders it holds.
    pub orders: u64,
    /// How many events the figures were computed from.
    pub events: u64,
    /// The latest `updated_at` of its instances, microseconds since the epoch.
    pub last_update_us: i64,
    /// The encoded figures.
    pub figures: Vec<u8>,
    /// The ids of every instance it summarises.
    pub instances: &'a [String],
}

/// How many instances one `INSERT INTO kpi_summarised` lists (well under both databases'
/// limits on bound values).
pub(crate) const MARK_BATCH: usize = 500;

/// Adds the KPI summary's methods to a store (`SqliteStore`, `PostgresStore`); the `Store`
/// implementation calls them. `$snapshot` starts the reading transaction's isolation (empty for
/// SQLite, whose read transactions are snapshots already).
macro_rules! summary_store {
    ($store:ident, $db:ty, $snapshot:literal, $scan_sql:expr) => {
        impl $store {
            /// Drops chunks made under another key (their orders become unsummarised), then reads
            /// the chunks of `key` and streams the unsummarised instances to `sink`, both from one
            /// snapshot.
            pub(crate) async fn kpi_snapshot_impl(
                &self,
                key: &str,
                kinds: &[&str],
                chunks: &mut Vec<KpiChunk>,
                sink: &mut InstanceSink<'_>,
            ) -> Result<(), StoreError> {
                let stale: i64 = sqlx::query_scalar("SELECT count(*) FROM kpi_chunks WHERE key <> $1")
                    .bind(key)
                    .fetch_one(&self.pool)
                    .await?;
                if stale > 0 {
                    let _writer = self.writer().await;
                    let mut tx = self.writes.begin().await?;
                    sqlx::query("DELETE FROM kpi_chunks WHERE key <> $1").bind(key).execute(&mut *tx).await?;
                    sqlx::query("DELETE FROM kpi_summarised WHERE chunk NOT IN (SELECT id FROM kpi_chunks)")
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                }
                let mut tx = self.pool.begin().await?;
                if !$snapshot.is_empty() {
                    sqlx::query($snapshot).execute(&mut *tx).await?;
                }
                {
                    let mut rows = sqlx::query(
                        "SELECT id, orders, events, last_update, figures FROM kpi_chunks WHERE key = $1 ORDER BY id",
                    )
                    .bind(key)
                    .fetch(&mut *tx);
                    while let Some(row) = rows.try_next().await? {
                        chunks.push(KpiChunk {
                            id: row.try_get("id")?,
                            orders: u64::try_from(row.try_get::<i64, _>("orders")?).unwrap_or(0),
                            events: u64::try_from(row.try_get::<i64, _>("events")?).unwrap_or(0),
                            last_update_us: row.try_get("last_update")?,
                            figures: row.try_get("figures")?,
                        });
                    }
                }
                {
                    let sql = super::scan::sql($scan_sql, super::scan::Instances::Unsummarised);
                    // Nothing is spliced in but fixed filters.
                    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *tx);
                    while let Some(row) = rows.try_next().await? {
                        let record: &str = row.try_get(0)?;
                        super::scan::each_instance(record, kinds, sink)?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            /// Stores `chunk` and marks its instances, unless one of them is summarised already
            /// (another process got there first): then nothing is stored and the result is
            /// `false`.
            pub(crate) async fn save_kpi_chunk_impl(&self, chunk: NewKpiChunk<'_>) -> Result<bool, StoreError> {
                let _writer = self.writer().await;
                let mut tx = self.writes.begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO kpi_chunks (key, orders, events, last_update, figures) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(chunk.key)
                .bind(i64::try_from(chunk.orders).unwrap_or(i64::MAX))
                .bind(i64::try_from(chunk.events).unwrap_or(i64::MAX))
                .bind(chunk.last_update_us)
                .bind(chunk.figures)
                .fetch_one(&mut *tx)
                .await?;
                let mut marked = 0;
                for ids in chunk.instances.chunks(super::summary::MARK_BATCH) {
                    let mut q = sqlx::QueryBuilder::<$db>::new("INSERT INTO kpi_summarised (order_id, chunk) ");
                    q.push_values(ids, |mut row, instance| {
                        row.push_bind(instance.as_str()).push_bind(id);
                    });
                    q.push(" ON CONFLICT (order_id) DO NOTHING");
                    marked += q.build().execute(&mut *tx).await?.rows_affected();
                }
                if marked != chunk.instances.len() as u64 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                tx.commit().await?;
                Ok(true)
            }
        }
    };
}

pub(crate) use summary_store;
