//! API tokens for systems and scripts: a random 256-bit secret shown once, stored as its
//! SHA-256, revocable, with an expiry and the time it was last used.

use super::secrets::{random_hex, sha256_hex};
use super::users::{User, UserError, user_of_row};
use crate::serve::db::{Pool, from_micros, micros, on_pool};
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

/// A token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TokenInfo {
    /// The token's id (not the secret): what `junro tokens revoke` takes.
    pub id: String,
    /// Whose it is: the token acts as this user.
    pub user: String,
    /// When it was made.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    /// When it stops working.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<jiff::Timestamp>,
    /// When it was revoked.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<jiff::Timestamp>,
    /// When it was last used (to the minute).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<jiff::Timestamp>,
}

/// The prefix of every token's secret, so that a leaked one is recognisable in logs and scans.
pub const TOKEN_PREFIX: &str = "junro_";

/// How stale `last_used_at` may get before a request writes it again: one write per token per
/// minute at most, not one per request.
const LAST_USED_RESOLUTION_US: i64 = 60_000_000;

impl Pool {
    /// Makes a token for `user`, valid for `days` (forever when `None`); returns it with its
    /// secret, which is not kept and cannot be shown again.
    pub async fn create_token(
        &self,
        user: &str,
        days: Option<u32>,
        now: jiff::Timestamp,
    ) -> Result<(TokenInfo, String), UserError> {
        let found = self.user(user).await?.ok_or_else(|| UserError::Unknown(user.to_string()))?;
        if found.disabled {
            return Err(UserError::Invalid { field: "user", message: format!("user `{user}` is disabled") });
        }
        let secret = format!("{TOKEN_PREFIX}{}", random_hex());
        let id = format!("tok_{}", &random_hex()[..16]);
        let expires_at = days.map(|d| now + jiff::SignedDuration::from_hours(i64::from(d) * 24));
        on_pool!(self, p => sqlx::query(
            "INSERT INTO api_tokens (id, user_id, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(user)
        .bind(sha256_hex(&secret))
        .bind(micros(now))
        .bind(expires_at.map(micros))
        .execute(p)
        .await?
        .rows_affected());
        let info =
            TokenInfo { id, user: user.to_string(), created_at: now, expires_at, revoked_at: None, last_used_at: None };
        Ok((info, secret))
    }

    /// Revokes a token; `false` when there is no such token, or it was revoked already.
    pub async fn revoke_token(&self, id: &str, now: jiff::Timestamp) -> Result<bool, UserError> {
        let changed = on_pool!(self, p => sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(micros(now))
            .execute(p)
            .await?
            .rows_affected());
        Ok(changed > 0)
    }

    /// The owner of a token, if it is one of ours.
    pub async fn token_owner(&self, id: &str) -> Result<Option<String>, UserError> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT user_id FROM api_tokens WHERE id = $1").bind(id).fetch_optional(p).await?;
            Ok(row.map(|r| r.try_get("user_id")).transpose()?)
        })
    }

    /// Tokens, of one user or of all, newest first.
    pub async fn tokens(&self, user: Option<&str>) -> Result<Vec<TokenInfo>, UserError> {
        on_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT id, user_id, created_at, expires_at, revoked_at, last_used_at FROM api_tokens \
                 WHERE $1 IS NULL OR user_id = $1 ORDER BY created_at DESC, id",
            )
            .bind(user)
            .fetch_all(p)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(TokenInfo {
                        id: r.try_get("id")?,
                        user: r.try_get("user_id")?,
                        created_at: from_micros(r.try_get("created_at")?),
                        expires_at: r.try_get::<Option<i64>, _>("expires_at")?.map(from_micros),
                        revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map(from_micros),
                        last_used_at: r.try_get::<Option<i64>, _>("last_used_at")?.map(from_micros),
                    })
                })
                .collect()
        })
    }

    /// The enabled user a live token belongs to, and the token's id; records its use.
    pub async fn authenticate_token(
        &self,
        secret: &str,
        now: jiff::Timestamp,
    ) -> Result<Option<(User, String)>, UserError> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let now_us = micros(now);
        let found = on_pool!(self, p => {
            let row = sqlx::query(
                "SELECT t.id AS token_id, t.last_used_at, u.id, u.display_name, u.roles, u.vendor, u.supervisor, u.manager, \
                 u.admin, u.disabled, u.created_at, u.email, u.language FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.disabled = 0",
            )
            .bind(sha256_hex(secret))
            .bind(now_us)
            .fetch_optional(p)
            .await?;
            row.map(|r| {
                Ok::<_, UserError>((
                    user_of_row!(&r),
                    r.try_get::<String, _>("token_id")?,
                    r.try_get::<Option<i64>, _>("last_used_at")?,
                ))
            })
            .transpose()?
        });
        let Some((user, token, last_used)) = found else { return Ok(None) };
        if last_used.is_none_or(|t| now_us - t >= LAST_USED_RESOLUTION_US) {
            on_pool!(self, p => sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
                .bind(&token)
                .bind(now_us)
                .execute(p)
                .await?
                .rows_affected());
        }
        Ok(Some((user, token)))
    }
}
