//! The notifier inside `junro serve`'s worker: claims the engine's notices (`Engine::claim_notices`),
//! decides who hears of each, words it in Japanese and puts it in their inboxes (`inbox.rs`),
//! queues a POST to each webhook of the settings that wants it (`webhooks.rs`) and a mail to
//! each of those people with an e-mail address (`mail.rs`), then tells the engine they were
//! delivered. A notice claimed again after a crash between the
//! two is shown once: inbox rows are keyed by person and notice.
//!
//! Who hears of what:
//! - a reminder: the task's holder; nobody holds it: the people who may take it (its role,
//!   of the order's vendor or in-house);
//! - an escalation: the holder, the people of the escalation role, and the supervisors;
//! - a transfer: the person the task went to; a send-back: the person who did the earlier
//!   step (or, nobody holding it, the people who may take it);
//! - an incident and a signal dropped unmatched: the administrators (and the signal's sender);
//! - a customer's reminder: the customer only, by mail (`customer.rs`).
//!
//! Nobody hears of an order their vendor scope hides: vendor staff only of their vendor's
//! orders and of orders of no vendor yet.

use super::auth::users::User;
use super::deliveries::{Channel, QueuedDelivery};
use super::inbox::NewInboxItem;
use super::preferences::Preferences;
use super::state::AppState;
use junro_engine::store::{Notice, NoticeKind, TaskFilter};

/// Notices claimed per round.
const ROUND: u32 = 200;
/// How long a claim lasts before another process may deliver the notice.
const LEASE_S: u64 = 120;

/// Delivers the notices due; returns how many.
pub(crate) async fn deliver(state: &AppState) -> Result<usize, String> {
    let notices = state.engine.claim_notices(ROUND, LEASE_S).await.map_err(|e| e.to_string())?;
    if notices.is_empty() {
        return Ok(0);
    }
    let users = state.db.users().await.map_err(|e| e.to_string())?;
    let (mut items, mut hooks, mut mails) = (Vec::new(), Vec::new(), Vec::new());
    // Each person's mail preferences, read once a round.
    let mut wishes: std::collections::HashMap<String, Preferences> = std::collections::HashMap::new();
    let base = state.config.public_base();
    for notice in &notices {
        if notice.kind == NoticeKind::CustomerReminder {
            // A mail to the customer's address, and nothing else (`customer.rs`).
            mails.extend(super::customer::mail(state, notice).await);
            continue;
        }
        let role = match (&notice.kind, &notice.role, notice.instance) {
            (_, Some(role), _) => Some(role.clone()),
            (NoticeKind::Reminder | NoticeKind::SentBack, None, Some(instance)) if notice.person.is_none() => {
                task_role(state, &notice.order, instance).await
            }
            _ => None,
        };
        let link = format!("/orders/{}", notice.order);
        let url = format!("{base}{link}");
        // Worded once per language: the settings' (webhooks, and people without their own),
        // then each other language a person chose.
        let messages = &state.config.messages;
        let message = words(state, notice, &url, &messages.language);
        let mut worded = std::collections::HashMap::from([(messages.language.as_str(), message.clone())]);
        for webhook in super::webhooks::wanting(&state.config.webhooks, notice.kind.as_str()) {
            hooks.push(QueuedDelivery {
                target: webhook.name.clone(),
                notice: notice.key.clone(),
                body: body(notice, &message, &link),
                not_before: None,
            });
        }
        for user in recipients(notice, role.as_deref(), &users) {
            let person = users.iter().find(|u| u.id == user);
            let language = messages.language_for(person.and_then(|u| u.language.as_deref()));
            let message = worded.entry(language).or_insert_with(|| words(state, notice, &url, language)).clone();
            let address = person.and_then(|u| u.email.as_deref());
            if let Some(address) = address.filter(|_| state.config.mail.is_some()) {
                if !wishes.contains_key(&user) {
                    let read = state.db.preferences(&user).await.map_err(|e| e.to_string())?;
                    wishes.insert(user.clone(), read);
                }
                let wants = &wishes[&user];
                if wants.mails(notice.kind.as_str()) {
                    mails.push(QueuedDelivery {
                        target: user.clone(),
                        notice: notice.key.clone(),
                        body: super::mail::compose(address, &message, &link, &base, messages, language),
                        not_before: Some(wants.mail_at(state.engine.now(), &state.engine.zone())),
                    });
                }
            }
            items.push(NewInboxItem {
                user,
                notice: notice.key.clone(),
                kind: notice.kind.as_str().to_string(),
                order: notice.order.clone(),
                message: message.clone(),
                link: link.clone(),
            });
        }
    }
    {
        // The service's tables share SQLite's one writer with the engine: take turns.
        let _held = state.engine.hold_writes().await;
        state.db.add_to_inboxes(&items, state.engine.now()).await.map_err(|e| e.to_string())?;
        state.db.queue_deliveries(Channel::Webhook, &hooks, state.engine.now()).await.map_err(|e| e.to_string())?;
        state.db.queue_deliveries(Channel::Mail, &mails, state.engine.now()).await.map_err(|e| e.to_string())?;
    }
    let keys: Vec<String> = notices.iter().map(|n| n.key.clone()).collect();
    state.engine.notices_done(&keys).await.map_err(|e| e.to_string())?;
    metrics::counter!("junro_notices_delivered_total").increment(notices.len() as u64);
    metrics::counter!("junro_inbox_messages_total").increment(items.len() as u64);
    Ok(notices.len())
}

