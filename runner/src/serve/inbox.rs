//! Each person's in-app inbox: the engine's notices (reminders, escalations, transfers,
//! send-backs, incidents, dropped signals) worded for them by the notifier (`notifier.rs`).
//! A row per person and notice, so a notice handed out twice is shown once.

use super::db::{DbError, Pool, from_micros, micros, on_pool};
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

/// One message of a person's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InboxItem {
    /// Its number.
    pub id: i64,
    /// What it is about: `reminder`, `escalation`, `transferred`, `sent_back`, `incident`,
    /// `signal_expired`.
    pub kind: String,
    /// The order.
    pub order: String,
    /// The message, in Japanese.
    pub message: String,
    /// Where to act on it: the order's page.
    pub link: String,
    /// When it was written.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    /// When its reader marked it read.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub read_at: Option<jiff::Timestamp>,
}

/// A message for one person, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInboxItem {
    /// Whose inbox.
    pub user: String,
    /// The notice's key (one message per person and notice).
    pub notice: String,
    /// What it is about.
    pub kind: String,
    /// The order.
    pub order: String,
    /// The message.
    pub message: String,
    /// Where to act on it.
    pub link: String,
}

impl Pool {
    /// Stores messages; one already stored for the same person and notice is kept as it is.
    pub async fn add_to_inboxes(&self, items: &[NewInboxItem], now: jiff::Timestamp) -> Result<(), DbError> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            for item in items {
                sqlx::query(
                    "INSERT INTO inbox (user_id, notice, kind, order_id, message, link, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, notice) DO NOTHING",
                )
                .bind(&item.user)
                .bind(&item.notice)
                .bind(&item.kind)
                .bind(&item.order)
                .bind(&item.message)
                .bind(&item.link)
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// A person's newest messages (`unread_only`: those not read yet), newest first, and how
    /// many are unread in all.
    pub async fn inbox(&self, user: &str, unread_only: bool, limit: u32) -> Result<(Vec<InboxItem>, u64), DbError> {
        let items = on_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT id, kind, order_id, message, link, created_at, read_at FROM inbox \
                 WHERE user_id = $1 AND ($2 = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT $3",
            )
            .bind(user)
            .bind(i64::from(unread_only))
            .bind(i64::from(limit))
            .fetch_all(p)
            .await?;
            let items = rows
                .iter()
                .map(|r| {
                    Ok(InboxItem {
                        id: r.try_get("id")?,
                        kind: r.try_get("kind")?,
                        order: r.try_get("order_id")?,
                        message: r.try_get("message")?,
                        link: r.try_get("link")?,
                        created_at: from_micros(r.try_get("created_at")?),
                        read_at: r.try_get::<Option<i64>, _>("read_at")?.map(from_micros),
                    })
                })
                .collect::<Result<Vec<_>, DbError>>()?;
            Ok::<_, DbError>(items)
        })?;
        Ok((items, self.unread(user).await?))
    }

    /// How many of `user`'s messages are unread.
    pub async fn unread(&self, user: &str) -> Result<u64, DbError> {
        on_pool!(self, p => {
            let unread: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox WHERE user_id = $1 AND read_at IS NULL")
                .bind(user)
                .fetch_one(p)
                .await?;
            Ok(u64::try_from(unread).unwrap_or(0))
        })
    }

    /// Marks one of `user`'s messages read; `false` when they have no message `id`.
    pub async fn mark_read(&self, user: &str, id: i64, now: jiff::Timestamp) -> Result<bool, DbError> {
        on_pool!(self, p => {
            let changed = sqlx::query("UPDATE inbox SET read_at = coalesce(read_at, $3) WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user)
                .bind(micros(now))
                .execute(p)
                .await?
                .rows_affected();
            Ok(changed > 0)
        })
    }
}
