//! The person's inbox on the pages: reminders, escalations, send-backs, incidents (`/inbox`),
//! newest first, each linking to its order, unread ones with a button to mark them read. The
//! same messages and rules as `/api/v1/inbox`; the header shows how many are unread.

use super::work::local_time;
use super::{Chrome, InLang, PageResult, Signed, render};
use crate::serve::inbox::InboxItem;
use crate::serve::problem::Problem;
use crate::serve::state::AppState;
use askama::Template;
use axum::extract::{Path, State};

/// A message as listed.
struct Row {
    item: InboxItem,
    when: String,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    chrome: Chrome,
    rows: Vec<Row>,
}

/// The person's newest messages.
pub(crate) async fn page(State(state): State<AppState>, signed: Signed) -> PageResult {
    let lang = signed.chrome.lang;
    let (items, _) = state
        .db
        .inbox(&signed.identity.user.id, false, state.config.limits.page_max)
        .await
        .map_err(Problem::internal)
        .in_lang(lang)?;
    let rows = items.into_iter().map(|item| Row { when: local_time(&state, item.created_at), item }).collect();
    Ok(render(&InboxPage { chrome: signed.chrome, rows }))
}

/// Marks one of the person's messages read (another person's: not found).
pub(crate) async fn read(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> PageResult {
    let lang = signed.chrome.lang;
    let marked = state
        .db
        .mark_read(&signed.identity.user.id, id, state.engine.now())
        .await
        .map_err(Problem::internal)
        .in_lang(lang)?;
    if !marked {
        return Err(Problem::not_found(format!("no message {id} in your inbox"))).in_lang(lang);
    }
    Ok(signed.done("/inbox"))
}
