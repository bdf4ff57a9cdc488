//! Orders: start (idempotent on the business key), list, one order with its history and where
//! it stands, cancel, hold and resume; signals by business key.

use super::{Body, Params, Segments, page};
use crate::serve::audit::{RidingTarget, ride_with_change};
use crate::serve::auth::Identity;
use crate::serve::middleware::AuditNote;
use crate::serve::problem::{ApiResult, FieldError, Problem};
use crate::serve::scope::{visible_order, visible_state};
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use junro_engine::StartOrder;
use junro_engine::machine::{Activity, Command, OrderState, Status};
use junro_engine::runtime::EngineError;
use junro_engine::runtime::signals::SignalOutcome;
use junro_engine::store::{OrderFilter, OrderRow};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

/// A new order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// The flow to run.
    pub flow: String,
    /// The order number: starting again with the same number returns the same order.
    #[serde(default)]
    pub business_key: Option<String>,
    /// Starting data, by field id.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: Map<String, Value>,
    /// How the order came in (`phone`, `web`, `paper`, …).
    #[serde(default)]
    pub channel: Option<String>,
    /// The vendor that took the order: only the company's own staff and systems may name one;
    /// vendor staff's orders are their vendor's.
    #[serde(default)]
    pub vendor: Option<String>,
    /// When the order was received, if earlier than now (RFC 3339).
    #[serde(default)]
    pub received_at: Option<Timestamp>,
}

/// An order as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderSummary {
    /// Order id.
    pub id: String,
    /// Flow id.
    pub flow: String,
    /// Flow version.
    pub version: u32,
    /// Order number.
    pub business_key: Option<String>,
    /// `open`, `on_hold` or `closed`.
    pub status: String,
    /// The end's outcome, once closed.
    pub outcome: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// When it was received.
    pub received_at: Timestamp,
    /// When it closed.
    pub closed_at: Option<Timestamp>,
}

impl From<OrderRow> for OrderSummary {
    fn from(r: OrderRow) -> Self {
        OrderSummary {
            id: r.id,
            flow: r.flow,
            version: r.version,
            business_key: r.business_key,
            status: r.status,
            outcome: r.outcome,
            vendor: r.vendor,
            received_at: r.received_at,
            closed_at: r.closed_at,
        }
    }
}

impl From<&OrderState> for OrderSummary {
    fn from(s: &OrderState) -> Self {
        let (status, outcome, closed_at) = match &s.status {
            Status::Open => ("open", None, None),
            Status::OnHold { .. } => ("on_hold", None, None),
            Status::Closed { outcome, at } => ("closed", Some(outcome.clone()), Some(*at)),
        };
        OrderSummary {
            id: s.id.clone(),
            flow: s.flow.clone(),
            version: s.version,
            business_key: s.business_key.clone(),
            status: status.into(),
            outcome,
            vendor: s.vendor.clone(),
            received_at: s.received_at,
            closed_at,
        }
    }
}

