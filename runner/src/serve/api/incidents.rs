//! Incidents (administrators): the steps stopped until someone acts, listed oldest first with
//! their flow, step, attempts and message; retried once the cause is fixed, or resolved by
//! supplying the result the action should have given, so the order goes on. Cancelling the
//! order is the third way out (`POST /orders/{order}/cancel`).

use super::orders::{OrderSummary, act};
use super::{Body, Params, Segments, page};
use crate::serve::auth::Identity;
use crate::serve::problem::{ApiResult, FieldError, Problem};
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use jiff::Timestamp;
use junro_engine::machine::Command;
use junro_engine::store::{IncidentFilter, IncidentRow};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

/// Filters of the incident list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    /// Only incidents of this flow.
    pub flow: Option<String>,
    /// Only incidents at this step.
    pub step: Option<String>,
    /// Only incidents of this vendor's orders.
    pub vendor: Option<String>,
    /// Only incidents raised at or after this time (RFC 3339).
    pub since: Option<Timestamp>,
    /// The `next` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page (default 100).
    pub limit: Option<u32>,
}

/// An open incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct Incident {
    /// The order.
    pub order: String,
    /// The stopped step's instance: retry or resolve it by this number.
    pub instance: u64,
    /// Flow id.
    pub flow: String,
    /// Step id.
    pub step: String,
    /// The order's vendor.
    pub vendor: Option<String>,
    /// What failed.
    pub message: String,
    /// How many times the step was tried.
    pub attempts: u32,
    /// When the incident was raised.
    pub since: Timestamp,
}

impl From<IncidentRow> for Incident {
    fn from(r: IncidentRow) -> Self {
        Incident {
            order: r.order,
            instance: r.instance,
            flow: r.flow,
            step: r.step,
            vendor: r.vendor,
            message: r.message,
            attempts: r.attempts,
            since: r.raised_at,
        }
    }
}

/// A page of incidents.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentPage {
    /// The incidents, oldest first.
    pub incidents: Vec<Incident>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next: Option<String>,
}

/// Lists open incidents, oldest first (administrators).
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(IncidentQuery),
    responses((status = 200, body = IncidentPage), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Params(query): Params<IncidentQuery>,
) -> ApiResult<Json<IncidentPage>> {
    identity.require_admin()?;
    let after = query.cursor.as_deref().map(parse_cursor).transpose()?;
    let limit = page(query.limit, &state);
    let filter = IncidentFilter {
        flow: query.flow,
        step: query.step,
        vendor: query.vendor,
        since: query.since,
        after,
        limit: Some(limit + 1),
    };
    let mut rows = state.engine.incidents(&filter).await?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| format!("{}.{}.{}", r.raised_at.as_microsecond(), r.instance, r.order))
    } else {
        None
    };
    Ok(Json(IncidentPage { incidents: rows.into_iter().map(Incident::from).collect(), next }))
}

fn parse_cursor(cursor: &str) -> Result<(Timestamp, String, u64), Problem> {
    let bad = || {
        Problem::invalid(vec![FieldError { field: "cursor".into(), message: "not a cursor this service gave".into() }])
    };
    let mut parts = cursor.splitn(3, '.');
    let (Some(at), Some(instance), Some(order)) = (parts.next(), parts.next(), parts.next()) else { return Err(bad()) };
    let at = at.parse::<i64>().ok().and_then(|us| Timestamp::from_microsecond(us).ok()).ok_or_else(bad)?;
    let instance = instance.parse::<u64>().map_err(|_| bad())?;
    Ok((at, order.to_string(), instance))
}

/// Retries the failed step of an incident (administrators), once its cause is fixed.
#[utoipa::path(post, path = "/api/v1/orders/{order}/incidents/{instance}/retry", tag = "incidents",
    params(("order" = String, Path, description = "Order id or business key"), ("instance" = u64, Path, description = "The failed step's instance")),
    responses((status = 200, body = OrderSummary), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn retry(
    State(state): State<AppState>,
    identity: Identity,
    Segments((order, instance)): Segments<(String, u64)>,
) -> ApiResult<Response> {
    identity.require_admin()?;
    act(&state, &identity, &order, Command::RetryIncident { job: instance }).await
}

/// The result to resolve an incident with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// The result the step's action should have returned, keyed as its `out` mappings read it
    /// (`out line_id = line_id` reads `line_id`); every key the step reads must be given.
    #[schema(value_type = Object)]
    pub output: Map<String, Value>,
}

/// Resolves an incident at an automatic step by supplying its action's result (administrators):
/// the order goes on as if the action had returned it. Recorded with the administrator's id.
#[utoipa::path(post, path = "/api/v1/orders/{order}/incidents/{instance}/resolve", tag = "incidents",
    request_body = Resolution,
    params(("order" = String, Path, description = "Order id or business key"), ("instance" = u64, Path, description = "The failed step's instance")),
    responses((status = 200, body = OrderSummary), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn resolve(
    State(state): State<AppState>,
    identity: Identity,
    Segments((order, instance)): Segments<(String, u64)>,
    Body(resolution): Body<Resolution>,
) -> ApiResult<Response> {
    identity.require_admin()?;
    act(&state, &identity, &order, Command::ResolveIncident { job: instance, output: resolution.output }).await
}
