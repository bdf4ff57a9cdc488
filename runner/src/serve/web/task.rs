//! A task: the order's summary, the fields the step shows and those it edits (inputs by type),
//! checked on the server with the flow's constraints and each error beside its field; outcomes
//! as buttons; claim, release and send back (差戻し).

use super::work::local_time;
use super::{Chrome, InLang, PageResult, Signed, WebError, render};
use crate::serve::audit::RidingTarget;
use crate::serve::forms;
use crate::serve::problem::{FieldError, Problem};
use crate::serve::scope::visible_state;
use crate::serve::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use junro_engine::compile::{CompiledFlow, NodeKind, TaskSpec};
use junro_engine::dsl::ast::Type;
use junro_engine::machine::{Activity, Command, OrderState};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One field on the form.
pub(crate) struct Widget {
    pub(crate) id: String,
    pub(crate) label: String,
    /// `text`, `number`, `decimal`, `date`, `datetime-local`, `select`, `checkbox`, `lines`.
    pub(crate) kind: &'static str,
    pub(crate) value: String,
    pub(crate) options: Vec<String>,
    pub(crate) required: bool,
    pub(crate) hint: String,
    pub(crate) error: Option<String>,
}

/// A value as the form shows it.
fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items.iter().map(|v| shown(Some(v))).collect::<Vec<_>>().join("\n"),
        Some(Value::Bool(true)) => "true".into(),
        Some(other) => other.to_string(),
    }
}

fn kind_of(ty: &Type) -> &'static str {
    match ty {
        Type::Text => "text",
        Type::Integer => "number",
        Type::Decimal | Type::Money => "decimal",
        Type::Boolean => "checkbox",
        Type::Date => "date",
        Type::DateTime => "datetime-local",
        Type::Enum(_) => "select",
        Type::List(_) => "lines",
    }
}

fn widget(flow: &CompiledFlow, field: &str, value: String, required: bool, error: Option<String>) -> Option<Widget> {
    let spec = flow.field(field)?;
    let mut hint = Vec::new();
    if let Some(most) = spec.max_len {
        hint.push(format!("≤ {most}"));
    }
    if let Some(min) = spec.min {
        hint.push(format!("≥ {min}"));
    }
    if let Some(max) = spec.max {
        hint.push(format!("≤ {max}"));
    }
    if matches!(spec.ty, Type::Money) {
        hint.push("円".into());
    }
    let value = match (&spec.ty, value.as_str()) {
        // `datetime-local` shows minutes: 2026-12-06T09:30.
        (Type::DateTime, v) if v.len() >= 16 => v[..16].to_string(),
        _ => value,
    };
    Some(Widget {
        id: field.to_string(),
        label: spec.label.clone(),
        kind: kind_of(&spec.ty),
        options: match &spec.ty {
            Type::Enum(variants) => variants.clone(),
            _ => Vec::new(),
        },
        value,
        required: required || spec.required,
        hint: hint.join(" · "),
        error,
    })
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    chrome: Chrome,
    order: String,
    key: String,
    instance: u64,
    flow: String,
    step: String,
    received: String,
    vendor: String,
    assignee: Option<String>,
    mine: bool,
    shown: Vec<(String, String)>,
    widgets: Vec<Widget>,
    outcomes: Vec<(String, String)>,
    sendback: Vec<(String, String)>,
    errors: Vec<String>,
    colleagues: Vec<(String, String)>,
    invalid: bool,
    reason: String,
    reason_error: Option<String>,
}

/// The open task `instance` of a visible order: the order, its flow and the task's spec.
async fn open_task(
    state: &AppState,
    signed: &Signed,
    order: &str,
    instance: u64,
) -> Result<(OrderState, std::sync::Arc<CompiledFlow>, String, Option<String>), WebError> {
    let view = visible_state(state, &signed.identity, order).await?;
    let gone = || WebError::from(Problem::not_found(format!("no open task {instance} in order {order}")));
    let flow = state.engine.flow(&view.flow, view.version).ok_or_else(gone)?;
    let token = view.tokens.get(&instance).ok_or_else(gone)?;
    let Activity::Task { assignee, .. } = &token.activity else { return Err(gone()) };
    if !matches!(flow.node(&token.step).map(|n| &n.kind), Some(NodeKind::Task(_))) {
        return Err(gone());
    }
    let (step, assignee) = (token.step.clone(), assignee.clone());
    Ok((view, flow, step, assignee))
}