/// Starts an order of a flow. The same business key again returns the existing order (200).
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = StartRequest,
    responses((status = 201, body = OrderSummary, description = "started"), (status = 200, body = OrderSummary, description = "an order with this business key exists: that order"),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn start(
    State(state): State<AppState>,
    identity: Identity,
    Body(request): Body<StartRequest>,
) -> ApiResult<Response> {
    let vendor = match (&identity.user.vendor, request.vendor) {
        (Some(own), Some(asked)) if *own != asked => {
            return Err(Problem::invalid(vec![FieldError {
                field: "vendor".into(),
                message: format!("you work for vendor `{own}`: your orders are that vendor's"),
            }]));
        }
        (Some(own), _) => Some(own.clone()),
        (None, asked) => asked,
    };
    if let Some(key) = request.business_key.as_deref() {
        if key.trim().is_empty() || key.len() > 200 {
            return Err(Problem::invalid(vec![FieldError {
                field: "business_key".into(),
                message: "an order number has 1 to 200 characters".into(),
            }]));
        }
        let existing = state
            .engine
            .orders(&OrderFilter { business_key: Some(key.to_string()), limit: Some(1), ..OrderFilter::default() })
            .await?;
        if !existing.is_empty() {
            // The same order again: answer it, if the caller may see it.
            return match visible_state(&state, &identity, key).await {
                Ok(view) => {
                    let mut response = (StatusCode::OK, Json(OrderSummary::from(&view))).into_response();
                    response.extensions_mut().insert(AuditNote::about(view.id.clone(), Some("existing order".into())));
                    Ok(response)
                }
                Err(_) => Err(Problem::conflict("business_key_taken", format!("the order number {key} is taken"))),
            };
        }
    }
    if let Some(flow) = state.engine.latest_flow(&request.flow) {
        let errors =
            crate::serve::forms::problems(&flow, &request.data, None, &Map::new(), crate::serve::forms::Reader::Api);
        if !errors.is_empty() {
            let errors = errors.into_iter().map(|e| FieldError { field: format!("data.{}", e.field), ..e }).collect();
            return Err(Problem::invalid(errors));
        }
    }
    let order = StartOrder {
        business_key: request.business_key,
        data: request.data,
        vendor,
        channel: request.channel,
        received_at: request.received_at,
    };
    // The record of the start is written with the order, in one transaction.
    ride_with_change(StatusCode::CREATED, RidingTarget::Order, None, Some(format!("flow {}", request.flow)));
    let id = match state.engine.start(&request.flow, order).await {
        Ok(id) => id,
        Err(EngineError::UnknownFlow(flow)) => {
            return Err(Problem::invalid(vec![FieldError {
                field: "flow".into(),
                message: format!("no deployed flow `{flow}`"),
            }]));
        }
        Err(e) => return Err(e.into()),
    };
    // Started a moment ago by another caller with the same number: answered only if visible.
    let view = visible_state(&state, &identity, &id)
        .await
        .map_err(|_| Problem::conflict("business_key_taken", "the order number is taken"))?;
    let mut response = (StatusCode::CREATED, Json(OrderSummary::from(&view))).into_response();
    response.extensions_mut().insert(AuditNote::about(id, Some(format!("flow {}", view.flow))));
    Ok(response)
}

/// Filters of the order list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// Only orders of this flow.
    pub flow: Option<String>,
    /// Only `open`, `on_hold` or `closed` orders.
    pub status: Option<String>,
    /// Only orders of this vendor (vendor staff see only their own).
    pub vendor: Option<String>,
    /// Only the order with this number.
    pub business_key: Option<String>,
    /// Received at or after (RFC 3339).
    pub received_from: Option<Timestamp>,
    /// Received before.
    pub received_to: Option<Timestamp>,
    /// Closed at or after.
    pub closed_from: Option<Timestamp>,
    /// Closed before.
    pub closed_to: Option<Timestamp>,
    /// Only orders whose data fields equal these values: a JSON object of field ids and
    /// strings, numbers or booleans, for example `{"plan":"fiber_1g","floor":3}`.
    pub data: Option<String>,
    /// The `next` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page (default 100).
    pub limit: Option<u32>,
}

/// A page of orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    /// The orders, newest first.
    pub orders: Vec<OrderSummary>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next: Option<String>,
}

/// Lists orders the caller may see, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(OrderQuery),
    responses((status = 200, body = OrderPage), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Params(query): Params<OrderQuery>,
) -> ApiResult<Json<OrderPage>> {
    if let Some(status) = &query.status
        && !matches!(status.as_str(), "open" | "on_hold" | "closed")
    {
        return Err(Problem::invalid(vec![FieldError {
            field: "status".into(),
            message: "use open, on_hold or closed".into(),
        }]));
    }
    let after = match &query.cursor {
        Some(cursor) => Some(parse_cursor(cursor)?),
        None => None,
    };
    let vendor = match (&identity.user.vendor, query.vendor) {
        (Some(own), Some(asked)) if *own != asked => return Ok(Json(OrderPage { orders: Vec::new(), next: None })),
        (Some(own), _) if !identity.user.admin => Some(own.clone()),
        (_, asked) => asked,
    };
    let data = match &query.data {
        Some(text) => data_filter(&state, query.flow.as_deref(), text)?,
        None => Vec::new(),
    };
    let limit = page(query.limit, &state);
    let filter = OrderFilter {
        data,
        flow: query.flow,
        status: query.status,
        vendor,
        business_key: query.business_key,
        received_from: query.received_from,
        received_to: query.received_to,
        closed_from: query.closed_from,
        closed_to: query.closed_to,
        after,
        limit: Some(limit + 1),
        ..OrderFilter::default()
    };
    let mut rows = state.engine.orders(&filter).await?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| format!("{}.{}", r.received_at.as_microsecond(), r.id))
    } else {
        None
    };
    Ok(Json(OrderPage { orders: rows.into_iter().map(OrderSummary::from).collect(), next }))
}

