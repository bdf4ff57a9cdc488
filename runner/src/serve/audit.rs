//! The audit trail: every sign-in (success and failure), every request that changes something,
//! every export and every administrator's action, appended with who, on whose behalf, what,
//! when, from which address and the result. Rows are never changed (the tables' triggers refuse
//! it).
//!
//! Requests wait until their record is committed before they are answered, so an acknowledged
//! change is always in the trail. A writer task hands the records arriving together to the
//! engine (`Engine::append`): on SQLite they join its group commit, sharing one transaction and
//! one `fsync` with the orders' changes written at the same moment.

use super::db::{DbError, Pool, from_micros, micros, on_pool};
use junro_engine::store::{Appended, Cell};
use serde::Serialize;
use sqlx::Row;
use tokio::sync::{mpsc, oneshot};
use utoipa::ToSchema;

/// One record of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditRecord {
    /// Position in the trail (set when stored).
    pub seq: i64,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
    /// Who (the user), when known.
    pub actor: Option<String>,
    /// On whose behalf (a deputy's principal).
    pub on_behalf_of: Option<String>,
    /// What: `METHOD /route`, `login`, `logout`, or a command (`users add`).
    pub action: String,
    /// The order, task, user or token concerned.
    pub target: Option<String>,
    /// The client's address.
    pub address: Option<String>,
    /// The HTTP status (0 for a command on the command line).
    pub status: u16,
    /// `ok`, or the refusal's code.
    pub result: String,
    /// More words, when useful.
    pub detail: Option<String>,
    /// The request id (also in the logs and the `x-request-id` header).
    pub request_id: Option<String>,
}

impl AuditRecord {
    /// A record of `action` now, by `actor`, with `result`.
    pub fn new(
        at: jiff::Timestamp,
        actor: Option<&str>,
        action: impl Into<String>,
        status: u16,
        result: impl Into<String>,
    ) -> AuditRecord {
        AuditRecord {
            seq: 0,
            at,
            actor: actor.map(str::to_string),
            on_behalf_of: None,
            action: action.into(),
            target: None,
            address: None,
            status,
            result: result.into(),
            detail: None,
            request_id: None,
        }
    }
}

type Pending = (AuditRecord, oneshot::Sender<Result<(), String>>);

/// The writer of the audit trail.
#[derive(Debug, Clone)]
pub struct AuditLog {
    sender: mpsc::Sender<Pending>,
}

/// The most records one transaction writes.
const GROUP: usize = 256;

impl AuditLog {
    /// Starts the writer task, which appends records through `engine`, whose database holds
    /// the trail: on SQLite each group of records joins the engine's next group commit, one
    /// transaction and one `fsync` with the orders' changes committed at the same moment,
    /// instead of a transaction of its own taking turns with them.
    pub fn start(engine: std::sync::Arc<junro_engine::Engine>) -> AuditLog {
        let (sender, mut receiver) = mpsc::channel::<Pending>(4096);
        tokio::spawn(async move {
            let mut group = Vec::with_capacity(GROUP);
            while receiver.recv_many(&mut group, GROUP).await > 0 {
                let rows = appended(group.iter().map(|(r, _)| r));
                let outcome = engine.append(rows).await.map_err(|e| e.to_string());
                for (_, reply) in group.drain(..) {
                    let _ = reply.send(outcome.clone());
                }
            }
        });
        AuditLog { sender }
    }

    /// Appends a record and waits until it is committed.
    pub async fn record(&self, record: AuditRecord) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        self.sender.send((record, reply)).await.map_err(|_| "the audit writer has stopped".to_string())?;
        answer.await.map_err(|_| "the audit writer has stopped".to_string())?
    }
}

/// A request's record, waiting to ride with the change the request commits (the engine's
/// `store::rider`): the middleware drafts it before the route runs, a route that knows how it
/// answers once its change is committed arms it, and the engine writes it in the change's
/// transaction.
#[derive(Debug)]
pub(crate) struct RidingRecord {
    draft: AuditRecord,
    armed: std::sync::Mutex<Option<Armed>>,
}

/// What a route says of its request before committing its change.
#[derive(Debug, Clone)]
struct Armed {
    status: u16,
    target: RidingTarget,
    on_behalf_of: Option<String>,
    detail: Option<String>,
}

/// What the record names as the thing concerned.
#[derive(Debug, Clone)]
pub(crate) enum RidingTarget {
    /// The order the change is to (a new one: the order started).
    Order,
    /// This task of the order the change is to (`order#task`).
    Task(u64),
    /// The task the change claims (take-next, which learns its task in the engine).
    ClaimedTask,
}

tokio::task_local! {
    static RIDING: std::sync::Arc<RidingRecord>;
}

impl RidingRecord {
    /// A record of the request drafted as `draft` (who, what, from where).
    pub(crate) fn new(draft: AuditRecord) -> std::sync::Arc<RidingRecord> {
        std::sync::Arc::new(RidingRecord { draft, armed: std::sync::Mutex::new(None) })
    }

