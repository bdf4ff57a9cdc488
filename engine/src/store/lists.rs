//! Lists read for people and tools: orders by their filters (data fields too), open
//! incidents, and the counts an operations dashboard watches ([`Gauges`]). Expanded for each
//! backend by `lists_store!`, which the `Store` implementation calls; the backends differ only
//! in how a data field of the stored state is compared.

use jiff::Timestamp;

/// Which incidents to list.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Only incidents of this flow.
    pub flow: Option<String>,
    /// Only incidents at this step.
    pub step: Option<String>,
    /// Only incidents of orders of this vendor.
    pub vendor: Option<String>,
    /// Only incidents raised at or after this time.
    pub since: Option<Timestamp>,
    /// Only incidents listed after this one (its raise time, order and instance), for paging.
    pub after: Option<(Timestamp, String, u64)>,
    /// At most this many (default 100).
    pub limit: Option<u32>,
}

/// An open incident: a step stopped until an administrator retries, resolves or cancels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRow {
    /// The order.
    pub order: String,
    /// The stopped step's instance.
    pub instance: u64,
    /// Flow id.
    pub flow: String,
    /// Step id.
    pub step: String,
    /// The order's vendor.
    pub vendor: Option<String>,
    /// What failed.
    pub message: String,
    /// How many times the step was tried.
    pub attempts: u32,
    /// When the incident was raised.
    pub raised_at: Timestamp,
}

/// The statement that lists a lost signal (the engine's batches and single records alike).
pub(crate) const INSERT_LOST_SIGNAL: &str = "INSERT INTO lost_signals \
     (order_id, business_key, flow_id, signal, data, sender, received_at, lost_at, reason) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// Which lost signals to list.
#[derive(Debug, Clone, Default)]
pub struct LostSignalFilter {
    /// Only those lost at or after this time.
    pub since: Option<Timestamp>,
    /// Only those listed after this one (its id), for paging.
    pub after: Option<i64>,
    /// At most this many (default 100).
    pub limit: Option<u32>,
}

/// A signal no order took.
#[derive(Debug, Clone, PartialEq)]
pub struct LostSignal {
    /// Its place in the list (0 before it is stored).
    pub id: i64,
    /// The order it was kept in, if any.
    pub order: Option<String>,
    /// The business key it was addressed by, if known.
    pub business_key: Option<String>,
    /// The order's flow, if any.
    pub flow: Option<String>,
    /// Signal id.
    pub signal: String,
    /// The data it brought.
    pub data: crate::script::Data,
    /// Who sent it.
    pub sender: Option<String>,
    /// When it arrived.
    pub received_at: Timestamp,
    /// When it was given up.
    pub lost_at: Timestamp,
    /// `expired`, `order closed` or `no such order`.
    pub reason: String,
}

/// What is open and how late the worker is, read from the database (so every process sharing
/// it reports the same).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gauges {
    /// Open tasks by role and task vendor (`None`: any vendor's staff may take them).
    pub open_tasks: Vec<(String, Option<String>, u64)>,
    /// Open incidents by flow.
    pub incidents: Vec<(String, u64)>,
    /// The earliest due time of a timer not yet fired, if one is due.
    pub oldest_due_timer: Option<Timestamp>,
    /// The earliest run time of a job due and not being run, if one is waiting.
    pub oldest_due_job: Option<Timestamp>,
}

