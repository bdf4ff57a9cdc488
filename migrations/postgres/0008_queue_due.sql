-- The queue's order is priority, then due time (earliest first, tasks without one last), then
-- ready time, then order and instance for ties. A missing due time sorts as the largest 64-bit
-- number, which no real time reaches.
--
-- PostgreSQL does not read `assignee IS NULL` as fixing the assignee for the rows that follow
-- in an index, so the queue of unclaimed tasks has an index of its own, holding only them: a
-- take-next among tens of thousands of open tasks reads its first rows in the queue's order
-- instead of sorting them all. The other index serves "my tasks" (`assignee = …`).
DROP INDEX tasks_queue;
CREATE INDEX tasks_queue ON tasks (role, assignee, priority DESC, coalesce(due_at, 9223372036854775807), ready_at, order_id, instance);
CREATE INDEX tasks_unclaimed ON tasks (role, priority DESC, coalesce(due_at, 9223372036854775807), ready_at, order_id, instance)
    WHERE assignee IS NULL;
