-- The KPI summary: the figures of finished orders, computed once and kept, so that a report
-- reads those instead of every finished order's events again. A finished order's figures never
-- change (no event reaches a closed order), so only a change of the code that computes them or of
-- the business calendars makes them stale: `key` names both, and rows of another key are dropped
-- and recomputed. Each row holds the figures of up to a thousand orders (postcard-encoded).
CREATE TABLE kpi_chunks (
    id          BIGSERIAL PRIMARY KEY,
    key         TEXT   NOT NULL,
    orders      BIGINT NOT NULL,
    events      BIGINT NOT NULL,
    last_update BIGINT NOT NULL,
    figures     BYTEA  NOT NULL
);

-- Every summarised instance (orders and their subflows) and the chunk holding its order's
-- figures: a report reads the events of the other instances only.
CREATE TABLE kpi_summarised (
    order_id TEXT   PRIMARY KEY,
    chunk    BIGINT NOT NULL
);