/// Adds the list queries to a store (`SqliteStore`, `PostgresStore`). `$data` is the SQL
/// comparing a data field of the order's state with a JSON value, in three pieces around the
/// bound field name and the bound value's JSON text.
macro_rules! lists_store {
    ($store:ident, $db:ty, [$data_open:literal, $data_eq:literal, $data_close:literal]) => {
        impl $store {
            pub(crate) async fn orders_impl(&self, filter: &OrderFilter) -> Result<Vec<OrderRow>, StoreError> {
                let mut q = QueryBuilder::<$db>::new(
                    "SELECT id, flow_id, version, business_key, status, outcome, vendor, received_at, closed_at FROM orders WHERE ",
                );
                match &filter.parent {
                    Some(parent) => q.push("parent_id = ").push_bind(parent.clone()),
                    None => q.push("parent_id IS NULL"),
                };
                if let Some(flow) = &filter.flow {
                    q.push(" AND flow_id = ").push_bind(flow.clone());
                }
                if let Some(status) = &filter.status {
                    q.push(" AND status = ").push_bind(status.clone());
                }
                if let Some(vendor) = &filter.vendor {
                    q.push(" AND vendor = ").push_bind(vendor.clone());
                }
                if let Some(key) = &filter.business_key {
                    q.push(" AND business_key = ").push_bind(key.clone());
                }
                if let Some(t) = filter.received_from {
                    q.push(" AND received_at >= ").push_bind(micros(t));
                }
                if let Some(t) = filter.received_to {
                    q.push(" AND received_at < ").push_bind(micros(t));
                }
                if let Some(t) = filter.closed_from {
                    q.push(" AND closed_at >= ").push_bind(micros(t));
                }
                if let Some(t) = filter.closed_to {
                    q.push(" AND closed_at < ").push_bind(micros(t));
                }
                for (field, value) in &filter.data {
                    q.push(" AND ").push($data_open).push_bind(field.clone()).push($data_eq);
                    q.push_bind(value.to_string()).push($data_close);
                }
                if let Some((at, id)) = &filter.after {
                    // Newest first, then by id: the next page is older, or as old with a later id.
                    q.push(" AND (received_at < ").push_bind(micros(*at));
                    q.push(" OR (received_at = ").push_bind(micros(*at)).push(" AND id > ").push_bind(id.clone()).push("))");
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
            }

            pub(crate) async fn gauges_impl(&self, now: jiff::Timestamp) -> Result<Gauges, StoreError> {
                let now = micros(now);
                let tasks = sqlx::query("SELECT role, vendor, count(*) AS n FROM tasks GROUP BY role, vendor ORDER BY role, vendor")
                    .fetch_all(&self.pool)
                    .await?;
                let incidents = sqlx::query("SELECT flow_id, count(*) AS n FROM incidents GROUP BY flow_id ORDER BY flow_id")
                    .fetch_all(&self.pool)
                    .await?;
                let timer: Option<i64> = sqlx::query_scalar("SELECT min(timer_at) FROM orders WHERE timer_at <= $1")
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await?;
                let job: Option<i64> = sqlx::query_scalar("SELECT min(run_at) FROM jobs WHERE run_at <= $1 AND locked_until < $1")
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await?;
                let count = |r: &<$db as sqlx::Database>::Row| -> Result<u64, sqlx::Error> {
                    Ok(u64::try_from(r.try_get::<i64, _>("n")?).unwrap_or(0))
                };
                Ok(Gauges {
                    open_tasks: tasks
                        .iter()
                        .map(|r| Ok((r.try_get("role")?, r.try_get("vendor")?, count(r)?)))
                        .collect::<Result<_, sqlx::Error>>()?,
                    incidents: incidents
                        .iter()
                        .map(|r| Ok((r.try_get("flow_id")?, count(r)?)))
                        .collect::<Result<_, sqlx::Error>>()?,
                    oldest_due_timer: timer.map(from_micros),
                    oldest_due_job: job.map(from_micros),
                })
            }

            pub(crate) async fn lost_signals_impl(&self, filter: &LostSignalFilter) -> Result<Vec<LostSignal>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, order_id, business_key, flow_id, signal, data, sender, received_at, lost_at, reason \
                     FROM lost_signals WHERE lost_at >= $1 AND id > $2 ORDER BY id LIMIT $3",
                )
                .bind(filter.since.map_or(i64::MIN, micros))
                .bind(filter.after.unwrap_or(0))
                .bind(i64::from(filter.limit.unwrap_or(100)))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let data: String = r.try_get("data")?;
                        Ok(LostSignal {
                            id: r.try_get("id")?,
                            order: r.try_get("order_id")?,
                            business_key: r.try_get("business_key")?,
                            flow: r.try_get("flow_id")?,
                            signal: r.try_get("signal")?,
                            data: serde_json::from_str(&data).unwrap_or_default(),
                            sender: r.try_get("sender")?,
                            received_at: from_micros(r.try_get("received_at")?),
                            lost_at: from_micros(r.try_get("lost_at")?),
                            reason: r.try_get("reason")?,
                        })
                    })
                    .collect()
            }

            pub(crate) async fn record_lost_signal_impl(&self, lost: &LostSignal) -> Result<(), StoreError> {
                let data = serde_json::to_string(&lost.data).unwrap_or_else(|_| "{}".into());
                let _writer = self.writer().await;
                sqlx::query(super::lists::INSERT_LOST_SIGNAL)
                    .bind(&lost.order)
                    .bind(&lost.business_key)
                    .bind(&lost.flow)
                    .bind(&lost.signal)
                    .bind(data)
                    .bind(&lost.sender)
                    .bind(micros(lost.received_at))
                    .bind(micros(lost.lost_at))
                    .bind(&lost.reason)
                    .execute(&self.writes)
                    .await?;
                Ok(())
            }

            pub(crate) async fn incidents_impl(&self, filter: &IncidentFilter) -> Result<Vec<IncidentRow>, StoreError> {
                let mut q = QueryBuilder::<$db>::new(
                    "SELECT order_id, instance, flow_id, step, vendor, message, attempts, raised_at FROM incidents WHERE 1 = 1",
                );
                if let Some(flow) = &filter.flow {
                    q.push(" AND flow_id = ").push_bind(flow.clone());
                }
                if let Some(step) = &filter.step {
                    q.push(" AND step = ").push_bind(step.clone());
                }
                if let Some(vendor) = &filter.vendor {
                    q.push(" AND vendor = ").push_bind(vendor.clone());
                }
                if let Some(since) = filter.since {
                    q.push(" AND raised_at >= ").push_bind(micros(since));
                }
                if let Some((at, order, instance)) = &filter.after {
                    // Oldest first: the next page is later, or as old with a later key.
                    let (at, instance) = (micros(*at), i64::try_from(*instance).unwrap_or(i64::MAX));
                    q.push(" AND (raised_at > ").push_bind(at);
                    q.push(" OR (raised_at = ").push_bind(at).push(" AND order_id > ").push_bind(order.clone()).push(")");
                    q.push(" OR (raised_at = ").push_bind(at).push(" AND order_id = ").push_bind(order.clone());
                    q.push(" AND instance > ").push_bind(instance).push("))");
                }
                q.push(" ORDER BY raised_at, order_id, instance LIMIT ").push_bind(i64::from(filter.limit.unwrap_or(100)));
                let rows = q.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok(IncidentRow {
                            order: r.try_get("order_id")?,
                            instance: u64::try_from(r.try_get::<i64, _>("instance")?).unwrap_or(0),
                            flow: r.try_get("flow_id")?,
                            step: r.try_get("step")?,
                            vendor: r.try_get("vendor")?,
                            message: r.try_get("message")?,
                            attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(0),
                            raised_at: from_micros(r.try_get("raised_at")?),
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use lists_store;