fn spec<'f>(flow: &'f CompiledFlow, step: &str) -> &'f TaskSpec {
    match flow.node(step).map(|n| &n.kind) {
        Some(NodeKind::Task(spec)) => spec,
        _ => unreachable!("open_task checked that the step is a task"),
    }
}

/// A form that came back: what was typed, the errors, the send-back reason.
#[derive(Default)]
struct Returned<'a> {
    typed: Option<&'a BTreeMap<String, String>>,
    errors: Vec<FieldError>,
    reason: String,
}

/// The page, with what was typed and the errors when a form came back.
fn task_page(
    state: &AppState,
    chrome: Chrome,
    (view, flow, step, assignee): (OrderState, std::sync::Arc<CompiledFlow>, String, Option<String>),
    instance: u64,
    Returned { typed, errors, reason }: Returned<'_>,
    colleagues: Vec<(String, String)>,
) -> Response {
    let spec = spec(&flow, &step);
    // As a deputy, what the principal holds is the person's to work too.
    let me = chrome.user.as_ref().map(|(id, _)| id.clone());
    let principal = chrome.acting_for.clone();
    let mut field_errors: BTreeMap<&str, String> = BTreeMap::new();
    let mut general = Vec::new();
    let mut reason_error = None;
    for e in &errors {
        if e.field == "reason" {
            reason_error = Some(e.message.clone());
        } else if spec.edit.contains(&e.field) {
            field_errors.entry(e.field.as_str()).or_insert_with(|| e.message.clone());
        } else {
            general.push(format!("{}: {}", e.field, e.message));
        }
    }
    let widgets = spec
        .edit
        .iter()
        .filter_map(|field| {
            let value = match typed {
                Some(typed) => typed.get(field).cloned().unwrap_or_default(),
                None => shown(view.data.get(field)),
            };
            let error = field_errors.get(field.as_str()).cloned();
            widget(&flow, field, value, spec.require.contains(field), error)
        })
        .collect();
    let label = |field: &str| flow.field(field).map_or_else(|| field.to_string(), |f| f.label.clone());
    let step_label = |id: &str| flow.node(id).map_or_else(|| id.to_string(), |n| n.label.clone());
    let page = TaskPage {
        order: view.id.clone(),
        key: view.business_key.clone().unwrap_or_else(|| view.id.clone()),
        instance,
        flow: flow.label.clone(),
        step: step_label(&step),
        received: local_time(state, view.received_at),
        vendor: view.vendor.clone().unwrap_or_default(),
        mine: assignee.is_some() && (assignee == me || assignee == principal),
        assignee,
        shown: spec.show.iter().map(|f| (label(f), shown(view.data.get(f)))).collect(),
        widgets,
        outcomes: spec
            .outcomes
            .iter()
            .map(|(o, _)| (o.clone(), spec.outcome_labels.get(o).cloned().unwrap_or_else(|| o.clone())))
            .collect(),
        sendback: spec.sendback.iter().map(|s| (s.clone(), step_label(s))).collect(),
        colleagues,
        invalid: !field_errors.is_empty() || !general.is_empty(),
        errors: general,
        reason,
        reason_error,
        chrome,
    };
    let mut response = render(&page);
    if !errors.is_empty() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

/// The task page.
pub(crate) async fn page(
    State(state): State<AppState>,
    signed: Signed,
    Path((order, instance)): Path<(String, u64)>,
) -> PageResult {
    let task = open_task(&state, &signed, &order, instance).await.in_lang(signed.chrome.lang)?;
    let colleagues = colleagues(&state, &signed, &task).await.in_lang(signed.chrome.lang)?;
    Ok(task_page(&state, signed.chrome, task, instance, Returned::default(), colleagues))
}

/// The form's fields as typed (the last value of a name wins: a checkbox follows its hidden
/// `false`).
fn typed(body: &[u8]) -> BTreeMap<String, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    pairs.into_iter().collect()
}