/// The `data` filter: field ids (of the flow, when one is named) and scalar values.
fn data_filter(state: &AppState, flow: Option<&str>, text: &str) -> Result<Vec<(String, Value)>, Problem> {
    let invalid = |field: String, message: String| Problem::invalid(vec![FieldError { field, message }]);
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(text) else {
        return Err(invalid(
            "data".into(),
            r#"give a JSON object of fields and values, like {"plan":"fiber_1g"}"#.into(),
        ));
    };
    let flow = flow.and_then(|id| state.engine.latest_flow(id));
    let mut errors = Vec::new();
    for (field, value) in &fields {
        let name_ok = !field.is_empty() && field.len() <= 100 && field.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !name_ok {
            errors.push(FieldError { field: format!("data.{field}"), message: "not a field id".into() });
        } else if let Some(flow) = &flow
            && flow.field(field).is_none()
        {
            errors.push(FieldError {
                field: format!("data.{field}"),
                message: format!("flow `{}` has no such field", flow.id),
            });
        } else if !matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_)) {
            errors.push(FieldError {
                field: format!("data.{field}"),
                message: "compare with a string, a number or a boolean".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    Ok(fields.into_iter().collect())
}

fn parse_cursor(cursor: &str) -> Result<(Timestamp, String), Problem> {
    let bad = || {
        Problem::invalid(vec![FieldError { field: "cursor".into(), message: "not a cursor this service gave".into() }])
    };
    let (at, id) = cursor.split_once('.').ok_or_else(bad)?;
    let at = at.parse::<i64>().ok().and_then(|us| Timestamp::from_microsecond(us).ok()).ok_or_else(bad)?;
    Ok((at, id.to_string()))
}

/// A live step of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenStep {
    /// Step instance (a task's number within its order).
    pub instance: u64,
    /// Step id.
    pub step: String,
    /// Its label.
    pub label: String,
    /// `task`, `job`, `waiting`, `calling` or `stuck`.
    pub kind: String,
    /// Who holds the task.
    pub assignee: Option<String>,
    /// When the task became ready.
    pub ready_at: Option<Timestamp>,
    /// When the task is due.
    pub due_at: Option<Timestamp>,
    /// The incident stopping this step, if any.
    pub incident: Option<String>,
}

/// A pending timer.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingTimer {
    /// When it is due.
    pub at: Timestamp,
    /// `wait`, `remind`, `due`, `escalate` or `retry`.
    pub purpose: String,
    /// The step instance it is for.
    pub instance: u64,
}

/// One event of an order's history, in words and as data.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryLine {
    /// Position in the history, from 1.
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// What happened, in words (decisions explained).
    pub text: String,
    /// The event as recorded.
    #[schema(value_type = Object)]
    pub event: Value,
    /// Whom the notice this event caused reached, once delivered (reminders, escalations,
    /// transfers, send-backs, incidents); vendor staff see the people only, not webhooks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sent: Vec<crate::serve::sent::Sent>,
}

/// An order with its data, where it stands, and its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDetail {
    /// The order.
    pub order: OrderSummary,
    /// Its channel.
    pub channel: Option<String>,
    /// The flow's title.
    pub flow_label: Option<String>,
    /// Its data.
    #[schema(value_type = Object)]
    pub data: Map<String, Value>,
    /// Its live steps: open tasks, running jobs, waits, subflow calls, incidents.
    pub open_steps: Vec<OpenStep>,
    /// Its pending timers, earliest first.
    pub timers: Vec<PendingTimer>,
    /// The subflow orders it started (those the caller may see), oldest first.
    pub subflows: Vec<OrderSummary>,
    /// Its history.
    pub history: Vec<HistoryLine>,
}

/// Whom `order`'s notices reached, by event seq, as `identity` may see it: vendor staff see the
/// people only (a webhook may be one of the company's own systems).
pub(crate) async fn sent_for(
    state: &AppState,
    identity: &Identity,
    order: &str,
) -> ApiResult<std::collections::BTreeMap<u64, Vec<crate::serve::sent::Sent>>> {
    let mut sent = state.db.sent_for_order(order).await.map_err(Problem::internal)?;
    if identity.user.vendor.is_some() && !identity.user.admin {
        for items in sent.values_mut() {
            items.retain(|s| s.user.is_some());
        }
    }
    Ok(sent)
}

/// The subflow orders `order` started that the caller may see: the company's staff all of
/// them, a vendor's people those of their vendor or of none.
pub(crate) async fn subflows_of(state: &AppState, identity: &Identity, order: &str) -> ApiResult<Vec<OrderSummary>> {
    let filter = OrderFilter { parent: Some(order.to_string()), limit: Some(100), ..OrderFilter::default() };
    let rows = state.engine.orders(&filter).await?;
    let own = identity.user.vendor.as_deref().filter(|_| !identity.user.admin);
    Ok(rows
        .into_iter()
        .filter(|row| own.is_none() || row.vendor.is_none() || row.vendor.as_deref() == own)
        .map(OrderSummary::from)
        .collect())
}

