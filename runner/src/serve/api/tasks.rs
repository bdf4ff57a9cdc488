//! Tasks: mine, the queue I may take from, take next, and what a person does with a task
//! (claim, release, complete, send back, pull back, transfer).

use super::deputies::{OnBehalf, acting};
use super::{Body, Params, Segments, page};
use crate::serve::audit::{RidingTarget, ride_with_change};
use crate::serve::auth::Identity;
use crate::serve::middleware::AuditNote;
use crate::serve::problem::{ApiResult, FieldError, Problem};
use crate::serve::scope::{self, visible_state};
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use junro_engine::machine::{Actor, Command, OrderState};
use junro_engine::store::{TaskFilter, TaskRow};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

/// An open task.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    /// The order.
    pub order: String,
    /// The task's number within its order.
    pub instance: u64,
    /// Flow id.
    pub flow: String,
    /// Step id.
    pub step: String,
    /// The step's label.
    pub label: String,
    /// The role that may take it.
    pub role: String,
    /// Its lane.
    pub lane: String,
    /// When only one vendor's staff may take it: that vendor.
    pub vendor: Option<String>,
    /// 0 low … 3 urgent.
    pub priority: u8,
    /// When it is due.
    pub due_at: Option<Timestamp>,
    /// When it became ready.
    pub ready_at: Timestamp,
    /// Who holds it.
    pub assignee: Option<String>,
}

pub(crate) fn view(state: &AppState, t: TaskRow) -> TaskView {
    let label = state
        .engine
        .latest_flow(&t.flow)
        .and_then(|f| f.node(&t.step).map(|n| n.label.clone()))
        .unwrap_or_else(|| t.step.clone());
    TaskView {
        order: t.order,
        instance: t.instance,
        flow: t.flow,
        step: t.step,
        label,
        role: t.role,
        lane: t.lane,
        vendor: t.vendor,
        priority: t.priority,
        due_at: t.due_at,
        ready_at: t.ready_at,
        assignee: t.assignee,
    }
}

