//! External workers: automatic steps whose actions run outside the service, in any language
//! (the pattern of Camunda's external tasks and Zeebe's job workers). A worker fetches and locks
//! due jobs of the actions it implements, does the work, and completes each with its output or
//! fails it with a message (retried as the flow declares, then an incident); a long job extends
//! its lease. The idempotency key is the same for every attempt of a step.

use super::{Body, Segments};
use crate::serve::auth::Identity;
use crate::serve::middleware::AuditNote;
use crate::serve::problem::{ApiResult, FieldError, Problem};
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// A fetch-and-lock request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchRequest {
    /// The actions this worker implements.
    pub actions: Vec<String>,
    /// At most this many jobs (1–100, default 10).
    #[serde(default)]
    pub max: Option<u32>,
    /// Seconds the jobs stay locked for this worker (10–3,600, default 60).
    #[serde(default)]
    pub lease_seconds: Option<u64>,
}

/// A job locked for the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct LockedJob {
    /// The order.
    pub order: String,
    /// The step instance: the job's number within its order.
    pub instance: u64,
    /// The action.
    pub action: String,
    /// The inputs the flow mapped.
    #[schema(value_type = Object)]
    pub inputs: Map<String, Value>,
    /// The same for every attempt of this step: use it to make the action idempotent.
    pub idempotency_key: String,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// When the lock ends unless extended.
    pub lease_until: Timestamp,
}

/// Only systems (an API token of the company's own) run jobs.
fn require_worker(identity: &Identity) -> Result<(), Problem> {
    if identity.is_token() && identity.user.vendor.is_none() {
        Ok(())
    } else {
        Err(Problem::forbidden("jobs are run by the company's systems, with an API token of an in-house user"))
    }
}

/// Fetches and locks due jobs of the named actions (none due: an empty list).
#[utoipa::path(post, path = "/api/v1/jobs/fetch", tag = "jobs", request_body = FetchRequest,
    responses((status = 200, body = Vec<LockedJob>), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn fetch(
    State(state): State<AppState>,
    identity: Identity,
    Body(request): Body<FetchRequest>,
) -> ApiResult<Response> {
    require_worker(&identity)?;
    let mut errors = Vec::new();
    if request.actions.is_empty() || request.actions.len() > 100 || request.actions.iter().any(|a| a.is_empty()) {
        errors.push(FieldError { field: "actions".into(), message: "name 1 to 100 actions".into() });
    }
    let max = request.max.unwrap_or(10);
    if !(1..=100).contains(&max) {
        errors.push(FieldError { field: "max".into(), message: "ask for 1 to 100 jobs".into() });
    }
    let lease = request.lease_seconds.unwrap_or(60);
    if !(10..=3600).contains(&lease) {
        errors.push(FieldError { field: "lease_seconds".into(), message: "lock for 10 to 3,600 seconds".into() });
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let jobs = state.engine.fetch_jobs(&request.actions, max, lease).await?;
    let locked: Vec<LockedJob> = jobs
        .into_iter()
        .map(|j| LockedJob {
            order: j.order,
            instance: j.instance,
            action: j.action,
            inputs: j.inputs,
            idempotency_key: j.idempotency_key,
            attempt: j.attempt,
            lease_until: j.lease_until,
        })
        .collect();
    let detail = locked.iter().map(|j| format!("{}#{}", j.order, j.instance)).collect::<Vec<_>>().join(", ");
    let note =
        if locked.is_empty() { AuditNote::skip() } else { AuditNote::about(request.actions.join(","), Some(detail)) };
    let mut response = Json(locked).into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}

/// A job's result.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobOutput {
    /// The output fields the flow maps into the order's data.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub output: Map<String, Value>,
}

fn done(order: &str, instance: u64) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.extensions_mut().insert(AuditNote::about(format!("{order}#{instance}"), None));
    response
}

/// Completes a locked job with its output; the order moves on. A job already finished (by
/// another worker after a lease ran out) answers 409.
#[utoipa::path(post, path = "/api/v1/jobs/{order}/{instance}/complete", tag = "jobs", request_body = JobOutput,
    params(("order" = String, Path, description = "Order id"), ("instance" = u64, Path, description = "The job's step instance")),
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn complete(
    State(state): State<AppState>,
    identity: Identity,
    Segments((order, instance)): Segments<(String, u64)>,
    Body(body): Body<JobOutput>,
) -> ApiResult<Response> {
    require_worker(&identity)?;
    state.engine.complete_job(&order, instance, body.output).await?;
    Ok(done(&order, instance))
}

/// A job's failure.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobFailure {
    /// What went wrong (kept in the order's history and the incident).
    pub error: String,
}

/// Fails a locked job: it is retried with the flow's back-off, then becomes an incident.
#[utoipa::path(post, path = "/api/v1/jobs/{order}/{instance}/fail", tag = "jobs", request_body = JobFailure,
    params(("order" = String, Path, description = "Order id"), ("instance" = u64, Path, description = "The job's step instance")),
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn fail(
    State(state): State<AppState>,
    identity: Identity,
    Segments((order, instance)): Segments<(String, u64)>,
    Body(body): Body<JobFailure>,
) -> ApiResult<Response> {
    require_worker(&identity)?;
    let error = body.error.trim();
    if error.is_empty() || error.chars().count() > 2000 {
        return Err(Problem::invalid(vec![FieldError {
            field: "error".into(),
            message: "say what went wrong, in 1 to 2,000 characters".into(),
        }]));
    }
    state.engine.fail_job(&order, instance, error).await?;
    Ok(done(&order, instance))
}

/// A longer lease.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Extend {
    /// Seconds from now (10–3,600).
    pub lease_seconds: u64,
}

/// Extends a job's lease; 409 when the job is done or its lease already ran out.
#[utoipa::path(post, path = "/api/v1/jobs/{order}/{instance}/extend", tag = "jobs", request_body = Extend,
    params(("order" = String, Path, description = "Order id"), ("instance" = u64, Path, description = "The job's step instance")),
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn extend(
    State(state): State<AppState>,
    identity: Identity,
    Segments((order, instance)): Segments<(String, u64)>,
    Body(body): Body<Extend>,
) -> ApiResult<Response> {
    require_worker(&identity)?;
    if !(10..=3600).contains(&body.lease_seconds) {
        return Err(Problem::invalid(vec![FieldError {
            field: "lease_seconds".into(),
            message: "lock for 10 to 3,600 seconds".into(),
        }]));
    }
    if !state.engine.extend_job(&order, instance, body.lease_seconds).await? {
        return Err(Problem::conflict("lease_lost", format!("job {order}#{instance} is done, or its lease ran out")));
    }
    Ok(done(&order, instance))
}
