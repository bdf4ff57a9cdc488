-- Deputies (代理): a person, or an administrator for them, names a deputy for a period; while
-- it lasts the deputy may work the principal's tasks, and each thing they do is recorded as
-- done on the principal's behalf. Rows are kept after their period (the history names them);
-- ending one early shortens `ends_at` and records who ended it.
CREATE TABLE deputies (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    principal TEXT    NOT NULL,
    deputy    TEXT    NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at   INTEGER NOT NULL,
    named_by  TEXT    NOT NULL,
    named_at  INTEGER NOT NULL,
    ended_by  TEXT
);
CREATE INDEX deputies_by_deputy ON deputies (deputy, ends_at);
CREATE INDEX deputies_by_principal ON deputies (principal, ends_at);
