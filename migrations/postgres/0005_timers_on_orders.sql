-- Timers leave their table: an order's state holds each pending timer's due time (`at`, beside
-- what it is for), and the order row holds the earliest one (`timer_at`, indexed for the worker,
-- which claims orders with `timer_lease` and fires their due timers from the state). A timer
-- was a row and an index entry inserted and later deleted, four or five per order; now a
-- change moves one index entry, and only when it schedules or cancels a timer
-- (BENCHMARKS.md, "sixth session"). Version 5, as on SQLite (PostgreSQL has no version 4).
ALTER TABLE orders ADD COLUMN timer_at BIGINT;
ALTER TABLE orders ADD COLUMN timer_lease BIGINT NOT NULL DEFAULT 0;

-- A timer of the state without a row (none should exist: both were written in one
-- transaction) counts as due at the order's last change, so that it fires rather than never.
-- Only states with timers are touched (older engines wrote `"timers":{}`, and jsonb_object_agg
-- over no timers is NULL); they are tested as `json`, which keeps every other state as written.
UPDATE orders o SET timer_at = (
    SELECT min(coalesce(t.at, o.updated_at))
    FROM jsonb_each(o.state::jsonb -> 'timers') je
    LEFT JOIN timers t ON t.order_id = o.id AND t.id = je.key::bigint
)
WHERE json_typeof(o.state::json -> 'timers') = 'object' AND (o.state::json -> 'timers')::text <> '{}';

-- Each timer gets its due time as the state writes times: RFC 3339 in UTC, to the microsecond.
UPDATE orders o SET state = jsonb_set(o.state::jsonb, '{timers}', (
    SELECT jsonb_object_agg(je.key, je.value || jsonb_build_object('at', to_char(
        (to_timestamp(d.at / 1000000) + (d.at % 1000000) * interval '1 microsecond') AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))
    FROM jsonb_each(o.state::jsonb -> 'timers') je
    LEFT JOIN timers t ON t.order_id = o.id AND t.id = je.key::bigint
    CROSS JOIN LATERAL (SELECT coalesce(t.at, o.updated_at) AS at) d
))::text
WHERE json_typeof(o.state::json -> 'timers') = 'object' AND (o.state::json -> 'timers')::text <> '{}';

DROP TABLE timers;
CREATE INDEX orders_timer_due ON orders (timer_at) WHERE timer_at IS NOT NULL;
