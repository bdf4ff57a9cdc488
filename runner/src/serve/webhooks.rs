//! Webhooks: every notice the notifier delivers (`notifier.rs`) is also POSTed, as JSON, to each
//! webhook of the settings that wants its kind, for chat tools or the customer's own systems.
//!
//! Deliveries are rows (`webhook_deliveries`), queued with the notice's inbox messages and sent
//! by a loop of their own beside the worker, so a slow or dead receiver never holds up timers,
//! jobs or anyone's request. A delivery is claimed by pushing its `next_at` past a lease (one
//! process sends it), retried with back-off until the receiver answers 2xx, and carries the
//! notice's key in `X-Junro-Delivery`: sent again after a crash, it is recognisably the same.
//! `X-Junro-Signature-256` is `sha256=` and the hex HMAC-SHA256 of the body under the webhook's
//! secret.

use super::config::Webhook;
use super::db::{DbError, Pool, micros, on_pool};
use super::state::AppState;
use hmac::{KeyInit, Mac};
use sqlx::Row;
use std::time::Duration;
use tokio::sync::watch;

/// How long one POST may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claimed delivery is this process's: longer than a POST may take.
const LEASE_MS: i64 = 60_000;
/// Deliveries sent at once.
const ROUND: i64 = 50;
/// The longest wait between two tries.
const MAX_BACKOFF_MS: u64 = 3_600_000;

/// A delivery to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedDelivery {
    /// The webhook's name.
    pub webhook: String,
    /// The notice's key.
    pub notice: String,
    /// The JSON body.
    pub body: String,
}

/// A delivery claimed for sending.
struct Claimed {
    id: i64,
    webhook: String,
    notice: String,
    body: String,
    attempts: i64,
}

/// The webhooks of `config` that want notices of `kind`.
pub(crate) fn wanting<'a>(webhooks: &'a [Webhook], kind: &str) -> impl Iterator<Item = &'a Webhook> {
    webhooks.iter().filter(move |w| w.kinds.is_empty() || w.kinds.iter().any(|k| k == kind))
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(7 + digest.len() * 2);
    hex.push_str("sha256=");
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// The wait before try `attempts + 1`: `base_ms` doubling with each failure, at most an hour.
fn backoff_ms(base_ms: u64, attempts: i64) -> u64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    base_ms.max(1).saturating_mul(1_u64 << doublings).min(MAX_BACKOFF_MS)
}

impl Pool {
    /// Queues deliveries (one already queued for the same webhook and notice is kept).
    pub async fn queue_webhooks(&self, deliveries: &[QueuedDelivery], now: jiff::Timestamp) -> Result<(), DbError> {
        if deliveries.is_empty() {
            return Ok(());
        }
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            for d in deliveries {
                sqlx::query(
                    "INSERT INTO webhook_deliveries (webhook, notice, body, next_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (webhook, notice) DO NOTHING",
                )
                .bind(&d.webhook)
                .bind(&d.notice)
                .bind(&d.body)
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Claims due deliveries for a lease.
    async fn claim_webhooks(&self, now: jiff::Timestamp) -> Result<Vec<Claimed>, DbError> {
        let sql = match self {
            Pool::Sqlite(_) => {
                "UPDATE webhook_deliveries SET next_at = $1, attempts = attempts + 1 WHERE id IN (\
                 SELECT id FROM webhook_deliveries WHERE delivered_at IS NULL AND next_at <= $2 ORDER BY next_at LIMIT $3) \
                 RETURNING id, webhook, notice, body, attempts"
            }
            Pool::Postgres(_) => {
                "UPDATE webhook_deliveries SET next_at = $1, attempts = attempts + 1 WHERE id IN (\
                 SELECT id FROM webhook_deliveries WHERE delivered_at IS NULL AND next_at <= $2 ORDER BY next_at LIMIT $3 \
                 FOR UPDATE SKIP LOCKED) RETURNING id, webhook, notice, body, attempts"
            }
        };
        on_pool!(self, p => {
            let rows = sqlx::query(sql)
                .bind(micros(now) + LEASE_MS * 1000)
                .bind(micros(now))
                .bind(ROUND)
                .fetch_all(p)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(Claimed {
                        id: r.try_get("id")?,
                        webhook: r.try_get("webhook")?,
                        notice: r.try_get("notice")?,
                        body: r.try_get("body")?,
                        attempts: r.try_get("attempts")?,
                    })
                })
                .collect()
        })
    }

