-- The tasks of a held order stay in the table (they are still the order's open work) but are
-- marked, and the index of the unclaimed queue holds only the takeable ones: a take-next reads
-- its first rows at once instead of passing over every held order's task one by one (with
-- 10,000 held ahead of the rest it looked each one's order up).
ALTER TABLE tasks ADD COLUMN held SMALLINT NOT NULL DEFAULT 0;
UPDATE tasks SET held = 1 WHERE order_id IN (SELECT id FROM orders WHERE status = 'on_hold');
DROP INDEX tasks_unclaimed;
CREATE INDEX tasks_unclaimed ON tasks (role, priority DESC, coalesce(due_at, 9223372036854775807), ready_at, order_id, instance)
    WHERE assignee IS NULL AND held = 0;
