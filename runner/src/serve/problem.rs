//! Errors as `application/problem+json` (RFC 9457), each with a stable `code`.
//!
//! Every handler returns [`Problem`] on failure; nothing a client sends can make the service
//! answer 500 except the database itself failing. Engine errors are mapped here, in one place,
//! so the same refusal reads the same on every route.

use axum::Json;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, HeaderValue};
use axum::response::{IntoResponse, Response};
use junro_engine::machine::CommandError;
use junro_engine::runtime::EngineError;
use serde::Serialize;
use utoipa::ToSchema;

/// One field's error in a 400 answer.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field (a flow data field, or a member of the request body).
    pub field: String,
    /// What is wrong, in words.
    pub message: String,
}

/// An error answer: RFC 9457's members plus a stable `code` and, for invalid input, the fields.
/// Boxed, so that results carrying it stay small on the request path.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem(Box<ProblemBody>);

/// The members of a [`Problem`].
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemBody {
    /// A URI naming the kind of problem (`urn:junro:problem:<code>`).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened this time, in words.
    pub detail: String,
    /// Stable machine-readable code (`not_found`, `conflict`, `invalid`, …).
    pub code: String,
    /// Per-field errors of an invalid request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    /// A problem with a status, a stable code and a detail.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Problem {
        Problem(Box::new(ProblemBody {
            kind: format!("urn:junro:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_string(),
            errors: Vec::new(),
        }))
    }

    /// The members.
    pub fn body(&self) -> &ProblemBody {
        &self.0
    }

    /// 400: the request is malformed or a value is invalid.
    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    /// 400 with per-field errors.
    pub fn invalid(errors: Vec<FieldError>) -> Problem {
        let detail = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
        let mut problem = Problem::new(StatusCode::BAD_REQUEST, "invalid", detail);
        problem.0.errors = errors;
        problem
    }

    /// 401: no valid session or token.
    pub fn unauthenticated() -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in, or send `Authorization: Bearer <token>`")
    }

    /// 403: known, but not allowed to do this.
    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// 404: no such thing, or one the caller may not know exists.
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 409: the state does not allow it, or someone else was faster.
    pub fn conflict(code: &str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::CONFLICT, code, detail)
    }

    /// 503: more work than the database connections can take right now; try again shortly.
    pub fn busy() -> Problem {
        tracing::warn!("no database connection was free in time: answering 503");
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "the service is overloaded; try again in a moment")
    }

    /// 500: the database or the engine failed; logged, and the detail kept short.
    pub fn internal(detail: impl std::fmt::Display) -> Problem {
        tracing::error!(error = %detail, "internal error");
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the service could not finish the request")
    }

    /// The status as a [`StatusCode`].
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// A problem's code, left in the response's extensions for the audit trail and the metrics.
#[derive(Debug, Clone)]
pub struct ProblemCode(pub String);

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = ProblemCode(self.0.code.clone());
        let mut response = (status, Json(self)).into_response();
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response.extensions_mut().insert(code);
        response
    }
}

impl From<EngineError> for Problem {
    fn from(error: EngineError) -> Problem {
        match error {
            EngineError::Command(e) => Problem::from(e),
            EngineError::Conflict(_) => Problem::conflict(
                "conflict",
                "someone else changed this order at the same moment; nothing was saved: read it again",
            ),
            EngineError::UnknownFlow(flow) => Problem::not_found(format!("no deployed flow `{flow}`")),
            EngineError::UnknownOrder(order) => Problem::not_found(format!("no order {order}")),
            EngineError::Subflow(flow) => {
                Problem::bad_request(format!("`{flow}` is a subflow: it starts from its calling flow, not as an order"))
            }
            EngineError::Invalid(report) => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_flows", report),
            EngineError::Load(e) => Problem::bad_request(e.to_string()),
            EngineError::Compile(e) => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_flows", e.to_string()),
            EngineError::Deputy(e) => Problem::from(e),
            EngineError::Store(junro_engine::store::StoreError::Database(sqlx::Error::PoolTimedOut)) => Problem::busy(),
            other => Problem::internal(other),
        }
    }
}

impl From<CommandError> for Problem {
    fn from(error: CommandError) -> Problem {
        let detail = error.to_string();
        match error {
            CommandError::Closed(_) => Problem::conflict("closed", detail),
            CommandError::OnHold(_) => Problem::conflict("on_hold", detail),
            CommandError::NotOnHold(_) => Problem::conflict("not_on_hold", detail),
            CommandError::NoSuchTask(_) => Problem::conflict("task_not_open", detail),
            CommandError::ClaimedByOther { .. } => Problem::conflict("claimed_by_other", detail),
            CommandError::NotEligible { .. } => Problem::forbidden(detail),
            CommandError::NotAdmin(_) => Problem::forbidden(detail),
            CommandError::BadOutcome { .. } => {
                Problem::invalid(vec![FieldError { field: "outcome".into(), message: detail }])
            }
            CommandError::BadData { field, reason } => Problem::invalid(vec![FieldError { field, message: reason }]),
            CommandError::NoWaiter { .. } => Problem::conflict("no_waiter", detail),
            CommandError::NoIncident(_) => Problem::conflict("no_incident", detail),
            CommandError::CannotResolve { missing, .. } if !missing.is_empty() => Problem::invalid(
                missing
                    .into_iter()
                    .map(|key| FieldError {
                        message: format!(
                            "the step reads `{key}` from its action's result: give the value it should have returned"
                        ),
                        field: format!("output.{key}"),
                    })
                    .collect(),
            ),
            CommandError::CannotResolve { .. } => Problem::conflict("cannot_resolve", detail),
            CommandError::NoSuchJob(_) => Problem::conflict("job_not_pending", detail),
            CommandError::BadSendBack { .. } => {
                Problem::invalid(vec![FieldError { field: "to".into(), message: detail }])
            }
            CommandError::NoPullBack { .. } => Problem::conflict("no_pull_back", detail),
            CommandError::BadStart(_) => Problem::bad_request(detail),
            _ => Problem::conflict("refused", detail),
        }
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, Problem>;

impl From<junro_engine::DeputyError> for Problem {
    fn from(error: junro_engine::DeputyError) -> Problem {
        use junro_engine::DeputyError;
        let field =
            |field: &str| Problem::invalid(vec![FieldError { field: field.into(), message: error.to_string() }]);
        match &error {
            DeputyError::SamePerson(_) | DeputyError::OtherVendor { .. } => field("deputy"),
            DeputyError::BadPeriod { .. } => field("ends_at"),
            DeputyError::NotDeputy { .. } | DeputyError::Chain(_) => {
                Problem::new(StatusCode::FORBIDDEN, "not_deputy", error.to_string())
            }
            DeputyError::NotAllowed { .. } => Problem::forbidden(error.to_string()),
            DeputyError::Unknown(_) => Problem::not_found(error.to_string()),
            _ => Problem::bad_request(error.to_string()),
        }
    }
}