/// One order (by id or business key) with its data, where it stands and its history.
#[utoipa::path(get, path = "/api/v1/orders/{order}", tag = "orders", params(("order" = String, Path, description = "Order id or business key")),
    responses((status = 200, body = OrderDetail), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    identity: Identity,
    Segments(order): Segments<String>,
) -> ApiResult<Json<OrderDetail>> {
    let view = visible_order(&state, &identity, &order).await?;
    let flow = state.engine.flow(&view.state.flow, view.state.version);
    let label =
        |step: &str| flow.as_ref().and_then(|f| f.node(step)).map_or_else(|| step.to_string(), |n| n.label.clone());
    let open_steps = view
        .state
        .tokens
        .values()
        .map(|t| {
            let (kind, assignee, ready_at, due_at, incident) = match &t.activity {
                Activity::Task { assignee, ready_at, due_at, .. } => {
                    ("task", assignee.clone(), Some(*ready_at), *due_at, None)
                }
                Activity::Job { incident, .. } => ("job", None, None, None, incident.clone()),
                Activity::Waiting { .. } => ("waiting", None, None, None, None),
                Activity::Calling { .. } => ("calling", None, None, None, None),
                Activity::Stuck { message } => ("stuck", None, None, None, Some(message.clone())),
            };
            OpenStep {
                instance: t.instance,
                step: t.step.clone(),
                label: label(&t.step),
                kind: kind.into(),
                assignee,
                ready_at,
                due_at,
                incident,
            }
        })
        .collect();
    let mut timers: Vec<PendingTimer> = view
        .state
        .timers
        .values()
        .map(|t| {
            let value = serde_json::to_value(&t.purpose).unwrap_or(Value::Null);
            PendingTimer {
                at: t.at,
                purpose: value.get("purpose").and_then(Value::as_str).unwrap_or("").to_string(),
                instance: value.get("instance").and_then(Value::as_u64).unwrap_or(0),
            }
        })
        .collect();
    timers.sort_by_key(|t| t.at);
    let mut sent = sent_for(&state, &identity, &view.state.id).await?;
    let history = view
        .history
        .iter()
        .map(|h| HistoryLine {
            seq: h.seq,
            at: h.at,
            text: junro_engine::explain::describe(&h.event, flow.as_deref()),
            event: serde_json::to_value(&h.event).unwrap_or(Value::Null),
            sent: sent.remove(&h.seq).unwrap_or_default(),
        })
        .collect();
    let subflows = subflows_of(&state, &identity, &view.state.id).await?;
    Ok(Json(OrderDetail {
        order: OrderSummary::from(&view.state),
        channel: view.state.channel.clone(),
        flow_label: flow.as_ref().map(|f| f.label.clone()),
        data: view.state.data.clone(),
        open_steps,
        timers,
        subflows,
        history,
    }))
}

/// Why: for cancel and hold.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// Why, in words (kept in the history).
    pub reason: String,
}

fn reason(reason: &Reason) -> Result<String, Problem> {
    let text = reason.reason.trim();
    if text.is_empty() || text.chars().count() > 1000 {
        return Err(Problem::invalid(vec![FieldError {
            field: "reason".into(),
            message: "say why, in 1 to 1,000 characters".into(),
        }]));
    }
    Ok(text.to_string())
}

/// Applies `command` to a visible order as the caller, and answers the order as it is now.
pub(super) async fn act(state: &AppState, identity: &Identity, order: &str, command: Command) -> ApiResult<Response> {
    let view = visible_state(state, identity, order).await?;
    // The record rides with the change.
    ride_with_change(StatusCode::OK, RidingTarget::Order, None, None);
    state.engine.apply(&view.id, &identity.actor(), command).await?;
    let now = state.engine.order_state(&view.id).await?;
    let mut response = Json(OrderSummary::from(&now)).into_response();
    response.extensions_mut().insert(AuditNote::about(view.id.clone(), None));
    Ok(response)
}

/// Cancels an order (supervisors and administrators), with a reason.
#[utoipa::path(post, path = "/api/v1/orders/{order}/cancel", tag = "orders", request_body = Reason,
    params(("order" = String, Path, description = "Order id or business key")),
    responses((status = 200, body = OrderSummary), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    identity: Identity,
    Segments(order): Segments<String>,
    Body(body): Body<Reason>,
) -> ApiResult<Response> {
    let reason = reason(&body)?;
    visible_state(&state, &identity, &order).await?;
    identity.require_supervisor()?;
    act(&state, &identity, &order, Command::Cancel { reason }).await
}

