-- One row per transition instead of one per event: the events one command (or one unit of
-- work) recorded for an order are stored together, in the order they happened (the SQLite
-- migration of the same number says why).
--
-- `seq` is the sequence number of the row's first event. `record` holds the row's events,
-- separated by chr(30); each event is its kind, its time (microseconds since the Unix epoch),
-- its sequence number and its JSON body without the kind, separated by chr(31). Existing events
-- become rows of one event each.
CREATE TABLE event_rows (
    order_id TEXT   NOT NULL,
    seq      BIGINT NOT NULL,
    record   TEXT   NOT NULL,
    PRIMARY KEY (order_id, seq)
);

INSERT INTO event_rows (order_id, seq, record)
SELECT order_id, seq, kind || chr(31) || at::text || chr(31) || seq::text || chr(31) || body FROM events;

DROP TABLE events;
ALTER TABLE event_rows RENAME TO events;
ALTER TABLE events RENAME CONSTRAINT event_rows_pkey TO events_pkey;
