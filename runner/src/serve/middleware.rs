//! What happens around every request: the client's address, the audit record of every change,
//! request metrics. (Who is asking is `auth::authenticate`.)

use super::audit::{AuditRecord, RidingRecord};
use super::auth::Caller;
use super::problem::ProblemCode;
use super::state::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use std::time::Instant;

/// The client's address (the peer of the connection).
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

/// What a handler adds to the audit record of its request, left in the response's extensions.
#[derive(Debug, Clone, Default)]
pub struct AuditNote {
    /// The whole record, written instead of the default one (sign-ins).
    record: Option<AuditRecord>,
    /// The thing concerned, when the path does not say it.
    target: Option<String>,
    /// More words.
    detail: Option<String>,
    /// Record a reading request too (exports).
    always: bool,
    /// Record nothing: the request changed nothing (a worker's poll that found no job).
    skip: bool,
    /// The principal, when a deputy acted.
    on_behalf_of: Option<String>,
}

impl AuditNote {
    /// Writes `record` (its status, address and request id filled in) instead of the default.
    pub fn replace(record: AuditRecord) -> AuditNote {
        AuditNote { record: Some(record), always: true, ..AuditNote::default() }
    }

    /// Names the thing concerned and says more.
    pub fn about(target: impl Into<String>, detail: Option<String>) -> AuditNote {
        AuditNote { target: Some(target.into()), detail, ..AuditNote::default() }
    }

    /// Says on whose behalf the caller acted (a deputy's principal), when they did.
    pub fn on_behalf_of(self, principal: Option<String>) -> AuditNote {
        AuditNote { on_behalf_of: principal, ..self }
    }

    /// Records nothing: the request changed nothing and read nothing worth recording.
    pub fn skip() -> AuditNote {
        AuditNote { skip: true, ..AuditNote::default() }
    }

    /// Records a reading request too (an export), naming what was read.
    pub fn read(target: impl Into<String>) -> AuditNote {
        AuditNote { target: Some(target.into()), always: true, ..AuditNote::default() }
    }
}

/// Reads every request's body (up to `limit` bytes) before the route runs: 413 at once for a
/// body declared or found larger, and a route that ignores its body (a `GET` with one, a `POST`
/// without a form) still leaves the connection clean, so the client reads its answer instead of
/// a reset.
pub(crate) async fn read_body(State(limit): State<usize>, request: Request, next: Next) -> Response {
    use axum::response::IntoResponse as _;
    // The rest of the body is not read: the connection closes after the answer.
    let too_large = || {
        let mut response = super::problem::Problem::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the request body is larger than the {limit} bytes the service accepts"),
        )
        .into_response();
        response.headers_mut().insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
        response
    };
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else { return too_large() };
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

/// Keeps the client's address in the request's extensions: the connection's peer, or, behind a
/// reverse proxy the settings trust (`trust_forwarded`), the first address of its
/// `X-Forwarded-For`.
pub(crate) async fn client_address(State(trust_forwarded): State<bool>, mut request: Request, next: Next) -> Response {
    let forwarded = trust_forwarded
        .then(|| request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()))
        .flatten()
        .and_then(|v| v.split(',').next())
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty());
    let address = forwarded.unwrap_or_else(|| {
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_string(), |ConnectInfo(a)| a.ip().to_string())
    });
    request.extensions_mut().insert(ClientAddress(address));
    next.run(request).await
}

/// Appends the audit record of every request that may change something (and of those a
/// handler asks for), after it ran and before it is answered.
pub(crate) async fn audit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let changing = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let actor = match request.extensions().get::<Caller>() {
        Some(Caller::Known(identity)) => Some(identity.user.id.clone()),
        _ => None,
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| request.uri().path().to_string(), |m| m.as_str().to_string());
    let action = format!("{} {route}", request.method());
    let path = request.uri().path().to_string();
    let address = request.extensions().get::<ClientAddress>().map(|a| a.0.clone());
    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    // The record rides with the change the route commits, when the route says how it will
    // answer (`audit::ride_with_change`): one transaction for both. A reading request changes
    // nothing a record could ride with: it runs as it is.
    let (response, ridden) = if changing {
        let draft = AuditRecord {
            target: Some(path.clone()),
            address: address.clone(),
            request_id: request_id.clone(),
            ..AuditRecord::new(state.engine.now(), actor.as_deref(), action.clone(), 0, "ok")
        };
        let engine = state.engine.clone();
        RidingRecord::new(draft).ride(move || engine.now(), next.run(request)).await
    } else {
        (next.run(request).await, None)
    };
    if ridden.as_ref().is_some_and(|ridden| ridden.status == response.status().as_u16()) {
        return response;
    }
    let note = response.extensions().get::<AuditNote>().cloned();
    if note.as_ref().is_some_and(|n| n.skip) || (!changing && !note.as_ref().is_some_and(|n| n.always)) {
        return response;
    }
    let status = response.status();
    let result = match response.extensions().get::<ProblemCode>() {
        Some(ProblemCode(code)) => code.clone(),
        None if status.is_success() || status.is_redirection() => "ok".to_string(),
        None => status.as_u16().to_string(),
    };
    let note = note.unwrap_or_default();
    let mut record = note.record.unwrap_or_else(|| AuditRecord {
        target: Some(note.target.unwrap_or(path)),
        detail: note.detail,
        on_behalf_of: note.on_behalf_of,
        ..AuditRecord::new(state.engine.now(), actor.as_deref(), action, 0, result.clone())
    });
    record.status = status.as_u16();
    if record.result == "ok" && !status.is_success() {
        record.result = result;
    }
    record.address = address;
    record.request_id = request_id;
    if let Some(ridden) = ridden {
        // The change was committed with a record of a different answer: this one says how the
        // request ended after all.
        let earlier = format!("committed with the change as {}", ridden.status);
        record.detail = Some(record.detail.map_or(earlier.clone(), |d| format!("{d}; {earlier}")));
    }
    if let Err(error) = state.audit.record(record).await {
        tracing::error!(%error, "the audit trail could not be written");
    }
    response
}

/// Counts requests by route, method and status, and times them.
pub(crate) async fn metrics(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_string();
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("route", route), ("method", method), ("status", status)];
    metrics::counter!("junro_http_requests_total", &labels).increment(1);
    metrics::histogram!("junro_http_request_duration_seconds", &labels[..2]).record(started.elapsed().as_secs_f64());
    response
}
