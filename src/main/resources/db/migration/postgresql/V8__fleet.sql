-- Agents that share one database show one another (a fleet in one page): each keeps one row here, replaced
-- when its status changes and at least every heartbeat. The row holds its status document (what its
-- /api/status serves), the URL its API can be reached at (NULL: its hosts are shown read-only elsewhere), how
-- often it publishes, and when it last did by the database's clock, so agents whose machines' clocks differ
-- are judged alike. A table of its own rather than agent_memory: readers take every agent's row at once and
-- age it by a time column, while agent_memory is each agent's private memory, read by name.

CREATE TABLE fleet (
    agent          TEXT        NOT NULL PRIMARY KEY,
    status         TEXT        NOT NULL,
    advertised_url TEXT,
    heartbeat_ms   BIGINT      NOT NULL,
    seen_at        TIMESTAMPTZ NOT NULL
);
