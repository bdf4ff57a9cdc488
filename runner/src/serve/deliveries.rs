//! Deliveries of notices over channels that can fail (webhooks, e-mail): rows queued by the
//! notifier (`notifier.rs`) with the notice's inbox messages, then sent by a loop of their own
//! beside the worker, so a slow or dead receiver never holds up timers, jobs or anyone's
//! request. A delivery is claimed by pushing its `next_at` past a lease (one process sends it),
//! tried until the receiver takes it, with back-off, and recorded: `delivered_at`, or the
//! attempts and the last error. One row per channel target and notice: a notice handed out
//! again after a crash is not queued twice.

use super::db::{DbError, Pool, micros, on_pool};
use super::state::AppState;
use sqlx::Row;
use std::time::Duration;
use tokio::sync::watch;

/// How long one try may take (a POST, an SMTP conversation): the settings' `notify_timeout_ms`.
pub(crate) fn try_timeout(config: &super::config::ServeConfig) -> Duration {
    Duration::from_millis(config.notify_timeout_ms.max(100))
}

/// How long a claimed delivery is this process's: three tries' time. A process killed mid-try
/// leaves it to the next claim then (at least once; receivers drop repeats by key).
fn lease_ms(config: &super::config::ServeConfig) -> i64 {
    i64::try_from(try_timeout(config).as_millis().saturating_mul(3)).unwrap_or(i64::MAX)
}
/// Deliveries of one channel sent at once.
const ROUND: i64 = 50;
/// The longest wait between two tries.
const MAX_BACKOFF_MS: u64 = 3_600_000;

/// A channel's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    /// `webhook_deliveries`, by webhook name.
    Webhook,
    /// `mail_deliveries`, by recipient (user id).
    Mail,
}

impl Channel {
    fn name(self) -> &'static str {
        match self {
            Channel::Webhook => "webhook",
            Channel::Mail => "mail",
        }
    }

    fn queue_sql(self) -> &'static str {
        match self {
            Channel::Webhook => {
                "INSERT INTO webhook_deliveries (webhook, notice, body, next_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (webhook, notice) DO NOTHING"
            }
            Channel::Mail => {
                "INSERT INTO mail_deliveries (recipient, notice, body, next_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (recipient, notice) DO NOTHING"
            }
        }
    }

    fn claim_sql(self, postgres: bool) -> &'static str {
        match (self, postgres) {
            (Channel::Webhook, false) => {
                "UPDATE webhook_deliveries SET next_at = $1, attempts = attempts + 1 WHERE id IN (\
                 SELECT id FROM webhook_deliveries WHERE delivered_at IS NULL AND next_at <= $2 ORDER BY next_at LIMIT $3) \
                 RETURNING id, webhook AS target, notice, body, attempts"
            }
            (Channel::Webhook, true) => {
                "UPDATE webhook_deliveries SET next_at = $1, attempts = attempts + 1 WHERE id IN (\
                 SELECT id FROM webhook_deliveries WHERE delivered_at IS NULL AND next_at <= $2 ORDER BY next_at LIMIT $3 \
                 FOR UPDATE SKIP LOCKED) RETURNING id, webhook AS target, notice, body, attempts"
            }
            (Channel::Mail, false) => {
                "UPDATE mail_deliveries SET next_at = $1, attempts = attempts + 1 WHERE id IN (\
                 SELECT id FROM mail_deliveries WHERE delivered_at IS NULL AND next_at <= $2 ORDER BY next_at LIMIT $3) \
                 RETURNING id, recipient AS target, notice, body, attempts"
            }
            (Channel::Mail, true) => {
                "UPDATE mail_deliveries SET next_at = $1, attempts = attempts + 1 WHERE id IN (\
                 SELECT id FROM mail_deliveries WHERE delivered_at IS NULL AND next_at <= $2 ORDER BY next_at LIMIT $3 \
                 FOR UPDATE SKIP LOCKED) RETURNING id, recipient AS target, notice, body, attempts"
            }
        }
    }

    fn delivered_sql(self) -> &'static str {
        match self {
            Channel::Webhook => "UPDATE webhook_deliveries SET delivered_at = $2, last_error = NULL WHERE id = $1",
            Channel::Mail => "UPDATE mail_deliveries SET delivered_at = $2, last_error = NULL WHERE id = $1",
        }
    }

    fn retry_sql(self) -> &'static str {
        match self {
            Channel::Webhook => "UPDATE webhook_deliveries SET next_at = $2, last_error = $3 WHERE id = $1",
            Channel::Mail => "UPDATE mail_deliveries SET next_at = $2, last_error = $3 WHERE id = $1",
        }
    }
}

/// A delivery to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueuedDelivery {
    /// The webhook's name, or the recipient's user id.
    pub target: String,
    /// The notice's key.
    pub notice: String,
    /// What is sent (the webhook's JSON; the mail's address, subject and text as JSON).
    pub body: String,
    /// Not before then (the end of the person's quiet hours); `None`: at once.
    pub not_before: Option<jiff::Timestamp>,
}

