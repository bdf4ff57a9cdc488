//! The outbox of notices: events people should hear of (a task's reminder, its escalation, a
//! transfer, a send-back, an incident, a signal dropped unmatched), written in the transaction
//! of the change that caused them and handed to whoever delivers them (the service's notifier:
//! inbox, e-mail, webhooks). One body for both backends (`notices_store!`).
//!
//! A notice's key is its order and its event's sequence number, so a change written again (a
//! group commit's caller writing alone) never makes a second notice. Deliverers claim notices
//! with a lease, as workers claim jobs: a deliverer that stops hands its notices to the next
//! one when the lease runs out, and deliveries themselves are keyed by the notice's key, so a
//! notice delivered twice after a crash is shown once.

use super::Change;
use crate::machine::{Activity, Event};
use jiff::Timestamp;

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// A task's reminder time came (before its due time).
    Reminder,
    /// An overdue task was escalated to another role.
    Escalation,
    /// A task was handed to another person.
    Transferred,
    /// An order was sent back (差戻し) to an earlier step.
    SentBack,
    /// An automatic step ran out of retries: the order needs an administrator.
    Incident,
    /// A signal waited for no order in time and was dropped.
    SignalExpired,
    /// The customer is to be reminded of a date (`remind customer`): mailed to the address in
    /// `detail`, never put in anyone's inbox.
    CustomerReminder,
}

