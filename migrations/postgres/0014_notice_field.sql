-- The data field a notice is about: the date field of a customer's reminder (`remind customer`),
-- whose label words the mail.
ALTER TABLE notices ADD COLUMN field TEXT;
