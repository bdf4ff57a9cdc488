//! Whom an order's notices reached: the history says "reminder sent to …" only once a notice is
//! in someone's inbox or a mail or webhook delivery of it has been taken by its receiver. A
//! notice's key is `<order id>:<event seq>` (the engine's outbox), so each delivery hangs under
//! the event that caused it.

use super::db::{DbError, Pool, from_micros, on_pool};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One delivery of a notice of an order's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Sent {
    /// To whom: a person's display name, a webhook's name, or `お客様` (the order's customer,
    /// by mail).
    pub to: String,
    /// The person's user id; none for a webhook or the customer.
    pub user: Option<String>,
    /// `inbox`, `mail` or `webhook`.
    pub channel: String,
    /// When it was delivered.
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
}

/// Every delivery of one order's notices: inbox rows by order, mail and webhook deliveries by
/// key. `$1` the order, `$2`/`$3` the range of its notices' keys.
const SENT: &str = concat!(
    "SELECT i.notice, i.user_id AS who, u.display_name AS name, i.created_at AS at, 0 AS channel ",
    "FROM inbox i LEFT JOIN users u ON u.id = i.user_id WHERE i.order_id = $1 ",
    "UNION ALL SELECT m.notice, m.recipient AS who, u.display_name AS name, m.delivered_at AS at, 1 AS channel ",
    "FROM mail_deliveries m LEFT JOIN users u ON u.id = m.recipient ",
    "WHERE m.notice >= $2 AND m.notice < $3 AND m.delivered_at IS NOT NULL ",
    "UNION ALL SELECT w.notice, w.webhook AS who, NULL AS name, w.delivered_at AS at, 2 AS channel ",
    "FROM webhook_deliveries w WHERE w.notice >= $2 AND w.notice < $3 AND w.delivered_at IS NOT NULL",
);

/// The channels, in the order a history line names them.
const CHANNELS: [&str; 3] = ["inbox", "mail", "webhook"];

impl Pool {
    /// The deliveries of `order`'s notices, by the seq of the event each is about; within one
    /// event by channel (inbox, mail, webhook), then by name.
    pub async fn sent_for_order(&self, order: &str) -> Result<BTreeMap<u64, Vec<Sent>>, DbError> {
        // Keys of this order's notices lie between `<order>:` and `<order>;` (';' follows ':').
        let (from, to) = (format!("{order}:"), format!("{order};"));
        let rows: Vec<(String, String, Option<String>, i64, i32)> = on_pool!(self, p => {
            sqlx::query(SENT)
                .bind(order)
                .bind(&from)
                .bind(&to)
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("notice")?, r.try_get("who")?, r.try_get("name")?, r.try_get("at")?, r.try_get("channel")?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        let mut sent: BTreeMap<u64, Vec<(i32, Sent)>> = BTreeMap::new();
        for (notice, who, name, at, channel) in rows {
            // Another order's id may begin with this one's and a colon: its keys have more after.
            let Some(seq) = notice.strip_prefix(&from).and_then(|s| s.parse::<u64>().ok()) else { continue };
            let webhook = channel == 2;
            // A customer's reminder is recorded under a marker, never the address.
            let customer = who == super::customer::RECIPIENT;
            let item = Sent {
                to: if customer { "お客様".to_string() } else { name.unwrap_or_else(|| who.clone()) },
                user: (!webhook && !customer).then_some(who),
                channel: CHANNELS[usize::try_from(channel).unwrap_or(0).min(2)].to_string(),
                at: from_micros(at),
            };
            sent.entry(seq).or_default().push((channel, item));
        }
        Ok(sent
            .into_iter()
            .map(|(seq, mut items)| {
                items.sort_by(|(a, x), (b, y)| (a, &x.to).cmp(&(b, &y.to)));
                (seq, items.into_iter().map(|(_, s)| s).collect())
            })
            .collect())
    }
}

/// How many messages of one kind went to inboxes, and how many of those a mail server took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SentCount {
    /// `reminder`, `escalation`, `digest`, …
    pub(crate) kind: String,
    /// Inbox messages.
    pub(crate) inbox: i64,
    /// Of those, mailed.
    pub(crate) mailed: i64,
}

impl Pool {
    /// Messages by kind, the most first: every notice and digest reaches an inbox, and a mail
    /// of it shares its person and key.
    pub(crate) async fn sent_by_kind(&self) -> Result<Vec<SentCount>, DbError> {
        const SQL: &str = concat!(
            "SELECT i.kind, COUNT(*) AS inbox, SUM(CASE WHEN m.delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS mailed ",
            "FROM inbox i LEFT JOIN mail_deliveries m ON m.recipient = i.user_id AND m.notice = i.notice ",
            "GROUP BY i.kind ORDER BY COUNT(*) DESC, i.kind"
        );
        on_pool!(self, p => {
            sqlx::query(SQL)
                .fetch_all(p)
                .await?
                .iter()
                .map(|r| Ok(SentCount { kind: r.try_get("kind")?, inbox: r.try_get("inbox")?, mailed: r.try_get::<Option<i64>, _>("mailed")?.unwrap_or(0) }))
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(DbError::from)
        })
    }
}

impl Pool {
    /// How many customers' reminders a mail server has taken.
    pub(crate) async fn customer_mails(&self) -> Result<i64, DbError> {
        const SQL: &str =
            "SELECT COUNT(*) AS mailed FROM mail_deliveries WHERE recipient = $1 AND delivered_at IS NOT NULL";
        on_pool!(self, p => {
            sqlx::query(SQL).bind(super::customer::RECIPIENT).fetch_one(p).await?.try_get::<i64, _>("mailed").map_err(DbError::from)
        })
    }
}

/// A history line's deliveries in words: "送信: 佐藤（アプリ内・メール）、鈴木（アプリ内）", each
/// person named once with their channels.
pub(crate) fn in_words(sent: &[Sent], ja: bool) -> String {
    let mut people: Vec<(&str, Vec<&str>)> = Vec::new();
    for s in sent {
        let customer = s.user.is_none() && s.channel == "mail";
        let to = if customer && !ja { "the customer" } else { s.to.as_str() };
        let channel = match (s.channel.as_str(), ja) {
            ("inbox", true) => "アプリ内",
            ("mail", true) => "メール",
            ("webhook", true) => "Webhook",
            ("inbox", false) => "inbox",
            ("mail", false) => "mail",
            _ => "webhook",
        };
        match people.iter_mut().find(|(named, _)| *named == to) {
            Some((_, channels)) => channels.push(channel),
            None => people.push((to, vec![channel])),
        }
    }
    let (open, between, close, list, lead) =
        if ja { ("（", "・", "）", "、", "送信: ") } else { (" (", ", ", ")", "; ", "sent to ") };
    let named: Vec<String> = people.iter().map(|(to, ch)| format!("{to}{open}{}{close}", ch.join(between))).collect();
    format!("{lead}{}", named.join(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(to: &str, channel: &str) -> Sent {
        Sent { to: to.into(), user: Some(to.into()), channel: channel.into(), at: jiff::Timestamp::UNIX_EPOCH }
    }

    #[test]
    fn each_person_is_named_once_with_their_channels() {
        let all = [sent("佐藤", "inbox"), sent("鈴木", "inbox"), sent("佐藤", "mail")];
        assert_eq!(in_words(&all, true), "送信: 佐藤（アプリ内・メール）、鈴木（アプリ内）");
        assert_eq!(in_words(&all, false), "sent to 佐藤 (inbox, mail); 鈴木 (inbox)");
    }
}
