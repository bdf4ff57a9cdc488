//! The SQL behind [`Store`], written once and expanded for SQLite and for PostgreSQL by
//! `sql_store!`. The backends differ only where they must: how due work is claimed (PostgreSQL
//! adds `FOR UPDATE SKIP LOCKED` so that several runners never claim the same row), how a group
//! commit's rows are cut into statements ([`Sizing`]), whether concurrent commits share a
//! transaction (SQLite's group commit, `group.rs`), connection settings (`sqlite.rs`,
//! `postgres.rs`), and migrations.

use super::batch::{Batch, OrderRows, Sizing, chunk_rows, chunks};
use super::deputies::{DeputyFilter, Deputyship, deputies_store, deputyship_of};
use super::group::{self, GroupQueue, Outcome};
use super::lists::lists_store;
use super::notices::{NoticeKind, notices_store};
use super::summary::summary_store;
use super::text::{Placeholders, Texts};
use super::{
    Appended, BoxFuture, Cell, Change, Deployment, Gauges, HistoryEntry, IncidentFilter, IncidentRow, InstanceSink,
    JobRow, KpiChunk, LostSignal, LostSignalFilter, NewKpiChunk, Notice, OrderFilter, OrderRow, Store, StoreError,
    TaskFilter, TaskRow, from_micros, micros,
};
use super::{PostgresStore, SqliteStore};
use crate::machine::OrderState;
use futures_util::TryStreamExt;
use jiff::{SignedDuration, Timestamp};
use sqlx::{QueryBuilder, Row};

