-- The outbox of notices (`engine/src/store/notices.rs`): events people should hear of, written
-- with the change that caused them, claimed with a lease by whoever delivers them, deleted once
-- delivered. Only engines opened with notices on write them.
CREATE TABLE notices (
    id           TEXT    PRIMARY KEY,
    kind         TEXT    NOT NULL,
    order_id     TEXT    NOT NULL,
    business_key TEXT,
    flow_id      TEXT    NOT NULL,
    instance     BIGINT,
    step         TEXT,
    role         TEXT,
    vendor       TEXT,
    person       TEXT,
    detail       TEXT,
    due_at       BIGINT,
    at           BIGINT  NOT NULL,
    locked_until BIGINT  NOT NULL DEFAULT 0,
    attempts     BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX notices_due ON notices (locked_until, at);