impl NoticeKind {
    /// Its name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Reminder => "reminder",
            NoticeKind::Escalation => "escalation",
            NoticeKind::Transferred => "transferred",
            NoticeKind::SentBack => "sent_back",
            NoticeKind::Incident => "incident",
            NoticeKind::SignalExpired => "signal_expired",
            NoticeKind::CustomerReminder => "customer_reminder",
        }
    }

    /// The kind stored as `name`.
    pub fn parse(name: &str) -> Option<NoticeKind> {
        [
            NoticeKind::Reminder,
            NoticeKind::Escalation,
            NoticeKind::Transferred,
            NoticeKind::SentBack,
            NoticeKind::Incident,
            NoticeKind::SignalExpired,
            NoticeKind::CustomerReminder,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// A notice, as claimed by a deliverer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// `order:seq`, unique: deliveries are keyed by it.
    pub key: String,
    /// What it is about.
    pub kind: NoticeKind,
    /// The order.
    pub order: String,
    /// Its business key, when it has one.
    pub business_key: Option<String>,
    /// Its flow.
    pub flow: String,
    /// The task or step instance concerned.
    pub instance: Option<u64>,
    /// Its step.
    pub step: Option<String>,
    /// The role concerned: the escalation's role.
    pub role: Option<String>,
    /// The order's vendor (`None`: in-house or not yet known).
    pub vendor: Option<String>,
    /// The person concerned: the task's holder (reminder, escalation), whom it was transferred
    /// or sent back to, the sender of a dropped signal.
    pub person: Option<String>,
    /// More words: a send-back's reason, an incident's message, a dropped signal's name, the
    /// customer's address.
    pub detail: Option<String>,
    /// The task's due time, for reminders and escalations; the moment a customer is reminded of.
    pub due_at: Option<Timestamp>,
    /// The data field concerned: the date field of a customer's reminder.
    pub field: Option<String>,
    /// When the event happened.
    pub at: Timestamp,
    /// How many times it has been claimed (1 the first time).
    pub attempts: u32,
}

/// The notices of a change's events.
pub(crate) fn of(change: &Change) -> Vec<Notice> {
    let state = &change.state;
    let task = |instance: u64| {
        state.tokens.get(&instance).map(|t| match &t.activity {
            Activity::Task { assignee, due_at, .. } => (Some(t.step.clone()), assignee.clone(), *due_at),
            _ => (Some(t.step.clone()), None, None),
        })
    };
    let mut notices = Vec::new();
    for (seq, at, event) in &change.events {
        let notice = |kind, instance: Option<u64>| Notice {
            key: format!("{}:{seq}", state.id),
            kind,
            order: state.id.clone(),
            business_key: state.business_key.clone(),
            flow: state.flow.clone(),
            instance,
            step: None,
            role: None,
            vendor: state.vendor.clone(),
            person: None,
            detail: None,
            due_at: None,
            field: None,
            at: *at,
            attempts: 0,
        };
        let made = match event {
            Event::Reminded { instance } | Event::Escalated { instance, .. } => {
                let kind =
                    if matches!(event, Event::Reminded { .. }) { NoticeKind::Reminder } else { NoticeKind::Escalation };
                let (step, person, due_at) = task(*instance).unwrap_or((None, None, None));
                let role = match event {
                    Event::Escalated { role, .. } => Some(role.clone()),
                    _ => None,
                };
                Notice { step, person, due_at, role, ..notice(kind, Some(*instance)) }
            }
            Event::TaskTransferred { instance, to, .. } => {
                let (step, _, due_at) = task(*instance).unwrap_or((None, None, None));
                Notice { step, person: Some(to.clone()), due_at, ..notice(NoticeKind::Transferred, Some(*instance)) }
            }
            Event::SentBack { to, reason, .. } => {
                // The earlier step's task, open again, and whoever holds it (the person who did it).
                let again = state.tokens.values().find(|t| &t.step == to);
                let person = again.and_then(|t| match &t.activity {
                    Activity::Task { assignee, .. } => assignee.clone(),
                    _ => None,
                });
                Notice {
                    step: Some(to.clone()),
                    person,
                    detail: Some(reason.clone()),
                    ..notice(NoticeKind::SentBack, again.map(|t| t.instance))
                }
            }
            Event::IncidentRaised { instance, step, message } => Notice {
                step: Some(step.clone()),
                detail: Some(message.clone()),
                ..notice(NoticeKind::Incident, Some(*instance))
            },
            Event::SignalExpired { name, sender, reason } if reason == "expired" => {
                Notice { person: sender.clone(), detail: Some(name.clone()), ..notice(NoticeKind::SignalExpired, None) }
            }
            Event::CustomerReminded { instance, address, date, moment } => {
                // The address as the data holds it now; an empty one reminds nobody.
                let Some(to) = state.data.get(address).and_then(|v| v.as_str()).filter(|a| !a.trim().is_empty()) else {
                    continue;
                };
                let step = state.tokens.get(instance).map(|t| t.step.clone());
                Notice {
                    step,
                    detail: Some(to.trim().to_string()),
                    due_at: Some(*moment),
                    field: Some(date.clone()),
                    ..notice(NoticeKind::CustomerReminder, Some(*instance))
                }
            }
            _ => continue,
        };
        notices.push(made);
    }
    notices
}

/// Every statement of the outbox, one body for both backends.
macro_rules! notices_store {
    ($store:ident, $db:ty, $skip_locked:literal) => {
        impl $store {
            pub(crate) async fn claim_notices_impl(&self, now: Timestamp, limit: u32, lease_s: u64) -> Result<Vec<Notice>, StoreError> {
                let _writer = self.writer().await;
                let rows = sqlx::query(concat!(
                    "UPDATE notices SET locked_until = $1, attempts = attempts + 1 WHERE id IN (",
                    "SELECT id FROM notices WHERE locked_until < $2 ORDER BY at LIMIT $3",
                    $skip_locked,
                    ") RETURNING id, kind, order_id, business_key, flow_id, instance, step, role, vendor, person, detail, due_at, at, attempts, field"
                ))
                .bind(micros(now) + i64::try_from(lease_s).unwrap_or(i64::MAX / 2) * 1_000_000)
                .bind(micros(now))
                .bind(i64::from(limit))
                .fetch_all(&self.writes)
                .await?;
                let mut notices = rows
                    .iter()
                    .map(|r| {
                        let kind: String = r.try_get("kind")?;
                        let order: String = r.try_get("order_id")?;
                        Ok(Notice {
                            key: r.try_get("id")?,
                            kind: NoticeKind::parse(&kind)
                                .ok_or_else(|| StoreError::Corrupt { order: order.clone(), message: format!("unknown notice kind {kind}") })?,
                            order,
                            business_key: r.try_get("business_key")?,
                            flow: r.try_get("flow_id")?,
                            instance: r.try_get::<Option<i64>, _>("instance")?.map(|i| i as u64),
                            step: r.try_get("step")?,
                            role: r.try_get("role")?,
                            vendor: r.try_get("vendor")?,
                            person: r.try_get("person")?,
                            detail: r.try_get("detail")?,
                            due_at: r.try_get::<Option<i64>, _>("due_at")?.map(from_micros),
                            field: r.try_get("field")?,
                            at: from_micros(r.try_get("at")?),
                            attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                notices.sort_by(|a, b| (a.at, &a.key).cmp(&(b.at, &b.key)));
                Ok(notices)
            }

            pub(crate) async fn notices_done_impl(&self, keys: &[String]) -> Result<(), StoreError> {
                if keys.is_empty() {
                    return Ok(());
                }
                let _writer = self.writer().await;
                let mut q = QueryBuilder::<$db>::new("DELETE FROM notices WHERE id IN (");
                let mut list = q.separated(", ");
                for key in keys {
                    list.push_bind(key.clone());
                }
                q.push(")");
                q.build().execute(&self.writes).await?;
                Ok(())
            }
        }
    };
}

pub(crate) use notices_store;
