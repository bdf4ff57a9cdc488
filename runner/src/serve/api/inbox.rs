//! The caller's in-app inbox: reminders, escalations, transfers, send-backs, incidents and
//! dropped signals worded for them (`serve/notifier.rs`), newest first, and marking one read.
//! Everyone has an inbox of their own and sees no one else's.

use super::{Body, Params, Segments};
use crate::serve::auth::Identity;
use crate::serve::deliveries::DeliveryStatus;
use crate::serve::inbox::InboxItem;
use crate::serve::preferences::Preferences;
use crate::serve::problem::{ApiResult, FieldError, Problem};
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Which messages to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    /// Only those not read yet.
    #[serde(default)]
    pub unread: Option<bool>,
    /// At most this many (default and most: the service's page size).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// The caller's messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxPage {
    /// Newest first.
    pub messages: Vec<InboxItem>,
    /// How many of all the caller's messages are unread.
    pub unread: u64,
}

/// The caller's messages, newest first, with how many are unread.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "inbox", params(InboxQuery),
    responses((status = 200, body = InboxPage), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Params(query): Params<InboxQuery>,
) -> ApiResult<Json<InboxPage>> {
    let limit = query.limit.unwrap_or(state.config.limits.page_max).clamp(1, state.config.limits.page_max);
    let (messages, unread) =
        state.db.inbox(&identity.user.id, query.unread.unwrap_or(false), limit).await.map_err(Problem::internal)?;
    Ok(Json(InboxPage { messages, unread }))
}

/// Marks one of the caller's messages read (another person's message answers 404).
#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", tag = "inbox",
    params(("id" = i64, Path, description = "The message's number")),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn read(
    State(state): State<AppState>,
    identity: Identity,
    Segments(id): Segments<i64>,
) -> ApiResult<StatusCode> {
    if state.db.mark_read(&identity.user.id, id, state.engine.now()).await.map_err(Problem::internal)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!("no message {id} in your inbox")))
    }
}

/// The caller's notification preferences: which kinds are mailed, and quiet hours.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "inbox",
    responses((status = 200, body = Preferences), (status = 401, body = Problem)))]
pub async fn preferences(State(state): State<AppState>, identity: Identity) -> ApiResult<Json<Preferences>> {
    Ok(Json(state.db.preferences(&identity.user.id).await.map_err(Problem::internal)?))
}

/// Sets the caller's notification preferences (400 names each wrong field).
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "inbox", request_body = Preferences,
    responses((status = 200, body = Preferences), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn set_preferences(
    State(state): State<AppState>,
    identity: Identity,
    Body(wanted): Body<Preferences>,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(set(&state, &identity, wanted).await?))
}

/// Checks and stores `wanted` as the caller's preferences (the pages set them too).
pub(crate) async fn set(state: &AppState, identity: &Identity, mut wanted: Preferences) -> ApiResult<Preferences> {
    wanted.mail_kinds.sort();
    wanted.mail_kinds.dedup();
    let problems = wanted.problems();
    if !problems.is_empty() {
        return Err(Problem::invalid(
            problems.into_iter().map(|(field, message)| FieldError { field: field.into(), message }).collect(),
        ));
    }
    state.db.set_preferences(&identity.user.id, &wanted).await.map_err(Problem::internal)?;
    Ok(wanted)
}

/// How each webhook's and each person's mail deliveries stand (administrators): delivered,
/// pending, failing, the latest error. A receiver that keeps failing shows here first.
#[utoipa::path(get, path = "/api/v1/deliveries", tag = "inbox",
    responses((status = 200, body = Vec<DeliveryStatus>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn deliveries(State(state): State<AppState>, identity: Identity) -> ApiResult<Json<Vec<DeliveryStatus>>> {
    identity.require_admin()?;
    Ok(Json(state.db.delivery_status().await.map_err(Problem::internal)?))
}
