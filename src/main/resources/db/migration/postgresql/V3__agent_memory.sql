-- Several agents may share one database (one dashboard for many agents): each reconcile names the
-- agent that recorded it (rows from before this version have none), and each agent keeps what it
-- must remember between runs under its own name: each host's target commit, the commits that failed
-- and when a transient failure is tried again, suspensions, the apply under way, the state of its
-- notifications. Values are small JSON documents the agent reads and writes whole.

ALTER TABLE reconciles ADD COLUMN agent TEXT;
CREATE INDEX reconciles_agent ON reconciles (agent, kind, result, started_at DESC, id DESC);

CREATE TABLE agent_memory (
    agent TEXT NOT NULL,
    name  TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (agent, name)
);
