//! Administration: users, API tokens and the audit trail.

use super::{Body, Params, Segments, page};
use crate::serve::audit::{AuditQuery, AuditRecord};
use crate::serve::auth::Identity;
use crate::serve::auth::tokens::TokenInfo;
use crate::serve::auth::users::{NewUser, User, UserError};
use crate::serve::middleware::AuditNote;
use crate::serve::problem::{ApiResult, FieldError, Problem};
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

impl From<UserError> for Problem {
    fn from(error: UserError) -> Problem {
        match error {
            UserError::Exists(_) => Problem::conflict("exists", error.to_string()),
            UserError::Unknown(_) => Problem::not_found(error.to_string()),
            UserError::Invalid { field, message } => {
                Problem::invalid(vec![FieldError { field: field.into(), message }])
            }
            UserError::Db(e) => Problem::internal(e),
        }
    }
}

/// Every user (administrators).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin",
    responses((status = 200, body = Vec<User>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn users(State(state): State<AppState>, identity: Identity) -> ApiResult<Json<Vec<User>>> {
    identity.require_admin()?;
    Ok(Json(state.db.users().await?))
}

/// Adds a user (administrators).
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", request_body = NewUser,
    responses((status = 201, body = User), (status = 400, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn add_user(
    State(state): State<AppState>,
    identity: Identity,
    Body(new): Body<NewUser>,
) -> ApiResult<Response> {
    identity.require_admin()?;
    let user = state.db.add_user(&new, state.engine.now()).await?;
    let mut response = (StatusCode::CREATED, Json(user.clone())).into_response();
    response.extensions_mut().insert(AuditNote::about(user.id.clone(), Some(user.scope_text())));
    Ok(response)
}

/// Disables a user: their sessions end and their tokens stop working at once.
#[utoipa::path(post, path = "/api/v1/users/{user}/disable", tag = "admin",
    params(("user" = String, Path, description = "User id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn disable_user(
    State(state): State<AppState>,
    identity: Identity,
    Segments(user): Segments<String>,
) -> ApiResult<Response> {
    identity.require_admin()?;
    state.db.disable_user(&user, state.engine.now()).await?;
    state.tokens.forget_all();
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.extensions_mut().insert(AuditNote::about(user, None));
    Ok(response)
}

/// Which tokens to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// Only this user's.
    pub user: Option<String>,
}

/// API tokens, never their secrets (administrators).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "admin", params(TokenQuery),
    responses((status = 200, body = Vec<TokenInfo>), (status = 403, body = Problem)))]
pub async fn tokens(
    State(state): State<AppState>,
    identity: Identity,
    Params(query): Params<TokenQuery>,
) -> ApiResult<Json<Vec<TokenInfo>>> {
    identity.require_admin()?;
    Ok(Json(state.db.tokens(query.user.as_deref()).await?))
}

/// A token to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// The user it acts as.
    pub user: String,
    /// Days until it stops working (none: until revoked).
    #[serde(default)]
    pub expires_days: Option<u32>,
}

/// A new token and its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The token.
    pub token: TokenInfo,
    /// The secret for `Authorization: Bearer …`; it is not kept and cannot be shown again.
    pub secret: String,
}

/// Makes an API token for a user (administrators).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "admin", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    identity: Identity,
    Body(new): Body<NewToken>,
) -> ApiResult<Response> {
    identity.require_admin()?;
    let (token, secret) = state.db.create_token(&new.user, new.expires_days, state.engine.now()).await?;
    let target = token.id.clone();
    let mut response = (StatusCode::CREATED, Json(CreatedToken { token, secret })).into_response();
    response.extensions_mut().insert(AuditNote::about(target, Some(format!("for {}", new.user))));
    Ok(response)
}

/// Revokes a token at once (administrators).
#[utoipa::path(delete, path = "/api/v1/tokens/{token}", tag = "admin",
    params(("token" = String, Path, description = "The token's id (not its secret)")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    identity: Identity,
    Segments(token): Segments<String>,
) -> ApiResult<Response> {
    identity.require_admin()?;
    if !state.db.revoke_token(&token, state.engine.now()).await? {
        return Err(Problem::not_found(format!("no live token {token}")));
    }
    state.tokens.forget_all();
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.extensions_mut().insert(AuditNote::about(token, None));
    Ok(response)
}

/// Which records of the audit trail to read.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only this user's.
    pub user: Option<String>,
    /// From this time on (RFC 3339).
    pub since: Option<Timestamp>,
    /// After this position (the last `seq` of the previous page).
    pub after: Option<i64>,
    /// Rows (default 100).
    pub limit: Option<u32>,
}

/// A page of the audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Records, oldest first.
    pub records: Vec<AuditRecord>,
}

/// The audit trail, oldest first (administrators).
#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 403, body = Problem)))]
pub async fn audit(
    State(state): State<AppState>,
    identity: Identity,
    Params(query): Params<AuditParams>,
) -> ApiResult<Json<AuditPage>> {
    identity.require_admin()?;
    let query = AuditQuery {
        user: query.user,
        since: query.since,
        after: query.after,
        limit: page(query.limit, &state),
        newest: false,
    };
    Ok(Json(AuditPage { records: state.db.audit(&query).await.map_err(Problem::internal)? }))
}
