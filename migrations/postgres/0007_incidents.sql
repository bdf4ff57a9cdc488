-- Open incidents, one row each: a step stopped until an administrator retries it, resolves it
-- with the result its action should have given, or cancels the order. The engine writes them
-- from the incident events in the same transaction as the order's change, so the list an
-- administrator reads never disagrees with the orders.
CREATE TABLE incidents (
    order_id  TEXT    NOT NULL,
    instance  BIGINT  NOT NULL,
    flow_id   TEXT    NOT NULL,
    step      TEXT    NOT NULL,
    vendor    TEXT,
    message   TEXT    NOT NULL,
    attempts  BIGINT  NOT NULL,
    raised_at BIGINT  NOT NULL,
    PRIMARY KEY (order_id, instance)
);
CREATE INDEX incidents_raised ON incidents (raised_at, order_id, instance);

-- The incidents of orders already stopped: a failed job's step or a stuck step. When it was
-- raised is in the order's history only, so the order's last change stands in for it.
INSERT INTO incidents (order_id, instance, flow_id, step, vendor, message, attempts, raised_at)
SELECT o.id, t.key::bigint, o.flow_id, t.value ->> 'step', o.vendor,
       coalesce(t.value -> 'activity' ->> 'incident', t.value -> 'activity' ->> 'message'),
       coalesce((t.value -> 'activity' ->> 'attempt')::bigint, 1), o.updated_at
FROM orders o, jsonb_each(o.state::jsonb -> 'tokens') t
WHERE o.status <> 'closed' AND jsonb_typeof(o.state::jsonb -> 'tokens') = 'object'
  AND (t.value -> 'activity' ->> 'kind' = 'stuck'
       OR (t.value -> 'activity' ->> 'kind' = 'job' AND t.value -> 'activity' ->> 'incident' IS NOT NULL));