/// The typed fields the task edits, as the flow's values; what cannot be read is an error.
fn values(
    flow: &CompiledFlow,
    spec: &TaskSpec,
    typed: &BTreeMap<String, String>,
    current: &Map<String, Value>,
) -> (Map<String, Value>, Vec<FieldError>) {
    let (mut data, mut errors) = (Map::new(), Vec::new());
    for field in &spec.edit {
        let (Some(text), Some(def)) = (typed.get(field), flow.field(field)) else { continue };
        let text = text.trim();
        if text.is_empty() && !matches!(def.ty, Type::Boolean) {
            // Emptied: cleared if it had a value, else left alone.
            if current.get(field).is_some_and(|v| !v.is_null()) {
                data.insert(field.clone(), Value::Null);
            }
            continue;
        }
        let parsed = match &def.ty {
            Type::Integer => {
                text.parse::<i64>().map(Value::from).map_err(|_| "整数で入力してください (a whole number)")
            }
            Type::Decimal | Type::Money => text
                .replace([',', '，'], "")
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or("数値で入力してください (a number)"),
            Type::Boolean => Ok(Value::Bool(text == "true")),
            Type::DateTime if text.len() == 16 => Ok(Value::String(format!("{text}:00"))),
            Type::List(_) => Ok(Value::Array(
                text.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| Value::String(l.to_string())).collect(),
            )),
            _ => Ok(Value::String(text.to_string())),
        };
        match parsed {
            Ok(value) => {
                data.insert(field.clone(), value);
            }
            Err(message) => errors.push(FieldError { field: field.clone(), message: message.to_string() }),
        }
    }
    (data, errors)
}

/// Completes the task with its form: back to my work, or the form again with every error
/// beside its field.
pub(crate) async fn complete(
    State(state): State<AppState>,
    signed: Signed,
    Path((order, instance)): Path<(String, u64)>,
    body: axum::body::Bytes,
) -> PageResult {
    let lang = signed.chrome.lang;
    let task = open_task(&state, &signed, &order, instance).await.in_lang(lang)?;
    let typed = typed(&body);
    let (view, flow, step) = (&task.0, &task.1, task.2.clone());
    let spec = spec(flow, &step);
    let (data, mut errors) = values(flow, spec, &typed, &view.data);
    let reader = if lang == super::Lang::Ja { forms::Reader::Japanese } else { forms::Reader::English };
    errors.extend(forms::problems(flow, &data, Some((&step, spec)), &view.data, reader));
    if errors.is_empty() {
        let outcome = typed.get("_outcome").filter(|o| !o.is_empty()).cloned();
        let command = Command::Complete { task: instance, outcome, data };
        signed.ride(RidingTarget::Task(instance));
        match state.engine.apply(&view.id, &signed.actor, command).await {
            Ok(()) => return Ok(signed.done("/?notice=done")),
            Err(error) => {
                let problem = Problem::from(error);
                if problem.status() != StatusCode::BAD_REQUEST {
                    return Err(super::Failure(lang, problem.into()));
                }
                let body = problem.body();
                if body.errors.is_empty() {
                    errors.push(FieldError { field: "_".into(), message: body.detail.clone() });
                } else {
                    errors.extend(body.errors.iter().cloned());
                }
            }
        }
    }
    let colleagues = colleagues(&state, &signed, &task).await.in_lang(lang)?;
    let returned = Returned { typed: Some(&typed), errors, reason: String::new() };
    Ok(task_page(&state, signed.chrome, task, instance, returned, colleagues))
}

