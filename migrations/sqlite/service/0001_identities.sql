-- The service's own tables (crate `junro`, `runner/src/serve/db.rs`): who may work, how they
-- prove it, and the audit trail. Kept apart from the engine's tables, with their own migration
-- history (`_junro_service_migrations`): the engine knows actors, never passwords or sessions.
-- Times are integer microseconds since the Unix epoch, as in the engine's tables.

CREATE TABLE users (
    id            TEXT    PRIMARY KEY,
    display_name  TEXT    NOT NULL,
    roles         TEXT    NOT NULL,           -- JSON array of role ids
    vendor        TEXT,                       -- NULL: the company's own staff
    supervisor    INTEGER NOT NULL DEFAULT 0,
    manager       INTEGER NOT NULL DEFAULT 0,
    admin         INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT,                       -- argon2id PHC string; NULL: tokens only
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

-- API tokens: only the SHA-256 of the secret is kept; the secret is shown once.
CREATE TABLE api_tokens (
    id           TEXT    PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id),
    hash         TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Browser sessions: the cookie holds an opaque id; only its SHA-256 is kept here, so a copy
-- of the database cannot be used to sign in.
CREATE TABLE sessions (
    id_hash      TEXT    PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id),
    csrf         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- The audit trail: appended, never changed (the triggers refuse updates and deletes).
CREATE TABLE audit (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    actor        TEXT,                        -- the user, or NULL when nobody was recognised
    on_behalf_of TEXT,
    action       TEXT    NOT NULL,            -- e.g. `POST /api/v1/orders`, `login`, `users add`
    target       TEXT,                        -- the order, task, user or token concerned
    address      TEXT,
    status       INTEGER NOT NULL,            -- the HTTP status, or 0 for commands
    result       TEXT    NOT NULL,            -- `ok`, or the refusal's code
    detail       TEXT,
    request_id   TEXT
);
CREATE INDEX audit_actor ON audit (actor, at);
CREATE INDEX audit_at ON audit (at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

-- Settings shared by every process on the database (the cookie signing key).
CREATE TABLE service_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
