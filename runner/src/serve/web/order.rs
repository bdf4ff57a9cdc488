//! An order: its facts, its data, where it stands (open tasks linked), and its history in
//! plain words, each decision with the rule or table that made it and the values it read; and
//! what a person may do to the whole order: hold and resume (保留), cancel (supervisors), pull
//! back (引戻し) a task they completed.

use super::work::local_time;
use super::{Chrome, InLang, PageResult, Signed, render};
use crate::report::cells::{decimal, thousands};
use crate::serve::scope::{visible_order, visible_state};
use crate::serve::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use junro_engine::dsl::ast::Type;
use junro_engine::machine::{Activity, Command, Status, TimerPurpose};

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
    /// Live steps: label, link to the task, what it is doing.
    open: Vec<(String, Option<String>, String)>,
    /// Pending timers: when, and what for.
    timers: Vec<(String, String)>,
    /// Subflow orders: id, business key or id, flow, status.
    subflows: Vec<(String, String, String, String)>,
    /// When, what, and whom its notice reached (empty: none, or not yet).
    history: Vec<(String, String, String)>,
}

/// A value as people read it: money in yen with separators, yes/no, lists joined.
fn shown(value: &serde_json::Value, ty: Option<&Type>, lang: super::Lang) -> String {
    use serde_json::Value;
    let ja = lang == super::Lang::Ja;
    match (value, ty) {
        (Value::Null, _) => String::new(),
        (Value::Bool(b), _) => (if ja {
            if *b { "はい" } else { "いいえ" }
        } else if *b {
            "yes"
        } else {
            "no"
        })
        .into(),
        (Value::Number(n), Some(Type::Money)) => {
            let amount = n.as_f64().unwrap_or(0.0);
            let text = if amount.fract() == 0.0 { thousands(amount as i64) } else { decimal(amount, 2) };
            if ja { format!("{text}円") } else { format!("¥{text}") }
        }
        (Value::Number(n), Some(Type::Integer)) => n.as_i64().map_or_else(|| n.to_string(), thousands),
        (Value::Array(items), Some(Type::List(inner))) => {
            items.iter().map(|v| shown(v, Some(inner), lang)).collect::<Vec<_>>().join(if ja { "、" } else { ", " })
        }
        (Value::String(s), _) => s.clone(),
        (other, _) => other.to_string(),
    }
}

/// What a live step is doing, in words.
fn doing(activity: &Activity, state: &AppState, lang: super::Lang) -> String {
    let ja = lang == super::Lang::Ja;
    match activity {
        Activity::Task { assignee, due_at, .. } => {
            let who = match (assignee, ja) {
                (Some(a), true) => format!("担当 {a}"),
                (Some(a), false) => format!("held by {a}"),
                (None, true) => "未割当".to_string(),
                (None, false) => "unclaimed".to_string(),
            };
            match (due_at, ja) {
                (Some(due), true) => format!("{who} · 期限 {}", local_time(state, *due)),
                (Some(due), false) => format!("{who} · due {}", local_time(state, *due)),
                (None, _) => who,
            }
        }
        Activity::Job { incident: Some(message), .. } => {
            if ja {
                format!("障害: {message}")
            } else {
                format!("incident: {message}")
            }
        }
        Activity::Job { attempt, .. } => {
            if ja {
                format!("自動処理中（{attempt}回目）")
            } else {
                format!("automatic, attempt {attempt}")
            }
        }
        Activity::Waiting { customer: true, .. } => {
            (if ja { "お客様の連絡待ち" } else { "waiting for the customer" }).into()
        }
        Activity::Waiting { .. } => (if ja { "連絡・期日待ち" } else { "waiting for a signal or a date" }).into(),
        Activity::Calling { flow } => {
            let flow = state
                .engine
                .latest_flows()
                .into_iter()
                .find(|f| f.id == *flow)
                .map_or(flow.clone(), |f| f.label.clone());
            if ja {
                format!("サブフロー「{flow}」の終了待ち")
            } else {
                format!("waiting for subflow {flow}")
            }
        }
        Activity::Stuck { message } => {
            if ja {
                format!("障害: {message}")
            } else {
                format!("incident: {message}")
            }
        }
    }
}

