//! An order: its facts, its data, where it stands (open tasks linked), and its history in
//! plain words, each decision with the rule or table that made it and the values it read.

use super::work::local_time;
use super::{Chrome, InLang, PageResult, Signed, render};
use crate::serve::scope::visible_order;
use crate::serve::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use junro_engine::machine::{Activity, Status};

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    chrome: Chrome,
    key: String,
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
                .then(|| format!("/orders/{}/tasks/{}", order.id, t.instance));
            (step(&t.step), link)
        })
        .collect();
    let history = view
        .history
        .iter()
        .map(|h| (local_time(&state, h.at), junro_engine::explain::describe(&h.event, flow.as_deref())))
        .collect();
    let page = OrderPage {
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
