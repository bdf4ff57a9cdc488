-- Junro's durable state. Times are integer microseconds since the Unix epoch (UTC) and JSON is
-- text, so SQLite and PostgreSQL store identical values. Immutable once merged: add a new file.

-- The sources of each deployed program (every file, so imports compile again after a restart).
CREATE TABLE programs (
    hash  TEXT PRIMARY KEY,
    files TEXT NOT NULL
);

CREATE TABLE deployments (
    flow_id        TEXT    NOT NULL,
    version        BIGINT NOT NULL,
    fingerprint    TEXT    NOT NULL,
    program_hash   TEXT    NOT NULL,
    label          TEXT    NOT NULL,
    effective_from BIGINT,
    deployed_at    BIGINT NOT NULL,
    PRIMARY KEY (flow_id, version)
);

CREATE TABLE orders (
    id           TEXT    PRIMARY KEY,
    flow_id      TEXT    NOT NULL,
    version      BIGINT NOT NULL,
    business_key TEXT,
    parent_id    TEXT,
    status       TEXT    NOT NULL,
    outcome      TEXT,
    vendor       TEXT,
    channel      TEXT,
    received_at  BIGINT NOT NULL,
    closed_at    BIGINT,
    state        TEXT    NOT NULL,
    version_no   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX orders_business_key ON orders (business_key) WHERE business_key IS NOT NULL;
CREATE INDEX orders_flow_status ON orders (flow_id, status);
CREATE INDEX orders_parent ON orders (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE events (
    order_id TEXT    NOT NULL,
    seq      BIGINT NOT NULL,
    at       BIGINT NOT NULL,
    kind     TEXT    NOT NULL,
    body     TEXT    NOT NULL,
    PRIMARY KEY (order_id, seq)
);

-- Open tasks only: the work queue.
CREATE TABLE tasks (
    order_id TEXT    NOT NULL,
    instance BIGINT NOT NULL,
    flow_id  TEXT    NOT NULL,
    step     TEXT    NOT NULL,
    role     TEXT    NOT NULL,
    lane     TEXT    NOT NULL,
    vendor   TEXT,
    priority BIGINT NOT NULL,
    due_at   BIGINT,
    ready_at BIGINT NOT NULL,
    assignee TEXT,
    PRIMARY KEY (order_id, instance)
);
CREATE INDEX tasks_queue ON tasks (role, assignee, priority DESC, ready_at);

-- Pending timers; a worker claims due ones for a while (locked_until) and fires them.
CREATE TABLE timers (
    order_id     TEXT    NOT NULL,
    id           BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, id)
);
CREATE INDEX timers_due ON timers (at);

-- The outbox of automatic steps: committed with the state change, run by a worker afterwards.
CREATE TABLE jobs (
    order_id        TEXT    NOT NULL,
    instance        BIGINT NOT NULL,
    action          TEXT    NOT NULL,
    inputs          TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    attempt         BIGINT NOT NULL,
    run_at          BIGINT NOT NULL,
    timeout_s       BIGINT,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, instance)
);
CREATE INDEX jobs_due ON jobs (run_at);
