//! The bulk read behind [`Store::scan_instances`](super::Store::scan_instances): every flow
//! instance with its events, for the KPIs and exports; and the format of a stored row of events.
//!
//! A row of the events table holds the events of one transition (`record`, migration 0003):
//! each event's kind, time, sequence number and body, in that order, the events one after the
//! other. Fields are separated by ASCII control characters, which JSON text never holds raw
//! (serde_json escapes them), so no body can contain a separator.
//!
//! A row costs far more to hand from the database driver to us than the bytes in it (sqlx's
//! SQLite driver: several microseconds), so the database joins each instance's row and its
//! events into one text: one row per instance, not per event. (Dealing instances into a few
//! hundred rows as well was tried: SQLite then sorts and copies every text once more, which cost
//! more than the rows saved.) In SQLite each order's events are gathered by a subquery that
//! searches the events table's primary key; a join with all orders' events grouped first
//! materialised every text and took three times as long. SQLite hands an order's rows over in
//! the order of the events table's key, `(order_id, seq)` (a unique index since migration 4; the
//! primary key on PostgreSQL); the decoder checks that order rather than asking SQLite to sort.
//! Only the kinds a reader asks for reach it: a row holds events of several kinds, so they are
//! picked here, not by the database.

use super::{InstanceRow, InstanceSink, RawEvent, StoreError, from_micros};

/// Between an order's fields (the last field is its events).
const FIELD_SEP: char = '\u{1d}';
/// Between events, within a stored row and between rows.
pub(crate) const EVENT_SEP: char = '\u{1e}';
/// Between an event's kind, time, sequence number and body.
pub(crate) const PART_SEP: char = '\u{1f}';
/// Stands for NULL in a field.
const NULL: &str = "\u{1a}";

/// SQLite's scan; `{instance_filter}` limits the instances (see [`sql`]).
pub(crate) const SQLITE: &str = "\
SELECT o.id || char(29) || coalesce(o.parent_id, char(26)) || char(29) || o.flow_id || char(29) || o.version
       || char(29) || coalesce(o.business_key, char(26)) || char(29) || o.status || char(29) || o.updated_at
       || char(29) || coalesce((SELECT group_concat(record, char(30)) FROM events e WHERE e.order_id = o.id), '')
FROM orders o{instance_filter}";

/// PostgreSQL's scan, the same in its dialect (its planner groups the events by a hash, so the
/// join is the better form there).
pub(crate) const POSTGRES: &str = "\
SELECT o.id || chr(29) || coalesce(o.parent_id, chr(26)) || chr(29) || o.flow_id || chr(29) || o.version::text
       || chr(29) || coalesce(o.business_key, chr(26)) || chr(29) || o.status || chr(29) || o.updated_at::text
       || chr(29) || coalesce(e.ev, '')
FROM orders o LEFT JOIN (
  SELECT order_id, string_agg(record, chr(30) ORDER BY seq) AS ev
  FROM events e WHERE TRUE{event_orders} GROUP BY order_id
) e ON e.order_id = o.id{instance_filter}";

/// Which instances a scan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Instances {
    /// Every instance.
    All,
    /// Only those whose order's KPI figures are not in the summary (`kpi_summarised`).
    Unsummarised,
}

/// A scan template made into SQL: unsummarised scans skip summarised instances and their events.
pub(crate) fn sql(template: &str, instances: Instances) -> String {
    let (instance_filter, event_orders) = match instances {
        Instances::All => ("", ""),
        Instances::Unsummarised => (
            " WHERE NOT EXISTS (SELECT 1 FROM kpi_summarised s WHERE s.order_id = o.id)",
            " AND NOT EXISTS (SELECT 1 FROM kpi_summarised s WHERE s.order_id = e.order_id)",
        ),
    };
    template.replace("{instance_filter}", instance_filter).replace("{event_orders}", event_orders)
}

