//! The SQL behind [`Store`], written once and expanded for SQLite and for PostgreSQL by
//! `sql_store!`. The backends differ only where they must: how due work is claimed (PostgreSQL
//! adds `FOR UPDATE SKIP LOCKED` so that several runners never claim the same row), connection
//! settings, and migrations.

use super::{
    BoxFuture, Change, Deployment, Durability, HistoryEntry, JobRow, OrderFilter, OrderRow, Store, StoreError,
    TaskFilter, TaskRow, from_micros, micros,
};
use crate::machine::{Effect, OrderState, Status};
use jiff::{SignedDuration, Timestamp};
use sqlx::{QueryBuilder, Row};
use std::str::FromStr;

fn corrupt(order: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt { order: order.to_string(), message: error.to_string() }
}

fn status_of(state: &OrderState) -> (&'static str, Option<String>, Option<i64>) {
    match &state.status {
        Status::Open => ("open", None, None),
        Status::OnHold { .. } => ("on_hold", None, None),
        Status::Closed { outcome, at } => ("closed", Some(outcome.clone()), Some(micros(*at))),
    }
}

fn lease_end(now: Timestamp, lease_s: u64) -> i64 {
    micros(
        now.checked_add(SignedDuration::from_secs(i64::try_from(lease_s).unwrap_or(i64::MAX)))
            .unwrap_or(Timestamp::MAX),
    )
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

macro_rules! sql_store {
    ($store:ident, $db:ty, $skip_locked:literal) => {
        impl $store {
            async fn write_change(tx: &mut sqlx::Transaction<'static, $db>, change: Change) -> Result<(), StoreError> {
                let state = &change.state;
                let json = serde_json::to_string(state).map_err(|e| corrupt(&state.id, e))?;
                let (status, outcome, closed_at) = status_of(state);
                let now = change.events.last().map_or(0, |(_, at, _)| micros(*at));
                let version_no = i64::try_from(state.version_no).unwrap_or(i64::MAX);
                match change.expected_version {
                    None => {
                        let inserted = sqlx::query(
                            "INSERT INTO orders (id, flow_id, version, business_key, parent_id, status, outcome, vendor, channel, received_at, closed_at, state, version_no, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                        )
                        .bind(&state.id)
                        .bind(&state.flow)
                        .bind(i64::from(state.version))
                        .bind(&state.business_key)
                        .bind(state.parent.as_ref().map(|p| p.0.clone()))
                        .bind(status)
                        .bind(&outcome)
                        .bind(&state.vendor)
                        .bind(&state.channel)
                        .bind(micros(state.received_at))
                        .bind(closed_at)
                        .bind(&json)
                        .bind(version_no)
                        .bind(now)
                        .execute(&mut **tx)
                        .await;
                        match inserted {
                            Err(e) if is_unique_violation(&e) => {
                                return Err(StoreError::DuplicateKey(state.business_key.clone().unwrap_or_else(|| state.id.clone())));
                            }
                            other => {
                                other?;
                            }
                        }
                    }
                    Some(expected) => {
                        let updated = sqlx::query(
                            "UPDATE orders SET status = $1, outcome = $2, vendor = $3, closed_at = $4, state = $5, version_no = $6, updated_at = $7 \
                             WHERE id = $8 AND version_no = $9",
                        )
                        .bind(status)
                        .bind(&outcome)
                        .bind(&state.vendor)
                        .bind(closed_at)
                        .bind(&json)
                        .bind(version_no)
                        .bind(now)
                        .bind(&state.id)
                        .bind(i64::try_from(expected).unwrap_or(i64::MAX))
                        .execute(&mut **tx)
                        .await?;
                        if updated.rows_affected() == 0 {
                            return Err(StoreError::Conflict(state.id.clone()));
                        }
                    }
                }
                if !change.events.is_empty() {
                    let mut insert = QueryBuilder::<$db>::new("INSERT INTO events (order_id, seq, at, kind, body) ");
                    let mut rows = Vec::with_capacity(change.events.len());
                    for (seq, at, event) in &change.events {
                        let body = serde_json::to_value(event).map_err(|e| corrupt(&state.id, e))?;
                        let kind = body.get("event").and_then(|k| k.as_str()).unwrap_or("").to_string();
                        rows.push((i64::try_from(*seq).unwrap_or(i64::MAX), micros(*at), kind, body.to_string()));
                    }
                    insert.push_values(rows, |mut b, (seq, at, kind, body)| {
                        b.push_bind(&state.id).push_bind(seq).push_bind(at).push_bind(kind).push_bind(body);
                    });
                    insert.build().execute(&mut **tx).await?;
                }
                for effect in &change.effects {
                    Self::write_effect(tx, state, effect).await?;
                }
                Ok(())
            }

            async fn write_effect(tx: &mut sqlx::Transaction<'static, $db>, state: &OrderState, effect: &Effect) -> Result<(), StoreError> {
                let order = &state.id;
                match effect {
                    Effect::CreateTask { instance, step, role, lane, vendor, priority, due_at } => {
                        sqlx::query(
                            "INSERT INTO tasks (order_id, instance, flow_id, step, role, lane, vendor, priority, due_at, ready_at, assignee) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)",
                        )
                        .bind(order)
                        .bind(*instance as i64)
                        .bind(&state.flow)
                        .bind(step)
                        .bind(role)
                        .bind(lane)
                        .bind(vendor)
                        .bind(i64::from(*priority))
                        .bind(due_at.map(micros))
                        .bind(state.tokens.get(instance).map_or(0, |t| match &t.activity {
                            crate::machine::Activity::Task { ready_at, .. } => micros(*ready_at),
                            _ => 0,
                        }))
                        .execute(&mut **tx)
                        .await?;
                    }
                    Effect::CloseTask { instance } => {
                        sqlx::query("DELETE FROM tasks WHERE order_id = $1 AND instance = $2").bind(order).bind(*instance as i64).execute(&mut **tx).await?;
                    }
                    Effect::ScheduleTimer { id, at } => {
                        sqlx::query("INSERT INTO timers (order_id, id, at, locked_until) VALUES ($1, $2, $3, 0)")
                            .bind(order)
                            .bind(*id as i64)
                            .bind(micros(*at))
                            .execute(&mut **tx)
                            .await?;
                    }
                    Effect::CancelTimer { id } => {
                        sqlx::query("DELETE FROM timers WHERE order_id = $1 AND id = $2").bind(order).bind(*id as i64).execute(&mut **tx).await?;
                    }
                    Effect::EnqueueJob { instance, action, inputs, idempotency_key, attempt, run_at, timeout } => {
                        let inputs = serde_json::to_string(inputs).map_err(|e| corrupt(order, e))?;
                        sqlx::query(
                            "INSERT INTO jobs (order_id, instance, action, inputs, idempotency_key, attempt, run_at, timeout_s, locked_until) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0) \
                             ON CONFLICT (order_id, instance) DO UPDATE SET attempt = excluded.attempt, run_at = excluded.run_at, inputs = excluded.inputs, locked_until = 0",
                        )
                        .bind(order)
                        .bind(*instance as i64)
                        .bind(action)
                        .bind(inputs)
                        .bind(idempotency_key)
                        .bind(i64::from(*attempt))
                        .bind(micros(*run_at))
                        .bind(timeout.map(|t| t as i64))
                        .execute(&mut **tx)
                        .await?;
                    }
                    // Subflows and parents are applied by the engine in the same unit of work.
                    Effect::StartSubflow { .. } | Effect::NotifyParent { .. } => {}
                }
                Ok(())
            }

            async fn sync_assignees(tx: &mut sqlx::Transaction<'static, $db>, state: &OrderState) -> Result<(), StoreError> {
                for token in state.tokens.values() {
                    if let crate::machine::Activity::Task { assignee, .. } = &token.activity {
                        sqlx::query("UPDATE tasks SET assignee = $1 WHERE order_id = $2 AND instance = $3")
                            .bind(assignee)
                            .bind(&state.id)
                            .bind(token.instance as i64)
                            .execute(&mut **tx)
                            .await?;
                    }
                }
                Ok(())
            }

            async fn finish_work(tx: &mut sqlx::Transaction<'static, $db>, state: &OrderState) -> Result<(), StoreError> {
                // Jobs and timers the order no longer waits for are done (fired, finished, or
                // withdrawn). A job waiting for its retry timer has no row until the retry queues it.
                let retrying: Vec<u64> = state
                    .timers
                    .values()
                    .filter_map(|p| if let crate::machine::TimerPurpose::Retry { instance } = p { Some(*instance) } else { None })
                    .collect();
                let jobs: Vec<i64> = state
                    .tokens
                    .values()
                    .filter(|t| matches!(t.activity, crate::machine::Activity::Job { incident: None, .. }))
                    .filter(|t| !retrying.contains(&t.instance))
                    .map(|t| t.instance as i64)
                    .collect();
                let mut delete = QueryBuilder::<$db>::new("DELETE FROM jobs WHERE order_id = ");
                delete.push_bind(&state.id);
                if !jobs.is_empty() {
                    delete.push(" AND instance NOT IN (");
                    let mut list = delete.separated(", ");
                    for j in &jobs {
                        list.push_bind(*j);
                    }
                    delete.push(")");
                }
                delete.build().execute(&mut **tx).await?;
                let timers: Vec<i64> = state.timers.keys().map(|t| *t as i64).collect();
                let mut delete = QueryBuilder::<$db>::new("DELETE FROM timers WHERE order_id = ");
                delete.push_bind(&state.id);
                if !timers.is_empty() {
                    delete.push(" AND id NOT IN (");
                    let mut list = delete.separated(", ");
                    for t in &timers {
                        list.push_bind(*t);
                    }
                    delete.push(")");
                }
                delete.build().execute(&mut **tx).await?;
                Ok(())
            }
        }

        impl Store for $store {
            fn save_program<'a>(&'a self, hash: &'a str, files: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
                Box::pin(async move {
                    sqlx::query("INSERT INTO programs (hash, files) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING")
                        .bind(hash)
                        .bind(files)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                })
            }

            fn program<'a>(&'a self, hash: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
                Box::pin(async move {
                    let row = sqlx::query("SELECT files FROM programs WHERE hash = $1").bind(hash).fetch_optional(&self.pool).await?;
                    Ok(match row {
                        Some(r) => Some(r.try_get("files")?),
                        None => None,
                    })
                })
            }

            fn deploy<'a>(&'a self, flow: &'a str, fingerprint: &'a str, program_hash: &'a str, label: &'a str, effective_from: Option<Timestamp>, now: Timestamp) -> BoxFuture<'a, Result<u32, StoreError>> {
                Box::pin(async move {
                    let mut tx = self.pool.begin().await?;
                    let latest = sqlx::query("SELECT version, fingerprint FROM deployments WHERE flow_id = $1 ORDER BY version DESC LIMIT 1")
                        .bind(flow)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let version = match latest {
                        Some(row) if row.try_get::<String, _>("fingerprint")? == fingerprint => {
                            return Ok(u32::try_from(row.try_get::<i64, _>("version")?).unwrap_or(0));
                        }
                        Some(row) => u32::try_from(row.try_get::<i64, _>("version")?).unwrap_or(0) + 1,
                        None => 1,
                    };
                    sqlx::query("INSERT INTO deployments (flow_id, version, fingerprint, program_hash, label, effective_from, deployed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                        .bind(flow)
                        .bind(i64::from(version))
                        .bind(fingerprint)
                        .bind(program_hash)
                        .bind(label)
                        .bind(effective_from.map(micros))
                        .bind(micros(now))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(version)
                })
            }

            fn deployments(&self) -> BoxFuture<'_, Result<Vec<Deployment>, StoreError>> {
                Box::pin(async move {
                    let rows = sqlx::query("SELECT flow_id, version, fingerprint, program_hash, label, effective_from FROM deployments ORDER BY flow_id, version")
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(Deployment {
                                flow: r.try_get("flow_id")?,
                                version: u32::try_from(r.try_get::<i64, _>("version")?).unwrap_or(0),
                                fingerprint: r.try_get("fingerprint")?,
                                program_hash: r.try_get("program_hash")?,
                                label: r.try_get("label")?,
                                effective_from: r.try_get::<Option<i64>, _>("effective_from")?.map(from_micros),
                            })
                        })
                        .collect()
                })
            }

            fn load<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<OrderState>, StoreError>> {
                Box::pin(async move {
                    let row = sqlx::query("SELECT state FROM orders WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                    match row {
                        None => Ok(None),
                        Some(row) => {
                            let json: String = row.try_get("state")?;
                            serde_json::from_str(&json).map(Some).map_err(|e| corrupt(id, e))
                        }
                    }
                })
            }

            fn find_by_key<'a>(&'a self, business_key: &'a str) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
                Box::pin(async move {
                    let row = sqlx::query("SELECT id FROM orders WHERE business_key = $1").bind(business_key).fetch_optional(&self.pool).await?;
                    Ok(match row {
                        Some(r) => Some(r.try_get("id")?),
                        None => None,
                    })
                })
            }

            fn commit(&self, changes: Vec<Change>) -> BoxFuture<'_, Result<(), StoreError>> {
                Box::pin(async move {
                    let mut tx = self.pool.begin().await?;
                    for change in changes {
                        let state = change.state.clone();
                        let fresh = change.expected_version.is_none();
                        Self::write_change(&mut tx, change).await?;
                        Self::sync_assignees(&mut tx, &state).await?;
                        if !fresh {
                            Self::finish_work(&mut tx, &state).await?;
                        }
                    }
                    tx.commit().await?;
                    Ok(())
                })
            }

            fn tasks<'a>(&'a self, filter: &'a TaskFilter) -> BoxFuture<'a, Result<Vec<TaskRow>, StoreError>> {
                Box::pin(async move {
                    let mut q = QueryBuilder::<$db>::new(
                        "SELECT order_id, instance, flow_id, step, role, lane, vendor, priority, due_at, ready_at, assignee FROM tasks WHERE 1 = 1",
                    );
                    if let Some(roles) = &filter.roles {
                        if roles.is_empty() {
                            return Ok(Vec::new());
                        }
                        q.push(" AND role IN (");
                        let mut list = q.separated(", ");
                        for r in roles {
                            list.push_bind(r.clone());
                        }
                        q.push(")");
                    }
                    if let Some(vendor) = &filter.vendor {
                        q.push(" AND (vendor IS NULL OR vendor = ").push_bind(vendor.clone()).push(")");
                    }
                    if filter.unclaimed {
                        q.push(" AND assignee IS NULL");
                    }
                    if let Some(assignee) = &filter.assignee {
                        q.push(" AND assignee = ").push_bind(assignee.clone());
                    }
                    if let Some(order) = &filter.order {
                        q.push(" AND order_id = ").push_bind(order.clone());
                    }
                    q.push(" ORDER BY priority DESC, ready_at, order_id, instance LIMIT ").push_bind(i64::from(filter.limit.unwrap_or(100)));
                    let rows = q.build().fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(TaskRow {
                                order: r.try_get("order_id")?,
                                instance: r.try_get::<i64, _>("instance")? as u64,
                                flow: r.try_get("flow_id")?,
                                step: r.try_get("step")?,
                                role: r.try_get("role")?,
                                lane: r.try_get("lane")?,
                                vendor: r.try_get("vendor")?,
                                priority: u8::try_from(r.try_get::<i64, _>("priority")?).unwrap_or(1),
                                due_at: r.try_get::<Option<i64>, _>("due_at")?.map(from_micros),
                                ready_at: from_micros(r.try_get("ready_at")?),
                                assignee: r.try_get("assignee")?,
                            })
                        })
                        .collect()
                })
            }

            fn orders<'a>(&'a self, filter: &'a OrderFilter) -> BoxFuture<'a, Result<Vec<OrderRow>, StoreError>> {
                Box::pin(async move {
                    let mut q = QueryBuilder::<$db>::new(
                        "SELECT id, flow_id, version, business_key, status, outcome, vendor, received_at, closed_at FROM orders WHERE parent_id IS NULL",
                    );
                    if let Some(flow) = &filter.flow {
                        q.push(" AND flow_id = ").push_bind(flow.clone());
                    }
                    if let Some(status) = &filter.status {
                        q.push(" AND status = ").push_bind(status.clone());
                    }
                    if let Some(vendor) = &filter.vendor {
                        q.push(" AND vendor = ").push_bind(vendor.clone());
                    }
                    q.push(" ORDER BY received_at DESC, id LIMIT ").push_bind(i64::from(filter.limit.unwrap_or(100)));
                    let rows = q.build().fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(OrderRow {
                                id: r.try_get("id")?,
                                flow: r.try_get("flow_id")?,
                                version: u32::try_from(r.try_get::<i64, _>("version")?).unwrap_or(0),
                                business_key: r.try_get("business_key")?,
                                status: r.try_get("status")?,
                                outcome: r.try_get("outcome")?,
                                vendor: r.try_get("vendor")?,
                                received_at: from_micros(r.try_get("received_at")?),
                                closed_at: r.try_get::<Option<i64>, _>("closed_at")?.map(from_micros),
                            })
                        })
                        .collect()
                })
            }

            fn history<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Vec<HistoryEntry>, StoreError>> {
                Box::pin(async move {
                    let rows = sqlx::query("SELECT seq, at, body FROM events WHERE order_id = $1 ORDER BY seq").bind(id).fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            let body: String = r.try_get("body")?;
                            Ok(HistoryEntry {
                                seq: r.try_get::<i64, _>("seq")? as u64,
                                at: from_micros(r.try_get("at")?),
                                event: serde_json::from_str(&body).map_err(|e| corrupt(id, e))?,
                            })
                        })
                        .collect()
                })
            }

            fn claim_timers(&self, now: Timestamp, limit: u32, lease_s: u64) -> BoxFuture<'_, Result<Vec<(String, u64)>, StoreError>> {
                Box::pin(async move {
                    let rows = sqlx::query(concat!(
                        "UPDATE timers SET locked_until = $1 WHERE (order_id, id) IN (",
                        "SELECT order_id, id FROM timers WHERE at <= $2 AND locked_until < $2 ORDER BY at LIMIT $3",
                        $skip_locked,
                        ") RETURNING order_id, id"
                    ))
                    .bind(lease_end(now, lease_s))
                    .bind(micros(now))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(|r| Ok((r.try_get("order_id")?, r.try_get::<i64, _>("id")? as u64))).collect()
                })
            }

            fn claim_jobs(&self, now: Timestamp, limit: u32, lease_s: u64) -> BoxFuture<'_, Result<Vec<JobRow>, StoreError>> {
                Box::pin(async move {
                    let rows = sqlx::query(concat!(
                        "UPDATE jobs SET locked_until = $1 WHERE (order_id, instance) IN (",
                        "SELECT order_id, instance FROM jobs WHERE run_at <= $2 AND locked_until < $2 ORDER BY run_at LIMIT $3",
                        $skip_locked,
                        ") RETURNING order_id, instance, action, inputs, idempotency_key, attempt, timeout_s"
                    ))
                    .bind(lease_end(now, lease_s))
                    .bind(micros(now))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            let order: String = r.try_get("order_id")?;
                            let inputs: String = r.try_get("inputs")?;
                            Ok(JobRow {
                                inputs: serde_json::from_str(&inputs).map_err(|e| corrupt(&order, e))?,
                                order,
                                instance: r.try_get::<i64, _>("instance")? as u64,
                                action: r.try_get("action")?,
                                idempotency_key: r.try_get("idempotency_key")?,
                                attempt: u32::try_from(r.try_get::<i64, _>("attempt")?).unwrap_or(1),
                                timeout: r.try_get::<Option<i64>, _>("timeout_s")?.map(|t| t as u64),
                            })
                        })
                        .collect()
                })
            }
        }
    };
}

