//! My work: the tasks I hold, a prominent "take next", and the queue I may take from, with
//! filters and counts; overdue and soon-due tasks marked.

use super::{Chrome, InLang, PageResult, Signed, render};
use crate::serve::api::tasks::{QueueQuery, TaskView, filter_of, view};
use crate::serve::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use jiff::{SignedDuration, Timestamp};
use junro_engine::store::TaskFilter;
use serde::Deserialize;

/// A task as a row of a list.
pub(crate) struct Row {
    pub(crate) task: TaskView,
    /// The flow's label.
    pub(crate) flow: String,
    pub(crate) href: String,
    pub(crate) due: String,
    pub(crate) ready: String,
    /// `overdue`, `at-risk` or empty.
    pub(crate) mark: &'static str,
    pub(crate) priority: &'static str,
}

/// How soon a due time counts as at risk.
const AT_RISK: SignedDuration = SignedDuration::from_hours(2);

/// A time as people here read it: `2026-12-06 18:30` in the calendars' zone.
pub(crate) fn local_time(state: &AppState, at: Timestamp) -> String {
    at.to_zoned(state.engine.zone()).strftime("%Y-%m-%d %H:%M").to_string()
}

pub(crate) fn rows(state: &AppState, chrome: &Chrome, tasks: Vec<junro_engine::store::TaskRow>) -> Vec<Row> {
    let now = state.engine.now();
    tasks
        .into_iter()
        .map(|t| {
            let task = view(state, t);
            let mark = match task.due_at {
                Some(due) if due < now => "overdue",
                Some(due) if due < now + AT_RISK => "at-risk",
                _ => "",
            };
            Row {
                href: chrome.keep(&format!("/orders/{}/tasks/{}", task.order, task.instance)),
                flow: state.engine.latest_flow(&task.flow).map_or_else(|| task.flow.clone(), |f| f.label.clone()),
                due: task.due_at.map(|d| local_time(state, d)).unwrap_or_default(),
                ready: local_time(state, task.ready_at),
                priority: chrome.t.priorities[usize::from(task.priority.min(3))],
                mark,
                task,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "work.html")]
struct WorkPage {
    chrome: Chrome,
    mine: Vec<Row>,
    queue: Vec<Row>,
    /// The queue's whole length (the page shows its first rows).
    count: u64,
    flows: Vec<(String, String)>,
    filter: Filters,
    notice: Option<&'static str>,
}

/// The queue's filters and the notice a redirect left.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filters {
    #[serde(default)]
    flow: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    business_key: String,
    notice: Option<String>,
}

fn some(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The page.
pub(crate) async fn page(
    State(state): State<AppState>,
    Signed { identity, actor, chrome }: Signed,
    Query(filter): Query<Filters>,
) -> PageResult {
    let lang = chrome.lang;
    let limit = state.config.limits.page_max.min(100);
    // As a deputy: what the principal holds, and the queue of the principal's roles.
    let holder = actor.on_behalf_of.clone().unwrap_or_else(|| actor.id.clone());
    let mine = TaskFilter { assignee: Some(holder), limit: Some(limit), ..TaskFilter::default() };
    let mine = state.engine.tasks(&mine).await.in_lang(lang)?;
    let query = QueueQuery {
        flow: some(&filter.flow),
        step: some(&filter.step),
        business_key: some(&filter.business_key),
        limit: Some(limit),
        ..QueueQuery::default()
    };
    let (queue, count) = match filter_of(&state, &identity, query).await.in_lang(lang)? {
        Some(within) => {
            let within = TaskFilter {
                roles: Some(actor.roles.clone()),
                unclaimed: true,
                takeable: true,
                limit: Some(limit),
                ..within
            };
            let count = state.engine.count_tasks(&within).await.in_lang(lang)?;
            (state.engine.tasks(&within).await.in_lang(lang)?, count)
        }
        None => (Vec::new(), 0),
    };
    let flows = state.engine.latest_flows().iter().map(|f| (f.id.clone(), f.label.clone())).collect();
    let notice = match filter.notice.as_deref() {
        Some("nothing") => Some(chrome.t.nothing_to_take),
        Some("done") => Some(chrome.t.done_message),
        Some("sent-back") => Some(chrome.t.sent_back_message),
        Some("released") => Some(chrome.t.released_message),
        Some("transferred") => Some(chrome.t.transferred_message),
        _ => None,
    };
    let page = WorkPage {
        mine: rows(&state, &chrome, mine),
        queue: rows(&state, &chrome, queue),
        count,
        flows,
        filter,
        notice,
        chrome,
    };
    Ok(render(&page))
}

/// Takes the most urgent task the person may work and opens it.
pub(crate) async fn take_next(State(state): State<AppState>, signed: Signed) -> PageResult {
    let within = TaskFilter { order_vendor: signed.identity.user.vendor.clone(), ..TaskFilter::default() };
    signed.ride(crate::serve::audit::RidingTarget::ClaimedTask);
    let taken = state.engine.take_next_where(&signed.actor, within).await.in_lang(signed.chrome.lang)?;
    Ok(match taken {
        Some(task) => signed.done(&format!("/orders/{}/tasks/{}", task.order, task.instance)),
        None => signed.done("/?notice=nothing"),
    })
}
