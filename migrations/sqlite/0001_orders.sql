-- Junro's durable state. Times are integer microseconds since the Unix epoch (UTC) and JSON is
-- text, so SQLite and PostgreSQL store identical values. Immutable once merged: add a new file.
-- Tables keyed by (order, number) are WITHOUT ROWID: clustered on their key, no second index.

-- The sources of each deployed program (every file, so imports compile again after a restart).
CREATE TABLE programs (
    hash  TEXT PRIMARY KEY,
    files TEXT NOT NULL
);

CREATE TABLE deployments (
    flow_id        TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    fingerprint    TEXT    NOT NULL,
    program_hash   TEXT    NOT NULL,
    label          TEXT    NOT NULL,
    effective_from INTEGER,
    deployed_at    INTEGER NOT NULL,
    PRIMARY KEY (flow_id, version)
);

CREATE TABLE orders (
    id           TEXT    PRIMARY KEY,
    flow_id      TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    business_key TEXT,
    parent_id    TEXT,
    status       TEXT    NOT NULL,
    outcome      TEXT,
    vendor       TEXT,
    channel      TEXT,
    received_at  INTEGER NOT NULL,
    closed_at    INTEGER,
    state        TEXT    NOT NULL,
    version_no   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX orders_business_key ON orders (business_key) WHERE business_key IS NOT NULL;
CREATE INDEX orders_flow_status ON orders (flow_id, status);
CREATE INDEX orders_parent ON orders (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE events (
    order_id TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    kind     TEXT    NOT NULL,
    body     TEXT    NOT NULL,
    PRIMARY KEY (order_id, seq)
) WITHOUT ROWID;

-- Open tasks only: the work queue.
CREATE TABLE tasks (
    order_id TEXT    NOT NULL,
    instance INTEGER NOT NULL,
    flow_id  TEXT    NOT NULL,
    step     TEXT    NOT NULL,
    role     TEXT    NOT NULL,
    lane     TEXT    NOT NULL,
    vendor   TEXT,
    priority INTEGER NOT NULL,
    due_at   INTEGER,
    ready_at INTEGER NOT NULL,
    assignee TEXT,
    PRIMARY KEY (order_id, instance)
) WITHOUT ROWID;
CREATE INDEX tasks_queue ON tasks (role, assignee, priority DESC, ready_at);

-- Pending timers; a worker claims due ones for a while (locked_until) and fires them.
CREATE TABLE timers (
    order_id     TEXT    NOT NULL,
    id           INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, id)
) WITHOUT ROWID;
CREATE INDEX timers_due ON timers (at);

-- The outbox of automatic steps: committed with the state change, run by a worker afterwards.
CREATE TABLE jobs (
    order_id        TEXT    NOT NULL,
    instance        INTEGER NOT NULL,
    action          TEXT    NOT NULL,
    inputs          TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    attempt         INTEGER NOT NULL,
    run_at          INTEGER NOT NULL,
    timeout_s       INTEGER,
    locked_until    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, instance)
) WITHOUT ROWID;
CREATE INDEX jobs_due ON jobs (run_at);
