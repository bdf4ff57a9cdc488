//! Incidents (administrators): automatic steps stopped after their retries, oldest first, each
//! with its message and attempts; retry once the cause is fixed, or resolve by entering the
//! result the step's action should have returned (one field per key its `out` reads).

use super::work::local_time;
use super::{Chrome, InLang, PageResult, Signed, render, see_other};
use crate::serve::audit::{RidingTarget, ride_with_change};
use crate::serve::problem::{FieldError, Problem};
use crate::serve::scope::visible_state;
use crate::serve::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use junro_engine::compile::NodeKind;
use junro_engine::dsl::ast::Type;
use junro_engine::machine::Command;
use junro_engine::store::IncidentFilter;
use serde::Deserialize;
use serde_json::{Map, Value};

/// One incident on the page.
pub(crate) struct Row {
    pub(crate) order: String,
    pub(crate) instance: u64,
    pub(crate) flow: String,
    pub(crate) step: String,
    pub(crate) message: String,
    pub(crate) attempts: u32,
    pub(crate) raised: String,
    /// The keys of the action's result the step reads.
    pub(crate) keys: Vec<String>,
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct IncidentsPage {
    chrome: Chrome,
    rows: Vec<Row>,
    notice: Option<&'static str>,
}

/// `?notice=` after an action.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Notice {
    notice: Option<String>,
}

/// The page.
pub(crate) async fn page(State(state): State<AppState>, signed: Signed, Query(notice): Query<Notice>) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    let filter = IncidentFilter { limit: Some(state.config.limits.page_max.min(200)), ..IncidentFilter::default() };
    let incidents = state.engine.incidents(&filter).await.in_lang(lang)?;
    let rows = incidents
        .into_iter()
        .map(|i| {
            let flow = state.engine.latest_flow(&i.flow);
            let node = flow.as_ref().and_then(|f| f.node(&i.step));
            let keys = match node.map(|n| &n.kind) {
                Some(NodeKind::Auto(auto)) => auto.outputs.iter().map(|(_, key)| key.clone()).collect(),
                _ => Vec::new(),
            };
            Row {
                raised: local_time(&state, i.raised_at),
                flow: flow.as_ref().map_or_else(|| i.flow.clone(), |f| f.label.clone()),
                step: node.map_or_else(|| i.step.clone(), |n| n.label.clone()),
                order: i.order,
                instance: i.instance,
                message: i.message,
                attempts: i.attempts,
                keys,
            }
        })
        .collect();
    let notice = match notice.notice.as_deref() {
        Some("retried") => Some(signed.chrome.t.retried_message),
        Some("resolved") => Some(signed.chrome.t.resolved_message),
        _ => None,
    };
    Ok(render(&IncidentsPage { chrome: signed.chrome, rows, notice }))
}

/// Retries the failed step.
pub(crate) async fn retry(
    State(state): State<AppState>,
    signed: Signed,
    Path((order, instance)): Path<(String, u64)>,
) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    let view = visible_state(&state, &signed.identity, &order).await.in_lang(lang)?;
    ride_with_change(axum::http::StatusCode::SEE_OTHER, RidingTarget::Task(instance), None, None);
    state
        .engine
        .apply(&view.id, &signed.identity.actor(), Command::RetryIncident { job: instance })
        .await
        .in_lang(lang)?;
    Ok(see_other("/incidents?notice=retried"))
}

/// Resolves the incident with the result entered, each value read as the field it fills.
pub(crate) async fn resolve(
    State(state): State<AppState>,
    signed: Signed,
    Path((order, instance)): Path<(String, u64)>,
    body: Bytes,
) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    let view = visible_state(&state, &signed.identity, &order).await.in_lang(lang)?;
    let flow = state.engine.flow(&view.flow, view.version);
    let outputs = flow
        .as_ref()
        .and_then(|f| view.tokens.get(&instance).and_then(|t| f.node(&t.step)))
        .and_then(|n| match &n.kind {
            NodeKind::Auto(auto) => Some(auto.outputs.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut output = Map::new();
    let mut errors = Vec::new();
    for (field, key) in &outputs {
        let Some((_, text)) = pairs.iter().find(|(k, _)| k == &format!("out.{key}")) else { continue };
        let ty = flow.as_ref().and_then(|f| f.field(field)).map(|f| f.ty.clone());
        let text = text.trim();
        let value = match ty {
            Some(Type::Integer) => text.parse::<i64>().map(Value::from).map_err(|_| "整数で入力してください"),
            Some(Type::Decimal | Type::Money) => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or("数値で入力してください"),
            Some(Type::Boolean) => Ok(Value::Bool(matches!(text, "true" | "はい" | "yes"))),
            _ => Ok(Value::String(text.to_string())),
        };
        match value {
            Ok(value) => {
                output.insert(key.clone(), value);
            }
            Err(message) => errors.push(FieldError { field: format!("output.{key}"), message: message.into() }),
        }
    }
    if !errors.is_empty() {
        return Err(super::Failure(lang, Problem::invalid(errors).into()));
    }
    let command = Command::ResolveIncident { job: instance, output };
    ride_with_change(axum::http::StatusCode::SEE_OTHER, RidingTarget::Task(instance), None, None);
    state.engine.apply(&view.id, &signed.identity.actor(), command).await.in_lang(lang)?;
    Ok(see_other("/incidents?notice=resolved"))
}