fn corrupt(order: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt { order: order.to_string(), message: error.to_string() }
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
    ($store:ident, $db:ty, $skip_locked:literal, $sizing:expr, $placeholders:expr, $scan_sql:expr) => {
        impl $store {
            /// Adds `filter`'s conditions to a query of the `tasks` table; `false` when nothing
            /// can match (no roles).
            fn push_task_filter(q: &mut QueryBuilder<$db>, filter: &TaskFilter) -> bool {
                if let Some(roles) = &filter.roles {
                    if roles.is_empty() {
                        return false;
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
                if let Some(step) = &filter.step {
                    q.push(" AND step = ").push_bind(step.clone());
                }
                if let Some(flow) = &filter.flow {
                    q.push(" AND flow_id = ").push_bind(flow.clone());
                }
                if let Some(priority) = filter.min_priority {
                    q.push(" AND priority >= ").push_bind(i64::from(priority));
                }
                if let Some(due) = filter.due_before {
                    q.push(" AND due_at < ").push_bind(micros(due));
                }
                if let Some(vendor) = &filter.order_vendor {
                    q.push(" AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = tasks.order_id AND o.vendor IS NOT NULL AND o.vendor <> ")
                        .push_bind(vendor.clone())
                        .push(")");
                }
                if filter.takeable {
                    q.push(" AND held = 0");
                }
                if let Some(after) = &filter.after {
                    // After `after` in the queue's order (`ORDER BY` in `tasks`).
                    let (priority, due) = (i64::from(after.priority), after.due_at.map_or(i64::MAX, micros));
                    q.push(" AND (priority < ").push_bind(priority);
                    q.push(" OR (priority = ").push_bind(priority);
                    q.push(" AND (coalesce(due_at, 9223372036854775807) > ").push_bind(due);
                    q.push(" OR (coalesce(due_at, 9223372036854775807) = ").push_bind(due);
                    q.push(" AND (ready_at > ").push_bind(micros(after.ready_at));
                    q.push(" OR (ready_at = ").push_bind(micros(after.ready_at));
                    q.push(" AND (order_id > ").push_bind(after.order.clone());
                    q.push(" OR (order_id = ").push_bind(after.order.clone());
                    q.push(" AND instance > ").push_bind(after.instance as i64).push("))))))))");
                }
                true
            }

            /// The texts of this backend's multi-row statements (`text.rs`).
            fn texts() -> &'static Texts {
                static TEXTS: std::sync::OnceLock<Texts> = std::sync::OnceLock::new();
                TEXTS.get_or_init(|| Texts::new($placeholders, $sizing))
            }

            /// Writes a whole batch with a few multi-row statements per table. Values are moved
            /// into the statements' arguments, not copied.
            async fn write_batch(tx: &mut sqlx::Transaction<'static, $db>, batch: Batch) -> Result<(), StoreError> {
                let texts = Self::texts();
                let OrderRows { fresh, moved, timed, kept } = OrderRows::of(batch.orders);
                for chunk in chunks(fresh, 15, $sizing) {
                    let key = chunk.iter().find_map(|o| o.business_key.clone()).unwrap_or_default();
                    let mut q = sqlx::query(texts.values(
                        "INSERT INTO orders (id, flow_id, version, business_key, parent_id, status, outcome, vendor, channel, received_at, closed_at, state, version_no, updated_at, timer_at) ",
                        15,
                        chunk.len(),
                        "",
                    ));
                    for o in chunk {
                        q = q.bind(o.id).bind(o.flow).bind(o.version).bind(o.business_key).bind(o.parent);
                        q = q.bind(o.status).bind(o.outcome).bind(o.vendor).bind(o.channel).bind(o.received_at);
                        q = q.bind(o.closed_at).bind(o.state).bind(o.version_no).bind(o.updated_at).bind(o.timer_at);
                    }
                    match q.execute(&mut **tx).await {
                        Err(e) if is_unique_violation(&e) => return Err(StoreError::DuplicateKey(key)),
                        other => {
                            other?;
                        }
                    }
                }
                // One statement for many orders; each row only where its version is unchanged.
                // Updates name the indexed columns (status, the earliest timer) only where the
                // change may have moved them (`OrderRows`). Writing the timer column ends a
                // worker's claim on the order's timers: the timers it claimed are gone or moved.
                macro_rules! update_orders {
                    ($rows:expr, $columns:literal, $set:literal, |$q:ident, $o:ident| $bind:expr) => {
                        for chunk in chunks($rows, $columns, $sizing) {
                            let (rows, ids) = (chunk.len() as u64, chunk.iter().map(|o| o.id.clone()).collect::<Vec<_>>());
                            let tail = concat!(") AS v WHERE orders.id = v.column1 AND orders.version_no = v.column", $columns);
                            let mut $q = sqlx::query(texts.values(concat!("UPDATE orders SET ", $set, " FROM ("), $columns, chunk.len(), tail));
                            for $o in chunk {
                                $q = $bind;
                            }
                            let done = $q.execute(&mut **tx).await?;
                            if done.rows_affected() != rows {
                                return Err(StoreError::Conflict(ids.join(", ")));
                            }
                        }
                    };
                }
                update_orders!(
                    moved,
                    10,
                    "status = v.column2, outcome = v.column3, vendor = v.column4, closed_at = v.column5, state = v.column6, \
                     version_no = v.column7, updated_at = v.column8, timer_at = v.column9, timer_lease = 0",
                    |q, o| q.bind(o.id).bind(o.status).bind(o.outcome).bind(o.vendor).bind(o.closed_at).bind(o.state)
                        .bind(o.version_no).bind(o.updated_at).bind(o.timer_at).bind(o.expected)
                );
                update_orders!(
                    timed,
                    7,
                    "vendor = v.column2, state = v.column3, version_no = v.column4, updated_at = v.column5, \
                     timer_at = v.column6, timer_lease = 0",
                    |q, o| q.bind(o.id).bind(o.vendor).bind(o.state).bind(o.version_no).bind(o.updated_at).bind(o.timer_at)
                        .bind(o.expected)
                );
                update_orders!(
                    kept,
                    6,
                    "vendor = v.column2, state = v.column3, version_no = v.column4, updated_at = v.column5",
                    |q, o| q.bind(o.id).bind(o.vendor).bind(o.state).bind(o.version_no).bind(o.updated_at).bind(o.expected)
                );
                for chunk in chunks(batch.events, 3, $sizing) {
                    let mut q = sqlx::query(texts.values("INSERT INTO events (order_id, seq, record) ", 3, chunk.len(), ""));
                    for (order, seq, record) in chunk {
                        q = q.bind(order).bind(seq).bind(record);
                    }
                    q.execute(&mut **tx).await?;
                }
                for chunk in chunks(batch.task_inserts, 11, $sizing) {
                    let mut q = sqlx::query(texts.values(
                        "INSERT INTO tasks (order_id, instance, flow_id, step, role, lane, vendor, priority, due_at, ready_at, assignee) ",
                        11,
                        chunk.len(),
                        "",
                    ));
                    for t in chunk {
                        q = q.bind(t.order).bind(t.instance).bind(t.flow).bind(t.step).bind(t.role);
                        q = q.bind(t.lane).bind(t.vendor).bind(t.priority).bind(t.due_at).bind(t.ready_at);
                        q = q.bind(t.assignee);
                    }
                    q.execute(&mut **tx).await?;
                }
                for (order, instance, assignee) in batch.task_assigns {
                    sqlx::query("UPDATE tasks SET assignee = $1 WHERE order_id = $2 AND instance = $3")
                        .bind(assignee)
                        .bind(order)
                        .bind(instance)
                        .execute(&mut **tx)
                        .await?;
                }
                Self::delete_pairs(tx, "DELETE FROM tasks WHERE (order_id, instance) IN (SELECT column1, column2 FROM (", batch.task_deletes).await?;
                // A hold marks the order's tasks, a resumption unmarks them (the queue skips marked ones).
                for (order, held) in batch.holds {
                    sqlx::query("UPDATE tasks SET held = $1 WHERE order_id = $2").bind(i64::from(held)).bind(order).execute(&mut **tx).await?;
                }
                for (order, version) in batch.versions {
                    sqlx::query("UPDATE orders SET version = $1 WHERE id = $2").bind(version).bind(order).execute(&mut **tx).await?;
                }
                for l in batch.lost_signals {
                    sqlx::query(super::lists::INSERT_LOST_SIGNAL)
                        .bind(l.order).bind(l.business_key).bind(l.flow).bind(l.signal).bind(l.data)
                        .bind(l.sender).bind(l.received_at).bind(l.lost_at).bind(l.reason)
                        .execute(&mut **tx)
                        .await?;
                }
                // Escalations and moved due times are rare: a statement each.
                for (order, instance, role, priority) in batch.task_escalations {
                    sqlx::query("UPDATE tasks SET role = $1, priority = $2 WHERE order_id = $3 AND instance = $4")
                        .bind(role)
                        .bind(priority)
                        .bind(order)
                        .bind(instance)
                        .execute(&mut **tx)
                        .await?;
                }
                for (order, instance, due) in batch.task_dues {
                    sqlx::query("UPDATE tasks SET due_at = $1 WHERE order_id = $2 AND instance = $3")
                        .bind(due)
                        .bind(order)
                        .bind(instance)
                        .execute(&mut **tx)
                        .await?;
                }
                for chunk in chunks(batch.job_upserts, 8, $sizing) {
                    let mut q = sqlx::query(texts.values(
                        "INSERT INTO jobs (order_id, instance, action, inputs, idempotency_key, attempt, run_at, timeout_s) ",
                        8,
                        chunk.len(),
                        " ON CONFLICT (order_id, instance) DO UPDATE SET attempt = excluded.attempt, run_at = excluded.run_at, \
                         inputs = excluded.inputs, locked_until = 0",
                    ));
                    for j in chunk {
                        q = q.bind(j.order).bind(j.instance).bind(j.action).bind(j.inputs);
                        q = q.bind(j.key).bind(j.attempt).bind(j.run_at).bind(j.timeout);
                    }
                    q.execute(&mut **tx).await?;
                }
                Self::delete_pairs(tx, "DELETE FROM jobs WHERE (order_id, instance) IN (SELECT column1, column2 FROM (", batch.job_deletes).await?;
                // Incidents are rare: a statement each.
                for i in batch.incident_upserts {
                    sqlx::query(
                        "INSERT INTO incidents (order_id, instance, flow_id, step, vendor, message, attempts, raised_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (order_id, instance) DO UPDATE SET \
                         step = excluded.step, message = excluded.message, attempts = excluded.attempts, raised_at = excluded.raised_at",
                    )
                    .bind(i.order).bind(i.instance).bind(i.flow).bind(i.step).bind(i.vendor).bind(i.message).bind(i.attempts).bind(i.raised_at)
                    .execute(&mut **tx)
                    .await?;
                }
                for (order, instance) in batch.incident_deletes {
                    sqlx::query("DELETE FROM incidents WHERE order_id = $1 AND instance = $2").bind(order).bind(instance).execute(&mut **tx).await?;
                }
                for order in batch.incidents_closed {
                    sqlx::query("DELETE FROM incidents WHERE order_id = $1").bind(order).execute(&mut **tx).await?;
                }
                for chunk in chunks(batch.notices, 15, $sizing) {
                    let mut q = sqlx::query(texts.values(
                        "INSERT INTO notices (id, kind, order_id, business_key, flow_id, instance, step, role, vendor, person, detail, due_at, at, attempts, field) ",
                        15,
                        chunk.len(),
                        " ON CONFLICT (id) DO NOTHING",
                    ));
                    for n in chunk {
                        q = q.bind(n.key).bind(n.kind.as_str()).bind(n.order).bind(n.business_key).bind(n.flow);
                        q = q.bind(n.instance.map(|i| i as i64)).bind(n.step).bind(n.role).bind(n.vendor).bind(n.person);
                        q = q.bind(n.detail).bind(n.due_at.map(micros)).bind(micros(n.at)).bind(0_i64).bind(n.field);
                    }
                    q.execute(&mut **tx).await?;
                }
                for appended in batch.appended {
                    let (head, columns) = (appended.head, appended.columns);
                    for chunk in chunks(appended.rows, columns, $sizing) {
                        let mut q = sqlx::query(texts.values(head, columns, chunk.len(), ""));
                        for cell in chunk.into_iter().flatten() {
                            q = match cell {
                                Cell::Int(n) => q.bind(n),
                                Cell::Text(t) => q.bind(t),
                            };
                        }
                        q.execute(&mut **tx).await?;
                    }
                }
                Ok(())
            }

            /// Group commit (`group.rs`): queues `batch` (the net writes of `changes`) and waits
            /// until a group holding it has been written, or for the writer, in which case it
            /// starts the group itself.
            ///
            /// `orders` are the orders the batch touches; `again` builds the batch anew when it
            /// must be written alone after its group failed.
            async fn commit_in_group(
                &self,
                queue: &GroupQueue,
                orders: Vec<String>,
                batch: Batch,
                again: impl FnOnce() -> Result<Batch, StoreError>,
            ) -> Result<(), StoreError> {
                let mut outcome = queue.push(batch, orders);
                let ended = loop {
                    let writer = tokio::select! {
                        biased;
                        ended = &mut outcome => break ended.unwrap_or(Outcome::Alone),
                        writer = self.owned_writer() => writer,
                    };
                    if let Some(ended) = group::settled(&mut outcome) {
                        break ended;
                    }
                    // Not settled, and nobody else writes while this caller holds the writer: the
                    // batch is still queued, and this caller starts the next group.
                    let Some(group) = queue.take() else {
                        drop(writer);
                        break (&mut outcome).await.unwrap_or(Outcome::Alone);
                    };
                    // Groups are written on a task of their own, which holds the writer until the
                    // queue is empty and each group's callers know how it ended: if this caller
                    // goes away meanwhile (an HTTP client hung up), neither they nor whoever takes
                    // the writer next can mistake a transaction in flight for one that never
                    // happened. A panic there drops the group: its callers write alone. The task
                    // runs on the store's writer thread where it has one (`sqlite.rs`).
                    let write = self.clone().write_groups(group, writer);
                    match self.writer_runtime() {
                        Some(runtime) => drop(runtime.spawn(write)),
                        None => drop(tokio::spawn(write)),
                    }
                };
                match ended {
                    Outcome::Committed => Ok(()),
                    Outcome::Failed(error) => Err(error),
                    Outcome::Alone => {
                        // Written again alone, while holding the writer.
                        let _writer = self.owned_writer().await;
                        self.write_alone(again()?).await
                    }
                }
            }

            /// Writes `group`, then groups queued meanwhile, one transaction each, before letting
            /// the writer go: a batch queued while another is written is written next by the task
            /// already holding the writer, without waiting for its caller's turn. After
            /// [`group::GROUPS_PER_HOLD`] groups the writer goes to whoever waits for it (the
            /// worker claiming jobs, a caller writing alone), so a steady stream of commits
            /// cannot keep them out.
            async fn write_groups(self, mut group: group::Group, writer: Option<tokio::sync::OwnedMutexGuard<()>>) {
                for written in 1.. {
                    let result = self.write_alone(std::mem::take(&mut group.batch)).await;
                    group.finish(result);
                    let next = if written < group::GROUPS_PER_HOLD { self.group_queue().and_then(GroupQueue::take) } else { None };
                    match next {
                        Some(next) => group = next,
                        None => break,
                    }
                }
                drop(writer);
            }

            /// Writes one batch in a transaction of its own.
            async fn write_alone(&self, batch: Batch) -> Result<(), StoreError> {
                let mut tx = self.writes.begin().await?;
                Self::write_batch(&mut tx, batch).await?;
                tx.commit().await?;
                Ok(())
            }

            /// `DELETE … WHERE (a, b) IN (SELECT … FROM (VALUES …))` in chunks: the sub-select lets
            /// SQLite search the primary key rather than scan the table for a row-value list.
            async fn delete_pairs(tx: &mut sqlx::Transaction<'static, $db>, head: &'static str, pairs: Vec<(String, i64)>) -> Result<(), StoreError> {
                for chunk in chunks(pairs, 2, $sizing) {
                    let mut q = sqlx::query(Self::texts().values(head, 2, chunk.len(), ") AS v)"));
                    for (order, id) in chunk {
                        q = q.bind(order).bind(id);
                    }
                    q.execute(&mut **tx).await?;
                }
                Ok(())
            }
        }

        impl Store for $store {
            fn save_program<'a>(&'a self, hash: &'a str, files: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
                Box::pin(async move {
                    let _writer = self.writer().await;
                    sqlx::query("INSERT INTO programs (hash, files) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING")
                        .bind(hash)
                        .bind(files)
                        .execute(&self.writes)
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
                    let _writer = self.writer().await;
                    let mut tx = self.writes.begin().await?;
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

            fn load_many<'a>(&'a self, ids: &'a [String]) -> BoxFuture<'a, Result<Vec<OrderState>, StoreError>> {
                Box::pin(async move {
                    let mut states = Vec::with_capacity(ids.len());
                    let mut start = 0;
                    for rows in chunk_rows(ids.len(), 1, $sizing) {
                        let chunk = &ids[start..start + rows];
                        start += rows;
                        let mut q = QueryBuilder::<$db>::new("SELECT id, state FROM orders WHERE id IN (");
                        let mut list = q.separated(", ");
                        for id in chunk {
                            list.push_bind(id);
                        }
                        q.push(")");
                        // The group commit that follows writes these very rows: its connection
                        // has their pages in its cache.
                        for row in q.build().fetch_all(&self.writes).await? {
                            let id: String = row.try_get("id")?;
                            let json: String = row.try_get("state")?;
                            states.push(serde_json::from_str(&json).map_err(|e| corrupt(&id, e))?);
                        }
                    }
                    Ok(states)
                })
            }

            fn open_children<'a>(&'a self, parent: &'a str) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
                Box::pin(async move {
                    let rows = sqlx::query("SELECT id FROM orders WHERE parent_id = $1 AND status <> 'closed' ORDER BY id")
                        .bind(parent)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
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

            fn commit<'a>(&'a self, changes: &'a [Change]) -> BoxFuture<'a, Result<(), StoreError>> {
                Box::pin(async move {
                    let notices = self.notices.load(std::sync::atomic::Ordering::Relaxed);
                    let with_notices = |mut batch: Batch| {
                        if notices {
                            batch.notices = changes.iter().flat_map(super::notices::of).collect();
                        }
                        batch
                    };
                    // The caller's own record of the change, when its work rides (`rider.rs`).
                    let riding = super::rider::rows_for(changes);
                    if let Some(rows) = riding.as_ref().filter(|rows| !rows.well_formed()) {
                        return Err(StoreError::Malformed(format!("rows for `{}` do not all have {} cells", rows.head.trim(), rows.columns)));
                    }
                    let with_rows = |mut batch: Batch| {
                        batch.appended.extend(riding.clone());
                        batch
                    };
                    let batch = with_rows(with_notices(Batch::of_in_turns(changes).await?));
                    let result = match self.group_queue() {
                        None => self.write_alone(batch).await,
                        Some(queue) => {
                            let orders = changes.iter().map(|c| c.state.id.clone()).collect();
                            self.commit_in_group(queue, orders, batch, || Batch::of(changes).map(with_notices).map(with_rows)).await
                        }
                    };
                    if result.is_ok() && riding.is_some() {
                        super::rider::written();
                    }
                    result
                })
            }

            fn keep_notices(&self, on: bool) {
                self.notices.store(on, std::sync::atomic::Ordering::Relaxed);
            }

            fn claim_notices(&self, now: Timestamp, limit: u32, lease_s: u64) -> BoxFuture<'_, Result<Vec<Notice>, StoreError>> {
                Box::pin(self.claim_notices_impl(now, limit, lease_s))
            }

            fn notices_done<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<(), StoreError>> {
                Box::pin(self.notices_done_impl(keys))
            }

            fn append(&self, rows: Appended) -> BoxFuture<'_, Result<(), StoreError>> {
                Box::pin(async move {
                    if !rows.well_formed() {
                        return Err(StoreError::Malformed(format!("rows for `{}` do not all have {} cells", rows.head.trim(), rows.columns)));
                    }
                    if rows.rows.is_empty() {
                        return Ok(());
                    }
                    let batch = |rows: Appended| Batch { appended: vec![rows], ..Batch::default() };
                    match self.group_queue() {
                        None => self.write_alone(batch(rows)).await,
                        Some(queue) => {
                            let again = rows.clone();
                            self.commit_in_group(queue, Vec::new(), batch(rows), move || Ok(batch(again))).await
                        }
                    }
                })
            }

            fn tasks<'a>(&'a self, filter: &'a TaskFilter) -> BoxFuture<'a, Result<Vec<TaskRow>, StoreError>> {
                Box::pin(async move {
                    let mut q = QueryBuilder::<$db>::new(
                        "SELECT order_id, instance, flow_id, step, role, lane, vendor, priority, due_at, ready_at, assignee FROM tasks WHERE 1 = 1",
                    );
                    if !Self::push_task_filter(&mut q, filter) {
                        return Ok(Vec::new());
                    }
                    q.push(" ORDER BY priority DESC, coalesce(due_at, 9223372036854775807), ready_at, order_id, instance LIMIT ").push_bind(i64::from(filter.limit.unwrap_or(100)));
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

            fn count_tasks<'a>(&'a self, filter: &'a TaskFilter) -> BoxFuture<'a, Result<u64, StoreError>> {
                Box::pin(async move {
                    let mut q = QueryBuilder::<$db>::new("SELECT count(*) FROM tasks WHERE 1 = 1");
                    if !Self::push_task_filter(&mut q, filter) {
                        return Ok(0);
                    }
                    let n: i64 = q.build_query_scalar().fetch_one(&self.pool).await?;
                    Ok(u64::try_from(n).unwrap_or(0))
                })
            }

            fn orders<'a>(&'a self, filter: &'a OrderFilter) -> BoxFuture<'a, Result<Vec<OrderRow>, StoreError>> {
                Box::pin(self.orders_impl(filter))
            }

            fn incidents<'a>(&'a self, filter: &'a IncidentFilter) -> BoxFuture<'a, Result<Vec<IncidentRow>, StoreError>> {
                Box::pin(self.incidents_impl(filter))
            }

            fn gauges(&self, now: Timestamp) -> BoxFuture<'_, Result<Gauges, StoreError>> {
                Box::pin(self.gauges_impl(now))
            }

            fn lost_signals<'a>(&'a self, filter: &'a LostSignalFilter) -> BoxFuture<'a, Result<Vec<LostSignal>, StoreError>> {
                Box::pin(self.lost_signals_impl(filter))
            }

            fn record_lost_signal<'a>(&'a self, lost: &'a LostSignal) -> BoxFuture<'a, Result<(), StoreError>> {
                Box::pin(self.record_lost_signal_impl(lost))
            }

            fn add_deputyship<'a>(&'a self, deputyship: &'a Deputyship) -> BoxFuture<'a, Result<i64, StoreError>> {
                Box::pin(self.add_deputyship_impl(deputyship))
            }

            fn end_deputyship<'a>(
                &'a self,
                id: i64,
                by: &'a str,
                at: Timestamp,
            ) -> BoxFuture<'a, Result<Option<Deputyship>, StoreError>> {
                Box::pin(self.end_deputyship_impl(id, by, at))
            }

            fn deputyships<'a>(&'a self, filter: &'a DeputyFilter) -> BoxFuture<'a, Result<Vec<Deputyship>, StoreError>> {
                Box::pin(self.deputyships_impl(filter))
            }

            fn history<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Vec<HistoryEntry>, StoreError>> {
                Box::pin(async move {
                    let rows = sqlx::query("SELECT record FROM events WHERE order_id = $1 ORDER BY seq").bind(id).fetch_all(&self.pool).await?;
                    let mut history = Vec::new();
                    for row in &rows {
                        let record: &str = row.try_get("record")?;
                        for event in super::scan::events_of(id, record) {
                            let event = event?;
                            history.push(HistoryEntry {
                                seq: u64::try_from(event.seq).unwrap_or(0),
                                at: from_micros(event.at_us),
                                event: super::decode_event(event.kind, event.body).map_err(|e| corrupt(id, e))?,
                            });
                        }
                    }
                    Ok(history)
                })
            }

            fn scan_instances<'a>(&'a self, kinds: &'a [&'a str], sink: &'a mut InstanceSink<'a>) -> BoxFuture<'a, Result<(), StoreError>> {
                Box::pin(async move {
                    let sql = super::scan::sql($scan_sql, super::scan::Instances::All);
                    // Nothing is spliced in but fixed filters.
                    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&self.pool);
                    while let Some(row) = rows.try_next().await? {
                        let record: &str = row.try_get(0)?;
                        super::scan::each_instance(record, kinds, sink)?;
                    }
                    Ok(())
                })
            }

            fn kpi_snapshot<'a>(&'a self, key: &'a str, kinds: &'a [&'a str], chunks: &'a mut Vec<KpiChunk>, sink: &'a mut InstanceSink<'a>) -> BoxFuture<'a, Result<(), StoreError>> {
                Box::pin(self.kpi_snapshot_impl(key, kinds, chunks, sink))
            }

            fn save_kpi_chunk<'a>(&'a self, chunk: NewKpiChunk<'a>) -> BoxFuture<'a, Result<bool, StoreError>> {
                Box::pin(self.save_kpi_chunk_impl(chunk))
            }

            fn close(&self) -> BoxFuture<'_, ()> {
                Box::pin(async move {
                    self.stop_checkpoints().await;
                    self.pool.close().await;
                    self.writes.close().await;
                })
            }

            fn hold_writes(&self) -> BoxFuture<'_, Option<super::WritesHeld>> {
                Box::pin(async move { self.owned_writer().await.map(super::WritesHeld) })
            }

            fn claim_timers(&self, now: Timestamp, limit: u32, lease_s: u64) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
                Box::pin(async move {
                    let _writer = self.writer().await;
                    let rows = sqlx::query(concat!(
                        "UPDATE orders SET timer_lease = $1 WHERE id IN (",
                        // A held order's timers wait for its resumption (its `timer_at` is empty
                        // while it is held; the status test covers rows written before that).
                        "SELECT id FROM orders WHERE timer_at <= $2 AND timer_lease < $2 AND status <> 'on_hold' ORDER BY timer_at LIMIT $3",
                        $skip_locked,
                        ") RETURNING id"
                    ))
                    .bind(lease_end(now, lease_s))
                    .bind(micros(now))
                    .bind(i64::from(limit))
                    .fetch_all(&self.writes)
                    .await?;
                    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
                })
            }

            fn claim_jobs<'a>(
                &'a self,
                now: Timestamp,
                limit: u32,
                lease_s: u64,
                actions: &'a [String],
            ) -> BoxFuture<'a, Result<Vec<JobRow>, StoreError>> {
                Box::pin(async move {
                    if actions.is_empty() {
                        return Ok(Vec::new());
                    }
                    let _writer = self.writer().await;
                    let until = lease_end(now, lease_s);
                    let mut q = QueryBuilder::<$db>::new("UPDATE jobs SET locked_until = ");
                    q.push_bind(until);
                    q.push(", picked_at = ").push_bind(micros(now));
                    q.push(" WHERE (order_id, instance) IN (SELECT order_id, instance FROM jobs WHERE run_at <= ");
                    q.push_bind(micros(now)).push(" AND locked_until < ").push_bind(micros(now)).push(" AND action IN (");
                    let mut list = q.separated(", ");
                    for action in actions {
                        list.push_bind(action.clone());
                    }
                    // No job of a held order runs until it is resumed.
                    q.push(") AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = jobs.order_id AND o.status = 'on_hold')");
                    q.push(" ORDER BY run_at LIMIT ").push_bind(i64::from(limit));
                    q.push($skip_locked);
                    q.push(") RETURNING order_id, instance, action, inputs, idempotency_key, attempt, timeout_s");
                    let rows = q.build().fetch_all(&self.writes).await?;
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
                                lease_until: from_micros(until),
                            })
                        })
                        .collect()
                })
            }

            fn job_picked_at<'a>(
                &'a self,
                order: &'a str,
                instance: u64,
            ) -> BoxFuture<'a, Result<Option<Timestamp>, StoreError>> {
                Box::pin(async move {
                    let row = sqlx::query("SELECT picked_at FROM jobs WHERE order_id = $1 AND instance = $2")
                        .bind(order)
                        .bind(instance as i64)
                        .fetch_optional(&self.pool)
                        .await?;
                    Ok(match row {
                        Some(r) => r.try_get::<Option<i64>, _>("picked_at")?.map(from_micros),
                        None => None,
                    })
                })
            }

            fn extend_job<'a>(
                &'a self,
                order: &'a str,
                instance: u64,
                now: Timestamp,
                until: Timestamp,
            ) -> BoxFuture<'a, Result<bool, StoreError>> {
                Box::pin(async move {
                    let _writer = self.writer().await;
                    let changed = sqlx::query(
                        "UPDATE jobs SET locked_until = $1 WHERE order_id = $2 AND instance = $3 AND locked_until >= $4",
                    )
                    .bind(micros(until))
                    .bind(order)
                    .bind(instance as i64)
                    .bind(micros(now))
                    .execute(&self.writes)
                    .await?
                    .rows_affected();
                    Ok(changed > 0)
                })
            }
        }
    };
}

sql_store!(SqliteStore, sqlx::Sqlite, "", Sizing::Cached, Placeholders::Anonymous, super::scan::SQLITE);
sql_store!(
    PostgresStore,
    sqlx::Postgres,
    " FOR UPDATE SKIP LOCKED",
    Sizing::Fewest,
    Placeholders::Numbered,
    super::scan::POSTGRES
);
summary_store!(SqliteStore, sqlx::Sqlite, "", super::scan::SQLITE);
summary_store!(PostgresStore, sqlx::Postgres, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", super::scan::POSTGRES);
// A data field equals a value: the field's name and the value's JSON are bound between the pieces.
lists_store!(SqliteStore, sqlx::Sqlite, ["json_extract(state, '$.data.\"' || ", " || '\"') = json_extract(", ", '$')"]);
lists_store!(PostgresStore, sqlx::Postgres, ["(state::jsonb -> 'data' -> ", ") = ", "::jsonb"]);
deputies_store!(SqliteStore, sqlx::Sqlite);
deputies_store!(PostgresStore, sqlx::Postgres);
notices_store!(SqliteStore, sqlx::Sqlite, "");
notices_store!(PostgresStore, sqlx::Postgres, " FOR UPDATE SKIP LOCKED");