/// What a timer is for, in words.
fn timer_purpose(purpose: &TimerPurpose, step: &dyn Fn(u64) -> String, lang: super::Lang) -> String {
    let ja = lang == super::Lang::Ja;
    match purpose {
        TimerPurpose::Wait { instance, .. } => {
            if ja {
                format!("{} の待機期限", step(*instance))
            } else {
                format!("{}: the wait's time", step(*instance))
            }
        }
        TimerPurpose::Remind { instance } => {
            if ja {
                format!("{} のリマインド", step(*instance))
            } else {
                format!("{}: reminder", step(*instance))
            }
        }
        TimerPurpose::RemindCustomer { instance, .. } => {
            if ja {
                format!("{} のお客様へのお知らせ", step(*instance))
            } else {
                format!("{}: the customer's reminder", step(*instance))
            }
        }
        TimerPurpose::Due { instance } => {
            if ja {
                format!("{} の期限", step(*instance))
            } else {
                format!("{}: due", step(*instance))
            }
        }
        TimerPurpose::Escalate { instance, role } => {
            if ja {
                format!("{} を {role} へエスカレーション", step(*instance))
            } else {
                format!("{}: escalate to {role}", step(*instance))
            }
        }
        TimerPurpose::Retry { instance } => {
            if ja {
                format!("{} の再試行", step(*instance))
            } else {
                format!("{}: retry", step(*instance))
            }
        }
        TimerPurpose::ExpireSignals => (if ja { "保留中の連絡の破棄" } else { "kept signals expire" }).into(),
    }
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
            (step(&t.step), link, doing(&t.activity, &state, lang))
        })
        .collect();
    let step_of = |instance: u64| {
        let id = order.tokens.get(&instance).map(|t| t.step.clone()).unwrap_or_else(|| format!("#{instance}"));
        step(&id)
    };
    let mut timers: Vec<_> = order.timers.values().collect();
    timers.sort_by_key(|t| t.at);
    let timers =
        timers.into_iter().map(|t| (local_time(&state, t.at), timer_purpose(&t.purpose, &step_of, lang))).collect();
    let subflows = crate::serve::api::orders::subflows_of(&state, &signed.identity, &order.id)
        .await
        .in_lang(lang)?
        .into_iter()
        .map(|s| {
            let flow = state
                .engine
                .latest_flows()
                .into_iter()
                .find(|f| f.id == s.flow)
                .map_or(s.flow.clone(), |f| f.label.clone());
            let status = super::behind::outcome(s.outcome.as_deref().unwrap_or(&s.status), lang);
            (s.id.clone(), s.business_key.clone().unwrap_or_else(|| s.id.clone()), flow, status)
        })
        .collect();
    let zone = state.engine.zone();
    let mut sent = crate::serve::api::orders::sent_for(&state, &signed.identity, &order.id).await.in_lang(lang)?;
    let history = view
        .history
        .iter()
        .map(|h| {
            let text = match lang {
                super::Lang::Ja => junro_engine::explain::describe_ja(&h.event, flow.as_deref(), &zone),
                super::Lang::En => junro_engine::explain::describe(&h.event, flow.as_deref()),
            };
            let sent = sent
                .remove(&h.seq)
                .map(|s| crate::serve::sent::in_words(&s, lang == super::Lang::Ja))
                .unwrap_or_default();
            (local_time(&state, h.at), text, sent)
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
            .map(|(k, v)| {
                let ty = flow.as_ref().and_then(|f| f.field(k)).map(|f| f.ty.clone());
                (label(k), shown(v, ty.as_ref(), lang))
            })
            .collect(),
        open,
        timers,
        subflows,
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
    signed.ride(match &command {
        Command::PullBack { task } => crate::serve::audit::RidingTarget::Task(*task),
        _ => crate::serve::audit::RidingTarget::Order,
    });
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_read_as_people_read_them() {
        let ja = super::super::Lang::Ja;
        assert_eq!(shown(&json!(1234500), Some(&Type::Money), ja), "1,234,500円");
        assert_eq!(shown(&json!(1234.5), Some(&Type::Money), super::super::Lang::En), "¥1,234.50");
        assert_eq!(shown(&json!(true), Some(&Type::Boolean), ja), "はい");
        assert_eq!(shown(&json!(-12000), Some(&Type::Integer), ja), "-12,000");
        assert_eq!(shown(&json!(["a", "b"]), Some(&Type::List(Box::new(Type::Text))), ja), "a、b");
        assert_eq!(shown(&json!("山田"), Some(&Type::Text), ja), "山田");
        assert_eq!(shown(&serde_json::Value::Null, None, ja), "");
    }
}
