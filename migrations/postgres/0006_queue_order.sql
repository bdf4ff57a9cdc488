-- The queue's index ends with the task's key, so the queue's whole order (priority, ready time,
-- then order and instance for ties) comes from the index: a take-next among tens of thousands
-- of open tasks reads the first rows instead of sorting them all.
DROP INDEX tasks_queue;
CREATE INDEX tasks_queue ON tasks (role, assignee, priority DESC, ready_at, order_id, instance);