/// The embedded default: one SQLite file in WAL mode.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: sqlx::SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates a SQLite database.
    pub async fn open(url: &str, sync: Durability) -> Result<SqliteStore, StoreError> {
        use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
        let memory = url.contains(":memory:");
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(if memory { SqliteJournalMode::Memory } else { SqliteJournalMode::Wal })
            .synchronous(match sync {
                Durability::Full => SqliteSynchronous::Full,
                Durability::Normal => SqliteSynchronous::Normal,
            })
            .busy_timeout(std::time::Duration::from_secs(10))
            .foreign_keys(false);
        // An in-memory database lives in one connection; a file is shared by a few.
        let pool = SqlitePoolOptions::new().max_connections(if memory { 1 } else { 4 }).connect_with(options).await?;
        super::migrate::sqlite().run(&pool).await?;
        Ok(SqliteStore { pool })
    }
}

/// The scale-out path: several runners share one PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: sqlx::PgPool,
}

impl PostgresStore {
    /// Connects to and migrates a PostgreSQL database.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(8).connect(url).await?;
        super::migrate::postgres().run(&pool).await?;
        Ok(PostgresStore { pool })
    }

    /// Removes every table Junro created (for tests that need a clean database).
    pub async fn reset(&self) -> Result<(), StoreError> {
        sqlx::query(
            "DROP TABLE IF EXISTS programs, deployments, orders, events, tasks, timers, jobs, _sqlx_migrations",
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

sql_store!(SqliteStore, sqlx::Sqlite, "");
sql_store!(PostgresStore, sqlx::Postgres, " FOR UPDATE SKIP LOCKED");
