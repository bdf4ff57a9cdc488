//! The team (supervisors): the open tasks of their scope, claimed or not, with whoever holds
//! them, and bulk reassignment of the ones ticked to one person.

use super::work::{Row, rows};
use super::{Chrome, InLang, PageResult, Signed, render};
use crate::serve::api::tasks::{QueueQuery, filter_of, person};
use crate::serve::api::team::reassign_one;
use crate::serve::scope::visible_state;
use crate::serve::state::AppState;
use askama::Template;
use axum::extract::State;
use junro_engine::store::TaskRow;

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    chrome: Chrome,
    rows: Vec<Row>,
    people: Vec<(String, String)>,
    done: Option<String>,
    failures: Vec<String>,
}

/// The open tasks the supervisor oversees, and the people of their scope.
async fn scope(state: &AppState, signed: &Signed) -> Result<(Vec<TaskRow>, Vec<(String, String)>), super::WebError> {
    signed.identity.require_supervisor()?;
    let query = QueueQuery { limit: Some(state.config.limits.page_max.min(200)), ..QueueQuery::default() };
    let mut tasks = Vec::new();
    if let Some(filter) = filter_of(state, &signed.identity, query).await? {
        for task in state.engine.tasks(&filter).await? {
            // A vendor's supervisor sees their vendor's orders only, as in the API's team view.
            if signed.identity.user.vendor.is_none()
                || visible_state(state, &signed.identity, &task.order).await.is_ok()
            {
                tasks.push(task);
            }
        }
    }
    let users = state.db.users().await.map_err(crate::serve::problem::Problem::internal)?;
    let people = users
        .into_iter()
        .filter(|u| !u.disabled && !u.roles.is_empty())
        .filter(|u| signed.identity.user.vendor.is_none() || u.vendor == signed.identity.user.vendor)
        .map(|u| (u.id, u.display_name))
        .collect();
    Ok((tasks, people))
}

/// The page.
pub(crate) async fn page(State(state): State<AppState>, signed: Signed) -> PageResult {
    let (tasks, people) = scope(&state, &signed).await.in_lang(signed.chrome.lang)?;
    let rows = rows(&state, &signed.chrome, tasks);
    Ok(render(&TeamPage { chrome: signed.chrome, rows, people, done: None, failures: Vec::new() }))
}

/// Gives the ticked tasks (`task=ORDER:N`, repeated) to `to`; the page again with what happened
/// to each.
pub(crate) async fn reassign(State(state): State<AppState>, signed: Signed, body: axum::body::Bytes) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_supervisor().in_lang(lang)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let to = pairs.iter().find(|(k, _)| k == "to").map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let picked: Vec<(String, u64)> = pairs
        .iter()
        .filter(|(k, _)| k == "task")
        .filter_map(|(_, v)| {
            let (order, n) = v.rsplit_once(':')?;
            Some((order.to_string(), n.parse().ok()?))
        })
        .collect();
    let mut failures = Vec::new();
    let mut moved = 0;
    match person(&state, &to).await {
        Err(problem) => failures.push(problem.body().detail.clone()),
        Ok(actor) => {
            for (order, n) in &picked {
                match reassign_one(&state, &signed.identity, &actor, order, *n).await {
                    Ok(()) => moved += 1,
                    Err(problem) => failures.push(format!("{order} #{n}: {}", problem.body().detail)),
                }
            }
        }
    }
    let (tasks, people) = scope(&state, &signed).await.in_lang(lang)?;
    let rows = rows(&state, &signed.chrome, tasks);
    let done = Some(format!("{} {moved}/{}", signed.chrome.t.reassigned, picked.len()));
    Ok(render(&TeamPage { chrome: signed.chrome, rows, people, done, failures }))
}
