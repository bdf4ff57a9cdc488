-- When a worker last picked each job up (`store::Store::claim_jobs`): an external worker's
-- report of the attempt carries it into the event, so the attempt's run is processing and its
-- queueing waiting (`../shared/kpi.md`, step instance).
ALTER TABLE jobs ADD COLUMN picked_at BIGINT;
