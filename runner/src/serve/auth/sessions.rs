//! Browser sessions: an opaque 256-bit id in a signed, HttpOnly, SameSite cookie, and a row per
//! session here (only the id's SHA-256), so that signing out and disabling a user take effect
//! at the next request. Each session has a CSRF token that changing requests must echo in the
//! `x-csrf-token` header. Ended sessions are deleted when the next one starts.

use super::secrets::{random_hex, sha256_hex};
use super::users::{User, UserError, user_of_row};
use crate::serve::db::{Pool, micros, on_pool};
use sqlx::Row;

/// A session the service recognised.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who signed in.
    pub user: User,
    /// The token that changing requests must send (`x-csrf-token`).
    pub csrf: String,
}

/// How long before its end an active session's end is moved out (one write per session per
/// five minutes of use, not one per request).
const EXTEND_AFTER_US: i64 = 5 * 60 * 1_000_000;

impl Pool {
    /// Starts a session for `user` lasting `hours` without use; returns its secret id and its
    /// CSRF token.
    pub async fn create_session(
        &self,
        user: &str,
        hours: u64,
        now: jiff::Timestamp,
    ) -> Result<(String, String), UserError> {
        let (id, csrf) = (random_hex(), random_hex());
        let expires = micros(now) + i64::try_from(hours).unwrap_or(12).saturating_mul(3_600_000_000);
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(micros(now)).execute(p).await?.rows_affected());
        on_pool!(self, p => sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(sha256_hex(&id))
            .bind(user)
            .bind(&csrf)
            .bind(micros(now))
            .bind(expires)
            .execute(p)
            .await?
            .rows_affected());
        Ok((id, csrf))
    }

    /// The live session of this id, of an enabled user; its end moves out with use.
    pub async fn session(&self, id: &str, hours: u64, now: jiff::Timestamp) -> Result<Option<Session>, UserError> {
        let (hash, now_us) = (sha256_hex(id), micros(now));
        let found = on_pool!(self, p => {
            let row = sqlx::query(
                "SELECT s.csrf, s.expires_at, u.id, u.display_name, u.roles, u.vendor, u.supervisor, u.manager, u.admin, \
                 u.disabled, u.created_at, u.email, u.language FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
            )
            .bind(&hash)
            .bind(now_us)
            .fetch_optional(p)
            .await?;
            row.map(|r| Ok::<_, UserError>((user_of_row!(&r), r.try_get::<String, _>("csrf")?, r.try_get::<i64, _>("expires_at")?)))
                .transpose()?
        });
        let Some((user, csrf, expires)) = found else { return Ok(None) };
        let full = now_us + i64::try_from(hours).unwrap_or(12).saturating_mul(3_600_000_000);
        if full - expires >= EXTEND_AFTER_US {
            on_pool!(self, p => sqlx::query("UPDATE sessions SET expires_at = $2 WHERE id_hash = $1")
                .bind(&hash)
                .bind(full)
                .execute(p)
                .await?
                .rows_affected());
        }
        Ok(Some(Session { user, csrf }))
    }

    /// Ends a session.
    pub async fn delete_session(&self, id: &str) -> Result<(), UserError> {
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(sha256_hex(id)).execute(p).await?.rows_affected());
        Ok(())
    }
}
