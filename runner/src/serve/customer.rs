//! Reminding an order's customer (`remind customer email 1d before construction_date` in a
//! flow): the engine's notice names the address and the date field; here it becomes one mail to
//! that address, worded from the settings' `customer_reminder` template in the settings'
//! language, queued as every mail is (`deliveries.rs`: retried, sent once).
//!
//! The address goes nowhere else: no inbox, no webhook, not the order's history (which says
//! "お客様（メール）" to the company's staff and nothing to vendor staff), not the event log
//! (the event names the field). Customers are not mailed at night: a reminder made between 20:00
//! and 09:00 (the default calendar's zone) waits for 09:00.

use super::deliveries::QueuedDelivery;
use super::mail::MailBody;
use super::messages::Messages;
use super::preferences::Preferences;
use super::state::AppState;
use junro_engine::dsl::ast::Type;
use junro_engine::store::Notice;

/// The recipient a customer's mail delivery is recorded under: never a user id (users' ids
/// have no parentheses), so the history tells it from a person.
pub(crate) const RECIPIENT: &str = "(customer)";

/// The hours customers are not mailed in.
const NIGHT: (&str, &str) = ("20:00", "09:00");

/// The mail of a customer's reminder, or none when no mail server is set or the notice has no
/// address.
pub(crate) async fn mail(state: &AppState, notice: &Notice) -> Option<QueuedDelivery> {
    state.config.mail.as_ref()?;
    let address = notice.detail.as_deref()?;
    let messages = &state.config.messages;
    let (order, flow_label) = root_of(state, notice).await;
    let flow = state.engine.latest_flow(&notice.flow);
    let field = notice.field.as_deref().and_then(|f| flow.as_ref()?.fields.iter().find(|s| s.id == f).cloned());
    let what = field.as_ref().map_or_else(|| notice.field.clone().unwrap_or_default(), |f| f.label.clone());
    let with_time = field.as_ref().is_some_and(|f| matches!(f.ty, Type::DateTime));
    let date = notice.due_at.map(|t| when(t, &state.engine.zone(), &messages.language, with_time)).unwrap_or_default();
    let values =
        [("order", order.as_str()), ("flow", flow_label.as_str()), ("what", what.as_str()), ("date", date.as_str())];
    let message = messages.render("customer_reminder", &values);
    let night =
        Preferences { quiet_from: Some(NIGHT.0.into()), quiet_to: Some(NIGHT.1.into()), ..Preferences::default() };
    Some(QueuedDelivery {
        target: RECIPIENT.to_string(),
        notice: notice.key.clone(),
        body: compose(address, &message, messages),
        not_before: Some(night.mail_at(state.engine.now(), &state.engine.zone())),
    })
}

/// The order the customer knows: a subflow's (construction, shipping) is its root order, by
/// business key, with its flow's label.
async fn root_of(state: &AppState, notice: &Notice) -> (String, String) {
    let mut id = notice.order.clone();
    let mut known = (notice.business_key.clone(), notice.flow.clone());
    // A few levels at most; a broken chain stops at the last order read.
    for _ in 0..8 {
        let Ok(order) = state.engine.order_state(&id).await else { break };
        known = (order.business_key.clone(), order.flow.clone());
        match order.parent {
            Some((parent, _)) => id = parent,
            None => break,
        }
    }
    let label = state.engine.latest_flow(&known.1).map_or_else(|| known.1.clone(), |f| f.label.clone());
    (known.0.unwrap_or(id), label)
}

/// A moment as a customer reads it: `12月10日(木)`, with ` 10:00` for a date-time field.
fn when(t: jiff::Timestamp, zone: &jiff::tz::TimeZone, language: &str, with_time: bool) -> String {
    let local = t.to_zoned(zone.clone());
    if language == "ja" {
        const DAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
        let day = DAYS[usize::from(local.weekday().to_monday_zero_offset().unsigned_abs())];
        let date = format!("{}月{}日({day})", local.month(), local.day());
        if with_time { format!("{date} {}", local.strftime("%H:%M")) } else { date }
    } else {
        local.strftime(if with_time { "%a %Y-%m-%d %H:%M" } else { "%a %Y-%m-%d" }).to_string()
    }
}

/// The mail: the message's first line as its subject, the rest as its text, then the
/// customers' signature. No link: the order's page is the staff's.
fn compose(to: &str, message: &str, messages: &Messages) -> String {
    let mut lines = message.lines();
    let subject = lines.next().unwrap_or_default().to_string();
    let rest: Vec<&str> = lines.collect();
    let footer = messages.render("customer_footer", &[]);
    let text = format!("{}\n\n-- \n{footer}\n", rest.join("\n").trim());
    serde_json::to_string(&MailBody { to: to.to_string(), subject, text }).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visit_date_reads_as_a_japanese_customer_expects() {
        let zone = jiff::tz::TimeZone::get("Asia/Tokyo").expect("zone");
        let t: jiff::Timestamp = "2026-12-10T01:30:00Z".parse().expect("a time");
        assert_eq!(when(t, &zone, "ja", false), "12月10日(木)");
        assert_eq!(when(t, &zone, "ja", true), "12月10日(木) 10:30");
        assert_eq!(when(t, &zone, "en", true), "Thu 2026-12-10 10:30");
    }

    #[test]
    fn the_mail_has_the_first_line_as_subject_and_no_staff_link() {
        let messages = Messages::default();
        let body = compose("taro@example.jp", "件名です\n本文1\n本文2", &messages);
        let mail: MailBody = serde_json::from_str(&body).expect("a mail");
        assert_eq!(mail.to, "taro@example.jp");
        assert_eq!(mail.subject, "件名です");
        assert!(mail.text.starts_with("本文1\n本文2\n\n-- \n"), "{}", mail.text);
        assert!(!mail.text.contains("http"), "{}", mail.text);
    }
}