    /// Runs `work` (the route) with the record riding: returns its answer and the record, as
    /// written with the change, when it was.
    pub(crate) async fn ride<F: std::future::Future>(
        self: std::sync::Arc<Self>,
        now: impl Fn() -> jiff::Timestamp + Send + 'static,
        work: F,
    ) -> (F::Output, Option<AuditRecord>) {
        let made = std::sync::Arc::new(std::sync::Mutex::new(None));
        let rows = {
            let (record, made) = (self.clone(), made.clone());
            move |changes: &[junro_engine::store::Change]| {
                let written = record.made_of(changes, now())?;
                let rows = appended(std::iter::once(&written));
                *made.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(written);
                Some(rows)
            }
        };
        let (output, written) = RIDING.scope(self, junro_engine::store::rider::riding(rows, work)).await;
        let record = if written { made.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() } else { None };
        (output, record)
    }

    /// The record of a commit of `changes` at `at`, when the route armed it.
    fn made_of(&self, changes: &[junro_engine::store::Change], at: jiff::Timestamp) -> Option<AuditRecord> {
        let armed = self.armed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()?;
        let target = match armed.target {
            RidingTarget::Order => changes.first()?.state.id.clone(),
            RidingTarget::Task(instance) => format!("{}#{instance}", changes.first()?.state.id),
            RidingTarget::ClaimedTask => changes.iter().find_map(|change| {
                change.events.iter().find_map(|(_, _, event)| match event {
                    junro_engine::machine::Event::TaskClaimed { instance, .. } => {
                        Some(format!("{}#{instance}", change.state.id))
                    }
                    _ => None,
                })
            })?,
        };
        Some(AuditRecord {
            at,
            status: armed.status,
            target: Some(target),
            on_behalf_of: armed.on_behalf_of,
            detail: armed.detail,
            ..self.draft.clone()
        })
    }
}

/// Says, in a route, how the request answers once the change it is about to commit is
/// committed: its record is then written in the change's transaction (outside a request that
/// the audit middleware drafted a record for, nothing happens).
pub(crate) fn ride_with_change(
    status: axum::http::StatusCode,
    target: RidingTarget,
    on_behalf_of: Option<String>,
    detail: Option<String>,
) {
    let _ = RIDING.try_with(|record| {
        *record.armed.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(Armed { status: status.as_u16(), target, on_behalf_of, detail });
    });
}

/// The records as rows of the `audit` table, for the engine to append.
fn appended<'a>(records: impl Iterator<Item = &'a AuditRecord>) -> Appended {
    let text = |t: &Option<String>| Cell::Text(t.clone());
    let rows = records
        .map(|r| {
            vec![
                Cell::Int(micros(r.at)),
                text(&r.actor),
                text(&r.on_behalf_of),
                Cell::Text(Some(r.action.clone())),
                text(&r.target),
                text(&r.address),
                Cell::Int(i64::from(r.status)),
                Cell::Text(Some(r.result.clone())),
                text(&r.detail),
                text(&r.request_id),
            ]
        })
        .collect();
    Appended {
        head: "INSERT INTO audit (at, actor, on_behalf_of, action, target, address, status, result, detail, request_id) ",
        columns: 10,
        rows,
    }
}

/// Which records to read.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this user's.
    pub user: Option<String>,
    /// Only from this time on.
    pub since: Option<jiff::Timestamp>,
    /// Only records after this position (paging).
    pub after: Option<i64>,
    /// At most this many.
    pub limit: u32,
    /// The newest `limit` records (still listed oldest first) instead of the oldest.
    pub newest: bool,
}

impl Pool {
    /// Appends records in one transaction.
    pub async fn append_audit(&self, records: &[&AuditRecord]) -> Result<(), DbError> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            for r in records {
                sqlx::query(
                    "INSERT INTO audit (at, actor, on_behalf_of, action, target, address, status, result, detail, request_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(micros(r.at))
                .bind(&r.actor)
                .bind(&r.on_behalf_of)
                .bind(&r.action)
                .bind(&r.target)
                .bind(&r.address)
                .bind(i64::from(r.status))
                .bind(&r.result)
                .bind(&r.detail)
                .bind(&r.request_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records of the trail, oldest first.
    pub async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, DbError> {
        on_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT seq, at, actor, on_behalf_of, action, target, address, status, result, detail, request_id FROM audit \
                 WHERE ($1 IS NULL OR actor = $1) AND at >= $2 AND seq > $3 ORDER BY seq * $5 LIMIT $4",
            )
            .bind(&query.user)
            .bind(query.since.map_or(i64::MIN, micros))
            .bind(query.after.unwrap_or(0))
            .bind(i64::from(query.limit))
            .bind(if query.newest { -1_i64 } else { 1 })
            .fetch_all(p)
            .await?;
            let mut records: Vec<AuditRecord> = rows.iter()
                .map(|r| {
                    Ok(AuditRecord {
                        seq: r.try_get("seq")?,
                        at: from_micros(r.try_get("at")?),
                        actor: r.try_get("actor")?,
                        on_behalf_of: r.try_get("on_behalf_of")?,
                        action: r.try_get("action")?,
                        target: r.try_get("target")?,
                        address: r.try_get("address")?,
                        status: u16::try_from(r.try_get::<i64, _>("status")?).unwrap_or(0),
                        result: r.try_get("result")?,
                        detail: r.try_get("detail")?,
                        request_id: r.try_get("request_id")?,
                    })
                })
                .collect::<Result<_, DbError>>()?;
            records.sort_by_key(|r| r.seq);
            Ok(records)
        })
    }
}
