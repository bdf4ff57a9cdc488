-- An order's history shows whom its notices reached (`runner/src/serve/sent.rs`): inbox rows by
-- order, and the mail and webhook deliveries by notice key (`<order id>:<event seq>`, read as a
-- range of keys).
CREATE INDEX inbox_by_order ON inbox (order_id);
CREATE INDEX mail_deliveries_by_notice ON mail_deliveries (notice);
CREATE INDEX webhook_deliveries_by_notice ON webhook_deliveries (notice);
