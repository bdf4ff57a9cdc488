-- Signals no order took, listed instead of lost silently: a signal kept for a wait that never
-- came in time (`expired`), one left when its order ended (`order closed`), and one addressed
-- to no order at all (`no such order`).
CREATE TABLE lost_signals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id     TEXT,
    business_key TEXT,
    flow_id      TEXT,
    signal       TEXT    NOT NULL,
    data         TEXT    NOT NULL,
    sender       TEXT,
    received_at  INTEGER NOT NULL,
    lost_at      INTEGER NOT NULL,
    reason       TEXT    NOT NULL
);
CREATE INDEX lost_signals_lost ON lost_signals (lost_at);
