-- E-mail notifications (`runner/src/serve/mail.rs`): a person's address, and the mails on
-- their way, one per person and notice, sent and retried as webhook deliveries are
-- (`deliveries.rs`); `body` holds the address, subject and text as JSON.
ALTER TABLE users ADD COLUMN email TEXT;
CREATE TABLE mail_deliveries (
    id           BIGSERIAL PRIMARY KEY,
    recipient    TEXT    NOT NULL,
    notice       TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    attempts     BIGINT  NOT NULL DEFAULT 0,
    next_at      BIGINT  NOT NULL,
    delivered_at BIGINT,
    last_error   TEXT,
    UNIQUE (recipient, notice)
);
CREATE INDEX mail_deliveries_due ON mail_deliveries (next_at) WHERE delivered_at IS NULL;
