-- The language a person's notifications are worded in (`runner/src/serve/messages.rs`); NULL:
-- the settings' `messages.language`.
ALTER TABLE users ADD COLUMN language TEXT;