    /// Records how a try ended: delivered, or tried again at `next_at` with the error.
    async fn webhook_tried(
        &self,
        id: i64,
        outcome: Result<jiff::Timestamp, (String, jiff::Timestamp)>,
    ) -> Result<(), DbError> {
        on_pool!(self, p => {
            match outcome {
                Ok(at) => {
                    sqlx::query("UPDATE webhook_deliveries SET delivered_at = $2, last_error = NULL WHERE id = $1")
                        .bind(id)
                        .bind(micros(at))
                        .execute(p)
                        .await?;
                }
                Err((error, next_at)) => {
                    sqlx::query("UPDATE webhook_deliveries SET next_at = $2, last_error = $3 WHERE id = $1")
                        .bind(id)
                        .bind(micros(next_at))
                        .bind(error)
                        .execute(p)
                        .await?;
                }
            }
        });
        Ok(())
    }
}

/// Sends due deliveries until `stop` turns true, every worker interval.
pub(crate) async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    if state.config.webhooks.is_empty() {
        return;
    }
    let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "webhooks: no HTTP client; nothing will be sent");
            return;
        }
    };
    let pause = Duration::from_millis(state.config.worker_interval_ms.max(10));
    loop {
        if let Err(error) = send_due(&state, &client).await {
            tracing::warn!(%error, "webhooks: a round failed; trying again next round");
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

/// One round: claims due deliveries and sends them side by side.
async fn send_due(state: &AppState, client: &reqwest::Client) -> Result<(), DbError> {
    let claimed = state.db.claim_webhooks(state.engine.now()).await?;
    let sends = claimed.into_iter().map(|delivery| async move {
        let outcome = send(state, client, &delivery).await;
        let name = delivery.webhook.clone();
        let recorded = match outcome {
            Ok(()) => {
                metrics::counter!("junro_webhook_delivered_total", "webhook" => name).increment(1);
                Ok(state.engine.now())
            }
            Err(error) => {
                metrics::counter!("junro_webhook_failures_total", "webhook" => name).increment(1);
                tracing::warn!(webhook = %delivery.webhook, notice = %delivery.notice, attempt = delivery.attempts, %error, "webhook delivery failed");
                let wait = backoff_ms(state.config.notify_retry_ms, delivery.attempts);
                let next = state.engine.now() + jiff::SignedDuration::from_millis(i64::try_from(wait).unwrap_or(i64::MAX));
                Err((error, next))
            }
        };
        state.db.webhook_tried(delivery.id, recorded).await
    });
    for result in futures_util::future::join_all(sends).await {
        result?;
    }
    Ok(())
}

/// POSTs one delivery; the error says why it did not arrive.
async fn send(state: &AppState, client: &reqwest::Client, delivery: &Claimed) -> Result<(), String> {
    let webhook = state
        .config
        .webhooks
        .iter()
        .find(|w| w.name == delivery.webhook)
        .ok_or_else(|| format!("the settings name no webhook `{}` any more", delivery.webhook))?;
    let response = client
        .post(&webhook.url)
        .header("content-type", "application/json")
        .header("x-junro-delivery", &delivery.notice)
        .header("x-junro-signature-256", signature(&webhook.secret, delivery.body.as_bytes()))
        .body(delivery.body.clone())
        .send()
        .await
        .map_err(|e| format!("POST {}: {e}", webhook.url))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("POST {} answered {}", webhook.url, response.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_sha256_of_the_body_in_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn tries_back_off_doubling_up_to_an_hour() {
        assert_eq!(backoff_ms(10_000, 1), 10_000);
        assert_eq!(backoff_ms(10_000, 2), 20_000);
        assert_eq!(backoff_ms(10_000, 4), 80_000);
        assert_eq!(backoff_ms(10_000, 40), MAX_BACKOFF_MS);
    }
}