/// Appends one event to a stored row's `record` (after the row's earlier events).
pub(crate) fn push_event(record: &mut String, kind: &str, at_us: i64, seq: i64, body: &str) {
    // Pieces pushed one by one: `write!` costs several times as much through the formatting
    // machinery, and every transition writes a few events.
    let mut digits = itoa::Buffer::new();
    if !record.is_empty() {
        record.push(EVENT_SEP);
    }
    record.push_str(kind);
    record.push(PART_SEP);
    record.push_str(digits.format(at_us));
    record.push(PART_SEP);
    record.push_str(digits.format(seq));
    record.push(PART_SEP);
    record.push_str(body);
}

/// The events of stored rows (one row's `record`, or several joined by [`EVENT_SEP`]) of
/// `order`, in the order written.
pub(crate) fn events_of<'a>(
    order: &'a str,
    records: &'a str,
) -> impl Iterator<Item = Result<RawEvent<'a>, StoreError>> {
    records.split(EVENT_SEP).filter(|e| !e.is_empty()).map(move |event| {
        let mut parts = event.splitn(4, PART_SEP);
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(kind), Some(at), Some(seq), Some(body)) => {
                Ok(RawEvent { seq: number(order, seq)?, at_us: number(order, at)?, kind, body })
            }
            _ => Err(corrupt(order, format!("unreadable event record {:?}", event.get(..60).unwrap_or(event)))),
        }
    })
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

/// Decodes one instance's record and hands it and its events of `kinds` (every kind when
/// empty), in history order, to `sink`.
pub(crate) fn each_instance(record: &str, kinds: &[&str], sink: &mut InstanceSink<'_>) -> Result<(), StoreError> {
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
    for event in events_of(id, events) {
        let event = event?;
        if kinds.is_empty() || kinds.contains(&event.kind) {
            parsed.push(event);
        }
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
        decode_kinds(record, &[])
    }

    fn decode_kinds(record: &str, kinds: &[&str]) -> Result<Vec<(InstanceRow, Vec<Event>)>, StoreError> {
        let mut seen = Vec::new();
        let mut sink = |row: InstanceRow, events: &mut dyn Iterator<Item = Result<RawEvent<'_>, StoreError>>| {
            let events: Vec<Event> = events
                .map(|e| e.map(|e| (e.seq, e.at_us, e.kind.to_string(), e.body.to_string())))
                .collect::<Result<_, _>>()?;
            seen.push((row, events));
            Ok(())
        };
        each_instance(record, kinds, &mut sink)?;
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

    #[test]
    fn rows_of_several_events_read_back_as_written_and_kinds_are_picked() {
        // Two stored rows: a transition of two events, then one of one.
        let (mut first, mut second) = (String::new(), String::new());
        push_event(&mut first, "order_started", 10, 1, "{\"data\":{}}");
        push_event(&mut first, "task_ready", 10, 2, "{\"instance\":1}");
        push_event(&mut second, "task_completed", 20, 3, "{\"instance\":1,\"note\":\"a\\u001eb\"}");
        let both = format!("{first}{EVENT_SEP}{second}");
        let events: Vec<_> = events_of("o", &both)
            .map(|e| e.map(|e| (e.seq, e.at_us, e.kind, e.body)))
            .collect::<Result<_, _>>()
            .expect("reads");
        assert_eq!(
            events,
            vec![
                (1, 10, "order_started", "{\"data\":{}}"),
                (2, 10, "task_ready", "{\"instance\":1}"),
                (3, 20, "task_completed", "{\"instance\":1,\"note\":\"a\\u001eb\"}"),
            ]
        );
        let record =
            format!("o{f}{n}{f}flow{f}1{f}{n}{f}open{f}20{f}{first}{EVENT_SEP}{second}", f = FIELD_SEP, n = NULL);
        let (_, picked) = &decode_kinds(&record, &["task_ready", "task_completed"]).expect("decodes")[0];
        assert_eq!(picked.iter().map(|e| e.0).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(decode(&record).expect("decodes")[0].1.len(), 3);
        assert!(events_of("o", "task_ready\u{1f}10").next().is_some_and(|e| e.is_err()));
    }
}
