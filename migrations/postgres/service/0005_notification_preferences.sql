-- What each person wants mailed, and when not (`runner/src/serve/preferences.rs`). No row: every
-- kind, at any hour. The inbox always gets everything: it is the record.
CREATE TABLE notification_preferences (
    user_id    TEXT PRIMARY KEY,
    mail_kinds TEXT NOT NULL,
    quiet_from TEXT,
    quiet_to   TEXT
);
