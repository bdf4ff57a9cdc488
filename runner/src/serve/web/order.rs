//! An order: its facts, its data, where it stands (open tasks linked), and its history in
//! plain words, each decision with the rule or table that made it and the values it read; and
//! what a person may do to the whole order: hold and resume (保留), cancel (supervisors), pull
//! back (引戻し) a task they completed.

use super::work::local_time;
use super::{Chrome, InLang, PageResult, Signed, render};
use crate::serve::scope::{visible_order, visible_state};
use crate::serve::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use junro_engine::machine::{Activity, Command, Status};

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    chrome: Chrome,
    id: String,
    key: String,
    open_order: bool,
    held: bool,
    pull_back: Vec<(u64, String)>,
    /// The flow as SVG with the order's path and position.
    diagram: Option<String>,
    flow: String,
    status: String,
    vendor: String,
    received: String,
    data: Vec<(String, String)>,
    open: Vec<(String, Option<String>)>,
    history: Vec<(String, String)>,
}

/// The page.
pub(crate) async fn page(State(state): State<AppState>, signed: Signed, Path(order): Path<String>) -> PageResult {
    let lang = signed.chrome.lang;
    let view = visible_order(&state, &signed.identity, &order).await.in_lang(lang)?;
    let order = &view.state;
    let flow = state.engine.flow(&order.flow, order.version);
    let label =
        |field: &str| flow.as_ref().and_then(|f| f.field(field)).map_or_else(|| field.to_string(), |f| f.label.clone());
    let step = |id: &str| flow.as_ref().and_then(|f| f.node(id)).map_or_else(|| id.to_string(), |n| n.label.clone());
    let status = match &order.status {
        Status::Closed { outcome, .. } => outcome.clone(),
        Status::OnHold { .. } => signed.chrome.t.status_held.into(),
        _ => signed.chrome.t.status_open.into(),
    };
    let open = order
        .tokens
        .values()
        .map(|t| {
            let link = matches!(t.activity, Activity::Task { .. })
                .then(|| signed.chrome.keep(&format!("/orders/{}/tasks/{}", order.id, t.instance)));
            (step(&t.step), link)
        })
        .collect();
    let zone = state.engine.zone();
    let history = view
        .history
        .iter()
        .map(|h| {
            let text = match lang {
                super::Lang::Ja => junro_engine::explain::describe_ja(&h.event, flow.as_deref(), &zone),
                super::Lang::En => junro_engine::explain::describe(&h.event, flow.as_deref()),
            };
            (local_time(&state, h.at), text)
        })
        .collect();
    let pull_back = order
        .completions
        .iter()
        .filter(|c| signed.actor.is_or_acts_for(&c.actor) && !c.created.is_empty())
        .map(|c| (c.instance, step(&c.step)))
        .collect();
    let passed: std::collections::BTreeSet<String> =
        view.history.iter().filter_map(|h| h.event.entered_step().map(str::to_string)).collect();
    let current: std::collections::BTreeSet<String> = order.tokens.values().map(|t| t.step.clone()).collect();
    let diagram = flow.as_deref().and_then(|f| super::diagram::svg(f, &passed, &current));
    let page = OrderPage {
        diagram,
        id: order.id.clone(),
        open_order: matches!(order.status, Status::Open),
        held: matches!(order.status, Status::OnHold { .. }),
        pull_back,
        key: order.business_key.clone().unwrap_or_else(|| order.id.clone()),
        flow: flow.as_ref().map_or_else(|| order.flow.clone(), |f| f.label.clone()),
        status,
        vendor: order.vendor.clone().unwrap_or_default(),
        received: local_time(&state, order.received_at),
        data: order
            .data
            .iter()
            .map(|(k, v)| (label(k), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
            .collect(),
        open,
        history,
        chrome: signed.chrome,
    };
    Ok(render(&page))
}

/// A reason from a form: 1 to 1,000 characters.
fn reason(body: &[u8], lang: super::Lang) -> Result<String, super::Failure> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let text = pairs.into_iter().find(|(k, _)| k == "reason").map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    if text.is_empty() || text.chars().count() > 1000 {
        let problem = crate::serve::problem::Problem::bad_request(lang.words().reason_needed);
        return Err(super::Failure(lang, problem.into()));
    }
    Ok(text)
}

/// Applies a command to a visible order as the person and shows the order again.
async fn act(state: &AppState, signed: &Signed, order: &str, command: Command) -> PageResult {
    let lang = signed.chrome.lang;
    let view = visible_state(state, &signed.identity, order).await.in_lang(lang)?;
    state.engine.apply(&view.id, &signed.actor, command).await.in_lang(lang)?;
    Ok(signed.done(&format!("/orders/{}", view.id)))
}

/// Puts the order on hold, with a reason.
pub(crate) async fn hold(
    State(state): State<AppState>,
    signed: Signed,
    Path(order): Path<String>,
    body: Bytes,
) -> PageResult {
    let reason = reason(&body, signed.chrome.lang)?;
    act(&state, &signed, &order, Command::Hold { reason }).await
}

/// Resumes the order.
pub(crate) async fn resume(State(state): State<AppState>, signed: Signed, Path(order): Path<String>) -> PageResult {
    act(&state, &signed, &order, Command::Resume).await
}

/// Cancels the order (supervisors and administrators), with a reason.
pub(crate) async fn cancel(
    State(state): State<AppState>,
    signed: Signed,
    Path(order): Path<String>,
    body: Bytes,
) -> PageResult {
    let lang = signed.chrome.lang;
    let reason = reason(&body, lang)?;
    visible_state(&state, &signed.identity, &order).await.in_lang(lang)?;
    signed.identity.require_supervisor().in_lang(lang)?;
    act(&state, &signed, &order, Command::Cancel { reason }).await
}

/// Pulls back a task the person completed, while what followed is untouched.
pub(crate) async fn pull_back(
    State(state): State<AppState>,
    signed: Signed,
    Path((order, instance)): Path<(String, u64)>,
) -> PageResult {
    act(&state, &signed, &order, Command::PullBack { task: instance }).await
}