/// A delivery claimed for sending.
pub(crate) struct Claimed {
    id: i64,
    /// The webhook's name, or the recipient's user id.
    pub(crate) target: String,
    /// The notice's key.
    pub(crate) notice: String,
    /// What is sent.
    pub(crate) body: String,
    /// This try's number, from 1.
    pub(crate) attempts: i64,
}

/// How one channel target's deliveries stand, for administrators: a receiver that keeps
/// failing shows here (and in the metrics) instead of holding anything up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct DeliveryStatus {
    /// `webhook` or `mail`.
    pub channel: String,
    /// The webhook's name, or the recipient's user id.
    pub target: String,
    /// Delivered so far.
    pub delivered: i64,
    /// Waiting to be tried, or tried again.
    pub pending: i64,
    /// Of those, tried and refused at least once.
    pub failing: i64,
    /// The most tries any pending delivery has had.
    pub most_attempts: i64,
    /// The latest error of a pending delivery.
    pub last_error: Option<String>,
}

/// The wait before try `attempts + 1`: `base_ms` doubling with each failure, at most an hour.
fn backoff_ms(base_ms: u64, attempts: i64) -> u64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    base_ms.max(1).saturating_mul(1_u64 << doublings).min(MAX_BACKOFF_MS)
}

impl Pool {
    /// Queues deliveries (one already queued for the same target and notice is kept).
    pub(crate) async fn queue_deliveries(
        &self,
        channel: Channel,
        deliveries: &[QueuedDelivery],
        now: jiff::Timestamp,
    ) -> Result<(), DbError> {
        if deliveries.is_empty() {
            return Ok(());
        }
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            for d in deliveries {
                sqlx::query(channel.queue_sql())
                    .bind(&d.target)
                    .bind(&d.notice)
                    .bind(&d.body)
                    .bind(micros(d.not_before.unwrap_or(now).max(now)))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// How every channel target's deliveries stand, failing ones first.
    pub async fn delivery_status(&self) -> Result<Vec<DeliveryStatus>, DbError> {
        let mut all = Vec::new();
        for channel in [Channel::Webhook, Channel::Mail] {
            let sql = match channel {
                Channel::Webhook => {
                    "SELECT webhook AS target, \
                     SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS delivered, \
                     SUM(CASE WHEN delivered_at IS NULL THEN 1 ELSE 0 END) AS pending, \
                     SUM(CASE WHEN delivered_at IS NULL AND last_error IS NOT NULL THEN 1 ELSE 0 END) AS failing, \
                     MAX(CASE WHEN delivered_at IS NULL THEN attempts ELSE 0 END) AS most_attempts, \
                     MAX(CASE WHEN delivered_at IS NULL THEN last_error END) AS last_error \
                     FROM webhook_deliveries GROUP BY webhook ORDER BY webhook"
                }
                Channel::Mail => {
                    "SELECT recipient AS target, \
                     SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS delivered, \
                     SUM(CASE WHEN delivered_at IS NULL THEN 1 ELSE 0 END) AS pending, \
                     SUM(CASE WHEN delivered_at IS NULL AND last_error IS NOT NULL THEN 1 ELSE 0 END) AS failing, \
                     MAX(CASE WHEN delivered_at IS NULL THEN attempts ELSE 0 END) AS most_attempts, \
                     MAX(CASE WHEN delivered_at IS NULL THEN last_error END) AS last_error \
                     FROM mail_deliveries GROUP BY recipient ORDER BY recipient"
                }
            };
            let rows: Vec<DeliveryStatus> = on_pool!(self, p => {
                let rows = sqlx::query(sql).fetch_all(p).await?;
                rows.iter()
                    .map(|r| {
                        Ok::<_, DbError>(DeliveryStatus {
                            channel: channel.name().to_string(),
                            target: r.try_get("target")?,
                            delivered: r.try_get::<Option<i64>, _>("delivered")?.unwrap_or(0),
                            pending: r.try_get::<Option<i64>, _>("pending")?.unwrap_or(0),
                            failing: r.try_get::<Option<i64>, _>("failing")?.unwrap_or(0),
                            most_attempts: r.try_get::<Option<i64>, _>("most_attempts")?.unwrap_or(0),
                            last_error: r.try_get("last_error")?,
                        })
                    })
                    .collect::<Result<_, _>>()?
            });
            all.extend(rows);
        }
        all.sort_by_key(|s| std::cmp::Reverse(s.failing));
        Ok(all)
    }

    /// Claims due deliveries for a lease.
    async fn claim_deliveries(
        &self,
        channel: Channel,
        now: jiff::Timestamp,
        lease_ms: i64,
    ) -> Result<Vec<Claimed>, DbError> {
        let sql = channel.claim_sql(matches!(self, Pool::Postgres(_)));
        on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(micros(now).saturating_add(lease_ms.saturating_mul(1000))).bind(micros(now)).bind(ROUND).fetch_all(p).await?;
            rows.iter()
                .map(|r| {
                    Ok(Claimed {
                        id: r.try_get("id")?,
                        target: r.try_get("target")?,
                        notice: r.try_get("notice")?,
                        body: r.try_get("body")?,
                        attempts: r.try_get("attempts")?,
                    })
                })
                .collect()
        })
    }

