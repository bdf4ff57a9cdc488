-- One row per transition instead of one per event: the events one command (or one unit of
-- work) recorded for an order are stored together, in the order they happened. A group commit
-- then inserts a third as many rows into the events table, whose rows land across every open
-- order's place in the table (BENCHMARKS.md, "The durable engine").
--
-- `seq` is the sequence number of the row's first event. `record` holds the row's events,
-- separated by char(30); each event is its kind, its time (microseconds since the Unix epoch),
-- its sequence number and its JSON body without the kind, separated by char(31). JSON text never
-- holds these control characters raw, so no body can contain a separator. Existing events
-- become rows of one event each.
CREATE TABLE event_rows (
    order_id TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    record   TEXT    NOT NULL,
    PRIMARY KEY (order_id, seq)
) WITHOUT ROWID;

INSERT INTO event_rows (order_id, seq, record)
SELECT order_id, seq, kind || char(31) || at || char(31) || seq || char(31) || body FROM events;

DROP TABLE events;
ALTER TABLE event_rows RENAME TO events;
