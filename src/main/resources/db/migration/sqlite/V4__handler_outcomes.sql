-- The handlers each service ran during a reconcile: how each ended and the end of its output (at most
-- 20 lines and 4 KiB, the repository's secret values masked), so that a failed handler can be diagnosed
-- from history alone.

CREATE TABLE handler_outcomes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    outcome_id INTEGER NOT NULL REFERENCES service_outcomes (id) ON DELETE CASCADE,
    handler    TEXT    NOT NULL,
    succeeded  INTEGER NOT NULL,
    exit_code  INTEGER,
    result     TEXT    NOT NULL,
    output     TEXT    NOT NULL
);
CREATE INDEX handler_outcomes_outcome ON handler_outcomes (outcome_id);
