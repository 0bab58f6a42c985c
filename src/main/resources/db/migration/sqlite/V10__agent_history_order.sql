-- A page of one agent's history (the dashboard's service page, `driftless history --agent`) asks for the newest
-- reconciles of that agent with an outcome for a host and service. With only the agent's other indexes, which do not
-- keep its reconciles in time order, the database took every reconcile of the agent and sorted them (0.14 s of CPU
-- per page in SQLite with 100,000 reconciles; bench/DASHBOARD-RESULTS.md). This one walks them newest first and
-- stops when the page is full.
CREATE INDEX reconciles_agent_newest ON reconciles (agent, started_at DESC, id DESC);
