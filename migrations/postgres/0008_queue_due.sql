-- The queue's order is priority, then due time (earliest first, tasks without one last), then
-- ready time, then order and instance for ties; the index gives that order whole, so a
-- take-next reads the first rows instead of sorting the queue. A missing due time sorts as
-- the largest 64-bit number, which no real time reaches.
DROP INDEX tasks_queue;
CREATE INDEX tasks_queue ON tasks (role, assignee, priority DESC, coalesce(due_at, 9223372036854775807), ready_at, order_id, instance);
