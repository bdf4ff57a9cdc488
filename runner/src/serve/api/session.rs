//! Signing in and out with a password (browser sessions), and who am I.

use super::Body;
use crate::serve::audit::AuditRecord;
use crate::serve::auth::users::User;
use crate::serve::auth::{Credential, Identity, SESSION_COOKIE};
use crate::serve::middleware::{AuditNote, ClientAddress};
use crate::serve::problem::{ApiResult, Problem};
use crate::serve::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use axum_extra::extract::SignedCookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};
use std::time::Instant;
use utoipa::ToSchema;

/// A sign-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The user id.
    pub user: String,
    /// The password.
    pub password: String,
}

/// Who is signed in, and the CSRF token changing requests of this session must send.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The user.
    pub user: User,
    /// For a browser session: send it as `x-csrf-token` with every changing request.
    pub csrf_token: Option<String>,
    /// `session` or `token`.
    pub via: String,
}

/// What became of a sign-in.
pub(crate) enum SignIn {
    /// A session started: its cookie, the user and the session's CSRF token.
    Started(Box<(Cookie<'static>, User, String)>),
    /// Too many failures lately: try again after this many seconds.
    Throttled(u64),
    /// The user id or the password is wrong (or the user is disabled).
    Refused,
}

/// Checks a password and starts a session, throttling repeated failures per user and per
/// address; returns the outcome and the audit record the request must leave. The API and the
/// sign-in page both sign in here.
pub(crate) async fn sign_in(
    state: &AppState,
    address: &ClientAddress,
    user_id: &str,
    password: &str,
) -> Result<(SignIn, AuditNote), Problem> {
    let keys = vec![format!("user:{user_id}"), format!("addr:{}", address.0)];
    let now = state.engine.now();
    let note = |actor: Option<&str>, result: &str| {
        AuditNote::replace(AuditRecord {
            target: Some(user_id.to_string()),
            ..AuditRecord::new(now, actor, "login", 0, result)
        })
    };
    if let Some(wait) = state.throttle.blocked(&keys, Instant::now()) {
        return Ok((SignIn::Throttled(wait), note(None, "too_many_attempts")));
    }
    let user = state.db.check_password(user_id, password).await.map_err(Problem::internal)?;
    let Some(user) = user else {
        state.throttle.failed(&keys, Instant::now());
        return Ok((SignIn::Refused, note(None, "bad_credentials")));
    };
    let (id, csrf) =
        state.db.create_session(&user.id, state.config.session_hours, now).await.map_err(Problem::internal)?;
    let cookie = Cookie::build((SESSION_COOKIE, id))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.cookie_secure)
        .path("/")
        .build();
    let note = note(Some(&user.id), "ok");
    Ok((SignIn::Started(Box::new((cookie, user, csrf))), note))
}

/// Signs in with a password and starts a browser session (a signed, HttpOnly cookie).
#[utoipa::path(post, path = "/api/v1/session", tag = "session", security(()), request_body = Login,
    responses((status = 200, body = Me), (status = 401, body = Problem), (status = 429, body = Problem)))]
pub async fn login(
    State(state): State<AppState>,
    Extension(address): Extension<ClientAddress>,
    jar: SignedCookieJar,
    Body(login): Body<Login>,
) -> ApiResult<Response> {
    let (outcome, note) = sign_in(&state, &address, &login.user, &login.password).await?;
    let mut response = match outcome {
        SignIn::Throttled(wait) => {
            let problem = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!("too many failed sign-ins; try again in {wait} s"),
            );
            let mut response = problem.into_response();
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, wait.into());
            response
        }
        SignIn::Refused => {
            Problem::new(StatusCode::UNAUTHORIZED, "bad_credentials", "the user id or the password is wrong")
                .into_response()
        }
        SignIn::Started(started) => {
            let (cookie, user, csrf) = *started;
            (jar.add(cookie), Json(Me { user, csrf_token: Some(csrf), via: "session".into() })).into_response()
        }
    };
    response.extensions_mut().insert(note);
    Ok(response)
}

/// Signs out: the session ends at once, everywhere.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204), (status = 401, body = Problem)))]
pub async fn logout(State(state): State<AppState>, identity: Identity, jar: SignedCookieJar) -> ApiResult<Response> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        state.db.delete_session(cookie.value()).await.map_err(Problem::internal)?;
    }
    let _ = identity;
    Ok((jar.remove(Cookie::build(SESSION_COOKIE).path("/")), StatusCode::NO_CONTENT).into_response())
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = Me), (status = 401, body = Problem)))]
pub async fn me(identity: Identity) -> Json<Me> {
    let (csrf_token, via) = match identity.credential {
        Credential::Session { csrf } => (Some(csrf), "session"),
        Credential::Token(_) => (None, "token"),
    };
    Json(Me { user: identity.user, csrf_token, via: via.into() })
}
