-- Each person's in-app inbox (`runner/src/serve/inbox.rs`): the notices of the engine's outbox
-- worded for them. One row per person and notice: a notice handed out again after a crash is
-- shown once.
CREATE TABLE inbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT    NOT NULL,
    notice     TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    order_id   TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    link       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    read_at    INTEGER,
    UNIQUE (user_id, notice)
);
CREATE INDEX inbox_by_user ON inbox (user_id, id);
