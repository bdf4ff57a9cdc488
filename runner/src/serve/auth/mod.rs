//! Who is asking: every request's identity comes from its bearer token or its session cookie,
//! never from a parameter. The [`authenticate`] middleware resolves it once per request and
//! leaves it in the request's extensions; handlers take it with the [`Identity`] extractor.

mod secrets;
pub mod sessions;
pub mod throttle;
pub mod token_cache;
pub mod tokens;
pub mod users;

use super::problem::Problem;
use super::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::SignedCookieJar;
use junro_engine::machine::Actor;
pub(crate) use secrets::{random_hex, same};
use users::User;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "junro_session";
/// The header a browser's changing request carries its session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An API token (its id).
    Token(String),
    /// A browser session, with its CSRF token.
    Session {
        /// The session's CSRF token.
        csrf: String,
    },
}

/// The user a request comes from, as the service recognised them.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The user.
    pub user: User,
    /// How they signed in.
    pub credential: Credential,
}

impl Identity {
    /// The engine's view of this person: roles and vendor decide which tasks they may work;
    /// supervisors and administrators may also act on orders they do not work on (hold,
    /// resume, cancel, reassign), within the scope the service checks first.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.user.id.clone(),
            roles: self.user.roles.clone(),
            vendor: self.user.vendor.clone(),
            admin: self.user.admin || self.user.supervisor,
            on_behalf_of: None,
        }
    }

    /// Whether the caller came with an API token (a system or a script).
    pub fn is_token(&self) -> bool {
        matches!(self.credential, Credential::Token(_))
    }

    /// 403 unless the user is an administrator.
    pub fn require_admin(&self) -> Result<(), Problem> {
        if self.user.admin { Ok(()) } else { Err(Problem::forbidden("only administrators may do this")) }
    }

    /// 403 unless the user is a supervisor or an administrator.
    pub fn require_supervisor(&self) -> Result<(), Problem> {
        if self.user.supervisor || self.user.admin {
            Ok(())
        } else {
            Err(Problem::forbidden("only supervisors and administrators may do this"))
        }
    }

    /// 403 unless the user is a manager or an administrator.
    pub fn require_manager(&self) -> Result<(), Problem> {
        if self.user.manager || self.user.admin {
            Ok(())
        } else {
            Err(Problem::forbidden("only managers and administrators may do this"))
        }
    }
}

/// What the middleware found: an identity, or a reason the credential was refused.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    Known(Identity),
    Refused(Problem),
    Anonymous,
}

/// Resolves the caller of every request and keeps it in the request's extensions.
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    mut request: Request,
    next: Next,
) -> Response {
    let authorization =
        request.headers().get(header::AUTHORIZATION).map(|v| v.to_str().map(str::to_string).unwrap_or_default());
    let mut csrf = request.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // A page's plain form carries the token as its `_csrf` field (the body is already read
    // into memory by the body limit, so looking at it costs no I/O).
    let form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if csrf.is_none() && !safe && form {
        let (parts, body) = request.into_parts();
        let bytes = match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => bytes,
            Err(_) => return Problem::bad_request("the form could not be read").into_response(),
        };
        csrf = form_field(&bytes, "_csrf");
        request = Request::from_parts(parts, axum::body::Body::from(bytes));
    }
    let caller = match resolve(&state, &jar, authorization, csrf, safe).await {
        Ok(caller) => caller,
        Err(problem) => return problem.into_response(),
    };
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// The value of field `name` of a URL-encoded form.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    pairs.into_iter().find(|(key, _)| key == name).map(|(_, value)| value)
}

async fn resolve(
    state: &AppState,
    jar: &SignedCookieJar,
    authorization: Option<String>,
    csrf: Option<String>,
    safe: bool,
) -> Result<Caller, Problem> {
    let now = state.engine.now();
    if let Some(value) = authorization {
        let secret = value.strip_prefix("Bearer ").map(str::trim);
        let Some(secret) = secret else {
            return Ok(Caller::Refused(Problem::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "the Authorization header must be `Bearer <token>`",
            )));
        };
        let hash = secrets::sha256_hex(secret);
        if let Some((user, token)) = state.tokens.get(&hash, std::time::Instant::now()) {
            return Ok(Caller::Known(Identity { user, credential: Credential::Token(token) }));
        }
        return Ok(match state.db.authenticate_token(secret, now).await.map_err(Problem::internal)? {
            Some((user, token)) => {
                state.tokens.put(hash, user.clone(), token.clone(), std::time::Instant::now());
                Caller::Known(Identity { user, credential: Credential::Token(token) })
            }
            None => Caller::Refused(Problem::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "the token is unknown, expired or revoked",
            )),
        });
    }
    let Some(cookie) = jar.get(SESSION_COOKIE) else { return Ok(Caller::Anonymous) };
    let Some(session) =
        state.db.session(cookie.value(), state.config.session_hours, now).await.map_err(Problem::internal)?
    else {
        return Ok(Caller::Anonymous);
    };
    if !safe && !same(csrf.as_deref().unwrap_or(""), &session.csrf) {
        return Ok(Caller::Refused(Problem::forbidden(format!(
            "a changing request from a browser session must send its CSRF token in the `{CSRF_HEADER}` header (a page's form: the `_csrf` field)"
        ))));
    }
    Ok(Caller::Known(Identity { user: session.user, credential: Credential::Session { csrf: session.csrf } }))
}

impl<S: Send + Sync> FromRequestParts<S> for Identity {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Caller>() {
            Some(Caller::Known(identity)) => Ok(identity.clone()),
            Some(Caller::Refused(problem)) => Err(problem.clone()),
            Some(Caller::Anonymous) | None => Err(Problem::unauthenticated()),
        }
    }
}
