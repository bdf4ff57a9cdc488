-- The tasks of a held order stay in the table (they are still the order's open work) but are
-- marked, and the queue's index puts the mark before the queue's order: a take-next reads the
-- first takeable rows at once instead of passing over every held order's task one by one
-- (with 10,000 held ahead of the rest it looked each one's order up: 22 ms a take).
ALTER TABLE tasks ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET held = 1 WHERE order_id IN (SELECT id FROM orders WHERE status = 'on_hold');
DROP INDEX tasks_queue;
CREATE INDEX tasks_queue ON tasks (role, assignee, held, priority DESC, coalesce(due_at, 9223372036854775807), ready_at, order_id, instance);
