-- Recording a drift check that found the same drift as the last one looks up that last check: the newest drift
-- check of this agent, on this commit, with an outcome on the host. Without these indexes the lookup sorted every
-- drift check of the agent and, per check, scanned every outcome of the host: seconds per record once the history
-- holds 100,000 reconciles (bench/DASHBOARD-RESULTS.md). With them it is two index seeks.
CREATE INDEX reconciles_drift ON reconciles (agent, kind, commit_id, started_at DESC, id DESC);
CREATE INDEX service_outcomes_reconcile_host ON service_outcomes (reconcile_id, host);
