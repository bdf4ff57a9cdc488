//! The bulk read behind [`Store::scan_instances`](super::Store::scan_instances): every flow
//! instance with its events, for the KPIs and exports.
//!
//! A row costs far more to hand from the database driver to us than the bytes in it (sqlx's
//! SQLite driver: several microseconds), so the database joins each instance's row and its
//! events into one text: one row per instance, not per event. (Dealing instances into a few
//! hundred rows as well was tried: SQLite then sorts and copies every text once more, which cost
//! more than the rows saved.) In SQLite each order's events are gathered by a subquery that
//! searches the events table's primary key; a join with all orders' events grouped first
//! materialised every text and took three times as long. SQLite hands an order's events over in the order of the events
//! table's primary key, `(order_id, seq)`; the decoder checks that order rather than asking
//! SQLite to sort. Fields are separated by ASCII control characters, which JSON text never
//! holds raw (serde_json escapes them), so no body can contain a separator.

use super::{InstanceRow, InstanceSink, RawEvent, StoreError, from_micros};

/// Between an order's fields (the last field is its events).
const FIELD_SEP: char = '\u{1d}';
/// Between an order's events.
const EVENT_SEP: char = '\u{1e}';
/// Between an event's kind, time, sequence number and body.
const PART_SEP: char = '\u{1f}';
/// Stands for NULL in a field.
const NULL: &str = "\u{1a}";

/// SQLite's scan; `{kind_filter}` becomes ` AND e.kind IN (…)` with the kinds' placeholders, or
/// nothing to read every kind; `{instance_filter}` limits the instances (see [`sql`]).
pub(crate) const SQLITE: &str = "\
SELECT o.id || char(29) || coalesce(o.parent_id, char(26)) || char(29) || o.flow_id || char(29) || o.version
       || char(29) || coalesce(o.business_key, char(26)) || char(29) || o.status || char(29) || o.updated_at
       || char(29) || coalesce((
            SELECT group_concat(kind || char(31) || at || char(31) || seq || char(31) || body, char(30))
            FROM events e WHERE e.order_id = o.id{kind_filter}), '')
FROM orders o{instance_filter}";

/// PostgreSQL's scan, the same in its dialect (its planner groups the events by a hash, so the
/// join is the better form there).
pub(crate) const POSTGRES: &str = "\
SELECT o.id || chr(29) || coalesce(o.parent_id, chr(26)) || chr(29) || o.flow_id || chr(29) || o.version::text
       || chr(29) || coalesce(o.business_key, chr(26)) || chr(29) || o.status || chr(29) || o.updated_at::text
       || chr(29) || coalesce(e.ev, '')
FROM orders o LEFT JOIN (
  SELECT order_id, string_agg(kind || chr(31) || at::text || chr(31) || seq::text || chr(31) || body, chr(30) ORDER BY seq) AS ev
  FROM events e WHERE TRUE{kind_filter}{event_orders} GROUP BY order_id
) e ON e.order_id = o.id{instance_filter}";

/// Which instances a scan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Instances {
    /// Every instance.
    All,
    /// Only those whose order's KPI figures are not in the summary (`kpi_summarised`).
    Unsummarised,
}

/// A scan template made into SQL: the kinds become numbered placeholders `$1…` (bound by the
/// caller), and unsummarised scans skip summarised instances and their events.
pub(crate) fn sql(template: &str, kinds: &[&str], instances: Instances) -> String {
    let placeholders: Vec<String> = (1..=kinds.len()).map(|n| format!("${n}")).collect();
    let kind_filter =
        if kinds.is_empty() { String::new() } else { format!(" AND e.kind IN ({})", placeholders.join(", ")) };
    let (instance_filter, event_orders) = match instances {
        Instances::All => ("", ""),
        Instances::Unsummarised => (
            " WHERE NOT EXISTS (SELECT 1 FROM kpi_summarised s WHERE s.order_id = o.id)",
            " AND NOT EXISTS (SELECT 1 FROM kpi_summarised s WHERE s.order_id = e.order_id)",
        ),
    };
    template
        .replace("{kind_filter}", &kind_filter)
        .replace("{instance_filter}", instance_filter)
        .replace("{event_orders}", event_orders)
}

fn corrupt(order: &str, message: String) -> StoreError {
    StoreError::Corrupt { order: order.to_string(), message }
}