/// Puts an order on hold (保留), with a reason: nothing moves until it is resumed.
#[utoipa::path(post, path = "/api/v1/orders/{order}/hold", tag = "orders", request_body = Reason,
    params(("order" = String, Path, description = "Order id or business key")),
    responses((status = 200, body = OrderSummary), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn hold(
    State(state): State<AppState>,
    identity: Identity,
    Segments(order): Segments<String>,
    Body(body): Body<Reason>,
) -> ApiResult<Response> {
    let reason = reason(&body)?;
    act(&state, &identity, &order, Command::Hold { reason }).await
}

/// Resumes an order on hold.
#[utoipa::path(post, path = "/api/v1/orders/{order}/resume", tag = "orders",
    params(("order" = String, Path, description = "Order id or business key")),
    responses((status = 200, body = OrderSummary), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn resume(
    State(state): State<AppState>,
    identity: Identity,
    Segments(order): Segments<String>,
) -> ApiResult<Response> {
    act(&state, &identity, &order, Command::Resume).await
}

/// A signal from outside ("construction completed"), addressed by order number, or by the
/// value of the field the signal correlates on (`correlate on line_id`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignalRequest {
    /// The order number (or the order id).
    #[serde(default)]
    pub business_key: Option<String>,
    /// Instead of the number: the value of the signal's `correlate on` field.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub correlation: Option<Value>,
    /// The signal's id, as the flow declares it.
    pub signal: String,
    /// Data that comes with it.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: Map<String, Value>,
}

/// What became of a signal.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignalAnswer {
    /// The order it went to.
    pub order: String,
    /// `delivered`: a wait of the order (or of a subflow) took it; `kept`: nothing waits for it
    /// yet, and the order keeps it for a wait to take within the signal's `keep`.
    pub outcome: String,
}

/// Sends a signal to the order with this number (systems and the company's own staff). One
/// that arrives before the order waits for it is kept for the order; one for a number no order
/// has is listed among the lost signals and answered 404.
#[utoipa::path(post, path = "/api/v1/signals", tag = "orders", request_body = SignalRequest,
    responses((status = 202, body = SignalAnswer, description = "delivered, or kept for a later wait"), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn signal(
    State(state): State<AppState>,
    identity: Identity,
    Body(request): Body<SignalRequest>,
) -> ApiResult<Response> {
    if identity.user.vendor.is_some() && !identity.user.admin {
        return Err(Problem::forbidden("signals come from the company's systems and staff, not from vendor staff"));
    }
    // Those who may signal see every order, so the engine resolves the number itself: one no
    // order has is listed among the lost signals before the 404.
    let invalid = |field: &str, message: &str| {
        Problem::invalid(vec![FieldError { field: field.into(), message: message.into() }])
    };
    let actor = identity.actor();
    let (order, outcome) = match (request.business_key.as_deref().map(str::trim), request.correlation) {
        (Some(key), None) => {
            if key.is_empty() || key.len() > 200 {
                return Err(invalid("business_key", "an order number has 1 to 200 characters"));
            }
            let outcome = state.engine.signal_from(&actor, key, &request.signal, request.data).await?;
            (state.engine.resolve(key).await?, outcome)
        }
        (None, Some(value)) => {
            if !matches!(&value, Value::String(s) if !s.is_empty() && s.len() <= 200) && !value.is_number() {
                return Err(invalid(
                    "correlation",
                    "give the field's value: a string of 1 to 200 characters, or a number",
                ));
            }
            match state.engine.signal_by_correlation(&actor, &request.signal, &value, request.data).await? {
                Some(sent) => sent,
                None => {
                    let message = format!(
                        "no flow addresses signal `{}` by a field (`correlate on`): send the order number",
                        request.signal
                    );
                    return Err(invalid("correlation", &message));
                }
            }
        }
        _ => return Err(invalid("business_key", "give the order number, or the `correlation` value, not both")),
    };
    let outcome = match outcome {
        SignalOutcome::Delivered => "delivered",
        SignalOutcome::Kept => "kept",
    };
    let answer = SignalAnswer { order: order.clone(), outcome: outcome.into() };
    let mut response = (StatusCode::ACCEPTED, Json(answer)).into_response();
    response.extensions_mut().insert(AuditNote::about(order, Some(format!("signal {} {outcome}", request.signal))));
    Ok(response)
}
