-- Timers leave their table: an order's state holds each pending timer's due time (`at`, beside
-- what it is for), and the order row holds the earliest one (`timer_at`, indexed for the worker,
-- which claims orders with `timer_lease` and fires their due timers from the state). A timer
-- was a row and an index entry inserted and later deleted, four or five per order; now a
-- change moves one index entry, and only when it schedules or cancels a timer
-- (BENCHMARKS.md, "sixth session").
ALTER TABLE orders ADD COLUMN timer_at INTEGER;
ALTER TABLE orders ADD COLUMN timer_lease INTEGER NOT NULL DEFAULT 0;

-- A timer of the state without a row (none should exist: both were written in one
-- transaction) counts as due at the order's last change, so that it fires rather than never.
UPDATE orders SET timer_at = (
    SELECT min(coalesce(t.at, orders.updated_at))
    FROM json_each(orders.state, '$.timers') je
    LEFT JOIN timers t ON t.order_id = orders.id AND t.id = CAST(je.key AS INTEGER)
)
WHERE json_type(state, '$.timers') = 'object';

-- Each timer gets its due time as the state writes times: RFC 3339 in UTC, to the microsecond.
UPDATE orders SET state = json_set(state, '$.timers', json((
    SELECT json_group_object(je.key, json_set(je.value, '$.at',
        strftime('%Y-%m-%dT%H:%M:%S', coalesce(
            (SELECT t.at FROM timers t WHERE t.order_id = orders.id AND t.id = CAST(je.key AS INTEGER)),
            orders.updated_at) / 1000000, 'unixepoch')
        || '.' || printf('%06d', coalesce(
            (SELECT t.at FROM timers t WHERE t.order_id = orders.id AND t.id = CAST(je.key AS INTEGER)),
            orders.updated_at) % 1000000)
        || 'Z'))
    FROM json_each(orders.state, '$.timers') je
)))
WHERE json_type(state, '$.timers') = 'object';

DROP TABLE timers;
CREATE INDEX orders_timer_due ON orders (timer_at) WHERE timer_at IS NOT NULL;
