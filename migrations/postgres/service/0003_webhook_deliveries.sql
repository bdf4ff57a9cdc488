-- Notices on their way to the webhooks of the settings (`runner/src/serve/webhooks.rs`): one
-- row per webhook and notice, claimed by pushing `next_at` past a lease, retried with back-off
-- until delivered; a receiver tells repeats apart by the notice's key.
CREATE TABLE webhook_deliveries (
    id           BIGSERIAL PRIMARY KEY,
    webhook      TEXT    NOT NULL,
    notice       TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    attempts     BIGINT  NOT NULL DEFAULT 0,
    next_at      BIGINT  NOT NULL,
    delivered_at BIGINT,
    last_error   TEXT,
    UNIQUE (webhook, notice)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE delivered_at IS NULL;