/// Tasks the caller holds (as a deputy: the principal holds), most urgent first.
#[utoipa::path(get, path = "/api/v1/tasks/mine", tag = "tasks", params(OnBehalf),
    responses((status = 200, body = Vec<TaskView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn mine(
    State(state): State<AppState>,
    identity: Identity,
    Params(behalf): Params<OnBehalf>,
) -> ApiResult<Json<Vec<TaskView>>> {
    let actor = acting(&state, &identity, behalf.on_behalf_of.as_deref()).await?;
    let filter = TaskFilter {
        assignee: Some(actor.on_behalf_of.unwrap_or(actor.id)),
        limit: Some(state.config.limits.page_max),
        ..TaskFilter::default()
    };
    let tasks = state.engine.tasks(&filter).await?;
    Ok(Json(tasks.into_iter().map(|t| view(&state, t)).collect()))
}

/// Filters of the queue.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only tasks of this flow.
    pub flow: Option<String>,
    /// Only tasks at this step.
    pub step: Option<String>,
    /// Only tasks of at least this priority (0 low … 3 urgent).
    pub priority: Option<u8>,
    /// Only tasks due before (RFC 3339).
    pub due_before: Option<Timestamp>,
    /// Only the tasks of the order with this number.
    pub business_key: Option<String>,
    /// Only tasks held by this person (team view).
    pub assignee: Option<String>,
    /// Rows (default 100).
    pub limit: Option<u32>,
    /// The queue of this person, as their deputy (queue only).
    pub on_behalf_of: Option<String>,
}

pub(crate) async fn filter_of(
    state: &AppState,
    identity: &Identity,
    query: QueueQuery,
) -> ApiResult<Option<TaskFilter>> {
    let order = match &query.business_key {
        Some(key) => match visible_state(state, identity, key).await {
            Ok(view) => Some(view.id),
            Err(_) => return Ok(None),
        },
        None => None,
    };
    Ok(Some(TaskFilter {
        vendor: identity.user.vendor.clone(),
        order_vendor: identity.user.vendor.clone(),
        order,
        step: query.step,
        flow: query.flow,
        min_priority: query.priority,
        due_before: query.due_before,
        assignee: query.assignee,
        limit: Some(page(query.limit, state)),
        ..TaskFilter::default()
    }))
}

/// The unclaimed tasks the caller may take (their roles; their vendor's or open to all),
/// most urgent first; with `on_behalf_of`, those of the principal's roles.
#[utoipa::path(get, path = "/api/v1/tasks/queue", tag = "tasks", params(QueueQuery),
    responses((status = 200, body = Vec<TaskView>), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn queue(
    State(state): State<AppState>,
    identity: Identity,
    Params(query): Params<QueueQuery>,
) -> ApiResult<Json<Vec<TaskView>>> {
    let actor = acting(&state, &identity, query.on_behalf_of.as_deref()).await?;
    let query = QueueQuery { assignee: None, ..query };
    let Some(filter) = filter_of(&state, &identity, query).await? else { return Ok(Json(Vec::new())) };
    let filter = TaskFilter { roles: Some(actor.roles), unclaimed: true, takeable: true, ..filter };
    let tasks = state.engine.tasks(&filter).await?;
    Ok(Json(tasks.into_iter().map(|t| view(&state, t)).collect()))
}

/// Takes the most urgent task the caller may work: claimed for them in one call. 204 when
/// there is none.
#[utoipa::path(post, path = "/api/v1/tasks/next", tag = "tasks", params(OnBehalf),
    responses((status = 200, body = TaskView, description = "the task, now the caller's"), (status = 204, description = "nothing to take"), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn next(
    State(state): State<AppState>,
    identity: Identity,
    Params(behalf): Params<OnBehalf>,
) -> ApiResult<Response> {
    let actor = acting(&state, &identity, behalf.on_behalf_of.as_deref()).await?;
    let within = TaskFilter { order_vendor: identity.user.vendor.clone(), ..TaskFilter::default() };
    ride_with_change(StatusCode::OK, RidingTarget::ClaimedTask, actor.on_behalf_of.clone(), None);
    match state.engine.take_next_where(&actor, within).await? {
        Some(task) => {
            let target = format!("{}#{}", task.order, task.instance);
            let mut response = Json(view(&state, task)).into_response();
            response.extensions_mut().insert(AuditNote::about(target, None).on_behalf_of(actor.on_behalf_of));
            Ok(response)
        }
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// Applies a task command to a visible order as the caller; answers 204.
async fn on_task(
    state: &AppState,
    identity: &Identity,
    order: &str,
    instance: u64,
    actor: &Actor,
    command: Command,
) -> ApiResult<Response> {
    on_task_checked(state, identity, order, instance, actor, command, |_| Ok(())).await
}

/// Why a task command was not applied to the state it was computed from.
enum Refused {
    /// The order's vendor does not settle whether the caller sees it (`scope::can_see`).
    Unsure,
    /// The form is wrong.
    Invalid(Vec<FieldError>),
}

/// [`on_task`] once `check` (a form's) passes on the order's state. Both checks are made on the
/// state the command is computed from, with no read of their own, when the order's vendor
/// settles who sees it; else (an order without a vendor yet, seen by a vendor's staff through
/// a task they may take) after the full check.
async fn on_task_checked(
    state: &AppState,
    identity: &Identity,
    order: &str,
    instance: u64,
    actor: &Actor,
    command: Command,
    check: impl Fn(&OrderState) -> Result<(), Vec<FieldError>>,
) -> ApiResult<Response> {
    ride_with_change(StatusCode::NO_CONTENT, RidingTarget::Task(instance), actor.on_behalf_of.clone(), None);
    let checked = |order: &OrderState| {
        if !scope::plainly_sees(identity, order) {
            return Err(Refused::Unsure);
        }
        check(order).map_err(Refused::Invalid)
    };
    match state.engine.apply_where(order, actor, command.clone(), checked).await? {
        Ok(id) => Ok(answered(&id, instance, actor)),
        Err(Refused::Invalid(errors)) => Err(Problem::invalid(errors)),
        Err(Refused::Unsure) => {
            let view = visible_state(state, identity, order).await?;
            check(&view).map_err(Problem::invalid)?;
            applied(state, &view.id, instance, actor, command).await
        }
    }
}

/// Applies a task command to an order the caller was found to see; answers 204.
async fn applied(state: &AppState, order: &str, instance: u64, actor: &Actor, command: Command) -> ApiResult<Response> {
    ride_with_change(StatusCode::NO_CONTENT, RidingTarget::Task(instance), actor.on_behalf_of.clone(), None);
    state.engine.apply(order, actor, command).await?;
    Ok(answered(order, instance, actor))
}

/// The answer to a task command done: 204, and what its audit record names.
fn answered(order: &str, instance: u64, actor: &Actor) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let note = AuditNote::about(format!("{order}#{instance}"), None).on_behalf_of(actor.on_behalf_of.clone());
    response.extensions_mut().insert(note);
    response
}

/// Claims a task.
#[utoipa::path(post, path = "/api/v1/orders/{order}/tasks/{instance}/claim", tag = "tasks",
    params(OnBehalf, ("order" = String, Path, description = "Order id or business key"), ("instance" = u64, Path, description = "The task's number")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn claim(
    State(state): State<AppState>,
    identity: Identity,
    Segments((order, instance)): Segments<(String, u64)>,
    Params(behalf): Params<OnBehalf>,
) -> ApiResult<Response> {
    on_task(
        &state,
        &identity,
        &order,
        instance,
        &acting(&state, &identity, behalf.on_behalf_of.as_deref()).await?,
        Command::Claim { task: instance },
    )
    .await
}

/// Gives a claimed task back to the queue.
#[utoipa::path(post, path = "/api/v1/orders/{order}/tasks/{instance}/release", tag = "tasks",
    params(OnBehalf, ("order" = String, Path, description = "Order id or business key"), ("instance" = u64, Path, description = "The task's number")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn release(
    State(state): State<AppState>,
    identity: Identity,
    Segments((order, instance)): Segments<(String, u64)>,
    Params(behalf): Params<OnBehalf>,
) -> ApiResult<Response> {
    on_task(
        &state,
        &identity,
        &order,
        instance,
        &acting(&state, &identity, behalf.on_behalf_of.as_deref()).await?,
        Command::Release { task: instance },
    )
    .await
}

/// A completed form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    /// The outcome chosen, for a task with outcomes.
    #[serde(default)]
    pub outcome: Option<String>,
    /// The form's fields, by field id.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: Map<String, Value>,
}

/// Completes a task with its form (validated as the flow declares: each wrong field is named).
/// Of two people completing one task, exactly one succeeds; the other gets 409.
#[utoipa::path(post, path = "/api/v1/orders/{order}/tasks/{instance}/complete", tag = "tasks", request_body = CompleteRequest,
    params(OnBehalf, ("order" = String, Path, description = "Order id or business key"), ("instance" = u64, Path, description = "The task's number")),
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn complete(
    State(state): State<AppState>,
    identity: Identity,
    Segments((order, instance)): Segments<(String, u64)>,
    Params(behalf): Params<OnBehalf>,
    Body(body): Body<CompleteRequest>,
) -> ApiResult<Response> {
    let actor = acting(&state, &identity, behalf.on_behalf_of.as_deref()).await?;
    let form = |view: &OrderState| {
        if let Some(flow) = state.engine.flow(&view.flow, view.version)
            && let Some(token) = view.tokens.get(&instance)
            && let Some(junro_engine::compile::NodeKind::Task(spec)) = flow.node(&token.step).map(|n| &n.kind)
        {
            let errors = crate::serve::forms::problems(
                &flow,
                &body.data,
                Some((&token.step, spec)),
                &view.data,
                crate::serve::forms::Reader::Api,
            );
            if !errors.is_empty() {
                return Err(errors);
            }
        }
        Ok(())
    };
    let command = Command::Complete { task: instance, outcome: body.outcome.clone(), data: body.data.clone() };
    on_task_checked(&state, &identity, &order, instance, &actor, command, form).await
}

/// A send-back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBackRequest {
    /// The earlier step to send the order back to (one the flow allows).
    pub to: String,
    /// Why (the front operator reads it).
    pub reason: String,
}

/// Sends the order back (差戻し) from this task to an earlier one, with a reason.
#[utoipa::path(post, path = "/api/v1/orders/{order}/tasks/{instance}/send-back", tag = "tasks", request_body = SendBackRequest,
    params(OnBehalf, ("order" = String, Path, description = "Order id or business key"), ("instance" = u64, Path, description = "The task's number")),
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn send_back(
    State(state): State<AppState>,
    identity: Identity,
    Segments((order, instance)): Segments<(String, u64)>,
    Params(behalf): Params<OnBehalf>,
    Body(body): Body<SendBackRequest>,
) -> ApiResult<Response> {
    if body.reason.trim().is_empty() {
        return Err(Problem::invalid(vec![FieldError {
            field: "reason".into(),
            message: "say why the order goes back".into(),
        }]));
    }
    let command = Command::SendBack { task: instance, to: body.to, reason: body.reason.trim().to_string() };
    on_task(
        &state,
        &identity,
        &order,
        instance,
        &acting(&state, &identity, behalf.on_behalf_of.as_deref()).await?,
        command,
    )
    .await
}

/// Pulls back (引戻し) a task the caller completed, while what followed is still unclaimed.
#[utoipa::path(post, path = "/api/v1/orders/{order}/tasks/{instance}/pull-back", tag = "tasks",
    params(OnBehalf, ("order" = String, Path, description = "Order id or business key"), ("instance" = u64, Path, description = "The completed task's number")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn pull_back(
    State(state): State<AppState>,
    identity: Identity,
    Segments((order, instance)): Segments<(String, u64)>,
    Params(behalf): Params<OnBehalf>,
) -> ApiResult<Response> {
    on_task(
        &state,
        &identity,
        &order,
        instance,
        &acting(&state, &identity, behalf.on_behalf_of.as_deref()).await?,
        Command::PullBack { task: instance },
    )
    .await
}

/// A hand-over.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// The user who gets the task.
    pub to: String,
}

pub(crate) async fn person(state: &AppState, id: &str) -> ApiResult<Actor> {
    let user = state.db.user(id).await.map_err(Problem::internal)?;
    match user {
        Some(u) if !u.disabled => {
            Ok(Actor { id: u.id, roles: u.roles, vendor: u.vendor, admin: false, on_behalf_of: None })
        }
        _ => Err(Problem::invalid(vec![FieldError {
            field: "to".into(),
            message: format!("no user `{id}` may take tasks"),
        }])),
    }
}

/// 400 unless `to` may see the order (another vendor's staff may not, even for a task the
/// flow opens to any vendor).
pub(crate) fn may_receive(to: &Actor, order: &junro_engine::machine::OrderState) -> Result<(), Problem> {
    match (&to.vendor, &order.vendor) {
        (Some(theirs), Some(owner)) if theirs != owner => Err(Problem::invalid(vec![FieldError {
            field: "to".into(),
            message: format!("`{}` works for another vendor than the order's", to.id),
        }])),
        _ => Ok(()),
    }
}

/// Hands a claimed task to another person who may work it.
#[utoipa::path(post, path = "/api/v1/orders/{order}/tasks/{instance}/transfer", tag = "tasks", request_body = TransferRequest,
    params(OnBehalf, ("order" = String, Path, description = "Order id or business key"), ("instance" = u64, Path, description = "The task's number")),
    responses((status = 204), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn transfer(
    State(state): State<AppState>,
    identity: Identity,
    Segments((order, instance)): Segments<(String, u64)>,
    Params(behalf): Params<OnBehalf>,
    Body(body): Body<TransferRequest>,
) -> ApiResult<Response> {
    let to = person(&state, &body.to).await?;
    let view = visible_state(&state, &identity, &order).await?;
    may_receive(&to, &view)?;
    applied(
        &state,
        &view.id,
        instance,
        &acting(&state, &identity, behalf.on_behalf_of.as_deref()).await?,
        Command::Transfer { task: instance, to },
    )
    .await
}
