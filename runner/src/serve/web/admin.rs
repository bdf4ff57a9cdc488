//! Administrators' lists: the users (roles, vendor, flags) and the newest records of the audit
//! trail, who did what, on whose behalf, with which result.

use super::work::local_time;
use super::{Chrome, InLang, PageResult, Signed, render};
use crate::serve::audit::{AuditQuery, AuditRecord};
use crate::serve::auth::users::User;
use crate::serve::problem::Problem;
use crate::serve::state::AppState;
use askama::Template;
use axum::extract::State;

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<User>,
}

/// The users.
pub(crate) async fn users(State(state): State<AppState>, signed: Signed) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    let users = state.db.users().await.map_err(Problem::internal).in_lang(lang)?;
    Ok(render(&UsersPage { chrome: signed.chrome, users }))
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    records: Vec<(String, AuditRecord)>,
}

/// The newest 200 records of the audit trail, newest first.
pub(crate) async fn audit(State(state): State<AppState>, signed: Signed) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    let query = AuditQuery { limit: 200, newest: true, ..AuditQuery::default() };
    let mut records = state.db.audit(&query).await.map_err(Problem::internal).in_lang(lang)?;
    records.reverse();
    let records = records.into_iter().map(|r| (local_time(&state, r.at), r)).collect();
    Ok(render(&AuditPage { chrome: signed.chrome, records }))
}