/// The JSON a webhook receives: the notice's facts, its Japanese message and the order's page.
fn body(notice: &Notice, message: &str, link: &str) -> String {
    serde_json::json!({
        "id": notice.key,
        "kind": notice.kind.as_str(),
        "order": notice.order,
        "business_key": notice.business_key,
        "flow": notice.flow,
        "instance": notice.instance,
        "step": notice.step,
        "role": notice.role,
        "vendor": notice.vendor,
        "person": notice.person,
        "detail": notice.detail,
        "due_at": notice.due_at.map(|t| t.to_string()),
        "at": notice.at.to_string(),
        "message": message,
        "link": link,
    })
    .to_string()
}

/// The role of an open task.
async fn task_role(state: &AppState, order: &str, instance: u64) -> Option<String> {
    let filter = TaskFilter { order: Some(order.to_string()), limit: Some(1000), ..TaskFilter::default() };
    let tasks = state.engine.tasks(&filter).await.ok()?;
    tasks.into_iter().find(|t| t.instance == instance).map(|t| t.role)
}

/// Who hears of `notice` (`role`: the role concerned, when people of a role do), each once.
pub(crate) fn recipients(notice: &Notice, role: Option<&str>, users: &[User]) -> Vec<String> {
    let sees = |u: &User| !u.disabled && (u.vendor.is_none() || notice.vendor.is_none() || u.vendor == notice.vendor);
    let of_role = |u: &User| role.is_some_and(|r| u.roles.iter().any(|ur| ur == r));
    let person = |u: &User| notice.person.as_deref() == Some(u.id.as_str());
    let chosen = |u: &User| match notice.kind {
        NoticeKind::Reminder | NoticeKind::SentBack => {
            if notice.person.is_some() {
                person(u)
            } else {
                of_role(u)
            }
        }
        NoticeKind::Escalation => person(u) || of_role(u) || u.supervisor,
        NoticeKind::Transferred => person(u),
        NoticeKind::Incident => u.admin,
        NoticeKind::SignalExpired => u.admin || person(u),
        NoticeKind::CustomerReminder => false,
    };
    let mut ids: Vec<String> = users.iter().filter(|u| sees(u) && chosen(u)).map(|u| u.id.clone()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The message in `language` (a person's, or the settings'), naming the step by its label and
/// the order by its business key (`messages.rs`).
fn words(state: &AppState, notice: &Notice, link: &str, language: &str) -> String {
    let flow = state.engine.latest_flow(&notice.flow);
    let step = notice
        .step
        .as_deref()
        .map(|s| flow.as_ref().and_then(|f| f.node(s)).map_or_else(|| s.to_string(), |n| n.label.clone()))
        .unwrap_or_default();
    let order = notice.business_key.clone().unwrap_or_else(|| notice.order.clone());
    let zone = state.engine.zone();
    let format = if language == "ja" { "%-m月%-d日 %H:%M" } else { "%Y-%m-%d %H:%M" };
    let due = notice.due_at.map(|t| t.to_zoned(zone.clone()).strftime(format).to_string()).unwrap_or_default();
    let detail = notice.detail.clone().unwrap_or_default();
    let flow_label = flow.as_ref().map_or_else(|| notice.flow.clone(), |f| f.label.clone());
    let values = [
        ("order", order.as_str()),
        ("step", step.as_str()),
        ("due", due.as_str()),
        ("detail", detail.as_str()),
        ("flow", flow_label.as_str()),
        ("link", link),
    ];
    state.config.messages.render_in(language, notice.kind.as_str(), &values)
}