    /// Records how a try ended: delivered at a time, or tried again at `next_at` with the error.
    async fn delivery_tried(
        &self,
        channel: Channel,
        id: i64,
        outcome: Result<jiff::Timestamp, (String, jiff::Timestamp)>,
    ) -> Result<(), DbError> {
        on_pool!(self, p => {
            match outcome {
                Ok(at) => {
                    sqlx::query(channel.delivered_sql()).bind(id).bind(micros(at)).execute(p).await?;
                }
                Err((error, next_at)) => {
                    sqlx::query(channel.retry_sql()).bind(id).bind(micros(next_at)).bind(error).execute(p).await?;
                }
            }
        });
        Ok(())
    }
}

/// How a channel's deliveries are sent.
enum Sender {
    Webhook(reqwest::Client),
    Mail(super::mail::Transport),
}

impl Sender {
    fn channel(&self) -> Channel {
        match self {
            Sender::Webhook(_) => Channel::Webhook,
            Sender::Mail(_) => Channel::Mail,
        }
    }

    /// One try; the error says why it did not arrive.
    async fn send(&self, state: &AppState, delivery: &Claimed) -> Result<(), String> {
        match self {
            Sender::Webhook(client) => super::webhooks::send(state, client, delivery).await,
            Sender::Mail(transport) => super::mail::send(state, transport, delivery).await,
        }
    }
}

/// The senders of the channels the settings name.
fn senders(state: &AppState) -> Vec<Sender> {
    let mut senders = Vec::new();
    if !state.config.webhooks.is_empty() {
        match reqwest::Client::builder().timeout(try_timeout(&state.config)).build() {
            Ok(client) => senders.push(Sender::Webhook(client)),
            Err(error) => tracing::error!(%error, "webhooks: no HTTP client; none will be sent"),
        }
    }
    if let Some(mail) = &state.config.mail {
        // Checked when the settings loaded; settings built in code are checked here.
        match super::mail::transport(mail, try_timeout(&state.config)) {
            Ok(transport) => senders.push(Sender::Mail(transport)),
            Err(reason) => tracing::error!(%reason, "mail: not sending mails"),
        }
    }
    senders
}

/// Sends every delivery due now, round after round until none is left (tries that fail wait
/// for their back-off); for a caller that drives time itself, as the demo's month does.
pub(crate) async fn send_all_due(state: &AppState) -> Result<(), DbError> {
    let senders = senders(state);
    for sender in &senders {
        while send_due(state, sender).await? > 0 {}
    }
    Ok(())
}

/// Sends due deliveries of the channels the settings name until `stop` turns true, every
/// worker interval.
pub(crate) async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let senders = senders(&state);
    if senders.is_empty() {
        return;
    }
    let pause = Duration::from_millis(state.config.worker_interval_ms.max(10));
    loop {
        for sender in &senders {
            if let Err(error) = send_due(&state, sender).await {
                tracing::warn!(channel = sender.channel().name(), %error, "a round of deliveries failed; trying again next round");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// One round of a channel: claims due deliveries and tries them side by side; how many.
async fn send_due(state: &AppState, sender: &Sender) -> Result<usize, DbError> {
    let channel = sender.channel();
    let claimed = state.db.claim_deliveries(channel, state.engine.now(), lease_ms(&state.config)).await?;
    let tries = claimed.iter().map(|delivery| async move {
        let labels = [("channel", channel.name().to_string()), ("target", delivery.target.clone())];
        // The try's own timeout, whatever the client library does with it: a receiver that
        // accepts and then never answers must not hold this loop.
        let timeout = try_timeout(&state.config);
        let tried = tokio::time::timeout(timeout, sender.send(state, delivery)).await;
        let tried = tried.unwrap_or_else(|_| Err(format!("no answer within {} ms", timeout.as_millis())));
        let recorded = match tried {
            Ok(()) => {
                metrics::counter!("junro_deliveries_total", &labels).increment(1);
                Ok(state.engine.now())
            }
            Err(error) => {
                metrics::counter!("junro_delivery_failures_total", &labels).increment(1);
                tracing::warn!(channel = channel.name(), target = %delivery.target, notice = %delivery.notice,
                    attempt = delivery.attempts, %error, "a delivery failed; it will be tried again");
                let wait = backoff_ms(state.config.notify_retry_ms, delivery.attempts);
                let next =
                    state.engine.now() + jiff::SignedDuration::from_millis(i64::try_from(wait).unwrap_or(i64::MAX));
                Err((error, next))
            }
        };
        state.db.delivery_tried(channel, delivery.id, recorded).await
    });
    let count = claimed.len();
    for result in futures_util::future::join_all(tries).await {
        result?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tries_back_off_doubling_up_to_an_hour() {
        assert_eq!(backoff_ms(10_000, 1), 10_000);
        assert_eq!(backoff_ms(10_000, 2), 20_000);
        assert_eq!(backoff_ms(10_000, 4), 80_000);
        assert_eq!(backoff_ms(10_000, 40), MAX_BACKOFF_MS);
    }
}
