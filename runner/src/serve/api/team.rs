//! The team view and bulk reassignment, for supervisors: the open tasks of their scope (their
//! vendor's orders, or all for the company's own), and giving many tasks to one person.

use super::tasks::{QueueQuery, TaskView, filter_of, may_receive, person, view};
use super::{Body, Params};
use crate::serve::auth::Identity;
use crate::serve::middleware::AuditNote;
use crate::serve::problem::{ApiResult, FieldError, Problem};
use crate::serve::scope::visible_state;
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use junro_engine::machine::{Actor, Command};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The open tasks of the supervisor's scope (their vendor's, or all for the company's own),
/// claimed or not.
#[utoipa::path(get, path = "/api/v1/team", tag = "team", params(QueueQuery),
    responses((status = 200, body = Vec<TaskView>), (status = 403, body = Problem)))]
pub async fn team(
    State(state): State<AppState>,
    identity: Identity,
    Params(query): Params<QueueQuery>,
) -> ApiResult<Json<Vec<TaskView>>> {
    identity.require_supervisor()?;
    let Some(filter) = filter_of(&state, &identity, query).await? else { return Ok(Json(Vec::new())) };
    let tasks = state.engine.tasks(&filter).await?;
    // A vendor's supervisor sees the tasks of their vendor's orders, not every task open to all.
    let mut visible = Vec::with_capacity(tasks.len());
    for task in tasks {
        if identity.user.vendor.is_none() || visible_state(&state, &identity, &task.order).await.is_ok() {
            visible.push(view(&state, task));
        }
    }
    Ok(Json(visible))
}

/// A task to reassign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRef {
    /// The order.
    pub order: String,
    /// The task's number.
    pub instance: u64,
}

/// A bulk reassignment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignRequest {
    /// The tasks (at most 500).
    pub tasks: Vec<TaskRef>,
    /// The person who gets them.
    pub to: String,
}

/// What happened to one task of a reassignment.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReassignResult {
    /// The order.
    pub order: String,
    /// The task's number.
    pub instance: u64,
    /// Whether the task is now the person's.
    pub ok: bool,
    /// Why not.
    pub error: Option<Problem>,
}

/// Gives tasks to a person (supervisors): claimed ones are transferred, unclaimed ones claimed
/// for them. Each task has its own answer.
#[utoipa::path(post, path = "/api/v1/team/reassign", tag = "team", request_body = ReassignRequest,
    responses((status = 200, body = Vec<ReassignResult>), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn reassign(
    State(state): State<AppState>,
    identity: Identity,
    Body(body): Body<ReassignRequest>,
) -> ApiResult<Response> {
    identity.require_supervisor()?;
    if body.tasks.is_empty() || body.tasks.len() > 500 {
        return Err(Problem::invalid(vec![FieldError {
            field: "tasks".into(),
            message: "name 1 to 500 tasks".into(),
        }]));
    }
    let to = person(&state, &body.to).await?;
    let mut results = Vec::with_capacity(body.tasks.len());
    for task in body.tasks {
        let outcome = reassign_one(&state, &identity, &to, &task.order, task.instance).await;
        results.push(ReassignResult {
            order: task.order,
            instance: task.instance,
            ok: outcome.is_ok(),
            error: outcome.err(),
        });
    }
    let detail = format!("to {}: {} of {} reassigned", body.to, results.iter().filter(|r| r.ok).count(), results.len());
    let mut response = Json(results).into_response();
    response.extensions_mut().insert(AuditNote::about(body.to.clone(), Some(detail)));
    Ok(response)
}

/// Gives one task to `to` for a supervisor: transferred when claimed, claimed for them when
/// not; refused for an order the supervisor may not see or the person may not receive.
pub(crate) async fn reassign_one(
    state: &AppState,
    identity: &Identity,
    to: &Actor,
    order: &str,
    instance: u64,
) -> Result<(), Problem> {
    let view = visible_state(state, identity, order).await?;
    may_receive(to, &view)?;
    let claimed = view
        .tokens
        .get(&instance)
        .is_some_and(|t| matches!(&t.activity, junro_engine::machine::Activity::Task { assignee: Some(_), .. }));
    if claimed {
        state.engine.apply(&view.id, &identity.actor(), Command::Transfer { task: instance, to: to.clone() }).await?;
    } else {
        state.engine.apply(&view.id, to, Command::Claim { task: instance }).await?;
    }
    Ok(())
}