/// Applies `command` to task `instance` of a visible order, its record riding with the change.
async fn command(
    state: &AppState,
    signed: &Signed,
    order: &str,
    instance: u64,
    command: Command,
) -> Result<String, WebError> {
    let view = visible_state(state, &signed.identity, order).await?;
    signed.ride(RidingTarget::Task(instance));
    state.engine.apply(&view.id, &signed.actor, command).await?;
    Ok(view.id)
}

/// Claims the task and shows it again.
pub(crate) async fn claim(
    State(state): State<AppState>,
    signed: Signed,
    Path((order, instance)): Path<(String, u64)>,
) -> PageResult {
    let id = command(&state, &signed, &order, instance, Command::Claim { task: instance })
        .await
        .in_lang(signed.chrome.lang)?;
    Ok(signed.done(&format!("/orders/{id}/tasks/{instance}")))
}

/// Gives the task back to the queue.
pub(crate) async fn release(
    State(state): State<AppState>,
    signed: Signed,
    Path((order, instance)): Path<(String, u64)>,
) -> PageResult {
    command(&state, &signed, &order, instance, Command::Release { task: instance })
        .await
        .in_lang(signed.chrome.lang)?;
    Ok(signed.done("/?notice=released"))
}

/// Sends the order back to an earlier task with a reason; without one, the form again.
pub(crate) async fn send_back(
    State(state): State<AppState>,
    signed: Signed,
    Path((order, instance)): Path<(String, u64)>,
    body: axum::body::Bytes,
) -> PageResult {
    let lang = signed.chrome.lang;
    let typed = typed(&body);
    let reason = typed.get("reason").map(|r| r.trim().to_string()).unwrap_or_default();
    let to = typed.get("to").cloned().unwrap_or_default();
    if reason.is_empty() {
        let task = open_task(&state, &signed, &order, instance).await.in_lang(lang)?;
        let error = FieldError { field: "reason".into(), message: lang.words().reason_needed.to_string() };
        let colleagues = colleagues(&state, &signed, &task).await.in_lang(lang)?;
        let returned = Returned { typed: None, errors: vec![error], reason };
        return Ok(task_page(&state, signed.chrome, task, instance, returned, colleagues));
    }
    let command_ = Command::SendBack { task: instance, to, reason };
    command(&state, &signed, &order, instance, command_).await.in_lang(lang)?;
    Ok(signed.done("/?notice=sent-back"))
}

/// The people the task may be handed to: enabled users with its role, of the order's vendor
/// when it has one (the person's own vendor for vendor staff), not the person.
async fn colleagues(
    state: &AppState,
    signed: &Signed,
    (view, flow, step, _): &(OrderState, std::sync::Arc<CompiledFlow>, String, Option<String>),
) -> Result<Vec<(String, String)>, WebError> {
    let spec = spec(flow, step);
    let users = state.db.users().await.map_err(Problem::internal)?;
    let vendor = view.vendor.as_ref().or(signed.identity.user.vendor.as_ref());
    Ok(users
        .into_iter()
        .filter(|u| !u.disabled && u.id != signed.identity.user.id && u.roles.contains(&spec.role))
        .filter(|u| vendor.is_none() || u.vendor.is_none() || u.vendor.as_ref() == vendor)
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// Hands the task the person holds to a colleague.
pub(crate) async fn transfer(
    State(state): State<AppState>,
    signed: Signed,
    Path((order, instance)): Path<(String, u64)>,
    body: axum::body::Bytes,
) -> PageResult {
    let lang = signed.chrome.lang;
    let to = typed(&body).get("to").cloned().unwrap_or_default();
    let to = crate::serve::api::tasks::person(&state, &to).await.in_lang(lang)?;
    let view = visible_state(&state, &signed.identity, &order).await.in_lang(lang)?;
    crate::serve::api::tasks::may_receive(&to, &view).in_lang(lang)?;
    signed.ride(RidingTarget::Task(instance));
    state.engine.apply(&view.id, &signed.actor, Command::Transfer { task: instance, to }).await.in_lang(lang)?;
    Ok(signed.done("/?notice=transferred"))
}
