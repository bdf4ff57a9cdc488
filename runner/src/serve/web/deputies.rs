//! Deputies (代理) on the pages: everyone sees the deputyships they are principal or deputy
//! of and names their own deputy for a period; administrators see and name anyone's (of their
//! vendor). The same rules and records as `/api/v1/deputies`.

use super::work::local_time;
use super::{Chrome, InLang, PageResult, Signed, render, see_other};
use crate::serve::api::deputies::{DeputyQuery, DeputyView, NameDeputy, ended, listed, named};
use crate::serve::problem::{FieldError, Problem};
use crate::serve::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use jiff::Timestamp;
use jiff::civil::DateTime;
use serde::Deserialize;

/// The form as typed.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeputyForm {
    #[serde(default)]
    principal: String,
    #[serde(default)]
    deputy: String,
    /// `YYYY-MM-DDTHH:MM` in the calendar's zone (a browser's `datetime-local`); empty: now.
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
}

/// A notice after a change.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Notice {
    #[serde(default)]
    notice: String,
}

/// A deputyship as listed.
struct Row {
    view: DeputyView,
    starts: String,
    ends: String,
}

#[derive(Template)]
#[template(path = "deputies.html")]
struct DeputiesPage {
    chrome: Chrome,
    rows: Vec<Row>,
    notice: Option<&'static str>,
}

/// The deputyships in force or to come, and the form to name one.
pub(crate) async fn page(State(state): State<AppState>, signed: Signed, Query(notice): Query<Notice>) -> PageResult {
    let lang = signed.chrome.lang;
    // Administrators see everyone's (of their vendor); others their own.
    let query = DeputyQuery { principal: None, deputy: None, current: Some(true), all: Some(true) };
    let found = listed(&state, &signed.identity, query).await.in_lang(lang)?;
    let rows = found
        .into_iter()
        .map(|view| Row { starts: local_time(&state, view.starts_at), ends: local_time(&state, view.ends_at), view })
        .collect();
    let t = signed.chrome.t;
    let notice = match notice.notice.as_str() {
        "named" => Some(t.deputy_named),
        "ended" => Some(t.deputy_ended),
        _ => None,
    };
    Ok(render(&DeputiesPage { chrome: signed.chrome, rows, notice }))
}

/// A moment typed as `YYYY-MM-DDTHH:MM` (or a whole day) in the calendar's zone.
fn moment(state: &AppState, field: &str, text: &str) -> Result<Option<Timestamp>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = || {
        Problem::invalid(vec![FieldError {
            field: field.into(),
            message: format!("a date and time as YYYY-MM-DDTHH:MM, not `{text}`"),
        }])
    };
    let civil = text
        .parse::<DateTime>()
        .or_else(|_| text.parse::<jiff::civil::Date>().map(|d| d.to_datetime(jiff::civil::Time::midnight())))
        .map_err(|_| invalid())?;
    civil.to_zoned(state.engine.zone()).map(|z| Some(z.timestamp())).map_err(|_| invalid())
}

/// Names a deputy.
pub(crate) async fn name(State(state): State<AppState>, signed: Signed, Form(form): Form<DeputyForm>) -> PageResult {
    let lang = signed.chrome.lang;
    let starts_at = moment(&state, "starts_at", &form.starts_at).in_lang(lang)?;
    let ends_at = moment(&state, "ends_at", &form.ends_at).in_lang(lang)?.ok_or_else(|| {
        Problem::invalid(vec![FieldError { field: "ends_at".into(), message: "say until when".into() }])
    });
    let body = NameDeputy {
        principal: Some(form.principal.trim().to_string()).filter(|p| !p.is_empty()),
        deputy: form.deputy.trim().to_string(),
        starts_at,
        ends_at: ends_at.in_lang(lang)?,
    };
    let view = named(&state, &signed.identity, body).await.in_lang(lang)?;
    let mut response = see_other("/deputies?notice=named");
    response.extensions_mut().insert(crate::serve::middleware::AuditNote::about(
        view.id.to_string(),
        Some(format!("{} for {}", view.deputy, view.principal)),
    ));
    Ok(response)
}

/// Ends a deputyship now.
pub(crate) async fn end(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> PageResult {
    let lang = signed.chrome.lang;
    let view = ended(&state, &signed.identity, id).await.in_lang(lang)?;
    let mut response = see_other("/deputies?notice=ended");
    response.extensions_mut().insert(crate::serve::middleware::AuditNote::about(view.id.to_string(), None));
    Ok(response)
}