fn number(order: &str, text: &str) -> Result<i64, StoreError> {
    text.parse::<i64>().map_err(|e| corrupt(order, format!("stored number {text:?}: {e}")))
}

fn optional(field: &str) -> Option<String> {
    (field != NULL).then(|| field.to_string())
}

/// Decodes one instance's record and hands it and its events, in history order, to `sink`.
pub(crate) fn each_instance(record: &str, sink: &mut InstanceSink<'_>) -> Result<(), StoreError> {
    let fields: Vec<&str> = record.splitn(8, FIELD_SEP).collect();
    let [id, parent, flow, version, key, status, updated, events] = fields[..] else {
        return Err(corrupt(record.get(..40).unwrap_or(record), "unreadable instance record".into()));
    };
    let row = InstanceRow {
        id: id.to_string(),
        parent: optional(parent),
        flow: flow.to_string(),
        version: u32::try_from(number(id, version)?).unwrap_or(0),
        business_key: optional(key),
        status: status.to_string(),
        updated_at: from_micros(number(id, updated)?),
    };
    let mut parsed: Vec<RawEvent<'_>> = Vec::with_capacity(events.matches(EVENT_SEP).count() + 1);
    let events = events.split(EVENT_SEP).filter(|e| !e.is_empty()).map(|event| {
        let mut parts = event.splitn(4, PART_SEP);
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(kind), Some(at), Some(seq), Some(body)) => {
                Ok(RawEvent { seq: number(id, seq)?, at_us: number(id, at)?, kind, body })
            }
            _ => Err(corrupt(id, format!("unreadable event record {:?}", event.get(..60).unwrap_or(event)))),
        }
    });
    for event in events {
        parsed.push(event?);
    }
    if !parsed.is_sorted_by_key(|e| e.seq) {
        parsed.sort_by_key(|e| e.seq);
    }
    sink(row, &mut parsed.into_iter().map(Ok))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (seq, at, kind, body)
    type Event = (i64, i64, String, String);

    fn decode(record: &str) -> Result<Vec<(InstanceRow, Vec<Event>)>, StoreError> {
        let mut seen = Vec::new();
        let mut sink = |row: InstanceRow, events: &mut dyn Iterator<Item = Result<RawEvent<'_>, StoreError>>| {
            let events: Vec<Event> = events
                .map(|e| e.map(|e| (e.seq, e.at_us, e.kind.to_string(), e.body.to_string())))
                .collect::<Result<_, _>>()?;
            seen.push((row, events));
            Ok(())
        };
        each_instance(record, &mut sink)?;
        Ok(seen)
    }

    #[test]
    fn records_decode_into_instances_and_events_in_history_order() {
        let record = format!(
            "a{f}{n}{f}flow{f}2{f}K-1{f}open{f}5000000{f}held{p}5000000{p}2{p}{{}}{e}task_ready{p}4000000{p}1{p}{{\"x\":\"y\"}}",
            f = FIELD_SEP,
            n = NULL,
            p = PART_SEP,
            e = EVENT_SEP,
        );
        let seen = decode(&record).expect("decodes");
        let (a, events) = &seen[0];
        assert_eq!(
            (a.id.as_str(), a.parent.as_deref(), a.version, a.business_key.as_deref()),
            ("a", None, 2, Some("K-1"))
        );
        assert_eq!(events[0], (1, 4_000_000, "task_ready".into(), "{\"x\":\"y\"}".into()), "sorted by seq");
        assert_eq!(events[1].2, "held");
        let record = format!("b{f}a{f}sub{f}1{f}{n}{f}closed{f}7{f}", f = FIELD_SEP, n = NULL);
        let (b, events) = &decode(&record).expect("decodes")[0];
        assert_eq!((b.parent.as_deref(), b.business_key.as_deref(), b.status.as_str()), (Some("a"), None, "closed"));
        assert!(events.is_empty());
        assert!(decode(&format!("a{f}x", f = FIELD_SEP)).is_err());
        let bad_event =
            format!("a{f}{n}{f}flow{f}2{f}K{f}open{f}5{f}held{p}x{p}1{p}{{}}", f = FIELD_SEP, n = NULL, p = PART_SEP);
        assert!(decode(&bad_event).is_err());
    }
}
