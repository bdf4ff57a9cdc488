-- The service's own tables (crate `junro`, `runner/src/serve/db.rs`): who may work, how they
-- prove it, and the audit trail. Kept apart from the engine's tables, with their own migration
-- history (`_junro_service_migrations`): the engine knows actors, never passwords or sessions.
-- Times are integer microseconds since the Unix epoch, as in the engine's tables.

CREATE TABLE users (
    id            TEXT    PRIMARY KEY,
    display_name  TEXT    NOT NULL,
    roles         TEXT    NOT NULL,
    vendor        TEXT,
    supervisor    BIGINT  NOT NULL DEFAULT 0,
    manager       BIGINT  NOT NULL DEFAULT 0,
    admin         BIGINT  NOT NULL DEFAULT 0,
    password_hash TEXT,
    disabled      BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE api_tokens (
    id           TEXT    PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id),
    hash         TEXT    NOT NULL UNIQUE,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
    id_hash      TEXT    PRIMARY KEY,
    user_id      TEXT    NOT NULL REFERENCES users (id),
    csrf         TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit (
    seq          BIGSERIAL PRIMARY KEY,
    at           BIGINT  NOT NULL,
    actor        TEXT,
    on_behalf_of TEXT,
    action       TEXT    NOT NULL,
    target       TEXT,
    address      TEXT,
    status       BIGINT  NOT NULL,
    result       TEXT    NOT NULL,
    detail       TEXT,
    request_id   TEXT
);
CREATE INDEX audit_actor ON audit (actor, at);
CREATE INDEX audit_at ON audit (at);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

CREATE TABLE service_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
